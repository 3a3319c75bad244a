"""Reproduces the FerretDB 1.24 fault behind docs/design.md's note on expiring maxTimeMS: finds
cancelled by maxTimeMS, beside writers in the same database, leave that database's SQLite
connection pool failing collection creation until FerretDB restarts.

    source <(scripts/ferretdb.sh env --name dev)
    build/venv-test/bin/python tools/ferretdb/repro_maxtime_pool.py [seconds] [mode]

mode: "m" expiring finds only, "w" writers only, "mw" both (default). It works in a database
named repro_<mode>_<random> and prints how many of 40 collection creations fail afterwards
(2026-12-04, 30 s: "mw" 40 of 40, "m" and "w" 0). The database is left for inspection; drop it
or restart the instance."""

import os
import sys
import threading
import time
import uuid

from mongo_odm.client import MongoClient

seconds = float(sys.argv[1]) if len(sys.argv) > 1 else 30.0
mode = sys.argv[2] if len(sys.argv) > 2 else "mw"
client = MongoClient(os.environ["MONGO_URL"], username=os.environ.get("MONGO_USER"),
                     password=os.environ.get("MONGO_PASSWORD"), serverSelectionTimeoutMS=5000)
db = client[f"repro_{mode}_{uuid.uuid4().hex[:6]}"]
db["big"].insert_many([{"v": i, "s": "abcdefghijklmnopqrstuvwxyz" * 4} for i in range(20000)])
stop = time.monotonic() + seconds
counts = {}


def expiring_finds() -> None:
    n = 0
    while time.monotonic() < stop:
        try:
            list(db["big"].find({"s": {"$regex": "zz$"}}, max_time_ms=5))
        except Exception:  # ExecutionTimeout, or FerretDB's code 1 "interrupted"
            n += 1
    counts["expired finds"] = n


def writer(k: int) -> None:
    failed = 0
    while time.monotonic() < stop:
        coll = db["w_" + uuid.uuid4().hex[:8]]
        try:
            coll.insert_one({"a": 1})
            coll.insert_many([{"a": i} for i in range(20)])
            coll.update_many({}, {"$set": {"b": 1}})
            coll.drop()
        except Exception:
            failed += 1
    counts[f"writer {k} failures"] = failed


threads = [threading.Thread(target=expiring_finds)] if "m" in mode else []
threads += [threading.Thread(target=writer, args=(k,)) for k in range(3 if "w" in mode else 0)]
for t in threads:
    t.start()
for t in threads:
    t.join()
print(counts)

failed, last = 0, ""
for _ in range(40):
    coll = db["probe_" + uuid.uuid4().hex[:8]]
    try:
        coll.insert_one({"a": 1})
        coll.drop()
    except Exception as e:
        failed += 1
        last = str(e)[:200]
print(f"{db.name}: {failed} of 40 collection creations failed afterwards" + (f" (last: {last})" if last else ""))
