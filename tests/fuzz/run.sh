#!/usr/bin/env bash
# Builds the libFuzzer targets with clang (library and targets instrumented, ASan + UBSan) into
# build/fuzz and runs each one for a fixed time on its committed seed corpus.
#
#   tests/fuzz/run.sh                   every target, MONGO_ODM_FUZZ_SECONDS (default 20) each
#   tests/fuzz/run.sh fuzz_ids          only the named target(s)
#   MONGO_ODM_FUZZ_SECONDS=600 tests/fuzz/run.sh      a longer session
#   tests/fuzz/run.sh --regress         only replay the committed corpus (a few seconds)
#
# Fails on any crash, sanitizer report, leak, timeout (5 s for one input), out-of-memory, or a
# violated FUZZ_CHECK. What libFuzzer finds is written to build/fuzz/artifacts/<target>-crash-*:
# fix the bug, then commit the input as tests/fuzz/corpus/<target>/regression-<what> together
# with a cmocka or pytest test. New coverage goes to build/fuzz/corpus-work/<target> (not
# committed; emptied at every run so each run starts from the seeds alone).
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/../../scripts/common.sh"
cd "$ROOT"

SECONDS_PER_TARGET=${MONGO_ODM_FUZZ_SECONDS:-20}
ALL_TARGETS=(fuzz_doc_from_bson fuzz_doc_setters fuzz_ids)
regress=0
targets=()
for arg in "$@"; do
  case "$arg" in
    --regress) regress=1 ;;
    fuzz_*) targets+=("$arg") ;;
    *) echo "run.sh: unknown argument $arg (targets: ${ALL_TARGETS[*]}, --regress)" >&2; exit 2 ;;
  esac
done
[ "${#targets[@]}" -gt 0 ] || targets=("${ALL_TARGETS[@]}")

for tool in clang clang++; do
  command -v "$tool" >/dev/null || { echo "run.sh: $tool not found (scripts/deps.sh --fuzz installs it)" >&2; exit 1; }
done

BUILD="$ROOT/build/fuzz"
section "build (clang, -fsanitize=fuzzer-no-link,address,undefined) into build/fuzz"
python3 tests/fuzz/make_corpus.py --check
CC=clang CXX=clang++ cmake -S "$ROOT" -B "$BUILD" -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo \
  -DMONGO_ODM_BUILD_FUZZERS=ON -DMONGO_ODM_BUILD_TESTS=OFF -DMONGO_ODM_BUILD_EXAMPLES=OFF >/dev/null
cmake --build "$BUILD" -j "$JOBS" --target "${targets[@]}"

export ASAN_OPTIONS=detect_leaks=1:abort_on_error=1:strict_string_checks=1:detect_stack_use_after_return=1
export UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1
mkdir -p "$BUILD/artifacts"
failed=()
summary=()
for t in "${targets[@]}"; do
  seeds="$ROOT/tests/fuzz/corpus/$t"
  exe="$BUILD/tests/fuzz/$t"
  log="$BUILD/$t.log"
  if [ "$regress" = 1 ]; then
    section "$t: replaying $(ls "$seeds" | wc -l) committed inputs"
    # Files as arguments: each runs once, no fuzzing.
    if "$exe" -timeout=5 -rss_limit_mb=2048 "$seeds"/* >"$log" 2>&1; then
      summary+=("$t: $(ls "$seeds" | wc -l) inputs replayed, passed")
    else
      tail -n 60 "$log"; failed+=("$t"); summary+=("$t: FAILED (log: $log)")
    fi
    continue
  fi
  work="$BUILD/corpus-work/$t"
  rm -rf "$work"
  mkdir -p "$work"
  section "$t: ${SECONDS_PER_TARGET}s on $(ls "$seeds" | wc -l) seeds"
  # The first directory receives new inputs; the committed seeds are only read.
  if "$exe" "$work" "$seeds" -max_total_time="$SECONDS_PER_TARGET" -timeout=5 -rss_limit_mb=2048 \
       -max_len=8192 -print_final_stats=1 -artifact_prefix="$BUILD/artifacts/$t-" >"$log" 2>&1; then
    runs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log")
    secs=$(sed -n 's/^Done [0-9]* runs in \([0-9]*\) second.*/\1/p' "$log")
    cov=$(grep -o 'cov: [0-9]*' "$log" | tail -n 1 | cut -d' ' -f2)
    summary+=("$t: passed - ${runs:-?} executions in ${secs:-?} s, ${cov:-?} coverage points, corpus $(ls "$seeds" | wc -l) seeds + $(ls "$work" | wc -l) new")
    echo "${summary[-1]}"
  else
    tail -n 60 "$log"
    failed+=("$t")
    summary+=("$t: FAILED (log: $log; input: $(ls "$BUILD"/artifacts/"$t"-* 2>/dev/null | tail -n 1))")
  fi
done

section "fuzz summary"
printf '%s\n' "${summary[@]}"
if [ "${#failed[@]}" -gt 0 ]; then
  echo "FUZZING FOUND PROBLEMS in: ${failed[*]}"
  echo "fuzz: FAILED - ${#failed[@]} of ${#targets[@]} targets: ${failed[*]}"
  exit 1
fi
if [ "$regress" = 1 ]; then
  echo "fuzz: passed - ${#targets[@]} targets replayed their committed corpus"
else
  echo "count: fuzz.targets ${#targets[@]}"
  echo "fuzz: passed - ${#targets[@]} targets, ${SECONDS_PER_TARGET} s each, no crash, leak or sanitizer report"
fi
