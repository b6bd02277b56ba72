// One log segment: a .log file of batches and the three indexes over it (.index, .timeindex,
// .txnindex), after Kafka's LogSegment. Formats: docs/formats/local-log.md.
//
// Invariants:
//   - every batch in the .log has offsets >= base_offset(), in increasing order;
//   - the offset index holds (last offset of a batch, position of that batch) pairs, one at least
//     every index_interval_bytes of log; the time index holds (max timestamp so far, last offset of
//     the batch that carries it) at the same moments, plus a final entry when the segment becomes
//     inactive or closes;
//   - max_timestamp_so_far() is the largest batch max timestamp in the .log (kNoTimestamp when
//     empty), and offset_of_max_timestamp_so_far() the last offset of the first batch holding it.
//
// Not thread-safe: a segment belongs to its partition's core. flush() blocks (fdatasync); the
// partition runs it on the blocking pool through a FlushJob (partition_log.h).
#pragma once

#include <cstdint>
#include <filesystem>
#include <memory>
#include <optional>
#include <string_view>
#include <vector>

#include "base/result.h"
#include "base/types.h"
#include "record/record_batch.h"
#include "storage/log_file.h"
#include "storage/log_file_names.h"
#include "storage/offset_index.h"
#include "storage/time_index.h"
#include "storage/transaction_index.h"

namespace strata::storage {

struct SegmentOptions {
  int32_t max_index_size = kDefaultMaxIndexSize;  // segment.index.bytes
  int32_t index_interval_bytes = 4096;            // index.interval.bytes
  int64_t preallocate_bytes = 0;                  // segment.bytes when preallocate=true, else 0
  int64_t rolling_jitter_ms = 0;                  // this segment's share of segment.jitter.ms
};

// What LogSegment::should_roll needs to know about the next append (Kafka's RollParams).
struct RollParams {
  int64_t max_segment_ms = 0;     // segment.ms
  int32_t max_segment_bytes = 0;  // segment.bytes
  int64_t max_timestamp_in_messages = record::kNoTimestamp;
  Offset max_offset_in_messages;
  int32_t messages_size = 0;
  int64_t now_ms = 0;
};

// The result of LogSegment::read: where the first batch at or after the fetch offset starts, and
// the bytes to send (possibly ending inside a batch, as Kafka's fetches do).
struct SegmentRead {
  Offset batch_last_offset;  // the last offset of the first batch in the slice
  FileSlice slice;
};

// Called by recover() for every valid batch, in order, after the indexes took it: the partition
// rebuilds producer state and the transaction index from these.
class RecoveryObserver {
 public:
  virtual ~RecoveryObserver() = default;
  virtual result<void> on_batch(const record::RecordBatchView& batch, FilePosition position) = 0;
};

struct SegmentRecovery {
  int64_t valid_bytes = 0;
  int64_t truncated_bytes = 0;  // bytes after the last valid batch that were cut off
  std::optional<Error> reason;  // why the first invalid batch was rejected, when truncated_bytes > 0
};

class LogSegment {
 public:
  // Opens (or creates) the segment files <base_offset>.log/.index/.timeindex/.txnindex in `dir`,
  // with `state` suffixes (e.g. ".cleaned"). Indexes are not sanity-checked here: see
  // sanity_check(). now_ms is the segment's creation time for segment.ms rolls.
  static result<std::unique_ptr<LogSegment>> open(const std::filesystem::path& dir, Offset base_offset,
                                                  const SegmentOptions& options, int64_t now_ms,
                                                  SegmentFileState state = SegmentFileState::live);

  Offset base_offset() const { return base_offset_; }
  // Bytes of batches in the .log.
  int64_t size() const { return log_.size(); }
  const LogFile& log() const { return log_; }
  const OffsetIndex& offset_index() const { return offset_index_; }
  const TimeIndex& time_index() const { return time_index_; }
  TransactionIndex& txn_index() { return txn_index_; }
  const TransactionIndex& txn_index() const { return txn_index_; }

  int64_t max_timestamp_so_far() const { return max_timestamp_so_far_; }
  Offset offset_of_max_timestamp_so_far() const { return offset_of_max_timestamp_so_far_; }
  // LogSegment.largestTimestamp: the max timestamp, or the .log's modification time when no
  // batch has one; what retention.ms is measured against.
  int64_t largest_timestamp() const;
  // The max timestamp of the first batch, loaded on first use (what segment.ms counts from).
  result<std::optional<int64_t>> rolling_based_timestamp();

  // LogSegment.append: `batches` (validated, offsets assigned, all >= base_offset) go to the end
  // of the .log; index entries are added every index_interval_bytes. largest_offset is the last
  // offset of the batches, shallow_offset_of_max_timestamp the last offset of the batch that holds
  // largest_timestamp. Errors: offset_overflow if largest_offset does not fit a relative offset
  // (the caller should have rolled), io_error.
  result<void> append(Offset largest_offset, int64_t largest_timestamp, Offset shallow_offset_of_max_timestamp,
                      bytes_view batches);

  // LogSegment.read: the batches from the one holding start_offset, at most max_size bytes (but the
  // whole first batch when min_one_message) and not past max_position; nullopt when start_offset
  // is beyond the segment's last batch.
  result<std::optional<SegmentRead>> read(Offset start_offset, int32_t max_size, int64_t max_position,
                                          bool min_one_message);

  // LogSegment.findOffsetByTimestamp: the first record with timestamp >= target and offset >=
  // starting_offset.
  result<std::optional<TimestampAndOffset>> find_offset_by_timestamp(int64_t target, Offset starting_offset);

  // LogSegment.recover: rebuilds the offset and time indexes (and, through `observer`, producer
  // state and the transaction index) from the .log, checking every batch (framing, magic, size
  // against max_batch_size, CRC), and truncates the .log at the first invalid batch.
  result<SegmentRecovery> recover(int32_t max_batch_size, RecoveryObserver* observer);

  // Kafka's sanity checks of the offset, time and transaction indexes (corrupt_index -> recover()).
  result<void> sanity_check() const;

  // LogSegment.truncateTo: removes every batch whose offsets are all >= offset... precisely: cuts
  // the .log at the batch holding `offset` (Kafka truncates at batch boundaries), and the indexes
  // at `offset`. Returns the bytes removed from the .log.
  result<int64_t> truncate_to(Offset offset);

  // LogSegment.readNextOffset: the offset after the last batch (base_offset when empty).
  result<Offset> read_next_offset();

  // Kafka's LogSegment.shouldRoll.
  result<bool> should_roll(const RollParams& params);

  // Grows (or shrinks) both indexes' preallocated files to max_index_size (the active segment's
  // indexes after recovery trimmed them; Kafka: LogSegment.resizeIndexes).
  result<void> resize_indexes(int32_t max_index_size);

  // When the segment stops being the active one (a roll): the final time index entry, indexes and
  // a preallocated .log trimmed to their data.
  result<void> on_become_inactive();

  // fdatasync of the .log and the indexes.
  result<void> flush();
  // Duplicates the descriptors flush() syncs, for a flush job running off the owning core.
  result<std::vector<UniqueFd>> dup_descriptors_for_flush() const;
  // Trims and closes every file (clean shutdown).
  result<void> close();

  // Renames every file of the segment from its current state suffix to `state` (".deleted" when
  // retention removes it, live when a cleaned segment is swapped in).
  result<void> change_state(SegmentFileState state);
  // Deletes every file; the segment is unusable afterwards.
  result<void> delete_files();

  bool has_time_index_file_on_open() const { return time_index_existed_; }
  bool has_offset_index_file_on_open() const { return offset_index_existed_; }

 private:
  LogSegment(Offset base_offset, SegmentOptions options, std::filesystem::path dir, SegmentFileState state, LogFile log,
             OffsetIndex offset_index, TimeIndex time_index, TransactionIndex txn_index, int64_t now_ms);
  // Sets max_timestamp_so_far_ from the time index's last entry (Kafka's lazy load).
  void load_largest_timestamp();

  Offset base_offset_;
  SegmentOptions options_;
  std::filesystem::path dir_;
  SegmentFileState state_;
  LogFile log_;
  OffsetIndex offset_index_;
  TimeIndex time_index_;
  TransactionIndex txn_index_;
  int64_t created_ms_;
  bool offset_index_existed_ = true;
  bool time_index_existed_ = true;
  // Bytes appended since the last index entry.
  int64_t bytes_since_last_index_entry_ = 0;
  int64_t max_timestamp_so_far_ = record::kNoTimestamp;
  Offset offset_of_max_timestamp_so_far_;
  // The first batch's max timestamp: unknown until loaded, then nullopt for an empty segment.
  bool rolling_based_timestamp_loaded_ = false;
  std::optional<int64_t> rolling_based_timestamp_;
};

}  // namespace strata::storage
