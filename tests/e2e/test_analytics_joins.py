"""Kinesis Data Analytics SQL through boto3: a stream-to-stream join (the orders and
shipments example of AWS's JOIN clause reference, windows on both sides of a LEFT JOIN)
and the approximate tumbling functions of the SQL reference (TOP_K_ITEMS_TUMBLING,
COUNT_DISTINCT_ITEMS_TUMBLING), windows driven by the manual clock (--time-travel), each
output compared with results computed here."""

from __future__ import annotations

import json
import time
from collections import Counter
from datetime import datetime, timedelta

import pytest
from botocore.exceptions import ClientError

from conftest import make_kinesis_client, unique_name, wait_active
from test_analytics import ROLE, TICKER_SCHEMA, advance, kda, put_all, read_output, start_and_wait, stream_arn, wait_read

ORDER_SCHEMA = {
    "RecordFormat": {"RecordFormatType": "JSON", "MappingParameters": {"JSONMappingParameters": {"RecordRowPath": "$"}}},
    "RecordEncoding": "UTF-8",
    "RecordColumns": [
        {"Name": "orderid", "Mapping": "$.orderid", "SqlType": "INTEGER"},
        {"Name": "orders", "Mapping": "$.orders", "SqlType": "INTEGER"},
        {"Name": "shipments", "Mapping": "$.shipments", "SqlType": "INTEGER"},
    ],
}

JOIN_CODE = """CREATE OR REPLACE STREAM "ORDERS_STREAM" ("orderid" int, "orderrowtime" timestamp);
CREATE OR REPLACE PUMP "ORDERS_STREAM_PUMP" AS INSERT INTO "ORDERS_STREAM"
SELECT STREAM "orderid", "ROWTIME" FROM "SOURCE_SQL_STREAM_001" WHERE "orders" = 1;
CREATE OR REPLACE STREAM "SHIPMENTS_STREAM" ("orderid" int, "shipmentrowtime" timestamp);
CREATE OR REPLACE PUMP "SHIPMENTS_STREAM_PUMP" AS INSERT INTO "SHIPMENTS_STREAM"
SELECT STREAM "orderid", "ROWTIME" FROM "SOURCE_SQL_STREAM_001" WHERE "shipments" = 2;
CREATE OR REPLACE STREAM "OUTPUT_STREAM" ("resultrowtime" timestamp, "orderid" int, "shipmenttime" timestamp, "ordertime" timestamp);
CREATE OR REPLACE PUMP "OUTPUT_STREAM_PUMP" AS INSERT INTO "OUTPUT_STREAM"
  SELECT STREAM ROWTIME as "resultrowtime", o."orderid", s.ROWTIME as "shipmenttime", o.ROWTIME as "ordertime"
    FROM ORDERS_STREAM OVER (RANGE INTERVAL '1' MINUTE PRECEDING) AS o
      LEFT JOIN SHIPMENTS_STREAM OVER (RANGE INTERVAL '1' MINUTE PRECEDING) AS s
        ON o."orderid" = s."orderid";"""

# The reference's dataset: (seconds after the previous step, [(orderid, is an order)]).
STEPS = [(0, [(101, True), (100, False)]), (20, [(102, True)]), (10, [(103, True)]), (10, [(104, True)]), (5, [(104, False), (100, True)]), (5, [(105, False)])]


@pytest.fixture(scope="module")
def server(request, tmp_path_factory):
    from conftest import ServerPool

    pool = ServerPool(tmp_path_factory.mktemp("kda-join-logs"))
    yield pool.start("--time-travel")
    pool.close()


def streams(kinesis, n: int) -> list[str]:
    names = [unique_name("s") for _ in range(n)]
    for s in names:
        kinesis.create_stream(StreamName=s, ShardCount=1)
        wait_active(kinesis, s)
    return names


def output(name: str, stream: str) -> dict:
    return {"Name": name, "KinesisStreamsOutput": {"ResourceARN": stream_arn(stream), "RoleARN": ROLE}, "DestinationSchema": {"RecordFormatType": "JSON"}}


def create(client, name: str, src: str, code: str, schema: dict, outputs: list[dict]) -> None:
    client.create_application(
        ApplicationName=name,
        Inputs=[{"NamePrefix": "SOURCE_SQL_STREAM", "KinesisStreamsInput": {"ResourceARN": stream_arn(src), "RoleARN": ROLE}, "InputSchema": schema}],
        Outputs=outputs,
        ApplicationCode=code,
    )


def ts(text: str) -> datetime:
    return datetime.strptime(text, "%Y-%m-%d %H:%M:%S.%f")


def text(t: datetime) -> str:
    return t.strftime("%Y-%m-%d %H:%M:%S.%f")[:-3]


def test_left_join_with_windows_on_both_sides(server):
    kinesis, client = make_kinesis_client(server.endpoint), kda(server.endpoint)
    src, dst, orders_out, shipments_out = streams(kinesis, 4)
    name = unique_name("app")
    outputs = [output("OUTPUT_STREAM", dst), output("ORDERS_STREAM", orders_out), output("SHIPMENTS_STREAM", shipments_out)]
    create(client, name, src, JOIN_CODE, ORDER_SCHEMA, outputs)
    start_and_wait(client, name)
    n_orders = n_shipments = 0
    for wait, events in STEPS:
        advance(server.endpoint, wait * 1000)
        records = [{"orderid": i, "orders": 1} if order else {"orderid": i, "shipments": 2} for i, order in events]
        resp = kinesis.put_records(StreamName=src, Records=[{"Data": json.dumps(r).encode(), "PartitionKey": "k"} for r in records])
        assert resp["FailedRecordCount"] == 0
        n_orders += sum(1 for _, order in events if order)
        n_shipments += sum(1 for _, order in events if not order)
        # Each step is read (and takes its ROWTIME) before the clock moves on.
        assert len(read_output(kinesis, orders_out, n_orders)) == n_orders
        assert len(read_output(kinesis, shipments_out, n_shipments)) == n_shipments
    orders = [json.loads(d) for d in read_output(kinesis, orders_out, n_orders)]
    shipments = [json.loads(d) for d in read_output(kinesis, shipments_out, n_shipments)]
    advance(server.endpoint, 120_000)  # every order's one-minute window ends

    # The reference's rules: a pair within each other's one-minute window joins at the later
    # ROWTIME; an order without a shipment comes out with NULLs when its window ends.
    minute = timedelta(minutes=1)
    want = []
    for o in orders:
        ot = ts(o["orderrowtime"])
        matches = [s for s in shipments if s["orderid"] == o["orderid"] and abs(ts(s["shipmentrowtime"]) - ot) <= minute]
        for s in matches:
            st = ts(s["shipmentrowtime"])
            want.append({"resultrowtime": text(max(ot, st)), "orderid": o["orderid"], "shipmenttime": text(st), "ordertime": text(ot)})
        if not matches:
            want.append({"resultrowtime": text(ot + minute), "orderid": o["orderid"], "shipmenttime": None, "ordertime": text(ot)})
    want.sort(key=lambda r: (r["resultrowtime"], r["orderid"]))
    assert [r["orderid"] for r in want] == [100, 104, 101, 102, 103]
    got = [json.loads(d) for d in read_output(kinesis, dst, len(want))]
    assert sorted(got, key=lambda r: (r["resultrowtime"], r["orderid"])) == want
    client.stop_application(ApplicationName=name)


def put_events(kinesis, stream: str, events: list[tuple[int, bool]]) -> None:
    records = [{"orderid": i, "orders": 1} if order else {"orderid": i, "shipments": 2} for i, order in events]
    resp = kinesis.put_records(StreamName=stream, Records=[{"Data": json.dumps(r).encode(), "PartitionKey": "k"} for r in records])
    assert resp["FailedRecordCount"] == 0


def test_sigkill_keeps_join_windows(start_kinesin, tmp_path):
    """With --data-dir, the orders kept by a join window before a SIGKILL meet shipments after
    it, and each joined or null-extended row comes out exactly once."""
    args = ("--data-dir", str(tmp_path / "data"), "--time-travel")
    server = start_kinesin(*args)
    kinesis, client = make_kinesis_client(server.endpoint), kda(server.endpoint)
    src, dst, orders_out, shipments_out = streams(kinesis, 4)
    name = unique_name("app")
    outputs = [output("OUTPUT_STREAM", dst), output("ORDERS_STREAM", orders_out), output("SHIPMENTS_STREAM", shipments_out)]
    create(client, name, src, JOIN_CODE, ORDER_SCHEMA, outputs)
    start_and_wait(client, name)
    put_events(kinesis, src, [(101, True), (104, True)])
    assert len(read_output(kinesis, orders_out, 2)) == 2
    server.kill()
    server = start_kinesin(*args)
    kinesis = make_kinesis_client(server.endpoint)
    put_events(kinesis, src, [(104, False)])
    assert len(read_output(kinesis, shipments_out, 1)) == 1
    orders = {o["orderid"]: o["orderrowtime"] for o in map(json.loads, read_output(kinesis, orders_out, 2))}
    (shipment,) = [json.loads(d) for d in read_output(kinesis, shipments_out, 1)]
    advance(server.endpoint, 120_000)
    ship = shipment["shipmentrowtime"]
    want = [
        {"resultrowtime": ship, "orderid": 104, "shipmenttime": ship, "ordertime": orders[104]},
        {"resultrowtime": text(ts(orders[101]) + timedelta(minutes=1)), "orderid": 101, "shipmenttime": None, "ordertime": orders[101]},
    ]
    got = [json.loads(d) for d in read_output(kinesis, dst, len(want))]
    time.sleep(0.5)  # nothing more may come: no row is repeated after the restart
    assert [json.loads(d) for d in read_output(kinesis, dst, len(want) + 1, timeout=1)] == got
    assert sorted(got, key=lambda r: r["resultrowtime"]) == want
    assert len(read_output(kinesis, orders_out, 3, timeout=1)) == 2


ITEMS_CODE = """CREATE OR REPLACE STREAM DESTINATION_SQL_STREAM (
  "TICKER_SYMBOL" VARCHAR(4),
  "MOST_FREQUENT_VALUES" BIGINT
);
CREATE OR REPLACE PUMP "STREAM_PUMP" AS
    INSERT INTO "DESTINATION_SQL_STREAM"
    SELECT STREAM *
        FROM TABLE (TOP_K_ITEMS_TUMBLING(
            CURSOR(SELECT STREAM * FROM "SOURCE_SQL_STREAM_001"),
            'TICKER_SYMBOL',         -- name of column in single quotes
            3,                       -- number of the most frequently occurring values
            60                       -- tumbling window size in seconds
            )
        );
CREATE OR REPLACE STREAM DISTINCT_SQL_STREAM (
    NUMBER_OF_DISTINCT_ITEMS BIGINT);
CREATE OR REPLACE PUMP "DISTINCT_PUMP" AS
   INSERT INTO "DISTINCT_SQL_STREAM"
      SELECT STREAM *
      FROM TABLE(COUNT_DISTINCT_ITEMS_TUMBLING(
          CURSOR(SELECT STREAM * FROM "SOURCE_SQL_STREAM_001"),  -- pointer to the data stream
            'TICKER_SYMBOL',                                     -- name of column in single quotes
            60                                                   -- tumbling window size in seconds
      )
);"""


def skewed_ticks() -> list[dict]:
    """47 symbols (the reference's screenshot counts 47), the first ones far more frequent."""
    out = []
    for i in range(47):
        for _ in range(max(1, 12 - i * 2) + (i == 2)):
            out.append({"TICKER_SYMBOL": f"T{i:02d}", "SECTOR": "TECHNOLOGY", "CHANGE": 1.0, "PRICE": 10.0})
    return out


def test_top_k_items_and_count_distinct_items_tumbling(server):
    kinesis, client = make_kinesis_client(server.endpoint), kda(server.endpoint)
    src, dst, distinct_out = streams(kinesis, 3)
    name = unique_name("app")
    create(client, name, src, ITEMS_CODE, TICKER_SCHEMA, [output("DESTINATION_SQL_STREAM", dst), output("DISTINCT_SQL_STREAM", distinct_out)])
    start_and_wait(client, name)
    now = advance(server.endpoint, 0)
    advance(server.endpoint, 60_000 - now % 60_000 + 1_000)  # one second into a fresh window
    records = skewed_ticks()
    put_all(kinesis, src, records)
    assert wait_read(server.endpoint, name, len(records)) == len(records)  # each row in this window
    advance(server.endpoint, 60_000)
    counts = Counter(r["TICKER_SYMBOL"] for r in records)
    top = sorted(counts.items(), key=lambda kv: (-kv[1], kv[0]))[:3]
    got = [json.loads(d) for d in read_output(kinesis, dst, 3)]
    assert [(r["TICKER_SYMBOL"], r["MOST_FREQUENT_VALUES"]) for r in got] == top
    distinct = [json.loads(d) for d in read_output(kinesis, distinct_out, 1)]
    assert distinct == [{"NUMBER_OF_DISTINCT_ITEMS": len(counts)}]
    client.stop_application(ApplicationName=name)


@pytest.mark.parametrize(
    "code,schema,message",
    [
        (ITEMS_CODE.replace("3,  ", "0,  "), TICKER_SCHEMA, "K must be"),
        (ITEMS_CODE.replace("60   ", "3601 "), TICKER_SCHEMA, "windowSize must be"),
        (JOIN_CODE.replace("OVER (RANGE INTERVAL '1' MINUTE PRECEDING) ", ""), ORDER_SCHEMA, "without a window"),
    ],
)
def test_invalid_uses_are_refused(server, code, schema, message):
    kinesis, client = make_kinesis_client(server.endpoint), kda(server.endpoint)
    (src,) = streams(kinesis, 1)
    with pytest.raises(ClientError) as e:
        create(client, unique_name("app"), src, code, schema, [])
    assert e.value.response["Error"]["Code"] == "CodeValidationException"
    assert message in e.value.response["Error"]["Message"]
    assert "line " in e.value.response["Error"]["Message"]
