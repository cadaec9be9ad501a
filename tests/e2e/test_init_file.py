"""`--init FILE`: streams with consumers, queues with attributes (DLQ and redrive), buckets,
a delivery stream and a pipe created at start from YAML or JSON, data flowing through
them, and the same file applied again at a restart without changes or errors."""

from __future__ import annotations

import json
import time

import boto3
import pytest

from conftest import KINESIN_BIN

ACCOUNT, REGION = "000000000000", "eu-west-1"
ROLE = f"arn:aws:iam::{ACCOUNT}:role/kinesin-init"
STREAM_ARN = f"arn:aws:kinesis:{REGION}:{ACCOUNT}:stream/orders"

INIT_YAML = f"""
region: {REGION}
buckets: [archive]
streams:
  - name: orders
    shards: 2
    retention_hours: 48
    consumers: [billing]
    tags: {{team: core}}
queues:
  - name: orders
    attributes:
      VisibilityTimeout: 45
      RedrivePolicy: '{{"deadLetterTargetArn":"arn:aws:sqs:{REGION}:{ACCOUNT}:orders-dlq","maxReceiveCount":"3"}}'
  - name: orders-dlq
    attributes: {{MessageRetentionPeriod: 1209600}}
delivery_streams:
  - DeliveryStreamName: orders-archive
    DeliveryStreamType: KinesisStreamAsSource
    KinesisStreamSourceConfiguration: {{KinesisStreamARN: "{STREAM_ARN}", RoleARN: "{ROLE}"}}
    ExtendedS3DestinationConfiguration:
      RoleARN: {ROLE}
      BucketARN: arn:aws:s3:::archive
      BufferingHints: {{IntervalInSeconds: 60, SizeInMBs: 1}}
pipes:
  - Name: orders-to-queue
    RoleArn: {ROLE}
    Source: {STREAM_ARN}
    SourceParameters: {{KinesisStreamParameters: {{StartingPosition: TRIM_HORIZON, BatchSize: 1}}}}
    Target: arn:aws:sqs:{REGION}:{ACCOUNT}:orders
"""


def client(service: str, endpoint: str):
    return boto3.client(
        service, endpoint_url=endpoint, region_name=REGION, aws_access_key_id="test", aws_secret_access_key="test"
    )


def wait(cond, what: str, timeout: float = 30):
    deadline = time.monotonic() + timeout
    while True:
        got = cond()
        if got:
            return got
        assert time.monotonic() < deadline, what
        time.sleep(0.1)


def check_resources(endpoint: str) -> None:
    kinesis, sqs, s3 = client("kinesis", endpoint), client("sqs", endpoint), client("s3", endpoint)
    summary = kinesis.describe_stream_summary(StreamName="orders")["StreamDescriptionSummary"]
    assert (summary["OpenShardCount"], summary["RetentionPeriodHours"]) == (2, 48)
    assert [c["ConsumerName"] for c in kinesis.list_stream_consumers(StreamARN=STREAM_ARN)["Consumers"]] == ["billing"]
    assert kinesis.list_tags_for_resource(ResourceARN=STREAM_ARN)["Tags"] == [{"Key": "team", "Value": "core"}]
    url = sqs.get_queue_url(QueueName="orders")["QueueUrl"]
    attrs = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["All"])["Attributes"]
    assert attrs["VisibilityTimeout"] == "45"
    assert json.loads(attrs["RedrivePolicy"])["deadLetterTargetArn"].endswith(":orders-dlq")
    dlq = sqs.get_queue_url(QueueName="orders-dlq")["QueueUrl"]
    assert sqs.get_queue_attributes(QueueUrl=dlq, AttributeNames=["MessageRetentionPeriod"])["Attributes"] == {
        "MessageRetentionPeriod": "1209600"
    }
    assert [b["Name"] for b in s3.list_buckets()["Buckets"]] == ["archive"]
    assert client("firehose", endpoint).list_delivery_streams()["DeliveryStreamNames"] == ["orders-archive"]
    assert [p["Name"] for p in client("pipes", endpoint).list_pipes()["Pipes"]] == ["orders-to-queue"]


def test_init_file_creates_everything_and_is_idempotent(start_kinesin, tmp_path):
    init = tmp_path / "init.yaml"
    init.write_text(INIT_YAML)
    data = tmp_path / "data"
    args = ("--init", init, "--data-dir", data, "--firehose-interval-override-secs", "1", "--region", REGION)
    server = start_kinesin(*args)
    check_resources(server.endpoint)
    kinesis, sqs, s3 = client("kinesis", server.endpoint), client("sqs", server.endpoint), client("s3", server.endpoint)
    kinesis.put_record(StreamName="orders", Data=b'{"order": 1}', PartitionKey="a")
    url = sqs.get_queue_url(QueueName="orders")["QueueUrl"]
    msgs = wait(lambda: sqs.receive_message(QueueUrl=url, WaitTimeSeconds=1).get("Messages"), "pipe delivered nothing")
    assert json.loads(msgs[0]["Body"])["data"]
    keys = wait(lambda: s3.list_objects_v2(Bucket="archive").get("Contents"), "firehose delivered nothing")
    assert s3.get_object(Bucket="archive", Key=keys[0]["Key"])["Body"].read() == b'{"order": 1}'
    server.stop()
    again = start_kinesin(*args)
    check_resources(again.endpoint)


def test_init_file_in_json(start_kinesin, tmp_path):
    init = tmp_path / "init.json"
    init.write_text(json.dumps({"streams": [{"name": "j", "mode": "ON_DEMAND"}], "queues": [{"name": "jq"}]}))
    server = start_kinesin("--init", init)
    kinesis = boto3.client(
        "kinesis", endpoint_url=server.endpoint, region_name="us-east-1", aws_access_key_id="t", aws_secret_access_key="t"
    )
    mode = kinesis.describe_stream_summary(StreamName="j")["StreamDescriptionSummary"]["StreamModeDetails"]
    assert mode == {"StreamMode": "ON_DEMAND"}


@pytest.mark.parametrize(
    ("text", "needle"),
    [
        ("stream: []\n", "unknown field `stream`"),
        ("queues: [{name: 'bad name!'}]\n", "queue bad name!: InvalidParameterValue"),
        ("streams: [{name: s, mode: FAST}]\n", "stream s: mode must be PROVISIONED or ON_DEMAND"),
    ],
)
def test_bad_init_file_stops_start_with_a_message(tmp_path, text, needle):
    import subprocess

    init = tmp_path / "init.yaml"
    init.write_text(text)
    out = subprocess.run(
        [str(KINESIN_BIN), "--port", "0", "--init", str(init)], capture_output=True, text=True, timeout=30, stdin=subprocess.DEVNULL
    )
    assert out.returncode != 0
    assert needle in out.stderr and str(init) in out.stderr, out.stderr
