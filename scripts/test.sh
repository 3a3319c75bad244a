#!/usr/bin/env bash
# Runs every test suite, as a new user's first run: FerretDB, Go's caches, pip's cache, the
# libmongoc 2.5.0 build and every virtualenv are made anew from an empty cache (build/cache).
#   1. the C suites (cmocka, through CTest): unit + integration, header, symbol and install checks
#   2. the same C suites under AddressSanitizer + UndefinedBehaviorSanitizer
#   3. the C suites again, built against mongo-c-driver 2.5.0 (../shared/vendor, scripts/compat.sh)
#   4. the test command's own verdicts (tests/harness), then the Python suite (pytest) against
#      the package installed with `pip install .`
#   5. the README's install blocks, run as written on a copy of the tree (tests/install/readme.sh):
#      CMake build and install, pip install ., scripts/wheel.sh (sdist + repaired wheel)
#   6. that wheel (libmongoc 2.5.0 bundled) in a fresh virtualenv: tests/install/test_wheel.py,
#      with the system's libmongoc/libbson hidden, then the Python suite against it
#   7. lightodm 0.2.0's own test suite, unmodified, run against mongo_odm
#   8. security (auth, TLS, logging) and reliability (faults, fork, soak) suites in Python
#   9. the libFuzzer targets (clang), 20 s each on the committed corpus
#  10. valgrind memcheck over the C suites and a Python workload
#  11. the documentation site (scripts/docs.sh --check)
# and prints how many tests each part ran. Exits non-zero if anything failed. A suite passes only
# with its runner's exit status 0, a report written by this run (never the previous run's), no
# failure, error or skip, and the number of tests tests/expected-counts.txt records for it
# (tests/verdict.py; CTest with --no-tests=error).
#   MONGO_ODM_TEST_KEEP_CACHE=1 scripts/test.sh   keeps build/cache and the venvs of the last
#                                                 run (quicker; then it is no first-run proof)
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/common.sh"
cd "$ROOT"
# Nothing from the caller's environment makes a suite run less: the switches that skip tests,
# shorten them, or change the reports the verdicts read are cleared here; the ones the test
# command uses it sets itself (tests/verdict.py fails any skip it still sees).
unset MONGO_ODM_TEST_SKIP MONGO_ODM_SOAK_SECONDS MONGO_ODM_TEST_SAVES_PER_THREAD MONGO_ODM_FUZZ \
      MONGO_ODM_FUZZ_SECONDS MONGO_ODM_COALESCE MONGO_ODM_ASYNC_WORKERS MONGO_ODM_REFERENCE_BSON \
      MONGO_ODM_WHEEL MONGO_ODM_PYTEST_DB MONGO_ODM_LOG MONGO_ODM_VALGRIND_BUILD MONGO_ODM_VALGRIND_PYTHON \
      MONGO_ODM_LIGHTODM_NETNS MONGO_ODM_DOCS_LAX VERDICT_COUNTS_FILE PYTEST_ADDOPTS PYTEST_PLUGINS CMOCKA_MESSAGE_OUTPUT CMOCKA_XML_FILE
SUMMARY=()
FAILED=0
TIMES=()
T0=$(date +%s)
T_MARK=$T0
# mark LABEL: how long the part that just ended took (printed at the end).
mark() { local now; now=$(date +%s); TIMES+=("$1 $((now - T_MARK)) s"); T_MARK=$now; }

section "dependencies"
scripts/deps.sh --fuzz
mark deps

section "first run: an empty cache (build/cache) and new virtualenvs"
export MONGO_ODM_CACHE="$ROOT/build/cache"
CACHE=$MONGO_ODM_CACHE
export PIP_CACHE_DIR="$CACHE/pip"
first_run="a new user's first run: FerretDB, Go's module/build caches, pip's cache, libmongoc 2.5.0 and the venvs made from an empty build/cache"
if [ "${MONGO_ODM_TEST_KEEP_CACHE:-0}" = 1 ]; then
  first_run="NOT a first run: MONGO_ODM_TEST_KEEP_CACHE=1 kept build/cache and the venvs"
  echo "$first_run"
else
  for d in "$CACHE" build/venv-test build/venv-wheel build/venv-wheel-tools build/venv-docs build/bson-ref build/readme-install; do
    [ -e "$d" ] || continue
    chmod -R u+w "$d" 2>/dev/null || true  # Go's module cache is read-only
    rm -rf "$d"
  done
fi
mkdir -p "$CACHE"

section "server (FerretDB built from $CACHE when missing)"
use_test_server test
mark "server (FerretDB build)"

section "C suites (build/test)"
build_c test -DCMAKE_BUILD_TYPE=RelWithDebInfo -DMONGO_ODM_WERROR=ON -DMONGO_ODM_BUILD_TESTS=ON
run_ctest test "C (system libmongoc $(sed -n 's/^MONGO_ODM_MONGOC_VERSION:INTERNAL=//p' build/test/CMakeCache.txt))" ctest.test
mark "C"

section "C suites under AddressSanitizer + UBSan (build/asan)"
build_c asan -DCMAKE_BUILD_TYPE=Debug -DMONGO_ODM_SANITIZE=ON -DMONGO_ODM_WERROR=ON -DMONGO_ODM_BUILD_TESTS=ON \
  -DMONGO_ODM_BUILD_EXAMPLES=OFF
# test_fork is left out: GCC 12's libasan takes no lock of its allocator across fork(), so a
# child forked while another thread is inside it can block for ever (tests/c/test_fork.c).
ASAN_OPTIONS=detect_leaks=1:abort_on_error=1:strict_string_checks=1 \
UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
  run_ctest asan "C (ASan+UBSan)" ctest.asan -L "unit|integration" -E "test_install_consumer|test_exported_symbols|^test_fork$"
mark "C (ASan+UBSan)"

section "C suites against libmongoc 2.5.0 (built from ../shared/vendor into $CACHE; build/compat-2.5.0)"
compat_suite 2.5.0
mark "C (libmongoc 2.5.0)"

section "Python package (pip install . into build/venv-test)"
python_env venv-test "pytest>=7" "pytest-asyncio>=0.21" "hypothesis>=6" mongomock "ruff==0.17.6" "mypy==2.4.1"

# ruff and mypy are pinned: a new release adds checks, which would fail this with no change here.
section "Python package lint and types (ruff check, mypy --strict; configured in pyproject.toml)"
lint_status=passed
"$VENV_PY" -m ruff check --cache-dir build/ruff-cache bindings/python/mongo_odm 2>&1 | tee build/ruff.log || lint_status=FAILED
"$VENV_PY" -m mypy --strict --cache-dir build/mypy-cache bindings/python/mongo_odm 2>&1 | tee build/mypy.log || lint_status=FAILED
[ "$lint_status" = passed ] || FAILED=1
SUMMARY+=("Python lint and types: $lint_status - ruff: $(tail -n 1 build/ruff.log), mypy --strict: $(tail -n 1 build/mypy.log)")

section "pymongo's bson package, the codec property tests' reference (build/bson-ref, not importable by the suite)"
[ -d build/bson-ref/bson ] || "$VENV_PY" -m pip install -q --no-deps --target build/bson-ref "pymongo>=4.6,<5"
export MONGO_ODM_REFERENCE_BSON="$ROOT/build/bson-ref"
mark "Python venv"

section "the test command's own verdicts (tests/harness: crashed, empty, skipped and miscounted runs fail)"
run_pytest "Test command verdicts (tests/harness)" pytest.harness build/harness-junit.xml "$VENV_PY" tests/harness -q
mark "verdicts"

section "Python suite (tests/python)"
run_pytest "Python (pytest)" pytest.python build/python-junit.xml "$VENV_PY" tests/python -q
mark "Python"

section "README install blocks, run as written (tests/install/readme.sh; build/readme-install)"
run_logged "README install" readme build/readme-install.log tests/install/readme.sh build/readme-install
mark "README install"

section "the wheel of the README (libmongoc 2.5.0 bundled) in a fresh virtualenv (build/venv-wheel)"
wheel=$(ls build/readme-install/src/dist/mongo_odm_native-*.whl 2>/dev/null | head -n 1 || true)
if [ -z "$wheel" ]; then
  SUMMARY+=("Wheel: FAILED - the README's scripts/wheel.sh made no wheel"); FAILED=1
  SUMMARY+=("Python (pytest) against the wheel: FAILED - no wheel")
else
  rm -rf build/venv-wheel
  "${PYTHON:-python3}" -m venv build/venv-wheel
  WHEEL_PY=build/venv-wheel/bin/python
  "$WHEEL_PY" -m pip install -q --disable-pip-version-check "$wheel" "pytest>=7" "pytest-asyncio>=0.21" "hypothesis>=6" mongomock
  MONGO_ODM_WHEEL="$wheel" run_pytest "Wheel $(basename "$wheel") (tests/install/test_wheel.py)" pytest.wheel \
    build/wheel-junit.xml "$WHEEL_PY" tests/install/test_wheel.py -q
  mark "Wheel"
  section "Python suite (tests/python) against the wheel: libmongo_odm on libmongoc 2.5.0"
  # test_packaging.py builds the source tree into venvs of its own: it ran above. The suite
  # works in a database of its own: FerretDB keeps one SQLite file and connection pool per
  # database, and a pool the first run left in a bad state (a stray SQLite interrupt, FerretDB's
  # own race) would otherwise fail this run too.
  MONGO_ODM_PYTEST_DB="${MONGO_DB_NAME:-odm_test}_python_wheel" \
  run_pytest "Python (pytest) against the wheel, libmongoc 2.5.0, without test_packaging.py" pytest.python-wheel \
    build/python-wheel-junit.xml "$WHEEL_PY" tests/python -q --ignore=tests/python/test_packaging.py
  mark "Python on the wheel"
fi

section "lightodm 0.2.0's own test suite, unmodified, against mongo_odm"
tests/lightodm/run.sh "$VENV_PY" | tee build/lightodm.log || FAILED=1
SUMMARY+=("$(tail -n 1 build/lightodm.log)")
mark lightodm

section "Security suite (tests/security: auth, TLS, logging)"
run_pytest "Python security (pytest)" pytest.security build/security-junit.xml "$VENV_PY" tests/security -q
mark security

section "Reliability suite (tests/reliability: faults, fork, soak)"
run_pytest "Python reliability (pytest)" pytest.reliability build/reliability-junit.xml "$VENV_PY" tests/reliability -q
mark reliability

section "Fuzzing (tests/fuzz, libFuzzer)"
MONGO_ODM_FUZZ_SECONDS=20 run_logged fuzz fuzz build/fuzz.log tests/fuzz/run.sh
mark fuzz

section "valgrind memcheck (tests/valgrind)"
MONGO_ODM_VALGRIND_PYTHON="$VENV_PY" run_logged valgrind valgrind build/valgrind.log tests/valgrind/run.sh
mark valgrind

section "Documentation site (scripts/docs.sh --check: -W -n build, links, C and Python reference coverage, examples, screenshots)"
MONGO_ODM_DOCS_LIBDIR=build/test MONGO_ODM_DOCS_WHEEL=${wheel:-} run_logged docs docs build/docs.log scripts/docs.sh --check
mark docs

section "summary"
echo "tested: commit $(git rev-parse HEAD 2>/dev/null || echo '(not a git checkout)')$(git status --porcelain 2>/dev/null | grep -q . && echo ', with uncommitted changes')"
echo "first run: $first_run"
echo "durations: $(IFS=,; echo "${TIMES[*]}" | sed 's/,/, /g'); total $(( $(date +%s) - T0 )) s"
printf '%s\n' "${SUMMARY[@]}"
if [ "$FAILED" != 0 ]; then echo "SOME TESTS FAILED"; exit 1; fi
echo "all suites passed"
