// Byte buffers: `bytes_view` borrows, `bytes` owns. Big-endian load/store helpers for the fixed
// width integers of Kafka's wire and disk formats (all Kafka integers are big-endian).
#pragma once

#include <bit>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <span>
#include <string_view>
#include <type_traits>
#include <vector>

namespace strata {

using bytes_view = std::span<const std::byte>;
using bytes = std::vector<std::byte>;

inline bytes_view as_bytes_view(std::string_view s) { return {reinterpret_cast<const std::byte*>(s.data()), s.size()}; }
inline std::string_view as_string_view(bytes_view b) { return {reinterpret_cast<const char*>(b.data()), b.size()}; }
inline bytes to_bytes(std::string_view s) {
  bytes_view v = as_bytes_view(s);
  return bytes(v.begin(), v.end());
}

inline bool equal_bytes(bytes_view a, bytes_view b) {
  return a.size() == b.size() && (a.empty() || std::memcmp(a.data(), b.data(), a.size()) == 0);
}

template <class U>
constexpr U byteswap(U v) {
  if constexpr (sizeof(U) == 2) return static_cast<U>(__builtin_bswap16(v));
  if constexpr (sizeof(U) == 4) return static_cast<U>(__builtin_bswap32(v));
  if constexpr (sizeof(U) == 8) return static_cast<U>(__builtin_bswap64(v));
  return v;
}

// Loads and stores of big-endian unsigned integers of width 1, 2, 4 or 8 bytes; the caller has
// checked that the bytes are there.
template <class U>
U load_be(const std::byte* p) {
  static_assert(std::is_unsigned_v<U>);
  U v;
  std::memcpy(&v, p, sizeof(U));
  if constexpr (std::endian::native == std::endian::little && sizeof(U) > 1) v = byteswap(v);
  return v;
}

template <class U>
void store_be(std::byte* p, U v) {
  static_assert(std::is_unsigned_v<U>);
  if constexpr (std::endian::native == std::endian::little && sizeof(U) > 1) v = byteswap(v);
  std::memcpy(p, &v, sizeof(U));
}

}  // namespace strata
