#!/usr/bin/env bash
# Capture golden Kafka request frames from kcat (librdkafka) and kafka-python.
#
# For each client step a fresh fake broker (fake_broker.py) is started on a free
# 127.0.0.1 port, the client is run with a bounded timeout, and the broker is
# stopped.  Raw request frames land in $OUT_DIR as <client>_<Api>_v<N>[_<suffix>].bin
# (first occurrence only).  Then decode_facts.py writes facts.json and refreshes
# the facts section of README.md.
#
# Usage: tools/capture-golden/capture.sh            (writes src/protocol/tests/golden)
#        OUT_DIR=/tmp/x tools/capture-golden/capture.sh
# Needs: kcat, python3-kafka (Debian), /usr/bin/python3, the Kafka message schemas
#        (KAFKA_PROTOCOL_MESSAGES, default ../shared/kafka-protocol/messages next to the repo).
set -euo pipefail

HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
ROOT="$(cd "$HERE/../.." && pwd)"
OUT_DIR="${OUT_DIR:-$ROOT/src/protocol/tests/golden}"
PY=/usr/bin/python3
WORK="$(mktemp -d)"
BROKER_PID=""

cleanup() {
  if [[ -n "$BROKER_PID" ]]; then kill "$BROKER_PID" 2>/dev/null || true; wait "$BROKER_PID" 2>/dev/null || true; fi
  rm -rf "$WORK"
}
trap cleanup EXIT

start_broker() { # label suffix suffix-apis nth
  rm -f "$WORK/port"
  "$PY" "$HERE/fake_broker.py" --out-dir "$OUT_DIR" --port-file "$WORK/port" \
    --label "$1" --suffix "$2" --suffix-apis "$3" --nth "$4" 2>>"$WORK/broker.log" &
  BROKER_PID=$!
  for _ in $(seq 100); do [[ -s "$WORK/port" ]] && break; sleep 0.05; done
  PORT="$(cat "$WORK/port")"
  BROKER="127.0.0.1:$PORT"
}

stop_broker() {
  kill "$BROKER_PID"; wait "$BROKER_PID" 2>/dev/null || true; BROKER_PID=""
}

step() { # label suffix suffix-apis nth -- command...
  local label="$1" suffix="$2" apis="$3" nth="$4"; shift 5
  start_broker "$label" "$suffix" "$apis" "$nth"
  echo "== [$label${suffix:+ ($suffix)}] $*" | sed "s/BROKER/$BROKER/g"
  local cmd="${*//BROKER/$BROKER}"
  if ! timeout 60 bash -c "$cmd" >"$WORK/client.out" 2>"$WORK/client.err"; then
    echo "client step failed: $cmd" >&2; cat "$WORK/client.err" >&2; cat "$WORK/broker.log" >&2; exit 1
  fi
  sed 's/^/   | /' "$WORK/client.out"
  stop_broker
}

mkdir -p "$OUT_DIR"
rm -f "$OUT_DIR"/*.bin "$OUT_DIR"/facts.json

echo "Client packages:"; dpkg-query -W kcat librdkafka1 python3-kafka | sed 's/^/  /'

# Compressible value for the gzip runs: both clients send a batch uncompressed when
# compression would not make it smaller.
GZ="$(printf 'golden-gzip-%.0s' 1 2 3 4 5 6 7 8)"

#    label        suffix     suffix-apis nth    command (BROKER = 127.0.0.1:<port>)
# kcat / librdkafka
step kcat         ""         ""          1  -- "kcat -b BROKER -L"
step kcat         alltopics  Metadata    2  -- "kcat -b BROKER -L"
step kcat         topic      Metadata    1  -- "kcat -b BROKER -L -t golden"
step kcat         ""         ""          1  -- "printf 'k1:v1\nk2:v2\n' | kcat -b BROKER -P -t golden -p 0 -K: -X linger.ms=100"
step kcat         gzip       Produce     1  -- "printf 'k1:${GZ}1\nk2:${GZ}2\n' | kcat -b BROKER -P -t golden -p 0 -K: -X linger.ms=100 -z gzip"
step kcat         idempotent Produce     1  -- "printf 'k1:v1\nk2:v2\n' | kcat -b BROKER -P -t golden -p 0 -K: -X linger.ms=100 -X enable.idempotence=true"
step kcat         ""         ""          1  -- "kcat -b BROKER -C -t golden -p 0 -o beginning -c 2 -e -f '%k:%s @%o\n'"
step kcat         ""         ""          1  -- "kcat -b BROKER -G golden-group -X auto.offset.reset=earliest golden -c 2 -e -f '%k:%s @%o\n'"

# kafka-python
step kafka-python ""         ""          1  -- "$PY $HERE/kafka_python_client.py BROKER produce"
step kafka-python gzip       Produce     1  -- "$PY $HERE/kafka_python_client.py BROKER produce-gzip"
step kafka-python ""         ""          1  -- "$PY $HERE/kafka_python_client.py BROKER consume"
step kafka-python ""         ""          1  -- "$PY $HERE/kafka_python_client.py BROKER group-consume"

echo "Captured:"
(cd "$OUT_DIR" && for f in *.bin; do printf '  %-40s %5d bytes\n' "$f" "$(stat -c %s "$f")"; done)

"$PY" "$HERE/decode_facts.py" --dir "$OUT_DIR" --write-json --update-readme
