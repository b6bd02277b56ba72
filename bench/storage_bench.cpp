// Storage engine figures for `make bench` (bench/steps/40-storage.sh): append throughput through
// PartitionLog with 1 KiB records in 16 KiB and 1 MiB batches, with no flush policy and with
// flush.ms=1000 (flush jobs run on a second thread, as the broker's blocking pool runs them),
// sequential read throughput, and offset / timestamp lookup latency.
//
//   strata_storage_bench DIR [--mib N]
//
// Prints one JSON object: {"append_16k_mb_s": ..., ...}. Every append run ends with a flush of
// everything, so it is comparable with fio's "buffered + final fsync" figure.
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdio>
#include <cstdlib>
#include <deque>
#include <filesystem>
#include <mutex>
#include <optional>
#include <random>
#include <string>
#include <thread>
#include <vector>

#include "record/record_batch_builder.h"
#include "storage/partition_log.h"

namespace {

using namespace strata;
using namespace strata::storage;
using Stopwatch = std::chrono::steady_clock;

constexpr size_t kRecordSize = 1024;
constexpr int64_t kT0 = 1'700'000'000'000;

[[noreturn]] void fail(const std::string& what) {
  std::fprintf(stderr, "storage_bench: %s\n", what.c_str());
  std::exit(1);
}

template <class T>
T must(result<T> r, const char* what) {
  if (!r) fail(std::string(what) + ": " + r.error().to_string());
  return std::move(r).value();
}
void must(result<void> r, const char* what) {
  if (!r) fail(std::string(what) + ": " + r.error().to_string());
}

bytes make_batch(size_t batch_bytes, int64_t ts) {
  record::RecordBatchBuilder builder({});
  std::mt19937_64 rng(7);
  bytes value(kRecordSize);
  for (auto& b : value) b = static_cast<std::byte>(rng());
  // A record takes its value plus about a dozen bytes of varint framing; stay within batch_bytes
  // (so a 1 MiB batch fits the default max.message.bytes).
  const size_t records = std::max<size_t>(1, (batch_bytes - record::kRecordBatchHeaderSize) / (kRecordSize + 16));
  for (size_t i = 0; i < records; ++i)
    must(builder.append(ts + static_cast<int64_t>(i), std::nullopt, value), "append");
  return must(builder.build(), "build");
}

// The broker's blocking pool, reduced to one thread: runs FlushJobs, hands them back.
class FlushThread {
 public:
  FlushThread() : worker_([this] { run(); }) {}
  ~FlushThread() {
    {
      std::lock_guard lock(mu_);
      stop_ = true;
    }
    cv_.notify_all();
    worker_.join();
  }
  bool busy() const { return busy_.load(); }
  void submit(FlushJob job) {
    busy_ = true;
    {
      std::lock_guard lock(mu_);
      job_ = std::move(job);
    }
    cv_.notify_all();
  }
  // The finished job and its outcome, if one finished.
  std::optional<std::pair<FlushJob, result<void>>> take_done() {
    std::lock_guard lock(mu_);
    auto out = std::move(done_);
    done_.reset();
    return out;
  }

 private:
  void run() {
    std::unique_lock lock(mu_);
    while (true) {
      cv_.wait(lock, [&] { return stop_ || job_; });
      if (stop_) return;
      FlushJob job = std::move(*job_);
      job_.reset();
      lock.unlock();
      result<void> outcome = job.run();
      lock.lock();
      done_.emplace(std::move(job), std::move(outcome));
      busy_ = false;
    }
  }
  std::mutex mu_;
  std::condition_variable cv_;
  std::optional<FlushJob> job_;
  std::optional<std::pair<FlushJob, result<void>>> done_;
  std::atomic<bool> busy_{false};
  bool stop_ = false;
  std::thread worker_;
};

// Appends for at least min_seconds and total_bytes, keeping the log within total_bytes by
// retention.bytes (as a broker in steady state does), then flushes everything.
double append_run(const std::filesystem::path& dir, size_t batch_bytes, int64_t total_bytes, double min_seconds,
                  int64_t flush_ms, int* flushes) {
  std::filesystem::remove_all(dir);
  PartitionLogOptions o;
  o.dir = dir;
  o.topic_partition = {"bench", PartitionId{0}};
  o.config.flush_ms = flush_ms;
  o.config.retention_ms = kUnlimited;
  o.config.retention_bytes = total_bytes;
  o.config.segment_bytes = static_cast<int32_t>(std::min<int64_t>(total_bytes / 4, 1 << 30));
  o.config.file_delete_delay_ms = 0;
  auto log = must(PartitionLog::open(o), "open");
  bytes batch = make_batch(batch_bytes, kT0);
  FlushThread flusher;
  *flushes = 0;
  const auto start = Stopwatch::now();
  int64_t written = 0;
  int segments = 1;
  while (written < total_bytes || std::chrono::duration<double>(Stopwatch::now() - start).count() < min_seconds) {
    // validate_and_assign rewrites the base offset in place; a producer's batch says 0 there (and
    // the CRC does not cover it), so reset it as a new produce request would have it.
    store_be<uint64_t>(batch.data() + record::kBaseOffsetOffset, 0);
    must(log->append_as_leader(batch, LeaderEpoch{0}), "append");
    written += static_cast<int64_t>(batch.size());
    if (log->segment_count() != static_cast<size_t>(segments)) {
      must(log->delete_old_segments(), "retention");
      must(log->delete_expired_files(), "delete files");
      segments = static_cast<int>(log->segment_count());
    }
    if (auto done = flusher.take_done()) {
      must(std::move(done->second), "flush job");
      log->complete_flush(done->first, result<void>{});
    }
    if (!flusher.busy() && log->flush_due()) {
      auto job = must(log->prepare_flush(log->log_end_offset()), "prepare_flush");
      if (job) {
        flusher.submit(std::move(*job));
        ++*flushes;
      }
    }
  }
  while (flusher.busy()) std::this_thread::sleep_for(std::chrono::microseconds(100));
  if (auto done = flusher.take_done()) log->complete_flush(done->first, done->second);
  must(log->flush(), "final flush");
  const double seconds = std::chrono::duration<double>(Stopwatch::now() - start).count();
  must(log->close(), "close");
  return static_cast<double>(written) / 1e6 / seconds;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 2) fail("usage: strata_storage_bench DIR [--mib N]");
  const std::filesystem::path root = argv[1];
  int64_t mib = 512;
  for (int i = 2; i + 1 < argc; ++i) {
    if (std::string(argv[i]) == "--mib") mib = std::atoll(argv[i + 1]);
  }
  const int64_t total = mib * 1024 * 1024;
  int flushes_16k = 0, flushes_1m = 0, flushes_16k_ms = 0, flushes_1m_ms = 0;
  const double a16k = append_run(root / "a16k", 16 * 1024, total, 0, kNever, &flushes_16k);
  const double a1m = append_run(root / "a1m", 1024 * 1024, total, 0, kNever, &flushes_1m);
  // flush.ms=1000 needs a run of several seconds to flush several times.
  const double a16k_ms = append_run(root / "a16k-ms", 16 * 1024, total, 5, 1000, &flushes_16k_ms);
  const double a1m_ms = append_run(root / "a1m-ms", 1024 * 1024, total, 5, 1000, &flushes_1m_ms);

  // Reads and lookups on the last log written (1 MiB batches, in the page cache now).
  PartitionLogOptions o;
  o.dir = root / "a1m-ms";
  o.topic_partition = {"bench", PartitionId{0}};
  o.had_clean_shutdown = true;
  auto log = must(PartitionLog::open(o), "reopen");
  const auto read_start = Stopwatch::now();
  int64_t read_bytes = 0;
  Offset next = log->log_start_offset();
  while (next < log->log_end_offset()) {
    FetchDataInfo info = must(log->read(next, 1024 * 1024, FetchIsolation::high_watermark, true), "read");
    if (!info.records) fail("read returned nothing");
    bytes data = must(read_slice(*info.records, info.segment_path), "read_slice");
    read_bytes += static_cast<int64_t>(data.size());
    // A read may end inside a batch (as Kafka's do); the next read starts after the last whole one.
    record::RecordBatchReader reader(data);
    Offset last = next;
    while (true) {
      auto batch = reader.next();
      if (!batch || !*batch) break;
      last = Offset{(*batch)->last_offset().value() + 1};
    }
    if (last == next) fail("read returned no whole batch");
    next = last;
  }
  const double read_mb_s =
      static_cast<double>(read_bytes) / 1e6 / std::chrono::duration<double>(Stopwatch::now() - read_start).count();

  must(log->close(), "close");
  log.reset();

  // Lookups on a log of 16 KiB batches whose timestamps rise through the log, as a real topic's
  // do: 64 MiB, default index.interval.bytes.
  o.dir = root / "lookups";
  std::filesystem::remove_all(o.dir);
  o.had_clean_shutdown = true;
  log = must(PartitionLog::open(o), "open lookups");
  constexpr int kLookupBatches = 4096;
  constexpr size_t kLookupBatchBytes = 16 * 1024;
  for (int b = 0; b < kLookupBatches; ++b) {
    // Record n of the log has timestamp kT0 + n.
    bytes batch = make_batch(kLookupBatchBytes, kT0 + log->log_end_offset().value());
    must(log->append_as_leader(batch, LeaderEpoch{0}), "append lookup batch");
  }
  std::mt19937_64 rng(11);
  const int64_t end = log->log_end_offset().value();
  constexpr int kLookups = 20000;
  auto t0 = Stopwatch::now();
  for (int i = 0; i < kLookups; ++i) {
    const Offset target{static_cast<int64_t>(rng() % static_cast<uint64_t>(end))};
    FetchDataInfo info = must(log->read(target, 1, FetchIsolation::high_watermark, false), "lookup");
    if (!info.records) fail("offset lookup found nothing");
  }
  const double offset_lookup_us = std::chrono::duration<double, std::micro>(Stopwatch::now() - t0).count() / kLookups;
  constexpr int kTimeLookups = 5000;
  t0 = Stopwatch::now();
  for (int i = 0; i < kTimeLookups; ++i) {
    const int64_t target = kT0 + static_cast<int64_t>(rng() % static_cast<uint64_t>(end));
    auto found = must(log->fetch_offset_by_timestamp(target), "timestamp lookup");
    if (!found || found->offset.value() != target - kT0)
      fail("timestamp lookup found the wrong record: " + std::to_string(target - kT0) + " -> " +
           (found ? std::to_string(found->offset.value()) + " ts " + std::to_string(found->timestamp - kT0) : "none"));
  }
  const double time_lookup_us = std::chrono::duration<double, std::micro>(Stopwatch::now() - t0).count() / kTimeLookups;
  must(log->close(), "close");
  log.reset();

  // Compaction: a compacted log of 1 KiB records over 20,000 keys (every key written about 6
  // times), 16 KiB batches, 32 MiB segments; one cleaning of all closed segments.
  o.dir = root / "compacted";
  std::filesystem::remove_all(o.dir);
  o.config.cleanup_compact = true;
  o.config.cleanup_delete = false;
  o.config.segment_bytes = 32 * 1024 * 1024;
  o.config.file_delete_delay_ms = 0;
  log = must(PartitionLog::open(o), "open compacted");
  {
    constexpr int kKeys = 20000;
    const int64_t compacted_bytes = std::min<int64_t>(total / 4, 128LL * 1024 * 1024);
    bytes value(kRecordSize);
    std::mt19937_64 vrng(3);
    for (auto& b : value) b = static_cast<std::byte>(vrng());
    int64_t written_bytes = 0;
    uint64_t key_counter = 0;
    while (written_bytes < compacted_bytes) {
      record::RecordBatchBuilder builder({});
      for (int i = 0; i < 15; ++i) {
        const std::string key = "key-" + std::to_string((key_counter++ * 7919) % kKeys);
        must(builder.append(kT0, as_bytes_view(key), value), "append compacted record");
      }
      bytes batch = must(builder.build(), "build compacted batch");
      must(log->append_as_leader(batch, LeaderEpoch{0}), "append compacted");
      written_bytes += static_cast<int64_t>(batch.size());
    }
    must(log->roll(), "roll");
  }
  const auto clean_start = Stopwatch::now();
  auto cleaned = must(log->clean(Offset{0}, CleanerConfig{}, /*force=*/true), "clean");
  const double clean_seconds = std::chrono::duration<double>(Stopwatch::now() - clean_start).count();
  if (!cleaned) fail("nothing was cleaned");
  // Source bytes cleaned per second: the offset map pass and the cleaning pass both read them.
  const double clean_mb_s = static_cast<double>(cleaned->bytes_read) / 2 / 1e6 / clean_seconds;
  const double clean_retained =
      static_cast<double>(cleaned->records_retained) / static_cast<double>(cleaned->records_read);
  must(log->close(), "close compacted");
  std::filesystem::remove_all(root);

  std::printf(
      "{\"append_16k_mb_s\": %.1f, \"append_1m_mb_s\": %.1f, \"append_16k_flush_ms_mb_s\": %.1f, "
      "\"append_1m_flush_ms_mb_s\": %.1f, \"flushes_16k_flush_ms\": %d, \"flushes_1m_flush_ms\": %d, "
      "\"read_mb_s\": %.1f, \"offset_lookup_us\": %.2f, \"timestamp_lookup_us\": %.2f, \"clean_mb_s\": %.1f, "
      "\"clean_retained_share\": %.3f, \"mib\": %ld}\n",
      a16k, a1m, a16k_ms, a1m_ms, flushes_16k_ms, flushes_1m_ms, read_mb_s, offset_lookup_us, time_lookup_us,
      clean_mb_s, clean_retained, static_cast<long>(mib));
  return 0;
}
