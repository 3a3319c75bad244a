"""Projections: find(filter, projection=Sub) / find_one / find_iter and the async twins, with
Sub a Pydantic class: the projection sent is built from Sub's fields (aliases respected) and the
results are Sub instances. Works on any collection (it is a pymongo projection)."""

from typing import Optional

import pytest
from pydantic import BaseModel, Field

from mongo_odm import MongoBaseModel
from mongo_odm._features import projection_spec


class NameOnly(BaseModel):
    name: str


class Renamed(BaseModel):
    years: int = Field(alias="age")
    full: str = Field(alias="name")


class WithId(BaseModel):
    id: str
    name: str


@pytest.fixture
def Person(coll_name):
    class Person(MongoBaseModel):
        class Settings:
            name = coll_name
            use_state_management = True

        name: str
        age: int = 0
        secret: str = "hidden"

    for i, n in enumerate(["Ada", "Bob", "Cy"]):
        Person(id=f"p{i}", name=n, age=30 + i).save()
    return Person


def test_projection_spec():
    assert projection_spec(NameOnly) == {"name": 1, "_id": 0}
    assert projection_spec(Renamed) == {"age": 1, "name": 1, "_id": 0}
    assert projection_spec(WithId) == {"_id": 1, "name": 1}


def test_find_returns_sub_instances(Person):
    found = Person.find({}, projection=NameOnly, sort=[("name", 1)])
    assert found == [NameOnly(name="Ada"), NameOnly(name="Bob"), NameOnly(name="Cy")]
    renamed = Person.find({"name": "Bob"}, projection=Renamed)
    assert renamed[0].years == 31 and renamed[0].full == "Bob"
    ids = Person.find({}, projection=WithId, sort=[("_id", -1)])
    assert [p.id for p in ids] == ["p2", "p1", "p0"]


def test_find_one_and_find_iter(Person):
    assert Person.find_one({"name": "Cy"}, projection=Renamed).years == 32
    assert Person.find_one({"name": "nobody"}, projection=NameOnly) is None
    assert sorted(p.name for p in Person.find_iter({}, projection=NameOnly)) == ["Ada", "Bob", "Cy"]


def test_mongo_model_as_projection(Person, coll_name):
    class Card(MongoBaseModel):
        name: str

    cards = Person.find({}, projection=Card, sort=[("name", 1)])
    assert [c.id for c in cards] == ["p0", "p1", "p2"]
    assert "secret" not in cards[0].model_dump()


def test_dict_and_list_projections_unchanged(Person):
    doc = Person.find_one({"name": "Ada"}, projection={"name": 1})
    assert isinstance(doc, Person) and doc.name == "Ada"


def test_projection_on_a_foreign_collection(Person, raw):
    class ViaRaw(MongoBaseModel):
        class Settings:
            name = raw.name

        @classmethod
        def get_collection(cls):
            return raw  # another client's collection: only pymongo methods are used

    assert sorted(p.name for p in ViaRaw.find({}, projection=NameOnly)) == ["Ada", "Bob", "Cy"]


async def test_async_projections(Person):
    found = await Person.afind({}, projection=NameOnly, sort=[("name", 1)])
    assert [p.name for p in found] == ["Ada", "Bob", "Cy"]
    one = await Person.afind_one({"name": "Bob"}, projection=Renamed)
    assert isinstance(one, Renamed) and one.years == 31
    assert await Person.afind_one({"name": "x"}, projection=Renamed) is None
    names = [p.name async for p in Person.afind_iter({}, projection=NameOnly)]
    assert sorted(names) == ["Ada", "Bob", "Cy"]
