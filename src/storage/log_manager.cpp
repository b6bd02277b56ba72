#include "storage/log_manager.h"

#include <fmt/format.h>
#include <algorithm>

#include "storage/checkpoint_file.h"
#include "storage/file_io.h"
#include "storage/log_file_names.h"
#include "storage/storage_error.h"

namespace strata::storage {

namespace {

std::map<TopicPartition, Offset> read_checkpoint_map(const std::filesystem::path& path, LogManagerStartup& startup) {
  std::map<TopicPartition, Offset> out;
  auto entries = read_offset_checkpoint(path);
  if (!entries) {
    // A damaged checkpoint costs a longer recovery, never the log: start from offset 0.
    if (!entries.error().is(StorageErrc::not_found)) {
      startup.messages.push_back(fmt::format("{}: {}; ignoring it", path.string(), entries.error().message()));
    }
    return out;
  }
  for (const TopicPartitionOffset& e : *entries) out[e.topic_partition] = e.offset;  // later entries win
  return out;
}

}  // namespace

LogManager::~LogManager() = default;

result<std::unique_ptr<LogManager>> LogManager::open(LogManagerOptions options, ConfigLookup config_for) {
  if (options.log_dirs.empty()) {
    return Error(StorageErrc::invalid_argument, "log.dirs names no directory");
  }
  std::unique_ptr<LogManager> manager(new LogManager(std::move(options)));
  for (const auto& dir : manager->options_.log_dirs) STRATA_TRY(manager->load_dir(dir, config_for));
  return manager;
}

result<void> LogManager::load_dir(const std::filesystem::path& dir, const ConfigLookup& config_for) {
  std::error_code ec;
  std::filesystem::create_directories(dir, ec);
  if (ec) return errno_error("mkdir", dir, ec.value());
  const auto marker = dir / kCleanShutdownFile;
  const bool clean = std::filesystem::exists(marker, ec);
  if (!clean) startup_.had_clean_shutdown = false;
  const auto recovery_points = read_checkpoint_map(dir / kRecoveryPointCheckpointFile, startup_);
  const auto log_starts = read_checkpoint_map(dir / kLogStartOffsetCheckpointFile, startup_);
  for (const auto& [tp, offset] : read_checkpoint_map(dir / kCleanerOffsetCheckpointFile, startup_)) {
    cleaned_up_to_[tp] = offset;
  }

  for (const auto& entry : std::filesystem::directory_iterator(dir, ec)) {
    if (!entry.is_directory()) continue;
    auto name = parse_log_dir_name(entry.path().filename().string());
    if (!name) continue;  // not a partition directory (Kafka ignores those too)
    if (name->kind == LogDirKind::deleted) {
      std::filesystem::remove_all(entry.path(), ec);
      startup_.messages.push_back(fmt::format("{}: finished an interrupted deletion", entry.path().string()));
      continue;
    }
    if (name->kind != LogDirKind::live) continue;
    const TopicPartition& tp = name->topic_partition;
    if (logs_.count(tp) != 0) {
      return Error(StorageErrc::invalid_argument,
                   fmt::format("partition {} is in two log dirs: {} and {}; remove one", to_string(tp),
                               logs_.at(tp).log_dir.string(), dir.string()));
    }
    PartitionLogOptions o;
    o.dir = entry.path();
    o.topic_partition = tp;
    o.config = config_for ? config_for(tp) : options_.default_config;
    o.clock = options_.clock;
    o.had_clean_shutdown = clean;
    if (auto it = recovery_points.find(tp); it != recovery_points.end()) o.recovery_point = it->second;
    if (auto it = log_starts.find(tp); it != log_starts.end()) o.log_start_offset = it->second;
    auto log = PartitionLog::open(std::move(o));
    if (!log) return log.error().with_context(fmt::format("loading {}", entry.path().string()));
    for (const auto& m : (*log)->recovery_report().messages) startup_.messages.push_back(m);
    logs_.emplace(tp, Entry{dir, std::move(*log)});
    startup_.partitions_loaded++;
  }
  if (ec) return errno_error("list", dir, ec.value());
  // The marker is only true of the state it was written for: from now on the logs change.
  if (clean) {
    std::filesystem::remove(marker, ec);
    if (ec) return errno_error("unlink", marker, ec.value());
    STRATA_TRY(fsync_dir(dir));
  }
  return success();
}

PartitionLog* LogManager::get(const TopicPartition& tp) const {
  std::shared_lock lock(mutex_);
  auto it = logs_.find(tp);
  return it == logs_.end() ? nullptr : it->second.log.get();
}

result<PartitionLog*> LogManager::get_or_create(const TopicPartition& tp, const LogConfig& config) {
  std::unique_lock lock(mutex_);
  if (shut_down_) return Error(StorageErrc::log_closed, "the log manager is shut down");
  if (auto it = logs_.find(tp); it != logs_.end()) return it->second.log.get();
  STRATA_TRY(validate_topic_name(tp.topic));
  // Kafka's nextLogDirs: the dir with the fewest partitions.
  std::map<std::filesystem::path, int> counts;
  for (const auto& d : options_.log_dirs) counts[d] = 0;
  for (const auto& [p, e] : logs_) counts[e.log_dir]++;
  const std::filesystem::path* best = &options_.log_dirs.front();
  for (const auto& d : options_.log_dirs) {
    if (counts[d] < counts[*best]) best = &d;
  }
  PartitionLogOptions o;
  o.dir = *best / log_dir_name(tp);
  o.topic_partition = tp;
  o.config = config;
  o.clock = options_.clock;
  o.had_clean_shutdown = true;  // a new directory holds nothing to recover
  STRATA_TRY_ASSIGN(std::unique_ptr<PartitionLog> log, PartitionLog::open(std::move(o)));
  STRATA_TRY(fsync_dir(*best));
  PartitionLog* raw = log.get();
  logs_.emplace(tp, Entry{*best, std::move(log)});
  return raw;
}

result<bool> LogManager::remove(const TopicPartition& tp) {
  std::unique_lock lock(mutex_);
  auto it = logs_.find(tp);
  if (it == logs_.end()) return false;
  STRATA_TRY(it->second.log->delete_log());
  logs_.erase(it);
  cleaned_up_to_.erase(tp);
  return true;
}

std::vector<TopicPartition> LogManager::partitions() const {
  std::shared_lock lock(mutex_);
  std::vector<TopicPartition> out;
  for (const auto& [tp, e] : logs_) out.push_back(tp);
  return out;
}

std::vector<PartitionLog*> LogManager::all_logs() const {
  std::shared_lock lock(mutex_);
  std::vector<PartitionLog*> out;
  for (const auto& [tp, e] : logs_) out.push_back(e.log.get());
  return out;
}

result<int> LogManager::run_retention() {
  int deleted = 0;
  for (const auto& [tp, e] : logs_) {
    STRATA_TRY_ASSIGN(int n, e.log->delete_old_segments());
    deleted += n;
    STRATA_TRY(e.log->delete_expired_files());
  }
  return deleted;
}

result<int> LogManager::flush_due_logs() {
  int flushed = 0;
  for (const auto& [tp, e] : logs_) {
    if (!e.log->flush_due()) continue;
    STRATA_TRY(e.log->flush());
    ++flushed;
  }
  return flushed;
}

Offset LogManager::first_dirty_offset(const TopicPartition& tp) const {
  if (std::optional<Offset> cleaned = cleaned_up_to(tp)) return *cleaned;
  PartitionLog* log = get(tp);
  return log ? log->log_start_offset() : Offset{0};
}

std::optional<Offset> LogManager::cleaned_up_to(const TopicPartition& tp) const {
  std::shared_lock lock(mutex_);
  auto it = cleaned_up_to_.find(tp);
  if (it == cleaned_up_to_.end()) return std::nullopt;
  return it->second;
}

result<std::vector<std::pair<TopicPartition, CleanerStats>>> LogManager::run_cleaner(const CleanerConfig& config) {
  std::vector<std::pair<TopicPartition, CleanerStats>> cleaned;
  for (const auto& [tp, e] : logs_) {
    STRATA_TRY_ASSIGN(std::optional<CleanerStats> stats, e.log->clean(first_dirty_offset(tp), config));
    if (!stats) continue;
    record_cleaned(tp, stats->end_offset);
    cleaned.emplace_back(tp, *stats);
    STRATA_TRY(e.log->delete_expired_files());
  }
  STRATA_TRY(checkpoint_cleaner_offsets());
  return cleaned;
}

result<void> LogManager::checkpoint_cleaner_offsets() {
  std::shared_lock lock(mutex_);
  for (const auto& dir : options_.log_dirs) {
    std::vector<TopicPartitionOffset> entries;
    for (const auto& [tp, offset] : cleaned_up_to_) {
      auto it = logs_.find(tp);
      if (it != logs_.end() && it->second.log_dir == dir) entries.push_back({tp, offset});
    }
    STRATA_TRY(write_offset_checkpoint(dir / kCleanerOffsetCheckpointFile, entries));
  }
  return success();
}

std::optional<Offset> LogManager::log_start_entry(const PartitionLog& log) {
  const auto bases = log.segment_base_offsets();
  if (bases.empty() || log.log_start_offset() <= bases.front()) return std::nullopt;
  return log.log_start_offset();
}

result<void> LogManager::checkpoint_recovery_points() {
  std::map<TopicPartition, Offset> points;
  for (const auto& [tp, e] : logs_) points.emplace(tp, e.log->recovery_point());
  return checkpoint_recovery_points(points);
}

result<void> LogManager::checkpoint_log_start_offsets() {
  std::map<TopicPartition, Offset> starts;
  for (const auto& [tp, e] : logs_) {
    if (std::optional<Offset> start = log_start_entry(*e.log)) starts.emplace(tp, *start);
  }
  return checkpoint_log_start_offsets(starts);
}

namespace {

// One checkpoint file per log dir with the entries of the partitions in that dir.
template <class LogDirOf>
result<void> write_per_log_dir(const std::vector<std::filesystem::path>& log_dirs, std::string_view file_name,
                               const std::map<TopicPartition, Offset>& values, LogDirOf log_dir_of) {
  for (const auto& dir : log_dirs) {
    std::vector<TopicPartitionOffset> entries;
    for (const auto& [tp, offset] : values) {
      const std::filesystem::path* in = log_dir_of(tp);
      if (in && *in == dir) entries.push_back({tp, offset});
    }
    STRATA_TRY(write_offset_checkpoint(dir / file_name, entries));
  }
  return success();
}

}  // namespace

const std::filesystem::path* LogManager::log_dir_of_locked(const TopicPartition& tp) const {
  auto it = logs_.find(tp);
  return it == logs_.end() ? nullptr : &it->second.log_dir;
}

result<void> LogManager::checkpoint_recovery_points(const std::map<TopicPartition, Offset>& points) {
  std::shared_lock lock(mutex_);
  return write_per_log_dir(options_.log_dirs, kRecoveryPointCheckpointFile, points,
                           [this](const TopicPartition& tp) { return log_dir_of_locked(tp); });
}

result<void> LogManager::checkpoint_log_start_offsets(const std::map<TopicPartition, Offset>& starts) {
  std::shared_lock lock(mutex_);
  return write_per_log_dir(options_.log_dirs, kLogStartOffsetCheckpointFile, starts,
                           [this](const TopicPartition& tp) { return log_dir_of_locked(tp); });
}

result<void> LogManager::shutdown() {
  if (shut_down_) return success();
  for (const auto& [tp, e] : logs_) STRATA_TRY(e.log->close());
  STRATA_TRY(checkpoint_recovery_points());
  STRATA_TRY(checkpoint_log_start_offsets());
  for (const auto& dir : options_.log_dirs) {
    STRATA_TRY(write_file_atomically(dir / kCleanShutdownFile, kCleanShutdownContent, /*sync=*/true));
  }
  shut_down_ = true;
  return success();
}

}  // namespace strata::storage
