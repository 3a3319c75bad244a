"""Fixtures of the reliability suite (faults, fork, load): FerretDB instances of its own.

Every instance is started here with scripts/ferretdb.sh under a name of this suite
(``rel-<purpose>-<pid>``, a free port, its state in build/ferretdb/<name>) and stopped and
removed at the end, so the suite needs nothing running beforehand and never touches another
suite's server: the fault tests kill and restart theirs. MONGO_URL and friends are pointed at
the suite's own server for the duration of each test, whatever the caller's environment says.

Each test works in a database of its own (FerretDB may abort concurrent operations in a
database where a client went away mid-query) and one collection per writer thread (a write
that modifies a document scans its collection).

A watchdog (faulthandler) dumps every thread's stack and ends the run when a test hangs; the
default limit is 240 s, ``@pytest.mark.watchdog(seconds)`` changes it.

Figures the tests measure (op counts, timings, memory) are printed at the end of the run in a
"reliability figures" section.
"""

from __future__ import annotations

import faulthandler
import sys
from pathlib import Path
from typing import List
from uuid import uuid4

import pytest

# tests/support: FerretDB control, the connection singleton, hung servers and stalling proxies
# (netfaults), ports (shared with the Python and security suites)
sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "support"))

from ferretdb_ctl import Server  # noqa: E402
from odm_state import close_and_reset, reset_singleton  # noqa: E402
from rel_util import rel_server  # noqa: E402

_FIGURES: List[str] = []


def pytest_configure(config):
    config.addinivalue_line("markers", "watchdog(seconds): hang limit of a test (default 240 s)")


def pytest_terminal_summary(terminalreporter):
    if _FIGURES:
        terminalreporter.section("reliability figures")
        for line in _FIGURES:
            terminalreporter.write_line(line)


@pytest.fixture
def report():
    """report(line): prints a figure now (captured output) and again in the run's summary."""

    def add(line: str) -> None:
        print(line)
        _FIGURES.append(line)

    return add


@pytest.fixture(scope="session")
def server():
    """The suite's shared server (fork and load tests); never killed."""
    s = rel_server("py").start()
    yield s
    s.remove()


@pytest.fixture(scope="module")
def fault_server():
    """A server the fault tests may kill and restart."""
    s = rel_server("faults").start()
    yield s
    s.remove()


# ------------------------------------------------------------------------------ per test
@pytest.fixture(autouse=True)
def fresh_connection():
    """Each test starts without a connection and leaves none behind."""
    reset_singleton()
    yield
    close_and_reset()


@pytest.fixture(autouse=True)
def watchdog(request):
    marker = request.node.get_closest_marker("watchdog")
    seconds = float(marker.args[0]) if marker else 240.0
    faulthandler.dump_traceback_later(seconds, exit=True, file=sys.__stderr__)
    yield
    faulthandler.cancel_dump_traceback_later()


@pytest.fixture
def db_name(request) -> str:
    """A database of the test's own."""
    base = request.node.name.split("[")[0].replace("test_", "")[:30]
    return f"rel_{base}_{uuid4().hex[:6]}"


@pytest.fixture
def use_server(monkeypatch, db_name):
    """use_server(server): points MONGO_URL/USER/PASSWORD/DB_NAME at `server` (the caller's
    environment may name another one) and drops the test's database afterwards."""
    used: List[Server] = []

    def use(s: Server, **url_options) -> Server:
        monkeypatch.setenv("MONGO_URL", s.url_with(**url_options))
        for key in ("MONGO_USER", "MONGO_PASSWORD"):
            if s.env.get(key):
                monkeypatch.setenv(key, s.env[key])
            else:
                monkeypatch.delenv(key, raising=False)
        monkeypatch.setenv("MONGO_DB_NAME", db_name)
        used.append(s)
        return s

    yield use
    from mongo_odm.client import MongoClient

    for s in used:
        try:
            client = MongoClient(s.url_with(serverSelectionTimeoutMS=5000), username=s.user, password=s.password)
            client.drop_database(db_name)
            client.close()
        except Exception as e:  # the server may be down after a failed fault test
            print(f"cleanup: cannot drop {db_name}: {e!r}")
