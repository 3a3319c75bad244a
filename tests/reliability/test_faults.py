"""Server faults seen from Python: the server killed (kill -9) or frozen (SIGSTOP) during a
stream of saves from threads and from asyncio, then brought back; and a server that never
comes up (nothing listens on its port).

What is asserted:
- during the outage every call fails with ConnectionFailure (pymongo's class; a
  ConnectionError), no call takes longer than upper_bound_s(its timeout) (3 s for the 1 s here), nothing hangs
  (the suite's watchdog) and nothing crashes;
- after the restart the same MongoConnection, the same sync client and the same async client
  work again: nothing is recreated;
- every save acknowledged before or after the kill is in the database afterwards, with the
  content it was saved with.
"""

from __future__ import annotations

import asyncio
import signal
import os
import threading
import time
from typing import Dict, List, Optional, Tuple

import pytest

from ferretdb_ctl import Server
from mongo_odm import MongoConnection, connect, get_mongo_connection
from mongo_odm._async import AsyncMongoClient
from mongo_odm.client import MongoClient
from mongo_odm.errors import ConnectionFailure, ServerSelectionTimeoutError
from odm_state import make_model
from ports import free_port
from rel_util import rel_server

TIMEOUT_S = 1.0  # serverSelectionTimeoutMS (and socket/connect timeouts where set) of these tests
# Clock granularity: libmongoc counts the timeout in whole milliseconds on its own clock.
EPSILON_S = 0.1


def upper_bound_s(timeout_s: float) -> float:
    """The longest a call with this timeout may take: twice the timeout, at least the timeout +
    2 s (3 s for the 1 s here). Safe on a loaded 2-core machine: a call measured there takes the
    timeout + at most about 0.1 s (a refused connect on loopback, the executor hop of the async
    API); load adds scheduling delays of tens to hundreds of ms against 2 s of slack. Still
    separates: 3 s is short of the library's 5 s default that applies if the option were ignored.
    (It was the timeout + 1.5 s.)"""
    return timeout_s + max(timeout_s, 2.0)

OUTAGE_S = 2.5
AFTER_RESTART_MIN = 10  # successes each writer needs after the server is back


def entry_model(collection: str):
    return make_model("Entry", collection, i=int)


class Writer:
    """One stream of saves into a collection of its own; records every call."""

    def __init__(self, label: str) -> None:
        self.label = label
        self.model = entry_model(label)
        self.acked: Dict[str, int] = {}
        self.calls = 0
        self.failures: List[Tuple[float, BaseException]] = []  # (start, error)
        self.max_call_s = 0.0
        self.after_back_ok = 0
        self.next_i = 0

    def _doc(self):
        i = self.next_i
        self.next_i += 1
        return self.model(id=f"s{i}", i=i), i

    def _record(self, start: float, doc_id: str, i: int, error: Optional[BaseException], back: bool) -> None:
        took = time.monotonic() - start
        self.max_call_s = max(self.max_call_s, took)
        self.calls += 1
        if error is None:
            self.acked[doc_id] = i
            if back:
                self.after_back_ok += 1
        else:
            self.failures.append((start, error))

    def save_once(self, back: bool) -> None:
        doc, i = self._doc()
        start = time.monotonic()
        try:
            doc.save()
            error = None
        except Exception as e:  # recorded and judged below
            error = e
        self._record(start, doc.id, i, error, back)

    async def asave_once(self, back: bool) -> None:
        doc, i = self._doc()
        start = time.monotonic()
        try:
            await doc.asave()
            error = None
        except Exception as e:
            error = e
        self._record(start, doc.id, i, error, back)


class Outage:
    """Runs thread writers and asyncio writers until told to stop and each has
    AFTER_RESTART_MIN successes after the server came back."""

    def __init__(self, threads: int, tasks: int) -> None:
        self.thread_writers = [Writer(f"thread{k}") for k in range(threads)]
        self.task_writers = [Writer(f"task{k}") for k in range(tasks)]
        self.back = threading.Event()
        self.stop = threading.Event()
        self.deadline = float("inf")
        self._threads: List[threading.Thread] = []
        self.loop_error: Optional[BaseException] = None

    @property
    def writers(self) -> List[Writer]:
        return self.thread_writers + self.task_writers

    def _finished(self, w: Writer) -> bool:
        if time.monotonic() > self.deadline:
            return True
        return self.stop.is_set() and w.after_back_ok >= AFTER_RESTART_MIN

    def _thread_main(self, w: Writer) -> None:
        while not self._finished(w):
            w.save_once(self.back.is_set())
            time.sleep(0.005)

    async def _task_main(self, w: Writer) -> None:
        while not self._finished(w):
            await w.asave_once(self.back.is_set())
            await asyncio.sleep(0.005)

    def _loop_main(self) -> None:
        async def main():
            await asyncio.gather(*(self._task_main(w) for w in self.task_writers))

        try:
            asyncio.run(main())
        except BaseException as e:
            self.loop_error = e

    def start(self) -> None:
        for w in self.thread_writers:
            self._threads.append(threading.Thread(target=self._thread_main, args=(w,), name=w.label))
        self._threads.append(threading.Thread(target=self._loop_main, name="event-loop"))
        for t in self._threads:
            t.start()

    def finish(self, back_at: float) -> None:
        self.back.set()
        self.deadline = back_at + 60
        self.stop.set()
        for t in self._threads:
            t.join(timeout=90)
            assert not t.is_alive(), f"{t.name} still running 90 s after the server came back: a hang"
        assert self.loop_error is None, repr(self.loop_error)

    def check(self, down_at: float, back_at: float, timeout_s: float, report, what: str) -> None:
        calls = sum(w.calls for w in self.writers)
        acked = sum(len(w.acked) for w in self.writers)
        failed = sum(len(w.failures) for w in self.writers)
        slowest = max(w.max_call_s for w in self.writers)
        report(
            f"faults ({what}): {calls} saves from {len(self.thread_writers)} threads + "
            f"{len(self.task_writers)} asyncio tasks, {acked} acknowledged, {failed} failed during the "
            f"{back_at - down_at:.1f} s outage; slowest call {slowest:.2f} s (bound {upper_bound_s(timeout_s):.1f} s)"
        )
        for w in self.writers:
            wrong = [e for _, e in w.failures if not isinstance(e, ConnectionFailure)]
            assert not wrong, f"{w.label}: failures that are not ConnectionFailure: {wrong[:3]!r}"
            # safe under load: a writer keeps calling for the whole outage and every call then
            # fails; load only makes it call less often, and one call in 2.5 s always happens
            assert w.failures, f"{w.label} saw no failure during a {OUTAGE_S} s outage"
            # none began once the server had been back longer than a call may take (the monitor
            # rediscovers it within a 0.5 s heartbeat; load delays that far less than 3 s)
            late = [start - back_at for start, _ in w.failures if start > back_at + upper_bound_s(timeout_s)]
            assert not late, f"{w.label}: calls failed {late} s after the server was back"
            assert w.after_back_ok >= AFTER_RESTART_MIN, f"{w.label}: {w.after_back_ok} successes after the restart"
        assert slowest <= upper_bound_s(timeout_s), f"a call took {slowest:.2f} s"  # see upper_bound_s


def connect_singleton(server: Server, url: str, db_name: str):
    connect(url, server.user, server.password, db_name)
    conn = get_mongo_connection()
    async_client = asyncio.run(conn.get_async_client())
    return conn, conn.client, async_client


def assert_same_connection_works(conn, sync_client, async_client, outage: Outage) -> None:
    assert MongoConnection._instance is conn and get_mongo_connection() is conn
    assert conn.client is sync_client, "the sync client was recreated"
    assert conn._async_client is async_client, "the async client was recreated"
    assert sync_client.admin.command("ping")["ok"] == 1.0
    w = outage.thread_writers[0]
    some_id, some_i = next(iter(w.acked.items()))
    assert w.model.get(some_id).i == some_i
    t = outage.task_writers[0]
    some_id, some_i = next(iter(t.acked.items()))
    assert asyncio.run(t.model.aget(some_id)).i == some_i


def assert_nothing_acknowledged_lost(server: Server, db_name: str, outage: Outage) -> None:
    """Reads every collection back through a client of its own: each acknowledged save is
    there with its content."""
    client = MongoClient(server.url_with(serverSelectionTimeoutMS=5000), username=server.user, password=server.password)
    try:
        for w in outage.writers:
            stored = {doc["_id"]: doc["i"] for doc in client[db_name][w.label].find({})}
            lost = [doc_id for doc_id in w.acked if doc_id not in stored]
            assert not lost, f"{w.label}: {len(lost)} acknowledged saves are not in the database: {lost[:5]}"
            changed = [doc_id for doc_id, i in w.acked.items() if stored[doc_id] != i]
            assert not changed, f"{w.label}: stored content differs for {changed[:5]}"
            # nothing appeared that was not attempted
            assert set(stored) <= {f"s{i}" for i in range(w.next_i)}
    finally:
        client.close()


@pytest.mark.watchdog(180)
def test_kill9_during_saves_then_restart(fault_server, use_server, db_name, report):
    server = use_server(fault_server, serverSelectionTimeoutMS=int(TIMEOUT_S * 1000))
    url = server.url_with(serverSelectionTimeoutMS=int(TIMEOUT_S * 1000))
    conn, sync_client, async_client = connect_singleton(server, url, db_name)

    outage = Outage(threads=3, tasks=3)
    outage.start()
    time.sleep(1.0)
    down_at = time.monotonic()
    server.kill9()
    time.sleep(OUTAGE_S)
    server.start()  # same name: same data directory and port
    back_at = time.monotonic()
    outage.finish(back_at)

    outage.check(down_at, back_at, TIMEOUT_S, report, "kill -9 and restart")
    assert_same_connection_works(conn, sync_client, async_client, outage)
    assert_nothing_acknowledged_lost(server, db_name, outage)


@pytest.mark.watchdog(180)
def test_frozen_server_then_resumed(fault_server, use_server, db_name, report):
    """SIGSTOP: connections stay open but nothing answers. Calls fail within the socket
    timeout (or the connect/selection timeout for new connections) instead of hanging."""
    options = {f"{name}TimeoutMS": int(TIMEOUT_S * 1000) for name in ("serverSelection", "socket", "connect")}
    server = use_server(fault_server, **options)
    conn, sync_client, async_client = connect_singleton(server, server.url_with(**options), db_name)

    outage = Outage(threads=2, tasks=2)
    outage.start()
    time.sleep(1.0)
    down_at = time.monotonic()
    os.kill(server.pid, signal.SIGSTOP)
    try:
        time.sleep(OUTAGE_S)
    finally:
        os.kill(server.pid, signal.SIGCONT)
    back_at = time.monotonic()
    outage.finish(back_at)

    outage.check(down_at, back_at, TIMEOUT_S, report, "SIGSTOP and SIGCONT")
    assert_same_connection_works(conn, sync_client, async_client, outage)
    assert_nothing_acknowledged_lost(server, db_name, outage)


def timed(fn):
    start = time.monotonic()
    try:
        fn()
    except BaseException as e:
        return e, time.monotonic() - start
    raise AssertionError(f"{fn} succeeded against a server that is not there")


def assert_within_timeout(took: float, what: str, report) -> None:
    report(f"faults (server never up): {what} failed after {took:.2f} s (serverSelectionTimeoutMS {TIMEOUT_S:.1f} s)")
    # not before the timeout (load cannot make it fire earlier), at most upper_bound_s after
    assert TIMEOUT_S - EPSILON_S <= took <= upper_bound_s(TIMEOUT_S), f"{what} took {took:.2f} s"


@pytest.mark.watchdog(120)
def test_server_never_up_then_late(monkeypatch, db_name, report):
    """Nothing listens: every entry point fails with the connection error within
    serverSelectionTimeoutMS. Then a server appears on that port: the client made before it
    existed works without being recreated, and so does the singleton."""
    port = free_port()  # nothing listens there
    late = rel_server("late", password="late-server-password")
    late.port = str(port)
    url = f"mongodb://127.0.0.1:{port}/?serverSelectionTimeoutMS={int(TIMEOUT_S * 1000)}"
    monkeypatch.setenv("MONGO_URL", url)
    monkeypatch.setenv("MONGO_USER", late.user)
    monkeypatch.setenv("MONGO_PASSWORD", late.password)
    monkeypatch.setenv("MONGO_DB_NAME", db_name)
    Entry = entry_model("never")

    # the singleton (connect pings), sync and async
    e, took = timed(lambda: connect(url, db_name=db_name))
    assert isinstance(e, ConnectionError) and isinstance(e.__cause__, ConnectionFailure), repr(e)
    assert_within_timeout(took, "connect()", report)
    assert MongoConnection._instance is not None and MongoConnection._instance._client is None
    e, took = timed(lambda: Entry(i=1).save())
    assert isinstance(e, ConnectionError) and "Failed to initialize MongoDB" in str(e), repr(e)
    assert_within_timeout(took, "Model.save()", report)
    e, took = timed(lambda: asyncio.run(Entry(i=1).asave()))  # through the singleton, as in lightodm
    assert isinstance(e, ConnectionError) and "Failed to initialize MongoDB" in str(e), repr(e)
    assert_within_timeout(took, "Model.asave()", report)
    async_client = AsyncMongoClient(url, username=late.user, password=late.password)
    e, took = timed(lambda: asyncio.run(async_client[db_name]["never"].insert_one({"_id": 1})))
    assert isinstance(e, ServerSelectionTimeoutError), repr(e)
    assert_within_timeout(took, "AsyncMongoClient insert_one()", report)

    # a client of one's own: made without a server call; each operation fails
    client = MongoClient(url, username=late.user, password=late.password)
    coll = client[db_name]["never"]
    e, took = timed(lambda: coll.insert_one({"_id": 1}))
    assert isinstance(e, ServerSelectionTimeoutError), repr(e)
    assert_within_timeout(took, "insert_one()", report)
    e, took = timed(lambda: list(coll.find({})))
    assert isinstance(e, ServerSelectionTimeoutError), repr(e)
    assert_within_timeout(took, "find()", report)

    # the server comes up late, on that port
    try:
        late.start()
        coll.insert_one({"_id": 1})  # the same client
        assert coll.find_one({"_id": 1}) == {"_id": 1}
        saved = Entry(i=2)
        saved.save()  # the singleton connects now
        assert Entry.get(saved.id).i == 2
        assert asyncio.run(Entry.aget(saved.id)).i == 2
        # the same async client: sees both documents
        assert asyncio.run(async_client[db_name]["never"].count_documents({})) == 2
        async_client.close()
        client.drop_database(db_name)
        client.close()
        MongoConnection._instance.close_connection()
    finally:
        late.remove()


@pytest.mark.watchdog(120)
def test_client_collected_while_server_frozen_holds_only_its_thread(fault_server, use_server, db_name, report):
    """A MongoClient and a cursor dropped without close() are destroyed by whichever thread
    collects them. Against a frozen server that destruction waits (the pool's endSessions, the
    cursor's killCursors) up to the socket timeout; it must hold only the collecting thread,
    never the GIL: the main thread keeps running meanwhile. (Found by the SIGSTOP test above,
    where a client of the previous test, collected during the freeze, stopped every thread.)"""
    server = use_server(fault_server)
    timeout_ms = 3000
    url = server.url_with(socketTimeoutMS=timeout_ms, serverSelectionTimeoutMS=timeout_ms, connectTimeoutMS=timeout_ms)
    held = [MongoClient(url, username=server.user, password=server.password)]
    held[0][db_name]["collected"].insert_many([{"i": i} for i in range(50)])
    cursor = held[0][db_name]["collected"].find({}, batch_size=5)
    assert next(cursor)["i"] == 0  # a server cursor is open: destroying it sends killCursors
    held.append(cursor)
    del cursor

    destroyed = {}

    def collect() -> None:
        destroyed["start"] = time.monotonic()
        held.clear()  # the last references: the destructors run here, in this thread
        destroyed["end"] = time.monotonic()

    os.kill(server.pid, signal.SIGSTOP)
    try:
        collector = threading.Thread(target=collect, name="collector")
        ticks: List[float] = []
        collector.start()
        while collector.is_alive():
            ticks.append(time.monotonic())
            time.sleep(0.01)
        collector.join()
    finally:
        os.kill(server.pid, signal.SIGCONT)

    took = destroyed["end"] - destroyed["start"]
    during = [t for t in ticks if destroyed["start"] <= t <= destroyed["end"]]
    gaps = [b - a for a, b in zip(during, during[1:])]
    report(
        f"faults (client and cursor collected while the server is frozen): destruction took {took:.2f} s "
        f"(socketTimeoutMS {timeout_ms / 1000:.1f} s); the main thread ran {len(during)} times meanwhile, "
        f"largest gap {max(gaps, default=0.0):.2f} s"
    )
    # The destruction did wait on the frozen server (otherwise this test proves nothing) ...
    assert took >= 1.0, f"destruction took {took:.2f} s: it did not wait on the frozen server"
    # ... and the main thread kept running while it did: ordering, not a tight bound. A
    # destructor holding the GIL allows no tick inside the window (one at most, at its start).
    assert len(during) >= 10, f"the main thread ran {len(during)} times during a {took:.2f} s destruction"
