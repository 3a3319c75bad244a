"""BSON <-> Python, done in C++: every type of the parity contract, through mongo_odm._core.encode /
decode and through the server."""

import datetime
import decimal
import re
import struct
import uuid
from collections import OrderedDict
from types import MappingProxyType

import pytest
from hypothesis import HealthCheck, given, settings as hsettings
from hypothesis import strategies as st

from mongo_odm import MaxKey, MinKey, ObjectId, Timestamp, _core
from mongo_odm.bson_types import MaxKey as MaxKey2

encode, decode = _core.encode, _core.decode

INT32_MIN, INT32_MAX = -(2**31), 2**31 - 1
INT64_MIN, INT64_MAX = -(2**63), 2**63 - 1


def roundtrip(value):
    return decode(encode({"v": value}))["v"]


def element_type(value) -> int:
    """The BSON type byte of the single element of {"v": value}."""
    data = encode({"v": value})
    assert data[5:7] == b"v\x00"
    return data[4]


# ------------------------------------------------------------------------------ wire format
def test_encode_known_bytes():
    # {"hello": "world"} from the BSON specification
    assert encode({"hello": "world"}) == b"\x16\x00\x00\x00\x02hello\x00\x06\x00\x00\x00world\x00\x00"
    assert decode(b"\x16\x00\x00\x00\x02hello\x00\x06\x00\x00\x00world\x00\x00") == {"hello": "world"}
    assert encode({}) == b"\x05\x00\x00\x00\x00"
    assert decode(b"\x05\x00\x00\x00\x00") == {}
    assert isinstance(encode({"a": 1}), bytes)


def test_dict_order_kept():
    keys = ["z", "a", "m", "b", "y", "c"]
    doc = {k: i for i, k in enumerate(keys)}
    assert list(decode(encode(doc))) == keys
    nested = {"outer": {k: i for i, k in enumerate(reversed(keys))}}
    assert list(decode(encode(nested))["outer"]) == list(reversed(keys))


def test_id_moved_first_at_top_level_only():
    assert list(decode(encode({"a": 1, "b": 2, "_id": 3}))) == ["_id", "a", "b"]
    data = encode({"a": 1, "_id": "x"})
    assert data[4:8] == b"\x02_id"  # first element on the wire
    # nested documents keep their order
    assert list(decode(encode({"sub": {"a": 1, "_id": 2}}))["sub"]) == ["a", "_id"]
    # a non-dict mapping too
    assert list(decode(encode(OrderedDict([("a", 1), ("_id", 2)])))) == ["_id", "a"]


def test_mappings_other_than_dict():
    assert decode(encode(OrderedDict([("b", 1), ("a", 2)]))) == {"b": 1, "a": 2}
    assert decode(encode(MappingProxyType({"k": [1]}))) == {"k": [1]}
    assert roundtrip(MappingProxyType({"x": 1})) == {"x": 1}
    with pytest.raises(TypeError):
        encode([("a", 1)])


# ------------------------------------------------------------------------------ scalar types
@pytest.mark.parametrize(
    "value, type_byte",
    [
        (0, 0x10),
        (1, 0x10),
        (-1, 0x10),
        (INT32_MAX, 0x10),
        (INT32_MIN, 0x10),
        (INT32_MAX + 1, 0x12),
        (INT32_MIN - 1, 0x12),
        (INT64_MAX, 0x12),
        (INT64_MIN, 0x12),
    ],
)
def test_int_boundaries(value, type_byte):
    assert element_type(value) == type_byte
    out = roundtrip(value)
    assert out == value and type(out) is int


def test_int_beyond_int64_is_overflow():
    for value in (INT64_MAX + 1, INT64_MIN - 1, 10**30, -(10**30)):
        with pytest.raises(OverflowError):
            encode({"v": value})


def test_int_subclasses():
    import enum

    class Level(enum.IntEnum):
        HIGH = 7

    assert roundtrip(Level.HIGH) == 7 and type(roundtrip(Level.HIGH)) is int
    assert element_type(True) == 0x08  # bool is not an int here


@pytest.mark.parametrize("value", [0.0, -0.0, 1.5, -2.25, 1e308, 5e-324, 0.1, 123456789.123456789])
def test_float(value):
    assert element_type(value) == 0x01
    out = roundtrip(value)
    assert out == value and type(out) is float
    assert struct.pack("<d", out) == struct.pack("<d", value)  # bit-exact (keeps -0.0)


def test_float_special_values_codec():
    assert roundtrip(float("inf")) == float("inf")
    assert roundtrip(float("-inf")) == float("-inf")
    nan = roundtrip(float("nan"))
    assert nan != nan


def test_bool_and_none():
    assert roundtrip(True) is True
    assert roundtrip(False) is False
    assert roundtrip(None) is None
    assert element_type(True) == 0x08
    assert element_type(None) == 0x0A


@pytest.mark.parametrize("value", ["", "ascii", "héllo", "日本語", "emoji 😀🎉", "tab\tnew\nline", "\u0000"[:0], "x" * 10000])
def test_str(value):
    assert element_type(value) == 0x02
    assert roundtrip(value) == value


def test_str_subclass():
    import enum

    class Color(str, enum.Enum):
        RED = "red"

    out = roundtrip(Color.RED)
    assert out == "red" and type(out) is str


def test_list_and_tuple():
    assert roundtrip([1, "a", None, [2, [3, []]], {"k": ()}]) == [1, "a", None, [2, [3, []]], {"k": []}]
    assert roundtrip((1, 2, 3)) == [1, 2, 3]
    assert element_type((1,)) == 0x04
    assert roundtrip([]) == []
    assert roundtrip(()) == []


def test_nested_documents():
    doc = {"a": {"b": {"c": {"d": [{"e": 1}, {"f": {"g": None}}]}}}}
    assert decode(encode(doc)) == doc


# ------------------------------------------------------------------------------ datetime
def test_datetime_naive_is_utc():
    dt = datetime.datetime(2024, 5, 17, 13, 45, 30, 250000)
    out = roundtrip(dt)
    assert out == dt
    assert out.tzinfo is None
    expected_ms = int((dt - datetime.datetime(1970, 1, 1)).total_seconds() * 1000)
    data = encode({"v": dt})
    assert data[4] == 0x09
    assert struct.unpack("<q", data[7:15])[0] == expected_ms


def test_datetime_aware_converted_to_utc():
    tz = datetime.timezone(datetime.timedelta(hours=5, minutes=30))
    aware = datetime.datetime(2024, 1, 1, 10, 0, 0, tzinfo=tz)
    out = roundtrip(aware)
    assert out == datetime.datetime(2024, 1, 1, 4, 30, 0)
    assert out.tzinfo is None
    utc = datetime.datetime(2024, 1, 1, 4, 30, tzinfo=datetime.timezone.utc)
    assert encode({"v": aware}) == encode({"v": utc}) == encode({"v": out})
    west = datetime.datetime(2023, 12, 31, 20, 0, tzinfo=datetime.timezone(-datetime.timedelta(hours=8)))
    assert roundtrip(west) == datetime.datetime(2024, 1, 1, 4, 0)


def test_datetime_millisecond_truncation():
    assert roundtrip(datetime.datetime(2020, 1, 1, 0, 0, 0, 999999)) == datetime.datetime(2020, 1, 1, 0, 0, 0, 999000)
    assert roundtrip(datetime.datetime(2020, 1, 1, 0, 0, 0, 1)) == datetime.datetime(2020, 1, 1)
    assert roundtrip(datetime.datetime(2020, 1, 1, 0, 0, 0, 1500)) == datetime.datetime(2020, 1, 1, 0, 0, 0, 1000)


@pytest.mark.parametrize(
    "dt",
    [
        datetime.datetime(1970, 1, 1),
        datetime.datetime(1969, 12, 31, 23, 59, 59, 999000),
        datetime.datetime(1, 1, 1),
        datetime.datetime(9999, 12, 31, 23, 59, 59, 999000),
        datetime.datetime(2000, 2, 29, 12),
        datetime.datetime(1900, 3, 1, 1, 2, 3, 4000),
    ],
)
def test_datetime_range(dt):
    assert roundtrip(dt) == dt


def test_decoded_datetime_out_of_python_range_is_invalid_bson():
    from mongo_odm.errors import InvalidBSON

    # BSON datetime of year ~292 million
    data = b"\x10\x00\x00\x00\x09v\x00" + struct.pack("<q", INT64_MAX) + b"\x00"
    with pytest.raises(InvalidBSON):
        decode(data)


# ------------------------------------------------------------------------------ binary, uuid, decimal, regex
def test_bytes_subtype_0():
    data = encode({"v": b"\x00\x01\xff"})
    assert data[4] == 0x05
    assert data[7:11] == struct.pack("<i", 3) and data[11] == 0x00  # length, subtype 0
    assert roundtrip(b"\x00\x01\xff") == b"\x00\x01\xff"
    assert roundtrip(b"") == b""


def test_uuid_subtype_4():
    u = uuid.UUID("00112233-4455-6677-8899-aabbccddeeff")
    data = encode({"v": u})
    assert data[4] == 0x05
    assert data[7:11] == struct.pack("<i", 16) and data[11] == 0x04
    assert data[12:28] == u.bytes
    out = roundtrip(u)
    assert out == u and isinstance(out, uuid.UUID)
    assert roundtrip(uuid.uuid4()) != u


@pytest.mark.parametrize("text", ["0", "1.10", "-12345.6789", "1E+10", "0.000001", "9999999999999999999999999999999999",
                                  "-0", "Infinity", "NaN"])
def test_decimal128(text):
    d = decimal.Decimal(text)
    assert element_type(d) == 0x13
    out = roundtrip(d)
    assert isinstance(out, decimal.Decimal)
    if d.is_nan():
        assert out.is_nan()
    else:
        assert out == d and str(out) == str(d)


def test_decimal_not_representable():
    from mongo_odm.errors import InvalidDocument

    with pytest.raises(InvalidDocument):
        encode({"v": decimal.Decimal("1" * 40)})  # 40 digits: more than decimal128 holds


def test_regex_flags():
    pattern = re.compile(r"^a.b$", re.IGNORECASE | re.MULTILINE | re.DOTALL | re.VERBOSE)
    data = encode({"v": pattern})
    assert data[4] == 0x0B
    assert data[7:] == b"^a.b$\x00imsux\x00\x00"  # options sorted, 'u' for str patterns
    out = roundtrip(pattern)
    assert isinstance(out, re.Pattern)
    assert out.pattern == pattern.pattern and out.flags == pattern.flags
    plain = roundtrip(re.compile("x+"))
    assert plain.pattern == "x+" and plain.flags == re.compile("x+").flags
    assert roundtrip(re.compile(b"bytes+")).pattern == "bytes+"


def test_objectid():
    oid = ObjectId()
    data = encode({"v": oid})
    assert data[4] == 0x07 and data[7:19] == oid.binary
    out = roundtrip(oid)
    assert out == oid and isinstance(out, ObjectId)


def test_objectid_lookalike_encodes_as_objectid():
    class PymongoLikeObjectId:
        def __init__(self, raw: bytes):
            self.binary = raw

    oid = ObjectId()
    data = encode({"v": PymongoLikeObjectId(oid.binary)})
    assert data[4] == 0x07
    assert roundtrip(PymongoLikeObjectId(oid.binary)) == oid
    assert ObjectId(PymongoLikeObjectId(oid.binary)) == oid
    assert oid == PymongoLikeObjectId(oid.binary)


def test_binary_attribute_of_wrong_size_is_not_objectid():
    from mongo_odm.errors import InvalidDocument

    class NotAnId:
        binary = b"too short"

    with pytest.raises(InvalidDocument):
        encode({"v": NotAnId()})


def test_timestamp_minkey_maxkey():
    ts = Timestamp(1_700_000_000, 7)
    assert element_type(ts) == 0x11
    out = roundtrip(ts)
    assert out == ts and isinstance(out, Timestamp) and (out.time, out.inc) == (1_700_000_000, 7)
    assert element_type(MinKey()) == 0xFF
    assert element_type(MaxKey()) == 0x7F
    assert isinstance(roundtrip(MinKey()), MinKey)
    assert isinstance(roundtrip(MaxKey()), MaxKey)
    assert MaxKey() == MaxKey2() and MinKey() != MaxKey()
    assert hash(MinKey()) == hash(MinKey())


def test_decode_other_bson_types():
    """Types mongo_odm never writes but may read: undefined, code, symbol, DBPointer."""
    # undefined (0x06) -> None
    assert decode(b"\x08\x00\x00\x00\x06v\x00\x00") == {"v": None}
    # JavaScript code (0x0D) -> str
    assert decode(b"\x12\x00\x00\x00\x0dv\x00\x06\x00\x00\x00x = 1\x00\x00") == {"v": "x = 1"}
    # symbol (0x0E) -> str
    assert decode(b"\x10\x00\x00\x00\x0ev\x00\x04\x00\x00\x00sym\x00\x00") == {"v": "sym"}


# ------------------------------------------------------------------------------ through the server
SERVER_VALUES = {
    "int32": INT32_MAX,
    "int32_min": INT32_MIN,
    "int64": INT64_MAX,
    "int64_min": INT64_MIN,
    "float": 2.5,
    "true": True,
    "false": False,
    "none": None,
    "str": "héllo 日本 😀",
    "empty": "",
    "list": [1, "two", 3.0, None, {"four": 4}],
    "tuple": (1, 2),
    "dict": {"z": 1, "a": {"y": 2, "b": 3}},
    "datetime": datetime.datetime(2024, 12, 31, 23, 59, 59, 999000),
    "bytes": b"\x00\x01\x02\xff",
    "uuid": uuid.UUID("12345678-9abc-def0-1234-56789abcdef0"),
    "regex": re.compile("^abc", re.IGNORECASE),
    "objectid": ObjectId("65f0a1b2c3d4e5f601234567"),
    "timestamp": Timestamp(1_700_000_000, 3),
}


@pytest.fixture
def std_raw(settings, coll_name):
    """The test collection through a client that stores UUIDs (uuidRepresentation="standard";
    pymongo's default, "unspecified", refuses them: test_codec_options.py)."""
    from mongo_odm.client import MongoClient

    client = MongoClient(settings.url, username=settings.user, password=settings.password,
                         uuidRepresentation="standard")
    yield client[settings.db_name][coll_name]
    client.close()


def test_all_types_through_the_server(std_raw):
    raw = std_raw
    doc = {"_id": "all", **SERVER_VALUES}
    raw.insert_one(doc)
    back = raw.find_one({"_id": "all"})
    assert list(back) == list(doc)  # field order kept by the server
    for key, value in SERVER_VALUES.items():
        got = back[key]
        if isinstance(value, tuple) and not isinstance(value, Timestamp):
            assert got == list(value), key
        elif isinstance(value, re.Pattern):
            assert (got.pattern, got.flags) == (value.pattern, value.flags), key
        else:
            assert got == value, key
            assert type(got) is type(value), key


def test_aware_datetime_through_the_server(raw):
    tz = datetime.timezone(datetime.timedelta(hours=-3))
    raw.insert_one({"_id": 1, "when": datetime.datetime(2024, 6, 1, 21, 0, tzinfo=tz)})
    assert raw.find_one({"_id": 1})["when"] == datetime.datetime(2024, 6, 2, 0, 0)
    # querying with an aware datetime finds it
    utc = datetime.datetime(2024, 6, 2, tzinfo=datetime.timezone.utc)
    assert raw.count_documents({"when": utc}) == 1
    assert raw.count_documents({"when": {"$gte": datetime.datetime(2024, 6, 1, 23, 59)}}) == 1


def test_filters_with_typed_values(std_raw):
    raw = std_raw
    u = uuid.uuid4()
    oid = ObjectId()
    raw.insert_many([{"_id": oid, "u": u, "b": b"\x01", "n": INT64_MAX}, {"_id": ObjectId(), "u": uuid.uuid4()}])
    assert raw.find_one({"u": u})["_id"] == oid
    assert raw.find_one({"_id": oid})["n"] == INT64_MAX
    assert raw.find_one({"_id": str(oid)}) is None  # a string is not an ObjectId
    assert raw.find_one({"b": b"\x01"})["_id"] == oid
    assert raw.count_documents({"n": {"$gt": INT32_MAX}}) == 1


def test_objectid_lookalike_in_filter(raw):
    class PymongoLikeObjectId:
        def __init__(self, raw_bytes):
            self.binary = raw_bytes

    oid = raw.insert_one({"x": 1}).inserted_id
    assert raw.find_one({"_id": PymongoLikeObjectId(oid.binary)}) == {"_id": oid, "x": 1}


def test_large_document_through_the_server(raw):
    big = {"_id": "big", "blob": b"\xab" * (15 * 1024 * 1024), "s": "y" * 100_000}
    raw.insert_one(big)
    back = raw.find_one({"_id": "big"})
    assert back["blob"] == big["blob"] and back["s"] == big["s"]


# ------------------------------------------------------------------------------ property-based round trips
_keys = st.text(st.characters(blacklist_characters="\x00", blacklist_categories=("Cs",)), max_size=8)
_scalars = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(min_value=INT64_MIN, max_value=INT64_MAX),
    st.floats(allow_nan=False),
    st.text(st.characters(blacklist_categories=("Cs",)), max_size=20),
    st.binary(max_size=20),
    st.uuids(),
    st.datetimes(min_value=datetime.datetime(1, 1, 1), max_value=datetime.datetime(9999, 12, 31)).map(
        lambda d: d.replace(microsecond=d.microsecond // 1000 * 1000)
    ),
)
_values = st.recursive(
    _scalars,
    lambda children: st.one_of(st.lists(children, max_size=5), st.dictionaries(_keys, children, max_size=5)),
    max_leaves=25,
)


def strict_equal(a, b) -> bool:
    if type(a) is not type(b):
        return False
    if isinstance(a, dict):
        return list(a) == list(b) and all(strict_equal(a[k], b[k]) for k in a)
    if isinstance(a, list):
        return len(a) == len(b) and all(strict_equal(x, y) for x, y in zip(a, b))
    if isinstance(a, float):
        return struct.pack("<d", a) == struct.pack("<d", b)
    return a == b


@hsettings(max_examples=120, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.dictionaries(_keys.filter(lambda k: k != "_id"), _values, max_size=8))
def test_roundtrip_property(doc):
    assert strict_equal(decode(encode(doc)), doc)


@hsettings(max_examples=200, deadline=None)
@given(st.binary(max_size=64))
def test_decode_never_crashes_on_random_bytes(data):
    from mongo_odm.errors import InvalidBSON

    try:
        out = decode(data)
    except InvalidBSON:
        return
    assert isinstance(out, dict)


@hsettings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.dictionaries(_keys, _values, max_size=5), st.data())
def test_decode_never_crashes_on_corrupted_documents(doc, data):
    from mongo_odm.errors import InvalidBSON

    raw_bytes = bytearray(encode(doc))
    pos = data.draw(st.integers(min_value=0, max_value=len(raw_bytes) - 1))
    raw_bytes[pos] = data.draw(st.integers(min_value=0, max_value=255))
    try:
        out = decode(bytes(raw_bytes))
    except InvalidBSON:
        return
    assert isinstance(out, dict)
