// Variable-length integers as Kafka encodes them (org.apache.kafka.common.utils.ByteUtils):
// unsigned LEB128 ("unsigned varint", 7 bits per byte, low groups first, high bit = more), and the
// signed varint/varlong of record batches, which is the zigzag transform followed by LEB128.
//
// Limits: a 32-bit varint takes at most 5 bytes and a 64-bit one at most 10. Decoding rejects a
// longer encoding, and bits beyond the type's width, as Kafka does ("Varint is too long").
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>

#include "base/bytes.h"

namespace strata::varint {

inline constexpr size_t kMaxVarint32Bytes = 5;
inline constexpr size_t kMaxVarint64Bytes = 10;

constexpr uint32_t zigzag_encode32(int32_t v) {
  return (static_cast<uint32_t>(v) << 1) ^ static_cast<uint32_t>(v >> 31);
}
constexpr int32_t zigzag_decode32(uint32_t v) { return static_cast<int32_t>((v >> 1) ^ (~(v & 1) + 1)); }
constexpr uint64_t zigzag_encode64(int64_t v) {
  return (static_cast<uint64_t>(v) << 1) ^ static_cast<uint64_t>(v >> 63);
}
constexpr int64_t zigzag_decode64(uint64_t v) { return static_cast<int64_t>((v >> 1) ^ (~(v & 1) + 1)); }

// Number of bytes the unsigned varint encoding of v takes.
constexpr size_t size_unsigned(uint64_t v) {
  size_t n = 1;
  while (v >= 0x80) {
    v >>= 7;
    ++n;
  }
  return n;
}
constexpr size_t size_signed32(int32_t v) { return size_unsigned(zigzag_encode32(v)); }
constexpr size_t size_signed64(int64_t v) { return size_unsigned(zigzag_encode64(v)); }

// Writes the unsigned varint encoding of v at out (which has room for size_unsigned(v) bytes);
// returns the number of bytes written.
inline size_t encode_unsigned(uint64_t v, std::byte* out) {
  size_t n = 0;
  while (v >= 0x80) {
    out[n++] = static_cast<std::byte>((v & 0x7f) | 0x80);
    v >>= 7;
  }
  out[n++] = static_cast<std::byte>(v);
  return n;
}

// A decoded value and the number of input bytes it took.
template <class T>
struct Decoded {
  T value;
  size_t length;
};

// Decodes an unsigned varint of at most `max_bytes` bytes whose value fits in `bits` bits.
// Returns nullopt when the input ends first, the encoding is too long, or the value overflows.
inline std::optional<Decoded<uint64_t>> decode_unsigned(bytes_view in, size_t max_bytes, int bits) {
  uint64_t value = 0;
  for (size_t i = 0; i < in.size() && i < max_bytes; ++i) {
    const auto byte = static_cast<uint8_t>(in[i]);
    const int shift = static_cast<int>(7 * i);
    const uint64_t group = byte & 0x7fu;
    // The final permitted byte may only carry the bits that remain of the type's width.
    if (shift + 7 > bits && (group >> (bits - shift)) != 0) return std::nullopt;
    value |= group << shift;
    if ((byte & 0x80) == 0) return Decoded<uint64_t>{value, i + 1};
  }
  return std::nullopt;
}

inline std::optional<Decoded<uint32_t>> decode_unsigned32(bytes_view in) {
  auto d = decode_unsigned(in, kMaxVarint32Bytes, 32);
  if (!d) return std::nullopt;
  return Decoded<uint32_t>{static_cast<uint32_t>(d->value), d->length};
}
inline std::optional<Decoded<uint64_t>> decode_unsigned64(bytes_view in) {
  return decode_unsigned(in, kMaxVarint64Bytes, 64);
}
inline std::optional<Decoded<int32_t>> decode_signed32(bytes_view in) {
  auto d = decode_unsigned32(in);
  if (!d) return std::nullopt;
  return Decoded<int32_t>{zigzag_decode32(d->value), d->length};
}
inline std::optional<Decoded<int64_t>> decode_signed64(bytes_view in) {
  auto d = decode_unsigned64(in);
  if (!d) return std::nullopt;
  return Decoded<int64_t>{zigzag_decode64(d->value), d->length};
}

}  // namespace strata::varint
