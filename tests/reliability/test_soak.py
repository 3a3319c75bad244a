"""Bounded soak: threads and asyncio tasks together, mixed save/get/find/update/delete/count,
against the suite's own FerretDB on loopback.

    MONGO_ODM_SOAK_SECONDS   how long the load runs (default 40: the always-on short run;
                             e.g. 600 for the long run)

Every worker owns a collection and a key space of KEYS ids and keeps the state it expects,
so every answer is checked exactly (a get returns what was last saved, a find returns exactly
the expected ids, update/delete report whether the document existed, count matches). Errors
(exceptions or wrong answers) must be 0.

Memory: the resident set size (VmRSS) is sampled during the run. The baseline is taken after a
warm-up (pools filled, executor threads started, every code path run once); the assertion is
that RSS after the run exceeds the baseline by less than RSS_GROWTH_BOUND. The figures (ops,
errors, ops/s, RSS baseline/peak/end) are printed in the run's "reliability figures" section.
"""

from __future__ import annotations

import asyncio
import gc
import os
import random
import threading
import time
from typing import Dict, List, Optional

import pytest

from mongo_odm import connect, get_mongo_connection
from odm_state import make_model
from rel_util import rss_bytes

SOAK_SECONDS = float(os.environ.get("MONGO_ODM_SOAK_SECONDS", "40"))
THREADS = 4
TASKS = 4
KEYS = 60  # documents per worker at most: FerretDB scans the collection on every write
BUCKETS = 6
# RSS growth allowed between the end of the warm-up and the end of the run. Measured here
# (2 shared cores, FerretDB on loopback, ~200-250 ops/s): +0.7 MiB over 8,300 ops in the 40 s
# run, +1.2 MiB over 56,600 ops in a 300 s run whose second half stayed within 54.1..54.2 MiB,
# for a process of ~53 MiB: allocator settling, no trend. 8 MiB is over 6 times that, and a
# leak of one 1 KiB allocation per operation crosses it within the short run (8 MiB / 8,300
# ops), a leak of 150 bytes per operation within the 300 s run.
RSS_GROWTH_BOUND = 8 * 1024 * 1024
WARMUP_S = min(8.0, max(3.0, SOAK_SECONDS * 0.15))


def item_model(collection: str):
    return make_model("Item", collection, bucket=int, version=int, counter=(int, 0), payload=(str, ""),
                      tags=(List[str], []), meta=(Dict[str, int], {}))


class Worker:
    """One stream of operations on a collection of its own, with the state it expects."""

    def __init__(self, label: str, seed: int) -> None:
        self.label = label
        self.model = item_model(label)
        self.rng = random.Random(seed)
        self.expected: Dict[str, dict] = {}  # id -> {"bucket", "version", "counter"}
        self.ops: Dict[str, int] = {}
        self.errors: List[str] = []
        self.version = 0

    # --- the operation mix --------------------------------------------------------------
    def choose(self) -> str:
        r = self.rng.random()
        if r < 0.30:
            return "save"
        if r < 0.60:
            return "get"
        if r < 0.75:
            return "find"
        if r < 0.90:
            return "update"
        if r < 0.98:
            return "delete"
        return "count"

    def new_doc(self):
        key = f"k{self.rng.randrange(KEYS)}"
        self.version += 1
        size = self.rng.choice((10, 100, 1000, 4000))
        doc = self.model(
            id=key,
            bucket=self.rng.randrange(BUCKETS),
            version=self.version,
            payload="x" * size,
            tags=[f"t{j}" for j in range(self.rng.randrange(5))],
            meta={"size": size, "v": self.version},
        )
        return doc

    def after_save(self, doc) -> None:
        self.expected[doc.id] = {"bucket": doc.bucket, "version": doc.version, "counter": 0}

    def check_get(self, key: str, got) -> None:
        want = self.expected.get(key)
        if want is None:
            self.expect(got is None, f"get {key}: expected nothing, got {got!r}"[:300])
        else:
            self.expect(
                got is not None
                and (got.bucket, got.version, got.counter) == (want["bucket"], want["version"], want["counter"])
                and got.meta.get("v") == want["version"]
                and len(got.payload) == got.meta.get("size"),
                f"get {key}: expected {want}, got {got!r}"[:300],
            )

    def check_find(self, bucket: int, found) -> None:
        want = sorted(k for k, v in self.expected.items() if v["bucket"] == bucket)
        self.expect(sorted(d.id for d in found) == want, f"find bucket {bucket}: {len(found)} vs {len(want)}")

    def after_update(self, key: str, modified: bool) -> None:
        exists = key in self.expected
        self.expect(modified == exists, f"update {key}: modified={modified}, exists={exists}")
        if exists:
            self.expected[key]["counter"] += 1

    def after_delete(self, key: str, deleted: bool) -> None:
        exists = key in self.expected
        self.expect(deleted == exists, f"delete {key}: deleted={deleted}, exists={exists}")
        self.expected.pop(key, None)

    def check_count(self, n: int) -> None:
        self.expect(n == len(self.expected), f"count {n} vs {len(self.expected)}")

    def expect(self, ok: bool, what: str) -> None:
        if not ok:
            self.errors.append(what)

    def done(self, op: str) -> None:
        self.ops[op] = self.ops.get(op, 0) + 1

    # --- sync ---------------------------------------------------------------------------
    def step(self) -> None:
        op = self.choose()
        key = f"k{self.rng.randrange(KEYS)}"
        try:
            if op == "save":
                doc = self.new_doc()
                doc.save()
                self.after_save(doc)
            elif op == "get":
                self.check_get(key, self.model.get(key))
            elif op == "find":
                bucket = self.rng.randrange(BUCKETS)
                self.check_find(bucket, self.model.find({"bucket": bucket}, limit=KEYS))
            elif op == "update":
                self.after_update(key, self.model.update_one({"_id": key}, {"$inc": {"counter": 1}}))
            elif op == "delete":
                self.after_delete(key, self.model.delete_one({"_id": key}))
            else:
                self.check_count(self.model.count())
        except Exception as e:
            self.errors.append(f"{op}: {e!r}"[:300])
        self.done(op)

    # --- async --------------------------------------------------------------------------
    async def astep(self) -> None:
        op = self.choose()
        key = f"k{self.rng.randrange(KEYS)}"
        try:
            if op == "save":
                doc = self.new_doc()
                await doc.asave()
                self.after_save(doc)
            elif op == "get":
                self.check_get(key, await self.model.aget(key))
            elif op == "find":
                bucket = self.rng.randrange(BUCKETS)
                self.check_find(bucket, await self.model.afind({"bucket": bucket}, limit=KEYS))
            elif op == "update":
                self.after_update(key, await self.model.aupdate_one({"_id": key}, {"$inc": {"counter": 1}}))
            elif op == "delete":
                self.after_delete(key, await self.model.adelete_one({"_id": key}))
            else:
                self.check_count(await self.model.acount())
        except Exception as e:
            self.errors.append(f"a{op}: {e!r}"[:300])
        self.done(op)


@pytest.mark.watchdog(SOAK_SECONDS + 240)
def test_soak_threads_and_asyncio(server, use_server, db_name, report):
    use_server(server)
    connect(server.url, server.user, server.password, db_name)
    get_mongo_connection()
    thread_workers = [Worker(f"thread{k}", seed=k) for k in range(THREADS)]
    task_workers = [Worker(f"task{k}", seed=100 + k) for k in range(TASKS)]
    stop = threading.Event()
    loop_error: List[BaseException] = []

    def run_thread(w: Worker) -> None:
        while not stop.is_set():
            w.step()

    async def run_task(w: Worker) -> None:
        while not stop.is_set():
            await w.astep()

    def run_loop() -> None:
        async def main():
            await asyncio.gather(*(run_task(w) for w in task_workers))

        try:
            asyncio.run(main())
        except BaseException as e:
            loop_error.append(e)

    threads = [threading.Thread(target=run_thread, args=(w,), name=w.label) for w in thread_workers]
    threads.append(threading.Thread(target=run_loop, name="event-loop"))
    rss_start = rss_bytes()
    started = time.monotonic()
    for t in threads:
        t.start()

    samples = []  # (seconds since start, rss)
    baseline: Optional[int] = None
    ops_at_baseline = 0
    workers = thread_workers + task_workers
    while time.monotonic() - started < SOAK_SECONDS:
        time.sleep(1.0)
        now = time.monotonic() - started
        samples.append((now, rss_bytes()))
        if baseline is None and now >= WARMUP_S:
            gc.collect()
            baseline = rss_bytes()
            ops_at_baseline = sum(sum(w.ops.values()) for w in workers)
    stop.set()
    for t in threads:
        t.join(timeout=120)
        assert not t.is_alive(), f"{t.name} did not stop: a hang"
    elapsed = time.monotonic() - started
    gc.collect()
    rss_end = rss_bytes()
    assert baseline is not None

    ops: Dict[str, int] = {}
    for w in workers:
        for op, n in w.ops.items():
            ops[op] = ops.get(op, 0) + n
    total = sum(ops.values())
    errors = [e for w in workers for e in w.errors]
    mib = 1024 * 1024
    peak = max(r for _, r in samples)
    half = [r for t, r in samples if t >= SOAK_SECONDS / 2]
    report(
        f"soak: {elapsed:.0f} s, {THREADS} threads + {TASKS} asyncio tasks, {total} ops "
        f"({total / elapsed:.0f}/s; " + ", ".join(f"{k} {v}" for k, v in sorted(ops.items())) + f"), "
        f"{len(errors)} errors"
    )
    report(
        f"soak memory: RSS {rss_start / mib:.1f} MiB at start, {baseline / mib:.1f} MiB after the "
        f"{WARMUP_S:.0f} s warm-up ({ops_at_baseline} ops), peak {peak / mib:.1f} MiB, "
        f"{rss_end / mib:.1f} MiB at the end: growth {(rss_end - baseline) / mib:+.1f} MiB over "
        f"{total - ops_at_baseline} ops (bound {RSS_GROWTH_BOUND / mib:.0f} MiB); second half "
        f"{min(half) / mib:.1f}..{max(half) / mib:.1f} MiB"
    )
    assert not loop_error, loop_error
    assert not errors, f"{len(errors)} errors, first: {errors[:5]}"
    assert all(w.ops for w in workers), "a worker did nothing"
    assert rss_end - baseline < RSS_GROWTH_BOUND, (
        f"RSS grew by {(rss_end - baseline) / mib:.1f} MiB after the warm-up (bound {RSS_GROWTH_BOUND / mib:.0f} MiB)"
    )
