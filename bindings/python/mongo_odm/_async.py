"""asyncio twins of the client, database, collection and cursor (motor's names and shapes).

Each blocking native call runs on a worker thread of a dedicated executor, where the native
code releases the GIL for the network round trip; the event loop only awaits a future and is
never blocked by I/O. Results are the same objects the sync API returns.

Cancellation: every call runs under a cancel token of its own (``_core.CancelToken``). When the
awaiting task is cancelled (``task.cancel()``, an ``asyncio.wait_for`` timeout), control returns
to it at once with ``CancelledError``; a call not started yet never starts, and a running one is
stopped by its token at once (the token wakes the waiting worker), which gives its worker thread
and its pooled connection back (libmongo_odm's mongo_odm/cancel.h says what an interrupted call leaves behind).

Coalescing: concurrent ``find_one({"_id": v})`` calls on one collection (what ``aget()`` makes)
are sent as one ``find({"_id": {"$in": [...]}})`` per pass of the event loop (at most
``max_batch`` ids per query); each caller gets the document it would have got alone. Concurrent
``asave()`` upserts are sent the same way as one ordered bulk write. See ``set_coalescing()``
and docs/design.md ("Coalesced gets", "Coalesced saves").
"""

from __future__ import annotations

import asyncio
import collections
import copy
import decimal
import functools
import os
import threading
from concurrent.futures import ThreadPoolExecutor
from typing import (
    TYPE_CHECKING,
    Any,
    Awaitable,
    Callable,
    Deque,
    Dict,
    Generator,
    List,
    Mapping,
    Optional,
    Sequence,
    Tuple,
    TypeVar,
)

from mongo_odm import _core
from mongo_odm.client import Database, MongoClient
from mongo_odm.command_cursor import CommandCursor, check_batch_size, check_to_list_length
from mongo_odm.errors import BulkWriteError, InvalidOperation

if TYPE_CHECKING:
    from typing_extensions import Self

__all__ = [
    "AsyncMongoClient",
    "AsyncDatabase",
    "AsyncCollection",
    "AsyncCursor",
    "AsyncCommandCursor",
    "run_blocking",
    "set_coalescing",
    "get_coalescing",
]

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


# ------------------------------------------------------------------------------ coalesced gets
# Concurrent find_one({"_id": v}) calls on one collection, made while the event loop is busy,
# join a batch; the batch is sent as one find({"_id": {"$in": [...]}}) when the loop next runs
# its callbacks (or as soon as it holds max_batch ids), and each caller gets the document with
# its id. docs/design.md ("Coalesced gets") gives the rules; tests/python/test_coalesce.py
# holds them against the server.

_COALESCE_DEFAULT_MAX_BATCH = 100
# Saves per bulk write, at most (and at most max_batch): FerretDB 1.24 (SQLite) stops answering,
# every client and command alike, when one update command holds 100 or more statements that
# match stored documents (seen with 100 replacements of existing documents, never with 99);
# 50 keeps well below that and still makes one command of 50 round trips.
_COALESCE_MAX_SAVES = 50
_coalesce_enabled = os.environ.get("MONGO_ODM_COALESCE", "1").strip().lower() not in ("0", "off", "false", "no")
_coalesce_max_batch = _COALESCE_DEFAULT_MAX_BATCH
# Longer string ids are sent alone: a batch of max_batch of them stays far below 16 MiB.
_COALESCE_MAX_ID_CHARS = 1024
_INT64_MIN, _INT64_MAX = -(2**63), 2**63 - 1
_ObjectId = _core.ObjectId


def set_coalescing(enabled: bool, max_batch: Optional[int] = None) -> None:
    """Turns the coalescing of concurrent async ``find_one({"_id": v})`` calls (``aget()``) and
    of concurrent ``asave()`` upserts on or off for every async collection whose ``coalesce``
    attribute is None (the default). On by default; the environment variable
    MONGO_ODM_COALESCE=0 turns it off at import. ``max_batch``: the most distinct ids in one
    query (default 100; 1 sends each call alone); a bulk write holds at most max_batch and at
    most 50 saves (docs/design.md, "Coalesced saves")."""
    global _coalesce_enabled, _coalesce_max_batch
    if max_batch is not None:
        if type(max_batch) is not int or max_batch < 1:
            raise ValueError("max_batch must be a positive int")
        _coalesce_max_batch = max_batch
    _coalesce_enabled = bool(enabled)


def get_coalescing() -> bool:
    """Whether concurrent async ``find_one({"_id": v})`` calls and ``asave()`` upserts are
    coalesced (``set_coalescing``)."""
    return _coalesce_enabled


def _coalescable(value: Any) -> bool:
    """An id whose equality the server and Python agree on, and which cannot make the batch
    fail where its own find_one would not: an int of int64's range (not a bool), a str the
    encoder and every server take (UTF-8, no NUL, not huge), or a mongo_odm ObjectId."""
    t = type(value)
    if t is str:
        if len(value) > _COALESCE_MAX_ID_CHARS or "\x00" in value:
            return False
        if value.isascii():
            return True
        try:
            value.encode("utf-8")
        except UnicodeEncodeError:  # a lone surrogate: the encoder refuses it
            return False
        return True
    if t is int:
        return bool(_INT64_MIN <= value <= _INT64_MAX)
    return t is _ObjectId


# The types of a stored _id that may equal a coalesced id (an int, a str or an ObjectId). Among
# them Python's equality is the server's: numbers by value across int32, int64, double and
# decimal128 (1 == 1.0 == Decimal("1")), strings by code point, ObjectIds by their bytes. A
# bool is left out: the server never matches true with 1, Python would.
_MATCHABLE_TYPES = frozenset({int, float, decimal.Decimal, str, _ObjectId})

# What a batch answers a caller whose id it could not answer for sure: "ask alone".
_ALONE: Any = object()


class _Pending:
    """What every batch of coalesced calls keeps: its callers still waiting, its scheduled send,
    and once sent, the call on the executor and its cancel token."""

    __slots__ = ("future", "handle", "live", "token")

    def __init__(self) -> None:
        self.live = 0  # callers not cancelled
        self.handle: Optional[asyncio.Handle] = None  # the scheduled send
        self.token: Optional[_core.CancelToken] = None
        self.future: Optional[asyncio.Future[Any]] = None  # the call, once sent

    def caller_cancelled(self) -> None:
        """A caller's task was cancelled: a sent call nobody waits for any more is stopped."""
        self.live -= 1
        if self.live <= 0 and self.future is not None and not self.future.done():
            assert self.token is not None
            self.token.cancel()
            self.future.cancel()


class _Batch(_Pending):
    """The find_one calls of one batch: their futures by id."""

    __slots__ = ("waiters",)

    def __init__(self) -> None:
        super().__init__()
        self.waiters: Dict[Any, List[asyncio.Future[Any]]] = {}


class _SaveBatch(_Pending):
    """The saves of one batch, in call order: (id, replacement, the caller's future)."""

    __slots__ = ("entries",)

    def __init__(self) -> None:
        super().__init__()
        self.entries: List[Tuple[Any, Mapping[str, Any], asyncio.Future[Any]]] = []


def _own_copy(exc: BaseException) -> BaseException:
    """The batch's error for one of its callers: a copy per caller (each raise adds the
    caller's frames to the traceback), the same type, message and attributes."""
    try:
        mine = copy.copy(exc)
    except Exception:
        return exc
    if type(mine) is not type(exc) or str(mine) != str(exc):
        return exc
    return mine.with_traceback(exc.__traceback__)


def _match(
    waiters: Dict[Any, List[asyncio.Future[Any]]], docs: List[Dict[str, Any]]
) -> Tuple[Dict[Any, Dict[str, Any]], bool]:
    """The first document for each requested id, by the server's equality, and whether some
    document matched no requested id (then the server's equality was not Python's: a collection
    with a default collation, say)."""
    found: Dict[Any, Dict[str, Any]] = {}
    unmatched = False
    for doc in docs:
        doc_id = doc.get("_id")
        if type(doc_id) not in _MATCHABLE_TYPES:
            unmatched = True
            continue
        try:
            requested = doc_id in waiters
        except TypeError:  # Decimal("sNaN") cannot be hashed; it equals no id
            requested = False
        if not requested:
            unmatched = True
        elif doc_id not in found:  # find_one takes the first match, in the server's order
            found[doc_id] = doc
    return found, unmatched


def _first_unwritten(exc: BaseException) -> Optional[int]:
    """For the error of a batch of saves (an ordered bulk write): the position of the first save
    that was not written, when the error says (a write error stops an ordered write there; a
    write concern error leaves every save unconfirmed: 0); None when it does not (no reply)."""
    if not isinstance(exc, BulkWriteError) or not isinstance(exc.details, dict):
        return None
    if exc.details.get("writeConcernErrors"):
        return 0
    errors = exc.details.get("writeErrors") or ()
    indexes = [e.get("index") for e in errors if isinstance(e, dict)]
    if not errors or len(indexes) != len(errors) or not all(type(i) is int for i in indexes):
        return None
    return min(i for i in indexes if type(i) is int)


def _write_in_order(
    sync: _core.Collection, writer: Any, entries: List[Tuple[Any, Mapping[str, Any]]]
) -> List[Optional[BaseException]]:
    """A batch of saves on a worker thread: the bulk write, then each save it did not write
    (the ordered write stopped before it) alone, in call order; returns each save's error or
    None. Raises the bulk write's error when it does not say what was written (no reply)."""
    try:
        writer.execute()
        return [None] * len(entries)
    except BulkWriteError as exc:
        first = _first_unwritten(exc)
        if first is None:
            raise
    outcomes: List[Optional[BaseException]] = [None] * first
    for doc_id, replacement in entries[first:]:
        try:
            sync.replace_one({"_id": doc_id}, replacement, True)
        except Exception as lone:  # the save's own error, as a lone save raises it
            outcomes.append(lone)
        else:
            outcomes.append(None)
    return outcomes


class AsyncCursor:
    """An async iterator over the documents of find()/aggregate(); also ``await to_list()``.

    A find() cursor is motor's AsyncIOMotorCursor: sort(), limit(), skip(), batch_size(),
    max_time_ms(), hint(), comment(), collation() and allow_disk_use() chain before the first
    read and raise InvalidOperation after it (the native cursor checks them). The query runs on
    a worker thread on first use, and documents are read in batches."""

    # Documents per round trip to the worker thread. The worker decodes them holding the GIL,
    # which keeps the event loop thread waiting meanwhile: the batch bounds that stall.
    _FETCH = 512

    def __init__(
        self, open_cursor: Optional[Callable[[], _core.Cursor]] = None, cursor: Optional[_core.Cursor] = None
    ) -> None:
        self._open = open_cursor
        self._cursor: Optional[_core.Cursor] = cursor
        self._buffer: List[Dict[str, Any]] = []
        self._pos = 0
        self._done = False

    # ------------------------------------------------------------------ chained options (find)
    def _native(self, what: str) -> _core.Cursor:
        if self._cursor is None:
            raise InvalidOperation(f"{what}() is not available on this cursor (aggregate)")
        return self._cursor

    def sort(self, key_or_list: Any, direction: Any = None) -> AsyncCursor:
        """Sorts by a key (and direction) or a list of (key, direction) pairs."""
        self._native("sort").sort(key_or_list, direction)
        return self

    def limit(self, limit: int) -> AsyncCursor:
        """Returns at most ``limit`` documents (0: no limit)."""
        self._native("limit").limit(limit)
        return self

    def skip(self, skip: int) -> AsyncCursor:
        """Skips the first ``skip`` documents."""
        self._native("skip").skip(skip)
        return self

    def batch_size(self, batch_size: int) -> AsyncCursor:
        """Documents per server batch."""
        self._native("batch_size").batch_size(batch_size)
        return self

    def max_time_ms(self, max_time_ms: Optional[int]) -> AsyncCursor:
        """The server's time limit for the query (ExecutionTimeout past it)."""
        self._native("max_time_ms").max_time_ms(max_time_ms)
        return self

    def hint(self, index: Any) -> AsyncCursor:
        """The index to use: its name or its keys."""
        self._native("hint").hint(index)
        return self

    def comment(self, comment: Any) -> AsyncCursor:
        """A comment attached to the query (server logs, profiler)."""
        self._native("comment").comment(comment)
        return self

    def collation(self, collation: Optional[Mapping[str, Any]]) -> AsyncCursor:
        """The query's collation document."""
        self._native("collation").collation(collation)
        return self

    def allow_disk_use(self, allow_disk_use: bool) -> AsyncCursor:
        """Lets the server spill a large sort to disk."""
        self._native("allow_disk_use").allow_disk_use(allow_disk_use)
        return self

    def clone(self) -> AsyncCursor:
        """A new cursor of the same query and options, not started."""
        return AsyncCursor(cursor=self._native("clone").clone())

    def rewind(self) -> AsyncCursor:
        """Back to before the query: the next read runs it again."""
        self._native("rewind").rewind()
        self._buffer, self._pos, self._done = [], 0, False
        return self

    @property
    def cursor_id(self) -> Optional[int]:
        """The server's cursor id (an Int64; 0 once exhausted), None before the query ran
        (motor's and the sync cursor's cursor_id)."""
        return None if self._cursor is None else self._cursor.cursor_id

    @property
    def alive(self) -> bool:
        """Whether more documents may come (a cursor not started yet is alive)."""
        if self._pos < len(self._buffer):
            return True
        if self._done:
            return False
        return True if self._cursor is None else self._cursor.alive

    async def next(self) -> Dict[str, Any]:
        """The next document; StopAsyncIteration at the end (motor's next())."""
        return await self.__anext__()

    async def __aenter__(self) -> Self:
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.aclose()

    async def _fetch(self, n: int) -> List[Dict[str, Any]]:
        if self._done:
            return []
        try:
            if self._cursor is None:
                assert self._open is not None
                self._cursor = await run_blocking(self._open)
            batch = await run_blocking(self._cursor.fetch, n)
        except asyncio.CancelledError:
            # The fetch was stopped mid-way: the cursor cannot go on. Closed off the loop (the
            # native cursor waits for the stopped fetch to end, a few milliseconds at most).
            self._done = True
            if self._cursor is not None:  # kept: chained options now raise InvalidOperation
                _get_executor().submit(self._cursor.close)
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
        if self._cursor is not None:  # kept (closed): chained options raise InvalidOperation
            await asyncio.shield(run_blocking(self._cursor.close))


class AsyncCommandCursor:
    """What ``AsyncCollection.list_indexes()`` returns: motor's AsyncIOMotorCommandCursor
    (``async for``, ``await to_list(length)``, ``await next()``, ``close()``, ``async with``).

    The command runs on a worker thread on first use and its whole result comes at once (the
    sync CommandCursor). Awaiting the cursor runs the command and gives the cursor itself, as
    pymongo's async ``await collection.list_indexes()`` does; once awaited it also iterates
    with a plain ``for``."""

    def __init__(self, run: Callable[[], Awaitable[CommandCursor]]) -> None:
        self._run: Optional[Callable[[], Awaitable[CommandCursor]]] = run
        self._cursor: Optional[CommandCursor] = None

    async def _get(self) -> CommandCursor:
        if self._cursor is None:
            run, self._run = self._run, None
            self._cursor = await run() if run is not None else CommandCursor(())
        return self._cursor

    async def _awaited(self) -> AsyncCommandCursor:
        await self._get()
        return self

    def __await__(self) -> Generator[Any, None, AsyncCommandCursor]:
        return self._awaited().__await__()

    def __aiter__(self) -> AsyncCommandCursor:
        return self

    async def __anext__(self) -> Any:
        cursor = await self._get()
        if not cursor.alive:
            raise StopAsyncIteration
        return cursor.next()

    async def next(self) -> Any:
        """The next document; StopAsyncIteration at the end (motor's next())."""
        return await self.__anext__()

    async def try_next(self) -> Optional[Any]:
        """The next document, or None when there is none."""
        return (await self._get()).try_next()

    async def to_list(self, length: Optional[int] = None) -> List[Any]:
        """The remaining documents as a list: at most ``length`` (at least 1), all when None."""
        check_to_list_length(length)
        return (await self._get()).to_list(length)

    def batch_size(self, batch_size: int) -> Self:
        """Checked as pymongo's, then without effect (the result comes in one reply)."""
        check_batch_size(batch_size)
        return self

    @property
    def alive(self) -> bool:
        """Whether documents may remain (a cursor not run yet is alive)."""
        return True if self._cursor is None else self._cursor.alive

    def __iter__(self) -> CommandCursor:
        if self._cursor is None:
            # not iterable yet, as motor's cursor (TypeError): the command has not run
            raise TypeError("await list_indexes() (or read it with async for) before iterating it with for")
        return self._cursor

    def close(self) -> None:
        """Closes the cursor; one not run yet never runs."""
        if self._cursor is None:
            self._run = None
            self._cursor = CommandCursor(())
        self._cursor.close()

    async def aclose(self) -> None:
        """close() (nothing to wait for: no cursor stays open on the server)."""
        self.close()

    async def __aenter__(self) -> Self:
        return self

    async def __aexit__(self, *exc: object) -> None:
        self.close()


class AsyncCollection:
    """motor's AsyncIOMotorCollection, the parts an ODM uses: awaitable pymongo methods.

    ``coalesce``: None (the default) follows ``set_coalescing()``; True or False decides for
    this collection alone whether concurrent ``find_one({"_id": v})`` calls and ``asave()``
    upserts are coalesced (turn it off for a collection whose default collation makes ids equal
    that Python tells apart)."""

    def __init__(self, database: AsyncDatabase, sync: _core.Collection) -> None:
        self._database = database
        self._sync = sync
        self.coalesce: Optional[bool] = None
        # The batch each event loop is filling (a collection may serve loops of several threads).
        self._pending: Dict[asyncio.AbstractEventLoop, _Batch] = {}
        # Sent batches and the find_one calls they answered (tests and benchmarks read them).
        self._coalesced_queries = 0
        self._coalesced_calls = 0
        # The same for saves: the batch each loop is filling, the batch whose bulk write is on
        # its way (one at a time per loop), the closed batches waiting for it, bulk writes
        # sent and the saves in them.
        self._pending_saves: Dict[asyncio.AbstractEventLoop, _SaveBatch] = {}
        self._saves_in_flight: Dict[asyncio.AbstractEventLoop, _SaveBatch] = {}
        self._saves_waiting: Dict[asyncio.AbstractEventLoop, Deque[_SaveBatch]] = {}
        self._coalesced_writes = 0
        self._coalesced_saves = 0

    @property
    def name(self) -> str:
        """The collection's name."""
        return self._sync.name

    @property
    def full_name(self) -> str:
        """``<database>.<collection>``."""
        return self._sync.full_name

    @property
    def database(self) -> AsyncDatabase:
        """The AsyncDatabase this collection belongs to."""
        return self._database

    @property
    def delegate(self) -> _core.Collection:
        """The synchronous collection this one runs on a worker thread (motor's ``delegate``)."""
        return self._sync

    async def find_one(self, filter: Any = None, *args: Any, **kwargs: Any) -> Optional[Dict[str, Any]]:
        """The first matching document, or None (Collection.find_one: projection, sort, skip,
        max_time_ms, ...). A filter that is exactly ``{"_id": v}`` (v an int, str or ObjectId;
        no other argument) joins the other such calls of this event-loop pass in one query
        (``set_coalescing()``); the caller gets the same document, None or error as alone."""
        if (
            not args
            and not kwargs
            and type(filter) is dict
            and len(filter) == 1
            and (_coalesce_enabled if self.coalesce is None else self.coalesce)
        ):
            key = filter.get("_id", _ALONE)
            if key is not _ALONE and _coalescable(key):
                batch, future = self._join(key)
                try:
                    doc = await future
                except asyncio.CancelledError:
                    batch.caller_cancelled()
                    raise
                if doc is not _ALONE:
                    return doc  # type: ignore[no-any-return]
        return await run_blocking(self._sync.find_one, filter, *args, **kwargs)

    # -------------------------------------------------------------------- coalesced find_one
    def _join(self, key: Any) -> Tuple[_Batch, asyncio.Future[Any]]:
        """Adds a find_one of ``key`` to this loop's open batch (opening one, sent by the loop's
        next pass); returns the batch and the future of the caller's document."""
        loop = asyncio.get_running_loop()
        batch = self._pending.get(loop)
        if batch is None:
            batch = self._pending[loop] = _Batch()
            batch.handle = loop.call_soon(self._send, loop, batch)
        future: asyncio.Future[Any] = loop.create_future()
        batch.live += 1
        same_id = batch.waiters.get(key)
        if same_id is not None:
            same_id.append(future)  # one lookup, each caller answered
        else:
            batch.waiters[key] = [future]
            if len(batch.waiters) >= _coalesce_max_batch:
                assert batch.handle is not None
                batch.handle.cancel()
                self._send(loop, batch)  # full: the next call opens a new batch
        return batch, future

    def _send(self, loop: asyncio.AbstractEventLoop, batch: _Batch) -> None:
        """Sends a batch: one id alone as find_one, several as one $in query, on a worker
        thread under a cancel token of the batch's own. Another batch may open and be sent
        while this one runs: batches never wait for each other."""
        if self._pending.get(loop) is batch:
            del self._pending[loop]
        keys = []
        waiting = 0
        for key, futures in batch.waiters.items():
            n = sum(not f.done() for f in futures)  # a cancelled caller's future is done
            if n:
                keys.append(key)
                waiting += n
        if not keys:
            return  # every caller was cancelled before the query was sent
        self._coalesced_queries += 1
        self._coalesced_calls += waiting
        try:
            token = batch.token = _core.CancelToken()
            call: Callable[[], Any]
            if len(keys) == 1:
                call = functools.partial(_core.call_with_token, token, self._sync.find_one, {"_id": keys[0]})
            else:
                call = functools.partial(_core.call_with_token, token, self._sync._find_one_batch, keys)
            batch.future = loop.run_in_executor(_get_executor(), call)
            batch.future.add_done_callback(functools.partial(self._deliver, batch, keys))
        except Exception as exc:  # no executor (interpreter shutdown): every caller sees why
            self._deliver_error(batch, exc)

    @staticmethod
    def _deliver_error(batch: _Batch, exc: BaseException) -> None:
        for futures in batch.waiters.values():
            for f in futures:
                if not f.done():
                    f.set_exception(_own_copy(exc))

    @staticmethod
    def _deliver(batch: _Batch, keys: List[Any], query: asyncio.Future[Any]) -> None:
        """Answers every caller still waiting: its document (one copy per caller of the same
        id), None, the query's error, or _ALONE (ask alone: the server's answer matched ids
        Python's equality did not)."""
        # (Each branch is one of those outcomes; docs/design.md "Coalesced gets" lists them.)
        if query.cancelled():  # every caller was cancelled
            for futures in batch.waiters.values():
                for f in futures:
                    f.cancel()
            return
        exc = query.exception()
        if exc is not None:
            AsyncCollection._deliver_error(batch, exc)
            return
        if len(keys) == 1:  # sent as find_one: its answer is the answer
            doc = query.result()
            found = {} if doc is None else {keys[0]: doc}
            unmatched = False
        else:
            found, unmatched = _match(batch.waiters, query.result())
        for key, futures in batch.waiters.items():
            doc = found.get(key)
            if doc is None and unmatched:
                doc = _ALONE
            first = True
            for f in futures:
                if f.done():
                    continue
                if first or doc is None or doc is _ALONE:
                    f.set_result(doc)
                    first = False
                else:
                    try:
                        f.set_result(copy.deepcopy(doc))
                    except Exception as copy_error:
                        f.set_exception(copy_error)

    # -------------------------------------------------------------------- coalesced saves
    async def _upsert_by_id(self, doc_id: Any, replacement: Mapping[str, Any]) -> None:
        """``replace_one({"_id": doc_id}, replacement, upsert=True)`` for ``asave()``, which
        needs only success or the error. Concurrent calls of one event-loop pass (while
        coalescing is on) are sent as one ordered bulk write; each caller gets what its
        replace_one alone would give: None or the same error (docs/design.md, "Coalesced
        saves"). ``replacement`` must not change until the call returns."""
        if _coalesce_enabled if self.coalesce is None else self.coalesce:
            batch, future = self._join_save(doc_id, replacement)
            try:
                outcome = await future
            except asyncio.CancelledError:
                batch.caller_cancelled()
                raise
            if outcome is not _ALONE:
                return
        await run_blocking(self._sync.replace_one, {"_id": doc_id}, replacement, True)

    def _join_save(self, doc_id: Any, replacement: Mapping[str, Any]) -> Tuple[_SaveBatch, asyncio.Future[Any]]:
        """Adds a save to this loop's open batch of saves (opening one, sent by the loop's next
        pass, or at once when it holds max_batch saves)."""
        loop = asyncio.get_running_loop()
        batch = self._pending_saves.get(loop)
        if batch is None:
            batch = self._pending_saves[loop] = _SaveBatch()
            batch.handle = loop.call_soon(self._send_saves, loop, batch)
        future: asyncio.Future[Any] = loop.create_future()
        batch.live += 1
        batch.entries.append((doc_id, replacement, future))
        if len(batch.entries) >= min(_coalesce_max_batch, _COALESCE_MAX_SAVES):
            assert batch.handle is not None
            batch.handle.cancel()
            self._send_saves(loop, batch)  # full: the next call opens a new batch
        return batch, future

    def _send_saves(self, loop: asyncio.AbstractEventLoop, batch: _SaveBatch) -> None:
        """Closes a batch of saves: written now, or after the bulk write this loop has on its
        way (one at a time: FerretDB 1.24 can stop answering when several update commands
        replace stored documents of one collection at once; docs/design.md)."""
        if self._pending_saves.get(loop) is batch:
            del self._pending_saves[loop]
        if loop in self._saves_in_flight:
            self._saves_waiting.setdefault(loop, collections.deque()).append(batch)
        else:
            self._write_saves(loop, batch)

    def _next_saves(self, loop: asyncio.AbstractEventLoop) -> None:
        """The bulk write on its way is done: writes the oldest closed batch, if any."""
        self._saves_in_flight.pop(loop, None)
        waiting = self._saves_waiting.get(loop)
        while waiting and loop not in self._saves_in_flight:
            self._write_saves(loop, waiting.popleft())
        if not waiting:
            self._saves_waiting.pop(loop, None)

    def _write_saves(self, loop: asyncio.AbstractEventLoop, batch: _SaveBatch) -> None:
        """Queues the saves of callers still waiting on a native bulk writer (ordered), in call
        order, and runs it on a worker thread under the batch's cancel token. A save that cannot
        be queued (its replacement does not encode), and a batch left with one save, is answered
        "ask alone": its own replace_one then gives the caller its answer or exact error; so is,
        on the worker, each save the bulk write did not write (_write_in_order)."""
        live = [(doc_id, replacement, f) for doc_id, replacement, f in batch.entries if not f.done()]
        if len(live) < 2:
            for _, _, f in live:
                f.set_result(_ALONE)
            return
        sent: List[asyncio.Future[Any]] = []
        queued: List[Tuple[Any, Mapping[str, Any]]] = []
        try:
            writer = self._sync.bulk_writer(True)
            for doc_id, replacement, f in live:
                try:
                    writer.replace_one({"_id": doc_id}, replacement, True)
                except Exception:
                    f.set_result(_ALONE)
                else:
                    sent.append(f)
                    queued.append((doc_id, replacement))
            if len(sent) < 2:  # nothing gained by a bulk write
                for f in sent:
                    f.set_result(_ALONE)
                return
            self._coalesced_writes += 1
            self._coalesced_saves += len(sent)
            token = batch.token = _core.CancelToken()
            batch.future = loop.run_in_executor(
                _get_executor(),
                functools.partial(_core.call_with_token, token, _write_in_order, self._sync, writer, queued),
            )
            self._saves_in_flight[loop] = batch
            batch.future.add_done_callback(functools.partial(self._deliver_saves, sent))
            batch.future.add_done_callback(lambda _: self._next_saves(loop))
        except Exception as exc:  # no executor (interpreter shutdown): every caller sees why
            for _, _, f in live:
                if not f.done():
                    f.set_exception(_own_copy(exc))

    @staticmethod
    def _deliver_saves(sent: List[asyncio.Future[Any]], write: asyncio.Future[Any]) -> None:
        """Answers every caller still waiting: None (written) or its save's own error; the
        write's error, to every caller, when it did not say what was written (no reply: a
        network error, a timeout, failed authentication)."""
        if write.cancelled():  # every caller was cancelled
            for f in sent:
                f.cancel()
            return
        exc = write.exception()
        outcomes = None if exc is not None else write.result()
        for i, f in enumerate(sent):
            if f.done():
                continue
            if outcomes is None:
                assert exc is not None
                f.set_exception(_own_copy(exc))
            elif outcomes[i] is None:
                f.set_result(None)
            else:
                f.set_exception(outcomes[i])

    def find(self, filter: Any = None, *args: Any, **kwargs: Any) -> AsyncCursor:
        """An AsyncCursor over the matching documents (Collection.find: projection, sort, limit,
        skip, batch_size, ...; or chained: ``find().sort("n").limit(3)``). Not awaited: the query
        runs on first iteration."""
        return AsyncCursor(cursor=self._sync.find(filter, *args, **kwargs))

    def aggregate(self, pipeline: Sequence[Mapping[str, Any]], **kwargs: Any) -> AsyncCursor:
        """An AsyncCursor over the pipeline's output (Collection.aggregate: allowDiskUse,
        batchSize, maxTimeMS, comment, hint). Not awaited: the pipeline runs on first iteration."""
        return AsyncCursor(functools.partial(self._sync.aggregate, pipeline, **kwargs))

    async def insert_one(self, document: Any, **kwargs: Any) -> _core.InsertOneResult:
        """Inserts a document (an ``_id`` is generated when missing, and set in ``document``;
        kwargs: bypass_document_validation, comment; session None only)."""
        return await run_blocking(self._sync.insert_one, document, **kwargs)

    async def insert_many(self, documents: Any, ordered: bool = True, **kwargs: Any) -> _core.InsertManyResult:
        """Inserts the documents (ordered: stop at the first error; BulkWriteError reports it;
        kwargs as insert_one)."""
        return await run_blocking(self._sync.insert_many, list(documents), ordered, **kwargs)

    async def replace_one(
        self, filter: Any, replacement: Any, upsert: bool = False, **kwargs: Any
    ) -> _core.UpdateResult:
        """Replaces the first match (inserts ``replacement`` when ``upsert`` and none matches;
        kwargs: hint, collation, let, comment, bypass_document_validation)."""
        return await run_blocking(self._sync.replace_one, filter, replacement, upsert, **kwargs)

    async def update_one(self, filter: Any, update: Any, upsert: bool = False, **kwargs: Any) -> _core.UpdateResult:
        """Applies update operators (or a pipeline) to the first match (kwargs: array_filters,
        hint, collation, let, comment, bypass_document_validation)."""
        return await run_blocking(self._sync.update_one, filter, update, upsert, **kwargs)

    async def update_many(self, filter: Any, update: Any, upsert: bool = False, **kwargs: Any) -> _core.UpdateResult:
        """Applies update operators (or a pipeline) to every match (kwargs as update_one)."""
        return await run_blocking(self._sync.update_many, filter, update, upsert, **kwargs)

    async def delete_one(self, filter: Any, **kwargs: Any) -> _core.DeleteResult:
        """Deletes the first match (kwargs: hint, collation, let, comment)."""
        return await run_blocking(self._sync.delete_one, filter, **kwargs)

    async def delete_many(self, filter: Any, **kwargs: Any) -> _core.DeleteResult:
        """Deletes every match (kwargs as delete_one)."""
        return await run_blocking(self._sync.delete_many, filter, **kwargs)

    async def find_one_and_update(
        self, filter: Any, update: Any, *args: Any, **kwargs: Any
    ) -> Optional[Dict[str, Any]]:
        """Collection.find_one_and_update (projection, sort, upsert, return_document, ...)."""
        return await run_blocking(self._sync.find_one_and_update, filter, update, *args, **kwargs)

    async def find_one_and_replace(
        self, filter: Any, replacement: Any, *args: Any, **kwargs: Any
    ) -> Optional[Dict[str, Any]]:
        """Collection.find_one_and_replace (projection, sort, upsert, return_document, ...)."""
        return await run_blocking(self._sync.find_one_and_replace, filter, replacement, *args, **kwargs)

    async def find_one_and_delete(self, filter: Any, *args: Any, **kwargs: Any) -> Optional[Dict[str, Any]]:
        """Collection.find_one_and_delete (projection, sort, ...)."""
        return await run_blocking(self._sync.find_one_and_delete, filter, *args, **kwargs)

    async def distinct(self, key: str, filter: Any = None, **kwargs: Any) -> List[Any]:
        """The distinct values of ``key`` among the matching documents."""
        return await run_blocking(self._sync.distinct, key, filter, **kwargs)

    async def estimated_document_count(self, **kwargs: Any) -> int:
        """The document count from the collection's metadata."""
        return await run_blocking(self._sync.estimated_document_count, **kwargs)

    async def bulk_write(self, requests: Sequence[Any], ordered: bool = True, **kwargs: Any) -> Any:
        """Sends InsertOne/UpdateOne/... requests together; a BulkWriteResult (comment, let and
        bypass_document_validation=True: NotImplementedError, see Collection.bulk_write)."""
        return await run_blocking(self._sync.bulk_write, list(requests), ordered=ordered, **kwargs)

    async def create_indexes(self, indexes: Sequence[Any], **kwargs: Any) -> List[str]:
        """Creates the indexes (IndexModel instances); returns their names."""
        return await run_blocking(self._sync.create_indexes, list(indexes), **kwargs)

    async def drop_index(self, index_or_name: Any, **kwargs: Any) -> None:
        """Drops an index given by name or by its keys."""
        await run_blocking(self._sync.drop_index, index_or_name, **kwargs)

    async def drop_indexes(self, **kwargs: Any) -> None:
        """Drops every index but _id's."""
        await run_blocking(self._sync.drop_indexes, **kwargs)

    def list_indexes(self, **kwargs: Any) -> AsyncCommandCursor:
        """The collection's indexes (listIndexes): an AsyncCommandCursor (``async for``,
        ``await to_list()``; ``await`` it for pymongo's async shape). Not awaited: the command
        runs on first use (kwargs: session None only; comment: NotImplementedError)."""
        return AsyncCommandCursor(functools.partial(run_blocking, self._sync.list_indexes, **kwargs))

    async def index_information(self) -> Dict[str, Any]:
        """The indexes as {name: {"key": [(field, direction), ...], ...}}."""
        return await run_blocking(self._sync.index_information)

    async def rename(self, new_name: str, **kwargs: Any) -> Dict[str, Any]:
        """Renames the collection in its database (this object keeps its name)."""
        return await run_blocking(self._sync.rename, new_name, **kwargs)

    def with_options(self, **kwargs: Any) -> AsyncCollection:
        """Without options, this collection; others raise ConfigurationError (Collection.with_options)."""
        self._sync.with_options(**kwargs)
        return self

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
        """The database's name."""
        return self._sync.name

    @property
    def client(self) -> AsyncMongoClient:
        """The AsyncMongoClient this database belongs to."""
        return self._client

    @property
    def delegate(self) -> Database:
        """The synchronous Database this one runs on a worker thread (motor's ``delegate``)."""
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
        """The synchronous MongoClient this one runs on a worker thread (motor's ``delegate``)."""
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
        """The ``admin`` database."""
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
