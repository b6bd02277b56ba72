#include "storage/producer_state.h"

#include <gtest/gtest.h>

#include <limits>

#include "record/control_record.h"
#include "record/record_batch_builder.h"
#include "storage/producer_state_error.h"
#include "storage/producer_state_manager.h"
#include "storage/storage_error.h"
#include "storage/tests/test_util.h"

namespace strata::storage {
namespace {

using testing::TempDir;
using testing::write_bytes;

constexpr int32_t kMaxSeq = std::numeric_limits<int32_t>::max();
constexpr int64_t kNow = 1'700'000'000'000;

// A data batch as the log holds it: `count` records from base_offset, sequences from base_seq.
bytes data_batch(int64_t pid, int16_t epoch, int32_t base_seq, int count, int64_t base_offset, bool txn = false,
                 int64_t timestamp = kNow) {
  record::BatchBuilderOptions options;
  options.base_offset = Offset{base_offset};
  options.producer_id = ProducerId{pid};
  options.producer_epoch = ProducerEpoch{epoch};
  options.base_sequence = base_seq;
  options.transactional = txn;
  record::RecordBatchBuilder builder(options);
  for (int i = 0; i < count; ++i) EXPECT_TRUE(builder.append(timestamp + i, std::nullopt, to_bytes("v")));
  return std::move(builder.build()).value();
}

bytes marker(int64_t pid, int16_t epoch, int64_t offset, bool commit, int32_t coordinator_epoch = 0,
             int64_t timestamp = kNow) {
  record::EndTxnMarkerBatch b;
  b.base_offset = Offset{offset};
  b.timestamp = timestamp;
  b.producer_id = ProducerId{pid};
  b.producer_epoch = ProducerEpoch{epoch};
  b.marker = {commit ? record::ControlRecordType::commit : record::ControlRecordType::abort, coordinator_epoch};
  return std::move(record::build_end_txn_marker_batch(b)).value();
}

ProducerStateManager open_manager(const TempDir& dir, ProducerStateManagerConfig config = {}) {
  auto psm = ProducerStateManager::open(dir.path(), config);
  if (!psm) ADD_FAILURE() << psm.error().to_string();
  return std::move(psm).value();
}

Offset last_offset_of(bytes_view batch) { return record::RecordBatchView::parse(batch).value().last_offset(); }

// The append path of the partition log: analyze, then (unless a duplicate) apply.
result<ProducerStateUpdate> append(ProducerStateManager& psm, const bytes& batch,
                                   AppendOrigin origin = AppendOrigin::client,
                                   std::vector<AbortedTxn>* aborted = nullptr) {
  STRATA_TRY_ASSIGN(ProducerStateUpdate update, psm.analyze_append(batch, origin));
  if (update.duplicate) return update;
  STRATA_TRY_ASSIGN(std::vector<AbortedTxn> txns, psm.apply_append(update, last_offset_of(batch)));
  if (aborted) aborted->insert(aborted->end(), txns.begin(), txns.end());
  return update;
}

void must_append(ProducerStateManager& psm, const bytes& batch, AppendOrigin origin = AppendOrigin::client) {
  auto r = append(psm, batch, origin);
  ASSERT_TRUE(r) << r.error().to_string();
  ASSERT_FALSE(r->duplicate);
}

TEST(ProducerState, SequenceHelpersWrapAtIntMax) {
  EXPECT_EQ(increment_sequence(5, 3), 8);
  EXPECT_EQ(increment_sequence(kMaxSeq, 1), 0);
  EXPECT_EQ(increment_sequence(kMaxSeq - 1, 3), 1);
  EXPECT_EQ(decrement_sequence(8, 3), 5);
  EXPECT_EQ(decrement_sequence(0, 1), kMaxSeq);
  EXPECT_EQ(decrement_sequence(1, 3), kMaxSeq - 1);
  EXPECT_EQ((BatchMetadata{1, Offset{10}, 3, 0}.first_seq()), kMaxSeq - 1);
  EXPECT_EQ((BatchMetadata{1, Offset{10}, 3, 0}.first_offset()), Offset{7});
}

TEST(ProducerState, ErrorCodesAreKafkas) {
  EXPECT_EQ(kafka_error_code(ProducerStateErrc::out_of_order_sequence), 45);
  EXPECT_EQ(kafka_error_code(ProducerStateErrc::invalid_producer_epoch), 47);
  EXPECT_EQ(kafka_error_code(ProducerStateErrc::invalid_txn_state), 48);
  EXPECT_EQ(kafka_error_code(ProducerStateErrc::coordinator_fenced), 52);
  EXPECT_EQ(kafka_error_code(ProducerStateErrc::invalid_argument), -1);
  EXPECT_EQ(kafka_error_code_of(Error(ProducerStateErrc::invalid_txn_state, "x")), 48);
  EXPECT_EQ(kafka_error_code_of(Error(StorageErrc::io_error, "x")), -1);
}

// Kafka's ProducerAppendInfo.checkProducerEpoch + checkSequence and UnifiedLog's duplicate check,
// one row per rule. Every row starts from one producer (id 1) whose history is `setup`.
enum class Outcome { ok, duplicate, out_of_order, invalid_epoch };

struct SeqCase {
  const char* name;
  std::vector<std::tuple<int16_t, int32_t, int>> setup;  // (epoch, base seq, records) appended in order
  int16_t epoch;
  int32_t base_seq;
  int count;
  AppendOrigin origin;
  Outcome expected;
};

class SequenceRules : public ::testing::TestWithParam<SeqCase> {};

TEST_P(SequenceRules, MatchKafka) {
  const SeqCase& c = GetParam();
  TempDir dir;
  ProducerStateManager psm = open_manager(dir);
  int64_t offset = 0;
  for (auto [epoch, seq, n] : c.setup) {
    must_append(psm, data_batch(1, epoch, seq, n, offset));
    offset += n;
  }
  auto r = append(psm, data_batch(1, c.epoch, c.base_seq, c.count, offset), c.origin);
  switch (c.expected) {
    case Outcome::ok:
      ASSERT_TRUE(r) << r.error().to_string();
      EXPECT_FALSE(r->duplicate);
      EXPECT_EQ(psm.last_entry(ProducerId{1})->last_seq(), increment_sequence(c.base_seq, c.count - 1));
      EXPECT_EQ(psm.last_entry(ProducerId{1})->producer_epoch(), ProducerEpoch{c.epoch});
      break;
    case Outcome::duplicate:
      ASSERT_TRUE(r) << r.error().to_string();
      EXPECT_TRUE(r->duplicate);
      break;
    case Outcome::out_of_order:
      ASSERT_FALSE(r);
      EXPECT_TRUE(r.error().is(ProducerStateErrc::out_of_order_sequence)) << r.error().to_string();
      break;
    case Outcome::invalid_epoch:
      ASSERT_FALSE(r);
      EXPECT_TRUE(r.error().is(ProducerStateErrc::invalid_producer_epoch)) << r.error().to_string();
      break;
  }
}

using O = Outcome;
constexpr AppendOrigin kClient = AppendOrigin::client;
constexpr AppendOrigin kCoordinator = AppendOrigin::coordinator;
constexpr AppendOrigin kReplication = AppendOrigin::replication;

INSTANTIATE_TEST_SUITE_P(
    Kafka, SequenceRules,
    ::testing::Values(
        SeqCase{"unknown_producer_seq0", {}, 0, 0, 3, kClient, O::ok},
        // KIP-360 (Kafka 2.5+): no UNKNOWN_PRODUCER_ID, any first sequence is taken.
        SeqCase{"unknown_producer_any_seq", {}, 0, 17, 3, kClient, O::ok},
        SeqCase{"unknown_producer_any_epoch", {}, 9, 42, 1, kClient, O::ok},
        SeqCase{"next_in_sequence", {{0, 0, 5}}, 0, 5, 2, kClient, O::ok},
        SeqCase{"gap", {{0, 0, 5}}, 0, 6, 1, kClient, O::out_of_order},
        SeqCase{"overlap_not_a_retained_batch", {{0, 0, 5}}, 0, 3, 4, kClient, O::out_of_order},
        SeqCase{"exact_retry_is_duplicate", {{0, 0, 5}}, 0, 0, 5, kClient, O::duplicate},
        SeqCase{"retry_of_5th_last_batch",
                {{0, 0, 1}, {0, 1, 1}, {0, 2, 1}, {0, 3, 1}, {0, 4, 1}},
                0,
                0,
                1,
                kClient,
                O::duplicate},
        SeqCase{"6th_last_batch_is_forgotten",
                {{0, 0, 1}, {0, 1, 1}, {0, 2, 1}, {0, 3, 1}, {0, 4, 1}, {0, 5, 1}},
                0,
                0,
                1,
                kClient,
                O::out_of_order},
        SeqCase{"retry_with_other_epoch_is_not_duplicate", {{1, 0, 5}}, 0, 0, 5, kClient, O::invalid_epoch},
        SeqCase{"older_epoch", {{3, 0, 1}}, 2, 1, 1, kClient, O::invalid_epoch},
        SeqCase{"older_epoch_from_coordinator", {{3, 0, 1}}, 2, 1, 1, kCoordinator, O::invalid_epoch},
        SeqCase{"older_epoch_replicated_is_taken", {{3, 0, 1}}, 2, 7, 1, kReplication, O::ok},
        SeqCase{"new_epoch_from_zero", {{3, 0, 10}}, 4, 0, 1, kClient, O::ok},
        SeqCase{"new_epoch_not_from_zero", {{3, 0, 10}}, 4, 10, 1, kClient, O::out_of_order},
        SeqCase{"coordinator_skips_sequence_checks", {{0, 0, 5}}, 0, 9, 1, kCoordinator, O::ok},
        SeqCase{"replication_skips_sequence_checks", {{0, 0, 5}}, 0, 9, 1, kReplication, O::ok},
        SeqCase{"wrap_int_max_to_zero", {{0, kMaxSeq - 2, 3}}, 0, 0, 2, kClient, O::ok},
        SeqCase{"no_int_max_plus_one", {{0, kMaxSeq - 2, 3}}, 0, 1, 1, kClient, O::out_of_order},
        SeqCase{"batch_spanning_the_wrap", {{0, kMaxSeq - 1, 1}}, 0, kMaxSeq, 3, kClient, O::ok},
        SeqCase{"after_batch_spanning_the_wrap", {{0, kMaxSeq - 1, 4}}, 0, 2, 1, kClient, O::ok},
        SeqCase{"duplicate_spanning_the_wrap", {{0, kMaxSeq - 1, 4}}, 0, kMaxSeq - 1, 4, kClient, O::duplicate}),
    [](const ::testing::TestParamInfo<SeqCase>& info) { return std::string(info.param.name); });

TEST(ProducerState, DuplicateAnswersWithTheOriginalOffsetsAndTimestamp) {
  TempDir dir;
  ProducerStateManager psm = open_manager(dir);
  must_append(psm, data_batch(1, 0, 0, 3, 100, false, 5000));  // offsets 100-102, max ts 5002
  must_append(psm, data_batch(1, 0, 3, 2, 103, false, 6000));
  auto r = append(psm, data_batch(1, 0, 0, 3, 500, false, 9999));
  ASSERT_TRUE(r);
  ASSERT_TRUE(r->duplicate);
  EXPECT_EQ(r->duplicate->first_offset(), Offset{100});
  EXPECT_EQ(r->duplicate->last_offset, Offset{102});
  EXPECT_EQ(r->duplicate->timestamp, 5002);
  EXPECT_TRUE(r->producers.empty());
  // Nothing changed.
  EXPECT_EQ(psm.last_entry(ProducerId{1})->last_seq(), 4);
  EXPECT_EQ(psm.last_entry(ProducerId{1})->batch_metadata().size(), 2u);
}

TEST(ProducerState, SameEpochAfterMarkerRestartsAtZero) {
  TempDir dir;
  ProducerStateManager psm = open_manager(dir);
  must_append(psm, data_batch(1, 0, 0, 2, 0, true));
  ASSERT_TRUE(append(psm, marker(1, 0, 2, true), kCoordinator));
  // A marker keeps the epoch; the batches stay (the same epoch continues its sequence).
  must_append(psm, data_batch(1, 0, 2, 1, 3, true));
  // Bumped epoch through a marker (TV2 style): the entry has the epoch and no batches.
  ASSERT_TRUE(append(psm, marker(1, 1, 4, false), kCoordinator));
  EXPECT_TRUE(psm.last_entry(ProducerId{1})->is_empty());
  auto gap = append(psm, data_batch(1, 1, 5, 1, 5));
  ASSERT_FALSE(gap);
  EXPECT_TRUE(gap.error().is(ProducerStateErrc::out_of_order_sequence));
  must_append(psm, data_batch(1, 1, 0, 1, 5));
}

TEST(ProducerState, MultipleBatchesOfOneProducerInOneAppend) {
  TempDir dir;
  ProducerStateManager psm = open_manager(dir);
  bytes records = data_batch(1, 0, 0, 2, 0);
  bytes second = data_batch(1, 0, 2, 2, 2);
  records.insert(records.end(), second.begin(), second.end());
  auto update = psm.analyze_append(records, kReplication);
  ASSERT_TRUE(update);
  ASSERT_EQ(update->producers.size(), 1u);
  EXPECT_EQ(update->producers.at(ProducerId{1}).to_entry().batch_metadata().size(), 2u);
  // A gap between two batches of the same request is caught against the first, once the producer
  // is known (for an unknown producer Kafka takes any sequence, within the request too).
  bytes unknown = data_batch(1, 0, 0, 2, 0);
  bytes skip = data_batch(1, 0, 3, 1, 2);
  unknown.insert(unknown.end(), skip.begin(), skip.end());
  EXPECT_TRUE(psm.analyze_append(unknown, kClient));
  must_append(psm, data_batch(1, 0, 0, 1, 0));
  bytes bad = data_batch(1, 0, 1, 2, 1);
  bytes gap = data_batch(1, 0, 4, 1, 3);
  bad.insert(bad.end(), gap.begin(), gap.end());
  auto r = psm.analyze_append(bad, kClient);
  ASSERT_FALSE(r);
  EXPECT_TRUE(r.error().is(ProducerStateErrc::out_of_order_sequence));
}

TEST(ProducerState, TransactionsAcrossMarkers) {
  TempDir dir;
  ProducerStateManager psm = open_manager(dir);
  std::vector<AbortedTxn> aborted;
  ASSERT_TRUE(append(psm, data_batch(1, 0, 0, 3, 0, true), kClient, &aborted));  // txn 1: 0-2
  EXPECT_EQ(psm.first_unstable_offset(), Offset{0});
  ASSERT_TRUE(append(psm, data_batch(2, 0, 0, 1, 3), kClient, &aborted));        // idempotent only
  ASSERT_TRUE(append(psm, data_batch(3, 0, 0, 2, 4, true), kClient, &aborted));  // txn 3: 4-5
  ASSERT_TRUE(append(psm, data_batch(1, 0, 3, 1, 6, true), kClient, &aborted));  // txn 1 goes on
  EXPECT_EQ(psm.ongoing_txns().size(), 2u);
  EXPECT_EQ(psm.last_entry(ProducerId{1})->current_txn_first_offset(), Offset{0});

  // A non-transactional write inside a transaction.
  auto bad = append(psm, data_batch(1, 0, 4, 1, 7));
  ASSERT_FALSE(bad);
  EXPECT_TRUE(bad.error().is(ProducerStateErrc::invalid_txn_state));
  EXPECT_EQ(kafka_error_code_of(bad.error()), 48);

  // Abort txn 1 at 7: its LSO is txn 3's first offset.
  auto update = append(psm, marker(1, 0, 7, false, 5), kCoordinator, &aborted);
  ASSERT_TRUE(update) << update.error().to_string();
  ASSERT_EQ(update->completed_txns.size(), 1u);
  EXPECT_EQ(update->completed_txns[0], (CompletedTxn{ProducerId{1}, Offset{0}, Offset{7}, true}));
  ASSERT_EQ(aborted.size(), 1u);
  EXPECT_EQ(aborted[0], (AbortedTxn{ProducerId{1}, Offset{0}, Offset{7}, Offset{4}}));
  EXPECT_FALSE(psm.last_entry(ProducerId{1})->current_txn_first_offset());
  EXPECT_EQ(psm.last_entry(ProducerId{1})->coordinator_epoch(), 5);
  EXPECT_EQ(psm.first_unstable_offset(), Offset{0});  // completed, but its marker is not replicated
  EXPECT_EQ(psm.first_undecided_offset(), Offset{4});

  // A zombie coordinator, an old epoch.
  auto fenced = append(psm, marker(3, 0, 8, true, 4), kCoordinator);
  ASSERT_TRUE(fenced);  // producer 3 has coordinator epoch -1 so far
  // ... that commit completed txn 3 at 8 with LSO 9 (no other transaction ongoing).
  EXPECT_EQ(psm.first_undecided_offset(), std::nullopt);
  auto zombie = append(psm, marker(3, 0, 9, true, 3), kCoordinator);
  ASSERT_FALSE(zombie);
  EXPECT_TRUE(zombie.error().is(ProducerStateErrc::coordinator_fenced));
  EXPECT_EQ(kafka_error_code_of(zombie.error()), 52);
  must_append(psm, data_batch(3, 2, 0, 1, 9));
  auto old_epoch = append(psm, marker(3, 1, 10, true, 4), kCoordinator);
  ASSERT_FALSE(old_epoch);
  EXPECT_TRUE(old_epoch.error().is(ProducerStateErrc::invalid_producer_epoch));
  // Replicas take both.
  EXPECT_TRUE(append(psm, marker(3, 1, 10, true, 3), kReplication));

  // An empty transaction's marker completes nothing.
  auto empty = append(psm, marker(2, 0, 11, true, 1), kCoordinator);
  ASSERT_TRUE(empty);
  EXPECT_TRUE(empty->completed_txns.empty());

  // Only aborts are indexed; the high watermark makes completed transactions stable.
  EXPECT_EQ(aborted.size(), 1u);
  psm.on_high_watermark_updated(Offset{8});
  EXPECT_EQ(psm.first_unstable_offset(), Offset{4});  // txn 3's marker (8) is not below the HW
  psm.on_high_watermark_updated(Offset{9});
  EXPECT_EQ(psm.first_unstable_offset(), std::nullopt);
  EXPECT_EQ(psm.map_end_offset(), Offset{12});
}

TEST(ProducerState, TransactionVersion2MarkersNeedABumpedEpoch) {
  ProducerStateEntry entry = ProducerStateEntry::empty(ProducerId{1});
  entry.add_batch(ProducerEpoch{3}, 0, Offset{0}, 0, kNow);
  entry.set_current_txn_first_offset(Offset{0});
  record::EndTxnMarker commit{record::ControlRecordType::commit, 0};
  {
    ProducerAppendInfo info(ProducerId{1}, entry, kCoordinator);
    auto same = info.append_end_txn_marker(commit, ProducerEpoch{3}, Offset{1}, kNow, kTransactionVersion2);
    EXPECT_TRUE(same.error().is(ProducerStateErrc::invalid_producer_epoch));
  }
  {
    ProducerAppendInfo info(ProducerId{1}, entry, kCoordinator);
    auto bumped = info.append_end_txn_marker(commit, ProducerEpoch{4}, Offset{1}, kNow, kTransactionVersion2);
    ASSERT_TRUE(bumped);
    EXPECT_TRUE(bumped->has_value());
    EXPECT_EQ(info.to_entry().producer_epoch(), ProducerEpoch{4});
  }
  {
    // KAFKA-19999: a retried TV2 marker (same epoch, no transaction ongoing) is written again.
    ProducerStateEntry done = entry;
    done.update(ProducerEpoch{4}, 0, kNow);
    ProducerAppendInfo info(ProducerId{1}, done, kCoordinator);
    auto retry = info.append_end_txn_marker(commit, ProducerEpoch{4}, Offset{2}, kNow, kTransactionVersion2);
    ASSERT_TRUE(retry);
    EXPECT_FALSE(retry->has_value());
  }
}

TEST(ProducerState, TransactionVersionReachesMarkersThroughTheManager) {
  TempDir dir;
  ProducerStateManager psm = open_manager(dir);
  must_append(psm, data_batch(1, 3, 0, 1, 0, true));
  bytes same_epoch = marker(1, 3, 1, true);
  EXPECT_TRUE(psm.analyze_append(same_epoch, kCoordinator, kTransactionVersion0));
  EXPECT_TRUE(psm.analyze_append(same_epoch, kCoordinator, kTransactionVersion2)
                  .error()
                  .is(ProducerStateErrc::invalid_producer_epoch));
  auto bumped = psm.analyze_append(marker(1, 4, 1, true), kCoordinator, kTransactionVersion2);
  ASSERT_TRUE(bumped);
  EXPECT_EQ(bumped->completed_txns.size(), 1u);
}

TEST(ProducerState, CompleteTxnThatWasNeverStarted) {
  TempDir dir;
  ProducerStateManager psm = open_manager(dir);
  EXPECT_TRUE(psm.complete_txn(CompletedTxn{ProducerId{1}, Offset{0}, Offset{1}, false})
                  .error()
                  .is(ProducerStateErrc::invalid_argument));
}

TEST(ProducerState, ExpiryKeepsOngoingTransactions) {
  TempDir dir;
  ProducerStateManagerConfig config;
  config.producer_id_expiration_ms = 1000;
  ProducerStateManager psm = open_manager(dir, config);
  must_append(psm, data_batch(1, 0, 0, 1, 0, false, 5000));
  must_append(psm, data_batch(2, 0, 0, 1, 1, true, 5000));
  must_append(psm, data_batch(3, 0, 0, 1, 2, false, 5500));
  psm.remove_expired_producers(5999);
  EXPECT_EQ(psm.producer_id_count(), 3u);
  psm.remove_expired_producers(6000);  // producer 1: 6000 - 5000 >= 1000
  EXPECT_EQ(psm.last_entry(ProducerId{1}), nullptr);
  EXPECT_NE(psm.last_entry(ProducerId{2}), nullptr);
  EXPECT_NE(psm.last_entry(ProducerId{3}), nullptr);
  psm.remove_expired_producers(1'000'000);
  EXPECT_EQ(psm.producer_id_count(), 1u);  // 2 keeps its transaction
  // A late transaction: open longer than transaction.max.timeout.ms + 5 minutes.
  EXPECT_FALSE(psm.has_late_transaction(5000 + config.max_transaction_timeout_ms + kLateTransactionBufferMs));
  EXPECT_TRUE(psm.has_late_transaction(5001 + config.max_transaction_timeout_ms + kLateTransactionBufferMs));
}

TEST(ProducerState, SnapshotReloadEqualsLiveState) {
  TempDir dir;
  std::vector<ProducerSnapshotEntry> live;
  std::optional<Offset> live_unstable;
  {
    ProducerStateManager psm = open_manager(dir);
    must_append(psm, data_batch(1, 0, 0, 3, 0));
    must_append(psm, data_batch(1, 0, 3, 2, 3));
    must_append(psm, data_batch(2, 4, 7, 1, 5, true));
    must_append(psm, data_batch(3, 1, 0, 1, 6, true));
    ASSERT_TRUE(append(psm, marker(3, 1, 7, false, 2), kCoordinator));
    must_append(psm, data_batch(kNoProducerId.value() + 1 + 100, 0, 0, 1, 8));  // producer 100
    psm.on_high_watermark_updated(Offset{9});
    ASSERT_EQ(psm.map_end_offset(), Offset{9});
    live = psm.snapshot_entries();
    live_unstable = psm.first_unstable_offset();
    auto taken = psm.take_snapshot();
    ASSERT_TRUE(taken && taken->has_value());
    EXPECT_EQ((*taken)->path, dir / "00000000000000000009.snapshot");
    EXPECT_FALSE(psm.take_snapshot().value().has_value());  // same offset: nothing new
  }
  // The bytes are the encoding of the entries in producer id order.
  EXPECT_EQ(testing::read_bytes(dir / "00000000000000000009.snapshot"), encode_producer_snapshot(live));
  EXPECT_EQ(live[2].last_offset, Offset{7} - 1);  // producer 3's last data offset; the marker is no data
  EXPECT_EQ(live[2].current_txn_first_offset, kNoOffset);

  ProducerStateManager reloaded = open_manager(dir);
  EXPECT_EQ(reloaded.latest_snapshot_offset(), Offset{9});
  ASSERT_TRUE(reloaded.truncate_and_reload(Offset{0}, Offset{9}, kNow));
  EXPECT_EQ(reloaded.map_end_offset(), Offset{9});
  EXPECT_EQ(reloaded.snapshot_entries(), live);
  EXPECT_EQ(reloaded.first_unstable_offset(), live_unstable);
  EXPECT_EQ(reloaded.first_unstable_offset(), Offset{5});
  // The reloaded state validates the next batches as the live one would.
  EXPECT_TRUE(append(reloaded, data_batch(1, 0, 5, 1, 9)));
  // A snapshot keeps each producer's last batch only: a retry of it is still recognised, a retry of
  // an older one is not (as in Kafka after a restart).
  EXPECT_TRUE(append(reloaded, data_batch(1, 0, 3, 2, 10)).value().duplicate.has_value());
  EXPECT_TRUE(append(reloaded, data_batch(1, 0, 0, 3, 10)).error().is(ProducerStateErrc::out_of_order_sequence));
}

TEST(ProducerState, TruncateAndReloadPicksTheSnapshotInRange) {
  TempDir dir;
  {
    ProducerStateManager psm = open_manager(dir);
    for (int64_t o = 0; o < 30; ++o) {
      must_append(psm, data_batch(1, 0, static_cast<int32_t>(o), 1, o));
      if (o == 9 || o == 19 || o == 29) {
        ASSERT_TRUE(psm.take_snapshot());
      }
    }
  }
  ProducerStateManager psm = open_manager(dir);
  EXPECT_EQ(psm.snapshot_files().size(), 3u);
  ASSERT_TRUE(psm.truncate_and_reload(Offset{0}, Offset{25}, kNow));
  EXPECT_EQ(psm.map_end_offset(), Offset{20});  // the caller replays 20..25
  EXPECT_EQ(psm.last_entry(ProducerId{1})->last_seq(), 19);
  EXPECT_FALSE(std::filesystem::exists(dir / "00000000000000000030.snapshot"));
  // Replaying the log from the snapshot.
  for (int64_t o = 20; o < 25; ++o) {
    bytes b = data_batch(1, 0, static_cast<int32_t>(o), 1, o);
    ASSERT_TRUE(psm.replay_batch(record::RecordBatchView::parse(b).value()));
  }
  EXPECT_EQ(psm.map_end_offset(), Offset{25});
  EXPECT_EQ(psm.last_entry(ProducerId{1})->last_seq(), 24);

  // A log start offset at or above a snapshot removes it.
  ASSERT_TRUE(psm.truncate_and_reload(Offset{10}, Offset{25}, kNow));
  EXPECT_EQ(psm.oldest_snapshot_offset(), Offset{20});
  EXPECT_EQ(psm.map_end_offset(), Offset{25});  // already there: state kept

  // Expired producers are not loaded.
  ASSERT_TRUE(psm.truncate_and_reload(Offset{10}, Offset{22}, kNow + kDefaultProducerIdExpirationMs + 100));
  EXPECT_EQ(psm.map_end_offset(), Offset{20});
  EXPECT_EQ(psm.producer_id_count(), 0u);
}

TEST(ProducerState, CorruptSnapshotFallsBackToThePreviousOne) {
  TempDir dir;
  {
    ProducerStateManager psm = open_manager(dir);
    must_append(psm, data_batch(1, 0, 0, 5, 0));
    ASSERT_TRUE(psm.take_snapshot());
    must_append(psm, data_batch(1, 0, 5, 5, 5));
    ASSERT_TRUE(psm.take_snapshot());
  }
  write_bytes(dir / "00000000000000000010.snapshot", testing::make_bytes({0, 1, 2, 3}));
  ProducerStateManager psm = open_manager(dir);
  ASSERT_TRUE(psm.truncate_and_reload(Offset{0}, Offset{12}, kNow));
  EXPECT_EQ(psm.map_end_offset(), Offset{5});
  EXPECT_EQ(psm.last_entry(ProducerId{1})->last_seq(), 4);
  ASSERT_EQ(psm.discarded_snapshots().size(), 1u);
  EXPECT_TRUE(psm.discarded_snapshots()[0].is(StorageErrc::corrupt_snapshot));
  EXPECT_FALSE(std::filesystem::exists(dir / "00000000000000000010.snapshot"));
}

TEST(ProducerState, SnapshotDeletion) {
  TempDir dir;
  for (int o : {0, 10, 20, 30, 40}) {
    write_bytes(dir / (std::string(20 - std::to_string(o).size(), '0') + std::to_string(o) + ".snapshot"),
                encode_producer_snapshot({}));
  }
  ProducerStateManager psm = open_manager(dir);
  ASSERT_TRUE(psm.delete_snapshots_before(Offset{10}));
  EXPECT_EQ(psm.oldest_snapshot_offset(), Offset{10});
  ASSERT_TRUE(psm.delete_snapshots_after(Offset{30}));
  EXPECT_EQ(psm.latest_snapshot_offset(), Offset{30});
  EXPECT_FALSE(std::filesystem::exists(dir / "00000000000000000040.snapshot"));
  auto marked = psm.remove_and_mark_snapshot_for_deletion(Offset{20});
  ASSERT_TRUE(marked && marked->has_value());
  EXPECT_EQ((*marked)->path, dir / "00000000000000000020.snapshot.deleted");
  EXPECT_TRUE(std::filesystem::exists(dir / "00000000000000000020.snapshot.deleted"));
  EXPECT_FALSE(psm.remove_and_mark_snapshot_for_deletion(Offset{20}).value().has_value());
  ASSERT_TRUE(psm.truncate_fully_and_start_at(Offset{77}));
  EXPECT_TRUE(psm.snapshot_files().empty());
  EXPECT_EQ(psm.map_end_offset(), Offset{77});
}

TEST(ProducerState, RemoveStraySnapshotsKeepsTheCleanShutdownOne) {
  TempDir dir;
  for (int o : {0, 5, 10, 15, 20, 25}) {
    write_bytes(dir / (std::string(20 - std::to_string(o).size(), '0') + std::to_string(o) + ".snapshot"),
                encode_producer_snapshot({}));
  }
  ProducerStateManager psm = open_manager(dir);
  std::vector<Offset> segments = {Offset{0}, Offset{10}, Offset{20}};
  ASSERT_TRUE(psm.remove_stray_snapshots(segments));
  std::vector<Offset> kept;
  for (const SnapshotFile& f : psm.snapshot_files()) kept.push_back(f.offset);
  EXPECT_EQ(kept, (std::vector<Offset>{Offset{0}, Offset{10}, Offset{20}, Offset{25}}));
  // A stray below the last segment goes too.
  std::vector<Offset> later = {Offset{0}, Offset{10}, Offset{30}};
  ASSERT_TRUE(psm.remove_stray_snapshots(later));
  kept.clear();
  for (const SnapshotFile& f : psm.snapshot_files()) kept.push_back(f.offset);
  EXPECT_EQ(kept, (std::vector<Offset>{Offset{0}, Offset{10}}));
}

TEST(ProducerState, LoadFromRecordsRebuildsTransactions) {
  TempDir dir;
  ProducerStateManager psm = open_manager(dir);
  bytes records = data_batch(1, 0, 0, 2, 0, true);
  bytes abort = marker(1, 0, 2, false);
  bytes open_txn = data_batch(2, 0, 0, 1, 3, true);
  records.insert(records.end(), abort.begin(), abort.end());
  records.insert(records.end(), open_txn.begin(), open_txn.end());
  ASSERT_TRUE(psm.load_producers_from_records(records));
  EXPECT_EQ(psm.first_undecided_offset(), Offset{3});
  EXPECT_EQ(psm.first_unstable_offset(), Offset{0});  // txn 1's marker is not below any HW yet
  EXPECT_EQ(psm.producer_id_count(), 2u);
}

TEST(ProducerState, EntryRetainsFiveBatchesAndForgetsThemOnANewEpoch) {
  ProducerStateEntry entry = ProducerStateEntry::empty(ProducerId{9});
  for (int i = 0; i < 7; ++i) entry.add_batch(ProducerEpoch{0}, i, Offset{i}, 0, i);
  EXPECT_EQ(entry.batch_metadata().size(), kNumBatchesToRetain);
  EXPECT_EQ(entry.first_seq(), 2);
  EXPECT_EQ(entry.last_seq(), 6);
  EXPECT_TRUE(entry.find_duplicate_batch(ProducerEpoch{0}, 2, 2));
  EXPECT_FALSE(entry.find_duplicate_batch(ProducerEpoch{0}, 1, 1));
  EXPECT_FALSE(entry.find_duplicate_batch(ProducerEpoch{1}, 2, 2));
  entry.add_batch(ProducerEpoch{1}, 0, Offset{7}, 0, 7);
  EXPECT_EQ(entry.batch_metadata().size(), 1u);
  auto round = ProducerStateEntry::from_snapshot_entry(entry.to_snapshot_entry());
  EXPECT_EQ(round.to_snapshot_entry(), entry.to_snapshot_entry());
  EXPECT_EQ(round, entry);
}

}  // namespace
}  // namespace strata::storage
