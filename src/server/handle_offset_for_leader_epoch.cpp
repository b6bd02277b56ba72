// OffsetForLeaderEpoch (KIP-101/KIP-320): where a leader epoch ends in a partition's log, which
// consumers use to detect log truncation after a leader change. On one node the leader epoch is
// always kLeaderEpoch, and every epoch the log has seen is in its leader-epoch-checkpoint.
#include "server/handlers.h"

namespace strata::server {

using protocol::ErrorCode;

namespace {

constexpr int16_t kFirstVersionWithLeaderEpoch = 1;

// Partition.checkCurrentLeaderEpoch: -1 means the client does not know (or check) the epoch.
ErrorCode check_current_leader_epoch(int32_t current) {
  if (current == -1 || current == kLeaderEpoch) return ErrorCode::kNone;
  return current > kLeaderEpoch ? ErrorCode::kUnknownLeaderEpoch : ErrorCode::kFencedLeaderEpoch;
}

}  // namespace

asio::awaitable<protocol::OffsetForLeaderEpochResponse> handle_offset_for_leader_epoch(
    Broker& broker, const protocol::OffsetForLeaderEpochRequest& request, int16_t version) {
  protocol::OffsetForLeaderEpochResponse response;
  for (const auto& topic : request.topics) {
    protocol::OffsetForLeaderEpochResponse::OffsetForLeaderTopicResult t;
    t.topic = topic.topic;
    for (const auto& partition : topic.partitions) {
      // On the partition's owner shard.
      auto end_offset = [&partition, version](storage::PartitionLog* log) {
        protocol::OffsetForLeaderEpochResponse::EpochEndOffset p;
        p.partition = partition.partition;
        if (!log) {
          p.error_code = static_cast<int16_t>(ErrorCode::kUnknownTopicOrPartition);
        } else if (ErrorCode fenced = check_current_leader_epoch(partition.current_leader_epoch);
                   fenced != ErrorCode::kNone) {
          p.error_code = static_cast<int16_t>(fenced);
        } else if (auto end = log->end_offset_for_epoch(LeaderEpoch{partition.leader_epoch})) {
          if (version >= kFirstVersionWithLeaderEpoch) p.leader_epoch = end->epoch.value();
          p.end_offset = end->start_offset.value();
        }
        return p;
      };
      // Named first: a braced temporary inside a co_await expression is miscompiled by GCC 12.
      const storage::TopicPartition tp{topic.topic, PartitionId{partition.partition}};
      protocol::OffsetForLeaderEpochResponse::EpochEndOffset p = co_await broker.with_log(tp, std::move(end_offset));
      t.partitions.push_back(p);
    }
    response.topics.push_back(std::move(t));
  }
  co_return response;
}

}  // namespace strata::server
