"""mongo_odm: a MongoDB object-document mapper with a native core.

A drop-in replacement for lightodm 0.2.0 (same API, same behaviour): Pydantic v2 models with
sync and async CRUD. Every database operation, BSON conversion and id goes through the C
library libmongo_odm (bundled); the only runtime dependency is pydantic.

    from mongo_odm import MongoBaseModel, connect

    connect(url="mongodb://localhost:27017", db_name="app")

    class User(MongoBaseModel):
        class Settings:
            name = "users"
        name: str

    User(name="Ada").save()

The library is silent unless asked: ``mongo_odm.set_log_level("debug")`` (or the environment
variable MONGO_ODM_LOG=debug) writes its and libmongoc's messages to stderr, passwords masked;
see ``mongo_odm.log``.
"""

import os as _os

# libmongoc 1.x initialises itself when the extension loads, before the library can install its
# quiet log handler, and creates /dev/shm/mongoc-<pid> for its statistics counters (read only by
# the mongoc-stat tool). A process killed with SIGKILL leaves that file behind; a later process
# given the same pid then gets "Falling back to malloc for counters." on stderr. The counters
# are off unless the program asked for them.
_os.environ.setdefault("MONGOC_DISABLE_SHM", "1")

from mongo_odm import _core, errors
from mongo_odm._async import get_coalescing, set_coalescing
from mongo_odm._core import ObjectId
from mongo_odm.bson_types import Binary, DatetimeMS, Int64, MaxKey, MinKey, Timestamp
from mongo_odm.bulk import BulkWriter, BulkWriteResult
from mongo_odm.connection import (
    MongoConnection,
    connect,
    get_async_client,
    get_async_database,
    get_client,
    get_collection,
    get_database,
    get_mongo_connection,
)
from mongo_odm.indexes import ASCENDING, DESCENDING, IndexModel
from mongo_odm.log import get_log_level, set_log_level
from mongo_odm.model import MongoBaseModel, generate_composite_id, generate_id
from mongo_odm.operations import DeleteMany, DeleteOne, InsertOne, ReplaceOne, ReturnDocument, UpdateMany, UpdateOne

__version__ = _core.__version__

__all__ = [
    "MongoBaseModel",
    "generate_id",
    "generate_composite_id",
    "MongoConnection",
    "connect",
    "get_mongo_connection",
    "get_collection",
    "get_async_database",
    "get_database",
    "get_client",
    "get_async_client",
    "ObjectId",
    "Timestamp",
    "MinKey",
    "MaxKey",
    "Binary",
    "DatetimeMS",
    "Int64",
    "errors",
    "IndexModel",
    "ASCENDING",
    "DESCENDING",
    "BulkWriter",
    "BulkWriteResult",
    "set_log_level",
    "get_log_level",
    "set_coalescing",
    "get_coalescing",
    "ReturnDocument",
    "InsertOne",
    "UpdateOne",
    "UpdateMany",
    "ReplaceOne",
    "DeleteOne",
    "DeleteMany",
    "__version__",
]
