// Micro-benchmarks of in-process work, each reported in bytes/s so that bench/run.sh can set it
// against the machine's own limits (memcpy bandwidth above all). See bench/README.md.
//
// Names are part of bench/run.sh's interface: "<name>/<bytes>". Rates use wall-clock time, like
// the iperf3 and fio figures they are compared with.
#include <benchmark/benchmark.h>

#include <cstddef>
#include <cstdint>
#include <cstring>
#include <random>
#include <vector>

#include "base/bytes.h"
#include "base/crc32c.h"

namespace {

constexpr int64_t kKiB = 1024;
constexpr int64_t kMiB = 1024 * kKiB;

// Random contents, every page touched, so that no page fault or zero-page trick is measured.
strata::bytes random_buffer(size_t n) {
  strata::bytes b(n);
  std::mt19937_64 rng(1);
  for (size_t i = 0; i + 8 <= n; i += 8) {
    const uint64_t v = rng();
    std::memcpy(b.data() + i, &v, 8);
  }
  return b;
}

// One copy of state.range(0) bytes per iteration; bytes/s counts the bytes copied (each is read
// once and written once). 64 KiB stays in L2; 64 MiB is far beyond the last-level cache, which
// makes it the memory bandwidth limit that in-memory work on a stream of batches is held to.
void memcpy_bench(benchmark::State& state) {
  const auto n = static_cast<size_t>(state.range(0));
  const strata::bytes src = random_buffer(n);
  strata::bytes dst(n, std::byte{1});
  for (auto _ : state) {
    std::memcpy(dst.data(), src.data(), n);
    benchmark::DoNotOptimize(dst.data());
    benchmark::ClobberMemory();
  }
  state.SetBytesProcessed(state.iterations() * state.range(0));
}
BENCHMARK(memcpy_bench)->Name("memcpy")->Arg(64 * kKiB)->Arg(64 * kMiB)->UseRealTime();

template <uint32_t (*Crc)(uint32_t, strata::bytes_view)>
void crc_bench(benchmark::State& state) {
  const strata::bytes data = random_buffer(static_cast<size_t>(state.range(0)));
  uint32_t crc = 0;
  for (auto _ : state) {
    crc = Crc(0, data);
    benchmark::DoNotOptimize(crc);
  }
  state.SetBytesProcessed(state.iterations() * state.range(0));
}

// What record batch validation calls: the dispatched path (SSE4.2 on any x86-64 of the last
// decade).
uint32_t crc_dispatched(uint32_t crc, strata::bytes_view data) { return strata::crc32c::extend(crc, data); }

BENCHMARK(crc_bench<crc_dispatched>)->Name("crc32c_hw")->Arg(64 * kKiB)->Arg(1 * kMiB)->UseRealTime();
BENCHMARK(crc_bench<strata::crc32c::extend_portable>)
    ->Name("crc32c_portable")
    ->Arg(64 * kKiB)
    ->Arg(1 * kMiB)
    ->UseRealTime();

}  // namespace

int main(int argc, char** argv) {
  benchmark::Initialize(&argc, argv);
  if (benchmark::ReportUnrecognizedArguments(argc, argv)) return 1;
  benchmark::AddCustomContext("crc32c_hardware_accelerated", strata::crc32c::hardware_accelerated() ? "true" : "false");
  benchmark::RunSpecifiedBenchmarks();
  benchmark::Shutdown();
  return 0;
}
