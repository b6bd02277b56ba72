#!/usr/bin/env bash
# Object store: PUT and GET throughput of 4 MiB and 64 MiB objects through Strata's S3 client
# (strata_objstore_bench: put() of a buffer, get() into a counting sink, checksums verified), each
# as a ratio to curl moving the same object against the same server in the same run (target
# >= 0.9), and 4 KiB PUT / GET latency p50 / p99 against curl's over one kept-alive connection.
# The server is a real, signature-checking S3 gateway (Ceph RGW, ../shared/tools/real-s3) that this
# step starts on free loopback ports, in memory, and wipes at the end.
set -euo pipefail
# shellcheck source=bench/lib.sh
source "$BENCH_SRC/lib.sh"

bin=$BENCH_OUT/strata_objstore_bench
[[ -x $bin ]] || die "$bin not built; run: cmake --build $BUILD_DIR --target strata_objstore_bench"
tools=${STRATA_REAL_S3_TOOLS:-$BENCH_SRC/../../shared/tools/real-s3}
[[ -x $tools/start.sh ]] || die "$tools/start.sh not found (set STRATA_REAL_S3_TOOLS)"
require_tool curl

LARGE_RUNS=${BENCH_OBJSTORE_RUNS:-5}  # 64 MiB runs; 4 MiB runs twice as many
SMALL_OPS=${BENCH_OBJSTORE_SMALL_OPS:-200}
BUCKET=strata-test
data=$BENCH_RAW/objstore-rgw
work=$BENCH_RAW/objstore-files
trap '"$tools/stop.sh" --wipe "$data" >/dev/null 2>&1 || true; rm -rf "$work"' EXIT
mkdir -p "$work"

endpoint=$(REAL_S3_PORT=$(free_port) REAL_S3_MON_PORT=$(free_port) REAL_S3_SIZE_GB=2 "$tools/start.sh" "$data" \
  2>"$BENCH_RAW/objstore-rgw-start.log") || die "real-s3 did not start: $(tail -5 "$BENCH_RAW/objstore-rgw-start.log")"
log "objstore: RGW at $endpoint"

export AWS_ACCESS_KEY_ID=strata AWS_SECRET_ACCESS_KEY=strata-secret-key
"$bin" "s3://$BUCKET/bench-strata?endpoint=$endpoint&path_style=true" --large-runs "$LARGE_RUNS" \
  --small-ops "$SMALL_OPS" ${BENCH_OBJSTORE_CONFIG:+--config "$BENCH_OBJSTORE_CONFIG"} >"$BENCH_RAW/objstore-bench.json" 2>"$BENCH_RAW/objstore-bench.log" ||
  die "strata_objstore_bench failed: $(tail -5 "$BENCH_RAW/objstore-bench.log")"
ours() { python3 -c "import json,sys; print(json.load(open(sys.argv[1]))[sys.argv[2]])" "$BENCH_RAW/objstore-bench.json" "$1"; }

# curl, signed like our client (SigV4), with the payload unsigned (curl cannot hash it); the times
# are curl's own (-w), without its process start-up.
S3=(--aws-sigv4 "aws:amz:us-east-1:s3" --user "$AWS_ACCESS_KEY_ID:$AWS_SECRET_ACCESS_KEY"
  -H "x-amz-content-sha256: UNSIGNED-PAYLOAD" -sSf --max-time 60)
median() { sort -g | awk '{v[NR]=$1} END {if (NR == 0) exit 1; print v[int((NR + 1) / 2)]}'; }
p_of() { sort -g | awk -v q="$1" '{v[NR]=$1} END {if (NR == 0) exit 1; i=int(q*(NR-1))+1; print v[i]}'; }

# curl_throughput MIB RUNS -> "put_mib_s get_mib_s" (medians)
curl_throughput() {
  local mib=$1 runs=$2 file=$work/large-$1m url=$endpoint/$BUCKET/bench-curl/large-$1m
  head -c $((mib * 1024 * 1024)) /dev/urandom >"$file"
  local puts=() gets=() i t
  for ((i = 0; i < runs; i++)); do
    t=$(curl "${S3[@]}" -T "$file" -o /dev/null -w '%{time_total}' "$url")
    puts+=("$(awk -v m="$mib" -v t="$t" 'BEGIN {print m / t}')")
    t=$(curl "${S3[@]}" -o /dev/null -w '%{time_total}' "$url")
    gets+=("$(awk -v m="$mib" -v t="$t" 'BEGIN {print m / t}')")
  done
  curl "${S3[@]}" -X DELETE -o /dev/null "$url"
  echo "$(printf '%s\n' "${puts[@]}" | median) $(printf '%s\n' "${gets[@]}" | median)"
}
read -r curl_put4 curl_get4 < <(curl_throughput 4 $((2 * LARGE_RUNS)))
read -r curl_put64 curl_get64 < <(curl_throughput 64 "$LARGE_RUNS")

# 4 KiB objects: one curl process, one connection, SMALL_OPS requests (URL globbing).
head -c 4096 /dev/urandom >"$work/small"
small_url="$endpoint/$BUCKET/bench-curl/small-[1-$SMALL_OPS]"
curl "${S3[@]}" -T "$work/small" -o "$work/put-#1" -w '%{time_total}\n' "$small_url" >"$BENCH_RAW/objstore-curl-put-4k.txt"
curl "${S3[@]}" -o "$work/get-#1" -w '%{time_total}\n' "$small_url" >"$BENCH_RAW/objstore-curl-get-4k.txt"
ms() { awk '{print $1 * 1000}' "$1"; }
curl_put_p50=$(ms "$BENCH_RAW/objstore-curl-put-4k.txt" | p_of 0.5)
curl_put_p99=$(ms "$BENCH_RAW/objstore-curl-put-4k.txt" | p_of 0.99)
curl_get_p50=$(ms "$BENCH_RAW/objstore-curl-get-4k.txt" | p_of 0.5)
curl_get_p99=$(ms "$BENCH_RAW/objstore-curl-get-4k.txt" | p_of 0.99)

# compare ID WHAT CURL_VALUE OUR_KEY UNIT AIM: curl's row (the limit), then ours as a ratio to it.
compare() {
  add_row --id "objstore_curl_$1" --figure "curl $2 (RGW, loopback)" --value "$3" --unit "$5" --source curl
  add_row --id "objstore_$1" --figure "objstore $2 ($6)" --value "$(ours "$4")" --unit "$5" \
    --ratio-to "objstore_curl_$1" --source strata_objstore_bench
}
target="target >= 0.9"
compare put_4m "PUT 4 MiB" "$curl_put4" put_4m_mib_s MiB/s "$target"
compare get_4m "GET 4 MiB" "$curl_get4" get_4m_mib_s MiB/s "verified; $target"
compare put_64m "PUT 64 MiB" "$curl_put64" put_64m_mib_s MiB/s "$target"
add_row --id objstore_upload_64m --figure "objstore 64 MiB streamed upload (multipart, 4 x 8 MiB parts at once)" \
  --value "$(ours upload_64m_mib_s)" --unit MiB/s --ratio-to objstore_curl_put_64m --source strata_objstore_bench
compare get_64m "GET 64 MiB" "$curl_get64" get_64m_mib_s MiB/s "verified; $target"
slower="ratio above 1: slower"
compare put_4k_p50 "PUT 4 KiB p50" "$curl_put_p50" put_4k_p50_ms ms "$slower"
compare put_4k_p99 "PUT 4 KiB p99" "$curl_put_p99" put_4k_p99_ms ms "$slower"
compare get_4k_p50 "GET 4 KiB p50" "$curl_get_p50" get_4k_p50_ms ms "verified; $slower"
compare get_4k_p99 "GET 4 KiB p99" "$curl_get_p99" get_4k_p99_ms ms "verified; $slower"
