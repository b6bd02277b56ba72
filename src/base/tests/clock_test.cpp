#include "base/clock.h"

#include <gtest/gtest.h>

#include <chrono>
#include <stdexcept>

namespace strata {
namespace {

using namespace std::chrono_literals;

TEST(ManualClock, StartsWhereToldAndStandsStill) {
  const Clock::MonotonicTime start{1h};
  ManualClock clock(start, 1'700'000'000'000);
  EXPECT_EQ(clock.now_monotonic(), start);
  EXPECT_EQ(clock.now_wall_ms(), 1'700'000'000'000);
  EXPECT_EQ(clock.now_monotonic(), start);
  EXPECT_EQ(clock.now_wall_ms(), 1'700'000'000'000);
}

TEST(ManualClock, AdvanceMovesBothClocks) {
  ManualClock clock;
  clock.advance(1500ms);
  EXPECT_EQ(clock.now_monotonic().time_since_epoch(), 1500ms);
  EXPECT_EQ(clock.now_wall_ms(), 1500);
  clock.advance(2s);
  EXPECT_EQ(clock.now_monotonic().time_since_epoch(), 3500ms);
  EXPECT_EQ(clock.now_wall_ms(), 3500);
}

TEST(ManualClock, SubMillisecondAdvancesAddUpOnTheWallClock) {
  ManualClock clock(Clock::MonotonicTime{}, 100);
  for (int i = 0; i < 9; ++i) clock.advance(100us);
  EXPECT_EQ(clock.now_wall_ms(), 100);
  clock.advance(100us);
  EXPECT_EQ(clock.now_wall_ms(), 101);
  EXPECT_EQ(clock.now_monotonic().time_since_epoch(), 1ms);
}

TEST(ManualClock, SetsEachClock) {
  ManualClock clock;
  clock.set_monotonic(Clock::MonotonicTime{10s});
  EXPECT_EQ(clock.now_monotonic().time_since_epoch(), 10s);
  EXPECT_EQ(clock.now_wall_ms(), 0);  // untouched
  clock.set_wall_ms(5000);
  clock.set_wall_ms(4000);  // wall time may go back (NTP)
  EXPECT_EQ(clock.now_wall_ms(), 4000);
  EXPECT_EQ(clock.now_monotonic().time_since_epoch(), 10s);
}

TEST(ManualClock, MonotonicTimeNeverGoesBack) {
  ManualClock clock(Clock::MonotonicTime{10s});
  EXPECT_THROW(clock.set_monotonic(Clock::MonotonicTime{9s}), std::invalid_argument);
  EXPECT_THROW(clock.advance(-1ns), std::invalid_argument);
  EXPECT_EQ(clock.now_monotonic().time_since_epoch(), 10s);
  clock.set_monotonic(Clock::MonotonicTime{10s});  // standing still is allowed
  EXPECT_EQ(clock.now_monotonic().time_since_epoch(), 10s);
}

TEST(ManualClock, UsableThroughTheInterface) {
  ManualClock manual;
  Clock& clock = manual;
  const auto deadline = clock.now_monotonic() + 30s;
  manual.advance(29s);
  EXPECT_LT(clock.now_monotonic(), deadline);
  manual.advance(1s);
  EXPECT_GE(clock.now_monotonic(), deadline);
}

TEST(SystemClock, IsMonotonicAndNearTheRealTime) {
  Clock& clock = system_clock();
  EXPECT_EQ(&clock, &system_clock());
  const auto a = clock.now_monotonic();
  const auto b = clock.now_monotonic();
  EXPECT_LE(a, b);
  const int64_t wall = clock.now_wall_ms();
  const int64_t expected =
      std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::system_clock::now().time_since_epoch())
          .count();
  EXPECT_NEAR(static_cast<double>(wall), static_cast<double>(expected), 5000.0);
  EXPECT_GT(wall, 1'600'000'000'000);  // after September 2020: really milliseconds since 1970
}

}  // namespace
}  // namespace strata
