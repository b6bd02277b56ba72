// Writes the segment files the dump-log CLI tests read (src/cli/tests/dump_log/fixtures/), with the
// record and storage modules, as a broker would lay them out:
//
//   00000000000000000000.log        batches in every codec, headers, a tombstone, null keys, an
//                                   idempotent + transactional batch and its COMMIT marker, an
//                                   aborted transaction and its ABORT marker, a LogAppendTime
//                                   batch, a batch with a delete horizon, an open transaction
//   00000000000000000000.index      an entry per batch from the second on (last offset -> position)
//   00000000000000000000.timeindex  an entry per batch whose max timestamp is a new maximum
//   00000000000000000000.txnindex   the aborted transaction
//   00000000000000000023.snapshot   the producer state at the end of the log
//   bad-index/                      the same .log with an .index and .timeindex that disagree with it
//
// The fixtures are committed (so compressed bytes, sizes and CRCs in the expected output do not
// depend on the codec libraries' versions); rerun this to regenerate them:
//   build/src/cli/dump_log_fixture_gen src/cli/tests/dump_log/fixtures
#include <cstdio>
#include <filesystem>
#include <string>
#include <vector>

#include "record/control_record.h"
#include "record/record_batch_builder.h"
#include "storage/offset_index.h"
#include "storage/producer_state_manager.h"
#include "storage/time_index.h"
#include "storage/transaction_index.h"

namespace {

using namespace strata;
namespace fs = std::filesystem;

constexpr int64_t kBaseTime = 1'700'000'000'000;

[[noreturn]] void die(const std::string& what) {
  std::fprintf(stderr, "dump_log_fixture_gen: %s\n", what.c_str());
  std::exit(1);
}

template <class T>
T check(result<T> r, const char* what) {
  if (!r) die(std::string(what) + ": " + r.error().to_string());
  return std::move(r).value();
}
void check(result<void> r, const char* what) {
  if (!r) die(std::string(what) + ": " + r.error().to_string());
}

struct Rec {
  int64_t timestamp;
  std::optional<std::string> key;
  std::optional<std::string> value;
  std::vector<std::pair<std::string, std::optional<std::string>>> headers;
};

struct Segment {
  bytes log;
  int64_t next_offset = 0;
  struct Placed {
    int64_t position;
    int64_t last_offset;
    int64_t max_timestamp;
  };
  std::vector<Placed> batches;

  void add(bytes batch) {
    auto view = check(record::RecordBatchView::parse(batch), "parse");
    batches.push_back({static_cast<int64_t>(log.size()), view.last_offset().value(), view.max_timestamp()});
    next_offset = view.last_offset().value() + 1;
    log.insert(log.end(), batch.begin(), batch.end());
  }

  void data(record::BatchBuilderOptions options, const std::vector<Rec>& records) {
    options.base_offset = Offset{next_offset};
    options.partition_leader_epoch = LeaderEpoch{3};
    record::RecordBatchBuilder builder(options);
    for (const Rec& r : records) {
      std::vector<record::RecordHeaderView> headers;
      for (const auto& [k, v] : r.headers) {
        headers.push_back({k, v ? std::optional<bytes_view>(as_bytes_view(*v)) : std::nullopt});
      }
      auto key = r.key ? std::optional<bytes_view>(as_bytes_view(*r.key)) : std::nullopt;
      auto value = r.value ? std::optional<bytes_view>(as_bytes_view(*r.value)) : std::nullopt;
      check(builder.append(r.timestamp, key, value, headers), "append");
    }
    add(check(builder.build(), "build"));
  }

  void marker(int64_t pid, int16_t epoch, bool commit, int32_t coordinator_epoch, int64_t timestamp) {
    record::EndTxnMarkerBatch b;
    b.base_offset = Offset{next_offset};
    b.partition_leader_epoch = LeaderEpoch{3};
    b.timestamp = timestamp;
    b.producer_id = ProducerId{pid};
    b.producer_epoch = ProducerEpoch{epoch};
    b.marker = {commit ? record::ControlRecordType::commit : record::ControlRecordType::abort, coordinator_epoch};
    add(check(record::build_end_txn_marker_batch(b), "marker"));
  }
};

record::BatchBuilderOptions codec(record::CompressionCodec c) {
  record::BatchBuilderOptions o;
  o.compression = {c, record::default_level(c)};
  return o;
}

record::BatchBuilderOptions producer(int64_t pid, int16_t epoch, int32_t seq, bool transactional) {
  record::BatchBuilderOptions o;
  o.producer_id = ProducerId{pid};
  o.producer_epoch = ProducerEpoch{epoch};
  o.base_sequence = seq;
  o.transactional = transactional;
  return o;
}

void write(const fs::path& path, const bytes& data) {
  FILE* f = std::fopen(path.c_str(), "wb");
  if (!f) die("cannot write " + path.string());
  if (!data.empty() && std::fwrite(data.data(), 1, data.size(), f) != data.size()) die("short write");
  std::fclose(f);
}

}  // namespace

int main(int argc, char** argv) {
  if (argc != 2) die("usage: dump_log_fixture_gen OUTPUT_DIR");
  const fs::path dir = argv[1];
  fs::create_directories(dir / "bad-index");

  Segment s;
  using record::CompressionCodec;
  // 0-2: uncompressed, keys and values.
  s.data(codec(CompressionCodec::none),
         {{kBaseTime, "k0", "hello", {}}, {kBaseTime + 1, "k1", "world", {}}, {kBaseTime + 2, "k2", "!", {}}});
  // 3-4: gzip, with headers (one with a null value).
  s.data(codec(CompressionCodec::gzip),
         {{kBaseTime + 10, "g0", "gzip one", {{"trace", "abc"}, {"empty", std::nullopt}}},
          {kBaseTime + 11, "g1", "gzip two", {{"trace", "def"}}}});
  // 5-6: snappy.
  s.data(codec(CompressionCodec::snappy),
         {{kBaseTime + 20, "s0", "snappy one", {}}, {kBaseTime + 21, "s1", "snappy two", {}}});
  // 7-8: lz4, null keys.
  s.data(codec(CompressionCodec::lz4),
         {{kBaseTime + 30, std::nullopt, "lz4 one", {}}, {kBaseTime + 31, std::nullopt, "lz4 two", {}}});
  // 9-10: zstd, a tombstone and UTF-8 text.
  s.data(codec(CompressionCodec::zstd),
         {{kBaseTime + 40, "z0", std::nullopt, {}}, {kBaseTime + 41, "z1", "zstd \xc3\xa9t\xc3\xa9", {}}});
  // 11-12: producer 1000, transactional, then its COMMIT at 13.
  s.data(producer(1000, 0, 0, true), {{kBaseTime + 50, "t0", "txn one", {}}, {kBaseTime + 51, "t1", "txn two", {}}});
  s.marker(1000, 0, true, 7, kBaseTime + 52);
  // 14-15: producer 2000, transactional, then its ABORT at 16.
  s.data(producer(2000, 1, 5, true), {{kBaseTime + 60, "a0", "aborted", {}}, {kBaseTime + 61, "a1", "aborted", {}}});
  s.marker(2000, 1, false, 3, kBaseTime + 62);
  // 17-18: LogAppendTime, idempotent producer 3000 with sequences across INT32_MAX.
  {
    record::BatchBuilderOptions o = producer(3000, 2, 2147483647, false);
    o.timestamp_type = record::TimestampType::log_append_time;
    o.log_append_time = kBaseTime + 70;
    s.data(o, {{kBaseTime + 5, "l0", "append time", {}}, {kBaseTime + 6, "l1", "append time", {}}});
  }
  // 19-20: a delete horizon (a compacted batch), with an offset gap (19, 21 -> lastOffset 21).
  {
    record::BatchBuilderOptions o;
    o.delete_horizon_ms = kBaseTime + 86'400'000;
    o.base_offset = Offset{s.next_offset};
    o.partition_leader_epoch = LeaderEpoch{3};
    record::RecordBatchBuilder b(o);
    check(b.append_with_offset_delta(0, kBaseTime + 80, as_bytes_view("c0"), std::nullopt), "append");
    check(b.append_with_offset_delta(2, kBaseTime + 81, as_bytes_view("c1"), as_bytes_view("kept")), "append");
    s.add(check(b.build(), "build"));
  }
  // 22: producer 4000 opens a transaction that is still open at the end of the log.
  s.data(producer(4000, 0, 0, true), {{kBaseTime + 90, "o0", "open", {}}});

  write(dir / "00000000000000000000.log", s.log);
  write(dir / "bad-index" / "00000000000000000000.log", s.log);

  // Indexes as LogSegment.append writes them: (batch last offset, batch position), (max timestamp
  // so far, offset of the batch holding it).
  {
    auto index = check(storage::OffsetIndex::open(dir / "00000000000000000000.index", Offset{0}), "index");
    auto time = check(storage::TimeIndex::open(dir / "00000000000000000000.timeindex", Offset{0}), "timeindex");
    int64_t max_ts = -1;
    for (size_t i = 0; i < s.batches.size(); ++i) {
      const auto& b = s.batches[i];
      if (i > 0) check(index.append(Offset{b.last_offset}, FilePosition{b.position}), "index append");
      if (b.max_timestamp > max_ts) {
        max_ts = b.max_timestamp;
        check(time.maybe_append(max_ts, Offset{b.last_offset}), "time append");
      }
    }
    check(index.close(), "close");
    check(time.close(), "close");
  }
  // Wrong ones: an entry whose offset is not its batch's last offset; a time entry whose
  // timestamp is not the batch's, one whose offset is inside a batch, one past the log.
  {
    auto index =
        check(storage::OffsetIndex::open(dir / "bad-index" / "00000000000000000000.index", Offset{0}), "index");
    check(index.append(Offset{4}, FilePosition{s.batches[1].position}), "append");
    check(index.append(Offset{5}, FilePosition{s.batches[1].position}), "append");  // batch ends at 4
    check(index.append(Offset{8}, FilePosition{s.batches[3].position}), "append");
    check(index.append(Offset{9}, FilePosition{s.batches[3].position}), "append");  // batch ends at 8
    check(index.close(), "close");
    auto time = check(storage::TimeIndex::open(dir / "bad-index" / "00000000000000000000.timeindex", Offset{0}), "ti");
    check(time.maybe_append(kBaseTime + 11, Offset{4}), "append");
    check(time.maybe_append(kBaseTime + 25, Offset{6}), "append");   // batch max is +21
    check(time.maybe_append(kBaseTime + 30, Offset{7}), "append");   // not a batch's last offset
    check(time.maybe_append(kBaseTime + 99, Offset{40}), "append");  // past the log
    check(time.close(), "close");
  }

  // The producer state, replayed from the log as recovery would, and the txn index it yields.
  {
    fs::remove(dir / "00000000000000000000.txnindex");
    auto txn_index = check(storage::TransactionIndex::open(dir / "00000000000000000000.txnindex", Offset{0}), "txn");
    auto psm = check(storage::ProducerStateManager::open(dir), "psm");
    check(psm.truncate_fully_and_start_at(Offset{0}), "truncate");
    for (const auto& b : s.batches) {
      auto view = check(record::RecordBatchView::parse(bytes_view(s.log).subspan(
                            static_cast<size_t>(b.position),
                            static_cast<size_t>(load_be<uint32_t>(s.log.data() + b.position + 8)) + 12)),
                        "parse");
      auto aborted = check(psm.replay_batch(view), "replay");
      if (aborted) check(txn_index.append(*aborted), "txn append");
    }
    check(psm.take_snapshot(), "snapshot");
    check(txn_index.close(), "close");
  }
  std::printf("wrote %s\n", dir.c_str());
  return 0;
}
