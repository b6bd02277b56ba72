// The broker's configuration: server.properties (Java properties, Kafka's key names) plus
// `--override key=value`, validated against config_schema.h. Unknown keys are reported as
// warnings (Kafka logs them too); an invalid value is an error naming the key and what is allowed,
// and stops startup. Topic-level settings come from the topic's overrides, then the broker's
// synonyms (log.retention.hours, ...), then Kafka's defaults.
#pragma once

#include <cstdint>
#include <filesystem>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "base/result.h"
#include "cluster/config_schema.h"
#include "storage/log_cleaner.h"
#include "storage/log_config.h"

namespace strata::cluster {

// One entry of `listeners` / `advertised.listeners`: NAME://host:port.
struct Listener {
  std::string name;  // PLAINTEXT, or a custom listener name
  std::string host;  // empty: every interface
  uint16_t port = 0;
  friend bool operator==(const Listener&, const Listener&) = default;
};

// Parses "NAME://host:port[,...]" (IPv6 hosts in brackets); invalid_config naming `key`.
result<std::vector<Listener>> parse_listeners(std::string_view key, std::string_view value);

// Where a topic config's effective value comes from (DescribeConfigs' ConfigSource).
// Where a value comes from, highest precedence first (Kafka's ConfigSource).
enum class ConfigSource { dynamic_topic, dynamic_broker, dynamic_default_broker, static_broker, default_config };

struct EffectiveConfig {
  std::string value;
  ConfigSource source = ConfigSource::default_config;
  std::string source_name;  // the key that set it (the topic key, or the broker synonym)
};

struct BrokerConfig {
  int32_t node_id = 1;
  std::vector<Listener> listeners;
  std::vector<Listener> advertised_listeners;  // = listeners when not set
  std::vector<std::filesystem::path> log_dirs;
  int32_t num_partitions = 1;
  int32_t default_replication_factor = 1;
  bool auto_create_topics_enable = true;
  bool delete_topic_enable = true;
  int32_t socket_request_max_bytes = 104'857'600;
  int64_t connections_max_idle_ms = 600'000;
  // strata.cores: event loops sharing partitions and connections (ARCHITECTURE §3.4); 0 = one per core.
  int32_t cores = 0;
  int64_t log_retention_check_interval_ms = 300'000;
  int64_t log_flush_offset_checkpoint_interval_ms = 60'000;
  int64_t log_flush_start_offset_checkpoint_interval_ms = 60'000;
  bool log_cleaner_enable = true;
  int64_t log_cleaner_backoff_ms = 15'000;
  storage::CleanerConfig cleaner;
  int32_t offsets_topic_num_partitions = 50;
  int32_t offsets_topic_segment_bytes = 104'857'600;
  int64_t offsets_retention_minutes = 10080;
  int64_t offsets_retention_check_interval_ms = 600'000;
  int32_t offset_metadata_max_bytes = 4096;
  int64_t group_initial_rebalance_delay_ms = 3000;
  int32_t group_min_session_timeout_ms = 6000;
  int32_t group_max_session_timeout_ms = 1'800'000;
  int32_t group_max_size = INT32_MAX;
  bool remote_log_storage_system_enable = false;
  std::vector<Listener> admin_listeners;
  // The properties as given (after overrides), for DescribeConfigs of the broker.
  std::map<std::string, std::string> properties;

  // Validates and converts; `warnings` receives one line per unknown key.
  static result<BrokerConfig> from_properties(std::map<std::string, std::string> properties,
                                              std::vector<std::string>* warnings);
  // Reads `path`, applies `overrides` ("key=value" each), then from_properties.
  static result<BrokerConfig> load(const std::string& path, const std::vector<std::string>& overrides,
                                   std::vector<std::string>* warnings);

  // The effective value of topic key `key` for a topic with `topic_overrides`.
  // KIP-226 dynamic broker configs (kept in the metadata store, set through AlterConfigs on the
  // broker resource): this node's own, then the cluster-wide defaults; both override
  // `properties` (server.properties) for the keys is_dynamic_broker_key allows.
  std::map<std::string, std::string> dynamic_broker;
  std::map<std::string, std::string> dynamic_default;
  // A broker key's current value and its source: dynamic_broker, dynamic_default, properties;
  // nullopt when none sets it (its default applies).
  std::optional<EffectiveConfig> broker_value(std::string_view name) const;

  EffectiveConfig effective_topic_config(const ConfigKeyDef& key,
                                         const std::map<std::string, std::string>& topic_overrides) const;
  // The log engine's config for a topic with these overrides (already validated).
  result<storage::LogConfig> log_config(const std::map<std::string, std::string>& topic_overrides) const;
};

// The broker keys that AlterConfigs may change at runtime (Kafka's DynamicBrokerConfig
// AllDynamicConfigs, as far as Strata applies them): the topic defaults (log.retention.ms,
// log.segment.bytes, compression.type, message.max.bytes, ...), the cleaner's throttle and backoff,
// and the thread counts Strata accepts for compatibility.
bool is_dynamic_broker_key(std::string_view name);
// AlterConfigs validation of a broker resource's dynamic configs: Kafka's messages ("Cannot update
// these configs dynamically: Set(log.dirs)") as invalid_argument, bad values as invalid_config.
result<void> validate_dynamic_broker_configs(const std::map<std::string, std::string>& configs);

// CreateTopics / AlterConfigs validation of topic overrides: known keys, valid values
// (invalid_config "Unknown topic config name: x" or the value's message).
result<void> validate_topic_configs(const std::map<std::string, std::string>& configs);

}  // namespace strata::cluster
