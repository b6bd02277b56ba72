#include "storage/partition_metadata_file.h"

#include <fmt/format.h>

#include <optional>
#include <vector>

#include "storage/file_io.h"
#include "storage/java_text.h"
#include "storage/storage_error.h"

namespace strata::storage {
namespace {

constexpr std::string_view kVersionKey = "version";
constexpr std::string_view kTopicIdKey = "topic_id";

Error malformed(std::string_view location, std::optional<std::string_view> line, std::string_view why) {
  return Error(StorageErrc::malformed_checkpoint,
               fmt::format("Malformed line in partition metadata file [{}]: {} ({})", location,
                           line ? fmt::format("'{}'", *line) : std::string("null"), why));
}

// line.split(":\\s+", 2) followed by the key check: the value after "<key>:<whitespace>".
result<std::string_view> value_of(std::string_view location, const std::vector<std::string_view>& lines, size_t index,
                                  std::string_view key) {
  if (index >= lines.size()) return malformed(location, std::nullopt, fmt::format("missing '{}' line", key));
  std::string_view line = lines[index];
  for (size_t i = 0; i + 1 < line.size(); ++i) {
    if (line[i] == ':' && is_java_whitespace(line[i + 1])) {
      if (line.substr(0, i) != key) break;
      size_t value_start = i + 1;
      while (value_start < line.size() && is_java_whitespace(line[value_start])) ++value_start;
      return line.substr(value_start);
    }
  }
  return malformed(location, line, fmt::format("expected '{}: <value>'", key));
}

}  // namespace

std::string encode_partition_metadata(const PartitionMetadata& metadata) {
  return fmt::format("{}: {}\n{}: {}", kVersionKey, metadata.version, kTopicIdKey, metadata.topic_id.to_string());
}

result<PartitionMetadata> decode_partition_metadata(std::string_view text, std::string_view location) {
  std::vector<std::string_view> lines = split_java_lines(text);
  PartitionMetadata metadata;

  STRATA_TRY_ASSIGN(std::string_view version_text, value_of(location, lines, 0, kVersionKey));
  std::optional<int32_t> version = parse_java_int32(version_text);
  if (!version) return malformed(location, lines[0], "not a version number");
  if (*version < kPartitionMetadataVersion) {
    return Error(StorageErrc::unsupported_version,
                 fmt::format("Unrecognized version of partition metadata file ({}): {}", location, *version));
  }
  metadata.version = *version;

  STRATA_TRY_ASSIGN(std::string_view id_text, value_of(location, lines, 1, kTopicIdKey));
  auto id = TopicId::from_string(id_text);
  if (!id) return malformed(location, lines[1], id.error().message());
  if (id->is_zero()) {
    return Error(StorageErrc::malformed_checkpoint,
                 fmt::format("Invalid topic ID in partition metadata file ({})", location));
  }
  metadata.topic_id = *id;
  return metadata;
}

result<void> write_partition_metadata(const std::filesystem::path& path, const TopicId& topic_id) {
  if (topic_id.is_zero()) {
    return Error(StorageErrc::invalid_argument,
                 fmt::format("refusing to write the zero topic id to {}", path.string()));
  }
  return write_file_atomically(path, encode_partition_metadata(PartitionMetadata{kPartitionMetadataVersion, topic_id}),
                               /*sync=*/true);
}

result<PartitionMetadata> read_partition_metadata(const std::filesystem::path& path) {
  STRATA_TRY_ASSIGN(std::string text, read_file(path));
  return decode_partition_metadata(text, path.string());
}

}  // namespace strata::storage
