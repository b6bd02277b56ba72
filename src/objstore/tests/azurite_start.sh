#!/usr/bin/env bash
# ctest fixture (azurite_start): starts Azurite's blob service (npm package azurite, installed into
# tools/node_modules by scripts/install-deps.sh) on a free loopback port, with its data under the
# build directory and strict mode (no --loose: unknown headers are refused, SharedKey signatures
# are checked), and creates the test container. Writes the port to DATA_DIR/port and the pid to
# DATA_DIR/pid. Fails loudly, so that the tests that need it fail too (never skip).
#
#   azurite_start.sh AZURITE_BLOB_BIN DATA_DIR CONTAINER
set -euo pipefail
BIN=$1 DATA=$2 CONTAINER=$3
HERE=$(cd "$(dirname "$0")" && pwd)
if [[ ! -x $BIN ]]; then
  echo "azurite_start: $BIN not found: run scripts/install-deps.sh (npm ci in tools/)" >&2
  exit 1
fi
# A data dir left by an interrupted run: stop its server and start clean.
"$HERE/azurite_stop.sh" "$DATA" >/dev/null 2>&1 || true
mkdir -p "$DATA"
# Port 0: the kernel picks a free one, and Azurite prints it. The log exists before the server
# starts: the background job opens its redirection only when it gets to run, which on a loaded
# machine can be after the first look at the log below.
: >"$DATA/azurite.log"
setsid "$BIN" --blobHost 127.0.0.1 --blobPort 0 --location "$DATA" --disableTelemetry --silent \
  >"$DATA/azurite.log" 2>&1 </dev/null &
echo $! >"$DATA/pid"
port=""
for _ in $(seq 1 300); do
  port=$(sed -n 's|.*successfully listens on http://127\.0\.0\.1:\([0-9]*\).*|\1|p' "$DATA/azurite.log")
  [[ -n $port ]] && break
  if ! kill -0 "$(cat "$DATA/pid")" 2>/dev/null; then
    echo "azurite_start: Azurite exited:" >&2
    cat "$DATA/azurite.log" >&2
    exit 1
  fi
  sleep 0.1
done
if [[ -z $port ]]; then
  echo "azurite_start: Azurite did not start within 30 s:" >&2
  cat "$DATA/azurite.log" >&2
  exit 1
fi
echo "$port" >"$DATA/port"
node "$HERE/azurite_create_container.js" "http://127.0.0.1:$port/devstoreaccount1" "$CONTAINER"
echo "azurite_start: http://127.0.0.1:$port/devstoreaccount1 (container $CONTAINER, data $DATA, pid $(cat "$DATA/pid"))"
