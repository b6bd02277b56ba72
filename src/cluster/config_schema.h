// The configuration keys Strata understands, with Kafka's names, types, defaults, validators and
// documentation (KafkaConfig / LogConfig / TopicConfig): the broker's static keys and the topic
// keys with their broker-level synonyms (retention.ms <- log.retention.ms, log.retention.minutes,
// log.retention.hours). One table serves parsing server.properties, validating CreateTopics /
// AlterConfigs, and answering DescribeConfigs with sources and synonyms.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "base/result.h"

namespace strata::cluster {

// Kafka's ConfigDef.Type (the names DescribeConfigs v3+ reports).
enum class ConfigType { boolean, int_, long_, double_, string, list, password };
std::string_view to_string(ConfigType type);

// How a value is checked, beyond its type (Kafka's ConfigDef.Range / ValidString / ValidList).
struct ConfigValidator {
  std::optional<double> min;  // numbers: inclusive bounds
  std::optional<double> max;
  std::vector<std::string_view> one_of;  // strings: allowed values; lists: allowed elements
  bool case_insensitive = false;
};

struct ConfigKeyDef {
  std::string_view name;
  ConfigType type;
  // The default as Kafka prints it; nullopt means null (no default).
  std::optional<std::string_view> default_value;
  ConfigValidator validator;
  std::string_view doc;
  // Topic keys: the broker keys that set the default, highest precedence first, and the factor
  // that turns each one's unit into this key's (log.retention.hours -> retention.ms: 3600000).
  struct Synonym {
    std::string_view name;
    int64_t factor = 1;
  };
  std::vector<Synonym> broker_synonyms;
  bool sensitive = false;
};

// The broker's own keys (not topic defaults), and the topic keys. Lookups are by exact name.
std::span<const ConfigKeyDef> broker_config_keys();
std::span<const ConfigKeyDef> topic_config_keys();
const ConfigKeyDef* find_broker_key(std::string_view name);
const ConfigKeyDef* find_topic_key(std::string_view name);
// The topic key that `broker_name` is a synonym of (log.retention.hours -> retention.ms), if any.
const ConfigKeyDef* topic_key_for_broker_synonym(std::string_view broker_name, int64_t* factor = nullptr);

// Checks `value` against `key`'s type and validator; invalid_config with Kafka's message shape:
// "Invalid value x for configuration segment.bytes: Value must be at least 14".
result<void> validate_value(const ConfigKeyDef& key, std::string_view value);

// Typed parsers used after validation (they validate again, so they can be used alone).
result<int64_t> parse_long(const ConfigKeyDef& key, std::string_view value);
result<double> parse_double(const ConfigKeyDef& key, std::string_view value);
result<bool> parse_bool(const ConfigKeyDef& key, std::string_view value);
// A comma-separated list, trimmed, empty elements dropped.
std::vector<std::string> parse_list(std::string_view value);

}  // namespace strata::cluster
