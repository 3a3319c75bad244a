"""The bring-your-own-collection contract: what the model layer calls on a collection.

``MongoBaseModel.get_collection()`` returns a :class:`CollectionProtocol` and
``MongoBaseModel.get_async_collection()`` an :class:`AsyncCollectionProtocol`. By default they
are mongo_odm's own collections; a subclass may override either method to return a collection
of a client the application made itself, for instance a pymongo ``Collection`` or a motor
``AsyncIOMotorCollection``. Those satisfy the protocols structurally: nothing to inherit or
register. The model layer uses only the methods and result attributes listed here, with
pymongo's names and meanings.

Documents come back as ``dict``: pymongo's default ``document_class``, which a type checker
sees when the client is annotated ``MongoClient[Dict[str, Any]]`` (pymongo's own advice;
unannotated, mypy infers ``MongoClient[Never]``). Filters, updates, replacements, documents
and pipelines are passed positionally, ``upsert`` by keyword, and ``**kwargs`` are the
caller's pymongo options (``sort``, ``limit``, ``projection``, ``max_time_ms``,
``maxTimeMS``, ...), handed through unchanged. Where a method takes ``**kwargs``, its first
parameter has pymongo's name (``filter``, ``pipeline``), since an option could otherwise be
passed under that name.
"""

from __future__ import annotations

from typing import Any, AsyncIterator, Awaitable, Dict, Iterable, List, Mapping, Optional, Protocol, Sequence

__all__ = [
    "CollectionProtocol",
    "AsyncCollectionProtocol",
    "AsyncCursorProtocol",
    "InsertManyResultProtocol",
    "UpdateResultProtocol",
    "DeleteResultProtocol",
]


class InsertManyResultProtocol(Protocol):
    """What ``insert_many`` returns (pymongo's InsertManyResult): the ids, in document order."""

    @property
    def inserted_ids(self) -> Sequence[Any]: ...


class UpdateResultProtocol(Protocol):
    """What ``update_one`` and ``update_many`` return (pymongo's UpdateResult)."""

    @property
    def modified_count(self) -> int: ...

    @property
    def upserted_id(self) -> Any: ...


class DeleteResultProtocol(Protocol):
    """What ``delete_one`` and ``delete_many`` return (pymongo's DeleteResult)."""

    @property
    def deleted_count(self) -> int: ...


class CollectionProtocol(Protocol):
    """A synchronous collection: what ``MongoBaseModel.get_collection()`` returns."""

    def find_one(self, filter: Mapping[str, Any], **kwargs: Any) -> Optional[Dict[str, Any]]:
        """The first matching document, or None."""

    def find(self, filter: Mapping[str, Any], **kwargs: Any) -> Iterable[Dict[str, Any]]:
        """The matching documents (a cursor)."""

    def insert_many(self, documents: List[Dict[str, Any]], /) -> InsertManyResultProtocol:
        """Inserts the documents."""

    def replace_one(self, filter: Mapping[str, Any], replacement: Mapping[str, Any], /, *,
                    upsert: bool = False) -> object:
        """Replaces the first match (inserts when ``upsert`` and none matches); the result is not read."""

    def update_one(self, filter: Mapping[str, Any], update: Mapping[str, Any], /, *,
                   upsert: bool = False) -> UpdateResultProtocol:
        """Applies update operators to the first match."""

    def update_many(self, filter: Mapping[str, Any], update: Mapping[str, Any], /) -> UpdateResultProtocol:
        """Applies update operators to every match."""

    def delete_one(self, filter: Mapping[str, Any], /) -> DeleteResultProtocol:
        """Deletes the first match."""

    def delete_many(self, filter: Mapping[str, Any], /) -> DeleteResultProtocol:
        """Deletes every match."""

    def count_documents(self, filter: Mapping[str, Any], **kwargs: Any) -> int:
        """The number of matching documents."""

    def aggregate(self, pipeline: Sequence[Mapping[str, Any]], **kwargs: Any) -> Iterable[Dict[str, Any]]:
        """Runs an aggregation pipeline (a cursor over its output)."""


class AsyncCursorProtocol(Protocol):
    """What the async ``find`` and ``aggregate`` return, without awaiting (motor's cursors).

    The model layer reads it with ``async for`` or ``await cursor.to_list(length=None)``, and
    closes a cursor it leaves early with ``aclose()`` or ``close()``, whichever it has.
    """

    def __aiter__(self) -> AsyncIterator[Dict[str, Any]]: ...

    def to_list(self, length: Optional[int]) -> Awaitable[List[Dict[str, Any]]]:
        """All the remaining documents (at most ``length``; None: no limit)."""


class AsyncCollectionProtocol(Protocol):
    """An asynchronous collection: what ``MongoBaseModel.get_async_collection()`` returns.

    The sync contract with awaitable results, except ``find`` and ``aggregate``, which return
    a cursor at once (motor's shape).
    """

    def find_one(self, filter: Mapping[str, Any], **kwargs: Any) -> Awaitable[Optional[Dict[str, Any]]]:
        """The first matching document, or None."""

    def find(self, filter: Mapping[str, Any], **kwargs: Any) -> AsyncCursorProtocol:
        """The matching documents (a cursor)."""

    def insert_many(self, documents: List[Dict[str, Any]], /) -> Awaitable[InsertManyResultProtocol]:
        """Inserts the documents."""

    def replace_one(self, filter: Mapping[str, Any], replacement: Mapping[str, Any], /, *,
                    upsert: bool = False) -> Awaitable[object]:
        """Replaces the first match (inserts when ``upsert`` and none matches); the result is not read."""

    def update_one(self, filter: Mapping[str, Any], update: Mapping[str, Any], /, *,
                   upsert: bool = False) -> Awaitable[UpdateResultProtocol]:
        """Applies update operators to the first match."""

    def update_many(self, filter: Mapping[str, Any], update: Mapping[str, Any], /) -> Awaitable[UpdateResultProtocol]:
        """Applies update operators to every match."""

    def delete_one(self, filter: Mapping[str, Any], /) -> Awaitable[DeleteResultProtocol]:
        """Deletes the first match."""

    def delete_many(self, filter: Mapping[str, Any], /) -> Awaitable[DeleteResultProtocol]:
        """Deletes every match."""

    def count_documents(self, filter: Mapping[str, Any], **kwargs: Any) -> Awaitable[int]:
        """The number of matching documents."""

    def aggregate(self, pipeline: Sequence[Mapping[str, Any]], **kwargs: Any) -> AsyncCursorProtocol:
        """Runs an aggregation pipeline (a cursor over its output)."""
