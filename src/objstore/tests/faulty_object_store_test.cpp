// The fault-injecting wrapper: with faults off it passes the conformance suite like the store it
// wraps; with faults on, callers see typed errors, nothing partial ever becomes visible, and
// retries stop at their deadline with a clear error.
#include "objstore/faulty_object_store.h"

#include <gtest/gtest.h>

#include <asio/bind_cancellation_slot.hpp>
#include <asio/cancellation_signal.hpp>
#include <asio/co_spawn.hpp>
#include <asio/detached.hpp>
#include <asio/experimental/awaitable_operators.hpp>
#include <asio/steady_timer.hpp>
#include <chrono>

#include "objstore/fs_layout.h"
#include "objstore/fs_object_store.h"
#include "objstore/retry.h"
#include "objstore/tests/conformance.h"
#include "objstore/tests/test_support.h"

namespace strata::objstore::testing {
namespace {

namespace fs = std::filesystem;
using namespace std::chrono_literals;

constexpr uint64_t kSeed = 20240601;

// A filesystem store behind a FaultyObjectStore.
class FaultyFsStore final : public StoreUnderTest {
 public:
  FaultyFsStore() {
    FsOptions options;
    options.root = dir_.path() / "store";
    // These tests are about the wrapper; durability is the fs suite's business, and skipping the
    // fsyncs keeps the >1000-key cases fast.
    options.sync = false;
    result<std::unique_ptr<FsObjectStore>> opened = FsObjectStore::open(options);
    if (!opened) throw std::runtime_error(opened.error().to_string());
    inner_ = std::move(opened).value();
    faulty_ = std::make_unique<FaultyObjectStore>(*inner_, kSeed);
  }
  ObjectStore& store() override { return *faulty_; }
  FaultyObjectStore& faulty() { return *faulty_; }
  FsObjectStore& inner() { return *inner_; }

 private:
  TempDir dir_;
  std::unique_ptr<FsObjectStore> inner_;
  std::unique_ptr<FaultyObjectStore> faulty_;
};

INSTANTIATE_TEST_SUITE_P(FaultyFsFaultsOff, ObjectStoreConformance,
                         ::testing::Values(ConformanceBackend{
                             .name = "faulty_fs", .make = [] { return std::make_unique<FaultyFsStore>(); }}),
                         conformance_name);

class FaultyObjectStoreTest : public ::testing::Test {
 protected:
  template <class T>
  T run(asio::awaitable<T> aw) {
    return testing::run(io_, std::move(aw));
  }

  FaultyObjectStore& faulty() { return sut_.faulty(); }
  FsObjectStore& inner() { return sut_.inner(); }

  // Everything the inner store holds, with contents, to compare before and after faults.
  std::map<std::string, std::string> inner_contents() {
    std::map<std::string, std::string> contents;
    result<ListPage> page = run(inner().list(ListOptions{}));
    EXPECT_TRUE(page);
    if (!page) return contents;
    EXPECT_FALSE(page->truncated());
    for (const ObjectInfo& o : page->objects) {
      result<bytes> data = run(get_bytes(inner(), o.key));
      EXPECT_TRUE(data);
      if (data) contents[o.key] = std::string(as_string_view(*data));
    }
    return contents;
  }

  bool staging_empty() { return fs::is_empty(inner().root() / fslayout::kStagingDir); }

  asio::io_context io_;
  FaultyFsStore sut_;
};

TEST_F(FaultyObjectStoreTest, DuringAnOutageEveryOperationFailsTransientAndNothingChanges) {
  ASSERT_OK(run(faulty().put("existing", to_bytes("before the outage"))));
  result<std::unique_ptr<Upload>> in_flight = run(faulty().start_upload("in-flight"));
  ASSERT_OK(in_flight);
  ASSERT_OK(run((*in_flight)->write(to_bytes("written before the outage"))));
  const auto before = inner_contents();

  faulty().set_outage(true);
  EXPECT_OBJSTORE_ERROR(run(faulty().put("new", to_bytes("x"))), ObjstoreErrc::transient);
  EXPECT_OBJSTORE_ERROR(run(faulty().put("existing", to_bytes("overwrite"))), ObjstoreErrc::transient);
  EXPECT_OBJSTORE_ERROR(run(faulty().start_upload("new-upload")), ObjstoreErrc::transient);
  EXPECT_OBJSTORE_ERROR(run((*in_flight)->write(to_bytes("more"))), ObjstoreErrc::transient);
  EXPECT_OBJSTORE_ERROR(run(get_bytes(faulty(), "existing")), ObjstoreErrc::transient);
  bytes buffer(4);
  EXPECT_OBJSTORE_ERROR(run(faulty().read("existing", 0, buffer)), ObjstoreErrc::transient);
  EXPECT_OBJSTORE_ERROR(run(faulty().head("existing")), ObjstoreErrc::transient);
  EXPECT_OBJSTORE_ERROR(run(faulty().list(ListOptions{})), ObjstoreErrc::transient);
  EXPECT_OBJSTORE_ERROR(run(faulty().remove("existing")), ObjstoreErrc::transient);
  EXPECT_OBJSTORE_ERROR(run(faulty().remove_batch({"existing"})), ObjstoreErrc::transient);
  // Ten requests met the outage; the second complete() of the failed upload never reached the
  // store (its failure is sticky, see below).
  EXPECT_EQ(faulty().injected_faults_total(), 10u);

  faulty().set_outage(false);
  EXPECT_EQ(inner_contents(), before);
  EXPECT_TRUE(staging_empty()) << "the failed upload left its staging file";
  // The failed upload stays failed: its error is sticky.
  EXPECT_OBJSTORE_ERROR(run((*in_flight)->complete()), ObjstoreErrc::transient);
  EXPECT_OBJSTORE_ERROR(run(faulty().head("in-flight")), ObjstoreErrc::not_found);
}

TEST_F(FaultyObjectStoreTest, PutCutAfterNBytesNeverBecomesVisible) {
  ASSERT_OK(run(faulty().put("victim", to_bytes("old content"))));
  FaultConfig config;
  config.fail_put_after_bytes = 1000;
  faulty().set_config(config);

  // One-call put, new key and overwrite.
  const bytes big = pattern(1, 0, 5000);
  EXPECT_OBJSTORE_ERROR(run(faulty().put("fresh", big)), ObjstoreErrc::transient);
  EXPECT_OBJSTORE_ERROR(run(faulty().put("victim", big)), ObjstoreErrc::transient);
  // Exactly at the limit passes.
  ASSERT_OK(run(faulty().put("small", bytes_view(big).first(1000))));

  // Streamed upload, cut in the middle of its third write.
  result<std::unique_ptr<Upload>> upload = run(faulty().start_upload("streamed"));
  ASSERT_OK(upload);
  ASSERT_OK(run((*upload)->write(bytes_view(big).first(400))));
  ASSERT_OK(run((*upload)->write(bytes_view(big).subspan(400, 400))));
  EXPECT_OBJSTORE_ERROR(run((*upload)->write(bytes_view(big).subspan(800, 400))), ObjstoreErrc::transient);
  EXPECT_OBJSTORE_ERROR(run((*upload)->complete()), ObjstoreErrc::transient);

  faulty().set_config(FaultConfig{});
  const std::map<std::string, std::string> expected{{"small", std::string(as_string_view(bytes_view(big).first(1000)))},
                                                    {"victim", "old content"}};
  EXPECT_EQ(inner_contents(), expected);
  EXPECT_TRUE(staging_empty());
  EXPECT_EQ(faulty().injected_faults(FaultOp::put), 2u);
  EXPECT_EQ(faulty().injected_faults(FaultOp::upload), 1u);
}

TEST_F(FaultyObjectStoreTest, GetCutAfterNBytesDeliversExactlyThoseBytesThenFails) {
  const bytes content = pattern(2, 0, 3 * 1024 * 1024);
  ASSERT_OK(run(faulty().put("download", content)));
  FaultConfig config;
  config.fail_get_after_bytes = 1'500'000;  // inside the second 1 MiB chunk
  faulty().set_config(config);
  bytes received;
  Sink collect = [&](bytes_view chunk) -> asio::awaitable<result<void>> {
    received.insert(received.end(), chunk.begin(), chunk.end());
    co_return success();
  };
  EXPECT_OBJSTORE_ERROR(run(faulty().get("download", collect)), ObjstoreErrc::transient);
  EXPECT_EQ(received.size(), 1'500'000u);
  EXPECT_TRUE(equal_bytes(received, bytes_view(content).first(received.size())));

  bytes buffer(2'000'000);
  EXPECT_OBJSTORE_ERROR(run(faulty().read("download", 0, buffer)), ObjstoreErrc::transient);
  // Reads that stay under the limit pass.
  bytes small(1000);
  ASSERT_OK(run(faulty().read("download", 5, small)));
  EXPECT_TRUE(equal_bytes(small, bytes_view(content).subspan(5, 1000)));
}

TEST_F(FaultyObjectStoreTest, ErrorRatesArePerOperationAndDeterministicForASeed) {
  ASSERT_OK(run(faulty().put("k", to_bytes("v"))));
  auto outcomes = [&](FaultyObjectStore& store) {
    std::string pattern_of_faults;
    for (int i = 0; i < 200; ++i) {
      result<ObjectInfo> head = run(store.head("k"));
      pattern_of_faults += head ? '.' : 'x';
      if (!head) EXPECT_OBJSTORE_ERROR(head, ObjstoreErrc::throttled);
    }
    return pattern_of_faults;
  };
  FaultConfig config;
  config.with_error_rate(FaultOp::head, 0.3).injected_error = ObjstoreErrc::throttled;
  faulty().set_config(config);
  const std::string first = outcomes(faulty());
  FaultyObjectStore again(inner(), kSeed);
  again.set_config(config);
  EXPECT_EQ(outcomes(again), first);
  const auto faults = std::count(first.begin(), first.end(), 'x');
  EXPECT_GT(faults, 30);  // ~60 expected
  EXPECT_LT(faults, 90);
  // Other kinds of operation are unaffected.
  for (int i = 0; i < 50; ++i) ASSERT_OK(run(faulty().list(ListOptions{})));
}

TEST_F(FaultyObjectStoreTest, LatencyIsAddedAndCancellable) {
  FaultConfig config;
  config.latency = 30ms;
  faulty().set_config(config);
  const auto start = std::chrono::steady_clock::now();
  EXPECT_OBJSTORE_ERROR(run(faulty().head("missing")), ObjstoreErrc::not_found);
  EXPECT_GE(std::chrono::steady_clock::now() - start, 30ms);

  // A caller's timeout cancels the wait: `op || timer` from Asio's awaitable operators.
  config.latency = 10s;
  faulty().set_config(config);
  const auto cancel_start = std::chrono::steady_clock::now();
  auto outcome = run([&]() -> asio::awaitable<std::variant<result<ObjectInfo>, std::monostate>> {
    using namespace asio::experimental::awaitable_operators;
    asio::steady_timer timeout(co_await asio::this_coro::executor, 20ms);
    co_return co_await (faulty().head("missing") || timeout.async_wait(asio::use_awaitable));
  }());
  EXPECT_EQ(outcome.index(), 1u);  // the timeout won
  EXPECT_LT(std::chrono::steady_clock::now() - cancel_start, 5s);
}

// ---- retries over faults ----

class RetryOverFaultsTest : public FaultyObjectStoreTest {
 protected:
  RetryPolicy policy() const {
    RetryPolicy p;
    p.max_attempts = 100;
    p.initial_backoff = 100ms;
    p.max_backoff = 1s;
    p.deadline = 5s;
    return p;
  }

  ManualClock clock_;
  ManualClockSleeper sleeper_{clock_};
};

TEST_F(RetryOverFaultsTest, RetriesStopAtTheDeadlineWithAClearError) {
  faulty().set_outage(true);
  Retrier retrier(policy(), clock_, sleeper_, kSeed);
  int attempts = 0;
  result<ObjectInfo> r = run(retrier.run("put orders-3/segment", [&]() -> asio::awaitable<result<ObjectInfo>> {
    ++attempts;
    co_return co_await faulty().put("orders-3/segment", to_bytes("data"));
  }));
  EXPECT_OBJSTORE_ERROR(r, ObjstoreErrc::transient);
  EXPECT_GT(attempts, 3);
  EXPECT_LT(attempts, 100);  // the deadline, not max_attempts, ended it
  EXPECT_NE(r.error().message().find("put orders-3/segment: gave up after"), std::string::npos) << r.error().message();
  EXPECT_NE(r.error().message().find("5000 ms retry deadline"), std::string::npos) << r.error().message();
  EXPECT_NE(r.error().message().find("outage"), std::string::npos) << r.error().message();
  // No wait went past the deadline.
  EXPECT_LE(clock_.now_monotonic() - ManualClock::MonotonicTime{}, policy().deadline);
  EXPECT_EQ(static_cast<int>(sleeper_.sleeps().size()), attempts - 1);
  faulty().set_outage(false);
  EXPECT_OBJSTORE_ERROR(run(inner().head("orders-3/segment")), ObjstoreErrc::not_found);
}

TEST_F(RetryOverFaultsTest, RetriesSucceedOnceTheOutageEnds) {
  faulty().set_outage(true);
  sleeper_.on_sleep([&](size_t sleeps) {
    if (sleeps == 3) faulty().set_outage(false);
  });
  Retrier retrier(policy(), clock_, sleeper_, kSeed);
  const bytes data = to_bytes("data");  // borrowed by every attempt
  result<ObjectInfo> r = run(retrier.run("put k", [&] { return faulty().put("k", data); }));
  ASSERT_OK(r);
  EXPECT_EQ(sleeper_.sleeps().size(), 3u);
  EXPECT_EQ(faulty().injected_faults(FaultOp::put), 3u);
}

TEST_F(RetryOverFaultsTest, ErrorsThatRetriesCannotCureAreNotRetried) {
  ASSERT_OK(run(faulty().put("exists", to_bytes("x"))));
  Retrier retrier(policy(), clock_, sleeper_, kSeed);
  const bytes data = to_bytes("y");
  result<ObjectInfo> r = run(retrier.run("create exists", [&] {
    return faulty().put("exists", data, PutOptions{{}, true});
  }));
  EXPECT_OBJSTORE_ERROR(r, ObjstoreErrc::precondition_failed);
  EXPECT_OBJSTORE_ERROR(run(retrier.run("head missing", [&] { return faulty().head("missing"); })),
                        ObjstoreErrc::not_found);
  EXPECT_TRUE(sleeper_.sleeps().empty());
}

}  // namespace
}  // namespace strata::objstore::testing
