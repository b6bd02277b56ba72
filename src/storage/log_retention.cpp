// Retention and deletion of a partition's segments, after Kafka's UnifiedLog.deleteOldSegments:
// retention.ms (segment age by its largest timestamp), retention.bytes (total size), and the log
// start offset (DeleteRecords). A deleted segment is renamed *.deleted at once, so a restart never
// loads it again, and its files are removed file.delete.delay.ms later, so that reads that already
// hold its slices finish (they keep the inode open in any case).
#include <fmt/format.h>

#include "storage/partition_log.h"
#include "storage/storage_error.h"

namespace strata::storage {

result<int> PartitionLog::delete_old_segments() {
  if (closed_) return Error(StorageErrc::log_closed, fmt::format("{} is closed", dir().string()));
  const LogConfig& c = options_.config;
  const int64_t now = options_.clock->now_wall_ms();
  // Kafka's deletableSegments: the longest prefix of segments that pass `predicate`, never a
  // segment with data above the high watermark, never an empty active segment.
  auto deletable = [&](auto&& predicate) {
    std::vector<Offset> out;
    for (auto it = segments_.begin(); it != segments_.end(); ++it) {
      auto next = std::next(it);
      const bool last = next == segments_.end();
      const Offset upper = last ? log_end_offset_ : next->first;
      if (last && it->second->size() == 0) break;
      if (high_watermark() < upper || !predicate(*it->second, last ? nullptr : next->second.get())) break;
      out.push_back(it->first);
    }
    return out;
  };
  int deleted = 0;
  if (c.cleanup_delete && c.retention_ms >= 0) {
    auto doomed =
        deletable([&](const LogSegment& s, const LogSegment*) { return now - s.largest_timestamp() > c.retention_ms; });
    deleted += static_cast<int>(doomed.size());
    STRATA_TRY(delete_segments(std::move(doomed), "retention.ms"));
  }
  if (c.cleanup_delete && c.retention_bytes >= 0 && size_in_bytes() > c.retention_bytes) {
    int64_t excess = size_in_bytes() - c.retention_bytes;
    auto doomed = deletable([&](const LogSegment& s, const LogSegment*) {
      if (excess - s.size() < 0) return false;
      excess -= s.size();
      return true;
    });
    deleted += static_cast<int>(doomed.size());
    STRATA_TRY(delete_segments(std::move(doomed), "retention.bytes"));
  }
  {
    auto doomed = deletable([&](const LogSegment&, const LogSegment* next) {
      return next != nullptr && next->base_offset() <= log_start_offset_;
    });
    deleted += static_cast<int>(doomed.size());
    STRATA_TRY(delete_segments(std::move(doomed), "the log start offset"));
  }
  return deleted;
}

result<void> PartitionLog::delete_segments(std::vector<Offset> base_offsets, const char* /*reason*/) {
  if (base_offsets.empty()) return success();
  // Deleting every segment: roll first so that the log keeps an active segment at its end.
  if (base_offsets.size() == segments_.size()) STRATA_TRY(roll());
  const int64_t due = options_.clock->now_wall_ms() + options_.config.file_delete_delay_ms;
  for (Offset base : base_offsets) {
    auto it = segments_.find(base);
    if (it == segments_.end()) continue;
    std::unique_ptr<LogSegment> segment = std::move(it->second);
    segments_.erase(it);
    STRATA_TRY(segment->change_state(SegmentFileState::deleted));
    STRATA_TRY_ASSIGN(std::optional<SnapshotFile> snapshot,
                      producer_state_->remove_and_mark_snapshot_for_deletion(base));
    pending_deletes_.push_back(
        PendingDelete{due, std::move(segment), snapshot ? std::optional(snapshot->path) : std::nullopt});
  }
  log_start_offset_ = std::max(log_start_offset_, segments_.begin()->first);
  producer_state_->on_log_start_offset_incremented(log_start_offset_);
  return success();
}

result<int> PartitionLog::delete_expired_files(bool all) {
  const int64_t now = options_.clock->now_wall_ms();
  int removed = 0;
  for (auto it = pending_deletes_.begin(); it != pending_deletes_.end();) {
    if (!all && it->due_ms > now) {
      ++it;
      continue;
    }
    STRATA_TRY(it->segment->delete_files());
    if (it->snapshot) {
      std::error_code ec;
      std::filesystem::remove(*it->snapshot, ec);
    }
    it = pending_deletes_.erase(it);
    ++removed;
  }
  return removed;
}

result<Offset> PartitionLog::delete_records_before(Offset new_log_start) {
  if (closed_) return Error(StorageErrc::log_closed, fmt::format("{} is closed", dir().string()));
  if (new_log_start > high_watermark() || new_log_start.value() < 0) {
    return Error(StorageErrc::offset_out_of_range,
                 fmt::format("Cannot increment the log start offset to {} of partition {} since it is larger than the "
                             "high watermark {}",
                             new_log_start.value(), to_string(topic_partition()), high_watermark().value()));
  }
  if (new_log_start > log_start_offset_) {
    log_start_offset_ = new_log_start;
    producer_state_->on_log_start_offset_incremented(log_start_offset_);
    auto doomed = std::vector<Offset>{};
    for (auto it = segments_.begin(); it != segments_.end(); ++it) {
      auto next = std::next(it);
      if (next == segments_.end() || next->first > log_start_offset_) break;
      doomed.push_back(it->first);
    }
    STRATA_TRY(delete_segments(std::move(doomed), "DeleteRecords"));
  }
  return log_start_offset_;
}

}  // namespace strata::storage
