// The broker's client-side figures for `make bench` (bench/steps/46-broker-perf.sh), measured
// through librdkafka as any Kafka client sees them, one connection to one partition:
//
//   strata_kafka_bench produce --bootstrap H:P --topic T --size BYTES --count N --acks 1|all
//                              [--linger-ms 5] [--batch-bytes 1000000]
//   strata_kafka_bench consume --bootstrap H:P --topic T --count N
//   strata_kafka_bench latency --bootstrap H:P --topic T [--rate 10000] [--seconds 10] [--size 100]
//                              [--acks 1|all] [--linger-ms 0] [--fetch-wait-ms 5] [--warmup-s 1]
//   common options: [--partition 0] [--timeout-s 60]
//
// produce: N records of BYTES each (no key, no compression) as fast as librdkafka takes them,
// timed from the first send to the last delivery report; every record must be acknowledged.
// consume: N records from the log start (partition assigned, no group), timed from the start of
// fetching to the N-th record. latency: records sent at a fixed rate (paced on an absolute
// schedule), each carrying its send time (steady clock), read back by a consumer in this process;
// end-to-end latency is the time from the produce call to the record's arrival in the consumer,
// records sent in the first warm-up seconds excluded.
//
// Each mode prints one JSON object on stdout. Rates are payload bytes (record values) per second,
// MB = 10^6 bytes. Every mode is bounded by its count and by --timeout-s; an unreachable broker
// fails within kConnectTimeout. Exit status: 0 done, 1 failed (the reason on stderr), 2 bad usage.
#include <librdkafka/rdkafka.h>

#include <algorithm>
#include <atomic>
#include <charconv>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <type_traits>
#include <vector>

namespace {

using Clock = std::chrono::steady_clock;
using std::chrono::milliseconds;

constexpr double kMB = 1e6;
constexpr double kMsPerS = 1e3;
constexpr size_t kErrstrSize = 512;
// How long the first metadata request may take: a broker that does not answer within this is
// reported as unreachable instead of being retried until --timeout-s.
constexpr milliseconds kConnectTimeout{10000};
constexpr milliseconds kMetadataRetry{200};
constexpr int kPollMs = 100;
// The latency payload starts with the send time (ns of the steady clock) and the sequence number.
constexpr size_t kStampSize = 2 * sizeof(int64_t);
// After the last send, how long the latency consumer may still take to see every record.
constexpr milliseconds kLatencyDrain{5000};

[[noreturn]] void fail(const std::string& what) {
  std::fprintf(stderr, "strata_kafka_bench: %s\n", what.c_str());
  std::exit(1);
}

[[noreturn]] void usage(const std::string& what) {
  std::fprintf(stderr,
               "strata_kafka_bench: %s\n"
               "usage: strata_kafka_bench produce --bootstrap H:P --topic T --size BYTES --count N --acks 1|all\n"
               "                                  [--linger-ms MS] [--batch-bytes B]\n"
               "       strata_kafka_bench consume --bootstrap H:P --topic T --count N\n"
               "       strata_kafka_bench latency --bootstrap H:P --topic T [--rate MSG_PER_S] [--seconds S]\n"
               "                                  [--size BYTES] [--acks 1|all] [--linger-ms MS]\n"
               "                                  [--fetch-wait-ms MS] [--warmup-s S]\n"
               "       common: [--partition P] [--timeout-s S]\n",
               what.c_str());
  std::exit(2);
}

double seconds_between(Clock::time_point a, Clock::time_point b) {
  return std::chrono::duration<double>(b - a).count();
}

// ---- options -----------------------------------------------------------------------------------

struct Options {
  std::string mode;
  std::string bootstrap;
  std::string topic;
  int32_t partition = 0;
  int64_t size = -1;
  int64_t count = -1;
  std::string acks;
  int64_t linger_ms = -1;
  int64_t batch_bytes = 1000000;
  int64_t rate = 10000;
  int64_t seconds = 10;
  int64_t fetch_wait_ms = 5;
  int64_t warmup_s = 1;
  int64_t timeout_s = 60;
};

int64_t parse_int(const std::string& flag, const std::string& text, int64_t min, int64_t max) {
  int64_t v = 0;
  const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), v);
  if (ec != std::errc() || end != text.data() + text.size() || v < min || v > max) {
    usage(flag + " takes an integer from " + std::to_string(min) + " to " + std::to_string(max) + ", not '" + text +
          "'");
  }
  return v;
}

Options parse_options(int argc, char** argv) {
  if (argc < 2) usage("no mode given");
  Options o;
  o.mode = argv[1];
  if (o.mode != "produce" && o.mode != "consume" && o.mode != "latency") usage("unknown mode '" + o.mode + "'");
  constexpr int64_t kMaxCount = 1'000'000'000;
  constexpr int64_t kMaxSize = 100'000'000;
  for (int i = 2; i < argc; i += 2) {
    const std::string flag = argv[i];
    if (i + 1 >= argc) usage(flag + " needs a value");
    const std::string value = argv[i + 1];
    if (flag == "--bootstrap") {
      o.bootstrap = value;
    } else if (flag == "--topic") {
      o.topic = value;
    } else if (flag == "--partition") {
      o.partition = static_cast<int32_t>(parse_int(flag, value, 0, INT32_MAX));
    } else if (flag == "--size" && o.mode != "consume") {
      o.size = parse_int(flag, value, 1, kMaxSize);
    } else if (flag == "--count" && o.mode != "latency") {
      o.count = parse_int(flag, value, 1, kMaxCount);
    } else if (flag == "--acks" && o.mode != "consume") {
      if (value != "1" && value != "all") usage("--acks takes 1 or all, not '" + value + "'");
      o.acks = value;
    } else if (flag == "--linger-ms" && o.mode != "consume") {
      o.linger_ms = parse_int(flag, value, 0, 900000);
    } else if (flag == "--batch-bytes" && o.mode == "produce") {
      o.batch_bytes = parse_int(flag, value, 1, 2147483647);
    } else if (flag == "--rate" && o.mode == "latency") {
      o.rate = parse_int(flag, value, 1, 10'000'000);
    } else if (flag == "--seconds" && o.mode == "latency") {
      o.seconds = parse_int(flag, value, 1, 3600);
    } else if (flag == "--fetch-wait-ms" && o.mode == "latency") {
      o.fetch_wait_ms = parse_int(flag, value, 0, 300000);
    } else if (flag == "--warmup-s" && o.mode == "latency") {
      o.warmup_s = parse_int(flag, value, 0, 3600);
    } else if (flag == "--timeout-s") {
      o.timeout_s = parse_int(flag, value, 1, 86400);
    } else {
      usage("unknown option " + flag + " for " + o.mode);
    }
  }
  if (o.bootstrap.empty()) usage("--bootstrap is required");
  if (o.topic.empty()) usage("--topic is required");
  if (o.mode == "produce") {
    if (o.size < 0) usage("--size is required");
    if (o.count < 0) usage("--count is required");
    if (o.acks.empty()) usage("--acks is required");
    if (o.linger_ms < 0) o.linger_ms = 5;
  } else if (o.mode == "consume") {
    if (o.count < 0) usage("--count is required");
  } else {
    if (o.size < 0) o.size = 100;
    if (o.size < static_cast<int64_t>(kStampSize)) usage("--size must be at least " + std::to_string(kStampSize));
    if (o.acks.empty()) o.acks = "1";
    if (o.linger_ms < 0) o.linger_ms = 0;
    if (o.warmup_s >= o.seconds) usage("--warmup-s must be shorter than --seconds");
  }
  return o;
}

// ---- librdkafka handles --------------------------------------------------------------------------

struct KafkaDeleter {
  void operator()(rd_kafka_t* rk) const { rd_kafka_destroy(rk); }
  void operator()(rd_kafka_topic_t* rkt) const { rd_kafka_topic_destroy(rkt); }
  void operator()(rd_kafka_conf_t* conf) const { rd_kafka_conf_destroy(conf); }
};
using KafkaPtr = std::unique_ptr<rd_kafka_t, KafkaDeleter>;
using TopicPtr = std::unique_ptr<rd_kafka_topic_t, KafkaDeleter>;
using ConfPtr = std::unique_ptr<rd_kafka_conf_t, KafkaDeleter>;

// What the callbacks of one client report; librdkafka calls them from rd_kafka_poll/flush.
struct Reports {
  std::atomic<int64_t> delivered{0};
  std::atomic<int64_t> failed{0};
  std::mutex mu;
  std::string first_error;  // guarded by mu

  void note_error(const std::string& e) {
    std::lock_guard lock(mu);
    if (first_error.empty()) first_error = e;
  }
  std::string error() {
    std::lock_guard lock(mu);
    return first_error;
  }
};

void on_delivery(rd_kafka_t*, const rd_kafka_message_t* m, void* opaque) {
  auto* r = static_cast<Reports*>(opaque);
  if (m->err) {
    r->failed.fetch_add(1, std::memory_order_relaxed);
    r->note_error(std::string("delivery failed: ") + rd_kafka_err2str(m->err));
  } else {
    r->delivered.fetch_add(1, std::memory_order_relaxed);
  }
}

// Transport errors are retried by librdkafka and only logged; a fatal error ends the run.
void on_error(rd_kafka_t* rk, int err, const char* reason, void* opaque) {
  auto* r = static_cast<Reports*>(opaque);
  char fatal[kErrstrSize];
  if (err == RD_KAFKA_RESP_ERR__FATAL && rd_kafka_fatal_error(rk, fatal, sizeof fatal)) {
    fail(std::string("fatal client error: ") + fatal);
  }
  r->note_error(std::string(rd_kafka_err2name(static_cast<rd_kafka_resp_err_t>(err))) + ": " + reason);
}

KafkaPtr make_client(rd_kafka_type_t type, const std::map<std::string, std::string>& props, Reports& reports) {
  ConfPtr conf(rd_kafka_conf_new());
  char errstr[kErrstrSize];
  for (const auto& [key, value] : props) {
    if (rd_kafka_conf_set(conf.get(), key.c_str(), value.c_str(), errstr, sizeof errstr) != RD_KAFKA_CONF_OK) {
      fail("librdkafka refused " + key + "=" + value + ": " + errstr);
    }
  }
  rd_kafka_conf_set_opaque(conf.get(), &reports);
  rd_kafka_conf_set_error_cb(conf.get(), on_error);
  if (type == RD_KAFKA_PRODUCER) rd_kafka_conf_set_dr_msg_cb(conf.get(), on_delivery);
  KafkaPtr rk(rd_kafka_new(type, conf.get(), errstr, sizeof errstr));
  if (!rk) fail(std::string("cannot create the client: ") + errstr);
  conf.release();  // rd_kafka_new took it
  return rk;
}

std::map<std::string, std::string> common_props(const Options& o) {
  return {
      {"bootstrap.servers", o.bootstrap},
      {"client.id", "strata-kafka-bench"},
      // Small requests go out at once instead of waiting for the previous segment's ACK.
      {"socket.nagle.disable", "true"},
      // Connection failures are reported once by this tool, not logged on every retry.
      {"log.connection.close", "false"},
  };
}

std::map<std::string, std::string> producer_props(const Options& o, int64_t queue_messages) {
  auto props = common_props(o);
  props["acks"] = o.acks;
  props["linger.ms"] = std::to_string(o.linger_ms);
  props["batch.size"] = std::to_string(o.batch_bytes);
  props["compression.type"] = "none";
  props["queue.buffering.max.kbytes"] = "1048576";  // 1 GiB: the queue is not what is measured
  props["queue.buffering.max.messages"] = std::to_string(std::clamp<int64_t>(queue_messages, 1000, 10'000'000));
  // A record not acknowledged within the run's time limit fails instead of being retried forever.
  props["message.timeout.ms"] = std::to_string(o.timeout_s * 1000);
  return props;
}

std::map<std::string, std::string> consumer_props(const Options& o) {
  auto props = common_props(o);
  props["fetch.max.bytes"] = "52428800";
  props["max.partition.fetch.bytes"] = "10485760";
  props["enable.partition.eof"] = "false";
  return props;
}

// Waits until the broker answers a metadata request for the topic with a leader for the
// partition (a producer's request auto-creates the topic). Fails if no broker answers within
// kConnectTimeout or the partition has no leader by the deadline.
void wait_for_partition(rd_kafka_t* rk, rd_kafka_topic_t* rkt, const Options& o, Clock::time_point deadline,
                        Reports& reports) {
  const auto start = Clock::now();
  bool answered = false;
  std::string last;
  while (true) {
    const rd_kafka_metadata_t* md = nullptr;
    const auto err = rd_kafka_metadata(rk, 0, rkt, &md, static_cast<int>(kConnectTimeout.count()));
    if (err == RD_KAFKA_RESP_ERR_NO_ERROR) {
      answered = true;
      const auto& t = md->topics[0];
      last = rd_kafka_err2str(t.err);
      // A consumer's metadata request does not create the topic: waiting would not help.
      if (t.err == RD_KAFKA_RESP_ERR_UNKNOWN_TOPIC_OR_PART && rd_kafka_type(rk) == RD_KAFKA_CONSUMER) {
        rd_kafka_metadata_destroy(md);
        fail("topic " + o.topic + " does not exist at " + o.bootstrap);
      }
      if (t.err == RD_KAFKA_RESP_ERR_NO_ERROR) {
        for (int i = 0; i < t.partition_cnt; ++i) {
          if (t.partitions[i].id == o.partition && t.partitions[i].leader >= 0 && !t.partitions[i].err) {
            rd_kafka_metadata_destroy(md);
            return;
          }
        }
        last = "the topic has " + std::to_string(t.partition_cnt) + " partitions and no leader for partition " +
               std::to_string(o.partition);
      }
      rd_kafka_metadata_destroy(md);
    } else {
      last = rd_kafka_err2str(err);
    }
    rd_kafka_poll(rk, 0);  // serves error_cb, which names the transport failure
    const auto now = Clock::now();
    if (!answered && now - start >= kConnectTimeout) {
      const std::string detail = reports.error();
      fail("no broker at " + o.bootstrap + " answered within " + std::to_string(kConnectTimeout.count() / 1000) +
           " s (" + last + (detail.empty() ? "" : "; " + detail) + "); is a broker listening there?");
    }
    if (now >= deadline) fail("topic " + o.topic + " not available: " + last);
    std::this_thread::sleep_for(kMetadataRetry);
  }
}

struct Json {
  std::string text = "{";
  Json& add(const char* key, const std::string& v) {
    sep();
    text += '"' + std::string(key) + "\": \"" + v + '"';
    return *this;
  }
  Json& add(const char* key, int64_t v) {
    sep();
    text += '"' + std::string(key) + "\": " + std::to_string(v);
    return *this;
  }
  Json& add(const char* key, double v) {
    sep();
    char buf[64];
    std::snprintf(buf, sizeof buf, "%.6g", v);
    text += '"' + std::string(key) + "\": " + buf;
    return *this;
  }
  void print() {
    text += "}\n";
    std::fputs(text.c_str(), stdout);
    std::fflush(stdout);
  }

 private:
  void sep() {
    if (text.size() > 1) text += ", ";
  }
};

// Sends one record, waiting (serving delivery reports) while librdkafka's queue is full.
void send(rd_kafka_t* rk, rd_kafka_topic_t* rkt, int32_t partition, void* payload, size_t size, int flags,
          Clock::time_point deadline) {
  while (rd_kafka_produce(rkt, partition, flags, payload, size, nullptr, 0, nullptr) == -1) {
    const auto err = rd_kafka_last_error();
    if (err != RD_KAFKA_RESP_ERR__QUEUE_FULL) fail(std::string("produce failed: ") + rd_kafka_err2str(err));
    if (Clock::now() >= deadline) fail("time limit reached while the producer queue was full");
    rd_kafka_poll(rk, 1);
  }
}

// Serves delivery reports until every record is acknowledged or has failed; fails on any failure.
void await_deliveries(rd_kafka_t* rk, Reports& reports, int64_t count, Clock::time_point deadline) {
  while (reports.delivered.load() + reports.failed.load() < count) {
    if (Clock::now() >= deadline) {
      fail("time limit reached with " + std::to_string(count - reports.delivered.load()) + " records unacknowledged" +
           (reports.error().empty() ? "" : " (" + reports.error() + ")"));
    }
    rd_kafka_poll(rk, kPollMs);
  }
  if (reports.failed.load() > 0) {
    fail(std::to_string(reports.failed.load()) + " of " + std::to_string(count) + " records failed (" +
         reports.error() + ")");
  }
}

// ---- produce -------------------------------------------------------------------------------------

int run_produce(const Options& o) {
  const auto deadline = Clock::now() + std::chrono::seconds(o.timeout_s);
  Reports reports;
  KafkaPtr rk = make_client(RD_KAFKA_PRODUCER, producer_props(o, o.count), reports);
  TopicPtr rkt(rd_kafka_topic_new(rk.get(), o.topic.c_str(), nullptr));
  wait_for_partition(rk.get(), rkt.get(), o, deadline, reports);

  // One payload for every record: librdkafka copies it into its requests (flags 0: neither
  // copied at the call nor freed), so the figure is the client's and the broker's work only.
  std::vector<char> payload(static_cast<size_t>(o.size), 'x');
  const auto start = Clock::now();
  for (int64_t i = 0; i < o.count; ++i) {
    send(rk.get(), rkt.get(), o.partition, payload.data(), payload.size(), 0, deadline);
    if ((i & 0xff) == 0) rd_kafka_poll(rk.get(), 0);
  }
  await_deliveries(rk.get(), reports, o.count, deadline);
  const double elapsed = std::max(seconds_between(start, Clock::now()), 1e-9);
  const double bytes = static_cast<double>(o.count) * static_cast<double>(o.size);
  Json()
      .add("mode", std::string("produce"))
      .add("acks", o.acks)
      .add("size", o.size)
      .add("records", o.count)
      .add("linger_ms", o.linger_ms)
      .add("batch_bytes", o.batch_bytes)
      .add("elapsed_s", elapsed)
      .add("records_per_s", static_cast<double>(o.count) / elapsed)
      .add("mb_per_s", bytes / elapsed / kMB)
      .print();
  return 0;
}

// ---- consume -------------------------------------------------------------------------------------

// A consumer of one partition through librdkafka's partition queue (no group, no commits).
class PartitionReader {
 public:
  PartitionReader(const Options& o, const std::map<std::string, std::string>& props, Clock::time_point deadline)
      : partition_(o.partition) {
    rk_ = make_client(RD_KAFKA_CONSUMER, props, reports_);
    rkt_.reset(rd_kafka_topic_new(rk_.get(), o.topic.c_str(), nullptr));
    wait_for_partition(rk_.get(), rkt_.get(), o, deadline, reports_);
  }
  PartitionReader(const PartitionReader&) = delete;
  PartitionReader& operator=(const PartitionReader&) = delete;
  ~PartitionReader() {
    if (started_) rd_kafka_consume_stop(rkt_.get(), partition_);
  }

  // The partition's high watermark, asked of the broker.
  int64_t end_offset(const std::string& topic) {
    int64_t low = 0;
    int64_t high = 0;
    const auto err = rd_kafka_query_watermark_offsets(rk_.get(), topic.c_str(), partition_, &low, &high,
                                                      static_cast<int>(kConnectTimeout.count()));
    if (err) fail(std::string("ListOffsets failed: ") + rd_kafka_err2str(err));
    return high;
  }

  void start(int64_t offset) {
    if (rd_kafka_consume_start(rkt_.get(), partition_, offset) == -1) {
      fail(std::string("cannot start consuming: ") + rd_kafka_err2str(rd_kafka_last_error()));
    }
    started_ = true;
  }

  // Calls on_record(message) for each record already fetched, waiting up to timeout_ms for the
  // first one; fails on errors. (rd_kafka_consume_batch would wait for a full batch instead.)
  template <class F>
  void poll(int timeout_ms, F&& on_record) {
    rd_kafka_poll(rk_.get(), 0);  // error_cb
    auto trampoline = [](rd_kafka_message_t* m, void* opaque) {
      if (m->err == RD_KAFKA_RESP_ERR__PARTITION_EOF) return;
      if (m->err) fail(std::string("consume failed: ") + rd_kafka_message_errstr(m));
      (*static_cast<std::remove_reference_t<F>*>(opaque))(*m);
    };
    if (rd_kafka_consume_callback(rkt_.get(), partition_, timeout_ms, trampoline, &on_record) == -1) {
      fail(std::string("consume failed: ") + rd_kafka_err2str(rd_kafka_last_error()));
    }
  }

  std::string error() { return reports_.error(); }

 private:
  int32_t partition_;
  Reports reports_;
  KafkaPtr rk_;
  TopicPtr rkt_;
  bool started_ = false;
};

int run_consume(const Options& o) {
  const auto deadline = Clock::now() + std::chrono::seconds(o.timeout_s);
  PartitionReader reader(o, consumer_props(o), deadline);
  int64_t records = 0;
  int64_t bytes = 0;
  const auto start = Clock::now();
  reader.start(RD_KAFKA_OFFSET_BEGINNING);
  while (records < o.count) {
    if (Clock::now() >= deadline) {
      fail("time limit reached after " + std::to_string(records) + " of " + std::to_string(o.count) + " records" +
           (reader.error().empty() ? "" : " (" + reader.error() + ")"));
    }
    reader.poll(kPollMs, [&](const rd_kafka_message_t& m) {
      ++records;
      bytes += static_cast<int64_t>(m.len);
    });
  }
  const double elapsed = std::max(seconds_between(start, Clock::now()), 1e-9);
  Json()
      .add("mode", std::string("consume"))
      .add("records", records)
      .add("bytes", bytes)
      .add("elapsed_s", elapsed)
      .add("records_per_s", static_cast<double>(records) / elapsed)
      .add("mb_per_s", static_cast<double>(bytes) / elapsed / kMB)
      .print();
  return 0;
}

// ---- latency -------------------------------------------------------------------------------------

int64_t now_ns() {
  return std::chrono::duration_cast<std::chrono::nanoseconds>(Clock::now().time_since_epoch()).count();
}

double quantile(const std::vector<double>& sorted, double q) {
  if (sorted.empty()) return 0;
  return sorted[static_cast<size_t>(q * static_cast<double>(sorted.size() - 1))];
}

int run_latency(const Options& o) {
  const auto deadline = Clock::now() + std::chrono::seconds(o.timeout_s);
  const int64_t total = o.rate * o.seconds;
  const int64_t warmup = o.rate * o.warmup_s;

  Reports reports;
  KafkaPtr rk = make_client(RD_KAFKA_PRODUCER, producer_props(o, total), reports);
  TopicPtr rkt(rd_kafka_topic_new(rk.get(), o.topic.c_str(), nullptr));
  wait_for_partition(rk.get(), rkt.get(), o, deadline, reports);

  auto props = consumer_props(o);
  props["fetch.wait.max.ms"] = std::to_string(o.fetch_wait_ms);
  props["fetch.min.bytes"] = "1";
  PartitionReader reader(o, props, deadline);
  // From the current end: every record this run sends, and no older one.
  const int64_t first_offset = reader.end_offset(o.topic);
  reader.start(first_offset);

  // The consumer thread records each record's latency, indexed by its sequence number.
  std::vector<double> latency_ms(static_cast<size_t>(total), -1);
  std::atomic<int64_t> received{0};
  std::atomic<bool> stop{false};
  std::atomic<bool> bad_record{false};
  std::thread consumer([&] {
    while (!stop.load() && received.load() < total) {
      reader.poll(kPollMs, [&](const rd_kafka_message_t& m) {
        const int64_t arrived = now_ns();
        int64_t stamp[2];
        if (m.len < kStampSize) {
          bad_record = true;
          return;
        }
        std::memcpy(stamp, m.payload, kStampSize);
        const int64_t seq = stamp[1];
        if (seq < 0 || seq >= total || latency_ms[static_cast<size_t>(seq)] >= 0) {
          bad_record = true;
          return;
        }
        latency_ms[static_cast<size_t>(seq)] = static_cast<double>(arrived - stamp[0]) / 1e6;
        received.fetch_add(1);
      });
    }
  });

  // Paced on an absolute schedule: a late send is followed by the next ones at once, so the
  // average rate holds; sleeping to the next slot costs some tens of microseconds of slack.
  std::vector<char> payload(static_cast<size_t>(o.size), 'x');
  const auto interval = std::chrono::nanoseconds(1'000'000'000 / o.rate);
  const auto start = Clock::now();
  for (int64_t i = 0; i < total; ++i) {
    const auto slot = start + i * interval;
    if (Clock::now() < slot) std::this_thread::sleep_until(slot);
    if (Clock::now() >= deadline) fail("time limit reached after sending " + std::to_string(i) + " records");
    const int64_t stamp[2] = {now_ns(), i};
    std::memcpy(payload.data(), stamp, kStampSize);
    send(rk.get(), rkt.get(), o.partition, payload.data(), payload.size(), RD_KAFKA_MSG_F_COPY, deadline);
    rd_kafka_poll(rk.get(), 0);
  }
  const double send_elapsed = std::max(seconds_between(start, Clock::now()), 1e-9);
  const auto drain_deadline = std::min(deadline, Clock::now() + kLatencyDrain);
  await_deliveries(rk.get(), reports, total, drain_deadline);
  while (received.load() < total && Clock::now() < drain_deadline) std::this_thread::sleep_for(milliseconds(10));
  stop = true;
  consumer.join();
  if (bad_record) fail("the consumer read a record this run did not send (or one twice)");
  if (received.load() < total) {
    fail("only " + std::to_string(received.load()) + " of " + std::to_string(total) + " records reached the consumer" +
         (reader.error().empty() ? "" : " (" + reader.error() + ")"));
  }

  std::vector<double> measured(latency_ms.begin() + warmup, latency_ms.end());
  std::sort(measured.begin(), measured.end());
  Json()
      .add("mode", std::string("latency"))
      .add("acks", o.acks)
      .add("size", o.size)
      .add("linger_ms", o.linger_ms)
      .add("fetch_wait_ms", o.fetch_wait_ms)
      .add("target_rate", o.rate)
      .add("achieved_rate", static_cast<double>(total) / send_elapsed)
      .add("records", total)
      .add("warmup_records", warmup)
      .add("measured_records", static_cast<int64_t>(measured.size()))
      .add("p50_ms", quantile(measured, 0.5))
      .add("p99_ms", quantile(measured, 0.99))
      .add("p999_ms", quantile(measured, 0.999))
      .add("max_ms", measured.empty() ? 0.0 : measured.back())
      .print();
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  const Options o = parse_options(argc, argv);
  if (o.mode == "produce") return run_produce(o);
  if (o.mode == "consume") return run_consume(o);
  return run_latency(o);
}
