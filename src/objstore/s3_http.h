// Blocking, signed HTTP requests for the S3 backend, over libcurl. Signing is curl's
// (CURLOPT_AWS_SIGV4, AWS4-HMAC-SHA256 or GCS's GOOG4-HMAC-SHA256); the payload hash header
// (x-amz-content-sha256 / x-goog-content-sha256), which curl 7.88 does not add, is ours: the
// body's signed SHA-256, which the server checks, or UNSIGNED-PAYLOAD
// (HttpClientOptions::unsigned_payload), where the body is covered by its MD5 instead (Content-MD5,
// or HttpRequest::hash_body and the caller's comparison with the server's ETag).
//
// Connections are reused: each request borrows an easy handle from a pool and gives it back with
// its live connection, so with N threads issuing requests there are at most N connections (plus
// those of batches, perform_many, which keep theirs in a pool of multi handles).
// Runs on the backend's pool threads only (s3_object_store.h), never on an event loop.
#pragma once

#include <atomic>
#include <chrono>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "base/bytes.h"
#include "base/result.h"
#include "objstore/s3_digest.h"
#include "objstore/s3_options.h"

namespace strata::objstore {

struct HttpResponse;

struct HttpRequest {
  std::string method = "GET";        // GET, HEAD, PUT, POST, DELETE
  std::string url;                   // already encoded (s3_url.h)
  std::vector<std::string> headers;  // "Name: value"; not the signature or payload hash (sigv4)
  bytes_view body;                   // sent as is (PUT, POST)
  // The payload hash header's value (sigv4 only); empty: UNSIGNED-PAYLOAD under
  // HttpClientOptions::unsigned_payload when there is a body, else the SHA-256 hex of `body`,
  // computed here.
  std::string payload_sha256;
  // Where a successful (2xx) response body goes; it fails with permanent if the server sends
  // more. Empty: into HttpResponse::text, up to kMaxTextBody.
  std::span<std::byte> body_out;
  // Sends Content-MD5 of the body, computed here before the body is sent (on the pool, not the
  // caller's loop) and returned in HttpResponse::body_md5.
  bool content_md5 = false;
  // Computes the MD5 of the body while curl reads it (one pass, no wait before the first byte) and
  // returns it in HttpResponse::body_md5; nothing is sent. The caller compares it with what the
  // server says it stored (the ETag).
  bool hash_body = false;
  // Called on the pool thread with each piece of a successful (2xx) response body, in order, once
  // it is in body_out (or text); `offset` is where the piece starts in this response's body, so 0
  // starts a new attempt. Checksums verified here read the bytes while they are in cache.
  std::function<void(const HttpResponse& response, uint64_t offset, bytes_view piece)> on_received;
  // When set and it becomes true (from any thread), the transfer stops within about a second
  // and perform() fails with cancelled.
  const std::atomic<bool>* cancel = nullptr;
};

struct HttpResponse {
  static constexpr size_t kMaxTextBody = 64ULL * 1024 * 1024;

  long status = 0;
  std::vector<std::pair<std::string, std::string>> headers;  // names in lower case, in order
  std::string text;                                          // the body, unless it went to body_out
  size_t body_size = 0;                                      // bytes written to body_out
  std::optional<Md5Digest> body_md5;  // of the request body, when HttpRequest::content_md5 or hash_body

  // The first header of this name (lower case), if any.
  std::optional<std::string_view> header(std::string_view name) const;
};

// Who signs a request.
enum class HttpSigning {
  sigv4,   // curl, by CURLOPT_AWS_SIGV4 with `credentials`, plus the payload hash header (S3, GCS)
  caller,  // the caller: its headers carry the Authorization (Azure SharedKey, azure_auth.h); no
           // header is added here, so that what the caller signed is what is sent
};

struct HttpClientOptions {
  HttpSigning signing = HttpSigning::sigv4;
  S3Dialect dialect = S3Dialect::s3;
  std::string region;
  S3Credentials credentials;
  std::chrono::milliseconds connect_timeout{5'000};
  std::chrono::milliseconds request_timeout{60'000};
  std::chrono::milliseconds stall_timeout{15'000};
  // Sigv4 bodies go with the payload hash UNSIGNED-PAYLOAD instead of their SHA-256 (headers are
  // still signed): one pass over every body less, here and on the server.
  bool unsigned_payload = false;
};

class HttpClient;

// A request whose response body is received one caller buffer at a time
// (HttpClient::open_stream), over one connection: between read() calls the transfer is simply not
// driven, so the server is held back by TCP flow control while the caller uses what it received.
// One request instead of one per buffer lets the server read ahead (Ceph RGW prefetches its RADOS
// objects within a request) and saves a round trip per buffer. Used by one thread at a time, any
// pool thread; destroying it before the body ended drops the connection.
class HttpStream {
 public:
  ~HttpStream();
  HttpStream(const HttpStream&) = delete;
  HttpStream& operator=(const HttpStream&) = delete;

  // Receives body bytes into `into` until it is full or the body ended, calling the request's
  // on_received for each piece as it is placed (offset: from the start of this response's body).
  // The first call also receives the headers (response()). Fails as HttpClient::perform() would
  // (the stream is then unusable). A response that is not 2xx is not a failure here: its body goes
  // to response().text and ended() is true.
  result<size_t> read(std::span<std::byte> into);
  bool ended() const { return ended_; }
  // The status and headers once the first read() returned; body_size counts the bytes read.
  const HttpResponse& response() const;

 private:
  friend class HttpClient;
  struct State;
  explicit HttpStream(std::unique_ptr<State> state);

  std::unique_ptr<State> state_;
  bool ended_ = false;
};

class HttpClient {
 public:
  explicit HttpClient(HttpClientOptions options);
  ~HttpClient();
  HttpClient(const HttpClient&) = delete;
  HttpClient& operator=(const HttpClient&) = delete;

  // Sends the request and returns the response of any status. Fails (transient) only when no
  // response came: connection refused or reset, timeout, a cut transfer; (cancelled) when
  // request.cancel was set; or (permanent) for a local problem. `what` ("PUT key") leads the error
  // message.
  result<HttpResponse> perform(const HttpRequest& request, std::string_view what);

  // Sends several requests at once over parallel connections (curl's multi interface) and
  // returns their outcomes in order, as perform() would. `whats` names each request.
  std::vector<result<HttpResponse>> perform_many(std::span<const HttpRequest> requests,
                                                 std::span<const std::string> whats);

  // Starts `request` (a GET; body_out is ignored) whose successful response body is at most
  // `max_body` bytes (more fails as permanent, as with body_out); nothing is sent until the first
  // read().
  std::unique_ptr<HttpStream> open_stream(const HttpRequest& request, std::string what, uint64_t max_body);

  // The name of the payload hash header ("x-amz-content-sha256").
  std::string_view payload_hash_header() const;

 private:
  friend class HttpStream;
  struct Call;

  void* acquire();
  void release(void* handle);
  void* acquire_multi();
  void release_multi(void* multi);
  // Takes a handle and sets it up for `request`; false if that failed.
  bool setup(Call& call, const HttpRequest& request);
  // Gives the handle back (or drops its connection) and turns curl's result into ours.
  result<HttpResponse> finish(Call& call, int curl_code, std::string_view what);

  HttpClientOptions options_;
  std::string sigv4_;  // "aws:amz:us-east-1:s3"
  std::mutex mu_;
  std::vector<void*> idle_;        // CURL* handles with their connections, guarded by mu_
  std::vector<void*> idle_multi_;  // CURLM* handles with their connections, guarded by mu_
};

}  // namespace strata::objstore
