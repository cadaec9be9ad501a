"""Firehose S3 features through boto3, read back through kinesin's S3 surface: ZIP, Snappy
(framing format) and HADOOP_SNAPPY objects decoded here by independent code, dynamic
partitioning (MetadataExtraction with a jq query, RecordDeAggregation,
AppendDelimiterToRecord) with its error output, CustomTimeZone keys, and the API's rules."""

from __future__ import annotations

import base64
import gzip
import io
import json
import re
import sys
import time
import zipfile
from datetime import datetime, timezone
from zoneinfo import ZoneInfo

import boto3
import pytest
from botocore.config import Config
from botocore.exceptions import ClientError

from conftest import ACCESS_KEY, REGION, SECRET_KEY, unique_name

ROLE = "arn:aws:iam::000000000000:role/firehose"
SUFFIX = re.compile(r"-1-(\d{4})-(\d{2})-(\d{2})-(\d{2})-(\d{2})-(\d{2})-[0-9a-f-]{36}")


def clients(endpoint: str):
    session = boto3.session.Session(aws_access_key_id=ACCESS_KEY, aws_secret_access_key=SECRET_KEY, region_name=REGION)
    cfg = Config(retries={"total_max_attempts": 2, "mode": "standard"}, read_timeout=30, s3={"addressing_style": "path"})
    return session.client("firehose", endpoint_url=endpoint, config=cfg), session.client("s3", endpoint_url=endpoint, config=cfg)


# ------------------------------------------------------------------ Snappy, by hand


def snappy_raw(buf: bytes) -> bytes:
    """Decodes one raw Snappy block (varint length, then literals and copies)."""
    i, length, shift = 0, 0, 0
    while True:
        b = buf[i]
        i += 1
        length |= (b & 0x7F) << shift
        shift += 7
        if b < 0x80:
            break
    out = bytearray()
    while i < len(buf):
        tag = buf[i]
        i += 1
        kind = tag & 3
        if kind == 0:
            n = tag >> 2
            if n >= 60:
                extra = n - 59
                n = int.from_bytes(buf[i : i + extra], "little")
                i += extra
            n += 1
            out += buf[i : i + n]
            i += n
            continue
        if kind == 1:
            n, off = ((tag >> 2) & 7) + 4, ((tag >> 5) << 8) | buf[i]
            i += 1
        elif kind == 2:
            n, off = (tag >> 2) + 1, int.from_bytes(buf[i : i + 2], "little")
            i += 2
        else:
            n, off = (tag >> 2) + 1, int.from_bytes(buf[i : i + 4], "little")
            i += 4
        for _ in range(n):
            out.append(out[-off])
    assert len(out) == length
    return bytes(out)


def snappy_framed(buf: bytes) -> bytes:
    """The Snappy framing format: stream identifier, then compressed/uncompressed chunks."""
    assert buf[:10] == b"\xff\x06\x00\x00sNaPpY"
    i, out = 0, bytearray()
    while i < len(buf):
        kind, n = buf[i], int.from_bytes(buf[i + 1 : i + 4], "little")
        chunk = buf[i + 4 : i + 4 + n]
        i += 4 + n
        if kind == 0x00:
            out += snappy_raw(chunk[4:])  # after the masked CRC-32C
        elif kind == 0x01:
            out += chunk[4:]
        else:
            assert kind == 0xFF or 0x80 <= kind <= 0xFE, kind
    return bytes(out)


def hadoop_snappy(buf: bytes) -> bytes:
    """Hadoop's block format: BE u32 raw length, then BE u32 compressed length + raw block(s)."""
    i, out = 0, bytearray()
    while i < len(buf):
        raw_len = int.from_bytes(buf[i : i + 4], "big")
        i += 4
        block = bytearray()
        while len(block) < raw_len:
            n = int.from_bytes(buf[i : i + 4], "big")
            block += snappy_raw(buf[i + 4 : i + 4 + n])
            i += 4 + n
        out += block
    return bytes(out)


def unzip_one(buf: bytes) -> bytes:
    with zipfile.ZipFile(io.BytesIO(buf)) as z:
        names = z.namelist()
        assert len(names) == 1, names
        return z.read(names[0])


# ------------------------------------------------------------------ helpers


def all_objects(s3, bucket: str) -> dict[str, bytes]:
    out, token = {}, None
    while True:
        kw = {"Bucket": bucket, **({"ContinuationToken": token} if token else {})}
        resp = s3.list_objects_v2(**kw)
        for o in resp.get("Contents", []):
            out[o["Key"]] = s3.get_object(Bucket=bucket, Key=o["Key"])["Body"].read()
        if not resp["IsTruncated"]:
            return out
        token = resp["NextContinuationToken"]


def wait_objects(s3, bucket: str, done, timeout: float = 30) -> dict[str, bytes]:
    deadline = time.monotonic() + timeout
    while True:
        objs = all_objects(s3, bucket)
        if done(objs):
            return objs
        assert time.monotonic() < deadline, f"not delivered within {timeout}s: {sorted(objs)}"
        time.sleep(0.2)


def create(fh, name: str, bucket: str, **dest) -> None:
    config = {"RoleARN": ROLE, "BucketARN": f"arn:aws:s3:::{bucket}", **dest}
    fh.create_delivery_stream(DeliveryStreamName=name, ExtendedS3DestinationConfiguration=config)


def put(fh, name: str, records: list[bytes]) -> None:
    for i in range(0, len(records), 500):
        out = fh.put_record_batch(DeliveryStreamName=name, Records=[{"Data": r} for r in records[i : i + 500]])
        assert out["FailedPutCount"] == 0


@pytest.fixture
def server(start_kinesin):
    return start_kinesin("--firehose-interval-override-secs", "1")


# ------------------------------------------------------------------ tests


@pytest.mark.parametrize(
    "fmt, ext, decode",
    [("ZIP", ".zip", unzip_one), ("Snappy", ".snappy", snappy_framed), ("HADOOP_SNAPPY", ".hsnappy", hadoop_snappy)],
)
def test_compression_formats(server, fmt, ext, decode):
    fh, s3 = clients(server.endpoint)
    bucket, name = unique_name("bkt"), unique_name("fh")
    s3.create_bucket(Bucket=bucket)
    create(fh, name, bucket, CompressionFormat=fmt, Prefix="c/")
    # ~420 KB: several 64 KiB Snappy frames and two 256 KiB HADOOP_SNAPPY blocks.
    records = [json.dumps({"i": i, "pad": "x" * (i % 250)}).encode() + b"\n" for i in range(3000)]
    assert sum(map(len, records)) > 256 * 1024
    put(fh, name, records)
    # One object when the puts fit in one 1 s interval; a slow machine may flush between
    # batches, so every object is checked and the records are compared as a whole.
    total = sum(map(len, records))
    objs = wait_objects(s3, bucket, lambda o: sum(len(decode(b)) for b in o.values()) >= total)
    for key, body in objs.items():
        assert key.startswith("c/") and key.endswith(ext), key
        assert decode(body) != body
    delivered = b"".join(decode(b) for b in objs.values()).splitlines(keepends=True)
    assert sorted(delivered) == sorted(records)


def test_dynamic_partitioning_with_jq_keys_and_error_output(server):
    fh, s3 = clients(server.endpoint)
    bucket, name = unique_name("bkt"), unique_name("fh")
    s3.create_bucket(Bucket=bucket)
    create(
        fh, name, bucket,
        Prefix="customer=!{partitionKeyFromQuery:customer_id}/year=!{timestamp:yyyy}/",
        ErrorOutputPrefix="errors/!{firehose:error-output-type}/",
        BufferingHints={"SizeInMBs": 64, "IntervalInSeconds": 60},
        DynamicPartitioningConfiguration={"Enabled": True},
        ProcessingConfiguration={"Enabled": True, "Processors": [
            {"Type": "RecordDeAggregation", "Parameters": [{"ParameterName": "SubRecordType", "ParameterValue": "JSON"}]},
            {"Type": "MetadataExtraction", "Parameters": [
                {"ParameterName": "MetadataExtractionQuery", "ParameterValue": "{customer_id:.customer_id}"},
                {"ParameterName": "JsonParsingEngine", "ParameterValue": "JQ-1.6"}]},
            {"Type": "AppendDelimiterToRecord"},
        ]},
    )
    desc = fh.describe_delivery_stream(DeliveryStreamName=name)["DeliveryStreamDescription"]
    ext = desc["Destinations"][0]["ExtendedS3DestinationDescription"]
    assert ext["DynamicPartitioningConfiguration"] == {"Enabled": True, "RetryOptions": {"DurationInSeconds": 300}}
    put(fh, name, [
        b'{"customer_id":"a","n":1}{"customer_id":"b","n":2}',  # two records in one (de-aggregated)
        b'{"customer_id":"a","n":3}',
        b'{"customer_id":7,"n":4}',
        b"not json at all",
    ])
    objs = wait_objects(s3, bucket, lambda o: len(o) >= 4)
    year = datetime.now(timezone.utc).year
    by_prefix = {k.rsplit("/", 1)[0]: v for k, v in objs.items()}
    assert by_prefix[f"customer=a/year={year}"] == b'{"customer_id":"a","n":1}\n{"customer_id":"a","n":3}\n'
    assert by_prefix[f"customer=b/year={year}"] == b'{"customer_id":"b","n":2}\n'
    assert by_prefix[f"customer=7/year={year}"] == b'{"customer_id":7,"n":4}\n'
    errors = [v for k, v in objs.items() if k.startswith("errors/metadata-extraction-failed/")]
    assert len(errors) == 1, sorted(objs)
    line = json.loads(errors[0])
    assert line["errorCode"] == "DynamicPartitioning.MetadataExtractionFailed"
    assert line["rawData"] == "bm90IGpzb24gYXQgYWxs"  # base64 of the failed record


def test_custom_time_zone_keys(server):
    fh, s3 = clients(server.endpoint)
    bucket, name = unique_name("bkt"), unique_name("fh")
    s3.create_bucket(Bucket=bucket)
    create(fh, name, bucket, CustomTimeZone="Asia/Tokyo", Prefix="tz/!{timestamp:yyyy-MM-dd-HH}/",
           ErrorOutputPrefix="e/!{firehose:error-output-type}/")
    ext = fh.describe_delivery_stream(DeliveryStreamName=name)["DeliveryStreamDescription"]["Destinations"][0][
        "ExtendedS3DestinationDescription"]
    assert ext["CustomTimeZone"] == "Asia/Tokyo"
    sent = datetime.now(timezone.utc)
    put(fh, name, [b"hello"])
    key = next(iter(wait_objects(s3, bucket, lambda o: len(o) >= 1)))
    # The suffix's time and the prefix are Tokyo time (UTC+9): converted back, they are now.
    m = SUFFIX.search(key)
    local = datetime(*map(int, m.groups()), tzinfo=ZoneInfo("Asia/Tokyo"))
    assert abs((local.astimezone(timezone.utc) - sent).total_seconds()) < 120, key
    assert key.startswith(f"tz/{local:%Y-%m-%d-%H}/"), key


def test_api_rules(server):
    fh, _ = clients(server.endpoint)
    base = {"RoleARN": ROLE, "BucketARN": "arn:aws:s3:::b"}
    dp = {
        **base,
        "Prefix": "k=!{partitionKeyFromQuery:k}/",
        "ErrorOutputPrefix": "e/!{firehose:error-output-type}/",
        "DynamicPartitioningConfiguration": {"Enabled": True},
        "ProcessingConfiguration": {"Enabled": True, "Processors": [{"Type": "MetadataExtraction", "Parameters": [
            {"ParameterName": "MetadataExtractionQuery", "ParameterValue": "{k:.k}"},
            {"ParameterName": "JsonParsingEngine", "ParameterValue": "JQ-1.6"}]}]},
    }

    def rejected(**config):
        with pytest.raises(ClientError) as e:
            fh.create_delivery_stream(DeliveryStreamName=unique_name("fh"), ExtendedS3DestinationConfiguration=config)
        assert e.value.response["Error"]["Code"] == "InvalidArgumentException", e.value.response
        return e.value.response["Error"]["Message"]

    assert "dynamic partitioning" in rejected(**{**dp, "DynamicPartitioningConfiguration": {"Enabled": False}})
    assert "ErrorOutputPrefix" in rejected(**{**dp, "ErrorOutputPrefix": ""})
    rejected(**{**dp, "BufferingHints": {"SizeInMBs": 64, "IntervalInSeconds": 0}})
    assert "CustomTimeZone" in rejected(**base, CustomTimeZone="Mars/Olympus_Mons")
    name = unique_name("fh")
    fh.create_delivery_stream(DeliveryStreamName=name, ExtendedS3DestinationConfiguration=base)
    version = fh.describe_delivery_stream(DeliveryStreamName=name)["DeliveryStreamDescription"]["VersionId"]
    with pytest.raises(ClientError) as e:
        fh.update_destination(
            DeliveryStreamName=name, CurrentDeliveryStreamVersionId=version, DestinationId="destinationId-000000000001",
            ExtendedS3DestinationUpdate={"DynamicPartitioningConfiguration": {"Enabled": True}},
        )
    assert e.value.response["Error"]["Code"] == "InvalidArgumentException"
    fh.update_destination(
        DeliveryStreamName=name, CurrentDeliveryStreamVersionId=version, DestinationId="destinationId-000000000001",
        ExtendedS3DestinationUpdate={"CompressionFormat": "HADOOP_SNAPPY", "CustomTimeZone": "Europe/Paris"},
    )
    ext = fh.describe_delivery_stream(DeliveryStreamName=name)["DeliveryStreamDescription"]["Destinations"][0][
        "ExtendedS3DestinationDescription"]
    assert (ext["CompressionFormat"], ext["CustomTimeZone"]) == ("HADOOP_SNAPPY", "Europe/Paris")


KEYS_FN = "arn:aws:lambda:us-east-1:000000000000:function:keys"

# A transform that sees one (de-aggregated) JSON record at a time and returns its device as a
# partition key; it fails a record whose JSON has no device.
KEYS_TRANSFORM = r"""
import base64, json, sys
out = []
for r in json.load(sys.stdin)["records"]:
    doc = json.loads(base64.b64decode(r["data"]))
    if "device" not in doc:
        out.append({"recordId": r["recordId"], "result": "ProcessingFailed", "data": r["data"]})
        continue
    doc["seen"] = True
    out.append({"recordId": r["recordId"], "result": "Ok",
                "data": base64.b64encode(json.dumps(doc, separators=(",", ":")).encode()).decode(),
                "metadata": {"partitionKeys": {"device": doc["device"]}}})
json.dump({"records": out}, sys.stdout)
"""


def test_partition_keys_from_lambda_after_deaggregation(start_kinesin, tmp_path):
    script = tmp_path / "keys.py"
    script.write_text(KEYS_TRANSFORM)
    server = start_kinesin("--firehose-interval-override-secs", "1", "--lambda", f"{KEYS_FN}={sys.executable} {script}")
    fh, s3 = clients(server.endpoint)
    bucket, name = unique_name("bkt"), unique_name("fh")
    s3.create_bucket(Bucket=bucket)
    create(
        fh, name, bucket,
        Prefix="device=!{partitionKeyFromLambda:device}/",
        ErrorOutputPrefix="errors/!{firehose:error-output-type}/",
        BufferingHints={"SizeInMBs": 64, "IntervalInSeconds": 60},
        CompressionFormat="GZIP",
        DynamicPartitioningConfiguration={"Enabled": True},
        ProcessingConfiguration={"Enabled": True, "Processors": [
            {"Type": "RecordDeAggregation", "Parameters": [
                {"ParameterName": "SubRecordType", "ParameterValue": "DELIMITED"},
                {"ParameterName": "Delimiter", "ParameterValue": "IyMjIw=="}]},  # "####"
            {"Type": "Lambda", "Parameters": [{"ParameterName": "LambdaArn", "ParameterValue": KEYS_FN}]},
            {"Type": "AppendDelimiterToRecord"},
        ]},
    )
    # De-aggregation runs before the transform: the transform sees each sub-record alone.
    put(fh, name, [b'{"device":"ios","n":1}####{"device":"android","n":2}', b'{"device":"ios","n":3}####{"n":4}'])
    objs = wait_objects(s3, bucket, lambda o: len(o) >= 3)
    by_prefix = {k.split("/")[0]: gzip.decompress(v) for k, v in objs.items()}
    # processing-failed records go to the error prefix; the partitions to their own prefixes.
    assert any(k.startswith("errors/processing-failed/") for k in objs), sorted(objs)
    assert all(k.endswith(".gz") for k in objs), sorted(objs)
    assert by_prefix["device=ios"] == b'{"device":"ios","n":1,"seen":true}\n{"device":"ios","n":3,"seen":true}\n'
    assert by_prefix["device=android"] == b'{"device":"android","n":2,"seen":true}\n'
    failed = json.loads(by_prefix["errors"])
    assert failed["errorCode"] == "Lambda.ProcessingFailedStatus"
    assert json.loads(base64.b64decode(failed["rawData"])) == {"n": 4}


def test_missing_bucket_is_reported_as_s3_error_with_backoff(start_kinesin):
    """Firehose retries a delivery to a missing bucket with back-off (5 s, doubling, at most
    5 minutes) and reports it as its error log does (`S3.NoSuchBucket`), warning on attempts
    1, 2, 4, 8... only; once the bucket exists the same records arrive."""
    import re
    import urllib.request

    server = start_kinesin("--firehose-interval-override-secs", "1", "--time-travel", "--log-level", "debug")
    fh, s3 = clients(server.endpoint)
    name, bucket = unique_name("fhmiss"), unique_name("later")
    create(fh, name, bucket, BufferingHints={"SizeInMBs": 1, "IntervalInSeconds": 60})
    put(fh, name, [b"kept until the bucket exists\n"])

    def warnings() -> list[str]:
        return [l for l in server.log_tail(200_000).splitlines() if "S3.NoSuchBucket" in l and "WARN" in l]

    def retries() -> dict[int, int]:
        """attempts -> the wait (s) announced before the next one."""
        found = re.findall(r"attempts=(\d+) retry_in_s=(\d+)", server.log_tail(400_000))
        return {int(a): int(w) for a, w in found}

    def wait(cond, what: str) -> None:
        deadline = time.monotonic() + 20
        while not cond():
            assert time.monotonic() < deadline, f"{what}; log: {server.log_tail()}"
            time.sleep(0.05)

    def advance(ms: int) -> None:
        req = urllib.request.Request(server.endpoint + f"/_kinesin/clock?advance_ms={ms}", method="POST")
        urllib.request.urlopen(req, timeout=10).read()

    wait(lambda: len(warnings()) == 1, "first failure not reported")
    assert "The specified bucket does not exist" in warnings()[0] and bucket in warnings()[0]
    assert retries() == {1: 5}
    for attempt in range(2, 6):
        advance(retries()[attempt - 1] * 1000)
        wait(lambda: attempt in retries(), f"attempt {attempt} not made")
    assert retries() == {1: 5, 2: 10, 3: 20, 4: 40, 5: 80}
    # Five attempts, three warnings (attempts 1, 2 and 4).
    assert len(warnings()) == 3, warnings()
    # Creating the bucket retries at once, without waiting out the back-off.
    s3.create_bucket(Bucket=bucket)
    objs = wait_objects(s3, bucket, lambda o: len(o) == 1)
    assert list(objs.values()) == [b"kept until the bucket exists\n"]
