#!/usr/bin/env python3
"""Instructions per request: runs kinesin under `valgrind --tool=callgrind` (collection off),
sets up a stream, a queue and a pipe between another pair, warms each operation up, then counts N sequential calls of
each of PutRecord, GetRecords, SendMessage, ReceiveMessage, a record through a pipe and a Firehose
PutRecordBatch of 500 records of 100 B (1 MiB / 1 s buffering, deliveries to S3 that run meanwhile
included; counted per record) (instrumentation switched on around them with callgrind_control) and
prints the instructions per call, all threads together, with the top inclusive functions. Instruction counts are repeatable whatever the machine's load,
unlike wall-clock figures.

Usage: scripts/callgrind-calls.py --bin target/release/kinesin [--calls 200] [--top 12] [--durable] [--only Firehose]
(--durable: the store in a fresh --data-dir, WAL with a sync per commit, instead of in memory)
Build with symbols for function names: CARGO_PROFILE_RELEASE_STRIP=none cargo build --release
"""
from __future__ import annotations

import argparse
import base64
import http.client
import json
import os
import re
import subprocess
import sys
import tempfile
import time

HEAD = {"Authorization": "AWS4-HMAC-SHA256 Credential=AKIDCALLGRIND/20260101/us-east-1/kinesis/aws4_request, "
                         "SignedHeaders=host, Signature=0", "X-Amz-Date": "20260101T000000Z"}


class Api:
    """One keep-alive connection speaking AWS JSON (Kinesis 1.1, SQS 1.0)."""

    def __init__(self, port: int):
        self.c = http.client.HTTPConnection("127.0.0.1", port, timeout=120)

    def call(self, target: str, body: dict, version: str = "1.1") -> dict:
        head = dict(HEAD, **{"X-Amz-Target": target, "Content-Type": f"application/x-amz-json-{version}"})
        if target.startswith("AmazonSQS."):
            head["Authorization"] = head["Authorization"].replace("/kinesis/", "/sqs/")
        if target.startswith("Firehose_"):
            head["Authorization"] = head["Authorization"].replace("/kinesis/", "/firehose/")
        self.c.request("POST", "/", json.dumps(body), head)
        r = self.c.getresponse()
        data = r.read()
        if r.status != 200:
            raise RuntimeError(f"{target}: HTTP {r.status} {data[:300]!r}")
        return json.loads(data or b"{}")


    def s3_put(self, path: str) -> None:
        head = dict(HEAD, **{"Content-Length": "0"})
        head["Authorization"] = head["Authorization"].replace("/kinesis/", "/s3/")
        self.c.request("PUT", path, b"", head)
        r = self.c.getresponse()
        data = r.read()
        if r.status != 200:
            raise RuntimeError(f"PUT {path}: HTTP {r.status} {data[:300]!r}")

    def pipes(self, path: str, body: dict) -> dict:
        head = dict(HEAD, **{"Content-Type": "application/json"})
        head["Authorization"] = head["Authorization"].replace("/kinesis/", "/pipes/")
        self.c.request("POST", path, json.dumps(body), head)
        r = self.c.getresponse()
        data = r.read()
        if r.status != 200:
            raise RuntimeError(f"POST {path}: HTTP {r.status} {data[:300]!r}")
        return json.loads(data or b"{}")


def start(binary: str, out: str, data_dir: str | None) -> tuple[subprocess.Popen, int]:
    cmd = ["valgrind", "--tool=callgrind", "--instr-atstart=no", f"--callgrind-out-file={out}",
           binary, "--port", "0", "--log-level", "warn", "--pipes-transition-ms", "0"]
    if data_dir:
        os.makedirs(data_dir, exist_ok=True)
        cmd += ["--data-dir", data_dir]
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
    line = proc.stdout.readline() if proc.stdout else ""
    m = re.search(r"listening on http://[^:]+:(\d+)", line)
    if not m:
        proc.kill()
        raise RuntimeError(f"kinesin did not start: {line!r}")
    return proc, int(m.group(1))


# Records per Firehose PutRecordBatch call (that case is counted per record).
FH_BATCH = 500


def ops(api: Api):
    """(label, one call) per measured operation, after setting up what they need."""
    api.call("Kinesis_20131202.CreateStream", {"StreamName": "cg", "ShardCount": 1})
    for _ in range(600):
        d = api.call("Kinesis_20131202.DescribeStreamSummary", {"StreamName": "cg"})
        if d["StreamDescriptionSummary"]["StreamStatus"] == "ACTIVE":
            break
        time.sleep(0.05)
    data = "eyJ0cnVjayI6IjAwMSIsInNlcSI6MTIzfQ=="  # 26 bytes of JSON, base64
    put = {"StreamName": "cg", "PartitionKey": "truck-001", "Data": data}
    shard = api.call("Kinesis_20131202.ListShards", {"StreamName": "cg"})["Shards"][0]["ShardId"]
    it = api.call("Kinesis_20131202.GetShardIterator",
                  {"StreamName": "cg", "ShardId": shard, "ShardIteratorType": "LATEST"})["ShardIterator"]
    state = {"it": it}

    def get_records():
        api.call("Kinesis_20131202.PutRecord", put)
        r = api.call("Kinesis_20131202.GetRecords", {"ShardIterator": state["it"], "Limit": 10})
        state["it"] = r["NextShardIterator"]

    url = api.call("AmazonSQS.CreateQueue", {"QueueName": "cg"}, "1.0")["QueueUrl"]
    send = {"QueueUrl": url, "MessageBody": '{"truck":"001","seq":123}'}

    def receive():
        api.call("AmazonSQS.SendMessage", send, "1.0")
        r = api.call("AmazonSQS.ReceiveMessage", {"QueueUrl": url, "MaxNumberOfMessages": 1}, "1.0")
        api.call("AmazonSQS.DeleteMessage", {"QueueUrl": url, "ReceiptHandle": r["Messages"][0]["ReceiptHandle"]},
                 "1.0")

    acct = "arn:aws:{}:us-east-1:000000000000:{}"
    api.call("Kinesis_20131202.CreateStream", {"StreamName": "cgpipe", "ShardCount": 1})
    for _ in range(600):
        d = api.call("Kinesis_20131202.DescribeStreamSummary", {"StreamName": "cgpipe"})
        if d["StreamDescriptionSummary"]["StreamStatus"] == "ACTIVE":
            break
        time.sleep(0.05)
    purl = api.call("AmazonSQS.CreateQueue", {"QueueName": "cgpipe"}, "1.0")["QueueUrl"]
    api.pipes("/v1/pipes/cgpipe", {
        "RoleArn": "arn:aws:iam::000000000000:role/cg", "Source": acct.format("kinesis", "stream/cgpipe"),
        "Target": acct.format("sqs", "cgpipe"),
        "SourceParameters": {"KinesisStreamParameters": {"StartingPosition": "LATEST", "BatchSize": 10}}})
    time.sleep(1)
    pput = dict(put, StreamName="cgpipe")

    def piped():
        api.call("Kinesis_20131202.PutRecord", pput)
        r = api.call("AmazonSQS.ReceiveMessage", {"QueueUrl": purl, "WaitTimeSeconds": 5}, "1.0")
        api.call("AmazonSQS.DeleteMessage", {"QueueUrl": purl, "ReceiptHandle": r["Messages"][0]["ReceiptHandle"]},
                 "1.0")

    api.s3_put("/cgfh")
    api.call("Firehose_20150804.CreateDeliveryStream", {
        "DeliveryStreamName": "cgfh", "DeliveryStreamType": "DirectPut",
        "ExtendedS3DestinationConfiguration": {
            "RoleARN": "arn:aws:iam::000000000000:role/cg", "BucketARN": "arn:aws:s3:::cgfh",
            "BufferingHints": {"SizeInMBs": 1, "IntervalInSeconds": 1}, "CompressionFormat": "UNCOMPRESSED"}})
    for _ in range(600):
        d = api.call("Firehose_20150804.DescribeDeliveryStream", {"DeliveryStreamName": "cgfh"})
        if d["DeliveryStreamDescription"]["DeliveryStreamStatus"] == "ACTIVE":
            break
        time.sleep(0.05)
    record = base64.b64encode(b"x" * 99 + b"\n").decode()
    fh_batch = {"DeliveryStreamName": "cgfh", "Records": [{"Data": record}] * FH_BATCH}

    return [
        ("PutRecord", lambda: api.call("Kinesis_20131202.PutRecord", put)),
        ("PutRecord + GetRecords", get_records),
        ("SendMessage", lambda: api.call("AmazonSQS.SendMessage", send, "1.0")),
        ("SendMessage + ReceiveMessage + DeleteMessage", receive),
        ("PutRecord -> pipe -> ReceiveMessage(wait) + DeleteMessage", piped),
        (f"Firehose PutRecordBatch ({FH_BATCH} x 100 B), per record",
         lambda: api.call("Firehose_20150804.PutRecordBatch", fh_batch)),
    ]


def control(pid: int, *args: str) -> None:
    subprocess.run(["callgrind_control", *args, str(pid)], check=True, stdout=subprocess.DEVNULL)


# Frames that only wrap others (threads, panics, closures' shims): left out of the top list.
WRAPPERS = ("PROGRAM TOTALS", "catch_unwind", "__rust_try", "do_call", "start_thread", "clone3", "thread_start",
            "call_once", "FnOnce")


def annotate(path: str, top: int) -> tuple[int, list[tuple[int, str]]]:
    out = subprocess.run(["callgrind_annotate", "--inclusive=yes", path], check=True, capture_output=True,
                         text=True).stdout
    total = int(re.search(r"^\s*([\d,]+)\s+(?:\([\d.]+%\)\s+)?PROGRAM TOTALS", out, re.M).group(1).replace(",", ""))
    rows = []
    for line in out.splitlines():
        m = re.match(r"^\s*([\d,]+)\s+(?:\([\d. ]+%\)\s+)?(\S+:\S.*)$", line)
        if m and not any(w in line for w in WRAPPERS):
            rows.append((int(m.group(1).replace(",", "")), m.group(2)))
    return total, rows[:top]


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--bin", required=True)
    ap.add_argument("--calls", type=int, default=200)
    ap.add_argument("--warmup", type=int, default=50)
    ap.add_argument("--top", type=int, default=12)
    ap.add_argument("--durable", action="store_true", help="a fresh --data-dir instead of the in-memory store")
    ap.add_argument("--only", help="measure only the operations whose label contains this text")
    a = ap.parse_args()
    tmp = tempfile.mkdtemp(prefix="callgrind-")
    proc, port = start(a.bin, os.path.join(tmp, "cg.out"), os.path.join(tmp, "data") if a.durable else None)
    results = {}
    try:
        api = Api(port)
        for label, fn in ops(api):
            if a.only and a.only not in label:
                continue
            per = a.calls * (FH_BATCH if label.startswith("Firehose") else 1)
            for _ in range(a.warmup):
                fn()
            control(proc.pid, "-z")
            control(proc.pid, "-i", "on")
            for _ in range(a.calls):
                fn()
            control(proc.pid, "-i", "off")
            control(proc.pid, "-d", re.sub(r"\W", "", label))
            dumps = sorted((f for f in os.listdir(tmp) if f.startswith("cg.out.")), key=lambda f: int(f.split(".")[-1]))
            total, rows = annotate(os.path.join(tmp, dumps[-1]), a.top)
            results[label] = total / per
            print(f"## {label}: {total / per:,.0f} instructions per call ({a.calls} calls)")
            for ir, fn_name in rows:
                print(f"  {ir / per:>12,.0f}  {fn_name[:150]}")
            sys.stdout.flush()
    finally:
        proc.terminate()
        proc.wait(timeout=60)
    print(json.dumps({k: round(v) for k, v in results.items()}))
    return 0


if __name__ == "__main__":
    sys.exit(main())
