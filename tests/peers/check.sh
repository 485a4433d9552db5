#!/usr/bin/env bash
# Quick check that every peer of one runtime dir answers.
#
#   check.sh [DIR]   DIR defaults to $UPSTRA_PEERS_DIR, else the last start.sh run
#
# Prints one line per check and "N passed, M failed"; exit status 1 if any failed.
set -euo pipefail

CACHE=${UPSTRA_PEERS_CACHE:-/var/cache/upstra-peers}
DIR=${1:-${UPSTRA_PEERS_DIR:-}}
[ -n "$DIR" ] || DIR=$(cat "$CACHE/last-peers-dir" 2>/dev/null || true)
[ -n "$DIR" ] || { echo "check.sh: no runtime dir given and no previous run recorded" >&2; exit 2; }
ENV_FILE=$DIR/peers.env
[ -r "$ENV_FILE" ] || { echo "check.sh: $ENV_FILE missing (peers not started?)" >&2; exit 2; }

set -a
# shellcheck disable=SC1090
. "$ENV_FILE"
set +a

now_ms() { local t=${EPOCHREALTIME/[.,]/}; echo $((t / 1000)); }
T0=$(now_ms)
PASS=0 FAIL=0
check() { # name cmd... : cmd prints nothing on success, a reason on failure
  local name=$1 out rc=0
  shift
  out=$("$@" 2>&1) || rc=$?
  if [ "$rc" -eq 0 ]; then
    PASS=$((PASS + 1))
    printf 'ok    %s\n' "$name"
  else
    FAIL=$((FAIL + 1))
    printf 'FAIL  %s: %s\n' "$name" "$(printf '%s' "$out" | tail -n 3 | tr '\n' ' ')"
  fi
}
expect() { # what got pattern : glob match or a reason
  # shellcheck disable=SC2053
  [[ $2 == $3 ]] || { echo "$1: got '${2:0:200}'"; return 1; }
}

# --- processes ---
pids_alive() {
  local f pid state bad=
  for f in "$UPSTRA_PEERS_DIR"/pids/*.pid; do
    [ -e "$f" ] || continue
    pid=$(head -n1 "$f")
    # process state from /proc; gone or zombie (exited, not yet reaped) = dead
    state=$(cut -d')' -f2- "/proc/$pid/stat" 2>/dev/null | cut -d' ' -f2 || true)
    if [ -z "$state" ] || [ "$state" = Z ]; then bad+=" $(basename "$f" .pid)"; fi
  done
  [ -z "$bad" ] || { echo "not running:$bad"; return 1; }
}
check "all recorded pids alive" pids_alive

# --- NUT ---
NUT_ADDR=$UPSTRA_PEER_NUT_HOST:$UPSTRA_PEER_NUT_PORT
nut_list() { expect "upsc -l" "$(timeout 5 upsc -l "$NUT_ADDR" 2>/dev/null | tr '\n' ' ')" "*ups1*ups2*"; }
check "nut: upsc -l lists ups1 ups2" nut_list
for u in $UPSTRA_PEER_NUT_UPS; do
  check "nut: $u ups.status" expect "$u" "$(timeout 5 upsc "$u@$NUT_ADDR" ups.status 2>/dev/null)" "?*"
done
nut_admin() { # admin login + a harmless SET VAR of the current value
  local cur out
  cur=$(timeout 5 upsc "ups1@$NUT_ADDR" battery.charge 2>/dev/null)
  out=$(timeout 5 upsrw -s "battery.charge=$cur" -u "$UPSTRA_PEER_NUT_ADMIN_USER" \
    -p "$UPSTRA_PEER_NUT_ADMIN_PASSWORD" "ups1@$NUT_ADDR" 2>&1)
  expect "upsrw" "$out" "*OK*"
}
check "nut: admin SET VAR" nut_admin

# --- Redfish ---
CURL=(curl -sS --max-time 5)
RF_AUTH=$UPSTRA_PEER_REDFISH_USER:$UPSTRA_PEER_REDFISH_PASSWORD
check "redfish http: service root" expect root \
  "$("${CURL[@]}" -f "$UPSTRA_PEER_REDFISH_HTTP_URL/redfish/v1" 2>&1)" '*"Systems"*'
check "redfish http: Systems (auth)" expect Systems \
  "$("${CURL[@]}" -f -u "$RF_AUTH" "$UPSTRA_PEER_REDFISH_HTTP_URL/redfish/v1/Systems" 2>&1)" '*"Members@odata.count": 8*'
check "redfish http: no auth -> 401" expect status \
  "$("${CURL[@]}" -o /dev/null -w '%{http_code}' "$UPSTRA_PEER_REDFISH_HTTP_URL/redfish/v1/Systems" 2>&1)" 401
check "redfish https: service root (CA)" expect root \
  "$("${CURL[@]}" -f --cacert "$UPSTRA_PEER_REDFISH_CA" "$UPSTRA_PEER_REDFISH_HTTPS_URL/redfish/v1" 2>&1)" '*"Systems"*'
check "redfish https: Systems/1 (auth)" expect Systems/1 \
  "$("${CURL[@]}" -f --cacert "$UPSTRA_PEER_REDFISH_CA" -u "$RF_AUTH" \
    "$UPSTRA_PEER_REDFISH_HTTPS_URL/redfish/v1/Systems/1" 2>&1)" '*"PowerState"*'

served_fingerprint() { # host:port -> sha256:AB:... of the certificate served
  local f
  f=$(timeout 5 openssl s_client -connect "$1" </dev/null 2>/dev/null |
    openssl x509 -noout -fingerprint -sha256 2>/dev/null) || true
  f=${f#*=}
  echo "sha256:${f^^}"
}
hostport() { local u=${1#*://}; echo "${u%%/*}"; }
check "redfish https: served cert fingerprint" expect fingerprint \
  "$(served_fingerprint "$(hostport "$UPSTRA_PEER_REDFISH_HTTPS_URL")")" "$UPSTRA_PEER_REDFISH_TLS_FINGERPRINT"

# --- vcsim ---
VC_BASE=${UPSTRA_PEER_VCSIM_URL%/sdk}
check "vcsim: /about (CA)" expect about \
  "$("${CURL[@]}" -f --cacert "$UPSTRA_PEER_VCSIM_CA" "$VC_BASE/about" 2>&1)" '*"Methods"*'
vc_login() { # SOAP Login: $1 = password
  "${CURL[@]}" --cacert "$UPSTRA_PEER_VCSIM_CA" -H 'Content-Type: text/xml; charset=utf-8' \
    -H 'SOAPAction: "urn:vim25/6.5"' --data-binary @- "$UPSTRA_PEER_VCSIM_URL" <<EOF 2>&1
<?xml version="1.0" encoding="UTF-8"?>
<soapenv:Envelope xmlns:soapenv="http://schemas.xmlsoap.org/soap/envelope/" xmlns:urn="urn:vim25"><soapenv:Body><urn:Login><urn:_this type="SessionManager">SessionManager</urn:_this><urn:userName>$UPSTRA_PEER_VCSIM_USER</urn:userName><urn:password>$1</urn:password></urn:Login></soapenv:Body></soapenv:Envelope>
EOF
}
check "vcsim: SOAP Login" expect Login "$(vc_login "$UPSTRA_PEER_VCSIM_PASSWORD")" '*LoginResponse*'
check "vcsim: SOAP Login, bad password" expect Login "$(vc_login wrong)" '*InvalidLogin*'
check "vcsim: served cert fingerprint" expect fingerprint \
  "$(served_fingerprint "$(hostport "$UPSTRA_PEER_VCSIM_URL")")" "$UPSTRA_PEER_VCSIM_TLS_FINGERPRINT"

# --- sshd ---
SSH=(ssh -o ConnectTimeout=5 -o UserKnownHostsFile="$UPSTRA_PEER_SSH_KNOWN_HOSTS"
  -o StrictHostKeyChecking=yes -o LogLevel=ERROR -p "$UPSTRA_PEER_SSH_PORT")
ssh_key() {
  # shellcheck disable=SC2016 # $USER expands on the remote side
  expect "ssh (key)" "$("${SSH[@]}" -o BatchMode=yes -o IdentitiesOnly=yes -i "$UPSTRA_PEER_SSH_CLIENT_KEY" \
    "$UPSTRA_PEER_SSH_USER@$UPSTRA_PEER_SSH_HOST" 'echo "$USER"' </dev/null 2>&1)" "$UPSTRA_PEER_SSH_USER"
}
check "sshd: key login (BatchMode)" ssh_key
ssh_password() { # no sshpass: OpenSSH >= 8.4 reads the password from SSH_ASKPASS
  local askpass rc=0 out
  askpass=$(mktemp)
  # shellcheck disable=SC2016 # expands when the askpass script runs
  printf '#!/bin/sh\necho "$UPSTRA_PEER_SSH_PASSWORD"\n' >"$askpass"
  chmod 700 "$askpass"
  out=$(SSH_ASKPASS=$askpass SSH_ASKPASS_REQUIRE=force DISPLAY=none timeout 10 setsid -w \
    "${SSH[@]}" -o PubkeyAuthentication=no -o PreferredAuthentications=password \
    -o NumberOfPasswordPrompts=1 "$UPSTRA_PEER_SSH_USER@$UPSTRA_PEER_SSH_HOST" true </dev/null 2>&1) || rc=$?
  rm -f "$askpass"
  [ "$rc" -eq 0 ] || { echo "exit $rc: $out"; return 1; }
}
check "sshd: password login" ssh_password

# --- Redis ---
REDIS_HP=${UPSTRA_PEER_REDIS_URL#redis://}
check "redis: PING" expect ping \
  "$(timeout 5 redis-cli -h "${REDIS_HP%:*}" -p "${REDIS_HP##*:}" ping 2>&1)" PONG

echo "$PASS passed, $FAIL failed ($(($(now_ms) - T0)) ms, $DIR)"
[ "$FAIL" -eq 0 ]
