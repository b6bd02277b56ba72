// The log manager across restarts: clean shutdown marker, checkpoints, recovery from the recovery
// point, several log dirs, interrupted deletions, periodic retention and flush.
#include "storage/log_manager.h"

#include <gtest/gtest.h>

#include "base/clock.h"
#include "storage/checkpoint_file.h"
#include "storage/log_file_names.h"
#include "storage/tests/log_test_util.h"
#include "storage/tests/test_util.h"

namespace strata::storage {
namespace {

constexpr int64_t kT0 = 1'700'000'000'000;

class LogManagerTest : public ::testing::Test {
 protected:
  LogManagerTest() : clock_(Clock::MonotonicTime{}, kT0) {}

  std::unique_ptr<LogManager> open() {
    LogManagerOptions o;
    o.log_dirs = {tmp_ / "d1", tmp_ / "d2"};
    o.default_config = config_;
    o.clock = &clock_;
    auto m = LogManager::open(o);
    EXPECT_TRUE(m) << m.error().to_string();
    return m ? std::move(*m) : nullptr;
  }

  static void append(PartitionLog& log, int count) {
    for (int i = 0; i < count; ++i) {
      const int first = static_cast<int>(log.log_end_offset().value());
      bytes batch = testing::make_batch(first, 2, kT0 + first, record::CompressionCodec::none, 100);
      ASSERT_TRUE(log.append_as_leader(batch, LeaderEpoch{0}));
    }
  }

  testing::TempDir tmp_;
  ManualClock clock_;
  LogConfig config_;
};

TEST_F(LogManagerTest, CleanShutdownIsRememberedAndSkipsRecovery) {
  config_.segment_bytes = 2048;
  {
    auto m = open();
    for (int p = 0; p < 4; ++p) {
      auto log = m->get_or_create({"orders", PartitionId{p}}, config_);
      ASSERT_TRUE(log) << log.error().to_string();
      append(**log, 10);
    }
    ASSERT_TRUE(m->shutdown());
  }
  // Partitions were spread over both dirs, and each dir has its marker and checkpoints.
  for (const char* d : {"d1", "d2"}) {
    EXPECT_EQ(testing::read_text(tmp_ / d / ".kafka_cleanshutdown"), kCleanShutdownContent);
    auto points = read_offset_checkpoint(tmp_ / d / "recovery-point-offset-checkpoint");
    ASSERT_TRUE(points);
    EXPECT_EQ(points->size(), 2u);
    for (const auto& e : *points) EXPECT_EQ(e.offset, Offset{20});
  }
  auto m = open();
  EXPECT_TRUE(m->startup().had_clean_shutdown);
  EXPECT_EQ(m->startup().partitions_loaded, 4);
  EXPECT_FALSE(std::filesystem::exists(tmp_ / "d1" / ".kafka_cleanshutdown"));
  for (PartitionLog* log : m->all_logs()) {
    EXPECT_EQ(log->recovery_report().segments_recovered, 0);
    EXPECT_EQ(log->log_end_offset(), Offset{20});
    EXPECT_EQ(testing::read_all(*log).size(), 20u);
  }
}

TEST_F(LogManagerTest, UncleanStartRecoversOnlyFromTheRecoveryPoint) {
  config_.segment_bytes = 2048;
  const TopicPartition tp{"orders", PartitionId{0}};
  size_t segments = 0;
  {
    auto m = open();
    auto log = m->get_or_create(tp, config_);
    ASSERT_TRUE(log);
    append(**log, 30);
    ASSERT_TRUE((*log)->flush());
    ASSERT_TRUE(m->checkpoint_recovery_points());
    append(**log, 1);
    segments = (*log)->segment_count();
    // no shutdown: a crash
  }
  ASSERT_GT(segments, 3u);
  auto m = open();
  EXPECT_FALSE(m->startup().had_clean_shutdown);
  PartitionLog* log = m->get(tp);
  ASSERT_NE(log, nullptr);
  EXPECT_EQ(log->recovery_report().segments_recovered, 1);  // the active segment only
  EXPECT_EQ(log->log_end_offset(), Offset{62});
}

TEST_F(LogManagerTest, LogStartOffsetSurvivesARestart) {
  config_.segment_bytes = 2048;
  const TopicPartition tp{"orders", PartitionId{1}};
  {
    auto m = open();
    auto log = m->get_or_create(tp, config_);
    ASSERT_TRUE(log);
    append(**log, 20);
    ASSERT_TRUE((*log)->delete_records_before(Offset{5}));
    ASSERT_TRUE(m->shutdown());
  }
  auto m = open();
  EXPECT_EQ(m->get(tp)->log_start_offset(), Offset{5});
}

// A sharded owner gathers the values on each log's loop and hands them over: each lands in the
// checkpoint of the log dir holding its partition; a partition no longer here is left out.
TEST_F(LogManagerTest, GatheredCheckpointValuesGoToTheirLogDirs) {
  auto m = open();
  const TopicPartition a{"orders", PartitionId{0}};
  const TopicPartition b{"orders", PartitionId{1}};
  ASSERT_TRUE(m->get_or_create(a, config_));
  ASSERT_TRUE(m->get_or_create(b, config_));
  const std::filesystem::path dir_a = m->get(a)->dir().parent_path();
  const std::filesystem::path dir_b = m->get(b)->dir().parent_path();
  ASSERT_NE(dir_a, dir_b);  // spread over both dirs
  const TopicPartition gone{"deleted", PartitionId{0}};
  ASSERT_TRUE(m->checkpoint_recovery_points({{a, Offset{7}}, {b, Offset{9}}, {gone, Offset{3}}}));
  ASSERT_TRUE(m->checkpoint_log_start_offsets({{b, Offset{4}}}));
  auto points_a = read_offset_checkpoint(dir_a / "recovery-point-offset-checkpoint");
  auto points_b = read_offset_checkpoint(dir_b / "recovery-point-offset-checkpoint");
  ASSERT_TRUE(points_a);
  ASSERT_TRUE(points_b);
  EXPECT_EQ(*points_a, (std::vector<TopicPartitionOffset>{{a, Offset{7}}}));
  EXPECT_EQ(*points_b, (std::vector<TopicPartitionOffset>{{b, Offset{9}}}));
  auto starts_a = read_offset_checkpoint(dir_a / "log-start-offset-checkpoint");
  auto starts_b = read_offset_checkpoint(dir_b / "log-start-offset-checkpoint");
  ASSERT_TRUE(starts_a);
  ASSERT_TRUE(starts_b);
  EXPECT_TRUE(starts_a->empty());
  EXPECT_EQ(*starts_b, (std::vector<TopicPartitionOffset>{{b, Offset{4}}}));
  // The entry Kafka writes: only a log start above the first segment's base.
  append(*m->get(a), 5);
  EXPECT_EQ(LogManager::log_start_entry(*m->get(a)), std::nullopt);
  ASSERT_TRUE(m->get(a)->delete_records_before(Offset{3}));
  EXPECT_EQ(LogManager::log_start_entry(*m->get(a)), Offset{3});
}

TEST_F(LogManagerTest, InterruptedDeletionIsFinishedAtStartup) {
  std::filesystem::create_directories(tmp_ / "d1" / "gone-0.0123456789abcdef0123456789abcdef-delete");
  testing::write_text(tmp_ / "d1" / "gone-0.0123456789abcdef0123456789abcdef-delete" / "00000000000000000000.log", "x");
  auto m = open();
  EXPECT_FALSE(std::filesystem::exists(tmp_ / "d1" / "gone-0.0123456789abcdef0123456789abcdef-delete"));
  EXPECT_TRUE(m->partitions().empty());
}

TEST_F(LogManagerTest, RemoveDeletesThePartition) {
  auto m = open();
  const TopicPartition tp{"orders", PartitionId{0}};
  ASSERT_TRUE(m->get_or_create(tp, config_));
  auto removed = m->remove(tp);
  ASSERT_TRUE(removed);
  EXPECT_TRUE(*removed);
  EXPECT_EQ(m->get(tp), nullptr);
  EXPECT_FALSE(std::filesystem::exists(tmp_ / "d1" / "orders-0"));
  auto bad = m->get_or_create({"bad topic!", PartitionId{0}}, config_);
  EXPECT_FALSE(bad);
}

TEST_F(LogManagerTest, PeriodicRetentionAndFlush) {
  config_.segment_bytes = 2048;
  config_.retention_ms = 60'000;
  config_.file_delete_delay_ms = 0;
  config_.flush_ms = 1'000;
  auto m = open();
  auto log = m->get_or_create({"orders", PartitionId{0}}, config_);
  ASSERT_TRUE(log);
  append(**log, 20);
  clock_.set_wall_ms(kT0 + 2'000);
  auto flushed = m->flush_due_logs();
  ASSERT_TRUE(flushed);
  EXPECT_EQ(*flushed, 1);
  EXPECT_EQ((*log)->recovery_point(), (*log)->log_end_offset());
  clock_.set_wall_ms(kT0 + 200'000);
  auto deleted = m->run_retention();
  ASSERT_TRUE(deleted);
  EXPECT_GT(*deleted, 0);
  EXPECT_EQ((*log)->log_start_offset(), (*log)->log_end_offset());
  EXPECT_EQ((*log)->pending_file_deletions(), 0u);
}

TEST_F(LogManagerTest, CleanerPassCompactsAndCheckpointsTheFirstDirtyOffset) {
  config_.segment_bytes = 2048;
  config_.cleanup_compact = true;
  config_.cleanup_delete = false;
  config_.file_delete_delay_ms = 0;
  const TopicPartition tp{"users", PartitionId{0}};
  {
    auto m = open();
    auto log = m->get_or_create(tp, config_);
    ASSERT_TRUE(log);
    append(**log, 40);  // keys k0..k79, each written once: nothing to remove, but all dirty
    for (int i = 0; i < 20; ++i) {
      bytes again = testing::make_batch(0, 2, kT0, record::CompressionCodec::none, 100);  // k0, k1 again
      ASSERT_TRUE((*log)->append_as_leader(again, LeaderEpoch{0}));
    }
    ASSERT_TRUE((*log)->roll());
    auto cleaned = m->run_cleaner(CleanerConfig{});
    ASSERT_TRUE(cleaned) << cleaned.error().to_string();
    ASSERT_EQ(cleaned->size(), 1u);
    EXPECT_EQ(cleaned->front().second.records_retained, 80);
    EXPECT_EQ(m->first_dirty_offset(tp), Offset{120});
    ASSERT_TRUE(m->shutdown());
  }
  auto points = read_offset_checkpoint(tmp_ / "d1" / "cleaner-offset-checkpoint");
  ASSERT_TRUE(points);
  ASSERT_EQ(points->size(), 1u);
  EXPECT_EQ(points->front().offset, Offset{120});
  auto m = open();
  EXPECT_EQ(m->first_dirty_offset(tp), Offset{120});
  // Nothing is dirty any more: the next pass cleans nothing.
  auto again = m->run_cleaner(CleanerConfig{});
  ASSERT_TRUE(again);
  EXPECT_TRUE(again->empty());
}

}  // namespace
}  // namespace strata::storage
