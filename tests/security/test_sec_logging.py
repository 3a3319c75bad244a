"""The library's log, seen from Python (mongo_odm.set_log_level / get_log_level, MONGO_ODM_LOG).

Quiet by default: a fresh interpreter without MONGO_ODM_LOG writes nothing to stderr during a
whole session (connect with credentials, model and raw CRUD, async CRUD, a wrong password, an
unreachable server, libmongoc's 'Couldn't send "endSessions"' when pools close, also at
interpreter exit). MONGO_ODM_LOG and set_log_level() turn it on; the lines never hold a password
or a key passphrase, in any form.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

import mongo_odm
from mongo_odm.client import MongoClient
from mongo_odm.errors import ConnectionFailure, ServerSelectionTimeoutError

HERE = Path(__file__).resolve().parent
DB = "sec_py_log"
ENDSESSIONS = "mongo_odm[warning] client: Couldn't send \"endSessions\""

# A whole session, in a fresh interpreter. argv[1]: the fixture's env file; argv[2]: a level for
# set_log_level() or "-"; argv[3]: "close" to close explicitly, "exit" to leave it to atexit.
SESSION = r"""
import asyncio, sys
sys.path.insert(0, sys.argv[4])
import sec_servers
from urllib.parse import quote
env = sec_servers.read_env(sys.argv[1])
import mongo_odm
from mongo_odm import MongoBaseModel
from mongo_odm.client import MongoClient
if sys.argv[2] != "-":
    mongo_odm.set_log_level(sys.argv[2])
port = env["SEC_AUTH_PORT"]
userinfo = env["SEC_USER"] + ":" + quote(env["SEC_PASSWORD"], safe="")
url = f"mongodb://{userinfo}@127.0.0.1:{port}/?serverSelectionTimeoutMS=2000"

class Note(MongoBaseModel):
    class Settings:
        name = "sec_log_notes"
    text: str

mongo_odm.connect(url=url, db_name="sec_py_log")
Note(text="a").save()
assert Note.count() == 1
raw = mongo_odm.get_database()["sec_log_raw"]
raw.insert_one({"x": 1})
assert raw.find_one({"x": 1})["x"] == 1

async def async_part():
    await Note(text="b").asave()
    assert await Note.acount() == 2
asyncio.run(async_part())
mongo_odm.get_database().drop_collection("sec_log_notes")
raw.drop()

try:
    MongoClient(f"mongodb://127.0.0.1:{port}/?serverSelectionTimeoutMS=2000",
                username=env["SEC_USER"], password="not-the-password").admin.command("ping")
    sys.exit(4)
except ConnectionError:
    pass
try:
    c = MongoClient("mongodb://127.0.0.1:1/?serverSelectionTimeoutMS=300")
    c.admin.command("ping")
    sys.exit(5)
except ConnectionError:
    c.close()
# a client of its own that wrote (through commands: a Collection handle would keep the pool
# alive after close()), closed: libmongoc warns about endSessions (FerretDB has no such
# command) as the pool goes
own = MongoClient(url)
own["sec_py_log"].command({"insert": "sec_log_own", "documents": [{"y": 1}]})
own["sec_py_log"].command({"drop": "sec_log_own"})
own.close()
if sys.argv[3] == "close":
    mongo_odm.get_mongo_connection().close_connection()
# "exit": the default connection is left to the atexit hook
print("session done")
"""


def run_session(sec, env_level=None, api_level=None, ending="close") -> str:
    env = {k: v for k, v in os.environ.items() if not k.startswith("MONGO_")}
    if env_level is not None:
        env["MONGO_ODM_LOG"] = env_level
    proc = subprocess.run([sys.executable, "-c", SESSION, str(sec.root), api_level or "-", ending, str(HERE)],
                          capture_output=True, text=True, timeout=120, env=env)
    assert proc.returncode == 0, f"session failed ({proc.returncode}): {proc.stdout}\n{proc.stderr}"
    assert proc.stdout == "session done\n"
    return proc.stderr


# ------------------------------------------------------------------------------ the API
def test_log_level_api():
    assert mongo_odm.get_log_level() == "off"
    for name in ("error", "warning", "info", "debug", "off"):
        mongo_odm.set_log_level(name)
        assert mongo_odm.get_log_level() == name
    mongo_odm.set_log_level("DEBUG")
    assert mongo_odm.get_log_level() == "debug"
    mongo_odm.set_log_level("warn")
    assert mongo_odm.get_log_level() == "warning"
    mongo_odm.set_log_level(None)
    assert mongo_odm.get_log_level() == "off"
    with pytest.raises(ValueError, match="unknown log level 'loud'"):
        mongo_odm.set_log_level("loud")
    with pytest.raises(TypeError, match="log level must be a str or None, not int"):
        mongo_odm.set_log_level(10)
    assert mongo_odm.get_log_level() == "off"
    assert mongo_odm.log.LOG_LEVELS == ("off", "error", "warning", "info", "debug")
    assert "set_log_level" in mongo_odm.__all__ and "get_log_level" in mongo_odm.__all__


@pytest.mark.parametrize("env_level,expected", [(None, "off"), ("debug", "debug"), ("warning", "warning"),
                                                ("nonsense", "off")])
def test_level_from_the_environment(env_level, expected):
    env = {k: v for k, v in os.environ.items() if k != "MONGO_ODM_LOG"}
    if env_level:
        env["MONGO_ODM_LOG"] = env_level
    out = subprocess.run([sys.executable, "-c", "import mongo_odm; print(mongo_odm.get_log_level())"],
                         capture_output=True, text=True, timeout=60, env=env)
    assert out.returncode == 0, out.stderr
    assert out.stdout == f"{expected}\n"
    assert out.stderr == ""


# ------------------------------------------------------------------------------ in process
def test_set_log_level_writes_libmongoc_messages_to_stderr(sec, capfd, no_secret):
    mongo_odm.set_log_level("debug")
    client = MongoClient(sec.url("SEC_AUTH_PORT", serverSelectionTimeoutMS="2000"), username=sec.user,
                         password="not-the-password")
    with pytest.raises(ConnectionFailure):
        client.admin.command("ping")
    client.close()
    unreachable = MongoClient("mongodb://127.0.0.1:1/?serverSelectionTimeoutMS=300")
    with pytest.raises(ServerSelectionTimeoutError):
        unreachable.admin.command("ping")
    unreachable.close()
    good = MongoClient(sec.url("SEC_AUTH_PORT", userinfo=sec.userinfo, serverSelectionTimeoutMS="2000"))
    good[DB].command({"insert": "sec_log_in_process", "documents": [{"z": 1}]})
    good[DB].command({"drop": "sec_log_in_process"})
    good.close()  # the pool goes: endSessions
    mongo_odm.set_log_level("off")
    err = capfd.readouterr().err
    assert "mongo_odm[warning] mongo_odm: command: authentication failed" in err
    assert "mongo_odm[debug] mongo_odm: no server found, will retry: " in err and "'127.0.0.1:1'" in err
    assert ENDSESSIONS in err
    no_secret(err, "not-the-password", what="stderr")
    # off again: nothing more
    c = MongoClient("mongodb://127.0.0.1:1/?serverSelectionTimeoutMS=300")
    with pytest.raises(ServerSelectionTimeoutError):
        c.admin.command("ping")
    c.close()
    assert capfd.readouterr().err == ""


# ------------------------------------------------------------------------------ fresh processes
@pytest.mark.parametrize("ending", ["close", "exit"])
def test_quiet_by_default(sec, ending):
    err = run_session(sec, ending=ending)
    assert err == ""


# libmongoc (1.x initialises itself when the extension loads) creates /dev/shm/mongoc-<pid> for
# its statistics counters and warns on stderr when the file exists, left behind by a killed
# process that had this pid. The package turns those counters off (MONGOC_DISABLE_SHM) before
# the extension loads; the control shows the same stale file makes the same libmongoc warn.
STALE_SHM = r"""
import ctypes, os, sys
shm = f"/dev/shm/mongoc-{os.getpid()}"
fd = os.open(shm, os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o600)
os.close(fd)
try:
    if sys.argv[2] == "control":  # the libmongoc the package uses, loaded and initialised without it
        ctypes.CDLL(sys.argv[3]).mongoc_init()
    else:
        import mongo_odm
        from mongo_odm.client import MongoClient
        c = MongoClient(sys.argv[1])
        assert c.admin.command("ping")["ok"] == 1
        c.close()
        print(os.environ["MONGOC_DISABLE_SHM"])
finally:
    os.unlink(shm)
print("session done")
"""


def loaded_libmongoc() -> str:
    import mongo_odm._core  # noqa: F401  (loads libmongoc into this process)
    with open("/proc/self/maps") as maps:
        paths = {line.split()[-1] for line in maps if re.search(r"/libmongoc(-1\.0|2)\.so", line)}
    assert len(paths) == 1, paths
    return paths.pop()


@pytest.mark.parametrize("mode", ["package", "control"])
def test_stale_counter_file_from_a_killed_process_stays_quiet(sec, mode):
    env = {k: v for k, v in os.environ.items() if not k.startswith("MONGO")}
    url = sec.url("SEC_AUTH_PORT", userinfo=sec.userinfo, serverSelectionTimeoutMS="2000")
    proc = subprocess.run([sys.executable, "-c", STALE_SHM, url, mode, loaded_libmongoc()],
                          capture_output=True, text=True, timeout=60, env=env)
    assert proc.returncode == 0, proc.stderr
    if mode == "package":
        assert proc.stdout == "1\nsession done\n"
        assert proc.stderr == ""
    else:
        assert proc.stdout == "session done\n"
        assert "mongoc: Falling back to malloc for counters." in proc.stderr


def test_environment_variable_turns_the_log_on(sec, no_secret):
    err = run_session(sec, env_level="warning", ending="exit")
    assert ENDSESSIONS in err
    assert "authentication failed" in err and "mongo_odm[warning] mongo_odm: " in err
    assert "[debug]" not in err
    no_secret(err, "not-the-password", what="stderr (MONGO_ODM_LOG=warning)")

    err = run_session(sec, env_level="debug")
    assert "mongo_odm[debug] mongo_odm: no server found, will retry: " in err and "'127.0.0.1:1'" in err
    assert ENDSESSIONS in err
    no_secret(err, "not-the-password", what="stderr (MONGO_ODM_LOG=debug)")


def test_api_call_overrides_the_environment(sec):
    err = run_session(sec, api_level="warning")
    assert ENDSESSIONS in err
    assert run_session(sec, env_level="debug", api_level="off") == ""
