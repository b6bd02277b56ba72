// Retries with exponential backoff and jitter for object-store calls (issue 6; Redpanda's retry
// chain is the model). Only the kinds a retry may cure are retried (is_retryable: transient and
// throttled); every other error, and success, returns at once.
//
// Bounds: at most RetryPolicy::max_attempts attempts, and no retry that would start after the
// per-call deadline (measured from the first attempt on the injected Clock). An attempt already
// running is bounded by the backend's own request timeout, so a call lasts at most the deadline
// plus one attempt. When the retries run out, the last error comes back with its kind kept and a
// message saying how many attempts were made over how long.
//
// Time is injected (Clock for deadlines, Sleeper for waits), so tests run the whole schedule with
// a ManualClock and a ManualClockSleeper without sleeping.
//
// Only idempotent, restartable operations can be retried as a whole: put() of a buffer, read()
// into a buffer, head(), list(), remove(), remove_batch(). A streamed get() or upload retries
// inside the backend, per request.
#pragma once

#include <asio/awaitable.hpp>
#include <chrono>
#include <cstdint>
#include <functional>
#include <mutex>
#include <random>
#include <string>
#include <type_traits>
#include <vector>

#include "base/clock.h"
#include "base/result.h"
#include "objstore/coro_support.h"
#include "objstore/errc.h"

namespace strata::objstore {

struct RetryPolicy {
  // Attempts in all, the first included; at least 1.
  uint32_t max_attempts = 5;
  // The wait before the first retry, before jitter; doubles for each further retry.
  std::chrono::milliseconds initial_backoff{100};
  // The longest wait between two attempts, before jitter.
  std::chrono::milliseconds max_backoff{5'000};
  // No retry starts later than this after the first attempt started.
  std::chrono::milliseconds deadline{30'000};
};

// Checks that the numbers make sense (attempts >= 1, 0 < initial <= max, deadline >= 0).
result<void> validate(const RetryPolicy& policy);

// The wait before retry number `retry` (1 for the first retry): uniform in [d/2, d] with
// d = min(max, initial * 2^(retry-1)) ("equal jitter": spreads retries of many clients apart
// while keeping a floor under each wait). Deterministic for a seed. Not thread-safe.
class Backoff {
 public:
  Backoff(std::chrono::nanoseconds initial, std::chrono::nanoseconds max, uint64_t seed)
      : initial_(initial), max_(max), rng_(seed) {}

  std::chrono::nanoseconds delay(uint32_t retry);

 private:
  std::chrono::nanoseconds initial_;
  std::chrono::nanoseconds max_;
  std::mt19937_64 rng_;
};

// Waits on the calling coroutine's executor.
class Sleeper {
 public:
  virtual ~Sleeper() = default;
  // Returns ObjstoreErrc::cancelled if the wait is cancelled.
  virtual asio::awaitable<result<void>> sleep(std::chrono::nanoseconds duration) = 0;
};

// Sleeps with an asio::steady_timer.
class TimerSleeper final : public Sleeper {
 public:
  asio::awaitable<result<void>> sleep(std::chrono::nanoseconds duration) override;
};

// The process-wide TimerSleeper.
Sleeper& timer_sleeper();

// For tests: moves a ManualClock forward instead of waiting, and records every wait. Completes at
// once, but still through the executor, as a real wait would.
class ManualClockSleeper final : public Sleeper {
 public:
  explicit ManualClockSleeper(ManualClock& clock) : clock_(clock) {}

  asio::awaitable<result<void>> sleep(std::chrono::nanoseconds duration) override;

  std::vector<std::chrono::nanoseconds> sleeps() const;
  // Called after each wait, with the number of waits so far: lets a test change the world
  // between attempts (end an outage, say).
  void on_sleep(std::function<void(size_t)> hook) { hook_ = std::move(hook); }

 private:
  asio::awaitable<result<void>> sleep_now(std::chrono::nanoseconds duration);

  ManualClock& clock_;
  mutable std::mutex mu_;
  std::vector<std::chrono::nanoseconds> sleeps_;
  std::function<void(size_t)> hook_;
};

class Retrier {
 public:
  // `seed` drives the jitter; give a fixed one in tests.
  Retrier(RetryPolicy policy, Clock& clock, Sleeper& sleeper, uint64_t seed = std::random_device{}());

  const RetryPolicy& policy() const { return policy_; }

  // Runs op() — a callable returning asio::awaitable<result<T>>, called once per attempt — until
  // it succeeds, fails with a kind that is not retryable, or the attempts or the deadline run
  // out. `what` names the call in the final error ("put orders-3/00000000000000000000.log").
  template <class Op>
  std::invoke_result_t<Op&> run(std::string what, Op op) {
    return with_cancellation_as_value(run_attempts(std::move(what), std::move(op)));
  }

 private:
  template <class Op>
  std::invoke_result_t<Op&> run_attempts(std::string what, Op op);

  std::chrono::nanoseconds next_delay(uint32_t retry);
  Error give_up(const std::string& what, const Error& last, uint32_t attempts, Clock::MonotonicTime start,
                bool deadline_reached) const;

  RetryPolicy policy_;
  Clock& clock_;
  Sleeper& sleeper_;
  std::mutex mu_;
  Backoff backoff_;  // guarded by mu_: one Retrier serves many concurrent calls
};

template <class Op>
std::invoke_result_t<Op&> Retrier::run_attempts(std::string what, Op op) {
  const Clock::MonotonicTime start = clock_.now_monotonic();
  const Clock::MonotonicTime deadline = start + policy_.deadline;
  for (uint32_t attempt = 1;; ++attempt) {
    auto r = co_await op();
    if (r || !is_retryable(r.error())) co_return r;
    if (attempt >= policy_.max_attempts) co_return give_up(what, r.error(), attempt, start, false);
    const std::chrono::nanoseconds delay = next_delay(attempt);
    if (clock_.now_monotonic() + delay >= deadline) co_return give_up(what, r.error(), attempt, start, true);
    result<void> slept = co_await sleeper_.sleep(delay);
    if (!slept) co_return slept.error();
    const bool cancelled = co_await cancellation_requested();
    if (cancelled) co_return cancelled_error(what);
  }
}

}  // namespace strata::objstore
