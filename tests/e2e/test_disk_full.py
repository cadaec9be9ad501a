"""A full disk and a read-only data directory: clients get clear 5xx errors in AWS's shapes,
nothing acknowledged is lost, nothing refused appears, the store stays intact, and service
resumes once space returns. Uses a small tmpfs (needs root and mount; skipped otherwise)."""

from __future__ import annotations

import os
import sqlite3
import subprocess
from pathlib import Path

import boto3
import pytest
from botocore.config import Config
from botocore.exceptions import ClientError

from conftest import ACCESS_KEY, KINESIN_BIN, REGION, SECRET_KEY, read_shard


def make(service: str, endpoint: str):
    return boto3.client(
        service,
        endpoint_url=endpoint,
        region_name=REGION,
        aws_access_key_id=ACCESS_KEY,
        aws_secret_access_key=SECRET_KEY,
        config=Config(retries={"total_max_attempts": 1}, s3={"addressing_style": "path"}),
    )


@pytest.fixture
def small_fs(tmp_path):
    mnt = tmp_path / "mnt"
    mnt.mkdir()
    if os.geteuid() != 0:
        pytest.skip("mounting a tmpfs needs root")
    r = subprocess.run(["mount", "-t", "tmpfs", "-o", "size=3m", "tmpfs", str(mnt)], capture_output=True, text=True)
    if r.returncode != 0:
        pytest.skip(f"mounting a tmpfs was refused: {r.stderr.strip()}")
    yield mnt
    subprocess.run(["umount", "-l", str(mnt)], check=False)


def fill(path: Path) -> None:
    """Takes every free byte of the file system with one file."""
    fd = os.open(path, os.O_WRONLY | os.O_CREAT, 0o600)
    try:
        for size in (1 << 20, 4096, 1):
            while True:
                try:
                    os.write(fd, b"\0" * size)
                except OSError:
                    break
    finally:
        os.close(fd)


def test_disk_full_then_space_returns(small_fs, start_kinesin):
    data = small_fs / "data"
    s = start_kinesin("--data-dir", str(data))
    kinesis, sqs, s3 = make("kinesis", s.endpoint), make("sqs", s.endpoint), make("s3", s.endpoint)
    kinesis.create_stream(StreamName="full", ShardCount=1)
    url = sqs.create_queue(QueueName="full")["QueueUrl"]
    s3.create_bucket(Bucket="full-bucket")
    filler = small_fs / "filler"
    fill(filler)

    acked: list[bytes] = []
    errors = []
    for i in range(60):
        payload = f"{i:04d}".encode() + os.urandom(20_000)
        try:
            kinesis.put_record(StreamName="full", Data=payload, PartitionKey="p")
            acked.append(payload)
        except ClientError as e:
            errors.append(e.response)
            if len(errors) >= 3:
                break
    assert errors, "60 writes of 20 KB fitted on a full disk"
    for r in errors:
        assert r["ResponseMetadata"]["HTTPStatusCode"] >= 500
        assert r["Error"]["Code"] == "InternalFailure"
        assert "full" in r["Error"]["Message"]
    with pytest.raises(ClientError) as e:
        s3.put_object(Bucket="full-bucket", Key="k", Body=os.urandom(500_000))
    assert e.value.response["Error"]["Code"] == "InternalError" and e.value.response["ResponseMetadata"]["HTTPStatusCode"] == 500
    with pytest.raises(ClientError) as e:
        for _ in range(20):
            sqs.send_message(QueueUrl=url, MessageBody="m" * 200_000)
    assert e.value.response["ResponseMetadata"]["HTTPStatusCode"] == 500

    # Space returns: service resumes at once.
    filler.unlink()
    acked.append(b"after")
    kinesis.put_record(StreamName="full", Data=b"after", PartitionKey="p")
    s3.put_object(Bucket="full-bucket", Key="k", Body=b"ok")
    sqs.send_message(QueueUrl=url, MessageBody="ok")

    def check(endpoint: str) -> None:
        k = make("kinesis", endpoint)
        shard = k.list_shards(StreamName="full")["Shards"][0]["ShardId"]
        assert [r["Data"] for r in read_shard(k, "full", shard)] == acked
        assert make("s3", endpoint).get_object(Bucket="full-bucket", Key="k")["Body"].read() == b"ok"

    check(s.endpoint)
    s.stop()
    db = sqlite3.connect(data / "kinesin.sqlite3")
    assert db.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    db.close()
    again = start_kinesin("--data-dir", str(data))
    check(again.endpoint)


def test_read_only_data_directory_is_a_clear_start_error(small_fs, start_kinesin):
    data = small_fs / "data"
    s = start_kinesin("--data-dir", str(data))
    make("kinesis", s.endpoint).create_stream(StreamName="ro", ShardCount=1)
    s.stop()
    r = subprocess.run(["mount", "-o", "remount,ro", str(small_fs)], capture_output=True, text=True)
    if r.returncode != 0:
        pytest.skip(f"remounting read-only was refused: {r.stderr.strip()}")
    proc = subprocess.run([str(KINESIN_BIN), "--port", "0", "--data-dir", str(data)], capture_output=True, text=True, timeout=30)
    assert proc.returncode != 0
    assert "Read-only file system" in proc.stderr or "readonly" in proc.stderr, proc.stderr
    subprocess.run(["mount", "-o", "remount,rw", str(small_fs)], check=True)
    s = start_kinesin("--data-dir", str(data))
    assert make("kinesis", s.endpoint).list_streams()["StreamNames"] == ["ro"]
