"""mongo_odm's model features beyond lightodm: indexes, changed-field saves, revisions, bulk
writes and projections (docs/features.md).

Reads MONGO_URL, MONGO_USER, MONGO_PASSWORD, MONGO_DB_NAME (scripts/run.sh starts a local
FerretDB and sets them).
"""

import asyncio
from typing import Optional, TypeVar

from pydantic import BaseModel, Field

from mongo_odm import DESCENDING, IndexModel, MongoBaseModel, connect
from mongo_odm.errors import DuplicateKeyError, RevisionConflictError


class Account(MongoBaseModel):
    class Settings:
        name = "features_py_accounts"
        indexes = [
            IndexModel("email", unique=True),  # a duplicate save raises DuplicateKeyError
            [("plan", 1), ("balance", DESCENDING)],  # compound
            "created",  # ascending
        ]
        use_state_management = True  # save() sends only what changed
        use_revision = True  # save() refuses to overwrite another writer's change

    email: str
    plan: str = "free"
    balance: int = 0
    created: int = 0
    note: Optional[str] = None


T = TypeVar("T")


def found(value: Optional[T], what: str) -> T:
    """The value, or stop the example with a message when it is None (an explicit check, not
    an assert: ``python -O`` drops asserts)."""
    if value is None:
        raise SystemExit(f"unexpected result: {what} not found")
    return value


class Summary(BaseModel):
    """A projection: only these fields are read."""

    email: str
    money: int = Field(alias="balance")


def main() -> None:
    db = connect()
    print(f"connected to database {db.name!r}")
    Account.delete_many({})

    # 1. Indexes: created when missing; running it again creates nothing.
    print("created:", Account.ensure_indexes())
    print("again:", Account.ensure_indexes())
    Account(email="ada@example.com").save()
    try:
        Account(email="ada@example.com").save()
    except DuplicateKeyError:
        print("unique index: duplicate e-mail refused")
    else:
        raise SystemExit("unexpected result: a duplicate e-mail was saved")

    # 2. Changed-field saves: a loaded document sends only its changes.
    ada = found(Account.find_one({"email": "ada@example.com"}), "ada@example.com")
    print("loaded, changed:", ada.is_changed)
    ada.balance = 100
    ada.note = "vip"
    print("would send:", ada.get_changes())
    ada.save()
    print("after save, changed:", ada.is_changed, "revision:", ada.revision_id)

    # 3. Revisions: two copies loaded at the same revision; the second save loses the race.
    first = found(Account.get(ada.id or ""), "the first copy")
    second = found(Account.get(ada.id or ""), "the second copy")
    first.balance += 10
    first.save()
    second.balance += 20
    try:
        second.save()
        raise SystemExit("unexpected result: the stale copy was saved")
    except RevisionConflictError as e:
        print("revision conflict, nothing written:", str(e)[:60], "...")
        second = found(Account.get(ada.id or ""), "the reloaded copy")  # reload and apply again
        second.balance += 20
        second.save()
    balance = found(Account.get(ada.id or ""), "the account").balance
    if balance != 130:
        raise SystemExit(f"unexpected result: balance {balance}, not 130")
    print("balance:", balance)

    # 4. Bulk writes: sent together when the block ends, in batches of at most 1,000.
    with Account.bulk_writer(ordered=True) as bw:
        for i in range(5):
            bw.insert(Account(email=f"user{i}@example.com", created=i))
        bw.update_many({"plan": "free"}, {"$inc": {"balance": 1}})
        bw.delete_one({"email": "user0@example.com"})
    print(bw.result)

    # 5. Projections: a smaller model, only its fields are read.
    for summary in Account.find({}, projection=Summary, sort=[("email", 1)])[:3]:
        print("summary:", summary.email, summary.money)

    asyncio.run(async_part())
    Account.get_collection().drop()


async def async_part() -> None:
    await Account.aensure_indexes()
    async with Account.bulk_writer() as bw:
        bw.update_many({}, {"$set": {"plan": "pro"}})
    print("async bulk:", bw.result)
    one = found(await Account.afind_one({"email": "user1@example.com"}), "user1@example.com")
    one.note = "async"
    await one.asave()
    print("async projection:", [s.email for s in await Account.afind({"note": "async"}, projection=Summary)])


if __name__ == "__main__":
    main()
