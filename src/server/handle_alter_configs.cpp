// AlterConfigs and IncrementalAlterConfigs for topics and brokers, with Kafka's validation and
// messages (ConfigAdminManager, DynamicBrokerConfig): the new set of a resource's dynamic configs
// is computed, validated as a whole, then made durable and applied (to the topic's logs; for a
// broker resource, KIP-226, to every topic without its own value). validate_only stops after
// validation. The broker resources: "" (the cluster-wide defaults) and this node's id.
#include <fmt/format.h>

#include <algorithm>
#include <set>

#include "cluster/config_schema.h"
#include "server/config_wire.h"
#include "server/handlers.h"

namespace strata::server {

using protocol::ErrorCode;

namespace {

// IncrementalAlterConfigs' AlterConfigOp.OpType ids.
enum class ConfigOp : int8_t { set = 0, remove = 1, append = 2, subtract = 3 };

struct ResourceOutcome {
  ErrorCode code = ErrorCode::kNone;
  std::optional<std::string> message;
};

ResourceOutcome failure(ErrorCode code, std::string message) { return {code, std::move(message)}; }

// What a resource names: a topic or a broker resource, with its current dynamic configs.
struct Target {
  bool broker = false;
  std::string name;
  std::map<std::string, std::string> configs;
};

// The target of a resource, or the failure to report for it.
std::optional<Target> find_target(const Broker& broker, int8_t type, const std::string& name,
                                  ResourceOutcome& outcome) {
  if (type == kResourceBroker) {
    const std::string self = std::to_string(broker.config().node_id);
    if (!name.empty() && name != self) {
      outcome = failure(ErrorCode::kInvalidRequest,
                        fmt::format("Unexpected broker id, expected {} or empty string, but received {}", self, name));
      return std::nullopt;
    }
    return Target{true, name, broker.metadata().broker_configs(name)};
  }
  if (type != kResourceTopic) {
    outcome = failure(ErrorCode::kInvalidRequest, fmt::format("Unsupported resource type {}", type));
    return std::nullopt;
  }
  if (name.empty()) {
    outcome = failure(ErrorCode::kInvalidRequest, "Default topic resources are not allowed.");
    return std::nullopt;
  }
  const cluster::TopicMetadata* topic = broker.metadata().find(name);
  if (!topic) {
    outcome = failure(ErrorCode::kUnknownTopicOrPartition, fmt::format("Topic '{}' does not exist.", name));
    return std::nullopt;
  }
  return Target{false, name, topic->configs};
}

// Validates the complete new set and, unless validate_only, stores and applies it.
ResourceOutcome commit(Broker& broker, const Target& target, std::map<std::string, std::string> configs,
                       bool validate_only) {
  auto valid = target.broker ? cluster::validate_dynamic_broker_configs(configs)
                             : cluster::validate_topic_configs(configs);
  if (!valid) return failure(error_code_of(valid.error()), valid.error().message());
  if (validate_only) return {};
  auto done = target.broker ? broker.set_broker_configs(target.name, std::move(configs))
                            : broker.set_topic_configs(target.name, std::move(configs));
  if (!done) return failure(error_code_of(done.error()), done.error().message());
  return {};
}

std::vector<std::string> split_list(std::string_view value) {
  std::vector<std::string> items;
  size_t start = 0;
  while (start <= value.size() && !value.empty()) {
    const size_t comma = value.find(',', start);
    const std::string_view item = value.substr(start, comma == std::string_view::npos ? comma : comma - start);
    if (!item.empty()) items.emplace_back(item);
    if (comma == std::string_view::npos) break;
    start = comma + 1;
  }
  return items;
}

std::string join_list(const std::vector<std::string>& items) {
  std::string out;
  for (const std::string& item : items) out += (out.empty() ? "" : ",") + item;
  return out;
}

// The definition of a key a broker resource may name: a broker key, or a topic default's broker
// synonym (log.retention.ms). Whether it may change at runtime is checked with the whole set.
const cluster::ConfigKeyDef* find_broker_resource_key(std::string_view name) {
  if (const cluster::ConfigKeyDef* key = cluster::find_broker_key(name)) return key;
  return cluster::topic_key_for_broker_synonym(name);
}

// One IncrementalAlterConfigs operation applied to `configs` (the resource's dynamic configs).
ResourceOutcome apply_op(const Broker& broker, const Target& target,
                         const protocol::IncrementalAlterConfigsRequest::AlterableConfig& op,
                         std::map<std::string, std::string>& configs) {
  const cluster::ConfigKeyDef* key =
      target.broker ? find_broker_resource_key(op.name) : cluster::find_topic_key(op.name);
  if (!key && target.broker) {
    return failure(ErrorCode::kInvalidRequest,
                   fmt::format("Cannot update these configs dynamically: Set({})", op.name));
  }
  if (!key) return failure(ErrorCode::kInvalidConfig, fmt::format("Unknown topic config name: {}", op.name));
  const auto kind = static_cast<ConfigOp>(op.config_operation);
  if (kind != ConfigOp::remove && !op.value) {
    return failure(ErrorCode::kInvalidRequest, fmt::format("Null value not supported for : {}", op.name));
  }
  switch (kind) {
    case ConfigOp::set: configs[op.name] = *op.value; return {};
    case ConfigOp::remove: configs.erase(op.name); return {};
    case ConfigOp::append:
    case ConfigOp::subtract: {
      const char* verb = kind == ConfigOp::append ? "append" : "subtract";
      if (key->type != cluster::ConfigType::list) {
        return failure(ErrorCode::kInvalidConfig,
                       fmt::format("Config value {} is not allowed for config key: {}", verb, op.name));
      }
      // Kafka starts from the dynamic value, else (a broker) the value in force, else the default.
      auto current = configs.find(op.name);
      std::string start(key->default_value.value_or(""));
      if (current != configs.end()) {
        start = current->second;
      } else if (target.broker) {
        if (auto in_force = broker.config().broker_value(op.name)) start = in_force->value;
      }
      std::vector<std::string> items = split_list(start);
      for (const std::string& item : split_list(*op.value)) {
        auto found = std::find(items.begin(), items.end(), item);
        if (kind == ConfigOp::append && found == items.end()) items.push_back(item);
        if (kind == ConfigOp::subtract && found != items.end()) items.erase(found);
      }
      configs[op.name] = join_list(items);
      return {};
    }
  }
  return failure(ErrorCode::kInvalidRequest, fmt::format("Unknown config operation {} for {}",
                                                         static_cast<int>(op.config_operation), op.name));
}

template <class Response, class Resource>
void add_result(Response& response, const Resource& resource, const ResourceOutcome& outcome) {
  typename Response::AlterConfigsResourceResponse r;
  r.resource_type = resource.resource_type;
  r.resource_name = resource.resource_name;
  r.error_code = static_cast<int16_t>(outcome.code);
  r.error_message = outcome.message;
  response.responses.push_back(std::move(r));
}

// Kafka rejects a resource that names a key twice.
template <class Configs>
bool has_duplicate_keys(const Configs& configs) {
  std::set<std::string_view> seen;
  for (const auto& c : configs) {
    if (!seen.insert(c.name).second) return true;
  }
  return false;
}

}  // namespace

protocol::IncrementalAlterConfigsResponse handle_incremental_alter_configs(
    Broker& broker, const protocol::IncrementalAlterConfigsRequest& request, int16_t) {
  protocol::IncrementalAlterConfigsResponse response;
  for (const auto& resource : request.resources) {
    ResourceOutcome outcome;
    const std::optional<Target> target =
        find_target(broker, resource.resource_type, resource.resource_name, outcome);
    if (target && has_duplicate_keys(resource.configs)) {
      outcome = failure(ErrorCode::kInvalidRequest, "Error due to duplicate config keys");
    } else if (target) {
      std::map<std::string, std::string> configs = target->configs;
      for (const auto& op : resource.configs) {
        outcome = apply_op(broker, *target, op, configs);
        if (outcome.code != ErrorCode::kNone) break;
      }
      if (outcome.code == ErrorCode::kNone) outcome = commit(broker, *target, std::move(configs), request.validate_only);
    }
    add_result(response, resource, outcome);
  }
  return response;
}

protocol::AlterConfigsResponse handle_alter_configs(Broker& broker, const protocol::AlterConfigsRequest& request,
                                                    int16_t) {
  protocol::AlterConfigsResponse response;
  for (const auto& resource : request.resources) {
    ResourceOutcome outcome;
    const std::optional<Target> target =
        find_target(broker, resource.resource_type, resource.resource_name, outcome);
    if (target && has_duplicate_keys(resource.configs)) {
      outcome = failure(ErrorCode::kInvalidRequest, "Error due to duplicate config keys");
    } else if (target) {
      // The legacy API replaces the whole set of dynamic configs with the request's.
      std::map<std::string, std::string> configs;
      for (const auto& c : resource.configs) {
        if (!c.value) {
          outcome = failure(ErrorCode::kInvalidRequest, fmt::format("Null value not supported for : {}", c.name));
          break;
        }
        configs[c.name] = *c.value;
      }
      if (outcome.code == ErrorCode::kNone) outcome = commit(broker, *target, std::move(configs), request.validate_only);
    }
    add_result(response, resource, outcome);
  }
  return response;
}

}  // namespace strata::server
