"""insert_many() of a scalar-only model class straight from the instances' values
(``MongoBaseModel._insert_values``, the native ``Collection._insert_model_values``): against the
server, it must store exactly what the dict path (``_mongo_dicts`` + ``insert_many``) stores, return
the same ids, raise the same errors, and give way to the dict path for anything else.
"""

from __future__ import annotations

import datetime
from typing import Any, Dict, List, Optional, Union

import pytest

from mongo_odm import MongoBaseModel
from mongo_odm.errors import BulkWriteError, InvalidDocument


def row_class(collection: str) -> type:
    class Row(MongoBaseModel):
        class Settings:
            name = collection

        s: str
        i: int = 0
        f: float = 0.0
        b: bool = False
        raw: bytes = b""
        when: Optional[datetime.datetime] = None
        maybe: Optional[str] = None
        either: Union[int, str] = 0

    return Row


@pytest.fixture
def Row(coll_name):
    return row_class(coll_name)


@pytest.fixture
def Twin(new_name):
    """The same class on another collection: what the dict path stores."""
    return row_class(new_name())


def stored(raw_coll) -> List[List[Any]]:
    """The stored documents in _id order: keys in order, each value's type and value."""
    return [[(k, type(v), v) for k, v in doc.items()] for doc in raw_coll.find().sort("_id")]


def varied(cls: type) -> List[Any]:
    utc = datetime.timezone.utc
    return [
        cls(id="a", s="plain"),
        # (no NaN: FerretDB closes the connection on one, docs/design.md)
        cls(id="b", s="é ü 漢字", i=-(2**63), f=1.5e300, b=True, raw=b"\x00\xff", maybe="m", either="text"),
        cls(id="c", s="", i=2**63 - 1, f=-0.0, when=datetime.datetime(2020, 1, 2, 3, 4, 5, 6000, tzinfo=utc)),
        cls(id="d", s="naive", when=datetime.datetime(1999, 12, 31, 23, 59, 59), either=7),
        cls.model_construct(id="e", s="constructed"),  # defaults filled in by pydantic
    ]


def test_stores_what_the_dict_path_stores(Row, Twin, admin_db):
    ours, theirs = varied(Row), varied(Twin)
    native = Row.get_collection()
    result = Row._insert_values(native, ours)
    assert result is not None  # the values path was taken
    assert result.inserted_ids == ["a", "b", "c", "d", "e"]
    Twin.get_collection().insert_many(Twin._mongo_dicts(theirs))
    mine = stored(admin_db[Row.Settings.name])
    assert len(mine) == 5 and mine == stored(admin_db[Twin.Settings.name])
    assert mine[0][0] == ("_id", str, "a")  # _id first, no "id" key
    assert all(key != "id" for doc in mine for key, _, _ in doc)


def test_insert_many_returns_the_ids_and_reads_back(Row):
    models = [Row(s=f"r{i}", i=i) for i in range(300)]
    ids = Row.insert_many(models)
    assert ids == [m.id for m in models]
    assert sorted(Row.find({}), key=lambda m: m.i) == models


def test_anything_else_takes_the_dict_path_and_sends_nothing(Row, raw):
    native = Row.get_collection()

    class Sub(Row):  # type: ignore[misc, valid-type]
        pass

    extra = Row(s="x", unknown_field=1)  # MongoBaseModel keeps extra fields
    odd = Row(s="y")
    odd.__dict__["surprise"] = 1
    reordered = Row(s="z")
    reordered.__dict__ = {k: reordered.__dict__[k] for k in reversed(list(reordered.__dict__))}
    for batch in ([Row(s="ok"), extra], [Row(s="ok"), Sub(s="sub")], [odd], [reordered]):
        assert Row._insert_values(native, batch) is None
    assert Row._insert_values(native, (Row(s="tuple"),)) is None  # not a list
    assert Row._insert_values(object(), [Row(s="not native")]) is None  # a collection of the user's own
    assert raw.count_documents({}) == 0
    # insert_many stores each of them as the dict path does
    assert Row.insert_many([Row(id="x1", s="ok"), extra]) == ["x1", extra.id]
    assert raw.find_one({"_id": extra.id})["unknown_field"] == 1


def test_a_duplicate_id_raises_as_on_the_dict_path(Row, Twin):
    def attempt(cls: type, values_path: bool) -> Dict[str, Any]:
        cls.insert_many([cls(id="dup", s="first")])
        batch = [cls(id="n1", s="a"), cls(id="dup", s="again"), cls(id="n2", s="b")]
        with pytest.raises(BulkWriteError) as info:
            if values_path:
                cls._insert_values(cls.get_collection(), batch)
            else:
                cls.get_collection().insert_many(cls._mongo_dicts(batch))
        return info.value.details

    ours, theirs = attempt(Row, True), attempt(Twin, False)
    assert ours["nInserted"] == theirs["nInserted"] == 1  # ordered: stops at the duplicate
    assert [(e["index"], e["code"]) for e in ours["writeErrors"]] == [
        (e["index"], e["code"]) for e in theirs["writeErrors"]
    ]
    assert Row.get("n2") is None and Row.get("n1") is not None


def test_a_value_that_does_not_encode_raises_and_sends_nothing(Row, raw):
    bad = Row.model_construct(id="bad", s=object())  # not validated: a value BSON has no type for
    with pytest.raises(InvalidDocument) as ours:
        Row._insert_values(Row.get_collection(), [Row(id="good", s="ok"), bad])
    with pytest.raises(InvalidDocument) as theirs:
        Row.get_collection().insert_many(Row._mongo_dicts([Row(id="good", s="ok"), bad]))
    assert str(ours.value) == str(theirs.value)
    assert raw.count_documents({}) == 0
