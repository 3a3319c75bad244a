"""Indexes declared on a model: ``class Settings: indexes = [...]``.

Each entry is one of

- a field name: an ascending index on it (``"email"``);
- a list of ``(field, direction)`` pairs: a compound index (``[("name", ASCENDING), ("age", DESCENDING)]``);
- an :class:`IndexModel` (pymongo's shape: ``IndexModel(keys, name=..., unique=..., sparse=...,
  expireAfterSeconds=..., partialFilterExpression=...)``); a pymongo ``IndexModel`` works too.

``Model.ensure_indexes()`` / ``await Model.aensure_indexes()`` hand these specifications to
libmongo_odm, which lists the collection's indexes, creates the missing ones and refuses an
index whose name exists with other keys or options (OperationFailure, code 86 for other keys,
85 for other options, as MongoDB answers createIndexes). The rule lives in the C++ core
(mongo_odm/index.h); this module only turns declarations into specifications.
"""

from __future__ import annotations

from typing import Any, Dict, Iterable, List, Mapping, Sequence, Tuple, Union

__all__ = ["ASCENDING", "DESCENDING", "GEO2D", "GEOSPHERE", "HASHED", "TEXT", "IndexModel", "index_specs"]

ASCENDING = 1
DESCENDING = -1
GEO2D = "2d"
GEOSPHERE = "2dsphere"
HASHED = "hashed"
TEXT = "text"

_Keys = Union[str, Sequence[Union[str, Tuple[str, Any]]], Mapping[str, Any]]


def _key_document(keys: _Keys) -> Dict[str, Any]:
    """pymongo's key forms: a name, a list of names and (name, direction) pairs, or a mapping."""
    if isinstance(keys, str):
        return {keys: ASCENDING}
    if isinstance(keys, Mapping):
        return dict(keys)
    if not isinstance(keys, (list, tuple)):
        raise TypeError(
            f"index keys must be a field name or a list of (field, direction) pairs, not {type(keys).__name__}"
        )
    out: Dict[str, Any] = {}
    for item in keys:
        if isinstance(item, str):
            out[item] = ASCENDING
        elif isinstance(item, (list, tuple)) and len(item) == 2 and isinstance(item[0], str):
            out[item[0]] = item[1]
        else:
            raise TypeError(f"index keys must be field names or (field, direction) pairs, not {item!r}")
    if not out:
        raise ValueError("index keys must not be empty")
    return out


class IndexModel:
    """An index specification, as pymongo's ``IndexModel``: ``keys`` (a field name or a list of
    ``(field, direction)`` pairs) and MongoDB's index options as keyword arguments (``name``,
    ``unique``, ``sparse``, ``expireAfterSeconds``, ``partialFilterExpression``, ...).
    Without ``name`` the server-side name is pymongo's (``"a_1_b_-1"``), given by libmongo_odm."""

    __slots__ = ("__document",)

    def __init__(self, keys: _Keys, **kwargs: Any) -> None:
        self.__document: Dict[str, Any] = {"key": _key_document(keys), **kwargs}

    @property
    def document(self) -> Dict[str, Any]:
        """The createIndexes entry: ``{"key": {...}, **options}``."""
        return dict(self.__document)

    def __repr__(self) -> str:
        return f"IndexModel({self.__document!r})"

    def __eq__(self, other: object) -> bool:
        return isinstance(other, IndexModel) and other.document == self.__document

    def __hash__(self) -> int:
        return hash(repr(self.__document))


def index_specs(entries: Iterable[Any]) -> List[Dict[str, Any]]:
    """The createIndexes entries of ``Settings.indexes``."""
    if isinstance(entries, (str, bytes)) or not isinstance(entries, Iterable):
        raise TypeError("Settings.indexes must be a list")
    specs: List[Dict[str, Any]] = []
    for entry in entries:
        if isinstance(entry, str):
            specs.append({"key": {entry: ASCENDING}})
        elif isinstance(getattr(entry, "document", None), Mapping):  # ours, or pymongo's IndexModel
            specs.append(dict(entry.document))
        elif isinstance(entry, (list, tuple)):
            specs.append({"key": _key_document(entry)})
        else:
            raise TypeError(
                "Settings.indexes entries are field names, lists of (field, direction) pairs or IndexModel, "
                f"not {type(entry).__name__}"
            )
    return specs
