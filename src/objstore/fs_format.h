// The file format of one object in the filesystem backend: the data, then the user metadata, a
// table of per-block CRC32Cs and a fixed-size footer. Spec: docs/formats/objstore-filesystem.md.
//
//   [ data: data_size bytes ][ metadata ][ block CRC table ][ footer: kFooterSize bytes ]
//
// Integers are big-endian. The per-block CRCs let a ranged read verify exactly the blocks it
// touches before it hands any byte to the caller; the footer carries its own CRC, so a listing
// can trust an object's size and etag after reading the footer alone.
//
// Pure encoding and decoding; no I/O.
#pragma once

#include <array>
#include <cstdint>
#include <string>
#include <vector>

#include "base/bytes.h"
#include "base/result.h"
#include "objstore/object_store.h"

namespace strata::objstore::fsformat {

// "STRATAOB", the last 8 bytes of every object file.
inline constexpr uint64_t kMagic = 0x5354524154414F42;
inline constexpr uint32_t kFormatVersion = 1;
inline constexpr size_t kFooterSize = 64;
// Footer field offsets.
inline constexpr size_t kDataSizeOffset = 0;        // u64
inline constexpr size_t kBlockSizeOffset = 8;       // u32
inline constexpr size_t kMetadataSizeOffset = 12;   // u32
inline constexpr size_t kDataCrcOffset = 16;        // u32, CRC32C of the whole data
inline constexpr size_t kMetadataCrcOffset = 20;    // u32, CRC32C of the metadata section
inline constexpr size_t kVersionOffset = 24;        // u64, random per write: the etag
inline constexpr size_t kCreatedMsOffset = 32;      // i64, wall-clock ms of the write
inline constexpr size_t kFormatVersionOffset = 40;  // u32
inline constexpr size_t kFlagsOffset = 44;          // u32, 0 in version 1
inline constexpr size_t kReservedOffset = 48;       // u32, 0 in version 1
inline constexpr size_t kFooterCrcOffset = 52;      // u32, CRC32C of footer bytes [0, 52)
inline constexpr size_t kMagicOffset = 56;          // u64
static_assert(kMagicOffset + sizeof(uint64_t) == kFooterSize);

inline constexpr size_t kBlockCrcSize = 4;  // one u32 per block in the table
inline constexpr uint32_t kMinBlockSize = 4096;
inline constexpr uint32_t kMaxBlockSize = 16 * 1024 * 1024;
// 64 KiB: a ranged read verifies (and so reads) at most one block of extra bytes at either end,
// and the table costs 4 bytes per 64 KiB (4 KiB for a 64 MiB segment).
inline constexpr uint32_t kDefaultBlockSize = 64 * 1024;

struct Footer {
  uint64_t data_size = 0;
  uint32_t block_size = kDefaultBlockSize;
  uint32_t metadata_size = 0;
  uint32_t data_crc32c = 0;
  uint32_t metadata_crc32c = 0;
  uint64_t version = 0;
  int64_t created_ms = 0;

  uint64_t block_count() const { return (data_size + block_size - 1) / block_size; }
  uint64_t metadata_offset() const { return data_size; }
  uint64_t table_offset() const { return data_size + metadata_size; }
  uint64_t table_size() const { return block_count() * kBlockCrcSize; }
  uint64_t file_size() const { return table_offset() + table_size() + kFooterSize; }
};

std::array<std::byte, kFooterSize> encode_footer(const Footer& footer);

// An object's etag: its version as 16 lower-case hex digits.
std::string etag_of(const Footer& footer);

// Decodes and checks a footer: magic, footer CRC, format version, block size, and that the
// sections it describes add up to `file_size`. Failures are ObjstoreErrc::corrupt, or permanent
// for a well-formed footer of an unknown format version.
result<Footer> decode_footer(bytes_view footer, uint64_t file_size);

// Metadata section: u16 count, then per entry u16 key size, key, u16 value size, value; entries
// in key order. validate_metadata() bounds all sizes far below the u16 limits.
bytes encode_metadata(const Metadata& metadata);
// Checks the section against its CRC from the footer and decodes it (ObjstoreErrc::corrupt on
// any mismatch).
result<Metadata> decode_metadata(bytes_view section, uint32_t expected_crc32c);

// Computes the block CRC table and the whole-data CRC of data appended in pieces of any size.
class BlockChecksummer {
 public:
  explicit BlockChecksummer(uint32_t block_size) : block_size_(block_size) {}

  void update(bytes_view data);

  uint64_t data_size() const { return data_size_; }
  uint32_t data_crc32c() const { return data_crc_; }
  // The table for everything so far, the last block possibly partial.
  bytes encode_table() const;

 private:
  uint32_t block_size_;
  uint64_t data_size_ = 0;
  uint32_t data_crc_ = 0;
  uint32_t block_crc_ = 0;   // CRC of the current, unfinished block
  uint32_t block_fill_ = 0;  // bytes in the current block, in [0, block_size)
  std::vector<uint32_t> finished_;
};

// Checks `data`, the bytes of blocks [first_block, first_block + n) (all full but possibly the
// last block of the object), against `table`, their n CRCs as stored. `offset_for_errors` is
// where `data` starts in the object, for the message.
result<void> verify_blocks(bytes_view data, uint32_t block_size, bytes_view table, uint64_t offset_for_errors);

}  // namespace strata::objstore::fsformat
