// Kafka's names for the files and directories of a log directory (LogFileUtils, LocalLog,
// LogManager, ReplicaManager, LogCleanerManager). Format page: docs/formats/local-log.md, "Layout".
//
//   <log.dir>/
//     recovery-point-offset-checkpoint  log-start-offset-checkpoint
//     replication-offset-checkpoint     cleaner-offset-checkpoint
//     <topic>-<partition>/
//       00000000000000000000.log  .index  .timeindex  .txnindex  .snapshot
//       leader-epoch-checkpoint   partition.metadata
//     <topic>-<partition>.<32 hex>-delete/     (being deleted; also -future, -stray)
//
// Segment files are named by their base offset as 20 decimal digits, zero-padded, so that `ls`
// sorts them numerically; a state suffix (.deleted, .cleaned, .swap) may follow the type suffix.
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "base/result.h"
#include "base/types.h"
#include "storage/topic_name.h"

namespace strata::storage {

// --- Segment files (LogFileUtils) --------------------------------------------------------------

inline constexpr int kFilenameOffsetDigits = 20;  // LogFileUtils.filenamePrefixFromOffset

inline constexpr std::string_view kLogFileSuffix = ".log";
inline constexpr std::string_view kIndexFileSuffix = ".index";
inline constexpr std::string_view kTimeIndexFileSuffix = ".timeindex";
inline constexpr std::string_view kTxnIndexFileSuffix = ".txnindex";
inline constexpr std::string_view kProducerSnapshotFileSuffix = ".snapshot";

// State suffixes, appended after the type suffix ("00000000000000000000.log.deleted").
inline constexpr std::string_view kDeletedFileSuffix = ".deleted";  // scheduled for deletion
inline constexpr std::string_view kCleanedFileSuffix = ".cleaned";  // written by the cleaner, not yet swapped in
inline constexpr std::string_view kSwapFileSuffix = ".swap";        // cleaned, being swapped in

enum class SegmentFileType { log, offset_index, time_index, txn_index, producer_snapshot };
enum class SegmentFileState { live, deleted, cleaned, swap };

std::string_view file_suffix(SegmentFileType type);
std::string_view file_suffix(SegmentFileState state);  // "" for live

// filenamePrefixFromOffset: the offset in decimal, zero-padded to 20 digits ("00000000000000000042").
// Java's NumberFormat puts the sign before the padding, so -1 is "-00000000000000000001"; base
// offsets are never negative, but the formatter agrees with Kafka for every int64.
std::string filename_prefix_from_offset(Offset offset);

// "<20 digits><type suffix><state suffix>", e.g. segment_file_name(Offset{42}, log) ==
// "00000000000000000042.log".
std::string segment_file_name(Offset base_offset, SegmentFileType type,
                              SegmentFileState state = SegmentFileState::live);

struct SegmentFileName {
  Offset base_offset;
  SegmentFileType type = SegmentFileType::log;
  SegmentFileState state = SegmentFileState::live;
  friend bool operator==(const SegmentFileName&, const SegmentFileName&) = default;
};

// Recognises a segment file name. Like Kafka (LogFileUtils.offsetFromFileName: the text before the
// first '.' through Long.parseLong) the offset need not be 20 digits; unlike Kafka a negative
// offset is rejected. Anything else is StorageErrc::invalid_file_name.
result<SegmentFileName> parse_segment_file_name(std::string_view name);

// --- Files of a log directory and of a partition directory --------------------------------------

// Per log directory: LogManager's recovery points and log start offsets, ReplicaManager's high
// watermarks, LogCleanerManager's cleaned-up-to offsets (all offset checkpoints).
inline constexpr std::string_view kRecoveryPointCheckpointFile = "recovery-point-offset-checkpoint";
inline constexpr std::string_view kLogStartOffsetCheckpointFile = "log-start-offset-checkpoint";
inline constexpr std::string_view kReplicationOffsetCheckpointFile = "replication-offset-checkpoint";
inline constexpr std::string_view kCleanerOffsetCheckpointFile = "cleaner-offset-checkpoint";
// Per partition directory.
inline constexpr std::string_view kLeaderEpochCheckpointFile = "leader-epoch-checkpoint";
inline constexpr std::string_view kPartitionMetadataFile = "partition.metadata";
// Kafka's clean-shutdown marker in each log dir (CleanShutdownFileHandler); used by recovery, later.
inline constexpr std::string_view kCleanShutdownFile = ".kafka_cleanshutdown";
// The temporary file of an atomic checkpoint write (CheckpointFile: "<file>.tmp").
inline constexpr std::string_view kTempFileSuffix = ".tmp";

// --- Partition directories (LocalLog) ------------------------------------------------------------

inline constexpr std::string_view kDeleteDirSuffix = "-delete";  // renamed for asynchronous deletion
inline constexpr std::string_view kFutureDirSuffix = "-future";  // a replica moving between log dirs
inline constexpr std::string_view kStrayDirSuffix = "-stray";    // a partition the controller no longer assigns here
inline constexpr size_t kMaxDirNameLength = 255;                 // the cap of logDirNameWithSuffixCappedLength
inline constexpr size_t kUniqueDirIdLength = 32;                 // UUID.randomUUID() without its dashes

enum class LogDirKind { live, deleted, future, stray };

// "<topic>-<partition>" (LocalLog.logDirName).
std::string log_dir_name(const TopicPartition& tp);

// "<topic>-<partition>.<unique_id>-delete" (LocalLog.logDeleteDirName), and -stray likewise; the
// topic is cut so that the whole name is at most 255 bytes (the rest of the name is never cut).
// Kafka's unique id is a random UUID's 32 hex digits; pass one from random_unique_dir_id().
std::string log_delete_dir_name(const TopicPartition& tp, std::string_view unique_id);
std::string log_stray_dir_name(const TopicPartition& tp, std::string_view unique_id);
// "<topic>-<partition>.<unique_id>-future" (LocalLog.logFutureDirName): never cut.
std::string log_future_dir_name(const TopicPartition& tp, std::string_view unique_id);

// 32 lowercase hex digits of a random version-4 UUID, as java.util.UUID.randomUUID() without dashes.
std::string random_unique_dir_id();

struct LogDirName {
  TopicPartition topic_partition;
  LogDirKind kind = LogDirKind::live;
  std::string unique_id;  // empty for live directories
  friend bool operator==(const LogDirName&, const LogDirName&) = default;
};

// LocalLog.parseTopicPartitionName: the topic is everything before the last '-' (topics may hold
// '-' and '.'), the partition a Java int after it; a -delete/-future/-stray name must match
// "^(\S+)-(\S+)\.(\S+)<suffix>$" and its unique id is what follows the last '.'. The topic is not
// validated, as in Kafka. Anything else is StorageErrc::invalid_file_name with Kafka's message.
result<LogDirName> parse_log_dir_name(std::string_view dir_name);

}  // namespace strata::storage
