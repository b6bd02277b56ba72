// Time, behind an interface so that timeouts, retention and backoff can be tested without sleeping.
// Code that needs the time takes a Clock& (production passes system_clock(), tests a ManualClock).
//
// Two clocks, because they answer different questions:
//   now_monotonic() — durations and deadlines; never goes backwards, unrelated to the calendar.
//   now_wall_ms()   — milliseconds since the Unix epoch, as Kafka timestamps (record CreateTime,
//                     LogAppendTime, retention.ms against segment times); may jump with NTP.
#pragma once

#include <chrono>
#include <cstdint>
#include <mutex>

namespace strata {

class Clock {
 public:
  using MonotonicTime = std::chrono::steady_clock::time_point;

  virtual ~Clock() = default;
  virtual MonotonicTime now_monotonic() const = 0;
  virtual int64_t now_wall_ms() const = 0;
};

// std::chrono::steady_clock and std::chrono::system_clock.
class SystemClock final : public Clock {
 public:
  MonotonicTime now_monotonic() const override;
  int64_t now_wall_ms() const override;
};

// The process-wide SystemClock.
Clock& system_clock();

// A clock that moves only when told to. Safe to read from other threads while a test moves it.
class ManualClock final : public Clock {
 public:
  // Starts at the given times; by default at the steady clock's epoch and wall time 0.
  explicit ManualClock(MonotonicTime monotonic_start = MonotonicTime{}, int64_t wall_ms_start = 0);

  MonotonicTime now_monotonic() const override;
  int64_t now_wall_ms() const override;

  // Moves both clocks forward by d. Throws std::invalid_argument if d is negative, because a
  // monotonic clock cannot go back. The wall clock keeps the sub-millisecond rest, so ten
  // advances of 100us move it by 1 ms.
  void advance(std::chrono::nanoseconds d);
  // Sets the monotonic clock; throws std::invalid_argument if t is before the current time.
  void set_monotonic(MonotonicTime t);
  // Sets the wall clock alone, to any value (wall clocks do jump, backwards too); clears the
  // sub-millisecond rest.
  void set_wall_ms(int64_t wall_ms);

 private:
  mutable std::mutex mu_;
  MonotonicTime monotonic_;
  int64_t wall_ms_;
  std::chrono::nanoseconds wall_rest_{0};  // in [0, 1 ms): wall time not yet a whole millisecond
};

}  // namespace strata
