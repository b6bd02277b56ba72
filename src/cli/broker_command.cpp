#include "cli/broker_command.h"

#include "admin/admin_server.h"
#include "server/broker.h"
#include "server/logging.h"

namespace strata::cli {

using server::log;
using server::LogLevel;

CLI::App* add_broker_command(CLI::App& app, BrokerOptions& options) {
  auto* cmd = app.add_subcommand("broker", "Run a Kafka-API broker (Kafka's server.properties names)");
  cmd->add_option("--config,config", options.config_path, "server.properties file")->required();
  cmd->add_option("--override", options.overrides, "key=value, applied after the file (repeatable)");
  return cmd;
}

int run_broker(const BrokerOptions& options) {
  std::vector<std::string> warnings;
  auto config = cluster::BrokerConfig::load(options.config_path, options.overrides, &warnings);
  for (const auto& w : warnings) log(LogLevel::warn, "{}", w);
  if (!config) {
    log(LogLevel::error, "{}: {}", options.config_path, config.error().message());
    return 1;
  }
  auto broker = server::Broker::open(std::move(*config));
  if (!broker) {
    log(LogLevel::error, "cannot start: {}", broker.error().to_string());
    return 1;
  }
  // The admin HTTP server binds first: the Kafka listener's log line is the one that says "ready".
  auto admin = admin::AdminServer::start(**broker);
  if (!admin) {
    log(LogLevel::error, "cannot start: {}", admin.error().message());
    return 1;
  }
  if (auto started = (*broker)->start(); !started) {
    log(LogLevel::error, "cannot start: {}", started.error().message());
    return 1;
  }
  log(LogLevel::info, "Strata broker node {} started", (*broker)->config().node_id);
  if (auto ran = (*broker)->run(); !ran) {
    log(LogLevel::error, "shutdown failed: {}", ran.error().to_string());
    return 1;
  }
  return 0;
}

}  // namespace strata::cli
