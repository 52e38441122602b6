#!/usr/bin/env bash
# Runs every hardening suite of issue 15 (tests/hardening/) against the real `saksi` binary and
# prints a table: suite, size, cases, held, maxima of time and peak RSS, total time, outcomes.
#
#   bash scripts/harden.sh               the small (CI) sizes, a few minutes
#   bash scripts/harden.sh --full        the full sizes (10,000 tamper cases, 1,000 kills, ...)
#   bash scripts/harden.sh --full tamper   only the suites whose test name matches "tamper"
#   bash scripts/harden.sh --full corpus   only the signed hostile-bundle corpus (core unit tests)
#
# One suite's size can be set on its own: SAKSI_HARDEN_STORM, _TAMPER, _CRASH, _BUNDLE, _IOFAULTS, _UPGRADE
# (cases per syscall), e.g. `SAKSI_HARDEN_TAMPER=2000 bash scripts/harden.sh --full tamper`.
# The figures of the last full run are in docs/security-testing.md.
set -uo pipefail
cd "$(dirname "$0")/.."
export CARGO_TERM_COLOR="${CARGO_TERM_COLOR:-never}"

if [ "${1:-}" = "--full" ]; then
  export SAKSI_HARDEN=full
  shift
fi
report="$(mktemp -t saksi-harden-XXXXXX.txt)"
log="$(mktemp -t saksi-harden-XXXXXX.log)"
export SAKSI_HARDEN_REPORT="$report"
trap 'rm -f "$report"' EXIT

command -v strace >/dev/null || echo "harden: strace is missing: the no-network trace and I/O-fault suites will skip (apt-get install strace)" >&2

start=$(date +%s)
cargo test -p saksi-cli --test hardening -- --nocapture "$@" >"$log" 2>&1
status=$?
# The fuzzing suites (item 5) run in-process in the core's unit tests: with no filter, or one
# naming them (`bash scripts/harden.sh fuzz_`). AFL++ runs separately: scripts/fuzz.sh.
if [ $# -eq 0 ] || [[ "$*" == *fuzz* ]]; then
  cargo test -p saksi-core --lib fuzz_ -- --nocapture >>"$log" 2>&1 || status=1
elif [[ "$*" == *corpus* ]]; then
  # The signed hostile-bundle corpus (item 4; `bundle/corpus_tests.rs`), one of the fuzz suites.
  cargo test -p saksi-core --lib fuzz_corpus -- --nocapture >>"$log" 2>&1 || status=1
fi
took=$(( $(date +%s) - start ))

printf '\n%-20s %-4s %7s %7s %9s %11s %7s  %s\n' suite size cases held "max ms" "max RSS KiB" "total s" outcomes
sed -n 's/^HARDEN //p' "$report" | while read -r line; do
  declare -A f=()
  for kv in $line; do f[${kv%%=*}]="${kv#*=}"; done
  printf '%-20s %-4s %7s %7s %9s %11s %7s  %s\n' "${f[suite]}" "${f[size]}" "${f[cases]}" \
    "${f[held]}" "${f[max_ms]}" "${f[max_rss_kib]}" "${f[total_s]}" "${f[classes]//,/ }"
  unset f
done
echo
grep -E '^(test |test result|tamper: NOT HELD|.*SKIPPED)' "$log" | grep -v ' \.\.\. ok$' || true
echo "harden: ${took}s; full log: $log"
if [ "$status" -ne 0 ]; then
  echo "harden: FAILED: some suite did not hold (see the log above)" >&2
fi
exit "$status"
