// The producer state of one partition, after Kafka's ProducerStateManager: the idempotence and
// transaction state of every producer id (producer_state.h), the ongoing transactions that hold
// the last stable offset back, and the <offset>.snapshot files that let a restart skip re-reading
// the log (producer_snapshot_file.h). Not thread-safe: it belongs to the partition's core.
//
// How the partition log uses it (Kafka's UnifiedLog / LocalLog / LogLoader / LogSegment):
//
//   Append (leader, after record::validate_and_assign gave the batch its offsets):
//     STRATA_TRY_ASSIGN(ProducerStateUpdate update, psm.analyze_append(batch_bytes, origin));
//     if (update.duplicate)          // a retry of one of the producer's last 5 batches
//       answer success with update.duplicate->first_offset(), ->last_offset, ->timestamp
//       (the log append time), and append nothing;
//     else { append the bytes to the active segment;
//            for (const AbortedTxn& txn : STRATA_TRY(psm.apply_append(update, last_offset)))
//              segment.txn_index().append(txn);
//            LSO = min(first_unstable_offset() (clamped to the log start offset), high watermark) }
//     (apply_append = update() + last_stable_offset()/complete_txn() per completed transaction +
//     update_map_end_offset(last_offset + 1); call those separately to append each .txnindex entry
//     before its transaction is completed, as Kafka orders it.)
//   Roll:  psm.update_map_end_offset(new_segment_base); psm.take_snapshot() (on the blocking pool).
//   High watermark moved: psm.on_high_watermark_updated(hw).
//   Log start offset moved (retention, DeleteRecords): psm.on_log_start_offset_incremented(lso),
//     and for each deleted segment psm.remove_and_mark_snapshot_for_deletion(base_offset).
//   Every producer.id.expiration.check.interval.ms: psm.remove_expired_producers(now).
//   Recovery / truncation: psm.remove_stray_snapshots(segment base offsets) once at load; then
//     psm.truncate_and_reload(log_start, end, now) and, if map_end_offset() < end, replay the
//     segments from map_end_offset() with replay_batch() (recovering segments: it also returns the
//     .txnindex entries to rebuild) or load_producers_from_records(); then
//     update_map_end_offset(end) and take_snapshot(). Full truncation: truncate_fully_and_start_at.
//   Clean shutdown: take_snapshot().
#pragma once

#include <cstdint>
#include <filesystem>
#include <map>
#include <optional>
#include <span>
#include <vector>

#include "base/bytes.h"
#include "base/result.h"
#include "base/types.h"
#include "record/record_batch.h"
#include "storage/producer_snapshot_file.h"
#include "storage/producer_state.h"
#include "storage/transaction_index.h"

namespace strata::storage {

// producer.id.expiration.ms (Kafka default: one day).
inline constexpr int64_t kDefaultProducerIdExpirationMs = 86'400'000;
// transaction.max.timeout.ms (Kafka default: 15 minutes).
inline constexpr int32_t kDefaultTransactionMaxTimeoutMs = 900'000;
// ProducerStateManager.LATE_TRANSACTION_BUFFER_MS.
inline constexpr int64_t kLateTransactionBufferMs = 5 * 60 * 1000;

struct ProducerStateManagerConfig {
  int64_t producer_id_expiration_ms = kDefaultProducerIdExpirationMs;
  int32_t max_transaction_timeout_ms = kDefaultTransactionMaxTimeoutMs;
};

// What appending a set of batches does to the producer state (UnifiedLog.analyzeAndValidateProducerState).
struct ProducerStateUpdate {
  std::map<ProducerId, ProducerAppendInfo> producers;
  std::vector<CompletedTxn> completed_txns;
  // Set when a client batch repeats one already in the log: nothing is to be appended, and the
  // produce succeeds with these offsets and timestamp.
  std::optional<BatchMetadata> duplicate;
};

// The .txnindex entry of an aborted transaction (LogSegment.updateTxnIndex: only aborts are indexed).
AbortedTxn aborted_txn(const CompletedTxn& txn, Offset last_stable_offset);

class ProducerStateManager {
 public:
  // Lists the snapshot files of log_dir (ProducerStateManager's constructor). State is empty and
  // map_end_offset() 0 until truncate_and_reload or truncate_fully_and_start_at.
  static result<ProducerStateManager> open(std::filesystem::path log_dir, ProducerStateManagerConfig config = {});

  const ProducerStateManagerConfig& config() const { return config_; }
  const std::filesystem::path& log_dir() const { return log_dir_; }

  // --- append ------------------------------------------------------------------------------------

  // Validates the batches in `records` (offsets assigned) against the state. For a client
  // append, a batch that duplicates one of its producer's retained batches stops the analysis
  // with `duplicate` set. Batches without producer id are skipped. Errors: ProducerStateErrc (see
  // producer_state.h), record errors for a bad batch or control record. Changes nothing.
  // transaction_version is the WriteTxnMarkers request's for coordinator markers (2 makes the epoch
  // rule strict, see ProducerAppendInfo); the log does not record it, so replay passes 0.
  result<ProducerStateUpdate> analyze_append(bytes_view records, AppendOrigin origin,
                                             int16_t transaction_version = kTransactionVersion0) const;
  // One batch's part of analyze_append, accumulating into `update`.
  result<void> analyze_batch(const record::RecordBatchView& batch, AppendOrigin origin, ProducerStateUpdate& update,
                             int16_t transaction_version = kTransactionVersion0) const;

  // ProducerStateManager.prepareUpdate: a validator seeded with the producer's current state.
  ProducerAppendInfo prepare_update(ProducerId producer_id, AppendOrigin origin) const;
  // ProducerStateManager.update: stores the producer's new state and the transactions it began.
  // invalid_argument for the no-producer id.
  result<void> update(const ProducerAppendInfo& info);
  result<void> update(const ProducerStateUpdate& update);

  // The partition's LSO once `txn` completes (the first offset of the earliest ongoing
  // transaction of another producer, else the marker's offset + 1). Call before complete_txn.
  Offset last_stable_offset(const CompletedTxn& txn) const;
  // Ends the transaction; it stays unstable until the high watermark passes its marker.
  // invalid_argument if it was never started.
  result<void> complete_txn(const CompletedTxn& txn);

  // After the batches of `update` are appended, with last_offset the last one's: update(), then
  // for each completed transaction its LSO and complete_txn(), then update_map_end_offset(last + 1).
  // Returns the .txnindex entries of the aborted ones, in marker order.
  result<std::vector<AbortedTxn>> apply_append(const ProducerStateUpdate& update, Offset last_offset);

  // Rebuilding state from the log (recovery, truncation): a batch read back from a segment
  // (LogSegment.updateProducerState, replication origin, no duplicate detection): updates the state,
  // completes its transaction and moves map_end_offset() past it. Returns the .txnindex entry to
  // write if it aborted a transaction.
  result<std::optional<AbortedTxn>> replay_batch(const record::RecordBatchView& batch);
  // UnifiedLog.loadProducersFromRecords: all batches of `records` as one replicated append
  // (no .txnindex entries; map_end_offset() is the caller's).
  result<void> load_producers_from_records(bytes_view records);

  // --- stable offsets ----------------------------------------------------------------------------

  // The first offset of the earliest transaction that is ongoing, or completed with its marker
  // above the high watermark.
  std::optional<Offset> first_unstable_offset() const;
  // The first offset of the earliest ongoing transaction.
  std::optional<Offset> first_undecided_offset() const;
  // Forgets completed transactions whose markers are below the high watermark.
  void on_high_watermark_updated(Offset high_watermark);
  // A transaction has been open longer than transaction.max.timeout.ms + 5 minutes.
  bool has_late_transaction(int64_t now_ms) const;

  // --- producers ---------------------------------------------------------------------------------

  const ProducerStateEntry* last_entry(ProducerId producer_id) const;
  const std::map<ProducerId, ProducerStateEntry>& active_producers() const { return producers_; }
  size_t producer_id_count() const { return producers_.size(); }
  bool is_empty() const { return producers_.empty() && unreplicated_txns_.empty(); }
  const std::map<Offset, TxnMetadata>& ongoing_txns() const { return ongoing_txns_; }
  // Removes producers idle for producer.id.expiration.ms (never one with an ongoing transaction).
  void remove_expired_producers(int64_t now_ms);
  // Adds a producer as a snapshot load does (tests, and tools).
  void load_producer_entry(const ProducerStateEntry& entry);

  // --- offsets and snapshots ---------------------------------------------------------------------

  // The offset the state is as of: every batch below it has been applied.
  Offset map_end_offset() const { return last_map_offset_; }
  void update_map_end_offset(Offset offset) { last_map_offset_ = offset; }

  // Writes <map_end_offset>.snapshot if that offset is past the last snapshot; returns the file
  // written. sync = false skips the fsyncs (Kafka's roll writes the snapshot and flushes it later).
  result<std::optional<SnapshotFile>> take_snapshot(bool sync = true);
  std::optional<Offset> latest_snapshot_offset() const;
  std::optional<Offset> oldest_snapshot_offset() const;
  std::optional<SnapshotFile> snapshot_file_for_offset(Offset offset) const;
  std::vector<SnapshotFile> snapshot_files() const;

  // Kafka's truncateAndReload: deletes snapshots above log_end_offset or at/below log_start_offset;
  // then, unless the state is already at log_end_offset, clears it and loads the latest
  // remaining snapshot (deleting corrupt ones, latest first), without producers expired at
  // now_ms; map_end_offset() becomes the snapshot's offset, or log_start_offset without one. The
  // caller replays the log from map_end_offset() up to log_end_offset.
  result<void> truncate_and_reload(Offset log_start_offset, Offset log_end_offset, int64_t now_ms);
  // Clears the state and deletes every snapshot; map_end_offset() becomes `offset`.
  result<void> truncate_fully_and_start_at(Offset offset);
  // truncate_fully_and_start_at(0), then lists the snapshot files again.
  result<void> truncate_fully_and_reload_snapshots();
  // Forgets unreplicated transactions completed below the new log start offset and moves
  // map_end_offset() up to it.
  void on_log_start_offset_incremented(Offset log_start_offset);
  // Deletes the snapshots with offset < `offset`.
  result<void> delete_snapshots_before(Offset offset);
  // Deletes the snapshots with offset > `offset` (what truncate_and_reload does above the end).
  result<void> delete_snapshots_after(Offset offset);
  // LogLoader: deletes snapshots with no segment of the same base offset, keeping the largest
  // one if it is above every segment (written at a clean shutdown).
  result<void> remove_stray_snapshots(std::span<const Offset> segment_base_offsets);
  // Forgets the snapshot at `offset` and renames it to <name>.deleted for asynchronous deletion;
  // nullopt if there is none or it is already gone.
  result<std::optional<SnapshotFile>> remove_and_mark_snapshot_for_deletion(Offset offset);
  // The partition directory moved (renames, future replicas).
  void update_parent_dir(std::filesystem::path log_dir);

  // The corrupt snapshots the last reload deleted, for the caller to log.
  const std::vector<Error>& discarded_snapshots() const { return discarded_snapshots_; }

  // The producers as a snapshot holds them, in ascending producer id.
  std::vector<ProducerSnapshotEntry> snapshot_entries() const;

 private:
  ProducerStateManager(std::filesystem::path log_dir, ProducerStateManagerConfig config)
      : log_dir_(std::move(log_dir)), config_(config) {}
  bool is_producer_expired(int64_t now_ms, const ProducerStateEntry& entry) const;
  result<void> load_from_snapshot(Offset log_start_offset, int64_t now_ms);
  result<void> remove_and_delete_snapshot(Offset offset);
  void remove_unreplicated_transactions(Offset offset);
  void update_oldest_txn_timestamp();
  void clear_state();

  std::filesystem::path log_dir_;
  ProducerStateManagerConfig config_;
  std::map<ProducerId, ProducerStateEntry> producers_;
  // Ongoing transactions by first offset.
  std::map<Offset, TxnMetadata> ongoing_txns_;
  // Completed transactions whose markers are at or above the high watermark, by first offset.
  std::map<Offset, TxnMetadata> unreplicated_txns_;
  std::map<Offset, SnapshotFile> snapshots_;
  Offset last_map_offset_{0};
  Offset last_snap_offset_{0};
  int64_t oldest_txn_last_timestamp_ = -1;
  std::vector<Error> discarded_snapshots_;
};

}  // namespace strata::storage
