#include "cluster/config_schema.h"

#include <fmt/format.h>

#include <algorithm>
#include <cerrno>
#include <cmath>
#include <cstdlib>

#include "cluster/properties.h"

namespace strata::cluster {

namespace {

constexpr std::string_view kLongMax = "9223372036854775807";
constexpr int64_t kHour = 3'600'000;
constexpr int64_t kMinute = 60'000;

ConfigValidator at_least(double min) { return ConfigValidator{min, std::nullopt, {}, false}; }
ConfigValidator between(double min, double max) { return ConfigValidator{min, max, {}, false}; }
ConfigValidator one_of(std::vector<std::string_view> values, bool case_insensitive = false) {
  return ConfigValidator{std::nullopt, std::nullopt, std::move(values), case_insensitive};
}

// Kafka's TopicConfig / LogConfig (3.x/4.0 line), in alphabetical order as DescribeConfigs lists them.
const std::vector<ConfigKeyDef>& topic_table() {
  static const std::vector<ConfigKeyDef> table = {
      {"cleanup.policy",
       ConfigType::list,
       "delete",
       one_of({"compact", "delete"}),
       "This config designates the retention policy to use on log segments: delete, compact, or both.",
       {{"log.cleanup.policy"}}},
      {"compression.gzip.level",
       ConfigType::int_,
       "-1",
       ConfigValidator{},
       "The compression level to use if compression.type is set to gzip.",
       {{"compression.gzip.level"}}},
      {"compression.lz4.level",
       ConfigType::int_,
       "9",
       between(1, 17),
       "The compression level to use if compression.type is set to lz4.",
       {{"compression.lz4.level"}}},
      {"compression.type",
       ConfigType::string,
       "producer",
       one_of({"uncompressed", "zstd", "lz4", "snappy", "gzip", "producer"}, true),
       "Specify the final compression type for a given topic.",
       {{"compression.type"}}},
      {"compression.zstd.level",
       ConfigType::int_,
       "3",
       between(-131072, 22),
       "The compression level to use if compression.type is set to zstd.",
       {{"compression.zstd.level"}}},
      {"delete.retention.ms",
       ConfigType::long_,
       "86400000",
       at_least(0),
       "The amount of time to retain delete tombstone markers for log compacted topics.",
       {{"log.cleaner.delete.retention.ms"}}},
      {"file.delete.delay.ms",
       ConfigType::long_,
       "60000",
       at_least(0),
       "The time to wait before deleting a file from the filesystem.",
       {{"log.segment.delete.delay.ms"}}},
      {"flush.messages",
       ConfigType::long_,
       kLongMax,
       at_least(1),
       "The interval of messages written to a log partition before an fsync is forced.",
       {{"log.flush.interval.messages"}}},
      {"flush.ms",
       ConfigType::long_,
       kLongMax,
       at_least(0),
       "The time interval after which an fsync of data written to the log is forced.",
       {{"log.flush.interval.ms"}, {"log.flush.scheduler.interval.ms"}}},
      {"index.interval.bytes",
       ConfigType::int_,
       "4096",
       at_least(0),
       "How frequently Kafka adds an index entry to its offset index.",
       {{"log.index.interval.bytes"}}},
      {"local.retention.bytes",
       ConfigType::long_,
       "-2",
       at_least(-2),
       "The maximum size of local log segments that can grow for a partition before it deletes the old "
       "segments (-2: use retention.bytes).",
       {{"log.local.retention.bytes"}}},
      {"local.retention.ms",
       ConfigType::long_,
       "-2",
       at_least(-2),
       "The number of milliseconds to keep the local log segment before it gets deleted (-2: use retention.ms).",
       {{"log.local.retention.ms"}}},
      {"max.compaction.lag.ms",
       ConfigType::long_,
       kLongMax,
       at_least(1),
       "The maximum time a message will remain ineligible for compaction in the log.",
       {{"log.cleaner.max.compaction.lag.ms"}}},
      {"max.message.bytes",
       ConfigType::int_,
       "1048588",
       at_least(0),
       "The largest record batch size allowed by Kafka (after compression if compression is enabled).",
       {{"message.max.bytes"}}},
      {"message.timestamp.after.max.ms",
       ConfigType::long_,
       kLongMax,
       at_least(0),
       "The maximum allowed timestamp difference between the message timestamp and the broker's timestamp, "
       "for messages later than the broker.",
       {{"log.message.timestamp.after.max.ms"}}},
      {"message.timestamp.before.max.ms",
       ConfigType::long_,
       kLongMax,
       at_least(0),
       "The maximum allowed timestamp difference between the broker's timestamp and the message timestamp, "
       "for messages earlier than the broker.",
       {{"log.message.timestamp.before.max.ms"}}},
      {"message.timestamp.type",
       ConfigType::string,
       "CreateTime",
       one_of({"CreateTime", "LogAppendTime"}),
       "Define whether the timestamp in the message is message create time or log append time.",
       {{"log.message.timestamp.type"}}},
      {"min.cleanable.dirty.ratio",
       ConfigType::double_,
       "0.5",
       between(0, 1),
       "How frequently the log compactor will attempt to clean the log (the dirty share that triggers it).",
       {{"log.cleaner.min.cleanable.ratio"}}},
      {"min.compaction.lag.ms",
       ConfigType::long_,
       "0",
       at_least(0),
       "The minimum time a message will remain uncompacted in the log.",
       {{"log.cleaner.min.compaction.lag.ms"}}},
      {"min.insync.replicas",
       ConfigType::int_,
       "1",
       at_least(1),
       "The minimum number of replicas that must acknowledge a write with acks=all.",
       {{"min.insync.replicas"}}},
      {"preallocate",
       ConfigType::boolean,
       "false",
       ConfigValidator{},
       "True if we should preallocate the file on disk when creating a new log segment.",
       {{"log.preallocate"}}},
      {"remote.storage.enable",
       ConfigType::boolean,
       "false",
       ConfigValidator{},
       "To enable tiered storage for a topic, set this configuration as true.",
       {}},
      {"retention.bytes",
       ConfigType::long_,
       "-1",
       ConfigValidator{},
       "The maximum size a partition can grow to before old log segments are discarded (-1: no limit).",
       {{"log.retention.bytes"}}},
      {"retention.ms",
       ConfigType::long_,
       "604800000",
       at_least(-1),
       "The maximum time a log is retained before old log segments are discarded (-1: no time limit).",
       {{"log.retention.ms"}, {"log.retention.minutes", kMinute}, {"log.retention.hours", kHour}}},
      {"segment.bytes",
       ConfigType::int_,
       "1073741824",
       at_least(14),
       "The segment file size for the log.",
       {{"log.segment.bytes"}}},
      {"segment.index.bytes",
       ConfigType::int_,
       "10485760",
       at_least(4),
       "The size of the index that maps offsets to file positions.",
       {{"log.index.size.max.bytes"}}},
      {"segment.jitter.ms",
       ConfigType::long_,
       "0",
       at_least(0),
       "The maximum random jitter subtracted from the scheduled segment roll time.",
       {{"log.roll.jitter.ms"}, {"log.roll.jitter.hours", kHour}}},
      {"segment.ms",
       ConfigType::long_,
       "604800000",
       at_least(1),
       "The period of time after which Kafka will force the log to roll even if the segment file isn't full.",
       {{"log.roll.ms"}, {"log.roll.hours", kHour}}},
      {"unclean.leader.election.enable",
       ConfigType::boolean,
       "false",
       ConfigValidator{},
       "Whether replicas not in the ISR may be elected leader (a single node has no other replica).",
       {{"unclean.leader.election.enable"}}},
  };
  return table;
}

// The broker's own keys. Topic-default keys (log.*, message.max.bytes, ...) are found through the
// topic table's synonyms; the hour/minute variants have their own entries here for validation.
const std::vector<ConfigKeyDef>& broker_table() {
  static const std::vector<ConfigKeyDef> table = {
      {"node.id", ConfigType::int_, "1", at_least(0), "The node id of this server.", {}},
      {"broker.id", ConfigType::int_, std::nullopt, at_least(0), "The broker id (an alias of node.id).", {}},
      {"listeners",
       ConfigType::list,
       "PLAINTEXT://127.0.0.1:9092",
       ConfigValidator{},
       "Listener list: comma-separated URIs the server listens on, e.g. PLAINTEXT://127.0.0.1:9092.",
       {}},
      {"advertised.listeners",
       ConfigType::list,
       std::nullopt,
       ConfigValidator{},
       "Listeners to publish to clients if different from listeners.",
       {}},
      {"listener.security.protocol.map",
       ConfigType::string,
       "PLAINTEXT:PLAINTEXT",
       ConfigValidator{},
       "Map between listener names and security protocols (only PLAINTEXT is served).",
       {}},
      {"log.dirs",
       ConfigType::list,
       std::nullopt,
       ConfigValidator{},
       "A comma-separated list of the directories where the log data is stored.",
       {}},
      {"log.dir",
       ConfigType::string,
       "/tmp/kafka-logs",
       ConfigValidator{},
       "The directory in which the log data is kept (used when log.dirs is not set).",
       {}},
      {"num.partitions", ConfigType::int_, "1", at_least(1), "The default number of log partitions per topic.", {}},
      {"default.replication.factor",
       ConfigType::int_,
       "1",
       at_least(1),
       "The replication factor for automatically created topics (only 1 on a single node).",
       {}},
      {"auto.create.topics.enable",
       ConfigType::boolean,
       "true",
       ConfigValidator{},
       "Enable auto creation of topic on the server.",
       {}},
      {"delete.topic.enable", ConfigType::boolean, "true", ConfigValidator{}, "Enables delete topic.", {}},
      {"socket.request.max.bytes",
       ConfigType::int_,
       "104857600",
       at_least(1),
       "The maximum number of bytes in a socket request.",
       {}},
      {"connections.max.idle.ms",
       ConfigType::long_,
       "600000",
       ConfigValidator{},
       "Idle connections timeout: the server socket processor threads close the connections that idle more than this.",
       {}},
      {"num.io.threads",
       ConfigType::int_,
       "8",
       at_least(1),
       "Accepted for compatibility; Strata runs one event loop per core.",
       {}},
      {"strata.cores",
       ConfigType::int_,
       "0",
       at_least(0),
       "Event loops (one thread each) that share the partitions and connections; 0 means one per core.",
       {}},
      {"num.network.threads",
       ConfigType::int_,
       "3",
       at_least(1),
       "Accepted for compatibility; Strata runs one event loop per core.",
       {}},
      {"log.retention.check.interval.ms",
       ConfigType::long_,
       "300000",
       at_least(1),
       "The frequency in milliseconds that the log cleaner checks whether any log is eligible for deletion.",
       {}},
      {"log.flush.offset.checkpoint.interval.ms",
       ConfigType::int_,
       "60000",
       at_least(0),
       "The frequency with which we update the persistent record of the last flush which acts as the log recovery "
       "point.",
       {}},
      {"log.flush.start.offset.checkpoint.interval.ms",
       ConfigType::int_,
       "60000",
       at_least(0),
       "The frequency with which we update the persistent record of log start offset.",
       {}},
      {"log.cleaner.enable",
       ConfigType::boolean,
       "true",
       ConfigValidator{},
       "Enable the log cleaner process to run on the server.",
       {}},
      {"log.cleaner.threads",
       ConfigType::int_,
       "1",
       at_least(0),
       "The number of background threads to use for log cleaning.",
       {}},
      {"log.cleaner.dedupe.buffer.size",
       ConfigType::long_,
       "134217728",
       ConfigValidator{},
       "The total memory used for log deduplication across all cleaner threads.",
       {}},
      {"log.cleaner.io.max.bytes.per.second",
       ConfigType::double_,
       "1.7976931348623157E308",
       ConfigValidator{},
       "The log cleaner will be throttled so that the sum of its read and write i/o will be less than this value on "
       "average.",
       {}},
      {"log.cleaner.backoff.ms",
       ConfigType::long_,
       "15000",
       at_least(0),
       "The amount of time to sleep when there are no logs to clean.",
       {}},
      {"producer.id.expiration.ms",
       ConfigType::int_,
       "86400000",
       at_least(1),
       "The time in ms that a topic partition leader will wait before expiring producer IDs.",
       {}},
      {"transaction.max.timeout.ms",
       ConfigType::int_,
       "900000",
       at_least(1),
       "The maximum allowed timeout for transactions.",
       {}},
      {"offsets.topic.num.partitions",
       ConfigType::int_,
       "50",
       at_least(1),
       "The number of partitions for the offset commit topic.",
       {}},
      {"offsets.topic.replication.factor",
       ConfigType::int_,
       "3",
       at_least(1),
       "The replication factor for the offsets topic (a single node uses 1).",
       {}},
      {"offsets.retention.minutes",
       ConfigType::int_,
       "10080",
       at_least(1),
       "For subscribed consumers, committed offset of a specific partition will be expired and discarded after this "
       "period of time once the group is empty.",
       {}},
      {"offsets.retention.check.interval.ms",
       ConfigType::long_,
       "600000",
       at_least(1),
       "Frequency at which to check for stale offsets",
       {}},
      {"offset.metadata.max.bytes",
       ConfigType::int_,
       "4096",
       ConfigValidator{},
       "The maximum size for a metadata entry associated with an offset commit.",
       {}},
      {"offsets.topic.segment.bytes",
       ConfigType::int_,
       "104857600",
       at_least(1),
       "The offsets topic segment bytes should be kept relatively small in order to facilitate faster log compaction "
       "and cache loads.",
       {}},
      {"offsets.load.buffer.size",
       ConfigType::int_,
       "5242880",
       at_least(1),
       "Batch size for reading from the offsets segments when loading offsets into the cache (soft-limit, overridden "
       "if records are too large).",
       {}},
      {"offsets.commit.timeout.ms",
       ConfigType::int_,
       "5000",
       at_least(1),
       "Offset commit will be delayed until all replicas for the offsets topic receive the commit or this timeout is "
       "reached. This is similar to the producer request timeout.",
       {}},
      {"transaction.state.log.replication.factor",
       ConfigType::int_,
       "3",
       at_least(1),
       "The replication factor for the transaction topic (a single node uses 1).",
       {}},
      {"transaction.state.log.min.isr",
       ConfigType::int_,
       "2",
       at_least(1),
       "The minimum ISR for the transaction topic.",
       {}},
      {"group.initial.rebalance.delay.ms",
       ConfigType::int_,
       "3000",
       ConfigValidator{},
       "The amount of time the group coordinator will wait for more consumers to join a new group before performing "
       "the first rebalance.",
       {}},
      {"group.min.session.timeout.ms",
       ConfigType::int_,
       "6000",
       ConfigValidator{},
       "The minimum allowed session timeout for registered consumers.",
       {}},
      {"group.max.session.timeout.ms",
       ConfigType::int_,
       "1800000",
       ConfigValidator{},
       "The maximum allowed session timeout for registered consumers.",
       {}},
      {"group.max.size",
       ConfigType::int_,
       "2147483647",
       at_least(1),
       "The maximum number of consumers that a single consumer group can accommodate.",
       {}},
      {"process.roles",
       ConfigType::list,
       "broker,controller",
       ConfigValidator{},
       "The roles this process plays (a Strata node is both).",
       {}},
      {"controller.quorum.voters",
       ConfigType::list,
       "",
       ConfigValidator{},
       "Accepted for compatibility; a Strata node is its own controller.",
       {}},
      {"controller.listener.names",
       ConfigType::list,
       std::nullopt,
       ConfigValidator{},
       "Accepted for compatibility; a Strata node is its own controller.",
       {}},
      {"remote.log.storage.system.enable",
       ConfigType::boolean,
       "false",
       ConfigValidator{},
       "Whether to enable tiered storage functionality in a broker or not.",
       {}},
      {"admin.listener",
       ConfigType::string,
       "127.0.0.1:9644",
       ConfigValidator{},
       "The host:port of Strata's admin HTTP server (/metrics in Prometheus' text format, /health); empty "
       "disables it. Port 0 picks a free port.",
       {}},
      // Unit variants of topic-default synonyms, validated here; precedence is in the topic table.
      {"log.retention.minutes",
       ConfigType::int_,
       std::nullopt,
       ConfigValidator{},
       "The number of minutes to keep a log file before deleting it.",
       {}},
      {"log.retention.hours",
       ConfigType::int_,
       "168",
       ConfigValidator{},
       "The number of hours to keep a log file before deleting it.",
       {}},
      {"log.roll.hours",
       ConfigType::int_,
       "168",
       at_least(1),
       "The maximum time before a new log segment is rolled out (in hours).",
       {}},
      {"log.roll.jitter.hours",
       ConfigType::int_,
       "0",
       at_least(0),
       "The maximum jitter to subtract from logRollTimeMillis (in hours).",
       {}},
  };
  return table;
}

template <class Table>
const ConfigKeyDef* find_in(const Table& table, std::string_view name) {
  auto it = std::find_if(table.begin(), table.end(), [&](const ConfigKeyDef& k) { return k.name == name; });
  return it == table.end() ? nullptr : &*it;
}

Error invalid(const ConfigKeyDef& key, std::string_view value, std::string_view why) {
  return Error(ClusterErrc::invalid_config,
               fmt::format("Invalid value {} for configuration {}: {}", value, key.name, why));
}

std::string format_number(double v) {
  if (std::floor(v) == v && std::fabs(v) < 9.3e18) return fmt::format("{}", static_cast<int64_t>(v));
  return fmt::format("{}", v);
}

std::string lower(std::string_view s) {
  std::string out(s);
  for (char& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

}  // namespace

std::string_view to_string(ConfigType type) {
  switch (type) {
    case ConfigType::boolean: return "BOOLEAN";
    case ConfigType::int_: return "INT";
    case ConfigType::long_: return "LONG";
    case ConfigType::double_: return "DOUBLE";
    case ConfigType::string: return "STRING";
    case ConfigType::list: return "LIST";
    case ConfigType::password: return "PASSWORD";
  }
  return "UNKNOWN";
}

std::span<const ConfigKeyDef> broker_config_keys() { return broker_table(); }
std::span<const ConfigKeyDef> topic_config_keys() { return topic_table(); }
const ConfigKeyDef* find_broker_key(std::string_view name) { return find_in(broker_table(), name); }
const ConfigKeyDef* find_topic_key(std::string_view name) { return find_in(topic_table(), name); }

const ConfigKeyDef* topic_key_for_broker_synonym(std::string_view broker_name, int64_t* factor) {
  for (const ConfigKeyDef& key : topic_table()) {
    for (const auto& synonym : key.broker_synonyms) {
      if (synonym.name == broker_name) {
        if (factor) *factor = synonym.factor;
        return &key;
      }
    }
  }
  return nullptr;
}

std::vector<std::string> parse_list(std::string_view value) {
  std::vector<std::string> out;
  size_t pos = 0;
  while (pos <= value.size()) {
    size_t comma = value.find(',', pos);
    if (comma == std::string_view::npos) comma = value.size();
    std::string_view item = value.substr(pos, comma - pos);
    while (!item.empty() && std::isspace(static_cast<unsigned char>(item.front()))) item.remove_prefix(1);
    while (!item.empty() && std::isspace(static_cast<unsigned char>(item.back()))) item.remove_suffix(1);
    if (!item.empty()) out.emplace_back(item);
    pos = comma + 1;
  }
  return out;
}

result<int64_t> parse_long(const ConfigKeyDef& key, std::string_view value) {
  std::string text(value);
  while (!text.empty() && std::isspace(static_cast<unsigned char>(text.back()))) text.pop_back();
  errno = 0;
  char* end = nullptr;
  const long long v = std::strtoll(text.c_str(), &end, 10);
  if (text.empty() || end != text.c_str() + text.size() || errno == ERANGE) {
    return invalid(key, value, key.type == ConfigType::int_ ? "Not a number of type INT" : "Not a number of type LONG");
  }
  if (key.type == ConfigType::int_ && (v < INT32_MIN || v > INT32_MAX))
    return invalid(key, value, "Not a number of type INT");
  const double d = static_cast<double>(v);
  if (key.validator.min && d < *key.validator.min) {
    return invalid(key, value, fmt::format("Value must be at least {}", format_number(*key.validator.min)));
  }
  if (key.validator.max && d > *key.validator.max) {
    return invalid(key, value, fmt::format("Value must be no more than {}", format_number(*key.validator.max)));
  }
  return static_cast<int64_t>(v);
}

result<double> parse_double(const ConfigKeyDef& key, std::string_view value) {
  std::string text(value);
  errno = 0;
  char* end = nullptr;
  const double v = std::strtod(text.c_str(), &end);
  if (text.empty() || end != text.c_str() + text.size() || errno == ERANGE) {
    return invalid(key, value, "Not a number of type DOUBLE");
  }
  if (key.validator.min && v < *key.validator.min) {
    return invalid(key, value, fmt::format("Value must be at least {}", format_number(*key.validator.min)));
  }
  if (key.validator.max && v > *key.validator.max) {
    return invalid(key, value, fmt::format("Value must be no more than {}", format_number(*key.validator.max)));
  }
  return v;
}

result<bool> parse_bool(const ConfigKeyDef& key, std::string_view value) {
  const std::string v = lower(value);
  if (v == "true") return true;
  if (v == "false") return false;
  return invalid(key, value, "Expected value to be either true or false");
}

result<void> validate_value(const ConfigKeyDef& key, std::string_view value) {
  switch (key.type) {
    case ConfigType::boolean: STRATA_TRY(parse_bool(key, value)); break;
    case ConfigType::int_:
    case ConfigType::long_: STRATA_TRY(parse_long(key, value)); break;
    case ConfigType::double_: STRATA_TRY(parse_double(key, value)); break;
    case ConfigType::string:
    case ConfigType::password:
      if (!key.validator.one_of.empty()) {
        const std::string v = key.validator.case_insensitive ? lower(value) : std::string(value);
        const bool ok =
            std::any_of(key.validator.one_of.begin(), key.validator.one_of.end(), [&](std::string_view allowed) {
              return key.validator.case_insensitive ? lower(allowed) == v : allowed == v;
            });
        if (!ok)
          return invalid(key, value, fmt::format("String must be one of: {}", fmt::join(key.validator.one_of, ", ")));
      }
      break;
    case ConfigType::list:
      if (!key.validator.one_of.empty()) {
        for (const std::string& item : parse_list(value)) {
          if (std::find(key.validator.one_of.begin(), key.validator.one_of.end(), item) == key.validator.one_of.end()) {
            return invalid(
                key, value,
                fmt::format("Invalid value {}; must be one of [{}]", item, fmt::join(key.validator.one_of, ", ")));
          }
        }
      }
      break;
  }
  return success();
}

}  // namespace strata::cluster
