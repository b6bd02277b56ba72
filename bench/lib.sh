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

# start_broker NAME [key=value ...]: starts `strata broker` from $BUILD_DIR on a free loopback port
# with its data in $BENCH_RAW/NAME (removed at exit) and the given extra properties; waits until it
# listens. Sets BROKER_PORT and BROKER_PID; the step's EXIT trap stops it (see stop_broker).
start_broker() {
  local name=$1
  shift
  local strata=$BUILD_DIR/strata
  [[ -x $strata ]] || die "$strata not built; run: cmake --build $BUILD_DIR --target strata"
  BROKER_DIR=$BENCH_RAW/$name
  rm -rf "$BROKER_DIR"
  mkdir -p "$BROKER_DIR"
  BROKER_PORT=$(free_port)
  {
    echo "node.id=1"
    echo "listeners=PLAINTEXT://127.0.0.1:$BROKER_PORT"
    echo "log.dirs=$BROKER_DIR/data"
    echo "admin.listener="
    printf '%s\n' "$@"
  } >"$BROKER_DIR/server.properties"
  "$strata" broker --config "$BROKER_DIR/server.properties" >"$BENCH_RAW/$name.log" 2>&1 &
  BROKER_PID=$!
  trap stop_broker EXIT
  for _ in $(seq 1 100); do
    grep -q "Listening for Kafka clients" "$BENCH_RAW/$name.log" && return 0
    kill -0 "$BROKER_PID" 2>/dev/null || die "strata broker exited: $(tail -5 "$BENCH_RAW/$name.log")"
    sleep 0.1
  done
  die "strata broker did not start within 10 s: $(tail -5 "$BENCH_RAW/$name.log")"
}

stop_broker() {
  kill "$BROKER_PID" 2>/dev/null || true
  wait "$BROKER_PID" 2>/dev/null || true
  rm -rf "$BROKER_DIR"
}
