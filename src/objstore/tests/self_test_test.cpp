// The self-test (self_test.h) against the filesystem store, through the fault wrapper for its
// failures, and the diagnoses of the errors the backends produce.
#include "objstore/self_test.h"

#include <gtest/gtest.h>

#include <asio/io_context.hpp>

#include "objstore/azure_errors.h"
#include "objstore/faulty_object_store.h"
#include "objstore/fs_object_store.h"
#include "objstore/s3_errors.h"
#include "objstore/tests/test_support.h"

namespace strata::objstore::testing {
namespace {

constexpr uint64_t kSeed = 7;

class SelfTestTest : public ::testing::Test {
 protected:
  SelfTestTest() {
    FsOptions options;
    options.root = dir_.path() / "store";
    options.sync = false;
    store_ = std::move(FsObjectStore::open(options)).value();
    faulty_ = std::make_unique<FaultyObjectStore>(*store_, kSeed);
  }

  SelfTestReport run_test(ObjectStore& store) {
    SelfTestOptions options;
    options.large_size = 3 * SelfTestOptions::kMiB + 5;  // not a whole number of chunks
    options.chunk_size = SelfTestOptions::kMiB;
    options.bucket = "strata-test";
    return run(io_, run_self_test(store, options));
  }

  size_t objects_left() {
    ListOptions all;
    return run(io_, store_->list(all)).value().objects.size();
  }

  asio::io_context io_;
  TempDir dir_;
  std::unique_ptr<FsObjectStore> store_;
  std::unique_ptr<FaultyObjectStore> faulty_;
};

TEST_F(SelfTestTest, PassesOnAGoodStoreAndLeavesNothing) {
  const SelfTestReport report = run_test(*store_);
  EXPECT_TRUE(report.passed());
  const std::vector<std::string> names{"put",       "get",          "ranged get",         "list",
                                       "multipart", "streamed get", "conditional create", "delete"};
  ASSERT_EQ(report.steps.size(), names.size());
  for (size_t i = 0; i < names.size(); ++i) {
    EXPECT_EQ(report.steps[i].name, names[i]);
    EXPECT_EQ(report.steps[i].outcome, SelfTestStep::Outcome::passed) << names[i];
    EXPECT_GT(report.steps[i].operations, 0u) << names[i];
    EXPECT_LE(report.steps[i].p50, report.steps[i].max);
  }
  EXPECT_EQ(report.steps[0].operations, 10u);
  EXPECT_EQ(report.steps[0].bytes, 10u * 4096);
  EXPECT_EQ(report.steps[4].bytes, 3 * SelfTestOptions::kMiB + 5);
  EXPECT_GT(report.steps[5].bytes_per_second(), 0);
  EXPECT_EQ(report.prefix.rfind("strata-self-test/", 0), 0u);
  EXPECT_EQ(objects_left(), 0u);
}

TEST_F(SelfTestTest, FailureSkipsTheRestCleansUpAndIsDiagnosed) {
  FaultConfig faults;
  faults.with_error_rate(FaultOp::upload, 1.0);
  faults.injected_error = ObjstoreErrc::access_denied;
  faulty_->set_config(faults);
  const SelfTestReport report = run_test(*faulty_);
  EXPECT_FALSE(report.passed());
  const SelfTestStep* failed = report.first_failure();
  ASSERT_NE(failed, nullptr);
  EXPECT_EQ(failed->name, "multipart");
  ASSERT_TRUE(failed->error);
  EXPECT_NE(failed->diagnosis.find("access denied"), std::string::npos) << failed->diagnosis;
  EXPECT_EQ(report.steps.back().name, "multipart");  // nothing after the failure
  EXPECT_EQ(report.steps[0].outcome, SelfTestStep::Outcome::passed);
  EXPECT_FALSE(report.cleanup_error);
  EXPECT_EQ(objects_left(), 0u);  // the small objects were deleted after the failure
}

TEST_F(SelfTestTest, AnOutageFailsTheFirstStep) {
  faulty_->set_outage(true);
  const SelfTestReport report = run_test(*faulty_);
  ASSERT_NE(report.first_failure(), nullptr);
  EXPECT_EQ(report.first_failure()->name, "put");
  EXPECT_FALSE(report.passed());
}

std::string diagnosis_of(const Error& e) { return diagnose(e, "strata-test"); }

bool has(const std::string& text, std::string_view word) { return text.find(word) != std::string::npos; }

TEST(Diagnose, ServiceErrorsInPlainWords) {
  EXPECT_TRUE(has(diagnosis_of(s3_error(404, "NoSuchBucket", "", "", "PUT k")), "bucket strata-test does not exist"));
  EXPECT_TRUE(has(diagnosis_of(azure_error(404, "ContainerNotFound", "", "", "PUT k")),
                  "bucket strata-test does not exist"));
  const std::string wrong_secret = diagnosis_of(s3_error(403, "SignatureDoesNotMatch", "", "", "PUT k"));
  EXPECT_TRUE(has(wrong_secret, "access denied")) << wrong_secret;
  EXPECT_TRUE(has(wrong_secret, "secret")) << wrong_secret;
  EXPECT_TRUE(has(diagnosis_of(azure_error(403, "AuthorizationFailure", "", "", "PUT k")), "secret"));
  EXPECT_TRUE(has(diagnosis_of(s3_error(403, "InvalidAccessKeyId", "", "", "PUT k")), "access key id"));
  EXPECT_TRUE(has(diagnosis_of(s3_error(403, "AccessDenied", "", "", "PUT k")), "permission"));
  EXPECT_TRUE(has(diagnosis_of(s3_error(403, "RequestTimeTooSkewed", "", "", "PUT k")), "clock skew"));
  EXPECT_TRUE(has(diagnosis_of(s3_error(503, "SlowDown", "", "", "PUT k")), "throttled"));
}

TEST(Diagnose, TransportErrorsInPlainWords) {
  const auto transient = [](std::string message) { return Error(ObjstoreErrc::transient, std::move(message)); };
  EXPECT_TRUE(has(diagnosis_of(transient("PUT k: Couldn't connect to server (http://127.0.0.1:1/b/k): gave up")),
                  "endpoint unreachable"));
  EXPECT_TRUE(has(diagnosis_of(transient("PUT k: Could not resolve host: nowhere.invalid")), "unreachable"));
  EXPECT_TRUE(has(diagnosis_of(transient("PUT k: SSL connect error (https://127.0.0.1:7480/b/k)")), "TLS"));
  EXPECT_TRUE(has(diagnosis_of(Error(ObjstoreErrc::permanent,
                                     "PUT k: SSL peer certificate or SSH remote key was not OK")),
                  "TLS"));
  EXPECT_TRUE(has(diagnosis_of(Error(ObjstoreErrc::permanent, "PUT k: something odd")), "something odd"));
}

}  // namespace
}  // namespace strata::objstore::testing
