#include "storage/log_file.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <fmt/format.h>
#include <algorithm>
#include <cerrno>

#include "record/record.h"
#include "storage/storage_error.h"

namespace strata::storage {

namespace {

// A segment position must fit the offset index's int32 physical position.
constexpr int64_t kMaxLogFileSize = INT32_MAX;

Error at_position(const Error& e, const std::filesystem::path& path, int64_t position) {
  return e.with_context(fmt::format("{} at position {}", path.string(), position));
}

}  // namespace

result<bytes> read_slice(const FileSlice& slice, const std::filesystem::path& path_for_errors) {
  bytes out(static_cast<size_t>(slice.size));
  if (slice.size == 0) return out;
  STRATA_TRY(pread_exact(slice.file->fd(), out, slice.position.value(), path_for_errors));
  return out;
}

result<LogFile> LogFile::open(std::filesystem::path path, int64_t preallocate_bytes) {
  std::error_code ec;
  const bool existed = std::filesystem::exists(path, ec);
  STRATA_TRY_ASSIGN(UniqueFd fd, open_file(path, O_RDWR | O_CREAT));
  STRATA_TRY_ASSIGN(int64_t length, file_size(fd.get(), path));
  int64_t size = length;
  if (!existed && preallocate_bytes > 0) {
    // Kafka: RandomAccessFile.setLength(initFileSize). posix_fallocate reserves the blocks, so a
    // full disk fails here rather than on a later append.
    int rc = ::posix_fallocate(fd.get(), 0, preallocate_bytes);
    if (rc != 0) return errno_error("posix_fallocate", path, rc);
    length = preallocate_bytes;
    size = 0;
  }
  if (size > kMaxLogFileSize) {
    return Error(StorageErrc::invalid_argument, fmt::format("{}: {} bytes is larger than a segment can be ({})",
                                                            path.string(), size, kMaxLogFileSize));
  }
  auto handle = std::make_shared<FileHandle>(std::move(fd));
  return LogFile(std::move(path), std::move(handle), size, length);
}

result<void> LogFile::append(bytes_view batches) {
  if (size_ + static_cast<int64_t>(batches.size()) > kMaxLogFileSize) {
    return Error(StorageErrc::invalid_argument,
                 fmt::format("{}: appending {} bytes at {} would pass the segment limit of {} bytes", path_.string(),
                             batches.size(), size_, kMaxLogFileSize));
  }
  STRATA_TRY(pwrite_all(handle_->fd(), batches, size_, path_));
  size_ += static_cast<int64_t>(batches.size());
  length_ = std::max(length_, size_);
  return success();
}

result<void> LogFileView::read(FilePosition position, std::span<std::byte> out) const {
  if (position.value() < 0 || position.value() + static_cast<int64_t>(out.size()) > size) {
    return Error(StorageErrc::invalid_argument, fmt::format("{}: read of {} bytes at {} is outside the {} bytes in use",
                                                            path.string(), out.size(), position.value(), size));
  }
  if (out.empty()) return success();
  return pread_exact(handle->fd(), out, position.value(), path);
}

result<void> LogFile::read(FilePosition position, std::span<std::byte> out) const { return view().read(position, out); }

result<bytes> LogFile::read_bytes(FilePosition position, int64_t size) const {
  bytes out(static_cast<size_t>(std::max<int64_t>(size, 0)));
  STRATA_TRY(read(position, out));
  return out;
}

result<std::optional<LogOffsetPosition>> LogFile::search_for_offset_with_size(Offset target, FilePosition start) const {
  LogFileScanner scanner(*this, start, size_);
  while (true) {
    STRATA_TRY_ASSIGN(std::optional<BatchPosition> batch, scanner.next());
    if (!batch) return std::optional<LogOffsetPosition>{};
    if (batch->last_offset >= target) {
      return std::optional<LogOffsetPosition>(LogOffsetPosition{batch->last_offset, batch->position, batch->size});
    }
  }
}

result<std::optional<TimestampAndOffset>> LogFile::search_for_timestamp(int64_t target, FilePosition start,
                                                                        Offset starting_offset) const {
  LogFileScanner scanner(*this, start, size_);
  while (true) {
    STRATA_TRY_ASSIGN(std::optional<BatchPosition> header, scanner.next());
    if (!header) return std::optional<TimestampAndOffset>{};
    if (header->max_timestamp < target) continue;
    STRATA_TRY_ASSIGN(record::RecordBatchView batch, scanner.full());
    auto records = record::BatchRecords::open(batch);
    if (!records) return at_position(records.error(), path_, header->position.value());
    record::RecordIterator it = records->iterator();
    while (true) {
      auto next = it.next();
      if (!next) return at_position(next.error(), path_, header->position.value());
      if (!*next) break;
      const record::Record& r = **next;
      if (r.timestamp >= target && r.offset >= starting_offset) {
        return std::optional<TimestampAndOffset>(
            TimestampAndOffset{r.timestamp, r.offset, header->partition_leader_epoch});
      }
    }
  }
}

result<std::optional<BatchPosition>> LogFile::find_max_timestamp_batch(FilePosition start) const {
  LogFileScanner scanner(*this, start, size_);
  std::optional<BatchPosition> best;
  while (true) {
    STRATA_TRY_ASSIGN(std::optional<BatchPosition> batch, scanner.next());
    if (!batch) return best;
    if (!best || batch->max_timestamp > best->max_timestamp) best = batch;
  }
}

result<int64_t> LogFile::truncate_to(int64_t size) {
  if (size < 0 || size > size_) {
    return Error(StorageErrc::invalid_argument,
                 fmt::format("{}: cannot truncate to {} bytes, the file holds {}", path_.string(), size, size_));
  }
  if (size == size_ && length_ == size_) return int64_t{0};
  if (::ftruncate(handle_->fd(), size) != 0) return errno_error("ftruncate", path_, errno);
  const int64_t removed = size_ - size;
  size_ = size;
  length_ = size;
  return removed;
}

result<void> LogFile::trim() {
  if (length_ == size_) return success();
  if (::ftruncate(handle_->fd(), size_) != 0) return errno_error("ftruncate", path_, errno);
  length_ = size_;
  return success();
}

result<void> LogFile::flush() const {
  if (::fdatasync(handle_->fd()) != 0) return errno_error("fdatasync", path_, errno);
  return success();
}

result<void> LogFile::rename_to(const std::filesystem::path& new_path) {
  if (::rename(path_.c_str(), new_path.c_str()) != 0) return errno_error("rename", path_, errno);
  path_ = new_path;
  return success();
}

result<bool> LogFile::delete_if_exists() {
  if (::unlink(path_.c_str()) != 0) {
    if (errno == ENOENT) return false;
    return errno_error("unlink", path_, errno);
  }
  return true;
}

// --- LogFileScanner ---------------------------------------------------------------------------

LogFileScanner::LogFileScanner(LogFileView file, FilePosition start, int64_t end, int64_t max_read_ahead)
    : file_(std::move(file)),
      position_(start.value()),
      end_(std::min(end, file_.size)),
      read_ahead_(std::min(kInitialReadAhead, max_read_ahead)),
      max_read_ahead_(max_read_ahead) {}

result<bytes_view> LogFileScanner::fetch(int64_t at, int64_t n) {
  const int64_t buffered_end = buffer_start_ + static_cast<int64_t>(buffer_.size());
  if (at >= buffer_start_ && at + n <= buffered_end) {
    return bytes_view(buffer_).subspan(static_cast<size_t>(at - buffer_start_), static_cast<size_t>(n));
  }
  const int64_t want = std::min(std::max(n, read_ahead_), end_ - at);
  read_ahead_ = std::min(read_ahead_ * 2, max_read_ahead_);
  buffer_.resize(static_cast<size_t>(want));
  buffer_start_ = at;
  STRATA_TRY(file_.read(FilePosition{at}, buffer_));
  return bytes_view(buffer_).first(static_cast<size_t>(n));
}

result<std::optional<BatchPosition>> LogFileScanner::next() {
  current_.reset();
  if (position_ >= end_) return std::optional<BatchPosition>{};
  const int64_t left = end_ - position_;
  if (left < static_cast<int64_t>(record::kHeaderSizeUpToMagic)) {
    return Error(record::RecordErrc::truncated, fmt::format("{}: {} bytes at position {} cannot hold a batch header",
                                                            file_.path.string(), left, position_));
  }
  STRATA_TRY_ASSIGN(bytes_view up_to_magic, fetch(position_, static_cast<int64_t>(record::kHeaderSizeUpToMagic)));
  auto size = record::peek_batch_size(up_to_magic, record::RecordBatchReader::kNoSizeLimit, /*require_complete=*/false);
  if (!size) return at_position(size.error(), file_.path, position_);
  if (static_cast<int64_t>(*size) > left) {
    return Error(record::RecordErrc::truncated,
                 fmt::format("{}: the batch at position {} needs {} bytes but only {} remain", file_.path.string(),
                             position_, *size, left));
  }
  STRATA_TRY_ASSIGN(bytes_view header, fetch(position_, static_cast<int64_t>(record::kRecordBatchHeaderSize)));
  const auto i64 = [&](size_t at) { return static_cast<int64_t>(load_be<uint64_t>(header.data() + at)); };
  const auto i32 = [&](size_t at) { return static_cast<int32_t>(load_be<uint32_t>(header.data() + at)); };
  BatchPosition batch;
  batch.position = FilePosition{position_};
  batch.size = static_cast<int32_t>(*size);
  batch.base_offset = Offset{i64(record::kBaseOffsetOffset)};
  batch.last_offset = Offset{batch.base_offset.value() + i32(record::kLastOffsetDeltaOffset)};
  batch.max_timestamp = i64(record::kMaxTimestampOffset);
  batch.partition_leader_epoch = LeaderEpoch{i32(record::kPartitionLeaderEpochOffset)};
  position_ += batch.size;
  current_ = batch;
  return std::optional<BatchPosition>(batch);
}

result<record::RecordBatchView> LogFileScanner::full() {
  if (!current_) {
    return Error(StorageErrc::invalid_argument, "LogFileScanner::full() called without a current batch");
  }
  STRATA_TRY_ASSIGN(bytes_view data, fetch(current_->position.value(), current_->size));
  auto view = record::RecordBatchView::parse(data);
  if (!view) return at_position(view.error(), file_.path, current_->position.value());
  return *view;
}

}  // namespace strata::storage
