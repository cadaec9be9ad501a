"""The TLS port: same API, ALPN h2 and http/1.1, self-signed certificate by default."""

from __future__ import annotations

import os
import socket
import ssl
import subprocess

import boto3
import pytest
import urllib3


@pytest.fixture
def tls_server():
    binary = os.environ.get("KINESIN_BIN", os.path.join(os.path.dirname(__file__), "..", "..", "target", "debug", "kinesin"))
    p = subprocess.Popen([binary, "--port", "0", "--tls-port", "0", "--log-level", "warn"], stdout=subprocess.PIPE)
    try:
        plain = p.stdout.readline().decode()
        tls = p.stdout.readline().decode()
        assert "listening on http://" in plain and "listening on https://" in tls, (plain, tls)
        yield tls.split("https://")[1].split()[0]
    finally:
        p.kill()
        p.wait()


def negotiate(addr: str, protocols: list[str]) -> str | None:
    host, port = addr.rsplit(":", 1)
    ctx = ssl.create_default_context()
    ctx.check_hostname = False
    ctx.verify_mode = ssl.CERT_NONE
    ctx.set_alpn_protocols(protocols)
    with socket.create_connection((host, int(port)), timeout=5) as raw:
        with ctx.wrap_socket(raw, server_hostname="localhost") as s:
            cert = s.getpeercert(binary_form=True)
            assert cert, "the server presents a certificate"
            return s.selected_alpn_protocol()


def test_alpn_offers_h2_and_http11(tls_server):
    assert negotiate(tls_server, ["h2", "http/1.1"]) == "h2"
    assert negotiate(tls_server, ["http/1.1"]) == "http/1.1"


def test_boto3_over_tls(tls_server):
    urllib3.disable_warnings()
    c = boto3.client(
        "kinesis",
        endpoint_url=f"https://{tls_server}",
        region_name="us-east-1",
        aws_access_key_id="test",
        aws_secret_access_key="test",
        verify=False,
    )
    c.create_stream(StreamName="tls", ShardCount=1)
    c.put_record(StreamName="tls", PartitionKey="k", Data=b"over tls")
    it = c.get_shard_iterator(StreamName="tls", ShardId="shardId-000000000000", ShardIteratorType="TRIM_HORIZON")
    records = c.get_records(ShardIterator=it["ShardIterator"])["Records"]
    assert [r["Data"] for r in records] == [b"over tls"]
