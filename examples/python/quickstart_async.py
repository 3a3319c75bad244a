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


async def main() -> None:
    await Event.adelete_many({})

    # 500 saves in flight at once.
    events = [Event(kind="click" if i % 2 else "view", seq=i) for i in range(500)]
    await asyncio.gather(*(e.asave() for e in events))
    print("saved:", await Event.acount())

    first = await Event.aget(events[0].id)
    print("aget:", first.kind, first.seq)

    clicks = await Event.afind({"kind": "click"}, sort=[("seq", 1)], limit=3)
    print("first clicks:", [e.seq for e in clicks])

    total = 0
    async for event in Event.afind_iter({"kind": "view"}):
        total += event.seq
    print("sum of view seq (streamed):", total)

    print("aupdate_many:", await Event.aupdate_many({"kind": "view"}, {"$set": {"note": "seen"}}))
    print("aaggregate:", await Event.aaggregate([{"$match": {"note": "seen"}}, {"$count": "seen"}]))
    print("adelete_many:", await Event.adelete_many({}))


if __name__ == "__main__":
    asyncio.run(main())
