"""Changed-field saves (Settings.use_state_management): a loaded or saved document remembers
its saved state, save() sends only $set/$unset of the changed top-level fields (nothing when
nothing changed), is_changed / get_changes() tell what would be sent. The diff is libmongo_odm's
(mongo_odm_diff), on BSON from the native codec."""

from typing import Any, Dict, List, Optional

import pytest

from mongo_odm import MongoBaseModel, _core
from mongo_odm.errors import InvalidOperation


@pytest.fixture
def Doc(coll_name):
    class Doc(MongoBaseModel):
        class Settings:
            name = coll_name
            use_state_management = True

        name: str
        age: int = 0
        tags: List[str] = []
        address: Dict[str, Any] = {}
        nick: Optional[str] = None

    return Doc


# ------------------------------------------------------------------------------ the core diff
def test_core_diff_rules():
    assert _core.diff({"_id": 1, "a": 1}, {"_id": 2, "a": 1}) == {}
    assert _core.diff({"a": 1, "b": 2, "c": 3}, {"a": 1, "b": 5, "d": None}) == {
        "$set": {"b": 5, "d": None},
        "$unset": {"c": ""},
    }
    # a nested change sends the whole top-level field; types count (1 vs 1.0)
    assert _core.diff({"s": {"x": 1, "y": 2}}, {"s": {"x": 1, "y": 3}}) == {"$set": {"s": {"x": 1, "y": 3}}}
    assert _core.diff({"a": 1}, {"a": 1.0}) == {"$set": {"a": 1.0}}
    # bytes or mappings, both sides
    assert _core.diff(_core.encode({"a": 1}), {"a": 2}) == {"$set": {"a": 2}}
    with pytest.raises(ValueError, match="x.y"):
        _core.diff({}, {"x.y": 1})


# ------------------------------------------------------------------------------ new documents
def test_new_document_is_saved_whole(Doc, raw):
    doc = Doc(name="Ada", tags=["a"])
    assert doc.is_changed
    assert doc.get_changes() == {"$set": {"name": "Ada", "age": 0, "tags": ["a"], "address": {}, "nick": None}}
    doc.save()
    assert raw.find_one({"_id": doc.id}) == {"_id": doc.id, "name": "Ada", "age": 0, "tags": ["a"], "address": {},
                                              "nick": None}
    assert not doc.is_changed
    assert doc.get_changes() == {}


# ------------------------------------------------------------------------------ loaded documents
def test_save_sends_only_changed_fields(Doc, raw):
    doc = Doc(name="Ada", age=1, address={"city": "X", "zip": "1"})
    doc.save()
    loaded = Doc.get(doc.id)
    assert not loaded.is_changed
    loaded.age = 2
    loaded.address["zip"] = "2"  # a nested change: its whole top-level field
    assert loaded.is_changed
    assert loaded.get_changes() == {"$set": {"age": 2, "address": {"city": "X", "zip": "2"}}}
    # another writer changes another field meanwhile: a changes-only save leaves it alone
    raw.update_one({"_id": doc.id}, {"$set": {"name": "Grace", "extra": 1}})
    loaded.save()
    assert raw.find_one({"_id": doc.id}) == {"_id": doc.id, "name": "Grace", "age": 2, "tags": [],
                                             "address": {"city": "X", "zip": "2"}, "nick": None, "extra": 1}
    assert not loaded.is_changed


def test_nothing_changed_sends_nothing(Doc, raw):
    doc = Doc(name="Ada")
    doc.save()
    loaded = Doc.find_one({"_id": doc.id})
    raw.update_one({"_id": doc.id}, {"$set": {"age": 99}})
    loaded.save()  # nothing to send: the other writer's change survives
    assert raw.find_one({"_id": doc.id})["age"] == 99
    doc.save()  # the saved copy is unchanged too
    assert raw.find_one({"_id": doc.id})["age"] == 99


def test_removed_and_none_fields(Doc, raw):
    doc = Doc(name="Ada", nick="A", flag=True)  # flag: an extra field
    doc.save()
    loaded = Doc.get(doc.id)
    del loaded.__pydantic_extra__["flag"]
    loaded.nick = None
    assert loaded.get_changes() == {"$set": {"nick": None}, "$unset": {"flag": ""}}
    assert loaded.get_changes(exclude_none=True) == {"$unset": {"flag": "", "nick": ""}}
    loaded.save(exclude_none=True)
    assert raw.find_one({"_id": doc.id}) == {"_id": doc.id, "name": "Ada", "age": 0, "tags": [], "address": {}}


def test_every_loader_remembers_state(Doc):
    for i in range(3):
        Doc(name=f"n{i}").save()
    assert not any(d.is_changed for d in Doc.find({}))
    assert not any(d.is_changed for d in Doc.find_iter({}))
    assert not Doc.find_one({"name": "n1"}).is_changed
    one = Doc.find({"name": "n2"})[0]
    assert not one.model_copy().is_changed  # copies keep it


def test_changed_id_makes_a_new_document(Doc, raw):
    doc = Doc(name="Ada")
    doc.save()
    loaded = Doc.get(doc.id)
    loaded.id = "other"
    assert loaded.is_changed
    assert "name" in loaded.get_changes()["$set"]
    loaded.save()
    assert raw.find_one({"_id": "other"})["name"] == "Ada"


def test_deleted_meanwhile_is_written_whole(Doc, raw):
    doc = Doc(name="Ada", age=3)
    doc.save()
    raw.delete_one({"_id": doc.id})
    doc.age = 4
    doc.save()
    assert raw.find_one({"_id": doc.id})["name"] == "Ada"


def test_state_needs_the_setting(User):
    user = User(name="x")
    with pytest.raises(InvalidOperation):
        user.is_changed
    with pytest.raises(InvalidOperation):
        user.get_changes()
    user.save()
    assert "_mongo_odm_saved_state" not in User.get(user.id).__dict__  # no state kept


def test_state_is_invisible_to_pydantic(Doc):
    doc = Doc(name="Ada")
    doc.save()
    loaded = Doc.get(doc.id)
    assert loaded == Doc(id=doc.id, name="Ada")
    assert "saved" not in repr(loaded)
    assert "_mongo_odm_saved_state" not in loaded.model_dump()


def test_tracked_save_needs_the_native_collection(coll_name, admin_db):
    class Foreign(MongoBaseModel):
        class Settings:
            name = coll_name
            use_state_management = True

        @classmethod
        def get_collection(cls):
            class NotOurs:
                def replace_one(self, *a, **k):
                    raise AssertionError("not reached")

            return NotOurs()

    with pytest.raises(TypeError, match="mongo_odm's own collection"):
        Foreign().save()


# ------------------------------------------------------------------------------ async
async def test_asave_sends_only_changes(Doc, raw):
    doc = Doc(name="Ada", age=1)
    await doc.asave()
    assert not doc.is_changed
    loaded = await Doc.aget(doc.id)
    assert not loaded.is_changed
    loaded.age = 5
    raw.update_one({"_id": doc.id}, {"$set": {"name": "Grace"}})
    await loaded.asave()
    assert raw.find_one({"_id": doc.id})["name"] == "Grace"
    assert raw.find_one({"_id": doc.id})["age"] == 5
    found = await Doc.afind({})
    assert not found[0].is_changed
    async for d in Doc.afind_iter({}):
        assert not d.is_changed
    assert not (await Doc.afind_one({"_id": doc.id})).is_changed


def test_native_arguments_are_checked(raw):
    from mongo_odm.errors import InvalidBSON

    with pytest.raises(InvalidBSON):
        _core.diff(b"\x01\x02", {})
    with pytest.raises(InvalidBSON):
        raw.save_document({"_id": 1}, b"not bson")
    with pytest.raises(ValueError, match="Document ID is required"):
        raw.save_document({"a": 1})
    result = raw.save_document({"_id": 1, "a": 1}, None, changes=True, revision=True)
    assert result["sent"] == "replace" and result["upserted"] and len(result["revision"]) == 24
    again = raw.save_document({"_id": 1, "a": 1}, result["stored"], changes=True, revision=True)
    assert again["sent"] == "nothing" and again["revision"] is None and again["stored"] == result["stored"]
