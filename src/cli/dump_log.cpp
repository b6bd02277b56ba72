#include "cli/dump_log.h"

#include <fcntl.h>
#include <unistd.h>

#include <fmt/format.h>
#include <CLI/CLI.hpp>

#include <filesystem>
#include <map>
#include <optional>
#include <string_view>

#include "base/bytes.h"
#include "base/result.h"
#include "record/control_record.h"
#include "record/record.h"
#include "record/record_batch.h"
#include "storage/file_io.h"
#include "storage/java_text.h"
#include "storage/log_file_names.h"
#include "storage/offset_index.h"
#include "storage/producer_snapshot_file.h"
#include "storage/producer_state.h"
#include "storage/storage_error.h"
#include "storage/time_index.h"
#include "storage/transaction_index.h"

namespace strata::cli {
namespace {

// Where the dump stops as Kafka's tool stops on an exception.
enum class DumpErrc { failed = 1 };
constexpr std::string_view error_category(DumpErrc) { return "dump-log"; }
Error failed(std::string message) { return Error(DumpErrc::failed, std::move(message)); }

// DumpLogSegments.RecordIndent.
constexpr std::string_view kRecordIndent = "|";
// Kafka's FileLogInputStream reads this much of a batch to know its size and format
// (Records.HEADER_SIZE_UP_TO_MAGIC) and gives up when no more than that is left.
constexpr int64_t kHeaderSizeUpToMagic = static_cast<int64_t>(record::kHeaderSizeUpToMagic);
constexpr int64_t kLogOverhead = static_cast<int64_t>(record::kLogOverhead);

// java.io.File's normalised path: repeated separators collapsed, no trailing separator.
std::string java_file_string(std::string_view path) {
  std::string out;
  for (char c : path) {
    if (c == '/' && !out.empty() && out.back() == '/') continue;
    out += c;
  }
  if (out.size() > 1 && out.back() == '/') out.pop_back();
  return out;
}

// File.getName.
std::string file_name(const std::string& path) {
  auto slash = path.rfind('/');
  return slash == std::string::npos ? path : path.substr(slash + 1);
}

// File.getAbsolutePath (no normalisation of "." or "..", as in Java).
std::string absolute_path(const std::string& path) {
  if (!path.empty() && path.front() == '/') return path;
  std::error_code ec;
  std::string cwd = std::filesystem::current_path(ec).string();
  if (path.empty()) return cwd;
  return java_file_string(cwd + "/" + path);
}

// File.getAbsoluteFile.getParent.
std::string absolute_parent(const std::string& path) {
  std::string abs = absolute_path(path);
  auto slash = abs.rfind('/');
  return slash == 0 ? "/" : abs.substr(0, slash);
}

// name.split("\\.")(0).toLong, as Kafka derives a file's base offset.
result<int64_t> offset_from_name(const std::string& name) {
  std::string_view prefix = std::string_view(name).substr(0, name.find('.'));
  auto offset = storage::parse_java_int64(prefix);
  if (!offset) return failed(fmt::format("For input string: \"{}\" (not an offset in file name {})", prefix, name));
  return *offset;
}

std::string optional_long(std::optional<int64_t> value) {
  return value ? fmt::format("OptionalLong[{}]", *value) : std::string("OptionalLong.empty");
}

std::string_view boolean(bool b) { return b ? "true" : "false"; }

std::string_view timestamp_type_name(record::TimestampType type) {
  return type == record::TimestampType::log_append_time ? "LogAppendTime" : "CreateTime";
}

// new String(bytes, UTF_8): malformed sequences become U+FFFD, one per maximal valid prefix.
std::string java_utf8(bytes_view b) {
  static constexpr std::string_view kReplacement = "\xEF\xBF\xBD";
  std::string out;
  out.reserve(b.size());
  size_t i = 0;
  while (i < b.size()) {
    const auto c = static_cast<uint8_t>(b[i]);
    if (c < 0x80) {
      out += static_cast<char>(c);
      ++i;
      continue;
    }
    size_t need = 0;
    uint8_t lo = 0x80;
    uint8_t hi = 0xBF;
    if (c >= 0xC2 && c <= 0xDF) {
      need = 1;
    } else if (c >= 0xE0 && c <= 0xEF) {
      need = 2;
      if (c == 0xE0) lo = 0xA0;
      if (c == 0xED) hi = 0x9F;
    } else if (c >= 0xF0 && c <= 0xF4) {
      need = 3;
      if (c == 0xF0) lo = 0x90;
      if (c == 0xF4) hi = 0x8F;
    } else {
      out += kReplacement;
      ++i;
      continue;
    }
    size_t len = 1;
    bool ok = true;
    for (size_t k = 0; k < need; ++k) {
      if (i + len >= b.size()) {
        ok = false;
        break;
      }
      const auto cc = static_cast<uint8_t>(b[i + len]);
      const uint8_t min = k == 0 ? lo : 0x80;
      const uint8_t max = k == 0 ? hi : 0xBF;
      if (cc < min || cc > max) {
        ok = false;
        break;
      }
      ++len;
    }
    if (ok) {
      out.append(reinterpret_cast<const char*>(b.data() + i), len);
    } else {
      out += kReplacement;
    }
    i += len;
  }
  return out;
}

// A read-only file with positioned reads (FileRecords).
class ReadOnlyFile {
 public:
  static result<ReadOnlyFile> open(const std::string& path) {
    auto fd = storage::open_file(path, O_RDONLY);
    if (!fd) return failed(fd.error().message());
    ReadOnlyFile f;
    f.path_ = path;
    f.fd_ = std::move(fd).value();
    STRATA_TRY_ASSIGN(f.size_, storage::file_size(f.fd_.get(), f.path_));
    return f;
  }
  int64_t size() const { return size_; }
  const std::string& path() const { return path_; }
  result<bytes> read(int64_t position, size_t n) const {
    bytes out(n);
    STRATA_TRY(storage::pread_exact(fd_.get(), out, static_cast<off_t>(position), path_));
    return out;
  }

 private:
  std::string path_;
  storage::UniqueFd fd_;
  int64_t size_ = 0;
};

struct FileBatch {
  int64_t position = 0;
  bytes data;
  record::RecordBatchView view() const { return record::RecordBatchView::parse(data).value(); }
};

// FileLogInputStream.nextBatch over [position, end) of `file`: nullopt at the end or before a
// partial batch (Kafka stops silently; the caller reports the trailing bytes), an error where
// Kafka throws.
result<std::optional<FileBatch>> next_batch(const ReadOnlyFile& file, int64_t& position, int64_t end,
                                            const std::string& display_path) {
  if (position >= end - kHeaderSizeUpToMagic) return std::optional<FileBatch>{};
  STRATA_TRY_ASSIGN(bytes header, file.read(position, record::kHeaderSizeUpToMagic));
  const auto size = static_cast<int32_t>(load_be<uint32_t>(header.data() + record::kBatchLengthOffset));
  if (size < record::kMinBatchLengthAnyMagic) {
    return failed(fmt::format("Found record size {} smaller than minimum record overhead ({}) in file {}.", size,
                              record::kMinBatchLengthAnyMagic, display_path));
  }
  if (position > end - kLogOverhead - size) return std::optional<FileBatch>{};
  const auto magic = static_cast<int8_t>(header[record::kMagicOffset]);
  if (magic != record::kMagicV2) {
    return failed(fmt::format("Batch at position {} of {} has magic {}: only magic 2 (Kafka 0.11+) is supported",
                              position, display_path, magic));
  }
  FileBatch batch;
  batch.position = position;
  STRATA_TRY_ASSIGN(batch.data, file.read(position, static_cast<size_t>(size) + record::kLogOverhead));
  auto view = record::RecordBatchView::parse(batch.data);
  if (!view) {
    return failed(fmt::format("Batch at position {} of {}: {}", position, display_path, view.error().message()));
  }
  position += static_cast<int64_t>(batch.data.size());
  return std::optional<FileBatch>{std::move(batch)};
}

// What main() reports after all files (DumpLogSegments' maps, in its order), keyed by absolute path
// in the order files were seen.
struct Reports {
  std::vector<std::pair<std::string, std::vector<std::pair<int64_t, int64_t>>>> index_mismatches;
  std::vector<std::pair<std::string, std::vector<std::pair<int64_t, int64_t>>>> time_mismatches;
  std::vector<std::pair<std::string, std::vector<std::pair<int64_t, int64_t>>>> time_out_of_order;
  std::vector<std::pair<std::string, std::vector<std::pair<int64_t, int64_t>>>> time_not_found;
  std::vector<std::pair<std::string, std::vector<std::pair<int64_t, int64_t>>>> non_consecutive;

  static std::vector<std::pair<int64_t, int64_t>>& list(
      std::vector<std::pair<std::string, std::vector<std::pair<int64_t, int64_t>>>>& map, const std::string& key) {
    for (auto& [k, v] : map) {
      if (k == key) return v;
    }
    map.emplace_back(key, std::vector<std::pair<int64_t, int64_t>>{});
    return map.back().second;
  }
};

class Dumper {
 public:
  Dumper(const DumpLogOptions& options, std::ostream& out, std::ostream& err)
      : options_(options), out_(out), err_(err) {}

  result<void> dump(const std::string& arg) {
    const std::string path = java_file_string(arg);
    out_ << "Dumping " << path << "\n";
    const std::string name = file_name(path);
    const auto dot = name.rfind('.');
    const std::string suffix = dot == std::string::npos ? std::string() : name.substr(dot);
    if (suffix == storage::kLogFileSuffix || suffix == kKraftSnapshotSuffix) return dump_log(path);
    if (suffix == storage::kIndexFileSuffix) return dump_index(path);
    if (suffix == storage::kTimeIndexFileSuffix) return dump_time_index(path);
    if (suffix == storage::kProducerSnapshotFileSuffix) return dump_producer_snapshot(path);
    if (suffix == storage::kTxnIndexFileSuffix) return dump_txn_index(path);
    err_ << "Ignoring unknown file " << path << "\n";
    return success();
  }

  // main()'s reports, after every file. Lists were built by prepending in Kafka (::=), so they
  // print newest first; the time index ones were appended (ArrayBuffer +=).
  void print_reports() {
    for (auto& [file, mismatches] : reports_.index_mismatches) {
      err_ << "Mismatches in :" << file << "\n";
      for (auto it = mismatches.rbegin(); it != mismatches.rend(); ++it) {
        err_ << "  Index offset: " << it->first << ", log offset: " << it->second << "\n";
      }
    }
    for (auto& [file, mismatches] : reports_.time_mismatches) {
      err_ << "Found timestamp mismatch in :" << file << "\n";
      for (auto& [index_ts, log_ts] : mismatches) {
        err_ << "  Index timestamp: " << index_ts << ", log timestamp: " << log_ts << "\n";
      }
    }
    for (auto& [file, list] : reports_.time_out_of_order) {
      err_ << "Found out of order timestamp in :" << file << "\n";
      for (auto& [index_ts, prev_ts] : list) {
        err_ << "  Index timestamp: " << index_ts << ", Previously indexed timestamp: " << prev_ts << "\n";
      }
    }
    for (auto& [file, list] : reports_.time_not_found) {
      err_ << "The following indexed offsets are not found in the log.\n";
      for (auto& [indexed, found] : list)
        err_ << "Indexed offset: " << indexed << ", found log offset: " << found << "\n";
    }
    for (auto& [file, pairs] : reports_.non_consecutive) {
      err_ << "Non-consecutive offsets in " << file << "\n";
      for (auto it = pairs.rbegin(); it != pairs.rend(); ++it) {
        err_ << "  " << it->first << " is followed by " << it->second << "\n";
      }
    }
  }

 private:
  static constexpr std::string_view kKraftSnapshotSuffix = ".checkpoint";  // Snapshots.SUFFIX

  bool deep() const { return options_.deep_iteration || options_.print_data_log; }

  // --- .log --------------------------------------------------------------------------------------

  result<void> dump_log(const std::string& path) {
    const std::string name = file_name(path);
    if (name.ends_with(storage::kLogFileSuffix)) {
      STRATA_TRY_ASSIGN(int64_t start, offset_from_name(name));
      out_ << "Log starting offset: " << start << "\n";
    } else {
      STRATA_TRY(print_kraft_snapshot_header(name));
    }
    STRATA_TRY_ASSIGN(ReadOnlyFile file, ReadOnlyFile::open(path));
    // FileRecords.slice(0, maxBytes).
    const int64_t end = std::min<int64_t>(file.size(), options_.max_bytes);
    int64_t position = 0;
    int64_t valid_bytes = 0;
    int64_t last_offset = -1;
    while (true) {
      STRATA_TRY_ASSIGN(std::optional<FileBatch> batch, next_batch(file, position, end, path));
      if (!batch) break;
      const record::RecordBatchView view = batch->view();
      STRATA_TRY(print_batch_level(view, valid_bytes, path));
      if (deep()) STRATA_TRY(print_records(view, path, last_offset));
      valid_bytes += static_cast<int64_t>(view.size_in_bytes());
    }
    const int64_t trailing = end - valid_bytes;
    if (trailing > 0 && options_.max_bytes == kDefaultDumpMaxBytes) {
      out_ << "Found " << trailing << " invalid bytes at the end of " << name << "\n";
    }
    return success();
  }

  // Snapshots.parse: "<20-digit end offset>-<10-digit epoch>.checkpoint"; BootstrapDirectory's file.
  result<void> print_kraft_snapshot_header(const std::string& name) {
    if (name == "bootstrap.checkpoint") {
      out_ << "KRaft bootstrap snapshot\n";
      return success();
    }
    constexpr size_t kOffsetDigits = 20;
    constexpr size_t kEpochDigits = 10;
    std::string_view stem = std::string_view(name).substr(0, name.size() - kKraftSnapshotSuffix.size());
    auto offset = stem.size() == kOffsetDigits + 1 + kEpochDigits && stem[kOffsetDigits] == '-'
                      ? storage::parse_java_int64(stem.substr(0, kOffsetDigits))
                      : std::nullopt;
    auto epoch = offset ? storage::parse_java_int32(stem.substr(kOffsetDigits + 1)) : std::nullopt;
    if (!offset || !epoch) return failed(fmt::format("{} is not a KRaft snapshot name (No value present)", name));
    out_ << "Snapshot end offset: " << *offset << ", epoch: " << *epoch << "\n";
    return success();
  }

  // DumpLogSegments.printBatchLevel (magic 2).
  result<void> print_batch_level(const record::RecordBatchView& batch, int64_t position, const std::string& path) {
    auto codec = batch.codec();
    if (!codec) {
      return failed(fmt::format("Unknown compression type id: {} (batch at position {} of {})", batch.codec_id(),
                                position, path));
    }
    std::optional<int64_t> delete_horizon = batch.delete_horizon_ms();
    out_ << "baseOffset: " << batch.base_offset().value() << " lastOffset: " << batch.last_offset().value()
         << " count: " << batch.record_count() << " baseSequence: " << batch.base_sequence()
         << " lastSequence: " << batch.last_sequence() << " producerId: " << batch.producer_id().value()
         << " producerEpoch: " << batch.producer_epoch().value()
         << " partitionLeaderEpoch: " << batch.partition_leader_epoch().value()
         << " isTransactional: " << boolean(batch.is_transactional()) << " isControl: " << boolean(batch.is_control())
         << " deleteHorizonMs: " << optional_long(delete_horizon);
    out_ << " position: " << position << " " << timestamp_type_name(batch.timestamp_type()) << ": "
         << batch.max_timestamp() << " size: " << batch.size_in_bytes() << " magic: " << int{batch.magic()}
         << " compresscodec: " << record::codec_name(*codec) << " crc: " << batch.crc()
         << " isvalid: " << boolean(batch.verify_crc()) << "\n";
    return success();
  }

  result<void> print_records(const record::RecordBatchView& batch, const std::string& path, int64_t& last_offset) {
    auto opened = record::BatchRecords::open(batch);
    if (!opened) {
      return failed(fmt::format("Batch at offset {} of {}: {}", batch.base_offset(), path, opened.error().message()));
    }
    const record::BatchRecords& records = *opened;
    record::RecordIterator it = records.iterator();
    while (true) {
      auto next = it.next();
      if (!next) {
        return failed(
            fmt::format("Record in batch at offset {} of {}: {}", batch.base_offset(), path, next.error().message()));
      }
      if (!*next) break;
      const record::Record& r = **next;
      const int64_t offset = r.offset.value();
      if (last_offset != -1 && offset != last_offset + 1) {
        Reports::list(reports_.non_consecutive, absolute_path(path)).emplace_back(last_offset, offset);
      }
      last_offset = offset;

      std::string prefix = std::string(kRecordIndent) + " ";
      if (!options_.skip_record_metadata) {
        const int32_t sequence = batch.base_sequence() == record::kNoSequence
                                     ? record::kNoSequence
                                     : storage::increment_sequence(batch.base_sequence(), r.offset_delta);
        out_ << prefix << "offset: " << offset << " " << timestamp_type_name(batch.timestamp_type()) << ": "
             << r.timestamp << " keySize: " << (r.key ? static_cast<int64_t>(r.key->size()) : -1)
             << " valueSize: " << (r.value ? static_cast<int64_t>(r.value->size()) : -1);
        prefix = " ";
        out_ << " sequence: " << sequence << " headerKeys: [";
        bool first = true;
        for (const record::RecordHeaderView& h : r.headers) {
          if (!first) out_ << ",";
          first = false;
          out_ << h.key;
        }
        out_ << "]";
        if (batch.is_control()) STRATA_TRY(print_control_record(r, path));
      }
      if (options_.print_data_log && !batch.is_control()) {
        if (r.key) {
          out_ << prefix << "key: " << java_utf8(*r.key);
          prefix = " ";
        }
        if (r.value) out_ << " payload: " << java_utf8(*r.value);
      }
      out_ << "\n";
    }
    return success();
  }

  result<void> print_control_record(const record::Record& r, const std::string& path) {
    if (!r.key) return failed(fmt::format("Control record at offset {} of {} has no key", r.offset, path));
    auto type = record::parse_control_record_type(*r.key);
    if (!type)
      return failed(fmt::format("Control record at offset {} of {}: {}", r.offset, path, type.error().message()));
    const auto type_id = static_cast<int16_t>(load_be<uint16_t>(r.key->data() + 2));
    switch (*type) {
      case record::ControlRecordType::abort:
      case record::ControlRecordType::commit: {
        auto marker = record::parse_end_txn_marker(r);
        if (!marker) {
          return failed(
              fmt::format("Transaction marker at offset {} of {}: {}", r.offset, path, marker.error().message()));
        }
        out_ << " endTxnMarker: " << (marker->type == record::ControlRecordType::commit ? "COMMIT" : "ABORT")
             << " coordinatorEpoch: " << marker->coordinator_epoch;
        return success();
      }
      case record::ControlRecordType::leader_change: out_ << " controlType: LEADER_CHANGE(" << type_id << ")"; break;
      case record::ControlRecordType::snapshot_header:
        out_ << " controlType: SNAPSHOT_HEADER(" << type_id << ")";
        break;
      case record::ControlRecordType::snapshot_footer:
        out_ << " controlType: SNAPSHOT_FOOTER(" << type_id << ")";
        break;
      case record::ControlRecordType::kraft_version: out_ << " controlType: KRAFT_VERSION(" << type_id << ")"; break;
      case record::ControlRecordType::kraft_voters: out_ << " controlType: KRAFT_VOTERS(" << type_id << ")"; break;
      case record::ControlRecordType::unknown: out_ << " controlType: UNKNOWN(" << type_id << ")"; break;
    }
    return success();
  }

  // --- .index --------------------------------------------------------------------------------------

  std::string sibling_log(const std::string& path) const {
    const std::string name = file_name(path);
    return absolute_parent(path) + "/" + name.substr(0, name.find('.')) + std::string(storage::kLogFileSuffix);
  }

  // The last offset of the first whole batch in [position, position + limit) of the log, as
  // `fileRecords.slice(position, limit).batches.iterator.next().lastOffset`.
  result<int64_t> first_batch_last_offset(const ReadOnlyFile& log, int64_t position, int64_t limit) {
    const int64_t end = std::min<int64_t>(log.size(), position + limit);
    int64_t at = position;
    STRATA_TRY_ASSIGN(std::optional<FileBatch> batch, next_batch(log, at, end, log.path()));
    if (!batch) return failed(fmt::format("No complete batch at position {} of {}", position, log.path()));
    return batch->view().last_offset().value();
  }

  result<void> dump_index(const std::string& path) {
    const std::string name = file_name(path);
    STRATA_TRY_ASSIGN(int64_t start, offset_from_name(name));
    STRATA_TRY_ASSIGN(ReadOnlyFile log, ReadOnlyFile::open(sibling_log(path)));
    auto index = storage::OffsetIndex::open(path, Offset{start}, storage::kDefaultMaxIndexSize, false);
    if (!index) {
      // Kafka creates a missing index (empty) before reading it.
      if (index.error().is(storage::StorageErrc::not_found)) {
        out_ << path << " is empty.\n";
        return success();
      }
      return failed(index.error().message());
    }
    if (index->entries() == 0) {
      out_ << path << " is empty.\n";
      return success();
    }
    if (options_.index_sanity_check) {
      auto sane = index->sanity_check();
      if (!sane) return failed(sane.error().message());
      out_ << path << " passed sanity check.\n";
      return success();
    }
    for (int32_t i = 0; i < index->entries(); ++i) {
      STRATA_TRY_ASSIGN(storage::OffsetPosition entry, index->entry(i));
      // A sparse, preallocated file after a crash: stop at the first zero entry.
      if (entry.offset == index->base_offset() && i > 0) return success();
      STRATA_TRY_ASSIGN(int64_t batch_last,
                        first_batch_last_offset(log, entry.position.value(), options_.max_message_size));
      if (batch_last != entry.offset.value()) {
        Reports::list(reports_.index_mismatches, absolute_path(path)).emplace_back(entry.offset.value(), batch_last);
      }
      if (!options_.verify_index_only) {
        out_ << "offset: " << entry.offset.value() << " position: " << entry.position.value() << "\n";
      }
    }
    return success();
  }

  // --- .timeindex ----------------------------------------------------------------------------------

  result<void> dump_time_index(const std::string& path) {
    const std::string name = file_name(path);
    STRATA_TRY_ASSIGN(int64_t start, offset_from_name(name));
    STRATA_TRY_ASSIGN(ReadOnlyFile log, ReadOnlyFile::open(sibling_log(path)));
    const std::string index_path =
        absolute_parent(path) + "/" + name.substr(0, name.find('.')) + std::string(storage::kIndexFileSuffix);
    std::optional<storage::OffsetIndex> offset_index;
    if (auto opened = storage::OffsetIndex::open(index_path, Offset{start}, storage::kDefaultMaxIndexSize, false)) {
      offset_index.emplace(std::move(opened).value());
    } else if (!opened.error().is(storage::StorageErrc::not_found)) {
      return failed(opened.error().message());
    }
    auto time_index = storage::TimeIndex::open(path, Offset{start}, storage::kDefaultMaxIndexSize, false);
    if (!time_index) {
      if (time_index.error().is(storage::StorageErrc::not_found)) return success();  // Kafka creates it empty
      return failed(time_index.error().message());
    }
    if (options_.index_sanity_check) {
      auto sane = time_index->sanity_check();
      if (!sane) return failed(sane.error().message());
      out_ << path << " passed sanity check.\n";
      return success();
    }
    const std::string abs = absolute_path(path);
    int64_t prev_timestamp = record::kNoTimestamp;
    for (int32_t i = 0; i < time_index->entries(); ++i) {
      STRATA_TRY_ASSIGN(storage::TimestampOffset entry, time_index->entry(i));
      if (entry.offset == time_index->base_offset() && i > 0) return success();
      const int64_t position = offset_index ? offset_index->lookup(entry.offset).position.value() : 0;
      // The first batch from there whose last offset reaches the entry's offset.
      std::optional<FileBatch> found;
      int64_t at = position;
      while (true) {
        STRATA_TRY_ASSIGN(std::optional<FileBatch> batch, next_batch(log, at, log.size(), log.path()));
        if (!batch) break;
        if (batch->view().last_offset() >= entry.offset) {
          found = std::move(batch);
          break;
        }
      }
      if (!found) {
        Reports::list(reports_.time_not_found, abs).emplace_back(entry.offset.value(), -1);
      } else if (found->view().last_offset() != entry.offset) {
        Reports::list(reports_.time_not_found, abs)
            .emplace_back(entry.offset.value(), found->view().last_offset().value());
      } else {
        STRATA_TRY_ASSIGN(int64_t max_timestamp, max_record_timestamp(found->view(), log.path()));
        if (max_timestamp != entry.timestamp) {
          Reports::list(reports_.time_mismatches, abs).emplace_back(entry.timestamp, max_timestamp);
        }
        if (prev_timestamp >= entry.timestamp) {
          Reports::list(reports_.time_out_of_order, abs).emplace_back(entry.timestamp, prev_timestamp);
        }
      }
      if (!options_.verify_index_only) {
        out_ << "timestamp: " << entry.timestamp << " offset: " << entry.offset.value() << "\n";
      }
      prev_timestamp = entry.timestamp;
    }
    return success();
  }

  result<int64_t> max_record_timestamp(const record::RecordBatchView& batch, const std::string& path) {
    auto opened = record::BatchRecords::open(batch);
    if (!opened)
      return failed(fmt::format("Batch at offset {} of {}: {}", batch.base_offset(), path, opened.error().message()));
    auto all = opened->read_all();
    if (!all)
      return failed(fmt::format("Batch at offset {} of {}: {}", batch.base_offset(), path, all.error().message()));
    int64_t max = record::kNoTimestamp;
    for (const record::Record& r : *all) max = std::max(max, r.timestamp);
    return max;
  }

  // --- .snapshot and .txnindex ---------------------------------------------------------------------

  result<void> dump_producer_snapshot(const std::string& path) {
    auto entries = storage::read_producer_snapshot(path);
    if (!entries) {
      // Kafka catches CorruptSnapshotException, prints its message and goes on.
      if (entries.error().is(storage::StorageErrc::corrupt_snapshot)) {
        err_ << storage::corrupt_snapshot_reason(entries.error()) << "\n";
        return success();
      }
      return failed(entries.error().message());
    }
    for (const storage::ProducerSnapshotEntry& e : *entries) {
      // As readSnapshot rebuilds it: a batch only when lastOffset >= 0, a transaction when >= 0.
      auto state = storage::ProducerStateEntry::from_snapshot_entry(e);
      std::optional<int64_t> txn_first;
      if (state.current_txn_first_offset()) txn_first = state.current_txn_first_offset()->value();
      out_ << "producerId: " << e.producer_id.value() << " producerEpoch: " << e.epoch.value()
           << " coordinatorEpoch: " << e.coordinator_epoch << " currentTxnFirstOffset: " << optional_long(txn_first)
           << " lastTimestamp: " << state.last_timestamp() << " ";
      if (!state.batch_metadata().empty()) {
        const storage::BatchMetadata& m = state.batch_metadata().front();
        out_ << "firstSequence: " << m.first_seq() << " lastSequence: " << m.last_seq
             << " lastOffset: " << m.last_offset.value() << " offsetDelta: " << m.offset_delta
             << " timestamp: " << m.timestamp;
      }
      out_ << "\n";
    }
    return success();
  }

  result<void> dump_txn_index(const std::string& path) {
    STRATA_TRY_ASSIGN(int64_t start, offset_from_name(file_name(path)));
    auto index = storage::TransactionIndex::open(path, Offset{start});
    if (!index) return failed(index.error().message());
    auto txns = index->all_aborted_txns();
    if (!txns) return failed(txns.error().message());
    for (const storage::AbortedTxn& t : *txns) {
      out_ << "version: " << storage::kAbortedTxnCurrentVersion << " producerId: " << t.producer_id.value()
           << " firstOffset: " << t.first_offset.value() << " lastOffset: " << t.last_offset.value()
           << " lastStableOffset: " << t.last_stable_offset.value() << "\n";
    }
    return success();
  }

  const DumpLogOptions& options_;
  std::ostream& out_;
  std::ostream& err_;
  Reports reports_;
};

}  // namespace

int dump_log(const DumpLogOptions& options, std::ostream& out, std::ostream& err) {
  Dumper dumper(options, out, err);
  for (const std::string& file : options.files) {
    auto done = dumper.dump(file);
    if (!done) {
      out.flush();
      err << "strata dump-log: " << done.error().message() << "\n";
      return 1;
    }
  }
  dumper.print_reports();
  return 0;
}

CLI::App* add_dump_log_command(CLI::App& app, DumpLogOptions& options) {
  CLI::App* cmd = app.add_subcommand(
      "dump-log",
      "Parse a log file and dump its contents to the console, useful for debugging a seemingly corrupt log "
      "segment (Kafka's kafka-dump-log.sh).");
  cmd->add_option("--files", options.files,
                  "REQUIRED: The comma separated list of data and index log files to be dumped.")
      ->required()
      ->delimiter(',');
  cmd->add_flag("--print-data-log", options.print_data_log,
                "If set, printing the messages content when dumping data logs. Automatically set if any decoder "
                "option is specified.");
  cmd->add_flag("--deep-iteration", options.deep_iteration,
                "If set, uses deep instead of shallow iteration. Automatically set if print-data-log is enabled.");
  cmd->add_flag("--index-sanity-check", options.index_sanity_check,
                "If set, just checks the index sanity without printing its content. This is the same check that is "
                "executed on broker startup to determine if an index needs rebuilding or not.");
  cmd->add_flag("--verify-index-only", options.verify_index_only,
                "If set, just verify the index log without printing its content.");
  cmd->add_flag("--skip-record-metadata", options.skip_record_metadata,
                "Whether to skip printing metadata for each record.");
  cmd->add_option("--max-message-size", options.max_message_size, "Size of largest message.")
      ->default_val(kDefaultDumpMaxMessageSize);
  cmd->add_option("--max-bytes", options.max_bytes,
                  "Limit the amount of total batches read in bytes avoiding reading the whole .log file(s).")
      ->default_val(kDefaultDumpMaxBytes);
  return cmd;
}

}  // namespace strata::cli
