"""Amazon SQS against the kinesin binary: boto3 (AWS JSON 1.0) and the query protocol by raw
form POSTs. (botocore does not check MD5s; test_sqs_clients.py and the Java suite do.)"""

from __future__ import annotations

import http.client
import json
import threading
import time
import urllib.parse
from collections import defaultdict
from xml.etree import ElementTree

import pytest
from botocore.exceptions import ClientError

from conftest import ACCESS_KEY, ACCOUNT, REGION, SECRET_KEY, unique_name

NS = "{http://queue.amazonaws.com/doc/2012-11-05/}"


@pytest.fixture(scope="module")
def sqs(endpoint):
    import boto3
    from botocore.config import Config

    session = boto3.session.Session(aws_access_key_id=ACCESS_KEY, aws_secret_access_key=SECRET_KEY, region_name=REGION)
    return session.client(
        "sqs", endpoint_url=endpoint, config=Config(retries={"total_max_attempts": 1}, read_timeout=40)
    )


def fifo_queue(sqs, **attrs) -> str:
    attributes = {"FifoQueue": "true", "ContentBasedDeduplication": "true", **attrs}
    return sqs.create_queue(QueueName=unique_name("q") + ".fifo", Attributes=attributes)["QueueUrl"]


def error_of(excinfo) -> tuple[str, str]:
    err = excinfo.value.response["Error"]
    return err["Code"], err.get("Message", "")


def test_fifo_order_per_group_with_two_concurrent_consumers(sqs):
    url = fifo_queue(sqs, VisibilityTimeout="30")
    groups = [f"truck-{i}" for i in range(5)]
    for n in range(8):
        entries = [
            {"Id": f"{g}-{n}", "MessageBody": json.dumps({"g": g, "n": n}), "MessageGroupId": g} for g in groups
        ]
        out = sqs.send_message_batch(QueueUrl=url, Entries=entries)
        assert not out.get("Failed")
    seen: dict[str, list[int]] = defaultdict(list)
    lock = threading.Lock()
    in_flight_groups: set[str] = set()
    errors: list[str] = []

    def consume():
        idle = 0
        while idle < 3:
            resp = sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=3, WaitTimeSeconds=1)
            msgs = resp.get("Messages", [])
            if not msgs:
                idle += 1
                continue
            idle = 0
            batch_groups = {json.loads(m["Body"])["g"] for m in msgs}
            with lock:
                if batch_groups & in_flight_groups:
                    errors.append(f"group delivered while in flight: {batch_groups & in_flight_groups}")
                in_flight_groups.update(batch_groups)
                for m in msgs:
                    body = json.loads(m["Body"])
                    seen[body["g"]].append(body["n"])
            time.sleep(0.01)
            with lock:
                in_flight_groups.difference_update(batch_groups)
            sqs.delete_message_batch(
                QueueUrl=url, Entries=[{"Id": str(i), "ReceiptHandle": m["ReceiptHandle"]} for i, m in enumerate(msgs)]
            )

    threads = [threading.Thread(target=consume) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    assert not errors
    assert {g: seen[g] for g in groups} == {g: list(range(8)) for g in groups}


def test_deduplication_and_sequence_numbers(sqs):
    url = fifo_queue(sqs)
    a = sqs.send_message(QueueUrl=url, MessageBody="same", MessageGroupId="g")
    b = sqs.send_message(QueueUrl=url, MessageBody="same", MessageGroupId="g")
    assert a["MessageId"] == b["MessageId"] and a["SequenceNumber"] == b["SequenceNumber"]
    c = sqs.send_message(QueueUrl=url, MessageBody="other", MessageGroupId="g", MessageDeduplicationId="d-1")
    assert len(c["SequenceNumber"]) == 20 and int(c["SequenceNumber"]) > int(a["SequenceNumber"])
    msgs = sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10, MessageSystemAttributeNames=["All"])["Messages"]
    assert [m["Body"] for m in msgs] == ["same", "other"]
    assert msgs[1]["Attributes"]["MessageDeduplicationId"] == "d-1"
    for m in msgs:
        sqs.delete_message(QueueUrl=url, ReceiptHandle=m["ReceiptHandle"])
    # Still a duplicate after delete (5-minute window).
    again = sqs.send_message(QueueUrl=url, MessageBody="same", MessageGroupId="g")
    assert again["MessageId"] == a["MessageId"]
    assert "Messages" not in sqs.receive_message(QueueUrl=url)


def test_dead_letter_queue(sqs):
    dlq = fifo_queue(sqs)
    dlq_arn = sqs.get_queue_attributes(QueueUrl=dlq, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
    policy = json.dumps({"deadLetterTargetArn": dlq_arn, "maxReceiveCount": 1})
    src = fifo_queue(sqs, RedrivePolicy=policy)
    sqs.send_message(QueueUrl=src, MessageBody="poison", MessageGroupId="g")
    sqs.send_message(QueueUrl=src, MessageBody="fine", MessageGroupId="g")
    first = sqs.receive_message(QueueUrl=src, VisibilityTimeout=0)["Messages"]
    assert first[0]["Body"] == "poison"
    nxt = sqs.receive_message(QueueUrl=src)["Messages"]
    assert nxt[0]["Body"] == "fine"
    dead = sqs.receive_message(QueueUrl=dlq, MessageSystemAttributeNames=["All"])["Messages"]
    assert dead[0]["Body"] == "poison"
    assert dead[0]["Attributes"]["DeadLetterQueueSourceArn"].endswith(src.rsplit("/", 1)[1])
    assert sqs.list_dead_letter_source_queues(QueueUrl=dlq)["queueUrls"] == [src]


def test_long_poll_wakes_on_arrival(sqs):
    url = sqs.create_queue(QueueName=unique_name("lp"))["QueueUrl"]
    threading.Timer(0.5, lambda: sqs.send_message(QueueUrl=url, MessageBody="wake")).start()
    t0 = time.monotonic()
    resp = sqs.receive_message(QueueUrl=url, WaitTimeSeconds=10)
    took = time.monotonic() - t0
    assert resp["Messages"][0]["Body"] == "wake"
    assert 0.3 < took < 3, took
    t0 = time.monotonic()
    assert "Messages" not in sqs.receive_message(QueueUrl=url, WaitTimeSeconds=1)
    assert 0.9 < time.monotonic() - t0 < 3


def test_long_poll_wakes_when_a_delete_unlocks_its_fifo_group(endpoint):
    import boto3
    from botocore.config import Config

    session = boto3.session.Session(aws_access_key_id=ACCESS_KEY, aws_secret_access_key=SECRET_KEY, region_name=REGION)
    # The 20 s long poll is abandoned by the client after 10 s: only the delete's wake-up
    # answers it in time (the end of the wait would find the message too).
    sqs = session.client("sqs", endpoint_url=endpoint, config=Config(retries={"total_max_attempts": 1}, read_timeout=10))
    url = fifo_queue(sqs)
    for body in ("first", "second"):
        sqs.send_message(QueueUrl=url, MessageBody=body, MessageGroupId="g")
    first = sqs.receive_message(QueueUrl=url)["Messages"][0]
    assert first["Body"] == "first"
    threading.Timer(1.0, lambda: sqs.delete_message(QueueUrl=url, ReceiptHandle=first["ReceiptHandle"])).start()
    resp = sqs.receive_message(QueueUrl=url, WaitTimeSeconds=20)
    assert [m["Body"] for m in resp["Messages"]] == ["second"]


def test_message_attributes_md5_is_stable_between_send_and_receive(sqs):
    url = sqs.create_queue(QueueName=unique_name("md5"))["QueueUrl"]
    attrs = {
        "color": {"DataType": "String", "StringValue": "blé\r\n"},
        "n": {"DataType": "Number", "StringValue": "42"},
        "raw": {"DataType": "Binary", "BinaryValue": b"\x00\xff\x10"},
        "custom": {"DataType": "String.custom", "StringValue": "x"},
    }
    out = sqs.send_message(QueueUrl=url, MessageBody="body \u00e9\r\n", MessageAttributes=attrs)
    assert out["MD5OfMessageAttributes"]
    msg = sqs.receive_message(QueueUrl=url, MessageAttributeNames=["All"])["Messages"][0]
    assert msg["Body"] == "body \u00e9\r\n"
    assert msg["MessageAttributes"]["raw"]["BinaryValue"] == b"\x00\xff\x10"
    assert msg["MD5OfMessageAttributes"] == out["MD5OfMessageAttributes"]


def test_error_codes(sqs):
    with pytest.raises(ClientError) as e:
        sqs.get_queue_url(QueueName="does-not-exist")
    assert error_of(e) == ("AWS.SimpleQueueService.NonExistentQueue", "The specified queue does not exist.")
    url = fifo_queue(sqs)
    with pytest.raises(ClientError) as e:
        sqs.send_message(QueueUrl=url, MessageBody="x")
    assert error_of(e) == ("MissingParameter", "The request must contain the parameter MessageGroupId.")
    with pytest.raises(ClientError) as e:
        sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=11)
    assert error_of(e)[0] == "InvalidParameterValue"
    with pytest.raises(ClientError) as e:
        sqs.delete_message(QueueUrl=url, ReceiptHandle="nope")
    assert error_of(e)[0] == "ReceiptHandleIsInvalid"
    with pytest.raises(ClientError) as e:
        sqs.send_message_batch(QueueUrl=url, Entries=[{"Id": "a", "MessageBody": "x", "MessageGroupId": "g"}] * 2)
    assert error_of(e)[0] == "AWS.SimpleQueueService.BatchEntryIdsNotDistinct"
    with pytest.raises(ClientError) as e:
        sqs.create_queue(QueueName=url.rsplit("/", 1)[1], Attributes={"FifoQueue": "true", "VisibilityTimeout": "99"})
    assert error_of(e)[0] == "QueueAlreadyExists"
    sqs.purge_queue(QueueUrl=url)
    with pytest.raises(ClientError) as e:
        sqs.purge_queue(QueueUrl=url)
    assert error_of(e)[0] == "AWS.SimpleQueueService.PurgeQueueInProgress"


def query(endpoint: str, path: str, params: dict) -> tuple[int, ElementTree.Element]:
    u = urllib.parse.urlparse(endpoint)
    conn = http.client.HTTPConnection(u.hostname, u.port, timeout=30)
    body = urllib.parse.urlencode({**params, "Version": "2012-11-05"})
    conn.request("POST", path, body, {"Content-Type": "application/x-www-form-urlencoded"})
    resp = conn.getresponse()
    data = resp.read()
    conn.close()
    return resp.status, ElementTree.fromstring(data)


def test_query_protocol(endpoint):
    name = unique_name("qp")
    status, doc = query(endpoint, "/", {"Action": "CreateQueue", "QueueName": name, "Attribute.1.Name": "DelaySeconds", "Attribute.1.Value": "0"})
    assert status == 200
    url = doc.find(f"{NS}CreateQueueResult/{NS}QueueUrl").text
    assert url.endswith(f"/{ACCOUNT}/{name}")
    assert doc.find(f"{NS}ResponseMetadata/{NS}RequestId").text
    path = urllib.parse.urlparse(url).path
    status, doc = query(endpoint, path, {
        "Action": "SendMessage", "MessageBody": "<hi & bye>",
        "MessageAttribute.1.Name": "k", "MessageAttribute.1.Value.DataType": "String",
        "MessageAttribute.1.Value.StringValue": "v",
    })
    assert status == 200
    sent_md5 = doc.find(f"{NS}SendMessageResult/{NS}MD5OfMessageAttributes").text
    status, doc = query(endpoint, "/", {"Action": "ReceiveMessage", "QueueUrl": url, "AttributeName.1": "All", "MessageAttributeName.1": "All"})
    msg = doc.find(f"{NS}ReceiveMessageResult/{NS}Message")
    assert msg.find(f"{NS}Body").text == "<hi & bye>"
    assert msg.find(f"{NS}MD5OfMessageAttributes").text == sent_md5
    attrs = {a.find(f"{NS}Name").text: a.find(f"{NS}Value").text for a in msg.findall(f"{NS}Attribute")}
    assert attrs["ApproximateReceiveCount"] == "1"
    ma = msg.find(f"{NS}MessageAttribute")
    assert ma.find(f"{NS}Name").text == "k" and ma.find(f"{NS}Value/{NS}StringValue").text == "v"
    status, doc = query(endpoint, "/", {"Action": "GetQueueAttributes", "QueueUrl": url, "AttributeName.1": "All"})
    got = {a.find(f"{NS}Name").text: a.find(f"{NS}Value").text for a in doc.iter(f"{NS}Attribute")}
    assert got["ApproximateNumberOfMessagesNotVisible"] == "1"
    status, doc = query(endpoint, "/", {"Action": "GetQueueUrl", "QueueName": "nope-" + name})
    assert status == 400
    assert doc.find(f"{NS}Error/{NS}Code").text == "AWS.SimpleQueueService.NonExistentQueue"
    assert doc.find(f"{NS}Error/{NS}Type").text == "Sender"
    status, doc = query(endpoint, "/", {"Action": "ListQueues", "QueueNamePrefix": name})
    assert [e.text for e in doc.iter(f"{NS}QueueUrl")] == [url]
    status, doc = query(endpoint, "/", {"Action": "Frobnicate"})
    assert status == 400 and doc.find(f"{NS}Error/{NS}Code").text == "InvalidAction"
