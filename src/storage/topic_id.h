// A topic's id: Kafka's 128-bit Uuid (org.apache.kafka.common.Uuid), as it appears in
// partition.metadata. Kept in storage because storage must not depend on protocol (which has the
// wire-side `protocol::Uuid`); both hold the same 16 bytes, most significant byte first, so
// converting is a copy of `bytes`.
//
// Text form (Uuid.toString / Uuid.fromString): URL-safe base64 (RFC 4648 §5, "-" and "_") of the 16
// bytes, without padding: always 22 characters.
#pragma once

#include <array>
#include <compare>
#include <cstdint>
#include <span>
#include <string>
#include <string_view>

#include "base/result.h"

namespace strata::storage {

inline constexpr size_t kTopicIdSize = 16;
inline constexpr size_t kTopicIdBase64Length = 22;     // 16 bytes, unpadded base64
inline constexpr size_t kTopicIdMaxStringLength = 24;  // Uuid.fromString rejects longer input

struct TopicId {
  std::array<uint8_t, kTopicIdSize> bytes{};

  // Kafka's Uuid(mostSigBits, leastSigBits).
  static TopicId from_longs(uint64_t most_significant, uint64_t least_significant);
  uint64_t most_significant_bits() const;
  uint64_t least_significant_bits() const;

  // Uuid.ZERO_UUID: "no topic id"; never valid in partition.metadata.
  bool is_zero() const { return *this == TopicId{}; }

  // Uuid.toString: 22 characters of URL-safe base64.
  std::string to_string() const;

  // Uuid.fromString, with Java's Base64.getUrlDecoder() rules: at most 24 characters; the URL-safe
  // alphabet only; "==" padding optional but, if present, correct; the unused low bits of the last
  // character are ignored (as Java does); the result must be exactly 16 bytes. Errors are
  // StorageErrc::invalid_argument.
  static result<TopicId> from_string(std::string_view text);

  friend bool operator==(const TopicId&, const TopicId&) = default;
  friend auto operator<=>(const TopicId&, const TopicId&) = default;
};

// Uuid.ZERO_UUID and Uuid.ONE_UUID (METADATA_TOPIC_ID), the two ids Kafka reserves.
inline constexpr TopicId kZeroTopicId{};
inline constexpr TopicId kMetadataTopicId{{0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1}};

// The base64 codec behind TopicId, exposed for tests and for other Kafka text fields that use it.
// base64url_encode: RFC 4648 §5 alphabet, no padding (Base64.getUrlEncoder().withoutPadding()).
std::string base64url_encode(std::span<const uint8_t> data);
// base64url_decode: Base64.getUrlDecoder().decode, error messages after Java's.
result<std::string> base64url_decode(std::string_view text);

}  // namespace strata::storage
