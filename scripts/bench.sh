#!/usr/bin/env bash
# Side-by-side with the reference tools, on the same file and machine: prints ratios, not
# absolute times (these machines are noisy). Needs hyperfine-free bash only; uses `age` and
# `sha256sum` (installed by scripts/setup.sh). Then runs `cargo bench -p saksi-core`.
#
#   saksi attach   vs  sha256sum + age -r (the work intake must do: hash, then encrypt)
#   saksi extract  vs  age -d
#   records and search at scale (benches/scale.rs) vs plain SQLite FTS5 trigram on the same data
#   export, import, batch import, intake and their peak memory (scripts/bench_io.py) vs
#   `tar c | age -r`, `age -d | tar x`, `openssl dgst` + `age -r` (+ `convert -thumbnail`)
#
#   scripts/bench.sh                  10,000 incidents + 10,000 testimonies + 1,000 persons
#   scripts/bench.sh --records 100000 HQ's scale (100k + 100k + 10k)
#   scripts/bench.sh --big            200k + 200k + 20k
#   scripts/bench.sh --smoke          CI: 1,000 records, 5 runs, a 16 MiB file, the I/O lines
#                                     at smoke size (16 MiB of photos, memory at 8 and 32 MiB)
#   scripts/bench.sh --io             only the I/O lines at full size (1 GiB of photos, memory at
#                                     128 MiB and 2 GiB, 50 bundles, a 512 MiB intake); scale
#                                     down with BENCH_IO_MIB, BENCH_MEM_MIB, ... (bench_io.py)
set -euo pipefail
cd "$(dirname "$0")/.."
records=10000
runs=21
io_only=0
while [ $# -gt 0 ]; do
    case "$1" in
        --smoke) records=1000; runs=5; export BENCH_MIB="${BENCH_MIB:-16}" BENCH_SMOKE=1 ;;
        --io) io_only=1 ;;
        --big) records=200000 ;;
        --records) records="$2"; shift ;;
        *) echo "usage: scripts/bench.sh [--smoke | --io | --big | --records N]" >&2; exit 2 ;;
    esac
    shift
done
cargo build --profile release -p saksi-cli --quiet
S="$PWD/target/release/saksi"
if [ "$io_only" = 1 ]; then
    SAKSI_BIN="$S" exec python3 scripts/bench_io.py
fi
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
export SAKSI_VAULT="$work/vault" SAKSI_PASSPHRASE="benchmark passphrase" SAKSI_KDF=minimum
size_mib="${BENCH_MIB:-512}"
head -c "$((size_mib * 1024 * 1024))" /dev/urandom > "$work/big.bin"
"$S" init >/dev/null
inc=$(echo '{"title":"bench"}' | "$S" incident add)
age-keygen -o "$work/id.txt" 2>/dev/null
rcp=$(age-keygen -y "$work/id.txt")

t() { local s e; s=$(date +%s.%N); "$@" >/dev/null; e=$(date +%s.%N); echo "$e - $s" | bc -l; }
best() { local b=999999 x; for _ in 1 2 3; do x=$(t "$@"); b=$(echo "if ($x < $b) $x else $b" | bc -l); done; echo "$b"; }

ref_in=$(best bash -c "sha256sum '$work/big.bin' >/dev/null && age -r '$rcp' -o '$work/ref.age' '$work/big.bin'")
saksi_in=$(best "$S" attach "$inc" "$work/big.bin")
att=$("$S" evidence list --json | python3 -c 'import json,sys; print(json.load(sys.stdin)[0]["id"])')
ref_out=$(best bash -c "age -d -i '$work/id.txt' '$work/ref.age' > '$work/ref.out'")
rm -f "$work/out.bin"
saksi_out=$(best bash -c "rm -f '$work/out.bin'; '$S' evidence extract '$att' --out '$work/out.bin' 2>/dev/null")
printf 'file: %s MiB of random bytes\n' "$size_mib"
printf 'intake  saksi attach / (sha256sum + age -r): %.2fx\n' "$(echo "$saksi_in / $ref_in" | bc -l)"
printf 'extract saksi evidence extract / age -d:     %.2fx  (saksi also re-hashes and logs)\n' "$(echo "$saksi_out / $ref_out" | bc -l)"
SAKSI_BIN="$S" python3 scripts/bench_io.py
cargo bench -p saksi-core --bench core
BENCH_RECORDS="$records" BENCH_RUNS="$runs" cargo bench -p saksi-core --bench scale
