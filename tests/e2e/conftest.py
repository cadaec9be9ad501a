"""Fixtures for the end-to-end client suite: start the kinesin binary, make boto3
clients and run the AWS CLI against it. Everything talks to 127.0.0.1 only."""

from __future__ import annotations

import hashlib
import json
import os
import re
import selectors
import shutil
import signal
import subprocess
import time
import urllib.request
import uuid
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
KINESIN_BIN = Path(os.environ.get("KINESIN_BIN") or REPO / "target" / "debug" / "kinesin")
if not KINESIN_BIN.is_absolute():
    KINESIN_BIN = (Path.cwd() / KINESIN_BIN).resolve()

LISTEN_RE = re.compile(r"^kinesin \S+ listening on (http://127\.0\.0\.1:(\d+)) \(store: (.+)\)$")

ACCESS_KEY = "AKIDKINESINTEST"
SECRET_KEY = "kinesin-test-secret"
REGION = "us-east-1"
ACCOUNT = "000000000000"  # the server's default account (access key is not 12 digits)

STARTUP_TIMEOUT_S = 30


class Server:
    """One running kinesin process."""

    def __init__(self, args: list[str], log_dir: Path):
        if not KINESIN_BIN.exists():
            raise RuntimeError(f"kinesin binary not found at {KINESIN_BIN}; run `cargo build` or set KINESIN_BIN")
        self.args = list(args)
        log_dir.mkdir(parents=True, exist_ok=True)
        self.log_path = log_dir / f"kinesin-{uuid.uuid4().hex[:8]}.log"
        self._log = open(self.log_path, "wb")
        self.proc = subprocess.Popen(
            [str(KINESIN_BIN), "--port", "0", *self.args],
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=self._log,
        )
        self.line = self._read_first_line()
        m = LISTEN_RE.match(self.line)
        if not m:
            self.stop()
            raise RuntimeError(f"unexpected first line from kinesin: {self.line!r}")
        self.endpoint = m.group(1)
        self.port = int(m.group(2))
        self.store = m.group(3)

    def _read_first_line(self) -> str:
        sel = selectors.DefaultSelector()
        sel.register(self.proc.stdout, selectors.EVENT_READ)
        buf = b""
        deadline = time.monotonic() + STARTUP_TIMEOUT_S
        try:
            while b"\n" not in buf:
                left = deadline - time.monotonic()
                if left <= 0:
                    self.kill()
                    raise RuntimeError(f"kinesin printed no listening line within {STARTUP_TIMEOUT_S}s; log: {self.log_tail()}")
                if not sel.select(timeout=left):
                    continue
                chunk = os.read(self.proc.stdout.fileno(), 4096)
                if not chunk:
                    self.proc.wait(timeout=10)
                    raise RuntimeError(
                        f"kinesin exited with {self.proc.returncode} before listening; log: {self.log_tail()}"
                    )
                buf += chunk
        finally:
            sel.close()
        return buf.split(b"\n", 1)[0].decode("utf-8", "replace").strip()

    def alive(self) -> bool:
        return self.proc.poll() is None

    def log_tail(self, n: int = 4000) -> str:
        try:
            self._log.flush()
            return self.log_path.read_bytes()[-n:].decode("utf-8", "replace")
        except OSError:
            return "<no log>"

    def health(self) -> dict:
        with urllib.request.urlopen(self.endpoint + "/_kinesin/health", timeout=10) as r:
            assert r.status == 200
            return json.loads(r.read())

    def stop(self, timeout: float = 15) -> int | None:
        """SIGTERM, then SIGKILL if it does not exit in time."""
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(timeout=timeout)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(timeout=timeout)
        self._close()
        return self.proc.returncode

    def kill(self) -> None:
        """SIGKILL: a crash, no chance to clean up."""
        if self.proc.poll() is None:
            os.kill(self.proc.pid, signal.SIGKILL)
            self.proc.wait(timeout=15)
        self._close()

    def _close(self) -> None:
        if self.proc.stdout and not self.proc.stdout.closed:
            self.proc.stdout.close()
        if not self._log.closed:
            self._log.close()


class ServerPool:
    """Starts servers and stops every one of them at the end."""

    def __init__(self, log_dir: Path):
        self.log_dir = log_dir
        self.servers: list[Server] = []

    def start(self, *args: str) -> Server:
        s = Server([str(a) for a in args], self.log_dir)
        self.servers.append(s)
        return s

    def close(self) -> None:
        for s in self.servers:
            try:
                s.stop()
            except Exception:  # noqa: BLE001 - best effort at teardown
                s.kill()


@pytest.fixture
def start_kinesin(tmp_path):
    """Factory: `start_kinesin("--data-dir", d)` -> Server; all stopped after the test."""
    pool = ServerPool(tmp_path / "logs")
    yield pool.start
    pool.close()


@pytest.fixture(scope="module")
def kinesin_server(tmp_path_factory):
    """One ephemeral server shared by a test module."""
    pool = ServerPool(tmp_path_factory.mktemp("kinesin-logs"))
    server = pool.start()
    yield server
    pool.close()


@pytest.fixture(scope="module")
def endpoint(kinesin_server) -> str:
    return kinesin_server.endpoint


def make_kinesis_client(endpoint_url: str, retries: int = 3, read_timeout: float = 30, connect_timeout: float = 5):
    import boto3
    from botocore.config import Config

    session = boto3.session.Session(
        aws_access_key_id=ACCESS_KEY,
        aws_secret_access_key=SECRET_KEY,
        region_name=REGION,
    )
    return session.client(
        "kinesis",
        endpoint_url=endpoint_url,
        config=Config(
            retries={"total_max_attempts": retries, "mode": "standard"},
            read_timeout=read_timeout,
            connect_timeout=connect_timeout,
            tcp_keepalive=False,
        ),
    )


@pytest.fixture(scope="session")
def kinesis_client_factory():
    """Factory: `kinesis_client_factory(endpoint, retries=1)` -> boto3 kinesis client."""
    return make_kinesis_client


@pytest.fixture(scope="module")
def kinesis(endpoint):
    return make_kinesis_client(endpoint)


def unique_name(prefix: str = "s") -> str:
    return f"{prefix}-{uuid.uuid4().hex[:10]}"


@pytest.fixture
def stream_name() -> str:
    return unique_name("stream")


# ---------------------------------------------------------------- Kinesis helpers


def md5_hash_key(partition_key: str) -> int:
    """Kinesis maps a partition key to a 128-bit hash key: MD5 of its UTF-8 bytes, big-endian."""
    return int.from_bytes(hashlib.md5(partition_key.encode("utf-8")).digest(), "big")


def shard_for_key(shards: list[dict], partition_key: str) -> str:
    """The id of the open shard whose HashKeyRange holds the key's hash."""
    h = md5_hash_key(partition_key)
    hits = [
        s["ShardId"]
        for s in shards
        if "EndingSequenceNumber" not in s.get("SequenceNumberRange", {})
        and int(s["HashKeyRange"]["StartingHashKey"]) <= h <= int(s["HashKeyRange"]["EndingHashKey"])
    ]
    assert len(hits) == 1, f"hash key {h} of {partition_key!r} is in {len(hits)} open shards"
    return hits[0]


def list_all_shards(client, stream: str) -> list[dict]:
    shards, token = [], None
    for _ in range(1000):
        resp = client.list_shards(NextToken=token) if token else client.list_shards(StreamName=stream)
        shards.extend(resp["Shards"])
        token = resp.get("NextToken")
        if not token:
            return shards
    raise AssertionError("ListShards did not finish within 1000 pages")


def read_shard(client, stream: str, shard_id: str, max_pages: int = 2000, max_seconds: float = 120) -> list[dict]:
    """Every record of a shard from TRIM_HORIZON, reading until caught up: an empty page with
    MillisBehindLatest == 0. Bounded in pages and time."""
    it = client.get_shard_iterator(StreamName=stream, ShardId=shard_id, ShardIteratorType="TRIM_HORIZON")["ShardIterator"]
    out: list[dict] = []
    deadline = time.monotonic() + max_seconds
    for _ in range(max_pages):
        assert time.monotonic() < deadline, f"reading {shard_id} took longer than {max_seconds}s"
        resp = client.get_records(ShardIterator=it, Limit=10000)
        out.extend(resp["Records"])
        if not resp["Records"] and resp.get("MillisBehindLatest") == 0:
            return out
        it = resp.get("NextShardIterator")
        if it is None:  # closed shard, fully read
            return out
    raise AssertionError(f"{shard_id} not caught up after {max_pages} GetRecords pages")


def read_stream(client, stream: str) -> dict[str, list[dict]]:
    """shard id -> records, for every shard of the stream."""
    return {s["ShardId"]: read_shard(client, stream, s["ShardId"]) for s in list_all_shards(client, stream)}


def wait_active(client, stream: str) -> None:
    client.get_waiter("stream_exists").wait(StreamName=stream, WaiterConfig={"Delay": 0.2, "MaxAttempts": 150})


# ---------------------------------------------------------------- AWS CLI


def aws_cli_version() -> tuple[int, str] | None:
    exe = shutil.which("aws")
    if not exe:
        return None
    out = subprocess.run([exe, "--version"], capture_output=True, text=True, timeout=60, stdin=subprocess.DEVNULL)
    text = (out.stdout + out.stderr).strip()
    m = re.search(r"aws-cli/(\d+)\.", text)
    if not m:
        return None
    return int(m.group(1)), text


class AwsCli:
    def __init__(self, home: Path):
        found = aws_cli_version()
        if found is None:
            pytest.skip("AWS CLI (`aws`) is not installed")
        self.major, self.version_text = found
        self.exe = shutil.which("aws")
        home.mkdir(parents=True, exist_ok=True)
        self.env = {
            k: v for k, v in os.environ.items() if not k.startswith("AWS_") and k not in ("HTTP_PROXY", "HTTPS_PROXY", "http_proxy", "https_proxy")
        }
        self.env.update(
            {
                "AWS_ACCESS_KEY_ID": ACCESS_KEY,
                "AWS_SECRET_ACCESS_KEY": SECRET_KEY,
                "AWS_DEFAULT_REGION": REGION,
                "AWS_REGION": REGION,
                "AWS_CONFIG_FILE": str(home / "config"),
                "AWS_SHARED_CREDENTIALS_FILE": str(home / "credentials"),
                "AWS_PAGER": "",
                "AWS_EC2_METADATA_DISABLED": "true",
                "AWS_MAX_ATTEMPTS": "1",
                "NO_PROXY": "127.0.0.1,localhost",
                "no_proxy": "127.0.0.1,localhost",
            }
        )

    @property
    def raw_blob_args(self) -> list[str]:
        """v2 reads blobs as base64 by default; make it take raw text like v1 does."""
        return ["--cli-binary-format", "raw-in-base64-out"] if self.major >= 2 else []

    def run(self, endpoint: str, *args: str, check: bool = True, timeout: float = 120) -> subprocess.CompletedProcess:
        cmd = [self.exe, "--endpoint-url", endpoint, "--output", "json", "--no-cli-pager" if self.major >= 2 else None, "kinesis", *args]
        cmd = [c for c in cmd if c is not None]
        p = subprocess.run(cmd, capture_output=True, text=True, env=self.env, timeout=timeout, stdin=subprocess.DEVNULL)
        if check and p.returncode != 0:
            raise AssertionError(f"{' '.join(cmd)} exited {p.returncode}\nstdout: {p.stdout}\nstderr: {p.stderr}")
        return p

    def json(self, endpoint: str, *args: str):
        """Runs a command that must succeed; returns its parsed JSON output (None if empty)."""
        out = self.run(endpoint, *args).stdout.strip()
        return json.loads(out) if out else None


@pytest.fixture(scope="session")
def aws_cli(tmp_path_factory) -> AwsCli:
    return AwsCli(tmp_path_factory.mktemp("aws-home"))
