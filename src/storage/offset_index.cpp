#include "storage/offset_index.h"

#include <array>
#include <limits>

#include <fmt/format.h>

#include "base/bytes.h"
#include "storage/storage_error.h"

namespace strata::storage {

result<OffsetIndex> OffsetIndex::open(std::filesystem::path path, Offset base_offset, int32_t max_index_size,
                                      bool writable) {
  STRATA_TRY(check_index_base_offset(base_offset, path));
  STRATA_TRY_ASSIGN(IndexFile file, IndexFile::open(std::move(path), max_index_size, kOffsetIndexEntrySize, writable));
  OffsetIndex index(std::move(file), base_offset);
  index.last_offset_ = index.last_entry().offset;
  return index;
}

int32_t OffsetIndex::relative_offset_at(int32_t n) const {
  return static_cast<int32_t>(load_be<uint32_t>(file_.entry(n) + kOffsetIndexRelativeOffsetField));
}

OffsetPosition OffsetIndex::parse_entry(int32_t n) const {
  const std::byte* e = file_.entry(n);
  int32_t relative = static_cast<int32_t>(load_be<uint32_t>(e + kOffsetIndexRelativeOffsetField));
  int32_t position = static_cast<int32_t>(load_be<uint32_t>(e + kOffsetIndexPositionField));
  return OffsetPosition{base_offset_ + relative, FilePosition{position}};
}

OffsetPosition OffsetIndex::last_entry() const {
  if (file_.entries() == 0) return OffsetPosition{base_offset_, FilePosition{0}};
  return parse_entry(file_.entries() - 1);
}

result<void> OffsetIndex::append(Offset offset, FilePosition position) {
  if (is_full()) {
    return Error(StorageErrc::index_full,
                 fmt::format("Attempt to append to a full index {} (size = {})", path().string(), entries()));
  }
  if (entries() != 0 && offset <= last_offset_) {
    return Error(StorageErrc::invalid_offset,
                 fmt::format("Attempt to append an offset {} to position {} no larger than the last offset appended "
                             "({}) to {}",
                             offset, entries(), last_offset_, path().string()));
  }
  std::optional<int32_t> relative = relative_offset(base_offset_, offset);
  if (!relative) {
    return Error(StorageErrc::offset_overflow, fmt::format("Integer overflow for offset: {} ({}, base offset {})",
                                                           offset, path().string(), base_offset_));
  }
  if (position.value() < 0 || position.value() > std::numeric_limits<int32_t>::max()) {
    return Error(StorageErrc::invalid_argument,
                 fmt::format("Position {} does not fit the 4-byte position of index {}", position, path().string()));
  }
  std::array<std::byte, kOffsetIndexEntrySize> entry;
  store_be<uint32_t>(entry.data() + kOffsetIndexRelativeOffsetField, static_cast<uint32_t>(*relative));
  store_be<uint32_t>(entry.data() + kOffsetIndexPositionField, static_cast<uint32_t>(position.value()));
  STRATA_TRY(file_.append(entry));
  last_offset_ = offset;
  return success();
}

OffsetPosition OffsetIndex::lookup(Offset target) const {
  int32_t slot =
      index_slot_range_for(entries(), kOffsetIndexEntrySize, target.value(), IndexSearchResult::largest_lower_bound,
                           [this](int32_t n) { return parse_entry(n).offset.value(); });
  if (slot == -1) return OffsetPosition{base_offset_, FilePosition{0}};
  return parse_entry(slot);
}

std::optional<OffsetPosition> OffsetIndex::fetch_upper_bound_offset(OffsetPosition fetch, int32_t fetch_size) const {
  int32_t slot = index_slot_range_for(entries(), kOffsetIndexEntrySize, fetch.position.value() + fetch_size,
                                      IndexSearchResult::smallest_upper_bound,
                                      [this](int32_t n) { return parse_entry(n).position.value(); });
  if (slot == -1) return std::nullopt;
  return parse_entry(slot);
}

result<OffsetPosition> OffsetIndex::entry(int32_t n) const {
  if (n < 0 || n >= entries()) {
    return Error(
        StorageErrc::invalid_argument,
        fmt::format("Attempt to fetch the {}th entry from index {}, which has size {}", n, path().string(), entries()));
  }
  return parse_entry(n);
}

void OffsetIndex::truncate_to(Offset offset) {
  int32_t slot =
      index_slot_range_for(entries(), kOffsetIndexEntrySize, offset.value(), IndexSearchResult::largest_lower_bound,
                           [this](int32_t n) { return parse_entry(n).offset.value(); });
  // No entry <= offset: drop everything. An entry at exactly offset: drop it and all after it.
  // Otherwise keep the entry below offset and drop all after it.
  int32_t new_entries;
  if (slot < 0) {
    new_entries = 0;
  } else if (parse_entry(slot).offset == offset) {
    new_entries = slot;
  } else {
    new_entries = slot + 1;
  }
  file_.truncate_to_entries(new_entries);
  last_offset_ = last_entry().offset;
}

void OffsetIndex::truncate() {
  file_.truncate_to_entries(0);
  last_offset_ = base_offset_;
}

result<void> OffsetIndex::reset() {
  truncate();
  STRATA_TRY(file_.resize(file_.max_index_size()));
  return success();
}

result<void> OffsetIndex::sanity_check() const {
  if (entries() != 0 && last_offset_ < base_offset_) {
    return Error(StorageErrc::corrupt_index,
                 fmt::format("Corrupt index found, index file {} has non-zero size but the last offset is {} which is "
                             "less than the base offset {}",
                             path().string(), last_offset_, base_offset_));
  }
  if (file_.length() % kOffsetIndexEntrySize != 0) {
    return Error(StorageErrc::corrupt_index,
                 fmt::format("Index file {} is corrupt, found {} bytes which is neither positive nor a multiple of {}",
                             path().string(), file_.length(), kOffsetIndexEntrySize));
  }
  if (entries() > 1 && relative_offset_at(entries() - 1) == 0) {
    return Error(StorageErrc::corrupt_index,
                 fmt::format("Corrupt index found, index file {} has {} entries but the last one has relative offset "
                             "0: an untrimmed preallocated file (unclean shutdown?)",
                             path().string(), entries()));
  }
  return success();
}

result<void> OffsetIndex::validate_entries() const {
  STRATA_TRY(sanity_check());
  for (int32_t n = 0; n < entries(); ++n) {
    OffsetPosition e = parse_entry(n);
    if (e.offset < base_offset_ || e.position.value() < 0) {
      return Error(
          StorageErrc::corrupt_index,
          fmt::format("Index file {} entry {} ({} => {}) is below the base offset {} or has a negative position",
                      path().string(), n, e.offset, e.position, base_offset_));
    }
    if (n > 0) {
      OffsetPosition prev = parse_entry(n - 1);
      if (e.offset <= prev.offset || e.position < prev.position) {
        return Error(StorageErrc::corrupt_index,
                     fmt::format("Index file {} entry {} ({} => {}) does not follow entry {} ({} => {})",
                                 path().string(), n, e.offset, e.position, n - 1, prev.offset, prev.position));
      }
    }
  }
  return success();
}

}  // namespace strata::storage
