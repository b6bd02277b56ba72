#!/usr/bin/env bash
# Runs every libFuzzer target of a fuzz build for a bounded time each.
#   scripts/run-fuzz.sh BUILD_DIR SECONDS
# Each target starts from its committed corpus (src/<module>/fuzz/corpus) and works in a scratch
# copy, so a CI run never rewrites the repository. A crash leaves its input in BUILD_DIR/fuzz-artifacts
# and fails the run.
set -euo pipefail
build_dir=${1:?usage: run-fuzz.sh BUILD_DIR SECONDS}
seconds=${2:-60}
root=$(cd "$(dirname "$0")/.." && pwd)

targets=(
  "fuzz_request_decoder:src/protocol/fuzz/corpus"
)

mkdir -p "$build_dir/fuzz-artifacts"
for entry in "${targets[@]}"; do
  target=${entry%%:*}
  corpus=$root/${entry#*:}
  work=$build_dir/fuzz-work/$target
  rm -rf "$work" && mkdir -p "$work" && cp "$corpus"/* "$work"/
  echo "fuzz: $target for ${seconds}s from $(ls "$corpus" | wc -l) corpus inputs"
  log=$build_dir/fuzz-artifacts/$target.log
  status=0
  ASAN_OPTIONS=detect_leaks=1:allocator_may_return_null=1 \
    "$build_dir/$target" -max_total_time="$seconds" -rss_limit_mb=2048 -max_len=65536 -timeout=10 \
    -print_final_stats=1 -artifact_prefix="$build_dir/fuzz-artifacts/" "$work" >"$log" 2>&1 || status=$?
  tail -n 15 "$log"
  if [[ $status -ne 0 ]]; then
    echo "fuzz: $target FAILED (exit $status); reproducer in $build_dir/fuzz-artifacts/"
    exit 1
  fi
done
echo "fuzz: all targets ran without a finding"
