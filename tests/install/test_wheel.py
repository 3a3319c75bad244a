"""The self-contained wheel of scripts/wheel.sh, installed into a fresh virtualenv (this
interpreter's): its name, tag and contents, one version number, and a CRUD round trip against
the test server with the system's libmongoc and libbson made unreachable.

    MONGO_ODM_WHEEL=dist/mongo_odm_native-....whl build/venv-wheel/bin/python -m pytest tests/install/test_wheel.py

Needs MONGO_URL (and MONGO_USER, MONGO_PASSWORD, MONGO_DB_NAME) of a running server, as
scripts/test.sh exports them.
"""

import glob
import importlib.metadata
import os
import re
import subprocess
import sys
import tarfile
import textwrap
import uuid
import zipfile
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
WHEEL = Path(os.environ.get("MONGO_ODM_WHEEL", ""))
DIST = "mongo-odm-native"


def cmake_version() -> str:
    text = (REPO / "CMakeLists.txt").read_text()
    return re.search(r"project\(mongo_odm\s+VERSION\s+([0-9]+\.[0-9]+\.[0-9]+)", text).group(1)


@pytest.fixture(scope="module")
def wheel() -> Path:
    assert WHEEL.is_file(), f"MONGO_ODM_WHEEL={WHEEL} is not a file"
    return WHEEL


def test_wheel_name_and_manylinux_tag(wheel):
    m = re.fullmatch(r"mongo_odm_native-([0-9.]+)-(cp\d+)-(cp\d+)-(manylinux_\d+_\d+_x86_64(?:\.manylinux[^.]+)*)\.whl",
                     wheel.name)
    assert m, wheel.name
    assert m.group(1) == cmake_version()
    assert m.group(2) == f"cp{sys.version_info.major}{sys.version_info.minor}"


def test_wheel_carries_the_libraries(wheel):
    names = zipfile.ZipFile(wheel).namelist()
    libs = [n for n in names if n.startswith("mongo_odm_native.libs/")]
    for prefix in ("libmongoc2-", "libbson2-", "libcrypto-", "libssl-"):
        assert any(Path(n).name.startswith(prefix) for n in libs), (prefix, libs)
    assert any(re.fullmatch(r"mongo_odm/_core\.cpython-[^/]+\.so", n) for n in names), names
    assert any("libmongo_odm" in n for n in names), names
    assert "mongo_odm/py.typed" in names
    assert not [n for n in names if n.startswith(("tests/", "build/", "src/"))]


def test_sdist_beside_the_wheel(wheel):
    sdists = list(wheel.parent.glob("mongo_odm_native-*.tar.gz"))
    assert len(sdists) == 1, sdists
    with tarfile.open(sdists[0]) as tar:
        names = tar.getnames()
    top = f"mongo_odm_native-{cmake_version()}"
    for f in ("CMakeLists.txt", "pyproject.toml", "include/mongo_odm.h", "src/mongo_odm.map", "bindings/python/mongo_odm/__init__.py"):
        assert f"{top}/{f}" in names, f
    assert not [n for n in names if n.startswith(f"{top}/build/")]


def test_one_version_number():
    """CMakeLists.txt's project VERSION is the wheel's metadata version, mongo_odm.__version__,
    the extension's and the C library's mongo_odm_get_version()."""
    import ctypes

    import mongo_odm
    import mongo_odm._core as core

    version = cmake_version()
    assert importlib.metadata.version(DIST) == version
    assert mongo_odm.__version__ == version
    assert core.__version__ == version
    libs = [p for p in importlib.metadata.files(DIST) if "libmongo_odm" in p.name]
    assert libs, list(importlib.metadata.files(DIST))
    lib = ctypes.CDLL(str(libs[0].locate()))
    lib.mongo_odm_get_version.restype = ctypes.c_char_p
    assert lib.mongo_odm_get_version().decode() == version


HIDE_AND_RUN = r"""
set -euo pipefail
# Every libmongoc/libbson file of the system (1.x) and of the cache's driver builds (2.x): the
# bind mounts of /dev/null make them unloadable, for this mount namespace only.
hidden=0
for f in /usr/lib/*/libmongoc-1.0.so* /usr/lib/*/libbson-1.0.so* /usr/local/lib/libmongoc* /usr/local/lib/libbson* \
         ${MONGO_ODM_CACHE:+$MONGO_ODM_CACHE/mongoc-*/lib/*.so*}; do
  [ -e "$f" ] || continue
  real=$(readlink -f "$f")
  [ -f "$real" ] || continue
  mount --bind /dev/null "$real"
  hidden=$((hidden + 1))
done
echo "HIDDEN $hidden"
# Negative control: the system's libmongoc no longer loads here.
if "$PY" -c 'import ctypes; ctypes.CDLL("libmongoc-1.0.so.0")' 2>/dev/null; then echo "SYSTEM LIBMONGOC STILL LOADS"; exit 3; fi
exec "$PY" -c "$CODE"
"""

CRUD = textwrap.dedent(
    """
    import os, sys
    import mongo_odm
    from typing import Optional
    from mongo_odm import MongoBaseModel, connect, get_collection

    connect(url=os.environ["MONGO_URL"], username=os.environ.get("MONGO_USER") or None,
            password=os.environ.get("MONGO_PASSWORD") or None, db_name=os.environ["MONGO_DB_NAME"])

    class Pet(MongoBaseModel):
        class Settings:
            name = os.environ["COLL"]
        name: str
        age: Optional[int] = None

    rex = Pet(name="Rex", age=3)
    rex.save()                                                       # insert
    assert Pet.get(rex.id).name == "Rex"                             # find
    assert Pet.update_one({"_id": rex.id}, {"$set": {"age": 4}})     # update
    assert Pet.find_one({"name": "Rex"}).age == 4
    coll = get_collection(os.environ["COLL"])
    coll.insert_one({"_id": "raw", "n": 1})                          # the collection API too
    assert coll.find_one({"_id": "raw"})["n"] == 1
    assert rex.delete() is True                                      # delete
    assert coll.delete_one({"_id": "raw"}).deleted_count == 1
    assert Pet.count() == 0
    coll.drop()

    maps = open("/proc/self/maps").read().splitlines()
    drivers = sorted({l.split()[-1] for l in maps if ("libmongoc" in l or "libbson" in l)})
    odm = sorted({l.split()[-1] for l in maps if "libmongo_odm" in l})
    print("DRIVER", drivers)
    print("ODM", odm)
    bundle = os.path.join(os.path.dirname(os.path.dirname(mongo_odm.__file__)), "mongo_odm_native.libs")
    assert drivers and all(p.startswith(bundle + "/") for p in drivers), (bundle, drivers)
    print("OK", mongo_odm.__version__)
    """
)


def test_crud_with_the_system_libmongoc_hidden(wheel):
    for var in ("MONGO_URL", "MONGO_DB_NAME"):
        assert os.environ.get(var), f"{var} is not set: run under scripts/test.sh"
    env = dict(os.environ)
    env.pop("LD_LIBRARY_PATH", None)
    env.update(PY=sys.executable, CODE=CRUD, COLL=f"wheel_{uuid.uuid4().hex[:12]}")
    proc = subprocess.run(["unshare", "--mount", "--propagation", "private", "bash", "-c", HIDE_AND_RUN],
                          capture_output=True, text=True, timeout=300, env=env, cwd="/")
    out = proc.stdout + proc.stderr
    assert proc.returncode == 0, out
    hidden = int(re.search(r"HIDDEN (\d+)", out).group(1))
    system_files = [f for f in glob.glob("/usr/lib/*/libmongoc-1.0.so*") + glob.glob("/usr/lib/*/libbson-1.0.so*")]
    assert hidden >= (2 if system_files else 0), out
    assert re.search(r"^OK ", proc.stdout, re.M), out
    print(out)
