// Append validation: each Kafka error it answers, offset assignment, what is decompressed and
// when, and codec conversion.
#include "record/validation.h"

#include <gtest/gtest.h>

#include <random>

#include "record/control_record.h"
#include "record/tests/test_util.h"

namespace strata::record {
namespace {

using testing::build_batch;
using testing::expect_same_record;
using testing::TestRecord;

constexpr int64_t kNow = 1700000000000;
constexpr int64_t kHourMs = int64_t{3600} * 1000;

std::vector<TestRecord> three_records(int64_t ts = kNow) {
  return {{ts - 5, to_bytes("k0"), to_bytes("v0"), {}},
          {ts + 10, to_bytes("k1"), to_bytes("v1"), {{"h", to_bytes("x")}}},
          {ts, to_bytes("k2"), std::nullopt, {}}};
}

bytes batch_of(const std::vector<TestRecord>& records, CompressionCodec codec = CompressionCodec::none) {
  BatchBuilderOptions options;
  options.compression = Compression::of(codec);
  return build_batch(records, options);
}

AppendOptions options_at(int64_t next_offset) {
  AppendOptions o;
  o.next_offset = Offset{next_offset};
  o.partition_leader_epoch = LeaderEpoch{5};
  o.now_ms = kNow;
  return o;
}

void fix_crc(bytes& raw) { MutableRecordBatch::parse(raw)->update_crc(); }

TEST(Validation, KafkaErrorCodes) {
  using namespace kafka_errors;
  const std::vector<std::pair<RecordErrc, int16_t>> table = {
      {RecordErrc::truncated, kCorruptMessage},
      {RecordErrc::batch_too_small, kCorruptMessage},
      {RecordErrc::batch_too_large, kCorruptMessage},
      {RecordErrc::invalid_magic, kCorruptMessage},
      {RecordErrc::crc_mismatch, kCorruptMessage},
      {RecordErrc::unknown_compression, kCorruptMessage},
      {RecordErrc::decompression_failed, kCorruptMessage},
      {RecordErrc::decompressed_too_large, kCorruptMessage},
      {RecordErrc::unsupported_magic, kInvalidRecord},
      {RecordErrc::invalid_batch, kInvalidRecord},
      {RecordErrc::invalid_record, kInvalidRecord},
      {RecordErrc::record_count_mismatch, kInvalidRecord},
      {RecordErrc::control_batch_from_client, kInvalidRecord},
      {RecordErrc::multiple_batches, kInvalidRecord},
      {RecordErrc::no_batch, kInvalidRecord},
      {RecordErrc::null_key_compacted, kInvalidRecord},
      {RecordErrc::message_too_large, kMessageTooLarge},
      {RecordErrc::invalid_timestamp, kInvalidTimestamp},
      {RecordErrc::unsupported_compression, kUnsupportedCompressionType},
      {RecordErrc::invalid_config, kInvalidConfig},
      {RecordErrc::compression_failed, kUnknownServerError},
      {RecordErrc::invalid_argument, kUnknownServerError},
  };
  for (const auto& [errc, code] : table) {
    EXPECT_EQ(kafka_error_code(errc), code) << static_cast<int>(errc);
    EXPECT_EQ(kafka_error_code(Error(errc, "x")), code);
  }
  EXPECT_EQ(kCorruptMessage, 2);
  EXPECT_EQ(kMessageTooLarge, 10);
  EXPECT_EQ(kInvalidTimestamp, 32);
  EXPECT_EQ(kInvalidRecord, 87);
  EXPECT_EQ(kUnsupportedCompressionType, 76);
  EXPECT_EQ(kafka_error_code(Error()), kUnknownServerError);
}

TEST(Validation, UncompressedBatchIsWalkedAndAssignedInPlace) {
  bytes raw = batch_of(three_records());
  auto info = validate_and_assign(raw, options_at(100));
  ASSERT_TRUE(info) << info.error().to_string();
  EXPECT_EQ(info->first_offset, Offset{100});
  EXPECT_EQ(info->last_offset, Offset{102});
  EXPECT_EQ(info->record_count, 3);
  EXPECT_EQ(info->max_timestamp, kNow + 10);
  EXPECT_EQ(info->offset_of_max_timestamp, Offset{101});
  EXPECT_TRUE(info->records_walked);
  EXPECT_FALSE(info->decompressed);
  EXPECT_FALSE(info->converted);
  auto view = RecordBatchView::parse(raw);
  ASSERT_TRUE(view);
  EXPECT_EQ(view->base_offset(), Offset{100});
  EXPECT_EQ(view->partition_leader_epoch(), LeaderEpoch{5});
  EXPECT_TRUE(view->verify_crc());
  auto records_holder = BatchRecords::open(*view);
  ASSERT_TRUE(records_holder);
  auto records = records_holder->read_all();
  ASSERT_TRUE(records);
  EXPECT_EQ((*records)[2].offset, Offset{102});
}

// The zero-copy path: a compressed CreateTime batch on a topic without timestamp bounds is not
// decompressed. Proof: its compressed payload is garbage (with a valid CRC) and it still passes;
// deep validation then rejects it.
TEST(Validation, CompressedBatchWithoutChecksToMakeIsNotDecompressed) {
  for (CompressionCodec codec :
       {CompressionCodec::gzip, CompressionCodec::snappy, CompressionCodec::lz4, CompressionCodec::zstd}) {
    bytes raw = batch_of(three_records(), codec);
    const bytes payload(raw.begin() + kRecordsOffset, raw.end());
    auto info = validate_and_assign(raw, options_at(7));
    ASSERT_TRUE(info) << info.error().to_string();
    EXPECT_FALSE(info->records_walked);
    EXPECT_FALSE(info->decompressed);
    EXPECT_EQ(info->max_timestamp, kNow + 10);  // the header's
    EXPECT_FALSE(info->offset_of_max_timestamp);
    EXPECT_EQ(info->source_codec, codec);
    EXPECT_EQ(info->stored_codec, codec);
    EXPECT_TRUE(equal_bytes(bytes_view(raw).subspan(kRecordsOffset), payload)) << "payload untouched";
    EXPECT_EQ(RecordBatchView::parse(raw)->base_offset(), Offset{7});

    bytes garbage = batch_of(three_records(), codec);
    for (size_t i = kRecordsOffset; i < garbage.size(); ++i) garbage[i] = std::byte{0x5a};
    fix_crc(garbage);
    bytes copy = garbage;
    EXPECT_TRUE(validate_and_assign(garbage, options_at(0)));
    AppendOptions deep = options_at(0);
    deep.deep_validation = true;
    auto rejected = validate_and_assign(copy, deep);
    ASSERT_FALSE(rejected);
    EXPECT_TRUE(rejected.error().is(RecordErrc::decompression_failed)) << rejected.error().to_string();
    EXPECT_EQ(kafka_error_code(rejected.error()), kafka_errors::kCorruptMessage);
  }
}

TEST(Validation, LogAppendTimeTopicRewritesMaxTimestampAndCrc) {
  for (CompressionCodec codec : {CompressionCodec::none, CompressionCodec::zstd}) {
    bytes raw = batch_of(three_records(), codec);
    AppendOptions o = options_at(50);
    o.timestamp_type = TimestampType::log_append_time;
    o.now_ms = kNow + kHourMs;
    auto info = validate_and_assign(raw, o);
    ASSERT_TRUE(info) << info.error().to_string();
    EXPECT_EQ(info->max_timestamp, kNow + kHourMs);
    EXPECT_EQ(info->log_append_time, kNow + kHourMs);
    EXPECT_EQ(info->offset_of_max_timestamp, Offset{50});
    EXPECT_EQ(info->records_walked, codec == CompressionCodec::none);
    auto view = RecordBatchView::parse(raw);
    EXPECT_EQ(view->timestamp_type(), TimestampType::log_append_time);
    EXPECT_EQ(view->max_timestamp(), kNow + kHourMs);
    EXPECT_TRUE(view->verify_crc());
    auto records_holder = BatchRecords::open(*view);
    ASSERT_TRUE(records_holder);
    auto records = records_holder->read_all();
    ASSERT_TRUE(records);
    for (const auto& r : *records) {
      EXPECT_EQ(r.timestamp, kNow + kHourMs);
    }
  }
}

TEST(Validation, CorruptAndOversizedBatches) {
  bytes raw = batch_of(three_records());
  raw[raw.size() - 2] ^= std::byte{0x10};
  auto crc = validate_and_assign(raw, options_at(0));
  ASSERT_FALSE(crc);
  EXPECT_TRUE(crc.error().is(RecordErrc::crc_mismatch));
  EXPECT_EQ(kafka_error_code(crc.error()), kafka_errors::kCorruptMessage);

  bytes big = batch_of(three_records());
  AppendOptions o = options_at(0);
  o.max_message_bytes = static_cast<int32_t>(big.size()) - 1;
  auto too_large = validate_and_assign(big, o);
  ASSERT_FALSE(too_large);
  EXPECT_TRUE(too_large.error().is(RecordErrc::message_too_large));
  EXPECT_EQ(kafka_error_code(too_large.error()), kafka_errors::kMessageTooLarge);
  o.max_message_bytes = static_cast<int32_t>(big.size());
  EXPECT_TRUE(validate_and_assign(big, o));
}

TEST(Validation, BatchHeaderChecks) {
  auto expect = [](bytes raw, RecordErrc errc, int16_t kafka, AppendOrigin origin = AppendOrigin::client) {
    AppendOptions o = options_at(0);
    o.origin = origin;
    auto r = validate_and_assign(raw, o);
    ASSERT_FALSE(r);
    EXPECT_TRUE(r.error().is(errc)) << r.error().to_string();
    EXPECT_EQ(kafka_error_code(r.error()), kafka);
  };
  using namespace kafka_errors;
  {
    bytes raw = batch_of(three_records());
    MutableRecordBatch::parse(raw)->set_base_offset(Offset{3});  // clients send base offset 0
    expect(raw, RecordErrc::invalid_batch, kInvalidRecord);
    AppendOptions o = options_at(0);
    o.origin = AppendOrigin::coordinator;
    EXPECT_TRUE(validate_and_assign(raw, o));
  }
  {
    bytes raw = batch_of(three_records());
    store_be<uint32_t>(raw.data() + kRecordCountOffset, 2);  // lastOffsetDelta says 3
    fix_crc(raw);
    expect(raw, RecordErrc::invalid_batch, kInvalidRecord);
  }
  {
    bytes raw = batch_of(three_records());
    store_be<uint32_t>(raw.data() + kRecordCountOffset, 0);
    store_be<uint32_t>(raw.data() + kLastOffsetDeltaOffset, 0xffffffffu);
    fix_crc(raw);
    expect(raw, RecordErrc::invalid_batch, kInvalidRecord);
  }
  {
    // Header consistent (4 records, lastOffsetDelta 3) but only 3 records present.
    bytes raw = batch_of(three_records());
    store_be<uint32_t>(raw.data() + kRecordCountOffset, 4);
    store_be<uint32_t>(raw.data() + kLastOffsetDeltaOffset, 3);
    fix_crc(raw);
    expect(raw, RecordErrc::record_count_mismatch, kInvalidRecord);
  }
  {
    bytes raw = batch_of(three_records());
    store_be<uint64_t>(raw.data() + kProducerIdOffset, 77);  // idempotent without a sequence
    store_be<uint16_t>(raw.data() + kProducerEpochOffset, 0);
    fix_crc(raw);
    expect(raw, RecordErrc::invalid_batch, kInvalidRecord);
  }
  {
    bytes raw = batch_of(three_records());
    store_be<uint16_t>(raw.data() + kAttributesOffset, 5);
    fix_crc(raw);
    expect(raw, RecordErrc::unknown_compression, kCorruptMessage);
  }
  {
    bytes raw = batch_of(three_records());
    raw[kRecordsOffset] = std::byte{0x7f};  // first record's length varint: past the batch
    fix_crc(raw);
    expect(raw, RecordErrc::invalid_record, kInvalidRecord);
  }
}

TEST(Validation, ControlBatchesOnlyFromTheCoordinator) {
  EndTxnMarkerBatch spec;
  spec.producer_id = ProducerId{1};
  spec.producer_epoch = ProducerEpoch{0};
  spec.timestamp = kNow;
  spec.marker = {ControlRecordType::abort, 3};
  bytes raw = *build_end_txn_marker_batch(spec);
  bytes copy = raw;
  auto client = validate_and_assign(raw, options_at(0));
  ASSERT_FALSE(client);
  EXPECT_TRUE(client.error().is(RecordErrc::control_batch_from_client));
  EXPECT_EQ(kafka_error_code(client.error()), kafka_errors::kInvalidRecord);
  AppendOptions o = options_at(9);
  o.origin = AppendOrigin::coordinator;
  o.compression.type = TopicCompressionType::gzip;  // control records stay uncompressed
  auto info = validate_and_assign(copy, o);
  ASSERT_TRUE(info) << info.error().to_string();
  EXPECT_FALSE(info->converted);
  EXPECT_EQ(info->stored_codec, CompressionCodec::none);
  EXPECT_EQ(RecordBatchView::parse(copy)->base_offset(), Offset{9});
}

TEST(Validation, TimestampBoundsAreCheckedPerRecordEvenWhenCompressed) {
  for (CompressionCodec codec : {CompressionCodec::none, CompressionCodec::lz4}) {
    std::vector<TestRecord> records = three_records();
    records.push_back({kNow - 2 * kHourMs, to_bytes("old"), to_bytes("v"), {}});
    records.push_back({kNow + 2 * kHourMs, to_bytes("future"), to_bytes("v"), {}});
    records.push_back({kNoTimestamp, to_bytes("none"), to_bytes("v"), {}});  // never checked
    bytes raw = batch_of(records, codec);
    AppendOptions o = options_at(0);
    o.timestamp_before_max_ms = kHourMs;
    o.timestamp_after_max_ms = kHourMs;
    std::vector<RecordError> errors;
    auto r = validate_and_assign(raw, o, &errors);
    ASSERT_FALSE(r);
    EXPECT_TRUE(r.error().is(RecordErrc::invalid_timestamp)) << r.error().to_string();
    EXPECT_EQ(kafka_error_code(r.error()), kafka_errors::kInvalidTimestamp);
    ASSERT_EQ(errors.size(), 2u);
    EXPECT_EQ(errors[0].batch_index, 3);
    EXPECT_EQ(errors[1].batch_index, 4);
    EXPECT_NE(errors[0].message.find("is out of range"), std::string::npos);

    // Within the bounds it passes, and a compressed batch was decompressed to check it.
    bytes ok = batch_of(three_records(), codec);
    auto info = validate_and_assign(ok, o);
    ASSERT_TRUE(info) << info.error().to_string();
    EXPECT_TRUE(info->records_walked);
    EXPECT_EQ(info->decompressed, codec != CompressionCodec::none);
  }
}

TEST(Validation, ProducerMustNotSetLogAppendTime) {
  BatchBuilderOptions lat;
  lat.timestamp_type = TimestampType::log_append_time;
  lat.log_append_time = kNow;
  bytes raw = build_batch(three_records(), lat);
  bytes copy = raw;
  AppendOptions lat_topic = options_at(0);
  lat_topic.timestamp_type = TimestampType::log_append_time;
  std::vector<RecordError> errors;
  auto r = validate_and_assign(raw, lat_topic, &errors);
  ASSERT_FALSE(r);
  EXPECT_TRUE(r.error().is(RecordErrc::invalid_timestamp));
  EXPECT_EQ(errors.size(), 3u);
  // On a CreateTime topic Kafka reads the records' timestamps as the batch's and accepts them.
  auto info = validate_and_assign(copy, options_at(0));
  ASSERT_TRUE(info) << info.error().to_string();
  EXPECT_EQ(RecordBatchView::parse(copy)->timestamp_type(), TimestampType::create_time);
  EXPECT_TRUE(RecordBatchView::parse(copy)->verify_crc());
}

TEST(Validation, CompactedTopicNeedsKeys) {
  for (CompressionCodec codec : {CompressionCodec::none, CompressionCodec::snappy}) {
    std::vector<TestRecord> records = three_records();
    records[1].key.reset();
    bytes raw = batch_of(records, codec);
    const bytes before = raw;
    AppendOptions o = options_at(40);
    o.compacted = true;
    std::vector<RecordError> errors;
    auto r = validate_and_assign(raw, o, &errors);
    ASSERT_FALSE(r);
    EXPECT_EQ(raw, before) << "a failed append leaves the bytes as they were";
    EXPECT_TRUE(r.error().is(RecordErrc::null_key_compacted)) << r.error().to_string();
    EXPECT_EQ(kafka_error_code(r.error()), kafka_errors::kInvalidRecord);
    ASSERT_EQ(errors.size(), 1u);
    EXPECT_EQ(errors[0].batch_index, 1);
    bytes keyed = batch_of(three_records(), codec);
    EXPECT_TRUE(validate_and_assign(keyed, o));
  }
}

TEST(Validation, TopicCodecConversion) {
  std::mt19937_64 rng(11);
  const auto records = testing::random_records(rng, 30, true, false, kNow);
  for (auto [source, topic, stored] :
       {std::tuple{CompressionCodec::gzip, TopicCompressionType::zstd, CompressionCodec::zstd},
        std::tuple{CompressionCodec::none, TopicCompressionType::lz4, CompressionCodec::lz4},
        std::tuple{CompressionCodec::snappy, TopicCompressionType::uncompressed, CompressionCodec::none}}) {
    bytes raw = batch_of(records, source);
    AppendOptions o = options_at(1000);
    o.compression.type = topic;
    auto info = validate_and_assign(raw, o);
    ASSERT_TRUE(info) << info.error().to_string();
    ASSERT_TRUE(info->converted);
    EXPECT_EQ(info->source_codec, source);
    EXPECT_EQ(info->stored_codec, stored);
    auto view = RecordBatchView::parse(*info->converted);
    ASSERT_TRUE(view);
    EXPECT_TRUE(view->verify_crc());
    EXPECT_EQ(*view->codec(), stored);
    EXPECT_EQ(view->base_offset(), Offset{1000});
    EXPECT_EQ(view->partition_leader_epoch(), LeaderEpoch{5});
    EXPECT_EQ(view->last_offset(), info->last_offset);
    auto parsed_holder = BatchRecords::open(*view);
    ASSERT_TRUE(parsed_holder);
    auto parsed = parsed_holder->read_all();
    ASSERT_TRUE(parsed);
    ASSERT_EQ(parsed->size(), records.size());
    for (size_t i = 0; i < records.size(); ++i) expect_same_record(records[i], (*parsed)[i]);
  }
  // Same codec, different topic level: no conversion (Kafka compares codecs only).
  bytes raw = batch_of(records, CompressionCodec::zstd);
  AppendOptions o = options_at(0);
  o.compression = {TopicCompressionType::zstd, kGzipDefaultLevel, kLz4DefaultLevel, 19};
  auto info = validate_and_assign(raw, o);
  ASSERT_TRUE(info);
  EXPECT_FALSE(info->converted);
}

TEST(Validation, ConvertedBatchMustFitTheLimit) {
  std::mt19937_64 rng(12);
  std::vector<TestRecord> records = {{kNow, to_bytes("k"), testing::random_bytes(rng, 5000, 0.0), {}}};
  bytes raw = batch_of(records, CompressionCodec::none);
  AppendOptions o = options_at(0);
  o.compression.type = TopicCompressionType::gzip;  // gzip of random bytes grows a little
  o.max_message_bytes = static_cast<int32_t>(raw.size());
  auto r = validate_and_assign(raw, o);
  ASSERT_FALSE(r);
  EXPECT_TRUE(r.error().is(RecordErrc::message_too_large));
}

TEST(Validation, CompressedBatchWithGappedOffsetsIsRebuilt) {
  BatchBuilderOptions gzip;
  gzip.compression = Compression::of(CompressionCodec::gzip);
  RecordBatchBuilder builder(gzip);
  ASSERT_TRUE(builder.append_with_offset_delta(0, kNow, as_bytes_view("a"), as_bytes_view("1")));
  ASSERT_TRUE(builder.append_with_offset_delta(2, kNow, as_bytes_view("b"), as_bytes_view("2")));
  bytes raw = *builder.build();
  // Make the header consistent with two records (Kafka's client check), keeping the gap inside.
  store_be<uint32_t>(raw.data() + kLastOffsetDeltaOffset, 1);
  fix_crc(raw);
  AppendOptions o = options_at(10);
  o.deep_validation = true;
  auto info = validate_and_assign(raw, o);
  ASSERT_TRUE(info) << info.error().to_string();
  ASSERT_TRUE(info->converted);
  auto view = RecordBatchView::parse(*info->converted);
  auto records_holder = BatchRecords::open(*view);
  ASSERT_TRUE(records_holder);
  auto records = records_holder->read_all();
  ASSERT_TRUE(records);
  EXPECT_EQ((*records)[0].offset, Offset{10});
  EXPECT_EQ((*records)[1].offset, Offset{11});
}

TEST(Validation, DecompressionBombIsRefused) {
  std::vector<TestRecord> records = {{kNow, to_bytes("k"), bytes(size_t{4} * 1024 * 1024), {}}};
  bytes raw = batch_of(records, CompressionCodec::zstd);
  AppendOptions o = options_at(0);
  o.compacted = true;  // forces the walk
  o.max_decompressed_bytes = size_t{1024} * 1024;
  auto r = validate_and_assign(raw, o);
  ASSERT_FALSE(r);
  EXPECT_TRUE(r.error().is(RecordErrc::decompressed_too_large));
  EXPECT_EQ(kafka_error_code(r.error()), kafka_errors::kCorruptMessage);
}

TEST(ProduceRecords, OneCompleteV2BatchPerPartition) {
  bytes one = batch_of(three_records());
  auto batch = check_produce_records(one, 9);
  ASSERT_TRUE(batch);
  EXPECT_EQ(batch->size(), one.size());
  EXPECT_EQ(batch->data(), one.data());

  bytes none;
  EXPECT_TRUE(check_produce_records(none, 9).error().is(RecordErrc::no_batch));
  EXPECT_TRUE(check_produce_records(std::span<std::byte>(one).first(30), 9).error().is(RecordErrc::no_batch));

  bytes two = one;
  two.insert(two.end(), one.begin(), one.end());
  auto multiple = check_produce_records(two, 9);
  EXPECT_TRUE(multiple.error().is(RecordErrc::multiple_batches));
  EXPECT_EQ(kafka_error_code(multiple.error()), kafka_errors::kInvalidRecord);

  bytes trailing = one;
  trailing.insert(trailing.end(), one.begin(), one.begin() + 20);
  EXPECT_TRUE(check_produce_records(trailing, 9).error().is(RecordErrc::truncated));

  bytes legacy = one;
  legacy[kMagicOffset] = std::byte{1};
  auto magic = check_produce_records(legacy, 9);
  EXPECT_TRUE(magic.error().is(RecordErrc::unsupported_magic));
  EXPECT_EQ(kafka_error_code(magic.error()), kafka_errors::kInvalidRecord);

  bytes zstd = batch_of(three_records(), CompressionCodec::zstd);
  EXPECT_TRUE(check_produce_records(zstd, 7));
  auto old = check_produce_records(zstd, 6);
  EXPECT_TRUE(old.error().is(RecordErrc::unsupported_compression));
  EXPECT_EQ(kafka_error_code(old.error()), kafka_errors::kUnsupportedCompressionType);
}

}  // namespace
}  // namespace strata::record
