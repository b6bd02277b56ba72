#include "objstore/s3_upload.h"

#include <fmt/format.h>

#include <asio/post.hpp>

#include "base/clock.h"
#include "base/crc32c.h"
#include "objstore/coro_support.h"
#include "objstore/s3_errors.h"
#include "objstore/s3_headers.h"
#include "objstore/s3_integrity.h"
#include "objstore/s3_object_store.h"

namespace strata::objstore {

S3Upload::S3Upload(S3ObjectStore& store, std::string key, PutOptions options)
    : Upload(std::move(key)), store_(store), options_(std::move(options)) {}

S3Upload::~S3Upload() {
  if (!is_open() || upload_id_.empty()) return;
  // Abandoned: abort in the background, once, without retries (a leftover upload costs storage
  // until a bucket lifecycle rule removes it, but is never visible as an object).
  HttpRequest request;
  request.method = "DELETE";
  request.url = store_.url_.object(store_.full_key(key()), {{"uploadId", upload_id_}});
  request.payload_sha256 = std::string(kEmptySha256);
  asio::post(store_.pool_, [client = &store_.http_, request = std::move(request), what = "abort upload " + key()] {
    result<HttpResponse> r = client->perform(request, what);
    (void)r;
  });
}

asio::awaitable<result<void>> S3Upload::create() {
  HttpRequest request;
  request.method = "POST";
  request.url = store_.url_.object(store_.full_key(key()), {{"uploads", ""}});
  request.headers.push_back("Content-Type: application/octet-stream");
  request.headers.push_back(fmt::format("{}{}: {}", metadata_prefix(store_.options_.dialect), kPartSizeMetadataName,
                                        store_.options_.part_size));
  add_metadata_headers(store_.options_.dialect, options_.metadata, request.headers);
  OBJSTORE_CO_TRY_ASSIGN(HttpResponse response,
                         co_await store_.send(std::move(request), "start upload " + key(), nullptr));
  OBJSTORE_CO_TRY_ASSIGN(upload_id_, parse_upload_id(response.text));
  co_return success();
}

asio::awaitable<result<void>> S3Upload::send_pending() {
  if (pending_.empty()) co_return success();
  if (upload_id_.empty()) OBJSTORE_CO_TRY(co_await create());
  const size_t first = parts_.size() + 1;
  if (first + pending_.size() - 1 > S3Options::kMaxParts) {
    co_return Error(ObjstoreErrc::invalid_argument,
                    fmt::format("upload {}: more than {} parts of {} bytes; raise the part size", key(),
                                S3Options::kMaxParts, store_.options_.part_size));
  }
  // Checksums on the pool, not on the caller's event loop: the CRC32C of the whole object here;
  // with upload_md5, the MD5 of each part by the HTTP client while it sends the part (and its
  // SHA-256 before, when payloads are signed).
  auto extend_crc = [this] {
    uint32_t crc = crc_;
    for (const bytes& part : pending_) crc = crc32c::extend(crc, part);
    return crc;
  };
  crc_ = co_await offload(store_.pool_.get_executor(), std::move(extend_crc));
  std::vector<HttpRequest> requests;
  std::vector<std::string> whats;
  for (size_t i = 0; i < pending_.size(); ++i) {
    const std::string number = std::to_string(first + i);
    HttpRequest request;
    request.method = "PUT";
    request.url = store_.url_.object(store_.full_key(key()), {{"partNumber", number}, {"uploadId", upload_id_}});
    request.body = pending_[i];
    request.hash_body = store_.options_.upload_md5;
    requests.push_back(std::move(request));
    whats.push_back(fmt::format("upload {} part {}", key(), number));
  }
  std::vector<result<HttpResponse>> responses = co_await store_.send_batch(std::move(requests), whats);
  for (size_t i = 0; i < responses.size(); ++i) {
    OBJSTORE_CO_TRY(responses[i]);
    const std::optional<std::string_view> etag = responses[i]->header("etag");
    if (!etag) co_return Error(ObjstoreErrc::permanent, whats[i] + ": the response has no ETag");
    // With upload_md5, a damaged part is caught here, before it can become part of an object.
    // Without, the parts' ETags (the MD5s of what the server stored) make the object's ETag, which
    // the reader checks.
    if (responses[i]->body_md5) OBJSTORE_CO_TRY(check_stored_md5(store_.options_.dialect, *responses[i], whats[i]));
    parts_.push_back(S3Part{static_cast<uint32_t>(first + i), std::string(*etag)});
    const std::optional<Md5Digest> part_md5 = responses[i]->body_md5 ? responses[i]->body_md5 : etag_md5(*etag);
    if (part_md5) {
      part_md5s_.push_back(*part_md5);
    } else {
      part_md5s_known_ = false;  // an ETag that is no MD5 (SSE-KMS): the object's cannot be predicted
    }
  }
  pending_.clear();
  co_return success();
}

asio::awaitable<result<void>> S3Upload::do_write(bytes_view data) {
  size_ += data.size();
  const size_t part_size = store_.options_.part_size;
  while (!data.empty()) {
    const size_t n = std::min(data.size(), part_size - part_.size());
    part_.insert(part_.end(), data.begin(), data.begin() + static_cast<std::ptrdiff_t>(n));
    data = data.subspan(n);
    if (part_.size() < part_size) continue;
    pending_.push_back(std::move(part_));
    part_ = bytes();
    if (pending_.size() == store_.options_.upload_parallelism) {
      const bool cancelled = co_await cancellation_requested();
      if (cancelled) co_return cancelled_error("upload " + key() + ": write");
      OBJSTORE_CO_TRY(co_await send_pending());
    }
  }
  co_return success();
}

asio::awaitable<result<ObjectInfo>> S3Upload::do_complete() {
  if (upload_id_.empty() && pending_.empty()) {
    // Never filled a part: one PUT, conditional on the server if need be.
    OBJSTORE_CO_TRY_ASSIGN(ObjectInfo info, co_await store_.put_object(key(), part_, options_));
    part_ = bytes();
    co_return info;
  }
  if (!part_.empty()) pending_.push_back(std::move(part_));
  part_ = bytes();
  OBJSTORE_CO_TRY(co_await send_pending());
  if (options_.if_absent && !store_.options_.trust_conditional_complete) {
    // The server may ignore If-None-Match on CompleteMultipartUpload (Ceph RGW 16 does): check
    // first. Atomic only on a server that honours the header, which is sent as well.
    result<ObjectInfo> existing = co_await store_.head_full(store_.full_key(key()));
    if (existing) {
      co_return Error(ObjstoreErrc::precondition_failed,
                      fmt::format("put {}: the key exists (create-only put)", key()));
    }
    if (!existing.error().is(ObjstoreErrc::not_found)) co_return existing.error();
  }
  co_return co_await complete_multipart();
}

asio::awaitable<result<ObjectInfo>> S3Upload::complete_multipart() {
  const std::string body = complete_body(parts_);
  // Empty when a part's MD5 is unknown; then only the server's ETag is known.
  const std::string computed_etag = part_md5s_known_ ? multipart_etag(part_md5s_) : std::string();
  HttpRequest request;
  request.method = "POST";
  request.url = store_.url_.object(store_.full_key(key()), {{"uploadId", upload_id_}});
  request.body = as_bytes_view(body);
  request.headers.push_back("Content-Type: application/xml");
  if (options_.if_absent) request.headers.push_back(store_.if_absent_header());
  const std::string what = "complete upload " + key();
  int attempts = 0;
  result<HttpResponse> response = co_await store_.send(std::move(request), what, &attempts);
  std::string etag;
  if (!response && response.error().is(ObjstoreErrc::not_found) && attempts > 1) {
    // NoSuchUpload after a retry: an earlier attempt may have completed it unseen. It did if the
    // object now has exactly our parts.
    result<ObjectInfo> existing = co_await store_.head_full(store_.full_key(key()));
    if (!existing || computed_etag.empty() || existing->etag != computed_etag) co_return response.error();
    etag = existing->etag;
  } else {
    OBJSTORE_CO_TRY(response);
    OBJSTORE_CO_TRY_ASSIGN(CompleteResult completed, parse_complete(response->text));
    if (completed.error) {
      co_return s3_error(0, completed.error->code, completed.error->message, completed.error->request_id, what);
    }
    etag = completed.etag.empty() ? computed_etag : completed.etag;
    if (etag.empty()) co_return Error(ObjstoreErrc::permanent, what + ": the response has no ETag");
    const std::optional<std::string_view> sse = response->header("x-amz-server-side-encryption");
    const bool md5_etag = store_.options_.dialect == S3Dialect::s3 && !(sse && sse->starts_with("aws:kms"));
    if (md5_etag && !computed_etag.empty() && etag != computed_etag) {
      co_return Error(ObjstoreErrc::corrupt,
                      fmt::format("{}: the server's ETag {} does not match the parts sent ({}): it stored "
                                  "different bytes",
                                  what, etag, computed_etag));
    }
  }
  upload_id_.clear();
  ObjectInfo info;
  info.key = key();
  info.size = size_;
  info.etag = std::move(etag);
  info.crc32c = crc_;
  info.last_modified_ms = system_clock().now_wall_ms();
  info.metadata = options_.metadata;
  co_return info;
}

asio::awaitable<result<void>> S3Upload::do_abort() {
  part_ = bytes();
  pending_.clear();
  if (upload_id_.empty()) co_return success();
  HttpRequest request;
  request.method = "DELETE";
  request.url = store_.url_.object(store_.full_key(key()), {{"uploadId", upload_id_}});
  request.payload_sha256 = std::string(kEmptySha256);
  // Not cancellable: this is the cleanup, which must run when the upload was cancelled.
  result<HttpResponse> response =
      co_await store_.send(std::move(request), "abort upload " + key(), nullptr, /*cancellable=*/false);
  upload_id_.clear();
  if (!response && !response.error().is(ObjstoreErrc::not_found)) co_return response.error();
  co_return success();
}

}  // namespace strata::objstore
