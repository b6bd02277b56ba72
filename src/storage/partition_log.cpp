#include "storage/partition_log.h"

#include <unistd.h>

#include <fmt/format.h>
#include <algorithm>
#include <cerrno>
#include <random>

#include "record/record.h"
#include "storage/log_file_names.h"
#include "storage/storage_error.h"

namespace strata::storage {

// --- FlushJob ----------------------------------------------------------------------------------

result<void> FlushJob::run() const {
  for (const UniqueFd& fd : files_) {
    if (::fdatasync(fd.get()) != 0) return errno_error("fdatasync", "a segment file", errno);
  }
  if (dir_to_sync_) STRATA_TRY(fsync_dir(*dir_to_sync_));
  return success();
}

// --- PartitionLog ------------------------------------------------------------------------------

PartitionLog::~PartitionLog() = default;

std::filesystem::path PartitionLog::leader_epoch_checkpoint_path() const { return dir() / kLeaderEpochCheckpointFile; }

SegmentOptions PartitionLog::segment_options(bool for_active) const {
  const LogConfig& c = options_.config;
  SegmentOptions o;
  o.max_index_size = c.segment_index_bytes;
  o.index_interval_bytes = c.index_interval_bytes;
  o.preallocate_bytes = for_active && c.preallocate ? c.segment_bytes : 0;
  // LogConfig.randomSegmentJitter: uniform in [0, min(segment.jitter.ms, segment.ms)).
  if (c.segment_jitter_ms > 0) {
    thread_local std::mt19937_64 rng{std::random_device{}()};
    const int64_t bound = std::min(c.segment_jitter_ms, c.segment_ms);
    if (bound > 0) o.rolling_jitter_ms = static_cast<int64_t>(rng() % static_cast<uint64_t>(bound));
  }
  return o;
}

Offset PartitionLog::last_stable_offset() const {
  std::optional<Offset> unstable = producer_state_->first_unstable_offset();
  if (!unstable || *unstable >= high_watermark()) return high_watermark();
  return std::max(*unstable, log_start_offset_);
}

int64_t PartitionLog::size_in_bytes() const {
  int64_t total = 0;
  for (const auto& [base, segment] : segments_) total += segment->size();
  return total;
}

std::vector<Offset> PartitionLog::segment_base_offsets() const {
  std::vector<Offset> out;
  out.reserve(segments_.size());
  for (const auto& [base, segment] : segments_) out.push_back(base);
  return out;
}

LogSegment* PartitionLog::segment_for(Offset offset) const {
  auto it = segments_.upper_bound(offset);
  if (it == segments_.begin()) return nullptr;
  return std::prev(it)->second.get();
}

result<void> PartitionLog::assign_leader_epoch(LeaderEpoch epoch, Offset start_offset) {
  if (epoch.value() < 0) return success();
  if (!epochs_.empty() && epoch <= epochs_.back().epoch) return success();
  epochs_.push_back(EpochEntry{epoch, start_offset});
  return write_leader_epoch_checkpoint(leader_epoch_checkpoint_path(), epochs_);
}

std::optional<EpochEntry> PartitionLog::end_offset_for_epoch(LeaderEpoch epoch) const {
  if (epoch.value() < 0 || epochs_.empty()) return std::nullopt;
  if (epoch == epochs_.back().epoch) return EpochEntry{epoch, log_end_offset_};
  auto higher = std::upper_bound(epochs_.begin(), epochs_.end(), epoch,
                                 [](LeaderEpoch e, const EpochEntry& entry) { return e < entry.epoch; });
  if (higher == epochs_.end()) return std::nullopt;
  const LeaderEpoch found = higher == epochs_.begin() ? epoch : std::prev(higher)->epoch;
  return EpochEntry{found, higher->start_offset};
}

result<AppendResult> PartitionLog::append_as_leader(std::span<std::byte> batch, LeaderEpoch leader_epoch,
                                                    record::AppendOrigin origin,
                                                    std::vector<record::RecordError>* record_errors) {
  if (closed_) return Error(StorageErrc::log_closed, fmt::format("{} is closed", dir().string()));
  const LogConfig& c = options_.config;
  record::AppendOptions o;
  o.next_offset = log_end_offset_;
  o.partition_leader_epoch = leader_epoch;
  o.max_message_bytes = c.max_message_bytes;
  o.timestamp_type = c.message_timestamp_type;
  o.timestamp_before_max_ms = c.message_timestamp_before_max_ms;
  o.timestamp_after_max_ms = c.message_timestamp_after_max_ms;
  o.now_ms = options_.clock->now_wall_ms();
  o.compacted = c.cleanup_compact;
  o.compression = c.compression;
  o.origin = origin;
  STRATA_TRY_ASSIGN(record::AppendInfo info, record::validate_and_assign(batch, o, record_errors));
  const bytes_view data = info.converted ? bytes_view(*info.converted) : bytes_view(batch);
  if (static_cast<int64_t>(data.size()) > c.segment_bytes) {
    return Error(StorageErrc::batch_larger_than_segment,
                 fmt::format("{}: a {} byte batch is larger than segment.bytes ({})", dir().string(), data.size(),
                             c.segment_bytes));
  }
  // Idempotence and transactions (UnifiedLog.analyzeAndValidateProducerState): a retried batch
  // is answered with its original offsets and not appended again.
  STRATA_TRY_ASSIGN(ProducerStateUpdate update, producer_state_->analyze_append(data, origin));
  AppendResult out;
  out.log_start_offset = log_start_offset_;
  if (update.duplicate) {
    out.duplicate = true;
    out.first_offset = update.duplicate->first_offset();
    out.last_offset = update.duplicate->last_offset;
    out.record_count = update.duplicate->offset_delta + 1;
    if (c.message_timestamp_type == record::TimestampType::log_append_time) {
      out.log_append_time = update.duplicate->timestamp;
    }
    return out;
  }
  STRATA_TRY(assign_leader_epoch(leader_epoch, info.first_offset));
  STRATA_TRY_ASSIGN(LogSegment * segment, maybe_roll(static_cast<int32_t>(data.size()), info.first_offset,
                                                     info.last_offset, info.max_timestamp));
  STRATA_TRY(segment->append(info.last_offset, info.max_timestamp, info.last_offset, data));
  log_end_offset_ = Offset{info.last_offset.value() + 1};
  // The batch is in the log: the producer state takes it, and an abort marker is indexed in the
  // segment that holds it. One node: the high watermark is the log end at once.
  STRATA_TRY_ASSIGN(std::vector<AbortedTxn> aborted, producer_state_->apply_append(update, info.last_offset));
  for (const AbortedTxn& txn : aborted) STRATA_TRY(segment->txn_index().append(txn));
  producer_state_->on_high_watermark_updated(high_watermark());

  out.first_offset = info.first_offset;
  out.last_offset = info.last_offset;
  out.log_append_time = info.log_append_time;
  out.record_count = info.record_count;
  out.appended_bytes = static_cast<int64_t>(data.size());
  out.flush_needed = unflushed_messages() >= c.flush_messages;
  return out;
}

result<LogSegment*> PartitionLog::maybe_roll(int32_t messages_size, Offset first_offset, Offset last_offset,
                                             int64_t max_timestamp) {
  LogSegment* active = segments_.rbegin()->second.get();
  RollParams params;
  params.max_segment_ms = options_.config.segment_ms;
  params.max_segment_bytes = options_.config.segment_bytes;
  params.max_timestamp_in_messages = max_timestamp;
  params.max_offset_in_messages = last_offset;
  params.messages_size = messages_size;
  params.now_ms = options_.clock->now_wall_ms();
  STRATA_TRY_ASSIGN(bool roll_now, active->should_roll(params));
  if (!roll_now) return active;
  STRATA_TRY(roll_at(std::max(first_offset, log_end_offset_)));
  return segments_.rbegin()->second.get();
}

result<void> PartitionLog::roll() { return roll_at(log_end_offset_); }

result<void> PartitionLog::roll_at(Offset new_offset) {
  LogSegment& active = *segments_.rbegin()->second;
  if (segments_.count(new_offset) != 0) {
    if (active.base_offset() != new_offset || active.size() != 0) {
      return Error(StorageErrc::invalid_argument,
                   fmt::format("{}: cannot roll a segment at {}: a non-empty one exists there", dir().string(),
                               new_offset.value()));
    }
    // Rolling an empty active segment at its own base offset: it already is the new segment.
    return success();
  }
  if (new_offset < active.base_offset()) {
    return Error(StorageErrc::invalid_argument,
                 fmt::format("{}: cannot roll at {}, below the active segment at {}", dir().string(),
                             new_offset.value(), active.base_offset().value()));
  }
  STRATA_TRY(active.on_become_inactive());
  // Stale files at the new base (from a crash after a roll that never received data) are replaced.
  std::error_code ec;
  for (SegmentFileType type :
       {SegmentFileType::log, SegmentFileType::offset_index, SegmentFileType::time_index, SegmentFileType::txn_index}) {
    std::filesystem::remove(dir() / segment_file_name(new_offset, type), ec);
  }
  STRATA_TRY_ASSIGN(auto segment,
                    LogSegment::open(dir(), new_offset, segment_options(true), options_.clock->now_wall_ms()));
  segments_.emplace(new_offset, std::move(segment));
  creation_generation_++;
  // Kafka snapshots the producer state at every roll, named by the new segment's base offset, so
  // recovery replays at most the active segment.
  producer_state_->update_map_end_offset(new_offset);
  STRATA_TRY(producer_state_->take_snapshot());
  return success();
}

result<FetchDataInfo> PartitionLog::read(Offset fetch_offset, int32_t max_bytes, FetchIsolation isolation,
                                         bool min_one_message) {
  if (closed_) return Error(StorageErrc::log_closed, fmt::format("{} is closed", dir().string()));
  FetchDataInfo out;
  out.fetch_offset = fetch_offset;
  if (fetch_offset < log_start_offset_ || fetch_offset > log_end_offset_) {
    return Error(StorageErrc::offset_out_of_range,
                 fmt::format("Received request for offset {} for partition {}, but we only have log segments in the "
                             "range {} to {}.",
                             fetch_offset.value(), to_string(topic_partition()), log_start_offset_.value(),
                             log_end_offset_.value()));
  }
  const Offset max_offset = isolation == FetchIsolation::log_end          ? log_end_offset_
                            : isolation == FetchIsolation::high_watermark ? high_watermark()
                                                                          : last_stable_offset();
  if (fetch_offset >= max_offset) return out;
  const LogSegment* max_segment = segment_for(max_offset);
  for (auto it = segments_.upper_bound(fetch_offset); it != segments_.begin();) {
    // Start at the segment holding fetch_offset, then move forward.
    it = std::prev(it);
    for (; it != segments_.end(); ++it) {
      LogSegment& segment = *it->second;
      if (max_segment && segment.base_offset() > max_segment->base_offset()) return out;
      int64_t max_position = segment.size();
      if (&segment == max_segment && max_offset < log_end_offset_) {
        const OffsetPosition near = segment.offset_index().lookup(max_offset);
        STRATA_TRY_ASSIGN(auto bound, segment.log().search_for_offset_with_size(max_offset, near.position));
        if (bound) max_position = bound->position.value();
      }
      STRATA_TRY_ASSIGN(std::optional<SegmentRead> r,
                        segment.read(fetch_offset, max_bytes, max_position, min_one_message));
      if (!r) continue;
      out.records = r->slice;
      out.segment_path = segment.log().path();
      if (isolation == FetchIsolation::txn_committed) {
        auto next = std::next(it);
        const Offset upper = next == segments_.end() ? log_end_offset_ : next->first;
        STRATA_TRY_ASSIGN(out.aborted_transactions, collect_aborted(fetch_offset, upper));
      }
      return out;
    }
    break;
  }
  return out;
}

result<std::vector<AbortedTxn>> PartitionLog::collect_aborted(Offset start, Offset upper_bound) const {
  std::vector<AbortedTxn> out;
  for (auto it = segments_.upper_bound(start); it != segments_.begin();) {
    for (it = std::prev(it); it != segments_.end(); ++it) {
      STRATA_TRY_ASSIGN(TxnIndexSearchResult found, it->second->txn_index().collect_aborted_txns(start, upper_bound));
      out.insert(out.end(), found.aborted_transactions.begin(), found.aborted_transactions.end());
      if (found.is_complete) return out;
    }
    break;
  }
  return out;
}

result<std::optional<TimestampAndOffset>> PartitionLog::fetch_offset_by_timestamp(int64_t target) {
  if (closed_) return Error(StorageErrc::log_closed, fmt::format("{} is closed", dir().string()));
  auto epoch_at = [&](Offset offset) {
    LeaderEpoch epoch = kNoLeaderEpoch;
    for (const EpochEntry& e : epochs_) {
      if (e.start_offset <= offset) epoch = e.epoch;
    }
    return epoch;
  };
  using Found = std::optional<TimestampAndOffset>;
  switch (target) {
    case kEarliestTimestamp:
    case kEarliestLocalTimestamp:
      return Found(TimestampAndOffset{record::kNoTimestamp, log_start_offset_, epoch_at(log_start_offset_)});
    case kLatestTimestamp:
      return Found(TimestampAndOffset{record::kNoTimestamp, log_end_offset_,
                                      epochs_.empty() ? kNoLeaderEpoch : epochs_.back().epoch});
    case kMaxTimestamp: return max_timestamp_lookup();
    default: break;
  }
  if (target < 0) {
    return Error(StorageErrc::invalid_argument, fmt::format("unknown ListOffsets timestamp {}", target));
  }
  for (auto& [base, segment] : segments_) {
    if (segment->largest_timestamp() < target) continue;
    STRATA_TRY_ASSIGN(Found found, segment->find_offset_by_timestamp(target, log_start_offset_));
    if (found) return found;
  }
  return Found{};
}

result<std::optional<TimestampAndOffset>> PartitionLog::max_timestamp_lookup() {
  // Kafka (KIP-734): the offset of the first record carrying the largest timestamp in the log.
  LogSegment* best = nullptr;
  for (auto& [base, segment] : segments_) {
    if (segment->size() > 0 && (!best || segment->max_timestamp_so_far() > best->max_timestamp_so_far())) {
      best = segment.get();
    }
  }
  if (!best || best->max_timestamp_so_far() < 0) return std::optional<TimestampAndOffset>{};
  const FilePosition from = best->offset_index().lookup(best->offset_of_max_timestamp_so_far()).position;
  return best->log().search_for_timestamp(best->max_timestamp_so_far(), from, log_start_offset_);
}

bool PartitionLog::flush_due() const {
  if (log_end_offset_ <= recovery_point_ || options_.config.flush_ms == kNever) return false;
  return options_.clock->now_wall_ms() - last_flush_ms_ >= options_.config.flush_ms;
}

result<std::optional<FlushJob>> PartitionLog::prepare_flush(Offset up_to) {
  up_to = std::min(up_to, log_end_offset_);
  if (up_to <= recovery_point_ && creation_generation_ == synced_generation_) return std::optional<FlushJob>{};
  FlushJob job;
  job.up_to_ = up_to;
  job.generation_ = creation_generation_;
  for (auto it = segments_.begin(); it != segments_.end(); ++it) {
    auto next = std::next(it);
    const Offset end = next == segments_.end() ? log_end_offset_ : next->first;
    if (it->first >= up_to) break;
    if (end <= recovery_point_) continue;
    STRATA_TRY_ASSIGN(std::vector<UniqueFd> fds, it->second->dup_descriptors_for_flush());
    for (UniqueFd& fd : fds) job.files_.push_back(std::move(fd));
  }
  if (creation_generation_ != synced_generation_) job.dir_to_sync_ = dir();
  return std::optional<FlushJob>(std::move(job));
}

void PartitionLog::complete_flush(const FlushJob& job, const result<void>& outcome) {
  if (!outcome) return;
  recovery_point_ = std::max(recovery_point_, job.up_to_);
  synced_generation_ = std::max(synced_generation_, job.generation_);
  last_flush_ms_ = options_.clock->now_wall_ms();
}

result<void> PartitionLog::flush() {
  STRATA_TRY_ASSIGN(std::optional<FlushJob> job, prepare_flush(log_end_offset_));
  if (!job) return success();
  result<void> outcome = job->run();
  complete_flush(*job, outcome);
  return outcome;
}

result<void> PartitionLog::truncate_fully_and_start_at(Offset offset) {
  for (auto& [base, segment] : segments_) STRATA_TRY(segment->delete_files());
  segments_.clear();
  STRATA_TRY_ASSIGN(auto segment,
                    LogSegment::open(dir(), offset, segment_options(true), options_.clock->now_wall_ms()));
  segments_.emplace(offset, std::move(segment));
  creation_generation_++;
  log_start_offset_ = offset;
  log_end_offset_ = offset;
  return success();
}

result<void> PartitionLog::truncate_to(Offset offset) {
  if (offset >= log_end_offset_) return success();
  if (offset <= log_start_offset_ || offset < segments_.begin()->first) {
    STRATA_TRY(truncate_fully_and_start_at(offset));
    STRATA_TRY(producer_state_->truncate_fully_and_start_at(offset));
  } else {
    while (segments_.size() > 1 && segments_.rbegin()->first > offset) {
      auto last = std::prev(segments_.end());
      STRATA_TRY(last->second->delete_files());
      segments_.erase(last);
    }
    LogSegment& active = *segments_.rbegin()->second;
    STRATA_TRY(active.truncate_to(offset));
  }
  STRATA_TRY_ASSIGN(log_end_offset_, segments_.rbegin()->second->read_next_offset());
  recovery_point_ = std::min(recovery_point_, log_end_offset_);
  STRATA_TRY(rebuild_producer_state(*producer_state_, log_end_offset_));
  producer_state_->on_high_watermark_updated(high_watermark());
  const size_t before = epochs_.size();
  std::erase_if(epochs_, [&](const EpochEntry& e) { return e.start_offset >= log_end_offset_; });
  if (epochs_.size() != before) STRATA_TRY(write_leader_epoch_checkpoint(leader_epoch_checkpoint_path(), epochs_));
  return success();
}

result<void> PartitionLog::close() {
  if (closed_) return success();
  STRATA_TRY(flush());
  STRATA_TRY(producer_state_->take_snapshot());
  for (auto& [base, segment] : segments_) STRATA_TRY(segment->close());
  closed_ = true;
  return success();
}

result<void> PartitionLog::delete_log() {
  closed_ = true;
  segments_.clear();
  pending_deletes_.clear();
  // Rename first, as Kafka does, so that a crash mid-delete leaves a *-delete directory the next
  // start removes instead of a half-deleted partition.
  const std::filesystem::path doomed =
      dir().parent_path() / log_delete_dir_name(topic_partition(), random_unique_dir_id());
  std::error_code ec;
  std::filesystem::rename(dir(), doomed, ec);
  if (ec) return errno_error("rename", dir(), ec.value());
  std::filesystem::remove_all(doomed, ec);
  if (ec) return errno_error("remove", doomed, ec.value());
  return success();
}

}  // namespace strata::storage
