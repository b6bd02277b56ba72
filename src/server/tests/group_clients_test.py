#!/usr/bin/env python3
"""Consumer groups on a real `strata broker`, driven by clients no one here wrote: kcat -G
(librdkafka), confluent-kafka-python, kafka-python and kafkajs. Each test is a user's actions and
what must hold: partitions shared within a group, rebalances on join and leave, committed offsets
that survive restarts (clean and kill -9), static membership, cooperative rebalancing, the admin
APIs, `__consumer_offsets` in Kafka's own record format, hostile requests, and (hand-encoded) the
newest versions of the APIs, which no installed client sends.

    /usr/bin/python3 group_clients_test.py path/to/strata [unittest args]
"""

import collections
import json
import os
import re
import signal
import socket
import struct
import subprocess
import sys
import threading
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from strata_broker import BrokerTestCase, run_tests  # noqa: E402

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.abspath(os.path.join(HERE, "..", "..", ".."))
# Short rebalances: the first join of a group waits this long for more members.
GROUP_PROPERTIES = {"num.partitions": "4", "group.initial.rebalance.delay.ms": "300"}


def wait_until(condition, timeout, what):
    deadline = time.time() + timeout
    while time.time() < deadline:
        if condition():
            return
        time.sleep(0.1)
    raise AssertionError(f"timed out after {timeout}s waiting for {what}")


def kcat(*args, input=None, timeout=60):
    r = subprocess.run(["kcat", *args], input=input, capture_output=True, text=True, timeout=timeout)
    if r.returncode != 0:
        raise AssertionError(f"kcat {' '.join(args)} failed ({r.returncode}): {r.stderr}")
    return r.stdout


def produce(bootstrap, topic, values):
    kcat("-b", bootstrap, "-P", "-t", topic, "-K", ":", input="".join(f"k{v}:{v}\n" for v in values))


def java_string_hash(s):
    h = 0
    for unit in struct.unpack(f">{len(s.encode('utf-16-be')) // 2}H", s.encode("utf-16-be")):
        h = (31 * h + unit) & 0xFFFFFFFF
    return h - (1 << 32) if h >= 1 << 31 else h


def offsets_partition(group, partitions=50):
    h = java_string_hash(group)
    return 0 if h == -(1 << 31) else abs(h) % partitions


REBALANCED = re.compile(r"rebalanced \(memberid [^)]*\): (assigned|revoked): ?(.*)")


class KcatMember:
    """A `kcat -G` balanced consumer; its messages and its current assignment, read from its output."""

    def __init__(self, bootstrap, group, topic):
        self.process = subprocess.Popen(
            ["kcat", "-b", bootstrap, "-G", group, topic, "-u", "-f", "%p:%o:%s\n", "-X", "auto.offset.reset=earliest",
             "-X", "heartbeat.interval.ms=300", "-X", "session.timeout.ms=6000", "-X", "auto.commit.interval.ms=200"],
            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        self.lock = threading.Lock()
        self.messages = []
        self.assigned = None  # None until the first assignment
        self.stderr = []
        threading.Thread(target=self._read_stdout, daemon=True).start()
        threading.Thread(target=self._read_stderr, daemon=True).start()

    def _read_stdout(self):
        for line in self.process.stdout:
            if line.strip():
                p, o, v = line.strip().split(":", 2)
                with self.lock:
                    self.messages.append((int(p), int(o), v))

    def _read_stderr(self):
        for line in self.process.stderr:
            with self.lock:
                self.stderr.append(line)
            m = REBALANCED.search(line)
            if not m:
                continue
            partitions = {int(p) for p in re.findall(r"\[(\d+)\]", m.group(2))}
            with self.lock:
                self.assigned = partitions if m.group(1) == "assigned" else set()

    def assignment(self):
        with self.lock:
            return None if self.assigned is None else set(self.assigned)

    def values(self):
        with self.lock:
            return [v for _, _, v in self.messages]

    def stop(self):
        self.process.send_signal(signal.SIGTERM)
        try:
            self.process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            self.process.kill()
            raise AssertionError("kcat did not stop within 30 s: " + "".join(self.stderr[-20:]))


def assert_shared(test, members, partitions, timeout=60):
    """Waits until the members' assignments are disjoint, non-empty and cover every partition."""
    def shared():
        sets = [m.assignment() for m in members]
        if any(not s for s in sets):
            return False
        union = set().union(*sets)
        return union == set(range(partitions)) and sum(len(s) for s in sets) == partitions
    wait_until(shared, timeout, f"{len(members)} members to share {partitions} partitions: "
               f"{[m.assignment() for m in members]}")


class KcatGroupTest(BrokerTestCase):
    properties = GROUP_PROPERTIES

    def test_balanced_consumers_share_rebalance_hand_over_and_resume(self):
        b = self.broker.bootstrap
        produce(b, "orders", ["warmup"])  # creates the topic (4 partitions)
        a, c = KcatMember(b, "shop", "orders"), KcatMember(b, "shop", "orders")
        members = [a, c]
        try:
            assert_shared(self, [a, c], 4)
            produce(b, "orders", [f"m{i}" for i in range(200)])
            expected = {f"m{i}" for i in range(200)} | {"warmup"}
            wait_until(lambda: set(a.values()) | set(c.values()) == expected, 60, "every message consumed")
            self.assertTrue(a.values() and c.values(), "both members consumed")
            seen = collections.Counter(a.values() + c.values())
            self.assertEqual([v for v, n in seen.items() if n > 1], [], "no message twice")

            # A third member joins: the group rebalances over all three.
            d = KcatMember(b, "shop", "orders")
            members.append(d)
            assert_shared(self, [a, c, d], 4)
            # It stops (LeaveGroup): its partitions are handed over to the other two.
            d.stop()
            members.remove(d)
            assert_shared(self, [a, c], 4)
            produce(b, "orders", [f"n{i}" for i in range(100)])
            more = {f"n{i}" for i in range(100)}
            wait_until(lambda: more <= set(a.values()) | set(c.values()) | set(d.values()), 60,
                       "the messages produced after the hand-over")
            # Let the auto-commit catch up, then stop both (closing commits too).
            time.sleep(1)
        finally:
            for m in members:
                m.stop()
        consumed = collections.Counter(a.values() + c.values() + d.values())
        # A rerun of the group resumes after the committed offsets: only the new messages.
        produce(b, "orders", [f"p{i}" for i in range(50)])
        rerun = KcatMember(b, "shop", "orders")
        try:
            wait_until(lambda: len(rerun.values()) >= 50, 60, "the rerun to read the new messages")
            time.sleep(2)
            self.assertEqual(sorted(rerun.values()), sorted(f"p{i}" for i in range(50)))
        finally:
            rerun.stop()
        self.assertTrue(all(v not in consumed for v in rerun.values()))


class ConfluentGroupTest(BrokerTestCase):
    properties = GROUP_PROPERTIES

    def consumer(self, group, **extra):
        from confluent_kafka import Consumer
        conf = {"bootstrap.servers": self.broker.bootstrap, "group.id": group, "auto.offset.reset": "earliest",
                "enable.auto.commit": False, "session.timeout.ms": 6000, "heartbeat.interval.ms": 300}
        conf.update(extra)
        return Consumer(conf)

    def produce(self, topic, values):
        from confluent_kafka import Producer
        p = Producer({"bootstrap.servers": self.broker.bootstrap})
        for v in values:
            p.produce(topic, key=str(v).encode(), value=str(v).encode())
        self.assertEqual(p.flush(30), 0)

    class Member(threading.Thread):
        """A consumer polling in its thread, committing each message synchronously."""

        def __init__(self, consumer, topic, commit=True):
            super().__init__(daemon=True)
            self.consumer, self.topic, self.commit = consumer, topic, commit
            self.values, self.assign_events, self.revoke_events = [], [], []
            self.stop_event = threading.Event()
            self.errors = []

        def run(self):
            def on_assign(c, partitions):
                self.assign_events.append({p.partition for p in partitions})

            def on_revoke(c, partitions):
                self.revoke_events.append({p.partition for p in partitions})
            self.consumer.subscribe([self.topic], on_assign=on_assign, on_revoke=on_revoke)
            while not self.stop_event.is_set():
                msg = self.consumer.poll(0.2)
                if msg is None:
                    continue
                if msg.error():
                    self.errors.append(str(msg.error()))
                    continue
                self.values.append(msg.value().decode())
                if self.commit:
                    self.consumer.commit(message=msg, asynchronous=False)

        def stop(self, close=True):
            self.stop_event.set()
            self.join(30)
            if close:
                self.consumer.close()

    def assignments_shared(self, members, partitions):
        sets = [{tp.partition for tp in m.consumer.assignment()} for m in members]
        return all(sets) and set().union(*sets) == set(range(partitions)) and sum(map(len, sets)) == partitions

    def test_two_consumers_manual_commits_each_message_once_committed_and_list_groups(self):
        from confluent_kafka import TopicPartition
        from confluent_kafka.admin import AdminClient
        self.produce("pay", ["warmup"])
        members = [self.Member(self.consumer("billing"), "pay") for _ in range(2)]
        for m in members:
            m.start()
        try:
            wait_until(lambda: self.assignments_shared(members, 4), 60, "both consumers assigned")
            n = 300
            self.produce("pay", [f"v{i}" for i in range(n)])
            wait_until(lambda: sum(len(m.values) for m in members) >= n + 1, 60, "every message consumed")
            time.sleep(0.5)
            seen = collections.Counter(members[0].values + members[1].values)
            self.assertEqual(len(seen), n + 1)
            self.assertEqual(set(seen.values()), {1}, "each message exactly once across the group")
            self.assertTrue(members[0].values and members[1].values)
            # committed(): every partition's committed offset is its end.
            c = members[0].consumer
            tps = [TopicPartition("pay", p) for p in range(4)]
            committed = c.committed(tps, timeout=10)
            for tp in committed:
                self.assertEqual(tp.offset, c.get_watermark_offsets(tp, timeout=10)[1], tp)
            # ListGroups + DescribeGroups through the admin client.
            groups = AdminClient({"bootstrap.servers": self.broker.bootstrap}).list_groups(timeout=10)
            billing = [g for g in groups if g.id == "billing"]
            self.assertEqual(len(billing), 1, [g.id for g in groups])
            self.assertEqual(billing[0].state, "Stable")
            self.assertEqual(billing[0].protocol_type, "consumer")
            self.assertEqual(billing[0].protocol, "range")
            self.assertEqual(len(billing[0].members), 2)
            self.assertTrue(all(m.client_host.startswith("/127.0.0.1") for m in billing[0].members))
        finally:
            for m in members:
                m.stop()
        groups = AdminClient({"bootstrap.servers": self.broker.bootstrap}).list_groups("billing", timeout=10)
        self.assertEqual(groups[0].state, "Empty")

    def test_static_membership_rejoin_without_rebalance(self):
        self.produce("st", ["x"])
        extra = {"session.timeout.ms": 10000}
        a = self.Member(self.consumer("static", **{"group.instance.id": "inst-a"}, **extra), "st", commit=False)
        b = self.Member(self.consumer("static", **{"group.instance.id": "inst-b"}, **extra), "st", commit=False)
        a.start()
        b.start()
        try:
            wait_until(lambda: self.assignments_shared([a, b], 4), 60, "both static members assigned")
            time.sleep(1)
            a_partitions = {tp.partition for tp in a.consumer.assignment()}
            b_events = (len(b.assign_events), len(b.revoke_events))
            # inst-a restarts: a static member sends no LeaveGroup, and comes back with a new
            # member id within its session timeout.
            a.stop()
            a2 = self.Member(self.consumer("static", **{"group.instance.id": "inst-a"}, **extra), "st", commit=False)
            a2.start()
            wait_until(lambda: a2.consumer.assignment(), 30, "the restarted instance to get its assignment")
            self.assertEqual({tp.partition for tp in a2.consumer.assignment()}, a_partitions)
            time.sleep(2)
            self.assertEqual((len(b.assign_events), len(b.revoke_events)), b_events,
                             "the other member saw no rebalance")
            a2.stop()
        finally:
            b.stop()

    def test_cooperative_sticky_rebalances_incrementally(self):
        self.produce("coop", ["x"])
        extra = {"partition.assignment.strategy": "cooperative-sticky"}
        a = self.Member(self.consumer("coop", **extra), "coop")
        a.start()
        b = None
        try:
            wait_until(lambda: len(a.consumer.assignment()) == 4, 60, "the first member to get every partition")
            b = self.Member(self.consumer("coop", **extra), "coop")
            b.start()
            wait_until(lambda: self.assignments_shared([a, b], 4), 60, "the partitions to be shared")
            # Incremental: the first member gave up only what moved, never its whole assignment.
            self.assertTrue(a.revoke_events, "the first member revoked some partitions")
            self.assertTrue(all(len(r) < 4 for r in a.revoke_events), a.revoke_events)
            self.produce("coop", [f"c{i}" for i in range(100)])
            wait_until(lambda: len(a.values) + len(b.values) >= 101, 60, "every message consumed")
            self.assertEqual(set(collections.Counter(a.values + b.values).values()), {1})
        finally:
            a.stop()
            if b:
                b.stop()

    def test_committed_offsets_survive_clean_restart_and_kill_nine_in_kafkas_format(self):
        from confluent_kafka import Consumer, TopicPartition
        self.produce("r", [f"r{i}" for i in range(60)])
        # A member of a group consumes everything and commits; a simple (unsubscribed) client
        # commits explicit offsets for another group.
        m = self.Member(self.consumer("restart-g"), "r")
        m.start()
        wait_until(lambda: len(m.values) >= 60, 60, "the group to consume the topic")
        m.stop()
        simple = self.consumer("simple-g")
        wanted = [TopicPartition("r", 0, 3), TopicPartition("r", 1, 5), TopicPartition("r", 2, 7)]
        simple.commit(offsets=wanted, asynchronous=False)
        simple.close()

        def committed(group, tps):
            c = self.consumer(group)
            try:
                return {tp.partition: tp.offset for tp in c.committed(tps, timeout=10)}
            finally:
                c.close()

        all_tps = [TopicPartition("r", p) for p in range(4)]
        group_before = committed("restart-g", all_tps)
        self.assertEqual(sum(group_before.values()), 60)
        simple_expected = {0: 3, 1: 5, 2: 7}
        self.assertEqual(committed("simple-g", [TopicPartition("r", p) for p in range(3)]), simple_expected)

        self.assertEqual(self.broker.restart(), 0)
        self.assertEqual(committed("restart-g", all_tps), group_before)
        self.assertEqual(committed("simple-g", [TopicPartition("r", p) for p in range(3)]), simple_expected)

        after = self.consumer("simple-g")
        after.commit(offsets=[TopicPartition("r", 0, 9)], asynchronous=False)
        after.close()
        self.broker.kill()
        self.broker.start()
        self.assertEqual(committed("simple-g", [TopicPartition("r", p) for p in range(3)]), {0: 9, 1: 5, 2: 7})
        self.assertEqual(committed("restart-g", all_tps), group_before)

        # The internal topic: compacted, 50 partitions, listed only when asked for by name.
        listing = kcat("-b", self.broker.bootstrap, "-L")
        self.assertNotIn("__consumer_offsets", listing)
        self.assertIn('topic "__consumer_offsets" with 50 partitions',
                      kcat("-b", self.broker.bootstrap, "-L", "-t", "__consumer_offsets"))
        # Its records read like Kafka's: OffsetCommitKey v1 -> OffsetCommitValue v3 (or v1), and
        # GroupMetadataKey v2 -> GroupMetadataValue v3, in the group's partition.
        reader = Consumer({"bootstrap.servers": self.broker.bootstrap, "group.id": "reader",
                           "enable.auto.commit": False})
        reader.assign([TopicPartition("__consumer_offsets", offsets_partition("simple-g"), 0)])
        commits, end = {}, time.time() + 20
        while time.time() < end and commits.get(0) != 9:
            msg = reader.poll(0.5)
            if msg is None or msg.error():
                continue
            key = msg.key()
            version, = struct.unpack(">h", key[:2])
            if version != 1:
                continue
            glen, = struct.unpack(">h", key[2:4])
            group = key[4:4 + glen].decode()
            tlen, = struct.unpack(">h", key[4 + glen:6 + glen])
            topic = key[6 + glen:6 + glen + tlen].decode()
            partition, = struct.unpack(">i", key[6 + glen + tlen:10 + glen + tlen])
            value_version, offset = struct.unpack(">hq", msg.value()[:10])
            self.assertIn(value_version, (1, 3))
            if group == "simple-g" and topic == "r":
                commits[partition] = offset
        reader.close()
        self.assertEqual(commits, {0: 9, 1: 5, 2: 7})


class KafkaPythonGroupTest(BrokerTestCase):
    properties = GROUP_PROPERTIES

    def test_auto_commit_group_and_admin_apis(self):
        from kafka import KafkaAdminClient, KafkaConsumer, KafkaProducer
        from kafka.errors import NoError, NonEmptyGroupError
        b = self.broker.bootstrap
        producer = KafkaProducer(bootstrap_servers=b)
        for i in range(90):
            producer.send("kp", key=b"k%d" % i, value=b"kp-%d" % i)
        producer.flush(30)
        producer.close()
        consumer = KafkaConsumer("kp", group_id="kpg", bootstrap_servers=b, auto_offset_reset="earliest",
                                 enable_auto_commit=True, auto_commit_interval_ms=100, consumer_timeout_ms=20000,
                                 session_timeout_ms=10000, heartbeat_interval_ms=300)
        seen = []
        for message in consumer:
            seen.append(message.value)
            if len(seen) == 90:
                break
        self.assertEqual(sorted(seen), sorted(b"kp-%d" % i for i in range(90)))
        admin = KafkaAdminClient(bootstrap_servers=b)
        try:
            self.assertIn(("kpg", "consumer"), admin.list_consumer_groups())
            described = admin.describe_consumer_groups(["kpg"])[0]
            self.assertEqual(described.state, "Stable")
            self.assertEqual(described.protocol_type, "consumer")
            self.assertEqual(len(described.members), 1)
            assignment = described.members[0].member_assignment.assignment
            self.assertEqual(sorted(p for _, ps in assignment for p in ps), [0, 1, 2, 3])
            deleted = admin.delete_consumer_groups(["kpg"])
            self.assertEqual(deleted, [("kpg", NonEmptyGroupError)])
            consumer.close()  # commits (auto-commit) and leaves
            offsets = admin.list_consumer_group_offsets("kpg")
            self.assertEqual(sum(o.offset for o in offsets.values()), 90, offsets)
            self.assertEqual(admin.describe_consumer_groups(["kpg"])[0].state, "Empty")
            self.assertEqual(admin.delete_consumer_groups(["kpg"]), [("kpg", NoError)])
            self.assertNotIn("kpg", [g for g, _ in admin.list_consumer_groups()])
            self.assertEqual(admin.list_consumer_group_offsets("kpg"), {})
        finally:
            admin.close()


    def test_deleting_a_topic_deletes_its_committed_offsets(self):
        from kafka import KafkaAdminClient, KafkaConsumer, TopicPartition
        from kafka.structs import OffsetAndMetadata
        b = self.broker.bootstrap
        produce(b, "doomed", ["a", "b"])
        produce(b, "kept", ["c"])
        consumer = KafkaConsumer(group_id="dg", bootstrap_servers=b, enable_auto_commit=False)
        consumer.commit({TopicPartition("doomed", 0): OffsetAndMetadata(1, ""),
                         TopicPartition("kept", 0): OffsetAndMetadata(1, "")})
        consumer.close()
        admin = KafkaAdminClient(bootstrap_servers=b)
        try:
            self.assertEqual(len(admin.list_consumer_group_offsets("dg")), 2)
            admin.delete_topics(["doomed"])
            self.assertEqual(list(admin.list_consumer_group_offsets("dg")), [TopicPartition("kept", 0)])
        finally:
            admin.close()


class KafkajsGroupTest(BrokerTestCase):
    properties = GROUP_PROPERTIES

    def test_consumer_group_each_message(self):
        produce(self.broker.bootstrap, "js", ["warmup"])
        env = dict(os.environ, NODE_PATH=os.path.join(REPO, "tools", "node_modules"))
        r = subprocess.run(["node", os.path.join(HERE, "kafkajs_group.js"), self.broker.bootstrap, "js", "js-group",
                            "100"], capture_output=True, text=True, timeout=120, env=env)
        self.assertEqual(r.returncode, 0, r.stderr)
        out = json.loads(r.stdout.strip().splitlines()[-1])
        # 100 produced by the script plus the warm-up message.
        self.assertEqual(out["unique"], 101, out)
        self.assertEqual(out["seen"], 101, out)
        self.assertEqual(out["committed"], 101, out)
        self.assertEqual(out["state_while_consuming"], "Stable")
        self.assertEqual(out["members_while_consuming"], 1)
        self.assertEqual(out["state_after"], "Empty")
        self.assertIn({"groupId": "js-group", "protocolType": "consumer"}, out["groups"])


def uvarint(n):
    out = b""
    while True:
        byte, n = n & 0x7F, n >> 7
        out += bytes([byte | (0x80 if n else 0)])
        if not n:
            return out


class FlexibleReader:
    """Just enough of Kafka's flexible encoding to read a response."""

    def __init__(self, data):
        self.data, self.pos = data, 0

    def take(self, fmt):
        value = struct.unpack_from(fmt, self.data, self.pos)
        self.pos += struct.calcsize(fmt)
        return value[0]

    def uvarint(self):
        shift = result = 0
        while True:
            byte = self.data[self.pos]
            self.pos += 1
            result |= (byte & 0x7F) << shift
            shift += 7
            if not byte & 0x80:
                return result

    def string(self):
        n = self.uvarint() - 1
        if n < 0:
            return None
        self.pos += n
        return self.data[self.pos - n:self.pos].decode()

    def bytes(self):
        n = self.uvarint() - 1
        self.pos += n
        return self.data[self.pos - n:self.pos]

    def array(self, element):
        return [element() for _ in range(self.uvarint() - 1)]

    def tags(self):
        for _ in range(self.uvarint()):
            self.uvarint()
            self.pos += self.uvarint()


class OffsetFetchBatchedTest(BrokerTestCase):
    properties = GROUP_PROPERTIES

    def test_offset_fetch_v8_answers_several_groups(self):
        from kafka import KafkaConsumer, TopicPartition
        from kafka.structs import OffsetAndMetadata
        b = self.broker.bootstrap
        produce(b, "t", ["a", "b", "c"])
        for group, partition, offset in (("g1", 0, 5), ("g2", 1, 7)):
            c = KafkaConsumer(group_id=group, bootstrap_servers=b, enable_auto_commit=False)
            c.commit({TopicPartition("t", partition): OffsetAndMetadata(offset, "m-" + group)})
            c.close()
        groups = [b"g1", b"g2", b"g3"]
        body = uvarint(len(groups) + 1)
        for g in groups:
            # group id, member id (null), member epoch... only in v9: v8 has id + topics (null: all).
            body += uvarint(len(g) + 1) + g + uvarint(0) + uvarint(0)
        body += b"\x00" + uvarint(0)  # require_stable false, no tagged fields
        header = struct.pack(">hhih", 9, 8, 42, 4) + b"test" + uvarint(0)
        frame = header + body
        with socket.create_connection(("127.0.0.1", self.broker.port), timeout=10) as sock:
            sock.sendall(struct.pack(">i", len(frame)) + frame)
            size = struct.unpack(">i", sock.recv(4, socket.MSG_WAITALL))[0]
            data = sock.recv(size, socket.MSG_WAITALL)
        r = FlexibleReader(data)
        self.assertEqual(r.take(">i"), 42)
        r.tags()
        r.take(">i")  # throttle

        def partition():
            out = (r.take(">i"), r.take(">q"), r.take(">i"), r.string(), r.take(">h"))
            r.tags()
            return out

        def topic():
            out = (r.string(), r.array(partition))
            r.tags()
            return out

        def group():
            out = (r.string(), r.array(topic), r.take(">h"))
            r.tags()
            return out
        answered = r.array(group)
        self.assertEqual(answered, [("g1", [("t", [(0, 5, -1, "m-g1", 0)])], 0),
                                    ("g2", [("t", [(1, 7, -1, "m-g2", 0)])], 0),
                                    ("g3", [], 0)])


def cstr(s):
    """A compact (nullable) string."""
    if s is None:
        return uvarint(0)
    data = s.encode()
    return uvarint(len(data) + 1) + data


def carray(items):
    return uvarint(len(items) + 1) + b"".join(items)


class NewestVersionsTest(BrokerTestCase):
    """The newest versions advertised, which none of the installed clients sends (hand-encoded
    flexible requests): FindCoordinator v4 (batched keys), JoinGroup v9, SyncGroup v5, Heartbeat v4, OffsetCommit v9, DescribeGroups v5,
    ListGroups v5, LeaveGroup v5."""
    properties = GROUP_PROPERTIES

    def call(self, sock, api, version, body):
        self.correlation = getattr(self, "correlation", 0) + 1
        frame = struct.pack(">hhih", api, version, self.correlation, 4) + b"test" + uvarint(0) + body
        sock.sendall(struct.pack(">i", len(frame)) + frame)
        size = struct.unpack(">i", sock.recv(4, socket.MSG_WAITALL))[0]
        r = FlexibleReader(sock.recv(size, socket.MSG_WAITALL))
        self.assertEqual(r.take(">i"), self.correlation)
        r.tags()
        return r

    def test_newest_versions_of_the_group_apis(self):
        produce(self.broker.bootstrap, "t", ["x"])
        metadata = b"\x00\x00\x00\x00\x00\x01\x00\x01t\xff\xff\xff\xff"  # subscription v0: ["t"]
        protocols = carray([cstr("range") + uvarint(len(metadata) + 1) + metadata + uvarint(0)])

        def join(member_id):
            body = (cstr("hv") + struct.pack(">ii", 10000, 10000) + cstr(member_id) + cstr(None) + cstr("consumer")
                    + protocols + cstr("testing") + uvarint(0))
            r = self.call(sock, 11, 9, body)
            r.take(">i")
            out = {"error": r.take(">h"), "generation": r.take(">i"), "protocol_type": r.string(),
                   "protocol": r.string(), "leader": r.string(), "skip": r.take(">?"), "member_id": r.string()}

            def member():
                m = (r.string(), r.string(), r.bytes())
                r.tags()
                return m
            out["members"] = r.array(member)
            return out

        with socket.create_connection(("127.0.0.1", self.broker.port), timeout=20) as sock:
            def find(key_type, keys):
                r = self.call(sock, 10, 4, struct.pack(">b", key_type) + carray([cstr(k) for k in keys]) + uvarint(0))
                r.take(">i")
                return r.array(lambda: (r.string(), r.take(">i"), r.string(), r.take(">i"), r.take(">h"), r.string(),
                                        r.tags())[:5])
            node = (1, "127.0.0.1", self.broker.port, 0)
            self.assertEqual(find(0, ["hv", "other"]), [("hv",) + node, ("other",) + node])
            self.assertEqual(find(1, ["txn"]), [("txn",) + node])
            self.assertEqual(find(9, ["x"]), [("x", -1, "", -1, 42)])  # INVALID_REQUEST

            first = join("")
            self.assertEqual(first["error"], 79)  # MEMBER_ID_REQUIRED
            joined = join(first["member_id"])
            self.assertEqual((joined["error"], joined["generation"], joined["protocol_type"], joined["protocol"]),
                             (0, 1, "consumer", "range"))
            me = joined["member_id"]
            self.assertEqual(joined["leader"], me)
            self.assertEqual([m[0] for m in joined["members"]], [me])
            self.assertEqual(joined["members"][0][2], metadata)

            assignment = b"\x00\x00\x00\x00\x00\x01\x00\x01t\x00\x00\x00\x01\x00\x00\x00\x00\xff\xff\xff\xff"
            body = (cstr("hv") + struct.pack(">i", 1) + cstr(me) + cstr(None) + cstr("consumer") + cstr("range")
                    + carray([cstr(me) + uvarint(len(assignment) + 1) + assignment + uvarint(0)]) + uvarint(0))
            r = self.call(sock, 14, 5, body)
            r.take(">i")
            self.assertEqual((r.take(">h"), r.string(), r.string()), (0, "consumer", "range"))
            self.assertEqual(r.bytes(), assignment)

            r = self.call(sock, 12, 4, cstr("hv") + struct.pack(">i", 1) + cstr(me) + cstr(None) + uvarint(0))
            r.take(">i")
            self.assertEqual(r.take(">h"), 0)

            partition = struct.pack(">iqi", 0, 1, -1) + cstr("meta") + uvarint(0)
            body = (cstr("hv") + struct.pack(">i", 1) + cstr(me) + cstr(None)
                    + carray([cstr("t") + carray([partition]) + uvarint(0)]) + uvarint(0))
            r = self.call(sock, 8, 9, body)
            r.take(">i")
            self.assertEqual(r.array(lambda: (r.string(), r.array(lambda: (r.take(">i"), r.take(">h"), r.tags())),
                                              r.tags())), [("t", [(0, 0, None)], None)])

            r = self.call(sock, 15, 5, carray([cstr("hv")]) + b"\x01" + uvarint(0))
            r.take(">i")
            self.assertEqual(r.uvarint(), 2)
            error, group_id, state, protocol_type, protocol = (r.take(">h"), r.string(), r.string(), r.string(),
                                                               r.string())
            self.assertEqual((error, group_id, state, protocol_type, protocol), (0, "hv", "Stable", "consumer", "range"))

            r = self.call(sock, 16, 5, carray([cstr("stable")]) + carray([cstr("classic")]) + uvarint(0))
            r.take(">i")
            self.assertEqual(r.take(">h"), 0)

            def listed():
                out = (r.string(), r.string(), r.string(), r.string())
                r.tags()
                return out
            self.assertEqual(r.array(listed), [("hv", "consumer", "Stable", "classic")])

            body = cstr("hv") + carray([cstr(me) + cstr(None) + cstr("done") + uvarint(0)]) + uvarint(0)
            r = self.call(sock, 13, 5, body)
            r.take(">i")
            self.assertEqual(r.take(">h"), 0)
            self.assertEqual(r.array(lambda: (r.string(), r.string(), r.take(">h"), r.tags())), [(me, None, 0, None)])


class HostileGroupRequestsTest(BrokerTestCase):
    """Requests no well-behaved client sends get Kafka's error codes; the broker keeps serving."""
    properties = GROUP_PROPERTIES

    def send(self, client, request):
        node = client.least_loaded_node()
        deadline = time.time() + 10
        while not client.ready(node) and time.time() < deadline:
            client.poll(timeout_ms=100)
        future = client.send(node, request)
        client.poll(future=future, timeout_ms=10000)
        self.assertTrue(future.succeeded(), future.exception)
        return future.value

    def test_bad_group_requests_get_kafkas_errors(self):
        from kafka.client_async import KafkaClient
        from kafka.protocol.commit import GroupCoordinatorRequest_v1, OffsetCommitRequest_v2, OffsetFetchRequest_v1
        from kafka.protocol.group import (HeartbeatRequest_v0, JoinGroupRequest_v1, LeaveGroupRequest_v0,
                                          SyncGroupRequest_v0)
        from kafka.protocol.produce import ProduceRequest_v3
        produce(self.broker.bootstrap, "t", ["x"])
        client = KafkaClient(bootstrap_servers=self.broker.bootstrap)
        try:
            protocols = [("range", b"\x00\x00\x00\x00\x00\x00\xff\xff\xff\xff")]
            invalid_group_id, unknown_member, illegal_generation, invalid_session_timeout = 24, 25, 22, 26
            inconsistent_protocol, invalid_topic = 23, 17
            self.assertEqual(self.send(client, JoinGroupRequest_v1("", 10000, 10000, "", "consumer", protocols))
                             .error_code, invalid_group_id)
            self.assertEqual(self.send(client, JoinGroupRequest_v1("g", 10, 10000, "", "consumer", protocols))
                             .error_code, invalid_session_timeout)
            self.assertEqual(self.send(client, JoinGroupRequest_v1("g", 10000, 10000, "ghost", "consumer", protocols))
                             .error_code, unknown_member)
            self.assertEqual(self.send(client, JoinGroupRequest_v1("g", 10000, 10000, "", "consumer", []))
                             .error_code, inconsistent_protocol)
            self.assertEqual(self.send(client, HeartbeatRequest_v0("nogroup", 3, "m")).error_code, unknown_member)
            self.assertEqual(self.send(client, SyncGroupRequest_v0("nogroup", 3, "m", [("m", b"junk")])).error_code,
                             unknown_member)
            self.assertEqual(self.send(client, LeaveGroupRequest_v0("nogroup", "m")).error_code, unknown_member)
            commit = self.send(client, OffsetCommitRequest_v2("nogroup", 5, "m", -1, [("t", [(0, 1, "")])]))
            self.assertEqual(commit.topics[0][1][0][1], illegal_generation)
            fetched = self.send(client, OffsetFetchRequest_v1("nogroup", [("t", [0, 99])]))
            self.assertEqual([p[1] for p in fetched.topics[0][1]], [-1, -1])
            # Only the coordinator writes its topic (created here, by FindCoordinator).
            self.send(client, GroupCoordinatorRequest_v1("g", 0))
            produced = self.send(client, ProduceRequest_v3(None, -1, 10000, [("__consumer_offsets", [(0, b"")])]))
            self.assertEqual(produced.topics[0][1][0][1], invalid_topic)
        finally:
            client.close()
        self.assertIn("1 brokers", kcat("-b", self.broker.bootstrap, "-L"))


if __name__ == "__main__":
    sys.exit(run_tests(__doc__, "group clients"))
