"""The systems compared: mongo_odm and lightodm (the same ODM API) and raw pymongo/motor.

Each system works in its own database of the same server and exposes the same task methods,
so the benchmark loop treats them alike.
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
        model = {"small": self.Small, "tweet": self.Tweet, "nested": self.Nested, "stream": self.Stream}[collection]
        ids: List[str] = []
        for start in range(0, len(docs), 1000):
            ids += model.insert_many([model(**d) for d in docs[start : start + 1000]])
        return ids

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

    async def async_save(self, models: List[Any]) -> None:
        await asyncio.gather(*(m.asave() for m in models))

    async def async_get(self, ids: List[str]) -> None:
        found = await asyncio.gather(*(self.Small.aget(i) for i in ids))
        if any(f is None for f in found):
            raise AssertionError("missing document")

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


class PymongoSystem:
    """Raw pymongo (and motor for the async tasks): the same work without an ODM."""

    name = "pymongo"

    def __init__(self, url: str, user: Optional[str], password: Optional[str]) -> None:
        import pymongo
        from bson import ObjectId

        self._object_id = ObjectId
        self.client = pymongo.MongoClient(url, username=user, password=password)
        self.db_name = DB_PREFIX + "pymongo"
        self.db = self.client[self.db_name]
        self._url, self._user, self._password = url, user, password
        self._motor = None

    def _adb(self) -> Any:
        if self._motor is None:
            from motor.motor_asyncio import AsyncIOMotorClient

            self._motor = AsyncIOMotorClient(self._url, username=self._user, password=self._password)
        return self._motor[self.db_name]

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


def make_system(name: str, url: str, user: Optional[str], password: Optional[str]) -> Any:
    if name == "mongo_odm":
        import mongo_odm

        return OdmSystem(name, mongo_odm, url, user, password)
    if name == "lightodm":
        import lightodm

        return OdmSystem(name, lightodm, url, user, password)
    if name == "pymongo":
        return PymongoSystem(url, user, password)
    raise ValueError(f"unknown system {name}")
