"""The server front: browser safety (Origin/Host checks, CORS), connection limits and
timeouts (slowloris, idle sockets, running out of file descriptors), the body-memory budget,
and what the health endpoint shows. Raw sockets only where the input is malformed or the
test is about sockets; everything a client sees goes through boto3."""

from __future__ import annotations

import concurrent.futures
import http.client
import os
import resource
import socket
import stat
import subprocess
import time
import uuid

import boto3
import pytest
from botocore.config import Config
from botocore.exceptions import ClientError

from conftest import ACCESS_KEY, KINESIN_BIN, REGION, SECRET_KEY, unique_name

JSON_11 = "application/x-amz-json-1.1"


def client(service: str, endpoint: str, **cfg):
    return boto3.client(
        service,
        endpoint_url=endpoint,
        region_name=REGION,
        aws_access_key_id=ACCESS_KEY,
        aws_secret_access_key=SECRET_KEY,
        config=Config(retries={"total_max_attempts": 1}, **cfg),
    )


def call(port: int, method: str, path: str, headers: dict[str, str], body: bytes = b"") -> tuple[int, dict, bytes]:
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    try:
        conn.request(method, path, body=body, headers=headers)
        r = conn.getresponse()
        return r.status, {k.lower(): v for k, v in r.getheaders()}, r.read()
    finally:
        conn.close()


# ------------------------------------------------------------------ Origin, Host, CORS


@pytest.fixture(scope="module")
def server(kinesin_server):
    return kinesin_server


def test_sdk_traffic_without_origin_is_untouched(server):
    sqs = client("sqs", server.endpoint)
    url = sqs.create_queue(QueueName=unique_name("q"))["QueueUrl"]
    assert sqs.get_queue_url(QueueName=url.rsplit("/", 1)[1])["QueueUrl"] == url


def test_foreign_origin_cannot_delete_a_queue(server):
    sqs = client("sqs", server.endpoint)
    name = unique_name("q")
    url = sqs.create_queue(QueueName=name)["QueueUrl"]
    form = f"Action=DeleteQueue&QueueUrl={url}".encode()
    headers = {"Content-Type": "application/x-www-form-urlencoded", "Origin": "https://evil.example"}
    status, h, _ = call(server.port, "POST", "/", headers, form)
    assert status == 403
    assert not any(k.startswith("access-control-") for k in h), h
    # Still there: the request changed nothing.
    assert sqs.get_queue_url(QueueName=name)["QueueUrl"] == url
    # The same request from a local page works and carries CORS headers.
    headers["Origin"] = "http://localhost:3000"
    status, h, _ = call(server.port, "POST", "/", headers, form)
    assert status == 200
    assert h["access-control-allow-origin"] == "http://localhost:3000"
    assert "x-amzn-RequestId".lower() in h["access-control-expose-headers"].lower()
    with pytest.raises(ClientError) as e:
        sqs.get_queue_url(QueueName=name)
    assert e.value.response["Error"]["Code"] in ("QueueDoesNotExist", "AWS.SimpleQueueService.NonExistentQueue")


def test_foreign_origin_cannot_delete_objects_as_text_plain(server):
    s3 = client("s3", server.endpoint, s3={"addressing_style": "path"})
    bucket = unique_name("b")
    s3.create_bucket(Bucket=bucket)
    s3.put_object(Bucket=bucket, Key="keep", Body=b"x")
    xml = b"<Delete><Object><Key>keep</Key></Object></Delete>"
    headers = {"Content-Type": "text/plain", "Origin": "http://attacker.test"}
    status, h, _ = call(server.port, "POST", f"/{bucket}?delete", headers, xml)
    assert status == 403 and "access-control-allow-origin" not in h
    assert s3.get_object(Bucket=bucket, Key="keep")["Body"].read() == b"x"


@pytest.mark.parametrize("origin", ["null", "http://localhost.evil.example", "http://127.0.0.1.nip.io:4566"])
def test_lookalike_origins_are_foreign(server, origin):
    status, h, _ = call(server.port, "POST", "/", {"Content-Type": JSON_11, "X-Amz-Target": "Kinesis_20131202.ListStreams", "Origin": origin}, b"{}")
    assert status == 403 and "access-control-allow-origin" not in h


def test_preflight_and_cors_on_every_service(server):
    origin = "http://127.0.0.1:8080"
    status, h, _ = call(
        server.port,
        "OPTIONS",
        "/",
        {"Origin": origin, "Access-Control-Request-Method": "POST", "Access-Control-Request-Headers": "x-amz-target,content-type,x-custom"},
    )
    assert status == 200
    assert h["access-control-allow-origin"] == origin
    assert "POST" in h["access-control-allow-methods"]
    assert "x-custom" in h["access-control-allow-headers"] and "x-amz-target" in h["access-control-allow-headers"]
    assert int(h["access-control-max-age"]) > 0
    # A foreign preflight gets no CORS headers, so the browser never sends the request.
    status, h, _ = call(server.port, "OPTIONS", "/", {"Origin": "https://evil.example", "Access-Control-Request-Method": "POST"})
    assert status == 403 and "access-control-allow-origin" not in h
    for target, body in (
        ("Kinesis_20131202.ListStreams", b"{}"),
        ("Firehose_20150804.ListDeliveryStreams", b"{}"),
        ("AmazonSQS.ListQueues", b"{}"),
    ):
        ct = "application/x-amz-json-1.0" if target.startswith("AmazonSQS") else JSON_11
        status, h, _ = call(server.port, "POST", "/", {"Content-Type": ct, "X-Amz-Target": target, "Origin": origin}, body)
        assert status == 200, target
        assert h["access-control-allow-origin"] == origin and "access-control-expose-headers" in h
    for method, path in (("GET", "/"), ("GET", "/v1/pipes")):
        status, h, _ = call(server.port, method, path, {"Origin": origin})
        assert h.get("access-control-allow-origin") == origin, (method, path, status)


def test_host_is_checked_on_loopback(server):
    ok = ["localhost", f"127.0.0.1:{server.port}", f"[::1]:{server.port}", "sqs.us-east-1.localhost.localstack.cloud:4566", "bucket.localhost"]
    for host in ok:
        status, _, _ = call(server.port, "GET", "/_kinesin/health", {"Host": host})
        assert status == 200, host
    for host in ["evil.example", f"rebind.attacker.test:{server.port}"]:
        status, _, body = call(server.port, "POST", "/", {"Host": host, "Content-Type": "application/x-www-form-urlencoded"}, b"Action=ListQueues")
        assert status == 403, host
        assert b"rebind" not in body and b"evil" not in body


def test_hostname_flag_and_cors_allow_origin(start_kinesin):
    s = start_kinesin("--hostname", "kinesin.test", "--cors-allow-origin", "https://app.example.com")
    status, _, _ = call(s.port, "GET", "/_kinesin/health", {"Host": "kinesin.test:4566"})
    assert status == 200
    headers = {"Content-Type": JSON_11, "X-Amz-Target": "Kinesis_20131202.ListStreams", "Origin": "https://app.example.com"}
    status, h, _ = call(s.port, "POST", "/", headers, b"{}")
    assert status == 200 and h["access-control-allow-origin"] == "https://app.example.com"
    headers["Origin"] = "https://other.example.com"
    assert call(s.port, "POST", "/", headers, b"{}")[0] == 403


def test_no_host_check_when_bound_to_all_interfaces():
    """Bound to 0.0.0.0 (as in a container) any Host is served; traffic still goes to 127.0.0.1."""
    proc = subprocess.Popen([str(KINESIN_BIN), "--host", "0.0.0.0", "--port", "0"], stdout=subprocess.PIPE, stderr=subprocess.DEVNULL)
    try:
        line = proc.stdout.readline().decode()
        port = int(line.split("listening on http://")[1].split(" ")[0].rsplit(":", 1)[1])
        status, _, _ = call(port, "GET", "/_kinesin/health", {"Host": "kinesin:4566"})
        assert status == 200
        # Origins are still checked, except the server's own origin (the console's).
        h = {"Host": "kinesin:4566", "Content-Type": JSON_11, "X-Amz-Target": "Kinesis_20131202.ListStreams"}
        assert call(port, "POST", "/", {**h, "Origin": "http://kinesin:4566"}, b"{}")[0] == 200
        assert call(port, "POST", "/", {**h, "Origin": "https://evil.example"}, b"{}")[0] == 403
    finally:
        proc.terminate()
        proc.wait(timeout=15)


# ------------------------------------------------------------------ health, store files


def test_health_shows_no_paths(start_kinesin, tmp_path):
    data = tmp_path / "data"
    s = start_kinesin("--data-dir", str(data))
    status, _, body = call(s.port, "GET", "/_kinesin/health", {})
    assert status == 200
    assert str(tmp_path).encode() not in body and b"/" not in body.replace(b"\\/", b"")
    assert stat.S_IMODE(os.stat(data).st_mode) == 0o700
    client("kinesis", s.endpoint).create_stream(StreamName="s", ShardCount=1)
    for f in data.iterdir():
        assert stat.S_IMODE(os.stat(f).st_mode) & 0o077 == 0, f"{f} is readable by others"


# ------------------------------------------------------------------ connections


def closed_within(sock: socket.socket, seconds: float) -> bool:
    """Whether the server closes the socket within `seconds` (EOF or reset)."""
    sock.settimeout(seconds)
    try:
        while True:
            data = sock.recv(4096)
            if not data:
                return True
    except (ConnectionResetError, BrokenPipeError):
        return True
    except socket.timeout:
        return False


def test_slowloris_and_idle_sockets_are_closed(start_kinesin):
    s = start_kinesin("--idle-timeout-secs", "2")
    idle = [socket.create_connection(("127.0.0.1", s.port)) for _ in range(20)]
    slow = []
    for _ in range(20):
        c = socket.create_connection(("127.0.0.1", s.port))
        c.sendall(b"POST / HTTP/1.1\r\nHost: localhost\r\n")
        slow.append(c)
    # Trickle header bytes: a header that never ends is cut off at the header timeout.
    deadline = time.monotonic() + 3
    while time.monotonic() < deadline:
        for c in slow:
            try:
                c.sendall(b"X-A: b\r\n")
            except OSError:
                pass
        time.sleep(0.5)
    assert all(closed_within(c, 5) for c in slow), "slowloris sockets still open"
    assert all(closed_within(c, 5) for c in idle), "idle sockets still open"
    # A kept-alive connection is closed after its idle time too.
    conn = http.client.HTTPConnection("127.0.0.1", s.port, timeout=10)
    conn.request("GET", "/_kinesin/health")
    conn.getresponse().read()
    assert closed_within(conn.sock, 6)
    # Service goes on.
    assert client("kinesis", s.endpoint).list_streams()["StreamNames"] == []
    for c in idle + slow:
        c.close()


def test_long_poll_outlives_the_idle_timeout(start_kinesin):
    s = start_kinesin("--idle-timeout-secs", "1")
    sqs = client("sqs", s.endpoint, read_timeout=30)
    url = sqs.create_queue(QueueName=unique_name("q"))["QueueUrl"]
    start = time.monotonic()
    r = sqs.receive_message(QueueUrl=url, WaitTimeSeconds=3)
    assert "Messages" not in r and time.monotonic() - start >= 2.5


def trickled(port: int, head: str, stall: bool = False) -> bytes:
    """Sends `head` (request line and headers, Content-Length 1000), then a body byte every
    0.2 s (or nothing at all when `stall`), until the server answers; returns all it sent
    before closing the connection."""
    sock = socket.create_connection(("127.0.0.1", port))
    sock.sendall(head.encode() + b"Content-Length: 1000\r\n\r\n")
    sock.settimeout(0.2)
    got = b""
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        try:
            chunk = sock.recv(4096)
            if not chunk:
                break
            got += chunk
        except socket.timeout:
            if not stall and not got:
                try:
                    sock.sendall(b"x")
                except OSError:
                    pass
        except ConnectionResetError:
            break
    else:
        pytest.fail(f"no answer and no close within 30 s: {got!r}")
    sock.close()
    return got


def test_bodies_that_trickle_in_are_cut_at_the_request_timeout(start_kinesin):
    s = start_kinesin("--request-timeout-secs", "2", "--idle-timeout-secs", "30")
    bucket = unique_name("bkt")
    client("s3", s.endpoint).create_bucket(Bucket=bucket)
    host = f"Host: 127.0.0.1:{s.port}\r\n"

    # S3: 400 RequestTimeout in S3's XML, then the connection is closed.
    s3 = trickled(s.port, f"PUT /{bucket}/k HTTP/1.1\r\n{host}Content-Type: application/json\r\n")
    assert s3.startswith(b"HTTP/1.1 400 "), s3
    assert b"<Code>RequestTimeout</Code>" in s3 and b"connection: close" in s3.lower(), s3

    # JSON 1.1 (Kinesis) and the SQS query protocol: 408 in their own shapes.
    kinesis = trickled(s.port, f"POST / HTTP/1.1\r\n{host}X-Amz-Target: Kinesis_20131202.PutRecord\r\nContent-Type: {JSON_11}\r\n")
    assert kinesis.startswith(b"HTTP/1.1 408 "), kinesis
    assert b'"__type":"RequestTimeoutException"' in kinesis, kinesis
    form = "Content-Type: application/x-www-form-urlencoded\r\n"
    sqs = trickled(s.port, f"POST / HTTP/1.1\r\n{host}{form}")
    assert sqs.startswith(b"HTTP/1.1 408 ") and b"<Code>RequestTimeoutException</Code>" in sqs, sqs

    # A body that never comes no longer holds its connection (the idle timeout spares requests in flight).
    stalled = trickled(s.port, f"PUT /{bucket}/k2 HTTP/1.1\r\n{host}", stall=True)
    assert stalled.startswith(b"HTTP/1.1 400 ") and b"<Code>RequestTimeout</Code>" in stalled, stalled

    # Nothing was stored; requests in time are served.
    s3c = client("s3", s.endpoint)
    assert "Contents" not in s3c.list_objects_v2(Bucket=bucket)
    s3c.put_object(Bucket=bucket, Key="k", Body=b"x" * 1000)
    assert s3c.get_object(Bucket=bucket, Key="k")["Body"].read() == b"x" * 1000


def cpu_seconds(pid: int) -> float:
    fields = open(f"/proc/{pid}/stat").read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def start_with_fd_limit(soft: int, hard: int, *args: str) -> tuple[subprocess.Popen, int]:
    def limit():
        resource.setrlimit(resource.RLIMIT_NOFILE, (soft, hard))

    proc = subprocess.Popen([str(KINESIN_BIN), "--port", "0", *args], stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, preexec_fn=limit)
    line = proc.stdout.readline().decode()
    return proc, int(line.split("http://127.0.0.1:")[1].split(" ")[0])


def test_soft_fd_limit_is_raised_to_the_hard_limit():
    proc, _ = start_with_fd_limit(256, 2048)
    try:
        limits = open(f"/proc/{proc.pid}/limits").read()
        row = next(line for line in limits.splitlines() if line.startswith("Max open files"))
        assert row.split()[3:5] == ["2048", "2048"], row
    finally:
        proc.terminate()
        proc.wait(timeout=15)


def test_out_of_descriptors_no_spin_and_recovers():
    """At the descriptor limit (hard limit 96) kinesin neither spins nor stops serving."""
    proc, port = start_with_fd_limit(96, 96, "--max-connections", "100000", "--idle-timeout-secs", "30")
    socks = []
    try:
        for _ in range(150):
            try:
                socks.append(socket.create_connection(("127.0.0.1", port), timeout=2))
            except OSError:
                break
        time.sleep(0.5)
        before = cpu_seconds(proc.pid)
        time.sleep(2)
        used = cpu_seconds(proc.pid) - before
        assert used < 0.5, f"kinesin used {used:.2f}s of CPU in 2s while out of descriptors"
        for c in socks:
            c.close()
        socks.clear()
        status, _, _ = call(port, "GET", "/_kinesin/health", {})
        assert status == 200
        assert proc.poll() is None
    finally:
        for c in socks:
            c.close()
        proc.terminate()
        proc.wait(timeout=15)


def test_connection_cap_queues_new_connections(start_kinesin):
    s = start_kinesin("--max-connections", "8", "--idle-timeout-secs", "2")
    held = [socket.create_connection(("127.0.0.1", s.port)) for _ in range(8)]
    # Beyond the cap a new client waits for a slot (the held sockets time out) and is served.
    kinesis = client("kinesis", s.endpoint, read_timeout=20)
    assert kinesis.list_streams()["StreamNames"] == []
    for c in held:
        c.close()


# ------------------------------------------------------------------ body memory


def rss_peak_kib(pid: int) -> int:
    for line in open(f"/proc/{pid}/status"):
        if line.startswith("VmHWM:"):
            return int(line.split()[1])
    raise AssertionError("no VmHWM")


def test_parallel_large_uploads_stay_within_the_body_budget(start_kinesin):
    """20 parallel 19 MiB uploads: peak RSS stays bounded by the in-flight body budget."""
    s = start_kinesin("--max-inflight-body-bytes", str(40 * 1024 * 1024), "--idle-timeout-secs", "300")
    s3 = client("s3", s.endpoint, s3={"addressing_style": "path"}, read_timeout=300, max_pool_connections=20)
    s3.create_bucket(Bucket="big")
    body = os.urandom(19 * 1024 * 1024)

    def put(i: int) -> str:
        return s3.put_object(Bucket="big", Key=f"k{i}", Body=body)["ETag"]

    with concurrent.futures.ThreadPoolExecutor(20) as pool:
        etags = list(pool.map(put, range(20)))
    assert len(set(etags)) == 1
    peak_mib = rss_peak_kib(s.proc.pid) / 1024
    # Without the budget this reached ~700 MB; with 40 MiB of bodies in flight it stays far below.
    assert peak_mib < 300, f"peak RSS {peak_mib:.0f} MiB"
    assert s3.head_object(Bucket="big", Key="k19")["ContentLength"] == len(body)
