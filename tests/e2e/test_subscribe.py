"""Enhanced fan-out through boto3: RegisterStreamConsumer and SubscribeToShard (event stream)."""

from __future__ import annotations

import threading
import time

import pytest
from botocore.exceptions import ClientError

from conftest import unique_name, wait_active


def active_consumer(kinesis, stream_arn: str, name: str) -> str:
    arn = kinesis.register_stream_consumer(StreamARN=stream_arn, ConsumerName=name)["Consumer"]["ConsumerARN"]
    deadline = time.time() + 30
    while time.time() < deadline:
        desc = kinesis.describe_stream_consumer(ConsumerARN=arn)["ConsumerDescription"]
        if desc["ConsumerStatus"] == "ACTIVE":
            return arn
        time.sleep(0.05)
    raise AssertionError("consumer never became ACTIVE")


def stream(kinesis, shards: int = 1) -> tuple[str, str]:
    name = unique_name("efo")
    kinesis.create_stream(StreamName=name, ShardCount=shards)
    wait_active(kinesis, name)
    arn = kinesis.describe_stream_summary(StreamName=name)["StreamDescriptionSummary"]["StreamARN"]
    return name, arn


def collect(event_stream, want: int, max_seconds: float = 20) -> tuple[list[dict], list[dict]]:
    """Reads events until `want` records have arrived (or the stream ends)."""
    records, events = [], []
    deadline = time.time() + max_seconds
    for event in event_stream:
        assert "SubscribeToShardEvent" in event, event
        e = event["SubscribeToShardEvent"]
        events.append(e)
        records.extend(e["Records"])
        if len(records) >= want or time.time() > deadline or e.get("ChildShards"):
            break
    return records, events


def test_subscribe_reads_history_then_live_records(kinesis):
    name, arn = stream(kinesis)
    consumer = active_consumer(kinesis, arn, "c1")
    for i in range(5):
        kinesis.put_record(StreamName=name, PartitionKey="k", Data=f"old-{i}".encode())
    resp = kinesis.subscribe_to_shard(
        ConsumerARN=consumer, ShardId="shardId-000000000000", StartingPosition={"Type": "TRIM_HORIZON"}
    )
    events = resp["EventStream"]
    records, seen = collect(events, 5)
    assert [r["Data"] for r in records] == [f"old-{i}".encode() for i in range(5)]
    # The continuation is a position after the records, not one of their numbers (as AWS's).
    assert int(seen[-1]["ContinuationSequenceNumber"]) > int(records[-1]["SequenceNumber"])

    def later():
        time.sleep(0.3)
        for i in range(3):
            kinesis.put_record(StreamName=name, PartitionKey="k", Data=f"new-{i}".encode())

    t = threading.Thread(target=later)
    t.start()
    live, _ = collect(events, 3)
    t.join()
    assert [r["Data"] for r in live] == [f"new-{i}".encode() for i in range(3)]
    seqs = [int(r["SequenceNumber"]) for r in records + live]
    assert seqs == sorted(seqs) and len(set(seqs)) == 8

    # One subscription per consumer and shard at a time.
    with pytest.raises(ClientError) as e:
        kinesis.subscribe_to_shard(
            ConsumerARN=consumer, ShardId="shardId-000000000000", StartingPosition={"Type": "LATEST"}
        )
    assert e.value.response["Error"]["Code"] == "ResourceInUseException"
    events.close()


def test_starting_positions(kinesis):
    name, arn = stream(kinesis)
    consumer = active_consumer(kinesis, arn, "c2")
    seqs = [kinesis.put_record(StreamName=name, PartitionKey="k", Data=bytes([i]))["SequenceNumber"] for i in range(4)]
    cases = [
        ({"Type": "AT_SEQUENCE_NUMBER", "SequenceNumber": seqs[1]}, [1, 2, 3]),
        ({"Type": "AFTER_SEQUENCE_NUMBER", "SequenceNumber": seqs[1]}, [2, 3]),
        ({"Type": "AT_TIMESTAMP", "Timestamp": time.time() - 60}, [0, 1, 2, 3]),
    ]
    for position, want in cases:
        resp = subscribe_when_free(kinesis, consumer, position)
        records, _ = collect(resp["EventStream"], len(want))
        resp["EventStream"].close()
        assert [r["Data"][0] for r in records] == want, position


def subscribe_when_free(kinesis, consumer, position):
    """Subscribes, waiting while a just-closed subscription still holds the slot."""
    deadline = time.time() + 15
    while True:
        try:
            return kinesis.subscribe_to_shard(ConsumerARN=consumer, ShardId="shardId-000000000000", StartingPosition=position)
        except ClientError as e:
            if e.response["Error"]["Code"] != "ResourceInUseException" or time.time() > deadline:
                raise
            time.sleep(0.1)


def test_parent_end_reports_child_shards(kinesis):
    name, arn = stream(kinesis)
    consumer = active_consumer(kinesis, arn, "c3")
    kinesis.put_record(StreamName=name, PartitionKey="k", Data=b"before")
    resp = kinesis.subscribe_to_shard(
        ConsumerARN=consumer, ShardId="shardId-000000000000", StartingPosition={"Type": "TRIM_HORIZON"}
    )
    records, _ = collect(resp["EventStream"], 1)
    assert [r["Data"] for r in records] == [b"before"]
    kinesis.split_shard(StreamName=name, ShardToSplit="shardId-000000000000", NewStartingHashKey=str(2**127))
    wait_active(kinesis, name)
    _, events = collect(resp["EventStream"], 10**9)
    last = events[-1]
    assert "ContinuationSequenceNumber" not in last, "the shard's last event has no continuation"
    assert sorted(c["ShardId"] for c in last["ChildShards"]) == ["shardId-000000000001", "shardId-000000000002"]
    assert list(resp["EventStream"]) == [], "the stream ends after the children are reported"


def test_errors(kinesis):
    name, arn = stream(kinesis)
    with pytest.raises(ClientError) as e:
        kinesis.subscribe_to_shard(
            ConsumerARN=arn + "/consumer/nope:1", ShardId="shardId-000000000000", StartingPosition={"Type": "LATEST"}
        )
    assert e.value.response["Error"]["Code"] == "ResourceNotFoundException"
    consumer = active_consumer(kinesis, arn, "c4")
    with pytest.raises(ClientError) as e:
        kinesis.subscribe_to_shard(ConsumerARN=consumer, ShardId="shardId-000000000007", StartingPosition={"Type": "LATEST"})
    assert e.value.response["Error"]["Code"] == "ResourceNotFoundException"
    with pytest.raises(ClientError) as e:
        kinesis.subscribe_to_shard(
            ConsumerARN=consumer, ShardId="shardId-000000000000", StartingPosition={"Type": "AT_SEQUENCE_NUMBER"}
        )
    assert e.value.response["Error"]["Code"] == "InvalidArgumentException"
