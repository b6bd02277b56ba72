// The time index (.timeindex) of a log segment: a sparse map from timestamps to offsets, after
// Kafka's TimeIndex. Format page: docs/formats/local-log.md, "Time index".
//
// Each 12-byte entry is, big-endian:
//   int64 timestamp        the largest record timestamp seen up to that offset
//   int32 relative offset  offset - base offset of the segment
// An entry (T, O) says: T is the largest timestamp of any record up to offset O, and O is the offset
// of (the batch holding) a record with timestamp T. To find the first record with timestamp >= t,
// Kafka looks up the entry with the largest T <= t and scans the .log forward from its offset.
// Timestamps strictly increase from entry to entry and offsets never decrease. No header, no
// checksum; the count is the file length / 12.
#pragma once

#include <cstdint>
#include <filesystem>

#include "base/result.h"
#include "base/types.h"
#include "storage/index_file.h"

namespace strata::storage {

inline constexpr int32_t kTimeIndexEntrySize = 12;           // TimeIndex.ENTRY_SIZE
inline constexpr int32_t kTimeIndexTimestampField = 0;       // byte offset of the int64 timestamp
inline constexpr int32_t kTimeIndexRelativeOffsetField = 8;  // byte offset of the int32 relative offset

// RecordBatch.NO_TIMESTAMP. (The record module has the same constant; storage does not depend on
// record yet.)
inline constexpr int64_t kNoTimestamp = -1;

// Kafka's TimestampOffset.
struct TimestampOffset {
  int64_t timestamp = kNoTimestamp;
  Offset offset;
  friend bool operator==(const TimestampOffset&, const TimestampOffset&) = default;
};

class TimeIndex {
 public:
  // Opens or creates `path` (see IndexFile::open) for a segment starting at base_offset.
  static result<TimeIndex> open(std::filesystem::path path, Offset base_offset,
                                int32_t max_index_size = kDefaultMaxIndexSize, bool writable = true);

  Offset base_offset() const { return base_offset_; }
  const std::filesystem::path& path() const { return file_.path(); }
  int32_t entries() const { return file_.entries(); }
  int32_t max_entries() const { return file_.max_entries(); }
  int32_t max_index_size() const { return file_.max_index_size(); }
  int64_t length() const { return file_.length(); }
  int64_t size_in_bytes() const { return file_.size_in_bytes(); }
  bool newly_created() const { return file_.newly_created(); }
  // Kafka keeps the last slot for the entry written when the segment rolls or closes
  // (maybe_append with skip_full_check), so the index is "full" one entry early.
  bool is_full() const { return file_.entries() >= file_.max_entries() - 1; }
  // The last entry; (kNoTimestamp, base offset) when empty.
  TimestampOffset last_entry() const { return last_entry_; }

  // TimeIndex.maybeAppend: appends (timestamp, offset) only if timestamp > last_entry().timestamp
  // (so never a timestamp <= -1 into an empty index) and returns whether it did. Errors, in Kafka's
  // order: index_full (unless skip_full_check, which the segment passes when it rolls or closes;
  // even then the last slot must be free); invalid_offset if the index is not empty and offset <
  // last offset, or timestamp < last timestamp; offset_overflow; io_error. An entry equal to the
  // last is ignored (it is re-offered when a segment closes).
  result<bool> maybe_append(int64_t timestamp, Offset offset, bool skip_full_check = false);

  // The entry with the largest timestamp <= target; (kNoTimestamp, base offset) when there is none.
  // The caller scans the .log from that entry's offset for the first record with timestamp >= target.
  TimestampOffset lookup(int64_t target_timestamp) const;
  // Entry n; invalid_argument if n is not in [0, entries()).
  result<TimestampOffset> entry(int32_t n) const;

  // Removes every entry with offset >= `offset` (TimeIndex.truncateTo, a search by offset).
  void truncate_to(Offset offset);
  void truncate();
  result<void> reset();
  result<bool> resize(int32_t new_size);
  result<void> trim_to_valid_size();
  result<void> flush() { return file_.flush(); }
  int descriptor() const { return file_.descriptor(); }
  result<void> close() { return file_.close(); }
  result<void> rename_to(const std::filesystem::path& new_path) { return file_.rename_to(new_path); }
  result<bool> delete_if_exists() { return file_.delete_if_exists(); }

  // Kafka's TimeIndex.sanityCheck, plus the same extra check as the offset index: corrupt_index if
  // the last timestamp is below the first, the last offset below the base offset, the length not a
  // multiple of 12, or — Kafka lacks this one — there are two or more entries and the last
  // timestamp is not above the first (timestamps strictly increase; a zero-filled preallocated tail
  // after a crash reads as timestamp 0). O(1).
  result<void> sanity_check() const;
  // Every entry, O(entries): timestamps strictly increasing, offsets >= base and non-decreasing.
  result<void> validate_entries() const;

 private:
  TimeIndex(IndexFile file, Offset base_offset) : file_(std::move(file)), base_offset_(base_offset) {}
  TimestampOffset parse_entry(int32_t n) const;
  TimestampOffset last_entry_from_file() const;

  IndexFile file_;
  Offset base_offset_;
  // Invariant: entry entries()-1, or (kNoTimestamp, base_offset_) when empty.
  TimestampOffset last_entry_;
};

}  // namespace strata::storage
