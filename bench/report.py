#!/usr/bin/env python3
"""The benchmark table: rows, ratios, and the parsers of the tools' JSON. See bench/README.md.

A row is one JSON object in a fragment file BUILD_DIR/bench/rows/<NN-name>.json (a JSON list):

    {"id": "memcpy_large", "figure": "memcpy 64 MiB (out of cache)", "value": 18900.0,
     "unit": "MB/s", "ratio_to": null, "source": "strata_microbench"}

`ratio_to` names the id of another row (usually a machine limit) with the same unit; the table
shows value / that row's value, or a dash if that row is missing because its step failed. Rows
without ratio_to are the machine's limits. Fragments are merged in file-name order, rows in list
order.

Subcommands:
  add ROWS_DIR FRAGMENT --id ID --figure TEXT --value V --unit U [--ratio-to ID] [--source S] [--note N]
  extract iperf3 FILE                 -> MB/s received (loopback TCP)
  extract fio FILE [--iops]           -> MB/s written (or write IOPS) of the job(s) in FILE
  extract gbench FILE NAME            -> MB/s of benchmark NAME (median if repeated)
  extract gbench-context FILE KEY     -> the value of KEY in the run's context (AddCustomContext)
  table ROWS_DIR --json OUT           -> prints the table, writes it as JSON to OUT
"""

import argparse
import datetime
import json
import os
import platform
import sys

MB = 1e6  # MB/s throughout: decimal, as iperf3 and fio report rates


def fail(msg):
    print(f"report.py: {msg}", file=sys.stderr)
    sys.exit(1)


def load_json(path):
    try:
        with open(path) as f:
            return json.load(f)
    except (OSError, json.JSONDecodeError) as e:
        fail(f"cannot read {path}: {e}")


# ---- add -------------------------------------------------------------------------------------

def cmd_add(args):
    os.makedirs(args.rows_dir, exist_ok=True)
    path = os.path.join(args.rows_dir, args.fragment + ".json")
    rows = load_json(path) if os.path.exists(path) else []
    rows.append({
        "id": args.id,
        "figure": args.figure,
        "value": float(args.value),
        "unit": args.unit,
        "ratio_to": args.ratio_to,
        "source": args.source,
        "note": args.note,
    })
    with open(path, "w") as f:
        json.dump(rows, f, indent=2)


# ---- extract ---------------------------------------------------------------------------------

def extract_iperf3(path):
    doc = load_json(path)
    if "error" in doc:
        fail(f"iperf3 failed: {doc['error']}")
    return doc["end"]["sum_received"]["bits_per_second"] / 8 / MB


def extract_fio(path, iops):
    doc = load_json(path)
    jobs = doc.get("jobs", [])
    if not jobs:
        fail(f"no jobs in {path}")
    for job in jobs:
        if job.get("error"):
            fail(f"fio job {job.get('jobname')} failed with error {job['error']}")
    if iops:
        return sum(job["write"]["iops"] for job in jobs)
    return sum(job["write"]["bw_bytes"] for job in jobs) / MB


def extract_gbench(path, name):
    doc = load_json(path)
    runs = [b for b in doc.get("benchmarks", []) if b.get("run_name") == name]
    if not runs:
        names = sorted({b.get("run_name") for b in doc.get("benchmarks", [])})
        fail(f"no benchmark {name!r} in {path}; have {names}")
    median = [b for b in runs if b.get("aggregate_name") == "median"]
    chosen = median[0] if median else runs[0]
    if "error_occurred" in chosen and chosen["error_occurred"]:
        fail(f"benchmark {name} failed: {chosen.get('error_message')}")
    return chosen["bytes_per_second"] / MB


def cmd_extract(args):
    if args.tool == "iperf3":
        value = extract_iperf3(args.file)
    elif args.tool == "fio":
        value = extract_fio(args.file, args.iops)
    elif args.tool == "gbench-context":
        if not args.name:
            fail("extract gbench-context needs a KEY")
        print(load_json(args.file).get("context", {}).get(args.name, ""))
        return
    else:
        if not args.name:
            fail("extract gbench needs a benchmark NAME")
        value = extract_gbench(args.file, args.name)
    print(f"{value:.6g}")


# ---- table -----------------------------------------------------------------------------------

def load_rows(rows_dir):
    rows = []
    if os.path.isdir(rows_dir):
        for name in sorted(os.listdir(rows_dir)):
            if name.endswith(".json"):
                fragment = load_json(os.path.join(rows_dir, name))
                if not isinstance(fragment, list):
                    fail(f"{name}: a fragment is a JSON list of rows")
                rows.extend(fragment)
    ids = [r["id"] for r in rows]
    duplicates = sorted({i for i in ids if ids.count(i) > 1})
    if duplicates:
        fail(f"duplicate row ids: {duplicates}")
    return rows


def compute_ratios(rows):
    by_id = {r["id"]: r for r in rows}
    for r in rows:
        r["ratio"] = None
        ref_id = r.get("ratio_to")
        if not ref_id:
            continue
        ref = by_id.get(ref_id)
        if ref is None:  # its step failed; run.sh already reports that and exits non-zero
            print(f"report.py: row {r['id']}: ratio_to {ref_id!r} is not a row of this run",
                  file=sys.stderr)
            continue
        if ref["unit"] != r["unit"]:
            fail(f"row {r['id']} ({r['unit']}) cannot be a ratio of {ref_id} ({ref['unit']})")
        if ref["value"] > 0:
            r["ratio"] = r["value"] / ref["value"]


def fmt_value(v):
    if v >= 100:
        return f"{v:,.0f}"
    return f"{v:.3g}"


def print_table(rows, out):
    by_id = {r["id"]: r for r in rows}
    header = ["figure", "value", "unit", "ratio", "ratio to"]
    lines = []
    for r in rows:
        ref = r.get("ratio_to")
        if not ref:
            ref_text = f"({r['note']})" if r.get("note") else "(machine limit)"
        elif ref in by_id:
            ref_text = by_id[ref]["figure"]
        else:
            ref_text = f"(missing: {ref})"
        ratio_text = f"{r['ratio']:.2f}" if r["ratio"] is not None else "-"
        lines.append([r["figure"], fmt_value(r["value"]), r["unit"], ratio_text, ref_text])
    widths = [max(len(x) for x in col) for col in zip(header, *lines)]
    right = {1, 3}  # numbers are right-aligned

    def render(cells):
        parts = [c.rjust(w) if i in right else c.ljust(w)
                 for i, (c, w) in enumerate(zip(cells, widths))]
        return "| " + " | ".join(parts) + " |"

    print(render(header), file=out)
    print("|" + "|".join("-" * (w + 2) for w in widths) + "|", file=out)
    for cells in lines:
        print(render(cells), file=out)


def cmd_table(args):
    rows = load_rows(args.rows_dir)
    if not rows:
        fail(f"no rows in {args.rows_dir}")
    compute_ratios(rows)
    print_table(rows, sys.stdout)
    doc = {
        "generated_at": datetime.datetime.now(datetime.timezone.utc).isoformat(timespec="seconds"),
        "host": {
            "machine": platform.machine(),
            "cpus": os.cpu_count(),
            "system": platform.platform(),
        },
        "columns": ["figure", "value", "unit", "ratio", "ratio_to"],
        "rows": rows,
    }
    tmp = args.json + ".tmp"
    with open(tmp, "w") as f:
        json.dump(doc, f, indent=2)
        f.write("\n")
    os.replace(tmp, args.json)


def main():
    p = argparse.ArgumentParser(description=__doc__,
                                formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = p.add_subparsers(dest="cmd", required=True)

    a = sub.add_parser("add", help="append a row to a fragment")
    a.add_argument("rows_dir")
    a.add_argument("fragment", help="fragment name without .json, e.g. 10-loopback")
    a.add_argument("--id", required=True)
    a.add_argument("--figure", required=True)
    a.add_argument("--value", required=True, type=float)
    a.add_argument("--unit", required=True)
    a.add_argument("--ratio-to", default=None)
    a.add_argument("--source", default=None)
    a.add_argument("--note", default=None, help="shown instead of '(machine limit)' for a figure with no ratio")
    a.set_defaults(func=cmd_add)

    e = sub.add_parser("extract", help="print one number from a tool's JSON output")
    e.add_argument("tool", choices=["iperf3", "fio", "gbench", "gbench-context"])
    e.add_argument("file")
    e.add_argument("name", nargs="?")
    e.add_argument("--iops", action="store_true")
    e.set_defaults(func=cmd_extract)

    t = sub.add_parser("table", help="merge the fragments, print the table, write JSON")
    t.add_argument("rows_dir")
    t.add_argument("--json", required=True)
    t.set_defaults(func=cmd_table)

    args = p.parse_args()
    args.func(args)


if __name__ == "__main__":
    main()
