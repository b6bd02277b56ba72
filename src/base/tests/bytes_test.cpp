#include "base/bytes.h"

#include <gtest/gtest.h>

#include <cstdint>

namespace strata {
namespace {

TEST(Bytes, LoadBigEndian) {
  const bytes b = {std::byte{0x01}, std::byte{0x02}, std::byte{0x03}, std::byte{0x04},
                   std::byte{0x05}, std::byte{0x06}, std::byte{0x07}, std::byte{0x08}};
  EXPECT_EQ(load_be<uint8_t>(b.data()), 0x01u);
  EXPECT_EQ(load_be<uint16_t>(b.data()), 0x0102u);
  EXPECT_EQ(load_be<uint32_t>(b.data()), 0x01020304u);
  EXPECT_EQ(load_be<uint64_t>(b.data()), 0x0102030405060708u);
  EXPECT_EQ(load_be<uint32_t>(b.data() + 3), 0x04050607u);  // unaligned
}

TEST(Bytes, StoreBigEndian) {
  bytes b(8);
  store_be<uint32_t>(b.data(), 0xDEADBEEF);
  EXPECT_EQ(b[0], std::byte{0xDE});
  EXPECT_EQ(b[1], std::byte{0xAD});
  EXPECT_EQ(b[2], std::byte{0xBE});
  EXPECT_EQ(b[3], std::byte{0xEF});
  store_be<uint16_t>(b.data() + 5, 0x1234);
  EXPECT_EQ(b[5], std::byte{0x12});
  EXPECT_EQ(b[6], std::byte{0x34});
  store_be<uint64_t>(b.data(), 0x8000000000000001u);
  EXPECT_EQ(b[0], std::byte{0x80});
  EXPECT_EQ(b[7], std::byte{0x01});
}

TEST(Bytes, RoundTripsExtremes) {
  bytes b(8);
  for (uint64_t v : {uint64_t{0}, uint64_t{1}, ~uint64_t{0}, uint64_t{0x00FF00FF00FF00FF}}) {
    store_be<uint64_t>(b.data(), v);
    EXPECT_EQ(load_be<uint64_t>(b.data()), v);
  }
  // Signed Kafka fields go through their unsigned twin: int32 -1 is FF FF FF FF.
  store_be<uint32_t>(b.data(), static_cast<uint32_t>(int32_t{-1}));
  EXPECT_EQ(load_be<uint32_t>(b.data()), 0xFFFFFFFFu);
  EXPECT_EQ(static_cast<int32_t>(load_be<uint32_t>(b.data())), -1);
}

TEST(Bytes, StringViewsAndEquality) {
  const bytes b = to_bytes("kafka");
  ASSERT_EQ(b.size(), 5u);
  EXPECT_EQ(b[0], std::byte{'k'});
  EXPECT_EQ(as_string_view(b), "kafka");
  EXPECT_TRUE(equal_bytes(b, as_bytes_view("kafka")));
  EXPECT_FALSE(equal_bytes(b, as_bytes_view("kafkA")));
  EXPECT_FALSE(equal_bytes(b, as_bytes_view("kafk")));
  EXPECT_TRUE(equal_bytes({}, as_bytes_view("")));
}

}  // namespace
}  // namespace strata
