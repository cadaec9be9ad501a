"""EventBridge Pipes through boto3: the control plane (create, describe, list, update,
start, stop, delete, tags, errors) and the data path (Kinesis -> SQS, event shape, restart)."""

from __future__ import annotations

import base64
import json
import time

import boto3
import pytest
from botocore.config import Config
from botocore.exceptions import ClientError

from conftest import ACCESS_KEY, ACCOUNT, REGION, SECRET_KEY, unique_name

ROLE = f"arn:aws:iam::{ACCOUNT}:role/pipe-role"


def client(endpoint: str, service: str):
    return boto3.session.Session(
        aws_access_key_id=ACCESS_KEY, aws_secret_access_key=SECRET_KEY, region_name=REGION
    ).client(service, endpoint_url=endpoint, config=Config(retries={"total_max_attempts": 1}))


@pytest.fixture(scope="module")
def pipes(endpoint):
    return client(endpoint, "pipes")


@pytest.fixture(scope="module")
def sqs(endpoint):
    return client(endpoint, "sqs")


@pytest.fixture(scope="module")
def kinesis(endpoint):
    return client(endpoint, "kinesis")


def make_stream(kinesis, shards=1) -> tuple[str, str]:
    name = unique_name("stream")
    kinesis.create_stream(StreamName=name, ShardCount=shards)
    kinesis.get_waiter("stream_exists").wait(StreamName=name, WaiterConfig={"Delay": 0.2, "MaxAttempts": 100})
    return name, f"arn:aws:kinesis:{REGION}:{ACCOUNT}:stream/{name}"


def make_queue(sqs, fifo=False) -> tuple[str, str]:
    name = unique_name("q") + (".fifo" if fifo else "")
    attrs = {"FifoQueue": "true", "ContentBasedDeduplication": "true"} if fifo else {}
    url = sqs.create_queue(QueueName=name, Attributes=attrs)["QueueUrl"]
    return url, f"arn:aws:sqs:{REGION}:{ACCOUNT}:{name}"


def create(pipes, name, source, target, **kw):
    kw.setdefault("SourceParameters", {"KinesisStreamParameters": {"StartingPosition": "TRIM_HORIZON"}})
    return pipes.create_pipe(Name=name, Source=source, Target=target, RoleArn=ROLE, **kw)


def wait_state(pipes, name, state, timeout=10):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        got = pipes.describe_pipe(Name=name)["CurrentState"]
        if got == state:
            return
        time.sleep(0.05)
    raise AssertionError(f"pipe {name} is {got}, not {state}")


def receive_all(sqs, url, n, timeout=20):
    out = []
    deadline = time.monotonic() + timeout
    while len(out) < n and time.monotonic() < deadline:
        r = sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10, WaitTimeSeconds=1, AttributeNames=["All"])
        for m in r.get("Messages", []):
            out.append(m)
            sqs.delete_message(QueueUrl=url, ReceiptHandle=m["ReceiptHandle"])
    return out


def error_of(excinfo) -> tuple[str, int, dict]:
    e = excinfo.value.response
    return e["Error"]["Code"], e["ResponseMetadata"]["HTTPStatusCode"], e


def test_lifecycle(pipes, kinesis, sqs):
    _, src = make_stream(kinesis)
    _, tgt = make_queue(sqs)
    name = unique_name("pipe")
    out = create(pipes, name, src, tgt, Description="trucks", Tags={"team": "fleet"})
    assert out["CurrentState"] == "CREATING" and out["DesiredState"] == "RUNNING"
    assert out["Arn"] == f"arn:aws:pipes:{REGION}:{ACCOUNT}:pipe/{name}"
    assert out["CreationTime"].year >= 2024
    wait_state(pipes, name, "RUNNING")
    d = pipes.describe_pipe(Name=name)
    assert d["Source"] == src and d["Target"] == tgt and d["RoleArn"] == ROLE
    assert d["Description"] == "trucks" and d["Tags"] == {"team": "fleet"}
    assert d["SourceParameters"]["KinesisStreamParameters"]["StartingPosition"] == "TRIM_HORIZON"

    listed = pipes.list_pipes(NamePrefix=name)["Pipes"]
    assert [p["Name"] for p in listed] == [name] and listed[0]["CurrentState"] == "RUNNING"
    assert pipes.list_pipes(SourcePrefix=src, TargetPrefix=tgt)["Pipes"][0]["Name"] == name
    assert pipes.list_pipes(NamePrefix=name, CurrentState="STOPPED")["Pipes"] == []

    assert pipes.stop_pipe(Name=name)["CurrentState"] == "STOPPING"
    wait_state(pipes, name, "STOPPED")
    assert pipes.list_pipes(NamePrefix=name, DesiredState="STOPPED")["Pipes"][0]["Name"] == name
    assert pipes.start_pipe(Name=name)["CurrentState"] == "STARTING"
    wait_state(pipes, name, "RUNNING")

    u = pipes.update_pipe(Name=name, RoleArn=ROLE, Description="trucks v2",
                          SourceParameters={"KinesisStreamParameters": {"BatchSize": 5}})
    assert u["CurrentState"] == "UPDATING"
    wait_state(pipes, name, "RUNNING")
    d = pipes.describe_pipe(Name=name)
    assert d["Description"] == "trucks v2"
    assert d["SourceParameters"]["KinesisStreamParameters"] == {"StartingPosition": "TRIM_HORIZON", "BatchSize": 5}

    arn = d["Arn"]
    pipes.tag_resource(resourceArn=arn, tags={"env": "test"})
    assert pipes.list_tags_for_resource(resourceArn=arn)["tags"] == {"team": "fleet", "env": "test"}
    pipes.untag_resource(resourceArn=arn, tagKeys=["team"])
    assert pipes.list_tags_for_resource(resourceArn=arn)["tags"] == {"env": "test"}

    gone = pipes.delete_pipe(Name=name)
    assert gone["DesiredState"] == "DELETED" and gone["CurrentState"] == "DELETING"
    with pytest.raises(ClientError) as e:
        pipes.describe_pipe(Name=name)
    assert error_of(e)[:2] == ("NotFoundException", 404)


def test_errors(pipes, kinesis, sqs):
    _, src = make_stream(kinesis)
    _, tgt = make_queue(sqs)
    name = unique_name("pipe")
    create(pipes, name, src, tgt)
    with pytest.raises(ClientError) as e:
        create(pipes, name, src, tgt)
    code, status, resp = error_of(e)
    assert (code, status) == ("ConflictException", 409)
    for op in ("describe_pipe", "stop_pipe", "start_pipe", "delete_pipe"):
        with pytest.raises(ClientError) as e:
            getattr(pipes, op)(Name=unique_name("missing"))
        assert error_of(e)[:2] == ("NotFoundException", 404), op
    with pytest.raises(ClientError) as e:
        pipes.update_pipe(Name=unique_name("missing"), RoleArn=ROLE)
    assert error_of(e)[0] == "NotFoundException"
    # Server-side model validation: the name pattern, with a fieldList.
    with pytest.raises(ClientError) as e:
        create(pipes, "bad name!", src, tgt)
    code, status, resp = error_of(e)
    assert (code, status) == ("ValidationException", 400)
    assert "name" in resp["Error"]["Message"].lower()
    # Sources and targets kinesin cannot run, or that do not exist.
    lam = f"arn:aws:lambda:{REGION}:{ACCOUNT}:function:f"
    for s, t in [(src, lam), (f"arn:aws:kinesis:{REGION}:{ACCOUNT}:stream/{unique_name('none')}", tgt)]:
        with pytest.raises(ClientError) as e:
            create(pipes, unique_name("pipe"), s, t)
        assert error_of(e)[0] == "ValidationException"
    with pytest.raises(ClientError) as e:
        create(pipes, unique_name("pipe"), src, tgt, SourceParameters={})
    assert "StartingPosition" in error_of(e)[2]["Error"]["Message"]
    _, fifo = make_queue(sqs, fifo=True)
    with pytest.raises(ClientError) as e:
        create(pipes, unique_name("pipe"), src, fifo)
    assert "MessageGroupId" in error_of(e)[2]["Error"]["Message"]
    with pytest.raises(ClientError) as e:
        pipes.list_tags_for_resource(resourceArn=f"arn:aws:pipes:{REGION}:{ACCOUNT}:pipe/{unique_name('x')}")
    assert error_of(e)[0] == "NotFoundException"
    pipes.delete_pipe(Name=name)


def test_list_pages(pipes, kinesis, sqs):
    _, src = make_stream(kinesis)
    _, tgt = make_queue(sqs)
    prefix = unique_name("page")
    names = [f"{prefix}-{i}" for i in range(5)]
    for n in names:
        create(pipes, n, src, tgt, DesiredState="STOPPED")
    seen, token = [], None
    for _ in range(10):
        kw = {"NamePrefix": prefix, "Limit": 2}
        if token:
            kw["NextToken"] = token
        r = pipes.list_pipes(**kw)
        assert len(r["Pipes"]) <= 2
        seen += [p["Name"] for p in r["Pipes"]]
        token = r.get("NextToken")
        if not token:
            break
    assert seen == names
    paginated = [p["Name"] for page in pipes.get_paginator("list_pipes").paginate(NamePrefix=prefix) for p in page["Pipes"]]
    assert paginated == names
    for n in names:
        pipes.delete_pipe(Name=n)


def test_records_reach_the_queue_as_kinesis_events(pipes, kinesis, sqs):
    stream, src = make_stream(kinesis, shards=2)
    url, tgt = make_queue(sqs)
    name = unique_name("pipe")
    create(pipes, name, src, tgt)
    wait_state(pipes, name, "RUNNING")
    put = kinesis.put_record(StreamName=stream, Data=b'{"truck_id": "truck-001"}', PartitionKey="truck-001")
    got = receive_all(sqs, url, 1)
    assert len(got) == 1
    e = json.loads(got[0]["Body"])
    assert e["eventSource"] == "aws:kinesis" and e["eventName"] == "aws:kinesis:record"
    assert e["kinesisSchemaVersion"] == "1.0" and e["eventVersion"] == "1.0"
    assert e["partitionKey"] == "truck-001" and e["sequenceNumber"] == put["SequenceNumber"]
    assert base64.b64decode(e["data"]) == b'{"truck_id": "truck-001"}'
    assert e["eventID"] == f"{put['ShardId']}:{put['SequenceNumber']}"
    assert e["eventSourceARN"] == src and e["awsRegion"] == REGION and e["invokeIdentityArn"] == ROLE
    assert isinstance(e["approximateArrivalTimestamp"], float)
    # Stopped: nothing moves; started again: the backlog arrives.
    pipes.stop_pipe(Name=name)
    wait_state(pipes, name, "STOPPED")
    kinesis.put_record(StreamName=stream, Data=b"later", PartitionKey="k")
    assert receive_all(sqs, url, 1, timeout=1.5) == []
    pipes.start_pipe(Name=name)
    got = receive_all(sqs, url, 1)
    assert [base64.b64decode(json.loads(m["Body"])["data"]) for m in got] == [b"later"]
    pipes.delete_pipe(Name=name)


def test_json_path_group_ids_and_template(pipes, kinesis, sqs):
    stream, src = make_stream(kinesis)
    url, tgt = make_queue(sqs, fifo=True)
    name = unique_name("pipe")
    create(pipes, name, src, tgt, TargetParameters={
        "SqsQueueParameters": {"MessageGroupId": "$.data.truck_id", "MessageDeduplicationId": "$.sequenceNumber"},
        "InputTemplate": '{"truck": "<$.data.truck_id>", "seq": <$.data.seq>}',
    })
    for seq in range(3):
        kinesis.put_record(StreamName=stream, Data=json.dumps({"truck_id": "truck-7", "seq": seq}).encode(), PartitionKey="x")
    got = receive_all(sqs, url, 3)
    assert [json.loads(m["Body"]) for m in got] == [{"truck": "truck-7", "seq": s} for s in range(3)]
    assert {m["Attributes"]["MessageGroupId"] for m in got} == {"truck-7"}
    pipes.delete_pipe(Name=name)


def test_a_restart_resumes_without_loss_or_duplicates(start_kinesin, tmp_path):
    data = tmp_path / "data"
    server = start_kinesin("--data-dir", data)
    k, q, p = (client(server.endpoint, s) for s in ("kinesis", "sqs", "pipes"))
    stream, src = make_stream(k, shards=2)
    url, tgt = make_queue(q, fifo=True)
    create(p, "resume", src, tgt, TargetParameters={"SqsQueueParameters": {"MessageGroupId": "$.partitionKey"}})
    k.put_records(StreamName=stream, Records=[{"Data": str(i).encode(), "PartitionKey": f"k{i % 5}"} for i in range(50)])
    first = receive_all(q, url, 20)
    assert len(first) >= 20
    server.stop()
    server = start_kinesin("--data-dir", data)
    k, q = client(server.endpoint, "kinesis"), client(server.endpoint, "sqs")
    url = q.get_queue_url(QueueName=url.rsplit("/", 1)[1])["QueueUrl"]
    k.put_records(StreamName=stream, Records=[{"Data": str(i).encode(), "PartitionKey": f"k{i % 5}"} for i in range(50, 80)])
    rest = receive_all(q, url, 80 - len(first))
    time.sleep(1)
    rest += receive_all(q, url, 1, timeout=1)
    values = sorted(int(base64.b64decode(json.loads(m["Body"])["data"])) for m in first + rest)
    assert values == list(range(80))
