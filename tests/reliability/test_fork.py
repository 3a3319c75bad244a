"""Processes that fork after connecting: the child works on a pool of its own (the library
notices the fork), and the parent is unharmed, also while it keeps working during the fork.

- multiprocessing with the "fork" start method: children save/get/find through the
  singleton and through async (asave/aget/afind) while parent threads and an event loop keep
  saving; the parent then checks everything and keeps working.
- a gunicorn-style pre-fork server (prefork_app.py, a process of its own so that workers can
  exit with sys.exit() as gunicorn's do): the master connects at import time, keeps a cursor
  open and keeps serving while several workers serve mixed sync/async requests.
- a cursor opened before the fork: the child cannot read it (ConnectionFailure naming fork)
  and a child that just exits does not kill it; the parent reads it to the end.
"""

from __future__ import annotations

import asyncio
import json
import multiprocessing
import os
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest

from mongo_odm import connect, get_mongo_connection
from mongo_odm.errors import ConnectionFailure
from odm_state import make_model

# The timeouts below (join 30-60 s, results 60-120 s, the pre-fork app 200 s) are hang detectors,
# not measurements: the work they wait for takes a few seconds here (the whole file ~10 s), so
# they are 10-50x what a loaded 2-core machine needs; only a process or thread that never
# finishes (a deadlock after fork, the failure these tests look for) reaches them.

HERE = Path(__file__).resolve().parent
FORK = multiprocessing.get_context("fork")


def entry_model(collection: str):
    return make_model("Entry", collection, who=str, i=int)


# ------------------------------------------------------------------------------ multiprocessing
CHILD_SAVES = 15


def child_main(k: int, results) -> None:
    """Runs in a forked child: sync and async CRUD through the inherited singleton."""
    try:
        sync_model = entry_model(f"child{k}")
        for i in range(CHILD_SAVES):
            doc = sync_model(id=f"c{k}-{i}", who=f"child{k}", i=i)
            doc.save()
            assert sync_model.get(doc.id).i == i
        assert sync_model.count() == CHILD_SAVES
        assert [d.i for d in sync_model.find({}, sort=[("i", 1)])] == list(range(CHILD_SAVES))
        assert sync_model.update_one({"_id": f"c{k}-0"}, {"$set": {"who": "updated"}})

        async_model = entry_model(f"achild{k}")

        async def async_part():
            async def one(i):
                doc = async_model(id=f"a{k}-{i}", who=f"achild{k}", i=i)
                await doc.asave()
                assert (await async_model.aget(doc.id)).i == i

            await asyncio.gather(*(one(i) for i in range(CHILD_SAVES)))
            assert len(await async_model.afind({})) == CHILD_SAVES
            assert await async_model.acount() == CHILD_SAVES

        asyncio.run(async_part())
        results.put((k, "ok"))
    except BaseException as e:  # reported to the parent
        results.put((k, repr(e)))


class ParentLoad:
    """Parent threads saving through the singleton and an event loop saving through asave,
    until stopped; every acknowledged id and every error is kept."""

    def __init__(self) -> None:
        self.stop = threading.Event()
        self.models = [entry_model(f"parent{k}") for k in range(2)] + [entry_model("aparent")]
        self.acked = {m.Settings.name: [] for m in self.models}
        self.errors = []
        self.threads = [threading.Thread(target=self._sync, args=(m,)) for m in self.models[:2]]
        self.threads.append(threading.Thread(target=lambda: asyncio.run(self._async(self.models[2]))))

    def _sync(self, model) -> None:
        i = 0
        while not self.stop.is_set():
            try:
                doc = model(who="parent", i=i)
                doc.save()
                self.acked[model.Settings.name].append(doc.id)
            except Exception as e:
                self.errors.append(repr(e))
            i += 1
            time.sleep(0.003)

    async def _async(self, model) -> None:
        i = 0
        while not self.stop.is_set():
            try:
                doc = model(who="aparent", i=i)
                await doc.asave()
                self.acked[model.Settings.name].append(doc.id)
            except Exception as e:
                self.errors.append(repr(e))
            i += 1
            await asyncio.sleep(0.003)

    def __enter__(self):
        for t in self.threads:
            t.start()
        return self

    def __exit__(self, *exc):
        self.stop.set()
        for t in self.threads:
            t.join(timeout=60)
            assert not t.is_alive(), "a parent worker hung"


@pytest.mark.watchdog(180)
def test_multiprocessing_fork_children_while_parent_works(server, use_server, db_name, report):
    use_server(server)
    connect(server.url, server.user, server.password, db_name)
    conn = get_mongo_connection()
    # the parent has used both sides before forking
    warm = entry_model("warm")
    warm(who="parent", i=0).save()
    asyncio.run(warm(who="parent", i=1).asave())
    sync_client = conn.client
    async_client = conn._async_client
    assert async_client is not None

    results = FORK.Queue()
    started = time.monotonic()
    with ParentLoad() as load:
        time.sleep(0.3)
        children = [FORK.Process(target=child_main, args=(k, results)) for k in range(4)]
        for p in children:
            p.start()
            time.sleep(0.05)  # forks at different moments of the parent's work
        outcomes = dict(results.get(timeout=120) for _ in children)
        for p in children:
            p.join(timeout=60)
            assert p.exitcode == 0, f"child {p.pid} exit code {p.exitcode}"
        time.sleep(0.3)  # and the parent keeps working after
    assert outcomes == {k: "ok" for k in range(4)}, outcomes
    assert not load.errors, load.errors[:5]

    # the parent's connection objects are the ones it had, and see everything
    assert get_mongo_connection() is conn and conn.client is sync_client and conn._async_client is async_client
    for k in range(4):
        assert entry_model(f"child{k}").count() == CHILD_SAVES
        assert entry_model(f"child{k}").get(f"c{k}-0").who == "updated"
        assert asyncio.run(entry_model(f"achild{k}").acount()) == CHILD_SAVES
    for model in load.models:
        ids = load.acked[model.Settings.name]
        assert ids, f"{model.Settings.name}: the parent saved nothing"
        stored = {d["_id"] for d in model.get_collection().find({}, projection={"_id": 1})}
        assert set(ids) <= stored and len(stored) == len(ids)
    report(
        f"fork (multiprocessing): 4 children x {2 * CHILD_SAVES} saves (sync + async) while the parent "
        f"saved {sum(len(v) for v in load.acked.values())} documents, 0 errors, "
        f"{time.monotonic() - started:.1f} s"
    )


# ------------------------------------------------------------------------------ pre-fork server
@pytest.mark.watchdog(240)
def test_prefork_server_workers(server, use_server, db_name, report):
    use_server(server)
    workers, requests = 4, 12
    started = time.monotonic()
    done = subprocess.run(
        [sys.executable, str(HERE / "prefork_app.py"), str(workers), str(requests)],
        capture_output=True,
        text=True,
        timeout=200,
        env=dict(os.environ),
    )
    assert done.returncode == 0, f"stdout: {done.stdout}\nstderr: {done.stderr}"
    result = json.loads(done.stdout.strip().splitlines()[-1])
    assert result["worker_exit_codes"] == [0] * workers
    assert result["master_errors"] == [] and result["master_requests_during"] > 0
    assert result["worker_docs_mismatch"] == {}
    assert result["cursor"] and result["same_connection"]
    report(
        f"fork (pre-fork server): {workers} workers x {2 * requests} requests (sync + async); master served "
        f"{result['master_requests_during']} requests meanwhile and read its open cursor to the end; "
        f"{time.monotonic() - started:.1f} s"
    )


# ------------------------------------------------------------------------------ cursor across fork
def read_inherited_cursor(cursor, results) -> None:
    read = 0
    try:
        for _ in cursor:
            read += 1
        results.put(f"read to the end ({read} documents): the parent's cursor was consumed")
    except ConnectionFailure as e:
        results.put("ok" if "fork" in str(e) else repr(e))
    except BaseException as e:
        results.put(repr(e))


def close_inherited_cursor(cursor, results) -> None:
    """What a child's exit does to every cursor it inherited (close, or garbage collection)."""
    try:
        cursor.close()
        results.put("ok")
    except BaseException as e:
        results.put(repr(e))


@pytest.mark.watchdog(120)
def test_cursor_opened_before_fork_stays_the_parents(server, use_server, db_name):
    """Regression: the child used to read (getMore) and kill (killCursors) the parent's server
    cursor over the parent's socket: a child that merely garbage-collected it broke the
    parent's iteration ("cursor id ... not found")."""
    use_server(server)
    connect(server.url, server.user, server.password, db_name)
    coll = get_mongo_connection().get_collection("feed")
    coll.insert_many([{"_id": i} for i in range(600)])  # more than the 256 the binding buffers
    cursor = coll.find({}, sort=[("_id", 1)], batch_size=5)
    head = [next(cursor)["_id"] for _ in range(3)]
    results = FORK.Queue()
    for target in (read_inherited_cursor, close_inherited_cursor):
        p = FORK.Process(target=target, args=(cursor, results))
        p.start()
        assert results.get(timeout=60) == "ok"
        p.join(timeout=30)
        assert p.exitcode == 0
    assert head + [d["_id"] for d in cursor] == list(range(600))
