# shellcheck shell=bash
# Helpers for bench/run.sh and the steps in bench/steps/, which source this file. run.sh exports:
#   BENCH_SRC       this directory
#   BUILD_DIR       the build directory (absolute)
#   BENCH_OUT       $BUILD_DIR/bench: strata_microbench and results.json live here
#   BENCH_ROWS      $BENCH_OUT/rows: one JSON fragment of rows per step
#   BENCH_RAW       $BENCH_OUT/raw: the tools' own output, kept for a closer look
#   BENCH_FRAGMENT  the running step's name (its file name without .sh)

# A step killed by run.sh's time limit still runs its EXIT trap (stops servers, deletes files).
trap 'exit 143' TERM
trap 'exit 130' INT

log() { echo "bench: $*" >&2; }

die() {
  log "$*"
  exit 1
}

require_tool() {
  command -v "$1" >/dev/null 2>&1 || die "$1 not found; run scripts/install-deps.sh"
}

# add_row --id ID --figure TEXT --value V --unit UNIT [--ratio-to ID] [--source TOOL] [--note TEXT]
# Appends a row to this step's fragment; the table's ratio is value / value of row --ratio-to.
add_row() {
  python3 "$BENCH_SRC/report.py" add "$BENCH_ROWS" "$BENCH_FRAGMENT" "$@"
}

# extract iperf3 FILE | extract fio FILE [--iops] | extract gbench FILE NAME
# Prints one number (MB/s, or IOPS with --iops) taken from a tool's JSON output;
# extract gbench-context FILE KEY prints a value the benchmark binary put in its context.
extract() {
  python3 "$BENCH_SRC/report.py" extract "$@"
}

# A TCP port on 127.0.0.1 that was free a moment ago.
free_port() {
  python3 -c 'import socket
s = socket.socket()
s.bind(("127.0.0.1", 0))
print(s.getsockname()[1])'
}
