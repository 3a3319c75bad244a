"""The keyword arguments of find / find_one / find_iter (and their async twins) and of aggregate.

sort (list of pairs, single pair, key string), limit, skip, projection (dict or list),
batch_size, hint, max_time_ms; aggregate's allowDiskUse, batchSize, maxTimeMS, comment.
Unknown keyword arguments raise TypeError naming the argument.
"""

from typing import Optional

import pytest

from mongo_odm import MongoBaseModel
from mongo_odm.errors import ExecutionTimeout, OperationFailure


@pytest.fixture
def Item(coll_name, raw):
    class Item(MongoBaseModel):
        class Settings:
            name = coll_name

        n: int
        group: str = "g"
        label: Optional[str] = None

    raw.insert_many([{"_id": f"i{n:02d}", "n": n, "group": "ab"[n % 2], "label": f"L{n}"} for n in range(20)])
    raw.create_index([("n", 1)], name="n_1")
    return Item


def ns(items):
    return [i.n for i in items]


# ------------------------------------------------------------------------------ sort
@pytest.mark.parametrize(
    "sort, expected_first",
    [
        ([("n", -1)], [19, 18, 17]),
        ([("n", 1)], [0, 1, 2]),
        (("n", -1), [19, 18, 17]),          # a single (key, direction) pair
        ("n", [0, 1, 2]),                   # a key: ascending
        ([("group", 1), ("n", -1)], [18, 16, 14]),  # compound
        ([["group", -1], ["n", 1]], [1, 3, 5]),     # pairs as lists
    ],
)
def test_find_sort_forms(Item, sort, expected_first):
    assert ns(Item.find({}, sort=sort, limit=3)) == expected_first
    assert ns(list(Item.find_iter({}, sort=sort, limit=3))) == expected_first
    assert Item.find_one({}, sort=sort).n == expected_first[0]


@pytest.mark.parametrize("sort", [("n", -1), [("n", -1)], "n"])
async def test_async_sort_forms(Item, sort):
    expected = ns(Item.find({}, sort=sort))
    assert ns(await Item.afind({}, sort=sort)) == expected
    assert ns([i async for i in Item.afind_iter({}, sort=sort)]) == expected
    assert (await Item.afind_one({}, sort=sort)).n == expected[0]


def test_bad_sort_type(Item):
    with pytest.raises(TypeError):
        Item.find({}, sort=5)


# ------------------------------------------------------------------------------ limit / skip
def test_limit_and_skip(Item):
    assert ns(Item.find({}, sort=[("n", 1)], limit=5)) == [0, 1, 2, 3, 4]
    assert ns(Item.find({}, sort=[("n", 1)], skip=17)) == [17, 18, 19]
    assert ns(Item.find({}, sort=[("n", 1)], skip=5, limit=2)) == [5, 6]
    assert ns(Item.find({}, sort=[("n", 1)], skip=100)) == []
    assert ns(list(Item.find_iter({}, sort=[("n", 1)], skip=3, limit=2))) == [3, 4]
    assert Item.find_one({}, sort=[("n", 1)], skip=7).n == 7
    # limit=0 means no limit, as in pymongo
    assert len(Item.find({}, limit=0)) == 20


async def test_async_limit_skip(Item):
    assert ns(await Item.afind({}, sort=[("n", 1)], skip=5, limit=2)) == [5, 6]
    assert ns([i async for i in Item.afind_iter({}, sort=[("n", 1)], skip=18)]) == [18, 19]
    assert (await Item.afind_one({}, sort=[("n", -1)], skip=1)).n == 18


def test_limit_skip_types(Item):
    with pytest.raises(TypeError):
        Item.find({}, limit="5")
    with pytest.raises(TypeError):
        Item.find({}, skip=1.5)
    with pytest.raises(ValueError):
        Item.find({}, skip=-1)


# ------------------------------------------------------------------------------ projection
def test_projection_dict_include(Item, raw):
    docs = list(raw.find({"n": 3}, projection={"n": 1}))
    assert docs == [{"_id": "i03", "n": 3}]
    item = Item.find_one({"n": 3}, projection={"n": 1})
    assert item.n == 3 and item.id == "i03"
    assert item.group == "g" and item.label is None  # defaults: not fetched


def test_projection_dict_exclude(Item, raw):
    assert raw.find_one({"n": 4}, projection={"label": 0, "group": 0}) == {"_id": "i04", "n": 4}
    items = Item.find({"n": {"$lt": 2}}, projection={"label": 0}, sort=[("n", 1)])
    assert [(i.n, i.group, i.label) for i in items] == [(0, "a", None), (1, "b", None)]


def test_projection_list(Item, raw):
    assert raw.find_one({"n": 5}, projection=["n", "label"]) == {"_id": "i05", "n": 5, "label": "L5"}
    items = list(Item.find_iter({"n": 5}, projection=["n"]))
    assert [(i.n, i.label) for i in items] == [(5, None)]
    # positional projection, pymongo style
    assert raw.find_one({"n": 5}, ["n"]) == {"_id": "i05", "n": 5}


def test_projection_without_id(raw, Item):
    assert raw.find_one({"n": 6}, projection={"_id": 0, "n": 1}) == {"n": 6}


async def test_async_projection(Item):
    item = await Item.afind_one({"n": 8}, projection=["n"])
    assert (item.n, item.label) == (8, None)
    items = await Item.afind({"n": 8}, projection={"label": 0})
    assert (items[0].group, items[0].label) == ("a", None)
    items = [i async for i in Item.afind_iter({"n": 8}, projection={"n": 1})]
    assert items[0].group == "g"


def test_projection_bad_type(Item):
    with pytest.raises(TypeError):
        Item.find({}, projection=5)


# ------------------------------------------------------------------------------ batch_size / hint / max_time_ms
@pytest.mark.parametrize("batch_size", [1, 2, 7, 1000])
def test_batch_size_returns_everything(Item, batch_size):
    assert ns(Item.find({}, sort=[("n", 1)], batch_size=batch_size)) == list(range(20))
    assert ns(list(Item.find_iter({}, sort=[("n", 1)], batch_size=batch_size))) == list(range(20))


async def test_async_batch_size(Item):
    assert ns(await Item.afind({}, sort=[("n", 1)], batch_size=3)) == list(range(20))
    assert ns([i async for i in Item.afind_iter({}, sort=[("n", 1)], batch_size=3)]) == list(range(20))


def test_batch_size_negative(Item):
    with pytest.raises(ValueError):
        Item.find({}, batch_size=-1)


@pytest.mark.parametrize("hint", ["n_1", [("n", 1)], {"n": 1}])
def test_hint_accepted(Item, hint):
    assert ns(Item.find({"n": {"$gte": 15}}, sort=[("n", 1)], hint=hint)) == [15, 16, 17, 18, 19]
    assert Item.find_one({"n": 3}, hint=hint).n == 3
    assert len(list(Item.find_iter({}, hint=hint))) == 20


async def test_async_hint_and_max_time(Item):
    assert len(await Item.afind({}, hint="n_1", max_time_ms=10_000)) == 20
    assert (await Item.afind_one({"n": 2}, hint=[("n", 1)], max_time_ms=10_000)).n == 2


def test_max_time_ms_generous_limit(Item):
    assert len(Item.find({}, max_time_ms=60_000)) == 20
    assert Item.find_one({"n": 1}, max_time_ms=60_000).n == 1


@pytest.fixture
def Big(scratch_db, monkeypatch):
    """A model on enough documents that an unindexed regex scan takes well over a millisecond,
    in a database of the test's own (conftest.scratch_db says why)."""
    scratch_db["scan"].insert_many([{"n": 1000 + i, "s": "x" * 200} for i in range(6000)])
    monkeypatch.setenv("MONGO_DB_NAME", scratch_db.name)

    class Big(MongoBaseModel):
        class Settings:
            name = "scan"

        n: int
        s: str

    return Big


def test_max_time_ms_reaches_the_server(Big):
    with pytest.raises(ExecutionTimeout) as info:
        Big.find({"s": {"$regex": "y$"}}, max_time_ms=1)
    assert info.value.code == 50
    assert isinstance(info.value, OperationFailure)
    with pytest.raises(ExecutionTimeout):
        list(Big.find_iter({"s": {"$regex": "y$"}}, max_time_ms=1))


async def test_async_max_time_ms_reaches_the_server(Big):
    with pytest.raises(ExecutionTimeout):
        await Big.afind({"s": {"$regex": "y$"}}, max_time_ms=1)


# ------------------------------------------------------------------------------ aggregate options
PIPELINE = [{"$match": {"n": {"$lt": 20}}}, {"$group": {"_id": "$group", "total": {"$sum": "$n"}}}, {"$sort": {"_id": 1}}]
EXPECTED = [{"_id": "a", "total": sum(range(0, 20, 2))}, {"_id": "b", "total": sum(range(1, 20, 2))}]


@pytest.mark.parametrize(
    "kwargs",
    [
        {},
        {"allowDiskUse": True},
        {"allowDiskUse": False},
        {"batchSize": 1},
        {"maxTimeMS": 60_000},
        {"comment": "from the test suite"},
        {"allowDiskUse": True, "batchSize": 5, "maxTimeMS": 60_000, "comment": "all"},
    ],
)
async def test_aggregate_kwargs(Item, kwargs):
    assert Item.aggregate(PIPELINE, **kwargs) == EXPECTED
    assert await Item.aaggregate(PIPELINE, **kwargs) == EXPECTED


def test_aggregate_batch_size_many_documents(Item):
    out = Item.aggregate([{"$sort": {"n": 1}}, {"$project": {"_id": 0, "n": 1}}], batchSize=3)
    assert out == [{"n": n} for n in range(20)]


def test_aggregate_max_time_ms_reaches_the_server(Big):
    with pytest.raises(ExecutionTimeout):
        Big.aggregate([{"$match": {"s": {"$regex": "y$"}}}], maxTimeMS=1)


# ------------------------------------------------------------------------------ unknown kwargs
@pytest.mark.parametrize("name", ["limt", "batchsize", "projections", "maxTimeMS_typo"])
def test_unknown_kwargs_sync(Item, name):
    with pytest.raises(TypeError, match=name):
        Item.find({}, **{name: 1})
    with pytest.raises(TypeError, match=name):
        Item.find_one({}, **{name: 1})
    with pytest.raises(TypeError, match=name):
        list(Item.find_iter({}, **{name: 1}))
    with pytest.raises(TypeError, match=name):
        Item.aggregate([], **{name: 1})


@pytest.mark.parametrize("name", ["limt", "sortt"])
async def test_unknown_kwargs_async(Item, name):
    with pytest.raises(TypeError, match=name):
        await Item.afind({}, **{name: 1})
    with pytest.raises(TypeError, match=name):
        await Item.afind_one({}, **{name: 1})
    with pytest.raises(TypeError, match=name):
        [i async for i in Item.afind_iter({}, **{name: 1})]
    with pytest.raises(TypeError, match=name):
        await Item.aaggregate([], **{name: 1})


def test_unknown_kwarg_on_collection_methods(raw):
    with pytest.raises(TypeError, match="bogus"):
        raw.find({}, bogus=True)
    with pytest.raises(TypeError, match="bogus"):
        raw.count_documents({}, bogus=True)
    with pytest.raises(TypeError, match="bogus"):
        raw.aggregate([], bogus=True)


def test_none_valued_kwargs_mean_not_given(Item):
    assert len(Item.find({}, sort=None, limit=None, skip=None, batch_size=None, hint=None, max_time_ms=None)) == 20
