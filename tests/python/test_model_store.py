"""Storing a model without pydantic's serializer: for a class whose fields are all scalars
(``_ClassPlan.scalar_names``), ``_to_mongo_dict()`` and ``insert_many()``'s documents are made
from the instance's values. They must be exactly what pydantic's serializer makes (the same
keys in the same order, values of the same types and equal), for every instance; classes with
anything the serializer would change (nested models, containers, enums, constraints, aliases,
serializers, computed or excluded fields) keep the serializer.
"""

from __future__ import annotations

import datetime
import enum
import math
from typing import Any, Dict, List, Optional, Union

import pytest
from hypothesis import given
from hypothesis import settings as hsettings
from hypothesis import strategies as st
from pydantic import BaseModel, Field, computed_field, field_serializer, model_serializer
from typing_extensions import Annotated

from mongo_odm import MongoBaseModel
from mongo_odm.model import _plan


def by_serializer(m: MongoBaseModel, exclude_none: bool = False) -> Dict[str, Any]:
    """What the serializer path stores: to_python(by_alias=True) plus the extra fields."""
    data = type(m).__pydantic_serializer__.to_python(m, by_alias=True, exclude_none=exclude_none)
    for k, v in (m.__pydantic_extra__ or {}).items():
        if not exclude_none or v is not None:
            data[k] = v
    return data


def shape(d: Dict[str, Any]) -> List[Any]:
    """Keys in order, each value's type and value (NaN made comparable)."""
    return [(k, type(v), "nan" if isinstance(v, float) and math.isnan(v) else v) for k, v in d.items()]


def assert_stored_as_by_serializer(models: List[MongoBaseModel]) -> None:
    cls = type(models[0])
    expected = [shape(by_serializer(m)) for m in models]
    assert [shape(m._to_mongo_dict()) for m in models] == expected
    assert [shape(d) for d in cls._mongo_dicts(models)] == expected
    assert [shape(m._to_mongo_dict(exclude_none=True)) for m in models] == [
        shape(by_serializer(m, exclude_none=True)) for m in models
    ]


class Scalars(MongoBaseModel):
    s: str
    i: int = 0
    f: float = 0.0
    b: bool = False
    raw: bytes = b""
    when: Optional[datetime.datetime] = None
    maybe: Optional[str] = None
    either: Union[int, str] = 0
    new_union: int | None = None


class Color(str, enum.Enum):
    RED = "red"


class Inner(BaseModel):
    x: int = 1


class WithNested(MongoBaseModel):
    inner: Inner = Inner()


class WithList(MongoBaseModel):
    tags: List[str] = Field(default_factory=list)


class WithDict(MongoBaseModel):
    meta: Dict[str, Any] = Field(default_factory=dict)


class WithEnum(MongoBaseModel):
    color: Color = Color.RED


class WithAny(MongoBaseModel):
    anything: Any = None


class WithConstraint(MongoBaseModel):
    short: str = Field("x", max_length=5)


class WithAnnotated(MongoBaseModel):
    upper: Annotated[str, Field(min_length=1)] = "x"


class WithAlias(MongoBaseModel):
    name: str = Field("x", alias="n")


class WithExclude(MongoBaseModel):
    secret: str = Field("x", exclude=True)


class WithFieldSerializer(MongoBaseModel):
    name: str = "x"

    @field_serializer("name")
    def shout(self, v: str) -> str:
        return v.upper()


class WithModelSerializer(MongoBaseModel):
    name: str = "x"

    @model_serializer
    def whole(self) -> Dict[str, Any]:
        return {"_id": self.id, "name": self.name * 2}


class WithComputed(MongoBaseModel):
    name: str = "x"

    @computed_field  # type: ignore[prop-decorator]
    @property
    def length(self) -> int:
        return len(self.name)


class WithOwnDump(MongoBaseModel):
    name: str = "x"

    def model_dump(self, **kwargs: Any) -> Dict[str, Any]:
        return {**super().model_dump(**kwargs), "dumped": True}


SERIALIZER_CLASSES = [
    WithNested, WithList, WithDict, WithEnum, WithAny, WithConstraint, WithAnnotated, WithAlias,
    WithExclude, WithFieldSerializer, WithModelSerializer, WithComputed, WithOwnDump,
]


def test_which_classes_copy_their_values():
    assert _plan(Scalars).scalar_names == tuple(Scalars.model_fields)
    assert _plan(Scalars).scalar_names[0] == "id"
    for cls in SERIALIZER_CLASSES:
        assert _plan(cls).scalar_names is None, cls


@pytest.mark.parametrize("cls", SERIALIZER_CLASSES)
def test_classes_that_keep_the_serializer_store_as_before(cls):
    models = [cls(), cls(id="a")]
    if cls is WithOwnDump:  # its own model_dump is what it stores (lightodm calls model_dump)
        assert models[0]._to_mongo_dict()["dumped"] is True
        return
    assert_stored_as_by_serializer(models)


def test_instances_the_copy_cannot_take_fall_back_to_the_serializer():
    full = Scalars(s="a", i=1, extra_field={"k": [1]}, also=None)
    built = Scalars.model_construct(s="b")  # defaults filled in by pydantic
    partial = Scalars.model_construct(_fields_set={"s"}, s="c")
    assigned = Scalars(s="d")
    assigned.i = 5
    assigned.when = datetime.datetime(2020, 1, 2, 3, 4, 5, 6000)
    for m in (full, built, partial, assigned):
        assert_stored_as_by_serializer([m])
    # model_construct() with values of the wrong types: the serializer stores them as they are,
    # with a warning; the copy stores the same values (without pydantic's warning)
    unvalidated = Scalars.model_construct(s=123, i="not an int")
    with pytest.warns(UserWarning):
        expected = shape(by_serializer(unvalidated))
    assert shape(unvalidated._to_mongo_dict()) == expected
    # values the class did not declare in __dict__: the copy is refused, the serializer used
    odd = Scalars(s="e")
    odd.__dict__["surprise"] = 1
    assert _plan(Scalars).scalar_dict(odd) is None
    assert shape(odd._to_mongo_dict()) == shape(by_serializer(odd))


FIVE_WEST = datetime.timezone(datetime.timedelta(hours=-5))
scalar_values = st.fixed_dictionaries(
    {
        "s": st.one_of(st.text(), st.sampled_from([Color.RED])),
        "i": st.one_of(st.integers(-(2**63), 2**63 - 1), st.booleans()),
        "f": st.one_of(st.floats(allow_nan=True), st.integers(-(2**53), 2**53)),
        "b": st.booleans(),
        "raw": st.binary(max_size=20),
        "when": st.one_of(
            st.none(),
            st.datetimes(timezones=st.sampled_from([None, datetime.timezone.utc, FIVE_WEST])),
        ),
        "maybe": st.one_of(st.none(), st.text(max_size=5)),
        "either": st.one_of(st.integers(-5, 5), st.text(max_size=5)),
        "new_union": st.one_of(st.none(), st.integers(-5, 5)),
    },
    optional={"extra_a": st.one_of(st.none(), st.integers(), st.text()), "extra_b": st.lists(st.integers())},
)


@hsettings(max_examples=300, deadline=None)
@given(st.lists(scalar_values, min_size=1, max_size=5))
def test_generated_instances_store_as_the_serializer_stores_them(values):
    assert_stored_as_by_serializer([Scalars(**v) for v in values])
