// The crash test of issue 3: a child process appends with a flush policy and is SIGKILLed at a
// random moment, over and over; the parent then also simulates what a power loss does to the
// unflushed tail (cut at a random byte, or garbage after it), reopens the log with recovery, and
// checks that
//   - every record acknowledged after a completed flush is there, byte for byte;
//   - nothing past the torn tail is visible, and the log continues exactly at its end;
//   - every offset index entry points at the batch holding its offset, and time index entries
//     agree with the batches' timestamps.
// Bounded: kIterations kills, each after at most kMaxRunMs of appending.
#include <fcntl.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include <chrono>
#include <cstdio>
#include <random>
#include <sstream>
#include <thread>

#include "record/record_batch_builder.h"
#include "storage/log_file_names.h"
#include "storage/partition_log.h"
#include "storage/tests/log_test_util.h"
#include "storage/tests/test_util.h"

namespace strata::storage {
namespace {

constexpr int kIterations = 12;
constexpr int kMaxRunMs = 150;
constexpr int64_t kT0 = 1'700'000'000'000;

LogConfig crash_config() {
  LogConfig c;
  c.segment_bytes = 64 * 1024;  // several rolls per run
  c.index_interval_bytes = 1024;
  c.flush_messages = 40;
  c.retention_ms = kUnlimited;
  return c;
}

PartitionLogOptions crash_options(const std::filesystem::path& dir) {
  PartitionLogOptions o;
  o.dir = dir;
  o.topic_partition = {"crash", PartitionId{0}};
  o.config = crash_config();
  o.had_clean_shutdown = false;
  return o;
}

// The child: append forever; after each completed flush report "<flushed end offset> <active base>
// <active size>" on `out`. Never returns.
[[noreturn]] void run_writer(const std::filesystem::path& dir, int out, uint64_t seed) {
  auto opened = PartitionLog::open(crash_options(dir));
  if (!opened) _exit(3);
  PartitionLog& log = **opened;
  std::mt19937_64 rng(seed);
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
  while (std::chrono::steady_clock::now() < deadline) {
    const int first = static_cast<int>(log.log_end_offset().value());
    const int count = 1 + static_cast<int>(rng() % 20);
    const auto codec = static_cast<record::CompressionCodec>(rng() % 5);
    bytes batch = testing::make_batch(first, count, kT0, codec, rng() % 400);
    auto appended = log.append_as_leader(batch, LeaderEpoch{0});
    if (!appended) _exit(4);
    if (appended->flush_needed) {
      if (!log.flush()) _exit(5);
      char line[96];
      int n = std::snprintf(line, sizeof line, "%ld %ld %ld\n", static_cast<long>(log.recovery_point().value()),
                            static_cast<long>(log.active_segment().base_offset().value()),
                            static_cast<long>(log.active_segment().size()));
      if (::write(out, line, static_cast<size_t>(n)) != n) _exit(6);
    }
  }
  _exit(0);
}

struct Flushed {
  int64_t end_offset = 0;
  int64_t active_base = 0;
  int64_t active_size = 0;
};

Flushed last_flushed(const std::string& reports) {
  Flushed f;
  std::istringstream in(reports);
  Flushed line;
  while (in >> line.end_offset >> line.active_base >> line.active_size) f = line;
  return f;
}

// Every offset index entry names the batch that holds its offset and starts at its position;
// every time index entry's timestamp is the largest of the batches up to its offset.
void expect_indexes_agree_with_the_log(const std::filesystem::path& dir) {
  for (const auto& entry : std::filesystem::directory_iterator(dir)) {
    auto name = parse_segment_file_name(entry.path().filename().string());
    if (!name || name->type != SegmentFileType::log || name->state != SegmentFileState::live) continue;
    const Offset base = name->base_offset;
    bytes log = testing::read_bytes(entry.path());
    auto batches = record::split_batches(log);
    ASSERT_TRUE(batches) << entry.path() << ": " << batches.error().to_string();
    auto index = OffsetIndex::open(dir / segment_file_name(base, SegmentFileType::offset_index), base,
                                   kDefaultMaxIndexSize, /*writable=*/false);
    ASSERT_TRUE(index) << index.error().to_string();
    ASSERT_TRUE(index->validate_entries());
    for (int32_t n = 0; n < index->entries(); ++n) {
      OffsetPosition e = *index->entry(n);
      bool found = false;
      for (const auto& b : *batches) {
        if (b.data().data() - log.data() == e.position.value()) {
          EXPECT_EQ(b.last_offset(), e.offset) << entry.path() << " index entry " << n;
          found = true;
        }
      }
      EXPECT_TRUE(found) << entry.path() << ": index entry " << n << " points at " << e.position.value()
                         << ", not at a batch";
    }
    auto time_index = TimeIndex::open(dir / segment_file_name(base, SegmentFileType::time_index), base,
                                      kDefaultMaxIndexSize, /*writable=*/false);
    ASSERT_TRUE(time_index) << time_index.error().to_string();
    for (int32_t n = 0; n < time_index->entries(); ++n) {
      TimestampOffset t = *time_index->entry(n);
      int64_t max_up_to = record::kNoTimestamp;
      for (const auto& b : *batches) {
        if (b.last_offset() <= t.offset) max_up_to = std::max(max_up_to, b.max_timestamp());
      }
      EXPECT_EQ(t.timestamp, max_up_to) << entry.path() << " time index entry " << n;
    }
  }
}

TEST(CrashRecovery, KillNineUnderLoadLosesNothingFlushedAndShowsNothingTorn) {
  testing::TempDir tmp;
  const auto dir = tmp / "crash-0";
  std::mt19937_64 rng(20261201);
  int64_t total_truncated = 0;
  int torn_tails = 0;
  for (int iteration = 0; iteration < kIterations; ++iteration) {
    int pipe_fds[2];
    ASSERT_EQ(::pipe(pipe_fds), 0);
    const uint64_t seed = rng();
    pid_t child = ::fork();
    ASSERT_GE(child, 0);
    if (child == 0) {
      ::close(pipe_fds[0]);
      run_writer(dir, pipe_fds[1], seed);
    }
    ::close(pipe_fds[1]);
    std::this_thread::sleep_for(std::chrono::milliseconds(20 + rng() % kMaxRunMs));
    ::kill(child, SIGKILL);
    int status = 0;
    ::waitpid(child, &status, 0);
    ASSERT_TRUE(WIFSIGNALED(status)) << "the writer exited on its own with status " << WEXITSTATUS(status)
                                     << " in iteration " << iteration;
    std::string reports;
    char buf[4096];
    for (ssize_t n; (n = ::read(pipe_fds[0], buf, sizeof buf)) > 0;) reports.append(buf, static_cast<size_t>(n));
    ::close(pipe_fds[0]);
    const Flushed flushed = last_flushed(reports);

    // Power loss: the unflushed tail of the last segment is cut at a random byte, or followed by
    // garbage, or left alone.
    Offset last_base{0};
    for (const auto& e : std::filesystem::directory_iterator(dir)) {
      auto name = parse_segment_file_name(e.path().filename().string());
      if (name && name->type == SegmentFileType::log && name->state == SegmentFileState::live) {
        last_base = std::max(last_base, name->base_offset);
      }
    }
    const auto last_log = dir / segment_file_name(last_base, SegmentFileType::log);
    const int64_t size = static_cast<int64_t>(std::filesystem::file_size(last_log));
    const int64_t floor = last_base.value() == flushed.active_base ? flushed.active_size : 0;
    switch (rng() % 3) {
      case 0:
        if (size > floor) {
          std::filesystem::resize_file(
              last_log, static_cast<uintmax_t>(floor + static_cast<int64_t>(rng() % (size - floor + 1))));
          ++torn_tails;
        }
        break;
      case 1: {
        bytes garbage(1 + rng() % 300);
        for (auto& b : garbage) b = static_cast<std::byte>(rng());
        int fd = ::open(last_log.c_str(), O_WRONLY | O_APPEND);
        ASSERT_GE(fd, 0);
        ASSERT_EQ(::write(fd, garbage.data(), garbage.size()), static_cast<ssize_t>(garbage.size()));
        ::close(fd);
        ++torn_tails;
        break;
      }
      default: break;
    }

    auto reopened = PartitionLog::open(crash_options(dir));
    ASSERT_TRUE(reopened) << reopened.error().to_string();
    PartitionLog& log = **reopened;
    total_truncated += log.recovery_report().bytes_truncated;
    ASSERT_GE(log.log_end_offset().value(), flushed.end_offset)
        << "iteration " << iteration << ": flushed records were lost";
    std::vector<testing::KeyValue> records = testing::read_all(log);
    ASSERT_EQ(static_cast<int64_t>(records.size()), log.log_end_offset().value()) << "iteration " << iteration;
    for (size_t i = 0; i < records.size(); ++i) {
      ASSERT_EQ(records[i].offset, Offset{static_cast<int64_t>(i)});
      ASSERT_EQ(records[i].key, testing::key_of(static_cast<int>(i))) << "iteration " << iteration;
    }
    // The log goes on exactly at its end.
    const int next = static_cast<int>(log.log_end_offset().value());
    bytes batch = testing::make_batch(next, 1, kT0);
    auto appended = log.append_as_leader(batch, LeaderEpoch{0});
    ASSERT_TRUE(appended) << appended.error().to_string();
    EXPECT_EQ(appended->first_offset, Offset{next});
    ASSERT_TRUE(log.close());
    reopened->reset();
    expect_indexes_agree_with_the_log(dir);
  }
  std::printf("crash recovery: %d kills, %d torn tails simulated, %ld bytes truncated by recovery\n", kIterations,
              torn_tails, static_cast<long>(total_truncated));
  EXPECT_GT(torn_tails, 0);
  EXPECT_GT(total_truncated, 0);
}

}  // namespace
}  // namespace strata::storage
