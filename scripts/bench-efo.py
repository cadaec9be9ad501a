#!/usr/bin/env python3
"""Benchmarks the parts kbench does not cover: PutRecords over CBOR (beside the same harness
over JSON) and SubscribeToShard delivery (records/s and put -> event latency).

    scripts/bench-efo.py --endpoint http://127.0.0.1:4566 [--records 50000]

Prints one JSON line. Standard library only; talks to kinesin over keep-alive HTTP/1.1.
"""
from __future__ import annotations

import argparse
import base64
import http.client
import json
import statistics
import struct
import threading
import time
import urllib.parse
import uuid
import zlib

AUTH = "AWS4-HMAC-SHA256 Credential=test/20250101/us-east-1/kinesis/aws4_request, SignedHeaders=host, Signature=00"


# --- a minimal CBOR encoder (maps, text, bytes, arrays, unsigned ints) -------------------
def cbor_head(major: int, n: int) -> bytes:
    if n < 24:
        return bytes([major << 5 | n])
    for add, fmt in ((24, ">B"), (25, ">H"), (26, ">I"), (27, ">Q")):
        if n < 1 << (8 * struct.calcsize(fmt)):
            return bytes([major << 5 | add]) + struct.pack(fmt, n)
    raise ValueError(n)


def cbor(v) -> bytes:
    if isinstance(v, bool):
        return b"\xf5" if v else b"\xf4"
    if isinstance(v, int):
        return cbor_head(0, v)
    if isinstance(v, bytes):
        return cbor_head(2, len(v)) + v
    if isinstance(v, str):
        b = v.encode()
        return cbor_head(3, len(b)) + b
    if isinstance(v, list):
        return cbor_head(4, len(v)) + b"".join(cbor(x) for x in v)
    if isinstance(v, dict):
        return cbor_head(5, len(v)) + b"".join(cbor(k) + cbor(x) for k, x in v.items())
    raise TypeError(type(v))


class Conn:
    def __init__(self, endpoint: str):
        u = urllib.parse.urlparse(endpoint)
        self.c = http.client.HTTPConnection(u.hostname, u.port, timeout=60)

    def call(self, op: str, body: bytes, ctype: str = "application/x-amz-json-1.1") -> tuple[int, bytes]:
        self.c.request("POST", "/", body, {"Content-Type": ctype, "X-Amz-Target": f"Kinesis_20131202.{op}",
                                           "Authorization": AUTH})
        r = self.c.getresponse()
        return r.status, r.read()

    def json(self, op: str, doc: dict) -> dict:
        status, body = self.call(op, json.dumps(doc).encode())
        if status != 200:
            raise RuntimeError(f"{op}: {status} {body[:200]!r}")
        return json.loads(body) if body else {}


def put_throughput(endpoint: str, records: int, conns: int, wire: str) -> float:
    name = f"bench-{wire}-{uuid.uuid4().hex[:6]}"
    Conn(endpoint).json("CreateStream", {"StreamName": name, "ShardCount": 4})
    batches = []
    for b in range(records // 500):
        entries = [{"PartitionKey": f"k{b}-{i}", "Data": b"x" * 100} for i in range(500)]
        if wire == "cbor":
            batches.append(cbor({"StreamName": name, "Records": entries}))
        else:
            for e in entries:
                e["Data"] = base64.b64encode(e["Data"]).decode()
            batches.append(json.dumps({"StreamName": name, "Records": entries}).encode())
    ctype = "application/x-amz-cbor-1.1" if wire == "cbor" else "application/x-amz-json-1.1"
    failures = []

    def worker(mine):
        c = Conn(endpoint)
        for body in mine:
            status, out = c.call("PutRecords", body, ctype)
            if status != 200:
                failures.append(status)

    threads = [threading.Thread(target=worker, args=(batches[i::conns],)) for i in range(conns)]
    start = time.perf_counter()
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    elapsed = time.perf_counter() - start
    if failures:
        raise RuntimeError(f"{len(failures)} failed PutRecords over {wire}")
    return records / elapsed


def frames(resp):
    """Yields (headers, payload) of event-stream frames, checking both CRCs."""
    buf = b""
    while True:
        while len(buf) < 12 or len(buf) < struct.unpack(">I", buf[:4])[0]:
            chunk = resp.read1(65536)
            if not chunk:
                return
            buf += chunk
        total, hlen, pcrc = struct.unpack(">III", buf[:12])
        assert zlib.crc32(buf[:8]) == pcrc, "prelude crc"
        frame, buf = buf[:total], buf[total:]
        assert zlib.crc32(frame[:-4]) == struct.unpack(">I", frame[-4:])[0], "message crc"
        h, headers = frame[12:12 + hlen], {}
        while h:
            n = h[0]
            name = h[1:1 + n].decode()
            vlen = struct.unpack(">H", h[2 + n:4 + n])[0]
            headers[name] = h[4 + n:4 + n + vlen].decode()
            h = h[4 + n + vlen:]
        yield headers, frame[12 + hlen:-4]


def efo(endpoint: str, records: int, latency_records: int) -> dict:
    c = Conn(endpoint)
    name = f"bench-efo-{uuid.uuid4().hex[:6]}"
    c.json("CreateStream", {"StreamName": name, "ShardCount": 1})
    arn = c.json("DescribeStreamSummary", {"StreamName": name})["StreamDescriptionSummary"]["StreamARN"]
    consumer = c.json("RegisterStreamConsumer", {"StreamARN": arn, "ConsumerName": "bench"})["Consumer"]["ConsumerARN"]
    while c.json("DescribeStreamConsumer", {"ConsumerARN": consumer})["ConsumerDescription"]["ConsumerStatus"] != "ACTIVE":
        time.sleep(0.01)
    sub = Conn(endpoint)
    body = json.dumps({"ConsumerARN": consumer, "ShardId": "shardId-000000000000",
                       "StartingPosition": {"Type": "LATEST"}}).encode()
    sub.c.request("POST", "/", body, {"Content-Type": "application/x-amz-json-1.1",
                                      "X-Amz-Target": "Kinesis_20131202.SubscribeToShard", "Authorization": AUTH})
    resp = sub.c.getresponse()
    assert resp.status == 200, resp.read()
    it = frames(resp)
    assert next(it)[0][":event-type"] == "initial-response"
    sent, latencies, got = {}, [], [0]
    done = threading.Event()
    target = [latency_records]

    def reader():
        for headers, payload in it:
            if headers.get(":event-type") != "SubscribeToShardEvent":
                continue
            now = time.perf_counter()
            for r in json.loads(payload)["Records"]:
                key = r["PartitionKey"]
                if key in sent:
                    latencies.append(now - sent.pop(key))
                got[0] += 1
            if got[0] >= target[0]:
                done.set()

    t = threading.Thread(target=reader, daemon=True)
    t.start()
    # 1. latency: one record at a time, waiting for each to arrive
    for i in range(latency_records):
        key = f"lat-{i}"
        sent[key] = time.perf_counter()
        c.json("PutRecord", {"StreamName": name, "PartitionKey": key, "Data": base64.b64encode(b"x" * 100).decode()})
        deadline = time.time() + 5
        while key in sent and time.time() < deadline:
            time.sleep(0.0002)
    done.wait(10)
    # 2. delivery rate: a burst of PutRecords, timed until the last record is pushed
    done.clear()
    target[0] = latency_records + records
    start = time.perf_counter()
    for b in range(records // 500):
        entries = [{"PartitionKey": f"b{b}-{i}", "Data": base64.b64encode(b"x" * 100).decode()} for i in range(500)]
        c.json("PutRecords", {"StreamName": name, "Records": entries})
    done.wait(120)
    elapsed = time.perf_counter() - start
    lat = sorted(latencies)
    return {
        "efo_records_per_s": round((got[0] - latency_records) / elapsed, 1),
        "efo_delivered": got[0] - latency_records,
        "efo_latency_p50_ms": round(1000 * statistics.median(lat), 3) if lat else None,
        "efo_latency_p99_ms": round(1000 * lat[int(0.99 * (len(lat) - 1))], 3) if lat else None,
    }


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--endpoint", default="http://127.0.0.1:4566")
    ap.add_argument("--records", type=int, default=50000)
    ap.add_argument("--concurrency", type=int, default=4)
    ap.add_argument("--latency-records", type=int, default=300)
    a = ap.parse_args()
    out = {
        "json_put_records_per_s": round(put_throughput(a.endpoint, a.records, a.concurrency, "json"), 1),
        "cbor_put_records_per_s": round(put_throughput(a.endpoint, a.records, a.concurrency, "cbor"), 1),
    }
    out.update(efo(a.endpoint, a.records, a.latency_records))
    print(json.dumps(out))


if __name__ == "__main__":
    main()
