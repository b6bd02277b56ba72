#include "server/group_service.h"

#include <asio/co_spawn.hpp>
#include <asio/detached.hpp>
#include <asio/post.hpp>
#include <asio/redirect_error.hpp>
#include <asio/use_awaitable.hpp>

#include "record/record.h"
#include "record/record_batch.h"
#include "record/record_batch_builder.h"
#include "server/broker.h"
#include "server/logging.h"
#include "storage/log_file.h"

namespace strata::server {

using protocol::ErrorCode;

namespace {

// The resolution of session and rebalance timeouts.
constexpr std::chrono::milliseconds kTickInterval{50};
// How much of a partition one loading step reads before it lets the loop serve others
// (Kafka's offsets.load.buffer.size default).
constexpr int32_t kLoadChunkBytes = 5 * 1024 * 1024;

group::CoordinatorConfig coordinator_config(const Broker& broker) {
  const cluster::BrokerConfig& c = broker.config();
  group::CoordinatorConfig out;
  const cluster::TopicMetadata* topic = broker.metadata().find(std::string(group::kOffsetsTopic));
  // An existing topic keeps its partition count: the groups' partitions were computed from it.
  out.offsets_topic_partitions = topic ? topic->partitions : c.offsets_topic_num_partitions;
  out.initial_rebalance_delay_ms = c.group_initial_rebalance_delay_ms;
  out.min_session_timeout_ms = c.group_min_session_timeout_ms;
  out.max_session_timeout_ms = c.group_max_session_timeout_ms;
  out.max_size = c.group_max_size;
  out.offsets_retention_ms = c.offsets_retention_minutes * 60 * 1000;
  out.offsets_retention_check_interval_ms = c.offsets_retention_check_interval_ms;
  out.offset_metadata_max_bytes = c.offset_metadata_max_bytes;
  return out;
}

// Kafka's mapping of append errors to what a coordinator answers (GroupMetadataManager).
ErrorCode coordinator_error(ErrorCode append_error) {
  switch (append_error) {
    case ErrorCode::kNone: return ErrorCode::kNone;
    case ErrorCode::kUnknownTopicOrPartition:
    case ErrorCode::kNotEnoughReplicas:
    case ErrorCode::kRequestTimedOut: return ErrorCode::kCoordinatorNotAvailable;
    case ErrorCode::kNotLeaderOrFollower:
    case ErrorCode::kKafkaStorageError: return ErrorCode::kNotCoordinator;
    case ErrorCode::kMessageTooLarge:
    case ErrorCode::kRecordListTooLarge:
    case ErrorCode::kInvalidFetchSize: return ErrorCode::kInvalidCommitOffsetSize;
    default: return ErrorCode::kUnknownServerError;
  }
}

}  // namespace

GroupService::GroupService(Broker& broker)
    : broker_(broker),
      coordinator_(std::make_unique<group::GroupCoordinator>(coordinator_config(broker), *this)),
      tick_timer_(broker.io()) {}

GroupService::~GroupService() = default;

result<void> GroupService::ensure_topic() {
  const std::string name(group::kOffsetsTopic);
  if (broker_.metadata().find(name)) return success();
  const cluster::BrokerConfig& c = broker_.config();
  std::map<std::string, std::string> configs = {
      {"cleanup.policy", "compact"},
      {"compression.type", "producer"},
      {"segment.bytes", std::to_string(c.offsets_topic_segment_bytes)},
  };
  STRATA_TRY(broker_.create_topic(name, coordinator_->config().offsets_topic_partitions, std::move(configs)));
  return success();
}

void GroupService::append(int32_t partition, std::vector<group::OffsetsTopicWrite> records,
                          std::function<void(ErrorCode)> done) {
  if (auto created = ensure_topic(); !created) {
    log(LogLevel::error, "cannot create {}: {}", group::kOffsetsTopic, created.error().to_string());
    return done(ErrorCode::kCoordinatorNotAvailable);
  }
  const storage::TopicPartition tp{std::string(group::kOffsetsTopic), PartitionId{partition}};
  storage::PartitionLog* log_ptr = broker_.find_log(tp);
  if (!log_ptr) return done(ErrorCode::kCoordinatorNotAvailable);
  // One batch per call, so that a group's records (an offset commit of many partitions, a group's
  // tombstones) are appended atomically.
  record::BatchBuilderOptions options;
  record::RecordBatchBuilder builder(options);
  const int64_t now = system_clock().now_wall_ms();
  for (const group::OffsetsTopicWrite& r : records) {
    std::optional<bytes_view> value;
    if (r.value) value = bytes_view(*r.value);
    if (auto added = builder.append(now, bytes_view(r.key), value); !added) {
      log(LogLevel::error, "{}: cannot build a batch: {}", storage::to_string(tp), added.error().to_string());
      return done(ErrorCode::kUnknownServerError);
    }
  }
  auto batch = builder.build();
  if (!batch) return done(ErrorCode::kUnknownServerError);
  auto appended =
      log_ptr->append_as_leader(std::span<std::byte>(*batch), LeaderEpoch{0}, record::AppendOrigin::coordinator);
  if (!appended) {
    log(LogLevel::warn, "{}: coordinator append failed: {}", storage::to_string(tp), appended.error().to_string());
    return done(coordinator_error(error_code_of(appended.error())));
  }
  broker_.notify_data(tp);
  if (!appended->flush_needed) return done(ErrorCode::kNone);
  // flush.messages reached: the answer waits for the fsync (on the blocking pool).
  auto job = log_ptr->prepare_flush(log_ptr->log_end_offset());
  if (!job || !*job) return done(ErrorCode::kNone);
  auto flush = [this, tp, job = std::move(**job), done = std::move(done)]() mutable -> asio::awaitable<void> {
    result<void> flushed = co_await broker_.run_flush(tp, std::move(job));
    if (!flushed) log(LogLevel::error, "{}: flush failed: {}", storage::to_string(tp), flushed.error().to_string());
    done(flushed ? ErrorCode::kNone : ErrorCode::kNotCoordinator);
  };
  asio::co_spawn(broker_.io(), std::move(flush), asio::detached);
}

void GroupService::start() {
  const std::string name(group::kOffsetsTopic);
  if (const cluster::TopicMetadata* topic = broker_.metadata().find(name)) {
    for (int32_t p = 0; p < topic->partitions; ++p) coordinator_->begin_loading(p);
    asio::co_spawn(broker_.io(), load(), asio::detached);
  }
  asio::co_spawn(broker_.io(), tick_loop(), asio::detached);
}

void GroupService::stop() {
  stopped_ = true;
  tick_timer_.cancel();
  coordinator_->shutdown();
}

result<void> GroupService::load_partition_chunk(int32_t partition, Offset& next, bool& done) {
  const storage::TopicPartition tp{std::string(group::kOffsetsTopic), PartitionId{partition}};
  storage::PartitionLog* log_ptr = broker_.find_log(tp);
  if (!log_ptr || next >= log_ptr->log_end_offset()) {
    done = true;
    return success();
  }
  if (next < log_ptr->log_start_offset()) next = log_ptr->log_start_offset();
  STRATA_TRY_ASSIGN(storage::FetchDataInfo read,
                    log_ptr->read(next, kLoadChunkBytes, storage::FetchIsolation::log_end, true));
  if (!read.records || read.records->size == 0) {
    done = true;
    return success();
  }
  STRATA_TRY_ASSIGN(bytes data, storage::read_slice(*read.records, read.segment_path));
  record::RecordBatchReader reader(data);
  bool any = false;
  while (true) {
    auto batch = reader.next();
    if (!batch || !*batch) break;  // the end, or a batch cut off at the end of the read
    any = true;
    const record::RecordBatchView& b = **batch;
    next = Offset{b.last_offset().value() + 1};
    if (b.is_control()) continue;
    STRATA_TRY_ASSIGN(record::BatchRecords records, record::BatchRecords::open(b));
    auto it = records.iterator();
    while (true) {
      STRATA_TRY_ASSIGN(std::optional<record::Record> r, it.next());
      if (!r) break;
      if (!r->key) continue;
      auto decoded = group::decode_offsets_record(*r->key, r->value);
      if (!decoded) {
        log(LogLevel::warn, "{}: skipping the record at offset {}: {}", storage::to_string(tp), r->offset.value(),
            decoded.error().to_string());
        continue;
      }
      coordinator_->replay(partition, *decoded);
    }
  }
  if (!any) done = true;
  return success();
}

asio::awaitable<void> GroupService::load() {
  const std::string name(group::kOffsetsTopic);
  const cluster::TopicMetadata* topic = broker_.metadata().find(name);
  const int32_t partitions = topic ? topic->partitions : 0;
  for (int32_t p = 0; p < partitions && !stopped_; ++p) {
    const auto started = std::chrono::steady_clock::now();
    Offset next{0};
    bool done = false;
    while (!done && !stopped_) {
      if (auto loaded = load_partition_chunk(p, next, done); !loaded) {
        log(LogLevel::error, "{}-{}: loading stopped at offset {}: {}", name, p, next.value(),
            loaded.error().to_string());
        break;
      }
      // Let the loop serve other requests between chunks.
      co_await asio::post(broker_.io(), asio::use_awaitable);
    }
    coordinator_->finish_loading(p);
    const auto ms =
        std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() - started).count();
    if (next.value() > 0)
      log(LogLevel::info, "Loaded the groups of {}-{} (up to offset {}) in {} ms", name, p, next.value(), ms);
  }
}

asio::awaitable<void> GroupService::tick_loop() {
  while (!stopped_) {
    tick_timer_.expires_after(kTickInterval);
    std::error_code ec;
    co_await tick_timer_.async_wait(asio::redirect_error(asio::use_awaitable, ec));
    if (stopped_) co_return;
    coordinator_->tick();
  }
}

}  // namespace strata::server
