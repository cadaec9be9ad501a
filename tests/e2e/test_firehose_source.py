"""Firehose reading a Kinesis data stream (KinesisStreamAsSource), through boto3: records put
after creation arrive in kinesin's S3 once each, across a split and a merge, in order per
partition key, and across a SIGKILL; KPL-aggregated records are de-aggregated; PutRecord is
refused."""

from __future__ import annotations

import hashlib
import json
import threading
import time
import urllib.request

import boto3
import pytest
from botocore.config import Config
from botocore.exceptions import ClientError

from conftest import ACCESS_KEY, ACCOUNT, REGION, SECRET_KEY, list_all_shards, make_kinesis_client, unique_name, wait_active

ROLE = "arn:aws:iam::000000000000:role/firehose"
KPL_MAGIC = bytes([0xF3, 0x89, 0x9A, 0xC2])


def clients(endpoint: str):
    session = boto3.session.Session(aws_access_key_id=ACCESS_KEY, aws_secret_access_key=SECRET_KEY, region_name=REGION)
    cfg = Config(retries={"total_max_attempts": 2, "mode": "standard"}, read_timeout=30, s3={"addressing_style": "path"})
    return (
        session.client("firehose", endpoint_url=endpoint, config=cfg),
        session.client("s3", endpoint_url=endpoint, config=cfg),
        make_kinesis_client(endpoint),
    )


# ---------------------------------------------------------------- KPL aggregation, by hand


def varint(n: int) -> bytes:
    out = bytearray()
    while n >= 0x80:
        out.append((n & 0x7F) | 0x80)
        n >>= 7
    out.append(n)
    return bytes(out)


def pb_bytes(field: int, data: bytes) -> bytes:
    return varint(field << 3 | 2) + varint(len(data)) + data


def pb_varint(field: int, value: int) -> bytes:
    return varint(field << 3) + varint(value)


def kpl_aggregate(partition_keys: list[str], records: list[tuple[int, bytes]]) -> bytes:
    """A KPL aggregated record: magic, AggregatedRecord protobuf, MD5 of the protobuf."""
    msg = b"".join(pb_bytes(1, k.encode()) for k in partition_keys)
    for index, data in records:
        msg += pb_bytes(3, pb_varint(1, index) + pb_bytes(3, data))
    return KPL_MAGIC + msg + hashlib.md5(msg).digest()


# ---------------------------------------------------------------- helpers


def objects(s3, bucket: str) -> list[bytes]:
    keys = [o["Key"] for o in s3.list_objects_v2(Bucket=bucket).get("Contents", [])]
    return [s3.get_object(Bucket=bucket, Key=k)["Body"].read() for k in keys]


def delivered(s3, bucket: str) -> list[list[dict]]:
    """The JSON-line records of every object."""
    return [[json.loads(line) for line in body.decode().splitlines()] for body in objects(s3, bucket)]


def wait_for_lines(s3, bucket: str, count: int, timeout: float = 30) -> list[list[dict]]:
    """Polls until the objects hold `count` JSON lines; returns each object's records."""
    deadline = time.monotonic() + timeout
    while True:
        per_object = delivered(s3, bucket)
        got = sum(len(o) for o in per_object)
        if got >= count:
            return per_object
        assert time.monotonic() < deadline, f"only {got} of {count} records delivered within {timeout}s"
        time.sleep(0.2)


def record(key: str, i: int) -> bytes:
    return (json.dumps({"k": key, "i": i}) + "\n").encode()


def put_round(kinesis, stream: str, keys: list[str], counters: dict[str, int], per_key: int) -> None:
    entries = []
    for _ in range(per_key):
        for k in keys:
            entries.append({"Data": record(k, counters[k]), "PartitionKey": k})
            counters[k] += 1
    out = kinesis.put_records(StreamName=stream, Records=entries)
    assert out["FailedRecordCount"] == 0


def open_shards(kinesis, stream: str) -> list[dict]:
    return [s for s in list_all_shards(kinesis, stream) if "EndingSequenceNumber" not in s["SequenceNumberRange"]]


def create_source_firehose(fh, name: str, stream_arn: str, bucket: str):
    return fh.create_delivery_stream(
        DeliveryStreamName=name,
        DeliveryStreamType="KinesisStreamAsSource",
        KinesisStreamSourceConfiguration={"KinesisStreamARN": stream_arn, "RoleARN": ROLE},
        ExtendedS3DestinationConfiguration={
            "RoleARN": ROLE,
            "BucketARN": f"arn:aws:s3:::{bucket}",
            "BufferingHints": {"SizeInMBs": 1, "IntervalInSeconds": 60},
        },
    )


# ---------------------------------------------------------------- tests


def advance_clock(endpoint: str, ms: int) -> None:
    req = urllib.request.Request(f"{endpoint}/_kinesin/clock?advance_ms={ms}", data=b"", method="POST")
    with urllib.request.urlopen(req, timeout=10) as r:
        assert r.status == 200


def test_source_stream_delivers_once_in_order_across_resharding(start_kinesin):
    # Streams stay CREATING until the clock is moved: the split and the merge below happen
    # while the delivery stream is CREATING, so its parents are still unread when their
    # children receive records, and one pump then reads everything.
    delay = 3_600_000
    server = start_kinesin(
        "--time-travel", "--create-stream-delay-ms", str(delay), "--firehose-interval-override-secs", "1"
    )
    fh, s3, kinesis = clients(server.endpoint)
    stream, name, bucket = unique_name("src"), unique_name("fh"), unique_name("bkt")
    s3.create_bucket(Bucket=bucket)
    kinesis.create_stream(StreamName=stream, ShardCount=2)
    advance_clock(server.endpoint, delay)
    wait_active(kinesis, stream)
    stream_arn = f"arn:aws:kinesis:{REGION}:{ACCOUNT}:stream/{stream}"

    # Put before the delivery stream exists: never delivered (it reads from LATEST).
    kinesis.put_record(StreamName=stream, Data=record("early", 0), PartitionKey="early")

    out = create_source_firehose(fh, name, stream_arn, bucket)
    assert out["DeliveryStreamARN"] == f"arn:aws:firehose:{REGION}:{ACCOUNT}:deliverystream/{name}"
    desc = fh.describe_delivery_stream(DeliveryStreamName=name)["DeliveryStreamDescription"]
    assert desc["DeliveryStreamType"] == "KinesisStreamAsSource"
    assert desc["DeliveryStreamStatus"] == "CREATING"
    src = desc["Source"]["KinesisStreamSourceDescription"]
    assert (src["KinesisStreamARN"], src["RoleARN"]) == (stream_arn, ROLE)
    assert src["DeliveryStartTimestamp"] == desc["CreateTimestamp"]

    keys = [f"key-{i}" for i in range(12)]
    counters = {k: 0 for k in keys}
    put_round(kinesis, stream, keys, counters, 3)

    # Split the first shard in the middle of its range, put, merge the two children, put.
    first = open_shards(kinesis, stream)[0]
    lo, hi = int(first["HashKeyRange"]["StartingHashKey"]), int(first["HashKeyRange"]["EndingHashKey"])
    kinesis.split_shard(StreamName=stream, ShardToSplit=first["ShardId"], NewStartingHashKey=str((lo + hi) // 2 + 1))
    wait_active(kinesis, stream)
    put_round(kinesis, stream, keys, counters, 3)
    children = sorted(
        (s for s in open_shards(kinesis, stream) if s.get("ParentShardId") == first["ShardId"]),
        key=lambda s: int(s["HashKeyRange"]["StartingHashKey"]),
    )
    assert len(children) == 2
    kinesis.merge_shards(
        StreamName=stream, ShardToMerge=children[0]["ShardId"], AdjacentShardToMerge=children[1]["ShardId"]
    )
    wait_active(kinesis, stream)
    put_round(kinesis, stream, keys, counters, 3)

    # One KPL-aggregated record holding three user records.
    agg = kpl_aggregate(["agg-a", "agg-b"], [(0, record("agg-a", 0)), (1, record("agg-b", 0)), (0, record("agg-a", 1))])
    kinesis.put_record(StreamName=stream, Data=agg, PartitionKey="outer")
    time.sleep(1.5)
    assert objects(s3, bucket) == [], "a CREATING delivery stream delivered"
    advance_clock(server.endpoint, delay)
    assert fh.describe_delivery_stream(DeliveryStreamName=name)["DeliveryStreamDescription"]["DeliveryStreamStatus"] == "ACTIVE"

    total = sum(counters.values()) + 3
    per_object = wait_for_lines(s3, bucket, total)
    delivered = [r for o in per_object for r in o]
    # Every record exactly once; nothing from before the delivery stream existed.
    got = sorted((r["k"], r["i"]) for r in delivered)
    want = sorted([(k, i) for k in keys for i in range(counters[k])] + [("agg-a", 0), ("agg-b", 0), ("agg-a", 1)])
    assert got == want
    # Order per partition key: increasing inside each object, and objects never interleave.
    ranges: dict[str, list[tuple[int, int]]] = {}
    for o in per_object:
        for k in {r["k"] for r in o}:
            seq = [r["i"] for r in o if r["k"] == k]
            assert seq == sorted(seq), f"{k} out of order in an object: {seq}"
            assert seq == list(range(seq[0], seq[-1] + 1)), f"{k} has a gap in an object: {seq}"
            ranges.setdefault(k, []).append((seq[0], seq[-1]))
    for k, rs in ranges.items():
        rs.sort()
        assert all(a[1] < b[0] for a, b in zip(rs, rs[1:])), f"{k} interleaves across objects: {rs}"
    # Stays delivered once: nothing more arrives.
    time.sleep(1.5)
    assert sum(len(o) for o in wait_for_lines(s3, bucket, total)) == total


def test_put_record_and_creation_errors(start_kinesin):
    server = start_kinesin()
    fh, s3, kinesis = clients(server.endpoint)
    stream, name, bucket = unique_name("src"), unique_name("fh"), unique_name("bkt")
    stream_arn = f"arn:aws:kinesis:{REGION}:{ACCOUNT}:stream/{stream}"
    s3.create_bucket(Bucket=bucket)

    with pytest.raises(ClientError) as e:
        create_source_firehose(fh, name, stream_arn, bucket)
    assert e.value.response["Error"]["Code"] == "InvalidArgumentException"

    kinesis.create_stream(StreamName=stream, ShardCount=1)
    wait_active(kinesis, stream)
    with pytest.raises(ClientError) as e:
        fh.create_delivery_stream(
            DeliveryStreamName=name,
            DeliveryStreamType="KinesisStreamAsSource",
            ExtendedS3DestinationConfiguration={"RoleARN": ROLE, "BucketARN": f"arn:aws:s3:::{bucket}"},
        )
    assert e.value.response["Error"]["Code"] == "InvalidArgumentException"
    create_source_firehose(fh, name, stream_arn, bucket)

    for call in (
        lambda: fh.put_record(DeliveryStreamName=name, Record={"Data": b"x"}),
        lambda: fh.put_record_batch(DeliveryStreamName=name, Records=[{"Data": b"x"}]),
    ):
        with pytest.raises(ClientError) as e:
            call()
        err = e.value.response["Error"]
        assert err["Code"] == "InvalidArgumentException"
        assert err["Message"] == "This operation is not permitted on KinesisStreamAsSource delivery stream type."
    with pytest.raises(ClientError) as e:
        fh.start_delivery_stream_encryption(DeliveryStreamName=name)
    assert e.value.response["Error"]["Code"] == "InvalidArgumentException"
    assert fh.list_delivery_streams(DeliveryStreamType="KinesisStreamAsSource")["DeliveryStreamNames"] == [name]
    assert fh.list_delivery_streams(DeliveryStreamType="DirectPut")["DeliveryStreamNames"] == []


def test_sigkill_neither_loses_nor_repeats_source_records(start_kinesin, tmp_path):
    data_dir = tmp_path / "data"
    args = ("--data-dir", str(data_dir), "--firehose-interval-override-secs", "1")
    server = start_kinesin(*args)
    fh, s3, kinesis = clients(server.endpoint)
    stream, name, bucket = unique_name("src"), unique_name("fh"), unique_name("bkt")
    s3.create_bucket(Bucket=bucket)
    kinesis.create_stream(StreamName=stream, ShardCount=2)
    wait_active(kinesis, stream)
    create_source_firehose(fh, name, f"arn:aws:kinesis:{REGION}:{ACCOUNT}:stream/{stream}", bucket)

    acked: list[tuple[str, int]] = []
    sent: list[tuple[str, int]] = []
    failed: list[int] = []
    stop = threading.Event()

    def writer(endpoint: str) -> None:
        client = make_kinesis_client(endpoint, retries=1, read_timeout=5, connect_timeout=2)
        n = 0
        while not stop.is_set():
            batch = [(f"key-{(n + i) % 7}", n + i) for i in range(20)]
            n += 20
            sent.extend(batch)
            try:
                out = client.put_records(
                    StreamName=stream, Records=[{"Data": record(k, i), "PartitionKey": k} for k, i in batch]
                )
            except Exception:  # the server died mid-request: these may or may not be stored
                return
            if out["FailedRecordCount"]:
                failed.append(out["FailedRecordCount"])
                return
            acked.extend(batch)

    t = threading.Thread(target=writer, args=(server.endpoint,), daemon=True)
    t.start()
    deadline = time.monotonic() + 30
    while len(acked) < 400 and time.monotonic() < deadline:
        time.sleep(0.05)
    assert len(acked) >= 400, "the writer got too few records acknowledged"
    server.kill()  # SIGKILL while records are being put, moved and delivered
    stop.set()
    t.join(timeout=30)
    assert not t.is_alive()
    assert not failed, f"the live server failed records: {failed}"

    server = start_kinesin(*args)
    fh, s3, kinesis = clients(server.endpoint)
    kinesis.put_record(StreamName=stream, Data=record("after", 0), PartitionKey="after")
    acked.append(("after", 0))
    sent.append(("after", 0))
    wanted = set(acked)
    deadline = time.monotonic() + 60
    while True:
        got = [(r["k"], r["i"]) for o in delivered(s3, bucket) for r in o]
        if wanted <= set(got):
            break
        assert time.monotonic() < deadline, f"{len(wanted - set(got))} acknowledged records never delivered"
        time.sleep(0.2)
    assert len(got) == len(set(got)), "a record was delivered twice"
    assert set(got) <= set(sent)
