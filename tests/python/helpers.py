"""Helpers shared by the test modules (imported as ``helpers``; tests/python is on sys.path)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path
from typing import Optional

REPO = Path(__file__).resolve().parents[2]
ID_VECTORS = REPO / "tests" / "data" / "id-vectors.json"

# An address nothing listens on; the URL option keeps server selection short.
UNREACHABLE_URL = "mongodb://127.0.0.1:1/?serverSelectionTimeoutMS=300"

def with_url_option(url: str, key: str, value) -> str:
    """Appends a URI option to a MongoDB URL (with or without a path or options already)."""
    if "?" in url:
        return f"{url}&{key}={value}"
    base = url if url.count("/") >= 3 else url + "/"
    return f"{base}?{key}={value}"


def assert_healthy() -> None:
    """The process and the connection still work after an error."""
    from mongo_odm import _core, get_database

    assert _core.decode(_core.encode({"ok": [1, "two", {"three": 3.0}]})) == {"ok": [1, "two", {"three": 3.0}]}
    assert get_database().command("ping")["ok"] == 1.0

def python_of_venv(venv: Path) -> Path:
    return venv / "bin" / "python"

def run_python(code: str, env: Optional[dict] = None, timeout: float = 120) -> subprocess.CompletedProcess:
    """Runs code in a fresh interpreter of the test venv."""
    return subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, timeout=timeout, env=env or dict(os.environ)
    )


# --- hostile documents (the bad-input suites) ------------------------------------------------
def self_containing() -> dict:
    """A dict that contains itself."""
    d = {"a": 1}
    d["self"] = d
    return d


def nested(depth: int) -> dict:
    """{"n": {"n": ...}} `depth` levels deep."""
    doc: dict = {}
    cur = doc
    for _ in range(depth):
        cur["n"] = {}
        cur = cur["n"]
    return doc
