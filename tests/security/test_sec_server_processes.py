"""What every user of the machine sees of the test servers: their command lines (``ps``).

FerretDB's SCRAM password is set at its first start; it must reach FerretDB through the
environment of its process (FERRETDB_SETUP_PASSWORD), which only the owner can read, and never
through its command line, which anyone can: for the instances of this suite
(tests/support/ferretdb_ctl.py's start_instance) and for those of scripts/ferretdb.sh, which the
other suites and the developers use.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from ferretdb_ctl import Server, command_line

from mongo_odm.client import MongoClient
from mongo_odm.errors import ConnectionFailure


def environment_of(pid: int) -> dict:
    """The environment of a process of ours (/proc/PID/environ: mode 0400, its owner only)."""
    raw = Path(f"/proc/{pid}/environ").read_bytes()
    return dict(item.split("=", 1) for item in raw.decode(errors="replace").split("\0") if "=" in item)


def assert_password_by_environment_only(pid: int, password: str, no_secret) -> None:
    args = command_line(pid)
    assert "ferretdb" in args and "--setup-username=" in args, args  # the server, with SCRAM set up
    assert "--setup-password" not in args, args
    no_secret(args, password, what=f"the command line of FerretDB (pid {pid})")
    assert environment_of(pid).get("FERRETDB_SETUP_PASSWORD") == password


def test_sec_instances_get_the_password_by_environment(sec, no_secret):
    auth_pid = int(sec["SEC_PIDS"].split()[0])  # sec-auth, the SCRAM instance
    assert_password_by_environment_only(auth_pid, sec.password, no_secret)
    for pid in sec["SEC_PIDS"].split():
        no_secret(command_line(int(pid)), what=f"the command line of FerretDB (pid {pid})")


def test_ferretdb_script_gives_the_password_by_environment(no_secret):
    server = Server(f"sec-script-{os.getpid()}").start()  # a random password, chosen by the script
    try:
        assert server.password and server.user
        assert_password_by_environment_only(server.pid, server.password, no_secret)
        # and FerretDB did take it: the user authenticates with it, and not with another one
        client = MongoClient(server.url_with(serverSelectionTimeoutMS=5000), username=server.user,
                             password=server.password)
        try:
            assert isinstance(client.list_database_names(), list)  # needs an authenticated user
        finally:
            client.close()
        wrong = MongoClient(server.url_with(serverSelectionTimeoutMS=5000), username=server.user,
                            password=server.password + "x")
        try:
            with pytest.raises(ConnectionFailure):
                wrong.list_database_names()
        finally:
            wrong.close()
    finally:
        server.remove()
