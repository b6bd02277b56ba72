#include "storage/topic_id.h"

#include <fmt/format.h>

#include "storage/storage_error.h"

namespace strata::storage {
namespace {

constexpr std::string_view kAlphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

// The 6-bit value of a URL-safe base64 character, or -1.
int decode_char(char c) {
  if (c >= 'A' && c <= 'Z') return c - 'A';
  if (c >= 'a' && c <= 'z') return c - 'a' + 26;
  if (c >= '0' && c <= '9') return c - '0' + 52;
  if (c == '-') return 62;
  if (c == '_') return 63;
  return -1;
}

Error bad_base64(std::string message) { return Error(StorageErrc::invalid_argument, std::move(message)); }

}  // namespace

TopicId TopicId::from_longs(uint64_t most_significant, uint64_t least_significant) {
  TopicId id;
  for (size_t i = 0; i < 8; ++i) {
    id.bytes[i] = static_cast<uint8_t>(most_significant >> (56 - 8 * i));
    id.bytes[8 + i] = static_cast<uint8_t>(least_significant >> (56 - 8 * i));
  }
  return id;
}

uint64_t TopicId::most_significant_bits() const {
  uint64_t v = 0;
  for (size_t i = 0; i < 8; ++i) v = (v << 8) | bytes[i];
  return v;
}

uint64_t TopicId::least_significant_bits() const {
  uint64_t v = 0;
  for (size_t i = 8; i < 16; ++i) v = (v << 8) | bytes[i];
  return v;
}

std::string TopicId::to_string() const { return base64url_encode(bytes); }

result<TopicId> TopicId::from_string(std::string_view text) {
  if (text.size() > kTopicIdMaxStringLength) {
    return bad_base64(fmt::format("Input string with prefix `{}` is too long to be decoded as a base64 UUID",
                                  text.substr(0, kTopicIdMaxStringLength)));
  }
  STRATA_TRY_ASSIGN(std::string raw, base64url_decode(text));
  if (raw.size() != kTopicIdSize) {
    return bad_base64(fmt::format(
        "Input string `{}` decoded as {} bytes, which is not equal to the expected 16 bytes of a base64-encoded UUID",
        text, raw.size()));
  }
  TopicId id;
  for (size_t i = 0; i < kTopicIdSize; ++i) id.bytes[i] = static_cast<uint8_t>(raw[i]);
  return id;
}

std::string base64url_encode(std::span<const uint8_t> data) {
  std::string out;
  out.reserve((data.size() * 4 + 2) / 3);
  size_t i = 0;
  for (; i + 3 <= data.size(); i += 3) {
    uint32_t v = (uint32_t{data[i]} << 16) | (uint32_t{data[i + 1]} << 8) | data[i + 2];
    out += kAlphabet[(v >> 18) & 63];
    out += kAlphabet[(v >> 12) & 63];
    out += kAlphabet[(v >> 6) & 63];
    out += kAlphabet[v & 63];
  }
  size_t rest = data.size() - i;
  if (rest == 1) {
    uint32_t v = uint32_t{data[i]} << 16;
    out += kAlphabet[(v >> 18) & 63];
    out += kAlphabet[(v >> 12) & 63];
  } else if (rest == 2) {
    uint32_t v = (uint32_t{data[i]} << 16) | (uint32_t{data[i + 1]} << 8);
    out += kAlphabet[(v >> 18) & 63];
    out += kAlphabet[(v >> 12) & 63];
    out += kAlphabet[(v >> 6) & 63];
  }
  return out;
}

// A transcription of java.util.Base64.Decoder.decode0 for the non-MIME URL decoder.
result<std::string> base64url_decode(std::string_view text) {
  std::string out;
  out.reserve(text.size() * 3 / 4 + 2);
  uint32_t bits = 0;
  int shift_to = 18;  // where the next 6 bits go; 18, 12, 6, 0 within a 4-character unit
  size_t pos = 0;
  while (pos < text.size()) {
    char c = text[pos++];
    if (c == '=') {
      // Padding is allowed only as "xx==" or "xxx=" ending a unit, and only at the end.
      //   "="     shift_to == 18: no unit started
      //   "xx="   shift_to == 6 and the input ends: the second '=' is missing
      //   "xx=y"  shift_to == 6 and the next character is not '='
      if ((shift_to == 6 && (pos == text.size() || text[pos++] != '=')) || shift_to == 18) {
        return bad_base64("Input byte array has wrong 4-byte ending unit");
      }
      break;
    }
    int v = decode_char(c);
    if (v < 0) {
      return bad_base64(fmt::format("Illegal base64 character {:x}", static_cast<unsigned>(static_cast<uint8_t>(c))));
    }
    bits |= static_cast<uint32_t>(v) << shift_to;
    shift_to -= 6;
    if (shift_to < 0) {
      out += static_cast<char>(bits >> 16);
      out += static_cast<char>(bits >> 8);
      out += static_cast<char>(bits);
      shift_to = 18;
      bits = 0;
    }
  }
  // The input ended, or padding was seen: flush a partial unit. Java keeps only the whole bytes and
  // does not check that the leftover low bits are zero.
  if (shift_to == 6) {
    out += static_cast<char>(bits >> 16);
  } else if (shift_to == 0) {
    out += static_cast<char>(bits >> 16);
    out += static_cast<char>(bits >> 8);
  } else if (shift_to == 12) {
    return bad_base64("Last unit does not have enough valid bits");
  }
  if (pos < text.size()) {
    return bad_base64(fmt::format("Input byte array has incorrect ending byte at {}", pos));
  }
  return out;
}

}  // namespace strata::storage
