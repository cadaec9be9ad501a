"""The truck case's live dashboard: a Kinesis Data Analytics SQL application over the
positions stream (used by scripts/truck-demo.py --dashboard).

  positions stream -> application "<name>-dashboard"
      TRUCK_STATS  (per truck, 10-second tumbling windows: average speed, positions)
          -> Kinesis stream <name>-stats (JSON)
          -> Firehose <name>-stats-s3 (CSV) -> S3 bucket <name>-dashboard, prefix truck-stats/
      SPEED_ALERTS (every position over the speed limit) -> Kinesis stream <name>-alerts (JSON)
"""
from __future__ import annotations

import csv
import io
import json
import time
import urllib.request
from collections import defaultdict

import boto3
from botocore.config import Config

WINDOW_S = 10
PREFIX = "truck-stats/"

CODE = """CREATE OR REPLACE STREAM "TRUCK_STATS" (
    truck_id VARCHAR(16), window_start TIMESTAMP, avg_speed DOUBLE, positions INTEGER);
CREATE OR REPLACE STREAM "SPEED_ALERTS" (
    truck_id VARCHAR(16), seq INTEGER, speed DOUBLE, lat DOUBLE, lon DOUBLE);
CREATE OR REPLACE PUMP "STATS_PUMP" AS INSERT INTO "TRUCK_STATS"
    SELECT STREAM truck_id, STEP("POSITIONS_001".ROWTIME BY INTERVAL '{window}' SECOND), AVG(speed), COUNT(*)
    FROM "POSITIONS_001"
    GROUP BY truck_id, STEP("POSITIONS_001".ROWTIME BY INTERVAL '{window}' SECOND);
CREATE OR REPLACE PUMP "ALERT_PUMP" AS INSERT INTO "SPEED_ALERTS"
    SELECT STREAM truck_id, seq, speed, lat, lon
    FROM "POSITIONS_001"
    WHERE speed > {limit};"""

SCHEMA = {
    "RecordFormat": {"RecordFormatType": "JSON", "MappingParameters": {"JSONMappingParameters": {"RecordRowPath": "$"}}},
    "RecordEncoding": "UTF-8",
    "RecordColumns": [
        {"Name": "TRUCK_ID", "Mapping": "$.truck_id", "SqlType": "VARCHAR(16)"},
        {"Name": "SEQ", "Mapping": "$.seq", "SqlType": "INTEGER"},
        {"Name": "LAT", "Mapping": "$.lat", "SqlType": "DOUBLE"},
        {"Name": "LON", "Mapping": "$.lon", "SqlType": "DOUBLE"},
        {"Name": "SPEED", "Mapping": "$.speed", "SqlType": "DOUBLE"},
    ],
}

STATS_COLUMNS = ["TRUCK_ID", "WINDOW_START", "AVG_SPEED", "POSITIONS"]


class Dashboard:
    """The resources of one dashboard, and what has been read of its outputs."""

    def __init__(self, endpoint: str | None, region: str, account: str, name: str, speed_limit: float,
                 time_travel: bool = False):
        kw = dict(region_name=region, config=Config(retries={"mode": "standard", "total_max_attempts": 5},
                                                    s3={"addressing_style": "path"}))
        if endpoint:
            kw.update(endpoint_url=endpoint, aws_access_key_id="AKIDTRUCKDEMO", aws_secret_access_key="truck-demo")
        s = boto3.session.Session()
        self.kinesis, self.firehose, self.s3 = (s.client(n, **kw) for n in ("kinesis", "firehose", "s3"))
        self.kda = s.client("kinesisanalytics", **kw)
        self.endpoint, self.region, self.account = endpoint, region, account
        self.name, self.speed_limit, self.time_travel = name, speed_limit, time_travel
        self.app = f"{name}-dashboard"
        self.stats_stream, self.alert_stream = f"{name}-stats", f"{name}-alerts"
        self.delivery, self.bucket = f"{name}-stats-s3", f"{name}-dashboard"
        self.role = f"arn:aws:iam::{account}:role/{name}-dashboard"
        self.stats: list[dict] = []
        self.alerts: list[dict] = []
        self._iterators: dict[tuple[str, str], str] = {}

    def arn(self, service: str, kind: str, name: str) -> str:
        return f"arn:aws:{service}:{self.region}:{self.account}:{kind}/{name}"

    def setup(self, positions_stream: str) -> None:
        """Creates the output streams, the bucket, the delivery stream and the application,
        and starts it from the beginning of the positions stream."""
        for stream in (self.stats_stream, self.alert_stream):
            self.kinesis.create_stream(StreamName=stream, ShardCount=1)
        for stream in (self.stats_stream, self.alert_stream):
            self.kinesis.get_waiter("stream_exists").wait(StreamName=stream, WaiterConfig={"Delay": 0.2, "MaxAttempts": 150})
        self.s3.create_bucket(Bucket=self.bucket)
        self.firehose.create_delivery_stream(
            DeliveryStreamName=self.delivery,
            DeliveryStreamType="DirectPut",
            ExtendedS3DestinationConfiguration={
                "RoleARN": self.role,
                "BucketARN": f"arn:aws:s3:::{self.bucket}",
                "Prefix": PREFIX,
                "BufferingHints": {"SizeInMBs": 1, "IntervalInSeconds": 0},
            },
        )
        self._wait(lambda: self.firehose.describe_delivery_stream(DeliveryStreamName=self.delivery)
                   ["DeliveryStreamDescription"]["DeliveryStreamStatus"] == "ACTIVE", "delivery stream ACTIVE")
        out = lambda name, kind, arn, fmt: {  # noqa: E731
            "Name": name, kind: {"ResourceARN": arn, "RoleARN": self.role}, "DestinationSchema": {"RecordFormatType": fmt}}
        self.kda.create_application(
            ApplicationName=self.app,
            ApplicationDescription="Truck dashboard: average speed and positions per truck and window; speed alerts",
            Inputs=[{"NamePrefix": "POSITIONS", "InputSchema": SCHEMA,
                     "KinesisStreamsInput": {"ResourceARN": self.arn("kinesis", "stream", positions_stream), "RoleARN": self.role}}],
            Outputs=[
                out("TRUCK_STATS", "KinesisStreamsOutput", self.arn("kinesis", "stream", self.stats_stream), "JSON"),
                out("TRUCK_STATS", "KinesisFirehoseOutput", self.arn("firehose", "deliverystream", self.delivery), "CSV"),
                out("SPEED_ALERTS", "KinesisStreamsOutput", self.arn("kinesis", "stream", self.alert_stream), "JSON"),
            ],
            ApplicationCode=CODE.format(window=WINDOW_S, limit=self.speed_limit),
        )
        input_id = self.kda.describe_application(ApplicationName=self.app)["ApplicationDetail"]["InputDescriptions"][0]["InputId"]
        self.kda.start_application(ApplicationName=self.app, InputConfigurations=[
            {"Id": input_id, "InputStartingPositionConfiguration": {"InputStartingPosition": "TRIM_HORIZON"}}])
        self._wait(lambda: self.kda.describe_application(ApplicationName=self.app)
                   ["ApplicationDetail"]["ApplicationStatus"] == "RUNNING", "application RUNNING")

    def _wait(self, done, what: str, timeout: float = 120) -> None:
        deadline = time.monotonic() + timeout
        while not done():
            if time.monotonic() > deadline:
                raise RuntimeError(f"timed out waiting for {what}")
            time.sleep(0.2)

    def pass_time(self, seconds: float) -> None:
        """Lets `seconds` pass: moves the server's clock (--time-travel) or waits."""
        if not self.time_travel:
            time.sleep(seconds)
            return
        req = urllib.request.Request(f"{self.endpoint}/_kinesin/clock?advance_ms={int(seconds * 1000)}", data=b"", method="POST")
        with urllib.request.urlopen(req, timeout=10) as r:
            r.read()
        time.sleep(0.2)  # the server's tasks run on the moved clock; give them a moment

    def _read_new(self, stream: str) -> list[dict]:
        out = []
        for shard in self.kinesis.list_shards(StreamName=stream)["Shards"]:
            key = (stream, shard["ShardId"])
            it = self._iterators.get(key) or self.kinesis.get_shard_iterator(
                StreamName=stream, ShardId=shard["ShardId"], ShardIteratorType="TRIM_HORIZON")["ShardIterator"]
            while it:
                resp = self.kinesis.get_records(ShardIterator=it, Limit=10000)
                out.extend(json.loads(r["Data"]) for r in resp["Records"])
                it = resp.get("NextShardIterator")
                self._iterators[key] = it
                if not resp["Records"]:
                    break
        return out

    def collect(self, expected_per_truck: dict[str, int], timeout: float = 120) -> None:
        """Lets windows close until every position sent is counted in some window."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            self.stats.extend(self._read_new(self.stats_stream))
            self.alerts.extend(self._read_new(self.alert_stream))
            if self.counted() == expected_per_truck:
                return
            self.pass_time(WINDOW_S if self.time_travel else 1)

    def counted(self) -> dict[str, int]:
        """Positions counted per truck over all windows read so far."""
        n: dict[str, int] = defaultdict(int)
        for row in self.stats:
            n[row["TRUCK_ID"]] += row["POSITIONS"]
        return dict(n)

    def s3_rows(self, want: int, timeout: float = 60) -> list[dict]:
        """The TRUCK_STATS rows Firehose delivered to S3 (CSV), once there are `want` of them."""
        deadline = time.monotonic() + timeout
        while True:
            rows = []
            pages = self.s3.get_paginator("list_objects_v2").paginate(Bucket=self.bucket, Prefix=PREFIX)
            for obj in (o for page in pages for o in page.get("Contents", [])):
                body = self.s3.get_object(Bucket=self.bucket, Key=obj["Key"])["Body"].read().decode()
                for cells in csv.reader(io.StringIO(body)):
                    rows.append(dict(zip(STATS_COLUMNS, cells)))
            if len(rows) >= want or time.monotonic() > deadline:
                return rows
            self.pass_time(1)

    def print(self, out) -> None:
        """The dashboard: per truck its windows (average speed, positions); the alerts."""
        by_truck: dict[str, list[dict]] = defaultdict(list)
        for row in self.stats:
            by_truck[row["TRUCK_ID"]].append(row)
        out(f"dashboard {self.app}: {len(self.stats)} window rows of {len(by_truck)} trucks, {len(self.alerts)} alerts"
            f" (speed > {self.speed_limit:g} km/h)")
        for truck in sorted(by_truck)[:5]:
            cells = ", ".join(f"{r['WINDOW_START'][11:19]} avg {r['AVG_SPEED']:.1f} km/h x{r['POSITIONS']}" for r in by_truck[truck])
            out(f"  {truck}: {cells}")
        if len(by_truck) > 5:
            out(f"  ... and {len(by_truck) - 5} more trucks")
        for a in self.alerts[:5]:
            out(f"  ALERT {a['TRUCK_ID']} position {a['SEQ']}: {a['SPEED']:g} km/h at {a['LAT']:.4f},{a['LON']:.4f}")

    def teardown(self) -> None:
        """Deletes what setup made (the bucket and its objects stay, for a look at them)."""
        detail = self.kda.describe_application(ApplicationName=self.app)["ApplicationDetail"]
        self.kda.delete_application(ApplicationName=self.app, CreateTimestamp=detail["CreateTimestamp"])
        self.firehose.delete_delivery_stream(DeliveryStreamName=self.delivery)
        for stream in (self.stats_stream, self.alert_stream):
            self.kinesis.delete_stream(StreamName=stream)


def check(sent: list[dict], speed_limit: float, stats: list[dict], alerts: list[dict], s3_rows: list[dict]) -> list[str]:
    """What does not match the positions sent: per truck the positions counted and the sum of
    speeds (average x count over its windows), the alerts, and the rows in S3."""
    problems = []
    count, total = defaultdict(int), defaultdict(float)
    for p in sent:
        count[p["truck_id"]] += 1
        total[p["truck_id"]] += p["speed"]
    got_count, got_total = defaultdict(int), defaultdict(float)
    for r in stats:
        got_count[r["TRUCK_ID"]] += r["POSITIONS"]
        got_total[r["TRUCK_ID"]] += r["AVG_SPEED"] * r["POSITIONS"]
    if dict(got_count) != dict(count):
        problems.append("positions per truck differ")
    if any(abs(got_total[t] - total[t]) > 1e-6 * max(1.0, total[t]) for t in count):
        problems.append("average speeds differ")
    want_alerts = sorted((p["truck_id"], p["seq"], p["speed"]) for p in sent if p["speed"] > speed_limit)
    if sorted((a["TRUCK_ID"], a["SEQ"], a["SPEED"]) for a in alerts) != want_alerts:
        problems.append("alerts differ")
    row = lambda r: (r["TRUCK_ID"], r["WINDOW_START"], int(r["POSITIONS"]), round(float(r["AVG_SPEED"]), 6))  # noqa: E731
    if sorted(map(row, s3_rows)) != sorted(map(row, stats)):
        problems.append("rows in S3 differ from the stats stream")
    return problems
