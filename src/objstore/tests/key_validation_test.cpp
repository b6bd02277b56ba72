// The rules every backend applies to keys and metadata (object_store.h), in one table.
#include <gtest/gtest.h>

#include "objstore/object_store.h"
#include "objstore/tests/test_support.h"

namespace strata::objstore {
namespace {

TEST(KeyValidation, AcceptsS3StyleKeys) {
  for (std::string_view key : {"a", "a/b/c", "topic-0/00000000000000000042.log", "with space/and+plus", "caf\xc3\xa9",
                               "emoji\xf0\x9f\x98\x80", "...", ".hidden/x", "a.b/..c", "%25"}) {
    EXPECT_OK(validate_key(key));
  }
  EXPECT_OK(validate_key(std::string(kMaxKeySize, 'k')));
}

TEST(KeyValidation, RejectsEachRule) {
  struct Case {
    std::string key;
    std::string_view rule;
  };
  const std::vector<Case> cases = {
      {"", "is empty"},
      {std::string(kMaxKeySize + 1, 'k'), "limit is 1024"},
      {"/a", "starts with '/'"},
      {"a/", "ends with '/'"},
      {"a//b", "empty component"},
      {"a/../b", "'..' component"},
      {"..", "'..' component"},
      {"./a", "'.' component"},
      {std::string("a\0b", 3), "control character"},
      {"a\nb", "control character"},
      {"a\x7f", "control character"},
      {"\xc3", "not valid UTF-8"},              // truncated sequence
      {"\xc0\xaf", "not valid UTF-8"},          // overlong '/'
      {"\xed\xa0\x80", "not valid UTF-8"},      // a surrogate
      {"\xf4\x90\x80\x80", "not valid UTF-8"},  // past U+10FFFF
      {"\x80", "not valid UTF-8"},              // a lone continuation byte
  };
  for (const Case& c : cases) {
    result<void> r = validate_key(c.key);
    EXPECT_OBJSTORE_ERROR(r, ObjstoreErrc::invalid_argument);
    if (!r) {
      EXPECT_NE(r.error().message().find(c.rule), std::string::npos) << r.error().message();
    }
  }
}

TEST(MetadataValidation, KeysAreLowerCaseIdentifiersAndValuesPrintableAscii) {
  EXPECT_OK(validate_metadata({}));
  EXPECT_OK(validate_metadata({{"base_offset", "0"}, {"k9", "any printable: ~!@#$%^&*()"}}));
  EXPECT_OBJSTORE_ERROR(validate_metadata({{"", "x"}}), ObjstoreErrc::invalid_argument);
  EXPECT_OBJSTORE_ERROR(validate_metadata({{"Key", "x"}}), ObjstoreErrc::invalid_argument);
  EXPECT_OBJSTORE_ERROR(validate_metadata({{"_x", "x"}}), ObjstoreErrc::invalid_argument);
  EXPECT_OBJSTORE_ERROR(validate_metadata({{"strata_crc32c", "x"}}), ObjstoreErrc::invalid_argument);
  EXPECT_OBJSTORE_ERROR(validate_metadata({{"k", "caf\xc3\xa9"}}), ObjstoreErrc::invalid_argument);
  EXPECT_OBJSTORE_ERROR(validate_metadata({{std::string(kMaxMetadataKeySize + 1, 'k'), "x"}}),
                        ObjstoreErrc::invalid_argument);
  EXPECT_OK(validate_metadata({{"k", std::string(kMaxMetadataSize - 1, 'v')}}));
  EXPECT_OBJSTORE_ERROR(validate_metadata({{"k", std::string(kMaxMetadataSize, 'v')}}), ObjstoreErrc::invalid_argument);
}

TEST(ErrorKinds, OnlyTransientAndThrottledAreRetryable) {
  EXPECT_TRUE(is_retryable(Error(ObjstoreErrc::transient, "")));
  EXPECT_TRUE(is_retryable(Error(ObjstoreErrc::throttled, "")));
  for (ObjstoreErrc code : {ObjstoreErrc::not_found, ObjstoreErrc::access_denied, ObjstoreErrc::precondition_failed,
                            ObjstoreErrc::permanent, ObjstoreErrc::cancelled, ObjstoreErrc::invalid_argument,
                            ObjstoreErrc::invalid_range, ObjstoreErrc::corrupt}) {
    EXPECT_FALSE(is_retryable(Error(code, ""))) << to_string(code);
  }
  EXPECT_FALSE(is_retryable(Error()));
  EXPECT_EQ(Error(ObjstoreErrc::throttled, "slow down").to_string(), "objstore error 3: slow down");
}

}  // namespace
}  // namespace strata::objstore
