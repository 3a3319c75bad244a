"""Helpers of the reliability suite (imported as ``rel_util``; tests/reliability is on sys.path)."""

from __future__ import annotations

import os
import shlex
import shutil
import signal
import subprocess
import time
from pathlib import Path
from typing import Dict, Optional

REPO = Path(__file__).resolve().parents[2]
FERRETDB = REPO / "scripts" / "ferretdb.sh"
STATE_ROOT = Path(os.environ.get("MONGO_ODM_FERRETDB_STATE") or REPO / "build" / "ferretdb")


def _parse_env(text: str) -> Dict[str, str]:
    out = {}
    for line in text.splitlines():
        line = line.strip()
        if line.startswith("export "):
            key, _, value = line[len("export ") :].partition("=")
            out[key] = shlex.split(value)[0] if value else ""
    return out


class Server:
    """A FerretDB instance of this suite, driven through scripts/ferretdb.sh."""

    def __init__(self, purpose: str, password: Optional[str] = None) -> None:
        self.name = f"rel-{purpose}-{os.getpid()}"
        self._password = password
        self.dir = STATE_ROOT / self.name
        self.env: Dict[str, str] = {}
        self.port: Optional[str] = None

    def _run(self, *args: str) -> str:
        done = subprocess.run([str(FERRETDB), *args], capture_output=True, text=True, timeout=600)
        if done.returncode != 0:
            raise RuntimeError(f"scripts/ferretdb.sh {' '.join(args)} failed:\n{done.stderr}")
        return done.stdout

    def start(self) -> "Server":
        args = ["start", "--name", self.name]
        if self.port:
            args += ["--port", self.port]  # a restart: same port, same data directory
        if self._password:
            args += ["--password", self._password]
        self.env = _parse_env(self._run(*args))
        self.port = self.env["MONGO_URL"].rsplit(":", 1)[1]
        return self

    @property
    def pid(self) -> int:
        return int((self.dir / "pid").read_text().strip())

    @property
    def url(self) -> str:
        return self.env["MONGO_URL"]

    @property
    def user(self) -> Optional[str]:
        return self.env.get("MONGO_USER", "odm")

    @property
    def password(self) -> Optional[str]:
        return self.env.get("MONGO_PASSWORD", self._password)

    def url_with(self, **options) -> str:
        query = "&".join(f"{k}={v}" for k, v in options.items())
        return f"{self.url}/?{query}" if query else self.url

    def kill9(self) -> None:
        pid = self.pid
        os.kill(pid, signal.SIGKILL)
        for _ in range(100):  # reaped by init: wait until it is gone
            try:
                os.kill(pid, 0)
            except ProcessLookupError:
                return
            time.sleep(0.02)

    def stop(self) -> None:
        self._run("stop", "--name", self.name)

    def remove(self) -> None:
        try:
            self.stop()
        finally:
            shutil.rmtree(self.dir, ignore_errors=True)


def rss_bytes() -> int:
    """The resident set size of this process, from /proc (Linux)."""
    with open("/proc/self/status") as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) * 1024
    raise RuntimeError("no VmRSS in /proc/self/status")
