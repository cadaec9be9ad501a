"""The core Kinesis flow through boto3, against one kinesin server per module."""

from __future__ import annotations

import base64
import random

import pytest
from botocore.exceptions import ClientError

from conftest import ACCOUNT, list_all_shards, read_stream, shard_for_key, unique_name, wait_active

N_RECORDS = 1000


def error_of(excinfo) -> tuple[str, str]:
    err = excinfo.value.response["Error"]
    return err["Code"], err["Message"]


def test_put_and_read_back_1000_records(kinesis, stream_name):
    rng = random.Random(20240601)
    kinesis.create_stream(StreamName=stream_name, ShardCount=4)
    wait_active(kinesis, stream_name)

    summary = kinesis.describe_stream_summary(StreamName=stream_name)["StreamDescriptionSummary"]
    assert summary["StreamStatus"] == "ACTIVE"
    assert summary["OpenShardCount"] == 4
    assert summary["RetentionPeriodHours"] == 24

    shards = list_all_shards(kinesis, stream_name)
    assert [s["ShardId"] for s in shards] == [f"shardId-{i:012d}" for i in range(4)]
    # the four ranges cover [0, 2^128 - 1] with no gap and no overlap
    assert int(shards[0]["HashKeyRange"]["StartingHashKey"]) == 0
    assert int(shards[-1]["HashKeyRange"]["EndingHashKey"]) == 2**128 - 1
    for a, b in zip(shards, shards[1:]):
        assert int(a["HashKeyRange"]["EndingHashKey"]) + 1 == int(b["HashKeyRange"]["StartingHashKey"])

    records = []
    for i in range(N_RECORDS):
        pk = "".join(rng.choice("abcdefghijklmnopqrstuvwxyz0123456789-_") for _ in range(rng.randint(1, 40)))
        if i % 7 == 0:
            data = bytes(rng.randrange(256) for _ in range(rng.randint(0, 64)))  # binary, some empty
        else:
            data = f"record {i} {pk}".encode()
        records.append({"i": i, "pk": pk, "data": data})

    # 900 through PutRecords (batches of 500 and 400), the last 100 through PutRecord
    acked: list[tuple[dict, str, str]] = []  # (record, shard, seq) in acknowledgement order
    for start, end in ((0, 500), (500, 900)):
        batch = records[start:end]
        resp = kinesis.put_records(
            StreamName=stream_name, Records=[{"Data": r["data"], "PartitionKey": r["pk"]} for r in batch]
        )
        assert resp["FailedRecordCount"] == 0
        assert len(resp["Records"]) == len(batch)
        for r, out in zip(batch, resp["Records"]):
            assert "ErrorCode" not in out
            acked.append((r, out["ShardId"], out["SequenceNumber"]))
    for r in records[900:]:
        out = kinesis.put_record(StreamName=stream_name, Data=r["data"], PartitionKey=r["pk"])
        acked.append((r, out["ShardId"], out["SequenceNumber"]))
    assert len(acked) == N_RECORDS

    # the shard a record went to is the one whose HashKeyRange holds MD5(partition key)
    for r, shard, _ in acked:
        assert shard == shard_for_key(shards, r["pk"]), r
    assert len({seq for _, _, seq in acked}) == N_RECORDS

    by_shard = read_stream(kinesis, stream_name)
    assert set(by_shard) == {s["ShardId"] for s in shards}
    assert sum(len(v) for v in by_shard.values()) == N_RECORDS

    for shard_id, got in by_shard.items():
        seqs = [int(rec["SequenceNumber"]) for rec in got]
        assert all(a < b for a, b in zip(seqs, seqs[1:])), f"{shard_id}: sequence numbers not strictly increasing"
        # one sequential writer: each shard holds its records in acknowledgement order
        expected = [(r["pk"], r["data"], seq) for r, sh, seq in acked if sh == shard_id]
        assert [(rec["PartitionKey"], rec["Data"], rec["SequenceNumber"]) for rec in got] == expected
        for rec in got:
            assert shard_for_key(shards, rec["PartitionKey"]) == shard_id
            assert rec["ApproximateArrivalTimestamp"] is not None
    # the hash spreads 1000 random keys over all four shards
    assert all(len(v) > 0 for v in by_shard.values())

    # AT_SEQUENCE_NUMBER / AFTER_SEQUENCE_NUMBER start where they say
    shard_id, got = next((k, v) for k, v in by_shard.items() if len(v) >= 3)
    mid = got[1]["SequenceNumber"]
    it = kinesis.get_shard_iterator(
        StreamName=stream_name, ShardId=shard_id, ShardIteratorType="AT_SEQUENCE_NUMBER", StartingSequenceNumber=mid
    )["ShardIterator"]
    assert kinesis.get_records(ShardIterator=it, Limit=1)["Records"][0]["SequenceNumber"] == mid
    it = kinesis.get_shard_iterator(
        StreamName=stream_name, ShardId=shard_id, ShardIteratorType="AFTER_SEQUENCE_NUMBER", StartingSequenceNumber=mid
    )["ShardIterator"]
    assert kinesis.get_records(ShardIterator=it, Limit=1)["Records"][0]["SequenceNumber"] == got[2]["SequenceNumber"]

    # LATEST sees only what is written after it
    it = kinesis.get_shard_iterator(StreamName=stream_name, ShardId=shard_id, ShardIteratorType="LATEST")["ShardIterator"]
    first = kinesis.get_records(ShardIterator=it)
    assert first["Records"] == []
    pk = next(r["pk"] for r, sh, _ in acked if sh == shard_id)
    put = kinesis.put_record(StreamName=stream_name, Data=b"after-latest", PartitionKey=pk)
    assert int(put["SequenceNumber"]) > int(got[-1]["SequenceNumber"])
    nxt = kinesis.get_records(ShardIterator=first["NextShardIterator"])
    assert [r["Data"] for r in nxt["Records"]] == [b"after-latest"]


def test_explicit_hash_key_routes_to_its_shard(kinesis, stream_name):
    kinesis.create_stream(StreamName=stream_name, ShardCount=4)
    wait_active(kinesis, stream_name)
    shards = list_all_shards(kinesis, stream_name)
    for s in shards:
        key = s["HashKeyRange"]["EndingHashKey"]
        out = kinesis.put_record(StreamName=stream_name, Data=b"x", PartitionKey="same-key", ExplicitHashKey=key)
        assert out["ShardId"] == s["ShardId"]


def test_tags(kinesis, stream_name):
    kinesis.create_stream(StreamName=stream_name, ShardCount=1)
    wait_active(kinesis, stream_name)
    resp = kinesis.list_tags_for_stream(StreamName=stream_name)
    assert resp["Tags"] == [] and resp["HasMoreTags"] is False

    kinesis.add_tags_to_stream(StreamName=stream_name, Tags={"team": "streams", "env": "test", "cost-center": "42"})
    resp = kinesis.list_tags_for_stream(StreamName=stream_name)
    assert resp["Tags"] == [
        {"Key": "cost-center", "Value": "42"},
        {"Key": "env", "Value": "test"},
        {"Key": "team", "Value": "streams"},
    ]
    assert resp["HasMoreTags"] is False

    # paging by key
    page = kinesis.list_tags_for_stream(StreamName=stream_name, Limit=1)
    assert page["Tags"] == [{"Key": "cost-center", "Value": "42"}] and page["HasMoreTags"] is True
    page = kinesis.list_tags_for_stream(StreamName=stream_name, Limit=5, ExclusiveStartTagKey="cost-center")
    assert [t["Key"] for t in page["Tags"]] == ["env", "team"] and page["HasMoreTags"] is False

    # overwrite a value, remove a key (and one that does not exist)
    kinesis.add_tags_to_stream(StreamName=stream_name, Tags={"env": "prod"})
    kinesis.remove_tags_from_stream(StreamName=stream_name, TagKeys=["team", "no-such-key"])
    resp = kinesis.list_tags_for_stream(StreamName=stream_name)
    assert resp["Tags"] == [{"Key": "cost-center", "Value": "42"}, {"Key": "env", "Value": "prod"}]

    missing = unique_name("missing")
    with pytest.raises(ClientError) as e:
        kinesis.add_tags_to_stream(StreamName=missing, Tags={"a": "b"})
    assert error_of(e) == ("ResourceNotFoundException", f"Stream {missing} under account {ACCOUNT} not found.")


def test_retention_period(kinesis, stream_name):
    kinesis.create_stream(StreamName=stream_name, ShardCount=1)
    wait_active(kinesis, stream_name)

    def retention():
        return kinesis.describe_stream_summary(StreamName=stream_name)["StreamDescriptionSummary"]["RetentionPeriodHours"]

    assert retention() == 24
    kinesis.increase_stream_retention_period(StreamName=stream_name, RetentionPeriodHours=48)
    wait_active(kinesis, stream_name)
    assert retention() == 48
    assert kinesis.describe_stream(StreamName=stream_name)["StreamDescription"]["RetentionPeriodHours"] == 48

    with pytest.raises(ClientError) as e:
        kinesis.increase_stream_retention_period(StreamName=stream_name, RetentionPeriodHours=30)
    assert error_of(e) == (
        "InvalidArgumentException",
        f"Requested retention period (30 hours) for stream {stream_name} can not be shorter than existing "
        "retention period (48 hours). Use DecreaseRetentionPeriod API.",
    )
    with pytest.raises(ClientError) as e:
        kinesis.decrease_stream_retention_period(StreamName=stream_name, RetentionPeriodHours=100)
    assert error_of(e) == (
        "InvalidArgumentException",
        f"Requested retention period (100 hours) for stream {stream_name} can not be longer than existing "
        "retention period (48 hours). Use IncreaseRetentionPeriod API.",
    )
    with pytest.raises(ClientError) as e:
        kinesis.increase_stream_retention_period(StreamName=stream_name, RetentionPeriodHours=8761)
    assert error_of(e) == (
        "InvalidArgumentException",
        "Maximum allowed retention period is 8760 hours. Requested retention period (8761 hours) is too long.",
    )
    with pytest.raises(ClientError) as e:
        kinesis.decrease_stream_retention_period(StreamName=stream_name, RetentionPeriodHours=23)
    assert error_of(e) == (
        "InvalidArgumentException",
        "Minimum allowed retention period is 24 hours. Requested retention period (23 hours) is too short.",
    )
    assert retention() == 48  # failed calls change nothing

    kinesis.decrease_stream_retention_period(StreamName=stream_name, RetentionPeriodHours=24)
    wait_active(kinesis, stream_name)
    assert retention() == 24
    kinesis.increase_stream_retention_period(StreamName=stream_name, RetentionPeriodHours=8760)
    wait_active(kinesis, stream_name)
    assert retention() == 8760

    missing = unique_name("missing")
    with pytest.raises(ClientError) as e:
        kinesis.increase_stream_retention_period(StreamName=missing, RetentionPeriodHours=48)
    assert error_of(e) == ("ResourceNotFoundException", f"Stream {missing} under account {ACCOUNT} not found.")


def test_list_streams_paginator(kinesis):
    prefix = unique_name("pg")
    names = sorted(f"{prefix}-{i:02d}" for i in range(7))
    for n in reversed(names):
        kinesis.create_stream(StreamName=n, ShardCount=1)
    for n in names:
        wait_active(kinesis, n)

    pages = list(kinesis.get_paginator("list_streams").paginate(PaginationConfig={"PageSize": 2, "MaxItems": 10000}))
    assert len(pages) >= 4
    assert all(len(p["StreamNames"]) <= 2 for p in pages)
    all_names = [n for p in pages for n in p["StreamNames"]]
    assert len(all_names) == len(set(all_names)), "a stream was listed twice"
    assert all_names == sorted(all_names)
    assert [n for n in all_names if n.startswith(prefix)] == names
    assert pages[-1]["HasMoreStreams"] is False
    summaries = [s for p in pages for s in p.get("StreamSummaries", [])]
    if summaries:
        assert [s["StreamName"] for s in summaries] == all_names
        ours = [s for s in summaries if s["StreamName"].startswith(prefix)]
        assert all(s["StreamStatus"] == "ACTIVE" for s in ours)
        assert all(s["StreamARN"] == f"arn:aws:kinesis:us-east-1:{ACCOUNT}:stream/{s['StreamName']}" for s in ours)

    # ExclusiveStartStreamName: strictly after, and the name need not exist
    resp = kinesis.list_streams(ExclusiveStartStreamName=names[2], Limit=3)
    assert resp["StreamNames"][:3] == names[3:6]
    resp = kinesis.list_streams(ExclusiveStartStreamName=names[2] + "x", Limit=1)
    assert resp["StreamNames"] == [names[3]]

    # the whole list through the paginator equals one big page
    one = kinesis.list_streams(Limit=100)
    if not one["HasMoreStreams"]:
        assert one["StreamNames"] == all_names


def test_describe_stream_paginator(kinesis, stream_name):
    kinesis.create_stream(StreamName=stream_name, ShardCount=5)
    wait_active(kinesis, stream_name)
    pages = list(
        kinesis.get_paginator("describe_stream").paginate(StreamName=stream_name, PaginationConfig={"PageSize": 2})
    )
    assert [len(p["StreamDescription"]["Shards"]) for p in pages] == [2, 2, 1]
    ids = [s["ShardId"] for p in pages for s in p["StreamDescription"]["Shards"]]
    assert ids == [f"shardId-{i:012d}" for i in range(5)]
    assert [p["StreamDescription"]["HasMoreShards"] for p in pages] == [True, True, False]

    full = kinesis.get_paginator("describe_stream").paginate(StreamName=stream_name).build_full_result()
    desc = full["StreamDescription"]
    assert [s["ShardId"] for s in desc["Shards"]] == ids
    assert desc["StreamName"] == stream_name
    assert desc["StreamARN"] == f"arn:aws:kinesis:us-east-1:{ACCOUNT}:stream/{stream_name}"
    assert desc["StreamStatus"] == "ACTIVE"

    # ListShards paging with NextToken covers the same shards
    first = kinesis.list_shards(StreamName=stream_name, MaxResults=2)
    assert [s["ShardId"] for s in first["Shards"]] == ids[:2] and first.get("NextToken")
    seen = [s["ShardId"] for s in first["Shards"]]
    token = first["NextToken"]
    for _ in range(10):
        page = kinesis.list_shards(NextToken=token, MaxResults=2)
        seen += [s["ShardId"] for s in page["Shards"]]
        token = page.get("NextToken")
        if not token:
            break
    assert seen == ids
    # (botocore's list_shards paginator resends StreamName with NextToken, which AWS rejects;
    # so it is not used here.)
    with pytest.raises(ClientError) as e:
        kinesis.list_shards(StreamName=stream_name, NextToken=first["NextToken"])
    assert error_of(e) == ("InvalidArgumentException", "NextToken and StreamName cannot be provided together.")


def test_delete_stream(kinesis, stream_name):
    kinesis.create_stream(StreamName=stream_name, ShardCount=2)
    wait_active(kinesis, stream_name)
    kinesis.put_record(StreamName=stream_name, Data=b"x", PartitionKey="k")
    kinesis.delete_stream(StreamName=stream_name)
    kinesis.get_waiter("stream_not_exists").wait(StreamName=stream_name, WaiterConfig={"Delay": 0.2, "MaxAttempts": 150})
    assert stream_name not in kinesis.list_streams(Limit=10000)["StreamNames"]
    with pytest.raises(ClientError) as e:
        kinesis.describe_stream(StreamName=stream_name)
    assert error_of(e) == ("ResourceNotFoundException", f"Stream {stream_name} under account {ACCOUNT} not found.")
    # the name can be used again, and the new stream is empty
    kinesis.create_stream(StreamName=stream_name, ShardCount=1)
    wait_active(kinesis, stream_name)
    assert sum(len(v) for v in read_stream(kinesis, stream_name).values()) == 0


def test_error_codes_and_messages(kinesis, stream_name):
    missing = unique_name("missing")
    not_found = ("ResourceNotFoundException", f"Stream {missing} under account {ACCOUNT} not found.")

    for call in (
        lambda: kinesis.describe_stream(StreamName=missing),
        lambda: kinesis.describe_stream_summary(StreamName=missing),
        lambda: kinesis.delete_stream(StreamName=missing),
        lambda: kinesis.put_record(StreamName=missing, Data=b"x", PartitionKey="k"),
        lambda: kinesis.put_records(StreamName=missing, Records=[{"Data": b"x", "PartitionKey": "k"}]),
        lambda: kinesis.list_shards(StreamName=missing),
        lambda: kinesis.list_tags_for_stream(StreamName=missing),
    ):
        with pytest.raises(ClientError) as e:
            call()
        assert error_of(e) == not_found
        assert e.value.response["ResponseMetadata"]["HTTPStatusCode"] == 400

    kinesis.create_stream(StreamName=stream_name, ShardCount=2)
    wait_active(kinesis, stream_name)
    with pytest.raises(ClientError) as e:
        kinesis.create_stream(StreamName=stream_name, ShardCount=1)
    assert error_of(e) == ("ResourceInUseException", f"Stream {stream_name} under account {ACCOUNT} already exists.")

    with pytest.raises(ClientError) as e:
        kinesis.create_stream(StreamName="bad name!", ShardCount=1)
    assert error_of(e) == (
        "ValidationException",
        "1 validation error detected: Value 'bad name!' at 'streamName' failed to satisfy constraint: "
        "Member must satisfy regular expression pattern: [a-zA-Z0-9_.-]+",
    )

    with pytest.raises(ClientError) as e:
        kinesis.get_shard_iterator(StreamName=stream_name, ShardId="shardId-000000000005", ShardIteratorType="LATEST")
    assert error_of(e) == (
        "ResourceNotFoundException",
        f"Shard shardId-000000000005 in stream {stream_name} under account {ACCOUNT} does not exist",
    )

    with pytest.raises(ClientError) as e:
        kinesis.get_shard_iterator(
            StreamName=stream_name, ShardId="shardId-000000000000", ShardIteratorType="AT_SEQUENCE_NUMBER"
        )
    assert error_of(e) == (
        "InvalidArgumentException",
        "Must either specify (1) AT_SEQUENCE_NUMBER or AFTER_SEQUENCE_NUMBER and StartingSequenceNumber or "
        "(2) TRIM_HORIZON or LATEST and no StartingSequenceNumber. Request specified AT_SEQUENCE_NUMBER and no "
        "StartingSequenceNumber.",
    )

    # a sequence number from shard 1 used on shard 0
    put = kinesis.put_record(
        StreamName=stream_name, Data=b"x", PartitionKey="k", ExplicitHashKey=str(2**128 - 1)
    )
    assert put["ShardId"] == "shardId-000000000001"
    with pytest.raises(ClientError) as e:
        kinesis.get_shard_iterator(
            StreamName=stream_name,
            ShardId="shardId-000000000000",
            ShardIteratorType="AT_SEQUENCE_NUMBER",
            StartingSequenceNumber=put["SequenceNumber"],
        )
    assert error_of(e) == (
        "InvalidArgumentException",
        "Invalid StartingSequenceNumber. It encodes shardId-000000000001, while it was used in a call to a shard "
        "with shardId-000000000000",
    )

    with pytest.raises(ClientError) as e:
        kinesis.get_records(ShardIterator=base64.b64encode(b"not an iterator" * 12).decode())
    assert error_of(e) == ("InvalidArgumentException", "Invalid ShardIterator.")

    with pytest.raises(ClientError) as e:
        kinesis.put_record(StreamName=stream_name, Data=b"x", PartitionKey="k", ExplicitHashKey=str(2**128))
    assert error_of(e) == (
        "InvalidArgumentException",
        f"Invalid ExplicitHashKey. ExplicitHashKey must be in the range: [0, 2^128-1]. Specified value was {2**128}",
    )

    with pytest.raises(ClientError) as e:
        kinesis.put_record(StreamName=stream_name, Data=b"x" * (1024 * 1024 + 1), PartitionKey="k")
    assert error_of(e) == (
        "ValidationException",
        "1 validation error detected: Value 'java.nio.HeapByteBuffer[pos=0 lim=1048577 cap=1048577]' at 'data' "
        "failed to satisfy constraint: Member must have length less than or equal to 1048576",
    )

    with pytest.raises(ClientError) as e:
        kinesis.list_shards()
    assert error_of(e) == ("InvalidArgumentException", "Either NextToken or StreamName should be provided.")

    # none of the failures above wrote anything beyond the one good record
    assert sum(len(v) for v in read_stream(kinesis, stream_name).values()) == 1
