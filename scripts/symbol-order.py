#!/usr/bin/env python3
"""Writes crates/server/symbol-order.txt: the functions kinesin runs from start to its first
answers, which crates/server/build.rs hands to the linker to place together at the start of
.text (idle memory is mostly the binary's own pages; see BENCHMARKS.md, "2026-12-06: issue
15 and issue 11").

For each build (the README's `cargo build --release` and scripts/build-release.sh's static
one, whose symbols are named apart), runs the binary under `valgrind --tool=callgrind`, asks
each service for its list (ListStreams, ListQueues, ListDeliveryStreams, ListBuckets), idles a
second, and keeps the executed functions that are in the binary's symbol table. The file is
their union, sorted. Regenerate it when dependencies, the toolchain or start-up change (a new
dependency of a crate changes the hash in every mangled name of that crate, and so does any
profile setting given in the environment, e.g. `CARGO_PROFILE_RELEASE_STRIP`: run it with the
release profile as it is): names that no longer exist are ignored by the linker, so a stale
file only loses the layout.

Usage: scripts/symbol-order.py            rebuild both builds, profile them, write the file
       scripts/symbol-order.py --check    how many listed names each current binary has
"""
from __future__ import annotations

import argparse
import http.client
import os
import re
import socket
import subprocess
import sys
import tempfile
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
ORDER = os.path.join(ROOT, "crates", "server", "symbol-order.txt")
SIGNED = "AWS4-HMAC-SHA256 Credential=AKIDORDER/20260101/us-east-1/{}/aws4_request, SignedHeaders=host, Signature=0"
FIRST_CALLS = [
    ("POST", "/", "kinesis", {"X-Amz-Target": "Kinesis_20131202.ListStreams", "Content-Type": "application/x-amz-json-1.1"}),
    ("POST", "/", "sqs", {"X-Amz-Target": "AmazonSQS.ListQueues", "Content-Type": "application/x-amz-json-1.0"}),
    ("POST", "/", "firehose", {"X-Amz-Target": "Firehose_20150804.ListDeliveryStreams",
                               "Content-Type": "application/x-amz-json-1.1"}),
    ("GET", "/", "s3", {}),
]


def builds() -> list[str]:
    """Builds both binaries; returns their paths."""
    subprocess.run(["cargo", "build", "--release", "-p", "kinesin-server"], cwd=ROOT, check=True)
    static = subprocess.run([os.path.join(ROOT, "scripts", "build-release.sh")], cwd=ROOT, check=True,
                            stdout=subprocess.PIPE, text=True).stdout.strip()
    return [os.path.join(ROOT, "target", "release", "kinesin"), static]


def text_symbols(binary: str) -> set[str]:
    """The function names in `binary`'s symbol table."""
    out = subprocess.run(["nm", "--defined-only", binary], check=True, stdout=subprocess.PIPE, text=True).stdout
    return {p[2] for p in (line.split() for line in out.splitlines()) if len(p) == 3 and p[1] in "tTwW"}


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def call(port: int, method: str, path: str, service: str, head: dict) -> int:
    c = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
    c.request(method, path, b"{}" if method == "POST" else None, dict(head, Authorization=SIGNED.format(service)))
    r = c.getresponse()
    r.read()
    return r.status


def first_answers(port: int) -> None:
    """Waits for the first answer, then asks every other service once."""
    deadline = time.time() + 120
    while True:
        try:
            if call(port, *FIRST_CALLS[0]) == 200:
                break
        except OSError:
            pass
        if time.time() > deadline:
            sys.exit("kinesin did not answer under callgrind within 120 s")
        time.sleep(0.1)
    for request in FIRST_CALLS[1:]:
        call(port, *request)
    time.sleep(1)


def executed(binary: str) -> set[str]:
    """The functions of `binary` that run from start to the first answers."""
    with tempfile.TemporaryDirectory() as tmp:
        out = os.path.join(tmp, "callgrind.out")
        port = free_port()
        server = subprocess.Popen(["valgrind", "--tool=callgrind", "--demangle=no", f"--callgrind-out-file={out}",
                                   binary, "--port", str(port)], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        try:
            first_answers(port)
        finally:
            server.send_signal(2)
            server.wait(timeout=120)
        names = set()
        with open(out) as f:
            for line in f:
                m = re.match(r"c?fn=\(\d+\) (\S+)", line)
                if m:
                    names.add(m.group(1))
    return names & text_symbols(binary)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--check", action="store_true", help="report, do not rebuild")
    args = ap.parse_args()
    if args.check:
        listed = set(open(ORDER).read().split())
        host = subprocess.run(["rustc", "-vV"], check=True, stdout=subprocess.PIPE, text=True).stdout
        triple = re.search(r"host: (\S+)", host).group(1)
        for binary in (os.path.join(ROOT, "target", "release", "kinesin"),
                       os.path.join(ROOT, "target", triple, "release", "kinesin")):
            if os.path.exists(binary):
                print(f"{binary}: {len(listed & text_symbols(binary))} of {len(listed)} listed names")
        return
    names = set()
    for binary in builds():
        found = executed(binary)
        print(f"{binary}: {len(found)} functions run at start-up", file=sys.stderr)
        names |= found
    with open(ORDER, "w") as f:
        f.write("".join(n + "\n" for n in sorted(names)))
    print(f"wrote {len(names)} names to {os.path.relpath(ORDER, ROOT)}; rebuild to lay them out", file=sys.stderr)


if __name__ == "__main__":
    main()
