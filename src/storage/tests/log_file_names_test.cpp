#include "storage/log_file_names.h"

#include <gtest/gtest.h>

#include <limits>

#include "storage/storage_error.h"

namespace strata::storage {
namespace {

constexpr std::string_view kUuid = "0123456789abcdef0123456789abcdef";

TEST(SegmentFileNames, OffsetPrefixIsTwentyZeroPaddedDigits) {
  EXPECT_EQ(filename_prefix_from_offset(Offset{0}), "00000000000000000000");
  EXPECT_EQ(filename_prefix_from_offset(Offset{42}), "00000000000000000042");
  EXPECT_EQ(filename_prefix_from_offset(Offset{std::numeric_limits<int64_t>::max()}), "09223372036854775807");
  // Java's NumberFormat pads the digits, then adds the sign.
  EXPECT_EQ(filename_prefix_from_offset(Offset{-1}), "-00000000000000000001");
  EXPECT_EQ(filename_prefix_from_offset(Offset{std::numeric_limits<int64_t>::min()}), "-09223372036854775808");
}

TEST(SegmentFileNames, EveryTypeAndState) {
  Offset base{170};
  EXPECT_EQ(segment_file_name(base, SegmentFileType::log), "00000000000000000170.log");
  EXPECT_EQ(segment_file_name(base, SegmentFileType::offset_index), "00000000000000000170.index");
  EXPECT_EQ(segment_file_name(base, SegmentFileType::time_index), "00000000000000000170.timeindex");
  EXPECT_EQ(segment_file_name(base, SegmentFileType::txn_index), "00000000000000000170.txnindex");
  EXPECT_EQ(segment_file_name(base, SegmentFileType::producer_snapshot), "00000000000000000170.snapshot");
  EXPECT_EQ(segment_file_name(base, SegmentFileType::log, SegmentFileState::deleted),
            "00000000000000000170.log.deleted");
  EXPECT_EQ(segment_file_name(base, SegmentFileType::offset_index, SegmentFileState::cleaned),
            "00000000000000000170.index.cleaned");
  EXPECT_EQ(segment_file_name(base, SegmentFileType::time_index, SegmentFileState::swap),
            "00000000000000000170.timeindex.swap");
}

TEST(SegmentFileNames, ParseRoundTrips) {
  for (SegmentFileType type : {SegmentFileType::log, SegmentFileType::offset_index, SegmentFileType::time_index,
                               SegmentFileType::txn_index, SegmentFileType::producer_snapshot}) {
    for (SegmentFileState state :
         {SegmentFileState::live, SegmentFileState::deleted, SegmentFileState::cleaned, SegmentFileState::swap}) {
      for (int64_t offset : {int64_t{0}, int64_t{1}, int64_t{1234567890123}, std::numeric_limits<int64_t>::max()}) {
        std::string name = segment_file_name(Offset{offset}, type, state);
        auto parsed = parse_segment_file_name(name);
        ASSERT_TRUE(parsed) << name << ": " << parsed.error().message();
        EXPECT_EQ(*parsed, (SegmentFileName{Offset{offset}, type, state})) << name;
      }
    }
  }
}

TEST(SegmentFileNames, ParseIsAsLenientAsKafkaAboutDigits) {
  // LogFileUtils.offsetFromFileName is Long.parseLong of the text before the first '.'.
  EXPECT_EQ(parse_segment_file_name("5.log").value().base_offset, Offset{5});
  EXPECT_EQ(parse_segment_file_name("+5.index").value().base_offset, Offset{5});
}

TEST(SegmentFileNames, ParseRejectsOtherNames) {
  for (std::string_view bad : {"", "leader-epoch-checkpoint", "partition.metadata", ".log", "abc.log", "-1.log",
                               "00000000000000000042", "00000000000000000042.foo", "00000000000000000042.log.tmp",
                               "00000000000000000042.deleted", "00000000000000000042.log.swap.deleted",
                               "00000000000000000042.log ", "99999999999999999999.log", "00000000000000000042.LOG"}) {
    auto r = parse_segment_file_name(bad);
    ASSERT_FALSE(r) << bad;
    EXPECT_TRUE(r.error().is(StorageErrc::invalid_file_name)) << bad;
  }
}

TEST(LogDirNames, FormatAndParseLiveDirectories) {
  TopicPartition tp{"foo.bar-testtopic", PartitionId{42}};
  EXPECT_EQ(log_dir_name(tp), "foo.bar-testtopic-42");
  auto parsed = parse_log_dir_name("foo.bar-testtopic-42");
  ASSERT_TRUE(parsed);
  EXPECT_EQ(*parsed, (LogDirName{tp, LogDirKind::live, ""}));
  EXPECT_EQ(parse_log_dir_name("a-0").value().topic_partition, (TopicPartition{"a", PartitionId{0}}));
  EXPECT_EQ(parse_log_dir_name("a--0").value().topic_partition, (TopicPartition{"a-", PartitionId{0}}));
  EXPECT_EQ(parse_log_dir_name("__consumer_offsets-49").value().topic_partition,
            (TopicPartition{"__consumer_offsets", PartitionId{49}}));
}

TEST(LogDirNames, DeleteFutureAndStrayDirectories) {
  TopicPartition tp{"foo.bar-testtopic", PartitionId{42}};
  std::string deleted = log_delete_dir_name(tp, kUuid);
  EXPECT_EQ(deleted, "foo.bar-testtopic-42.0123456789abcdef0123456789abcdef-delete");
  EXPECT_EQ(parse_log_dir_name(deleted).value(), (LogDirName{tp, LogDirKind::deleted, std::string(kUuid)}));

  std::string future = log_future_dir_name(tp, kUuid);
  EXPECT_EQ(future, "foo.bar-testtopic-42.0123456789abcdef0123456789abcdef-future");
  EXPECT_EQ(parse_log_dir_name(future).value(), (LogDirName{tp, LogDirKind::future, std::string(kUuid)}));

  std::string stray = log_stray_dir_name(tp, kUuid);
  EXPECT_EQ(stray, "foo.bar-testtopic-42.0123456789abcdef0123456789abcdef-stray");
  EXPECT_EQ(parse_log_dir_name(stray).value(), (LogDirName{tp, LogDirKind::stray, std::string(kUuid)}));
}

TEST(LogDirNames, LongTopicIsCutSoTheDeleteDirFitsInTwoHundredFiftyFiveBytes) {
  TopicPartition tp{std::string(kMaxTopicNameLength, 't'), PartitionId{1}};
  std::string deleted = log_delete_dir_name(tp, kUuid);
  EXPECT_EQ(deleted.size(), kMaxDirNameLength);
  // "-1." + 32 + "-delete" = 42 bytes of suffix leave 213 for the topic.
  EXPECT_EQ(deleted, std::string(213, 't') + "-1.0123456789abcdef0123456789abcdef-delete");
  auto parsed = parse_log_dir_name(deleted);
  ASSERT_TRUE(parsed);
  EXPECT_EQ(parsed->topic_partition, (TopicPartition{std::string(213, 't'), PartitionId{1}}));
  // A short topic is not cut; neither is a future directory.
  EXPECT_EQ(log_delete_dir_name(TopicPartition{"t", PartitionId{1}}, kUuid), "t-1." + std::string(kUuid) + "-delete");
  EXPECT_EQ(log_future_dir_name(tp, kUuid).size(), kMaxTopicNameLength + 42);
}

TEST(LogDirNames, ParseRejectsWhatKafkaRejects) {
  // Cases from Kafka's LocalLogTest (testParseTopicPartitionName*), plus the patterns' edges.
  for (std::string_view bad : {"", "foo", "foo1", "-1", "foo-", "foo-bar", "foo-1x", "foo-2147483648", "foo-1-delete",
                               "foo-1.-delete", "foo.-delete", "-1.abc-delete", "foo-.abc-delete", "a b-1.abc-delete",
                               "foo-x.abc-delete", "foo-1.abc-future-", "foo-1.abc-stray x"}) {
    auto r = parse_log_dir_name(bad);
    ASSERT_FALSE(r) << "'" << bad << "'";
    EXPECT_TRUE(r.error().is(StorageErrc::invalid_file_name)) << bad;
  }
  auto r = parse_log_dir_name("foo");
  EXPECT_NE(r.error().message().find("is not in the form of topic-partition or topic-partition.uniqueId-delete"),
            std::string::npos);
}

TEST(LogDirNames, RandomUniqueIdLooksLikeADashlessUuid) {
  std::string a = random_unique_dir_id();
  std::string b = random_unique_dir_id();
  ASSERT_EQ(a.size(), kUniqueDirIdLength);
  EXPECT_NE(a, b);
  EXPECT_EQ(a[12], '4');                                                    // version nibble
  EXPECT_NE(std::string_view("89ab").find(a[16]), std::string_view::npos);  // variant
  for (char c : a) EXPECT_TRUE((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f')) << a;
}

}  // namespace
}  // namespace strata::storage
