// Snappy: raw blocks through libsnappy, and the xerial (snappy-java) stream framing Kafka's Java
// client uses (SnappyOutputStream / SnappyInputStream):
//
//   header  8 bytes magic 0x82 'S' 'N' 'A' 'P' 'P' 'Y' 0x00
//           int32 big-endian version (1), int32 big-endian minimum compatible version (1)
//   blocks  int32 big-endian compressed length, then that many bytes of raw snappy;
//           each block holds at most 32 KiB of uncompressed input
//
// Input that does not start with the full 16-byte header is read as one raw snappy block, as
// SnappyInputStream does (librdkafka writes raw snappy).
#include <fmt/format.h>
#include <snappy.h>

#include <array>
#include <cstring>

#include "record/codecs.h"

namespace strata::record {

namespace {

constexpr std::array<uint8_t, 8> kXerialMagic = {0x82, 'S', 'N', 'A', 'P', 'P', 'Y', 0x00};
constexpr int32_t kXerialVersion = 1;                   // SnappyCodec.DEFAULT_VERSION
constexpr int32_t kXerialMinimumCompatibleVersion = 1;  // SnappyCodec.MINIMUM_COMPATIBLE_VERSION
constexpr size_t kXerialVersionOffset = kXerialMagic.size();
constexpr size_t kXerialCompatibleVersionOffset = kXerialVersionOffset + sizeof(int32_t);
constexpr size_t kXerialHeaderSize = kXerialCompatibleVersionOffset + sizeof(int32_t);  // 16
constexpr size_t kXerialBlockLengthSize = sizeof(int32_t);

void append_be32(bytes& out, int32_t v) {
  const size_t at = out.size();
  out.resize(at + sizeof(v));
  store_be<uint32_t>(out.data() + at, static_cast<uint32_t>(v));
}

// Compresses `input` as one raw block appended to `out`; returns the compressed length.
size_t append_raw_block(bytes_view input, bytes& out) {
  const size_t at = out.size();
  out.resize(at + snappy::MaxCompressedLength(input.size()));
  size_t length = 0;
  snappy::RawCompress(reinterpret_cast<const char*>(input.data()), input.size(),
                      reinterpret_cast<char*>(out.data() + at), &length);
  out.resize(at + length);
  return length;
}

// Uncompresses one raw block, appending to `out`, keeping out.size() <= max_output_bytes.
result<void> append_raw_uncompressed(bytes_view block, size_t max_output_bytes, bytes& out) {
  const char* data = reinterpret_cast<const char*>(block.data());
  size_t length = 0;
  if (!snappy::GetUncompressedLength(data, block.size(), &length)) {
    return Error(RecordErrc::decompression_failed, "snappy block has no valid length preamble");
  }
  if (length > max_output_bytes - out.size()) return detail::too_large_error("snappy", max_output_bytes);
  const size_t at = out.size();
  out.resize(at + length);
  if (!snappy::RawUncompress(data, block.size(), reinterpret_cast<char*>(out.data() + at))) {
    out.resize(at);
    return Error(RecordErrc::decompression_failed, "snappy block is corrupt");
  }
  return success();
}

bool has_xerial_header(bytes_view input) {
  return input.size() >= kXerialHeaderSize && std::memcmp(input.data(), kXerialMagic.data(), kXerialMagic.size()) == 0;
}

}  // namespace

void snappy_compress_raw(bytes_view input, bytes& out) { append_raw_block(input, out); }

void snappy_compress_xerial(bytes_view input, bytes& out) {
  out.insert(out.end(), reinterpret_cast<const std::byte*>(kXerialMagic.data()),
             reinterpret_cast<const std::byte*>(kXerialMagic.data() + kXerialMagic.size()));
  append_be32(out, kXerialVersion);
  append_be32(out, kXerialMinimumCompatibleVersion);
  // SnappyOutputStream writes no block for empty input.
  for (size_t pos = 0; pos < input.size(); pos += kXerialBlockSize) {
    const size_t length_at = out.size();
    append_be32(out, 0);  // patched below
    const size_t compressed = append_raw_block(input.subspan(pos, std::min(kXerialBlockSize, input.size() - pos)), out);
    store_be<uint32_t>(out.data() + length_at, static_cast<uint32_t>(compressed));
  }
}

result<bytes> snappy_decompress(bytes_view input, size_t max_output_bytes) {
  bytes out;
  if (!has_xerial_header(input)) {
    STRATA_TRY(append_raw_uncompressed(input, max_output_bytes, out));
    return out;
  }
  const auto version = static_cast<int32_t>(load_be<uint32_t>(input.data() + kXerialVersionOffset));
  if (version < kXerialMinimumCompatibleVersion) {
    return Error(RecordErrc::decompression_failed, fmt::format("xerial snappy stream has version {}, below {}", version,
                                                               kXerialMinimumCompatibleVersion));
  }
  size_t pos = kXerialHeaderSize;
  while (pos < input.size()) {
    if (input.size() - pos < kXerialBlockLengthSize) {
      return Error(RecordErrc::decompression_failed, "xerial snappy stream ends inside a block length");
    }
    const auto length = static_cast<int32_t>(load_be<uint32_t>(input.data() + pos));
    pos += kXerialBlockLengthSize;
    if (length < 0 || static_cast<size_t>(length) > input.size() - pos) {
      return Error(RecordErrc::decompression_failed,
                   fmt::format("xerial snappy block length {} exceeds the {} bytes left", length, input.size() - pos));
    }
    STRATA_TRY(append_raw_uncompressed(input.subspan(pos, static_cast<size_t>(length)), max_output_bytes, out));
    pos += static_cast<size_t>(length);
  }
  return out;
}

}  // namespace strata::record
