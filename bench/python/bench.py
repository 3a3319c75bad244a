"""Side-by-side benchmark: mongo_odm vs lightodm 0.2.0 vs raw pymongo, on one server.

    python bench/python/bench.py --out bench/results/<date>.json [--ops 10000] [--iterations 5]

Every task runs 1 warm-up and N measured iterations per system, alternating the systems
iteration by iteration (A B C A B C ...) so that drift hits all alike. For each iteration it
records wall time and the process's CPU time (user + system, all threads: time.process_time()),
and reports the median as ops/s and client CPU microseconds per op. Memory: peak RSS growth
while streaming tweet-sized documents through find_iter/afind_iter, each system in a fresh
child process. Protocol: ../shared/spec/benchmarks.md.
"""

from __future__ import annotations

import argparse
import asyncio
import datetime
import json
import os
import platform
import statistics
import subprocess
import sys
import time
from typing import Any, Callable, Dict, List

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import data  # noqa: E402
from systems import make_system  # noqa: E402

SYSTEMS = ["mongo_odm", "lightodm", "pymongo"]


def env() -> Dict[str, Any]:
    url = os.environ.get("MONGO_URL")
    if not url:
        sys.exit("MONGO_URL is not set (scripts/bench.sh starts a server and sets it)")
    return {"url": url, "user": os.environ.get("MONGO_USER"), "password": os.environ.get("MONGO_PASSWORD")}


def machine() -> Dict[str, Any]:
    info: Dict[str, Any] = {"platform": platform.platform(), "python": platform.python_version(),
                            "cpus": os.cpu_count()}
    try:
        with open("/proc/cpuinfo") as f:
            for line in f:
                if line.startswith("model name"):
                    info["cpu"] = line.split(":", 1)[1].strip()
                    break
        with open("/proc/meminfo") as f:
            info["memory_kib"] = int(f.readline().split()[1])
    except OSError:
        pass
    return info


class Runner:
    def __init__(self, systems: Dict[str, Any], iterations: int, loop: asyncio.AbstractEventLoop) -> None:
        self.systems = systems
        self.iterations = iterations
        self.loop = loop
        self.results: Dict[str, Dict[str, Any]] = {}
        self.failures: Dict[str, str] = {}  # task -> the error that stopped it

    def measure(self, task: str, ops: int, prepare: Callable[[Any], Any], run: Callable[[Any, Any], Any]) -> None:
        """prepare(system) -> arg (untimed, every iteration); run(system, arg) is timed."""
        samples: Dict[str, Dict[str, List[float]]] = {n: {"wall": [], "cpu": []} for n in self.systems}
        try:
            self._run_iterations(samples, prepare, run)
        except Exception as exc:  # one task's failure (e.g. a server timeout) must not lose the run
            self.failures[task] = f"{type(exc).__name__}: {exc}"
            print(f"{task:24s} FAILED: {self.failures[task]}", flush=True)
            return
        self._record(task, ops, samples)

    def _run_iterations(self, samples: Dict[str, Dict[str, List[float]]], prepare: Callable[[Any], Any],
                        run: Callable[[Any, Any], Any]) -> None:
        for iteration in range(self.iterations + 1):
            for name, system in self.systems.items():
                arg = prepare(system)
                c0, w0 = time.process_time(), time.perf_counter()
                out = run(system, arg)
                if asyncio.iscoroutine(out):
                    self.loop.run_until_complete(out)
                w1, c1 = time.perf_counter(), time.process_time()
                if iteration > 0:  # iteration 0 is the warm-up
                    samples[name]["wall"].append(w1 - w0)
                    samples[name]["cpu"].append(c1 - c0)

    def _record(self, task: str, ops: int, samples: Dict[str, Dict[str, List[float]]]) -> None:
        task_result = {}
        for name, s in samples.items():
            wall, cpu = statistics.median(s["wall"]), statistics.median(s["cpu"])
            task_result[name] = {"ops": ops, "wall_s": s["wall"], "cpu_s": s["cpu"],
                                 "ops_per_s": ops / wall, "cpu_us_per_op": cpu / ops * 1e6}
        self.results[task] = task_result
        line = "  ".join(f"{n}: {r['ops_per_s']:10.1f} ops/s {r['cpu_us_per_op']:10.1f} us/op"
                         for n, r in task_result.items())
        print(f"{task:24s} {line}", flush=True)


# Documents the get-by-_id task cycles over: FerretDB scans the table for each lookup (~8 us per
# document on the reference machine), which would otherwise make the server's share dwarf the
# client's.
GET_DOCS = 100
# FerretDB matches a nested-field filter in Go over every document (~1 ms per nested document):
# nested_find cycles over this many.
NESTED_DOCS = 10


def db_tasks(runner: Runner, ops: int, write_ops: int, scan_ops: int) -> None:
    """The server-backed tasks. FerretDB 1.24 (SQLite) costs shape the op counts (see
    bench/NOTES.md): a write to an existing collection scans it (O(n) per update, upsert or
    delete) and even {_id: ...} lookups scan the table (pushed down to SQLite, but without an
    index: ~40 ms per lookup in 10,000 documents), so writes and filtered reads run against
    collections of `write_ops` / `scan_ops` documents, and the `ops` reads by _id cycle over
    the ids of a GET_DOCS-document collection."""
    systems = runner.systems
    small = data.small_docs(max(ops, write_ops, scan_ops))
    tweets = data.tweet_docs(10_000)
    nested = data.nested_docs(NESTED_DOCS)
    large = data.large_doc()

    # small_create: Model(**small).save(), into an emptied collection each iteration
    def empty_small(s: Any) -> List[Dict[str, Any]]:
        s.drop("small")
        return small[:write_ops]

    runner.measure("small_create", write_ops, empty_small, lambda s, docs: s.small_create(docs))

    # get by _id: `ops` lookups cycling over a collection of GET_DOCS documents
    ids: Dict[str, List[str]] = {}
    for name, s in systems.items():
        s.drop("small")
        loaded = s.load("small", small[:GET_DOCS])
        ids[name] = [loaded[i % len(loaded)] for i in range(ops)]
    runner.measure("small_get", ops, lambda s: ids[s.name], lambda s, i: s.small_get(i))

    # find_one by a field and update_one by _id over `scan_ops` documents
    for name, s in systems.items():
        s.drop("small")
        ids[name] = s.load("small", small[:scan_ops])
        s.create_index("small", "field1")
    values = [d["field1"] for d in small[:scan_ops]]
    runner.measure("small_find_filter", scan_ops, lambda s: values, lambda s, v: s.small_find_filter(v))
    runner.measure("small_update", scan_ops, lambda s: ids[s.name], lambda s, i: s.small_update(i))

    # async: 1,000 concurrent asave() / aget()
    batch = small[:1000]

    def fresh_models(s: Any) -> List[Any]:
        s.drop("small")
        return s.make_small_models(batch)

    runner.measure("async_save", len(batch), fresh_models, lambda s, models: s.async_save(models))
    async_ids: Dict[str, List[str]] = {}
    for name, s in systems.items():
        s.drop("small")
        async_ids[name] = s.load("small", batch)
    runner.measure("async_get", len(batch), lambda s: async_ids[s.name], lambda s, i: s.async_get(i))

    # find_many: Model.find({}) over 10,000 tweets (one op)
    for s in systems.values():
        s.drop("tweet")
        s.load("tweet", tweets)
    runner.measure("find_many", 1, lambda s: len(tweets), lambda s, n: s.find_many(n))

    # insert_many: one insert_many of 10,000 small models (models built untimed)
    def insert_prepare(s: Any) -> List[Any]:
        s.drop("small")
        return s.make_small_models(small[:10_000])

    runner.measure("insert_many", 1, insert_prepare, lambda s, models: s.insert_many(models))

    # large_create: Model(**large).save(), 10 times, into an emptied collection
    def empty_large(s: Any) -> Dict[str, Any]:
        s.drop("large")
        return large

    runner.measure("large_create", 10, empty_large, lambda s, doc: s.large_create(doc, 10))

    # nested_find: `scan_ops` find_one by a nested field, cycling over NESTED_DOCS documents
    for s in systems.values():
        s.drop("nested")
        s.load("nested", nested)
        s.create_index("nested", "embedded_str_doc_1.field1")
    keys = [f"key{i % NESTED_DOCS:06d}" for i in range(scan_ops)]
    runner.measure("nested_find", len(keys), lambda s: keys, lambda s, k: s.nested_find(k))

    for s in systems.values():
        for c in ("small", "tweet", "large", "nested"):
            s.drop(c)


def codec_tasks(runner: Runner, ops: int) -> None:
    """dict <-> BSON without a server: mongo_odm's C++ codec vs pymongo's C extension."""
    import bson

    from mongo_odm import _core

    codecs = {
        "mongo_odm": (_core.encode, _core.decode, "mongo_odm"),
        "pymongo": (bson.encode, bson.decode, "pymongo"),
    }
    shapes = {"flat": lambda f: data.flat_bson(), "deep": lambda f: data.deep_bson(), "full": data.full_bson}
    saved = runner.systems
    runner.systems = {name: name for name in codecs}
    try:
        for shape, make in shapes.items():
            docs = {name: make(flavour) for name, (_, _, flavour) in codecs.items()}
            encoded = {name: codecs[name][0](docs[name]) for name in codecs}
            if len(set(len(b) for b in encoded.values())) != 1:
                print(f"note: {shape} encodes to different sizes: " + str({n: len(b) for n, b in encoded.items()}))

            def enc(name: str, doc: Any) -> None:
                f = codecs[name][0]
                for _ in range(ops):
                    f(doc)

            def dec(name: str, raw: bytes) -> None:
                f = codecs[name][1]
                for _ in range(ops):
                    f(raw)

            runner.measure(f"bson_encode_{shape}", ops, lambda n: docs[n], enc)
            runner.measure(f"bson_decode_{shape}", ops, lambda n: encoded[n], dec)
    finally:
        runner.systems = saved


def stream_memory(count: int) -> Dict[str, Any]:
    """Loads `count` tweets per system, then streams them in child processes."""
    cfg = env()
    systems = {n: make_system(n, cfg["url"], cfg["user"], cfg["password"]) for n in SYSTEMS}
    tweets = data.tweet_docs(count, seed=9)
    for s in systems.values():
        s.drop("stream")
        s.load("stream", tweets)
    out: Dict[str, Any] = {}
    for name in SYSTEMS:
        for mode in ("sync", "async"):
            proc = subprocess.run([sys.executable, os.path.abspath(__file__), "stream-child", name, mode],
                                  capture_output=True, text=True, check=True)
            result = json.loads(proc.stdout.strip().splitlines()[-1])
            out[f"{name}/{mode}"] = result
            print(f"stream {count} tweets {name:9s} {mode:5s}: peak RSS +{result['growth_mib']:.1f} MiB "
                  f"({result['docs']} docs in {result['seconds']:.1f} s)", flush=True)
    for s in systems.values():
        s.drop("stream")
    return out


def vm_hwm_kib() -> int:
    with open("/proc/self/status") as f:
        for line in f:
            if line.startswith("VmHWM:"):
                return int(line.split()[1])
    raise RuntimeError("no VmHWM")


def stream_child(name: str, mode: str) -> None:
    cfg = env()
    system = make_system(name, cfg["url"], cfg["user"], cfg["password"])
    loop = asyncio.new_event_loop()
    # Load everything the streaming path uses before the baseline (one tiny query).
    if mode == "sync":
        system.db["stream"].find_one({})
    else:
        loop.run_until_complete(asyncio.sleep(0))
    before = vm_hwm_kib()
    t0 = time.perf_counter()
    n = system.stream_sync() if mode == "sync" else loop.run_until_complete(system.stream_async())
    seconds = time.perf_counter() - t0
    after = vm_hwm_kib()
    print(json.dumps({"docs": n, "before_kib": before, "after_kib": after,
                      "growth_mib": (after - before) / 1024, "seconds": seconds}))


def main() -> None:
    if len(sys.argv) > 1 and sys.argv[1] == "stream-child":
        stream_child(sys.argv[2], sys.argv[3])
        return
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--ops", type=int, default=10_000, help="ops of get-by-id and of the codec tasks")
    parser.add_argument("--write-ops", type=int, default=1_000, help="ops (and collection size) of write tasks")
    parser.add_argument("--scan-ops", type=int, default=1_000, help="ops (and collection size) of filtered reads")
    parser.add_argument("--iterations", type=int, default=5, help="measured iterations (after 1 warm-up)")
    parser.add_argument("--stream-docs", type=int, default=100_000)
    parser.add_argument("--out", required=True)
    parser.add_argument("--skip", default="", help="comma list of parts to skip: db,codec,stream")
    args = parser.parse_args()
    skip = set(filter(None, args.skip.split(",")))

    cfg = env()
    loop = asyncio.new_event_loop()
    asyncio.set_event_loop(loop)
    systems = {n: make_system(n, cfg["url"], cfg["user"], cfg["password"]) for n in SYSTEMS}
    runner = Runner(systems, args.iterations, loop)
    started = time.time()
    if "db" not in skip:
        db_tasks(runner, args.ops, args.write_ops, args.scan_ops)
    if "codec" not in skip:
        codec_tasks(runner, args.ops)
    memory = stream_memory(args.stream_docs) if "stream" not in skip else {}

    ratios: Dict[str, Dict[str, float]] = {}
    for task, res in runner.results.items():
        peer = "lightodm" if "lightodm" in res else "pymongo"
        ratios[task] = {"peer": peer,
                        "cpu": res["mongo_odm"]["cpu_us_per_op"] / res[peer]["cpu_us_per_op"],
                        "throughput": res["mongo_odm"]["ops_per_s"] / res[peer]["ops_per_s"]}
    result = {
        "date": datetime.datetime.now(datetime.timezone.utc).isoformat(timespec="seconds"),
        "machine": machine(),
        "config": {"ops": args.ops, "write_ops": args.write_ops, "scan_ops": args.scan_ops,
                   "iterations": args.iterations, "warmup": 1, "stream_docs": args.stream_docs,
                   "server": "FerretDB v1.24.2 (SQLite), same machine", "systems": SYSTEMS},
        "versions": versions(),
        "tasks": runner.results,
        "ratios": ratios,
        "memory": memory,
        "failures": runner.failures,
        "seconds": time.time() - started,
    }
    os.makedirs(os.path.dirname(os.path.abspath(args.out)), exist_ok=True)
    with open(args.out, "w") as f:
        json.dump(result, f, indent=1)
    print(f"wrote {args.out} ({result['seconds']:.0f} s)")


def versions() -> Dict[str, str]:
    from importlib import metadata

    out = {}
    for pkg in ("mongo_odm", "lightodm", "pymongo", "motor", "pydantic"):
        try:
            out[pkg] = metadata.version({"mongo_odm": "mongo-odm-native"}.get(pkg, pkg))  # distribution name
        except metadata.PackageNotFoundError:
            out[pkg] = "missing"
    return out


if __name__ == "__main__":
    main()
