#!/usr/bin/env bash
# Measures the machine's own limits and Strata's figures in one run and prints one table of
# figures and their ratios to those limits. Usage: bench/run.sh BUILD_DIR (what `make bench` runs).
#
# Each bench/steps/NN-name.sh runs in turn, in its own process with a time limit, and writes its
# rows to BUILD_DIR/bench/rows/NN-name.json (see bench/lib.sh's add_row); bench/report.py then
# merges them into the table on stdout and BUILD_DIR/bench/results.json. Progress goes to stderr.
# A failed step does not stop the others, but the run exits non-zero. See bench/README.md.
set -euo pipefail

if (($# != 1)); then
  echo "usage: $0 BUILD_DIR" >&2
  exit 2
fi
if [[ ! -d $1 ]]; then
  echo "bench: build directory $1 does not exist; run 'make build' first" >&2
  exit 2
fi

BENCH_SRC=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
BUILD_DIR=$(cd "$1" && pwd)
BENCH_OUT=$BUILD_DIR/bench
BENCH_ROWS=$BENCH_OUT/rows
BENCH_RAW=$BENCH_OUT/raw
export BENCH_SRC BUILD_DIR BENCH_OUT BENCH_ROWS BENCH_RAW
# shellcheck source=bench/lib.sh
source "$BENCH_SRC/lib.sh"

# Per-step limit. The steps of this repository take about a minute together on 2 cores.
STEP_TIMEOUT=${BENCH_STEP_TIMEOUT:-120}

require_tool python3
rm -rf "$BENCH_ROWS" "$BENCH_RAW" "$BENCH_OUT/results.json"
mkdir -p "$BENCH_ROWS" "$BENCH_RAW"

failed=()
start=$SECONDS
for step in "$BENCH_SRC"/steps/*.sh; do
  name=$(basename "$step" .sh)
  log "step $name"
  # timeout signals the step's whole process group, so servers it started in the background die too.
  rc=0
  BENCH_FRAGMENT=$name timeout --kill-after=5 "$STEP_TIMEOUT" bash "$step" || rc=$?
  if ((rc == 124 || rc == 137)); then  # 137: killed after ignoring the TERM
    log "step $name TIMED OUT after ${STEP_TIMEOUT} s (see $BENCH_RAW)"
    failed+=("$name")
  elif ((rc != 0)); then
    log "step $name FAILED, exit $rc (see $BENCH_RAW)"
    failed+=("$name")
  fi
done
log "measured in $((SECONDS - start)) s"

if python3 "$BENCH_SRC/report.py" table "$BENCH_ROWS" --json "$BENCH_OUT/results.json"; then
  log "table written to $BENCH_OUT/results.json"
else
  failed+=(report)
fi
if ((${#failed[@]} > 0)); then
  log "failed: ${failed[*]}"
  exit 1
fi
