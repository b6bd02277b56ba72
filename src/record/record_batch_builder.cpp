#include "record/record_batch_builder.h"

#include <fmt/format.h>

#include <limits>

namespace strata::record {

namespace {

constexpr size_t kMaxInt32 = static_cast<size_t>(std::numeric_limits<int32_t>::max());
// The largest batch whose batchLength (size - 12) fits an int32.
constexpr size_t kMaxBatchSize = kMaxInt32 + kLogOverhead;

Error misuse(std::string message) { return Error(RecordErrc::invalid_argument, std::move(message)); }

bool fits_int32(std::optional<bytes_view> b) { return !b || b->size() <= kMaxInt32; }

template <class T>
void put(bytes& out, size_t at, T v) {
  using U = std::make_unsigned_t<T>;
  store_be<U>(out.data() + at, static_cast<U>(v));
}

}  // namespace

RecordBatchBuilder::RecordBatchBuilder(BatchBuilderOptions options) : options_(options) {}

result<void> RecordBatchBuilder::append(int64_t timestamp, std::optional<bytes_view> key,
                                        std::optional<bytes_view> value, std::span<const RecordHeaderView> headers) {
  if (last_offset_delta_ == std::numeric_limits<int32_t>::max()) {
    return misuse("a batch holds at most 2^31 offsets");
  }
  return append_with_offset_delta(last_offset_delta_ + 1, timestamp, key, value, headers);
}

result<void> RecordBatchBuilder::append_with_offset_delta(int32_t offset_delta, int64_t timestamp,
                                                          std::optional<bytes_view> key,
                                                          std::optional<bytes_view> value,
                                                          std::span<const RecordHeaderView> headers) {
  if (built_) return misuse("append after build()");
  if (offset_delta <= last_offset_delta_) {
    return misuse(fmt::format("offset delta {} is not above the previous {}", offset_delta, last_offset_delta_));
  }
  if (timestamp < 0 && timestamp != kNoTimestamp)
    return misuse(fmt::format("invalid negative timestamp {}", timestamp));
  if (options_.control && count_ > 0) return misuse("a control batch holds exactly one record");
  if (!fits_int32(key) || !fits_int32(value) || headers.size() > kMaxInt32) {
    return misuse("record key, value or header count over 2 GiB");
  }
  for (const auto& h : headers) {
    if (h.key.size() > kMaxInt32 || !fits_int32(h.value)) return misuse("record header over 2 GiB");
  }

  if (count_ == 0) first_timestamp_ = timestamp;
  const int64_t base_timestamp = options_.delete_horizon_ms.value_or(first_timestamp_);
  // Deltas wrap like Java's long arithmetic; only absurd timestamps (e.g. -1 after a real one)
  // make them large, and the reader adds them back the same way.
  const auto timestamp_delta =
      static_cast<int64_t>(static_cast<uint64_t>(timestamp) - static_cast<uint64_t>(base_timestamp));
  const size_t size = record_size(offset_delta, timestamp_delta, key, value, headers);
  if (size > kMaxInt32) return misuse("record over 2 GiB");
  append_record(records_, offset_delta, timestamp_delta, key, value, headers);

  if (timestamp > max_timestamp_) {
    max_timestamp_ = timestamp;
    offset_delta_of_max_ = offset_delta;
  }
  last_offset_delta_ = offset_delta;
  ++count_;
  return success();
}

result<void> RecordBatchBuilder::check_producer_fields() const {
  // MemoryRecordsBuilder's checks.
  if (options_.transactional && options_.producer_id == kNoProducerId) {
    return misuse("cannot write transactional records without a valid producer id");
  }
  if (options_.producer_id != kNoProducerId) {
    if (options_.producer_epoch.value() < 0) return misuse("invalid negative producer epoch");
    if (options_.base_sequence < 0 && !options_.control) return misuse("invalid negative sequence number");
  }
  if (options_.timestamp_type == TimestampType::log_append_time && options_.log_append_time < 0) {
    return misuse("a LogAppendTime batch needs the log append time");
  }
  return success();
}

result<bytes> RecordBatchBuilder::build() {
  if (built_) return misuse("build() called twice");
  if (count_ == 0) return misuse("a record batch needs at least one record");
  STRATA_TRY(check_producer_fields());
  built_ = true;

  bytes batch(kRecordBatchHeaderSize);
  batch.reserve(kRecordBatchHeaderSize + records_.size());
  STRATA_TRY(compress(options_.compression, records_, batch));
  records_ = bytes();
  if (batch.size() > kMaxBatchSize) {
    return Error(RecordErrc::batch_too_large,
                 fmt::format("batch of {} bytes exceeds the int32 batch length", batch.size()));
  }

  const bool log_append = options_.timestamp_type == TimestampType::log_append_time;
  const uint16_t attributes =
      make_attributes(options_.compression.codec, options_.timestamp_type, options_.transactional, options_.control,
                      options_.delete_horizon_ms.has_value());
  put<int64_t>(batch, kBaseOffsetOffset, options_.base_offset.value());
  put<int32_t>(batch, kBatchLengthOffset, static_cast<int32_t>(batch.size() - kLogOverhead));
  put<int32_t>(batch, kPartitionLeaderEpochOffset, options_.partition_leader_epoch.value());
  put<int8_t>(batch, kMagicOffset, kMagicV2);
  put<uint16_t>(batch, kAttributesOffset, attributes);
  put<int32_t>(batch, kLastOffsetDeltaOffset, last_offset_delta_);
  put<int64_t>(batch, kBaseTimestampOffset, options_.delete_horizon_ms.value_or(first_timestamp_));
  put<int64_t>(batch, kMaxTimestampOffset, log_append ? options_.log_append_time : max_timestamp_);
  put<int64_t>(batch, kProducerIdOffset, options_.producer_id.value());
  put<int16_t>(batch, kProducerEpochOffset, options_.producer_epoch.value());
  put<int32_t>(batch, kBaseSequenceOffset, options_.base_sequence);
  put<int32_t>(batch, kRecordCountOffset, count_);
  STRATA_TRY_ASSIGN(auto view, MutableRecordBatch::parse(batch));
  view.update_crc();
  return batch;
}

}  // namespace strata::record
