"""Coalesced gets: concurrent ``find_one({"_id": v})`` calls of the async collection (what
``aget()`` makes) are sent as one ``find({"_id": {"$in": [...]}})`` per event-loop pass.

Everything runs against the server. What the tests hold (docs/design.md, "Coalesced gets"):

- every caller gets what it would get alone: the same document (its own copy, duplicates
  included), None for a missing id, numbers matched by value as the server matches them
  (1 finds a stored 1.0, never a stored true); checked against lone calls, also on generated
  mixes of present, missing and repeated int, str and ObjectId ids;
- batching happens: the server's own count of `find` commands (serverStatus) grows by the
  number of batches, not the number of calls; a batch holds at most max_batch ids;
- calls that must not be coalesced are not (options, other filters, ids the server or the
  encoder may refuse), and the switch (``set_coalescing``, ``AsyncCollection.coalesce``,
  MONGO_ODM_COALESCE=0) turns it off;
- an error of the batched query (a server error, failed authentication, no server) is raised
  in every caller, with the type and message a lone find_one gives;
- cancelling one caller leaves the others their answers; cancelling all of them stops the
  query (its connection is dropped, seen by a proxy in front of the server).
"""

from __future__ import annotations

import asyncio
import os
import subprocess
import sys
import threading
from typing import Any, List

import pytest
from hypothesis import HealthCheck, given, settings as hsettings
from hypothesis import strategies as st

import mongo_odm
from mongo_odm import ObjectId, _async
from mongo_odm._async import AsyncMongoClient, set_coalescing
from mongo_odm.errors import ConnectionFailure, InvalidDocument, OperationFailure, ServerSelectionTimeoutError

from helpers import UNREACHABLE_URL, behind_stall_proxy, connections_dropped_by_client


# ------------------------------------------------------------------------------ fixtures
@pytest.fixture(autouse=True)
def coalescing_defaults():
    """Each test starts with the default switch and cap, and leaves them so."""
    saved = (_async._coalesce_enabled, _async._coalesce_max_batch)
    set_coalescing(True, _async._COALESCE_DEFAULT_MAX_BATCH)
    yield
    _async._coalesce_enabled, _async._coalesce_max_batch = saved


@pytest.fixture
def aclient(settings):
    client = AsyncMongoClient(settings.url, username=settings.user, password=settings.password)
    yield client
    client.close()


@pytest.fixture
def acoll(aclient, settings, coll_name):
    return aclient[settings.db_name][coll_name]


OID_A, OID_B, OID_MISSING = ObjectId(), ObjectId(), ObjectId()
STORED = (
    [{"_id": i, "v": f"int {i}", "nested": {"list": [i, {"deep": i}]}} for i in range(20)]
    + [{"_id": f"s{i}", "v": f"str {i}"} for i in range(20)]
    + [
        {"_id": OID_A, "v": "oid a"},
        {"_id": OID_B, "v": "oid b"},
        {"_id": "é-ü-漢字", "v": "non-ascii"},
        {"_id": 2**40, "v": "int64"},
        {"_id": 100.0, "v": "stored as a double"},
        {"_id": True, "v": "stored as a bool"},
        {"_id": {"a": 1}, "v": "stored as a document"},
    ]
)
PRESENT: List[Any] = [d["_id"] for d in STORED if type(d["_id"]) in (int, str, ObjectId)] + [100]
MISSING: List[Any] = [1000, -1, "s-missing", "", OID_MISSING, 2**40 + 1, 101]


@pytest.fixture
def stored(raw):
    raw.insert_many(STORED)
    return raw


def find_count(admin_db) -> int:
    """The server's own count of `find` commands received (every find_one is one)."""
    return admin_db.command("serverStatus")["metrics"]["commands"].get("find", {}).get("total", 0)


async def lone(acoll, ids: List[Any]) -> List[Any]:
    """Each id's find_one alone, one after the other (what the caller would get alone)."""
    acoll.coalesce = False
    try:
        return [await acoll.find_one({"_id": i}) for i in ids]
    finally:
        acoll.coalesce = None


async def together(acoll, ids: List[Any]) -> List[Any]:
    return await asyncio.gather(*(acoll.find_one({"_id": i}) for i in ids))


# ------------------------------------------------------------------------------ same results
async def test_same_results_as_lone_calls(acoll, stored, admin_db):
    ids = PRESENT + MISSING + PRESENT[:7] + MISSING[:3] + [3, 3, 3, "s4", OID_A]  # repeats too
    expected = await lone(acoll, ids)
    assert sum(d is not None for d in expected) == len(PRESENT) + 7 + 5  # the fixture is as meant
    before = find_count(admin_db)
    got = await together(acoll, ids)
    sent = find_count(admin_db) - before
    assert got == expected
    # value and type of the _id as stored (the double stays a double)
    assert [type(d["_id"]) for d in got if d is not None] == [type(d["_id"]) for d in expected if d is not None]
    # batching happened: the distinct ids fit in one batch, one find on the server
    assert len(set(map(repr, ids))) < _async._COALESCE_DEFAULT_MAX_BATCH
    assert sent == 1, sent
    assert acoll._coalesced_queries == 1 and acoll._coalesced_calls == len(ids)


async def test_each_caller_gets_its_own_document(acoll, stored):
    got = await together(acoll, [3, 3, 3])
    assert got[0] == got[1] == got[2] == STORED[3]
    assert got[0] is not got[1] and got[1] is not got[2]
    got[0]["nested"]["list"][1]["deep"] = "changed"  # a deep copy: the others do not see it
    assert got[1]["nested"]["list"][1]["deep"] == 3 and got[2]["nested"]["list"][1]["deep"] == 3


async def test_numbers_match_by_value_as_on_the_server(acoll, stored):
    """1 == 1.0 on the server: find_one({"_id": 100}) finds the document stored with _id 100.0,
    and so does a batch; the bool stored as _id true is not 1 for the server, nor for a batch."""
    ids = [100, 1, 2**40, 2**40 + 1, 7, 101]
    expected = await lone(acoll, ids)
    assert expected[0] == {"_id": 100.0, "v": "stored as a double"}
    assert expected[1]["v"] == "int 1"  # not the document whose _id is true
    assert expected[3] is None and expected[5] is None
    assert await together(acoll, ids) == expected
    # A batch where the int 1 has no document of its own: true still does not match it.
    await acoll.delete_one({"_id": 1})
    expected = await lone(acoll, [1, 100, 2])
    assert expected[0] is None
    assert await together(acoll, [1, 100, 2]) == expected


ids_strategy = st.lists(
    st.one_of(st.sampled_from(PRESENT), st.sampled_from(MISSING), st.integers(-(2**63), 2**63 - 1),
              st.text(max_size=12)),
    min_size=1, max_size=60,
)


def outcome(result: Any) -> Any:
    """A document or None as is; an error as its type and message."""
    if isinstance(result, BaseException):
        return (type(result), str(result))
    return result


@hsettings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(ids=ids_strategy)
def test_generated_mixes_of_ids(aclient, settings, stored, coll_name, ids):
    """Generated ints and strings (NUL, lone surrogates and all: those are sent alone) mixed
    with present and missing ids, repeats included."""
    acoll = aclient[settings.db_name][coll_name]

    async def alone(i):
        acoll.coalesce = False
        try:
            return await acoll.find_one({"_id": i})
        except Exception as exc:
            return exc
        finally:
            acoll.coalesce = None

    async def both():
        expected = [outcome(await alone(i)) for i in ids]
        got = await asyncio.gather(*(acoll.find_one({"_id": i}) for i in ids), return_exceptions=True)
        return expected, [outcome(r) for r in got]

    expected, got = asyncio.run(both())
    assert got == expected


async def test_aget_through_the_model_is_coalesced(User, raw, admin_db):
    users = [User(name=f"u{i}", age=i) for i in range(30)]
    raw.insert_many([u._to_mongo_dict() for u in users])
    ids = [u.id for u in users] + ["missing", users[0].id]
    expected = [await User.aget(i) for i in ids]  # one at a time: batches of one
    coll = await User.get_async_collection()
    queries = coll._coalesced_queries
    before = find_count(admin_db)
    got = await asyncio.gather(*(User.aget(i) for i in ids))
    assert got == expected
    assert got[-2] is None and got[-1] == users[0] and got[-1] is not got[0]
    assert find_count(admin_db) - before == 1
    assert coll._coalesced_queries == queries + 1


# ------------------------------------------------------------------------------ batching
async def test_a_batch_holds_at_most_max_batch_ids(acoll, stored, admin_db):
    set_coalescing(True, max_batch=8)
    ids = PRESENT[:30]  # 30 distinct ids: batches of 8, 8, 8, 6
    expected = await lone(acoll, ids)
    before = find_count(admin_db)
    assert await together(acoll, ids) == expected
    assert find_count(admin_db) - before == 4
    assert acoll._coalesced_queries == 4
    # repeats of an id already in the batch do not count against the cap
    before = find_count(admin_db)
    assert await together(acoll, [0] * 50) == [STORED[0]] * 50
    assert find_count(admin_db) - before == 1


async def test_calls_of_later_loop_passes_make_their_own_batch(acoll, stored, admin_db):
    """A batch is sent when the loop next runs its callbacks: calls made after that go into a
    new batch, sent while the first may still be on its way (neither waits for the other)."""

    async def later(i):
        await asyncio.sleep(0)
        await asyncio.sleep(0)
        return await acoll.find_one({"_id": i})

    before = find_count(admin_db)
    got = await asyncio.gather(*(acoll.find_one({"_id": i}) for i in range(5)), *(later(i) for i in range(5, 10)))
    assert got == STORED[:10]
    assert find_count(admin_db) - before == 2


async def test_a_batch_in_flight_does_not_hold_up_the_next(settings, stored, coll_name):
    """While a batch waits for its reply (held back by a proxy in front of the server), calls of
    later loop passes form a batch of their own and send it: batches never wait for each other."""
    async with behind_stall_proxy(settings, coll_name) as (proxy, coll):
        proxy.stall()
        first = asyncio.ensure_future(together(coll, [0, 1, 2]))
        await asyncio.sleep(0.3)
        assert coll._coalesced_queries == 1 and not first.done()
        second = asyncio.ensure_future(together(coll, [3, 4]))
        await asyncio.sleep(0.3)
        assert coll._coalesced_queries == 2 and not first.done()  # sent, the first still out
        proxy.resume()
        assert await asyncio.wait_for(first, 10) == STORED[0:3]
        assert await asyncio.wait_for(second, 10) == STORED[3:5]


# ------------------------------------------------------------------------------ not coalesced
async def test_calls_that_are_not_coalesced(acoll, stored, admin_db):
    calls = [
        acoll.find_one({"_id": 1}, max_time_ms=5000),
        acoll.find_one({"_id": 2}, projection={"v": 1}),
        acoll.find_one({"_id": 3}, sort=[("_id", 1)]),
        acoll.find_one({"_id": 4, "v": "int 4"}),
        acoll.find_one({"v": "int 5"}),
        acoll.find_one({"_id": {"$in": [6]}}),
        acoll.find_one({"_id": True}),       # bool: the server tells it from 1, Python does not
        acoll.find_one({"_id": 100.0}),      # floats are not coalesced (NaN closes FerretDB's connection)
        acoll.find_one({"_id": 2**63}),      # beyond int64: the encoder's OverflowError is its own
        acoll.find_one({"_id": "x" * 1025}),  # long strings go alone
        acoll.find_one({"_id": "a\x00b"}),   # NUL: FerretDB refuses the whole query
        acoll.find_one({"_id": "\ud800"}),   # a lone surrogate: the encoder refuses it
        acoll.find_one(7),                   # the id shorthand
        acoll.find_one(),
    ]
    got = await asyncio.gather(*calls, return_exceptions=True)
    assert acoll._coalesced_calls == 0 and acoll._coalesced_queries == 0
    assert got[0] == STORED[1] and got[1] == {"_id": 2, "v": "int 2"} and got[2] == STORED[3]
    assert got[3] == STORED[4] and got[4] == STORED[5] and got[5] == STORED[6]
    assert got[6]["v"] == "stored as a bool" and got[7]["v"] == "stored as a double"
    assert isinstance(got[8], OverflowError)
    assert got[9] is None
    assert got[10] is None or isinstance(got[10], OperationFailure)  # FerretDB refuses NUL in strings
    assert isinstance(got[11], InvalidDocument)
    assert got[12] == STORED[7] and got[13] is not None


async def test_the_switch(acoll, stored, admin_db, monkeypatch):
    ids = list(range(10))
    for off in ("module", "collection"):
        if off == "module":
            set_coalescing(False)
            assert mongo_odm.get_coalescing() is False
        else:
            set_coalescing(True)
            acoll.coalesce = False
        before = find_count(admin_db)
        assert await together(acoll, ids) == STORED[:10]
        assert find_count(admin_db) - before == 10, off
        assert acoll._coalesced_queries == 0
    # the collection's own setting wins over the module's, either way
    set_coalescing(False)
    acoll.coalesce = True
    before = find_count(admin_db)
    assert await together(acoll, ids) == STORED[:10]
    assert find_count(admin_db) - before == 1
    with pytest.raises(ValueError):
        set_coalescing(True, max_batch=0)


def test_environment_turns_it_off():
    code = "import mongo_odm; print(mongo_odm.get_coalescing())"
    for value, shown in (("0", "False"), ("off", "False"), ("1", "True"), (None, "True")):
        env = dict(os.environ)
        env.pop("MONGO_ODM_COALESCE", None)
        if value is not None:
            env["MONGO_ODM_COALESCE"] = value
        out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env, check=True)
        assert out.stdout.strip() == shown, (value, out)


# ------------------------------------------------------------------------------ errors
async def assert_every_caller_gets_the_lone_error(coll, expected_type):
    coll.coalesce = False
    with pytest.raises(expected_type) as alone:
        await coll.find_one({"_id": 1})
    coll.coalesce = None
    got = await asyncio.gather(*(coll.find_one({"_id": i}) for i in range(6)), return_exceptions=True)
    assert coll._coalesced_queries == 1  # one batch of six ids
    for exc in got:
        assert type(exc) is type(alone.value), exc
        assert str(exc) == str(alone.value)
        assert getattr(exc, "code", None) == getattr(alone.value, "code", None)
    assert len({id(e) for e in got}) == len(got)  # each caller its own exception object
    return alone.value


async def test_a_server_error_is_raised_in_every_caller(aclient, settings):
    # FerretDB refuses collection names over 235 bytes (InvalidNamespace, 73) on the server
    coll = aclient[settings.db_name]["x" * 300]
    err = await assert_every_caller_gets_the_lone_error(coll, OperationFailure)
    assert err.code == 73 and err.details["code"] == 73  # the server's words, as pymongo's


async def test_failed_authentication_is_raised_in_every_caller(settings):
    if not settings.user:
        pytest.fail("this test needs a server with authentication (scripts/ferretdb.sh starts one)")
    client = AsyncMongoClient(settings.url, username=settings.user, password=settings.password + "-wrong")
    try:
        await assert_every_caller_gets_the_lone_error(client[settings.db_name]["x"], ConnectionFailure)
    finally:
        client.close()


async def test_no_server_is_raised_in_every_caller():
    client = AsyncMongoClient(UNREACHABLE_URL)
    try:
        await assert_every_caller_gets_the_lone_error(client["db"]["x"], ServerSelectionTimeoutError)
    finally:
        client.close()


# ------------------------------------------------------------------------------ cancellation
async def test_cancelling_a_caller_before_the_batch_is_sent(acoll, stored, admin_db):
    tasks = [asyncio.ensure_future(acoll.find_one({"_id": i})) for i in range(5)]
    await asyncio.sleep(0)  # every task joined the batch; it is sent at the loop's next pass
    tasks[1].cancel()
    tasks[4].cancel()
    got = await asyncio.gather(*tasks, return_exceptions=True)
    assert isinstance(got[1], asyncio.CancelledError) and isinstance(got[4], asyncio.CancelledError)
    assert [got[0], got[2], got[3]] == [STORED[0], STORED[2], STORED[3]]
    assert acoll._coalesced_calls == 3 and acoll._coalesced_queries == 1
    # every caller cancelled before the send: nothing is sent
    before = find_count(admin_db)
    tasks = [asyncio.ensure_future(acoll.find_one({"_id": i})) for i in range(5)]
    await asyncio.sleep(0)
    for t in tasks:
        t.cancel()
    got = await asyncio.gather(*tasks, return_exceptions=True)
    assert all(isinstance(r, asyncio.CancelledError) for r in got)
    assert find_count(admin_db) == before and acoll._coalesced_queries == 1


async def test_cancelling_one_caller_of_a_batch_in_flight(settings, stored, coll_name):
    async with behind_stall_proxy(settings, coll_name) as (proxy, coll):
        proxy.stall()
        tasks = [asyncio.ensure_future(coll.find_one({"_id": i})) for i in range(5)]
        await asyncio.sleep(0.3)  # the query is on its way, its reply held back
        assert coll._coalesced_queries == 1 and not any(t.done() for t in tasks)
        tasks[2].cancel()
        await asyncio.sleep(0.2)
        proxy.resume()
        got = await asyncio.wait_for(asyncio.gather(*tasks, return_exceptions=True), 10)
        assert isinstance(got[2], asyncio.CancelledError)
        assert [got[i] for i in (0, 1, 3, 4)] == [STORED[i] for i in (0, 1, 3, 4)]
        assert proxy.closed_by_client == 0  # the query went on for the others


async def test_cancelling_every_caller_stops_the_query(settings, stored, coll_name):
    async with behind_stall_proxy(settings, coll_name) as (proxy, coll):
        proxy.stall()
        loop = asyncio.get_running_loop()
        tasks = [asyncio.ensure_future(coll.find_one({"_id": i})) for i in range(5)]
        await asyncio.sleep(0)
        batch = coll._pending[loop]  # joined, not sent yet
        await asyncio.sleep(0.3)
        assert batch.future is not None and not batch.future.done()
        assert proxy.closed_by_client == 0
        t0 = loop.time()
        for t in tasks:
            t.cancel()
        got = await asyncio.gather(*tasks, return_exceptions=True)
        # control back at once: the proxy stays stalled, so a cancellation that waited for the
        # query would not be back before the library's 20 s socketTimeoutMS. 2 s (measured: a
        # few ms) is safe on a loaded 2-core machine, where scheduling delays are tens to hundreds
        # of ms, and still 10x short of that.
        assert loop.time() - t0 < 2.0
        assert all(isinstance(r, asyncio.CancelledError) for r in got)
        assert batch.token.cancelled and batch.future.cancelled()
        # the running query was stopped by its token: the library dropped its connection
        assert await connections_dropped_by_client(proxy) >= 1
        proxy.resume()
        assert await together(coll, [0, 1]) == STORED[0:2]  # the client works afterwards


# ------------------------------------------------------------------------------ several loops
def test_event_loops_of_several_threads_share_a_collection(aclient, settings, stored, coll_name):
    """One collection object used by four threads, each running its own event loop: each
    loop's calls batch among themselves and every caller gets its document."""
    acoll = aclient[settings.db_name][coll_name]
    ids = PRESENT + MISSING
    expected = asyncio.run(lone(acoll, ids))
    results: List[Any] = [None] * 4
    errors: List[BaseException] = []

    def run(n: int) -> None:
        try:
            for _ in range(5):
                results[n] = asyncio.run(together(acoll, ids))
                assert results[n] == expected
        except BaseException as exc:  # reported by the main thread
            errors.append(exc)

    threads = [threading.Thread(target=run, args=(n,)) for n in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors, errors
    assert results == [expected] * 4
    assert acoll._coalesced_queries >= 4 * 5  # (the counters are not exact across threads)
    assert not acoll._pending  # every loop's batch was sent


# ------------------------------------------------------------------------------ the matching rule
def test_matching_documents_to_ids():
    """_match, the rule that gives each id its document (no server involved: the answers a
    server gives are written out here, including ones FerretDB cannot produce)."""
    waiters = {1: [], "a": [], OID_A: [], 5: []}
    docs = [{"_id": 1.0, "v": "double"}, {"_id": 1, "v": "second match of 1"}, {"_id": "a"}, {"_id": OID_A}]
    found, unmatched = _async._match(waiters, docs)
    assert found == {1: {"_id": 1.0, "v": "double"}, "a": {"_id": "a"}, OID_A: {"_id": OID_A}}  # the first
    assert not unmatched
    # A document the server matched with no id Python finds equal (a collation, say): the ids
    # left without a document are asked again, alone.
    for stray in ({"_id": "A"}, {"_id": True}, {"_id": {"k": 1}}, {"_id": __import__("decimal").Decimal("sNaN")}):
        found, unmatched = _async._match(waiters, [stray])
        assert found == {} and unmatched, stray
