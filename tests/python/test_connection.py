"""The MongoConnection singleton and the module-level connection helpers."""

import asyncio
import os
import textwrap
import threading

import pytest

import mongo_odm
import mongo_odm.connection as conn_module
from ferretdb_ctl import Server
from helpers import UNREACHABLE_URL, run_python, run_threads, with_url_option
from mongo_odm import MongoBaseModel, MongoConnection, connect, get_mongo_connection
from mongo_odm import get_async_client, get_async_database, get_client, get_collection, get_database
from mongo_odm._async import AsyncMongoClient
from mongo_odm.client import Database, MongoClient


def test_class_attributes_exist_and_start_empty():
    assert MongoConnection._instance is None
    assert MongoConnection._client is None
    assert MongoConnection._db is None
    assert MongoConnection._async_client is None
    assert isinstance(MongoConnection._lock, type(threading.Lock()))
    assert conn_module._mongo_conn is None


def test_singleton_same_instance():
    a = MongoConnection()
    b = MongoConnection()
    assert a is b
    assert MongoConnection._instance is a
    assert get_mongo_connection() is a
    assert conn_module._mongo_conn is a
    assert isinstance(a.client, MongoClient)
    assert isinstance(a.database, Database)
    assert a.client is b.client


def test_singleton_thread_safe_creation():
    barrier = threading.Barrier(16)
    seen = []
    errors = []

    def create():
        try:
            barrier.wait()
            seen.append(MongoConnection())
        except Exception as e:  # pragma: no cover - reported below
            errors.append(e)

    run_threads(create, 16)
    assert errors == []
    assert len(seen) == 16 and all(s is seen[0] for s in seen)


def test_module_helpers(settings, coll_name):
    db = get_database()
    assert db.name == settings.db_name
    assert get_client().admin.command("ping") == {"ok": 1.0}
    coll = get_collection(coll_name)
    assert coll.name == coll_name
    assert coll.database is db
    assert get_mongo_connection().get_collection(coll_name) == coll
    coll.insert_one({"x": 1})
    assert db[coll_name].count_documents({}) == 1


def test_properties_reinitialize_after_close():
    conn = MongoConnection()
    first_client = conn.client
    conn.close_connection()
    assert conn._client is None and conn._db is None and conn._async_client is None
    # client re-initializes
    assert conn.client.admin.command("ping") == {"ok": 1.0}
    assert conn.client is not first_client
    conn.close_connection()
    # database re-initializes
    assert conn.database.command("ping") == {"ok": 1.0}
    conn.close_connection()
    # get_collection re-initializes
    assert conn.get_collection("whatever").name == "whatever"


def test_client_attribute_set_to_none_reinitializes():
    conn = MongoConnection()
    conn._client = None
    assert conn.client.admin.command("ping")["ok"] == 1.0
    conn._db = None
    assert conn.database.command("ping")["ok"] == 1.0


class _BrokenClose:
    """Wraps a client: closes it for real, then raises like a failing close."""

    def __init__(self, inner):
        self.inner = inner
        self.closed = False

    def close(self):
        self.inner.close()
        self.closed = True
        raise RuntimeError("close failed")


async def test_close_connection_swallows_errors_and_clears():
    conn = MongoConnection()
    await conn.get_async_client()
    broken_sync = _BrokenClose(conn._client)
    broken_async = _BrokenClose(conn._async_client)
    conn._client = broken_sync
    conn._async_client = broken_async
    conn.close_connection()  # must not raise
    assert broken_sync.closed and broken_async.closed
    assert conn._client is None and conn._db is None and conn._async_client is None
    conn.close_connection()  # nothing left to close: still fine
    assert conn.client.admin.command("ping")["ok"] == 1.0


async def test_async_client_singleton_and_concurrency(settings):
    clients = await asyncio.gather(*(get_async_client() for _ in range(20)))
    assert all(c is clients[0] for c in clients)
    assert isinstance(clients[0], AsyncMongoClient)
    assert MongoConnection._instance._async_client is clients[0]
    db = await get_async_database()
    assert db.name == settings.db_name
    assert (await get_async_database("named")).name == "named"
    assert await clients[0].admin.command("ping") == {"ok": 1.0}


# ------------------------------------------------------------------------------ connect() parameters
def test_connect_with_explicit_parameters_keeps_password_out_of_environ(settings, monkeypatch, coll_name):
    for var in ("MONGO_URL", "MONGO_USER", "MONGO_PASSWORD", "MONGO_DB_NAME"):
        monkeypatch.delenv(var, raising=False)
    db = connect(url=settings.url, username=settings.user, password=settings.password, db_name=settings.db_name)
    assert db.name == settings.db_name
    assert db.command("ping") == {"ok": 1.0}
    assert "MONGO_PASSWORD" not in os.environ
    assert "MONGO_URL" not in os.environ
    if settings.password:
        assert all(settings.password not in value for value in os.environ.values())

    class Thing(MongoBaseModel):
        class Settings:
            name = coll_name

        v: int

    t = Thing(v=1)
    t.save()
    assert Thing.get(t.id) == t
    # re-initialization after close uses the parameters kept in memory
    get_mongo_connection().close_connection()
    assert Thing.count() == 1
    assert "MONGO_PASSWORD" not in os.environ


async def test_connect_parameters_used_by_async_side(settings, monkeypatch):
    for var in ("MONGO_URL", "MONGO_USER", "MONGO_PASSWORD", "MONGO_DB_NAME"):
        monkeypatch.delenv(var, raising=False)
    connect(url=settings.url, username=settings.user, password=settings.password, db_name="async_named_db")
    db = await get_async_database()
    assert db.name == "async_named_db"
    assert await db.command("ping") == {"ok": 1.0}


def test_connect_arguments_override_environment(settings, monkeypatch):
    monkeypatch.setenv("MONGO_DB_NAME", "from_env")
    assert connect(db_name="from_argument").name == "from_argument"


def test_connect_returns_existing_connection(settings):
    first = connect()
    assert connect(db_name="ignored_while_connected") is first


def test_environment_database_name(monkeypatch):
    monkeypatch.setenv("MONGO_DB_NAME", "env_db_name")
    assert get_database().name == "env_db_name"


def test_missing_url_is_value_error(monkeypatch):
    monkeypatch.delenv("MONGO_URL")
    with pytest.raises(ValueError, match="MongoDB connection parameters"):
        MongoConnection()
    with pytest.raises(ValueError, match="MongoDB connection parameters"):
        get_database()
    with pytest.raises(ValueError, match="MongoDB connection parameters"):
        connect()


async def test_missing_url_async(monkeypatch):
    # a connection made while the URL was known, then the URL disappears before the async side starts
    conn = MongoConnection()
    monkeypatch.delenv("MONGO_URL")
    with pytest.raises(ValueError, match="MongoDB connection parameters"):
        await conn.get_async_client()


def test_unreachable_server_is_connection_error(monkeypatch):
    monkeypatch.setenv("MONGO_URL", UNREACHABLE_URL)
    with pytest.raises(ConnectionError, match="Failed to initialize MongoDB"):
        MongoConnection()
    reset_and_retry = MongoConnection._instance
    assert reset_and_retry is not None and reset_and_retry._client is None


async def test_unreachable_server_async(monkeypatch):
    monkeypatch.setenv("MONGO_URL", UNREACHABLE_URL)
    conn = MongoConnection.__new__(MongoConnection)  # the instance without the sync connection
    with pytest.raises(ConnectionError, match="Failed to initialize MongoDB"):
        await conn.get_async_client()
    assert conn._async_client is None


def test_wrong_password_is_connection_error_without_password(settings, monkeypatch):
    secret = "Wr0ng-pa55word-that-must-not-leak"
    monkeypatch.setenv("MONGO_URL", with_url_option(settings.url, "serverSelectionTimeoutMS", 2000))
    monkeypatch.setenv("MONGO_PASSWORD", secret)
    monkeypatch.setenv("MONGO_USER", settings.user or "odm")
    with pytest.raises(ConnectionError) as info:
        MongoConnection()
    texts = [str(info.value), repr(info.value)]
    cause = info.value.__cause__
    while cause is not None:
        texts += [str(cause), repr(cause)]
        cause = cause.__cause__
    assert all(secret not in t for t in texts)
    assert "Failed to initialize MongoDB" in str(info.value)


def test_atexit_close_in_subprocess(coll_name):
    code = textwrap.dedent(
        f"""
        from mongo_odm import MongoBaseModel
        class Doc(MongoBaseModel):
            class Settings:
                name = {coll_name!r}
            v: int = 1
        print(Doc().save())
        # exit without closing anything: the atexit handler closes the connection
        """
    )
    proc = run_python(code)
    assert proc.returncode == 0, proc.stderr
    assert proc.stderr == ""
    doc_id = proc.stdout.strip()
    assert get_database()[coll_name].find_one({"_id": doc_id}) == {"_id": doc_id, "v": 1}


# ------------------------------------------------------------------------------ a server without authentication
@pytest.fixture(scope="module")
def noauth_env():
    server = Server("noauth", auth=False).start()
    yield server.env
    server.stop()


def test_server_without_auth_needs_no_credentials(noauth_env, monkeypatch):
    assert "MONGO_USER" not in noauth_env and "MONGO_PASSWORD" not in noauth_env
    monkeypatch.delenv("MONGO_USER", raising=False)
    monkeypatch.delenv("MONGO_PASSWORD", raising=False)
    monkeypatch.setenv("MONGO_URL", noauth_env["MONGO_URL"])
    monkeypatch.setenv("MONGO_DB_NAME", "noauth_db")

    class Open(MongoBaseModel):
        class Settings:
            name = "open_docs"

        v: int

    try:
        assert get_client().admin.command("ping") == {"ok": 1.0}
        o = Open(v=5)
        o.save()
        assert Open.get(o.id) == o
        assert get_database().name == "noauth_db"
    finally:
        Open.get_collection().drop()


async def test_server_without_auth_async_and_connect(noauth_env, monkeypatch):
    for var in ("MONGO_URL", "MONGO_USER", "MONGO_PASSWORD", "MONGO_DB_NAME"):
        monkeypatch.delenv(var, raising=False)
    db = connect(url=noauth_env["MONGO_URL"], db_name="noauth_db2")
    assert db.command("ping") == {"ok": 1.0}
    adb = await get_async_database()
    assert adb.name == "noauth_db2"
    coll = adb["c"]
    try:
        await coll.insert_one({"_id": 1})
        assert await coll.find_one({"_id": 1}) == {"_id": 1}
    finally:
        await coll.drop()


def test_own_client_without_credentials(noauth_env):
    with MongoClient(noauth_env["MONGO_URL"]) as client:
        assert client.admin.command("ping") == {"ok": 1.0}


def test_version_and_public_names():
    assert isinstance(mongo_odm.__version__, str) and mongo_odm.__version__
    for name in ["MongoBaseModel", "generate_id", "generate_composite_id", "MongoConnection", "connect",
                 "get_mongo_connection", "get_collection", "get_database", "get_client", "get_async_client",
                 "get_async_database", "ObjectId", "errors", "__version__"]:
        assert hasattr(mongo_odm, name), name
        assert name in mongo_odm.__all__, name
