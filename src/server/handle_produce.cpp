// Produce: one batch per partition, validated and appended by the partition log (offsets assigned
// in place in the request buffer, no copy); flushed before the answer when flush.messages says so.
#include <fmt/format.h>

#include "group/offsets_records.h"
#include "record/validation.h"
#include "server/handlers.h"
#include "server/logging.h"

namespace strata::server {

using protocol::ErrorCode;
using protocol::ProduceResponse;

namespace {
constexpr int16_t kFirstVersionWithLogStartOffset = 5;
constexpr int16_t kFirstVersionWithRecordErrors = 8;
}  // namespace

namespace {

// One partition of the request, on its owner shard: validated and appended in place; its answer
// goes to `p`. Partitions that reached flush.messages go to `to_flush`.
void produce_partition(Broker& broker, int16_t version, bool valid_acks, const std::string& topic,
                       protocol::ProduceRequest::PartitionProduceData& partition,
                       ProduceResponse::PartitionProduceResponse& p, std::vector<storage::TopicPartition>& to_flush) {
  p.index = partition.index;
  p.base_offset = -1;
  const storage::TopicPartition tp{topic, PartitionId{partition.index}};
  storage::PartitionLog* log_ptr = broker.find_log(tp);
  auto fail = [&](ErrorCode code, std::string message) {
    p.error_code = static_cast<int16_t>(code);
    if (!message.empty() && version >= kFirstVersionWithRecordErrors) p.error_message = std::move(message);
  };
  if (!valid_acks) {
    fail(ErrorCode::kInvalidRequiredAcks, "acks must be -1, 0 or 1");
  } else if (topic == group::kOffsetsTopic) {
    // Only the group coordinator writes its topic (Kafka: internal topics refuse clients).
    fail(ErrorCode::kInvalidTopicException, "Cannot append to internal topic __consumer_offsets");
  } else if (!log_ptr) {
    fail(ErrorCode::kUnknownTopicOrPartition, "");
  } else if (!partition.records) {
    fail(ErrorCode::kInvalidRecord, "the partition's records are null");
  } else {
    // The records borrow from the connection's own (writable) frame buffer.
    bytes_view records = partition.records->data();
    std::span<std::byte> writable(const_cast<std::byte*>(records.data()), records.size());
    auto batch = record::check_produce_records(writable, version);
    std::vector<record::RecordError> record_errors;
    result<storage::AppendResult> appended =
        batch
            ? log_ptr->append_as_leader(*batch, LeaderEpoch{kLeaderEpoch}, record::AppendOrigin::client, &record_errors)
            : result<storage::AppendResult>(batch.error());
    broker.metrics().record_produce(topic, appended ? static_cast<uint64_t>(appended->appended_bytes) : 0,
                                    appended ? static_cast<uint64_t>(appended->record_count) : 0, !appended);
    if (appended) {
      p.base_offset = appended->first_offset.value();
      p.log_append_time_ms = appended->log_append_time;
      if (version >= kFirstVersionWithLogStartOffset) p.log_start_offset = appended->log_start_offset.value();
      if (appended->flush_needed) to_flush.push_back(tp);
      if (!appended->duplicate) broker.notify_data(tp);
    } else {
      fail(error_code_of(appended.error()), appended.error().message());
      if (version >= kFirstVersionWithLogStartOffset) p.log_start_offset = log_ptr->log_start_offset().value();
      for (const auto& e : record_errors) {
        if (version < kFirstVersionWithRecordErrors) break;
        ProduceResponse::BatchIndexAndErrorMessage entry;
        entry.batch_index = e.batch_index;
        entry.batch_index_error_message = e.message;
        p.record_errors.push_back(std::move(entry));
      }
      log(LogLevel::debug, "{}: produce rejected: {}", storage::to_string(tp), appended.error().message());
    }
  }
}

// A partition of the request and where its answer goes.
struct ProduceSlot {
  const std::string* topic;
  protocol::ProduceRequest::PartitionProduceData* partition;
  ProduceResponse::PartitionProduceResponse* answer;
};

}  // namespace

asio::awaitable<std::optional<ProduceResponse>> handle_produce(Broker& broker, protocol::ProduceRequest& request,
                                                               int16_t version) {
  ProduceResponse response;
  const bool valid_acks = request.acks == -1 || request.acks == 0 || request.acks == 1;
  // The answers in request order, laid out first so that the slots' pointers stay valid.
  for (auto& topic : request.topic_data) {
    ProduceResponse::TopicProduceResponse topic_response;
    topic_response.name = topic.name;
    topic_response.partition_responses.resize(topic.partition_data.size());
    response.responses.push_back(std::move(topic_response));
  }
  std::vector<std::vector<ProduceSlot>> by_shard(broker.shard_count());
  for (size_t t = 0; t < request.topic_data.size(); ++t) {
    auto& topic = request.topic_data[t];
    for (size_t i = 0; i < topic.partition_data.size(); ++i) {
      const size_t owner = broker.shard_of({topic.name, PartitionId{topic.partition_data[i].index}});
      by_shard[owner].push_back({&topic.name, &topic.partition_data[i], &response.responses[t].partition_responses[i]});
    }
  }
  // One hop per shard that owns partitions of the request; the request and the answers live in
  // this frame, which waits.
  for (size_t shard = 0; shard < by_shard.size(); ++shard) {
    if (by_shard[shard].empty()) continue;
    auto on_owner = [&broker, &slots = by_shard[shard], version, valid_acks]() -> asio::awaitable<bool> {
      std::vector<storage::TopicPartition> to_flush;
      for (const ProduceSlot& slot : slots) {
        produce_partition(broker, version, valid_acks, *slot.topic, *slot.partition, *slot.answer, to_flush);
      }
      // flush.messages reached: the data is fsynced (on the blocking pool) before the answer.
      for (const storage::TopicPartition& tp : to_flush) {
        storage::PartitionLog* log_ptr = broker.find_log(tp);
        if (!log_ptr) continue;
        auto job = log_ptr->prepare_flush(log_ptr->log_end_offset());
        if (!job || !*job) continue;
        result<void> flushed = co_await broker.run_flush(tp, std::move(**job));
        if (!flushed) log(LogLevel::error, "{}: flush failed: {}", storage::to_string(tp), flushed.error().to_string());
      }
      co_return true;
    };
    co_await broker.on_shard<bool>(shard, std::move(on_owner));
  }
  if (request.acks == 0) co_return std::nullopt;
  co_return response;
}

}  // namespace strata::server
