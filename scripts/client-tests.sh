#!/usr/bin/env bash
# The Go SDK v2 (tests/go) and JavaScript SDK v3 (tests/js) client suites: builds kinesin (debug),
# starts it on a free port with short CREATING/UPDATING/DELETING delays (so the SDK waiters and
# terraform-style status polling really poll), exports KINESIN_ENDPOINT, runs both suites, and
# stops kinesin on exit. Both suites always run; the exit status is nonzero if either fails.
set -euo pipefail

repo="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$repo"

for tool in cargo go node npm; do
    command -v "$tool" >/dev/null 2>&1 || { echo "error: $tool is not on PATH" >&2; exit 1; }
done

echo "==> cargo build --bin kinesin"
cargo build --bin kinesin

target_dir="${CARGO_TARGET_DIR:-$repo/target}"
case "$target_dir" in /*) ;; *) target_dir="$repo/$target_dir" ;; esac
bin="$target_dir/debug/kinesin"

work="$(mktemp -d)"
pid=""
cleanup() {
    if [[ -n "$pid" ]] && kill -0 "$pid" 2>/dev/null; then
        kill "$pid" 2>/dev/null || true
        wait "$pid" 2>/dev/null || true
    fi
    rm -rf "$work"
}
trap cleanup EXIT INT TERM

"$bin" --port 0 \
    --create-stream-delay-ms 200 --update-stream-delay-ms 200 --delete-stream-delay-ms 200 \
    >"$work/stdout" 2>"$work/stderr" </dev/null &
pid=$!

endpoint=""
for _ in $(seq 1 300); do
    line="$(head -n 1 "$work/stdout" 2>/dev/null || true)"
    if [[ "$line" =~ listening\ on\ (http://[^[:space:]]+) ]]; then
        endpoint="${BASH_REMATCH[1]}"
        break
    fi
    if ! kill -0 "$pid" 2>/dev/null; then
        echo "error: kinesin exited at start-up:" >&2
        cat "$work/stderr" >&2
        exit 1
    fi
    sleep 0.1
done
if [[ -z "$endpoint" ]]; then
    echo "error: kinesin printed no listening line within 30 s" >&2
    cat "$work/stderr" >&2
    exit 1
fi
export KINESIN_ENDPOINT="$endpoint"

status=0

echo "==> go test -count=1 ./... in tests/go (KINESIN_ENDPOINT=$endpoint)"
(cd "$repo/tests/go" && go test -count=1 -v ./...) >"$work/go.log" 2>&1 || status=$?
# The per-test lines (no RUN noise), then go test's own closing lines.
grep -v -E '^=== (RUN|PAUSE|CONT|NAME)' "$work/go.log" || true
if ((status != 0)); then
    echo "==> Go suite FAILED (exit $status)" >&2
fi

echo "==> npm ci && node --test in tests/js (KINESIN_ENDPOINT=$endpoint)"
js_status=0
(cd "$repo/tests/js" && npm ci --no-audit --no-fund && node --test) || js_status=$?
if ((js_status != 0)); then
    echo "==> JS suite FAILED (exit $js_status)" >&2
    status=$js_status
fi

if ((status != 0)); then
    echo "==> kinesin log (last 50 lines)" >&2
    tail -n 50 "$work/stderr" >&2 || true
fi
exit "$status"
