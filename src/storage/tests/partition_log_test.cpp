// The partition log as the broker uses it: appends, reads, lookups, rolls, restarts.
#include "storage/partition_log.h"

#include <gtest/gtest.h>

#include <chrono>

#include "base/clock.h"
#include "record/record_error.h"
#include "storage/log_file_names.h"
#include "storage/storage_error.h"
#include "storage/tests/log_test_util.h"
#include "storage/tests/test_util.h"

namespace strata::storage {
namespace {

using record::CompressionCodec;
using testing::KeyValue;
using testing::make_batch;
using testing::read_all;

constexpr int64_t kT0 = 1'700'000'000'000;  // a wall clock time in 2023, in ms

class PartitionLogTest : public ::testing::Test {
 protected:
  PartitionLogTest() : clock_(Clock::MonotonicTime{}, kT0) {}

  PartitionLogOptions options(LogConfig config = {}) {
    PartitionLogOptions o;
    o.dir = dir_ / "orders-0";
    o.topic_partition = {"orders", PartitionId{0}};
    o.config = config;
    o.clock = &clock_;
    o.had_clean_shutdown = clean_;
    o.recovery_point = recovery_point_;
    return o;
  }

  std::unique_ptr<PartitionLog> open(LogConfig config = {}) {
    auto log = PartitionLog::open(options(config));
    EXPECT_TRUE(log) << log.error().to_string();
    return log ? std::move(*log) : nullptr;
  }

  AppendResult append(PartitionLog& log, int first, int count, CompressionCodec codec = CompressionCodec::none,
                      size_t value_size = 0, int64_t ts0 = kT0) {
    bytes batch = make_batch(first, count, ts0 + first, codec, value_size);
    auto r = log.append_as_leader(batch, LeaderEpoch{0});
    EXPECT_TRUE(r) << r.error().to_string();
    return r ? *r : AppendResult{};
  }

  std::filesystem::path segment_file(Offset base, SegmentFileType type) const {
    return dir_ / "orders-0" / segment_file_name(base, type);
  }

  static std::vector<KeyValue> expected(int first, int count, size_t value_size = 0, int64_t ts0 = kT0) {
    std::vector<KeyValue> out;
    for (int i = first; i < first + count; ++i) {
      out.push_back(KeyValue{Offset{i}, ts0 + i, testing::key_of(i), testing::value_of(i, value_size)});
    }
    return out;
  }

  testing::TempDir dir_;
  ManualClock clock_;
  bool clean_ = true;
  Offset recovery_point_{0};
};

TEST_F(PartitionLogTest, NewLogIsEmptyAtOffsetZero) {
  auto log = open();
  EXPECT_EQ(log->log_start_offset(), Offset{0});
  EXPECT_EQ(log->log_end_offset(), Offset{0});
  EXPECT_EQ(log->segment_count(), 1u);
  EXPECT_TRUE(std::filesystem::exists(segment_file(Offset{0}, SegmentFileType::log)));
  auto read = log->read(Offset{0}, 1024, FetchIsolation::high_watermark, true);
  ASSERT_TRUE(read);
  EXPECT_FALSE(read->records);
}

TEST_F(PartitionLogTest, AppendAssignsConsecutiveOffsetsAndReadsBackEveryCodec) {
  auto log = open();
  int next = 0;
  for (CompressionCodec codec : {CompressionCodec::none, CompressionCodec::gzip, CompressionCodec::snappy,
                                 CompressionCodec::lz4, CompressionCodec::zstd}) {
    AppendResult r = append(*log, next, 10, codec, 100);
    EXPECT_EQ(r.first_offset, Offset{next});
    EXPECT_EQ(r.last_offset, Offset{next + 9});
    next += 10;
  }
  EXPECT_EQ(log->log_end_offset(), Offset{50});
  EXPECT_EQ(read_all(*log), expected(0, 50, 100));
  // A read from the middle of a batch starts at that batch: the consumer skips the lower offsets.
  auto mid = read_all(*log, Offset{25});
  ASSERT_FALSE(mid.empty());
  EXPECT_EQ(mid.front().offset, Offset{25});
  EXPECT_EQ(mid.size(), 25u);
}

TEST_F(PartitionLogTest, StoredBatchesAreKafkaBatchesWithAssignedOffsetsAndEpoch) {
  auto log = open();
  append(*log, 0, 3);
  append(*log, 3, 2);
  bytes file = testing::read_bytes(segment_file(Offset{0}, SegmentFileType::log));
  auto batches = record::split_batches(file);
  ASSERT_TRUE(batches);
  ASSERT_EQ(batches->size(), 2u);
  EXPECT_EQ((*batches)[1].base_offset(), Offset{3});
  EXPECT_EQ((*batches)[1].last_offset(), Offset{4});
  EXPECT_EQ((*batches)[1].partition_leader_epoch(), LeaderEpoch{0});
  EXPECT_TRUE((*batches)[1].verify_crc());
}

TEST_F(PartitionLogTest, ReadOutsideTheLogIsOffsetOutOfRange) {
  auto log = open();
  append(*log, 0, 5);
  auto past = log->read(Offset{6}, 1024, FetchIsolation::high_watermark, true);
  ASSERT_FALSE(past);
  EXPECT_TRUE(past.error().is(StorageErrc::offset_out_of_range)) << past.error().to_string();
  auto at_end = log->read(Offset{5}, 1024, FetchIsolation::high_watermark, true);
  ASSERT_TRUE(at_end);
  EXPECT_FALSE(at_end->records);
}

TEST_F(PartitionLogTest, ReadHonoursMaxBytesUnlessMinOneMessage) {
  auto log = open();
  append(*log, 0, 10, CompressionCodec::none, 200);
  auto small = log->read(Offset{0}, 100, FetchIsolation::log_end, /*min_one_message=*/false);
  ASSERT_TRUE(small);
  ASSERT_TRUE(small->records);
  EXPECT_EQ(small->records->size, 100);  // a partial batch, as Kafka returns
  auto whole = log->read(Offset{0}, 100, FetchIsolation::log_end, /*min_one_message=*/true);
  ASSERT_TRUE(whole);
  EXPECT_GT(whole->records->size, 2000);
}

TEST_F(PartitionLogTest, InvalidBatchIsRejectedAndNothingIsAppended) {
  auto log = open();
  bytes batch = make_batch(0, 3, kT0);
  batch.back() = static_cast<std::byte>(static_cast<uint8_t>(batch.back()) ^ 0xff);  // breaks the CRC
  auto r = log->append_as_leader(batch, LeaderEpoch{0});
  ASSERT_FALSE(r);
  EXPECT_TRUE(r.error().is(record::RecordErrc::crc_mismatch)) << r.error().to_string();
  EXPECT_EQ(log->log_end_offset(), Offset{0});
  EXPECT_EQ(log->size_in_bytes(), 0);

  LogConfig small;
  small.max_message_bytes = 100;
  log->update_config(small);
  bytes big = make_batch(0, 10, kT0, CompressionCodec::none, 100);
  auto too_large = log->append_as_leader(big, LeaderEpoch{0});
  ASSERT_FALSE(too_large);
  EXPECT_TRUE(too_large.error().is(record::RecordErrc::message_too_large)) << too_large.error().to_string();
}

TEST_F(PartitionLogTest, RollsOnSegmentBytes) {
  LogConfig config;
  config.segment_bytes = 4096;
  auto log = open(config);
  for (int i = 0; i < 20; ++i) append(*log, i * 5, 5, CompressionCodec::none, 200);
  EXPECT_GT(log->segment_count(), 4u);
  for (Offset base : log->segment_base_offsets()) {
    auto size = std::filesystem::file_size(segment_file(base, SegmentFileType::log));
    EXPECT_LE(size, 4096u) << "segment " << base.value();
  }
  EXPECT_EQ(read_all(*log), expected(0, 100, 200));
}

TEST_F(PartitionLogTest, RollsOnSegmentMsCountedFromTheFirstBatchTimestamp) {
  LogConfig config;
  config.segment_ms = 60'000;
  auto log = open(config);
  append(*log, 0, 1, CompressionCodec::none, 0, kT0);
  append(*log, 1, 1, CompressionCodec::none, 0, kT0 + 30'000);
  EXPECT_EQ(log->segment_count(), 1u);
  append(*log, 2, 1, CompressionCodec::none, 0, kT0 + 61'000);
  EXPECT_EQ(log->segment_count(), 2u);
  EXPECT_EQ(log->segment_base_offsets().back(), Offset{2});
}

TEST_F(PartitionLogTest, OffsetIndexGetsAnEntryEveryIndexIntervalBytes) {
  LogConfig config;
  config.index_interval_bytes = 1024;
  auto log = open(config);
  for (int i = 0; i < 40; ++i) append(*log, i, 1, CompressionCodec::none, 300);
  const OffsetIndex& index = log->active_segment().offset_index();
  EXPECT_GE(index.entries(), 8);
  EXPECT_LE(index.entries(), 14);
  EXPECT_TRUE(index.validate_entries());
  // Every entry points at the start of the batch holding its offset.
  bytes file = testing::read_bytes(segment_file(Offset{0}, SegmentFileType::log));
  for (int32_t n = 0; n < index.entries(); ++n) {
    auto e = index.entry(n);
    ASSERT_TRUE(e);
    auto at = record::peek_batch_size(bytes_view(file).subspan(e->position.value()));
    ASSERT_TRUE(at);
    auto batch = record::RecordBatchView::parse(bytes_view(file).subspan(e->position.value(), *at));
    ASSERT_TRUE(batch);
    EXPECT_EQ(batch->last_offset(), e->offset);
  }
}

TEST_F(PartitionLogTest, ListOffsetsSpecialTimestampsAndLookupByTimestamp) {
  LogConfig config;
  config.segment_bytes = 2048;
  config.index_interval_bytes = 256;
  auto log = open(config);
  // Timestamps kT0 + 2i, with one record far in the future at offset 37.
  for (int i = 0; i < 60; ++i) {
    record::BatchBuilderOptions o;
    record::RecordBatchBuilder b(o);
    const int64_t ts = i == 37 ? kT0 + 1'000'000 : kT0 + 2 * i;
    ASSERT_TRUE(b.append(ts, as_bytes_view(testing::key_of(i)), as_bytes_view(testing::value_of(i, 50))));
    auto batch = b.build();
    ASSERT_TRUE(batch);
    ASSERT_TRUE(log->append_as_leader(*batch, LeaderEpoch{3}));
  }
  ASSERT_GT(log->segment_count(), 2u);
  auto earliest = log->fetch_offset_by_timestamp(kEarliestTimestamp);
  ASSERT_TRUE(earliest && *earliest);
  EXPECT_EQ((*earliest)->offset, Offset{0});
  auto latest = log->fetch_offset_by_timestamp(kLatestTimestamp);
  ASSERT_TRUE(latest && *latest);
  EXPECT_EQ((*latest)->offset, Offset{60});
  EXPECT_EQ((*latest)->leader_epoch, LeaderEpoch{3});
  auto max = log->fetch_offset_by_timestamp(kMaxTimestamp);
  ASSERT_TRUE(max && *max);
  EXPECT_EQ((*max)->offset, Offset{37});
  EXPECT_EQ((*max)->timestamp, kT0 + 1'000'000);
  // The first record with timestamp >= target: exact hit, between two records, past every record
  // but the future one, and past everything.
  for (auto [target, offset] :
       std::vector<std::pair<int64_t, int64_t>>{{kT0 + 20, 10}, {kT0 + 21, 11}, {kT0 + 0, 0}, {kT0 + 500, 37}}) {
    auto found = log->fetch_offset_by_timestamp(target);
    ASSERT_TRUE(found && *found) << target;
    EXPECT_EQ((*found)->offset, Offset{offset}) << "target " << target - kT0;
  }
  auto none = log->fetch_offset_by_timestamp(kT0 + 2'000'000);
  ASSERT_TRUE(none);
  EXPECT_FALSE(*none);
}

TEST_F(PartitionLogTest, CleanRestartKeepsEverythingWithoutRebuildingIndexes) {
  LogConfig config;
  config.segment_bytes = 4096;
  config.index_interval_bytes = 512;
  {
    auto log = open(config);
    for (int i = 0; i < 30; ++i) append(*log, i * 3, 3, CompressionCodec::lz4, 150);
    auto closed = log->close();
    ASSERT_TRUE(closed) << closed.error().to_string();
  }
  auto log = open(config);
  EXPECT_EQ(log->recovery_report().indexes_rebuilt, 0);
  EXPECT_EQ(log->recovery_report().bytes_truncated, 0);
  EXPECT_EQ(log->log_end_offset(), Offset{90});
  EXPECT_EQ(log->recovery_point(), Offset{90});
  EXPECT_EQ(read_all(*log), expected(0, 90, 150));
  append(*log, 90, 3);
  EXPECT_EQ(log->log_end_offset(), Offset{93});
}

TEST_F(PartitionLogTest, UncleanRestartTruncatesATornTail) {
  {
    auto log = open();
    append(*log, 0, 5);
    append(*log, 5, 5);
    ASSERT_TRUE(log->flush());
    // No close: the process "dies" here.
  }
  const auto path = segment_file(Offset{0}, SegmentFileType::log);
  const auto full = std::filesystem::file_size(path);
  std::filesystem::resize_file(path, full - 7);  // the last batch lost its end
  clean_ = false;
  auto log = open();
  EXPECT_EQ(log->log_end_offset(), Offset{5});
  EXPECT_GT(log->recovery_report().bytes_truncated, 0);
  EXPECT_EQ(read_all(*log), expected(0, 5));
  ASSERT_FALSE(log->recovery_report().messages.empty());
  EXPECT_NE(log->recovery_report().messages.back().find("truncated"), std::string::npos);
  // The log goes on from the truncation point.
  AppendResult r = append(*log, 5, 2);
  EXPECT_EQ(r.first_offset, Offset{5});
}

TEST_F(PartitionLogTest, FlippedByteMidSegmentIsDetectedAndLaterSegmentsAreDropped) {
  LogConfig config;
  config.segment_bytes = 2048;
  {
    auto log = open(config);
    for (int i = 0; i < 30; ++i) append(*log, i * 2, 2, CompressionCodec::none, 100);
    ASSERT_GT(log->segment_count(), 3u);
  }
  // Corrupt the 4th batch of the first segment.
  const auto path = segment_file(Offset{0}, SegmentFileType::log);
  bytes data = testing::read_bytes(path);
  auto batches = record::split_batches(data);
  ASSERT_TRUE(batches);
  const size_t fourth = static_cast<size_t>((*batches)[3].data().data() - data.data());
  data[fourth + 70] ^= std::byte{0x01};
  testing::write_bytes(path, data);
  clean_ = false;
  auto log = open(config);
  EXPECT_EQ(log->log_end_offset(), Offset{6});
  EXPECT_EQ(log->segment_count(), 1u);
  EXPECT_GT(log->recovery_report().segments_deleted_after_corruption, 0);
  EXPECT_EQ(read_all(*log), expected(0, 6, 100));
  bool named_crc = false;
  for (const auto& m : log->recovery_report().messages)
    named_crc |= m.find("CRC") != std::string::npos || m.find("crc") != std::string::npos;
  EXPECT_TRUE(named_crc);
}

TEST_F(PartitionLogTest, CorruptOrMissingIndexIsRebuiltNotFatal) {
  LogConfig config;
  config.segment_bytes = 4096;
  config.index_interval_bytes = 256;
  {
    auto log = open(config);
    for (int i = 0; i < 40; ++i) append(*log, i, 1, CompressionCodec::none, 200);
    ASSERT_TRUE(log->close());
  }
  // First segment: offset index deleted. Second: time index garbage (length not a multiple of 12).
  std::filesystem::remove(segment_file(Offset{0}, SegmentFileType::offset_index));
  auto log0 = open(config);
  auto bases = log0->segment_base_offsets();
  ASSERT_TRUE(log0->close());
  log0.reset();
  ASSERT_GE(bases.size(), 2u);
  testing::write_bytes(segment_file(bases[1], SegmentFileType::time_index), testing::make_bytes({1, 2, 3, 4, 5}));
  auto log = open(config);
  EXPECT_GE(log->recovery_report().indexes_rebuilt, 1);
  EXPECT_EQ(read_all(*log), expected(0, 40, 200));
  auto found = log->fetch_offset_by_timestamp(kT0 + 25);  // record n has timestamp kT0 + n
  ASSERT_TRUE(found && *found);
  EXPECT_EQ((*found)->offset, Offset{25});
}

TEST_F(PartitionLogTest, PreallocatedSegmentsAreTrimmedAtCloseAndRecoveredAfterACrash) {
  LogConfig config;
  config.preallocate = true;
  config.segment_bytes = 1 << 20;
  {
    auto log = open(config);
    append(*log, 0, 5);
    EXPECT_EQ(std::filesystem::file_size(segment_file(Offset{0}, SegmentFileType::log)), 1u << 20);
    ASSERT_TRUE(log->flush());
    // crash: the zero-filled preallocated tail stays
  }
  clean_ = false;
  auto log = open(config);
  EXPECT_EQ(log->log_end_offset(), Offset{5});
  EXPECT_EQ(read_all(*log), expected(0, 5));
  ASSERT_TRUE(log->close());
  EXPECT_LT(std::filesystem::file_size(segment_file(Offset{0}, SegmentFileType::log)), 1024u);
}

TEST_F(PartitionLogTest, RetentionMsDeletesOldSegmentsAfterTheDeleteDelay) {
  LogConfig config;
  config.segment_bytes = 2048;
  config.retention_ms = 60'000;
  config.file_delete_delay_ms = 10'000;
  auto log = open(config);
  for (int i = 0; i < 20; ++i) append(*log, i * 2, 2, CompressionCodec::none, 100, kT0);
  const auto bases = log->segment_base_offsets();
  ASSERT_GT(bases.size(), 2u);
  clock_.set_wall_ms(kT0 + 30'000);
  auto none = log->delete_old_segments();
  ASSERT_TRUE(none);
  EXPECT_EQ(*none, 0);
  // Records carry timestamps kT0 + offset; all are older than 60 s at kT0 + 120 s.
  clock_.set_wall_ms(kT0 + 120'000);
  auto deleted = log->delete_old_segments();
  ASSERT_TRUE(deleted);
  EXPECT_EQ(*deleted, static_cast<int>(bases.size()));
  // All segments went, so the log rolled: it is empty at its old end.
  EXPECT_EQ(log->log_start_offset(), Offset{40});
  EXPECT_EQ(log->log_end_offset(), Offset{40});
  EXPECT_TRUE(std::filesystem::exists(segment_file(bases[0], SegmentFileType::log).string() + ".deleted"));
  EXPECT_FALSE(std::filesystem::exists(segment_file(bases[0], SegmentFileType::log)));
  auto early = log->delete_expired_files();
  ASSERT_TRUE(early);
  EXPECT_EQ(*early, 0);
  clock_.set_wall_ms(kT0 + 131'000);
  auto late = log->delete_expired_files();
  ASSERT_TRUE(late);
  EXPECT_EQ(*late, static_cast<int>(bases.size()));
  EXPECT_FALSE(std::filesystem::exists(segment_file(bases[0], SegmentFileType::log).string() + ".deleted"));
  auto old = log->read(Offset{0}, 100, FetchIsolation::high_watermark, true);
  ASSERT_FALSE(old);
  EXPECT_TRUE(old.error().is(StorageErrc::offset_out_of_range));
}

TEST_F(PartitionLogTest, RetentionBytesKeepsTheNewestSegmentsWithinTheLimit) {
  LogConfig config;
  config.segment_bytes = 2048;
  config.retention_ms = kUnlimited;
  config.retention_bytes = 5000;
  config.file_delete_delay_ms = 0;
  auto log = open(config);
  for (int i = 0; i < 40; ++i) append(*log, i * 2, 2, CompressionCodec::none, 100);
  ASSERT_GT(log->size_in_bytes(), 5000);
  auto deleted = log->delete_old_segments();
  ASSERT_TRUE(deleted);
  EXPECT_GT(*deleted, 0);
  // Kafka deletes a segment only if the log stays at or above retention.bytes without it, so what
  // remains is over the limit by less than its oldest segment.
  const auto first =
      std::filesystem::file_size(segment_file(log->segment_base_offsets().front(), SegmentFileType::log));
  EXPECT_LT(log->size_in_bytes() - static_cast<int64_t>(first), 5000);
  EXPECT_GE(log->size_in_bytes(), 5000 - 2048);
  EXPECT_EQ(log->log_start_offset(), log->segment_base_offsets().front());
  EXPECT_EQ(read_all(*log).size(), static_cast<size_t>(80 - log->log_start_offset().value()));
}

TEST_F(PartitionLogTest, DeleteRecordsMovesTheLogStartOffset) {
  LogConfig config;
  config.segment_bytes = 2048;
  auto log = open(config);
  for (int i = 0; i < 20; ++i) append(*log, i * 2, 2, CompressionCodec::none, 100);
  const auto bases = log->segment_base_offsets();
  ASSERT_GT(bases.size(), 2u);
  const Offset target{bases[2].value() + 1};
  auto start = log->delete_records_before(target);
  ASSERT_TRUE(start);
  EXPECT_EQ(*start, target);
  EXPECT_EQ(log->segment_base_offsets().front(), bases[2]);
  auto below = log->read(Offset{bases[2].value()}, 100, FetchIsolation::high_watermark, true);
  ASSERT_FALSE(below);
  EXPECT_TRUE(below.error().is(StorageErrc::offset_out_of_range));
  auto earliest = log->fetch_offset_by_timestamp(kEarliestTimestamp);
  ASSERT_TRUE(earliest && *earliest);
  EXPECT_EQ((*earliest)->offset, target);
  auto past_hw = log->delete_records_before(Offset{41});
  ASSERT_FALSE(past_hw);
  EXPECT_TRUE(past_hw.error().is(StorageErrc::offset_out_of_range));
}

TEST_F(PartitionLogTest, FlushMessagesAsksForAFlushAndFlushMovesTheRecoveryPoint) {
  LogConfig config;
  config.flush_messages = 10;
  auto log = open(config);
  EXPECT_FALSE(append(*log, 0, 4).flush_needed);
  EXPECT_TRUE(append(*log, 4, 6).flush_needed);
  EXPECT_EQ(log->recovery_point(), Offset{0});
  auto job = log->prepare_flush(log->log_end_offset());
  ASSERT_TRUE(job && *job);
  result<void> ran = (*job)->run();
  ASSERT_TRUE(ran);
  log->complete_flush(**job, ran);
  EXPECT_EQ(log->recovery_point(), Offset{10});
  EXPECT_FALSE(append(*log, 10, 1).flush_needed);
}

TEST_F(PartitionLogTest, FlushMsIsDueAfterTheInterval) {
  LogConfig config;
  config.flush_ms = 1000;
  auto log = open(config);
  append(*log, 0, 1);
  EXPECT_FALSE(log->flush_due());
  clock_.advance(std::chrono::milliseconds(1000));
  EXPECT_TRUE(log->flush_due());
  ASSERT_TRUE(log->flush());
  EXPECT_FALSE(log->flush_due());
}

TEST_F(PartitionLogTest, TruncateToRemovesLaterBatches) {
  LogConfig config;
  config.segment_bytes = 2048;
  auto log = open(config);
  for (int i = 0; i < 20; ++i) append(*log, i * 2, 2, CompressionCodec::none, 100);
  ASSERT_TRUE(log->truncate_to(Offset{12}));
  EXPECT_EQ(log->log_end_offset(), Offset{12});
  EXPECT_EQ(read_all(*log), expected(0, 12, 100));
  AppendResult r = append(*log, 12, 2, CompressionCodec::none, 100);
  EXPECT_EQ(r.first_offset, Offset{12});
}

TEST_F(PartitionLogTest, LeaderEpochCheckpointIsWritten) {
  auto log = open();
  bytes b1 = make_batch(0, 2, kT0);
  ASSERT_TRUE(log->append_as_leader(b1, LeaderEpoch{0}));
  bytes b2 = make_batch(2, 2, kT0);
  ASSERT_TRUE(log->append_as_leader(b2, LeaderEpoch{4}));
  EXPECT_EQ(testing::read_text(dir_ / "orders-0" / "leader-epoch-checkpoint"), "0\n2\n0 0\n4 2\n");
}

TEST_F(PartitionLogTest, EndOffsetForEpochFollowsLeaderEpochFileCache) {
  auto log = open();
  EXPECT_FALSE(log->end_offset_for_epoch(LeaderEpoch{0}).has_value());  // no epochs yet
  bytes b1 = make_batch(0, 2, kT0);
  ASSERT_TRUE(log->append_as_leader(b1, LeaderEpoch{2}));
  bytes b2 = make_batch(2, 3, kT0);
  ASSERT_TRUE(log->append_as_leader(b2, LeaderEpoch{5}));
  bytes b3 = make_batch(5, 1, kT0);
  ASSERT_TRUE(log->append_as_leader(b3, LeaderEpoch{5}));
  auto at = [&](int32_t epoch) { return log->end_offset_for_epoch(LeaderEpoch{epoch}); };
  // The latest epoch ends at the log end; an older one where the next begins.
  EXPECT_EQ(at(5), (EpochEntry{LeaderEpoch{5}, Offset{6}}));
  EXPECT_EQ(at(2), (EpochEntry{LeaderEpoch{2}, Offset{2}}));
  // Between known epochs: the largest known below it, ending where the next begins.
  EXPECT_EQ(at(3), (EpochEntry{LeaderEpoch{2}, Offset{2}}));
  // Below every epoch: the requested epoch, ending at the first epoch's start.
  EXPECT_EQ(at(1), (EpochEntry{LeaderEpoch{1}, Offset{0}}));
  EXPECT_FALSE(at(6).has_value());
  EXPECT_FALSE(at(-1).has_value());
}

TEST_F(PartitionLogTest, DeleteLogRemovesTheDirectory) {
  auto log = open();
  append(*log, 0, 3);
  ASSERT_TRUE(log->delete_log());
  EXPECT_FALSE(std::filesystem::exists(dir_ / "orders-0"));
  EXPECT_TRUE(std::filesystem::is_empty(dir_.path()));
}

}  // namespace
}  // namespace strata::storage
