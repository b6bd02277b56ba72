"""The broker's event loops (strata.cores, ARCHITECTURE §3.4) through real clients: partitions are
spread over the shards, connections are handed round-robin to them, and requests whose partitions
live on other shards than their connection (produce, fetch, long polls woken by a produce on
another shard, list offsets, delete records) answer as on one loop. The shard count may change
between restarts: ownership is not stored.

    shards_test.py path/to/strata [unittest args]
"""

import os
import subprocess
import sys
import threading
import time
import urllib.request
import uuid

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from strata_broker import BrokerTestCase, StrataBroker, run_tests  # noqa: E402

from confluent_kafka import Consumer, KafkaError, Producer, TopicPartition  # noqa: E402
from confluent_kafka.admin import AdminClient, NewTopic  # noqa: E402


def shard_gauges(broker):
    """{"partitions": {shard: n}, "connections": {shard: n}} from /metrics."""
    from prometheus_client.parser import text_string_to_metric_families
    with urllib.request.urlopen(f"http://127.0.0.1:{broker.admin_port}/metrics", timeout=10) as r:
        text = r.read().decode()
    out = {"partitions": {}, "connections": {}}
    for family in text_string_to_metric_families(text):
        for sample in family.samples:
            if sample.name == "strata_shard_partitions":
                out["partitions"][int(sample.labels["shard"])] = int(sample.value)
            elif sample.name == "strata_shard_connections":
                out["connections"][int(sample.labels["shard"])] = int(sample.value)
    return out


def create_topic(bootstrap, name, partitions):
    admin = AdminClient({"bootstrap.servers": bootstrap})
    futures = admin.create_topics([NewTopic(name, num_partitions=partitions, replication_factor=1)])
    futures[name].result(30)


def consume_all(bootstrap, topic, partitions, expected, timeout=60):
    """Every record of topic's partitions from the beginning: {partition: [(key, value), ...]}."""
    consumer = Consumer({"bootstrap.servers": bootstrap, "group.id": f"unused-{uuid.uuid4()}",
                         "enable.auto.commit": False, "enable.partition.eof": False})
    consumer.assign([TopicPartition(topic, p, 0) for p in range(partitions)])
    records = {p: [] for p in range(partitions)}
    got = 0
    deadline = time.time() + timeout
    try:
        while got < expected and time.time() < deadline:
            for m in consumer.consume(num_messages=1000, timeout=1.0):
                if m.error():
                    raise AssertionError(f"consume error: {m.error()}")
                records[m.partition()].append((m.key().decode(), m.value().decode()))
                got += 1
    finally:
        consumer.close()
    return records


class ShardedBrokerTest(BrokerTestCase):
    properties = {"strata.cores": "3"}

    def test_partitions_and_connections_spread_and_concurrent_producers_lose_nothing(self):
        topic, partitions, producers, per_producer = "spread", 12, 6, 600
        create_topic(self.broker.bootstrap, topic, partitions)
        gauges = shard_gauges(self.broker)
        self.assertEqual(sorted(gauges["partitions"]), [0, 1, 2], gauges)
        self.assertEqual(sum(gauges["partitions"].values()), partitions, gauges)
        self.assertTrue(all(n > 0 for n in gauges["partitions"].values()), f"a shard owns nothing: {gauges}")

        # Six idempotent acks=all producers at once, each on its own connections, every one
        # writing to every partition.
        clients = [Producer({"bootstrap.servers": self.broker.bootstrap, "enable.idempotence": True, "acks": "all",
                             "linger.ms": 2}) for _ in range(producers)]
        for c in clients:
            c.list_topics(timeout=10)  # connected before the gauges are read
        during = shard_gauges(self.broker)
        serving = [s for s, n in during["connections"].items() if n > 0]
        self.assertGreaterEqual(len(serving), 2, f"connections all on one shard: {during}")
        self.assertGreaterEqual(sum(during["connections"].values()), producers, during)

        errors = []

        def produce(i):
            def report(err, _msg):
                if err is not None:
                    errors.append(err)
            for n in range(per_producer):
                clients[i].produce(topic, key=f"p{i}", value=f"{n}", partition=n % partitions, on_delivery=report)
                clients[i].poll(0)
            left = clients[i].flush(60)
            if left:
                errors.append(f"producer {i}: {left} undelivered")

        threads = [threading.Thread(target=produce, args=(i,)) for i in range(producers)]
        for t in threads:
            t.start()
        for t in threads:
            t.join(120)
        self.assertEqual(errors, [])

        records = consume_all(self.broker.bootstrap, topic, partitions, producers * per_producer)
        self.assertEqual(sum(len(r) for r in records.values()), producers * per_producer)
        for p, rows in records.items():
            for i in range(producers):
                values = [int(v) for k, v in rows if k == f"p{i}"]
                # Each producer's records of a partition: all there, once, in the order sent.
                self.assertEqual(values, [n for n in range(per_producer) if n % partitions == p],
                                 f"partition {p}, producer {i}")

        # ListOffsets and DeleteRecords run on shard 0 and reach every owner.
        consumer = Consumer({"bootstrap.servers": self.broker.bootstrap, "group.id": "offsets-probe"})
        try:
            for p in range(partitions):
                low, high = consumer.get_watermark_offsets(TopicPartition(topic, p), timeout=10)
                self.assertEqual((low, high), (0, len(records[p])), f"partition {p}")
        finally:
            consumer.close()
        # DeleteRecords, through kafka-python's wire classes (Debian's confluent-kafka has no
        # delete_records): one request for every partition.
        from admin_apis_test import DeleteRecordsRequest_v1
        from kafka.admin import KafkaAdminClient
        admin = KafkaAdminClient(bootstrap_servers=self.broker.bootstrap)
        try:
            request = DeleteRecordsRequest_v1(topics=[(topic, [(p, 10) for p in range(partitions)])], timeout_ms=5000)
            future = admin._send_request_to_node(admin._client.least_loaded_node(), request)
            admin._wait_for_futures([future])
            (name, answers), = future.value.topics
            self.assertEqual(sorted(answers), [(p, 10, 0) for p in range(partitions)])
        finally:
            admin.close()
        consumer = Consumer({"bootstrap.servers": self.broker.bootstrap, "group.id": "offsets-probe"})
        try:
            for p in range(partitions):
                low, _ = consumer.get_watermark_offsets(TopicPartition(topic, p), timeout=10)
                self.assertEqual(low, 10, f"partition {p}")
        finally:
            consumer.close()

    def test_a_long_poll_is_woken_by_a_produce_owned_by_another_shard(self):
        # Three partitions on three shards: whichever shard the consumer's connection is on, at
        # least two of them are owned elsewhere. The consumer waits up to 30 s per fetch; a record
        # must reach it long before that.
        topic = "wake"
        create_topic(self.broker.bootstrap, topic, 3)
        consumer = Consumer({"bootstrap.servers": self.broker.bootstrap, "group.id": f"unused-{uuid.uuid4()}",
                             "fetch.wait.max.ms": 30000, "fetch.min.bytes": 1, "enable.auto.commit": False})
        producer = Producer({"bootstrap.servers": self.broker.bootstrap, "linger.ms": 0})
        try:
            consumer.assign([TopicPartition(topic, p, 0) for p in range(3)])
            consumer.consume(num_messages=1, timeout=2.0)  # the fetches are now parked on the broker
            for p in range(3):
                sent_at = time.time()
                producer.produce(topic, key=b"k", value=f"to {p}".encode(), partition=p)
                self.assertEqual(producer.flush(10), 0)
                got = []
                while not got and time.time() - sent_at < 25:
                    got = [m for m in consumer.consume(num_messages=1, timeout=0.5) if not m.error()]
                waited = time.time() - sent_at
                self.assertEqual([m.value() for m in got], [f"to {p}".encode()], f"partition {p}")
                # A lost wake-up would hold the record until the 30 s wait ends.
                self.assertLess(waited, 10, f"partition {p}: the record took {waited:.1f} s")
        finally:
            consumer.close()


class ShardCountChangesTest(BrokerTestCase):
    properties = {"strata.cores": "3", "num.partitions": "5"}

    def test_data_written_on_three_shards_reads_back_on_one_and_on_two(self):
        topic = "reshard"
        producer = Producer({"bootstrap.servers": self.broker.bootstrap, "acks": "all"})
        for n in range(100):
            producer.produce(topic, key=f"k{n}".encode(), value=f"{n}".encode(), partition=n % 5)
        self.assertEqual(producer.flush(30), 0)
        for cores, more in (("1", 100), ("2", 100)):
            self.broker.stop()
            self.broker.properties["strata.cores"] = cores
            self.broker.start()
            gauges = shard_gauges(self.broker)
            self.assertEqual(len(gauges["partitions"]), int(cores), gauges)
            self.assertEqual(sum(gauges["partitions"].values()), 5, gauges)
            producer = Producer({"bootstrap.servers": self.broker.bootstrap, "acks": "all"})
            for n in range(more):
                producer.produce(topic, key=b"again", value=f"{n}".encode(), partition=n % 5)
            self.assertEqual(producer.flush(30), 0)
        records = consume_all(self.broker.bootstrap, topic, 5, 300)
        self.assertEqual(sum(len(r) for r in records.values()), 300)
        for p in range(5):
            first = [int(v) for k, v in records[p] if k.startswith("k")]
            self.assertEqual(first, [n for n in range(100) if n % 5 == p])


class CoresConfigTest(BrokerTestCase):
    def test_a_negative_cores_value_stops_startup_naming_the_key(self):
        bad = StrataBroker(self.binary, {"strata.cores": "-1"}, start_timeout=10)
        try:
            with self.assertRaises(RuntimeError) as failed:
                bad.start()
            self.assertIn("strata.cores", str(failed.exception))
        finally:
            bad.__exit__(None, None, None)


if __name__ == "__main__":
    sys.exit(run_tests(__doc__, "shards"))
