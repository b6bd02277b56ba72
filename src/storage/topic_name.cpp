#include "storage/topic_name.h"

#include <fmt/format.h>

#include "storage/storage_error.h"

namespace strata::storage {
namespace {

bool is_legal_topic_char(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '.' || c == '_' || c == '-';
}

Error invalid(std::string reason) {
  return Error(StorageErrc::invalid_topic, fmt::format("Topic name is invalid: {}", reason));
}

}  // namespace

result<void> validate_topic_name(std::string_view name) {
  // Same checks, same order and same messages as Topic.detectInvalidTopic.
  if (name.empty()) return invalid("the empty string is not allowed");
  if (name == ".") return invalid("'.' is not allowed");
  if (name == "..") return invalid("'..' is not allowed");
  if (name.size() > kMaxTopicNameLength) {
    return invalid(
        fmt::format("the length of '{}' is longer than the max allowed length {}", name, kMaxTopicNameLength));
  }
  for (char c : name) {
    if (!is_legal_topic_char(c)) {
      return invalid(
          fmt::format("'{}' contains one or more characters other than ASCII alphanumerics, '.', '_' and '-'", name));
    }
  }
  return success();
}

bool is_internal_topic(std::string_view name) {
  return name == kConsumerOffsetsTopic || name == kTransactionStateTopic || name == kShareGroupStateTopic;
}

bool has_collision_chars(std::string_view name) {
  return name.find('_') != std::string_view::npos || name.find('.') != std::string_view::npos;
}

bool topics_collide(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (size_t i = 0; i < a.size(); ++i) {
    char x = a[i] == '.' ? '_' : a[i];
    char y = b[i] == '.' ? '_' : b[i];
    if (x != y) return false;
  }
  return true;
}

std::string to_string(const TopicPartition& tp) { return fmt::format("{}-{}", tp.topic, tp.partition.value()); }

}  // namespace strata::storage
