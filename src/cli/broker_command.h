// `strata broker --config server.properties [--override key=value ...]`: runs a broker until
// SIGINT/SIGTERM, then shuts it down cleanly.
#pragma once

#include <CLI/CLI.hpp>

#include <string>
#include <vector>

namespace strata::cli {

struct BrokerOptions {
  std::string config_path;
  std::vector<std::string> overrides;
};

CLI::App* add_broker_command(CLI::App& app, BrokerOptions& options);
int run_broker(const BrokerOptions& options);

}  // namespace strata::cli
