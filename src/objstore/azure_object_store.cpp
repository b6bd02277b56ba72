#include "objstore/azure_object_store.h"

#include <fmt/format.h>

#include <algorithm>
#include <asio/cancellation_signal.hpp>
#include <asio/cancellation_state.hpp>
#include <asio/this_coro.hpp>
#include <atomic>
#include <random>

#include "base/clock.h"
#include "base/crc32c.h"
#include "objstore/azure_errors.h"
#include "objstore/azure_upload.h"
#include "objstore/azure_xml.h"
#include "objstore/coro_support.h"
#include "objstore/s3_digest.h"
#include "objstore/s3_integrity.h"
#include "objstore/s3_url.h"

namespace strata::objstore {

namespace {

// Marks list markers of this backend: "1" + hex of the service's NextMarker. Anything else passed
// back is refused as invalid_argument before it reaches the service.
constexpr char kTokenVersion = '1';
constexpr std::string_view kBlockBlob = "BlockBlob";
constexpr std::string_view kOctetStream = "application/octet-stream";
constexpr std::string_view kContainerNotFound = "ContainerNotFound";

std::string wrap_token(std::string_view marker) {
  return std::string(1, kTokenVersion) + to_hex(as_bytes_view(marker));
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

HttpClientOptions http_options(const AzureOptions& o) {
  HttpClientOptions h;
  h.signing = HttpSigning::caller;
  h.connect_timeout = o.connect_timeout;
  h.request_timeout = o.request_timeout;
  h.stall_timeout = o.stall_timeout;
  return h;
}

std::string random_write_id() {
  static thread_local std::mt19937_64 rng(std::random_device{}());
  return fmt::format("{:016x}{:016x}", rng(), rng());
}

// Deleting a missing blob succeeds; deleting from a missing container does not.
bool is_missing_blob(const Error& error) {
  return error.is(ObjstoreErrc::not_found) && error.message().find(kContainerNotFound) == std::string::npos;
}

}  // namespace

result<std::unique_ptr<AzureObjectStore>> AzureObjectStore::open(AzureOptions options) {
  STRATA_TRY_ASSIGN(options, finish_azure_options(std::move(options)));
  return std::unique_ptr<AzureObjectStore>(new AzureObjectStore(std::move(options)));
}

AzureObjectStore::AzureObjectStore(AzureOptions options)
    : options_(std::move(options)),
      signer_(options_.account, options_.key, options_.endpoint),
      container_path_("/" + options_.container),
      http_(http_options(options_)),
      retrier_(options_.retry, system_clock(), timer_sleeper()),
      pool_(options_.concurrency) {}

AzureObjectStore::~AzureObjectStore() { pool_.join(); }

std::string AzureObjectStore::describe() const {
  return fmt::format("azure://{}/{} at {}", options_.container, options_.prefix, options_.endpoint);
}

std::string AzureObjectStore::blob_path(std::string_view key) const {
  return "/" + uri_encode(options_.prefix + std::string(key), true);
}

asio::awaitable<result<HttpResponse>> AzureObjectStore::attempt(const AzureRequest& request, const std::string& what) {
  // The flag outlives this frame: the slot's handler may run after it is gone.
  auto cancel = std::make_shared<std::atomic<bool>>(false);
  asio::cancellation_state state = co_await asio::this_coro::cancellation_state;
  if (state.cancelled() != asio::cancellation_type::none) co_return cancelled_error(what);
  asio::cancellation_slot slot = state.slot();
  if (slot.is_connected()) slot.assign([cancel](asio::cancellation_type) { cancel->store(true); });
  auto perform = [this, &request, &what, cancel]() -> result<HttpResponse> {
    // Signed here, at each attempt: x-ms-date must be fresh.
    HttpRequest signed_request = signer_.sign(request, system_clock().now_wall_ms() / 1000);
    signed_request.cancel = cancel.get();
    STRATA_TRY_ASSIGN(HttpResponse response, http_.perform(signed_request, what));
    if (response.status < 200 || response.status >= 300) return azure_error(response, what);
    return response;
  };
  result<HttpResponse> r = co_await offload(pool_.get_executor(), std::move(perform));
  if (slot.is_connected()) slot.clear();
  co_return r;
}

asio::awaitable<result<HttpResponse>> AzureObjectStore::send(AzureRequest request, std::string what, int* attempts) {
  request.path = container_path_ + request.path;
  auto one = [this, &request, &what, attempts]() {
    if (attempts != nullptr) ++*attempts;
    return attempt(request, what);
  };
  co_return co_await retrier_.run(what, std::move(one));
}

asio::awaitable<result<HttpResponse>> AzureObjectStore::call(AzureRequest request, std::string what) {
  return with_cancellation_as_value(send(std::move(request), std::move(what), nullptr));
}

asio::awaitable<result<AzureBlobHead>> AzureObjectStore::head_blob(std::string key) {
  AzureRequest request;
  request.method = "HEAD";
  request.path = blob_path(key);
  OBJSTORE_CO_TRY_ASSIGN(HttpResponse response, co_await send(std::move(request), "head " + key, nullptr));
  co_return parse_blob_head(response);
}

asio::awaitable<result<ObjectInfo>> AzureObjectStore::publish(std::string key, bytes_view data,
                                                              const std::vector<std::string>& block_ids, uint32_t crc,
                                                              uint64_t size, const PutOptions& options) {
  AzureRequest request;
  request.method = "PUT";
  request.path = blob_path(key);
  std::string body;
  if (block_ids.empty()) {
    request.headers.emplace_back("Content-Type", std::string(kOctetStream));
    // On the pool: up to single_put_limit bytes would hold the caller's event loop.
    auto digest = [data] { return base64(md5(data)); };
    std::string content_md5 = co_await offload(pool_.get_executor(), std::move(digest));
    request.headers.emplace_back("Content-MD5", std::move(content_md5));
    request.headers.emplace_back("x-ms-blob-type", std::string(kBlockBlob));
    request.body = data;
  } else {
    body = block_list_body(block_ids);
    request.query = {{"comp", "blocklist"}};
    request.headers.emplace_back("Content-Type", "application/xml");
    request.headers.emplace_back("x-ms-blob-content-type", std::string(kOctetStream));
    request.body = as_bytes_view(body);
  }
  request.headers.emplace_back(std::string(kAzureMetadataPrefix) + std::string(kAzureCrcMetadataName), crc32c_hex(crc));
  std::string write_id;
  if (options.if_absent) {
    write_id = random_write_id();
    request.headers.emplace_back(std::string(kAzureMetadataPrefix) + std::string(kAzureWriteIdMetadataName), write_id);
    request.headers.emplace_back("If-None-Match", "*");
  }
  add_azure_metadata(options.metadata, request.headers);
  const std::string what = "put " + key;
  int attempts = 0;
  result<HttpResponse> response = co_await send(std::move(request), what, &attempts);
  if (!response && response.error().is(ObjstoreErrc::precondition_failed) && attempts > 1) {
    // A retried create-only write can fail because its own earlier attempt succeeded unseen: the
    // blob is ours if it carries our write id.
    result<AzureBlobHead> existing = co_await head_blob(key);
    if (existing && existing->write_id == write_id) {
      existing->info.key = std::move(key);
      existing->info.metadata = options.metadata;
      co_return std::move(existing->info);
    }
  }
  if (!response && response.error().is(ObjstoreErrc::precondition_failed)) {
    co_return Error(ObjstoreErrc::precondition_failed,
                    fmt::format("put {}: the key exists (create-only put): {}", key, response.error().message()));
  }
  OBJSTORE_CO_TRY(response);
  ObjectInfo info;
  info.key = std::move(key);
  info.size = size;
  if (const auto etag = response->header("etag")) {
    info.etag = std::string(*etag);
    if (info.etag.size() >= 2 && info.etag.front() == '"') info.etag = info.etag.substr(1, info.etag.size() - 2);
  }
  info.crc32c = crc;
  info.last_modified_ms = system_clock().now_wall_ms();
  if (const auto modified = response->header("last-modified")) {
    const int64_t ms = parse_rfc1123_ms(*modified);
    if (ms > 0) info.last_modified_ms = ms;
  }
  info.metadata = options.metadata;
  co_return info;
}

asio::awaitable<result<ObjectInfo>> AzureObjectStore::do_put(std::string key, bytes_view data, PutOptions options) {
  if (data.size() <= options_.single_put_limit) {
    const std::vector<std::string> no_blocks;
    auto checksum = [data] { return crc32c::compute(data); };
    const uint32_t crc = co_await offload(pool_.get_executor(), std::move(checksum));
    co_return co_await publish(std::move(key), data, no_blocks, crc, data.size(), options);
  }
  AzureUpload upload(*this, std::move(key), std::move(options));
  OBJSTORE_CO_TRY(co_await upload.write(data));
  co_return co_await upload.complete();
}

asio::awaitable<result<std::unique_ptr<Upload>>> AzureObjectStore::do_start_upload(std::string key,
                                                                                   PutOptions options) {
  co_return std::unique_ptr<Upload>(std::make_unique<AzureUpload>(*this, std::move(key), std::move(options)));
}

asio::awaitable<result<GetResult>> AzureObjectStore::do_get(std::string key, Sink sink, GetOptions options) {
  const std::string what = "get " + key;
  const std::string path = blob_path(key);
  const uint64_t first = options.range ? options.range->offset : 0;
  const uint64_t wanted = options.range ? options.range->length : ByteRange::kToEnd;
  bytes buffer(static_cast<size_t>(std::min<uint64_t>(options_.read_chunk_size, wanted)));
  GetResult got;
  std::optional<AzureVerifier> verifier;
  std::string quoted_etag;
  uint64_t pos = first;
  uint64_t end = 0;  // known after the first answer
  do {
    const bool cancelled = co_await cancellation_requested();
    if (cancelled) co_return cancelled_error(what);
    const uint64_t len = std::min<uint64_t>(buffer.size(), quoted_etag.empty() ? wanted : end - pos);
    AzureRequest request;
    request.path = path;
    request.headers.emplace_back("x-ms-range", fmt::format("bytes={}-{}", pos, pos + len - 1));
    if (!quoted_etag.empty()) request.headers.emplace_back("If-Match", quoted_etag);
    request.body_out = std::span<std::byte>(buffer.data(), static_cast<size_t>(len));
    result<HttpResponse> response = co_await send(std::move(request), what, nullptr);
    if (!response && response.error().is(ObjstoreErrc::invalid_range) && quoted_etag.empty() && first == 0) {
      // The service refuses any range of an empty blob; read it whole (it is empty, or the error
      // stands).
      AzureRequest plain;
      plain.path = path;
      plain.body_out = std::span<std::byte>(buffer.data(), buffer.size());
      response = co_await send(std::move(plain), what, nullptr);
      if (response && response->body_size > 0) {
        co_return Error(ObjstoreErrc::precondition_failed, what + ": the blob changed while being read");
      }
    }
    if (!response && response.error().is(ObjstoreErrc::precondition_failed) && !quoted_etag.empty()) {
      co_return Error(ObjstoreErrc::precondition_failed,
                      what + ": the blob was replaced while being read; read it again");
    }
    OBJSTORE_CO_TRY(response);
    if (quoted_etag.empty()) {
      OBJSTORE_CO_TRY_ASSIGN(AzureBlobHead head, parse_blob_head(*response));
      const uint64_t size = head.info.size;
      if (first >= size && size > 0) {
        co_return Error(ObjstoreErrc::invalid_range,
                        fmt::format("{}: range starts at byte {} of a {}-byte object", what, first, size));
      }
      if (size == 0 && options.range) {
        co_return Error(ObjstoreErrc::invalid_range, fmt::format("{}: range of an empty object", what));
      }
      got.offset = first;
      got.length = size == 0 ? 0 : std::min(wanted, size - first);
      end = first + got.length;
      if (first == 0 && got.length == size) verifier.emplace(head);
      got.object = std::move(head.info);
      got.object.key = key;
      quoted_etag = "\"" + got.object.etag + "\"";
    }
    const size_t received = response->body_size;
    const uint64_t expected = std::min<uint64_t>(len, end - pos);
    if (received != expected) {
      co_return Error(ObjstoreErrc::transient,
                      fmt::format("{}: asked for {} bytes at {}, received {}", what, expected, pos, received));
    }
    if (received == 0) break;
    const bytes_view chunk(buffer.data(), received);
    if (verifier) verifier->update(chunk);
    OBJSTORE_CO_TRY(co_await sink(chunk));
    pos += received;
  } while (pos < end);
  if (verifier) OBJSTORE_CO_TRY(verifier->finish(what, options_.allow_unverified_reads));
  co_return got;
}

asio::awaitable<result<ObjectInfo>> AzureObjectStore::do_head(std::string key) {
  OBJSTORE_CO_TRY_ASSIGN(AzureBlobHead head, co_await head_blob(key));
  head.info.key = std::move(key);
  co_return std::move(head.info);
}

asio::awaitable<result<ListPage>> AzureObjectStore::do_list(ListOptions options) {
  AzureRequest request;
  request.query = {{"restype", "container"},
                   {"comp", "list"},
                   {"maxresults", std::to_string(options.max_keys)},
                   {"prefix", options_.prefix + options.prefix}};
  if (!options.delimiter.empty()) request.query.emplace_back("delimiter", options.delimiter);
  if (!options.continuation.empty()) {
    const std::optional<std::string> marker = unwrap_token(options.continuation);
    if (!marker) co_return Error(ObjstoreErrc::invalid_argument, "list: the continuation token is not one of ours");
    request.query.emplace_back("marker", *marker);
  }
  OBJSTORE_CO_TRY_ASSIGN(HttpResponse response, co_await send(std::move(request), "list " + options.prefix, nullptr));
  OBJSTORE_CO_TRY_ASSIGN(AzureListResult listed, parse_blob_list(response.text));
  ListPage page;
  const size_t strip = options_.prefix.size();
  for (AzureListedBlob& b : listed.blobs) {
    if (b.name.size() <= strip || !b.name.starts_with(options_.prefix)) continue;
    ObjectInfo info;
    info.key = b.name.substr(strip);
    info.size = b.size;
    info.etag = std::move(b.etag);
    info.last_modified_ms = b.last_modified_ms;
    page.objects.push_back(std::move(info));
  }
  for (std::string& p : listed.prefixes) {
    if (p.size() <= strip || !p.starts_with(options_.prefix)) continue;
    page.common_prefixes.push_back(p.substr(strip));
  }
  // Azure interleaves blobs and prefixes in one order; each list is in key order on its own.
  if (!listed.next_marker.empty()) page.continuation = wrap_token(listed.next_marker);
  co_return page;
}

asio::awaitable<result<std::vector<DeleteFailure>>> AzureObjectStore::do_remove_batch(std::vector<std::string> keys) {
  std::vector<DeleteFailure> failures;
  const size_t group = options_.concurrency;
  for (size_t start = 0; start < keys.size(); start += group) {
    const size_t stop = std::min(keys.size(), start + group);
    const bool cancelled = co_await cancellation_requested();
    if (cancelled) {
      for (size_t i = start; i < keys.size(); ++i) {
        failures.push_back(DeleteFailure{keys[i], cancelled_error("delete " + keys[i])});
      }
      break;
    }
    // One round of parallel deletes over curl's multi interface; what fails as retryable is
    // deleted again one by one, with retries.
    auto perform = [this, &keys, start, stop]() {
      const int64_t now = system_clock().now_wall_ms() / 1000;
      std::vector<HttpRequest> requests;
      std::vector<std::string> whats;
      for (size_t i = start; i < stop; ++i) {
        AzureRequest request;
        request.method = "DELETE";
        request.path = container_path_ + blob_path(keys[i]);
        requests.push_back(signer_.sign(request, now));
        whats.push_back("delete " + keys[i]);
      }
      std::vector<result<HttpResponse>> answers = http_.perform_many(requests, whats);
      std::vector<result<void>> out;
      for (size_t i = 0; i < answers.size(); ++i) {
        if (!answers[i]) {
          out.emplace_back(answers[i].error());
        } else if (answers[i]->status < 200 || answers[i]->status >= 300) {
          out.emplace_back(azure_error(*answers[i], whats[i]));
        } else {
          out.emplace_back(success());
        }
      }
      return out;
    };
    std::vector<result<void>> outcomes = co_await offload(pool_.get_executor(), std::move(perform));
    for (size_t i = start; i < stop; ++i) {
      result<void> outcome = std::move(outcomes[i - start]);
      if (!outcome && is_retryable(outcome.error())) outcome = co_await do_remove(keys[i]);
      if (!outcome && !is_missing_blob(outcome.error())) failures.push_back(DeleteFailure{keys[i], outcome.error()});
    }
  }
  co_return failures;
}

asio::awaitable<result<void>> AzureObjectStore::do_remove(std::string key) {
  AzureRequest request;
  request.method = "DELETE";
  request.path = blob_path(key);
  result<HttpResponse> response = co_await send(std::move(request), "delete " + key, nullptr);
  if (!response && !is_missing_blob(response.error())) co_return response.error();
  co_return success();
}

}  // namespace strata::objstore
