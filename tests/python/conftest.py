"""Shared fixtures of mongo_odm's Python test suite.

Every test talks to a real server (FerretDB, see scripts/ferretdb.sh): MONGO_URL, MONGO_USER and
MONGO_PASSWORD come from the environment; when MONGO_URL is not set, the default FerretDB
instance is started and its settings loaded. The suite uses its own database on that server
(see pytest_configure).

Collections get unique names (``t_<12 hex>``) and are dropped after each test, through a client
of their own so that resetting the connection singleton never gets in the way of the cleanup.
"""

import os
import sys
from pathlib import Path
from typing import Callable, List, Optional
from uuid import uuid4

import pytest

# tests/support: FerretDB control, the connection singleton, ports (shared with the security and
# reliability suites)
sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "support"))

from ferretdb_ctl import Server  # noqa: E402
from helpers import assert_healthy  # noqa: E402
from odm_state import close_and_reset, make_model, reset_singleton  # noqa: E402


def pytest_configure(config):
    if not os.environ.get("MONGO_URL"):
        os.environ.update(Server("default").start().env)
    # FerretDB's SQLite backend keeps each database in one file with one write lock: under
    # concurrent writes from another suite on the same database (the C tests use MONGO_DB_NAME
    # too) it interrupts queued writes ("interrupted (9)"). This suite works in a database of
    # its own on the same server: <MONGO_DB_NAME>_python, or MONGO_ODM_PYTEST_DB when set.
    base = os.environ.get("MONGO_DB_NAME") or "odm_test"
    os.environ["MONGO_DB_NAME"] = os.environ.get("MONGO_ODM_PYTEST_DB") or f"{base}_python"


# ------------------------------------------------------------------------------ settings
class Settings:
    url: str = ""
    user: Optional[str] = None
    password: Optional[str] = None
    db_name: str = ""


@pytest.fixture(scope="session")
def settings() -> Settings:
    s = Settings()
    s.url = os.environ["MONGO_URL"]
    s.user = os.environ.get("MONGO_USER") or None
    s.password = os.environ.get("MONGO_PASSWORD") or None
    s.db_name = os.environ.get("MONGO_DB_NAME") or "odm_test"
    return s


# ------------------------------------------------------------------------------ singleton reset
@pytest.fixture(autouse=True)
def reset_connection():
    """Each test starts without a connection and leaves none behind."""
    import mongo_odm.connection as conn_module

    reset_singleton()
    yield
    close_and_reset()
    assert conn_module._mongo_conn is None


# ------------------------------------------------------------------------------ cleanup client
@pytest.fixture(scope="session")
def admin_client(settings):
    """A client of its own (not the singleton): setup, inspection and cleanup."""
    from mongo_odm.client import MongoClient

    client = MongoClient(settings.url, username=settings.user, password=settings.password)
    yield client
    client.close()


@pytest.fixture(scope="session")
def admin_db(admin_client, settings):
    return admin_client[settings.db_name]


@pytest.fixture
def new_name(admin_db) -> Callable[[], str]:
    """Makes unique collection names; every collection named this way is dropped afterwards."""
    made: List[str] = []

    def make() -> str:
        name = f"t_{uuid4().hex[:12]}"
        made.append(name)
        return name

    yield make
    for name in made:
        admin_db[name].drop()


@pytest.fixture
def scratch_db(admin_client, settings):
    """A database of the test's own (dropped afterwards), for a test that makes FerretDB cancel
    a running statement: an expiring max_time_ms. FerretDB 1.24 (SQLite backend) can leave the
    SQLite connection pool of that database broken after such a cancellation when another
    request writes to the database at about the same time: from then on collection creation and
    writes there fail ("interrupted (9)", "database is locked (517)") until FerretDB restarts
    (measured 2026-12-04: a 30 s loop of expiring finds beside writers broke the database every
    time; either alone never did). FerretDB keeps a pool per database, so the harm stays in this
    one instead of failing the rest of the suite."""
    name = f"{settings.db_name}_scratch_{uuid4().hex[:8]}"
    yield admin_client[name]
    admin_client.drop_database(name)


@pytest.fixture
def coll_name(new_name) -> str:
    return new_name()


@pytest.fixture
def raw(admin_db, coll_name):
    """The test collection, seen through the cleanup client (to inspect what was stored)."""
    return admin_db[coll_name]


# ------------------------------------------------------------------------------ models
@pytest.fixture
def User(coll_name):
    """A plain model on the test collection."""
    return make_model("User", coll_name, name=str, age=(int, 0), email=(Optional[str], None))


@pytest.fixture
def healthy():
    return assert_healthy
