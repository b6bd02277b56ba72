// Internal to src/record: one compress/decompress pair per codec (codec_*.cpp), behind the
// dispatch in compression.cpp, and the bounded output buffer the streaming decompressors share.
#pragma once

#include <algorithm>
#include <cstddef>
#include <span>

#include "base/bytes.h"
#include "base/result.h"
#include "record/compression.h"

namespace strata::record::detail {

result<void> gzip_compress(int level, bytes_view input, bytes& out);
result<bytes> gzip_decompress(bytes_view input, size_t max_output_bytes);
result<void> lz4_compress(int level, bytes_view input, bytes& out);
result<bytes> lz4_decompress(bytes_view input, size_t max_output_bytes);
result<void> zstd_compress(int level, bytes_view input, bytes& out);
result<bytes> zstd_decompress(bytes_view input, size_t max_output_bytes);

Error too_large_error(std::string_view codec, size_t max_output_bytes);

// An output buffer for a streaming decompressor that never holds more than max_output + 1 bytes:
// one byte past the bound is enough to tell "exactly at the bound" from "over it".
//
//   while (...) { auto space = sink.space(); ...write n bytes...; sink.commit(n); if (sink.over()) fail; }
class BoundedSink {
 public:
  // The first allocation is small and grows by doubling, so the memory held tracks the output
  // actually produced rather than the bound.
  static constexpr size_t kInitialChunk = size_t{4} * 1024;

  BoundedSink(size_t max_output, size_t input_size)
      : max_(max_output), limit_(max_output == SIZE_MAX ? SIZE_MAX : max_output + 1) {
    initial_ = std::min(limit_, std::max(kInitialChunk, input_size * 2));
  }

  // Writable room after the committed bytes; empty only when the buffer holds limit_ bytes.
  std::span<std::byte> space() {
    if (size_ == buffer_.size()) {
      if (buffer_.size() >= limit_) return {};
      const size_t grown = buffer_.empty() ? initial_ : buffer_.size() * 2;
      buffer_.resize(std::min(limit_, std::max(grown, buffer_.size() + 1)));
    }
    return {buffer_.data() + size_, buffer_.size() - size_};
  }
  void commit(size_t n) { size_ += n; }
  size_t size() const { return size_; }
  bool over() const { return size_ > max_; }
  bytes take() && {
    buffer_.resize(size_);
    return std::move(buffer_);
  }

 private:
  size_t max_;
  size_t limit_;
  size_t initial_ = 0;
  size_t size_ = 0;
  bytes buffer_;
};

}  // namespace strata::record::detail
