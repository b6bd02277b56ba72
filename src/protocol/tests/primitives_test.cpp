// Wire-format facts checked against bytes written out by hand from Kafka's protocol rules, so an
// encoder and decoder that merely agree with each other cannot pass. Also the decoder's defences.
#include <gtest/gtest.h>

#include <initializer_list>

#include "protocol/codec.h"
#include "protocol/generated/api_keys.h"
#include "protocol/generated/error_codes.h"
#include "protocol/generated/messages/api_versions_request.h"
#include "protocol/generated/messages/api_versions_response.h"
#include "protocol/generated/messages/fetch_response.h"
#include "protocol/generated/messages/list_groups_request.h"
#include "protocol/generated/messages/metadata_request.h"
#include "protocol/generated/messages/produce_request.h"
#include "protocol/request_frame.h"

namespace strata::protocol {
namespace {

bytes b(std::initializer_list<int> values) {
  bytes out;
  for (int v : values) out.push_back(static_cast<std::byte>(v));
  return out;
}

TEST(WireFormat, NonFlexibleMetadataRequestV0) {
  // Topics: int32 count 1, then int16-length string "ab".
  const bytes wire = b({0, 0, 0, 1, 0, 2, 'a', 'b'});
  auto m = decode<MetadataRequest>(wire, 0);
  ASSERT_TRUE(m.has_value()) << m.error().to_string();
  ASSERT_TRUE(m->topics.has_value());
  ASSERT_EQ(m->topics->size(), 1u);
  EXPECT_EQ((*m->topics)[0].name, "ab");
  EXPECT_EQ(*encode(*m, 0), wire);
}

TEST(WireFormat, NullArrayInNullableVersion) {
  // MetadataRequest v1+: a topics count of -1 means "all topics".
  auto m = decode<MetadataRequest>(b({0xff, 0xff, 0xff, 0xff}), 1);
  ASSERT_TRUE(m.has_value());
  EXPECT_FALSE(m->topics.has_value());
  // ...but v0 has no null topics array.
  auto v0 = decode<MetadataRequest>(b({0xff, 0xff, 0xff, 0xff}), 0);
  ASSERT_FALSE(v0.has_value());
  EXPECT_TRUE(v0.error().is(ProtocolErrc::null_not_allowed));
}

TEST(WireFormat, FlexibleApiVersionsRequestV3) {
  // Compact strings carry length + 1 as an unsigned varint; the body ends with a tagged-field count.
  const bytes wire = b({5, 'k', 'c', 'a', 't', 4, '1', '.', '0', 0});
  auto m = decode<ApiVersionsRequest>(wire, 3);
  ASSERT_TRUE(m.has_value()) << m.error().to_string();
  EXPECT_EQ(m->client_software_name, "kcat");
  EXPECT_EQ(m->client_software_version, "1.0");
  EXPECT_EQ(*encode(*m, 3), wire);
}

TEST(WireFormat, UnknownTaggedFieldsAreSkipped) {
  // Same body with two unknown tags (7: 3 bytes, 100: 0 bytes) in its tagged section.
  const bytes wire = b({5, 'k', 'c', 'a', 't', 4, '1', '.', '0', 2, 7, 3, 0xaa, 0xbb, 0xcc, 100, 0});
  auto m = decode<ApiVersionsRequest>(wire, 3);
  ASSERT_TRUE(m.has_value()) << m.error().to_string();
  EXPECT_EQ(m->client_software_name, "kcat");
  EXPECT_EQ(m->client_software_version, "1.0");
}

TEST(WireFormat, KnownTaggedFieldIsWrittenAndRead) {
  ApiVersionsResponse m;
  m.supported_features.push_back({.name = "x", .min_version = 1, .max_version = 2});
  // error_code, empty compact api_keys, throttle_time_ms, then one tagged field: tag 0, 8 bytes:
  // compact array of 1 (0x02), compact string "x", int16 1, int16 2, element's empty tag section.
  const bytes expected = b({0, 0, 1, 0, 0, 0, 0, 1, 0, 8, 2, 2, 'x', 0, 1, 0, 2, 0});
  auto wire = encode(m, 3);
  ASSERT_TRUE(wire.has_value());
  EXPECT_EQ(*wire, expected);
  auto back = decode<ApiVersionsResponse>(expected, 3);
  ASSERT_TRUE(back.has_value()) << back.error().to_string();
  EXPECT_EQ(*back, m);
  // Default-valued tagged fields are not written at all.
  EXPECT_EQ(*encode(ApiVersionsResponse{}, 3), b({0, 0, 1, 0, 0, 0, 0, 0}));
}

TEST(WireFormat, TaggedFieldWithWrongSizeIsRejected) {
  // Tag 0 claims 9 bytes but its value takes 8: the leftover byte is an error, not silently read.
  const bytes wire = b({0, 0, 1, 0, 0, 0, 0, 1, 0, 9, 2, 2, 'x', 0, 1, 0, 2, 0, 0});
  auto m = decode<ApiVersionsResponse>(wire, 3);
  ASSERT_FALSE(m.has_value());
  EXPECT_TRUE(m.error().is(ProtocolErrc::trailing_bytes));
}

TEST(WireFormat, RequestsIgnoreTrailingBytesLikeKafkasBroker) {
  // ListGroups v4 as librdkafka 2.0.2 sends it: an empty states filter, no tags, then one more 0.
  const bytes wire = b({1, 0, 0});
  auto strict = decode<ListGroupsRequest>(wire, 4);
  ASSERT_FALSE(strict.has_value());
  EXPECT_TRUE(strict.error().is(ProtocolErrc::trailing_bytes));
  auto lenient = decode_request<ListGroupsRequest>(wire, 4);
  ASSERT_TRUE(lenient.has_value()) << lenient.error().to_string();
  EXPECT_TRUE(lenient->states_filter.empty());
  // A truncated message is still an error.
  EXPECT_FALSE(decode_request<ListGroupsRequest>(b({}), 4).has_value());
}

TEST(WireFormat, NullRecordsAndBorrowedRecords) {
  // ProduceRequest v3: transactional_id null, acks 1, timeout 1000, one topic "t", one partition 0.
  const bytes null_records =
      b({0xff, 0xff, 0, 1, 0, 0, 3, 0xe8, 0, 0, 0, 1, 0, 1, 't', 0, 0, 0, 1, 0, 0, 0, 0, 0xff, 0xff, 0xff, 0xff});
  auto m = decode<ProduceRequest>(null_records, 3);
  ASSERT_TRUE(m.has_value()) << m.error().to_string();
  EXPECT_FALSE(m->transactional_id.has_value());
  EXPECT_EQ(m->acks, 1);
  EXPECT_EQ(m->timeout_ms, 1000);
  EXPECT_FALSE(m->topic_data[0].partition_data[0].records.has_value());

  const bytes with_records =
      b({0xff, 0xff, 0, 1, 0, 0, 3, 0xe8, 0, 0, 0, 1, 0, 1, 't', 0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 3, 0x11, 0x22, 0x33});
  auto r = decode<ProduceRequest>(with_records, 3);
  ASSERT_TRUE(r.has_value());
  const RecordsView& records = *r->topic_data[0].partition_data[0].records;
  ASSERT_EQ(records.size(), 3u);
  // Borrowed, not copied: the view points into the input buffer.
  EXPECT_EQ(records.data().data(), with_records.data() + with_records.size() - 3);
}

struct BadInput {
  const char* what;
  bytes wire;
  ProtocolErrc expected;
};

TEST(DecoderDefences, MalformedInputGetsTypedErrors) {
  const BadInput cases[] = {
      {"truncated int32 count", b({0, 0, 0}), ProtocolErrc::truncated},
      {"negative string length", b({0, 0, 0, 1, 0xff, 0xfe}), ProtocolErrc::negative_length},
      {"string longer than input", b({0, 0, 0, 1, 0x7f, 0xff, 'a'}), ProtocolErrc::length_too_large},
      {"array count larger than input", b({0x7f, 0xff, 0xff, 0xff, 0, 0}), ProtocolErrc::length_too_large},
      {"negative array count", b({0xff, 0xff, 0xff, 0xf0}), ProtocolErrc::negative_length},
      {"null non-nullable topic name", b({0, 0, 0, 1, 0xff, 0xff}), ProtocolErrc::null_not_allowed},
      {"trailing bytes", b({0, 0, 0, 0, 0x42}), ProtocolErrc::trailing_bytes},
  };
  for (const auto& c : cases) {
    auto m = decode<MetadataRequest>(c.wire, 0);
    ASSERT_FALSE(m.has_value()) << c.what;
    EXPECT_EQ(m.error().code(), static_cast<int>(c.expected)) << c.what << ": " << m.error().to_string();
    EXPECT_EQ(m.error().category(), "protocol");
  }
}

TEST(DecoderDefences, OverlongVarintIsRejected) {
  // A compact array count encoded in 6 bytes.
  auto m = decode<ApiVersionsRequest>(b({0x80, 0x80, 0x80, 0x80, 0x80, 0x01}), 3);
  ASSERT_FALSE(m.has_value());
  EXPECT_TRUE(m.error().is(ProtocolErrc::invalid_varint)) << m.error().to_string();
}

TEST(DecoderDefences, VersionOutsideSchemaIsRejected) {
  auto m = decode<MetadataRequest>(b({0, 0, 0, 0}), MetadataRequest::kHighestVersion + 1);
  ASSERT_FALSE(m.has_value());
  EXPECT_TRUE(m.error().is(ProtocolErrc::unsupported_version));
}

TEST(Encoder, NonDefaultValueInAbsentFieldIsAnError) {
  ProduceRequest m;
  m.transactional_id = "txn";  // exists from v3 and is not ignorable
  auto wire = encode(m, 2);
  ASSERT_FALSE(wire.has_value());
  EXPECT_TRUE(wire.error().is(ProtocolErrc::unsupported_field_value)) << wire.error().to_string();
  EXPECT_TRUE(encode(m, 3).has_value());
}

TEST(Headers, VersionsFollowFlexibility) {
  EXPECT_EQ(request_header_version(static_cast<int16_t>(ApiKey::kProduce), 8), 1);
  EXPECT_EQ(request_header_version(static_cast<int16_t>(ApiKey::kProduce), 9), 2);
  EXPECT_EQ(request_header_version(static_cast<int16_t>(ApiKey::kControlledShutdown), 0), 0);
  EXPECT_EQ(response_header_version(static_cast<int16_t>(ApiKey::kFetch), 12), 1);
  EXPECT_EQ(response_header_version(static_cast<int16_t>(ApiKey::kApiVersions), 3), 0);
  EXPECT_EQ(request_header_version(9999, 0), -1);
}

TEST(Headers, RequestFrameRoundTrip) {
  ApiVersionsRequest body;
  body.client_software_name = "strata-test";
  body.client_software_version = "0";
  auto frame = encode_request_frame(body, 3, 42, std::string("client-1"));
  ASSERT_TRUE(frame.has_value());
  // Size prefix, then header v2: api key 18, version 3, correlation id 42, and the client id with
  // an int16 length even though the header is flexible, then the header's empty tag section.
  const bytes header_start = b({0, 18, 0, 3, 0, 0, 0, 42, 0, 8, 'c', 'l', 'i', 'e', 'n', 't', '-', '1', 0});
  ASSERT_GT(frame->size(), 4 + header_start.size());
  EXPECT_EQ(load_be<uint32_t>(frame->data()), frame->size() - 4);
  EXPECT_TRUE(std::equal(header_start.begin(), header_start.end(), frame->begin() + 4));

  auto parsed = parse_request_frame(bytes_view(*frame).subspan(4));
  ASSERT_TRUE(parsed.has_value()) << parsed.error().to_string();
  EXPECT_EQ(parsed->header_version, 2);
  EXPECT_EQ(parsed->header.correlation_id, 42);
  EXPECT_EQ(parsed->header.client_id, "client-1");
  auto decoded = decode<ApiVersionsRequest>(parsed->body, 3);
  ASSERT_TRUE(decoded.has_value());
  EXPECT_EQ(*decoded, body);
}

TEST(Headers, UnknownApiKeyAndShortFrames) {
  auto unknown = parse_request_frame(b({0x7f, 0x00, 0, 0, 0, 0, 0, 1, 0xff, 0xff}));
  ASSERT_FALSE(unknown.has_value());
  EXPECT_TRUE(unknown.error().is(ProtocolErrc::unknown_api_key));
  auto shorty = parse_request_frame(b({0, 3, 0}));
  ASSERT_FALSE(shorty.has_value());
  EXPECT_TRUE(shorty.error().is(ProtocolErrc::truncated));
}

TEST(Tables, ApiKeysAndErrorCodes) {
  const ApiInfo* produce = find_api(0);
  ASSERT_NE(produce, nullptr);
  EXPECT_EQ(produce->name, "Produce");
  EXPECT_EQ(produce->min_version, 0);
  EXPECT_EQ(produce->request_first_flexible_version, 9);
  EXPECT_EQ(find_api(-5), nullptr);
  EXPECT_EQ(api_name(ApiKey::kApiVersions), "ApiVersions");

  const ErrorInfo* e = find_error(1);
  ASSERT_NE(e, nullptr);
  EXPECT_EQ(e->name, "OFFSET_OUT_OF_RANGE");
  EXPECT_FALSE(e->retriable);
  EXPECT_TRUE(find_error(static_cast<int16_t>(ErrorCode::kCorruptMessage))->retriable);
  EXPECT_EQ(error_name(ErrorCode::kUnknownServerError), "UNKNOWN_SERVER_ERROR");
  EXPECT_EQ(find_error(31000), nullptr);
  EXPECT_GT(all_errors().size(), 100u);
}

TEST(Types, UuidBase64LikeKafka) {
  EXPECT_EQ(Uuid{}.to_base64(), "AAAAAAAAAAAAAAAAAAAAAA");
  Uuid u;
  u.bytes.fill(0xff);
  EXPECT_EQ(u.to_base64(), "_____________________w");
}

}  // namespace
}  // namespace strata::protocol

namespace strata::protocol {
namespace {

// A records field from_file is encoded as its length and a gap: splicing the real bytes in at the
// gap gives exactly the encoding of the same message with the bytes in memory, at flexible and
// non-flexible versions.
TEST(WireFormat, RecordsFromAFileLeaveAGapThatTheBytesFill) {
  bytes records(40'000);
  for (size_t i = 0; i < records.size(); ++i) records[i] = static_cast<std::byte>(i * 7);
  for (int16_t version : {int16_t{4}, int16_t{12}, int16_t{16}}) {
    auto message = [&](RecordsView view) {
      FetchResponse r;
      FetchResponse::FetchableTopicResponse t;
      if (version < 13) t.topic = "orders";
      FetchResponse::PartitionData p;
      p.partition_index = 3;
      p.records = view;
      t.partitions.push_back(p);
      r.responses.push_back(t);
      return r;
    };
    Writer in_memory;
    ASSERT_TRUE(encode_into(in_memory, message(RecordsView(records)), version));
    Writer with_gap;
    ASSERT_TRUE(encode_into(with_gap, message(RecordsView::from_file(records.size(), 0)), version));
    ASSERT_EQ(with_gap.file_gaps().size(), 1u);
    const Writer::FileGap gap = with_gap.file_gaps()[0];
    EXPECT_EQ(gap.size, records.size());
    EXPECT_EQ(gap.file_ref, 0u);
    bytes spliced(with_gap.buffer().begin(), with_gap.buffer().begin() + static_cast<std::ptrdiff_t>(gap.at));
    spliced.insert(spliced.end(), records.begin(), records.end());
    spliced.insert(spliced.end(), with_gap.buffer().begin() + static_cast<std::ptrdiff_t>(gap.at),
                   with_gap.buffer().end());
    EXPECT_EQ(spliced, in_memory.buffer()) << "version " << version;
  }
}

}  // namespace
}  // namespace strata::protocol
