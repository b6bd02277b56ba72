#include "storage/checkpoint_file.h"

#include <fmt/format.h>

#include <optional>

#include "storage/file_io.h"
#include "storage/java_text.h"
#include "storage/storage_error.h"

namespace strata::storage {
namespace {

Error malformed(std::string_view location, size_t line_number, std::string_view line, std::string_view why) {
  return Error(StorageErrc::malformed_checkpoint,
               fmt::format("Malformed line {} in checkpoint file [{}]: '{}' ({})", line_number, location, line, why));
}

// CheckpointFile.CheckpointWriteBuffer.write: version, count, entries, each followed by a newline.
std::string encode_checkpoint(int32_t version, const std::vector<std::string>& lines) {
  std::string out = fmt::format("{}\n{}\n", version, lines.size());
  for (const std::string& line : lines) {
    out += line;
    out += '\n';
  }
  return out;
}

// CheckpointFile.CheckpointReadBuffer.read. `parse_entry(line)` returns nullopt for a malformed
// entry (Kafka's EntryFormatter.fromString returning Optional.empty, or throwing on a bad number).
template <class T, class ParseEntry>
result<std::vector<T>> decode_checkpoint(std::string_view text, int32_t expected_version, std::string_view location,
                                         ParseEntry&& parse_entry) {
  std::vector<std::string_view> lines = split_java_lines(text);
  std::vector<T> entries;
  if (lines.empty()) return entries;  // an empty file: Kafka creates checkpoints empty

  std::optional<int32_t> version = parse_java_int32(lines[0]);
  if (!version) return malformed(location, 1, lines[0], "not a version number");
  if (*version != expected_version) {
    return Error(StorageErrc::unsupported_version,
                 fmt::format("Unrecognised version: {}, expected version: {} in checkpoint file at: {}", *version,
                             expected_version, location));
  }
  if (lines.size() == 1) return entries;  // Kafka: no count line reads as no entries

  std::optional<int32_t> expected_size = parse_java_int32(lines[1]);
  if (!expected_size || *expected_size < 0) return malformed(location, 2, lines[1], "not an entry count");

  // Never trust the count for an allocation: the lines present bound it.
  entries.reserve(std::min(static_cast<size_t>(*expected_size), lines.size() - 2));
  for (size_t i = 2; i < lines.size(); ++i) {
    std::optional<T> entry = parse_entry(lines[i]);
    if (!entry) return malformed(location, i + 1, lines[i], "not an entry");
    entries.push_back(std::move(*entry));
  }
  if (entries.size() != static_cast<size_t>(*expected_size)) {
    return Error(StorageErrc::malformed_checkpoint,
                 fmt::format("Expected [{}] entries in checkpoint file [{}], but found only [{}]", *expected_size,
                             location, entries.size()));
  }
  return entries;
}

bool writable_topic(std::string_view topic) {
  if (topic.empty()) return false;
  for (char c : topic) {
    if (is_java_whitespace(c)) return false;
  }
  return true;
}

}  // namespace

result<std::string> encode_offset_checkpoint(std::span<const TopicPartitionOffset> entries) {
  std::vector<std::string> lines;
  lines.reserve(entries.size());
  for (const TopicPartitionOffset& e : entries) {
    if (!writable_topic(e.topic_partition.topic)) {
      return Error(StorageErrc::invalid_argument,
                   fmt::format("topic '{}' cannot be written to an offset checkpoint: it is empty or holds whitespace",
                               e.topic_partition.topic));
    }
    // OffsetCheckpointFile.Formatter.toString: "topic partition offset".
    lines.push_back(
        fmt::format("{} {} {}", e.topic_partition.topic, e.topic_partition.partition.value(), e.offset.value()));
  }
  return encode_checkpoint(kOffsetCheckpointVersion, lines);
}

result<std::vector<TopicPartitionOffset>> decode_offset_checkpoint(std::string_view text, std::string_view location) {
  return decode_checkpoint<TopicPartitionOffset>(
      text, kOffsetCheckpointVersion, location, [](std::string_view line) -> std::optional<TopicPartitionOffset> {
        std::vector<std::string_view> parts = split_java_whitespace(line);
        if (parts.size() != 3 || parts[0].empty()) return std::nullopt;
        std::optional<int32_t> partition = parse_java_int32(parts[1]);
        std::optional<int64_t> offset = parse_java_int64(parts[2]);
        if (!partition || !offset) return std::nullopt;
        return TopicPartitionOffset{TopicPartition{std::string(parts[0]), PartitionId{*partition}}, Offset{*offset}};
      });
}

std::string encode_leader_epoch_checkpoint(std::span<const EpochEntry> entries) {
  std::vector<std::string> lines;
  lines.reserve(entries.size());
  // LeaderEpochCheckpointFile.Formatter.toString: "epoch startOffset".
  for (const EpochEntry& e : entries) lines.push_back(fmt::format("{} {}", e.epoch.value(), e.start_offset.value()));
  return encode_checkpoint(kLeaderEpochCheckpointVersion, lines);
}

result<std::vector<EpochEntry>> decode_leader_epoch_checkpoint(std::string_view text, std::string_view location) {
  return decode_checkpoint<EpochEntry>(text, kLeaderEpochCheckpointVersion, location,
                                       [](std::string_view line) -> std::optional<EpochEntry> {
                                         std::vector<std::string_view> parts = split_java_whitespace(line);
                                         if (parts.size() != 2) return std::nullopt;
                                         std::optional<int32_t> epoch = parse_java_int32(parts[0]);
                                         std::optional<int64_t> start_offset = parse_java_int64(parts[1]);
                                         if (!epoch || !start_offset) return std::nullopt;
                                         return EpochEntry{LeaderEpoch{*epoch}, Offset{*start_offset}};
                                       });
}

result<void> write_offset_checkpoint(const std::filesystem::path& path, std::span<const TopicPartitionOffset> entries,
                                     bool sync) {
  STRATA_TRY_ASSIGN(std::string text, encode_offset_checkpoint(entries));
  return write_file_atomically(path, text, sync);
}

result<std::vector<TopicPartitionOffset>> read_offset_checkpoint(const std::filesystem::path& path) {
  STRATA_TRY_ASSIGN(std::string text, read_file(path));
  return decode_offset_checkpoint(text, path.string());
}

result<void> write_leader_epoch_checkpoint(const std::filesystem::path& path, std::span<const EpochEntry> entries,
                                           bool sync) {
  return write_file_atomically(path, encode_leader_epoch_checkpoint(entries), sync);
}

result<std::vector<EpochEntry>> read_leader_epoch_checkpoint(const std::filesystem::path& path) {
  STRATA_TRY_ASSIGN(std::string text, read_file(path));
  return decode_leader_epoch_checkpoint(text, path.string());
}

}  // namespace strata::storage
