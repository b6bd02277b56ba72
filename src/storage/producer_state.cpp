#include "storage/producer_state.h"

#include <fmt/format.h>

#include <limits>

#include "record/record.h"
#include "storage/producer_state_error.h"

namespace strata::storage {

int32_t increment_sequence(int32_t sequence, int32_t increment) {
  if (sequence > std::numeric_limits<int32_t>::max() - increment) {
    return increment - (std::numeric_limits<int32_t>::max() - sequence) - 1;
  }
  return sequence + increment;
}

int32_t decrement_sequence(int32_t sequence, int32_t decrement) {
  if (sequence < decrement) return std::numeric_limits<int32_t>::max() - (decrement - sequence) + 1;
  return sequence - decrement;
}

// --- ProducerStateEntry --------------------------------------------------------------------------

ProducerStateEntry ProducerStateEntry::empty(ProducerId producer_id) {
  return ProducerStateEntry(producer_id, kNoProducerEpoch, -1, record::kNoTimestamp, std::nullopt, std::nullopt);
}

ProducerStateEntry::ProducerStateEntry(ProducerId producer_id, ProducerEpoch epoch, int32_t coordinator_epoch,
                                       int64_t last_timestamp, std::optional<Offset> current_txn_first_offset,
                                       std::optional<BatchMetadata> first_batch)
    : producer_id_(producer_id),
      producer_epoch_(epoch),
      coordinator_epoch_(coordinator_epoch),
      last_timestamp_(last_timestamp),
      current_txn_first_offset_(current_txn_first_offset) {
  if (first_batch) batches_.push_back(*first_batch);
}

ProducerSnapshotEntry ProducerStateEntry::to_snapshot_entry() const {
  ProducerSnapshotEntry e;
  e.producer_id = producer_id_;
  e.epoch = producer_epoch_;
  e.last_sequence = last_seq();
  e.last_offset = last_data_offset();
  e.offset_delta = last_offset_delta();
  e.timestamp = last_timestamp_;
  e.coordinator_epoch = coordinator_epoch_;
  e.current_txn_first_offset = current_txn_first_offset_.value_or(kNoOffset);
  return e;
}

ProducerStateEntry ProducerStateEntry::from_snapshot_entry(const ProducerSnapshotEntry& e) {
  std::optional<Offset> txn_first;
  if (e.current_txn_first_offset.value() >= 0) txn_first = e.current_txn_first_offset;
  std::optional<BatchMetadata> batch;
  if (e.last_offset.value() >= 0) batch = BatchMetadata{e.last_sequence, e.last_offset, e.offset_delta, e.timestamp};
  return ProducerStateEntry(e.producer_id, e.epoch, e.coordinator_epoch, e.timestamp, txn_first, batch);
}

int32_t ProducerStateEntry::first_seq() const {
  return is_empty() ? record::kNoSequence : batches_.front().first_seq();
}
int32_t ProducerStateEntry::last_seq() const { return is_empty() ? record::kNoSequence : batches_.back().last_seq; }
Offset ProducerStateEntry::first_data_offset() const {
  return is_empty() ? kNoOffset : batches_.front().first_offset();
}
Offset ProducerStateEntry::last_data_offset() const { return is_empty() ? kNoOffset : batches_.back().last_offset; }
int32_t ProducerStateEntry::last_offset_delta() const { return is_empty() ? 0 : batches_.back().offset_delta; }

ProducerStateEntry ProducerStateEntry::with_producer_id_and_no_batches(ProducerId producer_id) const {
  return ProducerStateEntry(producer_id, producer_epoch_, coordinator_epoch_, last_timestamp_,
                            current_txn_first_offset_, std::nullopt);
}

void ProducerStateEntry::add_batch(ProducerEpoch epoch, int32_t last_seq, Offset last_offset, int32_t offset_delta,
                                   int64_t timestamp) {
  maybe_update_producer_epoch(epoch);
  add_batch_metadata(BatchMetadata{last_seq, last_offset, offset_delta, timestamp});
  last_timestamp_ = timestamp;
}

bool ProducerStateEntry::maybe_update_producer_epoch(ProducerEpoch epoch) {
  if (producer_epoch_ == epoch) return false;
  batches_.clear();
  producer_epoch_ = epoch;
  return true;
}

void ProducerStateEntry::add_batch_metadata(const BatchMetadata& batch) {
  if (batches_.size() == kNumBatchesToRetain) batches_.pop_front();
  batches_.push_back(batch);
}

void ProducerStateEntry::update(const ProducerStateEntry& next) {
  maybe_update_producer_epoch(next.producer_epoch_);
  for (const BatchMetadata& batch : next.batches_) add_batch_metadata(batch);
  coordinator_epoch_ = next.coordinator_epoch_;
  current_txn_first_offset_ = next.current_txn_first_offset_;
  last_timestamp_ = next.last_timestamp_;
}

void ProducerStateEntry::update(ProducerEpoch epoch, int32_t coordinator_epoch, int64_t last_timestamp) {
  maybe_update_producer_epoch(epoch);
  coordinator_epoch_ = coordinator_epoch;
  current_txn_first_offset_.reset();
  last_timestamp_ = last_timestamp;
}

std::optional<BatchMetadata> ProducerStateEntry::find_duplicate_batch(ProducerEpoch epoch, int32_t first_seq,
                                                                      int32_t last_seq) const {
  if (epoch != producer_epoch_) return std::nullopt;
  for (const BatchMetadata& batch : batches_) {
    if (batch.first_seq() == first_seq && batch.last_seq == last_seq) return batch;
  }
  return std::nullopt;
}

// --- ProducerAppendInfo --------------------------------------------------------------------------

ProducerAppendInfo::ProducerAppendInfo(ProducerId producer_id, const ProducerStateEntry& current, AppendOrigin origin)
    : producer_id_(producer_id),
      current_epoch_(current.producer_epoch()),
      current_last_seq_(current.last_seq()),
      origin_(origin),
      updated_(current.with_producer_id_and_no_batches(producer_id)) {}

result<void> ProducerAppendInfo::check_producer_epoch(ProducerEpoch epoch, Offset offset,
                                                      int16_t transaction_version) const {
  const ProducerEpoch current = updated_.producer_epoch();
  const bool strict = transaction_version >= kTransactionVersion2;
  const bool invalid = strict ? epoch <= current : epoch < current;
  if (!invalid) return success();
  // KAFKA-19999: a TV2 marker retried after it was written carries the current epoch and finds no
  // transaction ongoing; it is written again rather than refused.
  if (strict && epoch == current && !updated_.current_txn_first_offset()) return success();
  // Replicas take what the leader wrote (Kafka logs a warning).
  if (origin_ == AppendOrigin::replication) return success();
  return Error(ProducerStateErrc::invalid_producer_epoch,
               fmt::format("Epoch of producer {} at offset {} is {}, which is {} the last seen epoch {}", producer_id_,
                           offset, epoch, strict ? "<=" : "<", current));
}

result<void> ProducerAppendInfo::check_sequence(ProducerEpoch epoch, int32_t first_seq, Offset offset) const {
  if (epoch != updated_.producer_epoch()) {
    // A new epoch starts at sequence 0; an unknown producer (no epoch) may start anywhere.
    if (first_seq != 0 && updated_.producer_epoch() != kNoProducerEpoch) {
      return Error(ProducerStateErrc::out_of_order_sequence,
                   fmt::format("Invalid sequence number for new epoch of producer {} at offset {}: {} (request epoch), "
                               "{} (seq. number), {} (current producer epoch)",
                               producer_id_, offset, epoch, first_seq, updated_.producer_epoch()));
    }
    return success();
  }
  int32_t current_last_seq = record::kNoSequence;
  if (!updated_.is_empty()) {
    current_last_seq = updated_.last_seq();
  } else if (epoch == current_epoch_) {
    current_last_seq = current_last_seq_;
  }
  // Java compares lastSeq + 1L as a long: INT32_MAX + 1 is never a valid int sequence, only the
  // wrap to 0 is.
  const bool in_sequence = int64_t{first_seq} == int64_t{current_last_seq} + 1 ||
                           (first_seq == 0 && current_last_seq == std::numeric_limits<int32_t>::max());
  // With no epoch known (the producer's records were all removed by retention or DeleteRecords)
  // any sequence is accepted.
  if (current_epoch_ == kNoProducerEpoch || in_sequence) return success();
  return Error(ProducerStateErrc::out_of_order_sequence,
               fmt::format("Out of order sequence number for producer {} at offset {}: {} (incoming seq. number), {} "
                           "(current end sequence number)",
                           producer_id_, offset, first_seq, current_last_seq));
}

result<std::optional<CompletedTxn>> ProducerAppendInfo::append(const record::RecordBatchView& batch,
                                                               int16_t transaction_version) {
  if (batch.is_control()) {
    STRATA_TRY_ASSIGN(record::BatchRecords records, record::BatchRecords::open(batch));
    record::RecordIterator it = records.iterator();
    STRATA_TRY_ASSIGN(std::optional<record::Record> first, it.next());
    // An empty control batch: the whole transaction was cleaned from the log.
    if (!first) return std::optional<CompletedTxn>{};
    STRATA_TRY_ASSIGN(record::EndTxnMarker marker, record::parse_end_txn_marker(*first));
    return append_end_txn_marker(marker, batch.producer_epoch(), batch.base_offset(), first->timestamp,
                                 transaction_version);
  }
  STRATA_TRY(append_data_batch(batch.producer_epoch(), batch.base_sequence(), batch.last_sequence(),
                               batch.max_timestamp(), batch.base_offset(), batch.last_offset(),
                               batch.is_transactional()));
  return std::optional<CompletedTxn>{};
}

result<void> ProducerAppendInfo::append_data_batch(ProducerEpoch epoch, int32_t first_seq, int32_t last_seq,
                                                   int64_t last_timestamp, Offset first_offset, Offset last_offset,
                                                   bool is_transactional) {
  // Data batches are checked with the legacy epoch rule (Kafka passes TV_UNKNOWN).
  STRATA_TRY(check_producer_epoch(epoch, first_offset, kTransactionVersion0));
  if (origin_ == AppendOrigin::client) STRATA_TRY(check_sequence(epoch, first_seq, first_offset));

  const std::optional<Offset> txn_first = updated_.current_txn_first_offset();
  if (txn_first && !is_transactional) {
    return Error(ProducerStateErrc::invalid_txn_state,
                 fmt::format("Expected transactional write from producer {} at offset {}", producer_id_, first_offset));
  }
  updated_.add_batch(epoch, last_seq, last_offset, static_cast<int32_t>(last_offset - first_offset), last_timestamp);
  if (!txn_first && is_transactional) {
    updated_.set_current_txn_first_offset(first_offset);
    transactions_.push_back(TxnMetadata{producer_id_, first_offset, std::nullopt});
  }
  return success();
}

result<void> ProducerAppendInfo::check_coordinator_epoch(const record::EndTxnMarker& marker, Offset offset) const {
  if (updated_.coordinator_epoch() <= marker.coordinator_epoch) return success();
  if (origin_ == AppendOrigin::replication) return success();  // Kafka logs it and takes the marker
  return Error(ProducerStateErrc::coordinator_fenced,
               fmt::format("Invalid coordinator epoch for producerId {} at offset {}: {} (zombie), {} (current)",
                           producer_id_, offset, marker.coordinator_epoch, updated_.coordinator_epoch()));
}

result<std::optional<CompletedTxn>> ProducerAppendInfo::append_end_txn_marker(const record::EndTxnMarker& marker,
                                                                              ProducerEpoch epoch, Offset offset,
                                                                              int64_t timestamp,
                                                                              int16_t transaction_version) {
  STRATA_TRY(check_producer_epoch(epoch, offset, transaction_version));
  STRATA_TRY(check_coordinator_epoch(marker, offset));
  std::optional<CompletedTxn> completed;
  if (auto first = updated_.current_txn_first_offset()) {
    completed = CompletedTxn{producer_id_, *first, offset, marker.type == record::ControlRecordType::abort};
  }
  updated_.update(epoch, marker.coordinator_epoch, timestamp);
  return completed;
}

}  // namespace strata::storage
