"""Authentication against FerretDB's SCRAM mode (instance sec-auth: user sec_user in admin, a
password full of characters a URL must percent-encode).

The right password works (default mechanism, SCRAM-SHA-256 and SCRAM-SHA-1 named explicitly,
credentials in the URL, as arguments, from the environment); a wrong password, an unknown user
and a user without a password fail with ConnectionFailure (ConnectionError from connect()); a
client without credentials connects (ping needs no authentication) and its operations fail with
OperationFailure code 13 (Unauthorized). No message holds a password.
"""

from __future__ import annotations

import time
from typing import Optional

import pytest

import mongo_odm
from mongo_odm import MongoBaseModel
from mongo_odm._async import AsyncMongoClient
from mongo_odm.client import MongoClient
from sec_checks import exception_text

from mongo_odm.errors import (
    AuthenticationFailed,
    BulkWriteError,
    ConnectionFailure,
    OperationFailure,
    ServerSelectionTimeoutError,
)

DB = "sec_py_auth"
T = {"serverSelectionTimeoutMS": "2000"}
AUTH_FAILED = "Authentication failed."
NO_PASSWORD = "Authentication failed: a username without a password (SCRAM and PLAIN authentication need one)"


class Item(MongoBaseModel):
    class Settings:
        name = "sec_items"

    name: str
    n: Optional[int] = None


def roundtrip(client: MongoClient) -> None:
    coll = client[DB]["sec_roundtrip"]
    try:
        coll.insert_one({"_id": 1, "v": "x"})
        assert coll.find_one({"_id": 1}) == {"_id": 1, "v": "x"}
        assert coll.count_documents({}) == 1
    finally:
        coll.drop()


def assert_client_works(url: str, **kwargs) -> None:
    client = MongoClient(url, **kwargs)
    try:
        assert client.admin.command("ping") == {"ok": 1.0}
        assert isinstance(client.list_database_names(), list)  # needs an authenticated user
        roundtrip(client)
    finally:
        client.close()


# ------------------------------------------------------------------------------ the right password
def test_credentials_in_the_url(sec):
    assert_client_works(sec.url("SEC_AUTH_PORT", userinfo=sec.userinfo, **T))
    assert_client_works(sec.url("SEC_AUTH_PORT", host="localhost", userinfo=sec.userinfo, authSource="admin", **T))


def test_scram_sha_256_named_explicitly(sec):
    assert_client_works(sec.url("SEC_AUTH_PORT", userinfo=sec.userinfo, authMechanism="SCRAM-SHA-256", **T))
    # the mechanism in the URL, the credentials as arguments (regression: refused as an invalid
    # URL, "'SCRAM-SHA-256' authentication mechanism requires username")
    assert_client_works(sec.url("SEC_AUTH_PORT", authMechanism="SCRAM-SHA-256", **T), username=sec.user,
                        password=sec.password)
    # ... or as pymongo-style keyword options
    assert_client_works(sec.url("SEC_AUTH_PORT"), username=sec.user, password=sec.password,
                        authMechanism="SCRAM-SHA-256", serverSelectionTimeoutMS=2000)
    assert_client_works(sec.url("SEC_AUTH_PORT", userinfo=sec.userinfo, authMechanism="SCRAM-SHA-1", **T))


def test_credentials_as_arguments_override_the_url(sec):
    assert_client_works(sec.url("SEC_AUTH_PORT", **T), username=sec.user, password=sec.password)
    assert_client_works(sec.url("SEC_AUTH_PORT", userinfo="someone:wrong", **T), username=sec.user,
                        password=sec.password)


def test_connect_and_models_with_credentials(sec):
    db = mongo_odm.connect(url=sec.url("SEC_AUTH_PORT", authMechanism="SCRAM-SHA-256", **T), username=sec.user,
                           password=sec.password, db_name=DB)
    assert db.name == DB
    try:
        item = Item(name="a", n=1)
        item.save()
        assert Item.get(item.id).n == 1
        assert Item.count() == 1
    finally:
        db.drop_collection("sec_items")


def test_connect_from_the_environment(sec, monkeypatch):
    # MONGO_USER / MONGO_PASSWORD with authMechanism in MONGO_URL (the regression above, through
    # the lightodm-style environment)
    monkeypatch.setenv("MONGO_URL", sec.url("SEC_AUTH_PORT", authMechanism="SCRAM-SHA-256", **T))
    monkeypatch.setenv("MONGO_USER", sec.user)
    monkeypatch.setenv("MONGO_PASSWORD", sec.password)
    monkeypatch.setenv("MONGO_DB_NAME", DB)
    assert mongo_odm.get_database().command("ping") == {"ok": 1.0}
    assert Item.count() == 0


async def test_async_client_with_credentials(sec):
    client = AsyncMongoClient(sec.url("SEC_AUTH_PORT", **T), username=sec.user, password=sec.password)
    try:
        assert await client.admin.command("ping") == {"ok": 1.0}
        coll = client[DB]["sec_async"]
        await coll.insert_one({"_id": 1})
        assert await coll.count_documents({}) == 1
        await coll.drop()
    finally:
        client.close()
    mongo_odm.connect(url=sec.url("SEC_AUTH_PORT", **T), username=sec.user, password=sec.password, db_name=DB)
    adb = await mongo_odm.get_async_database()
    assert await adb.command("ping") == {"ok": 1.0}
    assert await Item.acount() == 0


# ------------------------------------------------------------------------------ failures
def assert_connect_fails(no_secret, message: str, *extra: str, **kwargs) -> None:
    start = time.monotonic()
    with pytest.raises(ConnectionError) as info:
        mongo_odm.connect(db_name=DB, **kwargs)
    # 2.5x the longest a failing connect may wait (T's 2 s selection timeout; a refused login
    # ends sooner): safe under load on a 2-core machine, which adds scheduling delays of tens to
    # hundreds of ms; still fails a connect that hangs on a refused login (libmongoc's 30 s).
    assert time.monotonic() - start < 5
    e = info.value
    assert type(e) is ConnectionError  # lightodm's own error, wrapping the library's
    cause = e.__cause__
    assert_refused_login(cause, f"Failed to initialize MongoDB connection: {message}")
    assert str(e).startswith(f"Failed to initialize MongoDB connection: {message}"), str(e)
    no_secret(exception_text(e), *extra, what="connect() error")


def assert_refused_login(e: BaseException, message: str) -> None:
    """A refused login is pymongo's OperationFailure with code 18 (issue 16): AuthenticationFailed,
    also a ConnectionFailure (a ConnectionError, as lightodm raises); its text is the message,
    then ", full error: " and the server's reply (pymongo's shape)."""
    assert type(e) is AuthenticationFailed, f"{type(e).__name__}: {e}"
    assert isinstance(e, OperationFailure) and isinstance(e, ConnectionFailure) and isinstance(e, ConnectionError)
    assert e.code == 18, e.details
    assert e._message == message
    assert e.details and e.details.get("codeName") == "AuthenticationFailed", e.details
    assert str(e) == f"{message}, full error: {e.details!r}"


def assert_client_fails(no_secret, url: str, message: str, *extra: str, **kwargs) -> None:
    client = MongoClient(url, **kwargs)  # no server call yet
    try:
        for op, prefix in ((lambda: client.admin.command("ping"), "command: "),
                           (lambda: client.list_database_names(), "command: "),
                           (lambda: client[DB]["x"].insert_one({"a": 1}), "insert_one: "),
                           (lambda: client[DB]["x"].find_one({}), "find_one: ")):
            with pytest.raises(ConnectionFailure) as info:
                op()
            e = info.value
            assert_refused_login(e, message.removeprefix("ping: "))
            no_secret(exception_text(e), *extra, what="operation error")
    finally:
        client.close()


def test_wrong_password(sec, no_secret):
    wrong = "Wr0ngPassw:rd@x"
    url = sec.url("SEC_AUTH_PORT", **T)
    assert_connect_fails(no_secret, f"ping: {AUTH_FAILED}", wrong, url=url, username=sec.user, password=wrong)
    assert_client_fails(no_secret, url, AUTH_FAILED, wrong, username=sec.user, password=wrong)
    from urllib.parse import quote

    in_url = sec.url("SEC_AUTH_PORT", userinfo=f"{sec.user}:{quote(wrong, safe='')}", authMechanism="SCRAM-SHA-256", **T)
    assert_connect_fails(no_secret, f"ping: {AUTH_FAILED}", wrong, url=in_url)
    assert_client_fails(no_secret, in_url, AUTH_FAILED, wrong)


def test_unknown_user(sec, no_secret):
    url = sec.url("SEC_AUTH_PORT", **T)
    assert_connect_fails(no_secret, f"ping: {AUTH_FAILED}", url=url, username="no_such_user", password=sec.password)
    assert_client_fails(no_secret, url, AUTH_FAILED, username="no_such_user", password=sec.password)


def test_user_without_password(sec, no_secret):
    """Regression: "mongodb://user@host" crashed the process (libmongoc 1.23 read the NULL
    password in SCRAM); an empty password gave an INTERNAL error (PyMongoError)."""
    for mechanism in (None, "SCRAM-SHA-256", "SCRAM-SHA-1"):
        options = dict(T, **({"authMechanism": mechanism} if mechanism else {}))
        in_url = sec.url("SEC_AUTH_PORT", userinfo=sec.user, **options)
        assert_connect_fails(no_secret, NO_PASSWORD, url=in_url)
        assert_client_fails(no_secret, in_url, NO_PASSWORD)
        empty = sec.url("SEC_AUTH_PORT", userinfo=f"{sec.user}:", **options)
        assert_client_fails(no_secret, empty, NO_PASSWORD)
        bare = sec.url("SEC_AUTH_PORT", **options)
        assert_connect_fails(no_secret, NO_PASSWORD, url=bare, username=sec.user)
        assert_client_fails(no_secret, bare, NO_PASSWORD, username=sec.user)
        assert_client_fails(no_secret, bare, NO_PASSWORD, username=sec.user, password="")


async def test_async_failures(sec, no_secret):
    client = AsyncMongoClient(sec.url("SEC_AUTH_PORT", **T), username=sec.user, password="wrong-one")
    try:
        with pytest.raises(ConnectionFailure) as info:
            await client.admin.command("ping")
        assert_refused_login(info.value, AUTH_FAILED)
        no_secret(exception_text(info.value), "wrong-one")
    finally:
        client.close()
    # the singleton's async side (its own pool) with a user without a password: the instance is
    # made without its sync connect, which would fail first
    from mongo_odm.connection import MongoConnection

    MongoConnection._pending_params = {"url": sec.url("SEC_AUTH_PORT", userinfo=sec.user, **T), "db_name": DB}
    conn = MongoConnection.__new__(MongoConnection)
    with pytest.raises(ConnectionError) as info:
        await conn.get_async_client()
    assert str(info.value).startswith(f"Failed to initialize MongoDB (async) connection: {NO_PASSWORD}"), str(info.value)


def test_password_refused_by_saslprep(sec, no_secret):
    """Regression: SCRAM's own refusal (SASLprep prohibits control characters) was an INTERNAL
    error (PyMongoError), not an authentication failure."""
    bad = "Bell\x07Passw0rd"
    url = sec.url("SEC_AUTH_PORT", authMechanism="SCRAM-SHA-256", **T)
    client = MongoClient(url, username=sec.user, password=bad)
    try:
        with pytest.raises(ConnectionFailure) as info:
            client.admin.command("ping")
        assert type(info.value) is ConnectionFailure
        assert str(info.value) == "command: could not calculate SASLPrep length of password"
        no_secret(str(info.value), bad)
    finally:
        client.close()


def test_x509_without_tls_is_refused_up_front(sec):
    """Regression: authMechanism=MONGODB-X509 without TLS crashed libmongoc's monitor thread."""
    with pytest.raises(ValueError) as info:
        MongoClient(sec.url("SEC_AUTH_PORT", authMechanism="MONGODB-X509", **T), username="CN=someone")
    assert str(info.value) == (
        "authMechanism=MONGODB-X509 needs TLS: set tls=true and tlsCertificateKeyFile in the URL")


# ------------------------------------------------------------------------------ no credentials
def assert_unauthorized(call, message: str) -> OperationFailure:
    with pytest.raises(OperationFailure) as info:
        call()
    e = info.value
    assert type(e) is OperationFailure, f"{type(e).__name__}: {e}"
    assert e.code == 13
    assert e._message == message
    return e


def test_no_credentials_then_operations_are_unauthorized(sec):
    db = mongo_odm.connect(url=sec.url("SEC_AUTH_PORT", **T), db_name=DB)  # ping needs no user
    assert db.command("ping") == {"ok": 1.0}
    coll = db["sec_unauthorized"]
    # pymongo's shape (issue 16): the server's errmsg, without the library's "<operation>: " prefix
    e = assert_unauthorized(lambda: db.command("listCollections"), "Command listCollections requires authentication")
    assert e.details["codeName"] == "Unauthorized"
    assert_unauthorized(lambda: coll.insert_one({"a": 1}), "Command insert requires authentication")
    assert_unauthorized(lambda: coll.find_one({}), "Command find requires authentication")
    assert_unauthorized(lambda: list(coll.find({})), "Command find requires authentication")
    assert_unauthorized(lambda: coll.count_documents({}), "Command aggregate requires authentication")
    assert_unauthorized(lambda: coll.update_one({}, {"$set": {"a": 2}}), "Command update requires authentication")
    assert_unauthorized(lambda: coll.delete_many({}), "Command delete requires authentication")
    # Regression: a command refused as a whole was reported as a BulkWriteError with a made-up
    # writeErrors entry; pymongo raises OperationFailure.
    e = assert_unauthorized(lambda: coll.insert_many([{"a": 1}, {"a": 2}]), "Command insert requires authentication")
    assert not isinstance(e, BulkWriteError)
    # the models on the default connection
    assert_unauthorized(lambda: Item(name="x").save(), "Command update requires authentication")
    assert_unauthorized(lambda: Item.find({}), "Command find requires authentication")
    assert_unauthorized(lambda: Item.get("x"), "Command find requires authentication")
    assert_unauthorized(lambda: Item.count(), "Command aggregate requires authentication")
    assert_unauthorized(lambda: Item.insert_many([Item(name="y")]), "Command insert requires authentication")


async def test_no_credentials_async_operations_are_unauthorized(sec):
    mongo_odm.connect(url=sec.url("SEC_AUTH_PORT", **T), db_name=DB)
    with pytest.raises(OperationFailure) as info:
        await Item(name="x").asave()
    assert type(info.value) is OperationFailure and info.value.code == 13
    adb = await mongo_odm.get_async_database()
    with pytest.raises(OperationFailure) as info:
        await adb["sec_unauthorized"].insert_one({"a": 1})
    assert type(info.value) is OperationFailure and info.value.code == 13
    with pytest.raises(OperationFailure) as info:
        await Item.afind({})
    assert info.value.code == 13


def test_unreachable_server_with_credentials(sec, no_secret):
    url = f"mongodb://{sec.userinfo}@127.0.0.1:1/?serverSelectionTimeoutMS=300"
    with pytest.raises(ConnectionError) as info:
        mongo_odm.connect(url=url, db_name=DB)
    assert type(info.value.__cause__) is ServerSelectionTimeoutError
    no_secret(exception_text(info.value), what="unreachable server error")
