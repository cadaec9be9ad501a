"""kinesin where LocalStack was: the image's contract checked without a Docker engine, by
running the image's entrypoint script (scripts/docker/docker-entrypoint.sh) and health check
directly against the built binary. Covers LocalStack's environment, the init hooks (order,
states, failures), the `Ready.` line the testcontainers modules wait for (with their own
patterns), and the `/_localstack/*` endpoints."""

from __future__ import annotations

import json
import os
import re
import signal
import stat
import subprocess
import threading
import time
import urllib.error
import urllib.request
from pathlib import Path

import boto3
import pytest

from conftest import KINESIN_BIN, LISTEN_RE, REPO

ENTRYPOINT = REPO / "scripts" / "docker" / "docker-entrypoint.sh"
HEALTHCHECK = REPO / "scripts" / "docker" / "healthcheck.sh"

# The readiness patterns of the testcontainers LocalStack modules, as their sources state them.
JAVA_LOG_REGEX = re.compile(r".*Ready\.\n", re.DOTALL)  # Wait.forLogMessage(".*Ready\\.\n", 1), whole line
PYTHON_LOG_REGEX = re.compile(r"Ready\.\n")  # wait_for_logs(self, r"Ready\.\n"), searched in the output
NODE_LOG_TEXT = "Ready"  # Wait.forLogMessage("Ready", 1)
RUST_LOG_TEXT = "Ready."  # WaitFor::message_on_stdout("Ready.")


class Container:
    """The entrypoint run as a container would run it; stdout lines collected with arrival times."""

    def __init__(self, env: dict[str, str], tmp: Path, args: tuple[str, ...] = ()):
        base = {k: v for k, v in os.environ.items() if not k.startswith(("KINESIN_", "AWS_"))}
        base.update({"KINESIN_EXE": str(KINESIN_BIN), "KINESIN_ADDR_FILE": str(tmp / "addr")})
        base.setdefault("GATEWAY_LISTEN", "127.0.0.1:0")
        base.update(env)
        self.addr_file = Path(base["KINESIN_ADDR_FILE"])
        self.stderr_path = tmp / f"stderr-{time.monotonic_ns()}.log"
        self._stderr = open(self.stderr_path, "wb")
        self.proc = subprocess.Popen(
            ["sh", str(ENTRYPOINT), *args], env=base, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=self._stderr
        )
        self.lines: list[tuple[float, str]] = []
        self.raw = b""
        self._cond = threading.Condition()
        self._done = False
        threading.Thread(target=self._pump, daemon=True).start()

    def _pump(self) -> None:
        for line in iter(self.proc.stdout.readline, b""):
            with self._cond:
                self.raw += line
                self.lines.append((time.monotonic(), line.decode()))
                self._cond.notify_all()
        with self._cond:
            self._done = True
            self._cond.notify_all()

    def wait_line(self, pattern: str, timeout: float = 30) -> tuple[float, str]:
        deadline = time.monotonic() + timeout
        with self._cond:
            while True:
                for t, line in self.lines:
                    if re.search(pattern, line):
                        return t, line
                if time.monotonic() > deadline or self._done:
                    raise AssertionError(f"no line matching {pattern!r}; stdout {self.lines}; stderr {self.stderr()}")
                self._cond.wait(0.2)

    @property
    def endpoint(self) -> str:
        m = LISTEN_RE.match(self.lines[0][1].strip())
        assert m, self.lines[0]
        return m.group(1)

    def get(self, path: str) -> tuple[int, dict]:
        try:
            with urllib.request.urlopen(self.endpoint + path, timeout=10) as r:
                return r.status, json.loads(r.read())
        except urllib.error.HTTPError as e:
            return e.code, json.loads(e.read() or b"{}")

    def stderr(self) -> str:
        if not self._stderr.closed:
            self._stderr.flush()
        return self.stderr_path.read_text(errors="replace")

    def stop(self) -> int:
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(timeout=20)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(timeout=10)
        if not self._stderr.closed:
            self._stderr.close()
        return self.proc.returncode


@pytest.fixture
def containers(tmp_path):
    started: list[Container] = []

    def start(env: dict[str, str] | None = None, *args: str) -> Container:
        c = Container(env or {}, tmp_path, args)
        started.append(c)
        return c

    yield start
    for c in started:
        c.stop()


def script(path: Path, body: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(body)
    path.chmod(path.stat().st_mode | stat.S_IXUSR)


def make_hooks(root: Path, log: Path) -> None:
    """Hooks in every stage; each appends its name to `log`. The ready stage creates a queue
    through boto3 (endpoint and region from the environment kinesin gives hooks), has a
    failing script in the middle, and a subfolder that must run after its parent's files."""
    for stage in ("boot", "start", "shutdown"):
        script(root / f"{stage}.d" / "10-mark.sh", f"#!/bin/sh\necho {stage} >> '{log}'\n")
    ready = root / "ready.d"
    script(
        ready / "10-queue.py",
        "import boto3\n"
        f"boto3.client('sqs').create_queue(QueueName='from-hook')\n"
        f"open('{log}', 'a').write('ready-py\\n')\n",
    )
    script(ready / "20-fail.sh", f"#!/bin/sh\necho ready-fail >> '{log}'\nexit 3\n")
    script(ready / "30-after.sh", f"#!/bin/sh\nsleep 0.3\necho ready-after >> '{log}'\n")
    script(ready / "sub" / "05-nested.sh", f"#!/bin/sh\necho ready-nested >> '{log}'\n")
    (ready / "README.txt").write_text("not a hook")


def test_entrypoint_runs_hooks_in_order_then_prints_ready(containers, tmp_path):
    root, log = tmp_path / "init", tmp_path / "hooks.log"
    make_hooks(root, log)
    c = containers({"KINESIN_INIT_DIR": str(root), "DEFAULT_REGION": "eu-west-1", "LOCALSTACK_HOST": "kinesin.test"})
    _, first = c.wait_line(r"listening on")
    assert c.lines[0][1] == first and LISTEN_RE.match(first.strip()), first
    c.wait_line(r"^Ready\.$")
    # Every ready hook had finished (the last one sleeps) when `Ready.` came.
    assert log.read_text().split() == ["boot", "start", "ready-py", "ready-fail", "ready-after", "ready-nested"]
    assert [line for _, line in c.lines].index("Ready.\n") >= 1

    status, init = c.get("/_localstack/init")
    assert status == 200
    assert init["completed"] == {"BOOT": True, "START": True, "READY": True, "SHUTDOWN": False}
    ready = [s for s in init["scripts"] if s["stage"] == "READY"]
    assert [(s["name"], s["state"]) for s in ready] == [
        ("10-queue.py", "SUCCESSFUL"),
        ("20-fail.sh", "ERROR"),
        ("30-after.sh", "SUCCESSFUL"),
        ("05-nested.sh", "SUCCESSFUL"),
    ]
    assert {s["state"] for s in init["scripts"] if s["stage"] == "SHUTDOWN"} == {"UNKNOWN"}
    status, stage = c.get("/_localstack/init/ready")
    assert status == 200 and stage["completed"] is True and len(stage["scripts"]) == 4
    assert c.get("/_localstack/init/nonsense")[0] == 404

    # The hook's queue is in DEFAULT_REGION and its URL carries LOCALSTACK_HOST (the port added).
    sqs = boto3.client("sqs", endpoint_url=c.endpoint, region_name="eu-west-1", aws_access_key_id="test", aws_secret_access_key="test")
    url = sqs.get_queue_url(QueueName="from-hook")["QueueUrl"]
    port = c.endpoint.rsplit(":", 1)[1]
    assert url == f"http://kinesin.test:{port}/000000000000/from-hook"
    sqs.send_message(QueueUrl=url, MessageBody="via the public url")
    assert sqs.receive_message(QueueUrl=url)["Messages"][0]["Body"] == "via the public url"

    assert c.stop() == 0
    assert log.read_text().split()[-1] == "shutdown"
    assert "init script failed" in c.stderr() and "20-fail.sh" in c.stderr()


def test_testcontainers_wait_strategies_match(containers, tmp_path):
    c = containers()
    c.wait_line(r"^Ready\.$")
    # Java and Rust match log frames line by line; Python and Node search the output.
    assert any(JAVA_LOG_REGEX.fullmatch(line) for _, line in c.lines)
    assert any(RUST_LOG_TEXT in line for _, line in c.lines)
    assert PYTHON_LOG_REGEX.search(c.raw.decode())
    assert NODE_LOG_TEXT in c.raw.decode()
    # Go and .NET wait for HTTP 200 on /_localstack/health.
    status, health = c.get("/_localstack/health")
    assert status == 200
    assert health["edition"] == "community" and health["version"]
    assert {"kinesis", "firehose", "sqs", "s3"} <= set(health["services"])
    assert set(health["services"].values()) <= {"running", "available"}
    assert health["features"]["initScripts"] == "initialized"
    status, info = c.get("/_localstack/info")
    assert status == 200 and info["edition"] == "community" and info["version"] == health["version"]
    assert isinstance(info["uptime"], int) and re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d", info["server_time_utc"])


def test_ready_waits_for_slow_hooks(containers, tmp_path):
    root = tmp_path / "init"
    script(root / "ready.d" / "slow.sh", "#!/bin/sh\nsleep 1.5\n")
    c = containers({"KINESIN_INIT_DIR": str(root)})
    listening_at, _ = c.wait_line(r"listening on")
    # While the ready hook runs the server answers, and says it is still initializing.
    status, health = c.get("/_localstack/health")
    assert status == 200 and health["features"]["initScripts"] == "initializing"
    ready_at, _ = c.wait_line(r"^Ready\.$")
    assert ready_at - listening_at >= 1.0
    assert c.get("/_localstack/health")[1]["features"]["initScripts"] == "initialized"


def test_healthcheck_follows_the_chosen_port(containers, tmp_path):
    c = containers({}, "--port", "0")
    c.wait_line(r"^Ready\.$")
    addr = c.addr_file.read_text().strip()
    assert addr.endswith(":" + c.endpoint.rsplit(":", 1)[1])
    env = {**os.environ, "KINESIN_ADDR_FILE": str(c.addr_file)}
    assert subprocess.run(["bash", str(HEALTHCHECK)], env=env, timeout=10).returncode == 0
    c.stop()
    assert subprocess.run(["bash", str(HEALTHCHECK)], env=env, timeout=10, stderr=subprocess.DEVNULL).returncode != 0


def test_persistence_debug_and_services(containers, tmp_path):
    volume = tmp_path / "volume"
    env = {"PERSISTENCE": "1", "LOCALSTACK_VOLUME_DIR": str(volume), "DEBUG": "1", "SERVICES": "kinesis,sqs,lambda"}
    c = containers(env)
    c.wait_line(r"^Ready\.$")
    assert str(volume / "state") in c.lines[0][1]
    kinesis = boto3.client(
        "kinesis", endpoint_url=c.endpoint, region_name="us-east-1", aws_access_key_id="test", aws_secret_access_key="test"
    )
    kinesis.create_stream(StreamName="kept", ShardCount=1)
    # DEBUG=1: one line per request with service, operation and status.
    deadline = time.monotonic() + 5
    while "CreateStream" not in c.stderr() and time.monotonic() < deadline:
        time.sleep(0.05)
    line = next(l for l in c.stderr().splitlines() if "CreateStream" in l)
    assert "service=kinesis" in line and "status=200" in line and "request_id=" in line and "duration_ms=" in line
    assert "lambda" in c.stderr() and "does not emulate" in c.stderr()
    # A second kinesin on the same volume is refused while the first holds it.
    second = containers(env)
    assert second.proc.wait(timeout=20) != 0
    assert "in use by another kinesin" in second.stderr()
    assert c.stop() == 0
    again = containers(env)
    again.wait_line(r"^Ready\.$")
    kinesis = boto3.client(
        "kinesis", endpoint_url=again.endpoint, region_name="us-east-1", aws_access_key_id="test", aws_secret_access_key="test"
    )
    assert kinesis.describe_stream_summary(StreamName="kept")["StreamDescriptionSummary"]["StreamName"] == "kept"
