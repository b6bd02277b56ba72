#include "storage/offset_index.h"

#include <fcntl.h>
#include <gtest/gtest.h>
#include <unistd.h>

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

OffsetPosition op(int64_t offset, int64_t position) { return OffsetPosition{Offset{offset}, FilePosition{position}}; }

OffsetIndex open_index(const std::filesystem::path& path, int64_t base, int32_t max_size = kDefaultMaxIndexSize) {
  auto index = OffsetIndex::open(path, Offset{base}, max_size);
  if (!index) ADD_FAILURE() << index.error().to_string();
  return std::move(index).value();
}

TEST(OffsetIndex, NewFileIsPreallocatedAndEmpty) {
  TempDir dir;
  OffsetIndex index = open_index(dir / "00000000000000000000.index", 0);
  EXPECT_TRUE(index.newly_created());
  EXPECT_EQ(index.entries(), 0);
  EXPECT_EQ(index.length(), kDefaultMaxIndexSize);
  EXPECT_EQ(std::filesystem::file_size(index.path()), static_cast<uintmax_t>(kDefaultMaxIndexSize));
  EXPECT_EQ(index.max_entries(), kDefaultMaxIndexSize / kOffsetIndexEntrySize);
  EXPECT_EQ(index.last_offset(), Offset{0});
  EXPECT_FALSE(index.is_full());
  EXPECT_EQ(index.lookup(Offset{0}), op(0, 0));
  EXPECT_EQ(index.lookup(Offset{100}), op(0, 0));
  EXPECT_TRUE(index.sanity_check());
}

TEST(OffsetIndex, MaxIndexSizeIsRoundedDownToWholeEntries) {
  TempDir dir;
  OffsetIndex index = open_index(dir / "a.index", 0, 67);
  EXPECT_EQ(index.length(), 64);
  EXPECT_EQ(index.max_entries(), 8);

  auto too_small = OffsetIndex::open(dir / "b.index", Offset{0}, 7);
  ASSERT_FALSE(too_small);
  EXPECT_TRUE(too_small.error().is(StorageErrc::invalid_argument));
  EXPECT_FALSE(std::filesystem::exists(dir / "b.index"));  // nothing left behind
}

TEST(OffsetIndex, BytesOnDiskAreKafkasEntries) {
  TempDir dir;
  auto path = dir / "00000000000000000100.index";
  OffsetIndex index = open_index(path, 100);
  ASSERT_TRUE(index.append(Offset{100}, FilePosition{0}));
  ASSERT_TRUE(index.append(Offset{105}, FilePosition{4096}));
  ASSERT_TRUE(index.append(Offset{200}, FilePosition{0x01020304}));
  ASSERT_TRUE(index.append(Offset{100 + 0x7fffffffLL}, FilePosition{0x7fffffff}));
  ASSERT_TRUE(index.close());
  // relative offset (int32 BE) then position (int32 BE); the file is trimmed to the entries on close.
  EXPECT_EQ(read_bytes(path), make_bytes({0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,  //
                                          0x00, 0x00, 0x00, 0x05, 0x00, 0x00, 0x10, 0x00,  //
                                          0x00, 0x00, 0x00, 0x64, 0x01, 0x02, 0x03, 0x04,  //
                                          0x7f, 0xff, 0xff, 0xff, 0x7f, 0xff, 0xff, 0xff}));
}

TEST(OffsetIndex, LookupAtTheBoundaries) {
  TempDir dir;
  OffsetIndex index = open_index(dir / "x.index", 100);
  ASSERT_TRUE(index.append(Offset{110}, FilePosition{1000}));
  ASSERT_TRUE(index.append(Offset{120}, FilePosition{2000}));
  ASSERT_TRUE(index.append(Offset{130}, FilePosition{3000}));
  EXPECT_EQ(index.lookup(Offset{0}), op(100, 0));       // far before: the segment start
  EXPECT_EQ(index.lookup(Offset{109}), op(100, 0));     // just before the first entry
  EXPECT_EQ(index.lookup(Offset{110}), op(110, 1000));  // exact hits
  EXPECT_EQ(index.lookup(Offset{120}), op(120, 2000));
  EXPECT_EQ(index.lookup(Offset{130}), op(130, 3000));
  EXPECT_EQ(index.lookup(Offset{111}), op(110, 1000));  // between entries
  EXPECT_EQ(index.lookup(Offset{129}), op(120, 2000));
  EXPECT_EQ(index.lookup(Offset{131}), op(130, 3000));  // after the last
  EXPECT_EQ(index.lookup(Offset{std::numeric_limits<int64_t>::max()}), op(130, 3000));
  EXPECT_EQ(index.last_offset(), Offset{130});
  EXPECT_EQ(index.entry(0).value(), op(110, 1000));
  EXPECT_EQ(index.entry(2).value(), op(130, 3000));
  EXPECT_TRUE(index.entry(3).error().is(StorageErrc::invalid_argument));
  EXPECT_TRUE(index.entry(-1).error().is(StorageErrc::invalid_argument));
}

TEST(OffsetIndex, FetchUpperBoundOffset) {
  TempDir dir;
  OffsetIndex index = open_index(dir / "x.index", 0);
  ASSERT_TRUE(index.append(Offset{0}, FilePosition{0}));
  ASSERT_TRUE(index.append(Offset{10}, FilePosition{100}));
  ASSERT_TRUE(index.append(Offset{20}, FilePosition{200}));
  EXPECT_EQ(index.fetch_upper_bound_offset(op(0, 0), 50), op(10, 100));
  EXPECT_EQ(index.fetch_upper_bound_offset(op(0, 0), 100), op(10, 100));
  EXPECT_EQ(index.fetch_upper_bound_offset(op(10, 100), 1), op(20, 200));
  EXPECT_EQ(index.fetch_upper_bound_offset(op(20, 200), 1), std::nullopt);
}

TEST(OffsetIndex, AppendErrorsInKafkasOrder) {
  TempDir dir;
  OffsetIndex index = open_index(dir / "x.index", 100, 2 * kOffsetIndexEntrySize);
  // Below the base offset of an empty index: the relative offset would be negative.
  EXPECT_TRUE(index.append(Offset{99}, FilePosition{0}).error().is(StorageErrc::offset_overflow));
  EXPECT_TRUE(index.append(Offset{100 + (1LL << 31)}, FilePosition{0}).error().is(StorageErrc::offset_overflow));
  EXPECT_FALSE(index.can_append_offset(Offset{100 + (1LL << 31)}));
  EXPECT_TRUE(index.can_append_offset(Offset{100 + (1LL << 31) - 1}));
  EXPECT_TRUE(index.append(Offset{100}, FilePosition{-1}).error().is(StorageErrc::invalid_argument));
  EXPECT_TRUE(index.append(Offset{100}, FilePosition{1LL << 31}).error().is(StorageErrc::invalid_argument));
  ASSERT_TRUE(index.append(Offset{105}, FilePosition{10}));
  auto same = index.append(Offset{105}, FilePosition{20});
  ASSERT_FALSE(same);
  EXPECT_TRUE(same.error().is(StorageErrc::invalid_offset));
  EXPECT_NE(same.error().message().find("no larger than the last offset appended (105)"), std::string::npos);
  EXPECT_TRUE(index.append(Offset{104}, FilePosition{20}).error().is(StorageErrc::invalid_offset));
  ASSERT_TRUE(index.append(Offset{106}, FilePosition{20}));
  EXPECT_TRUE(index.is_full());
  // Full is reported before ordering.
  EXPECT_TRUE(index.append(Offset{1}, FilePosition{30}).error().is(StorageErrc::index_full));
  EXPECT_EQ(index.entries(), 2);
  EXPECT_EQ(index.last_offset(), Offset{106});
}

TEST(OffsetIndex, TruncateTo) {
  TempDir dir;
  OffsetIndex index = open_index(dir / "x.index", 0);
  for (int64_t o : {10, 20, 30, 40}) ASSERT_TRUE(index.append(Offset{o}, FilePosition{o * 10}));
  index.truncate_to(Offset{100});  // above every entry: no change
  EXPECT_EQ(index.entries(), 4);
  index.truncate_to(Offset{35});  // between: keep the entry below
  EXPECT_EQ(index.entries(), 3);
  EXPECT_EQ(index.last_offset(), Offset{30});
  index.truncate_to(Offset{20});  // exact: drop it too
  EXPECT_EQ(index.entries(), 1);
  EXPECT_EQ(index.last_offset(), Offset{10});
  EXPECT_EQ(index.lookup(Offset{25}), op(10, 100));
  // Appending after a truncation overwrites the forgotten entries.
  ASSERT_TRUE(index.append(Offset{15}, FilePosition{150}));
  EXPECT_EQ(index.lookup(Offset{25}), op(15, 150));
  index.truncate_to(Offset{5});  // below every entry: drop all
  EXPECT_EQ(index.entries(), 0);
  EXPECT_EQ(index.last_offset(), Offset{0});
  ASSERT_TRUE(index.append(Offset{1}, FilePosition{1}));
  index.truncate();
  EXPECT_EQ(index.entries(), 0);
}

TEST(OffsetIndex, ReopenAfterCloseRecoversEntriesAndCanGrowAgain) {
  TempDir dir;
  auto path = dir / "00000000000000000050.index";
  {
    OffsetIndex index = open_index(path, 50, 4096);
    for (int64_t i = 0; i < 10; ++i) ASSERT_TRUE(index.append(Offset{50 + i * 3}, FilePosition{i * 100}));
    ASSERT_TRUE(index.close());
  }
  EXPECT_EQ(std::filesystem::file_size(path), 80u);
  OffsetIndex index = open_index(path, 50, 4096);
  EXPECT_FALSE(index.newly_created());
  EXPECT_EQ(index.entries(), 10);
  EXPECT_EQ(index.length(), 80);
  EXPECT_TRUE(index.is_full());  // a trimmed index has no room until it is resized
  EXPECT_EQ(index.last_offset(), Offset{77});
  EXPECT_EQ(index.lookup(Offset{60}), op(59, 300));
  EXPECT_TRUE(index.sanity_check());
  EXPECT_TRUE(index.validate_entries());
  // The active segment's index grows back to segment.index.bytes (LogLoader resizes it).
  EXPECT_TRUE(index.resize(4096).value());
  EXPECT_FALSE(index.resize(4096).value());
  EXPECT_EQ(index.max_entries(), 512);
  ASSERT_TRUE(index.append(Offset{100}, FilePosition{5000}));
  EXPECT_EQ(index.lookup(Offset{1000}), op(100, 5000));
  EXPECT_TRUE(index.resize(8).error().is(StorageErrc::invalid_argument));  // would cut entries in use
  ASSERT_TRUE(index.trim_to_valid_size());
  EXPECT_EQ(std::filesystem::file_size(path), 88u);
  index.truncate_to(Offset{60});
  ASSERT_TRUE(index.close());
  EXPECT_EQ(std::filesystem::file_size(path), 32u);
}

TEST(OffsetIndex, ResetEmptiesAndRestoresTheFullLength) {
  TempDir dir;
  OffsetIndex index = open_index(dir / "x.index", 0, 1024);
  ASSERT_TRUE(index.append(Offset{1}, FilePosition{1}));
  ASSERT_TRUE(index.trim_to_valid_size());
  EXPECT_EQ(index.length(), 8);
  ASSERT_TRUE(index.reset());
  EXPECT_EQ(index.entries(), 0);
  EXPECT_EQ(index.length(), 1024);
  EXPECT_EQ(index.last_offset(), Offset{0});
}

TEST(OffsetIndex, UncleanShutdownLeavesAZeroTailThatSanityCheckCatches) {
  TempDir dir;
  auto path = dir / "00000000000000000000.index";
  {
    OffsetIndex index = open_index(path, 0, 1024);
    ASSERT_TRUE(index.append(Offset{3}, FilePosition{100}));
    ASSERT_TRUE(index.append(Offset{7}, FilePosition{200}));
    // Dropped without close(): the file keeps its preallocated length, as after kill -9.
  }
  EXPECT_EQ(std::filesystem::file_size(path), 1024u);
  OffsetIndex index = open_index(path, 0, 1024);
  EXPECT_EQ(index.entries(), 128);  // Kafka, too, counts length / 8
  auto check = index.sanity_check();
  ASSERT_FALSE(check);
  EXPECT_TRUE(check.error().is(StorageErrc::corrupt_index));
  // The caller rebuilds: reset and re-append.
  ASSERT_TRUE(index.reset());
  EXPECT_TRUE(index.sanity_check());
}

TEST(OffsetIndex, CorruptFilesAreTypedErrorsNotCrashes) {
  TempDir dir;
  {
    auto path = dir / "partial.index";
    write_bytes(path, make_bytes({0, 0, 0, 1, 0, 0, 0, 9, 0, 0, 0, 2, 0}));  // 13 bytes
    OffsetIndex index = open_index(path, 0);
    EXPECT_EQ(index.entries(), 1);  // the partial entry is never read
    EXPECT_EQ(index.lookup(Offset{5}), op(1, 9));
    EXPECT_TRUE(index.sanity_check().error().is(StorageErrc::corrupt_index));
  }
  {
    auto path = dir / "negative.index";  // relative offset -1: last offset below the base
    write_bytes(path, make_bytes({0, 0, 0, 1, 0, 0, 0, 9, 0xff, 0xff, 0xff, 0xff, 0, 0, 0, 10}));
    OffsetIndex index = open_index(path, 1000);
    EXPECT_EQ(index.last_offset(), Offset{999});
    auto check = index.sanity_check();
    ASSERT_FALSE(check);
    EXPECT_TRUE(check.error().is(StorageErrc::corrupt_index));
    EXPECT_NE(check.error().message().find("less than the base offset 1000"), std::string::npos);
  }
  {
    auto path = dir / "unordered.index";  // passes Kafka's O(1) check, fails the full scan
    write_bytes(path, make_bytes({0, 0, 0, 5, 0, 0, 0, 50, 0, 0, 0, 3, 0, 0, 0, 30, 0, 0, 0, 7, 0, 0, 0, 70}));
    OffsetIndex index = open_index(path, 0);
    EXPECT_TRUE(index.sanity_check());
    auto full = index.validate_entries();
    ASSERT_FALSE(full);
    EXPECT_TRUE(full.error().is(StorageErrc::corrupt_index));
    EXPECT_NE(full.error().message().find("entry 1"), std::string::npos);
  }
  {
    auto path = dir / "huge.index";  // sparse, longer than any index can be
    int fd = ::open(path.c_str(), O_CREAT | O_WRONLY, 0644);
    ASSERT_GE(fd, 0);
    ASSERT_EQ(::ftruncate(fd, 3LL << 30), 0);
    ::close(fd);
    auto index = OffsetIndex::open(path, Offset{0});
    ASSERT_FALSE(index);
    EXPECT_TRUE(index.error().is(StorageErrc::corrupt_index));
  }
}

TEST(OffsetIndex, ReadOnlyAndMissingFiles) {
  TempDir dir;
  auto missing = OffsetIndex::open(dir / "missing.index", Offset{0}, kDefaultMaxIndexSize, /*writable=*/false);
  ASSERT_FALSE(missing);
  EXPECT_TRUE(missing.error().is(StorageErrc::not_found));
  EXPECT_FALSE(std::filesystem::exists(dir / "missing.index"));

  auto path = dir / "ro.index";
  write_bytes(path, make_bytes({0, 0, 0, 1, 0, 0, 0, 9}));
  auto index = OffsetIndex::open(path, Offset{0}, kDefaultMaxIndexSize, /*writable=*/false);
  ASSERT_TRUE(index);
  EXPECT_EQ(index->lookup(Offset{3}), op(1, 9));
  EXPECT_TRUE(index->resize(1024).error().is(StorageErrc::invalid_argument));
  EXPECT_TRUE(index->close());

  auto bad_base = OffsetIndex::open(dir / "b.index", Offset{-1});
  EXPECT_TRUE(bad_base.error().is(StorageErrc::invalid_argument));
}

TEST(OffsetIndex, RenameAndDelete) {
  TempDir dir;
  OffsetIndex index = open_index(dir / "00000000000000000000.index", 0, 64);
  ASSERT_TRUE(index.append(Offset{1}, FilePosition{1}));
  ASSERT_TRUE(index.rename_to(dir / "00000000000000000000.index.deleted"));
  EXPECT_TRUE(std::filesystem::exists(dir / "00000000000000000000.index.deleted"));
  EXPECT_EQ(index.lookup(Offset{1}), op(1, 1));  // still usable
  EXPECT_TRUE(index.delete_if_exists().value());
  EXPECT_FALSE(std::filesystem::exists(dir / "00000000000000000000.index.deleted"));
  EXPECT_FALSE(index.delete_if_exists().value());
}

// The brute-force model: the largest (offset, position) with offset <= target.
OffsetPosition model_lookup(const std::map<int64_t, int64_t>& model, int64_t base, int64_t target) {
  auto it = model.upper_bound(target);
  if (it == model.begin()) return op(base, 0);
  --it;
  return op(it->first, it->second);
}

TEST(OffsetIndex, LookupMatchesBruteForceModel) {
  TempDir dir;
  std::mt19937_64 rng(20240607);
  for (int round = 0; round < 12; ++round) {
    // Up to 3000 entries: past the 1024-entry warm section, so both search branches run.
    const int n = static_cast<int>(rng() % 3000);
    const int64_t base = static_cast<int64_t>(rng() % 1000000);
    auto path = dir / ("r" + std::to_string(round) + ".index");
    OffsetIndex index = open_index(path, base, 3000 * kOffsetIndexEntrySize);
    std::map<int64_t, int64_t> model;
    int64_t offset = base + static_cast<int64_t>(rng() % 3);
    int64_t position = 0;
    for (int i = 0; i < n; ++i) {
      ASSERT_TRUE(index.append(Offset{offset}, FilePosition{position}));
      model[offset] = position;
      offset += 1 + static_cast<int64_t>(rng() % 50);
      position += 1 + static_cast<int64_t>(rng() % 4096);
    }
    auto check_all = [&]() {
      const int64_t last = model.empty() ? base : model.rbegin()->first;
      for (int q = 0; q < 300; ++q) {
        int64_t target = base - 5 + static_cast<int64_t>(rng() % static_cast<uint64_t>(last - base + 60));
        ASSERT_EQ(index.lookup(Offset{target}), model_lookup(model, base, target)) << "target " << target;
      }
      for (const auto& [o, p] : model) {
        ASSERT_EQ(index.lookup(Offset{o}), op(o, p));
        ASSERT_EQ(index.lookup(Offset{o - 1}), model_lookup(model, base, o - 1));
      }
    };
    check_all();
    // Truncate somewhere and check again: model and index must agree on what is left.
    if (!model.empty()) {
      int64_t cut = base + static_cast<int64_t>(rng() % static_cast<uint64_t>(model.rbegin()->first - base + 2));
      index.truncate_to(Offset{cut});
      model.erase(model.lower_bound(cut), model.end());
      ASSERT_EQ(index.entries(), static_cast<int32_t>(model.size()));
      check_all();
    }
    ASSERT_TRUE(index.close());
    // Reopened from disk, it answers the same.
    OffsetIndex reopened = open_index(path, base, 3000 * kOffsetIndexEntrySize);
    ASSERT_EQ(reopened.entries(), static_cast<int32_t>(model.size()));
    ASSERT_TRUE(reopened.validate_entries());
    for (const auto& [o, p] : model) ASSERT_EQ(reopened.lookup(Offset{o}), op(o, p));
  }
}

}  // namespace
}  // namespace strata::storage
