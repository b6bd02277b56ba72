#include "objstore/fs_object_store.h"

#include <fcntl.h>
#include <fmt/format.h>
#include <stdio.h>  // renameat2, RENAME_NOREPLACE (glibc >= 2.28)
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <asio/post.hpp>
#include <cerrno>
#include <fstream>
#include <map>
#include <sstream>

#include "base/crc32c.h"
#include "objstore/coro_support.h"
#include "objstore/fs_io.h"
#include "objstore/fs_layout.h"
#include "objstore/fs_listing.h"
#include "objstore/fs_object_file.h"

namespace strata::objstore {

namespace {

// How often publish() makes its directories again after a concurrent delete pruned them. Each
// round needs a delete to empty the directory in the few microseconds between mkdir and rename.
constexpr int kMaxPublishAttempts = 8;
// Keys deleted per pool task by remove_batch(): bounds how long one task holds a pool thread and
// how soon cancellation is seen.
constexpr size_t kKeysPerDeleteTask = 1000;

Error invalid(std::string message) { return Error(ObjstoreErrc::invalid_argument, std::move(message)); }

// rename() that fails with EEXIST instead of replacing an existing target, atomically.
int rename_noreplace(const std::filesystem::path& from, const std::filesystem::path& to) {
  if (::renameat2(AT_FDCWD, from.c_str(), AT_FDCWD, to.c_str(), RENAME_NOREPLACE) == 0) return 0;
  if (errno != EINVAL && errno != ENOSYS) return -1;
  // The filesystem cannot rename without replacing; link() refuses an existing target just as
  // atomically.
  if (::link(from.c_str(), to.c_str()) != 0) return -1;
  ::unlink(from.c_str());
  return 0;
}

// Makes the directories from `base` down to `dir`, fsyncing the parent of each one it creates
// when `sync`. Returns false if a concurrent delete removed a directory on the way.
result<bool> make_directories(const std::filesystem::path& base, const std::filesystem::path& dir, bool sync) {
  std::filesystem::path current = base;
  for (const std::filesystem::path& part : dir.lexically_relative(base)) {
    if (part == ".") continue;
    const std::filesystem::path parent = current;
    current /= part;
    if (::mkdir(current.c_str(), fslayout::kDirectoryMode) == 0) {
      if (sync) STRATA_TRY(fsio::fsync_directory(parent));
      continue;
    }
    if (errno == EEXIST) continue;
    if (errno == ENOENT) return false;
    return fsio::errno_error(errno, fmt::format("create directory {}", current.string()));
  }
  return true;
}

// Makes a change to the entries of `dir` durable. If concurrent deletes have pruned `dir` (it was
// left empty, so the change is moot), the nearest ancestor still there is synced instead, which
// makes the removal itself durable.
result<void> fsync_directory_or_ancestor(std::filesystem::path dir, const std::filesystem::path& base) {
  while (true) {
    result<void> synced = fsio::fsync_directory(dir);
    if (synced || !synced.error().is(ObjstoreErrc::not_found) || dir.native().size() <= base.native().size()) {
      return synced;
    }
    dir = dir.parent_path();
  }
}

result<void> create_layout(const std::filesystem::path& root) {
  for (std::string_view dir : {fslayout::kObjectsDir, fslayout::kStagingDir}) {
    const std::filesystem::path path = root / dir;
    if (::mkdir(path.c_str(), fslayout::kDirectoryMode) != 0 && errno != EEXIST) {
      return fsio::errno_error(errno, fmt::format("create directory {}", path.string()));
    }
  }
  // The marker goes last and atomically: a root with a marker has the whole layout.
  const std::filesystem::path marker = root / fslayout::kMarkerFile;
  const std::filesystem::path temp =
      root / (std::string(fslayout::kMarkerFile) + std::string(fslayout::kStagingSuffix));
  {
    fsio::UniqueFd fd(::open(temp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, fslayout::kFileMode));
    if (!fd.valid()) return fsio::errno_error(errno, fmt::format("create {}", temp.string()));
    STRATA_TRY(fsio::write_all(fd.get(), as_bytes_view(fslayout::kMarkerContents), temp));
    STRATA_TRY(fsio::fsync_file(fd.get(), temp));
  }
  if (::rename(temp.c_str(), marker.c_str()) != 0) {
    return fsio::errno_error(errno, fmt::format("rename {} to {}", temp.string(), marker.string()));
  }
  return fsio::fsync_directory(root);
}

result<void> open_layout(const std::filesystem::path& root) {
  std::error_code ec;
  std::filesystem::create_directories(root, ec);
  if (ec) return fsio::errno_error(ec.value(), fmt::format("create directory {}", root.string()));
  const std::filesystem::path marker = root / fslayout::kMarkerFile;
  if (!std::filesystem::exists(marker, ec)) {
    if (!std::filesystem::is_empty(root, ec) || ec) {
      return invalid(
          fmt::format("{} is not empty and is not a Strata object store (it has no {} file); "
                      "give the store a directory of its own",
                      root.string(), fslayout::kMarkerFile));
    }
    return create_layout(root);
  }
  std::ifstream in(marker);
  std::stringstream contents;
  contents << in.rdbuf();
  if (contents.str() != fslayout::kMarkerContents) {
    return Error(ObjstoreErrc::permanent,
                 fmt::format("{} holds an object store layout this build does not know ({}: '{}')", root.string(),
                             fslayout::kMarkerFile, contents.str()));
  }
  for (std::string_view dir : {fslayout::kObjectsDir, fslayout::kStagingDir}) {
    if (!std::filesystem::is_directory(root / dir, ec)) {
      return Error(ObjstoreErrc::permanent,
                   fmt::format("the object store at {} has no {}/ directory: it was damaged", root.string(), dir));
    }
  }
  return success();
}

}  // namespace

// ---- FsUpload ----

class FsUpload final : public Upload {
 public:
  FsUpload(FsObjectStore& store, std::string key, PutOptions options, ObjectFileWriter writer)
      : Upload(std::move(key)),
        store_(store),
        options_(std::move(options)),
        writer_(std::make_shared<ObjectFileWriter>(std::move(writer))) {}

  ~FsUpload() override {
    // Neither completed nor aborted: delete the staging file in the background.
    if (is_open()) asio::post(store_.pool_, [writer = std::move(writer_)] { writer->discard(); });
  }

 protected:
  asio::awaitable<result<void>> do_write(bytes_view data) override {
    auto append = [writer = writer_, data] { return writer->append(data); };
    co_return co_await offload(store_.pool_.get_executor(), std::move(append));
  }

  asio::awaitable<result<ObjectInfo>> do_complete() override {
    auto publish = [this, writer = writer_] { return store_.finish_and_publish(*writer, key(), options_); };
    co_return co_await offload(store_.pool_.get_executor(), std::move(publish));
  }

  asio::awaitable<result<void>> do_abort() override {
    auto discard = [writer = writer_]() -> result<void> {
      writer->discard();
      return success();
    };
    co_return co_await offload(store_.pool_.get_executor(), std::move(discard));
  }

 private:
  FsObjectStore& store_;
  PutOptions options_;
  // Shared with the pool tasks; used only on the pool, one task at a time.
  std::shared_ptr<ObjectFileWriter> writer_;
};

// ---- FsObjectStore ----

result<std::unique_ptr<FsObjectStore>> FsObjectStore::open(FsOptions options) {
  if (options.root.empty()) return invalid("the filesystem store needs a root directory");
  if (options.io_threads == 0) return invalid("the filesystem store needs at least one I/O thread");
  if (options.block_size < fsformat::kMinBlockSize || options.block_size > fsformat::kMaxBlockSize) {
    return invalid(fmt::format("block size {} is outside [{}, {}]", options.block_size, fsformat::kMinBlockSize,
                               fsformat::kMaxBlockSize));
  }
  if (options.read_chunk_size == 0) return invalid("the read chunk size must be positive");
  options.root = std::filesystem::absolute(options.root).lexically_normal();
  if (!options.root.has_filename()) options.root = options.root.parent_path();  // drop a trailing '/'
  STRATA_TRY(open_layout(options.root));
  return std::unique_ptr<FsObjectStore>(new FsObjectStore(std::move(options)));
}

FsObjectStore::FsObjectStore(FsOptions options)
    : options_(std::move(options)),
      objects_(options_.root / fslayout::kObjectsDir),
      staging_(options_.root / fslayout::kStagingDir),
      clock_(options_.clock != nullptr ? *options_.clock : system_clock()),
      pool_(options_.io_threads) {
  std::random_device device;
  std::seed_seq seed{device(), device(), device(), device()};
  rng_.seed(seed);
  // Whole blocks per sink call.
  const size_t blocks = std::max<size_t>(1, (options_.read_chunk_size + options_.block_size - 1) / options_.block_size);
  options_.read_chunk_size = blocks * options_.block_size;
}

FsObjectStore::~FsObjectStore() { pool_.join(); }

std::string FsObjectStore::describe() const { return "file://" + options_.root.string(); }

result<std::filesystem::path> FsObjectStore::object_path(std::string_view key) const {
  STRATA_TRY(validate_key(key));
  STRATA_TRY_ASSIGN(std::string relative, fslayout::relative_path(key));
  return objects_ / relative;
}

uint64_t FsObjectStore::random_u64() {
  std::lock_guard lock(rng_mu_);
  return rng_();
}

result<ObjectFileWriter> FsObjectStore::create_staging_file() {
  // A 64-bit random name collides with a live staging file (of any process sharing the root) with
  // negligible probability, and O_EXCL turns a collision into an error rather than a shared file.
  return ObjectFileWriter::create(staging_, random_u64(), options_.block_size);
}

result<ObjectInfo> FsObjectStore::finish_and_publish(ObjectFileWriter& writer, const std::string& key,
                                                     const PutOptions& options) {
  STRATA_TRY_ASSIGN(fsformat::Footer footer,
                    writer.finish(options.metadata, random_u64(), clock_.now_wall_ms(), options_.sync));
  STRATA_TRY(publish(writer.path(), key, options.if_absent));
  writer.release();
  ObjectInfo info;
  info.key = key;
  info.size = footer.data_size;
  info.etag = fsformat::etag_of(footer);
  info.crc32c = footer.data_crc32c;
  info.last_modified_ms = footer.created_ms;
  info.metadata = options.metadata;
  return info;
}

result<void> FsObjectStore::publish(const std::filesystem::path& staged, const std::string& key, bool if_absent) {
  STRATA_TRY_ASSIGN(std::filesystem::path target, object_path(key));
  const std::filesystem::path dir = target.parent_path();
  for (int attempt = 1;; ++attempt) {
    STRATA_TRY_ASSIGN(bool directories_ready, make_directories(objects_, dir, options_.sync));
    if (directories_ready) {
      const int rc = if_absent ? rename_noreplace(staged, target) : ::rename(staged.c_str(), target.c_str());
      if (rc == 0) {
        if (options_.sync) STRATA_TRY(fsync_directory_or_ancestor(dir, objects_));
        return success();
      }
      if (errno == EEXIST && if_absent) {
        return Error(ObjstoreErrc::precondition_failed, fmt::format("put {}: the key exists (create-only put)", key));
      }
      if (errno != ENOENT) {
        return fsio::errno_error(errno, fmt::format("rename {} to {}", staged.string(), target.string()));
      }
    }
    // A concurrent delete pruned a directory on the way (remove_now): make it again.
    if (attempt == kMaxPublishAttempts) {
      return Error(ObjstoreErrc::transient,
                   fmt::format("put {}: its directory was removed by concurrent deletes {} times in a row; retry", key,
                               kMaxPublishAttempts));
    }
  }
}

std::vector<DeleteFailure> FsObjectStore::remove_now(std::span<const std::string> keys) {
  std::vector<DeleteFailure> failures;
  // Directories that lost an entry, each with the keys it lost: synced once per batch, not once
  // per key, then pruned.
  std::map<std::filesystem::path, std::vector<const std::string*>> touched;
  for (const std::string& key : keys) {
    result<std::filesystem::path> target = object_path(key);
    if (!target) {
      failures.push_back(DeleteFailure{key, target.error()});
      continue;
    }
    if (::unlink(target->c_str()) != 0) {
      if (errno == ENOENT || errno == ENOTDIR) continue;  // deleting a missing key succeeds (S3)
      failures.push_back(DeleteFailure{key, fsio::errno_error(errno, fmt::format("delete {}", target->string()))});
      continue;
    }
    touched[target->parent_path()].push_back(&key);
  }
  for (const auto& [dir, removed] : touched) {
    if (options_.sync) {
      result<void> synced = fsync_directory_or_ancestor(dir, objects_);
      if (!synced) {
        for (const std::string* key : removed) failures.push_back(DeleteFailure{*key, synced.error()});
        continue;
      }
    }
    // Prune the directories left empty, so that the tree (and listing) tracks live keys. rmdir
    // fails harmlessly on a non-empty directory; a put that loses its directory here makes it
    // again (publish).
    for (std::filesystem::path d = dir; d.native().size() > objects_.native().size() && ::rmdir(d.c_str()) == 0;
         d = d.parent_path()) {
    }
  }
  return failures;
}

asio::awaitable<result<ObjectInfo>> FsObjectStore::do_put(std::string key, bytes_view data, PutOptions options) {
  OBJSTORE_CO_TRY(object_path(key));  // a key this filesystem cannot hold fails before any I/O
  auto write = [this, key = std::move(key), data, options = std::move(options)]() -> result<ObjectInfo> {
    STRATA_TRY_ASSIGN(ObjectFileWriter writer, create_staging_file());
    STRATA_TRY(writer.append(data));
    return finish_and_publish(writer, key, options);
  };
  co_return co_await offload(pool_.get_executor(), std::move(write));
}

asio::awaitable<result<std::unique_ptr<Upload>>> FsObjectStore::do_start_upload(std::string key, PutOptions options) {
  OBJSTORE_CO_TRY(object_path(key));
  auto create = [this] { return create_staging_file(); };
  OBJSTORE_CO_TRY_ASSIGN(ObjectFileWriter writer, co_await offload(pool_.get_executor(), std::move(create)));
  co_return std::unique_ptr<Upload>(
      std::make_unique<FsUpload>(*this, std::move(key), std::move(options), std::move(writer)));
}

asio::awaitable<result<GetResult>> FsObjectStore::do_get(std::string key, Sink sink, GetOptions options) {
  const auto pool = pool_.get_executor();
  OBJSTORE_CO_TRY_ASSIGN(std::filesystem::path path, object_path(key));
  struct Opened {
    std::shared_ptr<ObjectFileReader> reader;
    Metadata metadata;
  };
  auto open = [&path]() -> result<Opened> {
    STRATA_TRY_ASSIGN(ObjectFileReader reader, ObjectFileReader::open(path));
    STRATA_TRY_ASSIGN(Metadata metadata, reader.read_metadata());
    return Opened{std::make_shared<ObjectFileReader>(std::move(reader)), std::move(metadata)};
  };
  OBJSTORE_CO_TRY_ASSIGN(Opened opened, co_await offload(pool, std::move(open)));
  // Shared with the pool tasks below. Its descriptor is closed here, on the caller's loop, when the
  // get ends: closing a file opened read-only does not block.
  const std::shared_ptr<ObjectFileReader> reader = std::move(opened.reader);
  GetResult got;
  got.object = reader->info(key);
  got.object.metadata = std::move(opened.metadata);
  const uint64_t size = got.object.size;
  if (options.range) {
    if (options.range->offset >= size) {
      co_return Error(ObjstoreErrc::invalid_range, fmt::format("get {}: range starts at byte {} of a {}-byte object",
                                                               key, options.range->offset, size));
    }
    got.offset = options.range->offset;
    got.length = std::min(options.range->length, size - got.offset);
  } else {
    got.length = size;
  }
  const bool whole = got.offset == 0 && got.length == size;
  const uint64_t block_size = reader->footer().block_size;
  const uint64_t end = got.offset + got.length;
  bytes buffer;
  uint32_t data_crc = 0;  // over everything delivered, checked against the footer for whole reads
  for (uint64_t pos = got.offset; pos < end;) {
    const bool cancelled = co_await cancellation_requested();
    if (cancelled) co_return cancelled_error("get " + key);
    // Chunks after the first start on a block boundary, so each block is read once.
    const uint64_t chunk_end = std::min(end, pos / block_size * block_size + options_.read_chunk_size);
    // The pool task fills `buffer` and `data_crc`, which live in this (suspended) frame.
    auto read = [&, pos, chunk_end]() -> result<bytes_view> {
      STRATA_TRY_ASSIGN(bytes_view verified, reader->read_verified(pos, chunk_end - pos, buffer));
      if (whole) data_crc = crc32c::extend(data_crc, verified);
      return verified;
    };
    OBJSTORE_CO_TRY_ASSIGN(bytes_view chunk, co_await offload(pool, std::move(read)));
    OBJSTORE_CO_TRY(co_await sink(chunk));
    pos = chunk_end;
  }
  if (whole && data_crc != reader->footer().data_crc32c) {
    co_return Error(ObjstoreErrc::corrupt, fmt::format("get {}: the object's checksum does not match its data "
                                                       "(stored {:08x}, computed {:08x})",
                                                       key, reader->footer().data_crc32c, data_crc));
  }
  co_return got;
}

asio::awaitable<result<ObjectInfo>> FsObjectStore::do_head(std::string key) {
  OBJSTORE_CO_TRY_ASSIGN(std::filesystem::path path, object_path(key));
  auto head = [path = std::move(path), key = std::move(key)]() -> result<ObjectInfo> {
    STRATA_TRY_ASSIGN(ObjectFileReader reader, ObjectFileReader::open(path));
    STRATA_TRY_ASSIGN(Metadata metadata, reader.read_metadata());
    ObjectInfo info = reader.info(key);
    info.metadata = std::move(metadata);
    return info;
  };
  co_return co_await offload(pool_.get_executor(), std::move(head));
}

asio::awaitable<result<ListPage>> FsObjectStore::do_list(ListOptions options) {
  auto list = [this, options = std::move(options)] { return list_objects_tree(objects_, options); };
  co_return co_await offload(pool_.get_executor(), std::move(list));
}

asio::awaitable<result<void>> FsObjectStore::do_remove(std::string key) {
  auto remove = [this, key = std::move(key)]() -> result<void> {
    std::vector<DeleteFailure> failures = remove_now(std::span<const std::string>(&key, 1));
    if (!failures.empty()) return std::move(failures.front().error);
    return success();
  };
  co_return co_await offload(pool_.get_executor(), std::move(remove));
}

asio::awaitable<result<std::vector<DeleteFailure>>> FsObjectStore::do_remove_batch(std::vector<std::string> keys) {
  std::vector<DeleteFailure> failures;
  for (size_t start = 0; start < keys.size(); start += kKeysPerDeleteTask) {
    const size_t stop = std::min(keys.size(), start + kKeysPerDeleteTask);
    const bool cancelled = co_await cancellation_requested();
    if (cancelled) {
      for (size_t i = start; i < keys.size(); ++i) {
        failures.push_back(DeleteFailure{keys[i], cancelled_error("delete " + keys[i])});
      }
      break;
    }
    auto remove_chunk = [this, &keys, start, stop] {
      return remove_now(std::span<const std::string>(keys).subspan(start, stop - start));
    };
    std::vector<DeleteFailure> chunk_failures = co_await offload(pool_.get_executor(), std::move(remove_chunk));
    failures.insert(failures.end(), std::make_move_iterator(chunk_failures.begin()),
                    std::make_move_iterator(chunk_failures.end()));
  }
  co_return failures;
}

}  // namespace strata::objstore
