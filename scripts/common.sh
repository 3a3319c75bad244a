# Shared by scripts/run.sh and scripts/test.sh (sourced, not executed).

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
JOBS=${MONGO_ODM_JOBS:-$(nproc 2>/dev/null || echo 2)}

section() { printf '\n=== %s\n' "$*"; }

# Starts the project's FerretDB (instance $1) unless MONGO_URL points at a server already, and
# exports MONGO_URL/MONGO_USER/MONGO_PASSWORD/MONGO_DB_NAME. Registers a stop at exit for an
# instance it started.
use_test_server() {
  local name=$1
  if [ -n "${MONGO_URL:-}" ]; then
    echo "using the server named by MONGO_URL (not starting FerretDB)"
    export MONGO_DB_NAME=${MONGO_DB_NAME:-odm_test}
    return 0
  fi
  local env
  env=$("$ROOT/scripts/ferretdb.sh" start --name "$name")
  eval "$env"
  STARTED_SERVERS="${STARTED_SERVERS:-} $name"
  trap stop_started_servers EXIT
}

stop_started_servers() {
  local name
  for name in ${STARTED_SERVERS:-}; do "$ROOT/scripts/ferretdb.sh" stop --name "$name" || true; done
}

# Configures and builds the C library into build/<dir> with extra CMake arguments.
build_c() {
  local dir=$1; shift
  cmake -S "$ROOT" -B "$ROOT/build/$dir" -G Ninja "$@" >/dev/null
  cmake --build "$ROOT/build/$dir" -j "$JOBS"
}

# A virtualenv in build/<name> with mongo_odm installed from the source tree (pip install .,
# the way a user installs it). Extra pip requirements may follow.
python_env() {
  local name=$1; shift
  local venv="$ROOT/build/$name"
  if [ ! -x "$venv/bin/python" ]; then
    "${PYTHON:-python3}" -m venv "$venv"
  fi
  "$venv/bin/python" -m pip install -q --disable-pip-version-check --upgrade pip >/dev/null
  if [ $# -gt 0 ]; then
    "$venv/bin/python" -m pip install -q --disable-pip-version-check "$@"
  fi
  "$venv/bin/python" -m pip install -q --disable-pip-version-check "$ROOT"
  VENV_PY="$venv/bin/python"
}
