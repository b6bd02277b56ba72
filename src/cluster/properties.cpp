#include "cluster/properties.h"

#include <fmt/format.h>

#include <cerrno>
#include <cstring>
#include <fstream>
#include <sstream>
#include <vector>

namespace strata::cluster {

namespace {

bool is_whitespace(char c) { return c == ' ' || c == '\t' || c == '\f'; }

// Appends the UTF-8 encoding of a BMP code point.
void append_utf8(std::string& out, unsigned cp) {
  if (cp < 0x80) {
    out.push_back(static_cast<char>(cp));
  } else if (cp < 0x800) {
    out.push_back(static_cast<char>(0xC0 | (cp >> 6)));
    out.push_back(static_cast<char>(0x80 | (cp & 0x3F)));
  } else {
    out.push_back(static_cast<char>(0xE0 | (cp >> 12)));
    out.push_back(static_cast<char>(0x80 | ((cp >> 6) & 0x3F)));
    out.push_back(static_cast<char>(0x80 | (cp & 0x3F)));
  }
}

// Splits `text` into Java's logical lines: comment and blank lines dropped, continuations joined.
// Each entry keeps the physical line number it started on.
struct LogicalLine {
  std::string text;
  int line = 0;
};

std::vector<LogicalLine> logical_lines(std::string_view text) {
  std::vector<LogicalLine> out;
  int line_no = 0;
  bool continuing = false;
  size_t pos = 0;
  while (pos <= text.size()) {
    size_t end = text.find_first_of("\r\n", pos);
    if (end == std::string_view::npos) end = text.size();
    std::string_view raw = text.substr(pos, end - pos);
    ++line_no;
    // \r\n counts as one line end.
    size_t next = end;
    if (next < text.size() && text[next] == '\r' && next + 1 < text.size() && text[next + 1] == '\n') ++next;
    pos = next + 1;
    size_t first = 0;
    while (first < raw.size() && is_whitespace(raw[first])) ++first;
    raw = raw.substr(first);
    if (!continuing) {
      if (raw.empty() || raw[0] == '#' || raw[0] == '!') {
        if (end == text.size()) break;
        continue;
      }
      out.push_back(LogicalLine{"", line_no});
    }
    size_t backslashes = 0;
    while (backslashes < raw.size() && raw[raw.size() - 1 - backslashes] == '\\') ++backslashes;
    continuing = backslashes % 2 == 1;
    out.back().text.append(continuing ? raw.substr(0, raw.size() - 1) : raw);
    if (end == text.size()) break;
  }
  return out;
}

// Unescapes [begin, end) of `s`.
result<std::string> unescape(std::string_view s, std::string_view source, int line) {
  std::string out;
  for (size_t i = 0; i < s.size(); ++i) {
    if (s[i] != '\\' || i + 1 == s.size()) {
      if (s[i] != '\\') out.push_back(s[i]);
      continue;
    }
    char c = s[++i];
    switch (c) {
      case 't': out.push_back('\t'); break;
      case 'n': out.push_back('\n'); break;
      case 'r': out.push_back('\r'); break;
      case 'f': out.push_back('\f'); break;
      case 'u': {
        if (s.size() < i + 5) {
          return Error(ClusterErrc::invalid_config, fmt::format("{}:{}: malformed \\uxxxx escape", source, line));
        }
        unsigned cp = 0;
        for (size_t k = 1; k <= 4; ++k) {
          char h = s[i + k];
          cp <<= 4;
          if (h >= '0' && h <= '9')
            cp |= static_cast<unsigned>(h - '0');
          else if (h >= 'a' && h <= 'f')
            cp |= static_cast<unsigned>(h - 'a' + 10);
          else if (h >= 'A' && h <= 'F')
            cp |= static_cast<unsigned>(h - 'A' + 10);
          else
            return Error(ClusterErrc::invalid_config, fmt::format("{}:{}: malformed \\uxxxx escape", source, line));
        }
        append_utf8(out, cp);
        i += 4;
        break;
      }
      default: out.push_back(c);
    }
  }
  return out;
}

}  // namespace

result<std::map<std::string, std::string>> parse_properties(std::string_view text, std::string_view source_name) {
  std::map<std::string, std::string> out;
  for (const LogicalLine& l : logical_lines(text)) {
    const std::string& s = l.text;
    // The key ends at the first unescaped '=', ':' or whitespace.
    size_t key_end = 0;
    while (key_end < s.size()) {
      char c = s[key_end];
      if (c == '\\') {
        key_end += 2;
        continue;
      }
      if (c == '=' || c == ':' || is_whitespace(c)) break;
      ++key_end;
    }
    key_end = std::min(key_end, s.size());
    size_t value_start = key_end;
    while (value_start < s.size() && is_whitespace(s[value_start])) ++value_start;
    if (value_start < s.size() && (s[value_start] == '=' || s[value_start] == ':')) ++value_start;
    while (value_start < s.size() && is_whitespace(s[value_start])) ++value_start;
    STRATA_TRY_ASSIGN(std::string key, unescape(std::string_view(s).substr(0, key_end), source_name, l.line));
    STRATA_TRY_ASSIGN(std::string value, unescape(std::string_view(s).substr(value_start), source_name, l.line));
    out[std::move(key)] = std::move(value);
  }
  return out;
}

result<std::map<std::string, std::string>> read_properties_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    return Error(ClusterErrc::io_error, fmt::format("cannot read {}: {}", path, std::strerror(errno)));
  }
  std::stringstream buffer;
  buffer << in.rdbuf();
  return parse_properties(buffer.str(), path);
}

}  // namespace strata::cluster
