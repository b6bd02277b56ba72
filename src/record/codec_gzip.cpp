// gzip (RFC 1952) through zlib. Kafka reads with java.util.zip.GZIPInputStream and writes with a
// GZIPOutputStream subclass that takes a level, so: gzip wrapper only (no zlib or raw deflate),
// concatenated members accepted on read, and the header Java writes (no name, mtime 0, and OS 255
// "unknown" as JDK 16+ writes it, JDK-8244706; older JDKs wrote 0).
#include <fmt/format.h>
#include <zlib.h>

#include <climits>

#include "record/codecs.h"

namespace strata::record::detail {

namespace {

// windowBits for deflateInit2/inflateInit2: 15 (32 KiB window, zlib's maximum) + 16 selects the
// gzip wrapper instead of the zlib one.
constexpr int kMaxWindowBits = 15;
constexpr int kGzipWrapper = 16;
constexpr int kGzipWindowBits = kMaxWindowBits + kGzipWrapper;
constexpr int kDefaultMemLevel = 8;  // zlib's default, what java.util.zip.Deflater uses
// java.util.zip.GZIPOutputStream's fixed 10-byte header has OS = 255 (unknown); zlib would write 3.
constexpr int kJavaGzipHeaderOs = 255;

Error zlib_error(RecordErrc code, std::string_view what, const z_stream& zs, int ret) {
  return Error(code, fmt::format("gzip {}: {} (zlib {})", what, zs.msg != nullptr ? zs.msg : "no message", ret));
}

}  // namespace

result<void> gzip_compress(int level, bytes_view input, bytes& out) {
  if (input.size() > UINT_MAX) return Error(RecordErrc::compression_failed, "gzip input over 4 GiB");
  z_stream zs{};
  const int zlevel = level == kGzipDefaultLevel ? Z_DEFAULT_COMPRESSION : level;
  int ret = deflateInit2(&zs, zlevel, Z_DEFLATED, kGzipWindowBits, kDefaultMemLevel, Z_DEFAULT_STRATEGY);
  if (ret != Z_OK) return zlib_error(RecordErrc::compression_failed, "deflateInit2", zs, ret);
  gz_header header{};
  header.os = kJavaGzipHeaderOs;
  deflateSetHeader(&zs, &header);

  const size_t start = out.size();
  const uLong bound = deflateBound(&zs, static_cast<uLong>(input.size()));
  out.resize(start + bound);
  // zlib takes non-const input pointers but does not write through them.
  zs.next_in = reinterpret_cast<Bytef*>(const_cast<std::byte*>(input.data()));
  zs.avail_in = static_cast<uInt>(input.size());
  zs.next_out = reinterpret_cast<Bytef*>(out.data() + start);
  zs.avail_out = static_cast<uInt>(bound);
  ret = deflate(&zs, Z_FINISH);
  const size_t written = bound - zs.avail_out;
  deflateEnd(&zs);
  if (ret != Z_STREAM_END) {
    out.resize(start);
    return Error(RecordErrc::compression_failed, fmt::format("gzip deflate did not finish (zlib {})", ret));
  }
  out.resize(start + written);
  return success();
}

result<bytes> gzip_decompress(bytes_view input, size_t max_output_bytes) {
  if (input.size() > UINT_MAX) return Error(RecordErrc::decompression_failed, "gzip input over 4 GiB");
  z_stream zs{};
  int ret = inflateInit2(&zs, kGzipWindowBits);
  if (ret != Z_OK) return zlib_error(RecordErrc::decompression_failed, "inflateInit2", zs, ret);
  struct InflateEnd {
    z_stream* zs;
    ~InflateEnd() { inflateEnd(zs); }
  } guard{&zs};

  zs.next_in = reinterpret_cast<Bytef*>(const_cast<std::byte*>(input.data()));
  zs.avail_in = static_cast<uInt>(input.size());
  BoundedSink sink(max_output_bytes, input.size());
  while (true) {
    auto space = sink.space();
    if (space.empty()) return too_large_error("gzip", max_output_bytes);
    const uInt room = static_cast<uInt>(std::min<size_t>(space.size(), UINT_MAX));
    zs.next_out = reinterpret_cast<Bytef*>(space.data());
    zs.avail_out = room;
    ret = inflate(&zs, Z_NO_FLUSH);
    sink.commit(room - zs.avail_out);
    if (sink.over()) return too_large_error("gzip", max_output_bytes);
    if (ret == Z_STREAM_END) {
      if (zs.avail_in == 0) break;
      // Another gzip member follows (GZIPInputStream reads concatenated members). Anything that is
      // not a gzip header makes the next inflate fail with Z_DATA_ERROR.
      ret = inflateReset(&zs);
      if (ret != Z_OK) return zlib_error(RecordErrc::decompression_failed, "inflateReset", zs, ret);
      continue;
    }
    if (ret == Z_OK) continue;
    if (ret == Z_BUF_ERROR && zs.avail_in == 0) {
      return Error(RecordErrc::decompression_failed, "gzip stream is truncated");
    }
    return zlib_error(RecordErrc::decompression_failed, "inflate", zs, ret);
  }
  return std::move(sink).take();
}

}  // namespace strata::record::detail
