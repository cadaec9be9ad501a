"""Bad SQS input and the errors AWS answers, shared by the current boto3 (JSON 1.0) tests and the
old botocore (query protocol) script, which imports this file from its own virtualenv: plain
Python only, no pytest, no test-suite imports.

Each case: (name, operation, queue, arguments, error code, error message or None). `queue` is
"small" (a standard queue with MaximumMessageSize=1024), "big" (a standard queue, default
1 MiB) or "fifo"; the runner fills in QueueUrl. Codes are the legacy (query) codes both
protocols report (the JSON protocol through x-amzn-query-error)."""

from __future__ import annotations

BAD_CHARS = ("Invalid characters found. Valid unicode characters are #x9 | #xA | #xD | #x20 to #xD7FF | "
             "#xE000 to #xFFFD | #x10000 to #x10FFFF")
BAD_ID = ("A batch entry id can only contain alphanumeric characters, hyphens and underscores. "
          "It can be at most 80 letters long.")


def _attr_name(name: str) -> str:
    return (f"Message (user) attribute name '{name}' is invalid: it can contain alphanumeric characters, hyphens, "
            "underscores and periods, may not start or end with a period or have consecutive periods, may not "
            "start with 'AWS.' or 'Amazon.' and is 1 to 256 characters long.")


def _s(value: str, data_type: str = "String") -> dict:
    return {"DataType": data_type, "StringValue": value}


def _entries(n: int, size: int = 1, ids=None) -> list:
    ids = ids or [f"e{i}" for i in range(n)]
    return [{"Id": i, "MessageBody": "x" * size} for i in ids]


TOO_BIG = "One or more parameters are invalid. Reason: Message must be shorter than 1024 bytes."

CASES = [
    # Size: body plus attribute names, types and values, against MaximumMessageSize.
    ("body over MaximumMessageSize", "send_message", "small", {"MessageBody": "x" * 1025},
     "InvalidParameterValue", TOO_BIG),
    ("attributes count toward the size", "send_message", "small",
     {"MessageBody": "x" * 1016, "MessageAttributes": {"k": _s("vv")}},  # 1016 + 1 + 6 + 2 = 1025
     "InvalidParameterValue", TOO_BIG),
    ("body over the default 1 MiB", "send_message", "big", {"MessageBody": "x" * (1_048_576 + 1)},
     "InvalidParameterValue",
     "One or more parameters are invalid. Reason: Message must be shorter than 1048576 bytes."),
    # Bodies.
    ("control character in the body", "send_message", "small", {"MessageBody": "a\x01b"},
     "InvalidMessageContents", BAD_CHARS),
    ("U+FFFE in the body", "send_message", "small", {"MessageBody": "a\ufffeb"},
     "InvalidMessageContents", BAD_CHARS),
    ("empty body", "send_message", "small", {"MessageBody": ""},
     "MissingParameter", "The request must contain the parameter MessageBody."),
    # Message attributes.
    ("attribute name with a space", "send_message", "small",
     {"MessageBody": "x", "MessageAttributes": {"a b": _s("v")}}, "InvalidParameterValue", _attr_name("a b")),
    ("attribute name with the AWS. prefix", "send_message", "small",
     {"MessageBody": "x", "MessageAttributes": {"AWS.x": _s("v")}}, "InvalidParameterValue", _attr_name("AWS.x")),
    ("attribute name with the amazon. prefix", "send_message", "small",
     {"MessageBody": "x", "MessageAttributes": {"amazon.x": _s("v")}}, "InvalidParameterValue",
     _attr_name("amazon.x")),
    ("attribute name starting with a period", "send_message", "small",
     {"MessageBody": "x", "MessageAttributes": {".x": _s("v")}}, "InvalidParameterValue", _attr_name(".x")),
    ("attribute name with consecutive periods", "send_message", "small",
     {"MessageBody": "x", "MessageAttributes": {"a..b": _s("v")}}, "InvalidParameterValue", _attr_name("a..b")),
    ("11 attributes", "send_message", "small",
     {"MessageBody": "x", "MessageAttributes": {f"a{i}": _s("v") for i in range(11)}},
     "InvalidParameterValue", "Number of message attributes [11] exceeds the allowed maximum [10]."),
    ("unknown DataType", "send_message", "small",
     {"MessageBody": "x", "MessageAttributes": {"a": _s("v", "Strin")}}, "InvalidParameterValue",
     "The type of message (user) attribute 'a' is invalid. You must use only the following supported type "
     "prefixes: Binary, Number, String."),
    ("empty DataType", "send_message", "small",
     {"MessageBody": "x", "MessageAttributes": {"a": _s("v", "")}}, "InvalidParameterValue",
     "The message attribute 'a' must contain non-empty message attribute type."),
    ("empty String value", "send_message", "small",
     {"MessageBody": "x", "MessageAttributes": {"a": _s("")}}, "InvalidParameterValue",
     "Message (user) attribute 'a' must contain a non-empty value of type 'String'."),
    ("String type with a BinaryValue", "send_message", "small",
     {"MessageBody": "x", "MessageAttributes": {"a": {"DataType": "String", "BinaryValue": b"\x01"}}},
     "InvalidParameterValue", "The message attribute 'a' with type 'String' must use field 'String'."),
    ("Binary type with a StringValue", "send_message", "small",
     {"MessageBody": "x", "MessageAttributes": {"a": {"DataType": "Binary", "StringValue": "v"}}},
     "InvalidParameterValue", "The message attribute 'a' with type 'Binary' must use field 'Binary'."),
    ("Number that is not a number", "send_message", "small",
     {"MessageBody": "x", "MessageAttributes": {"a": _s("abc", "Number")}}, "InvalidParameterValue",
     "Can't cast the value of message (user) attribute 'a' to a number."),
    ("control character in a String value", "send_message", "small",
     {"MessageBody": "x", "MessageAttributes": {"a": _s("\x01")}}, "InvalidParameterValue",
     f"Message (user) attribute 'a' value contains invalid characters: {BAD_CHARS}"),
    # Batches.
    ("batch of 11", "send_message_batch", "small", {"Entries": _entries(11)},
     "AWS.SimpleQueueService.TooManyEntriesInBatchRequest",
     "Maximum number of entries per request are 10. You have sent 11."),
    ("repeated batch entry id", "send_message_batch", "small", {"Entries": _entries(2, ids=["a", "a"])},
     "AWS.SimpleQueueService.BatchEntryIdsNotDistinct", "Id a repeated."),
    ("batch entry id with a period", "send_message_batch", "small", {"Entries": _entries(1, ids=["a.b"])},
     "AWS.SimpleQueueService.InvalidBatchEntryId", BAD_ID),
    ("batch entry id of 81 characters", "send_message_batch", "small", {"Entries": _entries(1, ids=["a" * 81])},
     "AWS.SimpleQueueService.InvalidBatchEntryId", BAD_ID),
    ("batch over 1 MiB in total", "send_message_batch", "big", {"Entries": _entries(9, size=120_000)},
     "AWS.SimpleQueueService.BatchRequestTooLong",
     "Batch requests cannot be longer than 1048576 bytes. You have sent 1080000 bytes."),
    ("repeated id in DeleteMessageBatch", "delete_message_batch", "small",
     {"Entries": [{"Id": "a", "ReceiptHandle": "x"}, {"Id": "a", "ReceiptHandle": "y"}]},
     "AWS.SimpleQueueService.BatchEntryIdsNotDistinct", "Id a repeated."),
    ("11 entries in ChangeMessageVisibilityBatch", "change_message_visibility_batch", "small",
     {"Entries": [{"Id": f"e{i}", "ReceiptHandle": "x", "VisibilityTimeout": 1} for i in range(11)]},
     "AWS.SimpleQueueService.TooManyEntriesInBatchRequest",
     "Maximum number of entries per request are 10. You have sent 11."),
]


def make_queues(client, prefix: str) -> dict:
    """The queues the cases name."""
    return {
        "small": client.create_queue(QueueName=f"{prefix}-small", Attributes={"MaximumMessageSize": "1024"})["QueueUrl"],
        "big": client.create_queue(QueueName=f"{prefix}-big")["QueueUrl"],
        "fifo": client.create_queue(QueueName=f"{prefix}.fifo", Attributes={"FifoQueue": "true"})["QueueUrl"],
    }


def run_cases(client, urls: dict) -> list:
    """Runs every case; returns [name, code, message, status] per case (code None if it passed)."""
    out = []
    for name, op, queue, args, _code, _message in CASES:
        try:
            getattr(client, op)(QueueUrl=urls[queue], **args)
            out.append([name, None, None, 200])
        except Exception as e:  # noqa: BLE001 - botocore ClientError, without importing botocore here
            resp = getattr(e, "response", None)
            if resp is None:
                out.append([name, "client-side " + type(e).__name__, str(e)[:300], None])
                continue
            err = resp.get("Error", {})
            out.append([name, err.get("Code"), err.get("Message"), resp.get("ResponseMetadata", {}).get("HTTPStatusCode")])
    return out


def mismatches(results: list) -> list:
    """The cases whose answer differs from the expected code and message (status must be 400)."""
    wrong = []
    for (name, _op, _queue, _args, code, message), (rname, rcode, rmessage, status) in zip(CASES, results):
        assert name == rname
        if rcode != code or (message is not None and rmessage != message) or status != 400:
            wrong.append({"case": name, "expected": [code, message], "got": [rcode, rmessage, status]})
    return wrong
