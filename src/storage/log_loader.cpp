// PartitionLog::open and recovery, after Kafka's LogLoader: clean up leftovers of interrupted
// operations, load the segments, rebuild indexes that fail their sanity checks, and after an
// unclean shutdown re-validate every segment from the recovery point, truncating a torn or corrupt
// tail. Every action is recorded in the RecoveryReport with the file it concerns.
#include <fmt/format.h>
#include <algorithm>

#include "storage/log_file_names.h"
#include "storage/partition_log.h"
#include "storage/storage_error.h"

namespace strata::storage {

namespace {

// What LogSegment.recover does with each valid batch besides the indexes: assign its leader
// epoch, replay it into the producer state, and index the transaction it aborts.
class SegmentRecoveryObserver final : public RecoveryObserver {
 public:
  SegmentRecoveryObserver(std::vector<EpochEntry>& epochs, ProducerStateManager& state, LogSegment& segment)
      : epochs_(epochs), state_(state), segment_(segment) {}
  result<void> on_batch(const record::RecordBatchView& batch, FilePosition) override {
    const LeaderEpoch epoch = batch.partition_leader_epoch();
    if (epoch.value() >= 0 && (epochs_.empty() || epoch > epochs_.back().epoch)) {
      epochs_.push_back(EpochEntry{epoch, batch.base_offset()});
    }
    STRATA_TRY_ASSIGN(std::optional<AbortedTxn> aborted, state_.replay_batch(batch));
    if (aborted) STRATA_TRY(segment_.txn_index().append(*aborted));
    return success();
  }

 private:
  std::vector<EpochEntry>& epochs_;
  ProducerStateManager& state_;
  LogSegment& segment_;
};

bool ends_with(std::string_view s, std::string_view suffix) {
  return s.size() >= suffix.size() && s.substr(s.size() - suffix.size()) == suffix;
}

}  // namespace

result<std::unique_ptr<PartitionLog>> PartitionLog::open(PartitionLogOptions options) {
  std::error_code ec;
  std::filesystem::create_directories(options.dir, ec);
  if (ec) return errno_error("mkdir", options.dir, ec.value());
  std::unique_ptr<PartitionLog> log(new PartitionLog(std::move(options)));
  STRATA_TRY(log->load());
  return log;
}

result<void> PartitionLog::load() {
  auto epochs = read_leader_epoch_checkpoint(leader_epoch_checkpoint_path());
  if (epochs) {
    epochs_ = std::move(*epochs);
  } else if (!epochs.error().is(StorageErrc::not_found)) {
    // A damaged checkpoint is rebuilt from the batches, which carry their epochs.
    recovery_.messages.push_back(fmt::format("{}: {}; rebuilding it from the log",
                                             leader_epoch_checkpoint_path().string(), epochs.error().message()));
  }
  ProducerStateManagerConfig producer_config;
  producer_config.producer_id_expiration_ms = options_.config.producer_id_expiration_ms;
  STRATA_TRY_ASSIGN(ProducerStateManager state, ProducerStateManager::open(dir(), producer_config));
  producer_state_.emplace(std::move(state));
  STRATA_TRY(remove_temp_files_and_collect_swaps());
  STRATA_TRY(load_segments());
  {
    const std::vector<Offset> bases = segment_base_offsets();
    STRATA_TRY(producer_state_->remove_stray_snapshots(bases));
  }
  if (!options_.had_clean_shutdown) STRATA_TRY(recover_unflushed());

  const int64_t now = options_.clock->now_wall_ms();
  if (segments_.empty()) {
    const Offset start{std::max<int64_t>(options_.log_start_offset.value(), 0)};
    STRATA_TRY_ASSIGN(auto segment, LogSegment::open(dir(), start, segment_options(true), now));
    segments_.emplace(start, std::move(segment));
    creation_generation_++;
  }
  STRATA_TRY_ASSIGN(log_end_offset_, segments_.rbegin()->second->read_next_offset());
  log_start_offset_ = std::max(options_.log_start_offset, segments_.begin()->first);
  if (log_start_offset_ > log_end_offset_) {
    // A checkpointed log start past the data (the segments were lost): start empty there, as
    // Kafka's truncateFullyAndStartAt does.
    recovery_.messages.push_back(
        fmt::format("{}: log start offset {} is past the log end {}; starting an empty log there", dir().string(),
                    log_start_offset_.value(), log_end_offset_.value()));
    STRATA_TRY(truncate_fully_and_start_at(log_start_offset_));
    epochs_.clear();
  }
  // The active segment keeps growing: its indexes were trimmed at close or by recovery, so give
  // them back their full size (Kafka: resizeIndexes after loading).
  STRATA_TRY(segments_.rbegin()->second->resize_indexes(options_.config.segment_index_bytes));
  // Producer state as of the log end: the latest snapshot plus the batches after it.
  // Producer state as of the log end: the latest snapshot plus the batches after it; a snapshot
  // at the end saves the next start the replay.
  STRATA_TRY_ASSIGN(bool replayed, rebuild_producer_state(*producer_state_, log_end_offset_));
  if (replayed || recovery_.segments_recovered > 0) STRATA_TRY(producer_state_->take_snapshot());
  producer_state_->on_high_watermark_updated(high_watermark());
  recovery_point_ = options_.had_clean_shutdown ? log_end_offset_ : std::min(options_.recovery_point, log_end_offset_);
  last_flush_ms_ = now;

  // Epochs that start past the log end belong to batches that are gone (Kafka: truncateFromEnd).
  const size_t before = epochs_.size();
  std::erase_if(epochs_, [&](const EpochEntry& e) { return e.start_offset >= log_end_offset_; });
  if (epochs_.size() != before || !epochs) {
    STRATA_TRY(write_leader_epoch_checkpoint(leader_epoch_checkpoint_path(), epochs_));
  }
  return success();
}

result<void> PartitionLog::remove_temp_files_and_collect_swaps() {
  std::error_code ec;
  std::vector<std::filesystem::path> swaps;
  for (const auto& entry : std::filesystem::directory_iterator(dir(), ec)) {
    if (!entry.is_regular_file()) continue;
    const std::string name = entry.path().filename().string();
    const bool temp = ends_with(name, kTempFileSuffix);
    auto parsed = parse_segment_file_name(name);
    const bool leftover =
        parsed && (parsed->state == SegmentFileState::deleted || parsed->state == SegmentFileState::cleaned);
    if (temp || leftover) {
      std::filesystem::remove(entry.path(), ec);
      recovery_.messages.push_back(
          fmt::format("{}: deleted the leftover of an interrupted operation", entry.path().string()));
      continue;
    }
    if (parsed && parsed->state == SegmentFileState::swap) swaps.push_back(entry.path());
  }
  // A .swap segment is a cleaned segment, complete and flushed, whose swap-in was interrupted: the
  // segments it replaces are those with base offsets in [its base, its next offset). Delete them
  // and rename the swap files live (Kafka: LogLoader completes swaps the same way).
  for (const auto& swap : swaps) {
    auto parsed = parse_segment_file_name(swap.filename().string());
    if (!parsed || parsed->type != SegmentFileType::log) continue;
    const Offset base = parsed->base_offset;
    STRATA_TRY_ASSIGN(LogFile swap_log, LogFile::open(swap));
    LogFileScanner scanner(swap_log, FilePosition{0}, swap_log.size());
    Offset next = base;
    while (true) {
      auto batch = scanner.next();
      if (!batch || !*batch) break;
      next = Offset{(*batch)->last_offset.value() + 1};
    }
    for (const auto& entry : std::filesystem::directory_iterator(dir(), ec)) {
      auto live = parse_segment_file_name(entry.path().filename().string());
      if (live && live->state == SegmentFileState::live && live->type != SegmentFileType::producer_snapshot &&
          live->base_offset >= base && (live->base_offset < next || live->base_offset == base)) {
        std::filesystem::remove(entry.path(), ec);
      }
    }
    for (SegmentFileType type : {SegmentFileType::log, SegmentFileType::offset_index, SegmentFileType::time_index,
                                 SegmentFileType::txn_index}) {
      const auto from = dir() / segment_file_name(base, type, SegmentFileState::swap);
      if (!std::filesystem::exists(from, ec)) continue;
      std::filesystem::rename(from, dir() / segment_file_name(base, type), ec);
      if (ec) return errno_error("rename", from, ec.value());
    }
    recovery_.messages.push_back(fmt::format("{}: completed an interrupted swap of cleaned segments {} to {}",
                                             swap.string(), base.value(), next.value() - 1));
  }
  // Index files without a .log are orphans (Kafka deletes them too).
  for (const auto& entry : std::filesystem::directory_iterator(dir(), ec)) {
    auto parsed = parse_segment_file_name(entry.path().filename().string());
    if (!parsed || parsed->state != SegmentFileState::live || parsed->type == SegmentFileType::log ||
        parsed->type == SegmentFileType::producer_snapshot) {
      continue;
    }
    if (!std::filesystem::exists(dir() / segment_file_name(parsed->base_offset, SegmentFileType::log), ec)) {
      std::filesystem::remove(entry.path(), ec);
      recovery_.messages.push_back(fmt::format("{}: deleted an index without its .log", entry.path().string()));
    }
  }
  return success();
}

result<void> PartitionLog::load_segments() {
  std::error_code ec;
  std::vector<Offset> bases;
  for (const auto& entry : std::filesystem::directory_iterator(dir(), ec)) {
    auto parsed = parse_segment_file_name(entry.path().filename().string());
    if (parsed && parsed->type == SegmentFileType::log && parsed->state == SegmentFileState::live) {
      bases.push_back(parsed->base_offset);
    }
  }
  if (ec) return errno_error("list", dir(), ec.value());
  std::sort(bases.begin(), bases.end());
  const int64_t now = options_.clock->now_wall_ms();
  // After an unclean shutdown, recover_unflushed() recovers the segment holding the recovery point
  // and every later one anyway, indexes included: checking those here would recover them twice.
  Offset first_unflushed{INT64_MAX};
  if (!options_.had_clean_shutdown && !bases.empty()) {
    auto it = std::upper_bound(bases.begin(), bases.end(), options_.recovery_point);
    first_unflushed = it == bases.begin() ? bases.front() : *std::prev(it);
  }
  for (size_t i = 0; i < bases.size(); ++i) {
    const bool last = i + 1 == bases.size();
    STRATA_TRY_ASSIGN(auto segment, LogSegment::open(dir(), bases[i], segment_options(last), now));
    std::optional<std::string> why;
    if (bases[i] < first_unflushed) {
      if (!segment->has_offset_index_file_on_open()) {
        why = "its offset index is missing";
      } else if (!segment->has_time_index_file_on_open()) {
        why = "its time index is missing";
      } else if (auto sane = segment->sanity_check(); !sane) {
        why = sane.error().message();
      }
    }
    if (why) {
      STRATA_TRY(rebuild_producer_state(*producer_state_, bases[i]));
      STRATA_TRY_ASSIGN(SegmentRecovery r, recover_segment(*segment, *producer_state_));
      recovery_.indexes_rebuilt++;
      recovery_.messages.push_back(
          fmt::format("{}: rebuilt the indexes because {}", segment->log().path().string(), *why));
      if (r.truncated_bytes > 0) {
        recovery_.bytes_truncated += r.truncated_bytes;
        recovery_.messages.push_back(fmt::format("{}: truncated {} invalid bytes at position {} ({})",
                                                 segment->log().path().string(), r.truncated_bytes, r.valid_bytes,
                                                 r.reason ? r.reason->message() : "no reason"));
      }
    }
    segments_.emplace(bases[i], std::move(segment));
  }
  return success();
}

result<void> PartitionLog::recover_unflushed() {
  if (segments_.empty()) return success();
  // The segment holding the recovery point and every later one may hold unflushed data.
  auto it = segments_.upper_bound(options_.recovery_point);
  if (it != segments_.begin()) --it;
  STRATA_TRY(rebuild_producer_state(*producer_state_, it->first));
  for (; it != segments_.end(); ++it) {
    LogSegment& segment = *it->second;
    STRATA_TRY_ASSIGN(SegmentRecovery r, recover_segment(segment, *producer_state_));
    recovery_.segments_recovered++;
    if (r.truncated_bytes == 0) continue;
    recovery_.bytes_truncated += r.truncated_bytes;
    recovery_.messages.push_back(fmt::format("{}: truncated {} bytes at position {} after an unclean shutdown ({})",
                                             segment.log().path().string(), r.truncated_bytes, r.valid_bytes,
                                             r.reason ? r.reason->message() : "no reason"));
    // Nothing after a corrupt batch can be trusted to follow it: drop the later segments.
    auto later = std::next(it);
    while (later != segments_.end()) {
      recovery_.messages.push_back(
          fmt::format("{}: deleted, it follows the truncated segment", later->second->log().path().string()));
      STRATA_TRY(later->second->delete_files());
      later = segments_.erase(later);
      recovery_.segments_deleted_after_corruption++;
    }
    break;
  }
  return success();
}

result<SegmentRecovery> PartitionLog::recover_segment(LogSegment& segment, ProducerStateManager& state) {
  SegmentRecoveryObserver observer(epochs_, state, segment);
  STRATA_TRY_ASSIGN(SegmentRecovery r, segment.recover(INT32_MAX, &observer));
  STRATA_TRY_ASSIGN(Offset next, segment.read_next_offset());
  state.update_map_end_offset(next);
  return r;
}

result<bool> PartitionLog::rebuild_producer_state(ProducerStateManager& state, Offset up_to) {
  bool replayed = false;
  const Offset first_base = segments_.empty() ? up_to : segments_.begin()->first;
  const Offset log_start = std::min(std::max(options_.log_start_offset, first_base), up_to);
  STRATA_TRY(state.truncate_and_reload(log_start, up_to, options_.clock->now_wall_ms()));
  for (const auto& [base, segment] : segments_) {
    if (state.map_end_offset() >= up_to) break;
    if (base >= up_to) break;
    const auto next = segments_.upper_bound(base);
    if (next != segments_.end() && next->first <= state.map_end_offset()) continue;
    const FilePosition from = segment->offset_index().lookup(state.map_end_offset()).position;
    LogFileScanner scanner(segment->log(), from, segment->size());
    while (true) {
      STRATA_TRY_ASSIGN(std::optional<BatchPosition> header, scanner.next());
      if (!header || header->base_offset >= up_to) break;
      if (header->last_offset < state.map_end_offset()) continue;
      STRATA_TRY_ASSIGN(record::RecordBatchView batch, scanner.full());
      STRATA_TRY(state.replay_batch(batch));
      replayed = true;
    }
  }
  state.update_map_end_offset(up_to);
  return replayed;
}

}  // namespace strata::storage
