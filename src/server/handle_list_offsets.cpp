// ListOffsets: earliest, latest (the high watermark, or the LSO for READ_COMMITTED), max
// timestamp, earliest local, and lookups by timestamp.
#include "server/handlers.h"

namespace strata::server {

using protocol::ErrorCode;
using protocol::ListOffsetsResponse;

// ListOffsets v4 added the leader epoch; below it the field must keep its default.
constexpr int16_t kFirstVersionWithLeaderEpoch = 4;

asio::awaitable<ListOffsetsResponse> handle_list_offsets(Broker& broker, const protocol::ListOffsetsRequest& request,
                                                         int16_t version) {
  const bool with_epoch = version >= kFirstVersionWithLeaderEpoch;
  ListOffsetsResponse response;
  const bool committed = request.isolation_level == 1;
  for (const auto& topic : request.topics) {
    ListOffsetsResponse::ListOffsetsTopicResponse t;
    t.name = topic.name;
    for (const auto& partition : topic.partitions) {
      using PartitionResponse = ListOffsetsResponse::ListOffsetsPartitionResponse;
      // On the partition's owner shard.
      auto look_up = [&partition, committed, with_epoch](storage::PartitionLog* log_ptr) {
        PartitionResponse p;
        p.partition_index = partition.partition_index;
        if (!log_ptr) {
          p.error_code = static_cast<int16_t>(ErrorCode::kUnknownTopicOrPartition);
          return p;
        }
        if (partition.timestamp == storage::kLatestTimestamp) {
          p.offset = (committed ? log_ptr->last_stable_offset() : log_ptr->high_watermark()).value();
          p.timestamp = -1;
          auto latest = log_ptr->fetch_offset_by_timestamp(storage::kLatestTimestamp);
          if (with_epoch) p.leader_epoch = latest && *latest ? (*latest)->leader_epoch.value() : -1;
          return p;
        }
        auto found = log_ptr->fetch_offset_by_timestamp(partition.timestamp);
        if (!found) {
          p.error_code = static_cast<int16_t>(error_code_of(found.error()));
        } else if (*found) {
          p.timestamp = (*found)->timestamp;
          p.offset = (*found)->offset.value();
          if (with_epoch) p.leader_epoch = (*found)->leader_epoch.value();
        }
        return p;
      };
      // Named first: a braced temporary inside a co_await expression is miscompiled by GCC 12.
      const storage::TopicPartition tp{topic.name, PartitionId{partition.partition_index}};
      PartitionResponse p = co_await broker.with_log(tp, std::move(look_up));
      t.partitions.push_back(std::move(p));
    }
    response.topics.push_back(std::move(t));
  }
  co_return response;
}

}  // namespace strata::server
