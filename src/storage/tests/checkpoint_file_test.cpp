#include "storage/checkpoint_file.h"

#include <gtest/gtest.h>

#include "storage/log_file_names.h"
#include "storage/storage_error.h"
#include "storage/tests/test_util.h"

namespace strata::storage {
namespace {

using testing::read_text;
using testing::TempDir;
using testing::write_text;

TopicPartitionOffset tpo(std::string topic, int32_t partition, int64_t offset) {
  return TopicPartitionOffset{TopicPartition{std::move(topic), PartitionId{partition}}, Offset{offset}};
}
EpochEntry epoch(int32_t e, int64_t start) { return EpochEntry{LeaderEpoch{e}, Offset{start}}; }

using Offsets = std::vector<TopicPartitionOffset>;
using Epochs = std::vector<EpochEntry>;

TEST(OffsetCheckpoint, TextIsKafkasFormat) {
  Offsets entries = {tpo("orders", 0, 1200), tpo("foo.bar-x_1", 12, 5), tpo("__consumer_offsets", 49, 0)};
  EXPECT_EQ(encode_offset_checkpoint(entries).value(),
            "0\n"
            "3\n"
            "orders 0 1200\n"
            "foo.bar-x_1 12 5\n"
            "__consumer_offsets 49 0\n");
  EXPECT_EQ(encode_offset_checkpoint(Offsets{}).value(), "0\n0\n");
  EXPECT_EQ(encode_offset_checkpoint(Offsets{tpo("t", 0, std::numeric_limits<int64_t>::max())}).value(),
            "0\n1\nt 0 9223372036854775807\n");
}

TEST(OffsetCheckpoint, RoundTrip) {
  Offsets entries = {tpo("a", 0, 0), tpo("a", 1, 77), tpo("b-c.d", 2147483647, -1)};
  EXPECT_EQ(decode_offset_checkpoint(encode_offset_checkpoint(entries).value(), "f").value(), entries);
}

TEST(OffsetCheckpoint, ReadIsAsLenientAsKafka) {
  EXPECT_EQ(decode_offset_checkpoint("", "f").value(), Offsets{});   // empty file
  EXPECT_EQ(decode_offset_checkpoint("0", "f").value(), Offsets{});  // version only
  EXPECT_EQ(decode_offset_checkpoint("0\n", "f").value(), Offsets{});
  EXPECT_EQ(decode_offset_checkpoint("0\n0\n", "f").value(), Offsets{});
  EXPECT_EQ(decode_offset_checkpoint("0\r\n1\r\nt\t 3  9 \r\n", "f").value(), Offsets{tpo("t", 3, 9)});
  EXPECT_EQ(decode_offset_checkpoint("0\n1\nt +3 +9", "f").value(), Offsets{tpo("t", 3, 9)});  // Java parseInt
  // Kafka reads into a map; we keep file order and duplicates, and say so.
  EXPECT_EQ(decode_offset_checkpoint("0\n2\nt 0 1\nt 0 2\n", "f").value(), (Offsets{tpo("t", 0, 1), tpo("t", 0, 2)}));
}

TEST(OffsetCheckpoint, MalformedFilesNameTheFileAndLine) {
  struct Case {
    std::string_view text;
    StorageErrc code;
    std::string_view message_part;
  };
  for (const Case& c : {
           Case{"1\n0\n", StorageErrc::unsupported_version, "Unrecognised version: 1, expected version: 0"},
           Case{"x\n", StorageErrc::malformed_checkpoint, "line 1"},
           Case{" 0\n0\n", StorageErrc::malformed_checkpoint, "line 1"},
           Case{"0\nabc\n", StorageErrc::malformed_checkpoint, "line 2"},
           Case{"0\n-1\n", StorageErrc::malformed_checkpoint, "line 2"},
           Case{"0\n2\nt 0 1\n", StorageErrc::malformed_checkpoint, "Expected [2] entries"},
           Case{"0\n1\nt 0 1\nu 0 2\n", StorageErrc::malformed_checkpoint, "Expected [1] entries"},
           Case{"0\n1\nt 0\n", StorageErrc::malformed_checkpoint, "line 3"},
           Case{"0\n1\nt 0 1 2\n", StorageErrc::malformed_checkpoint, "line 3"},
           Case{"0\n1\n t 0 1\n", StorageErrc::malformed_checkpoint, "line 3"},
           Case{"0\n1\nt x 1\n", StorageErrc::malformed_checkpoint, "line 3"},
           Case{"0\n1\nt 2147483648 1\n", StorageErrc::malformed_checkpoint, "line 3"},
           Case{"0\n1\nt 0 9223372036854775808\n", StorageErrc::malformed_checkpoint, "line 3"},
           Case{"0\n1\nt 0 1\n\n", StorageErrc::malformed_checkpoint, "line 4"},
           Case{"0\n1\n\nt 0 1\n", StorageErrc::malformed_checkpoint, "line 3"},
       }) {
    auto r = decode_offset_checkpoint(c.text, "/logs/recovery-point-offset-checkpoint");
    ASSERT_FALSE(r) << c.text;
    EXPECT_TRUE(r.error().is(c.code)) << c.text << ": " << r.error().to_string();
    EXPECT_NE(r.error().message().find(c.message_part), std::string::npos) << r.error().message();
    EXPECT_NE(r.error().message().find("/logs/recovery-point-offset-checkpoint"), std::string::npos);
  }
}

TEST(OffsetCheckpoint, TopicsThatCannotBeReadBackAreRefused) {
  EXPECT_TRUE(encode_offset_checkpoint(Offsets{tpo("a b", 0, 1)}).error().is(StorageErrc::invalid_argument));
  EXPECT_TRUE(encode_offset_checkpoint(Offsets{tpo("", 0, 1)}).error().is(StorageErrc::invalid_argument));
}

TEST(LeaderEpochCheckpoint, TextIsKafkasFormat) {
  Epochs entries = {epoch(0, 0), epoch(3, 1500), epoch(2147483647, 9223372036854775807)};
  EXPECT_EQ(encode_leader_epoch_checkpoint(entries), "0\n3\n0 0\n3 1500\n2147483647 9223372036854775807\n");
  EXPECT_EQ(decode_leader_epoch_checkpoint(encode_leader_epoch_checkpoint(entries), "f").value(), entries);
  EXPECT_EQ(encode_leader_epoch_checkpoint(Epochs{}), "0\n0\n");
  EXPECT_EQ(decode_leader_epoch_checkpoint("0\n1\n5   10\n", "f").value(), Epochs{epoch(5, 10)});
}

TEST(LeaderEpochCheckpoint, MalformedFiles) {
  for (std::string_view text :
       {"0\n1\n5\n", "0\n1\n5 10 15\n", "0\n1\nx 10\n", "0\n1\n5 y\n", "0\n2\n5 10\n", "0\n1\n2147483648 0\n"}) {
    auto r = decode_leader_epoch_checkpoint(text, "leader-epoch-checkpoint");
    ASSERT_FALSE(r) << text;
    EXPECT_TRUE(r.error().is(StorageErrc::malformed_checkpoint)) << text;
  }
  EXPECT_TRUE(decode_leader_epoch_checkpoint("1\n0\n", "f").error().is(StorageErrc::unsupported_version));
}

TEST(CheckpointFiles, WriteIsAtomicAndReadsBack) {
  TempDir dir;
  auto path = dir / kRecoveryPointCheckpointFile;
  EXPECT_TRUE(read_offset_checkpoint(path).error().is(StorageErrc::not_found));

  Offsets first = {tpo("orders", 0, 10)};
  ASSERT_TRUE(write_offset_checkpoint(path, first));
  EXPECT_EQ(read_text(path), "0\n1\norders 0 10\n");
  Offsets second = {tpo("orders", 0, 20), tpo("orders", 1, 5)};
  ASSERT_TRUE(write_offset_checkpoint(path, second, /*sync=*/false));
  EXPECT_EQ(read_offset_checkpoint(path).value(), second);
  EXPECT_FALSE(std::filesystem::exists(dir / "recovery-point-offset-checkpoint.tmp"));
  // A refused write leaves the old file alone.
  EXPECT_FALSE(write_offset_checkpoint(path, Offsets{tpo("bad topic", 0, 1)}));
  EXPECT_EQ(read_offset_checkpoint(path).value(), second);
  // A stale .tmp from a crash mid-write does not matter.
  write_text(dir / "recovery-point-offset-checkpoint.tmp", "garbage");
  ASSERT_TRUE(write_offset_checkpoint(path, first));
  EXPECT_EQ(read_offset_checkpoint(path).value(), first);

  auto epochs_path = dir / kLeaderEpochCheckpointFile;
  ASSERT_TRUE(write_leader_epoch_checkpoint(epochs_path, Epochs{epoch(0, 0), epoch(1, 100)}));
  EXPECT_EQ(read_text(epochs_path), "0\n2\n0 0\n1 100\n");
  EXPECT_EQ(read_leader_epoch_checkpoint(epochs_path).value(), (Epochs{epoch(0, 0), epoch(1, 100)}));

  write_text(epochs_path, "0\n1\n1 oops\n");
  auto bad = read_leader_epoch_checkpoint(epochs_path);
  ASSERT_FALSE(bad);
  EXPECT_NE(bad.error().message().find(epochs_path.string()), std::string::npos);
  EXPECT_NE(bad.error().message().find("line 3"), std::string::npos);

  EXPECT_FALSE(write_offset_checkpoint(dir / "no-such-dir" / "x", first));
}

}  // namespace
}  // namespace strata::storage
