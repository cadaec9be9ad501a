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


def drain(sqs, url, n, timeout=30) -> list[dict]:
    """Receives (and deletes in batches) until `n` messages arrived or `timeout` passed."""
    out = []
    deadline = time.monotonic() + timeout
    while len(out) < n and time.monotonic() < deadline:
        msgs = sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10, WaitTimeSeconds=1).get("Messages", [])
        if msgs:
            sqs.delete_message_batch(QueueUrl=url, Entries=[
                {"Id": str(i), "ReceiptHandle": m["ReceiptHandle"]} for i, m in enumerate(msgs)])
        out.extend(msgs)
    return out


def data_of(m) -> dict:
    return json.loads(base64.b64decode(json.loads(m["Body"])["data"]))


def test_two_pipes_on_two_streams_with_a_burst_on_one(pipes, kinesis, sqs):
    busy, busy_src = make_stream(kinesis, shards=2)
    quiet, quiet_src = make_stream(kinesis)
    (busy_url, busy_tgt), (quiet_url, quiet_tgt) = make_queue(sqs), make_queue(sqs)
    names = unique_name("pipe"), unique_name("pipe")
    params = {"KinesisStreamParameters": {"StartingPosition": "TRIM_HORIZON", "BatchSize": 10}}
    create(pipes, names[0], busy_src, busy_tgt, SourceParameters=params)
    create(pipes, names[1], quiet_src, quiet_tgt, SourceParameters=params)
    wait_state(pipes, names[0], "RUNNING")
    wait_state(pipes, names[1], "RUNNING")
    for r in range(3):
        recs = [{"PartitionKey": f"k{i}", "Data": json.dumps({"r": r, "i": i}).encode()} for i in range(100)]
        assert kinesis.put_records(StreamARN=busy_src, Records=recs)["FailedRecordCount"] == 0
    kinesis.put_record(StreamARN=quiet_src, Data=b'{"quiet": 1}', PartitionKey="q")
    # The quiet pipe's record is not held up by the busy pipe's 300.
    got = drain(sqs, quiet_url, 1, timeout=10)
    assert [data_of(m) for m in got] == [{"quiet": 1}]
    got = drain(sqs, busy_url, 300)
    assert sorted((d["r"], d["i"]) for d in map(data_of, got)) == [(r, i) for r in range(3) for i in range(100)]
    assert drain(sqs, busy_url, 1, timeout=1.5) == [] and drain(sqs, quiet_url, 1, timeout=0.5) == []
    for n in names:
        pipes.delete_pipe(Name=n)


def test_order_per_partition_key_under_a_burst_of_100_keys(pipes, kinesis, sqs):
    stream, src = make_stream(kinesis, shards=4)
    url, tgt = make_queue(sqs, fifo=True)
    name = unique_name("pipe")
    create(pipes, name, src, tgt, TargetParameters={"SqsQueueParameters": {"MessageGroupId": "$.partitionKey"}},
           SourceParameters={"KinesisStreamParameters": {"StartingPosition": "TRIM_HORIZON", "BatchSize": 10}})
    wait_state(pipes, name, "RUNNING")
    rounds = 5
    for r in range(rounds):
        recs = [{"PartitionKey": f"truck-{t:03d}", "Data": json.dumps({"t": t, "r": r}).encode()} for t in range(100)]
        assert kinesis.put_records(StreamName=stream, Records=recs)["FailedRecordCount"] == 0
    got = drain(sqs, url, 100 * rounds)
    per_key: dict[int, list[int]] = {}
    for m in got:
        d = data_of(m)
        per_key.setdefault(d["t"], []).append(d["r"])
    assert len(got) == 100 * rounds
    assert per_key == {t: list(range(rounds)) for t in range(100)}, "each once, in order per key"
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


def small_queue(sqs) -> tuple[str, str]:
    """A queue that refuses messages over 1 KiB, so a big record cannot be delivered."""
    name = unique_name("small")
    url = sqs.create_queue(QueueName=name, Attributes={"MaximumMessageSize": "1024"})["QueueUrl"]
    return url, f"arn:aws:sqs:{REGION}:{ACCOUNT}:{name}"


BIG = json.dumps({"big": "x" * 2000}).encode()


def kinesis_params(**kw):
    return {"KinesisStreamParameters": {"StartingPosition": "TRIM_HORIZON", **kw}}


def test_filter_criteria(pipes, kinesis, sqs):
    stream, src = make_stream(kinesis)
    url, tgt = make_queue(sqs)
    name = unique_name("pipe")
    filters = {"Filters": [
        {"Pattern": json.dumps({"data": {"speed": [{"numeric": [">", 50]}], "state": [{"anything-but": ["parked"]}]}})},
        {"Pattern": json.dumps({"partitionKey": [{"prefix": "vip-"}]})},
        {"Pattern": json.dumps({"data": {"city": [{"equals-ignore-case": "SEATTLE"}], "road": [{"wildcard": "I-*N"}]}})},
    ]}
    create(pipes, name, src, tgt, SourceParameters={**kinesis_params(), "FilterCriteria": filters})
    assert pipes.describe_pipe(Name=name)["SourceParameters"]["FilterCriteria"] == filters
    records = [
        ("t1", {"i": 0, "speed": 80, "state": "moving"}),     # first filter
        ("t1", {"i": 1, "speed": 20, "state": "moving"}),     # too slow
        ("t1", {"i": 2, "speed": 90, "state": "parked"}),     # parked
        ("t1", {"i": 3, "city": "seattle", "road": "I-5 N"}),  # third filter
        ("t1", {"i": 4, "city": "seattle", "road": "I-5 S"}),  # wrong road
        ("vip-9", {"i": 5}),                                  # second filter
        ("t1", {"i": 6, "speed": 99, "state": "moving"}),     # the last one: everything before is decided
    ]
    for key, data in records:
        kinesis.put_record(StreamName=stream, Data=json.dumps(data).encode(), PartitionKey=key)
    got = receive_all(sqs, url, 4)
    assert [json.loads(base64.b64decode(json.loads(m["Body"])["data"]))["i"] for m in got] == [0, 3, 5, 6]
    assert receive_all(sqs, url, 1, timeout=1) == []
    pipes.delete_pipe(Name=name)


def test_invalid_patterns_and_enrichment_are_refused(pipes, kinesis, sqs):
    _, src = make_stream(kinesis)
    _, tgt = make_queue(sqs)
    for pattern in ['{"data": "x"}', "{not json", '{"data": {"n": [{"numeric": ["<", 5, ">", 1]}]}}',
                    '{"data": {"n": [{"unknown-op": 1}]}}']:
        with pytest.raises(ClientError) as e:
            create(pipes, unique_name("pipe"), src, tgt,
                   SourceParameters={**kinesis_params(), "FilterCriteria": {"Filters": [{"Pattern": pattern}]}})
        code, status, resp = error_of(e)
        assert (code, status) == ("ValidationException", 400)
        assert resp["Error"]["Message"].startswith("Event pattern is not valid. Reason: "), pattern
    # More than 5 filters: the model's limit.
    with pytest.raises(ClientError) as e:
        create(pipes, unique_name("pipe"), src, tgt, SourceParameters={
            **kinesis_params(), "FilterCriteria": {"Filters": [{"Pattern": '{"a": [1]}'}] * 6}})
    assert error_of(e)[0] == "ValidationException"
    with pytest.raises(ClientError) as e:
        create(pipes, unique_name("pipe"), src, tgt, Enrichment=f"arn:aws:lambda:{REGION}:{ACCOUNT}:function:enrich")
    code, _, resp = error_of(e)
    assert code == "ValidationException" and "Enrichment" in resp["Error"]["Message"]
    # An update cannot add one either.
    name = unique_name("pipe")
    create(pipes, name, src, tgt)
    with pytest.raises(ClientError) as e:
        pipes.update_pipe(Name=name, RoleArn=ROLE, Enrichment=f"arn:aws:lambda:{REGION}:{ACCOUNT}:function:enrich")
    assert error_of(e)[0] == "ValidationException"
    assert "Enrichment" not in pipes.describe_pipe(Name=name)
    with pytest.raises(ClientError) as e:
        pipes.update_pipe(Name=name, RoleArn=ROLE, SourceParameters={
            "KinesisStreamParameters": {"MaximumRecordAgeInSeconds": 10}})
    assert "between 60 and 604800" in error_of(e)[2]["Error"]["Message"]
    pipes.delete_pipe(Name=name)


def dlq_messages(sqs, url, n):
    return [json.loads(m["Body"]) for m in receive_all(sqs, url, n)]


def test_dead_letter_queue_gets_the_failed_batch(pipes, kinesis, sqs):
    stream, src = make_stream(kinesis)
    url, tgt = small_queue(sqs)
    dlq_url, dlq = make_queue(sqs)
    name = unique_name("pipe")
    create(pipes, name, src, tgt, SourceParameters=kinesis_params(
        BatchSize=10, MaximumRetryAttempts=0, DeadLetterConfig={"Arn": dlq}))
    # One PutRecords call: one batch in which the big record fails, and the rest with it.
    put = kinesis.put_records(StreamName=stream, Records=[
        {"Data": BIG, "PartitionKey": "k"}, {"Data": b'{"i": 1}', "PartitionKey": "k"}])["Records"]
    [m] = dlq_messages(sqs, dlq_url, 1)
    assert set(m) == {"requestContext", "responseContext", "version", "timestamp", "KinesisBatchInfo"}
    assert m["requestContext"]["condition"] == "RetryAttemptsExhausted"
    assert m["requestContext"]["functionArn"] == f"arn:aws:pipes:{REGION}:{ACCOUNT}:pipe/{name}"
    info = m["KinesisBatchInfo"]
    assert info["shardId"] == put[0]["ShardId"] and info["streamArn"] == src and info["batchSize"] == 2
    assert (info["startSequenceNumber"], info["endSequenceNumber"]) == (put[0]["SequenceNumber"], put[1]["SequenceNumber"])
    assert info["approximateArrivalOfFirstRecord"].endswith("Z") and info["approximateArrivalOfLastRecord"].endswith("Z")
    # The pipe moved on.
    kinesis.put_record(StreamName=stream, Data=b'{"i": 2}', PartitionKey="k")
    got = receive_all(sqs, url, 1)
    assert [json.loads(base64.b64decode(json.loads(g["Body"])["data"])) for g in got] == [{"i": 2}]
    # With bisection only the failing record is dead-lettered.
    pipes.update_pipe(Name=name, RoleArn=ROLE, SourceParameters={
        "KinesisStreamParameters": {"OnPartialBatchItemFailure": "AUTOMATIC_BISECT"}})
    wait_state(pipes, name, "RUNNING")
    put = kinesis.put_records(StreamName=stream, Records=[
        {"Data": BIG, "PartitionKey": "k"}, {"Data": b'{"i": 3}', "PartitionKey": "k"}])["Records"]
    got = receive_all(sqs, url, 1)
    assert [json.loads(base64.b64decode(json.loads(g["Body"])["data"])) for g in got] == [{"i": 3}]
    [m] = dlq_messages(sqs, dlq_url, 1)
    assert m["KinesisBatchInfo"]["batchSize"] == 1
    assert m["KinesisBatchInfo"]["startSequenceNumber"] == put[0]["SequenceNumber"]
    pipes.delete_pipe(Name=name)


def wait_reason(pipes, name, text, timeout=20):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        reason = pipes.describe_pipe(Name=name).get("StateReason", "")
        if text in reason:
            return reason
        time.sleep(0.05)
    raise AssertionError(f"pipe {name} never reported {text!r}")


def test_record_age_dead_letter_skip_and_retry_forever(start_kinesin):
    server = start_kinesin("--time-travel")
    k, q, p = (client(server.endpoint, s) for s in ("kinesis", "sqs", "pipes"))
    stream, src = make_stream(k)
    url, tgt = small_queue(q)
    dlq_url, dlq = make_queue(q)
    create(p, "dead", src, tgt, SourceParameters=kinesis_params(MaximumRecordAgeInSeconds=60, DeadLetterConfig={"Arn": dlq}))
    create(p, "skip", src, tgt, SourceParameters=kinesis_params(MaximumRecordAgeInSeconds=60))
    create(p, "forever", src, tgt)
    k.put_record(StreamName=stream, Data=BIG, PartitionKey="k")
    for name in ("dead", "skip", "forever"):
        wait_reason(p, name, "shorter than 1024 bytes")
    # An hour later the aged pipes have given the record up; the patient one still retries.
    for _ in range(6):
        server_clock(server, 600_000)
    [m] = dlq_messages(q, dlq_url, 1)
    assert m["requestContext"]["condition"] == "RecordAgeExceeded" and m["KinesisBatchInfo"]["batchSize"] == 1
    k.put_record(StreamName=stream, Data=b'{"i": 1}', PartitionKey="k")
    got = receive_all(q, url, 2)
    assert [json.loads(base64.b64decode(json.loads(g["Body"])["data"])) for g in got] == [{"i": 1}] * 2
    assert "shorter than 1024 bytes" in p.describe_pipe(Name="forever")["StateReason"]
    # Once the target takes big messages, the patient pipe delivers both records in order.
    q.set_queue_attributes(QueueUrl=url, Attributes={"MaximumMessageSize": "262144"})
    server_clock(server, 60_000)
    got = receive_all(q, url, 2)
    assert [sorted(json.loads(base64.b64decode(json.loads(g["Body"])["data"]))) for g in got] == [["big"], ["i"]]
    assert receive_all(q, dlq_url, 1, timeout=1) == []


def server_clock(server, ms):
    import urllib.request
    req = urllib.request.Request(f"{server.endpoint}/_kinesin/clock?advance_ms={ms}", method="POST")
    with urllib.request.urlopen(req) as r:
        assert r.status == 200


def test_transition_flag(start_kinesin):
    server = start_kinesin("--time-travel", "--pipes-transition-ms", "60000")
    k, q, p = (client(server.endpoint, s) for s in ("kinesis", "sqs", "pipes"))
    _, src = make_stream(k)
    _, tgt = make_queue(q)
    assert create(p, "slow", src, tgt)["CurrentState"] == "CREATING"
    assert p.describe_pipe(Name="slow")["CurrentState"] == "CREATING"
    server_clock(server, 60_000)
    assert p.describe_pipe(Name="slow")["CurrentState"] == "RUNNING"
