// Idempotent and transactional producers through the partition log: duplicates, sequence and
// epoch errors, the last stable offset, the transaction index, and all of it across restarts.
#include <gtest/gtest.h>

#include "base/clock.h"
#include "record/control_record.h"
#include "record/record_batch_builder.h"
#include "storage/log_file_names.h"
#include "storage/partition_log.h"
#include "storage/producer_state_error.h"
#include "storage/tests/log_test_util.h"
#include "storage/tests/test_util.h"

namespace strata::storage {
namespace {

constexpr int64_t kT0 = 1'700'000'000'000;
constexpr ProducerId kPid{4000};

bytes producer_batch(int first_seq, int count, ProducerEpoch epoch = ProducerEpoch{0}, bool transactional = false,
                     ProducerId pid = kPid) {
  record::BatchBuilderOptions o;
  o.producer_id = pid;
  o.producer_epoch = epoch;
  o.base_sequence = first_seq;
  o.transactional = transactional;
  record::RecordBatchBuilder b(o);
  for (int i = 0; i < count; ++i) {
    const std::string key = testing::key_of(first_seq + i);
    EXPECT_TRUE(b.append(kT0 + first_seq + i, as_bytes_view(key), as_bytes_view(key)));
  }
  auto built = b.build();
  EXPECT_TRUE(built);
  return built ? *built : bytes{};
}

bytes marker(record::ControlRecordType type, ProducerEpoch epoch = ProducerEpoch{0}, ProducerId pid = kPid) {
  record::EndTxnMarkerBatch m;
  m.timestamp = kT0;
  m.producer_id = pid;
  m.producer_epoch = epoch;
  m.marker.type = type;
  auto built = record::build_end_txn_marker_batch(m);
  EXPECT_TRUE(built);
  return built ? *built : bytes{};
}

class PartitionLogProducerTest : public ::testing::Test {
 protected:
  PartitionLogProducerTest() : clock_(Clock::MonotonicTime{}, kT0) {}

  std::unique_ptr<PartitionLog> open(bool clean = true) {
    PartitionLogOptions o;
    o.dir = dir_ / "payments-0";
    o.topic_partition = {"payments", PartitionId{0}};
    o.clock = &clock_;
    o.had_clean_shutdown = clean;
    auto log = PartitionLog::open(o);
    EXPECT_TRUE(log) << log.error().to_string();
    return log ? std::move(*log) : nullptr;
  }

  static result<AppendResult> append(PartitionLog& log, bytes batch,
                                     record::AppendOrigin origin = record::AppendOrigin::client) {
    return log.append_as_leader(batch, LeaderEpoch{0}, origin);
  }

  testing::TempDir dir_;
  ManualClock clock_;
};

TEST_F(PartitionLogProducerTest, RetriedBatchIsAnsweredWithItsOriginalOffsets) {
  auto log = open();
  auto first = append(*log, producer_batch(0, 3));
  ASSERT_TRUE(first);
  auto second = append(*log, producer_batch(3, 2));
  ASSERT_TRUE(second);
  EXPECT_EQ(second->first_offset, Offset{3});
  auto retry = append(*log, producer_batch(0, 3));
  ASSERT_TRUE(retry) << retry.error().to_string();
  EXPECT_TRUE(retry->duplicate);
  EXPECT_EQ(retry->first_offset, Offset{0});
  EXPECT_EQ(retry->last_offset, Offset{2});
  EXPECT_EQ(log->log_end_offset(), Offset{5});
  EXPECT_EQ(testing::read_all(*log).size(), 5u);
}

TEST_F(PartitionLogProducerTest, SequenceGapAndStaleEpochAreRejected) {
  auto log = open();
  ASSERT_TRUE(append(*log, producer_batch(0, 3, ProducerEpoch{1})));
  auto gap = append(*log, producer_batch(5, 1, ProducerEpoch{1}));
  ASSERT_FALSE(gap);
  EXPECT_TRUE(gap.error().is(ProducerStateErrc::out_of_order_sequence)) << gap.error().to_string();
  EXPECT_EQ(kafka_error_code_of(gap.error()), kafka_errors::kOutOfOrderSequenceNumber);
  auto stale = append(*log, producer_batch(3, 1, ProducerEpoch{0}));
  ASSERT_FALSE(stale);
  EXPECT_TRUE(stale.error().is(ProducerStateErrc::invalid_producer_epoch)) << stale.error().to_string();
  EXPECT_EQ(log->log_end_offset(), Offset{3});
  // A new epoch starts again at sequence 0.
  auto bumped = append(*log, producer_batch(0, 1, ProducerEpoch{2}));
  ASSERT_TRUE(bumped) << bumped.error().to_string();
  EXPECT_EQ(bumped->first_offset, Offset{3});
}

TEST_F(PartitionLogProducerTest, OpenTransactionHoldsBackTheLastStableOffset) {
  auto log = open();
  ASSERT_TRUE(append(*log, producer_batch(0, 2)));  // plain idempotent data from another producer id
  ASSERT_TRUE(append(*log, producer_batch(0, 3, ProducerEpoch{0}, true, ProducerId{77})));
  EXPECT_EQ(log->log_end_offset(), Offset{5});
  EXPECT_EQ(log->last_stable_offset(), Offset{2});
  auto committed = log->read(Offset{2}, 1 << 20, FetchIsolation::txn_committed, true);
  ASSERT_TRUE(committed);
  EXPECT_FALSE(committed->records);  // READ_COMMITTED sees nothing of the open transaction
  auto uncommitted = log->read(Offset{2}, 1 << 20, FetchIsolation::high_watermark, true);
  ASSERT_TRUE(uncommitted);
  EXPECT_TRUE(uncommitted->records);
  ASSERT_TRUE(append(*log, marker(record::ControlRecordType::commit, ProducerEpoch{0}, ProducerId{77}),
                     record::AppendOrigin::coordinator));
  EXPECT_EQ(log->last_stable_offset(), Offset{6});
}

TEST_F(PartitionLogProducerTest, AbortIsIndexedAndReturnedToReadCommittedFetches) {
  auto log = open();
  ASSERT_TRUE(append(*log, producer_batch(0, 3, ProducerEpoch{0}, true)));
  ASSERT_TRUE(append(*log, marker(record::ControlRecordType::abort), record::AppendOrigin::coordinator));
  ASSERT_TRUE(append(*log, producer_batch(3, 1, ProducerEpoch{0}, true)));
  ASSERT_TRUE(append(*log, marker(record::ControlRecordType::commit), record::AppendOrigin::coordinator));
  EXPECT_EQ(log->last_stable_offset(), Offset{6});
  auto read = log->read(Offset{0}, 1 << 20, FetchIsolation::txn_committed, true);
  ASSERT_TRUE(read);
  ASSERT_EQ(read->aborted_transactions.size(), 1u);
  EXPECT_EQ(read->aborted_transactions[0].producer_id, kPid);
  EXPECT_EQ(read->aborted_transactions[0].first_offset, Offset{0});
  EXPECT_EQ(read->aborted_transactions[0].last_offset, Offset{3});
  EXPECT_TRUE(std::filesystem::exists(dir_ / "payments-0" / segment_file_name(Offset{0}, SegmentFileType::txn_index)));
  // A control batch from a client is refused.
  auto forged = append(*log, marker(record::ControlRecordType::commit));
  EXPECT_FALSE(forged);
}

TEST_F(PartitionLogProducerTest, ProducerStateSurvivesCleanAndUncleanRestarts) {
  {
    auto log = open();
    ASSERT_TRUE(append(*log, producer_batch(0, 3)));
    ASSERT_TRUE(append(*log, producer_batch(3, 3)));
    ASSERT_TRUE(log->close());
  }
  {
    auto log = open(/*clean=*/true);
    auto retry = append(*log, producer_batch(3, 3));
    ASSERT_TRUE(retry) << retry.error().to_string();
    EXPECT_TRUE(retry->duplicate);
    ASSERT_TRUE(append(*log, producer_batch(6, 1)));
    ASSERT_TRUE(log->flush());
    // Unclean: no close, and the snapshot written at close is from before the last batch.
  }
  auto log = open(/*clean=*/false);
  EXPECT_EQ(log->log_end_offset(), Offset{7});
  auto retry = append(*log, producer_batch(6, 1));
  ASSERT_TRUE(retry) << retry.error().to_string();
  EXPECT_TRUE(retry->duplicate);
  EXPECT_EQ(retry->first_offset, Offset{6});
  auto gap = append(*log, producer_batch(9, 1));
  EXPECT_FALSE(gap);
}

TEST_F(PartitionLogProducerTest, TransactionIndexIsRebuiltByRecovery) {
  const auto txn_index = dir_ / "payments-0" / segment_file_name(Offset{0}, SegmentFileType::txn_index);
  {
    auto log = open();
    ASSERT_TRUE(append(*log, producer_batch(0, 2, ProducerEpoch{0}, true)));
    ASSERT_TRUE(append(*log, marker(record::ControlRecordType::abort), record::AppendOrigin::coordinator));
    ASSERT_TRUE(log->flush());
  }
  ASSERT_TRUE(std::filesystem::exists(txn_index));
  std::filesystem::remove(txn_index);
  for (const auto& e : std::filesystem::directory_iterator(dir_ / "payments-0")) {
    if (e.path().extension() == ".snapshot") std::filesystem::remove(e.path());
  }
  auto log = open(/*clean=*/false);
  EXPECT_EQ(log->recovery_report().segments_recovered, 1);
  EXPECT_TRUE(std::filesystem::exists(txn_index));
  auto read = log->read(Offset{0}, 1 << 20, FetchIsolation::txn_committed, true);
  ASSERT_TRUE(read);
  ASSERT_EQ(read->aborted_transactions.size(), 1u);
  EXPECT_EQ(read->aborted_transactions[0].last_offset, Offset{2});
  EXPECT_EQ(log->last_stable_offset(), Offset{3});
}

}  // namespace
}  // namespace strata::storage
