"""Bring your own connection: get_collection / get_async_collection overridden to return collections
of a mongo_odm.client.MongoClient / mongo_odm._async.AsyncMongoClient the application created.
The singleton is never used."""

from typing import Optional
from uuid import uuid4

import pytest

from mongo_odm import MongoBaseModel
from mongo_odm._async import AsyncMongoClient
from mongo_odm.client import MongoClient
from mongo_odm.connection import MongoConnection


@pytest.fixture
def byo(settings, monkeypatch):
    """Own clients on a database of their own; the singleton cannot connect (no MONGO_URL)."""
    db_name = f"byo_{uuid4().hex[:10]}"
    client = MongoClient(settings.url, username=settings.user, password=settings.password)
    aclient = AsyncMongoClient(settings.url, username=settings.user, password=settings.password)
    monkeypatch.delenv("MONGO_URL")
    coll_name = f"t_{uuid4().hex[:12]}"

    class Note(MongoBaseModel):
        class Settings:
            name = coll_name

        text: str
        stars: int = 0
        tag: Optional[str] = None

        @classmethod
        def get_collection(cls):
            return client[db_name][cls._get_collection_name()]

        @classmethod
        async def get_async_collection(cls):
            return aclient[db_name][cls._get_collection_name()]

    yield Note, client, aclient, db_name
    client.drop_database(db_name)
    assert db_name not in client.list_database_names()
    client.close()
    aclient.close()


def test_byo_sync_all_methods(byo):
    Note, client, _, db_name = byo
    a = Note(text="a", stars=1)
    assert a.save() == a.id
    assert Note.get(a.id) == a
    ids = Note.insert_many([Note(text="b", stars=2), Note(text="c", stars=3)])
    assert len(ids) == 2
    assert Note.count() == 3
    assert [n.text for n in Note.find({}, sort=[("stars", -1)])] == ["c", "b", "a"]
    assert [n.text for n in Note.find_iter({"stars": {"$gte": 2}}, sort="stars")] == ["b", "c"]
    assert Note.find_one({"text": "b"}).stars == 2
    assert Note.update_one({"text": "a"}, {"$set": {"tag": "x"}}) is True
    assert Note.update_one({"text": "zz"}, {"$set": {"tag": "x"}}, upsert=True) is True
    assert Note.update_many({}, {"$inc": {"stars": 10}}) == 4
    assert Note.aggregate([{"$group": {"_id": None, "s": {"$sum": "$stars"}}}]) == [{"_id": None, "s": 46}]
    assert Note.delete_one({"text": "zz"}) is True
    assert a.delete() is True
    assert Note.delete_many({}) == 2
    # everything happened in the application's database, and the singleton was never created
    assert Note._get_collection_name() in client[db_name].list_collection_names()
    assert MongoConnection._instance is None


async def test_byo_async_all_methods(byo):
    Note, client, aclient, db_name = byo
    a = Note(text="a", stars=1)
    assert await a.asave() == a.id
    assert await Note.aget(a.id) == a
    assert len(await Note.ainsert_many([Note(text="b", stars=2), Note(text="c", stars=3)])) == 2
    assert await Note.acount() == 3
    assert await Note.acount({"stars": 2}) == 1
    assert [n.text for n in await Note.afind({}, sort=[("stars", 1)])] == ["a", "b", "c"]
    assert [n.text async for n in Note.afind_iter({}, sort=[("stars", -1)], limit=2)] == ["c", "b"]
    assert (await Note.afind_one({"text": "c"})).stars == 3
    assert await Note.aupdate_one({"text": "a"}, {"$set": {"stars": 5}}) is True
    assert await Note.aupdate_many({"stars": {"$gt": 2}}, {"$set": {"tag": "hi"}}) == 2
    assert await Note.aaggregate([{"$match": {"tag": "hi"}}, {"$count": "n"}]) == [{"n": 2}]
    assert await Note.adelete_one({"text": "b"}) is True
    assert await a.adelete() is True
    assert await Note.adelete_many({}) == 1
    assert MongoConnection._instance is None
    # the sync client sees what the async one wrote (same database)
    assert client[db_name][Note._get_collection_name()].count_documents({}) == 0


def test_byo_documents_are_not_in_default_database(byo, admin_db):
    Note, client, _, db_name = byo
    n = Note(text="only in byo")
    n.save()
    assert admin_db[Note._get_collection_name()].count_documents({}) == 0
    assert client[db_name][Note._get_collection_name()].find_one({"_id": n.id})["text"] == "only in byo"


def test_get_collection_returning_a_mongomock_collection():
    """docs/design.md: the model layer keeps lightodm's thin rules over pymongo-named collection
    methods, so a get_collection() override returning another pymongo-like collection keeps
    working. mongomock's in-memory collection (no server) stands in for one here."""
    import mongomock

    db = mongomock.MongoClient().db

    class Note(MongoBaseModel):
        class Settings:
            name = "notes"

        text: str
        stars: int = 0
        tag: Optional[str] = None

        @classmethod
        def get_collection(cls):
            return db[cls._get_collection_name()]

    a = Note(text="a", stars=1)
    assert a.save() == a.id
    assert Note.get(a.id) == a
    assert len(Note.insert_many([Note(text="b", stars=2), Note(text="c", stars=3)])) == 2
    assert Note.count() == 3
    assert [n.text for n in Note.find({}, sort=[("stars", -1)])] == ["c", "b", "a"]
    assert [n.text for n in Note.find_iter({"stars": {"$gte": 2}}, sort=[("stars", 1)])] == ["b", "c"]
    assert Note.find_one({"text": "b"}).stars == 2
    assert Note.update_one({"text": "a"}, {"$set": {"tag": "x"}}) is True
    assert Note.update_many({}, {"$inc": {"stars": 1}}) == 3
    assert Note.get(a.id).tag == "x"
    assert Note.delete_many({"stars": {"$gt": 3}}) == 1
    assert a.delete() is True
    assert Note.count() == 1
    assert db.notes.count_documents({}) == 1  # written into mongomock, not to a server
