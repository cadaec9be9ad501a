"""What the Python benchmark scripts share: start a kinesin binary on a free port, and a boto3
client for it."""

from __future__ import annotations

import subprocess

import boto3
from botocore.config import Config

REGION = "us-east-1"


def client(endpoint: str, service: str, access_key: str):
    """A boto3 client of `service` at `endpoint` (the access key names the account's scope)."""
    return boto3.session.Session().client(
        service, endpoint_url=endpoint, region_name=REGION, aws_access_key_id=access_key,
        aws_secret_access_key="bench", config=Config(retries={"mode": "standard", "total_max_attempts": 3}))


def start(binary: str) -> tuple[subprocess.Popen, str]:
    """Starts `binary` on a free port; the process and its endpoint."""
    proc = subprocess.Popen([binary, "--port", "0", "--log-level", "warn"], stdout=subprocess.PIPE, text=True)
    line = proc.stdout.readline() if proc.stdout else ""
    if "listening on http://" not in line:
        proc.kill()
        raise RuntimeError(f"kinesin did not start: {line!r}")
    return proc, "http://" + line.split("listening on http://", 1)[1].split()[0]
