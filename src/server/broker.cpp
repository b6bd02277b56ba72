#include "server/broker.h"

#include <asio/co_spawn.hpp>
#include <asio/detached.hpp>
#include <asio/post.hpp>
#include <asio/redirect_error.hpp>
#include <asio/signal_set.hpp>
#include <asio/use_awaitable.hpp>
#include <asio/write.hpp>

#include <fmt/format.h>

#include <unistd.h>

#include <algorithm>
#include <cassert>

#include "cluster/config_schema.h"
#include "cluster/properties.h"
#include "group/offsets_records.h"
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
// How often a stopping broker looks whether its connections have all ended.
constexpr std::chrono::milliseconds kDrainCheckInterval{5};

// The shard of the thread running (set once by each shard's thread).
thread_local size_t tls_current_shard = 0;

size_t shards_for(const cluster::BrokerConfig& config) {
  if (config.cores > 0) return static_cast<size_t>(config.cores);
  return std::max(1u, std::thread::hardware_concurrency());
}

// FNV-1a: a stable spread of topics over shards (the same on every run).
uint64_t topic_hash(std::string_view topic) {
  uint64_t h = 14695981039346656037ull;
  for (char c : topic) {
    h ^= static_cast<unsigned char>(c);
    h *= 1099511628211ull;
  }
  return h;
}
}  // namespace

struct Broker::DataWatch {
  explicit DataWatch(asio::any_io_executor executor, std::vector<storage::TopicPartition> watched)
      : timer(std::move(executor)), partitions(std::move(watched)) {}
  asio::steady_timer timer;  // touched on the watcher's shard only
  const std::vector<storage::TopicPartition> partitions;
  bool woken = false;  // under data_watches_mutex_
};

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
      case cluster::ClusterErrc::not_dynamic: return ErrorCode::kInvalidRequest;
      default: return ErrorCode::kUnknownServerError;
    }
  }
  return ErrorCode::kUnknownServerError;
}

Broker::Broker(cluster::BrokerConfig config) : config_(std::move(config)) {
  const size_t count = shards_for(config_);
  for (size_t i = 0; i < count; ++i) shards_.push_back(std::make_unique<Shard>());
}

Broker::~Broker() {
  // Only reached without run() having joined them when start() failed half-way.
  for (auto& shard : shards_) {
    shard->keep_running.reset();
    shard->io.stop();
    if (shard->thread.joinable()) shard->thread.join();
  }
  blocking_.join();
}

size_t Broker::current_shard() { return tls_current_shard; }

size_t Broker::shard_of(const storage::TopicPartition& tp) const {
  if (shards_.size() == 1 || tp.topic == group::kOffsetsTopic) return 0;
  return static_cast<size_t>((topic_hash(tp.topic) + static_cast<uint64_t>(tp.partition.value())) % shards_.size());
}

const cluster::MetadataStore& Broker::metadata() const {
  assert(current_shard() == 0 && "the metadata store is shard 0's");
  return *metadata_;
}

std::optional<std::string> Broker::topic_name_of(const storage::TopicId& id) const {
  std::shared_lock lock(topic_names_mutex_);
  auto it = topic_names_.find(id);
  if (it == topic_names_.end()) return std::nullopt;
  return it->second;
}

void Broker::add_topic_name(const cluster::TopicMetadata& topic) {
  std::unique_lock lock(topic_names_mutex_);
  topic_names_[topic.id] = topic.name;
}

asio::awaitable<void> Broker::for_each_log(std::function<void(storage::PartitionLog&)> visit) {
  for (size_t shard = 0; shard < shards_.size(); ++shard) {
    auto visit_owned = [this, shard, &visit]() -> asio::awaitable<bool> {
      for (const storage::TopicPartition& tp : logs_->partitions()) {
        if (shard_of(tp) != shard) continue;
        if (storage::PartitionLog* log_ptr = find_log(tp)) visit(*log_ptr);
      }
      co_return true;
    };
    co_await on_shard<bool>(shard, std::move(visit_owned));
  }
}

result<std::unique_ptr<Broker>> Broker::open(cluster::BrokerConfig config) {
  std::unique_ptr<Broker> broker(new Broker(std::move(config)));
  const cluster::BrokerConfig& c = broker->config_;
  STRATA_TRY_ASSIGN(broker->metadata_, cluster::MetadataStore::open(c.log_dirs, c.node_id));
  for (const std::string& m : broker->metadata_->load_messages()) log(LogLevel::warn, "{}", m);
  STRATA_TRY(broker->load_dynamic_broker_configs());
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
  for (const auto& [name, topic] : broker->metadata_->topics()) broker->add_topic_name(topic);
  broker->groups_ = std::make_unique<GroupService>(*broker);
  return broker;
}

result<storage::LogConfig> Broker::topic_log_config(const std::map<std::string, std::string>& overrides) const {
  return config_.log_config(overrides);
}

storage::PartitionLog* Broker::find_log(const storage::TopicPartition& tp) const {
  assert(shard_of(tp) == current_shard() && "a partition's log is touched only on its owner shard");
  return logs_->get(tp);
}

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
  add_topic_name(topic);
  log(LogLevel::info, "Created topic {} with {} partitions, id {}", name, partitions, topic.id.to_string());
  return topic;
}

asio::awaitable<result<void>> Broker::delete_topic(std::string name) {
  const cluster::TopicMetadata* topic = metadata_->find(name);
  if (!topic) co_return Error(cluster::ClusterErrc::unknown_topic, fmt::format("Topic '{}' does not exist.", name));
  const int32_t partitions = topic->partitions;
  const storage::TopicId id = topic->id;
  if (result<void> deleted = metadata_->delete_topic(name); !deleted) co_return deleted.error();
  {
    std::unique_lock lock(topic_names_mutex_);
    topic_names_.erase(id);
  }
  for (int32_t p = 0; p < partitions; ++p) {
    const storage::TopicPartition tp{name, PartitionId{p}};
    // On the owner, where nothing else is using the log while it goes.
    auto remove = [this, tp]() -> asio::awaitable<result<bool>> { co_return logs_->remove(tp); };
    result<bool> removed = co_await on_shard<result<bool>>(shard_of(tp), std::move(remove));
    if (!removed) co_return removed.error();
    notify_data(tp);  // waiting fetches answer UNKNOWN_TOPIC_OR_PARTITION at once
  }
  groups_->coordinator().topic_deleted(name);  // its committed offsets go too
  metrics_.remove_topic(name);
  log(LogLevel::info, "Deleted topic {}", name);
  co_return success();
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
  apply_log_config(name, partitions, config);
  log(LogLevel::info, "Updated the configs of topic {}", name);
  return success();
}

void Broker::apply_log_config(const std::string& topic, int32_t partitions, const storage::LogConfig& config) {
  for (int32_t p = 0; p < partitions; ++p) {
    storage::TopicPartition tp{topic, PartitionId{p}};
    const size_t owner = shard_of(tp);
    asio::post(shard_io(owner), [this, tp = std::move(tp), config] {
      if (storage::PartitionLog* partition_log = find_log(tp)) partition_log->update_config(config);
    });
  }
}

result<void> Broker::load_dynamic_broker_configs() {
  config_.dynamic_default = metadata_->broker_configs(cluster::MetadataStore::kDefaultBrokerResource);
  config_.dynamic_broker = metadata_->broker_configs(std::to_string(config_.node_id));
  // What the broker reads from its config once: the cleaner's knobs.
  auto value_of = [this](std::string_view name) {
    std::optional<cluster::EffectiveConfig> set = config_.broker_value(name);
    return set ? set->value : std::string(cluster::find_broker_key(name)->default_value.value_or("0"));
  };
  STRATA_TRY_ASSIGN(config_.cleaner.io_max_bytes_per_second,
                    cluster::parse_double(*cluster::find_broker_key("log.cleaner.io.max.bytes.per.second"),
                                          value_of("log.cleaner.io.max.bytes.per.second")));
  STRATA_TRY_ASSIGN(config_.log_cleaner_backoff_ms, cluster::parse_long(*cluster::find_broker_key("log.cleaner.backoff.ms"),
                                                                        value_of("log.cleaner.backoff.ms")));
  STRATA_TRY_ASSIGN(config_.cleaner.dedupe_buffer_bytes,
                    cluster::parse_long(*cluster::find_broker_key("log.cleaner.dedupe.buffer.size"),
                                        value_of("log.cleaner.dedupe.buffer.size")));
  return success();
}

result<void> Broker::set_broker_configs(const std::string& resource, std::map<std::string, std::string> configs) {
  STRATA_TRY(metadata_->set_broker_configs(resource, std::move(configs)));
  STRATA_TRY(load_dynamic_broker_configs());
  // Every topic's effective config may have changed (those without their own override).
  for (const auto& [name, topic] : metadata_->topics()) {
    STRATA_TRY_ASSIGN(storage::LogConfig config, topic_log_config(topic.configs));
    apply_log_config(name, topic.partitions, config);
  }
  log(LogLevel::info, "Updated the dynamic configs of {}",
      resource.empty() ? std::string("the cluster-wide broker defaults") : "broker " + resource);
  return success();
}

result<int64_t> Broker::allocate_producer_id() { return metadata_->allocate_producer_id(); }

void Broker::notify_data(const storage::TopicPartition& tp) {
  std::lock_guard lock(data_watches_mutex_);
  auto it = data_watches_.find(tp);
  if (it == data_watches_.end()) return;
  for (const std::shared_ptr<DataWatch>& watch : it->second) {
    if (watch->woken) continue;
    watch->woken = true;
    // The watch stays alive until the cancel ran; the timer is touched on its own shard only.
    asio::post(watch->timer.get_executor(), [watch] { watch->timer.cancel(); });
  }
}

std::shared_ptr<Broker::DataWatch> Broker::watch_data(const std::vector<storage::TopicPartition>& partitions) {
  auto watch = std::make_shared<DataWatch>(shard_io(current_shard()).get_executor(), partitions);
  std::lock_guard lock(data_watches_mutex_);
  if (stopping_) watch->woken = true;
  for (const auto& tp : partitions) data_watches_[tp].push_back(watch);
  return watch;
}

void Broker::unwatch_data(const std::shared_ptr<DataWatch>& watch) {
  std::lock_guard lock(data_watches_mutex_);
  for (const auto& tp : watch->partitions) {
    auto it = data_watches_.find(tp);
    if (it == data_watches_.end()) continue;
    std::erase(it->second, watch);
    if (it->second.empty()) data_watches_.erase(it);
  }
}

asio::awaitable<void> Broker::wait_for_data(std::shared_ptr<DataWatch> watch,
                                            std::chrono::steady_clock::time_point deadline) {
  bool woken = false;
  {
    std::lock_guard lock(data_watches_mutex_);
    woken = watch->woken;
  }
  if (!woken) {
    // A notify from here on posts its cancel to this shard, which runs only once this coroutine
    // is suspended in the wait below: no wake-up is lost.
    watch->timer.expires_at(deadline);
    std::error_code ec;
    co_await watch->timer.async_wait(asio::redirect_error(asio::use_awaitable, ec));
  }
  unwatch_data(watch);
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
  auto acceptor = std::make_unique<tcp::acceptor>(io());
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
  // Every shard's loop runs until drain() lets it go; shards 1.. on their own threads.
  for (size_t i = 0; i < shards_.size(); ++i) {
    Shard& shard = *shards_[i];
    shard.keep_running.emplace(shard.io.get_executor());
    if (i == 0) continue;
    shard.thread = std::thread([&shard, i] {
      tls_current_shard = i;
      shard.io.run();
    });
  }
  log(LogLevel::info, "Serving on {} event loop(s) (strata.cores={})", shards_.size(), config_.cores);
  for (auto& acceptor : acceptors_) asio::co_spawn(io(), accept_loop(*acceptor), asio::detached);
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
    // Round-robin over the shards: the socket's descriptor moves to the target's loop. Counted
    // from here (serve() uncounts it), so that drain() waits for it.
    ++live_connections_;
    const size_t target = next_connection_shard_++ % shards_.size();
    if (target == 0) {
      asio::co_spawn(io(), serve(std::move(socket)), asio::detached);
      continue;
    }
    const tcp::socket::protocol_type protocol = socket.local_endpoint(ec).protocol();
    const tcp::socket::native_handle_type fd = socket.release(ec);
    if (ec) {
      --live_connections_;
      log(LogLevel::warn, "cannot hand a connection to shard {}: {}", target, ec.message());
      continue;
    }
    asio::post(shard_io(target), [this, target, protocol, fd] {
      tcp::socket adopted(shard_io(target));
      std::error_code assign_ec;
      adopted.assign(protocol, fd, assign_ec);
      if (assign_ec) {
        --live_connections_;
        ::close(fd);
        log(LogLevel::warn, "shard {} cannot adopt a connection: {}", target, assign_ec.message());
        return;
      }
      asio::co_spawn(shard_io(target), serve(std::move(adopted)), asio::detached);
    });
  }
}

void Broker::start_background_tasks() {
  // Each task: a named loop on a timer on shard 0, stopped by stopping_; errors are logged, never
  // fatal. The work on the logs themselves hops to their owners.
  struct Task {
    const char* name;
    int64_t interval_ms;
    std::function<asio::awaitable<result<void>>()> run;
  };
  std::vector<Task> tasks = {
      {"log retention", config_.log_retention_check_interval_ms,
       [this]() -> asio::awaitable<result<void>> {
         int deleted = 0;
         std::optional<Error> failed;
         std::function<void(storage::PartitionLog&)> retain = [&deleted, &failed](storage::PartitionLog& log_ref) {
           result<int> n = log_ref.delete_old_segments();
           if (!n) {
             if (!failed) failed = n.error();
             return;
           }
           deleted += *n;
           if (auto expired = log_ref.delete_expired_files(); !expired && !failed) failed = expired.error();
         };
         co_await for_each_log(std::move(retain));
         if (deleted > 0) log(LogLevel::info, "Retention deleted {} segment(s)", deleted);
         if (failed) co_return *failed;
         co_return success();
       }},
      {"recovery point checkpoint", config_.log_flush_offset_checkpoint_interval_ms,
       [this]() -> asio::awaitable<result<void>> {
         std::map<storage::TopicPartition, Offset> points;
         std::function<void(storage::PartitionLog&)> recovery_point_of = [&points](storage::PartitionLog& log_ref) {
           points.emplace(log_ref.topic_partition(), log_ref.recovery_point());
         };
         co_await for_each_log(std::move(recovery_point_of));
         co_return logs_->checkpoint_recovery_points(points);
       }},
      {"log start offset checkpoint", config_.log_flush_start_offset_checkpoint_interval_ms,
       [this]() -> asio::awaitable<result<void>> {
         std::map<storage::TopicPartition, Offset> starts;
         std::function<void(storage::PartitionLog&)> log_start_of = [&starts](storage::PartitionLog& log_ref) {
           if (auto start = storage::LogManager::log_start_entry(log_ref))
             starts.emplace(log_ref.topic_partition(), *start);
         };
         co_await for_each_log(std::move(log_start_of));
         co_return logs_->checkpoint_log_start_offsets(starts);
       }},
  };
  if (config_.log_cleaner_enable) start_cleaner();
  // flush.ms: every second, each shard fsyncs its logs whose flush is due on the blocking pool,
  // never on a loop (Kafka's log flusher, log.flush.scheduler.interval.ms).
  {
    auto timer = std::make_unique<asio::steady_timer>(io());
    asio::steady_timer* t = timer.get();
    background_timers_.push_back(std::move(timer));
    auto flusher = [this, t]() -> asio::awaitable<void> {
      while (!stopping_) {
        t->expires_after(kFlushCheckInterval);
        std::error_code ec;
        co_await t->async_wait(asio::redirect_error(asio::use_awaitable, ec));
        if (stopping_) co_return;
        for (size_t shard = 0; shard < shards_.size() && !stopping_; ++shard) {
          auto flush_owned = [this, shard]() -> asio::awaitable<bool> {
            // Partitions, not pointers: the list is walked across awaits, while topics may be deleted.
            for (const storage::TopicPartition& each : logs_->partitions()) {
              if (shard_of(each) != shard) continue;
              storage::PartitionLog* log_ptr = find_log(each);
              if (!log_ptr || !log_ptr->flush_due()) continue;
              auto job = log_ptr->prepare_flush(log_ptr->log_end_offset());
              if (!job || !*job) continue;
              result<void> flushed = co_await run_flush(each, std::move(**job));
              if (!flushed)
                log(LogLevel::error, "{}: flush failed: {}", storage::to_string(each), flushed.error().to_string());
              if (stopping_) break;
            }
            co_return true;
          };
          co_await on_shard<bool>(shard, std::move(flush_owned));
        }
      }
    };
    asio::co_spawn(io(), flusher, asio::detached);
  }
  for (Task& task : tasks) {
    if (task.interval_ms <= 0) continue;
    auto timer = std::make_unique<asio::steady_timer>(io());
    asio::steady_timer* t = timer.get();
    background_timers_.push_back(std::move(timer));
    auto loop = [this, t, task]() -> asio::awaitable<void> {
      while (!stopping_) {
        t->expires_after(std::chrono::milliseconds(task.interval_ms));
        std::error_code ec;
        co_await t->async_wait(asio::redirect_error(asio::use_awaitable, ec));
        if (stopping_) co_return;
        result<void> outcome = co_await task.run();
        if (!outcome) log(LogLevel::error, "{} failed: {}", task.name, outcome.error().to_string());
      }
    };
    asio::co_spawn(io(), loop, asio::detached);
  }
}

void Broker::start_cleaner() {
  // Kafka's log cleaner thread: every log.cleaner.backoff.ms, each compacted log that is dirty
  // enough is cleaned. The cleaning job reads closed segments and writes new ones on the blocking
  // pool, throttled to log.cleaner.io.max.bytes.per.second; only choosing the range and swapping
  // the result in happen on the log's owner shard.
  auto timer = std::make_unique<asio::steady_timer>(io());
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
        // On the owner: which range to clean (the job remembers the log it was prepared for).
        struct Prepared {
          const storage::PartitionLog* log = nullptr;
          result<std::optional<storage::CleaningJob>> job = std::optional<storage::CleaningJob>{};
        };
        const std::optional<Offset> cleaned_to = logs_->cleaned_up_to(tp);
        const storage::CleanerConfig cleaner_config = config_.cleaner;
        auto prepare = [cleaned_to, cleaner_config](storage::PartitionLog* log_ptr) {
          Prepared p;
          if (!log_ptr) return p;
          p.log = log_ptr;
          p.job = log_ptr->prepare_cleaning(cleaned_to.value_or(log_ptr->log_start_offset()), cleaner_config);
          return p;
        };
        Prepared prepared = co_await with_log(tp, std::move(prepare));
        if (!prepared.log) continue;
        if (!prepared.job) {
          log(LogLevel::error, "{}: cannot clean: {}", storage::to_string(tp), prepared.job.error().to_string());
          continue;
        }
        if (!*prepared.job) continue;
        auto job = std::make_shared<storage::CleaningJob>(std::move(**prepared.job));
        auto outcome = std::make_shared<result<void>>(success());
        const double rate = config_.cleaner.io_max_bytes_per_second;
        auto work = [job, outcome, rate]() -> asio::awaitable<void> {
          storage::Throttler throttler(rate);
          *outcome = job->run(throttler);
          co_return;
        };
        co_await asio::co_spawn(blocking_, work, asio::use_awaitable);
        // On the owner again: swap the cleaned segments in, unless the log went meanwhile (its
        // directory, cleaned files included, is gone).
        using Completed = std::optional<result<storage::CleanerStats>>;
        const storage::PartitionLog* before = prepared.log;
        auto complete = [before, job, outcome, &tp](storage::PartitionLog* after) -> Completed {
          if (after != before) return std::nullopt;
          auto done = after->complete_cleaning(*job, *outcome);
          if (done) {
            if (auto deleted = after->delete_expired_files(); !deleted) {
              log(LogLevel::warn, "{}: {}", storage::to_string(tp), deleted.error().to_string());
            }
          }
          return done;
        };
        Completed stats = co_await with_log(tp, std::move(complete));
        if (!stats) continue;
        if (!*stats) {
          log(LogLevel::warn, "{}: cleaning discarded: {}", storage::to_string(tp), stats->error().message());
          continue;
        }
        logs_->record_cleaned(tp, (*stats)->end_offset);
        cleaned_any = true;
        log(LogLevel::info, "{}: cleaned {} segment(s) into {}, {} of {} records kept", storage::to_string(tp),
            (*stats)->segments_cleaned, (*stats)->segments_written, (*stats)->records_retained, (*stats)->records_read);
        if (stopping_) co_return;
      }
      if (cleaned_any) {
        if (auto written = logs_->checkpoint_cleaner_offsets(); !written) {
          log(LogLevel::error, "cleaner-offset-checkpoint: {}", written.error().to_string());
        }
      }
    }
  };
  asio::co_spawn(io(), cleaner, asio::detached);
}

void Broker::request_stop() {
  asio::post(io(), [this] {
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
    {
      // Waiting fetches answer now (and watch_data marks new watches woken from here on).
      std::lock_guard lock(data_watches_mutex_);
      for (auto& [tp, watches] : data_watches_) {
        for (const std::shared_ptr<DataWatch>& watch : watches) {
          if (watch->woken) continue;
          watch->woken = true;
          asio::post(watch->timer.get_executor(), [watch] { watch->timer.cancel(); });
        }
      }
    }
    // Each shard closes its own connections.
    for (auto& shard : shards_) {
      asio::post(shard->io, [&shard = *shard] {
        for (auto& [id, socket] : shard.connections) {
          std::error_code ec;
          socket->shutdown(tcp::socket::shutdown_both, ec);
          socket->close(ec);
        }
      });
    }
    asio::co_spawn(io(), drain(), asio::detached);
  });
}

asio::awaitable<void> Broker::drain() {
  asio::steady_timer timer(io());
  while (live_connections_.load() > 0) {
    timer.expires_after(kDrainCheckInterval);
    std::error_code ec;
    co_await timer.async_wait(asio::redirect_error(asio::use_awaitable, ec));
  }
  // Only connections hop to shard 0 from other shards: from now on shard 0's loop ends once its own
  // work is done. The other shards keep running until then (run() lets them go), because shard 0's
  // work (background tasks, /metrics) may still hop to them.
  shards_.front()->keep_running.reset();
}

result<void> Broker::run() {
  tls_current_shard = 0;
  signals_ = std::make_unique<asio::signal_set>(io(), SIGINT, SIGTERM);
  signals_->async_wait([this](const std::error_code& ec, int signal) {
    if (!ec) {
      log(LogLevel::info, "Received signal {}", signal);
      request_stop();
    }
  });
  // Runs until drain() released shard 0 and every coroutine on it finished; then nothing can hop
  // to the other shards any more, and they finish what they have.
  io().run();
  for (auto& shard : shards_) {
    shard->keep_running.reset();
    if (shard->thread.joinable()) shard->thread.join();
  }
  return shutdown();
}

result<void> Broker::shutdown() {
  STRATA_TRY(logs_->shutdown());
  log(LogLevel::info, "Shut down cleanly");
  return success();
}

}  // namespace strata::server
