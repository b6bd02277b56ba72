// Control records: the single record of a control batch (attribute bit 5), written by the broker,
// never by clients. Kafka's ControlRecordType and EndTransactionMarker:
//
//   key    int16 version (0), int16 type          ControlRecordTypeSchema v0
//   value  for ABORT/COMMIT: int16 version (0), int32 coordinatorEpoch   EndTxnMarker v0
//
// Transaction markers are control batches that are also transactional, carry the producer's id
// and epoch, baseSequence -1, CreateTime, and one record at offset delta 0. Format:
// docs/formats/record-batch.md, "Control records".
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>

#include "base/bytes.h"
#include "base/result.h"
#include "base/types.h"
#include "record/record.h"

namespace strata::record {

// ControlRecordType ids. Types Kafka does not know parse as `unknown` (and are skipped by readers).
enum class ControlRecordType : int16_t {
  abort = 0,
  commit = 1,
  leader_change = 2,    // KRaft
  snapshot_header = 3,  // KRaft
  snapshot_footer = 4,  // KRaft
  kraft_version = 5,    // KRaft
  kraft_voters = 6,     // KRaft
  unknown = -1,
};

inline constexpr int16_t kControlRecordKeyVersion = 0;  // ControlRecordTypeSchema highest version
inline constexpr size_t kControlRecordKeySize = 4;      // version + type
inline constexpr int16_t kEndTxnMarkerVersion = 0;      // EndTxnMarker highest version
inline constexpr size_t kEndTxnMarkerValueSize = 6;     // version + coordinatorEpoch

// The key of a control record of `type` (type must not be unknown).
std::array<std::byte, kControlRecordKeySize> control_record_key(ControlRecordType type);

// The type in a control record key. Fails with invalid_record for a key under 4 bytes or a
// negative version; a higher version is read as version 0 (Kafka's forward compatibility).
result<ControlRecordType> parse_control_record_type(bytes_view key);

struct EndTxnMarker {
  ControlRecordType type = ControlRecordType::abort;  // abort or commit
  int32_t coordinator_epoch = 0;
  bool operator==(const EndTxnMarker&) const = default;
};

std::array<std::byte, kEndTxnMarkerValueSize> end_txn_marker_value(int32_t coordinator_epoch);

// The marker in a control record: its key must be ABORT or COMMIT and its value an EndTxnMarker.
result<EndTxnMarker> parse_end_txn_marker(const Record& record);

// A complete control batch holding one end-transaction marker, as Kafka's
// MemoryRecords.withEndTransactionMarker writes it.
struct EndTxnMarkerBatch {
  Offset base_offset{0};
  LeaderEpoch partition_leader_epoch = kNoLeaderEpoch;
  int64_t timestamp = kNoTimestamp;
  ProducerId producer_id = kNoProducerId;
  ProducerEpoch producer_epoch = kNoProducerEpoch;
  EndTxnMarker marker;
};
result<bytes> build_end_txn_marker_batch(const EndTxnMarkerBatch& batch);

}  // namespace strata::record
