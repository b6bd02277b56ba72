// `strata topics`: Kafka's kafka-topics.sh (TopicCommand) over librdkafka's admin API, with its
// flags, its output and its messages, so scripts written for Kafka's tool work unchanged:
//
//   strata topics --bootstrap-server H:P --create --topic T [--partitions N] [--replication-factor R]
//                 [--config k=v ...] [--if-not-exists]
//   strata topics --bootstrap-server H:P --list [--topic REGEX] [--exclude-internal]
//   strata topics --bootstrap-server H:P --describe [--topic REGEX] [--topics-with-overrides |
//                 --under-replicated-partitions | --unavailable-partitions | --under-min-isr-partitions |
//                 --at-min-isr-partitions] [--if-exists] [--exclude-internal]
//   strata topics --bootstrap-server H:P --alter --topic REGEX --partitions N [--if-exists]
//   strata topics --bootstrap-server H:P --delete --topic REGEX [--if-exists]
//
// Exit status 0 on success, 1 on any error: a wrong command line prints Kafka's message on
// stderr; a failed operation prints `Error while executing topic command : <message>` on stdout,
// as Kafka's tool does.
#pragma once

#include <CLI/CLI.hpp>

#include <iosfwd>
#include <optional>
#include <string>
#include <vector>

#include "cli/admin_client.h"

namespace strata::cli {

struct TopicsOptions {
  AdminClientOptions client;  // --bootstrap-server, --command-config
  bool create = false;
  bool list = false;
  bool describe = false;
  bool alter = false;
  bool delete_ = false;
  std::optional<std::string> topic;
  std::optional<int> partitions;
  std::optional<int> replication_factor;
  std::vector<std::string> configs;
  bool if_exists = false;
  bool if_not_exists = false;
  bool exclude_internal = false;
  bool topics_with_overrides = false;
  bool under_replicated_partitions = false;
  bool unavailable_partitions = false;
  bool under_min_isr_partitions = false;
  bool at_min_isr_partitions = false;
};

CLI::App* add_topics_command(CLI::App& app, TopicsOptions& options);
int run_topics(const TopicsOptions& options, std::ostream& out, std::ostream& err);

}  // namespace strata::cli
