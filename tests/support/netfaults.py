"""Servers that misbehave on purpose, for the interruption tests (imported as ``netfaults``).

- ``HungServer``: accepts connections and never answers (a MongoDB stuck in a long GC pause, a
  half-dead load balancer): every call to it waits until it is interrupted or times out.
- ``StallProxy``: forwards bytes between clients and a real server (FerretDB) and can be told to
  hold back the server's replies, so that a call waits with its reply on the way; released,
  the held replies are delivered (to whatever is still listening). ``cut()`` closes every
  connection it carries (a server restart or a network fault under a running call).
"""

from __future__ import annotations

import select
import socket
import threading
from typing import List, Tuple


class HungServer:
    """Listens on 127.0.0.1 (a free port), accepts every connection, reads and drops what it
    receives, and never answers. ``url`` is a MongoDB URL for it."""

    def __init__(self) -> None:
        self._sock = socket.socket()
        self._sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self._sock.bind(("127.0.0.1", 0))
        self._sock.listen(1024)
        self.port = self._sock.getsockname()[1]
        self._conns: List[socket.socket] = []
        self._accepted = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._serve, name="hung-server", daemon=True)
        self._thread.start()

    @property
    def url(self) -> str:
        return f"mongodb://127.0.0.1:{self.port}"

    @property
    def connections(self) -> int:
        """Connections accepted so far (those the client closed since included)."""
        return self._accepted

    def _serve(self) -> None:
        while not self._stop.is_set():
            readable, _, _ = select.select([self._sock, *self._conns], [], [], 0.05)
            for s in readable:
                if s is self._sock:
                    try:
                        conn, _ = self._sock.accept()
                    except OSError:
                        continue
                    self._conns.append(conn)
                    self._accepted += 1
                else:
                    try:
                        if not s.recv(65536):
                            self._conns.remove(s)
                            s.close()
                    except OSError:
                        self._conns.remove(s)
                        s.close()

    def close(self) -> None:
        self._stop.set()
        self._thread.join(5)
        for s in self._conns:
            s.close()
        self._sock.close()

    def __enter__(self) -> "HungServer":
        return self

    def __exit__(self, *exc) -> None:
        self.close()


class StallProxy:
    """A TCP proxy on 127.0.0.1 (a free port) to ``target`` (host, port). ``stall()`` holds
    back what the server sends from then on; ``resume()`` delivers it. ``url(options)`` is a
    MongoDB URL through the proxy. ``closed_by_client`` counts the client connections that the
    client closed (a connection dropped after an interrupted call)."""

    def __init__(self, target: Tuple[str, int]) -> None:
        self.target = target
        self._listen = socket.socket()
        self._listen.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self._listen.bind(("127.0.0.1", 0))
        self._listen.listen(256)
        self.port = self._listen.getsockname()[1]
        self._pairs: List[Tuple[socket.socket, socket.socket, bytearray]] = []
        self._stalled = threading.Event()
        self._cut = threading.Event()
        self._stop = threading.Event()
        self._lock = threading.Lock()
        self.closed_by_client = 0
        self.connections = 0
        self._thread = threading.Thread(target=self._serve, name="stall-proxy", daemon=True)
        self._thread.start()

    def url(self, **options: object) -> str:
        query = "&".join(f"{k}={v}" for k, v in options.items())
        return f"mongodb://127.0.0.1:{self.port}/" + (f"?{query}" if query else "")

    def stall(self) -> None:
        self._stalled.set()

    def resume(self) -> None:
        self._stalled.clear()

    @property
    def held(self) -> int:
        """Bytes of the server's replies held back now (stalled)."""
        return sum(len(held) for _, _, held in list(self._pairs))

    def cut(self, timeout: float = 5.0) -> None:
        """Closes every connection the proxy carries (both ends, what is held dropped), from
        the proxy's thread; returns once done. New connections are still accepted."""
        self._cut.set()
        for _ in range(int(timeout / 0.01)):
            if not self._cut.is_set():
                return
            threading.Event().wait(0.01)
        raise TimeoutError("StallProxy.cut(): the proxy thread did not answer")

    def _drop(self, pair: Tuple[socket.socket, socket.socket, bytearray], by_client: bool) -> None:
        client, server, _ = pair
        if pair in self._pairs:
            self._pairs.remove(pair)
            if by_client:
                self.closed_by_client += 1
        for s in (client, server):
            try:
                s.close()
            except OSError:
                pass

    def _serve(self) -> None:
        while not self._stop.is_set():
            if self._cut.is_set():
                for pair in list(self._pairs):
                    self._drop(pair, by_client=False)
                self._cut.clear()
            watched = [self._listen]
            for client, server, _ in self._pairs:
                watched += [client, server]
            readable, _, _ = select.select(watched, [], [], 0.02)
            for s in readable:
                if s is self._listen:
                    client, _ = self._listen.accept()
                    server = socket.create_connection(self.target)
                    self._pairs.append((client, server, bytearray()))
                    self.connections += 1
                    continue
                pair = next((p for p in self._pairs if s in p[:2]), None)
                if pair is None:
                    continue
                client, server, held = pair
                try:
                    data = s.recv(65536)
                except OSError:
                    data = b""
                if not data:
                    self._drop(pair, by_client=s is client)
                    continue
                if s is client:
                    server.sendall(data)
                else:
                    held += data
            # Deliver what the server sent, unless stalled.
            if not self._stalled.is_set():
                for pair in list(self._pairs):
                    client, _, held = pair
                    if held:
                        try:
                            client.sendall(bytes(held))
                        except OSError:
                            self._drop(pair, by_client=True)
                            continue
                        del held[:]

    def close(self) -> None:
        self._stop.set()
        self._thread.join(5)
        for pair in list(self._pairs):
            self._drop(pair, by_client=False)
        self._listen.close()

    def __enter__(self) -> "StallProxy":
        return self

    def __exit__(self, *exc) -> None:
        self.close()


def parse_host_port(url: str) -> Tuple[str, int]:
    """(host, port) of a "mongodb://host:port[/...]" URL."""
    rest = url.split("://", 1)[1].split("/", 1)[0].split("?", 1)[0]
    rest = rest.rsplit("@", 1)[-1]
    host, _, port = rest.rpartition(":")
    return host, int(port)


