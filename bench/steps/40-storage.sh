#!/usr/bin/env bash
# Storage engine: append throughput through PartitionLog (1 KiB records in 16 KiB and 1 MiB
# batches; no flush policy, and flush.ms=1000 with flushes on a second thread), each run ending
# with a flush of everything so it compares with fio's "buffered + final fsync"; sequential read
# throughput from the page cache against memcpy; offset and timestamp lookup latency.
# From strata_storage_bench (bench/storage_bench.cpp), on the disk that holds the build directory.
set -euo pipefail
# shellcheck source=bench/lib.sh
source "$BENCH_SRC/lib.sh"

bin=$BENCH_OUT/strata_storage_bench
[[ -x $bin ]] || die "$bin not built; run: cmake --build $BUILD_DIR --target strata_storage_bench"
dir=$BENCH_RAW/storage-bench-data
trap 'rm -rf "$dir"' EXIT

"$bin" "$dir" --mib 512 >"$BENCH_RAW/storage-bench.json" 2>"$BENCH_RAW/storage-bench.log" ||
  die "strata_storage_bench failed: $(tail -5 "$BENCH_RAW/storage-bench.log")"
get() { python3 -c "import json,sys; print(json.load(open(sys.argv[1]))[sys.argv[2]])" "$BENCH_RAW/storage-bench.json" "$1"; }

add_row --id storage_append_16k --figure "append 1 KiB records, 16 KiB batches, no flush policy" \
  --value "$(get append_16k_mb_s)" --unit MB/s --ratio-to disk_write_buffered --source strata_storage_bench
add_row --id storage_append_1m --figure "append 1 KiB records, 1 MiB batches, no flush policy" \
  --value "$(get append_1m_mb_s)" --unit MB/s --ratio-to disk_write_buffered --source strata_storage_bench
add_row --id storage_append_16k_flush_ms --figure "append 16 KiB batches, flush.ms=1000" \
  --value "$(get append_16k_flush_ms_mb_s)" --unit MB/s --ratio-to disk_write_buffered --source strata_storage_bench
add_row --id storage_append_1m_flush_ms --figure "append 1 MiB batches, flush.ms=1000" \
  --value "$(get append_1m_flush_ms_mb_s)" --unit MB/s --ratio-to disk_write_buffered --source strata_storage_bench
add_row --id storage_read_seq --figure "sequential read, 1 MiB reads (page cache)" \
  --value "$(get read_mb_s)" --unit MB/s --ratio-to memcpy_large --source strata_storage_bench
add_row --id storage_compaction --figure "compaction, source MB/s (20k keys, ~6 versions each)" \
  --value "$(get clean_mb_s)" --unit MB/s --ratio-to disk_write_buffered --source strata_storage_bench
add_row --id storage_offset_lookup --figure "offset lookup (index + scan), per lookup" \
  --value "$(get offset_lookup_us)" --unit us --source strata_storage_bench --note "latency, no limit"
add_row --id storage_timestamp_lookup --figure "timestamp lookup (time index + batch), per lookup" \
  --value "$(get timestamp_lookup_us)" --unit us --source strata_storage_bench --note "latency, no limit"
