#include "server/logging.h"

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <ctime>
#include <mutex>
#include <string>

namespace strata::server {

LogLevel log_threshold() {
  static const LogLevel threshold = [] {
    const char* env = std::getenv("STRATA_LOG_LEVEL");
    const std::string v = env ? env : "";
    if (v == "debug") return LogLevel::debug;
    if (v == "warn") return LogLevel::warn;
    if (v == "error") return LogLevel::error;
    return LogLevel::info;
  }();
  return threshold;
}

void write_log_line(LogLevel level, std::string_view message) {
  static std::mutex mu;
  const auto now = std::chrono::system_clock::now();
  const std::time_t secs = std::chrono::system_clock::to_time_t(now);
  const auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(now.time_since_epoch()).count() % 1000;
  std::tm tm{};
  ::localtime_r(&secs, &tm);
  char stamp[32];
  std::strftime(stamp, sizeof stamp, "%Y-%m-%d %H:%M:%S", &tm);
  const char* name = level == LogLevel::debug  ? "DEBUG"
                     : level == LogLevel::info ? "INFO"
                     : level == LogLevel::warn ? "WARN"
                                               : "ERROR";
  std::lock_guard lock(mu);
  std::fprintf(stderr, "[%s,%03d] %s %.*s\n", stamp, static_cast<int>(ms), name, static_cast<int>(message.size()),
               message.data());
  std::fflush(stderr);
}

}  // namespace strata::server
