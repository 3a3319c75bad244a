"""pymongo's Collection methods that lightodm programs reach through get_collection() (issue 16
item 1), sync and async, each answer compared with pymongo's on the same FerretDB collection:
find_one_and_update/replace/delete, distinct, estimated_document_count, bulk_write with the
request classes, create_indexes/IndexModel, drop_index/drop_indexes, list_indexes,
index_information, rename, update/replace/delete options, with_options, name/full_name/database.
"""

import pytest

import mongo_odm
from mongo_odm import (
    DeleteMany,
    DeleteOne,
    IndexModel,
    InsertOne,
    ReplaceOne,
    ReturnDocument,
    UpdateMany,
    UpdateOne,
)
from mongo_odm.errors import BulkWriteError, ConfigurationError, InvalidOperation, OperationFailure
from pymongo_ref import load_pymongo, pm_client, pm_coll, pymongo_module  # noqa: F401  (fixtures)

N = 6


def pm():
    return load_pymongo()


@pytest.fixture
def coll(admin_db, coll_name, raw):
    raw.insert_many([{"_id": i, "n": i, "g": "ab"[i % 2], "tags": ["x", "y"][: i % 3]} for i in range(N)])
    return admin_db[coll_name]


@pytest.fixture
def twin(admin_db, new_name, pm_client, settings):
    """A second pair of collections, (ours, pymongo's), on fresh names with the same data."""
    ours_name, theirs_name = new_name(), new_name()
    docs = [{"_id": i, "n": i, "g": "ab"[i % 2]} for i in range(N)]
    admin_db[ours_name].insert_many([dict(d) for d in docs])
    pm_client[settings.db_name][theirs_name].insert_many([dict(d) for d in docs])
    return admin_db[ours_name], pm_client[settings.db_name][theirs_name]


@pytest.fixture
def acoll(coll, settings):
    from mongo_odm._async import AsyncMongoClient

    client = AsyncMongoClient(settings.url, username=settings.user, password=settings.password)
    yield client[settings.db_name][coll.name]
    client.close()


def outcome(call):
    """('ok', result) or ('error', exception class name, code)."""
    try:
        return ("ok", call())
    except Exception as exc:  # compared by name: the two libraries' classes are distinct
        return ("error", type(exc).__name__, getattr(exc, "code", None))


# ------------------------------------------------------------------------------ find_one_and_*
def test_return_document_is_pymongos():
    assert ReturnDocument.BEFORE == pm().ReturnDocument.BEFORE
    assert ReturnDocument.AFTER == pm().ReturnDocument.AFTER


@pytest.mark.parametrize(
    "method, args, kwargs",
    [
        ("find_one_and_update", ({"g": "a"}, {"$inc": {"n": 10}}), {}),
        ("find_one_and_update", ({"g": "a"}, {"$inc": {"n": 10}}), {"sort": [("n", -1)]}),
        ("find_one_and_update", ({"g": "a"}, {"$inc": {"n": 10}}), {"return_document": True, "sort": [("n", 1)]}),
        ("find_one_and_update", ({"_id": 99}, {"$set": {"c": 1}}), {}),
        ("find_one_and_update", ({"_id": 99}, {"$set": {"c": 1}}), {"upsert": True}),
        ("find_one_and_update", ({"_id": 98}, {"$set": {"c": 1}}), {"upsert": True, "return_document": True}),
        ("find_one_and_update", ({"g": "a"}, {"$set": {"c": 1}}), {"projection": {"n": 1}}),  # FerretDB: 238
        ("find_one_and_update", ({"g": "a"}, {"$bogus": {"c": 1}}), {}),
        ("find_one_and_update", ({"g": "a"}, {"n": 1}), {}),  # not operators: ValueError
        ("find_one_and_update", ({"_id": 1}, {"$set": {"tags.$[t]": "z"}}), {"array_filters": [{"t": "x"}]}),
        ("find_one_and_update", ({"_id": 1}, {"$inc": {"n": 1}}), {"maxTimeMS": 60_000, "comment": "c"}),
        ("find_one_and_replace", ({"_id": 2}, {"r": 1}), {}),
        ("find_one_and_replace", ({"_id": 2}, {"r": 2}), {"return_document": ReturnDocument.AFTER}),
        ("find_one_and_replace", ({"_id": 77}, {"r": 3}), {"upsert": True, "return_document": True}),
        ("find_one_and_replace", ({"_id": 2}, {"$set": {"r": 1}}), {}),  # operators: ValueError
        ("find_one_and_delete", ({"g": "b"},), {"sort": {"n": -1}}),
        ("find_one_and_delete", ({"_id": 1234},), {}),
        ("find_one_and_delete", ({"$nope": 1},), {}),
    ],
)
def test_find_one_and_modify_matches_pymongo(twin, method, args, kwargs):
    ours, theirs = twin
    mine = outcome(lambda: getattr(ours, method)(*args, **kwargs))
    want = outcome(lambda: getattr(theirs, method)(*args, **kwargs))
    assert mine == want
    assert list(ours.find().sort("_id")) == list(theirs.find().sort("_id"))


def test_find_one_and_update_is_an_atomic_counter(coll, raw):
    after = [
        coll.find_one_and_update({"_id": "seq"}, {"$inc": {"v": 1}}, upsert=True, return_document=ReturnDocument.AFTER)[
            "v"
        ]
        for _ in range(5)
    ]
    assert after == [1, 2, 3, 4, 5]
    assert raw.find_one({"_id": "seq"}) == {"_id": "seq", "v": 5}


def test_find_one_and_argument_errors(coll):
    with pytest.raises(TypeError):
        coll.find_one_and_update({}, {"$set": {"a": 1}}, bogus=1)
    with pytest.raises(TypeError):
        coll.find_one_and_update("x", {"$set": {"a": 1}})
    with pytest.raises(TypeError):
        coll.find_one_and_update({}, {"$set": {"a": 1}}, array_filters={"a": 1})
    with pytest.raises(TypeError):
        coll.find_one_and_delete({}, session=object())


# ------------------------------------------------------------------------------ distinct, counts
@pytest.mark.parametrize(
    "args, kwargs",
    [(("g",), {}), (("n",), {}), (("n", {"g": "a"}), {}), (("tags",), {}), (("missing",), {}),
     (("n",), {"maxTimeMS": 60_000}), (("n", {"$bad": 1}), {})],
)
def test_distinct_matches_pymongo(coll, pm_coll, args, kwargs):
    mine = outcome(lambda: sorted(coll.distinct(*args, **kwargs), key=repr))
    want = outcome(lambda: sorted(pm_coll.distinct(*args, **kwargs), key=repr))
    assert mine == want


def test_estimated_document_count(coll, pm_coll, admin_db, new_name):
    assert coll.estimated_document_count() == pm_coll.estimated_document_count() == N
    assert admin_db[new_name()].estimated_document_count() == 0


# ------------------------------------------------------------------------------ update options
def test_update_and_delete_options(twin):
    ours, theirs = twin
    for c in (ours, theirs):
        c.update_many({}, {"$set": {"arr": [1, 2, 3]}})
    for name, args, kwargs in [
        ("update_one", ({"_id": 1}, {"$set": {"arr.$[e]": 0}}), {"array_filters": [{"e": {"$gt": 1}}]}),
        ("update_many", ({}, {"$inc": {"n": 1}}), {"hint": "_id_", "comment": "k"}),
        ("update_one", ({"_id": 50}, {"$set": {"u": 1}}), {"upsert": True}),
        ("replace_one", ({"_id": 51}, {"u": 2}), {"upsert": True, "hint": [("_id", 1)]}),
        ("delete_one", ({"_id": 2},), {"hint": "_id_"}),
        ("delete_many", ({"g": "b"},), {"comment": "bye"}),
        ("update_one", ({}, {"$set": {"a": 1}}), {"bogus": True}),
    ]:
        mine = outcome(lambda: getattr(ours, name)(*args, **kwargs))
        want = outcome(lambda: getattr(theirs, name)(*args, **kwargs))
        if mine[0] == "ok":
            assert want[0] == "ok", (name, want)
            for attr in ("matched_count", "modified_count", "upserted_id", "deleted_count"):
                if hasattr(want[1], attr):
                    assert getattr(mine[1], attr) == getattr(want[1], attr), (name, attr)
        else:
            assert mine[:2] == want[:2], name
    assert list(ours.find().sort("_id")) == list(theirs.find().sort("_id"))


# ------------------------------------------------------------------------------ insert options
def test_insert_options_match_pymongo(twin):
    """insert_one/insert_many take pymongo's bypass_document_validation, session (None) and
    comment (issue 16), and insert_many's ordered positionally too."""
    ours, theirs = twin
    calls = [
        ("insert_one", ({"_id": 100, "a": 1},), {"bypass_document_validation": True, "comment": "one"}),
        ("insert_one", ({"_id": 101},), {"bypass_document_validation": False, "session": None, "comment": None}),
        ("insert_many", ([{"_id": 102}, {"_id": 103}],), {"comment": {"why": "test"}}),
        ("insert_many", ([{"_id": 104}, {"_id": 1}, {"_id": 105}], False), {"bypass_document_validation": True}),
        ("insert_many", ([{"_id": 106}],), {"ordered": True, "session": None, "comment": "many"}),
        ("insert_one", ({"_id": 1},), {"comment": "duplicate"}),
        ("insert_one", ({"_id": 107},), {"bogus": 1}),
        ("insert_many", ([{"_id": 108}],), {"upsert": True}),
    ]
    for name, args, kwargs in calls:
        mine = outcome(lambda: getattr(ours, name)(*args, **kwargs))
        want = outcome(lambda: getattr(theirs, name)(*args, **kwargs))
        if mine[0] == "ok":
            assert want[0] == "ok", (name, kwargs, want)
            ids = "inserted_id" if name == "insert_one" else "inserted_ids"
            assert getattr(mine[1], ids) == getattr(want[1], ids), (name, kwargs)
        else:
            assert mine[:2] == want[:2], (name, kwargs)
    assert list(ours.find().sort("_id")) == list(theirs.find().sort("_id"))


def test_insert_session_must_be_none(coll):
    for call in (lambda: coll.insert_one({"_id": 700}, session=object()),
                 lambda: coll.insert_many([{"_id": 701}], session=object())):
        with pytest.raises(TypeError, match="sessions are not supported"):
            call()
    assert coll.count_documents({"_id": {"$in": [700, 701]}}) == 0


async def test_async_insert_and_bulk_write_options(acoll):
    assert (await acoll.insert_one({"_id": 800}, bypass_document_validation=True, comment="c")).inserted_id == 800
    result = await acoll.insert_many([{"_id": 801}, {"_id": 802}], False, comment="m", session=None)
    assert result.inserted_ids == [801, 802]
    with pytest.raises(TypeError):
        await acoll.insert_one({"_id": 803}, bogus=1)
    with pytest.raises(NotImplementedError):
        await acoll.bulk_write([InsertOne({"_id": 804})], comment="c")
    assert (await acoll.bulk_write([InsertOne({"_id": 805})], bypass_document_validation=False)).inserted_count == 1
    assert await acoll.count_documents({"_id": {"$gte": 800}}) == 4


# ------------------------------------------------------------------------------ bulk_write
def requests(lib):
    return [
        lib.InsertOne({"_id": 100, "n": 100}),
        lib.UpdateOne({"_id": 100}, {"$inc": {"n": 1}}),
        lib.UpdateMany({"g": "a"}, {"$set": {"flag": True}}),
        lib.UpdateOne({"_id": 200}, {"$set": {"n": 200}}, upsert=True),
        lib.ReplaceOne({"_id": 3}, {"n": -3}),
        lib.ReplaceOne({"_id": 300}, {"n": 300}, upsert=True),
        lib.DeleteOne({"_id": 4}),
        lib.DeleteMany({"g": "b", "n": {"$lt": 3}}),
    ]


def test_bulk_write_matches_pymongo(twin):
    ours, theirs = twin
    mine, want = ours.bulk_write(requests(mongo_odm)), theirs.bulk_write(requests(pm()))
    for attr in ("inserted_count", "matched_count", "modified_count", "deleted_count", "upserted_count",
                 "upserted_ids", "acknowledged"):
        assert getattr(mine, attr) == getattr(want, attr), attr
    assert sorted(mine.upserted_ids.values()) == [200, 300]
    assert list(ours.find().sort("_id")) == list(theirs.find().sort("_id"))


def test_bulk_write_errors_as_pymongo(twin):
    ours, theirs = twin
    with pytest.raises(pm().errors.BulkWriteError) as want:
        theirs.bulk_write([pm().InsertOne({"_id": 0}), pm().InsertOne({"_id": 500})], ordered=False)
    with pytest.raises(BulkWriteError) as mine:
        ours.bulk_write([InsertOne({"_id": 0}), InsertOne({"_id": 500})], ordered=False)
    assert mine.value.details["nInserted"] == want.value.details["nInserted"] == 1
    assert [e["index"] for e in mine.value.details["writeErrors"]] == [0]
    with pytest.raises(InvalidOperation):
        ours.bulk_write([])
    with pytest.raises(pm().errors.InvalidOperation):
        theirs.bulk_write([])
    with pytest.raises(TypeError):
        ours.bulk_write([{"insertOne": {}}])
    with pytest.raises(NotImplementedError):
        ours.bulk_write([UpdateOne({}, {"$set": {"a": 1}}, array_filters=[{"x": 1}])])


def test_bulk_write_options(twin):
    """pymongo's keywords of bulk_write: session None, bypass_document_validation False and
    comment/let None are accepted; values the native bulk writer cannot send are refused
    (NotImplementedError), never dropped; other keywords are TypeError, as pymongo's."""
    ours, theirs = twin
    defaults = {"bypass_document_validation": False, "session": None, "comment": None, "let": None}
    mine = ours.bulk_write([InsertOne({"_id": 600})], True, **defaults)
    want = theirs.bulk_write([pm().InsertOne({"_id": 600})], True, **defaults)
    assert mine.inserted_count == want.inserted_count == 1
    for kwargs in ({"comment": "c"}, {"let": {"x": 1}}, {"bypass_document_validation": True}):
        with pytest.raises(NotImplementedError, match=next(iter(kwargs))):
            ours.bulk_write([InsertOne({"_id": 601})], **kwargs)
    assert ours.count_documents({"_id": 601}) == 0
    for bogus in ({"max_time_ms": 5}, {"hint": "_id_"}):
        assert outcome(lambda: ours.bulk_write([InsertOne({"_id": 602})], **bogus))[:2] == ("error", "TypeError")
        assert outcome(lambda: theirs.bulk_write([pm().InsertOne({"_id": 602})], **bogus))[:2] == ("error", "TypeError")
    with pytest.raises(TypeError):
        ours.bulk_write([InsertOne({"_id": 603})], session=object())


def test_request_classes_compare_and_repr():
    assert InsertOne({"a": 1}) == InsertOne({"a": 1})
    assert UpdateOne({"a": 1}, {"$set": {"b": 1}}, upsert=True) != UpdateOne({"a": 1}, {"$set": {"b": 1}})
    assert "DeleteOne" in repr(DeleteOne({"a": 1}))
    assert DeleteMany({}) == DeleteMany({})


# ------------------------------------------------------------------------------ indexes
def test_index_management_matches_pymongo(twin):
    ours, theirs = twin
    specs = lambda lib: [lib.IndexModel([("n", 1), ("g", -1)]), lib.IndexModel("g", name="g_idx", unique=False)]  # noqa: E731
    assert ours.create_indexes(specs(mongo_odm)) == theirs.create_indexes(specs(pm())) == ["n_1_g_-1", "g_idx"]
    assert ours.create_indexes([pm().IndexModel("z")]) == ["z_1"]  # pymongo's IndexModel works too
    theirs.create_index("z")
    info_ours, info_theirs = ours.index_information(), theirs.index_information()
    assert set(info_ours) == set(info_theirs) == {"_id_", "n_1_g_-1", "g_idx", "z_1"}
    for name in info_ours:
        assert info_ours[name]["key"] == info_theirs[name]["key"]
    assert sorted(i["name"] for i in ours.list_indexes()) == sorted(i["name"] for i in theirs.list_indexes())
    ours.drop_index([("n", 1), ("g", -1)])
    theirs.drop_index([("n", 1), ("g", -1)])
    ours.drop_index("g_idx")
    theirs.drop_index("g_idx")
    assert set(ours.index_information()) == set(theirs.index_information()) == {"_id_", "z_1"}
    assert outcome(lambda: ours.drop_index("nope"))[:2] == outcome(lambda: theirs.drop_index("nope"))[:2]
    ours.drop_indexes()
    theirs.drop_indexes()
    assert list(ours.index_information()) == list(theirs.index_information()) == ["_id_"]
    with pytest.raises(TypeError):
        ours.create_indexes([{"key": {"a": 1}}])


def test_list_indexes_is_a_command_cursor(twin):
    """list_indexes() returns pymongo's CommandCursor shape: an iterator with next(),
    try_next(), to_list(length), alive, cursor_id, batch_size(), close() and ``with``; each step
    compared with pymongo's cursor on a twin collection."""
    ours, theirs = twin
    for c in (ours, theirs):
        c.create_index("n")
        c.create_index([("g", -1)])
    mine, want = ours.list_indexes(), theirs.list_indexes()
    assert type(mine).__name__ == type(want).__name__ == "CommandCursor"
    assert iter(mine) is mine
    assert (mine.alive, mine.cursor_id) == (want.alive, want.cursor_id) == (True, 0)
    assert mine.batch_size(5) is mine
    assert next(mine) == next(want)
    assert mine.next() == want.next()
    assert mine.try_next() == want.try_next()
    assert (mine.alive, mine.try_next(), mine.alive) == (want.alive, want.try_next(), want.alive) == (False, None, False)
    with pytest.raises(StopIteration):
        next(mine)
    mine, want = ours.list_indexes(), theirs.list_indexes()
    assert mine.to_list(1) == want.to_list(1)
    assert mine.to_list() == want.to_list()
    assert mine.to_list() == want.to_list() == []
    for bad in (0, -1):
        assert outcome(lambda: mine.to_list(bad))[:2] == outcome(lambda: want.to_list(bad))[:2] == ("error", "ValueError")
    for bad, error in ((-1, "ValueError"), ("2", "TypeError"), (1.5, "TypeError")):
        assert outcome(lambda: mine.batch_size(bad))[:2] == outcome(lambda: want.batch_size(bad))[:2] == ("error", error)
    with ours.list_indexes() as m, theirs.list_indexes() as w:
        assert next(m) == next(w)
    # as pymongo's: what was received before close() is still handed out
    assert list(m) == list(w) and len(list(ours.list_indexes())) == 3
    mine, want = ours.list_indexes(), theirs.list_indexes()
    mine.close()
    want.close()
    assert sorted(i["name"] for i in mine) == sorted(i["name"] for i in want)


def test_list_indexes_arguments(coll, pm_coll, admin_db, new_name):
    missing = new_name()
    assert list(admin_db[missing].list_indexes()) == list(pm_coll.database[missing].list_indexes()) == []
    assert admin_db[missing].list_indexes().alive is pm_coll.database[missing].list_indexes().alive is False
    assert [i["name"] for i in coll.list_indexes(session=None, comment=None)] == ["_id_"]
    with pytest.raises(NotImplementedError, match="comment"):
        coll.list_indexes(comment="why")  # the C call takes no options: refused, not dropped
    with pytest.raises(TypeError, match="sessions are not supported"):
        coll.list_indexes(session=object())
    assert outcome(lambda: coll.list_indexes(bogus=1))[:2] == outcome(lambda: pm_coll.list_indexes(bogus=1))[:2]


async def test_async_list_indexes_cursor(acoll, pm_coll):
    """Motor's shape (``async for`` on the call, ``await to_list()``), pymongo's async shape
    (``await`` the call, then read the cursor), and the list it gave before (``for`` on the
    awaited call)."""
    from mongo_odm._async import AsyncCommandCursor

    await acoll.create_index("n")
    pm_coll.create_index("n")
    want = list(pm_coll.list_indexes())
    cursor = acoll.list_indexes()
    assert isinstance(cursor, AsyncCommandCursor) and cursor.alive
    assert [i async for i in cursor] == want
    assert not cursor.alive
    assert await acoll.list_indexes().to_list(None) == want
    assert await acoll.list_indexes().to_list(1) == want[:1]
    with pytest.raises(ValueError):
        await acoll.list_indexes().to_list(0)
    awaited = await acoll.list_indexes()
    assert isinstance(awaited, AsyncCommandCursor)
    assert await awaited.next() == want[0]
    assert await awaited.try_next() == want[1]
    with pytest.raises(StopAsyncIteration):
        await awaited.next()
    assert [i["name"] for i in await acoll.list_indexes()] == ["_id_", "n_1"]
    async with acoll.list_indexes() as c:
        assert (await c.to_list())[0] == want[0]
    closed = acoll.list_indexes()
    closed.close()  # before it ran: it never runs
    assert [i async for i in closed] == [] and not closed.alive
    with pytest.raises(TypeError):
        iter(acoll.list_indexes())  # not run yet: await it or use async for
    with pytest.raises(NotImplementedError):
        await acoll.list_indexes(comment="c").to_list()


# ------------------------------------------------------------------------------ rename, names
def test_rename(coll, admin_db, new_name):
    target = new_name()
    assert coll.rename(target) == {"ok": 1.0}
    assert coll.name != target  # this object keeps its name, as pymongo's
    assert admin_db[target].count_documents({}) == N
    assert coll.count_documents({}) == 0
    admin_db[coll.name].insert_one({"_id": 1})
    with pytest.raises(OperationFailure) as info:
        admin_db[coll.name].rename(target)
    assert info.value.code == 48
    with pytest.raises(ValueError):
        coll.rename("bad$name")


def test_names_and_with_options(coll, admin_db):
    assert coll.name.startswith("t_")
    assert coll.full_name == f"{admin_db.name}.{coll.name}"
    assert coll.database is admin_db
    assert coll.with_options() is coll
    with pytest.raises(ConfigurationError):
        coll.with_options(write_concern=object())
    with pytest.raises(TypeError):
        coll.with_options(bogus=1)


# ------------------------------------------------------------------------------ async
async def test_async_collection_methods(acoll, pm_coll):
    assert await acoll.find_one_and_update({"_id": 1}, {"$inc": {"n": 5}}, return_document=True) == pm_coll.find_one(
        {"_id": 1}
    )
    assert await acoll.find_one_and_replace({"_id": 2}, {"r": 1}) == {"_id": 2, "n": 2, "g": "a", "tags": ["x", "y"]}
    assert await acoll.find_one_and_delete({"_id": 2}) == {"_id": 2, "r": 1}
    assert sorted(await acoll.distinct("g")) == sorted(pm_coll.distinct("g"))
    assert await acoll.estimated_document_count() == pm_coll.estimated_document_count()
    result = await acoll.bulk_write([InsertOne({"_id": 10}), DeleteOne({"_id": 10})])
    assert (result.inserted_count, result.deleted_count) == (1, 1)
    assert await acoll.create_indexes([IndexModel("n")]) == ["n_1"]
    assert set(await acoll.index_information()) == {"_id_", "n_1"}
    assert {i["name"] for i in await acoll.list_indexes()} == {"_id_", "n_1"}
    await acoll.drop_index("n_1")
    await acoll.drop_indexes()
    res = await acoll.update_one({"_id": 1}, {"$set": {"q": 1}}, hint="_id_", comment="c")
    assert res.modified_count == 1
    assert (await acoll.delete_many({"g": "b"}, comment="x")).deleted_count == 3  # _id 1, 3, 5
    assert acoll.with_options() is acoll
