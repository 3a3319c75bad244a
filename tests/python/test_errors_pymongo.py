"""Exceptions shaped as pymongo's (issue 16 item 4), each compared with pymongo's exception for
the same failure on the same FerretDB: class name, code, details and message."""

import pytest

from mongo_odm.client import MongoClient
from mongo_odm.errors import (
    AuthenticationFailed,
    CursorNotFound,
    BulkWriteError,
    ConfigurationError,
    ConnectionFailure,
    DuplicateKeyError,
    ExecutionTimeout,
    InvalidURI,
    OperationFailure,
    WriteError,
)
from pymongo_ref import load_pymongo, pm_client, pm_coll, pymongo_module  # noqa: F401  (fixtures)


def text(exc, coll):
    """The message without pymongo's ", full error" tail and with the collection's name masked."""
    return str(exc).split(", full error")[0].replace(coll.name, "<coll>")


def caught(fn):
    try:
        fn()
    except Exception as exc:
        return exc
    raise AssertionError("no exception")


@pytest.fixture
def twin(admin_db, new_name, pm_client, settings):
    ours, theirs = admin_db[new_name()], pm_client[settings.db_name][new_name()]
    for c in (ours, theirs):
        c.insert_one({"_id": 1})
    return ours, theirs


@pytest.mark.parametrize(
    "call",
    [
        lambda c: c.insert_one({"_id": 1}),
        lambda c: c.insert_many([{"_id": 5}, {"_id": 1}, {"_id": 6}]),
        lambda c: c.insert_many([{"_id": 7}, {"_id": 1}, {"_id": 8}], ordered=False),
        lambda c: c.find_one({"$bad": 1}),
        lambda c: list(c.find({"$bad": 1})),
        lambda c: c.count_documents({"$bad": 1}),
        lambda c: c.update_one({"_id": 1}, {"$set": {"_id": 2}}),
        lambda c: c.update_one({"_id": 1}, {"$unknownOp": {"a": 1}}),
        lambda c: c.delete_one({"$bad": 1}),
        lambda c: c.distinct("a", {"$bad": 1}),
        lambda c: list(c.aggregate([{"$nope": 1}])),
    ],
)
def test_server_errors_match_pymongo(twin, call):
    ours, theirs = twin
    mine, want = caught(lambda: call(ours)), caught(lambda: call(theirs))
    assert type(mine).__name__ == type(want).__name__
    assert mine.code == want.code
    assert text(mine, ours) == text(want, theirs)
    if isinstance(want.details, dict) and "writeErrors" not in want.details:
        for key in ("ok", "code", "index"):
            assert mine.details.get(key) == want.details.get(key), key
        assert str(mine.details.get("errmsg")).replace(ours.name, "") == str(want.details.get("errmsg")).replace(
            theirs.name, ""
        )
    else:
        for key in ("nInserted", "nUpserted", "nMatched", "nModified", "nRemoved", "upserted", "writeConcernErrors"):
            assert mine.details[key] == want.details[key], key
        assert [(e["index"], e["code"]) for e in mine.details["writeErrors"]] == [
            (e["index"], e["code"]) for e in want.details["writeErrors"]
        ]
    assert mine.has_error_label("x") is want.has_error_label("x") is False


def test_duplicate_key_error_details_are_the_write_error(twin):
    ours, theirs = twin
    mine, want = caught(lambda: ours.insert_one({"_id": 1})), caught(lambda: theirs.insert_one({"_id": 1}))
    assert isinstance(mine, DuplicateKeyError) and isinstance(mine, WriteError)
    assert set(mine.details) == {"index", "code", "errmsg"} <= set(want.details)
    assert mine.details["errmsg"].replace(ours.name, "") == want.details["errmsg"].replace(theirs.name, "")
    assert mine.code == want.code == 11000


def test_bulk_write_error_code_65(twin):
    ours, _ = twin
    e = caught(lambda: ours.insert_many([{"_id": 1}]))
    assert isinstance(e, BulkWriteError) and e.code == 65 and e.details["nInserted"] == 0


def test_authentication_failure_is_operation_failure_18(settings):
    pm = load_pymongo()
    want = caught(lambda: pm.MongoClient(settings.url, username=settings.user, password="wrong",
                                         serverSelectionTimeoutMS=3000).admin.command("ping"))
    client = MongoClient(settings.url, username=settings.user, password="wrong", serverSelectionTimeoutMS=3000)
    try:
        mine = caught(lambda: client.admin.command("ping"))
    finally:
        client.close()
    assert isinstance(mine, OperationFailure) and type(want).__name__ == "OperationFailure"
    assert isinstance(mine, AuthenticationFailed) and isinstance(mine, ConnectionFailure)  # lightodm: ConnectionError
    assert mine.code == want.code == 18
    assert mine.details == want.details
    assert str(mine).split(", full error")[0] == str(want).split(", full error")[0]


@pytest.mark.parametrize("url", ["http://localhost", "mongodb://:::bad", "mongodb://"])
def test_bad_urls_raise_invalid_uri(url):
    pm = load_pymongo()
    want = caught(lambda: pm.MongoClient(url, connect=False))
    mine = caught(lambda: MongoClient(url))
    assert isinstance(mine, InvalidURI) and isinstance(mine, ConfigurationError) and isinstance(mine, ValueError)
    assert type(want).__name__ in ("InvalidURI", "ValueError")  # pymongo: ValueError for a bad host


def test_bad_option_value_raises_configuration_error(settings):
    with pytest.raises(ConfigurationError):
        MongoClient(settings.url, serverSelectionTimeoutMS="abc")


def test_execution_timeout_code_50(scratch_db):
    coll = scratch_db["scan"]
    coll.insert_many([{"n": i, "pad": "x" * 200} for i in range(6000)])
    e = caught(lambda: list(coll.find({"pad": {"$regex": "y$"}}).max_time_ms(1)))
    assert isinstance(e, ExecutionTimeout) and e.code == 50 and e.details["code"] == 50 and e.timeout


def test_cursor_not_found_after_kill_cursors(twin, settings, pm_client):
    ours, theirs = twin
    for c in (ours, theirs):
        c.insert_many([{"_id": i} for i in range(10, 20)])
    outcomes = []
    for coll, lib_db in ((ours, ours.database), (theirs, pm_client[settings.db_name])):
        cursor = coll.find().sort("_id").batch_size(2)
        assert cursor.cursor_id is None  # nothing sent yet, as pymongo's
        next(cursor)
        assert cursor.cursor_id
        lib_db.command("killCursors", coll.name, cursors=[cursor.cursor_id])
        exc = caught(lambda: list(cursor))
        outcomes.append((type(exc).__name__, exc.code, exc.details["code"]))
    assert outcomes[0] == outcomes[1] == ("CursorNotFound", 43, 43)
    assert issubclass(CursorNotFound, OperationFailure)


def test_cursor_id_is_an_int64_as_in_pymongo(twin, pymongo_module):
    """FerretDB numbers cursors from a random start, often below 2**31: a cursor id given back
    as a plain int went out as int32 and killCursors refused it (TypeMismatch) on about half of
    the server starts. Like pymongo's, the id is an Int64, which always encodes as int64."""
    import bson

    from mongo_odm import Int64, _core

    ours, _ = twin
    ours.insert_many([{"_id": i} for i in range(100, 104)])
    cursor = ours.find().batch_size(2)
    next(cursor)
    assert type(cursor.cursor_id) is Int64 and cursor.cursor_id > 0
    cursor.close()
    for n in (0, 5, -(2**31), 2**31 - 1, 2**40):
        assert _core.encode({"n": Int64(n)}) == bson.encode({"n": bson.int64.Int64(n)})
        assert _core.encode({"n": bson.int64.Int64(n)}) == bson.encode({"n": bson.int64.Int64(n)})
    assert _core.encode({"n": 5}) == bson.encode({"n": 5})  # a plain int still int32 when it fits
    assert repr(Int64(7)) == "Int64(7)" and Int64(7) == 7
    with pytest.raises(OverflowError):
        _core.encode({"n": Int64(2**63)})


# ------------------------------------------------------------------------------ dropped connections
# A connection that breaks under an operation: pymongo raises AutoReconnect (a ConnectionFailure;
# neither NetworkTimeout nor ServerSelectionTimeoutError). The client goes through a StallProxy
# (tests/support/netfaults.py) that holds the server's reply back, then closes every connection
# it carries. Retries are off, so the first failure is the one raised (a retried read would go
# through the proxy again); a long heartbeat keeps the monitors quiet meanwhile.
DROP_OPTIONS = {"retryReads": "false", "retryWrites": "false", "heartbeatFrequencyMS": 60000,
                "socketTimeoutMS": 10000, "serverSelectionTimeoutMS": 5000}
DROPPED_CALLS = {
    "find_one": lambda c: c.find_one({}),
    "find": lambda c: list(c.find({})),
    "insert_one": lambda c: c.insert_one({"dropped": True}),
    "count_documents": lambda c: c.count_documents({}),
}


def run_and_cut(proxy, call):
    """call() on a thread; once the server's reply is held at the proxy, cut every connection.
    The call's exception (or its result)."""
    import threading
    import time

    out = {}
    proxy.stall()
    worker = threading.Thread(target=lambda: out.update(result=caught_or_result(call)))
    worker.start()
    deadline = time.monotonic() + 10
    while not proxy.held and time.monotonic() < deadline:
        time.sleep(0.005)
    assert proxy.held, "the call's reply never reached the proxy"
    proxy.cut()
    proxy.resume()
    worker.join(20)
    assert not worker.is_alive()
    return out["result"]


def caught_or_result(fn):
    try:
        return fn()
    except Exception as exc:
        return exc


@pytest.mark.parametrize("name", sorted(DROPPED_CALLS))
def test_dropped_connection_is_auto_reconnect(name, settings, coll_name, pymongo_module):
    from netfaults import StallProxy, parse_host_port

    from mongo_odm.errors import AutoReconnect, NetworkTimeout, ServerSelectionTimeoutError

    call = DROPPED_CALLS[name]
    with StallProxy(parse_host_port(settings.url)) as proxy:
        url = proxy.url(**DROP_OPTIONS)
        theirs = pymongo_module.MongoClient(url, username=settings.user, password=settings.password)
        ours = MongoClient(url, username=settings.user, password=settings.password)
        try:
            got = {}
            for lib, client in (("pymongo", theirs), ("mongo_odm", ours)):
                coll = client[settings.db_name][coll_name]
                coll.count_documents({})  # a warm, authenticated connection
                got[lib] = run_and_cut(proxy, lambda: call(coll))
                coll.count_documents({})  # the client recovers: a new connection
            assert type(got["pymongo"]).__name__ == "AutoReconnect", repr(got["pymongo"])
            mine = got["mongo_odm"]
            assert isinstance(mine, AutoReconnect), repr(mine)
            assert not isinstance(mine, (NetworkTimeout, ServerSelectionTimeoutError)), repr(mine)
            assert isinstance(mine, ConnectionFailure) and isinstance(mine, ConnectionError)  # lightodm's class
        finally:
            theirs.close()
            ours.close()


async def test_dropped_connection_is_auto_reconnect_async(settings, coll_name):
    import asyncio

    from netfaults import StallProxy, parse_host_port

    from mongo_odm._async import AsyncMongoClient
    from mongo_odm.errors import AutoReconnect

    with StallProxy(parse_host_port(settings.url)) as proxy:
        client = AsyncMongoClient(proxy.url(**DROP_OPTIONS), username=settings.user, password=settings.password)
        try:
            coll = client[settings.db_name][coll_name]
            await coll.count_documents({})
            proxy.stall()
            task = asyncio.ensure_future(coll.find_one({}))
            for _ in range(1000):
                if proxy.held:
                    break
                await asyncio.sleep(0.01)
            assert proxy.held
            await asyncio.get_running_loop().run_in_executor(None, proxy.cut)
            proxy.resume()
            with pytest.raises(AutoReconnect):
                await asyncio.wait_for(task, 20)
            assert await coll.find_one({}) is None  # recovered
        finally:
            client.close()


def test_class_hierarchy_is_pymongos(pymongo_module):
    """Among the classes both libraries have, one is a subclass of another exactly when it is in
    pymongo (and bson), but for mongo_odm's deliberate extras: every class is a PyMongoError
    (the BSON errors too), and AuthenticationFailed is also a ConnectionFailure (lightodm's
    callers catch ConnectionError)."""
    import bson.errors as bson_errors  # the reference's bson, loaded beside pymongo

    from mongo_odm import errors

    def theirs(name):
        return getattr(pymongo_module.errors, name, None) or getattr(bson_errors, name, None)

    shared = [n for n in errors.__all__ if theirs(n) is not None]
    assert {"AutoReconnect", "NetworkTimeout", "ServerSelectionTimeoutError", "ConnectionFailure"} <= set(shared)
    extra = {("AuthenticationFailed", "ConnectionFailure")}
    for a in shared:
        for b in shared:
            mine = issubclass(getattr(errors, a), getattr(errors, b))
            want = issubclass(theirs(a), theirs(b)) or (a, b) in extra or b == "PyMongoError"
            assert mine == want, f"{a} subclass of {b}: mongo_odm {mine}, pymongo {want}"
