#include "base/clock.h"

#include <stdexcept>

namespace strata {

Clock::MonotonicTime SystemClock::now_monotonic() const { return std::chrono::steady_clock::now(); }

int64_t SystemClock::now_wall_ms() const {
  return std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::system_clock::now().time_since_epoch())
      .count();
}

Clock& system_clock() {
  static SystemClock clock;
  return clock;
}

ManualClock::ManualClock(MonotonicTime monotonic_start, int64_t wall_ms_start)
    : monotonic_(monotonic_start), wall_ms_(wall_ms_start) {}

Clock::MonotonicTime ManualClock::now_monotonic() const {
  std::lock_guard lock(mu_);
  return monotonic_;
}

int64_t ManualClock::now_wall_ms() const {
  std::lock_guard lock(mu_);
  return wall_ms_;
}

void ManualClock::advance(std::chrono::nanoseconds d) {
  if (d < d.zero()) throw std::invalid_argument("ManualClock::advance: negative duration");
  std::lock_guard lock(mu_);
  monotonic_ += std::chrono::duration_cast<MonotonicTime::duration>(d);
  wall_rest_ += d;
  const auto whole_ms = std::chrono::duration_cast<std::chrono::milliseconds>(wall_rest_);
  wall_ms_ += whole_ms.count();
  wall_rest_ -= whole_ms;
}

void ManualClock::set_monotonic(MonotonicTime t) {
  std::lock_guard lock(mu_);
  if (t < monotonic_) throw std::invalid_argument("ManualClock::set_monotonic: time goes backwards");
  monotonic_ = t;
}

void ManualClock::set_wall_ms(int64_t wall_ms) {
  std::lock_guard lock(mu_);
  wall_ms_ = wall_ms;
  wall_rest_ = std::chrono::nanoseconds::zero();
}

}  // namespace strata
