#!/usr/bin/env python3
"""Truck pipeline latency: Kinesis PutRecord(s) -> EventBridge Pipe -> SQS FIFO ReceiveMessage.

Two measures, both from the start of the put call to the moment a consumer's ReceiveMessage
returns the message (long polling, so a consumer is always waiting):
  probe  one record at a time, the next put after the previous record arrived (idle latency);
  fleet  100 trucks report every --interval seconds (one PutRecords of 100 per round), four
         consumer processes (each its own boto3 client, as real consumers are: no GIL shared
         with the benchmark or each other) receive and delete in parallel; every message's
         latency, a check that every truck's positions arrived once and in order, and the
         consumers' CPU time per burst (how much of the latency is the client's own work).
The fleet's latency is also split at the message's SentTimestamp (the server's clock, ms, when
the pipe enqueued it): put start -> enqueued is the server's share (the put call, the pump),
enqueued -> received the consumers' (waking, receiving, deleting, the client's own CPU).
kinesin only: moto's server has the Pipes API but no engine that moves records, so there is
nothing to compare with.

Usage: scripts/bench-trucks.py --bin target/release/kinesin [--md BENCHMARKS.md] [--json FILE]
       scripts/bench-trucks.py --endpoint http://127.0.0.1:4566
"""
from __future__ import annotations

import argparse
import base64
import datetime
import json
import multiprocessing
import queue
import statistics
import sys
import time
import uuid


import bench_server

REGION, ACCOUNT = "us-east-1", "000000000000"


def client(endpoint: str, service: str):
    return bench_server.client(endpoint, service, "AKIDBENCHTRUCKS")


start = bench_server.start


def setup(endpoint: str, shards: int) -> tuple[str, str]:
    """A stream, a FIFO queue and a pipe (group = partition key); returns (stream, queue url)."""
    k, q, p = client(endpoint, "kinesis"), client(endpoint, "sqs"), client(endpoint, "pipes")
    name = f"bench-{uuid.uuid4().hex[:6]}"
    k.create_stream(StreamName=name, ShardCount=shards)
    k.get_waiter("stream_exists").wait(StreamName=name, WaiterConfig={"Delay": 0.2, "MaxAttempts": 150})
    url = q.create_queue(QueueName=f"{name}.fifo", Attributes={"FifoQueue": "true", "ContentBasedDeduplication": "true"})["QueueUrl"]
    p.create_pipe(
        Name=name, RoleArn=f"arn:aws:iam::{ACCOUNT}:role/bench",
        Source=f"arn:aws:kinesis:{REGION}:{ACCOUNT}:stream/{name}",
        SourceParameters={"KinesisStreamParameters": {"StartingPosition": "LATEST", "BatchSize": 10}},
        Target=f"arn:aws:sqs:{REGION}:{ACCOUNT}:{name}.fifo",
        TargetParameters={"SqsQueueParameters": {"MessageGroupId": "$.partitionKey"}})
    for _ in range(300):
        if p.describe_pipe(Name=name)["CurrentState"] == "RUNNING":
            return name, url
        time.sleep(0.05)
    raise RuntimeError("the pipe did not start")


def consume(endpoint: str, url: str, stop, out) -> None:
    """One consumer process with its own boto3 client: long-polls the queue, sends each batch
    of messages to the parent as (id, truck, seq, SentTimestamp, position in the batch) with
    the batch's arrival time (time.monotonic: one clock for the machine's processes), deletes
    them, and at the end sends its CPU time: receiving and deleting batches, and in all. It
    says when it is ready (its client set up), so that no burst waits for a consumer's start."""
    sqs = client(endpoint, "sqs")
    sqs.receive_message(QueueUrl=url, WaitTimeSeconds=0)  # boto3's first-call set-up, before the clock runs
    out.put(("ready",))
    busy, cpu0 = 0.0, time.process_time()
    while not stop.is_set():
        c0 = time.process_time()
        msgs = sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10, WaitTimeSeconds=1,
                                   AttributeNames=["SentTimestamp"]).get("Messages", [])
        now = time.monotonic()
        if not msgs:
            continue
        got = []
        for i, m in enumerate(msgs):
            d = json.loads(base64.b64decode(json.loads(m["Body"])["data"]))
            got.append((d["id"], d["truck"], d["seq"], int(m["Attributes"]["SentTimestamp"]), i))
        out.put(("msgs", now, got))
        sqs.delete_message_batch(QueueUrl=url, Entries=[
            {"Id": str(i), "ReceiptHandle": m["ReceiptHandle"]} for i, m in enumerate(msgs)])
        busy += time.process_time() - c0
    out.put(("cpu", busy, time.process_time() - cpu0))


class Consumers:
    """Consumer processes (as real consumers are: no shared GIL with the benchmark or each
    other); the parent collects every message's arrival and the consumers' CPU time."""

    def __init__(self, endpoint: str, url: str, n: int):
        ctx = multiprocessing.get_context("fork")
        self.stop, self.queue = ctx.Event(), ctx.Queue()
        self.arrived: dict[str, float] = {}
        self.sent_ms: dict[str, int] = {}
        self.copies: dict[str, int] = {}
        self.log: dict[str, list[tuple[float, int, int]]] = {}
        self.cpu_busy = self.cpu_total = 0.0
        self.procs = [ctx.Process(target=consume, args=(endpoint, url, self.stop, self.queue), daemon=True)
                      for _ in range(n)]
        for p in self.procs:
            p.start()
        for _ in self.procs:
            self._take(self.queue.get(timeout=60))


    def _take(self, item) -> None:
        if item[0] == "ready":
            return
        if item[0] == "cpu":
            self.cpu_busy += item[1]
            self.cpu_total += item[2]
            return
        _, now, got = item
        for mid, truck, seq, sent, i in got:
            self.copies[mid] = self.copies.get(mid, 0) + 1
            self.arrived.setdefault(mid, now)
            self.sent_ms.setdefault(mid, sent)
            self.log.setdefault(truck, []).append((now, i, seq))

    def wait_for(self, ids, timeout: float) -> bool:
        deadline = time.monotonic() + timeout
        for i in ids:
            while i not in self.arrived:
                left = deadline - time.monotonic()
                if left <= 0:
                    return False
                try:
                    self._take(self.queue.get(timeout=left))
                except queue.Empty:
                    return False
        return True

    def order(self, truck: str) -> list[int]:
        """A truck's positions in the order they were received."""
        return [seq for _, _, seq in sorted(self.log.get(truck, []))]

    def close(self) -> None:
        """Stops the consumers and collects what they still send (their CPU times last)."""
        self.stop.set()
        done, deadline = 0, time.monotonic() + 10
        while done < len(self.procs) and time.monotonic() < deadline:
            try:
                item = self.queue.get(timeout=max(0.0, deadline - time.monotonic()))
            except queue.Empty:
                break
            self._take(item)
            done += item[0] == "cpu"
        for p in self.procs:
            p.join(timeout=5)


def pct(values: list[float], p: float) -> float:
    s = sorted(values)
    return s[min(len(s) - 1, max(0, round(p / 100 * len(s)) - 1))]


def probe(endpoint: str, n: int) -> list[float]:
    stream, url = setup(endpoint, 4)
    k, c = client(endpoint, "kinesis"), Consumers(endpoint, url, 1)
    lat = []
    try:
        for i in range(n):
            rid = f"p{i}"
            t0 = time.monotonic()
            k.put_record(StreamName=stream, PartitionKey=f"truck-{i % 100:03d}",
                         Data=json.dumps({"id": rid, "truck": f"truck-{i % 100:03d}", "seq": i}).encode())
            if not c.wait_for([rid], 10):
                raise RuntimeError(f"probe {i} never arrived")
            lat.append((c.arrived[rid] - t0) * 1000)
    finally:
        c.close()
    return lat


def fleet(endpoint: str, trucks: int, rounds: int, interval: float, consumers: int):
    """Every message's (latency, server share) in ms, whether all arrived once and in order,
    the consumers' CPU ms per burst (receiving and deleting; in all, with idle polls), and each
    burst's first and last message's latency."""
    stream, url = setup(endpoint, 4)
    k, c = client(endpoint, "kinesis"), Consumers(endpoint, url, consumers)
    sent: dict[str, tuple[float, float]] = {}
    try:
        for r in range(rounds):
            due = time.monotonic() + interval
            recs = [{"PartitionKey": f"truck-{t:03d}",
                     "Data": json.dumps({"id": f"{t}-{r}", "truck": f"truck-{t:03d}", "seq": r}).encode()}
                    for t in range(trucks)]
            t0, wall0 = time.monotonic(), time.time()
            out = k.put_records(StreamName=stream, Records=recs)
            if out["FailedRecordCount"]:
                raise RuntimeError("PutRecords failed")
            for t in range(trucks):
                sent[f"{t}-{r}"] = (t0, wall0)
            time.sleep(max(0.0, due - time.monotonic()))
        complete = c.wait_for(list(sent), 60)
    finally:
        c.close()
    lat = [(c.arrived[i] - t0) * 1000 for i, (t0, _) in sent.items() if i in c.arrived]
    server = [c.sent_ms[i] - wall0 * 1000 for i, (_, wall0) in sent.items() if i in c.sent_ms]
    once = complete and all(c.copies.get(i) == 1 for i in sent)
    ordered = once and all(c.order(f"truck-{t:03d}") == list(range(rounds)) for t in range(trucks))
    cpu = (c.cpu_busy * 1000 / rounds, c.cpu_total * 1000 / rounds)
    bursts = [[(c.arrived[f"{t}-{r}"] - sent[f"{t}-{r}"][0]) * 1000 for t in range(trucks) if f"{t}-{r}" in c.arrived]
              for r in range(rounds)]
    first_last = [(min(b), max(b)) for b in bursts if b]
    return lat, server, ordered, cpu, first_last


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--bin", help="kinesin binary to start on a free port")
    ap.add_argument("--endpoint", help="a running kinesin instead")
    ap.add_argument("--probes", type=int, default=300)
    ap.add_argument("--trucks", type=int, default=100)
    ap.add_argument("--rounds", type=int, default=20)
    ap.add_argument("--interval", type=float, default=1.0, help="seconds between a truck's positions")
    ap.add_argument("--consumers", type=int, default=4)
    ap.add_argument("--md", help="append a dated table to this file (BENCHMARKS.md)")
    ap.add_argument("--json", help="append the figures to this file as one JSON line")
    a = ap.parse_args()
    if not a.bin and not a.endpoint:
        ap.error("--bin or --endpoint")
    proc = None
    endpoint = a.endpoint
    if a.bin:
        proc, endpoint = start(a.bin)
    try:
        p = probe(endpoint, a.probes)
        f, server, ordered, cpu, first_last = fleet(endpoint, a.trucks, a.rounds, a.interval, a.consumers)
    finally:
        if proc:
            proc.terminate()
            proc.wait(timeout=10)
    expected = a.trucks * a.rounds
    rows = [
        (f"one record at a time ({len(p)} probes)", p),
        (f"{a.trucks} trucks every {a.interval:g} s, {a.consumers} consumer processes ({len(f)}/{expected} messages)", f),
        ("of which put start -> enqueued (SentTimestamp, ms resolution)", server),
        ("a burst's first message", [x for x, _ in first_last]),
        ("a burst's last message", [y for _, y in first_last]),
    ]
    lines = [f"\n## {datetime.date.today().isoformat()}: truck pipeline latency, Kinesis put -> SQS FIFO receive "
             "(scripts/bench-trucks.py; kinesin only: moto has no Pipes engine)\n",
             "| load | p50 (ms) | p95 (ms) | p99 (ms) | mean (ms) |", "|---|---|---|---|---|"]
    for label, v in rows:
        lines.append(f"| {label} | {pct(v, 50):.1f} | {pct(v, 95):.1f} | {pct(v, 99):.1f} | {statistics.mean(v):.1f} |")
    lines.append(f"\nEvery truck's positions arrived once and in send order: {ordered}. "
                 f"The {a.consumers} consumers' CPU per burst: {cpu[0]:.1f} ms receiving and deleting "
                 f"({cpu[1]:.1f} ms with their idle long polls).")
    text = "\n".join(lines) + "\n"
    print(text)
    if a.md:
        with open(a.md, "a") as fh:
            fh.write(text)
    if a.json:
        figures = {"bin": a.bin, "ordered": ordered, "cpu_busy_ms": cpu[0], "cpu_total_ms": cpu[1]}
        firsts, lasts = [x for x, _ in first_last], [y for _, y in first_last]
        for key, v in zip(("probe", "fleet", "server", "first", "last"), (p, f, server, firsts, lasts)):
            figures[key] = {q: round(pct(v, q), 2) for q in (50, 95, 99)}
        with open(a.json, "a") as fh:
            fh.write(json.dumps(figures) + "\n")
    return 0 if ordered and len(f) == expected else 1


if __name__ == "__main__":
    sys.exit(main())
