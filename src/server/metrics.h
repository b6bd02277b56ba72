// The broker's metrics, rendered in Prometheus' text exposition format (version 0.0.4) under the
// names Prometheus' JMX exporter gives Kafka's MBeans with its stock Kafka rules, so dashboards and
// alerts written for Kafka work unchanged:
//   kafka.server:type=BrokerTopicMetrics,name=BytesInPerSec,topic=T ->
//   kafka_server_brokertopicmetrics_bytesin_total{topic="T"}
//   kafka.network:type=RequestMetrics,name=RequestsPerSec,request=R,version=V ->
//   kafka_network_requestmetrics_requests_total{request="R",version="V"}
//   kafka.network:type=RequestMetrics,name=TotalTimeMs,request=R ->
//   kafka_network_requestmetrics_totaltimems{request="R",quantile="0.99"}
//   kafka.log:type=Log,name=Size,topic=T,partition=P -> kafka_log_log_size{topic="T",partition="P"}
// The full list is in docs/formats/metrics.md.
//
// Thread-safe: every event loop records into the one instance, under a mutex (a few counter
// updates per partition of a request).
#pragma once

#include <array>
#include <chrono>
#include <cstdint>
#include <map>
#include <mutex>
#include <string>
#include <vector>

namespace strata::server {

// Request latencies in buckets whose upper bounds grow by 2^(1/4) from 1 µs (about 19% apart, up
// to about 18 minutes); a quantile is reported as the upper bound of the bucket it falls in.
class LatencyHistogram {
 public:
  static constexpr size_t kBuckets = 120;
  void record(std::chrono::nanoseconds latency);
  // The q-quantile in milliseconds (0 when nothing was recorded).
  double quantile_ms(double q) const;
  uint64_t count() const { return count_; }
  double sum_ms() const { return static_cast<double>(sum_ns_) / 1e6; }
  static double upper_bound_ms(size_t bucket);

 private:
  std::array<uint64_t, kBuckets> buckets_{};
  uint64_t count_ = 0;
  uint64_t sum_ns_ = 0;
};

// Counters of one topic (Kafka's BrokerTopicMetrics).
struct TopicCounters {
  uint64_t bytes_in = 0;
  uint64_t bytes_out = 0;
  uint64_t messages_in = 0;
  uint64_t produce_requests = 0;
  uint64_t fetch_requests = 0;
  uint64_t failed_produce_requests = 0;
  uint64_t failed_fetch_requests = 0;
};

// One partition's log, read on the event loop that owns it.
struct PartitionGauge {
  std::string topic;
  int32_t partition = 0;
  int64_t size_bytes = 0;
  int64_t log_end_offset = 0;
  int64_t log_start_offset = 0;
  int64_t segments = 0;
};

// One event loop (shard): the partitions it owns and the connections it serves.
struct ShardGauge {
  int64_t partitions = 0;
  int64_t connections = 0;
};

// What the broker knows at render time.
struct BrokerGauges {
  std::vector<PartitionGauge> partitions;
  std::vector<ShardGauge> shards;  // by shard index
  size_t connections = 0;
  int64_t uptime_ms = 0;
};

class BrokerMetrics {
 public:
  // One partition of a Produce request: its appended bytes and records (0 and failed on an error).
  void record_produce(const std::string& topic, uint64_t bytes, uint64_t messages, bool failed);
  // One partition of a Fetch response: the record bytes it returned.
  void record_fetch(const std::string& topic, uint64_t bytes, bool failed);
  // One request, from its arrival to its response (the Kafka name of the API and its version).
  void record_request(int16_t api_key, int16_t version, std::chrono::nanoseconds latency);

  // The totals over every topic; only while render() holds the mutex.
  const TopicCounters& all_topics() const { return total_; }
  // Forgets a deleted topic's counters (Kafka removes its BrokerTopicMetrics).
  void remove_topic(const std::string& name) {
    std::lock_guard lock(mutex_);
    topics_.erase(name);
  }

  // The whole exposition, counters and `gauges`.
  std::string render(const BrokerGauges& gauges) const;

 private:
  mutable std::mutex mutex_;  // guards everything below
  TopicCounters total_;
  std::map<std::string, TopicCounters> topics_;
  std::map<std::pair<int16_t, int16_t>, uint64_t> requests_;  // (api key, version) -> count
  std::map<int16_t, LatencyHistogram> latency_;               // api key -> total time
};

}  // namespace strata::server
