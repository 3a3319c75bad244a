"""Model plumbing: configuration, id aliasing, composite keys, extra fields, Settings, dict conversion."""

import datetime
import decimal
import enum
import uuid
from typing import Dict, List, Optional

import pydantic
import pytest
from pydantic import BaseModel, Field

from mongo_odm import Binary, MongoBaseModel, generate_composite_id, generate_id
from mongo_odm.errors import InvalidDocument
from odm_state import make_model


# ------------------------------------------------------------------------------ configuration
def test_model_config_and_id_field():
    assert issubclass(MongoBaseModel, BaseModel)
    assert MongoBaseModel.model_config["populate_by_name"] is True
    assert MongoBaseModel.model_config["extra"] == "allow"
    field = MongoBaseModel.model_fields["id"]
    assert field.alias == "_id"
    assert field.default_factory is not None
    assert MongoBaseModel._uses_mongo_id_alias() is True
    assert MongoBaseModel.Settings.name is None
    assert MongoBaseModel.Settings.composite_key is None


def test_populate_by_name_and_alias():
    class M(MongoBaseModel):
        class Settings:
            name = "unused"

    assert M(id="a").id == "a"
    assert M(_id="b").id == "b"
    assert M.model_validate({"_id": "c"}).id == "c"
    assert M.model_validate({"id": "d"}).id == "d"


# ------------------------------------------------------------------------------ collection name
def test_missing_settings_name_raises_not_implemented():
    class NoName(MongoBaseModel):
        x: int = 0

    class NameNone(MongoBaseModel):
        class Settings:
            name = None

    for cls in (NoName, NameNone):
        with pytest.raises(NotImplementedError):
            cls._get_collection_name()
        with pytest.raises(NotImplementedError):
            cls._validate_collection_name()
        with pytest.raises(NotImplementedError):
            cls.get_collection()
        with pytest.raises(NotImplementedError):
            cls(x=1).save() if cls is NoName else cls().save()
        with pytest.raises(NotImplementedError):
            cls.get("x")
        with pytest.raises(NotImplementedError):
            cls.find({})


async def test_missing_settings_name_async():
    class NoName(MongoBaseModel):
        pass

    with pytest.raises(NotImplementedError):
        await NoName.get_async_collection()
    with pytest.raises(NotImplementedError):
        await NoName().asave()
    with pytest.raises(NotImplementedError):
        await NoName.afind({})


def test_intermediate_base_classes_allowed(coll_name, raw):
    class Base(MongoBaseModel):  # no Settings.name: an abstract base
        created: str = "now"

    class Concrete(Base):
        class Settings:
            name = coll_name

        title: str

    assert Concrete._get_collection_name() == coll_name
    c = Concrete(title="t")
    c.save()
    assert raw.find_one({"_id": c.id}) == {"_id": c.id, "created": "now", "title": "t"}


def test_settings_inherited_by_subclass(coll_name):
    class Parent(MongoBaseModel):
        class Settings:
            name = coll_name

    class Child(Parent):
        extra: int = 1

    assert Child._get_collection_name() == coll_name


# ------------------------------------------------------------------------------ id handling
def test_overridden_id_without_alias_maps_to_underscore_id(coll_name, raw):
    class Plain(MongoBaseModel):
        class Settings:
            name = coll_name

        id: Optional[str] = Field(default_factory=generate_id)
        title: str = ""

    assert Plain._uses_mongo_id_alias() is False
    p = Plain(title="x")
    data = p._to_mongo_dict()
    assert data == {"_id": p.id, "title": "x"}
    assert "id" not in data
    assert p.save() == p.id
    assert raw.find_one({"_id": p.id}) == {"_id": p.id, "title": "x"}
    got = Plain.get(p.id)
    assert got.id == p.id and got.title == "x"
    assert [x.id for x in Plain.find({})] == [p.id]
    assert Plain._from_mongo_dict({"_id": "k", "title": "y"}).id == "k"
    # an explicit "id" in the stored data wins over _id
    assert Plain._from_mongo_dict({"_id": "k", "id": "j"}).id == "j"


def test_int_id_without_alias(coll_name, raw):
    class Counter(MongoBaseModel):
        class Settings:
            name = coll_name

        id: int
        value: int = 0

    c = Counter(id=7, value=3)
    assert c.save() == 7
    assert raw.find_one({"_id": 7}) == {"_id": 7, "value": 3}
    got = Counter.get(7)
    assert (got.id, got.value) == (7, 3)
    # as in lightodm, the stored _id also stays on the model (as an extra) and saving again is stable
    got.value = 4
    assert got.save() == 7
    assert raw.find_one({"_id": 7}) == {"_id": 7, "value": 4}


def test_alias_id_with_other_type(coll_name, raw):
    class Keyed(MongoBaseModel):
        class Settings:
            name = coll_name

        id: Optional[str] = Field(default=None, alias="_id")

    k = Keyed()
    with pytest.raises(ValueError, match="Document ID is required"):
        k.save()
    k.id = "set-later"
    assert k.save() == "set-later"
    assert raw.find_one({}) == {"_id": "set-later"}


# ------------------------------------------------------------------------------ extra fields
def test_extra_fields_kept(User, raw):
    u = User(name="Ada", nickname="countess", scores=[1, 2], meta={"a": {"b": None}})
    assert u.nickname == "countess"
    u.save()
    stored = raw.find_one({"_id": u.id})
    assert stored["nickname"] == "countess"
    assert stored["scores"] == [1, 2]
    assert stored["meta"] == {"a": {"b": None}}
    got = User.get(u.id)
    assert got.nickname == "countess" and got.scores == [1, 2] and got.meta == {"a": {"b": None}}
    assert got.model_extra == {"nickname": "countess", "scores": [1, 2], "meta": {"a": {"b": None}}}


def test_extra_fields_from_the_database(User, raw):
    raw.insert_one({"_id": "x1", "name": "Ext", "age": 2, "unexpected": {"deep": [1, "two"]}})
    got = User.get("x1")
    assert got.unexpected == {"deep": [1, "two"]}
    got.save()
    assert raw.find_one({"_id": "x1"})["unexpected"] == {"deep": [1, "two"]}


def test_extra_field_with_unencodable_value(User, raw):
    u = User(name="Ada", bad={1, 2, 3})
    with pytest.raises(InvalidDocument, match="set"):
        u.save()
    assert raw.count_documents({}) == 0


# ------------------------------------------------------------------------------ _to_mongo_dict / _from_mongo_dict
def test_to_mongo_dict(User):
    u = User(id="abc", name="Ada", email=None, extra=1)
    assert u._to_mongo_dict() == {"_id": "abc", "name": "Ada", "age": 0, "email": None, "extra": 1}
    assert u._to_mongo_dict(exclude_none=True) == {"_id": "abc", "name": "Ada", "age": 0, "extra": 1}
    assert "id" not in u._to_mongo_dict()


def test_from_mongo_dict(User):
    assert User._from_mongo_dict(None) is None
    u = User._from_mongo_dict({"_id": "abc", "name": "Ada", "age": 5, "more": True})
    assert isinstance(u, User)
    assert (u.id, u.name, u.age, u.more) == ("abc", "Ada", 5, True)
    with pytest.raises(pydantic.ValidationError):
        User._from_mongo_dict({"_id": "abc"})  # name is required


class Color(str, enum.Enum):
    RED = "red"
    BLUE = "blue"


class Level(enum.IntEnum):
    LOW = 1
    HIGH = 2


class Address(BaseModel):
    street: str
    zip: Optional[str] = None


def test_typed_fields_roundtrip_through_server(coll_name, raw, settings, monkeypatch):
    # UUIDs are stored only under a uuidRepresentation (pymongo's rule): the URL gives it
    url = settings.url
    monkeypatch.setenv("MONGO_URL", url + ("&" if "?" in url else ("?" if url.count("/") >= 3 else "/?"))
                       + "uuidRepresentation=standard")
    class Rich(MongoBaseModel):
        class Settings:
            name = coll_name

        when: datetime.datetime
        uid: uuid.UUID
        blob: bytes
        ratio: float
        color: Color
        level: Level
        address: Address
        addresses: List[Address] = []
        tags: Dict[str, int] = {}
        maybe: Optional[int] = None

    r = Rich(
        when=datetime.datetime(2024, 2, 29, 12, 30, 15, 123000),
        uid=uuid.UUID("12345678-1234-5678-1234-567812345678"),
        blob=b"\x00\x01binary\xff",
        ratio=0.1,
        color=Color.BLUE,
        level=Level.HIGH,
        address=Address(street="Main"),
        addresses=[Address(street="A", zip="1"), Address(street="B")],
        tags={"x": 1},
    )
    r.save()
    stored = raw.find_one({"_id": r.id})
    assert stored["when"] == datetime.datetime(2024, 2, 29, 12, 30, 15, 123000)
    # `raw`'s client has pymongo's default representation: the UUID comes back as a Binary
    assert stored["uid"] == Binary(uuid.UUID("12345678-1234-5678-1234-567812345678").bytes, 4)
    assert type(r).get(r.id).uid == uuid.UUID("12345678-1234-5678-1234-567812345678")
    assert stored["blob"] == b"\x00\x01binary\xff"
    assert stored["color"] == "blue" and type(stored["color"]) is str
    assert stored["level"] == 2 and type(stored["level"]) is int
    assert stored["address"] == {"street": "Main", "zip": None}
    assert stored["addresses"] == [{"street": "A", "zip": "1"}, {"street": "B", "zip": None}]
    assert Rich.get(r.id) == r


def test_decimal_field_encodes_as_decimal128():
    from mongo_odm import _core

    class Money(MongoBaseModel):
        class Settings:
            name = "unused"

        amount: decimal.Decimal

    data = Money(id="m", amount=decimal.Decimal("12.50"))._to_mongo_dict()
    encoded = _core.encode(data)
    assert b"\x13amount\x00" in encoded  # element type 0x13 = decimal128
    assert _core.decode(encoded) == {"_id": "m", "amount": decimal.Decimal("12.50")}


# ------------------------------------------------------------------------------ composite keys
@pytest.fixture
def Membership(coll_name):
    return make_model("Membership", coll_name, settings={"composite_key": ["tenant", "user"]}, tenant=str, user=str,
                      role=(str, "member"))


def test_composite_id_is_md5_of_values(Membership):
    m = Membership(tenant="tenant1", user="user1")
    assert m.id == "2f6066284352ba2d9c54ee096dc973de"  # md5("tenant1user1")
    assert m.id == generate_composite_id(["tenant1", "user1"])
    assert Membership(tenant="tenant1", user="user1", role="admin").id == m.id
    assert Membership(tenant="tenant1", user="user2").id != m.id


def test_composite_id_overrides_explicit_id(Membership):
    assert Membership(id="ignored", tenant="a", user="b").id == generate_composite_id(["a", "b"])


def test_composite_same_key_saved_twice_is_one_document(Membership, raw):
    first = Membership(tenant="t", user="u", role="member")
    second = Membership(tenant="t", user="u", role="owner")
    assert first.save() == second.save() == generate_composite_id(["t", "u"])
    assert raw.count_documents({}) == 1
    assert raw.find_one({}) == {"_id": first.id, "tenant": "t", "user": "u", "role": "owner"}
    assert Membership.get(first.id).role == "owner"


async def test_composite_async_save_twice(Membership, raw):
    await Membership(tenant="t", user="v", role="a").asave()
    await Membership(tenant="t", user="v", role="b").asave()
    assert raw.count_documents({}) == 1
    assert (await Membership.aget(generate_composite_id(["t", "v"]))).role == "b"


def test_composite_non_string_values(coll_name):
    Scored = make_model("Scored", coll_name, settings={"composite_key": ["a", "b", "c"]}, a=int, b=bool, c=float)
    s = Scored(a=123, b=True, c=1.5)
    assert s.id == generate_composite_id([123, True, 1.5])
    assert s.id == generate_composite_id(["123", "True", "1.5"])


def test_composite_key_on_extra_field(coll_name):
    class ExtraKey(MongoBaseModel):
        class Settings:
            name = coll_name
            composite_key = ["region"]

    assert ExtraKey(region="eu").id == generate_composite_id(["eu"])


@pytest.mark.parametrize("bad", [[], (), "tenant", 5])
def test_composite_key_must_be_non_empty_list(coll_name, bad):
    Bad = make_model("Bad", coll_name, settings={"composite_key": bad}, tenant=(str, "t"))
    with pytest.raises(ValueError, match="composite_key must be a non-empty list"):
        Bad()


def test_composite_key_field_not_found(coll_name):
    Missing = make_model("Missing", coll_name, settings={"composite_key": ["tenant", "nope"]}, tenant=str)
    with pytest.raises(ValueError, match="Composite key field 'nope' not found in model"):
        Missing(tenant="t")


def test_composite_key_field_none(coll_name):
    Nullable = make_model("Nullable", coll_name, settings={"composite_key": ["tenant", "user"]}, tenant=str,
                          user=(Optional[str], None))
    with pytest.raises(ValueError, match="Composite key field 'user' is None. All fields must have values."):
        Nullable(tenant="t")
    with pytest.raises(ValueError, match="is None"):
        Nullable(tenant="t", user=None)
    # the error is pydantic's ValidationError, itself a ValueError
    with pytest.raises(pydantic.ValidationError):
        Nullable(tenant="t")


def test_composite_tuple_key(coll_name):
    TupleKey = make_model("TupleKey", coll_name, settings={"composite_key": ("x", "y")}, x=str, y=str)
    assert TupleKey(x="a", y="bc").id == TupleKey(x="ab", y="c").id == generate_composite_id(["abc"])


def test_composite_models_from_database(Membership, raw):
    Membership(tenant="t", user="u").save()
    got = Membership.find_one({"tenant": "t"})
    assert got.id == generate_composite_id(["t", "u"])
    assert [m.id for m in Membership.find({})] == [got.id]
