"""Bring your own connection: a model that uses a client you created instead of the
connection singleton (lightodm's BYOC pattern, with mongo_odm's pymongo-shaped clients).

A real pymongo/motor client works here too if you have one installed: the model only calls
pymongo's collection method names on whatever get_collection() returns.
"""

import asyncio
import os

from mongo_odm import MongoBaseModel
from mongo_odm._async import AsyncMongoClient
from mongo_odm.client import MongoClient

URL = os.environ.get("MONGO_URL", "mongodb://localhost:27017")
USER = os.environ.get("MONGO_USER")
PASSWORD = os.environ.get("MONGO_PASSWORD")
DB = os.environ.get("MONGO_DB_NAME", "myapp")

sync_client = MongoClient(URL, username=USER, password=PASSWORD, serverSelectionTimeoutMS=3000)
async_client = AsyncMongoClient(URL, username=USER, password=PASSWORD)


class Note(MongoBaseModel):
    class Settings:
        name = "byo_notes"

    text: str

    @classmethod
    def get_collection(cls):
        return sync_client[DB][cls.Settings.name]

    @classmethod
    async def get_async_collection(cls):
        return async_client[DB][cls.Settings.name]


def check(ok: bool, what: str) -> None:
    """Stops the example with a message when a result is not the expected one."""
    if not ok:
        raise SystemExit(f"unexpected result: {what}")


async def main() -> None:
    print("ping:", sync_client.admin.command("ping"))
    Note.delete_many({})
    note = Note(text="written through my own client")
    note.save()
    got = Note.get(note.id or "")
    check(got is not None and got.text == note.text, "sync get")
    print("sync get:", got.text if got else None)
    count = await Note.acount()
    check(count == 1, "async count")
    print("async count:", count)
    listed = "byo_notes" in sync_client[DB].list_collection_names()
    check(listed, "list_collection_names")
    print("collections include byo_notes:", listed)
    check(await Note.adelete_many({}) == 1, "adelete_many")
    sync_client.close()
    async_client.close()


if __name__ == "__main__":
    asyncio.run(main())
