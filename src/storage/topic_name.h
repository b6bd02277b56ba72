// Topic names and topic-partitions, with Kafka's rules (org.apache.kafka.common.internals.Topic).
//
// A legal topic name is 1 to 249 characters of [a-zA-Z0-9._-] and is neither "." nor "..". The
// limit of 249 leaves room in a 255-byte directory name for "-<partition>" and, on deletion,
// Kafka's ".<uuid>-delete" suffix (which truncates the topic part, see log_file_names.h).
#pragma once

#include <compare>
#include <string>
#include <string_view>

#include "base/result.h"
#include "base/types.h"

namespace strata::storage {

inline constexpr size_t kMaxTopicNameLength = 249;  // Topic.MAX_NAME_LENGTH

// Kafka's reserved topic names (Topic.GROUP_METADATA_TOPIC_NAME, TRANSACTION_STATE_TOPIC_NAME,
// SHARE_GROUP_STATE_TOPIC_NAME, CLUSTER_METADATA_TOPIC_NAME).
inline constexpr std::string_view kConsumerOffsetsTopic = "__consumer_offsets";
inline constexpr std::string_view kTransactionStateTopic = "__transaction_state";
inline constexpr std::string_view kShareGroupStateTopic = "__share_group_state";
inline constexpr std::string_view kClusterMetadataTopic = "__cluster_metadata";

// Success, or StorageErrc::invalid_topic with Kafka's own wording:
// "Topic name is invalid: '.' is not allowed".
result<void> validate_topic_name(std::string_view name);
inline bool is_valid_topic_name(std::string_view name) { return validate_topic_name(name).has_value(); }

// Topic.isInternal (Kafka 4.x): __consumer_offsets, __transaction_state and __share_group_state.
// The KRaft metadata topic is not in that set: it is never a user-visible topic at all.
bool is_internal_topic(std::string_view name);

// Topic.hasCollisionChars / hasCollision: '.' and '_' map to the same metric name, so Kafka refuses
// to create a topic that differs from an existing one only by them.
bool has_collision_chars(std::string_view name);
bool topics_collide(std::string_view a, std::string_view b);

// A partition of a topic (Kafka: TopicPartition). Not validated: directory and checkpoint parsers
// accept what Kafka accepts, and callers validate names where Kafka does (at topic creation).
struct TopicPartition {
  std::string topic;
  PartitionId partition{0};

  friend bool operator==(const TopicPartition&, const TopicPartition&) = default;
  friend auto operator<=>(const TopicPartition&, const TopicPartition&) = default;
};

// "orders-3": Kafka's TopicPartition.toString, which is also the partition's directory name.
std::string to_string(const TopicPartition& tp);

}  // namespace strata::storage
