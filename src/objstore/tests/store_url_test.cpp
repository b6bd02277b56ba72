// The bucket/prefix/query part of object store URLs, shared by the S3, GCS and Azure backends.
#include "objstore/store_url.h"

#include <gtest/gtest.h>

#include "objstore/errc.h"

namespace strata::objstore {
namespace {

TEST(StoreLocation, BucketPrefixAndParameters) {
  auto l = parse_store_location("my-bucket/tiered/a%2Fb+c?endpoint=http%3A%2F%2F127.0.0.1%3A7480&region=us+east&&flag");
  ASSERT_TRUE(l) << l.error().to_string();
  EXPECT_EQ(l->bucket, "my-bucket");
  EXPECT_EQ(l->prefix, "tiered/a/b+c");  // '+' is literal in the path
  ASSERT_EQ(l->params.size(), 3u);
  EXPECT_EQ(l->params[0], (std::pair<std::string, std::string>{"endpoint", "http://127.0.0.1:7480"}));
  EXPECT_EQ(l->params[1], (std::pair<std::string, std::string>{"region", "us east"}));  // form encoding
  EXPECT_EQ(l->params[2], (std::pair<std::string, std::string>{"flag", ""}));
}

TEST(StoreLocation, NoPrefixNoQuery) {
  auto l = parse_store_location("bucket");
  ASSERT_TRUE(l);
  EXPECT_EQ(l->bucket, "bucket");
  EXPECT_EQ(l->prefix, "");
  EXPECT_TRUE(l->params.empty());
}

TEST(StoreLocation, MalformedEscapeIsRejected) {
  for (const char* bad : {"b%zz/p", "b/p%4", "b?x=%G0"}) {
    auto l = parse_store_location(bad);
    ASSERT_FALSE(l) << bad;
    EXPECT_TRUE(l.error().is(ObjstoreErrc::invalid_argument)) << bad;
  }
}

}  // namespace
}  // namespace strata::objstore
