#include "objstore/open_url.h"

#include <fmt/format.h>

#include <array>
#include <filesystem>
#include <system_error>

#include "objstore/azure_object_store.h"
#include "objstore/azure_options.h"
#include "objstore/fs_layout.h"
#include "objstore/fs_object_store.h"
#include "objstore/s3_object_store.h"
#include "objstore/s3_options.h"
#include "objstore/store_url.h"

namespace strata::objstore {

namespace {

constexpr std::string_view kFileScheme = "file://";

enum class Backend { s3, gcs, azure };

// A URL query parameter and the configuration key (after rsm.config.<backend>.) it stands for.
struct ParamKey {
  std::string_view param;
  std::string_view key;
};

struct Scheme {
  std::string_view scheme;      // "s3://"
  std::string_view key_prefix;  // "rsm.config.s3."
  Backend backend;
  std::string_view bucket_key;  // "bucket" or "container"
  std::array<ParamKey, 3> params;
};

constexpr std::array<Scheme, 3> kSchemes{{
    {"s3://", "rsm.config.s3.", Backend::s3, "bucket",
     {{{"endpoint", "endpoint"}, {"region", "region"}, {"path_style", "path.style.access"}}}},
    {"gs://", "rsm.config.gcs.", Backend::gcs, "bucket",
     {{{"endpoint", "endpoint"}, {"region", "region"}, {"path_style", "path.style.access"}}}},
    {"azure://", "rsm.config.azure.", Backend::azure, "container",
     {{{"endpoint", "endpoint"}, {"account", "account.name"}, {}}}},
}};

Error invalid(std::string message) { return Error(ObjstoreErrc::invalid_argument, std::move(message)); }

const Scheme* find_scheme(std::string_view url) {
  for (const Scheme& s : kSchemes) {
    if (url.starts_with(s.scheme)) return &s;
  }
  return nullptr;
}

std::string param_names(const Scheme& s) {
  std::string out;
  for (const ParamKey& p : s.params) {
    if (p.param.empty()) continue;
    if (!out.empty()) out += ", ";
    out += p.param;
  }
  return out;
}

// The configuration keys with the URL's location written over them.
result<ConfigKeys> overlay(const ConfigKeys& config, const Scheme& s, const StoreLocation& location,
                           const std::string& prefix) {
  ConfigKeys keys = config;
  const auto full = [&s](std::string_view key) { return fmt::format("{}{}", s.key_prefix, key); };
  keys[full(s.bucket_key)] = location.bucket;
  keys[full("prefix")] = prefix;
  for (const auto& [name, value] : location.params) {
    const ParamKey* found = nullptr;
    for (const ParamKey& p : s.params) {
      if (!p.param.empty() && p.param == name) found = &p;
    }
    if (found == nullptr) {
      return invalid(fmt::format("URL parameter '{}' is not one of {}", name, param_names(s)));
    }
    keys[full(found->key)] = value;
  }
  return keys;
}

result<std::unique_ptr<ObjectStore>> open_remote(const Scheme& s, const ConfigKeys& keys,
                                                 const std::optional<RetryPolicy>& retry) {
  if (s.backend == Backend::azure) {
    STRATA_TRY_ASSIGN(AzureOptions o, azure_options_from_config(keys));
    if (retry) o.retry = *retry;
    STRATA_TRY_ASSIGN(std::unique_ptr<AzureObjectStore> store, AzureObjectStore::open(std::move(o)));
    return std::unique_ptr<ObjectStore>(std::move(store));
  }
  result<S3Options> parsed = s.backend == Backend::gcs ? gcs_options_from_config(keys) : s3_options_from_config(keys);
  if (!parsed) return parsed.error();
  if (retry) parsed->retry = *retry;
  STRATA_TRY_ASSIGN(std::unique_ptr<S3ObjectStore> store, S3ObjectStore::open(std::move(*parsed)));
  return std::unique_ptr<ObjectStore>(std::move(store));
}

result<std::unique_ptr<ObjectStore>> open_fs(const std::string& root) {
  FsOptions options;
  options.root = root;
  STRATA_TRY_ASSIGN(std::unique_ptr<FsObjectStore> store, FsObjectStore::open(std::move(options)));
  return std::unique_ptr<ObjectStore>(std::move(store));
}

bool is_fs_store(const std::string& dir) {
  std::error_code ec;
  return std::filesystem::is_regular_file(std::filesystem::path(dir) / fslayout::kMarkerFile, ec);
}

result<OpenedUrl> open_file_url(std::string_view url, UrlRoot root) {
  std::string path(url.substr(kFileScheme.size()));
  if (!path.starts_with('/')) return invalid(fmt::format("'{}' is not file:///absolute/path", url));
  if (path.find_first_of("?#") != std::string::npos) {
    return invalid(fmt::format("'{}': file:// URLs take no parameters", url));
  }
  std::string dir = path;
  while (dir.size() > 1 && dir.back() == '/') dir.pop_back();
  OpenedUrl out;
  if (root == UrlRoot::location) {
    std::error_code ec;
    if (!std::filesystem::is_directory(dir, ec)) {
      return Error(ObjstoreErrc::not_found, fmt::format("store directory {} does not exist", dir));
    }
    STRATA_TRY_ASSIGN(out.store, open_fs(dir));
    out.bucket = dir;
    return out;
  }
  // The nearest directory at or above the path that holds a store; the rest is the key.
  for (std::string candidate = dir; !candidate.empty(); candidate.resize(candidate.rfind('/'))) {
    if (!is_fs_store(candidate)) continue;
    STRATA_TRY_ASSIGN(out.store, open_fs(candidate));
    out.bucket = candidate;
    out.path = path.size() > candidate.size() ? path.substr(candidate.size() + 1) : std::string();
    return out;
  }
  if (is_fs_store("/")) return invalid("a filesystem store at / is not supported");
  return Error(ObjstoreErrc::not_found,
               fmt::format("no filesystem store at or above {} (a store directory holds {})", dir, fslayout::kMarkerFile));
}

}  // namespace

bool is_store_url(std::string_view text) { return text.starts_with(kFileScheme) || find_scheme(text) != nullptr; }

result<OpenedUrl> open_url(std::string_view url, const OpenUrlOptions& options) {
  if (url.starts_with(kFileScheme)) return open_file_url(url, options.root);
  const Scheme* scheme = find_scheme(url);
  if (scheme == nullptr) {
    return invalid(fmt::format("'{}' is not a store URL (file://, s3://, gs:// or azure://)", url));
  }
  STRATA_TRY_ASSIGN(StoreLocation location, parse_store_location(url.substr(scheme->scheme.size())));
  const bool at_bucket = options.root == UrlRoot::bucket;
  STRATA_TRY_ASSIGN(ConfigKeys keys,
                    overlay(options.config, *scheme, location, at_bucket ? std::string() : location.prefix));
  OpenedUrl out;
  STRATA_TRY_ASSIGN(out.store, open_remote(*scheme, keys, options.retry));
  out.bucket = location.bucket;
  if (at_bucket) out.path = location.prefix;
  return out;
}

}  // namespace strata::objstore
