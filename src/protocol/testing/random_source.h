// Random field values for the protocol round-trip test (generated/testing/random_fill.h).
// Deterministic for a seed, so a failure names the seed that reproduces it.
#pragma once

#include <cstdint>
#include <deque>
#include <random>
#include <string>

#include "base/bytes.h"
#include "protocol/types.h"

namespace strata::protocol::testing {

class RandomSource {
 public:
  explicit RandomSource(uint64_t seed) : rng_(seed) {}

  bool next_bool() { return coin(); }
  int8_t next_int8() { return static_cast<int8_t>(edge_or_uniform<int8_t>()); }
  int16_t next_int16() { return edge_or_uniform<int16_t>(); }
  uint16_t next_uint16() { return edge_or_uniform<uint16_t>(); }
  int32_t next_int32() { return edge_or_uniform<int32_t>(); }
  uint32_t next_uint32() { return edge_or_uniform<uint32_t>(); }
  int64_t next_int64() { return edge_or_uniform<int64_t>(); }
  // Finite values only: NaN would never compare equal after a round trip.
  double next_float64() { return std::uniform_real_distribution<double>(-1e12, 1e12)(rng_); }
  Uuid next_uuid() {
    Uuid u;
    for (auto& b : u.bytes) b = static_cast<uint8_t>(rng_());
    return u;
  }
  std::string next_string() {
    std::string s(small(12), '\0');
    for (auto& c : s) c = static_cast<char>(std::uniform_int_distribution<int>(0, 255)(rng_));
    return s;
  }
  bytes next_bytes() {
    bytes b(small(24));
    for (auto& x : b) x = static_cast<std::byte>(rng_());
    return b;
  }
  // The bytes live in this source, so the view stays valid as long as the source does.
  RecordsView next_records() {
    arena_.push_back(next_bytes());
    return RecordsView(arena_.back());
  }
  // Element count of a random array: 0 to 3, keeping nested messages small.
  size_t next_count() { return small(3); }
  // Whether a nullable field should be null this time (about one in four).
  bool next_null() { return std::uniform_int_distribution<int>(0, 3)(rng_) == 0; }

 private:
  bool coin() { return (rng_() & 1) != 0; }
  size_t small(size_t max) { return std::uniform_int_distribution<size_t>(0, max)(rng_); }

  // Boundary values a third of the time: they catch sign and width mistakes.
  template <class T>
  T edge_or_uniform() {
    using Limits = std::numeric_limits<T>;
    switch (std::uniform_int_distribution<int>(0, 8)(rng_)) {
      case 0: return Limits::min();
      case 1: return Limits::max();
      case 2: return static_cast<T>(-1);
      default: break;
    }
    using Wide = std::conditional_t<sizeof(T) <= 4, int64_t, T>;
    return static_cast<T>(
        std::uniform_int_distribution<Wide>(static_cast<Wide>(Limits::min()), static_cast<Wide>(Limits::max()))(rng_));
  }

  std::mt19937_64 rng_;
  std::deque<bytes> arena_;  // deque: growing it never moves the bytes already handed out
};

}  // namespace strata::protocol::testing
