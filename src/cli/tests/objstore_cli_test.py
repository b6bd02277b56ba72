#!/usr/bin/env python3
"""ctest cli.objstore_{fs,s3,azure}: `strata objstore` as an operator runs it, against a real store.

    objstore_cli_test.py fs|s3|azure STRATA_BINARY

fs: a temporary directory (file:///...). s3: the real Ceph RGW of the ctest fixture s3_server
(STRATA_S3_ENDPOINT). azure: the Azurite of the fixture azurite (port in STRATA_AZURITE_DIR/port).
Credentials go through a --config file of rsm.config.* keys (and, for S3, once through the AWS
environment variables). Checks: `check` passes on the good store and fails with a diagnosis on a
wrong secret, a missing bucket and a closed port; cp of a 21 MiB file up and back is byte-for-byte
equal; ls, stat and rm show and delete what was copied; no secret is ever printed.
"""

import os
import secrets
import socket
import subprocess
import sys
import tempfile

S3_ACCESS_KEY = "strata"
S3_SECRET = "strata-secret-key"
S3_BUCKET = "strata-test"
AZURE_ACCOUNT = "devstoreaccount1"
AZURE_KEY = "Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw=="
AZURE_CONTAINER = "strata-test"
# A wrong secret of the right shape (base64 for Azure), so that only the signature is wrong.
WRONG_S3_SECRET = "not-the-secret-key-0123456789"
WRONG_AZURE_KEY = "d3Jvbmcta2V5LXdyb25nLWtleS13cm9uZy1rZXktd3Jvbmcta2V5LXdyb25nLWtleQ=="
BIG_FILE_SIZE = 21 * 1024 * 1024 + 12345  # above the 8 MiB part size: a multipart upload
COMMAND_TIMEOUT_S = 120

failures = []


def check(condition, what, result=None):
    if condition:
        print(f"ok: {what}")
        return
    detail = ""
    if result is not None:
        detail = f"\n  exit {result.returncode}\n  stdout: {result.stdout}\n  stderr: {result.stderr}"
    print(f"FAIL: {what}{detail}")
    failures.append(what)


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Backend:
    def __init__(self, kind, work):
        self.kind = kind
        self.work = work
        run_id = secrets.token_hex(4)
        self.secrets = []
        if kind == "fs":
            self.root = os.path.join(work, "store")
            os.mkdir(self.root)
            self.base = f"file://{self.root}"
            self.config = self.write_config("good.properties", [])
            self.wrong_config = None
        elif kind == "s3":
            self.endpoint = os.environ["STRATA_S3_ENDPOINT"]
            self.base = f"s3://{S3_BUCKET}/cli-{run_id}"
            self.secrets = [S3_SECRET, WRONG_S3_SECRET]
            self.config = self.write_config(
                "good.properties",
                [f"rsm.config.s3.access.key.id={S3_ACCESS_KEY}", f"rsm.config.s3.secret.access.key={S3_SECRET}"])
            self.wrong_config = self.write_config(
                "wrong.properties",
                [f"rsm.config.s3.access.key.id={S3_ACCESS_KEY}",
                 f"rsm.config.s3.secret.access.key={WRONG_S3_SECRET}"])
        else:
            with open(os.path.join(os.environ["STRATA_AZURITE_DIR"], "port")) as f:
                port = f.read().strip()
            self.endpoint = f"http://127.0.0.1:{port}/{AZURE_ACCOUNT}"
            self.base = f"azure://{AZURE_CONTAINER}/cli-{run_id}"
            self.secrets = [AZURE_KEY, WRONG_AZURE_KEY]
            self.config = self.write_config("good.properties", [f"rsm.config.azure.account.key={AZURE_KEY}"])
            self.wrong_config = self.write_config("wrong.properties",
                                                  [f"rsm.config.azure.account.key={WRONG_AZURE_KEY}"])

    def write_config(self, name, lines):
        path = os.path.join(self.work, name)
        with open(path, "w") as f:
            f.write("# strata objstore test\n" + "".join(line + "\n" for line in lines))
        return path

    def url(self, path=None, base=None, endpoint=None):
        """The URL of `path` under `base` (default: the test's prefix; path None: base itself, ""
        base with a trailing '/'), with the endpoint query (default: the server's)."""
        u = (base or self.base) + ("" if path is None else "/" + path)
        if self.kind == "fs":
            return u
        endpoint = endpoint or self.endpoint
        if self.kind == "s3":
            return u + f"?endpoint={endpoint}&path_style=true"
        return u + f"?endpoint={endpoint}&account={AZURE_ACCOUNT}"


def main():
    kind, strata = sys.argv[1], sys.argv[2]
    with tempfile.TemporaryDirectory(prefix="strata-objstore-cli-") as work:
        # No credentials from the machine running the test: only what each case gives.
        env = {k: v for k, v in os.environ.items() if not k.startswith(("AWS_", "AZURE_"))}
        env["HOME"] = work
        b = Backend(kind, work)

        def run(*args, config=b.config, extra_env=None):
            cmd = [strata, "objstore", *args]
            if config:
                cmd += ["--config", config]
            r = subprocess.run(cmd, capture_output=True, text=True, timeout=COMMAND_TIMEOUT_S,
                               env={**env, **(extra_env or {})})
            for s in b.secrets:
                check(s not in r.stdout and s not in r.stderr, f"no secret printed by {args[0]}", r)
            return r

        # check on the good store.
        r = run("check", b.url())
        check(r.returncode == 0 and "PASSED" in r.stdout, "check passes on a good store", r)
        for op in ("put", "get", "ranged get", "list", "multipart", "streamed get", "conditional create", "delete"):
            check(any(line.startswith(op + " ") and " ok " in line for line in r.stdout.splitlines()),
                  f"check reports {op} with its timings", r)
        r = run("ls", "-r", b.url())
        check(r.returncode == 0 and "strata-self-test" not in r.stdout, "check leaves no scratch object", r)

        # cp a 21 MiB file up and back.
        big = os.path.join(work, "big.bin")
        data = secrets.token_bytes(BIG_FILE_SIZE)
        with open(big, "wb") as f:
            f.write(data)
        r = run("cp", big, b.url("dir/big.bin"))
        check(r.returncode == 0, "cp uploads a 21 MiB file", r)
        r = run("stat", b.url("dir/big.bin"))
        check(r.returncode == 0 and f"size: {BIG_FILE_SIZE}\n" in r.stdout, "stat shows the uploaded size", r)
        r = run("ls", b.url(""))
        check(r.returncode == 0 and "PRE" in r.stdout and "dir/" in r.stdout, "ls shows the prefix dir/", r)
        r = run("ls", "--recursive", b.url())
        check(r.returncode == 0 and f"{BIG_FILE_SIZE} " in r.stdout and "dir/big.bin" in r.stdout,
              "ls --recursive shows the object and its size", r)
        back = os.path.join(work, "back.bin")
        r = run("cp", b.url("dir/big.bin"), back)
        check(r.returncode == 0, "cp downloads the object", r)
        with open(back, "rb") as f:
            check(f.read() == data, "the downloaded file equals the uploaded one byte for byte")
        into_dir = os.path.join(work, "into")
        os.mkdir(into_dir)
        r = run("cp", b.url("dir/big.bin"), into_dir)
        check(r.returncode == 0 and os.path.getsize(os.path.join(into_dir, "big.bin")) == BIG_FILE_SIZE,
              "cp into a directory keeps the key's name", r)
        small = os.path.join(work, "small.txt")
        with open(small, "w") as f:
            f.write("hello objstore\n")
        r = run("cp", small, b.url("dir/"))
        check(r.returncode == 0, "cp to a URL ending in / appends the file name", r)
        r = run("stat", b.url("dir/small.txt"))
        check(r.returncode == 0 and "size: 15\n" in r.stdout, "the small file is there under its name", r)
        r = run("cp", b.url("dir/nothing-here"), os.path.join(work, "nothing"))
        check(r.returncode != 0 and not os.path.exists(os.path.join(work, "nothing")),
              "cp of a missing object fails and creates nothing", r)
        r = run("cp", small, os.path.join(work, "other.txt"))
        check(r.returncode != 0 and "exactly one URL" in r.stderr, "cp between two local paths is refused", r)

        # rm.
        r = run("rm", b.url("dir/big.bin"))
        check(r.returncode == 0, "rm deletes an object", r)
        r = run("stat", b.url("dir/big.bin"))
        check(r.returncode != 0, "stat of a deleted object fails", r)
        r = run("rm", "--recursive", b.url("dir/"))
        check(r.returncode == 0 and "deleted 1 of 1" in r.stdout, "rm --recursive deletes what is left", r)
        r = run("ls", "-r", b.url())
        check(r.returncode == 0 and "dir/" not in r.stdout, "nothing is left after rm", r)

        # Failures, each with its diagnosis.
        if kind == "s3":
            r = run("check", b.url(), config=None,
                    extra_env={"AWS_ACCESS_KEY_ID": S3_ACCESS_KEY, "AWS_SECRET_ACCESS_KEY": S3_SECRET})
            check(r.returncode == 0 and "PASSED" in r.stdout, "check passes with credentials from the environment", r)
            r = run("check", b.url(), config=None)
            check(r.returncode != 0 and "credentials" in r.stderr.lower(), "check without credentials fails", r)
        if b.wrong_config:
            r = run("check", b.url(), config=b.wrong_config)
            check(r.returncode != 0 and "access denied" in r.stderr and "secret" in r.stderr,
                  "check with a wrong secret says access denied, wrong secret", r)
        if kind == "fs":
            missing = f"file://{work}/no-such-dir"
            r = run("check", missing)
            check(r.returncode != 0 and "does not exist" in r.stderr, "check of a missing directory fails", r)
        else:
            bucket = "no-such-bucket-" + secrets.token_hex(3)
            r = run("check", b.url(base=f"{b.base.split('://')[0]}://{bucket}/p"))
            check(r.returncode != 0 and f"bucket {bucket} does not exist" in r.stderr,
                  "check of a missing bucket says it does not exist", r)
            host_port = b.endpoint.split("/")[2]
            closed = b.endpoint.replace(host_port, f"127.0.0.1:{free_port()}")
            r = run("check", b.url(endpoint=closed))
            check(r.returncode != 0 and "unreachable" in r.stderr, "check of a closed port says unreachable", r)

    if failures:
        print(f"{len(failures)} check(s) failed: {failures}")
        return 1
    print("all checks passed")
    return 0


if __name__ == "__main__":
    sys.exit(main())
