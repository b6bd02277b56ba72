// Zstandard through libzstd. One frame per batch on write; on read any sequence of frames
// (skippable frames included), as zstd-jni's ZstdInputStream accepts. The decoder keeps libzstd's
// default window limit (2^27 bytes, ZSTD_WINDOWLOG_LIMIT_DEFAULT, the same as zstd-jni's), which
// bounds the memory a hostile frame header can ask for; the output is bounded by the caller.
#include <fmt/format.h>
#include <zstd.h>

#include "record/codecs.h"

namespace strata::record::detail {

result<void> zstd_compress(int level, bytes_view input, bytes& out) {
  ZSTD_CCtx* ctx = ZSTD_createCCtx();
  if (ctx == nullptr) return Error(RecordErrc::compression_failed, "zstd: cannot create a compression context");
  struct FreeContext {
    ZSTD_CCtx* ctx;
    ~FreeContext() { ZSTD_freeCCtx(ctx); }
  } guard{ctx};
  size_t ret = ZSTD_CCtx_setParameter(ctx, ZSTD_c_compressionLevel, level);
  if (ZSTD_isError(ret)) return Error(RecordErrc::invalid_config, fmt::format("zstd: {}", ZSTD_getErrorName(ret)));
  const size_t start = out.size();
  const size_t bound = ZSTD_compressBound(input.size());
  out.resize(start + bound);
  ret = ZSTD_compress2(ctx, out.data() + start, bound, input.data(), input.size());
  if (ZSTD_isError(ret)) {
    out.resize(start);
    return Error(RecordErrc::compression_failed, fmt::format("zstd: {}", ZSTD_getErrorName(ret)));
  }
  out.resize(start + ret);
  return success();
}

result<bytes> zstd_decompress(bytes_view input, size_t max_output_bytes) {
  ZSTD_DCtx* ctx = ZSTD_createDCtx();
  if (ctx == nullptr) return Error(RecordErrc::decompression_failed, "zstd: cannot create a decompression context");
  struct FreeContext {
    ZSTD_DCtx* ctx;
    ~FreeContext() { ZSTD_freeDCtx(ctx); }
  } guard{ctx};

  BoundedSink sink(max_output_bytes, input.size());
  ZSTD_inBuffer in{input.data(), input.size(), 0};
  while (true) {
    auto space = sink.space();
    if (space.empty()) return too_large_error("zstd", max_output_bytes);
    ZSTD_outBuffer out{space.data(), space.size(), 0};
    const size_t ret = ZSTD_decompressStream(ctx, &out, &in);
    if (ZSTD_isError(ret))
      return Error(RecordErrc::decompression_failed, fmt::format("zstd: {}", ZSTD_getErrorName(ret)));
    sink.commit(out.pos);
    if (sink.over()) return too_large_error("zstd", max_output_bytes);
    const bool input_done = in.pos == in.size;
    // ret == 0: a frame ended and everything it holds was flushed; more frames may follow.
    if (ret == 0 && input_done) break;
    // The decoder wants more input than there is and had room to write: the frame is cut short.
    if (input_done && out.pos < out.size) return Error(RecordErrc::decompression_failed, "zstd frame is truncated");
  }
  return std::move(sink).take();
}

}  // namespace strata::record::detail
