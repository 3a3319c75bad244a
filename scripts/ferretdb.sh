#!/usr/bin/env bash
# Builds and runs FerretDB v1.24.2 (MongoDB wire protocol, SQLite backend): the project's real
# test server. Debian ships no MongoDB and Docker cannot run here, so this is what every test,
# demo and benchmark talks to when MONGO_URL is not set.
#
#   scripts/ferretdb.sh build                 build the binary once (cached), print its path
#   scripts/ferretdb.sh start [opts]          start an instance (idempotent), print its env
#   scripts/ferretdb.sh stop  [--name N]      stop an instance (idempotent)
#   scripts/ferretdb.sh env   [--name N]      print `export MONGO_*=...` lines of a running instance
#
# start options:
#   --name N          instance name (default: default); state lives in build/ferretdb/N
#   --port P          TCP port on 127.0.0.1 (default: a free port)
#   --user U          SCRAM user created at first start (default: odm)
#   --password P      its password (default: random, kept in the instance's env file)
#   --db D            value of MONGO_DB_NAME for clients (default: odm_test)
#   --no-auth         run without authentication (any credentials accepted)
#
# The user is created in the `admin` database, so clients authenticate with the default
# authSource and need nothing more than MONGO_URL + MONGO_USER + MONGO_PASSWORD.
set -euo pipefail

VERSION=v1.24.2
source "$(dirname "${BASH_SOURCE[0]}")/common.sh"   # ROOT, CACHE, find_go
BIN="$CACHE/ferretdb-$VERSION"
STATE_ROOT=${MONGO_ODM_FERRETDB_STATE:-$ROOT/build/ferretdb}

log() { echo "ferretdb: $*" >&2; }

build() {
  if [ -x "$BIN" ] && [[ "$("$BIN" --version 2>/dev/null)" == *"version: $VERSION"* ]]; then
    echo "$BIN"; return 0
  fi
  local go
  go=$(find_go) || { log "Go >= 1.21 is required to build FerretDB (scripts/deps.sh installs it)"; exit 1; }
  # Go's module, build and toolchain caches live in the cache directory too: a build from an
  # empty cache (scripts/test.sh makes one every run) downloads and compiles everything, as on a
  # new machine. -modcacherw keeps the module cache removable with rm -rf.
  export GOPATH="$CACHE/go" GOMODCACHE="$CACHE/go/mod" GOCACHE="$CACHE/go/build" GOFLAGS=-modcacherw
  # FerretDB's go.mod says go 1.24. An older Go (Debian 12 bookworm-backports has 1.23) takes the
  # approved toolchain from the Go module proxy.
  local go_version
  go_version=$("$go" env GOVERSION)
  if [ "$(go_minor "$go")" -lt 24 ]; then export GOTOOLCHAIN=go1.27.3; fi
  PATH="$(dirname "$go"):$PATH"
  log "building FerretDB $VERSION from the Go module proxy with $go_version${GOTOOLCHAIN:+, which takes $GOTOOLCHAIN} (once; cached in $BIN)"
  mkdir -p "$CACHE"
  # The module is pinned (with checksums) by tools/ferretdb/go.mod + go.sum.
  local src
  src=$(cd "$ROOT/tools/ferretdb" && go mod download github.com/FerretDB/FerretDB >/dev/null && \
        go list -m -f '{{.Dir}}' github.com/FerretDB/FerretDB)
  # FerretDB's build writes build/version/version.txt (`task gen-version`) before compiling and
  # panics at start without it (FerretDB issue #2982); the module on the proxy lacks that
  # generated file. Build from a writable copy with the file written, as its own build does.
  # (No RETURN trap for the clean-up: bash keeps such a trap set after the function returns and
  # fires it at every later function return, where `work` no longer exists under set -u.)
  local work status=0
  work=$(mktemp -d "$CACHE/ferretdb-src.XXXXXX")
  cp -r "$src/." "$work/"
  chmod -R u+w "$work"
  echo "$VERSION" > "$work/build/version/version.txt"
  (cd "$work" && CGO_ENABLED=0 go build -trimpath -buildvcs=false -o "$BIN.tmp" ./cmd/ferretdb) || status=$?
  rm -rf "$work"
  [ "$status" = 0 ] || { log "building FerretDB failed (go build exit $status)"; exit 1; }
  mv "$BIN.tmp" "$BIN"
  echo "$BIN"
}

free_port() {
  python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1]); s.close()'
}

port_open() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }

alive() { [ -f "$1/pid" ] && kill -0 "$(cat "$1/pid")" 2>/dev/null; }

print_env() {
  local dir=$1
  [ -f "$dir/env" ] || { log "no env file in $dir"; exit 1; }
  cat "$dir/env"
}

start() {
  local name=default port="" user=odm password="" db=odm_test auth=1
  while [ $# -gt 0 ]; do
    case "$1" in
      --name) name=$2; shift 2 ;;
      --port) port=$2; shift 2 ;;
      --user) user=$2; shift 2 ;;
      --password) password=$2; shift 2 ;;
      --db) db=$2; shift 2 ;;
      --no-auth) auth=0; shift ;;
      *) log "unknown start option $1"; exit 2 ;;
    esac
  done
  local dir="$STATE_ROOT/$name"
  if alive "$dir" && port_open "$(cat "$dir/port")"; then
    print_env "$dir"; return 0
  fi
  build >/dev/null
  mkdir -p "$dir/data" "$dir/state"
  # A new password is only chosen when the data directory has none yet: the user is created at
  # first start and kept in the SQLite files afterwards.
  if [ -z "$password" ]; then
    if [ -f "$dir/password" ]; then password=$(cat "$dir/password")
    else password=$(od -An -tx1 -N12 /dev/urandom | tr -d ' \n'); fi
  fi
  if [ -f "$dir/password" ] && [ "$(cat "$dir/password")" != "$password" ]; then
    log "instance $name was created with another password; resetting its data"
    rm -rf "$dir/data" "$dir/state"; mkdir -p "$dir/data" "$dir/state"
  fi
  (umask 077; echo "$password" > "$dir/password")
  [ -n "$port" ] || port=$(free_port)
  if port_open "$port"; then log "port $port is already in use"; exit 1; fi

  local args=(--handler=sqlite "--sqlite-url=file:$dir/data/" "--listen-addr=127.0.0.1:$port"
              "--state-dir=$dir/state" --telemetry=disable --log-level=error --debug-addr=-)
  if [ "$auth" = 1 ]; then
    args+=(--test-enable-new-auth --setup-database=admin "--setup-username=$user")
  fi
  # The password reaches FerretDB through its environment (it reads each flag from FERRETDB_<FLAG>),
  # exported in the subshell that becomes FerretDB only: a command line is visible to every user
  # (ps), a process's environment only to its owner. The tests' own instances do the same
  # (tests/support/ferretdb_ctl.py).
  (
    if [ "$auth" = 1 ]; then export FERRETDB_SETUP_PASSWORD=$password; fi
    exec nohup "$BIN" "${args[@]}" >"$dir/log" 2>&1 </dev/null
  ) &
  echo $! > "$dir/pid"
  echo "$port" > "$dir/port"
  local i
  for i in $(seq 1 300); do
    if port_open "$port"; then break; fi
    if ! alive "$dir"; then log "FerretDB exited at start:"; cat "$dir/log" >&2; exit 1; fi
    sleep 0.1
  done
  port_open "$port" || { log "FerretDB did not open port $port within 30 s"; exit 1; }
  {
    echo "export MONGO_URL=mongodb://127.0.0.1:$port"
    if [ "$auth" = 1 ]; then
      echo "export MONGO_USER=$user"
      echo "export MONGO_PASSWORD=$password"
    fi
    echo "export MONGO_DB_NAME=$db"
    echo "export MONGO_ODM_FERRETDB_BIN=$BIN"
  } > "$dir/env"
  chmod 600 "$dir/env"
  log "instance $name listening on 127.0.0.1:$port (pid $(cat "$dir/pid"), auth=$auth)"
  print_env "$dir"
}

stop() {
  local name=default
  while [ $# -gt 0 ]; do
    case "$1" in
      --name) name=$2; shift 2 ;;
      *) log "unknown stop option $1"; exit 2 ;;
    esac
  done
  local dir="$STATE_ROOT/$name"
  if alive "$dir"; then
    local pid; pid=$(cat "$dir/pid")
    kill "$pid" 2>/dev/null || true
    for _ in $(seq 1 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
    kill -9 "$pid" 2>/dev/null || true
    log "instance $name stopped"
  fi
  rm -f "$dir/pid"
}

cmd=${1:-}; [ $# -gt 0 ] && shift
case "$cmd" in
  build) build ;;
  start) start "$@" ;;
  stop) stop "$@" ;;
  env)
    name=default
    [ "${1:-}" = --name ] && name=$2
    print_env "$STATE_ROOT/$name" ;;
  *) echo "usage: $0 {build|start|stop|env} [options]" >&2; exit 2 ;;
esac
