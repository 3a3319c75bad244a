"""mongo_odm.ObjectId's API, and the deterministic ids (id-vectors.json, shared with the C tests)."""

import copy
import datetime
import json
import pickle
import re
import threading
import time

import pytest

from helpers import ID_VECTORS, run_threads
from mongo_odm import ObjectId, generate_composite_id, generate_id
from mongo_odm.errors import InvalidId

HEX = re.compile(r"^[0-9a-f]{24}$")
VECTORS = json.loads(ID_VECTORS.read_text(encoding="utf-8"))


def test_the_vectors_are_what_their_generator_writes():
    """tests/data/id-vectors.json is re-derived from the documented rules by
    tools/make_id_vectors.py (standard library only, no mongo_odm): a vector edited by hand, or
    computed with the code under test, fails here."""
    import subprocess
    import sys

    tool = ID_VECTORS.parents[2] / "tools" / "make_id_vectors.py"
    done = subprocess.run([sys.executable, str(tool), "--check"], capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    assert "18 vectors" in done.stdout
    # the project's contract, ../shared/spec/id-vectors.json, is the same file (when it is there:
    # a clone without ../shared beside it still checks the vectors against their rules above)
    contract = ID_VECTORS.parents[3] / "shared" / "spec" / "id-vectors.json"
    if contract.is_file():
        assert contract.read_bytes() == ID_VECTORS.read_bytes()


# ------------------------------------------------------------------------------ ObjectId
def test_objectid_from_hex_and_bytes():
    text = "0123456789abcdef01234567"
    oid = ObjectId(text)
    assert str(oid) == text
    assert repr(oid) == f"ObjectId('{text}')"
    assert oid.binary == bytes.fromhex(text)
    assert ObjectId(oid.binary) == oid
    assert ObjectId(oid) == oid
    assert ObjectId("0123456789ABCDEF01234567") == oid  # upper case accepted, printed lower
    assert str(ObjectId("0123456789ABCDEF01234567")) == text


def test_objectid_new_values():
    a, b = ObjectId(), ObjectId()
    assert a != b
    assert HEX.match(str(a))
    assert len(a.binary) == 12
    assert ObjectId(None) != a


def test_generation_time():
    oid = ObjectId("65f0a1b2" + "0" * 16)
    gt = oid.generation_time
    assert gt == datetime.datetime.fromtimestamp(0x65F0A1B2, datetime.timezone.utc)
    assert gt.tzinfo is not None and gt.utcoffset() == datetime.timedelta(0)
    now = datetime.datetime.now(datetime.timezone.utc)
    # ObjectId's time has whole-second resolution; 5 s covers that second plus any scheduling
    # delay between the two reads on a loaded 2-core machine (milliseconds), and still catches a
    # wrong epoch, time zone or byte order (hours to years off).
    assert abs((ObjectId().generation_time - now).total_seconds()) < 5


def test_equality_and_hash():
    text = "65f0a1b2c3d4e5f601234567"
    a, b = ObjectId(text), ObjectId(text)
    assert a == b and not (a != b)
    assert hash(a) == hash(b)
    assert len({a, b, ObjectId()}) == 2
    assert a != text  # not equal to its string
    assert (a == text) is False
    assert a != 5
    d = {a: 1}
    assert d[b] == 1


def test_ordering():
    low, mid, high = ObjectId("0" * 24), ObjectId("5" * 24), ObjectId("f" * 24)
    assert low < mid < high
    assert high > mid > low
    assert low <= low and high >= high
    assert sorted([high, low, mid]) == [low, mid, high]
    # ids generated later sort later (timestamp + counter)
    ids = [ObjectId() for _ in range(100)]
    assert ids == sorted(ids)
    with pytest.raises(TypeError):
        low < "x"


def test_pickle_and_copy():
    oid = ObjectId()
    for protocol in range(pickle.HIGHEST_PROTOCOL + 1):
        again = pickle.loads(pickle.dumps(oid, protocol))
        assert again == oid and isinstance(again, ObjectId)
    assert copy.copy(oid) == oid
    assert copy.deepcopy({"k": [oid]}) == {"k": [oid]}


def test_is_valid():
    assert ObjectId.is_valid("0123456789abcdef01234567") is True
    assert ObjectId.is_valid(b"123456789012") is True
    assert ObjectId.is_valid(ObjectId()) is True
    for bad in ["", "xyz", "0123456789abcdef0123456", "0123456789abcdef012345678", "zz" * 12, b"short", None, 5, 1.0, []]:
        assert ObjectId.is_valid(bad) is False, bad


def test_invalid_constructions():
    with pytest.raises(InvalidId):
        ObjectId("not an id")
    with pytest.raises(InvalidId):
        ObjectId(b"\x00" * 13)
    with pytest.raises(TypeError):
        ObjectId([1, 2])


def assert_unique_across_threads(new_id) -> None:
    """8 threads make 2000 ids each with new_id(): all 16000 differ."""
    out, lock = [], threading.Lock()

    def make():
        local = [new_id() for _ in range(2000)]
        with lock:
            out.extend(local)

    run_threads(make, 8)
    assert len(set(out)) == 16000


def test_objectid_unique_across_threads():
    assert_unique_across_threads(ObjectId)


# ------------------------------------------------------------------------------ generate_id
def test_generate_id_is_fresh_objectid_string():
    ids = [generate_id() for _ in range(1000)]
    assert len(set(ids)) == 1000
    for i in ids:
        assert isinstance(i, str) and HEX.match(i)
        assert ObjectId.is_valid(i)
    t = ObjectId(ids[0]).generation_time.timestamp()
    # the id's timestamp is the current time (1 s resolution): 1,000 ids take milliseconds, so
    # 5 s holds under any load, and an id of another clock or a zero timestamp still fails
    assert abs(t - time.time()) < 5


def test_generate_id_threads_unique():
    assert_unique_across_threads(generate_id)


@pytest.mark.parametrize("vector", VECTORS["composite"], ids=lambda v: repr(v["values"]))
def test_composite_vectors(vector):
    # the original JSON values (ints, floats, bools, None), which str() renders as the vector says
    assert [str(v) for v in vector["values"]] == vector["str"]
    assert generate_composite_id(vector["values"]) == vector["md5"]
    assert generate_composite_id(vector["str"]) == vector["md5"]
    assert generate_composite_id(tuple(vector["values"])) == vector["md5"]


@pytest.mark.parametrize("vector", VECTORS["pairs"], ids=lambda v: v["canonical"])
def test_pair_vectors(vector):
    kwargs = dict(vector["pairs"])
    assert generate_id(**kwargs) == vector["md5"]
    # order of the keyword arguments does not matter
    assert generate_id(**dict(reversed(list(kwargs.items())))) == vector["md5"]


def test_vectors_file_is_complete():
    assert len(VECTORS["composite"]) >= 10
    assert len(VECTORS["pairs"]) >= 7


def test_generate_id_kwargs_stringifies_values():
    assert generate_id(n=1, flag=True) == generate_id(n="1", flag="True")
    assert generate_id(a="1") != generate_id(a="2")
    assert generate_id(a="1") != generate_id(b="1")
    assert re.match(r"^[0-9a-f]{32}$", generate_id(a="1"))


def test_composite_concatenation_is_ambiguous_by_design():
    # lightodm's rule: no separator
    assert generate_composite_id(["ab", "c"]) == generate_composite_id(["a", "bc"])
    assert generate_composite_id([]) == "d41d8cd98f00b204e9800998ecf8427e"  # md5 of ""
