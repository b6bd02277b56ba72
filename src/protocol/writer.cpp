#include "protocol/writer.h"

#include <fmt/format.h>

#include <bit>
#include <limits>

#include "base/varint.h"

namespace strata::protocol {

void Writer::fail(ProtocolErrc code, std::string message) {
  if (failed_) return;
  failed_ = true;
  error_ = Error(code, std::move(message));
}

void Writer::write_float64(double v) { write_be(std::bit_cast<uint64_t>(v)); }

void Writer::write_uuid(const Uuid& v) {
  write_raw(bytes_view(reinterpret_cast<const std::byte*>(v.bytes.data()), v.bytes.size()));
}

void Writer::write_unsigned_varint(uint32_t v) {
  std::byte tmp[varint::kMaxVarint32Bytes];
  const size_t n = varint::encode_unsigned(v, tmp);
  write_raw(bytes_view(tmp, n));
}

void Writer::write_raw(bytes_view data) { out_.insert(out_.end(), data.begin(), data.end()); }

void Writer::write_length(int64_t length, bool flexible, bool int16_prefix, const char* field) {
  const int64_t max = flexible       ? std::numeric_limits<uint32_t>::max() - 1
                      : int16_prefix ? std::numeric_limits<int16_t>::max()
                                     : std::numeric_limits<int32_t>::max();
  if (length > max) {
    fail(ProtocolErrc::value_too_large, fmt::format("field {}: length {} exceeds the maximum {}", field, length, max));
    return;
  }
  if (flexible) {
    write_unsigned_varint(static_cast<uint32_t>(length + 1));
  } else if (int16_prefix) {
    write_int16(static_cast<int16_t>(length));
  } else {
    write_int32(static_cast<int32_t>(length));
  }
}

void Writer::write_string(std::string_view s, bool flexible, const char* field) {
  write_length(static_cast<int64_t>(s.size()), flexible, /*int16_prefix=*/true, field);
  write_raw(as_bytes_view(s));
}

void Writer::write_nullable_string(const std::optional<std::string>& s, bool flexible, const char* field) {
  if (!s) {
    write_length(-1, flexible, /*int16_prefix=*/true, field);
    return;
  }
  write_string(*s, flexible, field);
}

void Writer::write_bytes(bytes_view b, bool flexible, const char* field) {
  write_length(static_cast<int64_t>(b.size()), flexible, /*int16_prefix=*/false, field);
  write_raw(b);
}

void Writer::write_nullable_bytes(const std::optional<bytes>& b, bool flexible, const char* field) {
  if (!b) {
    write_length(-1, flexible, /*int16_prefix=*/false, field);
    return;
  }
  write_bytes(*b, flexible, field);
}

void Writer::write_records(const RecordsView& r, bool flexible, const char* field) {
  if (r.is_file()) {
    write_length(static_cast<int64_t>(r.size()), flexible, /*int16_prefix=*/false, field);
    file_gaps_.push_back({out_.size(), r.file_ref(), r.size()});
    return;
  }
  write_bytes(r.data(), flexible, field);
}

void Writer::write_nullable_records(const std::optional<RecordsView>& r, bool flexible, const char* field) {
  if (!r) {
    write_length(-1, flexible, /*int16_prefix=*/false, field);
    return;
  }
  write_records(*r, flexible, field);
}

void Writer::write_array_length(size_t count, bool is_null, bool flexible, const char* field) {
  if (is_null) {
    write_length(-1, flexible, /*int16_prefix=*/false, field);
    return;
  }
  write_length(static_cast<int64_t>(count), flexible, /*int16_prefix=*/false, field);
}

}  // namespace strata::protocol
