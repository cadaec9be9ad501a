"""Firehose Lambda-style transforms, error output and S3 backup, through boto3: a transform
command (a Python script written by the test) or an HTTP URL bound with `--lambda`, records
upper-cased, dropped and failed, error records under the error prefix, source records in the
backup bucket. Everything is read back through kinesin's S3 surface."""

from __future__ import annotations

import base64
import gzip
import json
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, HTTPServer

from test_firehose import ROLE, clients, list_keys, put_all

from conftest import unique_name

FN = "arn:aws:lambda:us-east-1:000000000000:function:upper"

TRANSFORM = r'''
import base64, json, sys
event = json.load(sys.stdin)
out = []
for r in event["records"]:
    d = base64.b64decode(r["data"])
    if d.startswith(b"drop"):
        out.append({"recordId": r["recordId"], "result": "Dropped"})
    elif d.startswith(b"fail"):
        out.append({"recordId": r["recordId"], "result": "ProcessingFailed", "data": r["data"]})
    else:
        out.append({"recordId": r["recordId"], "result": "Ok", "data": base64.b64encode(d.upper()).decode()})
json.dump({"records": out}, sys.stdout)
'''


def transform_records(event: dict) -> dict:
    """The same transform as TRANSFORM, for the HTTP-bound function."""
    out = []
    for r in event["records"]:
        d = base64.b64decode(r["data"])
        if d.startswith(b"drop"):
            out.append({"recordId": r["recordId"], "result": "Dropped"})
        elif d.startswith(b"fail"):
            out.append({"recordId": r["recordId"], "result": "ProcessingFailed", "data": r["data"]})
        else:
            out.append({"recordId": r["recordId"], "result": "Ok", "data": base64.b64encode(d.upper()).decode()})
    return {"records": out}


def lambda_processing(*params: tuple[str, str]) -> dict:
    return {
        "Enabled": True,
        "Processors": [
            {
                "Type": "Lambda",
                "Parameters": [{"ParameterName": "LambdaArn", "ParameterValue": FN}]
                + [{"ParameterName": k, "ParameterValue": v} for k, v in params],
            }
        ],
    }


def wait_for_keys(s3, bucket: str, count: int, timeout: float = 30) -> list[str]:
    deadline = time.monotonic() + timeout
    while True:
        keys = list_keys(s3, bucket)
        if len(keys) >= count:
            return keys
        assert time.monotonic() < deadline, f"only {keys} within {timeout}s"
        time.sleep(0.2)


def error_lines(body: bytes) -> list[dict]:
    return [json.loads(line) for line in body.splitlines() if line]


def records() -> list[bytes]:
    out = []
    for i in range(30):
        kind = ("keep", "drop", "fail")[i % 3]
        out.append(f"{kind}-{i:02d}\n".encode())
    return out


def test_transform_command_upper_cases_drops_and_fails(start_kinesin, tmp_path):
    script = tmp_path / "transform.py"
    script.write_text(TRANSFORM)
    server = start_kinesin("--firehose-interval-override-secs", "1", "--lambda", f"{FN}={sys.executable} {script}")
    fh, s3 = clients(server.endpoint)
    bucket, name = unique_name("bkt"), unique_name("fh")
    s3.create_bucket(Bucket=bucket)
    fh.create_delivery_stream(
        DeliveryStreamName=name,
        ExtendedS3DestinationConfiguration={
            "RoleARN": ROLE,
            "BucketARN": f"arn:aws:s3:::{bucket}",
            "Prefix": "out/",
            "ProcessingConfiguration": lambda_processing(("NumberOfRetries", "1")),
        },
    )
    desc = fh.describe_delivery_stream(DeliveryStreamName=name)["DeliveryStreamDescription"]
    ext = desc["Destinations"][0]["ExtendedS3DestinationDescription"]
    assert ext["ProcessingConfiguration"]["Processors"][0]["Type"] == "Lambda"
    recs = records()
    before = int(time.time() * 1000)
    put_all(fh, name, recs)
    keys = wait_for_keys(s3, bucket, 2)
    assert len(keys) == 2, keys
    out = [k for k in keys if k.startswith("out/")]
    err = [k for k in keys if k.startswith("processing-failed/")]
    assert len(out) == 1 and len(err) == 1, keys
    body = s3.get_object(Bucket=bucket, Key=out[0])["Body"].read()
    assert body == b"".join(r.upper() for r in recs if r.startswith(b"keep"))
    lines = error_lines(s3.get_object(Bucket=bucket, Key=err[0])["Body"].read())
    failed = [r for r in recs if r.startswith(b"fail")]
    assert [base64.b64decode(e["rawData"]) for e in lines] == failed
    for e in lines:
        assert list(e) == [
            "attemptsMade",
            "arrivalTimestamp",
            "errorCode",
            "errorMessage",
            "attemptEndingTimestamp",
            "rawData",
            "lambdaArn",
        ]
        assert e["errorCode"] == "Lambda.ProcessingFailedStatus"
        assert e["attemptsMade"] == 1
        assert e["lambdaArn"] == FN
        assert before - 5000 <= e["arrivalTimestamp"] <= e["attemptEndingTimestamp"]


def test_failing_function_retries_then_error_prefix_with_error_output_type(start_kinesin, tmp_path):
    calls = tmp_path / "calls"
    failing = f"cat >/dev/null; echo x >> {calls}; echo broken >&2; exit 1"
    server = start_kinesin("--firehose-interval-override-secs", "1", "--lambda", f"upper={failing}")
    fh, s3 = clients(server.endpoint)
    bucket, name = unique_name("bkt"), unique_name("fh")
    s3.create_bucket(Bucket=bucket)
    fh.create_delivery_stream(
        DeliveryStreamName=name,
        ExtendedS3DestinationConfiguration={
            "RoleARN": ROLE,
            "BucketARN": f"arn:aws:s3:::{bucket}",
            "Prefix": "data/!{timestamp:yyyy}/",
            "ErrorOutputPrefix": "errors/!{firehose:error-output-type}/!{timestamp:yyyy}/",
            "CompressionFormat": "GZIP",
            "ProcessingConfiguration": lambda_processing(("NumberOfRetries", "2")),
        },
    )
    put_all(fh, name, [b"a\n", b"b\n"])
    (key,) = wait_for_keys(s3, bucket, 1)
    year = time.strftime("%Y", time.gmtime())
    assert key.startswith(f"errors/processing-failed/{year}/{name}-1-") and key.endswith(".gz"), key
    lines = error_lines(gzip.decompress(s3.get_object(Bucket=bucket, Key=key)["Body"].read()))
    assert [base64.b64decode(e["rawData"]) for e in lines] == [b"a\n", b"b\n"]
    assert all(e["errorCode"] == "Lambda.FunctionError" and e["attemptsMade"] == 3 for e in lines), lines
    assert "broken" in lines[0]["errorMessage"]
    assert len(calls.read_text().splitlines()) == 3


class _Lambda(BaseHTTPRequestHandler):
    events: list[dict] = []

    def do_POST(self):  # noqa: N802 (http.server's naming)
        event = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
        type(self).events.append(event)
        body = json.dumps(transform_records(event)).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args):
        pass


def test_http_function_and_s3_backup_of_source_records(start_kinesin):
    receiver = HTTPServer(("127.0.0.1", 0), _Lambda)
    threading.Thread(target=receiver.serve_forever, daemon=True).start()
    try:
        url = f"http://127.0.0.1:{receiver.server_port}/2015-03-31/functions/upper/invocations"
        server = start_kinesin("--firehose-interval-override-secs", "1", "--lambda", f"{FN}={url}")
        fh, s3 = clients(server.endpoint)
        bucket, backup, name = unique_name("bkt"), unique_name("bak"), unique_name("fh")
        s3.create_bucket(Bucket=bucket)
        s3.create_bucket(Bucket=backup)
        fh.create_delivery_stream(
            DeliveryStreamName=name,
            ExtendedS3DestinationConfiguration={
                "RoleARN": ROLE,
                "BucketARN": f"arn:aws:s3:::{bucket}",
                "ProcessingConfiguration": lambda_processing(),
                "S3BackupMode": "Enabled",
                "S3BackupConfiguration": {
                    "RoleARN": ROLE,
                    "BucketARN": f"arn:aws:s3:::{backup}",
                    "Prefix": "source/",
                    "CompressionFormat": "GZIP",
                },
            },
        )
        ext = fh.describe_delivery_stream(DeliveryStreamName=name)["DeliveryStreamDescription"]["Destinations"][0][
            "ExtendedS3DestinationDescription"
        ]
        assert ext["S3BackupMode"] == "Enabled"
        assert ext["S3BackupDescription"]["Prefix"] == "source/"
        recs = records()
        put_all(fh, name, recs)
        (bkey,) = wait_for_keys(s3, backup, 1)
        assert bkey.startswith("source/") and bkey.endswith(".gz"), bkey
        assert gzip.decompress(s3.get_object(Bucket=backup, Key=bkey)["Body"].read()) == b"".join(recs)
        keys = wait_for_keys(s3, bucket, 2)
        delivered = [k for k in keys if not k.startswith("processing-failed/")]
        assert len(delivered) == 1, keys
        body = s3.get_object(Bucket=bucket, Key=delivered[0])["Body"].read()
        assert body == b"".join(r.upper() for r in recs if r.startswith(b"keep"))
        event = _Lambda.events[0]
        assert event["deliveryStreamArn"] == f"arn:aws:firehose:us-east-1:000000000000:deliverystream/{name}"
        assert event["region"] == "us-east-1"
        assert len(event["invocationId"]) == 36
        assert [base64.b64decode(r["data"]) for r in event["records"]] == recs
        assert all(isinstance(r["approximateArrivalTimestamp"], int) for r in event["records"])
    finally:
        receiver.shutdown()


def test_crash_while_a_batch_is_in_flight_redelivers_it_once(start_kinesin, tmp_path):
    """kill -9 while the transform runs: after a restart the batch is delivered again at
    once (the dead process's lease is dropped), and exactly once."""
    started = tmp_path / "started"
    hang = tmp_path / "hang.py"
    hang.write_text(f"import pathlib, sys, time\nsys.stdin.read()\npathlib.Path({str(started)!r}).touch()\ntime.sleep(20)\n")
    ok = tmp_path / "transform.py"
    ok.write_text(TRANSFORM)
    data_dir = tmp_path / "data"
    args = ("--data-dir", data_dir, "--firehose-interval-override-secs", "1")
    server = start_kinesin(*args, "--lambda", f"{FN}={sys.executable} {hang}")
    fh, s3 = clients(server.endpoint)
    bucket, name = unique_name("bkt"), unique_name("fh")
    s3.create_bucket(Bucket=bucket)
    fh.create_delivery_stream(
        DeliveryStreamName=name,
        ExtendedS3DestinationConfiguration={
            "RoleARN": ROLE,
            "BucketARN": f"arn:aws:s3:::{bucket}",
            "ProcessingConfiguration": lambda_processing(),
        },
    )
    recs = [f"keep-{i}\n".encode() for i in range(50)]
    put_all(fh, name, recs)
    deadline = time.monotonic() + 30
    while not started.exists():
        assert time.monotonic() < deadline, "the transform was not invoked"
        time.sleep(0.1)
    server.kill()
    server = start_kinesin(*args, "--lambda", f"{FN}={sys.executable} {ok}")
    fh, s3 = clients(server.endpoint)
    (key,) = wait_for_keys(s3, bucket, 1)
    assert s3.get_object(Bucket=bucket, Key=key)["Body"].read() == b"".join(r.upper() for r in recs)
    time.sleep(1.5)  # one more interval: nothing else is delivered
    assert list_keys(s3, bucket) == [key]
