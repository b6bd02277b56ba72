// Record batches written by real Kafka clients: the Produce request frames captured from kcat
// (librdkafka 2.0.2) and kafka-python 2.0.2 in src/protocol/tests/golden/, whose decoded contents
// an independent Python decoder recorded in facts.json. The protocol module only unwraps the
// request; everything about the batch is this module's reading, checked against the facts, and
// our builder must write the uncompressed batches back byte for byte.
#include <gtest/gtest.h>

#include <fstream>
#include <nlohmann/json.hpp>
#include <string>

#include "protocol/codec.h"
#include "protocol/generated/messages/produce_request.h"
#include "protocol/request_frame.h"
#include "record/record.h"
#include "record/record_batch.h"
#include "record/record_batch_builder.h"
#include "record/tests/test_util.h"
#include "record/validation.h"

namespace strata::record {
namespace {

using json = nlohmann::json;

const std::string kGoldenDir = STRATA_PROTOCOL_GOLDEN_DIR;
const std::string kCodecGoldenDir = STRATA_RECORD_GOLDEN_DIR;

// NOLINTNEXTLINE(bugprone-exception-escape): nlohmann::json members; a test-only holder.
struct Capture {
  std::string name;
  json facts;
  bytes frame;
  bytes records;  // the partition's records field, copied out of the frame
};

// The partition records of a captured Produce frame in `dir`.
Capture load_frame(const std::string& dir, const std::string& name) {
  Capture c;
  c.name = name;
  c.frame = testing::read_file(dir + "/" + name);
  auto frame = protocol::parse_request_frame(c.frame);
  EXPECT_TRUE(frame) << frame.error().to_string();
  if (!frame) return c;
  auto request = protocol::decode<protocol::ProduceRequest>(frame->body, frame->header.request_api_version);
  EXPECT_TRUE(request) << request.error().to_string();
  if (!request) return c;
  const auto& records = request->topic_data.at(0).partition_data.at(0).records;
  EXPECT_TRUE(records.has_value());
  if (records) c.records.assign(records->data().begin(), records->data().end());
  return c;
}

Capture load(const std::string& name) {
  Capture c = load_frame(kGoldenDir, name);
  std::ifstream in(kGoldenDir + "/facts.json");
  c.facts = json::parse(in).at(name);
  return c;
}

const std::vector<std::string> kProduceCaptures = {"kcat_Produce_v7.bin", "kcat_Produce_v7_gzip.bin",
                                                   "kcat_Produce_v7_idempotent.bin", "kafka-python_Produce_v7.bin",
                                                   "kafka-python_Produce_v7_gzip.bin"};

TEST(GoldenBatches, HeaderAndRecordsMatchTheFacts) {
  for (const auto& name : kProduceCaptures) {
    SCOPED_TRACE(name);
    const Capture c = load(name);
    const json& f = c.facts;
    const json& fb = f.at("body").at("TopicData")[0].at("PartitionData")[0].at("Records").at("batches")[0];
    ASSERT_EQ(c.records.size(), f.at("records_byte_length").get<size_t>());

    auto batches = split_batches(c.records);
    ASSERT_TRUE(batches) << batches.error().to_string();
    ASSERT_EQ(batches->size(), f.at("record_batch_count").get<size_t>());
    const RecordBatchView& b = batches->front();
    EXPECT_EQ(b.magic(), f.at("batch_magic").get<int>());
    EXPECT_EQ(b.verify_crc(), f.at("batch_crc_ok").get<bool>());
    EXPECT_EQ(b.base_offset().value(), f.at("batch_base_offset").get<int64_t>());
    EXPECT_EQ(b.batch_length(), f.at("batch_batch_length").get<int32_t>());
    EXPECT_EQ(b.partition_leader_epoch().value(), fb.at("partition_leader_epoch").get<int32_t>());
    EXPECT_EQ(b.attributes(), f.at("batch_attributes").get<int>());
    EXPECT_EQ(codec_name(*b.codec()), f.at("batch_compression").get<std::string>());
    EXPECT_EQ(b.last_offset_delta(), f.at("batch_last_offset_delta").get<int32_t>());
    EXPECT_EQ(b.base_timestamp(), fb.at("base_timestamp").get<int64_t>());
    EXPECT_EQ(b.max_timestamp(), fb.at("max_timestamp").get<int64_t>());
    EXPECT_EQ(b.producer_id().value(), f.at("batch_producer_id").get<int64_t>());
    EXPECT_EQ(b.producer_epoch().value(), f.at("batch_producer_epoch").get<int16_t>());
    EXPECT_EQ(b.base_sequence(), f.at("batch_base_sequence").get<int32_t>());
    EXPECT_EQ(b.record_count(), f.at("batch_record_count").get<int32_t>());

    auto opened = BatchRecords::open(b);
    ASSERT_TRUE(opened) << opened.error().to_string();
    auto records = opened->read_all();
    ASSERT_TRUE(records) << records.error().to_string();
    const json& fr = fb.at("records");
    ASSERT_EQ(records->size(), fr.size());
    for (size_t i = 0; i < records->size(); ++i) {
      const Record& r = (*records)[i];
      EXPECT_EQ(r.offset_delta, fr[i].at("offset_delta").get<int32_t>());
      EXPECT_EQ(as_string_view(*r.key), fr[i].at("key").get<std::string>());
      EXPECT_EQ(as_string_view(*r.value), fr[i].at("value").get<std::string>());
      EXPECT_EQ(r.headers.size(), fr[i].at("headers").get<int32_t>());
      EXPECT_EQ(as_string_view(*r.key), f.at("record_keys")[i].get<std::string>());
      EXPECT_EQ(as_string_view(*r.value), f.at("record_values")[i].get<std::string>());
    }
  }
}

// Rebuilding each captured batch from its parsed records with our builder: uncompressed batches
// come out byte for byte identical (header, CRC, varints); compressed ones have identical record
// bytes under the codec (gzip's own bytes differ by header mtime/OS and deflate choices).
TEST(GoldenBatches, BuilderReproducesClientBytes) {
  for (const auto& name : kProduceCaptures) {
    SCOPED_TRACE(name);
    const Capture c = load(name);
    const RecordBatchView b = *RecordBatchView::parse(c.records);
    auto opened = BatchRecords::open(b);
    ASSERT_TRUE(opened);
    auto records = opened->read_all();
    ASSERT_TRUE(records);

    BatchBuilderOptions options;
    options.base_offset = b.base_offset();
    options.partition_leader_epoch = b.partition_leader_epoch();
    options.compression = Compression::of(*b.codec());
    options.producer_id = b.producer_id();
    options.producer_epoch = b.producer_epoch();
    options.base_sequence = b.base_sequence();
    RecordBatchBuilder builder(options);
    for (const Record& r : *records) {
      auto headers = r.headers.to_vector();
      ASSERT_TRUE(builder.append_with_offset_delta(r.offset_delta, r.timestamp, r.key, r.value, headers));
    }
    auto rebuilt = builder.build();
    ASSERT_TRUE(rebuilt) << rebuilt.error().to_string();
    auto view = RecordBatchView::parse(*rebuilt);
    ASSERT_TRUE(view);
    if (!b.is_compressed()) {
      EXPECT_EQ(testing::to_hex(*rebuilt), testing::to_hex(c.records));
    } else {
      auto ours = BatchRecords::open(*view);
      ASSERT_TRUE(ours);
      EXPECT_TRUE(equal_bytes(ours->records(), opened->records()));
      // Every header field outside the compressed payload's size and CRC matches too.
      EXPECT_TRUE(equal_bytes(bytes_view(*rebuilt).subspan(kAttributesOffset, kRecordsOffset - kAttributesOffset),
                              bytes_view(c.records).subspan(kAttributesOffset, kRecordsOffset - kAttributesOffset)));
    }
  }
}

// The produce path on real client bytes: checks pass, offsets land, the CRC stays valid, and a
// compressed batch is accepted without being decompressed.
TEST(GoldenBatches, ProducePathAcceptsClientBatches) {
  for (const auto& name : kProduceCaptures) {
    SCOPED_TRACE(name);
    Capture c = load(name);
    auto batch = check_produce_records(c.records, c.facts.at("api_version").get<int16_t>());
    ASSERT_TRUE(batch) << batch.error().to_string();
    AppendOptions options;
    options.next_offset = Offset{1000};
    options.partition_leader_epoch = LeaderEpoch{3};
    options.now_ms = c.facts.at("body")
                         .at("TopicData")[0]
                         .at("PartitionData")[0]
                         .at("Records")
                         .at("batches")[0]
                         .at("max_timestamp")
                         .get<int64_t>();
    auto info = validate_and_assign(*batch, options);
    ASSERT_TRUE(info) << info.error().to_string();
    EXPECT_EQ(info->first_offset, Offset{1000});
    EXPECT_EQ(info->last_offset, Offset{1001});
    EXPECT_EQ(info->decompressed, false);
    const RecordBatchView v = *RecordBatchView::parse(*batch);
    EXPECT_EQ(v.base_offset(), Offset{1000});
    EXPECT_EQ(v.partition_leader_epoch(), LeaderEpoch{3});
    EXPECT_TRUE(v.verify_crc());
  }
}

// librdkafka's snappy (raw, unframed), lz4 (LZ4 frame) and zstd batches (tests/golden/README.md).
TEST(GoldenBatches, LibrdkafkaCodecs) {
  const std::string value = [] {
    std::string v;
    for (int i = 0; i < 8; ++i) v += "golden-codec-";
    return v;
  }();
  for (auto [name, codec] : {std::pair{"kcat_Produce_v7_snappy.bin", CompressionCodec::snappy},
                             std::pair{"kcat_Produce_v7_lz4.bin", CompressionCodec::lz4},
                             std::pair{"kcat_Produce_v7_zstd.bin", CompressionCodec::zstd}}) {
    SCOPED_TRACE(name);
    Capture c = load_frame(kCodecGoldenDir, name);
    auto batches = split_batches(c.records);
    ASSERT_TRUE(batches) << batches.error().to_string();
    ASSERT_EQ(batches->size(), 1u);
    const RecordBatchView& b = batches->front();
    EXPECT_TRUE(b.verify_crc());
    EXPECT_EQ(*b.codec(), codec);
    auto opened = BatchRecords::open(b);
    ASSERT_TRUE(opened) << opened.error().to_string();
    EXPECT_TRUE(opened->was_decompressed());
    auto records = opened->read_all();
    ASSERT_TRUE(records) << records.error().to_string();
    ASSERT_EQ(records->size(), 3u);
    for (int i = 0; i < 3; ++i) {
      EXPECT_EQ(as_string_view(*(*records)[i].key), "k" + std::to_string(i + 1));
      EXPECT_EQ(as_string_view(*(*records)[i].value), value + std::to_string(i + 1));
    }
    // Deep validation decompresses it again; converting to every other codec keeps the records.
    AppendOptions options;
    options.deep_validation = true;
    options.now_ms = b.max_timestamp();
    bytes copy = c.records;
    auto info = validate_and_assign(copy, options);
    ASSERT_TRUE(info) << info.error().to_string();
    EXPECT_TRUE(info->decompressed);
    for (CompressionCodec target : {CompressionCodec::none, CompressionCodec::gzip, CompressionCodec::snappy,
                                    CompressionCodec::lz4, CompressionCodec::zstd}) {
      auto converted = recompress_batch(b, Compression::of(target));
      ASSERT_TRUE(converted) << converted.error().to_string();
      auto view = RecordBatchView::parse(*converted);
      ASSERT_TRUE(view);
      auto back = BatchRecords::open(*view);
      ASSERT_TRUE(back);
      EXPECT_TRUE(equal_bytes(back->records(), opened->records()));
    }
  }
}

}  // namespace
}  // namespace strata::record
