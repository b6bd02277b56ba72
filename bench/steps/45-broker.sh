#!/usr/bin/env bash
# The broker end to end: a real `strata broker` on loopback, driven by kcat (librdkafka). Produce
# throughput of 1 KiB records (acks=1 and acks=all, lz4 off) and consume throughput of the same
# records from the start of the log (page cache), each as a ratio to loopback TCP (iperf3, step
# 10), the ceiling for any client on this host. kcat's own cost (it reads lines from a file and
# writes each consumed record) is inside the figure: this is what a user measures with kcat.
set -euo pipefail
# shellcheck source=bench/lib.sh
source "$BENCH_SRC/lib.sh"
require_tool kcat

RECORDS=${BENCH_BROKER_RECORDS:-300000}
RECORD_BYTES=1000

start_broker broker-bench num.partitions=1
port=$BROKER_PORT
dir=$BROKER_DIR

python3 -c "
import sys
line = b'x' * ($RECORD_BYTES - 1) + b'\n'
with open(sys.argv[1], 'wb') as f:
    for _ in range($RECORDS):
        f.write(line)" "$dir/records.txt"
mb=$(python3 -c "print($RECORDS * $RECORD_BYTES / 1e6)")

# seconds_of CMD...: wall time of a command, in seconds (its output goes to the raw log).
seconds_of() {
  local start end
  start=$(date +%s.%N)
  "$@" >>"$BENCH_RAW/broker-bench-kcat.log" 2>&1 || die "failed: $* ($(tail -3 "$BENCH_RAW/broker-bench-kcat.log"))"
  end=$(date +%s.%N)
  python3 -c "print(max($end - $start, 1e-6))"
}
rate() { python3 -c "print(round($mb / $1, 1))"; }

produce() {
  kcat -b "127.0.0.1:$port" -P -t "$1" -X "acks=$2" -X linger.ms=5 -X batch.size=1000000 \
    -X queue.buffering.max.kbytes=1048576 -l "$dir/records.txt"
}
t_ack1=$(seconds_of produce bench-acks1 1)
t_ackall=$(seconds_of produce bench-acksall all)
t_consume=$(seconds_of kcat -b "127.0.0.1:$port" -C -t bench-acks1 -o beginning -e -q -c "$RECORDS" \
  -X fetch.max.bytes=52428800 -X max.partition.fetch.bytes=10485760 -f '%o\n' -o beginning)

add_row --id broker_produce_acks1 --figure "broker produce, 1 KiB records, acks=1 (kcat)" \
  --value "$(rate "$t_ack1")" --unit MB/s --ratio-to loopback_tcp --source kcat
add_row --id broker_produce_acksall --figure "broker produce, 1 KiB records, acks=all (kcat)" \
  --value "$(rate "$t_ackall")" --unit MB/s --ratio-to loopback_tcp --source kcat
add_row --id broker_consume --figure "broker consume from the log start, 1 KiB records (kcat)" \
  --value "$(rate "$t_consume")" --unit MB/s --ratio-to loopback_tcp --source kcat
