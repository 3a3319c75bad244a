#!/usr/bin/env bash
# Installs the library from a build tree into a temporary prefix, then builds and runs a
# consumer program against it twice: with pkg-config and with CMake find_package.
#   tests/install/run.sh <source dir> <build dir>
set -euo pipefail
src=$1
build=$2
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
prefix="$work/prefix"

cmake --install "$build" --prefix "$prefix" >/dev/null
libdir=$(find "$prefix" -name 'libmongo_odm.so' -printf '%h\n' | head -n1)
test -n "$libdir" || { echo "libmongo_odm.so was not installed"; exit 1; }
test -f "$prefix/include/mongo_odm.h" || { echo "mongo_odm.h was not installed"; exit 1; }
test -f "$prefix/include/mongo_odm/version.h" || { echo "version.h was not installed"; exit 1; }
test -f "$prefix/include/mongo_odm.hpp" || { echo "mongo_odm.hpp was not installed"; exit 1; }

# The installed .pc and CMake package require the libbson/libmongoc line the library was built on.
used=$(sed -n 's/^MONGO_ODM_MONGOC_VERSION:INTERNAL=//p' "$build/CMakeCache.txt")
case "$used" in
  1.*) want_pc="Requires: libbson-1.0 >= 1.23"; want_private="libmongoc-1.0 >= 1.23"; want_cmake="find_dependency(bson-1.0 1.23 CONFIG)" ;;
  2.*) want_pc="Requires: bson2 >= 2.0"; want_private="mongoc2 >= 2.0"; want_cmake="find_dependency(bson 2 CONFIG)" ;;
  *) echo "the build names no libmongoc version ('$used')"; exit 1 ;;
esac
pcfile="$libdir/pkgconfig/libmongo_odm.pc"
grep -qxF "$want_pc" "$pcfile" || { echo "libmongo_odm.pc lacks '$want_pc' (built on $used):"; cat "$pcfile"; exit 1; }
grep -q "^Requires.private: $want_private" "$pcfile" || { echo "libmongo_odm.pc lacks '$want_private'"; exit 1; }
grep -qxF "$want_cmake" "$libdir/cmake/mongo_odm/mongo_odmConfig.cmake" ||
  { echo "mongo_odmConfig.cmake lacks '$want_cmake' (built on $used)"; exit 1; }
echo "== built on libmongoc $used: libmongo_odm.pc and mongo_odmConfig.cmake require it"

echo "== pkg-config"
export PKG_CONFIG_PATH="$libdir/pkgconfig${PKG_CONFIG_PATH:+:$PKG_CONFIG_PATH}"
cc -std=c99 -Wall -Wextra -pedantic -Werror -o "$work/consumer-pc" "$src/tests/install/consumer.c" \
  $(pkg-config --cflags --libs libmongo_odm) -Wl,-rpath,"$libdir"
"$work/consumer-pc"

echo "== cmake find_package"
cmake -S "$src/tests/install" -B "$work/consumer-build" -DCMAKE_PREFIX_PATH="$prefix" \
  -DCMAKE_BUILD_RPATH="$libdir" >/dev/null
cmake --build "$work/consumer-build" >/dev/null
"$work/consumer-build/app"

# The consumer must have loaded the installed copy, not the build tree's.
linked=$(ldd "$work/consumer-build/app")  # not piped into grep -q: pipefail + SIGPIPE
case "$linked" in
  *"$libdir/libmongo_odm.so.0.1"*) ;;
  *) echo "consumer did not link the installed libmongo_odm.so.0.1"; echo "$linked"; exit 1 ;;
esac
echo "install consumer: pkg-config and find_package builds ran"
