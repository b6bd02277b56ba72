// The batch builder: round trips for every codec and record shape (bounded property loops), the
// header fields Kafka's MemoryRecordsBuilder writes, and its contract errors.
#include "record/record_batch_builder.h"

#include <gtest/gtest.h>

#include <random>

#include "record/tests/test_util.h"
#include "record/validation.h"

namespace strata::record {
namespace {

using testing::build_batch;
using testing::expect_same_record;
using testing::random_records;
using testing::TestRecord;

constexpr std::array<CompressionCodec, 5> kAllCodecs = {CompressionCodec::none, CompressionCodec::gzip,
                                                        CompressionCodec::snappy, CompressionCodec::lz4,
                                                        CompressionCodec::zstd};
constexpr int64_t kBaseTimestamp = 1700000000000;

void expect_round_trip(const std::vector<TestRecord>& records, const BatchBuilderOptions& options) {
  const bytes raw = build_batch(records, options);
  auto view = RecordBatchView::parse(raw);
  ASSERT_TRUE(view) << view.error().to_string();
  EXPECT_TRUE(view->verify_crc());
  EXPECT_EQ(*view->codec(), options.compression.codec);
  EXPECT_EQ(view->base_offset(), options.base_offset);
  EXPECT_EQ(view->record_count(), static_cast<int32_t>(records.size()));
  EXPECT_EQ(view->last_offset_delta(), static_cast<int32_t>(records.size()) - 1);
  EXPECT_EQ(view->base_timestamp(), records.front().timestamp);
  int64_t max_ts = kNoTimestamp;
  for (const auto& r : records) max_ts = std::max(max_ts, r.timestamp);
  EXPECT_EQ(view->max_timestamp(), max_ts);
  auto opened = BatchRecords::open(*view);
  ASSERT_TRUE(opened) << opened.error().to_string();
  auto parsed = opened->read_all();
  ASSERT_TRUE(parsed) << parsed.error().to_string();
  ASSERT_EQ(parsed->size(), records.size());
  for (size_t i = 0; i < records.size(); ++i) {
    expect_same_record(records[i], (*parsed)[i]);
    EXPECT_EQ((*parsed)[i].offset_delta, static_cast<int32_t>(i));
    EXPECT_EQ((*parsed)[i].offset, options.base_offset + static_cast<int64_t>(i));
  }
}

// Every codec x (headers or not) x (null keys/values or not) x record counts, with timestamps
// that go backwards and forwards (negative deltas).
TEST(RecordBatchBuilder, RoundTripProperty) {
  std::mt19937_64 rng(42);
  for (CompressionCodec codec : kAllCodecs) {
    for (bool headers : {false, true}) {
      for (bool nulls : {false, true}) {
        for (size_t count : {size_t{1}, size_t{2}, size_t{17}, size_t{500}}) {
          BatchBuilderOptions options;
          options.base_offset = Offset{static_cast<int64_t>(count) * 1000};
          options.compression = Compression::of(codec);
          SCOPED_TRACE(std::string(codec_name(codec)) + " headers=" + std::to_string(headers) +
                       " nulls=" + std::to_string(nulls) + " count=" + std::to_string(count));
          expect_round_trip(random_records(rng, count, headers, nulls, kBaseTimestamp), options);
        }
      }
    }
  }
}

TEST(RecordBatchBuilder, ManyLargeRecordsAcrossCodecBlocks) {
  std::mt19937_64 rng(43);
  constexpr int kRecords = 40;
  std::vector<TestRecord> records;
  records.reserve(kRecords);
  for (int i = 0; i < kRecords; ++i) {
    records.push_back({kBaseTimestamp + i, testing::random_bytes(rng, 16), testing::random_bytes(rng, 20000, 0.6), {}});
  }
  for (CompressionCodec codec : kAllCodecs) {
    BatchBuilderOptions options;
    options.compression = Compression::of(codec);
    expect_round_trip(records, options);
  }
}

TEST(RecordBatchBuilder, NoTimestampRecords) {
  std::vector<TestRecord> records = {{kNoTimestamp, to_bytes("a"), to_bytes("1"), {}},
                                     {kNoTimestamp, to_bytes("b"), to_bytes("2"), {}}};
  expect_round_trip(records, BatchBuilderOptions{});
}

TEST(RecordBatchBuilder, ProducerFieldsAndTransactionalFlag) {
  BatchBuilderOptions options;
  options.producer_id = ProducerId{4242};
  options.producer_epoch = ProducerEpoch{7};
  options.base_sequence = 100;
  options.transactional = true;
  options.partition_leader_epoch = LeaderEpoch{5};
  options.compression = Compression::of(CompressionCodec::lz4);
  const bytes raw = build_batch(
      {{kBaseTimestamp, to_bytes("k"), to_bytes("v"), {}}, {kBaseTimestamp + 1, to_bytes("k"), to_bytes("v"), {}}},
      options);
  auto view = RecordBatchView::parse(raw);
  ASSERT_TRUE(view);
  EXPECT_EQ(view->producer_id(), ProducerId{4242});
  EXPECT_EQ(view->producer_epoch(), ProducerEpoch{7});
  EXPECT_EQ(view->base_sequence(), 100);
  EXPECT_EQ(view->last_sequence(), 101);
  EXPECT_TRUE(view->is_transactional());
  EXPECT_FALSE(view->is_control());
  EXPECT_EQ(view->partition_leader_epoch(), LeaderEpoch{5});
  EXPECT_EQ(view->attributes(), 0x13);
}

TEST(RecordBatchBuilder, LogAppendTime) {
  BatchBuilderOptions options;
  options.timestamp_type = TimestampType::log_append_time;
  options.log_append_time = kBaseTimestamp + 99;
  const bytes raw = build_batch({{kBaseTimestamp, to_bytes("k"), to_bytes("v"), {}}}, options);
  auto view = RecordBatchView::parse(raw);
  ASSERT_TRUE(view);
  EXPECT_EQ(view->timestamp_type(), TimestampType::log_append_time);
  EXPECT_EQ(view->max_timestamp(), kBaseTimestamp + 99);
  EXPECT_EQ(view->base_timestamp(), kBaseTimestamp);
  auto records_holder = BatchRecords::open(*view);
  ASSERT_TRUE(records_holder);
  auto records = records_holder->read_all();
  ASSERT_TRUE(records);
  EXPECT_EQ((*records)[0].timestamp, kBaseTimestamp + 99);
}

TEST(RecordBatchBuilder, DeleteHorizonIsTheBaseTimestamp) {
  BatchBuilderOptions options;
  options.delete_horizon_ms = kBaseTimestamp + 86400000;
  const bytes raw = build_batch({{kBaseTimestamp, to_bytes("k"), std::nullopt, {}}}, options);
  auto view = RecordBatchView::parse(raw);
  ASSERT_TRUE(view);
  EXPECT_TRUE(view->has_delete_horizon());
  EXPECT_EQ(view->delete_horizon_ms(), kBaseTimestamp + 86400000);
  auto records_holder = BatchRecords::open(*view);
  ASSERT_TRUE(records_holder);
  auto records = records_holder->read_all();
  ASSERT_TRUE(records);
  EXPECT_EQ((*records)[0].timestamp, kBaseTimestamp);
}

TEST(RecordBatchBuilder, ExplicitOffsetDeltasForCompactedBatches) {
  RecordBatchBuilder builder({});
  ASSERT_TRUE(builder.append_with_offset_delta(0, 1, as_bytes_view("a"), as_bytes_view("1")));
  ASSERT_TRUE(builder.append_with_offset_delta(5, 2, as_bytes_view("b"), as_bytes_view("2")));
  EXPECT_TRUE(builder.append_with_offset_delta(5, 3, as_bytes_view("c"), std::nullopt)
                  .error()
                  .is(RecordErrc::invalid_argument));
  ASSERT_TRUE(builder.append(4, as_bytes_view("c"), as_bytes_view("3")));  // delta 6
  auto raw = builder.build();
  ASSERT_TRUE(raw);
  auto view = RecordBatchView::parse(*raw);
  EXPECT_EQ(view->last_offset_delta(), 6);
  EXPECT_EQ(view->record_count(), 3);
  auto records_holder = BatchRecords::open(*view);
  ASSERT_TRUE(records_holder);
  auto records = records_holder->read_all();
  ASSERT_TRUE(records);
  EXPECT_EQ((*records)[1].offset, Offset{5});
  EXPECT_EQ((*records)[2].offset, Offset{6});
}

TEST(RecordBatchBuilder, ContractErrors) {
  EXPECT_TRUE(RecordBatchBuilder({}).build().error().is(RecordErrc::invalid_argument));  // no records
  RecordBatchBuilder bad_ts({});
  EXPECT_TRUE(bad_ts.append(-2, std::nullopt, std::nullopt).error().is(RecordErrc::invalid_argument));

  BatchBuilderOptions txn;
  txn.transactional = true;  // without a producer id
  RecordBatchBuilder b1(txn);
  ASSERT_TRUE(b1.append(1, std::nullopt, std::nullopt));
  EXPECT_TRUE(b1.build().error().is(RecordErrc::invalid_argument));

  BatchBuilderOptions no_seq;
  no_seq.producer_id = ProducerId{1};
  no_seq.producer_epoch = ProducerEpoch{0};
  RecordBatchBuilder b2(no_seq);
  ASSERT_TRUE(b2.append(1, std::nullopt, std::nullopt));
  EXPECT_TRUE(b2.build().error().is(RecordErrc::invalid_argument));

  RecordBatchBuilder b3({});
  ASSERT_TRUE(b3.append(1, std::nullopt, std::nullopt));
  ASSERT_TRUE(b3.build());
  EXPECT_TRUE(b3.build().error().is(RecordErrc::invalid_argument));
  EXPECT_TRUE(b3.append(1, std::nullopt, std::nullopt).error().is(RecordErrc::invalid_argument));

  BatchBuilderOptions bad_level;
  bad_level.compression = {CompressionCodec::zstd, 99};
  RecordBatchBuilder b4(bad_level);
  ASSERT_TRUE(b4.append(1, std::nullopt, std::nullopt));
  EXPECT_TRUE(b4.build().error().is(RecordErrc::invalid_config));
}

TEST(RecompressBatch, KeepsEverythingButTheCodec) {
  std::mt19937_64 rng(44);
  const auto records = random_records(rng, 50, true, true, kBaseTimestamp);
  BatchBuilderOptions options;
  options.base_offset = Offset{777};
  options.partition_leader_epoch = LeaderEpoch{4};
  options.producer_id = ProducerId{9};
  options.producer_epoch = ProducerEpoch{1};
  options.base_sequence = 10;
  options.compression = Compression::of(CompressionCodec::snappy);
  const bytes original = build_batch(records, options);
  const auto source = *RecordBatchView::parse(original);
  for (CompressionCodec codec : kAllCodecs) {
    auto converted = recompress_batch(source, Compression::of(codec));
    ASSERT_TRUE(converted) << converted.error().to_string();
    auto view = RecordBatchView::parse(*converted);
    ASSERT_TRUE(view);
    EXPECT_TRUE(view->verify_crc());
    EXPECT_EQ(*view->codec(), codec);
    EXPECT_EQ(view->base_offset(), source.base_offset());
    EXPECT_EQ(view->last_offset_delta(), source.last_offset_delta());
    EXPECT_EQ(view->partition_leader_epoch(), source.partition_leader_epoch());
    EXPECT_EQ(view->max_timestamp(), source.max_timestamp());
    EXPECT_EQ(view->producer_id(), source.producer_id());
    EXPECT_EQ(view->base_sequence(), source.base_sequence());
    auto parsed_holder = BatchRecords::open(*view);
    ASSERT_TRUE(parsed_holder);
    auto parsed = parsed_holder->read_all();
    ASSERT_TRUE(parsed);
    ASSERT_EQ(parsed->size(), records.size());
    for (size_t i = 0; i < records.size(); ++i) expect_same_record(records[i], (*parsed)[i]);
    if (codec == CompressionCodec::snappy) {
      EXPECT_EQ(*converted, original);  // deterministic
    }
  }
}

}  // namespace
}  // namespace strata::record
