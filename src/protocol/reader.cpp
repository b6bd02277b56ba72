#include "protocol/reader.h"

#include <fmt/format.h>

#include <algorithm>
#include <bit>
#include <cstring>
#include <limits>

#include "base/varint.h"

namespace strata::protocol {

void Reader::fail(ProtocolErrc code, std::string message) {
  if (failed_) return;
  failed_ = true;
  error_ = Error(code, std::move(message));
  pos_ = input_.size();
}

void Reader::absorb(const Reader& sub) {
  if (!sub.ok() && !failed_) fail(static_cast<ProtocolErrc>(sub.error().code()), sub.error().message());
}

bool Reader::need(size_t n) {
  if (failed_) return false;
  if (remaining() < n) {
    fail(ProtocolErrc::truncated,
         fmt::format("input ends at byte {}: {} more bytes needed", input_.size(), n - remaining()));
    return false;
  }
  return true;
}

double Reader::read_float64() { return std::bit_cast<double>(read_be<uint64_t>()); }

Uuid Reader::read_uuid() {
  Uuid u;
  if (!need(u.bytes.size())) return u;
  std::memcpy(u.bytes.data(), input_.data() + pos_, u.bytes.size());
  pos_ += u.bytes.size();
  return u;
}

uint32_t Reader::read_unsigned_varint() {
  if (failed_) return 0;
  auto d = varint::decode_unsigned32(rest());
  if (!d) {
    if (remaining() < varint::kMaxVarint32Bytes &&
        std::all_of(rest().begin(), rest().end(), [](std::byte b) { return (static_cast<uint8_t>(b) & 0x80) != 0; })) {
      fail(ProtocolErrc::truncated, "input ends inside an unsigned varint");
    } else {
      fail(ProtocolErrc::invalid_varint, "unsigned varint is longer than 5 bytes or exceeds 32 bits");
    }
    return 0;
  }
  pos_ += d->length;
  return d->value;
}

int64_t Reader::read_length(bool flexible, bool int16_prefix, const char* field) {
  int64_t length;
  if (flexible) {
    length = static_cast<int64_t>(read_unsigned_varint()) - 1;
  } else if (int16_prefix) {
    length = read_int16();
  } else {
    length = read_int32();
  }
  if (failed_) return -2;
  if (length < -1) {
    fail(ProtocolErrc::negative_length, fmt::format("field {}: negative length {}", field, length));
    return -2;
  }
  if (length > static_cast<int64_t>(remaining())) {
    fail(ProtocolErrc::length_too_large,
         fmt::format("field {}: length {} but only {} bytes remain", field, length, remaining()));
    return -2;
  }
  return length;
}

bytes_view Reader::read_span(size_t n) {
  // read_length already checked n <= remaining().
  bytes_view v = input_.subspan(pos_, n);
  pos_ += n;
  return v;
}

std::optional<std::string> Reader::read_nullable_string(bool flexible, const char* field) {
  const int64_t length = read_length(flexible, /*int16_prefix=*/true, field);
  if (length < 0) return std::nullopt;
  return std::string(as_string_view(read_span(static_cast<size_t>(length))));
}

std::string Reader::read_string(bool flexible, const char* field) {
  const int64_t length = read_length(flexible, /*int16_prefix=*/true, field);
  if (length == -1) fail(ProtocolErrc::null_not_allowed, fmt::format("non-nullable field {} was null", field));
  if (length < 0) return {};
  return std::string(as_string_view(read_span(static_cast<size_t>(length))));
}

std::optional<bytes> Reader::read_nullable_bytes(bool flexible, const char* field) {
  const int64_t length = read_length(flexible, /*int16_prefix=*/false, field);
  if (length < 0) return std::nullopt;
  bytes_view v = read_span(static_cast<size_t>(length));
  return bytes(v.begin(), v.end());
}

bytes Reader::read_bytes(bool flexible, const char* field) {
  const int64_t length = read_length(flexible, /*int16_prefix=*/false, field);
  if (length == -1) fail(ProtocolErrc::null_not_allowed, fmt::format("non-nullable field {} was null", field));
  if (length < 0) return {};
  bytes_view v = read_span(static_cast<size_t>(length));
  return bytes(v.begin(), v.end());
}

std::optional<RecordsView> Reader::read_nullable_records(bool flexible, const char* field) {
  const int64_t length = read_length(flexible, /*int16_prefix=*/false, field);
  if (length < 0) return std::nullopt;
  return RecordsView(read_span(static_cast<size_t>(length)));
}

RecordsView Reader::read_records(bool flexible, const char* field) {
  const int64_t length = read_length(flexible, /*int16_prefix=*/false, field);
  if (length == -1) fail(ProtocolErrc::null_not_allowed, fmt::format("non-nullable field {} was null", field));
  if (length < 0) return {};
  return RecordsView(read_span(static_cast<size_t>(length)));
}

int32_t Reader::read_array_length(bool flexible, bool nullable, const char* field) {
  int64_t count = flexible ? static_cast<int64_t>(read_unsigned_varint()) - 1 : read_int32();
  if (failed_) return 0;
  if (count == -1) {
    if (!nullable) {
      fail(ProtocolErrc::null_not_allowed, fmt::format("non-nullable array {} was null", field));
      return 0;
    }
    return -1;
  }
  if (count < -1) {
    fail(ProtocolErrc::negative_length, fmt::format("array {}: negative count {}", field, count));
    return 0;
  }
  if (count > static_cast<int64_t>(remaining())) {
    fail(ProtocolErrc::length_too_large,
         fmt::format("array {}: {} elements but only {} bytes remain", field, count, remaining()));
    return 0;
  }
  return static_cast<int32_t>(count);
}

void Reader::expect_end(const char* what) {
  if (ok() && remaining() != 0) {
    fail(ProtocolErrc::trailing_bytes, fmt::format("{}: {} bytes left unread", what, remaining()));
  }
}

Reader Reader::take(size_t n) {
  if (!need(n)) return Reader(bytes_view{});
  Reader sub(input_.subspan(pos_, n));
  pos_ += n;
  return sub;
}

}  // namespace strata::protocol
