"""pymongo's write request classes for ``Collection.bulk_write()``, and ``ReturnDocument``.

    from mongo_odm import InsertOne, UpdateOne, DeleteMany, ReturnDocument

    coll.bulk_write([InsertOne({"_id": 1}), UpdateOne({"_id": 1}, {"$set": {"a": 1}}), DeleteMany({})])
    coll.find_one_and_update({"_id": "counter"}, {"$inc": {"n": 1}}, upsert=True,
                             return_document=ReturnDocument.AFTER)

Each request queues itself on the collection's native bulk writer (libmongo_odm's
mongo_odm/bulk.h), which sends the queue in batches. The writer takes a filter, a document and
``upsert``; a request given ``collation``, ``array_filters``, ``hint`` or ``sort`` raises
NotImplementedError when it is queued (use update_one()/update_many(), which take them).
"""

from __future__ import annotations

from typing import Any, List, Mapping, Optional

from mongo_odm import _core

__all__ = ["ReturnDocument", "InsertOne", "UpdateOne", "UpdateMany", "ReplaceOne", "DeleteOne", "DeleteMany"]


class ReturnDocument:
    """Which document find_one_and_update/_replace return: the one before the change (BEFORE,
    the default) or after it (AFTER). pymongo's values (False / True)."""

    BEFORE = False
    AFTER = True


def _no_options(name: str, **options: Any) -> None:
    given = [k for k, v in options.items() if v is not None]
    if given:
        raise NotImplementedError(
            f"{name}: {', '.join(given)} not supported in bulk_write (use the single-write method)"
        )


class _Request:
    __slots__ = ("_doc", "_filter", "_options", "_upsert")
    _name = ""

    def __init__(self, filter: Any, doc: Any = None, upsert: Optional[bool] = None, **options: Any) -> None:
        self._filter = filter
        self._doc = doc
        self._upsert = upsert
        self._options = options

    def _add_to(self, writer: _core.BulkWriter) -> None:
        raise NotImplementedError

    def _check(self) -> None:
        _no_options(self._name, **self._options)

    def __eq__(self, other: object) -> bool:
        return (
            type(other) is type(self)
            and isinstance(other, _Request)
            and (other._filter, other._doc, other._upsert, other._options)
            == (self._filter, self._doc, self._upsert, self._options)
        )

    def __repr__(self) -> str:
        parts: List[str] = [repr(self._filter)]
        if self._doc is not None:
            parts.append(repr(self._doc))
        if self._upsert is not None:
            parts.append(f"upsert={self._upsert!r}")
        return f"{self._name}({', '.join(parts)})"


class InsertOne(_Request):
    """Inserts ``document`` (an ``_id`` is generated when missing)."""

    _name = "InsertOne"

    def __init__(self, document: Any) -> None:
        super().__init__(document)

    def _add_to(self, writer: _core.BulkWriter) -> None:
        writer.insert_one(self._filter)


class UpdateOne(_Request):
    """Updates the first match (operators or a pipeline)."""

    _name = "UpdateOne"

    def __init__(self, filter: Mapping[str, Any], update: Any, upsert: Optional[bool] = None,
                 collation: Any = None, array_filters: Any = None, hint: Any = None, sort: Any = None) -> None:
        super().__init__(filter, update, upsert, collation=collation, array_filters=array_filters, hint=hint,
                         sort=sort)

    def _add_to(self, writer: _core.BulkWriter) -> None:
        self._check()
        writer.update_one(self._filter, self._doc, bool(self._upsert))


class UpdateMany(_Request):
    """Updates every match (operators or a pipeline)."""

    _name = "UpdateMany"

    def __init__(self, filter: Mapping[str, Any], update: Any, upsert: Optional[bool] = None,
                 collation: Any = None, array_filters: Any = None, hint: Any = None) -> None:
        super().__init__(filter, update, upsert, collation=collation, array_filters=array_filters, hint=hint)

    def _add_to(self, writer: _core.BulkWriter) -> None:
        self._check()
        writer.update_many(self._filter, self._doc, bool(self._upsert))


class ReplaceOne(_Request):
    """Replaces the first match by ``replacement``."""

    _name = "ReplaceOne"

    def __init__(self, filter: Mapping[str, Any], replacement: Any, upsert: Optional[bool] = None,
                 collation: Any = None, hint: Any = None, sort: Any = None) -> None:
        super().__init__(filter, replacement, upsert, collation=collation, hint=hint, sort=sort)

    def _add_to(self, writer: _core.BulkWriter) -> None:
        self._check()
        writer.replace_one(self._filter, self._doc, bool(self._upsert))


class DeleteOne(_Request):
    """Deletes the first match."""

    _name = "DeleteOne"

    def __init__(self, filter: Mapping[str, Any], collation: Any = None, hint: Any = None) -> None:
        super().__init__(filter, collation=collation, hint=hint)

    def _add_to(self, writer: _core.BulkWriter) -> None:
        self._check()
        writer.delete_one(self._filter)


class DeleteMany(_Request):
    """Deletes every match (``{}``: all)."""

    _name = "DeleteMany"

    def __init__(self, filter: Mapping[str, Any], collation: Any = None, hint: Any = None) -> None:
        super().__init__(filter, collation=collation, hint=hint)

    def _add_to(self, writer: _core.BulkWriter) -> None:
        self._check()
        writer.delete_many(self._filter)
