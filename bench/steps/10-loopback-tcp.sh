#!/usr/bin/env bash
# Limit: TCP bandwidth over loopback, one stream, iperf3 (client and server on this machine).
# The ceiling for anything Strata serves to a client on the same host.
set -euo pipefail
# shellcheck source=bench/lib.sh
source "$BENCH_SRC/lib.sh"
require_tool iperf3

SECONDS_TO_RUN=5
port=$(free_port)
iperf3 --server --one-off --bind 127.0.0.1 --port "$port" >"$BENCH_RAW/iperf3-server.log" 2>&1 &
server=$!
trap 'kill "$server" 2>/dev/null || true' EXIT

# The server needs a moment to listen; a client that finds no listener fails at once. With
# --json, iperf3 3.12 exits 0 even when it could not connect, so success is read from the JSON.
ok=0
for _ in $(seq 1 50); do
  iperf3 --client 127.0.0.1 --port "$port" --time "$SECONDS_TO_RUN" --json \
    >"$BENCH_RAW/iperf3.json" 2>>"$BENCH_RAW/iperf3-client.log" || true
  if extract iperf3 "$BENCH_RAW/iperf3.json" >/dev/null 2>&1; then
    ok=1
    break
  fi
  sleep 0.2
done
((ok)) || die "iperf3 client failed: $(tail -c 300 "$BENCH_RAW/iperf3.json")"

add_row --id loopback_tcp --figure "loopback TCP, 1 stream (iperf3)" \
  --value "$(extract iperf3 "$BENCH_RAW/iperf3.json")" --unit MB/s --source iperf3
