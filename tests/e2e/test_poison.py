"""Poison input for Firehose dynamic partitioning (issue 13, defects 1 and 2): a record nested
thousands of levels deep, a recursive MetadataExtractionQuery and one that never ends go to the
error output (AWS's error record shape), never crash the server, never hold up other delivery
streams, survive a kill -9 and restart with the poison still buffered, and SIGTERM still stops
the server."""

from __future__ import annotations

import base64
import json

from test_firehose_s3 import ROLE, all_objects, clients, put, wait_objects
from conftest import unique_name

DEEP = b"[" * 5000 + b"]" * 5000


def dynamic_stream(fh, s3, query: str) -> tuple[str, str]:
    """A delivery stream partitioning by `query` into its own bucket."""
    bucket, name = unique_name("bkt"), unique_name("fh")
    s3.create_bucket(Bucket=bucket)
    fh.create_delivery_stream(
        DeliveryStreamName=name,
        ExtendedS3DestinationConfiguration={
            "RoleARN": ROLE,
            "BucketARN": f"arn:aws:s3:::{bucket}",
            "Prefix": "k=!{partitionKeyFromQuery:k}/",
            "ErrorOutputPrefix": "errors/!{firehose:error-output-type}/",
            "BufferingHints": {"SizeInMBs": 64, "IntervalInSeconds": 60},
            "DynamicPartitioningConfiguration": {"Enabled": True},
            "ProcessingConfiguration": {"Enabled": True, "Processors": [
                {"Type": "MetadataExtraction", "Parameters": [
                    {"ParameterName": "MetadataExtractionQuery", "ParameterValue": query},
                    {"ParameterName": "JsonParsingEngine", "ParameterValue": "JQ-1.6"}]},
            ]},
        },
    )
    return name, bucket


def error_lines(objs: dict[str, bytes]) -> list[dict]:
    return [
        json.loads(line)
        for key, body in objs.items()
        if key.startswith("errors/metadata-extraction-failed/")
        for line in body.splitlines()
    ]


def has_errors(n: int):
    return lambda objs: len(error_lines(objs)) >= n


def test_poison_records_and_queries_survive_kill_and_restart(start_kinesin, tmp_path):
    data = tmp_path / "data"
    # Buffered for 60 s: nothing is delivered before the kill.
    server = start_kinesin("--data-dir", data)
    fh, s3 = clients(server.endpoint)
    deep_name, deep_bucket = dynamic_stream(fh, s3, "{k: .k}")
    rec_name, rec_bucket = dynamic_stream(fh, s3, "def f: [f]; {k: (f|length)}")
    loop_name, loop_bucket = dynamic_stream(fh, s3, "{k: (last(repeat(1))|tostring)}")
    put(fh, deep_name, [DEEP, b'{"k":"ok"}'])
    put(fh, rec_name, [b'{"k":"a"}'])
    put(fh, loop_name, [b'{"k":"b"}'])
    server.kill()

    # Restart on the same store with the poison still buffered; deliveries every second.
    server = start_kinesin("--data-dir", data, "--firehose-interval-override-secs", "1")
    fh, s3 = clients(server.endpoint)
    deep = wait_objects(s3, deep_bucket, lambda o: has_errors(1)(o) and "k=ok" in {k.split("/", 1)[0] for k in o})
    [err] = error_lines(deep)
    assert err["errorCode"] == "DynamicPartitioning.MetadataExtractionFailed"
    assert err["errorMessage"] == "Non JSON record provided"
    assert base64.b64decode(err["rawData"]) == DEEP
    assert {"attemptsMade", "arrivalTimestamp", "errorCode", "errorMessage", "rawData"} <= set(err), err

    # A stream unaffected by the poison keeps delivering while the others fail.
    ok_name, ok_bucket = dynamic_stream(fh, s3, "{k: .k}")
    put(fh, ok_name, [b'{"k":"fine"}'])
    ok = wait_objects(s3, ok_bucket, lambda o: len(o) >= 1)
    assert list(ok.values()) == [b'{"k":"fine"}']

    recursive = wait_objects(s3, rec_bucket, has_errors(1), timeout=60)
    endless = wait_objects(s3, loop_bucket, has_errors(1), timeout=60)
    for objs, raw in ((recursive, b'{"k":"a"}'), (endless, b'{"k":"b"}')):
        [err] = error_lines(objs)
        assert err["errorCode"] == "DynamicPartitioning.MetadataExtractionFailed"
        assert "exceeded its evaluation limit" in err["errorMessage"], err
        assert base64.b64decode(err["rawData"]) == raw
        assert not [k for k in objs if not k.startswith("errors/")], sorted(objs)
    assert server.alive()
    assert server.health()

    # The endless query again, right before SIGTERM: shutdown still completes, cleanly.
    put(fh, loop_name, [b'{"k":"c"}'])
    assert server.stop() == 0


def test_poison_under_load_does_not_stop_other_records(start_kinesin):
    server = start_kinesin("--firehose-interval-override-secs", "1")
    fh, s3 = clients(server.endpoint)
    name, bucket = dynamic_stream(fh, s3, "{k: .k}")
    # A nested record AWS's jq still parses (256 levels), one it does not, and good ones.
    ok_deep = b'{"k":"d","x":' + b"[" * 255 + b"]" * 255 + b"}"
    put(fh, name, [b'{"k":"a"}', DEEP, ok_deep, b'{"k":"a"}'])
    objs = wait_objects(s3, bucket, lambda o: len(o) >= 3)
    by_prefix = {k.split("/", 1)[0]: v for k, v in objs.items()}
    assert by_prefix["k=a"] == b'{"k":"a"}{"k":"a"}'
    assert by_prefix["k=d"] == ok_deep
    assert len(error_lines(all_objects(s3, bucket))) == 1
    assert server.alive()


def rss_mb(pid: int) -> float:
    with open(f"/proc/{pid}/status") as f:
        return next(int(line.split()[1]) for line in f if line.startswith("VmRSS:")) / 1024


def test_queries_that_exhaust_memory_fail_their_records_only(start_kinesin):
    """A query that allocates without bound runs out of the jq worker's memory limit (Linux),
    not the server's: its record goes to the error output, the others of the batch and of
    later batches are delivered, and the server's own memory stays small."""
    server = start_kinesin("--firehose-interval-override-secs", "1")
    fh, s3 = clients(server.endpoint)
    query = (
        '{k: (if .double then (reduce range(40) as $i ("x"; . + .) | length)'
        ' elif .big then ("x" * 2000000000 | length)'
        ' elif .many then ([limit(1e8; repeat("x" * 1000))] | length)'
        " else .k end)}"
    )
    name, bucket = dynamic_stream(fh, s3, query)
    bombs = [b'{"double":1}', b'{"big":1}', b'{"many":1}']
    put(fh, name, [b'{"k":"a"}', bombs[0], b'{"k":"a"}', bombs[1], bombs[2], b'{"k":"b"}'])
    objs = wait_objects(s3, bucket, lambda o: has_errors(3)(o) and len(o) >= 3, timeout=60)
    by_prefix = {k.split("/", 1)[0]: v for k, v in objs.items() if not k.startswith("errors/")}
    assert by_prefix == {"k=a": b'{"k":"a"}{"k":"a"}', "k=b": b'{"k":"b"}'}
    errors = error_lines(objs)
    assert sorted(base64.b64decode(e["rawData"]) for e in errors) == sorted(bombs)
    for e in errors:
        assert e["errorCode"] == "DynamicPartitioning.MetadataExtractionFailed"
        assert e["errorMessage"].startswith("jq query exceeded its evaluation limit"), e
    assert server.alive()
    assert rss_mb(server.proc.pid) < 300

    # Later batches go through a fresh worker; SIGTERM still stops the server cleanly.
    put(fh, name, [b'{"k":"c"}'])
    wait_objects(s3, bucket, lambda o: any(k.startswith("k=c/") for k in o))
    assert server.stop() == 0
