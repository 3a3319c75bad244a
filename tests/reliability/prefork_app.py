"""A gunicorn-style pre-fork server, run as its own process by test_fork.py.

The master imports the "app" and connects at import time (the singleton, a warm-up query, the
async client), keeps a query cursor open, then forks WORKERS workers. Each worker serves
"requests" (mixed sync and async CRUD through the inherited singleton) for a while and exits
the way gunicorn's workers do: sys.exit(), so atexit handlers (close_connection) and garbage
collection run in the worker. The master keeps serving requests while the workers run, then
waits for them and checks everything they wrote, and reads its own cursor to the end.

    python prefork_app.py WORKERS REQUESTS_PER_WORKER

MONGO_URL / MONGO_USER / MONGO_PASSWORD / MONGO_DB_NAME name the server. Prints one JSON line
with the results; exits 0 when everything held.
"""

from __future__ import annotations

import asyncio
import json
import os
import sys
import threading
import time

from mongo_odm import MongoBaseModel, get_mongo_connection
from mongo_odm.errors import ConnectionFailure


class Request(MongoBaseModel):
    class Settings:
        name = "requests"  # renamed per worker (one collection per writer)

    worker: int
    n: int
    hits: int = 0


# n of async requests (sync ones count from 0)
ASYNC_N = 1_000_000
FEED = 600  # documents behind the master's open cursor: more than the 256 Python buffers


def model_for(name: str):
    class M(Request):
        class Settings:
            pass

    M.Settings.name = name
    return M


def serve(model, worker: int, n: int) -> None:
    """One request: save, get, update, find, and for every third one a delete."""
    doc = model(id=f"w{worker}-{n}", worker=worker, n=n)
    doc.save()
    got = model.get(doc.id)
    assert got is not None and got.n == n, got
    assert model.update_one({"_id": doc.id}, {"$inc": {"hits": 1}})
    assert len(model.find({"n": n}, limit=5)) == 1
    if n % 3 == 2:
        assert model.get(f"w{worker}-{n - 1}") is not None
        assert model.delete_one({"_id": f"w{worker}-{n - 1}"})


def expected_ids(worker: int, requests: int):
    """Ids a worker leaves: sync requests 0..R-1 minus the deleted ones, async ones a<n>."""
    ids = {f"w{worker}-{n}" for n in range(requests) if not (n % 3 == 1 and n + 1 < requests)}
    ids |= {f"w{worker}-a{n}" for n in range(requests)}
    return ids


def worker_main(worker: int, requests: int, master_cursor) -> int:
    model = model_for(f"worker{worker}")
    for n in range(requests):
        serve(model, worker, n)
    asyncio.run(async_requests_with_ids(model, worker, requests))
    # The master's cursor is the master's: past the documents already buffered in Python,
    # reading it here fails cleanly, without touching the master's connection.
    read = 0
    try:
        for _ in master_cursor:
            read += 1
    except ConnectionFailure as e:
        assert "fork" in str(e), e
    else:
        raise AssertionError(f"a cursor inherited from the master was read to its end ({read}) in the worker")
    return 0


async def async_requests_with_ids(model, worker: int, requests: int) -> None:
    async def one(n: int) -> None:
        doc = model(id=f"w{worker}-a{n}", worker=worker, n=ASYNC_N + n)
        await doc.asave()
        got = await model.aget(doc.id)
        assert got is not None and got.n == ASYNC_N + n, got
        assert await model.aupdate_one({"_id": doc.id}, {"$inc": {"hits": 1}})
        assert len(await model.afind({"_id": doc.id})) == 1

    await asyncio.gather(*(one(n) for n in range(requests)))


def main() -> int:
    workers, requests = int(sys.argv[1]), int(sys.argv[2])
    # "import time" of the app: connect, warm up, open the async side too
    conn = get_mongo_connection()
    master_model = model_for("master")
    serve(master_model, -1, 0)
    asyncio.run(async_requests_with_ids(master_model, -1, 2))
    # a cursor the master is in the middle of when it forks
    feed = model_for("feed")
    feed.get_collection().insert_many([{"_id": i, "worker": -1, "n": i} for i in range(FEED)])
    cursor = feed.get_collection().find({}, sort=[("_id", 1)], batch_size=5)
    head = [next(cursor)["_id"] for _ in range(7)]

    # the master keeps serving while it forks and while the workers run
    stop = threading.Event()
    master_served = [0]
    master_errors = []

    def master_loop():
        n = 1
        while not stop.is_set():
            try:
                serve(master_model, -1, n)
                master_served[0] += 1
            except Exception as e:  # reported in the result
                master_errors.append(repr(e))
            n += 1
            time.sleep(0.005)

    background = threading.Thread(target=master_loop)
    background.start()

    pids = []
    for w in range(workers):
        pid = os.fork()
        if pid == 0:
            code = 1
            try:
                code = worker_main(w, requests, cursor)
            except BaseException as e:  # noqa: BLE001 - reported through stderr and the exit code
                print(f"worker {w} failed: {e!r}", file=sys.stderr)
            sys.stdout.flush()
            sys.exit(code)  # gunicorn's way: atexit handlers and finalizers run
        pids.append(pid)

    statuses = {}
    deadline = time.monotonic() + 120
    for pid in pids:
        while True:
            done, status = os.waitpid(pid, os.WNOHANG)
            if done:
                statuses[pid] = os.waitstatus_to_exitcode(status)
                break
            if time.monotonic() > deadline:
                statuses[pid] = "hung"
                os.kill(pid, 9)
                os.waitpid(pid, 0)
                break
            time.sleep(0.05)
    stop.set()
    background.join()

    # everything the workers wrote is there; the master still works, also its cursor
    missing = {}
    for w in range(workers):
        stored = {d["_id"] for d in model_for(f"worker{w}").get_collection().find({}, projection={"_id": 1})}
        want = expected_ids(w, requests)
        if stored != want:
            missing[w] = sorted(want ^ stored)[:10]
    rest = [d["_id"] for d in cursor]
    serve(master_model, -1, 10_000)
    asyncio.run(async_requests_with_ids(master_model, -1, 3))
    result = {
        "worker_exit_codes": list(statuses.values()),
        "master_requests_during": master_served[0],
        "master_errors": master_errors[:5],
        "worker_docs_mismatch": missing,
        "cursor": head + rest == list(range(FEED)),
        "same_connection": get_mongo_connection() is conn,
    }
    print(json.dumps(result))
    ok = (
        all(code == 0 for code in statuses.values())
        and not master_errors
        and master_served[0] > 0
        and not missing
        and result["cursor"]
        and result["same_connection"]
    )
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
