"""Experiment: does coalescing concurrent aget() calls into one `$in` query raise throughput?

mongo_odm now does it in the library (its async collection's find_one, docs/design.md
"Coalesced gets"): bench.py measures the library's own aget() with coalescing off
(`set_coalescing(False)`: one find_one per call, what aget() did before) and on, at two batch
caps (100, the default, and 1000). For raw pymongo AsyncMongoClient, which has no such thing,
`GetCoalescer` below is the benchmark-side prototype the library's design came from: every
call made while the event loop is busy joins a pending batch; the batch is sent as one
`find({"_id": {"$in": [...]}})` when the loop next gets to it (or when it reaches `max_batch`
ids), and each caller gets the document with its id (or None). An error of the batched query
is raised in every caller of that batch.

Variants, per system:

- `individual`: N concurrent gets, each its own find_one (mongo_odm: aget() with coalescing off),
- `coalesced ...`: the same N concurrent gets coalesced (mongo_odm: aget() with coalescing on;
  pymongo: through GetCoalescer), at each batch cap,

after an untimed check that both give the same results, duplicates and missing ids included.
"""

from __future__ import annotations

import asyncio
from typing import Any, Callable, Dict, List, Optional


class GetCoalescer:
    """Batches concurrent get-by-_id calls on one collection into `$in` queries."""

    def __init__(self, collection: Any, convert: Callable[[Any], Any], max_batch: int = 1000) -> None:
        self._collection = collection
        self._convert = convert
        self._max_batch = max_batch
        self._pending: Dict[Any, List[asyncio.Future]] = {}
        self._scheduled = False

    async def get(self, id: Any) -> Any:
        loop = asyncio.get_running_loop()
        future = loop.create_future()
        waiters = self._pending.get(id)
        if waiters is None:
            self._pending[id] = [future]
        else:
            waiters.append(future)  # the same id twice in a batch: one lookup, both answered
        if len(self._pending) >= self._max_batch:
            self._flush()
        elif not self._scheduled:
            self._scheduled = True
            loop.call_soon(self._flush)
        return await future

    def _flush(self) -> None:
        self._scheduled = False
        if not self._pending:
            return
        batch, self._pending = self._pending, {}
        asyncio.get_running_loop().create_task(self._run(batch))

    async def _run(self, batch: Dict[Any, List[asyncio.Future]]) -> None:
        try:
            ids = list(batch)
            docs = await self._collection.find({"_id": {"$in": ids}}).to_list(None)
        except BaseException as exc:  # every caller of the batch sees the error
            for waiters in batch.values():
                for f in waiters:
                    if not f.done():
                        f.set_exception(exc)
            return
        by_id = {d["_id"]: d for d in docs}
        for id, waiters in batch.items():
            doc = by_id.get(id)
            for f in waiters:
                if f.done():
                    continue
                try:
                    # each caller its own object, as separate find_one calls would give
                    f.set_result(self._convert(dict(doc)) if doc is not None else None)
                except Exception as exc:  # a document the model rejects: that caller's error
                    f.set_exception(exc)


async def individual_gets(collection: Any, convert: Callable[[Any], Any], ids: List[Any]) -> List[Any]:
    """What aget() does today: one find_one per call, all concurrent."""

    async def one(i: Any) -> Any:
        doc = await collection.find_one({"_id": i})
        return None if doc is None else convert(doc)

    return await asyncio.gather(*(one(i) for i in ids))


async def coalesced_gets(collection: Any, convert: Callable[[Any], Any], ids: List[Any], max_batch: int) -> List[Any]:
    coalescer = GetCoalescer(collection, convert, max_batch)
    return await asyncio.gather(*(coalescer.get(i) for i in ids))


async def library_gets(model: Any, ids: List[Any], enabled: bool, max_batch: int) -> List[Any]:
    """mongo_odm's own aget(), N concurrent calls, with the library's coalescing on or off."""
    import mongo_odm

    mongo_odm.set_coalescing(enabled, max_batch)
    try:
        return await asyncio.gather(*(model.aget(i) for i in ids))
    finally:
        mongo_odm.set_coalescing(True, LIBRARY_DEFAULT_MAX_BATCH)


LIBRARY_DEFAULT_MAX_BATCH = 100


def comparable(x: Any) -> Any:
    if x is None:
        return None
    return x.model_dump() if hasattr(x, "model_dump") else dict(x)


def _probe(ids: List[Any]) -> List[Any]:
    return ids[:50] + ids[:10] + ["no-such-id-1", "no-such-id-2"] + ids[50:60]


async def check_same_results(collection: Any, convert: Callable[[Any], Any], ids: List[Any],
                             max_batch: Optional[int] = None) -> None:
    """Same answers with and without coalescing (the prototype), with duplicates and missing
    ids mixed in."""
    probe = _probe(ids)
    a = await individual_gets(collection, convert, probe)
    b = await coalesced_gets(collection, convert, probe, max_batch or len(probe))
    if [comparable(x) for x in a] != [comparable(x) for x in b]:
        raise AssertionError("coalesced gets returned other results than individual gets")


async def check_library_same_results(model: Any, ids: List[Any]) -> None:
    """mongo_odm's aget() gives the same models with its coalescing on (small batches and one
    batch) as off, with duplicates and missing ids mixed in."""
    probe = _probe(ids)
    off = [comparable(x) for x in await library_gets(model, probe, False, LIBRARY_DEFAULT_MAX_BATCH)]
    for cap in (7, len(probe)):
        if [comparable(x) for x in await library_gets(model, probe, True, cap)] != off:
            raise AssertionError(f"aget() with coalescing (batches <= {cap}) returned other results than without")
