"""Small value types for the BSON types that have no builtin Python equivalent."""

from __future__ import annotations

import datetime
from typing import TYPE_CHECKING, NamedTuple, Optional, Union

if TYPE_CHECKING:
    from typing_extensions import Self

__all__ = ["Timestamp", "MinKey", "MaxKey", "Binary", "DatetimeMS"]


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


class Binary(bytes):
    """BSON binary data with its subtype (pymongo's bson.Binary, the parts mongo_odm uses).

    The decoder gives one for every subtype but 0 (plain ``bytes``), unless a UUID subtype (3 or
    4) becomes a ``uuid.UUID`` under the client's ``uuidRepresentation`` (pymongo's rules); the
    encoder keeps its subtype.
    As in pymongo, a Binary equals only a Binary of the same bytes and subtype.
    """

    subtype: int

    def __new__(cls, data: bytes, subtype: int = 0) -> Self:
        if not isinstance(subtype, int):
            raise TypeError("subtype must be an instance of int")
        if subtype >= 256 or subtype < 0:
            raise ValueError("subtype must be contained in [0, 256)")
        self = super().__new__(cls, data)
        self.subtype = subtype
        return self

    def __eq__(self, other: object) -> bool:
        if isinstance(other, Binary):
            return (self.subtype, bytes(self)) == (other.subtype, bytes(other))
        return False

    def __ne__(self, other: object) -> bool:
        return not self == other

    def __hash__(self) -> int:
        return hash((self.subtype, bytes(self)))

    def __repr__(self) -> str:
        return f"Binary({bytes(self)!r}, {self.subtype})"


_EPOCH = datetime.datetime(1970, 1, 1, tzinfo=datetime.timezone.utc)


class Int64(int):
    """An int stored as BSON int64 whatever its size (pymongo's bson.int64.Int64). A plain int
    is stored as int32 when it fits; a server field that must be a long (a cursor id given to
    ``killCursors``) needs this. ``Cursor.cursor_id`` is one."""

    __slots__ = ()

    def __repr__(self) -> str:
        return f"Int64({int(self)})"


class DatetimeMS:
    """A BSON datetime as milliseconds since the Unix epoch (pymongo's bson.DatetimeMS): what
    ``datetime_conversion="DATETIME_MS"`` (or ``"DATETIME_AUTO"`` outside years 1..9999)
    decodes to; it encodes back as the same BSON datetime."""

    __slots__ = ("_value",)

    def __init__(self, value: Union[int, datetime.datetime]) -> None:
        if isinstance(value, int):
            if not -(2**63) <= value <= 2**63 - 1:
                raise OverflowError("Must be a 64-bit integer of milliseconds")
            self._value = value
        elif isinstance(value, datetime.datetime):
            aware = value if value.utcoffset() is not None else value.replace(tzinfo=datetime.timezone.utc)
            delta = aware - _EPOCH
            self._value = (delta.days * 86400 + delta.seconds) * 1000 + delta.microseconds // 1000
        else:
            raise TypeError(f"{type(value)} is not a valid type for DatetimeMS")

    def __int__(self) -> int:
        return self._value

    def __hash__(self) -> int:
        return hash(self._value)

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self._value})"

    def __eq__(self, other: object) -> bool:
        return isinstance(other, DatetimeMS) and self._value == other._value

    def __ne__(self, other: object) -> bool:
        return not self == other

    def __lt__(self, other: DatetimeMS) -> bool:
        return self._value < int(other)

    def __le__(self, other: DatetimeMS) -> bool:
        return self._value <= int(other)

    def __gt__(self, other: DatetimeMS) -> bool:
        return self._value > int(other)

    def __ge__(self, other: DatetimeMS) -> bool:
        return self._value >= int(other)

    def as_datetime(self, tzinfo: Optional[datetime.tzinfo] = None) -> datetime.datetime:
        """The aware datetime (UTC, or converted to ``tzinfo``); OverflowError outside 1..9999."""
        value = _EPOCH + datetime.timedelta(milliseconds=self._value)
        return value.astimezone(tzinfo) if tzinfo is not None else value
