#!/usr/bin/env bash
# Runs the benchmarks side by side and writes bench/results/<date>.json, bench/results/<date>.png
# and docs/benchmarks.md.
#   scripts/bench.sh                 full protocol (docs/benchmarks.md); ~45 min
#   scripts/bench.sh --quick         every task at reduced counts (< 10 min of benchmarking);
#                                    writes build/bench-quick/ only, never the published files
#   scripts/bench.sh --quick --publish   a quick run written where a full run writes
#   scripts/bench.sh --only cold_pool,async_get   only these tasks (Python and C names); the
#                                    others are carried over from the latest bench/results/*.json
#                                    and marked "not re-measured since <date> (<commit>)"
#   BENCH_OPS=1000 BENCH_ITERATIONS=3 ... scripts/bench.sh   any count by hand (names below)
# Peers (lightodm 0.2.0, pymongo, motor, Beanie 2) are installed only into build/venv-bench.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/common.sh"
cd "$ROOT"

QUICK=0 PUBLISH=0 ONLY=${BENCH_ONLY:-}
while [ $# -gt 0 ]; do
  case "$1" in
    --quick) QUICK=1; shift ;;
    --publish) PUBLISH=1; shift ;;
    --only) ONLY=$2; shift 2 ;;
    -h|--help) sed -n '2,14p' "$0"; exit 0 ;;
    *) echo "bench.sh: unknown option $1 (see --help)" >&2; exit 2 ;;
  esac
done

if [ "$QUICK" = 1 ]; then
  # Every task at reduced counts: the whole benchmark part takes a few minutes on the
  # reference machine (2 cores, shared). The ratios are noisier; the tasks are the same.
  OPS=${BENCH_OPS:-500}; WRITE_OPS=${BENCH_WRITE_OPS:-100}; SCAN_OPS=${BENCH_SCAN_OPS:-50}
  ITERATIONS=${BENCH_ITERATIONS:-2}; STREAM_DOCS=${BENCH_STREAM_DOCS:-5000}
  MANY_DOCS=${BENCH_MANY_DOCS:-1000}; LARGE_OPS=${BENCH_LARGE_OPS:-3}; ASYNC_OPS=${BENCH_ASYNC_OPS:-500}
  FLAT_REPEAT=${BENCH_FLAT_REPEAT:-4}; COLD_ITERATIONS=${BENCH_COLD_ITERATIONS:-2}
  FIRST_ROUND_OPS=${BENCH_FIRST_ROUND_OPS:-500}; FIRST_ROUND_ROUNDS=${BENCH_FIRST_ROUND_ROUNDS:-2}
  BULK_OPS=${BENCH_BULK_OPS:-1000}
  LABEL=quick
else
  OPS=${BENCH_OPS:-10000}
  WRITE_OPS=${BENCH_WRITE_OPS:-500}   # FerretDB's costs grow with the collection: bench/NOTES.md
  SCAN_OPS=${BENCH_SCAN_OPS:-200}
  ITERATIONS=${BENCH_ITERATIONS:-5}; STREAM_DOCS=${BENCH_STREAM_DOCS:-100000}
  MANY_DOCS=${BENCH_MANY_DOCS:-10000}; LARGE_OPS=${BENCH_LARGE_OPS:-10}; ASYNC_OPS=${BENCH_ASYNC_OPS:-1000}
  FLAT_REPEAT=${BENCH_FLAT_REPEAT:-10}; COLD_ITERATIONS=${BENCH_COLD_ITERATIONS:-$ITERATIONS}
  FIRST_ROUND_OPS=${BENCH_FIRST_ROUND_OPS:-500}; FIRST_ROUND_ROUNDS=${BENCH_FIRST_ROUND_ROUNDS:-2}
  BULK_OPS=${BENCH_BULK_OPS:-10000}
  LABEL=full
fi
[ -z "$ONLY" ] || LABEL="$LABEL, only $ONLY"
COLD_THREADS=${BENCH_COLD_THREADS:-32}; FLAT_DOCS=${BENCH_FLAT_DOCS:-500}
DATE=$(date -u +%Y-%m-%d)
COMMIT=$(git -C "$ROOT" describe --always --dirty --abbrev=10 2>/dev/null || echo unknown)

if [ "$QUICK" = 1 ] && [ "$PUBLISH" = 0 ]; then
  OUT_DIR=build/bench-quick
  RESULTS="$OUT_DIR/results.json" PNG="$OUT_DIR/results.png" DOC="$OUT_DIR/benchmarks.md"
else
  OUT_DIR=bench/results
  RESULTS="bench/results/$DATE.json" PNG="bench/results/$DATE.png" DOC=docs/benchmarks.md
fi
# What this run does not measure (--only, or a task that fails) is carried over from the
# latest published results and marked as not re-measured; a quick run stands alone.
PREVIOUS=""
if [ "$OUT_DIR" = bench/results ]; then
  # (today's own file when there is one: it is read before the report overwrites it)
  PREVIOUS=$(ls bench/results/*.json 2>/dev/null | sort | tail -n 1 || true)
fi
STARTED=$(date +%s)

section "dependencies"
scripts/deps.sh

section "build (C library + C benchmark, Release)"
build_c bench -DCMAKE_BUILD_TYPE=Release -DMONGO_ODM_BUILD_TESTS=OFF -DMONGO_ODM_BUILD_EXAMPLES=OFF \
  -DMONGO_ODM_BUILD_BENCH=ON

section "server"
use_test_server bench

section "benchmark virtualenv (build/venv-bench: mongo_odm + lightodm 0.2.0, pymongo, motor, Beanie 2)"
# Beanie 2 runs on pymongo's AsyncMongoClient (pymongo >= 4.11); motor 3.7 on pymongo 4.9+.
python_env venv-bench "lightodm==0.2.0" "pymongo>=4.11,<5" motor "beanie>=2,<3" matplotlib
BUILT=$(date +%s)
mkdir -p build "$OUT_DIR"

section "C benchmark: libmongo_odm vs libmongoc ($LABEL run)"
C_ONLY=()
[ -z "$ONLY" ] || C_ONLY=(--only "$ONLY")
build/bench/bench/c/mongo_odm_bench --ops "$OPS" --write-ops "$WRITE_OPS" --scan-ops "$SCAN_OPS" \
  --iterations "$ITERATIONS" --stream-docs "$STREAM_DOCS" --many-docs "$MANY_DOCS" --large-ops "$LARGE_OPS" \
  --cold-threads "$COLD_THREADS" --cold-iterations "$COLD_ITERATIONS" "${C_ONLY[@]}" \
  | tee build/bench-c.jsonl

section "Python benchmark: mongo_odm vs lightodm vs pymongo (+ async peers) ($LABEL run)"
PY_ONLY=()
[ -z "$ONLY" ] || PY_ONLY=(--only "$ONLY")
"$VENV_PY" bench/python/bench.py --ops "$OPS" --write-ops "$WRITE_OPS" --scan-ops "$SCAN_OPS" \
  --iterations "$ITERATIONS" --stream-docs "$STREAM_DOCS" --many-docs "$MANY_DOCS" --large-ops "$LARGE_OPS" \
  --async-ops "$ASYNC_OPS" --flat-docs "$FLAT_DOCS" --flat-repeat "$FLAT_REPEAT" --cold-threads "$COLD_THREADS" \
  --cold-iterations "$COLD_ITERATIONS" --first-round-ops "$FIRST_ROUND_OPS" --first-round-rounds "$FIRST_ROUND_ROUNDS" \
  --bulk-ops "$BULK_OPS" --commit "$COMMIT" --label "$LABEL" "${PY_ONLY[@]}" --out build/bench-py.json

section "report"
COUNTS="BENCH_OPS=$OPS BENCH_WRITE_OPS=$WRITE_OPS BENCH_SCAN_OPS=$SCAN_OPS BENCH_ITERATIONS=$ITERATIONS"
COUNTS="$COUNTS BENCH_STREAM_DOCS=$STREAM_DOCS BENCH_MANY_DOCS=$MANY_DOCS BENCH_LARGE_OPS=$LARGE_OPS"
COUNTS="$COUNTS BENCH_ASYNC_OPS=$ASYNC_OPS BENCH_FLAT_REPEAT=$FLAT_REPEAT BENCH_COLD_ITERATIONS=$COLD_ITERATIONS"
COUNTS="$COUNTS BENCH_FIRST_ROUND_OPS=$FIRST_ROUND_OPS BENCH_FIRST_ROUND_ROUNDS=$FIRST_ROUND_ROUNDS"
COUNTS="$COUNTS BENCH_BULK_OPS=$BULK_OPS"
if [ "$QUICK" = 1 ]; then
  COMMAND="scripts/bench.sh --quick   # = $COUNTS; every task at reduced counts"
  BANNER="> **Quick run** (scripts/bench.sh --quick): every task at reduced counts, noisier than the full run; not the published figures."
else
  COMMAND="$COUNTS scripts/bench.sh   # the defaults; ~45 min"
  BANNER=""
fi
[ -z "$ONLY" ] || COMMAND="$COMMAND  (this run: --only $ONLY)"
REPORT_ARGS=(--python build/bench-py.json --c build/bench-c.jsonl --out "$RESULTS" --png "$PNG" --doc "$DOC"
             --command "$COMMAND" --banner "$BANNER")
[ -z "$PREVIOUS" ] || REPORT_ARGS+=(--previous "$PREVIOUS")
"$VENV_PY" bench/report.py "${REPORT_ARGS[@]}"
DONE=$(date +%s)
echo
echo "bench.sh ($LABEL): $((DONE - STARTED)) s in all, of which $((DONE - BUILT)) s benchmarking" \
     "(load average now: $(cut -d' ' -f1-3 /proc/loadavg)); wrote $RESULTS, $PNG, $DOC"
