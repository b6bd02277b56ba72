// PartitionLog's side of compaction: choosing the cleanable range and swapping the cleaned
// segments in (Kafka's LogCleanerManager.cleanableOffsets / LogToClean and Cleaner.replaceSegments).
// The cleaning itself is log_cleaner.cpp.
#include <fmt/format.h>

#include "storage/partition_log.h"
#include "storage/storage_error.h"

namespace strata::storage {

result<std::optional<CleaningJob>> PartitionLog::prepare_cleaning(Offset first_dirty, const CleanerConfig& config,
                                                                  bool force) {
  using Job = std::optional<CleaningJob>;
  if (closed_) return Error(StorageErrc::log_closed, fmt::format("{} is closed", dir().string()));
  const LogConfig& c = options_.config;
  if (!c.cleanup_compact) return Job{};
  const int64_t now = options_.clock->now_wall_ms();
  first_dirty = std::clamp(first_dirty, log_start_offset_, log_end_offset_);

  // The first uncleanable offset: the active segment, the LSO, and segments inside the minimum
  // compaction lag; rounded down to a segment boundary (only whole closed segments are cleaned).
  Offset uncleanable = std::min(segments_.rbegin()->first, last_stable_offset());
  for (auto it = segments_.begin(); it != segments_.end(); ++it) {
    auto next = std::next(it);
    const Offset end = next == segments_.end() ? log_end_offset_ : next->first;
    if (end <= first_dirty) continue;
    if (c.min_compaction_lag_ms > 0 && it->second->largest_timestamp() > now - c.min_compaction_lag_ms) {
      uncleanable = std::min(uncleanable, it->first);
      break;
    }
  }
  CleaningJob job;
  int64_t clean_bytes = 0;
  int64_t dirty_bytes = 0;
  std::optional<int64_t> first_dirty_timestamp;
  bool seen_dirty = false;
  for (auto it = segments_.begin(); it != segments_.end(); ++it) {
    auto next = std::next(it);
    if (next == segments_.end() || next->first > uncleanable) break;
    const bool dirty = next->first > first_dirty;
    if (dirty && !seen_dirty) {
      job.first_dirty_source_ = job.sources_.size();
      seen_dirty = true;
    }
    job.sources_.push_back(CleanerSource{it->first, next->first, it->second->log().view()});
    if (dirty) {
      dirty_bytes += it->second->size();
      if (!first_dirty_timestamp) {
        STRATA_TRY_ASSIGN(std::optional<int64_t> ts, it->second->rolling_based_timestamp());
        first_dirty_timestamp = ts.value_or(it->second->largest_timestamp());
      }
    } else {
      clean_bytes += it->second->size();
    }
  }
  if (dirty_bytes == 0) return Job{};
  const double ratio = static_cast<double>(dirty_bytes) / static_cast<double>(dirty_bytes + clean_bytes);
  const bool lag_exceeded = c.max_compaction_lag_ms != kNever && first_dirty_timestamp &&
                            now - *first_dirty_timestamp > c.max_compaction_lag_ms;
  if (!force && ratio < c.min_cleanable_dirty_ratio && !lag_exceeded) return Job{};

  for (const auto& [base, segment] : segments_) {
    STRATA_TRY_ASSIGN(std::vector<AbortedTxn> txns, segment->txn_index().all_aborted_txns());
    job.aborted_.insert(job.aborted_.end(), txns.begin(), txns.end());
  }
  job.dir_ = dir();
  job.segment_options_ = segment_options(false);
  job.segment_bytes_ = c.segment_bytes;
  job.delete_retention_ms_ = c.delete_retention_ms;
  job.now_ms_ = now;
  job.config_ = config;
  job.stats_.first_dirty_offset = first_dirty;
  job.stats_.dirty_ratio = ratio;
  return Job(std::move(job));
}

result<CleanerStats> PartitionLog::complete_cleaning(CleaningJob& job, const result<void>& outcome) {
  if (!outcome) {
    job.discard_outputs();
    return outcome.error();
  }
  // Retention or a truncation may have removed a source while the job ran: then nothing changes.
  for (const CleaningJob::OutputGroup& group : job.groups_) {
    for (size_t index : group.sources) {
      const Offset base = job.sources_[index].base_offset;
      if (closed_ || segments_.count(base) == 0 || base == segments_.rbegin()->first) {
        job.discard_outputs();
        return Error(StorageErrc::log_closed,
                     fmt::format("{}: segment {} changed while it was being cleaned; the cleaning was discarded",
                                 dir().string(), base.value()));
      }
    }
  }
  const int64_t due = options_.clock->now_wall_ms() + options_.config.file_delete_delay_ms;
  CleanerStats stats = job.stats_;
  for (CleaningJob::OutputGroup& group : job.groups_) {
    // Kafka's replaceSegments: the new segment becomes .swap, the old ones .deleted, then the swap
    // goes live; a crash at any point is completed by the loader (log_loader.cpp).
    STRATA_TRY(group.cleaned->change_state(SegmentFileState::swap));
    for (size_t index : group.sources) {
      const Offset base = job.sources_[index].base_offset;
      auto node = segments_.extract(base);
      STRATA_TRY(node.mapped()->change_state(SegmentFileState::deleted));
      pending_deletes_.push_back(PendingDelete{due, std::move(node.mapped()), std::nullopt});
      stats.segments_cleaned++;
    }
    STRATA_TRY(group.cleaned->change_state(SegmentFileState::live));
    const Offset base = group.cleaned->base_offset();
    segments_.emplace(base, std::move(group.cleaned));
    stats.segments_written++;
  }
  return stats;
}

result<std::optional<CleanerStats>> PartitionLog::clean(Offset first_dirty, const CleanerConfig& config, bool force) {
  STRATA_TRY_ASSIGN(std::optional<CleaningJob> job, prepare_cleaning(first_dirty, config, force));
  if (!job) return std::optional<CleanerStats>{};
  Throttler throttler(config.io_max_bytes_per_second);
  result<void> ran = job->run(throttler);
  STRATA_TRY_ASSIGN(CleanerStats stats, complete_cleaning(*job, ran));
  return std::optional<CleanerStats>(stats);
}

}  // namespace strata::storage
