"""Firehose delivering to kinesin's S3 surface, through boto3: buffering by interval and by
size, AWS's key format, GZIP, and durability of acknowledged records across a restart."""

from __future__ import annotations

import gzip
import re
import time

import boto3
import pytest
from botocore.config import Config
from botocore.exceptions import ClientError

from conftest import ACCESS_KEY, REGION, SECRET_KEY, unique_name

ROLE = "arn:aws:iam::000000000000:role/firehose"
UUID = r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}"


def clients(endpoint: str):
    session = boto3.session.Session(aws_access_key_id=ACCESS_KEY, aws_secret_access_key=SECRET_KEY, region_name=REGION)
    cfg = Config(retries={"total_max_attempts": 2, "mode": "standard"}, read_timeout=30, s3={"addressing_style": "path"})
    return session.client("firehose", endpoint_url=endpoint, config=cfg), session.client("s3", endpoint_url=endpoint, config=cfg)


def key_re(stream: str, ext: str, prefix: str = r"\d{4}/\d{2}/\d{2}/\d{2}/") -> re.Pattern:
    return re.compile(
        rf"^{prefix}{re.escape(stream)}-1-(\d{{4}})-(\d{{2}})-(\d{{2}})-(\d{{2}})-(\d{{2}})-(\d{{2}})-{UUID}{re.escape(ext)}$"
    )


def list_keys(s3, bucket: str) -> list[str]:
    keys, token = [], None
    for _ in range(100):
        kw = {"Bucket": bucket, "MaxKeys": 2}
        if token:
            kw["ContinuationToken"] = token
        resp = s3.list_objects_v2(**kw)
        keys.extend(o["Key"] for o in resp.get("Contents", []))
        if not resp["IsTruncated"]:
            return keys
        token = resp["NextContinuationToken"]
    raise AssertionError("listing did not end")


def wait_for_bytes(s3, bucket: str, total: int, decode, timeout: float = 30) -> list[tuple[str, bytes]]:
    """Polls until the objects' decoded contents add up to `total` bytes; returns them by key order."""
    deadline = time.monotonic() + timeout
    while True:
        objs = [(k, decode(s3.get_object(Bucket=bucket, Key=k)["Body"].read())) for k in list_keys(s3, bucket)]
        got = sum(len(d) for _, d in objs)
        if got >= total:
            return objs
        assert time.monotonic() < deadline, f"only {got} of {total} bytes delivered within {timeout}s: {[k for k, _ in objs]}"
        time.sleep(0.2)


def create_stream(fh, name: str, bucket: str, **dest) -> None:
    config = {"RoleARN": ROLE, "BucketARN": f"arn:aws:s3:::{bucket}", **dest}
    fh.create_delivery_stream(DeliveryStreamName=name, ExtendedS3DestinationConfiguration=config)
    desc = fh.describe_delivery_stream(DeliveryStreamName=name)["DeliveryStreamDescription"]
    assert desc["DeliveryStreamStatus"] == "ACTIVE"


def put_all(fh, name: str, records: list[bytes]) -> None:
    for i in range(0, len(records), 500):
        out = fh.put_record_batch(DeliveryStreamName=name, Records=[{"Data": r} for r in records[i : i + 500]])
        assert out["FailedPutCount"] == 0
        assert len(out["RequestResponses"]) == len(records[i : i + 500])
        assert all(e["RecordId"] for e in out["RequestResponses"])


def test_interval_flush_gzip_key_format_and_order(start_kinesin):
    server = start_kinesin("--firehose-interval-override-secs", "1")
    fh, s3 = clients(server.endpoint)
    bucket, name = unique_name("bkt"), unique_name("fh")
    s3.create_bucket(Bucket=bucket)
    create_stream(fh, name, bucket, CompressionFormat="GZIP")
    desc = fh.describe_delivery_stream(DeliveryStreamName=name)["DeliveryStreamDescription"]
    ext = desc["Destinations"][0]["ExtendedS3DestinationDescription"]
    assert ext["BufferingHints"] == {"SizeInMBs": 5, "IntervalInSeconds": 300}
    assert desc["VersionId"] == "1"
    records = [f"record-{i:04d}\n".encode() for i in range(1000)]
    put_all(fh, name, records)
    objs = wait_for_bytes(s3, bucket, sum(map(len, records)), gzip.decompress)
    assert len(objs) == 1, [k for k, _ in objs]
    key, body = objs[0]
    assert key_re(name, ".gz").match(key), key
    assert body == b"".join(records)
    head = s3.head_object(Bucket=bucket, Key=key)
    assert head["ContentLength"] > 0
    part = s3.get_object(Bucket=bucket, Key=key, Range="bytes=0-1")["Body"].read()
    assert part == b"\x1f\x8b"  # gzip magic


def test_size_flush_creates_several_objects(start_kinesin):
    server = start_kinesin("--firehose-interval-override-secs", "1")
    fh, s3 = clients(server.endpoint)
    bucket, name = unique_name("bkt"), unique_name("fh")
    s3.create_bucket(Bucket=bucket)
    create_stream(fh, name, bucket, Prefix="raw/", BufferingHints={"SizeInMBs": 1, "IntervalInSeconds": 900})
    records = [(f"{i:05d}".encode() * 600) for i in range(1000)]  # 3,000 bytes each, 3 MB in all
    put_all(fh, name, records)
    objs = wait_for_bytes(s3, bucket, sum(map(len, records)), lambda b: b)
    assert len(objs) >= 3, [k for k, _ in objs]
    pat = key_re(name, "", prefix=r"raw/\d{4}/\d{2}/\d{2}/\d{2}/")
    assert all(pat.match(k) for k, _ in objs), [k for k, _ in objs]
    # Object order by key is by time, then uuid; reassemble by the records' own numbering.
    joined = sorted((bytes(d) for _, d in objs), key=lambda d: d[:5])
    assert b"".join(joined) == b"".join(records)
    full = [d for _, d in objs if len(d) >= 1024 * 1024]
    assert len(full) >= 2


def test_durable_restart_before_the_interval_delivers(start_kinesin, tmp_path):
    data_dir = tmp_path / "data"
    server = start_kinesin("--data-dir", data_dir, "--firehose-interval-override-secs", "3")
    fh, s3 = clients(server.endpoint)
    bucket, name = unique_name("bkt"), unique_name("fh")
    s3.create_bucket(Bucket=bucket)
    create_stream(fh, name, bucket)
    records = [f"durable-{i}|".encode() for i in range(1000)]
    put_all(fh, name, records)
    server.kill()  # before the 3 s interval passes: nothing delivered yet
    server = start_kinesin("--data-dir", data_dir, "--firehose-interval-override-secs", "3")
    fh, s3 = clients(server.endpoint)
    objs = wait_for_bytes(s3, bucket, sum(map(len, records)), lambda b: b)
    assert b"".join(d for _, d in objs) == b"".join(records)
    assert fh.list_delivery_streams()["DeliveryStreamNames"] == [name]


def test_errors_and_update_destination(start_kinesin):
    server = start_kinesin()
    fh, s3 = clients(server.endpoint)
    with pytest.raises(ClientError) as e:
        fh.describe_delivery_stream(DeliveryStreamName="missing")
    assert e.value.response["Error"]["Code"] == "ResourceNotFoundException"
    assert e.value.response["Error"]["Message"] == "Firehose missing under account 000000000000 not found."
    name = unique_name("fh")
    create_stream(fh, name, "some-bucket")
    fh.update_destination(
        DeliveryStreamName=name,
        CurrentDeliveryStreamVersionId="1",
        DestinationId="destinationId-000000000001",
        ExtendedS3DestinationUpdate={"CompressionFormat": "GZIP"},
    )
    with pytest.raises(ClientError) as e:
        fh.update_destination(
            DeliveryStreamName=name,
            CurrentDeliveryStreamVersionId="1",
            DestinationId="destinationId-000000000001",
            ExtendedS3DestinationUpdate={"Prefix": "x/"},
        )
    assert e.value.response["Error"]["Code"] == "ConcurrentModificationException"
    with pytest.raises(ClientError) as e:
        s3.get_object(Bucket="no-such-bucket", Key="k")
    assert e.value.response["Error"]["Code"] == "NoSuchBucket"
    s3.create_bucket(Bucket="some-bucket")
    with pytest.raises(ClientError) as e:
        s3.get_object(Bucket="some-bucket", Key="nope/../k")
    assert e.value.response["Error"]["Code"] == "NoSuchKey"
    s3.put_object(Bucket="some-bucket", Key="a/b.txt", Body=b"hello")
    assert s3.get_object(Bucket="some-bucket", Key="a/b.txt")["Body"].read() == b"hello"
    listed = s3.list_objects_v2(Bucket="some-bucket", Delimiter="/")
    assert [p["Prefix"] for p in listed["CommonPrefixes"]] == ["a/"]
    s3.delete_objects(Bucket="some-bucket", Delete={"Objects": [{"Key": "a/b.txt"}]})
    assert s3.list_objects_v2(Bucket="some-bucket")["KeyCount"] == 0
    s3.delete_bucket(Bucket="some-bucket")
    assert "some-bucket" not in [b["Name"] for b in s3.list_buckets()["Buckets"]]


def test_aws_cli_reads_deliveries(start_kinesin, aws_cli, tmp_path):
    import subprocess

    server = start_kinesin("--firehose-interval-override-secs", "1")
    fh, s3 = clients(server.endpoint)
    bucket, name = unique_name("bkt"), unique_name("fh")

    def cli(*args: str) -> str:
        cmd = [aws_cli.exe, "--endpoint-url", server.endpoint, *args]
        p = subprocess.run(cmd, capture_output=True, text=True, env=aws_cli.env, timeout=120, stdin=subprocess.DEVNULL)
        assert p.returncode == 0, f"{cmd}: {p.stdout} {p.stderr}"
        return p.stdout

    cli("s3", "mb", f"s3://{bucket}")
    create_stream(fh, name, bucket, CompressionFormat="GZIP")
    fh.put_record(DeliveryStreamName=name, Record={"Data": b"via the cli\n"})
    (key, _), = wait_for_bytes(s3, bucket, len(b"via the cli\n"), gzip.decompress)
    listing = cli("s3", "ls", "--recursive", f"s3://{bucket}/")
    assert key in listing, listing
    out = tmp_path / "obj.gz"
    cli("s3", "cp", f"s3://{bucket}/{key}", str(out))
    assert gzip.decompress(out.read_bytes()) == b"via the cli\n"
