// The S3 backend (`s3://bucket/prefix`, `rsm.config.s3.*`), also used for GCS through its
// S3-interoperable XML API (`gs://bucket/prefix`, `rsm.config.gcs.*`; S3Dialect::gcs). Same
// semantics as every backend (object_store.h, checked by tests/conformance.h); how they are
// reached on S3:
//   - put(): one PUT up to S3Options::multipart_threshold, a multipart upload above it.
//     Streamed uploads buffer parts (S3Options::part_size) and send them upload_parallelism at a
//     time; one that never fills a part is sent as one PUT at complete(), otherwise
//     CreateMultipartUpload goes out with the first parts and every failure, abort or abandoned
//     upload ends in AbortMultipartUpload (s3_upload.h).
//   - get(): ranged GETs of S3Options::read_chunk_size, the later ones with If-Match on the first
//     one's ETag, so that an object replaced mid-read fails (precondition_failed) instead of
//     mixing versions; a whole-object get checks the object's checksum (s3_integrity.h) and fails
//     with corrupt after the last chunk on a mismatch.
//   - list(): ListObjectsV2 with encoding-type=url; continuation tokens are the server's, wrapped.
//   - remove_batch(): DeleteObjects, 1000 keys per request (on GCS, DELETEs `concurrency` at a
//     time).
//   - if_absent: If-None-Match: * (x-goog-if-generation-match: 0 on GCS); see S3Options for
//     multipart uploads on servers that ignore it.
// Every request is retried by retry.h when it fails as transient or throttled.
//
// Blocking libcurl calls run on the store's pool (S3Options::concurrency threads) and complete on
// the caller's executor (coro_support.h). Cancellation stops a request in flight too (curl's
// progress callback sees a flag set by the caller's cancellation slot, within about a second).
#pragma once

#include <asio/thread_pool.hpp>
#include <memory>
#include <string>

#include "objstore/object_store.h"
#include "objstore/retry.h"
#include "objstore/s3_http.h"
#include "objstore/s3_options.h"
#include "objstore/s3_url.h"

namespace strata::objstore {

class S3ObjectStore final : public ObjectStore {
 public:
  // Checks the options and resolves the credentials (s3_credentials.h; may read a file, so call it
  // at startup). Does not contact the server.
  static result<std::unique_ptr<S3ObjectStore>> open(S3Options options);

  // Waits for the pool's outstanding work (background aborts of abandoned uploads included).
  // Every operation must have completed.
  ~S3ObjectStore() override;

  // "s3://bucket/prefix/ at http://127.0.0.1:7480"; never a secret.
  std::string describe() const override;
  const S3Options& options() const { return options_; }

 protected:
  asio::awaitable<result<ObjectInfo>> do_put(std::string key, bytes_view data, PutOptions options) override;
  asio::awaitable<result<std::unique_ptr<Upload>>> do_start_upload(std::string key, PutOptions options) override;
  asio::awaitable<result<GetResult>> do_get(std::string key, Sink sink, GetOptions options) override;
  asio::awaitable<result<ObjectInfo>> do_head(std::string key) override;
  asio::awaitable<result<ListPage>> do_list(ListOptions options) override;
  asio::awaitable<result<void>> do_remove(std::string key) override;
  asio::awaitable<result<std::vector<DeleteFailure>>> do_remove_batch(std::vector<std::string> keys) override;

 private:
  friend class S3Upload;

  explicit S3ObjectStore(S3Options options);

  // Sends `request` on the pool, retried while it fails as transient or throttled; a response
  // that is not 2xx comes back as its mapped error (s3_errors.h). `attempts`, when given, counts
  // the attempts made. A cancellable request in flight is stopped when the caller's cancellation
  // is emitted (ObjstoreErrc::cancelled); cleanup (aborting an upload) is not cancellable.
  asio::awaitable<result<HttpResponse>> send(HttpRequest request, std::string what, int* attempts,
                                             bool cancellable = true);
  // Sends `requests` at once (HttpClient::perform_many) and returns their outcomes in order as
  // send() would: those that fail as transient or throttled are retried one by one with send().
  asio::awaitable<std::vector<result<HttpResponse>>> send_batch(std::vector<HttpRequest> requests,
                                                                std::vector<std::string> whats);
  // One attempt of send().
  asio::awaitable<result<HttpResponse>> attempt(const HttpRequest& request, const std::string& what, bool cancellable);
  // A get()'s request in flight (an HttpStream) and where it is.
  struct GetStream;
  // One attempt at the next chunk of a get(): starts a request at s.pos if none is in flight, and
  // receives up to buffer.size() bytes from it (fewer only at the end of its range). Any failure
  // drops the request, so that the next attempt starts a new one where the last good chunk ended.
  asio::awaitable<result<size_t>> read_chunk(GetStream& s, std::span<std::byte> buffer);
  // One PUT of a whole object with its checksum metadata.
  asio::awaitable<result<ObjectInfo>> put_object(std::string key, bytes_view data, const PutOptions& options);
  // remove_batch() without DeleteObjects (GCS): DELETEs, `concurrency` at a time.
  asio::awaitable<result<std::vector<DeleteFailure>>> remove_one_by_one(std::vector<std::string> keys);
  // HEAD of a full key, for checks after an ambiguous retry.
  asio::awaitable<result<ObjectInfo>> head_full(std::string key);
  // The header of a create-only write: If-None-Match: * or x-goog-if-generation-match: 0.
  std::string if_absent_header() const;
  std::string full_key(std::string_view key) const { return options_.prefix + std::string(key); }

  S3Options options_;
  S3Url url_;
  HttpClient http_;
  Retrier retrier_;
  asio::thread_pool pool_;
};

}  // namespace strata::objstore
