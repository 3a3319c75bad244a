"""mongo_odm's process-wide state, for the test suites (imported as ``odm_state``; tests/support
is on sys.path): the connection singleton, the environment variables connect() falls back on,
and models made on the fly.

mongo_odm is imported inside the functions: a suite's conftest imports this module before the
package under test is needed.
"""

from __future__ import annotations

import sys
import types
from typing import Any, Dict, Optional

# The variables connect() reads when it is given no arguments (MONGO_ODM_LOG: the log level).
SERVER_VARIABLES = ("MONGO_URL", "MONGO_USER", "MONGO_PASSWORD", "MONGO_DB_NAME")


def reset_singleton() -> None:
    """Forgets the connection singleton the way lightodm's own conftest does: the class
    attributes of MongoConnection and the module's ``_mongo_conn``."""
    import mongo_odm.connection as conn_module
    from mongo_odm.connection import MongoConnection

    MongoConnection._instance = None
    MongoConnection._client = None
    MongoConnection._db = None
    MongoConnection._async_client = None
    MongoConnection._pending_params = None
    conn_module._mongo_conn = None


def close_and_reset() -> None:
    """Closes the singleton's connection, when there is one, then forgets it (a test's end)."""
    from mongo_odm.connection import MongoConnection

    if MongoConnection._instance is not None:
        MongoConnection._instance.close_connection()
    reset_singleton()


def make_model(class_name: str, collection: str, *, settings: Optional[Dict[str, Any]] = None, **fields: Any) -> type:
    """A MongoBaseModel subclass named `class_name` on `collection`, as its class statement
    would make it: each field is ``name=type`` or ``name=(type, default)``; `settings` holds
    more attributes of its inner Settings class (``composite_key``)."""
    from mongo_odm import MongoBaseModel

    annotations, defaults = {}, {}
    for name, spec in fields.items():
        if isinstance(spec, tuple):
            annotations[name], defaults[name] = spec
        else:
            annotations[name] = spec
    module = sys._getframe(1).f_globals.get("__name__", __name__)  # the caller's, as a class statement
    # an inner class, as pydantic tells one (same module, qualified name under the model's)
    inner = {"__module__": module, "__qualname__": f"{class_name}.Settings", "name": collection, **(settings or {})}
    settings_class = type("Settings", (), inner)

    def body(ns: dict) -> None:
        ns.update(__module__=module, __qualname__=class_name, __annotations__=annotations, Settings=settings_class,
                  **defaults)

    return types.new_class(class_name, (MongoBaseModel,), exec_body=body)
