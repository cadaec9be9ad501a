#!/usr/bin/env python3
"""The truck case: Kinesis -> EventBridge Pipe -> SQS FIFO, consumed in parallel, in order;
with --dashboard also a live dashboard from a Kinesis Data Analytics SQL application.

100 trucks send GPS positions to a Kinesis stream with partition key = truck id, so each
truck's positions stay on one shard, in order. A pipe moves them to an SQS FIFO queue with
MessageGroupId = the partition key, so any number of consumers can work at once (SQS hands
out one truck's messages to one consumer at a time) while each truck's positions are still
processed in the order they were sent.

Usage: scripts/truck-demo.py [--endpoint http://127.0.0.1:4566] [--trucks 100]
                             [--positions 20] [--consumers 4] [--shards 4]
                             [--dashboard [--speed-limit 90] [--time-travel]]
Exits 1 if any truck's positions were processed out of order, lost or duplicated.

--dashboard: an Analytics SQL application reads the same stream and emits, per truck and
10-second tumbling window, the average speed and the number of positions into a stats stream
and on through Firehose (CSV) to S3, and every position over --speed-limit into an alert
stream. The demo prints the dashboard and checks it against the positions it sent.
--time-travel: the server runs with --time-travel; windows are closed by moving its clock
instead of waiting for them.
Needs boto3; talks to a running kinesin (or, with real credentials and --endpoint "", AWS).
"""
from __future__ import annotations

import argparse
import base64
import json
import sys
import threading
import time
import uuid
from collections import defaultdict
from pathlib import Path

import boto3
from botocore.config import Config

sys.path.insert(0, str(Path(__file__).resolve().parent))
import truck_dashboard  # noqa: E402 - next to this script


def clients(endpoint: str | None, region: str):
    kw = dict(region_name=region, config=Config(retries={"mode": "standard", "total_max_attempts": 5}))
    if endpoint:
        kw.update(endpoint_url=endpoint, aws_access_key_id="AKIDTRUCKDEMO", aws_secret_access_key="truck-demo")
    s = boto3.session.Session()
    return s.client("kinesis", **kw), s.client("sqs", **kw), s.client("pipes", **kw)


def setup(kinesis, sqs, pipes, name: str, shards: int, account: str, region: str):
    """Creates the stream, the FIFO queue and the pipe; returns (stream arn, queue url, pipe name)."""
    stream = f"{name}-positions"
    kinesis.create_stream(StreamName=stream, ShardCount=shards)
    kinesis.get_waiter("stream_exists").wait(StreamName=stream, WaiterConfig={"Delay": 0.2, "MaxAttempts": 150})
    stream_arn = kinesis.describe_stream_summary(StreamName=stream)["StreamDescriptionSummary"]["StreamARN"]
    queue_url = sqs.create_queue(
        QueueName=f"{name}-positions.fifo",
        Attributes={"FifoQueue": "true", "ContentBasedDeduplication": "true", "VisibilityTimeout": "30"},
    )["QueueUrl"]
    queue_arn = sqs.get_queue_attributes(QueueUrl=queue_url, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
    pipe = f"{name}-pipe"
    pipes.create_pipe(
        Name=pipe,
        Source=stream_arn,
        SourceParameters={"KinesisStreamParameters": {"StartingPosition": "TRIM_HORIZON", "BatchSize": 10}},
        Target=queue_arn,
        TargetParameters={"SqsQueueParameters": {"MessageGroupId": "$.partitionKey"}},
        RoleArn=f"arn:aws:iam::{account}:role/{name}-pipe-role",
    )
    for _ in range(300):
        state = pipes.describe_pipe(Name=pipe)["CurrentState"]
        if state == "RUNNING":
            break
        time.sleep(0.2)
    else:
        raise RuntimeError(f"pipe {pipe} is {state}, not RUNNING")
    return stream, queue_url, pipe


def position(t: int, seq: int) -> dict:
    """Truck `t`'s position number `seq`: where it is and how fast it goes (km/h)."""
    return {"truck_id": f"truck-{t:03d}", "seq": seq, "lat": 52.0 + t * 0.01 + seq * 0.0001,
            "lon": 13.0 + seq * 0.0001, "speed": float(30 + (t * 37 + seq * 11) % 71)}


def produce(kinesis, stream: str, trucks: int, positions: int) -> int:
    """Every truck sends `positions` positions, all trucks interleaved, 500 per PutRecords."""
    batch, sent = [], 0

    def flush():
        nonlocal batch, sent
        pending = batch
        while pending:
            resp = kinesis.put_records(StreamName=stream, Records=pending)
            failed = [r for r, res in zip(pending, resp["Records"]) if "ErrorCode" in res]
            sent += len(pending) - len(failed)
            if failed:
                # Keep each truck's order: a truck's later positions wait behind a failed one.
                pending = failed
                time.sleep(0.1)
            else:
                pending = []
        batch = []

    for seq in range(positions):
        for t in range(trucks):
            pos = position(t, seq)
            batch.append({"Data": json.dumps(pos).encode(), "PartitionKey": pos["truck_id"]})
            if len(batch) == 500:
                flush()
        # One truck's position `seq` goes before its `seq + 1` in every case: flush per round.
        flush()
    flush()
    return sent


class Consumer(threading.Thread):
    def __init__(self, idx: int, sqs, queue_url: str, expected: int, seen: dict, lock: threading.Lock, done: threading.Event):
        super().__init__(name=f"consumer-{idx}", daemon=True)
        self.idx, self.sqs, self.queue_url = idx, sqs, queue_url
        self.expected, self.seen, self.lock, self.done = expected, seen, lock, done
        self.count = 0
        self.error: Exception | None = None

    def run(self):
        try:
            while not self.done.is_set():
                resp = self.sqs.receive_message(
                    QueueUrl=self.queue_url, MaxNumberOfMessages=10, WaitTimeSeconds=1,
                    MessageSystemAttributeNames=["MessageGroupId"],
                )
                msgs = resp.get("Messages", [])
                for m in msgs:
                    event = json.loads(m["Body"])
                    pos = json.loads(base64.b64decode(event["data"]))
                    with self.lock:
                        self.seen["log"][pos["truck_id"]].append(pos["seq"])
                        self.seen["total"] += 1
                        if m["Attributes"].get("MessageGroupId") != pos["truck_id"]:
                            self.seen["bad_groups"] += 1
                        if self.seen["total"] >= self.expected:
                            self.done.set()
                    self.count += 1
                if msgs:
                    # Delete after processing: the group stays locked until then.
                    self.sqs.delete_message_batch(
                        QueueUrl=self.queue_url,
                        Entries=[{"Id": str(i), "ReceiptHandle": m["ReceiptHandle"]} for i, m in enumerate(msgs)],
                    )
        except Exception as e:  # noqa: BLE001 - reported by the main thread
            self.error = e
            self.done.set()


def run(endpoint: str | None, trucks: int = 100, positions: int = 20, consumers: int = 4, shards: int = 4,
        region: str = "us-east-1", account: str = "000000000000", timeout: float = 120, out=print,
        infra: tuple[str, str, str] | None = None, dashboard: bool = False, speed_limit: float = 90,
        time_travel: bool = False) -> dict:
    """Runs the whole scenario; returns a summary with `ok`. `infra` is (stream name, queue
    URL, pipe name) made elsewhere (terraform): used as they are and left in place. With
    `dashboard`, the summary has the dashboard's rows too (see truck_dashboard)."""
    kinesis, _, pipes = clients(endpoint, region)
    name = f"trucks-{uuid.uuid4().hex[:6]}"
    sqs_clients = [clients(endpoint, region)[1] for _ in range(consumers + 1)]
    if infra:
        stream, queue_url, pipe = infra
    else:
        stream, queue_url, pipe = setup(kinesis, sqs_clients[0], pipes, name, shards, account, region)
    board = None
    if dashboard:
        board = truck_dashboard.Dashboard(endpoint, region, account, name, speed_limit, time_travel)
        board.setup(stream)
    expected = trucks * positions
    seen = {"log": defaultdict(list), "total": 0, "bad_groups": 0}
    lock, done = threading.Lock(), threading.Event()
    workers = [Consumer(i, sqs_clients[i + 1], queue_url, expected, seen, lock, done) for i in range(consumers)]
    start = time.monotonic()
    for w in workers:
        w.start()
    sent = produce(kinesis, stream, trucks, positions)
    produced_s = time.monotonic() - start
    done.wait(timeout)
    elapsed = time.monotonic() - start
    done.set()
    for w in workers:
        w.join(timeout=10)
    errors = [w.error for w in workers if w.error]
    log = seen["log"]
    out_of_order = sorted(t for t, seqs in log.items() if seqs != sorted(seqs))
    incomplete = sorted(t for t in (f"truck-{i:03d}" for i in range(trucks)) if sorted(log.get(t, [])) != list(range(positions)))
    summary = {
        "sent": sent,
        "received": seen["total"],
        "per_consumer": {w.name: w.count for w in workers},
        "seconds": round(elapsed, 2),
        "produce_seconds": round(produced_s, 2),
        "messages_per_second": round(seen["total"] / elapsed, 1) if elapsed else 0.0,
        "out_of_order": out_of_order,
        "incomplete": incomplete,
        "bad_groups": seen["bad_groups"],
        "errors": [repr(e) for e in errors],
    }
    summary["ok"] = (not out_of_order and not incomplete and not errors and not seen["bad_groups"]
                     and sent == expected and seen["total"] == expected)
    out(f"stream {stream} ({shards} shards) -> pipe {pipe} -> queue {queue_url}")
    out(f"sent {sent} positions of {trucks} trucks in {produced_s:.2f}s; received {seen['total']} in {elapsed:.2f}s"
        f" ({summary['messages_per_second']} messages/s)")
    for w in workers:
        out(f"  {w.name}: {w.count} messages")
    if summary["ok"]:
        out(f"OK: every truck's {positions} positions were processed once, in send order")
    else:
        out(f"FAILED: out of order {out_of_order[:10]}, incomplete {incomplete[:10]}, "
            f"wrong groups {seen['bad_groups']}, errors {summary['errors']}")
    if board:
        summary["dashboard"] = show_dashboard(board, trucks, positions, out)
        summary["ok"] = summary["ok"] and not summary["dashboard"]["problems"]
    if infra:
        return summary
    try:
        pipes.delete_pipe(Name=pipe)
        sqs_clients[0].delete_queue(QueueUrl=queue_url)
        kinesis.delete_stream(StreamName=stream, EnforceConsumerDeletion=True)
        if board:
            board.teardown()
    except Exception as e:  # noqa: BLE001 - cleanup is best effort
        out(f"cleanup failed: {e!r}")
    return summary


def show_dashboard(board, trucks: int, positions: int, out) -> dict:
    """Lets the dashboard's windows close, prints it and checks it against what was sent."""
    sent = [position(t, seq) for seq in range(positions) for t in range(trucks)]
    board.collect({f"truck-{t:03d}": positions for t in range(trucks)})
    s3_rows = board.s3_rows(len(board.stats))
    board.print(out)
    out(f"  {len(s3_rows)} window rows delivered to s3://{board.bucket}/{truck_dashboard.PREFIX}")
    problems = truck_dashboard.check(sent, board.speed_limit, board.stats, board.alerts, s3_rows)
    out("dashboard OK: every position counted once, averages and alerts match" if not problems
        else f"dashboard FAILED: {'; '.join(problems)}")
    return {"stats": board.stats, "alerts": board.alerts, "s3_rows": s3_rows, "problems": problems,
            "bucket": board.bucket, "application": board.app}


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--endpoint", default="http://127.0.0.1:4566", help='kinesin URL ("" for real AWS)')
    ap.add_argument("--region", default="us-east-1")
    ap.add_argument("--account", default="000000000000", help="account id used in the pipe's role ARN")
    ap.add_argument("--trucks", type=int, default=100)
    ap.add_argument("--positions", type=int, default=20, help="positions per truck")
    ap.add_argument("--consumers", type=int, default=4)
    ap.add_argument("--shards", type=int, default=4)
    ap.add_argument("--timeout", type=float, default=300, help="seconds to wait for every message")
    ap.add_argument("--dashboard", action="store_true", help="also run the Analytics SQL dashboard")
    ap.add_argument("--speed-limit", type=float, default=90, help="km/h; faster positions are alerts")
    ap.add_argument("--time-travel", action="store_true",
                    help="the server runs with --time-travel: move its clock instead of waiting")
    a = ap.parse_args()
    summary = run(a.endpoint or None, a.trucks, a.positions, a.consumers, a.shards, a.region, a.account, a.timeout,
                  dashboard=a.dashboard, speed_limit=a.speed_limit, time_travel=a.time_travel)
    return 0 if summary["ok"] else 1


if __name__ == "__main__":
    sys.exit(main())
