// Options of the S3 backend (s3_object_store.h), and how they are built from the broker's
// Kafka-style keys (`rsm.config.s3.*`, `rsm.config.gcs.*`) or from a location URL
// (`s3://bucket/prefix?endpoint=...`, `gs://bucket/prefix`). GCS is reached through its
// S3-interoperable XML API with HMAC keys: the same client, with the differences in S3Dialect.
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <map>
#include <string>
#include <string_view>

#include "base/result.h"
#include "objstore/retry.h"

namespace strata::objstore {

// What differs between AWS S3 (and S3-compatible servers such as Ceph RGW or MinIO) and GCS's XML
// API. See README.md ("GCS") for why each difference exists.
enum class S3Dialect {
  s3,   // AWS4-HMAC-SHA256, x-amz-* headers, If-None-Match: * for create-only, DeleteObjects
  gcs,  // GOOG4-HMAC-SHA256, x-goog-* headers, x-goog-if-generation-match: 0, single deletes
};

struct S3Credentials {
  std::string access_key_id;
  std::string secret_access_key;  // never logged, never in an error message
  std::string session_token;      // optional (temporary credentials)

  bool empty() const { return access_key_id.empty() && secret_access_key.empty(); }
};

struct S3Options {
  static constexpr size_t kMinPartSize = 5ULL * 1024 * 1024;  // S3's floor for every part but the last
  static constexpr size_t kMaxPartSize = 5ULL * 1024 * 1024 * 1024;
  static constexpr size_t kMaxParts = 10'000;  // S3's cap on parts per upload
  static constexpr size_t kDefaultPartSize = 8ULL * 1024 * 1024;
  static constexpr size_t kDefaultReadChunkSize = 4ULL * 1024 * 1024;
  static constexpr size_t kDefaultMultipartThreshold = 64ULL * 1024 * 1024;
  static constexpr size_t kDefaultConcurrency = 8;
  static constexpr size_t kDefaultUploadParallelism = 4;
  static constexpr size_t kMaxUploadParallelism = 16;
  static constexpr size_t kDeleteBatchSize = 1000;  // S3's cap on keys per DeleteObjects

  S3Dialect dialect = S3Dialect::s3;
  std::string bucket;
  // Key prefix inside the bucket under which every key of this store lives; stored with a
  // trailing '/' when not empty.
  std::string prefix;
  std::string region = "us-east-1";
  // scheme://host[:port] of the service; empty: AWS's regional endpoint (s3) or
  // https://storage.googleapis.com (gcs).
  std::string endpoint;
  // https://endpoint/bucket/key instead of https://bucket.endpoint/key.
  bool path_style = false;
  // Empty: from the environment or the shared credentials file (s3_credentials.h).
  S3Credentials credentials;

  // Blocking HTTP requests run on this many threads, each with its own connection: the most
  // requests in flight at once.
  size_t concurrency = kDefaultConcurrency;
  std::chrono::milliseconds connect_timeout{5'000};
  // Whole-request limit; a part or a read chunk must move within it.
  std::chrono::milliseconds request_timeout{60'000};
  // A transfer slower than 1 KiB/s for this long is cut (a stalled connection).
  std::chrono::milliseconds stall_timeout{15'000};
  RetryPolicy retry;

  // Streamed uploads send parts of this size (the last one smaller)...
  size_t part_size = kDefaultPartSize;
  // ...this many at once, over parallel connections: an upload buffers up to this many parts.
  size_t upload_parallelism = kDefaultUploadParallelism;
  // put() of more bytes than this goes through a multipart upload.
  size_t multipart_threshold = kDefaultMultipartThreshold;
  // Bytes per ranged GET request of a get(), and the largest chunk handed to a sink.
  size_t read_chunk_size = kDefaultReadChunkSize;
  // Multipart uploads with if_absent: servers that ignore If-None-Match on
  // CompleteMultipartUpload (Ceph RGW 16) get a HEAD check first, which leaves a race window of
  // one round trip against another creator (README.md, "Conditional create"). Set when the server
  // is known to honour the header (AWS since 2024-08) to skip the check.
  bool trust_conditional_complete = false;
  // Whole-object gets of objects that carry no checksum Strata can check (written by another
  // tool as multipart, or encrypted with SSE-KMS) fail with corrupt unless this is set.
  bool allow_unverified_reads = false;
  // S3 dialect: send every body's SHA-256 as its signed payload hash, checked by the server,
  // instead of UNSIGNED-PAYLOAD. Off by default: a body is covered by its MD5 instead (Content-MD5
  // on create-only PUTs, else the MD5 computed while sending compared with the server's ETag) and
  // by the CRC32C the reader checks; hashing each body twice more (here before sending, then on the
  // server) slowed large PUTs (bench/README.md). GCS bodies are always sent with their SHA-256.
  bool sign_payload = false;
  // S3 dialect, unsigned payloads: compute the MD5 of every PUT body and part while sending it and
  // fail the write as corrupt when the server's ETag differs. Off by default: the reader's check
  // (the CRC32C in the metadata, the multipart ETag the server binds at completion) is what
  // guarantees that bad bytes are never returned, and this second pass cost a fifth of PUT
  // throughput (about 2 ns a byte on the sending thread, bench/README.md). Turn it on to learn of
  // damage at write time rather than at the first read (over plain HTTP, where only TCP's checksum
  // covers the bytes in flight; TLS's record MAC already does over HTTPS). Create-only PUTs send
  // Content-MD5 either way.
  bool upload_md5 = false;
};

// Checks ranges and required fields, fills the endpoint default and normalizes the prefix.
result<S3Options> finish_options(S3Options options);

// From the broker's keys: rsm.config.s3.bucket, .region, .endpoint, .path.style.access, .prefix,
// .access.key.id, .secret.access.key (and .session.token, .part.size, .concurrency,
// .request.timeout.ms, .connect.timeout.ms, .retry.deadline.ms, .retry.max.attempts,
// .upload.parallelism, .multipart.threshold, .read.chunk.size, .sign.payload, .checksum.upload.md5). Unknown
// rsm.config.s3.* keys are refused, so that a typo does not pass silently; other keys are ignored.
result<S3Options> s3_options_from_config(const std::map<std::string, std::string>& config);
// The same for GCS: rsm.config.gcs.bucket, .prefix, .endpoint, .hmac.access.key (or
// .access.key.id), .hmac.secret (or .secret.access.key), and the tuning keys above.
result<S3Options> gcs_options_from_config(const std::map<std::string, std::string>& config);

// s3://bucket/prefix?endpoint=http://127.0.0.1:7480&region=us-east-1&path_style=true and
// gs://bucket/prefix?endpoint=...; credentials never come from a URL.
result<S3Options> options_from_url(std::string_view url);

}  // namespace strata::objstore
