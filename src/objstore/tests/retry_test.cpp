#include "objstore/retry.h"

#include <gtest/gtest.h>

#include <asio/bind_cancellation_slot.hpp>
#include <asio/cancellation_signal.hpp>
#include <asio/co_spawn.hpp>
#include <asio/detached.hpp>
#include <asio/steady_timer.hpp>

#include <fmt/format.h>

#include <set>

#include "objstore/tests/test_support.h"

namespace strata::objstore {
namespace {

using namespace std::chrono_literals;
using std::chrono::nanoseconds;

constexpr uint64_t kSeed = 42;

TEST(Backoff, GrowsExponentiallyWithJitterUpToTheCap) {
  Backoff backoff(100ms, 2s, kSeed);
  for (uint32_t retry = 1; retry <= 12; ++retry) {
    const nanoseconds ceiling = std::min<nanoseconds>(100ms * (1LL << (retry - 1)), 2s);
    for (int sample = 0; sample < 50; ++sample) {
      const nanoseconds d = backoff.delay(retry);
      EXPECT_GE(d, ceiling / 2) << "retry " << retry;
      EXPECT_LE(d, ceiling) << "retry " << retry;
    }
  }
  // Far past the cap, nothing overflows.
  EXPECT_LE(backoff.delay(1000), nanoseconds(2s));
}

TEST(Backoff, IsDeterministicForASeedAndJittered) {
  Backoff a(100ms, 10s, kSeed);
  Backoff b(100ms, 10s, kSeed);
  std::set<int64_t> distinct;
  for (uint32_t retry = 1; retry <= 20; ++retry) {
    const nanoseconds d = a.delay(3);
    EXPECT_EQ(d, b.delay(3));
    distinct.insert(d.count());
  }
  EXPECT_GT(distinct.size(), 10u) << "no jitter";
}

TEST(RetryPolicyValidation, RejectsNonsense) {
  EXPECT_OK(validate(RetryPolicy{}));
  RetryPolicy p;
  p.max_attempts = 0;
  EXPECT_OBJSTORE_ERROR(validate(p), ObjstoreErrc::invalid_argument);
  p = RetryPolicy{};
  p.initial_backoff = 0ms;
  EXPECT_OBJSTORE_ERROR(validate(p), ObjstoreErrc::invalid_argument);
  p = RetryPolicy{};
  p.initial_backoff = 10s;
  p.max_backoff = 1s;
  EXPECT_OBJSTORE_ERROR(validate(p), ObjstoreErrc::invalid_argument);
  p = RetryPolicy{};
  p.deadline = -1ms;
  EXPECT_OBJSTORE_ERROR(validate(p), ObjstoreErrc::invalid_argument);
}

class RetrierTest : public ::testing::Test {
 protected:
  // An operation that fails with the given errors in turn, then succeeds with the attempt number.
  auto scripted(std::vector<ObjstoreErrc> failures) {
    return [this, failures = std::move(failures)]() -> asio::awaitable<result<int>> {
      const size_t attempt = attempts_++;
      if (attempt < failures.size()) co_return Error(failures[attempt], fmt::format("failure {}", attempt + 1));
      co_return static_cast<int>(attempt + 1);
    };
  }

  template <class T>
  T run(asio::awaitable<T> aw) {
    return testing::run(io_, std::move(aw));
  }

  RetryPolicy policy(uint32_t max_attempts, std::chrono::milliseconds deadline) const {
    RetryPolicy p;
    p.max_attempts = max_attempts;
    p.initial_backoff = 100ms;
    p.max_backoff = 1s;
    p.deadline = deadline;
    return p;
  }

  asio::io_context io_;
  ManualClock clock_;
  ManualClockSleeper sleeper_{clock_};
  size_t attempts_ = 0;
};

TEST_F(RetrierTest, SuccessAtFirstTryDoesNotWait) {
  Retrier retrier(policy(5, 10s), clock_, sleeper_, kSeed);
  result<int> r = run(retrier.run("op", scripted({})));
  ASSERT_OK(r);
  EXPECT_EQ(*r, 1);
  EXPECT_TRUE(sleeper_.sleeps().empty());
}

TEST_F(RetrierTest, TransientAndThrottledAreRetriedWithGrowingWaits) {
  Retrier retrier(policy(5, 10s), clock_, sleeper_, kSeed);
  result<int> r =
      run(retrier.run("op", scripted({ObjstoreErrc::transient, ObjstoreErrc::throttled, ObjstoreErrc::transient})));
  ASSERT_OK(r);
  EXPECT_EQ(*r, 4);
  const auto sleeps = sleeper_.sleeps();
  ASSERT_EQ(sleeps.size(), 3u);
  EXPECT_GE(sleeps[0], 50ms);
  EXPECT_LE(sleeps[0], 100ms);
  EXPECT_GE(sleeps[1], 100ms);
  EXPECT_LE(sleeps[1], 200ms);
  EXPECT_GE(sleeps[2], 200ms);
  EXPECT_LE(sleeps[2], 400ms);
}

TEST_F(RetrierTest, OtherKindsReturnAtOnce) {
  for (ObjstoreErrc code : {ObjstoreErrc::not_found, ObjstoreErrc::access_denied, ObjstoreErrc::precondition_failed,
                            ObjstoreErrc::permanent, ObjstoreErrc::corrupt, ObjstoreErrc::invalid_argument}) {
    attempts_ = 0;
    Retrier retrier(policy(5, 10s), clock_, sleeper_, kSeed);
    result<int> r = run(retrier.run("op", scripted({code})));
    EXPECT_OBJSTORE_ERROR(r, code);
    EXPECT_EQ(r.error().message(), "failure 1");  // untouched
    EXPECT_EQ(attempts_, 1u);
  }
  EXPECT_TRUE(sleeper_.sleeps().empty());
}

TEST_F(RetrierTest, StopsAfterMaxAttemptsKeepingTheKindAndSayingWhy) {
  Retrier retrier(policy(3, 1h), clock_, sleeper_, kSeed);
  result<int> r =
      run(retrier.run("put orders-3/seg", scripted(std::vector<ObjstoreErrc>(10, ObjstoreErrc::throttled))));
  EXPECT_OBJSTORE_ERROR(r, ObjstoreErrc::throttled);
  EXPECT_EQ(attempts_, 3u);
  EXPECT_EQ(sleeper_.sleeps().size(), 2u);
  EXPECT_NE(r.error().message().find("put orders-3/seg: gave up after 3 attempts"), std::string::npos)
      << r.error().message();
  EXPECT_NE(r.error().message().find("last of 3 attempts"), std::string::npos) << r.error().message();
  EXPECT_NE(r.error().message().find("failure 3"), std::string::npos) << r.error().message();
}

TEST_F(RetrierTest, StopsBeforeAWaitWouldPassTheDeadline) {
  Retrier retrier(policy(1000, 2s), clock_, sleeper_, kSeed);
  result<int> r = run(retrier.run("op", scripted(std::vector<ObjstoreErrc>(1000, ObjstoreErrc::transient))));
  EXPECT_OBJSTORE_ERROR(r, ObjstoreErrc::transient);
  const auto elapsed = clock_.now_monotonic() - ManualClock::MonotonicTime{};
  EXPECT_LT(elapsed, nanoseconds(2s));
  EXPECT_GT(elapsed, nanoseconds(500ms));  // it did use most of its budget
  EXPECT_EQ(attempts_, sleeper_.sleeps().size() + 1);
  EXPECT_NE(r.error().message().find("2000 ms retry deadline"), std::string::npos) << r.error().message();
}

TEST_F(RetrierTest, ZeroDeadlineMeansASingleAttempt) {
  Retrier retrier(policy(10, 0ms), clock_, sleeper_, kSeed);
  EXPECT_OBJSTORE_ERROR(run(retrier.run("op", scripted({ObjstoreErrc::transient}))), ObjstoreErrc::transient);
  EXPECT_EQ(attempts_, 1u);
}

TEST_F(RetrierTest, CancellationDuringARealWaitReturnsCancelledPromptly) {
  RetryPolicy p = policy(5, 1h);
  p.initial_backoff = 10s;
  p.max_backoff = 10s;
  Retrier retrier(p, system_clock(), timer_sleeper(), kSeed);
  asio::cancellation_signal signal;
  std::optional<result<int>> outcome;
  // Built outside the coroutine: GCC 12 miscompiles an initializer_list inside a co_await
  // expression ("array used as initializer").
  auto op = scripted({ObjstoreErrc::transient});
  asio::co_spawn(
      io_, [&]() -> asio::awaitable<void> { outcome = co_await retrier.run("op", op); },
      asio::bind_cancellation_slot(signal.slot(), asio::detached));
  asio::steady_timer soon(io_, 20ms);
  soon.async_wait([&](std::error_code) { signal.emit(asio::cancellation_type::terminal); });
  const auto start = std::chrono::steady_clock::now();
  io_.run();
  EXPECT_LT(std::chrono::steady_clock::now() - start, 5s);
  ASSERT_TRUE(outcome.has_value());
  EXPECT_OBJSTORE_ERROR(*outcome, ObjstoreErrc::cancelled);
  EXPECT_EQ(attempts_, 1u);
}

TEST(ManualClockSleeperTest, AdvancesTheClockAndResumesThroughTheExecutor) {
  asio::io_context io;
  ManualClock clock;
  ManualClockSleeper sleeper(clock);
  size_t hooked = 0;
  sleeper.on_sleep([&](size_t n) { hooked = n; });
  ASSERT_OK(testing::run(io, sleeper.sleep(1500ms)));
  EXPECT_EQ(clock.now_monotonic() - ManualClock::MonotonicTime{}, nanoseconds(1500ms));
  EXPECT_EQ(clock.now_wall_ms(), 1500);
  EXPECT_EQ(hooked, 1u);
}

}  // namespace
}  // namespace strata::objstore
