#!/usr/bin/env python3
"""Sequential S3 calls on one keep-alive connection, per operation p50/p99 in ms, for one or
more kinesin binaries run in alternation (the S3 surface has no kbench endpoint).

Usage: scripts/bench-s3.py [--n 2000] [--rounds 3] BINARY [BINARY...]
Operations: PutObject (1 KiB), GetObject, HeadObject, ListObjectsV2 (100 keys, 1 page),
DeleteObjects (10 keys), each `--n` times.
"""
from __future__ import annotations

import argparse
import http.client
import statistics
import time

from bench_server import start

DELETE = ("<Delete>" + "".join(f"<Object><Key>d{i}</Key></Object>" for i in range(10)) + "</Delete>").encode()


def timed(conn: http.client.HTTPConnection, method: str, path: str, body: bytes | None = None) -> float:
    t = time.perf_counter()
    conn.request(method, path, body=body, headers={"Content-Type": "application/octet-stream"})
    r = conn.getresponse()
    r.read()
    if r.status >= 300:
        raise RuntimeError(f"{method} {path}: {r.status}")
    return (time.perf_counter() - t) * 1000


def run(binary: str, n: int) -> dict[str, list[float]]:
    proc, endpoint = start(binary)
    try:
        conn = http.client.HTTPConnection(endpoint.removeprefix("http://"))
        timed(conn, "PUT", "/bench")
        for i in range(100):
            timed(conn, "PUT", f"/bench/list/{i:03}", b"x")
        data = b"x" * 1024
        out: dict[str, list[float]] = {k: [] for k in ("PutObject", "GetObject", "HeadObject", "ListObjectsV2",
                                                         "DeleteObjects")}
        for i in range(n):
            out["PutObject"].append(timed(conn, "PUT", f"/bench/k{i % 50}", data))
            out["GetObject"].append(timed(conn, "GET", f"/bench/k{i % 50}"))
            out["HeadObject"].append(timed(conn, "HEAD", f"/bench/k{i % 50}"))
            out["ListObjectsV2"].append(timed(conn, "GET", "/bench?list-type=2&prefix=list/"))
            out["DeleteObjects"].append(timed(conn, "POST", "/bench?delete", DELETE))
        return out
    finally:
        proc.kill()
        proc.wait()


def main() -> None:
    p = argparse.ArgumentParser()
    p.add_argument("--n", type=int, default=2000)
    p.add_argument("--rounds", type=int, default=3)
    p.add_argument("binaries", nargs="+")
    a = p.parse_args()
    results: dict[str, dict[str, list[float]]] = {b: {} for b in a.binaries}
    for _ in range(a.rounds):
        for b in a.binaries:
            for op, ms in run(b, a.n).items():
                results[b].setdefault(op, []).extend(ms)
    for b, ops in results.items():
        print(b)
        for op, ms in ops.items():
            q = statistics.quantiles(ms, n=100)
            print(f"  {op:14} p50 {statistics.median(ms):.3f} ms  p99 {q[98]:.3f} ms")


if __name__ == "__main__":
    main()
