#!/usr/bin/env bash
# The AWS SDK for Java v2 suite (tests/java, CBOR on as by default): builds kinesin, starts it
# on a free port, runs `mvn -q -B test` with KINESIN_ENDPOINT set, and stops kinesin on exit.
# Extra arguments go to Maven, e.g. `scripts/java-tests.sh -Dtest=SyncClientTest`.
set -euo pipefail

repo="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$repo"

for tool in cargo java mvn; do
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

"$bin" --port 0 >"$work/stdout" 2>"$work/stderr" </dev/null &
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

echo "==> mvn -q -B test in tests/java (KINESIN_ENDPOINT=$endpoint)"
rm -rf "$repo/tests/java/target/surefire-reports"
status=0
(cd "$repo/tests/java" && KINESIN_ENDPOINT="$endpoint" mvn -q -B test "$@") || status=$?
# One closing line from the Surefire reports ('N passed, N failed'), since -q prints none.
python3 - "$repo/tests/java/target/surefire-reports" <<'PY' || true
import glob, sys, xml.etree.ElementTree as ET
t = f = s = 0
for p in glob.glob(sys.argv[1] + "/TEST-*.xml"):
    r = ET.parse(p).getroot()
    t += int(r.get("tests", 0)); s += int(r.get("skipped", 0))
    f += int(r.get("failures", 0)) + int(r.get("errors", 0))
print(f"java: {t - f - s} passed, {f} failed" + (f", {s} skipped" if s else ""))
PY
if ((status != 0)); then
    echo "==> kinesin log (last 50 lines)" >&2
    tail -n 50 "$work/stderr" >&2 || true
fi
exit "$status"
