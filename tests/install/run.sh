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

echo "== pkg-config"
export PKG_CONFIG_PATH="$libdir/pkgconfig${PKG_CONFIG_PATH:+:$PKG_CONFIG_PATH}"
cc -std=c99 -Wall -Wextra -pedantic -Werror -o "$work/consumer-pc" "$src/tests/install/consumer.c" \
  $(pkg-config --cflags --libs libmongo_odm) -Wl,-rpath,"$libdir"
"$work/consumer-pc"

echo "== cmake find_package"
cmake -S "$src/tests/install" -B "$work/consumer-build" -DCMAKE_PREFIX_PATH="$prefix" \
  -DCMAKE_BUILD_RPATH="$libdir" >/dev/null
cmake --build "$work/consumer-build" >/dev/null
"$work/consumer-build/consumer"

# The consumer must have loaded the installed copy, not the build tree's.
linked=$(ldd "$work/consumer-build/consumer")  # not piped into grep -q: pipefail + SIGPIPE
case "$linked" in
  *"$libdir/libmongo_odm.so.0.1"*) ;;
  *) echo "consumer did not link the installed libmongo_odm.so.0.1"; echo "$linked"; exit 1 ;;
esac
echo "install consumer: pkg-config and find_package builds ran"
