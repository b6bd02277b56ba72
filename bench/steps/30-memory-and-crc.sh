#!/usr/bin/env bash
# Limit: memcpy bandwidth, in and out of cache; and CRC32C throughput (every produced batch is
# checked) as a ratio to it. Both from strata_microbench (bench/microbench.cpp).
set -euo pipefail
# shellcheck source=bench/lib.sh
source "$BENCH_SRC/lib.sh"

bin=$BENCH_OUT/strata_microbench
[[ -x $bin ]] || die "$bin not built; run: cmake --build $BUILD_DIR --target strata_microbench"

json=$BENCH_RAW/microbench.json
"$bin" --benchmark_min_time=0.3 --benchmark_repetitions=3 --benchmark_report_aggregates_only=true \
  --benchmark_out="$json" --benchmark_out_format=json >"$BENCH_RAW/microbench.txt" 2>&1 ||
  die "strata_microbench failed: $(tail -5 "$BENCH_RAW/microbench.txt")"

hw=$(extract gbench-context "$json" crc32c_hardware_accelerated)
if [[ $hw == true ]]; then path="SSE4.2"; else path="no SSE4.2: portable"; fi

add_row --id memcpy_large --figure "memcpy 64 MiB (out of cache)" \
  --value "$(extract gbench "$json" memcpy/67108864/real_time)" --unit MB/s \
  --source strata_microbench
add_row --id memcpy_small --figure "memcpy 64 KiB (in cache)" \
  --value "$(extract gbench "$json" memcpy/65536/real_time)" --unit MB/s --source strata_microbench
add_row --id crc32c_hw_1m --figure "CRC32C 1 MiB ($path)" \
  --value "$(extract gbench "$json" crc32c_hw/1048576/real_time)" --unit MB/s \
  --ratio-to memcpy_large --source strata_microbench
add_row --id crc32c_hw_64k --figure "CRC32C 64 KiB ($path)" \
  --value "$(extract gbench "$json" crc32c_hw/65536/real_time)" --unit MB/s \
  --ratio-to memcpy_small --source strata_microbench
add_row --id crc32c_portable_1m --figure "CRC32C 1 MiB (portable, slicing-by-8)" \
  --value "$(extract gbench "$json" crc32c_portable/1048576/real_time)" --unit MB/s \
  --ratio-to memcpy_large --source strata_microbench
