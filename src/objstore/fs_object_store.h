// The filesystem backend: objects as files under a root directory, the embedded default store
// (`file:///path`, `rsm.config.fs.root`). On-disk layout and object format:
// docs/formats/objstore-filesystem.md (fs_layout.h, fs_format.h).
//
// Guarantees, beyond the interface's:
//   - Atomic, durable publish: an object is written to staging/, fsynced, renamed into place and
//     its directory fsynced before put() or complete() returns (FsOptions::sync).
//   - Conditional create is atomic against concurrent creators in any process sharing the root
//     (renameat2(RENAME_NOREPLACE), or link() where the filesystem lacks it).
//   - Reads verify every 64 KiB block they touch before handing its bytes to the sink, so a
//     corrupted object yields ObjstoreErrc::corrupt and never bad bytes.
//
// Blocking file I/O runs on the store's own small thread pool; results complete back on the
// caller's executor (coro_support.h).
#pragma once

#include <asio/thread_pool.hpp>
#include <cstddef>
#include <filesystem>
#include <memory>
#include <mutex>
#include <random>
#include <span>
#include <string>

#include "base/clock.h"
#include "objstore/fs_format.h"
#include "objstore/object_store.h"

namespace strata::objstore {

class ObjectFileWriter;

struct FsOptions {
  static constexpr size_t kDefaultIoThreads = 2;
  static constexpr size_t kDefaultReadChunkSize = 1024 * 1024;

  std::filesystem::path root;
  // Threads for blocking file I/O.
  size_t io_threads = kDefaultIoThreads;
  // fsync files and directories when publishing and deleting. Turn off only for throwaway stores:
  // without it a crash can lose acknowledged objects (never expose a partial one).
  bool sync = true;
  // Checksum block size of new objects, in [kMinBlockSize, kMaxBlockSize].
  uint32_t block_size = fsformat::kDefaultBlockSize;
  // Largest chunk handed to a get() sink; rounded up to whole blocks.
  size_t read_chunk_size = kDefaultReadChunkSize;
  // Time stamps of new objects; system_clock() when null.
  Clock* clock = nullptr;
};

class FsObjectStore final : public ObjectStore {
 public:
  // Opens the store at options.root, creating the directory and the layout when missing. Refuses
  // (ObjstoreErrc::invalid_argument) a non-empty directory that is not a store, so that a wrong
  // path never gets objects mixed into it; a store of an unknown layout version is permanent.
  // Blocking: call it at startup, not on an event loop.
  static result<std::unique_ptr<FsObjectStore>> open(FsOptions options);

  // Waits for the pool's outstanding work. Every operation must have completed.
  ~FsObjectStore() override;

  std::string describe() const override;
  const std::filesystem::path& root() const { return options_.root; }
  // The file that holds `key` (which need not exist), for tools and tests.
  result<std::filesystem::path> object_path(std::string_view key) const;

 protected:
  asio::awaitable<result<ObjectInfo>> do_put(std::string key, bytes_view data, PutOptions options) override;
  asio::awaitable<result<std::unique_ptr<Upload>>> do_start_upload(std::string key, PutOptions options) override;
  asio::awaitable<result<GetResult>> do_get(std::string key, Sink sink, GetOptions options) override;
  asio::awaitable<result<ObjectInfo>> do_head(std::string key) override;
  asio::awaitable<result<ListPage>> do_list(ListOptions options) override;
  asio::awaitable<result<void>> do_remove(std::string key) override;
  asio::awaitable<result<std::vector<DeleteFailure>>> do_remove_batch(std::vector<std::string> keys) override;

 private:
  friend class FsUpload;

  explicit FsObjectStore(FsOptions options);

  // Blocking parts, run on pool_.
  result<ObjectFileWriter> create_staging_file();
  // Finishes `writer` and moves it into place as `key`.
  result<ObjectInfo> finish_and_publish(ObjectFileWriter& writer, const std::string& key, const PutOptions& options);
  result<void> publish(const std::filesystem::path& staged, const std::string& key, bool if_absent);
  // Deletes `keys`, syncing each directory once; returns the keys that could not be deleted.
  std::vector<DeleteFailure> remove_now(std::span<const std::string> keys);
  uint64_t random_u64();

  FsOptions options_;
  std::filesystem::path objects_;
  std::filesystem::path staging_;
  Clock& clock_;
  std::mutex rng_mu_;
  std::mt19937_64 rng_;  // staging file names and object versions (etags); guarded by rng_mu_
  asio::thread_pool pool_;
};

}  // namespace strata::objstore
