"""Threads and tasks sharing the connection singleton: no lost writes, no errors, no crashes.

FerretDB's SQLite backend scans the whole collection for every lookup by _id (its explain
says SCAN), so an upsert costs O(collection size) and 8,000 saves into one collection take
minutes. The 16 threads x 500 saves are therefore spread over 8 collections (two threads per
collection object, so collections are still shared between threads); the count is exact per
collection and in total.
"""

import asyncio
import random
import threading
import time

from helpers import run_threads
from mongo_odm import MongoBaseModel, MongoConnection, get_mongo_connection

THREADS = 16
SAVES_PER_THREAD = 500
COLLECTIONS = 8


def make_models(new_name, n):
    models = []
    for _ in range(n):
        name = new_name()

        class Entry(MongoBaseModel):
            class Settings:
                pass

            thread: int
            seq: int

        Entry.Settings.name = name
        models.append(Entry)
    return models


def test_threads_save_through_singleton(new_name):
    models = make_models(new_name, COLLECTIONS)
    errors = []
    barrier = threading.Barrier(THREADS)

    def worker(t):
        model = models[t % COLLECTIONS]
        try:
            barrier.wait()
            for seq in range(SAVES_PER_THREAD):
                doc = model(thread=t, seq=seq)
                assert doc.save() == doc.id
        except BaseException as e:  # noqa: BLE001 - reported by the assertion below
            errors.append(repr(e))

    run_threads(worker, THREADS, with_index=True)
    assert errors == []
    counts = [m.count() for m in models]
    assert counts == [THREADS // COLLECTIONS * SAVES_PER_THREAD] * COLLECTIONS
    assert sum(counts) == THREADS * SAVES_PER_THREAD == 8000
    # every (thread, seq) pair exactly once
    for i, model in enumerate(models):
        pairs = sorted((d["_id"]["t"], d["_id"]["s"], d["n"]) for d in model.aggregate(
            [{"$group": {"_id": {"t": "$thread", "s": "$seq"}, "n": {"$sum": 1}}}]))
        expected = sorted((t, s, 1) for t in range(THREADS) if t % COLLECTIONS == i for s in range(SAVES_PER_THREAD))
        assert pairs == expected
    # one connection object the whole time
    assert MongoConnection._instance is get_mongo_connection()


async def test_thousand_concurrent_asaves(coll_name, raw):
    class Task(MongoBaseModel):
        class Settings:
            name = coll_name

        n: int

    tasks = [Task(n=i) for i in range(1000)]
    ids = await asyncio.gather(*(t.asave() for t in tasks))
    assert ids == [t.id for t in tasks]
    assert len(set(ids)) == 1000
    assert await Task.acount() == 1000
    assert raw.count_documents({}) == 1000
    assert sorted(d["n"] for d in raw.find({}, projection={"n": 1, "_id": 0})) == list(range(1000))


async def test_concurrent_async_reads_and_writes(coll_name):
    class Doc(MongoBaseModel):
        class Settings:
            name = coll_name

        n: int

    await Doc.ainsert_many([Doc(id=f"seed{i}", n=i) for i in range(50)])

    async def writer(k):
        for i in range(20):
            await Doc(id=f"w{k}-{i}", n=1000 + i).asave()

    async def reader():
        seen = []
        for _ in range(20):
            found = await Doc.afind({"n": {"$lt": 50}})
            assert len(found) == 50
            seen.append(await Doc.acount())
        return seen

    results = await asyncio.gather(*(writer(k) for k in range(10)), *(reader() for _ in range(5)))
    for seen in results[10:]:
        assert seen == sorted(seen)  # counts only grow
        assert all(50 <= c <= 250 for c in seen)
    assert await Doc.acount() == 250


def test_concurrent_reads_while_writing(coll_name):
    class Row(MongoBaseModel):
        class Settings:
            name = coll_name

        writer: int
        seq: int
        payload: str = "p" * 64

    Row.insert_many([Row(id=f"base{i:03d}", writer=-1, seq=i) for i in range(100)])
    stop = threading.Event()
    errors = []
    observed = []

    def write(w):
        try:
            for seq in range(150):
                Row(id=f"w{w}-{seq:03d}", writer=w, seq=seq).save()
        except BaseException as e:  # noqa: BLE001
            errors.append(repr(e))

    def read():
        try:
            last = 0
            while not stop.is_set():
                n = Row.count()
                assert n >= last, "count went backwards"
                last = n
                base = Row.find({"writer": -1}, sort=[("seq", 1)])
                assert [r.seq for r in base] == list(range(100))
                got = Row.get(f"base{random.randrange(100):03d}")
                assert got is not None and got.writer == -1
                assert sum(1 for _ in Row.find_iter({"writer": -1}, batch_size=7)) == 100
                observed.append(n)
        except BaseException as e:  # noqa: BLE001
            errors.append(repr(e))

    writers = [threading.Thread(target=write, args=(w,)) for w in range(4)]
    readers = [threading.Thread(target=read) for _ in range(4)]
    for th in readers + writers:
        th.start()
    for th in writers:
        th.join()
    stop.set()
    for th in readers:
        th.join()
    assert errors == []
    assert len(observed) >= 4
    assert Row.count() == 100 + 4 * 150


def test_threads_and_event_loop_together(coll_name):
    """Sync saves on threads while an event loop runs async saves on the same singleton."""

    class Mixed(MongoBaseModel):
        class Settings:
            name = coll_name

        src: str
        i: int

    errors = []

    def sync_side(k):
        try:
            for i in range(100):
                Mixed(src=f"thread{k}", i=i).save()
        except BaseException as e:  # noqa: BLE001
            errors.append(repr(e))

    async def async_side():
        await asyncio.gather(*(Mixed(src="loop", i=i).asave() for i in range(300)))

    threads = [threading.Thread(target=sync_side, args=(k,)) for k in range(3)]
    for th in threads:
        th.start()
    try:
        asyncio.run(async_side())
    finally:
        for th in threads:  # before the collection is dropped, whatever happened
            th.join()
    assert errors == []
    assert Mixed.count() == 600
    assert Mixed.count({"src": "loop"}) == 300


def test_threads_iterating_cursors(coll_name):
    """Eight threads draining cursors at once, in small batches."""

    class C(MongoBaseModel):
        class Settings:
            name = coll_name

        i: int

    C.insert_many([C(i=i) for i in range(300)])
    errors = []

    def scan():
        try:
            for _ in range(10):
                assert sum(1 for _ in C.find_iter({}, batch_size=16)) == 300
        except BaseException as e:  # noqa: BLE001
            errors.append(repr(e))

    # A hang detector, not a speed bound: every thread must have finished within 120 s in all
    # (the scans take a few seconds; load cannot stretch that 20x). A thread still alive then hung.
    deadline = time.monotonic() + 120
    threads = [threading.Thread(target=scan) for _ in range(8)]
    for th in threads:
        th.start()
    for th in threads:
        th.join(timeout=max(0.0, deadline - time.monotonic()))
    assert not any(th.is_alive() for th in threads), "a scan thread hung"
    assert errors == []
