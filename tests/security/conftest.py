"""Fixtures of the security suite (authentication, TLS, logging, credential hygiene).

The suite makes everything it needs at test time, in a temporary directory: a throwaway PKI
(openssl CLI) and three FerretDB instances (tests/security/sec_servers.py: ``sec-auth`` with SCRAM
and TLS, ``sec-host`` with a certificate for another host name, ``sec-mtls`` requiring client
certificates). They are stopped and the directory removed at the end of the session.

It never uses the main test server: MONGO_URL, MONGO_USER, MONGO_PASSWORD and MONGO_DB_NAME are
removed from the environment for the session (they would be connect()'s fallbacks).

Run: ``build/venv-test/bin/python -m pytest tests/security`` (mongo_odm installed in the venv).
"""

from __future__ import annotations

import os
import sys
from pathlib import Path
from typing import Dict, Iterable, List, Optional
from urllib.parse import quote

import pytest

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
# tests/support: FerretDB control, the connection singleton, ports (shared with the Python and
# reliability suites)
sys.path.insert(0, str(HERE.parent / "support"))

import sec_servers  # noqa: E402
from odm_state import SERVER_VARIABLES, close_and_reset, reset_singleton  # noqa: E402
from sec_checks import assert_no_secret  # noqa: E402

_SERVER_VARIABLES = (*SERVER_VARIABLES, "MONGO_ODM_LOG")
_saved_environment: Dict[str, str] = {}


def pytest_configure(config):
    for name in _SERVER_VARIABLES:
        if name in os.environ:
            _saved_environment[name] = os.environ.pop(name)


def pytest_unconfigure(config):
    os.environ.update(_saved_environment)


class Sec:
    """The settings of the fixture's servers and certificates (see sec_servers.start_all)."""

    def __init__(self, env: Dict[str, str], root: Path) -> None:
        self.env = env
        self.root = root
        self.env_file = root / "env"

    def __getitem__(self, key: str) -> str:
        return self.env[key]

    @property
    def user(self) -> str:
        return self.env["SEC_USER"]

    @property
    def password(self) -> str:
        return self.env["SEC_PASSWORD"]

    @property
    def userinfo(self) -> str:
        return f"{self.user}:{quote(self.password, safe='')}"

    def url(self, port_key: str, host: str = "127.0.0.1", userinfo: Optional[str] = None, **options: str) -> str:
        query = "&".join(f"{k}={v}" for k, v in options.items())
        auth = f"{userinfo}@" if userinfo else ""
        return f"mongodb://{auth}{host}:{self.env[port_key]}/" + (f"?{query}" if query else "")

    def secrets(self) -> List[str]:
        return [self.env["SEC_PASSWORD"], self.env["SEC_CLIENT_KEY_PASSWORD"]]


@pytest.fixture(scope="session")
def sec(tmp_path_factory) -> Iterable[Sec]:
    root = tmp_path_factory.mktemp("sec-servers")
    env = sec_servers.start_all(root)
    try:
        yield Sec(env, root)
    finally:
        sec_servers.stop_all(root)


@pytest.fixture
def no_secret(sec):
    """no_secret(text, *extra, what=...) asserts that no secret of the fixture (nor `extra`)
    appears in `text`, in any form."""

    def check(text: str, *extra: str, what: str = "text") -> None:
        assert_no_secret(text, *extra, *sec.secrets(), what=what)

    return check


# ------------------------------------------------------------------------------ singleton reset
@pytest.fixture(autouse=True)
def reset_connection():
    """Each test starts without a connection and leaves none behind, and with the log off."""
    import mongo_odm

    reset_singleton()
    mongo_odm.set_log_level("off")
    yield
    close_and_reset()
    mongo_odm.set_log_level("off")
