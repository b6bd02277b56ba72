// The Azure Blob backend (`azure://container/prefix`, `rsm.config.azure.*`): block blobs with
// SharedKey authorization (azure_auth.h). Same semantics as every backend (object_store.h,
// checked by tests/conformance.h); how they are reached on Azure:
//   - put(): one Put Blob up to AzureOptions::single_put_limit, blocks above it (azure_upload.h).
//     Every blob carries its whole CRC32C as x-ms-meta-strata_crc32c: Put Block List sets the
//     metadata at commit, when the data is known.
//   - get(): ranged Get Blob (x-ms-range) of AzureOptions::read_chunk_size, the later ones with
//     If-Match on the first one's ETag, so that a blob replaced mid-read fails
//     (precondition_failed) instead of mixing versions; a whole-object get checks the CRC32C (or
//     the stored Content-MD5 of a blob another tool wrote) and fails with corrupt after the last
//     chunk on a mismatch.
//   - head(): Get Blob Properties. list(): List Blobs with prefix, delimiter, marker, maxresults;
//     markers are the service's, wrapped. remove(): Delete Blob; remove_batch(): Delete Blobs,
//     AzureOptions::concurrency at a time over parallel connections (not yet Blob Batch, whose
//     multipart/mixed body of signed sub-requests would save round trips on large batches).
//   - if_absent: If-None-Match: * on Put Blob / Put Block List (409 BlobAlreadyExists or 412).
// Every request is signed when sent and retried by retry.h when it fails as transient or
// throttled.
//
// Blocking libcurl calls (s3_http.h, with HttpSigning::caller) run on the store's pool
// (AzureOptions::concurrency threads) and complete on the caller's executor (coro_support.h).
// Cancellation also stops a request in flight (curl's progress callback sees a flag set by the
// caller's cancellation slot, within about a second).
#pragma once

#include <asio/thread_pool.hpp>
#include <memory>
#include <string>

#include "objstore/azure_auth.h"
#include "objstore/azure_blob_headers.h"
#include "objstore/azure_options.h"
#include "objstore/object_store.h"
#include "objstore/retry.h"
#include "objstore/s3_http.h"

namespace strata::objstore {

class AzureObjectStore final : public ObjectStore {
 public:
  // Finishes the options (finish_azure_options: the environment fills what is missing). Does not
  // contact the service.
  static result<std::unique_ptr<AzureObjectStore>> open(AzureOptions options);

  // Waits for the pool's outstanding work. Every operation must have completed.
  ~AzureObjectStore() override;

  // "azure://container/prefix/ at http://127.0.0.1:10000/devstoreaccount1"; never a secret.
  std::string describe() const override;
  const AzureOptions& options() const { return options_; }

  // Sends one signed request (retried like every request of the store) and returns the answer,
  // 2xx only. For tools and tests that need a Blob service call the interface has no name for
  // (Get Block List, Create Container). `request.path` is relative to the container ("" for the
  // container itself, "/" + encoded name for a blob).
  asio::awaitable<result<HttpResponse>> call(AzureRequest request, std::string what);

 protected:
  asio::awaitable<result<ObjectInfo>> do_put(std::string key, bytes_view data, PutOptions options) override;
  asio::awaitable<result<std::unique_ptr<Upload>>> do_start_upload(std::string key, PutOptions options) override;
  asio::awaitable<result<GetResult>> do_get(std::string key, Sink sink, GetOptions options) override;
  asio::awaitable<result<ObjectInfo>> do_head(std::string key) override;
  asio::awaitable<result<ListPage>> do_list(ListOptions options) override;
  asio::awaitable<result<void>> do_remove(std::string key) override;
  // AzureOptions::concurrency Delete Blobs at a time over parallel connections; those that fail
  // as retryable are retried one by one.
  asio::awaitable<result<std::vector<DeleteFailure>>> do_remove_batch(std::vector<std::string> keys) override;

 private:
  friend class AzureUpload;

  explicit AzureObjectStore(AzureOptions options);

  // Sends `request` (path relative to the container) on the pool, signed at each attempt and
  // retried while it fails as transient or throttled; an answer that is not 2xx comes back as its
  // mapped error (azure_errors.h). `attempts`, when given, counts the attempts made.
  asio::awaitable<result<HttpResponse>> send(AzureRequest request, std::string what, int* attempts);
  // One attempt of send() (path already complete). A request in flight is stopped when the
  // caller's cancellation is emitted (curl's progress callback, within about a second).
  asio::awaitable<result<HttpResponse>> attempt(const AzureRequest& request, const std::string& what);
  // The path of a blob of this store ("/" + encoded prefix + key).
  std::string blob_path(std::string_view key) const;
  // Get Blob Properties of a key.
  asio::awaitable<result<AzureBlobHead>> head_blob(std::string key);
  // Publishes `data` with one Put Blob (headers: metadata, checksum, condition), or commits
  // `block_ids` with Put Block List when it is not empty (data then only for the CRC).
  asio::awaitable<result<ObjectInfo>> publish(std::string key, bytes_view data,
                                              const std::vector<std::string>& block_ids, uint32_t crc, uint64_t size,
                                              const PutOptions& options);

  AzureOptions options_;
  SharedKeySigner signer_;
  std::string container_path_;  // "/container"
  HttpClient http_;
  Retrier retrier_;
  asio::thread_pool pool_;
};

}  // namespace strata::objstore
