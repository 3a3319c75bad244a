"""Exception mapping: library error codes become pymongo-named exceptions of mongo_odm.errors."""

import pickle
import time

import pytest

from helpers import UNREACHABLE_URL
from mongo_odm import MongoBaseModel, ObjectId, errors, get_database
from mongo_odm.client import MongoClient
from mongo_odm.errors import (
    AutoReconnect,
    BSONError,
    BulkWriteError,
    ConfigurationError,
    ConnectionFailure,
    DocumentTooLarge,
    DuplicateKeyError,
    ExecutionTimeout,
    InvalidBSON,
    InvalidDocument,
    InvalidId,
    InvalidOperation,
    OperationFailure,
    PyMongoError,
    ServerSelectionTimeoutError,
    WriteError,
)


def assert_subclasses(base: type, *classes: type) -> None:
    for cls in classes:
        assert issubclass(cls, base), f"{cls.__name__} is not a {base.__name__}"


def test_hierarchy():
    assert_subclasses(OperationFailure, WriteError, BulkWriteError, ExecutionTimeout)
    assert_subclasses(WriteError, DuplicateKeyError)
    assert_subclasses(PyMongoError, OperationFailure, ConnectionFailure)
    assert_subclasses(ConnectionError, ConnectionFailure, ServerSelectionTimeoutError)
    assert_subclasses(ConnectionFailure, ServerSelectionTimeoutError)
    assert_subclasses(AutoReconnect, ServerSelectionTimeoutError, errors.NetworkTimeout)
    assert_subclasses(ConnectionFailure, AutoReconnect)
    assert_subclasses(ValueError, ConfigurationError)
    assert_subclasses(InvalidDocument, DocumentTooLarge)
    assert_subclasses(BSONError, InvalidDocument, InvalidBSON, InvalidId)
    for name in errors.__all__:
        assert issubclass(getattr(errors, name), PyMongoError), name


def test_operation_failure_attributes():
    e = OperationFailure("boom", 42, {"ok": 0, "errmsg": "boom", "code": 42, "errorLabels": ["Lbl"]})
    assert e.code == 42
    assert e.details["errmsg"] == "boom"
    assert e.has_error_label("Lbl") and not e.has_error_label("Other")
    assert "boom" in str(e) and "full error" in str(e)
    assert ServerSelectionTimeoutError("x").timeout is True
    assert ExecutionTimeout("x", 50).timeout is True
    assert OperationFailure("x").timeout is False


# ------------------------------------------------------------------------------ duplicate keys
def test_duplicate_key_error_on_insert_one(raw):
    raw.insert_one({"_id": "dup"})
    with pytest.raises(DuplicateKeyError) as info:
        raw.insert_one({"_id": "dup"})
    e = info.value
    assert isinstance(e, OperationFailure) and isinstance(e, WriteError)
    assert e.code == 11000
    # pymongo's details: the write error itself
    assert isinstance(e.details, dict)
    assert e.details["code"] == 11000 and e.details["index"] == 0 and "E11000" in e.details["errmsg"]
    assert "E11000" in str(e) and str(e).startswith("E11000")


def test_duplicate_key_on_unique_index_through_model(raw, User):
    raw.create_index([("email", 1)], unique=True)
    User(name="a", email="same@x").save()
    with pytest.raises(DuplicateKeyError) as info:
        User(name="b", email="same@x").save()
    assert info.value.code == 11000
    assert raw.count_documents({}) == 1


async def test_duplicate_key_async_model(raw, User):
    raw.create_index([("email", 1)], unique=True)
    await User(name="a", email="same@x").asave()
    with pytest.raises(DuplicateKeyError):
        await User(name="b", email="same@x").asave()
    with pytest.raises(DuplicateKeyError):
        await User.aupdate_one({"name": "nobody"}, {"$set": {"email": "same@x"}}, upsert=True)


def test_bulk_write_error_from_insert_many(raw):
    raw.insert_one({"_id": 2})
    with pytest.raises(BulkWriteError) as info:
        raw.insert_many([{"_id": 1}, {"_id": 2}, {"_id": 3}])
    e = info.value
    assert e.code == 65  # pymongo's
    assert isinstance(e, OperationFailure)
    assert not isinstance(e, DuplicateKeyError)
    assert e.details["writeErrors"][0]["index"] == 1
    assert e.details["writeErrors"][0]["code"] == 11000
    assert e.details["nInserted"] == 1 and "insertedCount" not in e.details
    assert e.details["writeConcernErrors"] == [] and e.details["upserted"] == []
    assert sorted(d["_id"] for d in raw.find({})) == [1, 2]  # ordered: stopped at the failure
    # pickles like pymongo's
    again = pickle.loads(pickle.dumps(e))
    assert type(again) is BulkWriteError and again.details == e.details and again.code == 65


def test_bulk_write_error_from_model_insert_many(User):
    u = User(name="x")
    u.save()
    with pytest.raises(BulkWriteError):
        User.insert_many([User(name="y"), User(id=u.id, name="z")])
    assert User.count() == 2


# ------------------------------------------------------------------------------ server failures
def test_operation_failure_from_failing_command():
    with pytest.raises(OperationFailure) as info:
        get_database().command({"thisCommandDoesNotExist": 1})
    e = info.value
    assert type(e) is OperationFailure
    assert e.code == 59
    assert e.details["ok"] == 0.0 and e.details["code"] == 59


def test_write_error_for_refused_single_write(raw):
    raw.insert_many([{"_id": 1}, {"_id": 2}])
    with pytest.raises(WriteError) as info:
        raw.update_one({"_id": 1}, {"$set": {"_id": 5}})  # _id is immutable
    assert info.value.code == 66
    assert not isinstance(info.value, DuplicateKeyError)
    with pytest.raises(WriteError):
        raw.replace_one({"_id": 1}, {"_id": 7})


def test_operation_failure_from_aggregate():
    with pytest.raises(OperationFailure):
        list(get_database()["whatever"].aggregate([{"$notAStage": {}}]))


def test_execution_timeout(scratch_db):
    raw = scratch_db["scan"]
    raw.insert_many([{"s": "x" * 200} for _ in range(6000)])
    with pytest.raises(ExecutionTimeout) as info:
        list(raw.find({"s": {"$regex": "y$"}}, max_time_ms=1))
    assert info.value.code == 50 and info.value.timeout


# ------------------------------------------------------------------------------ connection failures
def test_server_selection_timeout_for_unreachable_server():
    client = MongoClient(UNREACHABLE_URL)  # lazy, like pymongo: no error yet
    start = time.monotonic()
    with pytest.raises(ServerSelectionTimeoutError) as info:
        client.admin.command("ping")
    elapsed = time.monotonic() - start
    assert isinstance(info.value, ConnectionFailure) and isinstance(info.value, ConnectionError)
    # 10x the URL's serverSelectionTimeoutMS=300: load on a 2-core machine adds scheduling delays
    # of tens to hundreds of ms, not seconds; 3 s is still short of the 5 s default that applies
    # if the URL's option were ignored.
    assert elapsed < 3.0
    with pytest.raises(ConnectionError):
        client["db"]["coll"].find_one({})
    with pytest.raises(ConnectionError):
        client["db"]["coll"].insert_one({"x": 1})
    client.close()


def test_server_selection_timeout_as_keyword_option():
    client = MongoClient("mongodb://127.0.0.1:1", serverSelectionTimeoutMS=300)
    start = time.monotonic()
    with pytest.raises(ServerSelectionTimeoutError):
        client["db"]["c"].count_documents({})
    # 10x the keyword's 300 ms, safe under load as above; short of the 5 s default, so a keyword
    # option that was ignored fails here
    assert time.monotonic() - start < 3.0
    client.close()


async def test_unreachable_async_client():
    from mongo_odm._async import AsyncMongoClient

    client = AsyncMongoClient(UNREACHABLE_URL)
    with pytest.raises(ConnectionFailure):
        await client["db"]["c"].find_one({})
    with pytest.raises(ConnectionFailure):
        await client["db"]["c"].find({}).to_list(None)
    client.close()


def test_wrong_password_own_client(settings):
    secret = "not-the-Password-42"
    client = MongoClient(settings.url, username=settings.user or "odm", password=secret,
                         serverSelectionTimeoutMS=2000)
    with pytest.raises(ConnectionFailure) as info:
        client.admin.command("ping")
    assert isinstance(info.value, ConnectionError)
    assert secret not in str(info.value) and secret not in repr(info.value)
    client.close()


def test_invalid_uri():
    with pytest.raises(ValueError):
        MongoClient("notmongodb://host")


def test_operation_on_closed_client(settings, coll_name):
    client = MongoClient(settings.url, username=settings.user, password=settings.password)
    coll = client[settings.db_name][coll_name]
    coll.insert_one({"_id": 1})
    client.close()
    with pytest.raises(InvalidOperation, match="after close"):
        client[settings.db_name].list_collection_names()
    with pytest.raises(InvalidOperation):
        client[settings.db_name]["other"]
    # a collection handle obtained before the close keeps its pool alive: still usable, no crash
    assert coll.find_one({}) == {"_id": 1}


def test_stale_collection_of_default_connection(coll_name):
    from mongo_odm import get_client, get_collection, get_mongo_connection

    coll = get_collection(coll_name)
    coll.insert_one({"_id": 1})
    client = get_client()
    get_mongo_connection().close_connection()
    assert coll.count_documents({}) == 1
    with pytest.raises(InvalidOperation):
        client.admin.command("ping")


# ------------------------------------------------------------------------------ client-side errors
def test_invalid_document(raw, User):
    with pytest.raises(InvalidDocument, match="set"):
        raw.insert_one({"bad": {1, 2}})
    with pytest.raises(InvalidDocument, match="bad"):
        User(name="x", bad=object()).save()
    with pytest.raises(InvalidDocument):
        raw.find_one({"x": object()})
    with pytest.raises(InvalidDocument):
        raw.update_one({}, {"$set": {"x": 1j}})
    assert raw.count_documents({}) == 0


def test_update_without_operators_is_value_error(raw, User):
    with pytest.raises(ValueError, match="update only works with"):
        raw.update_one({}, {"x": 1})
    with pytest.raises(ValueError):
        raw.update_many({}, {"x": 1})
    with pytest.raises(ValueError):
        User.update_one({}, {"name": "x"})
    with pytest.raises(ValueError):
        User.update_many({}, {"name": "x"})
    with pytest.raises(ValueError):
        raw.update_one({}, {})


async def test_update_without_operators_async(User):
    with pytest.raises(ValueError):
        await User.aupdate_one({}, {"name": "x"})
    with pytest.raises(ValueError):
        await User.aupdate_many({}, {"name": "x"})


@pytest.mark.parametrize("bad", ["", "xyz", "0" * 23, "0" * 25, "g" * 24, "0123456789abcdef0123456Z"])
def test_invalid_id(bad):
    with pytest.raises(InvalidId):
        ObjectId(bad)
    assert ObjectId.is_valid(bad) is False


def test_invalid_id_bytes_and_types():
    with pytest.raises(InvalidId):
        ObjectId(b"short")
    with pytest.raises(TypeError):
        ObjectId(12)
    with pytest.raises(TypeError):
        ObjectId(1.5)


def test_filter_type_errors(raw):
    with pytest.raises(TypeError):
        raw.find(5)
    with pytest.raises(TypeError):
        raw.delete_many("not a filter")
    with pytest.raises(TypeError):
        raw.insert_one(["not", "a", "document"])


def test_errors_importable_by_pymongo_names():
    names = ["PyMongoError", "ConnectionFailure", "ServerSelectionTimeoutError", "OperationFailure",
             "DuplicateKeyError", "WriteError", "BulkWriteError", "InvalidDocument", "ExecutionTimeout"]
    for name in names:
        assert isinstance(getattr(errors, name), type)
