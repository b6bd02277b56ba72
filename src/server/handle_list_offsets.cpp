// ListOffsets: earliest, latest (the high watermark, or the LSO for READ_COMMITTED), max
// timestamp, earliest local, and lookups by timestamp.
#include "server/handlers.h"

namespace strata::server {

using protocol::ErrorCode;
using protocol::ListOffsetsResponse;

// ListOffsets v4 added the leader epoch; below it the field must keep its default.
constexpr int16_t kFirstVersionWithLeaderEpoch = 4;

ListOffsetsResponse handle_list_offsets(Broker& broker, const protocol::ListOffsetsRequest& request, int16_t version) {
  const bool with_epoch = version >= kFirstVersionWithLeaderEpoch;
  ListOffsetsResponse response;
  const bool committed = request.isolation_level == 1;
  for (const auto& topic : request.topics) {
    ListOffsetsResponse::ListOffsetsTopicResponse t;
    t.name = topic.name;
    for (const auto& partition : topic.partitions) {
      ListOffsetsResponse::ListOffsetsPartitionResponse p;
      p.partition_index = partition.partition_index;
      storage::PartitionLog* log_ptr = broker.find_log({topic.name, PartitionId{partition.partition_index}});
      if (!log_ptr) {
        p.error_code = static_cast<int16_t>(ErrorCode::kUnknownTopicOrPartition);
        t.partitions.push_back(std::move(p));
        continue;
      }
      if (partition.timestamp == storage::kLatestTimestamp) {
        p.offset = (committed ? log_ptr->last_stable_offset() : log_ptr->high_watermark()).value();
        p.timestamp = -1;
        auto latest = log_ptr->fetch_offset_by_timestamp(storage::kLatestTimestamp);
        if (with_epoch) p.leader_epoch = latest && *latest ? (*latest)->leader_epoch.value() : -1;
        t.partitions.push_back(std::move(p));
        continue;
      }
      auto found = log_ptr->fetch_offset_by_timestamp(partition.timestamp);
      if (!found) {
        p.error_code = static_cast<int16_t>(error_code_of(found.error()));
      } else if (*found) {
        p.timestamp = (*found)->timestamp;
        p.offset = (*found)->offset.value();
        if (with_epoch) p.leader_epoch = (*found)->leader_epoch.value();
      }
      t.partitions.push_back(std::move(p));
    }
    response.topics.push_back(std::move(t));
  }
  return response;
}

}  // namespace strata::server
