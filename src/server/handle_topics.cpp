// CreateTopics and DeleteTopics, with Kafka's validation and error codes.
#include <fmt/format.h>

#include "cluster/config_schema.h"
#include "server/config_wire.h"
#include "server/handlers.h"
#include "storage/topic_name.h"

namespace strata::server {

using protocol::CreateTopicsResponse;
using protocol::DeleteTopicsResponse;
using protocol::ErrorCode;

constexpr int16_t kFirstCreateVersionWithConfigs = 5;  // num_partitions, replication_factor, configs
constexpr int16_t kFirstCreateVersionWithTopicId = 7;
constexpr int16_t kFirstDeleteVersionWithErrorMessage = 5;
constexpr int16_t kFirstDeleteVersionWithTopicId = 6;

CreateTopicsResponse handle_create_topics(Broker& broker, const protocol::CreateTopicsRequest& request,
                                          int16_t version) {
  const bool with_configs = version >= kFirstCreateVersionWithConfigs;
  CreateTopicsResponse response;
  const cluster::BrokerConfig& config = broker.config();
  for (const auto& topic : request.topics) {
    CreateTopicsResponse::CreatableTopicResult r;
    r.name = topic.name;
    r.error_message = std::nullopt;
    auto fail = [&](ErrorCode code, std::string message) {
      r.error_code = static_cast<int16_t>(code);
      r.error_message = std::move(message);
      if (with_configs) r.configs = std::nullopt;
    };
    std::map<std::string, std::string> configs;
    bool null_config = false;
    for (const auto& c : topic.configs) {
      if (!c.value) {
        null_config = true;
        break;
      }
      configs[c.name] = *c.value;
    }
    int32_t partitions = topic.num_partitions == -1 ? config.num_partitions : topic.num_partitions;
    if (!topic.assignments.empty()) partitions = static_cast<int32_t>(topic.assignments.size());
    const int16_t replication = topic.replication_factor == -1 ? static_cast<int16_t>(config.default_replication_factor)
                                                               : topic.replication_factor;
    if (auto valid = storage::validate_topic_name(topic.name); !valid) {
      fail(ErrorCode::kInvalidTopicException, valid.error().message());
    } else if (broker.metadata().find(topic.name)) {
      fail(ErrorCode::kTopicAlreadyExists, fmt::format("Topic '{}' already exists.", topic.name));
    } else if (!topic.assignments.empty() && (topic.num_partitions != -1 || topic.replication_factor != -1)) {
      fail(ErrorCode::kInvalidRequest,
           "Both numPartitions or replicationFactor and replicasAssignments were set. Both cannot be used at the same "
           "time.");
    } else if (partitions < 1) {
      fail(ErrorCode::kInvalidPartitions, "Number of partitions must be larger than 0.");
    } else if (replication != 1) {
      fail(ErrorCode::kInvalidReplicationFactor,
           fmt::format("Unable to replicate the partition {} time(s): The target replication factor of {} cannot be "
                       "reached because only 1 broker(s) are registered.",
                       replication, replication));
    } else if (null_config) {
      fail(ErrorCode::kInvalidConfig, "Null value not supported for topic configs");
    } else if (auto checked = cluster::validate_topic_configs(configs); !checked) {
      fail(ErrorCode::kInvalidConfig, checked.error().message());
    } else {
      bool bad_assignment = false;
      for (const auto& a : topic.assignments) {
        bad_assignment |= a.broker_ids.size() != 1 || a.broker_ids[0] != config.node_id;
      }
      if (bad_assignment) {
        fail(ErrorCode::kInvalidReplicaAssignment,
             fmt::format("every partition's replicas must be exactly [{}], the only broker", config.node_id));
      } else if (request.validate_only) {
        if (with_configs) {
          r.num_partitions = partitions;
          r.replication_factor = 1;
        }
      } else {
        auto created = broker.create_topic(topic.name, partitions, configs);
        if (!created) {
          fail(error_code_of(created.error()), created.error().message());
        } else {
          if (version >= kFirstCreateVersionWithTopicId) r.topic_id = to_uuid(created->id);
          if (with_configs) {
            r.num_partitions = partitions;
            r.replication_factor = 1;
          }
        }
      }
      if (r.error_code == 0 && !with_configs) r.configs = std::vector<CreateTopicsResponse::CreatableTopicConfigs>{};
      if (r.error_code == 0 && with_configs) {
        std::vector<CreateTopicsResponse::CreatableTopicConfigs> described;
        for (const cluster::ConfigKeyDef& key : cluster::topic_config_keys()) {
          cluster::EffectiveConfig e = config.effective_topic_config(key, configs);
          CreateTopicsResponse::CreatableTopicConfigs c;
          c.name = std::string(key.name);
          c.value = e.value;
          c.config_source = config_source_id(e.source);
          c.is_sensitive = key.sensitive;
          described.push_back(std::move(c));
        }
        r.configs = std::move(described);
      }
    }
    response.topics.push_back(std::move(r));
  }
  return response;
}

asio::awaitable<DeleteTopicsResponse> handle_delete_topics(Broker& broker, const protocol::DeleteTopicsRequest& request,
                                                          int16_t version) {
  DeleteTopicsResponse response;
  // v0-5 name topics in topic_names, v6 in topics (by name or id).
  std::vector<std::pair<std::optional<std::string>, protocol::Uuid>> targets;
  if (version >= 6) {
    for (const auto& t : request.topics) targets.emplace_back(t.name, t.topic_id);
  } else {
    for (const auto& n : request.topic_names) targets.emplace_back(n, protocol::Uuid{});
  }
  for (const auto& [name, id] : targets) {
    DeleteTopicsResponse::DeletableTopicResult r;
    const cluster::TopicMetadata* topic =
        name ? broker.metadata().find(*name) : broker.metadata().find(to_topic_id(id));
    r.name = topic ? std::optional<std::string>(topic->name) : name;
    if (version >= kFirstDeleteVersionWithTopicId) r.topic_id = topic ? to_uuid(topic->id) : id;
    auto set_message = [&](std::string m) {
      if (version >= kFirstDeleteVersionWithErrorMessage) r.error_message = std::move(m);
    };
    if (!broker.config().delete_topic_enable) {
      r.error_code = static_cast<int16_t>(ErrorCode::kTopicDeletionDisabled);
      set_message("Topic deletion is disabled (delete.topic.enable=false).");
    } else if (!topic) {
      r.error_code = static_cast<int16_t>(name ? ErrorCode::kUnknownTopicOrPartition : ErrorCode::kUnknownTopicId);
      set_message("This server does not host this topic ID or name.");
    } else {
      const std::string topic_name = topic->name;
      result<void> deleted = co_await broker.delete_topic(topic_name);
      if (!deleted) {
        r.error_code = static_cast<int16_t>(error_code_of(deleted.error()));
        set_message(deleted.error().message());
      }
    }
    response.responses.push_back(std::move(r));
  }
  co_return response;
}

protocol::CreatePartitionsResponse handle_create_partitions(Broker& broker,
                                                            const protocol::CreatePartitionsRequest& request, int16_t) {
  protocol::CreatePartitionsResponse response;
  for (const auto& topic : request.topics) {
    protocol::CreatePartitionsResponse::CreatePartitionsTopicResult r;
    r.name = topic.name;
    auto fail = [&](ErrorCode code, std::string message) {
      r.error_code = static_cast<int16_t>(code);
      r.error_message = std::move(message);
    };
    const cluster::TopicMetadata* existing = broker.metadata().find(topic.name);
    bool bad_assignment = false;
    if (topic.assignments) {
      for (const auto& a : *topic.assignments) {
        bad_assignment |= a.broker_ids.size() != 1 || a.broker_ids[0] != broker.config().node_id;
      }
    }
    if (!existing) {
      fail(ErrorCode::kUnknownTopicOrPartition, fmt::format("Topic '{}' does not exist.", topic.name));
    } else if (topic.count <= existing->partitions) {
      fail(ErrorCode::kInvalidPartitions, fmt::format("Topic currently has {} partitions, which is higher than the "
                                                      "requested {}.",
                                                      existing->partitions, topic.count));
    } else if (topic.assignments &&
               static_cast<int32_t>(topic.assignments->size()) != topic.count - existing->partitions) {
      fail(ErrorCode::kInvalidReplicaAssignment,
           fmt::format("Increasing the number of partitions by {} but {} assignments provided.",
                       topic.count - existing->partitions, topic.assignments->size()));
    } else if (bad_assignment) {
      fail(
          ErrorCode::kInvalidReplicaAssignment,
          fmt::format("every new partition's replicas must be exactly [{}], the only broker", broker.config().node_id));
    } else if (!request.validate_only) {
      auto created = broker.create_partitions(topic.name, topic.count);
      if (!created) fail(error_code_of(created.error()), created.error().message());
    }
    response.results.push_back(std::move(r));
  }
  return response;
}

protocol::InitProducerIdResponse handle_init_producer_id(Broker& broker, const protocol::InitProducerIdRequest& request,
                                                         int16_t) {
  protocol::InitProducerIdResponse response;
  if (request.transactional_id && !request.transactional_id->empty()) {
    // Transactions need the transaction coordinator, which is not built yet: refuse clearly
    // rather than hand out an id no coordinator tracks.
    response.error_code = static_cast<int16_t>(ErrorCode::kTransactionalIdAuthorizationFailed);
    return response;
  }
  // KIP-360: an idempotent producer may ask to bump its epoch; below the maximum it keeps its id.
  if (request.producer_id >= 0 && request.producer_epoch >= 0 && request.producer_epoch < INT16_MAX - 1) {
    response.producer_id = request.producer_id;
    response.producer_epoch = static_cast<int16_t>(request.producer_epoch + 1);
    return response;
  }
  auto id = broker.allocate_producer_id();
  if (!id) {
    response.error_code = static_cast<int16_t>(ErrorCode::kUnknownServerError);
    return response;
  }
  response.producer_id = *id;
  response.producer_epoch = 0;
  return response;
}

}  // namespace strata::server
