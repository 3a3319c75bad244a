#!/usr/bin/env bash
# Installs what building and testing mongo_odm needs, skipping what is already present.
# Idempotent; safe to run on every invocation of run.sh/test.sh.
#   scripts/deps.sh            C library + Python package build/test dependencies
#   scripts/deps.sh --fuzz     also clang and libFuzzer's runtime (reliability suite)
set -euo pipefail

want_fuzz=0
for arg in "$@"; do
  case "$arg" in
    --fuzz) want_fuzz=1 ;;
    *) echo "deps.sh: unknown option $arg" >&2; exit 2 ;;
  esac
done

apt_pkgs=(build-essential cmake ninja-build pkg-config libmongoc-dev libbson-dev libssl-dev
          libcmocka-dev pybind11-dev valgrind openssl golang-go)
if [ "$want_fuzz" = 1 ]; then
  apt_pkgs+=(clang libclang-rt-14-dev)
fi

missing=()
for p in "${apt_pkgs[@]}"; do
  # golang-go is only needed when no Go toolchain is on PATH already.
  if [ "$p" = golang-go ] && command -v go >/dev/null 2>&1; then continue; fi
  if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then
    missing+=("$p")
  fi
done
if [ "${#missing[@]}" -gt 0 ]; then
  echo "deps: installing apt packages: ${missing[*]}"
  SUDO=""
  if [ "$(id -u)" != 0 ]; then SUDO="sudo"; fi
  export DEBIAN_FRONTEND=noninteractive
  $SUDO apt-get update -qq
  $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

# Python build/test dependencies (never runtime dependencies of the package besides pydantic).
PY=${PYTHON:-python3}
py_reqs=("pydantic>=2" "pytest>=7" "pytest-asyncio>=0.21" "scikit-build-core>=0.9" "pybind11>=2.10" "hypothesis>=6")
need=()
for r in "${py_reqs[@]}"; do
  name=${r%%[<>=]*}
  if ! "$PY" -c "import importlib.metadata as m, sys; m.version(sys.argv[1])" "$name" >/dev/null 2>&1; then
    need+=("$r")
  fi
done
if [ "${#need[@]}" -gt 0 ]; then
  echo "deps: installing pip packages: ${need[*]}"
  "$PY" -m pip install -q --disable-pip-version-check "${need[@]}"
fi
