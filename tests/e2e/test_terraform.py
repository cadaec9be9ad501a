"""terraform (hashicorp/aws provider) against kinesin: fixtures/terraform/trucks builds the
truck case (stream, FIFO queue, pipe), the truck scenario runs on what it built, and
`terraform destroy` removes it all. The provider's own waiters and read-backs are the test:
any attribute kinesin answers differently from AWS shows up as a diff or a timeout."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import uuid
from pathlib import Path

import boto3
import pytest

from conftest import REPO
from test_trucks import load_demo

FIXTURE = Path(REPO) / "fixtures" / "terraform" / "trucks" / "main.tf"
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


def test_terraform_builds_the_truck_case_and_destroys_it(endpoint, tmp_path):
    work = tmp_path / "tf"
    work.mkdir()
    shutil.copy(FIXTURE, work / "main.tf")
    rc = ""
    if MIRROR.is_dir():
        rc = (f'provider_installation {{\n  filesystem_mirror {{\n    path = "{MIRROR}"\n  }}\n'
              f'  direct {{\n    exclude = ["registry.terraform.io/hashicorp/aws"]\n  }}\n}}\n')
    (work / "tfrc").write_text(rc)
    name = f"tf-{uuid.uuid4().hex[:6]}"
    variables = ["-var", f"endpoint={endpoint}", "-var", f"name={name}"]
    terraform(work, "init", "-input=false", "-no-color")
    terraform(work, "apply", "-auto-approve", "-input=false", "-no-color", *variables)

    kinesis, sqs, pipes = client("kinesis", endpoint), client("sqs", endpoint), client("pipes", endpoint)
    out = {k: v["value"] for k, v in json.loads(terraform(work, "output", "-json")).items()}
    summary = kinesis.describe_stream_summary(StreamName=out["stream_name"])["StreamDescriptionSummary"]
    assert (summary["StreamStatus"], summary["OpenShardCount"], summary["RetentionPeriodHours"]) == ("ACTIVE", 4, 48)
    assert kinesis.list_tags_for_stream(StreamName=out["stream_name"])["Tags"] == [{"Key": "app", "Value": "trucks"}]
    attrs = sqs.get_queue_attributes(QueueUrl=out["queue_url"], AttributeNames=["All"])["Attributes"]
    assert (attrs["FifoQueue"], attrs["ContentBasedDeduplication"], attrs["VisibilityTimeout"]) == ("true", "true", "30")
    pipe = pipes.describe_pipe(Name=out["pipe_name"])
    assert (pipe["CurrentState"], pipe["Source"], pipe["Target"]) == ("RUNNING", summary["StreamARN"], attrs["QueueArn"])

    # A second plan finds nothing to change: kinesin reads back what terraform wrote.
    plan = terraform(work, "plan", "-input=false", "-no-color", "-detailed-exitcode", *variables)
    assert "No changes." in plan, plan

    lines: list[str] = []
    result = load_demo().run(endpoint, trucks=20, positions=5, consumers=2, timeout=60, out=lines.append,
                             infra=(out["stream_name"], out["queue_url"], out["pipe_name"]))
    assert result["ok"] and result["received"] == 100, "\n".join(lines)

    terraform(work, "destroy", "-auto-approve", "-input=false", "-no-color", *variables)
    assert out["stream_name"] not in kinesis.list_streams()["StreamNames"]
    assert out["queue_url"] not in sqs.list_queues(QueueNamePrefix=name).get("QueueUrls", [])
    assert all(p["Name"] != out["pipe_name"] for p in pipes.list_pipes()["Pipes"])
