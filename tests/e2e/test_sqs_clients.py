"""Amazon SQS through real clients other than the current boto3:

- an older boto3/botocore (1.34.89, the last release whose SQS model is the query protocol:
  form-encoded requests, XML responses), installed in a cached virtualenv and run as a
  separate process;
- the installed AWS CLI (FIFO round trip, JSON protocol on current builds).

botocore does not verify SQS MD5s itself (the Go and Java SDKs do), so the old-client script
checks MD5OfMessageBody and MD5OfMessageAttributes against its own computation."""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import subprocess
import sys
import tempfile
import textwrap
from pathlib import Path

import pytest

from conftest import ACCESS_KEY, ACCOUNT, REGION, SECRET_KEY, unique_name

# botocore 1.34.90 moved SQS to JSON 1.0 again (boto/botocore#3165, 2024-04-23); 1.34.89 is the
# last query-protocol release. boto3 1.34.89 alone would accept any botocore 1.34.x, so pin both.
OLD_BOTOCORE = "1.34.89"
OLD_VENV = Path(os.environ.get("KINESIN_OLD_BOTOCORE_VENV") or Path.home() / ".cache" / "kinesin-tests" / "old-botocore")

# pip output that means "the package index cannot be reached", the only reason to skip.
OFFLINE_MARKERS = (
    "Failed to establish a new connection",
    "Temporary failure in name resolution",
    "Name or service not known",
    "NewConnectionError",
    "ConnectTimeoutError",
    "Network is unreachable",
    "ProxyError",
    "Could not fetch URL",
    "No matching distribution found",
    "Could not find a version that satisfies",
)


def _venv_python(venv: Path) -> Path:
    return venv / "bin" / "python"


def _venv_has_old_botocore(venv: Path) -> bool:
    py = _venv_python(venv)
    if not py.exists():
        return False
    p = subprocess.run(
        [str(py), "-c", "import boto3, botocore; print(botocore.__version__)"],
        capture_output=True, text=True, timeout=120, stdin=subprocess.DEVNULL,
    )
    return p.returncode == 0 and p.stdout.strip() == OLD_BOTOCORE


@pytest.fixture(scope="session")
def old_botocore_python() -> Path:
    """The python of a virtualenv holding boto3/botocore 1.34.89; built once, then reused."""
    if _venv_has_old_botocore(OLD_VENV):
        return _venv_python(OLD_VENV)
    OLD_VENV.parent.mkdir(parents=True, exist_ok=True)
    # Build next to the final place, then rename: a half-built venv is never left at OLD_VENV.
    build = Path(tempfile.mkdtemp(prefix="old-botocore-", dir=OLD_VENV.parent))
    try:
        subprocess.run([sys.executable, "-m", "venv", str(build)], check=True, capture_output=True, timeout=300)
        p = subprocess.run(
            [str(_venv_python(build)), "-m", "pip", "install", "--disable-pip-version-check", "-q",
             f"boto3=={OLD_BOTOCORE}", f"botocore=={OLD_BOTOCORE}"],
            capture_output=True, text=True, timeout=900, stdin=subprocess.DEVNULL,
        )
        if p.returncode != 0:
            out = p.stdout + p.stderr
            if any(m in out for m in OFFLINE_MARKERS):
                pytest.skip(f"pip cannot reach the package index to install boto3/botocore {OLD_BOTOCORE}: {out.strip()[-400:]}")
            raise AssertionError(f"pip install of boto3/botocore {OLD_BOTOCORE} failed ({p.returncode}):\n{out}")
        if OLD_VENV.exists():
            shutil.rmtree(OLD_VENV)
        # bin/pip's shebang keeps the build path, but only bin/python is used (python -m pip).
        build.rename(OLD_VENV)
    finally:
        if build.exists():
            shutil.rmtree(build, ignore_errors=True)
    assert _venv_has_old_botocore(OLD_VENV), f"{OLD_VENV} has no working botocore {OLD_BOTOCORE}"
    return _venv_python(OLD_VENV)


# Runs inside the old virtualenv: argv[1] = endpoint. Prints one JSON document.
OLD_CLIENT_SCRIPT = textwrap.dedent(
    r'''
    import hashlib, json, struct, sys, uuid
    import boto3, botocore
    from botocore.config import Config
    from botocore.exceptions import ClientError

    endpoint = sys.argv[1]
    session = boto3.session.Session(aws_access_key_id=sys.argv[2], aws_secret_access_key=sys.argv[3], region_name=sys.argv[4])
    sqs = session.client("sqs", endpoint_url=endpoint, config=Config(retries={"total_max_attempts": 1}, read_timeout=30))
    out = {"botocore": botocore.__version__, "protocol": sqs.meta.service_model.protocol}

    wire = []
    def record(request, **kw):
        body = request.body or b""
        if isinstance(body, str):
            body = body.encode()
        ct = request.headers.get("Content-Type")
        wire.append({"ct": ct.decode() if isinstance(ct, bytes) else ct,
                     "target": request.headers.get("X-Amz-Target"),
                     "action": body.split(b"&", 1)[0].decode()})
    sqs.meta.events.register("before-send.sqs", record)
    responses = []
    def record_response(http_response, **kw):
        responses.append(http_response.headers.get("Content-Type", ""))
    sqs.meta.events.register("after-call.sqs", record_response)

    def md5(b):
        return hashlib.md5(b).hexdigest()

    def md5_of_attributes(attrs):
        """AWS's encoding: per name in order, len+name, len+type, transport byte, len+value."""
        buf = b""
        for name in sorted(attrs):
            v = attrs[name]
            def lp(b):
                return struct.pack(">I", len(b)) + b
            buf += lp(name.encode()) + lp(v["DataType"].encode())
            if "BinaryValue" in v:
                buf += b"\x02" + lp(v["BinaryValue"])
            else:
                buf += b"\x01" + lp(v["StringValue"].encode())
        return md5(buf)

    def err(fn, **kw):
        try:
            fn(**kw)
        except ClientError as e:
            return {"code": e.response["Error"]["Code"], "message": e.response["Error"].get("Message"),
                    "status": e.response["ResponseMetadata"]["HTTPStatusCode"], "type": e.response["Error"].get("Type")}
        return None

    name = sys.argv[5]
    url = sqs.create_queue(QueueName=name, Attributes={"FifoQueue": "true", "VisibilityTimeout": "30"})["QueueUrl"]
    out["url"] = url
    out["get_url"] = sqs.get_queue_url(QueueName=name)["QueueUrl"]
    out["list"] = sqs.list_queues(QueueNamePrefix=name).get("QueueUrls", [])
    out["attrs"] = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["All"])["Attributes"]

    # No dedup id and no content-based dedup yet.
    out["err_no_dedup"] = err(sqs.send_message, QueueUrl=url, MessageBody="x", MessageGroupId="g1")
    out["err_no_group"] = err(sqs.send_message, QueueUrl=url, MessageBody="x", MessageDeduplicationId="d")

    attrs = {
        "color": {"DataType": "String", "StringValue": "bl\u00e9 <&> \"q\""},
        "n": {"DataType": "Number", "StringValue": "42.5"},
        "raw": {"DataType": "Binary", "BinaryValue": b"\x00\xff\x10<"},
    }
    body0 = "first <&> \u00e9\u4e2d \"quoted\" 'single'\r\nline2\r\t]]>"
    sent = []
    r = sqs.send_message(QueueUrl=url, MessageBody=body0, MessageGroupId="g1", MessageDeduplicationId="d-0", MessageAttributes=attrs)
    out["send_md5_body_ok"] = r["MD5OfMessageBody"] == md5(body0.encode())
    out["send_md5_attrs_ok"] = r["MD5OfMessageAttributes"] == md5_of_attributes(attrs)
    out["send_seq"] = r.get("SequenceNumber")
    sent.append(("g1", body0, r["MessageId"]))
    first_id = r["MessageId"]

    entries = []
    for i in range(1, 7):
        g = "g1" if i % 2 else "g2"
        entries.append({"Id": f"e{i}", "MessageBody": f"{g} message {i}", "MessageGroupId": g, "MessageDeduplicationId": f"d-{i}"})
    rb = sqs.send_message_batch(QueueUrl=url, Entries=entries)
    out["batch_failed"] = rb.get("Failed", [])
    by_id = {e["Id"]: e for e in rb["Successful"]}
    out["batch_md5_ok"] = all(by_id[e["Id"]]["MD5OfMessageBody"] == md5(e["MessageBody"].encode()) for e in entries)
    seqs = [int(by_id[e["Id"]]["SequenceNumber"]) for e in entries]
    out["batch_seq_increasing"] = seqs == sorted(seqs) and int(out["send_seq"]) < seqs[0]
    for e in entries:
        sent.append((e["MessageGroupId"], e["MessageBody"], by_id[e["Id"]]["MessageId"]))

    # Duplicate of d-0 within 5 minutes: 200, the original id, nothing enqueued.
    dup = sqs.send_message(QueueUrl=url, MessageBody="ignored", MessageGroupId="g1", MessageDeduplicationId="d-0")
    out["dup_same_id"] = dup["MessageId"] == first_id

    got = []
    empty = 0
    while len(got) < len(sent) and empty < 3:
        msgs = sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10, AttributeNames=["All"],
                                   MessageAttributeNames=["All"], WaitTimeSeconds=1).get("Messages", [])
        if not msgs:
            empty += 1
        if not msgs:
            continue
        if not got:  # the very first message through DeleteMessage, the rest through the batch call
            sqs.delete_message(QueueUrl=url, ReceiptHandle=msgs[0]["ReceiptHandle"])
            rest = msgs[1:]
        else:
            rest = msgs
        got.extend(msgs)
        if rest:
            d = sqs.delete_message_batch(QueueUrl=url, Entries=[{"Id": str(i), "ReceiptHandle": m["ReceiptHandle"]} for i, m in enumerate(rest)])
            out.setdefault("delete_failed", []).extend(d.get("Failed", []))
    out["received"] = [{"group": m["Attributes"]["MessageGroupId"], "body": m["Body"], "id": m["MessageId"],
                        "dedup": m["Attributes"].get("MessageDeduplicationId"),
                        "seq": m["Attributes"].get("SequenceNumber"),
                        "receive_count": m["Attributes"].get("ApproximateReceiveCount")} for m in got]
    out["sent"] = [{"group": g, "body": b, "id": i} for g, b, i in sent]
    out["recv_md5_body_ok"] = all(m["MD5OfBody"] == md5(m["Body"].encode()) for m in got)
    with_attrs = [m for m in got if m.get("MessageAttributes")]
    out["recv_attrs"] = [{k: {kk: (vv.hex() if isinstance(vv, bytes) else vv) for kk, vv in v.items()} for k, v in m["MessageAttributes"].items()} for m in with_attrs]
    out["recv_md5_attrs_ok"] = bool(with_attrs) and all(m["MD5OfMessageAttributes"] == md5_of_attributes(m["MessageAttributes"]) for m in with_attrs)

    # Still a duplicate after delete; the queue stays empty.
    again = sqs.send_message(QueueUrl=url, MessageBody="again", MessageGroupId="g1", MessageDeduplicationId="d-3")
    out["dup_after_delete_same_id"] = again["MessageId"] == sent[3][2]
    out["empty_after"] = "Messages" not in sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10)

    sqs.set_queue_attributes(QueueUrl=url, Attributes={"ContentBasedDeduplication": "true", "VisibilityTimeout": "45"})
    a2 = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["ContentBasedDeduplication", "VisibilityTimeout"])["Attributes"]
    out["attrs_after_set"] = a2
    c1 = sqs.send_message(QueueUrl=url, MessageBody="content", MessageGroupId="g3")
    c2 = sqs.send_message(QueueUrl=url, MessageBody="content", MessageGroupId="g3")
    out["content_dedup_same_id"] = c1["MessageId"] == c2["MessageId"]
    m = sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10, AttributeNames=["MessageDeduplicationId"])["Messages"]
    out["content_dedup_id"] = [x["Attributes"].get("MessageDeduplicationId") for x in m]

    # Errors.
    out["err_missing_queue"] = err(sqs.get_queue_url, QueueName="does-not-exist-" + name.replace(".fifo", ""))
    try:
        sqs.get_queue_url(QueueName="does-not-exist-" + name.replace(".fifo", ""))
        out["modeled_exception"] = None
    except sqs.exceptions.QueueDoesNotExist:
        out["modeled_exception"] = "QueueDoesNotExist"
    out["err_bad_receipt"] = err(sqs.delete_message, QueueUrl=url, ReceiptHandle="not-a-handle")
    out["err_max_messages"] = err(sqs.receive_message, QueueUrl=url, MaxNumberOfMessages=11)
    out["err_per_message_delay"] = err(sqs.send_message, QueueUrl=url, MessageBody="x", MessageGroupId="g", DelaySeconds=5)

    sqs.delete_queue(QueueUrl=url)
    out["err_deleted_queue"] = err(sqs.get_queue_attributes, QueueUrl=url, AttributeNames=["All"])

    out["wire_content_types"] = sorted({w["ct"] for w in wire})
    out["wire_targets"] = sorted({str(w["target"]) for w in wire})
    out["wire_actions"] = sorted({w["action"] for w in wire})
    out["response_content_types"] = sorted(set(responses))
    print(json.dumps(out))
    '''
)


def test_old_botocore_query_protocol_fifo(old_botocore_python, endpoint, tmp_path):
    script = tmp_path / "old_client.py"
    script.write_text(OLD_CLIENT_SCRIPT)
    name = unique_name("oldq") + ".fifo"
    env = {k: v for k, v in os.environ.items() if not k.startswith("AWS_")}
    env.update({"NO_PROXY": "127.0.0.1,localhost", "no_proxy": "127.0.0.1,localhost", "AWS_EC2_METADATA_DISABLED": "true"})
    p = subprocess.run(
        [str(old_botocore_python), str(script), endpoint, ACCESS_KEY, SECRET_KEY, REGION, name],
        capture_output=True, text=True, timeout=300, env=env, stdin=subprocess.DEVNULL,
    )
    assert p.returncode == 0, f"old-client script failed ({p.returncode}):\n{p.stdout}\n{p.stderr}"
    out = json.loads(p.stdout.strip().splitlines()[-1])

    # It really is the query protocol on the wire.
    assert out["botocore"] == OLD_BOTOCORE
    assert out["protocol"] == "query"
    assert out["wire_content_types"] == ["application/x-www-form-urlencoded; charset=utf-8"]
    assert out["wire_targets"] == ["None"]
    assert all(a.startswith("Action=") for a in out["wire_actions"]), out["wire_actions"]
    assert all(ct.startswith("text/xml") or ct.startswith("application/xml") for ct in out["response_content_types"]), out["response_content_types"]

    assert out["url"] == out["get_url"] and out["url"].endswith(f"/{ACCOUNT}/{name}")
    assert out["list"] == [out["url"]]
    attrs = out["attrs"]
    assert attrs["FifoQueue"] == "true"
    assert attrs["ContentBasedDeduplication"] == "false"
    assert attrs["VisibilityTimeout"] == "30"
    assert attrs["QueueArn"] == f"arn:aws:sqs:{REGION}:{ACCOUNT}:{name}"
    assert attrs["ApproximateNumberOfMessages"] == "0"

    assert out["err_no_dedup"]["code"] == "InvalidParameterValue", out["err_no_dedup"]
    assert out["err_no_group"]["code"] == "MissingParameter", out["err_no_group"]

    assert out["send_md5_body_ok"] and out["send_md5_attrs_ok"]
    assert len(out["send_seq"]) == 20
    assert out["batch_failed"] == []
    assert out["batch_md5_ok"] and out["batch_seq_increasing"]
    assert out["dup_same_id"]

    received, sent = out["received"], out["sent"]
    assert sorted(m["id"] for m in received) == sorted(m["id"] for m in sent), (received, sent)
    for g in ("g1", "g2"):
        assert [m["body"] for m in received if m["group"] == g] == [m["body"] for m in sent if m["group"] == g]
    assert all(m["receive_count"] == "1" for m in received)
    assert sorted(m["dedup"] for m in received) == [f"d-{i}" for i in range(7)]
    assert out["recv_md5_body_ok"] and out["recv_md5_attrs_ok"]
    assert out["recv_attrs"] == [{
        "color": {"DataType": "String", "StringValue": "bl\u00e9 <&> \"q\""},
        "n": {"DataType": "Number", "StringValue": "42.5"},
        "raw": {"DataType": "Binary", "BinaryValue": "00ff103c"},
    }]
    assert not out.get("delete_failed")
    assert out["dup_after_delete_same_id"] and out["empty_after"]

    assert out["attrs_after_set"] == {"ContentBasedDeduplication": "true", "VisibilityTimeout": "45"}
    assert out["content_dedup_same_id"]
    assert out["content_dedup_id"] == [hashlib.sha256(b"content").hexdigest()]

    missing = out["err_missing_queue"]
    assert missing["code"] == "AWS.SimpleQueueService.NonExistentQueue", missing
    assert missing["status"] == 400 and missing["type"] == "Sender"
    assert out["modeled_exception"] == "QueueDoesNotExist"
    assert out["err_bad_receipt"]["code"] == "ReceiptHandleIsInvalid", out["err_bad_receipt"]
    assert out["err_max_messages"]["code"] == "InvalidParameterValue", out["err_max_messages"]
    assert out["err_per_message_delay"]["code"] == "InvalidParameterValue", out["err_per_message_delay"]
    assert out["err_deleted_queue"]["code"] == "AWS.SimpleQueueService.NonExistentQueue", out["err_deleted_queue"]


def _sqs_cli(aws_cli, endpoint: str, *args: str, check: bool = True) -> subprocess.CompletedProcess:
    cmd = [aws_cli.exe, "--endpoint-url", endpoint, "--output", "json", *(["--no-cli-pager"] if aws_cli.major >= 2 else []), "sqs", *args]
    p = subprocess.run(cmd, capture_output=True, text=True, env=aws_cli.env, timeout=120, stdin=subprocess.DEVNULL)
    if check and p.returncode != 0:
        raise AssertionError(f"{' '.join(cmd)} exited {p.returncode}\nstdout: {p.stdout}\nstderr: {p.stderr}")
    return p


def _sqs_json(aws_cli, endpoint: str, *args: str):
    out = _sqs_cli(aws_cli, endpoint, *args).stdout.strip()
    return json.loads(out) if out else None


def test_aws_cli_sqs_fifo_round_trip(aws_cli, endpoint):
    ep = endpoint
    name = unique_name("cliq") + ".fifo"
    url = _sqs_json(aws_cli, ep, "create-queue", "--queue-name", name,
                    "--attributes", "FifoQueue=true,ContentBasedDeduplication=false,VisibilityTimeout=40")["QueueUrl"]
    assert url.endswith(f"/{ACCOUNT}/{name}")
    assert _sqs_json(aws_cli, ep, "get-queue-url", "--queue-name", name)["QueueUrl"] == url

    sent = []
    for i, g in enumerate(["a", "b", "a", "b", "a"]):
        body = f'{{"group": "{g}", "n": {i}, "text": "caf\u00e9 <&>"}}'
        out = _sqs_json(aws_cli, ep, "send-message", "--queue-url", url, "--message-body", body,
                        "--message-group-id", g, "--message-deduplication-id", f"dedup-{i}",
                        "--message-attributes", json.dumps({"n": {"DataType": "Number", "StringValue": str(i)}}))
        assert out["MD5OfMessageBody"] == hashlib.md5(body.encode()).hexdigest()
        assert out["MD5OfMessageAttributes"]
        assert len(out["SequenceNumber"]) == 20
        sent.append((g, body, out["MessageId"]))
    # A duplicate dedup id: same MessageId back, nothing enqueued.
    dup = _sqs_json(aws_cli, ep, "send-message", "--queue-url", url, "--message-body", "dup",
                    "--message-group-id", "a", "--message-deduplication-id", "dedup-0")
    assert dup["MessageId"] == sent[0][2]

    qa = _sqs_json(aws_cli, ep, "get-queue-attributes", "--queue-url", url, "--attribute-names", "All")["Attributes"]
    assert qa["FifoQueue"] == "true" and qa["ContentBasedDeduplication"] == "false"
    assert qa["VisibilityTimeout"] == "40"
    assert qa["ApproximateNumberOfMessages"] == "5"
    assert qa["QueueArn"] == f"arn:aws:sqs:{REGION}:{ACCOUNT}:{name}"

    got = []
    for _ in range(10):
        if len(got) == len(sent):
            break
        out = _sqs_json(aws_cli, ep, "receive-message", "--queue-url", url, "--max-number-of-messages", "10",
                        "--attribute-names", "All", "--message-attribute-names", "All", "--wait-time-seconds", "1")
        msgs = (out or {}).get("Messages", [])
        for m in msgs:
            assert m["MD5OfBody"] == hashlib.md5(m["Body"].encode()).hexdigest()
            assert m["MessageAttributes"]["n"]["DataType"] == "Number"
            got.append(m)
            assert _sqs_cli(aws_cli, ep, "delete-message", "--queue-url", url, "--receipt-handle", m["ReceiptHandle"]).stdout.strip() == ""
    assert sorted(m["MessageId"] for m in got) == sorted(s[2] for s in sent)
    for g in ("a", "b"):
        assert [m["Body"] for m in got if m["Attributes"]["MessageGroupId"] == g] == [s[1] for s in sent if s[0] == g]
    assert sorted(m["Attributes"]["MessageDeduplicationId"] for m in got) == [f"dedup-{i}" for i in range(5)]

    qa = _sqs_json(aws_cli, ep, "get-queue-attributes", "--queue-url", url,
                   "--attribute-names", "ApproximateNumberOfMessages", "ApproximateNumberOfMessagesNotVisible")["Attributes"]
    assert qa == {"ApproximateNumberOfMessages": "0", "ApproximateNumberOfMessagesNotVisible": "0"}

    # The legacy error code through the CLI (JSON protocol + x-amzn-query-error on v1 builds).
    p = _sqs_cli(aws_cli, ep, "get-queue-url", "--queue-name", "nope-" + name, check=False)
    assert p.returncode != 0
    assert "AWS.SimpleQueueService.NonExistentQueue" in p.stderr or "QueueDoesNotExist" in p.stderr, p.stderr

    assert _sqs_cli(aws_cli, ep, "delete-queue", "--queue-url", url).stdout.strip() == ""


# Runs inside the old virtualenv: argv = endpoint, keys, region, queue prefix, directory of
# sqs_bad_input_cases.py. Prints one JSON document.
OLD_BAD_INPUT_SCRIPT = textwrap.dedent(
    r'''
    import json, sys
    import boto3
    from botocore.config import Config
    sys.path.insert(0, sys.argv[6])
    from sqs_bad_input_cases import make_queues, run_cases

    session = boto3.session.Session(aws_access_key_id=sys.argv[2], aws_secret_access_key=sys.argv[3], region_name=sys.argv[4])
    sqs = session.client("sqs", endpoint_url=sys.argv[1],
                         config=Config(retries={"total_max_attempts": 1}, read_timeout=30, parameter_validation=False))
    urls = make_queues(sqs, sys.argv[5])
    out = {"protocol": sqs.meta.service_model.protocol, "results": run_cases(sqs, urls)}
    # The query protocol cannot send an empty list: a batch without entries.
    try:
        sqs.send_message_batch(QueueUrl=urls["small"], Entries=[])
    except Exception as e:
        out["empty_batch"] = [e.response["Error"]["Code"], e.response["Error"].get("Message")]
    try:
        sqs.get_queue_url(QueueName=sys.argv[5] + "-none")
    except Exception as e:
        out["missing_queue"] = [e.response["Error"]["Code"], e.response["Error"].get("Message")]
    name = sys.argv[5] + "-deleted"
    sqs.delete_queue(QueueUrl=sqs.create_queue(QueueName=name)["QueueUrl"])
    try:
        sqs.create_queue(QueueName=name)
    except Exception as e:
        out["deleted_recently"] = [e.response["Error"]["Code"], e.response["Error"].get("Message"),
                                   isinstance(e, sqs.exceptions.QueueDeletedRecently)]
    print(json.dumps(out))
    '''
)


def test_old_botocore_query_protocol_bad_input(old_botocore_python, endpoint, tmp_path):
    from sqs_bad_input_cases import CASES, mismatches

    script = tmp_path / "old_bad_input.py"
    script.write_text(OLD_BAD_INPUT_SCRIPT)
    env = {k: v for k, v in os.environ.items() if not k.startswith("AWS_")}
    env.update({"NO_PROXY": "127.0.0.1,localhost", "no_proxy": "127.0.0.1,localhost", "AWS_EC2_METADATA_DISABLED": "true"})
    p = subprocess.run(
        [str(old_botocore_python), str(script), endpoint, ACCESS_KEY, SECRET_KEY, REGION, unique_name("oldbad"),
         str(Path(__file__).parent)],
        capture_output=True, text=True, timeout=300, env=env, stdin=subprocess.DEVNULL,
    )
    assert p.returncode == 0, f"old-client script failed ({p.returncode}):\n{p.stdout}\n{p.stderr}"
    out = json.loads(p.stdout.strip().splitlines()[-1])
    assert out["protocol"] == "query"
    assert len(out["results"]) == len(CASES)
    assert mismatches(out["results"]) == []
    assert out["empty_batch"] == ["AWS.SimpleQueueService.EmptyBatchRequest",
                                  "There should be at least one SendMessageBatchRequestEntry in the request."]
    assert out["missing_queue"] == ["AWS.SimpleQueueService.NonExistentQueue",
                                    "The specified queue does not exist for this wsdl version."]
    assert out["deleted_recently"] == [
        "AWS.SimpleQueueService.QueueDeletedRecently",
        "You must wait 60 seconds after deleting a queue before you can create another with the same name.", True]
