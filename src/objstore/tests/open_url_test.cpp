// Opening stores from URLs (open_url.h): the URL's location over the broker's rsm.config.* keys,
// one parser for both; the bucket root for object URLs; file:// stores found by their marker.
#include "objstore/open_url.h"

#include <gtest/gtest.h>

#include <fstream>

#include "objstore/azure_object_store.h"
#include "objstore/fs_layout.h"
#include "objstore/s3_object_store.h"
#include "objstore/tests/test_support.h"

namespace strata::objstore::testing {
namespace {

const ConfigKeys kS3Keys{{"rsm.config.s3.access.key.id", "AKID"},
                         {"rsm.config.s3.secret.access.key", "very-secret"},
                         {"rsm.config.s3.part.size", "6291456"},
                         {"rsm.config.s3.endpoint", "http://config-endpoint:1"},
                         {"unrelated.key", "ignored"}};

TEST(OpenUrl, S3LocationOverConfigKeys) {
  OpenUrlOptions options;
  options.config = kS3Keys;
  result<OpenedUrl> opened = open_url("s3://strata-test/tiered?endpoint=http://127.0.0.1:7480&path_style=true", options);
  ASSERT_OK(opened);
  const auto* s3 = dynamic_cast<const S3ObjectStore*>(opened->store.get());
  ASSERT_NE(s3, nullptr);
  EXPECT_EQ(s3->options().bucket, "strata-test");
  EXPECT_EQ(s3->options().prefix, "tiered/");
  EXPECT_EQ(s3->options().endpoint, "http://127.0.0.1:7480");  // the URL wins over the file
  EXPECT_TRUE(s3->options().path_style);
  EXPECT_EQ(s3->options().credentials.access_key_id, "AKID");  // the file gives what the URL cannot
  EXPECT_EQ(s3->options().part_size, 6291456u);
  EXPECT_EQ(opened->bucket, "strata-test");
  EXPECT_EQ(opened->path, "");
  EXPECT_EQ(opened->store->describe().find("very-secret"), std::string::npos);
}

TEST(OpenUrl, BucketRootReturnsThePath) {
  OpenUrlOptions options;
  options.config = kS3Keys;
  options.config["rsm.config.s3.prefix"] = "from-config";
  options.root = UrlRoot::bucket;
  result<OpenedUrl> opened = open_url("s3://strata-test/a/b/c.log", options);
  ASSERT_OK(opened);
  EXPECT_EQ(dynamic_cast<const S3ObjectStore&>(*opened->store).options().prefix, "");
  EXPECT_EQ(opened->path, "a/b/c.log");
  result<OpenedUrl> listing = open_url("s3://strata-test/a/", options);
  ASSERT_OK(listing);
  EXPECT_EQ(listing->path, "a/");
}

TEST(OpenUrl, RetryPolicyReplacesTheBackends) {
  OpenUrlOptions options;
  options.config = kS3Keys;
  options.retry = RetryPolicy{2, std::chrono::milliseconds(10), std::chrono::milliseconds(20), std::chrono::milliseconds(50)};
  result<OpenedUrl> opened = open_url("s3://b", options);
  ASSERT_OK(opened);
  EXPECT_EQ(dynamic_cast<const S3ObjectStore&>(*opened->store).options().retry.max_attempts, 2u);
}

TEST(OpenUrl, UnknownParameterAndTypoAreRefused) {
  OpenUrlOptions options;
  options.config = kS3Keys;
  EXPECT_OBJSTORE_ERROR(open_url("s3://b/p?endpont=http://x", options), ObjstoreErrc::invalid_argument);
  options.config["rsm.config.s3.secret.acess.key"] = "typo";
  EXPECT_OBJSTORE_ERROR(open_url("s3://b/p", options), ObjstoreErrc::invalid_argument);
  EXPECT_OBJSTORE_ERROR(open_url("ftp://b/p", options), ObjstoreErrc::invalid_argument);
  EXPECT_OBJSTORE_ERROR(open_url("azure://strata-test?region=x", options), ObjstoreErrc::invalid_argument);
}

TEST(OpenUrl, GcsUsesItsOwnKeys) {
  OpenUrlOptions options;
  options.config = {{"rsm.config.gcs.hmac.access.key", "GOOG1"}, {"rsm.config.gcs.hmac.secret", "s"}};
  result<OpenedUrl> opened = open_url("gs://bucket/p", options);
  ASSERT_OK(opened);
  const auto& gcs = dynamic_cast<const S3ObjectStore&>(*opened->store);
  EXPECT_EQ(gcs.options().dialect, S3Dialect::gcs);
  EXPECT_EQ(gcs.options().credentials.access_key_id, "GOOG1");
}

TEST(OpenUrl, AzureAccountFromUrlKeyFromConfig) {
  OpenUrlOptions options;
  options.config = {{"rsm.config.azure.account.key", "c2VjcmV0"}};
  result<OpenedUrl> opened =
      open_url("azure://strata-test/pre?endpoint=http://127.0.0.1:10000/acct&account=acct", options);
  ASSERT_OK(opened);
  const auto& azure = dynamic_cast<const AzureObjectStore&>(*opened->store);
  EXPECT_EQ(azure.options().account, "acct");
  EXPECT_EQ(azure.options().container, "strata-test");
  EXPECT_EQ(azure.options().prefix, "pre/");
  EXPECT_EQ(opened->bucket, "strata-test");
}

TEST(OpenUrl, FileLocationMustExist) {
  TempDir dir;
  const std::string missing = (dir.path() / "nope").string();
  result<OpenedUrl> r = open_url("file://" + missing, OpenUrlOptions{});
  EXPECT_OBJSTORE_ERROR(r, ObjstoreErrc::not_found);
  EXPECT_NE(r.error().message().find("does not exist"), std::string::npos) << r.error().message();
  ASSERT_OK(open_url("file://" + dir.path().string(), OpenUrlOptions{}));  // an empty directory becomes a store
  EXPECT_TRUE(std::filesystem::exists(dir.path() / fslayout::kMarkerFile));
  EXPECT_OBJSTORE_ERROR(open_url("file://relative/path", OpenUrlOptions{}), ObjstoreErrc::invalid_argument);
}

TEST(OpenUrl, FileBucketRootIsTheNearestStore) {
  TempDir dir;
  ASSERT_OK(open_url("file://" + dir.path().string(), OpenUrlOptions{}));
  OpenUrlOptions at_bucket;
  at_bucket.root = UrlRoot::bucket;
  result<OpenedUrl> object = open_url("file://" + dir.path().string() + "/a/b/c.log", at_bucket);
  ASSERT_OK(object);
  EXPECT_EQ(object->path, "a/b/c.log");
  EXPECT_EQ(object->bucket, dir.path().string());
  result<OpenedUrl> root = open_url("file://" + dir.path().string() + "/", at_bucket);
  ASSERT_OK(root);
  EXPECT_EQ(root->path, "");
  TempDir plain;
  EXPECT_OBJSTORE_ERROR(open_url("file://" + plain.path().string() + "/k", at_bucket), ObjstoreErrc::not_found);
}

TEST(OpenUrl, StoreUrlsAndLocalPaths) {
  EXPECT_TRUE(is_store_url("s3://b/k"));
  EXPECT_TRUE(is_store_url("gs://b/k"));
  EXPECT_TRUE(is_store_url("azure://c/k"));
  EXPECT_TRUE(is_store_url("file:///tmp/s/k"));
  EXPECT_FALSE(is_store_url("/tmp/local.log"));
  EXPECT_FALSE(is_store_url("s3-notes.txt"));
}

}  // namespace
}  // namespace strata::objstore::testing
