"""pymongo-shaped client and database objects over the native libmongo_odm client.

Only naming and navigation live here; every database operation is a method of the native
``mongo_odm._core`` objects, which call libmongo_odm's C API.
"""

from __future__ import annotations

import threading
import warnings
from typing import TYPE_CHECKING, Any, Dict, List, Mapping, Optional
from urllib.parse import parse_qsl, quote, urlencode

from mongo_odm import _core
from mongo_odm.errors import ConfigurationError

if TYPE_CHECKING:
    from typing_extensions import Self

__all__ = ["MongoClient", "Database"]


def _with_options(url: str, options: Mapping[str, Any]) -> str:
    """Appends URI options (pymongo-style keyword arguments) to a MongoDB URL."""
    if not options:
        return url
    rendered = {}
    for key, value in options.items():
        if isinstance(value, bool):
            value = "true" if value else "false"
        rendered[key] = str(value)
    separator = "&" if "?" in url else ("?" if url.count("/") >= 3 else "/?")
    return url + separator + urlencode(rendered, quote_via=quote)


# pymongo's client options that are not URI options, and the values mongo_odm gives them
# (documents come back as dicts, datetimes naive in UTC, UUIDs stored as subtype 4): a caller
# asking for the same is served, one asking for something else gets ConfigurationError rather
# than an option silently ignored. docs/pymongo-surface.md ("Client options").
_CLIENT_OPTIONS: Dict[str, Any] = {
    "tz_aware": (False,),
    "tzinfo": (None,),
    "document_class": (dict,),
    "uuidRepresentation": ("standard",),
    "datetime_conversion": (None, "datetime", "DATETIME", 1),
    "connect": (True, False, None),
}


def _check_options(url: str, options: Mapping[str, Any]) -> Dict[str, Any]:
    """The URI options among ``options`` (pymongo's client options checked and removed);
    ConfigurationError for an unknown keyword option; a warning for an unknown option in the
    URL's query (pymongo's rules for both)."""
    uri_options: Dict[str, Any] = {}
    for key, value in options.items():
        if key in _CLIENT_OPTIONS:
            allowed = _CLIENT_OPTIONS[key]
            if not any(value is a or (type(value) is type(a) and value == a) for a in allowed):
                raise ConfigurationError(
                    f"{key}={value!r} is not supported by mongo_odm (supported: "
                    f"{', '.join(repr(a) for a in allowed)})"
                )
        elif not _core.uri_option_is_known(key):
            raise ConfigurationError(f"Unknown option: {key}")
        else:
            uri_options[key] = value
    query = url.split("?", 1)[1] if "?" in url else ""
    for key, _ in parse_qsl(query, keep_blank_values=True):
        if key.lower() == "uuidrepresentation":
            continue
        if not _core.uri_option_is_known(key):
            warnings.warn(f"Unknown option {key}", stacklevel=3)
    return uri_options


class MongoClient:
    """A connection pool to one MongoDB deployment (pymongo's MongoClient, the parts an ODM
    user touches).

    ``MongoClient("mongodb://host:27017", username=..., password=..., serverSelectionTimeoutMS=500)``
    Keyword options are MongoDB URI options (an unknown one raises ConfigurationError, as in
    pymongo) and pymongo's tz_aware, tzinfo, document_class, uuidRepresentation,
    datetime_conversion and connect with the values mongo_odm serves (docs/pymongo-surface.md).
    The pool is thread-safe.
    """

    def __init__(
        self,
        host: Optional[str] = None,
        port: Optional[int] = None,
        username: Optional[str] = None,
        password: Optional[str] = None,
        **options: Any,
    ) -> None:
        url = host or "mongodb://localhost"
        if "://" not in url:
            url = f"mongodb://{url}:{port or 27017}"
        elif port is not None:
            raise ConfigurationError("give the port inside the URL, not as a separate argument")
        self._native = _core.Client(_with_options(url, _check_options(url, options)), username, password)
        self._databases: Dict[str, Database] = {}
        self._lock = threading.Lock()

    @classmethod
    def _from_native(cls, native: _core.Client) -> MongoClient:
        client = cls.__new__(cls)
        client._native = native
        client._databases = {}
        client._lock = threading.Lock()
        return client

    # --- navigation ---------------------------------------------------------------------
    def get_database(self, name: Optional[str] = None) -> Database:
        if name is None:
            name = self._native.default_database_name
            if name is None:
                raise ConfigurationError("No default database name defined or provided.")
        db = self._databases.get(name)
        if db is None:
            with self._lock:
                db = self._databases.setdefault(name, Database(self, name))
        return db

    def get_default_database(self, default: Optional[str] = None) -> Database:
        name = self._native.default_database_name or default
        if name is None:
            raise ConfigurationError("No default database defined")
        return self.get_database(name)

    def __getitem__(self, name: str) -> Database:
        return self.get_database(name)

    def __getattr__(self, name: str) -> Database:
        if name.startswith("_"):
            raise AttributeError(
                f"MongoClient has no attribute {name!r}. To access the {name} database, use client[{name!r}]."
            )
        return self.get_database(name)

    @property
    def admin(self) -> Database:
        return self.get_database("admin")

    # --- operations ---------------------------------------------------------------------
    def list_database_names(self) -> List[str]:
        reply = self._native.command("admin", {"listDatabases": 1, "nameOnly": True})
        return [d["name"] for d in reply.get("databases", [])]

    def drop_database(self, name_or_database: Any) -> None:
        name = name_or_database.name if isinstance(name_or_database, Database) else name_or_database
        self._native.drop_database(name)

    def close(self) -> None:
        """Closes the pool (for the default client: closes the default connection).

        The databases and collections this client cached are forgotten; a collection the
        caller still holds keeps the pool open until it is released (as in the C API).
        """
        with self._lock:
            databases, self._databases = self._databases, {}
        for db in databases.values():
            db._collections.clear()
        self._native.close()

    def __enter__(self) -> Self:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def __repr__(self) -> str:
        return f"MongoClient(default={self._native.is_default})"


class Database:
    """A database of a MongoClient (pymongo's Database, the parts an ODM user touches)."""

    def __init__(self, client: MongoClient, name: str) -> None:
        if not isinstance(name, str):
            raise TypeError(f"name must be an instance of str, not {type(name)}")
        self._client = client
        self._name = name
        self._collections: Dict[str, _core.Collection] = {}

    @property
    def name(self) -> str:
        return self._name

    @property
    def client(self) -> MongoClient:
        return self._client

    def get_collection(self, name: str) -> _core.Collection:
        coll = self._collections.get(name)
        if coll is None:
            coll = self._client._native.collection(self._name, name, self)
            coll = self._collections.setdefault(name, coll)
        return coll

    def __getitem__(self, name: str) -> _core.Collection:
        return self.get_collection(name)

    def __getattr__(self, name: str) -> _core.Collection:
        if name.startswith("_"):
            raise AttributeError(
                f"Database has no attribute {name!r}. To access the {name} collection, use database[{name!r}]."
            )
        return self.get_collection(name)

    def command(self, command: Any, value: Any = 1, **kwargs: Any) -> Dict[str, Any]:
        """Runs a database command: ``db.command("ping")`` or ``db.command({"ping": 1})``."""
        if isinstance(command, str):
            document: Dict[str, Any] = {command: value}
            document.update(kwargs)
        else:
            document = dict(command)
            document.update(kwargs)
        return self._client._native.command(self._name, document)

    def list_collection_names(self, filter: Optional[Mapping[str, Any]] = None, **kwargs: Any) -> List[str]:
        if kwargs:
            raise TypeError(f"list_collection_names() got an unexpected keyword argument {next(iter(kwargs))!r}")
        return self._client._native.list_collection_names(self._name, filter)

    def drop_collection(self, name_or_collection: Any) -> None:
        name = getattr(name_or_collection, "name", name_or_collection)
        self.get_collection(name).drop()
        self._collections.pop(name, None)

    def create_collection(self, name: str) -> _core.Collection:
        self.command({"create": name})
        return self.get_collection(name)

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Database) and other._name == self._name and other._client is self._client

    def __hash__(self) -> int:
        return hash(self._name)

    def __repr__(self) -> str:
        return f"Database({self._client!r}, {self._name!r})"
