#!/usr/bin/env bash
# ctest fixture (azurite_stop): stops the Azurite that azurite_start.sh started in DATA_DIR (by its
# recorded pid, never by name) and deletes its data.
#
#   azurite_stop.sh DATA_DIR
set -uo pipefail
DATA=$1
if [[ -f $DATA/pid ]]; then
  pid=$(cat "$DATA/pid")
  kill "$pid" 2>/dev/null
  for _ in $(seq 1 50); do
    kill -0 "$pid" 2>/dev/null || break
    sleep 0.1
  done
  kill -9 "$pid" 2>/dev/null
fi
rm -rf "$DATA"
