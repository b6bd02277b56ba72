// Record batch v2 (magic 2), the unit of Kafka's log and of Produce/Fetch `records` fields, byte
// for byte as Kafka writes it (org.apache.kafka.common.record.DefaultRecordBatch). Field tables:
// docs/formats/record-batch.md.
//
//   offset  size  field
//        0     8  baseOffset            int64
//        8     4  batchLength           int32   bytes after this field (batch size - 12)
//       12     4  partitionLeaderEpoch  int32
//       16     1  magic                 int8    2
//       17     4  crc                   uint32  CRC32C of bytes [21, end)
//       21     2  attributes            int16   see kAttribute* below
//       23     4  lastOffsetDelta       int32
//       27     8  baseTimestamp         int64   (the delete horizon when attribute bit 6 is set)
//       35     8  maxTimestamp          int64
//       43     8  producerId            int64
//       51     2  producerEpoch         int16
//       53     4  baseSequence          int32
//       57     4  recordCount           int32
//       61        records (compressed as one stream when the codec is not none)
//
// All integers are big-endian. The CRC does not cover baseOffset, batchLength or
// partitionLeaderEpoch, so the broker assigns offsets and epochs without recomputing it.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <vector>

#include "base/bytes.h"
#include "base/result.h"
#include "base/types.h"
#include "record/compression.h"
#include "record/record_error.h"

namespace strata::record {

// Field offsets and sizes of the v2 header (DefaultRecordBatch's *_OFFSET / *_LENGTH).
inline constexpr size_t kBaseOffsetOffset = 0;
inline constexpr size_t kBaseOffsetSize = 8;
inline constexpr size_t kBatchLengthOffset = kBaseOffsetOffset + kBaseOffsetSize;  // 8
inline constexpr size_t kBatchLengthSize = 4;
inline constexpr size_t kPartitionLeaderEpochOffset = kBatchLengthOffset + kBatchLengthSize;  // 12
inline constexpr size_t kPartitionLeaderEpochSize = 4;
inline constexpr size_t kMagicOffset = kPartitionLeaderEpochOffset + kPartitionLeaderEpochSize;  // 16
inline constexpr size_t kMagicSize = 1;
inline constexpr size_t kCrcOffset = kMagicOffset + kMagicSize;  // 17
inline constexpr size_t kCrcSize = 4;
inline constexpr size_t kAttributesOffset = kCrcOffset + kCrcSize;  // 21
inline constexpr size_t kAttributesSize = 2;
inline constexpr size_t kLastOffsetDeltaOffset = kAttributesOffset + kAttributesSize;  // 23
inline constexpr size_t kLastOffsetDeltaSize = 4;
inline constexpr size_t kBaseTimestampOffset = kLastOffsetDeltaOffset + kLastOffsetDeltaSize;  // 27
inline constexpr size_t kBaseTimestampSize = 8;
inline constexpr size_t kMaxTimestampOffset = kBaseTimestampOffset + kBaseTimestampSize;  // 35
inline constexpr size_t kMaxTimestampSize = 8;
inline constexpr size_t kProducerIdOffset = kMaxTimestampOffset + kMaxTimestampSize;  // 43
inline constexpr size_t kProducerIdSize = 8;
inline constexpr size_t kProducerEpochOffset = kProducerIdOffset + kProducerIdSize;  // 51
inline constexpr size_t kProducerEpochSize = 2;
inline constexpr size_t kBaseSequenceOffset = kProducerEpochOffset + kProducerEpochSize;  // 53
inline constexpr size_t kBaseSequenceSize = 4;
inline constexpr size_t kRecordCountOffset = kBaseSequenceOffset + kBaseSequenceSize;  // 57
inline constexpr size_t kRecordCountSize = 4;
inline constexpr size_t kRecordsOffset = kRecordCountOffset + kRecordCountSize;  // 61
inline constexpr size_t kRecordBatchHeaderSize = kRecordsOffset;
static_assert(kRecordBatchHeaderSize == 61);

// Records.LOG_OVERHEAD: the baseOffset and batchLength that precede what batchLength counts.
inline constexpr size_t kLogOverhead = kBatchLengthOffset + kBatchLengthSize;  // 12
// Records.HEADER_SIZE_UP_TO_MAGIC: what must be read to know a batch's size and format.
inline constexpr size_t kHeaderSizeUpToMagic = kMagicOffset + kMagicSize;  // 17
// The smallest batchLength of a v2 batch (a header and no records).
inline constexpr int32_t kMinBatchLengthV2 = static_cast<int32_t>(kRecordBatchHeaderSize - kLogOverhead);  // 49
// LegacyRecord.RECORD_OVERHEAD_V0: Kafka's first sanity bound on any batchLength, checked before
// the magic byte is known.
inline constexpr int32_t kMinBatchLengthAnyMagic = 14;

inline constexpr int8_t kMagicV0 = 0;
inline constexpr int8_t kMagicV1 = 1;
inline constexpr int8_t kMagicV2 = 2;
inline constexpr int8_t kCurrentMagic = kMagicV2;

// Attribute bits (only the low byte is used; bits 7-15 are zero when Kafka writes a batch).
inline constexpr uint16_t kAttributeCompressionMask = 0x07;    // bits 0-2: CompressionCodec
inline constexpr uint16_t kAttributeTimestampTypeMask = 0x08;  // bit 3: 1 = LogAppendTime
inline constexpr uint16_t kAttributeTransactionalMask = 0x10;  // bit 4
inline constexpr uint16_t kAttributeControlMask = 0x20;        // bit 5
inline constexpr uint16_t kAttributeDeleteHorizonMask = 0x40;  // bit 6: baseTimestamp is the delete horizon

// RecordBatch.NO_TIMESTAMP and NO_SEQUENCE.
inline constexpr int64_t kNoTimestamp = -1;
inline constexpr int32_t kNoSequence = -1;

// Whether a batch's timestamps are the producer's (CreateTime) or the broker's (LogAppendTime).
enum class TimestampType : int8_t { create_time = 0, log_append_time = 1 };

// The attributes Kafka writes for these properties (DefaultRecordBatch.computeAttributes).
uint16_t make_attributes(CompressionCodec codec, TimestampType timestamp_type, bool transactional, bool control,
                         bool delete_horizon = false);

// A v2 batch in borrowed bytes. Constructed only through parse(), which guarantees that the bytes
// are exactly one batch: at least the 61-byte header, magic 2, and batchLength + 12 == size. So
// every accessor reads inside the bytes. The CRC is not checked by parse(); see verify_crc().
class RecordBatchView {
 public:
  static result<RecordBatchView> parse(bytes_view batch);

  bytes_view data() const { return data_; }
  size_t size_in_bytes() const { return data_.size(); }

  Offset base_offset() const { return Offset{i64(kBaseOffsetOffset)}; }
  int32_t batch_length() const { return i32(kBatchLengthOffset); }
  LeaderEpoch partition_leader_epoch() const { return LeaderEpoch{i32(kPartitionLeaderEpochOffset)}; }
  int8_t magic() const { return static_cast<int8_t>(data_[kMagicOffset]); }
  uint32_t crc() const { return load_be<uint32_t>(data_.data() + kCrcOffset); }
  uint16_t attributes() const { return load_be<uint16_t>(data_.data() + kAttributesOffset); }
  int32_t last_offset_delta() const { return i32(kLastOffsetDeltaOffset); }
  int64_t base_timestamp() const { return i64(kBaseTimestampOffset); }
  int64_t max_timestamp() const { return i64(kMaxTimestampOffset); }
  ProducerId producer_id() const { return ProducerId{i64(kProducerIdOffset)}; }
  ProducerEpoch producer_epoch() const {
    return ProducerEpoch{static_cast<int16_t>(load_be<uint16_t>(data_.data() + kProducerEpochOffset))};
  }
  int32_t base_sequence() const { return i32(kBaseSequenceOffset); }
  int32_t record_count() const { return i32(kRecordCountOffset); }
  // The record bytes after the header, compressed when codec_id() != 0.
  bytes_view records_data() const { return data_.subspan(kRecordsOffset); }

  // baseOffset + lastOffsetDelta (wrapping like Java's long arithmetic on hostile input).
  Offset last_offset() const;
  // The sequence of the last record (DefaultRecordBatch.lastSequence: wraps at INT32_MAX to 0).
  int32_t last_sequence() const;

  int codec_id() const { return attributes() & kAttributeCompressionMask; }
  // The codec, or unknown_compression for ids 5-7.
  result<CompressionCodec> codec() const;
  bool is_compressed() const { return codec_id() != static_cast<int>(CompressionCodec::none); }
  TimestampType timestamp_type() const {
    return (attributes() & kAttributeTimestampTypeMask) != 0 ? TimestampType::log_append_time
                                                             : TimestampType::create_time;
  }
  bool is_transactional() const { return (attributes() & kAttributeTransactionalMask) != 0; }
  bool is_control() const { return (attributes() & kAttributeControlMask) != 0; }
  bool has_delete_horizon() const { return (attributes() & kAttributeDeleteHorizonMask) != 0; }
  // The delete horizon (ms) when attribute bit 6 is set: it is stored in baseTimestamp.
  std::optional<int64_t> delete_horizon_ms() const;
  bool has_producer_id() const { return producer_id() != kNoProducerId; }

  // CRC32C of bytes [kAttributesOffset, end).
  uint32_t compute_crc() const;
  bool verify_crc() const { return crc() == compute_crc(); }
  // verify_crc() as a result: crc_mismatch naming both values.
  result<void> check_crc() const;

 private:
  explicit RecordBatchView(bytes_view data) : data_(data) {}
  int32_t i32(size_t at) const { return static_cast<int32_t>(load_be<uint32_t>(data_.data() + at)); }
  int64_t i64(size_t at) const { return static_cast<int64_t>(load_be<uint64_t>(data_.data() + at)); }

  bytes_view data_;
};

// The same batch in bytes the caller lets us change: the in-place rewrites of the produce path.
// Only base offset and partition leader epoch are outside the CRC; every other setter recomputes it.
class MutableRecordBatch {
 public:
  static result<MutableRecordBatch> parse(std::span<std::byte> batch);

  RecordBatchView view() const { return view_; }
  std::span<std::byte> data() const { return data_; }

  // Not covered by the CRC: no recomputation.
  void set_base_offset(Offset base_offset);
  // Kafka's setLastOffset: baseOffset = last_offset - lastOffsetDelta.
  void set_last_offset(Offset last_offset);
  void set_partition_leader_epoch(LeaderEpoch epoch);
  // Kafka's setMaxTimestamp: rewrites the timestamp type bit and maxTimestamp and recomputes the
  // CRC, unless both are already those values (then the bytes are left untouched). Attributes are
  // rewritten as Kafka computes them: codec, timestamp type, transactional, control and delete
  // horizon bits; any other bit is cleared.
  void set_max_timestamp(TimestampType type, int64_t max_timestamp);
  // Writes the CRC of the current bytes.
  void update_crc();

 private:
  MutableRecordBatch(std::span<std::byte> data, RecordBatchView view) : data_(data), view_(view) {}
  std::span<std::byte> data_;
  RecordBatchView view_;
};

// Splits a `records` byte range (a Produce partition's records, a fetched range, a segment) into
// batches, as Kafka's ByteBufferLogInputStream does, with typed errors instead of Kafka's silent
// stop at a partial batch:
//   - fewer bytes than a whole batch at the end               -> truncated
//   - batchLength < 14 (any magic) or < 49 (magic 2)           -> batch_too_small
//   - batchLength + 12 > max_batch_size                        -> batch_too_large
//   - magic not 0, 1, 2                                        -> invalid_magic
//   - magic 0 or 1                                             -> unsupported_magic
// The CRC is not checked (call verify_crc() per batch). Batches borrow from `records`.
class RecordBatchReader {
 public:
  static constexpr size_t kNoSizeLimit = static_cast<size_t>(INT32_MAX) + kLogOverhead;

  explicit RecordBatchReader(bytes_view records, size_t max_batch_size = kNoSizeLimit)
      : records_(records), max_batch_size_(max_batch_size) {}

  // The next batch, nullopt at the end of the input, or the error at position().
  result<std::optional<RecordBatchView>> next();

  // Offset of the next batch in `records`: after an error, where the bad batch starts (the valid
  // prefix a recovery would keep).
  size_t position() const { return position_; }
  bool at_end() const { return position_ == records_.size(); }

 private:
  bytes_view records_;
  size_t max_batch_size_;
  size_t position_ = 0;
};

// The size of the batch at the front of `records` (12 + batchLength), checked as
// RecordBatchReader::next() does, without requiring the whole batch to be present unless
// `require_complete`.
result<size_t> peek_batch_size(bytes_view records, size_t max_batch_size = RecordBatchReader::kNoSizeLimit,
                               bool require_complete = true);

// Every batch of `records`; fails on the first bad one.
result<std::vector<RecordBatchView>> split_batches(bytes_view records,
                                                   size_t max_batch_size = RecordBatchReader::kNoSizeLimit);

}  // namespace strata::record
