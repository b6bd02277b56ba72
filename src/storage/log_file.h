// The .log file of a segment: record batches back to back, exactly as Kafka's FileRecords holds
// them (format: docs/formats/local-log.md, "Segment data"). Appends go to the end; reads are
// pread ranges or file slices that the server sends with sendfile.
//
// Size vs length: size() is the bytes in use (the end of the last appended batch). With
// `preallocate` a new file is extended to the full segment size at creation, so its length is
// larger than its size until trim() (at roll and clean close); after a crash the reopened file
// has the preallocated length and recovery finds the zero-filled tail as an invalid batch and
// truncates it, as in Kafka.
//
// The descriptor is held by a shared FileHandle so that a fetch can keep sending a slice of a
// segment that retention deleted meanwhile (the unlinked inode lives until the last slice drops),
// and so that a flush job on the blocking pool syncs the file without racing its owner.
#pragma once

#include <cstdint>
#include <filesystem>
#include <memory>
#include <optional>

#include "base/bytes.h"
#include "base/result.h"
#include "base/types.h"
#include "record/record_batch.h"
#include "storage/file_io.h"

namespace strata::storage {

// An open .log descriptor, shared by the segment, in-flight fetch slices and flush jobs.
class FileHandle {
 public:
  explicit FileHandle(UniqueFd fd) : fd_(std::move(fd)) {}
  int fd() const { return fd_.get(); }

 private:
  UniqueFd fd_;
};

// Bytes [position, position + size) of a .log file, kept readable by the handle.
struct FileSlice {
  std::shared_ptr<const FileHandle> file;
  FilePosition position{0};
  int64_t size = 0;
};

// What a job off the owning core needs to read a closed .log: its bytes [0, size) stay as they
// are (closed segments are immutable; a deleted one stays readable through the handle).
struct LogFileView {
  std::filesystem::path path;
  std::shared_ptr<const FileHandle> handle;
  int64_t size = 0;
  // Exactly out.size() bytes at `position`, inside [0, size).
  result<void> read(FilePosition position, std::span<std::byte> out) const;
};

// Reads a slice into memory (for tools, tests and the tiered upload; the server sends slices with
// sendfile instead).
result<bytes> read_slice(const FileSlice& slice, const std::filesystem::path& path_for_errors);

// The header fields of one batch found by a scan, without its records (Kafka's FileChannelRecordBatch).
struct BatchPosition {
  FilePosition position{0};
  int32_t size = 0;  // 12 + batchLength
  Offset base_offset;
  Offset last_offset;
  int64_t max_timestamp = record::kNoTimestamp;
  LeaderEpoch partition_leader_epoch = kNoLeaderEpoch;
};

// Kafka's FileRecords.LogOffsetPosition: the batch holding a target offset.
struct LogOffsetPosition {
  Offset offset;          // the batch's last offset (Kafka returns it as the "offset" of the match)
  FilePosition position;  // where the batch starts
  int32_t size = 0;       // the batch's size in bytes
};

// A record found by timestamp (Kafka's TimestampAndOffset).
struct TimestampAndOffset {
  int64_t timestamp = record::kNoTimestamp;
  Offset offset;
  LeaderEpoch leader_epoch = kNoLeaderEpoch;
  friend bool operator==(const TimestampAndOffset&, const TimestampAndOffset&) = default;
};

class LogFile {
 public:
  // Opens `path`, creating it when missing. A new file is extended to `preallocate_bytes` when it
  // is above zero (segment `preallocate`); an existing file's size is its length.
  static result<LogFile> open(std::filesystem::path path, int64_t preallocate_bytes = 0);

  const std::filesystem::path& path() const { return path_; }
  int64_t size() const { return size_; }
  // The file's length (size() plus any preallocated tail).
  int64_t length() const { return length_; }
  std::shared_ptr<const FileHandle> handle() const { return handle_; }
  LogFileView view() const { return {path_, handle_, size_}; }

  // Appends whole batches at size(); invalid_argument if that would pass 2^31-1 bytes (a segment
  // position must fit the offset index's int32).
  result<void> append(bytes_view batches);

  // Exactly out.size() bytes at `position`; invalid_argument if the range is outside [0, size()).
  result<void> read(FilePosition position, std::span<std::byte> out) const;
  result<bytes> read_bytes(FilePosition position, int64_t size) const;
  FileSlice slice(FilePosition position, int64_t size) const { return {handle_, position, size}; }

  // FileRecords.searchForOffsetWithSize: the first batch at or after `start` whose last offset is
  // >= target, or nullopt if every batch ends below it. Errors for a malformed batch header
  // (RecordErrc from the record module, with the position in the message).
  result<std::optional<LogOffsetPosition>> search_for_offset_with_size(Offset target, FilePosition start) const;

  // FileRecords.searchForTimestamp: the first record at or after `start`, with offset >=
  // starting_offset, whose timestamp is >= target (decompressing the batches whose max timestamp
  // reaches the target).
  result<std::optional<TimestampAndOffset>> search_for_timestamp(int64_t target, FilePosition start,
                                                                 Offset starting_offset) const;

  // The batch with the largest max timestamp from `start` on (first one on ties), and that
  // timestamp: how a segment finds its max timestamp and the offset holding it
  // (ListOffsets MAX_TIMESTAMP; the time index's last entry after a truncation).
  result<std::optional<BatchPosition>> find_max_timestamp_batch(FilePosition start) const;

  // Cuts the file to `size` bytes (Kafka: FileRecords.truncateTo); returns the bytes removed.
  // invalid_argument if size is negative or above size().
  result<int64_t> truncate_to(int64_t size);
  // Drops a preallocated tail so the file's length equals size().
  result<void> trim();
  // fdatasync.
  result<void> flush() const;
  result<void> rename_to(const std::filesystem::path& new_path);
  // Unlinks the file (open slices keep reading it); false if it did not exist.
  result<bool> delete_if_exists();

 private:
  LogFile(std::filesystem::path path, std::shared_ptr<FileHandle> handle, int64_t size, int64_t length)
      : path_(std::move(path)), handle_(std::move(handle)), size_(size), length_(length) {}

  std::filesystem::path path_;
  std::shared_ptr<FileHandle> handle_;
  int64_t size_ = 0;    // Invariant: the end of the last whole batch appended (or loaded)
  int64_t length_ = 0;  // Invariant: the file's length, >= size_
};

// Reads the batches of a .log file in order from a start position through a read-ahead buffer, so
// that scanning many small batches costs few system calls. The read-ahead starts small (a lookup
// after an index hit scans about index.interval.bytes) and doubles on every refill up to
// max_read_ahead (a recovery or a full scan). Each batch is checked as record::RecordBatchReader
// checks it (sizes, magic); the CRC is checked only by full().
class LogFileScanner {
 public:
  static constexpr int64_t kInitialReadAhead = 4 * 1024;
  static constexpr int64_t kDefaultReadAhead = 256 * 1024;

  LogFileScanner(const LogFile& file, FilePosition start, int64_t end, int64_t max_read_ahead = kDefaultReadAhead)
      : LogFileScanner(file.view(), start, end, max_read_ahead) {}
  LogFileScanner(LogFileView file, FilePosition start, int64_t end, int64_t max_read_ahead = kDefaultReadAhead);

  // The header of the next batch, nullopt at end (no bytes left), or an error naming the position.
  // A partial batch at the end of the range is an error (truncated).
  result<std::optional<BatchPosition>> next();
  // The whole of the batch last returned by next() (valid until the next call).
  result<record::RecordBatchView> full();
  // Where the next batch starts: after an error, where the bad bytes begin.
  FilePosition position() const { return FilePosition{position_}; }

 private:
  // Makes [at, at + n) available in buffer_ and returns it.
  result<bytes_view> fetch(int64_t at, int64_t n);

  LogFileView file_;
  int64_t position_;
  int64_t end_;
  int64_t read_ahead_;      // the next refill's size
  int64_t max_read_ahead_;  // what read_ahead_ doubles up to
  bytes buffer_;
  int64_t buffer_start_ = 0;  // file position of buffer_[0]
  std::optional<BatchPosition> current_;
};

}  // namespace strata::storage
