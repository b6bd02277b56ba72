#include "record/compression.h"

#include <fmt/format.h>

#include <algorithm>
#include <array>
#include <cctype>
#include <string>

#include "record/codecs.h"

namespace strata::record {

namespace {

struct CodecName {
  CompressionCodec codec;
  std::string_view name;
};
constexpr std::array<CodecName, 5> kCodecNames{{
    {CompressionCodec::none, "none"},
    {CompressionCodec::gzip, "gzip"},
    {CompressionCodec::snappy, "snappy"},
    {CompressionCodec::lz4, "lz4"},
    {CompressionCodec::zstd, "zstd"},
}};

struct TopicTypeName {
  TopicCompressionType type;
  std::string_view name;
};
constexpr std::array<TopicTypeName, 6> kTopicTypeNames{{
    {TopicCompressionType::producer, "producer"},
    {TopicCompressionType::uncompressed, "uncompressed"},
    {TopicCompressionType::gzip, "gzip"},
    {TopicCompressionType::snappy, "snappy"},
    {TopicCompressionType::lz4, "lz4"},
    {TopicCompressionType::zstd, "zstd"},
}};

Error level_error(CompressionCodec codec, int level, std::string_view range) {
  return Error(RecordErrc::invalid_config,
               fmt::format("{} compression level {} is outside {}", codec_name(codec), level, range));
}

}  // namespace

std::string_view codec_name(CompressionCodec codec) {
  for (const auto& c : kCodecNames) {
    if (c.codec == codec) return c.name;
  }
  return "unknown";
}

std::optional<CompressionCodec> codec_from_id(int id) {
  if (id < 0 || id > kMaxCompressionCodecId) return std::nullopt;
  return static_cast<CompressionCodec>(id);
}

int default_level(CompressionCodec codec) {
  switch (codec) {
    case CompressionCodec::gzip: return kGzipDefaultLevel;
    case CompressionCodec::lz4: return kLz4DefaultLevel;
    case CompressionCodec::zstd: return kZstdDefaultLevel;
    case CompressionCodec::none:
    case CompressionCodec::snappy: return kNoLevel;
  }
  return kNoLevel;
}

result<void> check_level(CompressionCodec codec, int level) {
  switch (codec) {
    case CompressionCodec::gzip:
      if ((level < kGzipMinLevel || level > kGzipMaxLevel) && level != kGzipDefaultLevel) {
        return level_error(codec, level,
                           fmt::format("[{},...,{}] or {}", kGzipMinLevel, kGzipMaxLevel, kGzipDefaultLevel));
      }
      return success();
    case CompressionCodec::lz4:
      if (level < kLz4MinLevel || level > kLz4MaxLevel) {
        return level_error(codec, level, fmt::format("[{},...,{}]", kLz4MinLevel, kLz4MaxLevel));
      }
      return success();
    case CompressionCodec::zstd:
      if (level < kZstdMinLevel || level > kZstdMaxLevel) {
        return level_error(codec, level, fmt::format("[{},...,{}]", kZstdMinLevel, kZstdMaxLevel));
      }
      return success();
    case CompressionCodec::none:
    case CompressionCodec::snappy: return success();
  }
  return success();
}

result<void> compress(const Compression& compression, bytes_view input, bytes& out) {
  STRATA_TRY(check_level(compression.codec, compression.level));
  switch (compression.codec) {
    case CompressionCodec::none: out.insert(out.end(), input.begin(), input.end()); return success();
    case CompressionCodec::gzip: return detail::gzip_compress(compression.level, input, out);
    case CompressionCodec::snappy: snappy_compress_xerial(input, out); return success();
    case CompressionCodec::lz4: return detail::lz4_compress(compression.level, input, out);
    case CompressionCodec::zstd: return detail::zstd_compress(compression.level, input, out);
  }
  return Error(RecordErrc::invalid_argument, "unknown compression codec");
}

result<bytes> decompress(CompressionCodec codec, bytes_view input, size_t max_output_bytes) {
  switch (codec) {
    case CompressionCodec::none:
      if (input.size() > max_output_bytes) return detail::too_large_error(codec_name(codec), max_output_bytes);
      return bytes(input.begin(), input.end());
    case CompressionCodec::gzip: return detail::gzip_decompress(input, max_output_bytes);
    case CompressionCodec::snappy: return snappy_decompress(input, max_output_bytes);
    case CompressionCodec::lz4: return detail::lz4_decompress(input, max_output_bytes);
    case CompressionCodec::zstd: return detail::zstd_decompress(input, max_output_bytes);
  }
  return Error(RecordErrc::invalid_argument, "unknown compression codec");
}

std::string_view to_string(TopicCompressionType type) {
  for (const auto& t : kTopicTypeNames) {
    if (t.type == type) return t.name;
  }
  return "unknown";
}

result<TopicCompressionType> parse_topic_compression_type(std::string_view name) {
  std::string lower(name);
  std::transform(lower.begin(), lower.end(), lower.begin(), [](unsigned char c) { return std::tolower(c); });
  for (const auto& t : kTopicTypeNames) {
    if (t.name == lower) return t.type;
  }
  return Error(RecordErrc::invalid_config,
               fmt::format("{} '{}' is not one of uncompressed, zstd, lz4, snappy, gzip, producer",
                           kCompressionTypeConfig, name));
}

result<void> TopicCompression::check() const {
  STRATA_TRY(check_level(CompressionCodec::gzip, gzip_level));
  STRATA_TRY(check_level(CompressionCodec::lz4, lz4_level));
  STRATA_TRY(check_level(CompressionCodec::zstd, zstd_level));
  return success();
}

Compression TopicCompression::target(CompressionCodec producer_codec) const {
  switch (type) {
    case TopicCompressionType::producer: return Compression::of(producer_codec);
    case TopicCompressionType::uncompressed: return Compression::of(CompressionCodec::none);
    case TopicCompressionType::gzip: return {CompressionCodec::gzip, gzip_level};
    case TopicCompressionType::snappy: return Compression::of(CompressionCodec::snappy);
    case TopicCompressionType::lz4: return {CompressionCodec::lz4, lz4_level};
    case TopicCompressionType::zstd: return {CompressionCodec::zstd, zstd_level};
  }
  return Compression::of(producer_codec);
}

namespace detail {

Error too_large_error(std::string_view codec, size_t max_output_bytes) {
  return Error(RecordErrc::decompressed_too_large,
               fmt::format("{} data decompresses to more than the {} bytes allowed", codec, max_output_bytes));
}

}  // namespace detail

}  // namespace strata::record
