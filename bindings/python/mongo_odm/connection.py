"""The connection singleton (lightodm's ``MongoConnection`` and its helper functions).

The synchronous side is libmongo_odm's default connection (``mongo_odm_connect``): pool and
timeout defaults, environment fallback, the missing-URL message and the ping all happen in the
C library. The asynchronous side is a second pool of its own, like lightodm's motor client,
made from the parameters the C library resolves the same way (``mongo_odm_connection_settings``).

Parameters come from ``connect(...)`` arguments when given (kept in memory only; nothing is
written to ``os.environ``), else from MONGO_URL, MONGO_USER, MONGO_PASSWORD, MONGO_DB_NAME.
Only the URL is required: username and password are optional (a server without
authentication works).
"""

from __future__ import annotations

import atexit
import threading
from typing import Dict, Optional, Tuple

from mongo_odm import _core
from mongo_odm._async import AsyncDatabase, AsyncMongoClient
from mongo_odm.client import Database, MongoClient, _split_url_codec_options
from mongo_odm.errors import ConfigurationError

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

class MongoConnection:
    """Thread-safe singleton holding the sync and async clients.

    ``MongoConnection()`` connects on first use; ``client`` and ``database`` re-initialize
    after ``close_connection()``.
    """

    _instance: Optional[MongoConnection] = None
    _lock = threading.Lock()

    _client: Optional[MongoClient] = None
    _db: Optional[Database] = None
    _async_client: Optional[AsyncMongoClient] = None

    # Explicit parameters from connect(), handed to the next instance created.
    _pending_params: Optional[Dict[str, str]] = None

    # Set on the instance by __new__.
    _params: Dict[str, str]
    _atexit_registered: bool

    def __new__(cls) -> MongoConnection:  # noqa: PYI034 - the one instance, whichever class made it
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

    def _explicit(self) -> Dict[str, str]:
        """The parameters given to connect() (kept in memory; the environment fills the rest)."""
        return dict(getattr(self, "_params", {}))

    def _settings(self) -> Dict[str, str]:
        """What the C library would connect with: connect()'s parameters, else MONGO_URL,
        MONGO_USER, MONGO_PASSWORD, MONGO_DB_NAME. Raises ValueError (ConfigurationError)
        without a URL."""
        return _core.connection_settings(**self._explicit())

    def _initialize_connection(self) -> Tuple[MongoClient, Database]:
        """Opens the default connection (pings the server); returns its client and database."""
        params = self._explicit()
        try:
            # The URL's codec options (uuidRepresentation, tz_aware, datetime_conversion) are
            # the client's, as in pymongo; the driver gets the URL without them.
            url = _core.connection_settings(**params).get("url", "")
            driver_url, codec = _split_url_codec_options(url)
            _core.connect(driver_url if codec else params.get("url"), params.get("username"), params.get("password"),
                          params.get("db_name"))
            client = MongoClient._from_native(_core.Client.default(), url)
            self._client = client
            db = client.get_database(_core.default_database_name())
            self._db = db
            if not self._atexit_registered:
                atexit.register(self.close_connection)
                self._atexit_registered = True
            return client, db
        except ConfigurationError:
            raise  # missing parameters: lightodm's ValueError, unwrapped
        except Exception as e:
            # libmongo_odm's message starts "Failed to initialize MongoDB connection: ...".
            message = str(e)
            if not message.startswith("Failed to initialize MongoDB"):
                message = f"Failed to initialize MongoDB connection: {message}"
            raise ConnectionError(message) from e

    @property
    def client(self) -> MongoClient:
        """The synchronous client."""
        if self._client is None:
            return self._initialize_connection()[0]
        return self._client

    @property
    def database(self) -> Database:
        """The synchronous default database."""
        if self._db is None:
            return self._initialize_connection()[1]
        return self._db

    def get_collection(self, collection_name: str) -> _core.Collection:
        """A collection of the default database (native, pymongo method names)."""
        return self.database[collection_name]

    async def get_async_client(self) -> AsyncMongoClient:
        """The asynchronous client, created (and pinged, without blocking the loop) on first use."""
        if self._async_client is None:
            settings = self._settings()  # ValueError without a URL, as for the sync side
            try:
                client = AsyncMongoClient(settings["url"], username=settings.get("username"),
                                          password=settings.get("password"))
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
        name = self._settings().get("db_name")
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


def get_collection(collection_name: str) -> _core.Collection:
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
    given = (("url", url), ("username", username), ("password", password), ("db_name", db_name))
    params = {k: v for k, v in given if v}
    with MongoConnection._lock:
        if MongoConnection._instance is None:
            MongoConnection._pending_params = params
        else:
            MongoConnection._instance.__dict__.setdefault("_params", {}).update(params)
    return get_database()

