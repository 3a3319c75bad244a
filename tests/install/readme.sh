#!/usr/bin/env bash
# Runs the README's install commands as written: every ```sh block under "## Install", in order,
# in one shell, in a fresh copy of the tracked tree (working-tree contents) at WORKDIR/src, with
# PREFIX (the README's install prefix, /usr/local when unset) pointing at WORKDIR/prefix. Then
# checks what they made, that the README's ```cmake lines are the ones tests/install builds
# (test_install_consumer), and that a tree configures without cmocka (tests not built, said so).
#   tests/install/readme.sh WORKDIR
# Ends with one line "README install: passed|FAILED - ...".
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/../../scripts/common.sh"
WORK=$(mkdir -p "$1" && cd "$1" && pwd)
fail() { echo "README install: FAILED - $*"; exit 1; }

section "README: the blocks under '## Install'"
blocks="$WORK/blocks.sh"
awk '
  /^## / { in_install = ($0 == "## Install") }
  in_install && /^```sh$/ { in_block = 1; n++; print "echo \"+++ README install block " n "\""; next }
  in_block && /^```$/ { in_block = 0; next }
  in_block { print }
' "$ROOT/README.md" > "$blocks"
n_blocks=$(grep -c '^echo "+++ README install block' "$blocks" || true)
[ "$n_blocks" -ge 3 ] || fail "found $n_blocks sh blocks under ## Install (expected the C, Python and wheel blocks)"
n_cmds=$(grep -v -c -E '^(echo "\+\+\+|[[:space:]]*(#|$))' "$blocks" || true)
cat "$blocks"

section "a fresh copy of the tracked tree ($WORK/src)"
for d in "$WORK/src" "$WORK/prefix" "$WORK/nocmocka"; do
  [ -e "$d" ] && chmod -R u+w "$d" && rm -rf "$d"
done
mkdir -p "$WORK/src"
(cd "$ROOT" && git ls-files -z | while IFS= read -r -d '' f; do [ -f "$f" ] && printf '%s\0' "$f"; done |
   tar --null -T - -cf -) | tar -xf - -C "$WORK/src"
[ ! -e "$WORK/src/build" ] || fail "the copy has a build directory"

section "running the blocks (PREFIX=$WORK/prefix)"
# The vendor archives sit beside the real clone, not beside the copy.
t0=$(date +%s)
if ! (cd "$WORK/src" && PREFIX="$WORK/prefix" MONGO_ODM_VENDOR="$VENDOR" bash -euo pipefail "$blocks"); then
  fail "a block failed (see above)"
fi
took=$(( $(date +%s) - t0 ))

section "checking what they made"
prefix="$WORK/prefix"
lib=$(find "$prefix" -name 'libmongo_odm.so.0.1' | head -n 1)
[ -n "$lib" ] || fail "no libmongo_odm.so.0.1 under $prefix"
for f in include/mongo_odm.h include/mongo_odm.hpp include/mongo_odm/version.h; do
  [ -f "$prefix/$f" ] || fail "$f was not installed"
done
pc=$(find "$prefix" -name libmongo_odm.pc | head -n 1)
PKG_CONFIG_PATH="$(dirname "$pc")" pkg-config --libs libmongo_odm >/dev/null || fail "pkg-config cannot use $pc"
venv_py="$WORK/src/.venv/bin/python"
[ -x "$venv_py" ] || fail "the Python block made no .venv"
"$venv_py" -c 'import mongo_odm, importlib.metadata as m; assert m.version("mongo-odm-native") == mongo_odm.__version__' \
  || fail "mongo_odm is not importable from .venv"
wheel=$(ls "$WORK/src/dist"/mongo_odm_native-*-manylinux*.whl 2>/dev/null | head -n 1)
sdist=$(ls "$WORK/src/dist"/mongo_odm_native-*.tar.gz 2>/dev/null | head -n 1)
[ -n "$wheel" ] && [ -n "$sdist" ] || fail "scripts/wheel.sh made no manylinux wheel and sdist in dist/"

section "the README's CMake lines are those of tests/install/CMakeLists.txt"
awk '/^## / { in_install = ($0 == "## Install") } in_install && /^```cmake$/ { b = 1; next } b && /^```$/ { b = 0 } b' \
  "$ROOT/README.md" | while IFS= read -r line; do
  grep -qxF "$line" "$ROOT/tests/install/CMakeLists.txt" || { echo "missing: $line"; exit 1; }
done || fail "a README CMake line is not in tests/install/CMakeLists.txt"

section "without cmocka: configures, tests not built, and says so"
empty="$WORK/nocmocka/empty-pkgconfig"
mkdir -p "$empty"
PKG_CONFIG_PATH="" PKG_CONFIG_LIBDIR="$empty" cmake -S "$WORK/src" -B "$WORK/nocmocka/build" >"$WORK/nocmocka/log" 2>&1 \
  || { cat "$WORK/nocmocka/log"; fail "cmake -S . -B build fails without cmocka"; }
grep -q "cmocka not found: the C test suites are not built" "$WORK/nocmocka/log" || fail "no message about the tests"
[ ! -d "$WORK/nocmocka/build/tests/c" ] || fail "tests configured without cmocka"

echo "count: readme.blocks $n_blocks"
echo "count: readme.commands $n_cmds"
echo "README install: passed - $n_blocks blocks, $n_cmds commands as written in ${took} s (C install into a prefix, pip install ., scripts/wheel.sh: $(basename "$wheel"), $(( $(stat -c %s "$wheel") / 1024 )) KiB); CMake lines match tests/install; configures without cmocka"
