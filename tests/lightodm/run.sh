#!/usr/bin/env bash
# Runs lightodm 0.2.0's own test suite, unmodified, against mongo_odm.
#
#   tests/lightodm/run.sh <python>
#
# <python> must have mongo_odm installed plus pytest, pytest-asyncio and mongomock (lightodm's
# conftest imports mongomock), and must NOT have lightodm. The sdist is downloaded from PyPI at
# test time (never committed) and checked against its known sha256. `import lightodm` is made
# to resolve to mongo_odm by the pytest plugin lightodm_alias.py.
#
# Ends with one verdict line (tests/verdict.py); exits non-zero unless the whole suite passed.
set -euo pipefail
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
PY=${1:?usage: run.sh <python>}
case "$PY" in */*) PY="$(cd "$(dirname "$PY")" && pwd)/$(basename "$PY")" ;; esac
VERSION=0.2.0
SHA256=9c0caaacb79286bf533a0264b777995c34a856d47d95c19e05e98c8dea3dd554
WORK="$ROOT/build/lightodm"
mkdir -p "$WORK"

if "$PY" -c 'import importlib.util, sys; sys.exit(importlib.util.find_spec("lightodm") is None)'; then
  echo "lightodm is installed in $PY's environment: this run would not test mongo_odm" >&2
  exit 1
fi

sdist="$WORK/lightodm-$VERSION.tar.gz"
if [ ! -f "$sdist" ]; then
  "$PY" -m pip download -q --no-deps --no-binary :all: "lightodm==$VERSION" -d "$WORK"
fi
actual=$(sha256sum "$sdist" | cut -d' ' -f1)
if [ "$actual" != "$SHA256" ]; then
  echo "lightodm-$VERSION.tar.gz has sha256 $actual, expected $SHA256" >&2
  exit 1
fi
rm -rf "$WORK/src"
mkdir -p "$WORK/src"
tar -xzf "$sdist" -C "$WORK/src" --strip-components=1

# lightodm's CI runs MongoDB on localhost:27017 with the user test/test, and one of its tests
# (test_edge_cases.py::test_async_client_missing_env_vars) hard-codes that address: the suite
# needs 27017 itself. So the server and the suite run in a network namespace of their own (a
# new loopback, nothing else on it) when one can be made; otherwise on this machine's 27017,
# which a stale instance of this script is stopped to free, and anything else holding it is a
# failure, never a reason to leave a test out.
if [ "${MONGO_ODM_LIGHTODM_NETNS:-}" != 1 ]; then
  netns=()
  if [ "$(id -u)" = 0 ]; then netns=(unshare --net); else netns=(unshare --user --map-root-user --net); fi
  if command -v unshare >/dev/null && "${netns[@]}" true 2>/dev/null; then
    exec env MONGO_ODM_LIGHTODM_NETNS=1 "${netns[@]}" -- "$0" "$@"
  fi
  echo "NOTE: no network namespace here (unshare --net failed): using this machine's port 27017"
else
  # The new namespace's loopback is down: bring it up (SIOCGIFFLAGS / SIOCSIFFLAGS, IFF_UP).
  "$PY" -c 'import fcntl, socket, struct
s = socket.socket()
flags = struct.unpack("16sH", fcntl.ioctl(s, 0x8913, struct.pack("16sH22x", b"lo", 0))[:18])[1]
fcntl.ioctl(s, 0x8914, struct.pack("16sH22x", b"lo", flags | 1))'
  echo "lightodm: server and suite in a network namespace of their own (127.0.0.1:27017 is theirs)"
fi
port=27017
"$ROOT/scripts/ferretdb.sh" stop --name lightodm >/dev/null 2>&1 || true
if (exec 3<>/dev/tcp/127.0.0.1/$port) 2>/dev/null; then
  echo "lightodm 0.2.0's own suite against mongo_odm: FAILED - 127.0.0.1:$port is taken by another program;" \
       "the suite needs it (one test hard-codes mongodb://localhost:27017 with test/test)"
  exit 1
fi
"$ROOT/scripts/ferretdb.sh" start --name lightodm --port "$port" --user test --password test --db test_db >/dev/null
trap '"$ROOT/scripts/ferretdb.sh" stop --name lightodm >/dev/null 2>&1 || true' EXIT

export MONGO_URL="mongodb://127.0.0.1:$port" MONGO_USER=test MONGO_PASSWORD=test MONGO_DB_NAME=test_db
junit="$WORK/junit.xml"
rm -f "$junit"
start=$(date +%s)
rc=0
(cd "$WORK/src" && PYTHONPATH="$ROOT/tests/lightodm" "$PY" -m pytest -p lightodm_alias -p no:cacheprovider \
   -q --junitxml="$junit" tests) || rc=$?
"$PY" "$ROOT/tests/verdict.py" junit "$junit" "lightodm $VERSION's own suite against mongo_odm" --key pytest.lightodm \
  --since "$start" --exit-status "$rc"
