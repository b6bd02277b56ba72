// The partition logs of the node's log directories, after Kafka's LogManager: loading them at
// startup (with recovery after an unclean shutdown), creating and deleting them, the periodic
// retention, flush and checkpoint work, and a clean shutdown that lets the next start skip
// recovery. Formats: docs/formats/local-log.md ("Layout", "Checkpoint files", "Clean shutdown").
//
// Per log dir:
//   .kafka_cleanshutdown               written last at a clean shutdown, deleted once loaded
//   recovery-point-offset-checkpoint   per partition: everything below is flushed
//   log-start-offset-checkpoint        per partition: the log start offset (only when above the
//                                      first segment's base, as Kafka writes it)
//   <topic>-<partition>/               one PartitionLog each
//   <topic>-<partition>.<id>-delete/   a deletion interrupted by a crash: removed at startup
//
// Threading: the map of partitions (get, get_or_create, remove, partitions, all_logs, the
// cleaner's offsets) is guarded by a mutex, so event loops on several threads may look logs up
// while one creates or removes them. A PartitionLog itself is not thread-safe: the broker touches
// each one only on the event loop that owns it (ARCHITECTURE §3.4), and removes it there too.
// The functions that walk every log (run_retention, flush_due_logs, run_cleaner, the no-argument
// checkpoints, shutdown) are for a single-threaded owner (tests, tools, the broker after its loops
// stopped); a sharded owner gathers the values on each loop and passes them to the checkpoint
// writers that take them. The periodic tasks are explicit calls so that their owner decides when
// they run.
#pragma once

#include <cstdint>
#include <filesystem>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <shared_mutex>
#include <string>
#include <vector>

#include "base/clock.h"
#include "base/result.h"
#include "storage/log_config.h"
#include "storage/partition_log.h"
#include "storage/topic_name.h"

namespace strata::storage {

// The clean shutdown marker's content (Kafka's CleanShutdownFileHandler, KRaft mode).
inline constexpr std::string_view kCleanShutdownContent = "{\"version\":0,\"brokerEpoch\":-1}";

struct LogManagerOptions {
  std::vector<std::filesystem::path> log_dirs;  // log.dirs
  // The config a partition gets when the caller gives none (the broker's log.* defaults).
  LogConfig default_config;
  Clock* clock = &system_clock();
};

// What startup found, for the broker's log lines.
struct LogManagerStartup {
  int partitions_loaded = 0;
  bool had_clean_shutdown = true;  // every log dir had the marker
  std::vector<std::string> messages;
};

class LogManager {
 public:
  // Creates missing log dirs, removes interrupted deletions, loads every partition directory.
  // `config_for` gives each partition's config (the topic's overrides); nullptr = default_config.
  using ConfigLookup = std::function<LogConfig(const TopicPartition&)>;
  static result<std::unique_ptr<LogManager>> open(LogManagerOptions options, ConfigLookup config_for = {});
  ~LogManager();

  const LogManagerStartup& startup() const { return startup_; }
  const std::vector<std::filesystem::path>& log_dirs() const { return options_.log_dirs; }

  PartitionLog* get(const TopicPartition& tp) const;
  // The log of tp, created (in the log dir holding the fewest partitions) if absent.
  result<PartitionLog*> get_or_create(const TopicPartition& tp, const LogConfig& config);
  // Deletes the partition's directory and forgets it; false if there was none.
  result<bool> remove(const TopicPartition& tp);
  std::vector<TopicPartition> partitions() const;
  std::vector<PartitionLog*> all_logs() const;

  // log.retention.check.interval.ms: retention for every log, then the expired *.deleted files.
  // Returns the segments deleted.
  result<int> run_retention();
  // log.flush.scheduler.interval.ms: flushes the logs whose flush.ms is due (synchronously; the
  // broker's version posts FlushJobs to the blocking pool). Returns the logs flushed.
  result<int> flush_due_logs();
  // log.flush.offset.checkpoint.interval.ms / log.flush.start.offset.checkpoint.interval.ms.
  // The log cleaner's pass (log.cleaner.*): cleans each compacted log whose dirty ratio or
  // max.compaction.lag.ms calls for it, from its first dirty offset, then rewrites every log dir's
  // cleaner-offset-checkpoint. Synchronous; the broker runs the jobs on its cleaner thread.
  result<std::vector<std::pair<TopicPartition, CleanerStats>>> run_cleaner(const CleanerConfig& config);
  // The cleaner's first dirty offset of tp (from the checkpoint), or the log start.
  Offset first_dirty_offset(const TopicPartition& tp) const;
  // For a cleaner that runs its jobs elsewhere (the broker): remember how far tp is clean, and
  // write every log dir's cleaner-offset-checkpoint.
  void record_cleaned(const TopicPartition& tp, Offset first_dirty) {
    std::unique_lock lock(mutex_);
    cleaned_up_to_[tp] = first_dirty;
  }
  result<void> checkpoint_cleaner_offsets();
  // How far the cleaner has cleaned tp, if it has.
  std::optional<Offset> cleaned_up_to(const TopicPartition& tp) const;
  result<void> checkpoint_recovery_points();
  result<void> checkpoint_log_start_offsets();
  // The same from values gathered by the logs' owners: the recovery point of each partition, and
  // the log start offsets Kafka writes (log_start_entry). Partitions no longer here are skipped.
  result<void> checkpoint_recovery_points(const std::map<TopicPartition, Offset>& points);
  result<void> checkpoint_log_start_offsets(const std::map<TopicPartition, Offset>& starts);
  // The log start offset checkpoint's entry for a log: only where the log start is above the
  // first segment's base offset, as Kafka writes it.
  static std::optional<Offset> log_start_entry(const PartitionLog& log);

  // Clean shutdown: close every log, write the checkpoints, then the marker in every log dir.
  result<void> shutdown();

 private:
  explicit LogManager(LogManagerOptions options) : options_(std::move(options)) {}
  result<void> load_dir(const std::filesystem::path& dir, const ConfigLookup& config_for);
  // The log dir holding tp, or nullptr; the caller holds mutex_.
  const std::filesystem::path* log_dir_of_locked(const TopicPartition& tp) const;

  LogManagerOptions options_;
  // Guards the structure of logs_ and cleaned_up_to_ (not the logs).
  mutable std::shared_mutex mutex_;
  struct Entry {
    std::filesystem::path log_dir;
    std::unique_ptr<PartitionLog> log;
  };
  std::map<TopicPartition, Entry> logs_;
  std::map<TopicPartition, Offset> cleaned_up_to_;  // cleaner-offset-checkpoint
  LogManagerStartup startup_;
  bool shut_down_ = false;
};

}  // namespace strata::storage
