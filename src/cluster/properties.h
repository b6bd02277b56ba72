// Java's .properties text format (java.util.Properties.load), which Kafka's server.properties
// uses: one `key=value` (or `key: value`, or `key value`) per logical line; `#` and `!` start
// comment lines; a line ending in an odd number of backslashes continues on the next one (leading
// whitespace of the continuation is dropped); escapes \t \n \r \f \uXXXX, and `\x` for any other x
// is x. Duplicate keys: the last one wins, as in Java.
#pragma once

#include <map>
#include <string>
#include <string_view>

#include "base/result.h"

namespace strata::cluster {

enum class ClusterErrc {
  // A configuration file or value Kafka would reject; the message names the key (and the file and
  // line for a file) and what is allowed.
  invalid_config = 1,
  // A file that could not be read.
  io_error,
  // A topic that exists already / does not exist (Kafka: TOPIC_ALREADY_EXISTS /
  // UNKNOWN_TOPIC_OR_PARTITION).
  topic_exists,
  unknown_topic,
  // A metadata log or snapshot that is not one Strata wrote.
  corrupt_metadata,
  // A broker config that cannot change at runtime (Kafka: INVALID_REQUEST, "Cannot update these
  // configs dynamically: Set(...)").
  not_dynamic,
};
constexpr std::string_view error_category(ClusterErrc) { return "cluster"; }

// Properties in key order. Parsing cannot fail except for a malformed \u escape (invalid_config
// naming the 1-based line).
result<std::map<std::string, std::string>> parse_properties(std::string_view text, std::string_view source_name);

// Reads and parses a file; io_error if it cannot be read.
result<std::map<std::string, std::string>> read_properties_file(const std::string& path);

}  // namespace strata::cluster
