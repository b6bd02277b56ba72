// The wire ids of configs shared by DescribeConfigs, CreateTopics and the AlterConfigs APIs:
// ConfigResource.Type, DescribeConfigsResponse.ConfigSource and ConfigType.
#pragma once

#include <cstdint>

#include "cluster/broker_config.h"
#include "cluster/config_schema.h"

namespace strata::server {

constexpr int8_t kResourceTopic = 2;
constexpr int8_t kResourceBroker = 4;

constexpr int8_t kSourceDynamicTopic = 1;
constexpr int8_t kSourceDynamicBroker = 2;
constexpr int8_t kSourceDynamicDefaultBroker = 3;
constexpr int8_t kSourceStaticBroker = 4;
constexpr int8_t kSourceDefault = 5;

inline int8_t config_source_id(cluster::ConfigSource source) {
  switch (source) {
    case cluster::ConfigSource::dynamic_topic: return kSourceDynamicTopic;
    case cluster::ConfigSource::dynamic_broker: return kSourceDynamicBroker;
    case cluster::ConfigSource::dynamic_default_broker: return kSourceDynamicDefaultBroker;
    case cluster::ConfigSource::static_broker: return kSourceStaticBroker;
    case cluster::ConfigSource::default_config: return kSourceDefault;
  }
  return kSourceDefault;
}

inline int8_t config_type_id(cluster::ConfigType type) {
  switch (type) {
    case cluster::ConfigType::boolean: return 1;
    case cluster::ConfigType::string: return 2;
    case cluster::ConfigType::int_: return 3;
    case cluster::ConfigType::long_: return 5;
    case cluster::ConfigType::double_: return 6;
    case cluster::ConfigType::list: return 7;
    case cluster::ConfigType::password: return 9;
  }
  return 0;
}

}  // namespace strata::server
