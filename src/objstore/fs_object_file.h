// Writing and reading one object file of the filesystem backend (format: fs_format.h). Blocking:
// used on the backend's pool only.
#pragma once

#include <cstdint>
#include <filesystem>
#include <string>

#include "base/bytes.h"
#include "base/result.h"
#include "objstore/fs_format.h"
#include "objstore/fs_io.h"
#include "objstore/object_store.h"

namespace strata::objstore {

// Writes a new object file in the staging directory. Until release(), the writer owns the file:
// discard() or the destructor deletes it, so an abandoned write leaves nothing behind.
class ObjectFileWriter {
 public:
  // Creates `staging_dir`/<name_nonce as hex>.part exclusively (O_EXCL).
  static result<ObjectFileWriter> create(const std::filesystem::path& staging_dir, uint64_t name_nonce,
                                         uint32_t block_size);

  ObjectFileWriter(ObjectFileWriter&& other) noexcept;
  ObjectFileWriter& operator=(ObjectFileWriter&&) = delete;
  ~ObjectFileWriter() { discard(); }

  result<void> append(bytes_view data);
  // Writes metadata, block table and footer, then fsyncs (when `sync`) and closes the file.
  result<fsformat::Footer> finish(const Metadata& metadata, uint64_t version, int64_t created_ms, bool sync);
  // Deletes the file, if still owned. Idempotent.
  void discard();
  // Gives up ownership once the file has been renamed into place.
  void release();

  const std::filesystem::path& path() const { return path_; }
  uint64_t data_size() const { return checksummer_.data_size(); }

 private:
  ObjectFileWriter(std::filesystem::path path, fsio::UniqueFd fd, uint32_t block_size);

  std::filesystem::path path_;
  fsio::UniqueFd fd_;
  fsformat::BlockChecksummer checksummer_;
  uint32_t block_size_;
  bool owned_ = true;  // the file at path_ is ours to delete
};

// An open, footer-checked object file. The descriptor keeps the object readable as it was when
// opened, even if the key is overwritten or deleted meanwhile (files are replaced by rename and
// never modified in place).
class ObjectFileReader {
 public:
  // ENOENT and ENOTDIR are ObjstoreErrc::not_found; a bad footer is corrupt.
  static result<ObjectFileReader> open(const std::filesystem::path& path);
  // For listings: `name` relative to the directory `dir_fd`.
  static result<ObjectFileReader> open_at(int dir_fd, const std::string& name, const std::filesystem::path& path);

  const fsformat::Footer& footer() const { return footer_; }
  // Reads and verifies the metadata section.
  result<Metadata> read_metadata() const;
  // Reads [offset, offset + length) of the data into `buffer` and returns a view of exactly those
  // bytes, after checking every block they touch (whole blocks are read for that, at most one
  // extra block at each end). The range must lie within the data.
  result<bytes_view> read_verified(uint64_t offset, uint64_t length, bytes& buffer) const;

  // Size, etag, checksum and time from the footer, for `key`; no metadata.
  ObjectInfo info(std::string key) const;

 private:
  ObjectFileReader(fsio::UniqueFd fd, std::filesystem::path path, fsformat::Footer footer)
      : fd_(std::move(fd)), path_(std::move(path)), footer_(footer) {}
  static result<ObjectFileReader> from_fd(fsio::UniqueFd fd, const std::filesystem::path& path);

  fsio::UniqueFd fd_;
  std::filesystem::path path_;
  fsformat::Footer footer_;
};

}  // namespace strata::objstore
