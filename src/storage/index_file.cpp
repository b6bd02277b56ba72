#include "storage/index_file.h"

#include <fcntl.h>
#include <sys/mman.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <limits>

#include <fmt/format.h>

#include "storage/storage_error.h"

namespace strata::storage {
namespace {

int32_t round_down_to_multiple(int32_t number, int32_t factor) { return factor * (number / factor); }

}  // namespace

std::optional<int32_t> relative_offset(Offset base, Offset offset) {
  int64_t relative;
  if (__builtin_sub_overflow(offset.value(), base.value(), &relative)) return std::nullopt;
  if (relative < 0 || relative > std::numeric_limits<int32_t>::max()) return std::nullopt;
  return static_cast<int32_t>(relative);
}

result<void> check_index_base_offset(Offset base_offset, const std::filesystem::path& path) {
  if (base_offset.value() < 0 || base_offset.value() > kMaxIndexBaseOffset) {
    return Error(StorageErrc::invalid_argument, fmt::format("Base offset {} of index {} is outside [0, {}]",
                                                            base_offset, path.string(), kMaxIndexBaseOffset));
  }
  return success();
}

result<IndexFile> IndexFile::open(std::filesystem::path path, int32_t max_index_size, int32_t entry_size,
                                  bool writable) {
  if (entry_size <= 0) return Error(StorageErrc::invalid_argument, "index entry size must be positive");
  IndexFile index;
  index.path_ = std::move(path);
  index.entry_size_ = entry_size;
  index.max_index_size_ = max_index_size;
  index.writable_ = writable;

  if (writable) {
    // Create-if-missing, and know whether we did (Kafka: File.createNewFile).
    int fd;
    do {
      fd = ::open(index.path_.c_str(), O_RDWR | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
    } while (fd < 0 && errno == EINTR);
    if (fd >= 0) {
      index.newly_created_ = true;
      index.fd_ = UniqueFd(fd);
      auto undo = [&](Error e) {
        index.fd_ = UniqueFd();
        ::unlink(index.path_.c_str());
        return e;
      };
      if (max_index_size < entry_size) {
        return undo(Error(StorageErrc::invalid_argument,
                          fmt::format("Invalid max index size {} for {}: below the entry size {}", max_index_size,
                                      index.path_.string(), entry_size)));
      }
      if (::ftruncate(index.fd_.get(), round_down_to_multiple(max_index_size, entry_size)) != 0) {
        return undo(errno_error("ftruncate", index.path_, errno));
      }
    } else if (errno == EEXIST) {
      STRATA_TRY_ASSIGN(index.fd_, open_file(index.path_, O_RDWR));
    } else {
      return errno_error("open", index.path_, errno);
    }
  } else {
    STRATA_TRY_ASSIGN(index.fd_, open_file(index.path_, O_RDONLY));
  }

  STRATA_TRY_ASSIGN(index.length_, file_size(index.fd_.get(), index.path_));
  if (index.length_ > std::numeric_limits<int32_t>::max()) {
    return Error(StorageErrc::corrupt_index, fmt::format("Index file {} is {} bytes, more than an index can hold",
                                                         index.path_.string(), index.length_));
  }
  STRATA_TRY(index.map("open"));
  index.max_entries_ = static_cast<int32_t>(index.length_ / entry_size);
  // A new file holds no entries; an existing one is taken as full of valid entries (Kafka sets the
  // buffer position to roundDownToExactMultiple(limit, entrySize)).
  index.entries_ = index.newly_created_ ? 0 : index.max_entries_;
  return index;
}

IndexFile::IndexFile(IndexFile&& other) noexcept
    : path_(std::move(other.path_)),
      fd_(std::move(other.fd_)),
      entry_size_(other.entry_size_),
      max_index_size_(other.max_index_size_),
      writable_(other.writable_),
      newly_created_(other.newly_created_),
      length_(other.length_),
      map_(std::exchange(other.map_, nullptr)),
      entries_(std::exchange(other.entries_, 0)),
      max_entries_(std::exchange(other.max_entries_, 0)) {
  other.length_ = 0;
}

IndexFile& IndexFile::operator=(IndexFile&& other) noexcept {
  if (this != &other) {
    release();
    path_ = std::move(other.path_);
    fd_ = std::move(other.fd_);
    entry_size_ = other.entry_size_;
    max_index_size_ = other.max_index_size_;
    writable_ = other.writable_;
    newly_created_ = other.newly_created_;
    length_ = std::exchange(other.length_, 0);
    map_ = std::exchange(other.map_, nullptr);
    entries_ = std::exchange(other.entries_, 0);
    max_entries_ = std::exchange(other.max_entries_, 0);
  }
  return *this;
}

IndexFile::~IndexFile() { release(); }

result<void> IndexFile::map(const char* why) {
  unmap();
  if (length_ == 0) return success();  // mmap cannot map nothing; there are no entries to read
  void* p = ::mmap(nullptr, static_cast<size_t>(length_), PROT_READ, MAP_SHARED, fd_.get(), 0);
  if (p == MAP_FAILED) return errno_error(fmt::format("mmap ({})", why), path_, errno);
  map_ = static_cast<const std::byte*>(p);
  return success();
}

void IndexFile::unmap() {
  if (map_ != nullptr) {
    ::munmap(const_cast<std::byte*>(map_), static_cast<size_t>(length_));
    map_ = nullptr;
  }
}

void IndexFile::release() {
  unmap();
  fd_ = UniqueFd();
  entries_ = 0;
  max_entries_ = 0;
}

const std::byte* IndexFile::entry(int32_t n) const {
  if (n < 0 || n >= entries_) std::abort();  // a caller bug, never input-driven
  return map_ + static_cast<size_t>(n) * static_cast<size_t>(entry_size_);
}

result<void> IndexFile::append(bytes_view entry) {
  if (!fd_.valid()) return Error(StorageErrc::invalid_argument, fmt::format("index {} is closed", path_.string()));
  if (!writable_) {
    return Error(StorageErrc::invalid_argument, fmt::format("index {} is read-only", path_.string()));
  }
  if (entry.size() != static_cast<size_t>(entry_size_)) std::abort();  // the typed indexes build entries
  if (entries_ >= max_entries_) {
    return Error(StorageErrc::index_full,
                 fmt::format("Attempt to append to a full index {} (size = {})", path_.string(), entries_));
  }
  STRATA_TRY(pwrite_all(fd_.get(), entry, static_cast<off_t>(size_in_bytes()), path_));
  ++entries_;
  return success();
}

void IndexFile::truncate_to_entries(int32_t n) { entries_ = std::clamp(n, 0, entries_); }

result<bool> IndexFile::resize(int32_t new_size) {
  if (!fd_.valid()) return Error(StorageErrc::invalid_argument, fmt::format("index {} is closed", path_.string()));
  int32_t rounded = round_down_to_multiple(std::max(new_size, 0), entry_size_);
  if (length_ == rounded) return false;
  if (!writable_) {
    return Error(StorageErrc::invalid_argument, fmt::format("cannot resize read-only index {}", path_.string()));
  }
  if (rounded < size_in_bytes()) {
    return Error(StorageErrc::invalid_argument,
                 fmt::format("cannot resize index {} to {} bytes: {} entries ({} bytes) are in use", path_.string(),
                             rounded, entries_, size_in_bytes()));
  }
  // Unmap first: a mapping past the end of a shrunk file would fault on access.
  unmap();
  if (::ftruncate(fd_.get(), rounded) != 0) {
    Error e = errno_error("ftruncate", path_, errno);
    (void)map("remap after failed resize");  // keep the old mapping usable if we can
    return e;
  }
  length_ = rounded;
  max_entries_ = rounded / entry_size_;
  STRATA_TRY(map("resize"));
  return true;
}

result<void> IndexFile::trim_to_valid_size() {
  STRATA_TRY(resize(static_cast<int32_t>(size_in_bytes())));
  return success();
}

result<void> IndexFile::flush() {
  if (!fd_.valid()) return success();
  if (::fdatasync(fd_.get()) != 0) return errno_error("fdatasync", path_, errno);
  return success();
}

result<void> IndexFile::close() {
  if (!fd_.valid()) return success();
  result<void> trimmed = writable_ ? trim_to_valid_size() : success();
  unmap();
  result<void> closed = fd_.close(path_);
  entries_ = 0;
  max_entries_ = 0;
  if (!trimmed) return trimmed;
  return closed;
}

result<void> IndexFile::rename_to(const std::filesystem::path& new_path) {
  if (::rename(path_.c_str(), new_path.c_str()) != 0) {
    return errno_error(fmt::format("rename to {}", new_path.string()), path_, errno);
  }
  path_ = new_path;
  return success();
}

result<bool> IndexFile::delete_if_exists() {
  release();
  if (::unlink(path_.c_str()) != 0) {
    if (errno == ENOENT) return false;
    return errno_error("unlink", path_, errno);
  }
  return true;
}

}  // namespace strata::storage
