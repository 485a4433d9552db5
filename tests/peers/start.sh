#!/usr/bin/env bash
# Start every real peer on 127.0.0.1, on free ports, in a runtime dir of its own.
#
#   UPSTRA_PEERS_DIR     runtime dir (default: a fresh mktemp -d under /var/tmp)
#   UPSTRA_PEERS_CACHE   where install.sh put the venv and vcsim (default /var/cache/upstra-peers)
#
# Needs root and tests/peers/install.sh done. On success the endpoints are in
# $DIR/peers.env (KEY=value lines; a value with spaces is double-quoted), each
# process's PID in $DIR/pids/<name>.pid and its log in $DIR/logs/<name>.log.
# Stop with tests/peers/stop.sh "$DIR". If one peer fails to start, its log
# tail is printed, everything already started is stopped, and the exit status
# is non-zero.
set -euo pipefail
set +m # background jobs stay in our process group, so setsid does not fork

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
CACHE=${UPSTRA_PEERS_CACHE:-/var/cache/upstra-peers}
VENV=$CACHE/venv
VCSIM=$CACHE/bin/vcsim
HOST=127.0.0.1
READY_TIMEOUT=${UPSTRA_PEERS_READY_TIMEOUT:-30} # seconds, per peer

# Fixed test credentials (loopback only).
NUT_ADMIN_USER=admin NUT_ADMIN_PASSWORD=adminpass
NUT_MON_USER=monuser NUT_MON_PASSWORD=monpass
# A user allowed the UPS-off instant commands and one allowed none, for the INSTCMD tests.
NUT_CMD_USER=cmduser NUT_CMD_PASSWORD=cmdpass
NUT_NOCMD_USER=nocmduser NUT_NOCMD_PASSWORD=nocmdpass
# The clone driver's UPS: it answers shutdown.return/shutdown.stayoff (dummy-ups answers no
# instant command) and shows them in its state: FSD in ups.status, ups.timer.shutdown counting
# down from CMD_OFFDELAY, then ups.timer.start from CMD_ONDELAY once mains is on.
NUT_CMD_UPS=upsout NUT_CMD_OFFDELAY=30 NUT_CMD_ONDELAY=5
REDFISH_USER=admin REDFISH_PASSWORD=password
VCSIM_USER=user VCSIM_PASSWORD=pass
SSH_USER=peertest SSH_PASSWORD=peerpass

log() { printf 'start.sh: %s\n' "$*" >&2; }
die() { log "error: $*"; exit 1; }
now_ms() { local t=${EPOCHREALTIME/[.,]/}; echo $((t / 1000)); }

[ "$(id -u)" -eq 0 ] || die "must run as root"
for f in /lib/nut/upsd /lib/nut/dummy-ups /lib/nut/clone /usr/sbin/sshd "$VENV/bin/sushy-emulator" "$VCSIM"; do
  [ -x "$f" ] || die "$f missing: run tests/peers/install.sh first"
done
for c in upsc redis-server redis-cli ssh ssh-keygen openssl curl setsid; do
  command -v "$c" >/dev/null || die "$c missing: run tests/peers/install.sh first"
done
getent passwd "$SSH_USER" >/dev/null || die "user $SSH_USER missing: run tests/peers/install.sh first"

T_START=$(now_ms)

# --- runtime dir -------------------------------------------------------------
if [ -n "${UPSTRA_PEERS_DIR:-}" ]; then
  DIR=$UPSTRA_PEERS_DIR
  mkdir -p "$DIR"
else
  # /var/tmp, not a home dir: the NUT daemons run as user nut and must traverse it.
  base=/var/tmp
  if ! [ -d "$base" ] || ! [ -w "$base" ]; then base=/tmp; fi
  DIR=$(mktemp -d "$base/upstra-peers.XXXXXX")
fi
DIR=$(cd "$DIR" && pwd -P)
[[ $DIR =~ ^/[A-Za-z0-9_./-]+$ ]] || die "runtime dir '$DIR' must match [A-Za-z0-9_./-]"
chmod 755 "$DIR"
runuser -u nut -- test -x "$DIR" ||
  die "user nut cannot reach $DIR (its parents must be world-traversable; use /var/tmp or /tmp)"
for f in "$DIR"/pids/*.pid; do
  [ -e "$f" ] || continue
  pid=$(head -n1 "$f")
  if ! [[ $pid =~ ^[1-9][0-9]*$ ]] || ! [ -e "/proc/$pid" ]; then continue; fi
  st=$(cut -d')' -f2- "/proc/$pid/stat" 2>/dev/null | cut -d' ' -f21) || true
  want=$(cat "$DIR/run/$(basename "$f" .pid).start" 2>/dev/null) || true
  if [ -z "$want" ] || [ "$st" = "$want" ]; then
    die "$DIR already has running peers ($f); stop them first: tests/peers/stop.sh $DIR"
  fi
done
rm -rf "${DIR:?}"/{pids,run,logs,nut,redfish,vcsim,ssh,redis} "$DIR/peers.env"
mkdir -p "$DIR"/{pids,run,logs}
export UPSTRA_PEERS_DIR=$DIR
# check.sh / stop.sh without arguments use the most recent run.
printf '%s\n' "$DIR" 2>/dev/null >"$CACHE/last-peers-dir" || true

# --- helpers -------------------------------------------------------------------
CURRENT=   # peer being started, for the failure report
DONE=
SUMMARY=()

proc_start() { # pid -> kernel start time (clock ticks since boot)
  local s
  s=$(cat "/proc/$1/stat" 2>/dev/null) || return 1
  s=${s##*) }
  # shellcheck disable=SC2086
  set -- $s # split on spaces; field 20 after the comm is starttime
  echo "${20}"
}
proc_comm() { cat "/proc/$1/comm" 2>/dev/null; }
alive() { # a zombie counts as gone
  local s
  [ -n "${1:-}" ] || return 1
  s=$(cat "/proc/$1/stat" 2>/dev/null) || return 1
  s=${s##*) }
  [ "${s%% *}" != Z ]
}

record_pid() { # name pid: pids/<name>.pid (just the PID) + run/<name>.start
  local st
  st=$(proc_start "$2") || return 1
  printf '%s\n' "$2" >"$DIR/pids/$1.pid"
  printf '%s\n' "$st" >"$DIR/run/$1.start"
}

launch() { # name cmd... : start in the background, own session, log to logs/<name>.log
  local name=$1
  shift
  nohup setsid "$@" >"$DIR/logs/$name.log" 2>&1 </dev/null &
  record_pid "$name" $! || die "$name exited at once"
}

# Adopt the PID a self-daemonizing program wrote into its own PID file, once
# it names a live process with the expected command name.
adopt_pidfile() { # name pidfile comm
  local pid
  pid=$(head -n1 "$2" 2>/dev/null) || return 1
  if [[ $pid =~ ^[0-9]+$ ]] && alive "$pid" && [ "$(proc_comm "$pid")" = "$3" ]; then
    record_pid "$1" "$pid"
  else
    return 1
  fi
}

pid_of() { head -n1 "$DIR/pids/$1.pid" 2>/dev/null; }

# wait_for name what cmd... : poll cmd until it succeeds; fail if a process of
# this peer dies or the deadline passes.
WATCH=() # pid names to watch while waiting
wait_for() {
  local name=$1 what=$2
  shift 2
  local deadline p
  deadline=$(($(now_ms) + READY_TIMEOUT * 1000))
  until "$@" >/dev/null 2>&1; do
    for p in "${WATCH[@]}"; do
      alive "$(pid_of "$p")" || die "$name: $p exited while waiting for $what"
    done
    (($(now_ms) < deadline)) || die "$name: timed out after ${READY_TIMEOUT}s waiting for $what"
    sleep 0.05
  done
}

summary() { SUMMARY+=("$(printf '%-16s %s' "$1" "$2")"); }

fingerprint() { # cert -> sha256:AB:CD:...
  local f
  f=$(openssl x509 -in "$1" -noout -fingerprint -sha256)
  f=${f#*=}
  echo "sha256:${f^^}"
}

gen_cert() { # dir: self-signed leaf (CA:FALSE, so rustls/webpki accept it as its own anchor)
  cat >"$1/openssl.cnf" <<'EOF'
[req]
distinguished_name = dn
x509_extensions = v3
prompt = no
[dn]
CN = 127.0.0.1
[v3]
basicConstraints = critical, CA:FALSE
keyUsage = critical, digitalSignature
extendedKeyUsage = serverAuth
subjectAltName = IP:127.0.0.1, DNS:localhost
subjectKeyIdentifier = hash
EOF
  openssl req -x509 -config "$1/openssl.cnf" -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 \
    -nodes -days 3650 -keyout "$1/key.pem" -out "$1/cert.pem" 2>/dev/null
  chmod 600 "$1/key.pem"
  chmod 644 "$1/cert.pem"
}

on_exit() {
  local rc=$?
  [ -z "$DONE" ] || return 0
  trap - EXIT
  [ "$rc" -ne 0 ] || rc=1
  log "FAILED starting peer '${CURRENT:-?}' (exit $rc)"
  if [ -n "$CURRENT" ]; then
    local f
    for f in "$DIR/logs/$CURRENT"*.log; do
      [ -s "$f" ] || continue
      log "--- tail of $f"
      tail -n 20 "$f" >&2 || true
    done
  fi
  # Daemons that wrote their PID file before we recorded it.
  adopt_pidfile redis "$DIR/redis/redis.pid" redis-server 2>/dev/null || true
  log "stopping what was started"
  bash "$HERE/stop.sh" "$DIR" >&2 || true
  rm -f "$DIR/peers.env"
  exit "$rc"
}
trap on_exit EXIT

# --- free ports ----------------------------------------------------------------
# Bind port 0 for each (all sockets open at once, so the ports differ), then
# close them: the kernel hands out ports at random, so parallel runs don't clash.
read -r P_NUT P_REDFISH_HTTP P_REDFISH_HTTPS P_VCSIM P_SSH P_REDIS < <(
  /usr/bin/python3 - <<'PY'
import socket
socks = []
for _ in range(6):
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    socks.append(s)
print(" ".join(str(s.getsockname()[1]) for s in socks))
PY
)
[ -n "$P_REDIS" ] || die "could not pick free ports"

# --- NUT: launch the two dummy-ups drivers (they take ~1 s) -----------------------
CURRENT=nut
t0=$(now_ms)
NUT=$DIR/nut
mkdir -p "$NUT/etc" "$NUT/state"
export NUT_CONFPATH=$NUT/etc NUT_STATEPATH=$NUT/state NUT_ALTPIDPATH=$NUT/state
for u in ups1 ups2; do
  n=${u#ups}
  # The .orig copy stays as written: a test's own NUT (tests/src/own_nut.rs) starts from it,
  # whatever state a test has put the shared one in.
  cat >"$NUT/$u.dev.orig" <<EOF
device.mfr: PeerSim
device.model: DummyUPS 150$n
device.serial: PEERSIM000$n
device.type: ups
ups.mfr: PeerSim
ups.model: DummyUPS 150$n
ups.serial: PEERSIM000$n
ups.status: OL
ups.load: 2$n
battery.charge: 100
battery.charge.low: 20
battery.runtime: 3600
battery.runtime.low: 300
input.voltage: 230.0
output.voltage: 230.0
EOF
  cp "$NUT/$u.dev.orig" "$NUT/$u.dev"
  cat >>"$NUT/etc/ups.conf" <<EOF
[$u]
  driver = dummy-ups
  port = $NUT/$u.dev
  desc = "PeerSim dummy UPS $u"
  pollinterval = 1

EOF
done
# Follows ups1's driver (its socket in the state dir); never touches ups1 itself.
cat >>"$NUT/etc/ups.conf" <<EOF
[$NUT_CMD_UPS]
  driver = clone
  port = dummy-ups-ups1
  desc = "PeerSim outlet of ups1, for instant commands"
  offdelay = $NUT_CMD_OFFDELAY
  ondelay = $NUT_CMD_ONDELAY
  # NUT 2.8.0's clone looks this variable up on every instant command and crashes when the
  # setting is absent; ups1 has no such variable, so the clone tracks the outlet itself.
  load.status = outlet.status

EOF
cat >"$NUT/etc/upsd.conf" <<EOF
LISTEN $HOST $P_NUT
STATEPATH $NUT/state
MAXAGE 5
EOF
cat >"$NUT/etc/upsd.users" <<EOF
[$NUT_ADMIN_USER]
  password = $NUT_ADMIN_PASSWORD
  actions = SET FSD
  instcmds = ALL

[$NUT_MON_USER]
  password = $NUT_MON_PASSWORD
  upsmon primary

[$NUT_CMD_USER]
  password = $NUT_CMD_PASSWORD
  instcmds = shutdown.return
  instcmds = shutdown.stayoff

[$NUT_NOCMD_USER]
  password = $NUT_NOCMD_PASSWORD
  actions = SET
EOF
chown -R root:nut "$NUT"
chmod 755 "$NUT"
chmod 644 "$NUT"/*.dev "$NUT"/*.dev.orig
chmod 750 "$NUT/etc"
chmod 640 "$NUT"/etc/*
chmod 770 "$NUT/state"
# -F: stay in the foreground (no double fork), so $! is the driver itself.
launch nut-ups1 /lib/nut/dummy-ups -a ups1 -F
launch nut-ups2 /lib/nut/dummy-ups -a ups2 -F
t_nut_launch=$(($(now_ms) - t0))

# --- Redfish (sushy-tools fake driver): HTTP fleet + HTTPS single-system "iLO" --
CURRENT=redfish
t0=$(now_ms)
RF=$DIR/redfish
mkdir -p "$RF/tls" "$RF/state-fleet" "$RF/state-ilo"
gen_cert "$RF/tls"
"$VENV/bin/python" - "$REDFISH_USER" "$REDFISH_PASSWORD" >"$RF/htpasswd" <<'PY'
import sys, bcrypt
# cost 4: sushy checks the hash on every request (cost 12 = ~200 ms each)
print(sys.argv[1] + ":" + bcrypt.hashpw(sys.argv[2].encode(), bcrypt.gensalt(rounds=4)).decode())
PY
FLEET_IDS=()
fleet_py=""
for i in 1 2 3 4 5 6 7 8; do
  id=$(printf '%08x-0000-4000-8000-%012x' "$i" "$i")
  FLEET_IDS+=("$id")
  fleet_py+="    {'uuid': '$id', 'name': 'srv0$i', 'power_state': 'On', 'nics': [{'mac': '52:54:00:00:00:0$i', 'ip': '127.0.0.1'}]},"$'\n'
done
cat >"$RF/fleet.conf" <<EOF
SUSHY_EMULATOR_LISTEN_IP = '$HOST'
SUSHY_EMULATOR_LISTEN_PORT = $P_REDFISH_HTTP
SUSHY_EMULATOR_FAKE_DRIVER = True
SUSHY_EMULATOR_STATE_DIR = '$RF/state-fleet'
SUSHY_EMULATOR_AUTH_FILE = '$RF/htpasswd'
SUSHY_EMULATOR_FAKE_SYSTEMS = [
$fleet_py]
EOF
cat >"$RF/ilo.conf" <<EOF
SUSHY_EMULATOR_LISTEN_IP = '$HOST'
SUSHY_EMULATOR_LISTEN_PORT = $P_REDFISH_HTTPS
SUSHY_EMULATOR_FAKE_DRIVER = True
SUSHY_EMULATOR_STATE_DIR = '$RF/state-ilo'
SUSHY_EMULATOR_AUTH_FILE = '$RF/htpasswd'
SUSHY_EMULATOR_SSL_CERT = '$RF/tls/cert.pem'
SUSHY_EMULATOR_SSL_KEY = '$RF/tls/key.pem'
SUSHY_EMULATOR_FAKE_SYSTEMS = [
    {'uuid': '1', 'name': 'ilo1-host', 'power_state': 'On', 'nics': [{'mac': '52:54:00:01:00:01', 'ip': '127.0.0.1'}]},
]
EOF
launch redfish-fleet "$VENV/bin/sushy-emulator" --config "$RF/fleet.conf"
launch redfish-ilo "$VENV/bin/sushy-emulator" --config "$RF/ilo.conf"
t_rf_launch=$(($(now_ms) - t0))

# --- vcsim ------------------------------------------------------------------------
CURRENT=vcsim
t0=$(now_ms)
VC=$DIR/vcsim
mkdir -p "$VC"
gen_cert "$VC"
launch vcsim "$VCSIM" -l "$HOST:$P_VCSIM" -username "$VCSIM_USER" -password "$VCSIM_PASSWORD" \
  -tlscert "$VC/cert.pem" -tlskey "$VC/key.pem"
t_vc_launch=$(($(now_ms) - t0))

# --- OpenSSH sshd -------------------------------------------------------------------
CURRENT=sshd
t0=$(now_ms)
SSHD=$DIR/ssh
mkdir -p "$SSHD" /run/sshd
chmod 700 "$SSHD"
chmod 755 /run/sshd
ssh-keygen -q -t ed25519 -N '' -C "upstra-peers-host" -f "$SSHD/host_ed25519_key"
ssh-keygen -q -t ed25519 -N '' -C "upstra-peers-client" -f "$SSHD/client_ed25519_key"
SSH_HOST_KEY=$(cut -d' ' -f1,2 "$SSHD/host_ed25519_key.pub")
printf '[%s]:%s %s\n' "$HOST" "$P_SSH" "$SSH_HOST_KEY" >"$SSHD/known_hosts"
# StrictModes refuses key files under /tmp or /var/tmp (world-writable parents), so
# the authorized keys live in the user's ~/.ssh, in a file of this run's own
# (stop.sh removes it), so parallel runs don't share one file.
ssh_home=$(getent passwd "$SSH_USER" | cut -d: -f6)
tag=$(printf '%s' "$DIR" | sha256sum | cut -c1-12)
AUTH_KEYS_REL=.ssh/upstra-peers-$tag.keys
install -d -m 700 -o "$SSH_USER" -g "$SSH_USER" "$ssh_home/.ssh"
install -m 600 -o "$SSH_USER" -g "$SSH_USER" "$SSHD/client_ed25519_key.pub" "$ssh_home/$AUTH_KEYS_REL"
printf '%s\n' "$ssh_home/$AUTH_KEYS_REL" >"$DIR/run/ssh-authorized-keys"
cat >"$SSHD/sshd_config" <<EOF
ListenAddress $HOST
Port $P_SSH
HostKey $SSHD/host_ed25519_key
PidFile $SSHD/sshd.pid
AuthorizedKeysFile $AUTH_KEYS_REL
PubkeyAuthentication yes
PasswordAuthentication yes
KbdInteractiveAuthentication no
UsePAM no
PermitRootLogin no
AllowUsers $SSH_USER
StrictModes yes
PrintMotd no
MaxStartups 100:30:200
Subsystem sftp internal-sftp
EOF
/usr/sbin/sshd -t -f "$SSHD/sshd_config" >"$DIR/logs/sshd.log" 2>&1 || die "sshd config test failed"
# -D: no detach, so $! is the listener itself; -E: log to a file.
launch sshd /usr/sbin/sshd -D -f "$SSHD/sshd_config" -E "$DIR/logs/sshd.log"
t_ssh_launch=$(($(now_ms) - t0))

# --- Redis (no persistence, daemonized) -----------------------------------------------
CURRENT=redis
t0=$(now_ms)
mkdir -p "$DIR/redis"
redis-server --bind "$HOST" --port "$P_REDIS" --save '' --appendonly no \
  --daemonize yes --pidfile "$DIR/redis/redis.pid" --logfile "$DIR/logs/redis.log" \
  --dir "$DIR/redis" >>"$DIR/logs/redis.log" 2>&1 || die "redis-server failed"
t_redis_launch=$(($(now_ms) - t0))

# --- wait until each answers ---------------------------------------------------------
nut_ready() {
  local u
  for u in ups1 ups2 "$NUT_CMD_UPS"; do
    [ "$(upsc "$u@$HOST:$P_NUT" ups.status 2>/dev/null)" = OL ] || return 1
  done
}
nut_sockets() { [ -S "$NUT/state/dummy-ups-ups1" ] && [ -S "$NUT/state/dummy-ups-ups2" ]; }

CURRENT=nut
t0=$(now_ms)
WATCH=(nut-ups1 nut-ups2)
wait_for nut "the dummy-ups driver sockets" nut_sockets
# The clone reads ups1's driver socket, so it starts once that socket exists.
launch "nut-$NUT_CMD_UPS" /lib/nut/clone -a "$NUT_CMD_UPS" -F
WATCH=(nut-ups1 nut-ups2 "nut-$NUT_CMD_UPS")
wait_for nut "the clone driver socket" test -S "$NUT/state/clone-$NUT_CMD_UPS"
# -FF: foreground, but still write upsd.pid (for `upsd -c reload`)
launch nut-upsd /lib/nut/upsd -FF
WATCH=(nut-ups1 nut-ups2 "nut-$NUT_CMD_UPS" nut-upsd)
wait_for nut "upsd to serve ups1, ups2 and $NUT_CMD_UPS as OL" nut_ready
summary nut "upsd $HOST:$P_NUT ups1 ups2 $NUT_CMD_UPS (pids $(pid_of nut-upsd) $(pid_of nut-ups1) $(pid_of nut-ups2) $(pid_of "nut-$NUT_CMD_UPS")) $((t_nut_launch + $(now_ms) - t0)) ms"

CURRENT=redfish
t0=$(now_ms)
WATCH=(redfish-fleet redfish-ilo)
wait_for redfish "the HTTP fleet" curl -sf --max-time 2 -o /dev/null "http://$HOST:$P_REDFISH_HTTP/redfish/v1"
wait_for redfish "the HTTPS iLO" curl -sf --max-time 2 -o /dev/null --cacert "$RF/tls/cert.pem" \
  -u "$REDFISH_USER:$REDFISH_PASSWORD" "https://$HOST:$P_REDFISH_HTTPS/redfish/v1/Systems/1"
summary redfish "http://$HOST:$P_REDFISH_HTTP (${#FLEET_IDS[@]} systems), https://$HOST:$P_REDFISH_HTTPS (Systems/1) $((t_rf_launch + $(now_ms) - t0)) ms"

CURRENT=vcsim
t0=$(now_ms)
WATCH=(vcsim)
wait_for vcsim "https /about" curl -sf --max-time 2 -o /dev/null --cacert "$VC/cert.pem" "https://$HOST:$P_VCSIM/about"
summary vcsim "https://$HOST:$P_VCSIM/sdk $((t_vc_launch + $(now_ms) - t0)) ms"

ssh_banner() ( # subshell: a failed exec redirection must not end the script
  exec 3<>"/dev/tcp/$HOST/$P_SSH" || exit 1
  IFS= read -r -t 2 line <&3 || true
  [[ ${line:-} == SSH-2.0-OpenSSH* ]]
)
ssh_login() {
  ssh -o BatchMode=yes -o ConnectTimeout=5 -o UserKnownHostsFile="$SSHD/known_hosts" \
    -o StrictHostKeyChecking=yes -o IdentitiesOnly=yes -i "$SSHD/client_ed25519_key" \
    -p "$P_SSH" "$SSH_USER@$HOST" true </dev/null
}
CURRENT=sshd
t0=$(now_ms)
WATCH=(sshd)
wait_for sshd "the SSH banner" ssh_banner
ssh_login >>"$DIR/logs/sshd-client.log" 2>&1 || die "ssh key login as $SSH_USER failed"
summary sshd "$SSH_USER@$HOST:$P_SSH $((t_ssh_launch + $(now_ms) - t0)) ms"

CURRENT=redis
t0=$(now_ms)
WATCH=()
redis_ready() {
  adopt_pidfile redis "$DIR/redis/redis.pid" redis-server &&
    [ "$(redis-cli -h "$HOST" -p "$P_REDIS" ping)" = PONG ]
}
wait_for redis "PING" redis_ready
summary redis "redis://$HOST:$P_REDIS $((t_redis_launch + $(now_ms) - t0)) ms"

# The NUT drivers are stable now (upsd serves both): re-check every PID.
CURRENT=
for f in "$DIR"/pids/*.pid; do
  name=$(basename "$f" .pid)
  alive "$(pid_of "$name")" || { CURRENT=$name; die "$name is not running"; }
done

# --- peers.env ---------------------------------------------------------------------------
ENV_LINES=()
put() { # key value
  [[ $2 != *[\"\\\$\`$'\n']* ]] || die "bad value for $1"
  if [[ $2 =~ ^[A-Za-z0-9_./:@%+,=-]*$ ]]; then
    ENV_LINES+=("$1=$2")
  else
    ENV_LINES+=("$1=\"$2\"")
  fi
}
put UPSTRA_PEERS_DIR "$DIR"
put UPSTRA_PEER_NUT_HOST "$HOST"
put UPSTRA_PEER_NUT_PORT "$P_NUT"
put UPSTRA_PEER_NUT_UPS "ups1 ups2"
put UPSTRA_PEER_NUT_ADMIN_USER "$NUT_ADMIN_USER"
put UPSTRA_PEER_NUT_ADMIN_PASSWORD "$NUT_ADMIN_PASSWORD"
put UPSTRA_PEER_NUT_MON_USER "$NUT_MON_USER"
put UPSTRA_PEER_NUT_MON_PASSWORD "$NUT_MON_PASSWORD"
put UPSTRA_PEER_NUT_DIR "$NUT"
# Where the drivers and upsd are, for a test that starts a NUT of its own.
put UPSTRA_PEER_NUT_DRIVER_DIR /lib/nut
put UPSTRA_PEER_NUT_CMD_UPS "$NUT_CMD_UPS"
put UPSTRA_PEER_NUT_CMD_OFFDELAY "$NUT_CMD_OFFDELAY"
put UPSTRA_PEER_NUT_CMD_USER "$NUT_CMD_USER"
put UPSTRA_PEER_NUT_CMD_PASSWORD "$NUT_CMD_PASSWORD"
put UPSTRA_PEER_NUT_NOCMD_USER "$NUT_NOCMD_USER"
put UPSTRA_PEER_NUT_NOCMD_PASSWORD "$NUT_NOCMD_PASSWORD"
put UPSTRA_PEER_NUT_UPSD_LOG "$DIR/logs/nut-upsd.log"
put UPSTRA_PEER_NUT_USERS_FILE "$NUT/etc/upsd.users"
put UPSTRA_PEER_NUT_UPS1_DRIVER_PIDFILE "$DIR/pids/nut-ups1.pid"
put UPSTRA_PEER_NUT_UPS2_DRIVER_PIDFILE "$DIR/pids/nut-ups2.pid"
put UPSTRA_PEER_REDFISH_HTTP_URL "http://$HOST:$P_REDFISH_HTTP"
put UPSTRA_PEER_REDFISH_HTTPS_URL "https://$HOST:$P_REDFISH_HTTPS"
put UPSTRA_PEER_REDFISH_USER "$REDFISH_USER"
put UPSTRA_PEER_REDFISH_PASSWORD "$REDFISH_PASSWORD"
put UPSTRA_PEER_REDFISH_CA "$RF/tls/cert.pem"
put UPSTRA_PEER_REDFISH_TLS_FINGERPRINT "$(fingerprint "$RF/tls/cert.pem")"
put UPSTRA_PEER_REDFISH_FLEET_SYSTEMS "${FLEET_IDS[*]}"
put UPSTRA_PEER_VCSIM_URL "https://$HOST:$P_VCSIM/sdk"
put UPSTRA_PEER_VCSIM_USER "$VCSIM_USER"
put UPSTRA_PEER_VCSIM_PASSWORD "$VCSIM_PASSWORD"
put UPSTRA_PEER_VCSIM_CA "$VC/cert.pem"
put UPSTRA_PEER_VCSIM_TLS_FINGERPRINT "$(fingerprint "$VC/cert.pem")"
# The installed programs and this run's credentials, for tests that start a lab of their
# own size (more hosts, VMs and BMCs) beside the shared one.
put UPSTRA_PEER_VCSIM_BIN "$VCSIM"
put UPSTRA_PEER_VCSIM_CERT "$VC/cert.pem"
put UPSTRA_PEER_VCSIM_KEY "$VC/key.pem"
put UPSTRA_PEER_SUSHY_BIN "$VENV/bin/sushy-emulator"
put UPSTRA_PEER_REDFISH_HTPASSWD "$RF/htpasswd"
put UPSTRA_PEER_SSH_HOST "$HOST"
put UPSTRA_PEER_SSH_PORT "$P_SSH"
put UPSTRA_PEER_SSH_USER "$SSH_USER"
put UPSTRA_PEER_SSH_PASSWORD "$SSH_PASSWORD"
put UPSTRA_PEER_SSH_CLIENT_KEY "$SSHD/client_ed25519_key"
put UPSTRA_PEER_SSH_HOST_KEY "$SSH_HOST_KEY"
put UPSTRA_PEER_SSH_KNOWN_HOSTS "$SSHD/known_hosts"
put UPSTRA_PEER_REDIS_URL "redis://$HOST:$P_REDIS"
{
  echo "# Upstra real peers, written by tests/peers/start.sh; stop with tests/peers/stop.sh $DIR"
  printf '%s\n' "${ENV_LINES[@]}"
} >"$DIR/peers.env.tmp"
mv "$DIR/peers.env.tmp" "$DIR/peers.env"

DONE=1
printf '%s\n' "${SUMMARY[@]}"
echo "all peers up in $(($(now_ms) - T_START)) ms; endpoints: $DIR/peers.env"
echo "  export UPSTRA_PEERS_ENV=$DIR/peers.env    # stop: bash tests/peers/stop.sh $DIR"
