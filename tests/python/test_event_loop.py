"""The async methods never block the event loop: the network and decoding work runs on worker
threads with the GIL released, and the models are validated in slices.

A ticker task sleeps 1 ms in a loop and records when it wakes up, while afind / afind_iter
read 10,000 documents. If the loop were blocked for the duration of the read, the ticker would
not tick at all during it; the largest gap between ticks shows the longest stall.

Bounds, from measurements on the shared 2-core machine (reads of 1.4-3.3 s, 1,000-2,500 ticks,
largest gaps 25-130 ms, the largest ones during full garbage collections): at least 20 ticks,
and the largest gap below both 50% of the read's wall time and 250 ms.
"""

import asyncio
import gc
import time
from uuid import uuid4

import pytest

from mongo_odm import MongoBaseModel

N_DOCS = 10_000
MIN_TICKS = 20
MAX_GAP_S = 0.25
MAX_GAP_FRACTION = 0.5


@pytest.fixture(scope="module")
def reading_collection(admin_db):
    """10,000 documents, written once for the module (through the cleanup client)."""
    name = f"t_{uuid4().hex[:12]}"
    coll = admin_db[name]
    coll.insert_many(
        [{"_id": f"r{i:05d}", "sensor": f"s{i % 17}", "seq": i, "values": [i, i * 0.5, str(i)], "note": "n" * 40}
         for i in range(N_DOCS)]
    )
    assert coll.count_documents({}) == N_DOCS
    yield name
    coll.drop()


@pytest.fixture
def Reading(reading_collection):
    class Reading(MongoBaseModel):
        class Settings:
            name = reading_collection

        sensor: str
        seq: int
        values: list
        note: str = ""

    return Reading


async def measure(read):
    """Runs read() with a 1 ms ticker alongside; returns (result, duration, ticks, largest gap).

    The objects alive before the read (pytest's, hypothesis', earlier tests') are frozen out of
    the garbage collector first, so that a full collection during the read scans what the read
    allocates and not the whole test session's heap."""
    gc.collect()
    gc.freeze()
    try:
        return await _measure(read)
    finally:
        gc.unfreeze()


async def _measure(read):
    ticks = []
    stop = asyncio.Event()

    async def ticker():
        while not stop.is_set():
            ticks.append(time.perf_counter())
            await asyncio.sleep(0.001)

    task = asyncio.create_task(ticker())
    await asyncio.sleep(0.01)  # the ticker is running
    start = time.perf_counter()
    result = await read()
    end = time.perf_counter()
    stop.set()
    await task
    inside = [t for t in ticks if start <= t <= end]
    points = [start] + inside + [end]
    largest_gap = max(b - a for a, b in zip(points, points[1:]))
    return result, end - start, len(inside), largest_gap


def check(duration, ticks, gap):
    detail = f"read took {duration:.3f}s, {ticks} ticks, largest gap {gap * 1000:.1f} ms"
    print(detail)  # shown with -s / -rP: the measured values behind the bounds
    assert ticks >= MIN_TICKS, detail
    assert gap < MAX_GAP_FRACTION * duration, detail
    assert gap < MAX_GAP_S, detail


async def test_afind_does_not_block_the_loop(Reading):
    async def read():
        return await Reading.afind({})

    models, duration, ticks, gap = await measure(read)
    assert len(models) == N_DOCS
    assert all(isinstance(m, Reading) for m in models[:10])
    assert sorted(m.seq for m in models) == list(range(N_DOCS))
    check(duration, ticks, gap)


async def test_afind_iter_does_not_block_the_loop(Reading):
    async def read():
        return [m async for m in Reading.afind_iter({})]

    models, duration, ticks, gap = await measure(read)
    assert len(models) == N_DOCS
    assert sorted(m.seq for m in models) == list(range(N_DOCS))
    check(duration, ticks, gap)


async def test_aaggregate_does_not_block_the_loop(Reading):
    async def read():
        return await Reading.aaggregate([{"$match": {"seq": {"$gte": 0}}}, {"$project": {"seq": 1, "values": 1}}])

    docs, duration, ticks, gap = await measure(read)
    assert len(docs) == N_DOCS
    check(duration, ticks, gap)


def test_sync_find_lets_other_threads_run(Reading):
    """The sync path releases the GIL while it waits on the server and decodes in bounded
    batches: a pure-Python thread keeps running during a large find()."""
    import threading

    ticks = []
    stop = threading.Event()

    def ticker():
        while not stop.is_set():
            ticks.append(time.perf_counter())
            time.sleep(0.001)

    thread = threading.Thread(target=ticker)
    gc.collect()
    gc.freeze()
    try:
        thread.start()
        time.sleep(0.01)
        start = time.perf_counter()
        models = Reading.find({})
        end = time.perf_counter()
        stop.set()
        thread.join()
    finally:
        gc.unfreeze()
    assert len(models) == N_DOCS
    inside = [t for t in ticks if start <= t <= end]
    points = [start] + inside + [end]
    check(end - start, len(inside), max(b - a for a, b in zip(points, points[1:])))
