// Records inside a batch: the varint layout, strict bounds on every field, count checks, and
// control records.
#include "record/record.h"

#include <gtest/gtest.h>

#include <random>

#include "record/control_record.h"
#include "record/tests/test_util.h"

namespace strata::record {
namespace {

using testing::from_hex;
using testing::to_hex;

RecordContext context_at(int64_t base_offset, int64_t base_timestamp) {
  RecordContext c;
  c.base_offset = Offset{base_offset};
  c.base_timestamp = base_timestamp;
  return c;
}

TEST(Record, ParsesKafkaEncoding) {
  // kcat's first record: length 10, attributes 0, timestampDelta 0, offsetDelta 0, key "k1",
  // value "v1", no headers.
  const bytes raw = from_hex("14 00 00 00 04 6b31 04 7631 00");
  auto r = parse_record(raw, context_at(100, 5000));
  ASSERT_TRUE(r) << r.error().to_string();
  EXPECT_EQ(r->size_in_bytes, raw.size());
  EXPECT_EQ(r->offset, Offset{100});
  EXPECT_EQ(r->timestamp, 5000);
  EXPECT_EQ(as_string_view(*r->key), "k1");
  EXPECT_EQ(as_string_view(*r->value), "v1");
  EXPECT_TRUE(r->headers.empty());
}

TEST(Record, EncodesNullsHeadersAndNegativeDeltas) {
  const std::vector<RecordHeaderView> headers = {{"trace", as_bytes_view("abc")}, {"empty", std::nullopt}};
  bytes out;
  append_record(out, 3, -7, std::nullopt, as_bytes_view("v"), headers);
  EXPECT_EQ(out.size(), record_size(3, -7, std::nullopt, as_bytes_view("v"), headers));
  // length 24 | attrs 0 | tsDelta -7 (zigzag 13) | offsetDelta 3 (6) | key null (1) | value len 1
  // (2) 'v' | 2 headers (4) | "trace" (len 10) "abc" (len 6) | "empty" (len 10) null (1)
  EXPECT_EQ(to_hex(out),
            "30000d0601027604"
            "0a7472616365"
            "06616263"
            "0a656d707479"
            "01");
  auto r = parse_record(out, context_at(10, 1000));
  ASSERT_TRUE(r) << r.error().to_string();
  EXPECT_EQ(r->offset_delta, 3);
  EXPECT_EQ(r->offset, Offset{13});
  EXPECT_EQ(r->timestamp_delta, -7);
  EXPECT_EQ(r->timestamp, 993);
  EXPECT_FALSE(r->key);
  EXPECT_EQ(r->headers.to_vector(), headers);
}

TEST(Record, LogAppendTimeOverridesDeltas) {
  bytes out;
  append_record(out, 0, 42, as_bytes_view("k"), as_bytes_view("v"), {});
  RecordContext c = context_at(0, 1000);
  c.log_append_time = 99999;
  EXPECT_EQ(parse_record(out, c)->timestamp, 99999);
}

TEST(Record, EveryTruncationIsAnError) {
  const std::vector<RecordHeaderView> headers = {{"h", as_bytes_view("hv")}};
  bytes out;
  append_record(out, 1, 1, as_bytes_view("key"), as_bytes_view("value"), headers);
  for (size_t cut = 0; cut < out.size(); ++cut) {
    auto r = parse_record(bytes_view(out).first(cut), context_at(0, 0));
    ASSERT_FALSE(r) << cut;
    EXPECT_TRUE(r.error().is(RecordErrc::invalid_record)) << r.error().to_string();
  }
}

// Records whose declared length disagrees with their fields, or whose fields are malformed.
TEST(Record, MalformedFieldsAreRejected) {
  auto expect_invalid = [](std::string_view hex, std::string_view why) {
    auto r = parse_record(from_hex(hex), RecordContext{});
    ASSERT_FALSE(r) << why;
    EXPECT_TRUE(r.error().is(RecordErrc::invalid_record)) << why << ": " << r.error().to_string();
  };
  expect_invalid("01", "negative record length");
  expect_invalid("16 00 00 00 04 6b31 04 7631 00 00", "length covers a byte no field reads");
  expect_invalid("12 00 00 00 04 6b31 04 7631 00", "length ends inside the header count");
  expect_invalid("14 00 00 00 03 6b31 04 7631 00", "key length -2");
  expect_invalid("14 00 00 00 08 6b31 04 7631 00", "key length past the record");
  expect_invalid("14 00 00 00 04 6b31 04 7631 02", "one header declared, none present");
  expect_invalid("14 00 00 00 04 6b31 04 7631 01", "negative header count");
  expect_invalid("10 00 00 00 01 01 0a 01 616201", "header count 5 with 4 bytes left");
  expect_invalid("0e 00 00 00 01 01 02 01 0601", "negative header key length");
  expect_invalid("20 00 ffffffffffffffffffff01 00 01 01 00", "timestampDelta varint too long");
  expect_invalid("14 00 00 ffffffff1f 01 01 00", "offsetDelta over 32 bits");
  expect_invalid("ffffffffff", "record length varint too long");
}

TEST(RecordIterator, CountMustMatch) {
  bytes two;
  append_record(two, 0, 0, as_bytes_view("a"), as_bytes_view("1"), {});
  append_record(two, 1, 0, as_bytes_view("b"), as_bytes_view("2"), {});
  {
    RecordIterator it(two, 2, RecordContext{});
    EXPECT_TRUE(*it.next());
    EXPECT_TRUE(*it.next());
    auto end = it.next();
    ASSERT_TRUE(end);
    EXPECT_FALSE(end->has_value());
    EXPECT_EQ(it.records_read(), 2);
  }
  {
    RecordIterator it(two, 3, RecordContext{});  // declares more than present
    EXPECT_TRUE(it.next());
    EXPECT_TRUE(it.next());
    EXPECT_TRUE(it.next().error().is(RecordErrc::record_count_mismatch));
  }
  {
    RecordIterator it(two, 1, RecordContext{});  // bytes remain after the declared records
    EXPECT_TRUE(it.next());
    EXPECT_TRUE(it.next().error().is(RecordErrc::record_count_mismatch));
  }
  {
    RecordIterator it({}, 0, RecordContext{});
    EXPECT_FALSE(it.next()->has_value());
  }
}

TEST(BatchRecords, NegativeCountAndUnknownCodec) {
  testing::TestRecord rec{1, to_bytes("k"), to_bytes("v"), {}};
  bytes raw = testing::build_batch({rec}, BatchBuilderOptions{});
  store_be<uint32_t>(raw.data() + kRecordCountOffset, 0xffffffffu);
  auto view = RecordBatchView::parse(raw);
  ASSERT_TRUE(view);
  EXPECT_TRUE(BatchRecords::open(*view).error().is(RecordErrc::record_count_mismatch));
  store_be<uint32_t>(raw.data() + kRecordCountOffset, 1);
  store_be<uint16_t>(raw.data() + kAttributesOffset, 6);
  EXPECT_TRUE(BatchRecords::open(*view).error().is(RecordErrc::unknown_compression));
}

TEST(BatchRecords, HugeDeclaredCountDoesNotAllocate) {
  testing::TestRecord rec{1, to_bytes("k"), to_bytes("v"), {}};
  bytes raw = testing::build_batch({rec}, BatchBuilderOptions{});
  store_be<uint32_t>(raw.data() + kRecordCountOffset, 0x7fffffffu);
  auto records = BatchRecords::open(*RecordBatchView::parse(raw));
  ASSERT_TRUE(records);
  EXPECT_TRUE(records->read_all().error().is(RecordErrc::record_count_mismatch));
}

// Random damage to the records of a batch (CRC fixed up, so only parsing stands guard) never
// reads out of bounds (ASan build) and never succeeds with a different record count.
TEST(BatchRecords, RandomDamageIsContained) {
  std::mt19937_64 rng(77);
  std::uniform_int_distribution<int> any_byte(0, 255);
  for (CompressionCodec codec : {CompressionCodec::none, CompressionCodec::gzip, CompressionCodec::zstd}) {
    const auto records = testing::random_records(rng, 20, true, true, 1000);
    BatchBuilderOptions options;
    options.compression = Compression::of(codec);
    const bytes original = testing::build_batch(records, options);
    std::uniform_int_distribution<size_t> position(kRecordsOffset, original.size() - 1);
    std::uniform_int_distribution<int> damage_count(1, 4);
    for (int trial = 0; trial < 400; ++trial) {
      bytes damaged = original;
      for (int d = damage_count(rng); d > 0; --d) damaged[position(rng)] = static_cast<std::byte>(any_byte(rng));
      MutableRecordBatch::parse(damaged)->update_crc();
      auto view = RecordBatchView::parse(damaged);
      ASSERT_TRUE(view);
      auto opened = BatchRecords::open(*view, 1 << 20);
      if (!opened) continue;
      auto all = opened->read_all();
      if (all) {
        EXPECT_EQ(all->size(), records.size());
        for (const Record& r : *all) {
          int32_t headers = 0;
          for (const auto& h : r.headers) headers += h.key.size() <= opened->records().size() ? 1 : 0;
          EXPECT_EQ(headers, r.headers.size());
        }
      }
    }
  }
}

TEST(ControlRecord, KeyAndValueLayout) {
  EXPECT_EQ(to_hex(control_record_key(ControlRecordType::abort)), "00000000");
  EXPECT_EQ(to_hex(control_record_key(ControlRecordType::commit)), "00000001");
  EXPECT_EQ(to_hex(end_txn_marker_value(7)), "000000000007");
  EXPECT_EQ(*parse_control_record_type(from_hex("00000001")), ControlRecordType::commit);
  EXPECT_EQ(*parse_control_record_type(from_hex("00000002")), ControlRecordType::leader_change);
  EXPECT_EQ(*parse_control_record_type(from_hex("00000063")), ControlRecordType::unknown);
  // A newer key version is read as version 0; a negative one is corrupt; short keys are invalid.
  EXPECT_EQ(*parse_control_record_type(from_hex("0005000000ff")), ControlRecordType::abort);
  EXPECT_TRUE(parse_control_record_type(from_hex("ffff0000")).error().is(RecordErrc::invalid_record));
  EXPECT_TRUE(parse_control_record_type(from_hex("000000")).error().is(RecordErrc::invalid_record));
}

TEST(ControlRecord, EndTxnMarkerBatchIsWhatKafkaWrites) {
  EndTxnMarkerBatch spec;
  spec.base_offset = Offset{42};
  spec.partition_leader_epoch = LeaderEpoch{3};
  spec.timestamp = 1700000000000;
  spec.producer_id = ProducerId{1000};
  spec.producer_epoch = ProducerEpoch{2};
  spec.marker = {ControlRecordType::commit, 9};
  auto raw = build_end_txn_marker_batch(spec);
  ASSERT_TRUE(raw) << raw.error().to_string();
  auto view = RecordBatchView::parse(*raw);
  ASSERT_TRUE(view);
  EXPECT_TRUE(view->verify_crc());
  EXPECT_TRUE(view->is_control());
  EXPECT_TRUE(view->is_transactional());
  EXPECT_EQ(view->attributes(), 0x30);
  EXPECT_EQ(view->base_offset(), Offset{42});
  EXPECT_EQ(view->last_offset_delta(), 0);
  EXPECT_EQ(view->record_count(), 1);
  EXPECT_EQ(view->producer_id(), ProducerId{1000});
  EXPECT_EQ(view->producer_epoch(), ProducerEpoch{2});
  EXPECT_EQ(view->base_sequence(), kNoSequence);
  EXPECT_EQ(view->base_timestamp(), 1700000000000);
  EXPECT_EQ(view->max_timestamp(), 1700000000000);
  // One record: length 16, attrs, deltas 0, key (4 bytes), value (6 bytes), no headers.
  EXPECT_EQ(to_hex(view->records_data()),
            "20000000"
            "08"
            "00000001"
            "0c"
            "000000000009"
            "00");
  auto records_holder = BatchRecords::open(*view);
  ASSERT_TRUE(records_holder);
  auto records = records_holder->read_all();
  ASSERT_TRUE(records);
  ASSERT_EQ(records->size(), 1u);
  auto marker = parse_end_txn_marker((*records)[0]);
  ASSERT_TRUE(marker);
  EXPECT_EQ(*marker, (EndTxnMarker{ControlRecordType::commit, 9}));

  spec.marker.type = ControlRecordType::leader_change;
  EXPECT_TRUE(build_end_txn_marker_batch(spec).error().is(RecordErrc::invalid_argument));
}

TEST(ControlRecord, MarkerParsingRejectsOtherRecords) {
  Record r;
  EXPECT_FALSE(parse_end_txn_marker(r));
  const auto key = control_record_key(ControlRecordType::abort);
  r.key = bytes_view(key);
  const bytes short_value = from_hex("0000");
  r.value = bytes_view(short_value);
  EXPECT_TRUE(parse_end_txn_marker(r).error().is(RecordErrc::invalid_record));
  const auto leader = control_record_key(ControlRecordType::leader_change);
  r.key = bytes_view(leader);
  const auto value = end_txn_marker_value(1);
  r.value = bytes_view(value);
  EXPECT_TRUE(parse_end_txn_marker(r).error().is(RecordErrc::invalid_record));
}

}  // namespace
}  // namespace strata::record
