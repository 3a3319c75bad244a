"""The connection singleton (lightodm's ``MongoConnection`` and its helper functions).

The synchronous side is libmongo_odm's default connection (``mongo_odm_connect``): pool and
timeout defaults, environment fallback and the ping all happen in the C library. The
asynchronous side is a second pool of its own, like lightodm's motor client.

Parameters come from ``connect(...)`` arguments when given (kept in memory only; nothing is
written to ``os.environ``), else from MONGO_URL, MONGO_USER, MONGO_PASSWORD, MONGO_DB_NAME.
Only the URL is required: username and password are optional (a server without
authentication works).
"""

from __future__ import annotations

import atexit
import os
import threading
from typing import Dict, Optional

from mongo_odm import _core
from mongo_odm._async import AsyncDatabase, AsyncMongoClient, run_blocking
from mongo_odm.client import Database, MongoClient

__all__ = [
    "MongoConnection",
    "connect",
    "get_mongo_connection",
    "get_collection",
    "get_database",
    "get_client",
    "get_async_client",
    "get_async_database",
]

_MISSING_PARAMETERS = (
    "MongoDB connection parameters are not set. Please set MONGO_URL "
    "(and MONGO_USER and MONGO_PASSWORD when the server requires authentication) "
    "or pass url=... to connect()."
)


def _setting(params: Dict[str, str], key: str, env: str) -> Optional[str]:
    value = params.get(key)
    if value:
        return value
    return os.environ.get(env) or None


class MongoConnection:
    """Thread-safe singleton holding the sync and async clients.

    ``MongoConnection()`` connects on first use; ``client`` and ``database`` re-initialize
    after ``close_connection()``.
    """

    _instance: Optional["MongoConnection"] = None
    _lock = threading.Lock()

    _client: Optional[MongoClient] = None
    _db: Optional[Database] = None
    _async_client: Optional[AsyncMongoClient] = None

    # Explicit parameters from connect(), handed to the next instance created.
    _pending_params: Optional[Dict[str, str]] = None

    def __new__(cls) -> "MongoConnection":
        if cls._instance is None:
            with cls._lock:
                if cls._instance is None:
                    instance = super().__new__(cls)
                    instance._params = dict(cls._pending_params or {})
                    cls._pending_params = None
                    instance._atexit_registered = False
                    cls._instance = instance
        return cls._instance

    def __init__(self) -> None:
        if self._client is None:
            with type(self)._lock:  # one connect: a second would close the client others use
                if self._client is None:
                    self._initialize_connection()

    def _settings(self) -> Dict[str, Optional[str]]:
        params = getattr(self, "_params", {})
        return {
            "url": _setting(params, "url", "MONGO_URL"),
            "username": _setting(params, "username", "MONGO_USER"),
            "password": _setting(params, "password", "MONGO_PASSWORD"),
            "db_name": _setting(params, "db_name", "MONGO_DB_NAME"),
        }

    def _initialize_connection(self) -> None:
        """Opens the default connection (pings the server)."""
        settings = self._settings()
        if not settings["url"]:
            raise ValueError(_MISSING_PARAMETERS)
        try:
            _core.connect(settings["url"], settings["username"], settings["password"], settings["db_name"])
            client = MongoClient._from_native(_core.Client.default())
            self._client = client
            self._db = client[_core.default_database_name()]
            if not self._atexit_registered:
                atexit.register(self.close_connection)
                self._atexit_registered = True
        except Exception as e:
            raise ConnectionError(f"Failed to initialize MongoDB (sync) connection: {e}") from e

    @property
    def client(self) -> MongoClient:
        """The synchronous client."""
        if self._client is None:
            self._initialize_connection()
        return self._client  # type: ignore[return-value]

    @property
    def database(self) -> Database:
        """The synchronous default database."""
        if self._db is None:
            self._initialize_connection()
        return self._db  # type: ignore[return-value]

    def get_collection(self, collection_name: str):
        """A collection of the default database (native, pymongo method names)."""
        if self._db is None:
            self._initialize_connection()
        return self._db[collection_name]  # type: ignore[index]

    async def get_async_client(self) -> AsyncMongoClient:
        """The asynchronous client, created (and pinged, without blocking the loop) on first use."""
        if self._async_client is None:
            settings = self._settings()
            if not settings["url"]:
                raise ValueError(_MISSING_PARAMETERS)
            try:
                client = AsyncMongoClient(settings["url"], username=settings["username"], password=settings["password"])
            except Exception as e:
                raise ConnectionError(f"Failed to initialize MongoDB (async) connection: {e}") from e
            # Published before the first await, so concurrent callers share this one client.
            self._async_client = client
            try:
                await client.admin.command("ping")
            except Exception as e:
                if self._async_client is client:
                    self._async_client = None
                client.close()
                raise ConnectionError(f"Failed to initialize MongoDB (async) connection: {e}") from e
        return self._async_client

    async def get_async_database(self, db_name: Optional[str] = None) -> AsyncDatabase:
        """The asynchronous database ``db_name``, else MONGO_DB_NAME, else the URL's default."""
        client = await self.get_async_client()
        if db_name:
            return client[db_name]
        name = self._settings()["db_name"]
        if not name:
            return client.get_default_database()
        return client[name]

    def close_connection(self) -> None:
        """Closes both clients; errors while closing are ignored, the attributes always cleared."""
        if self._client:
            try:
                self._client.close()
            except Exception:
                pass
            finally:
                self._client = None
                self._db = None
        if self._async_client:
            try:
                self._async_client.close()
            except Exception:
                pass
            finally:
                self._async_client = None


# The module-level singleton handle (tests reset it).
_mongo_conn: Optional[MongoConnection] = None


def get_mongo_connection() -> MongoConnection:
    """The MongoConnection singleton, created (and connected) on first use."""
    global _mongo_conn
    if _mongo_conn is None:
        _mongo_conn = MongoConnection()
    return _mongo_conn


def get_collection(collection_name: str):
    """A collection of the default database."""
    conn = _mongo_conn if _mongo_conn is not None else get_mongo_connection()
    db = conn._db
    if db is not None:
        # The per-operation path of every model method: straight to the database's cache.
        coll = db._collections.get(collection_name)
        if coll is not None:
            return coll
    return conn.get_collection(collection_name)


async def get_async_database(db_name: Optional[str] = None) -> AsyncDatabase:
    """The asynchronous default database (or ``db_name``)."""
    return await get_mongo_connection().get_async_database(db_name)


def get_database() -> Database:
    """The synchronous default database."""
    return get_mongo_connection().database


def get_client() -> MongoClient:
    """The synchronous client."""
    return get_mongo_connection().client


async def get_async_client() -> AsyncMongoClient:
    """The asynchronous client."""
    return await get_mongo_connection().get_async_client()


def connect(
    url: Optional[str] = None,
    username: Optional[str] = None,
    password: Optional[str] = None,
    db_name: Optional[str] = None,
) -> Database:
    """Initializes the connection and returns the default database.

    Arguments that are given take precedence over MONGO_URL, MONGO_USER, MONGO_PASSWORD and
    MONGO_DB_NAME. They are kept in memory by the connection (never written to os.environ).
    As in lightodm, an existing connection is returned as is; the new parameters apply when
    it is next re-initialized.
    """
    params = {k: v for k, v in (("url", url), ("username", username), ("password", password), ("db_name", db_name)) if v}
    with MongoConnection._lock:
        if MongoConnection._instance is None:
            MongoConnection._pending_params = params
        else:
            MongoConnection._instance.__dict__.setdefault("_params", {}).update(params)
    return get_database()


# Used by the async model methods.
__all__ += ["run_blocking"]
