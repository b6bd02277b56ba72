// Writes a v2 record batch the way Kafka's MemoryRecordsBuilder does: records with offset deltas
// and timestamp deltas against the first record's timestamp, compressed as one stream after the
// 61-byte header, then the header with lastOffsetDelta, baseTimestamp, maxTimestamp, recordCount
// and the CRC32C over attributes..end. Format: docs/formats/record-batch.md.
//
//   BatchBuilderOptions options;
//   options.compression = {CompressionCodec::zstd, 3};
//   RecordBatchBuilder b(options);
//   STRATA_TRY(b.append(ts, key, value, headers));
//   STRATA_TRY_ASSIGN(bytes batch, b.build());
#pragma once

#include <cstdint>
#include <optional>
#include <span>

#include "base/bytes.h"
#include "base/result.h"
#include "base/types.h"
#include "record/compression.h"
#include "record/record.h"
#include "record/record_batch.h"

namespace strata::record {

struct BatchBuilderOptions {
  Offset base_offset{0};
  // Producers write -1 (kNoLeaderEpoch); the broker stamps its epoch on append.
  LeaderEpoch partition_leader_epoch = kNoLeaderEpoch;
  Compression compression{};
  TimestampType timestamp_type = TimestampType::create_time;
  // For LogAppendTime: the broker time written as maxTimestamp (and reported for every record).
  int64_t log_append_time = kNoTimestamp;
  ProducerId producer_id = kNoProducerId;
  ProducerEpoch producer_epoch = kNoProducerEpoch;
  int32_t base_sequence = kNoSequence;
  bool transactional = false;
  bool control = false;
  // When set, attribute bit 6 is set and baseTimestamp holds this instead of the first record's
  // timestamp (record timestamp deltas are then relative to it, as in Kafka's compaction).
  std::optional<int64_t> delete_horizon_ms;
};

class RecordBatchBuilder {
 public:
  explicit RecordBatchBuilder(BatchBuilderOptions options);

  // Appends a record at the next offset delta (0 for the first record, then last + 1). Fails with
  // invalid_argument for a timestamp below -1, for a key, value or record over 2 GiB, and after
  // build().
  result<void> append(int64_t timestamp, std::optional<bytes_view> key, std::optional<bytes_view> value,
                      std::span<const RecordHeaderView> headers = {});
  // Appends a record at `offset_delta`, which must be above the previous record's (compacted
  // batches keep their records' original offsets).
  result<void> append_with_offset_delta(int32_t offset_delta, int64_t timestamp, std::optional<bytes_view> key,
                                        std::optional<bytes_view> value,
                                        std::span<const RecordHeaderView> headers = {});

  int32_t record_count() const { return count_; }
  // The uncompressed record bytes appended so far.
  size_t records_size() const { return records_.size(); }
  // The timestamp of the first record with the highest timestamp, and its offset delta
  // (kNoTimestamp / -1 before any record with a timestamp).
  int64_t max_record_timestamp() const { return max_timestamp_; }
  int32_t offset_delta_of_max_timestamp() const { return offset_delta_of_max_; }

  // The finished batch. Fails with invalid_argument without records (Kafka writes no empty batch
  // from a builder) or for inconsistent producer fields, with the codec's errors, and when the
  // batch would exceed the int32 batchLength. The builder cannot be used afterwards.
  result<bytes> build();

 private:
  result<void> check_producer_fields() const;

  BatchBuilderOptions options_;
  bytes records_;
  int32_t count_ = 0;
  int32_t last_offset_delta_ = -1;
  int64_t first_timestamp_ = kNoTimestamp;
  int64_t max_timestamp_ = kNoTimestamp;
  int32_t offset_delta_of_max_ = -1;
  bool built_ = false;
};

}  // namespace strata::record
