"""Writes tests/data/id-vectors.json, the deterministic-id test vectors of the C and Python suites.

    python tools/make_id_vectors.py            rewrite the file
    python tools/make_id_vectors.py --check    exit 1 unless the committed file is what this writes

Independent of the code under test on purpose: it imports nothing of mongo_odm and computes each
id from the rules written in the file's "about" (lightodm 0.2.0's rules: md5 of the values' str()
concatenated; md5 of the sorted, escaped key=value pairs) with the standard library alone. The
inputs below are the cases the vectors cover; add a case here, run it, commit both files. The
file is the same as ../shared/spec/id-vectors.json, the project's contract.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import sys
from pathlib import Path

OUT = Path(__file__).resolve().parent.parent / "tests" / "data" / "id-vectors.json"

ABOUT = (
    "Test vectors for deterministic ids. composite: md5 hex of the concatenation (no separator) of str(value) "
    "for each value, UTF-8. pairs: md5 hex of the canonical string: pairs sorted by key (code point order = "
    "UTF-8 byte order), each rendered key=value after escaping '%'->'%25', '&'->'%26', '='->'%3D' in both key "
    "and value, joined by '&', UTF-8. 'str' is Python's str() of the value: True->'True', None->'None', "
    "1.5->'1.5'. In C, typed document values are rendered as Python's str() renders them: int32/int64 in "
    "decimal, bool as True/False, null as None, double as Python's repr (100.0, 2.5e-07, 1e+16), strings as "
    "themselves."
)

COMPOSITE = [
    ["tenant1", "user1"],
    ["single"],
    [123, 456],
    ["é", "日本"],
    ["a b", "c/d", "e&f"],
    ["", ""],
    ["ab", "c"],  # these two differ in their values and collide in their concatenation: by design
    ["a", "bc"],
    [True, None, 1.5],
    [0, -7, "x"],
    [100.0, 2.5e-07, -0.5, 10**20],
]

PAIRS = [
    [["user_id", "123"], ["type", "profile"]],
    [["type", "profile"], ["user_id", "123"]],  # the order given does not matter
    [["a", "1"]],
    [["b", "x"], ["a", "y"], ["c", "z"]],
    [["name", "日本"], ["k", "v=w&x"]],
    [["k", "v"], ["name", "日本&x"]],
    [["p", "100%"]],
]


def md5(text: str) -> str:
    return hashlib.md5(text.encode("utf-8")).hexdigest()


def escape(text: str) -> str:
    return text.replace("%", "%25").replace("&", "%26").replace("=", "%3D")  # '%' first


def vectors() -> dict:
    composite = []
    for values in COMPOSITE:
        rendered = [str(v) for v in values]
        composite.append({"values": values, "str": rendered, "md5": md5("".join(rendered))})
    pairs = []
    for given in PAIRS:
        canonical = "&".join(f"{escape(k)}={escape(v)}" for k, v in sorted(given, key=lambda kv: kv[0]))
        pairs.append({"pairs": given, "canonical": canonical, "md5": md5(canonical)})
    return {"about": ABOUT, "composite": composite, "pairs": pairs}


def render() -> str:
    return json.dumps(vectors(), indent=1, ensure_ascii=False)


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--check", action="store_true", help="compare with the committed file instead of writing")
    args = parser.parse_args(argv)
    text = render()
    if args.check:
        if OUT.read_text(encoding="utf-8") != text:
            print(f"{OUT} is not what tools/make_id_vectors.py writes: run it and commit both", file=sys.stderr)
            return 1
        data = vectors()
        count = sum(len(v) for k, v in data.items() if isinstance(v, list))
        print(f"{OUT}: {count} vectors, as tools/make_id_vectors.py writes them")
        return 0
    OUT.write_text(text, encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
