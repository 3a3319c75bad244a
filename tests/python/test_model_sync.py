"""MongoBaseModel's synchronous CRUD methods against the real server, with lightodm's return rules."""

import inspect
import types
from typing import Optional

import pytest

from helpers import no_server_model
from mongo_odm import MongoBaseModel, ObjectId, generate_id
from mongo_odm.connection import MongoConnection
from mongo_odm.errors import BulkWriteError


# ------------------------------------------------------------------------------ save
def test_save_returns_id_and_stores_document(User, raw):
    user = User(name="Ada", age=36, email="ada@example.com")
    returned = user.save()
    assert returned == user.id
    assert isinstance(returned, str) and len(returned) == 24
    stored = raw.find_one({"_id": user.id})
    assert stored == {"_id": user.id, "name": "Ada", "age": 36, "email": "ada@example.com"}
    # _id is the first key, as the server stores it
    assert list(stored)[0] == "_id"


def test_save_twice_updates_the_same_document(User, raw):
    user = User(name="Ada", age=1)
    user.save()
    user.age = 2
    user.name = "Ada L."
    assert user.save() == user.id
    assert raw.count_documents({}) == 1
    assert raw.find_one({"_id": user.id}) == {"_id": user.id, "name": "Ada L.", "age": 2, "email": None}


def test_save_replaces_whole_document(User, raw):
    user = User(name="Ada", email="a@x")
    user.save()
    raw.update_one({"_id": user.id}, {"$set": {"added_elsewhere": 1}})
    user.save()
    assert "added_elsewhere" not in raw.find_one({"_id": user.id})


def test_save_exclude_none(User, raw):
    user = User(name="Ada", email=None)
    user.save(exclude_none=True)
    assert raw.find_one({"_id": user.id}) == {"_id": user.id, "name": "Ada", "age": 0}
    user.save()  # default keeps None as null
    assert raw.find_one({"_id": user.id}) == {"_id": user.id, "name": "Ada", "age": 0, "email": None}


def test_save_exclude_none_drops_none_extra_fields(User, raw):
    user = User(name="Ada", note=None, tag="x")
    user.save(exclude_none=True)
    assert raw.find_one({"_id": user.id}) == {"_id": user.id, "name": "Ada", "age": 0, "tag": "x"}


def test_save_without_id_raises(User, raw):
    user = User(name="Ada", id=None)
    assert user.id is None
    with pytest.raises(ValueError, match="Document ID is required"):
        user.save()
    assert raw.count_documents({}) == 0


def test_save_with_explicit_id(User, raw):
    user = User(id="custom-id", name="Ada")
    assert user.save() == "custom-id"
    assert raw.find_one({"_id": "custom-id"})["name"] == "Ada"
    # populate by alias too
    other = User(_id="other-id", name="Bob")
    assert other.id == "other-id"
    other.save()
    assert User.get("other-id").name == "Bob"


def test_default_ids_are_fresh_objectid_strings(User):
    ids = {User(name="x").id for _ in range(200)}
    assert len(ids) == 200
    assert all(ObjectId.is_valid(i) and i == i.lower() for i in ids)


# ------------------------------------------------------------------------------ get / delete
def test_get_existing_and_missing(User):
    user = User(name="Ada", age=3)
    user.save()
    got = User.get(user.id)
    assert isinstance(got, User)
    assert got == user
    assert got.model_dump() == user.model_dump()
    assert User.get("does-not-exist") is None
    assert User.get(generate_id()) is None


def test_delete(User, raw):
    user = User(name="Ada")
    user.save()
    other = User(name="Bob")
    other.save()
    assert user.delete() is True
    assert raw.count_documents({}) == 1
    assert User.get(user.id) is None
    assert user.delete() is False  # already gone
    assert User.get(other.id) is not None


def test_delete_without_id_returns_false_without_server_call(coll_name):
    NoServer = no_server_model(coll_name, "delete() without id must not touch the collection")

    assert NoServer(id=None).delete() is False
    assert NoServer(id="").delete() is False
    assert MongoConnection._instance is None


# ------------------------------------------------------------------------------ find_one / find / find_iter / count
@pytest.fixture
def people(User):
    data = [("Ada", 36), ("Bob", 25), ("Cy", 25), ("Dee", 50), ("Eve", 19)]
    users = [User(name=n, age=a) for n, a in data]
    for u in users:
        u.save()
    return users


def test_find_one(User, people):
    found = User.find_one({"name": "Dee"})
    assert isinstance(found, User)
    assert found.age == 50 and found.id == people[3].id
    assert User.find_one({"name": "Nobody"}) is None
    assert User.find_one({"age": {"$gt": 40}}).name == "Dee"


def test_find(User, people):
    found = User.find({"age": 25})
    assert isinstance(found, list)
    assert sorted(u.name for u in found) == ["Bob", "Cy"]
    assert all(isinstance(u, User) for u in found)
    assert User.find({"age": {"$gt": 100}}) == []
    assert len(User.find({})) == 5


def test_find_operators(User, people):
    assert sorted(u.name for u in User.find({"age": {"$in": [19, 50]}})) == ["Dee", "Eve"]
    assert sorted(u.name for u in User.find({"$or": [{"name": "Ada"}, {"age": 19}]})) == ["Ada", "Eve"]
    assert sorted(u.name for u in User.find({"name": {"$regex": "^[a-c]", "$options": "i"}})) == ["Ada", "Bob", "Cy"]


def test_find_iter_is_lazy_iterator(User, people):
    it = User.find_iter({"age": 25})
    assert isinstance(it, types.GeneratorType)
    first = next(it)
    assert isinstance(first, User)
    rest = list(it)
    assert sorted([first.name] + [u.name for u in rest]) == ["Bob", "Cy"]
    assert list(User.find_iter({"name": "Nobody"})) == []


def test_find_iter_large_result(User, raw):
    raw.insert_many([{"_id": f"id{i:05d}", "name": f"n{i}", "age": i} for i in range(1500)])
    seen = [u.age for u in User.find_iter({}, sort=[("age", 1)])]
    assert seen == list(range(1500))


def test_count(User, people):
    assert User.count() == 5
    assert User.count(None) == 5
    assert User.count({}) == 5
    assert User.count({"age": 25}) == 2
    assert User.count({"age": {"$gte": 36}}) == 2
    assert User.count({"name": "Nobody"}) == 0


# ------------------------------------------------------------------------------ updates
def test_update_one_modified(User, people):
    assert User.update_one({"name": "Ada"}, {"$set": {"age": 37}}) is True
    assert User.find_one({"name": "Ada"}).age == 37


def test_update_one_no_match(User, people):
    assert User.update_one({"name": "Nobody"}, {"$set": {"age": 1}}) is False
    assert User.count() == 5


def test_update_one_matched_not_modified_is_false(User, people):
    assert User.update_one({"name": "Ada"}, {"$set": {"age": 36}}) is False


def test_update_one_only_one(User, people):
    assert User.update_one({"age": 25}, {"$inc": {"age": 100}}) is True
    assert User.count({"age": 125}) == 1
    assert User.count({"age": 25}) == 1


def test_update_one_upsert_rule(User, raw):
    # upsert creates -> True
    assert User.update_one({"_id": "u1"}, {"$set": {"name": "Up", "age": 1}}, upsert=True) is True
    assert raw.find_one({"_id": "u1"}) == {"_id": "u1", "name": "Up", "age": 1}
    # upsert matching and modifying -> True
    assert User.update_one({"_id": "u1"}, {"$set": {"age": 2}}, upsert=True) is True
    # upsert matching, nothing to change -> False (neither modified nor upserted)
    assert User.update_one({"_id": "u1"}, {"$set": {"age": 2}}, upsert=True) is False
    # no upsert, no match -> False, nothing created
    assert User.update_one({"_id": "u2"}, {"$set": {"name": "No"}}) is False
    assert raw.count_documents({}) == 1


def test_update_many(User, people):
    assert User.update_many({"age": 25}, {"$set": {"team": "blue"}}) == 2
    assert sorted(u.name for u in User.find({"team": "blue"})) == ["Bob", "Cy"]
    # extra field came back through the model
    assert User.find_one({"name": "Bob"}).team == "blue"
    assert User.update_many({"age": 25}, {"$set": {"team": "blue"}}) == 0  # matched, unchanged
    assert User.update_many({"age": 1000}, {"$set": {"team": "red"}}) == 0
    assert User.update_many({}, {"$inc": {"age": 1}}) == 5
    assert sorted(u.age for u in User.find({})) == [20, 26, 26, 37, 51]


def test_update_requires_operators(User, people):
    with pytest.raises(ValueError):
        User.update_one({"name": "Ada"}, {"age": 1})
    with pytest.raises(ValueError):
        User.update_many({}, {"age": 1})
    assert User.find_one({"name": "Ada"}).age == 36


# ------------------------------------------------------------------------------ deletes
def test_delete_one(User, people):
    assert User.delete_one({"age": 25}) is True
    assert User.count({"age": 25}) == 1
    assert User.delete_one({"name": "Nobody"}) is False
    assert User.count() == 4


def test_delete_many(User, people):
    assert User.delete_many({"age": {"$lt": 30}}) == 3
    assert sorted(u.name for u in User.find({})) == ["Ada", "Dee"]
    assert User.delete_many({"age": {"$lt": 30}}) == 0
    assert User.delete_many({}) == 2
    assert User.count() == 0


# ------------------------------------------------------------------------------ aggregate
def test_aggregate_returns_raw_dicts(User, people):
    result = User.aggregate(
        [
            {"$match": {"age": {"$lt": 40}}},
            {"$group": {"_id": "$age", "n": {"$sum": 1}}},
            {"$sort": {"_id": 1}},
        ]
    )
    assert isinstance(result, list)
    assert result == [{"_id": 19, "n": 1}, {"_id": 25, "n": 2}, {"_id": 36, "n": 1}]
    assert all(type(d) is dict for d in result)


def test_aggregate_project_sort_limit_skip(User, people):
    result = User.aggregate(
        [{"$sort": {"age": -1, "name": 1}}, {"$skip": 1}, {"$limit": 2}, {"$project": {"_id": 0, "name": 1}}]
    )
    assert result == [{"name": "Ada"}, {"name": "Bob"}]


def test_aggregate_count_and_empty(User, people):
    assert User.aggregate([{"$match": {"age": 25}}, {"$count": "n"}]) == [{"n": 2}]
    assert User.aggregate([{"$match": {"age": 999}}]) == []


# ------------------------------------------------------------------------------ insert_many
def test_insert_many(User, raw):
    users = [User(name=f"u{i}", age=i) for i in range(10)]
    ids = User.insert_many(users)
    assert ids == [u.id for u in users]
    assert all(isinstance(i, str) for i in ids)
    assert raw.count_documents({}) == 10
    assert [d["_id"] for d in raw.find({}, sort=[("age", 1)])] == ids


def test_insert_many_empty_makes_no_server_call(coll_name):
    NoServer = no_server_model(coll_name, "insert_many([]) must not touch the collection")

    assert NoServer.insert_many([]) == []
    assert MongoConnection._instance is None


def test_insert_many_duplicate_ids(User, raw):
    a = User(id="same", name="a")
    b = User(id="same", name="b")
    with pytest.raises(BulkWriteError) as info:
        User.insert_many([a, b])
    assert info.value.code == 65  # pymongo's; the write error has 11000
    assert info.value.details["writeErrors"][0]["code"] == 11000
    assert info.value.details["writeErrors"][0]["index"] == 1
    assert raw.find_one({"_id": "same"})["name"] == "a"


def test_insert_many_keeps_extra_fields(User, raw):
    User.insert_many([User(name="x", extra={"nested": [1, 2]})])
    assert raw.find_one({"name": "x"})["extra"] == {"nested": [1, 2]}


def test_methods_are_classmethods_or_instance_methods():
    for name in ["get", "find_one", "find", "find_iter", "count", "update_one", "update_many", "delete_one",
                 "delete_many", "aggregate", "insert_many", "get_collection"]:
        assert isinstance(inspect.getattr_static(MongoBaseModel, name), classmethod), name
    for name in ["save", "delete"]:
        assert inspect.isfunction(inspect.getattr_static(MongoBaseModel, name)), name


def test_optional_id_model_roundtrip(coll_name):
    class Doc(MongoBaseModel):
        class Settings:
            name = coll_name

        title: str
        body: Optional[str] = None

    d = Doc(title="t")
    d.save()
    assert Doc.get(d.id) == d
