"""Property-based hostile-input tests of the dict <-> BSON codec (mongo_odm._core.encode / decode).

Properties, each checked on generated input:
  1. Round trip: documents of every supported type, nested, come back exactly (types, key
     order, float bits, Decimal digits and exponent).
  2. Reference encoding: encode() gives, byte for byte, what a BSON encoder written here from
     the specification (bsonspec.org) gives - for canonical values and for the inputs the codec
     normalizes (tuples, aware datetimes, enums, bytes patterns, other mappings). When
     MONGO_ODM_REFERENCE_BSON names a directory holding pymongo's ``bson`` package, encode()
     must also agree with ``bson.encode`` (pymongo is deliberately absent from the test venv:
     scripts/test.sh installs it, without pymongo's dependencies, into build/bson-ref).
  3. Decoding arbitrary bytes (random, structured, mutated documents) returns a dict or raises
     InvalidBSON, nothing else; what it returns equals what a reference decoder written here
     returns, and it accepts nothing that decoder rejects.
  4. Encoding arbitrary objects - hostile ones included: mappings whose items() lie, objects
     whose attributes raise, out-of-range Timestamps, broken UUID/Decimal subclasses, cycles -
     returns valid BSON or raises InvalidDocument, OverflowError or TypeError (or the
     exception the object's own code raised). Never a crash, never another exception.

The default run is short; MONGO_ODM_FUZZ=deep multiplies every example budget by 25.
"""

import datetime
import decimal
import enum
import math
import os
import re
import struct
import sys
import uuid
from collections import OrderedDict
from collections.abc import Mapping
from types import MappingProxyType

import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from mongo_odm import Binary, MaxKey, MinKey, ObjectId, Timestamp, _core
from mongo_odm.errors import InvalidBSON, InvalidDocument

encode, decode = _core.encode, _core.decode

SCALE = 25 if os.environ.get("MONGO_ODM_FUZZ") == "deep" else 1


def budget(n):
    return settings(max_examples=n * SCALE, deadline=None,
                    suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much,
                                           HealthCheck.data_too_large])


INT32 = (-(2**31), 2**31 - 1)
INT64 = (-(2**63), 2**63 - 1)
EPOCH = datetime.datetime(1970, 1, 1)
MAX_DEPTH = 100  # the encoder's nesting limit (MongoDB's)


# ============================================================================== reference encoder
def ref_cstring(text):
    data = text.encode("utf-8") if isinstance(text, str) else text
    assert b"\x00" not in data
    return data + b"\x00"


def ref_string(text):
    data = text.encode("utf-8")
    return struct.pack("<i", len(data) + 1) + data + b"\x00"


def ref_datetime_ms(value):
    offset = value.utcoffset()
    naive = value.replace(tzinfo=None) - (offset or datetime.timedelta(0))
    delta = naive - EPOCH
    return delta.days * 86_400_000 + delta.seconds * 1000 + delta.microseconds // 1000


def ref_decimal128(value):
    sign, digits, exponent = value.as_tuple()
    if value.is_nan():
        high, low = 0x7C00000000000000, 0  # libbson writes every NaN as the positive quiet NaN
        return struct.pack("<QQ", low, high)
    if value.is_infinite():
        high, low = 0x7800000000000000, 0
    else:
        coefficient = int("".join(map(str, digits)) or "0")
        assert coefficient < 10**34 and -6176 <= exponent <= 6111
        high = ((exponent + 6176) << 49) | (coefficient >> 64)
        low = coefficient & (2**64 - 1)
    if sign:
        high |= 1 << 63
    return struct.pack("<QQ", low, high)


def ref_regex_options(flags):
    return "".join(c for bit, c in ((2, "i"), (4, "l"), (8, "m"), (16, "s"), (32, "u"), (64, "x")) if flags & bit)


def ref_element(key, value):
    k = ref_cstring(key)
    if value is None:
        return b"\x0a" + k
    if isinstance(value, bool):
        return b"\x08" + k + bytes([value])
    if isinstance(value, int):
        value = int(value)
        if INT32[0] <= value <= INT32[1]:
            return b"\x10" + k + struct.pack("<i", value)
        return b"\x12" + k + struct.pack("<q", value)
    if isinstance(value, float):
        return b"\x01" + k + struct.pack("<d", value)
    if isinstance(value, str):
        return b"\x02" + k + ref_string(value)  # (str() of a str Enum is its name)
    if isinstance(value, ObjectId):
        return b"\x07" + k + value.binary
    if isinstance(value, Timestamp):
        return b"\x11" + k + struct.pack("<II", value.inc, value.time)
    if isinstance(value, MinKey):
        return b"\xff" + k
    if isinstance(value, MaxKey):
        return b"\x7f" + k
    if isinstance(value, (list, tuple)):
        return b"\x04" + k + ref_encode({str(i): v for i, v in enumerate(value)}, top=False)
    if isinstance(value, datetime.datetime):
        return b"\x09" + k + struct.pack("<q", ref_datetime_ms(value))
    if isinstance(value, bytes):
        return b"\x05" + k + struct.pack("<i", len(value)) + b"\x00" + value
    if isinstance(value, uuid.UUID):
        return b"\x05" + k + struct.pack("<i", 16) + b"\x04" + value.bytes
    if isinstance(value, decimal.Decimal):
        return b"\x13" + k + ref_decimal128(value)
    if isinstance(value, re.Pattern):
        pattern = value.pattern if isinstance(value.pattern, bytes) else value.pattern.encode("utf-8")
        return b"\x0b" + k + ref_cstring(pattern) + ref_cstring(ref_regex_options(value.flags))
    if isinstance(value, Mapping):
        return b"\x03" + k + ref_encode(value, top=False)
    raise AssertionError(f"no reference encoding for {type(value)}")


def ref_encode(doc, top=True):
    items = list(doc.items())
    if top and "_id" in doc:  # the server's order: _id first (top level only)
        items = [("_id", doc["_id"])] + [(k, v) for k, v in items if k != "_id"]
    body = b"".join(ref_element(k, v) for k, v in items)
    return struct.pack("<i", len(body) + 5) + body + b"\x00"


# ============================================================================== reference decoder
class RefInvalid(Exception):
    """The bytes are not a BSON document the codec can represent."""


NON_CANONICAL_DECIMAL = object()  # a decimal128 the reference does not render (value unchecked)


def ref_text(data, what):
    try:
        return data.decode("utf-8")  # strict: no surrogates, no overlong forms
    except UnicodeDecodeError:
        raise RefInvalid(f"invalid UTF-8 in {what}") from None


class RefReader:
    def __init__(self, data, start, end):
        self.data, self.pos, self.end = data, start, end

    def take(self, n):
        if n < 0 or self.pos + n > self.end:
            raise RefInvalid("element runs past the end of its document")
        out = self.data[self.pos:self.pos + n]
        self.pos += n
        return out

    def int32(self):
        return struct.unpack("<i", self.take(4))[0]

    def cstring(self):
        nul = self.data.find(b"\x00", self.pos, self.end)
        if nul < 0:
            raise RefInvalid("unterminated C string")
        out = self.data[self.pos:nul]
        self.pos = nul + 1
        return out

    def string(self, what):
        n = self.int32()
        if n < 1:
            raise RefInvalid("string length below 1")
        raw = self.take(n)
        if raw[-1] != 0:
            raise RefInvalid("string without its NUL")
        return ref_text(raw[:-1], what)


def ref_document_bounds(data, start, end):
    if end - start < 5:
        raise RefInvalid("document shorter than 5 bytes")
    n = struct.unpack_from("<i", data, start)[0]
    if n < 5 or start + n > end:
        raise RefInvalid("bad document length")
    if data[start + n - 1] != 0:
        raise RefInvalid("document without its terminating NUL")
    return start + n


def ref_decimal_value(raw):
    low, high = struct.unpack("<QQ", raw)
    combination = (high >> 58) & 0x1F
    sign = "-" if high >> 63 else ""
    if combination == 0x1F:
        return decimal.Decimal("NaN")
    if combination == 0x1E:
        return decimal.Decimal(sign + "Infinity")
    if (high >> 61) & 3 == 3:
        return NON_CANONICAL_DECIMAL
    exponent = ((high >> 49) & 0x3FFF) - 6176
    coefficient = ((high & ((1 << 49) - 1)) << 64) | low
    if coefficient >= 10**34:
        return NON_CANONICAL_DECIMAL
    return decimal.Decimal(f"{sign}{coefficient}E{exponent}")


def ref_value(reader, type_byte, depth):
    if type_byte == 0x01:
        return struct.unpack("<d", reader.take(8))[0]
    if type_byte in (0x02, 0x0D, 0x0E):
        return reader.string("a string")
    if type_byte in (0x03, 0x04):
        start = reader.pos
        end = ref_document_bounds(reader.data, start, reader.end)
        reader.pos = end
        doc = ref_decode_at(reader.data, start, end, depth + 1, array=type_byte == 0x04)
        return list(doc.values()) if type_byte == 0x04 else doc
    if type_byte == 0x05:
        n = reader.int32()
        if n < 0:
            raise RefInvalid("negative binary length")
        subtype = reader.take(1)[0]
        payload = reader.take(n)
        if subtype == 0x02:  # the old binary subtype repeats the length inside
            if n < 4 or struct.unpack("<i", payload[:4])[0] != n - 4:
                raise RefInvalid("bad old-binary length")
            payload = payload[4:]
        if subtype == 0x04 and len(payload) == 16:  # the codec's default: uuidRepresentation standard
            return uuid.UUID(bytes=payload)
        return payload if subtype == 0 else Binary(payload, subtype)  # pymongo's rule
    if type_byte in (0x06, 0x0A):
        return None
    if type_byte == 0x07:
        return ObjectId(reader.take(12))
    if type_byte == 0x08:
        b = reader.take(1)[0]
        if b > 1:
            raise RefInvalid("boolean other than 0 or 1")
        return b == 1
    if type_byte == 0x09:
        ms = struct.unpack("<q", reader.take(8))[0]
        try:
            return EPOCH + datetime.timedelta(milliseconds=ms)
        except OverflowError:
            raise RefInvalid("datetime outside years 1..9999") from None
    if type_byte == 0x0B:
        pattern = ref_text(reader.cstring(), "a regex")
        options = ref_text(reader.cstring(), "regex options")
        flags = sum(bit for c, bit in (("i", 2), ("l", 4), ("m", 8), ("s", 16), ("u", 32), ("x", 64)) if c in options)
        try:
            return re.compile(pattern, flags)
        except (re.error, ValueError, OverflowError, RecursionError):
            raise RefInvalid("not a Python regular expression") from None
    if type_byte == 0x0C:
        collection = reader.string("a DBPointer")
        return {"$ref": collection, "$id": ObjectId(reader.take(12))}
    if type_byte == 0x0F:
        total = reader.int32()
        start = reader.pos - 4
        if total < 14 or start + total > reader.end:
            raise RefInvalid("bad code-with-scope length")
        inner = RefReader(reader.data, reader.pos, start + total)
        code = inner.string("JavaScript code")
        scope_end = ref_document_bounds(reader.data, inner.pos, start + total)
        if scope_end != start + total:
            raise RefInvalid("code-with-scope length disagrees with its parts")
        ref_decode_at(reader.data, inner.pos, scope_end, depth + 1)  # read, then dropped
        reader.pos = start + total
        return code
    if type_byte == 0x10:
        return struct.unpack("<i", reader.take(4))[0]
    if type_byte == 0x11:
        inc, time = struct.unpack("<II", reader.take(8))
        return Timestamp(time, inc)
    if type_byte == 0x12:
        return struct.unpack("<q", reader.take(8))[0]
    if type_byte == 0x13:
        return ref_decimal_value(reader.take(16))
    if type_byte == 0x7F:
        return MaxKey()
    if type_byte == 0xFF:
        return MinKey()
    raise RefInvalid(f"unknown element type 0x{type_byte:02x}")


def ref_decode_at(data, start, end, depth, array=False):
    if depth > 200:
        raise RefInvalid("nested too deeply")
    reader = RefReader(data, start + 4, end - 1)
    out = {}
    while reader.pos < reader.end:
        type_byte = reader.take(1)[0]
        raw_key = reader.cstring()
        # An array's keys are positions, skipped unread (as pymongo does): only a document's
        # keys must be UTF-8.
        key = len(out) if array else ref_text(raw_key, "a key")
        out[key] = ref_value(reader, type_byte, depth)
    return out


def ref_decode(data):
    if len(data) < 5 or struct.unpack_from("<i", data, 0)[0] != len(data) or data[-1] != 0:
        raise RefInvalid("bad outer frame")
    return ref_decode_at(data, 0, len(data), 0)


# ============================================================================== comparison
def same(a, b):
    """Exact equality: types, key order, float bits, Decimal digits and exponent, regex flags."""
    if b is NON_CANONICAL_DECIMAL:
        return isinstance(a, decimal.Decimal)
    if type(a) is not type(b):
        return False
    if isinstance(a, dict):
        return list(a) == list(b) and all(same(a[k], b[k]) for k in a)
    if isinstance(a, list):
        return len(a) == len(b) and all(same(x, y) for x, y in zip(a, b))
    if isinstance(a, float):
        return struct.pack("<d", a) == struct.pack("<d", b)
    if isinstance(a, decimal.Decimal):
        return (a.is_nan() and b.is_nan()) or str(a) == str(b)
    if isinstance(a, re.Pattern):
        return (a.pattern, a.flags) == (b.pattern, b.flags)
    return a == b


# ============================================================================== strategies
keys = st.text(st.characters(blacklist_characters="\x00", blacklist_categories=("Cs",)), max_size=12)
texts = st.text(st.characters(blacklist_categories=("Cs",)), max_size=40)  # NUL included: BSON strings may hold it
finite_decimals = st.builds(
    lambda sign, coefficient, exponent: decimal.Decimal((sign, tuple(int(c) for c in str(coefficient)), exponent)),
    st.integers(0, 1), st.integers(0, 10**34 - 1), st.integers(-6176, 6111))
decimals = st.one_of(finite_decimals,
                     st.sampled_from([decimal.Decimal(x) for x in ("Infinity", "-Infinity", "NaN", "-0", "0E-6176")]))
datetimes_ms = st.datetimes(min_value=datetime.datetime(1, 1, 1), max_value=datetime.datetime(9999, 12, 31, 23, 59, 59)).map(
    lambda d: d.replace(microsecond=d.microsecond // 1000 * 1000))
patterns = st.builds(
    lambda text, flags: re.compile(re.escape(text), flags),
    st.text(st.characters(blacklist_characters="\x00", blacklist_categories=("Cs",)), max_size=12),
    st.sampled_from([0, re.I, re.M, re.S, re.X, re.I | re.M | re.S | re.X]))

scalars = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(*INT32),
    st.integers(*INT64),
    st.floats(allow_nan=True, allow_infinity=True),
    texts,
    st.binary(max_size=40),
    st.uuids(),
    datetimes_ms,
    decimals,
    patterns,
    st.binary(min_size=12, max_size=12).map(ObjectId),
    st.builds(Timestamp, st.integers(0, 2**32 - 1), st.integers(0, 2**32 - 1)),
    st.sampled_from([MinKey(), MaxKey()]),
)
values = st.recursive(
    scalars,
    lambda inner: st.one_of(st.lists(inner, max_size=5), st.dictionaries(keys, inner, max_size=5)),
    max_leaves=30,
)
documents = st.dictionaries(keys, values, max_size=8)


# ============================================================================== 1. round trip
def expected_roundtrip(doc):
    if "_id" in doc:
        return {"_id": doc["_id"], **{k: v for k, v in doc.items() if k != "_id"}}
    return doc


@budget(150)
@given(documents)
def test_roundtrip_is_exact(doc):
    data = encode(doc)
    assert same(decode(data), expected_roundtrip(doc))


# ============================================================================== 2. reference encoding
class Level(enum.IntEnum):
    LOW = -3
    HIGH = 2**40


class Color(str, enum.Enum):
    RED = "réd"


fixed_offsets = st.integers(-23 * 60 - 59, 23 * 60 + 59).map(lambda m: datetime.timezone(datetime.timedelta(minutes=m)))
normalized_scalars = st.one_of(
    scalars,
    st.sampled_from([Level.LOW, Level.HIGH, Color.RED]),
    st.builds(lambda d, tz: d.replace(tzinfo=tz),
              st.datetimes(min_value=datetime.datetime(2, 1, 1), max_value=datetime.datetime(9998, 12, 31)).map(
                  lambda d: d.replace(microsecond=d.microsecond // 1000 * 1000)), fixed_offsets),
    st.builds(lambda b: re.compile(re.escape(b)), st.binary(max_size=8).filter(lambda b: b"\x00" not in b).map(
        lambda b: b.decode("latin-1").encode("utf-8"))),
)
normalized_values = st.recursive(
    normalized_scalars,
    lambda inner: st.one_of(
        st.lists(inner, max_size=4),
        st.lists(inner, max_size=4).map(tuple),
        st.dictionaries(keys, inner, max_size=4),
        st.dictionaries(keys, inner, max_size=4).map(OrderedDict),
        st.dictionaries(keys, inner, max_size=4).map(MappingProxyType),
    ),
    max_leaves=25,
)


@budget(150)
@given(st.dictionaries(keys, normalized_values, max_size=8))
def test_encoding_matches_reference_encoder(doc):
    assert encode(doc) == ref_encode(doc)


def load_pymongo_bson():
    """pymongo's bson package from MONGO_ODM_REFERENCE_BSON (a site-packages directory), loaded
    under its own name and removed from sys.modules again so nothing else sees it."""
    where = os.environ.get("MONGO_ODM_REFERENCE_BSON")
    if not where:
        return None
    saved = {k: v for k, v in sys.modules.items() if k == "bson" or k.startswith("bson.")}
    sys.path.insert(0, where)
    try:
        import bson  # noqa: F401  (the reference)
        import bson.decimal128
        import bson.objectid
        import bson.regex
        import bson.timestamp

        return {k: v for k, v in sys.modules.items() if k == "bson" or k.startswith("bson.")}
    finally:
        sys.path.remove(where)
        for k in [k for k in sys.modules if k == "bson" or k.startswith("bson.")]:
            del sys.modules[k]
        sys.modules.update(saved)


PYMONGO = load_pymongo_bson()
needs_pymongo = pytest.mark.skipif(PYMONGO is None, reason="set MONGO_ODM_REFERENCE_BSON to a directory holding pymongo's bson")


def to_pymongo(value):
    """The same value in pymongo's types."""
    bson = PYMONGO["bson"]
    if isinstance(value, ObjectId):
        return PYMONGO["bson.objectid"].ObjectId(value.binary)
    if isinstance(value, Timestamp):
        return PYMONGO["bson.timestamp"].Timestamp(value.time, value.inc)
    if isinstance(value, MinKey):
        return bson.MinKey()
    if isinstance(value, MaxKey):
        return bson.MaxKey()
    if isinstance(value, decimal.Decimal):
        return PYMONGO["bson.decimal128"].Decimal128(value)
    if isinstance(value, uuid.UUID):
        return bson.Binary(value.bytes, 4)
    if isinstance(value, Mapping):
        return {k: to_pymongo(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [to_pymongo(v) for v in value]
    return value


@needs_pymongo
@budget(150)
@given(documents)
def test_encoding_matches_pymongo(doc):
    expected = PYMONGO["bson"].encode(to_pymongo(expected_roundtrip(doc)))
    assert encode(doc) == expected


@needs_pymongo
@budget(150)
@given(st.one_of(st.binary(max_size=80), st.deferred(lambda: bson_like())))
def test_decoding_agrees_with_pymongo_on_validity(data):
    bson = PYMONGO["bson"]
    try:
        decode(data)
        ours = True
    except InvalidBSON:
        ours = False
    try:
        bson.decode(data)
        theirs = True
    except Exception:
        theirs = False
    if ours:  # anything we accept, pymongo reads too (it may accept more: it does not compile regexes)
        assert theirs


# ============================================================================== 3. decoding hostile bytes
def element_bytes(draw):
    type_byte = draw(st.sampled_from([0x01, 0x02, 0x03, 0x04, 0x05, 0x06, 0x07, 0x08, 0x09, 0x0A, 0x0B, 0x0C, 0x0D, 0x0E,
                                      0x0F, 0x10, 0x11, 0x12, 0x13, 0x7F, 0xFF, 0x00, 0x14, 0x80, 0xFE]))
    key = draw(st.one_of(keys.map(lambda k: k.encode("utf-8")), st.binary(max_size=6).filter(lambda b: b"\x00" not in b)))
    junk = st.binary(max_size=24)
    text = st.one_of(texts.map(lambda s: s.encode("utf-8")), st.binary(max_size=12),
                     st.sampled_from([b"\xc0\x80", b"\xed\xa0\x80", b"\xf4\x90\x80\x80", b"a\x00b"]))

    def string(raw):
        length = len(raw) + 1 + draw(st.sampled_from([0, 0, 0, 0, -1, 1, -100, 2**31 - 1]))
        return struct.pack("<i", max(INT32[0], min(INT32[1], length))) + raw + b"\x00"

    def document(depth):
        n = draw(st.integers(0, 3 if depth < 3 else 0))
        body = b"".join(element_at(depth + 1) for _ in range(n))
        size = len(body) + 5 + draw(st.sampled_from([0, 0, 0, 0, 1, -1]))
        terminator = draw(st.sampled_from([b"\x00", b"\x00", b"\x00", b"\x01"]))
        return struct.pack("<i", size) + body + terminator

    def element_at(depth):
        t = type_byte if depth == 1 else draw(st.sampled_from([0x02, 0x03, 0x04, 0x08, 0x0B, 0x10, 0x0F, 0x05]))
        k = key if depth == 1 else draw(keys.map(lambda s: s.encode("utf-8")))
        if t == 0x02 or t == 0x0D or t == 0x0E:
            payload = string(draw(text))
        elif t in (0x03, 0x04):
            payload = document(depth)
        elif t == 0x05:
            data = draw(st.binary(max_size=20))
            sub = draw(st.sampled_from([0, 2, 3, 4, 0x80]))
            if sub == 2 and draw(st.booleans()):
                data = struct.pack("<i", len(data)) + data
            payload = struct.pack("<i", len(data)) + bytes([sub]) + data
        elif t == 0x08:
            payload = bytes([draw(st.sampled_from([0, 1, 2, 255]))])
        elif t == 0x0B:
            payload = draw(text).replace(b"\x00", b"") + b"\x00" + draw(st.sampled_from([b"", b"i", b"imsux", b"l", b"\xff", b"z"])) + b"\x00"
        elif t == 0x0C:
            payload = string(draw(text)) + draw(st.binary(min_size=12, max_size=12))
        elif t == 0x0F:
            inner = string(draw(text)) + document(depth)
            payload = struct.pack("<i", len(inner) + 4 + draw(st.sampled_from([0, 0, 0, 1, -1]))) + inner
        elif t == 0x09:
            payload = struct.pack("<q", draw(st.one_of(st.integers(*INT64), st.integers(-62135596800000, 253402300799999))))
        elif t == 0x13:
            payload = draw(st.binary(min_size=16, max_size=16))
        else:
            payload = draw(junk)
        return bytes([t]) + k + b"\x00" + payload

    return element_at(1)


@st.composite
def bson_like(draw):
    body = b"".join(element_bytes(draw) for _ in range(draw(st.integers(0, 4))))
    data = struct.pack("<i", len(body) + 5) + body + b"\x00"
    mutation = draw(st.integers(0, 5))
    if mutation == 1 and data:
        i = draw(st.integers(0, len(data) - 1))
        data = data[:i] + bytes([draw(st.integers(0, 255))]) + data[i + 1:]
    elif mutation == 2:
        data = data[:draw(st.integers(0, len(data)))]
    elif mutation == 3:
        data = data + draw(st.binary(min_size=1, max_size=4))
    return data


def check_decode(data):
    try:
        got = decode(data)
    except InvalidBSON:
        got = None
    # (any other exception fails the test: decode raises InvalidBSON or nothing)
    try:
        expected = ref_decode(data)
    except RefInvalid as e:
        assert got is None, f"decode() accepted bytes the reference rejects ({e}): {data!r} -> {got!r}"
        return
    except RecursionError:
        return
    assert got is not None, f"decode() rejected bytes the reference accepts: {data!r} -> {expected!r}"
    assert same(got, expected), f"{data!r}: {got!r} != {expected!r}"


@budget(300)
@given(bson_like())
# Found by the deep profile: code-with-scope whose scope is corrupt (libbson 1.23 does not
# validate inside a scope): a scope ending in 0x01, a truncated int32, a boolean 2.
@example(b"\x15\x00\x00\x00\x0f\x00\x0e\x00\x00\x00\x01\x00\x00\x00\x00\x05\x00\x00\x00\x01\x00")
@example(b"\x17\x00\x00\x00\x0f\x00\x10\x00\x00\x00\x01\x00\x00\x00\x00\x07\x00\x00\x00\x10\x00\x00\x00")
@example(b"\x18\x00\x00\x00\x0f\x00\x11\x00\x00\x00\x01\x00\x00\x00\x00\x08\x00\x00\x00\x08\x00\x02\x00\x00")
def test_decode_structured_hostile_bytes(data):
    check_decode(data)


@budget(150)
@given(st.binary(max_size=64))
def test_decode_random_bytes(data):
    check_decode(data)


@budget(100)
@given(documents, st.data())
def test_decode_mutated_documents(doc, data):
    raw = bytearray(encode(doc))
    for _ in range(data.draw(st.integers(1, 4))):
        pos = data.draw(st.integers(0, len(raw) - 1))
        raw[pos] = data.draw(st.integers(0, 255))
    check_decode(bytes(raw))


def test_decode_bytes_like_inputs():
    """Only bytes are taken: other buffer types are a TypeError, not a crash."""
    valid = encode({"a": 1})
    for other in (bytearray(valid), memoryview(valid), valid.decode("latin-1"), None, 5):
        with pytest.raises(TypeError):
            decode(other)


# ============================================================================== 4. encoding hostile objects
class Boom(Exception):
    """Raised by the test's own hostile objects: encode() may let it through, unchanged."""


def hostile_mapping(items_result=None, getitem=None, iter_raises=False, len_raises=False):
    class Hostile(Mapping):
        def __getitem__(self, key):
            if getitem is not None:
                return getitem(key)
            raise KeyError(key)

        def __iter__(self):
            if iter_raises:
                raise Boom("__iter__")
            return iter(["k"])

        def __len__(self):
            if len_raises:
                raise Boom("__len__")
            return 1

        def items(self):
            if isinstance(items_result, Exception):
                raise items_result
            return items_result

    return Hostile()


class ClassRaises:
    @property
    def __class__(self):
        raise Boom("__class__")


def posing_as(cls):
    """An object whose __class__ claims `cls` (isinstance() believes it), without its layout."""
    return type("PosingAs" + cls.__name__, (), {"__class__": property(lambda self: cls)})()


class BinaryRaises:
    @property
    def binary(self):
        raise Boom("binary")


class BinaryOf:
    def __init__(self, value):
        self.binary = value


class UuidBadBytes(uuid.UUID):
    @property
    def bytes(self):
        return b"short"


class UuidBytesRaises(uuid.UUID):
    @property
    def bytes(self):
        raise Boom("bytes")


class DecimalBadStr(decimal.Decimal):
    def __str__(self):
        return "not a number"


class DecimalStrRaises(decimal.Decimal):
    def __str__(self):
        raise Boom("__str__")


class DecimalStrNotStr(decimal.Decimal):
    def __str__(self):
        return 5


class BrokenTz(datetime.tzinfo):
    def utcoffset(self, dt):
        raise Boom("utcoffset")


class NoneTz(datetime.tzinfo):
    def utcoffset(self, dt):
        return None


class PlainEnum(enum.Enum):
    A = 1


class StrSub(str):
    pass


class IntSub(int):
    pass


class FloatSub(float):
    pass


def cyclic_list():
    lst = [1]
    lst.append(lst)
    return lst


def cyclic_mapping():
    inner = {}
    outer = hostile_mapping(items_result=[("x", inner)])
    inner["back"] = outer
    return outer


HOSTILE = [
    hostile_mapping(items_result=[1, 2]),
    hostile_mapping(items_result=[("a",)]),
    hostile_mapping(items_result=[("a", 1, 2)]),
    hostile_mapping(items_result=[(1, 2)]),
    hostile_mapping(items_result=[["k", 1]]),
    hostile_mapping(items_result=None),
    hostile_mapping(items_result=5),
    hostile_mapping(items_result=Boom("items")),
    hostile_mapping(items_result=iter([("k", 1)])),
    hostile_mapping(items_result=[("k", 1)], getitem=lambda k: (_ for _ in ()).throw(Boom("__getitem__"))),
    hostile_mapping(items_result=[("_id", 1), ("k", 2)], getitem=lambda k: 1),
    hostile_mapping(items_result=[("k", 1)], iter_raises=True),
    hostile_mapping(items_result=[("k", 1)], len_raises=True),
    cyclic_mapping(),
    ClassRaises(),
    posing_as(Timestamp),
    posing_as(uuid.UUID),
    posing_as(decimal.Decimal),
    posing_as(re.Pattern),
    posing_as(MinKey),
    posing_as(dict),
    BinaryRaises(),
    BinaryOf(b"x" * 12),
    BinaryOf(b"short"),
    BinaryOf("x" * 12),
    UuidBadBytes(int=1),
    UuidBytesRaises(int=1),
    DecimalBadStr("1"),
    DecimalStrRaises("1"),
    DecimalStrNotStr("1"),
    decimal.Decimal("sNaN"),
    decimal.Decimal("1E+99999"),
    decimal.Decimal("1" * 40),
    Timestamp(-1, 0),
    Timestamp(0, 2**32),
    Timestamp(2**64, 0),
    Timestamp("a", 0),
    Timestamp(1.5, 0),
    tuple.__new__(Timestamp, (1,)),
    tuple.__new__(Timestamp, (1, 2, 3)),
    datetime.datetime(2020, 1, 1, tzinfo=BrokenTz()),
    datetime.datetime(2020, 1, 1, tzinfo=NoneTz()),
    re.compile(b"\xff\xfe"),
    re.compile(b"a\x00b"),
    re.compile("\ud800"),
    re.compile("a\x00b"),
    re.compile(b"x", re.LOCALE),
    PlainEnum.A,
    StrSub("\ud800"),
    StrSub("fine"),
    IntSub(2**70),
    IntSub(5),
    FloatSub("nan"),
    True,
    2**63,
    -(2**63) - 1,
    cyclic_list(),
    "\udc80",
    {1, 2},
    frozenset(),
    object(),
    type,
    len,
    bytearray(b"x"),
    memoryview(b"x"),
    1j,
    Ellipsis,
    NotImplemented,
    datetime.date(2020, 1, 1),
    datetime.timedelta(1),
]


def check_encode(doc):
    try:
        data = encode(doc)
    except (InvalidDocument, OverflowError, TypeError, Boom):
        return
    # (any other exception fails the test)
    assert isinstance(data, bytes)
    try:
        ref_decode(data)
    except RefInvalid as e:
        if "regular expression" in str(e):
            return  # valid BSON that Python's re cannot compile (e.g. re.LOCALE on a str pattern)
        raise AssertionError(f"encode() produced invalid BSON ({e}): {doc!r} -> {data!r}")
    try:
        decode(data)
    except InvalidBSON as e:
        assert "regular expression" in str(e), e


class Hostile:
    """Stands for HOSTILE[i] in what hypothesis generates: hypothesis repr()s, iterates and
    isinstance()s its values, which the hostile objects do not survive."""

    def __init__(self, i):
        self.i = i

    def __repr__(self):
        return f"HOSTILE[{self.i}]"


class AsTuple(list):
    """A list to be passed as a tuple."""


def materialize(shape):
    if isinstance(shape, Hostile):
        return HOSTILE[shape.i]
    if isinstance(shape, AsTuple):
        return tuple(materialize(v) for v in shape)
    if isinstance(shape, list):
        return [materialize(v) for v in shape]
    if isinstance(shape, dict):
        return {k: materialize(v) for k, v in shape.items()}
    return shape


hostile_values = st.recursive(
    st.one_of(st.integers(0, len(HOSTILE) - 1).map(Hostile), scalars),
    lambda inner: st.one_of(st.lists(inner, max_size=3), st.dictionaries(keys, inner, max_size=3),
                            st.lists(inner, max_size=3).map(AsTuple)),
    max_leaves=8,
)
hostile_keys = st.one_of(keys, st.sampled_from([1, None, b"k", (1,), "\ud800", "a\x00b", StrSub("k"), StrSub("\udfff"),
                                               1.5, True]))


# (pytest.param: pytest's own isinstance() checks would trip over ClassRaises)
@pytest.mark.parametrize("value", [pytest.param(v, id=f"{i}-{type(v).__name__}") for i, v in enumerate(HOSTILE)])
def test_encode_each_hostile_value(value):
    check_encode({"v": value})
    check_encode({"outer": [{"v": value}]})
    if issubclass(type(value), Mapping):  # (type(): isinstance() would ask ClassRaises)
        check_encode(value)  # as the document itself


def test_object_whose_class_raises():
    """isinstance() would ask the object for __class__: the encoder goes by its real type."""
    with pytest.raises(InvalidDocument, match="ClassRaises"):
        encode({"v": ClassRaises()})
    with pytest.raises(InvalidDocument, match="string keys"):
        encode({ClassRaises(): 1})
    with pytest.raises(TypeError):
        encode(ClassRaises())


@budget(200)
@given(st.dictionaries(hostile_keys, hostile_values, max_size=4))
def test_encode_hostile_documents(shape):
    check_encode(materialize(shape))


@budget(30)
@given(st.integers(MAX_DEPTH - 3, MAX_DEPTH + 2), st.sampled_from(["dict", "list", "mapping"]))
def test_encode_nesting_limit(depth, kind):
    """{"v": <depth containers>}: at most MAX_DEPTH containers, the document itself included."""
    value = plain = 1
    for _ in range(depth):
        if kind == "list":
            value, plain = [value], [plain]
        else:
            value = {"n": value} if kind == "dict" else MappingProxyType({"n": value})
            plain = {"n": plain}
    if depth + 1 > MAX_DEPTH:
        with pytest.raises(InvalidDocument, match="nesting"):
            encode({"v": value})
    else:
        assert same(decode(encode({"v": value})), {"v": plain})


def test_hostile_values_leave_the_codec_usable():
    for value in HOSTILE:
        check_encode({"v": value})
    assert decode(encode({"a": [1, {"b": "c"}]})) == {"a": [1, {"b": "c"}]}
    assert math.isnan(decode(encode({"n": float("nan")}))["n"])
