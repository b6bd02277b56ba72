#include "server/broker.h"

#include <asio/co_spawn.hpp>
#include <asio/detached.hpp>
#include <asio/post.hpp>
#include <asio/redirect_error.hpp>
#include <asio/signal_set.hpp>
#include <asio/use_awaitable.hpp>
#include <asio/write.hpp>

#include <fmt/format.h>

#include "cluster/properties.h"
#include "record/record_error.h"
#include "server/group_service.h"
#include "server/logging.h"
#include "storage/partition_metadata_file.h"
#include "storage/producer_state_error.h"
#include "storage/storage_error.h"

namespace strata::server {

using asio::ip::tcp;
using protocol::ErrorCode;

namespace {
// How often the flusher looks for logs whose flush.ms has passed.
constexpr std::chrono::milliseconds kFlushCheckInterval{1000};
}  // namespace

ErrorCode error_code_of(const Error& error) {
  const std::string_view category = error.category();
  if (category == "record") return static_cast<ErrorCode>(record::kafka_error_code(error));
  if (category == "producer_state") return static_cast<ErrorCode>(storage::kafka_error_code_of(error));
  if (category == "storage") {
    switch (static_cast<storage::StorageErrc>(error.code())) {
      case storage::StorageErrc::offset_out_of_range: return ErrorCode::kOffsetOutOfRange;
      case storage::StorageErrc::batch_larger_than_segment: return ErrorCode::kRecordListTooLarge;
      case storage::StorageErrc::invalid_topic: return ErrorCode::kInvalidTopicException;
      case storage::StorageErrc::log_closed: return ErrorCode::kNotLeaderOrFollower;
      default: return ErrorCode::kKafkaStorageError;
    }
  }
  if (category == "cluster") {
    switch (static_cast<cluster::ClusterErrc>(error.code())) {
      case cluster::ClusterErrc::invalid_config: return ErrorCode::kInvalidConfig;
      case cluster::ClusterErrc::topic_exists: return ErrorCode::kTopicAlreadyExists;
      case cluster::ClusterErrc::unknown_topic: return ErrorCode::kUnknownTopicOrPartition;
      default: return ErrorCode::kUnknownServerError;
    }
  }
  return ErrorCode::kUnknownServerError;
}

Broker::Broker(cluster::BrokerConfig config) : config_(std::move(config)) {}

Broker::~Broker() { blocking_.join(); }

result<std::unique_ptr<Broker>> Broker::open(cluster::BrokerConfig config) {
  std::unique_ptr<Broker> broker(new Broker(std::move(config)));
  const cluster::BrokerConfig& c = broker->config_;
  STRATA_TRY_ASSIGN(broker->metadata_, cluster::MetadataStore::open(c.log_dirs, c.node_id));
  for (const std::string& m : broker->metadata_->load_messages()) log(LogLevel::warn, "{}", m);
  storage::LogManagerOptions options;
  options.log_dirs = c.log_dirs;
  STRATA_TRY_ASSIGN(options.default_config, c.log_config({}));
  // Each partition's config: its topic's overrides over the broker's defaults.
  Broker* self = broker.get();
  auto config_for = [self](const storage::TopicPartition& tp) {
    const cluster::TopicMetadata* topic = self->metadata_->find(tp.topic);
    auto config = self->topic_log_config(topic ? topic->configs : std::map<std::string, std::string>{});
    return config ? *config : storage::LogConfig{};
  };
  STRATA_TRY_ASSIGN(broker->logs_, storage::LogManager::open(options, config_for));
  const storage::LogManagerStartup& startup = broker->logs_->startup();
  for (const std::string& m : startup.messages) log(LogLevel::info, "{}", m);
  log(LogLevel::info, "Loaded {} partitions from {} log dir(s){}", startup.partitions_loaded, c.log_dirs.size(),
      startup.partitions_loaded == 0 ? ""
      : startup.had_clean_shutdown   ? " after a clean shutdown"
                                     : ", recovered after an unclean shutdown");
  // Partitions of topics the metadata no longer has (a crash between the two deletes) go; topics
  // whose partitions are missing get them (a crash between metadata and log creation).
  for (const storage::TopicPartition& tp : broker->logs_->partitions()) {
    const cluster::TopicMetadata* topic = broker->metadata_->find(tp.topic);
    if (!topic || tp.partition.value() >= topic->partitions) {
      log(LogLevel::warn, "{}: no such partition in the metadata; deleting its log", storage::to_string(tp));
      STRATA_TRY(broker->logs_->remove(tp));
    }
  }
  for (const auto& [name, topic] : broker->metadata_->topics()) {
    STRATA_TRY_ASSIGN(storage::LogConfig config, broker->topic_log_config(topic.configs));
    for (int32_t p = 0; p < topic.partitions; ++p) {
      const storage::TopicPartition tp{name, PartitionId{p}};
      if (broker->logs_->get(tp)) continue;
      STRATA_TRY_ASSIGN(storage::PartitionLog * created, broker->logs_->get_or_create(tp, config));
      STRATA_TRY(storage::write_partition_metadata(created->dir() / storage::kPartitionMetadataFile, topic.id));
    }
  }
  broker->groups_ = std::make_unique<GroupService>(*broker);
  return broker;
}

result<storage::LogConfig> Broker::topic_log_config(const std::map<std::string, std::string>& overrides) const {
  return config_.log_config(overrides);
}

storage::PartitionLog* Broker::find_log(const storage::TopicPartition& tp) const { return logs_->get(tp); }

result<cluster::TopicMetadata> Broker::create_topic(const std::string& name, int32_t partitions,
                                                    std::map<std::string, std::string> configs) {
  STRATA_TRY_ASSIGN(storage::LogConfig config, topic_log_config(configs));
  // Metadata first: a crash after it leaves a topic whose partitions open() creates; a crash
  // before it leaves nothing.
  STRATA_TRY_ASSIGN(cluster::TopicMetadata topic, metadata_->create_topic(name, partitions, std::move(configs)));
  for (int32_t p = 0; p < partitions; ++p) {
    STRATA_TRY_ASSIGN(storage::PartitionLog * created, logs_->get_or_create({name, PartitionId{p}}, config));
    STRATA_TRY(storage::write_partition_metadata(created->dir() / storage::kPartitionMetadataFile, topic.id));
  }
  log(LogLevel::info, "Created topic {} with {} partitions, id {}", name, partitions, topic.id.to_string());
  return topic;
}

result<void> Broker::delete_topic(const std::string& name) {
  const cluster::TopicMetadata* topic = metadata_->find(name);
  if (!topic) return Error(cluster::ClusterErrc::unknown_topic, fmt::format("Topic '{}' does not exist.", name));
  const int32_t partitions = topic->partitions;
  STRATA_TRY(metadata_->delete_topic(name));
  for (int32_t p = 0; p < partitions; ++p) {
    const storage::TopicPartition tp{name, PartitionId{p}};
    STRATA_TRY(logs_->remove(tp));
    notify_data(tp);  // waiting fetches answer UNKNOWN_TOPIC_OR_PARTITION at once
  }
  groups_->coordinator().topic_deleted(name);  // its committed offsets go too
  log(LogLevel::info, "Deleted topic {}", name);
  return success();
}

result<void> Broker::create_partitions(const std::string& name, int32_t partitions) {
  const cluster::TopicMetadata* topic = metadata_->find(name);
  if (!topic) return Error(cluster::ClusterErrc::unknown_topic, fmt::format("Topic '{}' does not exist.", name));
  const int32_t before = topic->partitions;
  STRATA_TRY_ASSIGN(storage::LogConfig config, topic_log_config(topic->configs));
  // Metadata first, as in create_topic: open() creates partitions the metadata has and the disk lacks.
  STRATA_TRY(metadata_->set_partition_count(name, partitions));
  for (int32_t p = before; p < partitions; ++p) {
    STRATA_TRY_ASSIGN(storage::PartitionLog * created, logs_->get_or_create({name, PartitionId{p}}, config));
    STRATA_TRY(
        storage::write_partition_metadata(created->dir() / storage::kPartitionMetadataFile, metadata_->find(name)->id));
  }
  log(LogLevel::info, "Topic {} now has {} partitions (was {})", name, partitions, before);
  return success();
}

result<void> Broker::set_topic_configs(const std::string& name, std::map<std::string, std::string> configs) {
  const cluster::TopicMetadata* topic = metadata_->find(name);
  if (!topic) return Error(cluster::ClusterErrc::unknown_topic, fmt::format("Topic '{}' does not exist.", name));
  STRATA_TRY_ASSIGN(storage::LogConfig config, topic_log_config(configs));
  const int32_t partitions = topic->partitions;
  // Durable first; the logs pick the new config up at their next append, roll or retention pass.
  STRATA_TRY(metadata_->set_configs(name, std::move(configs)));
  for (int32_t p = 0; p < partitions; ++p) {
    if (storage::PartitionLog* partition_log = find_log({name, PartitionId{p}})) partition_log->update_config(config);
  }
  log(LogLevel::info, "Updated the configs of topic {}", name);
  return success();
}

result<int64_t> Broker::allocate_producer_id() { return metadata_->allocate_producer_id(); }

void Broker::notify_data(const storage::TopicPartition& tp) {
  auto it = data_waiters_.find(tp);
  if (it == data_waiters_.end()) return;
  for (asio::steady_timer* timer : it->second) timer->cancel();
  data_waiters_.erase(it);
}

asio::awaitable<void> Broker::wait_for_data(const std::vector<storage::TopicPartition>& partitions,
                                            std::chrono::steady_clock::time_point deadline) {
  asio::steady_timer timer(io_, deadline);
  for (const auto& tp : partitions) data_waiters_[tp].push_back(&timer);
  std::error_code ec;
  co_await timer.async_wait(asio::redirect_error(asio::use_awaitable, ec));
  // Whoever woke us removed us from their partition; remove us from the others.
  for (const auto& tp : partitions) {
    auto it = data_waiters_.find(tp);
    if (it == data_waiters_.end()) continue;
    std::erase(it->second, &timer);
    if (it->second.empty()) data_waiters_.erase(it);
  }
}

asio::awaitable<result<void>> Broker::run_flush(storage::TopicPartition tp, storage::FlushJob job) {
  const storage::PartitionLog* before = find_log(tp);
  // The fsync runs on the blocking pool; the partition is touched again only back on the loop.
  auto job_ptr = std::make_shared<storage::FlushJob>(std::move(job));
  auto outcome = std::make_shared<result<void>>(success());
  // GCC 12: a capturing lambda must not be written inside the co_await expression (coro_support.h).
  auto work = [job_ptr, outcome]() -> asio::awaitable<void> {
    *outcome = job_ptr->run();
    co_return;
  };
  co_await asio::co_spawn(blocking_, work, asio::use_awaitable);
  // The same log as before the await, or nothing: never complete a job on a recreated partition.
  storage::PartitionLog* after = find_log(tp);
  if (after && after == before) after->complete_flush(*job_ptr, *outcome);
  co_return *outcome;
}

result<std::unique_ptr<tcp::acceptor>> Broker::listen_on(const cluster::Listener& l, const char* what) {
  std::error_code ec;
  const asio::ip::address address =
      l.host.empty() ? asio::ip::address(asio::ip::address_v4::any()) : asio::ip::make_address(l.host, ec);
  if (ec) {
    return Error(cluster::ClusterErrc::invalid_config,
                 fmt::format("{} {}: '{}' is not an IP address ({})", what, l.name, l.host, ec.message()));
  }
  auto acceptor = std::make_unique<tcp::acceptor>(io_);
  const tcp::endpoint endpoint(address, l.port);
  acceptor->open(endpoint.protocol(), ec);
  if (!ec) acceptor->set_option(asio::socket_base::reuse_address(true), ec);
  if (!ec) acceptor->bind(endpoint, ec);
  if (!ec) acceptor->listen(asio::socket_base::max_listen_connections, ec);
  if (ec) {
    return Error(cluster::ClusterErrc::invalid_config,
                 fmt::format("cannot listen on {}://{}:{} ({}): {} (is another broker running there?)", l.name, l.host,
                             l.port, what, ec.message()));
  }
  return acceptor;
}

result<void> Broker::start() {
  for (const cluster::Listener& l : config_.listeners) {
    STRATA_TRY_ASSIGN(auto acceptor, listen_on(l, "listeners"));
    bound_ports_.push_back(acceptor->local_endpoint().port());
    log(LogLevel::info, "Listening for Kafka clients on {}://{}:{}", l.name, l.host.empty() ? "0.0.0.0" : l.host,
        bound_ports_.back());
    acceptors_.push_back(std::move(acceptor));
  }
  started_at_ = std::chrono::steady_clock::now();
  for (auto& acceptor : acceptors_) asio::co_spawn(io_, accept_loop(*acceptor), asio::detached);
  start_background_tasks();
  groups_->start();
  return success();
}

asio::awaitable<void> Broker::accept_loop(tcp::acceptor& acceptor) {
  while (!stopping_) {
    std::error_code ec;
    tcp::socket socket = co_await acceptor.async_accept(asio::redirect_error(asio::use_awaitable, ec));
    if (ec) {
      if (stopping_ || ec == asio::error::operation_aborted) co_return;
      log(LogLevel::warn, "accept failed: {}", ec.message());
      continue;
    }
    socket.set_option(tcp::no_delay(true), ec);
    asio::co_spawn(io_, serve(std::move(socket)), asio::detached);
  }
}

void Broker::start_background_tasks() {
  // Each task: a named loop on a timer, stopped by stopping_; errors are logged, never fatal.
  struct Task {
    const char* name;
    int64_t interval_ms;
    std::function<result<void>()> run;
  };
  std::vector<Task> tasks = {
      {"log retention", config_.log_retention_check_interval_ms,
       [this]() -> result<void> {
         STRATA_TRY_ASSIGN(int deleted, logs_->run_retention());
         if (deleted > 0) log(LogLevel::info, "Retention deleted {} segment(s)", deleted);
         return success();
       }},
      {"recovery point checkpoint", config_.log_flush_offset_checkpoint_interval_ms,
       [this] { return logs_->checkpoint_recovery_points(); }},
      {"log start offset checkpoint", config_.log_flush_start_offset_checkpoint_interval_ms,
       [this] { return logs_->checkpoint_log_start_offsets(); }},
  };
  if (config_.log_cleaner_enable) start_cleaner();
  // flush.ms: every second, the logs whose flush is due are fsynced on the blocking pool, never on
  // the loop (Kafka's log flusher, log.flush.scheduler.interval.ms).
  {
    auto timer = std::make_unique<asio::steady_timer>(io_);
    asio::steady_timer* t = timer.get();
    background_timers_.push_back(std::move(timer));
    auto flusher = [this, t]() -> asio::awaitable<void> {
      while (!stopping_) {
        t->expires_after(kFlushCheckInterval);
        std::error_code ec;
        co_await t->async_wait(asio::redirect_error(asio::use_awaitable, ec));
        if (stopping_) co_return;
        // Partitions, not pointers: the list is walked across awaits, while topics may be deleted.
        for (const storage::TopicPartition& each : logs_->partitions()) {
          storage::PartitionLog* log_ptr = find_log(each);
          if (!log_ptr || !log_ptr->flush_due()) continue;
          auto job = log_ptr->prepare_flush(log_ptr->log_end_offset());
          if (!job || !*job) continue;
          const storage::TopicPartition tp = log_ptr->topic_partition();
          result<void> flushed = co_await run_flush(tp, std::move(**job));
          if (!flushed)
            log(LogLevel::error, "{}: flush failed: {}", storage::to_string(tp), flushed.error().to_string());
          if (stopping_) co_return;
        }
      }
    };
    asio::co_spawn(io_, flusher, asio::detached);
  }
  for (Task& task : tasks) {
    if (task.interval_ms <= 0) continue;
    auto timer = std::make_unique<asio::steady_timer>(io_);
    asio::steady_timer* t = timer.get();
    background_timers_.push_back(std::move(timer));
    auto loop = [this, t, task]() -> asio::awaitable<void> {
      while (!stopping_) {
        t->expires_after(std::chrono::milliseconds(task.interval_ms));
        std::error_code ec;
        co_await t->async_wait(asio::redirect_error(asio::use_awaitable, ec));
        if (stopping_) co_return;
        result<void> outcome = task.run();
        if (!outcome) log(LogLevel::error, "{} failed: {}", task.name, outcome.error().to_string());
      }
    };
    asio::co_spawn(io_, loop, asio::detached);
  }
}

void Broker::start_cleaner() {
  // Kafka's log cleaner thread: every log.cleaner.backoff.ms, each compacted log that is dirty
  // enough is cleaned. The cleaning job reads closed segments and writes new ones on the blocking
  // pool, throttled to log.cleaner.io.max.bytes.per.second; only choosing the range and swapping
  // the result in happen on the loop.
  auto timer = std::make_unique<asio::steady_timer>(io_);
  asio::steady_timer* t = timer.get();
  background_timers_.push_back(std::move(timer));
  auto cleaner = [this, t]() -> asio::awaitable<void> {
    while (!stopping_) {
      t->expires_after(std::chrono::milliseconds(std::max<int64_t>(config_.log_cleaner_backoff_ms, 1)));
      std::error_code ec;
      co_await t->async_wait(asio::redirect_error(asio::use_awaitable, ec));
      if (stopping_) co_return;
      bool cleaned_any = false;
      for (const storage::TopicPartition& tp : logs_->partitions()) {
        storage::PartitionLog* before = find_log(tp);
        if (!before) continue;
        auto prepared = before->prepare_cleaning(logs_->first_dirty_offset(tp), config_.cleaner);
        if (!prepared) {
          log(LogLevel::error, "{}: cannot clean: {}", storage::to_string(tp), prepared.error().to_string());
          continue;
        }
        if (!*prepared) continue;
        auto job = std::make_shared<storage::CleaningJob>(std::move(**prepared));
        auto outcome = std::make_shared<result<void>>(success());
        const double rate = config_.cleaner.io_max_bytes_per_second;
        auto work = [job, outcome, rate]() -> asio::awaitable<void> {
          storage::Throttler throttler(rate);
          *outcome = job->run(throttler);
          co_return;
        };
        co_await asio::co_spawn(blocking_, work, asio::use_awaitable);
        storage::PartitionLog* after = find_log(tp);
        if (after != before) continue;  // deleted meanwhile: its directory, cleaned files included, is gone
        auto stats = after->complete_cleaning(*job, *outcome);
        if (!stats) {
          log(LogLevel::warn, "{}: cleaning discarded: {}", storage::to_string(tp), stats.error().message());
          continue;
        }
        logs_->record_cleaned(tp, stats->end_offset);
        cleaned_any = true;
        log(LogLevel::info, "{}: cleaned {} segment(s) into {}, {} of {} records kept", storage::to_string(tp),
            stats->segments_cleaned, stats->segments_written, stats->records_retained, stats->records_read);
        if (auto deleted = after->delete_expired_files(); !deleted) {
          log(LogLevel::warn, "{}: {}", storage::to_string(tp), deleted.error().to_string());
        }
        if (stopping_) co_return;
      }
      if (cleaned_any) {
        if (auto written = logs_->checkpoint_cleaner_offsets(); !written) {
          log(LogLevel::error, "cleaner-offset-checkpoint: {}", written.error().to_string());
        }
      }
    }
  };
  asio::co_spawn(io_, cleaner, asio::detached);
}

void Broker::request_stop() {
  asio::post(io_, [this] {
    if (stopping_) return;
    stopping_ = true;
    log(LogLevel::info, "Shutting down");
    for (auto& acceptor : acceptors_) {
      std::error_code ec;
      acceptor->close(ec);
    }
    for (auto& hook : stop_hooks_) hook();
    for (auto& timer : background_timers_) timer->cancel();
    groups_->stop();
    if (signals_) {
      std::error_code ec;
      signals_->cancel(ec);
    }
    for (auto& [tp, waiters] : data_waiters_) {
      for (asio::steady_timer* t : waiters) t->cancel();
    }
    data_waiters_.clear();
    for (auto& [id, socket] : connections_) {
      std::error_code ec;
      socket->shutdown(tcp::socket::shutdown_both, ec);
      socket->close(ec);
    }
  });
}

result<void> Broker::run() {
  signals_ = std::make_unique<asio::signal_set>(io_, SIGINT, SIGTERM);
  signals_->async_wait([this](const std::error_code& ec, int signal) {
    if (!ec) {
      log(LogLevel::info, "Received signal {}", signal);
      request_stop();
    }
  });
  // Runs until every coroutine finished: the stop closes acceptors, connections and timers.
  io_.run();
  return shutdown();
}

result<void> Broker::shutdown() {
  STRATA_TRY(logs_->shutdown());
  log(LogLevel::info, "Shut down cleanly");
  return success();
}

}  // namespace strata::server
