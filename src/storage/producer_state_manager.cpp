#include "storage/producer_state_manager.h"

#include <fmt/format.h>

#include <cerrno>
#include <cstdio>
#include <set>

#include <unistd.h>

#include "storage/file_io.h"
#include "storage/log_file_names.h"
#include "storage/producer_state_error.h"
#include "storage/storage_error.h"

namespace strata::storage {

AbortedTxn aborted_txn(const CompletedTxn& txn, Offset last_stable_offset) {
  return AbortedTxn{txn.producer_id, txn.first_offset, txn.last_offset, last_stable_offset};
}

result<ProducerStateManager> ProducerStateManager::open(std::filesystem::path log_dir,
                                                        ProducerStateManagerConfig config) {
  ProducerStateManager psm(std::move(log_dir), config);
  STRATA_TRY_ASSIGN(std::vector<SnapshotFile> files, list_snapshot_files(psm.log_dir_));
  for (SnapshotFile& f : files) psm.snapshots_.insert_or_assign(f.offset, std::move(f));
  return psm;
}

// --- append --------------------------------------------------------------------------------------

ProducerAppendInfo ProducerStateManager::prepare_update(ProducerId producer_id, AppendOrigin origin) const {
  if (const ProducerStateEntry* entry = last_entry(producer_id)) return ProducerAppendInfo(producer_id, *entry, origin);
  return ProducerAppendInfo(producer_id, ProducerStateEntry::empty(producer_id), origin);
}

result<void> ProducerStateManager::analyze_batch(const record::RecordBatchView& batch, AppendOrigin origin,
                                                 ProducerStateUpdate& update, int16_t transaction_version) const {
  if (!batch.has_producer_id() || update.duplicate) return success();
  // A client sends up to 5 batches in flight; a retry of one already appended is answered with
  // its original offsets.
  if (origin == AppendOrigin::client) {
    if (const ProducerStateEntry* entry = last_entry(batch.producer_id())) {
      if (auto duplicate =
              entry->find_duplicate_batch(batch.producer_epoch(), batch.base_sequence(), batch.last_sequence())) {
        update.duplicate = duplicate;
        return success();
      }
    }
  }
  auto [it, inserted] = update.producers.try_emplace(batch.producer_id(), prepare_update(batch.producer_id(), origin));
  STRATA_TRY_ASSIGN(std::optional<CompletedTxn> completed, it->second.append(batch, transaction_version));
  if (completed) update.completed_txns.push_back(*completed);
  return success();
}

result<ProducerStateUpdate> ProducerStateManager::analyze_append(bytes_view records, AppendOrigin origin,
                                                                 int16_t transaction_version) const {
  ProducerStateUpdate update;
  record::RecordBatchReader reader(records);
  while (true) {
    STRATA_TRY_ASSIGN(std::optional<record::RecordBatchView> batch, reader.next());
    if (!batch) break;
    STRATA_TRY(analyze_batch(*batch, origin, update, transaction_version));
    if (update.duplicate) break;
  }
  return update;
}

result<void> ProducerStateManager::update(const ProducerAppendInfo& info) {
  if (info.producer_id() == kNoProducerId) {
    return Error(ProducerStateErrc::invalid_argument,
                 fmt::format("Invalid producer id {} passed to update", info.producer_id()));
  }
  const ProducerStateEntry& next = info.to_entry();
  auto it = producers_.find(info.producer_id());
  if (it != producers_.end()) {
    it->second.update(next);
  } else {
    producers_.emplace(info.producer_id(), next);
  }
  for (const TxnMetadata& txn : info.started_transactions()) ongoing_txns_.insert_or_assign(txn.first_offset, txn);
  update_oldest_txn_timestamp();
  return success();
}

result<void> ProducerStateManager::update(const ProducerStateUpdate& update) {
  for (const auto& [id, info] : update.producers) STRATA_TRY(this->update(info));
  return success();
}

Offset ProducerStateManager::last_stable_offset(const CompletedTxn& txn) const {
  for (const auto& [first, ongoing] : ongoing_txns_) {
    if (ongoing.producer_id != txn.producer_id) return ongoing.first_offset;
  }
  return txn.last_offset + 1;
}

result<void> ProducerStateManager::complete_txn(const CompletedTxn& txn) {
  auto it = ongoing_txns_.find(txn.first_offset);
  if (it == ongoing_txns_.end()) {
    return Error(ProducerStateErrc::invalid_argument,
                 fmt::format("Attempted to complete transaction of producer {} from offset {} to {}, which was not "
                             "started",
                             txn.producer_id, txn.first_offset, txn.last_offset));
  }
  TxnMetadata done = it->second;
  ongoing_txns_.erase(it);
  done.last_offset = txn.last_offset;
  unreplicated_txns_.insert_or_assign(txn.first_offset, done);
  update_oldest_txn_timestamp();
  return success();
}

result<std::vector<AbortedTxn>> ProducerStateManager::apply_append(const ProducerStateUpdate& update,
                                                                   Offset last_offset) {
  STRATA_TRY(this->update(update));
  std::vector<AbortedTxn> aborted;
  for (const CompletedTxn& txn : update.completed_txns) {
    Offset lso = last_stable_offset(txn);
    if (txn.is_aborted) aborted.push_back(aborted_txn(txn, lso));
    STRATA_TRY(complete_txn(txn));
  }
  update_map_end_offset(last_offset + 1);
  return aborted;
}

result<std::optional<AbortedTxn>> ProducerStateManager::replay_batch(const record::RecordBatchView& batch) {
  std::optional<AbortedTxn> aborted;
  if (batch.has_producer_id()) {
    ProducerAppendInfo info = prepare_update(batch.producer_id(), AppendOrigin::replication);
    STRATA_TRY_ASSIGN(std::optional<CompletedTxn> completed, info.append(batch));
    STRATA_TRY(update(info));
    if (completed) {
      Offset lso = last_stable_offset(*completed);
      if (completed->is_aborted) aborted = aborted_txn(*completed, lso);
      STRATA_TRY(complete_txn(*completed));
    }
  }
  update_map_end_offset(batch.last_offset() + 1);
  return aborted;
}

result<void> ProducerStateManager::load_producers_from_records(bytes_view records) {
  STRATA_TRY_ASSIGN(ProducerStateUpdate loaded, analyze_append(records, AppendOrigin::replication));
  STRATA_TRY(update(loaded));
  for (const CompletedTxn& txn : loaded.completed_txns) STRATA_TRY(complete_txn(txn));
  return success();
}

// --- stable offsets ------------------------------------------------------------------------------

std::optional<Offset> ProducerStateManager::first_unstable_offset() const {
  std::optional<Offset> unreplicated;
  if (!unreplicated_txns_.empty()) unreplicated = unreplicated_txns_.begin()->second.first_offset;
  std::optional<Offset> undecided = first_undecided_offset();
  if (!unreplicated) return undecided;
  if (!undecided) return unreplicated;
  return *undecided < *unreplicated ? undecided : unreplicated;
}

std::optional<Offset> ProducerStateManager::first_undecided_offset() const {
  if (ongoing_txns_.empty()) return std::nullopt;
  return ongoing_txns_.begin()->second.first_offset;
}

void ProducerStateManager::on_high_watermark_updated(Offset high_watermark) {
  remove_unreplicated_transactions(high_watermark);
}

void ProducerStateManager::remove_unreplicated_transactions(Offset offset) {
  for (auto it = unreplicated_txns_.begin(); it != unreplicated_txns_.end();) {
    if (it->second.last_offset && *it->second.last_offset < offset) {
      it = unreplicated_txns_.erase(it);
    } else {
      ++it;
    }
  }
}

bool ProducerStateManager::has_late_transaction(int64_t now_ms) const {
  const int64_t last = oldest_txn_last_timestamp_;
  return last > 0 && now_ms - last > int64_t{config_.max_transaction_timeout_ms} + kLateTransactionBufferMs;
}

void ProducerStateManager::update_oldest_txn_timestamp() {
  if (ongoing_txns_.empty()) {
    oldest_txn_last_timestamp_ = -1;
    return;
  }
  const ProducerStateEntry* entry = last_entry(ongoing_txns_.begin()->second.producer_id);
  oldest_txn_last_timestamp_ = entry ? entry->last_timestamp() : -1;
}

// --- producers -----------------------------------------------------------------------------------

const ProducerStateEntry* ProducerStateManager::last_entry(ProducerId producer_id) const {
  auto it = producers_.find(producer_id);
  return it == producers_.end() ? nullptr : &it->second;
}

bool ProducerStateManager::is_producer_expired(int64_t now_ms, const ProducerStateEntry& entry) const {
  return !entry.current_txn_first_offset() && now_ms - entry.last_timestamp() >= config_.producer_id_expiration_ms;
}

void ProducerStateManager::remove_expired_producers(int64_t now_ms) {
  for (auto it = producers_.begin(); it != producers_.end();) {
    if (is_producer_expired(now_ms, it->second)) {
      it = producers_.erase(it);
    } else {
      ++it;
    }
  }
}

void ProducerStateManager::load_producer_entry(const ProducerStateEntry& entry) {
  producers_.insert_or_assign(entry.producer_id(), entry);
  if (auto first = entry.current_txn_first_offset()) {
    ongoing_txns_.insert_or_assign(*first, TxnMetadata{entry.producer_id(), *first, std::nullopt});
  }
}

std::vector<ProducerSnapshotEntry> ProducerStateManager::snapshot_entries() const {
  std::vector<ProducerSnapshotEntry> entries;
  entries.reserve(producers_.size());
  for (const auto& [id, entry] : producers_) entries.push_back(entry.to_snapshot_entry());
  return entries;
}

// --- snapshots -----------------------------------------------------------------------------------

result<std::optional<SnapshotFile>> ProducerStateManager::take_snapshot(bool sync) {
  // Not a new offset: not worth another snapshot.
  if (last_map_offset_ <= last_snap_offset_) return std::optional<SnapshotFile>{};
  SnapshotFile file{last_map_offset_,
                    log_dir_ / segment_file_name(last_map_offset_, SegmentFileType::producer_snapshot)};
  std::vector<ProducerSnapshotEntry> entries = snapshot_entries();
  STRATA_TRY(write_producer_snapshot(file.path, entries, sync));
  snapshots_.insert_or_assign(file.offset, file);
  last_snap_offset_ = last_map_offset_;
  return std::optional<SnapshotFile>{file};
}

std::optional<Offset> ProducerStateManager::latest_snapshot_offset() const {
  if (snapshots_.empty()) return std::nullopt;
  return snapshots_.rbegin()->first;
}

std::optional<Offset> ProducerStateManager::oldest_snapshot_offset() const {
  if (snapshots_.empty()) return std::nullopt;
  return snapshots_.begin()->first;
}

std::optional<SnapshotFile> ProducerStateManager::snapshot_file_for_offset(Offset offset) const {
  auto it = snapshots_.find(offset);
  if (it == snapshots_.end()) return std::nullopt;
  return it->second;
}

std::vector<SnapshotFile> ProducerStateManager::snapshot_files() const {
  std::vector<SnapshotFile> files;
  for (const auto& [offset, file] : snapshots_) files.push_back(file);
  return files;
}

result<void> ProducerStateManager::remove_and_delete_snapshot(Offset offset) {
  auto it = snapshots_.find(offset);
  if (it == snapshots_.end()) return success();
  std::filesystem::path path = it->second.path;
  snapshots_.erase(it);
  if (::unlink(path.c_str()) != 0 && errno != ENOENT) return errno_error("unlink", path, errno);
  return success();
}

void ProducerStateManager::clear_state() {
  producers_.clear();
  ongoing_txns_.clear();
  unreplicated_txns_.clear();
  update_oldest_txn_timestamp();
}

result<void> ProducerStateManager::load_from_snapshot(Offset log_start_offset, int64_t now_ms) {
  discarded_snapshots_.clear();
  while (!snapshots_.empty()) {
    const SnapshotFile latest = snapshots_.rbegin()->second;
    auto entries = read_producer_snapshot(latest.path);
    if (!entries) {
      // A corrupt snapshot (or one deleted under us) is dropped and the previous one tried, as Kafka
      // does with CorruptSnapshotException; any other error is the log dir failing.
      if (!entries.error().is(StorageErrc::corrupt_snapshot) && !entries.error().is(StorageErrc::not_found)) {
        return entries.error();
      }
      discarded_snapshots_.push_back(entries.error());
      STRATA_TRY(remove_and_delete_snapshot(latest.offset));
      continue;
    }
    for (const ProducerSnapshotEntry& e : *entries) {
      ProducerStateEntry entry = ProducerStateEntry::from_snapshot_entry(e);
      if (!is_producer_expired(now_ms, entry)) load_producer_entry(entry);
    }
    last_snap_offset_ = latest.offset;
    last_map_offset_ = latest.offset;
    update_oldest_txn_timestamp();
    return success();
  }
  last_snap_offset_ = log_start_offset;
  last_map_offset_ = log_start_offset;
  return success();
}

result<void> ProducerStateManager::truncate_and_reload(Offset log_start_offset, Offset log_end_offset, int64_t now_ms) {
  std::vector<Offset> out_of_range;
  for (const auto& [offset, file] : snapshots_) {
    if (offset > log_end_offset || offset <= log_start_offset) out_of_range.push_back(offset);
  }
  for (Offset offset : out_of_range) STRATA_TRY(remove_and_delete_snapshot(offset));

  if (log_end_offset != map_end_offset()) {
    // The end offset is at or below the high watermark, so no unreplicated transaction survives.
    clear_state();
    return load_from_snapshot(log_start_offset, now_ms);
  }
  on_log_start_offset_incremented(log_start_offset);
  return success();
}

result<void> ProducerStateManager::truncate_fully_and_start_at(Offset offset) {
  clear_state();
  std::vector<Offset> all;
  for (const auto& [snapshot_offset, file] : snapshots_) all.push_back(snapshot_offset);
  for (Offset o : all) STRATA_TRY(remove_and_delete_snapshot(o));
  last_snap_offset_ = Offset{0};
  last_map_offset_ = offset;
  return success();
}

result<void> ProducerStateManager::truncate_fully_and_reload_snapshots() {
  STRATA_TRY(truncate_fully_and_start_at(Offset{0}));
  STRATA_TRY_ASSIGN(std::vector<SnapshotFile> files, list_snapshot_files(log_dir_));
  snapshots_.clear();
  for (SnapshotFile& f : files) snapshots_.insert_or_assign(f.offset, std::move(f));
  return success();
}

void ProducerStateManager::on_log_start_offset_incremented(Offset log_start_offset) {
  remove_unreplicated_transactions(log_start_offset);
  if (last_map_offset_ < log_start_offset) last_map_offset_ = log_start_offset;
  last_snap_offset_ = latest_snapshot_offset().value_or(log_start_offset);
}

result<void> ProducerStateManager::delete_snapshots_before(Offset offset) {
  std::vector<Offset> below;
  for (auto it = snapshots_.begin(); it != snapshots_.end() && it->first < offset; ++it) below.push_back(it->first);
  for (Offset o : below) STRATA_TRY(remove_and_delete_snapshot(o));
  return success();
}

result<void> ProducerStateManager::delete_snapshots_after(Offset offset) {
  std::vector<Offset> above;
  for (auto it = snapshots_.upper_bound(offset); it != snapshots_.end(); ++it) above.push_back(it->first);
  for (Offset o : above) STRATA_TRY(remove_and_delete_snapshot(o));
  return success();
}

result<void> ProducerStateManager::remove_stray_snapshots(std::span<const Offset> segment_base_offsets) {
  std::optional<Offset> max_segment_base;
  for (Offset o : segment_base_offsets) {
    if (!max_segment_base || o > *max_segment_base) max_segment_base = o;
  }
  const std::set<Offset> bases(segment_base_offsets.begin(), segment_base_offsets.end());

  STRATA_TRY_ASSIGN(std::vector<SnapshotFile> files, list_snapshot_files(log_dir_));
  std::map<Offset, SnapshotFile> listed;
  for (SnapshotFile& f : files) listed.insert_or_assign(f.offset, std::move(f));
  snapshots_ = std::move(listed);

  // Every snapshot without a segment is stray; only the largest of them may stay.
  std::optional<Offset> latest_stray;
  std::vector<Offset> to_delete;
  for (const auto& [offset, file] : snapshots_) {
    if (bases.contains(offset)) continue;
    if (latest_stray) to_delete.push_back(*latest_stray);
    latest_stray = offset;
  }
  // ... and only if it is above every segment (the snapshot of a clean shutdown).
  if (latest_stray && max_segment_base && *latest_stray < *max_segment_base) to_delete.push_back(*latest_stray);
  for (Offset o : to_delete) STRATA_TRY(remove_and_delete_snapshot(o));
  return success();
}

result<std::optional<SnapshotFile>> ProducerStateManager::remove_and_mark_snapshot_for_deletion(Offset offset) {
  auto it = snapshots_.find(offset);
  if (it == snapshots_.end()) return std::optional<SnapshotFile>{};
  SnapshotFile file = it->second;
  snapshots_.erase(it);
  std::filesystem::path renamed = file.path;
  renamed += kDeletedFileSuffix;
  if (::rename(file.path.c_str(), renamed.c_str()) != 0) {
    // Already deleted (recovery's intermediate state manager may have removed it): nothing to do.
    if (errno == ENOENT) return std::optional<SnapshotFile>{};
    return errno_error("rename to " + renamed.string(), file.path, errno);
  }
  file.path = renamed;
  return std::optional<SnapshotFile>{file};
}

void ProducerStateManager::update_parent_dir(std::filesystem::path log_dir) {
  log_dir_ = std::move(log_dir);
  for (auto& [offset, file] : snapshots_) file.path = log_dir_ / file.path.filename();
}

}  // namespace strata::storage
