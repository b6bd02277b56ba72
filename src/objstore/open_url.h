// Opening a store from a URL, for tools (`strata objstore`): file:///path, s3://bucket/prefix,
// gs://bucket/prefix, azure://container/prefix, with the query parameters each backend's URL takes
// (s3_options.h, azure_options.h).
//
// Credentials and tuning come from the broker's own keys (`rsm.config.s3.*`, `rsm.config.gcs.*`,
// `rsm.config.azure.*`, e.g. read from a --config file), parsed by the backends' own
// *_options_from_config: the URL's location (bucket, prefix and parameters) is written over those
// keys first, so that one parser serves both. What is still missing (the S3 credentials, the Azure
// account and key) then comes from the environment, as in the broker. Secrets never appear in a
// message or in describe().
#pragma once

#include <chrono>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "base/result.h"
#include "objstore/object_store.h"
#include "objstore/retry.h"

namespace strata::objstore {

using ConfigKeys = std::map<std::string, std::string>;

// Where the opened store is rooted.
enum class UrlRoot {
  // At the URL's whole location: s3://bucket/prefix is a store whose keys live under prefix/
  // (what `check` tests, and what the broker would use). A file:// directory must exist.
  location,
  // At the bucket (container; for file://, the nearest directory at or above the path that is a
  // filesystem store): the rest of the URL is an object key or a listing prefix, returned as
  // OpenedUrl::path (what `ls`, `stat`, `cp` and `rm` take).
  bucket,
};

struct OpenUrlOptions {
  UrlRoot root = UrlRoot::location;
  ConfigKeys config;                // rsm.config.* keys; others are ignored
  std::optional<RetryPolicy> retry;  // replaces the backend's retry policy (S3, GCS, Azure)
};

struct OpenedUrl {
  std::unique_ptr<ObjectStore> store;
  // The bucket, container or store directory, for messages ("bucket strata-test does not exist").
  std::string bucket;
  // UrlRoot::bucket: the URL's path after the bucket, as written (a key, or a prefix that may end
  // in '/'); empty for the bucket itself. Always empty for UrlRoot::location.
  std::string path;
};

// Opens the store (reading a credentials file at most; nothing is sent). invalid_argument for a
// malformed URL, an unknown scheme or parameter, or a bad key; not_found for a file:// directory
// that does not exist or, with UrlRoot::bucket, is not inside a filesystem store.
result<OpenedUrl> open_url(std::string_view url, const OpenUrlOptions& options);

// True for a URL open_url() takes a scheme of (file://, s3://, gs://, azure://); anything else is
// a local path to `cp`.
bool is_store_url(std::string_view text);

}  // namespace strata::objstore
