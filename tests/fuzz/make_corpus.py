#!/usr/bin/env python3
"""Writes the committed seed corpus of the fuzz targets: tests/fuzz/corpus/<target>/<name>.

    python3 tests/fuzz/make_corpus.py          # rewrite the generated seeds
    python3 tests/fuzz/make_corpus.py --check  # fail if a generated seed is missing or differs

Seeds are named after what they hold; regression-* seeds reproduce a bug that fuzzing found
(docs/reliability.md lists them). Crash inputs as libFuzzer saved them are committed as
regression-*-crash files: this script neither writes nor checks those. Only the standard library is used:
BSON is spelled by hand, and the operation streams of fuzz_doc_setters and fuzz_ids follow the
reader in fuzz_common.hpp (integers little-endian in the fewest bytes that hold their range,
strings as a length then the bytes).
"""

import os
import struct
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
CORPUS = os.path.join(HERE, "corpus")


# ------------------------------------------------------------------------------------ BSON
def cstr(s):
    return (s.encode() if isinstance(s, str) else s) + b"\x00"


def string(s):
    b = s.encode() if isinstance(s, str) else s
    return struct.pack("<i", len(b) + 1) + b + b"\x00"


def doc(*elements):
    body = b"".join(elements)
    return struct.pack("<i", len(body) + 5) + body + b"\x00"


def el(type_byte, key, payload):
    return bytes([type_byte]) + cstr(key) + payload


def double(k, v): return el(0x01, k, struct.pack("<d", v))
def utf8(k, v): return el(0x02, k, string(v))
def subdoc(k, d): return el(0x03, k, d)
def array(k, *values): return el(0x04, k, doc(*[v(str(i)) for i, v in enumerate(values)]))
def binary(k, sub, data): return el(0x05, k, struct.pack("<i", len(data)) + bytes([sub]) + data)
def undefined(k): return el(0x06, k, b"")
def oid(k, raw=bytes.fromhex("65f0a1b2c3d4e5f601234567")): return el(0x07, k, raw)
def boolean(k, v): return el(0x08, k, bytes([v]))
def datetime(k, ms): return el(0x09, k, struct.pack("<q", ms))
def null(k): return el(0x0A, k, b"")
def regex(k, pattern, options): return el(0x0B, k, cstr(pattern) + cstr(options))
def dbpointer(k, coll): return el(0x0C, k, string(coll) + bytes(12))
def code(k, text): return el(0x0D, k, string(text))
def symbol(k, text): return el(0x0E, k, string(text))


def codewscope(k, text, scope):
    inner = string(text) + scope
    return el(0x0F, k, struct.pack("<i", len(inner) + 4) + inner)


def int32(k, v): return el(0x10, k, struct.pack("<i", v))
def timestamp(k, inc, t): return el(0x11, k, struct.pack("<II", inc, t))
def int64(k, v): return el(0x12, k, struct.pack("<q", v))
def decimal128(k, low, high): return el(0x13, k, struct.pack("<QQ", low, high))
def minkey(k): return el(0xFF, k, b"")
def maxkey(k): return el(0x7F, k, b"")


DEC_ONE = (1, 0x3040000000000000)  # decimal128 "1"


def nested(depth):
    d = doc()
    for _ in range(depth):
        d = doc(subdoc("n", d))
    return d


def doc_from_bson_seeds():
    name = utf8("name", "Alice")
    s = {
        "empty": doc(),
        "every-type": doc(
            oid("_id"), name, double("d", 1.5), utf8("s", "héllo"), subdoc("o", doc(int32("x", 1))),
            array("a", lambda k: int32(k, 1), lambda k: utf8(k, "two")), binary("bin", 0, b"\x00\x01"),
            undefined("u"), oid("ref"), boolean("t", 1), datetime("when", 1_700_000_000_000), null("z"),
            regex("re", "^a.*", "i"), dbpointer("dbp", "coll"), code("js", "x = 1"), symbol("sym", "s"),
            codewscope("jsws", "y", doc(int32("y", 2))), int32("i", -7), timestamp("ts", 1, 2),
            int64("l", 2**40), decimal128("dec", *DEC_ONE), minkey("min"), maxkey("max")),
        "typed-fields": doc(
            utf8("_id", "x"), name, utf8("tenant", "acme"), int32("n", 5), int32("age", 30), int64("big", 2**40),
            double("score", 9.5), boolean("ok", 1), datetime("when", 0), oid("ref"), subdoc("sub", doc()),
            array("tags", lambda k: utf8(k, "t")), binary("blob", 4, bytes(16)), decimal128("price", *DEC_ONE),
            null("note")),
        "typed-wrong-type": doc(name, utf8("age", "thirty")),
        "typed-int32-in-int64-and-double": doc(name, int32("big", 1), int32("score", 2)),
        "composite-null-key": doc(name, null("tenant"), int32("n", 1)),
        "composite-rendered-values": doc(name, utf8("tenant", "t"), double("n", 1e22), double("a", 0.1),
                                         datetime("b", -1)),
        "composite-unrenderable": doc(name, utf8("tenant", "t"), array("n", lambda k: int32(k, 1)),
                                      subdoc("a", doc()), boolean("b", 0)),
        "id-key-only": doc(utf8("id", "abc"), name),
        "id-and-underscore-id": doc(name, utf8("id", "kept"), utf8("_id", "the-id")),
        "duplicate-underscore-id": doc(utf8("_id", "first"), name, utf8("_id", "second")),
        "underscore-id-null": doc(null("_id"), name, utf8("id", "field")),
        "underscore-id-document": doc(subdoc("_id", doc(int32("a", 1), utf8("b", "c"))), name),
        "underscore-id-int64": doc(int64("_id", -1), name),
        "underscore-id-bad-utf8": doc(utf8("_id", b"\xff\xfe"), name),
        "underscore-id-nul-inside": doc(utf8("_id", b"a\x00b"), name),
        "dollar-key": doc(name, int32("$set", 1)),
        "dollar-key-nested-ok": doc(name, subdoc("q", doc(int32("$gt", 1)))),
        "empty-key": doc(name, int32("", 1)),
        "bad-utf8-key": doc(name, int32(b"k\xff", 1)),
        "bad-utf8-string": doc(name, utf8("s", b"ok\xc3")),
        "regression-overlong-nul-string": doc(name, utf8("s", b"a\xc0\x80b")),
        "surrogate-string": doc(name, utf8("s", b"\xed\xa0\x80")),
        "nul-inside-string": doc(name, utf8("s", b"a\x00b")),
        "bad-utf8-nested-array": doc(name, array("a", lambda k: subdoc(k, doc(utf8("x", b"\x80"))))),
        "bad-utf8-regex-options": doc(name, regex("re", "x", b"i\xff")),
        "bad-utf8-code": doc(name, code("js", b"\xff")),
        "corrupt-codewscope-scope": doc(name, el(0x0F, "c", struct.pack("<i", 19) + string("x") + b"\x09\x00\x00\x00\x10a\x00\x01\x00")),
        "binary-old-subtype": doc(name, binary("old", 2, struct.pack("<i", 3) + b"abc")),
        "corrupt-string-length": doc(name, el(0x02, "s", struct.pack("<i", 0x7FFFFFFF) + b"x\x00")),
        "unknown-type-byte": doc(name, el(0x42, "u", b"")),
        "nested-150": doc(name, subdoc("deep", nested(150))),
        # {"a": {"x": 1}} whose embedded document ends in 0x01 instead of its NUL terminator
        "regression-embedded-terminator": doc(name, subdoc("a", doc(int32("x", 1))[:-1] + b"\x01")),
        "regression-embedded-terminator-in-array": doc(name, array("a", lambda k: subdoc(k, doc(null("x"))[:-1] + b"\x07"))),
        "many-fields": doc(name, *[int32("f%d" % i, i) for i in range(60)]),
        "loose-key": doc(int32("a", 1), utf8("b", "x")),
        "long-key": doc(name, int32("k" * 3000, 1)),
    }
    return s


# ------------------------------------------------------------------------------------ op streams
KEYS = ["", "$", "$set", "a$", "a.b", "id", "_id", "ID", b"_id\xff", "name", "tenant", "n", "age", "big", "score",
        "ok", "when", "ref", "sub", "tags", "blob", "price", "note", "a", "b", b"\xff", b"k\xc3", b"\xed\xa0\x80",
        b"\xc0\x80", b"\xf4\x90\x80\x80", b"\xe2\x82\xac", "fuzz"]
TYPES = [0x00, 0x01, 0x02, 0x03, 0x04, 0x05, 0x06, 0x07, 0x08, 0x09, 0x0A, 0x0B, 0x0C, 0x0D, 0x0E, 0x0F, 0x10, 0x11,
         0x12, 0x13, 0x7F, 0xFF]


def b(s):
    return s.encode() if isinstance(s, str) else s


class Ops:
    """An input of fuzz_doc_setters (see run() there)."""

    def __init__(self, model):  # 0 plain, 1 typed (composite key tenant+n), 2 composite key a+b
        self.out = bytearray([model])

    def key(self, k):
        if isinstance(k, tuple):  # ("long", n, letter)
            _, n, letter = k
            self.out += bytes([15, 1]) + struct.pack("<I", n - 1) + bytes([ord(letter) - ord("a")])
        elif k in KEYS:
            self.out += bytes([0, KEYS.index(k)])
        else:
            kb = b(k)
            self.out += bytes([10, len(kb)]) + kb
        return self

    def text(self, s, length=None):  # the text() helper of make_value
        sb = b(s)
        if s is None:
            self.out += bytes([0, 0])
        elif length is None:
            self.out += bytes([1, len(sb)]) + sb + bytes([1])
        else:
            self.out += bytes([1, len(sb)]) + sb + bytes([0, length])
        return self

    def op(self, n):
        self.out += bytes([n])
        return self

    def set_utf8(self, k, v): self.key(k).op(0); self.out += (bytes([1, len(b(v))]) + b(v)) if v is not None else bytes([0]); return self
    def set_int32(self, k, v): self.key(k).op(1); self.out += struct.pack("<i", v); return self
    def set_int64(self, k, v): self.key(k).op(2); self.out += struct.pack("<q", v); return self
    def set_double(self, k, v): self.key(k).op(3); self.out += struct.pack("<d", v); return self
    def set_bool(self, k, v): self.key(k).op(4); self.out += bytes([v]); return self
    def set_null(self, k): return self.key(k).op(5)
    def set_datetime(self, k, v): self.key(k).op(6); self.out += struct.pack("<q", v); return self

    def set_document(self, k, raw, array=False, framed=True):
        self.key(k).op(8 if array else 7)
        self.out += bytes([1, 1 if framed else 0]) + struct.pack("<H", len(raw)) + raw
        return self

    def value(self, k, type_byte, payload=b"", null_pointer=False):
        self.key(k).op(9)
        self.out += bytes([1, TYPES.index(type_byte)]) + payload + bytes([0 if null_pointer else 1])
        return self

    def value_tag(self, k, tag):
        self.key(k).op(9)
        self.out += bytes([0, tag, 1])
        return self

    def alias(self, k): return self.key(k).op(11)
    def set_id(self, v): self.key("a").op(12); self.out += (bytes([1, len(b(v))]) + b(v)) if v is not None else bytes([0]); return self
    def remove(self, k): return self.key(k).op(13)
    def copy(self): return self.key("a").op(14)
    def to_bson(self, exclude_none=False): self.key("a").op(15); self.out += bytes([exclude_none]); return self


def raw_doc_payload(raw, framed=True):
    return bytes([1 if framed else 0]) + struct.pack("<H", len(raw)) + raw


def setters_seeds():
    s = {}
    s["every-typed-setter"] = (Ops(0).set_utf8("s", "héllo").set_int32("i", -1).set_int64("l", 2**40)
                               .set_double("d", 0.5).set_bool("t", 1).set_null("z").set_datetime("when", -1)
                               .set_document("o", doc(int32("x", 1))).set_document("arr", doc(int32("0", 1)), array=True)
                               .copy().to_bson().to_bson(True))
    s["typed-model-validation"] = (Ops(1).set_int32("name", 1).set_null("name").set_utf8("name", "n")
                                   .set_null("note").set_utf8("age", "x").set_int32("big", 1).set_int32("score", 2)
                                   .set_utf8("tenant", "t").set_int32("n", 7).to_bson())
    s["composite-key-fields"] = (Ops(2).set_utf8("a", "x").to_bson().set_double("b", 1e300).to_bson()
                                 .set_null("b").to_bson().remove("a").to_bson())
    s["bad-keys"] = (Ops(0).set_int32("", 1).set_int32("$", 1).set_int32("$set", 1).set_int32(b"\xff", 1)
                     .set_int32(b"k\xc3", 1).set_int32(b"\xc0\x80", 1).set_int32(b"\xed\xa0\x80", 1)
                     .set_int32("a$", 1).set_int32("a.b", 1).to_bson())
    s["nul-in-key"] = Ops(0).set_int32(b"ab\x00cd", 1).set_int32(b"\x00tail", 2).to_bson()
    s["id-keys"] = (Ops(0).set_int32("id", 5).set_utf8("_id", "x").set_null("id").set_id("abc").set_id(None)
                    .set_id(b"\xff").set_utf8("ID", "not the id").remove("_id").to_bson())
    s["long-keys"] = (Ops(0).set_int32(("long", 70000, "k"), 1).set_int32("a", 1).to_bson()
                      .remove(("long", 70000, "k")).set_utf8(("long", 300, "z"), "v").to_bson())
    s["bad-utf8-values"] = (Ops(0).set_utf8("s", b"ok\xff").set_utf8("s", b"\xed\xa0\x80").set_utf8("s", None)
                            .to_bson())
    s["regression-overlong-nul-value"] = Ops(0).set_utf8("s", b"a\xc0\x80b").to_bson()
    s["set-value-nul-inside-string"] = Ops(0).value("s", 0x02, bytes([1, 3]) + b"a\x00b" + bytes([1])).to_bson()
    s["set-value-short-length"] = Ops(0).value("s", 0x02, bytes([1, 4]) + b"ab\xff\xff" + bytes([0, 2])).to_bson()
    s["set-value-null-string"] = Ops(0).value("s", 0x02, bytes([0, 1])).to_bson()
    s["set-value-corrupt-document"] = (Ops(0).value("o", 0x03, bytes([1]) + raw_doc_payload(b"\x0c\x00\x00\x00\x02a\x00\xff\xff\xff\x7f\x00", False))
                                       .value("o", 0x04, bytes([1]) + raw_doc_payload(b"\x07\x00\x00\x00\x0a\x00\x00"))
                                       .to_bson())
    s["set-value-null-document"] = Ops(0).value("o", 0x03, bytes([0, 1])).to_bson()
    s["regression-overlong-nul-nested"] = Ops(0).value("o", 0x03, bytes([1]) + raw_doc_payload(doc(utf8("x", b"\xc0\x80")))).to_bson()
    s["set-value-binary"] = (Ops(0).value("bin", 0x05, bytes([0x80]) + bytes([1, 3]) + b"abc" + bytes([1]))
                             .value("old", 0x05, bytes([0x02]) + bytes([1, 3]) + b"abc" + bytes([1]))
                             .value("nil", 0x05, bytes([0]) + bytes([0, 1])).to_bson())
    s["set-value-regex"] = (Ops(0).value("re", 0x0B, bytes([1, 2]) + b"^a" + bytes([1, 2]) + b"xi")
                            .value("re", 0x0B, bytes([0]) + bytes([1, 1]) + b"i")
                            .value("re", 0x0B, bytes([1, 1]) + b"\xff" + bytes([1, 0])).to_bson())
    s["regression-dbpointer-null-collection"] = Ops(0).value("p", 0x0C, bytes([0, 1]) + bytes(12)).to_bson()
    s["set-value-dbpointer"] = Ops(0).value("p", 0x0C, bytes([1, 4]) + b"coll" + bytes([1]) + bytes(12)).to_bson()
    s["regression-code-length-mismatch"] = Ops(0).value("js", 0x0D, bytes([1, 3]) + b"x\xff\xfe" + bytes([0, 1])).to_bson()
    s["regression-codewscope-null-scope"] = Ops(0).value("c", 0x0F, bytes([1, 1]) + b"x" + bytes([1]) + bytes([0, 1])).to_bson()
    s["regression-codewscope-corrupt-scope"] = (Ops(0).value("c", 0x0F, bytes([1, 1]) + b"x" + bytes([1]) + bytes([1])
                                                           + raw_doc_payload(b"\x09\x00\x00\x00\x10a\x00\x01\x00", False))
                                               .to_bson())
    s["set-value-symbol-undefined-minmax"] = (Ops(0).value("sym", 0x0E, bytes([1, 1]) + b"s" + bytes([1]))
                                              .value("u", 0x06).value("min", 0xFF).value("max", 0x7F)
                                              .value("ts", 0x11, struct.pack("<II", 1, 2))
                                              .value("dec", 0x13, struct.pack("<QQ", DEC_ONE[1], DEC_ONE[0])).to_bson())
    s["set-value-unknown-tags"] = Ops(0).value_tag("x", 0x00).value_tag("x", 0x42).value_tag("x", 0x80).to_bson()
    s["set-value-null-pointer"] = Ops(0).value("x", 0x10, struct.pack("<i", 1), null_pointer=True)
    s["set-value-ids"] = (Ops(0).value("_id", 0x03, bytes([1]) + raw_doc_payload(doc(int32("a", 1))))
                          .value("id", 0x07, bytes(12)).value("_id", 0x0A).value("id", 0x02, bytes([1, 2]) + b"\xff\xff" + bytes([1]))
                          .to_bson())
    s["regression-id-utf8-null"] = Ops(0).value("_id", 0x02, bytes([0, 0])).value("id", 0x02, bytes([0, 0])).to_bson()
    s["aliasing"] = Ops(0).set_utf8("a", "x" * 200).set_utf8("b", "y").alias("c").alias("a").alias("_id").to_bson()
    return {k: bytes(v.out) for k, v in s.items()}


def ids_seeds():
    def cs(x):
        x = b(x)
        return bytes([len(x)]) + x

    def composite(*values, null_at=None):
        out = bytes([0, len(values)]) + b"".join(cs(v) for v in values)
        if values:
            out += bytes([0, null_at]) if null_at is not None else bytes([1])
        return out

    def pairs(*kv, null_kind=None):
        out = bytes([1, len(kv)])
        for k, v in kv:
            out += bytes([1]) + cs(k) + cs(v)
        if kv:
            out += bytes([null_kind, 0]) if null_kind is not None else bytes([2])
        return out

    def object_id(text):
        return bytes([2]) + cs(text)

    def composite_n(*values):  # mongo_odm_generate_composite_id_n: the bytes NULs included
        return bytes([3, len(values)]) + b"".join(cs(v) for v in values)

    return {
        "composite-two": composite("acme", "42"),
        "composite-none": composite(),
        "composite-unicode": composite("日本", "😀"),
        "composite-bad-utf8": composite("ok", b"\xff\xfe"),
        "composite-overlong-nul": composite(b"\xc0\x80"),
        "composite-null-element": composite("a", "b", null_at=1),
        "pairs-escaped": pairs(("a=b", "c&d"), ("%", "=")),
        "pairs-order": pairs(("z", "1"), ("é", "2"), ("a", "3")),
        "pairs-repeated-key": pairs(("k", "1"), ("k", "2")),
        "pairs-bad-utf8": pairs(("k", b"\xed\xa0\x80")),
        "pairs-null-key": pairs(("k", "v"), null_kind=0),
        "composite-n-nul-inside": composite_n(b"a\x00b", "1"),
        "composite-n-plain": composite_n("acme", "42"),
        "composite-n-overlong-nul": composite_n(b"x\xc0\x80"),
        "oid-lower": object_id("65f0a1b2c3d4e5f601234567"),
        "oid-upper": object_id("65F0A1B2C3D4E5F601234567"),
        "oid-23": object_id("65f0a1b2c3d4e5f60123456"),
        "oid-25": object_id("65f0a1b2c3d4e5f6012345678"),
        "oid-not-hex": object_id("65f0a1b2c3d4e5f60123456g"),
        "oid-nul-after-24": object_id(b"65f0a1b2c3d4e5f601234567\x00junk"),
    }


TARGETS = {
    "fuzz_doc_from_bson": doc_from_bson_seeds,
    "fuzz_doc_setters": setters_seeds,
    "fuzz_ids": ids_seeds,
}


def main():
    check = "--check" in sys.argv[1:]
    problems = []
    for target, make in TARGETS.items():
        directory = os.path.join(CORPUS, target)
        os.makedirs(directory, exist_ok=True)
        for name, data in make().items():
            path = os.path.join(directory, name)
            if check:
                if not os.path.exists(path) or open(path, "rb").read() != data:
                    problems.append(path)
            else:
                with open(path, "wb") as f:
                    f.write(data)
    if problems:
        print("seed corpus out of date (run tests/fuzz/make_corpus.py):\n  " + "\n  ".join(problems))
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
