"""pymongo's Cursor surface on mongo_odm's find() cursors (issue 16 item 2), sync and async.

sort, limit, skip, batch_size, max_time_ms, hint, comment, collation, allow_disk_use chained
before iteration; InvalidOperation once the query started; next/__next__, to_list, close,
alive, ``with``, clone, rewind. Each result is compared with pymongo's answer on the same
collection of the same server (FerretDB); an exception with pymongo's exception of the same name.
"""

import pytest

from mongo_odm.errors import ExecutionTimeout, InvalidOperation, OperationFailure
from pymongo_ref import pm_client, pm_coll, pymongo_module  # noqa: F401  (fixtures)

N = 20


@pytest.fixture
def coll(admin_db, coll_name, raw):
    raw.insert_many([{"_id": i, "n": i, "g": "ab"[i % 2], "s": f"s{i:02d}"} for i in range(N)])
    raw.create_index([("n", 1)], name="n_1")
    return admin_db[coll_name]


@pytest.fixture
def acoll(coll, settings):
    from mongo_odm._async import AsyncMongoClient

    client = AsyncMongoClient(settings.url, username=settings.user, password=settings.password)
    yield client[settings.db_name][coll.name]
    client.close()


def same(ours, theirs):
    """The documents of both cursors, equal."""
    a, b = list(ours), list(theirs)
    assert a == b
    return a


# ------------------------------------------------------------------------------ chaining
@pytest.mark.parametrize(
    "chain",
    [
        lambda c: c.sort("n", -1),
        lambda c: c.sort([("g", 1), ("n", -1)]),
        lambda c: c.sort({"g": -1, "n": 1}),
        lambda c: c.sort("n"),
        lambda c: c.sort("n", -1).limit(3),
        lambda c: c.sort("n").skip(5).limit(4),
        lambda c: c.limit(0).sort("n", -1),
        lambda c: c.sort("n").skip(0),
        lambda c: c.sort("n").batch_size(3),
        lambda c: c.sort("n").batch_size(0),
        lambda c: c.sort("n").max_time_ms(60_000).limit(2),
        lambda c: c.sort("n").max_time_ms(None),
        lambda c: c.sort("n").hint("n_1").limit(5),
        lambda c: c.sort("n").hint([("n", 1)]),
        lambda c: c.sort("n").comment("issue 16").limit(2),
        lambda c: c.sort("n").allow_disk_use(True).limit(2),
        lambda c: c.sort("n").limit(3).limit(5),   # the last call wins
        lambda c: c.sort("n").skip(3).skip(1),
    ],
)
def test_chained_options_match_pymongo(coll, pm_coll, chain):
    docs = same(chain(coll.find({"n": {"$gte": 2}})), chain(pm_coll.find({"n": {"$gte": 2}})))
    assert docs  # every chain selects something


def test_chain_returns_the_cursor_itself(coll):
    cursor = coll.find()
    assert cursor.sort("n").limit(2).skip(1).batch_size(2).comment("x") is cursor


def test_chain_overrides_find_keywords(coll, pm_coll):
    same(coll.find({}, sort=[("n", 1)], limit=10).limit(2), pm_coll.find({}, sort=[("n", 1)], limit=10).limit(2))
    same(coll.find({}, {"s": 1}).sort("n", -1).limit(2), pm_coll.find({}, {"s": 1}).sort("n", -1).limit(2))


def test_collation_as_pymongo(coll, pm_coll):
    collation = {"locale": "en", "strength": 2}
    try:
        theirs = list(pm_coll.find({"g": "A"}).collation(collation))
    except pymongo_module_errors().OperationFailure as exc:
        with pytest.raises(OperationFailure) as info:
            list(coll.find({"g": "A"}).collation(collation))
        assert info.value.code == exc.code
    else:
        assert list(coll.find({"g": "A"}).collation(collation)) == theirs


def pymongo_module_errors():
    import sys

    return sys.modules["pymongo.errors"]


@pytest.mark.parametrize(
    "chain, error",
    [
        (lambda c: c.limit("3"), TypeError),
        (lambda c: c.limit(None), TypeError),
        (lambda c: c.limit(1.5), TypeError),
        (lambda c: c.skip("1"), TypeError),
        (lambda c: c.skip(-1), ValueError),
        (lambda c: c.batch_size(-1), ValueError),
        (lambda c: c.batch_size("2"), TypeError),
        (lambda c: c.max_time_ms("1"), TypeError),
        (lambda c: c.allow_disk_use(1), TypeError),
        (lambda c: c.sort(5, 1), TypeError),
    ],
)
def test_bad_option_values_raise_as_pymongo(coll, pm_coll, chain, error):
    with pytest.raises(error):
        chain(pm_coll.find())
    cursor = coll.find()
    with pytest.raises(error):
        chain(cursor)
    assert len(list(cursor)) == N  # a refused value leaves the cursor as it was


@pytest.mark.parametrize(
    "change",
    [
        lambda c: c.sort("n"),
        lambda c: c.limit(1),
        lambda c: c.skip(1),
        lambda c: c.max_time_ms(10),
        lambda c: c.hint("n_1"),
        lambda c: c.comment("late"),
        lambda c: c.collation({"locale": "en"}),
        lambda c: c.allow_disk_use(True),
        lambda c: c.batch_size(2),
    ],
)
def test_options_after_the_query_started_raise_invalid_operation(coll, pm_coll, change):
    theirs = pm_coll.find()
    next(theirs)
    with pytest.raises(pymongo_module_errors().InvalidOperation):
        change(theirs)
    ours = coll.find()
    next(ours)
    with pytest.raises(InvalidOperation, match="cannot set options after executing query"):
        change(ours)
    assert len(list(ours)) == N - 1  # the cursor goes on unchanged


def test_max_time_ms_reaches_the_server(scratch_db):
    coll = scratch_db["scan"]
    coll.insert_many([{"n": 1000 + i, "pad": "x" * 200} for i in range(6000)])
    with pytest.raises(ExecutionTimeout) as info:
        list(coll.find({"pad": {"$regex": "y$"}}).max_time_ms(1))
    assert info.value.code == 50


# ------------------------------------------------------------------------------ reading
def test_next_to_list_and_alive(coll, pm_coll):
    ours, theirs = coll.find().sort("n"), pm_coll.find().sort("n")
    assert ours.alive and theirs.alive  # not started: alive
    assert ours.next() == theirs.next() == {"_id": 0, "n": 0, "g": "a", "s": "s00"}
    assert next(ours) == next(theirs)
    assert ours.to_list(3) == theirs.to_list(3)
    assert ours.to_list() == theirs.to_list()
    assert not ours.alive and not theirs.alive
    with pytest.raises(StopIteration):
        ours.next()
    with pytest.raises(StopIteration):
        theirs.next()


def test_close_before_and_after_start(coll, pm_coll):
    for cursor in (coll.find(), pm_coll.find()):
        cursor.close()
        assert not cursor.alive
        assert list(cursor) == []
    ours, theirs = coll.find().sort("n").batch_size(2), pm_coll.find().sort("n").batch_size(2)
    assert next(ours) == next(theirs)
    ours.close(), theirs.close()
    assert ours.alive == theirs.alive  # pymongo: the buffered document is still handed out
    assert list(ours) == list(theirs) == [{"_id": 1, "n": 1, "g": "b", "s": "s01"}]
    assert not ours.alive and not theirs.alive


def test_with_block_closes(coll, pm_coll):
    with coll.find().sort("n") as ours, pm_coll.find().sort("n") as theirs:
        assert next(ours) == next(theirs)
    assert ours.alive == theirs.alive
    assert list(ours) == list(theirs)  # closed: only what was buffered
    assert not ours.alive and not theirs.alive


def test_clone_is_a_fresh_cursor_with_the_same_options(coll, pm_coll):
    ours = coll.find({"n": {"$lt": 10}}).sort("n", -1).skip(1).limit(4)
    theirs = pm_coll.find({"n": {"$lt": 10}}).sort("n", -1).skip(1).limit(4)
    first = list(ours)
    assert first == list(theirs)
    copy = ours.clone()
    assert copy is not ours and copy.alive
    assert list(copy.limit(2)) == first[:2]  # the clone can be changed: it did not start
    assert list(ours.clone()) == list(theirs.clone()) == first


def test_rewind_runs_the_query_again(coll, pm_coll):
    ours, theirs = coll.find().sort("n").limit(3), pm_coll.find().sort("n").limit(3)
    assert list(ours) == list(theirs)
    assert list(ours.rewind()) == list(theirs.rewind())
    ours.rewind()
    assert list(ours.limit(1)) == [{"_id": 0, "n": 0, "g": "a", "s": "s00"}]


def test_collection_property(coll):
    assert coll.find().collection is coll


def test_aggregate_cursor_refuses_find_options(coll):
    cursor = coll.aggregate([{"$sort": {"n": 1}}])
    with pytest.raises(InvalidOperation):
        cursor.sort("n")
    with pytest.raises(InvalidOperation):
        cursor.clone()
    assert len(list(cursor.batch_size(3))) == N


def test_server_error_surfaces_on_first_read(coll, pm_coll):
    ours, theirs = coll.find({"$bad": 1}), pm_coll.find({"$bad": 1})  # nothing sent yet
    with pytest.raises(pymongo_module_errors().OperationFailure) as pm_info:
        next(theirs)
    with pytest.raises(OperationFailure) as info:
        next(ours)
    assert info.value.code == pm_info.value.code


def test_find_still_checks_arguments_at_once(coll):
    with pytest.raises(TypeError):
        coll.find({}, unknown_option=1)
    with pytest.raises(TypeError):
        coll.find(5)
    with pytest.raises(TypeError):
        coll.find({}, {"a": 1}, {"b": 1})


# ------------------------------------------------------------------------------ async
async def test_async_chaining_matches_pymongo(acoll, pm_coll):
    theirs = list(pm_coll.find({"n": {"$gte": 2}}).sort("n", -1).skip(2).limit(5))
    cursor = acoll.find({"n": {"$gte": 2}}).sort("n", -1).skip(2).limit(5)
    assert [d async for d in cursor] == theirs
    assert await acoll.find({"n": {"$gte": 2}}).sort("n", -1).skip(2).limit(5).to_list(None) == theirs
    assert await acoll.find().sort("n").hint("n_1").comment("c").max_time_ms(60_000).batch_size(2).to_list(3) == list(
        pm_coll.find().sort("n").limit(3)
    )


async def test_async_invalid_operation_after_start(acoll):
    cursor = acoll.find().sort("n")
    assert cursor.alive
    assert (await cursor.next())["n"] == 0
    with pytest.raises(InvalidOperation):
        cursor.limit(2)
    with pytest.raises(InvalidOperation):
        cursor.sort("n", -1)
    assert len(await cursor.to_list(None)) == N - 1
    assert not cursor.alive
    with pytest.raises(StopAsyncIteration):
        await cursor.next()


async def test_async_with_clone_rewind(acoll):
    async with acoll.find().sort("n").limit(4) as cursor:
        assert (await cursor.next())["n"] == 0
        copy = cursor.clone()
    assert [d["n"] for d in await cursor.to_list(None)] == [1, 2, 3]  # closed: what was buffered
    assert not cursor.alive
    assert [d["n"] for d in await copy.to_list(None)] == [0, 1, 2, 3]
    assert [d["n"] for d in await copy.rewind().to_list(2)] == [0, 1]


async def test_async_bad_values_and_aggregate(acoll):
    with pytest.raises(ValueError):
        acoll.find().skip(-1)
    with pytest.raises(TypeError):
        acoll.find().limit("1")
    agg = acoll.aggregate([{"$sort": {"n": 1}}])
    with pytest.raises(InvalidOperation):
        agg.sort("n")
    assert len(await agg.to_list(None)) == N


async def test_async_collation_as_pymongo(acoll, pm_coll):
    """collation() on the async cursor reaches the server as pymongo's does (FerretDB 1.24
    answers NotImplemented, code 238: the same error, raised on the first read)."""
    collation = {"locale": "en", "strength": 2}
    cursor = acoll.find({"g": "A"}).collation(collation)
    try:
        theirs = list(pm_coll.find({"g": "A"}).collation(collation))
    except pymongo_module_errors().OperationFailure as exc:
        with pytest.raises(OperationFailure) as info:
            await cursor.to_list(None)
        assert info.value.code == exc.code
    else:
        assert await cursor.to_list(None) == theirs
    assert await acoll.find({"g": "a"}).collation(None).sort("n").to_list(None) == list(
        pm_coll.find({"g": "a"}).collation(None).sort("n"))
    started = acoll.find()
    await started.next()
    with pytest.raises(InvalidOperation):
        started.collation(collation)


async def test_async_allow_disk_use_as_pymongo(acoll, pm_coll):
    for flag in (True, False):
        assert await acoll.find().sort("n", -1).allow_disk_use(flag).limit(3).to_list(None) == list(
            pm_coll.find().sort("n", -1).allow_disk_use(flag).limit(3))
    with pytest.raises(TypeError):
        pm_coll.find().allow_disk_use(1)
    with pytest.raises(TypeError):
        acoll.find().allow_disk_use(1)
    started = acoll.find()
    await started.next()
    with pytest.raises(InvalidOperation):
        started.allow_disk_use(True)


async def test_async_plain_close_kills_the_server_cursor(acoll, admin_db):
    """close() (not aclose()) on a started async cursor whose server cursor is still open: the
    server's cursor is killed (a killCursors of its id finds nothing), and, as pymongo's cursors
    do, what was already received is still handed out, then nothing."""
    from mongo_odm._async import AsyncCursor

    total = N + 2 * AsyncCursor._FETCH  # more than one round trip of the async cursor
    await acoll.insert_many([{"_id": 1000 + i, "n": 1000 + i} for i in range(total - N)])
    ours = acoll.find().sort("n").batch_size(50)
    assert ours.cursor_id is None
    assert (await ours.next())["n"] == 0
    cursor_id = ours.cursor_id
    assert cursor_id  # open on the server
    ours.close()
    reply = admin_db.command("killCursors", acoll.name, cursors=[cursor_id])
    assert reply["cursorsNotFound"] == [cursor_id] and reply["cursorsKilled"] == [], reply
    rest = [d["n"] async for d in ours]
    assert 0 < len(rest) < total - 1 and rest == sorted(rest) and rest[0] == 1
    assert not ours.alive
    with pytest.raises(StopAsyncIteration):
        await ours.next()
    never = acoll.find()
    never.close()  # never started: nothing is sent
    assert never.cursor_id is None and await never.to_list(None) == []


async def test_async_rename(acoll, pm_coll, admin_db, new_name):
    """rename() on the async collection: the collection moves, this object keeps its name;
    the errors are pymongo's for the same calls."""
    target = new_name()
    old_name = acoll.name
    assert await acoll.rename(target) == {"ok": 1.0}
    assert acoll.name == old_name
    assert admin_db[target].count_documents({}) == N
    assert await acoll.count_documents({}) == 0
    taken = new_name()
    admin_db[taken].insert_one({"_id": 1})
    await acoll.insert_one({"_id": 1})
    with pytest.raises(OperationFailure) as info:
        await acoll.rename(taken)
    with pytest.raises(pymongo_module_errors().OperationFailure) as want:
        pm_coll.rename(taken)
    assert info.value.code == want.value.code == 48
    with pytest.raises(OperationFailure) as info:
        await acoll.rename(taken, dropTarget=True)  # FerretDB 1.24: NotImplemented
    with pytest.raises(pymongo_module_errors().OperationFailure) as want:
        pm_coll.rename(taken, dropTarget=True)
    assert info.value.code == want.value.code
    with pytest.raises(ValueError):
        await acoll.rename("bad$name")
