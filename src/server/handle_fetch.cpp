// Fetch (consumers): reads from each partition's log up to the partition and request byte limits,
// waits up to max.wait.ms for min.bytes, honours the isolation level, and answers without fetch
// sessions (session id 0: every fetch is a full one, which Kafka clients accept; KIP-227). An
// incremental fetch, which needs a session this broker never created, gets Kafka's session errors.
#include <chrono>

#include "server/handlers.h"
#include "server/logging.h"

namespace strata::server {

using protocol::ErrorCode;
using protocol::FetchResponse;

namespace {

constexpr int8_t kReadCommitted = 1;
constexpr int16_t kFirstVersionWithLogStartOffset = 5;
constexpr int16_t kFirstVersionWithTopicIds = 13;
constexpr int16_t kFirstVersionWithSessions = 7;

// What one partition of the final response carried, for the metrics.
struct PartitionOutcome {
  std::string topic;
  uint64_t bytes = 0;
  bool failed = false;
};

struct FetchTarget {
  size_t topic_index;
  std::string topic;
  std::optional<storage::TopicPartition> tp;  // nullopt: unknown topic
  ErrorCode unknown_error = ErrorCode::kUnknownTopicOrPartition;
};

// One pass over every requested partition; returns the bytes of records gathered. waiting_on gets
// the partitions a long poll waits for (none when a partition has an error).
int64_t read_all(Broker& broker, const protocol::FetchRequest& request, int16_t version, FetchResponse& response,
                 std::vector<bytes>& buffers, std::vector<storage::TopicPartition>& waiting_on,
                 std::vector<PartitionOutcome>& outcomes) {
  response = FetchResponse{};
  buffers.clear();
  waiting_on.clear();
  outcomes.clear();
  const storage::FetchIsolation isolation = request.isolation_level == kReadCommitted
                                                ? storage::FetchIsolation::txn_committed
                                                : storage::FetchIsolation::high_watermark;
  int64_t remaining = request.max_bytes;
  int64_t gathered = 0;
  bool errors = false;
  for (const auto& topic : request.topics) {
    FetchResponse::FetchableTopicResponse topic_response;
    if (version >= kFirstVersionWithTopicIds) {
      topic_response.topic_id = topic.topic_id;
    } else {
      topic_response.topic = topic.topic;
    }
    std::string name = topic.topic;
    ErrorCode unknown = ErrorCode::kUnknownTopicOrPartition;
    if (version >= kFirstVersionWithTopicIds) {  // topics by id (KIP-516)
      const cluster::TopicMetadata* t = broker.metadata().find(to_topic_id(topic.topic_id));
      name = t ? t->name : std::string();
      unknown = ErrorCode::kUnknownTopicId;
    }
    for (const auto& partition : topic.partitions) {
      FetchResponse::PartitionData p;
      p.partition_index = partition.partition;
      p.records = protocol::RecordsView{};
      if (isolation != storage::FetchIsolation::txn_committed) p.aborted_transactions = std::nullopt;
      const storage::TopicPartition tp{name, PartitionId{partition.partition}};
      storage::PartitionLog* log_ptr = name.empty() ? nullptr : broker.find_log(tp);
      if (!log_ptr) {
        p.error_code = static_cast<int16_t>(unknown);
        p.high_watermark = -1;
        errors = true;
        outcomes.push_back({name, 0, true});
        topic_response.partitions.push_back(std::move(p));
        continue;
      }
      p.high_watermark = log_ptr->high_watermark().value();
      p.last_stable_offset = log_ptr->last_stable_offset().value();
      if (version >= kFirstVersionWithLogStartOffset) p.log_start_offset = log_ptr->log_start_offset().value();
      waiting_on.push_back(tp);
      const int64_t limit = std::min<int64_t>(partition.partition_max_bytes, std::max<int64_t>(remaining, 0));
      // KIP-74: the first partition with data returns at least one whole batch, so that a batch
      // larger than the limits cannot stall a consumer.
      const bool min_one = gathered == 0;
      auto read = log_ptr->read(Offset{partition.fetch_offset},
                                static_cast<int32_t>(std::min<int64_t>(limit, INT32_MAX)), isolation, min_one);
      if (!read) {
        p.error_code = static_cast<int16_t>(error_code_of(read.error()));
        errors = true;
        outcomes.push_back({name, 0, true});
        topic_response.partitions.push_back(std::move(p));
        continue;
      }
      PartitionOutcome& outcome = outcomes.emplace_back(PartitionOutcome{name, 0, false});
      if (read->records && read->records->size > 0) {
        auto data = storage::read_slice(*read->records, read->segment_path);
        if (!data) {
          p.error_code = static_cast<int16_t>(ErrorCode::kKafkaStorageError);
          outcome.failed = true;
          log(LogLevel::error, "{}: {}", storage::to_string(tp), data.error().to_string());
        } else {
          buffers.push_back(std::move(*data));
          p.records = protocol::RecordsView(buffers.back());
          outcome.bytes = buffers.back().size();
          gathered += static_cast<int64_t>(buffers.back().size());
          remaining -= static_cast<int64_t>(buffers.back().size());
        }
      }
      if (isolation == storage::FetchIsolation::txn_committed) {
        std::vector<FetchResponse::AbortedTransaction> aborted;
        for (const auto& txn : read->aborted_transactions) {
          FetchResponse::AbortedTransaction a;
          a.producer_id = txn.producer_id.value();
          a.first_offset = txn.first_offset.value();
          aborted.push_back(a);
        }
        p.aborted_transactions = std::move(aborted);
      }
      topic_response.partitions.push_back(std::move(p));
    }
    response.responses.push_back(std::move(topic_response));
  }
  // An error answers at once: waiting cannot fix it (an empty waiting_on ends the wait).
  if (errors) waiting_on.clear();
  return gathered;
}

}  // namespace

asio::awaitable<FetchResponse> handle_fetch(Broker& broker, const protocol::FetchRequest& request, int16_t version,
                                            std::vector<bytes>& buffers) {
  FetchResponse response;
  if (version >= kFirstVersionWithSessions && request.session_epoch > 0) {
    // An incremental fetch: it needs a session, and this broker creates none (it answers every
    // full fetch with session id 0), so the id is unknown or the epoch is wrong (FetchSession.scala).
    response.error_code = static_cast<int16_t>(request.session_id != 0 ? ErrorCode::kFetchSessionIdNotFound
                                                                        : ErrorCode::kInvalidFetchSessionEpoch);
    co_return response;
  }
  std::vector<storage::TopicPartition> waiting_on;
  std::vector<PartitionOutcome> outcomes;
  // The RecordsViews point into `buffers`' elements: reserve one per partition so that no
  // push_back reallocates (a bytes object's heap data would stay put, but be explicit).
  size_t partitions = 0;
  for (const auto& t : request.topics) partitions += t.partitions.size();
  buffers.reserve(partitions);
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(std::max(request.max_wait_ms, 0));
  while (true) {
    const int64_t gathered = read_all(broker, request, version, response, buffers, waiting_on, outcomes);
    if (gathered >= request.min_bytes || waiting_on.empty() || std::chrono::steady_clock::now() >= deadline) {
      break;
    }
    co_await broker.wait_for_data(waiting_on, deadline);
  }
  for (const PartitionOutcome& o : outcomes) broker.metrics().record_fetch(o.topic, o.bytes, o.failed);
  co_return response;
}

}  // namespace strata::server
