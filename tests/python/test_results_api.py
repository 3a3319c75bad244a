"""pymongo's result objects (issue 16 item 3): InsertOneResult, InsertManyResult, UpdateResult,
DeleteResult, BulkWriteResult, their attributes and raw_result compared with pymongo's answers
for the same writes on twin FerretDB collections."""

import pytest

import mongo_odm
from pymongo_ref import load_pymongo, pm_client, pm_coll, pymongo_module  # noqa: F401  (fixtures)

ATTRS = ("acknowledged", "inserted_id", "inserted_ids", "matched_count", "modified_count", "upserted_id",
         "did_upsert", "deleted_count", "raw_result", "inserted_count", "upserted_count", "upserted_ids",
         "bulk_api_result")


@pytest.fixture
def twin(admin_db, new_name, pm_client, settings):
    ours, theirs = admin_db[new_name()], pm_client[settings.db_name][new_name()]
    for c in (ours, theirs):
        c.insert_many([{"_id": i, "n": i} for i in range(5)])
    return ours, theirs


def attrs_of(result, want):
    """The attributes pymongo's result has, read from ours (AttributeError if one is missing)."""
    names = [a for a in ATTRS if hasattr(want, a)]
    return {a: getattr(result, a) for a in names}, {a: getattr(want, a) for a in names}


@pytest.mark.parametrize(
    "method, args, kwargs",
    [
        ("insert_one", ({"_id": 10},), {}),
        ("insert_many", ([{"_id": 11}, {"_id": 12}],), {}),
        ("update_one", ({"_id": 1}, {"$set": {"a": 1}}), {}),
        ("update_one", ({"_id": 1}, {"$set": {"n": 1}}), {}),  # matched, not modified
        ("update_one", ({"_id": 99}, {"$set": {"a": 1}}), {}),
        ("update_one", ({"_id": 99}, {"$set": {"a": 1}}), {"upsert": True}),
        ("update_many", ({"n": {"$gte": 2}}, {"$inc": {"n": 1}}), {}),
        ("update_many", ({}, {"$set": {"n": 0}}), {}),
        ("replace_one", ({"_id": 2}, {"r": 1}), {}),
        ("replace_one", ({"_id": 98}, {"r": 1}), {"upsert": True}),
        ("delete_one", ({"_id": 3},), {}),
        ("delete_one", ({"_id": 97},), {}),
        ("delete_many", ({"n": {"$lt": 3}},), {}),
    ],
)
def test_results_match_pymongo(twin, method, args, kwargs):
    ours, theirs = twin
    mine, want = attrs_of(getattr(ours, method)(*args, **kwargs), getattr(theirs, method)(*args, **kwargs))
    assert mine == want
    assert type(mine.get("raw_result", {})) is dict


def test_bulk_write_result_matches_pymongo(twin):
    ours, theirs = twin
    pm = load_pymongo()

    def reqs(lib):
        return [lib.InsertOne({"_id": 20}), lib.UpdateOne({"_id": 1}, {"$set": {"a": 1}}),
                lib.UpdateOne({"_id": 21}, {"$set": {"a": 1}}, upsert=True), lib.DeleteMany({"n": {"$gt": 3}})]

    mine, want = attrs_of(ours.bulk_write(reqs(mongo_odm)), theirs.bulk_write(reqs(pm)))
    api_mine, api_want = mine.pop("bulk_api_result"), want.pop("bulk_api_result")
    assert mine == want
    for key in ("nInserted", "nMatched", "nModified", "nRemoved", "nUpserted", "upserted", "writeErrors"):
        assert api_mine[key] == api_want[key], key
