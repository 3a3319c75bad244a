"""FerretDB for the test suites (imported as ``ferretdb_ctl``; tests/support is on sys.path).

Two ways to get an instance, with one set of conventions: its state in a directory of its own,
free ports of 127.0.0.1, and the SCRAM password handed to FerretDB through its environment
(``FERRETDB_SETUP_PASSWORD``), never on its command line, which every user of the machine can
read (``ps``):

* ``Server``: an instance driven by scripts/ferretdb.sh (start, stop, restart on the same port
  and data, kill -9, remove): the servers of the Python and reliability suites;
* ``start_instance``: an instance started here from the binary, with what the script does not
  offer (TLS listeners, client certificates, no plain TCP port): the servers of the security
  suites (tests/security/sec_servers.py).

Also the two formats the suites exchange settings in: the ``export KEY=value`` lines that
scripts/ferretdb.sh prints (``parse_env_lines``) and files of ``KEY=value`` lines
(``read_env_file`` / ``write_env_file``, read by the C security suites too).
"""

from __future__ import annotations

import os
import shlex
import shutil
import signal
import subprocess
import time
from pathlib import Path
from typing import Dict, List, Optional

from ports import free_port, port_open

REPO = Path(__file__).resolve().parents[2]
FERRETDB_SH = REPO / "scripts" / "ferretdb.sh"
STATE_ROOT = Path(os.environ.get("MONGO_ODM_FERRETDB_STATE") or REPO / "build" / "ferretdb")


# ------------------------------------------------------------------------------ settings
def parse_env_lines(text: str) -> Dict[str, str]:
    """The ``export KEY=value`` lines printed by scripts/ferretdb.sh, as a dict."""
    out = {}
    for line in text.splitlines():
        line = line.strip()
        if line.startswith("export "):
            key, _, value = line[len("export ") :].partition("=")
            out[key] = shlex.split(value)[0] if value else ""
    return out


def write_env_file(path: Path, env: Dict[str, str]) -> None:
    """KEY=value lines, the value verbatim to the end of the line (it may hold any character but
    a newline), in a file only its owner can read."""
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w") as f:
        for key, value in env.items():
            assert "\n" not in value
            f.write(f"{key}={value}\n")


def read_env_file(path: Path) -> Dict[str, str]:
    """The settings of a file of KEY=value lines (see write_env_file)."""
    out = {}
    for line in Path(path).read_text().splitlines():
        key, _, value = line.partition("=")
        out[key] = value
    return out


# ------------------------------------------------------------------------------ scripts/ferretdb.sh
def run_script(*args: str, timeout: float = 600) -> str:
    """Runs scripts/ferretdb.sh and returns its stdout; RuntimeError (with its stderr) when it fails."""
    done = subprocess.run([str(FERRETDB_SH), *args], capture_output=True, text=True, timeout=timeout)
    if done.returncode != 0:
        raise RuntimeError(f"scripts/ferretdb.sh {' '.join(args)} failed:\n{done.stderr}")
    return done.stdout


def binary() -> str:
    """The FerretDB binary: $MONGO_ODM_FERRETDB_BIN, else the one scripts/ferretdb.sh builds (once)."""
    env = os.environ.get("MONGO_ODM_FERRETDB_BIN")
    if env and os.access(env, os.X_OK):
        return env
    return run_script("build", timeout=1800).strip().splitlines()[-1]


class Server:
    """An instance driven through scripts/ferretdb.sh, its state in STATE_ROOT/<name>.

    ``start()`` (again after ``stop()`` or ``kill9()``: the same port and data directory),
    ``stop()``, ``kill9()``, ``remove()`` (stop, then delete its state); ``env`` holds the
    settings the script printed (MONGO_URL, MONGO_USER, MONGO_PASSWORD, MONGO_DB_NAME)."""

    def __init__(self, name: str, password: Optional[str] = None, auth: bool = True) -> None:
        self.name = name
        self._password = password
        self._auth = auth
        self.dir = STATE_ROOT / name
        self.env: Dict[str, str] = {}
        self.port: Optional[str] = None

    def start(self) -> "Server":
        args = ["start", "--name", self.name]
        if self.port:
            args += ["--port", self.port]  # a restart: same port, same data directory
        if self._password:
            args += ["--password", self._password]
        if not self._auth:
            args.append("--no-auth")
        self.env = parse_env_lines(run_script(*args))
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
            if gone(pid):
                return
            time.sleep(0.02)

    def stop(self) -> None:
        run_script("stop", "--name", self.name)

    def remove(self) -> None:
        try:
            self.stop()
        finally:
            shutil.rmtree(self.dir, ignore_errors=True)


# ------------------------------------------------------------------------------ instances of the binary
class Instance:
    """An instance started by start_instance: its process and ports (None: not listening)."""

    def __init__(self, name: str, proc: subprocess.Popen, tcp_port: Optional[int], tls_port: Optional[int]) -> None:
        self.name = name
        self.proc = proc
        self.tcp_port = tcp_port
        self.tls_port = tls_port


def start_instance(binary: str, root: Path, name: str, *, tcp: bool, tls: Optional[Dict[str, str]] = None,
                   user: Optional[str] = None, password: Optional[str] = None, attempts: int = 3) -> Instance:
    """Starts FerretDB instance `name` with its state under root/name (made anew); waits until
    its ports answer, and writes its pid to root/name/pid.

    tcp: a plain TCP port. tls: {"cert": ..., "key": ...} for a TLS port, plus "ca" to require
    client certificates of that CA. password: SCRAM authentication, with `user` created in
    `admin` at the first start."""
    last_error = ""
    for _ in range(attempts):
        d = root / name
        shutil.rmtree(d, ignore_errors=True)
        (d / "data").mkdir(parents=True)
        (d / "state").mkdir()
        tcp_port = free_port() if tcp else None
        tls_port = free_port() if tls else None
        args = [binary, "--handler=sqlite", f"--sqlite-url=file:{d / 'data'}/", f"--state-dir={d / 'state'}",
                "--telemetry=disable", "--log-level=error", "--debug-addr=-",
                f"--listen-addr=127.0.0.1:{tcp_port}" if tcp_port else "--listen-addr="]
        env = dict(os.environ)
        if tls:
            args += [f"--listen-tls=127.0.0.1:{tls_port}", f"--listen-tls-cert-file={tls['cert']}",
                     f"--listen-tls-key-file={tls['key']}"]
            if tls.get("ca"):
                args.append(f"--listen-tls-ca-file={tls['ca']}")
        if password is not None:
            args += ["--test-enable-new-auth", "--setup-database=admin", f"--setup-username={user}"]
            env["FERRETDB_SETUP_PASSWORD"] = password
        log = open(d / "log", "wb")
        proc = subprocess.Popen(args, stdout=log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL, env=env,
                                start_new_session=True)
        log.close()
        ports = [p for p in (tcp_port, tls_port) if p]
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline and proc.poll() is None and not all(port_open(p) for p in ports):
            time.sleep(0.05)
        if proc.poll() is None and all(port_open(p) for p in ports):
            (d / "pid").write_text(str(proc.pid))
            return Instance(name, proc, tcp_port, tls_port)
        last_error = (d / "log").read_text(errors="replace")
        stop_pids([proc.pid])
    raise RuntimeError(f"FerretDB instance {name} did not start: {last_error}")


# ------------------------------------------------------------------------------ processes
def gone(pid: int) -> bool:
    """True when process `pid` no longer exists (reaped here when it is our child: a zombie
    still answers kill(pid, 0))."""
    try:
        if os.waitpid(pid, os.WNOHANG)[0] == pid:
            return True
    except ChildProcessError:
        pass
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return True
    return False


def stop_pids(pids: List[int], grace: float = 5.0) -> None:
    """SIGTERM to all, then SIGKILL to those still there after `grace` seconds."""
    for pid in pids:
        try:
            os.kill(pid, signal.SIGTERM)
        except ProcessLookupError:
            pass
    deadline = time.monotonic() + grace
    waiting = list(pids)
    while waiting and time.monotonic() < deadline:
        waiting = [pid for pid in waiting if not gone(pid)]
        if waiting:
            time.sleep(0.05)
    for pid in waiting:
        try:
            os.kill(pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
        gone(pid)


def command_line(pid: int) -> str:
    """The command line of process `pid` as `ps -ww -o args` shows it to any user."""
    return subprocess.run(["ps", "-ww", "-o", "args=", "-p", str(pid)], capture_output=True, text=True,
                           timeout=30).stdout
