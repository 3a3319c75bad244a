"""Stored documents that no longer fit the model (issue 17 item 3): find(), find_iter(), afind()
and afind_iter() raise pydantic's ValidationError at such a document by default (lightodm's
behaviour); ``skip_invalid=True`` passes over them and returns the others; the model's raw
collection reads every document as a dict."""

import pytest
from pydantic import BaseModel, ValidationError

GOOD = [("a", "Ada", 36), ("b", "Bob", 25), ("d", "Dee", 50)]


@pytest.fixture
def stored(User, raw):
    """Three documents that fit User and one (written around the model) that does not."""
    raw.insert_many([{"_id": i, "name": n, "age": a, "email": None} for i, n, a in GOOD])
    raw.insert_one({"_id": "c", "name": ["not", "a", "str"], "age": "old", "email": None})
    return User


def ids(models):
    return sorted(m.id for m in models)


def test_find_raises_by_default(stored):
    with pytest.raises(ValidationError):
        stored.find({})


def test_find_skip_invalid_returns_the_rest(stored):
    users = stored.find({}, skip_invalid=True)
    assert ids(users) == ["a", "b", "d"]
    assert all(isinstance(u, stored) for u in users)
    # with pymongo's own options beside it
    assert [u.id for u in stored.find({}, sort=[("_id", -1)], limit=3, skip_invalid=True)] == ["d", "b"]


def test_find_skip_invalid_false_is_the_default(stored):
    with pytest.raises(ValidationError):
        stored.find({}, skip_invalid=False)


def test_find_iter_raises_at_the_document(stored):
    it = stored.find_iter({}, sort=[("_id", 1)])
    assert [next(it).id, next(it).id] == ["a", "b"]
    with pytest.raises(ValidationError):
        next(it)


def test_find_iter_skip_invalid(stored):
    assert [u.id for u in stored.find_iter({}, sort=[("_id", 1)], skip_invalid=True)] == ["a", "b", "d"]


def test_find_projection_skip_invalid(stored):
    class Name(BaseModel):
        name: str

    with pytest.raises(ValidationError):
        stored.find({}, projection=Name)
    names = stored.find({}, projection=Name, sort=[("_id", 1)], skip_invalid=True)
    assert [n.name for n in names] == ["Ada", "Bob", "Dee"]
    assert [n.name for n in stored.find_iter({}, projection=Name, sort=[("_id", 1)], skip_invalid=True)] == [
        "Ada", "Bob", "Dee"]


def test_raw_collection_reads_every_document(stored):
    docs = list(stored.get_collection().find({}, sort=[("_id", 1)]))
    assert [d["_id"] for d in docs] == ["a", "b", "c", "d"]
    assert docs[2] == {"_id": "c", "name": ["not", "a", "str"], "age": "old", "email": None}


async def test_afind_raises_by_default(stored):
    with pytest.raises(ValidationError):
        await stored.afind({})


async def test_afind_skip_invalid(stored):
    assert ids(await stored.afind({}, skip_invalid=True)) == ["a", "b", "d"]


async def test_afind_iter_raises_at_the_document(stored):
    seen = []
    with pytest.raises(ValidationError):
        async for user in stored.afind_iter({}, sort=[("_id", 1)]):
            seen.append(user.id)
    assert seen == ["a", "b"]


async def test_afind_iter_skip_invalid(stored):
    assert [u.id async for u in stored.afind_iter({}, sort=[("_id", 1)], skip_invalid=True)] == ["a", "b", "d"]


async def test_async_raw_collection_reads_every_document(stored):
    collection = await stored.get_async_collection()
    docs = await collection.find({}).to_list(length=None)
    assert sorted(d["_id"] for d in docs) == ["a", "b", "c", "d"]
