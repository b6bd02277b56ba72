// The node's topic metadata across restarts and crashes.
#include "cluster/metadata_store.h"

#include <gtest/gtest.h>

#include <fstream>

#include "cluster/properties.h"

namespace strata::cluster {
namespace {

class MetadataStoreTest : public ::testing::Test {
 protected:
  MetadataStoreTest() {
    root_ = std::filesystem::temp_directory_path() / ("strata-meta-" + std::to_string(::getpid()) + "-" +
                                                      ::testing::UnitTest::GetInstance()->current_test_info()->name());
    std::filesystem::remove_all(root_);
    dirs_ = {root_ / "d1", root_ / "d2"};
  }
  ~MetadataStoreTest() override { std::filesystem::remove_all(root_); }

  std::unique_ptr<MetadataStore> open(int snapshot_every = MetadataStore::kSnapshotEvery) {
    auto s = MetadataStore::open(dirs_, 1, snapshot_every);
    EXPECT_TRUE(s) << s.error().to_string();
    return s ? std::move(*s) : nullptr;
  }

  std::filesystem::path root_;
  std::vector<std::filesystem::path> dirs_;
};

TEST_F(MetadataStoreTest, TopicsSurviveARestartWithTheSameIdsAndClusterId) {
  std::string cluster_id;
  TopicMetadata orders;
  {
    auto s = open();
    cluster_id = s->cluster_id();
    EXPECT_EQ(cluster_id.size(), 22u);
    auto t = s->create_topic("orders", 3, {{"retention.ms", "1000"}});
    ASSERT_TRUE(t);
    orders = *t;
    ASSERT_TRUE(s->create_topic("payments", 1, {}));
    ASSERT_TRUE(s->set_configs("payments", {{"cleanup.policy", "compact"}}));
    ASSERT_TRUE(s->set_partition_count("orders", 6));
    ASSERT_TRUE(s->delete_topic("payments"));
    auto dup = s->create_topic("orders", 1, {});
    ASSERT_FALSE(dup);
    EXPECT_TRUE(dup.error().is(ClusterErrc::topic_exists));
  }
  auto s = open();
  EXPECT_EQ(s->cluster_id(), cluster_id);
  ASSERT_EQ(s->topics().size(), 1u);
  const TopicMetadata* t = s->find("orders");
  ASSERT_NE(t, nullptr);
  EXPECT_EQ(t->id, orders.id);
  EXPECT_EQ(t->partitions, 6);
  EXPECT_EQ(t->configs.at("retention.ms"), "1000");
  EXPECT_EQ(s->find(orders.id), t);
  // Both log dirs carry Kafka's meta.properties with the same cluster id.
  for (const auto& d : dirs_) {
    auto props = read_properties_file((d / "meta.properties").string());
    ASSERT_TRUE(props);
    EXPECT_EQ(props->at("cluster.id"), cluster_id);
    EXPECT_EQ(props->at("node.id"), "1");
    EXPECT_EQ(props->at("version"), "1");
  }
}

TEST_F(MetadataStoreTest, TornTailIsCutAndReported) {
  {
    auto s = open();
    ASSERT_TRUE(s->create_topic("a", 1, {}));
    ASSERT_TRUE(s->create_topic("b", 1, {}));
  }
  const auto log = dirs_[0] / "strata-metadata" / "metadata.log";
  const auto size = std::filesystem::file_size(log);
  std::filesystem::resize_file(log, size - 5);
  auto s = open();
  EXPECT_NE(s->find("a"), nullptr);
  EXPECT_EQ(s->find("b"), nullptr);
  ASSERT_EQ(s->load_messages().size(), 1u);
  EXPECT_NE(s->load_messages()[0].find("torn"), std::string::npos);
  ASSERT_TRUE(s->create_topic("c", 1, {}));  // appends go on after the cut
  s.reset();
  auto again = open();
  EXPECT_NE(again->find("c"), nullptr);
  EXPECT_TRUE(again->load_messages().empty());
}

TEST_F(MetadataStoreTest, SnapshotReplacesTheLog) {
  {
    auto s = open(/*snapshot_every=*/3);
    for (int i = 0; i < 7; ++i) ASSERT_TRUE(s->create_topic("t" + std::to_string(i), 1, {}));
  }
  EXPECT_TRUE(std::filesystem::exists(dirs_[0] / "strata-metadata" / "snapshot.json"));
  EXPECT_LT(std::filesystem::file_size(dirs_[0] / "strata-metadata" / "metadata.log"), 200u);
  auto s = open(3);
  EXPECT_EQ(s->topics().size(), 7u);
}

TEST_F(MetadataStoreTest, DynamicBrokerConfigsSurviveRestartsAndSnapshots) {
  {
    auto s = open(/*snapshot_every=*/2);
    ASSERT_TRUE(s->set_broker_configs("", {{"log.retention.ms", "1000"}}));
    ASSERT_TRUE(s->set_broker_configs("1", {{"log.segment.bytes", "2000000"}}));  // a snapshot after this
    ASSERT_TRUE(s->set_broker_configs("1", {{"log.segment.bytes", "3000000"}}));  // in the log
  }
  auto s = open(2);
  EXPECT_EQ(s->broker_configs(""), (std::map<std::string, std::string>{{"log.retention.ms", "1000"}}));
  EXPECT_EQ(s->broker_configs("1"), (std::map<std::string, std::string>{{"log.segment.bytes", "3000000"}}));
  EXPECT_TRUE(s->broker_configs("2").empty());
  ASSERT_TRUE(s->set_broker_configs("", {}));  // empty removes the resource
  auto again = open(2);
  EXPECT_TRUE(again->broker_configs("").empty());
}

TEST_F(MetadataStoreTest, ProducerIdsAreNeverReusedAcrossRestarts) {
  int64_t last = -1;
  {
    auto s = open();
    for (int i = 0; i < 5; ++i) {
      auto id = s->allocate_producer_id();
      ASSERT_TRUE(id);
      EXPECT_GT(*id, last);
      last = *id;
    }
  }
  auto s = open();
  auto id = s->allocate_producer_id();
  ASSERT_TRUE(id);
  EXPECT_GT(*id, last);
}

TEST_F(MetadataStoreTest, LogDirOfAnotherNodeIsRefused) {
  { auto s = open(); }
  auto other = MetadataStore::open(dirs_, 2);
  ASSERT_FALSE(other);
  EXPECT_NE(other.error().message().find("another node"), std::string::npos) << other.error().message();
}

}  // namespace
}  // namespace strata::cluster
