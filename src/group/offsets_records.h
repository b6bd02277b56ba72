// The records of the internal topic `__consumer_offsets`, in Kafka's own format so that the topic
// reads like Kafka's (docs/formats/consumer-offsets.md): every key and value is an int16 version
// followed by the coordinator schema at that version (../shared/kafka-protocol/coordinator/).
//
//   key version 0 or 1: OffsetCommitKey  (group, topic, partition) -> OffsetCommitValue (v1 or v3)
//   key version 2:      GroupMetadataKey (group)                   -> GroupMetadataValue (v3)
//   a null value (tombstone) deletes the key; compaction (cleanup.policy=compact) keeps the last.
//
// Which partition holds a group: abs(String.hashCode(group_id)) % offsets.topic.num.partitions,
// with Kafka's Utils.abs (Integer.MIN_VALUE -> 0) and Java's UTF-16 hash.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <variant>

#include "base/bytes.h"
#include "base/result.h"
#include "protocol/generated/coordinator/group_metadata_value.h"

namespace strata::group {

inline constexpr std::string_view kOffsetsTopic = "__consumer_offsets";

// Key versions (the record type): Kafka's CoordinatorRecordType ids for the classic records.
inline constexpr int16_t kOffsetCommitKeyVersion = 1;
inline constexpr int16_t kGroupMetadataKeyVersion = 2;
// Value versions Kafka writes: OffsetCommitValue v3, or v1 when the commit has an expire
// timestamp (v2-v4 OffsetCommit with a retention time); GroupMetadataValue v3.
inline constexpr int16_t kOffsetCommitValueVersion = 3;
inline constexpr int16_t kOffsetCommitValueVersionWithExpire = 1;
inline constexpr int16_t kGroupMetadataValueVersion = 3;

// Java's String.hashCode of the UTF-16 form of `s` (malformed UTF-8 decodes to U+FFFD, as Java's
// decoder does).
int32_t java_string_hash(std::string_view s);
// The __consumer_offsets partition of a group.
int32_t partition_for(std::string_view group_id, int32_t partitions);

// One committed offset (Kafka's OffsetAndMetadata).
struct CommittedOffset {
  int64_t offset = -1;
  int32_t leader_epoch = -1;
  std::string metadata;
  int64_t commit_timestamp_ms = 0;
  std::optional<int64_t> expire_timestamp_ms;
  bool operator==(const CommittedOffset&) const = default;
};

bytes offset_commit_key(std::string_view group, std::string_view topic, int32_t partition);
bytes offset_commit_value(const CommittedOffset& offset);
bytes group_metadata_key(std::string_view group);
bytes group_metadata_value(const protocol::coordinator::GroupMetadataValue& value);

// A decoded record of the topic. A nullopt value is a tombstone.
struct OffsetCommitRecord {
  std::string group;
  std::string topic;
  int32_t partition = 0;
  std::optional<CommittedOffset> value;
};
struct GroupMetadataRecord {
  std::string group;
  std::optional<protocol::coordinator::GroupMetadataValue> value;
};
// Records of the new consumer-group protocol (key versions 3+), which this coordinator skips.
struct OtherRecord {
  int16_t key_version = 0;
};
using OffsetsTopicRecord = std::variant<OffsetCommitRecord, GroupMetadataRecord, OtherRecord>;

// Decodes one record; a protocol error for bytes that are not a valid key or value.
result<OffsetsTopicRecord> decode_offsets_record(bytes_view key, std::optional<bytes_view> value);

}  // namespace strata::group
