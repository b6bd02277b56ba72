// IndexFile: the file handling shared by the offset index and the time index, after Kafka's
// AbstractIndex. An index file is a flat array of fixed-size big-endian entries, preallocated to
// `max_index_size` bytes (rounded down to a whole number of entries) while it is written, and
// trimmed to the entries in use when it is closed or its segment rolls. Formats:
// docs/formats/local-log.md, "Offset index" and "Time index".
//
// How many entries a file holds is not stored anywhere: like Kafka, opening an existing file takes
// length / entry_size. A cleanly closed index is trimmed, so that is exact. After a crash the
// active segment's index still has its preallocated length and a zero-filled tail that reads as
// entries; the sanity checks (OffsetIndex/TimeIndex::sanity_check) catch that shape and report
// StorageErrc::corrupt_index, and recovery rebuilds the index from the .log, as Kafka does.
//
// I/O design: lookups read a read-only shared mmap of the file; appends use pwrite. Lookups are the
// hot path (every fetch does one or two binary searches) and touch a handful of entries near the
// end of the file, so a mapping makes them system-call-free and lets the page cache, not our heap,
// hold closed segments' indexes, as Kafka's MappedByteBuffer does. Writing through pwrite rather than
// the mapping keeps every write error a value: a store into a mapping of a sparse preallocated file
// on a full disk raises SIGBUS, while pwrite returns ENOSPC. On Linux a MAP_SHARED mapping and
// pwrite share the page cache, so an appended entry is visible to the next lookup at once. The
// price, shared with Kafka: a read error on a mapped page, or another process shrinking the file,
// is a SIGBUS rather than an error value.
//
// Not thread-safe: an index belongs to its partition, which belongs to one core (ARCHITECTURE §3.4).
// flush() fsyncs and should run on the blocking pool.
#pragma once

#include <algorithm>
#include <cstdint>
#include <filesystem>
#include <optional>

#include "base/bytes.h"
#include "base/result.h"
#include "base/types.h"
#include "storage/file_io.h"

namespace strata::storage {

// segment.index.bytes: Kafka's default maximum size of an offset or time index file (10 MiB).
inline constexpr int32_t kDefaultMaxIndexSize = 10 * 1024 * 1024;

// AbstractIndex.warmEntries(): lookups for targets in the last 8 KiB of entries search only that
// "warm" section, so that in-sync fetches touch the same few pages every time.
inline constexpr int32_t kIndexWarmSectionBytes = 8192;

// AbstractIndex.SearchResultType.
enum class IndexSearchResult { largest_lower_bound, smallest_upper_bound };

// AbstractIndex.indexSlotRangeFor: the slot of the largest entry whose key is <= target
// (largest_lower_bound) or of the smallest entry whose key is >= target (smallest_upper_bound), or
// -1 when there is none. `key_at(slot)` returns the int64 key of a slot; keys must be
// non-decreasing. Searches the warm section (the last kIndexWarmSectionBytes / entry_size entries)
// alone when the target lies in it; the algorithm is Kafka's, step for step, so that ties resolve
// to the same slot.
template <class KeyAt>
int32_t index_slot_range_for(int32_t entries, int32_t entry_size, int64_t target, IndexSearchResult type,
                             KeyAt&& key_at) {
  if (entries == 0) return -1;
  auto binary_search = [&](int32_t begin, int32_t end) -> int32_t {
    int32_t lo = begin;
    int32_t hi = end;
    while (lo < hi) {
      int32_t mid = static_cast<int32_t>((static_cast<uint32_t>(lo) + static_cast<uint32_t>(hi) + 1) >> 1);
      int64_t found = key_at(mid);
      if (found > target) {
        hi = mid - 1;
      } else if (found < target) {
        lo = mid;
      } else {
        return mid;
      }
    }
    if (type == IndexSearchResult::largest_lower_bound) return lo;
    return lo == entries - 1 ? -1 : lo + 1;
  };
  const int32_t warm_entries = kIndexWarmSectionBytes / entry_size;
  const int32_t first_hot_entry = std::max<int32_t>(0, entries - 1 - warm_entries);
  if (key_at(first_hot_entry) < target) return binary_search(first_hot_entry, entries - 1);
  if (key_at(0) > target) return type == IndexSearchResult::largest_lower_bound ? -1 : 0;
  return binary_search(0, first_hot_entry);
}

class IndexFile {
 public:
  // Opens `path`, creating it when missing and `writable`: a new file is preallocated (sparse) to
  // max_index_size rounded down to a multiple of entry_size and holds no entries; an existing file
  // keeps its length and holds length / entry_size entries. Errors: invalid_argument when a new
  // file's max_index_size is below one entry; not_found when a read-only index does not exist;
  // corrupt_index when the file is longer than an index can be (2^31-1 bytes); io_error.
  static result<IndexFile> open(std::filesystem::path path, int32_t max_index_size, int32_t entry_size, bool writable);

  IndexFile(IndexFile&& other) noexcept;
  IndexFile& operator=(IndexFile&& other) noexcept;
  IndexFile(const IndexFile&) = delete;
  IndexFile& operator=(const IndexFile&) = delete;
  // Releases the mapping and descriptor without trimming: the file keeps its preallocated length,
  // exactly as after a crash. Call close() for a clean shutdown.
  ~IndexFile();

  const std::filesystem::path& path() const { return path_; }
  int32_t entry_size() const { return entry_size_; }
  int32_t max_index_size() const { return max_index_size_; }
  bool writable() const { return writable_; }
  bool newly_created() const { return newly_created_; }
  bool is_open() const { return fd_.valid(); }
  // The descriptor (-1 when closed), for flush jobs that dup it (LogSegment::dup_descriptors_for_flush).
  int descriptor() const { return fd_.get(); }
  // The file's length in bytes (preallocated or trimmed).
  int64_t length() const { return length_; }
  int32_t entries() const { return entries_; }
  // length / entry_size: how many entries fit before the file must grow or the segment roll.
  int32_t max_entries() const { return max_entries_; }
  // AbstractIndex.sizeInBytes: the bytes in use.
  int64_t size_in_bytes() const { return int64_t{entries_} * entry_size_; }

  // The bytes of entry n. Precondition: 0 <= n < entries() (checked by callers; aborts otherwise).
  const std::byte* entry(int32_t n) const;

  // Writes one entry (entry_size bytes) after the last. Errors: invalid_argument (read-only, wrong
  // size, closed), index_full, io_error.
  result<void> append(bytes_view entry);

  // Forgets entries from n on; n is clamped to [0, entries()]. The bytes stay in the file until
  // overwritten or trimmed, as in Kafka (AbstractIndex.truncateToEntries).
  void truncate_to_entries(int32_t n);

  // Sets the file length to new_size rounded down to whole entries (AbstractIndex.resize); false if
  // it already had that length. Used to grow a reopened active segment's index back to
  // max_index_size and, through trim_to_valid_size, to shrink it. Errors: invalid_argument when the
  // new size cannot hold the entries in use or the index is read-only; io_error.
  result<bool> resize(int32_t new_size);
  // resize(size_in_bytes()): drop the unused preallocated tail.
  result<void> trim_to_valid_size();
  // fdatasync.
  result<void> flush();
  // trim_to_valid_size (when writable), then release the file. The index is unusable afterwards.
  result<void> close();
  // Renames the file; the index stays open and usable (Kafka: AbstractIndex.renameTo).
  result<void> rename_to(const std::filesystem::path& new_path);
  // Releases the file and unlinks it; false if it did not exist.
  result<bool> delete_if_exists();

 private:
  IndexFile() = default;
  result<void> map(const char* why);
  void unmap();
  void release();

  std::filesystem::path path_;
  UniqueFd fd_;
  int32_t entry_size_ = 1;
  int32_t max_index_size_ = 0;
  bool writable_ = false;
  bool newly_created_ = false;
  int64_t length_ = 0;
  // A PROT_READ, MAP_SHARED mapping of [0, length_), or null when length_ == 0.
  // Invariant: entries_ * entry_size_ <= length_, so every entry in use is mapped.
  const std::byte* map_ = nullptr;
  int32_t entries_ = 0;
  int32_t max_entries_ = 0;
};

// The largest base offset an index accepts: base + any int32 relative offset (even a corrupt,
// negative one) stays a valid int64. Kafka's offsets never come near it.
inline constexpr int64_t kMaxIndexBaseOffset = INT64_MAX - INT32_MAX;

// invalid_argument unless 0 <= base_offset <= kMaxIndexBaseOffset.
result<void> check_index_base_offset(Offset base_offset, const std::filesystem::path& path);

// The offset relative to base if it fits an index's int32 field: 0 <= offset - base <= 2^31-1
// (AbstractIndex.toRelative).
std::optional<int32_t> relative_offset(Offset base, Offset offset);

}  // namespace strata::storage
