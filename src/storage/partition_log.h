// The log of one partition: its segments in <log.dir>/<topic>-<partition>/, after Kafka's
// UnifiedLog + LocalLog + LogLoader. It appends validated batches at the log end, serves reads and
// ListOffsets lookups, rolls segments, recovers after a crash, and applies retention and
// DeleteRecords. Formats: docs/formats/local-log.md.
//
// Offsets (all Kafka's):
//   log_start_offset <= first segment's base offset ... <= high_watermark <= log_end_offset
// On one node every appended record is committed at once, so the high watermark is the log end.
// The recovery point is the offset below which everything is known flushed: recovery after an
// unclean shutdown re-validates only the segments from the one holding it.
//
// Threading (ARCHITECTURE §3.4): a PartitionLog belongs to one core and is touched only there.
// The one blocking step that must run elsewhere, fsync, goes through prepare_flush() (on the
// owner) -> FlushJob::run() (on the blocking pool) -> complete_flush() (on the owner).
#pragma once

#include <cstdint>
#include <filesystem>
#include <map>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "base/clock.h"
#include "base/result.h"
#include "base/types.h"
#include "record/validation.h"
#include "storage/checkpoint_file.h"
#include "storage/file_io.h"
#include "storage/log_cleaner.h"
#include "storage/log_config.h"
#include "storage/log_segment.h"
#include "storage/producer_state_manager.h"
#include "storage/topic_name.h"

namespace strata::storage {

// ListOffsets' special timestamps (ListOffsetsRequest.*_TIMESTAMP).
inline constexpr int64_t kLatestTimestamp = -1;
inline constexpr int64_t kEarliestTimestamp = -2;
inline constexpr int64_t kMaxTimestamp = -3;
inline constexpr int64_t kEarliestLocalTimestamp = -4;

// Which records a read may return (Kafka's FetchIsolation).
enum class FetchIsolation { log_end, high_watermark, txn_committed };

struct PartitionLogOptions {
  std::filesystem::path dir;  // <log.dir>/<topic>-<partition>
  TopicPartition topic_partition;
  LogConfig config;
  // From the log dir's checkpoints (LogManager); kNoOffset when the partition is not listed.
  Offset recovery_point{0};
  Offset log_start_offset{0};
  // Whether the log dir was shut down cleanly (the .kafka_cleanshutdown marker was present): then
  // the segments are trusted and only indexes that fail their sanity check are rebuilt.
  bool had_clean_shutdown = false;
  Clock* clock = &system_clock();
};

// What happened to an append (Kafka's LogAppendInfo, reduced to what the produce path answers).
struct AppendResult {
  Offset first_offset;
  Offset last_offset;
  int64_t log_append_time = record::kNoTimestamp;  // kNoTimestamp unless LogAppendTime
  Offset log_start_offset;
  int32_t record_count = 0;
  int64_t appended_bytes = 0;
  // The batch repeated one of its idempotent producer's last five: nothing was appended and the
  // offsets are the original batch's (Kafka answers the retry with success).
  bool duplicate = false;
  // flush.messages was reached: the caller should flush (prepare_flush/run/complete_flush) before
  // it acknowledges, as Kafka flushes inside the append.
  bool flush_needed = false;
};

// The result of a read (Kafka's FetchDataInfo).
struct FetchDataInfo {
  Offset fetch_offset;
  // The bytes to send, possibly ending inside a batch; empty when there is nothing to return.
  std::optional<FileSlice> records;
  std::filesystem::path segment_path;  // for error messages
  // The aborted transactions overlapping the read (READ_COMMITTED only).
  std::vector<AbortedTxn> aborted_transactions;
};

// The outcome of recovery, for the log line at startup and for tests.
struct RecoveryReport {
  int segments_recovered = 0;
  int indexes_rebuilt = 0;
  int64_t bytes_truncated = 0;
  int segments_deleted_after_corruption = 0;
  std::vector<std::string> messages;  // one per action, naming the file and what was truncated
};

// An fsync of the files behind [recovery point, up_to) that runs off the owning core.
class FlushJob {
 public:
  // fdatasync of every descriptor, then the partition directory when segments were created.
  result<void> run() const;
  Offset up_to() const { return up_to_; }

 private:
  friend class PartitionLog;
  Offset up_to_;
  std::vector<UniqueFd> files_;
  std::optional<std::filesystem::path> dir_to_sync_;
  uint64_t generation_ = 0;
};

class PartitionLog {
 public:
  // Loads the partition directory, creating it when missing, and recovers it (see RecoveryReport).
  static result<std::unique_ptr<PartitionLog>> open(PartitionLogOptions options);
  ~PartitionLog();

  const TopicPartition& topic_partition() const { return options_.topic_partition; }
  const std::filesystem::path& dir() const { return options_.dir; }
  const LogConfig& config() const { return options_.config; }
  const RecoveryReport& recovery_report() const { return recovery_; }

  Offset log_start_offset() const { return log_start_offset_; }
  Offset log_end_offset() const { return log_end_offset_; }
  Offset high_watermark() const { return log_end_offset_; }
  // The first offset of the earliest open transaction, or the high watermark (READ_COMMITTED's bound).
  Offset last_stable_offset() const;
  Offset recovery_point() const { return recovery_point_; }
  int64_t size_in_bytes() const;
  size_t segment_count() const { return segments_.size(); }
  // Base offsets of the segments, oldest first.
  std::vector<Offset> segment_base_offsets() const;
  const LogSegment& active_segment() const { return *segments_.rbegin()->second; }
  const ProducerStateManager& producer_state() const { return *producer_state_; }
  // Offsets appended since the last completed flush.
  int64_t unflushed_messages() const { return log_end_offset_.value() - recovery_point_.value(); }

  // Changes the topic config (AlterConfigs); takes effect at the next append or roll.
  void update_config(const LogConfig& config) { options_.config = config; }

  // UnifiedLog.appendAsLeader for one batch (a Produce partition's records after
  // record::check_produce_records): validates it against the topic config, assigns offsets from the
  // log end, stamps `leader_epoch`, rolls if needed and appends. The bytes in `batch` may be
  // rewritten in place. Errors: the record module's (validation), batch_larger_than_segment,
  // io_error.
  result<AppendResult> append_as_leader(std::span<std::byte> batch, LeaderEpoch leader_epoch,
                                        record::AppendOrigin origin = record::AppendOrigin::client,
                                        std::vector<record::RecordError>* record_errors = nullptr);

  // UnifiedLog.read: batches from the one holding `fetch_offset`, at most max_bytes (the whole first
  // batch when min_one_message), from one segment, up to the isolation's bound. offset_out_of_range
  // outside [log start, log end].
  result<FetchDataInfo> read(Offset fetch_offset, int32_t max_bytes, FetchIsolation isolation, bool min_one_message);

  // ListOffsets: the special timestamps (kLatestTimestamp, kEarliestTimestamp, kMaxTimestamp,
  // kEarliestLocalTimestamp) or the first record with timestamp >= target; nullopt when none.
  result<std::optional<TimestampAndOffset>> fetch_offset_by_timestamp(int64_t target);

  // OffsetForLeaderEpoch (Kafka's LeaderEpochFileCache.endOffsetFor): the largest known epoch <=
  // `epoch` and the start offset of the first epoch above it — the log end for the latest epoch;
  // for an epoch below every known one, `epoch` and the first epoch's start. nullopt when `epoch`
  // is undefined (-1) or above every known epoch.
  std::optional<EpochEntry> end_offset_for_epoch(LeaderEpoch epoch) const;

  // Starts a new active segment at the log end (Kafka: UnifiedLog.roll).
  result<void> roll();

  // DeleteRecords: moves the log start offset up to `new_log_start` (<= high watermark, else
  // offset_out_of_range) and deletes the segments wholly below it. Returns the log start offset.
  result<Offset> delete_records_before(Offset new_log_start);

  // Retention (UnifiedLog.deleteOldSegments): segments past retention.ms, then over
  // retention.bytes, then below the log start offset, oldest first, never the data above the high
  // watermark. Deleted segments are renamed *.deleted and removed file.delete.delay.ms later (see
  // delete_expired_files). Returns how many segments were deleted.
  result<int> delete_old_segments();
  // Removes the *.deleted files whose delay has passed (all of them when `all`).
  result<int> delete_expired_files(bool all = false);
  size_t pending_file_deletions() const { return pending_deletes_.size(); }

  // Compaction (log_cleaner.h). A job for the cleanable range, with the dirty section from
  // first_dirty (the cleaner checkpoint; clamped to the log), or nullopt when the log is not
  // compacted, has no dirty closed segment, or is below min.cleanable.dirty.ratio and within
  // max.compaction.lag.ms (unless `force`).
  result<std::optional<CleaningJob>> prepare_cleaning(Offset first_dirty, const CleanerConfig& config,
                                                      bool force = false);
  // Swaps the job's cleaned segments in (or discards them after a failed run, or when retention
  // removed a source meanwhile: then StorageErrc::log_closed... see the message). Returns the stats;
  // stats.end_offset is the new first dirty offset.
  result<CleanerStats> complete_cleaning(CleaningJob& job, const result<void>& outcome);
  // prepare + run + complete on this thread (tests, tools).
  result<std::optional<CleanerStats>> clean(Offset first_dirty, const CleanerConfig& config, bool force = false);

  // Flushing. flush_due(): flush.ms has passed since the last flush with data unflushed.
  bool flush_due() const;
  // A job covering the segments in [recovery point, up_to) — nullopt when nothing is unflushed.
  result<std::optional<FlushJob>> prepare_flush(Offset up_to);
  // Records the job's success (moves the recovery point); a failed job changes nothing.
  void complete_flush(const FlushJob& job, const result<void>& outcome);
  // prepare + run + complete on this thread, up to the log end (tests, shutdown, tools).
  result<void> flush();

  // Removes every batch with offset >= `offset` (Kafka: UnifiedLog.truncateTo); for tools and
  // replication, never the produce path.
  result<void> truncate_to(Offset offset);

  // Clean shutdown: flush, final index entries, trimmed files.
  result<void> close();
  // Deletes the partition's directory with everything in it (DeleteTopics). The log is closed.
  result<void> delete_log();

 private:
  explicit PartitionLog(PartitionLogOptions options) : options_(std::move(options)) {}

  SegmentOptions segment_options(bool for_active) const;
  result<void> load();
  result<void> remove_temp_files_and_collect_swaps();
  result<void> load_segments();
  result<void> recover_unflushed();
  // Brings producer_state_ to `up_to` (Kafka's UnifiedLog.rebuildProducerState): reload the latest
  // snapshot at or below it and replay the batches after it.
  // Returns whether any batch was replayed.
  result<bool> rebuild_producer_state(ProducerStateManager& state, Offset up_to);
  // Recovers one segment with its producer state rebuilt up to its base offset, so that the
  // transaction index is rebuilt too.
  result<SegmentRecovery> recover_segment(LogSegment& segment, ProducerStateManager& state);
  result<LogSegment*> maybe_roll(int32_t messages_size, Offset first_offset, Offset last_offset, int64_t max_timestamp);
  result<void> roll_at(Offset new_offset);
  // Kafka's truncateFullyAndStartAt: every segment deleted, one empty segment at `offset`, which
  // becomes the log start and end (producer state is the caller's).
  result<void> truncate_fully_and_start_at(Offset offset);
  LogSegment* segment_for(Offset offset) const;  // the segment whose base is the largest <= offset
  result<void> delete_segments(std::vector<Offset> base_offsets, const char* reason);
  result<void> assign_leader_epoch(LeaderEpoch epoch, Offset start_offset);
  result<std::optional<TimestampAndOffset>> max_timestamp_lookup();
  result<std::vector<AbortedTxn>> collect_aborted(Offset start, Offset upper_bound) const;
  std::filesystem::path leader_epoch_checkpoint_path() const;

  PartitionLogOptions options_;
  // Invariant: never empty once open() returned; keys are base offsets, the last is active.
  std::map<Offset, std::unique_ptr<LogSegment>> segments_;
  Offset log_start_offset_{0};
  Offset log_end_offset_{0};
  Offset recovery_point_{0};
  int64_t last_flush_ms_ = 0;
  // Segments created so far, and how many of those a completed flush had synced the directory
  // entry of: a flush syncs the directory when they differ.
  uint64_t creation_generation_ = 0;
  uint64_t synced_generation_ = 0;
  bool closed_ = false;
  std::vector<EpochEntry> epochs_;                      // leader-epoch-checkpoint, ascending
  std::optional<ProducerStateManager> producer_state_;  // set by load()
  struct PendingDelete {
    int64_t due_ms;
    std::unique_ptr<LogSegment> segment;
    std::optional<std::filesystem::path> snapshot;  // its producer snapshot, renamed *.deleted
  };
  std::vector<PendingDelete> pending_deletes_;
  RecoveryReport recovery_;
};

}  // namespace strata::storage
