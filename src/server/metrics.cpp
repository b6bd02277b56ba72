#include "server/metrics.h"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <tuple>

#include "protocol/generated/api_keys.h"
#include "server/broker.h"
#include "storage/partition_log.h"

namespace strata::server {

namespace {

// 2^(bucket/4) µs.
constexpr double kBucketsPerDoubling = 4.0;

std::string escape_label(std::string_view value) {
  std::string out;
  for (char c : value) {
    if (c == '\\' || c == '"') out += '\\';
    if (c == '\n') {
      out += "\\n";
      continue;
    }
    out += c;
  }
  return out;
}

// Kafka's request names in RequestMetrics ("Produce", "FetchConsumer" aside: one name per API key).
std::string request_name(int16_t api_key) {
  return std::string(protocol::api_name(static_cast<protocol::ApiKey>(api_key)));
}

class Exposition {
 public:
  void family(std::string_view name, std::string_view type, std::string_view help) {
    out_ += fmt::format("# HELP {} {}\n# TYPE {} {}\n", name, help, name, type);
  }
  template <class V>
  void sample(std::string_view name, std::string_view labels, V value) {
    if (labels.empty()) {
      out_ += fmt::format("{} {}\n", name, value);
    } else {
      out_ += fmt::format("{}{{{}}} {}\n", name, labels, value);
    }
  }
  std::string take() { return std::move(out_); }

 private:
  std::string out_;
};

void topic_family(Exposition& e, const BrokerMetrics& metrics, const std::map<std::string, TopicCounters>& topics,
                  std::string_view name, std::string_view help, uint64_t TopicCounters::*field) {
  const std::string full = fmt::format("kafka_server_brokertopicmetrics_{}_total", name);
  e.family(full, "counter", help);
  e.sample(full, "", metrics.all_topics().*field);
  for (const auto& [topic, counters] : topics) {
    e.sample(full, fmt::format("topic=\"{}\"", escape_label(topic)), counters.*field);
  }
}

}  // namespace

void LatencyHistogram::record(std::chrono::nanoseconds latency) {
  const double us = std::max(1.0, static_cast<double>(latency.count()) / 1e3);
  const auto bucket = static_cast<size_t>(std::ceil(std::log2(us) * kBucketsPerDoubling));
  ++buckets_[std::min(bucket, kBuckets - 1)];
  ++count_;
  sum_ns_ += static_cast<uint64_t>(std::max<int64_t>(latency.count(), 0));
}

double LatencyHistogram::upper_bound_ms(size_t bucket) {
  return std::exp2(static_cast<double>(bucket) / kBucketsPerDoubling) / 1e3;
}

double LatencyHistogram::quantile_ms(double q) const {
  if (count_ == 0) return 0;
  const auto rank = static_cast<uint64_t>(std::ceil(q * static_cast<double>(count_)));
  uint64_t seen = 0;
  for (size_t b = 0; b < kBuckets; ++b) {
    seen += buckets_[b];
    if (seen >= std::max<uint64_t>(rank, 1)) return upper_bound_ms(b);
  }
  return upper_bound_ms(kBuckets - 1);
}

void BrokerMetrics::record_produce(const std::string& topic, uint64_t bytes, uint64_t messages, bool failed) {
  std::lock_guard lock(mutex_);
  TopicCounters& t = topics_[topic];
  for (TopicCounters* c : {&t, &total_}) {
    c->produce_requests += 1;
    c->bytes_in += bytes;
    c->messages_in += messages;
    c->failed_produce_requests += failed ? 1 : 0;
  }
}

void BrokerMetrics::record_fetch(const std::string& topic, uint64_t bytes, bool failed) {
  std::lock_guard lock(mutex_);
  TopicCounters& t = topics_[topic];
  for (TopicCounters* c : {&t, &total_}) {
    c->fetch_requests += 1;
    c->bytes_out += bytes;
    c->failed_fetch_requests += failed ? 1 : 0;
  }
}

void BrokerMetrics::record_request(int16_t api_key, int16_t version, std::chrono::nanoseconds latency) {
  std::lock_guard lock(mutex_);
  ++requests_[{api_key, version}];
  latency_[api_key].record(latency);
}

std::string BrokerMetrics::render(const BrokerGauges& gauges) const {
  std::lock_guard lock(mutex_);
  Exposition e;
  topic_family(e, *this, topics_, "bytesin", "Bytes of record batches appended from clients.",
               &TopicCounters::bytes_in);
  topic_family(e, *this, topics_, "bytesout", "Bytes of record batches sent to fetching clients.",
               &TopicCounters::bytes_out);
  topic_family(e, *this, topics_, "messagesin", "Records appended from clients.", &TopicCounters::messages_in);
  topic_family(e, *this, topics_, "totalproducerequests", "Produce requests, counted per partition.",
               &TopicCounters::produce_requests);
  topic_family(e, *this, topics_, "totalfetchrequests", "Fetch requests, counted per partition.",
               &TopicCounters::fetch_requests);
  topic_family(e, *this, topics_, "failedproducerequests", "Produce requests that failed, counted per partition.",
               &TopicCounters::failed_produce_requests);
  topic_family(e, *this, topics_, "failedfetchrequests", "Fetch requests that failed, counted per partition.",
               &TopicCounters::failed_fetch_requests);

  e.family("kafka_network_requestmetrics_requests_total", "counter", "Requests received, per API and version.");
  for (const auto& [key, count] : requests_) {
    e.sample("kafka_network_requestmetrics_requests_total",
             fmt::format("request=\"{}\",version=\"{}\"", request_name(key.first), key.second), count);
  }
  e.family("kafka_network_requestmetrics_totaltimems", "summary",
           "Time from a request's arrival to its response being ready, in milliseconds.");
  for (const auto& [key, histogram] : latency_) {
    const std::string request = fmt::format("request=\"{}\"", request_name(key));
    for (double q : {0.5, 0.75, 0.95, 0.99, 0.999}) {
      e.sample("kafka_network_requestmetrics_totaltimems", fmt::format("{},quantile=\"{}\"", request, q),
               histogram.quantile_ms(q));
    }
    e.sample("kafka_network_requestmetrics_totaltimems_sum", request, histogram.sum_ms());
    e.sample("kafka_network_requestmetrics_totaltimems_count", request, histogram.count());
  }

  const auto partitions = static_cast<int64_t>(gauges.partitions.size());
  e.family("kafka_server_replicamanager_partitioncount", "gauge", "Partitions on this broker.");
  e.sample("kafka_server_replicamanager_partitioncount", "", partitions);
  e.family("kafka_server_replicamanager_leadercount", "gauge", "Partitions this broker leads.");
  e.sample("kafka_server_replicamanager_leadercount", "", partitions);
  e.family("kafka_server_replicamanager_underreplicatedpartitions", "gauge",
           "Partitions with fewer in-sync replicas than replicas (always 0 on one node).");
  e.sample("kafka_server_replicamanager_underreplicatedpartitions", "", 0);
  e.family("kafka_controller_kafkacontroller_activecontrollercount", "gauge",
           "1 on the active controller (a Strata node is its own).");
  e.sample("kafka_controller_kafkacontroller_activecontrollercount", "", 1);
  e.family("kafka_controller_kafkacontroller_offlinepartitionscount", "gauge", "Partitions without a leader.");
  e.sample("kafka_controller_kafkacontroller_offlinepartitionscount", "", 0);
  e.family("kafka_server_socketservermetrics_connection_count", "gauge", "Open client connections.");
  e.sample("kafka_server_socketservermetrics_connection_count", "", gauges.connections);

  struct LogGauge {
    std::string_view name;
    std::string_view help;
    int64_t PartitionGauge::*value;
  };
  static constexpr LogGauge kLogGauges[] = {
      {"size", "Bytes of the partition's log on disk.", &PartitionGauge::size_bytes},
      {"logendoffset", "The partition's log end offset.", &PartitionGauge::log_end_offset},
      {"logstartoffset", "The partition's log start offset.", &PartitionGauge::log_start_offset},
      {"numlogsegments", "Segments of the partition's log.", &PartitionGauge::segments},
  };
  for (const LogGauge& g : kLogGauges) {
    const std::string name = fmt::format("kafka_log_log_{}", g.name);
    e.family(name, "gauge", g.help);
    for (const PartitionGauge& p : gauges.partitions) {
      e.sample(name, fmt::format("topic=\"{}\",partition=\"{}\"", escape_label(p.topic), p.partition), p.*g.value);
    }
  }
  e.family("strata_shard_partitions", "gauge", "Partitions owned by each event loop (strata.cores).");
  for (size_t i = 0; i < gauges.shards.size(); ++i) {
    e.sample("strata_shard_partitions", fmt::format("shard=\"{}\"", i), gauges.shards[i].partitions);
  }
  e.family("strata_shard_connections", "gauge", "Client connections served by each event loop.");
  for (size_t i = 0; i < gauges.shards.size(); ++i) {
    e.sample("strata_shard_connections", fmt::format("shard=\"{}\"", i), gauges.shards[i].connections);
  }
  e.family("strata_uptime_ms", "gauge", "Milliseconds since the broker started serving.");
  e.sample("strata_uptime_ms", "", gauges.uptime_ms);
  return e.take();
}

asio::awaitable<std::string> Broker::render_metrics() {
  BrokerGauges gauges;
  gauges.shards.resize(shards_.size());
  // On each shard: its logs' gauges and its connections.
  for (size_t shard = 0; shard < shards_.size(); ++shard) {
    auto read_shard = [this, shard, &gauges]() -> asio::awaitable<bool> {
      for (const storage::TopicPartition& tp : logs_->partitions()) {
        if (shard_of(tp) != shard) continue;
        const storage::PartitionLog* log = find_log(tp);
        if (!log) continue;
        gauges.partitions.push_back({tp.topic, tp.partition.value(), log->size_in_bytes(),
                                     log->log_end_offset().value(), log->log_start_offset().value(),
                                     static_cast<int64_t>(log->segment_count())});
        ++gauges.shards[shard].partitions;
      }
      gauges.shards[shard].connections = static_cast<int64_t>(shards_[shard]->connections.size());
      co_return true;
    };
    co_await on_shard<bool>(shard, std::move(read_shard));
  }
  // Gathered shard by shard: listed by topic and partition.
  std::sort(gauges.partitions.begin(), gauges.partitions.end(), [](const PartitionGauge& a, const PartitionGauge& b) {
    return std::tie(a.topic, a.partition) < std::tie(b.topic, b.partition);
  });
  gauges.connections = static_cast<size_t>(std::max<int64_t>(live_connections_.load(), 0));
  gauges.uptime_ms = uptime_ms();
  co_return metrics_.render(gauges);
}

int64_t Broker::uptime_ms() const {
  return std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() - started_at_).count();
}

}  // namespace strata::server
