#include "storage/time_index.h"

#include <array>

#include <fmt/format.h>

#include "base/bytes.h"
#include "storage/storage_error.h"

namespace strata::storage {

result<TimeIndex> TimeIndex::open(std::filesystem::path path, Offset base_offset, int32_t max_index_size,
                                  bool writable) {
  STRATA_TRY(check_index_base_offset(base_offset, path));
  STRATA_TRY_ASSIGN(IndexFile file, IndexFile::open(std::move(path), max_index_size, kTimeIndexEntrySize, writable));
  TimeIndex index(std::move(file), base_offset);
  index.last_entry_ = index.last_entry_from_file();
  return index;
}

TimestampOffset TimeIndex::parse_entry(int32_t n) const {
  const std::byte* e = file_.entry(n);
  int64_t timestamp = static_cast<int64_t>(load_be<uint64_t>(e + kTimeIndexTimestampField));
  int32_t relative = static_cast<int32_t>(load_be<uint32_t>(e + kTimeIndexRelativeOffsetField));
  return TimestampOffset{timestamp, base_offset_ + relative};
}

TimestampOffset TimeIndex::last_entry_from_file() const {
  if (file_.entries() == 0) return TimestampOffset{kNoTimestamp, base_offset_};
  return parse_entry(file_.entries() - 1);
}

result<bool> TimeIndex::maybe_append(int64_t timestamp, Offset offset, bool skip_full_check) {
  auto full = [&] {
    return Error(StorageErrc::index_full,
                 fmt::format("Attempt to append to a full time index {} (size = {})", path().string(), entries()));
  };
  if (!skip_full_check && is_full()) return full();
  // Offsets may repeat (the same entry is offered again when a segment closes); going back is a bug.
  if (entries() != 0 && offset < last_entry_.offset) {
    return Error(StorageErrc::invalid_offset,
                 fmt::format("Attempt to append an offset ({}) to slot {} no larger than the last offset appended ({}) "
                             "to {}",
                             offset, entries(), last_entry_.offset, path().string()));
  }
  if (entries() != 0 && timestamp < last_entry_.timestamp) {
    return Error(StorageErrc::invalid_offset,
                 fmt::format("Attempt to append a timestamp ({}) to slot {} no larger than the last timestamp appended "
                             "({}) to {}",
                             timestamp, entries(), last_entry_.timestamp, path().string()));
  }
  // Only a larger timestamp is worth an entry. With no timestamps at all (NO_TIMESTAMP everywhere)
  // the index stays empty.
  if (timestamp <= last_entry_.timestamp) return false;
  // Even with skip_full_check the entry needs a free slot; an entry that repeats the last one (a
  // segment that rolled and then closes) needs none, as in Kafka.
  if (file_.entries() >= file_.max_entries()) return full();
  std::optional<int32_t> relative = relative_offset(base_offset_, offset);
  if (!relative) {
    return Error(StorageErrc::offset_overflow, fmt::format("Integer overflow for offset: {} ({}, base offset {})",
                                                           offset, path().string(), base_offset_));
  }
  std::array<std::byte, kTimeIndexEntrySize> entry;
  store_be<uint64_t>(entry.data() + kTimeIndexTimestampField, static_cast<uint64_t>(timestamp));
  store_be<uint32_t>(entry.data() + kTimeIndexRelativeOffsetField, static_cast<uint32_t>(*relative));
  STRATA_TRY(file_.append(entry));
  last_entry_ = TimestampOffset{timestamp, offset};
  return true;
}

TimestampOffset TimeIndex::lookup(int64_t target_timestamp) const {
  int32_t slot =
      index_slot_range_for(entries(), kTimeIndexEntrySize, target_timestamp, IndexSearchResult::largest_lower_bound,
                           [this](int32_t n) { return parse_entry(n).timestamp; });
  if (slot == -1) return TimestampOffset{kNoTimestamp, base_offset_};
  return parse_entry(slot);
}

result<TimestampOffset> TimeIndex::entry(int32_t n) const {
  if (n < 0 || n >= entries()) {
    return Error(StorageErrc::invalid_argument,
                 fmt::format("Attempt to fetch the {}th entry from time index {} which has size {}", n, path().string(),
                             entries()));
  }
  return parse_entry(n);
}

void TimeIndex::truncate_to(Offset offset) {
  int32_t slot =
      index_slot_range_for(entries(), kTimeIndexEntrySize, offset.value(), IndexSearchResult::largest_lower_bound,
                           [this](int32_t n) { return parse_entry(n).offset.value(); });
  int32_t new_entries;
  if (slot < 0) {
    new_entries = 0;
  } else if (parse_entry(slot).offset == offset) {
    new_entries = slot;
  } else {
    new_entries = slot + 1;
  }
  file_.truncate_to_entries(new_entries);
  last_entry_ = last_entry_from_file();
}

void TimeIndex::truncate() {
  file_.truncate_to_entries(0);
  last_entry_ = last_entry_from_file();
}

result<void> TimeIndex::reset() {
  truncate();
  STRATA_TRY(resize(file_.max_index_size()));
  return success();
}

result<bool> TimeIndex::resize(int32_t new_size) {
  STRATA_TRY_ASSIGN(bool changed, file_.resize(new_size));
  if (changed) last_entry_ = last_entry_from_file();
  return changed;
}

result<void> TimeIndex::trim_to_valid_size() {
  STRATA_TRY(resize(static_cast<int32_t>(size_in_bytes())));
  return success();
}

result<void> TimeIndex::sanity_check() const {
  if (entries() != 0) {
    int64_t first_timestamp = parse_entry(0).timestamp;
    if (last_entry_.timestamp < first_timestamp) {
      return Error(
          StorageErrc::corrupt_index,
          fmt::format("Corrupt time index found, time index file ({}) has non-zero size but the last timestamp "
                      "is {} which is less than the first timestamp {}",
                      path().string(), last_entry_.timestamp, first_timestamp));
    }
    if (last_entry_.offset < base_offset_) {
      return Error(StorageErrc::corrupt_index,
                   fmt::format("Corrupt time index found, time index file ({}) has non-zero size but the last offset "
                               "is {} which is less than the first offset {}",
                               path().string(), last_entry_.offset, base_offset_));
    }
    if (entries() > 1 && last_entry_.timestamp == first_timestamp) {
      return Error(StorageErrc::corrupt_index,
                   fmt::format("Corrupt time index found, time index file ({}) has {} entries but the last timestamp "
                               "equals the first ({}): an untrimmed preallocated file (unclean shutdown?)",
                               path().string(), entries(), first_timestamp));
    }
  }
  if (file_.length() % kTimeIndexEntrySize != 0) {
    return Error(StorageErrc::corrupt_index,
                 fmt::format("Time index file {} is corrupt, found {} bytes which is neither positive nor a multiple "
                             "of {}",
                             path().string(), file_.length(), kTimeIndexEntrySize));
  }
  return success();
}

result<void> TimeIndex::validate_entries() const {
  STRATA_TRY(sanity_check());
  for (int32_t n = 0; n < entries(); ++n) {
    TimestampOffset e = parse_entry(n);
    if (e.offset < base_offset_) {
      return Error(StorageErrc::corrupt_index,
                   fmt::format("Time index file {} entry {} ({} => {}) is below the base offset {}", path().string(), n,
                               e.timestamp, e.offset, base_offset_));
    }
    if (n > 0) {
      TimestampOffset prev = parse_entry(n - 1);
      if (e.timestamp <= prev.timestamp || e.offset < prev.offset) {
        return Error(StorageErrc::corrupt_index,
                     fmt::format("Time index file {} entry {} ({} => {}) does not follow entry {} ({} => {})",
                                 path().string(), n, e.timestamp, e.offset, n - 1, prev.timestamp, prev.offset));
      }
    }
  }
  return success();
}

}  // namespace strata::storage
