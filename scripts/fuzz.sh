#!/usr/bin/env bash
# Coverage-guided fuzzing of Saksi's readers with AFL++ through cargo-afl, on stable Rust
# (issue 15 item 5; the figures and what each target covers: docs/security-testing.md).
#
#   bash scripts/fuzz.sh                      every target for 60 s each
#   bash scripts/fuzz.sh 600                  every target for 10 minutes each
#   bash scripts/fuzz.sh 900 bundle_plain     one target (or several) for 15 minutes
#
# Installs what is missing: a C compiler and make (Debian's build-essential) and cargo-afl
# (crates.io; installing it builds AFL++ and its LLVM runtime, no clang needed). Builds the
# targets of fuzz/ with AFL's instrumentation, makes the fuzzing world and seed corpora
# (fuzz-setup: a monitor and an HQ vault, a real bundle, receipt, key file, records, a JPEG with
# EXIF, tests/data/media/*), runs afl-fuzz on each target for the given time, copies every crash
# or hang into tests/fuzz-regressions/<target>/ (replayed by `cargo test -p saksi-core fuzz_`) and
# prints one `HARDEN suite=afl_<target> …` line per target, as scripts/harden.sh does.
set -euo pipefail
cd "$(dirname "$0")/.."
root="$PWD"
secs="${1:-60}"
[ $# -gt 0 ] && shift
targets=("$@")
[ ${#targets[@]} -gt 0 ] || targets=(bundle_file bundle_plain receipt_file manifest record keyfile preview media)

if ! command -v cc >/dev/null || ! command -v make >/dev/null; then
  apt-get update && apt-get install -y build-essential
fi
if ! command -v cargo-afl >/dev/null; then
  nice cargo install --locked cargo-afl
fi
# Builds AFL++ if the install did not (an already built one is kept).
cargo afl config --build >/dev/null 2>&1 || true

cd fuzz
nice cargo afl build --release
./target/release/fuzz-setup
mkdir -p out
report="${SAKSI_HARDEN_REPORT:-/dev/null}"
for t in "${targets[@]}"; do
  rm -rf "out/$t"
  start=$(date +%s)
  # -t: an input running over 10 s is a hang; -m: over 2 GiB of address space is a crash.
  AFL_NO_UI=1 AFL_SKIP_CPUFREQ=1 AFL_NO_AFFINITY=1 AFL_I_DONT_CARE_ABOUT_MISSING_CRASHES=1 \
    nice cargo afl fuzz -V "$secs" -t 10000 -m 2048 -i "work/seeds/$t" -o "out/$t" \
    "target/release/$t" >"out/$t.log" 2>&1 || echo "fuzz: afl-fuzz $t exited $? (out/$t.log)" >&2
  took=$(( $(date +%s) - start ))
  rm -rf work/copies # each process's private copy of the vaults (fuzz/src/lib.rs)
  stats="out/$t/default/fuzzer_stats"
  # A target whose afl-fuzz failed has no stats file: report it with zeros and go on.
  field() { [ -f "$stats" ] || return 0; sed -n "s/^$1 *: *//p" "$stats" | head -1; }
  execs=$(field execs_done); crashes=$(field saved_crashes); hangs=$(field saved_hangs)
  slowest=$(field slowest_exec_ms); peak=$(field peak_rss_mb); edges=$(field edges_found)
  corpus=$(field corpus_count)
  execs=${execs:-0}; crashes=${crashes:-0}; hangs=${hangs:-0}
  mkdir -p "$root/tests/fuzz-regressions/$t"
  for f in "out/$t"/default/crashes/id:* "out/$t"/default/hangs/id:*; do
    [ -f "$f" ] || continue
    kind=$(basename "$(dirname "$f")")
    cp "$f" "$root/tests/fuzz-regressions/$t/afl-${kind%s}-$(sha256sum "$f" | cut -c1-12).bin"
  done
  line="HARDEN suite=afl_$t size=${secs}s cases=$execs held=$(( execs - crashes - hangs )) max_ms=${slowest:-?} max_rss_kib=$(( ${peak:-0} * 1024 )) total_s=$took classes=crashes:$crashes,hangs:$hangs,edges:${edges:-?},corpus:${corpus:-?}"
  echo "$line"
  echo "$line" >>"$report"
done
