"""The systems compared: mongo_odm and lightodm (the same ODM API) and raw pymongo/motor; for
the async tasks also pymongo's own AsyncMongoClient, raw and under Beanie 2.

Each system works in its own database of the same server and exposes the same task methods,
so the benchmark loop treats them alike. The async-only systems (motor, pymongo_async, beanie)
have the housekeeping methods and the async tasks only.
"""

from __future__ import annotations

import asyncio
from typing import Any, Dict, List, Optional

import pydantic

DB_PREFIX = "bench_"

SMALL_FIELDS: Dict[str, Any] = {f"field{i}": (str, ...) for i in range(1, 8)}
SMALL_FIELDS.update({f"field{i}": (int, ...) for i in range(8, 14)})


def _settings(name: str) -> type:
    return type("Settings", (), {"name": name})


class OdmSystem:
    """mongo_odm or lightodm: both have lightodm 0.2.0's API."""

    def __init__(self, name: str, module: Any, url: str, user: Optional[str], password: Optional[str]) -> None:
        self.name = name
        self.module = module
        self.db_name = DB_PREFIX + name
        self.db = module.connect(url=url, username=user, password=password, db_name=self.db_name)
        base = module.MongoBaseModel
        self.Small = pydantic.create_model("Small", __base__=base, **SMALL_FIELDS)
        self.Small.Settings = _settings("small")
        self.Tweet = pydantic.create_model("Tweet", __base__=base, text=(str, ...), user=(dict, ...), entities=(dict, ...))
        self.Tweet.Settings = _settings("tweet")
        self.Large = pydantic.create_model("Large", __base__=base)
        self.Large.Settings = _settings("large")
        self.Nested = pydantic.create_model("Nested", __base__=base)
        self.Nested.Settings = _settings("nested")
        self.Stream = pydantic.create_model("Stream", __base__=base, text=(str, ...), user=(dict, ...), entities=(dict, ...))
        self.Stream.Settings = _settings("stream")

    # housekeeping (never timed)
    def drop(self, collection: str) -> None:
        self.db[collection].drop()

    def create_index(self, collection: str, field: str) -> None:
        self.db[collection].create_index([(field, 1)])

    def load(self, collection: str, docs: List[Dict[str, Any]]) -> List[str]:
        """Bulk-loads documents (with string ids) and returns the ids."""
        model = {"small": self.Small, "tweet": self.Tweet, "nested": self.Nested, "stream": self.Stream}.get(collection)
        if model is None:  # a collection no model of this object uses (cold_pool's): plain documents
            return self.load_raw(collection, docs)
        ids: List[str] = []
        for start in range(0, len(docs), 1000):
            ids += model.insert_many([model(**d) for d in docs[start : start + 1000]])
        return ids

    def load_raw(self, collection: str, docs: List[Dict[str, Any]]) -> List[str]:
        from bson import ObjectId

        batch = [dict(d, _id=str(ObjectId())) for d in docs]
        self.db[collection].insert_many(batch)
        return [b["_id"] for b in batch]

    # tasks (timed)
    def small_create(self, docs: List[Dict[str, Any]]) -> None:
        Small = self.Small
        for d in docs:
            Small(**d).save()

    def small_get(self, ids: List[str]) -> None:
        Small = self.Small
        for i in ids:
            if Small.get(i) is None:
                raise AssertionError("missing document")

    def small_find_filter(self, values: List[str]) -> None:
        Small = self.Small
        for v in values:
            if Small.find_one({"field1": v}) is None:
                raise AssertionError("missing document")

    def small_update(self, ids: List[str]) -> None:
        Small = self.Small
        for n, i in enumerate(ids):
            Small.update_one({"_id": i}, {"$set": {"field8": n}})

    def find_many(self, expected: int) -> None:
        if len(self.Tweet.find({})) != expected:
            raise AssertionError("wrong count")

    def find_all_flat(self, expected: int, repeat: int) -> None:
        """Small.find({}) over the flat collection, `repeat` times (models returned)."""
        Small = self.Small
        for _ in range(repeat):
            if len(Small.find({})) != expected:
                raise AssertionError("wrong count")

    def insert_many(self, models: List[Any]) -> None:
        self.Small.insert_many(models)

    def make_small_models(self, docs: List[Dict[str, Any]]) -> List[Any]:
        return [self.Small(**d) for d in docs]

    def large_create(self, doc: Dict[str, Any], n: int) -> None:
        for _ in range(n):
            self.Large(**doc).save()

    def nested_find(self, keys: List[str]) -> None:
        Nested = self.Nested
        for k in keys:
            if Nested.find_one({"embedded_str_doc_1.field1": k}) is None:
                raise AssertionError("missing document")

    # bulk_mixed (bench.py): rounds of insert, save, update_one, delete_one on the small
    # collection; `plan` is (loaded models to save, their ids, new models to insert).
    def bulk_mixed_prepare(self, docs: List[Dict[str, Any]], rounds: int) -> Any:
        self.drop("small")
        ids = self.load("small", docs)
        loaded = [self.Small(**d, id=i) for d, i in zip(docs, ids)]
        fresh = [self.Small(**docs[r % len(docs)]) for r in range(rounds)]
        return loaded, ids, fresh

    def bulk_mixed(self, plan: Any, through_writer: bool) -> None:
        """The same operations through Model.bulk_writer() (mongo_odm) or one call each."""
        Small = self.Small
        loaded, ids, fresh = plan
        if through_writer:
            with Small.bulk_writer() as bw:
                for r, model in enumerate(fresh):
                    bw.insert(model)
                    saved = loaded[r % len(loaded)]
                    saved.field8 = r
                    bw.save(saved)
                    bw.update_one({"_id": ids[(r * 7) % len(ids)]}, {"$set": {"field9": r}})
                    bw.delete_one({"_id": fresh[r - 1].id if r else "none"})
            return
        for r, model in enumerate(fresh):
            Small.insert_many([model])
            saved = loaded[r % len(loaded)]
            saved.field8 = r
            saved.save()
            Small.update_one({"_id": ids[(r * 7) % len(ids)]}, {"$set": {"field9": r}})
            Small.delete_one({"_id": fresh[r - 1].id if r else "none"})

    async def async_save(self, models: List[Any]) -> None:
        await asyncio.gather(*(m.asave() for m in models))

    async def async_get(self, ids: List[str]) -> None:
        found = await asyncio.gather(*(self.Small.aget(i) for i in ids))
        if any(f is None for f in found):
            raise AssertionError("missing document")

    # the coalescing experiment (bench/python/coalesce.py)
    async def async_collection(self) -> Any:
        return await self.Small.get_async_collection()

    def from_doc(self, doc: Any) -> Any:
        return self.Small._from_mongo_dict(doc)

    # streaming (memory)
    def stream_sync(self) -> int:
        n = 0
        for _ in self.Stream.find_iter({}):
            n += 1
        return n

    async def stream_async(self) -> int:
        n = 0
        async for _ in self.Stream.afind_iter({}):
            n += 1
        return n


class BulkVariant:
    """An ODM system measured through its bulk writer or one call per operation (bulk_mixed)."""

    def __init__(self, system: OdmSystem, through_writer: bool) -> None:
        self.system = system
        self.through_writer = through_writer
        self.name = system.name

    def prepare(self, docs: List[Dict[str, Any]], rounds: int) -> Any:
        return self.system.bulk_mixed_prepare(docs, rounds)

    def run(self, plan: Any) -> None:
        self.system.bulk_mixed(plan, self.through_writer)


class _SyncHousekeeping:
    """drop/load/create_index through a sync pymongo client (`self.db`), for raw pymongo and the
    async-only systems."""

    name = ""

    def _housekeeping(self, url: str, user: Optional[str], password: Optional[str]) -> None:
        import pymongo
        from bson import ObjectId

        self._object_id = ObjectId
        self.db_name = DB_PREFIX + self.name
        self._sync = pymongo.MongoClient(url, username=user, password=password)
        self.db = self._sync[self.db_name]

    def drop(self, collection: str) -> None:
        self.db[collection].drop()

    def create_index(self, collection: str, field: str) -> None:
        self.db[collection].create_index([(field, 1)])

    def load(self, collection: str, docs: List[Dict[str, Any]]) -> List[str]:
        ids: List[str] = []
        for start in range(0, len(docs), 1000):
            batch = [dict(d, _id=str(self._object_id())) for d in docs[start : start + 1000]]
            self.db[collection].insert_many(batch)
            ids += [b["_id"] for b in batch]
        return ids


class PymongoSystem(_SyncHousekeeping):
    """Raw pymongo (and motor for the async tasks): the same work without an ODM."""

    def __init__(self, url: str, user: Optional[str], password: Optional[str], name: str = "pymongo") -> None:
        import pymongo
        from bson import ObjectId

        self.name = name
        self._object_id = ObjectId
        self.client = pymongo.MongoClient(url, username=user, password=password)
        self.db_name = DB_PREFIX + name
        self.db = self.client[self.db_name]
        self._url, self._user, self._password = url, user, password
        self._motor = None

    def _adb(self) -> Any:
        if self._motor is None:
            from motor.motor_asyncio import AsyncIOMotorClient

            self._motor = AsyncIOMotorClient(self._url, username=self._user, password=self._password)
        return self._motor[self.db_name]

    def small_create(self, docs: List[Dict[str, Any]]) -> None:
        coll = self.db["small"]
        oid = self._object_id
        for d in docs:
            doc = dict(d, _id=str(oid()))
            coll.replace_one({"_id": doc["_id"]}, doc, upsert=True)

    def small_get(self, ids: List[str]) -> None:
        coll = self.db["small"]
        for i in ids:
            if coll.find_one({"_id": i}) is None:
                raise AssertionError("missing document")

    def small_find_filter(self, values: List[str]) -> None:
        coll = self.db["small"]
        for v in values:
            if coll.find_one({"field1": v}) is None:
                raise AssertionError("missing document")

    def small_update(self, ids: List[str]) -> None:
        coll = self.db["small"]
        for n, i in enumerate(ids):
            coll.update_one({"_id": i}, {"$set": {"field8": n}})

    def find_many(self, expected: int) -> None:
        if len(list(self.db["tweet"].find({}))) != expected:
            raise AssertionError("wrong count")

    def find_all_flat(self, expected: int, repeat: int) -> None:
        coll = self.db["small"]
        for _ in range(repeat):
            if len(list(coll.find({}))) != expected:
                raise AssertionError("wrong count")

    def make_small_models(self, docs: List[Dict[str, Any]]) -> List[Any]:
        return [dict(d, _id=str(self._object_id())) for d in docs]

    def insert_many(self, models: List[Any]) -> None:
        self.db["small"].insert_many([dict(m) for m in models])

    def large_create(self, doc: Dict[str, Any], n: int) -> None:
        coll = self.db["large"]
        for _ in range(n):
            d = dict(doc, _id=str(self._object_id()))
            coll.replace_one({"_id": d["_id"]}, d, upsert=True)

    def nested_find(self, keys: List[str]) -> None:
        coll = self.db["nested"]
        for k in keys:
            if coll.find_one({"embedded_str_doc_1.field1": k}) is None:
                raise AssertionError("missing document")

    async def async_save(self, models: List[Any]) -> None:
        coll = self._adb()["small"]
        await asyncio.gather(*(coll.replace_one({"_id": m["_id"]}, m, upsert=True) for m in models))

    async def async_get(self, ids: List[str]) -> None:
        coll = self._adb()["small"]
        found = await asyncio.gather(*(coll.find_one({"_id": i}) for i in ids))
        if any(f is None for f in found):
            raise AssertionError("missing document")

    def stream_sync(self) -> int:
        n = 0
        for _ in self.db["stream"].find({}):
            n += 1
        return n

    async def stream_async(self) -> int:
        n = 0
        async for _ in self._adb()["stream"].find({}):
            n += 1
        return n


class AsyncPymongoSystem(_SyncHousekeeping):
    """Raw pymongo AsyncMongoClient (pymongo >= 4.9): what Beanie 2 and a Motor user now run on."""

    name = "pymongo_async"

    def __init__(self, url: str, user: Optional[str], password: Optional[str]) -> None:
        from pymongo import AsyncMongoClient

        self._housekeeping(url, user, password)
        # Created here, bound to the event loop at its first operation (the benchmark's loop).
        self.client = AsyncMongoClient(url, username=user, password=password)
        self.adb = self.client[self.db_name]

    def make_small_models(self, docs: List[Dict[str, Any]]) -> List[Any]:
        return [dict(d, _id=str(self._object_id())) for d in docs]

    async def async_save(self, models: List[Any]) -> None:
        coll = self.adb["small"]
        await asyncio.gather(*(coll.replace_one({"_id": m["_id"]}, m, upsert=True) for m in models))

    async def async_get(self, ids: List[str]) -> None:
        coll = self.adb["small"]
        found = await asyncio.gather(*(coll.find_one({"_id": i}) for i in ids))
        if any(f is None for f in found):
            raise AssertionError("missing document")

    async def async_collection(self) -> Any:
        return self.adb["small"]

    def from_doc(self, doc: Any) -> Any:
        return doc


def beanie_small_model() -> type:
    """Beanie 2's Document with the flat small document's 13 fields and a string id stored as
    _id, as mongo_odm and lightodm store it (Beanie's default is an ObjectId)."""
    from beanie import Document
    from bson import ObjectId
    from pydantic import Field

    fields: Dict[str, Any] = {"id": (str, Field(default_factory=lambda: str(ObjectId())))}
    fields.update(SMALL_FIELDS)
    model = pydantic.create_model("BeanieSmall", __base__=Document, **fields)
    model.Settings = _settings("small")
    return model


class BeanieSystem(_SyncHousekeeping):
    """Beanie 2 (an ODM on pymongo's AsyncMongoClient): Document.save() / Document.get()."""

    name = "beanie"

    def __init__(self, url: str, user: Optional[str], password: Optional[str],
                 loop: asyncio.AbstractEventLoop) -> None:
        from beanie import init_beanie
        from pymongo import AsyncMongoClient

        self._housekeeping(url, user, password)
        self.client = AsyncMongoClient(url, username=user, password=password)
        self.Small = beanie_small_model()
        loop.run_until_complete(init_beanie(database=self.client[self.db_name], document_models=[self.Small]))

    def make_small_models(self, docs: List[Dict[str, Any]]) -> List[Any]:
        return [self.Small(**d) for d in docs]

    async def async_save(self, models: List[Any]) -> None:
        await asyncio.gather(*(m.save() for m in models))

    async def async_get(self, ids: List[str]) -> None:
        found = await asyncio.gather(*(self.Small.get(i) for i in ids))
        if any(f is None for f in found):
            raise AssertionError("missing document")


ASYNC_ONLY = ("motor", "pymongo_async", "beanie")


def make_system(name: str, url: str, user: Optional[str], password: Optional[str],
                loop: Optional[asyncio.AbstractEventLoop] = None) -> Any:
    if name == "mongo_odm":
        import mongo_odm

        return OdmSystem(name, mongo_odm, url, user, password)
    if name == "lightodm":
        import lightodm

        return OdmSystem(name, lightodm, url, user, password)
    if name == "pymongo":
        return PymongoSystem(url, user, password)
    if name == "motor":  # raw motor: PymongoSystem's async methods, in a database of its own
        return PymongoSystem(url, user, password, name="motor")
    if name == "pymongo_async":
        return AsyncPymongoSystem(url, user, password)
    if name == "beanie":
        if loop is None:
            raise ValueError("beanie needs the benchmark's event loop (init_beanie)")
        return BeanieSystem(url, user, password, loop)
    raise ValueError(f"unknown system {name}")
