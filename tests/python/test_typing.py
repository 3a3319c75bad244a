"""The package's typing contract, checked without a type checker: pyproject.toml configures ruff
and mypy --strict for the package (scripts/test.sh runs them), and the collections the model
layer gets by default provide every member of the bring-your-own-collection protocols."""

import inspect
import sys
from pathlib import Path

import pytest

from mongo_odm import _core
from mongo_odm._async import AsyncCollection, AsyncCursor
from mongo_odm.protocols import (
    AsyncCollectionProtocol,
    AsyncCursorProtocol,
    CollectionProtocol,
    DeleteResultProtocol,
    InsertManyResultProtocol,
    UpdateResultProtocol,
)

PYPROJECT = Path(__file__).resolve().parents[2] / "pyproject.toml"


def members(protocol: type) -> list:
    """The names a protocol declares (its own attributes, dunders such as __aiter__ included)."""
    return sorted(n for n in vars(protocol) if n == "__aiter__" or not n.startswith("_"))


@pytest.mark.skipif(sys.version_info < (3, 11), reason="tomllib is Python 3.11+")
def test_pyproject_configures_ruff_and_mypy_for_the_package():
    import tomllib

    tool = tomllib.loads(PYPROJECT.read_text())["tool"]
    assert tool["mypy"]["strict"] is True
    assert tool["mypy"]["files"] == ["bindings/python/mongo_odm"]
    assert tool["ruff"]["lint"]["select"], "an explicit rule set"


@pytest.mark.parametrize(
    "protocol, implementation",
    [
        (CollectionProtocol, _core.Collection),
        (AsyncCollectionProtocol, AsyncCollection),
        (AsyncCursorProtocol, AsyncCursor),
        (InsertManyResultProtocol, _core.InsertManyResult),
        (UpdateResultProtocol, _core.UpdateResult),
        (DeleteResultProtocol, _core.DeleteResult),
    ],
)
def test_default_collections_provide_the_protocols(protocol, implementation):
    names = members(protocol)
    assert names
    missing = [n for n in names if not hasattr(implementation, n)]
    assert not missing, f"{implementation.__name__} lacks {missing} of {protocol.__name__}"


def test_async_collection_awaits_what_the_protocol_awaits():
    # find and aggregate return a cursor at once (motor's shape); the others are awaited.
    for name in members(AsyncCollectionProtocol):
        is_coroutine = inspect.iscoroutinefunction(getattr(AsyncCollection, name))
        assert is_coroutine is (name not in ("find", "aggregate")), name
