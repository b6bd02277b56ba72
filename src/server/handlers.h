// The request handlers, one file each (handle_<api>.cpp). A handler turns a decoded request into
// its response; it never sees the wire bytes (dispatch.cpp decodes and encodes) and reaches the
// log only through the Broker.
#pragma once

#include <asio/awaitable.hpp>

#include <optional>
#include <span>
#include <vector>

#include "protocol/generated/all_messages.h"
#include "server/broker.h"

namespace strata::server {

// The APIs this broker serves and the version range of each (Kafka 4.0's minimums: no message
// format v0/v1, so Produce starts at v3 and Fetch at v4).
struct SupportedApi {
  protocol::ApiKey key;
  int16_t min_version;
  int16_t max_version;
};
std::span<const SupportedApi> supported_apis();
const SupportedApi* find_supported_api(int16_t api_key);

// The group coordinator's APIs (handle_groups.cpp). Those that wait for the coordinator (a
// rebalance, an append to __consumer_offsets) are coroutines.
struct RequestClient {
  std::string client_id;
  std::string client_host;  // "/127.0.0.1", as Kafka shows it
};
// The client host of a connection named "connection N from ADDRESS:PORT".
std::string client_host_of(const std::string& connection);
protocol::FindCoordinatorResponse handle_find_coordinator(Broker& broker,
                                                          const protocol::FindCoordinatorRequest& request,
                                                          int16_t version);
asio::awaitable<protocol::JoinGroupResponse> handle_join_group(Broker& broker,
                                                               const protocol::JoinGroupRequest& request,
                                                               int16_t version, const RequestClient& client);
asio::awaitable<protocol::SyncGroupResponse> handle_sync_group(Broker& broker,
                                                               const protocol::SyncGroupRequest& request,
                                                               int16_t version);
protocol::HeartbeatResponse handle_heartbeat(Broker& broker, const protocol::HeartbeatRequest& request,
                                             int16_t version);
protocol::LeaveGroupResponse handle_leave_group(Broker& broker, const protocol::LeaveGroupRequest& request,
                                                int16_t version);
asio::awaitable<protocol::OffsetCommitResponse> handle_offset_commit(Broker& broker,
                                                                     const protocol::OffsetCommitRequest& request,
                                                                     int16_t version);
protocol::OffsetFetchResponse handle_offset_fetch(Broker& broker, const protocol::OffsetFetchRequest& request,
                                                  int16_t version);
asio::awaitable<protocol::OffsetDeleteResponse> handle_offset_delete(Broker& broker,
                                                                     const protocol::OffsetDeleteRequest& request,
                                                                     int16_t version);
protocol::ListGroupsResponse handle_list_groups(Broker& broker, const protocol::ListGroupsRequest& request,
                                                int16_t version);
protocol::DescribeGroupsResponse handle_describe_groups(Broker& broker, const protocol::DescribeGroupsRequest& request,
                                                        int16_t version);
asio::awaitable<protocol::DeleteGroupsResponse> handle_delete_groups(Broker& broker,
                                                                     const protocol::DeleteGroupsRequest& request,
                                                                     int16_t version);

protocol::ApiVersionsResponse handle_api_versions(const protocol::ApiVersionsRequest& request, int16_t version);
protocol::MetadataResponse handle_metadata(Broker& broker, const protocol::MetadataRequest& request, int16_t version);
// nullopt for acks=0. `request` borrows its records from the connection's buffer, which the
// handler may rewrite in place (offset assignment).
asio::awaitable<std::optional<protocol::ProduceResponse>> handle_produce(Broker& broker,
                                                                         protocol::ProduceRequest& request,
                                                                         int16_t version);
// What a fetch response's records point into: copies of small slices (RecordsView of `buffers`)
// and the larger slices the connection sends from their files (RecordsView::from_file, whose
// file_ref indexes `files`). The caller keeps it until the response is sent.
struct FetchData {
  std::vector<bytes> buffers;
  std::vector<storage::FileSlice> files;
};
// Records of at least this many bytes are sent from their file with sendfile; smaller ones are
// copied into the frame (one write beats a syscall per partition).
inline constexpr int64_t kSendfileMinBytes = 16 * 1024;
asio::awaitable<protocol::FetchResponse> handle_fetch(Broker& broker, const protocol::FetchRequest& request,
                                                      int16_t version, FetchData& data);
asio::awaitable<protocol::ListOffsetsResponse> handle_list_offsets(Broker& broker,
                                                                   const protocol::ListOffsetsRequest& request,
                                                                   int16_t version);
protocol::CreateTopicsResponse handle_create_topics(Broker& broker, const protocol::CreateTopicsRequest& request,
                                                    int16_t version);
asio::awaitable<protocol::DeleteTopicsResponse> handle_delete_topics(Broker& broker,
                                                                     const protocol::DeleteTopicsRequest& request,
                                                                     int16_t version);
protocol::CreatePartitionsResponse handle_create_partitions(Broker& broker,
                                                            const protocol::CreatePartitionsRequest& request,
                                                            int16_t version);
protocol::DescribeConfigsResponse handle_describe_configs(Broker& broker,
                                                          const protocol::DescribeConfigsRequest& request,
                                                          int16_t version);
protocol::InitProducerIdResponse handle_init_producer_id(Broker& broker, const protocol::InitProducerIdRequest& request,
                                                         int16_t version);

protocol::AlterConfigsResponse handle_alter_configs(Broker& broker, const protocol::AlterConfigsRequest& request,
                                                    int16_t version);
protocol::IncrementalAlterConfigsResponse handle_incremental_alter_configs(
    Broker& broker, const protocol::IncrementalAlterConfigsRequest& request, int16_t version);
asio::awaitable<protocol::DeleteRecordsResponse> handle_delete_records(Broker& broker,
                                                                       const protocol::DeleteRecordsRequest& request,
                                                                       int16_t version);
asio::awaitable<protocol::OffsetForLeaderEpochResponse> handle_offset_for_leader_epoch(
    Broker& broker, const protocol::OffsetForLeaderEpochRequest& request, int16_t version);
protocol::DescribeClusterResponse handle_describe_cluster(Broker& broker,
                                                          const protocol::DescribeClusterRequest& request,
                                                          int16_t version);
asio::awaitable<protocol::DescribeLogDirsResponse> handle_describe_log_dirs(
    Broker& broker, const protocol::DescribeLogDirsRequest& request, int16_t version);

// Every partition's leader epoch: one node is the leader of everything, forever.
constexpr int32_t kLeaderEpoch = 0;

// This node's address as clients should use it (Metadata, DescribeCluster): the first advertised
// listener, with the bound port when it was 0.
struct Endpoint {
  std::string host;
  int32_t port = 0;
};
Endpoint advertised_endpoint(const Broker& broker);

// Kafka Uuid <-> storage TopicId (the same 16 bytes).
protocol::Uuid to_uuid(const storage::TopicId& id);
storage::TopicId to_topic_id(const protocol::Uuid& id);

}  // namespace strata::server
