// partition.metadata: the topic id of a partition directory (Kafka's PartitionMetadataFile, KIP-516).
// Format page: docs/formats/local-log.md, "partition.metadata".
//
//   version: 0
//   topic_id: <22 characters of URL-safe base64>
//
// Exactly these bytes, with "\n" between the lines and no newline at the end (PartitionMetadata
// .encode). Written atomically like a checkpoint, always with fsync.
#pragma once

#include <filesystem>
#include <string>
#include <string_view>

#include "base/result.h"
#include "storage/topic_id.h"

namespace strata::storage {

inline constexpr int32_t kPartitionMetadataVersion = 0;  // PartitionMetadataFile.CURRENT_VERSION

struct PartitionMetadata {
  int32_t version = kPartitionMetadataVersion;
  TopicId topic_id;
  friend bool operator==(const PartitionMetadata&, const PartitionMetadata&) = default;
};

// "version: <version>\ntopic_id: <id>".
std::string encode_partition_metadata(const PartitionMetadata& metadata);

// PartitionMetadataReadBuffer.read: line 1 "version" and line 2 "topic_id", each split at the first
// ':' followed by whitespace (the key must match exactly; the value is the rest after the
// whitespace); lines after the second are ignored. Errors, naming `location`: malformed_checkpoint
// for a missing or malformed line, an unparsable version or id, or the zero topic id;
// unsupported_version for a negative version. Versions above 0 are accepted, as Kafka does for
// downgrades.
result<PartitionMetadata> decode_partition_metadata(std::string_view text, std::string_view location);

// Writes version 0 and `topic_id` atomically with fsync (Kafka: PartitionMetadataFile.maybeFlush).
// invalid_argument for the zero id, which could not be read back.
result<void> write_partition_metadata(const std::filesystem::path& path, const TopicId& topic_id);
// not_found if the file does not exist.
result<PartitionMetadata> read_partition_metadata(const std::filesystem::path& path);

}  // namespace strata::storage
