"""The web console at /_kinesin/ in headless Chromium and Firefox (Debian's chromium driven by
playwright-core, Debian's firefox-esr by puppeteer-core over WebDriver BiDi:
tests/console/browsers.mjs and console.mjs). Data is made with boto3; what the pages show is
checked against it, and what the pages put and send is read back with boto3. Screenshots go
to KINESIN_ARTIFACTS (default: the test's tmp dir), one folder per browser."""

from __future__ import annotations

import gzip
import json
import os
import shutil
import subprocess
import tempfile
import threading
import time
from datetime import timezone
from pathlib import Path

import boto3
import pytest
from botocore.config import Config

from conftest import ACCESS_KEY, ACCOUNT, REGION, REPO, SECRET_KEY, read_shard, unique_name, wait_active

DRIVER = REPO / "tests" / "console"
# browser -> (executable, npm package that drives it, how to install both)
BROWSERS = {
    "chromium": (os.environ.get("CHROMIUM", "/usr/bin/chromium"), "playwright-core", "apt-get install chromium"),
    "firefox": (os.environ.get("FIREFOX", "/usr/bin/firefox-esr"), "puppeteer-core", "apt-get install firefox-esr"),
}


def browser_missing(browser: str) -> str | None:
    """Why the console cannot be driven in `browser` here, or None."""
    exe, package, install = BROWSERS[browser]
    if not Path(exe).exists():
        return f"needs {exe} ({install})"
    if not (DRIVER / "node_modules" / package).exists() or not shutil.which("node"):
        return f"needs node and `npm ci` in tests/console ({package})"
    return None


def run_driver(script: str, browser: str, endpoint: str, shots: Path, plan: dict, hooks: dict | None = None) -> dict:
    """Runs a tests/console driver script in `browser`; what it saw, with no page errors. A
    line `@name JSON` the driver prints asks the test to act now: `hooks[name](arg)` runs and
    its answer goes back as one JSON line on the driver's stdin."""
    shots.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryFile() as err, subprocess.Popen(
            ["node", str(DRIVER / script), browser, endpoint, str(shots), json.dumps(plan)],
            stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=err, cwd=DRIVER, text=True) as p:
        timer = threading.Timer(240, p.kill)
        timer.start()
        output = []
        try:
            for line in p.stdout:
                if line.startswith("@"):
                    name, _, arg = line[1:].partition(" ")
                    p.stdin.write(json.dumps((hooks or {})[name](json.loads(arg))) + "\n")
                    p.stdin.flush()
                else:
                    output.append(line)
            p.wait()
        finally:
            timer.cancel()
        err.seek(0)
        assert p.returncode == 0, err.read().decode()[-4000:]
    seen = json.loads("".join(output))
    assert seen["errors"] == []
    return seen


def artifacts(tmp_path: Path, browser: str) -> Path:
    return Path(os.environ.get("KINESIN_ARTIFACTS") or tmp_path) / "console-screenshots" / browser


def clients(endpoint):
    s = boto3.session.Session(aws_access_key_id=ACCESS_KEY, aws_secret_access_key=SECRET_KEY, region_name=REGION)
    cfg = Config(retries={"total_max_attempts": 2}, s3={"addressing_style": "path"})
    return {n: s.client(n, endpoint_url=endpoint, config=cfg)
            for n in ("kinesis", "sqs", "firehose", "s3", "pipes", "kinesisanalytics")}


APP_CODE = """CREATE OR REPLACE STREAM "DESTINATION_SQL_STREAM" (n INTEGER, twice INTEGER);
CREATE OR REPLACE PUMP "P" AS INSERT INTO "DESTINATION_SQL_STREAM"
    SELECT STREAM n, n * 2 FROM "SOURCE_SQL_STREAM_001";"""


def make_application(kda, stream: str) -> str:
    """An Analytics application over the stream, from TRIM_HORIZON: its 8 JSON records become
    rows of DESTINATION_SQL_STREAM; the page's put (not JSON) goes to error_stream."""
    app = unique_name("app")
    schema = {"RecordFormat": {"RecordFormatType": "JSON", "MappingParameters": {"JSONMappingParameters": {"RecordRowPath": "$"}}},
              "RecordColumns": [{"Name": "N", "Mapping": "$.n", "SqlType": "INTEGER"}]}
    kda.create_application(ApplicationName=app, ApplicationCode=APP_CODE, Inputs=[{
        "NamePrefix": "SOURCE_SQL_STREAM", "InputSchema": schema,
        "KinesisStreamsInput": {"ResourceARN": f"arn:aws:kinesis:{REGION}:{ACCOUNT}:stream/{stream}", "RoleARN": f"arn:aws:iam::{ACCOUNT}:role/r"}}])
    kda.start_application(ApplicationName=app, InputConfigurations=[
        {"Id": "1.1", "InputStartingPositionConfiguration": {"InputStartingPosition": "TRIM_HORIZON"}}])
    return app


def make_data(c, browser: str) -> tuple:
    k, sqs, fh, s3, pipes = c["kinesis"], c["sqs"], c["firehose"], c["s3"], c["pipes"]
    stream = unique_name("con")
    k.create_stream(StreamName=stream, ShardCount=1)
    wait_active(k, stream)
    k.put_records(StreamName=stream, Records=[{"Data": json.dumps({"n": i}).encode(), "PartitionKey": f"p{i}"} for i in range(8)])
    parent = k.list_shards(StreamName=stream)["Shards"][0]
    k.split_shard(StreamName=stream, ShardToSplit=parent["ShardId"], NewStartingHashKey=str(2**127))
    wait_active(k, stream)
    # records read out (GetRecords): the closed parent's 8, the overview's records out
    assert len(read_shard(k, stream, parent["ShardId"])) == 8

    arn = k.describe_stream_summary(StreamName=stream)["StreamDescriptionSummary"]["StreamARN"]
    consumer = k.register_stream_consumer(StreamARN=arn, ConsumerName="viewer")["Consumer"]["ConsumerARN"]
    deadline = time.monotonic() + 10
    while k.describe_stream_consumer(ConsumerARN=consumer)["ConsumerDescription"]["ConsumerStatus"] != "ACTIVE":
        assert time.monotonic() < deadline
        time.sleep(0.2)
    # an open SubscribeToShard (kept open by holding its event stream)
    subscription = k.subscribe_to_shard(ConsumerARN=consumer, ShardId="shardId-000000000001",
                                        StartingPosition={"Type": "LATEST"})["EventStream"]

    queue = unique_name("q") + ".fifo"
    url = sqs.create_queue(QueueName=queue, Attributes={"FifoQueue": "true", "ContentBasedDeduplication": "true"})["QueueUrl"]
    for g in ("ga", "gb", "gc"):
        for i in range(2):
            sqs.send_message(QueueUrl=url, MessageBody=f"{g}-{i}", MessageGroupId=g)
    got = sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=1, VisibilityTimeout=600)["Messages"]
    assert got[0]["Body"] == "ga-0"  # group ga is now locked

    bucket = unique_name("b").lower()
    s3.create_bucket(Bucket=bucket)
    delivery = unique_name("fh")
    fh.create_delivery_stream(DeliveryStreamName=delivery, ExtendedS3DestinationConfiguration={
        "RoleARN": f"arn:aws:iam::{ACCOUNT}:role/r", "BucketARN": f"arn:aws:s3:::{bucket}", "CompressionFormat": "GZIP"})
    fh.put_record_batch(DeliveryStreamName=delivery, Records=[{"Data": f"line {i}\n".encode()} for i in range(5)])
    deadline = time.monotonic() + 30
    while not s3.list_objects_v2(Bucket=bucket).get("Contents"):
        assert time.monotonic() < deadline, "firehose did not deliver"
        time.sleep(0.3)

    # a delivery stream whose bucket does not exist: its deliveries fail and are retried
    failing = unique_name("fh")
    fh.create_delivery_stream(DeliveryStreamName=failing, ExtendedS3DestinationConfiguration={
        "RoleARN": f"arn:aws:iam::{ACCOUNT}:role/r", "BucketARN": f"arn:aws:s3:::{bucket}-missing"})
    fh.put_record(DeliveryStreamName=failing, Record={"Data": b"undeliverable\n"})

    target = sqs.create_queue(QueueName=unique_name("pt"))["QueueUrl"]
    pipe = unique_name("pipe")
    pipes.create_pipe(Name=pipe, RoleArn=f"arn:aws:iam::{ACCOUNT}:role/r",
                      Source=f"arn:aws:kinesis:{REGION}:{ACCOUNT}:stream/{stream}",
                      Target=f"arn:aws:sqs:{REGION}:{ACCOUNT}:{target.rsplit('/', 1)[1]}",
                      SourceParameters={"KinesisStreamParameters": {"StartingPosition": "TRIM_HORIZON"}})
    # a pipe whose target queue is gone: its deliveries (of the page's put) fail and are retried
    gone = sqs.create_queue(QueueName=unique_name("gone"))["QueueUrl"]
    failing_pipe = unique_name("pipe")
    pipes.create_pipe(Name=failing_pipe, RoleArn=f"arn:aws:iam::{ACCOUNT}:role/r",
                      Source=f"arn:aws:kinesis:{REGION}:{ACCOUNT}:stream/{stream}",
                      Target=f"arn:aws:sqs:{REGION}:{ACCOUNT}:{gone.rsplit('/', 1)[1]}",
                      SourceParameters={"KinesisStreamParameters": {"StartingPosition": "LATEST"}})
    sqs.delete_queue(QueueUrl=gone)
    app = make_application(c["kinesisanalytics"], stream)
    return subscription, {"stream": stream, "parent": parent["ShardId"], "queue": queue, "queueUrl": url, "bucket": bucket,
            "delivery": delivery, "failing": failing, "pipe": pipe, "putData": f"hello from {browser}", "sendBody": "browser message",
            "browseShard": parent["ShardId"], "application": app, "appRecords": 9, "pipeBatches": 1,
            "pipeTarget": target, "failingPipe": failing_pipe}


class Browsed:
    """The driver's hooks for the record browser: records boto3 puts into one child shard of
    the stream while the page runs, and what boto3 reads of them."""

    DATA = [b"\x00\xff binary \x7f", b'{"b": 1}', b"text C"]

    def __init__(self, kinesis, stream: str):
        self.k, self.stream, self.made, self.tailed = kinesis, stream, [], None

    def put(self, data: bytes, key: str) -> dict:
        return self.k.put_record(StreamName=self.stream, Data=data, PartitionKey=key, ExplicitHashKey="0")

    def records(self, _arg) -> dict:
        puts = []
        for i, data in enumerate(self.DATA):
            if i:
                time.sleep(0.05)  # arrival times apart, for the browse from a timestamp
            puts.append(self.put(data, f"k{i}"))
        shard = puts[0]["ShardId"]
        assert {p["ShardId"] for p in puts} == {shard}
        it = self.k.get_shard_iterator(StreamName=self.stream, ShardId=shard, ShardIteratorType="AT_SEQUENCE_NUMBER",
                                       StartingSequenceNumber=puts[0]["SequenceNumber"])["ShardIterator"]
        self.made = self.k.get_records(ShardIterator=it)["Records"]
        a, b, _ = self.made
        assert a["ApproximateArrivalTimestamp"] < b["ApproximateArrivalTimestamp"]
        return {"shard": shard, "seqA": a["SequenceNumber"],
                "timeB": b["ApproximateArrivalTimestamp"].isoformat(timespec="milliseconds")}

    def tail(self, _arg) -> dict:
        self.tailed = self.put(b"tailed record", "tail")
        return {"seq": self.tailed["SequenceNumber"]}


class Redriven:
    """The driver's hooks for the dead-letter redrive and the purge: a source queue whose three
    messages boto3 moves into its DLQ (received past maxReceiveCount 1), then, once the page
    redrove them back, boto3 receives them from the source (in flight for the purge)."""

    SENT = [f"redrive-{i}" for i in range(3)]

    def __init__(self, sqs):
        self.sqs, self.source, self.dlq, self.received = sqs, "", "", []

    def count(self, url: str, name: str = "ApproximateNumberOfMessages") -> int:
        return int(self.sqs.get_queue_attributes(QueueUrl=url, AttributeNames=[name])["Attributes"][name])

    def make(self, _arg) -> dict:
        self.dlq = self.sqs.create_queue(QueueName=unique_name("dlq"))["QueueUrl"]
        arn = self.sqs.get_queue_attributes(QueueUrl=self.dlq, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
        policy = json.dumps({"deadLetterTargetArn": arn, "maxReceiveCount": "1"})
        self.source = self.sqs.create_queue(QueueName=unique_name("src"), Attributes={"RedrivePolicy": policy})["QueueUrl"]
        for body in self.SENT:
            self.sqs.send_message(QueueUrl=self.source, MessageBody=body)
        for _ in range(20):  # each message: received once, then moved on its next receive
            if self.count(self.dlq) == 3:
                break
            self.sqs.receive_message(QueueUrl=self.source, MaxNumberOfMessages=10, VisibilityTimeout=0)
        assert (self.count(self.dlq), self.count(self.source)) == (3, 0)
        return {"dlq": self.dlq.rsplit("/", 1)[1], "source": self.source.rsplit("/", 1)[1]}

    def redriven(self, _arg) -> dict:
        assert self.count(self.dlq) == 0
        for _ in range(10):
            if len(self.received) == 3:
                break
            got = self.sqs.receive_message(QueueUrl=self.source, MaxNumberOfMessages=10, VisibilityTimeout=600)
            self.received += [m["Body"] for m in got.get("Messages", [])]
        return {}


def as_shown(rec: dict, data: str) -> list:
    """A record as the page's table shows it: sequence number, key, arrival, data."""
    arrival = rec["ApproximateArrivalTimestamp"].astimezone(timezone.utc).strftime("%Y-%m-%d %H:%M:%S.%f")[:-3]
    return [rec["SequenceNumber"], rec["PartitionKey"], arrival, data]


@pytest.mark.parametrize("browser", sorted(BROWSERS))
def test_console_pages(browser, start_kinesin, tmp_path):
    if why := browser_missing(browser):
        pytest.skip(why)
    server = start_kinesin("--firehose-interval-override-secs", "1")
    c = clients(server.endpoint)
    subscription, plan = make_data(c, browser)
    shots = artifacts(tmp_path, browser)
    browsed, redriven = Browsed(c["kinesis"], plan["stream"]), Redriven(c["sqs"])
    hooks = {"records": browsed.records, "tail": browsed.tail, "dlq": redriven.make, "redriven": redriven.redriven}
    seen = run_driver("console.mjs", browser, server.endpoint, shots, plan, hooks)

    # overview: 1 stream, 2 open shards, 1 consumer, 2 queues, 2 delivery streams, 2 pipes,
    # 1 analytics application, 1 bucket
    assert seen["overview"]["rows"] == [[ACCOUNT, REGION, "1", "2", "1", "2", "2", "2", "1", "1"]]
    assert seen["overview"]["cost"].startswith("$")
    # totals per account and region (rate, then the total in parentheses): Kinesis records in,
    # Kinesis records out, Firehose records in, Firehose deliveries, SQS sent, SQS received,
    # Pipes requests
    (rates,) = seen["overview"]["rates"]
    totals = [int(cell.split("(")[1].rstrip(")")) for cell in rates[2:]]
    records_out = totals.pop(1)
    assert records_out == 8, "the records boto3 read in the set-up (and nothing else yet)"
    assert rates[:2] == [ACCOUNT, REGION] and totals[:2] == [8, 6] and totals[2] >= 1 and totals[3] >= 6 and totals[4] == 1
    assert seen["keyboard"] == ["Skip to content", "Overview", "Streams"]
    assert seen["keyboardOpened"] == "#/streams"

    # the stream: lineage after the split, records, a record put through the page
    assert plan["stream"] in seen["streams"]
    lineage = dict(seen["lineage"])
    children = [s for s, parents in lineage.items() if parents == plan["parent"]]
    assert sorted(children) == ["shardId-000000000001", "shardId-000000000002"] and lineage[plan["parent"]] == ""
    assert seen["shardStates"] == ["closed", "open", "open"]
    assert [(r[0], r[1], r[3]) for r in seen["consumers"]] == [("viewer", "ACTIVE", "shardId-000000000001")]
    subscription.close()
    assert sum(int(n) for n in seen["incoming"]) >= 8
    shown = [row for row in seen["records"]]
    assert [json.loads(r[3]) for r in shown[:8]] == [{"n": i} for i in range(8)]
    assert [r[1] for r in shown[:8]] == [f"p{i}" for i in range(8)]
    shard, seq = seen["put"].removeprefix("Put in ").split(" as ")
    recs = read_shard(c["kinesis"], plan["stream"], shard)
    assert [(r["Data"], r["PartitionKey"]) for r in recs if r["SequenceNumber"] == seq] == [(f"hello from {browser}".encode(), "from-browser")]

    # the FIFO queue: group locks, counts, peek without consuming, a message sent by the page
    assert dict(seen["groups"]) == {"ga": "locked", "gb": "unlocked", "gc": "unlocked"}
    assert seen["counts"] == {"visible": "5", "inFlight": "1"}
    assert sorted(seen["peeked"]) == sorted(f"{g}-{i}" for g in ("ga", "gb", "gc") for i in range(2))
    attrs = c["sqs"].get_queue_attributes(QueueUrl=plan["queueUrl"], AttributeNames=["ApproximateNumberOfMessages"])["Attributes"]
    assert attrs["ApproximateNumberOfMessages"] == "6", "peeking consumed nothing; the page sent one"
    msgs = []
    for _ in range(4):
        msgs += c["sqs"].receive_message(QueueUrl=plan["queueUrl"], MaxNumberOfMessages=10, MessageSystemAttributeNames=["All"]).get("Messages", [])
    assert [(m["Body"], m["Attributes"]["MessageGroupId"]) for m in msgs if m["Body"] == "browser message"] == [("browser message", "from-browser")]

    # the stream's status, mode, retention
    assert seen["summary"] == {"status": "ACTIVE", "mode": "PROVISIONED", "open shards": "2", "retention": "24 h"}
    # the FIFO queue's settings: the deduplication window, no DLQ
    settings = " | ".join(" ".join(row) for row in seen["settings"])
    assert "content-based, scope queue, 5-minute window" in settings and "Dead-letter queue none" in settings

    # Firehose: the buffer (emptied by the delivery), the recent deliveries with the objects
    # written, the delivered objects; pipes: state, batches sent, failures; S3: the delivered
    # object shown decompressed
    buffers = {r[0]: r for r in seen["firehose"]}
    assert sorted(buffers) == sorted([plan["delivery"], plan["failing"]]) and buffers[plan["delivery"]][3] == "none"
    assert buffers[plan["failing"]][3].startswith(("1 failed attempts, retry at", "2 failed attempts, retry at"))
    assert buffers[plan["failing"]][1].startswith("14 B / 5 MiB"), "the failed batch stays buffered"
    assert len(seen["delivered"]) >= 1
    objects = c["s3"].list_objects_v2(Bucket=plan["bucket"])["Contents"]
    delivered = [r for r in seen["deliveries"] if r[1] == plan["delivery"]]
    assert {r[4] for r in delivered} == {"delivered"} and sum(int(r[2]) for r in delivered) == 5
    assert sorted(r[5] for r in delivered) == sorted(f"{plan['bucket']}/{o['Key']}" for o in objects)
    failed = [r for r in seen["deliveries"] if r[1] == plan["failing"]]
    assert failed and all(r[2:4] == ["1", "14"] and r[5] == "" for r in failed)
    assert failed[-1][4].startswith("failed (attempt 1), retried: S3.NoSuchBucket")
    shown = {r[0]: r for r in seen["pipes"]}
    assert sorted(shown) == sorted([plan["pipe"], plan["failingPipe"]])
    pipe, failing = shown[plan["pipe"]], shown[plan["failingPipe"]]
    assert pipe[1].startswith("RUNNING") and int(pipe[4]) >= 1 and pipe[5] == "0" and pipe[6] == "none"
    assert failing[4] == "0" and int(failing[5]) >= 1 and "failed, retry at" in failing[3]
    reason = c["pipes"].describe_pipe(Name=plan["failingPipe"]).get("StateReason", "")
    assert reason and failing[6] == reason
    received = []
    for _ in range(5):
        received += c["sqs"].receive_message(QueueUrl=plan["pipeTarget"], MaxNumberOfMessages=10).get("Messages", [])
    assert received, "the pipe delivered the batches the page counts"
    assert plan["bucket"] in seen["buckets"]
    assert seen["object"]["body"].startswith("line 0\n") and "GZIP, decompressed" in seen["object"]["note"]
    obj = c["s3"].get_object(Bucket=plan["bucket"], Key=seen["delivered"][0])["Body"].read()
    assert gzip.decompress(obj).decode() == seen["object"]["body"]
    # Analytics: the application, its SQL, in-application streams with their row counts,
    # the newest rows of its output stream and of error_stream (the page's non-JSON put)
    app = seen["applications"][0]
    assert app[0] == plan["application"] and app[1] == "RUNNING" and app[5] == "9"
    assert plan["stream"] in app[3]
    assert seen["sql"] == APP_CODE
    counts = {r[0]: (r[1], r[3]) for r in seen["inApp"]}
    assert counts == {"SOURCE_SQL_STREAM_001": ("input", "8"), "DESTINATION_SQL_STREAM": ("stream", "8"), "error_stream": ("error", "1")}
    assert seen["liveRows"]["columns"] == ["ROWTIME", "N", "TWICE"]
    assert [r[1:] for r in seen["liveRows"]["rows"]] == [[str(n), str(2 * n)] for n in reversed(range(8))]
    err = dict(zip(seen["errorRows"]["columns"], seen["errorRows"]["rows"][0]))
    assert bytes.fromhex(err["DATA_ROW"]) == f"hello from {browser}".encode() and err["ERROR_LEVEL"] == "Error"
    # the record browser over the records boto3 put while the page ran: from A's sequence
    # number in hex; from B's arrival time (A arrived before) as text; from LATEST with the
    # live tail: nothing of A, B, C, then the record boto3 put once the tail ran
    assert [(r["PartitionKey"], r["Data"]) for r in browsed.made] == [(f"k{i}", d) for i, d in enumerate(Browsed.DATA)]
    assert seen["browseHex"] == [as_shown(r, r["Data"].hex(" ")) for r in browsed.made]
    since_b = [r for r in browsed.made if r["ApproximateArrivalTimestamp"] >= browsed.made[1]["ApproximateArrivalTimestamp"]]
    assert seen["browseAt"] == [as_shown(r, r["Data"].decode()) for r in since_b] and len(since_b) == 2
    assert seen["tailBefore"] == [] and seen["tailStatus"] == "0 records, tailing (every second)"
    tailed = [r for r in read_shard(c["kinesis"], plan["stream"], browsed.tailed["ShardId"])
              if r["SequenceNumber"] == browsed.tailed["SequenceNumber"]]
    assert seen["tail"] == [as_shown(r, "tailed record") for r in tailed] and len(tailed) == 1
    # the DLQ: its sources and 3 messages; redriven back through the page (the task completed,
    # 3 of 3 moved to the source queues), boto3 received the 3 from the source; the page's
    # purge of the source (its 3 in flight) left nothing, as boto3 sees
    source = redriven.source.rsplit("/", 1)[1]
    assert any(row[-2:] == ["DLQ of", source] for row in seen["dlqSettings"]) and seen["dlqVisible"] == "3"
    (task,) = seen["moveTasks"]
    assert task[1:] == ["COMPLETED", "3", "3", "source queues", "system optimized", ""]
    assert seen["dlqPeekAfter"] == [] and redriven.count(redriven.dlq) == 0
    assert sorted(redriven.received) == Redriven.SENT
    assert seen["beforePurge"] == {"visible": "0", "inFlight": "3"} and seen["purged"] == "Purged."
    names = ["ApproximateNumberOfMessages", "ApproximateNumberOfMessagesNotVisible", "ApproximateNumberOfMessagesDelayed"]
    after = c["sqs"].get_queue_attributes(QueueUrl=redriven.source, AttributeNames=names)["Attributes"]
    assert after == {n: "0" for n in names}
    assert not c["sqs"].receive_message(QueueUrl=redriven.source, MaxNumberOfMessages=10).get("Messages")
    for name in ("overview", "stream", "queue", "firehose", "pipes", "analytics", "s3-object", "stream-tail", "dlq-redrive"):
        assert (shots / f"{name}.png").stat().st_size > 1000
