#!/usr/bin/env bash
# The one test command: build, Rust tests, then the end-to-end client suite (boto3, AWS CLI,
# crash/restart, bad input, TLS, SubscribeToShard) against the freshly built debug binary, then the
# Go SDK v2, JS SDK v3, Java SDK v2 and KCL suites. Works from any directory.
# Extra arguments go to pytest, e.g. `scripts/test.sh -x -k crash`.
set -euo pipefail

repo="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$repo"

echo "==> cargo build --workspace"
cargo build --workspace

echo "==> cargo fmt --check, cargo clippy -D warnings"
cargo fmt --all -- --check
cargo clippy --workspace --all-targets -- -D warnings

echo "==> cargo test --workspace"
cargo test --workspace

echo "==> fuzz smoke: each fuzz target over its seed corpus (scripts/fuzz-smoke.sh)"
"$repo/scripts/fuzz-smoke.sh" </dev/null

target_dir="${CARGO_TARGET_DIR:-$repo/target}"
case "$target_dir" in /*) ;; *) target_dir="$repo/$target_dir" ;; esac
export KINESIN_BIN="$target_dir/debug/kinesin"
if [[ ! -x "$KINESIN_BIN" ]]; then
    echo "error: $KINESIN_BIN was not built" >&2
    exit 1
fi

echo "==> python3 -m pytest tests/e2e (KINESIN_BIN=$KINESIN_BIN)"
python3 -m pytest "$repo/tests/e2e" -q -p no:cacheprovider "$@"

echo "==> Go SDK v2 and JS SDK v3 suites (scripts/client-tests.sh)"
"$repo/scripts/client-tests.sh" </dev/null

echo "==> Java SDK v2 (CBOR, HTTP/2 over TLS) and KCL suites (scripts/java-tests.sh)"
"$repo/scripts/java-tests.sh" </dev/null
