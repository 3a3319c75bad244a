"""Fresh-process measurements: what a new process pays before its pool is warm (SCRAM on).

    python bench/python/cold.py cold-pool  SYSTEM THREADS OPS_PER_THREAD   < ids.json
    python bench/python/cold.py first-round SYSTEM COUNT ROUNDS

Each invocation is one fresh process measuring one system and printing one JSON line; bench.py
runs them (one warm-up process, then ITERATIONS processes per system, alternating systems) and
takes the medians. Imports, model classes and the data are made before the timed region.

cold-pool (systems mongo_odm, lightodm, pymongo): the timed region runs from the connect call
(the ODMs' connect(), which pings the server; raw pymongo: MongoClient(...) and the same ping)
to the end of the last of THREADS threads, which wait at a barrier and then each do
OPS_PER_THREAD get-by-_id calls (`Model.get(id)`, raw: `find_one({"_id": id})`) on a small
collection, so every thread's first call needs a connection of its own: new pooled connections,
each authenticated with SCRAM. Client CPU is getrusage(RUSAGE_SELF) user + system (every
thread of the process, the drivers' monitor threads included).

first-round (systems mongo_odm, lightodm, motor, pymongo_async, beanie): ROUNDS rounds of COUNT
concurrent asave() (asyncio.gather) of new small models, the collection emptied (untimed)
between rounds. Round 1's timed region starts at the connect call (ODMs: connect(); the async
client is made by the first asave(); raw: AsyncMongoClient(...) + ping; Beanie:
AsyncMongoClient(...) + init_beanie()), so it holds everything a fresh process pays; later
rounds are the gather alone. The models of every round are made between the connect and the
first gather, outside the timed region (Beanie documents cannot be made before init_beanie()).
"""

from __future__ import annotations

import asyncio
import json
import os
import resource
import statistics
import sys
import threading
import time
from typing import Any, Callable, Dict, List, Tuple

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)

COLD_SYSTEMS = ["mongo_odm", "lightodm", "pymongo"]
FIRST_ROUND_SYSTEMS = ["mongo_odm", "lightodm", "motor", "pymongo_async", "beanie"]
COLD_COLLECTION = "cold"


def cpu_now() -> float:
    ru = resource.getrusage(resource.RUSAGE_SELF)
    return ru.ru_utime + ru.ru_stime


def _env() -> Tuple[str, Any, Any]:
    return os.environ["MONGO_URL"], os.environ.get("MONGO_USER"), os.environ.get("MONGO_PASSWORD")


def _db_name(system: str) -> str:
    from systems import DB_PREFIX

    return DB_PREFIX + system


def _odm_model(module: Any, collection: str) -> Any:
    import pydantic

    from systems import SMALL_FIELDS, _settings

    model = pydantic.create_model("Small", __base__=module.MongoBaseModel, **SMALL_FIELDS)
    model.Settings = _settings(collection)
    return model


# ---- cold_pool ------------------------------------------------------------------------------

def cold_pool_child(system: str, threads: int, per_thread: int, ids: List[str]) -> Dict[str, Any]:
    url, user, password = _env()
    db_name = _db_name(system)
    connect: Callable[[], None]
    op: Callable[[str], Any]
    if system in ("mongo_odm", "lightodm"):
        module = __import__(system)
        Small = _odm_model(module, COLD_COLLECTION)

        def connect() -> None:
            module.connect(url=url, username=user, password=password, db_name=db_name)

        op = Small.get
    elif system == "pymongo":
        import pymongo

        holder: Dict[str, Any] = {}

        def connect() -> None:
            client = pymongo.MongoClient(url, username=user, password=password)
            client.admin.command("ping")  # what the ODMs' connect() does
            holder["coll"] = client[db_name][COLD_COLLECTION]

        def op(i: str) -> Any:
            return holder["coll"].find_one({"_id": i})
    else:
        raise SystemExit(f"cold-pool: unknown system {system}")

    barrier = threading.Barrier(threads)
    errors: List[str] = []

    def worker(n: int) -> None:
        try:
            barrier.wait()
            for k in range(per_thread):
                if op(ids[(n + k * threads) % len(ids)]) is None:
                    errors.append("missing document")
        except Exception as exc:  # reported, and the run fails
            errors.append(f"{type(exc).__name__}: {exc}")

    c0, w0 = cpu_now(), time.perf_counter()
    connect()
    c1, w1 = cpu_now(), time.perf_counter()
    pool = [threading.Thread(target=worker, args=(n,)) for n in range(threads)]
    for t in pool:
        t.start()
    for t in pool:
        t.join()
    c2, w2 = cpu_now(), time.perf_counter()
    if errors:
        raise SystemExit(f"cold-pool {system}: {errors[0]} ({len(errors)} errors)")
    return {"system": system, "threads": threads, "ops": threads * per_thread, "cpu_s": c2 - c0, "wall_s": w2 - w0,
            "connect_cpu_s": c1 - c0, "connect_wall_s": w1 - w0}


# ---- first round of concurrent asave() -----------------------------------------------------------

def first_round_child(system: str, count: int, rounds: int) -> Dict[str, Any]:
    import data

    url, user, password = _env()
    db_name = _db_name(system)
    docs = data.small_docs(count * rounds, seed=11)
    loop = asyncio.new_event_loop()
    asyncio.set_event_loop(loop)
    state: Dict[str, Any] = {}

    if system in ("mongo_odm", "lightodm"):
        module = __import__(system)
        Small = _odm_model(module, "first_round")

        def make(d: Dict[str, Any]) -> Any:
            return Small(**d)

        def connect_sync() -> None:
            module.connect(url=url, username=user, password=password, db_name=db_name)

        async def connect_async() -> None:
            pass  # the async client is made (and pinged) by the first asave(), in the round

        def save(m: Any) -> Any:
            return m.asave()

        async def drop() -> None:
            await (await Small.get_async_collection()).drop()
    elif system in ("motor", "pymongo_async"):
        from bson import ObjectId

        def make(d: Dict[str, Any]) -> Any:
            return dict(d, _id=str(ObjectId()))

        def connect_sync() -> None:
            pass

        async def connect_async() -> None:
            if system == "motor":
                from motor.motor_asyncio import AsyncIOMotorClient as Client
            else:
                from pymongo import AsyncMongoClient as Client
            client = Client(url, username=user, password=password)
            await client.admin.command("ping")
            state["coll"] = client[db_name]["first_round"]

        def save(m: Any) -> Any:
            return state["coll"].replace_one({"_id": m["_id"]}, m, upsert=True)

        async def drop() -> None:
            await state["coll"].drop()
    elif system == "beanie":
        from beanie import init_beanie
        from pymongo import AsyncMongoClient

        from systems import beanie_small_model

        Small = beanie_small_model()
        Small.Settings.name = "first_round"

        def make(d: Dict[str, Any]) -> Any:
            return Small(**d)  # Beanie documents can only be made after init_beanie()

        def connect_sync() -> None:
            pass

        async def connect_async() -> None:
            client = AsyncMongoClient(url, username=user, password=password)
            await init_beanie(database=client[db_name], document_models=[Small])

        def save(m: Any) -> Any:
            return m.save()

        async def drop() -> None:
            await Small.get_pymongo_collection().drop()
    else:
        raise SystemExit(f"first-round: unknown system {system}")

    async def round_(models: List[Any]) -> None:
        await asyncio.gather(*(save(m) for m in models))

    samples: List[Tuple[float, float]] = []
    c0, w0 = cpu_now(), time.perf_counter()
    connect_sync()
    loop.run_until_complete(connect_async())
    c1, w1 = cpu_now(), time.perf_counter()
    connect = (c1 - c0, w1 - w0)
    # The models are made outside the timed regions (Beanie's only after init_beanie()).
    batches = [[make(d) for d in docs[r * count : (r + 1) * count]] for r in range(rounds)]
    c1, w1 = cpu_now(), time.perf_counter()
    loop.run_until_complete(round_(batches[0]))
    c2, w2 = cpu_now(), time.perf_counter()
    first = (connect[0] + c2 - c1, connect[1] + w2 - w1)
    for r in range(1, rounds):
        loop.run_until_complete(drop())
        c0, w0 = cpu_now(), time.perf_counter()
        loop.run_until_complete(round_(batches[r]))
        c1_, w1_ = cpu_now(), time.perf_counter()
        samples.append((c1_ - c0, w1_ - w0))
    loop.run_until_complete(drop())
    later_cpu = statistics.median(s[0] for s in samples) if samples else None
    later_wall = statistics.median(s[1] for s in samples) if samples else None
    return {"system": system, "ops": count, "rounds": rounds, "first_cpu_s": first[0], "first_wall_s": first[1],
            "connect_cpu_s": connect[0], "connect_wall_s": connect[1], "later_cpu_s": later_cpu, "later_wall_s": later_wall}


def main() -> None:
    mode = sys.argv[1]
    if mode == "cold-pool":
        ids = json.loads(sys.stdin.read())
        out = cold_pool_child(sys.argv[2], int(sys.argv[3]), int(sys.argv[4]), ids)
    elif mode == "first-round":
        out = first_round_child(sys.argv[2], int(sys.argv[3]), int(sys.argv[4]))
    else:
        raise SystemExit(__doc__)
    print(json.dumps(out), flush=True)


if __name__ == "__main__":
    main()
