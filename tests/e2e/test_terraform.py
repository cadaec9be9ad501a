"""terraform (hashicorp/aws provider) against kinesin, on the configurations in
fixtures/terraform: the truck case (stream, FIFO queue, pipe) and Firehose to S3. Each is
applied, planned again (no changes allowed), used, and destroyed. The provider's own waiters
and read-backs are the test: any attribute kinesin answers differently from AWS shows up as a
diff, an error or a timeout."""

from __future__ import annotations

import gzip
import json
import os
import time
import shutil
import subprocess
import uuid
from pathlib import Path

import boto3
import pytest

from conftest import REPO
from test_trucks import load_demo

FIXTURES = Path(REPO) / "fixtures" / "terraform"
# A local copy of the provider (filesystem mirror), used when present: no registry access.
MIRROR = Path(os.environ.get("KINESIN_TF_PLUGINS", "/opt/tf-plugins"))

pytestmark = pytest.mark.skipif(shutil.which("terraform") is None, reason="terraform is not installed")


def terraform(workdir: Path, *args: str, timeout: float = 300) -> str:
    env = dict(os.environ, TF_IN_AUTOMATION="1", CHECKPOINT_DISABLE="1", TF_CLI_CONFIG_FILE=str(workdir / "tfrc"))
    proc = subprocess.run(["terraform", f"-chdir={workdir}", *args], env=env, capture_output=True, text=True,
                          timeout=timeout)
    assert proc.returncode == 0, f"terraform {' '.join(args)} failed:\n{proc.stdout[-4000:]}\n{proc.stderr[-4000:]}"
    return proc.stdout


def client(service: str, endpoint: str):
    return boto3.client(service, endpoint_url=endpoint, region_name="us-east-1", aws_access_key_id="test",
                        aws_secret_access_key="test")


class Config:
    """A copy of one fixture configuration, initialized, with kinesin's endpoint and a unique
    name prefix as its variables."""

    def __init__(self, fixture: str, endpoint: str, tmp_path: Path):
        self.dir = tmp_path / fixture
        self.dir.mkdir()
        shutil.copy(FIXTURES / fixture / "main.tf", self.dir / "main.tf")
        rc = ""
        if MIRROR.is_dir():
            rc = (f'provider_installation {{\n  filesystem_mirror {{\n    path = "{MIRROR}"\n  }}\n'
                  f'  direct {{\n    exclude = ["registry.terraform.io/hashicorp/aws"]\n  }}\n}}\n')
        (self.dir / "tfrc").write_text(rc)
        self.name = f"tf-{uuid.uuid4().hex[:6]}"
        self.vars = ["-var", f"endpoint={endpoint}", "-var", f"name={self.name}"]
        terraform(self.dir, "init", "-input=false", "-no-color")

    def apply(self) -> dict:
        terraform(self.dir, "apply", "-auto-approve", "-input=false", "-no-color", *self.vars)
        return {k: v["value"] for k, v in json.loads(terraform(self.dir, "output", "-json")).items()}

    def assert_no_changes(self):
        """A second plan finds nothing to change: kinesin reads back what terraform wrote."""
        plan = terraform(self.dir, "plan", "-input=false", "-no-color", "-detailed-exitcode", *self.vars)
        assert "No changes." in plan, plan

    def destroy(self):
        terraform(self.dir, "destroy", "-auto-approve", "-input=false", "-no-color", *self.vars)


def test_terraform_builds_the_truck_case_and_destroys_it(endpoint, tmp_path):
    config = Config("trucks", endpoint, tmp_path)
    out = config.apply()
    kinesis, sqs, pipes = client("kinesis", endpoint), client("sqs", endpoint), client("pipes", endpoint)
    summary = kinesis.describe_stream_summary(StreamName=out["stream_name"])["StreamDescriptionSummary"]
    assert (summary["StreamStatus"], summary["OpenShardCount"], summary["RetentionPeriodHours"]) == ("ACTIVE", 4, 48)
    assert kinesis.list_tags_for_stream(StreamName=out["stream_name"])["Tags"] == [{"Key": "app", "Value": "trucks"}]
    attrs = sqs.get_queue_attributes(QueueUrl=out["queue_url"], AttributeNames=["All"])["Attributes"]
    assert (attrs["FifoQueue"], attrs["ContentBasedDeduplication"], attrs["VisibilityTimeout"]) == ("true", "true", "30")
    pipe = pipes.describe_pipe(Name=out["pipe_name"])
    assert (pipe["CurrentState"], pipe["Source"], pipe["Target"]) == ("RUNNING", summary["StreamARN"], attrs["QueueArn"])

    config.assert_no_changes()

    lines: list[str] = []
    result = load_demo().run(endpoint, trucks=20, positions=5, consumers=2, timeout=60, out=lines.append,
                             infra=(out["stream_name"], out["queue_url"], out["pipe_name"]))
    assert result["ok"] and result["received"] == 100, "\n".join(lines)

    config.destroy()
    assert out["stream_name"] not in kinesis.list_streams()["StreamNames"]
    assert out["queue_url"] not in sqs.list_queues(QueueNamePrefix=config.name).get("QueueUrls", [])
    assert all(p["Name"] != out["pipe_name"] for p in pipes.list_pipes()["Pipes"])


def test_terraform_builds_firehose_to_s3_and_destroys_it_with_its_objects(endpoint, tmp_path):
    config = Config("firehose", endpoint, tmp_path)
    out = config.apply()
    firehose, s3 = client("firehose", endpoint), client("s3", endpoint)
    desc = firehose.describe_delivery_stream(DeliveryStreamName=out["delivery_stream_name"])["DeliveryStreamDescription"]
    assert desc["DeliveryStreamStatus"] == "ACTIVE"
    # The provider asked STS for its account (no skip_requesting_account_id).
    assert out["account_id"] == "000000000000"
    s3_dest = desc["Destinations"][0]["ExtendedS3DestinationDescription"]
    assert s3_dest["RoleARN"] == out["role_arn"] == f"arn:aws:iam::000000000000:role/{config.name}-firehose"
    iam = client("iam", endpoint)
    role = f"{config.name}-firehose"
    trust = iam.get_role(RoleName=role)["Role"]["AssumeRolePolicyDocument"]
    assert trust["Statement"][0]["Principal"] == {"Service": "firehose.amazonaws.com"}
    assert iam.list_role_policies(RoleName=role)["PolicyNames"] == ["write-bucket"]
    attached = iam.list_attached_role_policies(RoleName=role)["AttachedPolicies"]
    assert [a["PolicyName"] for a in attached] == [f"{config.name}-logs"]
    assert (s3_dest["BucketARN"], s3_dest["CompressionFormat"]) == (f"arn:aws:s3:::{out['bucket']}", "GZIP")
    config.assert_no_changes()

    records = [f"event-{i}\n".encode() for i in range(20)]
    resp = firehose.put_record_batch(DeliveryStreamName=out["delivery_stream_name"],
                                     Records=[{"Data": r} for r in records])
    assert resp["FailedPutCount"] == 0
    deadline, objects = time.monotonic() + 30, []
    while time.monotonic() < deadline and not objects:
        objects = s3.list_objects_v2(Bucket=out["bucket"], Prefix="events/").get("Contents", [])
        time.sleep(0.1)
    assert objects, "no object delivered within 30 s"
    body = b"".join(gzip.decompress(s3.get_object(Bucket=out["bucket"], Key=o["Key"])["Body"].read())
                    for o in objects)
    assert sorted(body.splitlines(keepends=True)) == sorted(records)

    # force_destroy lists the bucket's object versions and deletes them before the bucket.
    config.destroy()
    assert out["bucket"] not in [b["Name"] for b in s3.list_buckets()["Buckets"]]
    assert out["delivery_stream_name"] not in firehose.list_delivery_streams()["DeliveryStreamNames"]
    assert all(r["RoleName"] != role for r in iam.list_roles()["Roles"])
    assert all(p["PolicyName"] != f"{config.name}-logs" for p in iam.list_policies(Scope="Local")["Policies"])


def test_terraform_usual_configuration_with_iam_and_bucket_settings(start_kinesin, tmp_path):
    """fixtures/terraform/dropin: what a LocalStack user's configuration looks like (STS account
    lookup, IAM roles and policies, bucket settings, default_tags, stream, queue + DLQ,
    delivery stream, pipe): apply, a second plan with no changes, data through both flows, destroy."""
    endpoint = start_kinesin("--firehose-interval-override-secs", "1").endpoint
    config = Config("dropin", endpoint, tmp_path)
    out = config.apply()
    assert out["account_id"] == "000000000000"
    s3, iam = client("s3", endpoint), client("iam", endpoint)
    assert s3.get_bucket_versioning(Bucket=out["bucket"])["Status"] == "Enabled"
    tags = {t["Key"]: t["Value"] for t in s3.get_bucket_tagging(Bucket=out["bucket"])["TagSet"]}
    assert tags == {"purpose": "archive", "project": config.name}
    assert s3.get_public_access_block(Bucket=out["bucket"])["PublicAccessBlockConfiguration"]["BlockPublicPolicy"] is True
    role = iam.get_role(RoleName=f"{config.name}-firehose")["Role"]
    assert role["AssumeRolePolicyDocument"]["Statement"][0]["Condition"]["StringEquals"]["sts:ExternalId"] == "000000000000"
    assert [a["PolicyName"] for a in iam.list_attached_role_policies(RoleName=f"{config.name}-pipe")["AttachedPolicies"]] == [f"{config.name}-pipe"]
    sqs = client("sqs", endpoint)
    redrive = json.loads(sqs.get_queue_attributes(QueueUrl=out["queue_url"], AttributeNames=["RedrivePolicy"])["Attributes"]["RedrivePolicy"])
    assert redrive["deadLetterTargetArn"] == out["dlq_arn"]

    config.assert_no_changes()

    kinesis = client("kinesis", endpoint)
    kinesis.put_record(StreamName=out["stream_name"], Data=b'{"order": 7}\n', PartitionKey="o7")
    deadline, msgs, objects = time.monotonic() + 30, [], []
    while time.monotonic() < deadline and not (msgs and objects):
        msgs = msgs or sqs.receive_message(QueueUrl=out["queue_url"], WaitTimeSeconds=1).get("Messages", [])
        objects = objects or s3.list_objects_v2(Bucket=out["bucket"], Prefix="orders/").get("Contents", [])
    assert msgs and json.loads(msgs[0]["Body"])["partitionKey"] == "o7"
    assert objects and s3.get_object(Bucket=out["bucket"], Key=objects[0]["Key"])["Body"].read() == b'{"order": 7}\n'

    # The bucket is versioned: an overwrite keeps the delivered version, a delete leaves a
    # marker; force_destroy must remove every version and marker before the bucket.
    key = objects[0]["Key"]
    s3.put_object(Bucket=out["bucket"], Key=key, Body=b"overwritten")
    s3.delete_object(Bucket=out["bucket"], Key=key)
    listed = s3.list_object_versions(Bucket=out["bucket"], Prefix=key)
    assert len(listed["Versions"]) == 2 and len(listed["DeleteMarkers"]) == 1

    config.destroy()
    assert out["bucket"] not in [b["Name"] for b in s3.list_buckets()["Buckets"]]
    assert iam.list_roles()["Roles"] == [] and iam.list_policies(Scope="Local")["Policies"] == []
    assert out["stream_name"] not in kinesis.list_streams()["StreamNames"]


def test_terraform_builds_analytics_applications_and_destroys_them(endpoint, tmp_path):
    config = Config("analytics", endpoint, tmp_path)
    out = config.apply()
    v1, v2 = client("kinesisanalytics", endpoint), client("kinesisanalyticsv2", endpoint)
    d1 = v1.describe_application(ApplicationName=out["v1_name"])["ApplicationDetail"]
    assert d1["ApplicationStatus"] == "RUNNING"
    assert d1["InputDescriptions"][0]["InAppStreamNames"] == ["SOURCE_SQL_STREAM_001"]
    d2 = v2.describe_application(ApplicationName=out["v2_name"])["ApplicationDetail"]
    assert (d2["RuntimeEnvironment"], d2["ApplicationStatus"]) == ("SQL-1_0", "READY")
    config.assert_no_changes()
    kinesis = client("kinesis", endpoint)
    kinesis.put_record(StreamName=out["source"], Data=json.dumps({"truck_id": "t1", "speed": 120.5}).encode(), PartitionKey="t1")
    deadline, got = time.monotonic() + 20, []
    while time.monotonic() < deadline and not got:
        it = kinesis.get_shard_iterator(StreamName=out["destination"], ShardId="shardId-000000000000", ShardIteratorType="TRIM_HORIZON")["ShardIterator"]
        got = kinesis.get_records(ShardIterator=it)["Records"]
        time.sleep(0.1)
    assert [json.loads(r["Data"]) for r in got] == [{"TRUCK_ID": "t1", "SPEED": 120.5}]
    config.destroy()
    names = [a["ApplicationName"] for a in v2.list_applications()["ApplicationSummaries"]]
    assert out["v1_name"] not in names and out["v2_name"] not in names
