"""Hostile or invalid input raises the documented exception and never crashes the process.

Each case checks the exception type, then that encoding, decoding and the connection still work.
"""

import datetime
import pickle

import pytest

from helpers import assert_healthy, nested, self_containing
from mongo_odm import MongoBaseModel, _core, get_database
from mongo_odm.errors import DocumentTooLarge, InvalidBSON, InvalidDocument

encode, decode = _core.encode, _core.decode
SIXTEEN_MIB = 16 * 1024 * 1024


@pytest.fixture
def Holder(coll_name):
    class Holder(MongoBaseModel):
        class Settings:
            name = coll_name

        label: str = "h"

    return Holder


def self_list():
    lst = [1, 2]
    lst.append(lst)
    return {"l": lst}


def indirect_cycle():
    a, b = {}, {}
    a["b"] = b
    b["list"] = [a]
    return {"root": a}


def nested_lists(depth):
    value = []
    for _ in range(depth):
        value = [value]
    return {"l": value}


# ------------------------------------------------------------------------------ encoder
@pytest.mark.parametrize("make", [self_containing, self_list, indirect_cycle], ids=["dict", "list", "indirect"])
def test_cycles(make):
    doc = make()
    with pytest.raises(InvalidDocument, match="cycle"):
        encode(doc)
    with pytest.raises(InvalidDocument):
        get_database()["never_created"].insert_one(make())
    assert_healthy()


def test_shared_non_cyclic_references_are_fine():
    shared = {"x": [1, 2]}
    doc = {"a": shared, "b": shared, "c": [shared, shared]}
    assert decode(encode(doc)) == {"a": {"x": [1, 2]}, "b": {"x": [1, 2]}, "c": [{"x": [1, 2]}, {"x": [1, 2]}]}


@pytest.mark.parametrize("value", [2**63, -(2**63) - 1, 2**64, 10**100, -(10**100)])
def test_int_overflow(value, raw):
    with pytest.raises(OverflowError):
        encode({"v": value})
    with pytest.raises(OverflowError):
        raw.insert_one({"v": [1, {"deep": value}]})
    assert raw.count_documents({}) == 0
    assert_healthy()


@pytest.mark.parametrize("key", [1, 1.5, None, b"bytes", (1, 2), True, frozenset()])
def test_non_str_keys(key):
    with pytest.raises(InvalidDocument, match="string keys"):
        encode({key: 1})
    with pytest.raises(InvalidDocument):
        encode({"ok": {key: 1}})
    assert_healthy()


@pytest.mark.parametrize("key", ["\x00", "a\x00", "\x00b", "mid\x00dle"])
def test_keys_with_nul(key):
    with pytest.raises(InvalidDocument, match="x00"):
        encode({key: 1})
    with pytest.raises(InvalidDocument):
        encode({"sub": [{key: 1}]})
    assert_healthy()


def function_value():
    return 1


@pytest.mark.parametrize(
    "value",
    [
        {1, 2},
        frozenset([1]),
        object(),
        datetime.date(2024, 1, 1),
        datetime.time(12, 0),
        datetime.timedelta(seconds=1),
        1 + 2j,
        function_value,
        len,
        type,
        bytearray(b"x"),
        memoryview(b"x"),
        range(3),
        iter([1]),
        Ellipsis,
    ],
    ids=lambda v: type(v).__name__,
)
def test_unsupported_types(value, raw):
    with pytest.raises(InvalidDocument) as info:
        encode({"field": value})
    message = str(info.value)
    assert "field" in message  # names the key
    assert type(value).__name__ in message  # and the type
    with pytest.raises(InvalidDocument):
        raw.insert_one({"field": value})
    with pytest.raises(InvalidDocument):
        raw.find_one({"field": value})
    assert raw.count_documents({}) == 0
    assert_healthy()


def test_lone_surrogates():
    for doc in ({"v": "\ud800"}, {"v": "ok\udfffok"}, {"\ud83d": 1}, {"list": ["fine", "\udc80"]}):
        with pytest.raises(InvalidDocument):
            encode(doc)
    # a proper surrogate pair written as one code point is fine
    assert decode(encode({"v": "\U0001F600"})) == {"v": "\U0001F600"}
    assert_healthy()


def test_objects_whose_repr_fails():
    class NastyRepr:
        def __repr__(self):
            raise RuntimeError("no repr for you")

    with pytest.raises(InvalidDocument, match="NastyRepr"):
        encode({"v": NastyRepr()})
    assert_healthy()


def test_mapping_whose_items_raise():
    from collections.abc import Mapping

    class Exploding(Mapping):
        def __getitem__(self, key):
            raise KeyError(key)

        def __iter__(self):
            raise RuntimeError("iteration exploded")

        def __len__(self):
            return 1

    with pytest.raises(RuntimeError, match="exploded"):
        encode(Exploding())
    with pytest.raises(RuntimeError, match="exploded"):
        encode({"sub": Exploding()})
    assert_healthy()


def test_nesting_limit():
    assert decode(encode(nested(99))) == nested(99)  # 100 levels with the top document
    with pytest.raises(InvalidDocument, match="nesting"):
        encode(nested(100))
    with pytest.raises(InvalidDocument, match="nesting"):
        encode(nested(10_000))  # no stack overflow either
    with pytest.raises(InvalidDocument, match="nesting"):
        encode(nested_lists(150))
    assert_healthy()


def test_nesting_limit_on_insert_and_model(raw, Holder):
    with pytest.raises(InvalidDocument):
        raw.insert_one(nested(200))
    with pytest.raises(InvalidDocument):
        Holder(deep=nested(200)).save()
    assert raw.count_documents({}) == 0
    assert_healthy()


def test_document_too_large(raw):
    big = {"blob": b"x" * SIXTEEN_MIB}
    with pytest.raises(DocumentTooLarge):
        encode(big)
    with pytest.raises(InvalidDocument):  # DocumentTooLarge is an InvalidDocument
        raw.insert_one(big)
    with pytest.raises(DocumentTooLarge):
        raw.insert_one({"s": "y" * (SIXTEEN_MIB + 10)})
    with pytest.raises(DocumentTooLarge):
        raw.insert_many([{"ok": 1}, {"blob": b"x" * SIXTEEN_MIB}])
    assert raw.count_documents({}) == 0
    # just under the limit is accepted by the encoder
    assert len(encode({"blob": b"x" * (SIXTEEN_MIB - 100)})) <= SIXTEEN_MIB
    assert_healthy()


def test_document_too_large_on_model_save(raw, Holder):
    with pytest.raises(DocumentTooLarge):
        Holder(payload="z" * (SIXTEEN_MIB + 1)).save()
    assert raw.count_documents({}) == 0
    assert_healthy()


async def test_document_too_large_on_async_save(raw, Holder):
    with pytest.raises(DocumentTooLarge):
        await Holder(payload=b"z" * (SIXTEEN_MIB + 1)).asave()
    assert raw.count_documents({}) == 0


@pytest.mark.parametrize(
    "bad_value",
    [self_containing(), {1, 2}, 2**70, "\ud800", object(), {"k\x00": 1}, {5: "int key"}],
    ids=["cycle", "set", "overflow", "surrogate", "object", "nul-key", "int-key"],
)
def test_model_save_with_bad_extra_field(raw, Holder, bad_value):
    h = Holder(extra=bad_value)
    with pytest.raises((InvalidDocument, OverflowError)):
        h.save()
    assert raw.count_documents({}) == 0
    # the model and the connection are fine: fix the field and save
    h.extra = "fine"
    h.save()
    assert raw.find_one({"_id": h.id}) == {"_id": h.id, "label": "h", "extra": "fine"}
    assert_healthy()


async def test_model_asave_with_bad_extra_field(raw, Holder):
    with pytest.raises(InvalidDocument):
        await Holder(extra={1, 2}).asave()
    with pytest.raises(OverflowError):
        await Holder(extra=2**64).asave()
    assert raw.count_documents({}) == 0


def test_bad_values_in_filters_and_updates(raw):
    with pytest.raises(InvalidDocument):
        raw.update_one({"a": 1}, {"$set": {"b": {1, 2}}})
    with pytest.raises(OverflowError):
        raw.update_many({}, {"$set": {"b": 2**64}})
    with pytest.raises(InvalidDocument):
        raw.delete_many({"a": self_containing()})
    with pytest.raises(InvalidDocument):
        raw.count_documents({"a": object()})
    with pytest.raises(InvalidDocument):
        list(raw.aggregate([{"$match": {"a": {1}}}]))
    assert_healthy()


# ------------------------------------------------------------------------------ decoder
VALID = encode({"a": "b", "n": [1, 2], "d": {"x": 1.5}})


@pytest.mark.parametrize(
    "data",
    [
        b"",
        b"\x00",
        b"\x05\x00\x00\x00",                      # too short for its length
        b"\x05\x00\x00\x00\x01",                  # missing terminator
        b"\x06\x00\x00\x00\x00\x00",              # length says 6, document ends at 5
        b"\xff\xff\xff\x7f\x00",                  # absurd length
        b"\x04\x00\x00\x00\x00",                  # length below the minimum
        VALID[:-1],                               # truncated
        VALID + b"\x00",                          # trailing garbage
        b"\x0c\x00\x00\x00\x99k\x00\x01\x00\x00\x00\x00",  # unknown element type 0x99
        b"\x0d\x00\x00\x00\x02k\x00\xff\xff\xff\x7fa\x00",  # string length beyond the document
        b"\x0e\x00\x00\x00\x02a\x00\x02\x00\x00\x00\xff\x00\x00",  # invalid UTF-8 string
        b"\x0c\x00\x00\x00\x10\xff\xfe\x00\x01\x00\x00\x00\x00",  # invalid UTF-8 key
        b"\x10\x00\x00\x00\x03d\x00\x09\x00\x00\x00\x00\x00\x00\x00",  # corrupt embedded document
        b"not bson at all, clearly",
    ],
)
def test_invalid_bson_bytes(data):
    with pytest.raises(InvalidBSON):
        decode(data)
    assert_healthy()


def test_decode_deeply_nested_bytes():
    # 300 levels of nesting built by hand (the encoder refuses more than 100)
    depth = 300
    inner = b"\x05\x00\x00\x00\x00"
    for _ in range(depth):
        body = b"\x03n\x00" + inner + b"\x00"
        inner = (len(body) + 4).to_bytes(4, "little") + body
    with pytest.raises(InvalidBSON, match="nesting"):
        decode(inner)
    assert_healthy()


def test_decode_requires_bytes():
    with pytest.raises(TypeError):
        decode("a string")
    with pytest.raises(TypeError):
        decode(None)


# ------------------------------------------------------------------------------ native handles
def test_native_handles_refuse_pickling_without_crashing(raw):
    raw.insert_one({"x": 1})
    handles = [raw, raw.find({}), raw.delete_many({"x": 999}), raw.insert_one({"y": 1}), raw.update_one({}, {"$set": {"z": 1}})]
    for handle in handles:
        for protocol in range(pickle.HIGHEST_PROTOCOL + 1):
            with pytest.raises(TypeError, match="pickle"):
                pickle.dumps(handle, protocol)
    assert_healthy()


def test_uninitialized_native_objects():
    with pytest.raises(TypeError):
        _core.Cursor()
    with pytest.raises(TypeError):
        _core.Collection()
    assert_healthy()
