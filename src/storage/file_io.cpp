#include "storage/file_io.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include <fmt/format.h>

#include "storage/log_file_names.h"
#include "storage/storage_error.h"

namespace strata::storage {

UniqueFd& UniqueFd::operator=(UniqueFd&& other) noexcept {
  if (this != &other) {
    if (fd_ >= 0) ::close(fd_);
    fd_ = other.release();
  }
  return *this;
}

UniqueFd::~UniqueFd() {
  if (fd_ >= 0) ::close(fd_);
}

result<void> UniqueFd::close(const std::filesystem::path& path) {
  int fd = release();
  if (fd < 0) return success();
  // Linux releases the descriptor even when close fails, so it must not be retried.
  if (::close(fd) != 0) return errno_error("close", path, errno);
  return success();
}

Error errno_error(std::string_view op, const std::filesystem::path& path, int err) {
  StorageErrc code = err == ENOENT ? StorageErrc::not_found : StorageErrc::io_error;
  return Error(code, fmt::format("{} {}: {}", op, path.string(), std::strerror(err)));
}

result<UniqueFd> open_file(const std::filesystem::path& path, int flags, mode_t mode) {
  int fd;
  do {
    fd = ::open(path.c_str(), flags | O_CLOEXEC, mode);
  } while (fd < 0 && errno == EINTR);
  if (fd < 0) return errno_error("open", path, errno);
  return UniqueFd(fd);
}

result<void> pwrite_all(int fd, bytes_view data, off_t offset, const std::filesystem::path& path) {
  size_t done = 0;
  while (done < data.size()) {
    ssize_t n = ::pwrite(fd, data.data() + done, data.size() - done, offset + static_cast<off_t>(done));
    if (n < 0) {
      if (errno == EINTR) continue;
      return errno_error("pwrite", path, errno);
    }
    done += static_cast<size_t>(n);
  }
  return success();
}

result<void> write_all(int fd, bytes_view data, const std::filesystem::path& path) {
  size_t done = 0;
  while (done < data.size()) {
    ssize_t n = ::write(fd, data.data() + done, data.size() - done);
    if (n < 0) {
      if (errno == EINTR) continue;
      return errno_error("write", path, errno);
    }
    done += static_cast<size_t>(n);
  }
  return success();
}

result<void> pread_exact(int fd, std::span<std::byte> out, off_t offset, const std::filesystem::path& path) {
  size_t done = 0;
  while (done < out.size()) {
    ssize_t n = ::pread(fd, out.data() + done, out.size() - done, offset + static_cast<off_t>(done));
    if (n < 0) {
      if (errno == EINTR) continue;
      return errno_error("pread", path, errno);
    }
    if (n == 0) {
      return Error(StorageErrc::io_error,
                   fmt::format("pread {}: end of file at byte {}, expected {} more bytes", path.string(),
                               offset + static_cast<off_t>(done), out.size() - done));
    }
    done += static_cast<size_t>(n);
  }
  return success();
}

result<int64_t> file_size(int fd, const std::filesystem::path& path) {
  struct stat st {};
  if (::fstat(fd, &st) != 0) return errno_error("fstat", path, errno);
  return static_cast<int64_t>(st.st_size);
}

result<std::string> read_file(const std::filesystem::path& path) {
  STRATA_TRY_ASSIGN(UniqueFd fd, open_file(path, O_RDONLY));
  std::string text;
  char buf[8192];
  for (;;) {
    ssize_t n = ::read(fd.get(), buf, sizeof buf);
    if (n < 0) {
      if (errno == EINTR) continue;
      return errno_error("read", path, errno);
    }
    if (n == 0) break;
    text.append(buf, static_cast<size_t>(n));
  }
  return text;
}

result<void> fsync_dir(const std::filesystem::path& dir) {
  STRATA_TRY_ASSIGN(UniqueFd fd, open_file(dir.empty() ? std::filesystem::path(".") : dir, O_RDONLY | O_DIRECTORY));
  if (::fsync(fd.get()) != 0) return errno_error("fsync", dir, errno);
  return fd.close(dir);
}

result<void> write_file_atomically(const std::filesystem::path& target, std::string_view contents, bool sync) {
  std::filesystem::path tmp = target;
  tmp += kTempFileSuffix;
  auto attempt = [&]() -> result<void> {
    STRATA_TRY_ASSIGN(UniqueFd fd, open_file(tmp, O_WRONLY | O_CREAT | O_TRUNC));
    STRATA_TRY(write_all(fd.get(), as_bytes_view(contents), tmp));
    if (sync && ::fsync(fd.get()) != 0) return errno_error("fsync", tmp, errno);
    STRATA_TRY(fd.close(tmp));
    // rename(2) replaces atomically within one filesystem, which is all Kafka's ATOMIC_MOVE asks;
    // its non-atomic fallback exists for platforms we do not run on.
    if (::rename(tmp.c_str(), target.c_str()) != 0) return errno_error("rename to " + target.string(), tmp, errno);
    return success();
  };
  auto written = attempt();
  if (!written) {
    ::unlink(tmp.c_str());  // best effort: a stale .tmp is harmless, it is truncated on the next write
    return written;
  }
  if (sync) STRATA_TRY(fsync_dir(target.parent_path()));
  return success();
}

result<UniqueFd> dup_descriptor(int fd, const std::filesystem::path& path) {
  int copy = ::fcntl(fd, F_DUPFD_CLOEXEC, 0);
  if (copy < 0) return errno_error("dup", path, errno);
  return UniqueFd(copy);
}

}  // namespace strata::storage
