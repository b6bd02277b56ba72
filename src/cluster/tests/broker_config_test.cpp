// server.properties as Kafka users write it: defaults, synonyms with units, validation messages.
#include "cluster/broker_config.h"

#include <gtest/gtest.h>

#include "cluster/properties.h"

namespace strata::cluster {
namespace {

result<BrokerConfig> load(std::map<std::string, std::string> props, std::vector<std::string>* warnings = nullptr) {
  return BrokerConfig::from_properties(std::move(props), warnings);
}

TEST(BrokerConfig, DefaultsAreKafkasWithALoopbackListener) {
  auto c = load({});
  ASSERT_TRUE(c) << c.error().to_string();
  EXPECT_EQ(c->node_id, 1);
  ASSERT_EQ(c->listeners.size(), 1u);
  EXPECT_EQ(c->listeners[0], (Listener{"PLAINTEXT", "127.0.0.1", 9092}));
  EXPECT_EQ(c->advertised_listeners, c->listeners);
  EXPECT_EQ(c->log_dirs, std::vector<std::filesystem::path>{"/tmp/kafka-logs"});
  EXPECT_EQ(c->num_partitions, 1);
  EXPECT_TRUE(c->auto_create_topics_enable);
  EXPECT_EQ(c->socket_request_max_bytes, 104857600);
  auto log = c->log_config({});
  ASSERT_TRUE(log);
  EXPECT_EQ(log->segment_bytes, 1073741824);
  EXPECT_EQ(log->retention_ms, 604800000);
  EXPECT_EQ(log->retention_bytes, -1);
  EXPECT_TRUE(log->cleanup_delete);
  EXPECT_FALSE(log->cleanup_compact);
  EXPECT_EQ(log->max_message_bytes, 1048588);
}

TEST(BrokerConfig, BrokerSynonymsSetTopicDefaultsWithTheirUnits) {
  auto c = load({{"log.retention.hours", "24"},
                 {"log.segment.bytes", "104857600"},
                 {"log.roll.hours", "1"},
                 {"log.cleanup.policy", "compact,delete"},
                 {"message.max.bytes", "2000000"},
                 {"log.dirs", "/a, /b"}});
  ASSERT_TRUE(c) << c.error().to_string();
  auto log = c->log_config({});
  ASSERT_TRUE(log);
  EXPECT_EQ(log->retention_ms, 24 * 3600000LL);
  EXPECT_EQ(log->segment_bytes, 104857600);
  EXPECT_EQ(log->segment_ms, 3600000);
  EXPECT_TRUE(log->cleanup_compact);
  EXPECT_TRUE(log->cleanup_delete);
  EXPECT_EQ(log->max_message_bytes, 2000000);
  EXPECT_EQ(c->log_dirs, (std::vector<std::filesystem::path>{"/a", "/b"}));
  // ms beats minutes beats hours, as in Kafka.
  auto both = load({{"log.retention.hours", "24"}, {"log.retention.ms", "5000"}});
  ASSERT_TRUE(both);
  EXPECT_EQ(both->log_config({})->retention_ms, 5000);
  EffectiveConfig e = both->effective_topic_config(*find_topic_key("retention.ms"), {});
  EXPECT_EQ(e.source, ConfigSource::static_broker);
  EXPECT_EQ(e.source_name, "log.retention.ms");
  // A topic override beats the broker.
  auto topic = both->log_config({{"retention.ms", "7"}});
  ASSERT_TRUE(topic);
  EXPECT_EQ(topic->retention_ms, 7);
}

// KIP-226: per name, this broker's dynamic value beats the cluster-wide dynamic default, which
// beats server.properties; and the name comes first (a static log.retention.ms beats a dynamic
// log.retention.hours, as in Kafka, where each name's value is merged before the units are).
TEST(BrokerConfig, DynamicBrokerConfigsOverTheFileByName) {
  auto c = load({{"log.retention.hours", "24"}, {"log.segment.bytes", "104857600"}});
  ASSERT_TRUE(c);
  c->dynamic_default = {{"log.retention.hours", "2"}, {"log.segment.bytes", "2000000"}};
  EXPECT_EQ(c->log_config({})->retention_ms, 2 * 3600000LL);
  EXPECT_EQ(c->effective_topic_config(*find_topic_key("retention.ms"), {}).source,
            ConfigSource::dynamic_default_broker);
  c->dynamic_broker = {{"log.segment.bytes", "3000000"}};
  EXPECT_EQ(c->log_config({})->segment_bytes, 3000000);
  EXPECT_EQ(c->broker_value("log.segment.bytes")->source, ConfigSource::dynamic_broker);
  EXPECT_EQ(c->log_config({{"segment.bytes", "4000000"}})->segment_bytes, 4000000);
  c->properties["log.retention.ms"] = "5000";
  EXPECT_EQ(c->log_config({})->retention_ms, 5000);
  EXPECT_FALSE(c->broker_value("log.flush.interval.ms"));
}

TEST(BrokerConfig, OnlyDynamicKeysMayChangeAtRuntime) {
  EXPECT_TRUE(is_dynamic_broker_key("log.retention.ms"));
  EXPECT_TRUE(is_dynamic_broker_key("message.max.bytes"));
  EXPECT_TRUE(is_dynamic_broker_key("log.cleaner.io.max.bytes.per.second"));
  EXPECT_FALSE(is_dynamic_broker_key("log.dirs"));
  EXPECT_FALSE(is_dynamic_broker_key("node.id"));
  EXPECT_FALSE(is_dynamic_broker_key("no.such.key"));
  EXPECT_TRUE(validate_dynamic_broker_configs({{"log.retention.ms", "1000"}}));
  auto refused = validate_dynamic_broker_configs({{"node.id", "2"}, {"log.dirs", "/x"}, {"log.retention.ms", "1"}});
  ASSERT_FALSE(refused);
  EXPECT_TRUE(refused.error().is(ClusterErrc::not_dynamic));
  EXPECT_EQ(refused.error().message(), "Cannot update these configs dynamically: Set(log.dirs, node.id)");
  auto bad = validate_dynamic_broker_configs({{"log.segment.bytes", "10"}});
  ASSERT_FALSE(bad);
  EXPECT_TRUE(bad.error().is(ClusterErrc::invalid_config));
  EXPECT_NE(bad.error().message().find("log.segment.bytes"), std::string::npos) << bad.error().message();
}

TEST(BrokerConfig, InvalidValuesNameTheKeyAndWhatIsAllowed) {
  struct Case {
    std::map<std::string, std::string> props;
    std::string expected;
  };
  for (const Case& c : std::vector<Case>{
           {{{"log.segment.bytes", "10"}},
            "Invalid value 10 for configuration log.segment.bytes: Value must be at least 14"},
           {{{"num.partitions", "many"}},
            "Invalid value many for configuration num.partitions: Not a number of type INT"},
           {{{"auto.create.topics.enable", "yes"}}, "Expected value to be either true or false"},
           {{{"log.cleanup.policy", "delete,archive"}}, "Invalid value archive; must be one of [compact, delete]"},
           {{{"compression.type", "brotli"}}, "String must be one of: uncompressed, zstd, lz4, snappy, gzip, producer"},
           {{{"listeners", "127.0.0.1:9092"}}, "a listener must look like NAME://host:port"},
           {{{"listeners", "PLAINTEXT://h:99999"}}, "port must be 0-65535"},
           {{{"default.replication.factor", "3"}}, "a single Strata node holds one replica"},
           {{{"node.id", "1"}, {"broker.id", "2"}}, "disagree"},
       }) {
    auto r = load(c.props);
    ASSERT_FALSE(r) << c.expected;
    EXPECT_TRUE(r.error().is(ClusterErrc::invalid_config));
    EXPECT_NE(r.error().message().find(c.expected), std::string::npos) << r.error().message();
  }
}

TEST(BrokerConfig, UnknownKeysAreWarnedNotFatal) {
  std::vector<std::string> warnings;
  auto c = load({{"zookeeper.connect", "localhost:2181"}, {"node.id", "5"}}, &warnings);
  ASSERT_TRUE(c);
  EXPECT_EQ(c->node_id, 5);
  ASSERT_EQ(warnings.size(), 1u);
  EXPECT_NE(warnings[0].find("zookeeper.connect"), std::string::npos);
}

TEST(BrokerConfig, ListenersAdvertisedAndIpv6) {
  auto c = load({{"listeners", "PLAINTEXT://:9092,INTERNAL://[::1]:9093"},
                 {"advertised.listeners", "PLAINTEXT://broker.example:9092"}});
  ASSERT_TRUE(c) << c.error().to_string();
  EXPECT_EQ(c->listeners[0], (Listener{"PLAINTEXT", "", 9092}));
  EXPECT_EQ(c->listeners[1], (Listener{"INTERNAL", "::1", 9093}));
  EXPECT_EQ(c->advertised_listeners[0].host, "broker.example");
  auto bad = load({{"advertised.listeners", "OTHER://h:1"}});
  ASSERT_FALSE(bad);
}

TEST(BrokerConfig, TopicConfigValidation) {
  EXPECT_TRUE(validate_topic_configs({{"retention.ms", "-1"}, {"cleanup.policy", "compact"}}));
  auto unknown = validate_topic_configs({{"retention.days", "3"}});
  ASSERT_FALSE(unknown);
  EXPECT_EQ(unknown.error().message(), "Unknown topic config name: retention.days");
  auto bad = validate_topic_configs({{"min.cleanable.dirty.ratio", "1.5"}});
  ASSERT_FALSE(bad);
  EXPECT_NE(bad.error().message().find("Value must be no more than 1"), std::string::npos) << bad.error().message();
}

TEST(BrokerConfig, LoadAppliesOverridesAfterTheFile) {
  const std::string path = ::testing::TempDir() + "/strata-server.properties";
  FILE* f = std::fopen(path.c_str(), "w");
  ASSERT_NE(f, nullptr);
  std::fputs("node.id=2\nlog.dirs=/var/lib/strata\nnum.partitions=3\n", f);
  std::fclose(f);
  auto c = BrokerConfig::load(path, {"num.partitions=6", "log.retention.ms=1000"}, nullptr);
  ASSERT_TRUE(c) << c.error().to_string();
  EXPECT_EQ(c->node_id, 2);
  EXPECT_EQ(c->num_partitions, 6);
  EXPECT_EQ(c->log_config({})->retention_ms, 1000);
  auto bad = BrokerConfig::load(path, {"no-equals-sign"}, nullptr);
  ASSERT_FALSE(bad);
  std::remove(path.c_str());
}

}  // namespace
}  // namespace strata::cluster
