"""The differential test of issue 16 (item 6): the same raw-collection scenarios run through
pymongo and through mongo_odm, each on its own collection of the same FerretDB seeded with the
same documents; the answers (results, documents, exception class names and codes) and the
collections' contents afterwards must be equal.

pymongo comes from MONGO_ODM_REFERENCE_BSON (tests/python/pymongo_ref.py): it is never installed
in the test environment. Each scenario is a function of (collection, library module); the library
module gives the request classes (``lib.InsertOne``...) and ``lib.ReturnDocument``.
"""

import pytest

import mongo_odm
from pymongo_ref import load_pymongo, pm_client, pymongo_module  # noqa: F401  (fixtures)

SEED = [
    {"_id": i, "n": i, "g": "ab"[i % 2], "s": f"item{i:02d}", "tags": ["t%d" % (i % 3), "all"],
     "sub": {"k": i % 4, "deep": {"v": i * 10}}, **({"opt": True} if i % 5 == 0 else {})}
    for i in range(12)
]

RESULT_ATTRS = ("inserted_id", "inserted_ids", "matched_count", "modified_count", "upserted_id", "deleted_count",
                "raw_result", "inserted_count", "upserted_count", "upserted_ids", "acknowledged")


def norm(value):
    """A comparable form: results as their attributes, cursors as lists, exceptions as
    (class name, code)."""
    name = type(value).__name__
    if isinstance(value, BaseException):
        return ("error", name, getattr(value, "code", None))
    if name.endswith("Result"):
        out = {}
        for attr in RESULT_ATTRS:
            try:
                out[attr] = norm(getattr(value, attr))
            except AttributeError:
                pass
        return (name, out)
    if name in ("Cursor", "CommandCursor", "AsyncCursor"):
        return [norm(d) for d in value]
    if isinstance(value, dict):
        return {k: norm(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [norm(v) for v in value]
    return value


def run(scenario, coll, lib):
    try:
        return norm(scenario(coll, lib))
    except Exception as exc:  # compared by name and code
        return norm(exc)


def bulk(c, lib):
    return c.bulk_write([
        lib.InsertOne({"_id": 100, "n": 100}),
        lib.UpdateOne({"_id": 1}, {"$set": {"b": 1}}),
        lib.UpdateMany({"g": "a"}, {"$inc": {"n": 1000}}),
        lib.ReplaceOne({"_id": 2}, {"replaced": True}),
        lib.DeleteOne({"_id": 3}),
        lib.DeleteMany({"n": {"$gt": 1000, "$lt": 1005}}),
    ])


def started_then_sorted(c, lib):
    cursor = c.find().sort("_id")
    next(cursor)
    return cursor.limit(2)


def index_keys(c, lib):
    c.create_index([("n", 1), ("g", -1)], name="n_g")
    return sorted((k, v["key"]) for k, v in c.index_information().items())


SCENARIOS = {
    # ---- inserts
    "insert_one": lambda c, lib: c.insert_one({"_id": 50, "x": 1}),
    "insert_one_duplicate": lambda c, lib: c.insert_one({"_id": 1}),
    "insert_many": lambda c, lib: c.insert_many([{"_id": 60}, {"_id": 61, "y": [1, 2]}]),
    "insert_many_ordered_duplicate": lambda c, lib: c.insert_many([{"_id": 70}, {"_id": 1}, {"_id": 71}]),
    "insert_many_unordered_duplicate": lambda c, lib: c.insert_many([{"_id": 72}, {"_id": 1}, {"_id": 73}],
                                                                    ordered=False),
    # ---- reads
    "find_all": lambda c, lib: c.find().sort("_id"),
    "find_gt": lambda c, lib: c.find({"n": {"$gt": 7}}).sort("n", -1),
    "find_projection_include": lambda c, lib: c.find({}, {"n": 1, "g": 1}).sort("_id"),
    "find_projection_exclude": lambda c, lib: c.find({}, {"tags": 0, "sub": 0}).sort("_id"),
    "find_projection_list": lambda c, lib: c.find({"g": "a"}, ["s"]).sort("_id"),
    "find_sort_limit": lambda c, lib: c.find().sort([("g", 1), ("n", -1)]).limit(4),
    "find_skip_limit": lambda c, lib: c.find().sort("_id").skip(3).limit(3),
    "find_kwargs": lambda c, lib: c.find({}, sort=[("n", -1)], skip=1, limit=2),
    "find_batch_size": lambda c, lib: c.find().sort("_id").batch_size(2),
    "find_in": lambda c, lib: c.find({"_id": {"$in": [1, 5, 99]}}).sort("_id"),
    "find_regex": lambda c, lib: c.find({"s": {"$regex": "^item0[2-4]$"}}).sort("_id"),
    "find_dotted": lambda c, lib: c.find({"sub.deep.v": {"$gte": 80}}).sort("_id"),
    "find_exists": lambda c, lib: c.find({"opt": {"$exists": True}}).sort("_id"),
    "find_or": lambda c, lib: c.find({"$or": [{"n": 1}, {"g": "a", "n": {"$gt": 9}}]}).sort("_id"),
    "find_elem_match": lambda c, lib: c.find({"tags": {"$elemMatch": {"$eq": "t2"}}}).sort("_id"),
    "find_array_contains": lambda c, lib: c.find({"tags": "t1"}).sort("_id"),
    "find_max_time": lambda c, lib: c.find({"g": "b"}).sort("_id").max_time_ms(60_000),
    "find_bad_operator": lambda c, lib: c.find({"$bad": 1}).to_list(),
    "find_option_after_start": started_then_sorted,
    "find_one_by_id": lambda c, lib: c.find_one({"_id": 4}),
    "find_one_missing": lambda c, lib: c.find_one({"_id": 404}),
    "find_one_sorted": lambda c, lib: c.find_one({"g": "b"}, sort=[("n", -1)]),
    "find_one_id_shorthand": lambda c, lib: c.find_one(6),
    "count_all": lambda c, lib: c.count_documents({}),
    "count_filter": lambda c, lib: c.count_documents({"g": "a", "n": {"$lt": 7}}),
    "count_skip_limit": lambda c, lib: c.count_documents({}, skip=2, limit=5),
    "estimated_count": lambda c, lib: c.estimated_document_count(),
    "distinct": lambda c, lib: sorted(c.distinct("g")),
    "distinct_filter": lambda c, lib: sorted(c.distinct("sub.k", {"n": {"$gte": 6}})),
    "aggregate_group": lambda c, lib: c.aggregate([{"$group": {"_id": "$g", "total": {"$sum": "$n"}}},
                                                   {"$sort": {"_id": 1}}]),
    "aggregate_project": lambda c, lib: c.aggregate([{"$match": {"n": {"$lt": 3}}}, {"$sort": {"_id": 1}},
                                                     {"$project": {"double": {"$multiply": ["$n", 2]}}}]),
    "aggregate_count": lambda c, lib: c.aggregate([{"$match": {"g": "a"}}, {"$count": "c"}]),
    "aggregate_bad_stage": lambda c, lib: list(c.aggregate([{"$nope": 1}])),
    # ---- updates
    "update_one_set": lambda c, lib: c.update_one({"_id": 1}, {"$set": {"x": "y"}}),
    "update_one_no_match": lambda c, lib: c.update_one({"_id": 999}, {"$set": {"x": 1}}),
    "update_one_unchanged": lambda c, lib: c.update_one({"_id": 1}, {"$set": {"n": 1}}),
    "update_one_upsert": lambda c, lib: c.update_one({"_id": 500}, {"$set": {"x": 1}}, upsert=True),
    "update_many_inc": lambda c, lib: c.update_many({"g": "b"}, {"$inc": {"n": 100}}),
    "update_push": lambda c, lib: c.update_one({"_id": 2}, {"$push": {"tags": "new"}}),
    "update_unset": lambda c, lib: c.update_many({}, {"$unset": {"opt": ""}}),
    "update_nested": lambda c, lib: c.update_one({"_id": 3}, {"$set": {"sub.deep.v": -1}}),
    "update_hint": lambda c, lib: c.update_many({"n": {"$gt": 5}}, {"$set": {"h": 1}}, hint="_id_"),
    "update_bad_operator": lambda c, lib: c.update_one({"_id": 1}, {"$nope": {"a": 1}}),
    "update_immutable_id": lambda c, lib: c.update_one({"_id": 1}, {"$set": {"_id": 2}}),
    "update_not_operators": lambda c, lib: c.update_one({"_id": 1}, {"n": 5}),
    "replace_one": lambda c, lib: c.replace_one({"_id": 4}, {"whole": "new"}),
    "replace_one_upsert": lambda c, lib: c.replace_one({"_id": 501}, {"up": True}, upsert=True),
    "replace_with_operator": lambda c, lib: c.replace_one({"_id": 4}, {"$set": {"a": 1}}),
    # ---- deletes
    "delete_one": lambda c, lib: c.delete_one({"g": "a"}),
    "delete_one_no_match": lambda c, lib: c.delete_one({"_id": 999}),
    "delete_many": lambda c, lib: c.delete_many({"n": {"$gte": 8}}),
    "delete_many_all": lambda c, lib: c.delete_many({}),
    # ---- find-one-and-modify
    "fam_update_before": lambda c, lib: c.find_one_and_update({"g": "a"}, {"$inc": {"n": 1}}, sort=[("n", -1)]),
    "fam_update_after_upsert": lambda c, lib: c.find_one_and_update(
        {"_id": "ctr"}, {"$inc": {"v": 1}}, upsert=True, return_document=lib.ReturnDocument.AFTER),
    "fam_update_no_match": lambda c, lib: c.find_one_and_update({"_id": 999}, {"$set": {"a": 1}}),
    "fam_replace_after": lambda c, lib: c.find_one_and_replace({"_id": 5}, {"r": 1},
                                                               return_document=lib.ReturnDocument.AFTER),
    "fam_delete_sorted": lambda c, lib: c.find_one_and_delete({"g": "b"}, sort=[("n", 1)]),
    # ---- bulk, indexes
    "bulk_write": bulk,
    "bulk_write_unordered_duplicate": lambda c, lib: c.bulk_write(
        [lib.InsertOne({"_id": 1}), lib.InsertOne({"_id": 200})], ordered=False),
    "create_index_information": index_keys,
    "drop_missing_index": lambda c, lib: c.drop_index("missing_1"),
}


def test_there_are_at_least_40_scenarios():
    assert len(SCENARIOS) >= 40


@pytest.fixture
def twins(admin_db, new_name, pm_client, settings):
    ours, theirs = admin_db[new_name()], pm_client[settings.db_name][new_name()]
    ours.insert_many([dict(d) for d in SEED])
    theirs.insert_many([dict(d) for d in SEED])
    return ours, theirs


@pytest.mark.parametrize("name", sorted(SCENARIOS))
def test_same_answer_as_pymongo(twins, name):
    ours, theirs = twins
    scenario = SCENARIOS[name]
    want = run(scenario, theirs, load_pymongo())
    got = run(scenario, ours, mongo_odm)
    assert got == want
    assert norm(ours.find().sort("_id")) == norm(theirs.find().sort("_id"))
