// Object-store figures for `make bench` (bench/steps/50-objstore.sh): PUT and GET throughput of
// 4 MiB and 64 MiB objects through Strata's client (ObjectStore::put of a buffer, get() into a
// counting sink, checksums verified as always), and 4 KiB PUT / GET latency, against the store at
// URL (credentials from the environment, as `strata objstore` takes them).
//
//   strata_objstore_bench URL [--large-runs N] [--small-ops N] [--config rsm.config.s3.KEY=VALUE ...]
//
// --config sets a backend key as the broker's configuration would (to measure a tuning option).
//
// Prints one JSON object: {"put_4m_mib_s": ..., "get_4m_mib_s": ..., "put_64m_mib_s": ...,
// "get_64m_mib_s": ..., "upload_64m_mib_s": ..., "put_4k_p50_ms": ..., "put_4k_p99_ms": ..., "get_4k_p50_ms": ...,
// "get_4k_p99_ms": ...}. Throughputs are the median over the runs; every loop is bounded by a count
// and by kFigureTimeLimit. The objects are deleted at the end.
#include <algorithm>
#include <asio/io_context.hpp>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <memory>
#include <optional>
#include <random>
#include <string>
#include <vector>

#include "objstore/open_url.h"
#include "objstore/run_blocking.h"

namespace {

using namespace strata;
using namespace strata::objstore;
using Stopwatch = std::chrono::steady_clock;

constexpr size_t kMiB = 1024 * 1024;
constexpr size_t kSmallSize = 4096;
constexpr size_t kWriteSize = 8 * kMiB;
constexpr auto kFigureTimeLimit = std::chrono::seconds(20);
constexpr double kP50 = 0.5;
constexpr double kP99 = 0.99;
constexpr double kMsPerS = 1e3;

[[noreturn]] void fail(const std::string& what) {
  std::fprintf(stderr, "objstore_bench: %s\n", what.c_str());
  std::exit(1);
}

template <class T>
T must(result<T> r, const std::string& what) {
  if (!r) fail(what + ": " + r.error().to_string());
  return std::move(r).value();
}

double seconds_since(Stopwatch::time_point t0) { return std::chrono::duration<double>(Stopwatch::now() - t0).count(); }

double quantile(std::vector<double> v, double q) {
  if (v.empty()) return 0;
  std::sort(v.begin(), v.end());
  return v[static_cast<size_t>(q * static_cast<double>(v.size() - 1))];
}

bytes random_bytes(size_t size, uint64_t seed) {
  std::mt19937_64 rng(seed);
  bytes out(size);
  for (auto& b : out) b = static_cast<std::byte>(rng());
  return out;
}

class Bench {
 public:
  explicit Bench(ObjectStore& store) : store_(store) {}

  // Median MiB/s of PUTs and GETs of one object of `size` bytes, `runs` times each.
  std::pair<double, double> throughput(size_t size, int runs) {
    const bytes data = random_bytes(size, size);
    const std::string key = "bench/large-" + std::to_string(size / kMiB) + "m";
    keys_.push_back(key);
    std::vector<double> put_rates;
    std::vector<double> get_rates;
    const auto start = Stopwatch::now();
    for (int i = 0; i < runs && Stopwatch::now() - start < kFigureTimeLimit; ++i) {
      auto t0 = Stopwatch::now();
      must(run_blocking(io_, store_.put(key, data)), "put " + key);
      put_rates.push_back(static_cast<double>(size) / kMiB / seconds_since(t0));
      uint64_t received = 0;
      Sink count = [&received](bytes_view chunk) -> asio::awaitable<result<void>> {
        received += chunk.size();
        co_return success();
      };
      t0 = Stopwatch::now();
      must(run_blocking(io_, store_.get(key, count)), "get " + key);
      get_rates.push_back(static_cast<double>(size) / kMiB / seconds_since(t0));
      if (received != size) fail("get " + key + ": short read");
    }
    return {quantile(put_rates, kP50), quantile(get_rates, kP50)};
  }

  // Median MiB/s of streamed uploads (start_upload, 8 MiB writes, complete) of `size` bytes: a
  // multipart upload, parts sent upload_parallelism at a time, as segments are uploaded.
  double streamed_upload(size_t size, int runs) {
    const bytes data = random_bytes(size, size + 1);
    const std::string key = "bench/streamed-" + std::to_string(size / kMiB) + "m";
    keys_.push_back(key);
    std::vector<double> rates;
    const auto start = Stopwatch::now();
    for (int i = 0; i < runs && Stopwatch::now() - start < kFigureTimeLimit; ++i) {
      const auto t0 = Stopwatch::now();
      std::unique_ptr<Upload> up = must(run_blocking(io_, store_.start_upload(key)), "start upload " + key);
      for (size_t offset = 0; offset < size; offset += kWriteSize) {
        const bytes_view piece(data.data() + offset, std::min(kWriteSize, size - offset));
        must(run_blocking(io_, up->write(piece)), "write " + key);
      }
      must(run_blocking(io_, up->complete()), "complete " + key);
      rates.push_back(static_cast<double>(size) / kMiB / seconds_since(t0));
    }
    return quantile(rates, kP50);
  }

  // Latencies in ms of `ops` PUTs of distinct 4 KiB objects, then of GETs of each.
  std::pair<std::vector<double>, std::vector<double>> small_latency(int ops) {
    const bytes data = random_bytes(kSmallSize, 4);
    std::vector<double> puts;
    std::vector<double> gets;
    const auto start = Stopwatch::now();
    for (int i = 0; i < ops && Stopwatch::now() - start < kFigureTimeLimit; ++i) {
      const std::string key = "bench/small-" + std::to_string(i);
      keys_.push_back(key);
      const auto t0 = Stopwatch::now();
      must(run_blocking(io_, store_.put(key, data)), "put " + key);
      puts.push_back(seconds_since(t0) * kMsPerS);
    }
    for (size_t i = 0; i < puts.size() && Stopwatch::now() - start < 2 * kFigureTimeLimit; ++i) {
      const auto t0 = Stopwatch::now();
      must(run_blocking(io_, get_bytes(store_, "bench/small-" + std::to_string(i))), "get small");
      gets.push_back(seconds_since(t0) * kMsPerS);
    }
    return {puts, gets};
  }

  void cleanup() {
    std::vector<std::string> keys = keys_;
    must(run_blocking(io_, store_.remove_batch(std::move(keys))), "delete");
  }

 private:
  asio::io_context io_;
  ObjectStore& store_;
  std::vector<std::string> keys_;
};

}  // namespace

int main(int argc, char** argv) {
  if (argc < 2) fail("usage: strata_objstore_bench URL [--large-runs N] [--small-ops N] [--config KEY=VALUE]");
  int large_runs = 5;
  int small_ops = 200;
  OpenUrlOptions options;
  for (int i = 2; i + 1 < argc; i += 2) {
    const std::string flag = argv[i];
    if (flag == "--large-runs") {
      large_runs = std::atoi(argv[i + 1]);
    } else if (flag == "--small-ops") {
      small_ops = std::atoi(argv[i + 1]);
    } else if (flag == "--config") {
      const std::string setting = argv[i + 1];
      const size_t eq = setting.find('=');
      if (eq == std::string::npos) fail("--config takes KEY=VALUE, not " + setting);
      options.config[setting.substr(0, eq)] = setting.substr(eq + 1);
    } else {
      fail("unknown flag " + flag);
    }
  }
  OpenedUrl opened = must(open_url(argv[1], options), argv[1]);
  Bench bench(*opened.store);
  const auto [put4, get4] = bench.throughput(4 * kMiB, 2 * large_runs);
  const auto [put64, get64] = bench.throughput(64 * kMiB, large_runs);
  const double upload64 = bench.streamed_upload(64 * kMiB, large_runs);
  const auto [puts, gets] = bench.small_latency(small_ops);
  bench.cleanup();
  std::printf(
      "{\"put_4m_mib_s\": %.1f, \"get_4m_mib_s\": %.1f, \"put_64m_mib_s\": %.1f, \"get_64m_mib_s\": %.1f, "
      "\"put_4k_p50_ms\": %.3f, \"put_4k_p99_ms\": %.3f, \"get_4k_p50_ms\": %.3f, \"get_4k_p99_ms\": %.3f, "
      "\"upload_64m_mib_s\": %.1f, \"small_ops\": %zu}\n",
      put4, get4, put64, get64, quantile(puts, kP50), quantile(puts, kP99), quantile(gets, kP50), quantile(gets, kP99),
      upload64, puts.size());
  return 0;
}
