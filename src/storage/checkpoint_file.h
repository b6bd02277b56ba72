// Kafka's checkpoint files (CheckpointFile, OffsetCheckpointFile, LeaderEpochCheckpointFile):
// small text files rewritten atomically. Format page: docs/formats/local-log.md, "Checkpoint files".
//
//   0              <- version (always 0)
//   2              <- number of entries
//   orders 0 1200  <- one entry per line
//   orders 1 1187
//
// Lines end with "\n". Offset checkpoints — recovery-point-offset-checkpoint,
// log-start-offset-checkpoint, replication-offset-checkpoint, cleaner-offset-checkpoint, one of each
// per log directory — hold "topic partition offset" entries; the leader-epoch-checkpoint of each
// partition holds "epoch startOffset" entries.
//
// Reading follows CheckpointFile.read exactly, including its leniencies: an empty file, or a file
// with only the version line, has no entries; fields are separated by any run of whitespace (but a
// line must not start with whitespace). Everything else that is off is an error naming the file and
// the 1-based line: malformed_checkpoint (bad number, wrong field count, wrong entry count,
// a blank line) or unsupported_version.
#pragma once

#include <filesystem>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "base/result.h"
#include "base/types.h"
#include "storage/topic_name.h"

namespace strata::storage {

inline constexpr int32_t kOffsetCheckpointVersion = 0;       // OffsetCheckpointFile.CURRENT_VERSION
inline constexpr int32_t kLeaderEpochCheckpointVersion = 0;  // LeaderEpochCheckpointFile.CURRENT_VERSION

// An entry of an offset checkpoint.
struct TopicPartitionOffset {
  TopicPartition topic_partition;
  Offset offset;
  friend bool operator==(const TopicPartitionOffset&, const TopicPartitionOffset&) = default;
};

// An entry of a leader-epoch-checkpoint (Kafka's EpochEntry): the first offset written by `epoch`.
struct EpochEntry {
  LeaderEpoch epoch;
  Offset start_offset;
  friend bool operator==(const EpochEntry&, const EpochEntry&) = default;
};

// --- Text codecs (no I/O). `location` names the file in error messages. -------------------------

// invalid_argument if a topic is empty or holds whitespace: what we write must read back.
result<std::string> encode_offset_checkpoint(std::span<const TopicPartitionOffset> entries);
// Entries in file order. Kafka reads them into a map, so a repeated topic-partition keeps its last
// offset there; callers building a map should let later entries win.
result<std::vector<TopicPartitionOffset>> decode_offset_checkpoint(std::string_view text, std::string_view location);

std::string encode_leader_epoch_checkpoint(std::span<const EpochEntry> entries);
result<std::vector<EpochEntry>> decode_leader_epoch_checkpoint(std::string_view text, std::string_view location);

// --- Files ---------------------------------------------------------------------------------------

// Atomically replaces `path` (write <path>.tmp, fsync, rename, fsync the directory when `sync`, as
// Kafka's CheckpointFile.write(entries, sync)). Kafka syncs every checkpoint it writes on the
// broker's schedule; pass sync = false only where Kafka does (none of these so far).
result<void> write_offset_checkpoint(const std::filesystem::path& path, std::span<const TopicPartitionOffset> entries,
                                     bool sync = true);
// not_found if the file does not exist (Kafka creates an empty one on first use, which reads as no
// entries; callers usually treat not_found the same way).
result<std::vector<TopicPartitionOffset>> read_offset_checkpoint(const std::filesystem::path& path);

result<void> write_leader_epoch_checkpoint(const std::filesystem::path& path, std::span<const EpochEntry> entries,
                                           bool sync = true);
result<std::vector<EpochEntry>> read_leader_epoch_checkpoint(const std::filesystem::path& path);

}  // namespace strata::storage
