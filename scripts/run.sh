#!/usr/bin/env bash
# The main job: installs what is missing, builds libmongo_odm and the Python package, starts the
# embedded FerretDB when MONGO_URL is unset, and runs the C and Python quickstarts.
#   scripts/run.sh            (the server it starts is stopped again at the end)
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/common.sh"
cd "$ROOT"

section "dependencies"
scripts/deps.sh

section "build (C library + examples)"
build_c release -DCMAKE_BUILD_TYPE=Release -DMONGO_ODM_BUILD_TESTS=OFF -DMONGO_ODM_BUILD_EXAMPLES=ON

section "server"
use_test_server default
export MONGO_DB_NAME=${MONGO_DB_NAME:-odm_test}

section "C quickstart (examples/c/quickstart.c)"
build/release/examples/c/quickstart

section "C++ quickstart (examples/cpp/quickstart.cpp)"
build/release/examples/cpp/quickstart_cpp

section "C features (examples/c/features.c: indexes, changed-field saves, revisions, bulk, projections)"
build/release/examples/c/features

if [ -f "$ROOT/examples/python/quickstart_sync.py" ]; then
  section "Python package (pip install . into build/venv)"
  python_env venv
  section "Python quickstart (examples/python/quickstart_sync.py)"
  "$VENV_PY" examples/python/quickstart_sync.py
  section "Python features (examples/python/features.py)"
  "$VENV_PY" examples/python/features.py
fi
