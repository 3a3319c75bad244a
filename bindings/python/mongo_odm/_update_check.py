"""Checked updates for Python models (``Settings.check_updates``, a mongo_odm extension).

``update_one`` / ``update_many`` (and their async twins) of a model whose ``Settings`` has
``check_updates = True`` check the update operators against the model's fields before
anything is sent, with libmongo_odm's own check (``mongo_odm_model_check_update()``, the one
the C API's ``mongo_odm_update_one()`` runs): a ``$set``/``$setOnInsert``/``$min``/``$max``
value of the wrong BSON type, ``$inc``/``$mul`` on a field that is not numeric, array
operators on a field that is not a list, ``$unset``/``$rename`` of a required field. A
refused update raises ValueError naming the operator and the field.

It is off by default: lightodm's ``update_one`` sends any update as it is, and the drop-in keeps
that. The check compares BSON types, as the C core does: stricter than Pydantic's lax mode (an
``int`` field refuses ``"5"`` and ``1.5``, which Pydantic would coerce or refuse on load).

Field types come from the annotations: ``str``, ``int`` (int32 or int64), ``float`` (any
number), ``bool``, ``datetime``, ``bytes``, ``ObjectId``, ``dict``/``Mapping``/a Pydantic
model (a document), ``list``/``set``/``tuple`` (an array); ``Optional[X]`` is nullable; any
other annotation is not checked. The id field is never checked.
"""

from __future__ import annotations

import datetime
import typing
from typing import Any, Dict, List, Mapping, Optional, Tuple, Type, Union

from pydantic import BaseModel

from mongo_odm import _core

# mongo_odm_field_type_t (include/mongo_odm/model.h)
_ANY, _UTF8, _INT64, _DOUBLE, _BOOL, _DATETIME, _OID, _DOCUMENT, _ARRAY, _BINARY = 0, 1, 3, 4, 5, 6, 7, 8, 9, 10
_REQUIRED, _NULLABLE = 1, 2

_SCALARS: Dict[Any, int] = {
    bool: _BOOL,
    int: _INT64,
    float: _DOUBLE,
    str: _UTF8,
    bytes: _BINARY,
    datetime.datetime: _DATETIME,
    _core.ObjectId: _OID,
}
_CONTAINERS: Dict[Any, int] = {
    dict: _DOCUMENT,
    Dict: _DOCUMENT,
    Mapping: _DOCUMENT,
    list: _ARRAY,
    List: _ARRAY,
    set: _ARRAY,
    frozenset: _ARRAY,
    tuple: _ARRAY,
    Tuple: _ARRAY,
}

_CACHE_ATTR = "__mongo_odm_update_fields__"


def _type_code(annotation: Any) -> Tuple[int, bool]:
    """(field type, nullable) for an annotation."""
    origin = typing.get_origin(annotation)
    if origin is Union or type(annotation).__name__ == "UnionType":
        args = [a for a in typing.get_args(annotation) if a is not type(None)]
        nullable = len(args) < len(typing.get_args(annotation))
        if len(args) == 1:
            code, _ = _type_code(args[0])
            return code, nullable
        return _ANY, nullable
    if annotation in _SCALARS:
        return _SCALARS[annotation], False
    if origin is not None and origin in _CONTAINERS:
        return _CONTAINERS[origin], False
    if annotation in _CONTAINERS:
        return _CONTAINERS[annotation], False
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return _DOCUMENT, False
    return _ANY, False


def fields_of(cls: Type[BaseModel]) -> List[Tuple[str, int, int]]:
    """The (stored name, type, flags) triples of a model class, worked out once per class."""
    cached: Optional[List[Tuple[str, int, int]]] = cls.__dict__.get(_CACHE_ATTR)
    if cached is not None:
        return cached
    out: List[Tuple[str, int, int]] = []
    for name, info in cls.model_fields.items():
        stored = info.alias or name
        if stored in ("id", "_id"):
            continue
        code, nullable = _type_code(info.annotation)
        flags = (_REQUIRED if info.is_required() else 0) | (_NULLABLE if nullable else 0)
        out.append((stored, code, flags))
    setattr(cls, _CACHE_ATTR, out)
    return out


def check(cls: Type[BaseModel], update: Any) -> None:
    """Raises ValueError when ``Settings.check_updates`` is on and ``update`` does not fit."""
    settings = getattr(cls, "Settings", None)
    if not getattr(settings, "check_updates", False):
        return
    _core.check_update(fields_of(cls), update)
