"""Experiment: does coalescing concurrent aget() calls into one `$in` query raise throughput?

A benchmark-side prototype of what the library could do inside `aget()`: every call made while
the event loop is busy joins a pending batch; the batch is sent as one
`find({"_id": {"$in": [...]}})` when the loop next gets to it (or when it reaches `max_batch`
ids), and each caller gets the document with its id (or None), as a model, exactly as
`aget()` returns it. An error of the batched query is raised in every caller of that batch,
as each caller's own find_one would have raised it.

bench.py measures, per system (raw pymongo AsyncMongoClient dicts, and mongo_odm through
`await Model.get_async_collection()` + the model's own `_from_mongo_dict`):

- `individual`: N concurrent gets, each its own find_one (what aget() does today),
- `coalesced`: the same N concurrent gets through the coalescer, at each `max_batch`,

and checks once (untimed) that both give the same results, duplicates and missing ids included.
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


def comparable(x: Any) -> Any:
    if x is None:
        return None
    return x.model_dump() if hasattr(x, "model_dump") else dict(x)


async def check_same_results(collection: Any, convert: Callable[[Any], Any], ids: List[Any],
                             max_batch: Optional[int] = None) -> None:
    """Same answers with and without coalescing, with duplicates and missing ids mixed in."""
    probe = ids[:50] + ids[:10] + ["no-such-id-1", "no-such-id-2"] + ids[50:60]
    a = await individual_gets(collection, convert, probe)
    b = await coalesced_gets(collection, convert, probe, max_batch or len(probe))
    if [comparable(x) for x in a] != [comparable(x) for x in b]:
        raise AssertionError("coalesced gets returned other results than individual gets")
