// POSIX helpers of the filesystem backend: an owning file descriptor, errno mapped onto
// ObjstoreErrc, and whole-buffer reads, writes and syncs. Blocking: call them on the backend's
// pool, never on an event loop.
#pragma once

#include <cstdint>
#include <filesystem>
#include <span>
#include <string_view>
#include <utility>

#include "base/bytes.h"
#include "base/result.h"

namespace strata::objstore::fsio {

class UniqueFd {
 public:
  UniqueFd() = default;
  explicit UniqueFd(int fd) : fd_(fd) {}
  UniqueFd(UniqueFd&& other) noexcept : fd_(std::exchange(other.fd_, -1)) {}
  UniqueFd& operator=(UniqueFd&& other) noexcept {
    if (this != &other) reset(std::exchange(other.fd_, -1));
    return *this;
  }
  UniqueFd(const UniqueFd&) = delete;
  UniqueFd& operator=(const UniqueFd&) = delete;
  ~UniqueFd() { reset(); }

  int get() const { return fd_; }
  bool valid() const { return fd_ >= 0; }
  void reset(int fd = -1);
  // Gives up ownership without closing.
  int release() { return std::exchange(fd_, -1); }

 private:
  int fd_ = -1;
};

// An Error for a failed system call: `what` (the call and its path) and the errno text, with the
// kind chosen from errno: ENOENT/ENOTDIR not_found; EACCES/EPERM/EROFS access_denied; ENOSPC,
// EDQUOT, EMFILE, ENFILE, ENOMEM, EAGAIN, EBUSY transient; ENAMETOOLONG invalid_argument; anything
// else (EIO...) permanent.
Error errno_error(int err, std::string_view what);

// Writes all of `data` at the file offset, retrying short writes and EINTR.
result<void> write_all(int fd, bytes_view data, const std::filesystem::path& path);
// Reads exactly out.size() bytes at `offset`; a file that ends first is ObjstoreErrc::corrupt.
result<void> pread_exact(int fd, std::span<std::byte> out, uint64_t offset, const std::filesystem::path& path);
result<void> fsync_file(int fd, const std::filesystem::path& path);
// Makes a directory's entries (a rename, a new file, an unlink) durable.
result<void> fsync_directory(const std::filesystem::path& dir);

}  // namespace strata::objstore::fsio
