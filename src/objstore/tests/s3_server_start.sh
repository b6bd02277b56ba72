#!/usr/bin/env bash
# ctest fixture (s3_server_start): starts the real, signature-checking S3 server
# (/work/shared/tools/real-s3, Ceph RGW) for s3_object_store_test on a non-default port with its data
# under the build directory. Fails loudly, so that the tests that need it fail too (never skip).
#
#   s3_server_start.sh TOOLS_DIR DATA_DIR RGW_PORT MON_PORT
set -euo pipefail
TOOLS=$1 DATA=$2 PORT=$3 MON_PORT=$4
if [[ ! -x $TOOLS/start.sh ]]; then
  echo "s3_server_start: $TOOLS/start.sh not found: the S3 tests cannot run" >&2
  exit 1
fi
# A data dir left by an interrupted run would keep its old settings: start clean.
"$TOOLS/stop.sh" --wipe "$DATA" >/dev/null 2>&1 || true
mkdir -p "$(dirname "$DATA")"
endpoint=$(REAL_S3_PORT=$PORT REAL_S3_MON_PORT=$MON_PORT REAL_S3_SIZE_GB=4 "$TOOLS/start.sh" "$DATA")
if [[ $endpoint != "http://127.0.0.1:$PORT" ]]; then
  echo "s3_server_start: start.sh printed '$endpoint', expected http://127.0.0.1:$PORT" >&2
  exit 1
fi
echo "s3_server_start: $endpoint (data $DATA)"
