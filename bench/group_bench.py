#!/usr/bin/env python3
"""Consumer group figures of a running broker, through confluent-kafka-python (librdkafka):

- rebalance time of a group of 10 members over a 100-partition topic: the first join of all ten,
  an 11th member joining, and a member leaving; each from the change until every member holds its
  new assignment and the assignments cover the 100 partitions;
- synchronous offset commits of 100 partitions each: commits per second, with synchronous acks=all
  produces of one small record on the same library (an append and its answer, one at a time) to
  compare with.

    /usr/bin/python3 group_bench.py BOOTSTRAP OUT.json

Every wait is bounded; a figure that is not reached in time fails the run.
"""

import json
import sys
import threading
import time

from confluent_kafka import Consumer, Producer, TopicPartition
from confluent_kafka.admin import AdminClient, NewTopic

PARTITIONS = 100
MEMBERS = 10
COMMITS = 1000
WAIT_S = 60
HEARTBEAT_MS = 100  # how quickly members learn of a rebalance: a lower bound of every figure


class Member:
    def __init__(self, bootstrap, group, topic, index):
        self.assigned = set()
        self.generation_changes = 0
        self.stop = threading.Event()
        self.consumer = Consumer({
            "bootstrap.servers": bootstrap, "group.id": group, "client.id": f"bench-{index}",
            "session.timeout.ms": 6000, "heartbeat.interval.ms": HEARTBEAT_MS,
            "enable.auto.commit": False, "auto.offset.reset": "earliest",
        })
        self.consumer.subscribe([topic], on_assign=self.on_assign, on_revoke=self.on_revoke)
        self.thread = threading.Thread(target=self.run, daemon=True)
        self.thread.start()

    def on_assign(self, consumer, partitions):
        self.assigned = {p.partition for p in partitions}
        self.generation_changes += 1

    def on_revoke(self, consumer, partitions):
        self.assigned = set()

    def run(self):
        while not self.stop.is_set():
            self.consumer.poll(0.02)

    def close(self):
        self.stop.set()
        self.thread.join()
        self.consumer.close()


def wait_balanced(members, what):
    """Seconds until every member holds a non-empty assignment and together they cover the topic
    exactly once."""
    start = time.time()
    while time.time() < start + WAIT_S:
        sets = [m.assigned for m in members]
        covered = set().union(*sets)
        if all(sets) and len(covered) == PARTITIONS and sum(len(s) for s in sets) == PARTITIONS:
            return time.time() - start
        time.sleep(0.005)
    raise SystemExit(f"group_bench: {what}: the group did not settle within {WAIT_S} s")


def main():
    bootstrap, out_path = sys.argv[1], sys.argv[2]
    admin = AdminClient({"bootstrap.servers": bootstrap})
    topic = "bench-groups"
    admin.create_topics([NewTopic(topic, PARTITIONS, 1)])[topic].result(timeout=30)

    # The 10 members subscribe at once.
    t0 = time.time()
    members = [Member(bootstrap, "bench", topic, i) for i in range(MEMBERS)]
    starting_s = time.time() - t0
    join_s = starting_s + wait_balanced(members, "first join")
    # An 11th member joins.
    members.append(Member(bootstrap, "bench", topic, MEMBERS))
    add_s = wait_balanced(members, "member join")
    # One member leaves (LeaveGroup on close).
    leaving = members.pop(0)
    t0 = time.time()
    leaving.close()
    closing_s = time.time() - t0
    leave_s = closing_s + wait_balanced(members, "member leave")
    for m in members:
        m.close()

    # Offset commits: one member owning the 100 partitions commits all of them, synchronously.
    committer = Consumer({"bootstrap.servers": bootstrap, "group.id": "bench-commits",
                          "enable.auto.commit": False})
    committer.assign([TopicPartition(topic, p, 0) for p in range(PARTITIONS)])
    t0 = time.time()
    done = 0
    while done < COMMITS and time.time() < t0 + WAIT_S:
        committer.commit(offsets=[TopicPartition(topic, p, done + 1) for p in range(PARTITIONS)],
                         asynchronous=False)
        done += 1
    commit_s = time.time() - t0
    committed = committer.committed([TopicPartition(topic, 0)], timeout=10)[0].offset
    if committed != done:
        raise SystemExit(f"group_bench: committed offset {committed}, expected {done}")
    committer.close()
    # The ceiling to compare with: one acks=all produce of a small record at a time through the
    # same library (an append and its answer, as a commit is).
    producer = Producer({"bootstrap.servers": bootstrap, "acks": "all", "linger.ms": 0})
    t0 = time.time()
    rounds = 0
    while rounds < COMMITS and time.time() < t0 + WAIT_S:
        producer.produce(topic, value=b"x", partition=0)
        producer.flush(10)
        rounds += 1
    produce_s = time.time() - t0

    with open(out_path, "w") as f:
        json.dump({
            "join_ms": round(join_s * 1000, 1),
            "member_join_ms": round(add_s * 1000, 1),
            "member_leave_ms": round(leave_s * 1000, 1),
            "commits_per_s": round(done / commit_s, 1),
            "produce_round_trips_per_s": round(rounds / produce_s, 1),
            "heartbeat_ms": HEARTBEAT_MS,
        }, f)


if __name__ == "__main__":
    main()
