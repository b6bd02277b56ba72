#include "storage/time_index.h"

#include <gtest/gtest.h>

#include <map>
#include <random>

#include "storage/storage_error.h"
#include "storage/tests/test_util.h"

namespace strata::storage {
namespace {

using testing::make_bytes;
using testing::read_bytes;
using testing::TempDir;
using testing::write_bytes;

TimestampOffset to(int64_t timestamp, int64_t offset) { return TimestampOffset{timestamp, Offset{offset}}; }

TimeIndex open_index(const std::filesystem::path& path, int64_t base, int32_t max_size = kDefaultMaxIndexSize) {
  auto index = TimeIndex::open(path, Offset{base}, max_size);
  if (!index) ADD_FAILURE() << index.error().to_string();
  return std::move(index).value();
}

TEST(TimeIndex, NewFileIsPreallocatedAndEmpty) {
  TempDir dir;
  TimeIndex index = open_index(dir / "00000000000000000000.timeindex", 0);
  EXPECT_EQ(index.entries(), 0);
  // 10485760 rounded down to a multiple of 12.
  EXPECT_EQ(index.length(), 10485756);
  EXPECT_EQ(index.max_entries(), 873813);
  EXPECT_EQ(index.last_entry(), to(kNoTimestamp, 0));
  EXPECT_EQ(index.lookup(0), to(kNoTimestamp, 0));
  EXPECT_TRUE(index.sanity_check());
}

TEST(TimeIndex, BytesOnDiskAreKafkasEntries) {
  TempDir dir;
  auto path = dir / "00000000000000000100.timeindex";
  TimeIndex index = open_index(path, 100);
  EXPECT_TRUE(index.maybe_append(1000, Offset{100}).value());
  EXPECT_FALSE(index.maybe_append(1000, Offset{101}).value());  // same timestamp: no entry
  EXPECT_TRUE(index.maybe_append(2000, Offset{150}).value());
  EXPECT_TRUE(index.maybe_append(0x0102030405060708LL, Offset{0x1000064}).value());
  ASSERT_TRUE(index.close());
  // timestamp (int64 BE) then relative offset (int32 BE).
  EXPECT_EQ(read_bytes(path), make_bytes({0, 0, 0, 0, 0, 0, 0x03, 0xe8, 0,    0,    0,    0,     //
                                          0, 0, 0, 0, 0, 0, 0x07, 0xd0, 0,    0,    0,    0x32,  //
                                          1, 2, 3, 4, 5, 6, 7,    8,    0x01, 0x00, 0x00, 0x00}));
}

TEST(TimeIndex, MaybeAppendFollowsKafkasRules) {
  TempDir dir;
  TimeIndex index = open_index(dir / "x.timeindex", 100);
  EXPECT_FALSE(index.maybe_append(kNoTimestamp, Offset{100}).value());  // NO_TIMESTAMP never indexed
  EXPECT_EQ(index.entries(), 0);
  EXPECT_TRUE(index.maybe_append(0, Offset{100}).value());
  EXPECT_TRUE(index.maybe_append(10, Offset{100}).value());   // same offset, larger timestamp: kept
  EXPECT_FALSE(index.maybe_append(10, Offset{100}).value());  // identical to the last: ignored
  EXPECT_TRUE(index.maybe_append(5, Offset{120}).error().is(StorageErrc::invalid_offset));  // time goes back
  EXPECT_TRUE(index.maybe_append(20, Offset{99}).error().is(StorageErrc::invalid_offset));  // offset goes back
  EXPECT_TRUE(index.maybe_append(20, Offset{100 + (1LL << 31)}).error().is(StorageErrc::offset_overflow));
  EXPECT_EQ(index.entries(), 2);
  EXPECT_EQ(index.last_entry(), to(10, 100));
}

TEST(TimeIndex, LastSlotIsReservedForTheRoll) {
  TempDir dir;
  TimeIndex index = open_index(dir / "x.timeindex", 0, 3 * kTimeIndexEntrySize);
  EXPECT_EQ(index.max_entries(), 3);
  ASSERT_TRUE(index.maybe_append(1, Offset{1}));
  ASSERT_TRUE(index.maybe_append(2, Offset{2}));
  EXPECT_TRUE(index.is_full());  // 2 of 3 slots: Kafka keeps one back
  EXPECT_TRUE(index.maybe_append(3, Offset{3}).error().is(StorageErrc::index_full));
  EXPECT_TRUE(index.maybe_append(3, Offset{3}, /*skip_full_check=*/true).value());
  EXPECT_TRUE(index.maybe_append(4, Offset{4}, /*skip_full_check=*/true).error().is(StorageErrc::index_full));
  EXPECT_EQ(index.entries(), 3);
}

TEST(TimeIndex, LookupAtTheBoundaries) {
  TempDir dir;
  TimeIndex index = open_index(dir / "x.timeindex", 100);
  ASSERT_TRUE(index.maybe_append(1000, Offset{105}));
  ASSERT_TRUE(index.maybe_append(2000, Offset{110}));
  ASSERT_TRUE(index.maybe_append(3000, Offset{120}));
  EXPECT_EQ(index.lookup(999), to(kNoTimestamp, 100));  // before the first: scan from the segment start
  EXPECT_EQ(index.lookup(-5), to(kNoTimestamp, 100));
  EXPECT_EQ(index.lookup(1000), to(1000, 105));
  EXPECT_EQ(index.lookup(1999), to(1000, 105));
  EXPECT_EQ(index.lookup(2000), to(2000, 110));
  EXPECT_EQ(index.lookup(3000), to(3000, 120));
  EXPECT_EQ(index.lookup(std::numeric_limits<int64_t>::max()), to(3000, 120));
  EXPECT_EQ(index.entry(1).value(), to(2000, 110));
  EXPECT_TRUE(index.entry(3).error().is(StorageErrc::invalid_argument));
}

TEST(TimeIndex, TruncateToSearchesByOffset) {
  TempDir dir;
  TimeIndex index = open_index(dir / "x.timeindex", 100);
  ASSERT_TRUE(index.maybe_append(10, Offset{100}));
  ASSERT_TRUE(index.maybe_append(20, Offset{110}));
  ASSERT_TRUE(index.maybe_append(30, Offset{120}));
  index.truncate_to(Offset{121});
  EXPECT_EQ(index.entries(), 3);
  index.truncate_to(Offset{115});
  EXPECT_EQ(index.entries(), 2);
  EXPECT_EQ(index.last_entry(), to(20, 110));
  index.truncate_to(Offset{110});
  EXPECT_EQ(index.entries(), 1);
  EXPECT_EQ(index.last_entry(), to(10, 100));
  // After truncation appends compare against the new last entry.
  EXPECT_TRUE(index.maybe_append(15, Offset{105}).value());
  index.truncate_to(Offset{50});
  EXPECT_EQ(index.entries(), 0);
  EXPECT_EQ(index.last_entry(), to(kNoTimestamp, 100));
}

TEST(TimeIndex, ReopenAfterClose) {
  TempDir dir;
  auto path = dir / "00000000000000000000.timeindex";
  {
    TimeIndex index = open_index(path, 0, 1200);
    for (int64_t i = 0; i < 20; ++i) ASSERT_TRUE(index.maybe_append(1000 + i * 7, Offset{i * 2}));
    ASSERT_TRUE(index.close());
  }
  EXPECT_EQ(std::filesystem::file_size(path), 240u);
  TimeIndex index = open_index(path, 0, 1200);
  EXPECT_EQ(index.entries(), 20);
  EXPECT_EQ(index.last_entry(), to(1000 + 19 * 7, 38));
  EXPECT_EQ(index.lookup(1010), to(1007, 2));
  EXPECT_TRUE(index.sanity_check());
  EXPECT_TRUE(index.validate_entries());
  EXPECT_TRUE(index.resize(1200).value());
  EXPECT_TRUE(index.maybe_append(5000, Offset{40}).value());
  ASSERT_TRUE(index.reset());
  EXPECT_EQ(index.entries(), 0);
  EXPECT_EQ(index.length(), 1200);
}

TEST(TimeIndex, SanityCheckCatchesCorruptAndUntrimmedFiles) {
  TempDir dir;
  {
    auto path = dir / "untrimmed.timeindex";
    {
      TimeIndex index = open_index(path, 0, 120);
      ASSERT_TRUE(index.maybe_append(1700000000000, Offset{3}));
      ASSERT_TRUE(index.maybe_append(1700000000001, Offset{9}));
    }  // dropped without close(), as after a crash
    TimeIndex index = open_index(path, 0, 120);
    EXPECT_EQ(index.entries(), 10);
    EXPECT_EQ(index.last_entry(), to(0, 0));  // the zero tail reads as (0, base)
    EXPECT_TRUE(index.sanity_check().error().is(StorageErrc::corrupt_index));
  }
  {
    // Timestamp 0 first, zero tail after: only our extra check (last == first) sees it.
    auto path = dir / "zero-first.timeindex";
    write_bytes(path, make_bytes({0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,  //
                                  0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0}));
    TimeIndex index = open_index(path, 0);
    EXPECT_TRUE(index.sanity_check().error().is(StorageErrc::corrupt_index));
  }
  {
    auto path = dir / "partial.timeindex";
    write_bytes(path, make_bytes({0, 0, 0, 0, 0, 0, 0, 9, 0, 0, 0, 1, 0xff}));
    TimeIndex index = open_index(path, 0);
    EXPECT_EQ(index.entries(), 1);
    EXPECT_EQ(index.lookup(100), to(9, 1));
    EXPECT_TRUE(index.sanity_check().error().is(StorageErrc::corrupt_index));
  }
  {
    auto path = dir / "below-base.timeindex";
    write_bytes(path, make_bytes({0, 0, 0, 0, 0, 0, 0, 9, 0xff, 0xff, 0xff, 0xfe}));
    TimeIndex index = open_index(path, 10);
    EXPECT_TRUE(index.sanity_check().error().is(StorageErrc::corrupt_index));
  }
  {
    auto path = dir / "unordered.timeindex";                           // last > first, but the middle goes back
    write_bytes(path, make_bytes({0, 0, 0, 0, 0, 0, 0, 5, 0, 0, 0, 1,  //
                                  0, 0, 0, 0, 0, 0, 0, 3, 0, 0, 0, 2,  //
                                  0, 0, 0, 0, 0, 0, 0, 9, 0, 0, 0, 3}));
    TimeIndex index = open_index(path, 0);
    EXPECT_TRUE(index.sanity_check());
    EXPECT_TRUE(index.validate_entries().error().is(StorageErrc::corrupt_index));
  }
}

TEST(TimeIndex, LookupMatchesBruteForceModel) {
  TempDir dir;
  std::mt19937_64 rng(99);
  for (int round = 0; round < 12; ++round) {
    // Up to 2000 entries: past the 682-entry warm section.
    const int n = static_cast<int>(rng() % 2000);
    const int64_t base = static_cast<int64_t>(rng() % 100000);
    TimeIndex index = open_index(dir / ("r" + std::to_string(round) + ".timeindex"), base, 2001 * kTimeIndexEntrySize);
    std::map<int64_t, int64_t> model;  // timestamp -> offset
    int64_t timestamp = 1700000000000 + static_cast<int64_t>(rng() % 1000);
    int64_t offset = base;
    for (int i = 0; i < n; ++i) {
      ASSERT_TRUE(index.maybe_append(timestamp, Offset{offset}).value());
      model[timestamp] = offset;
      timestamp += 1 + static_cast<int64_t>(rng() % 100);
      offset += static_cast<int64_t>(rng() % 20);  // offsets may repeat
    }
    const int64_t first = model.empty() ? 0 : model.begin()->first;
    const int64_t last = model.empty() ? 0 : model.rbegin()->first;
    for (int q = 0; q < 400; ++q) {
      int64_t target = first - 50 + static_cast<int64_t>(rng() % static_cast<uint64_t>(last - first + 100));
      auto it = model.upper_bound(target);
      TimestampOffset expected =
          it == model.begin() ? to(kNoTimestamp, base) : to(std::prev(it)->first, std::prev(it)->second);
      ASSERT_EQ(index.lookup(target), expected) << "target " << target;
    }
    ASSERT_TRUE(index.validate_entries());
  }
}

}  // namespace
}  // namespace strata::storage
