#!/usr/bin/env bash
# Reproduces every figure of BENCHMARKS.md: the criterion benches, then the
# command-line timings under /usr/bin/time -v (wall time and peak memory).
# Run from the repository root on an idle machine: other builds on the same
# cores change the figures by half or more.
set -euo pipefail
cd "$(dirname "$0")/.."
cargo build --release --locked
echo "== machine"
lscpu | grep -E "Model name|^CPU\(s\)" || true
free -g | head -2
rustc --version
cargo bench --locked --bench engine --bench run --bench sweep --bench fleet 2>&1 |
    grep -E "^[a-z].*/|time:|thrpt:"
keyloss=./target/release/keyloss
measure() {
    /usr/bin/time -v "$@" 2>&1 >/dev/null |
        grep -E "Elapsed|Maximum resident" | sed "s|^|  |"
}
echo "== sweep of 100,000 runs of scenario 01 on 2 cores, then on 1"
measure "$keyloss" sweep scenarios/01-rotation-without-update.ron --runs 100000 --jobs 2
measure "$keyloss" sweep scenarios/01-rotation-without-update.ron --runs 100000 --jobs 1
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
fleet=benches/scenarios/fleet-vault-deleted.ron
for count in 100000 300000; do
    first=$(printf "pg-%0${#count}d" 1)
    sed "s/count: 1000000/count: $count/; s/pg-0000001/$first/g" "$fleet" >"$tmp/fleet-$count.ron"
    echo "== vault deletion and recovery over $count servers (keyloss run)"
    measure "$keyloss" run "$tmp/fleet-$count.ron"
done
echo "== vault deletion and recovery over 1000000 servers (keyloss run), five times"
for _ in 1 2 3 4 5; do
    measure "$keyloss" run "$fleet"
done
