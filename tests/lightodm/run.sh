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
# lightodm's CI runs MongoDB on localhost:27017 with the user test/test, and one of its tests
# hard-codes that address; so this runs a FerretDB of its own there with those credentials.
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

port=27017
deselect=()
if (exec 3<>/dev/tcp/127.0.0.1/$port) 2>/dev/null && ! "$ROOT/scripts/ferretdb.sh" env --name lightodm >/dev/null 2>&1; then
  # Something else owns 27017. One lightodm test hard-codes mongodb://localhost:27017 with the
  # user test/test; it cannot pass against another port, so it is listed, not hidden.
  port=$("$PY" -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
  deselect=(--deselect tests/test_edge_cases.py::test_async_client_missing_env_vars)
  echo "NOTE: port 27017 is taken: test_edge_cases.py::test_async_client_missing_env_vars is not run" \
       "(it hard-codes localhost:27017 with user test/test)"
fi
"$ROOT/scripts/ferretdb.sh" start --name lightodm --port "$port" --user test --password test --db test_db >/dev/null
trap '"$ROOT/scripts/ferretdb.sh" stop --name lightodm >/dev/null 2>&1 || true' EXIT

export MONGO_URL="mongodb://127.0.0.1:$port" MONGO_USER=test MONGO_PASSWORD=test MONGO_DB_NAME=test_db
junit="$WORK/junit.xml"
(cd "$WORK/src" && PYTHONPATH="$ROOT/tests/lightodm" "$PY" -m pytest -p lightodm_alias -p no:cacheprovider \
   -q --junitxml="$junit" "${deselect[@]}" tests)
"$PY" "$ROOT/tests/junit_summary.py" "$junit" "lightodm $VERSION's own suite against mongo_odm"
