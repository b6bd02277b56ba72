// LZ4 frame format (lz4_Frame_format.md v1.6). Written as Kafka's Lz4BlockOutputStream writes it
// for magic v2: FLG = version 1 + independent blocks (no block checksum, no content size, no
// content checksum), BD = 64 KiB maximum block size, the header checksum byte, then blocks of
// <uint32 little-endian size, data> (high bit set when the block is stored uncompressed because
// compressing did not make it smaller), then a zero end mark. Level 9, Kafka's default, uses
// LZ4's fast compressor and any other level LZ4 HC, as lz4-java's factory choice in Kafka does.
//
// Reading uses liblz4's frame decoder, which accepts every valid frame (block or content
// checksums, content size, linked blocks), so frames from librdkafka and others decode too.
#include <fmt/format.h>
#include <lz4.h>
#include <lz4frame.h>
#include <lz4hc.h>

#include <array>
#include <climits>
#include <cstring>

#include "record/codecs.h"

namespace strata::record::detail {

namespace {

constexpr size_t kLz4BlockSize = size_t{64} * 1024;          // BD block size id 4 (LZ4F_max64KB)
constexpr uint32_t kLz4UncompressedBlockFlag = 0x80000000u;  // high bit of a block size
constexpr size_t kLz4BlockSizeFieldSize = sizeof(uint32_t);
constexpr uint32_t kLz4EndMark = 0;

constexpr int kBitsPerByte = 8;
constexpr uint32_t kByteMask = 0xffu;

void store_le32(std::byte* p, uint32_t v) {
  for (size_t i = 0; i < sizeof(v); ++i) p[i] = static_cast<std::byte>((v >> (kBitsPerByte * i)) & kByteMask);
}

void append_le32(bytes& out, uint32_t v) {
  const size_t at = out.size();
  out.resize(at + sizeof(v));
  store_le32(out.data() + at, v);
}

LZ4F_preferences_t kafka_frame_preferences() {
  LZ4F_preferences_t prefs{};
  prefs.frameInfo.blockSizeID = LZ4F_max64KB;
  prefs.frameInfo.blockMode = LZ4F_blockIndependent;
  prefs.frameInfo.contentChecksumFlag = LZ4F_noContentChecksum;
  prefs.frameInfo.blockChecksumFlag = LZ4F_noBlockChecksum;
  prefs.frameInfo.frameType = LZ4F_frame;
  prefs.frameInfo.contentSize = 0;
  return prefs;
}

// The magic number, FLG, BD and header checksum of the frame Kafka writes, produced by liblz4 so
// that the checksum byte is computed by the reference implementation.
result<void> append_frame_header(bytes& out) {
  LZ4F_cctx* ctx = nullptr;
  if (LZ4F_isError(LZ4F_createCompressionContext(&ctx, LZ4F_VERSION))) {
    return Error(RecordErrc::compression_failed, "lz4: cannot create a compression context");
  }
  std::array<std::byte, LZ4F_HEADER_SIZE_MAX> header{};
  const LZ4F_preferences_t prefs = kafka_frame_preferences();
  const size_t n = LZ4F_compressBegin(ctx, header.data(), header.size(), &prefs);
  LZ4F_freeCompressionContext(ctx);
  if (LZ4F_isError(n)) return Error(RecordErrc::compression_failed, fmt::format("lz4: {}", LZ4F_getErrorName(n)));
  out.insert(out.end(), header.begin(), header.begin() + static_cast<std::ptrdiff_t>(n));
  return success();
}

}  // namespace

result<void> lz4_compress(int level, bytes_view input, bytes& out) {
  const size_t start = out.size();
  STRATA_TRY(append_frame_header(out));
  for (size_t pos = 0; pos < input.size(); pos += kLz4BlockSize) {
    const bytes_view block = input.subspan(pos, std::min(kLz4BlockSize, input.size() - pos));
    const int block_size = static_cast<int>(block.size());
    const int bound = LZ4_compressBound(block_size);
    const size_t size_at = out.size();
    out.resize(size_at + kLz4BlockSizeFieldSize + static_cast<size_t>(bound));
    const char* src = reinterpret_cast<const char*>(block.data());
    char* dst = reinterpret_cast<char*>(out.data() + size_at + kLz4BlockSizeFieldSize);
    const int compressed = level == kLz4DefaultLevel ? LZ4_compress_default(src, dst, block_size, bound)
                                                     : LZ4_compress_HC(src, dst, block_size, bound, level);
    if (compressed <= 0) {
      out.resize(start);
      return Error(RecordErrc::compression_failed, "lz4 block compression failed");
    }
    uint32_t size_field = static_cast<uint32_t>(compressed);
    size_t data_size = static_cast<size_t>(compressed);
    if (compressed >= block_size) {
      // Incompressible: store the block as is (the bound is never below the input size).
      std::memcpy(dst, src, block.size());
      size_field = static_cast<uint32_t>(block_size) | kLz4UncompressedBlockFlag;
      data_size = block.size();
    }
    store_le32(out.data() + size_at, size_field);
    out.resize(size_at + kLz4BlockSizeFieldSize + data_size);
  }
  append_le32(out, kLz4EndMark);
  return success();
}

result<bytes> lz4_decompress(bytes_view input, size_t max_output_bytes) {
  LZ4F_dctx* ctx = nullptr;
  if (LZ4F_isError(LZ4F_createDecompressionContext(&ctx, LZ4F_VERSION))) {
    return Error(RecordErrc::decompression_failed, "lz4: cannot create a decompression context");
  }
  struct FreeContext {
    LZ4F_dctx* ctx;
    ~FreeContext() { LZ4F_freeDecompressionContext(ctx); }
  } guard{ctx};

  BoundedSink sink(max_output_bytes, input.size());
  size_t pos = 0;
  while (true) {
    auto space = sink.space();
    if (space.empty()) return too_large_error("lz4", max_output_bytes);
    size_t produced = space.size();
    size_t consumed = input.size() - pos;
    const size_t hint = LZ4F_decompress(ctx, space.data(), &produced, input.data() + pos, &consumed, nullptr);
    if (LZ4F_isError(hint)) {
      return Error(RecordErrc::decompression_failed, fmt::format("lz4: {}", LZ4F_getErrorName(hint)));
    }
    pos += consumed;
    sink.commit(produced);
    if (sink.over()) return too_large_error("lz4", max_output_bytes);
    if (hint == 0) break;  // the frame is complete
    if (pos == input.size() && produced == 0) return Error(RecordErrc::decompression_failed, "lz4 frame is truncated");
  }
  if (pos != input.size()) {
    return Error(RecordErrc::decompression_failed,
                 fmt::format("lz4: {} bytes follow the end of the frame", input.size() - pos));
  }
  return std::move(sink).take();
}

}  // namespace strata::record::detail
