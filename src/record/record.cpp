#include "record/record.h"

#include <fmt/format.h>

#include <algorithm>
#include <cstdlib>
#include <cstring>

#include "base/varint.h"

namespace strata::record {

namespace {

Error bad_record(std::string_view what) { return Error(RecordErrc::invalid_record, std::string(what)); }

// Reads fields front to back from borrowed bytes. Every read checks the bytes are there first.
class Cursor {
 public:
  explicit Cursor(bytes_view in) : in_(in) {}

  size_t position() const { return pos_; }
  size_t remaining() const { return in_.size() - pos_; }

  result<int8_t> i8(std::string_view field) {
    if (remaining() < 1) return bad_record(fmt::format("record ends before its {}", field));
    return static_cast<int8_t>(in_[pos_++]);
  }
  result<int32_t> varint(std::string_view field) {
    auto d = varint::decode_signed32(in_.subspan(pos_));
    if (!d) return bad_record(fmt::format("record has a truncated or invalid varint {}", field));
    pos_ += d->length;
    return d->value;
  }
  result<int64_t> varlong(std::string_view field) {
    auto d = varint::decode_signed64(in_.subspan(pos_));
    if (!d) return bad_record(fmt::format("record has a truncated or invalid varlong {}", field));
    pos_ += d->length;
    return d->value;
  }
  // Bytes of a length read before; nullopt for kNullLength when nullable.
  result<std::optional<bytes_view>> bytes_of(int32_t length, bool nullable, std::string_view field) {
    if (length == kNullLength && nullable) return std::optional<bytes_view>{};
    if (length < 0) return bad_record(fmt::format("record {} has invalid length {}", field, length));
    if (static_cast<size_t>(length) > remaining()) {
      return bad_record(fmt::format("record {} length {} exceeds the {} bytes left", field, length, remaining()));
    }
    const bytes_view out = in_.subspan(pos_, static_cast<size_t>(length));
    pos_ += static_cast<size_t>(length);
    return std::optional<bytes_view>(out);
  }
  result<std::optional<bytes_view>> nullable_bytes(std::string_view field) {
    STRATA_TRY_ASSIGN(const int32_t length, varint(field));
    return bytes_of(length, /*nullable=*/true, field);
  }

 private:
  bytes_view in_;
  size_t pos_ = 0;
};

// One header at the front of `cursor`.
result<RecordHeaderView> read_header(Cursor& cursor) {
  STRATA_TRY_ASSIGN(const int32_t key_length, cursor.varint("header key length"));
  STRATA_TRY_ASSIGN(auto key, cursor.bytes_of(key_length, /*nullable=*/false, "header key"));
  STRATA_TRY_ASSIGN(auto value, cursor.nullable_bytes("header value"));
  return RecordHeaderView{as_string_view(*key), value};
}

int64_t wrapping_add(int64_t a, int64_t b) {
  return static_cast<int64_t>(static_cast<uint64_t>(a) + static_cast<uint64_t>(b));
}

void append_varint32(bytes& out, int32_t v) {
  std::byte buf[varint::kMaxVarint32Bytes];
  const size_t n = varint::encode_unsigned(varint::zigzag_encode32(v), buf);
  out.insert(out.end(), buf, buf + n);
}

void append_varint64(bytes& out, int64_t v) {
  std::byte buf[varint::kMaxVarint64Bytes];
  const size_t n = varint::encode_unsigned(varint::zigzag_encode64(v), buf);
  out.insert(out.end(), buf, buf + n);
}

size_t nullable_size(std::optional<bytes_view> b) {
  if (!b) return varint::size_signed32(kNullLength);
  return varint::size_signed32(static_cast<int32_t>(b->size())) + b->size();
}

void append_nullable(bytes& out, std::optional<bytes_view> b) {
  if (!b) {
    append_varint32(out, kNullLength);
    return;
  }
  append_varint32(out, static_cast<int32_t>(b->size()));
  out.insert(out.end(), b->begin(), b->end());
}

size_t body_size(int32_t offset_delta, int64_t timestamp_delta, std::optional<bytes_view> key,
                 std::optional<bytes_view> value, std::span<const RecordHeaderView> headers) {
  size_t size = sizeof(int8_t);  // attributes
  size += varint::size_signed64(timestamp_delta);
  size += varint::size_signed32(offset_delta);
  size += nullable_size(key);
  size += nullable_size(value);
  size += varint::size_signed32(static_cast<int32_t>(headers.size()));
  for (const auto& h : headers) {
    size += nullable_size(as_bytes_view(h.key));
    size += nullable_size(h.value);
  }
  return size;
}

}  // namespace

bool RecordHeaderView::operator==(const RecordHeaderView& other) const {
  if (key != other.key || value.has_value() != other.value.has_value()) return false;
  return !value || equal_bytes(*value, *other.value);
}

RecordHeaders::iterator::iterator(bytes_view rest, int32_t left) : rest_(rest), left_(left) {
  if (left_ > 0) decode();
}

RecordHeaders::iterator& RecordHeaders::iterator::operator++() {
  --left_;
  if (left_ > 0) decode();
  return *this;
}

void RecordHeaders::iterator::decode() {
  // The bytes were validated by parse_record(), so this read cannot fail.
  Cursor cursor(rest_);
  auto header = read_header(cursor);
  if (!header) std::abort();
  current_ = *header;
  rest_ = rest_.subspan(cursor.position());
}

std::vector<RecordHeaderView> RecordHeaders::to_vector() const { return std::vector<RecordHeaderView>(begin(), end()); }

RecordContext RecordContext::of(const RecordBatchView& batch) {
  RecordContext context;
  context.base_offset = batch.base_offset();
  context.base_timestamp = batch.base_timestamp();
  if (batch.timestamp_type() == TimestampType::log_append_time) context.log_append_time = batch.max_timestamp();
  return context;
}

result<Record> parse_record(bytes_view input, const RecordContext& context) {
  Cursor outer(input);
  STRATA_TRY_ASSIGN(const int32_t length, outer.varint("length"));
  if (length < 0) return bad_record(fmt::format("record has negative length {}", length));
  if (static_cast<size_t>(length) > outer.remaining()) {
    return bad_record(
        fmt::format("record length {} exceeds the {} bytes left in the batch", length, outer.remaining()));
  }
  const size_t length_size = outer.position();
  // Every field below is read from exactly the record's body: nothing past it.
  Cursor cursor(input.subspan(length_size, static_cast<size_t>(length)));

  Record record;
  STRATA_TRY_ASSIGN(record.attributes, cursor.i8("attributes"));
  STRATA_TRY_ASSIGN(record.timestamp_delta, cursor.varlong("timestampDelta"));
  STRATA_TRY_ASSIGN(record.offset_delta, cursor.varint("offsetDelta"));
  STRATA_TRY_ASSIGN(record.key, cursor.nullable_bytes("key"));
  STRATA_TRY_ASSIGN(record.value, cursor.nullable_bytes("value"));
  STRATA_TRY_ASSIGN(const int32_t header_count, cursor.varint("header count"));
  if (header_count < 0) return bad_record(fmt::format("record has invalid header count {}", header_count));
  // Kafka's check: each header takes at least one byte, so a larger count cannot be real.
  if (static_cast<size_t>(header_count) > cursor.remaining()) {
    return bad_record(
        fmt::format("record header count {} exceeds the {} bytes left", header_count, cursor.remaining()));
  }
  const size_t headers_start = cursor.position();
  for (int32_t i = 0; i < header_count; ++i) {
    STRATA_TRY(read_header(cursor));
  }
  const bytes_view body = input.subspan(length_size, static_cast<size_t>(length));
  record.headers = RecordHeaders(body.subspan(headers_start, cursor.position() - headers_start), header_count);
  if (cursor.remaining() != 0) {
    return bad_record(
        fmt::format("record length {} leaves {} unread bytes after its fields", length, cursor.remaining()));
  }

  record.offset = Offset{wrapping_add(context.base_offset.value(), record.offset_delta)};
  record.timestamp =
      context.log_append_time ? *context.log_append_time : wrapping_add(context.base_timestamp, record.timestamp_delta);
  record.size_in_bytes = length_size + static_cast<size_t>(length);
  return record;
}

result<std::optional<Record>> RecordIterator::next() {
  if (read_ >= expected_) {
    if (!rest_.empty()) {
      return Error(RecordErrc::record_count_mismatch,
                   fmt::format("{} bytes remain after the {} records the batch declares", rest_.size(), expected_));
    }
    return std::optional<Record>{};
  }
  if (rest_.empty()) {
    return Error(RecordErrc::record_count_mismatch,
                 fmt::format("batch declares {} records but holds {}", expected_, read_));
  }
  STRATA_TRY_ASSIGN(Record record, parse_record(rest_, context_));
  rest_ = rest_.subspan(record.size_in_bytes);
  ++read_;
  return std::optional<Record>(record);
}

result<BatchRecords> BatchRecords::open(const RecordBatchView& batch, size_t max_decompressed_bytes) {
  BatchRecords out;
  out.count_ = batch.record_count();
  if (out.count_ < 0) {
    return Error(RecordErrc::record_count_mismatch, fmt::format("invalid record count {}", out.count_));
  }
  out.context_ = RecordContext::of(batch);
  STRATA_TRY_ASSIGN(const CompressionCodec codec, batch.codec());
  if (codec == CompressionCodec::none) {
    out.borrowed_ = batch.records_data();
    return out;
  }
  STRATA_TRY_ASSIGN(out.owned_, decompress(codec, batch.records_data(), max_decompressed_bytes));
  out.decompressed_ = true;
  return out;
}

result<std::vector<Record>> BatchRecords::read_all() const& {
  std::vector<Record> out;
  // Never trust the count for an allocation: bound it by what the bytes can hold.
  out.reserve(std::min(static_cast<size_t>(count_), records().size() / kMinRecordSize));
  RecordIterator it = iterator();
  while (true) {
    STRATA_TRY_ASSIGN(auto next, it.next());
    if (!next) break;
    out.push_back(*next);
  }
  return out;
}

void append_record(bytes& out, int32_t offset_delta, int64_t timestamp_delta, std::optional<bytes_view> key,
                   std::optional<bytes_view> value, std::span<const RecordHeaderView> headers) {
  const size_t body = body_size(offset_delta, timestamp_delta, key, value, headers);
  append_varint32(out, static_cast<int32_t>(body));
  out.push_back(std::byte{0});  // attributes: no record attribute is defined
  append_varint64(out, timestamp_delta);
  append_varint32(out, offset_delta);
  append_nullable(out, key);
  append_nullable(out, value);
  append_varint32(out, static_cast<int32_t>(headers.size()));
  for (const auto& h : headers) {
    append_nullable(out, as_bytes_view(h.key));
    append_nullable(out, h.value);
  }
}

size_t record_size(int32_t offset_delta, int64_t timestamp_delta, std::optional<bytes_view> key,
                   std::optional<bytes_view> value, std::span<const RecordHeaderView> headers) {
  const size_t body = body_size(offset_delta, timestamp_delta, key, value, headers);
  return varint::size_signed32(static_cast<int32_t>(body)) + body;
}

}  // namespace strata::record
