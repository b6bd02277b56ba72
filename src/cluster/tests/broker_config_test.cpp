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
