"""Client instruction counts per operation, with valgrind's callgrind (deterministic, unlike
CPU time on a busy machine).

    python bench/python/instructions.py [--ops 200] [--tasks get,create,...] [--systems ...]

For each system and task it runs the benchmark process twice under callgrind, with 0 and with
N operations after the same setup, and reports (instructions(N) - instructions(0)) / N: what one
operation costs the client (Python, the library, the driver, the kernel calls excluded).
"""

from __future__ import annotations

import argparse
import json
import os
import re
import subprocess
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
TASKS = ["get", "create", "find_one_filter", "update", "find_many", "encode_flat", "decode_flat"]


def child(system: str, task: str, ops: int) -> None:
    sys.path.insert(0, HERE)
    import data
    from systems import make_system

    url, user, pw = os.environ["MONGO_URL"], os.environ.get("MONGO_USER"), os.environ.get("MONGO_PASSWORD")
    if task.startswith("encode") or task.startswith("decode"):
        if system == "pymongo":
            import bson

            enc, dec = bson.encode, bson.decode
        else:
            from mongo_odm import _core

            enc, dec = _core.encode, _core.decode
        doc = data.flat_bson()
        raw = enc(doc)
        enc(doc), dec(raw)
        for _ in range(ops):
            enc(doc) if task.startswith("encode") else dec(raw)
        return
    s = make_system(system, url, user, pw)
    docs = data.small_docs(max(ops, 1) + 10)
    s.drop("small")
    ids = s.load("small", docs)
    if task == "find_many":
        s.drop("tweet")
        s.load("tweet", data.tweet_docs(200))
    # one warm-up op of each kind, so lazy imports and first-use costs are in both runs
    s.small_get(ids[:1])
    s.small_create(docs[:1])
    s.small_find_filter([docs[0]["field1"]])
    s.small_update(ids[:1])
    if task == "find_many":
        s.find_many(200)
    if task == "get":
        s.small_get(ids[:ops])
    elif task == "create":
        s.small_create(docs[:ops])
    elif task == "find_one_filter":
        s.small_find_filter([d["field1"] for d in docs[:ops]])
    elif task == "update":
        s.small_update(ids[:ops])
    elif task == "find_many":
        for _ in range(ops):
            s.find_many(200)


def measure(system: str, task: str, ops: int) -> float:
    counts = []
    for n in (0, ops):
        with tempfile.NamedTemporaryFile(suffix=".cg") as out:
            cmd = ["valgrind", "--tool=callgrind", f"--callgrind-out-file={out.name}", sys.executable,
                   os.path.abspath(__file__), "child", system, task, str(n)]
            proc = subprocess.run(cmd, capture_output=True, text=True)
            if proc.returncode != 0:
                raise RuntimeError(proc.stderr[-2000:])
            m = re.search(r"Collected : (\d+)", proc.stderr)
            counts.append(int(m.group(1)))
    return (counts[1] - counts[0]) / ops


def main() -> None:
    if len(sys.argv) > 1 and sys.argv[1] == "child":
        child(sys.argv[2], sys.argv[3], int(sys.argv[4]))
        return
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--ops", type=int, default=200)
    ap.add_argument("--tasks", default=",".join(TASKS))
    ap.add_argument("--systems", default="mongo_odm,lightodm,pymongo")
    ap.add_argument("--out")
    args = ap.parse_args()
    results = {}
    for task in args.tasks.split(","):
        ops = max(1, args.ops // 20) if task == "find_many" else args.ops
        row = {}
        for system in args.systems.split(","):
            if task.startswith(("encode", "decode")) and system == "lightodm":
                continue
            row[system] = measure(system, task, ops)
        base = row.get("lightodm") or row.get("pymongo")
        ratio = row["mongo_odm"] / base if base else float("nan")
        results[task] = {"instructions_per_op": row, "ratio": ratio}
        cells = "  ".join(f"{k}: {v:12,.0f}" for k, v in row.items())
        print(f"{task:16s} {cells}  ratio {ratio:.3f}", flush=True)
    if args.out:
        with open(args.out, "w") as f:
            json.dump(results, f, indent=1)


if __name__ == "__main__":
    main()
