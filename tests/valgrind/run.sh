#!/usr/bin/env bash
# valgrind memcheck over the C suites and a Python workload.
#
#   tests/valgrind/run.sh               the C unit + integration suites (subset below), then
#                                        tests/valgrind/workload.py through the installed package
#   tests/valgrind/run.sh --c-only | --python-only
#   tests/valgrind/run.sh --self-check  negative control: the workload with a leak, then with a
#                                        double free, injected into libmongo_odm; passes only if
#                                        valgrind reports both (so the real run can fail)
#
# Environment:
#   MONGO_ODM_VALGRIND_BUILD   build directory of the C suites (default build/test, the
#                              RelWithDebInfo build scripts/test.sh makes; configured and built
#                              here when missing, brought up to date otherwise)
#   MONGO_ODM_VALGRIND_PYTHON  interpreter with mongo_odm installed (default build/venv-test)
#
# FerretDB instances of its own (rel-valgrind-<pid>, with and without authentication) are
# started and removed. Logs go to
# build/valgrind/*.log. Exit status: non-zero if any suite or the workload fails, or if valgrind
# reports an error or a leak not covered by the suppression files:
#   mongo_odm.supp  glibc/libmongoc/libbson/OpenSSL reports that are not the project's
#   python.supp     the interpreter's own noise (PYTHONMALLOC=malloc is set for the workload)
# Every suppression is commented with the reason in those files.
#
# C leak kinds counted: definite, indirect, possible. Python: definite, indirect (see
# python.supp for why "possible" is the interpreter's by construction there).
#
# Subset: test_threads (16 threads x 1,000 saves: a load test, whose save/get/count paths
# test_crud covers; serialized by valgrind it takes over 10 minutes) and test_faults (kills and
# restarts a server against wall-clock bounds) are not run under valgrind; both run under ASan
# in scripts/test.sh. Nor is test_fork: a forked child abandons the parent's pool on purpose,
# which valgrind's leak check in the child reports (and ASan as GCC 12 ships it is not
# fork-safe: test_fork runs in the plain and compat builds only).
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/../../scripts/common.sh"
cd "$ROOT"

mode=all
case "${1:-}" in
  "") ;;
  --c-only) mode=c ;;
  --python-only) mode=python ;;
  --self-check) mode=self ;;
  *) echo "usage: $0 [--c-only|--python-only|--self-check]" >&2; exit 2 ;;
esac

command -v valgrind >/dev/null || { echo "valgrind is not installed (scripts/deps.sh installs it)" >&2; exit 1; }
BUILD=${MONGO_ODM_VALGRIND_BUILD:-$ROOT/build/test}
PY=${MONGO_ODM_VALGRIND_PYTHON:-$ROOT/build/venv-test/bin/python}
LOGS=$ROOT/build/valgrind
mkdir -p "$LOGS"
SUPP=$ROOT/tests/valgrind

UNIT=(test_library test_id test_model test_doc test_doc_typed test_null_args test_cpp_wrapper)
INTEGRATION=(test_collection test_crud test_errors test_connection test_lookup test_checked_updates test_cpp_api)

VG=(valgrind --tool=memcheck --error-exitcode=99 --leak-check=full --num-callers=40
    --suppressions="$SUPP/mongo_odm.supp" --gen-suppressions=all --child-silent-after-fork=yes)
VG_C=("${VG[@]}" --show-leak-kinds=definite,indirect,possible --errors-for-leak-kinds=definite,indirect,possible)
VG_PY=("${VG[@]}" --suppressions="$SUPP/python.supp" --show-leak-kinds=definite,indirect
       --errors-for-leak-kinds=definite,indirect)

# --- the servers: test_connection, test_crud and test_errors use the credentials (wrong
# passwords, credentials in URLs, clients of their own); the other jobs run against an instance
# without authentication, because every new pooled connection authenticates with SCRAM, whose
# key derivation (thousands of HMAC rounds) is very slow under valgrind.
NAME=rel-valgrind-$$
STATE=${MONGO_ODM_FERRETDB_STATE:-$ROOT/build/ferretdb}
cleanup() {
  local n
  for n in "$NAME" "$NAME-noauth"; do
    "$ROOT/scripts/ferretdb.sh" stop --name "$n" >/dev/null 2>&1 || true
    rm -rf "${STATE:?}/$n"
  done
}
trap cleanup EXIT
unset MONGO_URL MONGO_USER MONGO_PASSWORD
AUTH_ENV=$("$ROOT/scripts/ferretdb.sh" start --name "$NAME")
NOAUTH_ENV=$("$ROOT/scripts/ferretdb.sh" start --name "$NAME-noauth" --no-auth)

START=$(date +%s)
RESULTS=()
FAILED=0

# run_vg LABEL LOG CMD...: runs one command under valgrind, records the verdict.
run_vg() {
  local label=$1 log=$2; shift 2
  local t0 rc=0
  t0=$(date +%s)
  rm -f "$log"
  "$@" >"$log.out" 2>&1 || rc=$?
  local summary
  summary=$(grep -h "ERROR SUMMARY" "$log" 2>/dev/null | tail -n 1 | sed 's/^==[0-9]*== //')
  local took=$(( $(date +%s) - t0 ))
  if [ "$rc" = 0 ]; then
    RESULTS+=("ok      $label (${took} s): ${summary:-no summary}")
  else
    FAILED=1
    RESULTS+=("FAILED  $label (${took} s, exit $rc): ${summary:-no summary}; see $log and $log.out")
    echo "---- $label failed (exit $rc); valgrind's report:" >&2
    grep -v "^--" "$log" | sed -n '/ERROR SUMMARY\|are definitely lost\|are indirectly lost\|are possibly lost\|Invalid\|uninitialised\|Mismatched/,+25p' | head -n 120 >&2 || true
    tail -n 20 "$log.out" >&2 || true
  fi
}

build_c_suites() {
  section "valgrind: C suites of $BUILD"
  if [ ! -f "$BUILD/build.ninja" ]; then
    cmake -S "$ROOT" -B "$BUILD" -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo -DMONGO_ODM_WERROR=ON >/dev/null
  fi
  cmake --build "$BUILD" -j "$JOBS" >/dev/null
}

# job NAME: one C suite (test_*) or the Python workload (python, python-inject-KIND).
job() {
  local name=$1
  case "$name" in
    test_*)
      case "$name" in
        test_connection | test_crud | test_errors) eval "$AUTH_ENV" ;;  # they use the credentials
        *) eval "$NOAUTH_ENV" ;;
      esac
      MONGO_DB_NAME=valgrind_c \
        run_vg "$name" "$LOGS/$name.log" "${VG_C[@]}" --log-file="$LOGS/$name.log" "$BUILD/tests/c/$name" ;;
    python*)
      [ -x "$PY" ] || { echo "no interpreter at $PY: scripts/test.sh makes build/venv-test" >&2; exit 1; }
      eval "$NOAUTH_ENV"
      local inject=${name#python}; inject=${inject#-inject-}
      MONGO_DB_NAME=valgrind_py PYTHONMALLOC=malloc MONGO_ODM_VALGRIND_INJECT="$inject" \
        run_vg "$name" "$LOGS/$name.log" "${VG_PY[@]}" --log-file="$LOGS/$name.log" "$PY" "$SUPP/workload.py" ;;
  esac
}

# Runs the jobs $JOBS at a time (each in a subshell; their databases and collections differ),
# longest first, and collects their verdicts in RESULTS/FAILED.
run_jobs() {
  local running=0 name
  # no verdict of an earlier, interrupted run may be read as this run's
  for name in "$@"; do rm -f "$LOGS/$name.result" "$LOGS/$name.log.out"; done
  for name in "$@"; do
    ( RESULTS=(); FAILED=0; job "$name"; printf '%s\n' "${RESULTS[@]}" >"$LOGS/$name.result"; exit "$FAILED" ) &
    running=$((running + 1))
    if [ "$running" -ge "$JOBS" ]; then wait -n || true; running=$((running - 1)); fi
  done
  while [ "$running" -gt 0 ]; do wait -n || true; running=$((running - 1)); done
  for name in "$@"; do
    if [ -f "$LOGS/$name.result" ]; then
      RESULTS+=("$(cat "$LOGS/$name.result")")
      grep -q "^FAILED" "$LOGS/$name.result" && FAILED=1
      rm -f "$LOGS/$name.result"
    else
      RESULTS+=("FAILED  $name: no verdict"); FAILED=1
    fi
  done
}

# Longest first (measured): the connection suite authenticates many times (SCRAM's PBKDF2 is
# slow under valgrind), then the Python workload.
C_JOBS=(test_connection test_errors test_crud test_collection test_checked_updates test_cpp_api test_lookup "${UNIT[@]}")
case "$mode" in
  all) build_c_suites; section "valgrind: ${C_JOBS[*]} python ($JOBS at a time)"
       run_jobs test_connection python "${C_JOBS[@]:1}" ;;
  c) build_c_suites; section "valgrind: ${C_JOBS[*]}"; run_jobs "${C_JOBS[@]}" ;;
  python) section "valgrind: Python workload ($PY)"; run_jobs python ;;
  self)
    # Both runs must FAIL, each because valgrind saw the fault injected into libmongo_odm.
    section "valgrind: self-check (faults injected into libmongo_odm must be reported)"
    run_jobs python-inject-leak python-inject-error 2>/dev/null
    checks=()
    for kind in leak error; do
      if grep -q "^FAILED  python-inject-$kind" <<<"$(printf '%s\n' "${RESULTS[@]}")" &&
         grep -q "libmongo_odm" "$LOGS/python-inject-$kind.log"; then
        checks+=("ok      self-check: the injected $kind was reported by valgrind in libmongo_odm")
      else
        checks+=("FAILED  self-check: the injected $kind was NOT reported (see $LOGS/python-inject-$kind.log)")
      fi
    done
    RESULTS=("${checks[@]}")
    FAILED=0
    grep -q "^FAILED" <<<"$(printf '%s\n' "${RESULTS[@]}")" && FAILED=1 ;;
esac

section "valgrind summary ($(( $(date +%s) - START )) s)"
printf '%s\n' "${RESULTS[@]}"
# the counts scripts/test.sh checks against tests/expected-counts.txt: programs, and the cmocka
# test cases the C suites passed under valgrind (a suite that ran fewer would still be "clean")
if [ "$mode" = all ] || [ "$mode" = c ]; then
  cases=0
  for name in "${C_JOBS[@]}"; do
    n=$(awk '/^\[  PASSED  \] [0-9]+ test/ { s += $4 } END { print s + 0 }' "$LOGS/$name.log.out" 2>/dev/null)
    cases=$((cases + ${n:-0}))
  done
  echo "count: valgrind.programs ${#RESULTS[@]}"
  echo "count: valgrind.cmocka $cases"
fi
if [ "$FAILED" != 0 ]; then echo "valgrind: FAILED - see the lines above"; exit 1; fi
echo "valgrind: clean - ${#RESULTS[@]} programs under memcheck, no error, no leak of the project"
