#include "storage/topic_id.h"

#include <gtest/gtest.h>

#include <random>

#include "storage/storage_error.h"

namespace strata::storage {
namespace {

TopicId sequential_id() {
  TopicId id;
  for (size_t i = 0; i < kTopicIdSize; ++i) id.bytes[i] = static_cast<uint8_t>(i);
  return id;
}

TEST(TopicId, ToStringIsUnpaddedUrlSafeBase64) {
  // Python: base64.urlsafe_b64encode(bytes(range(16))) == b"AAECAwQFBgcICQoLDA0ODw=="
  EXPECT_EQ(sequential_id().to_string(), "AAECAwQFBgcICQoLDA0ODw");
  EXPECT_EQ(kZeroTopicId.to_string(), "AAAAAAAAAAAAAAAAAAAAAA");
  EXPECT_EQ(kMetadataTopicId.to_string(), "AAAAAAAAAAAAAAAAAAAAAQ");  // Kafka's ONE_UUID
  // '-' and '_' instead of '+' and '/'.
  TopicId high = TopicId::from_longs(0xfbffbf00ff00ff00ULL, 0xff00ff00ff00ffeeULL);
  EXPECT_EQ(high.to_string(), "-_-_AP8A_wD_AP8A_wD_7g");
  EXPECT_EQ(high.to_string().size(), kTopicIdBase64Length);
}

TEST(TopicId, LongsAreMostSignificantFirst) {
  TopicId id = TopicId::from_longs(0x0001020304050607ULL, 0x08090a0b0c0d0e0fULL);
  EXPECT_EQ(id, sequential_id());
  EXPECT_EQ(id.most_significant_bits(), 0x0001020304050607ULL);
  EXPECT_EQ(id.least_significant_bits(), 0x08090a0b0c0d0e0fULL);
  EXPECT_EQ(TopicId::from_longs(0, 1), kMetadataTopicId);
  EXPECT_TRUE(kZeroTopicId.is_zero());
  EXPECT_FALSE(kMetadataTopicId.is_zero());
}

TEST(TopicId, FromStringAcceptsWhatUuidFromStringAccepts) {
  EXPECT_EQ(TopicId::from_string("AAECAwQFBgcICQoLDA0ODw").value(), sequential_id());
  EXPECT_EQ(TopicId::from_string("AAECAwQFBgcICQoLDA0ODw==").value(), sequential_id());  // padded
  EXPECT_EQ(TopicId::from_string("-_-_AP8A_wD_AP8A_wD_7g").value().to_string(), "-_-_AP8A_wD_AP8A_wD_7g");
  // Java's decoder ignores the 4 unused low bits of the last character: 'R' = 0b010001 -> 0x01.
  EXPECT_EQ(TopicId::from_string("AAAAAAAAAAAAAAAAAAAAAR").value(), kMetadataTopicId);
}

TEST(TopicId, FromStringRejectsWhatUuidFromStringRejects) {
  auto too_long = TopicId::from_string("AAECAwQFBgcICQoLDA0ODw===");
  ASSERT_FALSE(too_long);
  EXPECT_EQ(too_long.error().message(),
            "Input string with prefix `AAECAwQFBgcICQoLDA0ODw==` is too long to be decoded as a base64 UUID");
  auto short_one = TopicId::from_string("AAECAwQFBgcICQoLDA0O");
  ASSERT_FALSE(short_one);
  EXPECT_EQ(short_one.error().message(),
            "Input string `AAECAwQFBgcICQoLDA0O` decoded as 15 bytes, which is not equal to the expected 16 bytes of a "
            "base64-encoded UUID");
  for (std::string_view bad :
       {"", "AAECAwQFBgcICQoLDA0OD", "AAECAwQFBgcICQoLDA0ODw=", "AAECAwQFBgcICQoLDA0ODx+", "AAECAwQFBgcICQoLDA0OD/",
        "AAECAwQFBgcICQoLDA0ODw=A", "AAECAwQFBgcICQoLDA0ODwAA", "AAECAwQFBgcICQoLDA0OD w"}) {
    auto r = TopicId::from_string(bad);
    ASSERT_FALSE(r) << bad;
    EXPECT_TRUE(r.error().is(StorageErrc::invalid_argument)) << bad;
  }
}

TEST(TopicId, Base64DecoderMatchesJavaOnPaddingRules) {
  EXPECT_EQ(base64url_decode("").value(), "");
  EXPECT_EQ(base64url_decode("YQ").value(), "a");
  EXPECT_EQ(base64url_decode("YQ==").value(), "a");
  EXPECT_EQ(base64url_decode("YWI").value(), "ab");
  EXPECT_EQ(base64url_decode("YWI=").value(), "ab");
  EXPECT_EQ(base64url_decode("YWJj").value(), "abc");
  EXPECT_EQ(base64url_decode("YQ=").error().message(), "Input byte array has wrong 4-byte ending unit");
  EXPECT_EQ(base64url_decode("=").error().message(), "Input byte array has wrong 4-byte ending unit");
  EXPECT_EQ(base64url_decode("Y").error().message(), "Last unit does not have enough valid bits");
  EXPECT_EQ(base64url_decode("YQ==YQ").error().message(), "Input byte array has incorrect ending byte at 4");
  EXPECT_EQ(base64url_decode("Y+").error().message(), "Illegal base64 character 2b");
}

TEST(TopicId, RandomRoundTrips) {
  std::mt19937_64 rng(7);
  for (int i = 0; i < 500; ++i) {
    TopicId id = TopicId::from_longs(rng(), rng());
    std::string text = id.to_string();
    ASSERT_EQ(text.size(), kTopicIdBase64Length);
    ASSERT_EQ(TopicId::from_string(text).value(), id) << text;
  }
}

}  // namespace
}  // namespace strata::storage
