#include "storage/producer_snapshot_file.h"

#include <fmt/format.h>

#include <algorithm>
#include <system_error>

#include "base/crc32c.h"
#include "storage/file_io.h"
#include "storage/log_file_names.h"
#include "storage/storage_error.h"

namespace strata::storage {
namespace {

Error corrupt(std::string_view location, std::string_view why) {
  return Error(StorageErrc::corrupt_snapshot, fmt::format("Producer snapshot {} is corrupt: {}", location, why));
}

template <class T>
T load(const std::byte* p) {
  using U = std::make_unsigned_t<T>;
  return static_cast<T>(load_be<U>(p));
}

template <class T>
void store(std::byte* p, T v) {
  using U = std::make_unsigned_t<T>;
  store_be<U>(p, static_cast<U>(v));
}

}  // namespace

bytes encode_producer_snapshot(std::span<const ProducerSnapshotEntry> entries) {
  bytes out(kProducerSnapshotHeaderSize + entries.size() * kProducerSnapshotEntrySize);
  store<int16_t>(out.data() + kProducerSnapshotVersionOffset, kProducerSnapshotVersion);
  store<int32_t>(out.data() + kProducerSnapshotEntriesOffset, static_cast<int32_t>(entries.size()));
  std::byte* p = out.data() + kProducerSnapshotFirstEntryOffset;
  for (const ProducerSnapshotEntry& e : entries) {
    store<int64_t>(p + kSnapshotProducerIdField, e.producer_id.value());
    store<int16_t>(p + kSnapshotEpochField, e.epoch.value());
    store<int32_t>(p + kSnapshotLastSequenceField, e.last_sequence);
    store<int64_t>(p + kSnapshotLastOffsetField, e.last_offset.value());
    store<int32_t>(p + kSnapshotOffsetDeltaField, e.offset_delta);
    store<int64_t>(p + kSnapshotTimestampField, e.timestamp);
    store<int32_t>(p + kSnapshotCoordinatorEpochField, e.coordinator_epoch);
    store<int64_t>(p + kSnapshotCurrentTxnFirstOffsetField, e.current_txn_first_offset.value());
    p += kProducerSnapshotEntrySize;
  }
  // The CRC covers the count and the entries, and is written last (Kafka fills it in after writing
  // the struct with crc 0).
  uint32_t crc = crc32c::compute(bytes_view(out).subspan(kProducerSnapshotEntriesOffset));
  store_be<uint32_t>(out.data() + kProducerSnapshotCrcOffset, crc);
  return out;
}

result<std::vector<ProducerSnapshotEntry>> decode_producer_snapshot(bytes_view data, std::string_view location) {
  // 1. Structure, as Kafka's Schema.read finds it, with its messages: header fields in order, then
  //    the array (its count against the bytes left, then each entry's fields).
  static constexpr std::string_view kUnderflow = "java.nio.BufferUnderflowException";
  auto schema_error = [&](std::string_view why) {
    return corrupt(location, fmt::format("Snapshot failed schema validation: {}", why));
  };
  struct Field {
    std::string_view name;
    size_t end;  // offset just past the field
  };
  static constexpr Field kHeaderFields[] = {{"version", kProducerSnapshotCrcOffset},
                                            {"crc", kProducerSnapshotEntriesOffset},
                                            {"producer_entries", kProducerSnapshotFirstEntryOffset}};
  for (const Field& f : kHeaderFields) {
    if (data.size() < f.end) return schema_error(fmt::format("Error reading field '{}': {}", f.name, kUnderflow));
  }
  const int32_t count = load<int32_t>(data.data() + kProducerSnapshotEntriesOffset);
  const size_t available = data.size() - kProducerSnapshotHeaderSize;
  if (count < 0) {
    return schema_error(fmt::format("Error reading field 'producer_entries': Array size {} cannot be negative", count));
  }
  if (static_cast<size_t>(count) > available) {
    return schema_error(
        fmt::format("Error reading field 'producer_entries': Error reading array of size {}, only {} "
                    "bytes available",
                    count, available));
  }
  // count <= available, so the product fits.
  const size_t needed = static_cast<size_t>(count) * kProducerSnapshotEntrySize;
  if (needed > available) {
    static constexpr Field kEntryFields[] = {{"producer_id", kSnapshotEpochField},
                                             {"epoch", kSnapshotLastSequenceField},
                                             {"last_sequence", kSnapshotLastOffsetField},
                                             {"last_offset", kSnapshotOffsetDeltaField},
                                             {"offset_delta", kSnapshotTimestampField},
                                             {"timestamp", kSnapshotCoordinatorEpochField},
                                             {"coordinator_epoch", kSnapshotCurrentTxnFirstOffsetField},
                                             {"current_txn_first_offset", kProducerSnapshotEntrySize}};
    const size_t partial = available % kProducerSnapshotEntrySize;  // bytes of the first incomplete entry
    std::string_view field = kEntryFields[0].name;
    for (const Field& f : kEntryFields) {
      if (partial < f.end) {
        field = f.name;
        break;
      }
    }
    return schema_error(
        fmt::format("Error reading field 'producer_entries': Error reading field '{}': {}", field, kUnderflow));
  }
  // 2. Version.
  const int16_t version = load<int16_t>(data.data() + kProducerSnapshotVersionOffset);
  if (version != kProducerSnapshotVersion) {
    return corrupt(location, fmt::format("Snapshot contained an unknown file version {}", version));
  }
  // 3. CRC, over everything after the CRC field (so trailing bytes count, as in Kafka).
  const uint32_t stored = load_be<uint32_t>(data.data() + kProducerSnapshotCrcOffset);
  const uint32_t computed = crc32c::compute(data.subspan(kProducerSnapshotEntriesOffset));
  if (stored != computed) {
    return corrupt(location,
                   fmt::format("Snapshot is corrupt (CRC is no longer valid). Stored crc: {}. Computed crc: {}", stored,
                               computed));
  }
  // 4. Stricter than Kafka, whose Schema.read ignores what follows the array: no Kafka writes it.
  if (needed != available) {
    return corrupt(location, fmt::format("{} bytes after the last of {} entries", available - needed, count));
  }

  std::vector<ProducerSnapshotEntry> entries;
  entries.reserve(static_cast<size_t>(count));
  const std::byte* p = data.data() + kProducerSnapshotFirstEntryOffset;
  for (int32_t i = 0; i < count; ++i, p += kProducerSnapshotEntrySize) {
    ProducerSnapshotEntry e;
    e.producer_id = ProducerId{load<int64_t>(p + kSnapshotProducerIdField)};
    e.epoch = ProducerEpoch{load<int16_t>(p + kSnapshotEpochField)};
    e.last_sequence = load<int32_t>(p + kSnapshotLastSequenceField);
    e.last_offset = Offset{load<int64_t>(p + kSnapshotLastOffsetField)};
    e.offset_delta = load<int32_t>(p + kSnapshotOffsetDeltaField);
    e.timestamp = load<int64_t>(p + kSnapshotTimestampField);
    e.coordinator_epoch = load<int32_t>(p + kSnapshotCoordinatorEpochField);
    e.current_txn_first_offset = Offset{load<int64_t>(p + kSnapshotCurrentTxnFirstOffsetField)};
    entries.push_back(e);
  }
  return entries;
}

std::string_view corrupt_snapshot_reason(const Error& error) {
  static constexpr std::string_view kMarker = " is corrupt: ";
  const std::string& message = error.message();
  const size_t at = message.find(kMarker);
  if (at == std::string::npos) return message;
  return std::string_view(message).substr(at + kMarker.size());
}

result<void> write_producer_snapshot(const std::filesystem::path& path, std::span<const ProducerSnapshotEntry> entries,
                                     bool sync) {
  bytes data = encode_producer_snapshot(entries);
  return write_file_atomically(path, as_string_view(data), sync);
}

result<std::vector<ProducerSnapshotEntry>> read_producer_snapshot(const std::filesystem::path& path) {
  STRATA_TRY_ASSIGN(std::string text, read_file(path));
  return decode_producer_snapshot(as_bytes_view(text), path.string());
}

result<std::vector<SnapshotFile>> list_snapshot_files(const std::filesystem::path& dir) {
  std::vector<SnapshotFile> files;
  std::error_code ec;
  if (!std::filesystem::is_directory(dir, ec)) return files;
  std::filesystem::directory_iterator it(dir, ec);
  if (ec) return errno_error("list", dir, ec.value());
  for (; it != std::filesystem::directory_iterator(); it.increment(ec)) {
    if (ec) return errno_error("list", dir, ec.value());
    std::error_code type_ec;
    if (!it->is_regular_file(type_ec)) continue;
    auto name = parse_segment_file_name(it->path().filename().string());
    if (!name || name->type != SegmentFileType::producer_snapshot || name->state != SegmentFileState::live) continue;
    files.push_back(SnapshotFile{name->base_offset, it->path()});
  }
  if (ec) return errno_error("list", dir, ec.value());
  std::sort(files.begin(), files.end(),
            [](const SnapshotFile& a, const SnapshotFile& b) { return a.offset < b.offset; });
  return files;
}

}  // namespace strata::storage
