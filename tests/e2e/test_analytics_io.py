"""Kinesis Data Analytics inputs and outputs through boto3: a Firehose delivery stream as the
application's input (KinesisFirehoseInput): records reach the application as they reach the
delivery stream, which still delivers them to S3; InputProcessingConfiguration: records go
through a function bound with --lambda before the SQL sees them; LambdaOutput: output rows
go to a function bound with --lambda."""

from __future__ import annotations

import base64
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


FN = "arn:aws:lambda:us-east-1:000000000000:function:prep"
# The processing function: "sensor;temp" lines become JSON; "drop;.." is Dropped, "bad;.."
# ProcessingFailed. It keeps every event it got (one JSON document a line) in EVENTS.
PREPROCESS = """import base64, json, os, sys
event = json.load(sys.stdin)
with open(os.environ["EVENTS"], "a") as f:
    f.write(json.dumps(event) + "\\n")
out = []
for r in event["records"]:
    sensor, temp = base64.b64decode(r["data"]).decode().split(";")
    if sensor == "drop":
        out.append({"recordId": r["recordId"], "result": "Dropped"})
    elif sensor == "bad":
        out.append({"recordId": r["recordId"], "result": "ProcessingFailed", "data": r["data"]})
    else:
        doc = json.dumps({"sensor": sensor, "temp": float(temp)}).encode()
        out.append({"recordId": r["recordId"], "result": "Ok", "data": base64.b64encode(doc).decode()})
json.dump({"records": out}, sys.stdout)
"""


@pytest.fixture
def processing_server(start_kinesin, tmp_path, monkeypatch):
    import sys

    script, events = tmp_path / "prep.py", tmp_path / "events.jsonl"
    script.write_text(PREPROCESS)
    monkeypatch.setenv("EVENTS", str(events))  # inherited by kinesin, then by the function
    return start_kinesin("--lambda", f"{FN}={sys.executable} {script}"), events


def create_processing_app(kda, kinesis, source: dict) -> tuple[str, str, str]:
    out, errs = unique_name("out"), unique_name("err")
    for s in (out, errs):
        kinesis.create_stream(StreamName=s, ShardCount=1)
        wait_active(kinesis, s)
    app = unique_name("app")
    dest = lambda name, stream: {"Name": name, "DestinationSchema": {"RecordFormatType": "JSON"}, "KinesisStreamsOutput": {  # noqa: E731
        "ResourceARN": f"arn:aws:kinesis:{REGION}:{ACCOUNT}:stream/{stream}", "RoleARN": ROLE}}
    kda.create_application(
        ApplicationName=app, ApplicationCode=CODE,
        Inputs=[{"NamePrefix": "SOURCE_SQL_STREAM", "InputSchema": SCHEMA, **source, "InputProcessingConfiguration": {
            "InputLambdaProcessor": {"ResourceARN": FN, "RoleARN": ROLE}}}],
        Outputs=[dest("DESTINATION_SQL_STREAM", out), dest("error_stream", errs)])
    return app, out, errs


def test_input_processing_function_on_a_kinesis_input(processing_server):
    """InputProcessingConfiguration: the records go through the function bound with --lambda
    (AWS's preprocessing event); Ok records reach the SQL with the function's data, Dropped
    ones nothing, ProcessingFailed ones error_stream."""
    server, events = processing_server
    _, _, kda, kinesis = clients(server.endpoint)
    src = unique_name("src")
    kinesis.create_stream(StreamName=src, ShardCount=1)
    wait_active(kinesis, src)
    source = {"KinesisStreamsInput": {"ResourceARN": f"arn:aws:kinesis:{REGION}:{ACCOUNT}:stream/{src}", "RoleARN": ROLE}}
    app, out, errs = create_processing_app(kda, kinesis, source)
    detail = kda.describe_application(ApplicationName=app)["ApplicationDetail"]["InputDescriptions"][0]
    assert detail["InputProcessingConfigurationDescription"]["InputLambdaProcessorDescription"]["ResourceARN"] == FN
    start(kda, app)
    lines = [f"s{i % 3};{i * 7 % 23 - 5}" for i in range(30)] + ["drop;50", "bad;60", "last;99"]
    resp = kinesis.put_records(StreamName=src, Records=[{"Data": l.encode(), "PartitionKey": f"k{i}"} for i, l in enumerate(lines)])
    assert resp["FailedRecordCount"] == 0
    want = [fahrenheit({"sensor": s, "temp": float(t)}) for s, t in (l.split(";") for l in lines)
            if s not in ("drop", "bad") and float(t) > 0]
    got = read_rows(kinesis, out, len(want))
    assert [g["SENSOR"] for g in got] == [w["SENSOR"] for w in want]
    assert [g["FAHRENHEIT"] for g in got] == pytest.approx([w["FAHRENHEIT"] for w in want])
    failed = read_rows(kinesis, errs, 1)
    assert [bytes.fromhex(e["DATA_ROW"]) for e in failed] == [b"bad;60"]

    sent = {r["SequenceNumber"]: r for r in read_stream(kinesis, src)["shardId-000000000000"]}
    seen = [json.loads(l) for l in events.read_text().splitlines()]
    assert all(e["streamArn"] == f"arn:aws:kinesis:{REGION}:{ACCOUNT}:stream/{src}" for e in seen)
    assert all(e["applicationArn"] == f"arn:aws:kinesisanalytics:{REGION}:{ACCOUNT}:application/{app}" for e in seen)
    records = [r for e in seen for r in e["records"]]
    assert [base64.b64decode(r["data"]).decode() for r in records] == lines  # each record once, in order
    for r in records:
        meta = r["kinesisStreamRecordMetadata"]
        rec = sent[meta["sequenceNumber"]]
        assert meta["shardId"] == "shardId-000000000000" and meta["partitionKey"] == rec["PartitionKey"]
        assert base64.b64decode(r["data"]) == rec["Data"]
        assert meta["approximateArrivalTimestamp"] == pytest.approx(rec["ApproximateArrivalTimestamp"].timestamp(), abs=0.002)


def test_input_processing_function_on_a_firehose_input(processing_server):
    server, events = processing_server
    fh, _, kda, kinesis = clients(server.endpoint)
    delivery = unique_name("fh")
    fh.create_delivery_stream(DeliveryStreamName=delivery, DeliveryStreamType="DirectPut", S3DestinationConfiguration={
        "RoleARN": ROLE, "BucketARN": "arn:aws:s3:::nowhere"})
    source = {"KinesisFirehoseInput": {"ResourceARN": f"arn:aws:firehose:{REGION}:{ACCOUNT}:deliverystream/{delivery}", "RoleARN": ROLE}}
    app, out, _ = create_processing_app(kda, kinesis, source)
    start(kda, app)
    lines = ["a;1", "drop;2", "b;3"]
    fh.put_record_batch(DeliveryStreamName=delivery, Records=[{"Data": l.encode()} for l in lines])
    assert [r["SENSOR"] for r in read_rows(kinesis, out, 2)] == ["A", "B"]
    records = [r for l in events.read_text().splitlines() for r in json.loads(l)["records"]]
    assert [base64.b64decode(r["data"]).decode() for r in records] == lines
    assert all("approximateArrivalTimestamp" in r["kinesisFirehoseRecordMetadata"] for r in records)


OUT_FN = "arn:aws:lambda:us-east-1:000000000000:function:sink"
# The destination function: keeps every event (one JSON document a line) in SINK; a row
# whose sensor is RETRY fails on its first delivery.
SINK = """import base64, json, os, sys
event = json.load(sys.stdin)
with open(os.environ["SINK"], "a") as f:
    f.write(json.dumps(event) + "\\n")
out = []
for r in event["records"]:
    row = json.loads(base64.b64decode(r["data"]))
    first = r["lambdaDeliveryRecordMetadata"]["retryHint"] == 0
    out.append({"recordId": r["recordId"], "result": "DeliveryFailed" if row["SENSOR"] == "RETRY" and first else "Ok"})
json.dump({"records": out}, sys.stdout)
"""


def test_lambda_output_gets_the_rows_and_retries_failed_ones(start_kinesin, tmp_path, monkeypatch):
    """LambdaOutput: output rows reach the function bound with --lambda (AWS's output
    delivery event); a row answered DeliveryFailed comes again with retryHint 1."""
    import sys

    script, sink = tmp_path / "sink.py", tmp_path / "sink.jsonl"
    script.write_text(SINK)
    monkeypatch.setenv("SINK", str(sink))
    server = start_kinesin("--lambda", f"{OUT_FN}={sys.executable} {script}")
    _, _, kda, kinesis = clients(server.endpoint)
    src = unique_name("src")
    kinesis.create_stream(StreamName=src, ShardCount=1)
    wait_active(kinesis, src)
    app = unique_name("app")
    kda.create_application(
        ApplicationName=app, ApplicationCode=CODE,
        Inputs=[{"NamePrefix": "SOURCE_SQL_STREAM", "InputSchema": SCHEMA, "KinesisStreamsInput": {
            "ResourceARN": f"arn:aws:kinesis:{REGION}:{ACCOUNT}:stream/{src}", "RoleARN": ROLE}}],
        Outputs=[{"Name": "DESTINATION_SQL_STREAM", "DestinationSchema": {"RecordFormatType": "JSON"},
                  "LambdaOutput": {"ResourceARN": OUT_FN, "RoleARN": ROLE}}])
    described = kda.describe_application(ApplicationName=app)["ApplicationDetail"]["OutputDescriptions"][0]
    assert described["LambdaOutputDescription"]["ResourceARN"] == OUT_FN
    start(kda, app)
    records = [{"sensor": f"s{i}", "temp": float(i)} for i in range(1, 6)] + [{"sensor": "retry", "temp": 7.0}]
    kinesis.put_records(StreamName=src, Records=[{"Data": json.dumps(r).encode(), "PartitionKey": "k"} for r in records])
    want = [fahrenheit(r) for r in records]
    deadline = time.monotonic() + 30
    while True:
        events = [json.loads(l) for l in sink.read_text().splitlines()] if sink.exists() else []
        sent = [(json.loads(base64.b64decode(r["data"])), r["lambdaDeliveryRecordMetadata"]["retryHint"])
                for e in events for r in e["records"]]
        if len(sent) >= len(want) + 1 or time.monotonic() > deadline:
            break
        time.sleep(0.2)
    assert all(e["applicationArn"] == f"arn:aws:kinesisanalytics:{REGION}:{ACCOUNT}:application/{app}" for e in events)
    first = [row for row, hint in sent if hint == 0]
    assert [r["SENSOR"] for r in first] == [w["SENSOR"] for w in want]
    assert [r["FAHRENHEIT"] for r in first] == pytest.approx([w["FAHRENHEIT"] for w in want])
    assert [(row["SENSOR"], hint) for row, hint in sent if hint > 0] == [("RETRY", 1)]


def test_firehose_input_survives_sigkill(start_kinesin, tmp_path):
    """With --data-dir, records queued from the delivery stream and the application's reading
    of them commit together: after kill -9 every record gives its row exactly once."""
    args = ("--data-dir", str(tmp_path / "data"))
    server = start_kinesin(*args)
    fh, _, kda, kinesis = clients(server.endpoint)
    delivery, out = unique_name("fh"), unique_name("out")
    fh.create_delivery_stream(DeliveryStreamName=delivery, DeliveryStreamType="DirectPut", S3DestinationConfiguration={
        "RoleARN": ROLE, "BucketARN": "arn:aws:s3:::nowhere"})
    kinesis.create_stream(StreamName=out, ShardCount=1)
    wait_active(kinesis, out)
    app = unique_name("app")
    kda.create_application(
        ApplicationName=app, ApplicationCode=CODE,
        Inputs=[{"NamePrefix": "SOURCE_SQL_STREAM", "InputSchema": SCHEMA, "KinesisFirehoseInput": {
            "ResourceARN": f"arn:aws:firehose:{REGION}:{ACCOUNT}:deliverystream/{delivery}", "RoleARN": ROLE}}],
        Outputs=[{"Name": "DESTINATION_SQL_STREAM", "DestinationSchema": {"RecordFormatType": "JSON"}, "KinesisStreamsOutput": {
            "ResourceARN": f"arn:aws:kinesis:{REGION}:{ACCOUNT}:stream/{out}", "RoleARN": ROLE}}])
    start(kda, app)
    before = [{"sensor": f"b{i}", "temp": float(i + 1)} for i in range(20)]
    put(fh, delivery, before)
    assert len(read_rows(kinesis, out, len(before))) == len(before)
    after = [{"sensor": f"a{i}", "temp": float(i + 1)} for i in range(15)]
    put(fh, delivery, after[:5])
    server.kill()
    server = start_kinesin(*args)
    fh, _, kda, kinesis = clients(server.endpoint)
    put(fh, delivery, after[5:])
    want = [fahrenheit(r)["SENSOR"] for r in before + after]
    rows = read_rows(kinesis, out, len(want))
    assert [r["SENSOR"] for r in rows] == want
    marker = {"sensor": "end", "temp": 1.0}
    put(fh, delivery, [marker])
    assert [r["SENSOR"] for r in read_rows(kinesis, out, len(want) + 1)] == want + ["END"]


def test_firehose_input_created_after_the_start_is_read_at_once(kinesin_server):
    """An application started before its delivery stream exists reads the stream as soon as it
    is created (no restart or update); a stream deleted and created again is read as well."""
    fh, _, kda, kinesis = clients(kinesin_server.endpoint)
    delivery, out = unique_name("fh"), unique_name("out")
    kinesis.create_stream(StreamName=out, ShardCount=1)
    wait_active(kinesis, out)
    app = unique_name("app")
    kda.create_application(
        ApplicationName=app, ApplicationCode=CODE,
        Inputs=[{"NamePrefix": "SOURCE_SQL_STREAM", "InputSchema": SCHEMA, "KinesisFirehoseInput": {
            "ResourceARN": f"arn:aws:firehose:{REGION}:{ACCOUNT}:deliverystream/{delivery}", "RoleARN": ROLE}}],
        Outputs=[{"Name": "DESTINATION_SQL_STREAM", "DestinationSchema": {"RecordFormatType": "JSON"}, "KinesisStreamsOutput": {
            "ResourceARN": f"arn:aws:kinesis:{REGION}:{ACCOUNT}:stream/{out}", "RoleARN": ROLE}}])
    start(kda, app)
    version = kda.describe_application(ApplicationName=app)["ApplicationDetail"]["ApplicationVersionId"]
    create = lambda: fh.create_delivery_stream(DeliveryStreamName=delivery, DeliveryStreamType="DirectPut",  # noqa: E731
                                               S3DestinationConfiguration={"RoleARN": ROLE, "BucketARN": "arn:aws:s3:::nowhere"})
    create()
    put(fh, delivery, [{"sensor": "a", "temp": 1.0}, {"sensor": "b", "temp": 2.0}])
    assert [r["SENSOR"] for r in read_rows(kinesis, out, 2)] == ["A", "B"]
    fh.delete_delivery_stream(DeliveryStreamName=delivery)
    deadline = time.monotonic() + 20
    while True:
        try:
            create()
            break
        except fh.exceptions.ResourceInUseException:
            assert time.monotonic() < deadline
            time.sleep(0.05)
    put(fh, delivery, [{"sensor": "c", "temp": 3.0}])
    assert [r["SENSOR"] for r in read_rows(kinesis, out, 3)] == ["A", "B", "C"]
    # Read without an update: the application is at the version it started with.
    assert kda.describe_application(ApplicationName=app)["ApplicationDetail"]["ApplicationVersionId"] == version


def test_discover_input_schema_through_the_processing_function(processing_server):
    """DiscoverInputSchema with an InputProcessingConfiguration: the sample goes through the
    function bound with --lambda (AWS's preprocessing event); RawInputRecords are the stream's
    records, ProcessedInputRecords what the function answered Ok, and the schema and
    ParsedInputRecords come from the processed records. Both APIs."""
    server, events = processing_server
    _, _, kda, kinesis = clients(server.endpoint)
    s = boto3.session.Session(aws_access_key_id=ACCESS_KEY, aws_secret_access_key=SECRET_KEY, region_name=REGION)
    kda2 = s.client("kinesisanalyticsv2", endpoint_url=server.endpoint)
    src = unique_name("src")
    kinesis.create_stream(StreamName=src, ShardCount=1)
    wait_active(kinesis, src)
    lines = ["north;1.5", "drop;2", "bad;3", "southeast;-4.25"]
    for i, l in enumerate(lines):
        kinesis.put_record(StreamName=src, Data=l.encode(), PartitionKey=f"k{i}")
    arn = f"arn:aws:kinesis:{REGION}:{ACCOUNT}:stream/{src}"
    start_at = {"InputStartingPosition": "TRIM_HORIZON"}
    v1 = kda.discover_input_schema(ResourceARN=arn, RoleARN=ROLE, InputStartingPositionConfiguration=start_at,
                                   InputProcessingConfiguration={"InputLambdaProcessor": {"ResourceARN": FN, "RoleARN": ROLE}})
    v2 = kda2.discover_input_schema(ResourceARN=arn, ServiceExecutionRole=ROLE, InputStartingPositionConfiguration=start_at,
                                    InputProcessingConfiguration={"InputLambdaProcessor": {"ResourceARN": FN}})
    kept = [(sensor, float(t)) for sensor, t in (l.split(";") for l in lines) if sensor not in ("drop", "bad")]
    for out in (v1, v2):
        assert out["RawInputRecords"] == lines
        assert [json.loads(p) for p in out["ProcessedInputRecords"]] == [{"sensor": n, "temp": t} for n, t in kept]
        columns = [(c["Name"], c["Mapping"], c["SqlType"]) for c in out["InputSchema"]["RecordColumns"]]
        assert columns == [("sensor", "$.sensor", "VARCHAR(16)"), ("temp", "$.temp", "REAL")]
        assert out["InputSchema"]["RecordFormat"]["RecordFormatType"] == "JSON"
        assert out["ParsedInputRecords"] == [[n, str(t)] for n, t in kept]
    seen = [json.loads(l) for l in events.read_text().splitlines()]
    assert len(seen) == 2 and all(e["streamArn"] == arn for e in seen)
    sent = {r["SequenceNumber"]: r for r in read_stream(kinesis, src)["shardId-000000000000"]}
    for r in seen[0]["records"]:
        meta = r["kinesisStreamRecordMetadata"]
        assert base64.b64decode(r["data"]) == sent[meta["sequenceNumber"]]["Data"]
        assert meta["partitionKey"] == sent[meta["sequenceNumber"]]["PartitionKey"]

    # A function that cannot be invoked (no --lambda binding): no schema can be detected.
    other = "arn:aws:lambda:us-east-1:000000000000:function:unbound"
    with pytest.raises(kda.exceptions.UnableToDetectSchemaException):
        kda.discover_input_schema(ResourceARN=arn, RoleARN=ROLE, InputStartingPositionConfiguration=start_at,
                                  InputProcessingConfiguration={"InputLambdaProcessor": {"ResourceARN": other, "RoleARN": ROLE}})


def test_outputs_are_found_in_the_account_and_region_of_their_arns(kinesin_server):
    """A Kinesis output in another account and a Firehose output in another region get the
    rows (the ARN names the stream, as on AWS); StartApplication refuses an application whose
    output stream does not exist with InvalidApplicationConfigurationException."""
    fh, s3, kda, kinesis = clients(kinesin_server.endpoint)
    other_account, other_region = "111122223333", "eu-west-1"
    s = boto3.session.Session(aws_access_key_id=other_account, aws_secret_access_key=SECRET_KEY, region_name=REGION)
    kinesis_other = s.client("kinesis", endpoint_url=kinesin_server.endpoint)
    s = boto3.session.Session(aws_access_key_id=ACCESS_KEY, aws_secret_access_key=SECRET_KEY, region_name=other_region)
    fh_other = s.client("firehose", endpoint_url=kinesin_server.endpoint)
    src, out, delivery, bucket = unique_name("src"), unique_name("out"), unique_name("fh"), unique_name("b").lower()
    kinesis.create_stream(StreamName=src, ShardCount=1)
    kinesis_other.create_stream(StreamName=out, ShardCount=1)
    wait_active(kinesis, src)
    wait_active(kinesis_other, out)
    s3.create_bucket(Bucket=bucket)
    fh_other.create_delivery_stream(DeliveryStreamName=delivery, DeliveryStreamType="DirectPut", ExtendedS3DestinationConfiguration={
        "RoleARN": ROLE, "BucketARN": f"arn:aws:s3:::{bucket}", "BufferingHints": {"SizeInMBs": 1, "IntervalInSeconds": 0}})
    out_arn = f"arn:aws:kinesis:{REGION}:{other_account}:stream/{out}"
    fh_arn = f"arn:aws:firehose:{other_region}:{ACCOUNT}:deliverystream/{delivery}"
    app = unique_name("app")
    code = CODE + """
CREATE OR REPLACE STREAM "COPY_STREAM" (sensor VARCHAR(8), temp DOUBLE);
CREATE OR REPLACE PUMP "C" AS INSERT INTO "COPY_STREAM" SELECT STREAM sensor, temp FROM "SOURCE_SQL_STREAM_001";"""
    kda.create_application(
        ApplicationName=app, ApplicationCode=code,
        Inputs=[{"NamePrefix": "SOURCE_SQL_STREAM", "InputSchema": SCHEMA, "KinesisStreamsInput": {
            "ResourceARN": f"arn:aws:kinesis:{REGION}:{ACCOUNT}:stream/{src}", "RoleARN": ROLE}}],
        Outputs=[{"Name": "DESTINATION_SQL_STREAM", "DestinationSchema": {"RecordFormatType": "JSON"},
                  "KinesisStreamsOutput": {"ResourceARN": out_arn, "RoleARN": ROLE}},
                 {"Name": "COPY_STREAM", "DestinationSchema": {"RecordFormatType": "CSV"},
                  "KinesisFirehoseOutput": {"ResourceARN": fh_arn, "RoleARN": ROLE}}])
    start(kda, app)
    records = [{"sensor": "a", "temp": 1.0}, {"sensor": "b", "temp": -2.0}, {"sensor": "c", "temp": 3.0}]
    kinesis.put_records(StreamName=src, Records=[{"Data": json.dumps(r).encode(), "PartitionKey": "k"} for r in records])
    got = read_rows(kinesis_other, out, 2)
    assert [g["SENSOR"] for g in got] == ["A", "C"]
    deadline = time.monotonic() + 30
    while True:
        keys = [o["Key"] for o in s3.list_objects_v2(Bucket=bucket).get("Contents", [])]
        body = b"".join(s3.get_object(Bucket=bucket, Key=k)["Body"].read() for k in sorted(keys)).decode()
        if body.count("\n") >= len(records) or time.monotonic() > deadline:
            break
        time.sleep(0.2)
    assert body.splitlines() == [f"{r['sensor']},{r['temp']}" for r in records]
    # Nothing went to a same-named stream in the application's own account and region.
    with pytest.raises(kinesis.exceptions.ResourceNotFoundException):
        kinesis.describe_stream_summary(StreamName=out)

    missing = unique_name("app")
    kda.create_application(
        ApplicationName=missing, ApplicationCode=CODE,
        Inputs=[{"NamePrefix": "SOURCE_SQL_STREAM", "InputSchema": SCHEMA, "KinesisStreamsInput": {
            "ResourceARN": f"arn:aws:kinesis:{REGION}:{ACCOUNT}:stream/{src}", "RoleARN": ROLE}}],
        Outputs=[{"Name": "DESTINATION_SQL_STREAM", "DestinationSchema": {"RecordFormatType": "JSON"},
                  "KinesisStreamsOutput": {"ResourceARN": f"arn:aws:kinesis:{REGION}:{ACCOUNT}:stream/{out}", "RoleARN": ROLE}}])
    input_id = kda.describe_application(ApplicationName=missing)["ApplicationDetail"]["InputDescriptions"][0]["InputId"]
    with pytest.raises(kda.exceptions.InvalidApplicationConfigurationException):
        kda.start_application(ApplicationName=missing, InputConfigurations=[
            {"Id": input_id, "InputStartingPositionConfiguration": {"InputStartingPosition": "NOW"}}])
    assert kda.describe_application(ApplicationName=missing)["ApplicationDetail"]["ApplicationStatus"] == "READY"


def test_discover_input_schema_from_a_delivery_stream(kinesin_server):
    """A Firehose delivery stream as DiscoverInputSchema's streaming source: the records it
    buffers (not yet delivered) are the sample, through both APIs."""
    fh, s3, kda, _ = clients(kinesin_server.endpoint)
    kda2 = boto3.session.Session(aws_access_key_id=ACCESS_KEY, aws_secret_access_key=SECRET_KEY, region_name=REGION).client(
        "kinesisanalyticsv2", endpoint_url=kinesin_server.endpoint, config=Config(retries={"total_max_attempts": 1}))
    bucket, delivery = unique_name("b").lower(), unique_name("fh")
    s3.create_bucket(Bucket=bucket)
    fh.create_delivery_stream(DeliveryStreamName=delivery, DeliveryStreamType="DirectPut", ExtendedS3DestinationConfiguration={
        "RoleARN": ROLE, "BucketARN": f"arn:aws:s3:::{bucket}", "BufferingHints": {"SizeInMBs": 128, "IntervalInSeconds": 900}})
    records = [{"sensor": f"s{i % 3}", "temp": i + 0.25, "ok": i % 2 == 0} for i in range(12)]
    put(fh, delivery, records)
    arn = f"arn:aws:firehose:{REGION}:{ACCOUNT}:deliverystream/{delivery}"
    start_at = {"InputStartingPosition": "TRIM_HORIZON"}
    v1 = kda.discover_input_schema(ResourceARN=arn, RoleARN=ROLE, InputStartingPositionConfiguration=start_at)
    v2 = kda2.discover_input_schema(ResourceARN=arn, ServiceExecutionRole=ROLE, InputStartingPositionConfiguration=start_at)
    for out in (v1, v2):
        assert [json.loads(r) for r in out["RawInputRecords"]] == records
        cols = {c["Name"]: (c["SqlType"], c["Mapping"]) for c in out["InputSchema"]["RecordColumns"]}
        assert cols == {"sensor": ("VARCHAR(2)", "$.sensor"), "temp": ("REAL", "$.temp"), "ok": ("BOOLEAN", "$.ok")}
        assert [p[0] for p in out["ParsedInputRecords"]] == [r["sensor"] for r in records]
    with pytest.raises(kda.exceptions.InvalidArgumentException):
        kda.discover_input_schema(ResourceARN=arn + "-missing", RoleARN=ROLE, InputStartingPositionConfiguration=start_at)


def test_rows_written_to_a_kinesis_output_wake_its_readers_at_once(setup):
    """A pipe reading the application's output stream gets the rows as they are written (no
    Kinesis request wakes it: the application's own write does)."""
    s = boto3.session.Session(aws_access_key_id=ACCESS_KEY, aws_secret_access_key=SECRET_KEY, region_name=REGION)
    endpoint = setup["kinesis"].meta.endpoint_url
    sqs, pipes = s.client("sqs", endpoint_url=endpoint), s.client("pipes", endpoint_url=endpoint)
    queue = unique_name("q")
    url = sqs.create_queue(QueueName=queue)["QueueUrl"]
    pipe = unique_name("pipe")
    pipes.create_pipe(Name=pipe, RoleArn=ROLE, Source=f"arn:aws:kinesis:{REGION}:{ACCOUNT}:stream/{setup['out']}",
                      SourceParameters={"KinesisStreamParameters": {"StartingPosition": "TRIM_HORIZON"}},
                      Target=f"arn:aws:sqs:{REGION}:{ACCOUNT}:{queue}")
    deadline = time.monotonic() + 10
    while pipes.describe_pipe(Name=pipe)["CurrentState"] != "RUNNING":
        assert time.monotonic() < deadline
        time.sleep(0.05)
    start(setup["kda"], setup["app"])
    time.sleep(0.5)  # the pump's passes after the start are over
    put(setup["fh"], setup["delivery"], [{"sensor": "a", "temp": 10.0}])
    t0, got = time.monotonic(), []
    while not got and time.monotonic() < t0 + 5:
        got = sqs.receive_message(QueueUrl=url, WaitTimeSeconds=1).get("Messages", [])
    assert [json.loads(base64.b64decode(json.loads(m["Body"])["data"])) for m in got] == [{"SENSOR": "A", "FAHRENHEIT": 50.0}]
    pipes.delete_pipe(Name=pipe)
