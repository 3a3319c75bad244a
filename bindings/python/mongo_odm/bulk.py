"""Bulk writes of a model: ``Model.bulk_writer()``.

::

    with User.bulk_writer(ordered=True) as bw:
        bw.insert(User(name="Ada"))
        bw.save(existing_user)
        bw.update_one({"name": "Bob"}, {"$set": {"age": 30}})
        bw.delete_many({"age": {"$lt": 18}})
    print(bw.result.inserted_count)

    async with User.bulk_writer() as bw:
        ...

Operations are encoded and queued by libmongo_odm as they are added (a bad one raises at once
and is not queued); nothing is sent until the block ends without an exception (an exception
drops the queue) or ``commit()`` / ``await acommit()`` is called. libmongo_odm then sends them
with libmongoc's bulk operation in batches of at most 1,000 operations and sums the results into
a :class:`BulkWriteResult` (pymongo's). A failed operation raises
:class:`mongo_odm.errors.BulkWriteError`: ``details["writeErrors"][i]["index"]`` is the failed
operation's position (0 for the first one queued since the last commit) and the counts
(``nInserted``, ...) say what was written; an ordered writer stops at the first failure, an
unordered one attempts every operation.

``save(doc)`` is lightodm's save, an upsert of the whole document by ``_id``: bulk writes do no
revision check and keep no saved state (``Settings.use_revision`` / ``use_state_management``
apply to ``save()`` itself).
"""

from __future__ import annotations

from types import TracebackType
from typing import TYPE_CHECKING, Any, Dict, Generic, Mapping, Optional, Type, TypeVar

from mongo_odm import _core
from mongo_odm._async import run_blocking
from mongo_odm._features import native_collection

if TYPE_CHECKING:
    from mongo_odm.model import MongoBaseModel

__all__ = ["BulkWriter", "BulkWriteResult"]

M = TypeVar("M", bound="MongoBaseModel")


class BulkWriteResult:
    """pymongo's BulkWriteResult: the counts of a commit, summed over its batches."""

    __slots__ = ("_raw",)

    def __init__(self, raw: Mapping[str, Any]) -> None:
        self._raw = dict(raw)

    def _count(self, key: str) -> int:
        return int(self._raw.get(key) or 0)

    @property
    def bulk_api_result(self) -> Dict[str, Any]:
        """The raw result: nInserted, nMatched, nModified, nRemoved, nUpserted, upserted,
        writeErrors, writeConcernErrors."""
        return self._raw

    @property
    def inserted_count(self) -> int:
        """The number of documents inserted (the server's ``nInserted``)."""
        return self._count("nInserted")

    @property
    def matched_count(self) -> int:
        """The number of documents the updates and replacements matched (``nMatched``)."""
        return self._count("nMatched")

    @property
    def modified_count(self) -> int:
        """The number of documents the updates and replacements changed (``nModified``)."""
        return self._count("nModified")

    @property
    def deleted_count(self) -> int:
        """The number of documents deleted (``nRemoved``)."""
        return self._count("nRemoved")

    @property
    def upserted_count(self) -> int:
        """The number of documents inserted by upserts (``nUpserted``)."""
        return self._count("nUpserted")

    @property
    def upserted_ids(self) -> Dict[int, Any]:
        """Operation index -> the _id an upsert inserted."""
        return {int(u["index"]): u["_id"] for u in self._raw.get("upserted") or []}

    @property
    def acknowledged(self) -> bool:
        """Always True: bulk writes use the client's (acknowledged) write concern."""
        return True

    def __repr__(self) -> str:
        return (
            f"BulkWriteResult(inserted={self.inserted_count}, matched={self.matched_count}, "
            f"modified={self.modified_count}, deleted={self.deleted_count}, upserted={self.upserted_count})"
        )


class BulkWriter(Generic[M]):
    """Collects write operations of one model's collection and sends them together (see the
    module's documentation). Made by ``Model.bulk_writer(ordered=True)``; needs mongo_odm's own
    collection (TypeError when ``get_collection()`` is overridden with another kind)."""

    def __init__(self, model: Type[M], ordered: bool = True) -> None:
        self._model = model
        self._ordered = ordered
        self._native: Optional[_core.BulkWriter] = None
        self.result: Optional[BulkWriteResult] = None
        """The result of the last commit (also when the ``with`` block committed)."""

    @property
    def ordered(self) -> bool:
        """Whether the writes stop at the first error (True) or go on past it (False)."""
        return self._ordered

    def __len__(self) -> int:
        """Operations queued and not committed yet."""
        return 0 if self._native is None else len(self._native)

    def _writer(self) -> _core.BulkWriter:
        if self._native is None:
            collection = native_collection(self._model.get_collection(), "bulk_writer()")
            self._native = collection.bulk_writer(self._ordered)
        return self._native

    async def _awriter(self) -> _core.BulkWriter:
        if self._native is None:
            collection = native_collection(await self._model.get_async_collection(), "bulk_writer()")
            self._native = collection.bulk_writer(self._ordered)
        return self._native

    def _check(self, doc: Any) -> M:
        if not isinstance(doc, self._model):
            raise TypeError(f"expected a {self._model.__name__}, got {type(doc).__name__}")
        return doc

    # ------------------------------------------------------------------ operations
    def insert(self, doc: M) -> None:
        """Queues the insertion of a model (its ``_id`` included)."""
        self._writer().insert_one(self._check(doc)._to_mongo_dict())

    def save(self, doc: M, exclude_none: bool = False) -> None:
        """Queues lightodm's save of a model: an upsert of the whole document by ``_id``."""
        data = self._check(doc)._to_mongo_dict(exclude_none=exclude_none)
        doc_id = data.get("_id")
        if doc_id is None:
            raise ValueError("Document ID is required")
        self._writer().replace_one({"_id": doc_id}, data, True)

    def update_one(self, filter: Mapping[str, Any], update: Any, upsert: bool = False) -> None:
        """Queues an update (operators or a pipeline) of the first match."""
        self._writer().update_one(filter, update, upsert)

    def update_many(self, filter: Mapping[str, Any], update: Any, upsert: bool = False) -> None:
        """Queues an update (operators or a pipeline) of every match."""
        self._writer().update_many(filter, update, upsert)

    def delete_one(self, filter: Mapping[str, Any]) -> None:
        """Queues the deletion of the first match."""
        self._writer().delete_one(filter)

    def delete_many(self, filter: Mapping[str, Any]) -> None:
        """Queues the deletion of every match (``{}``: all)."""
        self._writer().delete_many(filter)

    # ------------------------------------------------------------------ sending
    def commit(self) -> BulkWriteResult:
        """Sends the queued operations (batches of at most 1,000) and empties the queue.
        BulkWriteError when an operation failed (its details say which and what was written)."""
        writer = self._native
        self.result = BulkWriteResult(writer.execute() if writer is not None else {})
        return self.result

    async def acommit(self) -> BulkWriteResult:
        """Async twin of commit(): the write runs on the library's executor."""
        writer = self._native
        self.result = BulkWriteResult(await run_blocking(writer.execute) if writer is not None else {})
        return self.result

    def discard(self) -> None:
        """Drops the queued operations without sending them."""
        self._native = None

    def __enter__(self) -> BulkWriter[M]:
        self._writer()
        return self

    def __exit__(
        self, exc_type: Optional[Type[BaseException]], exc: Optional[BaseException], tb: Optional[TracebackType]
    ) -> None:
        if exc_type is None:
            self.commit()
        else:
            self.discard()

    async def __aenter__(self) -> BulkWriter[M]:
        await self._awriter()
        return self

    async def __aexit__(
        self, exc_type: Optional[Type[BaseException]], exc: Optional[BaseException], tb: Optional[TracebackType]
    ) -> None:
        if exc_type is None:
            await self.acommit()
        else:
            self.discard()

    def __repr__(self) -> str:
        return f"BulkWriter({self._model.__name__}, ordered={self._ordered}, pending={len(self)})"
