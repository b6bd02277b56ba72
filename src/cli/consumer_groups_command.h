// `strata consumer-groups`: Kafka's kafka-consumer-groups.sh (ConsumerGroupCommand) over
// librdkafka's admin API, with its flags, tables and messages, against any Kafka cluster:
//
//   strata consumer-groups --bootstrap-server H:P --list [--state [STATES]]
//   strata consumer-groups --bootstrap-server H:P --describe (--group G ... | --all-groups)
//                          [--offsets | --members | --state] [--verbose]
//   strata consumer-groups --bootstrap-server H:P --delete (--group G ... | --all-groups)
//   strata consumer-groups --bootstrap-server H:P --reset-offsets (--group G ... | --all-groups)
//                          (--topic T[:P,P...] ... | --all-topics)
//                          (--to-earliest | --to-latest | --to-current | --to-offset N | --shift-by N |
//                           --to-datetime YYYY-MM-DDTHH:mm:SS[.sss][Z|+hh:mm] | --by-duration PnDTnHnMnS)
//                          [--dry-run | --execute]
//
// Output goes to stdout as Kafka's tool prints it (blank line, header, rows); "has no active
// members" and rebalancing warnings go to stderr, as there. Unlike Kafka's tool, which exits 0
// after printing an error, the exit status is 1 when any requested group failed, so scripts can
// tell.
#pragma once

#include <CLI/CLI.hpp>

#include <iosfwd>
#include <optional>
#include <string>
#include <vector>

namespace strata::cli {

struct ConsumerGroupsOptions {
  std::string bootstrap_server;
  std::string command_config;
  bool list = false;
  bool describe = false;
  bool delete_ = false;
  bool reset_offsets = false;
  std::vector<std::string> groups;
  bool all_groups = false;
  bool members = false;
  bool offsets = false;
  bool state = false;                   // --state given (with --list: also a filter when it has a value)
  std::vector<std::string> state_filter;  // --state's value, split on commas
  bool verbose = false;
  std::vector<std::string> topics;
  bool all_topics = false;
  bool to_earliest = false;
  bool to_latest = false;
  bool to_current = false;
  std::optional<int64_t> to_offset;
  std::optional<int64_t> shift_by;
  std::optional<std::string> to_datetime;
  std::optional<std::string> by_duration;
  bool dry_run = false;
  bool execute = false;
};

CLI::App* add_consumer_groups_command(CLI::App& app, ConsumerGroupsOptions& options);
int run_consumer_groups(const ConsumerGroupsOptions& options, std::ostream& out, std::ostream& err);

// Kafka's parsers for --to-datetime (ms since the epoch; no zone means UTC) and --by-duration
// (java.time.Duration's PnDTnHnMn.nS, in ms); nullopt when the text is not one.
std::optional<int64_t> parse_kafka_datetime(const std::string& text);
std::optional<int64_t> parse_iso_duration_ms(const std::string& text);

}  // namespace strata::cli
