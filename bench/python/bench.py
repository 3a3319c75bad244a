"""Side-by-side benchmark: mongo_odm vs lightodm 0.2.0 vs raw pymongo, on one server; for the
async tasks also raw motor, pymongo's own AsyncMongoClient and Beanie 2 (on it).

    python bench/python/bench.py --out bench/results/<date>.json [--ops 10000] [--iterations 5]
        [--only task,task] [--skip db,codec,stream,cold,experiments]   (--help lists every count)

Every task runs 1 warm-up and N measured iterations per system, alternating the systems
iteration by iteration (A B C A B C ...) so that drift hits all alike. For each iteration it
records wall time and the process's CPU time (user + system, all threads: time.process_time()),
and reports the median as ops/s and client CPU microseconds per op. cold_pool and the first
round of concurrent asave() run each iteration in a fresh child process (bench/python/cold.py).
async_get measures aget() as a user gets it: mongo_odm coalesces concurrent gets by default. The
coalescing experiment (bench/python/coalesce.py) compares 1,000 concurrent gets as single
find_one calls and batched into `$in` queries (mongo_odm: its own aget() with the library's
coalescing off and on; raw AsyncMongoClient: a prototype coalescer). Memory: peak RSS growth while streaming
tweet-sized documents through find_iter/afind_iter, each system in a fresh child process.
Protocol: bench/PROTOCOL.md; what each task times: bench/NOTES.md.
"""

from __future__ import annotations

import argparse
import asyncio
import datetime
import gc
import json
import os
import platform
import statistics
import subprocess
import sys
import time
from typing import Any, Callable, Dict, List, Optional, Set

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import coalesce  # noqa: E402
import data  # noqa: E402
from cold import COLD_COLLECTION, COLD_SYSTEMS, FIRST_ROUND_SYSTEMS  # noqa: E402
from systems import BulkVariant, make_system  # noqa: E402

SYSTEMS = ["mongo_odm", "lightodm", "pymongo"]
# async_save / async_get: the ODMs beside raw motor, raw AsyncMongoClient and Beanie 2 on it
ASYNC_SYSTEMS = ["mongo_odm", "lightodm", "motor", "pymongo_async", "beanie"]
COLD_SCRIPT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "cold.py")


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
    def __init__(self, systems: Dict[str, Any], iterations: int, loop: asyncio.AbstractEventLoop,
                 only: Optional[Set[str]] = None) -> None:
        self.systems = systems
        self.iterations = iterations
        self.loop = loop
        self.only = only  # None: every task
        self.results: Dict[str, Dict[str, Any]] = {}
        self.failures: Dict[str, str] = {}  # task -> the error that stopped it

    def wants(self, *tasks: str) -> bool:
        return self.only is None or any(t in self.only for t in tasks)

    def measure(self, task: str, ops: int, prepare: Callable[[Any], Any], run: Callable[[Any, Any], Any],
                systems: Optional[Dict[str, Any]] = None, unit: str = "op") -> None:
        """prepare(system) -> arg (untimed, every iteration); run(system, arg) is timed.
        `systems` (default: the runner's) maps the result's names to the objects measured."""
        if not self.wants(task):
            return
        systems = self.systems if systems is None else systems
        samples: Dict[str, Dict[str, List[float]]] = {n: {"wall": [], "cpu": []} for n in systems}
        try:
            self._run_iterations(systems, samples, prepare, run)
        except Exception as exc:  # one task's failure (e.g. a server timeout) must not lose the run
            self.failures[task] = f"{type(exc).__name__}: {exc}"
            print(f"{task:24s} FAILED: {self.failures[task]}", flush=True)
            return
        self._record(task, ops, samples, unit)

    def _run_iterations(self, systems: Dict[str, Any], samples: Dict[str, Dict[str, List[float]]],
                        prepare: Callable[[Any], Any], run: Callable[[Any, Any], Any]) -> None:
        for iteration in range(self.iterations + 1):
            for name, system in systems.items():
                arg = prepare(system)
                settle_garbage_collector()
                c0, w0 = time.process_time(), time.perf_counter()
                out = run(system, arg)
                if asyncio.iscoroutine(out):
                    self.loop.run_until_complete(out)
                w1, c1 = time.perf_counter(), time.process_time()
                if iteration > 0:  # iteration 0 is the warm-up
                    samples[name]["wall"].append(w1 - w0)
                    samples[name]["cpu"].append(c1 - c0)

    def _record(self, task: str, ops: int, samples: Dict[str, Dict[str, List[float]]], unit: str = "op") -> None:
        task_result = {}
        for name, s in samples.items():
            wall, cpu = statistics.median(s["wall"]), statistics.median(s["cpu"])
            task_result[name] = {"ops": ops, "unit": unit, "wall_s": s["wall"], "cpu_s": s["cpu"],
                                 "ops_per_s": ops / wall, "cpu_us_per_op": cpu / ops * 1e6}
        self.results[task] = task_result
        print_task(task, task_result)


def settle_garbage_collector() -> None:
    """Untimed, before every timed iteration of every system: collect the garbage of the
    iterations before, then freeze what is alive (gc.freeze()) so that the collections the
    iteration triggers look at what the iteration made, not at the benchmark's own data sets
    and the earlier tasks' leftovers. Without it, when a full collection over those falls into
    an iteration decided more of a find task's figure than the library did (find_many's ratio
    to lightodm measured 0.61x and 1.10x on one day, code unchanged; bench/NOTES.md). Every
    system gets the same treatment; the collections caused by the objects a call makes stay in
    its figure."""
    gc.unfreeze()
    gc.collect()
    gc.freeze()


def print_task(task: str, task_result: Dict[str, Any]) -> None:
    line = "  ".join(f"{n}: {r['ops_per_s']:9.1f} ops/s {r['cpu_us_per_op']:9.1f} us/op" for n, r in task_result.items())
    print(f"{task:24s} {line}", flush=True)


# Documents the get-by-_id task cycles over: FerretDB scans the table for each lookup (~8 us per
# document on the reference machine), which would otherwise make the server's share dwarf the
# client's.
GET_DOCS = 100
# FerretDB matches a nested-field filter in Go over every document (~1 ms per nested document):
# nested_find cycles over this many.
NESTED_DOCS = 10


class Counts:
    """Every op count of one run (bench.sh sets them; --quick lowers each)."""

    def __init__(self, args: argparse.Namespace) -> None:
        self.ops = args.ops
        self.write_ops = args.write_ops
        self.scan_ops = args.scan_ops
        self.many_docs = args.many_docs
        self.large_ops = args.large_ops
        self.async_ops = args.async_ops
        self.flat_docs = args.flat_docs
        self.flat_repeat = args.flat_repeat
        self.cold_threads = args.cold_threads
        self.cold_iterations = args.cold_iterations
        self.first_round_ops = args.first_round_ops
        self.first_round_rounds = args.first_round_rounds
        self.stream_docs = args.stream_docs
        self.bulk_ops = args.bulk_ops

    def as_dict(self) -> Dict[str, int]:
        return dict(vars(self))


def db_tasks(runner: Runner, async_systems: Dict[str, Any], counts: Counts) -> None:
    """The server-backed tasks. FerretDB 1.24 (SQLite) costs shape the op counts (see
    bench/NOTES.md): a write to an existing collection scans it (O(n) per update, upsert or
    delete) and even {_id: ...} lookups scan the table (pushed down to SQLite, but without an
    index: ~40 ms per lookup in 10,000 documents), so writes and filtered reads run against
    collections of `write_ops` / `scan_ops` documents, and the `ops` reads by _id cycle over
    the ids of a GET_DOCS-document collection."""
    systems = runner.systems
    ops, write_ops, scan_ops = counts.ops, counts.write_ops, counts.scan_ops
    small = data.small_docs(max(ops, write_ops, scan_ops, counts.many_docs, counts.async_ops, counts.flat_docs))
    nested = data.nested_docs(NESTED_DOCS)

    # small_create: Model(**small).save(), into an emptied collection each iteration
    def empty_small(s: Any) -> List[Dict[str, Any]]:
        s.drop("small")
        return small[:write_ops]

    runner.measure("small_create", write_ops, empty_small, lambda s, docs: s.small_create(docs))

    # get by _id: `ops` lookups cycling over a collection of GET_DOCS documents
    ids: Dict[str, List[str]] = {}
    if runner.wants("small_get"):
        for name, s in systems.items():
            s.drop("small")
            loaded = s.load("small", small[:GET_DOCS])
            ids[name] = [loaded[i % len(loaded)] for i in range(ops)]
    runner.measure("small_get", ops, lambda s: ids[s.name], lambda s, i: s.small_get(i))

    # find_one by a field and update_one by _id over `scan_ops` documents
    if runner.wants("small_find_filter", "small_update"):
        for name, s in systems.items():
            s.drop("small")
            ids[name] = s.load("small", small[:scan_ops])
            s.create_index("small", "field1")
    values = [d["field1"] for d in small[:scan_ops]]
    runner.measure("small_find_filter", scan_ops, lambda s: values, lambda s, v: s.small_find_filter(v))
    runner.measure("small_update", scan_ops, lambda s: ids[s.name], lambda s, i: s.small_update(i))

    # find_all_flat: Model.find({}) over `flat_docs` flat small documents, `flat_repeat` times;
    # one op = one document returned
    if runner.wants("find_all_flat"):
        for s in systems.values():
            s.drop("small")
            s.load("small", small[: counts.flat_docs])
    runner.measure("find_all_flat", counts.flat_docs * counts.flat_repeat, lambda s: counts.flat_docs,
                   lambda s, n: s.find_all_flat(n, counts.flat_repeat), unit="document")

    # async: `async_ops` concurrent asave() / aget(), every async peer
    batch = small[: counts.async_ops]

    def fresh_models(s: Any) -> List[Any]:
        s.drop("small")
        return s.make_small_models(batch)

    runner.measure("async_save", len(batch), fresh_models, lambda s, models: s.async_save(models),
                   systems=async_systems)
    async_ids: Dict[str, List[str]] = {}
    if runner.wants("async_get", "coalesce_aget"):
        for name, s in async_systems.items():
            s.drop("small")
            async_ids[name] = s.load("small", batch)
    runner.measure("async_get", len(batch), lambda s: async_ids[s.name], lambda s, i: s.async_get(i),
                   systems=async_systems)
    if runner.wants("coalesce_aget"):
        coalesce_experiment(runner, async_systems, async_ids)

    # find_many: Model.find({}) over `many_docs` tweets (one op)
    if runner.wants("find_many"):
        tweets = data.tweet_docs(counts.many_docs)
        for s in systems.values():
            s.drop("tweet")
            s.load("tweet", tweets)
        runner.measure("find_many", 1, lambda s: len(tweets), lambda s, n: s.find_many(n))
        for s in systems.values():
            s.drop("tweet")

    # insert_many: one insert_many of `many_docs` small models (models built untimed)
    def insert_prepare(s: Any) -> List[Any]:
        s.drop("small")
        return s.make_small_models(small[: counts.many_docs])

    runner.measure("insert_many", 1, insert_prepare, lambda s, models: s.insert_many(models))

    # large_create: Model(**large).save(), `large_ops` times, into an emptied collection
    if runner.wants("large_create"):
        large = data.large_doc()

        def empty_large(s: Any) -> Dict[str, Any]:
            s.drop("large")
            return large

        runner.measure("large_create", counts.large_ops, empty_large, lambda s, doc: s.large_create(doc, counts.large_ops))

    # nested_find: `scan_ops` find_one by a nested field, cycling over NESTED_DOCS documents
    if runner.wants("nested_find"):
        for s in systems.values():
            s.drop("nested")
            s.load("nested", nested)
            s.create_index("nested", "embedded_str_doc_1.field1")
    keys = [f"key{i % NESTED_DOCS:06d}" for i in range(scan_ops)]
    runner.measure("nested_find", len(keys), lambda s: keys, lambda s, k: s.nested_find(k))

    if runner.wants("bulk_mixed"):
        bulk_mixed(runner, systems, counts, small)

    for s in list(systems.values()) + list(async_systems.values()):
        for c in ("small", "tweet", "large", "nested"):
            s.drop(c)


# bulk_mixed: the collection it writes to (FerretDB scans it for every update and delete:
# bench/NOTES.md) holds this many documents, plus at most one inserted in the run.
BULK_MIXED_DOCS = 100


def bulk_mixed(runner: Runner, systems: Dict[str, Any], counts: Counts, small: List[Dict[str, Any]]) -> None:
    """`bulk_ops` mixed operations, in rounds of four (insert a new model, save a loaded one,
    update_one by _id, delete_one of the model the previous round inserted), through mongo_odm's
    Model.bulk_writer() ("mongo_odm": batches of 1,000) and one call each ("mongo_odm_one_call_each",
    and lightodm as the reference). Models are built untimed; each iteration starts from the same
    BULK_MIXED_DOCS documents."""
    rounds = max(1, counts.bulk_ops // 4)
    docs = small[:BULK_MIXED_DOCS]
    variants: Dict[str, Any] = {"mongo_odm": BulkVariant(systems["mongo_odm"], True),
                                "mongo_odm_one_call_each": BulkVariant(systems["mongo_odm"], False)}
    if "lightodm" in systems:
        variants["lightodm"] = BulkVariant(systems["lightodm"], False)
    runner.measure("bulk_mixed", rounds * 4, lambda v: v.prepare(docs, rounds), lambda v, plan: v.run(plan),
                   systems=variants)


# The coalescing experiment: mongo_odm's own aget() with the library's coalescing off and on (at
# each cap), raw AsyncMongoClient through the benchmark's prototype (coalesce.GetCoalescer).
COALESCE_SYSTEMS = ["pymongo_async", "mongo_odm"]
COALESCE_BATCHES = [100, 1000]


def coalesce_experiment(runner: Runner, async_systems: Dict[str, Any], async_ids: Dict[str, List[str]]) -> None:
    """N concurrent gets by _id as N find_one vs coalesced into `$in` queries
    (bench/python/coalesce.py); results under experiments.coalesce_aget."""
    variants: Dict[str, Any] = {}
    for name in COALESCE_SYSTEMS:
        s = async_systems.get(name)
        if s is None:
            continue
        try:
            if name == "mongo_odm":
                runner.loop.run_until_complete(coalesce.check_library_same_results(s.Small, async_ids[name]))
                coll = None
            else:
                coll = runner.loop.run_until_complete(s.async_collection())
                runner.loop.run_until_complete(coalesce.check_same_results(coll, s.from_doc, async_ids[name]))
        except Exception as exc:
            runner.failures["coalesce_aget"] = f"{name}: {type(exc).__name__}: {exc}"
            print(f"coalesce_aget FAILED: {runner.failures['coalesce_aget']}", flush=True)
            return
        how = "aget(), the library's coalescing" if name == "mongo_odm" else "by hand"
        variants[f"{name}/individual"] = (s, coll, None)
        for cap in COALESCE_BATCHES:
            variants[f"{name}/coalesced, {how} (batches <= {cap})"] = (s, coll, cap)

    def run(v: Any, ids: List[str]) -> Any:
        s, coll, cap = v
        if s.name == "mongo_odm":
            return coalesce.library_gets(s.Small, ids, cap is not None, cap or coalesce.LIBRARY_DEFAULT_MAX_BATCH)
        if cap is None:
            return coalesce.individual_gets(coll, s.from_doc, ids)
        return coalesce.coalesced_gets(coll, s.from_doc, ids, cap)

    runner.measure("coalesce_aget", len(next(iter(async_ids.values()))), lambda v: async_ids[v[0].name], run,
                   systems=variants)


def cold_child(args: List[str], stdin: str = "") -> Dict[str, Any]:
    proc = subprocess.run([sys.executable, COLD_SCRIPT] + args, input=stdin, capture_output=True, text=True)
    if proc.returncode != 0:
        raise RuntimeError(f"cold.py {' '.join(args)} failed: {(proc.stderr or proc.stdout).strip()[-800:]}")
    return json.loads(proc.stdout.strip().splitlines()[-1])


def cold_tasks(runner: Runner, systems: Dict[str, Any], counts: Counts, available: List[str]) -> None:
    """cold_pool (and cold_pool_3: 3 ops per thread) and async_save_first_round, each
    iteration a fresh process per system (bench/python/cold.py); 1 warm-up process first."""
    threads = counts.cold_threads
    iterations = counts.cold_iterations
    if runner.wants("cold_pool", "cold_pool_3"):
        ids: Dict[str, str] = {}
        for name in COLD_SYSTEMS:
            s = systems[name]
            s.drop(COLD_COLLECTION)
            ids[name] = json.dumps(s.load(COLD_COLLECTION, data.small_docs(threads, seed=12)))
        for task, per_thread in (("cold_pool", 1), ("cold_pool_3", 3)):
            if not runner.wants(task):
                continue
            samples: Dict[str, List[Dict[str, Any]]] = {n: [] for n in COLD_SYSTEMS}
            try:
                for it in range(iterations + 1):
                    for name in COLD_SYSTEMS:
                        out = cold_child(["cold-pool", name, str(threads), str(per_thread)], ids[name])
                        if it > 0:
                            samples[name].append(out)
            except Exception as exc:
                runner.failures[task] = f"{type(exc).__name__}: {exc}"
                print(f"{task:24s} FAILED: {runner.failures[task]}", flush=True)
                continue
            result = {}
            for name, outs in samples.items():
                ops = outs[0]["ops"]
                cpu = statistics.median(o["cpu_s"] for o in outs)
                wall = statistics.median(o["wall_s"] for o in outs)
                result[name] = {"ops": ops, "unit": "op", "threads": threads, "ops_per_thread": per_thread,
                                "cpu_s": [o["cpu_s"] for o in outs], "wall_s": [o["wall_s"] for o in outs],
                                "connect_cpu_s": [o["connect_cpu_s"] for o in outs],
                                "cpu_ms": cpu * 1e3, "wall_ms": wall * 1e3,
                                "ops_per_s": ops / wall, "cpu_us_per_op": cpu / ops * 1e6}
            runner.results[task] = result
            print_task(task, result)
        for name in COLD_SYSTEMS:
            systems[name].drop(COLD_COLLECTION)

    task = "async_save_first_round"
    if runner.wants(task):
        n, rounds = counts.first_round_ops, counts.first_round_rounds
        # the async peers that are installed (main() reports the others as not measured)
        fr: Dict[str, List[Dict[str, Any]]] = {s: [] for s in FIRST_ROUND_SYSTEMS if s in available}
        try:
            for it in range(iterations + 1):
                for name in fr:
                    out = cold_child(["first-round", name, str(n), str(rounds)])
                    if it > 0:
                        fr[name].append(out)
        except Exception as exc:
            runner.failures[task] = f"{type(exc).__name__}: {exc}"
            print(f"{task:24s} FAILED: {runner.failures[task]}", flush=True)
            return
        result = {}
        for name, outs in fr.items():
            first = statistics.median(o["first_cpu_s"] for o in outs)
            first_wall = statistics.median(o["first_wall_s"] for o in outs)
            later = [o["later_cpu_s"] for o in outs if o["later_cpu_s"] is not None]
            later_wall = [o["later_wall_s"] for o in outs if o["later_wall_s"] is not None]
            result[name] = {"ops": n, "unit": "op", "rounds": rounds, "cpu_s": [o["first_cpu_s"] for o in outs],
                            "wall_s": [o["first_wall_s"] for o in outs],
                            "connect_cpu_s": [o["connect_cpu_s"] for o in outs],
                            "ops_per_s": n / first_wall, "cpu_us_per_op": first / n * 1e6,
                            "later_cpu_us_per_op": statistics.median(later) / n * 1e6 if later else None,
                            "later_ops_per_s": n / statistics.median(later_wall) if later_wall else None}
        runner.results[task] = result
        print_task(task, result)
        later_line = "  ".join(f"{k}: {r['later_cpu_us_per_op']:9.1f} us/op" for k, r in result.items()
                               if r["later_cpu_us_per_op"] is not None)
        print(f"{'  (later rounds)':24s} {later_line}", flush=True)


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
    parser.add_argument("--many-docs", type=int, default=10_000, help="documents of find_many and insert_many")
    parser.add_argument("--large-ops", type=int, default=10, help="saves of large_create")
    parser.add_argument("--bulk-ops", type=int, default=10_000,
                        help="mixed operations of bulk_mixed (through the bulk writer vs one call each)")
    parser.add_argument("--async-ops", type=int, default=1_000,
                        help="concurrent asave()/aget() of async_save, async_get and the coalescing experiment")
    parser.add_argument("--flat-docs", type=int, default=500, help="flat documents find_all_flat reads per find")
    parser.add_argument("--flat-repeat", type=int, default=10, help="finds per timed find_all_flat iteration")
    parser.add_argument("--cold-threads", type=int, default=32, help="threads of cold_pool")
    parser.add_argument("--cold-iterations", type=int, default=None,
                        help="fresh processes per system of cold_pool and the first round (default: --iterations)")
    parser.add_argument("--first-round-ops", type=int, default=500, help="concurrent asave() per round")
    parser.add_argument("--first-round-rounds", type=int, default=2, help="rounds per fresh process (first + later)")
    parser.add_argument("--iterations", type=int, default=5, help="measured iterations (after 1 warm-up)")
    parser.add_argument("--stream-docs", type=int, default=100_000)
    parser.add_argument("--out", required=True)
    parser.add_argument("--skip", default="", help="comma list of parts to skip: db,cold,codec,stream")
    parser.add_argument("--only", default="", help="comma list of tasks to run (default: all); 'stream' for memory")
    parser.add_argument("--commit", default="", help="the mongo_odm commit measured (bench.sh: git describe)")
    parser.add_argument("--label", default="", help="what kind of run this is (bench.sh: full or quick)")
    args = parser.parse_args()
    if args.cold_iterations is None:
        args.cold_iterations = args.iterations
    skip = set(filter(None, args.skip.split(",")))
    only = set(filter(None, args.only.split(","))) or None
    counts = Counts(args)

    cfg = env()
    loop = asyncio.new_event_loop()
    asyncio.set_event_loop(loop)
    systems = {n: make_system(n, cfg["url"], cfg["user"], cfg["password"]) for n in SYSTEMS}
    runner = Runner(systems, args.iterations, loop, only)
    async_systems: Dict[str, Any] = {}
    for n in ASYNC_SYSTEMS:
        try:
            async_systems[n] = systems[n] if n in systems else make_system(n, cfg["url"], cfg["user"], cfg["password"], loop)
        except ImportError as exc:  # a peer that is not installed: said in the report, not fatal
            runner.failures[f"async peer {n}"] = f"not measured: {exc}"
            print(f"async peer {n} not available: {exc}", flush=True)
    started = time.time()
    started_at = datetime.datetime.now(datetime.timezone.utc).isoformat(timespec="seconds")
    load_start = load_average()
    if "db" not in skip:
        db_tasks(runner, async_systems, counts)
    if "cold" not in skip:
        cold_tasks(runner, systems, counts, list(async_systems))
    if "codec" not in skip:
        codec_tasks(runner, args.ops)
    memory = stream_memory(args.stream_docs) if "stream" not in skip and (only is None or "stream" in only) else {}

    experiments = {}
    if "coalesce_aget" in runner.results:
        experiments["coalesce_aget"] = {
            "what": "N concurrent gets by _id: one find_one each vs coalesced into {_id: {$in: [...]}} queries; "
                    "mongo_odm: its own aget() with the library's coalescing off (individual) and on; raw "
                    "AsyncMongoClient: the benchmark's prototype (bench/python/coalesce.py); same results checked",
            "ops": counts.async_ops, "results": runner.results.pop("coalesce_aget")}
    result = {
        "date": started_at,  # when the run started
        "finished": datetime.datetime.now(datetime.timezone.utc).isoformat(timespec="seconds"),
        "commit": args.commit or "unknown",
        "label": args.label,
        "machine": machine(),
        "load": {"start": load_start, "end": load_average()},
        "config": {"ops": args.ops, "write_ops": args.write_ops, "scan_ops": args.scan_ops,
                   "iterations": args.iterations, "warmup": 1, "stream_docs": args.stream_docs,
                   "counts": counts.as_dict(), "only": sorted(only) if only else None,
                   "server": server_version(systems["pymongo"]), "systems": SYSTEMS, "async_systems": list(async_systems)},
        "versions": versions(),
        "tasks": runner.results,
        "experiments": experiments,
        "memory": memory,
        "failures": runner.failures,
        "seconds": time.time() - started,
    }
    os.makedirs(os.path.dirname(os.path.abspath(args.out)), exist_ok=True)
    with open(args.out, "w") as f:
        json.dump(result, f, indent=1)
    print(f"wrote {args.out} ({result['seconds']:.0f} s)")


def load_average() -> Optional[List[float]]:
    """The machine's 1/5/15-minute load average (others share its 2 cores)."""
    try:
        return [round(x, 2) for x in os.getloadavg()]
    except OSError:
        return None


def server_version(pymongo_system: Any) -> str:
    try:
        info = pymongo_system.client.admin.command("buildInfo")
        ferret = info.get("ferretdbVersion")
        if ferret:
            return f"FerretDB {ferret} (SQLite), same machine"
        return f"MongoDB {info.get('version')}"
    except Exception as exc:  # never lose a run over the label
        return f"unknown ({type(exc).__name__})"


def versions() -> Dict[str, str]:
    from importlib import metadata

    out = {"python": platform.python_version()}
    for pkg in ("mongo_odm", "lightodm", "pymongo", "motor", "beanie", "pydantic"):
        try:
            out[pkg] = metadata.version({"mongo_odm": "mongo-odm-native"}.get(pkg, pkg))  # distribution name
        except metadata.PackageNotFoundError:
            out[pkg] = "missing"
    return out


if __name__ == "__main__":
    main()
