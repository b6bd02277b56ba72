#include "storage/partition_metadata_file.h"

#include <gtest/gtest.h>

#include "storage/log_file_names.h"
#include "storage/storage_error.h"
#include "storage/tests/test_util.h"

namespace strata::storage {
namespace {

using testing::read_text;
using testing::TempDir;
using testing::write_text;

const TopicId kId = TopicId::from_longs(0x0001020304050607ULL, 0x08090a0b0c0d0e0fULL);

TEST(PartitionMetadata, TextIsKafkasFormat) {
  // No newline after the id (PartitionMetadata.encode).
  EXPECT_EQ(encode_partition_metadata(PartitionMetadata{0, kId}), "version: 0\ntopic_id: AAECAwQFBgcICQoLDA0ODw");
  EXPECT_EQ(decode_partition_metadata("version: 0\ntopic_id: AAECAwQFBgcICQoLDA0ODw", "f").value(),
            (PartitionMetadata{0, kId}));
}

TEST(PartitionMetadata, ReadIsAsLenientAsKafka) {
  auto decode = [](std::string_view text) { return decode_partition_metadata(text, "f"); };
  EXPECT_EQ(decode("version: 0\ntopic_id: AAECAwQFBgcICQoLDA0ODw\n").value().topic_id, kId);
  EXPECT_EQ(decode("version:\t 0\r\ntopic_id:  AAECAwQFBgcICQoLDA0ODw==\r\nanything: else").value().topic_id, kId);
  EXPECT_EQ(decode("version: 1\ntopic_id: AAECAwQFBgcICQoLDA0ODw").value().version, 1);  // newer: accepted
}

TEST(PartitionMetadata, MalformedFiles) {
  struct Case {
    std::string_view text;
    StorageErrc code;
  };
  for (const Case& c : {
           Case{"", StorageErrc::malformed_checkpoint},
           Case{"version: 0", StorageErrc::malformed_checkpoint},
           Case{"version:0\ntopic_id: AAECAwQFBgcICQoLDA0ODw", StorageErrc::malformed_checkpoint},
           Case{"Version: 0\ntopic_id: AAECAwQFBgcICQoLDA0ODw", StorageErrc::malformed_checkpoint},
           Case{"version : 0\ntopic_id: AAECAwQFBgcICQoLDA0ODw", StorageErrc::malformed_checkpoint},
           Case{"version: x\ntopic_id: AAECAwQFBgcICQoLDA0ODw", StorageErrc::malformed_checkpoint},
           Case{"version: 0 \ntopic_id: AAECAwQFBgcICQoLDA0ODw", StorageErrc::malformed_checkpoint},
           Case{"version: -1\ntopic_id: AAECAwQFBgcICQoLDA0ODw", StorageErrc::unsupported_version},
           Case{"version: 0\ntopicid: AAECAwQFBgcICQoLDA0ODw", StorageErrc::malformed_checkpoint},
           Case{"version: 0\ntopic_id: AAECAwQFBgcICQoLDA0OD", StorageErrc::malformed_checkpoint},
           Case{"version: 0\ntopic_id: AAECAwQFBgcICQoLDA0ODw ", StorageErrc::malformed_checkpoint},
           Case{"version: 0\ntopic_id: AAAAAAAAAAAAAAAAAAAAAA", StorageErrc::malformed_checkpoint},
           Case{"topic_id: AAECAwQFBgcICQoLDA0ODw\nversion: 0", StorageErrc::malformed_checkpoint},
       }) {
    auto r = decode_partition_metadata(c.text, "/logs/orders-0/partition.metadata");
    ASSERT_FALSE(r) << c.text;
    EXPECT_TRUE(r.error().is(c.code)) << c.text << ": " << r.error().to_string();
    EXPECT_NE(r.error().message().find("/logs/orders-0/partition.metadata"), std::string::npos);
  }
  EXPECT_NE(decode_partition_metadata("version: 0\ntopic_id: AAAAAAAAAAAAAAAAAAAAAA", "f")
                .error()
                .message()
                .find("Invalid topic ID"),
            std::string::npos);
}

TEST(PartitionMetadata, FileRoundTrip) {
  TempDir dir;
  auto path = dir / kPartitionMetadataFile;
  EXPECT_TRUE(read_partition_metadata(path).error().is(StorageErrc::not_found));
  ASSERT_TRUE(write_partition_metadata(path, kId));
  EXPECT_EQ(read_text(path), "version: 0\ntopic_id: AAECAwQFBgcICQoLDA0ODw");
  EXPECT_EQ(read_partition_metadata(path).value(), (PartitionMetadata{0, kId}));
  EXPECT_FALSE(std::filesystem::exists(dir / "partition.metadata.tmp"));
  EXPECT_TRUE(write_partition_metadata(path, kZeroTopicId).error().is(StorageErrc::invalid_argument));
  write_text(path, "version: 0\n");
  EXPECT_TRUE(read_partition_metadata(path).error().is(StorageErrc::malformed_checkpoint));
}

}  // namespace
}  // namespace strata::storage
