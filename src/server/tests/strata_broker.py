"""Start and stop a real `strata broker` process on loopback for the integration tests.

    with StrataBroker(binary, {"num.partitions": "3"}) as broker:
        broker.bootstrap          # "127.0.0.1:PORT"
        broker.restart()          # SIGTERM, wait, start again on the same port and data
        broker.kill()             # SIGKILL (no clean shutdown)

Each broker gets a fresh data directory under $TMPDIR (kept when STRATA_KEEP_TEST_DATA is set) and
a free port; its log goes to <data>/broker.log, printed when a test fails (see dump_log()).
"""

import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import unittest

LISTENING = re.compile(r"Listening for Kafka clients on PLAINTEXT://127\.0\.0\.1:(\d+)")
ADMIN = re.compile(r"Admin HTTP \(/metrics, /health\) on http://127\.0\.0\.1:(\d+)")


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class StrataBroker:
    def __init__(self, binary, properties=None, start_timeout=30, env=None):
        self.env = dict(os.environ, **(env or {}))
        self.binary = binary
        self.properties = dict(properties or {})
        self.start_timeout = start_timeout
        self.root = tempfile.mkdtemp(prefix="strata-broker-test-")
        self.port = free_port()
        self.process = None
        self.admin_port = None  # the admin HTTP port, once started (None when disabled)
        self.log_path = os.path.join(self.root, "broker.log")

    @property
    def bootstrap(self):
        return f"127.0.0.1:{self.port}"

    @property
    def data_dir(self):
        return os.path.join(self.root, "data")

    def _write_config(self):
        props = {
            "node.id": "1",
            "listeners": f"PLAINTEXT://127.0.0.1:{self.port}",
            "log.dirs": self.data_dir,
            # A free port, so that brokers of tests running in parallel do not collide on 9644.
            "admin.listener": "127.0.0.1:0",
        }
        props.update(self.properties)
        path = os.path.join(self.root, "server.properties")
        with open(path, "w") as f:
            for k, v in props.items():
                f.write(f"{k}={v}\n")
        return path

    def start(self):
        config = self._write_config()
        # Only this start's lines count: a restart appends to the same log.
        start_at = os.path.getsize(self.log_path) if os.path.exists(self.log_path) else 0
        with open(self.log_path, "a") as log:
            self.process = subprocess.Popen([self.binary, "broker", "--config", config], stdout=log, stderr=log,
                                            env=self.env)
        deadline = time.time() + self.start_timeout
        while time.time() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"strata broker exited with {self.process.returncode}:\n{self.dump_log()}")
            with open(self.log_path) as f:
                f.seek(start_at)
                started = f.read()
                if LISTENING.search(started):
                    admin = ADMIN.search(started)
                    self.admin_port = int(admin.group(1)) if admin else None
                    return self
            time.sleep(0.05)
        raise RuntimeError(f"strata broker did not start within {self.start_timeout}s:\n{self.dump_log()}")

    def stop(self, sig=signal.SIGTERM, timeout=30):
        if not self.process or self.process.poll() is not None:
            return None
        self.process.send_signal(sig)
        try:
            return self.process.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()
            raise RuntimeError(f"strata broker did not stop within {timeout}s after {sig}:\n{self.dump_log()}")

    def kill(self):
        return self.stop(signal.SIGKILL)

    def restart(self, sig=signal.SIGTERM):
        code = self.stop(sig)
        self.start()
        return code

    def alive(self):
        return self.process is not None and self.process.poll() is None

    def dump_log(self):
        try:
            with open(self.log_path) as f:
                return f.read()[-8000:]
        except OSError:
            return "(no log)"

    def __enter__(self):
        return self.start()

    def __exit__(self, *exc):
        try:
            self.stop()
        finally:
            if not os.environ.get("STRATA_KEEP_TEST_DATA"):
                shutil.rmtree(self.root, ignore_errors=True)


class BrokerTestCase(unittest.TestCase):
    """A fresh broker per test (`properties`, `env`), which must still be running afterwards and
    stop cleanly; its log is printed when the test fails. run_tests() sets `binary`."""
    binary = None
    properties = {}
    env = {}

    def setUp(self):
        self.broker = StrataBroker(self.binary, self.properties, env=self.env)
        self.broker.start()

    def tearDown(self):
        failed = any(e for _, e in (self._outcome.errors if hasattr(self._outcome, "errors") else []))
        if failed or not self.broker.alive():
            print(f"--- broker log ({self.id()}) ---\n{self.broker.dump_log()}", file=sys.stderr)
        self.assertTrue(self.broker.alive(), "the broker must still be running after the test")
        code = self.broker.stop()
        self.assertEqual(code, 0, f"clean shutdown exit status:\n{self.broker.dump_log()}")
        self.broker.__exit__(None, None, None)


def run_tests(doc, what):
    """main() of a test file: `script path/to/strata [unittest args]`. A skipped test is not a
    passed one: any skip fails the run."""
    if len(sys.argv) < 2:
        print(doc)
        return 2
    BrokerTestCase.binary = os.path.abspath(sys.argv[1])
    argv = [sys.argv[0]] + sys.argv[2:]
    program = unittest.main(module="__main__", argv=argv, exit=False, verbosity=2)
    result = program.result
    print(f"{what}: {result.testsRun} run, {len(result.failures)} failed, "
          f"{len(result.errors)} errors, {len(result.skipped)} skipped")
    return 0 if result.wasSuccessful() and not result.skipped else 1
