"""Helpers shared by the test modules (imported as ``helpers``; tests/python is on sys.path)."""

from __future__ import annotations

import contextlib
import os
import subprocess
import sys
import threading
from pathlib import Path
from typing import Any, AsyncIterator, Callable, Optional, Tuple

REPO = Path(__file__).resolve().parents[2]
ID_VECTORS = REPO / "tests" / "data" / "id-vectors.json"

# An address nothing listens on; the URL option keeps server selection short.
UNREACHABLE_URL = "mongodb://127.0.0.1:1/?serverSelectionTimeoutMS=300"

def with_url_option(url: str, key: str, value) -> str:
    """Appends a URI option to a MongoDB URL (with or without a path or options already)."""
    if "?" in url:
        return f"{url}&{key}={value}"
    base = url if url.count("/") >= 3 else url + "/"
    return f"{base}?{key}={value}"


def assert_healthy() -> None:
    """The process and the connection still work after an error."""
    from mongo_odm import _core, get_database

    assert _core.decode(_core.encode({"ok": [1, "two", {"three": 3.0}]})) == {"ok": [1, "two", {"three": 3.0}]}
    assert get_database().command("ping")["ok"] == 1.0

def run_threads(target: Callable[..., None], n: int, with_index: bool = False) -> None:
    """Starts `n` threads running `target` (``target(i)``, i = 0..n-1, with_index), then waits for
    them all."""
    threads = [threading.Thread(target=target, args=(i,) if with_index else ()) for i in range(n)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()

def no_server_model(coll_name: str, message: str) -> type:
    """A model on `coll_name` whose get_collection and get_async_collection fail the test with
    `message`: for calls that must be answered without touching the collection."""
    from mongo_odm import MongoBaseModel

    class NoServer(MongoBaseModel):
        class Settings:
            name = coll_name

        @classmethod
        def get_collection(cls):
            raise AssertionError(message)

        @classmethod
        async def get_async_collection(cls):
            raise AssertionError(message)

    return NoServer

def python_of_venv(venv: Path) -> Path:
    return venv / "bin" / "python"

def run_python(code: str, env: Optional[dict] = None, timeout: float = 120) -> subprocess.CompletedProcess:
    """Runs code in a fresh interpreter of the test venv."""
    return subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, timeout=timeout, env=env or dict(os.environ)
    )


# --- hostile documents (the bad-input suites) ------------------------------------------------
def self_containing() -> dict:
    """A dict that contains itself."""
    d = {"a": 1}
    d["self"] = d
    return d


def nested(depth: int) -> dict:
    """{"n": {"n": ...}} `depth` levels deep."""
    doc: dict = {}
    cur = doc
    for _ in range(depth):
        cur["n"] = {}
        cur = cur["n"]
    return doc


@contextlib.asynccontextmanager
async def behind_stall_proxy(settings, coll_name: str) -> AsyncIterator[Tuple[Any, Any]]:
    """An async client connected through a StallProxy (tests/support/netfaults.py) in front of
    the test server, with a warm, authenticated connection (one call made before the test
    stalls the proxy); yields the proxy and the test collection, closes the client after."""
    from netfaults import StallProxy, parse_host_port

    from mongo_odm._async import AsyncMongoClient

    with StallProxy(parse_host_port(settings.url)) as proxy:
        client = AsyncMongoClient(proxy.url(), username=settings.user, password=settings.password)
        try:
            coll = client[settings.db_name][coll_name]
            await coll.count_documents({})
            yield proxy, coll
        finally:
            client.close()


async def connections_dropped_by_client(proxy, timeout: float = 10.0) -> int:
    """How many connections the client dropped at the StallProxy, polled until at least one or
    `timeout` s (a drop is seen within a few ms: the wait costs time only when the test fails,
    and load cannot stretch a few ms to 10 s)."""
    import asyncio

    for _ in range(int(timeout / 0.02)):
        if proxy.closed_by_client:
            break
        await asyncio.sleep(0.02)
    return int(proxy.closed_by_client)
