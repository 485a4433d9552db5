#!/usr/bin/env bash
# A short run of every fuzz target from its seed corpus: fails on a crash, prints each target's
# executions. Installs the pinned cargo-fuzz when it is missing. See CONTRIBUTING.md, "Fuzzing".
#
#   bash fuzz/smoke.sh                     every target, UPSTRA_FUZZ_SECONDS (default 10) each
#   bash fuzz/smoke.sh nut_reply lab_file  only these
set -euo pipefail

# Pinned like the toolchain: a new cargo-fuzz may change the compiler flags it passes.
CARGO_FUZZ_VERSION=0.13.2
# Ten seconds each, a target per core at a time, keeps the whole smoke run near half a minute;
# real campaigns are run by hand.
SECONDS_EACH=${UPSTRA_FUZZ_SECONDS:-10}

FUZZ=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
cd "$FUZZ"
# The fuzz build has its own compiler flags: it must not share (and invalidate) the target
# directory of the workspace build.
unset CARGO_TARGET_DIR

if [ "$(cargo fuzz --version 2>/dev/null || true)" != "cargo-fuzz $CARGO_FUZZ_VERSION" ]; then
  echo "installing cargo-fuzz $CARGO_FUZZ_VERSION"
  cargo install --locked "cargo-fuzz@$CARGO_FUZZ_VERSION"
fi

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

# No sanitizer: AddressSanitizer needs a nightly compiler. Rust's own checks (bounds, overflow,
# debug assertions) and libFuzzer's coverage, stack-depth and compare tracing still apply.
# `--dev` (the fuzz crate's dev profile: opt-level 1, no debug info): cargo fuzz's release build
# compiles every crate as one codegen unit at opt-level 3 with debug info, which took 6 min 22 s
# of a 22 min CI run for 10 s of fuzzing per target. A smoke run needs coverage and checks, not
# peak speed; long campaigns use the release build (CONTRIBUTING.md, "Fuzzing").
build=(-s none --dev)
cp Cargo.lock "$work/Cargo.lock"
cargo fuzz build "${build[@]}"
# cargo fuzz has no --locked: the committed lock file must already fit the manifests.
if ! cmp -s Cargo.lock "$work/Cargo.lock"; then
  echo "fuzz/Cargo.lock did not fit the manifests and was rewritten: commit the new one" >&2
  exit 1
fi

if [ $# -gt 0 ]; then targets=("$@"); else mapfile -t targets < <(cargo fuzz list); fi
# One target: its summary on stdout, its failure (and how to reproduce it) on stderr.
fuzz_one() {
  local target=$1 log=$work/$1.log status=0 runs last input
  mkdir -p "$work/$target" "$work/artifacts/$target"
  # New inputs go to a scratch corpus; the committed seeds are only read.
  cargo fuzz run "${build[@]}" "$target" "$work/$target" "corpus/$target" -- \
    -max_total_time="$SECONDS_EACH" -print_final_stats=1 \
    -artifact_prefix="$work/artifacts/$target/" >"$log" 2>&1 || status=$?
  runs=$(sed -nE 's/^stat::number_of_executed_units: *([0-9]+)/\1/p' "$log")
  last=$(grep -E '^#[0-9]+' "$log" | tail -n 1 | grep -oE 'cov: [0-9]+ ft: [0-9]+ corp: [^ ]+' || true)
  if [ "$status" -eq 0 ]; then
    echo "fuzz: $target: ${runs:-0} executions in ${SECONDS_EACH} s, no crash ($last)"
    return 0
  fi
  echo "fuzz: $target: FAILED after ${runs:-?} executions; the fuzzer said:" >&2
  grep -vE '^#[0-9]+|^INFO:' "$log" | tail -n 40 >&2
  for input in "$work/artifacts/$target"/*; do
    [ -e "$input" ] || continue
    mkdir -p "$FUZZ/artifacts/$target"
    cp "$input" "$FUZZ/artifacts/$target/"
    echo "fuzz: reproduce in fuzz/ with: cargo fuzz run -s none $target artifacts/$target/$(basename "$input")" >&2
  done
  return 1
}

# A fuzzer uses one core: the targets run as many at a time as there are cores, so the smoke
# run takes its ten seconds per core rather than per target. Their reports are printed in
# the targets' order once all are done.
at_once=$(nproc 2>/dev/null || echo 1)
running=0
for target in "${targets[@]}"; do
  if [ "$running" -ge "$at_once" ]; then
    wait -n || true
    running=$((running - 1))
  fi
  (fuzz_one "$target" >"$work/$target.out" 2>"$work/$target.err"; echo $? >"$work/$target.status") &
  running=$((running + 1))
done
wait
failed=0
for target in "${targets[@]}"; do
  cat "$work/$target.out"
  cat "$work/$target.err" >&2
  [ "$(cat "$work/$target.status" 2>/dev/null || echo 1)" = 0 ] || failed=1
done
exit "$failed"
