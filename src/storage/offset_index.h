// The offset index (.index) of a log segment: a sparse map from offsets to byte positions in the
// segment's .log, after Kafka's OffsetIndex. Format page: docs/formats/local-log.md, "Offset index".
//
// Each 8-byte entry is, big-endian:
//   int32 relative offset   offset - base offset of the segment
//   int32 physical position byte position in the .log of the batch holding that offset
// Entries are appended in strictly increasing offset order (so positions increase too); there is no
// header, no checksum and no entry count: the count is the file length / 8 (see index_file.h). The
// segment appends an entry every index.interval.bytes of log.
#pragma once

#include <cstdint>
#include <filesystem>
#include <optional>

#include "base/result.h"
#include "base/types.h"
#include "storage/index_file.h"

namespace strata::storage {

inline constexpr int32_t kOffsetIndexEntrySize = 8;            // OffsetIndex.ENTRY_SIZE
inline constexpr int32_t kOffsetIndexRelativeOffsetField = 0;  // byte offset of the int32 relative offset
inline constexpr int32_t kOffsetIndexPositionField = 4;        // byte offset of the int32 position

// Kafka's OffsetPosition: an offset and the .log position of the batch that holds it.
struct OffsetPosition {
  Offset offset;
  FilePosition position;
  friend bool operator==(const OffsetPosition&, const OffsetPosition&) = default;
};

class OffsetIndex {
 public:
  // Opens or creates `path` (see IndexFile::open) for a segment starting at base_offset. Does not
  // sanity-check: call sanity_check() when loading a segment.
  static result<OffsetIndex> open(std::filesystem::path path, Offset base_offset,
                                  int32_t max_index_size = kDefaultMaxIndexSize, bool writable = true);

  Offset base_offset() const { return base_offset_; }
  const std::filesystem::path& path() const { return file_.path(); }
  int32_t entries() const { return file_.entries(); }
  int32_t max_entries() const { return file_.max_entries(); }
  int32_t max_index_size() const { return file_.max_index_size(); }
  int64_t length() const { return file_.length(); }
  int64_t size_in_bytes() const { return file_.size_in_bytes(); }
  bool is_full() const { return file_.entries() >= file_.max_entries(); }
  bool newly_created() const { return file_.newly_created(); }
  // The offset of the last entry; the base offset when empty.
  Offset last_offset() const { return last_offset_; }

  // Appends (offset, position). Checked in Kafka's order: index_full; invalid_offset unless the
  // index is empty or offset > last_offset(); offset_overflow if offset - base does not fit an
  // int32 (roll the segment); invalid_argument if the position is outside [0, 2^31-1]; io_error.
  result<void> append(Offset offset, FilePosition position);
  // AbstractIndex.canAppendOffset: offset - base fits the relative field.
  bool can_append_offset(Offset offset) const { return relative_offset(base_offset_, offset).has_value(); }

  // The entry with the largest offset <= target; (base_offset, 0) when the index is empty or every
  // entry is above target — the start of the segment is then where to scan from.
  OffsetPosition lookup(Offset target) const;
  // The entry with the smallest position >= fetch.position + fetch_size, if any: an offset that is
  // certainly past a fetch of fetch_size bytes from `fetch` (OffsetIndex.fetchUpperBoundOffset).
  std::optional<OffsetPosition> fetch_upper_bound_offset(OffsetPosition fetch, int32_t fetch_size) const;
  // Entry n; invalid_argument if n is not in [0, entries()).
  result<OffsetPosition> entry(int32_t n) const;

  // Removes every entry with offset >= `offset` (OffsetIndex.truncateTo); a larger offset than all
  // entries changes nothing.
  void truncate_to(Offset offset);
  // Removes every entry.
  void truncate();
  // Removes every entry and grows the file back to max_index_size (AbstractIndex.reset).
  result<void> reset();
  result<bool> resize(int32_t new_size) { return file_.resize(new_size); }
  result<void> trim_to_valid_size() { return file_.trim_to_valid_size(); }
  result<void> flush() { return file_.flush(); }
  int descriptor() const { return file_.descriptor(); }
  // Trims to the entries in use and closes; a dropped index without close() keeps its length.
  result<void> close() { return file_.close(); }
  result<void> rename_to(const std::filesystem::path& new_path) { return file_.rename_to(new_path); }
  result<bool> delete_if_exists() { return file_.delete_if_exists(); }

  // Kafka's OffsetIndex.sanityCheck, plus one check Kafka lacks: corrupt_index if the length is not
  // a multiple of 8, if the last offset is below the base offset, or if there are two or more
  // entries and the last has relative offset 0 — impossible for offsets that strictly increase, and
  // exactly the shape of an untrimmed, zero-filled preallocated file after a crash. O(1).
  result<void> sanity_check() const;
  // Every entry, O(entries): offsets strictly increasing and >= base, positions non-negative and
  // non-decreasing. For `dump-log --index-sanity-check` and tests; corrupt_index naming the entry.
  result<void> validate_entries() const;

 private:
  OffsetIndex(IndexFile file, Offset base_offset) : file_(std::move(file)), base_offset_(base_offset) {}
  int32_t relative_offset_at(int32_t n) const;
  OffsetPosition parse_entry(int32_t n) const;
  OffsetPosition last_entry() const;

  IndexFile file_;
  Offset base_offset_;
  // Invariant: the offset of entry entries()-1, or base_offset_ when empty.
  Offset last_offset_;
};

}  // namespace strata::storage
