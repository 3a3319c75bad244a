"""MongoBaseModel's asynchronous twins (a-prefixed) return what the sync methods return."""

import asyncio
import inspect

import pytest

from helpers import no_server_model
from mongo_odm import MongoBaseModel, generate_id
from mongo_odm._async import AsyncCollection
from mongo_odm.connection import MongoConnection
from mongo_odm.errors import BulkWriteError

ASYNC_METHODS = ["asave", "adelete", "aget", "afind_one", "afind", "acount", "aupdate_one", "aupdate_many",
                 "adelete_one", "adelete_many", "aaggregate", "ainsert_many", "get_async_collection"]


def test_async_methods_are_coroutines():
    for name in ASYNC_METHODS:
        assert inspect.iscoroutinefunction(getattr(MongoBaseModel, name)), name
    assert inspect.isasyncgenfunction(MongoBaseModel.afind_iter)


@pytest.fixture
async def apeople(User):
    data = [("Ada", 36), ("Bob", 25), ("Cy", 25), ("Dee", 50), ("Eve", 19)]
    users = [User(name=n, age=a) for n, a in data]
    for u in users:
        await u.asave()
    return users


async def test_get_async_collection(User, coll_name):
    coll = await User.get_async_collection()
    assert isinstance(coll, AsyncCollection)
    assert coll.name == coll_name


async def test_asave_and_aget(User, raw):
    user = User(name="Ada", age=36)
    assert await user.asave() == user.id
    assert raw.find_one({"_id": user.id}) == {"_id": user.id, "name": "Ada", "age": 36, "email": None}
    got = await User.aget(user.id)
    assert isinstance(got, User) and got == user
    assert await User.aget("missing") is None
    user.age = 37
    await user.asave()
    assert raw.count_documents({}) == 1
    assert (await User.aget(user.id)).age == 37


async def test_asave_exclude_none(User, raw):
    user = User(name="Ada", email=None, extra_none=None)
    await user.asave(exclude_none=True)
    assert raw.find_one({"_id": user.id}) == {"_id": user.id, "name": "Ada", "age": 0}


async def test_asave_without_id(User, raw):
    with pytest.raises(ValueError, match="Document ID is required"):
        await User(name="x", id=None).asave()
    assert raw.count_documents({}) == 0


async def test_adelete(User, raw):
    user = User(name="Ada")
    await user.asave()
    assert await user.adelete() is True
    assert await user.adelete() is False
    assert raw.count_documents({}) == 0


async def test_adelete_without_id_makes_no_call(coll_name):
    NoServer = no_server_model(coll_name, "adelete() without id must not touch the collection")

    assert await NoServer(id=None).adelete() is False
    assert MongoConnection._instance is None


async def test_afind_one(User, apeople):
    found = await User.afind_one({"name": "Dee"})
    assert isinstance(found, User) and found.id == apeople[3].id
    assert await User.afind_one({"name": "Nobody"}) is None


async def test_afind(User, apeople):
    found = await User.afind({"age": 25})
    assert isinstance(found, list)
    assert sorted(u.name for u in found) == ["Bob", "Cy"]
    assert all(isinstance(u, User) for u in found)
    assert await User.afind({"age": 1000}) == []


async def test_afind_many_documents(User, raw):
    # more than one validation slice and more than one fetch batch
    raw.insert_many([{"_id": f"{i:05d}", "name": "n", "age": i} for i in range(1300)])
    found = await User.afind({}, sort=[("age", 1)])
    assert [u.age for u in found] == list(range(1300))


async def test_afind_iter(User, apeople):
    agen = User.afind_iter({"age": {"$lt": 40}}, sort=[("age", 1)])
    assert inspect.isasyncgen(agen)
    names = [u.name async for u in agen]
    assert names[0] == "Eve" and names[-1] == "Ada" and sorted(names) == ["Ada", "Bob", "Cy", "Eve"]
    assert [u async for u in User.afind_iter({"name": "Nobody"})] == []


async def test_afind_iter_many(User, raw):
    raw.insert_many([{"_id": f"{i:05d}", "name": "n", "age": i} for i in range(1200)])
    ages = [u.age async for u in User.afind_iter({}, sort=[("age", -1)])]
    assert ages == list(range(1199, -1, -1))


async def test_afind_iter_early_exit(User, raw):
    raw.insert_many([{"_id": f"{i:05d}", "name": "n", "age": i} for i in range(1000)])
    got = []
    async for u in User.afind_iter({}, sort=[("age", 1)]):
        got.append(u.age)
        if len(got) == 3:
            break
    assert got == [0, 1, 2]


async def test_acount(User, apeople):
    assert await User.acount() == 5
    assert await User.acount(None) == 5
    assert await User.acount({"age": 25}) == 2
    assert await User.acount({"name": "Nobody"}) == 0


async def test_aupdate_one(User, apeople, raw):
    assert await User.aupdate_one({"name": "Ada"}, {"$set": {"age": 40}}) is True
    assert (await User.afind_one({"name": "Ada"})).age == 40
    assert await User.aupdate_one({"name": "Ada"}, {"$set": {"age": 40}}) is False
    assert await User.aupdate_one({"name": "Nobody"}, {"$set": {"age": 1}}) is False
    assert await User.aupdate_one({"_id": "up"}, {"$set": {"name": "Up"}}, upsert=True) is True
    assert raw.find_one({"_id": "up"}) == {"_id": "up", "name": "Up"}
    assert await User.aupdate_one({"_id": "up"}, {"$set": {"name": "Up"}}, upsert=True) is False
    with pytest.raises(ValueError):
        await User.aupdate_one({"name": "Ada"}, {"age": 1})


async def test_aupdate_many(User, apeople):
    assert await User.aupdate_many({"age": 25}, {"$set": {"age": 26}}) == 2
    assert await User.aupdate_many({"age": 25}, {"$set": {"age": 26}}) == 0
    assert await User.acount({"age": 26}) == 2
    with pytest.raises(ValueError):
        await User.aupdate_many({}, {"age": 1})


async def test_adelete_one_and_many(User, apeople):
    assert await User.adelete_one({"age": 25}) is True
    assert await User.adelete_one({"name": "Nobody"}) is False
    assert await User.acount() == 4
    assert await User.adelete_many({"age": {"$gt": 30}}) == 2
    assert await User.adelete_many({"age": {"$gt": 30}}) == 0
    assert await User.acount() == 2


async def test_aaggregate(User, apeople):
    result = await User.aaggregate([{"$group": {"_id": "$age", "n": {"$sum": 1}}}, {"$sort": {"_id": -1}}])
    assert result == [{"_id": 50, "n": 1}, {"_id": 36, "n": 1}, {"_id": 25, "n": 2}, {"_id": 19, "n": 1}]
    assert await User.aaggregate([{"$match": {"age": -1}}]) == []


async def test_ainsert_many(User, raw):
    users = [User(name=f"u{i}", age=i) for i in range(7)]
    ids = await User.ainsert_many(users)
    assert ids == [u.id for u in users]
    assert raw.count_documents({}) == 7
    dup = User(id=users[0].id, name="dup")
    with pytest.raises(BulkWriteError) as info:
        await User.ainsert_many([User(name="fresh"), dup])
    assert info.value.code == 65 and info.value.details["writeErrors"][0]["code"] == 11000
    assert raw.count_documents({}) == 8  # ordered: the first one went in


async def test_ainsert_many_empty_makes_no_call(coll_name):
    NoServer = no_server_model(coll_name, "ainsert_many([]) must not touch the collection")

    assert await NoServer.ainsert_many([]) == []
    assert MongoConnection._instance is None


async def test_sync_and_async_agree(User, apeople):
    """Same filter, same kwargs: the sync and async methods return equal values."""
    flt = {"age": {"$gte": 25}}
    kw = dict(sort=[("age", -1), ("name", 1)], skip=1, limit=3)
    assert User.find(flt, **kw) == await User.afind(flt, **kw)
    assert User.find_one(flt, sort=[("age", 1)]) == await User.afind_one(flt, sort=[("age", 1)])
    assert User.count(flt) == await User.acount(flt)
    assert [u async for u in User.afind_iter(flt, **kw)] == list(User.find_iter(flt, **kw))
    pipeline = [{"$match": flt}, {"$sort": {"name": 1}}, {"$project": {"_id": 0, "name": 1}}]
    assert User.aggregate(pipeline) == await User.aaggregate(pipeline)


async def test_async_gather_mixed_operations(User):
    users = [User(name=f"g{i}", age=i % 5) for i in range(50)]
    await asyncio.gather(*(u.asave() for u in users))
    counts = await asyncio.gather(*(User.acount({"age": a}) for a in range(5)))
    assert counts == [10] * 5
    got = await asyncio.gather(*(User.aget(u.id) for u in users))
    assert got == users
    assert await User.aget(generate_id()) is None
