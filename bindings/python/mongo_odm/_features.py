"""The model layer's side of issue 11's features: it reads ``Settings``, turns models into BSON
with the native codec and calls libmongo_odm, which holds every rule (changed-field diffs and
revisions: mongo_odm/changes.h; indexes: mongo_odm/index.h; bulk writes: mongo_odm/bulk.h).

Saved state: a model instance of a class whose ``Settings.use_state_management`` or
``Settings.use_revision`` is true remembers, after it was loaded or saved, the BSON of the
document as the database has it. It is kept in the instance's ``__dict__`` under a name
pydantic neither validates, dumps, compares nor prints.
"""

from __future__ import annotations

from typing import Any, Dict, Mapping, Optional, Tuple, Type, TypeVar
from weakref import WeakKeyDictionary

from pydantic import BaseModel

from mongo_odm import _core
from mongo_odm.errors import InvalidOperation

__all__ = ["REVISION_FIELD"]

# libmongo_odm's MONGO_ODM_REVISION_FIELD (Beanie's name).
REVISION_FIELD = "revision_id"
_STATE = "_mongo_odm_saved_state"

P = TypeVar("P", bound=BaseModel)

# Per model class: (use_state_management, use_revision), read from Settings on first use.
_TRACKING: WeakKeyDictionary[type, Tuple[bool, bool]] = WeakKeyDictionary()


def tracking(cls: type) -> Tuple[bool, bool]:
    """(use_state_management, use_revision) of a model class."""
    flags = _TRACKING.get(cls)
    if flags is None:
        settings = getattr(cls, "Settings", None)
        flags = (bool(getattr(settings, "use_state_management", False)), bool(getattr(settings, "use_revision", False)))
        _TRACKING[cls] = flags
    return flags


def tracks_state(cls: type) -> bool:
    state, revision = tracking(cls)
    return state or revision


# ------------------------------------------------------------------ native collections
def native_collection(collection: Any, what: str) -> _core.Collection:
    """The native collection behind ``collection`` (an AsyncCollection's delegate too);
    TypeError for a collection of another kind (pymongo, motor, mongomock)."""
    if isinstance(collection, _core.Collection):
        return collection
    delegate = getattr(collection, "delegate", None)
    if isinstance(delegate, _core.Collection):
        return delegate
    raise TypeError(
        f"{what} needs mongo_odm's own collection (libmongo_odm does the work), but get_collection() returned "
        f"{type(collection).__module__}.{type(collection).__qualname__}"
    )


# ------------------------------------------------------------------ saved state
def saved_state(model: BaseModel) -> Optional[bytes]:
    state: Optional[bytes] = model.__dict__.get(_STATE)
    return state


def remember(model: BaseModel, state: Optional[bytes] = None) -> None:
    """Records the model's saved state: `state`, or the BSON of the model as it is now."""
    if state is None:
        state = _core.encode(_mongo_dict(model))
    object.__setattr__(model, _STATE, state)


def forget(model: BaseModel) -> None:
    model.__dict__.pop(_STATE, None)


def _mongo_dict(model: BaseModel, exclude_none: bool = False) -> Dict[str, Any]:
    return model._to_mongo_dict(exclude_none=exclude_none)  # type: ignore[attr-defined, no-any-return]


def _require_tracking(model: BaseModel, what: str) -> Tuple[bool, bool]:
    state, revision = tracking(type(model))
    if not state:
        raise InvalidOperation(f"{what} needs Settings.use_state_management = True on {type(model).__name__}")
    return state, revision


def _is_known(saved: Optional[bytes], data: Mapping[str, Any]) -> bool:
    """True when the saved state is of this document (same _id): else it is new."""
    if saved is None:
        return False
    return bool(_core.decode(saved).get("_id") == data.get("_id"))


def get_changes(model: BaseModel, exclude_none: bool = False) -> Dict[str, Any]:
    """The update a save would send, computed by libmongo_odm (mongo_odm_diff)."""
    _, revision = _require_tracking(model, "get_changes()")
    data = _mongo_dict(model, exclude_none)
    saved = saved_state(model)
    if not _is_known(saved, data):
        saved = None
    update = _core.diff(saved if saved is not None else b"\x05\x00\x00\x00\x00", data)
    if revision:  # the revision is the library's, not a change of the user's
        for op in ("$set", "$unset"):
            fields = update.get(op)
            if fields is not None:
                fields.pop(REVISION_FIELD, None)
                if not fields:
                    del update[op]
    return update


def is_changed(model: BaseModel) -> bool:
    """True when a save would write something: a new document, or a changed one."""
    _require_tracking(model, "is_changed")
    data = _mongo_dict(model)
    saved = saved_state(model)
    if not _is_known(saved, data):
        return True
    try:
        return bool(get_changes(model))
    except ValueError:  # a changed key no update can name: a save writes the whole document
        return True


def prepare_save(model: BaseModel, exclude_none: bool) -> Tuple[Dict[str, Any], Optional[bytes], bool, bool]:
    data = _mongo_dict(model, exclude_none)
    if data.get("_id") is None:
        raise ValueError("Document ID is required")
    state, revision = tracking(type(model))
    return data, saved_state(model), state, revision


def finish_save(model: BaseModel, result: Mapping[str, Any]) -> None:
    """Applies a save's result: the new revision, and the saved state."""
    if result.get("sent") == "nothing":
        return
    revision = result.get("revision")
    if revision is not None:
        setattr(model, REVISION_FIELD, revision)
    remember(model, result["stored"])


# ------------------------------------------------------------------ projections
def projection_model(kwargs: Mapping[str, Any]) -> Optional[Type[BaseModel]]:
    """The Pydantic class passed as ``projection=``, or None (a mapping or a list is pymongo's)."""
    projection = kwargs.get("projection")
    if isinstance(projection, type) and issubclass(projection, BaseModel):
        return projection
    return None


def _field_key(name: str, field: Any) -> str:
    alias = field.alias if isinstance(field.alias, str) else None
    if alias is None and isinstance(field.validation_alias, str):
        alias = field.validation_alias
    if alias is not None:
        return alias
    return "_id" if name == "id" else name


def projection_spec(sub: Type[BaseModel]) -> Dict[str, int]:
    """``{field: 1, ...}`` of ``sub``'s fields under their stored names (aliases respected;
    ``id`` is ``_id``); ``_id: 0`` when ``sub`` has no id."""
    spec = {_field_key(name, field): 1 for name, field in sub.model_fields.items()}
    if "_id" not in spec:
        spec["_id"] = 0
    return spec


def projected_kwargs(kwargs: Mapping[str, Any], sub: Type[BaseModel]) -> Dict[str, Any]:
    out = dict(kwargs)
    out["projection"] = projection_spec(sub)
    return out


def from_projected(sub: Type[P], doc: Optional[Mapping[str, Any]]) -> Optional[P]:
    """A ``sub`` instance from a projected document (a view: it has no saved state)."""
    if doc is None:
        return None
    from_mongo = getattr(sub, "_from_mongo_dict", None)
    if from_mongo is not None:  # a MongoBaseModel: its own _id rule
        model: P = from_mongo(doc)
        forget(model)
        return model
    data = dict(doc)
    id_field = sub.model_fields.get("id")
    if "_id" in data and "id" not in data and id_field is not None and _field_key("id", id_field) == "_id":
        data["id"] = data.pop("_id")
    return sub.model_validate(data)
