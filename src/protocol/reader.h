// Reader: decodes Kafka's wire primitives from a borrowed buffer.
//
// Invariants, which make the generated decoders safe on hostile input:
// - No read goes past the input: every primitive checks the bytes remaining first.
// - Errors are sticky: the first failure is recorded, the position jumps to the end, and every
//   later read returns a zero value. Generated code therefore checks ok() once per loop iteration
//   and once at the end, not after every field.
// - A length or count is accepted only if it is not larger than the bytes remaining, so no
//   allocation is ever larger than the input that justifies it (Kafka's own rule: "Tried to
//   allocate a collection of size N, but there are only M bytes remaining").
//
// Encodings (see docs/formats/kafka-protocol.md): fixed-width integers are big-endian; in
// non-flexible versions strings carry an int16 length, bytes and arrays an int32 length, -1 = null;
// in flexible versions all three carry an unsigned varint of length + 1, 0 = null.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "base/bytes.h"
#include "base/error.h"
#include "protocol/types.h"

namespace strata::protocol {

class Reader {
 public:
  explicit Reader(bytes_view input) : input_(input) {}

  bool ok() const { return !failed_; }
  const Error& error() const { return error_; }
  size_t position() const { return pos_; }
  size_t remaining() const { return input_.size() - pos_; }
  bytes_view rest() const { return input_.subspan(pos_); }

  // Records the first failure (later ones are ignored) and stops all further reading.
  void fail(ProtocolErrc code, std::string message);
  // Takes over the failure of a sub-reader (see take()).
  void absorb(const Reader& sub);

  int8_t read_int8() { return static_cast<int8_t>(read_be<uint8_t>()); }
  int16_t read_int16() { return static_cast<int16_t>(read_be<uint16_t>()); }
  int32_t read_int32() { return static_cast<int32_t>(read_be<uint32_t>()); }
  int64_t read_int64() { return static_cast<int64_t>(read_be<uint64_t>()); }
  uint16_t read_uint16() { return read_be<uint16_t>(); }
  uint32_t read_uint32() { return read_be<uint32_t>(); }
  double read_float64();
  bool read_bool() { return read_be<uint8_t>() != 0; }
  Uuid read_uuid();
  uint32_t read_unsigned_varint();

  // `field` names the field in error messages.
  std::string read_string(bool flexible, const char* field);
  std::optional<std::string> read_nullable_string(bool flexible, const char* field);
  bytes read_bytes(bool flexible, const char* field);
  std::optional<bytes> read_nullable_bytes(bool flexible, const char* field);
  RecordsView read_records(bool flexible, const char* field);
  std::optional<RecordsView> read_nullable_records(bool flexible, const char* field);

  // Reads an array's element count; -1 means null. Fails (and returns 0) for a count below -1,
  // for null when `nullable` is false, and for a count larger than the bytes remaining.
  int32_t read_array_length(bool flexible, bool nullable, const char* field);

  // Fails with trailing_bytes unless every byte has been read; `what` names the unit.
  void expect_end(const char* what);

  // Consumes the next n bytes and returns a Reader over exactly them (used for tagged fields).
  // Fails if fewer than n bytes remain.
  Reader take(size_t n);

 private:
  template <class U>
  U read_be() {
    if (!need(sizeof(U))) return 0;
    U v = load_be<U>(input_.data() + pos_);
    pos_ += sizeof(U);
    return v;
  }
  bool need(size_t n);
  // Reads a length prefix for strings/bytes: returns -1 for null, -2 on failure.
  int64_t read_length(bool flexible, bool int16_prefix, const char* field);
  bytes_view read_span(size_t n);

  bytes_view input_;
  size_t pos_ = 0;
  bool failed_ = false;
  Error error_;
};

}  // namespace strata::protocol
