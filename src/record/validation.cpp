#include "record/validation.h"

#include <fmt/format.h>

#include <algorithm>

#include "record/record_batch_builder.h"

namespace strata::record {

namespace {

// Kafka reports at most this many record errors in the exception message (LogValidator).
constexpr size_t kRecordErrorsInMessage = 3;

bool has_timestamp_bounds(const AppendOptions& options) {
  return options.timestamp_before_max_ms != kNoTimestampBound || options.timestamp_after_max_ms != kNoTimestampBound;
}

// LogValidator.validateTimestamp for one record; empty when the record passes.
std::optional<std::string> timestamp_error(const RecordBatchView& batch, const Record& record,
                                           const AppendOptions& options) {
  if (options.timestamp_type == TimestampType::create_time && record.timestamp != kNoTimestamp) {
    // Exact arithmetic: Kafka's long subtraction could wrap for absurd timestamps; ours cannot.
    const __int128 diff = static_cast<__int128>(options.now_ms) - record.timestamp;
    if (diff > options.timestamp_before_max_ms || -diff > options.timestamp_after_max_ms) {
      const __int128 low = static_cast<__int128>(options.now_ms) - options.timestamp_before_max_ms;
      const __int128 high = static_cast<__int128>(options.now_ms) + options.timestamp_after_max_ms;
      return fmt::format(
          "Timestamp {} of message with offset {} is out of range. The timestamp should be within [{}, {}]",
          record.timestamp, record.offset, static_cast<int64_t>(std::max<__int128>(low, INT64_MIN)),
          static_cast<int64_t>(std::min<__int128>(high, INT64_MAX)));
    }
  } else if (batch.timestamp_type() == TimestampType::log_append_time) {
    return fmt::format(
        "Invalid timestamp type in message with offset {}. Producer should not set timestamp type "
        "to LogAppendTime.",
        record.offset);
  }
  return std::nullopt;
}

// What walking the records found.
struct Walk {
  int64_t max_timestamp = kNoTimestamp;
  int32_t index_of_max_timestamp = -1;
  bool offsets_consecutive = true;  // offset deltas are 0, 1, ..., n-1
  size_t uncompressed_size = 0;
  std::vector<Record> records;  // kept only when the batch will be rebuilt
};

result<Walk> walk_records(const RecordBatchView& batch, const BatchRecords& records, const AppendOptions& options,
                          bool keep_records, std::vector<RecordError>* record_errors) {
  Walk walk;
  walk.uncompressed_size = records.records().size();
  std::vector<RecordError> errors;
  bool any_timestamp_error = false;
  RecordIterator it = records.iterator();
  for (int32_t index = 0;; ++index) {
    STRATA_TRY_ASSIGN(auto next, it.next());
    if (!next) break;
    const Record& record = *next;
    if (options.compacted && !record.key) {
      errors.push_back({index, "Compacted topic cannot accept message without key"});
    } else if (auto error = timestamp_error(batch, record, options)) {
      any_timestamp_error = true;
      errors.push_back({index, std::move(*error)});
    }
    if (record.timestamp > walk.max_timestamp) {
      walk.max_timestamp = record.timestamp;
      walk.index_of_max_timestamp = index;
    }
    if (record.offset_delta != index) walk.offsets_consecutive = false;
    if (keep_records) walk.records.push_back(record);
  }
  if (errors.empty()) return walk;

  std::string shown;
  for (size_t i = 0; i < std::min(errors.size(), kRecordErrorsInMessage); ++i) {
    shown += fmt::format("{}[{}: {}]", i == 0 ? "" : ", ", errors[i].batch_index, errors[i].message);
  }
  const size_t count = errors.size();
  if (record_errors != nullptr) *record_errors = std::move(errors);
  if (any_timestamp_error) {
    return Error(RecordErrc::invalid_timestamp,
                 fmt::format("One or more records have been rejected due to invalid timestamp: {}", shown));
  }
  return Error(RecordErrc::null_key_compacted,
               fmt::format("One or more records have been rejected due to {} record errors in total, and only "
                           "showing the first three errors at most: {}",
                           count, shown));
}

struct RebuildSpec {
  Compression target;
  Offset base_offset{0};
  bool renumber_offsets = false;  // offset deltas become 0..n-1
  LeaderEpoch partition_leader_epoch = kNoLeaderEpoch;
  TimestampType timestamp_type = TimestampType::create_time;
  int64_t log_append_time = kNoTimestamp;
};

result<bytes> rebuild(const RecordBatchView& batch, const std::vector<Record>& records, const RebuildSpec& spec,
                      bool raw_timestamps) {
  BatchBuilderOptions options;
  options.base_offset = spec.base_offset;
  options.partition_leader_epoch = spec.partition_leader_epoch;
  options.compression = spec.target;
  options.timestamp_type = spec.timestamp_type;
  options.log_append_time = spec.log_append_time;
  options.producer_id = batch.producer_id();
  options.producer_epoch = batch.producer_epoch();
  options.base_sequence = batch.base_sequence();
  options.transactional = batch.is_transactional();
  options.control = batch.is_control();
  options.delete_horizon_ms = batch.delete_horizon_ms();
  RecordBatchBuilder builder(options);
  std::vector<RecordHeaderView> headers;
  for (const Record& record : records) {
    headers = record.headers.to_vector();
    // The create time of the record as written, even in a LogAppendTime batch (whose records keep
    // their producer timestamps in the deltas).
    const int64_t timestamp = raw_timestamps ? static_cast<int64_t>(static_cast<uint64_t>(batch.base_timestamp()) +
                                                                    static_cast<uint64_t>(record.timestamp_delta))
                                             : record.timestamp;
    if (spec.renumber_offsets) {
      STRATA_TRY(builder.append(timestamp, record.key, record.value, headers));
    } else {
      STRATA_TRY(builder.append_with_offset_delta(record.offset_delta, timestamp, record.key, record.value, headers));
    }
  }
  return builder.build();
}

Error invalid_batch(std::string message) { return Error(RecordErrc::invalid_batch, std::move(message)); }

// LogValidator.validateBatch (and the count consistency every append relies on).
result<void> validate_batch_header(const RecordBatchView& batch, const AppendOptions& options) {
  const bool client = options.origin == AppendOrigin::client;
  const int64_t count_from_offsets = static_cast<int64_t>(batch.last_offset_delta()) + 1;
  if (count_from_offsets <= 0) {
    return invalid_batch(
        fmt::format("Batch has an invalid offset range: [{}, {}]", batch.base_offset(), batch.last_offset()));
  }
  const int32_t count = batch.record_count();
  if (count <= 0) return invalid_batch(fmt::format("Invalid reported count for record batch: {}", count));
  if (count_from_offsets != count) {
    return invalid_batch(fmt::format("Inconsistent batch offset range [{}, {}] and count of records {}",
                                     batch.base_offset(), batch.last_offset(), count));
  }
  if (client && batch.is_control()) {
    return Error(RecordErrc::control_batch_from_client, "Clients are not allowed to write control records");
  }
  if (client && batch.has_producer_id() && batch.base_sequence() < 0) {
    return invalid_batch(fmt::format("Invalid sequence number {} in record batch with producerId {}",
                                     batch.base_sequence(), batch.producer_id()));
  }
  return success();
}

}  // namespace

result<AppendInfo> validate_and_assign(std::span<std::byte> bytes_in, const AppendOptions& options,
                                       std::vector<RecordError>* record_errors) {
  STRATA_TRY_ASSIGN(MutableRecordBatch batch, MutableRecordBatch::parse(bytes_in));
  const RecordBatchView view = batch.view();

  // UnifiedLog.analyzeAndValidateRecords, in its order.
  if (options.origin == AppendOrigin::client && view.base_offset() != Offset{0}) {
    return invalid_batch(
        fmt::format("The baseOffset of the record batch should be 0, but it is {}", view.base_offset()));
  }
  if (view.size_in_bytes() > static_cast<size_t>(std::max(options.max_message_bytes, 0))) {
    return Error(RecordErrc::message_too_large,
                 fmt::format("The record batch size is {} bytes which exceeds the maximum configured value of {}",
                             view.size_in_bytes(), options.max_message_bytes));
  }
  STRATA_TRY(view.check_crc());
  STRATA_TRY_ASSIGN(const CompressionCodec source_codec, view.codec());
  STRATA_TRY(validate_batch_header(view, options));

  const Compression target = options.compression.target(source_codec);
  // LogValidator: control records are not compressed unless they were written compressed.
  const bool keep_codec = target.codec == source_codec || (source_codec == CompressionCodec::none && view.is_control());
  const bool must_walk = !view.is_compressed() || !keep_codec || options.deep_validation || options.compacted ||
                         view.timestamp_type() == TimestampType::log_append_time ||
                         (options.timestamp_type == TimestampType::create_time && has_timestamp_bounds(options));

  AppendInfo info;
  info.source_codec = source_codec;
  info.first_offset = options.next_offset;
  info.record_count = view.record_count();
  info.last_offset = options.next_offset + (view.record_count() - 1);
  const bool log_append = options.timestamp_type == TimestampType::log_append_time;
  if (log_append) info.log_append_time = options.now_ms;

  if (!must_walk) {
    // Header-only path: the compressed bytes are not read.
    batch.set_base_offset(options.next_offset);
    batch.set_partition_leader_epoch(options.partition_leader_epoch);
    if (log_append) {
      batch.set_max_timestamp(TimestampType::log_append_time, options.now_ms);
      info.max_timestamp = options.now_ms;
      info.offset_of_max_timestamp = info.first_offset;
    } else {
      info.max_timestamp = view.max_timestamp();
    }
    info.stored_codec = source_codec;
    return info;
  }

  STRATA_TRY_ASSIGN(BatchRecords records, BatchRecords::open(view, options.max_decompressed_bytes));
  info.records_walked = true;
  info.decompressed = records.was_decompressed();
  // Kafka rebuilds a compressed batch whose inner offsets are not 0..n-1; we learn that while
  // walking, so records are kept whenever the batch is compressed or changes codec.
  const bool may_rebuild = !keep_codec || view.is_compressed();
  STRATA_TRY_ASSIGN(Walk walk, walk_records(view, records, options, may_rebuild, record_errors));
  info.uncompressed_records_size = walk.uncompressed_size;
  const bool rebuild_needed = !keep_codec || (view.is_compressed() && !walk.offsets_consecutive);

  if (log_append) {
    info.max_timestamp = options.now_ms;
    info.offset_of_max_timestamp = info.first_offset;
  } else {
    info.max_timestamp = walk.max_timestamp;
    if (walk.index_of_max_timestamp >= 0)
      info.offset_of_max_timestamp = options.next_offset + walk.index_of_max_timestamp;
  }

  if (rebuild_needed) {
    RebuildSpec spec;
    // When keep_codec holds here the batch is compressed, so target.codec == source_codec: the
    // rebuild only renumbers inner offsets.
    spec.target = target;
    spec.base_offset = options.next_offset;
    spec.renumber_offsets = true;
    spec.partition_leader_epoch = options.partition_leader_epoch;
    spec.timestamp_type = options.timestamp_type;
    spec.log_append_time = log_append ? options.now_ms : kNoTimestamp;
    STRATA_TRY_ASSIGN(bytes converted, rebuild(view, walk.records, spec, /*raw_timestamps=*/false));
    if (converted.size() > static_cast<size_t>(std::max(options.max_message_bytes, 0))) {
      return Error(RecordErrc::message_too_large,
                   fmt::format("The record batch size after conversion is {} bytes which exceeds the maximum "
                               "configured value of {}",
                               converted.size(), options.max_message_bytes));
    }
    info.stored_codec = spec.target.codec;
    info.converted = std::move(converted);
    return info;
  }

  batch.set_base_offset(options.next_offset);
  batch.set_partition_leader_epoch(options.partition_leader_epoch);
  batch.set_max_timestamp(options.timestamp_type, info.max_timestamp);
  info.stored_codec = source_codec;
  return info;
}

result<std::span<std::byte>> check_produce_records(std::span<std::byte> records, int16_t produce_version) {
  if (records.empty()) {
    return Error(RecordErrc::no_batch,
                 fmt::format("Produce requests with version {} must have at least one record batch", produce_version));
  }
  auto size = peek_batch_size(records);
  if (!size) {
    if (size.error().is(RecordErrc::truncated)) {
      return Error(RecordErrc::no_batch, fmt::format("Produce requests with version {} must have at least one "
                                                     "complete record batch: {}",
                                                     produce_version, size.error().message()));
    }
    return size.error();
  }
  const std::span<std::byte> batch = records.first(*size);
  if (*size != records.size()) {
    const auto rest = peek_batch_size(records.subspan(*size));
    if (rest) {
      return Error(RecordErrc::multiple_batches,
                   fmt::format("Produce requests with version {} are only allowed to contain exactly one record batch",
                               produce_version));
    }
    return rest.error().with_context("after the first record batch");
  }
  STRATA_TRY_ASSIGN(auto view, RecordBatchView::parse(batch));
  if (view.codec_id() == static_cast<int>(CompressionCodec::zstd) && produce_version < kFirstProduceVersionWithZstd) {
    return Error(
        RecordErrc::unsupported_compression,
        fmt::format("Produce requests with version {} are not allowed to use ZStandard compression", produce_version));
  }
  return batch;
}

result<bytes> recompress_batch(const RecordBatchView& batch, const Compression& target, size_t max_decompressed_bytes) {
  STRATA_TRY_ASSIGN(BatchRecords records, BatchRecords::open(batch, max_decompressed_bytes));
  STRATA_TRY_ASSIGN(auto all, records.read_all());
  RebuildSpec spec;
  spec.target = target;
  spec.base_offset = batch.base_offset();
  spec.partition_leader_epoch = batch.partition_leader_epoch();
  spec.timestamp_type = batch.timestamp_type();
  spec.log_append_time =
      batch.timestamp_type() == TimestampType::log_append_time ? batch.max_timestamp() : kNoTimestamp;
  STRATA_TRY_ASSIGN(bytes out, rebuild(batch, all, spec, /*raw_timestamps=*/true));
  // Keep lastOffsetDelta as stored: compaction may have removed the batch's last records.
  STRATA_TRY_ASSIGN(auto rebuilt, MutableRecordBatch::parse(out));
  if (rebuilt.view().last_offset_delta() != batch.last_offset_delta()) {
    store_be<uint32_t>(out.data() + kLastOffsetDeltaOffset, static_cast<uint32_t>(batch.last_offset_delta()));
    rebuilt.update_crc();
  }
  return out;
}

}  // namespace strata::record
