#!/usr/bin/env bash
# Consumer groups on a real `strata broker` (group.initial.rebalance.delay.ms=0 so that the figure
# is the protocol, not the configured wait): rebalance time of 10 members over 100 partitions (first
# join, an 11th joining, one leaving) and synchronous commits of 100 offsets, through
# confluent-kafka-python (bench/group_bench.py). Rebalance times are latencies bounded below by
# the members' heartbeat.interval.ms (100 ms here); commits are compared with one-at-a-time
# acks=all produces through the same library, the ceiling of one append and its answer.
set -euo pipefail
# shellcheck source=bench/lib.sh
source "$BENCH_SRC/lib.sh"

start_broker group-bench group.initial.rebalance.delay.ms=0 offsets.topic.num.partitions=10
port=$BROKER_PORT

/usr/bin/python3 -W ignore "$BENCH_SRC/group_bench.py" "127.0.0.1:$port" "$BENCH_RAW/group-bench.json" \
  2>"$BENCH_RAW/group-bench.log" || die "group_bench.py failed: $(tail -5 "$BENCH_RAW/group-bench.log")"
get() { python3 -c "import json,sys; print(json.load(open(sys.argv[1]))[sys.argv[2]])" "$BENCH_RAW/group-bench.json" "$1"; }

note="latency; members heartbeat every $(get heartbeat_ms) ms"
add_row --id group_first_join --figure "group of 10 over 100 partitions: first join until all assigned" \
  --value "$(get join_ms)" --unit ms --source confluent-kafka --note "$note"
add_row --id group_member_join --figure "group of 10: an 11th member joins, until all reassigned" \
  --value "$(get member_join_ms)" --unit ms --source confluent-kafka --note "$note"
add_row --id group_member_leave --figure "group of 11: a member leaves, until all reassigned" \
  --value "$(get member_leave_ms)" --unit ms --source confluent-kafka --note "$note"
add_row --id produce_round_trips --figure "acks=all produce of one record, one at a time" \
  --value "$(get produce_round_trips_per_s)" --unit req/s --source confluent-kafka --note "the ceiling for the commits below"
add_row --id group_commits --figure "synchronous OffsetCommit of 100 partitions" \
  --value "$(get commits_per_s)" --unit req/s --ratio-to produce_round_trips --source confluent-kafka
