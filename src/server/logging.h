// The broker's log lines: "[2026-12-01 21:10:18,123] INFO message" on stderr, as Kafka formats
// its server log. Lines name the partition (orders-3) or connection they concern.
#pragma once

#include <fmt/format.h>

#include <string_view>

namespace strata::server {

enum class LogLevel { debug, info, warn, error };

void write_log_line(LogLevel level, std::string_view message);
// Lines below this level are dropped (default info; STRATA_LOG_LEVEL=debug in the environment).
LogLevel log_threshold();

template <class... Args>
void log(LogLevel level, fmt::format_string<Args...> format, Args&&... args) {
  if (level < log_threshold()) return;
  write_log_line(level, fmt::format(format, std::forward<Args>(args)...));
}

}  // namespace strata::server
