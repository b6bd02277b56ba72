#include "group/offsets_records.h"

#include <gtest/gtest.h>

#include "protocol/generated/coordinator/group_metadata_value.h"

namespace strata::group {
namespace {

TEST(OffsetsRecords, JavaStringHashMatchesJava) {
  // Values from java.lang.String.hashCode.
  EXPECT_EQ(java_string_hash(""), 0);
  EXPECT_EQ(java_string_hash("a"), 97);
  EXPECT_EQ(java_string_hash("group"), 98629247);
  EXPECT_EQ(java_string_hash("console-consumer-12345"), 158455506);
  // "é" is one UTF-16 unit (0xE9); U+1F600 is a surrogate pair (0xD83D 0xDE00).
  EXPECT_EQ(java_string_hash("\xC3\xA9"), 0xE9);
  EXPECT_EQ(java_string_hash("\xF0\x9F\x98\x80"), 31 * 0xD83D + 0xDE00);
  // Malformed UTF-8 hashes as U+FFFD, as Java decodes it.
  EXPECT_EQ(java_string_hash("\xFF"), 0xFFFD);
}

TEST(OffsetsRecords, PartitionForUsesKafkasAbs) {
  EXPECT_EQ(partition_for("group", 50), 98629247 % 50);
  EXPECT_EQ(partition_for("console-consumer-12345", 50), 158455506 % 50);
  EXPECT_EQ(java_string_hash("my-group"), -1906497762);
  EXPECT_EQ(partition_for("my-group", 50), 12);
  // "polygenelubricants" hashes to Integer.MIN_VALUE: Utils.abs maps it to 0.
  EXPECT_EQ(java_string_hash("polygenelubricants"), INT32_MIN);
  EXPECT_EQ(partition_for("polygenelubricants", 50), 0);
}

TEST(OffsetsRecords, OffsetCommitRoundTripsWithKafkasVersions) {
  const bytes key = offset_commit_key("g", "orders", 3);
  // int16 version 1, then group, topic (int16-length strings) and the partition.
  const bytes expected_key = {std::byte{0},   std::byte{1},   std::byte{0},   std::byte{1},   std::byte{'g'},
                              std::byte{0},   std::byte{6},   std::byte{'o'}, std::byte{'r'}, std::byte{'d'},
                              std::byte{'e'}, std::byte{'r'}, std::byte{'s'}, std::byte{0},   std::byte{0},
                              std::byte{0},   std::byte{3}};
  EXPECT_EQ(key, expected_key);
  CommittedOffset offset{42, 7, "meta", 1000, std::nullopt};
  const bytes value = offset_commit_value(offset);
  EXPECT_EQ(value[1], std::byte{3});  // value version 3
  auto decoded = decode_offsets_record(key, bytes_view(value));
  ASSERT_TRUE(decoded) << decoded.error().to_string();
  const auto& record = std::get<OffsetCommitRecord>(*decoded);
  EXPECT_EQ(record.group, "g");
  EXPECT_EQ(record.topic, "orders");
  EXPECT_EQ(record.partition, 3);
  ASSERT_TRUE(record.value);
  EXPECT_EQ(*record.value, offset);

  CommittedOffset expiring{5, -1, "", 1000, 2000};
  const bytes v1 = offset_commit_value(expiring);
  EXPECT_EQ(v1[1], std::byte{1});  // an expire timestamp needs value version 1
  auto decoded_v1 = decode_offsets_record(key, bytes_view(v1));
  ASSERT_TRUE(decoded_v1);
  EXPECT_EQ(*std::get<OffsetCommitRecord>(*decoded_v1).value, expiring);

  auto tombstone = decode_offsets_record(key, std::nullopt);
  ASSERT_TRUE(tombstone);
  EXPECT_FALSE(std::get<OffsetCommitRecord>(*tombstone).value);
}

TEST(OffsetsRecords, GroupMetadataRoundTrips) {
  protocol::coordinator::GroupMetadataValue v;
  v.protocol_type = "consumer";
  v.generation = 3;
  v.protocol = "range";
  v.leader = "m-1";
  v.current_state_timestamp = 123;
  protocol::coordinator::GroupMetadataValue::MemberMetadata m;
  m.member_id = "m-1";
  m.group_instance_id = "i-1";
  m.client_id = "c";
  m.client_host = "/127.0.0.1";
  m.rebalance_timeout = 300000;
  m.session_timeout = 10000;
  m.subscription = {std::byte{1}};
  m.assignment = {std::byte{2}};
  v.members.push_back(m);
  const bytes key = group_metadata_key("g");
  EXPECT_EQ(key[1], std::byte{2});
  const bytes value = group_metadata_value(v);
  EXPECT_EQ(value[1], std::byte{3});
  auto decoded = decode_offsets_record(key, bytes_view(value));
  ASSERT_TRUE(decoded);
  const auto& record = std::get<GroupMetadataRecord>(*decoded);
  EXPECT_EQ(record.group, "g");
  ASSERT_TRUE(record.value);
  EXPECT_EQ(*record.value, v);
}

TEST(OffsetsRecords, GarbageIsAnErrorNotACrash) {
  const bytes short_key = {std::byte{0}};
  EXPECT_FALSE(decode_offsets_record(short_key, std::nullopt));
  const bytes key = offset_commit_key("g", "t", 0);
  const bytes bad_value = {std::byte{0}, std::byte{3}, std::byte{1}};
  EXPECT_FALSE(decode_offsets_record(key, bytes_view(bad_value)));
  const bytes other = {std::byte{0}, std::byte{5}};
  auto decoded = decode_offsets_record(other, std::nullopt);
  ASSERT_TRUE(decoded);
  EXPECT_EQ(std::get<OtherRecord>(*decoded).key_version, 5);
}

}  // namespace
}  // namespace strata::group
