"""pymongo-shaped client and database objects over the native libmongo_odm client.

Only naming and navigation live here; every database operation is a method of the native
``mongo_odm._core`` objects, which call libmongo_odm's C API.
"""

from __future__ import annotations

import datetime
import threading
import warnings
from collections import abc
from typing import TYPE_CHECKING, Any, Dict, List, Mapping, Optional, Tuple
from urllib.parse import parse_qsl, quote, unquote, urlencode

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


# pymongo's client options that are not URI options of the driver. The codec ones are carried
# to the native client (its collections and cursors decode and encode with them); "connect" is
# accepted and has nothing to do (the pool connects on first use).
_CODEC_OPTIONS = ("tz_aware", "tzinfo", "document_class", "uuidrepresentation", "datetime_conversion")
# tz_aware, uuidRepresentation and datetime_conversion may also come in the URL (pymongo's rule);
# mongo_odm takes them out of the URL it gives the driver.
_CODEC_URI_OPTIONS = ("tz_aware", "uuidrepresentation", "datetime_conversion")
_UUID_REPRESENTATIONS = {"unspecified": 0, "standard": 4, "pythonLegacy": 3, "javaLegacy": 5, "csharpLegacy": 6}
_DATETIME_CONVERSIONS = {"DATETIME": 1, "DATETIME_CLAMP": 2, "DATETIME_MS": 3, "DATETIME_AUTO": 4}
_MIN_UTC = datetime.datetime.min.replace(tzinfo=datetime.timezone.utc)
_MAX_UTC = datetime.datetime.max.replace(tzinfo=datetime.timezone.utc)
_MIN_UTC_MS = -62135596800000
_MAX_UTC_MS = 253402300799999


def _tz_aware(value: Any) -> bool:
    if isinstance(value, str):
        if value not in ("true", "false"):
            raise ValueError("The value of tz_aware must be 'true' or 'false'")
        return value == "true"
    if not isinstance(value, bool):
        raise TypeError("tz_aware must be True or False")
    return value


def _uuid_representation(value: Any, from_uri: bool) -> int:
    try:
        return _UUID_REPRESENTATIONS[value]
    except (KeyError, TypeError):
        if from_uri:
            raise ValueError(f"Invalid UUID representation. Must be one of {tuple(_UUID_REPRESENTATIONS)}") from None
        raise ValueError(
            f"{value} is an invalid UUID representation. Must be one of {tuple(_UUID_REPRESENTATIONS)}"
        ) from None


def _datetime_conversion(value: Any) -> int:
    if value is None:
        return 1
    if isinstance(value, str):
        if value.isdigit():
            value = int(value)
        else:
            return _DATETIME_CONVERSIONS[value]  # KeyError for another name, as pymongo
    if isinstance(value, int):
        if value not in _DATETIME_CONVERSIONS.values():
            raise ValueError(f"{value} is not a valid DatetimeConversion")
        return int(value)
    raise TypeError(f"datetime_conversion must be a str or int representing DatetimeConversion, not {type(value)}")


def _document_class(value: Any) -> Any:
    if getattr(value, "_type_marker", None) == 101 or getattr(value, "__name__", "") == "RawBSONDocument":
        raise ConfigurationError("document_class=RawBSONDocument is not supported by mongo_odm")
    check = getattr(value, "__origin__", value)
    try:
        is_mapping = isinstance(check, type) and issubclass(check, abc.MutableMapping)
    except TypeError:
        is_mapping = False
    if not is_mapping:
        raise TypeError(
            "document_class must be dict, bson.son.SON, bson.raw_bson.RawBSONDocument, or a "
            "subclass of collections.MutableMapping"
        )
    return check


def _offset_ms(tz: datetime.tzinfo, when: datetime.datetime) -> int:
    delta = tz.utcoffset(when)
    return 0 if delta is None else (delta.days * 86400 + delta.seconds) * 1000 + delta.microseconds // 1000


def _codec_options(given: Mapping[str, Any]) -> Dict[str, Any]:
    """The arguments of _core.Client.set_codec_options for pymongo's codec options ``given``
    (lower-case names), checked with pymongo's rules and errors; pymongo's defaults otherwise
    (dict, naive UTC datetimes, UUIDs refused: uuidRepresentation "unspecified")."""
    tz_aware = _tz_aware(given["tz_aware"]) if "tz_aware" in given else False
    tzinfo = given.get("tzinfo")
    if tzinfo is not None:
        if not isinstance(tzinfo, datetime.tzinfo):
            raise TypeError(f"{tzinfo} must be an instance of datetime.tzinfo")
        if not tz_aware:
            raise ValueError("cannot specify tzinfo without also setting tz_aware=True")
    document_class = _document_class(given["document_class"]) if "document_class" in given else dict
    uuid_rep = given.get("uuidrepresentation", (None, False))
    zone = tzinfo or datetime.timezone.utc
    return {
        "tz_aware": tz_aware,
        "tzinfo": tzinfo,
        "document_class": document_class,
        "uuid_representation": 0 if uuid_rep[0] is None else _uuid_representation(*uuid_rep),
        "datetime_conversion": _datetime_conversion(given.get("datetime_conversion")),
        "min_ms": max(_MIN_UTC_MS, _MIN_UTC_MS - _offset_ms(zone, _MIN_UTC)),
        "max_ms": min(_MAX_UTC_MS, _MAX_UTC_MS - _offset_ms(zone, _MAX_UTC)),
    }


def _split_url_codec_options(url: str) -> Tuple[str, Dict[str, Any]]:
    """The URL without its codec options (tz_aware, uuidRepresentation, datetime_conversion,
    any case), and those options by lower-case name (the other query parts stay verbatim)."""
    if "?" not in url:
        return url, {}
    base, query = url.split("?", 1)
    kept = []
    found: Dict[str, Any] = {}
    for part in query.split("&"):
        name, _, value = part.partition("=")
        if name.lower() in _CODEC_URI_OPTIONS:
            found[name.lower()] = unquote(value)
        elif part:
            kept.append(part)
    return (base + "?" + "&".join(kept)) if kept else base, found


def _check_options(url: str, options: Mapping[str, Any]) -> Tuple[str, Dict[str, Any], Dict[str, Any]]:
    """The URL for the driver, the URI options among ``options`` and the codec options (the
    arguments of _core.Client.set_codec_options). ConfigurationError for an unknown keyword
    option; a warning for an unknown option in the URL's query (pymongo's rules for both);
    pymongo's errors for a bad codec option."""
    url, from_url = _split_url_codec_options(url)
    codec = _checked_url_options(from_url)
    uri_options: Dict[str, Any] = {}
    for key, value in options.items():
        lower = key.lower()
        if lower in _CODEC_OPTIONS:
            codec[lower] = (value, False) if lower == "uuidrepresentation" else value
        elif lower == "connect":
            if value not in (True, False, None):
                raise TypeError("connect must be True or False")
        elif not _core.uri_option_is_known(key):
            raise ConfigurationError(f"Unknown option: {key}")
        else:
            uri_options[key] = value
    query = url.split("?", 1)[1] if "?" in url else ""
    for key, _ in parse_qsl(query, keep_blank_values=True):
        if not _core.uri_option_is_known(key):
            warnings.warn(f"Unknown option {key}", stacklevel=3)
    return url, uri_options, _codec_options(codec)


def _checked_url_options(found: Mapping[str, str]) -> Dict[str, Any]:
    """The codec options of a URL (``found``: by lower-case name) that pymongo would take: a
    bad value is a UserWarning and left out (pymongo's rule for URI options), but an unknown
    datetime_conversion name raises KeyError there too."""
    codec: Dict[str, Any] = {}
    for key, value in found.items():
        given = (value, True) if key == "uuidrepresentation" else value
        try:
            _codec_options({key: given})
        except ValueError as e:
            warnings.warn(str(e), stacklevel=4)
            continue
        codec[key] = given
    return codec


def _url_codec_options(url: str) -> Dict[str, Any]:
    """The codec options a URL alone gives (the default connection's client)."""
    _, found = _split_url_codec_options(url)
    return _codec_options(_checked_url_options(found))


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
        url, uri_options, codec = _check_options(url, options)
        self._native = _core.Client(_with_options(url, uri_options), username, password)
        self._native.set_codec_options(**codec)
        self._databases: Dict[str, Database] = {}
        self._lock = threading.Lock()

    @classmethod
    def _from_native(cls, native: _core.Client, url: Optional[str] = None) -> MongoClient:
        """A MongoClient over ``native`` (the default connection's), with the codec options
        of ``url`` (the one it connected with)."""
        native.set_codec_options(**_url_codec_options(url or ""))
        client = cls.__new__(cls)
        client._native = native
        client._databases = {}
        client._lock = threading.Lock()
        return client

    # --- navigation ---------------------------------------------------------------------
    def get_database(self, name: Optional[str] = None) -> Database:
        """The database ``name`` (the URL's default database when None; ConfigurationError when the
        URL names none), one object per name. Also ``client[name]`` and ``client.name``."""
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
        """The URL's default database, else ``default``; ConfigurationError when neither is set."""
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
        """The ``admin`` database."""
        return self.get_database("admin")

    # --- operations ---------------------------------------------------------------------
    def list_database_names(self) -> List[str]:
        """The names of the deployment's databases (``listDatabases`` with ``nameOnly``)."""
        reply = self._native.command("admin", {"listDatabases": 1, "nameOnly": True})
        return [d["name"] for d in reply.get("databases", [])]

    def drop_database(self, name_or_database: Any) -> None:
        """Drops a database, given by name or as a Database."""
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
        """The database's name."""
        return self._name

    @property
    def client(self) -> MongoClient:
        """The MongoClient this database belongs to."""
        return self._client

    def get_collection(self, name: str) -> _core.Collection:
        """The collection ``name`` (also ``db[name]`` and ``db.name``), one object per name: the
        native collection, with pymongo's methods."""
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
        """The names of the database's collections (those matching ``filter`` when given)."""
        if kwargs:
            raise TypeError(f"list_collection_names() got an unexpected keyword argument {next(iter(kwargs))!r}")
        return self._client._native.list_collection_names(self._name, filter)

    def drop_collection(self, name_or_collection: Any) -> None:
        """Drops a collection, given by name or as a collection object."""
        name = getattr(name_or_collection, "name", name_or_collection)
        self.get_collection(name).drop()
        self._collections.pop(name, None)

    def create_collection(self, name: str) -> _core.Collection:
        """Creates the collection ``name`` (the ``create`` command) and returns it."""
        self.command({"create": name})
        return self.get_collection(name)

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Database) and other._name == self._name and other._client is self._client

    def __hash__(self) -> int:
        return hash(self._name)

    def __repr__(self) -> str:
        return f"Database({self._client!r}, {self._name!r})"
