#!/usr/bin/env python3
"""A real `strata broker` driven by clients no one here wrote: kcat (librdkafka), kafka-python and
confluent-kafka-python (Debian packages). Each test is a user's actions and what must hold.

    /usr/bin/python3 broker_clients_test.py path/to/strata [unittest args]
"""

import os
import socket
import struct
import subprocess
import sys
import threading
import time
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from strata_broker import BrokerTestCase, StrataBroker, run_tests  # noqa: E402

def kcat(*args, input=None, timeout=60):
    r = subprocess.run(["kcat", *args], input=input, capture_output=True, text=True, timeout=timeout)
    if r.returncode != 0:
        raise AssertionError(f"kcat {' '.join(args)} failed ({r.returncode}): {r.stderr}")
    return r.stdout


def kcat_consume_all(bootstrap, topic):
    """Every message of `topic`, partition by partition, as 'partition:offset:key:value' lines."""
    out = kcat("-b", bootstrap, "-C", "-t", topic, "-o", "beginning", "-e", "-q", "-f", "%p:%o:%k:%s\n")
    return sorted(line for line in out.splitlines() if line)


class KcatTest(BrokerTestCase):
    properties = {"num.partitions": "3"}

    def test_produce_consume_restart(self):
        b = self.broker.bootstrap
        lines = "".join(f"key{i % 7}:value-{i}\n" for i in range(300))
        kcat("-b", b, "-P", "-t", "orders", "-K", ":", "-z", "lz4", input=lines)
        metadata = kcat("-b", b, "-L", "-t", "orders")
        self.assertIn('topic "orders" with 3 partitions', metadata)
        self.assertIn("broker 1 at 127.0.0.1", metadata)
        consumed = kcat_consume_all(b, "orders")
        self.assertEqual(len(consumed), 300)
        values = sorted(int(line.split(":")[3].split("-")[1]) for line in consumed)
        self.assertEqual(values, list(range(300)))
        # The same key always lands in the same partition (librdkafka's hashing).
        partitions_of_key = {}
        for line in consumed:
            p, _, key, _ = line.split(":")
            partitions_of_key.setdefault(key, set()).add(p)
        self.assertTrue(all(len(ps) == 1 for ps in partitions_of_key.values()), partitions_of_key)
        # Offsets of each partition are 0..n-1.
        per_partition = {}
        for line in consumed:
            p, o = line.split(":")[:2]
            per_partition.setdefault(p, []).append(int(o))
        for p, offsets in per_partition.items():
            self.assertEqual(sorted(offsets), list(range(len(offsets))), p)
        # A clean restart keeps every record.
        self.assertEqual(self.broker.restart(), 0)
        self.assertIn("Shut down cleanly", self.broker.dump_log())
        self.assertEqual(kcat_consume_all(b, "orders"), consumed)

    def test_kill_nine_then_restart_keeps_acknowledged_records(self):
        b = self.broker.bootstrap
        kcat("-b", b, "-P", "-t", "events", "-X", "acks=all", input="".join(f"e{i}\n" for i in range(100)))
        before = kcat_consume_all(b, "events")
        self.assertEqual(len(before), 100)
        self.broker.kill()
        self.broker.start()
        self.assertIn("recovered after an unclean shutdown", self.broker.dump_log())
        self.assertEqual(kcat_consume_all(b, "events"), before)
        kcat("-b", b, "-P", "-t", "events", input="after\n")
        self.assertEqual(len(kcat_consume_all(b, "events")), 101)


class KcatProofTest(BrokerTestCase):
    """What issue 4 asks of kcat (librdkafka), each in a user's words."""
    properties = {"num.partitions": "1"}

    def test_ten_thousand_messages_with_keys_headers_and_null_values(self):
        b = self.broker.bootstrap
        lines = "".join(f"k{i % 13}:v{i}\n" if i % 10 else f"k{i % 13}:\n" for i in range(10000))
        kcat("-b", b, "-P", "-t", "big", "-K", ":", "-Z", "-H", "origin=kcat", "-H", "run=1", input=lines, timeout=120)
        out = kcat("-b", b, "-C", "-t", "big", "-o", "beginning", "-e", "-q", "-Z", "-f", "%o|%k|%s|%h\n",
                   timeout=120)
        rows = [line.split("|") for line in out.splitlines()]
        self.assertEqual(len(rows), 10000)
        for i, (offset, key, value, headers) in enumerate(rows):
            self.assertEqual(int(offset), i)
            self.assertEqual(key, f"k{i % 13}")
            self.assertEqual(value, f"v{i}" if i % 10 else "NULL", f"offset {i}")
            self.assertEqual(headers, "origin=kcat,run=1")

    def test_every_codec_and_every_acks_setting(self):
        b = self.broker.bootstrap
        expected = []
        for codec in ("none", "gzip", "snappy", "lz4", "zstd"):
            for acks in ("0", "1", "all"):
                batch = [f"{codec}-{acks}-{i}" for i in range(200)]
                kcat("-b", b, "-P", "-t", "codecs", "-z", codec, "-X", f"acks={acks}", input="\n".join(batch) + "\n")
                expected += batch
        # acks=0 gets no answer: wait until the log holds every record before reading.
        deadline = time.time() + 30
        while time.time() < deadline:
            got = kcat("-b", b, "-C", "-t", "codecs", "-o", "beginning", "-e", "-q").split()
            if len(got) >= len(expected):
                break
            time.sleep(0.2)
        self.assertEqual(got, expected)

    def test_offsets_and_timestamp_queries(self):
        b = self.broker.bootstrap
        kcat("-b", b, "-P", "-t", "times", input="".join(f"early{i}\n" for i in range(30)))
        time.sleep(0.05)
        middle_ms = int(time.time() * 1000)
        time.sleep(0.05)
        kcat("-b", b, "-P", "-t", "times", input="".join(f"late{i}\n" for i in range(20)))
        consume = lambda *o: kcat("-b", b, "-C", "-t", "times", "-e", "-q", *o).split()  # noqa: E731
        self.assertEqual(len(consume("-o", "beginning")), 50)
        self.assertEqual(consume("-o", "end"), [])
        self.assertEqual(consume("-o", "-10"), [f"late{i}" for i in range(10, 20)])
        self.assertEqual(consume("-o", "45"), [f"late{i}" for i in range(15, 20)])
        self.assertEqual(consume("-o", f"s@{middle_ms}"), [f"late{i}" for i in range(20)])
        queried = kcat("-b", b, "-Q", "-t", f"times:0:{middle_ms}")
        self.assertRegex(queried, r"times \[0\]\s+offset 30\b")
        future = kcat("-b", b, "-Q", "-t", f"times:0:{middle_ms + 3600_000}")
        self.assertRegex(future, r"times \[0\]\s+offset -1\b")  # no record that late

    def test_oversized_message_and_bad_topic_name_get_kafkas_errors(self):
        b = self.broker.bootstrap
        # The client allows 2 MB, the broker's message.max.bytes (1048588, Kafka's default) does not:
        # the broker refuses the batch with MESSAGE_TOO_LARGE, and the topic keeps what it had.
        kcat("-b", b, "-P", "-t", "sized", input="before\n")
        r = subprocess.run(["kcat", "-b", b, "-P", "-t", "sized", "-X", "message.max.bytes=2000000"],
                           input="x" * 1500000 + "\n", capture_output=True, text=True, timeout=60)
        self.assertNotEqual(r.returncode, 0)
        self.assertIn("Broker: Message size too large", r.stderr)
        kcat("-b", b, "-P", "-t", "sized", input="after\n")
        self.assertEqual(kcat("-b", b, "-C", "-t", "sized", "-o", "beginning", "-e", "-q").split(), ["before", "after"])
        r = subprocess.run(["kcat", "-b", b, "-P", "-t", "bad topic!"], input="x\n", capture_output=True, text=True,
                           timeout=60)
        self.assertNotEqual(r.returncode, 0)
        self.assertIn("Invalid topic", r.stderr)

    def test_kill_nine_during_acks_all_produce_with_flush_every_message(self):
        """Every acknowledged message survives a kill -9 in the middle of producing, in order, once."""
        from confluent_kafka import Producer
        self.broker.stop()
        self.broker.properties = dict(self.properties, **{"log.flush.interval.messages": "1"})
        self.broker.start()
        acked, failed = [], []

        def delivered(err, msg):
            (failed if err else acked).append(msg.value().decode())

        producer = Producer({"bootstrap.servers": self.broker.bootstrap, "acks": "all", "enable.idempotence": True,
                             "linger.ms": 1, "message.timeout.ms": 3000, "retry.backoff.ms": 100})
        killed_at = None
        deadline = time.time() + 60
        i = 0
        while time.time() < deadline and (killed_at is None or time.time() < killed_at + 1.0):
            producer.produce("crash", value=f"m{i:06d}".encode(), callback=delivered)
            i += 1
            producer.poll(0.001 if i % 50 == 0 else 0)
            if killed_at is None and len(acked) >= 2000:
                self.broker.kill()
                killed_at = time.time()
        producer.flush(10)
        self.assertIsNotNone(killed_at, "the producer never got 2000 acknowledgements")
        self.broker.start()
        self.assertIn("recovered after an unclean shutdown", self.broker.dump_log())
        logged = kcat("-b", self.broker.bootstrap, "-C", "-t", "crash", "-o", "beginning", "-e", "-q",
                      timeout=120).split()
        self.assertEqual(len(logged), len(set(logged)), "a message is in the log twice")
        self.assertEqual(logged, sorted(logged), "the log is out of production order")
        missing = set(acked) - set(logged)
        self.assertEqual(missing, set(), f"{len(missing)} acknowledged messages are gone")
        self.assertGreaterEqual(len(acked), 2000)


class CompactionTest(BrokerTestCase):
    properties = {"log.cleaner.backoff.ms": "200"}

    def test_compacted_topic_keeps_the_latest_value_per_key(self):
        from kafka import KafkaAdminClient
        from kafka.admin import NewTopic

        b = self.broker.bootstrap
        admin = KafkaAdminClient(bootstrap_servers=b)
        admin.create_topics([NewTopic("users", 1, 1, topic_configs={
            "cleanup.policy": "compact", "segment.bytes": "1024", "min.cleanable.dirty.ratio": "0.01"})])
        admin.close()
        # 40 rounds over 5 keys, one message per request so that segments roll often.
        for round_ in range(40):
            kcat("-b", b, "-P", "-t", "users", "-K", ":", input="".join(f"user{k}:v{round_}\n" for k in range(5)))
        # The cleaner runs in the background every 200 ms; wait (bounded) until it has cleaned.
        deadline = time.time() + 30
        consumed = kcat_consume_all(b, "users")
        while len(consumed) >= 200 and time.time() < deadline:
            time.sleep(0.3)
            consumed = kcat_consume_all(b, "users")
        self.assertLess(len(consumed), 200, "nothing was compacted within 30 s")
        self.assertIn("cleaned", self.broker.dump_log())
        latest = {}
        for line in consumed:
            _, offset, key, value = line.split(":")
            latest.setdefault(key, []).append((int(offset), value))
        # Every key is still there and its newest record is the last round's; offsets are kept.
        self.assertEqual(sorted(latest), [f"user{k}" for k in range(5)])
        for key, records in latest.items():
            self.assertEqual(max(records)[1], "v39", key)
        self.assertEqual(max(o for r in latest.values() for o, _ in r), 199)


class LongPollTest(BrokerTestCase):
    env = {"STRATA_LOG_LEVEL": "debug"}  # the broker logs every request

    def test_fetch_waits_for_data_and_wakes_when_it_arrives(self):
        from kafka import KafkaConsumer, KafkaProducer, TopicPartition

        b = self.broker.bootstrap
        producer = KafkaProducer(bootstrap_servers=b)
        producer.send("waiting", value=b"first").get(timeout=10)
        consumer = KafkaConsumer(bootstrap_servers=b, fetch_max_wait_ms=10_000, consumer_timeout_ms=20_000)
        tp = TopicPartition("waiting", 0)
        consumer.assign([tp])
        consumer.seek(tp, 1)
        fetches_before = self.broker.dump_log().count(": Fetch v")
        sent_at = []

        def send_second():
            sent_at.append(time.time())
            producer.send("waiting", value=b"second").get(timeout=10)

        threading.Timer(2.0, send_second).start()
        msg = next(iter(consumer))
        received_at = time.time()
        self.assertEqual(msg.value, b"second")
        self.assertEqual(msg.offset, 1)
        # Woken by the append, not by the 10 s max wait.
        self.assertLess(received_at - sent_at[0], 5.0)
        # While nothing arrived the fetch waited: a broker that answered at once would have been
        # asked again and again (kafka-python re-fetches immediately after an empty response).
        fetches = self.broker.dump_log().count(": Fetch v") - fetches_before
        self.assertLessEqual(fetches, 4, f"{fetches} fetches in about 2 s")
        consumer.close()
        producer.close()


class KafkaPythonTest(BrokerTestCase):
    properties = {"log.retention.hours": "168"}
    def test_producer_consumer_with_headers_and_compression(self):
        from kafka import KafkaConsumer, KafkaProducer, TopicPartition

        b = self.broker.bootstrap
        producer = KafkaProducer(bootstrap_servers=b, acks="all", compression_type="gzip", linger_ms=5)
        futures = [producer.send("payments", key=f"k{i}".encode(), value=f"v{i}".encode(),
                                 headers=[("h", f"{i}".encode())]) for i in range(100)]
        producer.flush()
        offsets = [f.get(timeout=10).offset for f in futures]
        self.assertEqual(offsets, list(range(100)))
        producer.close()

        consumer = KafkaConsumer(bootstrap_servers=b, enable_auto_commit=False, consumer_timeout_ms=5000)
        tp = TopicPartition("payments", 0)
        consumer.assign([tp])
        consumer.seek_to_beginning(tp)
        got = []
        for msg in consumer:
            got.append(msg)
            if len(got) == 100:
                break
        self.assertEqual([m.offset for m in got], list(range(100)))
        self.assertEqual([m.value for m in got], [f"v{i}".encode() for i in range(100)])
        self.assertEqual(got[42].key, b"k42")
        self.assertEqual(got[42].headers, [("h", b"42")])
        self.assertEqual(consumer.beginning_offsets([tp])[tp], 0)
        self.assertEqual(consumer.end_offsets([tp])[tp], 100)
        consumer.close()

    def test_offsets_for_times(self):
        from kafka import KafkaConsumer, KafkaProducer, TopicPartition

        b = self.broker.bootstrap
        producer = KafkaProducer(bootstrap_servers=b)
        base = 1_700_000_000_000
        for i in range(50):
            producer.send("clock", value=b"x", timestamp_ms=base + i * 1000)
        producer.flush()
        producer.close()
        consumer = KafkaConsumer(bootstrap_servers=b)
        tp = TopicPartition("clock", 0)
        found = consumer.offsets_for_times({tp: base + 20_500})[tp]
        self.assertEqual(found.offset, 21)
        self.assertEqual(found.timestamp, base + 21_000)
        self.assertIsNone(consumer.offsets_for_times({tp: base + 10_000_000})[tp])
        consumer.close()

    def test_admin_create_and_delete_topics_with_kafkas_errors(self):
        from kafka import KafkaAdminClient
        from kafka.admin import NewTopic
        from kafka.errors import (InvalidConfigurationError, InvalidReplicationFactorError, TopicAlreadyExistsError)

        admin = KafkaAdminClient(bootstrap_servers=self.broker.bootstrap)
        admin.create_topics([NewTopic("ledger", 4, 1, topic_configs={"retention.ms": "86400000"})])
        self.assertIn("ledger", admin.list_topics())
        with self.assertRaises(TopicAlreadyExistsError):
            admin.create_topics([NewTopic("ledger", 1, 1)])
        with self.assertRaises(InvalidReplicationFactorError):
            admin.create_topics([NewTopic("replicated", 1, 3)])
        with self.assertRaises(InvalidConfigurationError):
            admin.create_topics([NewTopic("badconf", 1, 1, topic_configs={"segment.bytes": "10"})])
        admin.delete_topics(["ledger"])
        self.assertNotIn("ledger", admin.list_topics())
        admin.close()

    def test_create_partitions_and_describe_configs(self):
        from kafka import KafkaAdminClient
        from kafka.admin import ConfigResource, ConfigResourceType, NewPartitions, NewTopic
        from kafka.errors import InvalidPartitionsError

        admin = KafkaAdminClient(bootstrap_servers=self.broker.bootstrap)
        admin.create_topics([NewTopic("grow", 2, 1, topic_configs={"retention.ms": "3600000"})])
        admin.create_partitions({"grow": NewPartitions(5)})
        self.assertIn('topic "grow" with 5 partitions', kcat("-b", self.broker.bootstrap, "-L", "-t", "grow"))
        with self.assertRaises(InvalidPartitionsError):
            admin.create_partitions({"grow": NewPartitions(3)})
        # Produce to a new partition works.
        kcat("-b", self.broker.bootstrap, "-P", "-t", "grow", "-p", "4", input="on four\n")
        self.assertEqual(kcat_consume_all(self.broker.bootstrap, "grow"), ["4:0::on four"])

        [response] = admin.describe_configs([ConfigResource(ConfigResourceType.TOPIC, "grow")], include_synonyms=True)
        [(error, _, _, _, entries)] = response.resources
        self.assertEqual(error, 0)
        by_name = {e[0]: e for e in entries}
        name, value, read_only, source, sensitive, synonyms = by_name["retention.ms"][:6]
        self.assertEqual(value, "3600000")
        self.assertEqual(source, 1)  # DYNAMIC_TOPIC_CONFIG
        self.assertEqual(synonyms[0][:3], ("retention.ms", "3600000", 1))
        self.assertIn(("log.retention.hours", "168", 4), [s[:3] for s in synonyms])  # from server.properties
        self.assertEqual(by_name["cleanup.policy"][1], "delete")
        self.assertEqual(by_name["cleanup.policy"][3], 5)  # DEFAULT_CONFIG
        self.assertEqual(by_name["segment.bytes"][1], "1073741824")

        [response] = admin.describe_configs([ConfigResource(ConfigResourceType.BROKER, "1")])
        [(error, _, _, _, entries)] = response.resources
        self.assertEqual(error, 0)
        by_name = {e[0]: e for e in entries}
        self.assertEqual(by_name["log.retention.hours"][1], "168")
        self.assertEqual(by_name["num.partitions"][1], "1")
        self.assertTrue(by_name["num.partitions"][2])  # read-only: static broker config
        admin.close()

    def test_message_too_large_is_refused_and_nothing_is_lost(self):
        from kafka import KafkaProducer
        from kafka.errors import MessageSizeTooLargeError

        b = self.broker.bootstrap
        producer = KafkaProducer(bootstrap_servers=b, max_request_size=4 * 1024 * 1024)
        producer.send("sizes", value=b"small").get(timeout=10)
        with self.assertRaises(MessageSizeTooLargeError):
            producer.send("sizes", value=b"x" * (2 * 1024 * 1024)).get(timeout=10)
        producer.send("sizes", value=b"small again").get(timeout=10)
        producer.close()
        self.assertEqual([line.split(":")[3] for line in kcat_consume_all(b, "sizes")], ["small", "small again"])


class ConfluentKafkaTest(BrokerTestCase):
    def test_idempotent_producer_every_codec(self):
        from confluent_kafka import Producer

        b = self.broker.bootstrap
        delivered = []
        for codec in ["none", "gzip", "snappy", "lz4", "zstd"]:
            p = Producer({"bootstrap.servers": b, "enable.idempotence": True, "compression.type": codec,
                          "linger.ms": 5})
            for i in range(40):
                p.produce("idem", key=f"{codec}-{i}", value=f"{codec}-{i}",
                          on_delivery=lambda err, msg: delivered.append((err, msg.offset())))
            self.assertEqual(p.flush(30), 0)
        self.assertTrue(all(err is None for err, _ in delivered), [e for e, _ in delivered if e])
        self.assertEqual(sorted(o for _, o in delivered), list(range(200)))
        consumed = kcat_consume_all(b, "idem")
        self.assertEqual(len(consumed), 200)


class BadInputTest(BrokerTestCase):
    properties = {"socket.request.max.bytes": "1048576"}

    def _raw(self, payload):
        with socket.create_connection(("127.0.0.1", self.broker.port), timeout=5) as s:
            s.sendall(payload)
            try:
                return s.recv(4096)
            except (ConnectionResetError, socket.timeout):
                return b""

    def test_malformed_requests_close_the_connection_and_the_broker_survives(self):
        # Larger than socket.request.max.bytes: closed before anything is allocated.
        self.assertEqual(self._raw(struct.pack(">i", 1 << 30)), b"")
        # A negative size.
        self.assertEqual(self._raw(struct.pack(">i", -5)), b"")
        # An unknown API key.
        self.assertEqual(self._raw(struct.pack(">ihhi", 8, 999, 0, 1)), b"")
        # Metadata v1 with a topic count that claims more bytes than are present.
        body = struct.pack(">hhih", 3, 1, 7, -1) + struct.pack(">i", 1_000_000)
        self.assertEqual(self._raw(struct.pack(">i", len(body)) + body), b"")
        # Garbage.
        self.assertEqual(self._raw(struct.pack(">i", 16) + os.urandom(16)), b"")
        # Still serving.
        self.assertIn("1 brokers", kcat("-b", self.broker.bootstrap, "-L"))

    def test_api_versions_of_a_future_version_answers_v0_with_unsupported_version(self):
        # Request header v2 (ApiVersions v3+ is flexible): api key, version, correlation id, null
        # client id, no tagged fields; then an empty flexible body (two empty compact strings, no tags).
        header = struct.pack(">hhihb", 18, 99, 42, -1, 0) + bytes([1, 1, 0])
        reply = self._raw(struct.pack(">i", len(header)) + header)
        self.assertGreater(len(reply), 10)
        size, correlation, error = struct.unpack(">iih", reply[:10])
        self.assertEqual(correlation, 42)
        self.assertEqual(error, 35)  # UNSUPPORTED_VERSION


if __name__ == "__main__":
    sys.exit(run_tests(__doc__, "broker client tests"))
