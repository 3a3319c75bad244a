# Shared by scripts/run.sh and scripts/test.sh (sourced, not executed).

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
JOBS=${MONGO_ODM_JOBS:-$(nproc 2>/dev/null || echo 2)}
# Everything built or downloaded outside build/: the FerretDB binary, Go's module and build
# caches, pip's cache, the libmongoc builds of scripts/compat.sh. scripts/test.sh points it at a
# fresh build/cache, so that every test run is a new user's first run.
CACHE=${MONGO_ODM_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/mongo_odm}
# The mongo-c-driver source archives (../shared/vendor beside the clone; see its NOTICE).
VENDOR=${MONGO_ODM_VENDOR:-$ROOT/../shared/vendor}

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

# The install prefix of mongo-c-driver $1 built by build_mongoc.
mongoc_prefix() { echo "$CACHE/mongoc-$1"; }

# Builds mongo-c-driver $1 (libmongoc + libbson, shared only) from $VENDOR's archive into
# $(mongoc_prefix $1), once: the archive's sha256 is checked against $VENDOR/SHA256SUMS. SASL,
# snappy, zstd, ICU and AWS authentication are off (FerretDB needs none of them, and the wheel
# then bundles fewer libraries); TLS is OpenSSL.
build_mongoc() {
  local version=$1
  local prefix archive="mongo-c-driver-$1.tar.gz"
  prefix=$(mongoc_prefix "$version")
  if [ -f "$prefix/.built" ]; then return 0; fi
  [ -f "$VENDOR/$archive" ] || { echo "build_mongoc: $VENDOR/$archive not found (set MONGO_ODM_VENDOR)" >&2; return 1; }
  local want got
  want=$(awk -v f="$archive" '$2 == f { print $1 }' "$VENDOR/SHA256SUMS")
  got=$(sha256sum "$VENDOR/$archive" | cut -d' ' -f1)
  if [ -z "$want" ] || [ "$want" != "$got" ]; then
    echo "build_mongoc: $archive has sha256 $got, SHA256SUMS says '${want:-nothing}'" >&2; return 1
  fi
  echo "building mongo-c-driver $version into $prefix (once)"
  local work
  mkdir -p "$CACHE"
  work=$(mktemp -d "$CACHE/mongoc-src.XXXXXX")
  tar -xzf "$VENDOR/$archive" -C "$work" --strip-components=1
  rm -rf "$prefix"
  if cmake -S "$work" -B "$work/_build" -G Ninja -DCMAKE_BUILD_TYPE=Release -DBUILD_VERSION="$version" \
       -DENABLE_TESTS=OFF -DENABLE_EXAMPLES=OFF -DENABLE_STATIC=OFF -DENABLE_SASL=OFF -DENABLE_SNAPPY=OFF \
       -DENABLE_ZSTD=OFF -DENABLE_ICU=OFF -DENABLE_MONGODB_AWS_AUTH=OFF -DENABLE_SSL=OPENSSL \
       -DENABLE_UNINSTALL=OFF -DCMAKE_INSTALL_LIBDIR=lib -DCMAKE_INSTALL_RPATH='$ORIGIN' \
       -DCMAKE_INSTALL_PREFIX="$prefix" >"$work.log" 2>&1 &&
     cmake --build "$work/_build" -j "$JOBS" >>"$work.log" 2>&1 &&
     cmake --install "$work/_build" >>"$work.log" 2>&1; then
    rm -rf "$work" "$work.log"
    echo "$version $got" > "$prefix/.built"
  else
    tail -n 40 "$work.log" >&2
    echo "build_mongoc: building mongo-c-driver $version failed (log: $work.log)" >&2
    rm -rf "$work"
    return 1
  fi
}

# Prints the path of the newest Go toolchain >= 1.21 on this machine (on PATH, /usr/local/go, or
# Debian's versioned golang-1.NN packages under /usr/lib/go-1.NN), or fails. 1.21 is the first Go
# that fetches a newer toolchain itself (GOTOOLCHAIN), which scripts/ferretdb.sh relies on when
# the Go found is older than FerretDB's go.mod asks for.
go_minor() { "$1" env GOVERSION 2>/dev/null | sed -n 's/^go1\.\([0-9][0-9]*\).*/\1/p'; }
find_go() {
  local g best="" best_minor=0 minor
  for g in "$(command -v go 2>/dev/null)" /usr/local/go/bin/go /usr/lib/go-1.*/bin/go; do
    [ -n "$g" ] && [ -x "$g" ] || continue
    minor=$(go_minor "$g")
    [ -n "$minor" ] || continue
    if [ "$minor" -ge 21 ] && [ "$minor" -gt "$best_minor" ]; then best=$g; best_minor=$minor; fi
  done
  [ -n "$best" ] && echo "$best"
}

# The verdict of each suite is tests/verdict.py's: the runner's exit status, a report written by
# this run (the old one is deleted first and must not be read), no failure, error or skip, and
# as many tests as tests/expected-counts.txt records for the suite's key (VERDICT_COUNTS_FILE
# names another file: tests/harness uses it; scripts/test.sh clears it).

# run_ctest DIR LABEL KEY [ctest args]: runs CTest in build/DIR (--no-tests=error: a filter that
# matches nothing fails), appends its verdict line to SUMMARY and sets FAILED=1 unless it passed.
run_ctest() {
  local dir=$1 label=$2 key=$3; shift 3
  local rc=0 start line
  rm -f "$ROOT/build/$dir/Testing/Temporary/LastTest.log"
  start=$(date +%s)
  (cd "$ROOT/build/$dir" && ctest --no-tests=error --output-on-failure -j "$JOBS" "$@") || rc=$?
  line=$("${PYTHON:-python3}" "$ROOT/tests/verdict.py" ctest "$ROOT/build/$dir" "$label" --key "$key" \
           --since "$start" --exit-status "$rc" --counts-file "${VERDICT_COUNTS_FILE:-$ROOT/tests/expected-counts.txt}") ||
    FAILED=1
  SUMMARY+=("$line")
}

# run_pytest LABEL KEY JUNIT PYTHON [pytest args]: runs PYTHON -m pytest with a JUnit report in
# JUNIT, appends its verdict line to SUMMARY and sets FAILED=1 unless it passed.
run_pytest() {
  local label=$1 key=$2 junit=$3 py=$4; shift 4
  local rc=0 start line
  rm -f "$junit"
  start=$(date +%s)
  # xfail_strict: a test marked xfail that passes fails (a skip of its own kind otherwise)
  "$py" -m pytest -p no:cacheprovider -o xfail_strict=true "$@" --junitxml="$junit" || rc=$?
  line=$("${PYTHON:-python3}" "$ROOT/tests/verdict.py" junit "$junit" "$label" --key "$key" \
           --since "$start" --exit-status "$rc" --counts-file "${VERDICT_COUNTS_FILE:-$ROOT/tests/expected-counts.txt}") ||
    FAILED=1
  SUMMARY+=("$line")
}

# run_logged LABEL KEY LOG COMMAND...: runs a runner that is neither CTest nor pytest (fuzz,
# valgrind, the README's install blocks, the documentation site) with its output shown and
# written to LOG (deleted first). Its verdict needs its exit status 0, its own summary line
# "LABEL: passed|clean ..." in this run's LOG and the `count: NAME N` lines it printed equal to
# the counts recorded for KEY and KEY.* (tests/verdict.py log). Appends the verdict to SUMMARY,
# sets FAILED=1 unless it passed.
run_logged() {
  local label=$1 key=$2 log=$3; shift 3
  local rc=0 start line
  rm -f "$log"
  start=$(date +%s)
  "$@" 2>&1 | tee "$log" || rc=$?
  line=$("${PYTHON:-python3}" "$ROOT/tests/verdict.py" log "$log" "$label" --key "$key" \
           --since "$start" --exit-status "$rc" --counts-file "${VERDICT_COUNTS_FILE:-$ROOT/tests/expected-counts.txt}") ||
    FAILED=1
  SUMMARY+=("$line")
}

# compat_suite VERSION: the C suites (all of them: unit, integration, security, install) built
# with -Werror against mongo-c-driver VERSION from $VENDOR, in build/compat-VERSION. Needs the
# server settings in the environment (use_test_server). Appends to SUMMARY, sets FAILED.
compat_suite() {
  local version=$1 prefix dir="compat-$1"
  if ! build_mongoc "$version"; then
    SUMMARY+=("C (libmongoc $version): FAILED - mongo-c-driver $version did not build"); FAILED=1; return 0
  fi
  prefix=$(mongoc_prefix "$version")
  if ! build_c "$dir" -DCMAKE_BUILD_TYPE=RelWithDebInfo -DMONGO_ODM_WERROR=ON -DMONGO_ODM_BUILD_TESTS=ON        -DMONGO_ODM_BUILD_EXAMPLES=OFF -DCMAKE_PREFIX_PATH="$prefix" -DMONGO_ODM_MONGOC_MAJOR="${version%%.*}"; then
    SUMMARY+=("C (libmongoc $version): FAILED - the build against it failed"); FAILED=1; return 0
  fi
  local used
  used=$(sed -n 's/^MONGO_ODM_MONGOC_VERSION:INTERNAL=//p' "$ROOT/build/$dir/CMakeCache.txt")
  if [ "$used" != "$version" ]; then
    SUMMARY+=("C (libmongoc $version): FAILED - CMake found libmongoc '$used' instead"); FAILED=1; return 0
  fi
  # The install consumer (tests/install/run.sh) finds this driver like a user of a driver in a
  # prefix of their own would: CMAKE_PREFIX_PATH, PKG_CONFIG_PATH and, for its pkg-config build
  # (whose rpath names only libmongo_odm's directory), LD_LIBRARY_PATH; without it a 1.x
  # consumer would load the system's libbson-1.0.so.0 beside this libmongoc.
  CMAKE_PREFIX_PATH="$prefix${CMAKE_PREFIX_PATH:+:$CMAKE_PREFIX_PATH}" \
  PKG_CONFIG_PATH="$prefix/lib/pkgconfig${PKG_CONFIG_PATH:+:$PKG_CONFIG_PATH}" \
  LD_LIBRARY_PATH="$prefix/lib${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}" \
    run_ctest "$dir" "C (libmongoc $version)" "ctest.compat"
}
