#include "objstore/fs_format.h"

#include <gtest/gtest.h>

#include "base/crc32c.h"
#include "objstore/tests/test_support.h"

namespace strata::objstore::fsformat {
namespace {

Footer sample_footer() {
  Footer f;
  f.data_size = 200'000;
  f.block_size = kDefaultBlockSize;
  f.metadata_size = 17;
  f.data_crc32c = 0xDEADBEEF;
  f.metadata_crc32c = 0x01020304;
  f.version = 0x0123456789ABCDEF;
  f.created_ms = 1'700'000'000'123;
  return f;
}

TEST(FsFormat, FooterRoundTripsAndAddsUpToTheFileSize) {
  const Footer f = sample_footer();
  EXPECT_EQ(f.block_count(), 4u);  // 3 full blocks and a partial one
  EXPECT_EQ(f.file_size(), 200'000u + 17 + 4 * kBlockCrcSize + kFooterSize);
  const auto encoded = encode_footer(f);
  result<Footer> decoded = decode_footer(encoded, f.file_size());
  ASSERT_OK(decoded);
  EXPECT_EQ(decoded->data_size, f.data_size);
  EXPECT_EQ(decoded->block_size, f.block_size);
  EXPECT_EQ(decoded->metadata_size, f.metadata_size);
  EXPECT_EQ(decoded->data_crc32c, f.data_crc32c);
  EXPECT_EQ(decoded->metadata_crc32c, f.metadata_crc32c);
  EXPECT_EQ(decoded->version, f.version);
  EXPECT_EQ(decoded->created_ms, f.created_ms);
  // Fixed fields at their documented places.
  EXPECT_EQ(load_be<uint64_t>(encoded.data() + kMagicOffset), kMagic);
  EXPECT_EQ(as_string_view(bytes_view(encoded).subspan(kMagicOffset)), "STRATAOB");
  EXPECT_EQ(load_be<uint32_t>(encoded.data() + kFormatVersionOffset), kFormatVersion);
  EXPECT_EQ(load_be<uint64_t>(encoded.data() + kDataSizeOffset), f.data_size);
}

TEST(FsFormat, EveryDamagedFooterByteIsDetected) {
  const Footer f = sample_footer();
  const auto good = encode_footer(f);
  for (size_t i = 0; i < kFooterSize; ++i) {
    auto bad = good;
    bad[i] ^= std::byte{0x01};
    EXPECT_OBJSTORE_ERROR(decode_footer(bad, f.file_size()), ObjstoreErrc::corrupt);
  }
}

TEST(FsFormat, SizesThatDoNotAddUpAreCorrupt) {
  const Footer f = sample_footer();
  const auto encoded = encode_footer(f);
  EXPECT_OBJSTORE_ERROR(decode_footer(encoded, f.file_size() + 1), ObjstoreErrc::corrupt);
  EXPECT_OBJSTORE_ERROR(decode_footer(encoded, f.file_size() - 1), ObjstoreErrc::corrupt);
  EXPECT_OBJSTORE_ERROR(decode_footer(encoded, kFooterSize - 1), ObjstoreErrc::corrupt);
  Footer huge = f;
  huge.data_size = ~uint64_t{0} - 10;  // would overflow a naive sum
  EXPECT_OBJSTORE_ERROR(decode_footer(encode_footer(huge), f.file_size()), ObjstoreErrc::corrupt);
  Footer tiny_blocks = f;
  tiny_blocks.block_size = kMinBlockSize - 1;
  EXPECT_OBJSTORE_ERROR(decode_footer(encode_footer(tiny_blocks), tiny_blocks.file_size()), ObjstoreErrc::corrupt);
}

TEST(FsFormat, UnknownFormatVersionIsPermanentNotCorrupt) {
  const Footer f = sample_footer();
  auto encoded = encode_footer(f);
  store_be<uint32_t>(encoded.data() + kFormatVersionOffset, kFormatVersion + 1);
  store_be<uint32_t>(encoded.data() + kFooterCrcOffset, crc32c::compute(bytes_view(encoded).first(kFooterCrcOffset)));
  EXPECT_OBJSTORE_ERROR(decode_footer(encoded, f.file_size()), ObjstoreErrc::permanent);
}

TEST(FsFormat, MetadataRoundTripsAndDamageIsDetected) {
  const Metadata metadata{{"a", ""}, {"base_offset", "42"}, {"z", "last"}};
  const bytes section = encode_metadata(metadata);
  EXPECT_EQ(section.size(), 2 + (2 + 1 + 2 + 0) + (2 + 11 + 2 + 2) + (2 + 1 + 2 + 4));
  const uint32_t crc = crc32c::compute(section);
  result<Metadata> decoded = decode_metadata(section, crc);
  ASSERT_OK(decoded);
  EXPECT_EQ(*decoded, metadata);

  bytes damaged = section;
  damaged[5] ^= std::byte{0x40};
  EXPECT_OBJSTORE_ERROR(decode_metadata(damaged, crc), ObjstoreErrc::corrupt);
  // Structurally bad sections, with a matching CRC: truncated, trailing bytes.
  const bytes truncated(section.begin(), section.end() - 1);
  EXPECT_OBJSTORE_ERROR(decode_metadata(truncated, crc32c::compute(truncated)), ObjstoreErrc::corrupt);
  bytes trailing = section;
  trailing.push_back(std::byte{0});
  EXPECT_OBJSTORE_ERROR(decode_metadata(trailing, crc32c::compute(trailing)), ObjstoreErrc::corrupt);

  const bytes empty = encode_metadata({});
  ASSERT_OK(decode_metadata(empty, crc32c::compute(empty)));
}

TEST(FsFormat, ChecksummerMatchesPerBlockCrcsWhateverTheWriteSizes) {
  constexpr uint32_t kBlock = kMinBlockSize;
  const bytes data = testing::pattern(9, 0, 5 * kBlock + 123);
  BlockChecksummer summer(kBlock);
  // Pieces of awkward sizes: within a block, exactly to a boundary, across several blocks.
  size_t pos = 0;
  for (size_t piece : {1u, 100u, kBlock - 101u, 3 * kBlock + 7u, 0u}) {
    summer.update(bytes_view(data).subspan(pos, piece));
    pos += piece;
  }
  summer.update(bytes_view(data).subspan(pos));
  EXPECT_EQ(summer.data_size(), data.size());
  EXPECT_EQ(summer.data_crc32c(), crc32c::compute(data));
  const bytes table = summer.encode_table();
  ASSERT_EQ(table.size(), 6 * kBlockCrcSize);
  for (size_t b = 0; b < 6; ++b) {
    const size_t n = std::min<size_t>(kBlock, data.size() - b * kBlock);
    EXPECT_EQ(load_be<uint32_t>(table.data() + b * kBlockCrcSize),
              crc32c::compute(bytes_view(data).subspan(b * kBlock, n)))
        << "block " << b;
  }
  ASSERT_OK(verify_blocks(data, kBlock, table, 0));
  // A middle run of blocks, with its slice of the table.
  ASSERT_OK(verify_blocks(bytes_view(data).subspan(2 * kBlock, 2 * kBlock), kBlock,
                          bytes_view(table).subspan(2 * kBlockCrcSize, 2 * kBlockCrcSize), 2 * kBlock));
  bytes damaged = data;
  damaged[3 * kBlock + 5] ^= std::byte{1};
  result<void> bad = verify_blocks(damaged, kBlock, table, 0);
  EXPECT_OBJSTORE_ERROR(bad, ObjstoreErrc::corrupt);
  EXPECT_NE(bad.error().message().find("at byte 12288"), std::string::npos) << bad.error().message();
  EXPECT_OBJSTORE_ERROR(verify_blocks(data, kBlock, bytes_view(table).first(8), 0), ObjstoreErrc::corrupt);
}

TEST(FsFormat, EmptyDataHasNoBlocks) {
  BlockChecksummer summer(kDefaultBlockSize);
  EXPECT_TRUE(summer.encode_table().empty());
  EXPECT_EQ(summer.data_crc32c(), 0u);
  Footer f;
  f.data_size = 0;
  EXPECT_EQ(f.block_count(), 0u);
}

}  // namespace
}  // namespace strata::objstore::fsformat
