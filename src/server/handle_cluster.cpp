// DescribeCluster (this node, which is also the controller) and DescribeLogDirs (each log dir's
// partitions and sizes, and the dir's capacity).
#include <algorithm>
#include <system_error>

#include "server/handlers.h"

namespace strata::server {

using protocol::ErrorCode;

namespace {

constexpr int8_t kEndpointTypeBrokers = 1;  // DescribeClusterRequest.EndpointType
constexpr int16_t kFirstClusterVersionWithEndpointType = 1;
constexpr int16_t kFirstLogDirsVersionWithErrorCode = 3;
constexpr int16_t kFirstLogDirsVersionWithSpace = 4;

bool wanted(const protocol::DescribeLogDirsRequest& request, const storage::TopicPartition& tp) {
  if (!request.topics) return true;
  for (const auto& topic : *request.topics) {
    if (topic.topic != tp.topic) continue;
    for (int32_t p : topic.partitions) {
      if (p == tp.partition.value()) return true;
    }
  }
  return false;
}

}  // namespace

protocol::DescribeClusterResponse handle_describe_cluster(Broker& broker,
                                                          const protocol::DescribeClusterRequest& request,
                                                          int16_t version) {
  protocol::DescribeClusterResponse response;
  response.cluster_id = broker.metadata().cluster_id();
  response.controller_id = broker.config().node_id;
  if (version >= kFirstClusterVersionWithEndpointType && request.endpoint_type != kEndpointTypeBrokers) {
    // The controller endpoints are only served by controller listeners (KIP-919); Strata has none.
    response.error_code = static_cast<int16_t>(ErrorCode::kUnsupportedEndpointType);
    response.error_message = "The broker does not serve controller endpoints.";
    return response;
  }
  if (version >= kFirstClusterVersionWithEndpointType) response.endpoint_type = kEndpointTypeBrokers;
  const Endpoint endpoint = advertised_endpoint(broker);
  protocol::DescribeClusterResponse::DescribeClusterBroker b;
  b.broker_id = broker.config().node_id;
  b.host = endpoint.host;
  b.port = endpoint.port;
  response.brokers.push_back(std::move(b));
  return response;
}

asio::awaitable<protocol::DescribeLogDirsResponse> handle_describe_log_dirs(
    Broker& broker, const protocol::DescribeLogDirsRequest& request, int16_t version) {
  protocol::DescribeLogDirsResponse response;
  // Every wanted partition's dir, topic, index and size, read on its owner shard.
  struct PartitionDir {
    std::filesystem::path parent;
    storage::TopicPartition tp;
    int64_t size = 0;
  };
  std::vector<PartitionDir> partitions;
  std::function<void(storage::PartitionLog&)> describe = [&partitions, &request](storage::PartitionLog& log) {
    if (!wanted(request, log.topic_partition())) return;
    partitions.push_back({log.dir().parent_path().lexically_normal(), log.topic_partition(), log.size_in_bytes()});
  };
  co_await broker.for_each_log(std::move(describe));
  std::sort(partitions.begin(), partitions.end(),
            [](const PartitionDir& a, const PartitionDir& b) { return a.tp < b.tp; });
  for (const std::filesystem::path& dir : broker.log_dirs()) {
    // `dir` as the parent path of its partitions' directories ("data/" -> "data").
    const std::filesystem::path parent = (dir / "partition").parent_path().lexically_normal();
    protocol::DescribeLogDirsResponse::DescribeLogDirsResult result;
    result.log_dir = std::filesystem::absolute(dir).lexically_normal().string();
    std::map<std::string, std::vector<protocol::DescribeLogDirsResponse::DescribeLogDirsPartition>> by_topic;
    for (const PartitionDir& each : partitions) {
      if (each.parent != parent) continue;
      protocol::DescribeLogDirsResponse::DescribeLogDirsPartition p;
      p.partition_index = each.tp.partition.value();
      p.partition_size = each.size;
      p.offset_lag = 0;  // no future (moving) replicas
      by_topic[each.tp.topic].push_back(p);
    }
    for (auto& [name, partitions] : by_topic) {
      protocol::DescribeLogDirsResponse::DescribeLogDirsTopic t;
      t.name = name;
      t.partitions = std::move(partitions);
      result.topics.push_back(std::move(t));
    }
    if (version >= kFirstLogDirsVersionWithSpace) {
      std::error_code ec;
      const std::filesystem::space_info space = std::filesystem::space(dir, ec);
      if (!ec) {
        result.total_bytes = static_cast<int64_t>(space.capacity);
        result.usable_bytes = static_cast<int64_t>(space.available);
      }
    }
    response.results.push_back(std::move(result));
  }
  if (version >= kFirstLogDirsVersionWithErrorCode) response.error_code = 0;
  co_return response;
}

}  // namespace strata::server
