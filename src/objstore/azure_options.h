// Options of the Azure Blob backend (azure_object_store.h), and how they are built from the
// broker's Kafka-style keys (`rsm.config.azure.*`), from a location URL
// (`azure://container/prefix?endpoint=...&account=...`) and from the environment
// (AZURE_STORAGE_CONNECTION_STRING, else AZURE_STORAGE_ACCOUNT / AZURE_STORAGE_KEY), the way
// Azure's own tools find an account.
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <string_view>

#include "base/result.h"
#include "objstore/retry.h"

namespace strata::objstore {

struct AzureOptions {
  static constexpr size_t kMiB = 1024ULL * 1024;
  // Put Block's cap on one block, and Put Blob's on one request, since x-ms-version 2019-12-12.
  static constexpr size_t kMaxBlockSize = 4000 * kMiB;
  static constexpr size_t kMaxPutBlobSize = 5000 * kMiB;
  // Committed blocks per blob.
  static constexpr size_t kMaxBlocks = 50'000;
  static constexpr size_t kDefaultBlockSize = 8 * kMiB;
  static constexpr size_t kDefaultSinglePutLimit = 64 * kMiB;
  static constexpr size_t kDefaultReadChunkSize = 4 * kMiB;
  static constexpr size_t kDefaultConcurrency = 8;
  static constexpr size_t kDefaultUploadParallelism = 4;
  static constexpr size_t kMaxUploadParallelism = 16;

  std::string account;
  // The account key, base64 as the portal shows it. Never logged, never in an error message.
  std::string key;
  std::string container;
  // Blob names of this store start with this; stored with a trailing '/' when not empty.
  std::string prefix;
  // scheme://host[:port][/path] of the blob service; empty: https://<account>.blob.core.windows.net.
  // Azurite's is http://127.0.0.1:10000/devstoreaccount1 (path-style: the account is the first
  // path segment).
  std::string endpoint;

  // Blocking HTTP requests run on this many threads, each with its own connection.
  size_t concurrency = kDefaultConcurrency;
  std::chrono::milliseconds connect_timeout{5'000};
  std::chrono::milliseconds request_timeout{60'000};
  // A transfer slower than 1 KiB/s for this long is cut (a stalled connection).
  std::chrono::milliseconds stall_timeout{15'000};
  RetryPolicy retry;

  // Streamed uploads send blocks of this size (the last one smaller)...
  size_t block_size = kDefaultBlockSize;
  // ...this many at once, over parallel connections: an upload buffers up to this many blocks.
  size_t upload_parallelism = kDefaultUploadParallelism;
  // put() of more bytes than this goes through Put Block + Put Block List.
  size_t single_put_limit = kDefaultSinglePutLimit;
  // Bytes per ranged GET of a get(), and the largest chunk handed to a sink.
  size_t read_chunk_size = kDefaultReadChunkSize;
  // Whole-object gets of blobs that carry neither Strata's CRC32C nor a Content-MD5 (written by
  // another tool through blocks) fail with corrupt unless this is set.
  bool allow_unverified_reads = false;
};

// The parts of an Azure storage connection string that matter here
// ("DefaultEndpointsProtocol=https;AccountName=...;AccountKey=...;EndpointSuffix=core.windows.net",
// or "UseDevelopmentStorage=true" for Azurite).
struct AzureConnectionString {
  std::string account;
  std::string key;
  std::string blob_endpoint;  // BlobEndpoint, or built from the protocol and the suffix
};
result<AzureConnectionString> parse_connection_string(std::string_view text);

// Looks up an environment variable; the default reads the process's environment.
using EnvLookup = std::function<std::optional<std::string>(const char* name)>;
EnvLookup process_environment();

// Fills the account, key and endpoint that are still empty from the environment, checks ranges
// and required fields, fills the endpoint default and normalizes the prefix.
result<AzureOptions> finish_azure_options(AzureOptions options, const EnvLookup& env);
inline result<AzureOptions> finish_azure_options(AzureOptions options) {
  return finish_azure_options(std::move(options), process_environment());
}

// From the broker's keys: rsm.config.azure.account.name, .account.key, .container, .endpoint,
// .prefix (and .connection.string, .block.size, .upload.parallelism, .single.put.limit, .read.chunk.size, .concurrency,
// .connect.timeout.ms, .request.timeout.ms, .retry.deadline.ms, .retry.max.attempts). Unknown
// rsm.config.azure.* keys are refused, so that a typo does not pass silently; other keys are
// ignored. Not finished: pass the result to finish_azure_options (AzureObjectStore::open does).
result<AzureOptions> azure_options_from_config(const std::map<std::string, std::string>& config);

// azure://container/prefix?endpoint=http://127.0.0.1:10000/devstoreaccount1&account=devstoreaccount1;
// the key never comes from a URL (the environment gives it).
result<AzureOptions> azure_options_from_url(std::string_view url);

}  // namespace strata::objstore
