#!/usr/bin/env bash
# Fuzz smoke: builds the cargo-fuzz targets in fuzz/ and runs each for a short, fixed number of
# runs over its committed seed corpus (fuzz/seeds/TARGET), so a decoder that crashes on a known
# input, or soon after, fails CI. Skips with a message when cargo-fuzz is not installed and cannot
# be (`cargo install cargo-fuzz`). The stable toolchain builds it with RUSTC_BOOTSTRAP=1.
# Long runs: `cargo fuzz run TARGET fuzz/corpus/TARGET fuzz/seeds/TARGET -- -max_total_time=600`.
# Usage: scripts/fuzz-smoke.sh [TARGET...]  (every target with seeds when none is named)
set -euo pipefail

repo="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$repo/fuzz"
runs="${KINESIN_FUZZ_RUNS:-500}"

if ! cargo fuzz --version >/dev/null 2>&1; then
    echo "==> installing cargo-fuzz (cargo install cargo-fuzz --locked)"
    if ! cargo install cargo-fuzz --locked </dev/null >/dev/null 2>&1; then
        echo "fuzz smoke: SKIPPED - cargo-fuzz is not installed and could not be installed" >&2
        exit 0
    fi
fi

export RUSTC_BOOTSTRAP=1
# No sanitizer: the targets are safe Rust (unsafe_code is forbidden in the crates); coverage
# instrumentation is what guides libFuzzer. A dev build without debug info: it compiles in a
# fraction of the optimized build's time, and a few hundred runs per target need no speed.
export CARGO_PROFILE_DEV_DEBUG=0
targets=("$@")
if [ ${#targets[@]} -eq 0 ]; then
    for seeds in seeds/*/; do targets+=("$(basename "$seeds")"); done
    cargo fuzz build -s none --dev
else
    for target in "${targets[@]}"; do cargo fuzz build -s none --dev "$target"; done
fi
failed=0
for target in "${targets[@]}"; do
    seeds="seeds/$target/"
    work="$(mktemp -d)"
    cp -r "$seeds". "$work/"
    if cargo fuzz run -s none --dev "$target" "$work" -- -runs="$runs" -timeout=20 -rss_limit_mb=2048 \
        >"$work.log" 2>&1; then
        echo "fuzz smoke: $target ok ($runs runs, $(ls "$seeds" | wc -l) seeds)"
    else
        echo "fuzz smoke: $target FAILED" >&2
        tail -40 "$work.log" >&2
        failed=1
    fi
    rm -rf "$work" "$work.log"
done
exit "$failed"
