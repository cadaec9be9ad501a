#!/usr/bin/env bash
# Benchmarks kinesin with the shared harness (../shared/bench/kbench.py), in memory and with
# --data-dir, and appends the medians with the date to BENCHMARKS.md.
#   scripts/bench.sh [--repeats N]        (default 3)
# Needs: the release binary (built here), python3; uses uvloop/orjson from .venv-bench if present.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
repeats=3
[ "${1:-}" = "--repeats" ] && repeats=$2
kbench=${KBENCH:-$root/../shared/bench/kbench.py}
[ -f "$kbench" ] || { echo "kbench.py not found at $kbench (set KBENCH)" >&2; exit 2; }
py=python3
if [ ! -x .venv-bench/bin/python ]; then
  python3 -m venv --system-site-packages .venv-bench >/dev/null 2>&1 \
    && .venv-bench/bin/pip install --quiet uvloop orjson >/dev/null 2>&1 || true
fi
[ -x .venv-bench/bin/python ] && py=.venv-bench/bin/python
bin=$(scripts/build-release.sh 2>/dev/null)
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT
port=$($py -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
ep=http://127.0.0.1:$port
common=(--endpoint "$ep" --repeats "$repeats" --put-records 50000 --batch 500 --size 100 --shards 4 --concurrency 4
        --startup-put-records 1000000)
$py "$kbench" suite "${common[@]}" --name memory --cmd "$bin --port {port} --log-level warn" --out "$out/memory.jsonl" >/dev/null
$py "$kbench" suite "${common[@]}" --name durable --cmd "$bin --port {port} --log-level warn --data-dir {tmpdir}" \
  --out "$out/durable.jsonl" >/dev/null
$py - "$out" "$root/BENCHMARKS.md" "$repeats" <<'PY'
import json, statistics, sys, datetime, platform, os
out, md, repeats = sys.argv[1], sys.argv[2], sys.argv[3]
def load(name):
    runs = {}
    for line in open(os.path.join(out, name + ".jsonl")):
        r = json.loads(line)
        runs.setdefault(r["cmd"], []).append(r)
    return runs
def med(runs, kind, key):
    vals = [r[key] for r in runs.get(kind, []) if isinstance(r.get(key), (int, float))]
    return statistics.median(vals) if vals else None
def f(v, digits=1):
    return "-" if v is None else (f"{v:,.0f}" if v >= 100 else f"{v:.{digits}f}" if digits else str(v))
rows = [
    ("PutRecords 50k x 100 B, 4 shards, 4 conns (records/s)", "put", "records_per_s", 0),
    ("PutRecords request p50 (ms)", "put", "lat_p50_ms", 2),
    ("sequential PutRecord (ops/s)", "putone", "ops_per_s", 0),
    ("sequential PutRecord p50 (ms)", "putone", "lat_p50_ms", 3),
    ("sequential PutRecord p99 (ms)", "putone", "lat_p99_ms", 3),
    ("read back from TRIM_HORIZON (records/s)", "get", "read_records_per_s", 0),
    ("put -> visible p50 (ms)", "e2e", "e2e_p50_ms", 3),
    ("put -> visible p99 (ms)", "e2e", "e2e_p99_ms", 3),
    ("start to first answer (ms)", "startup", "startup_ms", 1),
    ("idle RSS (MiB)", "startup", "rss_idle_mib", 1),
    ("RSS after 1M records (MiB)", "startup", "rss_after_put_mib", 1),
    ("peak RSS (MiB)", "startup", "rss_peak_mib", 1),
]
mem, dur = load("memory"), load("durable")
lines = [f"\n## {datetime.date.today().isoformat()} ({platform.machine()}, {os.cpu_count()} cores; median of {repeats}; kbench suite)\n",
         "| measure | in memory | `--data-dir` |", "|---|---|---|"]
for label, kind, key, d in rows:
    lines.append(f"| {label} | {f(med(mem, kind, key), d)} | {f(med(dur, kind, key), d)} |")
with open(md, "a") as fh:
    fh.write("\n".join(lines) + "\n")
print("\n".join(lines))
PY

# CBOR PutRecords beside JSON (same harness) and SubscribeToShard delivery, in memory.
"$bin" --port "$port" --log-level warn >/dev/null 2>&1 &
kpid=$!
for _ in $(seq 100); do curl -s "$ep/_kinesin/health" >/dev/null 2>&1 && break; sleep 0.05; done
efo=$($py "$root/scripts/bench-efo.py" --endpoint "$ep" --records 50000)
kill "$kpid"; wait "$kpid" 2>/dev/null || true
$py - "$efo" "$root/BENCHMARKS.md" <<'PY'
import json, sys
r, md = json.loads(sys.argv[1]), sys.argv[2]
lines = [
    "",
    "scripts/bench-efo.py (in memory; 50k x 100 B, 4 shards, 4 connections of Python http.client threads):",
    "",
    "| measure | value |",
    "|---|---|",
    f"| PutRecords over JSON, same harness (records/s) | {r['json_put_records_per_s']:,.0f} |",
    f"| PutRecords over CBOR (records/s) | {r['cbor_put_records_per_s']:,.0f} |",
    f"| SubscribeToShard delivery, 1 shard, burst of 50k (records/s) | {r['efo_records_per_s']:,.0f} |",
    f"| put -> SubscribeToShard event p50 / p99 (ms) | {r['efo_latency_p50_ms']} / {r['efo_latency_p99_ms']} |",
]
open(md, "a").write("\n".join(lines) + "\n")
print("\n".join(lines))
PY
