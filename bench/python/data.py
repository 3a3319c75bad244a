"""Deterministic benchmark data with the shapes of MongoDB's driver and ODM benchmark specs.

The benchmark specs' published data files (CC BY-NC-SA) are only reference shapes, never read; everything
here is generated from a seed, so every system gets identical documents in every run.
"""

from __future__ import annotations

import random
import string
from typing import Any, Dict, List

_ALNUM = string.ascii_letters + string.digits


def _word(rng: random.Random, n: int) -> str:
    return "".join(rng.choice(_ALNUM) for _ in range(n))


def small_docs(n: int, seed: int = 1) -> List[Dict[str, Any]]:
    """flat_small_doc: 13 fields, 7 strings of 8 characters and 6 integers."""
    rng = random.Random(seed)
    out = []
    for _ in range(n):
        doc: Dict[str, Any] = {f"field{i}": _word(rng, 8) for i in range(1, 8)}
        doc.update({f"field{i}": rng.randrange(100_000_000) for i in range(8, 14)})
        out.append(doc)
    return out


def tweet_docs(n: int, seed: int = 2) -> List[Dict[str, Any]]:
    """tweet.json-like nested documents, about 1.6 KB of BSON each."""
    rng = random.Random(seed)
    out = []
    for i in range(n):
        screen = _word(rng, 10)
        out.append({
            "text": " ".join(_word(rng, rng.randrange(3, 9)) for _ in range(8)),
            "in_reply_to_status_id": rng.randrange(10**10, 10**11),
            "retweet_count": None,
            "contributors": None,
            "created_at": "Thu Sep 02 19:38:18 +0000 2010",
            "geo": None,
            "source": "web",
            "coordinates": None,
            "in_reply_to_screen_name": screen,
            "truncated": False,
            "entities": {
                "user_mentions": [{"indices": [0, 9], "screen_name": screen, "name": _word(rng, 16),
                                   "id": rng.randrange(10**7, 10**8)}],
                "urls": [],
                "hashtags": [],
            },
            "retweeted": False,
            "place": None,
            "user": {
                "friends_count": rng.randrange(1000), "profile_sidebar_fill_color": _word(rng, 6),
                "location": _word(rng, 26), "verified": False, "follow_request_sent": None,
                "favourites_count": rng.randrange(100), "profile_sidebar_border_color": _word(rng, 6),
                "profile_image_url": "http://a1.twimg.com/profile_images/" + _word(rng, 60) + ".png",
                "geo_enabled": False, "created_at": "Sun Aug 17 00:23:13 +0000 2008",
                "description": " ".join(_word(rng, 7) for _ in range(12)), "time_zone": "Mountain Time (US & Canada)",
                "url": "http://" + _word(rng, 14) + ".com/", "screen_name": _word(rng, 8), "notifications": None,
                "profile_background_color": _word(rng, 6), "listed_count": rng.randrange(10), "lang": "en",
                "profile_background_image_url": "http://a3.twimg.com/profile_background_images/" + _word(rng, 30) + ".png",
                "statuses_count": rng.randrange(5000), "following": None, "profile_text_color": _word(rng, 6),
                "protected": False, "show_all_inline_media": False, "profile_background_tile": True,
                "name": _word(rng, 13), "contributors_enabled": False, "profile_link_color": _word(rng, 6),
                "followers_count": rng.randrange(1000), "id": 10**7 + i, "profile_use_background_image": True,
                "utc_offset": -25200,
            },
            "favorited": False,
            "in_reply_to_user_id": rng.randrange(10**7, 10**8),
            # tweet.json calls this "id", which an ODM model reserves for the document id.
            "tweet_id": 2 * 10**10 + i,
        })
    return out


def large_doc(seed: int = 3) -> Dict[str, Any]:
    """flat_large_doc.json-like (the ODM benchmark's large flat document, about 2.4 MB of BSON):
    field1..field125 strings of 20-34 characters, field126..field250 ints, and image_field,
    2,413,251 bytes of binary data (the size of that file's PNG)."""
    rng = random.Random(seed)
    doc: Dict[str, Any] = {}
    for i in range(1, 251):
        doc[f"field{i}"] = _word(rng, rng.randrange(20, 35)) if i <= 125 else rng.randrange(10**9)
    doc["image_field"] = rng.randbytes(2_413_251)
    return doc


def nested_docs(n: int, seed: int = 4) -> List[Dict[str, Any]]:
    """nested_large_doc-like: embedded string and int documents plus an array of sub-documents."""
    rng = random.Random(seed)
    out = []
    for i in range(n):
        doc: Dict[str, Any] = {}
        for d in range(1, 6):
            doc[f"embedded_str_doc_{d}"] = {f"field{k}": _word(rng, 30) for k in range(1, 16)}
        doc["embedded_str_doc_array"] = [{f"field{k}": _word(rng, 30) for k in range(1, 16)} for _ in range(4)]
        for d in range(8, 15):
            doc[f"embedded_int_doc_{d}"] = {f"field{k}": rng.randrange(10**6) for k in range(1, 16)}
        doc["embedded_str_doc_1"]["field1"] = f"key{i:06d}"  # the nested field the benchmark finds by
        out.append(doc)
    return out


# --- codec shapes (extended_bson: flat, deep, full) ------------------------------------------

def flat_bson(seed: int = 5) -> Dict[str, Any]:
    """145 fields of doubles, int32, int64, strings and booleans."""
    rng = random.Random(seed)
    doc: Dict[str, Any] = {}
    kinds = ["double", "int32", "int64", "string", "bool"]
    while len(doc) < 145:
        kind = rng.choice(kinds)
        key = "".join(rng.choice(string.ascii_letters) for _ in range(8))
        if kind == "double":
            doc[key] = rng.random() * 1e18
        elif kind == "int32":
            doc[key] = rng.randrange(-2**31, 2**31)
        elif kind == "int64":
            doc[key] = rng.randrange(2**32, 2**62)
        elif kind == "string":
            doc[key] = "".join(rng.choice(string.ascii_letters) for _ in range(80))
        else:
            doc[key] = rng.random() < 0.5
    return doc


def deep_bson(seed: int = 6, depth: int = 6) -> Dict[str, Any]:
    """A binary tree of documents, depth levels deep, with string leaves."""
    rng = random.Random(seed)

    def node(level: int) -> Dict[str, Any]:
        if level == 0:
            return {"rightValue": _word(rng, 8), "leftValue": _word(rng, 8)}
        return {"right": node(level - 1), "left": node(level - 1)}

    return node(depth)


def full_bson(flavour: str, seed: int = 7) -> Dict[str, Any]:
    """Mixed types: each codec gets its own native values of the same BSON types.

    flavour "mongo_odm": ObjectId, bytes, Decimal, re.Pattern, datetime, Timestamp, MaxKey, MinKey.
    flavour "pymongo":   bson.ObjectId, bytes, Decimal128, re.Pattern, datetime, Timestamp, MaxKey, MinKey.
    """
    import datetime
    import decimal
    import re

    rng = random.Random(seed)
    if flavour == "mongo_odm":
        from mongo_odm import MaxKey, MinKey, ObjectId, Timestamp

        def dec(text: str) -> Any:
            return decimal.Decimal(text)
    else:
        from bson import Decimal128, MaxKey, MinKey, ObjectId, Timestamp

        def dec(text: str) -> Any:
            return Decimal128(text)

    doc: Dict[str, Any] = {}
    for i in range(90):
        kind = i % 12
        key = "".join(rng.choice(string.ascii_letters) for _ in range(8))
        if kind == 0:
            doc[key] = rng.randrange(100)
        elif kind == 1:
            doc[key] = bytes(rng.randrange(256) for _ in range(64))
        elif kind == 2:
            doc[key] = rng.randrange(2**40, 2**62)
        elif kind == 3:
            doc[key] = {}
        elif kind == 4:
            doc[key] = MaxKey()
        elif kind == 5:
            doc[key] = ObjectId(bytes(rng.randrange(256) for _ in range(12)))
        elif kind == 6:
            doc[key] = datetime.datetime(2020, 1, 1) + datetime.timedelta(milliseconds=rng.randrange(10**11))
        elif kind == 7:
            doc[key] = re.compile("^" + _word(rng, 6) + "$", re.IGNORECASE)
        elif kind == 8:
            doc[key] = dec(f"{rng.randrange(10**6)}.{rng.randrange(1000):03d}")
        elif kind == 9:
            doc[key] = Timestamp(rng.randrange(10**9), rng.randrange(100))
        elif kind == 10:
            doc[key] = MinKey()
        else:
            doc[key] = [_word(rng, 10) for _ in range(5)]
    return doc
