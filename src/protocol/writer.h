// Writer: encodes Kafka's wire primitives into a growable buffer. The encodings mirror Reader's
// (see reader.h). Like Reader, errors are sticky: the first failure is kept and the generated
// encoder's caller checks ok() once at the end.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "base/bytes.h"
#include "base/error.h"
#include "protocol/types.h"

namespace strata::protocol {

class Writer {
 public:
  Writer() = default;

  bool ok() const { return !failed_; }
  const Error& error() const { return error_; }
  void fail(ProtocolErrc code, std::string message);

  const bytes& buffer() const { return out_; }
  bytes take() { return std::move(out_); }
  size_t size() const { return out_.size(); }
  void reserve(size_t n) { out_.reserve(n); }

  void write_int8(int8_t v) { write_be(static_cast<uint8_t>(v)); }
  void write_int16(int16_t v) { write_be(static_cast<uint16_t>(v)); }
  void write_int32(int32_t v) { write_be(static_cast<uint32_t>(v)); }
  void write_int64(int64_t v) { write_be(static_cast<uint64_t>(v)); }
  void write_uint16(uint16_t v) { write_be(v); }
  void write_uint32(uint32_t v) { write_be(v); }
  void write_float64(double v);
  void write_bool(bool v) { write_be(static_cast<uint8_t>(v ? 1 : 0)); }
  void write_uuid(const Uuid& v);
  void write_unsigned_varint(uint32_t v);
  void write_raw(bytes_view data);

  void write_string(std::string_view s, bool flexible, const char* field);
  void write_nullable_string(const std::optional<std::string>& s, bool flexible, const char* field);
  void write_bytes(bytes_view b, bool flexible, const char* field);
  void write_nullable_bytes(const std::optional<bytes>& b, bool flexible, const char* field);
  // A view from_file gets its length written and a gap recorded in file_gaps(), not its bytes.
  void write_records(const RecordsView& r, bool flexible, const char* field);
  void write_nullable_records(const std::optional<RecordsView>& r, bool flexible, const char* field);
  // The records fields written from_file, in order: where each one's bytes belong in the
  // encoding (buffer() holds everything but them).
  struct FileGap {
    size_t at;  // offset in buffer() where the field's bytes go
    uint32_t file_ref;
    size_t size;
  };
  const std::vector<FileGap>& file_gaps() const { return file_gaps_; }

  // Writes an array's element count, or null when `is_null`.
  void write_array_length(size_t count, bool is_null, bool flexible, const char* field);

  // Writes one tagged field: its tag, the size of its value, then the value written by
  // `write_value(Writer&)`. The value goes through a scratch writer because its size comes first.
  template <class F>
  void write_tagged_field(uint32_t tag, F&& write_value) {
    Writer scratch;
    write_value(scratch);
    if (scratch.ok() && !scratch.file_gaps().empty()) {
      scratch.fail(ProtocolErrc::unsupported_field_value, "records sent from a file cannot be in a tagged field");
    }
    if (!scratch.ok()) {
      if (!failed_) {
        failed_ = true;
        error_ = scratch.error();
      }
      return;
    }
    write_unsigned_varint(tag);
    write_unsigned_varint(static_cast<uint32_t>(scratch.size()));
    write_raw(scratch.buffer());
  }

 private:
  template <class U>
  void write_be(U v) {
    const size_t at = out_.size();
    out_.resize(at + sizeof(U));
    store_be<U>(out_.data() + at, v);
  }
  void write_length(int64_t length, bool flexible, bool int16_prefix, const char* field);

  bytes out_;
  std::vector<FileGap> file_gaps_;
  bool failed_ = false;
  Error error_;
};

}  // namespace strata::protocol
