// The Kafka-API broker of one Strata node: listeners, connections, request dispatch, the handlers,
// and the background work of the log (retention, flush, checkpoints, compaction).
//
// Threading (ARCHITECTURE §3.4), as built today: one event loop (an asio::io_context on one
// thread) owns every partition, the metadata store and the connections, so handlers touch them
// without locks; fsync and other blocking work go to `blocking_` and complete back on the loop.
// The per-core sharding of partitions is the next step: every handler reaches partition state
// only through find_log(), the one place that will route to the owning core.
#pragma once

#include <asio/awaitable.hpp>
#include <asio/io_context.hpp>
#include <asio/ip/tcp.hpp>
#include <asio/signal_set.hpp>
#include <asio/steady_timer.hpp>
#include <asio/thread_pool.hpp>

#include <cstdint>
#include <filesystem>
#include <functional>
#include <string>
#include <map>
#include <memory>
#include <optional>
#include <span>
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
  // Metrics in Prometheus' text format (metrics.h), for the admin server's /metrics.
  std::string render_metrics() const;
  // Runs `hook` on the loop when a stop is requested (the admin server closes its acceptors).
  void on_stop(std::function<void()> hook) { stop_hooks_.push_back(std::move(hook)); }
  // A bound and listening acceptor on the loop for `listener` (`what` names it in errors).
  result<std::unique_ptr<asio::ip::tcp::acceptor>> listen_on(const cluster::Listener& listener, const char* what);

  const cluster::BrokerConfig& config() const { return config_; }
  asio::io_context& io() { return io_; }

  // One request frame (after the size prefix) in, the response frame (size prefix included) out,
  // or nullopt for a request that gets no response (Produce acks=0). An error closes the
  // connection, as Kafka does for a malformed or unsupported request. `frame` is the connection's
  // own buffer: the produce path rewrites batches in it in place.
  asio::awaitable<result<std::optional<bytes>>> handle_request(std::span<std::byte> frame,
                                                               const std::string& connection);

  // --- for the handlers ----------------------------------------------------------------------

  storage::PartitionLog* find_log(const storage::TopicPartition& tp) const;
  const cluster::MetadataStore& metadata() const { return *metadata_; }
  // Creates a topic and its partition logs (validated by the caller).
  result<cluster::TopicMetadata> create_topic(const std::string& name, int32_t partitions,
                                              std::map<std::string, std::string> configs);
  result<void> delete_topic(const std::string& name);
  // Grows a topic to `partitions` (creates the new partition logs).
  result<void> create_partitions(const std::string& name, int32_t partitions);
  // Replaces a topic's dynamic configs (validated by the caller) and applies them to its logs.
  result<void> set_topic_configs(const std::string& name, std::map<std::string, std::string> configs);
  // The log dirs and every partition's log, for DescribeLogDirs.
  const std::vector<std::filesystem::path>& log_dirs() const { return logs_->log_dirs(); }
  std::vector<storage::PartitionLog*> all_logs() const { return logs_->all_logs(); }
  // The log config of a topic from its overrides and the broker's defaults.
  result<storage::LogConfig> topic_log_config(const std::map<std::string, std::string>& overrides) const;
  // Wakes fetches waiting for data on tp.
  void notify_data(const storage::TopicPartition& tp);
  // Runs a flush job of tp's log on the blocking pool and completes it on the loop, if the log
  // still exists then (a topic deletion may have removed it while the fsync ran).
  asio::awaitable<result<void>> run_flush(storage::TopicPartition tp, storage::FlushJob job);
  // Waits until data arrives on one of `partitions` or the deadline passes.
  asio::awaitable<void> wait_for_data(const std::vector<storage::TopicPartition>& partitions,
                                      std::chrono::steady_clock::time_point deadline);
  // A fresh producer id for InitProducerId (never reused, across restarts too).
  result<int64_t> allocate_producer_id();
  BrokerMetrics& metrics() { return metrics_; }
  // The group coordinator and its __consumer_offsets topic (group_service.h).
  GroupService& groups() { return *groups_; }

 private:
  explicit Broker(cluster::BrokerConfig config);
  asio::awaitable<void> accept_loop(asio::ip::tcp::acceptor& acceptor);
  asio::awaitable<void> serve(asio::ip::tcp::socket socket);
  void start_background_tasks();
  void start_cleaner();
  result<void> shutdown();

  cluster::BrokerConfig config_;
  asio::io_context io_;
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
  std::map<storage::TopicPartition, std::vector<asio::steady_timer*>> data_waiters_;
  std::map<uint64_t, asio::ip::tcp::socket*> connections_;
  uint64_t next_connection_id_ = 0;
  bool stopping_ = false;
};

}  // namespace strata::server
