"""Credential hygiene of the Python objects: no repr/str of an object that knows the URL
(MongoClient, Database, Collection, their async twins, MongoConnection, cursors, results) and no
exception (str, repr, args, the formatted chain) shows a password or a key passphrase, in any
form (as given, percent-encoded, or a piece of it).
"""

from __future__ import annotations

import pickle
from urllib.parse import quote

import pytest
from odm_state import reset_singleton
from sec_checks import exception_text

import mongo_odm
from mongo_odm import _core
from mongo_odm._async import AsyncMongoClient
from mongo_odm.client import MongoClient
from mongo_odm.connection import get_mongo_connection
from mongo_odm.errors import ConnectionFailure

DB = "sec_py_redaction"
T = "serverSelectionTimeoutMS=2000"


def shown(obj) -> str:
    return f"{obj!r}\n{obj!s}"


def test_reprs_of_objects_that_know_the_url(sec, no_secret):
    url = sec.url("SEC_AUTH_PORT", userinfo=sec.userinfo, serverSelectionTimeoutMS="2000")
    passphrase = quote(sec["SEC_CLIENT_KEY_PASSWORD"], safe="")
    # the key passphrase in the URL too (a TLS option of a plaintext client is never used)
    client = MongoClient(url, username=sec.user, password=sec.password)
    tls_client = MongoClient(f"mongodb://{sec.userinfo}@localhost:{sec['SEC_MTLS_PORT']}/?tls=true&"
                             f"tlsCertificateKeyFile={sec['SEC_CLIENT_ENCRYPTED_PEM']}&"
                             f"tlsCertificateKeyFilePassword={passphrase}&{T}")
    try:
        db = client[DB]
        coll = db["things"]
        coll.insert_one({"_id": 1})
        result = coll.insert_one({"_id": 2})
        cursor = coll.find({})
        texts = [shown(client), shown(db), shown(coll), shown(result), shown(cursor), shown(tls_client),
                 shown(tls_client[DB]), shown(tls_client[DB]["x"]), shown(client._native),
                 shown(client.admin), shown(coll.database)]
        for text in texts:
            no_secret(text, what="repr")
        assert list(cursor) == [{"_id": 1}, {"_id": 2}]
        coll.drop()
    finally:
        client.close()
        tls_client.close()
    no_secret(shown(client), what="repr of a closed client")


async def test_reprs_of_async_objects(sec, no_secret):
    client = AsyncMongoClient(sec.url("SEC_AUTH_PORT", serverSelectionTimeoutMS="2000"), username=sec.user,
                              password=sec.password)
    try:
        db = client[DB]
        coll = db["things"]
        await coll.insert_one({"_id": 1})
        cursor = coll.find({})
        for text in (shown(client), shown(db), shown(coll), shown(cursor), shown(client.delegate)):
            no_secret(text, what="repr")
        assert await cursor.to_list(None) == [{"_id": 1}]
        await coll.drop()
    finally:
        client.close()


def test_repr_of_the_connection_singleton(sec, no_secret):
    url = sec.url("SEC_AUTH_PORT", serverSelectionTimeoutMS="2000")
    db = mongo_odm.connect(url=url, username=sec.user, password=sec.password, db_name=DB)
    conn = get_mongo_connection()
    for obj in (conn, conn.client, conn.database, db, mongo_odm.get_collection("things")):
        no_secret(shown(obj), what="repr")
    # the same with the credentials written in the URL
    conn.close_connection()
    reset_singleton()
    mongo_odm.connect(url=sec.url("SEC_AUTH_PORT", userinfo=sec.userinfo, serverSelectionTimeoutMS="2000"),
                      db_name=DB)
    conn = get_mongo_connection()
    for obj in (conn, conn.client, conn.database):
        no_secret(shown(obj), what="repr")


@pytest.mark.parametrize("template", [
    # libmongoc refuses these URLs, some quoting what it took for the password
    "mongodb://sec_user:{raw}@127.0.0.1:{port}/",
    "mongodb://sec_user:{enc}@127.0.0.1:{port}/?tls=maybe",
    "mongodb://sec_user:{enc}@127.0.0.1:99999/",
    "mongodb://sec_user:{enc}%ZZ@127.0.0.1:{port}/",
    "mongodb://sec_user:{enc}:{enc}@127.0.0.1:{port}/",
    "mongodb://sec_user:{enc}@127.0.0.1:{port}/bad db",
    "mongodb+srv://sec_user:{enc}@127.0.0.1:{port}/",
    "mongodb://sec_user:{enc}@@127.0.0.1:{port}/",
    "mongodb://sec_user:{enc}@127.0.0.1:{port}/?zlibCompressionLevel=99",
    "mongodb://127.0.0.1:{port}/?tlsCertificateKeyFilePassword={key}&tlsInsecure=true&tlsAllowInvalidCertificates=true",
    "mongodb://127.0.0.1:{port}/?tlsCertificateKeyFilePassword={key}%ZZ",
])
def test_url_password_is_redacted_in_every_error(sec, no_secret, template):
    url = template.format(raw=sec.password, enc=quote(sec.password, safe=""), port=sec["SEC_AUTH_PORT"],
                          key=quote(sec["SEC_CLIENT_KEY_PASSWORD"], safe=""))
    failures = []
    try:
        client = MongoClient(url)
    except Exception as e:  # noqa: BLE001 - any exception type, its text is what matters
        failures.append(e)
    else:
        try:
            client.admin.command("ping")
        except Exception as e:  # noqa: BLE001
            failures.append(e)
        client.close()
    try:
        mongo_odm.connect(url=url, db_name=DB)
    except Exception as e:  # noqa: BLE001
        failures.append(e)
    assert failures, "expected at least one failure"
    for e in failures:
        no_secret(exception_text(e), what=f"{type(e).__name__}")
        no_secret(repr(pickle.loads(pickle.dumps(e))), what="unpickled exception")


@pytest.mark.parametrize("kwargs,exc_type,message", [
    ({"username": 5}, TypeError, "username must be str or None, not int"),
    ({"password": object()}, TypeError, "password must be str or None, not object"),
    ({"password": "pw\udcff"}, ValueError, "password is not valid UTF-8 (it contains a lone surrogate)"),
    ({"password": "pw\x00tail"}, ValueError, "password must not contain NUL characters"),
])
def test_bad_arguments_never_repeat_the_url(sec, no_secret, kwargs, exc_type, message):
    """Regression: pybind11's "incompatible function arguments" TypeError listed every argument
    of the call, the URL (with its password) and the password included; a NUL silently cut the
    password short."""
    url = sec.url("SEC_AUTH_PORT", userinfo=sec.userinfo, serverSelectionTimeoutMS="2000")
    with pytest.raises(exc_type) as info:
        MongoClient(url, **kwargs)
    assert str(info.value) == message
    no_secret(exception_text(info.value), what="MongoClient() error")
    with pytest.raises(exc_type) as info:
        _core.Client(url, **kwargs)
    assert str(info.value) == message
    no_secret(exception_text(info.value), what="_core.Client() error")


def test_bad_connect_arguments_never_repeat_the_url(sec, no_secret):
    url = sec.url("SEC_AUTH_PORT", userinfo=sec.userinfo, serverSelectionTimeoutMS="2000")
    # a URL that is not valid UTF-8 (a lone surrogate)
    with pytest.raises(ValueError) as info:
        MongoClient(url + "\udcff")
    assert str(info.value) == "url is not valid UTF-8 (it contains a lone surrogate)"
    no_secret(exception_text(info.value))
    with pytest.raises(TypeError) as info:
        _core.connect(url, None, None, 5)
    assert str(info.value) == "db_name must be str or None, not int"
    no_secret(exception_text(info.value))
    with pytest.raises(ConnectionError) as info:
        mongo_odm.connect(url=url, db_name=5)
    assert str(info.value) == "Failed to initialize MongoDB connection: db_name must be str or None, not int"
    no_secret(exception_text(info.value))
    with pytest.raises(ConnectionError) as info:
        mongo_odm.connect(url=url, password=sec.password + "\ud800", db_name=DB)
    assert str(info.value) == ("Failed to initialize MongoDB connection: "
                               "password is not valid UTF-8 (it contains a lone surrogate)")
    no_secret(exception_text(info.value))
    # bytes still work as they did (UTF-8)
    client = MongoClient(url, username=sec.user.encode(), password=sec.password.encode())
    assert client.admin.command("ping") == {"ok": 1.0}
    client.close()


def test_wrong_password_error_pickles_without_it(sec, no_secret):
    client = MongoClient(sec.url("SEC_AUTH_PORT", serverSelectionTimeoutMS="2000"), username=sec.user,
                         password="Wr0ng:Passw@rd")
    with pytest.raises(ConnectionFailure) as info:
        client.admin.command("ping")
    client.close()
    again = pickle.loads(pickle.dumps(info.value))
    # a refused login is AuthenticationFailed (OperationFailure code 18, also a ConnectionFailure)
    assert type(again) is type(info.value) and str(again) == str(info.value)
    assert again.code == 18 and again.details == info.value.details
    no_secret(exception_text(info.value) + repr(again), "Wr0ng:Passw@rd")
