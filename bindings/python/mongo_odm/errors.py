"""Exceptions raised by mongo_odm, named and arranged like pymongo's.

Code written against pymongo ports by changing the import: ``from pymongo.errors import
DuplicateKeyError`` becomes ``from mongo_odm.errors import DuplicateKeyError``.

Differences from pymongo, on purpose: ConnectionFailure is also the builtin ConnectionError
(lightodm raises ConnectionError when the connection cannot be initialized), and
ConfigurationError is also a ValueError (lightodm raises ValueError for missing parameters).
The BSON errors (InvalidDocument, InvalidBSON, InvalidId) live here too.
"""

from __future__ import annotations

from typing import Any, Iterable, Mapping, Optional, Tuple, Type

__all__ = [
    "PyMongoError",
    "ConfigurationError",
    "InvalidURI",
    "InvalidOperation",
    "ConnectionFailure",
    "AutoReconnect",
    "NetworkTimeout",
    "ServerSelectionTimeoutError",
    "WaitQueueTimeoutError",
    "OperationCancelled",
    "OperationFailure",
    "ExecutionTimeout",
    "CursorNotFound",
    "AuthenticationFailed",
    "WriteError",
    "DuplicateKeyError",
    "RevisionConflictError",
    "BulkWriteError",
    "BSONError",
    "InvalidDocument",
    "DocumentTooLarge",
    "InvalidBSON",
    "InvalidId",
]


class PyMongoError(Exception):
    """Base class of every mongo_odm database error."""

    def __init__(self, message: str = "", error_labels: Optional[Iterable[str]] = None) -> None:
        super().__init__(message)
        self._message = message
        self._error_labels = set(error_labels or [])

    def has_error_label(self, label: str) -> bool:
        """True when the server's reply labelled the error ``label`` (e.g.
        ``"TransientTransactionError"``), as pymongo's method of that name."""
        return label in self._error_labels

    @property
    def timeout(self) -> bool:
        """True when the error is a timeout of some kind (pymongo's property); False here."""
        return False


class ConfigurationError(PyMongoError, ValueError):
    """Connection parameters are missing or invalid."""


class InvalidURI(ConfigurationError):
    """The MongoDB URL cannot be parsed."""


class InvalidOperation(PyMongoError):
    """The operation cannot be performed (e.g. on a closed client)."""


class ConnectionFailure(PyMongoError, ConnectionError):
    """The server could not be reached, or the handshake/authentication/TLS failed."""


class AutoReconnect(ConnectionFailure):
    """The connection was lost; the operation may be retried."""


class NetworkTimeout(AutoReconnect):
    """A socket timed out."""

    @property
    def timeout(self) -> bool:
        """True: this error is a timeout."""
        return True


class ServerSelectionTimeoutError(AutoReconnect):
    """No server was selected within serverSelectionTimeoutMS."""

    @property
    def timeout(self) -> bool:
        """True: this error is a timeout."""
        return True


class WaitQueueTimeoutError(ConnectionFailure):
    """No pooled connection became free within waitQueueTimeoutMS."""

    @property
    def timeout(self) -> bool:
        """True: this error is a timeout."""
        return True


class OperationCancelled(PyMongoError):
    """A call was stopped through its cancel token (``mongo_odm._core.CancelToken``). The async
    API raises ``asyncio.CancelledError`` instead, and a call on the main thread the exception a
    signal handler raised (``KeyboardInterrupt`` for Ctrl-C)."""


class OperationFailure(PyMongoError):
    """The server refused the operation. ``code`` is the server's error code and ``details``
    its full reply (a dict) when there is one."""

    def __init__(
        self,
        error: str,
        code: Optional[int] = None,
        details: Optional[Mapping[str, Any]] = None,
        max_wire_version: Optional[int] = None,
    ) -> None:
        labels = (details or {}).get("errorLabels") if isinstance(details, Mapping) else None
        super().__init__(error, labels)
        self.__code = code
        self.__details = details
        self.__max_wire_version = max_wire_version

    @property
    def code(self) -> Optional[int]:
        """The server's error code, or None when there is none."""
        return self.__code

    @property
    def details(self) -> Optional[Mapping[str, Any]]:
        """The server's full reply (a dict), or None when there is none."""
        return self.__details

    def __str__(self) -> str:
        text = self._message
        if self.__details is not None:
            text += f", full error: {dict(self.__details)!r}"
        return text


class AuthenticationFailed(OperationFailure, ConnectionFailure):
    """The server refused the credentials: pymongo's OperationFailure with code 18 (details: the
    server's reply), and also a ConnectionFailure (lightodm raises ConnectionError when the
    connection cannot be initialized)."""


class CursorNotFound(OperationFailure):
    """The server no longer has the cursor being read (killed, or timed out): code 43."""


class ExecutionTimeout(OperationFailure):
    """The operation exceeded its maxTimeMS (server code 50)."""

    @property
    def timeout(self) -> bool:
        """True: this error is a timeout."""
        return True


class WriteError(OperationFailure):
    """A write was refused."""


class DuplicateKeyError(WriteError):
    """A write would duplicate a unique key (server code 11000)."""


class RevisionConflictError(OperationFailure):
    """A save of a model with ``Settings.use_revision`` found that the stored document's
    ``revision_id`` is no longer the one the document was loaded (or last saved) with, or that
    a document with its id exists although this one was never loaded: another writer got there
    first. Nothing was written: reload the document, apply the change again and save.

    An OperationFailure because it is a write the database did not apply (code that handles
    failed writes generically sees it), but neither a WriteError nor a DuplicateKeyError: a
    handler that retries duplicate keys must not mistake a lost race for one. ``code`` and
    ``details`` are None: the library detected the conflict itself (libmongo_odm's
    MONGO_ODM_ERROR_REVISION_CONFLICT)."""


class BulkWriteError(OperationFailure):
    """A multi-document write (insert_many, bulk_write) failed part-way. ``code`` is 65 and
    ``details`` pymongo's: ``writeErrors`` (each with its operation's ``index``, ``code``,
    ``errmsg``), ``writeConcernErrors`` and the counts of what was written (``nInserted``,
    ``nUpserted``, ``nMatched``, ``nModified``, ``nRemoved``, ``upserted``)."""

    def __init__(self, results: Mapping[str, Any]) -> None:
        super().__init__("batch op errors occurred", 65, results)

    def __reduce__(self) -> Tuple[Type[BulkWriteError], Tuple[Optional[Mapping[str, Any]]]]:
        return self.__class__, (self.details,)


class BSONError(PyMongoError):
    """Base class of the BSON encoding/decoding errors."""


class InvalidDocument(BSONError):
    """A value or key cannot be encoded as BSON (unsupported type, cycle, non-str or NUL key,
    too large, ...)."""


class DocumentTooLarge(InvalidDocument):
    """The encoded document is over the 16 MiB limit."""


class InvalidBSON(BSONError):
    """Bytes that are not valid BSON, or a value Python cannot represent."""


class InvalidId(BSONError):
    """A string or bytes value that is not an ObjectId."""
