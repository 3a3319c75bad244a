"""The Python half of the "Bad input" table of docs/reliability.md.

Every row of ROWS is a hostile or invalid input, the entry point it goes to, and the exception
class (exactly that class) and message fragment it must raise; each row is a test. The table in
the documentation is generated from ROWS (tools/bad_input_table.py) and test_doc_lists_the_rows
fails when they drift apart.

    python tests/python/test_bad_input_table.py --markdown   # the rows as markdown table lines

Rows that go through a collection (``stores``) also check that nothing reached the server.
"""

from __future__ import annotations

import re
import struct
import sys
import uuid
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable, Optional

import pytest
from pydantic import ValidationError

from helpers import nested, self_containing
from mongo_odm import MongoBaseModel, ObjectId, Timestamp, _core, generate_composite_id, generate_id
from mongo_odm.errors import DocumentTooLarge, InvalidBSON, InvalidDocument, InvalidId

DOC = Path(__file__).resolve().parents[2] / "docs" / "reliability.md"


@dataclass(frozen=True)
class Row:
    id: str
    input: str  # markdown
    entry: str
    exception: type
    fragment: str
    call: Callable[[Any], Any]  # gets the row context (a collection for `stores` rows)
    stores: bool = False

    def markdown(self) -> str:
        return f"| {self.id} | Python | {self.input} | `{self.entry}` | `{self.exception.__name__}` | `{self.fragment}` |"


# ------------------------------------------------------------------------------ inputs
class ItemsNotPairs(Mapping):
    """A mapping whose items() gives ints (it used to crash the encoder)."""

    def __getitem__(self, key):
        raise KeyError(key)

    def __iter__(self):
        return iter(())

    def __len__(self):
        return 2

    def items(self):
        return [1, 2]


class UuidShortBytes(uuid.UUID):
    @property
    def bytes(self):
        return b"short"


class ClassRaises:
    @property
    def __class__(self):
        raise RuntimeError("__class__")


class PosingAsTimestamp:
    """isinstance(x, Timestamp) is True, but it is no tuple."""

    @property
    def __class__(self):
        return Timestamp


def element(type_byte: int, key: bytes, payload: bytes) -> bytes:
    body = bytes([type_byte]) + key + b"\x00" + payload
    return struct.pack("<i", len(body) + 5) + body + b"\x00"


def string_payload(raw: bytes) -> bytes:
    return struct.pack("<i", len(raw) + 1) + raw + b"\x00"


def deep_bytes(depth: int) -> bytes:
    inner = b"\x05\x00\x00\x00\x00"
    for _ in range(depth):
        body = b"\x03n\x00" + inner + b"\x00"
        inner = (len(body) + 4).to_bytes(4, "little") + body
    return inner


# {"name": "n", "a": {"x": 1}} whose embedded document ends in 0x01 instead of its NUL
BAD_TERMINATOR = (b"\x20\x00\x00\x00" b"\x02name\x00\x02\x00\x00\x00n\x00"
                  b"\x03a\x00\x0c\x00\x00\x00\x10x\x00\x01\x00\x00\x00\x01" b"\x00")


class Tenant(MongoBaseModel):
    class Settings:
        name = "bad_input_table_tenants"
        composite_key = ["tenant", "n"]

    tenant: Optional[str] = None
    n: int = 0


def save_with_extra(collection_name, **extra):
    class Holder(MongoBaseModel):
        class Settings:
            name = collection_name

    Holder(**extra).save()


encode, decode = _core.encode, _core.decode

ROWS = [
    # ---- encoding Python objects (mongo_odm._core.encode: what every write and filter uses)
    Row("P-01", "`{\"k\": {1, 2}}` (a set)", "mongo_odm._core.encode", InvalidDocument, "cannot encode object",
        lambda ctx: encode({"k": {1, 2}})),
    Row("P-02", "`{1: \"v\"}` (an int key)", "mongo_odm._core.encode", InvalidDocument, "documents must have only string keys",
        lambda ctx: encode({1: "v"})),
    Row("P-03", "key `\"a\\x00b\"`", "mongo_odm._core.encode", InvalidDocument, "must not contain '\\x00'",
        lambda ctx: encode({"a\x00b": 1})),
    Row("P-04", "value `\"\\ud800\"` (a lone surrogate)", "mongo_odm._core.encode", InvalidDocument,
        "strings in documents must be valid UTF-8", lambda ctx: encode({"v": "\ud800"})),
    Row("P-05", "value `2**63`", "mongo_odm._core.encode", OverflowError, "MongoDB can only handle up to 8-byte ints",
        lambda ctx: encode({"v": 2**63})),
    Row("P-06", "a dict that contains itself", "mongo_odm._core.encode", InvalidDocument, "cycle detected",
        lambda ctx: encode(self_containing())),
    Row("P-07", "dicts nested 101 deep", "mongo_odm._core.encode", InvalidDocument, "nesting exceeds 100 levels",
        lambda ctx: encode(nested(100))),
    Row("P-08", "a Mapping whose `items()` returns `[1, 2]`", "mongo_odm._core.encode", TypeError,
        "must give (key, value) pairs", lambda ctx: encode({"m": ItemsNotPairs()})),
    Row("P-09", "`re.compile(b\"\\xff\")` (bytes pattern, not UTF-8)", "mongo_odm._core.encode", InvalidDocument,
        "regex pattern of key 'r' is not valid UTF-8", lambda ctx: encode({"r": re.compile(b"\xff")})),
    Row("P-10", "`re.compile(\"\\ud800\")`", "mongo_odm._core.encode", InvalidDocument,
        "regex pattern of key 'r' is not valid UTF-8", lambda ctx: encode({"r": re.compile("\ud800")})),
    Row("P-11", "`Timestamp(-1, 0)`", "mongo_odm._core.encode", OverflowError, "Timestamp time of key 't' must be in [0, 2**32)",
        lambda ctx: encode({"t": Timestamp(-1, 0)})),
    Row("P-12", "`Timestamp(\"a\", 0)`", "mongo_odm._core.encode", TypeError, "Timestamp time of key 't' must be an int",
        lambda ctx: encode({"t": Timestamp("a", 0)})),
    Row("P-13", "a `uuid.UUID` subclass whose `.bytes` is 5 bytes", "mongo_odm._core.encode", InvalidDocument,
        "does not give 16 bytes", lambda ctx: encode({"u": UuidShortBytes(int=1)})),
    Row("P-14", "an object whose `__class__` raises", "mongo_odm._core.encode", InvalidDocument, "cannot encode object",
        lambda ctx: encode({"v": ClassRaises()})),
    Row("P-15", "an object whose `__class__` claims `Timestamp`", "mongo_odm._core.encode", InvalidDocument,
        "cannot encode object", lambda ctx: encode({"v": PosingAsTimestamp()})),
    Row("P-16", "`Decimal(\"1\" * 40)`", "mongo_odm._core.encode", InvalidDocument, "cannot be represented exactly as decimal128",
        lambda ctx: encode({"d": __import__("decimal").Decimal("1" * 40)})),
    Row("P-17", "a 16 MiB bytes value", "mongo_odm._core.encode", DocumentTooLarge, "BSON document too large",
        lambda ctx: encode({"b": b"x" * (16 * 1024 * 1024)})),
    Row("P-18", "`[(\"a\", 1)]` (a list, not a mapping)", "mongo_odm._core.encode", TypeError,
        "document must be an instance of dict", lambda ctx: encode([("a", 1)])),
    # ---- decoding bytes (mongo_odm._core.decode: what every read uses)
    Row("P-19", "`b\"\"`", "mongo_odm._core.decode", InvalidBSON, "not a BSON document", lambda ctx: decode(b"")),
    Row("P-20", "a string whose length runs past the end", "mongo_odm._core.decode", InvalidBSON, "corrupt BSON document",
        lambda ctx: decode(b"\x0c\x00\x00\x00\x02a\x00\xff\xff\xff\x7f\x00")),
    Row("P-21", "an embedded document whose last byte is 0x01, not NUL", "mongo_odm._core.decode", InvalidBSON,
        "corrupt embedded document", lambda ctx: decode(BAD_TERMINATOR)),
    Row("P-22", "a string holding `\\xc0\\x80` (overlong NUL)", "mongo_odm._core.decode", InvalidBSON,
        "invalid UTF-8 in a string", lambda ctx: decode(element(0x02, b"s", string_payload(b"a\xc0\x80")))),
    Row("P-23", "key `k\\xff`", "mongo_odm._core.decode", InvalidBSON, "invalid UTF-8 in a key",
        lambda ctx: decode(element(0x10, b"k\xff", b"\x01\x00\x00\x00"))),
    Row("P-24", "regex `(` with options `\\xff`", "mongo_odm._core.decode", InvalidBSON, "invalid UTF-8 in regex options",
        lambda ctx: decode(element(0x0B, b"r", b"(\x00\xff\x00"))),
    Row("P-25", "datetime `2**63 - 1` ms", "mongo_odm._core.decode", InvalidBSON, "outside years 1..9999",
        lambda ctx: decode(element(0x09, b"v", struct.pack("<q", 2**63 - 1)))),
    Row("P-26", "documents nested 300 deep", "mongo_odm._core.decode", InvalidBSON, "nesting exceeds 100 levels",
        lambda ctx: decode(deep_bytes(300))),
    Row("P-27", "`\"a string\"` (not bytes)", "mongo_odm._core.decode", TypeError, "incompatible function arguments",
        lambda ctx: decode("a string")),
    # ---- ids
    Row("P-28", "`ObjectId(\"0\" * 24 + \"\\x00junk\")`", "mongo_odm.ObjectId", InvalidId, "is not a valid ObjectId",
        lambda ctx: ObjectId("0" * 24 + "\x00junk")),
    Row("P-29", "`ObjectId(\"zz\")`", "mongo_odm.ObjectId", InvalidId, "is not a valid ObjectId", lambda ctx: ObjectId("zz")),
    Row("P-30", "`ObjectId(b\"short\")`", "mongo_odm.ObjectId", InvalidId, "it must be a 12-byte input",
        lambda ctx: ObjectId(b"short")),
    Row("P-31", "`ObjectId(1.5)`", "mongo_odm.ObjectId", TypeError, "id must be an instance of (bytes, str, ObjectId)",
        lambda ctx: ObjectId(1.5)),
    Row("P-32", "`[\"\\ud800\"]` (a lone surrogate, as lightodm's `str.encode()`)", "mongo_odm.generate_composite_id",
        UnicodeEncodeError, "surrogates not allowed", lambda ctx: generate_composite_id(["\ud800"])),
    Row("P-33", "pairs `[(\"k\", \"v\"), (\"k\", \"w\")]` (a key given twice)", "mongo_odm._core.generate_id_from_pairs",
        ValueError, "is given twice", lambda ctx: _core.generate_id_from_pairs([("k", "v"), ("k", "w")])),
    Row("P-34", "composite-key field `tenant=None`", "MongoBaseModel(...)", ValidationError,
        "Composite key field 'tenant' is None", lambda ctx: Tenant(tenant=None, n=1)),
    # ---- through a collection: refused before anything is sent
    Row("P-35", "`{\"$set\": {\"a\": 1}}`", "Collection.insert_one", InvalidDocument, "must not start with '$'",
        lambda raw: raw.insert_one({"$set": {"a": 1}}), stores=True),
    Row("P-36", "`{\"\": 1}` (an empty key)", "Collection.insert_one", InvalidDocument, "empty keys are not allowed",
        lambda raw: raw.insert_one({"": 1}), stores=True),
    Row("P-37", "`[{\"ok\": 1}, {\"bad\": {1}}]`", "Collection.insert_many", InvalidDocument, "cannot encode object",
        lambda raw: raw.insert_many([{"ok": 1}, {"bad": {1}}]), stores=True),
    Row("P-38", "replacement `{\"$inc\": {\"n\": 1}}`", "Collection.replace_one", ValueError,
        "replacement can not include $ operators",
        lambda raw: raw.replace_one({"_id": 1}, {"$inc": {"n": 1}}, upsert=True), stores=True),
    Row("P-39", "filter `{\"a\": object()}`", "Collection.find_one", InvalidDocument, "cannot encode object",
        lambda raw: raw.find_one({"a": object()}), stores=True),
    Row("P-40", "extra field `big=2**70`", "MongoBaseModel.save", OverflowError, "MongoDB can only handle up to 8-byte ints",
        lambda raw: save_with_extra(raw.name, big=2**70), stores=True),
    Row("P-41", "code-with-scope whose scope ends in 0x01, not NUL", "mongo_odm._core.decode", InvalidBSON,
        "corrupt code-with-scope scope",
        lambda ctx: decode(element(0x0F, b"c", b"\x0e\x00\x00\x00\x01\x00\x00\x00\x00\x05\x00\x00\x00\x01"))),
]


@pytest.mark.parametrize("row", ROWS, ids=[r.id for r in ROWS])
def test_row(row, request):
    raw = request.getfixturevalue("raw") if row.stores else None
    with pytest.raises(row.exception) as info:
        row.call(raw)
    assert type(info.value) is row.exception, f"{row.id}: got {type(info.value).__name__}: {info.value}"
    assert row.fragment in str(info.value), f"{row.id}: {str(info.value)!r} does not contain {row.fragment!r}"
    if row.stores:
        assert raw.count_documents({}) == 0
    # the codec still works afterwards
    assert decode(encode({"ok": [1, {"two": 2.0}]})) == {"ok": [1, {"two": 2.0}]}


def test_row_ids_are_unique_and_ordered():
    ids = [r.id for r in ROWS]
    assert ids == [f"P-{i:02d}" for i in range(1, len(ROWS) + 1)]


def test_doc_lists_the_rows():
    """docs/reliability.md lists exactly these Python rows, in this order."""
    lines = [line for line in DOC.read_text(encoding="utf-8").splitlines() if line.startswith("| P-")]
    assert lines == [r.markdown() for r in ROWS], "docs/reliability.md is out of date: run tools/bad_input_table.py"


# ------------------------------------------------------------------------------ regressions
def test_composite_id_with_nul_matches_lightodm():
    """lightodm hashes the whole str(); the C API would stop at the NUL, so two keys differing
    after it shared an id (and one document overwrote the other)."""
    import hashlib

    from mongo_odm import generate_composite_id

    assert generate_composite_id(["a\x00b", 1]) == hashlib.md5("a\x00b1".encode()).hexdigest()
    assert generate_composite_id(["a\x00b"]) != generate_composite_id(["a\x00c"])
    assert Tenant(tenant="x\x00y", n=1).id == hashlib.md5("x\x00y1".encode()).hexdigest()


def test_is_object_id_sees_the_whole_string():
    assert not ObjectId.is_valid("0" * 24 + "\x00junk")
    assert not _core.is_object_id("0" * 24 + "\x00")
    assert _core.is_object_id("0" * 24)


if __name__ == "__main__":
    if sys.argv[1:] == ["--markdown"]:
        print("\n".join(r.markdown() for r in ROWS))
    else:
        sys.exit(pytest.main([__file__, *sys.argv[1:]]))
