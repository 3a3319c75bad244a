"""TLS against FerretDB's --listen-tls (certificates made with openssl at test time):

* ``sec-auth``: a certificate of the test CA for localhost / 127.0.0.1 (and SCRAM);
* ``sec-host``: a certificate of the test CA for another host name;
* ``sec-mtls``: client certificates of the test CA required.

The client verifies the server with tlsCAFile and refuses a server of another CA, or one whose
certificate names another host, unless tlsAllowInvalidCertificates / tlsAllowInvalidHostnames
(or tlsInsecure) allows it; mutual TLS works with tlsCertificateKeyFile (also an encrypted key
with tlsCertificateKeyFilePassword) and fails without a certificate or with one of another CA.
Every TLS failure is a ConnectionFailure (ServerSelectionTimeoutError) within the
server-selection timeout; no message holds a password or the key's passphrase.
"""

from __future__ import annotations

import os
import pty
import select
import sys
import time
from urllib.parse import quote

import pytest
from sec_checks import exception_text

import mongo_odm
from mongo_odm import MongoBaseModel
from mongo_odm._async import AsyncMongoClient
from mongo_odm.client import MongoClient
from mongo_odm.errors import ConnectionFailure, ServerSelectionTimeoutError

DB = "sec_py_tls"
# Small timeouts, as tests/c/test_sec_tls.c's: server selection gives up after 3 s, long enough
# for the first TLS handshake to fail and its reason to be recorded on a loaded machine (with
# 500 ms the C suite saw the bare "serverSelectionTimeoutMS expired" now and then, without the
# reason); connectTimeoutMS bounds a handshake the server leaves hanging (closing a pool waits for
# libmongoc's monitor thread).
T = {"serverSelectionTimeoutMS": "3000", "connectTimeoutMS": "2000"}
# A failing connect waits at most the 3 s selection + the 2 s connect timeout. Safe on a loaded
# 2-core machine: 10 s leaves 5 s of slack for scheduling delays of tens to hundreds of ms, and
# still fails a handshake that hangs (libmongoc's own defaults: 30 s, 10 s).
MAX_FAILURE_SECONDS = 10.0
# Under load a handshake can outlast connectTimeoutMS, and the error then names the timeout
# ("timed out calling hello") instead of the reason: such an attempt is inconclusive (neither
# the expected refusal nor a connection), so it is made again with wider timeouts, at most
# REFUSED_ATTEMPTS times in all; only the expected reason passes.
REFUSED_ATTEMPTS = 3
RETRY_T = {"serverSelectionTimeoutMS": "10000", "connectTimeoutMS": "8000"}
RETRY_MAX_FAILURE_SECONDS = 36.0  # 10 s + 8 s, doubled, as above


class TlsItem(MongoBaseModel):
    class Settings:
        name = "sec_tls_items"

    name: str


def tls(sec, port_key: str, host: str = "127.0.0.1", ca: str = "SEC_CA_FILE", userinfo=None, **options) -> str:
    opts = dict(T, tls="true")
    if ca:
        opts["tlsCAFile"] = sec[ca]
    opts.update(options)
    return sec.url(port_key, host=host, userinfo=userinfo, **opts)


def auth_tls(sec, host: str = "127.0.0.1", ca: str = "SEC_CA_FILE", **options) -> str:
    """The TLS port of the SCRAM instance, with its credentials."""
    return tls(sec, "SEC_AUTH_TLS_PORT", host=host, ca=ca, userinfo=sec.userinfo, **options)


def assert_works(url: str, **kwargs) -> None:
    client = MongoClient(url, **kwargs)
    try:
        assert client.admin.command("ping") == {"ok": 1.0}
        coll = client[DB]["sec_tls_roundtrip"]
        coll.insert_one({"_id": 1, "over": "tls"})
        assert coll.find_one({}) == {"_id": 1, "over": "tls"}
        coll.drop()
    finally:
        client.close()


def widened(url: str) -> str:
    """`url` with the retry timeouts instead of T's."""
    for key, value in T.items():
        url = url.replace(f"{key}={value}", f"{key}={RETRY_T[key]}")
    return url


def inconclusive(e: BaseException, reason) -> bool:
    """A refusal that timed out before the handshake's reason was recorded."""
    return bool(reason) and reason not in str(e) and "timed out" in str(e)


def assert_refused(no_secret, url: str, reason=None, *extra: str, **kwargs) -> None:
    """connect() raises ConnectionError (from ServerSelectionTimeoutError), a client's operation
    ServerSelectionTimeoutError, both in time, naming `reason` when given, without secrets."""
    bound = MAX_FAILURE_SECONDS
    for attempt in range(REFUSED_ATTEMPTS):
        start = time.monotonic()
        with pytest.raises(ConnectionError) as info:
            mongo_odm.connect(url=url, db_name=DB)
        assert time.monotonic() - start < bound
        if attempt + 1 < REFUSED_ATTEMPTS and inconclusive(info.value, reason):
            url, bound = widened(url), RETRY_MAX_FAILURE_SECONDS
            continue
        break
    e = info.value
    assert type(e) is ConnectionError
    assert str(e).startswith("Failed to initialize MongoDB connection: "
                             "ping: No suitable servers found: `serverSelectionTimeoutMS` expired")
    assert type(e.__cause__) is ServerSelectionTimeoutError
    if reason:
        assert reason in str(e)
    no_secret(exception_text(e), *extra, what="connect() error")

    for attempt in range(REFUSED_ATTEMPTS):
        client = MongoClient(url, **kwargs)
        try:
            start = time.monotonic()
            with pytest.raises(ServerSelectionTimeoutError) as info:
                client[DB]["x"].find_one({})
            assert time.monotonic() - start < bound
        finally:
            client.close()
        if attempt + 1 < REFUSED_ATTEMPTS and inconclusive(info.value, reason):
            url, bound = widened(url), RETRY_MAX_FAILURE_SECONDS
            continue
        break
    assert isinstance(info.value, ConnectionFailure) and isinstance(info.value, ConnectionError)
    assert info.value.timeout is True
    if reason:
        assert reason in str(info.value)
    no_secret(exception_text(info.value), *extra, what="operation error")


# ------------------------------------------------------------------------------ server certificate
@pytest.mark.parametrize("host", ["127.0.0.1", "localhost"])
def test_ca_file_verifies_the_server(sec, host):
    assert_works(auth_tls(sec, host=host))
    assert_works(auth_tls(sec, host=host, authMechanism="SCRAM-SHA-256"))


def test_tls_options_as_keyword_arguments(sec):
    assert_works(sec.url("SEC_AUTH_TLS_PORT", host="localhost"), username=sec.user, password=sec.password, tls=True,
                 tlsCAFile=sec["SEC_CA_FILE"], serverSelectionTimeoutMS=int(T["serverSelectionTimeoutMS"]))


def test_connect_and_models_over_tls(sec):
    db = mongo_odm.connect(url=auth_tls(sec, host="localhost"), db_name=DB)
    try:
        TlsItem(name="a").save()
        assert TlsItem.count() == 1
    finally:
        db.drop_collection("sec_tls_items")


async def test_async_client_over_tls(sec):
    client = AsyncMongoClient(auth_tls(sec, host="localhost"))
    try:
        assert await client.admin.command("ping") == {"ok": 1.0}
    finally:
        client.close()


def test_server_of_an_untrusted_ca_is_refused(sec, no_secret):
    assert_refused(no_secret, auth_tls(sec, ca="SEC_OTHER_CA_FILE"),
                   "TLS handshake failed: certificate verify failed (20): unable to get local issuer certificate")
    # the system's CAs do not know the test CA either
    assert_refused(no_secret, auth_tls(sec, host="localhost", ca=None), "certificate verify failed")
    # allowing another host name does not allow an untrusted certificate
    assert_refused(no_secret, auth_tls(sec, host="localhost", ca="SEC_OTHER_CA_FILE", tlsAllowInvalidHostnames="true"),
                   "certificate verify failed")


def test_allow_invalid_certificates_accepts_an_untrusted_server(sec):
    assert_works(auth_tls(sec, ca="SEC_OTHER_CA_FILE", tlsAllowInvalidCertificates="true"))
    assert_works(auth_tls(sec, host="localhost", ca=None, tlsInsecure="true"))
    assert_works(auth_tls(sec, ca="SEC_OTHER_CA_FILE"), tlsAllowInvalidCertificates=True)


def test_certificate_for_another_host_is_refused(sec, no_secret):
    assert_refused(no_secret, tls(sec, "SEC_HOST_TLS_PORT", host="127.0.0.1"),
                   "certificate verify failed (64): IP address mismatch")
    assert_refused(no_secret, tls(sec, "SEC_HOST_TLS_PORT", host="localhost"),
                   "certificate verify failed (62): hostname mismatch")


@pytest.mark.parametrize("host", ["127.0.0.1", "localhost"])
def test_allow_invalid_hostnames_accepts_another_host(sec, host):
    assert_works(tls(sec, "SEC_HOST_TLS_PORT", host=host, tlsAllowInvalidHostnames="true"))
    assert_works(tls(sec, "SEC_HOST_TLS_PORT", host=host, tlsAllowInvalidCertificates="true"))


def test_plaintext_and_tls_do_not_mix(sec, no_secret):
    assert_refused(no_secret, sec.url("SEC_AUTH_TLS_PORT", userinfo=sec.userinfo, **T))
    assert_refused(no_secret, tls(sec, "SEC_AUTH_PORT"))


# ------------------------------------------------------------------------------ mutual TLS
def test_client_certificate_is_accepted(sec):
    assert_works(tls(sec, "SEC_MTLS_PORT", host="localhost", tlsCertificateKeyFile=sec["SEC_CLIENT_PEM"]))
    db = mongo_odm.connect(url=tls(sec, "SEC_MTLS_PORT", tlsCertificateKeyFile=sec["SEC_CLIENT_PEM"]), db_name=DB)
    assert db.command("ping") == {"ok": 1.0}


def test_no_or_untrusted_client_certificate_is_refused(sec, no_secret):
    assert_refused(no_secret, tls(sec, "SEC_MTLS_PORT", host="localhost"))
    assert_refused(no_secret, tls(sec, "SEC_MTLS_PORT", tlsCertificateKeyFile=sec["SEC_OTHER_CLIENT_PEM"]))


def test_encrypted_client_key_with_its_passphrase(sec, no_secret, capfd):
    passphrase = sec["SEC_CLIENT_KEY_PASSWORD"]
    url = tls(sec, "SEC_MTLS_PORT", host="localhost", tlsCertificateKeyFile=sec["SEC_CLIENT_ENCRYPTED_PEM"],
              tlsCertificateKeyFilePassword=quote(passphrase, safe=""))
    assert_works(url)
    # the passphrase as a keyword option (percent-encoded into the URL by MongoClient)
    assert_works(tls(sec, "SEC_MTLS_PORT", tlsCertificateKeyFile=sec["SEC_CLIENT_ENCRYPTED_PEM"]),
                 tlsCertificateKeyFilePassword=passphrase)
    # a wrong passphrase: the key does not load; no message shows either passphrase, also at
    # debug level
    mongo_odm.set_log_level("debug")
    wrong = "Wr0ngKeyPassphrase"
    assert_refused(no_secret, tls(sec, "SEC_MTLS_PORT", tlsCertificateKeyFile=sec["SEC_CLIENT_ENCRYPTED_PEM"],
                                  tlsCertificateKeyFilePassword=wrong), None, wrong)
    mongo_odm.set_log_level("off")
    err = capfd.readouterr().err
    assert "mongo_odm[error] mongoc: Cannot find private key in:" in err
    no_secret(err, wrong, what="stderr")


_NO_PASSPHRASE_CHILD = r"""
import sys
from mongo_odm.client import MongoClient
from mongo_odm.errors import ServerSelectionTimeoutError
client = MongoClient(sys.argv[1])
try:
    client.admin.command("ping")
    sys.exit(3)
except ServerSelectionTimeoutError:
    pass
client.close()  # joins libmongoc's monitor thread
sys.exit(0)
"""


def test_encrypted_key_without_passphrase_never_prompts(sec):
    """Regression: without tlsCertificateKeyFilePassword, OpenSSL asked for the passphrase on the
    controlling terminal ("Enter PEM pass phrase:") from libmongoc's monitor thread, which then
    blocked reading it: the prompt bypassed the quiet log, and close() hung for good. The child
    runs on a pseudo-terminal; it must finish by itself and print nothing there."""
    url = tls(sec, "SEC_MTLS_PORT", host="localhost", tlsCertificateKeyFile=sec["SEC_CLIENT_ENCRYPTED_PEM"])
    pid, master = pty.fork()
    if pid == 0:  # the child, with the pty as controlling terminal
        try:
            env = {k: v for k, v in os.environ.items() if k != "MONGO_ODM_LOG"}
            os.execve(sys.executable, [sys.executable, "-c", _NO_PASSPHRASE_CHILD, url], env)
        finally:
            os._exit(11)
    output = b""
    status = None
    deadline = time.monotonic() + 60  # a hang detector only: the program needs well under 1 s
    try:
        while time.monotonic() < deadline:
            ready, _, _ = select.select([master], [], [], 0.1)
            if ready:
                try:
                    chunk = os.read(master, 4096)
                except OSError:  # EIO: the child closed the terminal
                    chunk = b""
                output += chunk
            done, st = os.waitpid(pid, os.WNOHANG)
            if done == pid:
                status = st
                break
        if status is None:
            os.kill(pid, 9)
            os.waitpid(pid, 0)
            pytest.fail(f"the client did not finish within 60 s (waiting for a passphrase?); terminal: {output!r}")
        try:
            while select.select([master], [], [], 0.2)[0]:
                chunk = os.read(master, 4096)
                if not chunk:
                    break
                output += chunk
        except OSError:
            pass
    finally:
        os.close(master)
    assert b"pass phrase" not in output
    assert output == b"", output
    assert os.WIFEXITED(status) and os.WEXITSTATUS(status) == 0, (status, output)
