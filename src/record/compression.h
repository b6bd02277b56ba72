// The four codecs of record batch v2 (attributes bits 0-2), their levels, and the topic config
// that picks one. Format details, and what Kafka's Java client writes, are in
// docs/formats/record-batch.md ("Compression").
//
//   gzip   zlib deflate in a gzip wrapper (RFC 1952); levels 1-9 or -1 (zlib's default, 6).
//   snappy writes xerial/snappy-java framing (what Kafka's Java client writes: a 16-byte header,
//          then blocks of <int32 big-endian compressed length, raw snappy> over 32 KiB of input);
//          reads that framing and also plain raw snappy (what librdkafka writes).
//   lz4    the standard LZ4 frame format with 64 KiB independent blocks and no checksums besides
//          the header's, as Kafka's Lz4BlockOutputStream writes for magic v2; level 9 (Kafka's
//          default) is LZ4's fast mode, any other level LZ4 HC at that level, as in lz4-java.
//   zstd   a zstd frame; levels -131072..22, default 3.
//
// Decompression takes the largest output the caller accepts and fails with
// decompressed_too_large before allocating more: a small hostile input cannot exhaust memory.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string_view>

#include "base/bytes.h"
#include "base/result.h"
#include "record/record_error.h"

namespace strata::record {

// The codec ids of attributes bits 0-2 (Kafka's CompressionType.id).
enum class CompressionCodec : uint8_t { none = 0, gzip = 1, snappy = 2, lz4 = 3, zstd = 4 };

// The highest codec id Kafka defines; ids above it (5-7 fit in the three bits) are unknown.
inline constexpr int kMaxCompressionCodecId = static_cast<int>(CompressionCodec::zstd);

// Kafka's names: "none", "gzip", "snappy", "lz4", "zstd".
std::string_view codec_name(CompressionCodec codec);
std::optional<CompressionCodec> codec_from_id(int id);

// Level ranges and defaults (Kafka's CompressionType, KIP-390).
inline constexpr int kGzipMinLevel = 1;       // Deflater.BEST_SPEED
inline constexpr int kGzipMaxLevel = 9;       // Deflater.BEST_COMPRESSION
inline constexpr int kGzipDefaultLevel = -1;  // Deflater.DEFAULT_COMPRESSION (zlib level 6)
inline constexpr int kLz4MinLevel = 1;        // net.jpountz.lz4.LZ4Constants
inline constexpr int kLz4MaxLevel = 17;
inline constexpr int kLz4DefaultLevel = 9;
inline constexpr int kZstdMinLevel = -131072;  // ZSTD_minCLevel()
inline constexpr int kZstdMaxLevel = 22;       // ZSTD_MAX_CLEVEL
inline constexpr int kZstdDefaultLevel = 3;    // ZSTD_CLEVEL_DEFAULT
inline constexpr int kNoLevel = 0;             // none and snappy have no levels

// The default level of `codec` (kNoLevel for none and snappy).
int default_level(CompressionCodec codec);

// Fails with invalid_config when `level` is outside the codec's range. Gzip also accepts -1.
// None and snappy accept any level (Kafka has no level setting for them) and ignore it.
result<void> check_level(CompressionCodec codec, int level);

// A codec and the level to compress with.
struct Compression {
  CompressionCodec codec = CompressionCodec::none;
  int level = kNoLevel;

  // `codec` at its default level.
  static Compression of(CompressionCodec codec) { return {codec, default_level(codec)}; }
  bool operator==(const Compression&) const = default;
};

// Appends the compressed form of `input` to `out`. Fails with invalid_config for a bad level and
// with compression_failed if the library does. Compressing with `none` appends `input` as is.
result<void> compress(const Compression& compression, bytes_view input, bytes& out);

// The bytes `input` decompresses to. Fails with decompression_failed for input that is not a
// complete, valid stream of `codec` (trailing bytes after the stream included), and with
// decompressed_too_large as soon as the output would exceed `max_output_bytes`.
result<bytes> decompress(CompressionCodec codec, bytes_view input, size_t max_output_bytes);

// Snappy in detail, for tests and tools: the xerial framing Kafka's Java client writes, and a
// reader that takes either that framing or raw snappy (told apart by the 8-byte magic, as
// snappy-java's SnappyInputStream does).
inline constexpr size_t kXerialBlockSize = size_t{32} * 1024;  // snappy-java SnappyOutputStream.DEFAULT_BLOCK_SIZE
void snappy_compress_xerial(bytes_view input, bytes& out);
void snappy_compress_raw(bytes_view input, bytes& out);
result<bytes> snappy_decompress(bytes_view input, size_t max_output_bytes);

// A topic's compression.type (Kafka's BrokerCompressionType). "producer" keeps the producer's
// codec; "uncompressed" stores batches uncompressed. Parsing ignores case, as Kafka does.
enum class TopicCompressionType { producer, uncompressed, gzip, snappy, lz4, zstd };

inline constexpr std::string_view kCompressionTypeConfig = "compression.type";
inline constexpr std::string_view kCompressionGzipLevelConfig = "compression.gzip.level";
inline constexpr std::string_view kCompressionLz4LevelConfig = "compression.lz4.level";
inline constexpr std::string_view kCompressionZstdLevelConfig = "compression.zstd.level";
inline constexpr TopicCompressionType kDefaultTopicCompressionType = TopicCompressionType::producer;

std::string_view to_string(TopicCompressionType type);
result<TopicCompressionType> parse_topic_compression_type(std::string_view name);

// A topic's compression settings: compression.type and the three level configs.
struct TopicCompression {
  TopicCompressionType type = kDefaultTopicCompressionType;
  int gzip_level = kGzipDefaultLevel;
  int lz4_level = kLz4DefaultLevel;
  int zstd_level = kZstdDefaultLevel;

  // Fails with invalid_config when a level is outside its range.
  result<void> check() const;

  // What a batch the producer compressed with `producer_codec` is stored as. For "producer" that is
  // the producer's codec at its default level (Kafka's BrokerCompressionType.targetCompression);
  // otherwise the topic's codec at the topic's level.
  Compression target(CompressionCodec producer_codec) const;
};

}  // namespace strata::record
