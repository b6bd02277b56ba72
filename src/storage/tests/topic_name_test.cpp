#include "storage/topic_name.h"

#include <gtest/gtest.h>

#include <string>

#include "storage/storage_error.h"

namespace strata::storage {
namespace {

TEST(TopicName, LegalNames) {
  for (std::string_view name : {"orders", "a", "A-Z_a.z-0.9", "__consumer_offsets", "...", "-", "_", "foo.bar-baz_1"}) {
    EXPECT_TRUE(validate_topic_name(name).has_value()) << name;
  }
  EXPECT_TRUE(is_valid_topic_name(std::string(kMaxTopicNameLength, 'x')));
}

TEST(TopicName, IllegalNamesWithKafkasMessages) {
  struct Case {
    std::string name;
    std::string message;
  };
  std::string too_long(kMaxTopicNameLength + 1, 'x');
  for (const Case& c : {
           Case{"", "Topic name is invalid: the empty string is not allowed"},
           Case{".", "Topic name is invalid: '.' is not allowed"},
           Case{"..", "Topic name is invalid: '..' is not allowed"},
           Case{too_long,
                "Topic name is invalid: the length of '" + too_long + "' is longer than the max allowed length 249"},
           Case{"a b",
                "Topic name is invalid: 'a b' contains one or more characters other than ASCII alphanumerics, "
                "'.', '_' and '-'"},
       }) {
    auto r = validate_topic_name(c.name);
    ASSERT_FALSE(r.has_value()) << c.name;
    EXPECT_TRUE(r.error().is(StorageErrc::invalid_topic));
    EXPECT_EQ(r.error().message(), c.message);
  }
  using namespace std::string_view_literals;
  for (std::string_view name : {"a/b"sv, "a:b"sv, "a\\b"sv, "a+b"sv, "ü"sv, "a\nb"sv, "a\0b"sv, "a*"sv}) {
    EXPECT_FALSE(is_valid_topic_name(name)) << name;
  }
}

TEST(TopicName, InternalAndCollisions) {
  EXPECT_TRUE(is_internal_topic("__consumer_offsets"));
  EXPECT_TRUE(is_internal_topic("__transaction_state"));
  EXPECT_TRUE(is_internal_topic("__share_group_state"));
  EXPECT_FALSE(is_internal_topic("__cluster_metadata"));
  EXPECT_FALSE(is_internal_topic("orders"));
  EXPECT_TRUE(has_collision_chars("a.b"));
  EXPECT_TRUE(has_collision_chars("a_b"));
  EXPECT_FALSE(has_collision_chars("a-b"));
  EXPECT_TRUE(topics_collide("a.b", "a_b"));
  EXPECT_TRUE(topics_collide("a.b", "a.b"));
  EXPECT_FALSE(topics_collide("a.b", "a-b"));
  EXPECT_FALSE(topics_collide("a.b", "a.bc"));
}

TEST(TopicName, TopicPartitionFormatsAsItsDirectoryName) {
  EXPECT_EQ(to_string(TopicPartition{"orders", PartitionId{3}}), "orders-3");
  EXPECT_EQ(to_string(TopicPartition{"foo.bar-baz", PartitionId{0}}), "foo.bar-baz-0");
  EXPECT_LT((TopicPartition{"a", PartitionId{9}}), (TopicPartition{"b", PartitionId{0}}));
  EXPECT_LT((TopicPartition{"a", PartitionId{1}}), (TopicPartition{"a", PartitionId{2}}));
}

}  // namespace
}  // namespace strata::storage
