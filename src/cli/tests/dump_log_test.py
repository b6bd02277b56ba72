#!/usr/bin/env python3
"""`strata dump-log` against Kafka's kafka-dump-log.sh output, file by file.

Usage: dump_log_test.py STRATA_BINARY [--update]

Copies the committed fixtures (dump_log/fixtures, written by dump_log_fixture_gen) into a scratch
directory, derives the corrupt variants from them, runs `strata dump-log` there with relative paths
and compares stdout, stderr and the exit code with dump_log/expected/<case>.{out,err,rc}. The
scratch directory's absolute path reads as $DIR in the expected text. --update rewrites the
expected files (review the diff against DumpLogSegments.scala before committing it).
"""
import os
import shutil
import struct
import subprocess
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
FIXTURES = os.path.join(HERE, "dump_log", "fixtures")
EXPECTED = os.path.join(HERE, "dump_log", "expected")
LOG = "00000000000000000000.log"
INDEX = "00000000000000000000.index"
TIMEINDEX = "00000000000000000000.timeindex"
TXNINDEX = "00000000000000000000.txnindex"
SNAPSHOT = "00000000000000000023.snapshot"

# (case, arguments after `dump-log`)
CASES = [
    ("log", ["--files", LOG]),
    ("log_deep", ["--deep-iteration", "--files", LOG]),
    ("log_print_data", ["--print-data-log", "--files", LOG]),
    ("log_skip_metadata", ["--print-data-log", "--skip-record-metadata", "--files", LOG]),
    ("log_max_bytes", ["--max-bytes", "200", "--files", LOG]),
    ("index", ["--files", INDEX]),
    ("timeindex", ["--files", TIMEINDEX]),
    ("index_sanity_check", ["--index-sanity-check", "--files", INDEX + "," + TIMEINDEX]),
    ("snapshot", ["--files", SNAPSHOT]),
    ("txnindex", ["--files", TXNINDEX]),
    ("all_files", ["--files", ",".join([INDEX, TIMEINDEX, TXNINDEX, SNAPSHOT, "notes.txt"])]),
    ("bad_index", ["--files", "bad-index/" + INDEX + ",bad-index/" + TIMEINDEX]),
    ("bad_index_verify_only", ["--verify-index-only", "--files", "bad-index/" + INDEX + ",bad-index/" + TIMEINDEX]),
    ("empty_index", ["--files", "empty/" + INDEX]),
    ("crc_mismatch", ["--files", "crc/" + LOG]),
    ("crc_mismatch_deep", ["--print-data-log", "--files", "crc/" + LOG]),
    ("truncated_tail", ["--files", "truncated/" + LOG]),
    ("record_size_too_small", ["--files", "tiny/" + LOG]),
    ("malformed_record", ["--deep-iteration", "--files", "malformed/" + LOG]),
    ("corrupt_snapshot", ["--files", "corrupt-snapshot/" + SNAPSHOT]),
    ("index_without_log", ["--files", "no-log/" + INDEX]),
    ("index_zero_tail", ["--files", "zero-tail/" + INDEX]),
    ("index_bad_length_sanity_check", ["--index-sanity-check", "--files", "bad-length/" + INDEX]),
    ("timeindex_out_of_order", ["--files", "time-order/" + TIMEINDEX]),
    ("no_files", []),
]


def u32(b, at):
    return struct.unpack(">I", b[at:at + 4])[0]


def batches(log):
    """(position, size) of each batch."""
    out, pos = [], 0
    while pos + 12 <= len(log):
        size = u32(log, pos + 8) + 12
        out.append((pos, size))
        pos += size
    return out


def crc32c(data):
    crc = 0xFFFFFFFF
    for byte in data:
        crc ^= byte
        for _ in range(8):
            crc = (crc >> 1) ^ (0x82F63B78 if crc & 1 else 0)
    return crc ^ 0xFFFFFFFF


def make_variants(d):
    log = open(os.path.join(d, LOG), "rb").read()
    first_pos, first_size = batches(log)[0]

    def variant(name, files):
        os.makedirs(os.path.join(d, name), exist_ok=True)
        for fname, data in files.items():
            open(os.path.join(d, name, fname), "wb").write(data)

    # One byte of the first (uncompressed) batch's first value changed: the CRC no longer matches.
    corrupt = bytearray(log)
    at = log.index(b"hello", first_pos, first_pos + first_size)
    corrupt[at] = ord("j")
    variant("crc", {LOG: bytes(corrupt)})
    # The last batch cut in the middle: Kafka stops before it and counts its bytes.
    last_pos, last_size = batches(log)[-1]
    variant("truncated", {LOG: log[: last_pos + last_size // 2]})
    # A batch length below the 14 bytes of the smallest message: Kafka throws.
    variant("tiny", {LOG: log[:first_size] + struct.pack(">qi", 3, 0) + bytes(20)})
    # A record whose key length runs past the batch, with a valid CRC: deep iteration fails.
    bad = bytearray(log[:first_size])
    records_at = 61
    bad[records_at + 4] = 0x7E  # first record's key length varint (after length, attributes, ts and offset deltas)
    struct.pack_into(">I", bad, 17, crc32c(bytes(bad[21:])))
    variant("malformed", {LOG: bytes(bad)})
    snap = bytearray(open(os.path.join(d, SNAPSHOT), "rb").read())
    snap[12] ^= 0x01
    variant("corrupt-snapshot", {SNAPSHOT: bytes(snap)})
    variant("no-log", {INDEX: open(os.path.join(d, INDEX), "rb").read()})
    variant("empty", {LOG: log, INDEX: b""})
    index = open(os.path.join(d, INDEX), "rb").read()
    # An index left preallocated by a crash: entries, then zeros (Kafka stops at the first zero entry).
    variant("zero-tail", {LOG: log, INDEX: index + bytes(64)})
    # A length that is not a whole number of entries fails the sanity check.
    variant("bad-length", {LOG: log, INDEX: index + b"\x00"})
    # Time index entries whose timestamps disagree with the log and go backwards.
    base_time = 1700000000000
    variant("time-order", {LOG: log, INDEX: index,
                           TIMEINDEX: struct.pack(">qi", base_time + 11, 4) + struct.pack(">qi", base_time + 5, 6)})
    open(os.path.join(d, "notes.txt"), "w").write("not a log file\n")


def main():
    if len(sys.argv) < 2:
        print(__doc__)
        return 2
    strata = os.path.abspath(sys.argv[1])
    update = "--update" in sys.argv[2:]
    failures = 0
    with tempfile.TemporaryDirectory(prefix="strata-dump-log-") as tmp:
        d = os.path.join(os.path.realpath(tmp), "segments")
        shutil.copytree(FIXTURES, d)
        make_variants(d)
        for case, args in CASES:
            run = subprocess.run([strata, "dump-log"] + args, cwd=d, capture_output=True, text=True)
            got = {
                "out": run.stdout.replace(d, "$DIR"),
                "err": run.stderr.replace(d, "$DIR"),
                "rc": "%d\n" % run.returncode,
            }
            for kind, text in got.items():
                path = os.path.join(EXPECTED, "%s.%s" % (case, kind))
                if update:
                    os.makedirs(EXPECTED, exist_ok=True)
                    open(path, "w").write(text)
                    continue
                want = open(path).read() if os.path.exists(path) else ""
                if text != want:
                    failures += 1
                    print("FAIL %s (%s)\n--- expected\n%s--- got\n%s" % (case, kind, want, text))
            if not update:
                print("ok   %s" % case)
    if failures:
        print("%d mismatches" % failures)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
