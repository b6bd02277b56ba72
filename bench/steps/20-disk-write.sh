#!/usr/bin/env bash
# Limits: sequential write bandwidth of the disk that holds the build directory (where a dev
# broker's log.dirs would be), through the page cache, and with fdatasync after every write.
# The ceilings for produce throughput with Kafka's default flush policy (no fsync) and with
# flush.messages=1 style durability.
set -euo pipefail
# shellcheck source=bench/lib.sh
source "$BENCH_SRC/lib.sh"
require_tool fio

file=$BENCH_RAW/fio-testfile
trap 'rm -f "$file"' EXIT

run_fio() {  # run_fio NAME fio-args...
  local name=$1
  shift
  fio --name="$name" --filename="$file" --rw=write --ioengine=psync --direct=0 \
    --output-format=json --output="$BENCH_RAW/fio-$name.json" "$@" >/dev/null
  rm -f "$file"
}

# 512 MiB in 1 MiB writes; the final fsync is counted, so this is what reaches the disk, not
# only the page cache.
run_fio buffered --bs=1M --size=512M --end_fsync=1
# 1 MiB writes, each followed by fdatasync (what flushing every produce batch of ~1 MiB costs).
run_fio fdatasync-1m --bs=1M --size=256M --fdatasync=1 --runtime=10
# 4 KiB writes, each followed by fdatasync: the rate of durable small appends.
run_fio fdatasync-4k --bs=4k --size=64M --fdatasync=1 --runtime=5

add_row --id disk_write_buffered --figure "disk seq write 1 MiB, buffered + final fsync (fio)" \
  --value "$(extract fio "$BENCH_RAW/fio-buffered.json")" --unit MB/s --source fio
add_row --id disk_write_fdatasync_1m --figure "disk seq write 1 MiB, fdatasync each (fio)" \
  --value "$(extract fio "$BENCH_RAW/fio-fdatasync-1m.json")" --unit MB/s --source fio
add_row --id disk_write_fdatasync_4k --figure "disk write 4 KiB + fdatasync, per second (fio)" \
  --value "$(extract fio "$BENCH_RAW/fio-fdatasync-4k.json" --iops)" --unit writes/s --source fio
