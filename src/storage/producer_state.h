// Per-producer state of a partition and the validation of one producer's appends, after Kafka's
// BatchMetadata, ProducerStateEntry, TxnMetadata, CompletedTxn and ProducerAppendInfo
// (org.apache.kafka.storage.internals.log, Kafka 3.x/4.0 semantics). ProducerStateManager
// (producer_state_manager.h) owns the entries of a partition; this file is the rules.
//
// The rules ProducerAppendInfo applies to a data batch, in Kafka's order:
//   1. epoch (every origin but replication): batch epoch < producer epoch -> invalid_producer_epoch.
//   2. sequence (client origin only):
//      - new epoch (batch epoch != producer epoch): the first sequence must be 0, unless the
//        producer is unknown (no epoch yet), which may start anywhere (KIP-360: its state may
//        have been removed by retention; Kafka before 2.5 answered UNKNOWN_PRODUCER_ID here);
//      - same epoch: first sequence == last sequence + 1, with INT32_MAX followed by 0, unless the
//        producer's epoch is unknown; otherwise out_of_order_sequence.
//   3. transactions: a non-transactional batch while a transaction is ongoing -> invalid_txn_state;
//      the first transactional batch starts a transaction at its first offset.
// Duplicates (a batch with the same epoch and the same first/last sequence as one of the last 5)
// are found before these rules, by ProducerStateManager::analyze_append.
#pragma once

#include <cstdint>
#include <deque>
#include <optional>
#include <vector>

#include "base/result.h"
#include "base/types.h"
#include "record/control_record.h"
#include "record/record_batch.h"
#include "record/validation.h"
#include "storage/producer_snapshot_file.h"

namespace strata::storage {

using record::AppendOrigin;

// ProducerStateEntry.NUM_BATCHES_TO_RETAIN: how many of a producer's last batches are kept to
// recognise a retried one (the producer's max.in.flight.requests.per.connection limit).
inline constexpr size_t kNumBatchesToRetain = 5;

// TransactionVersion: markers of transaction version 2 (KIP-890) must carry a bumped epoch.
inline constexpr int16_t kTransactionVersion0 = 0;
inline constexpr int16_t kTransactionVersion2 = 2;

// DefaultRecordBatch.incrementSequence / decrementSequence: sequences wrap from INT32_MAX to 0.
int32_t increment_sequence(int32_t sequence, int32_t increment);
int32_t decrement_sequence(int32_t sequence, int32_t decrement);

// Kafka's BatchMetadata: one appended batch of a producer.
struct BatchMetadata {
  int32_t last_seq = record::kNoSequence;
  Offset last_offset = kNoOffset;
  int32_t offset_delta = 0;  // last offset - first offset (also last seq - first seq)
  int64_t timestamp = record::kNoTimestamp;

  int32_t first_seq() const { return decrement_sequence(last_seq, offset_delta); }
  Offset first_offset() const { return last_offset - offset_delta; }
  friend bool operator==(const BatchMetadata&, const BatchMetadata&) = default;
};

// Kafka's ProducerStateEntry: what the partition knows of one producer.
class ProducerStateEntry {
 public:
  // ProducerStateEntry.empty: no epoch, coordinator epoch -1, no timestamp, no batches.
  static ProducerStateEntry empty(ProducerId producer_id);
  ProducerStateEntry(ProducerId producer_id, ProducerEpoch epoch, int32_t coordinator_epoch, int64_t last_timestamp,
                     std::optional<Offset> current_txn_first_offset, std::optional<BatchMetadata> first_batch);

  // As a snapshot stores it, and back (readSnapshot: a last offset < 0 means no batch metadata, a
  // current transaction first offset < 0 means none).
  ProducerSnapshotEntry to_snapshot_entry() const;
  static ProducerStateEntry from_snapshot_entry(const ProducerSnapshotEntry& entry);

  ProducerId producer_id() const { return producer_id_; }
  ProducerEpoch producer_epoch() const { return producer_epoch_; }
  int32_t coordinator_epoch() const { return coordinator_epoch_; }
  int64_t last_timestamp() const { return last_timestamp_; }
  std::optional<Offset> current_txn_first_offset() const { return current_txn_first_offset_; }
  // Oldest first; at most kNumBatchesToRetain, all of producer_epoch().
  const std::deque<BatchMetadata>& batch_metadata() const { return batches_; }

  bool is_empty() const { return batches_.empty(); }
  int32_t first_seq() const;          // kNoSequence when empty
  int32_t last_seq() const;           // kNoSequence when empty
  Offset first_data_offset() const;   // -1 when empty
  Offset last_data_offset() const;    // -1 when empty
  int32_t last_offset_delta() const;  // 0 when empty

  // The same state with another id and no batches (ProducerAppendInfo's working copy).
  ProducerStateEntry with_producer_id_and_no_batches(ProducerId producer_id) const;

  void add_batch(ProducerEpoch epoch, int32_t last_seq, Offset last_offset, int32_t offset_delta, int64_t timestamp);
  // A new epoch forgets the batches of the old one. True when the epoch changed.
  bool maybe_update_producer_epoch(ProducerEpoch epoch);
  // Folds a newer entry of the same producer in (its epoch, batches, coordinator epoch, current
  // transaction and timestamp).
  void update(const ProducerStateEntry& next);
  // What a transaction marker does: epoch, coordinator epoch, timestamp; the transaction ends.
  void update(ProducerEpoch epoch, int32_t coordinator_epoch, int64_t last_timestamp);
  void set_current_txn_first_offset(Offset first_offset) { current_txn_first_offset_ = first_offset; }

  // findDuplicateBatch: a retained batch of the same epoch with exactly this sequence range.
  std::optional<BatchMetadata> find_duplicate_batch(ProducerEpoch epoch, int32_t first_seq, int32_t last_seq) const;

  friend bool operator==(const ProducerStateEntry&, const ProducerStateEntry&) = default;

 private:
  void add_batch_metadata(const BatchMetadata& batch);

  ProducerId producer_id_;
  ProducerEpoch producer_epoch_;
  int32_t coordinator_epoch_;
  int64_t last_timestamp_;
  std::optional<Offset> current_txn_first_offset_;
  std::deque<BatchMetadata> batches_;  // Invariant: size <= kNumBatchesToRetain
};

// Kafka's TxnMetadata: a transaction of one producer, from its first offset; last_offset is set
// when its marker is appended.
struct TxnMetadata {
  ProducerId producer_id;
  Offset first_offset;
  std::optional<Offset> last_offset;
  friend bool operator==(const TxnMetadata&, const TxnMetadata&) = default;
};

// Kafka's CompletedTxn: a transaction ended by a marker at last_offset.
struct CompletedTxn {
  ProducerId producer_id;
  Offset first_offset;
  Offset last_offset;  // the marker's offset
  bool is_aborted = false;
  friend bool operator==(const CompletedTxn&, const CompletedTxn&) = default;
};

// Kafka's ProducerAppendInfo: validates the batches one producer appends in one request, against
// the producer's state before the request and each other, and accumulates the updated state. Apply
// it with ProducerStateManager::update only after the batches are in the log.
class ProducerAppendInfo {
 public:
  ProducerAppendInfo(ProducerId producer_id, const ProducerStateEntry& current, AppendOrigin origin);

  ProducerId producer_id() const { return producer_id_; }
  AppendOrigin origin() const { return origin_; }

  // A batch of this producer with its final offsets: data batches go to append_data_batch, control
  // batches (whose single record is read, decompressing if needed) to append_end_txn_marker with
  // transaction version 0 (the marker's version is not in the log). A control batch without
  // records (cleaned away) changes nothing. Record errors (a malformed control record) keep their
  // record category.
  result<std::optional<CompletedTxn>> append(const record::RecordBatchView& batch,
                                             int16_t transaction_version = kTransactionVersion0);

  result<void> append_data_batch(ProducerEpoch epoch, int32_t first_seq, int32_t last_seq, int64_t last_timestamp,
                                 Offset first_offset, Offset last_offset, bool is_transactional);

  // The completed transaction when the producer had one ongoing (an empty transaction's marker
  // completes nothing and moves no stable offset).
  result<std::optional<CompletedTxn>> append_end_txn_marker(const record::EndTxnMarker& marker, ProducerEpoch epoch,
                                                            Offset offset, int64_t timestamp,
                                                            int16_t transaction_version = kTransactionVersion0);

  const ProducerStateEntry& to_entry() const { return updated_; }
  const std::vector<TxnMetadata>& started_transactions() const { return transactions_; }

 private:
  result<void> check_producer_epoch(ProducerEpoch epoch, Offset offset, int16_t transaction_version) const;
  result<void> check_sequence(ProducerEpoch epoch, int32_t first_seq, Offset offset) const;
  result<void> check_coordinator_epoch(const record::EndTxnMarker& marker, Offset offset) const;

  ProducerId producer_id_;
  ProducerEpoch current_epoch_;  // of the entry before this request
  int32_t current_last_seq_;     // likewise
  AppendOrigin origin_;
  ProducerStateEntry updated_;
  std::vector<TxnMetadata> transactions_;
};

}  // namespace strata::storage
