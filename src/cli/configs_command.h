// `strata configs`: Kafka's kafka-configs.sh (ConfigCommand) for topic and broker configs over
// librdkafka's admin API, with its flags, output and messages:
//
//   strata configs --bootstrap-server H:P --entity-type topics|brokers [--entity-name N | --entity-default]
//                  --describe [--all]
//   strata configs --bootstrap-server H:P --entity-type topics|brokers --entity-name N | --entity-default
//                  --alter [--add-config 'k1=v1,k2=[a,b]' | --add-config-file F] [--delete-config k1,k2]
//   (--topic N, --broker N and --broker-defaults are Kafka's shorthands for the entity options)
//
// --describe prints `Dynamic configs for topic orders are:` (or `All configs ...` with --all)
// and one `  name=value sensitive=false synonyms={SOURCE:name=value, ...}` line per config.
// --alter prints `Completed updating config for topic orders.`. librdkafka 2.0.2 has no
// IncrementalAlterConfigs, so --alter does what Kafka's tool did with the legacy AlterConfigs
// request: read the entity's dynamic configs, apply the additions and deletions, send the whole set.
//
// Exit status 0 on success, 1 on any error (message on stderr, as Kafka's tool).
#pragma once

#include <CLI/CLI.hpp>

#include <iosfwd>
#include <optional>
#include <string>
#include <vector>

#include "cli/admin_client.h"

namespace strata::cli {

struct ConfigsOptions {
  AdminClientOptions client;  // --bootstrap-server, --command-config
  bool describe = false;
  bool alter = false;
  bool all = false;
  std::vector<std::string> entity_types;
  std::vector<std::string> entity_names;
  bool entity_default = false;
  std::optional<std::string> topic;
  std::optional<std::string> broker;
  bool broker_defaults = false;
  std::optional<std::string> add_config;
  std::optional<std::string> add_config_file;
  std::vector<std::string> delete_configs;
};

CLI::App* add_configs_command(CLI::App& app, ConfigsOptions& options);
// `command_line` is argv without the program name; what follows `configs` is quoted in Kafka's
// "Error while executing config command with args '...'".
int run_configs(const ConfigsOptions& options, const std::vector<std::string>& command_line, std::ostream& out,
                std::ostream& err);

}  // namespace strata::cli
