#include "record/control_record.h"

#include <fmt/format.h>

#include "record/record_batch_builder.h"

namespace strata::record {

namespace {

constexpr size_t kVersionSize = sizeof(int16_t);

template <class T>
void put(std::byte* at, T v) {
  using U = std::make_unsigned_t<T>;
  store_be<U>(at, static_cast<U>(v));
}

}  // namespace

std::array<std::byte, kControlRecordKeySize> control_record_key(ControlRecordType type) {
  std::array<std::byte, kControlRecordKeySize> key{};
  put<int16_t>(key.data(), kControlRecordKeyVersion);
  put<int16_t>(key.data() + kVersionSize, static_cast<int16_t>(type));
  return key;
}

result<ControlRecordType> parse_control_record_type(bytes_view key) {
  if (key.size() < kControlRecordKeySize) {
    return Error(RecordErrc::invalid_record,
                 fmt::format("control record key has {} bytes, needs at least {}", key.size(), kControlRecordKeySize));
  }
  const auto version = static_cast<int16_t>(load_be<uint16_t>(key.data()));
  if (version < kControlRecordKeyVersion) {
    return Error(RecordErrc::invalid_record, fmt::format("invalid control record key version {}", version));
  }
  const auto type = static_cast<int16_t>(load_be<uint16_t>(key.data() + kVersionSize));
  if (type < static_cast<int16_t>(ControlRecordType::abort) ||
      type > static_cast<int16_t>(ControlRecordType::kraft_voters)) {
    return ControlRecordType::unknown;
  }
  return static_cast<ControlRecordType>(type);
}

std::array<std::byte, kEndTxnMarkerValueSize> end_txn_marker_value(int32_t coordinator_epoch) {
  std::array<std::byte, kEndTxnMarkerValueSize> value{};
  put<int16_t>(value.data(), kEndTxnMarkerVersion);
  put<int32_t>(value.data() + kVersionSize, coordinator_epoch);
  return value;
}

result<EndTxnMarker> parse_end_txn_marker(const Record& record) {
  if (!record.key) return Error(RecordErrc::invalid_record, "control record has a null key");
  STRATA_TRY_ASSIGN(const ControlRecordType type, parse_control_record_type(*record.key));
  if (type != ControlRecordType::abort && type != ControlRecordType::commit) {
    return Error(RecordErrc::invalid_record,
                 fmt::format("control record type {} is not an end transaction marker", static_cast<int>(type)));
  }
  if (!record.value || record.value->size() < kEndTxnMarkerValueSize) {
    return Error(RecordErrc::invalid_record, "end transaction marker value is missing or shorter than 6 bytes");
  }
  const auto version = static_cast<int16_t>(load_be<uint16_t>(record.value->data()));
  if (version < kEndTxnMarkerVersion) {
    return Error(RecordErrc::invalid_record, fmt::format("invalid end transaction marker version {}", version));
  }
  EndTxnMarker marker;
  marker.type = type;
  marker.coordinator_epoch = static_cast<int32_t>(load_be<uint32_t>(record.value->data() + kVersionSize));
  return marker;
}

result<bytes> build_end_txn_marker_batch(const EndTxnMarkerBatch& batch) {
  if (batch.marker.type != ControlRecordType::abort && batch.marker.type != ControlRecordType::commit) {
    return Error(RecordErrc::invalid_argument, "an end transaction marker is ABORT or COMMIT");
  }
  BatchBuilderOptions options;
  options.base_offset = batch.base_offset;
  options.partition_leader_epoch = batch.partition_leader_epoch;
  options.producer_id = batch.producer_id;
  options.producer_epoch = batch.producer_epoch;
  options.base_sequence = kNoSequence;
  options.transactional = true;
  options.control = true;
  RecordBatchBuilder builder(options);
  const auto key = control_record_key(batch.marker.type);
  const auto value = end_txn_marker_value(batch.marker.coordinator_epoch);
  STRATA_TRY(builder.append(batch.timestamp, bytes_view(key), bytes_view(value)));
  return builder.build();
}

}  // namespace strata::record
