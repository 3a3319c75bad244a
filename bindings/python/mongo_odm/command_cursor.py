"""``CommandCursor``: what ``Collection.list_indexes()`` returns (pymongo's class of that name).

The C API answers listIndexes with the whole result at once (``mongo_odm/index.h``), so the
cursor walks documents it already holds: no further server call, and ``cursor_id`` is 0. As
pymongo's, it is an iterator (``for``, ``next()``, ``try_next()``), reads into a list with
``to_list(length)``, and is a context manager; ``close()`` ends it for the server, and what was
already received is still handed out (pymongo's behaviour for a cursor read in one batch).
"""

from __future__ import annotations

import collections
from typing import TYPE_CHECKING, Any, Deque, Iterable, List, Optional

if TYPE_CHECKING:
    from typing_extensions import Self

__all__ = ["CommandCursor"]


def check_to_list_length(length: Optional[int]) -> None:
    """pymongo's check of ``to_list(length)``: None (everything) or at least 1."""
    if length is not None and length < 1:
        raise ValueError("to_list() length must be greater than 0")


def check_batch_size(batch_size: Any) -> None:
    """pymongo's check of ``batch_size(n)``: an int, not negative."""
    if not isinstance(batch_size, int) or isinstance(batch_size, bool):
        raise TypeError(f"batch_size must be an integer, not {type(batch_size)}")
    if batch_size < 0:
        raise ValueError("batch_size must be >= 0")


class CommandCursor:
    """An iterator over a command's result documents (pymongo's CommandCursor)."""

    def __init__(self, documents: Iterable[Any]) -> None:
        self._docs: Deque[Any] = collections.deque(documents)
        self._closed = False

    def __iter__(self) -> Self:
        return self

    def __next__(self) -> Any:
        if not self._docs:
            raise StopIteration
        return self._docs.popleft()

    def next(self) -> Any:
        """The next document; StopIteration at the end."""
        return self.__next__()

    def try_next(self) -> Optional[Any]:
        """The next document, or None when there is none."""
        return self._docs.popleft() if self._docs else None

    def to_list(self, length: Optional[int] = None) -> List[Any]:
        """The remaining documents as a list: at most ``length`` of them (at least 1), all
        when None."""
        check_to_list_length(length)
        n = len(self._docs) if length is None else min(length, len(self._docs))
        return [self._docs.popleft() for _ in range(n)]

    def batch_size(self, batch_size: int) -> Self:
        """pymongo's batch_size(): checked, then without effect (the result came in one reply)."""
        check_batch_size(batch_size)
        return self

    @property
    def alive(self) -> bool:
        """Whether documents remain to be read."""
        return bool(self._docs)

    @property
    def cursor_id(self) -> int:
        """0: no cursor remains open on the server."""
        return 0

    @property
    def session(self) -> None:
        """None (sessions are not supported)."""
        return None

    def close(self) -> None:
        """Closes the cursor (nothing is open on the server; the documents already received
        are still handed out, as pymongo's)."""
        self._closed = True

    def __enter__(self) -> Self:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def __repr__(self) -> str:
        return f"CommandCursor({len(self._docs)} documents left)"
