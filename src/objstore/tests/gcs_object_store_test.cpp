// The S3 client in its GCS dialect (S3Dialect::gcs), against a tiny loopback stand-in for GCS's
// XML API (fake_gcs_server.py, started here) that checks GOOG4-HMAC-SHA256 signatures and payload
// hashes and logs every request. The cases drive the client through its operations and then check
// the shape of what it sent: path-style URLs, Host, the GOOG4 Authorization form, x-goog-date,
// x-goog-* headers only, create-only as x-goog-if-generation-match: 0, and no DeleteObjects.
// No real GCS is reachable here: this checks our side of the protocol, not GCS's.
#include <gtest/gtest.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>
#include <nlohmann/json.hpp>

#include <chrono>
#include <fstream>
#include <regex>
#include <thread>

#include <fmt/format.h>

#include "objstore/s3_object_store.h"
#include "objstore/tests/test_support.h"

extern char** environ;

namespace strata::objstore::testing {
namespace {

constexpr size_t MiB = 1024 * 1024;
constexpr const char* kAccessKey = "GOOGTESTHMACKEY";
constexpr const char* kSecret = "gcs-hmac-secret";

class FakeGcs {
 public:
  explicit FakeGcs(const std::filesystem::path& dir) : log_(dir / "requests.jsonl") {
    const char* script = std::getenv("STRATA_FAKE_GCS");
    if (script == nullptr) throw std::runtime_error("STRATA_FAKE_GCS is not set: run this test through ctest");
    const std::string port_file = (dir / "port").string();
    std::vector<std::string> args = {"python3",     script,         "--port-file", port_file,  "--log",
                                     log_.string(), "--access-key", kAccessKey,    "--secret", kSecret};
    std::vector<char*> argv;
    for (std::string& a : args) argv.push_back(a.data());
    argv.push_back(nullptr);
    if (::posix_spawnp(&pid_, "python3", nullptr, nullptr, argv.data(), environ) != 0) {
      throw std::runtime_error("cannot start python3");
    }
    for (int i = 0; i < 100 && port_ == 0; ++i) {
      std::ifstream in(port_file);
      if (!(in >> port_)) std::this_thread::sleep_for(std::chrono::milliseconds(50));
    }
    if (port_ == 0) throw std::runtime_error("the fake GCS server did not start");
  }
  ~FakeGcs() {
    ::kill(pid_, SIGTERM);
    int status = 0;
    ::waitpid(pid_, &status, 0);
  }
  int port() const { return port_; }

  std::vector<nlohmann::json> requests() const {
    std::vector<nlohmann::json> out;
    std::ifstream in(log_);
    for (std::string line; std::getline(in, line);) out.push_back(nlohmann::json::parse(line));
    return out;
  }

 private:
  std::filesystem::path log_;
  pid_t pid_ = 0;
  int port_ = 0;
};

class GcsDialectTest : public ::testing::Test {
 protected:
  GcsDialectTest() : gcs_(dir_.path()) {
    result<S3Options> options = gcs_options_from_config({
        {"rsm.config.gcs.bucket", "strata-gcs"},
        {"rsm.config.gcs.prefix", "tiered"},
        {"rsm.config.gcs.endpoint", fmt::format("http://127.0.0.1:{}", gcs_.port())},
        {"rsm.config.gcs.hmac.access.key", kAccessKey},
        {"rsm.config.gcs.hmac.secret", kSecret},
        {"rsm.config.gcs.part.size", std::to_string(5 * MiB)},
    });
    if (!options) throw std::runtime_error(options.error().to_string());
    result<std::unique_ptr<S3ObjectStore>> store = S3ObjectStore::open(*options);
    if (!store) throw std::runtime_error(store.error().to_string());
    store_ = std::move(store).value();
  }

  template <class T>
  T run(asio::awaitable<T> aw) {
    return testing::run(io_, std::move(aw));
  }

  TempDir dir_;
  FakeGcs gcs_;
  asio::io_context io_;
  std::unique_ptr<S3ObjectStore> store_;
};

TEST_F(GcsDialectTest, OperationsWorkAndRequestsHaveTheGcsShape) {
  // Objects, metadata, create-only, ranges, listing, a multipart upload, deletes.
  const bytes small = pattern(1, 0, 10'000);
  ASSERT_OK(run(store_->put("t/0/seg.log", small, PutOptions{Metadata{{"base_offset", "42"}}, false})));
  const PutOptions create_only{Metadata{}, true};
  ASSERT_OK(run(store_->put("t/0/manifest", as_bytes_view("one"), create_only)));
  EXPECT_OBJSTORE_ERROR(run(store_->put("t/0/manifest", as_bytes_view("two"), create_only)),
                        ObjstoreErrc::precondition_failed);

  result<ObjectInfo> head = run(store_->head("t/0/seg.log"));
  ASSERT_OK(head);
  EXPECT_EQ(head->size, small.size());
  EXPECT_EQ(head->metadata, (Metadata{{"base_offset", "42"}}));
  EXPECT_TRUE(head->crc32c.has_value());
  EXPECT_TRUE(equal_bytes(run(get_bytes(*store_, "t/0/seg.log")).value(), small));
  EXPECT_TRUE(equal_bytes(run(get_bytes(*store_, "t/0/seg.log", ByteRange{100, 50})).value(),
                          bytes_view(small).subspan(100, 50)));

  const uint64_t kLarge = 11 * MiB;
  result<ObjectInfo> large = run([&]() -> asio::awaitable<result<ObjectInfo>> {
    OBJSTORE_CO_TRY_ASSIGN(std::unique_ptr<Upload> up, co_await store_->start_upload("t/1/big.log"));
    const bytes piece = pattern(2, 0, kLarge);
    OBJSTORE_CO_TRY(co_await up->write(piece));
    co_return co_await up->complete();
  }());
  ASSERT_OK(large);
  // Verified by x-goog-hash's CRC32C: GCS's multipart ETag is no MD5.
  EXPECT_TRUE(equal_bytes(run(get_bytes(*store_, "t/1/big.log")).value(), pattern(2, 0, kLarge)));

  ListOptions by_partition;
  by_partition.prefix = "t/";
  by_partition.delimiter = "/";
  by_partition.max_keys = 1;
  std::vector<std::string> prefixes;
  while (true) {
    result<ListPage> page = run(store_->list(by_partition));
    ASSERT_OK(page);
    prefixes.insert(prefixes.end(), page->common_prefixes.begin(), page->common_prefixes.end());
    if (!page->truncated()) break;
    by_partition.continuation = page->continuation;
  }
  EXPECT_EQ(prefixes, (std::vector<std::string>{"t/0/", "t/1/"}));

  result<std::vector<DeleteFailure>> failures =
      run(store_->remove_batch({"t/0/seg.log", "t/0/manifest", "t/1/big.log", "t/missing"}));
  ASSERT_OK(failures);
  EXPECT_TRUE(failures->empty());
  EXPECT_OBJSTORE_ERROR(run(store_->head("t/0/seg.log")), ObjstoreErrc::not_found);

  // The shape of every request sent.
  const std::vector<nlohmann::json> requests = gcs_.requests();
  ASSERT_GT(requests.size(), 15u);
  const std::regex authorization(fmt::format(
      R"(GOOG4-HMAC-SHA256 Credential={}/\d{{8}}/auto/storage/goog4_request, ?SignedHeaders=[a-z0-9;-]+, ?Signature=[0-9a-f]{{64}})",
      kAccessKey));
  const std::regex goog_date(R"(\d{8}T\d{6}Z)");
  size_t multipart_calls = 0;
  size_t create_only_puts = 0;
  for (const nlohmann::json& r : requests) {
    SCOPED_TRACE(r.dump());
    const std::string method = r["method"];
    const std::string path = r["path"];
    const std::string query = r["query"];
    const nlohmann::json& h = r["headers"];
    EXPECT_TRUE(path == "/strata-gcs" || path.starts_with("/strata-gcs/tiered/")) << "not path-style under the prefix";
    EXPECT_EQ(h.value("host", ""), fmt::format("127.0.0.1:{}", gcs_.port()));
    EXPECT_TRUE(std::regex_match(h.value("authorization", ""), authorization)) << h.value("authorization", "");
    EXPECT_TRUE(std::regex_match(h.value("x-goog-date", ""), goog_date));
    EXPECT_TRUE(h.contains("x-goog-content-sha256"));
    for (const auto& [name, value] : h.items()) {
      EXPECT_FALSE(name.starts_with("x-amz-")) << "an S3-only header: " << name;
    }
    EXPECT_FALSE(method == "POST" && query.find("delete") != std::string::npos) << "DeleteObjects is not on GCS";
    EXPECT_EQ(h.value("if-none-match", ""), "") << "GCS's create-only is x-goog-if-generation-match";
    if (method == "PUT" && query.empty()) {
      EXPECT_TRUE(h.contains("x-goog-meta-strata-crc32c")) << "a PUT without its checksum";
      if (h.value("x-goog-if-generation-match", "") == "0") ++create_only_puts;
    }
    if (query.find("upload") != std::string::npos) ++multipart_calls;
  }
  EXPECT_EQ(create_only_puts, 2u);
  EXPECT_EQ(multipart_calls, 1u + 3u + 1u);  // create, three parts, complete
}

TEST_F(GcsDialectTest, SlowDownIsRetriedAndClockSkewIsExplained) {
  ASSERT_OK(run(store_->put("x/throttled-once", as_bytes_view("data"))));
  size_t puts = 0;
  for (const nlohmann::json& r : gcs_.requests()) {
    if (r["method"] == "PUT" && std::string(r["path"]).ends_with("/throttled-once")) ++puts;
  }
  EXPECT_EQ(puts, 2u) << "a 503 SlowDown is retried once it has waited";
  EXPECT_EQ(std::string(as_string_view(run(get_bytes(*store_, "x/throttled-once")).value())), "data");

  result<ObjectInfo> skewed = run(store_->head("x/skewed"));
  EXPECT_OBJSTORE_ERROR(skewed, ObjstoreErrc::access_denied);  // HEAD: no body, the status says it
  result<bytes> got = run(get_bytes(*store_, "x/skewed"));
  EXPECT_OBJSTORE_ERROR(got, ObjstoreErrc::access_denied);
  ASSERT_FALSE(got);
  EXPECT_NE(got.error().message().find("RequestTimeTooSkewed"), std::string::npos) << got.error().message();
  EXPECT_NE(got.error().message().find("clock"), std::string::npos) << got.error().message();
}

TEST_F(GcsDialectTest, WrongHmacSecretIsAccessDenied) {
  result<S3Options> options =
      options_from_url(fmt::format("gs://strata-gcs/tiered?endpoint=http://127.0.0.1:{}", gcs_.port()));
  ASSERT_OK(options);
  options->credentials = S3Credentials{kAccessKey, "wrong", ""};
  result<std::unique_ptr<S3ObjectStore>> store = S3ObjectStore::open(*options);
  ASSERT_OK(store);
  result<ObjectInfo> put = run((*store)->put("k", as_bytes_view("x")));
  EXPECT_OBJSTORE_ERROR(put, ObjstoreErrc::access_denied);
}

}  // namespace
}  // namespace strata::objstore::testing
