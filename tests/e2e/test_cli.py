"""The core Kinesis flow through the installed AWS CLI (v1 or v2)."""

from __future__ import annotations

import base64
import json

import pytest

from conftest import ACCOUNT, make_kinesis_client, shard_for_key, unique_name


def test_cli_core_flow(aws_cli, endpoint):
    ep = endpoint
    name = unique_name("cli")

    assert aws_cli.run(ep, "create-stream", "--stream-name", name, "--shard-count", "2").stdout.strip() == ""
    aws_cli.run(ep, "wait", "stream-exists", "--stream-name", name)

    summary = aws_cli.json(ep, "describe-stream-summary", "--stream-name", name)["StreamDescriptionSummary"]
    assert summary["StreamName"] == name
    assert summary["StreamStatus"] == "ACTIVE"
    assert summary["OpenShardCount"] == 2
    assert summary["RetentionPeriodHours"] == 24
    assert summary["StreamARN"] == f"arn:aws:kinesis:us-east-1:{ACCOUNT}:stream/{name}"

    assert name in aws_cli.json(ep, "list-streams")["StreamNames"]

    shards = aws_cli.json(ep, "list-shards", "--stream-name", name)["Shards"]
    assert [s["ShardId"] for s in shards] == ["shardId-000000000000", "shardId-000000000001"]

    # put-record: raw text in (v2 needs --cli-binary-format raw-in-base64-out for that)
    sent: list[tuple[str, bytes, str, str]] = []  # (partition key, data, shard, seq)
    for i in range(6):
        pk, data = f"key-{i}", f"cli record {i}"
        out = aws_cli.json(
            ep, "put-record", "--stream-name", name, "--partition-key", pk, "--data", data, *aws_cli.raw_blob_args
        )
        assert out["ShardId"] == shard_for_key(shards, pk)
        assert out["SequenceNumber"].isdigit()
        sent.append((pk, data.encode(), out["ShardId"], out["SequenceNumber"]))

    # put-records with a JSON list
    batch = [{"Data": f"batch record {i}", "PartitionKey": f"batch-{i}"} for i in range(10)]
    out = aws_cli.json(
        ep, "put-records", "--stream-name", name, "--records", json.dumps(batch), *aws_cli.raw_blob_args
    )
    assert out["FailedRecordCount"] == 0
    assert len(out["Records"]) == 10
    for entry, res in zip(batch, out["Records"]):
        assert res["ShardId"] == shard_for_key(shards, entry["PartitionKey"])
        sent.append((entry["PartitionKey"], entry["Data"].encode(), res["ShardId"], res["SequenceNumber"]))

    # get-shard-iterator + get-records on each shard
    got: list[tuple[str, bytes, str, str]] = []
    for shard in shards:
        sid = shard["ShardId"]
        it = aws_cli.json(
            ep, "get-shard-iterator", "--stream-name", name, "--shard-id", sid, "--shard-iterator-type", "TRIM_HORIZON"
        )["ShardIterator"]
        for _ in range(20):
            page = aws_cli.json(ep, "get-records", "--shard-iterator", it, "--limit", "1000")
            for rec in page["Records"]:
                # the CLI prints blobs base64-encoded
                got.append((rec["PartitionKey"], base64.b64decode(rec["Data"]), sid, rec["SequenceNumber"]))
            if not page["Records"] and page["MillisBehindLatest"] == 0:
                break
            it = page["NextShardIterator"]
        else:
            pytest.fail(f"{sid} not caught up after 20 get-records calls")
    assert sorted(got) == sorted(sent)
    for sid in {s["ShardId"] for s in shards}:
        seqs = [int(seq) for _, _, shard, seq in got if shard == sid]
        assert seqs == sorted(seqs) and len(set(seqs)) == len(seqs)
        assert [x for x in got if x[2] == sid] == [x for x in sent if x[2] == sid]

    # tags
    assert aws_cli.run(ep, "add-tags-to-stream", "--stream-name", name, "--tags", "env=test,team=cli").stdout.strip() == ""
    tags = aws_cli.json(ep, "list-tags-for-stream", "--stream-name", name)
    assert tags["Tags"] == [{"Key": "env", "Value": "test"}, {"Key": "team", "Value": "cli"}]
    assert tags["HasMoreTags"] is False
    aws_cli.run(ep, "remove-tags-from-stream", "--stream-name", name, "--tag-keys", "team")
    assert aws_cli.json(ep, "list-tags-for-stream", "--stream-name", name)["Tags"] == [{"Key": "env", "Value": "test"}]

    # retention
    aws_cli.run(ep, "increase-stream-retention-period", "--stream-name", name, "--retention-period-hours", "72")
    summary = aws_cli.json(ep, "describe-stream-summary", "--stream-name", name)["StreamDescriptionSummary"]
    assert summary["RetentionPeriodHours"] == 72

    # an error: exit status 254 (v2) / 255 (v1), code and message on stderr
    bad = aws_cli.run(
        ep, "increase-stream-retention-period", "--stream-name", name, "--retention-period-hours", "48", check=False
    )
    assert bad.returncode != 0
    assert "InvalidArgumentException" in bad.stderr
    assert "can not be shorter than existing retention period (72 hours)" in bad.stderr

    # the CLI and boto3 see the same stream
    client = make_kinesis_client(ep)
    assert client.describe_stream_summary(StreamName=name)["StreamDescriptionSummary"]["RetentionPeriodHours"] == 72

    # delete
    assert aws_cli.run(ep, "delete-stream", "--stream-name", name).stdout.strip() == ""
    aws_cli.run(ep, "wait", "stream-not-exists", "--stream-name", name)
    assert name not in aws_cli.json(ep, "list-streams")["StreamNames"]
    gone = aws_cli.run(ep, "describe-stream-summary", "--stream-name", name, check=False)
    assert gone.returncode != 0
    assert "ResourceNotFoundException" in gone.stderr
    assert f"Stream {name} under account {ACCOUNT} not found." in gone.stderr


def test_cli_describe_stream_paginates(aws_cli, endpoint):
    """The CLI's automatic pagination of describe-stream (ExclusiveStartShardId) returns every shard once."""
    name = unique_name("clipg")
    aws_cli.run(endpoint, "create-stream", "--stream-name", name, "--shard-count", "5")
    aws_cli.run(endpoint, "wait", "stream-exists", "--stream-name", name)
    desc = aws_cli.json(endpoint, "describe-stream", "--stream-name", name, "--page-size", "2")["StreamDescription"]
    assert [s["ShardId"] for s in desc["Shards"]] == [f"shardId-{i:012d}" for i in range(5)]
