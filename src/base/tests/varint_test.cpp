#include "base/varint.h"

#include <gtest/gtest.h>

#include <cstdint>
#include <initializer_list>
#include <limits>
#include <vector>

namespace strata {
namespace {

bytes hex_bytes(std::initializer_list<uint8_t> v) {
  bytes b;
  for (uint8_t x : v) b.push_back(static_cast<std::byte>(x));
  return b;
}

bytes encode(uint64_t v) {
  bytes out(varint::kMaxVarint64Bytes);
  out.resize(varint::encode_unsigned(v, out.data()));
  return out;
}

constexpr int32_t kI32Min = std::numeric_limits<int32_t>::min();
constexpr int32_t kI32Max = std::numeric_limits<int32_t>::max();
constexpr int64_t kI64Min = std::numeric_limits<int64_t>::min();
constexpr int64_t kI64Max = std::numeric_limits<int64_t>::max();
constexpr uint64_t kU64Max = std::numeric_limits<uint64_t>::max();
constexpr uint32_t kU32Max = std::numeric_limits<uint32_t>::max();

TEST(Varint, KnownUnsignedEncodings) {
  EXPECT_EQ(encode(0), hex_bytes({0x00}));
  EXPECT_EQ(encode(1), hex_bytes({0x01}));
  EXPECT_EQ(encode(127), hex_bytes({0x7F}));
  EXPECT_EQ(encode(128), hex_bytes({0x80, 0x01}));
  EXPECT_EQ(encode(300), hex_bytes({0xAC, 0x02}));
  EXPECT_EQ(encode(16384), hex_bytes({0x80, 0x80, 0x01}));
  EXPECT_EQ(encode(kU32Max), hex_bytes({0xFF, 0xFF, 0xFF, 0xFF, 0x0F}));
  EXPECT_EQ(encode(kU64Max), hex_bytes({0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0x01}));
}

// Kafka's ByteUtils.writeVarint: zigzag, then LEB128.
TEST(Varint, KnownSignedEncodings) {
  auto enc32 = [](int32_t v) { return encode(varint::zigzag_encode32(v)); };
  EXPECT_EQ(enc32(0), hex_bytes({0x00}));
  EXPECT_EQ(enc32(-1), hex_bytes({0x01}));
  EXPECT_EQ(enc32(1), hex_bytes({0x02}));
  EXPECT_EQ(enc32(-64), hex_bytes({0x7F}));
  EXPECT_EQ(enc32(64), hex_bytes({0x80, 0x01}));
  EXPECT_EQ(enc32(kI32Max), hex_bytes({0xFE, 0xFF, 0xFF, 0xFF, 0x0F}));
  EXPECT_EQ(enc32(kI32Min), hex_bytes({0xFF, 0xFF, 0xFF, 0xFF, 0x0F}));
  EXPECT_EQ(varint::zigzag_encode64(kI64Min), kU64Max);
  EXPECT_EQ(varint::zigzag_encode64(kI64Max), kU64Max - 1);
}

TEST(Varint, Unsigned32RoundTrip) {
  for (uint32_t v : {0u, 1u, 127u, 128u, 255u, 300u, 16383u, 16384u, (1u << 21) - 1, 1u << 21, (1u << 28) - 1, 1u << 28,
                     static_cast<uint32_t>(kI32Max), kU32Max}) {
    const bytes enc = encode(v);
    ASSERT_EQ(enc.size(), varint::size_unsigned(v)) << v;
    auto d = varint::decode_unsigned32(enc);
    ASSERT_TRUE(d.has_value()) << v;
    EXPECT_EQ(d->value, v);
    EXPECT_EQ(d->length, enc.size());
  }
}

TEST(Varint, Unsigned64RoundTrip) {
  for (uint64_t v : {uint64_t{0}, uint64_t{1}, uint64_t{127}, uint64_t{128}, uint64_t{kU32Max}, uint64_t{kU32Max} + 1,
                     (uint64_t{1} << 56) - 1, uint64_t{1} << 56, (uint64_t{1} << 63) - 1, uint64_t{1} << 63, kU64Max}) {
    const bytes enc = encode(v);
    ASSERT_EQ(enc.size(), varint::size_unsigned(v)) << v;
    auto d = varint::decode_unsigned64(enc);
    ASSERT_TRUE(d.has_value()) << v;
    EXPECT_EQ(d->value, v);
    EXPECT_EQ(d->length, enc.size());
  }
}

TEST(Varint, Signed32RoundTrip) {
  for (int32_t v : {0, 1, -1, 63, -64, 64, -65, 127, 128, -128, kI32Min, kI32Max, kI32Min + 1}) {
    const bytes enc = encode(varint::zigzag_encode32(v));
    EXPECT_EQ(enc.size(), varint::size_signed32(v)) << v;
    auto d = varint::decode_signed32(enc);
    ASSERT_TRUE(d.has_value()) << v;
    EXPECT_EQ(d->value, v);
    EXPECT_EQ(d->length, enc.size());
  }
}

TEST(Varint, Signed64RoundTrip) {
  for (int64_t v : {int64_t{0}, int64_t{1}, int64_t{-1}, int64_t{127}, int64_t{128}, int64_t{kI32Min}, int64_t{kI32Max},
                    int64_t{kI32Min} - 1, int64_t{kI32Max} + 1, kI64Min, kI64Max}) {
    const bytes enc = encode(varint::zigzag_encode64(v));
    EXPECT_EQ(enc.size(), varint::size_signed64(v)) << v;
    auto d = varint::decode_signed64(enc);
    ASSERT_TRUE(d.has_value()) << v;
    EXPECT_EQ(d->value, v);
    EXPECT_EQ(d->length, enc.size());
  }
  EXPECT_EQ(varint::size_signed64(kI64Min), 10u);
  EXPECT_EQ(varint::size_signed32(kI32Min), 5u);
}

TEST(Varint, SizeAgreesWithEncodeAtEveryGroupBoundary) {
  for (int bits = 0; bits < 64; ++bits) {
    for (uint64_t v : {(uint64_t{1} << bits) - 1, uint64_t{1} << bits, (uint64_t{1} << bits) + 1}) {
      std::byte out[varint::kMaxVarint64Bytes];
      EXPECT_EQ(varint::encode_unsigned(v, out), varint::size_unsigned(v)) << v;
    }
  }
  EXPECT_EQ(varint::size_unsigned(0), 1u);
  EXPECT_EQ(varint::size_unsigned(127), 1u);
  EXPECT_EQ(varint::size_unsigned(128), 2u);
  EXPECT_EQ(varint::size_unsigned(kU64Max), 10u);
}

TEST(Varint, DecodeStopsAtTheEndOfTheVarint) {
  const bytes in = hex_bytes({0xAC, 0x02, 0x7F, 0xFF});
  auto d = varint::decode_unsigned32(in);
  ASSERT_TRUE(d.has_value());
  EXPECT_EQ(d->value, 300u);
  EXPECT_EQ(d->length, 2u);
}

TEST(Varint, RejectsTooLongEncodings) {
  // A zero padded with continuation bytes: 6 bytes is one too many for 32 bits, 11 for 64.
  EXPECT_FALSE(varint::decode_unsigned32(hex_bytes({0x80, 0x80, 0x80, 0x80, 0x80, 0x00})));
  EXPECT_FALSE(varint::decode_signed32(hex_bytes({0x80, 0x80, 0x80, 0x80, 0x80, 0x00})));
  EXPECT_FALSE(
      varint::decode_unsigned64(hex_bytes({0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x00})));
  EXPECT_FALSE(varint::decode_signed64(hex_bytes({0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x00})));
  // The longest legal non-minimal forms still decode.
  auto d32 = varint::decode_unsigned32(hex_bytes({0x80, 0x80, 0x80, 0x80, 0x00}));
  ASSERT_TRUE(d32.has_value());
  EXPECT_EQ(d32->value, 0u);
  EXPECT_EQ(d32->length, 5u);
}

TEST(Varint, RejectsOverflowBitsInTheFinalByte) {
  // 5th byte of a 32-bit varint may carry 4 bits (0x0F); 0x1F would be bit 32.
  EXPECT_TRUE(varint::decode_unsigned32(hex_bytes({0xFF, 0xFF, 0xFF, 0xFF, 0x0F})));
  EXPECT_FALSE(varint::decode_unsigned32(hex_bytes({0xFF, 0xFF, 0xFF, 0xFF, 0x1F})));
  EXPECT_FALSE(varint::decode_unsigned32(hex_bytes({0x80, 0x80, 0x80, 0x80, 0x10})));
  EXPECT_FALSE(varint::decode_signed32(hex_bytes({0xFF, 0xFF, 0xFF, 0xFF, 0x7F})));
  // 10th byte of a 64-bit varint may carry 1 bit.
  EXPECT_TRUE(varint::decode_unsigned64(hex_bytes({0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0x01})));
  EXPECT_FALSE(varint::decode_unsigned64(hex_bytes({0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0x02})));
  EXPECT_FALSE(varint::decode_signed64(hex_bytes({0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x7F})));
  // A 64-bit varint wider than 32 bits is not a 32-bit one.
  EXPECT_FALSE(varint::decode_unsigned32(encode(uint64_t{kU32Max} + 1)));
}

TEST(Varint, RejectsTruncatedInput) {
  EXPECT_FALSE(varint::decode_unsigned32(bytes{}));
  EXPECT_FALSE(varint::decode_unsigned64(bytes{}));
  EXPECT_FALSE(varint::decode_unsigned32(hex_bytes({0xAC})));
  EXPECT_FALSE(varint::decode_signed32(hex_bytes({0xFF, 0xFF, 0xFF, 0xFF})));
  bytes max64 = encode(kU64Max);
  max64.pop_back();
  EXPECT_FALSE(varint::decode_unsigned64(max64));
  EXPECT_FALSE(varint::decode_signed64(max64));
}

}  // namespace
}  // namespace strata
