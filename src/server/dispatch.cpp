// Request dispatch: header, version check, decode, handler, response frame.
#include <fmt/format.h>

#include "protocol/codec.h"
#include "server/broker.h"
#include "server/handlers.h"
#include "server/logging.h"

namespace strata::server {

using protocol::ApiKey;

namespace {

// size prefix + response header + body. Records fields from_file leave gaps, reported in `gaps`
// (which must then be given) and counted in the size prefix.
template <class M>
result<bytes> response_frame(int32_t correlation_id, int16_t api_key, int16_t version, const M& body,
                             std::vector<protocol::Writer::FileGap>* gaps = nullptr) {
  protocol::ResponseHeader header;
  header.correlation_id = correlation_id;
  protocol::Writer writer;
  writer.write_int32(0);  // patched below
  STRATA_TRY(protocol::encode_into(writer, header, protocol::response_header_version(api_key, version)));
  STRATA_TRY(protocol::encode_into(writer, body, version));
  size_t gap_bytes = 0;
  for (const auto& gap : writer.file_gaps()) gap_bytes += gap.size;
  if (gaps) {
    *gaps = writer.file_gaps();
  } else if (!writer.file_gaps().empty()) {
    return Error(protocol::ProtocolErrc::unsupported_field_value, "records from a file in a response sent whole");
  }
  bytes out = writer.take();
  const uint64_t size = out.size() - sizeof(int32_t) + gap_bytes;
  if (size > INT32_MAX) return Error(protocol::ProtocolErrc::value_too_large, "response larger than 2 GiB");
  store_be<uint32_t>(out.data(), static_cast<uint32_t>(size));
  return out;
}

// Decodes the request, runs a synchronous handler, encodes the response; a decoding error closes
// the connection.
template <class Request, class Handler>
result<std::optional<bytes>> answer(Broker& broker, bytes_view body, int32_t correlation, int16_t api, int16_t version,
                                    Handler&& handler) {
  auto request = protocol::decode_request<Request>(body, version);
  if (!request) return request.error();
  STRATA_TRY_ASSIGN(bytes frame, response_frame(correlation, api, version, handler(broker, *request, version)));
  return std::optional<bytes>(std::move(frame));
}

// The same for a handler that is a coroutine (it waits for the group coordinator, or for the
// shards that own its partitions).
template <class Request, class Handler>
asio::awaitable<result<std::optional<bytes>>> answer_later(Broker& broker, bytes_view body, int32_t correlation,
                                                           int16_t api, int16_t version, Handler handler) {
  auto request = protocol::decode_request<Request>(body, version);
  if (!request) co_return request.error();
  auto response = co_await handler(broker, *request, version);
  auto frame = response_frame(correlation, api, version, response);
  if (!frame) co_return frame.error();
  co_return std::optional<bytes>(std::move(*frame));
}

Error unsupported(int16_t api_key, int16_t version) {
  return Error(
      protocol::ProtocolErrc::unsupported_version,
      fmt::format("{} v{} is not supported by this broker", protocol::api_name(static_cast<ApiKey>(api_key)), version));
}

}  // namespace

std::span<const SupportedApi> supported_apis() {
  static const SupportedApi apis[] = {
      {ApiKey::kProduce, 3, 11},
      {ApiKey::kFetch, 4, 17},
      {ApiKey::kListOffsets, 1, 10},
      {ApiKey::kMetadata, 0, 12},
      {ApiKey::kApiVersions, 0, 4},
      {ApiKey::kCreateTopics, 2, 7},
      {ApiKey::kDeleteTopics, 1, 6},
      {ApiKey::kInitProducerId, 0, 5},
      {ApiKey::kCreatePartitions, 0, 3},
      {ApiKey::kDescribeConfigs, 1, 4},
      {ApiKey::kAlterConfigs, 0, 2},
      {ApiKey::kIncrementalAlterConfigs, 0, 1},
      {ApiKey::kDeleteRecords, 0, 2},
      {ApiKey::kOffsetForLeaderEpoch, 0, 4},
      {ApiKey::kDescribeCluster, 0, 1},
      {ApiKey::kDescribeLogDirs, 0, 4},
      // The group coordinator (handle_groups.cpp).
      {ApiKey::kFindCoordinator, 0, 6},
      {ApiKey::kJoinGroup, 0, 9},
      {ApiKey::kSyncGroup, 0, 5},
      {ApiKey::kHeartbeat, 0, 4},
      {ApiKey::kLeaveGroup, 0, 5},
      {ApiKey::kOffsetCommit, 0, 9},
      {ApiKey::kOffsetFetch, 0, 9},
      {ApiKey::kOffsetDelete, 0, 0},
      {ApiKey::kListGroups, 0, 5},
      {ApiKey::kDescribeGroups, 0, 5},
      {ApiKey::kDeleteGroups, 0, 2},
  };
  return apis;
}

const SupportedApi* find_supported_api(int16_t api_key) {
  for (const SupportedApi& api : supported_apis()) {
    if (static_cast<int16_t>(api.key) == api_key) return &api;
  }
  return nullptr;
}

asio::awaitable<result<std::optional<bytes>>> Broker::handle_request(std::span<std::byte> frame,
                                                                     const std::string& connection,
                                                                     std::vector<FileRange>& file_ranges) {
  using Out = result<std::optional<bytes>>;
  auto parsed = protocol::parse_request_frame(frame);
  if (!parsed) co_return Out(parsed.error());
  const int16_t api = parsed->header.request_api_key;
  const int16_t version = parsed->header.request_api_version;
  const int32_t correlation = parsed->header.correlation_id;
  // The body within `frame`, writable (decoded records fields borrow from it).
  const size_t body_offset = static_cast<size_t>(parsed->body.data() - frame.data());
  std::span<std::byte> body = frame.subspan(body_offset);
  log(LogLevel::debug, "{}: {} v{} correlation {}", connection, protocol::api_name(static_cast<ApiKey>(api)), version,
      correlation);

  auto wrap = [](result<bytes> r) -> Out {
    if (!r) return r.error();
    return std::optional<bytes>(std::move(*r));
  };
  if (api == static_cast<int16_t>(ApiKey::kApiVersions)) {
    const SupportedApi* range = find_supported_api(api);
    if (version > range->max_version) {
      // A client newer than us: answer in v0 with UNSUPPORTED_VERSION and our ranges, so that it
      // retries with a version we know (KIP-511). The ApiVersions response header is always v0.
      protocol::ApiVersionsResponse response = handle_api_versions({}, 0);
      response.error_code = static_cast<int16_t>(protocol::ErrorCode::kUnsupportedVersion);
      co_return wrap(response_frame(correlation, api, 0, response));
    }
    auto request = protocol::decode_request<protocol::ApiVersionsRequest>(parsed->body, version);
    if (!request) co_return Out(request.error());
    co_return wrap(response_frame(correlation, api, version, handle_api_versions(*request, version)));
  }
  const SupportedApi* range = find_supported_api(api);
  if (!range || version < range->min_version || version > range->max_version) co_return Out(unsupported(api, version));
  // The data path runs on the connection's shard (hopping to each partition's owner); everything
  // else on shard 0, which owns the metadata and the group coordinator. The connection waits, so
  // `frame` stays valid.
  const bool data_path = api == static_cast<int16_t>(ApiKey::kProduce) || api == static_cast<int16_t>(ApiKey::kFetch);
  if (!data_path && current_shard() != 0) {
    auto on_control_shard = [this, frame, connection, &file_ranges]() -> asio::awaitable<Out> {
      co_return co_await handle_request(frame, connection, file_ranges);
    };
    co_return co_await on_shard<Out>(0, std::move(on_control_shard));
  }

  switch (static_cast<ApiKey>(api)) {
    // The group coordinator (handle_groups.cpp).
    case ApiKey::kFindCoordinator:
      co_return answer<protocol::FindCoordinatorRequest>(*this, body, correlation, api, version,
                                                         handle_find_coordinator);
    case ApiKey::kJoinGroup: {
      auto request = protocol::decode_request<protocol::JoinGroupRequest>(body, version);
      if (!request) co_return Out(request.error());
      const RequestClient client{parsed->header.client_id.value_or(""), client_host_of(connection)};
      protocol::JoinGroupResponse response = co_await handle_join_group(*this, *request, version, client);
      co_return wrap(response_frame(correlation, api, version, response));
    }
    case ApiKey::kSyncGroup:
      co_return co_await answer_later<protocol::SyncGroupRequest>(*this, body, correlation, api, version,
                                                                  handle_sync_group);
    case ApiKey::kHeartbeat:
      co_return answer<protocol::HeartbeatRequest>(*this, body, correlation, api, version, handle_heartbeat);
    case ApiKey::kLeaveGroup:
      co_return answer<protocol::LeaveGroupRequest>(*this, body, correlation, api, version, handle_leave_group);
    case ApiKey::kOffsetCommit:
      co_return co_await answer_later<protocol::OffsetCommitRequest>(*this, body, correlation, api, version,
                                                                     handle_offset_commit);
    case ApiKey::kOffsetFetch:
      co_return answer<protocol::OffsetFetchRequest>(*this, body, correlation, api, version, handle_offset_fetch);
    case ApiKey::kOffsetDelete:
      co_return co_await answer_later<protocol::OffsetDeleteRequest>(*this, body, correlation, api, version,
                                                                     handle_offset_delete);
    case ApiKey::kListGroups:
      co_return answer<protocol::ListGroupsRequest>(*this, body, correlation, api, version, handle_list_groups);
    case ApiKey::kDescribeGroups:
      co_return answer<protocol::DescribeGroupsRequest>(*this, body, correlation, api, version, handle_describe_groups);
    case ApiKey::kDeleteGroups:
      co_return co_await answer_later<protocol::DeleteGroupsRequest>(*this, body, correlation, api, version,
                                                                     handle_delete_groups);
    case ApiKey::kMetadata:
      co_return answer<protocol::MetadataRequest>(*this, body, correlation, api, version, handle_metadata);
    case ApiKey::kProduce: {
      auto request = protocol::decode_request<protocol::ProduceRequest>(body, version);
      if (!request) co_return Out(request.error());
      std::optional<protocol::ProduceResponse> response = co_await handle_produce(*this, *request, version);
      if (!response) co_return Out(std::optional<bytes>{});
      co_return wrap(response_frame(correlation, api, version, *response));
    }
    case ApiKey::kFetch: {
      auto request = protocol::decode_request<protocol::FetchRequest>(body, version);
      if (!request) co_return Out(request.error());
      FetchData data;
      protocol::FetchResponse response = co_await handle_fetch(*this, *request, version, data);
      std::vector<protocol::Writer::FileGap> gaps;
      result<bytes> encoded = response_frame(correlation, api, version, response, &gaps);
      if (!encoded) co_return Out(encoded.error());
      for (const auto& gap : gaps) file_ranges.push_back({gap.at, data.files.at(gap.file_ref)});
      co_return Out(std::optional<bytes>(std::move(*encoded)));
    }
    case ApiKey::kListOffsets:
      co_return co_await answer_later<protocol::ListOffsetsRequest>(*this, body, correlation, api, version,
                                                                    handle_list_offsets);
    case ApiKey::kCreateTopics:
      co_return answer<protocol::CreateTopicsRequest>(*this, body, correlation, api, version, handle_create_topics);
    case ApiKey::kDeleteTopics:
      co_return co_await answer_later<protocol::DeleteTopicsRequest>(*this, body, correlation, api, version,
                                                                     handle_delete_topics);
    case ApiKey::kCreatePartitions:
      co_return answer<protocol::CreatePartitionsRequest>(*this, body, correlation, api, version,
                                                          handle_create_partitions);
    case ApiKey::kDescribeConfigs:
      co_return answer<protocol::DescribeConfigsRequest>(*this, body, correlation, api, version,
                                                         handle_describe_configs);
    case ApiKey::kInitProducerId:
      co_return answer<protocol::InitProducerIdRequest>(*this, body, correlation, api, version,
                                                        handle_init_producer_id);
    case ApiKey::kAlterConfigs:
      co_return answer<protocol::AlterConfigsRequest>(*this, body, correlation, api, version, handle_alter_configs);
    case ApiKey::kIncrementalAlterConfigs:
      co_return answer<protocol::IncrementalAlterConfigsRequest>(*this, body, correlation, api, version,
                                                                 handle_incremental_alter_configs);
    case ApiKey::kDeleteRecords:
      co_return co_await answer_later<protocol::DeleteRecordsRequest>(*this, body, correlation, api, version,
                                                                      handle_delete_records);
    case ApiKey::kOffsetForLeaderEpoch:
      co_return co_await answer_later<protocol::OffsetForLeaderEpochRequest>(*this, body, correlation, api, version,
                                                                             handle_offset_for_leader_epoch);
    case ApiKey::kDescribeCluster:
      co_return answer<protocol::DescribeClusterRequest>(*this, body, correlation, api, version,
                                                         handle_describe_cluster);
    case ApiKey::kDescribeLogDirs:
      co_return co_await answer_later<protocol::DescribeLogDirsRequest>(*this, body, correlation, api, version,
                                                                        handle_describe_log_dirs);
    default: break;
  }
  co_return Out(unsupported(api, version));
}

protocol::ApiVersionsResponse handle_api_versions(const protocol::ApiVersionsRequest&, int16_t) {
  protocol::ApiVersionsResponse response;
  for (const SupportedApi& api : supported_apis()) {
    protocol::ApiVersionsResponse::ApiVersion v;
    v.api_key = static_cast<int16_t>(api.key);
    v.min_version = api.min_version;
    v.max_version = api.max_version;
    response.api_keys.push_back(v);
  }
  return response;
}

protocol::Uuid to_uuid(const storage::TopicId& id) {
  protocol::Uuid out;
  out.bytes = id.bytes;
  return out;
}

storage::TopicId to_topic_id(const protocol::Uuid& id) {
  storage::TopicId out;
  out.bytes = id.bytes;
  return out;
}

}  // namespace strata::server
