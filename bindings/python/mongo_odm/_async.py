"""asyncio twins of the client, database, collection and cursor (motor's names and shapes).

Each blocking native call runs on a worker thread of a dedicated executor, where the native
code releases the GIL for the network round trip; the event loop only awaits a future and is
never blocked by I/O. Results are the same objects the sync API returns.

Cancellation: every call runs under a cancel token of its own (``_core.CancelToken``). When the
awaiting task is cancelled (``task.cancel()``, an ``asyncio.wait_for`` timeout), control returns
to it at once with ``CancelledError``; a call not started yet never starts, and a running one is
stopped by its token at once (the token wakes the waiting worker), which gives its worker thread
and its pooled connection back (libmongo_odm's mongo_odm/cancel.h says what an interrupted call leaves behind).
"""

from __future__ import annotations

import asyncio
import functools
import os
import threading
from concurrent.futures import ThreadPoolExecutor
from typing import Any, Callable, Dict, List, Mapping, Optional, Sequence, TypeVar

from mongo_odm import _core
from mongo_odm.client import Database, MongoClient

__all__ = ["AsyncMongoClient", "AsyncDatabase", "AsyncCollection", "AsyncCursor", "run_blocking"]

T = TypeVar("T")

# Enough workers to keep the connection pool (50 by default) busy; threads are cheap here
# because they spend their time in C with the GIL released.
_MAX_WORKERS = int(os.environ.get("MONGO_ODM_ASYNC_WORKERS", "32"))
_executor: Optional[ThreadPoolExecutor] = None
_executor_lock = threading.Lock()


def _reset_after_fork() -> None:
    global _executor
    _executor = None  # the parent's worker threads do not exist in the child


if hasattr(os, "register_at_fork"):
    os.register_at_fork(after_in_child=_reset_after_fork)


def _get_executor() -> ThreadPoolExecutor:
    global _executor
    if _executor is None:
        with _executor_lock:
            if _executor is None:
                _executor = ThreadPoolExecutor(max_workers=_MAX_WORKERS, thread_name_prefix="mongo_odm")
    return _executor


async def run_blocking(fn: Callable[..., T], *args: Any, **kwargs: Any) -> T:
    """Runs ``fn(*args, **kwargs)`` on the library's executor under a cancel token of its own,
    and awaits its result; cancelling the awaiting task cancels the call."""
    loop = asyncio.get_running_loop()
    token = _core.CancelToken()
    future = loop.run_in_executor(
        _get_executor(), functools.partial(_core.call_with_token, token, fn, *args, **kwargs)
    )
    try:
        return await future
    except asyncio.CancelledError:
        token.cancel()
        raise


class AsyncCursor:
    """An async iterator over the documents of find()/aggregate(); also ``await to_list()``.

    The native cursor is created on first use, on a worker thread, and read in batches."""

    # Documents per round trip to the worker thread. The worker decodes them holding the GIL,
    # which keeps the event loop thread waiting meanwhile: the batch bounds that stall.
    _FETCH = 512

    def __init__(self, open_cursor: Callable[[], _core.Cursor]) -> None:
        self._open = open_cursor
        self._cursor: Optional[_core.Cursor] = None
        self._buffer: List[Dict[str, Any]] = []
        self._pos = 0
        self._done = False

    async def _fetch(self, n: int) -> List[Dict[str, Any]]:
        if self._done:
            return []
        try:
            if self._cursor is None:
                self._cursor = await run_blocking(self._open)
            batch = await run_blocking(self._cursor.fetch, n)
        except asyncio.CancelledError:
            # The fetch was stopped mid-way: the cursor cannot go on. Closed off the loop (the
            # native cursor waits for the stopped fetch to end, a few milliseconds at most).
            self._done = True
            cursor, self._cursor = self._cursor, None
            if cursor is not None:
                _get_executor().submit(cursor.close)
            raise
        if not batch:
            self._done = True
            await self.aclose()
        return batch

    def __aiter__(self) -> AsyncCursor:
        return self

    async def __anext__(self) -> Dict[str, Any]:
        if self._pos >= len(self._buffer):
            self._buffer = await self._fetch(self._FETCH)
            self._pos = 0
            if not self._buffer:
                raise StopAsyncIteration
        doc = self._buffer[self._pos]
        self._pos += 1
        return doc

    async def to_list(self, length: Optional[int] = None) -> List[Dict[str, Any]]:
        """The remaining documents as a list: at most ``length`` of them, all when None (the
        sync Cursor.to_list())."""
        out = self._buffer[self._pos :]
        self._buffer, self._pos = [], 0
        if length is not None and len(out) >= length:
            rest, out = out[length:], out[:length]
            self._buffer = rest
            return out
        while length is None or len(out) < length:
            want = self._FETCH if length is None else min(length - len(out), self._FETCH)
            batch = await self._fetch(want)
            if not batch:
                break
            out.extend(batch)
        return out

    def close(self) -> None:
        """Closes the cursor (killCursors when it was not read to its end). Prefer ``aclose()``
        in a coroutine: this one waits for the server's answer on the calling thread."""
        self._done = True
        if self._cursor is not None:
            self._cursor.close()

    async def aclose(self) -> None:
        """Closes the cursor without blocking the event loop."""
        self._done = True
        cursor, self._cursor = self._cursor, None
        if cursor is not None:
            await asyncio.shield(run_blocking(cursor.close))


class AsyncCollection:
    """motor's AsyncIOMotorCollection, the parts an ODM uses: awaitable pymongo methods."""

    def __init__(self, database: AsyncDatabase, sync: _core.Collection) -> None:
        self._database = database
        self._sync = sync

    @property
    def name(self) -> str:
        return self._sync.name

    @property
    def full_name(self) -> str:
        return self._sync.full_name

    @property
    def database(self) -> AsyncDatabase:
        return self._database

    @property
    def delegate(self) -> _core.Collection:
        return self._sync

    async def find_one(self, filter: Any = None, *args: Any, **kwargs: Any) -> Optional[Dict[str, Any]]:
        """The first matching document, or None (Collection.find_one: projection, sort, skip,
        max_time_ms, ...)."""
        return await run_blocking(self._sync.find_one, filter, *args, **kwargs)

    def find(self, filter: Any = None, *args: Any, **kwargs: Any) -> AsyncCursor:
        """An AsyncCursor over the matching documents (Collection.find: projection, sort, limit,
        skip, batch_size, ...). Not awaited: the query runs on first iteration."""
        return AsyncCursor(functools.partial(self._sync.find, filter, *args, **kwargs))

    def aggregate(self, pipeline: Sequence[Mapping[str, Any]], **kwargs: Any) -> AsyncCursor:
        """An AsyncCursor over the pipeline's output (Collection.aggregate: allowDiskUse,
        batchSize, maxTimeMS, comment, hint). Not awaited: the pipeline runs on first iteration."""
        return AsyncCursor(functools.partial(self._sync.aggregate, pipeline, **kwargs))

    async def insert_one(self, document: Any) -> _core.InsertOneResult:
        """Inserts a document (an ``_id`` is generated when missing, and set in ``document``)."""
        return await run_blocking(self._sync.insert_one, document)

    async def insert_many(self, documents: Any, ordered: bool = True) -> _core.InsertManyResult:
        """Inserts the documents (ordered: stop at the first error; BulkWriteError reports it)."""
        return await run_blocking(self._sync.insert_many, list(documents), ordered=ordered)

    async def replace_one(self, filter: Any, replacement: Any, upsert: bool = False) -> _core.UpdateResult:
        """Replaces the first match (inserts ``replacement`` when ``upsert`` and none matches)."""
        return await run_blocking(self._sync.replace_one, filter, replacement, upsert)

    async def update_one(self, filter: Any, update: Any, upsert: bool = False) -> _core.UpdateResult:
        """Applies update operators (or a pipeline) to the first match."""
        return await run_blocking(self._sync.update_one, filter, update, upsert)

    async def update_many(self, filter: Any, update: Any, upsert: bool = False) -> _core.UpdateResult:
        """Applies update operators (or a pipeline) to every match."""
        return await run_blocking(self._sync.update_many, filter, update, upsert)

    async def delete_one(self, filter: Any) -> _core.DeleteResult:
        """Deletes the first match."""
        return await run_blocking(self._sync.delete_one, filter)

    async def delete_many(self, filter: Any) -> _core.DeleteResult:
        """Deletes every match."""
        return await run_blocking(self._sync.delete_many, filter)

    async def count_documents(self, filter: Any, **kwargs: Any) -> int:
        """The number of matching documents (kwargs: skip, limit, maxTimeMS, hint, comment)."""
        return await run_blocking(self._sync.count_documents, filter, **kwargs)

    async def create_index(self, keys: Any, **kwargs: Any) -> str:
        """Creates an index on ``keys`` (a name, or a list of (name, direction) pairs); returns
        its name."""
        return await run_blocking(self._sync.create_index, keys, **kwargs)

    async def drop(self) -> None:
        """Drops the collection."""
        await run_blocking(self._sync.drop)

    def __repr__(self) -> str:
        return f"AsyncCollection({self._sync!r})"


class AsyncDatabase:
    """motor's AsyncIOMotorDatabase, the parts an ODM uses."""

    def __init__(self, client: AsyncMongoClient, sync: Database) -> None:
        self._client = client
        self._sync = sync
        self._collections: Dict[str, AsyncCollection] = {}

    @property
    def name(self) -> str:
        return self._sync.name

    @property
    def client(self) -> AsyncMongoClient:
        return self._client

    @property
    def delegate(self) -> Database:
        return self._sync

    def get_collection(self, name: str) -> AsyncCollection:
        """The collection ``name`` (also ``db[name]`` and ``db.name``), one object per name."""
        coll = self._collections.get(name)
        if coll is None:
            coll = self._collections.setdefault(name, AsyncCollection(self, self._sync.get_collection(name)))
        return coll

    def __getitem__(self, name: str) -> AsyncCollection:
        return self.get_collection(name)

    def __getattr__(self, name: str) -> AsyncCollection:
        if name.startswith("_"):
            raise AttributeError(name)
        return self.get_collection(name)

    async def command(self, command: Any, value: Any = 1, **kwargs: Any) -> Dict[str, Any]:
        """Runs a database command: ``await db.command("ping")`` or ``await db.command({"ping": 1})``."""
        return await run_blocking(self._sync.command, command, value, **kwargs)

    async def list_collection_names(self, filter: Optional[Mapping[str, Any]] = None) -> List[str]:
        """The names of the database's collections (those matching ``filter`` when given)."""
        return await run_blocking(self._sync.list_collection_names, filter)

    async def drop_collection(self, name_or_collection: Any) -> None:
        """Drops a collection, given by name or as a collection object."""
        await run_blocking(self._sync.drop_collection, getattr(name_or_collection, "name", name_or_collection))

    def __repr__(self) -> str:
        return f"AsyncDatabase({self.name!r})"


class AsyncMongoClient:
    """motor's AsyncIOMotorClient, the parts an ODM uses. Same arguments as MongoClient."""

    def __init__(self, host: Optional[str] = None, port: Optional[int] = None, username: Optional[str] = None,
                 password: Optional[str] = None, **options: Any) -> None:
        self._sync = MongoClient(host, port, username, password, **options)
        self._databases: Dict[str, AsyncDatabase] = {}

    @classmethod
    def _from_sync(cls, sync: MongoClient) -> AsyncMongoClient:
        client = cls.__new__(cls)
        client._sync = sync
        client._databases = {}
        return client

    @property
    def delegate(self) -> MongoClient:
        return self._sync

    def get_database(self, name: Optional[str] = None) -> AsyncDatabase:
        """The database ``name`` (the URL's default database when None), one object per name."""
        sync_db = self._sync.get_database(name)
        db = self._databases.get(sync_db.name)
        if db is None:
            db = self._databases.setdefault(sync_db.name, AsyncDatabase(self, sync_db))
        return db

    def get_default_database(self, default: Optional[str] = None) -> AsyncDatabase:
        """The URL's default database, else ``default``; ConfigurationError when neither is set."""
        return self.get_database(self._sync.get_default_database(default).name)

    def __getitem__(self, name: str) -> AsyncDatabase:
        return self.get_database(name)

    def __getattr__(self, name: str) -> AsyncDatabase:
        if name.startswith("_"):
            raise AttributeError(name)
        return self.get_database(name)

    @property
    def admin(self) -> AsyncDatabase:
        return self.get_database("admin")

    async def list_database_names(self) -> List[str]:
        """The names of the deployment's databases."""
        return await run_blocking(self._sync.list_database_names)

    async def drop_database(self, name_or_database: Any) -> None:
        """Drops a database, given by name or as a database object."""
        await run_blocking(self._sync.drop_database, getattr(name_or_database, "name", name_or_database))

    def close(self) -> None:
        """Closes the client's pool (MongoClient.close())."""
        self._sync.close()

    def __repr__(self) -> str:
        return "AsyncMongoClient()"
