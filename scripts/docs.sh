#!/usr/bin/env bash
# Builds the documentation site into build/docs/html (open build/docs/html/index.html).
#   scripts/docs.sh            build it
#   scripts/docs.sh --check    the test (tests/docs/run.sh): -W -n build, internal link check,
#                              C symbols and Python names against the reference, every example
#                              run against FerretDB, screenshots by headless chromium
# Sets up what it needs: Debian packages (scripts/deps.sh --docs: chromium), the docs
# virtualenv build/venv-docs with the pinned docs/requirements.txt and mongo_odm itself
# (re-installed when its sources change; MONGO_ODM_DOCS_WHEEL=path installs that wheel
# instead of building), and for --check a build of the library (MONGO_ODM_DOCS_LIBDIR, else
# the first of build/test, build/dev, build/release that has one, else build/docs-lib) and a
# FerretDB when MONGO_URL is unset.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/common.sh"
cd "$ROOT"

check=0
for arg in "$@"; do
  case "$arg" in
    --check) check=1 ;;
    *) echo "docs.sh: unknown option $arg" >&2; exit 2 ;;
  esac
done

scripts/deps.sh --docs

# The docs virtualenv: pinned requirements (never runtime dependencies of mongo_odm), then the
# package, whose docstrings the Python reference is read from.
VENV=build/venv-docs
[ -x "$VENV/bin/python" ] || "${PYTHON:-python3}" -m venv "$VENV"
stamp() { sha256sum "$@" | sha256sum | cut -c1-16; }
req=$(stamp docs/requirements.txt)
if [ "$(cat "$VENV/.requirements" 2>/dev/null)" != "$req" ]; then
  "$VENV/bin/python" -m pip install -q --disable-pip-version-check -r docs/requirements.txt
  echo "$req" > "$VENV/.requirements"
fi
if [ -n "${MONGO_ODM_DOCS_WHEEL:-}" ]; then
  "$VENV/bin/python" -m pip install -q --disable-pip-version-check --force-reinstall --no-deps "$MONGO_ODM_DOCS_WHEEL"
  rm -f "$VENV/.package"
else
  pkg=$(git ls-files -z -- bindings/python src include CMakeLists.txt pyproject.toml cmake | xargs -0 sha256sum | sha256sum | cut -c1-16)
  if [ "$(cat "$VENV/.package" 2>/dev/null)" != "$pkg" ]; then
    echo "docs: installing mongo_odm into $VENV (its sources changed)"
    "$VENV/bin/python" -m pip install -q --disable-pip-version-check .
    echo "$pkg" > "$VENV/.package"
  fi
fi

if [ "$check" = 0 ]; then
  "$VENV/bin/python" -m sphinx -q -b html -d build/docs/doctrees docs build/docs/html
  echo "docs: built build/docs/html/index.html"
  exit 0
fi

libdir=${MONGO_ODM_DOCS_LIBDIR:-}
if [ -z "$libdir" ]; then
  for d in build/test build/dev build/release; do
    if [ -f "$d/libmongo_odm.so" ]; then libdir=$d; break; fi
  done
fi
if [ -z "$libdir" ]; then
  build_c docs-lib -DCMAKE_BUILD_TYPE=RelWithDebInfo -DMONGO_ODM_BUILD_TESTS=OFF -DMONGO_ODM_BUILD_EXAMPLES=OFF
  libdir=build/docs-lib
fi
use_test_server docs
tests/docs/run.sh "$VENV/bin/python" "$libdir"
