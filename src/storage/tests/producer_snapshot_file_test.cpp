#include "storage/producer_snapshot_file.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <memory>
#include <random>

#include "base/crc32c.h"
#include "storage/storage_error.h"
#include "storage/tests/test_util.h"

namespace strata::storage {
namespace {

using testing::make_bytes;
using testing::read_bytes;
using testing::TempDir;
using testing::write_bytes;

ProducerSnapshotEntry entry(int64_t pid, int16_t epoch, int32_t last_seq, int64_t last_offset, int32_t delta,
                            int64_t timestamp, int32_t coordinator_epoch, int64_t txn_first) {
  return ProducerSnapshotEntry{ProducerId{pid}, ProducerEpoch{epoch}, last_seq,         Offset{last_offset}, delta,
                               timestamp,       coordinator_epoch,    Offset{txn_first}};
}

std::vector<ProducerSnapshotEntry> two_entries() {
  return {entry(0x0102030405060708LL, 5, 9, 16, 4, 1700000000000LL, 3, -1), entry(7, 0, -1, -1, 0, -1, -1, 12)};
}

// Built by hand from ProducerSnapshot.json; the CRC32C was computed independently (a bitwise
// Castagnoli implementation over bytes [6, end)).
bytes expected_two_entries() {
  return make_bytes({
      0x00, 0x01,                                      // version 1
      0xd4, 0xae, 0x72, 0xb9,                          // crc
      0x00, 0x00, 0x00, 0x02,                          // 2 entries
      0x01, 0x02, 0x03, 0x04, 0x05, 0x06, 0x07, 0x08,  // producerId
      0x00, 0x05,                                      // epoch
      0x00, 0x00, 0x00, 0x09,                          // lastSequence
      0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x10,  // lastOffset
      0x00, 0x00, 0x00, 0x04,                          // offsetDelta
      0x00, 0x00, 0x01, 0x8b, 0xcf, 0xe5, 0x68, 0x00,  // timestamp 1700000000000
      0x00, 0x00, 0x00, 0x03,                          // coordinatorEpoch
      0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,  // currentTxnFirstOffset -1
      0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x07,  // producerId 7
      0x00, 0x00,                                      // epoch 0
      0xff, 0xff, 0xff, 0xff,                          // lastSequence -1
      0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,  // lastOffset -1
      0x00, 0x00, 0x00, 0x00,                          // offsetDelta 0
      0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,  // timestamp -1
      0xff, 0xff, 0xff, 0xff,                          // coordinatorEpoch -1
      0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x0c,  // currentTxnFirstOffset 12
  });
}

void fix_crc(bytes& data) {
  uint32_t crc = crc32c::compute(bytes_view(data).subspan(kProducerSnapshotEntriesOffset));
  store_be<uint32_t>(data.data() + kProducerSnapshotCrcOffset, crc);
}

void expect_corrupt(bytes_view data, std::string_view message_part) {
  auto decoded = decode_producer_snapshot(data, "test.snapshot");
  ASSERT_FALSE(decoded) << "decoded a corrupt snapshot";
  EXPECT_TRUE(decoded.error().is(StorageErrc::corrupt_snapshot)) << decoded.error().to_string();
  EXPECT_NE(decoded.error().message().find(message_part), std::string::npos) << decoded.error().message();
  EXPECT_NE(decoded.error().message().find("test.snapshot"), std::string::npos);
}

TEST(ProducerSnapshotFile, EncodingIsKafkasByteForByte) {
  EXPECT_EQ(encode_producer_snapshot(two_entries()), expected_two_entries());
  EXPECT_EQ(kProducerSnapshotEntrySize, 46u);
  EXPECT_EQ(kProducerSnapshotHeaderSize, 10u);
}

TEST(ProducerSnapshotFile, EmptySnapshot) {
  // version 1, CRC32C of the 4-byte count 0, count 0.
  EXPECT_EQ(encode_producer_snapshot({}), make_bytes({0x00, 0x01, 0x48, 0x67, 0x4b, 0xc7, 0, 0, 0, 0}));
  EXPECT_TRUE(decode_producer_snapshot(encode_producer_snapshot({}), "x").value().empty());
}

TEST(ProducerSnapshotFile, RoundTrip) {
  EXPECT_EQ(decode_producer_snapshot(expected_two_entries(), "x").value(), two_entries());
  std::vector<ProducerSnapshotEntry> many;
  for (int i = 0; i < 1000; ++i) {
    many.push_back(entry(INT64_MAX - i, static_cast<int16_t>(i), INT32_MAX - i, i * 3, i % 5, -i, i, i % 2 ? i : -1));
  }
  EXPECT_EQ(decode_producer_snapshot(encode_producer_snapshot(many), "x").value(), many);
}

TEST(ProducerSnapshotFile, EveryCorruption) {
  const bytes good = expected_two_entries();
  // Shorter than the header, at every length.
  for (size_t n = 0; n < kProducerSnapshotHeaderSize; ++n) {
    expect_corrupt(bytes_view(good).first(n), "java.nio.BufferUnderflowException");
  }
  expect_corrupt(bytes_view(good).first(1), "Snapshot failed schema validation: Error reading field 'version'");
  expect_corrupt(bytes_view(good).first(5), "Error reading field 'crc'");
  expect_corrupt(bytes_view(good).first(9), "Error reading field 'producer_entries'");
  // A truncated entry, at every length.
  for (size_t n = kProducerSnapshotHeaderSize; n < good.size(); ++n) {
    expect_corrupt(bytes_view(good).first(n),
                   "Snapshot failed schema validation: Error reading field 'producer_entries'");
  }
  expect_corrupt(bytes_view(good).first(11), "Error reading array of size 2, only 1 bytes available");
  expect_corrupt(bytes_view(good).first(20), "Error reading field 'last_sequence': java.nio.BufferUnderflowException");
  expect_corrupt(bytes_view(good).first(101), "Error reading field 'current_txn_first_offset'");
  // A negative count.
  bytes negative = good;
  store_be<uint32_t>(negative.data() + kProducerSnapshotEntriesOffset, 0xffffffffu);
  fix_crc(negative);
  expect_corrupt(negative, "Array size -1 cannot be negative");
  // A count far beyond the file (must not allocate for it).
  bytes huge = good;
  store_be<uint32_t>(huge.data() + kProducerSnapshotEntriesOffset, 0x7fffffffu);
  fix_crc(huge);
  expect_corrupt(huge, "Error reading array of size 2147483647, only 92 bytes available");
  // Another version, even with a valid CRC.
  for (int version : {0, 2, -1, 0x7fff}) {
    bytes other = good;
    store_be<uint16_t>(other.data(), static_cast<uint16_t>(version));
    expect_corrupt(other, "unknown file version");
  }
  // Every single-bit flip after the CRC field, and in it, breaks the CRC (or the structure).
  for (size_t i = kProducerSnapshotCrcOffset; i < good.size(); ++i) {
    for (int bit = 0; bit < 8; ++bit) {
      bytes flipped = good;
      flipped[i] ^= std::byte{static_cast<uint8_t>(1u << bit)};
      auto decoded = decode_producer_snapshot(flipped, "f");
      ASSERT_FALSE(decoded) << "byte " << i << " bit " << bit;
      EXPECT_TRUE(decoded.error().is(StorageErrc::corrupt_snapshot));
    }
  }
  bytes bad_crc = good;
  bad_crc[kProducerSnapshotFirstEntryOffset] ^= std::byte{1};
  expect_corrupt(bad_crc, "Snapshot is corrupt (CRC is no longer valid). Stored crc: 3568202425. Computed crc: ");
  auto reason = decode_producer_snapshot(bad_crc, "x.snapshot");
  EXPECT_TRUE(corrupt_snapshot_reason(reason.error()).starts_with("Snapshot is corrupt (CRC"));
  // Trailing bytes, even covered by a valid CRC (stricter than Kafka).
  bytes trailing = good;
  trailing.push_back(std::byte{0});
  fix_crc(trailing);
  expect_corrupt(trailing, "after the last");
}

// Random damage never crashes the reader and never reads past the bytes: it is either a valid
// snapshot (when the CRC happens to be fixed up) or corrupt_snapshot.
TEST(ProducerSnapshotFile, RandomDamageIsAlwaysATypedError) {
  std::mt19937 rng(42);
  const bytes good = encode_producer_snapshot(two_entries());
  for (int iteration = 0; iteration < 20000; ++iteration) {
    bytes damaged = good;
    switch (rng() % 4) {
      case 0: damaged.resize(rng() % (good.size() + 1)); break;
      case 1: damaged[rng() % damaged.size()] = std::byte{static_cast<uint8_t>(rng())}; break;
      case 2: damaged.insert(damaged.begin() + static_cast<long>(rng() % damaged.size()), std::byte{0}); break;
      case 3:
        // A random count with the CRC made valid: only the structure checks stand in the way.
        store_be<uint32_t>(damaged.data() + kProducerSnapshotEntriesOffset, static_cast<uint32_t>(rng()));
        fix_crc(damaged);
        break;
    }
    // Exactly as many bytes as the input: a read past them would be caught by ASan.
    auto heap = std::make_unique<std::byte[]>(damaged.size());
    std::copy(damaged.begin(), damaged.end(), heap.get());
    auto decoded = decode_producer_snapshot(bytes_view(heap.get(), damaged.size()), "r");
    if (!decoded) {
      EXPECT_TRUE(decoded.error().is(StorageErrc::corrupt_snapshot));
    } else {
      EXPECT_EQ(encode_producer_snapshot(*decoded), damaged);
    }
  }
}

TEST(ProducerSnapshotFile, WriteReadAndList) {
  TempDir dir;
  auto path = dir / "00000000000000000170.snapshot";
  ASSERT_TRUE(write_producer_snapshot(path, two_entries()));
  EXPECT_EQ(read_bytes(path), expected_two_entries());
  EXPECT_EQ(read_producer_snapshot(path).value(), two_entries());
  EXPECT_FALSE(std::filesystem::exists(dir / "00000000000000000170.snapshot.tmp"));
  EXPECT_TRUE(read_producer_snapshot(dir / "00000000000000000001.snapshot").error().is(StorageErrc::not_found));

  write_bytes(dir / "00000000000000000005.snapshot", encode_producer_snapshot({}));
  write_bytes(dir / "00000000000000000009.snapshot.deleted", encode_producer_snapshot({}));
  write_bytes(dir / "00000000000000000009.log", {});
  write_bytes(dir / "garbage.snapshot", {});
  std::filesystem::create_directory(dir / "00000000000000000011.snapshot");
  auto files = list_snapshot_files(dir.path()).value();
  ASSERT_EQ(files.size(), 2u);
  EXPECT_EQ(files[0].offset, Offset{5});
  EXPECT_EQ(files[1].offset, Offset{170});
  EXPECT_EQ(files[1].path, path);
  EXPECT_TRUE(list_snapshot_files(dir / "missing").value().empty());

  write_bytes(path, bytes_view(expected_two_entries()).first(20));
  EXPECT_TRUE(read_producer_snapshot(path).error().is(StorageErrc::corrupt_snapshot));
}

}  // namespace
}  // namespace strata::storage
