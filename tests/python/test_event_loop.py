"""The async methods never block the event loop: the network and decoding work runs on worker
threads with the GIL released, and the models are validated in slices.

A ticker task sleeps 1 ms in a loop and records when it wakes up, while afind / afind_iter
read 30,000 documents. If the loop were blocked for the duration of the read, the ticker would
not tick at all during it; the largest gap between ticks shows the longest stall.

Bounds, from measurements on the shared 2-core machine (reads of 10,000 documents: 0.7-3.3 s,
500-2,500 ticks, largest gaps 12-130 ms, the largest ones during full garbage collections): at
least 20 ticks, and the largest gap below both 50% of the read's wall time and 1 s.

Why they hold on a loaded 2-core machine and still fail a blocking read: a read that held the
loop for the whole operation gives no tick inside it at all and one gap equal to the read's
duration, so `ticks >= 20` (a count) and `gap < 50% of the read` (relative: load stretches the
read and its gaps alike) fail whatever the load. The absolute 1 s catches a stall of a second or more
inside an otherwise non-blocking read, and a read that blocks throughout too: 30,000 documents
(it was 10,000, read in as little as 0.7 s) make the read last 1.7-2.5 s on this machine (idle),
so a blocking one stalls the loop beyond the bound (tried: the sync find() awaited on the loop
gave 0 ticks and one 2.2 s gap). It is 8x the largest gap measured,
and load adds scheduling delays of tens to hundreds of ms to a gap, not a second. (It was
250 ms, within 2x of the measured 130 ms.)
"""

import asyncio
import gc
import time
from uuid import uuid4

import pytest

from mongo_odm import MongoBaseModel

N_DOCS = 30_000  # long enough that a blocking read exceeds MAX_GAP_S: see the docstring
MIN_TICKS = 20
MAX_GAP_S = 1.0  # see the module's docstring for why these are safe under load
MAX_GAP_FRACTION = 0.5


@pytest.fixture(scope="module")
def reading_collection(admin_db):
    """N_DOCS documents, written once for the module (through the cleanup client)."""
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
