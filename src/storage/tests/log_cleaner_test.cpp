// Compaction as a user of a compacted topic sees it: the latest value per key with its offset,
// tombstones kept for delete.retention.ms, lag and ratio settings, aborted transactions removed,
// and a swap interrupted by a crash completed at the next start.
#include <gtest/gtest.h>

#include <map>

#include "base/clock.h"
#include "record/control_record.h"
#include "record/record_batch_builder.h"
#include "storage/log_file_names.h"
#include "storage/partition_log.h"
#include "storage/tests/log_test_util.h"
#include "storage/tests/test_util.h"

namespace strata::storage {
namespace {

constexpr int64_t kT0 = 1'700'000'000'000;

struct Rec {
  std::string key;
  std::optional<std::string> value;  // nullopt: a tombstone
};

class LogCleanerTest : public ::testing::Test {
 protected:
  LogCleanerTest() : clock_(Clock::MonotonicTime{}, kT0) {
    config_.cleanup_compact = true;
    config_.cleanup_delete = false;
    config_.segment_bytes = 1024;
    config_.file_delete_delay_ms = 0;
    config_.delete_retention_ms = 60'000;
  }

  std::unique_ptr<PartitionLog> open(bool clean = true) {
    PartitionLogOptions o;
    o.dir = tmp_ / "users-0";
    o.topic_partition = {"users", PartitionId{0}};
    o.config = config_;
    o.clock = &clock_;
    o.had_clean_shutdown = clean;
    auto log = PartitionLog::open(o);
    EXPECT_TRUE(log) << log.error().to_string();
    return log ? std::move(*log) : nullptr;
  }

  // Appends one batch of `records`; returns its first offset.
  int64_t append(PartitionLog& log, const std::vector<Rec>& records, record::BatchBuilderOptions o = {}) {
    record::RecordBatchBuilder b(o);
    for (const Rec& r : records) {
      std::optional<bytes_view> value;
      if (r.value) value = as_bytes_view(*r.value);
      EXPECT_TRUE(b.append(clock_.now_wall_ms(), as_bytes_view(r.key), value));
    }
    auto batch = b.build();
    EXPECT_TRUE(batch);
    auto origin = o.control ? record::AppendOrigin::coordinator : record::AppendOrigin::client;
    auto appended = log.append_as_leader(*batch, LeaderEpoch{0}, origin);
    EXPECT_TRUE(appended) << appended.error().to_string();
    return appended ? appended->first_offset.value() : -1;
  }

  // offset -> (key, value or "<null>") of every record the log returns.
  static std::map<int64_t, std::pair<std::string, std::string>> contents(PartitionLog& log) {
    std::map<int64_t, std::pair<std::string, std::string>> out;
    Offset next = log.log_start_offset();
    while (next < log.log_end_offset()) {
      auto read = log.read(next, 1 << 20, FetchIsolation::log_end, true);
      EXPECT_TRUE(read) << read.error().to_string();
      if (!read || !read->records) break;
      auto data = read_slice(*read->records, read->segment_path);
      EXPECT_TRUE(data);
      record::RecordBatchReader reader(*data);
      Offset last = next;
      while (true) {
        auto batch = reader.next();
        if (!batch || !*batch) break;
        EXPECT_TRUE((*batch)->verify_crc());
        last = Offset{(*batch)->last_offset().value() + 1};
        if ((*batch)->is_control()) continue;
        auto records = record::BatchRecords::open(**batch);
        EXPECT_TRUE(records);
        auto all = records->read_all();
        EXPECT_TRUE(all);
        for (const auto& r : *all) {
          out[r.offset.value()] = {std::string(as_string_view(*r.key)),
                                   r.value ? std::string(as_string_view(*r.value)) : "<null>"};
        }
      }
      next = last;
    }
    return out;
  }

  testing::TempDir tmp_;
  ManualClock clock_;
  LogConfig config_;
  CleanerConfig cleaner_;
};

TEST_F(LogCleanerTest, KeepsTheLatestValuePerKeyAtItsOffset) {
  auto log = open();
  for (int round = 0; round < 10; ++round) {
    for (int k = 0; k < 5; ++k) {
      append(*log, {{"key" + std::to_string(k), "round" + std::to_string(round) + std::string(40, 'x')}});
    }
  }
  ASSERT_TRUE(log->roll());
  const auto before = contents(*log);
  ASSERT_EQ(before.size(), 50u);
  auto stats = log->clean(Offset{0}, cleaner_);
  ASSERT_TRUE(stats) << stats.error().to_string();
  ASSERT_TRUE(*stats);
  EXPECT_EQ((*stats)->records_read, 50);
  EXPECT_EQ((*stats)->records_retained, 5);
  EXPECT_EQ((*stats)->end_offset, Offset{50});
  // Sources are grouped by their sizes (Kafka's groupSegmentsBySize): at most one output each.
  EXPECT_GE((*stats)->segments_cleaned, (*stats)->segments_written);
  EXPECT_GT((*stats)->segments_written, 0);
  const auto after = contents(*log);
  ASSERT_EQ(after.size(), 5u);
  for (int k = 0; k < 5; ++k) {
    const int64_t last = 45 + k;  // round 9 of key k
    ASSERT_EQ(after.count(last), 1u) << "key" << k;
    EXPECT_EQ(after.at(last).first, "key" + std::to_string(k));
    EXPECT_EQ(after.at(last).second.substr(0, 6), "round9");
  }
  // Offsets are kept, so the log end and the next append do not move.
  EXPECT_EQ(log->log_end_offset(), Offset{50});
  EXPECT_EQ(append(*log, {{"key0", "new"}}), 50);
  // A restart reads the compacted log.
  ASSERT_TRUE(log->close());
  log = open();
  EXPECT_EQ(contents(*log).size(), 6u);
}

TEST_F(LogCleanerTest, ActiveSegmentAndMinCompactionLagAreNotCleaned) {
  config_.min_compaction_lag_ms = 60'000;
  auto log = open();
  for (int i = 0; i < 20; ++i) append(*log, {{"same", "v" + std::to_string(i) + std::string(60, 'y')}});
  // Everything is younger than the lag: nothing is cleanable.
  auto none = log->clean(Offset{0}, cleaner_, /*force=*/true);
  ASSERT_TRUE(none);
  EXPECT_FALSE(*none);
  clock_.advance(std::chrono::minutes(2));
  auto stats = log->clean(Offset{0}, cleaner_, true);
  ASSERT_TRUE(stats && *stats);
  // The active segment keeps its records; of the closed ones only the last "same" survives.
  const auto after = contents(*log);
  EXPECT_LT(after.size(), 20u);
  EXPECT_EQ(after.rbegin()->first, 19);
}

TEST_F(LogCleanerTest, MinCleanableDirtyRatioDecidesUnlessForced) {
  config_.min_cleanable_dirty_ratio = 0.9;
  auto log = open();
  for (int i = 0; i < 20; ++i) append(*log, {{"k" + std::to_string(i % 3), std::string(80, 'z')}});
  ASSERT_TRUE(log->roll());
  auto first = log->clean(Offset{0}, cleaner_);
  ASSERT_TRUE(first && *first);  // all dirty: ratio 1.0
  const Offset clean_to = (*first)->end_offset;
  for (int i = 0; i < 3; ++i) append(*log, {{"k" + std::to_string(i), std::string(80, 'w')}});
  ASSERT_TRUE(log->roll());
  auto below = log->clean(clean_to, cleaner_);
  ASSERT_TRUE(below);
  EXPECT_FALSE(*below) << "dirty ratio "
                       << "below 0.9 must not clean";
  auto forced = log->clean(clean_to, cleaner_, /*force=*/true);
  ASSERT_TRUE(forced && *forced);
  EXPECT_LT((*forced)->dirty_ratio, 0.9);
  EXPECT_EQ(contents(*log).size(), 3u);
}

TEST_F(LogCleanerTest, TombstonesStayForDeleteRetentionThenGo) {
  auto log = open();
  append(*log, {{"a", "1"}, {"b", "1"}});
  append(*log, {{"a", std::nullopt}});  // delete a
  ASSERT_TRUE(log->roll());
  auto first = log->clean(Offset{0}, cleaner_);
  ASSERT_TRUE(first && *first);
  auto after = contents(*log);
  ASSERT_EQ(after.size(), 2u);
  EXPECT_EQ(after.at(2).second, "<null>");  // the tombstone is kept, with a delete horizon
  EXPECT_EQ(after.at(1).first, "b");
  // Later, past delete.retention.ms, the next cleaning removes the tombstone.
  clock_.advance(std::chrono::milliseconds(config_.delete_retention_ms + 1));
  append(*log, {{"c", "1"}});
  ASSERT_TRUE(log->roll());
  auto second = log->clean((*first)->end_offset, cleaner_, true);
  ASSERT_TRUE(second && *second);
  EXPECT_EQ((*second)->tombstones_removed, 1);
  after = contents(*log);
  EXPECT_EQ(after.count(2), 0u);
  EXPECT_EQ(after.count(1), 1u);
  EXPECT_EQ(after.count(3), 1u);
}

TEST_F(LogCleanerTest, AbortedTransactionsAreRemovedCommittedOnesKept) {
  auto log = open();
  record::BatchBuilderOptions txn;
  txn.producer_id = ProducerId{9};
  txn.producer_epoch = ProducerEpoch{0};
  txn.transactional = true;
  txn.base_sequence = 0;
  append(*log, {{"x", "aborted"}}, txn);
  record::EndTxnMarkerBatch abort;
  abort.producer_id = ProducerId{9};
  abort.producer_epoch = ProducerEpoch{0};
  abort.timestamp = kT0;
  abort.marker.type = record::ControlRecordType::abort;
  bytes abort_batch = *record::build_end_txn_marker_batch(abort);
  ASSERT_TRUE(log->append_as_leader(abort_batch, LeaderEpoch{0}, record::AppendOrigin::coordinator));
  txn.base_sequence = 1;
  append(*log, {{"y", "committed"}}, txn);
  record::EndTxnMarkerBatch commit = abort;
  commit.marker.type = record::ControlRecordType::commit;
  bytes commit_batch = *record::build_end_txn_marker_batch(commit);
  ASSERT_TRUE(log->append_as_leader(commit_batch, LeaderEpoch{0}, record::AppendOrigin::coordinator));
  append(*log, {{"z", "plain"}});
  ASSERT_TRUE(log->roll());
  auto stats = log->clean(Offset{0}, cleaner_, true);
  ASSERT_TRUE(stats && *stats) << (stats ? "" : stats.error().to_string());
  EXPECT_EQ((*stats)->aborted_records_removed, 1);
  const auto after = contents(*log);
  EXPECT_EQ(after.count(0), 0u);
  EXPECT_EQ(after.at(2).second, "committed");
  EXPECT_EQ(after.at(4).second, "plain");
}

TEST_F(LogCleanerTest, SwapInterruptedByACrashIsCompletedAtStartup) {
  auto log = open();
  for (int i = 0; i < 30; ++i) append(*log, {{"k" + std::to_string(i % 4), std::string(50, 'q')}});
  ASSERT_TRUE(log->roll());
  ASSERT_TRUE(log->flush());
  auto job = log->prepare_cleaning(Offset{0}, cleaner_, true);
  ASSERT_TRUE(job && *job);
  Throttler throttler(cleaner_.io_max_bytes_per_second);
  ASSERT_TRUE((*job)->run(throttler));
  // The crash: the cleaned segments were renamed .swap, the old ones not yet deleted.
  for (const auto& e : std::filesystem::directory_iterator(tmp_ / "users-0")) {
    const std::string name = e.path().filename().string();
    if (name.size() > 8 && name.substr(name.size() - 8) == ".cleaned") {
      std::filesystem::rename(e.path(), tmp_ / "users-0" / (name.substr(0, name.size() - 8) + ".swap"));
    }
  }
  job->reset();
  log.reset();
  log = open(/*clean=*/false);
  const auto after = contents(*log);
  EXPECT_EQ(after.size(), 4u);
  for (int k = 0; k < 4; ++k) EXPECT_EQ(after.count(26 + k), 1u) << k;
  EXPECT_EQ(log->log_end_offset(), Offset{30});
}

TEST_F(LogCleanerTest, ThrottlerBoundsTheCleanersIo) {
  auto log = open();
  for (int i = 0; i < 40; ++i) append(*log, {{"k", std::string(200, 'r')}});
  ASSERT_TRUE(log->roll());
  CleanerConfig slow;
  slow.io_max_bytes_per_second = 200'000;  // ~10 KB read+written: about 50 ms
  auto job = log->prepare_cleaning(Offset{0}, slow, true);
  ASSERT_TRUE(job && *job);
  Throttler throttler(slow.io_max_bytes_per_second);
  result<void> ran = (*job)->run(throttler);
  ASSERT_TRUE(ran);
  EXPECT_GT(throttler.slept().count(), 0);
  ASSERT_TRUE(log->complete_cleaning(**job, ran));
}

}  // namespace
}  // namespace strata::storage
