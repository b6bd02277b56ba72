#include "objstore/retry.h"

#include <fmt/format.h>
#include <asio/redirect_error.hpp>
#include <asio/steady_timer.hpp>
#include <asio/this_coro.hpp>

#include <algorithm>

namespace strata::objstore {

namespace {

int64_t to_ms(std::chrono::nanoseconds d) { return std::chrono::duration_cast<std::chrono::milliseconds>(d).count(); }

asio::awaitable<result<void>> timer_sleep(std::chrono::nanoseconds duration) {
  asio::steady_timer timer(co_await asio::this_coro::executor, duration);
  asio::error_code ec;
  co_await timer.async_wait(asio::redirect_error(asio::use_awaitable, ec));
  if (ec == asio::error::operation_aborted) co_return cancelled_error("sleep");
  if (ec) co_return Error(ObjstoreErrc::permanent, "sleep: " + ec.message());
  co_return success();
}

}  // namespace

result<void> validate(const RetryPolicy& p) {
  using std::chrono::milliseconds;
  if (p.max_attempts == 0) return Error(ObjstoreErrc::invalid_argument, "retry: max_attempts must be at least 1");
  if (p.initial_backoff <= milliseconds::zero() || p.initial_backoff > p.max_backoff) {
    return Error(ObjstoreErrc::invalid_argument, "retry: need 0 < initial_backoff <= max_backoff");
  }
  if (p.deadline < milliseconds::zero()) return Error(ObjstoreErrc::invalid_argument, "retry: negative deadline");
  return success();
}

std::chrono::nanoseconds Backoff::delay(uint32_t retry) {
  // Doubling past 2^kMaxDoublings overflows nothing and is capped by max_ long before.
  constexpr uint32_t kMaxDoublings = 32;
  const uint32_t doublings = std::min(retry == 0 ? 0 : retry - 1, kMaxDoublings);
  const long double uncapped = static_cast<long double>(initial_.count()) * static_cast<long double>(1ULL << doublings);
  const auto ceiling = static_cast<int64_t>(std::min(uncapped, static_cast<long double>(max_.count())));
  std::uniform_int_distribution<int64_t> jitter(ceiling / 2, ceiling);
  return std::chrono::nanoseconds(jitter(rng_));
}

asio::awaitable<result<void>> TimerSleeper::sleep(std::chrono::nanoseconds duration) {
  return with_cancellation_as_value(timer_sleep(duration));
}

Sleeper& timer_sleeper() {
  static TimerSleeper sleeper;
  return sleeper;
}

asio::awaitable<result<void>> ManualClockSleeper::sleep(std::chrono::nanoseconds duration) {
  return with_cancellation_as_value(sleep_now(duration));
}

asio::awaitable<result<void>> ManualClockSleeper::sleep_now(std::chrono::nanoseconds duration) {
  size_t count = 0;
  {
    std::lock_guard lock(mu_);
    sleeps_.push_back(duration);
    count = sleeps_.size();
  }
  clock_.advance(duration);
  // Through the executor, as a real wait: the caller never resumes inside sleep().
  asio::steady_timer already_expired(co_await asio::this_coro::executor);
  asio::error_code ec;
  co_await already_expired.async_wait(asio::redirect_error(asio::use_awaitable, ec));
  if (hook_) hook_(count);
  co_return success();
}

std::vector<std::chrono::nanoseconds> ManualClockSleeper::sleeps() const {
  std::lock_guard lock(mu_);
  return sleeps_;
}

Retrier::Retrier(RetryPolicy policy, Clock& clock, Sleeper& sleeper, uint64_t seed)
    : policy_(policy), clock_(clock), sleeper_(sleeper), backoff_(policy.initial_backoff, policy.max_backoff, seed) {}

std::chrono::nanoseconds Retrier::next_delay(uint32_t retry) {
  std::lock_guard lock(mu_);
  return backoff_.delay(retry);
}

Error Retrier::give_up(const std::string& what, const Error& last, uint32_t attempts, Clock::MonotonicTime start,
                       bool deadline_reached) const {
  const int64_t elapsed_ms = to_ms(clock_.now_monotonic() - start);
  const std::string why =
      deadline_reached ? fmt::format("the next retry would pass the {} ms retry deadline", policy_.deadline.count())
                       : fmt::format("that was the last of {} attempts", policy_.max_attempts);
  return last.with_context(fmt::format("{}: gave up after {} attempt{} in {} ms ({})", what, attempts,
                                       attempts == 1 ? "" : "s", elapsed_ms, why));
}

}  // namespace strata::objstore
