#!/usr/bin/env python3
"""`strata consumer-groups` as a user runs it, against a real `strata broker` whose groups are
driven by confluent-kafka-python consumers: the tables kafka-consumer-groups.sh prints (checked
column by column), lag that follows what was produced and committed, offset resets (dry run
changes nothing; --execute makes a new consumer start exactly there), deletes, and Kafka's errors.

    /usr/bin/python3 -W ignore consumer_groups_test.py path/to/strata [unittest args]
"""

import datetime
import os
import subprocess
import sys
import time
import unittest

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "server", "tests"))
from strata_broker import BrokerTestCase, run_tests  # noqa: E402

from confluent_kafka import Consumer, Producer, TopicPartition  # noqa: E402

T0 = 1_700_000_000_000  # the records' timestamps: T0, T0 + 1 s, ...


def iso(ms):
    return datetime.datetime.fromtimestamp(ms / 1000, datetime.timezone.utc).strftime("%Y-%m-%dT%H:%M:%S.%f")[:-3]


class ConsumerGroupsTest(BrokerTestCase):
    properties = {"group.initial.rebalance.delay.ms": "0", "offsets.topic.num.partitions": "3", "num.partitions": "2"}

    def setUp(self):
        super().setUp()
        self.consumers = []
        producer = Producer({"bootstrap.servers": self.broker.bootstrap})
        for p in range(2):
            for i in range(10):
                producer.produce("orders", value=f"p{p}-{i}".encode(), partition=p, timestamp=T0 + i * 1000)
        producer.flush(30)

    def tearDown(self):
        for c in self.consumers:
            c.close()
        super().tearDown()

    def tool(self, *args, timeout=60):
        return subprocess.run([self.binary, "consumer-groups", "--bootstrap-server", self.broker.bootstrap, *args],
                              capture_output=True, text=True, timeout=timeout)

    def consumer(self, group, **extra):
        c = Consumer({"bootstrap.servers": self.broker.bootstrap, "group.id": group, "enable.auto.commit": False,
                      "auto.offset.reset": "earliest", "client.id": f"client-{group}", **extra})
        self.consumers.append(c)
        return c

    def consume(self, c, count, topic="orders"):
        c.subscribe([topic])
        got = []
        deadline = time.time() + 30
        while len(got) < count and time.time() < deadline:
            m = c.poll(0.2)
            if m is not None and not m.error():
                got.append((m.partition(), m.offset()))
        return got

    def committed_group(self, group, per_partition):
        """A group that committed `per_partition[p]` on each partition, then left (Empty)."""
        c = self.consumer(group)
        c.assign([TopicPartition("orders", p) for p in per_partition])
        c.commit(offsets=[TopicPartition("orders", p, o) for p, o in per_partition.items()], asynchronous=False)
        c.close()
        self.consumers.remove(c)

    def table(self, stdout):
        """The rows of a printed table as lists of columns (header first); blank lines dropped."""
        return [line.split() for line in stdout.splitlines() if line.strip()]

    def test_list_and_describe_an_active_group(self):
        c = self.consumer("live")
        self.assertEqual(len(self.consume(c, 20)), 20)
        c.commit(asynchronous=False)
        r = self.tool("--list")
        self.assertEqual((r.returncode, r.stdout), (0, "live\n"))
        r = self.tool("--list", "--state")
        self.assertEqual(self.table(r.stdout), [["GROUP", "STATE"], ["live", "Stable"]])
        r = self.tool("--list", "--state", "Empty")
        self.assertEqual(self.table(r.stdout), [["GROUP", "STATE"]])

        r = self.tool("--describe", "--group", "live")
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertTrue(r.stdout.startswith("\nGROUP "), repr(r.stdout[:40]))
        rows = self.table(r.stdout)
        self.assertEqual(rows[0], ["GROUP", "TOPIC", "PARTITION", "CURRENT-OFFSET", "LOG-END-OFFSET", "LAG",
                                   "CONSUMER-ID", "HOST", "CLIENT-ID"])
        member_id = rows[1][6]  # librdkafka's member ids are "<client.id>-<uuid>"
        self.assertRegex(member_id, r"^client-live-[0-9a-f-]{36}$")
        self.assertEqual(rows[1:], [["live", "orders", "0", "10", "10", "0", member_id, "/127.0.0.1", "client-live"],
                                    ["live", "orders", "1", "10", "10", "0", member_id, "/127.0.0.1", "client-live"]])
        # Lag follows what is produced after the commit.
        producer = Producer({"bootstrap.servers": self.broker.bootstrap})
        for _ in range(3):
            producer.produce("orders", value=b"more", partition=1)
        producer.flush(30)
        rows = self.table(self.tool("--describe", "--group", "live").stdout)
        self.assertEqual(rows[2][3:6], ["10", "13", "3"])

        rows = self.table(self.tool("--describe", "--group", "live", "--members").stdout)
        self.assertEqual(rows, [["GROUP", "CONSUMER-ID", "HOST", "CLIENT-ID", "#PARTITIONS"],
                                ["live", member_id, "/127.0.0.1", "client-live", "2"]])
        rows = self.table(self.tool("--describe", "--group", "live", "--members", "--verbose").stdout)
        self.assertEqual(rows[1][-4:], ["-", "orders:0,1", "-", "-"])
        rows = self.table(self.tool("--describe", "--group", "live", "--state").stdout)
        self.assertEqual(rows[0], ["GROUP", "COORDINATOR", "(ID)", "ASSIGNMENT-STRATEGY", "STATE", "#MEMBERS"])
        self.assertEqual(rows[1], ["live", f"127.0.0.1:{self.broker.port}", "(1)", "range", "Stable", "1"])

        # An active group's offsets cannot be reset, as in Kafka.
        r = self.tool("--reset-offsets", "--group", "live", "--all-topics", "--to-earliest", "--execute")
        self.assertEqual(r.returncode, 1)
        self.assertIn("Assignments can only be reset if the group 'live' is inactive, but the current state is "
                      "Stable.", r.stdout)

    def test_describe_empty_and_missing_groups(self):
        self.committed_group("idle", {0: 4})
        r = self.tool("--describe", "--group", "idle")
        self.assertEqual(r.returncode, 0)
        self.assertIn("Consumer group 'idle' has no active members.", r.stderr)
        self.assertEqual(self.table(r.stdout)[1], ["idle", "orders", "0", "4", "10", "6", "-", "-", "-"])
        r = self.tool("--describe", "--group", "missing")
        self.assertEqual(r.returncode, 1)
        self.assertEqual(r.stdout, "\nError: Consumer group 'missing' does not exist.\n")

    def test_reset_offsets_dry_run_then_execute_then_a_consumer_starts_there(self):
        self.committed_group("batch", {0: 8, 1: 8})
        expected_plans = [
            (["--to-earliest"], {0: 0, 1: 0}),
            (["--to-latest"], {0: 10, 1: 10}),
            (["--to-offset", "3"], {0: 3, 1: 3}),
            (["--to-offset", "99"], {0: 10, 1: 10}),  # clamped to the log end, as Kafka does
            (["--shift-by", "-5"], {0: 3, 1: 3}),
            (["--to-current"], {0: 8, 1: 8}),
            (["--to-datetime", iso(T0 + 6000)], {0: 6, 1: 6}),
            (["--by-duration", "P1D"], {0: 10, 1: 10}),  # records from 2023: none in the last day
        ]
        for scenario, plan in expected_plans:
            r = self.tool("--reset-offsets", "--group", "batch", "--topic", "orders", *scenario)
            self.assertEqual(r.returncode, 0, f"{scenario}: {r.stdout}{r.stderr}")
            rows = self.table(r.stdout)
            self.assertEqual(rows[0], ["GROUP", "TOPIC", "PARTITION", "NEW-OFFSET"], scenario)
            self.assertEqual({int(row[2]): int(row[3]) for row in rows[1:]}, plan, scenario)
        # None of those dry runs changed anything.
        rows = self.table(self.tool("--describe", "--group", "batch").stdout)
        self.assertEqual([row[3] for row in rows[1:]], ["8", "8"])

        r = self.tool("--reset-offsets", "--group", "batch", "--topic", "orders:1", "--to-offset", "2", "--execute")
        self.assertEqual(r.returncode, 0, r.stdout + r.stderr)
        self.assertEqual(self.table(r.stdout)[1:], [["batch", "orders", "1", "2"]])
        rows = self.table(self.tool("--describe", "--group", "batch").stdout)
        self.assertEqual([row[3] for row in rows[1:]], ["8", "2"])
        # A consumer of the group starts exactly where the reset put it.
        got = self.consume(self.consumer("batch"), 10)
        self.assertEqual(sorted(got), [(0, 8), (0, 9)] + [(1, o) for o in range(2, 10)])

    def test_delete_groups_and_errors(self):
        self.committed_group("old", {0: 1})
        self.committed_group("older", {1: 1})
        live = self.consumer("busy")
        self.consume(live, 5)
        r = self.tool("--delete", "--group", "old", "--group", "older")
        self.assertEqual((r.returncode, r.stdout),
                         (0, "Deletion of requested consumer groups ('old', 'older') was successful.\n"))
        self.assertEqual(self.tool("--list").stdout, "busy\n")
        r = self.tool("--delete", "--group", "busy")
        self.assertEqual(r.returncode, 1)
        self.assertIn("* Group 'busy' could not be deleted due to: NON_EMPTY_GROUP", r.stdout)
        r = self.tool("--describe")
        self.assertEqual(r.returncode, 1)
        self.assertIn("--group", r.stderr)
        r = self.tool("--reset-offsets", "--group", "old", "--all-topics")
        self.assertEqual(r.returncode, 1)
        self.assertIn("takes exactly one of these options", r.stderr)
        r = self.tool("--reset-offsets", "--group", "old", "--all-topics", "--to-datetime", "yesterday")
        self.assertEqual(r.returncode, 1)
        self.assertIn("Error parsing timestamp 'yesterday'", r.stderr)
        config = os.path.join(self.broker.root, "client.properties")
        with open(config, "w") as f:
            f.write("default.api.timeout.ms=3000\n")
        r = subprocess.run([self.binary, "consumer-groups", "--bootstrap-server", "127.0.0.1:1", "--list",
                            "--command-config", config], capture_output=True, text=True, timeout=60)
        self.assertEqual(r.returncode, 1)
        self.assertIn("Error: Executing consumer group command failed due to", r.stdout)


if __name__ == "__main__":
    sys.exit(run_tests(__doc__, "consumer-groups tool tests"))
