#!/usr/bin/env python3
"""The broker's admin APIs through clients written by others: AlterConfigs (kafka-python,
confluent-kafka-python), IncrementalAlterConfigs, DeleteRecords, OffsetForLeaderEpoch and
DescribeLogDirs (kafka-python's wire code with the schemas Kafka documents, since kafka-python 2.0.2
has no admin call for them), DescribeCluster (a flexible-version request framed here by hand), and
kafkajs's admin client and idempotent producer (npm, tests/kafkajs_client.js).

    /usr/bin/python3 admin_apis_test.py path/to/strata [unittest args]
"""

import json
import os
import socket
import struct
import subprocess
import sys
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from strata_broker import BrokerTestCase, run_tests  # noqa: E402

from kafka import KafkaAdminClient, KafkaProducer  # noqa: E402
from kafka.admin import ConfigResource, ConfigResourceType, NewTopic  # noqa: E402
from kafka.errors import KafkaError  # noqa: E402
from kafka.protocol.api import Request, Response  # noqa: E402
from kafka.protocol.types import Array, Boolean, Int8, Int16, Int32, Int64, Schema, String  # noqa: E402

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.abspath(os.path.join(HERE, "..", "..", ".."))

# Kafka error codes the tests expect.
NONE, OFFSET_OUT_OF_RANGE, UNKNOWN_TOPIC_OR_PARTITION = 0, 1, 3
INVALID_REQUEST, INVALID_CONFIG, POLICY_VIOLATION, UNKNOWN_LEADER_EPOCH, FENCED_LEADER_EPOCH = 42, 40, 44, 75, 74

# Kafka's schemas (clients/src/main/resources/common/message/*.json) at non-flexible versions, in
# kafka-python's notation, for the APIs kafka-python 2.0.2 has no class for.
S = String("utf-8")


class IncrementalAlterConfigsResponse_v0(Response):
    API_KEY, API_VERSION = 44, 0
    SCHEMA = Schema(("throttle_time_ms", Int32),
                    ("responses", Array(("error_code", Int16), ("error_message", S), ("resource_type", Int8),
                                        ("resource_name", S))))


class IncrementalAlterConfigsRequest_v0(Request):
    API_KEY, API_VERSION, RESPONSE_TYPE = 44, 0, IncrementalAlterConfigsResponse_v0
    SCHEMA = Schema(("resources", Array(("resource_type", Int8), ("resource_name", S),
                                        ("configs", Array(("name", S), ("config_operation", Int8), ("value", S))))),
                    ("validate_only", Boolean))


class DeleteRecordsResponse_v1(Response):
    API_KEY, API_VERSION = 21, 1
    SCHEMA = Schema(("throttle_time_ms", Int32),
                    ("topics", Array(("name", S), ("partitions", Array(("partition_index", Int32),
                                                                       ("low_watermark", Int64),
                                                                       ("error_code", Int16))))))


class DeleteRecordsRequest_v1(Request):
    API_KEY, API_VERSION, RESPONSE_TYPE = 21, 1, DeleteRecordsResponse_v1
    SCHEMA = Schema(("topics", Array(("name", S), ("partitions", Array(("partition_index", Int32),
                                                                       ("offset", Int64))))),
                    ("timeout_ms", Int32))


class OffsetForLeaderEpochResponse_v3(Response):
    API_KEY, API_VERSION = 23, 3
    SCHEMA = Schema(("throttle_time_ms", Int32),
                    ("topics", Array(("topic", S), ("partitions", Array(("error_code", Int16), ("partition", Int32),
                                                                        ("leader_epoch", Int32),
                                                                        ("end_offset", Int64))))))


class OffsetForLeaderEpochRequest_v3(Request):
    API_KEY, API_VERSION, RESPONSE_TYPE = 23, 3, OffsetForLeaderEpochResponse_v3
    SCHEMA = Schema(("replica_id", Int32),
                    ("topics", Array(("topic", S), ("partitions", Array(("partition", Int32),
                                                                        ("current_leader_epoch", Int32),
                                                                        ("leader_epoch", Int32))))))


class DescribeLogDirsResponse_v1(Response):
    API_KEY, API_VERSION = 35, 1
    SCHEMA = Schema(("throttle_time_ms", Int32),
                    ("results", Array(("error_code", Int16), ("log_dir", S),
                                      ("topics", Array(("name", S),
                                                       ("partitions", Array(("partition_index", Int32),
                                                                            ("partition_size", Int64),
                                                                            ("offset_lag", Int64),
                                                                            ("is_future_key", Boolean))))))))


class DescribeLogDirsRequest_v1(Request):
    API_KEY, API_VERSION, RESPONSE_TYPE = 35, 1, DescribeLogDirsResponse_v1
    SCHEMA = Schema(("topics", Array(("topic", S), ("partitions", Array(Int32)))))


SET, DELETE, APPEND, SUBTRACT = 0, 1, 2, 3
TOPIC = 2


class AdminApiTestCase(BrokerTestCase):
    properties = {"num.partitions": "2"}

    def setUp(self):
        super().setUp()
        self.admin = KafkaAdminClient(bootstrap_servers=self.broker.bootstrap, request_timeout_ms=10000)

    def tearDown(self):
        self.admin.close()
        super().tearDown()

    def send(self, request):
        """One request to the broker through kafka-python's client; the decoded response."""
        future = self.admin._send_request_to_node(self.admin._client.least_loaded_node(), request)
        self.admin._wait_for_futures([future])
        return future.value

    def dynamic_configs(self, topic):
        """The topic's dynamic configs, as {name: value} (DescribeConfigs v1+: source 1)."""
        response = self.admin.describe_configs([ConfigResource(ConfigResourceType.TOPIC, topic)],
                                               include_synonyms=True)[0]
        self.assertGreaterEqual(response.API_VERSION, 1)
        (error, _, _, _, entries), = response.resources
        self.assertEqual(error, 0)
        return {e[0]: e[1] for e in entries if e[3] == 1}

    def produce(self, topic, count, partition=0, size=10):
        producer = KafkaProducer(bootstrap_servers=self.broker.bootstrap, acks="all")
        for i in range(count):
            producer.send(topic, value=b"x" * size, partition=partition).get(timeout=10)
        producer.close()

    def incremental(self, topic, ops, validate_only=False):
        response = self.send(IncrementalAlterConfigsRequest_v0(
            resources=[(TOPIC, topic, [(name, op, value) for name, op, value in ops])], validate_only=validate_only))
        (error, message, _, name), = response.responses
        self.assertEqual(name, topic)
        return error, message


class AlterConfigsTest(AdminApiTestCase):
    def test_kafka_python_alter_configs_replaces_the_dynamic_set_and_survives_restart(self):
        self.admin.create_topics([NewTopic("orders", 1, 1)])
        self.admin.alter_configs([ConfigResource(ConfigResourceType.TOPIC, "orders",
                                                 configs={"retention.ms": "86400000", "cleanup.policy": "compact"})])
        self.assertEqual(self.dynamic_configs("orders"), {"retention.ms": "86400000", "cleanup.policy": "compact"})
        # The legacy API replaces the whole set: keys not named go back to their defaults.
        self.admin.alter_configs([ConfigResource(ConfigResourceType.TOPIC, "orders",
                                                 configs={"retention.ms": "3600000"})])
        self.assertEqual(self.dynamic_configs("orders"), {"retention.ms": "3600000"})
        self.broker.restart()
        self.admin.close()
        self.admin = KafkaAdminClient(bootstrap_servers=self.broker.bootstrap, request_timeout_ms=10000)
        self.assertEqual(self.dynamic_configs("orders"), {"retention.ms": "3600000"})

    def test_kafka_python_alter_configs_errors(self):
        self.admin.create_topics([NewTopic("orders", 1, 1)])
        response = self.admin.alter_configs([
            ConfigResource(ConfigResourceType.TOPIC, "orders", configs={"retention.ms": "soon"}),
            ConfigResource(ConfigResourceType.TOPIC, "orders", configs={"no.such.config": "1"}),
            ConfigResource(ConfigResourceType.TOPIC, "missing", configs={"retention.ms": "1"}),
        ])
        errors = [(r[0], r[1]) for r in response.resources]
        self.assertEqual(errors[0][0], INVALID_CONFIG)
        self.assertIn("retention.ms", errors[0][1])
        self.assertEqual(errors[1], (INVALID_CONFIG, "Unknown topic config name: no.such.config"))
        self.assertEqual(errors[2][0], UNKNOWN_TOPIC_OR_PARTITION)
        self.assertEqual(self.dynamic_configs("orders"), {}, "a failed alter changes nothing")

    def test_confluent_kafka_alter_configs_validate_only_changes_nothing(self):
        from confluent_kafka.admin import AdminClient, ConfigResource as CResource
        self.admin.create_topics([NewTopic("orders", 1, 1)])
        client = AdminClient({"bootstrap.servers": self.broker.bootstrap})
        resource = CResource("topic", "orders", set_config={"segment.bytes": "1048576"})
        client.alter_configs([resource], validate_only=True)[resource].result(timeout=10)
        self.assertEqual(self.dynamic_configs("orders"), {})
        client.alter_configs([resource])[resource].result(timeout=10)
        self.assertEqual(self.dynamic_configs("orders"), {"segment.bytes": "1048576"})
        described = client.describe_configs([CResource("topic", "orders")])
        entries = list(described.values())[0].result(timeout=10)
        self.assertEqual(entries["segment.bytes"].value, "1048576")
        self.assertEqual(entries["segment.bytes"].source, 1)  # DYNAMIC_TOPIC_CONFIG

    def test_an_altered_config_applies_to_the_live_log(self):
        self.admin.create_topics([NewTopic("orders", 1, 1)])
        self.produce("orders", 1, size=5000)
        self.assertEqual(self.incremental("orders", [("max.message.bytes", SET, "1000")]), (NONE, None))
        producer = KafkaProducer(bootstrap_servers=self.broker.bootstrap, acks="all", retries=0)
        with self.assertRaises(KafkaError) as refused:
            producer.send("orders", value=b"x" * 5000, partition=0).get(timeout=10)
        self.assertIn("MessageSizeTooLarge", type(refused.exception).__name__)
        self.assertEqual(self.incremental("orders", [("max.message.bytes", DELETE, None)]), (NONE, None))
        producer.send("orders", value=b"x" * 5000, partition=0).get(timeout=10)
        producer.close()


class IncrementalAlterConfigsTest(AdminApiTestCase):
    def test_set_delete_append_subtract(self):
        self.admin.create_topics([NewTopic("orders", 1, 1)])
        self.assertEqual(self.incremental("orders", [("retention.ms", SET, "1000"), ("segment.ms", SET, "60000")]),
                         (NONE, None))
        self.assertEqual(self.dynamic_configs("orders"), {"retention.ms": "1000", "segment.ms": "60000"})
        self.assertEqual(self.incremental("orders", [("segment.ms", DELETE, None)]), (NONE, None))
        self.assertEqual(self.dynamic_configs("orders"), {"retention.ms": "1000"})
        # APPEND to a list starts from its default ("delete") when it is not set.
        self.assertEqual(self.incremental("orders", [("cleanup.policy", APPEND, "compact")]), (NONE, None))
        self.assertEqual(self.dynamic_configs("orders")["cleanup.policy"], "delete,compact")
        self.assertEqual(self.incremental("orders", [("cleanup.policy", APPEND, "compact")]), (NONE, None))
        self.assertEqual(self.dynamic_configs("orders")["cleanup.policy"], "delete,compact")
        self.assertEqual(self.incremental("orders", [("cleanup.policy", SUBTRACT, "delete")]), (NONE, None))
        self.assertEqual(self.dynamic_configs("orders")["cleanup.policy"], "compact")

    def test_errors_and_validate_only(self):
        self.admin.create_topics([NewTopic("orders", 1, 1)])
        error, message = self.incremental("orders", [("retention.ms", APPEND, "5")])
        self.assertEqual((error, message), (INVALID_CONFIG, "Config value append is not allowed for config key: "
                                                            "retention.ms"))
        error, message = self.incremental("orders", [("retention.ms", SET, "1"), ("retention.ms", SET, "2")])
        self.assertEqual((error, message), (INVALID_REQUEST, "Error due to duplicate config keys"))
        error, _ = self.incremental("orders", [("cleanup.policy", SET, "sometimes")])
        self.assertEqual(error, INVALID_CONFIG)
        error, _ = self.incremental("missing", [("retention.ms", SET, "1")])
        self.assertEqual(error, UNKNOWN_TOPIC_OR_PARTITION)
        self.assertEqual(self.incremental("orders", [("retention.ms", SET, "1")], validate_only=True), (NONE, None))
        self.assertEqual(self.dynamic_configs("orders"), {}, "neither failures nor validate_only change anything")


BROKER = 4
DYNAMIC_BROKER, DYNAMIC_DEFAULT_BROKER, STATIC_BROKER, DEFAULT = 2, 3, 4, 5


class DynamicBrokerConfigsTest(AdminApiTestCase):
    """KIP-226: this broker's dynamic configs (resource "1") and the cluster-wide defaults ("")."""
    properties = {"num.partitions": "1", "log.retention.hours": "100"}

    def broker_configs(self, name):
        """{key: (value, source, read_only, synonyms)} of broker resource `name` (DescribeConfigs v2)."""
        from kafka.protocol.admin import DescribeConfigsRequest
        response = self.send(DescribeConfigsRequest[2](resources=[(BROKER, name, None)], include_synonyms=True))
        (error, message, _, _, entries), = response.resources
        self.assertEqual(error, NONE, message)
        return {e[0]: (e[1], e[3], e[2], [(s[0], s[1], s[2]) for s in e[5]]) for e in entries}

    def topic_config(self, topic, key):
        response = self.admin.describe_configs([ConfigResource(ConfigResourceType.TOPIC, topic)],
                                               include_synonyms=True)[0]
        (_, _, _, _, entries), = response.resources
        return {e[0]: (e[1], e[3], [(s[0], s[1], s[2]) for s in e[5]]) for e in entries}[key]

    def incremental_broker(self, name, ops, validate_only=False):
        response = self.send(IncrementalAlterConfigsRequest_v0(
            resources=[(BROKER, name, [(k, op, v) for k, op, v in ops])], validate_only=validate_only))
        (error, message, _, _), = response.responses
        return error, message

    def test_precedence_sources_and_synonyms_and_restart(self):
        self.admin.create_topics([NewTopic("plain", 1, 1), NewTopic("own", 1, 1)])
        self.admin.alter_configs([ConfigResource(ConfigResourceType.TOPIC, "own", configs={"retention.ms": "5000"})])
        # server.properties: log.retention.hours=100 -> 360000000 ms for topics without their own.
        self.assertEqual(self.topic_config("plain", "retention.ms")[:2], ("360000000", STATIC_BROKER))
        # The cluster-wide default beats the file...
        self.assertEqual(self.incremental_broker("", [("log.retention.ms", SET, "7200000")]), (NONE, None))
        self.assertEqual(self.broker_configs(""), {"log.retention.ms": ("7200000", DYNAMIC_DEFAULT_BROKER, False,
                                                                        [("log.retention.ms", "7200000", 3)])})
        self.assertEqual(self.topic_config("plain", "retention.ms"),
                         ("7200000", DYNAMIC_DEFAULT_BROKER,
                          [("log.retention.ms", "7200000", DYNAMIC_DEFAULT_BROKER),
                           ("log.retention.hours", "100", STATIC_BROKER), ("log.retention.ms", "604800000", DEFAULT)]))
        # ... this broker's own value beats the default; a topic's own value beats both.
        self.admin.alter_configs([ConfigResource(ConfigResourceType.BROKER, "1",
                                                 configs={"log.retention.ms": "3600000"})])
        mine = self.broker_configs("1")
        self.assertEqual(mine["log.retention.ms"][:3], ("3600000", DYNAMIC_BROKER, False))
        self.assertEqual(mine["log.retention.ms"][3][:2], [("log.retention.ms", "3600000", DYNAMIC_BROKER),
                                                           ("log.retention.ms", "7200000", DYNAMIC_DEFAULT_BROKER)])
        self.assertEqual(self.topic_config("plain", "retention.ms")[:2], ("3600000", DYNAMIC_BROKER))
        self.assertEqual(self.topic_config("own", "retention.ms")[:2], ("5000", 1))
        self.assertTrue(mine["log.dirs"][2], "log.dirs is read-only")
        # Kept in the metadata log: a restart finds both levels.
        self.broker.restart()
        self.admin.close()
        self.admin = KafkaAdminClient(bootstrap_servers=self.broker.bootstrap, request_timeout_ms=10000)
        self.assertEqual(self.topic_config("plain", "retention.ms")[:2], ("3600000", DYNAMIC_BROKER))
        self.assertEqual(self.broker_configs("")["log.retention.ms"][:2], ("7200000", DYNAMIC_DEFAULT_BROKER))
        # DELETE falls back a level: this broker's value goes, the default is back.
        self.assertEqual(self.incremental_broker("1", [("log.retention.ms", DELETE, None)]), (NONE, None))
        self.assertEqual(self.topic_config("plain", "retention.ms")[:2], ("7200000", DYNAMIC_DEFAULT_BROKER))

    def test_a_dynamic_default_applies_to_the_live_logs(self):
        self.admin.create_topics([NewTopic("plain", 1, 1), NewTopic("own", 1, 1)])
        self.admin.alter_configs([ConfigResource(ConfigResourceType.TOPIC, "own",
                                                 configs={"max.message.bytes": "100000"})])
        self.produce("plain", 1, size=5000)
        self.assertEqual(self.incremental_broker("1", [("message.max.bytes", SET, "1000")]), (NONE, None))
        producer = KafkaProducer(bootstrap_servers=self.broker.bootstrap, acks="all", retries=0)
        try:
            with self.assertRaises(KafkaError) as refused:
                producer.send("plain", value=b"x" * 5000, partition=0).get(timeout=10)
            self.assertIn("MessageSizeTooLarge", type(refused.exception).__name__)
            producer.send("own", value=b"x" * 5000, partition=0).get(timeout=10)  # its own limit
            self.assertEqual(self.incremental_broker("1", [("message.max.bytes", DELETE, None)]), (NONE, None))
            producer.send("plain", value=b"x" * 5000, partition=0).get(timeout=10)
        finally:
            producer.close()

    def test_errors_change_nothing(self):
        error, message = self.incremental_broker("1", [("log.dirs", SET, "/elsewhere"),
                                                       ("log.retention.ms", SET, "1")])
        self.assertEqual((error, message), (INVALID_REQUEST, "Cannot update these configs dynamically: Set(log.dirs)"))
        error, message = self.incremental_broker("", [("log.retention.ms", SET, "soon")])
        self.assertEqual(error, INVALID_CONFIG)
        self.assertIn("log.retention.ms", message)
        error, message = self.incremental_broker("7", [("log.retention.ms", SET, "1")])
        self.assertEqual((error, message), (INVALID_REQUEST, "Unexpected broker id, expected 1 or empty string, "
                                                             "but received 7"))
        self.assertEqual(self.incremental_broker("1", [("log.retention.ms", SET, "1")], validate_only=True),
                         (NONE, None))
        self.assertEqual(self.broker_configs(""), {})
        self.assertEqual(self.broker_configs("1")["log.retention.ms"][1], DEFAULT)
        # APPEND to a broker list starts from the value in force.
        self.assertEqual(self.incremental_broker("1", [("log.cleanup.policy", APPEND, "compact")]), (NONE, None))
        self.assertEqual(self.broker_configs("1")["log.cleanup.policy"][:2], ("delete,compact", DYNAMIC_BROKER))


class DeleteRecordsAndEpochsTest(AdminApiTestCase):
    def delete_records(self, topic, partition, offset):
        response = self.send(DeleteRecordsRequest_v1(topics=[(topic, [(partition, offset)])], timeout_ms=5000))
        (_, ((index, low_watermark, error),)), = response.topics
        self.assertEqual(index, partition)
        return error, low_watermark

    def earliest(self, topic, partition):
        from kafka import KafkaConsumer, TopicPartition
        consumer = KafkaConsumer(bootstrap_servers=self.broker.bootstrap)
        tp = TopicPartition(topic, partition)
        offset = consumer.beginning_offsets([tp])[tp]
        consumer.close()
        return offset

    def test_delete_records_moves_the_log_start(self):
        self.admin.create_topics([NewTopic("orders", 2, 1)])
        self.produce("orders", 50)
        self.assertEqual(self.delete_records("orders", 0, 20), (NONE, 20))
        self.assertEqual(self.earliest("orders", 0), 20)
        out = subprocess.run(["kcat", "-b", self.broker.bootstrap, "-C", "-t", "orders", "-p", "0", "-o", "beginning",
                              "-e", "-q", "-f", "%o\n"], capture_output=True, text=True, timeout=60)
        self.assertEqual(out.stdout.split(), [str(o) for o in range(20, 50)])
        # Below the log start is a no-op; past the high watermark is out of range; -1 is the high watermark.
        self.assertEqual(self.delete_records("orders", 0, 5), (NONE, 20))
        self.assertEqual(self.delete_records("orders", 0, 51)[0], OFFSET_OUT_OF_RANGE)
        self.assertEqual(self.delete_records("orders", 0, -1), (NONE, 50))
        self.assertEqual(self.delete_records("orders", 7, 1)[0], UNKNOWN_TOPIC_OR_PARTITION)
        self.admin.create_topics([NewTopic("compacted", 1, 1, topic_configs={"cleanup.policy": "compact"})])
        self.assertEqual(self.delete_records("compacted", 0, 0)[0], POLICY_VIOLATION)
        self.broker.restart()
        self.admin.close()
        self.admin = KafkaAdminClient(bootstrap_servers=self.broker.bootstrap, request_timeout_ms=10000)
        self.assertEqual(self.earliest("orders", 0), 50, "the log start offset survives a clean restart")

    def test_offset_for_leader_epoch(self):
        self.admin.create_topics([NewTopic("orders", 1, 1)])
        self.produce("orders", 7)

        def ask(epoch, current=-1, topic="orders"):
            response = self.send(OffsetForLeaderEpochRequest_v3(replica_id=-1, topics=[(topic, [(0, current, epoch)])]))
            (_, ((error, partition, leader_epoch, end_offset),)), = response.topics
            return error, leader_epoch, end_offset

        self.assertEqual(ask(0), (NONE, 0, 7))  # the current epoch ends at the log end
        self.assertEqual(ask(0, current=0), (NONE, 0, 7))
        self.assertEqual(ask(3), (NONE, -1, -1))  # an epoch the log never had
        self.assertEqual(ask(0, current=3)[0], UNKNOWN_LEADER_EPOCH)
        self.assertEqual(ask(0, topic="missing")[0], UNKNOWN_TOPIC_OR_PARTITION)

    def test_describe_log_dirs(self):
        self.admin.create_topics([NewTopic("orders", 2, 1), NewTopic("other", 1, 1)])
        self.produce("orders", 10, partition=1, size=100)
        response = self.send(DescribeLogDirsRequest_v1(topics=[("orders", [0, 1])]))
        (error, log_dir, topics), = response.results
        self.assertEqual(error, NONE)
        self.assertEqual(os.path.realpath(log_dir), os.path.realpath(self.broker.data_dir))
        (name, partitions), = topics
        self.assertEqual(name, "orders")
        sizes = {p[0]: p[1] for p in partitions}
        self.assertEqual(set(sizes), {0, 1})
        self.assertEqual(sizes[0], 0)
        on_disk = os.path.getsize(os.path.join(self.broker.data_dir, "orders-1", "00000000000000000000.log"))
        self.assertEqual(sizes[1], on_disk)
        self.assertGreater(sizes[1], 1000)

    def test_describe_cluster_v0(self):
        # DescribeCluster v0 is flexible: request header v2 (client id a nullable int16 string, then
        # tagged fields), body: include_cluster_authorized_operations, no tagged fields.
        header = struct.pack(">hhih", 60, 0, 7, -1) + b"\x00"
        body = b"\x00" + b"\x00"
        with socket.create_connection(("127.0.0.1", self.broker.port), timeout=10) as s:
            s.sendall(struct.pack(">i", len(header) + len(body)) + header + body)
            size = struct.unpack(">i", recv_exactly(s, 4))[0]
            reply = recv_exactly(s, size)
        r = Reader(reply)
        self.assertEqual(r.int32(), 7)  # correlation id
        r.tags()  # response header v1
        r.int32()  # throttle
        self.assertEqual(r.int16(), NONE)
        self.assertIsNone(r.compact_string())  # error message
        cluster_id = r.compact_string()
        self.assertEqual(r.int32(), 1)  # controller id
        brokers = [(r.int32(), r.compact_string(), r.int32(), r.compact_string(), r.tags()) for _ in range(r.uvarint() - 1)]
        self.assertEqual([(b[0], b[1], b[2], b[3]) for b in brokers], [(1, "127.0.0.1", self.broker.port, None)])
        # The cluster id of the node's meta.properties.
        with open(os.path.join(self.broker.data_dir, "meta.properties")) as f:
            self.assertIn(f"cluster.id={cluster_id}\n", f.read())


def recv_exactly(s, n):
    data = b""
    while len(data) < n:
        chunk = s.recv(n - len(data))
        if not chunk:
            raise AssertionError("connection closed")
        data += chunk
    return data


class Reader:
    """Kafka's flexible encodings, written from the protocol guide."""

    def __init__(self, data):
        self.data, self.pos = data, 0

    def take(self, n):
        out = self.data[self.pos:self.pos + n]
        self.pos += n
        return out

    def int16(self):
        return struct.unpack(">h", self.take(2))[0]

    def int32(self):
        return struct.unpack(">i", self.take(4))[0]

    def uvarint(self):
        shift = value = 0
        while True:
            b = self.take(1)[0]
            value |= (b & 0x7F) << shift
            if not b & 0x80:
                return value
            shift += 7

    def compact_string(self):
        n = self.uvarint()
        return None if n == 0 else self.take(n - 1).decode()

    def tags(self):
        for _ in range(self.uvarint()):
            self.uvarint()
            self.take(self.uvarint())


class AdminHttpTest(AdminApiTestCase):
    """/metrics (parsed by the Prometheus client library's own parser) and /health."""

    def get(self, path, method="GET"):
        import http.client
        connection = http.client.HTTPConnection("127.0.0.1", self.broker.admin_port, timeout=10)
        connection.request(method, path)
        response = connection.getresponse()
        body = response.read().decode()
        connection.close()
        return response.status, response.getheader("Content-Type"), body

    def metrics(self):
        from prometheus_client.parser import text_string_to_metric_families
        status, content_type, body = self.get("/metrics")
        self.assertEqual(status, 200)
        self.assertTrue(content_type.startswith("text/plain; version=0.0.4"), content_type)
        samples = {}
        for family in text_string_to_metric_families(body):
            for sample in family.samples:
                samples[(sample.name, tuple(sorted(sample.labels.items())))] = sample.value
        return samples

    def test_metrics_count_what_clients_did(self):
        self.admin.create_topics([NewTopic("orders", 2, 1)])
        self.produce("orders", 40, partition=0, size=100)
        self.produce("orders", 10, partition=1, size=100)
        out = subprocess.run(["kcat", "-b", self.broker.bootstrap, "-C", "-t", "orders", "-o", "beginning", "-e", "-q"],
                             capture_output=True, text=True, timeout=60)
        self.assertEqual(len(out.stdout.split()), 50)
        m = self.metrics()
        on_disk = sum(os.path.getsize(os.path.join(self.broker.data_dir, f"orders-{p}", "00000000000000000000.log"))
                      for p in (0, 1))
        topic = (("topic", "orders"),)
        self.assertEqual(m[("kafka_server_brokertopicmetrics_bytesin_total", topic)], on_disk)
        self.assertEqual(m[("kafka_server_brokertopicmetrics_messagesin_total", topic)], 50)
        self.assertEqual(m[("kafka_server_brokertopicmetrics_messagesin_total", ())], 50)
        self.assertGreaterEqual(m[("kafka_server_brokertopicmetrics_bytesout_total", topic)], on_disk)
        self.assertEqual(m[("kafka_server_brokertopicmetrics_totalproducerequests_total", topic)], 50)
        self.assertEqual(m[("kafka_server_replicamanager_partitioncount", ())], 2)
        self.assertEqual(m[("kafka_server_replicamanager_underreplicatedpartitions", ())], 0)
        self.assertEqual(m[("kafka_log_log_logendoffset", (("partition", "0"), ("topic", "orders")))], 40)
        self.assertEqual(m[("kafka_log_log_size", (("partition", "1"), ("topic", "orders")))],
                         os.path.getsize(os.path.join(self.broker.data_dir, "orders-1", "00000000000000000000.log")))
        produce_requests = sum(v for (name, labels), v in m.items()
                               if name == "kafka_network_requestmetrics_requests_total" and
                               ("request", "Produce") in labels)
        self.assertEqual(produce_requests, 50)  # kafka-python sent each record in its own request
        self.assertEqual(m[("kafka_network_requestmetrics_totaltimems_count", (("request", "Produce"),))], 50)
        p99 = m[("kafka_network_requestmetrics_totaltimems", (("quantile", "0.99"), ("request", "Produce")))]
        p50 = m[("kafka_network_requestmetrics_totaltimems", (("quantile", "0.5"), ("request", "Produce")))]
        self.assertGreater(p50, 0)
        self.assertGreaterEqual(p99, p50)

    def test_health_and_bad_requests(self):
        status, content_type, body = self.get("/health")
        self.assertEqual((status, content_type), (200, "application/json"))
        health = json.loads(body)
        self.assertEqual(health["status"], "ok")
        self.assertEqual(health["node_id"], 1)
        self.assertEqual(self.get("/nothing")[0], 404)
        self.assertEqual(self.get("/metrics", method="POST")[0], 405)
        # A request head that never ends is cut off at 8 KiB; the broker keeps serving.
        with socket.create_connection(("127.0.0.1", self.broker.admin_port), timeout=10) as s:
            s.sendall(b"GET /metrics HTTP/1.1\r\nX-Filler: " + b"a" * 20000)
            self.assertIn(b" 431 ", s.recv(200))
        self.assertEqual(self.get("/health")[0], 200)


class KafkajsTest(AdminApiTestCase):
    def kafkajs(self, scenario):
        env = dict(os.environ, NODE_PATH=os.path.join(REPO, "tools", "node_modules"))
        r = subprocess.run(["node", os.path.join(HERE, "kafkajs_client.js"), self.broker.bootstrap, scenario],
                           capture_output=True, text=True, timeout=120, env=env)
        self.assertEqual(r.returncode, 0, f"kafkajs {scenario} failed:\n{r.stdout}\n{r.stderr}")
        return json.loads(r.stdout.strip().splitlines()[-1])

    def test_kafkajs_idempotent_producer_and_admin(self):
        result = self.kafkajs("producer-and-admin")
        self.assertTrue(result["created"])
        self.assertIn("orders", result["topics"])
        self.assertEqual(result["partitions"], 3)
        self.assertEqual(result["produced"], 300)
        self.assertEqual(sorted(result["highWatermarks"].values()), sorted(result["expectedPerPartition"]))
        self.assertEqual(sum(result["highWatermarks"].values()), 300)
        self.assertEqual(result["lowAfterDelete"], 10)
        self.assertEqual(result["retentionMs"], "123456")
        self.assertEqual(result["clusterBrokers"], [[1, "127.0.0.1", self.broker.port]])
        self.assertEqual(result["controller"], 1)
        self.assertNotIn("orders", result["topicsAfterDelete"])
        # The idempotent producer's batches carry a producer id: the log has them once each.
        out = subprocess.run(["kcat", "-b", self.broker.bootstrap, "-C", "-t", "events", "-o", "beginning", "-e", "-q",
                              "-f", "%s\n"], capture_output=True, text=True, timeout=60)
        self.assertEqual(sorted(out.stdout.split()), sorted(f"event-{i}" for i in range(100)))


if __name__ == "__main__":
    sys.exit(run_tests(__doc__, "admin API tests"))
