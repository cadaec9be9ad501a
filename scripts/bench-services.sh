#!/usr/bin/env bash
# SQS FIFO and Firehose, kinesin side by side with moto's server and (SQS only) ElasticMQ in the
# same run, with the shared harness (../shared/bench/kbench.py suite --only sqs-fifo firehose),
# then the truck pipeline latency (scripts/bench-trucks.py; kinesin only, the peers have no Pipes
# engine). ElasticMQ comes from Maven Central (scripts/lib/elasticmq.sh; needs java and mvn);
# without them its column stays empty.
# Appends dated tables to BENCHMARKS.md.   scripts/bench-services.sh [--repeats N]   (default 1)
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
repeats=1
[ "${1:-}" = "--repeats" ] && repeats=$2
kbench=${KBENCH:-$root/../shared/bench/kbench.py}
py=python3
[ -x .venv-bench/bin/python ] && py=.venv-bench/bin/python
bin=$(scripts/build-release.sh 2>/dev/null)
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT
port=$($py -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
common=(--endpoint "http://127.0.0.1:$port" --repeats "$repeats" --only sqs-fifo firehose --max-seconds 20)
$py "$kbench" suite "${common[@]}" --name kinesin --cmd "$bin --port {port} --log-level warn" --out "$out/kinesin.jsonl" >/dev/null || true
$py "$kbench" suite "${common[@]}" --name moto --cmd "moto_server -H 127.0.0.1 -p {port}" --out "$out/moto.jsonl" >/dev/null || true
if emq=$(scripts/lib/elasticmq.sh); then
  # The JVM takes seconds (tens on a loaded machine) to answer: a longer start bound.
  $py "$kbench" suite --endpoint "http://127.0.0.1:$port" --repeats "$repeats" --only sqs-fifo --max-seconds 20 \
    --start-timeout 180 --name elasticmq --cmd "$emq" --out "$out/elasticmq.jsonl" >/dev/null || true
fi
$py - "$out" "$root/BENCHMARKS.md" <<'PY'
import datetime, json, os, statistics, sys
out, md = sys.argv[1], sys.argv[2]
def load(name):
    runs = {}
    path = os.path.join(out, name + ".jsonl")
    for line in open(path) if os.path.exists(path) else []:
        r = json.loads(line)
        runs.setdefault(r["cmd"], []).append(r)
    return runs
k, m, e = load("kinesin"), load("moto"), load("elasticmq")
def med(runs, kind, key):
    vals = [r[key] for r in runs.get(kind, []) if isinstance(r.get(key), (int, float))]
    return statistics.median(vals) if vals else None
def f(v):
    return "-" if v is None else (f"{v:,.0f}" if v >= 100 else f"{v:.2f}")
def ratio(a, b, higher_better=True):
    if a is None or b is None or a == 0 or b == 0:
        return "-"
    return f"{(a / b if higher_better else b / a):,.1f}x"
rows = [
    ("SQS FIFO batch send (msgs/s)", "sqs-fifo", "send_msgs_per_s", True),
    ("SQS FIFO receive+delete (msgs/s)", "sqs-fifo", "recv_msgs_per_s", True),
    ("SQS FIFO batch send p50 (ms)", "sqs-fifo", "send_p50_ms", False),
    ("SQS FIFO single send (msgs/s)", "sqs-fifo-single", "send_msgs_per_s", True),
    ("SQS FIFO single receive+delete (msgs/s)", "sqs-fifo-single", "recv_msgs_per_s", True),
    ("SQS FIFO single send p50 (ms)", "sqs-fifo-single", "send_p50_ms", False),
    ("SQS long-poll wake-up p50 (ms)", "sqs-longpoll", "wake_p50_ms", False),
    ("Firehose PutRecordBatch (records/s), interval 0", "firehose-i0", "records_per_s", True),
    ("Firehose PutRecordBatch request p50 (ms), interval 0", "firehose-i0", "lat_p50_ms", False),
    ("Firehose last put -> object listed (ms), interval 0", "firehose-i0", "put_to_visible_ms", False),
    ("Firehose PutRecordBatch (records/s), 1 s buffering", "firehose-i1", "records_per_s", True),
    ("Firehose PutRecordBatch request p50 (ms), 1 s buffering", "firehose-i1", "lat_p50_ms", False),
    ("Firehose last put -> object listed (ms), 1 s buffering (moto ignores buffering)", "firehose-i1",
     "put_to_visible_ms", False),
]
lines = [f"\n## {datetime.date.today().isoformat()}: SQS FIFO and Firehose beside moto's server and ElasticMQ "
         "(kbench suite --only sqs-fifo firehose)\n",
         "| measure | kinesin | moto | kinesin vs moto | ElasticMQ | kinesin vs ElasticMQ |",
         "|---|---|---|---|---|---|"]
for label, kind, key, hb in rows:
    a, b, c = med(k, kind, key), med(m, kind, key), med(e, kind, key)
    lines.append(f"| {label} | {f(a)} | {f(b)} | {ratio(a, b, hb)} | {f(c)} | {ratio(a, c, hb)} |")
checks = {kind: [(r.get("verified"), r.get("violations") or r.get("missing")) for r in runs] for kind, runs in k.items()}
lines.append(f"\nkinesin's verification per run (verified, violations/missing): {json.dumps(checks)}")
open(md, "a").write("\n".join(lines) + "\n")
print("\n".join(lines))
PY
$py "$root/scripts/bench-trucks.py" --bin "$bin" --md "$root/BENCHMARKS.md" || echo "bench-trucks failed" >&2
