"""mongo_odm quickstart (asyncio).

Every `a`-prefixed method runs its blocking native call on a worker thread with the GIL
released: the event loop keeps serving other tasks meanwhile.
"""

import asyncio
from typing import Optional

from mongo_odm import MongoBaseModel


class Event(MongoBaseModel):
    class Settings:
        name = "quickstart_py_events"

    kind: str
    seq: int
    note: Optional[str] = None


def check(ok: bool, what: str) -> None:
    """Stops the example with a message when a result is not the expected one."""
    if not ok:
        raise SystemExit(f"unexpected result: {what}")


async def main() -> None:
    await Event.adelete_many({})

    # 500 saves in flight at once.
    events = [Event(kind="click" if i % 2 else "view", seq=i) for i in range(500)]
    await asyncio.gather(*(e.asave() for e in events))
    saved = await Event.acount()
    check(saved == 500, "500 saved")
    print("saved:", saved)

    first = await Event.aget(events[0].id or "")  # None when not found; errors raise
    check(first is not None and first.seq == 0, "aget")
    print("aget:", first.kind if first else None, first.seq if first else None)

    clicks = await Event.afind({"kind": "click"}, sort=[("seq", 1)], limit=3)
    check([e.seq for e in clicks] == [1, 3, 5], "afind clicks")
    print("first clicks:", [e.seq for e in clicks])

    total = 0
    async for event in Event.afind_iter({"kind": "view"}):
        total += event.seq
    check(total == sum(range(0, 500, 2)), "afind_iter")
    print("sum of view seq (streamed):", total)

    modified = await Event.aupdate_many({"kind": "view"}, {"$set": {"note": "seen"}})
    check(modified == 250, "aupdate_many")
    print("aupdate_many:", modified)
    counted = await Event.aaggregate([{"$match": {"note": "seen"}}, {"$count": "seen"}])
    check(counted == [{"seen": 250}], "aaggregate")
    print("aaggregate:", counted)
    deleted = await Event.adelete_many({})
    check(deleted == 500, "adelete_many")
    print("adelete_many:", deleted)


if __name__ == "__main__":
    asyncio.run(main())
