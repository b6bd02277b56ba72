// The filesystem backend: the conformance suite, then what is specific to files — the on-disk
// layout, corruption detection, staging cleanup, reopening, and races between puts and deletes.
#include "objstore/fs_object_store.h"

#include <fcntl.h>
#include <gtest/gtest.h>
#include <unistd.h>

#include <asio/co_spawn.hpp>
#include <asio/detached.hpp>
#include <fstream>

#include <fmt/format.h>

#include "objstore/fs_format.h"
#include "objstore/fs_layout.h"
#include "objstore/tests/conformance.h"
#include "objstore/tests/test_support.h"

namespace strata::objstore::testing {
namespace {

namespace fs = std::filesystem;

class FsStoreUnderTest final : public StoreUnderTest {
 public:
  explicit FsStoreUnderTest(FsOptions options) {
    options.root = dir_.path() / "store";
    result<std::unique_ptr<FsObjectStore>> opened = FsObjectStore::open(std::move(options));
    if (!opened) throw std::runtime_error(opened.error().to_string());
    store_ = std::move(opened).value();
  }
  ObjectStore& store() override { return *store_; }

 private:
  TempDir dir_;
  std::unique_ptr<FsObjectStore> store_;
};

// The conformance cases check semantics, with fsync off so that the >1000-key cases take a second,
// not ten (an fsync costs milliseconds here). The synced paths — publish, directory creation,
// deletes racing puts — are covered by FsObjectStoreTest below, which runs with sync on.
std::unique_ptr<StoreUnderTest> make_fs_store() {
  FsOptions options;
  options.sync = false;
  return std::make_unique<FsStoreUnderTest>(options);
}

INSTANTIATE_TEST_SUITE_P(Fs, ObjectStoreConformance,
                         ::testing::Values(ConformanceBackend{.name = "fs", .make = make_fs_store}), conformance_name);

constexpr size_t KiB = 1024;

class FsObjectStoreTest : public ::testing::Test {
 protected:
  void SetUp() override { open_store(FsOptions{}); }

  void open_store(FsOptions options) {
    store_.reset();
    options.root = root();
    result<std::unique_ptr<FsObjectStore>> opened = FsObjectStore::open(std::move(options));
    ASSERT_OK(opened);
    store_ = std::move(opened).value();
  }

  fs::path root() const { return dir_.path() / "store"; }
  fs::path file_of(const std::string& key) const { return store_->object_path(key).value(); }

  template <class T>
  T run(asio::awaitable<T> aw) {
    return testing::run(io_, std::move(aw));
  }

  result<ObjectInfo> put(const std::string& key, const bytes& content, Metadata metadata = {}) {
    return run(store_->put(key, content, PutOptions{std::move(metadata), false}));
  }

  // Flips one bit of the file at `offset` (negative: from the end).
  static void flip_bit(const fs::path& file, int64_t offset) {
    std::fstream f(file, std::ios::in | std::ios::out | std::ios::binary);
    if (offset < 0) {
      f.seekg(0, std::ios::end);
      offset += static_cast<int64_t>(f.tellg());
    }
    f.seekg(offset);
    char c = 0;
    f.read(&c, 1);
    c = static_cast<char>(c ^ 0x10);
    f.seekp(offset);
    f.write(&c, 1);
  }

  std::vector<fs::path> staging_files() const {
    std::vector<fs::path> files;
    for (const auto& e : fs::directory_iterator(root() / fslayout::kStagingDir)) files.push_back(e.path());
    return files;
  }

  TempDir dir_;
  asio::io_context io_;
  std::unique_ptr<FsObjectStore> store_;
};

TEST_F(FsObjectStoreTest, LayoutMatchesTheDocumentedFormat) {
  const bytes content = pattern(1, 0, 100 * KiB);
  ASSERT_OK(put("topic-0/segments/00000000000000000000.log", content, {{"base_offset", "0"}}));

  std::ifstream marker(root() / fslayout::kMarkerFile);
  std::string marker_text((std::istreambuf_iterator<char>(marker)), std::istreambuf_iterator<char>());
  EXPECT_EQ(marker_text, fslayout::kMarkerContents);

  const fs::path file = root() / "objects" / "topic-0%d" / "segments%d" / "00000000000000000000.log";
  EXPECT_EQ(file_of("topic-0/segments/00000000000000000000.log"), file);
  ASSERT_TRUE(fs::is_regular_file(file));
  // data, metadata (u16 count + u16 + 11 + u16 + 1), table (2 blocks), footer
  const uint64_t metadata_size = 2 + 2 + 11 + 2 + 1;
  EXPECT_EQ(fs::file_size(file), content.size() + metadata_size + 2 * fsformat::kBlockCrcSize + fsformat::kFooterSize);
  // The data comes first, as is: `dd` and `cmp` work on an object file.
  std::ifstream in(file, std::ios::binary);
  bytes head(content.size());
  in.read(reinterpret_cast<char*>(head.data()), static_cast<std::streamsize>(head.size()));
  EXPECT_TRUE(equal_bytes(head, content));
  EXPECT_TRUE(staging_files().empty());
}

TEST_F(FsObjectStoreTest, KeysThatLookLikeTheEncodingRoundTrip) {
  const std::vector<std::string> keys = {"x%d", "x%d/y", "100%", "%25", "a%/b%d/c%25"};
  for (const std::string& key : keys) ASSERT_OK(put(key, to_bytes(key)));
  for (const std::string& key : keys) {
    result<bytes> got = run(get_bytes(*store_, key));
    ASSERT_OK(got);
    EXPECT_EQ(as_string_view(*got), key);
  }
  std::vector<std::string> sorted = keys;
  std::sort(sorted.begin(), sorted.end());
  result<ListPage> page = run(store_->list(ListOptions{}));
  ASSERT_OK(page);
  std::vector<std::string> listed;
  for (const ObjectInfo& o : page->objects) listed.push_back(o.key);
  EXPECT_EQ(listed, sorted);
}

TEST_F(FsObjectStoreTest, ForeignFilesInTheTreeAreIgnored) {
  ASSERT_OK(put("d/real", to_bytes("x")));
  std::ofstream(root() / "objects" / "d%d" / "junk%zz") << "not ours";
  fs::create_directory(root() / "objects" / "no-suffix-dir");
  std::ofstream(root() / "objects" / "no-suffix-dir" / "file") << "not ours";
  fs::create_symlink(root() / "objects" / "d%d" / "real", root() / "objects" / "link");
  result<ListPage> page = run(store_->list(ListOptions{}));
  ASSERT_OK(page);
  ASSERT_EQ(page->objects.size(), 1u);
  EXPECT_EQ(page->objects[0].key, "d/real");
}

TEST_F(FsObjectStoreTest, CorruptedDataIsDetectedAndBadBytesAreNeverDelivered) {
  FsOptions options;
  options.read_chunk_size = 64 * KiB;  // one block per sink call, to see how far delivery goes
  open_store(options);
  const bytes content = pattern(2, 0, 300 * KiB);
  ASSERT_OK(put("victim", content, {{"kept", "yes"}}));
  constexpr int64_t kFlipped = 150'000;  // in the third block, [128 KiB, 192 KiB)
  flip_bit(file_of("victim"), kFlipped);

  bytes received;
  Sink collect = [&](bytes_view chunk) -> asio::awaitable<result<void>> {
    received.insert(received.end(), chunk.begin(), chunk.end());
    co_return success();
  };
  EXPECT_OBJSTORE_ERROR(run(store_->get("victim", collect)), ObjstoreErrc::corrupt);
  // Only the two good blocks before the damaged one reached the sink, and they are right.
  EXPECT_EQ(received.size(), 128 * KiB);
  EXPECT_TRUE(equal_bytes(received, bytes_view(content).first(received.size())));

  EXPECT_OBJSTORE_ERROR(run(get_bytes(*store_, "victim", ByteRange{kFlipped - 5, 10})), ObjstoreErrc::corrupt);
  bytes buffer(10);
  EXPECT_OBJSTORE_ERROR(run(store_->read("victim", kFlipped, buffer)), ObjstoreErrc::corrupt);
  // Ranges that do not touch the damaged block still read, verified.
  result<bytes> before = run(get_bytes(*store_, "victim", ByteRange{0, 1000}));
  ASSERT_OK(before);
  EXPECT_TRUE(equal_bytes(*before, bytes_view(content).first(1000)));
  result<bytes> after = run(get_bytes(*store_, "victim", ByteRange::from(200 * KiB)));
  ASSERT_OK(after);
  EXPECT_TRUE(equal_bytes(*after, bytes_view(content).subspan(200 * KiB)));
  // The footer and metadata are intact.
  result<ObjectInfo> head = run(store_->head("victim"));
  ASSERT_OK(head);
  EXPECT_EQ(head->metadata, (Metadata{{"kept", "yes"}}));
}

TEST_F(FsObjectStoreTest, CorruptedFooterMetadataOrTruncationIsDetected) {
  const bytes content = pattern(3, 0, 10 * KiB);
  ASSERT_OK(put("footer", content));
  flip_bit(file_of("footer"), -20);
  EXPECT_OBJSTORE_ERROR(run(store_->head("footer")), ObjstoreErrc::corrupt);
  EXPECT_OBJSTORE_ERROR(run(get_bytes(*store_, "footer")), ObjstoreErrc::corrupt);
  EXPECT_OBJSTORE_ERROR(run(store_->list(ListOptions{})), ObjstoreErrc::corrupt);
  ASSERT_OK(run(store_->remove("footer")));

  ASSERT_OK(put("meta", content, {{"key", "value"}}));
  flip_bit(file_of("meta"), static_cast<int64_t>(content.size()) + 5);  // inside the metadata section
  EXPECT_OBJSTORE_ERROR(run(store_->head("meta")), ObjstoreErrc::corrupt);
  EXPECT_OBJSTORE_ERROR(run(get_bytes(*store_, "meta")), ObjstoreErrc::corrupt);
  ASSERT_OK(run(store_->remove("meta")));

  ASSERT_OK(put("table", content));
  flip_bit(file_of("table"), -static_cast<int64_t>(fsformat::kFooterSize) - 1);  // the last block's CRC
  EXPECT_OBJSTORE_ERROR(run(get_bytes(*store_, "table")), ObjstoreErrc::corrupt);
  ASSERT_OK(run(store_->remove("table")));

  ASSERT_OK(put("truncated", content));
  fs::resize_file(file_of("truncated"), fs::file_size(file_of("truncated")) - 1);
  EXPECT_OBJSTORE_ERROR(run(store_->head("truncated")), ObjstoreErrc::corrupt);
  fs::resize_file(file_of("truncated"), 10);
  EXPECT_OBJSTORE_ERROR(run(get_bytes(*store_, "truncated")), ObjstoreErrc::corrupt);
}

TEST_F(FsObjectStoreTest, StagingIsEmptyAfterPutsAbortsFailuresAndAbandonedUploads) {
  ASSERT_OK(put("s/one", pattern(4, 0, 1000)));
  ASSERT_OK(run(store_->put("s/one-only", to_bytes("a"), PutOptions{{}, true})));
  EXPECT_OBJSTORE_ERROR(run(store_->put("s/one-only", to_bytes("b"), PutOptions{{}, true})),
                        ObjstoreErrc::precondition_failed);
  {
    result<std::unique_ptr<Upload>> upload = run(store_->start_upload("s/aborted"));
    ASSERT_OK(upload);
    ASSERT_OK(run((*upload)->write(to_bytes("partial"))));
    EXPECT_EQ(staging_files().size(), 1u);  // in progress: staged, not visible
    ASSERT_OK(run((*upload)->abort()));
  }
  {
    result<std::unique_ptr<Upload>> upload = run(store_->start_upload("s/abandoned"));
    ASSERT_OK(upload);
    ASSERT_OK(run((*upload)->write(to_bytes("partial"))));
  }
  // The abandoned upload is cleaned up on the pool; reopening waits for the pool to drain.
  open_store(FsOptions{});
  EXPECT_TRUE(staging_files().empty());
}

TEST_F(FsObjectStoreTest, ReopeningKeepsObjectsAndRefusesForeignDirectories) {
  ASSERT_OK(put("persist/me", to_bytes("still here")));
  open_store(FsOptions{});
  result<bytes> got = run(get_bytes(*store_, "persist/me"));
  ASSERT_OK(got);
  EXPECT_EQ(as_string_view(*got), "still here");

  const fs::path foreign = dir_.path() / "someone-elses";
  fs::create_directories(foreign);
  std::ofstream(foreign / "important.txt") << "do not mix objects in here";
  FsOptions options;
  options.root = foreign;
  EXPECT_OBJSTORE_ERROR(FsObjectStore::open(options), ObjstoreErrc::invalid_argument);

  const fs::path future = dir_.path() / "future";
  fs::create_directories(future);
  std::ofstream(future / fslayout::kMarkerFile) << "strata objstore filesystem layout 99\n";
  options.root = future;
  EXPECT_OBJSTORE_ERROR(FsObjectStore::open(options), ObjstoreErrc::permanent);
}

TEST_F(FsObjectStoreTest, OptionsAreValidated) {
  FsOptions options;
  options.root = dir_.path() / "other";
  options.block_size = 100;
  EXPECT_OBJSTORE_ERROR(FsObjectStore::open(options), ObjstoreErrc::invalid_argument);
  options.block_size = fsformat::kDefaultBlockSize;
  options.io_threads = 0;
  EXPECT_OBJSTORE_ERROR(FsObjectStore::open(options), ObjstoreErrc::invalid_argument);
  options.io_threads = 1;
  options.root.clear();
  EXPECT_OBJSTORE_ERROR(FsObjectStore::open(options), ObjstoreErrc::invalid_argument);
}

TEST_F(FsObjectStoreTest, ComponentsTooLongForTheFilesystemAreInvalid) {
  EXPECT_OBJSTORE_ERROR(put(std::string(fslayout::kMaxNameSize + 1, 'a'), to_bytes("x")),
                        ObjstoreErrc::invalid_argument);
  // Directory names carry the 2-byte suffix.
  EXPECT_OBJSTORE_ERROR(put(std::string(fslayout::kMaxNameSize - 1, 'a') + "/x", to_bytes("x")),
                        ObjstoreErrc::invalid_argument);
  ASSERT_OK(put(std::string(fslayout::kMaxNameSize, 'a'), to_bytes("x")));
  EXPECT_OBJSTORE_ERROR(run(store_->start_upload(std::string(fslayout::kMaxNameSize + 1, 'b'))),
                        ObjstoreErrc::invalid_argument);
}

TEST_F(FsObjectStoreTest, PutsRacingDeletesThatPruneTheirDirectoryAreNeverLost) {
  // Deleting the last object of a directory removes the directory (and its empty parents). Two
  // writers that each put and delete their own keys in the same directories keep emptying them
  // under each other's puts, which must make the directories again rather than fail.
  constexpr int kRounds = 64;
  int failures = 0;
  for (int writer = 0; writer < 2; ++writer) {
    asio::co_spawn(
        io_,
        [&, writer]() -> asio::awaitable<void> {
          for (int i = 0; i < kRounds; ++i) {
            const std::string key = fmt::format("race/{}/deep/w{}-{}", i % 3, writer, i);
            result<ObjectInfo> put_r = co_await store_->put(key, to_bytes("x"));
            result<ObjectInfo> head_r = co_await store_->head(key);
            result<void> remove_r = co_await store_->remove(key);
            if (!put_r || !head_r || !remove_r) {
              ++failures;
              const Error& e = !put_r ? put_r.error() : !head_r ? head_r.error() : remove_r.error();
              ADD_FAILURE() << key << ": " << e.to_string();
            }
          }
        },
        asio::detached);
  }
  io_.restart();
  io_.run();
  EXPECT_EQ(failures, 0);
  result<ListPage> page = run(store_->list(ListOptions{}));
  ASSERT_OK(page);
  EXPECT_TRUE(page->objects.empty());
  EXPECT_TRUE(fs::is_empty(root() / "objects")) << "empty directories were left behind";
}

}  // namespace
}  // namespace strata::objstore::testing
