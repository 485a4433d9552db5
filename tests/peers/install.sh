#!/usr/bin/env bash
# Install everything the real-peer harness needs (Debian 12, run as root).
#
# Idempotent and quick when everything is present: the Debian packages are
# checked with dpkg-query first and `apt-get update` only runs when something
# is missing; the Python venv and the vcsim binary are only (re)built when
# missing or outdated.
#
#   UPSTRA_PEERS_CACHE   cache dir for the venv and vcsim (default /var/cache/upstra-peers)
#
# Layout of the cache dir:
#   venv/                   Python venv with sushy-tools (+ bcrypt)
#   gopath/src/upstra-vcsim/main.go, bin/vcsim, bin/vcsim.hash, go-build/
set -euo pipefail

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
CACHE=${UPSTRA_PEERS_CACHE:-/var/cache/upstra-peers}
SUSHY_VERSION=2.2.0
# systemd: systemd-socket-activate and systemd-analyze, for the daemon's unit and
# socket-activation tests (upstra-daemon/tests/daemon/activation.rs).
PKGS=(nut-server nut-client openssh-server redis-server golang-go
      golang-github-vmware-govmomi-dev curl openssl python3-venv systemd)
PEER_USER=peertest
PEER_PASSWORD=peerpass

log() { printf 'install.sh: %s\n' "$*" >&2; }
die() { log "error: $*"; exit 1; }

[ "$(id -u)" -eq 0 ] || die "must run as root"
T0=$SECONDS

# --- Debian packages -------------------------------------------------------
missing=()
for p in "${PKGS[@]}"; do
  if [ "$(dpkg-query -W -f='${Status}' "$p" 2>/dev/null || true)" != "install ok installed" ]; then
    missing+=("$p")
  fi
done
if ((${#missing[@]})); then
  log "installing Debian packages: ${missing[*]}"
  export DEBIAN_FRONTEND=noninteractive
  # Keep the packages' maintainer scripts from starting system-wide sshd /
  # redis on their default ports: we start private instances ourselves.
  # Only when the machine has no policy-rc.d of its own.
  policy=/usr/sbin/policy-rc.d
  if [ ! -e "$policy" ]; then
    trap 'rm -f "$policy"' EXIT
    printf '#!/bin/sh\nexit 101\n' >"$policy"
    chmod 755 "$policy"
  fi
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends "${missing[@]}"
  if [ "$(trap -p EXIT)" ]; then rm -f "$policy"; trap - EXIT; fi
else
  log "Debian packages: all present"
fi

mkdir -p "$CACHE"

# --- Python venv with sushy-tools ------------------------------------------
VENV=$CACHE/venv
venv_ok() {
  [ -x "$VENV/bin/sushy-emulator" ] &&
    "$VENV/bin/python" - "$SUSHY_VERSION" <<'PY' 2>/dev/null
import sys, importlib.metadata as m
import bcrypt  # noqa: F401  (htpasswd hashing)
sys.exit(0 if m.version("sushy-tools") == sys.argv[1] else 1)
PY
}
if venv_ok; then
  log "venv: sushy-tools $SUSHY_VERSION present"
else
  log "venv: creating $VENV with sushy-tools==$SUSHY_VERSION"
  rm -rf "$VENV"
  /usr/bin/python3 -m venv "$VENV"
  "$VENV/bin/pip" install -q --disable-pip-version-check \
    "sushy-tools==$SUSHY_VERSION" bcrypt
  venv_ok || die "sushy-tools $SUSHY_VERSION not usable in $VENV"
fi

# --- vcsim (GOPATH mode, offline, Debian's govmomi source) -----------------
SRC=$HERE/vcsim/main.go
BIN=$CACHE/bin/vcsim
GOPKG=$CACHE/gopath/src/upstra-vcsim
want_hash=$(
  {
    sha256sum <"$SRC"
    /usr/bin/go version
    echo CGO_ENABLED=0
    dpkg-query -W -f='${Version}\n' golang-github-vmware-govmomi-dev
  } | sha256sum | cut -d' ' -f1
)
have_hash=$(cat "$BIN.hash" 2>/dev/null || true)
if [ -x "$BIN" ] && [ "$want_hash" = "$have_hash" ]; then
  log "vcsim: up to date"
else
  log "vcsim: building (cold build takes ~20 s on 2 cores)"
  mkdir -p "$GOPKG" "$CACHE/bin"
  cp "$SRC" "$GOPKG/main.go"
  (
    cd "$GOPKG"
    GO111MODULE=off GOPROXY=off GOFLAGS= CGO_ENABLED=0 \
      GOPATH="$CACHE/gopath:/usr/share/gocode" GOCACHE="$CACHE/go-build" \
      /usr/bin/go build -ldflags='-s -w' -o "$BIN.tmp" .
  )
  mv -f "$BIN.tmp" "$BIN"
  printf '%s\n' "$want_hash" >"$BIN.hash"
fi

# --- ssh test user ----------------------------------------------------------
if ! id "$PEER_USER" >/dev/null 2>&1; then
  log "creating user $PEER_USER"
  useradd -m -s /bin/bash "$PEER_USER"
  printf '%s:%s\n' "$PEER_USER" "$PEER_PASSWORD" | chpasswd
fi
home=$(getent passwd "$PEER_USER" | cut -d: -f6)
install -d -m 700 -o "$PEER_USER" -g "$PEER_USER" "$home/.ssh"

# --- Prometheus and promtool (upstra-daemon/tests/daemon/metrics.rs) ----------------
# promtool checks the daemon's /metrics exposition and packaging/prometheus's alert rules;
# the metrics test starts a Prometheus server of its own on a free port. The package's own
# service is kept from starting, like sshd's and redis's above.
if [ "$(dpkg-query -W -f='${Status}' prometheus 2>/dev/null || true)" != "install ok installed" ]; then
  log "installing Debian package: prometheus"
  export DEBIAN_FRONTEND=noninteractive
  policy=/usr/sbin/policy-rc.d
  own_policy=
  if [ ! -e "$policy" ]; then
    printf '#!/bin/sh\nexit 101\n' >"$policy"
    chmod 755 "$policy"
    own_policy=1
  fi
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends prometheus
  if [ -n "$own_policy" ]; then rm -f "$policy"; fi
fi
command -v promtool >/dev/null || die "promtool missing after installing prometheus"

# --- aiosmtpd: the SMTP server of the notification tests (tests/src/smtp.rs) -------
# Into the peers' venv; each test starts its own server on a free port (OwnSmtp). Pinned,
# checked by importing it, and installed only when missing or at another version.
AIOSMTPD_VERSION=1.4.6
aiosmtpd_ok() {
  "$VENV/bin/python" - "$AIOSMTPD_VERSION" <<'PY' 2>/dev/null
import sys, importlib.metadata as m
import aiosmtpd.controller  # noqa: F401
sys.exit(0 if m.version("aiosmtpd") == sys.argv[1] else 1)
PY
}
if aiosmtpd_ok; then
  log "venv: aiosmtpd $AIOSMTPD_VERSION present"
else
  log "venv: installing aiosmtpd==$AIOSMTPD_VERSION"
  "$VENV/bin/pip" install -q --disable-pip-version-check "aiosmtpd==$AIOSMTPD_VERSION"
  aiosmtpd_ok || die "aiosmtpd $AIOSMTPD_VERSION not usable in $VENV"
fi

# --- PostgreSQL and python3-cryptography (upstra-tui/tests/console/import_postgres.rs) ------
# `upstra import upstra-v1 --postgres` is tested against a real PostgreSQL server that each test
# starts as the postgres user in a temp dir (tests/src/postgres.rs); the predecessor's passwords
# are encrypted there with Python's cryptography (tests/src/predecessor.rs), an implementation
# other than the importer's. The package's own cluster and service are kept from starting.
need_pg=
for pkg in postgresql python3-cryptography; do
  if [ "$(dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null || true)" != "install ok installed" ]; then
    need_pg=1
  fi
done
if [ -n "$need_pg" ]; then
  log "installing Debian packages: postgresql python3-cryptography"
  export DEBIAN_FRONTEND=noninteractive
  policy=/usr/sbin/policy-rc.d
  own_policy=
  if [ ! -e "$policy" ]; then
    printf '#!/bin/sh\nexit 101\n' >"$policy"
    chmod 755 "$policy"
    own_policy=1
  fi
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends postgresql python3-cryptography
  if [ -n "$own_policy" ]; then rm -f "$policy"; fi
fi
ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1 || die "initdb missing after installing postgresql"
command -v psql >/dev/null || die "psql missing after installing postgresql"

# --- SNMP agents and tools (adapters/snmp/tests, upstra-daemon/tests: snmp) -------------
# snmpsim (pinned, in the peers' venv) serves the recorded UPS-MIB, APC and Eaton data of
# tests/peers/snmp/ over v1/v2c; net-snmp's snmpd serves the same values to v3 users, and
# net-snmp's snmptrap sends the traps. Each test starts its own agents on free ports; the
# packages' own snmpd service is kept from starting, like sshd's and redis's above.
SNMPSIM_VERSION=1.2.2
# snmpsim imports pysmi without declaring it; 2.x changed its API.
PYSMI_VERSION=1.6.2
snmp_pkgs=()
for pkg in snmpd snmp; do
  if [ "$(dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null || true)" != "install ok installed" ]; then
    snmp_pkgs+=("$pkg")
  fi
done
if [ "${#snmp_pkgs[@]}" -gt 0 ]; then
  log "installing Debian packages: ${snmp_pkgs[*]}"
  export DEBIAN_FRONTEND=noninteractive
  policy=/usr/sbin/policy-rc.d
  own_policy=
  if [ ! -e "$policy" ]; then
    printf '#!/bin/sh\nexit 101\n' >"$policy"
    chmod 755 "$policy"
    own_policy=1
  fi
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends "${snmp_pkgs[@]}"
  if [ -n "$own_policy" ]; then rm -f "$policy"; fi
fi
command -v snmpd >/dev/null || die "snmpd missing after installing snmpd"
command -v snmptrap >/dev/null || die "snmptrap missing after installing snmp"
if ! "$VENV/bin/python" -c 'import sys, importlib.metadata as m; sys.exit(0 if (m.version("snmpsim"), m.version("pysmi")) == (sys.argv[1], sys.argv[2]) else 1)' \
  "$SNMPSIM_VERSION" "$PYSMI_VERSION" 2>/dev/null; then
  log "venv: installing snmpsim==$SNMPSIM_VERSION"
  "$VENV/bin/pip" install -q --disable-pip-version-check \
    "snmpsim==$SNMPSIM_VERSION" "pysmi==$PYSMI_VERSION"
fi
[ -x "$VENV/bin/snmpsim-command-responder" ] || die "snmpsim $SNMPSIM_VERSION not usable in $VENV"

log "done in $((SECONDS - T0)) s (cache: $CACHE)"
