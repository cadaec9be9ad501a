"""Malformed, oversized and random requests over raw HTTP: AWS-shaped 4xx answers, never a
5xx, never a crash."""

from __future__ import annotations

import http.client
import json
import random
import socket
import string

import pytest

from conftest import ServerPool

JSON_11 = "application/x-amz-json-1.1"
PREFIX = "Kinesis_20131202."
OPERATIONS = [
    "AddTagsToStream", "CreateStream", "DecreaseStreamRetentionPeriod", "DeleteStream", "DescribeStream",
    "DescribeStreamSummary", "GetRecords", "GetShardIterator", "IncreaseStreamRetentionPeriod", "ListShards",
    "ListStreams", "ListTagsForStream", "PutRecord", "PutRecords", "RemoveTagsFromStream",
]  # fmt: skip
FIELDS = [
    "StreamName", "ShardCount", "Limit", "ExclusiveStartStreamName", "ExclusiveStartShardId", "ShardId",
    "ShardIteratorType", "StartingSequenceNumber", "Timestamp", "ShardIterator", "Data", "PartitionKey",
    "ExplicitHashKey", "SequenceNumberForOrdering", "Records", "Tags", "TagKeys", "ExclusiveStartTagKey",
    "RetentionPeriodHours", "MaxResults", "NextToken", "StreamARN", "StreamModeDetails", "ShardFilter",
    "StreamCreationTimestamp", "EnforceConsumerDeletion",
]  # fmt: skip


class Reply:
    def __init__(self, status: int, headers: dict[str, str], body: bytes):
        self.status, self.headers, self.body = status, headers, body

    @property
    def json(self) -> dict:
        return json.loads(self.body)

    def __repr__(self) -> str:
        return f"<{self.status} {self.body[:300]!r}>"


def request(port: int, method: str = "POST", path: str = "/", body: bytes | str | None = b"{}",
            headers: dict[str, str] | None = None, target: str | None = None, conn=None) -> Reply:  # fmt: skip
    own = conn is None
    conn = conn or http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    h = {"Content-Type": JSON_11} if headers is None else dict(headers)
    if target is not None:
        h["X-Amz-Target"] = target
    if isinstance(body, str):
        body = body.encode()
    try:
        conn.request(method, path, body=body, headers=h)
        r = conn.getresponse()
        return Reply(r.status, {k.lower(): v for k, v in r.getheaders()}, r.read())
    finally:
        if own:
            conn.close()


def kinesis(port: int, op: str, body, **kw) -> Reply:
    if not isinstance(body, (bytes, str)):
        body = json.dumps(body)
    return request(port, body=body, target=PREFIX + op, **kw)


def raw_exchange(port: int, head: bytes, body: bytes = b"", shut_write: bool = False) -> bytes:
    """Sends bytes on a fresh socket and returns whatever comes back until the server closes."""
    s = socket.create_connection(("127.0.0.1", port), timeout=30)
    try:
        try:
            s.sendall(head + body)
            if shut_write:
                s.shutdown(socket.SHUT_WR)
        except OSError:
            pass  # the server may answer (and close) before reading everything
        data = b""
        try:
            for _ in range(10_000):
                chunk = s.recv(65536)
                if not chunk:
                    break
                data += chunk
        except OSError:  # reset, timeout
            pass
        return data
    finally:
        s.close()


def parse_raw(data: bytes) -> Reply:
    head, _, body = data.partition(b"\r\n\r\n")
    lines = head.decode("latin-1").split("\r\n")
    status = int(lines[0].split()[1])
    headers = {}
    for line in lines[1:]:
        k, _, v = line.partition(":")
        headers[k.strip().lower()] = v.strip()
    return Reply(status, headers, body)


def assert_error(reply: Reply, status: int, code: str, message: str | None = None) -> dict:
    assert reply.status == status, reply
    assert reply.headers.get("content-type", "").startswith(JSON_11), reply.headers
    doc = reply.json
    assert doc["__type"] == code, doc
    if message is not None:
        assert doc.get("message", doc.get("Message")) == message, doc
    return doc


def assert_healthy(server) -> None:
    assert server.alive(), f"kinesin died: {server.log_tail()}"
    assert server.health()["status"] == "ok"
    r = kinesis(server.port, "ListStreams", {})
    assert r.status == 200, r
    assert "StreamNames" in r.json


@pytest.fixture(scope="module")
def port(kinesin_server) -> int:
    return kinesin_server.port


@pytest.fixture(scope="module")
def small_server(tmp_path_factory):
    pool = ServerPool(tmp_path_factory.mktemp("small-logs"))
    server = pool.start("--max-body-bytes", "1048576")
    yield server
    pool.close()


# ------------------------------------------------------------------ JSON and types


def test_invalid_json_is_serialization_exception(port):
    for body in ("{bad", "{", '{"StreamName": "a"', "[1, 2", "nul", '{"a":1}}', "\x00\x01"):
        assert_error(kinesis(port, "ListStreams", body), 400, "SerializationException")


def test_empty_body_with_valid_target(port):
    assert_error(kinesis(port, "DescribeStream", b""), 400, "SerializationException")


def test_wrong_types_are_serialization_exception(port, kinesin_server):
    r = kinesis(port, "CreateStream", {"StreamName": "typed", "ShardCount": "x"})
    assert_error(r, 400, "SerializationException", "class java.lang.String can not be converted to an Integer")
    r = kinesis(port, "CreateStream", {"StreamName": 5, "ShardCount": 1})
    doc = assert_error(r, 400, "SerializationException")
    assert doc.get("message", doc.get("Message")).endswith("can not be converted to an String")
    r = kinesis(port, "CreateStream", {"StreamName": ["a"], "ShardCount": 1})
    assert_error(r, 400, "SerializationException", "Start of list found where not expected")
    r = kinesis(port, "CreateStream", {"StreamName": {"a": 1}, "ShardCount": 1})
    assert_error(r, 400, "SerializationException", "Start of structure or map found where not expected.")
    r = kinesis(port, "CreateStream", {"StreamName": "typed", "ShardCount": True})
    assert_error(r, 400, "SerializationException", "class java.lang.Boolean can not be converted to an Integer")
    r = kinesis(port, "PutRecords", {"StreamName": "typed", "Records": "abc"})
    assert_error(r, 400, "SerializationException", "Expected list or null")
    r = kinesis(port, "AddTagsToStream", {"StreamName": "typed", "Tags": ["a"]})
    assert_error(r, 400, "SerializationException", "Start of list found where not expected")
    r = kinesis(port, "PutRecord", {"StreamName": "typed", "PartitionKey": "k", "Data": "abc"})
    assert_error(
        r, 400, "SerializationException",
        "'abc' can not be converted to a Blob: Base64 encoded length is expected a multiple of 4 bytes but found: 3",
    )  # fmt: skip
    # none of them created the stream
    assert "typed" not in kinesis(port, "ListStreams", {}).json["StreamNames"]
    assert_healthy(kinesin_server)


def test_serialization_exception_uses_capital_message_key(port):
    doc = kinesis(port, "CreateStream", {"StreamName": "typed", "ShardCount": "x"}).json
    assert doc == {
        "__type": "SerializationException",
        "Message": "class java.lang.String can not be converted to an Integer",
    }


# ------------------------------------------------------------------ validation


def test_validation_message_format(port):
    r = kinesis(port, "CreateStream", {"StreamName": "bad name!", "ShardCount": 1})
    doc = assert_error(r, 400, "ValidationException")
    assert doc == {
        "__type": "ValidationException",
        "message": "1 validation error detected: Value 'bad name!' at 'streamName' failed to satisfy constraint: "
        "Member must satisfy regular expression pattern: [a-zA-Z0-9_.-]+",
    }
    r = kinesis(port, "CreateStream", {"StreamName": "bad name!", "ShardCount": 0})
    assert_error(
        r, 400, "ValidationException",
        "2 validation errors detected: "
        "Value '0' at 'shardCount' failed to satisfy constraint: Member must have value greater than or equal to 1; "
        "Value 'bad name!' at 'streamName' failed to satisfy constraint: "
        "Member must satisfy regular expression pattern: [a-zA-Z0-9_.-]+",
    )  # fmt: skip
    r = kinesis(port, "PutRecord", {"StreamName": "s", "Data": "AAAA"})
    assert_error(
        r, 400, "ValidationException",
        "1 validation error detected: Value null at 'partitionKey' failed to satisfy constraint: Member must not be null",
    )  # fmt: skip
    r = kinesis(port, "PutRecords", {"StreamName": "s", "Records": []})
    assert_error(
        r, 400, "ValidationException",
        "1 validation error detected: Value '[]' at 'records' failed to satisfy constraint: "
        "Member must have length greater than or equal to 1",
    )  # fmt: skip


@pytest.mark.xfail(
    reason="AWS lists the iterator types as [AFTER_SEQUENCE_NUMBER, LATEST, AT_TIMESTAMP, AT_SEQUENCE_NUMBER, "
    "TRIM_HORIZON] (kinesalite test run against AWS); kinesin uses the model order "
    "[AT_SEQUENCE_NUMBER, AFTER_SEQUENCE_NUMBER, TRIM_HORIZON, LATEST, AT_TIMESTAMP]",
    strict=True,
)
def test_validation_enum_order_matches_aws(port):
    r = kinesis(port, "GetShardIterator", {"StreamName": "s", "ShardId": "shardId-000000000000", "ShardIteratorType": "NOPE"})
    assert_error(
        r, 400, "ValidationException",
        "1 validation error detected: Value 'NOPE' at 'shardIteratorType' failed to satisfy constraint: "
        "Member must satisfy enum value set: [AFTER_SEQUENCE_NUMBER, LATEST, AT_TIMESTAMP, AT_SEQUENCE_NUMBER, TRIM_HORIZON]",
    )  # fmt: skip


# ------------------------------------------------------------------ routing


def test_missing_target(port):
    r = request(port, body=b"{}")  # JSON content type, no X-Amz-Target
    assert r.status == 400, r
    assert r.json["__type"] == "UnknownOperationException"
    r = request(port, body=b"{}", headers={})  # no content type either
    assert r.status == 403, r
    assert b"Unable to determine service/operation name to be authorized" in r.body


def test_unknown_operation(port):
    r = kinesis(port, "Nope", {})
    assert_error(r, 400, "UnknownOperationException")
    r = kinesis(port, "ListStream", {})
    assert_error(r, 400, "UnknownOperationException")


def test_unknown_service_prefix(port):
    for target in ("DynamoDB_20120810.ListTables", "Kinesis_20991231.ListStreams", "Firehose_20150804.ListStreams"):
        r = request(port, body=b"{}", target=target)
        assert 400 <= r.status < 500, (target, r)
        assert b"UnknownOperationException" in r.body or b"AccessDeniedException" in r.body, (target, r)


def test_unknown_operation_has_no_message_key(port):
    assert kinesis(port, "Nope", {}).json == {"__type": "UnknownOperationException"}


def test_get_root_and_other_methods(port, kinesin_server):
    r = request(port, method="GET", path="/", body=None, headers={})
    assert r.status == 403, r
    assert b"MissingAuthenticationTokenException" in r.body
    for method, path in (("GET", "/nope"), ("PUT", "/"), ("PATCH", "/"), ("GET", "/_kinesin/clock")):
        r = request(port, method=method, path=path, body=b"", headers={})
        assert 400 <= r.status < 500, (method, path, r)
    # time travel is off unless asked for
    r = request(port, path="/_kinesin/clock?advance_ms=1000", body=b"", headers={})
    assert r.status == 403, r
    assert_healthy(kinesin_server)


def test_errors_keep_the_connection_usable(port):
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    try:
        for body in ("{bad", '{"StreamName": 5}', "{}"):
            r = request(port, body=body, target=PREFIX + "DescribeStream", conn=conn)
            assert r.status == 400, r
        r = request(port, body="{}", target=PREFIX + "ListStreams", conn=conn)
        assert r.status == 200, r
    finally:
        conn.close()


# ------------------------------------------------------------------ body size and framing


def post_head(port: int, length: int | None, target: str = PREFIX + "ListStreams", chunked: bool = False) -> bytes:
    lines = [
        "POST / HTTP/1.1",
        f"Host: 127.0.0.1:{port}",
        f"Content-Type: {JSON_11}",
        f"X-Amz-Target: {target}",
        "Connection: close",
    ]
    if chunked:
        lines.append("Transfer-Encoding: chunked")
    if length is not None:
        lines.append(f"Content-Length: {length}")
    return ("\r\n".join(lines) + "\r\n\r\n").encode()


def assert_too_large(reply: Reply) -> None:
    assert reply.status == 413, reply
    doc = json.loads(reply.body)
    assert isinstance(doc.get("__type"), str) and doc["__type"], doc


def test_body_over_limit_is_413(small_server):
    port = small_server.port
    big = json.dumps({"StreamName": "s", "PartitionKey": "k", "Data": "A" * (2 * 1024 * 1024)}).encode()
    got = None
    for _ in range(3):  # an early answer can be lost to a reset while the body is still being sent
        data = raw_exchange(port, post_head(port, len(big), PREFIX + "PutRecord"), big)
        if data:
            got = parse_raw(data)
            break
    assert got is not None, "no answer to a 2 MiB body"
    assert_too_large(got)
    assert_healthy(small_server)

    # through http.client as well
    try:
        r = kinesis(port, "PutRecord", big)
        assert_too_large(r)
    except (BrokenPipeError, ConnectionResetError):
        pass
    assert_healthy(small_server)


def test_lying_content_length_is_413(small_server):
    port = small_server.port
    data = raw_exchange(port, post_head(port, 10**12), b"{}", shut_write=True)
    assert_too_large(parse_raw(data))
    data = raw_exchange(port, post_head(port, 2**64 + 5), b"{}", shut_write=True)
    if data:  # unparseable Content-Length: 400 from the HTTP layer, or 413
        assert parse_raw(data).status in (400, 413)
    assert_healthy(small_server)


def test_chunked_body_over_limit_is_413(small_server):
    port = small_server.port
    piece = b"A" * 65536
    body = b"".join(b"%x\r\n" % len(piece) + piece + b"\r\n" for _ in range(40)) + b"0\r\n\r\n"
    data = raw_exchange(port, post_head(port, None, chunked=True), body)
    assert data, "no answer to an oversized chunked body"
    assert_too_large(parse_raw(data))
    assert_healthy(small_server)


def test_body_just_under_limit_is_accepted(small_server):
    port = small_server.port
    body = json.dumps({"Limit": 1, "Pad": "x" * (1048576 - 100)}).encode()
    assert len(body) <= 1048576
    r = kinesis(port, "ListStreams", body)
    assert r.status == 200, r


def test_truncated_body(port, kinesin_server):
    data = raw_exchange(port, post_head(port, 100), b'{"Limit":', shut_write=True)
    if data:
        r = parse_raw(data)
        assert 400 <= r.status < 500, r
    # a body cut short by the client closing the connection entirely
    s = socket.create_connection(("127.0.0.1", port), timeout=30)
    s.sendall(post_head(port, 5000) + b'{"StreamName": "tru')
    s.close()
    # a complete but truncated JSON document
    assert_error(kinesis(port, "CreateStream", '{"StreamName": "tru'), 400, "SerializationException")
    assert_healthy(kinesin_server)


def test_garbage_http(port, kinesin_server):
    for junk in (b"\x00\x01\x02\x03\r\n\r\n", b"GARBAGE / HTTP/9.9\r\n\r\n", b"POST / HTTP/1.1\r\nBad Header\r\n\r\n"):
        raw_exchange(port, junk, shut_write=True)
    assert_healthy(kinesin_server)


# ------------------------------------------------------------------ random input


def random_value(rng: random.Random, depth: int = 0):
    kind = rng.randrange(12 if depth < 2 else 8)
    if kind == 0:
        return None
    if kind == 1:
        return rng.choice([True, False])
    if kind == 2:
        return rng.choice([0, -1, 1, 2, 24, 48, 8760, 8761, 10**6, 2**31, 2**63, -(2**63), 2**128, 10**40])
    if kind == 3:
        return rng.uniform(-1e6, 1e6)
    if kind == 4:
        return "".join(rng.choice(string.printable) for _ in range(rng.randrange(0, 40)))
    if kind == 5:
        return rng.choice(["", "a", "s1", "shardId-000000000000", "TRIM_HORIZON", "LATEST", "AT_SEQUENCE_NUMBER",
                           "AAAA", "=", "é\u2603\U0001f600", "x" * 300, "0", "49" + "1" * 54])  # fmt: skip
    if kind == 6:
        return "".join(chr(rng.randrange(1, 0x3000)) for _ in range(rng.randrange(1, 20)))
    if kind == 7:
        return rng.randrange(-5, 600)
    if kind in (8, 9):
        return [random_value(rng, depth + 1) for _ in range(rng.randrange(0, 4))]
    return {rng.choice(FIELDS + ["k", ""]): random_value(rng, depth + 1) for _ in range(rng.randrange(0, 4))}


def random_request(rng: random.Random) -> tuple[dict[str, str], bytes]:
    headers = {"Content-Type": rng.choice([JSON_11, JSON_11, JSON_11, "application/json", "text/plain", "application/x-amz-cbor-1.1"])}
    roll = rng.random()
    if roll < 0.8:
        headers["X-Amz-Target"] = PREFIX + rng.choice(OPERATIONS)
    elif roll < 0.9:
        headers["X-Amz-Target"] = rng.choice(["Kinesis_20131202.", ".", "Kinesis_20131202.Nope", "x" * 200, "Kinesis_20131202"])
    kind = rng.random()
    if kind < 0.6:  # JSON object with real field names and random values
        doc = {rng.choice(FIELDS): random_value(rng) for _ in range(rng.randrange(0, 6))}
        body = json.dumps(doc).encode()
    elif kind < 0.75:  # random bytes
        body = bytes(rng.randrange(256) for _ in range(rng.randrange(0, 200)))
    elif kind < 0.9:  # random JSON value of any type
        body = json.dumps(random_value(rng)).encode()
    else:  # a valid-looking document cut at a random point
        text = json.dumps({"StreamName": "fz", "Records": [{"Data": "AAAA", "PartitionKey": "k"}] * 3})
        body = text[: rng.randrange(len(text))].encode()
    return headers, body


def test_random_garbage_never_crashes(start_kinesin):
    server = start_kinesin()
    rng = random.Random(1337)
    conn = http.client.HTTPConnection("127.0.0.1", server.port, timeout=30)
    statuses: dict[int, int] = {}
    try:
        for i in range(400):
            headers, body = random_request(rng)
            try:
                conn.request("POST", "/", body=body, headers=headers)
                r = conn.getresponse()
                payload = r.read()
                status = r.status
            except (http.client.HTTPException, ConnectionError) as e:
                assert server.alive(), f"request {i} killed kinesin ({e!r}): {headers} {body[:200]!r}\n{server.log_tail()}"
                conn.close()
                conn = http.client.HTTPConnection("127.0.0.1", server.port, timeout=30)
                continue
            statuses[status] = statuses.get(status, 0) + 1
            assert status < 500, f"request {i}: {status} {payload[:300]!r} for {headers} {body[:300]!r}"
            if status >= 400 and "json" in (r.getheader("Content-Type") or ""):
                assert json.loads(payload).get("__type"), payload
            if i % 50 == 0:
                assert server.alive(), server.log_tail()
    finally:
        conn.close()
    assert server.alive(), server.log_tail()
    print("fuzz statuses", statuses)
    assert statuses.get(400, 0) > 100, statuses  # the generator does reach the server's error paths
    assert_healthy(server)
