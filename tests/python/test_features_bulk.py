"""Bulk writes: Model.bulk_writer() (sync and async), batches of at most 1,000 operations sent by
libmongo_odm's bulk writer (mongo_odm/bulk.h), pymongo's BulkWriteResult counts, and errors that
name the failed operation's index (ordered: the ones before it stay; unordered: the others are
applied)."""

from typing import Optional

import pytest

from mongo_odm import BulkWriter, BulkWriteResult, MongoBaseModel, _core
from mongo_odm.errors import BulkWriteError, InvalidDocument


@pytest.fixture
def Item(coll_name):
    class Item(MongoBaseModel):
        class Settings:
            name = coll_name

        name: str = ""
        n: int = 0
        note: Optional[str] = None

    return Item


def test_mixed_operations_and_counts(Item, raw):
    existing = [Item(id=f"e{i}", n=i) for i in range(4)]
    Item.insert_many(existing)
    with Item.bulk_writer() as bw:
        assert isinstance(bw, BulkWriter)
        bw.insert(Item(id="new1", n=10))
        bw.insert(Item(id="new2", n=11))
        # (the upsert first among the updates: FerretDB 1.24 numbers upserts by their count)
        bw.update_one({"_id": "up"}, {"$set": {"n": 99}}, upsert=True)
        existing[0].name = "saved"
        bw.save(existing[0])
        bw.update_one({"_id": "e1"}, {"$inc": {"n": 100}})
        bw.update_many({"n": {"$lt": 4}}, {"$set": {"note": "small"}})
        bw.delete_one({"_id": "e3"})
        bw.delete_many({"_id": {"$in": ["nothing"]}})
        assert len(bw) == 8
        assert raw.count_documents({}) == 4  # nothing sent before the block ends
    result = bw.result
    assert isinstance(result, BulkWriteResult)
    assert result.inserted_count == 2
    assert result.upserted_count == 1
    assert result.upserted_ids == {2: "up"}
    assert result.matched_count == 1 + 1 + 3  # save, e1, update_many (e0, e2, e3)
    assert result.modified_count == 5
    assert result.deleted_count == 1
    assert result.acknowledged
    assert "nInserted" in result.bulk_api_result
    assert raw.find_one({"_id": "e0"})["name"] == "saved"
    assert raw.find_one({"_id": "e1"})["n"] == 101
    assert raw.count_documents({}) == 6
    assert len(bw) == 0


def test_batches_of_at_most_1000(Item, raw):
    with Item.bulk_writer() as bw:
        for i in range(2500):
            bw.insert(Item(id=f"d{i:05d}", n=i))
        bw.update_many({"n": {"$gte": 2000}}, {"$set": {"note": "late"}})
    assert bw.result.inserted_count == 2500
    assert bw.result.modified_count == 500
    assert raw.count_documents({}) == 2500


def test_commit_without_with_and_reuse(Item, raw):
    bw = Item.bulk_writer()
    assert bw.commit().inserted_count == 0  # nothing queued: no call
    bw.insert(Item(id="a"))
    assert bw.commit().inserted_count == 1
    bw.delete_one({"_id": "a"})
    assert bw.commit().deleted_count == 1
    assert raw.count_documents({}) == 0


def test_exception_in_block_sends_nothing(Item, raw):
    with pytest.raises(RuntimeError):
        with Item.bulk_writer() as bw:
            bw.insert(Item(id="a"))
            raise RuntimeError("stop")
    assert raw.count_documents({}) == 0
    assert bw.result is None


def test_ordered_error_names_the_operation(Item, raw):
    Item(id="dup").save()
    with pytest.raises(BulkWriteError) as info:
        with Item.bulk_writer(ordered=True) as bw:
            bw.insert(Item(id="a"))
            bw.insert(Item(id="b"))
            bw.insert(Item(id="dup"))
            bw.insert(Item(id="c"))
    details = info.value.details
    assert details["writeErrors"][0]["index"] == 2
    assert details["writeErrors"][0]["code"] == 11000
    assert details["nInserted"] == 2
    assert raw.count_documents({}) == 3  # dup, a, b: c was not attempted


def test_unordered_error_applies_the_others(Item, raw):
    Item(id="dup").save()
    bw = Item.bulk_writer(ordered=False)
    for i in range(1200):
        bw.insert(Item(id="dup" if i in (5, 1100) else f"x{i}"))
    with pytest.raises(BulkWriteError) as info:
        bw.commit()
    details = info.value.details
    assert [e["index"] for e in details["writeErrors"]] == [5, 1100]
    assert details["nInserted"] == 1198
    assert raw.count_documents({}) == 1199
    assert len(bw) == 0  # the queue is emptied whatever happens


def test_bad_operations_refused_when_queued(Item):
    bw = Item.bulk_writer()
    with pytest.raises(ValueError):
        bw.update_one({}, {"n": 1})  # not an update document
    with pytest.raises(InvalidDocument):
        bw.update_one({}, {"$set": {"n": object()}})
    with pytest.raises(TypeError):
        bw.insert({"_id": "raw dict"})  # models only
    with pytest.raises(ValueError, match="Document ID is required"):
        bw.save(Item(id=None))
    assert len(bw) == 0


def test_bulk_writer_needs_the_native_collection(coll_name):
    class Foreign(MongoBaseModel):
        class Settings:
            name = coll_name

        @classmethod
        def get_collection(cls):
            return object()

    with pytest.raises(TypeError, match="mongo_odm's own collection"):
        with Foreign.bulk_writer() as bw:
            bw.delete_many({})


def test_native_writer_is_not_picklable(raw):
    import pickle

    with pytest.raises(TypeError):
        pickle.dumps(raw.bulk_writer(), protocol=0)
    assert isinstance(raw.bulk_writer(), _core.BulkWriter)


async def test_async_with(Item, raw):
    async with Item.bulk_writer() as bw:
        for i in range(10):
            bw.insert(Item(id=f"a{i}", n=i))
        bw.update_many({}, {"$inc": {"n": 1}})
        bw.delete_one({"_id": "a0"})
    assert (bw.result.inserted_count, bw.result.modified_count, bw.result.deleted_count) == (10, 10, 1)
    assert raw.count_documents({}) == 9
    bw.insert(Item(id="late"))
    assert (await bw.acommit()).inserted_count == 1


async def test_async_error(Item):
    await Item(id="dup").asave()
    with pytest.raises(BulkWriteError) as info:
        async with Item.bulk_writer(ordered=False) as bw:
            bw.insert(Item(id="dup"))
            bw.insert(Item(id="fine"))
    assert info.value.details["writeErrors"][0]["index"] == 0
    assert info.value.details["nInserted"] == 1


def test_unreachable_server(coll_name):
    from helpers import UNREACHABLE_URL

    from mongo_odm.errors import ServerSelectionTimeoutError

    far = _core.Client(UNREACHABLE_URL).collection("db", coll_name)

    class Far(MongoBaseModel):
        class Settings:
            name = coll_name
            indexes = ["a"]
            use_revision = True

        @classmethod
        def get_collection(cls):
            return far

    bw = Far.bulk_writer()
    bw.insert(Far())
    with pytest.raises(ServerSelectionTimeoutError):
        bw.commit()
    assert len(bw) == 0
    with pytest.raises(ServerSelectionTimeoutError):
        Far.ensure_indexes()
    with pytest.raises(ServerSelectionTimeoutError):
        Far().save()
