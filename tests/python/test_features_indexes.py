"""Indexes declared on a model (Settings.indexes), ensured by libmongo_odm (mongo_odm/index.h):
sync and async, idempotency, conflicts, unique indexes turning duplicate saves into
DuplicateKeyError, and what FerretDB 1.24 lacks (TTL and partial indexes answer NotImplemented,
code 238: the tests check the command that was sent; sparse is accepted but not kept)."""

from typing import Optional

import pytest

import mongo_odm
from mongo_odm import ASCENDING, DESCENDING, IndexModel, MongoBaseModel
from mongo_odm.errors import DuplicateKeyError, OperationFailure
from mongo_odm.indexes import index_specs

NOT_IMPLEMENTED = 238


def make_model(coll_name, indexes):
    class Account(MongoBaseModel):
        class Settings:
            name = coll_name

        email: Optional[str] = None
        name: str = ""
        age: int = 0
        code: Optional[str] = None

    Account.Settings.indexes = indexes  # type: ignore[attr-defined]
    return Account


@pytest.fixture
def names(raw):
    def read():
        return {ix["name"]: ix for ix in raw.list_indexes()}

    return read


# ------------------------------------------------------------------------------ specifications
def test_index_specs_from_every_entry_form():
    specs = index_specs([
        "email",
        [("name", ASCENDING), ("age", DESCENDING)],
        IndexModel("code", unique=True, name="code_unique"),
        IndexModel([("a", 1), "b"], sparse=True),
    ])
    assert specs == [
        {"key": {"email": 1}},
        {"key": {"name": 1, "age": -1}},
        {"key": {"code": 1}, "unique": True, "name": "code_unique"},
        {"key": {"a": 1, "b": 1}, "sparse": True},
    ]
    assert IndexModel("x", unique=True).document == {"key": {"x": 1}, "unique": True}
    assert IndexModel("x") == IndexModel([("x", 1)])


def test_index_specs_refuse_other_shapes():
    with pytest.raises(TypeError):
        index_specs([42])
    with pytest.raises(TypeError):
        index_specs("email")
    with pytest.raises(TypeError):
        IndexModel(3)
    with pytest.raises(TypeError):
        IndexModel([("a", 1, 2)])


def test_pymongo_shaped_index_model_is_accepted():
    class PymongoLike:  # pymongo's IndexModel exposes .document
        document = {"key": {"z": -1}, "name": "z_desc"}

    assert index_specs([PymongoLike()]) == [{"key": {"z": -1}, "name": "z_desc"}]


# ------------------------------------------------------------------------------ ensure
def test_ensure_indexes_creates_missing_and_is_idempotent(coll_name, names):
    Account = make_model(coll_name, ["email", [("name", 1), ("age", -1)], IndexModel("code", unique=True, name="code_u")])
    assert Account.ensure_indexes() == ["email_1", "name_1_age_-1", "code_u"]
    have = names()
    assert have["email_1"]["key"] == {"email": 1}
    assert have["name_1_age_-1"]["key"] == {"name": 1, "age": -1}
    assert have["code_u"].get("unique") is True
    assert Account.ensure_indexes() == []  # idempotent
    # a new declaration later: only it is created
    Account.Settings.indexes = Account.Settings.indexes + ["age"]
    assert Account.ensure_indexes() == ["age_1"]


def test_unique_index_turns_duplicate_save_into_duplicate_key_error(coll_name, raw):
    Account = make_model(coll_name, [IndexModel("email", unique=True)])
    Account.ensure_indexes()
    Account(email="same@x").save()
    with pytest.raises(DuplicateKeyError):
        Account(email="same@x").save()
    # an existing document changed to a taken value too (FerretDB reports SQLite's error there)
    other = Account(email="other@x")
    other.save()
    other.email = "same@x"
    with pytest.raises(DuplicateKeyError):
        other.save()
    assert raw.count_documents({"email": "same@x"}) == 1


@pytest.mark.parametrize(
    "clash, code",
    [
        ({"key": {"other": 1}, "name": "idx"}, 86),  # other keys
        ({"key": {"email": -1}, "name": "idx"}, 86),  # another direction
        ({"key": {"email": 1}, "name": "idx"}, 85),  # unique missing
        ({"key": {"email": 1}, "name": "idx", "unique": True, "sparse": True}, 85),  # an option more
    ],
)
def test_conflicting_index_raises_and_creates_nothing(coll_name, names, clash, code):
    make_model(coll_name, [IndexModel("email", unique=True, name="idx")]).ensure_indexes()
    options = {k: v for k, v in clash.items() if k != "key"}
    Account = make_model(coll_name, [IndexModel("age", name="fresh"), IndexModel(list(clash["key"].items()), **options)])
    with pytest.raises(OperationFailure) as info:
        Account.ensure_indexes()
    assert info.value.code == code
    assert "'idx'" in str(info.value)
    assert "fresh" not in names()  # decided before sending anything


def test_equivalent_declaration_is_no_conflict(coll_name):
    make_model(coll_name, [IndexModel("email", unique=True, name="idx")]).ensure_indexes()
    same = make_model(coll_name, [IndexModel([("email", 1.0)], unique=True, sparse=False, name="idx")])
    assert same.ensure_indexes() == []


def test_bad_declarations(coll_name):
    with pytest.raises(ValueError):  # direction 0
        make_model(coll_name, [[("a", 0)]]).ensure_indexes()
    with pytest.raises(ValueError):  # declared twice
        make_model(coll_name, ["a", [("a", 1)]]).ensure_indexes()
    with pytest.raises(TypeError):
        make_model(coll_name, [3.5]).ensure_indexes()
    assert make_model(coll_name, []).ensure_indexes() == []


def test_model_without_indexes_makes_no_call(coll_name):
    class Plain(MongoBaseModel):
        class Settings:
            name = coll_name

    assert Plain.ensure_indexes() == []


# ------------------------------------------------------------------------------ what FerretDB lacks
@pytest.mark.parametrize(
    "options, option",
    [({"expireAfterSeconds": 3600}, "expireAfterSeconds"),
     ({"partialFilterExpression": {"t": {"$exists": True}}}, "partialFilterExpression")],
)
def test_ttl_and_partial_indexes_send_their_option(coll_name, options, option):
    Account = make_model(coll_name, [IndexModel("t", **options)])
    try:
        created = Account.ensure_indexes()
    except OperationFailure as e:  # FerretDB 1.24
        assert e.code == NOT_IMPLEMENTED
        sent = e.details["command"]["indexes"][0]
        assert sent["key"] == {"t": 1}
        assert sent[option] == options[option]
    else:  # a server that has them (MongoDB)
        assert created == ["t_1"]


def test_sparse_is_sent_but_ferretdb_does_not_keep_it(coll_name):
    Account = make_model(coll_name, [IndexModel("s", sparse=True)])
    assert Account.ensure_indexes() == ["s_1"]
    try:
        assert Account.ensure_indexes() == []  # MongoDB reports sparse: true
    except OperationFailure as e:  # FerretDB 1.24 builds a regular index: an option conflict
        assert e.code == 85


# ------------------------------------------------------------------------------ async, BYOC
async def test_aensure_indexes(coll_name, names):
    Account = make_model(coll_name, ["email", IndexModel("code", unique=True)])
    assert await Account.aensure_indexes() == ["email_1", "code_1"]
    assert await Account.aensure_indexes() == []
    assert {"email_1", "code_1"} <= set(names())
    await Account(code="c").asave()
    with pytest.raises(DuplicateKeyError):
        await Account(code="c").asave()


def test_ensure_indexes_needs_the_native_collection(coll_name):
    class Foreign(MongoBaseModel):
        class Settings:
            name = coll_name
            indexes = ["a"]

        @classmethod
        def get_collection(cls):
            return object()

    with pytest.raises(TypeError, match="mongo_odm's own collection"):
        Foreign.ensure_indexes()


def test_public_names():
    for name in ["IndexModel", "ASCENDING", "DESCENDING", "BulkWriter", "BulkWriteResult"]:
        assert name in mongo_odm.__all__
