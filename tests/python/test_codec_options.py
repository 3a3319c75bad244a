"""pymongo's codec options of a client (issue 16 item 5): tz_aware, tzinfo, document_class,
uuidRepresentation and datetime_conversion, given as keywords or in the URL. pymongo is the
oracle: the same documents on the same server are read and written through both clients with
the same options, and the answers (values, types, stored bytes, errors) must agree."""

import collections
import datetime
import sys
import uuid

import pytest

from mongo_odm import Binary, DatetimeMS, MongoBaseModel
from mongo_odm._async import AsyncMongoClient
from mongo_odm.client import MongoClient
from mongo_odm.errors import ConfigurationError
from odm_state import close_and_reset, reset_singleton
from pymongo_ref import load_pymongo, pm_client, pymongo_module  # noqa: F401  (fixtures)

U = uuid.UUID("00112233-4455-6677-8899-aabbccddeeff")
WHEN = datetime.datetime(2026, 1, 2, 3, 4, 5, 678000)
IST = datetime.timezone(datetime.timedelta(hours=5, minutes=30))
MIN_MS = -62135596800000  # 0001-01-01T00:00:00Z
MAX_MS = 253402300799999  # 9999-12-31T23:59:59.999Z


def with_query(url, query):
    return url + ("&" if "?" in url else ("?" if url.count("/") >= 3 else "/?")) + query


def norm(value):
    """A comparable picture of a decoded value: container types by name, datetimes with their
    UTC offset (pymongo's utc object is its own class), Binary/DatetimeMS by value."""
    name = type(value).__name__
    if isinstance(value, dict) or hasattr(value, "keys"):
        return (name, [(k, norm(v)) for k, v in value.items()])
    if isinstance(value, list):
        return [norm(v) for v in value]
    if isinstance(value, datetime.datetime):
        return ("datetime", value.replace(tzinfo=None), value.utcoffset())
    if name == "Binary":
        return ("Binary", bytes(value), value.subtype)
    if name == "DatetimeMS":
        return ("DatetimeMS", int(value))
    return (name, value)


def clients(settings, pymongo_module, **options):
    ours = MongoClient(settings.url, username=settings.user, password=settings.password, **options)
    theirs = pymongo_module.MongoClient(settings.url, username=settings.user, password=settings.password,
                                        serverSelectionTimeoutMS=5000, **options)
    return ours, theirs


@pytest.fixture
def stored(pm_client, pymongo_module, settings, coll_name):
    """A document written by pymongo (standard UUIDs): a datetime, nested documents and arrays,
    a subtype 4 and a subtype 3 UUID, and datetimes outside years 1..9999."""
    bson = sys.modules["bson"]
    coll = pm_client[settings.db_name].get_collection(
        coll_name, codec_options=bson.codec_options.CodecOptions(uuid_representation=4))
    coll.insert_one({"_id": 1, "when": WHEN, "n": {"a": {"b": [1, {"c": WHEN}]}}, "u4": U,
                     "u3": bson.Binary(U.bytes, 3), "far": bson.DatetimeMS(MIN_MS - 5),
                     "big": bson.DatetimeMS(MAX_MS + 1000), "edge": bson.DatetimeMS(MAX_MS)})
    return coll_name


OPTION_SETS = [
    {},
    {"tz_aware": True},
    {"tz_aware": True, "tzinfo": IST},
    {"document_class": collections.OrderedDict},
    {"uuidRepresentation": "unspecified"},
    {"uuidRepresentation": "standard"},
    {"uuidRepresentation": "pythonLegacy"},
    {"uuidRepresentation": "javaLegacy"},
    {"uuidRepresentation": "csharpLegacy"},
    {"datetime_conversion": "DATETIME_MS"},
    {"datetime_conversion": "DATETIME_AUTO"},
    {"datetime_conversion": "DATETIME_AUTO", "tz_aware": True, "tzinfo": IST},
    {"datetime_conversion": "DATETIME_CLAMP"},
    {"datetime_conversion": "DATETIME_CLAMP", "tz_aware": True, "tzinfo": IST},
    {"datetime_conversion": 3},
    {"datetime_conversion": "DATETIME"},
]


@pytest.mark.parametrize("options", OPTION_SETS, ids=lambda o: ",".join(f"{k}={v}" for k, v in o.items()) or "defaults")
def test_decoding_matches_pymongo(settings, pymongo_module, stored, options):
    ours, theirs = clients(settings, pymongo_module, **options)
    try:
        plain = options.get("datetime_conversion", "DATETIME") == "DATETIME"
        # out of range: InvalidBSON in both (test_out_of_range_datetime_is_invalid_bson_...)
        projection = {"far": 0, "big": 0, "edge": 0} if plain else None
        mine = ours[settings.db_name][stored].find_one({"_id": 1}, projection)
        reference = theirs[settings.db_name][stored].find_one({"_id": 1}, projection)
        assert norm(mine) == norm(reference)
        # cursors (find and aggregate) decode with the same options
        assert [norm(d) for d in ours[settings.db_name][stored].find({}, projection)] == [norm(reference)]
        cursor = ours[settings.db_name][stored].find({}, projection)
        assert [norm(d) for d in cursor.clone()] == [norm(reference)]  # a clone decodes alike
        pipeline = [{"$match": {"_id": 1}}] + ([{"$project": projection}] if projection else [])
        assert [norm(d) for d in ours[settings.db_name][stored].aggregate(pipeline)] == [norm(reference)]
    finally:
        ours.close()
        theirs.close()


@pytest.mark.parametrize("options,projection", [({}, {"edge": 0}), ({"tz_aware": True, "tzinfo": IST}, {"big": 0})])
def test_out_of_range_datetime_is_invalid_bson_as_pymongo(settings, pymongo_module, stored, options, projection):
    """Outside years 1..9999 (in UTC, or once converted to tzinfo) under DATETIME."""
    from mongo_odm.errors import InvalidBSON

    ours, theirs = clients(settings, pymongo_module, **options)
    try:
        with pytest.raises(sys.modules["bson"].errors.InvalidBSON):
            theirs[settings.db_name][stored].find_one({"_id": 1}, projection)
        with pytest.raises(InvalidBSON):
            ours[settings.db_name][stored].find_one({"_id": 1}, projection)
    finally:
        ours.close()
        theirs.close()


@pytest.mark.parametrize("representation", ["standard", "pythonLegacy", "javaLegacy", "csharpLegacy"])
def test_uuid_encoding_matches_pymongo(settings, pymongo_module, pm_client, new_name, representation):
    ours, theirs = clients(settings, pymongo_module, uuidRepresentation=representation)
    name = new_name()
    try:
        ours[settings.db_name][name].insert_one({"_id": "ours", "u": U, "list": [U]})
        theirs[settings.db_name][name].insert_one({"_id": "theirs", "u": U, "list": [U]})
        # a filter with a UUID is encoded the same way: each finds its own document
        assert ours[settings.db_name][name].find_one({"u": U})["_id"] in ("ours", "theirs")
        assert ours[settings.db_name][name].count_documents({"u": U}) == 2
        # the stored bytes and subtypes, seen without any conversion
        seen = {d["_id"]: d for d in pm_client[settings.db_name][name].find()}
        assert norm(seen["ours"]["u"]) == norm(seen["theirs"]["u"])
        assert norm(seen["ours"]["list"]) == norm(seen["theirs"]["list"])
        assert seen["ours"]["u"].subtype == (4 if representation == "standard" else 3)
        # and read back as the UUID it was
        assert ours[settings.db_name][name].find_one({"_id": "ours"})["u"] == U
    finally:
        ours.close()
        theirs.close()


def test_uuid_is_refused_by_default_with_pymongos_error(settings, pymongo_module, new_name):
    ours, theirs = clients(settings, pymongo_module)
    name = new_name()
    try:
        with pytest.raises(ValueError) as reference:
            theirs[settings.db_name][name].insert_one({"u": U})
        with pytest.raises(ValueError) as mine:
            ours[settings.db_name][name].insert_one({"u": U})
        assert str(mine.value) == str(reference.value)
        with pytest.raises(ValueError, match="UuidRepresentation.UNSPECIFIED"):
            ours[settings.db_name][name].find_one({"u": U})
        with pytest.raises(ValueError, match="UuidRepresentation.UNSPECIFIED"):
            list(ours[settings.db_name][name].find({"u": {"$in": [U]}}))
        # a Binary holding the UUID is what pymongo tells the user to store instead
        ours[settings.db_name][name].insert_one({"_id": 1, "u": Binary(U.bytes, 4)})
        assert theirs[settings.db_name][name].find_one({"_id": 1})["u"] == sys.modules["bson"].Binary(U.bytes, 4)
        assert ours[settings.db_name][name].find_one({"_id": 1})["u"] == Binary(U.bytes, 4)
    finally:
        ours.close()
        theirs.close()


def test_binary_and_datetime_ms_round_trip(settings, pymongo_module, new_name):
    ours, theirs = clients(settings, pymongo_module, datetime_conversion="DATETIME_MS")
    name = new_name()
    try:
        ours[settings.db_name][name].insert_one({"_id": 1, "b": Binary(b"\x01\x02", 5), "t": DatetimeMS(MAX_MS + 7),
                                                 "raw": b"\x03"})
        bson = sys.modules["bson"]
        # pymongo's own Binary and DatetimeMS are encoded by their subtype / milliseconds too
        ours[settings.db_name][name].insert_one({"_id": 2, "b": bson.Binary(b"\x01\x02", 5),
                                                 "t": bson.DatetimeMS(MAX_MS + 7), "raw": b"\x03"})
        reference = theirs[settings.db_name][name].find_one({"_id": 1})
        assert norm(ours[settings.db_name][name].find_one({"_id": 1})) == norm(reference)
        assert reference["b"].subtype == 5 and int(reference["t"]) == MAX_MS + 7 and reference["raw"] == b"\x03"
        second = theirs[settings.db_name][name].find_one({"_id": 2})
        assert norm(second) == norm({**reference, "_id": 2})
    finally:
        ours.close()
        theirs.close()


def test_datetime_ms_values():
    assert int(DatetimeMS(datetime.datetime(1970, 1, 1, 0, 0, 1))) == 1000
    assert int(DatetimeMS(datetime.datetime(1970, 1, 1, 1, tzinfo=datetime.timezone(datetime.timedelta(hours=1))))) == 0
    assert DatetimeMS(5) == DatetimeMS(5) and DatetimeMS(5) != 5 and DatetimeMS(4) < DatetimeMS(5)
    assert DatetimeMS(0).as_datetime() == datetime.datetime(1970, 1, 1, tzinfo=datetime.timezone.utc)
    assert DatetimeMS(0).as_datetime(IST).utcoffset() == datetime.timedelta(hours=5, minutes=30)
    assert repr(DatetimeMS(3)) == "DatetimeMS(3)"
    with pytest.raises(OverflowError):
        DatetimeMS(2**63)
    with pytest.raises(TypeError):
        DatetimeMS("1")  # type: ignore[arg-type]
    assert Binary(b"x", 3) != b"x" and Binary(b"x", 3) != Binary(b"x", 4) and Binary(b"x") == Binary(b"x", 0)
    assert repr(Binary(b"x", 3)) == "Binary(b'x', 3)"
    with pytest.raises(ValueError):
        Binary(b"x", 256)
    with pytest.raises(TypeError):
        Binary(b"x", "3")  # type: ignore[arg-type]


def test_url_options_are_honoured_as_pymongo(settings, pymongo_module, stored):
    url = with_query(settings.url, "uuidRepresentation=standard&tz_aware=true&datetime_conversion=DATETIME_AUTO")
    ours = MongoClient(url, username=settings.user, password=settings.password)
    theirs = pymongo_module.MongoClient(url, username=settings.user, password=settings.password)
    try:
        mine = ours[settings.db_name][stored].find_one({"_id": 1})
        assert norm(mine) == norm(theirs[settings.db_name][stored].find_one({"_id": 1}))
        assert mine["u4"] == U and mine["when"].utcoffset() == datetime.timedelta(0)
        # a keyword overrides the URL, as in pymongo
        ours2 = MongoClient(url, username=settings.user, password=settings.password, uuidRepresentation="unspecified")
        assert isinstance(ours2[settings.db_name][stored].find_one({"_id": 1})["u4"], Binary)
        ours2.close()
    finally:
        ours.close()
        theirs.close()


def test_document_class_son_and_dict_subclass(settings, pymongo_module, stored):
    bson = sys.modules["bson"]

    class Doc(dict):
        pass

    for document_class in (bson.son.SON, Doc):
        ours, theirs = clients(settings, pymongo_module, document_class=document_class)
        try:
            mine = ours[settings.db_name][stored].find_one({"_id": 1}, {"far": 0, "big": 0})
            assert type(mine) is document_class and type(mine["n"]["a"]["b"][1]) is document_class
            assert norm(mine) == norm(theirs[settings.db_name][stored].find_one({"_id": 1}, {"far": 0, "big": 0}))
        finally:
            ours.close()
            theirs.close()


BAD_OPTIONS = [
    {"tz_aware": "yes"},
    {"tz_aware": 1},
    {"tzinfo": "UTC", "tz_aware": True},
    {"tzinfo": IST},
    {"document_class": object},
    {"document_class": list},
    {"uuidRepresentation": "bogus"},
    {"uuidRepresentation": 4},
    {"datetime_conversion": "bogus"},
    {"datetime_conversion": 9},
    {"datetime_conversion": 1.5},
]


@pytest.mark.parametrize("options", BAD_OPTIONS, ids=repr)
def test_bad_option_values_raise_as_pymongo(settings, pymongo_module, options):
    with pytest.raises(Exception) as reference:
        pymongo_module.MongoClient(settings.url, connect=False, **options)
    with pytest.raises(type(reference.value)):
        MongoClient(settings.url, **options)


@pytest.mark.parametrize("query", ["uuidRepresentation=bogus", "tz_aware=maybe"])
def test_bad_url_option_value_warns_and_is_ignored_as_pymongo(settings, pymongo_module, query):
    url = with_query(settings.url, query)
    with pytest.warns(UserWarning) as reference:
        pymongo_module.MongoClient(url, connect=False).close()
    with pytest.warns(UserWarning) as mine:
        client = MongoClient(url, username=settings.user, password=settings.password)
    assert str(mine[0].message) == str(reference[0].message)
    client.close()


def test_bad_url_datetime_conversion_raises_as_pymongo(settings, pymongo_module):
    url = with_query(settings.url, "datetime_conversion=bogus")
    with pytest.raises(KeyError):
        pymongo_module.MongoClient(url, connect=False)
    with pytest.raises(KeyError):
        MongoClient(url)


def test_raw_bson_document_is_refused(settings, pymongo_module):
    raw_class = sys.modules["bson"].raw_bson.RawBSONDocument if "bson.raw_bson" in sys.modules else None
    if raw_class is None:
        import importlib

        raw_class = importlib.import_module("bson.raw_bson").RawBSONDocument
    pymongo_module.MongoClient(settings.url, connect=False, document_class=raw_class).close()  # pymongo takes it
    with pytest.raises(ConfigurationError, match="RawBSONDocument is not supported"):
        MongoClient(settings.url, document_class=raw_class)


def test_model_layer_uses_the_urls_uuid_representation(settings, monkeypatch, coll_name, pm_client):
    class Tagged(MongoBaseModel):
        class Settings:
            name = coll_name

        uid: uuid.UUID

    # pymongo's default (lightodm's too): a UUID field cannot be saved
    with pytest.raises(ValueError, match="UuidRepresentation.UNSPECIFIED"):
        Tagged(uid=U).save()
    close_and_reset()
    reset_singleton()
    monkeypatch.setenv("MONGO_URL", with_query(settings.url, "uuidRepresentation=standard"))
    saved = Tagged(uid=U)
    saved.save()
    assert Tagged.get(saved.id).uid == U
    assert pm_client[settings.db_name][coll_name].find_one({"_id": saved.id})["uid"].subtype == 4


async def test_async_client_decodes_with_its_options(settings, stored):
    client = AsyncMongoClient(settings.url, username=settings.user, password=settings.password, tz_aware=True,
                              document_class=collections.OrderedDict, uuidRepresentation="standard")
    try:
        coll = client[settings.db_name][stored]
        doc = await coll.find_one({"_id": 1}, {"far": 0, "big": 0})
        assert type(doc) is collections.OrderedDict and type(doc["n"]) is collections.OrderedDict
        assert doc["when"] == WHEN.replace(tzinfo=datetime.timezone.utc) and doc["u4"] == U
        docs = [d async for d in coll.find({}, {"far": 0, "big": 0})]
        assert docs == [doc]
    finally:
        client.close()
