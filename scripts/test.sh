#!/usr/bin/env bash
# Runs every test suite: the same setup as scripts/run.sh, then
#   1. the C suites (cmocka, through CTest): unit + integration, header, symbol and install checks
#   2. the same C suites under AddressSanitizer + UndefinedBehaviorSanitizer
#   3. the Python suite (pytest) against the package installed with `pip install .`
#   4. lightodm 0.2.0's own test suite, unmodified, run against mongo_odm
#   5. security (auth, TLS, logging) and reliability (faults, fork, soak) suites in Python
#   6. the libFuzzer targets (clang), MONGO_ODM_FUZZ_SECONDS each on the committed corpus
#   7. valgrind memcheck over the C suites and a Python workload
# and prints how many tests each part ran. Exits non-zero if anything failed.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/common.sh"
cd "$ROOT"
SUMMARY=()
FAILED=0

# Sums cmocka's "[  PASSED  ] N test(s)" lines of a CTest log.
cmocka_count() {
  local log=$1
  awk '/\[  PASSED  \] [0-9]+ test\(s\)/ { for (i = 1; i <= NF; i++) if ($i ~ /^[0-9]+$/) { n += $i; break } }
       END { print n + 0 }' "$log"
}

run_ctest() {
  local dir=$1 label=$2; shift 2
  local status=passed
  (cd "build/$dir" && ctest --output-on-failure -j "$JOBS" "$@") || { status=FAILED; FAILED=1; }
  local log="build/$dir/Testing/Temporary/LastTest.log"
  local n_ctest n_cmocka
  n_ctest=$(grep -c '^[0-9]*/[0-9]* Test:' "$log" || true)
  n_cmocka=$(cmocka_count "$log")
  SUMMARY+=("$label: $status - $n_ctest CTest tests, $n_cmocka cmocka test cases passed inside them")
}

section "dependencies"
scripts/deps.sh --fuzz

section "server"
use_test_server test

section "C suites (build/test)"
build_c test -DCMAKE_BUILD_TYPE=RelWithDebInfo -DMONGO_ODM_WERROR=ON
run_ctest test "C"

section "C suites under AddressSanitizer + UBSan (build/asan)"
build_c asan -DCMAKE_BUILD_TYPE=Debug -DMONGO_ODM_SANITIZE=ON -DMONGO_ODM_WERROR=ON -DMONGO_ODM_BUILD_EXAMPLES=OFF
ASAN_OPTIONS=detect_leaks=1:abort_on_error=1:strict_string_checks=1 \
UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
  run_ctest asan "C (ASan+UBSan)" -L "unit|integration" -E "test_install_consumer|test_exported_symbols"

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

section "Python suite (tests/python)"
"$VENV_PY" -m pytest tests/python -q -p no:cacheprovider --junitxml=build/python-junit.xml || true
line=$("$VENV_PY" tests/junit_summary.py build/python-junit.xml "Python (pytest)") || FAILED=1
SUMMARY+=("$line")

section "lightodm 0.2.0's own test suite, unmodified, against mongo_odm"
tests/lightodm/run.sh "$VENV_PY" | tee build/lightodm.log || FAILED=1
SUMMARY+=("$(tail -n 1 build/lightodm.log)")

section "Security suite (tests/security: auth, TLS, logging)"
"$VENV_PY" -m pytest tests/security -q -p no:cacheprovider --junitxml=build/security-junit.xml || true
line=$("$VENV_PY" tests/junit_summary.py build/security-junit.xml "Python security (pytest)") || FAILED=1
SUMMARY+=("$line")

section "Reliability suite (tests/reliability: faults, fork, soak)"
"$VENV_PY" -m pytest tests/reliability -q -p no:cacheprovider --junitxml=build/reliability-junit.xml || true
line=$("$VENV_PY" tests/junit_summary.py build/reliability-junit.xml "Python reliability (pytest)") || FAILED=1
SUMMARY+=("$line")

section "Fuzzing (tests/fuzz, libFuzzer)"
MONGO_ODM_FUZZ_SECONDS=${MONGO_ODM_FUZZ_SECONDS:-20} tests/fuzz/run.sh | tee build/fuzz.log || FAILED=1
SUMMARY+=("$(grep '^fuzz:' build/fuzz.log | tail -n 1 || echo 'fuzz: no summary')")

section "valgrind memcheck (tests/valgrind)"
MONGO_ODM_VALGRIND_PYTHON="$VENV_PY" tests/valgrind/run.sh | tee build/valgrind.log || FAILED=1
SUMMARY+=("$(tail -n 1 build/valgrind.log)")

section "summary"
printf '%s\n' "${SUMMARY[@]}"
if [ "$FAILED" != 0 ]; then echo "SOME TESTS FAILED"; exit 1; fi
echo "all suites passed"
