#include "objstore/fs_layout.h"

#include <gtest/gtest.h>

#include "objstore/tests/test_support.h"

namespace strata::objstore::fslayout {
namespace {

TEST(FsLayout, KeysMapToDirectoriesWithTheSuffixAndAFile) {
  EXPECT_EQ(relative_path("a").value(), "a");
  EXPECT_EQ(relative_path("a/b/c").value(), "a%d/b%d/c");
  EXPECT_EQ(relative_path("100%/x%d").value(), "100%25%d/x%25d");
}

TEST(FsLayout, EncodingRoundTripsAndNothingElseDecodes) {
  for (std::string_view c : {"plain", "%", "%%", "x%d", "%25", "a%b%c", "é", "with space"}) {
    EXPECT_EQ(decode_component(encode_component(c)), std::string(c)) << c;
  }
  EXPECT_EQ(decode_component("%zz"), std::nullopt);
  EXPECT_EQ(decode_component("trailing%"), std::nullopt);
  EXPECT_EQ(decode_component("%2"), std::nullopt);
  EXPECT_EQ(decode_component(""), std::nullopt);
  EXPECT_EQ(decode_component("."), std::nullopt);
  EXPECT_EQ(decode_component(".."), std::nullopt);
}

TEST(FsLayout, EntriesAreClassifiedByTypeAndSuffix) {
  EXPECT_EQ(classify("seg.log", false).kind, EntryKind::object);
  EXPECT_EQ(classify("seg.log", false).component, "seg.log");
  EXPECT_EQ(classify("topic%d", true).kind, EntryKind::directory);
  EXPECT_EQ(classify("topic%d", true).component, "topic");
  EXPECT_EQ(classify("100%25%d", true).component, "100%");
  // A directory without the suffix, or a file with it, is not ours.
  EXPECT_EQ(classify("topic", true).kind, EntryKind::foreign);
  EXPECT_EQ(classify("topic%d", false).kind, EntryKind::foreign);
  EXPECT_EQ(classify("%d", true).kind, EntryKind::foreign);
}

TEST(FsLayout, ComponentsLongerThanAFileNameAreInvalid) {
  ASSERT_OK(relative_path(std::string(kMaxNameSize, 'a')));
  EXPECT_OBJSTORE_ERROR(relative_path(std::string(kMaxNameSize + 1, 'a')), ObjstoreErrc::invalid_argument);
  // '%' takes three bytes once encoded; a directory two more for the suffix.
  EXPECT_OBJSTORE_ERROR(relative_path(std::string(kMaxNameSize / 3 + 1, '%')), ObjstoreErrc::invalid_argument);
  EXPECT_OBJSTORE_ERROR(relative_path(std::string(kMaxNameSize - 1, 'a') + "/x"), ObjstoreErrc::invalid_argument);
  ASSERT_OK(relative_path(std::string(kMaxNameSize - kDirSuffix.size(), 'a') + "/x"));
}

}  // namespace
}  // namespace strata::objstore::fslayout
