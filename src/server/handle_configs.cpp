// DescribeConfigs for topics and the broker, with Kafka's sources, synonyms, types and docs.
#include <fmt/format.h>

#include "cluster/config_schema.h"
#include "server/config_wire.h"
#include "server/handlers.h"

namespace strata::server {

using protocol::DescribeConfigsResponse;
using protocol::ErrorCode;

namespace {

constexpr int16_t kFirstVersionWithTypeAndDocs = 3;

bool wanted(const protocol::DescribeConfigsRequest::DescribeConfigsResource& resource, std::string_view name) {
  if (!resource.configuration_keys) return true;
  for (const auto& key : *resource.configuration_keys) {
    if (key == name) return true;
  }
  return false;
}

DescribeConfigsResponse::DescribeConfigsResourceResult entry(const cluster::ConfigKeyDef& key, std::string name,
                                                             std::optional<std::string> value, int8_t source,
                                                             bool read_only, int16_t version, bool documentation) {
  DescribeConfigsResponse::DescribeConfigsResourceResult c;
  c.name = std::move(name);
  c.value = key.sensitive ? std::nullopt : std::move(value);
  c.read_only = read_only;
  c.config_source = source;
  c.is_sensitive = key.sensitive;
  if (version >= kFirstVersionWithTypeAndDocs) {
    c.config_type = config_type_id(key.type);
    c.documentation = documentation ? std::optional<std::string>(key.doc) : std::nullopt;
  }
  return c;
}

// The values `name` has at the broker levels, highest first: this node's dynamic value, the
// cluster-wide dynamic default, server.properties.
void add_broker_synonyms(const cluster::BrokerConfig& config, std::string_view name,
                         DescribeConfigsResponse::DescribeConfigsResourceResult& c) {
  const std::string key(name);
  const std::pair<const std::map<std::string, std::string>*, int8_t> levels[] = {
      {&config.dynamic_broker, kSourceDynamicBroker},
      {&config.dynamic_default, kSourceDynamicDefaultBroker},
      {&config.properties, kSourceStaticBroker},
  };
  for (const auto& [values, source] : levels) {
    if (auto it = values->find(key); it != values->end()) c.synonyms.push_back({key, it->second, source});
  }
}

void describe_topic(const Broker& broker, const cluster::TopicMetadata& topic,
                    const protocol::DescribeConfigsRequest& request,
                    const protocol::DescribeConfigsRequest::DescribeConfigsResource& resource, int16_t version,
                    DescribeConfigsResponse::DescribeConfigsResult& out) {
  const cluster::BrokerConfig& config = broker.config();
  for (const cluster::ConfigKeyDef& key : cluster::topic_config_keys()) {
    if (!wanted(resource, key.name)) continue;
    const cluster::EffectiveConfig e = config.effective_topic_config(key, topic.configs);
    auto c =
        entry(key, std::string(key.name), e.value, config_source_id(e.source), false, version, request.include_documentation);
    if (request.include_synonyms) {
      // Kafka's order: the topic's own value, the broker keys that are set, then the default.
      if (auto it = topic.configs.find(std::string(key.name)); it != topic.configs.end()) {
        c.synonyms.push_back({std::string(key.name), it->second, kSourceDynamicTopic});
      }
      for (const auto& synonym : key.broker_synonyms) add_broker_synonyms(config, synonym.name, c);
      if (key.default_value) {
        const std::string name =
            key.broker_synonyms.empty() ? std::string(key.name) : std::string(key.broker_synonyms.front().name);
        c.synonyms.push_back({name, std::string(*key.default_value), kSourceDefault});
      }
    }
    out.configs.push_back(std::move(c));
  }
}

void describe_broker(const Broker& broker, const protocol::DescribeConfigsRequest& request,
                     const protocol::DescribeConfigsRequest::DescribeConfigsResource& resource, int16_t version,
                     DescribeConfigsResponse::DescribeConfigsResult& out) {
  const cluster::BrokerConfig& config = broker.config();
  // The cluster-wide default resource ("") holds only what was set dynamically at that level.
  const bool default_resource = resource.resource_name.empty();
  auto add = [&](const cluster::ConfigKeyDef& key, std::string_view name,
                 std::optional<std::string_view> default_value) {
    if (!wanted(resource, name)) return;
    std::optional<cluster::EffectiveConfig> set;
    if (default_resource) {
      auto it = config.dynamic_default.find(std::string(name));
      if (it == config.dynamic_default.end()) return;
      set = cluster::EffectiveConfig{it->second, cluster::ConfigSource::dynamic_default_broker, std::string(name)};
    } else {
      set = config.broker_value(name);
    }
    std::optional<std::string> value =
        set ? std::optional<std::string>(set->value)
            : (default_value ? std::optional<std::string>(*default_value) : std::nullopt);
    auto c = entry(key, std::string(name), value, set ? config_source_id(set->source) : kSourceDefault,
                   /*read_only=*/!cluster::is_dynamic_broker_key(name), version, request.include_documentation);
    if (request.include_synonyms) {
      if (default_resource) {
        c.synonyms.push_back({std::string(name), set->value, kSourceDynamicDefaultBroker});
      } else {
        add_broker_synonyms(config, name, c);
        if (default_value) c.synonyms.push_back({std::string(name), std::string(*default_value), kSourceDefault});
      }
    }
    out.configs.push_back(std::move(c));
  };
  for (const cluster::ConfigKeyDef& key : cluster::broker_config_keys()) add(key, key.name, key.default_value);
  // The broker-level names of the topic defaults (log.retention.ms, log.segment.bytes, ...).
  for (const cluster::ConfigKeyDef& key : cluster::topic_config_keys()) {
    for (const auto& synonym : key.broker_synonyms) {
      if (synonym.factor != 1 || cluster::find_broker_key(synonym.name)) continue;  // listed above
      add(key, synonym.name, key.default_value);
    }
  }
}

}  // namespace

DescribeConfigsResponse handle_describe_configs(Broker& broker, const protocol::DescribeConfigsRequest& request,
                                                int16_t version) {
  DescribeConfigsResponse response;
  for (const auto& resource : request.resources) {
    DescribeConfigsResponse::DescribeConfigsResult r;
    r.resource_type = resource.resource_type;
    r.resource_name = resource.resource_name;
    r.error_message = std::nullopt;
    if (resource.resource_type == kResourceTopic) {
      const cluster::TopicMetadata* topic = broker.metadata().find(resource.resource_name);
      if (!topic) {
        r.error_code = static_cast<int16_t>(ErrorCode::kUnknownTopicOrPartition);
        r.error_message = fmt::format("Topic '{}' does not exist.", resource.resource_name);
      } else {
        describe_topic(broker, *topic, request, resource, version, r);
      }
    } else if (resource.resource_type == kResourceBroker) {
      if (!resource.resource_name.empty() && resource.resource_name != std::to_string(broker.config().node_id)) {
        r.error_code = static_cast<int16_t>(ErrorCode::kInvalidRequest);
        r.error_message = fmt::format("Unexpected broker id, expected {} or empty string, but received {}",
                                      broker.config().node_id, resource.resource_name);
      } else {
        describe_broker(broker, request, resource, version, r);
      }
    } else {
      r.error_code = static_cast<int16_t>(ErrorCode::kInvalidRequest);
      r.error_message = fmt::format("Unsupported resource type {}", resource.resource_type);
    }
    response.results.push_back(std::move(r));
  }
  return response;
}

}  // namespace strata::server
