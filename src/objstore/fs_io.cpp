#include "objstore/fs_io.h"

#include <fcntl.h>
#include <fmt/format.h>
#include <unistd.h>

#include <cerrno>
#include <system_error>

#include "objstore/errc.h"

namespace strata::objstore::fsio {

void UniqueFd::reset(int fd) {
  if (fd_ >= 0) ::close(fd_);
  fd_ = fd;
}

Error errno_error(int err, std::string_view what) {
  ObjstoreErrc code = ObjstoreErrc::permanent;
  std::string_view hint;
  switch (err) {
    case ENOENT:
    case ENOTDIR: code = ObjstoreErrc::not_found; break;
    case EACCES:
    case EPERM:
    case EROFS:
      code = ObjstoreErrc::access_denied;
      hint = " (check the owner and permissions of the store directory)";
      break;
    case ENOSPC:
    case EDQUOT:
      code = ObjstoreErrc::transient;
      hint = " (the disk is full: free space or lower retention)";
      break;
    case EMFILE:
    case ENFILE:
    case ENOMEM:
    case EAGAIN:
    case EBUSY: code = ObjstoreErrc::transient; break;
    case ENAMETOOLONG: code = ObjstoreErrc::invalid_argument; break;
    default: break;
  }
  return Error(code, fmt::format("{}: {}{}", what, std::system_category().message(err), hint));
}

result<void> write_all(int fd, bytes_view data, const std::filesystem::path& path) {
  while (!data.empty()) {
    const ssize_t n = ::write(fd, data.data(), data.size());
    if (n < 0) {
      if (errno == EINTR) continue;
      return errno_error(errno, fmt::format("write {}", path.string()));
    }
    data = data.subspan(static_cast<size_t>(n));
  }
  return success();
}

result<void> pread_exact(int fd, std::span<std::byte> out, uint64_t offset, const std::filesystem::path& path) {
  while (!out.empty()) {
    const ssize_t n = ::pread(fd, out.data(), out.size(), static_cast<off_t>(offset));
    if (n < 0) {
      if (errno == EINTR) continue;
      return errno_error(errno, fmt::format("read {}", path.string()));
    }
    if (n == 0) {
      return Error(ObjstoreErrc::corrupt, fmt::format("{} ends before byte {}", path.string(), offset + out.size()));
    }
    out = out.subspan(static_cast<size_t>(n));
    offset += static_cast<uint64_t>(n);
  }
  return success();
}

result<void> fsync_file(int fd, const std::filesystem::path& path) {
  if (::fsync(fd) != 0) return errno_error(errno, fmt::format("fsync {}", path.string()));
  return success();
}

result<void> fsync_directory(const std::filesystem::path& dir) {
  UniqueFd fd(::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
  if (!fd.valid()) return errno_error(errno, fmt::format("open directory {}", dir.string()));
  if (::fsync(fd.get()) != 0) return errno_error(errno, fmt::format("fsync directory {}", dir.string()));
  return success();
}

}  // namespace strata::objstore::fsio
