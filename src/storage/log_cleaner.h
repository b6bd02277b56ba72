// Log compaction (cleanup.policy=compact, or compact,delete), after Kafka's LogCleaner / Cleaner:
// keep the latest record of every key, with its offset, and drop the rest; keep tombstones (null
// values) for delete.retention.ms after they were first cleaned (KIP-534's delete horizon, stored
// in the batch); drop the records of aborted transactions, and transaction markers once their
// delete horizon has passed and their transaction keeps no records. Format facts:
// docs/formats/local-log.md, "Compaction".
//
// Which part of a log is cleaned (Kafka's LogCleanerManager):
//   [log start ...... first dirty offset ........ first uncleanable offset ...... log end)
//    cleaned before   dirty: the offset map is     the active segment, the LSO, or the first
//                     built from these records     segment younger than min.compaction.lag.ms
// A log is cleaned when dirty bytes / (dirty + clean bytes) >= min.cleanable.dirty.ratio, or when
// its oldest dirty record is older than max.compaction.lag.ms. The first dirty offset is kept in
// the log dir's cleaner-offset-checkpoint.
//
// Threading (ARCHITECTURE §3.4): the owner calls PartitionLog::prepare_cleaning (cheap: picks the
// range, takes the files); CleaningJob::run reads only closed segments (immutable) through their
// shared handles and writes new *.cleaned segments, so it runs on a background thread with its I/O
// bounded by a Throttler; the owner calls PartitionLog::complete_cleaning to swap the cleaned
// segments in (renames *.cleaned -> *.swap -> live, the replaced ones to *.deleted), or to
// discard them when retention removed a source segment meanwhile.
#pragma once

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <memory>
#include <optional>
#include <string>
#include <unordered_map>
#include <vector>

#include "base/result.h"
#include "base/types.h"
#include "storage/log_file.h"
#include "storage/log_segment.h"
#include "storage/transaction_index.h"

namespace strata::storage {

struct CleanerConfig {
  // log.cleaner.dedupe.buffer.size: the memory for the key -> offset map of one cleaning.
  int64_t dedupe_buffer_bytes = 128LL * 1024 * 1024;
  // log.cleaner.io.max.bytes.per.second: read + write bytes per second (kNever = unbounded).
  double io_max_bytes_per_second = 1.7976931348623157e308;
};

// Bounds the cleaner's I/O rate (Kafka's Throttler): after each chunk, sleeps until the bytes done
// so far fit the rate.
class Throttler {
 public:
  explicit Throttler(double bytes_per_second) : rate_(bytes_per_second), start_(std::chrono::steady_clock::now()) {}
  void maybe_throttle(int64_t bytes);
  std::chrono::nanoseconds slept() const { return slept_; }

 private:
  double rate_;
  std::chrono::steady_clock::time_point start_;
  int64_t bytes_ = 0;
  std::chrono::nanoseconds slept_{0};
};

struct CleanerStats {
  int64_t bytes_read = 0;
  int64_t bytes_written = 0;
  int64_t records_read = 0;
  int64_t records_retained = 0;
  int64_t tombstones_removed = 0;
  int64_t aborted_records_removed = 0;
  int segments_cleaned = 0;   // source segments replaced
  int segments_written = 0;   // cleaned segments swapped in
  Offset first_dirty_offset;  // where this cleaning's dirty section started
  Offset end_offset;          // the new first dirty offset: everything below is clean
  double dirty_ratio = 0;
};

// One closed segment, as the job reads it.
struct CleanerSource {
  Offset base_offset;
  Offset next_offset;  // the next segment's base: every offset of this one is below it
  LogFileView log;
};

class CleaningJob {
 public:
  // Builds the offset map over the dirty sources, then writes the cleaned segments into the
  // partition directory as *.cleaned files. Errors leave no cleaned file behind.
  result<void> run(Throttler& throttler);

  const CleanerStats& stats() const { return stats_; }

 private:
  friend class PartitionLog;
  struct OutputGroup {
    std::vector<size_t> sources;  // indexes into sources_
    std::unique_ptr<LogSegment> cleaned;
  };
  result<void> build_offset_map(Throttler& throttler);
  result<void> clean_group(OutputGroup& group, Throttler& throttler);
  void discard_outputs();

  std::filesystem::path dir_;
  SegmentOptions segment_options_;
  int32_t segment_bytes_ = 0;
  // Every aborted transaction of the log (a marker may sit in a later segment than its data).
  std::vector<AbortedTxn> aborted_;
  int64_t delete_retention_ms_ = 0;
  int64_t now_ms_ = 0;
  CleanerConfig config_;
  std::vector<CleanerSource> sources_;  // oldest first; the dirty ones from first_dirty_source_
  size_t first_dirty_source_ = 0;
  std::vector<OutputGroup> groups_;
  // Key -> offset of its latest record in the dirty section (Kafka's SkimpyOffsetMap, exact here).
  std::unordered_map<std::string, int64_t> offset_map_;
  CleanerStats stats_;
  bool ran_ = false;
};

}  // namespace strata::storage
