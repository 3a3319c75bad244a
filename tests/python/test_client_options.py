"""Client options a pymongo user passes (issue 16 item 5): unknown URI options raise
ConfigurationError as in pymongo (keyword or in the URL); pymongo's codec options (tz_aware,
tzinfo, document_class, uuidRepresentation, datetime_conversion) are served, with pymongo's
answers (test_codec_options.py compares them)."""

import datetime
import uuid

import pytest

from mongo_odm import _core
from mongo_odm.client import MongoClient
from mongo_odm.errors import ConfigurationError
from pymongo_ref import load_pymongo


@pytest.mark.parametrize("kwargs", [{"fooBar": 1}, {"serverSelectionTimeoutMs_typo": 5}, {"tlsBogus": True}])
def test_unknown_keyword_options_raise_configuration_error_as_pymongo(settings, kwargs):
    pm = load_pymongo()
    with pytest.raises(pm.errors.ConfigurationError):
        pm.MongoClient(settings.url, connect=False, **kwargs)
    with pytest.raises(ConfigurationError, match="Unknown option"):
        MongoClient(settings.url, **kwargs)


def test_unknown_option_in_the_url_warns_as_pymongo(settings):
    pm = load_pymongo()
    url = settings.url.rstrip("/") + "/?fooBar=1"
    with pytest.warns(UserWarning, match="Unknown option"):
        pm.MongoClient(url, connect=False).close()  # pymongo 4.20 words it "Unknown option. Did you mean ..."
    with pytest.warns(UserWarning, match="Unknown option fooBar"):
        MongoClient(url).close()


def test_known_options_still_work(settings):
    client = MongoClient(settings.url, username=settings.user, password=settings.password,
                         serverSelectionTimeoutMS=3000, appname="issue16", maxPoolSize=5, retryWrites=True,
                         timeoutMS=5000)
    try:
        client.admin.command("ping")
    finally:
        client.close()
    assert _core.uri_option_is_known("SERVERSELECTIONTIMEOUTMS")
    assert not _core.uri_option_is_known("nope")
    assert _core.uri_option_is_known("timeoutMS")  # the library's own, unknown to libmongoc 1.23


def test_client_options_that_mongo_odm_serves(settings, admin_db, new_name):
    client = MongoClient(settings.url, username=settings.user, password=settings.password, tz_aware=False,
                         tzinfo=None, document_class=dict, uuidRepresentation="standard", connect=True)
    try:
        coll = client[settings.db_name][new_name()]
        when = datetime.datetime(2026, 12, 3, 19, 0, 0, 123000)
        u = uuid.uuid4()
        coll.insert_one({"_id": 1, "when": when, "u": u})
        doc = coll.find_one({"_id": 1})
        assert type(doc) is dict and doc["when"] == when and doc["when"].tzinfo is None and doc["u"] == u
        coll.drop()
    finally:
        client.close()


@pytest.mark.parametrize(
    "kwargs",
    [{"tz_aware": True}, {"tzinfo": datetime.timezone.utc, "tz_aware": True}, {"document_class": dict},
     {"uuidRepresentation": "pythonLegacy"}, {"datetime_conversion": "DATETIME_MS"}, {"TZ_AWARE": False}],
)
def test_client_options_are_accepted_as_pymongo(settings, kwargs):
    """Every codec option value pymongo takes is served (test_codec_options.py compares the
    answers with pymongo's); option names are case-insensitive, as in pymongo."""
    pm = load_pymongo()
    pm.MongoClient(settings.url, connect=False, **kwargs).close()
    MongoClient(settings.url, **kwargs).close()
