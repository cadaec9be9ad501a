"""`kinesin cost` and GET /_kinesin/api/cost: a workload whose AWS bill is computed here by
hand, with kinesin's clock moved forward an hour (--time-travel)."""

from __future__ import annotations

import json
import subprocess
import time
import urllib.request

import boto3
import pytest
from botocore.config import Config

from conftest import ACCESS_KEY, KINESIN_BIN, REGION, SECRET_KEY, wait_active

# us-east-1 list prices, as in crates/server/prices/us-east-1.json
SHARD_HOUR, PUT_UNIT, EXT_RETENTION, EFO_SHARD_HOUR = 0.015, 0.014 / 1e6, 0.02, 0.015
SQS_STD, SQS_FIFO, FIREHOSE_GB = 0.40 / 1e6, 0.50 / 1e6, 0.029


@pytest.fixture
def server(start_kinesin):
    return start_kinesin("--time-travel")


def clients(server):
    s = boto3.session.Session(aws_access_key_id=ACCESS_KEY, aws_secret_access_key=SECRET_KEY, region_name=REGION)
    cfg = Config(retries={"total_max_attempts": 1})
    return (s.client(n, endpoint_url=server.endpoint, config=cfg) for n in ("kinesis", "sqs", "firehose"))


def advance(server, ms: int) -> None:
    urllib.request.urlopen(urllib.request.Request(f"{server.endpoint}/_kinesin/clock?advance_ms={ms}", method="POST")).read()


def cost(server) -> dict:
    p = subprocess.run([str(KINESIN_BIN), "cost", "--json", "--endpoint", server.endpoint], capture_output=True, check=True)
    return json.loads(p.stdout)


def resource(doc: dict, service: str, name: str) -> dict:
    return next(r for r in doc["resources"] if r["service"] == service and r["name"] == name)


def items(r: dict) -> dict[str, float]:
    return {i["item"]: i["quantity"] for i in r["items"]}


def test_bill_of_a_known_workload(server):
    kinesis, sqs, firehose = clients(server)
    wall0 = time.time()
    kinesis.create_stream(StreamName="billed", ShardCount=2)
    wait_active(kinesis, "billed")
    kinesis.increase_stream_retention_period(StreamName="billed", RetentionPeriodHours=48)
    arn = kinesis.describe_stream_summary(StreamName="billed")["StreamDescriptionSummary"]["StreamARN"]
    kinesis.register_stream_consumer(StreamARN=arn, ConsumerName="efo")
    # 10 records of 30 KB + 1-byte key: 2 PUT payload units each; 5 small ones: 1 each
    kinesis.put_records(StreamName="billed", Records=[{"Data": b"x" * 30720, "PartitionKey": "k"}] * 10)
    for _ in range(5):
        kinesis.put_record(StreamName="billed", Data=b"y" * 100, PartitionKey="k")

    # standard queue: CreateQueue, 3 sends, a batch of 2 x 40 KB (80 KB: 2 requests) = 6
    std = sqs.create_queue(QueueName="billed-std")["QueueUrl"]
    for i in range(3):
        sqs.send_message(QueueUrl=std, MessageBody=f"m{i}")
    sqs.send_message_batch(QueueUrl=std, Entries=[{"Id": str(i), "MessageBody": "z" * 40960} for i in range(2)])
    # FIFO queue: CreateQueue and 2 sends = 3
    fifo = sqs.create_queue(QueueName="billed.fifo", Attributes={"FifoQueue": "true", "ContentBasedDeduplication": "true"})["QueueUrl"]
    for i in range(2):
        sqs.send_message(QueueUrl=fifo, MessageBody=f"f{i}", MessageGroupId="g")

    # Firehose: 1 KB -> 5 KB, 3 KB -> 5 KB, 12 KB -> 15 KB: 25 KB
    firehose.create_delivery_stream(DeliveryStreamName="billed-fh", ExtendedS3DestinationConfiguration={
        "RoleARN": "arn:aws:iam::000000000000:role/r", "BucketARN": "arn:aws:s3:::billed-bucket"})
    firehose.put_record(DeliveryStreamName="billed-fh", Record={"Data": b"a" * 1024})
    firehose.put_record_batch(DeliveryStreamName="billed-fh", Records=[{"Data": b"b" * 3072}, {"Data": b"c" * 12288}])

    advance(server, 3_600_000)
    t_sample = time.time()  # no later than the estimate's rate sample
    doc = cost(server)
    wall = time.time() - wall0
    assert doc["prices"]["region"] == "us-east-1" and doc["prices"]["kinesis"]["shardHour"] == SHARD_HOUR

    stream = items(resource(doc, "kinesis", "billed"))
    slack = 2 * wall / 3600  # real seconds that passed besides the hour
    assert 2.0 <= stream["shard-hours"] <= 2.0 + slack
    assert stream["extended-retention"] == stream["shard-hours"]
    assert 2.0 <= stream["efo-consumer-shard-hours"] <= 2.0 + slack
    assert stream["put-payload-units"] == 25
    assert items(resource(doc, "sqs", "billed-std"))["requests"] == 6
    assert items(resource(doc, "sqs", "billed.fifo"))["requests"] == 3
    fh = items(resource(doc, "firehose", "billed-fh"))
    assert fh["ingested"] == pytest.approx(25 / 1024 / 1024)

    sh, efo = stream["shard-hours"], stream["efo-consumer-shard-hours"]
    by_hand = (sh * SHARD_HOUR + 25 * PUT_UNIT + sh * EXT_RETENTION + efo * EFO_SHARD_HOUR
               + 6 * SQS_STD + 3 * SQS_FIFO + 25 / 1024 / 1024 * FIREHOSE_GB)
    assert doc["usd"] == pytest.approx(by_hand, rel=1e-9)
    # per hour now: 2 open shards, extended retention on both, one consumer on both
    hourly = 2 * SHARD_HOUR + 2 * EXT_RETENTION + 2 * EFO_SHARD_HOUR
    assert doc["usdPerHour"] == pytest.approx(hourly, rel=1e-9)

    # usage in the last minute counts at its hourly rate: 4 units a minute = 240 an hour
    for _ in range(4):
        kinesis.put_record(StreamName="billed", Data=b"y", PartitionKey="k")
    advance(server, 60_000)
    doc = cost(server)
    usage_rate = doc["usdPerHour"] - hourly
    real = time.time() - t_sample  # the window is 60 s plus at most the real time that passed
    assert 240 * PUT_UNIT * 60 / (60 + real) <= usage_rate <= 240 * PUT_UNIT * (1 + 1e-9)

    table = subprocess.run([str(KINESIN_BIN), "cost", "--endpoint", server.endpoint], capture_output=True, check=True).stdout.decode()
    assert "billed.fifo" in table and table.splitlines()[-1].startswith("TOTAL")
