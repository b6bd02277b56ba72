// Value types of the Kafka wire protocol that are not plain C++ types: the 128-bit Uuid and the
// borrowed view of a `records` field. Also the protocol module's error codes.
#pragma once

#include <array>
#include <cstdint>
#include <string>
#include <string_view>

#include "base/bytes.h"
#include "base/error.h"

namespace strata::protocol {

// Why decoding or encoding a message failed. Decoding errors mean the peer sent bytes that are not a
// valid message of the stated API and version; the connection that sent them should be answered
// with an error or closed, never trusted further.
enum class ProtocolErrc {
  truncated = 1,            // the input ended inside a field
  negative_length,          // a length or count below -1 (or -1 where null is not allowed)
  length_too_large,         // a length or count larger than the bytes that remain
  invalid_varint,           // an unsigned varint longer than 5 bytes or overflowing 32 bits
  null_not_allowed,         // null in a field that is not nullable at this version
  trailing_bytes,           // bytes left over after the message
  unsupported_version,      // a version outside the message's validVersions
  unknown_api_key,          // an API key with no schema
  unsupported_field_value,  // encoding a non-default value into a field absent at this version
  value_too_large,          // encoding a string or array longer than its length prefix allows
};
constexpr std::string_view error_category(ProtocolErrc) { return "protocol"; }

// Kafka's Uuid: 16 bytes on the wire, most significant half first. The all-zero Uuid is the
// default of every uuid field ("no topic id").
struct Uuid {
  std::array<uint8_t, 16> bytes{};

  static Uuid zero() { return Uuid{}; }
  bool is_zero() const { return *this == Uuid{}; }
  // Kafka prints Uuids as URL-safe base64 without padding (22 characters).
  std::string to_base64() const;
  bool operator==(const Uuid&) const = default;
};

// The bytes of a `records` field, borrowed from the buffer the message was decoded from (no copy).
// Invariant: the decoded message must not outlive that buffer. Two views are equal when their
// bytes are equal, wherever the bytes live.
//
// A view may also stand for bytes that are not in memory at all (from_file): a fetch response's
// records that the connection sends straight from a segment file (zero-copy). The encoder writes
// such a field's length and leaves a gap of `size()` bytes for the sender to fill (Writer's
// file_gaps); `file_ref` says which file range, in the sender's own numbering.
class RecordsView {
 public:
  RecordsView() = default;
  explicit RecordsView(bytes_view data) : data_(data) {}
  static RecordsView from_file(size_t size, uint32_t file_ref) {
    RecordsView v;
    v.file_size_ = size;
    v.file_ref_ = file_ref;
    return v;
  }

  // Empty for a view from_file.
  bytes_view data() const { return data_; }
  size_t size() const { return is_file() ? file_size_ : data_.size(); }
  bool empty() const { return size() == 0; }
  bool is_file() const { return file_ref_ != kNoFile; }
  uint32_t file_ref() const { return file_ref_; }

  bool operator==(const RecordsView& other) const {
    if (is_file() || other.is_file()) return file_ref_ == other.file_ref_ && file_size_ == other.file_size_;
    return equal_bytes(data_, other.data_);
  }

 private:
  static constexpr uint32_t kNoFile = UINT32_MAX;
  bytes_view data_;
  size_t file_size_ = 0;
  uint32_t file_ref_ = kNoFile;
};

}  // namespace strata::protocol
