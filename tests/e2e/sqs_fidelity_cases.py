"""AWS's SQS behaviours of issue 14, as one scenario run by any boto3 client: the current boto3
(JSON 1.0, test_sqs_fidelity.py) and the old botocore of the query protocol (its own
virtualenv, test_sqs_fidelity.py runs this file there). Plain Python only: no pytest, no
test-suite imports. `run(make_client, endpoint, prefix, wait)` returns a list of
(check name, got, expected); the caller asserts they are all equal."""

from __future__ import annotations

import json
import time
import urllib.parse
import urllib.request


def _error(fn, **kw):
    try:
        fn(**kw)
    except Exception as e:  # noqa: BLE001 - botocore ClientError, without importing botocore here
        resp = getattr(e, "response", None)
        if resp is None:
            raise
        return [resp["Error"].get("Code"), resp["Error"].get("Message"), resp["ResponseMetadata"]["HTTPStatusCode"]]
    return None


def _bodies(resp):
    return [m["Body"] for m in resp.get("Messages", [])]


def run(make_client, endpoint: str, prefix: str, wait) -> list:
    """`make_client(region)` -> an SQS client; `wait(seconds)` lets time pass."""
    sqs = make_client("us-east-1")
    out = []
    check = lambda name, got, expected: out.append([name, got, expected])  # noqa: E731

    # 1. FIFO: DelaySeconds=0 is accepted (single and batch) and means the queue's delay.
    url = sqs.create_queue(QueueName=f"{prefix}-delay.fifo",
                           Attributes={"FifoQueue": "true", "ContentBasedDeduplication": "true", "DelaySeconds": "1"})["QueueUrl"]
    sqs.send_message(QueueUrl=url, MessageBody="d0", MessageGroupId="g", DelaySeconds=0)
    batch = sqs.send_message_batch(QueueUrl=url, Entries=[{"Id": "a", "MessageBody": "b0", "MessageGroupId": "g", "DelaySeconds": 0}])
    # JSON answers carry `"Failed": []`; XML has no element for an empty list.
    json_protocol = sqs.meta.service_model.protocol == "json"
    check("batch Failed", batch.get("Failed", None if json_protocol else []), [])
    check("delay 0 keeps the queue delay", _bodies(sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10)), [])
    check("non-zero per-message delay refused",
          (_error(sqs.send_message, QueueUrl=url, MessageBody="x", MessageGroupId="g", DelaySeconds=2) or [None])[0],
          "InvalidParameterValue")
    wait(1.2)
    check("delayed messages arrive", _bodies(sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10)), ["d0", "b0"])

    # 3. FIFO groups: waiting groups first, then groups whose visibility ended, in order.
    url = sqs.create_queue(QueueName=f"{prefix}-groups.fifo",
                           Attributes={"FifoQueue": "true", "ContentBasedDeduplication": "true", "VisibilityTimeout": "1"})["QueueUrl"]
    for body, g in [("a1", "g1"), ("a2", "g1"), ("b1", "g2"), ("c1", "g3")]:
        sqs.send_message(QueueUrl=url, MessageBody=body, MessageGroupId=g)
    check("first group", _bodies(sqs.receive_message(QueueUrl=url)), ["a1"])
    check("second group", _bodies(sqs.receive_message(QueueUrl=url)), ["b1"])
    wait(1.2)
    check("waiting group first", _bodies(sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10, VisibilityTimeout=30)),
          ["c1", "a1", "a2", "b1"])

    # 4. Receipt handles, standard queue.
    url = sqs.create_queue(QueueName=f"{prefix}-receipts", Attributes={"VisibilityTimeout": "1"})["QueueUrl"]
    sqs.send_message(QueueUrl=url, MessageBody="m")
    first = sqs.receive_message(QueueUrl=url)["Messages"][0]["ReceiptHandle"]
    wait(1.2)
    check("change after expiry accepted",
          _error(sqs.change_message_visibility, QueueUrl=url, ReceiptHandle=first, VisibilityTimeout=0), None)
    second = sqs.receive_message(QueueUrl=url, VisibilityTimeout=30)["Messages"][0]["ReceiptHandle"]
    sqs.change_message_visibility(QueueUrl=url, ReceiptHandle=first, VisibilityTimeout=0)
    check("old handle made it visible", _bodies(sqs.receive_message(QueueUrl=url, VisibilityTimeout=30)), ["m"])
    sqs.delete_message(QueueUrl=url, ReceiptHandle=second)
    e = _error(sqs.change_message_visibility, QueueUrl=url, ReceiptHandle=second, VisibilityTimeout=0)
    check("change on a deleted message", e and [e[0], e[1].split("Reason: ")[-1], e[2]],
          ["InvalidParameterValue", "Message does not exist or is not available for visibility timeout change.", 400])
    # FIFO: a delete after the visibility timeout fails.
    url = sqs.create_queue(QueueName=f"{prefix}-expired.fifo",
                           Attributes={"FifoQueue": "true", "ContentBasedDeduplication": "true", "VisibilityTimeout": "1"})["QueueUrl"]
    sqs.send_message(QueueUrl=url, MessageBody="m", MessageGroupId="g")
    handle = sqs.receive_message(QueueUrl=url)["Messages"][0]["ReceiptHandle"]
    wait(1.2)
    check("FIFO delete with an expired handle", _error(sqs.delete_message, QueueUrl=url, ReceiptHandle=handle),
          ["InvalidParameterValue", f"Value {handle} for parameter ReceiptHandle is invalid. Reason: The receipt handle has expired.", 400])

    # 5. A FIFO batch entry without a group or a dedup id fails the whole request.
    url = sqs.create_queue(QueueName=f"{prefix}-batch.fifo", Attributes={"FifoQueue": "true"})["QueueUrl"]
    ok = {"Id": "ok", "MessageBody": "x", "MessageGroupId": "g", "MessageDeduplicationId": "d"}
    check("batch entry without dedup id",
          _error(sqs.send_message_batch, QueueUrl=url, Entries=[ok, {"Id": "b", "MessageBody": "x", "MessageGroupId": "g"}]),
          ["InvalidParameterValue", "The queue should either have ContentBasedDeduplication enabled or MessageDeduplicationId provided explicitly", 400])
    check("batch entry without group",
          _error(sqs.send_message_batch, QueueUrl=url, Entries=[ok, {"Id": "b", "MessageBody": "x", "MessageDeduplicationId": "e"}]),
          ["InvalidParameterValue", "The request must contain the parameter MessageGroupId.", 400])
    check("nothing enqueued", _bodies(sqs.receive_message(QueueUrl=url)), [])

    # 6. MessageAttributeNames patterns, Unicode names, empty values.
    url = sqs.create_queue(QueueName=f"{prefix}-attrs")["QueueUrl"]
    attrs = {n: {"DataType": "String", "StringValue": "v"} for n in ["Hello", "Hel.lo", "Other", "attr.1\u00f8\u00df\u00e4"]}
    sqs.send_message(QueueUrl=url, MessageBody="b", MessageAttributes=attrs)
    for pattern, expected in [("Hel.*", ["Hel.lo", "Hello"]), (".*", sorted(attrs)), ("All", sorted(attrs))]:
        m = sqs.receive_message(QueueUrl=url, MessageAttributeNames=[pattern], VisibilityTimeout=0)["Messages"][0]
        check(f"attributes for {pattern}", sorted(m.get("MessageAttributes", {})), expected)
    check("empty attribute value",
          _error(sqs.send_message, QueueUrl=url, MessageBody="b", MessageAttributes={"a": {"DataType": "String", "StringValue": ""}}),
          ["InvalidParameterValue", "Message (user) attribute 'a' must contain a non-empty value of type 'String'.", 400])

    # 7. Queue attribute rules; DeduplicationScope changes take effect. 8. Purge clears dedup.
    check("FifoQueue=false on a standard queue",
          _error(sqs.create_queue, QueueName=f"{prefix}-nofifo", Attributes={"FifoQueue": "false"}),
          ["InvalidAttributeName", "Unknown Attribute FifoQueue.", 400])
    url = sqs.create_queue(QueueName=f"{prefix}-scope.fifo", Attributes={"FifoQueue": "true", "ContentBasedDeduplication": "true"})["QueueUrl"]
    check("FifoQueue=true set again",
          _error(sqs.set_queue_attributes, QueueUrl=url, Attributes={"FifoQueue": "true"}),
          ["InvalidAttributeValue", "Invalid value for the parameter FifoQueue. Reason: Modifying queue type is not supported.", 400])
    a = sqs.send_message(QueueUrl=url, MessageBody="same", MessageGroupId="A")["MessageId"]
    check("per queue dedup", sqs.send_message(QueueUrl=url, MessageBody="same", MessageGroupId="B")["MessageId"], a)
    sqs.set_queue_attributes(QueueUrl=url, Attributes={"DeduplicationScope": "messageGroup", "FifoThroughputLimit": "perMessageGroupId"})
    check("per group dedup after the change",
          sqs.send_message(QueueUrl=url, MessageBody="same", MessageGroupId="B")["MessageId"] != a, True)
    sqs.purge_queue(QueueUrl=url)
    check("purge clears dedup", sqs.send_message(QueueUrl=url, MessageBody="same", MessageGroupId="A")["MessageId"] != a, True)

    # 9. AWSTraceHeader from MessageSystemAttributes.
    url = sqs.create_queue(QueueName=f"{prefix}-trace")["QueueUrl"]
    sqs.send_message(QueueUrl=url, MessageBody="t",
                     MessageSystemAttributes={"AWSTraceHeader": {"DataType": "String", "StringValue": "Root=1-5759e988-bd862e3fe1be46a994272793"}})
    m = sqs.receive_message(QueueUrl=url, AttributeNames=["AWSTraceHeader"])["Messages"][0]
    check("AWSTraceHeader", m["Attributes"].get("AWSTraceHeader"), "Root=1-5759e988-bd862e3fe1be46a994272793")

    # 10. The query protocol over GET (any client: plain HTTP, as a browser or curl sends it).
    q = urllib.parse.urlencode({"Action": "GetQueueUrl", "QueueName": f"{prefix}-trace", "Version": "2012-11-05"})
    with urllib.request.urlopen(f"{endpoint}/?{q}", timeout=30) as r:
        check("GET query", (r.status, url in r.read().decode()), (200, True))

    # 11. Regions: same name, two URLs, each its own queue; policies; permissions; move tasks.
    west = make_client("eu-west-1")
    wurl = west.create_queue(QueueName=f"{prefix}-trace")["QueueUrl"]
    check("URLs differ by region", wurl != url, True)
    west.send_message(QueueUrl=wurl, MessageBody="west")
    check("each URL its queue", _bodies(sqs.receive_message(QueueUrl=wurl)), ["west"])
    check("west URL listed", west.list_queues(QueueNamePrefix=f"{prefix}-trace")["QueueUrls"], [wurl])
    sqs.add_permission(QueueUrl=url, Label="l1", AWSAccountIds=["111122223333"], Actions=["SendMessage"])
    policy = json.loads(sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["Policy"])["Attributes"]["Policy"])
    check("policy version", policy["Version"], "2008-10-17")
    check("label exists",
          _error(sqs.add_permission, QueueUrl=url, Label="l1", AWSAccountIds=["111122223333"], Actions=["SendMessage"]),
          ["InvalidParameterValue", "Value l1 for parameter Label is invalid. Reason: Already exists.", 400])
    check("unknown label", _error(sqs.remove_permission, QueueUrl=url, Label="nope"),
          ["InvalidParameterValue", "Value nope for parameter Label is invalid. Reason: can't find label.", 400])
    e = _error(sqs.cancel_message_move_task, TaskHandle="bm90LWEtdGFzaw==")
    check("cancel move task", e and [e[0], e[2]], ["InvalidParameterValue", 400])
    return out
