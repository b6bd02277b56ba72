#include "objstore/s3_http.h"

#include <curl/curl.h>
#include <fmt/format.h>

#include <algorithm>
#include <cstring>
#include <mutex>

#include "objstore/s3_digest.h"

namespace strata::objstore {

namespace {

// A transfer below this many bytes per second for stall_timeout is cut.
constexpr long kStallBytesPerSecond = 1024;
// curl's buffers for response bodies and for request bodies read by on_read. Its defaults (16 KiB,
// 64 KiB; the curl tool receives in 100 KiB) cost a callback and a copy per few pages, and made
// 64 MiB GETs and PUTs slower (bench/README.md).
constexpr long kReceiveBufferSize = 256 * 1024;
constexpr long kUploadBufferSize = 1024 * 1024;
// HttpRequest::hash_body: bytes copied to curl's upload buffer and hashed at a time.
constexpr size_t kHashSlice = 64 * 1024;
// How much of an error response body is kept: S3 error documents are a few hundred bytes.
constexpr size_t kMaxErrorBody = 64 * 1024;

void global_init() {
  static std::once_flag once;
  std::call_once(once, [] { curl_global_init(CURL_GLOBAL_DEFAULT); });
}

std::string lower(std::string_view s) {
  std::string out(s);
  std::transform(out.begin(), out.end(), out.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return out;
}

std::string_view trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t' || s.back() == '\r' || s.back() == '\n'))
    s.remove_suffix(1);
  return s;
}

// State shared with curl's callbacks for one request.
struct Transfer {
  const HttpRequest* request = nullptr;
  HttpResponse* response = nullptr;
  size_t sent = 0;        // bytes of the request body handed to curl
  bool overflow = false;  // the server sent more than body_out holds
  // HttpRequest::hash_body: the MD5 of body[0, hashed), while curl reads the body in order; a
  // rewind to 0 starts it over, one elsewhere leaves it to be computed again at the end.
  std::optional<Md5> md5;
  size_t hashed = 0;
  // HttpStream: a successful body goes into `out` (the buffer of the read() in progress) instead
  // of body_out; what does not fit waits in `stash` for the next read(). Once `out` is full, curl
  // is told to keep what it has (CURL_WRITEFUNC_PAUSE) until the next read().
  bool streaming = false;
  std::span<std::byte> out;
  size_t out_used = 0;
  bytes stash;
  size_t stash_used = 0;
  bool paused = false;
  uint64_t received = 0;  // body bytes taken from curl (placed or stashed)
  uint64_t max_body = 0;
};

// HttpStream: places `n` body bytes in the read's buffer and shows them to on_received.
void place(Transfer& t, const std::byte* data, size_t n) {
  HttpResponse& r = *t.response;
  std::byte* to = t.out.data() + t.out_used;
  std::memcpy(to, data, n);
  if (t.request->on_received) t.request->on_received(r, r.body_size, bytes_view(to, n));
  r.body_size += n;
  t.out_used += n;
}

size_t on_stream_body(Transfer& t, const char* data, size_t n) {
  if (t.stash_used < t.stash.size() || t.out_used == t.out.size()) {
    t.paused = true;
    return CURL_WRITEFUNC_PAUSE;  // delivered again once the transfer is resumed
  }
  if (t.received + n > t.max_body) {
    t.overflow = true;
    return 0;
  }
  t.received += n;
  const auto* bytes = reinterpret_cast<const std::byte*>(data);
  const size_t k = std::min(n, t.out.size() - t.out_used);
  place(t, bytes, k);
  if (k < n) {
    t.stash.assign(bytes + k, bytes + n);
    t.stash_used = 0;
  }
  return n;
}

size_t on_header(char* data, size_t size, size_t count, void* user) {
  auto& t = *static_cast<Transfer*>(user);
  const std::string_view line(data, size * count);
  if (line.starts_with("HTTP/")) {
    // A new response (after 100 Continue, say): forget the headers of the previous one.
    t.response->headers.clear();
    const size_t sp = line.find(' ');
    if (sp != std::string_view::npos) t.response->status = std::strtol(line.data() + sp + 1, nullptr, 10);
    return size * count;
  }
  const size_t colon = line.find(':');
  if (colon != std::string_view::npos) {
    t.response->headers.emplace_back(lower(trim(line.substr(0, colon))), std::string(trim(line.substr(colon + 1))));
  }
  return size * count;
}

size_t on_body(char* data, size_t size, size_t count, void* user) {
  auto& t = *static_cast<Transfer*>(user);
  const size_t n = size * count;
  HttpResponse& r = *t.response;
  const bool success = r.status >= 200 && r.status < 300;
  if (success && t.streaming) return on_stream_body(t, data, n);
  if (success && !t.request->body_out.empty()) {
    if (n > t.request->body_out.size() - r.body_size) {
      t.overflow = true;
      return 0;  // stops the transfer with CURLE_WRITE_ERROR
    }
    std::memcpy(t.request->body_out.data() + r.body_size, data, n);
    if (t.request->on_received) {
      t.request->on_received(r, r.body_size, bytes_view(t.request->body_out.data() + r.body_size, n));
    }
    r.body_size += n;
    return n;
  }
  const size_t limit = success ? HttpResponse::kMaxTextBody : kMaxErrorBody;
  if (r.text.size() + n > limit) {
    if (success) {
      t.overflow = true;
      return 0;
    }
    r.text.append(data, limit - r.text.size());  // keep the start of a huge error body, drop the rest
    return n;
  }
  if (success && t.request->on_received) {
    t.request->on_received(r, r.text.size(), bytes_view(reinterpret_cast<const std::byte*>(data), n));
  }
  r.text.append(data, n);
  return n;
}

size_t on_read(char* buffer, size_t size, size_t count, void* user) {
  auto& t = *static_cast<Transfer*>(user);
  const bytes_view body = t.request->body;
  const size_t n = std::min(size * count, body.size() - t.sent);
  if (!t.md5 || t.hashed != t.sent) {
    std::memcpy(buffer, body.data() + t.sent, n);
    t.sent += n;
    return n;
  }
  // Copied and hashed a slice at a time, so that MD5 reads what the copy just brought into cache.
  for (size_t done = 0; done < n;) {
    const size_t k = std::min(kHashSlice, n - done);
    std::memcpy(buffer + done, body.data() + t.sent + done, k);
    t.md5->update(body.subspan(t.sent + done, k));
    done += k;
  }
  t.sent += n;
  t.hashed += n;
  return n;
}

int on_seek(void* user, curl_off_t offset, int origin) {
  auto& t = *static_cast<Transfer*>(user);
  if (origin != SEEK_SET || offset < 0 || static_cast<size_t>(offset) > t.request->body.size()) {
    return CURL_SEEKFUNC_CANTSEEK;
  }
  t.sent = static_cast<size_t>(offset);
  if (t.md5 && t.sent == 0) {
    t.md5.emplace();
    t.hashed = 0;
  }
  return CURL_SEEKFUNC_OK;
}

int on_progress(void* user, curl_off_t, curl_off_t, curl_off_t, curl_off_t) {
  const auto* cancel = static_cast<const std::atomic<bool>*>(user);
  return cancel->load(std::memory_order_relaxed) ? 1 : 0;  // non-zero aborts the transfer
}

ObjstoreErrc kind_of(CURLcode code) {
  switch (code) {
    case CURLE_COULDNT_RESOLVE_HOST:
    case CURLE_COULDNT_RESOLVE_PROXY:
    case CURLE_COULDNT_CONNECT:
    case CURLE_OPERATION_TIMEDOUT:
    case CURLE_SEND_ERROR:
    case CURLE_RECV_ERROR:
    case CURLE_GOT_NOTHING:
    case CURLE_PARTIAL_FILE:
    case CURLE_SSL_CONNECT_ERROR:
    case CURLE_HTTP2:
    case CURLE_HTTP2_STREAM:
    case CURLE_AGAIN: return ObjstoreErrc::transient;
    case CURLE_ABORTED_BY_CALLBACK: return ObjstoreErrc::cancelled;
    default: return ObjstoreErrc::permanent;
  }
}

// Up to this many body bytes, curl sends a POST body without "Expect: 100-continue" (its
// EXPECT_100_THRESHOLD); larger bodies and uploads get the header.
constexpr size_t kExpectThreshold = 1024 * 1024;

bool has_content_type(const HttpRequest& request) {
  constexpr std::string_view kName = "content-type:";
  return std::any_of(request.headers.begin(), request.headers.end(), [&](const std::string& h) {
    return h.size() > kName.size() && lower(std::string_view(h).substr(0, kName.size())) == kName;
  });
}

// Headers are set as given; a name given with an empty value ("Expect:") removes curl's own.
struct HeaderList {
  curl_slist* list = nullptr;
  ~HeaderList() { curl_slist_free_all(list); }
  bool add(const std::string& h) {
    curl_slist* next = curl_slist_append(list, h.c_str());
    if (next == nullptr) return false;
    list = next;
    return true;
  }
};

}  // namespace

std::optional<std::string_view> HttpResponse::header(std::string_view name) const {
  for (const auto& [n, v] : headers) {
    if (n == name) return std::string_view(v);
  }
  return std::nullopt;
}

HttpClient::HttpClient(HttpClientOptions options) : options_(std::move(options)) {
  global_init();
  sigv4_ = options_.dialect == S3Dialect::gcs ? fmt::format("goog:goog:{}:storage", options_.region)
                                              : fmt::format("aws:amz:{}:s3", options_.region);
}

HttpClient::~HttpClient() {
  for (void* h : idle_) curl_easy_cleanup(static_cast<CURL*>(h));
  for (void* m : idle_multi_) curl_multi_cleanup(static_cast<CURLM*>(m));
}

std::string_view HttpClient::payload_hash_header() const {
  return options_.dialect == S3Dialect::gcs ? "x-goog-content-sha256" : "x-amz-content-sha256";
}

void* HttpClient::acquire() {
  {
    std::lock_guard lock(mu_);
    if (!idle_.empty()) {
      void* h = idle_.back();
      idle_.pop_back();
      return h;
    }
  }
  return curl_easy_init();
}

void HttpClient::release(void* handle) {
  // Keeps the connection, the DNS and TLS session caches; drops every option.
  curl_easy_reset(static_cast<CURL*>(handle));
  std::lock_guard lock(mu_);
  idle_.push_back(handle);
}

// One request's state, shared with curl's callbacks: must not move while curl runs it.
struct HttpClient::Call {
  CURL* curl = nullptr;
  const HttpRequest* request = nullptr;
  HttpResponse response;
  Transfer transfer;
  HeaderList headers;
};

bool HttpClient::setup(Call& call, const HttpRequest& request) {
  call.curl = static_cast<CURL*>(acquire());
  if (call.curl == nullptr) return false;
  call.request = &request;
  call.transfer = Transfer{};
  call.transfer.request = &request;
  call.transfer.response = &call.response;
  CURL* curl = call.curl;
  bool ok = true;
  for (const std::string& h : request.headers) ok = ok && call.headers.add(h);
  const bool sigv4 = options_.signing == HttpSigning::sigv4;
  if (sigv4) {
    std::string hash = request.payload_sha256;
    if (hash.empty()) {
      hash =
          options_.unsigned_payload && !request.body.empty() ? std::string(kUnsignedPayload) : sha256_hex(request.body);
    }
    ok = ok && call.headers.add(fmt::format("{}: {}", payload_hash_header(), hash));
  }
  if (request.content_md5) {
    call.response.body_md5 = md5(request.body);
    ok = ok && call.headers.add("Content-MD5: " + base64(*call.response.body_md5));
  } else if (request.hash_body) {
    call.transfer.md5.emplace();
  }
  if (sigv4 && !options_.credentials.session_token.empty()) {
    ok = ok && call.headers.add(fmt::format(
                   "{}: {}", options_.dialect == S3Dialect::gcs ? "x-goog-security-token" : "x-amz-security-token",
                   options_.credentials.session_token));
  }
  // No "Expect: 100-continue" on caller-signed uploads (Azure), whose signature never covers it:
  // see the PUT below for the 40 ms it cost. (Under sigv4 curl would sign the empty header.)
  if (!sigv4 && request.method == "PUT") ok = ok && call.headers.add("Expect:");
  if (!ok) return false;
  Transfer* transfer = &call.transfer;
  curl_easy_setopt(curl, CURLOPT_URL, request.url.c_str());
  curl_easy_setopt(curl, CURLOPT_HTTPHEADER, call.headers.list);
  if (sigv4) {
    curl_easy_setopt(curl, CURLOPT_AWS_SIGV4, sigv4_.c_str());
    curl_easy_setopt(curl, CURLOPT_USERNAME, options_.credentials.access_key_id.c_str());
    curl_easy_setopt(curl, CURLOPT_PASSWORD, options_.credentials.secret_access_key.c_str());
  }
  curl_easy_setopt(curl, CURLOPT_NOSIGNAL, 1L);
  curl_easy_setopt(curl, CURLOPT_CONNECTTIMEOUT_MS, static_cast<long>(options_.connect_timeout.count()));
  curl_easy_setopt(curl, CURLOPT_TIMEOUT_MS, static_cast<long>(options_.request_timeout.count()));
  curl_easy_setopt(curl, CURLOPT_LOW_SPEED_LIMIT, kStallBytesPerSecond);
  curl_easy_setopt(curl, CURLOPT_LOW_SPEED_TIME,
                   std::max(1L, static_cast<long>(options_.stall_timeout.count() / 1000)));
  curl_easy_setopt(curl, CURLOPT_HEADERFUNCTION, on_header);
  curl_easy_setopt(curl, CURLOPT_HEADERDATA, transfer);
  curl_easy_setopt(curl, CURLOPT_WRITEFUNCTION, on_body);
  curl_easy_setopt(curl, CURLOPT_WRITEDATA, transfer);
  curl_easy_setopt(curl, CURLOPT_TCP_KEEPALIVE, 1L);
  curl_easy_setopt(curl, CURLOPT_BUFFERSIZE, kReceiveBufferSize);
  // No wait for 100 Continue before a body. (Removing the Expect header with "Expect:" instead
  // would break the signature: curl 7.88 signs the empty header it does not send.)
  curl_easy_setopt(curl, CURLOPT_EXPECT_100_TIMEOUT_MS, 0L);
  if (request.cancel != nullptr) {
    // curl calls this about once a second while idle and more often while data moves.
    curl_easy_setopt(curl, CURLOPT_NOPROGRESS, 0L);
    curl_easy_setopt(curl, CURLOPT_XFERINFOFUNCTION, on_progress);
    curl_easy_setopt(curl, CURLOPT_XFERINFODATA, request.cancel);
  }
  if (request.method == "HEAD") {
    curl_easy_setopt(curl, CURLOPT_NOBODY, 1L);
  } else if (request.method == "PUT" && request.body.size() <= kExpectThreshold && has_content_type(request)) {
    // Sent like a POST body (the request names its Content-Type, so curl adds none): curl then
    // adds no "Expect: 100-continue", which it adds to every upload. Sending the body without
    // waiting for the 100 made servers (Ceph RGW) answer 100 and then, held by Nagle's algorithm
    // until our delayed ACK, the final status about 40 ms later: every small PUT took 40 ms.
    curl_easy_setopt(curl, CURLOPT_CUSTOMREQUEST, "PUT");
    curl_easy_setopt(curl, CURLOPT_POSTFIELDS,
                     request.body.empty() ? "" : reinterpret_cast<const char*>(request.body.data()));
    curl_easy_setopt(curl, CURLOPT_POSTFIELDSIZE_LARGE, static_cast<curl_off_t>(request.body.size()));
  } else if (request.method == "PUT") {
    curl_easy_setopt(curl, CURLOPT_UPLOAD, 1L);
    curl_easy_setopt(curl, CURLOPT_UPLOAD_BUFFERSIZE, kUploadBufferSize);
    curl_easy_setopt(curl, CURLOPT_READFUNCTION, on_read);
    curl_easy_setopt(curl, CURLOPT_READDATA, transfer);
    curl_easy_setopt(curl, CURLOPT_SEEKFUNCTION, on_seek);
    curl_easy_setopt(curl, CURLOPT_SEEKDATA, transfer);
    curl_easy_setopt(curl, CURLOPT_INFILESIZE_LARGE, static_cast<curl_off_t>(request.body.size()));
  } else if (request.method == "POST") {
    curl_easy_setopt(curl, CURLOPT_POST, 1L);
    // Not null even for an empty body: a null POSTFIELDS would make curl read from stdin.
    curl_easy_setopt(curl, CURLOPT_POSTFIELDS,
                     request.body.empty() ? "" : reinterpret_cast<const char*>(request.body.data()));
    curl_easy_setopt(curl, CURLOPT_POSTFIELDSIZE_LARGE, static_cast<curl_off_t>(request.body.size()));
  } else if (request.method != "GET") {
    curl_easy_setopt(curl, CURLOPT_CUSTOMREQUEST, request.method.c_str());
  }
  return true;
}

result<HttpResponse> HttpClient::finish(Call& call, int result_code, std::string_view what) {
  const auto code = static_cast<CURLcode>(result_code);
  const HttpRequest& request = *call.request;
  if (call.curl != nullptr) {
    if (code == CURLE_ABORTED_BY_CALLBACK ||
        (code == CURLE_OK && call.response.status >= 300 && !request.body.empty())) {
      // A server that refuses a request early may not have read its body, and Ceph RGW then keeps
      // the connection: the unread bytes would be taken as the start of the next request (which
      // RGW answers with 405). Such a connection is never reused.
      curl_easy_cleanup(call.curl);
    } else {
      release(call.curl);
    }
    call.curl = nullptr;
  }
  if (call.transfer.md5 && code == CURLE_OK) {
    // Read whole and in order (the usual case), or computed again after a rewind.
    call.response.body_md5 =
        call.transfer.hashed == request.body.size() ? call.transfer.md5->finish() : md5(request.body);
  }
  if (call.transfer.overflow) {
    return Error(ObjstoreErrc::permanent,
                 fmt::format("{}: the server sent more bytes than asked for (did it ignore the Range header?)", what));
  }
  if (code == CURLE_ABORTED_BY_CALLBACK) return Error(ObjstoreErrc::cancelled, fmt::format("{}: cancelled", what));
  if (code != CURLE_OK) {
    return Error(kind_of(code), fmt::format("{}: {} ({})", what, curl_easy_strerror(code), request.url));
  }
  return std::move(call.response);
}

result<HttpResponse> HttpClient::perform(const HttpRequest& request, std::string_view what) {
  Call call;
  if (!setup(call, request)) {
    if (call.curl != nullptr) release(call.curl);
    return Error(ObjstoreErrc::permanent, fmt::format("{}: cannot set up a curl request", what));
  }
  const CURLcode code = curl_easy_perform(call.curl);
  return finish(call, code, what);
}

std::vector<result<HttpResponse>> HttpClient::perform_many(std::span<const HttpRequest> requests,
                                                           std::span<const std::string> whats) {
  std::vector<result<HttpResponse>> out;
  if (requests.size() == 1) {
    out.push_back(perform(requests[0], whats[0]));
    return out;
  }
  CURLM* multi = static_cast<CURLM*>(acquire_multi());
  std::vector<std::unique_ptr<Call>> calls;
  std::vector<CURLcode> codes(requests.size(), CURLE_FAILED_INIT);
  for (const HttpRequest& request : requests) {
    calls.push_back(std::make_unique<Call>());
    if (setup(*calls.back(), request) && multi != nullptr) curl_multi_add_handle(multi, calls.back()->curl);
  }
  int running = 0;
  while (multi != nullptr) {
    if (curl_multi_perform(multi, &running) != CURLM_OK || running == 0) break;
    curl_multi_poll(multi, nullptr, 0, 1000, nullptr);
  }
  int left = 0;
  while (CURLMsg* msg = multi != nullptr ? curl_multi_info_read(multi, &left) : nullptr) {
    if (msg->msg != CURLMSG_DONE) continue;
    for (size_t i = 0; i < calls.size(); ++i) {
      if (calls[i]->curl == msg->easy_handle) codes[i] = msg->data.result;
    }
  }
  for (size_t i = 0; i < calls.size(); ++i) {
    if (multi != nullptr && calls[i]->curl != nullptr) curl_multi_remove_handle(multi, calls[i]->curl);
    if (calls[i]->request == nullptr) {
      out.push_back(Error(ObjstoreErrc::permanent, fmt::format("{}: cannot set up a curl request", whats[i])));
      continue;
    }
    out.push_back(finish(*calls[i], codes[i], whats[i]));
  }
  if (multi != nullptr) release_multi(multi);
  return out;
}

struct HttpStream::State {
  HttpClient* client = nullptr;
  HttpRequest request;
  std::string what;
  HttpClient::Call call;
  CURLM* multi = nullptr;
  bool added = false;           // call.curl is in `multi`
  HttpResponse final_response;  // after the end
};

HttpStream::HttpStream(std::unique_ptr<State> state) : state_(std::move(state)) {}

HttpStream::~HttpStream() {
  State& s = *state_;
  if (s.call.curl != nullptr) {
    // curl_multi_remove_handle may call the progress callback: not on a cancel flag being freed.
    curl_easy_setopt(s.call.curl, CURLOPT_NOPROGRESS, 1L);
    curl_easy_setopt(s.call.curl, CURLOPT_XFERINFOFUNCTION, nullptr);
  }
  if (s.added) curl_multi_remove_handle(s.multi, s.call.curl);
  // A transfer cut short leaves the rest of the body in its connection: never reuse it.
  if (s.call.curl != nullptr) curl_easy_cleanup(s.call.curl);
  if (s.multi != nullptr) {
    if (ended_) {
      s.client->release_multi(s.multi);
    } else {
      curl_multi_cleanup(s.multi);
    }
  }
}

const HttpResponse& HttpStream::response() const { return ended_ ? state_->final_response : state_->call.response; }

std::unique_ptr<HttpStream> HttpClient::open_stream(const HttpRequest& request, std::string what, uint64_t max_body) {
  auto state = std::make_unique<HttpStream::State>();
  state->client = this;
  state->request = request;
  state->request.body_out = {};
  state->what = std::move(what);
  state->call.transfer.max_body = max_body;
  return std::unique_ptr<HttpStream>(new HttpStream(std::move(state)));
}

result<size_t> HttpStream::read(std::span<std::byte> into) {
  State& s = *state_;
  if (ended_) return size_t{0};
  if (s.multi == nullptr) {
    s.multi = static_cast<CURLM*>(s.client->acquire_multi());
    const uint64_t max_body = s.call.transfer.max_body;  // setup() starts a new Transfer
    if (s.multi == nullptr || !s.client->setup(s.call, s.request)) {
      ended_ = true;
      return Error(ObjstoreErrc::permanent, fmt::format("{}: cannot set up a curl request", s.what));
    }
    s.call.transfer.streaming = true;
    s.call.transfer.max_body = max_body;
    if (curl_multi_add_handle(s.multi, s.call.curl) != CURLM_OK) {
      ended_ = true;
      return Error(ObjstoreErrc::permanent, fmt::format("{}: cannot start a curl request", s.what));
    }
    s.added = true;
  }
  Transfer& t = s.call.transfer;
  t.out = into;
  t.out_used = 0;
  if (t.stash_used < t.stash.size()) {
    const size_t k = std::min(into.size(), t.stash.size() - t.stash_used);
    place(t, t.stash.data() + t.stash_used, k);
    t.stash_used += k;
    if (t.stash_used == t.stash.size()) t.stash.clear();
  }
  const auto whole_body_in = [&] {
    curl_off_t length = -1;  // Content-Length, once the headers are in
    return curl_easy_getinfo(s.call.curl, CURLINFO_CONTENT_LENGTH_DOWNLOAD_T, &length) == CURLE_OK && length >= 0 &&
           t.received == static_cast<uint64_t>(length);
  };
  const auto wants_more = [&] {
    // Driven past a full buffer when the whole body is in: to see the end and keep the connection
    // for the next request.
    return t.stash.empty() && (t.out_used < t.out.size() || whole_body_in());
  };
  if (t.paused && wants_more()) {
    t.paused = false;
    curl_easy_pause(s.call.curl, CURLPAUSE_CONT);  // may deliver what curl kept, right here
  }
  CURLcode code = CURLE_OK;
  bool done = false;
  while (wants_more() && !t.paused) {
    int running = 0;
    if (curl_multi_perform(s.multi, &running) != CURLM_OK) {
      code = CURLE_FAILED_INIT;
      done = true;
      break;
    }
    int left = 0;
    while (CURLMsg* msg = curl_multi_info_read(s.multi, &left)) {
      if (msg->msg == CURLMSG_DONE && msg->easy_handle == s.call.curl) {
        code = msg->data.result;
        done = true;
      }
    }
    if (done || running == 0) {
      done = true;
      break;
    }
    if (!wants_more() || t.paused) break;
    curl_multi_poll(s.multi, nullptr, 0, 1000, nullptr);
  }
  const size_t n = t.out_used;
  t.out = {};
  if (!done) return n;
  curl_multi_remove_handle(s.multi, s.call.curl);
  s.added = false;
  ended_ = true;
  result<HttpResponse> finished = s.client->finish(s.call, code, s.what);
  if (!finished) return finished.error();
  s.final_response = std::move(finished).value();
  return n;
}

void* HttpClient::acquire_multi() {
  {
    std::lock_guard lock(mu_);
    if (!idle_multi_.empty()) {
      void* m = idle_multi_.back();
      idle_multi_.pop_back();
      return m;
    }
  }
  return curl_multi_init();
}

void HttpClient::release_multi(void* multi) {
  // A multi handle keeps the connections its transfers used, for the next batch.
  std::lock_guard lock(mu_);
  idle_multi_.push_back(multi);
}

}  // namespace strata::objstore
