#!/usr/bin/env python3
"""Soak test: mixed load on real time against one durable kinesin, sampling RSS, disk and p99.

Usage: scripts/soak.py [--minutes 60] [--out soak.jsonl] [--bin target/debug/kinesin]

Load (every client is boto3, every address loopback, every loop bounded by the deadline):
- Kinesis: PutRecords and PutRecord to a stream, a GetRecords reader; the stream is replaced
  by a new one every `--rotate-minutes` (kinesis retention is 24 h at least, so deleting
  streams is what trims its data within an hour);
- SQS: a standard queue (send batch, receive, delete) and a FIFO queue, plus a queue nobody
  reads whose MessageRetentionPeriod of 60 s trims it;
- Firehose: PutRecordBatch to a delivery stream buffered to S3 (60 s); a cleaner deletes
  delivered objects older than two minutes;
- Pipes: a pipe from a stream to a queue, drained by a reader.

Every `--sample-seconds` a line goes to `--out`: RSS (VmRSS of the server), size of the data
directory, and per operation the count and p99 latency of that window. The last line is a
summary (`"summary": true`) with first/last/max RSS and disk and the overall p99s.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import sys
import tempfile
import threading
import time
from collections import defaultdict
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "tests" / "e2e"))

import boto3  # noqa: E402
from botocore.config import Config  # noqa: E402

ROLE = "arn:aws:iam::000000000000:role/soak"
REGION = "us-east-1"
ACCOUNT = "000000000000"


class Latencies:
    """Per-operation latencies of the current window and of the whole run."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.window: dict[str, list[float]] = defaultdict(list)
        self.total: dict[str, list[float]] = defaultdict(list)
        self.errors: dict[str, int] = defaultdict(int)

    def timed(self, op: str, fn, *args, **kw):
        t0 = time.monotonic()
        try:
            return fn(*args, **kw)
        except Exception:  # noqa: BLE001 - an error is counted, the load goes on
            with self.lock:
                self.errors[op] += 1
            return None
        finally:
            ms = (time.monotonic() - t0) * 1000
            with self.lock:
                self.window[op].append(ms)
                self.total[op].append(ms)

    def take_window(self) -> dict[str, list[float]]:
        with self.lock:
            w, self.window = self.window, defaultdict(list)
        return w


def p99(xs: list[float]) -> float:
    if not xs:
        return 0.0
    s = sorted(xs)
    return round(s[min(len(s) - 1, int(len(s) * 0.99))], 2)


def client(endpoint: str, service: str):
    return boto3.session.Session(
        aws_access_key_id="AKIDSOAK", aws_secret_access_key="soak", region_name=REGION
    ).client(service, endpoint_url=endpoint, config=Config(retries={"total_max_attempts": 2}, read_timeout=30))


def rss_kb(pid: int) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1])
    return 0


def disk_bytes(path: Path) -> int:
    return sum(f.stat().st_size for f in path.rglob("*") if f.is_file())


def kinesis_load(endpoint: str, lat: Latencies, stop: threading.Event, rotate_s: float) -> None:
    k = client(endpoint, "kinesis")
    n = 0
    while not stop.is_set():
        name = f"soak-{n}"
        n += 1
        k.create_stream(StreamName=name, ShardCount=2)
        k.get_waiter("stream_exists").wait(StreamName=name, WaiterConfig={"Delay": 0.2, "MaxAttempts": 100})
        shard = k.list_shards(StreamName=name)["Shards"][0]["ShardId"]
        it = k.get_shard_iterator(StreamName=name, ShardId=shard, ShardIteratorType="TRIM_HORIZON")["ShardIterator"]
        until = time.monotonic() + rotate_s
        i = 0
        while not stop.is_set() and time.monotonic() < until:
            recs = [{"Data": os.urandom(150), "PartitionKey": f"pk{(i + j) % 16}"} for j in range(20)]
            lat.timed("kinesis.PutRecords", k.put_records, StreamName=name, Records=recs)
            lat.timed("kinesis.PutRecord", k.put_record, StreamName=name, Data=b"x" * 100, PartitionKey=f"p{i}")
            out = lat.timed("kinesis.GetRecords", k.get_records, ShardIterator=it, Limit=1000)
            if out and out.get("NextShardIterator"):
                it = out["NextShardIterator"]
            i += 1
            stop.wait(0.1)
        lat.timed("kinesis.DeleteStream", k.delete_stream, StreamName=name, EnforceConsumerDeletion=True)


def sqs_load(endpoint: str, lat: Latencies, stop: threading.Event, fifo: bool) -> None:
    q = client(endpoint, "sqs")
    attrs = {"FifoQueue": "true", "ContentBasedDeduplication": "true"} if fifo else {}
    url = q.create_queue(QueueName="soak-fifo.fifo" if fifo else "soak-std", Attributes=attrs)["QueueUrl"]
    trimmed = q.create_queue(QueueName=f"soak-unread{'-f' if fifo else ''}", Attributes={"MessageRetentionPeriod": "60"})[
        "QueueUrl"
    ]
    op = "sqs.fifo" if fifo else "sqs.std"
    i = 0
    while not stop.is_set():
        entries = [{"Id": str(j), "MessageBody": f"m{i}-{j}-" + "y" * 200} for j in range(10)]
        if fifo:
            for e in entries:
                e["MessageGroupId"] = f"g{int(e['Id']) % 3}"
        lat.timed(f"{op}.SendMessageBatch", q.send_message_batch, QueueUrl=url, Entries=entries)
        lat.timed(f"{op}.SendMessage(unread)", q.send_message, QueueUrl=trimmed, MessageBody="z" * 300)
        got = lat.timed(f"{op}.ReceiveMessage", q.receive_message, QueueUrl=url, MaxNumberOfMessages=10, WaitTimeSeconds=1)
        msgs = (got or {}).get("Messages", [])
        if msgs:
            dels = [{"Id": str(j), "ReceiptHandle": m["ReceiptHandle"]} for j, m in enumerate(msgs)]
            lat.timed(f"{op}.DeleteMessageBatch", q.delete_message_batch, QueueUrl=url, Entries=dels)
        i += 1
        stop.wait(0.1)


def firehose_load(endpoint: str, lat: Latencies, stop: threading.Event) -> None:
    fh, s3 = client(endpoint, "firehose"), client(endpoint, "s3")
    s3.create_bucket(Bucket="soak-bucket")
    fh.create_delivery_stream(
        DeliveryStreamName="soak-fh",
        ExtendedS3DestinationConfiguration={
            "RoleARN": ROLE,
            "BucketARN": "arn:aws:s3:::soak-bucket",
            "BufferingHints": {"SizeInMBs": 1, "IntervalInSeconds": 60},
        },
    )
    last_clean = time.monotonic()
    i = 0
    while not stop.is_set():
        recs = [{"Data": f'{{"i":{i},"j":{j},"pad":"{"q" * 150}"}}\n'.encode()} for j in range(25)]
        lat.timed("firehose.PutRecordBatch", fh.put_record_batch, DeliveryStreamName="soak-fh", Records=recs)
        if time.monotonic() - last_clean > 60:
            last_clean = time.monotonic()
            clean_bucket(s3, lat)
        i += 1
        stop.wait(0.2)


def clean_bucket(s3, lat: Latencies) -> None:
    """Deletes delivered objects older than two minutes (what a lifecycle rule would do)."""
    cutoff = time.time() - 120
    out = lat.timed("s3.ListObjectsV2", s3.list_objects_v2, Bucket="soak-bucket", MaxKeys=1000)
    old = [o["Key"] for o in (out or {}).get("Contents", []) if o["LastModified"].timestamp() < cutoff]
    for i in range(0, len(old), 1000):
        objs = [{"Key": k} for k in old[i : i + 1000]]
        lat.timed("s3.DeleteObjects", s3.delete_objects, Bucket="soak-bucket", Delete={"Objects": objs})


def pipes_load(endpoint: str, lat: Latencies, stop: threading.Event) -> None:
    k, q, p = client(endpoint, "kinesis"), client(endpoint, "sqs"), client(endpoint, "pipes")
    k.create_stream(StreamName="soak-pipe-src", ShardCount=1)
    k.get_waiter("stream_exists").wait(StreamName="soak-pipe-src", WaiterConfig={"Delay": 0.2, "MaxAttempts": 100})
    url = q.create_queue(QueueName="soak-pipe-target")["QueueUrl"]
    p.create_pipe(
        Name="soak-pipe",
        Source=f"arn:aws:kinesis:{REGION}:{ACCOUNT}:stream/soak-pipe-src",
        Target=f"arn:aws:sqs:{REGION}:{ACCOUNT}:soak-pipe-target",
        RoleArn=ROLE,
        SourceParameters={"KinesisStreamParameters": {"StartingPosition": "LATEST"}},
    )
    i = 0
    while not stop.is_set():
        recs = [{"Data": f'{{"n":{i * 5 + j}}}'.encode(), "PartitionKey": str(j)} for j in range(5)]
        lat.timed("pipes.source.PutRecords", k.put_records, StreamName="soak-pipe-src", Records=recs)
        got = lat.timed("pipes.target.ReceiveMessage", q.receive_message, QueueUrl=url, MaxNumberOfMessages=10, WaitTimeSeconds=1)
        msgs = (got or {}).get("Messages", [])
        if msgs:
            dels = [{"Id": str(j), "ReceiptHandle": m["ReceiptHandle"]} for j, m in enumerate(msgs)]
            lat.timed("pipes.target.DeleteMessageBatch", q.delete_message_batch, QueueUrl=url, Entries=dels)
        i += 1
        stop.wait(0.2)


def guarded(fn, *args) -> threading.Thread:
    def run() -> None:
        try:
            fn(*args)
        except Exception as e:  # noqa: BLE001 - reported, the sampler keeps going
            print(f"soak: {fn.__name__} stopped: {e!r}", file=sys.stderr, flush=True)

    t = threading.Thread(target=run, daemon=True, name=fn.__name__)
    t.start()
    return t


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--minutes", type=float, default=60)
    ap.add_argument("--sample-seconds", type=float, default=30)
    ap.add_argument("--rotate-minutes", type=float, default=10)
    ap.add_argument("--out", default="soak.jsonl")
    ap.add_argument("--bin", default=os.environ.get("KINESIN_BIN", str(REPO / "target" / "debug" / "kinesin")))
    args = ap.parse_args()
    os.environ["KINESIN_BIN"] = str(Path(args.bin).resolve())
    import conftest  # noqa: E402 - reads KINESIN_BIN

    data_dir = Path(tempfile.mkdtemp(prefix="kinesin-soak-"))
    server = conftest.Server(["--data-dir", str(data_dir / "store")], data_dir / "logs")
    lat, stop = Latencies(), threading.Event()
    threads = [
        guarded(kinesis_load, server.endpoint, lat, stop, args.rotate_minutes * 60),
        guarded(sqs_load, server.endpoint, lat, stop, False),
        guarded(sqs_load, server.endpoint, lat, stop, True),
        guarded(firehose_load, server.endpoint, lat, stop),
        guarded(pipes_load, server.endpoint, lat, stop),
    ]
    samples = []
    start = time.monotonic()
    deadline = start + args.minutes * 60
    with open(args.out, "w") as out:
        while time.monotonic() < deadline and server.alive():
            time.sleep(min(args.sample_seconds, max(0.0, deadline - time.monotonic())))
            w = lat.take_window()
            s = {
                "t_s": round(time.monotonic() - start),
                "rss_kb": rss_kb(server.proc.pid) if server.alive() else 0,
                "disk_bytes": disk_bytes(data_dir / "store"),
                "ops": {op: {"n": len(v), "p99_ms": p99(v)} for op, v in sorted(w.items())},
            }
            samples.append(s)
            out.write(json.dumps(s) + "\n")
            out.flush()
        stop.set()
        for t in threads:
            t.join(timeout=30)
        alive = server.alive()
        summary = {
            "summary": True,
            "minutes": args.minutes,
            "server_alive_at_end": alive,
            "rss_kb": {"first": samples[0]["rss_kb"], "last": samples[-1]["rss_kb"], "max": max(x["rss_kb"] for x in samples)}
            if samples
            else {},
            "disk_bytes": {
                "first": samples[0]["disk_bytes"],
                "last": samples[-1]["disk_bytes"],
                "max": max(x["disk_bytes"] for x in samples),
            }
            if samples
            else {},
            "requests": sum(len(v) for v in lat.total.values()),
            "errors": dict(lat.errors),
            "p99_ms": {op: p99(v) for op, v in sorted(lat.total.items())},
        }
        out.write(json.dumps(summary) + "\n")
    server.stop()
    shutil.rmtree(data_dir, ignore_errors=True)
    print(json.dumps(summary, indent=1))
    return 0 if alive and not summary["errors"] else 1


if __name__ == "__main__":
    sys.exit(main())
