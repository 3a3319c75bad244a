"""The motor-shaped async objects: AsyncMongoClient, AsyncDatabase, AsyncCollection, AsyncCursor."""

import inspect

import pytest

from mongo_odm import ObjectId, get_async_client, get_async_database
from mongo_odm._async import AsyncCollection, AsyncCursor, AsyncDatabase, AsyncMongoClient
from mongo_odm.errors import BulkWriteError, DuplicateKeyError, InvalidOperation, OperationFailure


@pytest.fixture
async def aclient(settings):
    client = AsyncMongoClient(settings.url, username=settings.user, password=settings.password)
    yield client
    client.close()


@pytest.fixture
async def acoll(aclient, settings, coll_name):
    return aclient[settings.db_name][coll_name]


async def test_singleton_async_objects(settings):
    client = await get_async_client()
    assert isinstance(client, AsyncMongoClient)
    assert await client.admin.command("ping") == {"ok": 1.0}
    db = await get_async_database()
    assert isinstance(db, AsyncDatabase)
    assert db.name == settings.db_name
    assert db.client is client
    other = await get_async_database("another_db")
    assert other.name == "another_db"


async def test_navigation(aclient, settings, coll_name):
    db = aclient[settings.db_name]
    assert db is aclient.get_database(settings.db_name)
    assert getattr(aclient, settings.db_name) is db
    assert db.name == settings.db_name
    coll = db[coll_name]
    assert isinstance(coll, AsyncCollection)
    assert coll is db.get_collection(coll_name) is getattr(db, coll_name)
    assert coll.name == coll_name
    assert coll.full_name == f"{settings.db_name}.{coll_name}"
    assert coll.database is db
    assert coll.delegate.name == coll_name  # the sync collection underneath
    with pytest.raises(AttributeError):
        aclient._private


async def test_methods_return_awaitables(acoll):
    for name in ["find_one", "insert_one", "insert_many", "replace_one", "update_one", "update_many",
                 "delete_one", "delete_many", "count_documents", "create_index", "drop"]:
        assert inspect.iscoroutinefunction(getattr(acoll, name)), name
    assert isinstance(acoll.find({}), AsyncCursor)
    assert isinstance(acoll.aggregate([]), AsyncCursor)


async def test_admin_command_and_database_command(aclient, settings, coll_name):
    assert await aclient.admin.command("ping") == {"ok": 1.0}
    db = aclient[settings.db_name]
    await db[coll_name].insert_many([{"x": 1}, {"x": 2}])
    assert (await db.command("count", coll_name))["n"] == 2
    assert (await db.command({"count": coll_name, "query": {"x": 2}}))["n"] == 1
    assert coll_name in await db.list_collection_names()
    assert settings.db_name in await aclient.list_database_names()
    with pytest.raises(OperationFailure) as info:
        await db.command({"noSuchCommandHere": 1})
    assert info.value.code == 59


async def test_crud_results(acoll):
    doc = {"a": 1}
    r = await acoll.insert_one(doc)
    assert isinstance(r.inserted_id, ObjectId) and doc["_id"] == r.inserted_id and r.acknowledged
    r = await acoll.insert_many([{"a": 2}, {"a": 3}, {"_id": "k", "a": 4}])
    assert len(r.inserted_ids) == 3 and r.inserted_ids[2] == "k"
    assert await acoll.find_one({"_id": "k"}) == {"_id": "k", "a": 4}
    assert await acoll.find_one({"a": 99}) is None
    r = await acoll.replace_one({"_id": "k"}, {"a": 40})
    assert (r.matched_count, r.modified_count, r.upserted_id) == (1, 1, None)
    r = await acoll.replace_one({"_id": "new"}, {"a": 5}, upsert=True)
    assert r.upserted_id == "new"
    r = await acoll.update_one({"a": 1}, {"$set": {"b": True}})
    assert (r.matched_count, r.modified_count) == (1, 1)
    r = await acoll.update_one({"_id": "up"}, {"$set": {"b": 1}}, upsert=True)
    assert r.upserted_id == "up"
    r = await acoll.update_many({"a": {"$gte": 2}}, {"$inc": {"a": 100}})
    assert r.matched_count == 4 and r.modified_count == 4
    assert await acoll.count_documents({}) == 6
    assert await acoll.count_documents({"a": {"$gt": 100}}) == 4
    r = await acoll.delete_one({"_id": "up"})
    assert r.deleted_count == 1 and r.acknowledged
    r = await acoll.delete_many({"a": {"$gt": 100}})
    assert r.deleted_count == 4
    assert await acoll.count_documents({}) == 1
    with pytest.raises(ValueError):
        await acoll.update_one({}, {"no_operator": 1})


async def test_async_errors(acoll):
    await acoll.insert_one({"_id": 1})
    with pytest.raises(DuplicateKeyError) as info:
        await acoll.insert_one({"_id": 1})
    assert info.value.code == 11000
    with pytest.raises(BulkWriteError):
        await acoll.insert_many([{"_id": 2}, {"_id": 1}])
    assert await acoll.count_documents({}) == 2


async def test_async_for_and_to_list(acoll):
    await acoll.insert_many([{"_id": i} for i in range(1500)])  # several fetch batches
    seen = [d["_id"] async for d in acoll.find({}, sort=[("_id", 1)])]
    assert seen == list(range(1500))
    assert [d["_id"] for d in await acoll.find({}, sort=[("_id", 1)]).to_list(length=None)] == list(range(1500))
    assert [d["_id"] for d in await acoll.find({}, sort=[("_id", 1)]).to_list(None)] == list(range(1500))
    assert await acoll.find({"_id": -1}).to_list(length=None) == []


async def test_to_list_with_length_continues(acoll):
    await acoll.insert_many([{"_id": i} for i in range(20)])
    cursor = acoll.find({}, sort=[("_id", 1)])
    assert [d["_id"] for d in await cursor.to_list(length=3)] == [0, 1, 2]
    assert (await cursor.__anext__())["_id"] == 3
    assert [d["_id"] for d in await cursor.to_list(length=2)] == [4, 5]
    assert [d["_id"] async for d in cursor] == list(range(6, 20))
    assert await cursor.to_list(length=None) == []


async def test_cursor_close(acoll):
    await acoll.insert_many([{"_id": i} for i in range(10)])
    cursor = acoll.find({}, batch_size=2)
    await cursor.__anext__()
    await cursor.aclose()
    cursor.close()
    cursor2 = acoll.find({})
    cursor2.close()  # closing a cursor that never started
    assert await cursor2.to_list(None) == []


async def test_async_aggregate(acoll):
    await acoll.insert_many([{"g": i % 2, "v": i} for i in range(10)])
    cursor = acoll.aggregate([{"$group": {"_id": "$g", "s": {"$sum": "$v"}}}, {"$sort": {"_id": 1}}])
    assert await cursor.to_list(length=None) == [{"_id": 0, "s": 20}, {"_id": 1, "s": 25}]
    assert [d async for d in acoll.aggregate([{"$match": {"g": 1}}, {"$count": "n"}])] == [{"n": 5}]


async def test_async_find_kwargs(acoll):
    await acoll.insert_many([{"_id": i, "v": i, "w": "x"} for i in range(10)])
    docs = await acoll.find({}, sort=[("v", -1)], skip=1, limit=3, projection=["v"]).to_list(None)
    assert docs == [{"_id": 8, "v": 8}, {"_id": 7, "v": 7}, {"_id": 6, "v": 6}]
    assert await acoll.find_one({}, sort=[("v", 1)], projection={"_id": 0, "w": 1}) == {"w": "x"}
    with pytest.raises(TypeError, match="bogus"):
        await acoll.find({}, bogus=1).to_list(None)


async def test_create_index_drop_and_drop_collection(aclient, settings, new_name):
    db = aclient[settings.db_name]
    name = new_name()
    coll = db[name]
    assert await coll.create_index([("a", 1)], unique=True) == "a_1"
    await coll.insert_one({"a": 1})
    with pytest.raises(DuplicateKeyError):
        await coll.insert_one({"a": 1})
    await coll.drop()
    assert name not in await db.list_collection_names()
    await coll.insert_one({"a": 1})
    await db.drop_collection(name)
    assert name not in await db.list_collection_names()


async def test_async_client_close(settings):
    client = AsyncMongoClient(settings.url, username=settings.user, password=settings.password)
    assert await client.admin.command("ping") == {"ok": 1.0}
    client.close()
    with pytest.raises(InvalidOperation):
        await client.admin.command("ping")
