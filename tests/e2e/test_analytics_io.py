"""Kinesis Data Analytics inputs and outputs through boto3: a Firehose delivery stream as
the application's input (KinesisFirehoseInput): records reach the application as they reach
the delivery stream, which still delivers them to S3."""

from __future__ import annotations

import json
import time

import boto3
import pytest
from botocore.config import Config

from conftest import ACCESS_KEY, ACCOUNT, REGION, SECRET_KEY, make_kinesis_client, read_stream, unique_name, wait_active

ROLE = f"arn:aws:iam::{ACCOUNT}:role/kda"

SCHEMA = {
    "RecordFormat": {"RecordFormatType": "JSON", "MappingParameters": {"JSONMappingParameters": {"RecordRowPath": "$"}}},
    "RecordColumns": [
        {"Name": "SENSOR", "Mapping": "$.sensor", "SqlType": "VARCHAR(8)"},
        {"Name": "TEMP", "Mapping": "$.temp", "SqlType": "DOUBLE"},
    ],
}
CODE = """CREATE OR REPLACE STREAM "DESTINATION_SQL_STREAM" (sensor VARCHAR(8), fahrenheit DOUBLE);
CREATE OR REPLACE PUMP "P" AS INSERT INTO "DESTINATION_SQL_STREAM"
    SELECT STREAM UPPER(sensor), temp * 9 / 5 + 32 FROM "SOURCE_SQL_STREAM_001" WHERE temp > 0;"""


def clients(endpoint: str):
    s = boto3.session.Session(aws_access_key_id=ACCESS_KEY, aws_secret_access_key=SECRET_KEY, region_name=REGION)
    cfg = Config(retries={"total_max_attempts": 2}, s3={"addressing_style": "path"})
    return (s.client("firehose", endpoint_url=endpoint, config=cfg), s.client("s3", endpoint_url=endpoint, config=cfg),
            s.client("kinesisanalytics", endpoint_url=endpoint, config=cfg), make_kinesis_client(endpoint))


def read_rows(kinesis, stream: str, want: int, timeout: float = 20) -> list[dict]:
    deadline = time.monotonic() + timeout
    while True:
        rows = [json.loads(r["Data"]) for recs in read_stream(kinesis, stream).values() for r in recs]
        if len(rows) >= want or time.monotonic() > deadline:
            return rows
        time.sleep(0.1)


def fahrenheit(r: dict) -> dict:
    return {"SENSOR": r["sensor"].upper(), "FAHRENHEIT": r["temp"] * 9 / 5 + 32}


@pytest.fixture
def setup(kinesin_server):
    fh, s3, kda, kinesis = clients(kinesin_server.endpoint)
    bucket, delivery, out = unique_name("b").lower(), unique_name("fh"), unique_name("out")
    s3.create_bucket(Bucket=bucket)
    fh.create_delivery_stream(DeliveryStreamName=delivery, DeliveryStreamType="DirectPut", ExtendedS3DestinationConfiguration={
        "RoleARN": ROLE, "BucketARN": f"arn:aws:s3:::{bucket}", "BufferingHints": {"SizeInMBs": 1, "IntervalInSeconds": 0}})
    kinesis.create_stream(StreamName=out, ShardCount=1)
    wait_active(kinesis, out)
    app = unique_name("app")
    kda.create_application(
        ApplicationName=app, ApplicationCode=CODE,
        Inputs=[{"NamePrefix": "SOURCE_SQL_STREAM", "InputSchema": SCHEMA, "KinesisFirehoseInput": {
            "ResourceARN": f"arn:aws:firehose:{REGION}:{ACCOUNT}:deliverystream/{delivery}", "RoleARN": ROLE}}],
        Outputs=[{"Name": "DESTINATION_SQL_STREAM", "DestinationSchema": {"RecordFormatType": "JSON"}, "KinesisStreamsOutput": {
            "ResourceARN": f"arn:aws:kinesis:{REGION}:{ACCOUNT}:stream/{out}", "RoleARN": ROLE}}])
    return {"fh": fh, "s3": s3, "kda": kda, "kinesis": kinesis, "bucket": bucket, "delivery": delivery, "out": out, "app": app}


def start(kda, app: str) -> None:
    input_id = kda.describe_application(ApplicationName=app)["ApplicationDetail"]["InputDescriptions"][0]["InputId"]
    kda.start_application(ApplicationName=app, InputConfigurations=[
        {"Id": input_id, "InputStartingPositionConfiguration": {"InputStartingPosition": "NOW"}}])
    deadline = time.monotonic() + 20
    while kda.describe_application(ApplicationName=app)["ApplicationDetail"]["ApplicationStatus"] != "RUNNING":
        assert time.monotonic() < deadline
        time.sleep(0.05)


def put(fh, delivery: str, records: list[dict]) -> None:
    resp = fh.put_record_batch(DeliveryStreamName=delivery, Records=[{"Data": json.dumps(r).encode()} for r in records])
    assert resp["FailedPutCount"] == 0


def test_firehose_input_feeds_the_application_and_still_delivers(setup):
    fh, kda, kinesis = setup["fh"], setup["kda"], setup["kinesis"]
    detail = kda.describe_application(ApplicationName=setup["app"])["ApplicationDetail"]
    described = detail["InputDescriptions"][0]["KinesisFirehoseInputDescription"]
    assert described["ResourceARN"].endswith(f"deliverystream/{setup['delivery']}") and described["RoleARN"] == ROLE

    before = [{"sensor": "early", "temp": 10.0}]
    put(fh, setup["delivery"], before)  # before the start: not read (NOW)
    start(kda, setup["app"])
    records = [{"sensor": f"s{i % 3}", "temp": float(i * 7 % 23 - 5)} for i in range(40)]
    put(fh, setup["delivery"], records[:25])
    fh.put_record(DeliveryStreamName=setup["delivery"], Record={"Data": json.dumps(records[25]).encode()})
    put(fh, setup["delivery"], records[26:])
    marker = {"sensor": "last", "temp": 100.0}
    put(fh, setup["delivery"], [marker])
    want = [fahrenheit(r) for r in records + [marker] if r["temp"] > 0]
    got = read_rows(kinesis, setup["out"], len(want))
    assert len(got) == len(want)
    assert [g["SENSOR"] for g in got] == [w["SENSOR"] for w in want]
    assert [g["FAHRENHEIT"] for g in got] == pytest.approx([w["FAHRENHEIT"] for w in want])

    # The delivery stream delivers every record to S3 as before, the early one included.
    s3, bucket = setup["s3"], setup["bucket"]
    deadline = time.monotonic() + 30
    while True:
        keys = [o["Key"] for o in s3.list_objects_v2(Bucket=bucket).get("Contents", [])]
        body = b"".join(s3.get_object(Bucket=bucket, Key=k)["Body"].read() for k in sorted(keys))
        if len(body) >= sum(len(json.dumps(r)) for r in before + records + [marker]) or time.monotonic() > deadline:
            break
        time.sleep(0.2)
    delivered, text, dec = [], body.decode(), json.JSONDecoder()
    while text:
        doc, end = dec.raw_decode(text)
        delivered.append(doc)
        text = text[end:]
    key = lambda r: json.dumps(r, sort_keys=True)  # noqa: E731 - objects' order is their keys'
    assert sorted(delivered, key=key) == sorted(before + records + [marker], key=key)


def test_firehose_input_stops_with_the_application(setup):
    """A stopped application reads nothing of what reaches the delivery stream meanwhile; a
    restart from NOW reads only what comes after it."""
    fh, kda, kinesis = setup["fh"], setup["kda"], setup["kinesis"]
    start(kda, setup["app"])
    put(fh, setup["delivery"], [{"sensor": "a", "temp": 1.0}])
    assert [r["SENSOR"] for r in read_rows(kinesis, setup["out"], 1)] == ["A"]
    kda.stop_application(ApplicationName=setup["app"])
    deadline = time.monotonic() + 20
    while kda.describe_application(ApplicationName=setup["app"])["ApplicationDetail"]["ApplicationStatus"] != "READY":
        assert time.monotonic() < deadline
        time.sleep(0.05)
    put(fh, setup["delivery"], [{"sensor": "stopped", "temp": 2.0}])
    start(kda, setup["app"])
    put(fh, setup["delivery"], [{"sensor": "b", "temp": 3.0}])
    rows = read_rows(kinesis, setup["out"], 2)
    assert [r["SENSOR"] for r in rows] == ["A", "B"]
