// Fetch (consumers): reads from each partition's log up to the partition and request byte limits,
// waits up to max.wait.ms for min.bytes, honours the isolation level, and answers without fetch
// sessions (session id 0: every fetch is a full one, which Kafka clients accept; KIP-227). An
// incremental fetch, which needs a session this broker never created, gets Kafka's session errors.
// Records of kSendfileMinBytes or more are not copied: the response leaves a gap for them and the
// connection sends them from the segment file with sendfile (ARCHITECTURE §3.5).
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

// One pass over the request: what the partitions read so far used of the request's limits.
struct FetchPass {
  int64_t remaining = 0;  // of max_bytes
  int64_t gathered = 0;   // bytes of records
  bool errors = false;
};

// A partition of the request and where its answer goes.
struct FetchSlot {
  const protocol::FetchRequest::FetchPartition* partition;
  FetchResponse::PartitionData* answer;
  std::string topic;  // empty: unknown topic id
  ErrorCode unknown;  // the error of an unknown topic or partition
};

// One partition, on its owner shard (or anywhere for an unknown topic).
void read_partition(Broker& broker, const FetchSlot& slot, storage::FetchIsolation isolation, int16_t version,
                    FetchPass& pass, FetchData& data, std::vector<storage::TopicPartition>& waiting_on,
                    std::vector<PartitionOutcome>& outcomes) {
  const auto& partition = *slot.partition;
  FetchResponse::PartitionData& p = *slot.answer;
  p.partition_index = partition.partition;
  p.records = protocol::RecordsView{};
  if (isolation != storage::FetchIsolation::txn_committed) p.aborted_transactions = std::nullopt;
  const storage::TopicPartition tp{slot.topic, PartitionId{partition.partition}};
  storage::PartitionLog* log_ptr = slot.topic.empty() ? nullptr : broker.find_log(tp);
  if (!log_ptr) {
    p.error_code = static_cast<int16_t>(slot.unknown);
    p.high_watermark = -1;
    pass.errors = true;
    outcomes.push_back({slot.topic, 0, true});
    return;
  }
  p.high_watermark = log_ptr->high_watermark().value();
  p.last_stable_offset = log_ptr->last_stable_offset().value();
  if (version >= kFirstVersionWithLogStartOffset) p.log_start_offset = log_ptr->log_start_offset().value();
  waiting_on.push_back(tp);
  const int64_t limit = std::min<int64_t>(partition.partition_max_bytes, std::max<int64_t>(pass.remaining, 0));
  // KIP-74: the first partition with data returns at least one whole batch, so that a batch
  // larger than the limits cannot stall a consumer.
  const bool min_one = pass.gathered == 0;
  auto read = log_ptr->read(Offset{partition.fetch_offset}, static_cast<int32_t>(std::min<int64_t>(limit, INT32_MAX)),
                            isolation, min_one);
  if (!read) {
    p.error_code = static_cast<int16_t>(error_code_of(read.error()));
    pass.errors = true;
    outcomes.push_back({slot.topic, 0, true});
    return;
  }
  PartitionOutcome& outcome = outcomes.emplace_back(PartitionOutcome{slot.topic, 0, false});
  if (read->records && read->records->size >= kSendfileMinBytes) {
    // Sent from the file by the connection (the slice's handle keeps it readable even if
    // retention or the cleaner replace the segment meanwhile).
    data.files.push_back(*read->records);
    p.records = protocol::RecordsView::from_file(static_cast<size_t>(read->records->size),
                                                 static_cast<uint32_t>(data.files.size() - 1));
    outcome.bytes = static_cast<uint64_t>(read->records->size);
    pass.gathered += read->records->size;
    pass.remaining -= read->records->size;
  } else if (read->records && read->records->size > 0) {
    auto copied = storage::read_slice(*read->records, read->segment_path);
    if (!copied) {
      p.error_code = static_cast<int16_t>(ErrorCode::kKafkaStorageError);
      outcome.failed = true;
      log(LogLevel::error, "{}: {}", storage::to_string(tp), copied.error().to_string());
    } else {
      data.buffers.push_back(std::move(*copied));
      p.records = protocol::RecordsView(data.buffers.back());
      outcome.bytes = data.buffers.back().size();
      pass.gathered += static_cast<int64_t>(data.buffers.back().size());
      pass.remaining -= static_cast<int64_t>(data.buffers.back().size());
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
}

// One pass over every requested partition, in request order (the byte limits are spent in that
// order), hopping to the owner of each run of partitions that share one; returns the bytes of
// records gathered. waiting_on gets the partitions a long poll waits for (none when a partition
// has an error).
asio::awaitable<int64_t> read_all(Broker& broker, const protocol::FetchRequest& request, int16_t version,
                                  FetchResponse& response, FetchData& data,
                                  std::vector<storage::TopicPartition>& waiting_on,
                                  std::vector<PartitionOutcome>& outcomes) {
  response = FetchResponse{};
  data.buffers.clear();
  data.files.clear();
  waiting_on.clear();
  outcomes.clear();
  const storage::FetchIsolation isolation = request.isolation_level == kReadCommitted
                                                ? storage::FetchIsolation::txn_committed
                                                : storage::FetchIsolation::high_watermark;
  // The answers laid out first, so that the slots' pointers stay valid.
  std::vector<FetchSlot> slots;
  response.responses.resize(request.topics.size());
  for (size_t t = 0; t < request.topics.size(); ++t) {
    const auto& topic = request.topics[t];
    FetchResponse::FetchableTopicResponse& topic_response = response.responses[t];
    std::string name = topic.topic;
    ErrorCode unknown = ErrorCode::kUnknownTopicOrPartition;
    if (version >= kFirstVersionWithTopicIds) {  // topics by id (KIP-516)
      topic_response.topic_id = topic.topic_id;
      name = broker.topic_name_of(to_topic_id(topic.topic_id)).value_or("");
      unknown = ErrorCode::kUnknownTopicId;
    } else {
      topic_response.topic = topic.topic;
    }
    topic_response.partitions.resize(topic.partitions.size());
    for (size_t i = 0; i < topic.partitions.size(); ++i) {
      slots.push_back({&topic.partitions[i], &topic_response.partitions[i], name, unknown});
    }
  }
  FetchPass pass;
  pass.remaining = request.max_bytes;
  auto owner_of = [&broker](const FetchSlot& slot) {
    return slot.topic.empty() ? Broker::current_shard()
                              : broker.shard_of({slot.topic, PartitionId{slot.partition->partition}});
  };
  for (size_t begin = 0; begin < slots.size();) {
    const size_t owner = owner_of(slots[begin]);
    size_t end = begin + 1;
    while (end < slots.size() && owner_of(slots[end]) == owner) ++end;
    auto read_run = [&, begin, end]() -> asio::awaitable<bool> {
      for (size_t k = begin; k < end; ++k) {
        read_partition(broker, slots[k], isolation, version, pass, data, waiting_on, outcomes);
      }
      co_return true;
    };
    co_await broker.on_shard<bool>(owner, std::move(read_run));
    begin = end;
  }
  // An error answers at once: waiting cannot fix it (an empty waiting_on ends the wait).
  if (pass.errors) waiting_on.clear();
  co_return pass.gathered;
}

}  // namespace

asio::awaitable<FetchResponse> handle_fetch(Broker& broker, const protocol::FetchRequest& request, int16_t version,
                                            FetchData& data) {
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
  data.buffers.reserve(partitions);
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(std::max(request.max_wait_ms, 0));
  // A long poll watches its partitions before the read it then waits after, so that data
  // appended in between (on other shards) wakes it.
  std::shared_ptr<Broker::DataWatch> watch;
  while (true) {
    const int64_t gathered = co_await read_all(broker, request, version, response, data, waiting_on, outcomes);
    if (gathered >= request.min_bytes || waiting_on.empty() || std::chrono::steady_clock::now() >= deadline ||
        broker.stopping()) {
      break;
    }
    if (!watch) {
      watch = broker.watch_data(waiting_on);
      continue;  // read again: what arrived before the watch began is seen now
    }
    co_await broker.wait_for_data(std::move(watch), deadline);
    watch = nullptr;
  }
  if (watch) broker.unwatch_data(watch);
  for (const PartitionOutcome& o : outcomes) broker.metrics().record_fetch(o.topic, o.bytes, o.failed);
  co_return response;
}

}  // namespace strata::server
