"""Amazon SQS: bad input gets AWS's errors (current boto3 over JSON 1.0, raw forms for malformed
query requests), QueueDeletedRecently with kinesin's clock moved forward, and long polls woken
by messages that move between queues (a redrive to the DLQ, a move task back). The query-protocol run of the same cases with an old
botocore is in test_sqs_clients.py."""

from __future__ import annotations

import http.client
import threading
import time
import urllib.parse
import urllib.request
from xml.etree import ElementTree

import pytest
from botocore.exceptions import ClientError

from conftest import ACCESS_KEY, REGION, SECRET_KEY, unique_name
from sqs_bad_input_cases import CASES, make_queues, mismatches, run_cases

NS = "{http://queue.amazonaws.com/doc/2012-11-05/}"


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    from conftest import ServerPool

    pool = ServerPool(tmp_path_factory.mktemp("kinesin-logs"))
    yield pool.start("--time-travel")
    pool.close()


def client(endpoint: str, validate: bool = False, read_timeout: float = 40):
    import boto3
    from botocore.config import Config

    session = boto3.session.Session(aws_access_key_id=ACCESS_KEY, aws_secret_access_key=SECRET_KEY, region_name=REGION)
    return session.client("sqs", endpoint_url=endpoint, config=Config(
        retries={"total_max_attempts": 1}, read_timeout=read_timeout, parameter_validation=validate))


def form(server, body: bytes | str, path: str = "/") -> tuple[int, ElementTree.Element]:
    conn = http.client.HTTPConnection("127.0.0.1", server.port, timeout=30)
    conn.request("POST", path, body, {"Content-Type": "application/x-www-form-urlencoded"})
    resp = conn.getresponse()
    data = resp.read()
    conn.close()
    return resp.status, ElementTree.fromstring(data)


def xml_error(doc: ElementTree.Element) -> tuple[str, str, str]:
    e = doc.find(f"{NS}Error")
    return e.find(f"{NS}Type").text, e.find(f"{NS}Code").text, e.find(f"{NS}Message").text


def test_bad_input_gets_aws_errors_over_json(server):
    sqs = client(server.endpoint)
    assert sqs.meta.service_model.protocol == "json"
    results = run_cases(sqs, make_queues(sqs, unique_name("bad")))
    assert mismatches(results) == []
    assert len(results) == len(CASES)


def test_boundaries_are_accepted(server):
    sqs = client(server.endpoint)
    urls = make_queues(sqs, unique_name("edge"))
    sqs.send_message(QueueUrl=urls["small"], MessageBody="x" * 1024)
    sqs.send_message(QueueUrl=urls["small"], MessageBody="x" * 1015, MessageAttributes={"k": {"DataType": "String", "StringValue": "vv"}})
    sqs.send_message(QueueUrl=urls["small"], MessageBody="\U0001F600 \t\r\n", MessageAttributes={
        f"a{i}": {"DataType": "Number.int", "StringValue": str(i)} for i in range(10)})
    r = sqs.send_message_batch(QueueUrl=urls["small"], Entries=[{"Id": "a" * 80, "MessageBody": "x"}, {"Id": "B-_9", "MessageBody": "y"}])
    assert [e["Id"] for e in r["Successful"]] == ["a" * 80, "B-_9"] and not r.get("Failed")


def test_a_bad_batch_entry_fails_alone(server):
    sqs = client(server.endpoint)
    urls = make_queues(sqs, unique_name("entry"))
    r = sqs.send_message_batch(QueueUrl=urls["small"], Entries=[
        {"Id": "ok", "MessageBody": "fine"},
        {"Id": "big", "MessageBody": "x" * 1025},
        {"Id": "attr", "MessageBody": "x", "MessageAttributes": {"AWS.x": {"DataType": "String", "StringValue": "v"}}},
        {"Id": "empty", "MessageBody": ""},
    ])
    assert [e["Id"] for e in r["Successful"]] == ["ok"]
    failed = {e["Id"]: e for e in r["Failed"]}
    assert failed["big"]["Code"] == "InvalidParameterValue" and failed["big"]["SenderFault"] is True
    assert failed["big"]["Message"] == "One or more parameters are invalid. Reason: Message must be shorter than 1024 bytes."
    assert failed["attr"]["Code"] == "InvalidParameterValue"
    assert failed["empty"]["Code"] == "EmptyValue" and failed["empty"]["SenderFault"] is True
    got = sqs.receive_message(QueueUrl=urls["small"], MaxNumberOfMessages=10)["Messages"]
    assert [m["Body"] for m in got] == ["fine"]


def test_invalid_receipt_handle_is_404(server):
    sqs = client(server.endpoint)
    url = make_queues(sqs, unique_name("rh"))["small"]
    handle = "not-a-receipt-handle"
    with pytest.raises(ClientError) as e:
        sqs.delete_message(QueueUrl=url, ReceiptHandle=handle)
    err = e.value.response["Error"]
    assert (err["Code"], err["Message"], e.value.response["ResponseMetadata"]["HTTPStatusCode"]) == (
        "ReceiptHandleIsInvalid", f'The input receipt handle "{handle}" is not a valid receipt handle.', 404)
    status, doc = form(server, urllib.parse.urlencode(
        {"Action": "DeleteMessage", "Version": "2012-11-05", "ReceiptHandle": handle}), urllib.parse.urlparse(url).path)
    assert status == 404 and xml_error(doc)[1] == "ReceiptHandleIsInvalid"
    # In a batch, only that entry fails.
    r = sqs.delete_message_batch(QueueUrl=url, Entries=[{"Id": "a", "ReceiptHandle": handle}])
    assert [(f["Id"], f["Code"], f["SenderFault"]) for f in r["Failed"]] == [("a", "ReceiptHandleIsInvalid", True)]


def test_empty_batch_over_json(server):
    sqs = client(server.endpoint)
    urls = make_queues(sqs, unique_name("empty"))
    for op, kind in (("send_message_batch", "SendMessageBatchRequestEntry"),
                     ("delete_message_batch", "DeleteMessageBatchRequestEntry"),
                     ("change_message_visibility_batch", "ChangeMessageVisibilityBatchRequestEntry")):
        with pytest.raises(ClientError) as e:
            getattr(sqs, op)(QueueUrl=urls["small"], Entries=[])
        err = e.value.response["Error"]
        assert (err["Code"], err["Message"]) == (
            "AWS.SimpleQueueService.EmptyBatchRequest", f"There should be at least one {kind} in the request.")


def test_malformed_query_forms(server):
    assert xml_error(form(server, "Version=2012-11-05")[1]) == (
        "Sender", "MissingAction", "The request must contain the parameter Action.")
    status, doc = form(server, "Action=Frobnicate&Version=2012-11-05")
    assert status == 400 and xml_error(doc) == ("Sender", "InvalidAction", "The action Frobnicate is not valid for this endpoint.")
    for body in ("Action=List%ZZQueues&Version=2012-11-05", b"Action=ListQueues&Version=2012-11-05&QueueNamePrefix=%FF",
                 "Action=ListQueues&Version=2012-11-05&QueueNamePrefix=%4"):
        status, doc = form(server, body)
        assert status == 400 and xml_error(doc) == ("Sender", "MalformedQueryString", "The query string is malformed."), body
    status, doc = form(server, "Action=GetQueueUrl&Version=2012-11-05")
    assert status == 400 and xml_error(doc) == ("Sender", "MissingParameter", "The request must contain the parameter QueueName.")
    # The query protocol words a missing queue its own way.
    status, doc = form(server, "Action=GetQueueUrl&Version=2012-11-05&QueueName=" + unique_name("none"))
    assert status == 400 and xml_error(doc) == (
        "Sender", "AWS.SimpleQueueService.NonExistentQueue", "The specified queue does not exist for this wsdl version.")
    # The same bad input as over JSON, in a hand-built form: the same code and message.
    name = unique_name("qbad")
    status, doc = form(server, urllib.parse.urlencode({"Action": "CreateQueue", "Version": "2012-11-05", "QueueName": name}))
    path = urllib.parse.urlparse(doc.find(f"{NS}CreateQueueResult/{NS}QueueUrl").text).path
    status, doc = form(server, urllib.parse.urlencode({
        "Action": "SendMessageBatch", "Version": "2012-11-05",
        "SendMessageBatchRequestEntry.1.Id": "a", "SendMessageBatchRequestEntry.1.MessageBody": "x",
        "SendMessageBatchRequestEntry.2.Id": "a", "SendMessageBatchRequestEntry.2.MessageBody": "y"}), path)
    assert status == 400 and xml_error(doc) == ("Sender", "AWS.SimpleQueueService.BatchEntryIdsNotDistinct", "Id a repeated.")
    status, doc = form(server, urllib.parse.urlencode({"Action": "SendMessage", "Version": "2012-11-05", "MessageBody": "a\x01b"}), path)
    assert status == 400 and xml_error(doc)[1] == "InvalidMessageContents"


def advance_clock(server, ms: int) -> None:
    req = urllib.request.Request(f"{server.endpoint}/_kinesin/clock?advance_ms={ms}", data=b"", method="POST")
    with urllib.request.urlopen(req, timeout=10) as r:
        assert r.status == 200


def test_queue_deleted_recently(server):
    sqs = client(server.endpoint, validate=True)
    name = unique_name("recent")
    url = sqs.create_queue(QueueName=name)["QueueUrl"]
    sqs.delete_queue(QueueUrl=url)
    with pytest.raises(ClientError) as e:
        sqs.create_queue(QueueName=name)
    err = e.value.response["Error"]
    assert (err["Code"], err["Message"]) == (
        "AWS.SimpleQueueService.QueueDeletedRecently",
        "You must wait 60 seconds after deleting a queue before you can create another with the same name.")
    assert isinstance(e.value, sqs.exceptions.QueueDeletedRecently)
    # The query protocol says the same.
    status, doc = form(server, urllib.parse.urlencode({"Action": "CreateQueue", "Version": "2012-11-05", "QueueName": name}))
    assert status == 400 and xml_error(doc)[1] == "AWS.SimpleQueueService.QueueDeletedRecently"
    advance_clock(server, 59_000)
    with pytest.raises(ClientError):
        sqs.create_queue(QueueName=name)
    advance_clock(server, 1_000)
    assert sqs.create_queue(QueueName=name)["QueueUrl"] == url


def test_long_poll_on_a_dead_letter_queue_wakes_on_redrive(server):
    sqs = client(server.endpoint, validate=True)
    dlq = sqs.create_queue(QueueName=unique_name("dlq") + ".fifo", Attributes={"FifoQueue": "true"})["QueueUrl"]
    dlq_arn = sqs.get_queue_attributes(QueueUrl=dlq, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
    src = sqs.create_queue(QueueName=unique_name("src") + ".fifo", Attributes={
        "FifoQueue": "true", "VisibilityTimeout": "30",
        "RedrivePolicy": f'{{"deadLetterTargetArn":"{dlq_arn}","maxReceiveCount":1}}'})["QueueUrl"]
    sqs.send_message(QueueUrl=src, MessageBody="poison", MessageGroupId="g", MessageDeduplicationId="d1")
    first = sqs.receive_message(QueueUrl=src, WaitTimeSeconds=0)["Messages"]
    assert [m["Body"] for m in first] == ["poison"]

    # The message is visible again (so past maxReceiveCount) once the visibility timeout is over.
    advance_clock(server, 30_000)
    time.sleep(0.5)  # let the upkeep the clock change woke go back to sleep

    got: dict = {}

    def poll():
        # A 20 s long poll that the client abandons after 10 s: it must be answered by the
        # redrive's wake-up, not by the end of the wait (which would also find the message).
        c = client(server.endpoint, validate=True, read_timeout=10)
        try:
            got["r"] = c.receive_message(QueueUrl=dlq, WaitTimeSeconds=20, MessageSystemAttributeNames=["All"])
        except Exception as e:  # noqa: BLE001 - reported below
            got["error"] = repr(e)

    t = threading.Thread(target=poll)
    t.start()
    time.sleep(1)  # the long poll is waiting on the empty DLQ (ordering, not an assertion)
    # The next receive on the source moves the message to the DLQ; nothing else happens on the
    # server that could wake the DLQ's long poll before its 20 s are over.
    assert sqs.receive_message(QueueUrl=src, WaitTimeSeconds=0).get("Messages") is None
    t.join(25)
    assert not t.is_alive()
    assert "error" not in got, got.get("error")
    msgs = got["r"].get("Messages", [])
    assert [m["Body"] for m in msgs] == ["poison"]
    assert msgs[0]["Attributes"]["DeadLetterQueueSourceArn"].endswith(":" + src.rsplit("/", 1)[1])


def test_long_poll_wakes_when_a_move_task_brings_messages_back(server):
    sqs = client(server.endpoint, validate=True)
    dlq = sqs.create_queue(QueueName=unique_name("mdlq"))["QueueUrl"]
    dlq_arn = sqs.get_queue_attributes(QueueUrl=dlq, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
    src = sqs.create_queue(QueueName=unique_name("msrc"), Attributes={
        "RedrivePolicy": f'{{"deadLetterTargetArn":"{dlq_arn}","maxReceiveCount":1}}'})["QueueUrl"]
    sqs.send_message(QueueUrl=src, MessageBody="again", MessageAttributes={"n": {"DataType": "Number", "StringValue": "1"}})
    assert [m["Body"] for m in sqs.receive_message(QueueUrl=src, VisibilityTimeout=0)["Messages"]] == ["again"]
    assert sqs.receive_message(QueueUrl=src).get("Messages") is None  # moved to the DLQ
    time.sleep(0.5)

    got: dict = {}

    def poll():
        # Abandoned by the client after 10 s of a 20 s wait: only a wake-up answers in time.
        c = client(server.endpoint, validate=True, read_timeout=10)
        try:
            got["r"] = c.receive_message(QueueUrl=src, WaitTimeSeconds=20, MessageAttributeNames=["All"])
        except Exception as e:  # noqa: BLE001 - reported below
            got["error"] = repr(e)

    t = threading.Thread(target=poll)
    t.start()
    time.sleep(1)  # the long poll is waiting on the empty source queue (ordering, not an assertion)
    sqs.start_message_move_task(SourceArn=dlq_arn)
    t.join(25)
    assert not t.is_alive()
    assert "error" not in got, got.get("error")
    msgs = got["r"].get("Messages", [])
    assert [m["Body"] for m in msgs] == ["again"]
    assert msgs[0]["MessageAttributes"]["n"]["StringValue"] == "1"
