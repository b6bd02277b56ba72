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

asio::awaitable<std::optional<ProduceResponse>> handle_produce(Broker& broker, protocol::ProduceRequest& request,
                                                               int16_t version) {
  ProduceResponse response;
  const bool valid_acks = request.acks == -1 || request.acks == 0 || request.acks == 1;
  std::vector<storage::TopicPartition> to_flush;
  for (auto& topic : request.topic_data) {
    ProduceResponse::TopicProduceResponse topic_response;
    topic_response.name = topic.name;
    for (auto& partition : topic.partition_data) {
      ProduceResponse::PartitionProduceResponse p;
      p.index = partition.index;
      p.base_offset = -1;
      const storage::TopicPartition tp{topic.name, PartitionId{partition.index}};
      storage::PartitionLog* log_ptr = broker.find_log(tp);
      auto fail = [&](ErrorCode code, std::string message) {
        p.error_code = static_cast<int16_t>(code);
        if (!message.empty() && version >= kFirstVersionWithRecordErrors) p.error_message = std::move(message);
      };
      if (!valid_acks) {
        fail(ErrorCode::kInvalidRequiredAcks, "acks must be -1, 0 or 1");
      } else if (topic.name == group::kOffsetsTopic) {
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
            batch ? log_ptr->append_as_leader(*batch, LeaderEpoch{kLeaderEpoch}, record::AppendOrigin::client, &record_errors)
                  : result<storage::AppendResult>(batch.error());
        broker.metrics().record_produce(topic.name, appended ? static_cast<uint64_t>(appended->appended_bytes) : 0,
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
      topic_response.partition_responses.push_back(std::move(p));
    }
    response.responses.push_back(std::move(topic_response));
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
  if (request.acks == 0) co_return std::nullopt;
  co_return response;
}

}  // namespace strata::server
