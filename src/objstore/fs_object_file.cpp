#include "objstore/fs_object_file.h"

#include <fcntl.h>
#include <fmt/format.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>

#include "base/crc32c.h"
#include "objstore/fs_layout.h"

namespace strata::objstore {

// ---- ObjectFileWriter ----

ObjectFileWriter::ObjectFileWriter(std::filesystem::path path, fsio::UniqueFd fd, uint32_t block_size)
    : path_(std::move(path)), fd_(std::move(fd)), checksummer_(block_size), block_size_(block_size) {}

ObjectFileWriter::ObjectFileWriter(ObjectFileWriter&& other) noexcept
    : path_(std::move(other.path_)),
      fd_(std::move(other.fd_)),
      checksummer_(other.checksummer_),
      block_size_(other.block_size_),
      owned_(std::exchange(other.owned_, false)) {}

result<ObjectFileWriter> ObjectFileWriter::create(const std::filesystem::path& staging_dir, uint64_t name_nonce,
                                                  uint32_t block_size) {
  std::filesystem::path path = staging_dir / fmt::format("{:016x}{}", name_nonce, fslayout::kStagingSuffix);
  fsio::UniqueFd fd(::open(path.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, fslayout::kFileMode));
  if (!fd.valid()) return fsio::errno_error(errno, fmt::format("create {}", path.string()));
  return ObjectFileWriter(std::move(path), std::move(fd), block_size);
}

result<void> ObjectFileWriter::append(bytes_view data) {
  STRATA_TRY(fsio::write_all(fd_.get(), data, path_));
  checksummer_.update(data);
  return success();
}

result<fsformat::Footer> ObjectFileWriter::finish(const Metadata& metadata, uint64_t version, int64_t created_ms,
                                                  bool sync) {
  const bytes metadata_section = fsformat::encode_metadata(metadata);
  const bytes table = checksummer_.encode_table();
  fsformat::Footer footer;
  footer.data_size = checksummer_.data_size();
  footer.block_size = block_size_;
  footer.metadata_size = static_cast<uint32_t>(metadata_section.size());
  footer.data_crc32c = checksummer_.data_crc32c();
  footer.metadata_crc32c = crc32c::compute(metadata_section);
  footer.version = version;
  footer.created_ms = created_ms;
  const auto footer_bytes = fsformat::encode_footer(footer);
  STRATA_TRY(fsio::write_all(fd_.get(), metadata_section, path_));
  STRATA_TRY(fsio::write_all(fd_.get(), table, path_));
  STRATA_TRY(fsio::write_all(fd_.get(), footer_bytes, path_));
  if (sync) STRATA_TRY(fsio::fsync_file(fd_.get(), path_));
  // close() reports write-back errors on some filesystems (NFS): check it.
  if (::close(fd_.release()) != 0) return fsio::errno_error(errno, fmt::format("close {}", path_.string()));
  return footer;
}

void ObjectFileWriter::discard() {
  fd_.reset();
  if (owned_) {
    ::unlink(path_.c_str());
    owned_ = false;
  }
}

void ObjectFileWriter::release() { owned_ = false; }

// ---- ObjectFileReader ----

result<ObjectFileReader> ObjectFileReader::open(const std::filesystem::path& path) {
  fsio::UniqueFd fd(::open(path.c_str(), O_RDONLY | O_CLOEXEC | O_NOFOLLOW));
  if (!fd.valid()) return fsio::errno_error(errno, fmt::format("open {}", path.string()));
  return from_fd(std::move(fd), path);
}

result<ObjectFileReader> ObjectFileReader::open_at(int dir_fd, const std::string& name,
                                                   const std::filesystem::path& path) {
  fsio::UniqueFd fd(::openat(dir_fd, name.c_str(), O_RDONLY | O_CLOEXEC | O_NOFOLLOW));
  if (!fd.valid()) return fsio::errno_error(errno, fmt::format("open {}", path.string()));
  return from_fd(std::move(fd), path);
}

result<ObjectFileReader> ObjectFileReader::from_fd(fsio::UniqueFd fd, const std::filesystem::path& path) {
  struct stat st {};
  if (::fstat(fd.get(), &st) != 0) return fsio::errno_error(errno, fmt::format("stat {}", path.string()));
  if (!S_ISREG(st.st_mode)) {
    return Error(ObjstoreErrc::corrupt, fmt::format("{} is not a regular file", path.string()));
  }
  const auto file_size = static_cast<uint64_t>(st.st_size);
  if (file_size < fsformat::kFooterSize) {
    return Error(ObjstoreErrc::corrupt,
                 fmt::format("{}: the file is {} bytes, too short for an object footer", path.string(), file_size));
  }
  std::array<std::byte, fsformat::kFooterSize> footer_bytes{};
  STRATA_TRY(fsio::pread_exact(fd.get(), footer_bytes, file_size - fsformat::kFooterSize, path));
  result<fsformat::Footer> footer = fsformat::decode_footer(footer_bytes, file_size);
  if (!footer) return footer.error().with_context(path.string());
  return ObjectFileReader(std::move(fd), path, *footer);
}

result<Metadata> ObjectFileReader::read_metadata() const {
  bytes section(footer_.metadata_size);
  STRATA_TRY(fsio::pread_exact(fd_.get(), section, footer_.metadata_offset(), path_));
  result<Metadata> metadata = fsformat::decode_metadata(section, footer_.metadata_crc32c);
  if (!metadata) return metadata.error().with_context(path_.string());
  return metadata;
}

result<bytes_view> ObjectFileReader::read_verified(uint64_t offset, uint64_t length, bytes& buffer) const {
  const uint64_t block_size = footer_.block_size;
  const uint64_t first_block = offset / block_size;
  const uint64_t aligned_start = first_block * block_size;
  const uint64_t aligned_end =
      std::min(footer_.data_size, (offset + length + block_size - 1) / block_size * block_size);
  const uint64_t blocks = (aligned_end - aligned_start + block_size - 1) / block_size;
  buffer.resize(aligned_end - aligned_start);
  STRATA_TRY(fsio::pread_exact(fd_.get(), buffer, aligned_start, path_));
  bytes table(blocks * fsformat::kBlockCrcSize);
  STRATA_TRY(
      fsio::pread_exact(fd_.get(), table, footer_.table_offset() + first_block * fsformat::kBlockCrcSize, path_));
  result<void> verified = fsformat::verify_blocks(buffer, footer_.block_size, table, aligned_start);
  if (!verified) return verified.error().with_context(path_.string());
  return bytes_view(buffer).subspan(offset - aligned_start, length);
}

ObjectInfo ObjectFileReader::info(std::string key) const {
  ObjectInfo info;
  info.key = std::move(key);
  info.size = footer_.data_size;
  info.etag = fsformat::etag_of(footer_);
  info.crc32c = footer_.data_crc32c;
  info.last_modified_ms = footer_.created_ms;
  return info;
}

}  // namespace strata::objstore
