#!/usr/bin/env python3
"""Kinesis Data Analytics through the server: rows/s of three SQL applications and the
latency from a put to the output row being readable.

Throughput: N truck positions (100 trucks) are put into a source stream first; an
application then starts from TRIM_HORIZON and reads them through one pump into an output
stream. Rows/s is the input records read per second, from the application seen RUNNING to
the last record read, as the console API (/_kinesin/api/analytics/applications,
`recordsRead`) counts them (polled every 5 ms):
  filter      WHERE speed > 60 with UPPER and arithmetic (non-windowed)
  tumbling    GROUP BY truck_id, STEP(ROWTIME BY INTERVAL '10' SECOND): COUNT(*), AVG(speed)
  sliding     AVG(speed) OVER (PARTITION BY truck_id RANGE INTERVAL '10' SECOND PRECEDING)
Latency: the filter application reading from NOW; one PutRecord at a time, timed from the
start of the put call until a GetRecords poll of the output stream returns the row. Both
go over keep-alive connections speaking JSON 1.1 directly (not boto3, whose own cost was
half the figure); a bare PutRecord round trip is given for scale.

Usage: scripts/bench-analytics.py --bin target/release/kinesin [--rows 60000] [--md BENCHMARKS.md]
       scripts/bench-analytics.py --endpoint http://127.0.0.1:4566
"""
from __future__ import annotations

import argparse
import base64
import datetime
import http.client
import json
import random
import statistics
import sys
import time
import urllib.request
import uuid


import bench_server

REGION, ACCOUNT = "us-east-1", "000000000000"
ROLE = f"arn:aws:iam::{ACCOUNT}:role/bench"
TRUCKS = 100

SCHEMA = {
    "RecordFormat": {"RecordFormatType": "JSON", "MappingParameters": {"JSONMappingParameters": {"RecordRowPath": "$"}}},
    "RecordColumns": [
        {"Name": "truck_id", "Mapping": "$.truck_id", "SqlType": "VARCHAR(8)"},
        {"Name": "speed", "Mapping": "$.speed", "SqlType": "DOUBLE"},
        {"Name": "lat", "Mapping": "$.lat", "SqlType": "DOUBLE"},
        {"Name": "lon", "Mapping": "$.lon", "SqlType": "DOUBLE"},
    ],
}
APPS = {
    "filter": ("filter + projection (`WHERE speed > 60`, UPPER, arithmetic)",
               """CREATE OR REPLACE STREAM "DESTINATION_SQL_STREAM" (truck VARCHAR(8), kmh DOUBLE, lat DOUBLE);
CREATE OR REPLACE PUMP "P" AS INSERT INTO "DESTINATION_SQL_STREAM"
    SELECT STREAM UPPER(truck_id), speed * 1.609, lat FROM "SOURCE_SQL_STREAM_001" WHERE speed > 60;"""),
    "tumbling": ("tumbling `GROUP BY truck_id, STEP(ROWTIME BY INTERVAL '10' SECOND)`, COUNT + AVG",
                 """CREATE OR REPLACE STREAM "DESTINATION_SQL_STREAM" (truck VARCHAR(8), n INTEGER, avg_speed DOUBLE);
CREATE OR REPLACE PUMP "P" AS INSERT INTO "DESTINATION_SQL_STREAM"
    SELECT STREAM truck_id, COUNT(*), AVG(speed) FROM "SOURCE_SQL_STREAM_001"
    GROUP BY truck_id, STEP("SOURCE_SQL_STREAM_001".ROWTIME BY INTERVAL '10' SECOND);"""),
    "sliding": ("sliding `AVG(speed) OVER (PARTITION BY truck_id RANGE INTERVAL '10' SECOND PRECEDING)`",
                """CREATE OR REPLACE STREAM "DESTINATION_SQL_STREAM" (truck VARCHAR(8), avg_speed DOUBLE);
CREATE OR REPLACE PUMP "P" AS INSERT INTO "DESTINATION_SQL_STREAM"
    SELECT STREAM truck_id, AVG(speed) OVER (PARTITION BY truck_id RANGE INTERVAL '10' SECOND PRECEDING)
    FROM "SOURCE_SQL_STREAM_001";"""),
}


def client(endpoint: str, service: str):
    return bench_server.client(endpoint, service, "AKIDBENCHKDA")


start = bench_server.start


def position(rng: random.Random, i: int) -> bytes:
    doc = {"truck_id": f"T{i % TRUCKS:03d}", "speed": round(rng.uniform(20, 110), 1),
           "lat": round(rng.uniform(40, 50), 5), "lon": round(rng.uniform(-5, 10), 5)}
    return json.dumps(doc).encode()


def stream(k, name: str, shards: int) -> str:
    k.create_stream(StreamName=name, ShardCount=shards)
    k.get_waiter("stream_exists").wait(StreamName=name, WaiterConfig={"Delay": 0.2, "MaxAttempts": 150})
    return f"arn:aws:kinesis:{REGION}:{ACCOUNT}:stream/{name}"


def application(kda, k, code: str, position_name: str) -> tuple[str, str, str]:
    """An application over a new 2-shard source into a new output stream, started at
    `position_name`; returns (application, source, output)."""
    name = f"bench-{uuid.uuid4().hex[:6]}"
    src, out = stream(k, f"{name}-src", 2), stream(k, f"{name}-out", 1)
    kda.create_application(
        ApplicationName=name, ApplicationCode=code,
        Inputs=[{"NamePrefix": "SOURCE_SQL_STREAM", "InputSchema": SCHEMA,
                 "KinesisStreamsInput": {"ResourceARN": src, "RoleARN": ROLE}}],
        Outputs=[{"Name": "DESTINATION_SQL_STREAM", "DestinationSchema": {"RecordFormatType": "JSON"},
                  "KinesisStreamsOutput": {"ResourceARN": out, "RoleARN": ROLE}}])
    return name, f"{name}-src", f"{name}-out"


def run(kda, app: str, position_name: str) -> None:
    input_id = kda.describe_application(ApplicationName=app)["ApplicationDetail"]["InputDescriptions"][0]["InputId"]
    kda.start_application(ApplicationName=app, InputConfigurations=[
        {"Id": input_id, "InputStartingPositionConfiguration": {"InputStartingPosition": position_name}}])
    while kda.describe_application(ApplicationName=app)["ApplicationDetail"]["ApplicationStatus"] != "RUNNING":
        time.sleep(0.005)


def records_read(endpoint: str, app: str) -> int:
    with urllib.request.urlopen(f"{endpoint}/_kinesin/api/analytics/applications") as r:
        doc = json.load(r)
    return next((a["recordsRead"] for a in doc if a["name"] == app), 0)


def throughput(endpoint: str, kind: str, rows: int) -> float:
    kda, k = client(endpoint, "kinesisanalytics"), client(endpoint, "kinesis")
    app, src, _ = application(kda, k, APPS[kind][1], "TRIM_HORIZON")
    rng = random.Random(7)
    for base in range(0, rows, 500):
        batch = [{"Data": position(rng, i), "PartitionKey": f"T{i % TRUCKS:03d}"} for i in range(base, min(base + 500, rows))]
        assert k.put_records(StreamName=src, Records=batch)["FailedRecordCount"] == 0
    run(kda, app, "TRIM_HORIZON")
    t0 = time.monotonic()
    while True:
        n, now = records_read(endpoint, app), time.monotonic()
        if n >= rows:
            break
        if now > t0 + 600:
            raise RuntimeError(f"{kind}: {n}/{rows} records read after 600 s")
        time.sleep(0.005)
    kda.stop_application(ApplicationName=app)
    return n / (now - t0)


class Wire:
    """One keep-alive HTTP/1.1 connection speaking Kinesis's JSON 1.1 directly, so the latency
    probe measures the server rather than boto3 (the signature is of the right shape, not
    checked)."""

    def __init__(self, endpoint: str):
        host = endpoint.split("://", 1)[1].rstrip("/")
        self.conn = http.client.HTTPConnection(host, timeout=30)
        self.auth = f"AWS4-HMAC-SHA256 Credential=bench/20250101/{REGION}/kinesis/aws4_request, SignedHeaders=host;x-amz-date, Signature={'0' * 64}"

    def call(self, op: str, body: dict) -> dict:
        headers = {"Content-Type": "application/x-amz-json-1.1", "X-Amz-Target": f"Kinesis_20131202.{op}",
                   "X-Amz-Date": "20250101T000000Z", "Authorization": self.auth}
        self.conn.request("POST", "/", json.dumps(body).encode(), headers)
        r = self.conn.getresponse()
        out = json.loads(r.read() or b"{}")
        if r.status != 200:
            raise RuntimeError(f"{op}: {r.status} {out}")
        return out


def latency(endpoint: str, probes: int) -> tuple[list[float], list[float]]:
    kda, k = client(endpoint, "kinesisanalytics"), client(endpoint, "kinesis")
    app, src, out = application(kda, k, APPS["filter"][1], "NOW")
    run(kda, app, "NOW")
    it = k.get_shard_iterator(StreamName=out, ShardId="shardId-000000000000", ShardIteratorType="LATEST")["ShardIterator"]
    put, poll = Wire(endpoint), Wire(endpoint)
    rng = random.Random(11)
    lat, bare = [], []
    for i in range(probes):
        doc = json.dumps({"truck_id": f"T{i % TRUCKS:03d}", "speed": 80.0 + i % 20, "lat": rng.uniform(40, 50),
                          "lon": rng.uniform(-5, 10)}).encode()
        t0 = time.perf_counter()
        put.call("PutRecord", {"StreamName": src, "Data": base64.b64encode(doc).decode(), "PartitionKey": f"T{i % TRUCKS:03d}"})
        bare.append((time.perf_counter() - t0) * 1000)
        while True:
            got = poll.call("GetRecords", {"ShardIterator": it, "Limit": 10})
            it = got["NextShardIterator"]
            if got["Records"]:
                lat.append((time.perf_counter() - t0) * 1000)
                break
    kda.stop_application(ApplicationName=app)
    return lat, bare


def pct(values: list[float], p: float) -> float:
    s = sorted(values)
    return s[min(len(s) - 1, int(round(p / 100 * (len(s) - 1))))]


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--bin", help="kinesin binary to start (release build)")
    ap.add_argument("--endpoint", help="an already running kinesin")
    ap.add_argument("--rows", type=int, default=60_000, help="records per throughput run")
    ap.add_argument("--probes", type=int, default=300, help="latency probes")
    ap.add_argument("--md", help="append a dated section to this file (BENCHMARKS.md)")
    args = ap.parse_args()
    if not (args.bin or args.endpoint):
        ap.error("--bin or --endpoint")
    proc, endpoint = start(args.bin) if args.bin else (None, args.endpoint)
    try:
        rates = {kind: throughput(endpoint, kind, args.rows) for kind in APPS}
        lat, bare = latency(endpoint, args.probes)
    finally:
        if proc:
            proc.kill()
    lines = [f"| pump | rows/s |", "| --- | ---: |"]
    lines += [f"| {APPS[kind][0]} | {rate:,.0f} |" for kind, rate in rates.items()]
    lines += ["", "| put -> output visible (filter app, one record at a time) | p50 (ms) | p99 (ms) | mean (ms) |",
              "| --- | ---: | ---: | ---: |",
              f"| {args.probes} probes | {pct(lat, 50):.2f} | {pct(lat, 99):.2f} | {statistics.mean(lat):.2f} |",
              f"| bare PutRecord round trip (for scale) | {pct(bare, 50):.2f} | {pct(bare, 99):.2f} | {statistics.mean(bare):.2f} |"]
    table = "\n".join(lines)
    print(table)
    if args.md:
        with open(args.md, "a") as f:
            f.write(f"\n## {datetime.date.today()}: Kinesis Data Analytics through the server (scripts/bench-analytics.py)\n\n"
                    f"{args.rows:,} records of {TRUCKS} trucks per run, 2-shard source, boto3 in one process.\n\n{table}\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
