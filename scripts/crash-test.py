#!/usr/bin/env python3
"""kill -9 harness: writers on every service, SIGKILL at a random moment, restart on the same
data directory, and check that what was acknowledged is exactly what is stored.

Usage: scripts/crash-test.py [--cycles 100] [--seed N] [--bin target/debug/kinesin] [--out FILE]

Each cycle runs, concurrently and through boto3 on loopback:
- Kinesis: PutRecord/PutRecords writers (the ledger and checks of tests/e2e/test_crash.py:
  every acknowledged record stored once, with its shard and sequence number, in order per
  partition key, nothing that was never sent);
- SQS FIFO: SendMessage/SendMessageBatch into 4 message groups; after each restart every
  message is received and deleted: each acknowledged message exactly once, in order per group,
  nothing never sent;
- Firehose to S3 (`--firehose-interval-override-secs 1`): PutRecordBatch; every acknowledged
  record is delivered to the bucket exactly once, in order within an object;
- Pipes: a pipe from a Kinesis stream to an SQS queue; every acknowledged source record
  arrives in the queue once, nothing never sent.
The server is killed after a random 0.3-2.5 s of load. Requests in flight at the kill are
"unknown": they may or may not be stored, but at most once.

Exit status 0 when every cycle verified; the figures go to stdout (and --out as JSON).
"""

from __future__ import annotations

import argparse
import json
import os
import random
import sys
import tempfile
import threading
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "tests" / "e2e"))

from botocore.exceptions import BotoCoreError, ClientError  # noqa: E402

FH_NAME, BUCKET, PIPE_SRC, PIPE_QUEUE, FIFO = "crash-fh", "crash-bucket", "crash-pipe-src", "crash-pipe-q", "crash.fifo"
ROLE = "arn:aws:iam::000000000000:role/crash"
ARN = "arn:aws:{}:us-east-1:000000000000:{}"
GROUPS = 4


def clients(endpoint: str):
    import boto3
    from botocore.config import Config

    s = boto3.session.Session(aws_access_key_id="AKIDCRASH", aws_secret_access_key="x", region_name="us-east-1")
    cfg = Config(retries={"total_max_attempts": 1}, read_timeout=20, connect_timeout=3, tcp_keepalive=False)
    return {svc: s.client(svc, endpoint_url=endpoint, config=cfg) for svc in ("kinesis", "sqs", "firehose", "s3", "pipes")}


class Book:
    """Acknowledged, unknown (in flight at a kill) and rejected writes of one service."""

    def __init__(self) -> None:
        self.acked: set[str] = set()
        self.unknown: set[str] = set()
        self.rejected: list[str] = []
        self.seen: dict[str, int] = {}  # consumed so far (SQS and pipes: received and deleted)
        self.n = 0
        self.lock = threading.Lock()

    def next(self, k: int) -> list[int]:
        with self.lock:
            out = list(range(self.n, self.n + k))
            self.n += k
            return out

    def outcome(self, keys: list[str], ok: list[bool] | None, err: Exception | None, stop: threading.Event) -> None:
        with self.lock:
            if err is not None:
                self.unknown.update(keys)
                if not stop.is_set():
                    self.rejected.append(f"{type(err).__name__}: {err}")
                return
            for k, good in zip(keys, ok or []):
                if good:
                    self.acked.add(k)
                else:
                    self.rejected.append(f"{k} refused")


def loop(stop: threading.Event, book: Book, step) -> None:
    """Calls `step` until the server dies (an exception) or `stop` is set; bounded to 60 s."""
    deadline = time.monotonic() + 60
    while not stop.is_set() and time.monotonic() < deadline:
        try:
            step()
        except (BotoCoreError, ClientError):
            return


def fifo_writer(c, url: str, book: Book, stop: threading.Event) -> None:
    def step() -> None:
        ns = book.next(5)
        keys = [f"g{n % GROUPS}:{n}" for n in ns]
        try:
            if ns[0] % 2:
                entries = [
                    {"Id": str(i), "MessageBody": k, "MessageGroupId": k.split(":")[0], "MessageDeduplicationId": k}
                    for i, k in enumerate(keys)
                ]
                out = c["sqs"].send_message_batch(QueueUrl=url, Entries=entries)
                good = {int(e["Id"]) for e in out.get("Successful", [])}
                book.outcome(keys, [i in good for i in range(len(keys))], None, stop)
            else:
                for k in keys:
                    c["sqs"].send_message(QueueUrl=url, MessageBody=k, MessageGroupId=k.split(":")[0], MessageDeduplicationId=k)
                    book.outcome([k], [True], None, stop)
        except (BotoCoreError, ClientError) as e:
            book.outcome([k for k in keys if k not in book.acked], None, e, stop)
            raise

    loop(stop, book, step)


def firehose_writer(c, book: Book, stop: threading.Event) -> None:
    def step() -> None:
        keys = [f"f:{n}" for n in book.next(20)]
        try:
            out = c["firehose"].put_record_batch(DeliveryStreamName=FH_NAME, Records=[{"Data": (k + "\n").encode()} for k in keys])
            book.outcome(keys, ["ErrorCode" not in r for r in out["RequestResponses"]], None, stop)
        except (BotoCoreError, ClientError) as e:
            book.outcome(keys, None, e, stop)
            raise

    loop(stop, book, step)


def pipe_writer(c, book: Book, stop: threading.Event) -> None:
    def step() -> None:
        keys = [f"p:{n}" for n in book.next(10)]
        try:
            out = c["kinesis"].put_records(StreamName=PIPE_SRC, Records=[{"Data": k.encode(), "PartitionKey": k} for k in keys])
            book.outcome(keys, ["ErrorCode" not in r for r in out["Records"]], None, stop)
        except (BotoCoreError, ClientError) as e:
            book.outcome(keys, None, e, stop)
            raise

    loop(stop, book, step)


def setup(c) -> str:
    """Creates the resources once; returns the FIFO queue URL."""
    k = c["kinesis"]
    k.create_stream(StreamName=PIPE_SRC, ShardCount=2)
    k.get_waiter("stream_exists").wait(StreamName=PIPE_SRC, WaiterConfig={"Delay": 0.2, "MaxAttempts": 100})
    c["sqs"].create_queue(QueueName=PIPE_QUEUE)
    c["pipes"].create_pipe(
        Name="crash-pipe", Source=ARN.format("kinesis", f"stream/{PIPE_SRC}"), Target=ARN.format("sqs", PIPE_QUEUE), RoleArn=ROLE,
        SourceParameters={"KinesisStreamParameters": {"StartingPosition": "TRIM_HORIZON"}},
    )
    c["s3"].create_bucket(Bucket=BUCKET)
    c["firehose"].create_delivery_stream(
        DeliveryStreamName=FH_NAME,
        ExtendedS3DestinationConfiguration={"RoleARN": ROLE, "BucketARN": f"arn:aws:s3:::{BUCKET}",
                                            "BufferingHints": {"SizeInMBs": 1, "IntervalInSeconds": 60}},
    )
    attrs = {"FifoQueue": "true"}
    return c["sqs"].create_queue(QueueName=FIFO, Attributes=attrs)["QueueUrl"]


def drain(c, url: str, book: Book, ordered: bool) -> None:
    """Receives and deletes every message; records each in `book.seen`. `ordered`: the FIFO
    queue (bodies are keys; order checked per group); else the pipe's target (bodies are
    Kinesis events, keyed by their partition key)."""
    last: dict[str, int] = {}
    empty = 0
    deadline = time.monotonic() + 120
    while empty < 2 and time.monotonic() < deadline:
        msgs = c["sqs"].receive_message(QueueUrl=url, MaxNumberOfMessages=10, WaitTimeSeconds=1, VisibilityTimeout=60).get("Messages", [])
        empty = 0 if msgs else empty + 1
        for m in msgs:
            key = json.loads(m["Body"])["partitionKey"] if not ordered else m["Body"]
            book.seen[key] = book.seen.get(key, 0) + 1
            if ordered:
                g, n = key.split(":")
                assert int(n) > last.get(g, -1), f"FIFO group {g}: {key} after {g}:{last[g]}"
                last[g] = int(n)
        if msgs:
            c["sqs"].delete_message_batch(QueueUrl=url, Entries=[{"Id": str(i), "ReceiptHandle": m["ReceiptHandle"]} for i, m in enumerate(msgs)])


def check(name: str, book: Book, stored: dict[str, int], final: bool) -> None:
    """Acked = stored (each once), nothing never sent. `final`: everything acked has arrived."""
    dup = {k: n for k, n in stored.items() if n > 1}
    assert not dup, f"{name}: stored more than once: {sorted(dup)[:5]}"
    phantom = set(stored) - book.acked - book.unknown
    assert not phantom, f"{name}: stored but never sent: {sorted(phantom)[:5]}"
    if final:
        lost = book.acked - set(stored)
        assert not lost, f"{name}: {len(lost)} acknowledged but not stored, e.g. {sorted(lost)[:5]}"
    assert not book.rejected, f"{name}: a live server refused writes: {book.rejected[:3]}"


def s3_records(c) -> dict[str, int]:
    out: dict[str, int] = {}
    pages = c["s3"].get_paginator("list_objects_v2").paginate(Bucket=BUCKET)
    for obj in (o for p in pages for o in p.get("Contents", [])):
        lines = c["s3"].get_object(Bucket=BUCKET, Key=obj["Key"])["Body"].read().decode().split()
        ns = [int(x.split(":")[1]) for x in lines]
        assert ns == sorted(ns), f"firehose: object {obj['Key']} out of order"
        for x in lines:
            out[x] = out.get(x, 0) + 1
    return out


def wait_until(pred, seconds: float) -> bool:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if pred():
            return True
        time.sleep(0.3)
    return pred()


def verify(server, books: dict, fifo_url: str, kinesis_ledger) -> None:
    import test_crash

    c = clients(server.endpoint)
    test_crash.verify(c["kinesis"], kinesis_ledger)
    drain(c, fifo_url, books["fifo"], ordered=True)
    check("sqs-fifo", books["fifo"], books["fifo"].seen, final=True)
    wait_until(lambda: books["firehose"].acked <= set(s3_records(c)), 30)
    check("firehose", books["firehose"], s3_records(c), final=True)
    pipe_url = c["sqs"].get_queue_url(QueueName=PIPE_QUEUE)["QueueUrl"]

    def arrived() -> bool:
        drain(c, pipe_url, books["pipes"], ordered=False)
        return books["pipes"].acked <= set(books["pipes"].seen)

    wait_until(arrived, 30)
    check("pipes", books["pipes"], books["pipes"].seen, final=True)


def cycle(start_server, data_dir: Path, state: dict, rng: random.Random) -> dict:
    """One cycle: start, load, kill -9 at a random moment, restart, verify."""
    import test_crash

    server = start_server(data_dir)
    c = clients(server.endpoint)
    if "fifo_url" not in state:
        c["kinesis"].create_stream(StreamName=test_crash.STREAM, ShardCount=4)
        c["kinesis"].get_waiter("stream_exists").wait(StreamName=test_crash.STREAM, WaiterConfig={"Delay": 0.2, "MaxAttempts": 100})
        state["fifo_url"] = setup(c)
    books, ledger = state["books"], state["kinesis"]
    stop = threading.Event()
    key_sets = state["key_sets"]
    threads = [threading.Thread(target=test_crash.writer, args=(server.endpoint, ks, ledger, stop), daemon=True) for ks in key_sets]
    threads += [
        threading.Thread(target=fifo_writer, args=(clients(server.endpoint), state["fifo_url"], books["fifo"], stop), daemon=True),
        threading.Thread(target=firehose_writer, args=(clients(server.endpoint), books["firehose"], stop), daemon=True),
        threading.Thread(target=pipe_writer, args=(clients(server.endpoint), books["pipes"], stop), daemon=True),
    ]
    for t in threads:
        t.start()
    delay = rng.uniform(0.3, 2.5)
    time.sleep(delay)
    stop.set()
    server.kill()
    for t in threads:
        t.join(timeout=60)
        assert not t.is_alive(), "a writer did not notice the dead server"
    assert not ledger.rejected, f"kinesis: a live server refused writes: {ledger.rejected[:3]}"
    server = start_server(data_dir)
    verify(server, books, state["fifo_url"], ledger)
    server.stop()
    return {"kill_after_s": round(delay, 2)}


def new_state() -> dict:
    import test_crash

    key_sets = [[f"w{w}-k{k}" for k in range(test_crash.KEYS_PER_WRITER)] for w in range(test_crash.WRITERS)]
    ledger = test_crash.Ledger()
    for pk in (k for ks in key_sets for k in ks):
        ledger.next_n[pk] = 0
    return {"books": {"fifo": Book(), "firehose": Book(), "pipes": Book()}, "kinesis": ledger, "key_sets": key_sets}


def run(cycles: int, seed: int, start_server, data_dir: Path, log=print) -> dict:
    """Runs the cycles; returns the figures. Raises AssertionError at the first violation."""
    rng, state = random.Random(seed), new_state()
    t0 = time.monotonic()
    for i in range(cycles):
        info = cycle(start_server, data_dir, state, rng)
        log(f"cycle {i + 1}/{cycles}: killed after {info['kill_after_s']}s, verified")
    books, ledger = state["books"], state["kinesis"]
    return {
        "cycles": cycles,
        "seed": seed,
        "seconds": round(time.monotonic() - t0),
        "acked": {"kinesis": len(ledger.acked), **{k: len(b.acked) for k, b in books.items()}},
        "in_flight_at_kill": {"kinesis": len(ledger.unknown), **{k: len(b.unknown) for k, b in books.items()}},
        "violations": 0,
    }


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--cycles", type=int, default=100)
    ap.add_argument("--seed", type=int, default=int(time.time()))
    ap.add_argument("--bin", default=os.environ.get("KINESIN_BIN", str(REPO / "target" / "debug" / "kinesin")))
    ap.add_argument("--out")
    args = ap.parse_args()
    os.environ["KINESIN_BIN"] = str(Path(args.bin).resolve())
    import conftest

    tmp = Path(tempfile.mkdtemp(prefix="kinesin-crash-"))
    servers = []

    def start(data_dir: Path):
        s = conftest.Server(["--data-dir", str(data_dir), "--firehose-interval-override-secs", "1"], tmp / "logs")
        servers.append(s)
        return s

    try:
        figures = run(args.cycles, args.seed, start, tmp / "data")
    finally:
        for s in servers:
            s.kill()
    print(json.dumps(figures, indent=1))
    if args.out:
        Path(args.out).write_text(json.dumps(figures, indent=1) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
