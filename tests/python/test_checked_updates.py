"""Settings.check_updates (issue 17): update operators checked by libmongo_odm's core against
the model's fields before anything is sent; off by default, as lightodm."""

import datetime
from typing import Any, Dict, List, Optional

import pytest

from mongo_odm import MongoBaseModel, _core, _update_check


def make(coll_name: str, check: bool) -> Any:
    class Person(MongoBaseModel):
        name: str
        age: int = 0
        score: float = 0.0
        tags: List[str] = []
        when: Optional[datetime.datetime] = None
        note: Optional[str] = None
        meta: Dict[str, Any] = {}
        anything: Any = None

        class Settings:
            name = coll_name
            check_updates = check

    return Person


@pytest.fixture
def Checked(coll_name):
    cls = make(coll_name, True)
    cls(id="a", name="Ann", age=30).save()
    return cls


@pytest.mark.parametrize(
    "update, needle",
    [
        ({"$set": {"age": "x"}}, "$set on field 'age'"),
        ({"$set": {"name": None}}, "'name' must not be null"),
        ({"$setOnInsert": {"when": 5}}, "$setOnInsert on field 'when'"),
        ({"$inc": {"name": 1}}, "$inc on field 'name'"),
        ({"$inc": {"score": "1"}}, "not a number"),
        ({"$unset": {"name": ""}}, "$unset on field 'name': the field is required"),
        ({"$rename": {"name": "nom"}}, "$rename on field 'name'"),
        ({"$push": {"name": "x"}}, "not an array"),
        ({"$set": {"meta": [1]}}, "$set on field 'meta'"),
        ({"$set": {"tags": "t"}}, "$set on field 'tags'"),
    ],
)
def test_refused_updates_raise_value_error_and_send_nothing(Checked, raw, update, needle):
    with pytest.raises(ValueError) as info:
        Checked.update_one({"_id": "a"}, update)
    assert needle in str(info.value)
    with pytest.raises(ValueError):
        Checked.update_many({}, update)
    assert raw.find_one({"_id": "a"}) == {"_id": "a", "name": "Ann", "age": 30, "score": 0.0, "tags": [],
                                          "when": None, "note": None, "meta": {}, "anything": None}
    assert Checked.get("a").name == "Ann"  # still loads


def test_fitting_updates_go_through(Checked):
    assert Checked.update_one({"_id": "a"}, {"$set": {"age": 31, "note": None, "score": 2, "extra": "x"}}) is True
    assert Checked.update_one({"_id": "a"}, {"$inc": {"age": 1, "score": 0.5}, "$push": {"tags": "t"}}) is True
    assert Checked.update_many({}, {"$set": {"anything": [1, "two"], "meta": {"k": 1}}}) == 1
    p = Checked.get("a")
    assert (p.age, p.score, p.tags, p.extra, p.anything) == (32, 2.5, ["t"], "x", [1, "two"])
    assert Checked.update_one({"_id": "a"}, {"$unset": {"note": ""}}) is True


def test_pipeline_updates_are_left_to_the_server(Checked):
    # (FerretDB has no pipeline updates: the verdict is asked without sending)
    _core.check_update(_update_check.fields_of(Checked), [{"$set": {"age": "x"}}])
    with pytest.raises(ValueError):
        _core.check_update(_update_check.fields_of(Checked), {"$set": {"age": "x"}})


async def test_async_twins_check_too(Checked):
    with pytest.raises(ValueError):
        await Checked.aupdate_one({"_id": "a"}, {"$set": {"age": "x"}})
    with pytest.raises(ValueError):
        await Checked.aupdate_many({}, {"$unset": {"name": 1}})
    assert await Checked.aupdate_one({"_id": "a"}, {"$set": {"age": 5}}) is True


def test_off_by_default_as_lightodm(coll_name, raw):
    Plain = make(coll_name, False)
    Plain(id="b", name="Bo").save()
    # lightodm sends the update as it is: the stored document no longer fits the model
    assert Plain.update_one({"_id": "b"}, {"$set": {"age": "not a number"}}) is True
    assert raw.find_one({"_id": "b"})["age"] == "not a number"


def test_field_spec_from_annotations(coll_name):
    cls = make(coll_name, True)
    spec = {name: (code, flags) for name, code, flags in _update_check.fields_of(cls)}
    assert "id" not in spec and "_id" not in spec
    assert spec["name"] == (1, 1)  # utf8, required
    assert spec["age"] == (3, 0)  # int64 (an int32 fits), not required
    assert spec["score"] == (4, 0)
    assert spec["tags"] == (9, 0)
    assert spec["when"] == (6, 2)  # datetime, nullable
    assert spec["note"] == (1, 2)
    assert spec["meta"] == (8, 0)
    assert spec["anything"][0] == 0
    assert _update_check.fields_of(cls) is _update_check.fields_of(cls)  # cached per class
