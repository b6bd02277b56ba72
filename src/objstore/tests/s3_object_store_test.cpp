// The S3 backend against a real, signature-checking S3 server (Ceph RGW, started by the ctest
// fixture s3_server_start; see README.md "Tests"): the conformance suite, then what is specific to
// S3 — credentials and their errors, interoperability with awscli, multipart abort, checksums of
// objects written by other tools, an outage in the middle of an upload, configuration. Without a
// server the tests fail: they never skip.
#include "objstore/s3_object_store.h"

#include <gtest/gtest.h>
#include <stdlib.h>

#include <asio/experimental/awaitable_operators.hpp>
#include <asio/redirect_error.hpp>
#include <asio/steady_timer.hpp>
#include <chrono>
#include <cstdio>
#include <fstream>
#include <random>

#include <fmt/format.h>

#include "base/crc32c.h"
#include "objstore/s3_integrity.h"
#include "objstore/s3_upload.h"
#include "objstore/tests/conformance.h"
#include "objstore/tests/test_support.h"

namespace strata::objstore::testing {
namespace {

constexpr size_t KiB = 1024;
constexpr size_t MiB = 1024 * KiB;
constexpr const char* kBucket = "strata-test";
constexpr const char* kAccessKey = "strata";
constexpr const char* kSecret = "strata-secret-key";

std::string required_env(const char* name) {
  const char* v = std::getenv(name);
  if (v == nullptr || *v == '\0') {
    throw std::runtime_error(
        fmt::format("{} is not set: run this test through ctest, whose fixture starts the "
                    "S3 server (s3_server_start)",
                    name));
  }
  return v;
}

std::string endpoint() { return required_env("STRATA_S3_ENDPOINT"); }

std::string unique_prefix(std::string_view what) {
  static std::mt19937_64 rng(std::random_device{}());
  return fmt::format("{}/{:016x}/", what, rng());
}

S3Options test_options(std::string prefix) {
  S3Options o;
  o.bucket = kBucket;
  o.endpoint = endpoint();
  o.region = "us-east-1";
  o.path_style = true;
  o.prefix = std::move(prefix);
  o.credentials = S3Credentials{kAccessKey, kSecret, ""};
  o.part_size = S3Options::kMinPartSize;
  o.retry.deadline = std::chrono::milliseconds(10'000);
  // One part in flight, so that the S3-specific cases know when a part has reached the server;
  // the conformance store sends them in parallel (S3StoreUnderTest).
  o.upload_parallelism = 1;
  return o;
}

std::unique_ptr<S3ObjectStore> open_store(S3Options options) {
  result<std::unique_ptr<S3ObjectStore>> store = S3ObjectStore::open(std::move(options));
  if (!store) throw std::runtime_error(store.error().to_string());
  return std::move(store).value();
}

// Deletes every key of `store` (the prefix of one case), so that the server's RAM-backed OSD does
// not fill over a run.
void remove_everything(ObjectStore& store) {
  asio::io_context io;
  ListOptions options;
  while (true) {
    result<ListPage> page = run(io, store.list(options));
    if (!page) return;
    std::vector<std::string> keys;
    for (const ObjectInfo& o : page->objects) keys.push_back(o.key);
    result<std::vector<DeleteFailure>> removed = run(io, store.remove_batch(keys));
    (void)removed;
    if (!page->truncated()) return;
    options.continuation = page->continuation;
  }
}

class S3StoreUnderTest final : public StoreUnderTest {
 public:
  S3StoreUnderTest() {
    S3Options options = test_options(unique_prefix("conformance"));
    options.upload_parallelism = S3Options::kDefaultUploadParallelism;
    store_ = open_store(std::move(options));
  }
  ~S3StoreUnderTest() override { remove_everything(*store_); }
  ObjectStore& store() override { return *store_; }

 private:
  std::unique_ptr<S3ObjectStore> store_;
};

std::unique_ptr<StoreUnderTest> make_s3_store() { return std::make_unique<S3StoreUnderTest>(); }

INSTANTIATE_TEST_SUITE_P(S3, ObjectStoreConformance,
                         ::testing::Values(ConformanceBackend{.name = "s3", .make = make_s3_store}), conformance_name);

// Runs a shell command; returns its exit status and what it printed on stdout.
std::pair<int, std::string> shell(const std::string& command) {
  std::string out;
  FILE* p = ::popen(command.c_str(), "r");
  if (p == nullptr) return {-1, ""};
  char buf[4096];
  size_t n = 0;
  while ((n = std::fread(buf, 1, sizeof buf, p)) > 0) out.append(buf, n);
  const int status = ::pclose(p);
  return {WIFEXITED(status) ? WEXITSTATUS(status) : -1, out};
}

// Debian's awscli against the test server, with no configuration of the machine's.
std::string aws(const std::string& args) {
  return fmt::format(
      "AWS_ACCESS_KEY_ID={} AWS_SECRET_ACCESS_KEY={} AWS_DEFAULT_REGION=us-east-1 AWS_EC2_METADATA_DISABLED=true "
      "AWS_CONFIG_FILE=/dev/null AWS_SHARED_CREDENTIALS_FILE=/dev/null /usr/bin/aws --endpoint-url {} {}",
      kAccessKey, kSecret, endpoint(), args);
}

void write_file(const std::filesystem::path& path, bytes_view data) {
  std::ofstream out(path, std::ios::binary);
  out.write(reinterpret_cast<const char*>(data.data()), static_cast<std::streamsize>(data.size()));
}

bytes read_file(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  std::string s((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  return to_bytes(s);
}

class S3ObjectStoreTest : public ::testing::Test {
 protected:
  void SetUp() override {
    prefix_ = unique_prefix("s3test");
    store_ = open_store(test_options(prefix_));
  }
  void TearDown() override {
    if (store_) remove_everything(*store_);
  }

  template <class T>
  T run(asio::awaitable<T> aw) {
    return testing::run(io_, std::move(aw));
  }

  result<ObjectInfo> upload(ObjectStore& store, const std::string& key, uint64_t seed, uint64_t size) {
    return run([&]() -> asio::awaitable<result<ObjectInfo>> {
      OBJSTORE_CO_TRY_ASSIGN(std::unique_ptr<Upload> up, co_await store.start_upload(key));
      bytes piece;
      for (uint64_t off = 0; off < size; off += MiB) {
        piece.resize(std::min<uint64_t>(MiB, size - off));
        fill_pattern(seed, off, piece);
        OBJSTORE_CO_TRY(co_await up->write(piece));
      }
      co_return co_await up->complete();
    }());
  }

  std::string s3_uri(const std::string& key) const { return fmt::format("s3://{}/{}{}", kBucket, prefix_, key); }

  asio::io_context io_;
  std::string prefix_;
  std::unique_ptr<S3ObjectStore> store_;
  TempDir tmp_;
};

TEST_F(S3ObjectStoreTest, WrongSecretIsAccessDeniedAndSaysWhatToCheck) {
  S3Options options = test_options(prefix_);
  options.credentials.secret_access_key = "not-the-secret";
  std::unique_ptr<S3ObjectStore> bad = open_store(options);
  result<ObjectInfo> put = run(bad->put("k", as_bytes_view("x")));
  EXPECT_OBJSTORE_ERROR(put, ObjstoreErrc::access_denied);
  ASSERT_FALSE(put);
  EXPECT_NE(put.error().message().find("SignatureDoesNotMatch"), std::string::npos) << put.error().message();
  EXPECT_NE(put.error().message().find("check the secret"), std::string::npos) << put.error().message();
  EXPECT_EQ(put.error().message().find("not-the-secret"), std::string::npos) << "the secret leaked into the error";
  ListOptions everything;
  EXPECT_OBJSTORE_ERROR(run(bad->list(everything)), ObjstoreErrc::access_denied);
  EXPECT_OBJSTORE_ERROR(run(bad->head("k")), ObjstoreErrc::access_denied);  // 403 without a body

  options.credentials = S3Credentials{"nobody", kSecret, ""};
  std::unique_ptr<S3ObjectStore> unknown = open_store(options);
  put = run(unknown->put("k", as_bytes_view("x")));
  EXPECT_OBJSTORE_ERROR(put, ObjstoreErrc::access_denied);
  ASSERT_FALSE(put);
  EXPECT_NE(put.error().message().find("InvalidAccessKeyId"), std::string::npos) << put.error().message();
  // Not retried: access_denied is not retryable, so the answer comes at once.
  EXPECT_EQ(put.error().message().find("gave up"), std::string::npos) << put.error().message();
  EXPECT_OBJSTORE_ERROR(run(store_->head("k")), ObjstoreErrc::not_found);
}

TEST_F(S3ObjectStoreTest, UnsignedAndSignedPayloadsAreAcceptedAndAWrongSecretIsRefusedEither) {
  // Bodies up to 1 MiB go as curl's in-memory body, larger ones through its read callback; both
  // with UNSIGNED-PAYLOAD (the default) and with their signed SHA-256, whose headers the server
  // checks all the same.
  const bytes small = pattern(20, 0, 100 * KiB);
  const bytes large = pattern(21, 0, 3 * MiB + 1);
  for (const bool sign_payload : {false, true}) {
    SCOPED_TRACE(sign_payload);
    S3Options options = test_options(prefix_);
    options.sign_payload = sign_payload;
    std::unique_ptr<S3ObjectStore> store = open_store(options);
    for (const auto& [key, data] : {std::pair<std::string, bytes_view>{"small", small}, {"large", large}}) {
      result<ObjectInfo> put = run(store->put(key, data));
      ASSERT_OK(put);
      EXPECT_EQ(put->etag, to_hex(md5(data)));
      result<bytes> got = run(get_bytes(*store, key));
      ASSERT_OK(got);
      EXPECT_TRUE(equal_bytes(*got, data)) << key;
      PutOptions create_only;
      create_only.if_absent = true;
      ASSERT_OK(run(store->remove(key)));
      ASSERT_OK(run(store->put(key, data, create_only)));  // Content-MD5, sent first
    }
    options.credentials.secret_access_key = "not-the-secret";
    std::unique_ptr<S3ObjectStore> bad = open_store(options);
    for (const bytes_view data : {bytes_view(small), bytes_view(large)}) {
      result<ObjectInfo> put = run(bad->put("refused", data));
      EXPECT_OBJSTORE_ERROR(put, ObjstoreErrc::access_denied);
      ASSERT_FALSE(put);
      EXPECT_NE(put.error().message().find("SignatureDoesNotMatch"), std::string::npos) << put.error().message();
    }
    EXPECT_OBJSTORE_ERROR(run(store_->head("refused")), ObjstoreErrc::not_found);
  }
}

TEST_F(S3ObjectStoreTest, CorruptObjectReadInChunksIsCaughtWhileStreaming) {
  // Checked chunk by chunk as the bytes arrive: a bad CRC32C (ours) or MD5 ETag (awscli's
  // multipart objects) fails the get; good objects pass across chunk boundaries.
  S3Options options = test_options(prefix_);
  options.read_chunk_size = 256 * KiB + 3;
  std::unique_ptr<S3ObjectStore> store = open_store(options);
  const bytes content = pattern(22, 0, 3 * MiB + 5);
  const std::filesystem::path file = tmp_.path() / "src";
  write_file(file, content);
  auto [rc, out] = shell(aws(
      fmt::format("s3 cp --only-show-errors --metadata strata-crc32c=deadbeef {} {}", file.string(), s3_uri("bad"))));
  ASSERT_EQ(rc, 0) << out;
  EXPECT_OBJSTORE_ERROR(run(get_bytes(*store, "bad")), ObjstoreErrc::corrupt);

  ASSERT_OK(run(store->put("good", content)));
  result<bytes> good = run(get_bytes(*store, "good"));
  ASSERT_OK(good);
  EXPECT_TRUE(equal_bytes(*good, content));

  const bytes large = pattern(23, 0, 17 * MiB + 1);  // awscli: three 8 MiB parts, a multipart ETag
  write_file(file, large);
  std::tie(rc, out) = shell(aws(fmt::format("s3 cp --only-show-errors {} {}", file.string(), s3_uri("theirs"))));
  ASSERT_EQ(rc, 0) << out;
  result<bytes> theirs = run(get_bytes(*store, "theirs"));
  ASSERT_OK(theirs);
  EXPECT_TRUE(equal_bytes(*theirs, large));
}

TEST_F(S3ObjectStoreTest, AwsCliReadsOurObjectsByteForByte) {
  const bytes small = pattern(1, 0, 100 * KiB);
  ASSERT_OK(run(store_->put("ours/small", small)));
  constexpr uint64_t kLarge = 12 * MiB + 5;  // three 5 MiB parts, the last one short
  result<ObjectInfo> large = upload(*store_, "ours/large", 2, kLarge);
  ASSERT_OK(large);
  EXPECT_NE(large->etag.find("-3"), std::string::npos) << large->etag;  // really multipart

  for (const auto& [key, expected] :
       {std::pair<std::string, bytes>{"ours/small", small}, {"ours/large", pattern(2, 0, kLarge)}}) {
    const std::filesystem::path file = tmp_.path() / "got";
    const auto [rc, out] = shell(aws(fmt::format("s3 cp --only-show-errors {} {}", s3_uri(key), file.string())));
    ASSERT_EQ(rc, 0) << out;
    EXPECT_TRUE(equal_bytes(read_file(file), expected)) << key << " differs when read by awscli";
  }
  // Our metadata is plain S3 metadata to other tools.
  const auto [rc, out] =
      shell(aws(fmt::format("s3api head-object --bucket {} --key {}ours/small --query Metadata "
                            "--output text",
                            kBucket, prefix_)));
  ASSERT_EQ(rc, 0);
  EXPECT_NE(out.find(crc32c_hex(crc32c::compute(small))), std::string::npos) << out;
}

TEST_F(S3ObjectStoreTest, WeReadAwsCliObjectsByteForByteAndVerified) {
  // One PUT (MD5 ETag) and a multipart upload of awscli's own 8 MiB parts (multipart ETag).
  for (const auto& [name, size] :
       {std::pair<std::string, size_t>{"theirs/small", 300 * KiB}, {"theirs/large", 20 * MiB + 7}}) {
    SCOPED_TRACE(name);
    const bytes content = pattern(size, 0, size);
    const std::filesystem::path file = tmp_.path() / "src";
    write_file(file, content);
    const auto [rc, out] = shell(aws(fmt::format("s3 cp --only-show-errors {} {}", file.string(), s3_uri(name))));
    ASSERT_EQ(rc, 0) << out;
    result<bytes> got = run(get_bytes(*store_, name));
    ASSERT_OK(got);
    EXPECT_TRUE(equal_bytes(*got, content));
  }
}

TEST_F(S3ObjectStoreTest, WrongChecksumIsCorruptNeverGoodData) {
  const bytes content = pattern(3, 0, 64 * KiB);
  const std::filesystem::path file = tmp_.path() / "src";
  write_file(file, content);
  // Metadata claiming another CRC32C than the data has: what a bit flip at rest looks like.
  const auto [rc, out] = shell(aws(
      fmt::format("s3 cp --only-show-errors --metadata strata-crc32c=deadbeef {} {}", file.string(), s3_uri("bad"))));
  ASSERT_EQ(rc, 0) << out;
  result<bytes> got = run(get_bytes(*store_, "bad"));
  EXPECT_OBJSTORE_ERROR(got, ObjstoreErrc::corrupt);
  // A range is not checked against a whole-object checksum (object_store.h), and is served.
  result<bytes> range = run(get_bytes(*store_, "bad", ByteRange{0, 10}));
  ASSERT_OK(range);
  EXPECT_TRUE(equal_bytes(*range, bytes_view(content).first(10)));
}

TEST_F(S3ObjectStoreTest, AbortedMultipartUploadLeavesNoObjectAndNoUpload) {
  result<std::unique_ptr<Upload>> up = run(store_->start_upload("aborted"));
  ASSERT_OK(up);
  const bytes piece = pattern(4, 0, 6 * MiB);
  ASSERT_OK(run((*up)->write(piece)));
  ASSERT_OK(run((*up)->write(piece)));
  auto* s3 = dynamic_cast<S3Upload*>(up->get());
  ASSERT_NE(s3, nullptr);
  ASSERT_FALSE(s3->upload_id().empty()) << "two parts were due: the multipart upload should have started";
  ASSERT_OK(run((*up)->abort()));
  EXPECT_OBJSTORE_ERROR(run(store_->head("aborted")), ObjstoreErrc::not_found);
  const ListOptions everything;
  EXPECT_TRUE(run(store_->list(everything))->objects.empty());
  const auto [rc, out] = shell(aws(fmt::format(
      "s3api list-multipart-uploads --bucket {} --prefix {} --query 'Uploads[].Key' --output text", kBucket, prefix_)));
  ASSERT_EQ(rc, 0) << out;
  EXPECT_EQ(out.find("aborted"), std::string::npos) << "the multipart upload is still open: " << out;
}

TEST_F(S3ObjectStoreTest, AbandonedMultipartUploadIsAbortedInTheBackground) {
  {
    std::unique_ptr<S3ObjectStore> store = open_store(test_options(prefix_));
    result<std::unique_ptr<Upload>> up = run(store->start_upload("abandoned"));
    ASSERT_OK(up);
    const bytes piece = pattern(4, 0, 6 * MiB);
    ASSERT_OK(run((*up)->write(piece)));
    ASSERT_FALSE(dynamic_cast<S3Upload*>(up->get())->upload_id().empty());
    up->reset();  // neither completed nor aborted: the destructor posts the abort to the pool
  }               // the store's destructor waits for its pool
  const auto [rc, out] = shell(aws(fmt::format(
      "s3api list-multipart-uploads --bucket {} --prefix {} --query 'Uploads[].Key' --output text", kBucket, prefix_)));
  ASSERT_EQ(rc, 0) << out;
  EXPECT_EQ(out.find("abandoned"), std::string::npos) << "the multipart upload is still open: " << out;
  EXPECT_OBJSTORE_ERROR(run(store_->head("abandoned")), ObjstoreErrc::not_found);
}

TEST_F(S3ObjectStoreTest, CancellationStopsARequestInFlight) {
  using namespace asio::experimental::awaitable_operators;
  constexpr uint64_t kSize = 64 * MiB;
  S3Options options = test_options(prefix_);
  options.multipart_threshold = 2 * kSize;  // one PUT request of 64 MiB
  std::unique_ptr<S3ObjectStore> store = open_store(options);
  const bytes data = pattern(10, 0, kSize);
  auto t0 = std::chrono::steady_clock::now();
  ASSERT_OK(run(store->put("cancel/full", data)));
  const auto full = std::chrono::steady_clock::now() - t0;

  std::optional<result<ObjectInfo>> outcome;
  auto put = [&]() -> asio::awaitable<void> { outcome = co_await store->put("cancel/put", data); };
  asio::steady_timer timer(io_, full / 8);
  auto race = [&]() -> asio::awaitable<int> {
    co_await (put() || timer.async_wait(asio::use_awaitable));
    co_return 0;
  };
  t0 = std::chrono::steady_clock::now();
  run(race());
  const auto cancelled = std::chrono::steady_clock::now() - t0;
  ASSERT_TRUE(outcome.has_value());
  EXPECT_OBJSTORE_ERROR(*outcome, ObjstoreErrc::cancelled);
  // Stopped in flight: a PUT that ran to its end would have created the object. (No tight bound
  // on the time taken: checksums computed before sending cannot be interrupted, and under ASan and
  // a loaded machine they take a large share of a whole put.)
  EXPECT_OBJSTORE_ERROR(run(store->head("cancel/put")), ObjstoreErrc::not_found);
  EXPECT_LT(cancelled, full + std::chrono::seconds(5));
}

TEST_F(S3ObjectStoreTest, StreamedGetsStopOnCancellationOrASinkErrorAndSeeAReplacedObject) {
  // A get is one request per 16 chunks, held back while the sink works: cancelling it, or a sink
  // that fails, drops that request, and the store's next requests work as before.
  using namespace asio::experimental::awaitable_operators;
  S3Options options = test_options(prefix_);
  options.read_chunk_size = 64 * KiB + 1;  // many requests, and chunks across curl's pieces
  std::unique_ptr<S3ObjectStore> store = open_store(options);
  const bytes data = pattern(31, 0, 5 * MiB + 7);
  ASSERT_OK(run(store->put("stream/a", data)));
  result<bytes> whole = run(get_bytes(*store, "stream/a"));
  ASSERT_OK(whole);
  EXPECT_TRUE(equal_bytes(*whole, data));
  const ByteRange range{.offset = 1 * MiB + 3, .length = 3 * MiB};
  result<bytes> part = run(get_bytes(*store, "stream/a", range));
  ASSERT_OK(part);
  EXPECT_TRUE(equal_bytes(*part, bytes_view(data).subspan(range.offset, range.length)));

  // A sink that fails after a few chunks: its error, and nothing more is read.
  uint64_t received = 0;
  Sink failing = [&received](bytes_view chunk) -> asio::awaitable<result<void>> {
    received += chunk.size();
    if (received > 200 * KiB) co_return Error(ObjstoreErrc::permanent, "sink full");
    co_return success();
  };
  result<GetResult> stopped = run(store->get("stream/a", failing));
  EXPECT_OBJSTORE_ERROR(stopped, ObjstoreErrc::permanent);
  EXPECT_LT(received, 400 * KiB);

  // Cancelled while a slow sink holds the request open.
  std::optional<result<GetResult>> outcome;
  Sink slow = [this](bytes_view) -> asio::awaitable<result<void>> {
    asio::steady_timer pause(io_, std::chrono::milliseconds(20));
    asio::error_code ec;  // operation_aborted once the get is cancelled
    co_await pause.async_wait(asio::redirect_error(asio::use_awaitable, ec));
    co_return success();
  };
  auto get = [&]() -> asio::awaitable<void> { outcome = co_await store->get("stream/a", slow); };
  asio::steady_timer timer(io_, std::chrono::milliseconds(200));
  auto race = [&]() -> asio::awaitable<int> {
    co_await (get() || timer.async_wait(asio::use_awaitable));
    co_return 0;
  };
  run(race());
  ASSERT_TRUE(outcome.has_value());
  EXPECT_OBJSTORE_ERROR(*outcome, ObjstoreErrc::cancelled);

  // Replaced between two requests of one get: the next request's If-Match fails.
  const bytes other = pattern(32, 0, data.size());
  bool replaced = false;
  Sink replacing = [&](bytes_view) -> asio::awaitable<result<void>> {
    if (!replaced) {
      replaced = true;
      OBJSTORE_CO_TRY(co_await store->put("stream/a", other));
    }
    co_return success();
  };
  EXPECT_OBJSTORE_ERROR(run(store->get("stream/a", replacing)), ObjstoreErrc::precondition_failed);

  whole = run(get_bytes(*store, "stream/a"));
  ASSERT_OK(whole);
  EXPECT_TRUE(equal_bytes(*whole, other));
}

// Not a pass/fail check: prints what a 64 MiB object costs through this client, next to curl.
TEST_F(S3ObjectStoreTest, ThroughputOf64MiB) {
  constexpr uint64_t kSize = 64 * MiB;
  S3Options options = test_options(prefix_);
  options.part_size = S3Options::kDefaultPartSize;
  options.multipart_threshold = 16 * MiB;
  options.upload_parallelism = S3Options::kDefaultUploadParallelism;
  std::unique_ptr<S3ObjectStore> store = open_store(options);
  const bytes data = pattern(8, 0, kSize);
  const auto mib_per_s = [](std::chrono::steady_clock::duration d) {
    return static_cast<double>(kSize) / MiB / std::chrono::duration<double>(d).count();
  };
  auto t0 = std::chrono::steady_clock::now();
  result<ObjectInfo> info = run(store->put("bench/put", data));  // above the threshold: multipart, 8 MiB parts
  ASSERT_OK(info);
  EXPECT_NE(info->etag.find("-8"), std::string::npos) << info->etag;
  const double put = mib_per_s(std::chrono::steady_clock::now() - t0);
  t0 = std::chrono::steady_clock::now();
  uint64_t received = 0;
  Sink count = [&](bytes_view chunk) -> asio::awaitable<result<void>> {
    received += chunk.size();
    co_return success();
  };
  ASSERT_OK(run(store->get("bench/put", count)));  // 4 MiB ranged GETs, verified
  const double get = mib_per_s(std::chrono::steady_clock::now() - t0);
  EXPECT_EQ(received, kSize);
  const std::filesystem::path file = tmp_.path() / "curl";
  const std::string sigv4 = fmt::format(
      "--aws-sigv4 aws:amz:us-east-1:s3 --user {}:{} -H 'x-amz-content-sha256: UNSIGNED-PAYLOAD'", kAccessKey, kSecret);
  t0 = std::chrono::steady_clock::now();
  ASSERT_EQ(
      shell(fmt::format("curl -sf -o {} {} {}/{}/{}bench/put", file.string(), sigv4, endpoint(), kBucket, prefix_))
          .first,
      0);
  const double curl_get = mib_per_s(std::chrono::steady_clock::now() - t0);
  t0 = std::chrono::steady_clock::now();
  ASSERT_EQ(shell(fmt::format("curl -sf -X PUT --data-binary @{} {} {}/{}/{}bench/curl", file.string(), sigv4,
                              endpoint(), kBucket, prefix_))
                .first,
            0);
  const double curl_put = mib_per_s(std::chrono::steady_clock::now() - t0);
  std::printf("64 MiB over loopback: put %.0f MiB/s (curl one PUT %.0f), get %.0f MiB/s (curl one GET %.0f)\n", put,
              curl_put, get, curl_get);
  RecordProperty("put_mib_s", static_cast<int>(put));
  RecordProperty("get_mib_s", static_cast<int>(get));
}

TEST_F(S3ObjectStoreTest, CreateOnlyMultipartUploadLosesToAnExistingKey) {
  // Ceph RGW 16 ignores If-None-Match on CompleteMultipartUpload; the HEAD check catches it.
  ASSERT_OK(run(store_->put("manifest", as_bytes_view("first"))));
  const PutOptions create_only{Metadata{}, true};
  result<std::unique_ptr<Upload>> up = run(store_->start_upload("manifest", create_only));
  ASSERT_OK(up);
  const bytes piece = pattern(5, 0, 6 * MiB);
  ASSERT_OK(run((*up)->write(piece)));
  EXPECT_OBJSTORE_ERROR(run((*up)->complete()), ObjstoreErrc::precondition_failed);
  // (Not EXPECT_EQ: on a failure it would print the 6 MiB that replaced it.)
  EXPECT_TRUE(as_string_view(run(get_bytes(*store_, "manifest")).value()) == "first")
      << "the create-only upload replaced the existing object";
  // And wins when the key is free.
  result<std::unique_ptr<Upload>> fresh = run(store_->start_upload("new-manifest", create_only));
  ASSERT_OK(fresh);
  ASSERT_OK(run((*fresh)->write(piece)));
  ASSERT_OK(run((*fresh)->complete()));
  EXPECT_TRUE(equal_bytes(run(get_bytes(*store_, "new-manifest")).value(), piece));
}

TEST_F(S3ObjectStoreTest, OptionsFromConfigAndUrlReachTheSameObjects) {
  ASSERT_OK(run(store_->put("shared", as_bytes_view("via options"))));
  std::string trimmed = prefix_;
  trimmed.pop_back();
  result<S3Options> from_config = s3_options_from_config({{"rsm.config.s3.bucket", kBucket},
                                                          {"rsm.config.s3.region", "us-east-1"},
                                                          {"rsm.config.s3.endpoint", endpoint()},
                                                          {"rsm.config.s3.path.style.access", "true"},
                                                          {"rsm.config.s3.prefix", trimmed},
                                                          {"rsm.config.s3.access.key.id", kAccessKey},
                                                          {"rsm.config.s3.secret.access.key", kSecret},
                                                          {"log.dirs", "/ignored"}});
  ASSERT_OK(from_config);
  std::unique_ptr<S3ObjectStore> a = open_store(*from_config);
  EXPECT_EQ(std::string(as_string_view(run(get_bytes(*a, "shared")).value())), "via options");

  // A URL carries no credentials: they come from the shared credentials file.
  const std::filesystem::path credentials = tmp_.path() / "credentials";
  std::ofstream(credentials) << "[default]\naws_access_key_id = wrong\naws_secret_access_key = wrong\n\n"
                             << "[strata-test]\naws_access_key_id = " << kAccessKey
                             << "\naws_secret_access_key = " << kSecret << "\n";
  ::setenv("AWS_SHARED_CREDENTIALS_FILE", credentials.c_str(), 1);
  ::setenv("AWS_PROFILE", "strata-test", 1);
  result<S3Options> from_url = options_from_url(
      fmt::format("s3://{}/{}?endpoint={}&region=us-east-1&path_style=true", kBucket, trimmed, endpoint()));
  ASSERT_OK(from_url);
  result<std::unique_ptr<S3ObjectStore>> b = S3ObjectStore::open(*from_url);
  ::unsetenv("AWS_SHARED_CREDENTIALS_FILE");
  ::unsetenv("AWS_PROFILE");
  ASSERT_OK(b);
  EXPECT_EQ(std::string(as_string_view(run(get_bytes(**b, "shared")).value())), "via options");
}

// Runs last (gtest keeps the order of a file): it stops and restarts the server.
TEST_F(S3ObjectStoreTest, ServerStoppedMidUploadFailsAfterTheRetryDeadlineAndLeavesNothing) {
  const std::string tools = required_env("STRATA_REAL_S3_TOOLS");
  const std::string data = required_env("STRATA_S3_DATA_DIR");
  S3Options options = test_options(prefix_);
  options.retry.deadline = std::chrono::milliseconds(3'000);
  options.retry.max_attempts = 1'000;  // bounded by the deadline alone
  options.connect_timeout = std::chrono::milliseconds(1'000);
  std::unique_ptr<S3ObjectStore> store = open_store(options);
  ASSERT_OK(run(store->put("survivor", as_bytes_view("written before the outage"))));

  result<std::unique_ptr<Upload>> up = run(store->start_upload("interrupted"));
  ASSERT_OK(up);
  const bytes piece = pattern(6, 0, 6 * MiB);
  ASSERT_OK(run((*up)->write(piece)));  // the first part is on the server
  ASSERT_FALSE(dynamic_cast<S3Upload*>(up->get())->upload_id().empty());

  // A clean stop: the memstore OSD keeps its data for the restart (README of real-s3).
  ASSERT_EQ(shell(fmt::format("{}/stop.sh {} 2>&1", tools, data)).first, 0);
  const auto start = std::chrono::steady_clock::now();
  result<void> write = run((*up)->write(piece));
  const auto elapsed = std::chrono::steady_clock::now() - start;
  EXPECT_OBJSTORE_ERROR(write, ObjstoreErrc::transient);
  ASSERT_FALSE(write);
  std::printf("after %lld ms: %s\n",
              static_cast<long long>(std::chrono::duration_cast<std::chrono::milliseconds>(elapsed).count()),
              write.error().to_string().c_str());
  EXPECT_NE(write.error().message().find("gave up after"), std::string::npos) << write.error().message();
  EXPECT_NE(write.error().message().find("retry deadline"), std::string::npos) << write.error().message();
  EXPECT_GE(elapsed, std::chrono::milliseconds(2'000)) << "gave up well before the 3 s deadline";
  EXPECT_LT(elapsed, std::chrono::seconds(20));
  EXPECT_OBJSTORE_ERROR(run((*up)->complete()), ObjstoreErrc::transient);  // the failure is sticky
  EXPECT_OBJSTORE_ERROR(run(store->head("survivor")), ObjstoreErrc::transient);

  const auto [rc, endpoint_line] = shell(fmt::format("{}/start.sh {} 2>/dev/null", tools, data));
  ASSERT_EQ(rc, 0) << "the S3 server did not restart";
  EXPECT_OBJSTORE_ERROR(run(store->head("interrupted")), ObjstoreErrc::not_found);
  const ListOptions everything;
  result<ListPage> page = run(store->list(everything));
  ASSERT_OK(page);
  ASSERT_EQ(page->objects.size(), 1u);
  EXPECT_EQ(page->objects[0].key, "survivor");
  EXPECT_EQ(std::string(as_string_view(run(get_bytes(*store, "survivor")).value())), "written before the outage");
}

}  // namespace
}  // namespace strata::objstore::testing
