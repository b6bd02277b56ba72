#include "objstore/self_test.h"

#include <fmt/format.h>

#include <algorithm>
#include <array>
#include <cstring>
#include <random>

#include "base/crc32c.h"
#include "objstore/errc.h"

namespace strata::objstore {

namespace {

using Clock = std::chrono::steady_clock;
using std::chrono::nanoseconds;

constexpr std::string_view kDefaultPrefixRoot = "strata-self-test/";
constexpr size_t kSmallKeyDigits = 4;
// The ranged get reads this share of each small object, from a quarter of the way in.
constexpr size_t kRangeDivisor = 2;
constexpr size_t kRangeStartDivisor = 4;
constexpr double kP99 = 0.99;

std::string unique_prefix() {
  std::random_device rd;
  const uint64_t r = (static_cast<uint64_t>(rd()) << 32) | rd();
  const auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(
                      std::chrono::system_clock::now().time_since_epoch())
                      .count();
  return fmt::format("{}{}-{:016x}/", kDefaultPrefixRoot, ms, r);
}

// Content of scratch object `seed`: a byte stream anyone can regenerate at any offset.
void fill_content(uint64_t seed, uint64_t offset, std::span<std::byte> out) {
  for (size_t i = 0; i < out.size(); ++i) {
    const uint64_t pos = offset + i;
    out[i] = static_cast<std::byte>((pos * 131 + seed * 7 + (pos >> 9)) & 0xff);
  }
}

bytes content(uint64_t seed, uint64_t offset, size_t size) {
  bytes out(size);
  fill_content(seed, offset, out);
  return out;
}

// Timings of one step's operations.
class Timer {
 public:
  explicit Timer(SelfTestStep& step) : step_(step) {}
  void start() { t0_ = Clock::now(); }
  void stop(uint64_t bytes) {
    samples_.push_back(Clock::now() - t0_);
    step_.operations += 1;
    step_.bytes += bytes;
  }
  void pass() {
    step_.outcome = SelfTestStep::Outcome::passed;
    summarize();
  }

 private:
  void summarize() {
    if (samples_.empty()) return;
    std::sort(samples_.begin(), samples_.end());
    for (const nanoseconds s : samples_) step_.total += s;
    step_.p50 = samples_[(samples_.size() - 1) / 2];
    step_.p99 = samples_[static_cast<size_t>(kP99 * static_cast<double>(samples_.size() - 1))];
    step_.max = samples_.back();
  }

  SelfTestStep& step_;
  Clock::time_point t0_;
  std::vector<nanoseconds> samples_;
};

Error mismatch(std::string_view what) {
  return Error(ObjstoreErrc::corrupt, fmt::format("{}: the bytes read back differ from those written", what));
}

class SelfTest {
 public:
  SelfTest(ObjectStore& store, SelfTestOptions options) : store_(store), options_(std::move(options)) {
    if (options_.prefix.empty()) options_.prefix = unique_prefix();
    report_.prefix = options_.prefix;
    for (uint32_t i = 0; i < options_.small_count; ++i) {
      small_keys_.push_back(fmt::format("{}small-{:0{}}", options_.prefix, i, kSmallKeyDigits));
    }
    large_key_ = options_.prefix + "large";
    create_key_ = options_.prefix + "create-only";
  }

  asio::awaitable<SelfTestReport> run() {
    result<void> r = co_await step("put", &SelfTest::put);
    if (r) r = co_await step("get", &SelfTest::get);
    if (r) r = co_await step("ranged get", &SelfTest::ranged_get);
    if (r) r = co_await step("list", &SelfTest::list);
    if (r) r = co_await step("multipart", &SelfTest::multipart);
    if (r) r = co_await step("streamed get", &SelfTest::streamed_get);
    if (r) r = co_await step("conditional create", &SelfTest::conditional_create);
    if (r) r = co_await step("delete", &SelfTest::remove_all);
    if (!r) {
      // Best effort: whatever the failure, leave no scratch object behind.
      result<void> cleaned = co_await remove_keys();
      if (!cleaned) report_.cleanup_error = cleaned.error();
    }
    co_return std::move(report_);
  }

 private:
  using StepFn = asio::awaitable<result<void>> (SelfTest::*)(Timer&);

  // Runs one step and records it; the steps after a failed one are recorded as skipped.
  asio::awaitable<result<void>> step(std::string name, StepFn fn) {
    report_.steps.emplace_back();
    const size_t index = report_.steps.size() - 1;
    report_.steps[index].name = std::move(name);
    Timer timer(report_.steps[index]);
    result<void> r = co_await (this->*fn)(timer);
    SelfTestStep& s = report_.steps[index];
    if (r) {
      timer.pass();
    } else {
      s.outcome = SelfTestStep::Outcome::failed;
      s.error = r.error();
      s.diagnosis = diagnose(r.error(), options_.bucket);
    }
    co_return r;
  }

  asio::awaitable<result<void>> put(Timer& timer) {
    for (size_t i = 0; i < small_keys_.size(); ++i) {
      const bytes data = content(i, 0, options_.small_size);
      timer.start();
      result<ObjectInfo> r = co_await store_.put(small_keys_[i], data);
      if (!r) co_return r.error();
      timer.stop(data.size());
      written_.push_back(small_keys_[i]);
    }
    co_return success();
  }

  asio::awaitable<result<void>> get(Timer& timer) {
    for (size_t i = 0; i < small_keys_.size(); ++i) {
      timer.start();
      result<bytes> r = co_await get_bytes(store_, small_keys_[i]);
      if (!r) co_return r.error();
      timer.stop(r->size());
      if (!equal_bytes(*r, content(i, 0, options_.small_size))) co_return mismatch("get " + small_keys_[i]);
    }
    co_return success();
  }

  asio::awaitable<result<void>> ranged_get(Timer& timer) {
    const uint64_t offset = options_.small_size / kRangeStartDivisor;
    const uint64_t length = std::max<size_t>(1, options_.small_size / kRangeDivisor);
    for (size_t i = 0; i < small_keys_.size(); ++i) {
      const std::optional<ByteRange> range = ByteRange{offset, length};
      timer.start();
      result<bytes> r = co_await get_bytes(store_, small_keys_[i], range);
      if (!r) co_return r.error();
      timer.stop(r->size());
      if (!equal_bytes(*r, content(i, offset, length))) co_return mismatch("ranged get " + small_keys_[i]);
    }
    co_return success();
  }

  asio::awaitable<result<void>> list(Timer& timer) {
    ListOptions options;
    options.prefix = options_.prefix;
    options.max_keys = std::max<uint32_t>(1, options_.small_count / 2);
    std::vector<std::string> found;
    // Bounded: one page more than the keys need (each page holds at least one).
    for (size_t page = 0; page <= small_keys_.size(); ++page) {
      timer.start();
      result<ListPage> r = co_await store_.list(options);
      if (!r) co_return r.error();
      timer.stop(0);
      for (const ObjectInfo& o : r->objects) found.push_back(o.key);
      if (!r->truncated()) break;
      options.continuation = r->continuation;
    }
    if (found != small_keys_) {
      co_return Error(ObjstoreErrc::permanent,
                      fmt::format("list {}: found {} keys, expected the {} written", options_.prefix, found.size(),
                                  small_keys_.size()));
    }
    co_return success();
  }

  asio::awaitable<result<void>> multipart(Timer& timer) {
    timer.start();
    result<std::unique_ptr<Upload>> up = co_await store_.start_upload(large_key_);
    if (!up) co_return up.error();
    written_.push_back(large_key_);
    bytes chunk(options_.chunk_size);
    uint32_t crc = 0;
    for (uint64_t offset = 0; offset < options_.large_size; offset += chunk.size()) {
      const size_t n = std::min<uint64_t>(chunk.size(), options_.large_size - offset);
      const bytes_view piece(chunk.data(), n);
      fill_content(large_seed(), offset, chunk);
      crc = crc32c::extend(crc, piece);
      result<void> w = co_await (*up)->write(piece);
      if (!w) co_return w.error();
    }
    result<ObjectInfo> done = co_await (*up)->complete();
    if (!done) co_return done.error();
    timer.stop(options_.large_size);
    large_crc_ = crc;
    co_return success();
  }

  asio::awaitable<result<void>> streamed_get(Timer& timer) {
    uint32_t crc = 0;
    uint64_t received = 0;
    Sink sink = [&crc, &received](bytes_view chunk) -> asio::awaitable<result<void>> {
      crc = crc32c::extend(crc, chunk);
      received += chunk.size();
      co_return success();
    };
    timer.start();
    result<GetResult> r = co_await store_.get(large_key_, std::move(sink));
    if (!r) co_return r.error();
    timer.stop(received);
    if (received != options_.large_size || crc != large_crc_) co_return mismatch("streamed get " + large_key_);
    co_return success();
  }

  asio::awaitable<result<void>> conditional_create(Timer& timer) {
    PutOptions create_only;
    create_only.if_absent = true;
    const bytes first = content(1, 0, options_.small_size);
    timer.start();
    result<ObjectInfo> r = co_await store_.put(create_key_, first, create_only);
    if (!r) co_return r.error();
    timer.stop(first.size());
    written_.push_back(create_key_);
    const bytes second = content(2, 0, options_.small_size);
    timer.start();
    result<ObjectInfo> again = co_await store_.put(create_key_, second, create_only);
    timer.stop(0);
    if (again) {
      co_return Error(ObjstoreErrc::permanent,
                      fmt::format("create-only put of {}: a second create of an existing key succeeded; the store "
                                  "does not honour conditional writes (If-None-Match), which manifests rely on",
                                  create_key_));
    }
    if (!again.error().is(ObjstoreErrc::precondition_failed)) co_return again.error();
    result<bytes> kept = co_await get_bytes(store_, create_key_);
    if (!kept) co_return kept.error();
    if (!equal_bytes(*kept, first)) co_return mismatch("create-only put " + create_key_ + " replaced the object");
    co_return success();
  }

  asio::awaitable<result<void>> remove_all(Timer& timer) {
    timer.start();
    result<void> r = co_await remove_keys();
    if (!r) co_return r.error();
    timer.stop(0);
    const std::vector<std::string> gone{small_keys_.front(), large_key_};
    for (const std::string& key : gone) {
      result<ObjectInfo> head = co_await store_.head(key);
      if (head) co_return Error(ObjstoreErrc::permanent, fmt::format("delete {}: the object is still there", key));
      if (!head.error().is(ObjstoreErrc::not_found)) co_return head.error();
    }
    co_return success();
  }

  asio::awaitable<result<void>> remove_keys() {
    if (written_.empty()) co_return success();
    std::vector<std::string> keys = written_;
    result<std::vector<DeleteFailure>> r = co_await store_.remove_batch(std::move(keys));
    if (!r) co_return r.error();
    if (!r->empty()) co_return r->front().error.with_context(fmt::format("delete {}", r->front().key));
    written_.clear();
    co_return success();
  }

  uint64_t large_seed() const { return small_keys_.size() + 1; }

  ObjectStore& store_;
  SelfTestOptions options_;
  SelfTestReport report_;
  std::vector<std::string> small_keys_;
  std::string large_key_;
  std::string create_key_;
  std::vector<std::string> written_;  // keys that may exist, for the cleanup
  uint32_t large_crc_ = 0;
};

bool contains(const Error& e, std::string_view text) { return e.message().find(text) != std::string::npos; }

bool contains_any(const Error& e, std::initializer_list<std::string_view> texts) {
  return std::any_of(texts.begin(), texts.end(), [&e](std::string_view t) { return contains(e, t); });
}

}  // namespace

double SelfTestStep::bytes_per_second() const {
  if (total.count() <= 0 || bytes == 0) return 0;
  return static_cast<double>(bytes) / std::chrono::duration<double>(total).count();
}

bool SelfTestReport::passed() const {
  return first_failure() == nullptr && !cleanup_error &&
         std::all_of(steps.begin(), steps.end(),
                     [](const SelfTestStep& s) { return s.outcome == SelfTestStep::Outcome::passed; });
}

const SelfTestStep* SelfTestReport::first_failure() const {
  for (const SelfTestStep& s : steps) {
    if (s.outcome == SelfTestStep::Outcome::failed) return &s;
  }
  return nullptr;
}

asio::awaitable<SelfTestReport> run_self_test(ObjectStore& store, SelfTestOptions options) {
  if (options.small_count == 0) options.small_count = 1;
  options.small_size = std::max<size_t>(options.small_size, 2);
  options.chunk_size = std::max<size_t>(options.chunk_size, 1);
  SelfTest test(store, std::move(options));
  co_return co_await test.run();
}

std::string diagnose(const Error& e, std::string_view bucket) {
  // The backends' messages carry the service's error code (s3_errors.h, azure_errors.h) and curl's
  // description of a transport failure (s3_http.h); the kind alone does not tell these apart.
  if (contains_any(e, {"NoSuchBucket", "ContainerNotFound"})) {
    return fmt::format("bucket {} does not exist: create it, or check the bucket (container) name, the region and "
                       "the endpoint",
                       bucket);
  }
  if (contains(e, "RequestTimeTooSkewed")) {
    return "clock skew: this machine's clock differs from the server's by more than 15 minutes; fix the clock (NTP)";
  }
  if (contains_any(e, {"SignatureDoesNotMatch", "AuthenticationFailed", "AuthorizationFailure"})) {
    return "access denied: the server refused the request's signature, so the secret (secret access key, HMAC "
           "secret or account key) is wrong for this access key or account (or, less likely, this machine's clock is "
           "off by more than 15 minutes)";
  }
  if (contains(e, "InvalidAccessKeyId")) {
    return "access denied: the server does not know this access key id; check the access key id";
  }
  if (e.is(ObjstoreErrc::access_denied)) {
    return "access denied: the credentials are missing, wrong, or lack permission for this bucket; check them and the "
           "bucket policy";
  }
  if (contains_any(e, {"SSL", "TLS", "certificate"})) {
    return "TLS failed: the endpoint's certificate is not trusted or the handshake failed; check the endpoint's scheme "
           "(http:// or https://), its certificate and the CA bundle";
  }
  if (contains_any(e, {"Couldn't connect", "Could not connect", "Failed to connect"})) {
    return "endpoint unreachable: nothing accepted the connection; check the endpoint's host and port and that the "
           "service is running";
  }
  if (contains_any(e, {"Couldn't resolve", "Could not resolve"})) {
    return "endpoint unreachable: the endpoint's host name does not resolve; check the endpoint and DNS";
  }
  if (contains(e, "Timeout was reached")) {
    return "endpoint unreachable: the connection or the request timed out; check the endpoint, firewalls and proxies";
  }
  if (e.is(ObjstoreErrc::throttled)) return "throttled: the store keeps asking to slow down; try again later";
  if (e.is(ObjstoreErrc::corrupt)) {
    return "data corrupted: bytes read back differ from those written; check proxies or gateways in between";
  }
  if (e.is(ObjstoreErrc::cancelled)) return "cancelled";
  const std::string_view kind =
      e.category() == error_category(ObjstoreErrc{}) ? to_string(static_cast<ObjstoreErrc>(e.code())) : e.category();
  return fmt::format("unexpected failure ({}): {}", kind, e.message());
}

}  // namespace strata::objstore
