"""Packaging: the tracked source tree builds, installs into a fresh virtualenv and works there;
the wheel carries the bundled library, the extension, py.typed and the stubs.

The build test compiles the C++ library and the extension once (``pip install <copy>``); the
wheel is made afterwards from the same copy, whose build directory (pyproject's build-dir) is
reused, so it costs no second compilation. Both run in one build environment: the fresh venv
with exactly the build requirements pyproject.toml declares.
"""

import os
import re
import shutil
import subprocess
import sys
import textwrap
import zipfile
from pathlib import Path

import pytest

from helpers import REPO, run_python

BUILD_TIMEOUT = 1500
SONAME = "libmongo_odm.so.0.1"
DIST = "mongo-odm-native"  # the distribution name ("mongo-odm" on PyPI is another project)


def cmake_version() -> str:
    """The one version number: project(mongo_odm VERSION x.y.z) in CMakeLists.txt."""
    text = (REPO / "CMakeLists.txt").read_text()
    return re.search(r"project\(mongo_odm\s+VERSION\s+([0-9]+\.[0-9]+\.[0-9]+)", text).group(1)


# ------------------------------------------------------------------------------ without a build
def test_import_does_not_pull_pymongo_bson_or_motor():
    code = textwrap.dedent(
        """
        import importlib.util, sys
        import mongo_odm, mongo_odm.connection, mongo_odm.model, mongo_odm.client, mongo_odm._async
        from mongo_odm import MongoBaseModel, ObjectId, errors
        class M(MongoBaseModel):
            class Settings:
                name = "unused"
        M()._to_mongo_dict()
        mongo_odm._core.encode({"_id": ObjectId(), "v": 1})
        loaded = sorted(m for m in sys.modules if m.split(".")[0] in ("pymongo", "bson", "motor", "gridfs"))
        print("LOADED", loaded)
        print("AVAILABLE", [m for m in ("pymongo", "bson", "motor") if importlib.util.find_spec(m)])
        """
    )
    proc = run_python(code)
    assert proc.returncode == 0, proc.stderr
    assert "LOADED []" in proc.stdout
    # and they are not even installed: the package works without them
    assert "AVAILABLE []" in proc.stdout


def test_package_files_installed():
    import mongo_odm

    pkg = Path(mongo_odm.__file__).parent
    assert (pkg / "py.typed").is_file()
    assert (pkg / SONAME).is_file()
    assert list(pkg.glob("_core*.so"))
    if (REPO / "bindings" / "python" / "mongo_odm" / "_core.pyi").exists():
        assert (pkg / "_core.pyi").is_file()


def test_core_stubs_match_the_extension():
    """mongo_odm/_core.pyi names exactly what the extension defines."""
    import ast

    import mongo_odm._core as core

    stub_path = REPO / "bindings" / "python" / "mongo_odm" / "_core.pyi"
    assert stub_path.is_file()
    tree = ast.parse(stub_path.read_text())
    stub_names = set()
    for node in tree.body:
        if isinstance(node, (ast.FunctionDef, ast.ClassDef)):
            stub_names.add(node.name)
        elif isinstance(node, ast.AnnAssign) and isinstance(node.target, ast.Name):
            stub_names.add(node.target.id)
        if isinstance(node, ast.ClassDef):
            runtime_cls = getattr(core, node.name)
            for member in node.body:
                if isinstance(member, ast.FunctionDef):
                    assert hasattr(runtime_cls, member.name), f"{node.name}.{member.name} in the stub only"
    runtime_names = {n for n in dir(core) if not n.startswith("__")} | {"__version__"}
    assert stub_names == runtime_names, (stub_names ^ runtime_names)


def test_one_version_number():
    """CMakeLists.txt, pyproject.toml (which only points at it), the installed distribution's
    metadata, mongo_odm.__version__, the extension and the C library's mongo_odm_get_version()
    all give the same version."""
    import ctypes
    import importlib.metadata

    import mongo_odm
    import mongo_odm._core as core

    version = cmake_version()
    pyproject = (REPO / "pyproject.toml").read_text()
    assert re.search(r'^dynamic\s*=\s*\["version"\]', pyproject, re.M)
    assert not re.search(r"^version\s*=", pyproject, re.M)
    assert 'metadata.version.input = "CMakeLists.txt"' in pyproject
    assert importlib.metadata.version(DIST) == version
    assert mongo_odm.__version__ == version
    assert core.__version__ == version
    lib = ctypes.CDLL(str(Path(mongo_odm.__file__).parent / SONAME))
    lib.mongo_odm_get_version.restype = ctypes.c_char_p
    assert lib.mongo_odm_get_version().decode() == version


def test_distribution_name():
    import importlib.metadata

    import mongo_odm

    dist = importlib.metadata.distribution(DIST)
    assert dist.metadata["Name"] == DIST
    assert "mongo_odm/__init__.py" in {str(f) for f in dist.files}
    assert Path(mongo_odm.__file__).parent.name == "mongo_odm"


# ------------------------------------------------------------------------------ the build
def copy_tracked_tree(dest: Path) -> int:
    """Copies the files git tracks (working-tree contents) into dest; no build artefacts."""
    listing = subprocess.run(["git", "-C", str(REPO), "ls-files", "-z"], check=True, capture_output=True).stdout
    count = 0
    for rel in listing.decode().split("\0"):
        if not rel:
            continue
        src = REPO / rel
        if not src.is_file():  # deleted in the working tree
            continue
        target = dest / rel
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(src, target)
        count += 1
    return count


def build_requires(pyproject: Path) -> list:
    text = pyproject.read_text()
    try:
        import tomllib
    except ImportError:  # Python < 3.11
        section = re.search(r"\[build-system\][^\[]*?requires\s*=\s*\[(.*?)\]", text, re.S).group(1)
        return re.findall(r'"([^"]+)"', section)
    return tomllib.loads(text)["build-system"]["requires"]


def run(cmd, **kwargs):
    proc = subprocess.run(cmd, capture_output=True, text=True, timeout=BUILD_TIMEOUT, **kwargs)
    assert proc.returncode == 0, f"{' '.join(map(str, cmd))} failed:\n{proc.stdout[-4000:]}\n{proc.stderr[-6000:]}"
    return proc


@pytest.fixture(scope="module")
def built(tmp_path_factory):
    root = tmp_path_factory.mktemp("packaging")
    src = root / "src"
    n = copy_tracked_tree(src)
    assert n > 50
    assert not (src / "build").exists()
    venv = root / "venv"
    run([sys.executable, "-m", "venv", str(venv)])
    py = venv / "bin" / "python"
    env = dict(os.environ)
    env["CMAKE_BUILD_PARALLEL_LEVEL"] = "2"  # a shared 2-core machine
    env.pop("PYTHONPATH", None)
    # The build requirements declared by pyproject.toml, installed into the fresh venv (and
    # nothing else): the install and the wheel then share one build environment, so the wheel
    # reuses the compiled tree instead of compiling everything a second time.
    requires = build_requires(src / "pyproject.toml")
    assert requires
    run([str(py), "-m", "pip", "install", "-q", *requires], env=env, cwd=str(root))
    run([str(py), "-m", "pip", "install", "-q", "--no-build-isolation", str(src)], env=env, cwd=str(root))
    wheels = root / "wheels"
    run([str(py), "-m", "pip", "wheel", "-q", "--no-deps", "--no-build-isolation", str(src), "-w", str(wheels)],
        env=env, cwd=str(root))
    return {"root": root, "src": src, "venv": venv, "python": py, "wheels": wheels, "env": env}


@pytest.mark.slow
def test_fresh_venv_import_and_use(built, coll_name, settings):
    code = textwrap.dedent(
        f"""
        import sys, mongo_odm
        from mongo_odm import MongoBaseModel, generate_id, generate_composite_id, ObjectId
        assert mongo_odm.__file__.startswith({str(built['venv'])!r}), mongo_odm.__file__
        assert generate_composite_id(["tenant1", "user1"]) == "2f6066284352ba2d9c54ee096dc973de"
        assert ObjectId.is_valid(generate_id())
        class Doc(MongoBaseModel):
            class Settings:
                name = {coll_name!r}
            v: int
        d = Doc(v=42)
        d.save()
        assert Doc.get(d.id).v == 42
        assert not [m for m in sys.modules if m.split(".")[0] in ("pymongo", "bson", "motor")]
        print("OK", mongo_odm.__version__)
        """
    )
    proc = subprocess.run([str(built["python"]), "-c", code], capture_output=True, text=True, timeout=120,
                          cwd=str(built["root"]), env=built["env"])
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.startswith("OK ")


@pytest.mark.slow
def test_installed_extension_links_bundled_library(built):
    proc = subprocess.run(
        [str(built["python"]), "-c", "import mongo_odm._core as c, os; print(c.__file__)"],
        capture_output=True, text=True, timeout=60, cwd=str(built["root"]),
    )
    assert proc.returncode == 0, proc.stderr
    ext = Path(proc.stdout.strip())
    pkg = ext.parent
    assert (pkg / SONAME).is_file()
    ldd = subprocess.run(["ldd", str(ext)], capture_output=True, text=True, check=True).stdout
    assert "not found" not in ldd, ldd
    line = next(l for l in ldd.splitlines() if SONAME in l)
    resolved = Path(line.split("=>")[1].split("(")[0].strip())
    assert resolved.resolve() == (pkg / SONAME).resolve(), ldd
    assert (pkg / "py.typed").is_file()


@pytest.mark.slow
def test_wheel_contents(built):
    wheels = list(built["wheels"].glob("mongo_odm_native-*.whl"))
    assert len(wheels) == 1, wheels
    names = zipfile.ZipFile(wheels[0]).namelist()
    assert f"mongo_odm/{SONAME}" in names
    assert any(re.fullmatch(r"mongo_odm/_core\.cpython-[^/]+\.so", n) for n in names), names
    assert "mongo_odm/py.typed" in names
    for module in ["__init__.py", "model.py", "connection.py", "errors.py", "client.py", "_async.py", "bson_types.py"]:
        assert f"mongo_odm/{module}" in names
    if (built["src"] / "bindings" / "python" / "mongo_odm" / "_core.pyi").exists():
        assert "mongo_odm/_core.pyi" in names
    # no test files, build trees or C sources in the wheel
    assert not [n for n in names if n.startswith(("tests/", "build/", "src/"))], names
    metadata = next(n for n in names if n.endswith(".dist-info/METADATA"))
    text = zipfile.ZipFile(wheels[0]).read(metadata).decode()
    requires = [l for l in text.splitlines() if l.startswith("Requires-Dist:") and "extra ==" not in l]
    assert requires == ["Requires-Dist: pydantic>=2"], requires


@pytest.mark.slow
def test_byo_pymongo_and_motor_collections(built, coll_name, settings):
    """The contract's other half of bring-your-own-connection: get_collection /
    get_async_collection returning real pymongo / motor collections. pymongo and motor are
    installed into the packaging venv only (never into the test venv); the model layer calls
    nothing but pymongo's method names, so every method works on them too. pymongo's own
    bson.ObjectId, passed to a native mongo_odm collection, encodes as an ObjectId."""
    run([str(built["python"]), "-m", "pip", "install", "-q", "pymongo", "motor"], env=built["env"])
    code = textwrap.dedent(
        f"""
        import asyncio
        import bson
        from pymongo import MongoClient
        from motor.motor_asyncio import AsyncIOMotorClient
        from mongo_odm import MongoBaseModel, _core, get_database

        url, user, password, db = {settings.url!r}, {settings.user!r}, {settings.password!r}, {settings.db_name!r}
        client = MongoClient(url, username=user, password=password)
        aclient = AsyncIOMotorClient(url, username=user, password=password)

        class Doc(MongoBaseModel):
            class Settings:
                name = {coll_name!r}
            v: int
            @classmethod
            def get_collection(cls):
                return client[db][cls._get_collection_name()]
            @classmethod
            async def get_async_collection(cls):
                return aclient[db][cls._get_collection_name()]

        d = Doc(v=1)
        assert d.save() == d.id
        assert Doc.get(d.id) == d
        assert len(Doc.insert_many([Doc(v=2), Doc(v=3)])) == 2
        assert Doc.insert_many([]) == []
        assert Doc.count() == 3 and Doc.count({{"v": 2}}) == 1
        assert [x.v for x in Doc.find({{}}, sort=[("v", -1)], limit=2)] == [3, 2]
        assert [x.v for x in Doc.find_iter({{"v": {{"$gte": 2}}}}, sort=[("v", 1)])] == [2, 3]
        assert Doc.find_one({{"v": 3}}).v == 3
        assert Doc.update_one({{"v": 1}}, {{"$set": {{"v": 10}}}}) is True
        assert Doc.update_one({{"_id": "up1"}}, {{"$set": {{"v": 99}}}}, upsert=True) is True
        assert Doc.update_many({{"v": {{"$gte": 2}}}}, {{"$inc": {{"v": 1}}}}) == 4
        assert Doc.aggregate([{{"$match": {{"v": {{"$gt": 3}}}}}}, {{"$count": "n"}}]) == [{{"n": 3}}]
        assert Doc.delete_one({{"v": 11}}) is True
        assert d.delete() is False  # already deleted above (it had v=11)

        async def main():
            # left by the sync part: v = 3, 4, 100
            a = Doc(v=1000)
            assert await a.asave() == a.id
            assert await Doc.aget(a.id) == a
            assert len(await Doc.ainsert_many([Doc(v=1001), Doc(v=1002)])) == 2
            assert await Doc.acount({{"v": {{"$gte": 1000}}}}) == 3
            assert [x.v for x in await Doc.afind({{"v": {{"$gte": 1000}}}}, sort=[("v", 1)])] == [1000, 1001, 1002]
            assert [x.v async for x in Doc.afind_iter({{"v": {{"$gte": 1001}}}}, sort=[("v", -1)])] == [1002, 1001]
            assert (await Doc.afind_one({{"v": 1001}})).v == 1001
            assert await Doc.aupdate_one({{"v": 1000}}, {{"$set": {{"v": 1010}}}}) is True
            assert await Doc.aupdate_many({{"v": {{"$gte": 1001}}}}, {{"$inc": {{"v": 100}}}}) == 3
            assert await Doc.aaggregate([{{"$match": {{"v": {{"$gt": 1100}}}}}}, {{"$count": "n"}}]) == [{{"n": 3}}]
            assert await Doc.adelete_one({{"v": 1110}}) is True
            assert await a.adelete() is False
            assert await Doc.adelete_many({{}}) == 5

        asyncio.run(main())

        # pymongo's ObjectId in a filter of a native mongo_odm collection
        oid = bson.ObjectId()
        assert _core.decode(_core.encode({{"x": oid}}))["x"] == oid
        native = get_database()[{coll_name!r}]
        native.insert_one({{"_id": oid, "k": 1}})
        assert native.find_one({{"_id": oid}})["k"] == 1
        assert str(native.find_one({{"_id": oid}})["_id"]) == str(oid)
        native.drop()
        print("OK")
        """
    )
    env = dict(built["env"])
    env.update({"MONGO_URL": settings.url, "MONGO_DB_NAME": settings.db_name})
    proc = subprocess.run([str(built["python"]), "-c", code], capture_output=True, text=True, timeout=300,
                          cwd=str(built["root"]), env=env)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert proc.stdout.strip().endswith("OK")
