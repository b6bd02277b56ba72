#!/usr/bin/env python3
"""`strata topics` and `strata configs` as a user runs them, against a real `strata broker`: each test
is a script of commands and the output Kafka's kafka-topics.sh / kafka-configs.sh would print.
kcat and kafka-python (clients no one here wrote) check that what the tools report is what is there.

    /usr/bin/python3 -W ignore admin_tools_test.py path/to/strata [unittest args]
"""

import os
import socket
import subprocess
import sys
import tempfile
import time
import unittest

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "server", "tests"))
from strata_broker import StrataBroker  # noqa: E402

STRATA = None  # set from argv
TOPIC_ERROR = "Error while executing topic command : "


def run(*args, timeout=60):
    return subprocess.run([STRATA, *args], capture_output=True, text=True, timeout=timeout)


def closed_port():
    """A loopback port nothing listens on."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def kcat_partitions(bootstrap, topic):
    out = subprocess.run(["kcat", "-b", bootstrap, "-L", "-t", topic], capture_output=True, text=True,
                         timeout=60).stdout
    for line in out.splitlines():
        if f'topic "{topic}" with' in line:
            return int(line.split(" with ")[1].split()[0])
    return None


def kafka_python_configs(bootstrap, resource_type, name):
    """{name: (value, source)} from kafka-python's describe_configs."""
    from kafka import KafkaAdminClient
    from kafka.admin import ConfigResource, ConfigResourceType

    admin = KafkaAdminClient(bootstrap_servers=bootstrap)
    try:
        kind = ConfigResourceType.TOPIC if resource_type == "topics" else ConfigResourceType.BROKER
        [response] = admin.describe_configs([ConfigResource(kind, name)])
        [(error, _, _, _, entries)] = response.resources
        assert error == 0, error
        return {e[0]: (e[1], e[3]) for e in entries}
    finally:
        admin.close()


class AdminToolTestCase(unittest.TestCase):
    """One broker for the class; every test uses its own topic names."""

    properties = {"num.partitions": "2"}

    @classmethod
    def setUpClass(cls):
        cls.broker = StrataBroker(STRATA, cls.properties)
        cls.broker.start()
        cls.bootstrap = cls.broker.bootstrap

    @classmethod
    def tearDownClass(cls):
        alive = cls.broker.alive()
        code = cls.broker.stop()
        log = cls.broker.dump_log()
        cls.broker.__exit__(None, None, None)
        if not alive or code != 0:
            raise AssertionError(f"the broker must survive the tools and stop cleanly (exit {code}):\n{log}")

    def topics(self, *args, **kw):
        return run("topics", "--bootstrap-server", self.bootstrap, *args, **kw)

    def configs(self, *args, **kw):
        return run("configs", "--bootstrap-server", self.bootstrap, *args, **kw)

    def ok(self, r):
        self.assertEqual(r.returncode, 0, f"stdout:\n{r.stdout}\nstderr:\n{r.stderr}\nbroker:\n{self.broker.dump_log()}")
        return r.stdout

    def fails(self, r):
        self.assertEqual(r.returncode, 1, f"expected exit 1; stdout:\n{r.stdout}\nstderr:\n{r.stderr}")
        return r

    def create(self, topic, *args):
        out = self.ok(self.topics("--create", "--topic", topic, *args))
        if "." in topic or "_" in topic:  # Kafka's warning comes first
            self.assertTrue(out.startswith("WARNING: Due to limitations in metric names"), out)
            out = out.split("\n", 1)[1]
        self.assertEqual(out, f"Created topic {topic}.\n")

    def command_config(self, text):
        f = tempfile.NamedTemporaryFile("w", suffix=".properties", delete=False)
        f.write(text)
        f.close()
        self.addCleanup(os.unlink, f.name)
        return f.name


class TopicsTest(AdminToolTestCase):
    def describe(self, *args):
        """--describe output as (topic line fields, [partition line fields])."""
        lines = self.ok(self.topics("--describe", *args)).splitlines()
        return [line.split("\t") for line in lines]

    def test_create_describe_alter_delete(self):
        self.create("orders", "--partitions", "3", "--replication-factor", "1", "--config", "retention.ms=2592000000",
                    "--config", "cleanup.policy = compact")
        self.assertIn("orders", self.ok(self.topics("--list")).splitlines())
        self.assertEqual(kcat_partitions(self.bootstrap, "orders"), 3)

        [topic, *partitions] = self.describe("--topic", "orders")
        self.assertEqual(topic[0], "Topic: orders")
        self.assertEqual(topic[1:3], ["PartitionCount: 3", "ReplicationFactor: 1"])
        self.assertEqual(len(topic), 4, topic)  # no TopicId: librdkafka 2.0.2's metadata has none
        self.assertTrue(topic[3].startswith("Configs: "), topic)
        self.assertEqual(sorted(topic[3][len("Configs: "):].split(",")),
                         ["cleanup.policy=compact", "retention.ms=2592000000"])
        self.assertEqual(partitions, [["", "Topic: orders", f"Partition: {p}", "Leader: 1", "Replicas: 1", "Isr: 1",
                                       "Elr: N/A", "LastKnownElr: N/A"] for p in range(3)])

        # Grow: nothing printed (as Kafka's tool), the cluster has 5 partitions.
        self.assertEqual(self.ok(self.topics("--alter", "--topic", "orders", "--partitions", "5")), "")
        self.assertEqual(self.describe("--topic", "orders")[0][1], "PartitionCount: 5")
        self.assertEqual(kcat_partitions(self.bootstrap, "orders"), 5)
        # Shrinking is refused with the broker's message.
        r = self.fails(self.topics("--alter", "--topic", "orders", "--partitions", "2"))
        self.assertEqual(r.stdout, TOPIC_ERROR + "Topic currently has 5 partitions, which is higher than the "
                                                 "requested 2.\n")

        self.assertEqual(self.ok(self.topics("--delete", "--topic", "orders")), "")
        self.assertNotIn("orders", self.ok(self.topics("--list")).splitlines())
        r = self.fails(self.topics("--describe", "--topic", "orders"))
        self.assertEqual(r.stderr, "Topic 'orders' does not exist as expected\n")
        self.assertEqual(self.ok(self.topics("--describe", "--topic", "orders", "--if-exists")), "")
        self.assertEqual(self.fails(self.topics("--delete", "--topic", "orders")).stderr,
                         "Topic 'orders' does not exist as expected\n")

    def test_create_defaults_if_not_exists_and_duplicates(self):
        self.create("payments")  # the broker's num.partitions (2) and replication factor
        self.assertEqual(self.describe("--topic", "payments")[0][1:4],
                         ["PartitionCount: 2", "ReplicationFactor: 1", "Configs: "])
        self.assertEqual(self.ok(self.topics("--create", "--topic", "payments", "--if-not-exists")), "")
        self.assertEqual(self.ok(self.topics("--create", "--topic", "payments", "--if-not-exists", "--partitions",
                                             "7")), "")
        self.assertEqual(self.describe("--topic", "payments")[0][1], "PartitionCount: 2")
        r = self.fails(self.topics("--create", "--topic", "payments"))
        self.assertEqual(r.stdout, TOPIC_ERROR + "Topic 'payments' already exists.\n")
        self.create("if-not-exists-new", "--if-not-exists", "--partitions", "1")

    def test_list_and_describe_filters(self):
        self.create("flt.a", "--partitions", "1", "--config", "retention.ms=1000")
        self.create("flt.b", "--partitions", "1")
        # Topics with '.' or '_' get Kafka's metric-name warning before "Created topic".
        r = self.ok(self.topics("--create", "--topic", "flt_c", "--partitions", "1"))
        self.assertTrue(r.startswith("WARNING: Due to limitations in metric names"), r)
        self.assertTrue(r.endswith("Created topic flt_c.\n"), r)

        self.assertEqual(self.ok(self.topics("--list", "--topic", "flt.*")), "flt.a\nflt.b\nflt_c\n")
        self.assertEqual(self.ok(self.topics("--list", "--topic", "flt.a,flt_c")), "flt.a\nflt_c\n")
        listed = self.ok(self.topics("--list")).splitlines()
        self.assertEqual(listed, sorted(listed))
        # Only topics with overrides, and without partition lines.
        overrides = self.describe("--topic", "flt.*", "--topics-with-overrides")
        self.assertEqual(overrides, [["Topic: flt.a", "PartitionCount: 1", "ReplicationFactor: 1",
                                      "Configs: retention.ms=1000"]])
        # One node: nothing is under-replicated or unavailable.
        self.assertEqual(self.ok(self.topics("--describe", "--under-replicated-partitions")), "")
        self.assertEqual(self.ok(self.topics("--describe", "--unavailable-partitions")), "")
        # min.insync.replicas=1 and one replica in sync: every partition is at min ISR.
        at_min = self.describe("--topic", "flt.a", "--at-min-isr-partitions")
        self.assertEqual([fields[1:3] for fields in at_min], [["Topic: flt.a", "Partition: 0"]])
        self.assertEqual(self.ok(self.topics("--describe", "--topic", "flt.a", "--under-min-isr-partitions")), "")
        # Describe of everything lists every topic line once, in name order.
        names = [f[0][len("Topic: "):] for f in self.describe() if f[0].startswith("Topic: ")]
        self.assertEqual(names, sorted(names))
        self.assertTrue({"flt.a", "flt.b", "flt_c"} <= set(names))

    def test_bad_input(self):
        # Invalid config values and names: the broker's messages, which are Kafka's.
        r = self.fails(self.topics("--create", "--topic", "bad1", "--config", "retention.ms=abc"))
        self.assertEqual(r.stdout, TOPIC_ERROR + "Invalid value abc for configuration retention.ms: Not a number of "
                                                 "type LONG\n")
        r = self.fails(self.topics("--create", "--topic", "bad2", "--config", "no.such.config=1"))
        self.assertEqual(r.stdout, TOPIC_ERROR + "Unknown topic config name: no.such.config\n")
        r = self.fails(self.topics("--create", "--topic", "bad3", "--config", "retention.ms"))
        self.assertEqual(r.stderr, "requirement failed: Invalid topic config: all configs to be added must be in the "
                                   "format \"key=val\".\n")
        r = self.fails(self.topics("--create", "--topic", "bad4", "--replication-factor", "3"))
        self.assertTrue(r.stdout.startswith(TOPIC_ERROR), r.stdout)
        self.assertIn("replication", r.stdout.lower())
        r = self.fails(self.topics("--create", "--topic", "bad5", "--partitions", "0"))
        self.assertEqual(r.stderr, "The partitions must be greater than 0\n")
        self.assertNotIn("bad", " ".join(self.ok(self.topics("--list")).split()))

        # The command line, checked as Kafka's TopicCommandOptions does.
        self.assertEqual(self.fails(self.topics("--topic", "x")).stderr,
                         "Command must include exactly one action: --list, --describe, --create, --alter or "
                         "--delete\n")
        self.assertEqual(self.fails(self.topics("--list", "--create")).stderr.split("\n")[0],
                         "Command must include exactly one action: --list, --describe, --create, --alter or "
                         "--delete")
        self.assertEqual(self.fails(run("topics", "--list")).stderr, "--bootstrap-server must be specified\n")
        self.assertEqual(self.fails(self.topics("--create")).stderr, "Missing required argument \"[topic]\"\n")
        self.assertEqual(self.fails(self.topics("--alter", "--topic", "x")).stderr,
                         "Missing required argument \"[partitions]\"\n")
        self.assertEqual(self.fails(self.topics("--list", "--partitions", "3")).stderr,
                         "Option \"[partitions]\" can't be used with option \"[list]\"\n")
        self.assertEqual(self.fails(self.topics("--describe", "--topics-with-overrides",
                                                "--unavailable-partitions")).stderr,
                         "Option \"[unavailable-partitions]\" can't be used with option \"[topics-with-overrides]\"\n")
        self.assertEqual(self.fails(self.topics("--describe", "--if-not-exists")).stderr,
                         "Option \"[if-not-exists]\" can't be used with option \"[describe]\"\n")
        self.assertIn("(To alter topic configurations, the kafka-configs tool can be used.)",
                      self.fails(self.topics("--alter", "--topic", "x", "--partitions", "3", "--config",
                                             "a=b")).stderr)

    def test_command_config(self):
        # Unknown properties are warned about (as Kafka's admin client does), the command still works.
        path = self.command_config("no.such.client.property=1\nclient.id=admin-tools-test\n")
        r = self.topics("--list", "--command-config", path)
        self.ok(r)
        self.assertIn("WARNING: The configuration 'no.such.client.property' was supplied but isn't a known config.",
                      r.stderr)
        # Kafka's JAAS line for SASL/PLAIN or SCRAM becomes librdkafka's sasl.username/sasl.password.
        path = self.command_config('sasl.jaas.config=org.apache.kafka.common.security.plain.PlainLoginModule '
                                   'required username="alice" password="secret";\n')
        r = self.topics("--list", "--command-config", path)
        self.ok(r)
        self.assertNotIn("sasl.jaas.config", r.stderr)
        path = self.command_config("sasl.jaas.config=com.example.CustomLoginModule required;\n")
        self.assertIn("sasl.jaas.config needs username=", self.fails(self.topics("--list", "--command-config",
                                                                                  path)).stderr)
        # A value librdkafka refuses stops the command before it connects.
        path = self.command_config("socket.timeout.ms=soon\n")
        r = self.fails(self.topics("--list", "--command-config", path))
        self.assertIn("socket.timeout.ms", r.stderr)
        r = self.fails(self.topics("--list", "--command-config", "/nonexistent/admin.properties"))
        self.assertIn("/nonexistent/admin.properties", r.stderr)

    def test_unreachable_bootstrap_server(self):
        path = self.command_config("default.api.timeout.ms=2000\n")
        server = f"127.0.0.1:{closed_port()}"
        for args in (["--list"], ["--describe", "--topic", "x"], ["--create", "--topic", "x"],
                     ["--delete", "--topic", "x"]):
            start = time.monotonic()
            r = self.fails(run("topics", "--bootstrap-server", server, "--command-config", path, *args, timeout=30))
            elapsed = time.monotonic() - start
            self.assertLess(elapsed, 10, args)
            self.assertTrue(r.stdout.startswith(TOPIC_ERROR + "Timed out waiting for the cluster after 2000 ms."),
                            r.stdout)
            if args[0] != "--create":  # the first call is a Metadata request, whose connection error is reported
                self.assertIn("Connection refused", r.stdout)
        # A name that does not resolve: the resolver's error, not only "brokers are down".
        start = time.monotonic()
        r = self.fails(run("topics", "--bootstrap-server", "nonexistent.invalid:9092", "--command-config", path,
                           "--list", timeout=30))
        self.assertLess(time.monotonic() - start, 10)
        self.assertIn("Failed to resolve 'nonexistent.invalid:9092'", r.stdout)


class ConfigsTest(AdminToolTestCase):
    def describe(self, *args):
        return self.ok(self.configs("--describe", *args)).splitlines()

    def test_topic_describe_dynamic_and_all(self):
        self.create("ledger", "--partitions", "1", "--config", "retention.ms=2592000000")
        lines = self.describe("--entity-type", "topics", "--entity-name", "ledger")
        self.assertEqual(lines[0], "Dynamic configs for topic ledger are:")
        self.assertEqual(len(lines), 2, lines)
        self.assertTrue(lines[1].startswith("  retention.ms=2592000000 sensitive=false "
                                            "synonyms={DYNAMIC_TOPIC_CONFIG:retention.ms=2592000000"), lines[1])
        self.assertTrue(lines[1].endswith("}"), lines[1])
        # Kafka's --topic shorthand says the same.
        self.assertEqual(self.describe("--topic", "ledger"), lines)

        lines = self.describe("--entity-type", "topics", "--entity-name", "ledger", "--all")
        self.assertEqual(lines[0], "All configs for topic ledger are:")
        entries = {line.split("=", 1)[0].strip(): line for line in lines[1:]}
        expected = kafka_python_configs(self.bootstrap, "topics", "ledger")
        self.assertEqual(set(entries), set(expected))
        self.assertEqual([line.split("=", 1)[0] for line in lines[1:]], sorted(line.split("=", 1)[0]
                                                                             for line in lines[1:]))
        for name, (value, source) in expected.items():
            self.assertTrue(entries[name].startswith(f"  {name}={value} sensitive=false synonyms={{"), entries[name])
        self.assertTrue(entries["cleanup.policy"].endswith("synonyms={DEFAULT_CONFIG:log.cleanup.policy=delete}"),
                        entries["cleanup.policy"])

        # A topic that does not exist: Kafka's note and success without --all, an error with it.
        self.assertEqual(self.describe("--entity-type", "topics", "--entity-name", "nope"),
                         ["The topic 'nope' doesn't exist and doesn't have dynamic config."])
        r = self.fails(self.configs("--describe", "--entity-type", "topics", "--entity-name", "nope", "--all"))
        self.assertEqual(r.stderr.splitlines()[0], "Error while executing config command with args "
                         f"'--bootstrap-server {self.bootstrap} --describe --entity-type topics --entity-name nope "
                         "--all'")
        self.assertEqual(r.stderr.splitlines()[1:], ["UNKNOWN_TOPIC_OR_PART: Topic 'nope' does not exist."])
        # Without a name: every topic.
        headers = [line for line in self.describe("--entity-type", "topics") if line.endswith(" are:")]
        self.assertIn("Dynamic configs for topic ledger are:", headers)

    def test_broker_describe(self):
        lines = self.describe("--entity-type", "brokers", "--entity-name", "1")
        self.assertEqual(lines[0], "Dynamic configs for broker 1 are:")
        self.assertTrue(all(line.startswith("  ") and "DYNAMIC_BROKER_CONFIG" in line for line in lines[1:]), lines)

        lines = self.describe("--entity-type", "brokers", "--entity-name", "1", "--all")
        self.assertEqual(lines[0], "All configs for broker 1 are:")
        entries = {line.split("=", 1)[0].strip(): line for line in lines[1:]}
        self.assertEqual(entries["num.partitions"],
                         "  num.partitions=2 sensitive=false "
                         "synonyms={STATIC_BROKER_CONFIG:num.partitions=2, DEFAULT_CONFIG:num.partitions=1}")
        self.assertEqual(set(entries), set(kafka_python_configs(self.bootstrap, "brokers", "1")))
        self.assertEqual(self.describe("--broker", "1", "--all"), lines)

        self.assertEqual(self.describe("--entity-type", "brokers", "--entity-name", "7"),
                         ["The broker '7' doesn't exist and doesn't have dynamic config."])
        # Every broker, and not the cluster-wide defaults, which librdkafka 2.0.2 cannot ask for (it sends
        # broker config requests to one broker id): left out with a warning.
        r = self.configs("--describe", "--entity-type", "brokers")
        self.assertEqual(self.ok(r), "Dynamic configs for broker 1 are:\n")
        self.assertIn("WARNING: librdkafka 2.0.2 can only address the configs of one broker by its id", r.stderr)
        r = self.fails(self.configs("--describe", "--entity-type", "brokers", "--entity-default"))
        self.assertIn("librdkafka 2.0.2 can only address the configs of one broker by its id, not \"\"", r.stderr)
        r = self.fails(self.configs("--describe", "--entity-type", "brokers", "--entity-name", "one"))
        self.assertEqual(r.stderr, "The entity name for brokers must be a valid integer broker id, but it is: one\n")

    def test_alter_topic_add_and_delete(self):
        self.create("stock", "--partitions", "1", "--config", "segment.bytes=1048576")
        out = self.ok(self.configs("--alter", "--entity-type", "topics", "--entity-name", "stock", "--add-config",
                                   "retention.ms=86400000,cleanup.policy=[compact,delete]"))
        self.assertEqual(out, "Completed updating config for topic stock.\n")
        lines = self.describe("--entity-type", "topics", "--entity-name", "stock")
        values = {line.split()[0] for line in lines[1:]}
        # The config set at creation is still there: additions merge with the dynamic configs.
        self.assertEqual(values, {"cleanup.policy=compact,delete", "retention.ms=86400000", "segment.bytes=1048576"})
        seen = kafka_python_configs(self.bootstrap, "topics", "stock")
        self.assertEqual(seen["retention.ms"], ("86400000", 1))  # DYNAMIC_TOPIC_CONFIG
        self.assertEqual(seen["cleanup.policy"], ("compact,delete", 1))
        self.assertEqual(seen["segment.bytes"], ("1048576", 1))

        out = self.ok(self.configs("--alter", "--topic", "stock", "--delete-config", "retention.ms,cleanup.policy"))
        self.assertEqual(out, "Completed updating config for topic stock.\n")
        lines = self.describe("--entity-type", "topics", "--entity-name", "stock")
        self.assertEqual([line.split()[0] for line in lines[1:]], ["segment.bytes=1048576"])
        seen = kafka_python_configs(self.bootstrap, "topics", "stock")
        self.assertEqual(seen["retention.ms"], ("604800000", 5))  # back to DEFAULT_CONFIG
        self.assertEqual(seen["cleanup.policy"], ("delete", 5))

        # --add-config-file: a properties file of configs to set.
        path = self.command_config("max.message.bytes=2000000\n")
        self.assertEqual(self.ok(self.configs("--alter", "--topic", "stock", "--add-config-file", path)),
                         "Completed updating config for topic stock.\n")
        self.assertEqual(kafka_python_configs(self.bootstrap, "topics", "stock")["max.message.bytes"], ("2000000", 1))
        self.ok(self.configs("--alter", "--topic", "stock", "--delete-config", "max.message.bytes"))
        lines = self.describe("--entity-type", "topics", "--entity-name", "stock")

        # Deleting a config the topic does not have, and invalid values, change nothing.
        r = self.fails(self.configs("--alter", "--topic", "stock", "--delete-config", "retention.ms"))
        self.assertEqual(r.stderr, "Invalid config(s): retention.ms\n")
        r = self.fails(self.configs("--alter", "--topic", "stock", "--add-config", "retention.ms=abc"))
        self.assertIn("Invalid value abc for configuration retention.ms: Not a number of type LONG", r.stderr)
        self.assertTrue(r.stderr.startswith("Error while executing config command with args '"), r.stderr)
        r = self.fails(self.configs("--alter", "--topic", "stock", "--add-config", "retention.ms"))
        self.assertIn("Invalid entity config: all configs to be added must be in the format", r.stderr)
        self.assertEqual(self.describe("--topic", "stock")[1:], lines[1:])
        r = self.fails(self.configs("--alter", "--topic", "nope", "--add-config", "retention.ms=1"))
        self.assertIn("Topic 'nope' does not exist.", r.stderr)

    def test_alter_broker(self):
        # Dynamic broker configs (KIP-226): the request goes to broker 1 itself, as librdkafka sends
        # broker resources to their broker; the value is then the broker's, above server.properties.
        r = self.configs("--alter", "--entity-type", "brokers", "--entity-name", "1", "--add-config",
                         "log.retention.ms=86400000")
        self.assertEqual((r.returncode, r.stdout), (0, "Completed updating config for broker 1.\n"), r.stderr)
        try:
            self.assertEqual(self.describe("--broker", "1"), [
                "Dynamic configs for broker 1 are:",
                "  log.retention.ms=86400000 sensitive=false synonyms={DYNAMIC_BROKER_CONFIG:log.retention.ms=86400000, "
                "DEFAULT_CONFIG:log.retention.ms=604800000}"])
            self.assertEqual(kafka_python_configs(self.bootstrap, "brokers", "1")["log.retention.ms"], ("86400000", 2))
            # A topic without its own value now has the broker's.
            self.create("dynamic-defaults")
            self.assertEqual(kafka_python_configs(self.bootstrap, "topics", "dynamic-defaults")["retention.ms"],
                             ("86400000", 2))
            # A key that cannot change at runtime: Kafka's refusal, in Kafka's error format.
            r = self.fails(self.configs("--alter", "--entity-type", "brokers", "--entity-name", "1", "--add-config",
                                        "log.dirs=/elsewhere"))
            self.assertEqual(r.stdout, "")
            self.assertEqual(r.stderr.splitlines(), [
                "Error while executing config command with args '--bootstrap-server "
                f"{self.bootstrap} --alter --entity-type brokers --entity-name 1 --add-config log.dirs=/elsewhere'",
                "INVALID_REQUEST: Cannot update these configs dynamically: Set(log.dirs)"])
        finally:
            # --delete-config removes the dynamic value (the other tests share this broker).
            r = self.configs("--alter", "--broker", "1", "--delete-config", "log.retention.ms")
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertEqual(self.describe("--broker", "1"), ["Dynamic configs for broker 1 are:"])
        self.assertEqual(kafka_python_configs(self.bootstrap, "topics", "dynamic-defaults")["retention.ms"],
                         ("604800000", 5))
        # Deleting a config the broker does not have is refused before anything is sent.
        r = self.fails(self.configs("--alter", "--broker", "1", "--delete-config", "log.retention.ms"))
        self.assertEqual(r.stderr, "Invalid config(s): log.retention.ms\n")
        # The cluster-wide defaults cannot be addressed through librdkafka 2.0.2.
        r = self.fails(self.configs("--alter", "--entity-type", "brokers", "--entity-default", "--add-config",
                                    "log.retention.ms=1"))
        self.assertIn("can only address the configs of one broker by its id", r.stderr)

    def test_bad_input(self):
        self.assertEqual(self.fails(self.configs("--entity-type", "topics")).stderr,
                         "Command must include exactly one action: --describe, --alter\n")
        self.assertEqual(self.fails(run("configs", "--describe", "--entity-type", "topics")).stderr,
                         "Either --bootstrap-server or --bootstrap-controller must be specified.\n")
        self.assertEqual(self.fails(self.configs("--describe")).stderr, "At least one entity type must be specified\n")
        self.assertIn("Invalid entity type widgets, the entity type must be one of",
                      self.fails(self.configs("--describe", "--entity-type", "widgets")).stderr)
        self.assertEqual(self.fails(self.configs("--alter", "--entity-type", "topics", "--add-config", "a=b")).stderr,
                         "An entity name must be specified with --alter of topics\n")
        self.assertEqual(self.fails(self.configs("--alter", "--topic", "t")).stderr,
                         "At least one of --add-config, --add-config-file, or --delete-config must be specified "
                         "with --alter\n")
        self.assertEqual(self.fails(self.configs("--describe", "--topic", "t", "--add-config", "a=b")).stderr,
                         "Option \"[describe]\" can't be used with option \"[add-config]\"\n")
        self.assertEqual(self.fails(self.configs("--alter", "--topic", "t", "--add-config", "a=b", "--add-config-file",
                                                 "f")).stderr,
                         "Only one of --add-config or --add-config-file must be specified\n")
        self.assertEqual(self.fails(self.configs("--alter", "--topic", "t", "--add-config", "a b=1")).stderr,
                         "Invalid character found for config key: a b\n")
        self.assertEqual(self.fails(self.configs("--describe", "--entity-type", "users")).stderr,
                         "strata configs supports the entity types topics and brokers, not users\n")

    def test_unreachable_bootstrap_server(self):
        path = self.command_config("default.api.timeout.ms=2000\n")
        server = f"127.0.0.1:{closed_port()}"
        for args in (["--describe", "--topic", "x"], ["--describe", "--topic", "x", "--all"],
                     ["--alter", "--topic", "x", "--add-config", "retention.ms=1"]):
            start = time.monotonic()
            r = self.fails(run("configs", "--bootstrap-server", server, "--command-config", path, *args, timeout=30))
            self.assertLess(time.monotonic() - start, 10, args)
            self.assertTrue(r.stderr.startswith("Error while executing config command with args"), r.stderr)
            self.assertIn("Timed out waiting for the cluster after 2000 ms", r.stderr)


def main():
    global STRATA
    if len(sys.argv) < 2:
        print(__doc__, file=sys.stderr)
        return 2
    STRATA = os.path.abspath(sys.argv[1])
    argv = [sys.argv[0]] + sys.argv[2:]
    program = unittest.main(argv=argv, exit=False, verbosity=2)
    return 0 if program.result.wasSuccessful() else 1


if __name__ == "__main__":
    sys.exit(main())
