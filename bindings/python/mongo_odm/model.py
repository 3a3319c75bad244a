"""``MongoBaseModel``: Pydantic v2 models stored in MongoDB (lightodm's model API).

The model layer is Pydantic modelling plus lightodm's return-value rules. Every database
operation is one call of a pymongo-named collection method: the native mongo_odm collection
by default, or whatever ``get_collection()`` / ``get_async_collection()`` return when a
subclass overrides them (a pymongo or motor collection works too).
"""

from __future__ import annotations

import asyncio
import datetime
import functools
import types
import typing
from typing import (
    TYPE_CHECKING,
    Any,
    AsyncIterator,
    Dict,
    Iterable,
    Iterator,
    List,
    Mapping,
    Optional,
    Tuple,
    Type,
    TypeVar,
    cast,
    overload,
)

from pydantic import BaseModel, ConfigDict, Field, TypeAdapter, ValidationError, model_validator

from mongo_odm import _core, _features, _update_check
from mongo_odm._async import AsyncCollection, run_blocking
from mongo_odm.bulk import BulkWriter
from mongo_odm.connection import get_async_database, get_collection
from mongo_odm.indexes import index_specs
from mongo_odm.protocols import AsyncCollectionProtocol, CollectionProtocol

if TYPE_CHECKING:
    from pydantic._internal._model_construction import ModelMetaclass as _PydanticModelMeta
else:
    _PydanticModelMeta = type(BaseModel)

__all__ = ["MongoBaseModel", "generate_id", "generate_composite_id", "T"]

T = TypeVar("T", bound="MongoBaseModel")
# A projection model: find(..., projection=P) returns P instances.
P = TypeVar("P", bound=BaseModel)



class _ClassPlan:
    """What every load and save of one model class needs to know, worked out once per class
    (pydantic rebuilds model_fields only when a class is (re)defined). Kept in the class's own
    ``__dict__`` (never inherited: a subclass gets its own).

    ``id_alias``: the id field maps to "_id" by alias. ``plain_dump`` / ``plain_validate``: the
    class keeps pydantic's own ``model_dump`` / ``model_validate``, so the save and load paths
    may call the class's serializer / validator directly (the same call those methods make,
    without their per-call wrapper); a class that overrides either gets its override called.
    """

    __slots__ = (
        "_list_adapter",
        "cls",
        "id_alias",
        "plain_dump",
        "plain_load",
        "plain_store",
        "plain_validate",
        "scalar_names",
        "tracks_state",
    )

    def __init__(self, cls: Type[MongoBaseModel]) -> None:
        self.cls = cls
        field = cls.model_fields.get("id")
        if field is None:
            self.id_alias = False
        else:
            alias = getattr(field, "serialization_alias", None) or getattr(field, "alias", None)
            if alias is None:
                alias = getattr(field, "validation_alias", None)
            self.id_alias = alias == "_id"
        self.plain_dump = cls.model_dump is BaseModel.model_dump
        self.plain_validate = getattr(cls.model_validate, "__func__", None) is _MODEL_VALIDATE
        # Settings.use_state_management / use_revision: loads remember the saved state.
        self.tracks_state = _features.tracks_state(cls)
        # Loading is validate_python alone: no id rename, no saved state, no override of either step.
        self.plain_load = (
            self.id_alias
            and self.plain_validate
            and not self.tracks_state
            and getattr(cls._from_mongo_dict, "__func__", None) is _FROM_MONGO_DICT
        )
        # Storing is to_python(by_alias=True) plus the extra fields: no override of either step.
        self.plain_store = self.id_alias and self.plain_dump and cls._to_mongo_dict is _TO_MONGO_DICT
        # Storing may copy the instance's values: every field a scalar (see _scalar_names).
        self.scalar_names = _scalar_names(cls) if self.plain_store else None
        self._list_adapter: Optional[TypeAdapter[List[Any]]] = None

    def scalar_dict(self, model: Any) -> Optional[Dict[str, Any]]:
        """What ``to_python(model, by_alias=True)`` returns, made from the instance's values
        (the same objects, "_id" first, the fields in their order), when the class has only
        scalar fields and the instance holds exactly them in that order; else None."""
        values = model.__dict__
        if self.scalar_names is None or tuple(values) != self.scalar_names:
            return None
        out = {"_id": values["id"], **values}
        del out["id"]
        return out

    def dump_list(self, models: List[Any]) -> List[Dict[str, Any]]:
        """``[m.model_dump(by_alias=True) for m in models]`` for models of exactly this class, in
        one serializer call."""
        if self._list_adapter is None:
            self._list_adapter = TypeAdapter(List[self.cls])  # type: ignore[name-defined]
        return self._list_adapter.dump_python(models, by_alias=True)  # type: ignore[no-any-return]


_MODEL_VALIDATE = BaseModel.model_validate.__func__  # type: ignore[attr-defined]
_CORE_SCHEMA = BaseModel.__get_pydantic_core_schema__.__func__  # type: ignore[attr-defined]

# Field types whose values pydantic's python-mode serializer hands back as they are (the same
# object), alone or in a Union / Optional of them.
_SCALAR_TYPES = (str, int, float, bool, bytes, type(None), datetime.datetime)


def _is_scalar(annotation: Any) -> bool:
    if any(annotation is t for t in _SCALAR_TYPES):
        return True
    origin = typing.get_origin(annotation)
    if origin is typing.Union or origin is types.UnionType:
        return all(_is_scalar(a) for a in typing.get_args(annotation))
    return False


def _scalar_names(cls: Type[BaseModel]) -> Optional[Tuple[str, ...]]:
    """The field names in order when storing a model of ``cls`` is copying its values: the id
    field first, every field of a scalar type, without metadata (constraints, Annotated
    serializers), exclusion or an alias (but the id's), no field or model serializer, no
    computed field, no schema of the class's own. None otherwise (pydantic's serializer then
    does the work; tests/python/test_model_store.py compares both on many shapes)."""
    fields = cls.model_fields
    names = tuple(fields)
    if not names or names[0] != "id":
        return None
    decorators = cls.__pydantic_decorators__
    if decorators.field_serializers or decorators.model_serializers or cls.model_computed_fields:
        return None
    if getattr(cls.__get_pydantic_core_schema__, "__func__", None) is not _CORE_SCHEMA:
        return None
    for name, field in fields.items():
        if field.metadata or field.exclude or not _is_scalar(field.annotation):
            return None
        if name != "id" and (field.alias is not None or field.serialization_alias is not None):
            return None
    return names

# (_FROM_MONGO_DICT and _TO_MONGO_DICT, the base class's own loader and storer, are set after
# MongoBaseModel below.)
_PLAN_ATTR = "__mongo_odm_plan__"


def _plan(cls: Type[MongoBaseModel]) -> _ClassPlan:
    plan: Optional[_ClassPlan] = cls.__dict__.get(_PLAN_ATTR)
    if plan is None:
        plan = _ClassPlan(cls)
        type.__setattr__(cls, _PLAN_ATTR, plan)
    return plan

# afind() turns documents into models in slices of this size, yielding to the event loop in
# between, so a large result never holds the loop for long.
_ASYNC_VALIDATE_SLICE = 256


def generate_id(**kwargs: Any) -> str:
    """A new ObjectId string; with keyword arguments, a deterministic id instead: the md5 of
    the pairs sorted by key (``generate_id(user_id="123", type="profile")`` is the same
    whatever the argument order). Computed by libmongo_odm."""
    if not kwargs:
        return _core.generate_id()
    return _core.generate_id_from_pairs([(str(k), str(v)) for k, v in kwargs.items()])


def generate_composite_id(values: List[Any]) -> str:
    """The md5 hex of the concatenated ``str()`` of the values (lightodm's composite key)."""
    return _core.generate_composite_id([str(v) for v in values])


async def _close_cursor(cursor: object) -> None:
    """Closes an async cursor: ours (``aclose``), pymongo's (``close()`` is a coroutine) or
    motor's (``close()`` returns None or a future)."""
    close = getattr(cursor, "aclose", None) or getattr(cursor, "close", None)
    if close is None:
        return
    result = close()
    if asyncio.iscoroutine(result) or asyncio.isfuture(result):
        await result


def _fitting(convert: Any, docs: Iterable[Any]) -> Iterator[Any]:
    """``convert(doc)`` for each document, passing over those that fail validation (the
    ``skip_invalid=True`` of find() and its kin: documents that no longer fit the model)."""
    for doc in docs:
        try:
            yield convert(doc)
        except ValidationError:
            continue


def _has_field(bases: Tuple[type, ...], name: str) -> bool:
    return any(name in (getattr(base, "model_fields", None) or {}) for base in bases)


class _ModelMeta(_PydanticModelMeta):
    """Pydantic's metaclass, plus one thing: a model whose ``Settings.use_revision`` is true
    gets a ``revision_id: Optional[str] = None`` field (unless it or a base declares one),
    before pydantic collects the fields."""

    def __new__(mcs, name: str, bases: Tuple[type, ...], namespace: Dict[str, Any], **kwargs: Any) -> type:
        settings = namespace.get("Settings")
        field = _features.REVISION_FIELD
        if settings is not None and getattr(settings, "use_revision", False) and not _has_field(bases, field):
            annotate = namespace.get("__annotate__")
            if "__annotations__" not in namespace and callable(annotate):  # Python 3.14: lazy annotations
                def with_revision(format: int, _inner: Any = annotate) -> Dict[str, Any]:
                    out = dict(_inner(format))
                    out.setdefault(field, "Optional[str]" if format == 4 else Optional[str])
                    return out

                namespace["__annotate__"] = with_revision
            else:
                namespace.setdefault("__annotations__", {}).setdefault(field, Optional[str])
            namespace.setdefault(field, None)
        return super().__new__(mcs, name, bases, namespace, **kwargs)


class MongoBaseModel(BaseModel, metaclass=_ModelMeta):
    """Base class of document models.

    Subclasses name their collection in an inner ``Settings`` class (``name``), and may list
    ``composite_key`` fields whose values determine the id. ``id`` maps to MongoDB's ``_id``.
    A subclass without Settings (or with ``name`` None) is allowed, as an intermediate base; its
    database operations raise NotImplementedError.

    Settings beyond lightodm's (all off by default; docs/features.md):

    - ``indexes``: declared indexes, created by ``ensure_indexes()`` (mongo_odm.indexes);
    - ``use_state_management``: a loaded or saved document remembers its saved state and
      ``save()`` sends only the top-level fields that changed (``is_changed``, ``get_changes()``);
    - ``use_revision``: the model gets a ``revision_id`` field; every save stores a new one and a
      save of a document whose stored revision changed since it was loaded raises
      ``mongo_odm.errors.RevisionConflictError``, writing nothing;
    - ``check_updates``: ``update_one``/``update_many`` check the update operators against the
      fields before sending (ValueError naming the field), with libmongo_odm's check
      (mongo_odm._update_check). Off by default: lightodm sends updates unchecked.

    These need mongo_odm's own collection (TypeError when ``get_collection()`` returns another
    kind); ``Model.bulk_writer()`` too. ``find(..., projection=Sub)`` with a Pydantic class
    works on any collection.
    """

    model_config = ConfigDict(populate_by_name=True, extra="allow")

    id: Optional[str] = Field(default_factory=generate_id, alias="_id")

    class Settings:
        name: Optional[str] = None
        composite_key: Optional[List[str]] = None

    # ------------------------------------------------------------------ model plumbing
    @classmethod
    def _uses_mongo_id_alias(cls) -> bool:
        return _plan(cls).id_alias

    @model_validator(mode="after")
    def _compute_composite_key(self) -> MongoBaseModel:
        """Derives the id from Settings.composite_key, when the model has one."""
        key_fields = getattr(self.Settings, "composite_key", None)
        if key_fields is None:
            return self
        if not isinstance(key_fields, (list, tuple)) or not key_fields:
            raise ValueError("composite_key must be a non-empty list")
        values: List[Any] = []
        for name in key_fields:
            if name not in type(self).model_fields and not hasattr(self, name):
                raise ValueError(f"Composite key field '{name}' not found in model")
            value = getattr(self, name, None)
            if value is None:
                raise ValueError(f"Composite key field '{name}' is None. All fields must have values.")
            values.append(value)
        self.id = generate_composite_id(values)
        return self

    @classmethod
    def _validate_collection_name(cls) -> None:
        if not hasattr(cls, "Settings"):
            raise NotImplementedError(f"{cls.__name__} must define an inner 'Settings' class")
        if getattr(cls.Settings, "name", None) is None:
            raise NotImplementedError(f"{cls.__name__}.Settings must define 'name' attribute with the collection name")

    @classmethod
    def _get_collection_name(cls) -> str:
        name = getattr(getattr(cls, "Settings", None), "name", None)
        if name is None:
            cls._validate_collection_name()  # raises the NotImplementedError that says why
        return cast(str, name)  # not None: _validate_collection_name() raised

    @classmethod
    def get_collection(cls) -> CollectionProtocol:
        """The synchronous collection (override to bring your own connection: a pymongo
        ``Collection`` works, see ``mongo_odm.protocols``)."""
        return get_collection(cls._get_collection_name())

    @classmethod
    async def get_async_collection(cls) -> AsyncCollectionProtocol:
        """The asynchronous collection (override to bring your own connection: a motor
        ``AsyncIOMotorCollection`` works, see ``mongo_odm.protocols``)."""
        name = cls._get_collection_name()
        db = await get_async_database()
        return db[name]

    def _to_mongo_dict(self, exclude_none: bool = False) -> Dict[str, Any]:
        """The document as MongoDB stores it: ``_id`` for ``id``, extra fields included."""
        plan = _plan(type(self))
        fast = None if exclude_none else plan.scalar_dict(self)
        if fast is not None:
            data: Dict[str, Any] = fast
        elif plan.plain_dump:
            serializer = self.__pydantic_serializer__
            data = serializer.to_python(self, by_alias=True, exclude_none=exclude_none)
        else:
            data = self.model_dump(by_alias=True, exclude_none=exclude_none)
        if not plan.id_alias:
            if "id" in data and "_id" not in data:
                data["_id"] = data.pop("id")
            else:
                data.pop("id", None)
        extra = self.__pydantic_extra__
        if extra:
            for key, value in extra.items():
                if not exclude_none or value is not None:
                    data[key] = value
        return data

    @classmethod
    def _mongo_dicts(cls, documents: Iterable[Any]) -> List[Dict[str, Any]]:
        """``[m._to_mongo_dict() for m in documents]``, in one serializer call when every model
        is exactly this class and the class allows (``_ClassPlan.plain_store``)."""
        plan = _plan(cls)
        models = documents if isinstance(documents, list) else list(documents)
        if not plan.plain_store or any(type(m) is not cls for m in models):
            return [m._to_mongo_dict() for m in models]
        if plan.scalar_names is not None:
            scalar_dict = plan.scalar_dict
            out: List[Dict[str, Any]] = []
            for model in models:
                data = scalar_dict(model)
                if data is None:
                    out.append(model._to_mongo_dict())
                    continue
                extra = model.__pydantic_extra__
                if extra:
                    data.update(extra)
                out.append(data)
            return out
        dumped = plan.dump_list(models)
        for data, model in zip(dumped, models):
            extra = model.__pydantic_extra__
            if extra:
                data.update(extra)
        return dumped

    @overload
    @classmethod
    def _from_mongo_dict(cls: Type[T], data: Mapping[str, Any]) -> T: ...
    @overload
    @classmethod
    def _from_mongo_dict(cls: Type[T], data: None) -> None: ...
    @overload
    @classmethod
    def _from_mongo_dict(cls: Type[T], data: Optional[Mapping[str, Any]]) -> Optional[T]: ...
    @classmethod
    def _from_mongo_dict(cls: Type[T], data: Optional[Mapping[str, Any]]) -> Optional[T]:
        """A model from a stored document (None stays None)."""
        if data is None:
            return None
        plan = _plan(cls)
        if not plan.id_alias and "_id" in data and "id" not in data:
            data = dict(data)
            data["id"] = data["_id"]
        if plan.plain_validate:
            model: T = cls.__pydantic_validator__.validate_python(data)
        else:
            model = cls.model_validate(data)
        if plan.tracks_state:
            _features.remember(model)
        return model

    @classmethod
    def _models_from(cls: Type[T], docs: Iterable[Mapping[str, Any]]) -> List[T]:
        """``[cls._from_mongo_dict(d) for d in docs]``, with the per-document work done once
        when the class allows (``_ClassPlan.plain_load``); the native cursor hands over what
        it holds in one call."""
        if not _plan(cls).plain_load:
            return [cls._from_mongo_dict(doc) for doc in docs]
        if isinstance(docs, _core.Cursor):
            docs = docs.to_list()
        validate = cls.__pydantic_validator__.validate_python
        return [validate(doc) for doc in docs]

    # ------------------------------------------------------------------ sync CRUD
    @classmethod
    def get(cls: Type[T], id: str, *, max_time_ms: Optional[int] = None) -> Optional[T]:
        """The document with this id, or None. ``max_time_ms``: the server's time limit
        (ExecutionTimeout past it)."""
        if max_time_ms is None:
            return cls._from_mongo_dict(cls.get_collection().find_one({"_id": id}))
        return cls._from_mongo_dict(cls.get_collection().find_one({"_id": id}, max_time_ms=max_time_ms))

    def save(self, exclude_none: bool = False) -> str:
        """Upserts the document (replace_one by _id); returns its id. With
        ``Settings.use_state_management`` / ``use_revision``: libmongo_odm's save (only the
        changes; conditional on the revision; RevisionConflictError)."""
        if _features.tracks_state(type(self)):
            return self._save_tracked(self.get_collection(), exclude_none)
        collection = self.get_collection()
        data = self._to_mongo_dict(exclude_none=exclude_none)
        doc_id: Optional[str] = data.get("_id")
        if doc_id is None:
            raise ValueError("Document ID is required")
        collection.replace_one({"_id": doc_id}, data, upsert=True)
        return doc_id

    def delete(self) -> bool:
        """Deletes the document; False when it has no id or was not found."""
        if not self.id:
            return False
        return self.get_collection().delete_one({"_id": self.id}).deleted_count > 0

    @overload
    @classmethod
    def find_one(cls, filter: Dict[str, Any], *, projection: Type[P], **kwargs: Any) -> Optional[P]: ...
    @overload
    @classmethod
    def find_one(cls: Type[T], filter: Dict[str, Any], **kwargs: Any) -> Optional[T]: ...
    @classmethod
    def find_one(cls, filter: Dict[str, Any], **kwargs: Any) -> Optional[Any]:
        """The first matching document (kwargs: sort, skip, projection, ...), or None.
        ``projection=Sub`` (a Pydantic class): reads only Sub's fields, returns a Sub."""
        sub = _features.projection_model(kwargs)
        if sub is not None:
            doc = cls.get_collection().find_one(filter, **_features.projected_kwargs(kwargs, sub))
            return _features.from_projected(sub, doc)
        return cls._from_mongo_dict(cls.get_collection().find_one(filter, **kwargs))

    @overload
    @classmethod
    def find(
        cls, filter: Dict[str, Any], *, projection: Type[P], skip_invalid: bool = False, **kwargs: Any
    ) -> List[P]: ...
    @overload
    @classmethod
    def find(cls: Type[T], filter: Dict[str, Any], *, skip_invalid: bool = False, **kwargs: Any) -> List[T]: ...
    @classmethod
    def find(cls, filter: Dict[str, Any], *, skip_invalid: bool = False, **kwargs: Any) -> List[Any]:
        """All matching documents (kwargs: sort, limit, skip, projection, batch_size, ...).
        ``projection=Sub`` (a Pydantic class): reads only Sub's fields (aliases respected),
        returns Sub instances. A stored document that fails validation raises pydantic's
        ValidationError; ``skip_invalid=True`` passes over such documents instead."""
        sub = _features.projection_model(kwargs)
        if sub is not None:
            cursor = cls.get_collection().find(filter, **_features.projected_kwargs(kwargs, sub))
            convert: Any = functools.partial(_features.from_projected, sub)
            return list(_fitting(convert, cursor)) if skip_invalid else [convert(doc) for doc in cursor]
        if skip_invalid:
            return list(_fitting(cls._from_mongo_dict, cls.get_collection().find(filter, **kwargs)))
        return cls._models_from(cls.get_collection().find(filter, **kwargs))

    @overload
    @classmethod
    def find_iter(
        cls, filter: Dict[str, Any], *, projection: Type[P], skip_invalid: bool = False, **kwargs: Any
    ) -> Iterator[P]: ...
    @overload
    @classmethod
    def find_iter(
        cls: Type[T], filter: Dict[str, Any], *, skip_invalid: bool = False, **kwargs: Any
    ) -> Iterator[T]: ...
    @classmethod
    def find_iter(cls, filter: Dict[str, Any], *, skip_invalid: bool = False, **kwargs: Any) -> Iterator[Any]:
        """Matching documents one at a time (memory stays flat for large results);
        ``projection=Sub`` and ``skip_invalid`` as for find()."""
        sub = _features.projection_model(kwargs)
        convert: Any = cls._from_mongo_dict
        if sub is not None:
            kwargs = _features.projected_kwargs(kwargs, sub)
            convert = functools.partial(_features.from_projected, sub)
        cursor = cls.get_collection().find(filter, **kwargs)
        if skip_invalid:
            yield from _fitting(convert, cursor)
            return
        for doc in cursor:
            yield convert(doc)

    @classmethod
    def count(cls, filter: Optional[Dict[str, Any]] = None, *, max_time_ms: Optional[int] = None) -> int:
        """The number of matching documents (all when filter is None). ``max_time_ms``: the
        server's time limit (ExecutionTimeout past it)."""
        if max_time_ms is None:
            return cls.get_collection().count_documents(filter or {})
        return cls.get_collection().count_documents(filter or {}, maxTimeMS=max_time_ms)

    @classmethod
    def update_one(cls, filter: Dict[str, Any], update: Dict[str, Any], upsert: bool = False) -> bool:
        """Applies update operators to the first match; True when modified or upserted.
        ``Settings.check_updates``: checked against the fields first (mongo_odm._update_check)."""
        _update_check.check(cls, update)
        result = cls.get_collection().update_one(filter, update, upsert=upsert)
        return result.modified_count > 0 or (upsert and result.upserted_id is not None)

    @classmethod
    def update_many(cls, filter: Dict[str, Any], update: Dict[str, Any]) -> int:
        """Applies update operators to every match; returns how many were modified.
        ``Settings.check_updates``: checked against the fields first (mongo_odm._update_check)."""
        _update_check.check(cls, update)
        return cls.get_collection().update_many(filter, update).modified_count

    @classmethod
    def delete_one(cls, filter: Dict[str, Any]) -> bool:
        """Deletes the first match; True when one was deleted."""
        return cls.get_collection().delete_one(filter).deleted_count > 0

    @classmethod
    def delete_many(cls, filter: Dict[str, Any]) -> int:
        """Deletes every match; returns how many."""
        return cls.get_collection().delete_many(filter).deleted_count

    @classmethod
    def aggregate(cls: Type[T], pipeline: List[Dict[str, Any]], **kwargs: Any) -> List[Dict[str, Any]]:
        """Runs a pipeline (kwargs: allowDiskUse, batchSize, maxTimeMS, comment); raw dicts."""
        return list(cls.get_collection().aggregate(pipeline, **kwargs))

    @classmethod
    def insert_many(cls: Type[T], documents: List[T]) -> List[str]:
        """Inserts the models; returns their ids (an empty list in, an empty list out)."""
        if not documents:
            return []
        collection = cls.get_collection()
        result = cls._insert_values(collection, documents)
        if result is None:
            result = collection.insert_many(cls._mongo_dicts(documents))
        return [str(i) for i in result.inserted_ids]

    @classmethod
    def _insert_values(cls, collection: Any, documents: Any) -> Any:
        """insert_many of models of a scalar-only class (``_ClassPlan.scalar_names``) encoded
        straight from their ``__dict__`` by the native collection, without making a dict per
        model (about a third of insert_many's client CPU on 10,000 flat models); what it stores
        is what ``_mongo_dicts`` gives. None, with nothing sent, for anything else: a collection
        of the user's own, models of another class or with extra fields, an instance holding
        other keys."""
        names = _plan(cls).scalar_names
        if names is None or type(collection) is not _core.Collection or type(documents) is not list:
            return None
        values = []
        for model in documents:
            if type(model) is not cls or model.__pydantic_extra__:
                return None
            values.append(model.__dict__)
        return collection._insert_model_values(values, names)

    # ------------------------------------------------------------------ async CRUD
    @classmethod
    async def aget(cls: Type[T], id: str, *, max_time_ms: Optional[int] = None) -> Optional[T]:
        """Async twin of get(): the document with this id, or None. ``max_time_ms``: the
        server's time limit (ExecutionTimeout past it)."""
        collection = await cls.get_async_collection()
        if max_time_ms is None:
            return cls._from_mongo_dict(await collection.find_one({"_id": id}))
        return cls._from_mongo_dict(await collection.find_one({"_id": id}, max_time_ms=max_time_ms))

    async def asave(self, exclude_none: bool = False) -> str:
        """Async twin of save(): upserts the document (replace_one by _id); returns its id."""
        if _features.tracks_state(type(self)):
            return await self._asave_tracked(await self.get_async_collection(), exclude_none)
        collection = await self.get_async_collection()
        data = self._to_mongo_dict(exclude_none=exclude_none)
        doc_id: Optional[str] = data.get("_id")
        if doc_id is None:
            raise ValueError("Document ID is required")
        if type(collection) is AsyncCollection:  # concurrent saves share one bulk write
            await collection._upsert_by_id(doc_id, data)
        else:  # a collection of the user's own (get_async_collection overridden)
            await collection.replace_one({"_id": doc_id}, data, upsert=True)
        return doc_id

    async def adelete(self) -> bool:
        """Async twin of delete(): deletes the document; False when it has no id or was not found."""
        if not self.id:
            return False
        collection = await self.get_async_collection()
        result = await collection.delete_one({"_id": self.id})
        return result.deleted_count > 0

    @overload
    @classmethod
    async def afind_one(cls, filter: Dict[str, Any], *, projection: Type[P], **kwargs: Any) -> Optional[P]: ...
    @overload
    @classmethod
    async def afind_one(cls: Type[T], filter: Dict[str, Any], **kwargs: Any) -> Optional[T]: ...
    @classmethod
    async def afind_one(cls, filter: Dict[str, Any], **kwargs: Any) -> Optional[Any]:
        """Async twin of find_one(): the first matching document (kwargs: sort, skip,
        projection, ...), or None; ``projection=Sub`` returns a Sub."""
        collection = await cls.get_async_collection()
        sub = _features.projection_model(kwargs)
        if sub is not None:
            doc = await collection.find_one(filter, **_features.projected_kwargs(kwargs, sub))
            return _features.from_projected(sub, doc)
        return cls._from_mongo_dict(await collection.find_one(filter, **kwargs))

    @overload
    @classmethod
    async def afind(
        cls, filter: Dict[str, Any], *, projection: Type[P], skip_invalid: bool = False, **kwargs: Any
    ) -> List[P]: ...
    @overload
    @classmethod
    async def afind(cls: Type[T], filter: Dict[str, Any], *, skip_invalid: bool = False, **kwargs: Any) -> List[T]: ...
    @classmethod
    async def afind(cls, filter: Dict[str, Any], *, skip_invalid: bool = False, **kwargs: Any) -> List[Any]:
        """Async twin of find(): all matching documents (kwargs: sort, limit, skip, projection,
        batch_size, ...). Validated in slices, yielding to the event loop in between.
        ``projection=Sub`` returns Sub instances; ``skip_invalid=True`` passes over documents
        that fail validation (as for find())."""
        collection = await cls.get_async_collection()
        sub = _features.projection_model(kwargs)
        convert: Any = cls._from_mongo_dict
        if sub is not None:
            kwargs = _features.projected_kwargs(kwargs, sub)
            convert = functools.partial(_features.from_projected, sub)
        docs = await collection.find(filter, **kwargs).to_list(length=None)
        models: List[Any] = []
        for start in range(0, len(docs), _ASYNC_VALIDATE_SLICE):
            if start:
                await asyncio.sleep(0)
            chunk = docs[start : start + _ASYNC_VALIDATE_SLICE]
            if skip_invalid:
                models.extend(_fitting(convert, chunk))
            else:
                models.extend(cls._models_from(chunk) if sub is None else [convert(doc) for doc in chunk])
        return models

    @overload
    @classmethod
    def afind_iter(
        cls, filter: Dict[str, Any], *, projection: Type[P], skip_invalid: bool = False, **kwargs: Any
    ) -> AsyncIterator[P]: ...
    @overload
    @classmethod
    def afind_iter(
        cls: Type[T], filter: Dict[str, Any], *, skip_invalid: bool = False, **kwargs: Any
    ) -> AsyncIterator[T]: ...
    @classmethod
    async def afind_iter(
        cls, filter: Dict[str, Any], *, skip_invalid: bool = False, **kwargs: Any
    ) -> AsyncIterator[Any]:
        """Async twin of find_iter(): matching documents one at a time (``async for``; memory
        stays flat for large results). Leaving the loop early closes the cursor.
        ``projection=Sub`` yields Sub instances; ``skip_invalid=True`` passes over documents
        that fail validation (as for find())."""
        collection = await cls.get_async_collection()
        sub = _features.projection_model(kwargs)
        convert: Any = cls._from_mongo_dict
        if sub is not None:
            kwargs = _features.projected_kwargs(kwargs, sub)
            convert = functools.partial(_features.from_projected, sub)
        cursor = collection.find(filter, **kwargs)
        try:
            async for doc in cursor:
                if not skip_invalid:
                    yield convert(doc)
                    continue
                try:
                    model = convert(doc)
                except ValidationError:
                    continue
                yield model
        finally:
            # An iteration left early (break, an exception, aclose()) closes its cursor, which
            # kills it on the server.
            await _close_cursor(cursor)

    @classmethod
    async def acount(cls, filter: Optional[Dict[str, Any]] = None, *, max_time_ms: Optional[int] = None) -> int:
        """Async twin of count(): the number of matching documents (all when filter is None).
        ``max_time_ms``: the server's time limit (ExecutionTimeout past it)."""
        collection = await cls.get_async_collection()
        if max_time_ms is None:
            return await collection.count_documents(filter or {})
        return await collection.count_documents(filter or {}, maxTimeMS=max_time_ms)

    @classmethod
    async def aupdate_one(cls, filter: Dict[str, Any], update: Dict[str, Any], upsert: bool = False) -> bool:
        """Async twin of update_one(): applies update operators to the first match; True when
        modified or upserted."""
        _update_check.check(cls, update)
        collection = await cls.get_async_collection()
        result = await collection.update_one(filter, update, upsert=upsert)
        return result.modified_count > 0 or (upsert and result.upserted_id is not None)

    @classmethod
    async def aupdate_many(cls, filter: Dict[str, Any], update: Dict[str, Any]) -> int:
        """Async twin of update_many(): applies update operators to every match; returns how
        many were modified."""
        _update_check.check(cls, update)
        collection = await cls.get_async_collection()
        return (await collection.update_many(filter, update)).modified_count

    @classmethod
    async def adelete_one(cls, filter: Dict[str, Any]) -> bool:
        """Async twin of delete_one(): deletes the first match; True when one was deleted."""
        collection = await cls.get_async_collection()
        return (await collection.delete_one(filter)).deleted_count > 0

    @classmethod
    async def adelete_many(cls, filter: Dict[str, Any]) -> int:
        """Async twin of delete_many(): deletes every match; returns how many."""
        collection = await cls.get_async_collection()
        return (await collection.delete_many(filter)).deleted_count

    @classmethod
    async def aaggregate(cls: Type[T], pipeline: List[Dict[str, Any]], **kwargs: Any) -> List[Dict[str, Any]]:
        """Async twin of aggregate(): runs a pipeline (kwargs: allowDiskUse, batchSize,
        maxTimeMS, comment); raw dicts."""
        collection = await cls.get_async_collection()
        return await collection.aggregate(pipeline, **kwargs).to_list(length=None)

    @classmethod
    async def ainsert_many(cls: Type[T], documents: List[T]) -> List[str]:
        """Async twin of insert_many(): inserts the models; returns their ids (an empty list in,
        an empty list out)."""
        if not documents:
            return []
        collection = await cls.get_async_collection()
        result = await collection.insert_many(cls._mongo_dicts(documents))
        return [str(i) for i in result.inserted_ids]

    # ------------------------------------------------------------------ issue 11 features
    # (docs/features.md; the rules are libmongo_odm's, reached through the native collection)
    @property
    def is_changed(self) -> bool:
        """True when save() would write something: a new document, or one whose fields differ
        from its saved state (the document as last loaded or saved). Needs
        ``Settings.use_state_management`` (InvalidOperation otherwise)."""
        return _features.is_changed(self)

    def get_changes(self, exclude_none: bool = False) -> Dict[str, Any]:
        """The update save(exclude_none) would send: ``{"$set": {...}, "$unset": {...}}`` of
        the top-level fields that differ from the saved state (each operator only when it has
        fields; ``{}`` when nothing changed; every field in ``$set`` for a new document).
        Computed by libmongo_odm on BSON. Needs ``Settings.use_state_management``."""
        return _features.get_changes(self, exclude_none)

    def _save_tracked(self, collection: Any, exclude_none: bool) -> str:
        native = _features.native_collection(collection, "save() with Settings.use_state_management/use_revision")
        data, saved, changes, revision = _features.prepare_save(self, exclude_none)
        result = native.save_document(data, saved, changes=changes, revision=revision)
        _features.finish_save(self, result)
        return cast(str, data["_id"])

    async def _asave_tracked(self, collection: Any, exclude_none: bool) -> str:
        native = _features.native_collection(collection, "asave() with Settings.use_state_management/use_revision")
        data, saved, changes, revision = _features.prepare_save(self, exclude_none)
        result = await run_blocking(native.save_document, data, saved, changes=changes, revision=revision)
        _features.finish_save(self, result)
        return cast(str, data["_id"])

    @classmethod
    def _index_specs(cls) -> List[Dict[str, Any]]:
        return index_specs(getattr(getattr(cls, "Settings", None), "indexes", None) or [])

    @classmethod
    def ensure_indexes(cls) -> List[str]:
        """Creates the indexes of ``Settings.indexes`` that the collection lacks; returns the
        names created (idempotent: ``[]`` when all exist). OperationFailure (code 86: other keys,
        85: other options) when an index of the same name exists and differs; nothing is created
        then. libmongo_odm lists, compares and creates (mongo_odm/index.h)."""
        specs = cls._index_specs()
        if not specs:
            return []
        native = _features.native_collection(cls.get_collection(), "ensure_indexes()")
        return list(native.ensure_indexes(specs)["created"])

    @classmethod
    async def aensure_indexes(cls) -> List[str]:
        """Async twin of ensure_indexes()."""
        specs = cls._index_specs()
        if not specs:
            return []
        native = _features.native_collection(await cls.get_async_collection(), "aensure_indexes()")
        reply = await run_blocking(native.ensure_indexes, specs)
        return list(reply["created"])

    @classmethod
    def bulk_writer(cls: Type[T], ordered: bool = True) -> BulkWriter[T]:
        """A bulk writer of this model's collection: ``with Model.bulk_writer() as bw:`` (or
        ``async with``); see mongo_odm.bulk."""
        return BulkWriter(cls, ordered)


_FROM_MONGO_DICT = MongoBaseModel._from_mongo_dict.__func__  # type: ignore[attr-defined]
_TO_MONGO_DICT = MongoBaseModel._to_mongo_dict
