// The Kafka-API broker of one Strata node: listeners, connections, request dispatch, the handlers,
// and the background work of the log (retention, flush, checkpoints, compaction).
//
// Threading (ARCHITECTURE §3.4): `strata.cores` shards, each an asio::io_context on its own
// thread (shard 0 runs on the thread that calls run()).
//   - A partition is owned by one shard (shard_of): its PartitionLog is touched only there, without
//     locks. Code on another shard reaches it with with_log(), which hops to the owner and back.
//     find_log() may only be called on the owner (asserted in debug builds).
//   - Shard 0 is the control shard: it owns the metadata store, the group coordinator and its
//     __consumer_offsets partitions (pinned to shard 0), the background tasks of the log, the
//     admin server, and runs every request except the data path (Produce, Fetch, ApiVersions),
//     which runs on the connection's own shard.
//   - Connections are accepted on shard 0 and handed round-robin to the shards; a connection's
//     requests are handled one at a time on its shard, so responses keep request order.
//   - The partition map (LogManager), the metrics and the fetch wake-ups are shared under locks;
//     the topic-id table Fetch reads is a locked copy of the metadata's.
// fsync and other blocking work go to `blocking_` and complete back on the shard that asked.
#pragma once

#include <asio/awaitable.hpp>
#include <asio/co_spawn.hpp>
#include <asio/executor_work_guard.hpp>
#include <asio/io_context.hpp>
#include <asio/ip/tcp.hpp>
#include <asio/signal_set.hpp>
#include <asio/steady_timer.hpp>
#include <asio/thread_pool.hpp>
#include <asio/use_awaitable.hpp>

#include <atomic>
#include <cstdint>
#include <filesystem>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <shared_mutex>
#include <span>
#include <string>
#include <thread>
#include <type_traits>
#include <vector>

#include "base/result.h"
#include "cluster/broker_config.h"
#include "cluster/metadata_store.h"
#include "protocol/generated/all_messages.h"
#include "protocol/request_frame.h"
#include "server/metrics.h"
#include "storage/log_manager.h"

namespace strata::server {

class GroupService;

// The Kafka error code for an Error from any module below the server.
protocol::ErrorCode error_code_of(const Error& error);

class Broker {
 public:
  // Loads the metadata store and every partition (recovering after an unclean shutdown). Blocks.
  static result<std::unique_ptr<Broker>> open(cluster::BrokerConfig config);
  ~Broker();

  // Binds every listener (port 0 picks a free one) and starts the background tasks.
  result<void> start();
  // Runs the event loop until SIGINT/SIGTERM or request_stop(), then shuts down cleanly: stops
  // accepting, closes connections, flushes and checkpoints every log, writes the clean shutdown
  // marker.
  result<void> run();
  // Thread-safe.
  void request_stop();
  // The ports the listeners are bound to, in `listeners` order (after start()).
  const std::vector<uint16_t>& bound_ports() const { return bound_ports_; }
  // Since start(), and whether a stop was requested (for /health).
  int64_t uptime_ms() const;
  bool stopping() const { return stopping_; }
  // Metrics in Prometheus' text format (metrics.h), for the admin server's /metrics (on shard 0;
  // the partitions' gauges are read on their owners).
  asio::awaitable<std::string> render_metrics();
  // Runs `hook` on the loop when a stop is requested (the admin server closes its acceptors).
  void on_stop(std::function<void()> hook) { stop_hooks_.push_back(std::move(hook)); }
  // A bound and listening acceptor on the loop for `listener` (`what` names it in errors).
  result<std::unique_ptr<asio::ip::tcp::acceptor>> listen_on(const cluster::Listener& listener, const char* what);

  // The broker's configuration. Its dynamic part (dynamic_broker, dynamic_default, and what
  // follows from them) changes on shard 0 only, and is read there only.
  const cluster::BrokerConfig& config() const { return config_; }
  // The control shard's loop (shard 0).
  asio::io_context& io() { return shards_.front()->io; }

  // --- shards --------------------------------------------------------------------------------

  size_t shard_count() const { return shards_.size(); }
  // The shard that owns tp: __consumer_offsets on shard 0 (its coordinator's), the others spread
  // by topic and partition.
  size_t shard_of(const storage::TopicPartition& tp) const;
  // The shard whose thread is running (0 on threads that are no shard's).
  static size_t current_shard();
  asio::io_context& shard_io(size_t shard) { return shards_.at(shard)->io; }
  // Runs `work` (a callable returning asio::awaitable<T>) on `shard` and resumes the caller on its
  // own shard with the value; inline when the caller is on that shard already.
  template <class T, class Work>
  asio::awaitable<T> on_shard(size_t shard, Work work);
  // Runs `visit(find_log(tp))` (nullptr: no such partition) on tp's owner, synchronously there,
  // and returns its value to the caller's shard.
  template <class Visit>
  auto with_log(storage::TopicPartition tp, Visit visit)
      -> asio::awaitable<std::invoke_result_t<Visit&, storage::PartitionLog*>>;
  // Runs `visit` on every log, each on its owner (one hop per shard).
  asio::awaitable<void> for_each_log(std::function<void(storage::PartitionLog&)> visit);

  // A range of a segment file that goes into a response frame at byte `at` (zero-copy fetch: the
  // frame leaves a gap there and the connection sends the range with sendfile).
  struct FileRange {
    size_t at;
    storage::FileSlice slice;
  };
  // One request frame (after the size prefix) in, the response frame (size prefix included) out,
  // or nullopt for a request that gets no response (Produce acks=0); `file_ranges` gets the file
  // ranges that fill the frame's gaps, in order (a Fetch's larger records). An error closes the
  // connection, as Kafka does for a malformed or unsupported request. `frame` is the connection's
  // own buffer: the produce path rewrites batches in it in place.
  asio::awaitable<result<std::optional<bytes>>> handle_request(std::span<std::byte> frame,
                                                               const std::string& connection,
                                                               std::vector<FileRange>& file_ranges);

  // --- for the handlers ----------------------------------------------------------------------

  // The log of tp, or nullptr; only on tp's owner shard.
  storage::PartitionLog* find_log(const storage::TopicPartition& tp) const;
  // The metadata store; only on shard 0.
  const cluster::MetadataStore& metadata() const;
  // The name of the topic with id `id`, from any shard.
  std::optional<std::string> topic_name_of(const storage::TopicId& id) const;
  // Creates a topic and its partition logs (validated by the caller).
  result<cluster::TopicMetadata> create_topic(const std::string& name, int32_t partitions,
                                              std::map<std::string, std::string> configs);
  // Removes the topic from the metadata, then each partition's log on its owner.
  asio::awaitable<result<void>> delete_topic(std::string name);
  // Grows a topic to `partitions` (creates the new partition logs).
  result<void> create_partitions(const std::string& name, int32_t partitions);
  // Replaces a topic's dynamic configs (validated by the caller) and applies them to its logs
  // (posted to their owners).
  result<void> set_topic_configs(const std::string& name, std::map<std::string, std::string> configs);
  // Replaces a broker resource's dynamic configs (KIP-226; "" = the cluster-wide defaults, else
  // this node's id; validated by the caller), durably, and applies them: every topic's logs get
  // their new effective config (posted to their owners), the cleaner its throttle. Shard 0.
  result<void> set_broker_configs(const std::string& resource, std::map<std::string, std::string> configs);
  // The log dirs and every partition, for DescribeLogDirs and /health.
  const std::vector<std::filesystem::path>& log_dirs() const { return logs_->log_dirs(); }
  std::vector<storage::TopicPartition> all_partitions() const { return logs_->partitions(); }
  // The log config of a topic from its overrides and the broker's defaults.
  result<storage::LogConfig> topic_log_config(const std::map<std::string, std::string>& overrides) const;
  // Wakes fetches waiting for data on tp (from any shard).
  void notify_data(const storage::TopicPartition& tp);
  // Runs a flush job of tp's log on the blocking pool and completes it on tp's owner (where the
  // caller must be), if the log still exists then (a topic deletion may have removed it while the
  // fsync ran).
  asio::awaitable<result<void>> run_flush(storage::TopicPartition tp, storage::FlushJob job);
  // A long poll: watch_data registers interest in `partitions` *before* the caller reads them, so
  // that data appended between the read and the wait is not missed; wait_for_data then waits
  // until one of them gets data (or was notified since watch_data) or the deadline passes, and
  // unregisters. Both on the caller's shard.
  struct DataWatch;
  std::shared_ptr<DataWatch> watch_data(const std::vector<storage::TopicPartition>& partitions);
  asio::awaitable<void> wait_for_data(std::shared_ptr<DataWatch> watch, std::chrono::steady_clock::time_point deadline);
  void unwatch_data(const std::shared_ptr<DataWatch>& watch);
  // A fresh producer id for InitProducerId (never reused, across restarts too).
  result<int64_t> allocate_producer_id();
  BrokerMetrics& metrics() { return metrics_; }
  // The group coordinator and its __consumer_offsets topic (group_service.h).
  GroupService& groups() { return *groups_; }

 private:
  explicit Broker(cluster::BrokerConfig config);
  struct Shard {
    asio::io_context io{1};
    // Keeps the loop running while it has nothing to do, until the broker has drained.
    std::optional<asio::executor_work_guard<asio::io_context::executor_type>> keep_running;
    std::thread thread;  // none for shard 0
    // This shard's connections (touched on this shard only).
    std::map<uint64_t, asio::ip::tcp::socket*> connections;
  };

  asio::awaitable<void> accept_loop(asio::ip::tcp::acceptor& acceptor);
  asio::awaitable<void> serve(asio::ip::tcp::socket socket);
  void start_background_tasks();
  void start_cleaner();
  // After a stop: waits (on shard 0) until every connection of every shard ended, then lets the
  // shards' loops finish.
  asio::awaitable<void> drain();
  void add_topic_name(const cluster::TopicMetadata& topic);
  // Posts a topic's effective log config to its partitions' owners.
  void apply_log_config(const std::string& topic, int32_t partitions, const storage::LogConfig& config);
  // Loads the dynamic broker configs from the metadata store into config_ (and what they set).
  result<void> load_dynamic_broker_configs();
  result<void> shutdown();

  cluster::BrokerConfig config_;
  std::vector<std::unique_ptr<Shard>> shards_;
  asio::thread_pool blocking_{2};
  std::unique_ptr<cluster::MetadataStore> metadata_;
  std::unique_ptr<storage::LogManager> logs_;
  std::unique_ptr<GroupService> groups_;
  std::vector<std::unique_ptr<asio::ip::tcp::acceptor>> acceptors_;
  std::vector<uint16_t> bound_ports_;
  BrokerMetrics metrics_;
  std::vector<std::function<void()>> stop_hooks_;
  std::chrono::steady_clock::time_point started_at_ = std::chrono::steady_clock::now();
  std::vector<std::unique_ptr<asio::steady_timer>> background_timers_;
  std::unique_ptr<asio::signal_set> signals_;
  std::mutex data_watches_mutex_;  // guards data_watches_ and every DataWatch::woken
  std::map<storage::TopicPartition, std::vector<std::shared_ptr<DataWatch>>> data_watches_;
  mutable std::shared_mutex topic_names_mutex_;  // guards topic_names_
  std::map<storage::TopicId, std::string> topic_names_;
  std::atomic<uint64_t> next_connection_id_{0};
  std::atomic<int64_t> live_connections_{0};
  uint64_t next_connection_shard_ = 0;  // shard 0 only
  std::atomic<bool> stopping_{false};
};

template <class T, class Work>
asio::awaitable<T> Broker::on_shard(size_t shard, Work work) {
  if (shard == current_shard()) co_return co_await work();
  // The value travels in the caller's frame (which waits), so T needs no default constructor.
  std::optional<T> out;
  auto hop = [&out, work = std::move(work)]() mutable -> asio::awaitable<void> {
    T value = co_await work();
    out.emplace(std::move(value));
  };
  co_await asio::co_spawn(shard_io(shard), std::move(hop), asio::use_awaitable);
  co_return std::move(*out);
}

template <class Visit>
auto Broker::with_log(storage::TopicPartition tp, Visit visit)
    -> asio::awaitable<std::invoke_result_t<Visit&, storage::PartitionLog*>> {
  using T = std::invoke_result_t<Visit&, storage::PartitionLog*>;
  const size_t owner = shard_of(tp);
  auto work = [this, tp = std::move(tp), visit = std::move(visit)]() mutable -> asio::awaitable<T> {
    co_return visit(find_log(tp));
  };
  return on_shard<T>(owner, std::move(work));
}

}  // namespace strata::server
