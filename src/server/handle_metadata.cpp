// Metadata: this node as the only broker and the controller, and the topics asked for (creating
// them when auto.create.topics.enable and the client allow it, as Kafka does).
#include "server/handlers.h"
#include "server/logging.h"
#include "storage/topic_name.h"

namespace strata::server {

using protocol::ErrorCode;
using protocol::MetadataResponse;

namespace {

constexpr std::string_view kConsumerOffsetsTopic = "__consumer_offsets";
constexpr std::string_view kTransactionStateTopic = "__transaction_state";

// Fields a version does not have must keep their defaults (the encoder refuses them otherwise).
constexpr int16_t kFirstVersionWithControllerId = 1;
constexpr int16_t kFirstVersionWithClusterId = 2;
constexpr int16_t kFirstVersionWithLeaderEpoch = 7;
constexpr int16_t kFirstVersionWithTopicId = 10;

MetadataResponse::MetadataResponseTopic describe_topic(const Broker& broker, const cluster::TopicMetadata& topic,
                                                       int16_t version) {
  MetadataResponse::MetadataResponseTopic t;
  t.name = topic.name;
  if (version >= kFirstVersionWithTopicId) t.topic_id = to_uuid(topic.id);
  t.is_internal = version >= kFirstVersionWithControllerId &&
                  (topic.name == kConsumerOffsetsTopic || topic.name == kTransactionStateTopic);
  for (int32_t p = 0; p < topic.partitions; ++p) {
    MetadataResponse::MetadataResponsePartition partition;
    partition.partition_index = p;
    partition.leader_id = broker.config().node_id;
    if (version >= kFirstVersionWithLeaderEpoch) partition.leader_epoch = kLeaderEpoch;
    partition.replica_nodes = {broker.config().node_id};
    partition.isr_nodes = {broker.config().node_id};
    t.partitions.push_back(std::move(partition));
  }
  return t;
}

}  // namespace

Endpoint advertised_endpoint(const Broker& broker) {
  // One endpoint per node: the first advertised listener (the one clients bootstrap from).
  const cluster::BrokerConfig& config = broker.config();
  if (config.advertised_listeners.empty()) return {};
  const cluster::Listener& l = config.advertised_listeners.front();
  return Endpoint{l.host.empty() ? "127.0.0.1" : l.host,
                  l.port != 0 ? l.port : (broker.bound_ports().empty() ? 0 : broker.bound_ports()[0])};
}

MetadataResponse handle_metadata(Broker& broker, const protocol::MetadataRequest& request, int16_t version) {
  MetadataResponse response;
  const cluster::BrokerConfig& config = broker.config();
  if (!config.advertised_listeners.empty()) {
    const Endpoint endpoint = advertised_endpoint(broker);
    MetadataResponse::MetadataResponseBroker b;
    b.node_id = config.node_id;
    b.host = endpoint.host;
    b.port = endpoint.port;
    response.brokers.push_back(std::move(b));
  }
  if (version >= kFirstVersionWithClusterId) response.cluster_id = broker.metadata().cluster_id();
  if (version >= kFirstVersionWithControllerId) response.controller_id = config.node_id;

  // v0: an empty list means every topic; v1+: null means every topic, empty means none.
  const bool all_topics = !request.topics || (version == 0 && request.topics->empty());
  if (all_topics) {
    for (const auto& [name, topic] : broker.metadata().topics()) {
      // The group coordinator's topic is described only when asked for by name.
      if (name == kConsumerOffsetsTopic) continue;
      response.topics.push_back(describe_topic(broker, topic, version));
    }
    return response;
  }
  const bool auto_create = config.auto_create_topics_enable && (version < 4 || request.allow_auto_topic_creation);
  for (const auto& requested : *request.topics) {
    const cluster::TopicMetadata* topic = nullptr;
    if (requested.name) {
      topic = broker.metadata().find(*requested.name);
    } else if (!requested.topic_id.is_zero()) {
      topic = broker.metadata().find(to_topic_id(requested.topic_id));
    }
    // Internal topics are created by their coordinator (FindCoordinator), never by Metadata.
    if (!topic && requested.name && auto_create && *requested.name != kConsumerOffsetsTopic) {
      if (auto valid = storage::validate_topic_name(*requested.name); !valid) {
        MetadataResponse::MetadataResponseTopic t;
        t.name = *requested.name;
        t.error_code = static_cast<int16_t>(ErrorCode::kInvalidTopicException);
        response.topics.push_back(std::move(t));
        continue;
      }
      auto created = broker.create_topic(*requested.name, config.num_partitions, {});
      if (!created) {
        log(LogLevel::warn, "auto-creating topic {}: {}", *requested.name, created.error().to_string());
      }
      topic = broker.metadata().find(*requested.name);
    }
    if (!topic) {
      MetadataResponse::MetadataResponseTopic t;
      t.name = requested.name;
      if (version >= kFirstVersionWithTopicId) t.topic_id = requested.topic_id;
      t.error_code =
          static_cast<int16_t>(requested.name ? ErrorCode::kUnknownTopicOrPartition : ErrorCode::kUnknownTopicId);
      response.topics.push_back(std::move(t));
      continue;
    }
    response.topics.push_back(describe_topic(broker, *topic, version));
  }
  return response;
}

}  // namespace strata::server
