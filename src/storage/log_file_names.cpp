#include "storage/log_file_names.h"

#include <fmt/format.h>

#include <random>

#include "storage/java_text.h"
#include "storage/storage_error.h"

namespace strata::storage {
namespace {

constexpr SegmentFileType kAllTypes[] = {SegmentFileType::log, SegmentFileType::offset_index,
                                         SegmentFileType::time_index, SegmentFileType::txn_index,
                                         SegmentFileType::producer_snapshot};
constexpr SegmentFileState kSuffixedStates[] = {SegmentFileState::deleted, SegmentFileState::cleaned,
                                                SegmentFileState::swap};

bool ends_with(std::string_view s, std::string_view suffix) {
  return s.size() >= suffix.size() && s.substr(s.size() - suffix.size()) == suffix;
}

std::string capped_dir_name(const TopicPartition& tp, std::string_view unique_id, std::string_view suffix) {
  // LocalLog.logDirNameWithSuffixCappedLength: only the topic part is shortened.
  std::string full_suffix = fmt::format("-{}.{}{}", tp.partition.value(), unique_id, suffix);
  size_t room = full_suffix.size() < kMaxDirNameLength ? kMaxDirNameLength - full_suffix.size() : 0;
  size_t prefix_length = std::min(tp.topic.size(), room);
  return tp.topic.substr(0, prefix_length) + full_suffix;
}

Error bad_dir_name(std::string_view dir_name) {
  return Error(StorageErrc::invalid_file_name,
               fmt::format("Found directory '{}', which is not in the form of topic-partition or "
                           "topic-partition.uniqueId-delete (if marked for deletion). Kafka's log directories "
                           "(and children) should only contain Kafka topic data.",
                           dir_name));
}

// "^(\S+)-(\S+)\.(\S+)$" over the name without its -delete/-future/-stray suffix: no whitespace at
// all, and some '-' followed later by some '.', each with at least one character on both sides.
bool matches_special_dir_pattern(std::string_view stem) {
  for (char c : stem) {
    if (is_java_whitespace(c)) return false;
  }
  size_t dash = stem.find('-', 1);  // group 1 needs a character before the '-'
  if (dash == std::string_view::npos) return false;
  size_t dot = stem.rfind('.');
  // group 2 needs a character between '-' and '.', group 3 one after the '.'
  return dot != std::string_view::npos && dot > dash + 1 && dot + 1 < stem.size();
}

}  // namespace

std::string_view file_suffix(SegmentFileType type) {
  switch (type) {
    case SegmentFileType::log: return kLogFileSuffix;
    case SegmentFileType::offset_index: return kIndexFileSuffix;
    case SegmentFileType::time_index: return kTimeIndexFileSuffix;
    case SegmentFileType::txn_index: return kTxnIndexFileSuffix;
    case SegmentFileType::producer_snapshot: return kProducerSnapshotFileSuffix;
  }
  return "";
}

std::string_view file_suffix(SegmentFileState state) {
  switch (state) {
    case SegmentFileState::live: return "";
    case SegmentFileState::deleted: return kDeletedFileSuffix;
    case SegmentFileState::cleaned: return kCleanedFileSuffix;
    case SegmentFileState::swap: return kSwapFileSuffix;
  }
  return "";
}

std::string filename_prefix_from_offset(Offset offset) {
  int64_t v = offset.value();
  if (v >= 0) return fmt::format("{:0{}d}", v, kFilenameOffsetDigits);
  // Magnitude as unsigned so that INT64_MIN has one.
  uint64_t magnitude = static_cast<uint64_t>(-(v + 1)) + 1;
  return fmt::format("-{:0{}d}", magnitude, kFilenameOffsetDigits);
}

std::string segment_file_name(Offset base_offset, SegmentFileType type, SegmentFileState state) {
  return fmt::format("{}{}{}", filename_prefix_from_offset(base_offset), file_suffix(type), file_suffix(state));
}

result<SegmentFileName> parse_segment_file_name(std::string_view name) {
  auto bad = [&](std::string_view why) {
    return Error(StorageErrc::invalid_file_name, fmt::format("'{}' is not a segment file name: {}", name, why));
  };
  size_t dot = name.find('.');
  if (dot == std::string_view::npos) return bad("no suffix");
  std::string_view rest = name.substr(dot);
  SegmentFileName parsed;
  for (SegmentFileState state : kSuffixedStates) {
    if (ends_with(rest, file_suffix(state))) {
      parsed.state = state;
      rest.remove_suffix(file_suffix(state).size());
      break;
    }
  }
  bool known_type = false;
  for (SegmentFileType type : kAllTypes) {
    if (rest == file_suffix(type)) {
      parsed.type = type;
      known_type = true;
      break;
    }
  }
  if (!known_type) return bad("unknown suffix");
  std::optional<int64_t> offset = parse_java_int64(name.substr(0, dot));
  if (!offset) return bad("the part before the first '.' is not a decimal offset");
  if (*offset < 0) return bad("negative base offset");
  parsed.base_offset = Offset{*offset};
  return parsed;
}

std::string log_dir_name(const TopicPartition& tp) { return to_string(tp); }

std::string log_delete_dir_name(const TopicPartition& tp, std::string_view unique_id) {
  return capped_dir_name(tp, unique_id, kDeleteDirSuffix);
}

std::string log_stray_dir_name(const TopicPartition& tp, std::string_view unique_id) {
  return capped_dir_name(tp, unique_id, kStrayDirSuffix);
}

std::string log_future_dir_name(const TopicPartition& tp, std::string_view unique_id) {
  return fmt::format("{}.{}{}", log_dir_name(tp), unique_id, kFutureDirSuffix);
}

std::string random_unique_dir_id() {
  std::random_device rd;
  std::mt19937_64 gen((static_cast<uint64_t>(rd()) << 32) ^ rd());
  uint64_t hi = gen();
  uint64_t lo = gen();
  hi = (hi & ~0xF000ULL) | 0x4000ULL;                         // version 4
  lo = (lo & 0x3FFFFFFFFFFFFFFFULL) | 0x8000000000000000ULL;  // IETF variant
  return fmt::format("{:016x}{:016x}", hi, lo);
}

result<LogDirName> parse_log_dir_name(std::string_view dir_name) {
  if (dir_name.empty() || dir_name.find('-') == std::string_view::npos) return bad_dir_name(dir_name);
  LogDirName parsed;
  std::string_view name = dir_name;
  struct Special {
    std::string_view suffix;
    LogDirKind kind;
  };
  for (Special special : {Special{kDeleteDirSuffix, LogDirKind::deleted}, Special{kFutureDirSuffix, LogDirKind::future},
                          Special{kStrayDirSuffix, LogDirKind::stray}}) {
    if (!ends_with(dir_name, special.suffix)) continue;
    std::string_view stem = dir_name.substr(0, dir_name.size() - special.suffix.size());
    if (!matches_special_dir_pattern(stem)) return bad_dir_name(dir_name);
    size_t dot = stem.rfind('.');
    parsed.kind = special.kind;
    parsed.unique_id = std::string(stem.substr(dot + 1));
    name = stem.substr(0, dot);
    break;
  }
  size_t dash = name.rfind('-');
  if (dash == std::string_view::npos) return bad_dir_name(dir_name);
  std::string_view topic = name.substr(0, dash);
  std::string_view partition = name.substr(dash + 1);
  if (topic.empty() || partition.empty()) return bad_dir_name(dir_name);
  std::optional<int32_t> id = parse_java_int32(partition);
  if (!id) return bad_dir_name(dir_name);
  parsed.topic_partition = TopicPartition{std::string(topic), PartitionId{*id}};
  return parsed;
}

}  // namespace strata::storage
