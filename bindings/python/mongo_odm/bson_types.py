"""Small value types for the BSON types that have no builtin Python equivalent."""

from __future__ import annotations

from typing import NamedTuple

__all__ = ["Timestamp", "MinKey", "MaxKey"]


class Timestamp(NamedTuple):
    """A BSON timestamp (the server's internal replication clock): seconds and an increment."""

    time: int
    inc: int


class MinKey:
    """The BSON value that sorts before every other value."""

    def __eq__(self, other: object) -> bool:
        return isinstance(other, MinKey)

    def __hash__(self) -> int:
        return hash("MinKey")

    def __repr__(self) -> str:
        return "MinKey()"


class MaxKey:
    """The BSON value that sorts after every other value."""

    def __eq__(self, other: object) -> bool:
        return isinstance(other, MaxKey)

    def __hash__(self) -> int:
        return hash("MaxKey")

    def __repr__(self) -> str:
        return "MaxKey()"
