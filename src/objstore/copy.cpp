#include "objstore/copy.h"

#include <fcntl.h>
#include <fmt/format.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>

#include "objstore/coro_support.h"
#include "objstore/fs_io.h"

namespace strata::objstore {

namespace {

namespace fs = std::filesystem;

struct OpenedFile {
  fsio::UniqueFd fd;
  uint64_t size = 0;
};

result<OpenedFile> open_source(const fs::path& path) {
  OpenedFile out;
  out.fd = fsio::UniqueFd(::open(path.c_str(), O_RDONLY | O_CLOEXEC));
  if (!out.fd.valid()) return fsio::errno_error(errno, fmt::format("open {}", path.string()));
  struct stat st {};
  if (::fstat(out.fd.get(), &st) != 0) return fsio::errno_error(errno, fmt::format("stat {}", path.string()));
  if (!S_ISREG(st.st_mode)) {
    return Error(ObjstoreErrc::invalid_argument, fmt::format("{} is not a regular file", path.string()));
  }
  out.size = static_cast<uint64_t>(st.st_size);
  return out;
}

// A temporary file beside `target`, in the same directory so that the rename stays on one
// filesystem.
struct TempFile {
  fsio::UniqueFd fd;
  fs::path path;
};

result<TempFile> create_temp_beside(const fs::path& target) {
  const fs::path dir = target.has_parent_path() ? target.parent_path() : fs::path(".");
  std::string pattern = (dir / ("." + target.filename().string() + ".strata-XXXXXX")).string();
  TempFile out;
  out.fd = fsio::UniqueFd(::mkstemp(pattern.data()));
  if (!out.fd.valid()) return fsio::errno_error(errno, fmt::format("create a temporary file in {}", dir.string()));
  out.path = pattern;
  return out;
}

result<void> publish_temp(TempFile& temp, const fs::path& target) {
  STRATA_TRY(fsio::fsync_file(temp.fd.get(), temp.path));
  const int fd = temp.fd.release();
  if (::close(fd) != 0) return fsio::errno_error(errno, fmt::format("close {}", temp.path.string()));
  if (::rename(temp.path.c_str(), target.c_str()) != 0) {
    return fsio::errno_error(errno, fmt::format("rename {} to {}", temp.path.string(), target.string()));
  }
  return fsio::fsync_directory(target.has_parent_path() ? target.parent_path() : fs::path("."));
}

}  // namespace

asio::awaitable<result<ObjectInfo>> upload_file(ObjectStore& store, asio::thread_pool& files, fs::path source,
                                                std::string key, CopyOptions options) {
  auto open_fn = [source]() { return open_source(source); };
  result<OpenedFile> file = co_await offload(files.get_executor(), std::move(open_fn));
  if (!file) co_return file.error();
  result<std::unique_ptr<Upload>> up = co_await store.start_upload(key, options.put);
  if (!up) co_return up.error();
  bytes chunk(std::max<size_t>(1, options.chunk_size));
  const int fd = file->fd.get();
  for (uint64_t offset = 0; offset < file->size;) {
    const std::span<std::byte> piece(chunk.data(), std::min<uint64_t>(chunk.size(), file->size - offset));
    auto read_fn = [fd, piece, offset, &source]() { return fsio::pread_exact(fd, piece, offset, source); };
    result<void> read = co_await offload(files.get_executor(), std::move(read_fn));
    if (!read) {
      result<void> aborted = co_await (*up)->abort();
      (void)aborted;  // the read error is the one to report
      co_return read.error();
    }
    result<void> written = co_await (*up)->write(piece);
    if (!written) co_return written.error();
    offset += piece.size();
  }
  co_return co_await (*up)->complete();
}

asio::awaitable<result<GetResult>> download_file(ObjectStore& store, asio::thread_pool& files, std::string key,
                                                 fs::path target) {
  auto create_fn = [target]() { return create_temp_beside(target); };
  result<TempFile> temp = co_await offload(files.get_executor(), std::move(create_fn));
  if (!temp) co_return temp.error();
  const int fd = temp->fd.get();
  const fs::path temp_path = temp->path;
  Sink sink = [&files, fd, &temp_path](bytes_view chunk) -> asio::awaitable<result<void>> {
    auto write_fn = [fd, chunk, &temp_path]() { return fsio::write_all(fd, chunk, temp_path); };
    result<void> w = co_await offload(files.get_executor(), std::move(write_fn));
    co_return w;
  };
  result<GetResult> got = co_await store.get(key, std::move(sink));
  result<void> published = success();
  if (got) {
    auto publish_fn = [&temp, &target]() { return publish_temp(*temp, target); };
    published = co_await offload(files.get_executor(), std::move(publish_fn));
  }
  if (!got || !published) {
    auto discard_fn = [&temp]() {
      temp->fd.reset();
      ::unlink(temp->path.c_str());
      return 0;
    };
    co_await offload(files.get_executor(), std::move(discard_fn));
    if (!got) co_return got.error();
    co_return published.error();
  }
  co_return got;
}

}  // namespace strata::objstore
