#include "base/crc32c.h"

#include <array>
#include <bit>
#include <cstddef>
#include <cstring>

#if defined(__x86_64__)
#include <nmmintrin.h>
#define STRATA_CRC32C_X86_64 1
#endif

namespace strata::crc32c {
namespace {

// The Castagnoli polynomial, bit-reflected: bit 31 is the coefficient of x^0.
constexpr uint32_t kPolyReflected = 0x82F63B78;

using ByteTable = std::array<uint32_t, 256>;

// kSlicing[0] is the classic byte-at-a-time table; kSlicing[k][b] is the register after byte b
// followed by k zero bytes, which lets the portable path fold 8 input bytes per step.
constexpr std::array<ByteTable, 8> make_slicing_tables() {
  std::array<ByteTable, 8> t{};
  for (uint32_t b = 0; b < 256; ++b) {
    uint32_t c = b;
    for (int bit = 0; bit < 8; ++bit) c = (c & 1) ? (c >> 1) ^ kPolyReflected : c >> 1;
    t[0][b] = c;
  }
  for (size_t k = 1; k < 8; ++k) {
    for (uint32_t b = 0; b < 256; ++b) t[k][b] = (t[k - 1][b] >> 8) ^ t[0][t[k - 1][b] & 0xff];
  }
  return t;
}
constexpr std::array<ByteTable, 8> kSlicing = make_slicing_tables();

uint64_t load_le64(const std::byte* p) {
  uint64_t v;
  std::memcpy(&v, p, sizeof v);
  if constexpr (std::endian::native == std::endian::big) v = byteswap(v);
  return v;
}

}  // namespace

uint32_t extend_portable(uint32_t crc, bytes_view data) {
  const std::byte* p = data.data();
  size_t n = data.size();
  uint32_t c = ~crc;
  for (; n >= 8; p += 8, n -= 8) {
    const uint64_t word = load_le64(p) ^ c;
    const auto lo = static_cast<uint32_t>(word);
    const auto hi = static_cast<uint32_t>(word >> 32);
    c = kSlicing[7][lo & 0xff] ^ kSlicing[6][(lo >> 8) & 0xff] ^ kSlicing[5][(lo >> 16) & 0xff] ^
        kSlicing[4][lo >> 24] ^ kSlicing[3][hi & 0xff] ^ kSlicing[2][(hi >> 8) & 0xff] ^
        kSlicing[1][(hi >> 16) & 0xff] ^ kSlicing[0][hi >> 24];
  }
  for (; n > 0; ++p, --n) c = kSlicing[0][(c ^ static_cast<uint8_t>(*p)) & 0xff] ^ (c >> 8);
  return ~c;
}

#if defined(STRATA_CRC32C_X86_64)
namespace {

// GF(2) polynomial arithmetic modulo the Castagnoli polynomial, in the reflected representation.
// Appending n zero bytes to a raw (uninverted) CRC register multiplies it by x^(8n) mod P; that is
// how the interleaved streams below are stitched back together.
constexpr uint32_t multiply_mod_p(uint32_t a, uint32_t b) {
  uint32_t product = 0;
  for (uint32_t m = 1u << 31; m != 0; m >>= 1) {
    if (a & m) product ^= b;
    b = (b & 1) ? (b >> 1) ^ kPolyReflected : b >> 1;
  }
  return product;
}

constexpr uint32_t x_pow_mod_p(uint64_t n) {
  uint32_t result = 1u << 31;  // x^0
  uint32_t square = 1u << 30;  // x^1
  for (; n != 0; n >>= 1) {
    if (n & 1) result = multiply_mod_p(result, square);
    square = multiply_mod_p(square, square);
  }
  return result;
}

// A linear map on the register ("append n zero bytes"), split by register byte so that applying it
// costs four table loads instead of a 32-step multiplication.
using ShiftTable = std::array<ByteTable, 4>;

constexpr ShiftTable make_shift_table(size_t n_bytes) {
  const uint32_t op = x_pow_mod_p(8 * static_cast<uint64_t>(n_bytes));
  ShiftTable t{};
  for (size_t i = 0; i < 4; ++i) {
    for (uint32_t b = 0; b < 256; ++b) t[i][b] = multiply_mod_p(op, b << (8 * i));
  }
  return t;
}

uint32_t apply_shift(const ShiftTable& t, uint32_t c) {
  return t[0][c & 0xff] ^ t[1][(c >> 8) & 0xff] ^ t[2][(c >> 16) & 0xff] ^ t[3][c >> 24];
}

// The crc32 instruction has a latency of 3 cycles and a throughput of 1 per cycle, so one chain
// uses a third of it. Three chains over three adjacent blocks run in parallel, then combine:
// crc(A|B|C) = shift(shift(crc(A)) ^ crc(B)) ^ crc(C), with crc(B), crc(C) started from 0.
// Long blocks amortize the combination; short ones serve inputs below 3 * kLongBlock.
constexpr size_t kLongBlock = 4096;
constexpr size_t kShortBlock = 256;
constexpr ShiftTable kShiftLong = make_shift_table(kLongBlock);
constexpr ShiftTable kShiftShort = make_shift_table(kShortBlock);

__attribute__((target("sse4.2"))) inline uint64_t crc_word(uint64_t c, const std::byte* p) {
  uint64_t w;
  std::memcpy(&w, p, sizeof w);
  return _mm_crc32_u64(c, w);
}

template <size_t kBlock>
__attribute__((target("sse4.2"))) uint32_t crc_three_blocks(uint32_t c, const std::byte* p, const ShiftTable& shift) {
  uint64_t c0 = c;
  uint64_t c1 = 0;
  uint64_t c2 = 0;
  for (const std::byte* end = p + kBlock; p < end; p += 8) {
    c0 = crc_word(c0, p);
    c1 = crc_word(c1, p + kBlock);
    c2 = crc_word(c2, p + 2 * kBlock);
  }
  uint32_t r = apply_shift(shift, static_cast<uint32_t>(c0)) ^ static_cast<uint32_t>(c1);
  return apply_shift(shift, r) ^ static_cast<uint32_t>(c2);
}

__attribute__((target("sse4.2"))) uint32_t extend_sse42(uint32_t crc, bytes_view data) {
  const std::byte* p = data.data();
  size_t n = data.size();
  uint32_t c = ~crc;
  // Single bytes up to an 8-byte boundary, so that the word loads below are aligned.
  for (; n > 0 && (reinterpret_cast<uintptr_t>(p) & 7) != 0; ++p, --n) {
    c = _mm_crc32_u8(c, static_cast<uint8_t>(*p));
  }
  for (; n >= 3 * kLongBlock; p += 3 * kLongBlock, n -= 3 * kLongBlock) {
    c = crc_three_blocks<kLongBlock>(c, p, kShiftLong);
  }
  for (; n >= 3 * kShortBlock; p += 3 * kShortBlock, n -= 3 * kShortBlock) {
    c = crc_three_blocks<kShortBlock>(c, p, kShiftShort);
  }
  uint64_t c64 = c;
  for (; n >= 8; p += 8, n -= 8) c64 = crc_word(c64, p);
  c = static_cast<uint32_t>(c64);
  for (; n > 0; ++p, --n) c = _mm_crc32_u8(c, static_cast<uint8_t>(*p));
  return ~c;
}

bool cpu_has_sse42() {
  __builtin_cpu_init();  // needed if we are called before the constructors have run
  return __builtin_cpu_supports("sse4.2");
}

}  // namespace

uint32_t extend_hardware(uint32_t crc, bytes_view data) { return extend_sse42(crc, data); }

#else  // not x86-64

namespace {
bool cpu_has_sse42() { return false; }
}  // namespace

uint32_t extend_hardware(uint32_t crc, bytes_view data) { return extend_portable(crc, data); }

#endif

bool hardware_accelerated() {
  static const bool hardware = cpu_has_sse42();
  return hardware;
}

uint32_t extend(uint32_t crc, bytes_view data) {
  using ExtendFn = uint32_t (*)(uint32_t, bytes_view);
  static const ExtendFn chosen = hardware_accelerated() ? &extend_hardware : &extend_portable;
  return chosen(crc, data);
}

}  // namespace strata::crc32c
