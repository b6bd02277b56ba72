#include "storage/java_text.h"

#include <limits>

namespace strata::storage {
namespace {

template <class T>
std::optional<T> parse_java_integer(std::string_view s) {
  if (s.empty()) return std::nullopt;
  bool negative = false;
  size_t i = 0;
  if (s[0] == '-' || s[0] == '+') {
    negative = s[0] == '-';
    i = 1;
    if (s.size() == 1) return std::nullopt;  // a lone sign
  }
  // Accumulate negatively, as Java does, so that the minimum value parses without overflow.
  constexpr T kMin = std::numeric_limits<T>::min();
  const T limit = negative ? kMin : static_cast<T>(-std::numeric_limits<T>::max());
  T value = 0;
  for (; i < s.size(); ++i) {
    char c = s[i];
    if (c < '0' || c > '9') return std::nullopt;
    T digit = static_cast<T>(c - '0');
    if (value < limit / 10) return std::nullopt;
    value = static_cast<T>(value * 10);
    if (value < limit + digit) return std::nullopt;
    value = static_cast<T>(value - digit);
  }
  return negative ? value : static_cast<T>(-value);
}

}  // namespace

std::optional<int32_t> parse_java_int32(std::string_view s) { return parse_java_integer<int32_t>(s); }
std::optional<int64_t> parse_java_int64(std::string_view s) { return parse_java_integer<int64_t>(s); }

std::vector<std::string_view> split_java_lines(std::string_view text) {
  std::vector<std::string_view> lines;
  size_t start = 0;
  size_t i = 0;
  while (i < text.size()) {
    char c = text[i];
    if (c == '\n' || c == '\r') {
      lines.push_back(text.substr(start, i - start));
      ++i;
      if (c == '\r' && i < text.size() && text[i] == '\n') ++i;
      start = i;
    } else {
      ++i;
    }
  }
  if (start < text.size()) lines.push_back(text.substr(start));
  return lines;
}

std::vector<std::string_view> split_java_whitespace(std::string_view line) {
  std::vector<std::string_view> fields;
  size_t i = 0;
  size_t start = 0;
  bool matched = false;
  while (i < line.size()) {
    if (is_java_whitespace(line[i])) {
      matched = true;
      fields.push_back(line.substr(start, i - start));  // empty only for a run at the very start
      while (i < line.size() && is_java_whitespace(line[i])) ++i;
      start = i;
    } else {
      ++i;
    }
  }
  fields.push_back(line.substr(start));
  // Java returns the input itself when nothing matched ("" -> {""}); otherwise it drops every
  // trailing empty string, so an all-whitespace line has no fields at all.
  if (!matched) return fields;
  while (!fields.empty() && fields.back().empty()) fields.pop_back();
  return fields;
}

}  // namespace strata::storage
