#!/usr/bin/env bash
# ctest fixture (s3_server_stop): stops the S3 server s3_server_start.sh started and deletes its data.
#
#   s3_server_stop.sh TOOLS_DIR DATA_DIR
set -uo pipefail
TOOLS=$1 DATA=$2
"$TOOLS/stop.sh" --wipe "$DATA"
