#!/usr/bin/env bash
# A new user's first run on a plain Debian 12: builds a minbase bookworm system with debootstrap
# (only git, ca-certificates and sudo added; cached as a tarball), clones this repository's
# current commit into it (with ../shared beside it, as CI has), and runs a command of the
# project inside it as root in a chroot. Not part of scripts/test.sh (it downloads a few hundred
# MB of Debian packages and builds everything from nothing: 15-30 min).
#   scripts/fresh-debian.sh                  scripts/run.sh inside
#   scripts/fresh-debian.sh scripts/test.sh  another command inside
# The host's pip configuration, PIP_* settings and CA bundle are copied in, so that pip and Go
# inside reach the same registries. The root (bound onto itself, private), /proc, /dev, /dev/pts
# and /sys are mounted for the run and unmounted again, also when it fails. Work tree: build/fresh-debian (the system is made anew
# from the tarball at every run). Needs root.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/common.sh"
cd "$ROOT"
[ "$(id -u)" = 0 ] || { echo "fresh-debian.sh: needs root (debootstrap, chroot, mount)" >&2; exit 1; }
CMD=("$@")
[ "${#CMD[@]}" -gt 0 ] || CMD=(scripts/run.sh)
SUITE=bookworm
MIRROR=${MONGO_ODM_DEBIAN_MIRROR:-http://deb.debian.org/debian}
TARBALL="$CACHE/debian-$SUITE-minbase.tar"
WORK="$ROOT/build/fresh-debian"
CHROOT="$WORK/root"
T0=$(date +%s)
COMMIT=$(git rev-parse HEAD)

section "Debian $SUITE minbase (+ git ca-certificates sudo), cached as $TARBALL"
if [ ! -f "$TARBALL" ]; then
  command -v debootstrap >/dev/null || { apt-get update -qq; DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends debootstrap >/dev/null; }
  tmp="$WORK/debootstrap"
  rm -rf "$tmp"; mkdir -p "$tmp" "$CACHE"
  debootstrap --variant=minbase --include=git,ca-certificates,sudo "$SUITE" "$tmp" "$MIRROR"
  tar -C "$tmp" -cf "$TARBALL.tmp" . && mv "$TARBALL.tmp" "$TARBALL"
  rm -rf "$tmp"
fi

mounted=()
cleanup() {
  local i
  for ((i = ${#mounted[@]} - 1; i >= 0; i--)); do
    umount "${mounted[$i]}" 2>/dev/null || umount -l "${mounted[$i]}" 2>/dev/null || true
  done
  mounted=()
}
trap cleanup EXIT INT TERM

section "a new system from the tarball ($CHROOT)"
if [ -d "$CHROOT" ]; then
  # never remove through a mount left by a killed run
  for m in dev/pts dev proc sys ""; do mountpoint -q "$CHROOT/$m" && umount -l "$CHROOT/$m"; done
  rm -rf "$CHROOT"
fi
mkdir -p "$CHROOT"
tar -C "$CHROOT" -xf "$TARBALL"
cp /etc/resolv.conf "$CHROOT/etc/resolv.conf" 2>/dev/null || true
# debootstrap writes no /etc/hosts (an installed Debian has one, from the installer): without it
# "localhost" goes to DNS and fails (tests/security/test_sec_tls.py connects to localhost).
if ! grep -qs '^127\.0\.0\.1[[:space:]].*\blocalhost\b' "$CHROOT/etc/hosts"; then
  printf '127.0.0.1\tlocalhost\n::1\t\tlocalhost ip6-localhost ip6-loopback\n' >> "$CHROOT/etc/hosts"
fi
# pip's configuration and the CA bundle(s) it and Go use (the host may trust a CA of its own).
[ -f /etc/pip.conf ] && cp /etc/pip.conf "$CHROOT/etc/pip.conf"
for ca in /etc/ssl/certs/ca-certificates.crt ${PIP_CERT:-} ${SSL_CERT_FILE:-} ${REQUESTS_CA_BUNDLE:-}; do
  [ -f "$ca" ] || continue
  mkdir -p "$CHROOT$(dirname "$ca")"
  cp "$ca" "$CHROOT$ca"
done
# PIP_FIND_LINKS may name a local wheel directory: copied in when it exists.
if [ -n "${PIP_FIND_LINKS:-}" ] && [ -d "$PIP_FIND_LINKS" ]; then
  mkdir -p "$CHROOT$PIP_FIND_LINKS" && cp -r "$PIP_FIND_LINKS/." "$CHROOT$PIP_FIND_LINKS/"
fi

section "clone of ${COMMIT:0:7} into /root/work/mongo_odm, ../shared beside it"
mkdir -p "$CHROOT/root/work"
git clone -q --no-hardlinks "$ROOT" "$CHROOT/root/work/mongo_odm"
git -C "$CHROOT/root/work/mongo_odm" checkout -q "$COMMIT"
if [ -d "$ROOT/../shared" ]; then cp -r "$ROOT/../shared" "$CHROOT/root/work/shared"; fi
dirty=$(git status --porcelain --untracked-files=no | wc -l)
[ "$dirty" = 0 ] || echo "NOTE: $dirty uncommitted change(s) in $ROOT are not in the clone"

section "mount /proc /dev /dev/pts /sys"
# The root is made a private mount point of its own, as on a booted system: tests that unshare a
# mount namespace (tests/install/test_wheel.py hides libmongoc with bind mounts) need / to be a
# mount point, and nothing they mount may propagate to the host.
mount --bind "$CHROOT" "$CHROOT" && mount --make-private "$CHROOT"
mounted+=("$CHROOT")
for m in proc sys dev dev/pts; do
  case $m in
    proc) mount -t proc proc "$CHROOT/proc" ;;
    sys) mount -t sysfs sys "$CHROOT/sys" ;;
    # slave: nothing mounted under the chroot's /dev propagates back to the host's
    dev) mount --bind /dev "$CHROOT/dev" && mount --make-slave "$CHROOT/dev" ;;
    dev/pts) mount --bind /dev/pts "$CHROOT/dev/pts" ;;
  esac
  mounted+=("$CHROOT/$m")
done

section "inside: ${CMD[*]}"
envs=(HOME=/root PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin LANG=C.UTF-8 TERM=dumb)
while IFS='=' read -r k v; do envs+=("$k=$v"); done < <(env | grep -E '^(PIP_[A-Z_]+|SSL_CERT_FILE|SSL_CERT_DIR|REQUESTS_CA_BUNDLE|CURL_CA_BUNDLE)=' || true)
status=0
t_run=$(date +%s)
chroot "$CHROOT" /usr/bin/env -i "${envs[@]}" bash -c 'cd /root/work/mongo_odm && "$@"' bash "${CMD[@]}" \
  2>&1 | tee "$WORK/run.log" || status=$?
[ "${PIPESTATUS[0]}" = 0 ] || status=${PIPESTATUS[0]}
took_run=$(( $(date +%s) - t_run ))
info=$(chroot "$CHROOT" /usr/bin/env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin bash -c '
  echo "debian $(cat /etc/debian_version); python3 $(python3 -c "import sys; print(sys.version.split()[0])" 2>/dev/null || echo none)"
  echo "libmongoc $(dpkg-query -W -f="\${Version}" libmongoc-dev 2>/dev/null || echo none); go $(ls -d /usr/lib/go-1.* 2>/dev/null | xargs -n1 basename | tr "\n" " ")$(dpkg-query -W -f="(golang-go \${Version})" golang-go 2>/dev/null || true)"
  echo "pip outside a venv: $(python3 -m pip --version 2>/dev/null || echo "none (no pip installed globally)")"
' 2>/dev/null || true)
cleanup

section "fresh Debian summary"
echo "command: ${CMD[*]} in a Debian $SUITE minbase chroot (+ git ca-certificates sudo), commit ${COMMIT:0:7}"
echo "$info"
echo "result: $([ "$status" = 0 ] && echo passed || echo "FAILED (exit $status)") in ${took_run} s; whole script $(( $(date +%s) - T0 )) s; log $WORK/run.log"
grep -E '^(=== |ferretdb: building|deps: )' "$WORK/run.log" | sed 's/^/  /' | head -n 40 || true
exit "$status"
