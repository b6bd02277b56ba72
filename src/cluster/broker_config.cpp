#include "cluster/broker_config.h"

#include <fmt/format.h>

#include <algorithm>
#include <charconv>

#include "cluster/properties.h"
#include "record/compression.h"

namespace strata::cluster {

namespace {

Error config_error(std::string message) { return Error(ClusterErrc::invalid_config, std::move(message)); }

// The value of a broker key: the property, else its default.
std::optional<std::string> property_or_default(const std::map<std::string, std::string>& props, std::string_view name) {
  if (auto it = props.find(std::string(name)); it != props.end()) return it->second;
  if (const ConfigKeyDef* key = find_broker_key(name); key && key->default_value)
    return std::string(*key->default_value);
  return std::nullopt;
}

result<int64_t> broker_long(const std::map<std::string, std::string>& props, std::string_view name) {
  const ConfigKeyDef* key = find_broker_key(name);
  std::optional<std::string> v = property_or_default(props, name);
  if (!key || !v) return config_error(fmt::format("{} has no value", name));
  return parse_long(*key, *v);
}

result<bool> broker_bool(const std::map<std::string, std::string>& props, std::string_view name) {
  const ConfigKeyDef* key = find_broker_key(name);
  std::optional<std::string> v = property_or_default(props, name);
  if (!key || !v) return config_error(fmt::format("{} has no value", name));
  return parse_bool(*key, *v);
}

// Validates one broker key's value; false for a key Strata does not know.
result<bool> validate_broker_key(const std::string& name, const std::string& value) {
  const ConfigKeyDef* key = find_broker_key(name);
  int64_t factor = 1;
  if (!key) key = topic_key_for_broker_synonym(name, &factor);
  if (!key) return false;
  if (key->name != name && factor != 1) {
    // An hours/minutes synonym: validate as a plain number (its own entry, if any, has the range).
    if (const ConfigKeyDef* own = find_broker_key(name)) STRATA_TRY(validate_value(*own, value));
    return true;
  }
  // Validate under the name the user wrote, so the message names it (log.segment.bytes, not
  // segment.bytes).
  ConfigKeyDef as_written = *key;
  as_written.name = name;
  STRATA_TRY(validate_value(as_written, value));
  return true;
}

// Kafka prints a Scala Set: "Set(a, b)".
std::string scala_set(const std::vector<std::string>& names) {
  std::string out = "Set(";
  for (size_t i = 0; i < names.size(); ++i) out += (i ? ", " : "") + names[i];
  return out + ")";
}

}  // namespace

bool is_dynamic_broker_key(std::string_view name) {
  static constexpr std::string_view kOthers[] = {
      "log.cleaner.io.max.bytes.per.second", "log.cleaner.backoff.ms", "log.cleaner.dedupe.buffer.size",
      "num.io.threads", "num.network.threads"};
  if (std::find(std::begin(kOthers), std::end(kOthers), name) != std::end(kOthers)) return true;
  // The topic defaults (log.retention.ms, log.segment.bytes, message.max.bytes, ...).
  return topic_key_for_broker_synonym(name) != nullptr;
}

result<void> validate_dynamic_broker_configs(const std::map<std::string, std::string>& configs) {
  std::vector<std::string> not_dynamic;
  for (const auto& [name, value] : configs) {
    if (!is_dynamic_broker_key(name)) not_dynamic.push_back(name);
  }
  if (!not_dynamic.empty()) {
    return Error(ClusterErrc::not_dynamic,
                 fmt::format("Cannot update these configs dynamically: {}", scala_set(not_dynamic)));
  }
  for (const auto& [name, value] : configs) STRATA_TRY(validate_broker_key(name, value));
  return success();
}

std::optional<EffectiveConfig> BrokerConfig::broker_value(std::string_view name) const {
  const std::string key(name);
  if (auto it = dynamic_broker.find(key); it != dynamic_broker.end()) {
    return EffectiveConfig{it->second, ConfigSource::dynamic_broker, key};
  }
  if (auto it = dynamic_default.find(key); it != dynamic_default.end()) {
    return EffectiveConfig{it->second, ConfigSource::dynamic_default_broker, key};
  }
  if (auto it = properties.find(key); it != properties.end()) {
    return EffectiveConfig{it->second, ConfigSource::static_broker, key};
  }
  return std::nullopt;
}

result<std::vector<Listener>> parse_listeners(std::string_view key, std::string_view value) {
  std::vector<Listener> out;
  for (const std::string& item : parse_list(value)) {
    const size_t sep = item.find("://");
    if (sep == std::string::npos || sep == 0) {
      return config_error(
          fmt::format("Invalid value {} for configuration {}: a listener must look like NAME://host:port", item, key));
    }
    Listener l;
    l.name = item.substr(0, sep);
    std::string rest = item.substr(sep + 3);
    std::string port_text;
    if (!rest.empty() && rest.front() == '[') {
      const size_t close = rest.find(']');
      if (close == std::string::npos || close + 1 >= rest.size() || rest[close + 1] != ':') {
        return config_error(fmt::format("Invalid value {} for configuration {}: bad IPv6 listener", item, key));
      }
      l.host = rest.substr(1, close - 1);
      port_text = rest.substr(close + 2);
    } else {
      const size_t colon = rest.rfind(':');
      if (colon == std::string::npos) {
        return config_error(fmt::format("Invalid value {} for configuration {}: no port", item, key));
      }
      l.host = rest.substr(0, colon);
      port_text = rest.substr(colon + 1);
    }
    int port = -1;
    auto [ptr, ec] = std::from_chars(port_text.data(), port_text.data() + port_text.size(), port);
    if (ec != std::errc{} || ptr != port_text.data() + port_text.size() || port < 0 || port > 65535) {
      return config_error(fmt::format("Invalid value {} for configuration {}: port must be 0-65535", item, key));
    }
    l.port = static_cast<uint16_t>(port);
    for (const Listener& other : out) {
      if (other.name == l.name) {
        return config_error(
            fmt::format("Invalid value {} for configuration {}: listener name {} appears twice", value, key, l.name));
      }
    }
    out.push_back(std::move(l));
  }
  if (out.empty()) return config_error(fmt::format("{} must name at least one listener", key));
  return out;
}

result<BrokerConfig> BrokerConfig::from_properties(std::map<std::string, std::string> props,
                                                   std::vector<std::string>* warnings) {
  // Every key: a broker key, a topic-default synonym, or unknown (a warning).
  for (const auto& [name, value] : props) {
    STRATA_TRY_ASSIGN(bool known, validate_broker_key(name, value));
    if (!known && warnings) {
      warnings->push_back(fmt::format("Unknown configuration '{}' was supplied; it is ignored", name));
    }
  }
  BrokerConfig c;
  c.properties = props;
  if (auto it = props.find("node.id"); it != props.end()) {
    STRATA_TRY_ASSIGN(int64_t id, broker_long(props, "node.id"));
    c.node_id = static_cast<int32_t>(id);
    if (auto b = props.find("broker.id"); b != props.end() && b->second != it->second) {
      return config_error(
          fmt::format("node.id ({}) and broker.id ({}) disagree; set one of them", it->second, b->second));
    }
  } else if (props.count("broker.id") != 0) {
    STRATA_TRY_ASSIGN(int64_t id, broker_long(props, "broker.id"));
    c.node_id = static_cast<int32_t>(id);
  } else {
    STRATA_TRY_ASSIGN(int64_t id, broker_long(props, "node.id"));
    c.node_id = static_cast<int32_t>(id);
  }
  STRATA_TRY_ASSIGN(c.listeners, parse_listeners("listeners", *property_or_default(props, "listeners")));
  if (auto adv = props.find("advertised.listeners"); adv != props.end()) {
    STRATA_TRY_ASSIGN(c.advertised_listeners, parse_listeners("advertised.listeners", adv->second));
  } else {
    c.advertised_listeners = c.listeners;
  }
  for (const Listener& l : c.advertised_listeners) {
    const bool known =
        std::any_of(c.listeners.begin(), c.listeners.end(), [&](const Listener& x) { return x.name == l.name; });
    if (!known) {
      return config_error(fmt::format("advertised.listeners names {}, which is not in listeners", l.name));
    }
  }
  if (const std::string admin = *property_or_default(props, "admin.listener"); !admin.empty()) {
    STRATA_TRY_ASSIGN(c.admin_listeners, parse_listeners("admin.listener", "http://" + admin));
  }
  if (auto dirs = props.find("log.dirs"); dirs != props.end()) {
    for (const std::string& d : parse_list(dirs->second)) c.log_dirs.emplace_back(d);
    if (c.log_dirs.empty()) return config_error("log.dirs is set but names no directory");
  } else {
    c.log_dirs.emplace_back(*property_or_default(props, "log.dir"));
  }
  STRATA_TRY_ASSIGN(int64_t partitions, broker_long(props, "num.partitions"));
  c.num_partitions = static_cast<int32_t>(partitions);
  STRATA_TRY_ASSIGN(int64_t rf, broker_long(props, "default.replication.factor"));
  if (rf != 1) {
    return config_error(fmt::format(
        "Invalid value {} for configuration default.replication.factor: a single Strata node holds one replica; use 1",
        rf));
  }
  c.default_replication_factor = 1;
  STRATA_TRY_ASSIGN(c.auto_create_topics_enable, broker_bool(props, "auto.create.topics.enable"));
  STRATA_TRY_ASSIGN(c.delete_topic_enable, broker_bool(props, "delete.topic.enable"));
  STRATA_TRY_ASSIGN(int64_t request_max, broker_long(props, "socket.request.max.bytes"));
  c.socket_request_max_bytes = static_cast<int32_t>(request_max);
  STRATA_TRY_ASSIGN(c.connections_max_idle_ms, broker_long(props, "connections.max.idle.ms"));
  STRATA_TRY_ASSIGN(int64_t cores, broker_long(props, "strata.cores"));
  c.cores = static_cast<int32_t>(cores);
  STRATA_TRY_ASSIGN(c.log_retention_check_interval_ms, broker_long(props, "log.retention.check.interval.ms"));
  STRATA_TRY_ASSIGN(c.log_flush_offset_checkpoint_interval_ms,
                    broker_long(props, "log.flush.offset.checkpoint.interval.ms"));
  STRATA_TRY_ASSIGN(c.log_flush_start_offset_checkpoint_interval_ms,
                    broker_long(props, "log.flush.start.offset.checkpoint.interval.ms"));
  STRATA_TRY_ASSIGN(c.log_cleaner_enable, broker_bool(props, "log.cleaner.enable"));
  STRATA_TRY_ASSIGN(c.log_cleaner_backoff_ms, broker_long(props, "log.cleaner.backoff.ms"));
  STRATA_TRY_ASSIGN(c.cleaner.dedupe_buffer_bytes, broker_long(props, "log.cleaner.dedupe.buffer.size"));
  STRATA_TRY_ASSIGN(c.cleaner.io_max_bytes_per_second,
                    parse_double(*find_broker_key("log.cleaner.io.max.bytes.per.second"),
                                 *property_or_default(props, "log.cleaner.io.max.bytes.per.second")));
  STRATA_TRY_ASSIGN(int64_t offsets_partitions, broker_long(props, "offsets.topic.num.partitions"));
  c.offsets_topic_num_partitions = static_cast<int32_t>(offsets_partitions);
  {
    STRATA_TRY_ASSIGN(int64_t segment_bytes, broker_long(props, "offsets.topic.segment.bytes"));
    c.offsets_topic_segment_bytes = static_cast<int32_t>(segment_bytes);
  }
  STRATA_TRY_ASSIGN(c.offsets_retention_minutes, broker_long(props, "offsets.retention.minutes"));
  STRATA_TRY_ASSIGN(c.offsets_retention_check_interval_ms, broker_long(props, "offsets.retention.check.interval.ms"));
  {
    STRATA_TRY_ASSIGN(int64_t metadata_max, broker_long(props, "offset.metadata.max.bytes"));
    c.offset_metadata_max_bytes = static_cast<int32_t>(metadata_max);
  }
  STRATA_TRY_ASSIGN(c.group_initial_rebalance_delay_ms, broker_long(props, "group.initial.rebalance.delay.ms"));
  {
    STRATA_TRY_ASSIGN(int64_t min_session, broker_long(props, "group.min.session.timeout.ms"));
    STRATA_TRY_ASSIGN(int64_t max_session, broker_long(props, "group.max.session.timeout.ms"));
    STRATA_TRY_ASSIGN(int64_t max_size, broker_long(props, "group.max.size"));
    c.group_min_session_timeout_ms = static_cast<int32_t>(min_session);
    c.group_max_session_timeout_ms = static_cast<int32_t>(max_session);
    c.group_max_size = static_cast<int32_t>(max_size);
  }
  STRATA_TRY_ASSIGN(c.remote_log_storage_system_enable, broker_bool(props, "remote.log.storage.system.enable"));
  // The topic defaults must be valid too: build the default LogConfig once.
  STRATA_TRY(c.log_config({}));
  return c;
}

result<BrokerConfig> BrokerConfig::load(const std::string& path, const std::vector<std::string>& overrides,
                                        std::vector<std::string>* warnings) {
  STRATA_TRY_ASSIGN(auto props, read_properties_file(path));
  for (const std::string& o : overrides) {
    const size_t eq = o.find('=');
    if (eq == std::string::npos || eq == 0) {
      return config_error(fmt::format("--override {}: expected key=value", o));
    }
    props[o.substr(0, eq)] = o.substr(eq + 1);
  }
  return from_properties(std::move(props), warnings);
}

EffectiveConfig BrokerConfig::effective_topic_config(const ConfigKeyDef& key,
                                                     const std::map<std::string, std::string>& topic_overrides) const {
  if (auto it = topic_overrides.find(std::string(key.name)); it != topic_overrides.end()) {
    return {it->second, ConfigSource::dynamic_topic, std::string(key.name)};
  }
  // Kafka's precedence: the synonyms in order (log.retention.ms, then .minutes, then .hours),
  // each one's value from the highest source that sets it.
  for (const auto& synonym : key.broker_synonyms) {
    std::optional<EffectiveConfig> set = broker_value(synonym.name);
    if (!set) continue;
    if (synonym.factor != 1) {
      // hours/minutes -> ms; the value was validated as a number.
      set->value = std::to_string(std::stoll(set->value) * synonym.factor);
    }
    return *set;
  }
  return {std::string(key.default_value.value_or("")), ConfigSource::default_config, std::string(key.name)};
}

result<storage::LogConfig> BrokerConfig::log_config(const std::map<std::string, std::string>& topic_overrides) const {
  storage::LogConfig c;
  auto value_of = [&](std::string_view name) {
    return effective_topic_config(*find_topic_key(name), topic_overrides).value;
  };
  auto long_of = [&](std::string_view name) { return parse_long(*find_topic_key(name), value_of(name)); };
  STRATA_TRY_ASSIGN(int64_t segment_bytes, long_of("segment.bytes"));
  c.segment_bytes = static_cast<int32_t>(segment_bytes);
  STRATA_TRY_ASSIGN(c.segment_ms, long_of("segment.ms"));
  STRATA_TRY_ASSIGN(c.segment_jitter_ms, long_of("segment.jitter.ms"));
  STRATA_TRY_ASSIGN(int64_t index_bytes, long_of("segment.index.bytes"));
  c.segment_index_bytes = static_cast<int32_t>(index_bytes);
  STRATA_TRY_ASSIGN(int64_t interval, long_of("index.interval.bytes"));
  c.index_interval_bytes = static_cast<int32_t>(interval);
  STRATA_TRY_ASSIGN(c.preallocate, parse_bool(*find_topic_key("preallocate"), value_of("preallocate")));
  STRATA_TRY_ASSIGN(c.retention_ms, long_of("retention.ms"));
  STRATA_TRY_ASSIGN(c.retention_bytes, long_of("retention.bytes"));
  STRATA_TRY_ASSIGN(c.file_delete_delay_ms, long_of("file.delete.delay.ms"));
  const std::vector<std::string> policy = parse_list(value_of("cleanup.policy"));
  c.cleanup_delete = std::find(policy.begin(), policy.end(), "delete") != policy.end();
  c.cleanup_compact = std::find(policy.begin(), policy.end(), "compact") != policy.end();
  STRATA_TRY_ASSIGN(c.delete_retention_ms, long_of("delete.retention.ms"));
  STRATA_TRY_ASSIGN(c.min_compaction_lag_ms, long_of("min.compaction.lag.ms"));
  STRATA_TRY_ASSIGN(c.max_compaction_lag_ms, long_of("max.compaction.lag.ms"));
  STRATA_TRY_ASSIGN(c.min_cleanable_dirty_ratio,
                    parse_double(*find_topic_key("min.cleanable.dirty.ratio"), value_of("min.cleanable.dirty.ratio")));
  STRATA_TRY_ASSIGN(c.flush_messages, long_of("flush.messages"));
  STRATA_TRY_ASSIGN(c.flush_ms, long_of("flush.ms"));
  STRATA_TRY_ASSIGN(int64_t max_message, long_of("max.message.bytes"));
  c.max_message_bytes = static_cast<int32_t>(max_message);
  c.message_timestamp_type = value_of("message.timestamp.type") == "LogAppendTime"
                                 ? record::TimestampType::log_append_time
                                 : record::TimestampType::create_time;
  STRATA_TRY_ASSIGN(c.message_timestamp_before_max_ms, long_of("message.timestamp.before.max.ms"));
  STRATA_TRY_ASSIGN(c.message_timestamp_after_max_ms, long_of("message.timestamp.after.max.ms"));
  STRATA_TRY_ASSIGN(c.compression.type, record::parse_topic_compression_type(value_of("compression.type")));
  STRATA_TRY_ASSIGN(int64_t gzip, long_of("compression.gzip.level"));
  STRATA_TRY_ASSIGN(int64_t lz4, long_of("compression.lz4.level"));
  STRATA_TRY_ASSIGN(int64_t zstd, long_of("compression.zstd.level"));
  c.compression.gzip_level = static_cast<int>(gzip);
  c.compression.lz4_level = static_cast<int>(lz4);
  c.compression.zstd_level = static_cast<int>(zstd);
  if (auto checked = c.compression.check(); !checked) {
    return Error(ClusterErrc::invalid_config, checked.error().message());
  }
  if (auto it = properties.find("producer.id.expiration.ms"); it != properties.end()) {
    STRATA_TRY_ASSIGN(c.producer_id_expiration_ms,
                      parse_long(*find_broker_key("producer.id.expiration.ms"), it->second));
  }
  return c;
}

result<void> validate_topic_configs(const std::map<std::string, std::string>& configs) {
  for (const auto& [name, value] : configs) {
    const ConfigKeyDef* key = find_topic_key(name);
    if (!key) return config_error(fmt::format("Unknown topic config name: {}", name));
    STRATA_TRY(validate_value(*key, value));
  }
  return success();
}

}  // namespace strata::cluster
