"""Helpers of the reliability suite (imported as ``rel_util``; tests/reliability is on sys.path)."""

from __future__ import annotations

import os
from typing import Optional

from ferretdb_ctl import Server


def rel_server(purpose: str, password: Optional[str] = None) -> Server:
    """A FerretDB instance of this suite (``rel-<purpose>-<pid>``), driven through scripts/ferretdb.sh."""
    return Server(f"rel-{purpose}-{os.getpid()}", password=password)


def rss_bytes() -> int:
    """The resident set size of this process, from /proc (Linux)."""
    with open("/proc/self/status") as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) * 1024
    raise RuntimeError("no VmRSS in /proc/self/status")
