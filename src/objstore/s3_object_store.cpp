#include "objstore/s3_object_store.h"

#include <fmt/format.h>

#include <algorithm>
#include <asio/cancellation_signal.hpp>
#include <asio/cancellation_state.hpp>
#include <asio/this_coro.hpp>
#include <atomic>
#include <memory>

#include "base/clock.h"
#include "base/crc32c.h"
#include "objstore/coro_support.h"
#include "objstore/s3_credentials.h"
#include "objstore/s3_digest.h"
#include "objstore/s3_errors.h"
#include "objstore/s3_headers.h"
#include "objstore/s3_integrity.h"
#include "objstore/s3_upload.h"
#include "objstore/s3_xml.h"

namespace strata::objstore {

namespace {

// Marks continuation tokens of this backend: "1" + hex of the server's token. Anything else
// passed back is refused as invalid_argument before it reaches the server.
constexpr char kTokenVersion = '1';

// A get() asks for this many read_chunk_size chunks per request (S3ObjectStore::read_chunk).
constexpr uint64_t kChunksPerRequest = 16;

std::string wrap_token(std::string_view server_token) {
  return std::string(1, kTokenVersion) + to_hex(as_bytes_view(server_token));
}

std::optional<std::string> unwrap_token(std::string_view token) {
  if (token.empty() || token.front() != kTokenVersion || token.size() % 2 == 0) return std::nullopt;
  std::string out;
  for (size_t i = 1; i < token.size(); i += 2) {
    int v = 0;
    for (char c : token.substr(i, 2)) {
      v <<= 4;
      if (c >= '0' && c <= '9') {
        v |= c - '0';
      } else if (c >= 'a' && c <= 'f') {
        v |= c - 'a' + 10;
      } else {
        return std::nullopt;
      }
    }
    out.push_back(static_cast<char>(v));
  }
  return out;
}

HttpClientOptions http_options(const S3Options& o) {
  HttpClientOptions h;
  h.dialect = o.dialect;
  h.region = o.region;
  h.credentials = o.credentials;
  h.connect_timeout = o.connect_timeout;
  h.request_timeout = o.request_timeout;
  h.stall_timeout = o.stall_timeout;
  h.unsigned_payload = o.dialect == S3Dialect::s3 && !o.sign_payload;
  return h;
}

}  // namespace

result<std::unique_ptr<S3ObjectStore>> S3ObjectStore::open(S3Options options) {
  STRATA_TRY_ASSIGN(options, finish_options(std::move(options)));
  STRATA_TRY_ASSIGN(options.credentials, resolve_credentials(options.credentials));
  return std::unique_ptr<S3ObjectStore>(new S3ObjectStore(std::move(options)));
}

S3ObjectStore::S3ObjectStore(S3Options options)
    : options_(std::move(options)),
      url_(options_),
      http_(http_options(options_)),
      retrier_(options_.retry, system_clock(), timer_sleeper()),
      pool_(options_.concurrency) {}

S3ObjectStore::~S3ObjectStore() { pool_.join(); }

std::string S3ObjectStore::describe() const {
  return fmt::format("{}://{}/{} at {}", options_.dialect == S3Dialect::gcs ? "gs" : "s3", options_.bucket,
                     options_.prefix, options_.endpoint);
}

std::string S3ObjectStore::if_absent_header() const {
  return options_.dialect == S3Dialect::gcs ? "x-goog-if-generation-match: 0" : "If-None-Match: *";
}

asio::awaitable<result<HttpResponse>> S3ObjectStore::attempt(const HttpRequest& request, const std::string& what,
                                                             bool cancellable) {
  // The flag outlives this frame: the slot's handler may run after it is gone.
  auto cancel = std::make_shared<std::atomic<bool>>(false);
  asio::cancellation_slot slot;
  if (cancellable) {
    asio::cancellation_state state = co_await asio::this_coro::cancellation_state;
    if (state.cancelled() != asio::cancellation_type::none) co_return cancelled_error(what);
    slot = state.slot();
    if (slot.is_connected()) slot.assign([cancel](asio::cancellation_type) { cancel->store(true); });
  }
  auto perform = [this, &request, &what, cancel, cancellable]() -> result<HttpResponse> {
    HttpRequest with_flag = request;  // a shallow copy: bodies are borrowed views
    if (cancellable) with_flag.cancel = cancel.get();
    STRATA_TRY_ASSIGN(HttpResponse response, http_.perform(with_flag, what));
    if (response.status < 200 || response.status >= 300) return s3_error(response, what);
    return response;
  };
  result<HttpResponse> r = co_await offload(pool_.get_executor(), std::move(perform));
  if (slot.is_connected()) slot.clear();
  co_return r;
}

asio::awaitable<std::vector<result<HttpResponse>>> S3ObjectStore::send_batch(std::vector<HttpRequest> requests,
                                                                             std::vector<std::string> whats) {
  auto cancel = std::make_shared<std::atomic<bool>>(false);
  asio::cancellation_state state = co_await asio::this_coro::cancellation_state;
  asio::cancellation_slot slot = state.slot();
  if (state.cancelled() != asio::cancellation_type::none) cancel->store(true);
  if (slot.is_connected()) slot.assign([cancel](asio::cancellation_type) { cancel->store(true); });
  auto perform = [this, &requests, &whats, cancel]() {
    std::vector<HttpRequest> with_flag = requests;  // shallow copies: bodies are borrowed views
    for (HttpRequest& r : with_flag) r.cancel = cancel.get();
    std::vector<result<HttpResponse>> out = http_.perform_many(with_flag, whats);
    for (size_t i = 0; i < out.size(); ++i) {
      if (out[i] && (out[i]->status < 200 || out[i]->status >= 300)) out[i] = s3_error(*out[i], whats[i]);
    }
    return out;
  };
  std::vector<result<HttpResponse>> out = co_await offload(pool_.get_executor(), std::move(perform));
  if (slot.is_connected()) slot.clear();
  for (size_t i = 0; i < out.size(); ++i) {
    if (out[i] || !is_retryable(out[i].error())) continue;
    out[i] = co_await send(std::move(requests[i]), whats[i], nullptr);
  }
  co_return out;
}

asio::awaitable<result<HttpResponse>> S3ObjectStore::send(HttpRequest request, std::string what, int* attempts,
                                                          bool cancellable) {
  auto one = [this, &request, &what, attempts, cancellable]() {
    if (attempts != nullptr) ++*attempts;
    return attempt(request, what, cancellable);
  };
  co_return co_await retrier_.run(what, std::move(one));
}

asio::awaitable<result<ObjectInfo>> S3ObjectStore::head_full(std::string full) {
  HttpRequest request;
  request.method = "HEAD";
  request.url = url_.object(full);
  request.payload_sha256 = std::string(kEmptySha256);
  OBJSTORE_CO_TRY_ASSIGN(HttpResponse response, co_await send(std::move(request), "head " + full, nullptr));
  OBJSTORE_CO_TRY_ASSIGN(S3ObjectHead head, parse_object_head(options_.dialect, response));
  co_return std::move(head.info);
}

asio::awaitable<result<ObjectInfo>> S3ObjectStore::put_object(std::string key, bytes_view data,
                                                              const PutOptions& options) {
  // On the pool: up to multipart_threshold bytes, too many to checksum on the caller's loop.
  auto checksum = [data] { return crc32c::compute(data); };
  const uint32_t crc = co_await offload(pool_.get_executor(), std::move(checksum));
  HttpRequest request;
  request.method = "PUT";
  request.url = url_.object(full_key(key));
  request.body = data;
  request.headers.push_back("Content-Type: application/octet-stream");
  request.headers.push_back(
      fmt::format("{}{}: {}", metadata_prefix(options_.dialect), kCrcMetadataName, crc32c_hex(crc)));
  add_metadata_headers(options_.dialect, options.metadata, request.headers);
  if (options.if_absent) request.headers.push_back(if_absent_header());
  // Unsigned bodies: a create-only PUT sends its MD5 first (Content-MD5), so that a damaged body
  // is refused rather than stored where no retry may replace it. Any other PUT is covered by the
  // CRC32C the reader checks, and with upload_md5 also by its MD5, computed while sending and
  // checked against the server's ETag (a damaged object is replaced by the caller's next attempt).
  const bool unsigned_payload = options_.dialect == S3Dialect::s3 && !options_.sign_payload;
  const bool check_etag = unsigned_payload && !options.if_absent && options_.upload_md5;
  request.content_md5 = unsigned_payload && options.if_absent;
  request.hash_body = check_etag;
  const std::string what = "put " + key;
  int attempts = 0;
  result<HttpResponse> response = co_await send(std::move(request), what, &attempts);
  if (response && check_etag) {
    result<void> stored = check_stored_md5(options_.dialect, *response, what);
    if (!stored) co_return stored.error();
  }
  if (!response && response.error().is(ObjstoreErrc::precondition_failed) && attempts > 1) {
    // A retried create-only PUT can fail because its own earlier attempt succeeded unseen: the
    // object is ours if it has our checksum and our MD5.
    result<ObjectInfo> existing = co_await head_full(full_key(key));
    if (existing && existing->crc32c == crc && existing->etag == to_hex(md5(data))) {
      existing->key = std::move(key);
      co_return std::move(existing).value();
    }
  }
  OBJSTORE_CO_TRY(response);
  ObjectInfo info;
  info.key = std::move(key);
  info.size = data.size();
  if (const auto etag = response->header("etag")) {
    info.etag = std::string(*etag);
    if (info.etag.size() >= 2 && info.etag.front() == '"') info.etag = info.etag.substr(1, info.etag.size() - 2);
  }
  info.crc32c = crc;
  info.last_modified_ms = system_clock().now_wall_ms();
  info.metadata = options.metadata;
  co_return info;
}

asio::awaitable<result<ObjectInfo>> S3ObjectStore::do_put(std::string key, bytes_view data, PutOptions options) {
  if (data.size() <= options_.multipart_threshold) co_return co_await put_object(std::move(key), data, options);
  S3Upload upload(*this, std::move(key), std::move(options));
  OBJSTORE_CO_TRY(co_await upload.write(data));
  co_return co_await upload.complete();
}

asio::awaitable<result<std::unique_ptr<Upload>>> S3ObjectStore::do_start_upload(std::string key, PutOptions options) {
  co_return std::unique_ptr<Upload>(std::make_unique<S3Upload>(*this, std::move(key), std::move(options)));
}

struct S3ObjectStore::GetStream {
  std::string what;
  std::string url;
  std::string quoted_etag;  // If-Match of every request after the first response
  uint64_t pos = 0;         // the next byte to receive
  uint64_t stop = 0;        // the end of the bytes wanted (known exactly after the first response)
  uint64_t chunk_size = 0;  // bytes handed to the sink at a time
  // Called with each piece received, on the pool (HttpRequest::on_received).
  std::function<void(const HttpResponse&, uint64_t, bytes_view)> on_received;
  // Stops the request in flight from the caller's cancellation slot (shared: a slot handler may
  // run after this frame is gone). Declared before `http`, which reads it until destroyed.
  std::shared_ptr<std::atomic<bool>> cancel = std::make_shared<std::atomic<bool>>(false);
  // The request in flight and the end of its range.
  std::unique_ptr<HttpStream> http;
  uint64_t http_end = 0;
};

asio::awaitable<result<size_t>> S3ObjectStore::read_chunk(GetStream& s, std::span<std::byte> buffer) {
  asio::cancellation_state state = co_await asio::this_coro::cancellation_state;
  if (state.cancelled() != asio::cancellation_type::none) co_return cancelled_error(s.what);
  asio::cancellation_slot slot = state.slot();
  if (slot.is_connected()) slot.assign([cancel = s.cancel](asio::cancellation_type) { cancel->store(true); });
  auto receive = [this, &s, buffer]() -> result<size_t> {
    if (!s.http) {
      // One request covers kChunksPerRequest chunks: the server reads ahead within a request, and
      // each request costs a round trip; more would hold one request open for longer than
      // request_timeout is meant for (a slow sink holds the transfer while it works).
      const uint64_t span = s.chunk_size * kChunksPerRequest;
      s.http_end = s.stop - s.pos <= span ? s.stop : s.pos + span;
      HttpRequest request;
      request.url = s.url;
      request.payload_sha256 = std::string(kEmptySha256);
      request.headers.push_back(fmt::format("Range: bytes={}-{}", s.pos, s.http_end - 1));
      if (!s.quoted_etag.empty()) request.headers.push_back("If-Match: " + s.quoted_etag);
      request.on_received = s.on_received;
      request.cancel = s.cancel.get();
      s.http = http_.open_stream(request, s.what, s.http_end - s.pos);
    }
    result<size_t> n = s.http->read(buffer);
    if (n && s.http->ended()) {
      const HttpResponse& r = s.http->response();
      if (r.status < 200 || r.status >= 300) n = s3_error(r, s.what);
    }
    if (!n) s.http.reset();
    return n;
  };
  result<size_t> n = co_await offload(pool_.get_executor(), std::move(receive));
  if (slot.is_connected()) slot.clear();
  co_return n;
}

asio::awaitable<result<GetResult>> S3ObjectStore::do_get(std::string key, Sink sink, GetOptions options) {
  const uint64_t first = options.range ? options.range->offset : 0;
  const uint64_t wanted = options.range ? options.range->length : ByteRange::kToEnd;
  // Not zeroed (a std::vector would write every byte once before curl does).
  const size_t buffer_size = static_cast<size_t>(std::min<uint64_t>(options_.read_chunk_size, wanted));
  const std::unique_ptr<std::byte[]> buffer_memory(new std::byte[std::max<size_t>(buffer_size, 1)]);
  const std::span<std::byte> buffer(buffer_memory.get(), buffer_size);
  GetResult got;
  // A whole-object get checks the bytes while they arrive, on the pool in curl's write callback:
  // `verifying` is `verifier` (the chunks handed to the sink so far, nothing before the first
  // response) plus what came of the chunk in flight; it starts over from `verifier` with each
  // request, and becomes `verifier` when a chunk arrived whole.
  std::optional<ObjectVerifier> verifier;
  std::optional<ObjectVerifier> verifying;
  const S3Dialect dialect = options_.dialect;
  GetStream s;
  s.what = "get " + key;
  s.url = url_.object(full_key(key));
  s.pos = first;
  s.stop = wanted == ByteRange::kToEnd || wanted > ByteRange::kToEnd - first ? ByteRange::kToEnd : first + wanted;
  s.chunk_size = std::max<size_t>(buffer_size, 1);
  s.on_received = [&verifier, &verifying, dialect, first, wanted](const HttpResponse& r, uint64_t offset,
                                                                  bytes_view piece) {
    if (offset == 0) {
      verifying.reset();
      if (verifier) {
        verifying = verifier;
      } else if (first == 0) {
        result<S3ObjectHead> head = parse_object_head(dialect, r);
        if (head && wanted >= head->info.size) verifying.emplace(head->checksums);
      }
    }
    if (verifying) verifying->update(piece);
  };
  const std::string& what = s.what;
  bool whole = false;
  bool known = false;  // the first response came
  do {
    const bool cancelled = co_await cancellation_requested();
    if (cancelled) co_return cancelled_error(what);
    auto one = [this, &s, buffer] { return read_chunk(s, buffer); };
    result<size_t> received = co_await retrier_.run(what, std::move(one));
    if (!received && received.error().is(ObjstoreErrc::invalid_range) && !known && !options.range) {
      // S3 refuses any range of an empty object; read it whole (it is empty, or the error stands).
      HttpRequest plain;
      plain.url = s.url;
      plain.payload_sha256 = std::string(kEmptySha256);
      plain.body_out = std::span<std::byte>(buffer.data(), buffer.size());
      result<HttpResponse> response = co_await send(std::move(plain), what, nullptr);
      OBJSTORE_CO_TRY(response);
      if (response->body_size > 0) {
        co_return Error(ObjstoreErrc::precondition_failed, what + ": the object changed while being read");
      }
      OBJSTORE_CO_TRY_ASSIGN(S3ObjectHead head, parse_object_head(options_.dialect, *response));
      got.object = std::move(head.info);
      got.object.key = key;
      if (got.object.size != 0) {
        co_return Error(ObjstoreErrc::precondition_failed, what + ": the object changed while being read");
      }
      ObjectVerifier empty(head.checksums);
      OBJSTORE_CO_TRY(empty.finish(what, options_.allow_unverified_reads));
      co_return got;
    }
    if (!received && received.error().is(ObjstoreErrc::precondition_failed) && known) {
      co_return Error(ObjstoreErrc::precondition_failed,
                      what + ": the object was replaced while being read; read it again");
    }
    OBJSTORE_CO_TRY(received);
    if (!known) {
      known = true;
      if (!s.http) co_return Error(ObjstoreErrc::permanent, what + ": no response");  // read_chunk keeps it
      OBJSTORE_CO_TRY_ASSIGN(S3ObjectHead head, parse_object_head(options_.dialect, s.http->response()));
      got.object = std::move(head.info);
      got.object.key = key;
      const uint64_t size = got.object.size;
      if (first >= size && size > 0) {
        co_return Error(ObjstoreErrc::invalid_range,
                        fmt::format("{}: range starts at byte {} of a {}-byte object", what, first, size));
      }
      got.offset = first;
      got.length = size == 0 ? 0 : std::min(wanted, size - first);
      s.stop = first + got.length;
      if (s.http) s.http_end = std::min(s.http_end, s.stop);
      whole = first == 0 && got.length == size;
      if (whole && !verifying) verifying.emplace(head.checksums);  // no body, so no callback
      s.quoted_etag = "\"" + got.object.etag + "\"";
    }
    const uint64_t expected = std::min<uint64_t>(buffer.size(), s.stop - s.pos);
    if (*received != expected) {
      s.http.reset();
      co_return Error(ObjstoreErrc::transient,
                      fmt::format("{}: asked for {} bytes at {}, received {}", what, expected, s.pos, *received));
    }
    if (whole) verifier = verifying;  // this chunk's bytes included
    s.pos += *received;
    if (s.http && (s.http->ended() || s.pos == s.http_end)) s.http.reset();
    if (*received == 0) break;
    const bytes_view chunk(buffer.data(), *received);
    OBJSTORE_CO_TRY(co_await sink(chunk));
  } while (s.pos < s.stop);
  if (verifier) OBJSTORE_CO_TRY(verifier->finish(what, options_.allow_unverified_reads));
  co_return got;
}

asio::awaitable<result<ObjectInfo>> S3ObjectStore::do_head(std::string key) {
  OBJSTORE_CO_TRY_ASSIGN(ObjectInfo info, co_await head_full(full_key(key)));
  info.key = std::move(key);
  co_return info;
}

asio::awaitable<result<ListPage>> S3ObjectStore::do_list(ListOptions options) {
  QueryParams query = {{"list-type", "2"},
                       {"encoding-type", "url"},
                       {"max-keys", std::to_string(options.max_keys)},
                       {"prefix", options_.prefix + options.prefix}};
  if (!options.delimiter.empty()) query.emplace_back("delimiter", options.delimiter);
  if (!options.continuation.empty()) {
    const std::optional<std::string> token = unwrap_token(options.continuation);
    if (!token) co_return Error(ObjstoreErrc::invalid_argument, "list: the continuation token is not one of ours");
    query.emplace_back("continuation-token", *token);
  }
  HttpRequest request;
  request.url = url_.bucket(query);
  request.payload_sha256 = std::string(kEmptySha256);
  OBJSTORE_CO_TRY_ASSIGN(HttpResponse response, co_await send(std::move(request), "list " + options.prefix, nullptr));
  OBJSTORE_CO_TRY_ASSIGN(S3ListResult listed, parse_list(response.text));
  ListPage page;
  const size_t strip = options_.prefix.size();
  for (S3ListedObject& o : listed.objects) {
    if (o.key.size() <= strip || !o.key.starts_with(options_.prefix)) continue;
    ObjectInfo info;
    info.key = o.key.substr(strip);
    info.size = o.size;
    info.etag = std::move(o.etag);
    info.last_modified_ms = o.last_modified_ms;
    page.objects.push_back(std::move(info));
  }
  for (std::string& p : listed.common_prefixes) {
    if (p.size() <= strip || !p.starts_with(options_.prefix)) continue;
    page.common_prefixes.push_back(p.substr(strip));
  }
  if (listed.truncated) page.continuation = wrap_token(listed.next_token);
  co_return page;
}

asio::awaitable<result<void>> S3ObjectStore::do_remove(std::string key) {
  HttpRequest request;
  request.method = "DELETE";
  request.url = url_.object(full_key(key));
  request.payload_sha256 = std::string(kEmptySha256);
  result<HttpResponse> response = co_await send(std::move(request), "delete " + key, nullptr);
  if (!response && !response.error().is(ObjstoreErrc::not_found)) co_return response.error();
  co_return success();
}

asio::awaitable<result<std::vector<DeleteFailure>>> S3ObjectStore::remove_one_by_one(std::vector<std::string> keys) {
  // GCS's XML API has no DeleteObjects: one DELETE per key, concurrency at a time.
  std::vector<DeleteFailure> failures;
  for (size_t start = 0; start < keys.size(); start += options_.concurrency) {
    const size_t stop = std::min(keys.size(), start + options_.concurrency);
    const bool cancelled = co_await cancellation_requested();
    if (cancelled) {
      for (size_t i = start; i < keys.size(); ++i) {
        failures.push_back(DeleteFailure{keys[i], cancelled_error("delete " + keys[i])});
      }
      break;
    }
    std::vector<HttpRequest> requests;
    std::vector<std::string> whats;
    for (size_t i = start; i < stop; ++i) {
      HttpRequest request;
      request.method = "DELETE";
      request.url = url_.object(full_key(keys[i]));
      request.payload_sha256 = std::string(kEmptySha256);
      requests.push_back(std::move(request));
      whats.push_back("delete " + keys[i]);
    }
    std::vector<result<HttpResponse>> responses = co_await send_batch(std::move(requests), whats);
    for (size_t i = 0; i < responses.size(); ++i) {
      if (!responses[i] && !responses[i].error().is(ObjstoreErrc::not_found)) {
        failures.push_back(DeleteFailure{keys[start + i], responses[i].error()});
      }
    }
  }
  co_return failures;
}

asio::awaitable<result<std::vector<DeleteFailure>>> S3ObjectStore::do_remove_batch(std::vector<std::string> keys) {
  if (options_.dialect == S3Dialect::gcs) co_return co_await remove_one_by_one(std::move(keys));
  std::vector<DeleteFailure> failures;
  for (size_t start = 0; start < keys.size(); start += S3Options::kDeleteBatchSize) {
    const size_t stop = std::min(keys.size(), start + S3Options::kDeleteBatchSize);
    const bool cancelled = co_await cancellation_requested();
    if (cancelled) {
      for (size_t i = start; i < keys.size(); ++i) {
        failures.push_back(DeleteFailure{keys[i], cancelled_error("delete " + keys[i])});
      }
      break;
    }
    std::vector<std::string> full;
    for (size_t i = start; i < stop; ++i) full.push_back(full_key(keys[i]));
    const std::string body = delete_body(full);
    HttpRequest request;
    request.method = "POST";
    request.url = url_.bucket({{"delete", ""}});
    request.body = as_bytes_view(body);
    request.headers.push_back("Content-Type: application/xml");
    request.headers.push_back("Content-MD5: " + base64(md5(request.body)));
    const std::string what = fmt::format("delete {} keys", stop - start);
    result<HttpResponse> response = co_await send(std::move(request), what, nullptr);
    result<std::vector<S3DeleteError>> errors =
        response ? parse_delete_result(response->text) : result<std::vector<S3DeleteError>>(response.error());
    if (!errors) {
      for (size_t i = start; i < stop; ++i) failures.push_back(DeleteFailure{keys[i], errors.error()});
      continue;
    }
    for (const S3DeleteError& e : *errors) {
      if (e.code == "NoSuchKey") continue;  // deleting a missing key succeeds
      std::string key = e.key.starts_with(options_.prefix) ? e.key.substr(options_.prefix.size()) : e.key;
      Error error = s3_error(0, e.code, e.message, "", "delete " + key);
      failures.push_back(DeleteFailure{std::move(key), std::move(error)});
    }
  }
  co_return failures;
}

}  // namespace strata::objstore
