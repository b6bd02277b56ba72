// The text rules of the JDK calls that Kafka's text files (checkpoints, partition.metadata, log
// directory names) are read with. Kafka's readers are Java's BufferedReader.readLine,
// String.split("\\s+") and Integer.parseInt / Long.parseLong; matching them keeps a file that Kafka
// accepts accepted here and a file that Kafka rejects rejected here.
//
// One deliberate difference: Java's parseInt also accepts non-ASCII Unicode digits (Character.digit);
// we accept only '0'-'9'. Kafka never writes anything else.
#pragma once

#include <cstdint>
#include <optional>
#include <string_view>
#include <vector>

namespace strata::storage {

// Integer.parseInt / Long.parseLong: an optional '+' or '-', then one or more ASCII digits, and the
// value in range. Anything else (empty, spaces, a lone sign, overflow) is nullopt.
std::optional<int32_t> parse_java_int32(std::string_view s);
std::optional<int64_t> parse_java_int64(std::string_view s);

// BufferedReader.readLine over the whole text: lines end at "\n", "\r" or "\r\n"; the terminator is
// not part of the line; a final line without terminator is a line; text ending in a terminator has
// no extra empty line after it. "" -> no lines.
std::vector<std::string_view> split_java_lines(std::string_view text);

// Pattern.compile("\\s+").split(line): splits on runs of the Java whitespace class [ \t\n\x0B\f\r].
// A run at the start yields a leading empty field (" a b" -> {"", "a", "b"}); trailing empty fields
// are removed ("a b " -> {"a", "b"}, " " -> {}); "" -> {""}.
std::vector<std::string_view> split_java_whitespace(std::string_view line);

// True for the characters of Java's \s class.
constexpr bool is_java_whitespace(char c) {
  return c == ' ' || c == '\t' || c == '\n' || c == '\x0B' || c == '\f' || c == '\r';
}

}  // namespace strata::storage
