"""Revisions (Settings.use_revision): the model gets a revision_id field, every save stores a
new one, and a save of a document whose stored revision changed since it was loaded raises
RevisionConflictError and writes nothing. The rule is libmongo_odm's (mongo_odm/changes.h).

test_eight_threads_increment_one_counter is the acceptance run: 8 threads x 50
read-modify-write increments, retrying on conflict, end at exactly 400; the same run on a model
without revisions loses updates (a 1 ms pause between the read and the write widens the race
window so that it shows every time)."""

import threading
import time
from typing import Optional

import pytest

from mongo_odm import MongoBaseModel
from mongo_odm.errors import DuplicateKeyError, OperationFailure, PyMongoError, RevisionConflictError

THREADS = 8
INCREMENTS = 50


@pytest.fixture
def Versioned(coll_name):
    class Versioned(MongoBaseModel):
        class Settings:
            name = coll_name
            use_revision = True

        name: str = ""
        n: int = 0
        email: Optional[str] = None

    return Versioned


def test_revision_field_and_error_class(Versioned):
    assert "revision_id" in Versioned.model_fields
    assert Versioned().revision_id is None
    assert issubclass(RevisionConflictError, OperationFailure)
    assert issubclass(RevisionConflictError, PyMongoError)
    assert not issubclass(RevisionConflictError, DuplicateKeyError)


def test_declared_revision_field_is_kept(coll_name):
    class Own(MongoBaseModel):
        class Settings:
            name = coll_name
            use_revision = True

        revision_id: Optional[str] = "declared"

    assert Own().revision_id == "declared"


def test_every_save_writes_a_new_revision(Versioned, raw):
    doc = Versioned(name="a")
    doc.save()
    first = doc.revision_id
    assert isinstance(first, str) and len(first) == 24
    assert raw.find_one({"_id": doc.id})["revision_id"] == first
    doc.n = 1
    doc.save()
    assert doc.revision_id != first
    assert raw.find_one({"_id": doc.id})["revision_id"] == doc.revision_id


def test_stale_save_raises_and_writes_nothing(Versioned, raw):
    Versioned(id="c", name="a").save()
    a, b = Versioned.get("c"), Versioned.get("c")
    a.n = 1
    a.save()
    b.name = "b"
    b.n = 2
    loaded_revision = b.revision_id
    with pytest.raises(RevisionConflictError) as info:
        b.save()
    assert info.value.code is None
    assert "revision" in str(info.value)
    assert b.revision_id == loaded_revision  # untouched
    stored = raw.find_one({"_id": "c"})
    assert (stored["name"], stored["n"], stored["revision_id"]) == ("a", 1, a.revision_id)
    # reload, apply again: fine
    b = Versioned.get("c")
    b.name = "b"
    b.save()
    assert raw.find_one({"_id": "c"})["name"] == "b"


def test_new_document_never_overwrites(Versioned, raw):
    Versioned(id="same", name="first").save()
    with pytest.raises(RevisionConflictError, match="never loaded"):
        Versioned(id="same", name="second").save()
    assert raw.find_one({"_id": "same"})["name"] == "first"


def test_document_stored_without_revision(Versioned, raw):
    raw.insert_one({"_id": "legacy", "name": "old", "n": 0})
    a, b = Versioned.get("legacy"), Versioned.get("legacy")
    assert a.revision_id is None
    a.n = 1
    a.save()
    assert a.revision_id is not None
    with pytest.raises(RevisionConflictError):
        b.save()


def test_other_unique_index_stays_a_duplicate_key(Versioned, raw):
    raw.create_index([("email", 1)], unique=True)
    Versioned(email="x@y").save()
    with pytest.raises(DuplicateKeyError):
        Versioned(email="x@y").save()


def test_revision_with_state_management(coll_name, raw):
    class Both(MongoBaseModel):
        class Settings:
            name = coll_name
            use_revision = True
            use_state_management = True

        name: str = ""
        n: int = 0

    Both(id="d", name="a").save()
    a, b = Both.get("d"), Both.get("d")
    revision = a.revision_id
    a.save()  # nothing changed: nothing sent, the revision stays
    assert a.revision_id == revision
    a.n = 1
    assert a.get_changes() == {"$set": {"n": 1}}  # the revision is not the user's change
    raw.update_one({"_id": "d"}, {"$set": {"other": True}})  # a plain write elsewhere
    a.save()
    assert raw.find_one({"_id": "d"})["other"] is True  # only $set of the change
    b.name = "b"
    with pytest.raises(RevisionConflictError):
        b.save()
    assert raw.find_one({"_id": "d"})["name"] == "a"


async def test_asave_revision_conflict(Versioned, raw):
    doc = Versioned(id="x", n=0)
    await doc.asave()
    a = await Versioned.aget("x")
    b = await Versioned.afind_one({"_id": "x"})
    a.n = 1
    await a.asave()
    b.n = 2
    with pytest.raises(RevisionConflictError):
        await b.asave()
    assert raw.find_one({"_id": "x"})["n"] == 1


# ------------------------------------------------------------------------------ 8 threads x 50
def run_increments(model, counter_id):
    model(id=counter_id, n=0).save()
    conflicts = [0] * THREADS
    errors = []

    def work(index):
        done = 0
        try:
            while done < INCREMENTS:
                doc = model.get(counter_id)
                time.sleep(0.001)  # the read-modify-write window
                doc.n += 1
                try:
                    doc.save()
                    done += 1
                except RevisionConflictError:
                    conflicts[index] += 1
        except BaseException as e:  # reported by the test, not lost in the thread
            errors.append(e)

    threads = [threading.Thread(target=work, args=(i,)) for i in range(THREADS)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors, errors
    return model.get(counter_id).n, sum(conflicts)


@pytest.mark.slow
def test_eight_threads_increment_one_counter(Versioned, new_name, capsys):
    final, conflicts = run_increments(Versioned, "counter")
    assert final == THREADS * INCREMENTS
    assert conflicts > 0

    control_name = new_name()

    class Unversioned(MongoBaseModel):
        class Settings:
            name = control_name

        n: int = 0

    lost_final, control_conflicts = run_increments(Unversioned, "counter")
    assert control_conflicts == 0
    assert lost_final < THREADS * INCREMENTS  # lost updates without revisions
    with capsys.disabled():
        print(f"\nwith revisions: {final} ({conflicts} conflicts retried); without: {lost_final} "
              f"({THREADS * INCREMENTS - lost_final} updates lost)")
