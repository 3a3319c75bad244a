#!/usr/bin/env bash
# Builds mongo-c-driver versions from ../shared/vendor (MONGO_ODM_VENDOR) into the cache and runs
# the C suites against each: the libmongoc of Debian 13 (1.30) and of Debian testing / Ubuntu
# 26.04 (2.x), on a machine whose own packages ship 1.23.
#   scripts/compat.sh                 1.30.8 and 2.5.0
#   scripts/compat.sh 2.5.0           only that one (scripts/test.sh runs this)
# Builds go to $CACHE/mongoc-<version> (once) and build/compat-<version>.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/common.sh"
cd "$ROOT"
versions=("$@")
[ "${#versions[@]}" -gt 0 ] || versions=(1.30.8 2.5.0)
SUMMARY=()
FAILED=0

section "dependencies"
scripts/deps.sh

section "server"
use_test_server compat

for v in "${versions[@]}"; do
  section "C suites against libmongoc $v (build/compat-$v)"
  compat_suite "$v"
done

section "summary"
printf '%s\n' "${SUMMARY[@]}"
[ "$FAILED" = 0 ] || { echo "SOME TESTS FAILED"; exit 1; }
