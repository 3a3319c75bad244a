"""Coalesced saves: concurrent ``asave()`` calls on one collection (each a
``replace_one({"_id": id}, document, upsert=True)``) are sent as one ordered bulk write per
event-loop pass.

Everything runs against the server. What the tests hold (docs/design.md, "Coalesced saves"):

- every save is stored as a lone save stores it, and the last of two saves of one id in a
  batch wins (call order is the write order);
- batching happens: the server's own count of `update` commands (serverStatus) grows by the
  number of batches, not the number of saves; a batch holds at most max_batch saves; a save
  alone is a plain replace_one; the switch turns it off;
- a save the server refuses (a duplicate key) raises in its caller the exception a lone save
  raises, the others are stored; a document that does not encode raises its lone error in its
  caller only; an error without a reply (no server, failed authentication) is raised in every
  caller, with the lone error's type and words, naming the bulk write it was;
- a caller cancelled before the batch is sent is not written, the others are; cancelling every
  caller of a write on its way stops it at once (its connection dropped), and the batches
  waiting for it go on;
- one bulk write of saves at a time per collection and loop: batches closed meanwhile wait;
- a model whose get_async_collection() returns another kind of collection saves through that
  collection's replace_one, uncoalesced.
"""

from __future__ import annotations

import asyncio
from typing import Any, List

import pytest
from helpers import UNREACHABLE_URL, behind_stall_proxy, connections_dropped_by_client

from mongo_odm import _async
from mongo_odm._async import AsyncMongoClient, set_coalescing
from mongo_odm.errors import ConnectionFailure, DuplicateKeyError, ServerSelectionTimeoutError


@pytest.fixture(autouse=True)
def coalescing_defaults():
    """Each test starts with the default switch and cap, and leaves them so."""
    saved = (_async._coalesce_enabled, _async._coalesce_max_batch)
    set_coalescing(True, _async._COALESCE_DEFAULT_MAX_BATCH)
    yield
    _async._coalesce_enabled, _async._coalesce_max_batch = saved


def update_count(admin_db) -> int:
    """The server's own count of `update` commands received (a replace_one is one)."""
    return admin_db.command("serverStatus")["metrics"]["commands"].get("update", {}).get("total", 0)


def stored(raw) -> dict:
    return {d["_id"]: d for d in raw.find({})}


async def test_concurrent_saves_are_stored_as_lone_saves_store_them(User, raw, admin_db):
    users = [User(name=f"u{i}", age=i, email=None if i % 3 else f"u{i}@x") for i in range(250)]
    coll = await User.get_async_collection()
    before = update_count(admin_db)
    ids = await asyncio.gather(*(u.asave() for u in users))
    assert ids == [u.id for u in users]
    assert update_count(admin_db) - before == 5  # batches of 50 (_async._COALESCE_MAX_SAVES)
    assert (coll._coalesced_writes, coll._coalesced_saves) == (5, 250)
    assert stored(raw) == {u.id: u._to_mongo_dict() for u in users}
    # saved again, changed: replaced (upsert of existing documents), exclude_none honoured.
    # Batches of 50 replacements of stored documents: FerretDB 1.24 stops answering at 100.
    for u in users:
        u.age += 1000
    ids = await asyncio.gather(*(u.asave(exclude_none=True) for u in users))
    assert ids == [u.id for u in users]
    assert stored(raw) == {u.id: u._to_mongo_dict(exclude_none=True) for u in users}
    assert (coll._coalesced_writes, coll._coalesced_saves) == (10, 500)


async def test_the_last_of_two_saves_of_one_id_wins(User, raw):
    """Saves join a batch in the order they reach it, and are written in that order. (The
    collection is made first: the first asave() of a model connects, and tasks waiting for that
    go on in any order.)"""
    await User.get_async_collection()
    first, second = User(id="same", name="first"), User(id="same", name="second")
    got = await asyncio.gather(first.asave(), second.asave(), User(name="other").asave())
    assert got[:2] == ["same", "same"]
    assert raw.find_one({"_id": "same"})["name"] == "second"
    assert raw.count_documents({}) == 2


async def test_a_batch_holds_at_most_max_batch_saves(User, raw, admin_db):
    set_coalescing(True, max_batch=8)
    await User.get_async_collection()  # connected before: every save joins in the same pass
    users = [User(name=f"u{i}") for i in range(30)]
    before = update_count(admin_db)
    await asyncio.gather(*(u.asave() for u in users))
    assert update_count(admin_db) - before == 4  # 8, 8, 8, 6
    assert raw.count_documents({}) == 30


async def test_a_save_alone_is_a_replace_one(User, raw, admin_db):
    coll = await User.get_async_collection()
    before = update_count(admin_db)
    u = User(name="alone")
    assert await u.asave() == u.id
    assert update_count(admin_db) - before == 1 and coll._coalesced_writes == 0
    assert stored(raw) == {u.id: u._to_mongo_dict()}


async def test_the_switch(User, raw, admin_db):
    coll = await User.get_async_collection()
    for off in ("global", "collection"):
        if off == "global":
            set_coalescing(False)
        else:
            set_coalescing(True)
            coll.coalesce = False
        users = [User(name=f"{off}{i}") for i in range(5)]
        before = update_count(admin_db)
        await asyncio.gather(*(u.asave() for u in users))
        assert update_count(admin_db) - before == 5, off  # one replace_one each
        assert coll._coalesced_writes == 0
    coll.coalesce = None
    assert raw.count_documents({}) == 10


# ------------------------------------------------------------------------------ errors
async def lone_error(coro) -> BaseException:
    set_coalescing(False)
    try:
        with pytest.raises(Exception) as info:
            await coro
        return info.value
    finally:
        set_coalescing(True)


def same_error(got: Any, alone: BaseException) -> None:
    assert type(got) is type(alone), got
    assert str(got) == str(alone)
    assert getattr(got, "code", None) == getattr(alone, "code", None)
    assert getattr(got, "details", None) == getattr(alone, "details", None)


async def test_a_refused_save_raises_its_lone_error_in_its_caller_only(User, raw):
    raw.create_index([("name", 1)], unique=True)
    raw.insert_one({"_id": "taken", "name": "dup"})
    alone = await lone_error(User(name="dup").asave())
    assert isinstance(alone, DuplicateKeyError) and alone.code == 11000
    # the refused save in the middle of a batch: the saves before and after it are stored (an
    # ordered write stops at the error; what it did not write is written by lone saves, and so
    # is what FerretDB 1.24 reports as unwritten: its writeErrors index is always 0)
    users = [User(name=f"u{i}") for i in range(6)]
    users[2] = User(name="dup")
    got = await asyncio.gather(*(u.asave() for u in users), return_exceptions=True)
    same_error(got[2], alone)
    assert got[:2] + got[3:] == [u.id for u in users[:2] + users[3:]]
    written = {u.id: u._to_mongo_dict() for u in users if u.name != "dup"}
    assert stored(raw) == {"taken": {"_id": "taken", "name": "dup"}, **written}
    # two saves of the batch refused
    more = [User(name="dup"), User(name="v1"), User(name="dup")]
    got = await asyncio.gather(*(u.asave() for u in more), return_exceptions=True)
    same_error(got[0], alone)
    same_error(got[2], alone)
    assert got[1] == more[1].id and raw.find_one({"_id": more[1].id})["name"] == "v1"


async def test_a_document_that_does_not_encode_raises_in_its_caller_only(User, raw):
    alone = await lone_error(User(name="big", age=2**70).asave())
    assert isinstance(alone, OverflowError)
    users = [User(name=f"u{i}") for i in range(4)]
    users[1] = User(name="big", age=2**70)
    got = await asyncio.gather(*(u.asave() for u in users), return_exceptions=True)
    same_error(got[1], alone)
    assert [got[i] for i in (0, 2, 3)] == [users[i].id for i in (0, 2, 3)]
    assert set(stored(raw)) == {users[i].id for i in (0, 2, 3)}


async def every_caller_gets_the_lone_error(coll, expected_type) -> None:
    coll.coalesce = False
    with pytest.raises(expected_type) as alone:
        await coll._upsert_by_id("x", {"v": 1})
    coll.coalesce = None
    got = await asyncio.gather(*(coll._upsert_by_id(i, {"v": i}) for i in range(6)), return_exceptions=True)
    assert coll._coalesced_writes == 1  # one bulk write of six saves
    for exc in got:
        assert type(exc) is type(alone.value), exc
        assert getattr(exc, "code", None) == getattr(alone.value, "code", None)
        # the same words; where the lone error names its command, this one names the bulk write
        assert str(exc) == str(alone.value).replace("replace_one: ", "bulk_write: ", 1)
    assert len({id(e) for e in got}) == len(got)  # each caller its own exception object


async def test_no_server_is_raised_in_every_caller():
    client = AsyncMongoClient(UNREACHABLE_URL)
    try:
        await every_caller_gets_the_lone_error(client["db"]["x"], ServerSelectionTimeoutError)
    finally:
        client.close()


async def test_failed_authentication_is_raised_in_every_caller(settings):
    if not settings.user:
        pytest.fail("this test needs a server with authentication (scripts/ferretdb.sh starts one)")
    client = AsyncMongoClient(settings.url, username=settings.user, password=settings.password + "-wrong")
    try:
        await every_caller_gets_the_lone_error(client[settings.db_name]["x"], ConnectionFailure)
    finally:
        client.close()


# ------------------------------------------------------------------------------ cancellation
async def test_a_caller_cancelled_before_the_send_is_not_written(User, raw, admin_db):
    coll = await User.get_async_collection()
    users = [User(name=f"u{i}") for i in range(5)]
    tasks = [asyncio.ensure_future(u.asave()) for u in users]
    await asyncio.sleep(0)  # every task joined the batch; it is sent at the loop's next pass
    tasks[1].cancel()
    tasks[4].cancel()
    got = await asyncio.gather(*tasks, return_exceptions=True)
    assert isinstance(got[1], asyncio.CancelledError) and isinstance(got[4], asyncio.CancelledError)
    assert [got[i] for i in (0, 2, 3)] == [users[i].id for i in (0, 2, 3)]
    assert set(stored(raw)) == {users[i].id for i in (0, 2, 3)}
    assert (coll._coalesced_writes, coll._coalesced_saves) == (1, 3)
    # every caller cancelled before the send: nothing is sent
    before = update_count(admin_db)
    tasks = [asyncio.ensure_future(User(name=f"c{i}").asave()) for i in range(5)]
    await asyncio.sleep(0)
    for t in tasks:
        t.cancel()
    got = await asyncio.gather(*tasks, return_exceptions=True)
    assert all(isinstance(r, asyncio.CancelledError) for r in got)
    assert update_count(admin_db) == before and coll._coalesced_writes == 1
    assert raw.count_documents({}) == 3


async def test_one_write_at_a_time_later_batches_wait(settings, coll_name, raw):
    async with behind_stall_proxy(settings, coll_name) as (proxy, coll):
        loop = asyncio.get_running_loop()
        proxy.stall()
        first = [asyncio.ensure_future(coll._upsert_by_id(f"a{i}", {"v": i})) for i in range(5)]
        await asyncio.sleep(0.3)  # the first write is on its way, its reply held back
        second = [asyncio.ensure_future(coll._upsert_by_id(f"b{i}", {"v": i})) for i in range(5)]
        await asyncio.sleep(0.3)  # the second batch closed at the loop's next pass: it waits
        assert coll._coalesced_writes == 1 and len(coll._saves_waiting[loop]) == 1
        assert not any(t.done() for t in first + second)
        proxy.resume()
        assert await asyncio.wait_for(asyncio.gather(*first, *second), 10) == [None] * 10
        assert coll._coalesced_writes == 2 and loop not in coll._saves_in_flight
        assert raw.count_documents({}) == 10


async def test_cancelling_every_caller_stops_the_write(settings, coll_name, raw):
    async with behind_stall_proxy(settings, coll_name) as (proxy, coll):
        loop = asyncio.get_running_loop()
        proxy.stall()
        tasks = [asyncio.ensure_future(coll._upsert_by_id(i, {"v": i})) for i in range(5)]
        await asyncio.sleep(0.3)
        batch = coll._saves_in_flight[loop]
        assert batch.future is not None and not batch.future.done()
        waiting = [asyncio.ensure_future(coll._upsert_by_id(f"w{i}", {"v": i})) for i in range(3)]
        await asyncio.sleep(0)
        await asyncio.sleep(0)  # closed, waiting for the write on its way
        t0 = loop.time()
        for t in tasks:
            t.cancel()
        got = await asyncio.gather(*tasks, return_exceptions=True)
        # control back at once: a cancellation that waited for the write would not be back
        # before the proxy resumes or the 20 s socket timeout. 2 s (measured: a few ms) is safe
        # on a loaded 2-core machine and still 10x short of that.
        assert loop.time() - t0 < 2.0
        assert all(isinstance(r, asyncio.CancelledError) for r in got)
        assert batch.token.cancelled and batch.future.cancelled()
        # the running write was stopped by its token: the library dropped its connection
        assert await connections_dropped_by_client(proxy) >= 1
        proxy.resume()
        # the batch that waited was sent when the cancelled write ended
        assert await asyncio.wait_for(asyncio.gather(*waiting), 10) == [None] * 3
        assert {d["_id"] for d in raw.find({})} >= {"w0", "w1", "w2"}


# ------------------------------------------------------------------------------ other collections
async def test_a_collection_of_the_users_own_is_not_coalesced(User, raw):
    """lightodm lets a model's get_async_collection() return any motor-like collection: asave()
    then calls its replace_one, as lightodm does."""
    real = await User.get_async_collection()
    calls: List[Any] = []

    class Recording:  # a user's own wrapper, forwarding to the real collection
        async def replace_one(self, filter: Any, replacement: Any, upsert: bool = False) -> Any:
            calls.append((filter, upsert))
            return await real.replace_one(filter, replacement, upsert=upsert)

    class Wrapped(User):  # type: ignore[valid-type, misc]
        @classmethod
        async def get_async_collection(cls) -> Any:
            return Recording()

    users = [Wrapped(name=f"w{i}") for i in range(3)]
    assert await asyncio.gather(*(u.asave() for u in users)) == [u.id for u in users]
    assert calls == [({"_id": u.id}, True) for u in users]
    assert real._coalesced_writes == 0
    assert set(stored(raw)) == {u.id for u in users}
