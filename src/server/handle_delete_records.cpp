// DeleteRecords (ReplicaManager.deleteRecords on one node): moves each partition's log start
// offset up; the partition's low watermark in the answer is the new log start offset.
#include "server/handlers.h"

namespace strata::server {

using protocol::ErrorCode;

namespace {

// DeleteRecordsRequest.HIGH_WATERMARK: delete everything below the high watermark.
constexpr int64_t kHighWatermark = -1;

}  // namespace

asio::awaitable<protocol::DeleteRecordsResponse> handle_delete_records(Broker& broker,
                                                                       const protocol::DeleteRecordsRequest& request,
                                                                       int16_t) {
  protocol::DeleteRecordsResponse response;
  for (const auto& topic : request.topics) {
    protocol::DeleteRecordsResponse::DeleteRecordsTopicResult t;
    t.name = topic.name;
    for (const auto& partition : topic.partitions) {
      using PartitionResult = protocol::DeleteRecordsResponse::DeleteRecordsPartitionResult;
      // On the partition's owner shard.
      auto delete_records = [&partition](storage::PartitionLog* log) {
        PartitionResult p;
        p.partition_index = partition.partition_index;
        p.low_watermark = -1;
        if (!log) {
          p.error_code = static_cast<int16_t>(ErrorCode::kUnknownTopicOrPartition);
        } else if (log->config().cleanup_compact && !log->config().cleanup_delete) {
          // Kafka: "Records of partition ... can not be deleted while the partition is compacted".
          p.error_code = static_cast<int16_t>(ErrorCode::kPolicyViolation);
        } else if (partition.offset < 0 && partition.offset != kHighWatermark) {
          p.error_code = static_cast<int16_t>(ErrorCode::kOffsetOutOfRange);
        } else {
          const Offset target = partition.offset == kHighWatermark ? log->high_watermark() : Offset{partition.offset};
          auto moved = log->delete_records_before(target);
          if (moved) {
            p.low_watermark = moved->value();
          } else {
            p.error_code = static_cast<int16_t>(error_code_of(moved.error()));
          }
        }
        return p;
      };
      // Named first: a braced temporary inside a co_await expression is miscompiled by GCC 12.
      const storage::TopicPartition tp{topic.name, PartitionId{partition.partition_index}};
      PartitionResult p = co_await broker.with_log(tp, std::move(delete_records));
      t.partitions.push_back(p);
    }
    response.topics.push_back(std::move(t));
  }
  co_return response;
}

}  // namespace strata::server
