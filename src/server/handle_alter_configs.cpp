// AlterConfigs and IncrementalAlterConfigs for topics, with Kafka's validation and messages
// (ConfigAdminManager): the new set of a topic's dynamic configs is computed, validated as a whole,
// then made durable and applied to the topic's logs. validate_only stops after validation.
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

// The topic a resource names, or the failure to report for it.
const cluster::TopicMetadata* find_topic(const Broker& broker, int8_t type, const std::string& name,
                                         ResourceOutcome& outcome) {
  if (type == kResourceBroker) {
    outcome = failure(ErrorCode::kInvalidRequest,
                      "Dynamic broker configs are not supported by Strata yet: change server.properties and restart "
                      "the broker.");
    return nullptr;
  }
  if (type != kResourceTopic) {
    outcome = failure(ErrorCode::kInvalidRequest, fmt::format("Unsupported resource type {}", type));
    return nullptr;
  }
  if (name.empty()) {
    outcome = failure(ErrorCode::kInvalidRequest, "Default topic resources are not allowed.");
    return nullptr;
  }
  const cluster::TopicMetadata* topic = broker.metadata().find(name);
  if (!topic) outcome = failure(ErrorCode::kUnknownTopicOrPartition, fmt::format("Topic '{}' does not exist.", name));
  return topic;
}

// Validates the complete new set and, unless validate_only, stores and applies it.
ResourceOutcome commit(Broker& broker, const std::string& topic, std::map<std::string, std::string> configs,
                       bool validate_only) {
  if (auto valid = cluster::validate_topic_configs(configs); !valid) {
    return failure(ErrorCode::kInvalidConfig, valid.error().message());
  }
  if (validate_only) return {};
  if (auto done = broker.set_topic_configs(topic, std::move(configs)); !done) {
    return failure(error_code_of(done.error()), done.error().message());
  }
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

// One IncrementalAlterConfigs operation applied to `configs` (the topic's dynamic configs).
ResourceOutcome apply_op(const protocol::IncrementalAlterConfigsRequest::AlterableConfig& op,
                         std::map<std::string, std::string>& configs) {
  const cluster::ConfigKeyDef* key = cluster::find_topic_key(op.name);
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
      // Kafka starts from the dynamic value, else the key's default.
      auto current = configs.find(op.name);
      std::vector<std::string> items = split_list(
          current != configs.end() ? std::string_view(current->second) : key->default_value.value_or(""));
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
    const cluster::TopicMetadata* topic = find_topic(broker, resource.resource_type, resource.resource_name, outcome);
    if (topic && has_duplicate_keys(resource.configs)) {
      outcome = failure(ErrorCode::kInvalidRequest, "Error due to duplicate config keys");
    } else if (topic) {
      std::map<std::string, std::string> configs = topic->configs;
      for (const auto& op : resource.configs) {
        outcome = apply_op(op, configs);
        if (outcome.code != ErrorCode::kNone) break;
      }
      if (outcome.code == ErrorCode::kNone) {
        outcome = commit(broker, resource.resource_name, std::move(configs), request.validate_only);
      }
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
    const cluster::TopicMetadata* topic = find_topic(broker, resource.resource_type, resource.resource_name, outcome);
    if (topic && has_duplicate_keys(resource.configs)) {
      outcome = failure(ErrorCode::kInvalidRequest, "Error due to duplicate config keys");
    } else if (topic) {
      // The legacy API replaces the whole set of dynamic configs with the request's.
      std::map<std::string, std::string> configs;
      for (const auto& c : resource.configs) {
        if (!c.value) {
          outcome = failure(ErrorCode::kInvalidRequest, fmt::format("Null value not supported for : {}", c.name));
          break;
        }
        configs[c.name] = *c.value;
      }
      if (outcome.code == ErrorCode::kNone) {
        outcome = commit(broker, resource.resource_name, std::move(configs), request.validate_only);
      }
    }
    add_result(response, resource, outcome);
  }
  return response;
}

}  // namespace strata::server
