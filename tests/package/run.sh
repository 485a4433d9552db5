#!/usr/bin/env bash
# The Debian package, tested the way an operator meets it: built by packaging/build-deb, checked
# by lintian, then installed, used, upgraded, removed and purged on a clean Debian 12 root file
# system (debootstrap) booted with systemd as PID 1 (systemd-nspawn, no network), running the
# README's Install commands as written. tests/run calls it; it can run alone, as root:
#
#   tests/package/run.sh
#
# Environment: UPSTRA_PACKAGE_PROFILE (cargo profile to package, default dev: the suite's
# build, to fit CI's time; the release build differs only in optimisation),
# UPSTRA_PACKAGE_CACHE (cargo-deb and the downloaded Debian packages, default
# /var/cache/upstra-package), UPSTRA_DEBIAN_MIRROR (default http://deb.debian.org/debian),
# UPSTRA_PACKAGE_KEEP=1 (on failure, leave the container running to look inside).
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
cd "$ROOT"
profile=${UPSTRA_PACKAGE_PROFILE:-dev}
cache=${UPSTRA_PACKAGE_CACHE:-/var/cache/upstra-package}
mirror=${UPSTRA_DEBIAN_MIRROR:-http://deb.debian.org/debian}
# cargo-deb is pinned: packaging a dev build is deprecated in later versions.
cargo_deb_version=3.8.0
# Booting, starting the daemon and apt each get this long before the test gives up.
deadline_s=120

started=$(date +%s)
step() { printf '\n--> package, %3d s: %s\n' "$(($(date +%s) - started))" "$*"; }
fail() { echo "tests/package: FAILED: $*" >&2; exit 1; }

[ "$(id -u)" -eq 0 ] || fail "needs root (debootstrap, systemd-nspawn)"

# --- tools -----------------------------------------------------------------------------------
need=()
for pkg in debootstrap lintian systemd-container dpkg-dev; do
  dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q 'install ok installed' || need+=("$pkg")
done
if [ ${#need[@]} -gt 0 ]; then
  step "installing ${need[*]}"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends "${need[@]}" >/dev/null
fi
mkdir -p "$cache/debootstrap"
if ! cargo deb --version 2>/dev/null | grep -q "$cargo_deb_version"; then
  if ! "$cache/bin/cargo-deb" --version 2>/dev/null | grep -q "$cargo_deb_version"; then
    step "installing cargo-deb $cargo_deb_version"
    cargo install --quiet --locked --version "$cargo_deb_version" --root "$cache" cargo-deb
  fi
  export PATH="$cache/bin:$PATH"
fi

work=$(mktemp -d /var/tmp/upstra-package.XXXXXX)
box=$work/root
nspawn_pid=""
leader=""
cleanup() {
  local status=$?
  if [ "$status" -ne 0 ] && [ -n "$leader" ]; then
    echo "--- upstrad in the container, as it stands:" >&2
    inside systemctl status upstrad.socket upstrad.service --no-pager >&2 || true
    inside journalctl -u upstrad --no-pager -n 30 >&2 || true
    if [ -n "${UPSTRA_PACKAGE_KEEP:-}" ]; then
      echo "UPSTRA_PACKAGE_KEEP: the container runs on; enter it with: nsenter --target $leader --all" >&2
      echo "  stop it with: kill $nspawn_pid; then remove $work" >&2
      return
    fi
  fi
  if [ -n "$nspawn_pid" ] && kill -0 "$nspawn_pid" 2>/dev/null; then
    kill -TERM "$nspawn_pid" 2>/dev/null || true
    wait "$nspawn_pid" 2>/dev/null || true
  fi
  rm -rf "$work"
}
trap cleanup EXIT

# The clean root file system downloads while the package builds.
step "debootstrap bookworm (in the background)"
# Minbase plus what any Debian 12 install has and the package or the test reads: no network
# inside, so apt installs the package from what is there.
debootstrap --variant=minbase --include=systemd,init-system-helpers,libssl3,passwd,procps,man-db \
  --cache-dir="$cache/debootstrap" bookworm "$box" "$mirror" >"$work/debootstrap.log" 2>&1 &
debootstrap_pid=$!

# --- build and lint --------------------------------------------------------------------------
# The same build twice under two versions: the lower one is installed first, the other
# upgrades it (built exactly as the README says, so that is the one lintian reads).
version=$(sed -nE 's/^version = "([^"]+)"/\1/p' Cargo.toml | head -n 1)
step "packaging/build-deb --profile $profile (version $version-1, and $version-0 to upgrade from)"
packaging/build-deb --profile "$profile" --fast --out "$work/next" >"$work/build.log" 2>&1 ||
  { tail -n 40 "$work/build.log"; fail "packaging/build-deb failed"; }
packaging/build-deb --profile "$profile" --fast --out "$work/prev" --deb-version "$version-0" \
  >>"$work/build.log" 2>&1 || { tail -n 40 "$work/build.log"; fail "packaging/build-deb failed"; }
next_deb=$(ls "$work"/next/*.deb)
prev_deb=$(ls "$work"/prev/*.deb)

step "lintian $(basename "$next_deb")"
lintian --allow-root --fail-on error --info "$next_deb" || fail "lintian reports errors (above)"

wait "$debootstrap_pid" || { tail -n 30 "$work/debootstrap.log"; fail "debootstrap failed"; }

# --- boot the clean system -------------------------------------------------------------------
mkdir -p "$box/root/prev" "$box/root/next"
cp "$prev_deb" "$box/root/prev/"
cp "$next_deb" "$box/root/next/"
# An operator's Unix account, and one outside the console's group.
chroot "$box" useradd --create-home --shell /bin/bash alice
chroot "$box" useradd --create-home --shell /bin/bash bob

step "booting it with systemd (systemd-nspawn, no network)"
systemd-nspawn --quiet --directory="$box" --boot --register=no --keep-unit \
  --private-network --machine=upstra-package-test >"$work/boot.log" 2>&1 &
nspawn_pid=$!

# The container's PID 1, to enter its namespaces (no systemd on the host to ask).
for _ in $(seq $((deadline_s * 10))); do
  for pid in $(pgrep -P "$nspawn_pid" || true); do
    [ "$(cat "/proc/$pid/comm" 2>/dev/null)" = systemd ] && leader=$pid
  done
  [ -n "$leader" ] && break
  sleep 0.1
done
[ -n "$leader" ] || { cat "$work/boot.log"; fail "the container did not start"; }

# A command inside the booted system, as root, with a clean environment.
inside() {
  nsenter --target "$leader" --all env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin HOME=/root \
    LANG=C.UTF-8 TERM=dumb "$@"
}
# The same, as a Unix user (with that user's groups, as after a new login).
as_user() {
  local user=$1
  shift
  inside runuser -u "$user" -- env HOME="/home/$user" "$@"
}
# Poll until a command succeeds, or fail with what it printed last.
wait_for() {
  local what=$1
  shift
  local end=$(($(date +%s) + deadline_s)) out=""
  while [ "$(date +%s)" -lt "$end" ]; do
    if out=$("$@" 2>&1); then return 0; fi
    sleep 0.5
  done
  fail "$what (last said: $out)"
}
booted() {
  local state
  state=$(inside systemctl is-system-running 2>/dev/null || true)
  [ "$state" = running ] || [ "$state" = degraded ]
}
wait_for "the container's systemd reaches running" booted

# A README block: the fenced block after `<!-- tested: NAME -->`, run as written in DIR, with
# `yes` on stdin for apt's questions, as an operator would answer them.
readme_block() {
  awk -v name="$1" '
    $0 ~ "^<!-- tested: " name " -->" { armed = 1; next }
    armed && /^```/ { if (inside) exit; inside = 1; next }
    inside { print }
  ' README.md
}
run_readme() {
  local name=$1 dir=$2 block
  block=$(readme_block "$name")
  [ -n "$block" ] || fail "README.md has no block marked <!-- tested: $name -->"
  step "README, $name: $(echo "$block" | grep -c .) lines, as written"
  printf '%s\n' "$block" | sed 's/^/    /'
  { yes || true; } | inside bash -euo pipefail -c "cd $dir && $block" ||
    fail "a command of the README's '$name' block failed (above)"
}

expect_eq() { [ "$2" = "$3" ] || fail "$1: expected '$3', got '$2'"; }
mode_owner() { inside stat -c '%a %U %G' "$1"; }

# --- install ---------------------------------------------------------------------------------
run_readme install /root/prev

step "files, owners and modes"
for f in /usr/bin/upstrad /usr/bin/upstra; do expect_eq "$f" "$(mode_owner "$f")" "755 root root"; done
for f in /usr/lib/systemd/system/upstrad.service /usr/lib/systemd/system/upstrad.socket \
  /usr/lib/sysusers.d/upstra.conf /usr/lib/tmpfiles.d/upstra.conf /etc/upstra/upstrad.toml \
  /usr/share/man/man8/upstrad.8.gz /usr/share/man/man1/upstra.1.gz \
  /usr/share/bash-completion/completions/upstra /usr/share/zsh/vendor-completions/_upstra \
  /usr/share/fish/vendor_completions.d/upstra.fish /usr/share/doc/upstra/examples/lab.toml \
  /usr/share/doc/upstra/examples/keys.toml /usr/share/doc/upstra/copyright \
  /usr/share/doc/upstra/examples/prometheus/upstra-alerts.yml; do
  expect_eq "$f" "$(mode_owner "$f")" "644 root root"
done
inside dpkg-query -W -f='${Conffiles}\n' upstra | grep -q '^ /etc/upstra/upstrad.toml ' ||
  fail "/etc/upstra/upstrad.toml is not a conffile"
inside grep -qx 'socket_group = "upstra"' /etc/upstra/upstrad.toml ||
  fail "the packaged config does not set socket_group = \"upstra\""
inside getent group upstra >/dev/null || fail "the group upstra was not created"
expect_eq /var/lib/upstra "$(mode_owner /var/lib/upstra)" "700 root root"
for unit in upstrad.socket upstrad.service; do
  expect_eq "$unit enabled" "$(inside systemctl is-enabled "$unit" || true)" enabled
done
wait_for "upstrad.service is active" inside systemctl is-active --quiet upstrad.service
expect_eq "the socket" "$(mode_owner /run/upstra/upstra.sock)" "660 root upstra"
expect_eq "the store key" "$(mode_owner /var/lib/upstra/store.key)" "600 root root"
inside systemd-analyze verify /usr/lib/systemd/system/upstrad.socket \
  /usr/lib/systemd/system/upstrad.service || fail "systemd-analyze verify finds problems (above)"
inside systemd-analyze security upstrad.service --no-pager | tail -n 1

# --- first use -------------------------------------------------------------------------------
run_readme first-admin /root
step "a member of group upstra may use the console, anyone else is refused"
as_user alice upstra login --user alice --password-stdin <<<'a long passphrase' >/dev/null ||
  fail "alice (group upstra) could not log in"
as_user alice upstra server list | grep -q . || fail "alice sees no server after the apply"
if out=$(as_user bob upstra login --user alice --password-stdin <<<'a long passphrase' 2>&1); then
  fail "bob (not in group upstra) could log in: $out"
fi
echo "bob is refused: $out"

step "as after a reboot: tmpfiles first, then the socket and the service"
inside systemctl stop upstrad.service upstrad.socket
inside systemd-tmpfiles --create
inside systemctl start upstrad.socket upstrad.service
expect_eq "the socket after a boot" "$(mode_owner /run/upstra/upstra.sock)" "660 root upstra"
as_user alice upstra server list | grep -q . || fail "after a boot, alice cannot use the console"

run_readme operate /root
inside journalctl -u upstrad --no-pager | grep -q 'config reloaded' ||
  fail "systemctl reload upstrad left no 'config reloaded' line in the journal"
inside test -s /root/upstra.backup || fail "the README's backup wrote no file"
# Under the real unit (sandbox, watchdog, socket from systemd) the daemon never failed.
expect_eq "restarts so far" "$(inside systemctl show -p NRestarts --value upstrad.service)" 0

# A change after the backup, which the restore must undo.
inside upstra user add carol --role viewer --password-stdin <<<'carol passphrase long' >/dev/null ||
  fail "could not add a user after the backup"
run_readme restore /root
wait_for "upstrad.service is active after the restore" inside systemctl is-active --quiet upstrad.service
as_user alice upstra login --user alice --password-stdin <<<'a long passphrase' >/dev/null ||
  fail "after the restore, alice cannot log in"
as_user alice upstra server list | grep -q mgmt-a1 || fail "after the restore, the lab is not back"
if as_user alice upstra user list | grep -q carol; then
  fail "after the restore, a user added after the backup is still there"
fi

# --- upgrade ---------------------------------------------------------------------------------
before=$(inside systemctl show -p InvocationID --value upstrad.service)
run_readme upgrade /root/next
expect_eq "installed version" "$(inside dpkg-query -W -f='${Version}' upstra)" "$version-1"
wait_for "upstrad.service is active after the upgrade" inside systemctl is-active --quiet upstrad.service
after=$(inside systemctl show -p InvocationID --value upstrad.service)
[ "$before" != "$after" ] || fail "the upgrade did not restart upstrad"
as_user alice upstra login --user alice --password-stdin <<<'a long passphrase' >/dev/null ||
  fail "after the upgrade, alice's account is gone: the store was not kept"
as_user alice upstra server list | grep -q . || fail "after the upgrade, the lab is gone"
as_user alice upstra audit verify || fail "after the upgrade, the audit trail does not verify"

# --- remove, then purge ----------------------------------------------------------------------
run_readme remove /root
inside test ! -e /usr/bin/upstrad || fail "apt remove left /usr/bin/upstrad"
for unit in upstrad.socket upstrad.service; do
  expect_eq "$unit after remove" "$(inside systemctl is-active "$unit" || true)" inactive
done
inside test -s /var/lib/upstra/store.key || fail "apt remove deleted the store key"
inside test -e /etc/upstra/upstrad.toml || fail "apt remove deleted the conffile"

run_readme purge /root
inside test ! -e /var/lib/upstra || fail "apt purge left /var/lib/upstra"
inside test ! -e /etc/upstra/upstrad.toml || fail "apt purge left the conffile"

step "passed in $(($(date +%s) - started)) s"
