#!/usr/bin/env bash
# Installs what building and testing mongo_odm needs, from Debian's packages, skipping what is
# already present. Idempotent; safe to run on every invocation of run.sh/test.sh. Works from a
# Debian 12 minbase system with git, ca-certificates and sudo (scripts/fresh-debian.sh proves it).
# It never installs Python packages: those go into virtualenvs under build/ (python_env in
# scripts/common.sh).
#   scripts/deps.sh            C library + Python package build/test dependencies
#   scripts/deps.sh --fuzz     also clang and libFuzzer's runtime (reliability suite)
#   scripts/deps.sh --docs     also chromium (scripts/docs.sh --check renders pages to PNG)
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/common.sh"

want_fuzz=0
want_docs=0
for arg in "$@"; do
  case "$arg" in
    --fuzz) want_fuzz=1 ;;
    --docs) want_docs=1 ;;
    *) echo "deps.sh: unknown option $arg" >&2; exit 2 ;;
  esac
done

SUDO=""
if [ "$(id -u)" != 0 ]; then SUDO="sudo"; fi
export DEBIAN_FRONTEND=noninteractive
updated=0
apt_update() { [ "$updated" = 1 ] || { $SUDO apt-get update -qq; updated=1; }; }
installed() { dpkg-query -W -f='${Status}' "$1" 2>/dev/null | grep -q "install ok installed"; }

apt_pkgs=(build-essential cmake ninja-build pkg-config libmongoc-dev libbson-dev libssl-dev
          libcmocka-dev pybind11-dev valgrind openssl git mount)
if [ "$want_fuzz" = 1 ]; then
  apt_pkgs+=(clang libclang-rt-14-dev)
fi
if [ "$want_docs" = 1 ]; then
  apt_pkgs+=(chromium)
fi

# Python: Debian's python3 unless PYTHON names another one (this machine's pyenv Python, say).
# Debian splits venv/ensurepip (python3-venv) and the C headers (python3-dev) out of python3;
# `python3 -m venv` needs the first, building the extension the second.
PY=${PYTHON:-python3}
if ! command -v "$PY" >/dev/null 2>&1; then
  [ "$PY" = python3 ] || { echo "deps.sh: PYTHON=$PY not found" >&2; exit 1; }
  apt_pkgs+=(python3 python3-venv python3-dev)
else
  "$PY" -c 'import ensurepip, venv' >/dev/null 2>&1 || apt_pkgs+=(python3-venv)
  "$PY" -c 'import os, sys, sysconfig; sys.exit(not os.path.isfile(os.path.join(sysconfig.get_paths()["include"], "Python.h")))' \
    || apt_pkgs+=(python3-dev)
fi

missing=()
for p in "${apt_pkgs[@]}"; do
  installed "$p" || missing+=("$p")
done
if [ "${#missing[@]}" -gt 0 ]; then
  echo "deps: installing apt packages: ${missing[*]}"
  apt_update
  $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

# Go, for building FerretDB (scripts/ferretdb.sh): any Go >= 1.21 will do, as it fetches the
# toolchain FerretDB's go.mod asks for from the Go module proxy. Debian 12's golang-go is 1.19;
# bookworm-backports has golang-1.23 (a Debian package too), added to apt's sources only then.
if ! find_go >/dev/null; then
  codename=$(. /etc/os-release && echo "${VERSION_CODENAME:-}")
  if [ "$codename" = bookworm ]; then
    if ! grep -rqs "bookworm-backports" /etc/apt/sources.list /etc/apt/sources.list.d/; then
      echo "deps: adding bookworm-backports to apt's sources (for golang-1.23)"
      echo "deb http://deb.debian.org/debian bookworm-backports main" |
        $SUDO tee /etc/apt/sources.list.d/bookworm-backports.list >/dev/null
      updated=0
    fi
    echo "deps: installing golang-1.23-go from bookworm-backports"
    apt_update
    $SUDO apt-get install -y -qq --no-install-recommends -t bookworm-backports golang-1.23-go >/dev/null
  else
    echo "deps: installing golang-go"
    apt_update
    $SUDO apt-get install -y -qq --no-install-recommends golang-go >/dev/null
  fi
  find_go >/dev/null || { echo "deps.sh: no Go >= 1.21 after installing one" >&2; exit 1; }
fi
