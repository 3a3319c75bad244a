"""One Ctrl-C scenario in a process of its own, driven by test_interrupts.py.

    interrupt_driver.py stall <op>      a call whose reply a proxy holds back; SIGINT comes from
                                         the test; afterwards the same connection is used again
    interrupt_driver.py hung connect    connect() to a server that never answers
    interrupt_driver.py handler raise|continue
                                         a signal handler of the user's during a stalled call
    interrupt_driver.py loop <n>        n calls to a hung server, each interrupted by a SIGINT
                                         the process sends itself; RSS and threads before/after
    interrupt_driver.py astall aget     asyncio.run() of 300 concurrent aget() (coalesced into
                                         batches) whose replies a proxy holds back; SIGINT from
                                         the test; afterwards an aget() on the same client

The environment names FerretDB (MONGO_URL, MONGO_USER, MONGO_PASSWORD, MONGO_DB_NAME). The
process prints one JSON object per line: {"event": "calling", "t": <time.monotonic()>} right
before the call that is to be interrupted (the test sends SIGINT a second later; Linux's
monotonic clock is the same in both processes), then {"event": "interrupted", "exc": <class>,
"t": ...} when the exception arrives, and finally {"event": "done", ...} with what it checked
afterwards.
"""

from __future__ import annotations

import asyncio
import json
import os
import signal
import sys
import threading
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "support"))

from netfaults import HungServer, StallProxy, parse_host_port  # noqa: E402

import mongo_odm  # noqa: E402
from mongo_odm import MongoBaseModel, connect  # noqa: E402


def emit(**fields) -> None:
    print(json.dumps(fields), flush=True)


class Item(MongoBaseModel):
    class Settings:
        name = "interrupt_items"

    v: int


def op_call(op: str):
    """The call of `op`, as a function of no arguments."""
    return {
        "get": lambda: Item.get("A"),
        "find": lambda: Item.find({}),
        "find_one": lambda: Item.find_one({"v": 1}),
        "save": lambda: Item(id="C", v=3).save(),
        "insert_many": lambda: Item.insert_many([Item(v=100 + i) for i in range(10)]),
        "update": lambda: Item.update_one({"_id": "A"}, {"$set": {"v": 1}}),
        "delete": lambda: Item.delete_one({"_id": "nothing-here"}),
        "count": lambda: Item.count({}),
        "aggregate": lambda: Item.aggregate([{"$match": {"v": {"$gte": 0}}}]),
        "ping": lambda: mongo_odm.get_client().admin.command("ping"),
    }[op]


def interrupted_call(call) -> None:
    """Runs `call` expecting the test's SIGINT; reports when the exception came."""
    emit(event="calling", t=time.monotonic())
    try:
        call()
    except KeyboardInterrupt:
        emit(event="interrupted", exc="KeyboardInterrupt", t=time.monotonic())
        return
    except BaseException as e:  # reported, and judged by the test
        emit(event="interrupted", exc=type(e).__name__, message=str(e)[:300], t=time.monotonic())
        return
    emit(event="not-interrupted", t=time.monotonic())


def stall(op: str) -> None:
    with StallProxy(parse_host_port(os.environ["MONGO_URL"])) as proxy:
        # The library's default timeouts: nothing in the URL.
        connect(url=proxy.url(), username=os.environ.get("MONGO_USER"), password=os.environ.get("MONGO_PASSWORD"),
                db_name=os.environ["MONGO_DB_NAME"])
        Item.delete_many({})
        Item.insert_many([Item(id=k, v=i) for i, k in enumerate("ABDEFGH")])
        if op == "find_iter":
            iterator = Item.find_iter({}, batch_size=2, sort=[("_id", 1)])
            first = [next(iterator).id, next(iterator).id]  # the first batch
            proxy.stall()
            interrupted_call(lambda: next(iterator))  # the getMore waits
        else:
            first = []
            call = op_call(op)
            proxy.stall()
            interrupted_call(call)
        proxy.resume()
        # The same client again: the interrupted call's connection was dropped (its reply, now
        # released by the proxy, must never be read as the answer to this call).
        b = Item.get("B")
        listed = [i.id for i in Item.find({}, sort=[("_id", 1)])]
        emit(event="done", after_get_b=None if b is None else b.v, listed=listed, first=first,
             dropped_connections=proxy.closed_by_client, connections=proxy.connections)


def astall(op: str) -> None:
    assert op == "aget"
    with StallProxy(parse_host_port(os.environ["MONGO_URL"])) as proxy:
        connect(url=proxy.url(), username=os.environ.get("MONGO_USER"), password=os.environ.get("MONGO_PASSWORD"),
                db_name=os.environ["MONGO_DB_NAME"])
        Item.delete_many({})
        Item.insert_many([Item(id=k, v=i) for i, k in enumerate("ABDEFGH")])
        # the async client made and pinged, and its collection (to read how many batches it sent)
        collection = asyncio.run(Item.get_async_collection())
        sent_before = collection._coalesced_queries
        ids = [f"{k}{i}" for i in range(43) for k in "ABDEFGH"][:300]

        async def many():
            return await asyncio.gather(*(Item.aget(i) for i in ids))

        proxy.stall()
        interrupted_call(lambda: asyncio.run(many()))
        batches = collection._coalesced_queries - sent_before
        # Control came back at once; the worker threads stop their calls within ~20 ms (their
        # tokens): held replies released before that would let the calls end normally.
        time.sleep(0.2)
        proxy.resume()
        b = asyncio.run(Item.aget("B"))
        emit(event="done", after_aget_b=None if b is None else b.v, batches=batches,
             dropped_connections=proxy.closed_by_client, connections=proxy.connections)


def hung_connect() -> None:
    with HungServer() as hung:
        interrupted_call(lambda: connect(url=hung.url, db_name="interrupts"))
        emit(event="done", accepted=hung.connections)


def handler(mode: str) -> None:
    ran = []

    def on_sigint(signum, frame):
        ran.append(time.monotonic())
        if mode == "raise":
            raise RuntimeError("raised by the user's handler")

    signal.signal(signal.SIGINT, on_sigint)
    with StallProxy(parse_host_port(os.environ["MONGO_URL"])) as proxy:
        connect(url=proxy.url(), username=os.environ.get("MONGO_USER"), password=os.environ.get("MONGO_PASSWORD"),
                db_name=os.environ["MONGO_DB_NAME"])
        Item.delete_many({})
        Item(id="A", v=7).save()
        proxy.stall()
        if mode == "raise":
            interrupted_call(lambda: Item.get("A"))
            proxy.resume()
        else:
            # The handler returns: the call goes on, and ends once the proxy lets the reply pass
            # (2 s after the SIGINT of the test, which comes 1 s after "calling").
            threading.Timer(3.0, proxy.resume).start()
            emit(event="calling", t=time.monotonic())
            got = Item.get("A")
            emit(event="returned", t=time.monotonic(), v=None if got is None else got.v)
        emit(event="done", handler_ran=ran)


def rss_kib() -> int:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1])
    return -1


def os_threads() -> int:
    return len(os.listdir("/proc/self/task"))


def loop(n: int) -> None:
    """n SIGINTs, each during a call to a hung server (the process signals itself once the call
    has started waiting)."""
    main = threading.get_ident()
    go = threading.Event()
    stop = False

    def sender() -> None:
        while not stop:
            if go.wait(0.5):
                go.clear()
                time.sleep(0.005)
                signal.pthread_kill(main, signal.SIGINT)

    threading.Thread(target=sender, daemon=True).start()
    with HungServer() as hung:
        client = mongo_odm.client.MongoClient(hung.url)
        coll = client["interrupts"]["items"]
        calls = [lambda: coll.find_one({"_id": 1}), lambda: coll.insert_one({"x": 1}), lambda: list(coll.find({})),
                 lambda: coll.count_documents({})]
        latencies = []
        samples = {}
        for i in range(n):
            if i == n // 10:
                samples["start"] = (rss_kib(), os_threads())  # after a warm-up tenth
            try:
                go.set()
                t0 = time.monotonic()
                calls[i % len(calls)]()
            except KeyboardInterrupt:
                latencies.append(time.monotonic() - t0)
            else:
                raise AssertionError("a call to the hung server returned")
        samples["end"] = (rss_kib(), os_threads())
        stop = True
        client.close()
        latencies.sort()
        emit(event="done", interrupts=len(latencies), rss_start_kib=samples["start"][0], rss_end_kib=samples["end"][0],
             threads_start=samples["start"][1], threads_end=samples["end"][1],
             median_s=latencies[len(latencies) // 2], max_s=latencies[-1], accepted=hung.connections)


def main() -> None:
    # Ctrl-C as in a program started from a terminal: Python installs KeyboardInterrupt only when
    # SIGINT is not ignored at startup, and a test command started in the background by a shell
    # without job control ("cmd &") inherits SIGINT ignored; every SIGINT here was then lost.
    signal.signal(signal.SIGINT, signal.default_int_handler)
    kind, arg = sys.argv[1], sys.argv[2]
    if kind == "stall":
        stall(arg)
    elif kind == "astall":
        astall(arg)
    elif kind == "hung":
        hung_connect()
    elif kind == "handler":
        handler(arg)
    elif kind == "loop":
        loop(int(arg))
    else:
        raise SystemExit(f"unknown scenario {kind}")


if __name__ == "__main__":
    main()
