"""The batch paths of find() and insert_many() give what the per-document paths give.

find() validates a whole result with the class's validator, and insert_many() serializes a
list of models of exactly one class in one serializer call (``MongoBaseModel._models_from`` /
``_mongo_dicts``); a class that overrides ``model_dump``, ``model_validate``,
``_from_mongo_dict`` or ``_to_mongo_dict`` (or a list that mixes classes) takes the per-document
path, with the override called. Every test here compares against the per-document result, on
the server.
"""

from datetime import datetime, timezone
from typing import Any, Dict, List, Optional

import pytest
from pydantic import BaseModel, Field

from mongo_odm import MongoBaseModel

from odm_state import make_model


class Address(BaseModel):
    city: str
    zip: Optional[str] = None


def _shop_model(coll_name: str) -> type:
    return make_model(
        "Shop", coll_name, name=str, address=(Optional[Address], None), tags=(List[str], []),
        opened=(Optional[datetime], None),
    )


def _per_doc_dicts(models: List[Any]) -> List[Dict[str, Any]]:
    return [m._to_mongo_dict() for m in models]


def test_mongo_dicts_equal_the_per_document_dicts(coll_name):
    Shop = _shop_model(coll_name)
    when = datetime(2026, 12, 3, 12, 0, tzinfo=timezone.utc)
    models = [
        Shop(name="a", address=Address(city="Oslo"), tags=["x"], opened=when),
        Shop(name="b", extra_field={"nested": Address(city="Rome")}, more=[1, 2]),
        Shop(name="c", id=None),
    ]
    assert Shop._mongo_dicts(models) == _per_doc_dicts(models)
    # an extra field's raw value (here a model object) is what lightodm stores, as per document
    assert Shop._mongo_dicts(models)[1]["extra_field"]["nested"] is models[1].extra_field["nested"]


def test_mongo_dicts_of_a_generator_and_of_mixed_classes(coll_name):
    Shop = _shop_model(coll_name)

    class Branch(Shop):  # type: ignore[misc, valid-type]
        manager: str = "m"

    models = [Shop(name="a"), Branch(name="b")]
    dumped = Shop._mongo_dicts(m for m in models)
    assert dumped == _per_doc_dicts(models)
    assert dumped[1]["manager"] == "m"  # the subclass's own field: serialized as itself


def test_overridden_model_dump_is_called_by_save_and_insert_many(coll_name, raw):
    class Stamped(MongoBaseModel):
        name: str

        class Settings:
            name = coll_name

        def model_dump(self, **kwargs: Any) -> Dict[str, Any]:
            data = super().model_dump(**kwargs)
            data["stamped"] = True
            return data

    Stamped.insert_many([Stamped(name="a"), Stamped(name="b")])
    Stamped(name="c").save()
    assert sorted((d["name"], d["stamped"]) for d in raw.find({})) == [("a", True), ("b", True), ("c", True)]


def test_overridden_to_mongo_dict_is_called_by_insert_many(coll_name, raw):
    class Lowered(MongoBaseModel):
        name: str

        class Settings:
            name = coll_name

        def _to_mongo_dict(self, exclude_none: bool = False) -> Dict[str, Any]:
            data = super()._to_mongo_dict(exclude_none)
            data["name"] = data["name"].lower()
            return data

    Lowered.insert_many([Lowered(name="ABC")])
    assert raw.find_one({})["name"] == "abc"


def test_find_equals_per_document_validation(coll_name, raw):
    Shop = _shop_model(coll_name)
    when = datetime(2026, 12, 3, 12, 0, tzinfo=timezone.utc)
    Shop.insert_many([Shop(name=f"s{i}", address=Address(city="Oslo"), opened=when, extra=i) for i in range(300)])
    found = Shop.find({}, sort=[("name", 1)])
    expected = [Shop._from_mongo_dict(d) for d in raw.find({}, sort=[("name", 1)])]
    assert found == expected
    assert [m.extra for m in found] == [m.extra for m in expected]
    assert all(isinstance(m, Shop) and isinstance(m.address, Address) for m in found)


@pytest.mark.asyncio
async def test_afind_equals_per_document_validation(coll_name, raw):
    Shop = _shop_model(coll_name)
    await Shop.ainsert_many([Shop(name=f"s{i:03d}") for i in range(600)])  # more than one slice
    found = await Shop.afind({}, sort=[("name", 1)])
    assert found == [Shop._from_mongo_dict(d) for d in raw.find({}, sort=[("name", 1)])]


def test_overridden_from_mongo_dict_and_model_validate_are_called_by_find(coll_name):
    calls: List[str] = []

    class Loaded(MongoBaseModel):
        name: str

        class Settings:
            name = coll_name

        @classmethod
        def _from_mongo_dict(cls, data: Any) -> Any:
            calls.append("from")
            return super()._from_mongo_dict(data)

    class Validated(MongoBaseModel):
        name: str

        class Settings:
            name = coll_name

        @classmethod
        def model_validate(cls, obj: Any, **kwargs: Any) -> Any:
            calls.append("validate")
            return super().model_validate(obj, **kwargs)

    Loaded.insert_many([Loaded(name="a"), Loaded(name="b")])
    assert [m.name for m in Loaded.find({}, sort=[("name", 1)])] == ["a", "b"]
    assert calls == ["from", "from"]
    calls.clear()
    assert len(Validated.find({})) == 2
    assert calls == ["validate", "validate"]


def test_find_of_a_model_without_the_id_alias_renames_id(coll_name):
    class NoAlias(MongoBaseModel):
        id: Optional[str] = Field(default=None)
        name: str

        class Settings:
            name = coll_name

    NoAlias(id="k1", name="a").save()
    [found] = NoAlias.find({})
    assert (found.id, found.name) == ("k1", "a")


def test_insert_many_returns_each_dicts_own_id_object(coll_name):
    from mongo_odm.connection import get_collection

    coll = get_collection(coll_name)
    own = "explicit-id"
    docs: List[Dict[str, Any]] = [{"_id": own, "a": 1}, {"a": 2}]
    result = coll.insert_many(docs)
    assert result.inserted_ids[0] is own  # as pymongo: the document's own object
    assert "_id" in docs[1] and result.inserted_ids[1] == docs[1]["_id"]  # generated, added to the dict
    assert sorted(str(d["_id"]) for d in coll.find({})) == sorted(str(i) for i in result.inserted_ids)
