"""pymongo, the reference the pymongo-surface tests compare mongo_odm with.

pymongo is never installed in the test virtualenv (test_packaging.py checks that mongo_odm works
without it); scripts/test.sh puts a copy in build/bson-ref (``pip install --no-deps --target``)
and exports MONGO_ODM_REFERENCE_BSON, the directory this module imports it from. Without it the
tests that need pymongo fail (they are not skipped): set MONGO_ODM_REFERENCE_BSON, or run
``pip install --no-deps --target build/bson-ref "pymongo>=4.6,<5"`` and point it there.
"""

import os
import sys

import pytest


def load_pymongo():
    """The pymongo package (and its bson), imported from MONGO_ODM_REFERENCE_BSON."""
    where = os.environ.get("MONGO_ODM_REFERENCE_BSON")
    if not where or not os.path.isdir(os.path.join(where, "pymongo")):
        pytest.fail("pymongo reference missing: set MONGO_ODM_REFERENCE_BSON to a directory holding pymongo "
                    "(pip install --no-deps --target build/bson-ref 'pymongo>=4.6,<5')")
    sys.path.insert(0, where)
    try:
        import pymongo  # noqa: F401
        import pymongo.errors  # noqa: F401
        import pymongo.results  # noqa: F401
    finally:
        sys.path.remove(where)
    return sys.modules["pymongo"]


@pytest.fixture(scope="session")
def pymongo_module():
    return load_pymongo()


@pytest.fixture(scope="session")
def pm_client(pymongo_module, settings):
    """A pymongo client on the same server as the suite."""
    client = pymongo_module.MongoClient(
        settings.url, username=settings.user, password=settings.password, serverSelectionTimeoutMS=5000
    )
    yield client
    client.close()


@pytest.fixture
def pm_coll(pm_client, settings, coll_name):
    """The test collection (the one `raw` names), seen through pymongo."""
    return pm_client[settings.db_name][coll_name]
