#!/usr/bin/env bash
# The broker end to end: a real `strata broker` on loopback (one partition per topic), driven by
# strata_kafka_bench (bench/kafka_bench.cpp, librdkafka, one connection per client):
# - produce throughput of 1 KiB and 100 B records, acks=1 and acks=all, linger 5 ms, 1 MB batches,
#   against the produce ceiling min(loopback TCP, disk buffered write) of steps 10 and 20
#   (target, issue 4: >= 0.5 with 1 KiB records);
# - consume throughput of the 1 KiB records from the log start (page cache), against loopback TCP;
# - end-to-end latency (produce call -> consumer) at a fixed 10,000 records/s of 100 B, acks=1,
#   linger 0, fetch.wait.max.ms=5 (target: p99 < 5 ms).
set -euo pipefail
# shellcheck source=bench/lib.sh
source "$BENCH_SRC/lib.sh"

tool=$BUILD_DIR/bench/strata_kafka_bench
[[ -x $tool ]] || die "$tool not built; run: cmake --build $BUILD_DIR --target strata_kafka_bench"

RECORDS_1K=${BENCH_BROKER_RECORDS:-1000000}
RECORDS_100=${BENCH_BROKER_SMALL_RECORDS:-2000000}
LATENCY_RATE=${BENCH_LATENCY_RATE:-10000}
LATENCY_SECONDS=${BENCH_LATENCY_SECONDS:-10}
TOOL_TIMEOUT_S=30

start_broker broker-bench num.partitions=1
bootstrap=127.0.0.1:$BROKER_PORT

# bench NAME MODE ARGS...: runs the tool, keeps its JSON in $BENCH_RAW/kafka-bench-NAME.json.
bench() {
  local name=$1
  shift
  local out=$BENCH_RAW/kafka-bench-$name.json
  "$tool" "$@" --bootstrap "$bootstrap" --timeout-s "$TOOL_TIMEOUT_S" >"$out" 2>>"$BENCH_RAW/kafka-bench.log" ||
    die "strata_kafka_bench $* failed: $(tail -3 "$BENCH_RAW/kafka-bench.log")"
  log "  $name: $(cat "$out")"
}
# field NAME KEY: one value of a run's JSON.
field() { python3 -c 'import json, sys; print(json.load(open(sys.argv[1]))[sys.argv[2]])' "$BENCH_RAW/kafka-bench-$1.json" "$2"; }

# Latency first, on a quiet broker: after the throughput runs the kernel is still writing their
# gigabytes back to disk, which a moderate rate should not be measured against; `sync` first for
# the same reason (step 40 leaves up to gigabytes of dirty pages).
sync
bench latency latency --topic bench-latency --rate "$LATENCY_RATE" --seconds "$LATENCY_SECONDS" --size 100 \
  --acks 1 --linger-ms 0 --fetch-wait-ms 5 --warmup-s 1
bench produce-1k-acks1 produce --topic bench-1k-acks1 --size 1024 --count "$RECORDS_1K" --acks 1
# Read back at once: later runs' gigabytes would have the kernel writing back dirty pages meanwhile.
bench consume-1k consume --topic bench-1k-acks1 --count "$RECORDS_1K"
bench produce-1k-acksall produce --topic bench-1k-acksall --size 1024 --count "$RECORDS_1K" --acks all
bench produce-100-acks1 produce --topic bench-100-acks1 --size 100 --count "$RECORDS_100" --acks 1
bench produce-100-acksall produce --topic bench-100-acksall --size 100 --count "$RECORDS_100" --acks all

# The produce ceiling: the lower of the loopback and buffered disk limits measured by steps 10 and
# 20 in this run (whichever of them is there if one failed; no row if both did).
limit=$(python3 - "$BENCH_ROWS" <<'EOF'
import glob, json, sys
values = {}
for path in glob.glob(sys.argv[1] + "/*.json"):
    for row in json.load(open(path)):
        if row["id"] in ("loopback_tcp", "disk_write_buffered"):
            values[row["id"]] = row["value"]
print(min(values.values()) if values else "")
EOF
)
if [[ -n $limit ]]; then
  add_row --id produce_limit --figure "produce ceiling: min(loopback TCP, disk seq write buffered)" \
    --value "$limit" --unit MB/s --note "the lower of the two limits above"
else
  log "no loopback_tcp or disk_write_buffered row: the produce rows have no ratio"
fi

for run in 1k-acks1 1k-acksall 100-acks1 100-acksall; do
  size=${run%%-*}
  acks=${run#*-acks}
  label="1 KiB"
  [[ $size == 100 ]] && label="100 B"
  add_row --id "broker_produce_${size}_acks${acks}" \
    --figure "broker produce, $label records, acks=$acks, linger 5 ms" \
    --value "$(field "produce-$run" mb_per_s)" --unit MB/s --ratio-to produce_limit --source strata_kafka_bench
done
for run in 100-acks1 100-acksall; do
  acks=${run#*-acks}
  add_row --id "broker_produce_100_acks${acks}_records" --figure "broker produce, 100 B records, acks=$acks" \
    --value "$(field "produce-$run" records_per_s)" --unit records/s --source strata_kafka_bench \
    --note "records per second, same run"
done
add_row --id broker_consume_1k --figure "broker consume from the log start, 1 KiB records" \
  --value "$(field consume-1k mb_per_s)" --unit MB/s --ratio-to loopback_tcp --source strata_kafka_bench

# The rates as the table prints numbers: 10,000.
target=$(python3 -c 'import sys; print(f"{int(sys.argv[1]):,}")' "$LATENCY_RATE")
achieved=$(python3 -c 'import sys; print(f"{float(sys.argv[1]):,.0f}")' "$(field latency achieved_rate)")
for q in p50 p99 p999 max; do
  note="produce call -> consumer, $achieved records/s achieved, acks=1"
  [[ $q == p99 ]] && note="$note; target < 5 ms"
  add_row --id "broker_latency_$q" --figure "broker end-to-end latency $q, 100 B records at $target/s" \
    --value "$(field latency "${q}_ms")" --unit ms --source strata_kafka_bench --note "$note"
done
