#include "objstore/fs_format.h"

#include <fmt/format.h>

#include <algorithm>

#include "base/crc32c.h"

namespace strata::objstore::fsformat {

namespace {

Error corrupt(std::string message) { return Error(ObjstoreErrc::corrupt, std::move(message)); }

template <class U>
void put(std::byte* base, size_t offset, U value) {
  store_be<U>(base + offset, value);
}

template <class U>
U get(bytes_view b, size_t offset) {
  return load_be<U>(b.data() + offset);
}

constexpr size_t kU16Size = 2;

void append_u16(bytes& out, uint16_t v) {
  std::byte b[kU16Size];
  store_be<uint16_t>(b, v);
  out.insert(out.end(), b, b + kU16Size);
}

void append_string(bytes& out, const std::string& s) {
  append_u16(out, static_cast<uint16_t>(s.size()));
  bytes_view v = as_bytes_view(s);
  out.insert(out.end(), v.begin(), v.end());
}

}  // namespace

std::array<std::byte, kFooterSize> encode_footer(const Footer& f) {
  std::array<std::byte, kFooterSize> out{};
  std::byte* p = out.data();
  put<uint64_t>(p, kDataSizeOffset, f.data_size);
  put<uint32_t>(p, kBlockSizeOffset, f.block_size);
  put<uint32_t>(p, kMetadataSizeOffset, f.metadata_size);
  put<uint32_t>(p, kDataCrcOffset, f.data_crc32c);
  put<uint32_t>(p, kMetadataCrcOffset, f.metadata_crc32c);
  put<uint64_t>(p, kVersionOffset, f.version);
  put<uint64_t>(p, kCreatedMsOffset, static_cast<uint64_t>(f.created_ms));
  put<uint32_t>(p, kFormatVersionOffset, kFormatVersion);
  put<uint32_t>(p, kFlagsOffset, 0);
  put<uint32_t>(p, kReservedOffset, 0);
  put<uint32_t>(p, kFooterCrcOffset, crc32c::compute(bytes_view(out).first(kFooterCrcOffset)));
  put<uint64_t>(p, kMagicOffset, kMagic);
  return out;
}

std::string etag_of(const Footer& footer) { return fmt::format("{:016x}", footer.version); }

result<Footer> decode_footer(bytes_view b, uint64_t file_size) {
  if (b.size() != kFooterSize || file_size < kFooterSize) {
    return corrupt(fmt::format("the file is {} bytes, too short for the {}-byte footer", file_size, kFooterSize));
  }
  if (get<uint64_t>(b, kMagicOffset) != kMagic) return corrupt("the footer has no STRATAOB magic");
  const uint32_t stored_crc = get<uint32_t>(b, kFooterCrcOffset);
  const uint32_t actual_crc = crc32c::compute(b.first(kFooterCrcOffset));
  if (stored_crc != actual_crc) {
    return corrupt(fmt::format("footer checksum mismatch (stored {:08x}, computed {:08x})", stored_crc, actual_crc));
  }
  const uint32_t version = get<uint32_t>(b, kFormatVersionOffset);
  if (version != kFormatVersion) {
    return Error(ObjstoreErrc::permanent,
                 fmt::format("object format version {} is not supported (this build reads version {}); "
                             "upgrade Strata to read it",
                             version, kFormatVersion));
  }
  Footer f;
  f.data_size = get<uint64_t>(b, kDataSizeOffset);
  f.block_size = get<uint32_t>(b, kBlockSizeOffset);
  f.metadata_size = get<uint32_t>(b, kMetadataSizeOffset);
  f.data_crc32c = get<uint32_t>(b, kDataCrcOffset);
  f.metadata_crc32c = get<uint32_t>(b, kMetadataCrcOffset);
  f.version = get<uint64_t>(b, kVersionOffset);
  f.created_ms = static_cast<int64_t>(get<uint64_t>(b, kCreatedMsOffset));
  if (f.block_size < kMinBlockSize || f.block_size > kMaxBlockSize) {
    return corrupt(fmt::format("the footer's block size {} is out of range", f.block_size));
  }
  // Compare without overflowing: data_size comes from the file and may be anything.
  const uint64_t trailer = file_size - kFooterSize;
  if (f.data_size > trailer || f.metadata_size > trailer - f.data_size ||
      f.table_size() != trailer - f.data_size - f.metadata_size) {
    return corrupt(fmt::format("the footer's sizes (data {}, metadata {}, {} blocks) do not add up to the file size {}",
                               f.data_size, f.metadata_size, f.block_count(), file_size));
  }
  return f;
}

bytes encode_metadata(const Metadata& metadata) {
  bytes out;
  append_u16(out, static_cast<uint16_t>(metadata.size()));
  for (const auto& [key, value] : metadata) {
    append_string(out, key);
    append_string(out, value);
  }
  return out;
}

result<Metadata> decode_metadata(bytes_view section, uint32_t expected_crc32c) {
  const uint32_t actual = crc32c::compute(section);
  if (actual != expected_crc32c) {
    return corrupt(fmt::format("metadata checksum mismatch (stored {:08x}, computed {:08x})", expected_crc32c, actual));
  }
  size_t pos = 0;
  auto read_u16 = [&](uint16_t& v) {
    if (section.size() - pos < kU16Size) return false;
    v = load_be<uint16_t>(section.data() + pos);
    pos += kU16Size;
    return true;
  };
  auto read_string = [&](std::string& s) {
    uint16_t n = 0;
    if (!read_u16(n) || section.size() - pos < n) return false;
    s.assign(as_string_view(section.subspan(pos, n)));
    pos += n;
    return true;
  };
  uint16_t count = 0;
  if (!read_u16(count)) return corrupt("the metadata section is truncated");
  Metadata metadata;
  for (uint16_t i = 0; i < count; ++i) {
    std::string key, value;
    if (!read_string(key) || !read_string(value)) return corrupt("the metadata section is truncated");
    if (!metadata.emplace(std::move(key), std::move(value)).second) return corrupt("the metadata has a duplicate key");
  }
  if (pos != section.size()) return corrupt("the metadata section has trailing bytes");
  return metadata;
}

void BlockChecksummer::update(bytes_view data) {
  data_crc_ = crc32c::extend(data_crc_, data);
  data_size_ += data.size();
  while (!data.empty()) {
    const size_t n = std::min<size_t>(data.size(), block_size_ - block_fill_);
    block_crc_ = crc32c::extend(block_crc_, data.first(n));
    block_fill_ += static_cast<uint32_t>(n);
    data = data.subspan(n);
    if (block_fill_ == block_size_) {
      finished_.push_back(block_crc_);
      block_crc_ = 0;
      block_fill_ = 0;
    }
  }
}

bytes BlockChecksummer::encode_table() const {
  const size_t blocks = finished_.size() + (block_fill_ > 0 ? 1 : 0);
  bytes out(blocks * kBlockCrcSize);
  for (size_t i = 0; i < finished_.size(); ++i) store_be<uint32_t>(out.data() + i * kBlockCrcSize, finished_[i]);
  if (block_fill_ > 0) store_be<uint32_t>(out.data() + finished_.size() * kBlockCrcSize, block_crc_);
  return out;
}

result<void> verify_blocks(bytes_view data, uint32_t block_size, bytes_view table, uint64_t offset_for_errors) {
  size_t block = 0;
  while (!data.empty()) {
    if ((block + 1) * kBlockCrcSize > table.size()) return corrupt("the block table is shorter than the data");
    const size_t n = std::min<size_t>(data.size(), block_size);
    const uint32_t stored = load_be<uint32_t>(table.data() + block * kBlockCrcSize);
    const uint32_t actual = crc32c::compute(data.first(n));
    if (stored != actual) {
      return corrupt(fmt::format("checksum mismatch in the block at byte {} (stored {:08x}, computed {:08x})",
                                 offset_for_errors + block * block_size, stored, actual));
    }
    data = data.subspan(n);
    ++block;
  }
  return success();
}

}  // namespace strata::objstore::fsformat
