// The four codecs: round trips at every level boundary and size class, the formats Kafka's Java
// client writes (xerial snappy, the LZ4 frame header), interop with the reference libraries,
// truncated and corrupt input, and the decompression bound.
#include "record/compression.h"

#include <gtest/gtest.h>
#include <lz4frame.h>
#include <snappy.h>
#include <zlib.h>
#include <zstd.h>

#include <random>
#include <vector>

#include "record/tests/test_util.h"

namespace strata::record {
namespace {

using testing::from_hex;
using testing::random_bytes;
using testing::to_hex;

constexpr size_t kUnbounded = SIZE_MAX;
constexpr std::array<CompressionCodec, 5> kAllCodecs = {CompressionCodec::none, CompressionCodec::gzip,
                                                        CompressionCodec::snappy, CompressionCodec::lz4,
                                                        CompressionCodec::zstd};
constexpr std::array<CompressionCodec, 4> kRealCodecs = {CompressionCodec::gzip, CompressionCodec::snappy,
                                                         CompressionCodec::lz4, CompressionCodec::zstd};

bytes compress_or_die(const Compression& c, bytes_view input) {
  bytes out;
  auto ok = compress(c, input, out);
  EXPECT_TRUE(ok) << ok.error().to_string();
  return out;
}

std::vector<int> levels_to_try(CompressionCodec codec) {
  switch (codec) {
    case CompressionCodec::gzip: return {kGzipDefaultLevel, kGzipMinLevel, kGzipMaxLevel};
    case CompressionCodec::lz4: return {kLz4DefaultLevel, kLz4MinLevel, 3, kLz4MaxLevel};
    case CompressionCodec::zstd: return {kZstdDefaultLevel, -5, 1, 19};  // min/max levels are slow; checked below
    default: return {kNoLevel};
  }
}

TEST(Compression, CodecIdsAndNames) {
  EXPECT_EQ(codec_name(CompressionCodec::none), "none");
  EXPECT_EQ(codec_name(CompressionCodec::gzip), "gzip");
  EXPECT_EQ(codec_name(CompressionCodec::snappy), "snappy");
  EXPECT_EQ(codec_name(CompressionCodec::lz4), "lz4");
  EXPECT_EQ(codec_name(CompressionCodec::zstd), "zstd");
  EXPECT_EQ(codec_from_id(0), CompressionCodec::none);
  EXPECT_EQ(codec_from_id(4), CompressionCodec::zstd);
  EXPECT_FALSE(codec_from_id(5));
  EXPECT_FALSE(codec_from_id(7));
  EXPECT_FALSE(codec_from_id(-1));
}

TEST(Compression, LevelRangesMatchKafka) {
  EXPECT_TRUE(check_level(CompressionCodec::gzip, -1));
  EXPECT_TRUE(check_level(CompressionCodec::gzip, 1));
  EXPECT_TRUE(check_level(CompressionCodec::gzip, 9));
  EXPECT_FALSE(check_level(CompressionCodec::gzip, 0));
  EXPECT_FALSE(check_level(CompressionCodec::gzip, 10));
  EXPECT_FALSE(check_level(CompressionCodec::gzip, -2));
  EXPECT_TRUE(check_level(CompressionCodec::lz4, 1));
  EXPECT_TRUE(check_level(CompressionCodec::lz4, 17));
  EXPECT_FALSE(check_level(CompressionCodec::lz4, 0));
  EXPECT_FALSE(check_level(CompressionCodec::lz4, 18));
  EXPECT_TRUE(check_level(CompressionCodec::zstd, -131072));
  EXPECT_TRUE(check_level(CompressionCodec::zstd, 22));
  EXPECT_FALSE(check_level(CompressionCodec::zstd, -131073));
  EXPECT_FALSE(check_level(CompressionCodec::zstd, 23));
  auto bad = check_level(CompressionCodec::lz4, 18);
  EXPECT_TRUE(bad.error().is(RecordErrc::invalid_config));
  EXPECT_EQ(default_level(CompressionCodec::gzip), -1);
  EXPECT_EQ(default_level(CompressionCodec::lz4), 9);
  EXPECT_EQ(default_level(CompressionCodec::zstd), 3);

  bytes out;
  auto failed = compress({CompressionCodec::gzip, 10}, as_bytes_view("x"), out);
  ASSERT_FALSE(failed);
  EXPECT_TRUE(failed.error().is(RecordErrc::invalid_config));
}

TEST(Compression, RoundTripEveryCodecLevelAndSize) {
  std::mt19937_64 rng(1);
  // Sizes around the block boundaries: snappy's 32 KiB xerial blocks and LZ4's 64 KiB blocks.
  const std::vector<size_t> sizes = {0,
                                     1,
                                     7,
                                     100,
                                     4096,
                                     kXerialBlockSize - 1,
                                     kXerialBlockSize,
                                     kXerialBlockSize + 1,
                                     size_t{64} * 1024,
                                     size_t{64} * 1024 + 1,
                                     size_t{300} * 1000};
  for (CompressionCodec codec : kAllCodecs) {
    for (int level : levels_to_try(codec)) {
      for (size_t size : sizes) {
        for (double compressibility : {0.0, 0.9}) {
          const bytes input = random_bytes(rng, size, compressibility);
          const bytes compressed = compress_or_die({codec, level}, input);
          auto back = decompress(codec, compressed, kUnbounded);
          ASSERT_TRUE(back) << codec_name(codec) << " level " << level << " size " << size << ": "
                            << back.error().to_string();
          EXPECT_TRUE(equal_bytes(*back, input)) << codec_name(codec) << " level " << level << " size " << size;
        }
      }
    }
  }
}

TEST(Compression, ExtremeZstdLevels) {
  std::mt19937_64 rng(2);
  const bytes input = random_bytes(rng, 20000, 0.8);
  for (int level : {kZstdMinLevel, kZstdMaxLevel}) {
    const bytes compressed = compress_or_die({CompressionCodec::zstd, level}, input);
    auto back = decompress(CompressionCodec::zstd, compressed, kUnbounded);
    ASSERT_TRUE(back);
    EXPECT_TRUE(equal_bytes(*back, input));
  }
}

TEST(Compression, CompressAppendsAfterExistingBytes) {
  const bytes input = to_bytes("hello hello hello hello");
  for (CompressionCodec codec : kAllCodecs) {
    bytes out = to_bytes("prefix");
    ASSERT_TRUE(compress(Compression::of(codec), input, out));
    EXPECT_EQ(as_string_view(bytes_view(out).first(6)), "prefix");
    auto back = decompress(codec, bytes_view(out).subspan(6), kUnbounded);
    ASSERT_TRUE(back);
    EXPECT_TRUE(equal_bytes(*back, input));
  }
}

// A decompression bomb: 16 MiB of zeros compresses to a few KiB. With a 1 MiB bound every codec
// must stop with decompressed_too_large, and never hold much more than the bound.
TEST(Compression, DecompressionBombIsBounded) {
  constexpr size_t kBombSize = size_t{16} * 1024 * 1024;
  constexpr size_t kBound = size_t{1024} * 1024;
  const bytes zeros(kBombSize);
  for (CompressionCodec codec : kRealCodecs) {
    const bytes compressed = compress_or_die(Compression::of(codec), zeros);
    EXPECT_LT(compressed.size(), kBound) << codec_name(codec);
    auto out = decompress(codec, compressed, kBound);
    ASSERT_FALSE(out) << codec_name(codec);
    EXPECT_TRUE(out.error().is(RecordErrc::decompressed_too_large)) << out.error().to_string();
  }
  // Raw snappy states its length up front: rejected before any allocation.
  bytes raw;
  snappy_compress_raw(zeros, raw);
  auto out = snappy_decompress(raw, kBound);
  ASSERT_FALSE(out);
  EXPECT_TRUE(out.error().is(RecordErrc::decompressed_too_large));
  // And `none` is bounded too.
  EXPECT_TRUE(decompress(CompressionCodec::none, zeros, kBound).error().is(RecordErrc::decompressed_too_large));
}

TEST(Compression, BoundIsInclusive) {
  std::mt19937_64 rng(3);
  const bytes input = random_bytes(rng, 10000, 0.7);
  for (CompressionCodec codec : kAllCodecs) {
    const bytes compressed = compress_or_die(Compression::of(codec), input);
    auto exact = decompress(codec, compressed, input.size());
    ASSERT_TRUE(exact) << codec_name(codec) << ": " << exact.error().to_string();
    EXPECT_TRUE(equal_bytes(*exact, input));
    auto short_by_one = decompress(codec, compressed, input.size() - 1);
    ASSERT_FALSE(short_by_one) << codec_name(codec);
    EXPECT_TRUE(short_by_one.error().is(RecordErrc::decompressed_too_large)) << codec_name(codec);
  }
}

TEST(Compression, TruncatedInputFailsCleanly) {
  std::mt19937_64 rng(4);
  const bytes input = random_bytes(rng, 70000, 0.6);
  for (CompressionCodec codec : kRealCodecs) {
    const bytes compressed = compress_or_die(Compression::of(codec), input);
    // Every strict prefix must fail (never crash, never succeed with a different output). Step
    // through the first bytes one by one, then coarsely.
    for (size_t cut = 0; cut < compressed.size(); cut += (cut < 64 ? 1 : 97)) {
      auto out = decompress(codec, bytes_view(compressed).first(cut), kUnbounded);
      if (out) {
        // A snappy prefix cut exactly at a xerial block boundary is a valid shorter stream.
        EXPECT_EQ(codec, CompressionCodec::snappy) << codec_name(codec) << " cut " << cut;
        EXPECT_LT(out->size(), input.size());
      } else {
        EXPECT_TRUE(out.error().is(RecordErrc::decompression_failed))
            << codec_name(codec) << " cut " << cut << ": " << out.error().to_string();
      }
    }
  }
}

TEST(Compression, CorruptInputNeverCrashes) {
  std::mt19937_64 rng(5);
  const bytes input = random_bytes(rng, 5000, 0.8);
  std::uniform_int_distribution<int> any_byte(0, 255);
  for (CompressionCodec codec : kRealCodecs) {
    const bytes compressed = compress_or_die(Compression::of(codec), input);
    std::uniform_int_distribution<size_t> position(0, compressed.size() - 1);
    for (int trial = 0; trial < 300; ++trial) {
      bytes broken = compressed;
      broken[position(rng)] = static_cast<std::byte>(any_byte(rng));
      auto out = decompress(codec, broken, input.size() * 2);
      if (!out) {
        EXPECT_TRUE(out.error().is(RecordErrc::decompression_failed) ||
                    out.error().is(RecordErrc::decompressed_too_large))
            << out.error().to_string();
      }
    }
  }
}

TEST(Compression, TrailingGarbageIsRejected) {
  const bytes input = to_bytes("some bytes some bytes some bytes");
  for (CompressionCodec codec : {CompressionCodec::gzip, CompressionCodec::lz4, CompressionCodec::zstd}) {
    bytes compressed = compress_or_die(Compression::of(codec), input);
    compressed.push_back(std::byte{0x42});
    auto out = decompress(codec, compressed, kUnbounded);
    ASSERT_FALSE(out) << codec_name(codec);
    EXPECT_TRUE(out.error().is(RecordErrc::decompression_failed));
  }
}

TEST(Gzip, WritesJavaHeaderAndReadsConcatenatedMembers) {
  const bytes input = to_bytes("kafka kafka kafka");
  const bytes compressed = compress_or_die(Compression::of(CompressionCodec::gzip), input);
  // java.util.zip.GZIPOutputStream's header (JDK 16+): magic, deflate, no flags, mtime 0, XFL 0,
  // OS 255.
  EXPECT_EQ(to_hex(bytes_view(compressed).first(10)), "1f8b08000000000000ff");
  bytes two = compressed;
  two.insert(two.end(), compressed.begin(), compressed.end());
  auto back = decompress(CompressionCodec::gzip, two, kUnbounded);
  ASSERT_TRUE(back);
  EXPECT_EQ(as_string_view(*back), "kafka kafka kafkakafka kafka kafka");
}

TEST(Gzip, ReadsWhatZlibWritesWithAnyHeader) {
  // gzip with a file name and the Unix OS byte, as the gzip tool writes.
  const std::string text = "interop with the reference implementation";
  z_stream zs{};
  ASSERT_EQ(deflateInit2(&zs, 9, Z_DEFLATED, 15 + 16, 8, Z_DEFAULT_STRATEGY), Z_OK);
  gz_header header{};
  std::string name = "data.txt";
  header.name = reinterpret_cast<Bytef*>(name.data());
  header.os = 3;
  deflateSetHeader(&zs, &header);
  bytes out(deflateBound(&zs, text.size()));
  zs.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(text.data()));
  zs.avail_in = static_cast<uInt>(text.size());
  zs.next_out = reinterpret_cast<Bytef*>(out.data());
  zs.avail_out = static_cast<uInt>(out.size());
  ASSERT_EQ(deflate(&zs, Z_FINISH), Z_STREAM_END);
  out.resize(out.size() - zs.avail_out);
  deflateEnd(&zs);
  auto back = decompress(CompressionCodec::gzip, out, kUnbounded);
  ASSERT_TRUE(back);
  EXPECT_EQ(as_string_view(*back), text);
}

TEST(Snappy, WritesXerialFramingWith32KiBBlocks) {
  std::mt19937_64 rng(6);
  const bytes input = random_bytes(rng, 2 * kXerialBlockSize + 100, 0.5);
  const bytes framed = compress_or_die(Compression::of(CompressionCodec::snappy), input);
  // The 16-byte SnappyCodec header: magic, version 1, compatible version 1.
  EXPECT_EQ(to_hex(bytes_view(framed).first(16)), "82534e41505059000000000100000001");
  // Walk the blocks: int32 big-endian length + raw snappy, each of at most 32 KiB uncompressed.
  size_t pos = 16;
  std::vector<size_t> block_sizes;
  while (pos < framed.size()) {
    const uint32_t length = load_be<uint32_t>(framed.data() + pos);
    pos += 4;
    size_t uncompressed = 0;
    ASSERT_TRUE(
        snappy::GetUncompressedLength(reinterpret_cast<const char*>(framed.data() + pos), length, &uncompressed));
    block_sizes.push_back(uncompressed);
    pos += length;
  }
  EXPECT_EQ(pos, framed.size());
  EXPECT_EQ(block_sizes, (std::vector<size_t>{kXerialBlockSize, kXerialBlockSize, 100}));
}

TEST(Snappy, ReadsHandMadeXerialStream) {
  // snappy-java's documented example: "foobar\n" written by SnappyOutputStream.
  const bytes stream = from_hex("82534e4150505900 00000001 00000001 00000009 0718666f6f6261720a");
  auto out = snappy_decompress(stream, kUnbounded);
  ASSERT_TRUE(out) << out.error().to_string();
  EXPECT_EQ(as_string_view(*out), "foobar\n");
  // Two blocks, the second produced by libsnappy directly.
  bytes two = stream;
  bytes raw;
  snappy_compress_raw(as_bytes_view("second block"), raw);
  two.push_back(std::byte{0});
  two.push_back(std::byte{0});
  two.push_back(std::byte{0});
  two.push_back(static_cast<std::byte>(raw.size()));
  two.insert(two.end(), raw.begin(), raw.end());
  out = snappy_decompress(two, kUnbounded);
  ASSERT_TRUE(out);
  EXPECT_EQ(as_string_view(*out), "foobar\nsecond block");
  // The header alone is an empty stream.
  out = snappy_decompress(bytes_view(stream).first(16), kUnbounded);
  ASSERT_TRUE(out);
  EXPECT_TRUE(out->empty());
}

TEST(Snappy, ReadsRawSnappyAsLibrdkafkaWritesIt) {
  const std::string text = "raw snappy, no framing, as librdkafka writes it";
  std::string raw;
  snappy::Compress(text.data(), text.size(), &raw);
  auto out = decompress(CompressionCodec::snappy, as_bytes_view(raw), kUnbounded);
  ASSERT_TRUE(out);
  EXPECT_EQ(as_string_view(*out), text);
}

TEST(Snappy, RejectsBadXerialStreams) {
  const bytes header = from_hex("82534e41505059000000000100000001");
  auto expect_failed = [](const bytes& b) {
    auto out = snappy_decompress(b, kUnbounded);
    ASSERT_FALSE(out);
    EXPECT_TRUE(out.error().is(RecordErrc::decompression_failed)) << out.error().to_string();
  };
  bytes version0 = from_hex("82534e41505059000000000000000001");
  expect_failed(version0);
  bytes partial_length = header;
  partial_length.push_back(std::byte{0});
  expect_failed(partial_length);
  bytes negative = header;
  for (auto b : from_hex("ffffffff00")) negative.push_back(b);
  expect_failed(negative);
  bytes too_long = header;
  for (auto b : from_hex("0000001000")) too_long.push_back(b);
  expect_failed(too_long);
  bytes corrupt_block = header;
  for (auto b : from_hex("00000003ffffff")) corrupt_block.push_back(b);
  expect_failed(corrupt_block);
}

TEST(Lz4, WritesKafkasFrameHeaderAndBlocks) {
  std::mt19937_64 rng(7);
  const bytes input = random_bytes(rng, size_t{150} * 1000, 0.0);  // incompressible: stored blocks
  const bytes frame = compress_or_die(Compression::of(CompressionCodec::lz4), input);
  // Magic 0x184D2204 (little-endian), FLG 0x60 (version 1, independent blocks), BD 0x40 (64 KiB),
  // header checksum 0x82: the header every Kafka Java client writes for magic v2.
  EXPECT_EQ(to_hex(bytes_view(frame).first(7)), "04224d18604082");
  // First block stored uncompressed: size 65536 with the high bit set.
  EXPECT_EQ(to_hex(bytes_view(frame).subspan(7, 4)), "00000180");
  // End mark.
  EXPECT_EQ(to_hex(bytes_view(frame).last(4)), "00000000");
}

// What we write, liblz4's standard frame decoder reads.
TEST(Lz4, ReferenceDecoderReadsOurFrames) {
  std::mt19937_64 rng(8);
  for (int level : {kLz4DefaultLevel, kLz4MinLevel, 12, kLz4MaxLevel}) {
    for (size_t size : {size_t{0}, size_t{10}, size_t{65536}, size_t{200000}}) {
      const bytes input = random_bytes(rng, size, 0.7);
      const bytes frame = compress_or_die({CompressionCodec::lz4, level}, input);
      LZ4F_dctx* ctx = nullptr;
      ASSERT_FALSE(LZ4F_isError(LZ4F_createDecompressionContext(&ctx, LZ4F_VERSION)));
      bytes out(size + 1);
      size_t out_size = out.size();
      size_t in_size = frame.size();
      const size_t hint = LZ4F_decompress(ctx, out.data(), &out_size, frame.data(), &in_size, nullptr);
      LZ4F_freeDecompressionContext(ctx);
      ASSERT_FALSE(LZ4F_isError(hint)) << LZ4F_getErrorName(hint);
      EXPECT_EQ(hint, 0u) << "frame complete";
      EXPECT_EQ(in_size, frame.size());
      out.resize(out_size);
      EXPECT_TRUE(equal_bytes(out, input)) << "level " << level << " size " << size;
    }
  }
}

// What liblz4 writes with every optional feature on, we read.
TEST(Lz4, ReadsFramesWithChecksumsAndContentSize) {
  std::mt19937_64 rng(9);
  const bytes input = random_bytes(rng, 300000, 0.6);
  for (auto block_size : {LZ4F_max64KB, LZ4F_max256KB, LZ4F_max4MB}) {
    for (auto mode : {LZ4F_blockLinked, LZ4F_blockIndependent}) {
      LZ4F_preferences_t prefs{};
      prefs.frameInfo.blockSizeID = block_size;
      prefs.frameInfo.blockMode = mode;
      prefs.frameInfo.contentChecksumFlag = LZ4F_contentChecksumEnabled;
      prefs.frameInfo.blockChecksumFlag = LZ4F_blockChecksumEnabled;
      prefs.frameInfo.contentSize = input.size();
      bytes frame(LZ4F_compressFrameBound(input.size(), &prefs));
      const size_t n = LZ4F_compressFrame(frame.data(), frame.size(), input.data(), input.size(), &prefs);
      ASSERT_FALSE(LZ4F_isError(n));
      frame.resize(n);
      auto out = decompress(CompressionCodec::lz4, frame, kUnbounded);
      ASSERT_TRUE(out) << out.error().to_string();
      EXPECT_TRUE(equal_bytes(*out, input));
      // A flipped content byte fails the checksums.
      frame[frame.size() / 2] ^= std::byte{0x01};
      EXPECT_FALSE(decompress(CompressionCodec::lz4, frame, kUnbounded));
    }
  }
}

TEST(Zstd, ReadsConcatenatedAndSkippableFrames) {
  const std::string a = "first frame ", b = "second frame";
  bytes stream;
  for (const auto& part : {a, b}) {
    bytes frame(ZSTD_compressBound(part.size()));
    frame.resize(ZSTD_compress(frame.data(), frame.size(), part.data(), part.size(), 3));
    stream.insert(stream.end(), frame.begin(), frame.end());
  }
  // A skippable frame: magic 0x184D2A50 (little-endian), size 4, four bytes of anything.
  for (auto byte : from_hex("502a4d1804000000deadbeef")) stream.push_back(byte);
  auto out = decompress(CompressionCodec::zstd, stream, kUnbounded);
  ASSERT_TRUE(out) << out.error().to_string();
  EXPECT_EQ(as_string_view(*out), a + b);
}

TEST(Zstd, ReferenceDecoderReadsOurFrames) {
  std::mt19937_64 rng(10);
  const bytes input = random_bytes(rng, 100000, 0.7);
  const bytes frame = compress_or_die({CompressionCodec::zstd, 7}, input);
  bytes out(input.size());
  const size_t n = ZSTD_decompress(out.data(), out.size(), frame.data(), frame.size());
  ASSERT_FALSE(ZSTD_isError(n));
  EXPECT_EQ(n, input.size());
  EXPECT_TRUE(equal_bytes(out, input));
}

TEST(TopicCompression, ParsesKafkaNamesIgnoringCase) {
  EXPECT_EQ(*parse_topic_compression_type("producer"), TopicCompressionType::producer);
  EXPECT_EQ(*parse_topic_compression_type("uncompressed"), TopicCompressionType::uncompressed);
  EXPECT_EQ(*parse_topic_compression_type("gzip"), TopicCompressionType::gzip);
  EXPECT_EQ(*parse_topic_compression_type("snappy"), TopicCompressionType::snappy);
  EXPECT_EQ(*parse_topic_compression_type("LZ4"), TopicCompressionType::lz4);
  EXPECT_EQ(*parse_topic_compression_type("Zstd"), TopicCompressionType::zstd);
  // "none" is a producer's compression.type, not a topic's.
  auto none = parse_topic_compression_type("none");
  ASSERT_FALSE(none);
  EXPECT_TRUE(none.error().is(RecordErrc::invalid_config));
  EXPECT_FALSE(parse_topic_compression_type(""));
  for (auto type : {TopicCompressionType::producer, TopicCompressionType::uncompressed, TopicCompressionType::gzip,
                    TopicCompressionType::snappy, TopicCompressionType::lz4, TopicCompressionType::zstd}) {
    EXPECT_EQ(*parse_topic_compression_type(to_string(type)), type);
  }
  EXPECT_EQ(kCompressionTypeConfig, "compression.type");
  EXPECT_EQ(kCompressionGzipLevelConfig, "compression.gzip.level");
  EXPECT_EQ(kCompressionLz4LevelConfig, "compression.lz4.level");
  EXPECT_EQ(kCompressionZstdLevelConfig, "compression.zstd.level");
}

TEST(TopicCompression, TargetFollowsKafka) {
  TopicCompression producer;  // defaults: compression.type=producer
  EXPECT_EQ(producer.target(CompressionCodec::zstd), (Compression{CompressionCodec::zstd, kZstdDefaultLevel}));
  EXPECT_EQ(producer.target(CompressionCodec::none), (Compression{CompressionCodec::none, kNoLevel}));
  TopicCompression gzip{TopicCompressionType::gzip, 5, kLz4DefaultLevel, kZstdDefaultLevel};
  EXPECT_EQ(gzip.target(CompressionCodec::lz4), (Compression{CompressionCodec::gzip, 5}));
  TopicCompression zstd{TopicCompressionType::zstd, kGzipDefaultLevel, kLz4DefaultLevel, 12};
  EXPECT_EQ(zstd.target(CompressionCodec::none), (Compression{CompressionCodec::zstd, 12}));
  TopicCompression uncompressed;
  uncompressed.type = TopicCompressionType::uncompressed;
  EXPECT_EQ(uncompressed.target(CompressionCodec::snappy).codec, CompressionCodec::none);
  EXPECT_TRUE(zstd.check());
  TopicCompression bad{TopicCompressionType::lz4, kGzipDefaultLevel, 18, kZstdDefaultLevel};
  EXPECT_TRUE(bad.check().error().is(RecordErrc::invalid_config));
}

}  // namespace
}  // namespace strata::record
