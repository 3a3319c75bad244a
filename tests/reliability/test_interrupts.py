"""Ctrl-C, cancellation and deadlines: a blocked call gives control back.

Against this suite's FerretDB, and servers the tests make themselves (tests/support/netfaults.py):
a HungServer accepts connections and never answers; a StallProxy in front of FerretDB holds back
the replies of a call that has been sent.

- Ctrl-C (interrupt_driver.py, a process per scenario, the library's default timeouts): SIGINT
  during each kind of blocking sync call raises KeyboardInterrupt within INTERRUPT_BOUND_S; a
  signal handler of the user's runs within the same time, before the call returns (and a call
  whose handler returns goes on); afterwards the same client works, and the interrupted call's
  connection was dropped (its held reply is never read as another call's); 1,000 interrupts
  leave RSS and the thread count flat.
- Cancellation: a cancelled (or wait_for-timed-out) async call returns control at once; 1,000
  cancelled aget() against a hung server do not delay a later call to FerretDB; an async
  iteration left early kills its server-side cursor (FerretDB has no open-cursor count: the
  test counts the killCursors commands it received, serverStatus.metrics.commands).
- Deadlines: max_time_ms on every read and aggregate (the server's ExecutionTimeout), and the
  URL's timeoutMS bounding a whole call (NetworkTimeout, .timeout is True).
"""

from __future__ import annotations

import asyncio
import json
import os
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path
from typing import Dict, List

import pytest

from mongo_odm import MongoBaseModel, connect
from mongo_odm._async import AsyncMongoClient
from mongo_odm.client import MongoClient
from mongo_odm.errors import ExecutionTimeout, NetworkTimeout, OperationFailure, PyMongoError
from netfaults import HungServer, StallProxy, parse_host_port
from odm_state import make_model

HERE = Path(__file__).resolve().parent
DRIVER = HERE / "interrupt_driver.py"
# The bound for Ctrl-C, SIGINT to KeyboardInterrupt (measured: 0-6 ms). Safe on a loaded 2-core
# machine: load only adds the scheduling of the driver process, tens to hundreds of ms. Still
# fails a Ctrl-C seen only when the call ends: every call here would otherwise wait at least 2 s
# more after the SIGINT (the handler test's proxy holds the reply until then; connect() and the
# hung server's calls wait for the 5 s serverSelectionTimeoutMS, stalled replies for the 20 s
# socketTimeoutMS). It was 0.5 s.
INTERRUPT_BOUND_S = 1.0
SIGINT_AFTER_S = 1.0
# How late a cancelled or timed-out async call may give control back (measured: under 1 ms past
# the cancel or timeout); see each use for why it is safe under load and still separates.
LATE_S = 2.0
# Clock granularity: libmongoc counts timeoutMS in whole milliseconds.
EPSILON_S = 0.01


# ------------------------------------------------------------------------------ Ctrl-C
def run_driver(server, db_name: str, *args: str, sigint: bool = True, timeout: float = 120) -> List[Dict]:
    """Runs interrupt_driver.py; sends SIGINT SIGINT_AFTER_S after it reports "calling" (once).
    Returns its events, each with "sigint_t" added when one was sent."""
    env = dict(os.environ, MONGO_URL=server.url, MONGO_DB_NAME=db_name, PYTHONUNBUFFERED="1")
    env["MONGO_USER"] = server.user or ""
    env["MONGO_PASSWORD"] = server.password or ""
    proc = subprocess.Popen([sys.executable, str(DRIVER), *args], stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                            text=True, env=env)
    events: List[Dict] = []
    sigint_t = None
    deadline = time.monotonic() + timeout
    assert proc.stdout is not None
    for line in proc.stdout:
        event = json.loads(line)
        events.append(event)
        if event["event"] == "calling" and sigint and sigint_t is None:
            time.sleep(SIGINT_AFTER_S)
            sigint_t = time.monotonic()
            proc.send_signal(signal.SIGINT)
        if time.monotonic() > deadline:
            proc.kill()
            break
    proc.wait(timeout=30)
    stderr = proc.stderr.read() if proc.stderr else ""
    assert proc.returncode == 0, f"driver {args} exited {proc.returncode}:\n{stderr[-3000:]}"
    for e in events:
        e["sigint_t"] = sigint_t
    return events


def event(events: List[Dict], name: str) -> Dict:
    found = [e for e in events if e["event"] == name]
    assert found, f"no {name!r} event in {events}"
    return found[0]


def latency(events: List[Dict]) -> float:
    got = event(events, "interrupted")
    assert got["exc"] == "KeyboardInterrupt", got
    return got["t"] - got["sigint_t"]


STALLED_CALLS = ["get", "find", "find_iter", "find_one", "save", "insert_many", "update", "delete", "count",
                 "aggregate", "ping"]


@pytest.mark.watchdog(300)
def test_ctrl_c_during_each_blocking_call(server, db_name, report):
    """SIGINT while each kind of call waits for its reply (held back by a proxy): KeyboardInterrupt
    within the bound; then the same client works, on another connection."""
    figures = {}
    for op in STALLED_CALLS:
        events = run_driver(server, db_name, "stall", op)
        took = latency(events)
        figures[op] = took
        assert took <= INTERRUPT_BOUND_S, f"{op}: KeyboardInterrupt came {took:.3f} s after SIGINT"
        done = event(events, "done")
        assert done["after_get_b"] == 1, f"{op}: the client did not work afterwards: {done}"
        assert {"A", "B", "D", "H"} <= set(done["listed"]), done  # a whole, correct answer
        assert done["dropped_connections"] >= 1, f"{op}: the interrupted call's connection was not dropped: {done}"
    worst = max(figures.values())
    report("interrupts (Ctrl-C, stalled reply, default timeouts): " +
           ", ".join(f"{op} {t * 1000:.0f} ms" for op, t in figures.items()) +
           f"; worst {worst * 1000:.0f} ms (bound {INTERRUPT_BOUND_S * 1000:.0f} ms); the same client worked after each")


@pytest.mark.watchdog(120)
def test_ctrl_c_during_coalesced_agets(server, db_name, report):
    """SIGINT while asyncio.run() waits for 300 concurrent aget() coalesced into batches of 100
    whose replies a proxy holds back: KeyboardInterrupt within the bound, every batch stopped
    (its connection dropped), and the same client works afterwards."""
    events = run_driver(server, db_name, "astall", "aget")
    took = latency(events)
    done = event(events, "done")
    report(f"interrupts (Ctrl-C, asyncio.run of 300 coalesced aget(), stalled replies): {took * 1000:.0f} ms; "
           f"{done['batches']} batches, {done['dropped_connections']} connections dropped")
    assert took <= INTERRUPT_BOUND_S
    assert done["batches"] == 3, done  # 300 distinct ids, 100 a batch
    assert done["after_aget_b"] == 1, done
    assert done["dropped_connections"] >= 3, done  # each batch's query was stopped


@pytest.mark.watchdog(120)
def test_ctrl_c_during_connect_to_a_hung_server(server, db_name, report):
    events = run_driver(server, db_name, "hung", "connect")
    took = latency(events)
    report(f"interrupts (Ctrl-C, connect() to a server that never answers): {took * 1000:.0f} ms")
    assert took <= INTERRUPT_BOUND_S
    assert event(events, "done")["accepted"] >= 1  # the connection was made: it was waiting for a reply


@pytest.mark.watchdog(120)
def test_users_signal_handler_runs_during_a_call(server, db_name, report):
    # A handler that raises: its exception ends the call.
    events = run_driver(server, db_name, "handler", "raise")
    got = event(events, "interrupted")
    assert got["exc"] == "RuntimeError" and "user's handler" in got["message"], got
    took = got["t"] - got["sigint_t"]
    assert took <= INTERRUPT_BOUND_S, took
    # A handler that returns: it runs within the bound, and the call goes on to its result.
    events = run_driver(server, db_name, "handler", "continue")
    ran = event(events, "done")["handler_ran"]
    assert len(ran) == 1, ran
    ran_after = ran[0] - events[0]["sigint_t"]
    assert ran_after <= INTERRUPT_BOUND_S, ran_after
    returned = event(events, "returned")
    assert ran[0] < returned["t"], (ran, returned)  # ordering: the handler ran during the call, not after it
    assert returned["v"] == 7
    report(f"interrupts (user's SIGINT handler): raising handler ended the call after {took * 1000:.0f} ms; "
           f"returning handler ran after {ran_after * 1000:.0f} ms and the call completed")


@pytest.mark.watchdog(300)
def test_a_thousand_interrupts_leave_memory_and_threads_flat(server, db_name, report):
    events = run_driver(server, db_name, "loop", "1000", sigint=False, timeout=280)
    done = event(events, "done")
    growth = (done["rss_end_kib"] - done["rss_start_kib"]) / 1024
    report(f"interrupts (1,000 SIGINTs during calls to a hung server): median {done['median_s'] * 1000:.0f} ms, "
           f"max {done['max_s'] * 1000:.0f} ms from the call's start; RSS {done['rss_start_kib'] / 1024:.1f} -> "
           f"{done['rss_end_kib'] / 1024:.1f} MiB ({growth:+.1f}); threads {done['threads_start']} -> {done['threads_end']}")
    assert done["interrupts"] == 1000
    assert done["threads_end"] == done["threads_start"], done
    assert growth < 4.0, done
    assert done["max_s"] <= INTERRUPT_BOUND_S, done


# ------------------------------------------------------------------------------ cancellation
def hung_model(url: str):
    """A model whose collections live on a server that never answers."""
    sync = MongoClient(url)
    aclient = AsyncMongoClient(url)

    class Hung(MongoBaseModel):
        class Settings:
            name = "hung"

        v: int = 0

        @classmethod
        def get_collection(cls):
            return sync["interrupts"]["hung"]

        @classmethod
        async def get_async_collection(cls):
            return aclient["interrupts"]["hung"]

    return Hung, sync, aclient


def make_item(collection: str):
    return make_model("Item", collection, v=int)


@pytest.mark.watchdog(120)
def test_cancelled_async_calls_return_at_once(report):
    with HungServer() as hung:
        Hung, sync, aclient = hung_model(hung.url)

        async def scenario():
            # task.cancel()
            task = asyncio.create_task(Hung.aget("x"))
            await asyncio.sleep(0.3)
            t0 = time.monotonic()
            task.cancel()
            with pytest.raises(asyncio.CancelledError):
                await task
            cancel_s = time.monotonic() - t0
            # asyncio.wait_for's timeout
            t0 = time.monotonic()
            with pytest.raises(asyncio.TimeoutError):
                await asyncio.wait_for(Hung.afind({}), 0.2)
            wait_for_s = time.monotonic() - t0
            return cancel_s, wait_for_s

        cancel_s, wait_for_s = asyncio.run(scenario())
        sync.close()
        aclient.close()
    report(f"cancellation: task.cancel() of aget() on a hung server returned after {cancel_s * 1000:.1f} ms; "
           f"wait_for(afind(), 0.2 s) raised after {wait_for_s:.3f} s")
    # Measured: 0.5 ms and 0.202 s. A cancelled call that waited for the hung server would take
    # the 5 s serverSelectionTimeoutMS; LATE_S (2 s) of scheduling delay on a loaded 2-core
    # machine is 10x more than load adds, and still short of that. The lower bound of wait_for
    # cannot be broken by load (its timer starts inside the call and only fires late).
    assert cancel_s < LATE_S
    assert 0.2 - EPSILON_S <= wait_for_s < 0.2 + LATE_S


@pytest.mark.watchdog(180)
def test_a_thousand_cancelled_agets_do_not_delay_a_healthy_call(server, use_server, db_name, report):
    use_server(server)
    Item = make_item("healthy")
    connect(db_name=db_name)
    Item(id="h", v=1).save()
    with HungServer() as hung:
        Hung, sync, aclient = hung_model(hung.url)

        async def scenario():
            tasks = [asyncio.create_task(Hung.aget(str(i))) for i in range(1000)]
            await asyncio.sleep(0.3)
            for t in tasks:
                t.cancel()
            results = await asyncio.gather(*tasks, return_exceptions=True)
            assert all(isinstance(r, asyncio.CancelledError) for r in results)
            t0 = time.monotonic()
            got = await Item.aget("h")
            return time.monotonic() - t0, got

        took, got = asyncio.run(scenario())
        sync.close()
        aclient.close()
    report(f"cancellation: after 1,000 cancelled aget() on a hung server, an aget() on FerretDB took {took * 1000:.0f} ms "
           f"(bound {LATE_S:.0f} s, short of the 5 s serverSelectionTimeoutMS)")
    assert got is not None and got.v == 1
    # The workers were freed: held by the 1,000 hung calls, the aget() would wait for their 5 s
    # serverSelectionTimeoutMS (at least 4.7 s from t0). Measured: 21 ms; LATE_S (2 s) is safe
    # under load (scheduling adds tens to hundreds of ms) and short of 4.7 s.
    assert took < LATE_S


def kill_cursors_count(client: MongoClient, db_name: str) -> int:
    status = client[db_name].command("serverStatus")
    return status["metrics"]["commands"].get("killCursors", {}).get("total", 0)


@pytest.mark.watchdog(120)
def test_an_abandoned_cursor_is_killed_on_the_server(server, use_server, db_name, report):
    use_server(server)
    Item = make_item("cursors")
    connect(db_name=db_name)
    # More than one fetch of the async cursor (512 documents) in batches of 100: an iteration
    # left early leaves a server-side cursor behind.
    Item.insert_many([Item(v=i) for i in range(1500)])
    observer = MongoClient(server.url, username=server.user, password=server.password)
    try:
        async def break_out():
            async for _ in Item.afind_iter({}, batch_size=100):
                break

        async def aclose():
            iterator = Item.afind_iter({}, batch_size=100)
            await iterator.__anext__()
            await iterator.aclose()

        async def cancelled_mid_iteration():
            iterating = asyncio.Event()

            async def consume():
                async for _ in Item.afind_iter({}, batch_size=100):
                    iterating.set()
                    await asyncio.sleep(0.05)

            task = asyncio.create_task(consume())
            # ordering, not a 0.2 s sleep assumed long enough: cancelled once the cursor exists
            await asyncio.wait_for(iterating.wait(), 60)
            task.cancel()
            with pytest.raises(asyncio.CancelledError):
                await task

        def sync_break():
            for _ in Item.find_iter({}, batch_size=100):
                break

        killed = {}
        for name, run in [("break out of async for", lambda: asyncio.run(break_out())),
                          ("aclose()", lambda: asyncio.run(aclose())),
                          ("task cancelled while iterating", lambda: asyncio.run(cancelled_mid_iteration())),
                          ("break out of find_iter", sync_break)]:
            before = kill_cursors_count(observer, db_name)
            run()
            # the async generator's finalizer runs on the loop's next turns: polled up to 10 s (it
            # is seen at once); the wait costs time only when the test fails, and load cannot
            # stretch it to 10 s
            deadline = time.monotonic() + 10
            while True:
                after = kill_cursors_count(observer, db_name)
                if after > before or time.monotonic() > deadline:
                    break
                time.sleep(0.02)
            killed[name] = after - before
        report("cancellation: killCursors received by the server per abandoned iteration: " +
               ", ".join(f"{k} {v}" for k, v in killed.items()))
        assert all(v >= 1 for v in killed.values()), killed
    finally:
        observer.close()


# ------------------------------------------------------------------------------ deadlines
def fill_slow_collection(Item, n: int = 2000) -> None:
    """Documents whose $regex filter FerretDB evaluates in Go, ~50 us each: a scan of n takes
    far longer than 1 ms (see tests/c/test_errors.c)."""
    Item.insert_many([Item(v=i, s="hit-zz" if i % 100 == 0 else "abcdefghijklmnopqrstuvwxyz0123456789")
                      for i in range(n)])


@pytest.mark.watchdog(120)
def test_max_time_ms_on_every_read(server, use_server, db_name, report):
    use_server(server)

    class Scan(MongoBaseModel):
        class Settings:
            name = "scan"

        v: int
        s: str

    connect(db_name=db_name)
    fill_slow_collection(Scan)
    slow = {"s": {"$regex": "zz$"}}
    nothing = {"s": {"$regex": "^no match$"}}  # find_one scans all of it (limit 1 ends the others early)
    assert Scan.count(slow) == 20  # without a limit
    calls = {
        "get": lambda: Scan.get("none", max_time_ms=1),
        "find_one": lambda: Scan.find_one(nothing, max_time_ms=1),
        "find": lambda: Scan.find(slow, max_time_ms=1),
        "find_iter": lambda: list(Scan.find_iter(slow, max_time_ms=1)),
        "count": lambda: Scan.count(slow, max_time_ms=1),
        "aggregate": lambda: Scan.aggregate([{"$match": slow}], maxTimeMS=1),
        "aggregate (max_time_ms)": lambda: Scan.aggregate([{"$match": slow}], max_time_ms=1),
        "aget": lambda: asyncio.run(Scan.aget("none", max_time_ms=1)),
        "afind": lambda: asyncio.run(Scan.afind(slow, max_time_ms=1)),
        "afind_one": lambda: asyncio.run(Scan.afind_one(nothing, max_time_ms=1)),
        "acount": lambda: asyncio.run(Scan.acount(slow, max_time_ms=1)),
        "aaggregate": lambda: asyncio.run(Scan.aaggregate([{"$match": slow}], max_time_ms=1)),
    }
    # get() looks up an _id, which FerretDB answers at once: its limit is proven on a filter
    # FerretDB must scan for, through find_one (what get() calls).
    calls.pop("get")
    calls.pop("aget")
    misreported = []
    for name, call in calls.items():
        # FerretDB 1.24 races its own deadline: when SQLite sees the interrupt before Go sees
        # the cancelled context, the reply is code 1 "[... handleMaxTimeMSError] ... interrupted
        # (9)" instead of code 50 (its msg_find.go; seen once in six test runs). That reply
        # proves the limit reached the server but says nothing about our mapping, so the call is
        # made again (at most twice more): each call must end in ExecutionTimeout code 50 once.
        for attempt in range(3):
            try:
                call()
            except ExecutionTimeout as e:
                assert e.code == 50 and e.timeout, name
                break
            except OperationFailure as e:
                if not (e.code == 1 and "handleMaxTimeMSError" in str(e) and "interrupted (9)" in str(e)):
                    raise
                misreported.append(name)
            else:
                pytest.fail(f"{name}: max_time_ms=1 did not time out")
        else:
            pytest.fail(f"{name}: FerretDB misreported its deadline three times in a row")
    # get() and aget() pass max_time_ms on: a bad one is refused by the option's check, a
    # generous one does not get in the way
    with pytest.raises(TypeError, match="max_time_ms"):
        Scan.get("none", max_time_ms="soon")
    assert Scan.get("none", max_time_ms=60000) is None
    assert asyncio.run(Scan.aget("none", max_time_ms=60000)) is None
    report(f"deadlines: max_time_ms=1 raised ExecutionTimeout (code 50) for {', '.join(calls)}"
           + (f"; FerretDB answered code 1 'interrupted' first for {misreported}" if misreported else ""))


@pytest.mark.watchdog(120)
def test_timeout_ms_bounds_a_whole_call(server, db_name, report):
    figures = {}
    with HungServer() as hung:
        # timeoutMS shorter than serverSelectionTimeoutMS: the call ends at timeoutMS
        client = MongoClient(hung.url, timeoutMS=300, serverSelectionTimeoutMS=5000)
        coll = client["interrupts"]["items"]
        for name, call in [("find_one", lambda: coll.find_one({})), ("insert_one", lambda: coll.insert_one({"x": 1})),
                           ("count_documents", lambda: coll.count_documents({})), ("find", lambda: list(coll.find({})))]:
            t0 = time.monotonic()
            with pytest.raises(PyMongoError) as info:
                call()
            figures[f"hung server, {name}"] = time.monotonic() - t0
            assert info.value.timeout, (name, info.value)
            assert isinstance(info.value, NetworkTimeout), (name, type(info.value))
            assert "timeoutMS=300" in str(info.value)
        client.close()
    with StallProxy(parse_host_port(server.url)) as proxy:
        client = MongoClient(proxy.url(timeoutMS=400), username=server.user, password=server.password)
        coll = client[db_name]["items"]
        coll.insert_one({"_id": 1})
        proxy.stall()
        t0 = time.monotonic()
        with pytest.raises(NetworkTimeout):
            coll.find_one({"_id": 1})
        figures["stalled reply, find_one"] = time.monotonic() - t0
        proxy.resume()
        assert coll.find_one({"_id": 1}) == {"_id": 1}  # the same client, after the timeout
        client.drop_database(db_name)
        client.close()
    report("deadlines: timeoutMS ended calls after " + ", ".join(f"{k} {v:.2f} s" for k, v in figures.items()))
    for name, took in figures.items():
        limit = 0.4 if "stalled" in name else 0.3
        # not before timeoutMS (its clock starts inside the call: load cannot make it earlier),
        # and at most LATE_S (2 s) after it: safe under load, and short of what an ignored
        # timeoutMS would give (the 5 s serverSelectionTimeoutMS, the 20 s socketTimeoutMS)
        assert limit - EPSILON_S <= took < limit + LATE_S, (name, took)
