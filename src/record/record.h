// Records inside a v2 batch (org.apache.kafka.common.record.DefaultRecord):
//
//   length          varint   bytes of everything below
//   attributes      int8     unused, 0
//   timestampDelta  varlong  record timestamp - batch baseTimestamp
//   offsetDelta     varint   record offset - batch baseOffset
//   keyLength       varint   -1 = null key
//   key             bytes
//   valueLength     varint   -1 = null value
//   value           bytes
//   headerCount     varint
//   headers         headerCount x (keyLength varint >= 0, key UTF-8 bytes,
//                                  valueLength varint (-1 = null), value bytes)
//
// Varints are zigzag-encoded (base/varint.h). Parsing never reads past its input and fails with
// invalid_record for any malformed field; a length below -1 is rejected (Kafka reads any negative
// length as null; no Kafka client writes one). Field tables: docs/formats/record-batch.md.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <string_view>
#include <vector>

#include "base/bytes.h"
#include "base/result.h"
#include "base/types.h"
#include "record/record_batch.h"
#include "record/record_error.h"

namespace strata::record {

// The most bytes a record takes besides its key, value and headers: 5 (length) + 1 (attributes) +
// 10 (timestampDelta) + 5 (offsetDelta) (DefaultRecord.MAX_RECORD_OVERHEAD).
inline constexpr size_t kMaxRecordOverhead = 21;
// The fewest bytes a record can take: one byte for each of length, attributes, timestampDelta,
// offsetDelta, keyLength, valueLength and headerCount.
inline constexpr size_t kMinRecordSize = 7;
// The length written for a null key, value or header value.
inline constexpr int32_t kNullLength = -1;

struct Record;
struct RecordContext;

// One header of a record; `key` is UTF-8 by contract (not checked, as Kafka does not check it).
struct RecordHeaderView {
  std::string_view key;
  std::optional<bytes_view> value;
  bool operator==(const RecordHeaderView& other) const;
};

// The headers of a parsed record: their encoded bytes, already validated by parse_record(), and
// decoded on iteration without allocating.
class RecordHeaders {
 public:
  class iterator {
   public:
    using value_type = RecordHeaderView;
    using difference_type = std::ptrdiff_t;
    iterator() = default;
    iterator(bytes_view rest, int32_t left);
    RecordHeaderView operator*() const { return current_; }
    iterator& operator++();
    iterator operator++(int) {
      iterator old = *this;
      ++*this;
      return old;
    }
    bool operator==(const iterator& other) const { return left_ == other.left_; }

   private:
    void decode();
    bytes_view rest_;
    int32_t left_ = 0;
    RecordHeaderView current_;
  };

  RecordHeaders() = default;

  int32_t size() const { return count_; }
  bool empty() const { return count_ == 0; }
  iterator begin() const { return iterator(encoded_, count_); }
  iterator end() const { return iterator(); }
  std::vector<RecordHeaderView> to_vector() const;

 private:
  // Only parse_record() builds one, from bytes it has validated: iteration relies on that.
  friend result<Record> parse_record(bytes_view input, const RecordContext& context);
  RecordHeaders(bytes_view encoded, int32_t count) : encoded_(encoded), count_(count) {}

  bytes_view encoded_;
  int32_t count_ = 0;
};

// What a record's absolute offset and timestamp are computed from: its batch's header fields.
struct RecordContext {
  Offset base_offset{0};
  int64_t base_timestamp = kNoTimestamp;
  // Set for a LogAppendTime batch: every record's timestamp is the batch's maxTimestamp.
  std::optional<int64_t> log_append_time;

  static RecordContext of(const RecordBatchView& batch);
};

// A parsed record. Key, value and headers borrow from the bytes it was parsed from.
struct Record {
  int8_t attributes = 0;
  int64_t timestamp_delta = 0;
  int32_t offset_delta = 0;
  Offset offset{0};                  // base offset + offset delta
  int64_t timestamp = kNoTimestamp;  // base timestamp + delta, or the LogAppendTime
  std::optional<bytes_view> key;
  std::optional<bytes_view> value;
  RecordHeaders headers;
  size_t size_in_bytes = 0;  // including the length varint
};

// Parses the record at the front of `input` (which may continue with further records).
result<Record> parse_record(bytes_view input, const RecordContext& context);

// Iterates the records of an uncompressed record region, checking the count: next() fails with
// record_count_mismatch when the region ends before `expected_count` records or bytes remain
// after them (Kafka: "Incorrect declared batch size"), and with invalid_record for a bad record.
class RecordIterator {
 public:
  RecordIterator(bytes_view records, int32_t expected_count, RecordContext context)
      : rest_(records), expected_(expected_count), context_(context) {}

  // The next record, or nullopt after the last one.
  result<std::optional<Record>> next();
  int32_t records_read() const { return read_; }

 private:
  bytes_view rest_;
  int32_t expected_;
  int32_t read_ = 0;
  RecordContext context_;
};

// The default bound on the bytes one batch may decompress to. Kafka has none; a 1 MiB
// max.message.bytes batch of typical data decompresses to a few MiB, and zstd at its best to a
// few hundred; this is 256 MiB so that no real batch comes near it while a hostile one cannot
// take more.
inline constexpr size_t kDefaultMaxDecompressedBytes = size_t{256} * 1024 * 1024;

// The records of one batch, decompressed when the batch is compressed. Holds the decompressed
// bytes; records from iterator() borrow from this object (or, uncompressed, from the batch).
class BatchRecords {
 public:
  // Fails with record_count_mismatch for a negative recordCount, with unknown_compression, and
  // with the codec's errors (decompression_failed, decompressed_too_large).
  static result<BatchRecords> open(const RecordBatchView& batch,
                                   size_t max_decompressed_bytes = kDefaultMaxDecompressedBytes);

  // Records borrow from this object: iterating a temporary is a compile error where C++ can see
  // it (BatchRecords::open(b)->read_all() it cannot: keep the BatchRecords in a variable).
  RecordIterator iterator() const& { return RecordIterator(records(), count_, context_); }
  RecordIterator iterator() && = delete;
  // The uncompressed record bytes.
  bytes_view records() const& { return decompressed_ ? bytes_view(owned_) : borrowed_; }
  bytes_view records() && = delete;
  bool was_decompressed() const { return decompressed_; }
  int32_t expected_count() const { return count_; }

  // Every record, checked as the iterator checks them.
  result<std::vector<Record>> read_all() const&;
  result<std::vector<Record>> read_all() && = delete;

 private:
  BatchRecords() = default;
  bytes owned_;
  bytes_view borrowed_;
  bool decompressed_ = false;
  int32_t count_ = 0;
  RecordContext context_;
};

// Appends the encoding of one record (length prefix included) to `out`.
void append_record(bytes& out, int32_t offset_delta, int64_t timestamp_delta, std::optional<bytes_view> key,
                   std::optional<bytes_view> value, std::span<const RecordHeaderView> headers);
// The bytes append_record() would write.
size_t record_size(int32_t offset_delta, int64_t timestamp_delta, std::optional<bytes_view> key,
                   std::optional<bytes_view> value, std::span<const RecordHeaderView> headers);

}  // namespace strata::record
