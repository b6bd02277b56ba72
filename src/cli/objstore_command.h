// `strata objstore check|ls|stat|cp|rm`: the object-store tool (issue 6). `check URL` is the
// self-test to run before enabling tiering or backups (objstore/self_test.h); the others inspect
// and move objects. URLs: file:///dir, s3://bucket/key?endpoint=..., gs://bucket/key,
// azure://container/key?endpoint=...&account=.... Credentials come from --config (a broker
// properties file's rsm.config.* keys) or the environment, as for the broker; they are never
// printed. Flags are parsed and results printed here; the work is objstore's.
#pragma once

#include <CLI/CLI.hpp>

#include <cstdint>
#include <iosfwd>
#include <string>
#include <vector>

namespace strata::cli {

struct ObjstoreOptions {
  std::string config_path;         // --config: rsm.config.* keys
  std::vector<std::string> urls;   // check/ls/stat: one; rm: one or more
  std::string source;              // cp
  std::string destination;         // cp
  bool recursive = false;          // ls, rm
  uint64_t small_size = 4096;      // check
  uint32_t small_count = 10;       // check
  uint64_t large_size = 20ULL * 1024 * 1024;  // check
  uint64_t chunk_size = 1024 * 1024;          // cp, check

  CLI::App* check = nullptr;
  CLI::App* ls = nullptr;
  CLI::App* stat = nullptr;
  CLI::App* cp = nullptr;
  CLI::App* rm = nullptr;
};

CLI::App* add_objstore_command(CLI::App& app, ObjstoreOptions& options);
// Runs the parsed subcommand; the exit status (0 on success).
int run_objstore(const ObjstoreOptions& options, std::ostream& out, std::ostream& err);

}  // namespace strata::cli
