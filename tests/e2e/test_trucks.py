"""The truck case end to end: 100 trucks x 10 positions through Kinesis (4 shards), a pipe
and an SQS FIFO queue, consumed by 4 concurrent consumers; every truck's positions must be
processed once each, in send order. Runs scripts/truck-demo.py's scenario."""

from __future__ import annotations

import importlib.util
from pathlib import Path

from conftest import REPO

DEMO = Path(REPO) / "scripts" / "truck-demo.py"


def load_demo():
    spec = importlib.util.spec_from_file_location("truck_demo", DEMO)
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


def test_trucks_in_order_with_concurrent_consumers(endpoint):
    demo = load_demo()
    lines: list[str] = []
    summary = demo.run(endpoint, trucks=100, positions=10, consumers=4, shards=4, timeout=120, out=lines.append)
    report = "\n".join(lines)
    assert summary["ok"], report
    assert summary["received"] == 1000, report
    assert len(summary["per_consumer"]) == 4
    # Work is spread: with 100 groups every consumer gets some of it.
    assert all(n > 0 for n in summary["per_consumer"].values()), report
