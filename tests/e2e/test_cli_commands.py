"""The companion CLI (`kinesin put|tail|capture|replay|ls|sqs|firehose`) against a running
kinesin; every result is checked with boto3."""

from __future__ import annotations

import json
import os
import selectors
import subprocess
import time
from pathlib import Path

import boto3
import pytest
from botocore.config import Config

from conftest import ACCESS_KEY, KINESIN_BIN, REGION, SECRET_KEY, read_stream, unique_name, wait_active

CFG = Config(retries={"total_max_attempts": 2, "mode": "standard"}, read_timeout=30, s3={"addressing_style": "path"})


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    from conftest import ServerPool

    pool = ServerPool(tmp_path_factory.mktemp("kinesin-logs"))
    yield pool.start("--firehose-interval-override-secs", "1")
    pool.close()


def client(server, service: str, key: str = ACCESS_KEY, region: str = REGION):
    session = boto3.session.Session(aws_access_key_id=key, aws_secret_access_key=SECRET_KEY, region_name=region)
    return session.client(service, endpoint_url=server.endpoint, config=CFG)


def cli_env(server, **extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("AWS_", "KINESIN_"))}
    env.update(AWS_ACCESS_KEY_ID=ACCESS_KEY, AWS_SECRET_ACCESS_KEY=SECRET_KEY, AWS_REGION=REGION, HOME="/nonexistent")
    env.update(extra)
    return env


def cli(server, *args: str, stdin: bytes = b"", env: dict[str, str] | None = None, timeout: float = 60):
    """Runs `kinesin ARGS --endpoint <server>`; fails the test on a non-zero exit."""
    cmd = [str(KINESIN_BIN), *args]
    if env is None:
        cmd += ["--endpoint", server.endpoint]
    p = subprocess.run(cmd, input=stdin, capture_output=True, timeout=timeout, env=env or cli_env(server))
    assert p.returncode == 0, f"{cmd}: {p.returncode}\n{p.stderr.decode()}"
    return p


def new_stream(kinesis, shards: int = 1) -> str:
    name = unique_name("cli")
    kinesis.create_stream(StreamName=name, ShardCount=shards)
    wait_active(kinesis, name)
    return name


def all_records(kinesis, stream: str) -> list[dict]:
    return [r for recs in read_stream(kinesis, stream).values() for r in recs]


# ------------------------------------------------------------------ put


def test_put_lines_from_stdin_with_a_fixed_key(server):
    k = client(server, "kinesis")
    name = new_stream(k, 2)
    lines = [f"line {i}".encode() for i in range(1200)]
    p = cli(server, "put", name, "--partition-key", "truck-1", stdin=b"\n".join(lines) + b"\n")
    assert b"put 1200 records" in p.stderr
    by_shard = {s: r for s, r in read_stream(k, name).items() if r}
    assert len(by_shard) == 1, "one key goes to one shard"
    recs = next(iter(by_shard.values()))
    assert [r["Data"] for r in recs] == lines
    assert {r["PartitionKey"] for r in recs} == {"truck-1"}


def test_put_keys_from_a_json_field_and_random(server, tmp_path):
    k = client(server, "kinesis")
    name = new_stream(k, 4)
    f = tmp_path / "events.jsonl"
    f.write_text("".join(json.dumps({"truck": {"id": f"t{i % 3}"}, "n": i}) + "\n" for i in range(30)))
    cli(server, "put", name, str(f), "--key-field", "truck.id")
    recs = all_records(k, name)
    assert sorted((json.loads(r["Data"])["n"], r["PartitionKey"]) for r in recs) == [(i, f"t{i % 3}") for i in range(30)]

    name2 = new_stream(k, 4)
    cli(server, "put", name2, str(f))
    keys = {r["PartitionKey"] for r in all_records(k, name2)}
    assert len(keys) == 30, "a random key per record"

    bad = tmp_path / "bad.jsonl"
    bad.write_text('{"truck": {}}\n')
    p = subprocess.run([str(KINESIN_BIN), "put", name, str(bad), "--key-field", "truck.id", "--endpoint", server.endpoint],
                       capture_output=True, env=cli_env(server))
    assert p.returncode == 1 and b"record 1 has no field truck.id" in p.stderr


def test_put_whole_files_rate_limit_and_progress(server, tmp_path):
    k = client(server, "kinesis")
    name = new_stream(k)
    files = []
    for i in range(3):
        f = tmp_path / f"blob{i}.bin"
        f.write_bytes(bytes(range(256)) * (i + 1) + b"\n\nend")
        files.append(f)
    p = cli(server, "put", name, *map(str, files), "--whole-files", "--progress", "--partition-key", "p")
    assert b"3 records" in p.stderr, p.stderr
    assert [r["Data"] for r in all_records(k, name)] == [f.read_bytes() for f in files]

    name2 = new_stream(k)
    cli(server, "put", name2, "--rate", "10", "--partition-key", "p", stdin=b"".join(b"%d\n" % i for i in range(6)))
    arrivals = [r["ApproximateArrivalTimestamp"].timestamp() for r in all_records(k, name2)]
    assert len(arrivals) == 6
    # 10 records/s: six records cannot all arrive within 0.4 s of the first.
    assert arrivals[-1] - arrivals[0] >= 0.35, arrivals


# ------------------------------------------------------------------ tail


def split_in_two(k, name: str) -> None:
    shard = k.list_shards(StreamName=name)["Shards"][0]
    lo, hi = int(shard["HashKeyRange"]["StartingHashKey"]), int(shard["HashKeyRange"]["EndingHashKey"])
    k.split_shard(StreamName=name, ShardToSplit=shard["ShardId"], NewStartingHashKey=str((lo + hi) // 2 + 1))
    wait_active(k, name)


def put_keys(k, name: str, tag: str, n: int = 20) -> None:
    k.put_records(StreamName=name, Records=[{"Data": f"{tag}-{i}".encode(), "PartitionKey": f"key{i}"} for i in range(n)])


def test_tail_no_follow_reads_parents_before_children(server):
    k = client(server, "kinesis")
    name = new_stream(k)
    put_keys(k, name, "before")
    split_in_two(k, name)
    put_keys(k, name, "after")
    out = cli(server, "tail", name, "--no-follow", "--format", "json").stdout.decode().splitlines()
    got = [json.loads(line) for line in out]
    assert sorted(g["text"] for g in got) == sorted([f"before-{i}" for i in range(20)] + [f"after-{i}" for i in range(20)])
    # every record of the parent comes before any record of its children
    first_child = min(i for i, g in enumerate(got) if g["shardId"] != "shardId-000000000000")
    assert all(g["text"].startswith("before") for g in got[:first_child])
    assert len(got[:first_child]) == 20
    by_boto = {r["SequenceNumber"]: r for r in all_records(k, name)}
    for g in got:
        r = by_boto[g["sequenceNumber"]]
        assert (r["PartitionKey"], r["Data"]) == (g["partitionKey"], g["text"].encode())


def test_tail_from_sequence_number_timestamp_and_hex(server):
    k = client(server, "kinesis")
    name = new_stream(k)
    seqs = [k.put_record(StreamName=name, Data=bytes([i, 0xFF]), PartitionKey="p")["SequenceNumber"] for i in range(5)]
    hexed = cli(server, "tail", name, "--no-follow", "--from", seqs[2], "--format", "hex").stdout.decode().split("\n")
    assert hexed[:-1] == [f"{seqs[i]} p {i:02x}ff" for i in range(2, 5)]
    time.sleep(0.05)
    cut = time.time()
    time.sleep(0.05)
    k.put_record(StreamName=name, Data=b"late", PartitionKey="p")
    raw = cli(server, "tail", name, "--no-follow", "--from", f"{cut:.3f}").stdout
    assert raw == b"late\n"
    assert cli(server, "tail", name, "--no-follow", "--from", "latest").stdout == b""


class LineReader:
    """Lines of a running process's stdout, read as they come."""

    def __init__(self, proc):
        self.proc, self.buf = proc, b""
        self.sel = selectors.DefaultSelector()
        self.sel.register(proc.stdout, selectors.EVENT_READ)

    def until(self, n: int, timeout: float = 20) -> list[str]:
        deadline = time.monotonic() + timeout
        while self.buf.count(b"\n") < n:
            assert time.monotonic() < deadline, f"only {self.buf!r} within {timeout}s"
            if self.sel.select(timeout=0.2):
                chunk = os.read(self.proc.stdout.fileno(), 65536)
                assert chunk, "tail exited"
                self.buf += chunk
        return self.buf.decode().splitlines()


def test_tail_follows_new_records_across_a_split(server):
    k = client(server, "kinesis")
    name = new_stream(k)
    cmd = [str(KINESIN_BIN), "tail", name, "--from", "latest", "--endpoint", server.endpoint]
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=cli_env(server))
    try:
        time.sleep(1.0)  # tail opened its LATEST iterators
        out = LineReader(proc)
        put_keys(k, name, "first", 5)
        assert sorted(out.until(5)) == sorted(f"first-{i}" for i in range(5))
        split_in_two(k, name)
        put_keys(k, name, "second", 10)
        lines = out.until(15)
        assert sorted(lines[5:]) == sorted(f"second-{i}" for i in range(10))
    finally:
        proc.kill()
        proc.wait()


# ------------------------------------------------------------------ capture and replay


def test_capture_then_replay_with_keys_and_pace(server, tmp_path):
    k = client(server, "kinesis")
    src, dst = new_stream(k, 2), new_stream(k, 3)
    put_keys(k, src, "rec", 12)
    cap = tmp_path / "cap.jsonl"
    p = cli(server, "capture", src, str(cap), "--no-follow")
    assert b"captured 12 records" in p.stderr
    lines = [json.loads(line) for line in cap.read_text().splitlines()]
    assert sorted((x["partitionKey"], x["data"]) for x in lines) == sorted(
        (f"key{i}", __import__("base64").b64encode(f"rec-{i}".encode()).decode()) for i in range(12))
    cli(server, "replay", str(cap), dst, "--speed", "0")
    got = sorted((r["PartitionKey"], r["Data"]) for r in all_records(k, dst))
    assert got == sorted((f"key{i}", f"rec-{i}".encode()) for i in range(12))

    # original pacing, 4 times faster: arrivals 1 s apart are replayed about 0.25 s apart
    paced = tmp_path / "paced.jsonl"
    paced.write_text("".join(
        json.dumps({**lines[0], "arrival": 1000.0 + i, "partitionKey": "same", "data": __import__("base64").b64encode(b"%d" % i).decode()}) + "\n"
        for i in range(3)))
    dst2 = new_stream(k)
    cli(server, "replay", str(paced), dst2, "--speed", "4")
    recs = all_records(k, dst2)
    assert [r["Data"] for r in recs] == [b"0", b"1", b"2"]
    t = [r["ApproximateArrivalTimestamp"].timestamp() for r in recs]
    assert t[1] - t[0] >= 0.2 and t[2] - t[1] >= 0.2, t


# ------------------------------------------------------------------ ls, sqs, firehose


def test_ls_lists_every_kind(server):
    k, sqs, s3 = client(server, "kinesis"), client(server, "sqs"), client(server, "s3")
    stream = new_stream(k, 3)
    queue = unique_name("q")
    sqs.create_queue(QueueName=queue)
    bucket = unique_name("b").lower()
    s3.create_bucket(Bucket=bucket)
    out = cli(server, "ls").stdout.decode()
    assert any(line.split()[:2] == ["stream", stream] and "shards=3" in line for line in out.splitlines()), out
    assert any(line.split()[:2] == ["queue", queue] for line in out.splitlines()), out
    assert any(line.split() == ["bucket", bucket] for line in out.splitlines()), out


def test_sqs_send_peek_recv_purge(server):
    sqs = client(server, "sqs")
    url = sqs.create_queue(QueueName=unique_name("q"))["QueueUrl"]
    name = url.rsplit("/", 1)[1]
    ids = cli(server, "sqs", "send", name, "a", "b", "c").stdout.decode().split()
    assert len(ids) == 3
    peeked = cli(server, "sqs", "peek", name, "--max", "10").stdout.decode().split()
    assert sorted(peeked) == ["a", "b", "c"]
    attrs = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["ApproximateNumberOfMessages"])["Attributes"]
    assert attrs["ApproximateNumberOfMessages"] == "3", "peek leaves the messages visible"
    peeked = [json.loads(line) for line in cli(server, "sqs", "peek", name, "--json").stdout.decode().splitlines()]
    assert {p["Attributes"]["ApproximateReceiveCount"] for p in peeked} == {"0"}, "kinesin's peek changes nothing"
    got = cli(server, "sqs", "recv", url, "--max", "2", "--json").stdout.decode().splitlines()
    assert len(got) == 2 and all(json.loads(g)["MessageId"] in ids for g in got)
    attrs = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["ApproximateNumberOfMessages", "ApproximateNumberOfMessagesNotVisible"])["Attributes"]
    assert (attrs["ApproximateNumberOfMessages"], attrs["ApproximateNumberOfMessagesNotVisible"]) == ("1", "0"), "recv deletes"
    cli(server, "sqs", "send", name, stdin=b"x\ny\n")
    cli(server, "sqs", "purge", name)
    assert sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10).get("Messages", []) == []

    fifo = sqs.create_queue(QueueName=unique_name("f") + ".fifo", Attributes={"FifoQueue": "true"})["QueueUrl"]
    cli(server, "sqs", "send", fifo, "--group-id", "g1", "--dedup-id", "d", stdin=b"one\ntwo\n")
    msgs = sqs.receive_message(QueueUrl=fifo, MaxNumberOfMessages=10, MessageSystemAttributeNames=["All"])["Messages"]
    assert [(m["Body"], m["Attributes"]["MessageGroupId"]) for m in msgs] == [("one", "g1"), ("two", "g1")]


def test_firehose_put_delivers_lines_to_s3(server, tmp_path):
    fh, s3 = client(server, "firehose"), client(server, "s3")
    bucket, name = unique_name("b").lower(), unique_name("fh")
    s3.create_bucket(Bucket=bucket)
    fh.create_delivery_stream(DeliveryStreamName=name, ExtendedS3DestinationConfiguration={
        "RoleARN": "arn:aws:iam::000000000000:role/firehose", "BucketARN": f"arn:aws:s3:::{bucket}"})
    f = tmp_path / "in.txt"
    f.write_text("".join(f"event {i}\n" for i in range(50)))
    cli(server, "firehose", "put", name, str(f))
    deadline = time.monotonic() + 30
    while True:
        keys = [o["Key"] for o in s3.list_objects_v2(Bucket=bucket).get("Contents", [])]
        body = b"".join(s3.get_object(Bucket=bucket, Key=key)["Body"].read() for key in keys)
        if body.count(b"\n") >= 50 or time.monotonic() > deadline:
            break
        time.sleep(0.3)
    assert body == f.read_bytes()


# ------------------------------------------------------------------ endpoint, region, credentials


def test_endpoint_region_and_credentials_from_the_environment(server, tmp_path):
    other = client(server, "kinesis", key="111111111111", region="eu-west-1")
    name = unique_name("cli")
    other.create_stream(StreamName=name, ShardCount=1)
    wait_active(other, name)
    # AWS_ENDPOINT_URL, AWS_REGION and keys whose id is an account id (kinesin reads the
    # account from the signed credential scope)
    env = cli_env(server, AWS_ENDPOINT_URL=server.endpoint, AWS_REGION="eu-west-1", AWS_ACCESS_KEY_ID="111111111111")
    cli(server, "put", name, "--partition-key", "k", stdin=b"hello\n", env=env)
    assert [r["Data"] for r in all_records(other, name)] == [b"hello"]
    # the same from a profile in the shared files
    (tmp_path / "credentials").write_text("[dev]\naws_access_key_id = 111111111111\naws_secret_access_key = s\n")
    (tmp_path / "config").write_text("[profile dev]\nregion = eu-west-1\n")
    env = cli_env(server, AWS_ENDPOINT_URL_KINESIS=server.endpoint, AWS_PROFILE="dev",
                  AWS_SHARED_CREDENTIALS_FILE=str(tmp_path / "credentials"), AWS_CONFIG_FILE=str(tmp_path / "config"))
    for key in ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_REGION"):
        env.pop(key)
    assert cli(server, "tail", name, "--no-follow", env=env).stdout == b"hello\n"
    # the default stream list in us-east-1 of the default account does not have it
    assert name not in cli(server, "ls").stdout.decode()


def test_plain_kinesin_still_serves(server):
    assert server.health()["status"] == "ok"
