#!/usr/bin/env bash
# The AWS SDK for Java v2 suite (tests/java, CBOR on as by default): builds kinesin, starts it
# on a free port (plus a TLS port with ALPN h2/http1.1 when the binary has --tls-port), starts
# moto's server on a free port for the KCL's DynamoDB lease table, runs `mvn -q -B test` with
# KINESIN_ENDPOINT, KINESIN_TLS_ENDPOINT and KINESIN_DDB_ENDPOINT set, and stops both on exit.
# Extra arguments go to Maven, e.g. `scripts/java-tests.sh -Dtest=SyncClientTest`.
set -euo pipefail

# shellcheck source=lib/kinesin.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib/kinesin.sh"
cd "$repo"
require_tools cargo java mvn python3
kinesin_build

work="$(mktemp -d)"
pid=""
moto_pid=""
cleanup() {
    stop_pid "$pid"
    stop_pid "$moto_pid"
    rm -rf "$work"
}
trap cleanup EXIT INT TERM

# A TLS port (SubscribeToShard over HTTP/2, the KCL's enhanced fan-out) when this build has it;
# 0 picks a second free port, printed on the second listening line.
tls_args=()
if "$bin" --help 2>/dev/null | grep -q -- '--tls-port'; then
    tls_args=(--tls-port 0)
else
    echo "warning: $bin has no --tls-port: the tests that need KINESIN_TLS_ENDPOINT are skipped" >&2
fi
kinesin_start "$work" "${tls_args[@]}"

# moto's server for DynamoDB (the KCL's lease table); without it the KCL tests are skipped.
ddb_endpoint=""
if command -v moto_server >/dev/null 2>&1; then
    moto_server -H 127.0.0.1 -p 0 >"$work/moto.log" 2>&1 </dev/null &
    moto_pid=$!
    for _ in $(seq 1 300); do
        if [[ "$(cat "$work/moto.log" 2>/dev/null || true)" =~ Running\ on\ (http://[^[:space:]]+) ]]; then
            ddb_endpoint="${BASH_REMATCH[1]}"
            break
        fi
        if ! kill -0 "$moto_pid" 2>/dev/null; then
            echo "error: moto_server exited at start-up:" >&2
            cat "$work/moto.log" >&2
            exit 1
        fi
        sleep 0.1
    done
    if [[ -z "$ddb_endpoint" ]]; then
        echo "error: moto_server printed no 'Running on' line within 30 s" >&2
        cat "$work/moto.log" >&2
        exit 1
    fi
else
    echo "warning: moto_server is not on PATH (pip install 'moto[server]'): the KCL tests are skipped" >&2
fi

echo "==> mvn -q -B test in tests/java (KINESIN_ENDPOINT=$endpoint KINESIN_TLS_ENDPOINT=$tls_endpoint KINESIN_DDB_ENDPOINT=$ddb_endpoint)"
rm -rf "$repo/tests/java/target/surefire-reports"
status=0
(cd "$repo/tests/java" && KINESIN_ENDPOINT="$endpoint" KINESIN_TLS_ENDPOINT="$tls_endpoint" \
    KINESIN_DDB_ENDPOINT="$ddb_endpoint" mvn -q -B test "$@") || status=$?
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
