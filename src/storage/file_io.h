// Small POSIX file helpers for the storage module: an owning file descriptor, full reads and writes
// that turn errno into a StorageErrc::io_error naming the call and the path, and Kafka's atomic
// replace (write <file>.tmp, fsync, rename over <file>, fsync the directory).
//
// All of these block. The storage layer calls them from the partition's owner; fsync-heavy callers
// (checkpoints, flush) are expected to run on the blocking pool (ARCHITECTURE §3.4).
#pragma once

#include <sys/types.h>

#include <filesystem>
#include <string>
#include <string_view>

#include "base/bytes.h"
#include "base/result.h"

namespace strata::storage {

// An owned file descriptor; closes on destruction (errors from that close are ignored: call
// close() to see them).
class UniqueFd {
 public:
  UniqueFd() = default;
  explicit UniqueFd(int fd) : fd_(fd) {}
  UniqueFd(UniqueFd&& other) noexcept : fd_(other.release()) {}
  UniqueFd& operator=(UniqueFd&& other) noexcept;
  UniqueFd(const UniqueFd&) = delete;
  UniqueFd& operator=(const UniqueFd&) = delete;
  ~UniqueFd();

  int get() const { return fd_; }
  bool valid() const { return fd_ >= 0; }
  int release() {
    int fd = fd_;
    fd_ = -1;
    return fd;
  }
  // Closes now and reports the error, if any; the descriptor is gone either way.
  result<void> close(const std::filesystem::path& path);

 private:
  int fd_ = -1;
};

// StorageErrc::io_error, or not_found for ENOENT: "<op> <path>: <strerror>".
Error errno_error(std::string_view op, const std::filesystem::path& path, int err);

// Opens with O_CLOEXEC added to `flags`.
result<UniqueFd> open_file(const std::filesystem::path& path, int flags, mode_t mode = 0644);

// Writes all of `data` at `offset` (retrying short writes and EINTR).
result<void> pwrite_all(int fd, bytes_view data, off_t offset, const std::filesystem::path& path);
// Appends all of `data` at the descriptor's current position.
result<void> write_all(int fd, bytes_view data, const std::filesystem::path& path);
// Reads exactly out.size() bytes at `offset`; hitting end of file first is an io_error.
result<void> pread_exact(int fd, std::span<std::byte> out, off_t offset, const std::filesystem::path& path);
// The file's length in bytes.
result<int64_t> file_size(int fd, const std::filesystem::path& path);

// The whole file as text. not_found if it does not exist.
result<std::string> read_file(const std::filesystem::path& path);

// Replaces `target` with `contents` so that a crash leaves either the old or the new file, never a
// mix (Kafka: CheckpointFile.write + Utils.atomicMoveWithFallback): writes `<target>.tmp`, fsyncs
// it when `sync`, renames it over `target`, then fsyncs the parent directory when `sync`.
result<void> write_file_atomically(const std::filesystem::path& target, std::string_view contents, bool sync);

// dup(2) of `fd`, for a job that syncs a file while its owner may close or rename it.
result<UniqueFd> dup_descriptor(int fd, const std::filesystem::path& path);

// fsync on a directory, so that creates, renames and deletes in it are durable (Kafka: Utils.flushDir).
result<void> fsync_dir(const std::filesystem::path& dir);

}  // namespace strata::storage
