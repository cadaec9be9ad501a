#!/usr/bin/env bash
# The Go SDK v2 (tests/go) and JavaScript SDK v3 (tests/js) client suites: builds kinesin (debug),
# starts it on a free port with short CREATING/UPDATING/DELETING delays (so the SDK waiters and
# terraform-style status polling really poll), exports KINESIN_ENDPOINT, runs both suites, and
# stops kinesin on exit. Both suites always run; the exit status is nonzero if either fails.
set -euo pipefail

# shellcheck source=lib/kinesin.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib/kinesin.sh"
cd "$repo"
require_tools cargo go node npm
kinesin_build

work="$(mktemp -d)"
pid=""
cleanup() {
    stop_pid "$pid"
    rm -rf "$work"
}
trap cleanup EXIT INT TERM

kinesin_start "$work" --create-stream-delay-ms 200 --update-stream-delay-ms 200 --delete-stream-delay-ms 200
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
