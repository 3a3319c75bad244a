#!/usr/bin/env bash
# Runs the benchmarks side by side and writes bench/results/<date>.json, bench/results/<date>.png
# and docs/benchmarks.md.
#   scripts/bench.sh                 full protocol (see ../shared/spec/benchmarks.md)
#   BENCH_OPS=1000 BENCH_ITERATIONS=3 BENCH_STREAM_DOCS=20000 scripts/bench.sh   a quicker run
# Peers (lightodm 0.2.0, pymongo, motor) are installed only into build/venv-bench.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/common.sh"
cd "$ROOT"
OPS=${BENCH_OPS:-10000}
ITERATIONS=${BENCH_ITERATIONS:-5}
WRITE_OPS=${BENCH_WRITE_OPS:-500}   # FerretDB's costs grow with the collection: bench/NOTES.md
SCAN_OPS=${BENCH_SCAN_OPS:-200}
STREAM_DOCS=${BENCH_STREAM_DOCS:-100000}
DATE=$(date -u +%Y-%m-%d)

section "dependencies"
scripts/deps.sh

section "build (C library + C benchmark, Release)"
build_c bench -DCMAKE_BUILD_TYPE=Release -DMONGO_ODM_BUILD_TESTS=OFF -DMONGO_ODM_BUILD_EXAMPLES=OFF \
  -DMONGO_ODM_BUILD_BENCH=ON

section "server"
use_test_server bench

section "benchmark virtualenv (build/venv-bench: mongo_odm + lightodm 0.2.0, pymongo, motor)"
python_env venv-bench "lightodm==0.2.0" pymongo motor matplotlib

section "C benchmark: libmongo_odm vs libmongoc"
build/bench/bench/c/mongo_odm_bench --ops "$OPS" --write-ops "$WRITE_OPS" --scan-ops "$SCAN_OPS" --iterations "$ITERATIONS" --stream-docs "$STREAM_DOCS" \
  | tee build/bench-c.jsonl

section "Python benchmark: mongo_odm vs lightodm vs pymongo"
"$VENV_PY" bench/python/bench.py --ops "$OPS" --write-ops "$WRITE_OPS" --scan-ops "$SCAN_OPS" --iterations "$ITERATIONS" --stream-docs "$STREAM_DOCS" \
  --out build/bench-py.json

section "report"
mkdir -p bench/results
"$VENV_PY" bench/report.py --python build/bench-py.json --c build/bench-c.jsonl \
  --out "bench/results/$DATE.json" --png "bench/results/$DATE.png" --doc docs/benchmarks.md \
  --command "BENCH_OPS=$OPS BENCH_WRITE_OPS=$WRITE_OPS BENCH_SCAN_OPS=$SCAN_OPS BENCH_ITERATIONS=$ITERATIONS BENCH_STREAM_DOCS=$STREAM_DOCS scripts/bench.sh   # the defaults; ~35 min"
