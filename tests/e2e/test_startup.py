"""Start-up and errors people can act on: flags validated with messages naming them, a
second kinesin on the same data directory refused, a busy port named, requests for
services kinesin does not emulate answered in the caller's protocol with their name, and
the request log."""

from __future__ import annotations

import socket
import subprocess
import time

import boto3
import pytest
from botocore import xform_name
from botocore.exceptions import ClientError

from conftest import KINESIN_BIN


def run_kinesin(*args: str, timeout: float = 20) -> subprocess.CompletedProcess:
    return subprocess.run(
        [str(KINESIN_BIN), "--port", "0", *args], capture_output=True, text=True, timeout=timeout, stdin=subprocess.DEVNULL
    )


@pytest.mark.parametrize(
    ("args", "needle"),
    [
        (("--log-level", "verbose"), "--log-level"),
        (("--error-probability", "1.5"), "--error-probability must be between 0.0 and 1.0"),
        (("--error-probability=-0.1",), "--error-probability"),
        (("--account-id", "1234"), "--account-id must be 12 digits"),
        (("--account-id", "12345678901x"), "--account-id must be 12 digits"),
        (("--initialize-streams", "orders:many"), '--initialize-streams: "orders:many"'),
        (("--initialize-streams", ":2"), "empty stream name"),
    ],
)
def test_bad_flags_are_refused_with_a_message(args, needle):
    out = run_kinesin(*args)
    assert out.returncode == 2, out
    assert needle in out.stderr, out.stderr
    assert out.stdout == ""


def test_data_dir_that_is_a_file_is_refused(tmp_path):
    f = tmp_path / "not-a-dir"
    f.write_text("x")
    out = run_kinesin("--data-dir", str(f))
    assert out.returncode == 2 and "is not a directory" in out.stderr, out.stderr


def test_port_in_use_names_the_address():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        s.listen()
        port = s.getsockname()[1]
        out = subprocess.run(
            [str(KINESIN_BIN), "--port", str(port)], capture_output=True, text=True, timeout=20, stdin=subprocess.DEVNULL
        )
    assert out.returncode != 0
    assert f"cannot listen on 127.0.0.1:{port}: address in use" in out.stderr, out.stderr


def test_second_kinesin_on_a_data_dir_is_refused(start_kinesin, tmp_path):
    first = start_kinesin("--data-dir", tmp_path / "d")
    out = run_kinesin("--data-dir", str(tmp_path / "d"))
    assert out.returncode != 0
    assert "is in use by another kinesin" in out.stderr, out.stderr
    assert first.alive() and first.health()["status"] == "ok"
    first.stop()
    again = start_kinesin("--data-dir", tmp_path / "d")
    assert again.health()["status"] == "ok"


def client(service: str, endpoint: str):
    return boto3.client(
        service, endpoint_url=endpoint, region_name="us-east-1", aws_access_key_id="test", aws_secret_access_key="test"
    )


def test_services_not_emulated_are_named_in_their_protocol(endpoint):
    # AWS JSON (X-Amz-Target)
    with pytest.raises(ClientError) as e:
        client("dynamodb", endpoint).list_tables()
    assert e.value.response["Error"]["Message"] == "kinesin does not emulate dynamodb:ListTables"
    assert e.value.response["ResponseMetadata"]["HTTPStatusCode"] == 501
    # query (form, XML errors)
    with pytest.raises(ClientError) as e:
        client("sns", endpoint).list_topics()
    assert e.value.response["Error"]["Code"] == "InternalFailure"
    assert e.value.response["Error"]["Message"] == "kinesin does not emulate sns:ListTopics"
    # REST JSON: named by its route, not mistaken for an S3 bucket
    with pytest.raises(ClientError) as e:
        client("lambda", endpoint).list_functions()
    assert e.value.response["Error"]["Code"] == "InternalFailure"
    assert e.value.response["Error"]["Message"] == "kinesin does not emulate lambda:ListFunctions"
    # A REST operation outside the route table: named by its method and path.
    with pytest.raises(ClientError) as e:
        client("lambda", endpoint).list_aliases(FunctionName="f1")
    assert e.value.response["Error"]["Message"] == "kinesin does not emulate lambda (GET /2015-03-31/functions/f1/aliases)"


def minimal_input(shape):
    """The smallest input botocore accepts for a shape: its required members only."""
    if shape.type_name == "structure":
        return {name: minimal_input(shape.members[name]) for name in shape.required_members}
    if shape.type_name == "list":
        return [minimal_input(shape.member)]
    if shape.type_name == "map":
        return {}
    if shape.type_name == "string":
        return shape.enum[0] if shape.enum else "x" * max(2, shape.metadata.get("min", 1))
    if shape.type_name in ("integer", "long"):
        return max(1, shape.metadata.get("min", 1))
    if shape.type_name in ("double", "float"):
        return 1.0
    if shape.type_name == "boolean":
        return False
    if shape.type_name == "blob":
        return b"x"
    if shape.type_name == "timestamp":
        return 0
    raise AssertionError(f"no minimal value for {shape.type_name}")


# REST services kinesin routes by method and path: (boto3 client, operations), each called
# through boto3 as the botocore model builds it.
REST_OPERATIONS = {
    "lambda": ["ListFunctions", "CreateFunction", "GetFunction", "DeleteFunction", "Invoke", "GetFunctionConfiguration",
               "UpdateFunctionCode", "UpdateFunctionConfiguration", "AddPermission", "CreateEventSourceMapping",
               "ListEventSourceMappings", "GetEventSourceMapping", "DeleteEventSourceMapping", "ListLayers",
               "PublishLayerVersion", "CreateFunctionUrlConfig", "ListTags", "TagResource"],
    "apigateway": ["GetRestApis", "CreateRestApi", "GetRestApi", "DeleteRestApi", "GetResources", "CreateResource",
                   "PutMethod", "PutIntegration", "CreateDeployment", "CreateStage", "GetStages"],
    "apigatewayv2": ["GetApis", "CreateApi", "GetApi", "DeleteApi", "CreateRoute", "GetRoutes", "CreateIntegration",
                     "CreateStage"],
    "route53": ["ListHostedZones", "CreateHostedZone", "GetHostedZone", "DeleteHostedZone", "ChangeResourceRecordSets",
                "ListResourceRecordSets", "GetChange", "ListHostedZonesByName"],
    "scheduler": ["ListSchedules", "CreateSchedule", "GetSchedule", "UpdateSchedule", "DeleteSchedule",
                  "ListScheduleGroups", "CreateScheduleGroup", "DeleteScheduleGroup"],
    "eks": ["ListClusters", "CreateCluster", "DescribeCluster", "DeleteCluster", "ListNodegroups", "CreateNodegroup",
            "DescribeNodegroup"],
}


@pytest.mark.parametrize("service", sorted(REST_OPERATIONS))
def test_rest_services_not_emulated_name_the_operation(endpoint, service):
    c = client(service, endpoint)
    for op in REST_OPERATIONS[service]:
        model = c.meta.service_model.operation_model(op)
        method = getattr(c, xform_name(op))
        with pytest.raises(ClientError) as e:
            method(**(minimal_input(model.input_shape) if model.input_shape else {}))
        err = e.value.response["Error"]
        assert (err["Code"], err["Message"]) == ("InternalFailure", f"kinesin does not emulate {service}:{op}"), op
        assert e.value.response["ResponseMetadata"]["HTTPStatusCode"] == 501


def test_request_log_lines(start_kinesin):
    server = start_kinesin("--log-requests")
    kinesis = client("kinesis", server.endpoint)
    kinesis.list_streams()
    sqs = boto3.client(
        "sqs", endpoint_url=server.endpoint, region_name="us-east-1", aws_access_key_id="t", aws_secret_access_key="t"
    )
    with pytest.raises(ClientError):
        sqs.get_queue_url(QueueName="absent")
    with pytest.raises(ClientError):
        client("eks", server.endpoint).list_clusters()
    deadline = time.monotonic() + 5
    while not all(op in server.log_tail() for op in ("GetQueueUrl", "ListClusters")) and time.monotonic() < deadline:
        time.sleep(0.05)
    lines = server.log_tail(20000).splitlines()
    listed = next(line for line in lines if "operation=ListStreams" in line)
    assert "service=kinesis" in listed and "status=200" in listed and "duration_ms=" in listed
    assert "request_id=" in listed and "request_id=-" not in listed
    failed = next(line for line in lines if "operation=GetQueueUrl" in line)
    assert "service=sqs" in failed and "status=400" in failed
    unsupported = next(line for line in lines if "operation=ListClusters" in line)
    assert "service=eks" in unsupported and "status=501" in unsupported


def test_no_request_log_by_default(start_kinesin):
    server = start_kinesin()
    client("kinesis", server.endpoint).list_streams()
    time.sleep(0.2)
    assert "operation=ListStreams" not in server.log_tail(20000)
