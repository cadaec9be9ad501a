"""AWS CBOR 1.1 and the SubscribeToShard event stream over raw HTTP/1.1: a valid CBOR round
trip, then malformed CBOR bodies (truncated, wrong types, unclosed indefinite lengths, huge
declared lengths, deep nesting, random bytes) that must each get a 400 with a CBOR
SerializationException/ValidationException body, never a 5xx, and a server that stays up; then
event-stream framing (CRCs), freeing a subscription slot when the client goes away, and JSON
errors for malformed subscriptions. A tiny CBOR encoder/decoder lives here (no new packages)."""

from __future__ import annotations

import http.client
import json
import random
import socket
import struct
import time
import zlib

import pytest

from conftest import unique_name

CBOR_11 = "application/x-amz-cbor-1.1"
JSON_11 = "application/x-amz-json-1.1"
EVENTSTREAM = "application/vnd.amazon.eventstream"
PREFIX = "Kinesis_20131202."
MALFORMED = {"SerializationException"}
MODEL_BREAKING = {"SerializationException", "ValidationException"}


# ------------------------------------------------------------------ a tiny CBOR codec


class Tag:
    def __init__(self, tag: int, value):
        self.tag, self.value = tag, value

    def __eq__(self, other) -> bool:
        return isinstance(other, Tag) and (self.tag, self.value) == (other.tag, other.value)

    def __repr__(self) -> str:
        return f"Tag({self.tag}, {self.value!r})"


def _head(major: int, n: int) -> bytes:
    if n < 24:
        return bytes([major << 5 | n])
    for ai, fmt in ((24, ">B"), (25, ">H"), (26, ">I"), (27, ">Q")):
        if n < 1 << (8 * struct.calcsize(fmt)):
            return bytes([major << 5 | ai]) + struct.pack(fmt, n)
    raise ValueError(n)


def enc(v) -> bytes:
    if v is None:
        return b"\xf6"
    if v is True:
        return b"\xf5"
    if v is False:
        return b"\xf4"
    if isinstance(v, Tag):
        return _head(6, v.tag) + enc(v.value)
    if isinstance(v, int):
        return _head(0, v) if v >= 0 else _head(1, -1 - v)
    if isinstance(v, float):
        return b"\xfb" + struct.pack(">d", v)
    if isinstance(v, (bytes, bytearray)):
        return _head(2, len(v)) + bytes(v)
    if isinstance(v, str):
        b = v.encode()
        return _head(3, len(b)) + b
    if isinstance(v, (list, tuple)):
        return _head(4, len(v)) + b"".join(enc(x) for x in v)
    if isinstance(v, dict):
        return _head(5, len(v)) + b"".join(enc(k) + enc(x) for k, x in v.items())
    raise TypeError(type(v))


class CborError(ValueError):
    pass


def dec(data: bytes):
    """Decodes exactly one CBOR item (definite and indefinite lengths, tags kept as Tag)."""
    value, end = _dec(data, 0, 0)
    if end != len(data):
        raise CborError(f"{len(data) - end} trailing bytes")
    return value


def _need(data: bytes, at: int, n: int) -> None:
    if at + n > len(data):
        raise CborError("truncated")


def _dec(data: bytes, at: int, depth: int):
    if depth > 200:
        raise CborError("too deep")
    _need(data, at, 1)
    ib = data[at]
    major, ai = ib >> 5, ib & 31
    at += 1
    if major == 7:
        if ai == 20:
            return False, at
        if ai == 21:
            return True, at
        if ai in (22, 23):
            return None, at
        for a, fmt in ((25, ">e"), (26, ">f"), (27, ">d")):
            if ai == a:
                n = struct.calcsize(fmt)
                _need(data, at, n)
                return struct.unpack(fmt, data[at : at + n])[0], at + n
        if ai == 31:
            return _BREAK, at
        raise CborError(f"simple value {ai}")
    if ai < 24:
        n = ai
    elif ai in (24, 25, 26, 27):
        size = 1 << (ai - 24)
        _need(data, at, size)
        n = int.from_bytes(data[at : at + size], "big")
        at += size
    elif ai == 31 and major in (2, 3, 4, 5):
        n = None
    else:
        raise CborError(f"additional info {ai} for major type {major}")
    if major == 0:
        return n, at
    if major == 1:
        return -1 - n, at
    if major in (2, 3):
        if n is None:
            chunks = []
            while True:
                c, at = _dec(data, at, depth + 1)
                if c is _BREAK:
                    break
                chunks.append(c)
            joined = b"".join(c if isinstance(c, bytes) else c.encode() for c in chunks)
            return (joined if major == 2 else joined.decode()), at
        _need(data, at, n)
        raw = data[at : at + n]
        return (bytes(raw) if major == 2 else raw.decode()), at + n
    if major == 4:
        out = []
        while n is None or len(out) < n:
            v, at = _dec(data, at, depth + 1)
            if v is _BREAK:
                if n is None:
                    break
                raise CborError("break in a definite array")
            out.append(v)
        return out, at
    if major == 5:
        out = {}
        while n is None or len(out) < n:
            k, at = _dec(data, at, depth + 1)
            if k is _BREAK:
                if n is None:
                    break
                raise CborError("break in a definite map")
            v, at = _dec(data, at, depth + 1)
            out[k] = v
        return out, at
    if major == 6:
        v, at = _dec(data, at, depth + 1)
        return Tag(n, v), at
    raise CborError(f"major type {major}")


_BREAK = object()


def test_codec_self_check():
    doc = {"a": [1, -2, b"\x00\xff", "t\u00e9", None, True, 1.5, Tag(1, 1700000000000)], "b": {}}
    assert dec(enc(doc)) == doc
    assert enc(1700000000000) == b"\x1b" + (1700000000000).to_bytes(8, "big")
    assert dec(b"\x5f\x41a\x42bc\xff") == b"abc"  # indefinite byte string
    assert dec(b"\xbf\x61k\x9f\x01\xff\xff") == {"k": [1]}
    with pytest.raises(CborError):
        dec(b"\xa1\x61k")


# ------------------------------------------------------------------ raw HTTP


class Reply:
    def __init__(self, status: int, headers: dict[str, str], body: bytes):
        self.status, self.headers, self.body = status, headers, body

    def __repr__(self) -> str:
        return f"<{self.status} {self.headers.get('content-type')} {self.body[:300]!r}>"


class Client:
    """One keep-alive HTTP/1.1 connection (reopened when the server closes it)."""

    def __init__(self, port: int):
        self.port = port
        self.conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)

    def call(self, op: str, body: bytes, content_type: str = CBOR_11) -> Reply:
        headers = {"Content-Type": content_type, "X-Amz-Target": PREFIX + op}
        for attempt in range(2):
            try:
                self.conn.request("POST", "/", body=body, headers=headers)
                r = self.conn.getresponse()
                out = Reply(r.status, {k.lower(): v for k, v in r.getheaders()}, r.read())
                if r.will_close:
                    self.conn.close()
                return out
            except (ConnectionError, http.client.RemoteDisconnected, http.client.BadStatusLine):
                self.conn.close()
                if attempt:
                    raise
        raise AssertionError("unreachable")

    def cbor(self, op: str, doc) -> tuple[Reply, object]:
        r = self.call(op, enc(doc))
        assert r.headers.get("content-type", "").lower() == CBOR_11, r
        return r, dec(r.body)

    def close(self) -> None:
        self.conn.close()


@pytest.fixture(scope="module")
def client(kinesin_server):
    c = Client(kinesin_server.port)
    yield c
    c.close()


def assert_cbor_error(r: Reply, codes: set[str], what: str = "") -> dict:
    assert r.status == 400, f"{what}: {r}"
    assert r.headers.get("content-type", "").lower() == CBOR_11, f"{what}: {r}"
    doc = dec(r.body)
    assert isinstance(doc, dict), f"{what}: {doc!r}"
    assert doc.get("__type") in codes, f"{what}: {doc!r}"
    assert isinstance(doc.get("message"), str), f"{what}: {doc!r}"
    assert r.headers.get("x-amzn-errortype") == doc["__type"], f"{what}: {r.headers}"
    return doc


def assert_alive(server) -> None:
    assert server.alive(), f"kinesin died: {server.log_tail()}"
    assert server.health()["status"] == "ok"


def wait_active_cbor(client: Client, name: str) -> dict:
    deadline = time.time() + 30
    while time.time() < deadline:
        r, doc = client.cbor("DescribeStreamSummary", {"StreamName": name})
        assert r.status == 200, r
        s = doc["StreamDescriptionSummary"]
        if s["StreamStatus"] == "ACTIVE":
            return s
        time.sleep(0.05)
    raise AssertionError(f"{name} never became ACTIVE")


@pytest.fixture(scope="module")
def stream(client) -> str:
    name = unique_name("cbor")
    r, doc = client.cbor("CreateStream", {"StreamName": name, "ShardCount": 1})
    assert r.status == 200, r
    wait_active_cbor(client, name)
    return name


def put_body(stream: str) -> bytes:
    return enc({"StreamName": stream, "Data": bytes(range(40)), "PartitionKey": "pk"})


# ------------------------------------------------------------------ the valid round trip


def test_cbor_round_trip(client, stream):
    summary = wait_active_cbor(client, stream)
    created = summary["StreamCreationTimestamp"]
    assert isinstance(created, Tag) and created.tag == 1 and isinstance(created.value, int), created
    assert abs(created.value - time.time() * 1000) < 120_000, f"StreamCreationTimestamp {created.value} is not epoch ms"

    data = bytes(range(256)) * 3
    before_ms = int(time.time() * 1000) - 2000
    r, put = client.cbor("PutRecord", {"StreamName": stream, "Data": data, "PartitionKey": "round-trip"})
    assert r.status == 200, r
    assert put["ShardId"] == "shardId-000000000000"
    assert isinstance(put["SequenceNumber"], str) and put["SequenceNumber"].isdigit()

    # AT_TIMESTAMP with the SDK's encoding of a timestamp: tag 1 + integer epoch milliseconds.
    r, it = client.cbor(
        "GetShardIterator",
        {"StreamName": stream, "ShardId": "shardId-000000000000", "ShardIteratorType": "AT_TIMESTAMP",
         "Timestamp": Tag(1, before_ms)},
    )  # fmt: skip
    assert r.status == 200, r
    r, got = client.cbor("GetRecords", {"ShardIterator": it["ShardIterator"], "Limit": 100})
    assert r.status == 200, r
    records = [x for x in got["Records"] if x["PartitionKey"] == "round-trip"]
    assert len(records) == 1, got
    rec = records[0]
    assert isinstance(rec["Data"], bytes), f"Data is not a CBOR byte string: {rec['Data']!r}"
    assert rec["Data"] == data
    assert rec["SequenceNumber"] == put["SequenceNumber"]
    ts = rec["ApproximateArrivalTimestamp"]
    assert isinstance(ts, Tag) and ts.tag == 1, f"ApproximateArrivalTimestamp is not tag 1: {ts!r}"
    assert isinstance(ts.value, int) and not isinstance(ts.value, bool), f"not an integer: {ts.value!r}"
    assert before_ms <= ts.value <= time.time() * 1000 + 2000, f"{ts.value} is not epoch milliseconds of now"
    assert isinstance(got["MillisBehindLatest"], int)
    # The raw bytes: the 768-byte blob as major type 2 with a 2-byte length (0x59 0x0300).
    assert b"\x64Data\x59\x03\x00" + data in r.body

    # An operation without output answers an empty CBOR map.
    r = client.call("AddTagsToStream", enc({"StreamName": stream, "Tags": {"k": "v"}}))
    assert r.status == 200 and r.body == b"\xa0", r


# ------------------------------------------------------------------ malformed CBOR


def test_every_truncation_of_a_put_record_body(client, stream, kinesin_server):
    body = put_body(stream)
    assert client.call("PutRecord", body).status == 200
    for n in range(1, len(body)):
        assert_cbor_error(client.call("PutRecord", body[:n]), MALFORMED, f"truncated at {n} of {len(body)}")
    assert_alive(kinesin_server)


def test_wrong_major_types(client, stream, kinesin_server):
    cases = {
        "top-level array": enc([stream, b"x", "pk"]),
        "top-level integer": enc(7),
        "top-level text": enc("StreamName"),
        "top-level byte string": enc(b"{}"),
        "top-level tag": enc(Tag(1, 5)),
        "top-level null": b"\xf6",
        "integer map key": b"\xa1\x01" + enc(stream),
        "byte string map key": b"\xa1\x4aStreamName" + enc(stream),
        "array map key": b"\xa1\x80" + enc(stream),
        "byte string for a string member": enc({"StreamName": stream.encode(), "Data": b"x", "PartitionKey": "pk"}),
        "break where a value belongs": b"\xa1\x6aStreamName\xff",
        "reserved additional info 28": b"\xa1\x6aStreamName\x1c",
        "reserved additional info 30 (major 2)": b"\xa1\x64Data\x5e",
        "simple value 0": b"\xa1\x6aStreamName\xe0",
        "two-byte simple value below 32": b"\xa1\x6aStreamName\xf8\x10",
        "indefinite-length integer": b"\xa1\x6aStreamName\x1f",
        "text chunk inside an indefinite byte string": b"\xa1\x64Data\x5f\x61a\xff",
        "trailing bytes after the map": put_body(stream) + b"\x00",
        "invalid UTF-8 in a text string": b"\xa1\x6aStreamName\x62\xff\xfe",
        "tag 1 on a text timestamp": enc(
            {"StreamName": stream, "ShardId": "shardId-000000000000", "ShardIteratorType": "AT_TIMESTAMP",
             "Timestamp": Tag(1, "2024-01-01")}),
        "NaN timestamp": enc(
            {"StreamName": stream, "ShardId": "shardId-000000000000", "ShardIteratorType": "AT_TIMESTAMP",
             "Timestamp": float("nan")}),
    }  # fmt: skip
    for what, body in cases.items():
        op = "GetShardIterator" if "timestamp" in what else "PutRecord"
        assert_cbor_error(client.call(op, body), MALFORMED, what)
    assert_alive(kinesin_server)


def test_valid_cbor_that_breaks_the_model(client, stream, kinesin_server):
    cases = {
        "integer for a string": {"StreamName": 5, "Data": b"x", "PartitionKey": "pk"},
        "array for a string": {"StreamName": [stream], "Data": b"x", "PartitionKey": "pk"},
        "map for a string": {"StreamName": {"a": 1}, "Data": b"x", "PartitionKey": "pk"},
        "boolean for a blob": {"StreamName": stream, "Data": True, "PartitionKey": "pk"},
        "integer for a blob": {"StreamName": stream, "Data": 17, "PartitionKey": "pk"},
        "missing PartitionKey": {"StreamName": stream, "Data": b"x"},
        "empty PartitionKey": {"StreamName": stream, "Data": b"x", "PartitionKey": ""},
        "bad StreamName pattern": {"StreamName": "bad name!", "Data": b"x", "PartitionKey": "pk"},
    }
    for what, doc in cases.items():
        assert_cbor_error(client.call("PutRecord", enc(doc)), MODEL_BREAKING, what)
    d = assert_cbor_error(client.call("PutRecord", enc(cases["missing PartitionKey"])), {"ValidationException"})
    assert "partitionKey" in d["message"], d
    r = client.call("PutRecords", enc({"StreamName": stream, "Records": "abc"}))
    assert_cbor_error(r, MODEL_BREAKING, "string for a list")
    for what, count in {"text": "one", "2^64-1": 2**64 - 1, "a bignum": Tag(2, b"\x01\x00"),
                        "zero": 0, "negative": -1}.items():  # fmt: skip
        r = client.call("CreateStream", enc({"StreamName": unique_name("typed"), "ShardCount": count}))
        assert_cbor_error(r, MODEL_BREAKING, f"{what} for ShardCount")
    # A fraction is truncated, as AWS truncates numbers into integer members.
    r, _ = client.cbor("CreateStream", {"StreamName": unique_name("truncated"), "ShardCount": 1.5})
    assert r.status == 200, r
    for what, ts in {"ISO text": "2024-01-01T00:00:00Z", "bytes": b"\x01", "a map": {"s": 1}}.items():
        r = client.call(
            "GetShardIterator",
            enc({"StreamName": stream, "ShardId": "shardId-000000000000", "ShardIteratorType": "AT_TIMESTAMP",
                 "Timestamp": ts}),
        )  # fmt: skip
        assert_cbor_error(r, MODEL_BREAKING, f"{what} for a timestamp")
    # None of them created a stream.
    r, doc = client.cbor("ListStreams", {})
    assert not [n for n in doc["StreamNames"] if n.startswith("typed-")], doc
    assert_alive(kinesin_server)


def test_text_string_where_a_blob_is_expected(client, stream, kinesin_server):
    # Not base64 at all: cannot be a blob.
    for text in ("not base64!", "abc", "\u00e9\u00e9\u00e9\u00e9"):
        r = client.call("PutRecord", enc({"StreamName": stream, "Data": text, "PartitionKey": "pk"}))
        assert_cbor_error(r, MALFORMED, f"text {text!r} for Data")
    r = client.call("PutRecords", enc({"StreamName": stream, "Records": [{"Data": "%%%%", "PartitionKey": "pk"}]}))
    assert_cbor_error(r, MALFORMED, "text for Data in PutRecords")
    assert_alive(kinesin_server)


def test_indefinite_lengths_never_closed(client, stream, kinesin_server):
    head = b"\xa3" + enc("StreamName") + enc(stream) + enc("PartitionKey") + enc("pk") + enc("Data")
    cases = {
        "indefinite map": b"\xbf" + enc("StreamName") + enc(stream) + enc("Data") + enc(b"x") + enc("PartitionKey") + enc("pk"),
        "indefinite map, empty": b"\xbf",
        "indefinite byte string": head + b"\x5f\x41a\x42bc",
        "indefinite byte string, no chunk": head + b"\x5f",
        "indefinite text string": b"\xa1" + enc("StreamName") + b"\x7f\x61a",
        "indefinite array of records": enc("x")[:0] + b"\xa2" + enc("StreamName") + enc(stream) + enc("Records")
        + b"\x9f" + enc({"Data": b"x", "PartitionKey": "pk"}),
        "indefinite map inside an indefinite array": b"\xa2" + enc("StreamName") + enc(stream) + enc("Records")
        + b"\x9f\xbf" + enc("Data") + enc(b"x"),
    }
    for what, body in cases.items():
        op = "PutRecords" if "array" in what else "PutRecord"
        assert_cbor_error(client.call(op, body), MALFORMED, what)
    # Closed, the same shapes are fine (the server accepts indefinite lengths).
    closed = b"\xbf" + enc("StreamName") + enc(stream) + enc("Data") + b"\x5f\x41a\x42bc\xff" + enc("PartitionKey") + enc("pk") + b"\xff"
    assert client.call("PutRecord", closed).status == 200
    assert_alive(kinesin_server)


def test_huge_declared_lengths(client, stream, kinesin_server):
    key = enc("StreamName") + enc(stream) + enc("PartitionKey") + enc("pk") + enc("Data")
    cases = {
        "byte string of 2^64-1 bytes": b"\xa3" + key + b"\x5b" + b"\xff" * 8,
        "byte string of 2^63 bytes": b"\xa3" + key + b"\x5b\x80" + b"\x00" * 7,
        "byte string of 4 GiB - 1": b"\xa3" + key + b"\x5a\xff\xff\xff\xff" + b"x" * 100,
        "text string of 2^64-1 bytes": b"\xa1" + enc("StreamName") + b"\x7b" + b"\xff" * 8,
        "map of 2^64-1 entries": b"\xbb" + b"\xff" * 8 + enc("StreamName") + enc(stream),
        "array of 2^64-1 records": b"\xa2" + enc("StreamName") + enc(stream) + enc("Records") + b"\x9b" + b"\xff" * 8,
        "map key of 2^32-1 bytes": b"\xa1\x7a\xff\xff\xff\xff" + b"k",
        "indefinite byte string with a huge chunk": b"\xa3" + key + b"\x5f\x5b" + b"\x7f" + b"\xff" * 7 + b"ab",
    }
    for what, body in cases.items():
        op = "PutRecords" if "records" in what else "PutRecord"
        t = time.monotonic()
        assert_cbor_error(client.call(op, body), MALFORMED, what)
        assert time.monotonic() - t < 5, f"{what} took {time.monotonic() - t:.1f}s"
    assert_alive(kinesin_server)


def test_nesting_ten_thousand_deep(client, stream, kinesin_server):
    depth = 10_000
    cases = {
        "arrays": b"\xa1" + enc("Records") + b"\x81" * depth + b"\x00",
        "maps": b"\xa1" + enc("Records") + (b"\xa1\x61a" * depth) + b"\x00",
        "indefinite arrays never closed": b"\xa1" + enc("Records") + b"\x9f" * depth,
        "indefinite maps closed": b"\xa1" + enc("Records") + (b"\xbf\x61a" * depth) + b"\x00" + b"\xff" * depth,
        "tags": b"\xa1" + enc("StreamName") + b"\xc1" * depth + enc(stream),
        "top-level arrays": b"\x81" * depth + b"\x00",
        "unknown member": b"\xa2" + enc("StreamName") + enc(stream) + enc("Whatever") + b"\x81" * depth + b"\x00",
    }
    for what, body in cases.items():
        r = client.call("PutRecords", body)
        codes = MODEL_BREAKING if what == "tags" else MALFORMED
        assert_cbor_error(r, codes, f"{depth} nested {what}")
    assert_alive(kinesin_server)


def test_random_bytes(client, stream, kinesin_server):
    rng = random.Random(20240607)
    prefixes = [b"", b"\xa3", b"\xbf", b"\xa1" + enc("Records"), b"\xa2" + enc("StreamName") + enc(stream) + enc("Data")]
    ops = ["PutRecord", "PutRecords", "GetRecords", "CreateStream", "GetShardIterator", "ListShards"]
    for i in range(400):
        body = rng.choice(prefixes) + rng.randbytes(rng.randint(1, 64))
        op = ops[i % len(ops)]
        r = client.call(op, body)
        assert r.status != 200 or body == b"", f"random body {body.hex()} accepted by {op}: {r}"
        assert_cbor_error(r, MODEL_BREAKING, f"random body {body.hex()} to {op}")
    # Mutations of a valid body: flip one byte at a time.
    valid = put_body(stream)
    for i in range(300):
        b = bytearray(valid)
        b[rng.randrange(len(b))] = rng.randrange(256)
        r = client.call("PutRecord", bytes(b))
        assert r.status < 500, f"mutated body {bytes(b).hex()}: {r}"
        if r.status != 200:
            assert_cbor_error(r, MODEL_BREAKING | {"ResourceNotFoundException", "InvalidArgumentException"},
                              f"mutated body {bytes(b).hex()}")  # fmt: skip
    assert_alive(kinesin_server)


def test_server_survives_and_still_serves_cbor(client, stream, kinesin_server):
    assert_alive(kinesin_server)
    r, doc = client.cbor("ListStreams", {})
    assert r.status == 200 and stream in doc["StreamNames"], doc


# ------------------------------------------------------------------ the event stream


def read_exact(resp, n: int) -> bytes:
    out = b""
    while len(out) < n:
        chunk = resp.read(n - len(out))
        if not chunk:
            raise EOFError(f"event stream ended after {len(out)} of {n} bytes")
        out += chunk
    return out


def read_frame(resp) -> tuple[dict[str, str], bytes]:
    """Reads one event-stream message, checking both CRC32s; returns (headers, payload)."""
    prelude = read_exact(resp, 12)
    total, headers_len, prelude_crc = struct.unpack(">III", prelude)
    assert prelude_crc == zlib.crc32(prelude[:8]), f"prelude CRC {prelude_crc:#x} != {zlib.crc32(prelude[:8]):#x}"
    assert 16 + headers_len <= total <= 16 * 1024 * 1024, (total, headers_len)
    rest = read_exact(resp, total - 12)
    message_crc = struct.unpack(">I", rest[-4:])[0]
    assert message_crc == zlib.crc32(prelude + rest[:-4]), "message CRC mismatch"
    raw_headers, payload = rest[:headers_len], rest[headers_len:-4]
    headers, at = {}, 0
    while at < len(raw_headers):
        n = raw_headers[at]
        name = raw_headers[at + 1 : at + 1 + n].decode()
        at += 1 + n
        kind = raw_headers[at]
        assert kind == 7, f"header {name} has value type {kind}, not string"
        (vlen,) = struct.unpack(">H", raw_headers[at + 1 : at + 3])
        headers[name] = raw_headers[at + 3 : at + 3 + vlen].decode()
        at += 3 + vlen
    assert at == len(raw_headers), "headers overrun"
    return headers, payload


def subscribe_raw(port: int, body: bytes, content_type: str, timeout: float = 30):
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=timeout)
    conn.request(
        "POST", "/", body=body, headers={"Content-Type": content_type, "X-Amz-Target": PREFIX + "SubscribeToShard"}
    )
    return conn, conn.getresponse()


@pytest.fixture(scope="module")
def consumer(kinesis, stream) -> str:
    arn = kinesis.describe_stream_summary(StreamName=stream)["StreamDescriptionSummary"]["StreamARN"]
    c = kinesis.register_stream_consumer(StreamARN=arn, ConsumerName=unique_name("raw"))["Consumer"]["ConsumerARN"]
    deadline = time.time() + 30
    while kinesis.describe_stream_consumer(ConsumerARN=c)["ConsumerDescription"]["ConsumerStatus"] != "ACTIVE":
        assert time.time() < deadline, "consumer never became ACTIVE"
        time.sleep(0.05)
    return c


def sub_request(consumer: str, wire: str) -> tuple[bytes, str]:
    doc = {"ConsumerARN": consumer, "ShardId": "shardId-000000000000", "StartingPosition": {"Type": "LATEST"}}
    return (enc(doc), CBOR_11) if wire == "cbor" else (json.dumps(doc).encode(), JSON_11)


def wait_subscribable(port: int, consumer: str, wire: str, seconds: float):
    """Subscribes until it is not refused with ResourceInUseException; returns (conn, resp, waited)."""
    start = time.monotonic()
    while True:
        conn, resp = subscribe_raw(port, *sub_request(consumer, wire))
        if resp.status == 200:
            return conn, resp, time.monotonic() - start
        body = resp.read()
        conn.close()
        assert resp.status == 400 and b"ResourceInUseException" in body, (resp.status, body)
        assert time.monotonic() - start < seconds, f"slot still taken after {seconds}s: {body!r}"
        time.sleep(0.1)


@pytest.mark.parametrize("wire", ["json", "cbor"])
def test_event_stream_frames_and_crcs(kinesin_server, kinesis, stream, consumer, wire):
    port = kinesin_server.port
    conn, resp, _ = wait_subscribable(port, consumer, wire, 20)
    try:
        assert resp.getheader("Content-Type") == EVENTSTREAM
        headers, payload = read_frame(resp)
        ct = CBOR_11 if wire == "cbor" else JSON_11
        assert headers == {":message-type": "event", ":event-type": "initial-response", ":content-type": ct}, headers
        assert payload == (b"\xa0" if wire == "cbor" else b"{}"), payload

        data = f"event-{wire}".encode() + bytes(range(200, 256))
        put = kinesis.put_record(StreamName=stream, PartitionKey="es", Data=data)
        deadline = time.time() + 20
        while True:
            assert time.time() < deadline, "the record never arrived"
            headers, payload = read_frame(resp)
            assert headers[":message-type"] == "event", (headers, payload)
            assert headers[":event-type"] == "SubscribeToShardEvent" and headers[":content-type"] == ct, headers
            event = dec(payload) if wire == "cbor" else json.loads(payload)
            assert isinstance(event["MillisBehindLatest"], int)
            assert isinstance(event["ContinuationSequenceNumber"], str)
            if event["Records"]:
                break
        (rec,) = event["Records"]
        assert rec["SequenceNumber"] == put["SequenceNumber"]
        if wire == "cbor":
            assert isinstance(rec["Data"], bytes) and rec["Data"] == data, rec
            ts = rec["ApproximateArrivalTimestamp"]
            assert isinstance(ts, Tag) and ts.tag == 1 and isinstance(ts.value, int), ts
            assert abs(ts.value - time.time() * 1000) < 60_000, ts
        else:
            import base64

            assert base64.b64decode(rec["Data"]) == data
        # A position after the record, not the record's own number (as AWS's).
        assert int(event["ContinuationSequenceNumber"]) > int(put["SequenceNumber"])
    finally:
        conn.close()


def test_closing_mid_subscription_frees_the_slot(kinesin_server, kinesis, stream, consumer):
    port = kinesin_server.port
    conn, resp, _ = wait_subscribable(port, consumer, "json", 20)
    read_frame(resp)  # initial-response
    kinesis.put_record(StreamName=stream, PartitionKey="mid", Data=b"mid")
    read_frame(resp)  # the subscription is live
    # While it is open, a second subscription is refused.
    c2, r2 = subscribe_raw(port, *sub_request(consumer, "json"))
    body = r2.read()
    c2.close()
    assert r2.status == 400 and json.loads(body)["__type"] == "ResourceInUseException", body
    # The client goes away abruptly (RST on close).
    sock = conn.sock
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
    conn.close()
    sock.close()
    conn3, resp3, waited = wait_subscribable(port, consumer, "json", 3)
    try:
        headers, _ = read_frame(resp3)
        assert headers[":event-type"] == "initial-response"
    finally:
        conn3.close()
    assert waited < 3, f"the slot was freed only after {waited:.1f}s"
    # A polite close (FIN) frees it too.
    conn4, resp4, _ = wait_subscribable(port, consumer, "cbor", 8)
    read_frame(resp4)
    conn4.close()
    conn5, resp5, waited = wait_subscribable(port, consumer, "cbor", 3)
    conn5.close()
    assert waited < 3
    assert_alive(kinesin_server)


def test_malformed_subscription_gets_a_plain_error(kinesin_server, consumer):
    port = kinesin_server.port
    cases = [
        (b"{not json", JSON_11, "SerializationException"),
        (json.dumps({"ConsumerARN": consumer, "ShardId": "shardId-000000000000"}).encode(), JSON_11, "ValidationException"),
        (json.dumps({"ConsumerARN": consumer, "ShardId": "shardId-000000000000",
                     "StartingPosition": {"Type": "NOWHERE"}}).encode(), JSON_11, "ValidationException"),
        (json.dumps({"ConsumerARN": consumer, "ShardId": 7,
                     "StartingPosition": {"Type": "LATEST"}}).encode(), JSON_11, "SerializationException"),
        (b"\xa3" + enc("ConsumerARN") + enc(consumer), CBOR_11, "SerializationException"),
        (b"\x9f\xff", CBOR_11, "SerializationException"),
    ]  # fmt: skip
    for body, ct, code in cases:
        conn, resp = subscribe_raw(port, body, ct, timeout=10)
        try:
            raw = resp.read()  # an error answer ends; an event stream would not within the timeout
        finally:
            conn.close()
        assert resp.status == 400, (body, resp.status, raw)
        got_ct = resp.getheader("Content-Type", "")
        assert got_ct == ct and got_ct != EVENTSTREAM, (body, got_ct)
        doc = dec(raw) if ct == CBOR_11 else json.loads(raw)
        assert doc["__type"] == code, (body, doc)
    # An unknown consumer: ResourceNotFoundException, also as plain JSON.
    ghost = consumer.rsplit("/consumer/", 1)[0] + "/consumer/ghost:1"
    conn, resp = subscribe_raw(port, *sub_request(ghost, "json"), timeout=10)
    raw = resp.read()
    conn.close()
    assert resp.status == 400 and resp.getheader("Content-Type") == JSON_11, raw
    assert json.loads(raw)["__type"] == "ResourceNotFoundException", raw
    assert_alive(kinesin_server)
