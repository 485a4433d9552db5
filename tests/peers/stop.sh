#!/usr/bin/env bash
# Stop the peers of one runtime dir: exactly the PIDs recorded in $DIR/pids/.
#
#   stop.sh [DIR]    DIR defaults to $UPSTRA_PEERS_DIR, else the last start.sh run
#
# Sends TERM, polls until they are gone (deadline), then KILLs what is left.
# A PID whose process start time differs from the one start.sh recorded
# (run/<name>.start) was reused by another process and is left alone. Removes
# the pid files, peers.env and this run's ssh authorized-keys file; keeps the
# logs (UPSTRA_PEERS_CLEAN=1 removes the whole dir). Safe to call twice.
set -euo pipefail

CACHE=${UPSTRA_PEERS_CACHE:-/var/cache/upstra-peers}
TERM_TIMEOUT=${UPSTRA_PEERS_STOP_TIMEOUT:-10} # seconds before KILL

log() { printf 'stop.sh: %s\n' "$*"; }
now_ms() { local t=${EPOCHREALTIME/[.,]/}; echo $((t / 1000)); }

DIR=${1:-${UPSTRA_PEERS_DIR:-}}
if [ -z "$DIR" ]; then
  DIR=$(cat "$CACHE/last-peers-dir" 2>/dev/null || true)
  if [ -z "$DIR" ]; then
    log "no runtime dir given and no previous run recorded: nothing to stop"
    exit 0
  fi
fi
[ -d "$DIR" ] || { log "error: no such dir: $DIR"; exit 1; }
DIR=$(cd "$DIR" && pwd -P)
T0=$(now_ms)

proc_stat() { # pid -> "state starttime", fails if there is no such process
  local s
  s=$(cat "/proc/$1/stat" 2>/dev/null) || return 1
  s=${s##*) }
  # shellcheck disable=SC2086
  set -- $s
  echo "$1 ${20}"
}
alive() { # a zombie counts as gone
  local st
  st=$(proc_stat "$1") || return 1
  [ "${st%% *}" != Z ]
}

names=()
pids=()
for f in "$DIR"/pids/*.pid; do
  [ -e "$f" ] || continue
  name=$(basename "$f" .pid)
  pid=$(head -n1 "$f" 2>/dev/null || true)
  if ! [[ $pid =~ ^[1-9][0-9]*$ ]]; then
    log "$name: bad pid file, removing it"
  elif ! alive "$pid"; then
    log "$name: pid $pid already gone"
  else
    want=$(cat "$DIR/run/$name.start" 2>/dev/null || true)
    st=$(proc_stat "$pid" || true)
    if [ -n "$want" ] && [ "${st#* }" != "$want" ]; then
      log "$name: pid $pid now belongs to another process, not touching it"
    else
      names+=("$name")
      pids+=("$pid")
      continue
    fi
  fi
  rm -f "$f" "$DIR/run/$name.start"
done

if ((${#pids[@]})); then
  kill -TERM "${pids[@]}" 2>/dev/null || true
  deadline=$(($(now_ms) + TERM_TIMEOUT * 1000))
  signal=TERM
  while :; do
    left=0
    for pid in "${pids[@]}"; do
      if alive "$pid"; then left=$((left + 1)); fi
    done
    ((left)) || break
    if (($(now_ms) >= deadline)); then
      [ "$signal" = TERM ] || break
      signal=KILL
      for pid in "${pids[@]}"; do
        if alive "$pid"; then kill -KILL "$pid" 2>/dev/null || true; fi
      done
      deadline=$(($(now_ms) + 5000))
    fi
    sleep 0.05
  done
fi

rc=0
for i in "${!pids[@]}"; do
  name=${names[$i]} pid=${pids[$i]}
  if alive "$pid"; then
    log "$name: pid $pid still running after KILL"
    rc=1
  else
    log "$name: stopped pid $pid"
    rm -f "$DIR/pids/$name.pid" "$DIR/run/$name.start"
  fi
done

# This run's authorized-keys file in the ssh test user's home.
keys=$(cat "$DIR/run/ssh-authorized-keys" 2>/dev/null || true)
if [[ $keys == */.ssh/upstra-peers-*.keys ]]; then
  rm -f "$keys"
fi
rm -f "$DIR/run/ssh-authorized-keys" "$DIR/peers.env"

if [ "$rc" -eq 0 ]; then
  if [ "$(cat "$CACHE/last-peers-dir" 2>/dev/null || true)" = "$DIR" ]; then
    rm -f "$CACHE/last-peers-dir"
  fi
  if [ "${UPSTRA_PEERS_CLEAN:-0}" = 1 ]; then
    rm -rf "$DIR"
  fi
fi
log "${#pids[@]} process(es) stopped in $(($(now_ms) - T0)) ms ($DIR)"
exit "$rc"
