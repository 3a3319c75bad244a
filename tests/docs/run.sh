#!/usr/bin/env bash
# The documentation site's test (scripts/docs.sh --check; scripts/test.sh runs it):
#   1. sphinx-build -W -n (warnings, and references that resolve nowhere, are errors)
#   2. the internal link check of every page (tests/docs/check.py links)
#   3. the C reference against `nm -D` of libmongo_odm.so (check.py c-symbols)
#   4. the Python reference against mongo_odm.__all__ and the docstrings (check.py python)
#   5. every example of the site run against the server of MONGO_URL; a code block that is not
#      a whole program or taken from one fails (run_examples.py)
#   6. the index page and two reference pages rendered to PNG by headless chromium, not blank
# Usage: tests/docs/run.sh DOCS_PYTHON LIBDIR
#   DOCS_PYTHON  the docs virtualenv's python (Sphinx, Pillow and mongo_odm installed)
#   LIBDIR       a CMake build directory of the library (libmongo_odm.so, include/)
# Needs MONGO_URL (and MONGO_USER, MONGO_PASSWORD, MONGO_DB_NAME) in the environment. Ends with
# one line, "docs: passed - N checks ..." or "docs: FAILED - ...", and exits non-zero on failure.
set -uo pipefail
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
PY=$1
LIBDIR=$(cd "$2" && pwd)
OUT=$ROOT/build/docs
HTML=$OUT/html
passed=0
failed=()
step() {  # step NAME COMMAND...: runs it, counts it
  local name=$1; shift
  if "$@"; then passed=$((passed + 1)); else failed+=("$name"); fi
}

[ -n "${MONGO_URL:-}" ] || { echo "docs: FAILED - MONGO_URL is not set"; exit 1; }
rm -rf "$HTML" "$OUT/doctrees" "$OUT/examples" "$OUT/screenshots"
mkdir -p "$OUT/screenshots"

build() {
  "$PY" -m sphinx -W -n --keep-going -q -b html -d "$OUT/doctrees" "$ROOT/docs" "$HTML" 2>&1 | tee "$OUT/sphinx-warnings.log"
  local rc=${PIPESTATUS[0]}
  echo "sphinx-build -W -n: $([ "$rc" = 0 ] && echo passed || echo FAILED) - $(find "$HTML" -name '*.html' | wc -l) pages"
  echo "count: docs.pages $(find "$HTML" -name '*.html' | wc -l)"
  return "$rc"
}
step "sphinx-build -W -n" build
if [ -f "$HTML/objects.inv" ]; then
  step "links" "$PY" "$ROOT/tests/docs/check.py" links "$HTML"
  step "C symbols" "$PY" "$ROOT/tests/docs/check.py" c-symbols "$HTML" "$LIBDIR/libmongo_odm.so"
  step "Python reference" "$PY" "$ROOT/tests/docs/check.py" python "$HTML"
else
  failed+=("links" "C symbols" "Python reference")
fi
examples() {
  "$PY" "$ROOT/tests/docs/run_examples.py" "$LIBDIR" "$OUT/examples" > "$OUT/examples.log" 2>&1
  local rc=$?
  grep -v '^passed\|^fragment checked' "$OUT/examples.log"
  return "$rc"
}
step "examples" examples

screenshots() {
  local browser pngs=() page name
  browser=$(command -v chromium || command -v chromium-browser || true)
  [ -n "$browser" ] || { echo "screenshots: FAILED - chromium not found (scripts/deps.sh --docs)"; return 1; }
  for page in index.html c-api/error.html python/api.html; do
    [ -f "$HTML/$page" ] || { echo "screenshots: FAILED - $page was not built"; return 1; }
    name=$(echo "$page" | tr '/' '_' | sed 's/\.html$/.png/')
    # --no-sandbox: chromium refuses to run as root with its sandbox (the test command may be root).
    timeout 60 "$browser" --headless --no-sandbox --disable-gpu --hide-scrollbars --no-first-run \
      --user-data-dir="$OUT/chromium-profile" --window-size=1280,1000 \
      --screenshot="$OUT/screenshots/$name" "file://$HTML/$page" >/dev/null 2>&1 || true
    [ -s "$OUT/screenshots/$name" ] || { echo "screenshots: FAILED - chromium wrote no $name"; return 1; }
    pngs+=("$OUT/screenshots/$name")
  done
  echo "count: docs.screenshots ${#pngs[@]}"
  "$PY" "$ROOT/tests/docs/check.py" not-blank "${pngs[@]}"
}
step "screenshots" screenshots

if [ "${#failed[@]}" -eq 0 ]; then
  echo "docs: passed - $passed checks (build -W -n, links, C symbols, Python reference, examples, screenshots; site: build/docs/html)"
else
  echo "docs: FAILED - $(IFS=,; echo "${failed[*]}" | sed 's/,/, /g') ($passed of $((passed + ${#failed[@]})) checks passed)"
  exit 1
fi
