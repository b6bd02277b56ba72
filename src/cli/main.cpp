// The `strata` binary: one executable, one subcommand per tool (ARCHITECTURE §4).
// Today: help, --version, dump-log. Later issues add broker, topics, configs, consumer-groups, backup,
// restore, tiered.
#include <fmt/format.h>
#include <CLI/CLI.hpp>

#include <iostream>

#include "cli/broker_command.h"
#include "cli/configs_command.h"
#include "cli/consumer_groups_command.h"
#include "cli/dump_log.h"
#include "cli/objstore_command.h"
#include "cli/topics_command.h"
#include "protocol/generated/api_keys.h"

namespace {

constexpr const char* kDescription =
    "Strata: a Kafka-compatible streaming storage system with tiered storage and backups.";

void print_version() {
  fmt::print("strata {} (Kafka protocol: {} APIs from the schemas)\n", STRATA_VERSION,
             strata::protocol::all_apis().size());
}

int run(int argc, char** argv) {
  CLI::App app{kDescription, "strata"};
  app.require_subcommand(0, 1);
  bool version = false;
  app.add_flag("--version", version, "Print the version and exit");
  auto* help = app.add_subcommand("help", "Show the commands and their use");
  strata::cli::DumpLogOptions dump_log_options;
  auto* dump_log = strata::cli::add_dump_log_command(app, dump_log_options);
  strata::cli::BrokerOptions broker_options;
  auto* broker = strata::cli::add_broker_command(app, broker_options);
  strata::cli::TopicsOptions topics_options;
  auto* topics = strata::cli::add_topics_command(app, topics_options);
  strata::cli::ConfigsOptions configs_options;
  auto* configs = strata::cli::add_configs_command(app, configs_options);
  strata::cli::ConsumerGroupsOptions consumer_groups_options;
  auto* consumer_groups = strata::cli::add_consumer_groups_command(app, consumer_groups_options);
  strata::cli::ObjstoreOptions objstore_options;
  auto* objstore = strata::cli::add_objstore_command(app, objstore_options);

  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    return app.exit(e);
  }

  if (version) {
    print_version();
    return 0;
  }
  if (dump_log->parsed()) return strata::cli::dump_log(dump_log_options, std::cout, std::cerr);
  if (broker->parsed()) return strata::cli::run_broker(broker_options);
  if (topics->parsed()) return strata::cli::run_topics(topics_options, std::cout, std::cerr);
  if (configs->parsed()) {
    return strata::cli::run_configs(configs_options, {argv + 1, argv + argc}, std::cout, std::cerr);
  }
  if (objstore->parsed()) return strata::cli::run_objstore(objstore_options, std::cout, std::cerr);
  if (consumer_groups->parsed()) return strata::cli::run_consumer_groups(consumer_groups_options, std::cout, std::cerr);
  if (help->parsed() || app.get_subcommands().empty()) {
    std::cout << app.get_formatter()->make_help(&app, "strata", CLI::AppFormatMode::Normal);
    return 0;
  }
  return 0;
}

}  // namespace

// Exceptions stop here (docs/STYLE.md: exceptions only at the edges): report and exit non-zero.
int main(int argc, char** argv) {
  try {
    return run(argc, argv);
  } catch (const std::exception& e) {
    std::cerr << "strata: " << e.what() << "\n";
  } catch (...) {
    std::cerr << "strata: unexpected error\n";
  }
  return 1;
}
