// The Azure Blob backend against Azurite (npm package azurite, started by the ctest fixture
// azurite_start in strict mode, which checks SharedKey signatures; see README.md "Tests"): the
// conformance suite, then what is specific to Azure — the account key and its errors, Put Block +
// Put Block List above the single-put limit, aborted uploads, checksums, configuration, and
// Azurite killed in the middle of an upload. Without Azurite the tests fail: they never skip.
#include "objstore/azure_object_store.h"

#include <gtest/gtest.h>
#include <signal.h>
#include <stdlib.h>

#include <asio/experimental/awaitable_operators.hpp>
#include <asio/steady_timer.hpp>
#include <chrono>
#include <cstdio>
#include <fstream>
#include <random>

#include <fmt/format.h>

#include "base/crc32c.h"
#include "objstore/azure_upload.h"
#include "objstore/azure_xml.h"
#include "objstore/s3_integrity.h"
#include "objstore/tests/conformance.h"
#include "objstore/tests/test_support.h"

namespace strata::objstore::testing {
namespace {

constexpr size_t KiB = 1024;
constexpr size_t MiB = 1024 * KiB;
constexpr const char* kContainer = "strata-test";
constexpr const char* kAccount = "devstoreaccount1";
constexpr const char* kKey = "Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw==";
// A well-formed key that is not the account's.
constexpr const char* kWrongKey =
    "AAAAvdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw==";

std::string required_env(const char* name) {
  const char* v = std::getenv(name);
  if (v == nullptr || *v == '\0') {
    throw std::runtime_error(
        fmt::format("{} is not set: run this test through ctest, whose fixture starts Azurite (azurite_start)", name));
  }
  return v;
}

std::string read_text(const std::filesystem::path& path) {
  std::ifstream in(path);
  std::string s((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  while (!s.empty() && (s.back() == '\n' || s.back() == ' ')) s.pop_back();
  return s;
}

std::string endpoint_of(const std::string& data_dir) {
  const std::string port = read_text(std::filesystem::path(data_dir) / "port");
  if (port.empty()) throw std::runtime_error("no Azurite port in " + data_dir + ": did azurite_start run?");
  return fmt::format("http://127.0.0.1:{}/{}", port, kAccount);
}

std::string endpoint() { return endpoint_of(required_env("STRATA_AZURITE_DIR")); }

std::string unique_prefix(std::string_view what) {
  static std::mt19937_64 rng(std::random_device{}());
  return fmt::format("{}/{:016x}/", what, rng());
}

AzureOptions test_options(std::string prefix, std::string at = endpoint()) {
  AzureOptions o;
  o.account = kAccount;
  o.key = kKey;
  o.container = kContainer;
  o.endpoint = std::move(at);
  o.prefix = std::move(prefix);
  o.block_size = 4 * MiB;
  o.upload_parallelism = 2;
  o.single_put_limit = 8 * MiB;
  o.retry.deadline = std::chrono::milliseconds(10'000);
  return o;
}

std::unique_ptr<AzureObjectStore> open_store(AzureOptions options) {
  result<std::unique_ptr<AzureObjectStore>> store = AzureObjectStore::open(std::move(options));
  if (!store) throw std::runtime_error(store.error().to_string());
  return std::move(store).value();
}

// Deletes every key of `store` (the prefix of one case), so that Azurite's data stays small.
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

class AzureStoreUnderTest final : public StoreUnderTest {
 public:
  AzureStoreUnderTest() : store_(open_store(test_options(unique_prefix("conformance")))) {}
  ~AzureStoreUnderTest() override { remove_everything(*store_); }
  ObjectStore& store() override { return *store_; }

 private:
  std::unique_ptr<AzureObjectStore> store_;
};

std::unique_ptr<StoreUnderTest> make_azure_store() { return std::make_unique<AzureStoreUnderTest>(); }

INSTANTIATE_TEST_SUITE_P(Azure, ObjectStoreConformance,
                         ::testing::Values(ConformanceBackend{.name = "azure", .make = make_azure_store}),
                         conformance_name);

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

class AzureObjectStoreTest : public ::testing::Test {
 protected:
  void SetUp() override {
    prefix_ = unique_prefix("aztest");
    store_ = open_store(test_options(prefix_));
  }
  void TearDown() override {
    if (store_) remove_everything(*store_);
  }

  template <class T>
  T run(asio::awaitable<T> aw) {
    return testing::run(io_, std::move(aw));
  }

  // The committed blocks of a key of store_, by Get Block List.
  std::vector<AzureBlock> committed_blocks(const std::string& key) {
    AzureRequest request;
    request.path = "/" + uri_encode(prefix_ + key, true);
    request.query = {{"comp", "blocklist"}, {"blocklisttype", "committed"}};
    result<HttpResponse> response = run(store_->call(std::move(request), "get block list " + key));
    if (!response) throw std::runtime_error(response.error().to_string());
    result<std::vector<AzureBlock>> blocks = parse_committed_blocks(response->text);
    if (!blocks) throw std::runtime_error(blocks.error().to_string());
    return std::move(blocks).value();
  }

  asio::io_context io_;
  std::string prefix_;
  std::unique_ptr<AzureObjectStore> store_;
};

TEST_F(AzureObjectStoreTest, WrongAccountKeyIsAccessDeniedAndSaysWhatToCheck) {
  AzureOptions options = test_options(prefix_);
  options.key = kWrongKey;
  std::unique_ptr<AzureObjectStore> bad = open_store(options);
  result<ObjectInfo> put = run(bad->put("k", as_bytes_view("x")));
  EXPECT_OBJSTORE_ERROR(put, ObjstoreErrc::access_denied);
  ASSERT_FALSE(put);
  // Azure says AuthenticationFailed, Azurite AuthorizationFailure.
  EXPECT_NE(put.error().message().find("HTTP 403 Auth"), std::string::npos) << put.error().message();
  EXPECT_NE(put.error().message().find("check the account key"), std::string::npos) << put.error().message();
  EXPECT_NE(put.error().message().find("clock"), std::string::npos) << put.error().message();
  EXPECT_EQ(put.error().message().find(kWrongKey), std::string::npos) << "the key leaked into the error";
  EXPECT_EQ(put.error().message().find("gave up"), std::string::npos) << "access_denied must not be retried";
  ListOptions everything;
  EXPECT_OBJSTORE_ERROR(run(bad->list(everything)), ObjstoreErrc::access_denied);
  EXPECT_OBJSTORE_ERROR(run(bad->head("k")), ObjstoreErrc::access_denied);  // 403 without a body
  EXPECT_OBJSTORE_ERROR(run(store_->head("k")), ObjstoreErrc::not_found);   // nothing was written
  EXPECT_EQ(bad->describe().find(kWrongKey), std::string::npos);
}

TEST_F(AzureObjectStoreTest, MissingContainerIsNotFoundAndSaysSo) {
  AzureOptions options = test_options(prefix_);
  options.container = "no-such-container";
  std::unique_ptr<AzureObjectStore> store = open_store(options);
  result<ObjectInfo> put = run(store->put("k", as_bytes_view("x")));
  EXPECT_OBJSTORE_ERROR(put, ObjstoreErrc::not_found);
  ASSERT_FALSE(put);
  EXPECT_NE(put.error().message().find("ContainerNotFound"), std::string::npos) << put.error().message();
  // Deleting from a missing container is not the success of deleting a missing key.
  EXPECT_OBJSTORE_ERROR(run(store->remove("k")), ObjstoreErrc::not_found);
}

TEST_F(AzureObjectStoreTest, ObjectAboveTheSinglePutLimitGoesThroughBlocksAndReadsBackIdentical) {
  const uint64_t size = 8 * MiB + 123;  // just above the limit: two full blocks and a short one
  const bytes data = pattern(3, 0, size);
  result<ObjectInfo> put = run(store_->put("big", data));
  ASSERT_OK(put);
  EXPECT_EQ(put->crc32c, crc32c::compute(data));
  const std::vector<AzureBlock> blocks = committed_blocks("big");
  ASSERT_EQ(blocks.size(), 3u);
  EXPECT_EQ(blocks[0].size, 4 * MiB);
  EXPECT_EQ(blocks[1].size, 4 * MiB);
  EXPECT_EQ(blocks[2].size, 123u);
  result<bytes> back = run(get_bytes(*store_, "big"));
  ASSERT_OK(back);
  EXPECT_TRUE(*back == data);
  result<ObjectInfo> head = run(store_->head("big"));
  ASSERT_OK(head);
  EXPECT_EQ(head->size, size);
  EXPECT_EQ(head->crc32c, crc32c::compute(data));  // the whole CRC32C, set at Put Block List

  // At the limit: one Put Blob, no blocks.
  ASSERT_OK(run(store_->put("at-limit", bytes_view(data).first(8 * MiB))));
  EXPECT_TRUE(committed_blocks("at-limit").empty());
}

TEST_F(AzureObjectStoreTest, AbortedAndAbandonedStreamedUploadsLeaveNothingVisible) {
  ASSERT_OK(run(store_->put("kept", as_bytes_view("old"))));
  {
    result<std::unique_ptr<Upload>> up = run(store_->start_upload("aborted"));
    ASSERT_OK(up);
    ASSERT_OK(run((*up)->write(pattern(4, 0, 9 * MiB))));
    EXPECT_EQ(dynamic_cast<AzureUpload*>(up->get())->blocks_sent(), 2u);  // blocks are on the server
    ASSERT_OK(run((*up)->abort()));
  }
  {
    // Over an existing blob: the old one stays.
    result<std::unique_ptr<Upload>> up = run(store_->start_upload("kept"));
    ASSERT_OK(up);
    ASSERT_OK(run((*up)->write(pattern(5, 0, 5 * MiB))));
    // destroyed while open
  }
  EXPECT_OBJSTORE_ERROR(run(store_->head("aborted")), ObjstoreErrc::not_found);
  EXPECT_OBJSTORE_ERROR(run(get_bytes(*store_, "aborted")), ObjstoreErrc::not_found);
  result<bytes> kept = run(get_bytes(*store_, "kept"));
  ASSERT_OK(kept);
  EXPECT_EQ(std::string(as_string_view(*kept)), "old");
  const ListOptions everything;
  result<ListPage> page = run(store_->list(everything));
  ASSERT_OK(page);
  ASSERT_EQ(page->objects.size(), 1u);
  EXPECT_EQ(page->objects[0].key, "kept");
}

TEST_F(AzureObjectStoreTest, CreateOnlyBlockCommitLosesToAnExistingKey) {
  ASSERT_OK(run(store_->put("taken", as_bytes_view("first"))));
  PutOptions create_only;
  create_only.if_absent = true;
  result<std::unique_ptr<Upload>> up = run(store_->start_upload("taken", create_only));
  ASSERT_OK(up);
  ASSERT_OK(run((*up)->write(pattern(6, 0, 9 * MiB))));
  EXPECT_OBJSTORE_ERROR(run((*up)->complete()), ObjstoreErrc::precondition_failed);
  result<bytes> back = run(get_bytes(*store_, "taken"));
  ASSERT_OK(back);
  EXPECT_EQ(std::string(as_string_view(*back)), "first");

  // And a create-only commit of a new key succeeds, with the metadata.
  create_only.metadata = {{"base_offset", "42"}};
  result<std::unique_ptr<Upload>> fresh = run(store_->start_upload("fresh", create_only));
  ASSERT_OK(fresh);
  ASSERT_OK(run((*fresh)->write(pattern(7, 0, 9 * MiB))));
  ASSERT_OK(run((*fresh)->complete()));
  result<ObjectInfo> head = run(store_->head("fresh"));
  ASSERT_OK(head);
  EXPECT_EQ(head->metadata, create_only.metadata);  // strata_* entries stay hidden
}

TEST_F(AzureObjectStoreTest, MetadataNamesThatSortDifferentlyByteWiseAreSignedRight) {
  // '_' sorts before digits for the service (culture-aware) and after them in byte order: the
  // canonicalized headers must follow the service, or the signature is refused.
  PutOptions options;
  options.metadata = {{"a1", "x"}, {"a_b", "y"}, {"a_1", "z"}, {"ab", "w"}};
  ASSERT_OK(run(store_->put("meta", as_bytes_view("m"), options)));
  result<ObjectInfo> head = run(store_->head("meta"));
  ASSERT_OK(head);
  EXPECT_EQ(head->metadata, options.metadata);
}

TEST_F(AzureObjectStoreTest, WrongChecksumIsCorruptNeverGoodData) {
  // A blob whose strata_crc32c does not match its bytes, written by a raw Put Blob.
  const std::string content = "these bytes do not match the stored checksum";
  AzureRequest request;
  request.method = "PUT";
  request.path = "/" + uri_encode(prefix_ + "bad", true);
  request.headers = {{"Content-Type", "application/octet-stream"},
                     {"x-ms-blob-type", "BlockBlob"},
                     {"x-ms-meta-strata_crc32c", crc32c_hex(crc32c::compute(as_bytes_view(content)) ^ 1)}};
  request.body = as_bytes_view(content);
  ASSERT_OK(run(store_->call(std::move(request), "put bad")));
  EXPECT_OBJSTORE_ERROR(run(get_bytes(*store_, "bad")), ObjstoreErrc::corrupt);
  // A range is not checked against the whole-object checksum (as on S3).
  ASSERT_OK(run(get_bytes(*store_, "bad", ByteRange{0, 5})));

  // Without Strata's metadata, the Content-MD5 the service keeps (it computes one for Put Blob)
  // is checked instead.
  AzureRequest foreign;
  foreign.method = "PUT";
  foreign.path = "/" + uri_encode(prefix_ + "foreign", true);
  foreign.headers = {{"x-ms-blob-type", "BlockBlob"}};
  foreign.body = as_bytes_view(content);
  ASSERT_OK(run(store_->call(foreign, "put foreign")));
  result<bytes> good = run(get_bytes(*store_, "foreign"));
  ASSERT_OK(good);
  EXPECT_EQ(std::string(as_string_view(*good)), content);
  // Set Blob Properties stores an MD5 without checking it against the bytes.
  AzureRequest wrong_md5;
  wrong_md5.method = "PUT";
  wrong_md5.path = foreign.path;
  wrong_md5.query = {{"comp", "properties"}};
  wrong_md5.headers = {{"x-ms-blob-content-md5", base64(md5(as_bytes_view("other bytes")))}};
  ASSERT_OK(run(store_->call(std::move(wrong_md5), "set properties foreign")));
  EXPECT_OBJSTORE_ERROR(run(get_bytes(*store_, "foreign")), ObjstoreErrc::corrupt);
}

TEST_F(AzureObjectStoreTest, CancellationStopsARequestInFlight) {
  using namespace asio::experimental::awaitable_operators;
  constexpr uint64_t kSize = 64 * MiB;
  AzureOptions options = test_options(prefix_);
  options.single_put_limit = 2 * kSize;  // one Put Blob of 64 MiB
  std::unique_ptr<AzureObjectStore> store = open_store(options);
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
  // Stopped in flight: a Put Blob that ran to its end would have created the blob. (No bound on
  // the time taken: the checksums computed before sending cannot be interrupted, and under ASan
  // and a loaded machine they take a large share of a whole put.)
  EXPECT_OBJSTORE_ERROR(run(store->head("cancel/put")), ObjstoreErrc::not_found);
  EXPECT_LT(cancelled, full + std::chrono::seconds(5));
}

TEST_F(AzureObjectStoreTest, OptionsFromConfigUrlAndEnvironmentReachTheSameObjects) {
  ASSERT_OK(run(store_->put("shared", as_bytes_view("via options"))));
  std::string trimmed = prefix_;
  trimmed.pop_back();

  const std::map<std::string, std::string> config = {
      {"rsm.config.azure.account.name", kAccount}, {"rsm.config.azure.account.key", kKey},
      {"rsm.config.azure.container", kContainer},  {"rsm.config.azure.endpoint", endpoint()},
      {"rsm.config.azure.prefix", trimmed},        {"some.other.key", "ignored"}};
  result<AzureOptions> from_config = azure_options_from_config(config);
  ASSERT_OK(from_config);
  std::unique_ptr<AzureObjectStore> a = open_store(*from_config);
  EXPECT_EQ(std::string(as_string_view(run(get_bytes(*a, "shared")).value())), "via options");

  std::map<std::string, std::string> typo = config;
  typo["rsm.config.azure.acount.key"] = kKey;
  EXPECT_OBJSTORE_ERROR(azure_options_from_config(typo), ObjstoreErrc::invalid_argument);

  // A URL gives the container, prefix, endpoint and account; the key comes from the environment.
  result<AzureOptions> from_url = azure_options_from_url(
      fmt::format("azure://{}/{}?endpoint={}&account={}", kContainer, trimmed, endpoint(), kAccount));
  ASSERT_OK(from_url);
  const EnvLookup key_only = [](const char* name) -> std::optional<std::string> {
    if (std::string_view(name) == "AZURE_STORAGE_KEY") return std::string(kKey);
    return std::nullopt;
  };
  result<AzureOptions> finished = finish_azure_options(*from_url, key_only);
  ASSERT_OK(finished);
  std::unique_ptr<AzureObjectStore> b = open_store(*finished);
  EXPECT_EQ(std::string(as_string_view(run(get_bytes(*b, "shared")).value())), "via options");

  // A connection string gives account, key and endpoint.
  const std::string connection = fmt::format(
      "DefaultEndpointsProtocol=http;AccountName={};AccountKey={};BlobEndpoint={};", kAccount, kKey, endpoint());
  const EnvLookup connection_only = [&](const char* name) -> std::optional<std::string> {
    if (std::string_view(name) == "AZURE_STORAGE_CONNECTION_STRING") return connection;
    return std::nullopt;
  };
  AzureOptions bare;
  bare.container = kContainer;
  bare.prefix = trimmed;
  result<AzureOptions> from_env = finish_azure_options(bare, connection_only);
  ASSERT_OK(from_env);
  EXPECT_EQ(from_env->endpoint, endpoint());
  std::unique_ptr<AzureObjectStore> c = open_store(*from_env);
  EXPECT_EQ(std::string(as_string_view(run(get_bytes(*c, "shared")).value())), "via options");

  // UseDevelopmentStorage=true is Azurite's default account on its default port.
  result<AzureConnectionString> dev = parse_connection_string("UseDevelopmentStorage=true");
  ASSERT_OK(dev);
  EXPECT_EQ(dev->account, kAccount);
  EXPECT_EQ(dev->blob_endpoint, "http://127.0.0.1:10000/devstoreaccount1");

  // Nothing anywhere: the error says where an account can come from.
  const EnvLookup nothing = [](const char*) -> std::optional<std::string> { return std::nullopt; };
  result<AzureOptions> none = finish_azure_options(bare, nothing);
  EXPECT_OBJSTORE_ERROR(none, ObjstoreErrc::invalid_argument);
  ASSERT_FALSE(none);
  EXPECT_NE(none.error().message().find("AZURE_STORAGE_ACCOUNT"), std::string::npos);
  AzureOptions bad_key = test_options(prefix_);
  bad_key.key = "not base64!";
  EXPECT_OBJSTORE_ERROR(finish_azure_options(bad_key, nothing), ObjstoreErrc::invalid_argument);
}

// Starts a private Azurite (the fixture's own stays up for the other cases), kills it with
// SIGKILL in the middle of a streamed upload, and expects a transient error that says it gave up,
// within the retry deadline.
TEST_F(AzureObjectStoreTest, AzuriteKilledMidUploadFailsClearlyWithinTheRetryDeadline) {
  const std::string scripts = required_env("STRATA_AZURITE_SCRIPTS");
  const std::string bin = required_env("STRATA_AZURITE_BIN");
  const std::string data = required_env("STRATA_AZURITE_DIR") + "-kill";
  // Stops the private Azurite (by its pid file) however the case ends.
  struct Stopper {
    std::string command;
    ~Stopper() { shell(command); }
  } stopper{fmt::format("{}/azurite_stop.sh {} 2>&1", scripts, data)};
  const auto [rc, started] = shell(fmt::format("{}/azurite_start.sh {} {} {} 2>&1", scripts, bin, data, kContainer));
  ASSERT_EQ(rc, 0) << "could not start a private Azurite: " << started;

  AzureOptions options = test_options(prefix_, endpoint_of(data));
  options.retry.deadline = std::chrono::milliseconds(3'000);
  options.retry.max_attempts = 1'000;  // bounded by the deadline alone
  options.connect_timeout = std::chrono::milliseconds(1'000);
  std::unique_ptr<AzureObjectStore> store = open_store(options);
  ASSERT_OK(run(store->put("survivor", as_bytes_view("written before the outage"))));
  result<std::unique_ptr<Upload>> up = run(store->start_upload("interrupted"));
  ASSERT_OK(up);
  const bytes piece = pattern(8, 0, 9 * MiB);
  ASSERT_OK(run((*up)->write(piece)));  // the first two blocks are on the server
  ASSERT_EQ(dynamic_cast<AzureUpload*>(up->get())->blocks_sent(), 2u);

  const pid_t pid = static_cast<pid_t>(std::stol(read_text(std::filesystem::path(data) / "pid")));
  ASSERT_EQ(::kill(pid, SIGKILL), 0);
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
  EXPECT_LT(elapsed, std::chrono::seconds(10));
  EXPECT_OBJSTORE_ERROR(run((*up)->complete()), ObjstoreErrc::transient);  // the failure is sticky
  EXPECT_OBJSTORE_ERROR(run(store->head("survivor")), ObjstoreErrc::transient);
}

}  // namespace
}  // namespace strata::objstore::testing
