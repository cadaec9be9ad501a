"""The truck case end to end: 100 trucks x 10 positions through Kinesis (4 shards), a pipe
and an SQS FIFO queue, consumed by 4 concurrent consumers; every truck's positions must be
processed once each, in send order. Runs scripts/truck-demo.py's scenario, and its
--dashboard (a Kinesis Data Analytics SQL application) on the manual clock."""

from __future__ import annotations

import importlib.util
import re
from pathlib import Path

import pytest

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


def test_truck_dashboard_on_the_manual_clock(start_kinesin):
    """--dashboard: the Analytics application's 10-second windows per truck (average speed,
    positions) in the stats stream and, through Firehose, as CSV in S3; the speed alerts. The
    windows are closed by moving the server's clock; every value is computed here from the
    positions sent."""
    server = start_kinesin("--time-travel")
    demo = load_demo()
    lines: list[str] = []
    trucks, positions, limit = 20, 10, 85.0
    summary = demo.run(server.endpoint, trucks=trucks, positions=positions, consumers=2, shards=2, timeout=120,
                       out=lines.append, dashboard=True, speed_limit=limit, time_travel=True)
    report = "\n".join(lines)
    assert summary["ok"], report
    board = summary["dashboard"]
    sent = [demo.position(t, seq) for t in range(trucks) for seq in range(positions)]
    speeds: dict[str, list[float]] = {}
    for p in sent:
        speeds.setdefault(p["truck_id"], []).append(p["speed"])

    windows: dict[str, list[dict]] = {}
    for row in board["stats"]:
        windows.setdefault(row["TRUCK_ID"], []).append(row)
        assert re.fullmatch(r"\d{4}-\d\d-\d\d \d\d:\d\d:\d0\.000", row["WINDOW_START"]), row  # 10 s aligned
    assert set(windows) == set(speeds)
    for truck, rows in windows.items():
        assert len({r["WINDOW_START"] for r in rows}) == len(rows), rows  # one row per window
        assert sum(r["POSITIONS"] for r in rows) == positions
        assert sum(r["AVG_SPEED"] * r["POSITIONS"] for r in rows) == pytest.approx(sum(speeds[truck]))
        assert all(min(speeds[truck]) <= r["AVG_SPEED"] <= max(speeds[truck]) for r in rows)

    want_alerts = sorted((p["truck_id"], p["seq"], p["speed"], p["lat"], p["lon"]) for p in sent if p["speed"] > limit)
    assert want_alerts, "the demo's speeds never exceed the limit"
    got_alerts = sorted((a["TRUCK_ID"], a["SEQ"], a["SPEED"], a["LAT"], a["LON"]) for a in board["alerts"])
    assert got_alerts == want_alerts

    csv_rows = sorted((r["TRUCK_ID"], r["WINDOW_START"], int(r["POSITIONS"]), float(r["AVG_SPEED"])) for r in board["s3_rows"])
    stream_rows = sorted((r["TRUCK_ID"], r["WINDOW_START"], r["POSITIONS"], r["AVG_SPEED"]) for r in board["stats"])
    assert csv_rows == stream_rows
    assert "dashboard OK" in report
