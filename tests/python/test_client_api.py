"""The pymongo-shaped objects: client, database, collection, cursor and result objects (sync)."""

import pytest

import mongo_odm
from mongo_odm import ObjectId, connect, get_client, get_collection, get_database
from mongo_odm.client import Database, MongoClient
from mongo_odm.errors import ConfigurationError, InvalidOperation, OperationFailure


def test_connect_returns_default_database(settings):
    db = connect()
    assert isinstance(db, Database)
    assert db.name == settings.db_name
    assert get_database() is db


def test_admin_ping():
    reply = get_client().admin.command("ping")
    assert reply == {"ok": 1.0}
    assert get_client().admin.name == "admin"


def test_client_navigation(settings):
    client = get_client()
    assert isinstance(client, MongoClient)
    db = client[settings.db_name]
    assert isinstance(db, Database)
    assert db.name == settings.db_name
    assert db is client[settings.db_name]  # cached
    assert client.get_database(settings.db_name) is db
    assert getattr(client, settings.db_name) is db
    assert db.client is client
    assert db == client[settings.db_name]
    assert client["other_db"].name == "other_db"
    with pytest.raises(AttributeError):
        client._private
    with pytest.raises(TypeError):
        Database(client, 5)


def test_default_database_of_url(settings):
    """As in pymongo: the URL's path names the default database; without one, asking fails."""
    base = settings.url.split("?")[0].rstrip("/")
    with MongoClient(f"{base}/{settings.db_name}", username=settings.user, password=settings.password) as client:
        assert client.get_default_database().name == settings.db_name
        assert client.get_database().name == settings.db_name
    with MongoClient(base, username=settings.user, password=settings.password) as client:
        with pytest.raises(ConfigurationError):
            client.get_database()
        with pytest.raises(ConfigurationError):
            client.get_default_database()
        assert client.get_default_database("fallback").name == "fallback"


def test_database_navigation(coll_name):
    db = get_database()
    coll = db[coll_name]
    assert coll.name == coll_name
    assert coll.full_name == f"{db.name}.{coll_name}"
    assert coll.database is db
    assert db[coll_name] is coll  # cached
    assert db.get_collection(coll_name) is coll
    assert getattr(db, coll_name) is coll
    assert get_collection(coll_name) == coll
    assert repr(coll) == f"Collection('{db.name}', '{coll_name}')"
    with pytest.raises(AttributeError):
        db._private


def test_database_command_forms(coll_name):
    db = get_database()
    db[coll_name].insert_many([{"i": i} for i in range(3)])
    assert db.command("ping") == {"ok": 1.0}
    assert db.command({"ping": 1}) == {"ok": 1.0}
    assert db.command("count", coll_name)["n"] == 3
    assert db.command({"count": coll_name, "query": {"i": {"$gt": 0}}})["n"] == 2
    assert db.command("count", coll_name, query={"i": 0})["n"] == 1
    reply = db.command({"listIndexes": coll_name})
    assert [ix["name"] for ix in reply["cursor"]["firstBatch"]] == ["_id_"]


def test_list_collection_names(coll_name):
    db = get_database()
    assert coll_name not in db.list_collection_names()
    db[coll_name].insert_one({"x": 1})
    names = db.list_collection_names()
    assert isinstance(names, list) and all(isinstance(n, str) for n in names)
    assert coll_name in names
    assert db.list_collection_names(filter={"name": coll_name}) == [coll_name]
    with pytest.raises(TypeError):
        db.list_collection_names(bogus=1)


def test_create_collection_and_drop_collection(coll_name):
    db = get_database()
    coll = db.create_collection(coll_name)
    assert coll.name == coll_name
    assert coll_name in db.list_collection_names()
    db.drop_collection(coll_name)
    assert coll_name not in db.list_collection_names()


# ------------------------------------------------------------------------------ collection methods
def test_insert_one_result_and_generated_id(raw):
    doc = {"a": 1}
    result = raw.insert_one(doc)
    assert result.acknowledged is True
    assert isinstance(result.inserted_id, ObjectId)
    assert doc["_id"] == result.inserted_id  # added to the caller's dict, like pymongo
    assert raw.find_one({"_id": result.inserted_id}) == {"_id": result.inserted_id, "a": 1}


def test_insert_one_keeps_given_id(raw):
    doc = {"_id": "mine", "a": 1}
    result = raw.insert_one(doc)
    assert result.inserted_id == "mine"
    assert doc == {"_id": "mine", "a": 1}


def test_insert_many_result(raw):
    docs = [{"n": 1}, {"_id": "given", "n": 2}, {"n": 3}]
    result = raw.insert_many(docs)
    assert result.acknowledged is True
    assert len(result.inserted_ids) == 3
    assert result.inserted_ids[1] == "given"
    assert isinstance(result.inserted_ids[0], ObjectId) and isinstance(result.inserted_ids[2], ObjectId)
    assert [d["_id"] for d in docs] == result.inserted_ids
    assert raw.count_documents({}) == 3
    # generator input
    assert len(raw.insert_many({"g": i} for i in range(4)).inserted_ids) == 4
    with pytest.raises(TypeError):
        raw.insert_many([])


def test_insert_many_unordered(raw):
    from mongo_odm.errors import BulkWriteError

    raw.insert_one({"_id": 2})
    with pytest.raises(BulkWriteError) as info:
        raw.insert_many([{"_id": 1}, {"_id": 2}, {"_id": 3}], ordered=False)
    assert info.value.details["writeErrors"][0]["index"] == 1
    assert sorted(d["_id"] for d in raw.find({})) == [1, 2, 3]


def test_find_one_forms(raw):
    oid = raw.insert_one({"k": "v"}).inserted_id
    assert raw.find_one() == {"_id": oid, "k": "v"}
    assert raw.find_one(None) == {"_id": oid, "k": "v"}
    assert raw.find_one(oid) == {"_id": oid, "k": "v"}  # an _id value instead of a filter
    assert raw.find_one({"k": "nope"}) is None
    assert raw.find_one({"k": "v"}, {"_id": 0}) == {"k": "v"}


def test_replace_one_result(raw):
    raw.insert_one({"_id": 1, "a": 1, "b": 2})
    r = raw.replace_one({"_id": 1}, {"a": 10})
    assert (r.matched_count, r.modified_count, r.upserted_id, r.acknowledged) == (1, 1, None, True)
    assert raw.find_one({"_id": 1}) == {"_id": 1, "a": 10}
    r = raw.replace_one({"_id": 99}, {"a": 1})
    assert (r.matched_count, r.modified_count, r.upserted_id) == (0, 0, None)
    r = raw.replace_one({"_id": 99}, {"a": 1}, upsert=True)
    assert (r.matched_count, r.modified_count, r.upserted_id) == (0, 0, 99)
    assert raw.find_one({"_id": 99}) == {"_id": 99, "a": 1}


def test_update_one_result(raw):
    raw.insert_many([{"_id": 1, "v": 0}, {"_id": 2, "v": 0}])
    r = raw.update_one({"v": 0}, {"$set": {"v": 1}})
    assert (r.matched_count, r.modified_count, r.upserted_id, r.acknowledged) == (1, 1, None, True)
    r = raw.update_one({"_id": 1}, {"$set": {"v": 1}})
    assert (r.matched_count, r.modified_count) == (1, 0)
    r = raw.update_one({"_id": 3}, {"$set": {"v": 5}}, upsert=True)
    assert (r.matched_count, r.modified_count, r.upserted_id) == (0, 0, 3)
    r = raw.update_one({"name": "new"}, {"$set": {"v": 7}}, upsert=True)
    assert isinstance(r.upserted_id, ObjectId)
    assert raw.find_one({"_id": r.upserted_id}) == {"_id": r.upserted_id, "name": "new", "v": 7}
    assert isinstance(r.raw_result, dict)


def test_update_with_pipeline(raw):
    """A list of stages is sent as a pipeline update (an array), not refused on the client side.
    FerretDB does not implement pipeline updates and says so about the array it received."""
    raw.insert_many([{"_id": 1, "a": 2}, {"_id": 2, "a": 5}])
    ferret = "ferretdbVersion" in get_database().command("buildInfo")
    if ferret:
        for method in (raw.update_one, raw.update_many):
            with pytest.raises(OperationFailure, match="'array'"):
                method({"_id": 1}, [{"$set": {"b": "$a"}}])
    else:
        r = raw.update_one({"_id": 1}, [{"$set": {"b": "$a"}}])
        assert r.modified_count == 1
        assert raw.find_one({"_id": 1}) == {"_id": 1, "a": 2, "b": 2}
        r = raw.update_many({}, [{"$set": {"c": "$a"}}, {"$unset": "b"}])
        assert (r.matched_count, r.modified_count) == (2, 2)
        assert list(raw.find({}, sort=[("_id", 1)])) == [{"_id": 1, "a": 2, "c": 2}, {"_id": 2, "a": 5, "c": 5}]
    with pytest.raises(ValueError):
        raw.update_one({"_id": 1}, [])


def test_update_many_result(raw):
    raw.insert_many([{"v": i % 2} for i in range(6)])
    r = raw.update_many({"v": 0}, {"$set": {"w": 1}})
    assert (r.matched_count, r.modified_count, r.upserted_id, r.acknowledged) == (3, 3, None, True)
    r = raw.update_many({"v": 0}, {"$set": {"w": 1}})
    assert (r.matched_count, r.modified_count) == (3, 0)
    r = raw.update_many({"v": 5}, {"$set": {"w": 1}}, upsert=True)
    assert (r.matched_count, r.modified_count) == (0, 0) and r.upserted_id is not None


def test_update_requires_operators(raw):
    raw.insert_one({"_id": 1})
    for method in (raw.update_one, raw.update_many):
        with pytest.raises(ValueError, match=r"\$ operators"):
            method({"_id": 1}, {"plain": 1})
    assert raw.find_one({"_id": 1}) == {"_id": 1}


def test_delete_results(raw):
    raw.insert_many([{"v": i % 3} for i in range(9)])
    r = raw.delete_one({"v": 0})
    assert (r.deleted_count, r.acknowledged) == (1, True)
    r = raw.delete_one({"v": 99})
    assert r.deleted_count == 0
    r = raw.delete_many({"v": 1})
    assert r.deleted_count == 3
    r = raw.delete_many({})
    assert r.deleted_count == 5
    assert raw.count_documents({}) == 0


def test_count_documents(raw):
    raw.insert_many([{"v": i} for i in range(10)])
    assert raw.count_documents({}) == 10
    assert raw.count_documents({"v": {"$lt": 4}}) == 4
    assert raw.count_documents({}, skip=3) == 7
    assert raw.count_documents({}, limit=2) == 2
    assert raw.count_documents({"v": {"$gte": 5}}, maxTimeMS=60_000) == 5
    with pytest.raises(TypeError):
        raw.count_documents(5)


def test_aggregate_cursor(raw):
    raw.insert_many([{"g": i % 3, "v": i} for i in range(9)])
    cursor = raw.aggregate([{"$group": {"_id": "$g", "total": {"$sum": "$v"}}}, {"$sort": {"_id": 1}}])
    assert list(cursor) == [{"_id": 0, "total": 9}, {"_id": 1, "total": 12}, {"_id": 2, "total": 15}]
    assert raw.aggregate([{"$match": {"g": 7}}]).to_list() == []
    with pytest.raises(TypeError):
        raw.aggregate({"$match": {}})


def test_create_index_and_unique(raw):
    from mongo_odm.errors import DuplicateKeyError

    assert raw.create_index("a") == "a_1"
    assert raw.create_index([("b", -1), ("c", 1)]) == "b_-1_c_1"
    assert raw.create_index([("e", 1)], name="custom", unique=True) == "custom"
    names = sorted(ix["name"] for ix in get_database().command({"listIndexes": raw.name})["cursor"]["firstBatch"])
    assert names == ["_id_", "a_1", "b_-1_c_1", "custom"]
    raw.insert_one({"e": 1})
    with pytest.raises(DuplicateKeyError):
        raw.insert_one({"e": 1})


def test_drop(raw):
    raw.insert_one({"x": 1})
    assert raw.name in get_database().list_collection_names()
    assert raw.drop() is None
    assert raw.name not in get_database().list_collection_names()
    raw.drop()  # dropping a missing collection is fine


def test_collection_equality_and_hash(coll_name):
    a = get_database()[coll_name]
    assert a == get_database().get_collection(coll_name)
    assert hash(a) == hash(get_database().get_collection(coll_name))
    assert a != get_database()[coll_name + "x"]
    assert a != "not a collection"


# ------------------------------------------------------------------------------ cursors
@pytest.fixture
def filled(raw):
    raw.insert_many([{"_id": i, "v": i} for i in range(30)])
    return raw


def test_cursor_iterates(filled):
    cursor = filled.find({}, sort=[("_id", 1)])
    assert iter(cursor) is cursor
    assert next(cursor) == {"_id": 0, "v": 0}
    assert [d["_id"] for d in cursor] == list(range(1, 30))
    with pytest.raises(StopIteration):
        next(cursor)
    assert cursor.alive is False


def test_cursor_to_list(filled):
    cursor = filled.find({}, sort=[("_id", 1)], batch_size=4)
    assert [d["_id"] for d in cursor.to_list(5)] == [0, 1, 2, 3, 4]
    assert next(cursor)["_id"] == 5
    assert [d["_id"] for d in cursor.to_list(length=3)] == [6, 7, 8]
    assert [d["_id"] for d in cursor.to_list()] == list(range(9, 30))
    assert cursor.to_list() == []


def test_cursor_close(filled):
    cursor = filled.find({}, sort=[("_id", 1)], batch_size=2)
    assert cursor.alive is True
    assert next(cursor)["_id"] == 0
    cursor.close()
    cursor.close()  # idempotent
    # as in pymongo, a closed cursor still hands out what it had buffered, then stops
    assert [d["_id"] for d in cursor] == [1]
    assert cursor.alive is False


def test_cursor_context_manager(filled):
    with filled.find({}, sort=[("_id", 1)], batch_size=5) as cursor:
        assert next(cursor)["_id"] == 0
        assert cursor.alive is True
        assert [next(cursor)["_id"] for _ in range(4)] == [1, 2, 3, 4]
    assert cursor.alive is False
    assert list(cursor) == []


def test_cursor_alive_counts_buffered_documents(filled):
    # the whole result arrives in the first fetch: the server cursor is done, 29 documents are not
    cursor = filled.find({}, sort=[("_id", 1)])
    seen = []
    while cursor.alive:
        seen.append(next(cursor)["_id"])
    assert seen == list(range(30))


def test_cursor_fetch(filled):
    cursor = filled.find({}, sort=[("_id", -1)])
    assert [d["_id"] for d in cursor.fetch(3)] == [29, 28, 27]
    assert len(cursor.fetch(100)) == 27
    assert cursor.fetch(5) == []


def test_many_open_cursors_released(filled):
    # more cursors than the pool has connections: each one closed (or exhausted) frees its connection
    for _ in range(120):
        with filled.find({}, batch_size=2) as cursor:
            next(cursor)
    for _ in range(120):
        assert len(list(filled.find({"v": {"$lt": 3}}))) == 3


# ------------------------------------------------------------------------------ client lifetime
def test_own_client_close(settings, coll_name):
    client = MongoClient(settings.url, username=settings.user, password=settings.password)
    coll = client[settings.db_name][coll_name]
    coll.insert_one({"x": 1})
    assert coll.count_documents({}) == 1
    client.close()
    with pytest.raises(InvalidOperation):
        client[settings.db_name].command("ping")
    client.close()  # twice is fine


def test_client_context_manager_and_options(settings, coll_name):
    with MongoClient(settings.url, username=settings.user, password=settings.password,
                     serverSelectionTimeoutMS=5000, appname="odm-tests", retryWrites=False) as client:
        assert client.admin.command("ping") == {"ok": 1.0}
        client[settings.db_name][coll_name].insert_one({"x": 1})
        assert settings.db_name in client.list_database_names()
    with pytest.raises(InvalidOperation):
        client.admin.command("ping")


def test_client_host_port_form(settings):
    hostport = settings.url.split("://", 1)[1].split("/")[0].split("?")[0]
    host, port = hostport.rsplit(":", 1)
    client = MongoClient(host, int(port), username=settings.user, password=settings.password)
    try:
        assert client.admin.command("ping") == {"ok": 1.0}
    finally:
        client.close()
    with pytest.raises(ConfigurationError):
        MongoClient(settings.url, 27017)


def test_default_client_close_and_reconnect():
    client = get_client()
    assert client.admin.command("ping")["ok"] == 1.0
    mongo_odm.get_mongo_connection().close_connection()
    # the connection re-initializes on next use
    assert get_client().admin.command("ping")["ok"] == 1.0


def test_failing_command_is_operation_failure():
    with pytest.raises(OperationFailure) as info:
        get_database().command({"definitelyNotACommand": 1})
    assert info.value.code == 59
    assert info.value.details["codeName"] == "CommandNotFound"


# ------------------------------------------------------------------------------ pool release
def _connections_to(url: str) -> set:
    """Local ends of this process's ESTABLISHED TCP connections to the server of `url`."""
    from urllib.parse import urlsplit

    port = urlsplit(url).port or 27017
    found = set()
    with open("/proc/self/net/tcp") as f:
        for line in f.read().splitlines()[1:]:
            fields = line.split()
            if int(fields[2].split(":")[1], 16) == port and fields[3] == "01":
                found.add(fields[1])
    return found


def test_close_releases_the_pool(settings, coll_name):
    """close() closes the connections even though the client's databases cache collections
    (a Database holds its collections, each collection holds its Database)."""
    import gc

    before = _connections_to(settings.url)
    client = MongoClient(settings.url, username=settings.user, password=settings.password)
    coll = client[settings.db_name][coll_name]
    coll.insert_one({"a": 1})
    mine = _connections_to(settings.url) - before
    assert mine, "the client opened no connection"
    client.close()
    del coll
    gc.collect()
    assert not (mine & _connections_to(settings.url))


def test_dropped_client_releases_the_pool(settings, coll_name):
    """A client dropped without close() is collected with its cached databases and collections."""
    import gc

    before = _connections_to(settings.url)
    client = MongoClient(settings.url, username=settings.user, password=settings.password)
    client[settings.db_name][coll_name].find_one({})
    assert client[settings.db_name][coll_name].database is client[settings.db_name]
    mine = _connections_to(settings.url) - before
    assert mine, "the client opened no connection"
    del client
    gc.collect()
    assert not (mine & _connections_to(settings.url))
