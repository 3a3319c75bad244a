"""pytest plugin: makes ``import lightodm`` (and its submodules) resolve to mongo_odm.

Loaded with ``-p lightodm_alias`` before lightodm's own conftest is imported, so lightodm's
unmodified test suite exercises mongo_odm. The modules are aliased (not copied), so tests that
reset ``lightodm.connection._mongo_conn`` reset mongo_odm's singleton.
"""

import sys

import mongo_odm
import mongo_odm.connection
import mongo_odm.model

sys.modules["lightodm"] = mongo_odm
sys.modules["lightodm.connection"] = mongo_odm.connection
sys.modules["lightodm.model"] = mongo_odm.model

import lightodm  # noqa: E402

assert lightodm is mongo_odm, "lightodm does not resolve to mongo_odm"
