"""The library's log: what libmongo_odm and libmongoc underneath it have to say.

Quiet by default: nothing is written until a level is chosen, either with the environment
variable ``MONGO_ODM_LOG=error|warning|info|debug`` (read once, when ``mongo_odm`` is first
imported) or at run time::

    import mongo_odm
    mongo_odm.set_log_level("debug")     # "off", "error", "warning", "info" or "debug"
    mongo_odm.get_log_level()            # -> "debug"

Messages at the chosen level or more severe are written by the native library to the process's
standard error (file descriptor 2), one line each::

    mongo_odm[warning] cluster: Failed authentication to 127.0.0.1:27017 (Authentication failed.)

where the word after the level is the domain: ``mongo_odm`` for the library itself, else
libmongoc's ("client", "cluster", "monitor", "stream", ...).

They are written from C, not through Python's ``logging`` module, on purpose: libmongoc logs from
its own background threads (server monitoring), possibly while the interpreter shuts down, when
calling into Python is not safe. Messages never contain a password: the passwords of live
clients (URL, ``username``/``password`` arguments, ``tlsCertificateKeyFilePassword``) are
replaced by ``*****`` before a line is written.
"""

from __future__ import annotations

from typing import Optional

from mongo_odm import _core

__all__ = ["set_log_level", "get_log_level", "LOG_LEVELS"]

# Names of the levels, least to most verbose; their index - 1 is the C enum's value.
LOG_LEVELS = ("off", "error", "warning", "info", "debug")
_ALIASES = {"warn": "warning", "none": "off"}


def set_log_level(level: Optional[str]) -> None:
    """Writes the library's messages at ``level`` or more severe to stderr.

    ``level`` is one of ``"off"`` (the default), ``"error"``, ``"warning"``, ``"info"``,
    ``"debug"`` (case-insensitive; ``"warn"`` means ``"warning"``, ``None`` means ``"off"``).
    Overrides MONGO_ODM_LOG.
    Raises ValueError for another name, TypeError for another type. Thread-safe.
    """
    if level is None:
        name = "off"
    elif isinstance(level, str):
        name = level.strip().lower()
        name = _ALIASES.get(name, name)
        if name not in LOG_LEVELS:
            raise ValueError(f"unknown log level {level!r}: use one of {', '.join(LOG_LEVELS)}")
    else:
        raise TypeError(f"log level must be a str or None, not {type(level).__name__}")
    _core.set_log_level(LOG_LEVELS.index(name) - 1)


def get_log_level() -> str:
    """The level in effect: ``"off"``, ``"error"``, ``"warning"``, ``"info"`` or ``"debug"``."""
    return LOG_LEVELS[_core.get_log_level() + 1]
