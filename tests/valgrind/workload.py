"""A short Python workload through mongo_odm, run under valgrind by tests/valgrind/run.sh.

It touches every layer of the package once or a few times: the connection singleton (sync and
async), models (save/get/find/find_iter/count/update/delete/insert_many/aggregate), the raw
client API (cursors read partly and closed, to_list, errors with server replies), the BSON
codec (every type it maps), error paths (duplicate key, invalid documents, an unreachable
server), a thread pool, and interrupted calls (Ctrl-C on the main thread, a cancelled async
task, timeoutMS) against a server that never answers. It ends by closing everything, as a
program does.

MONGO_URL / MONGO_USER / MONGO_PASSWORD / MONGO_DB_NAME name the server. Exits non-zero if any
check fails (valgrind's own verdict comes on top).
"""

from __future__ import annotations

import asyncio
import datetime
import decimal
import gc
import os
import re
import sys
import uuid
from concurrent.futures import ThreadPoolExecutor
from typing import Dict, List, Optional

from mongo_odm import Binary, MongoBaseModel, connect, get_mongo_connection
from mongo_odm import _core
from mongo_odm.client import MongoClient
from mongo_odm.errors import DuplicateKeyError, InvalidDocument, ServerSelectionTimeoutError


class Person(MongoBaseModel):
    class Settings:
        name = "people"

    name: str
    age: int = 0
    email: Optional[str] = None
    tags: List[str] = []
    scores: Dict[str, float] = {}


class Pair(MongoBaseModel):
    class Settings:
        name = "pairs"
        composite_key = ["a", "b"]

    a: str
    b: int


def sync_part() -> None:
    db = connect()
    db["people"].drop()
    db["pairs"].drop()
    people = [Person(name=f"p{i}", age=i, tags=["x", "y"][: i % 3], scores={"s": i / 2}) for i in range(30)]
    for p in people[:10]:
        assert p.save() == p.id
    assert len(Person.insert_many(people[10:])) == 20
    assert Person.get(people[3].id).age == 3
    assert Person.get("nope") is None
    assert Person.count({"age": {"$gte": 10}}) == 20
    assert [p.age for p in Person.find({"age": {"$lt": 5}}, sort=[("age", 1)])] == [0, 1, 2, 3, 4]
    it = Person.find_iter({}, batch_size=4)
    assert next(it).name.startswith("p")
    it.close()  # a generator closed early: its cursor is released
    assert Person.find_one({"name": "p7"}).age == 7
    assert Person.update_one({"_id": people[0].id}, {"$set": {"email": "a@b.c"}})
    assert Person.update_many({"age": {"$gte": 25}}, {"$inc": {"age": 100}}) == 5
    assert Person.aggregate([{"$match": {"age": {"$gte": 100}}}, {"$count": "n"}]) == [{"n": 5}]
    assert people[1].delete()
    assert Person.delete_many({"age": {"$gte": 100}}) == 5
    Pair(a="x", b=1).save()
    assert Pair.get(Pair(a="x", b=1).id).b == 1

    coll = get_mongo_connection().get_collection("raw")
    coll.drop()
    doc = {
        "_id": 1,
        "int": 1,
        "big": 2**40,
        "float": 1.5,
        "str": "héllo",
        "bytes": b"\x00\x01",
        "none": None,
        "bool": True,
        "list": [1, "a", {"b": 2}],
        "dict": {"nested": {"deep": [1, 2]}},
        "dt": datetime.datetime(2024, 1, 2, 3, 4, 5, 678000, tzinfo=datetime.timezone.utc),
        "uuid": Binary(uuid.UUID(int=5).bytes, 4),  # a uuid.UUID needs uuidRepresentation (below)
        "re": re.compile("^a.*", re.I),
        "oid": _core.ObjectId(),
    }
    try:
        coll.insert_one({"_id": 2, "uuid": uuid.UUID(int=5)})
        raise AssertionError("uuid.UUID encoded without uuidRepresentation")
    except ValueError:  # pymongo's default, "unspecified"
        pass
    coll.insert_one(doc)
    back = coll.find_one({"_id": 1})
    assert back["uuid"] == Binary(uuid.UUID(int=5).bytes, 4), back
    assert back["str"] == "héllo" and back["list"] == [1, "a", {"b": 2}], back
    try:
        coll.insert_one({"_id": 1})
        raise AssertionError("duplicate accepted")
    except DuplicateKeyError as e:
        assert e.code == 11000
    try:
        coll.insert_one({"bad": object()})
        raise AssertionError("object() encoded")
    except InvalidDocument:
        pass
    coll.insert_many([{"_id": 100 + i, "v": i} for i in range(50)])
    cur = coll.find({"v": {"$exists": True}}, batch_size=7)
    assert next(cur)["v"] is not None
    cur.close()
    assert len(coll.find({}, batch_size=9).to_list()) == 51
    with coll.find({}, batch_size=3) as c:
        assert len(c.fetch(5)) == 5
    assert coll.count_documents({"v": {"$gte": 25}}) == 25

    # threads sharing the singleton
    def work(k: int) -> int:
        p = Person(name=f"t{k}", age=k)
        p.save()
        return Person.get(p.id).age

    with ThreadPoolExecutor(4) as pool:
        assert sorted(pool.map(work, range(12))) == list(range(12))

    # an unreachable server fails cleanly
    dead = MongoClient("mongodb://127.0.0.1:1/?serverSelectionTimeoutMS=200")
    try:
        dead["x"]["y"].insert_one({})
        raise AssertionError("unreachable server accepted a write")
    except ServerSelectionTimeoutError:
        pass
    dead.close()

    # Decimal128 only through the codec: FerretDB 1.24 closes the connection on it (so does
    # pymongo's insert against it: AutoReconnect "connection closed")
    value = {"a": [1, {"b": None}], "dec": decimal.Decimal("1.25")}
    assert _core.decode(_core.encode(value)) == value


async def async_part() -> None:
    people = [Person(name=f"a{i}", age=i) for i in range(10)]
    await asyncio.gather(*(p.asave() for p in people))
    assert (await Person.aget(people[2].id)).age == 2
    assert len(await Person.afind({"name": {"$regex": "^a"}})) == 10
    seen = 0
    async for _ in Person.afind_iter({"name": {"$regex": "^a"}}, batch_size=3):
        seen += 1
    assert seen == 10
    assert await Person.acount({"name": {"$regex": "^a"}}) == 10
    assert await Person.aupdate_one({"_id": people[0].id}, {"$set": {"age": 50}})
    assert await people[1].adelete()
    assert await Person.adelete_many({"name": {"$regex": "^a"}}) == 9
    assert len(await Person.ainsert_many([Person(name="b", age=1)])) == 1


def interrupt_part() -> None:
    """Calls to a server that never answers, each interrupted: by SIGINT (KeyboardInterrupt,
    the binding's signal check), by cancelling the awaiting task (a per-call cancel token), by
    timeoutMS. Under valgrind the waits are long enough for the interruptions to land mid-call."""
    import signal
    import threading
    import time
    from pathlib import Path

    sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "support"))
    from netfaults import HungServer

    from mongo_odm._async import AsyncMongoClient
    from mongo_odm.errors import NetworkTimeout

    with HungServer() as hung:
        client = MongoClient(hung.url)
        coll = client["x"]["y"]
        main = threading.get_ident()
        for call in (lambda: coll.find_one({}), lambda: list(coll.find({})), lambda: coll.insert_one({"a": 1})):
            timer = threading.Timer(0.5, signal.pthread_kill, (main, signal.SIGINT))
            timer.start()
            try:
                call()
                raise AssertionError("a call to the hung server returned")
            except KeyboardInterrupt:
                pass
            timer.join()
        client.close()

        aclient = AsyncMongoClient(hung.url)

        async def cancelled() -> None:
            task = asyncio.create_task(aclient["x"]["y"].find_one({}))
            await asyncio.sleep(0.5)
            task.cancel()
            try:
                await task
                raise AssertionError("a cancelled call returned")
            except asyncio.CancelledError:
                pass
            await asyncio.sleep(0.5)  # the worker's call ends (its token) before the loop closes

        asyncio.run(cancelled())
        aclient.close()

        limited = MongoClient(hung.url, timeoutMS=500)
        start = time.monotonic()
        try:
            limited["x"]["y"].count_documents({})
            raise AssertionError("a call to the hung server returned")
        except NetworkTimeout:
            pass
        # timeoutMS is 500 ms; under valgrind (20-50x slower) on a loaded 2-core machine a call
        # takes a few seconds at most. 30 s only tells "bounded by timeoutMS" from "hung" (the
        # server never answers), which is what this checks.
        assert time.monotonic() - start < 30
        limited.close()


def inject_fault(kind: str) -> None:
    """The negative control of run.sh --self-check: a leak or a memory error inside
    libmongo_odm, which valgrind must report (and run.sh must fail on)."""
    import ctypes
    from pathlib import Path

    import mongo_odm

    lib_path = next(Path(mongo_odm.__file__).parent.glob("libmongo_odm.so*"))
    lib = ctypes.CDLL(str(lib_path))
    lib.mongo_odm_model_new.restype = ctypes.c_void_p
    lib.mongo_odm_model_new.argtypes = [ctypes.c_char_p, ctypes.c_void_p]
    lib.mongo_odm_model_destroy.argtypes = [ctypes.c_void_p]
    model = lib.mongo_odm_model_new(b"injected", None)
    if kind == "leak":
        del model  # never destroyed: definitely lost, allocated by libmongo_odm
    elif kind == "error":
        lib.mongo_odm_model_destroy(model)
        lib.mongo_odm_model_destroy(model)  # a double free inside libmongo_odm
    else:
        raise SystemExit(f"unknown MONGO_ODM_VALGRIND_INJECT={kind}")


def main() -> int:
    import signal

    # KeyboardInterrupt on SIGINT even when the test command was started with SIGINT ignored
    # (in the background by a shell without job control): interrupt_part() relies on it.
    signal.signal(signal.SIGINT, signal.default_int_handler)
    inject = os.environ.get("MONGO_ODM_VALGRIND_INJECT")
    if inject:
        inject_fault(inject)
    sync_part()
    asyncio.run(async_part())
    interrupt_part()
    conn = get_mongo_connection()
    conn.database.drop_collection("people")
    conn.database.drop_collection("pairs")
    conn.database.drop_collection("raw")
    conn.close_connection()
    gc.collect()
    print("workload: ok")
    return 0


if __name__ == "__main__":
    sys.exit(main())
