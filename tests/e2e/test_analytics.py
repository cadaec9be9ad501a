"""Kinesis Data Analytics SQL applications through boto3: the examples of AWS's developer
guide (the stock-ticker demo stream SOURCE_SQL_STREAM_001, a filter pump, tumbling and
sliding windows, string transformations) run from a Kinesis stream into a Kinesis stream,
each output compared with results computed here; the control plane's statuses, versions
and errors."""

from __future__ import annotations

import json
import time
import urllib.request
from collections import defaultdict

import boto3
import pytest
from botocore.config import Config
from botocore.exceptions import ClientError

from conftest import ACCESS_KEY, ACCOUNT, REGION, SECRET_KEY, list_all_shards, make_kinesis_client, read_stream, unique_name, wait_active

ROLE = "arn:aws:iam::000000000000:role/kda"
SYMBOLS = ["AMZN", "TBV", "QXZ", "WAS", "NFLX"]
SECTORS = {"AMZN": "TECHNOLOGY", "TBV": "HEALTHCARE", "QXZ": "RETAIL", "WAS": "TECHNOLOGY", "NFLX": "ENERGY"}

TICKER_SCHEMA = {
    "RecordFormat": {"RecordFormatType": "JSON", "MappingParameters": {"JSONMappingParameters": {"RecordRowPath": "$"}}},
    "RecordEncoding": "UTF-8",
    "RecordColumns": [
        {"Name": "TICKER_SYMBOL", "Mapping": "$.TICKER_SYMBOL", "SqlType": "VARCHAR(4)"},
        {"Name": "SECTOR", "Mapping": "$.SECTOR", "SqlType": "VARCHAR(16)"},
        {"Name": "CHANGE", "Mapping": "$.CHANGE", "SqlType": "REAL"},
        {"Name": "PRICE", "Mapping": "$.PRICE", "SqlType": "DECIMAL(5,2)"},
    ],
}


def kda(endpoint: str):
    session = boto3.session.Session(aws_access_key_id=ACCESS_KEY, aws_secret_access_key=SECRET_KEY, region_name=REGION)
    return session.client("kinesisanalytics", endpoint_url=endpoint, config=Config(retries={"total_max_attempts": 1}))


def stream_arn(name: str) -> str:
    return f"arn:aws:kinesis:{REGION}:{ACCOUNT}:stream/{name}"


def ticks(n: int) -> list[dict]:
    """Deterministic demo-stream records (the console's generator is random)."""
    out = []
    for i in range(n):
        sym = SYMBOLS[i % len(SYMBOLS)]
        out.append({"TICKER_SYMBOL": sym, "SECTOR": SECTORS[sym], "CHANGE": (i * 7 % 13) - 6.0, "PRICE": 10 + (i * 37 % 89) + 0.25})
    return out


def make_streams(kinesis, shards: int = 1) -> tuple[str, str]:
    src, dst = unique_name("src"), unique_name("dst")
    for s in (src, dst):
        kinesis.create_stream(StreamName=s, ShardCount=shards)
        wait_active(kinesis, s)
    return src, dst


def create_app(client, name: str, src: str, dst: str, code: str, schema=TICKER_SCHEMA, fmt: str = "JSON") -> None:
    client.create_application(
        ApplicationName=name,
        Inputs=[{"NamePrefix": "SOURCE_SQL_STREAM", "KinesisStreamsInput": {"ResourceARN": stream_arn(src), "RoleARN": ROLE}, "InputSchema": schema}],
        Outputs=[{"Name": "DESTINATION_SQL_STREAM", "KinesisStreamsOutput": {"ResourceARN": stream_arn(dst), "RoleARN": ROLE}, "DestinationSchema": {"RecordFormatType": fmt}}],
        ApplicationCode=code,
    )


def start_and_wait(client, name: str, position: str = "NOW") -> None:
    detail = client.describe_application(ApplicationName=name)["ApplicationDetail"]
    input_id = detail["InputDescriptions"][0]["InputId"]
    client.start_application(ApplicationName=name, InputConfigurations=[{"Id": input_id, "InputStartingPositionConfiguration": {"InputStartingPosition": position}}])
    for _ in range(200):
        if client.describe_application(ApplicationName=name)["ApplicationDetail"]["ApplicationStatus"] == "RUNNING":
            return
        time.sleep(0.05)
    raise AssertionError("application never reached RUNNING")


def put_all(kinesis, stream: str, records: list[dict]) -> None:
    for i in range(0, len(records), 100):
        batch = records[i : i + 100]
        resp = kinesis.put_records(StreamName=stream, Records=[{"Data": json.dumps(r).encode(), "PartitionKey": r["TICKER_SYMBOL"]} for r in batch])
        assert resp["FailedRecordCount"] == 0


def read_output(kinesis, stream: str, want: int, timeout: float = 20) -> list[bytes]:
    deadline = time.monotonic() + timeout
    got: list[bytes] = []
    while time.monotonic() < deadline:
        got = [r["Data"] for recs in read_stream(kinesis, stream).values() for r in recs]
        if len(got) >= want:
            break
        time.sleep(0.1)
    return got


def wait_read(endpoint: str, app: str, want: int, timeout: float = 20) -> int:
    """Waits until application `app` has read `want` input records in its current run (the
    console API's count), so that a clock advance after it cannot give them a later ROWTIME."""
    deadline = time.monotonic() + timeout
    read = 0
    while time.monotonic() < deadline:
        with urllib.request.urlopen(f"{endpoint}/_kinesin/api/analytics/applications", timeout=10) as r:
            read = next(a["recordsRead"] for a in json.loads(r.read()) if a["name"] == app)
        if read >= want:
            break
        time.sleep(0.05)
    return read


def advance(endpoint: str, ms: int) -> int:
    req = urllib.request.Request(f"{endpoint}/_kinesin/clock?advance_ms={ms}", data=b"", method="POST")
    with urllib.request.urlopen(req, timeout=10) as r:
        return json.loads(r.read())["now_ms"]


@pytest.fixture(scope="module")
def server(request, tmp_path_factory):
    from conftest import ServerPool

    pool = ServerPool(tmp_path_factory.mktemp("kda-logs"))
    yield pool.start("--time-travel")
    pool.close()


def test_getting_started_filter_pump(server):
    kinesis, client = make_kinesis_client(server.endpoint), kda(server.endpoint)
    src, dst = make_streams(kinesis)
    code = """CREATE OR REPLACE STREAM "DESTINATION_SQL_STREAM" (ticker_symbol VARCHAR(4), sector VARCHAR(12), change DOUBLE, price DOUBLE);
CREATE OR REPLACE PUMP "STREAM_PUMP" AS INSERT INTO "DESTINATION_SQL_STREAM"
    SELECT STREAM ticker_symbol, sector, change, price
    FROM "SOURCE_SQL_STREAM_001"
    WHERE sector SIMILAR TO '%TECH%';"""
    name = unique_name("app")
    create_app(client, name, src, dst, code)
    start_and_wait(client, name)
    records = ticks(60)
    put_all(kinesis, src, records)
    want = [r for r in records if "TECH" in r["SECTOR"]]
    got = [json.loads(d) for d in read_output(kinesis, dst, len(want))]
    key = lambda r: (r["TICKER_SYMBOL"], r["CHANGE"], r["PRICE"])  # noqa: E731
    expected = [{"TICKER_SYMBOL": r["TICKER_SYMBOL"], "SECTOR": r["SECTOR"][:12], "CHANGE": r["CHANGE"], "PRICE": r["PRICE"]} for r in want]
    assert sorted(got, key=key) == sorted(expected, key=key)
    client.stop_application(ApplicationName=name)


def test_tumbling_window_emits_once_time_passes_its_end(server):
    kinesis, client = make_kinesis_client(server.endpoint), kda(server.endpoint)
    src, dst = make_streams(kinesis)
    code = """CREATE OR REPLACE STREAM "DESTINATION_SQL_STREAM" (ticker_symbol VARCHAR(4), ticker_count INTEGER, avg_price DOUBLE, max_change REAL);
CREATE OR REPLACE PUMP "STREAM_PUMP" AS INSERT INTO "DESTINATION_SQL_STREAM"
    SELECT STREAM ticker_symbol, COUNT(*) AS ticker_count, AVG(price), MAX(change)
    FROM "SOURCE_SQL_STREAM_001"
    GROUP BY ticker_symbol, STEP("SOURCE_SQL_STREAM_001".ROWTIME BY INTERVAL '60' SECOND);"""
    name = unique_name("app")
    create_app(client, name, src, dst, code)
    start_and_wait(client, name)
    now = advance(server.endpoint, 0)
    advance(server.endpoint, 60_000 - now % 60_000 + 1_000)  # one second into a fresh window
    records = ticks(100)
    put_all(kinesis, src, records)
    assert wait_read(server.endpoint, name, len(records)) == len(records)
    assert read_output(kinesis, dst, 1, timeout=1) == []  # the window is still open
    advance(server.endpoint, 60_000)
    agg = defaultdict(list)
    for r in records:
        agg[r["TICKER_SYMBOL"]].append(r)
    got = {d["TICKER_SYMBOL"]: d for d in map(json.loads, read_output(kinesis, dst, len(agg)))}
    assert set(got) == set(agg)
    for sym, rs in agg.items():
        assert got[sym]["TICKER_COUNT"] == len(rs)
        assert got[sym]["AVG_PRICE"] == pytest.approx(sum(r["PRICE"] for r in rs) / len(rs))
        assert got[sym]["MAX_CHANGE"] == max(r["CHANGE"] for r in rs)


def test_sliding_window_and_string_functions_csv_out(server):
    kinesis, client = make_kinesis_client(server.endpoint), kda(server.endpoint)
    src, dst = make_streams(kinesis)
    code = """CREATE OR REPLACE STREAM "DESTINATION_SQL_STREAM" (sym VARCHAR(12), n INTEGER, max_price DOUBLE);
CREATE OR REPLACE PUMP "STREAM_PUMP" AS INSERT INTO "DESTINATION_SQL_STREAM"
    SELECT STREAM LOWER(ticker_symbol) || '/' || SUBSTRING(sector FROM 1 FOR 4),
        COUNT(*) OVER w, MAX(price) OVER w
    FROM "SOURCE_SQL_STREAM_001"
    WINDOW w AS (PARTITION BY ticker_symbol ROWS 2 PRECEDING);"""
    name = unique_name("app")
    create_app(client, name, src, dst, code, fmt="CSV")
    start_and_wait(client, name)
    records = ticks(30)
    put_all(kinesis, src, records)  # one shard: the order of the records is kept
    seen: dict[str, list[float]] = defaultdict(list)
    want = []
    for r in records:
        seen[r["TICKER_SYMBOL"]].append(r["PRICE"])
        last3 = seen[r["TICKER_SYMBOL"]][-3:]
        want.append(f"{r['TICKER_SYMBOL'].lower()}/{r['SECTOR'][:4]},{len(last3)},{max(last3)}")
    got = [d.decode().rstrip("\n") for d in read_output(kinesis, dst, len(want))]
    got = [line.rsplit(",", 1)[0] + "," + str(float(line.rsplit(",", 1)[1])) for line in got]
    assert got == want


def test_invalid_code_is_refused_with_line_and_column(server):
    client = kda(server.endpoint)
    kinesis = make_kinesis_client(server.endpoint)
    src, dst = make_streams(kinesis)
    bad = 'CREATE OR REPLACE STREAM "DESTINATION_SQL_STREAM" (a INTEGER);\nCREATE OR REPLACE PUMP "P" AS INSERT INTO "DESTINATION_SQL_STREAM"\n  SELECT STREAM nope FROM "SOURCE_SQL_STREAM_001";'
    with pytest.raises(ClientError) as e:
        create_app(client, unique_name("app"), src, dst, bad)
    assert e.value.response["Error"]["Code"] == "CodeValidationException"
    assert "line 3, column 17" in e.value.response["Error"]["Message"]
    assert "NOPE" in e.value.response["Error"]["Message"]


def test_control_plane_statuses_versions_and_tags(server):
    client = kda(server.endpoint)
    kinesis = make_kinesis_client(server.endpoint)
    src, dst = make_streams(kinesis)
    name = unique_name("app")
    resp = client.create_application(ApplicationName=name, ApplicationCode="", Tags=[{"Key": "team", "Value": "trucks"}])
    assert resp["ApplicationSummary"] == {"ApplicationName": name, "ApplicationARN": f"arn:aws:kinesisanalytics:{REGION}:{ACCOUNT}:application/{name}", "ApplicationStatus": "READY"}
    with pytest.raises(ClientError) as e:
        client.create_application(ApplicationName=name)
    assert e.value.response["Error"]["Code"] == "ResourceInUseException"
    d = client.describe_application(ApplicationName=name)["ApplicationDetail"]
    assert d["ApplicationVersionId"] == 1 and d["InputDescriptions"] == []
    with pytest.raises(ClientError) as e:
        client.start_application(ApplicationName=name, InputConfigurations=[{"Id": "1.1", "InputStartingPositionConfiguration": {"InputStartingPosition": "NOW"}}])
    assert e.value.response["Error"]["Code"] == "InvalidArgumentException"
    client.add_application_input(ApplicationName=name, CurrentApplicationVersionId=1, Input={"NamePrefix": "SOURCE_SQL_STREAM", "KinesisStreamsInput": {"ResourceARN": stream_arn(src), "RoleARN": ROLE}, "InputSchema": TICKER_SCHEMA})
    with pytest.raises(ClientError) as e:
        client.add_application_output(ApplicationName=name, CurrentApplicationVersionId=1, Output={"Name": "X", "KinesisStreamsOutput": {"ResourceARN": stream_arn(dst), "RoleARN": ROLE}, "DestinationSchema": {"RecordFormatType": "JSON"}})
    assert e.value.response["Error"]["Code"] == "ConcurrentModificationException"
    client.add_application_output(ApplicationName=name, CurrentApplicationVersionId=2, Output={"Name": "DESTINATION_SQL_STREAM", "KinesisStreamsOutput": {"ResourceARN": stream_arn(dst), "RoleARN": ROLE}, "DestinationSchema": {"RecordFormatType": "JSON"}})
    d = client.describe_application(ApplicationName=name)["ApplicationDetail"]
    assert d["ApplicationVersionId"] == 3
    assert d["InputDescriptions"][0]["InAppStreamNames"] == ["SOURCE_SQL_STREAM_001"]
    assert d["OutputDescriptions"][0]["KinesisStreamsOutputDescription"]["ResourceARN"] == stream_arn(dst)
    client.update_application(ApplicationName=name, CurrentApplicationVersionId=3, ApplicationUpdate={"ApplicationCodeUpdate": 'CREATE OR REPLACE STREAM "DESTINATION_SQL_STREAM" (p DOUBLE);\nCREATE OR REPLACE PUMP "P" AS INSERT INTO "DESTINATION_SQL_STREAM" SELECT STREAM price FROM "SOURCE_SQL_STREAM_001";'})
    arn = d["ApplicationARN"]
    client.tag_resource(ResourceARN=arn, Tags=[{"Key": "env", "Value": "test"}])
    client.untag_resource(ResourceARN=arn, TagKeys=["team"])
    assert client.list_tags_for_resource(ResourceARN=arn)["Tags"] == [{"Key": "env", "Value": "test"}]
    names = [a["ApplicationName"] for a in client.list_applications(Limit=50)["ApplicationSummaries"]]
    assert name in names
    with pytest.raises(ClientError) as e:
        client.delete_application(ApplicationName=name, CreateTimestamp=d["CreateTimestamp"].replace(year=2000))
    assert e.value.response["Error"]["Code"] == "InvalidArgumentException"
    client.delete_application(ApplicationName=name, CreateTimestamp=d["CreateTimestamp"])
    with pytest.raises(ClientError) as e:
        client.describe_application(ApplicationName=name)
    assert e.value.response["Error"]["Code"] == "ResourceNotFoundException"


def test_model_validation_and_unknown_application(server):
    client = kda(server.endpoint)
    with pytest.raises(ClientError) as e:
        client.describe_application(ApplicationName="bad name!")
    assert e.value.response["Error"]["Code"] == "ValidationException"
    assert "applicationName" in e.value.response["Error"]["Message"]
    with pytest.raises(ClientError) as e:
        client.stop_application(ApplicationName="nope")
    assert e.value.response["Error"]["Code"] == "ResourceNotFoundException"


def test_sigkill_keeps_window_state_and_input_positions(start_kinesin, tmp_path):
    """With --data-dir, a window's rows before a SIGKILL are counted once with the rows after
    it, and no record before the kill is read again (its output is not repeated)."""
    args = ("--data-dir", str(tmp_path / "data"), "--time-travel")
    server = start_kinesin(*args)
    kinesis, client = make_kinesis_client(server.endpoint), kda(server.endpoint)
    src, dst = make_streams(kinesis)
    filt = unique_name("dst")
    kinesis.create_stream(StreamName=filt, ShardCount=1)
    code = """CREATE OR REPLACE STREAM "DESTINATION_SQL_STREAM" (ticker_symbol VARCHAR(4), n INTEGER);
CREATE OR REPLACE STREAM "EVERY_ROW" (ticker_symbol VARCHAR(4), price DOUBLE);
CREATE OR REPLACE PUMP "P1" AS INSERT INTO "DESTINATION_SQL_STREAM"
    SELECT STREAM ticker_symbol, COUNT(*) FROM "SOURCE_SQL_STREAM_001"
    GROUP BY ticker_symbol, STEP(ROWTIME BY INTERVAL '60' SECOND);
CREATE OR REPLACE PUMP "P2" AS INSERT INTO "EVERY_ROW"
    SELECT STREAM ticker_symbol, price FROM "SOURCE_SQL_STREAM_001";"""
    name = unique_name("app")
    create_app(client, name, src, dst, code)
    client.add_application_output(ApplicationName=name, CurrentApplicationVersionId=1, Output={"Name": "EVERY_ROW", "KinesisStreamsOutput": {"ResourceARN": stream_arn(filt), "RoleARN": ROLE}, "DestinationSchema": {"RecordFormatType": "JSON"}})
    start_and_wait(client, name)
    now = advance(server.endpoint, 0)
    shift = 60_000 - now % 60_000 + 1_000
    advance(server.endpoint, shift)
    before, after = ticks(50), ticks(30)
    put_all(kinesis, src, before)
    assert len(read_output(kinesis, filt, len(before))) == len(before)
    server.kill()
    server = start_kinesin(*args)
    advance(server.endpoint, shift)  # the clock offset is not stored: take it up again
    kinesis, client = make_kinesis_client(server.endpoint), kda(server.endpoint)
    put_all(kinesis, src, after)
    rows = read_output(kinesis, filt, len(before) + len(after))
    time.sleep(0.5)
    assert len(read_output(kinesis, filt, len(before) + len(after))) == len(before) + len(after)
    advance(server.endpoint, 60_000)
    counts: dict[str, int] = defaultdict(int)
    for r in before + after:
        counts[r["TICKER_SYMBOL"]] += 1
    got = {d["TICKER_SYMBOL"]: d["N"] for d in map(json.loads, read_output(kinesis, dst, len(counts)))}
    assert got == dict(counts)
    assert len(rows) == len(before) + len(after)


def test_aws_cli_both_apis(aws_cli, server):
    """The installed AWS CLI drives both APIs (skipped where `aws` is not installed)."""
    import subprocess

    def cli(*args: str):
        cmd = [aws_cli.exe, "--endpoint-url", server.endpoint, "--output", "json", *args]
        p = subprocess.run(cmd, capture_output=True, text=True, env=aws_cli.env, timeout=120, stdin=subprocess.DEVNULL)
        assert p.returncode == 0, p.stderr
        return json.loads(p.stdout) if p.stdout.strip() else None

    name = unique_name("cli")
    out = cli("kinesisanalytics", "create-application", "--application-name", name, "--application-code", "")
    assert out["ApplicationSummary"]["ApplicationStatus"] == "READY"
    apps = cli("kinesisanalyticsv2", "list-applications")["ApplicationSummaries"]
    assert {"ApplicationName": name, "RuntimeEnvironment": "SQL-1_0"}.items() <= next(a for a in apps if a["ApplicationName"] == name).items()
    detail = cli("kinesisanalyticsv2", "describe-application", "--application-name", name)["ApplicationDetail"]
    assert detail["ApplicationVersionId"] == 1


def test_error_stream_as_an_output(server):
    """Records that do not fit the schema go to error_stream with AWS's columns; DATA_ROW is
    the original record, hex-encoded."""
    kinesis, client = make_kinesis_client(server.endpoint), kda(server.endpoint)
    src, dst = make_streams(kinesis)
    errs = unique_name("err")
    kinesis.create_stream(StreamName=errs, ShardCount=1)
    code = """CREATE OR REPLACE STREAM "DESTINATION_SQL_STREAM" (ticker_symbol VARCHAR(4), price DOUBLE);
CREATE OR REPLACE PUMP "STREAM_PUMP" AS INSERT INTO "DESTINATION_SQL_STREAM"
    SELECT STREAM ticker_symbol, price FROM "SOURCE_SQL_STREAM_001";"""
    name = unique_name("app")
    create_app(client, name, src, dst, code)
    client.add_application_output(ApplicationName=name, CurrentApplicationVersionId=1, Output={"Name": "error_stream", "KinesisStreamsOutput": {"ResourceARN": stream_arn(errs), "RoleARN": ROLE}, "DestinationSchema": {"RecordFormatType": "JSON"}})
    start_and_wait(client, name)
    bad = [b"not json at all", json.dumps({"TICKER_SYMBOL": "AMZN", "SECTOR": "X", "CHANGE": 1, "PRICE": "cheap"}).encode()]
    kinesis.put_records(StreamName=src, Records=[{"Data": d, "PartitionKey": "k"} for d in bad] + [{"Data": json.dumps(ticks(1)[0]).encode(), "PartitionKey": "k"}])
    rows = [json.loads(d) for d in read_output(kinesis, errs, 2)]
    assert len(rows) == 2
    assert {r["ERROR_NAME"] for r in rows} == {"Type conversion error"}
    assert sorted(bytes.fromhex(r["DATA_ROW"]) for r in rows) == sorted(bad)
    assert all(r["ERROR_LEVEL"] == "Error" and r["PUMP_NAME"] is None for r in rows)
    assert len(read_output(kinesis, dst, 1)) == 1


def test_rows_for_a_deleted_destination_are_kept_and_delivered_in_order_once_it_is_back(server):
    """AWS keeps trying a destination it cannot write to: rows emitted while the output stream
    is gone are kept and reach it, in order and before newer rows, once it exists again. A
    second output that stays reachable shows when the application has emitted them."""
    kinesis, client = make_kinesis_client(server.endpoint), kda(server.endpoint)
    src, dst = make_streams(kinesis)
    probe = unique_name("probe")
    kinesis.create_stream(StreamName=probe, ShardCount=1)
    wait_active(kinesis, probe)
    code = """CREATE OR REPLACE STREAM "DESTINATION_SQL_STREAM" (ticker_symbol VARCHAR(4), price DOUBLE);
CREATE OR REPLACE PUMP "P" AS INSERT INTO "DESTINATION_SQL_STREAM" SELECT STREAM ticker_symbol, price FROM "SOURCE_SQL_STREAM_001";"""
    name = unique_name("app")
    create_app(client, name, src, dst, code)
    version = client.describe_application(ApplicationName=name)["ApplicationDetail"]["ApplicationVersionId"]
    client.add_application_output(ApplicationName=name, CurrentApplicationVersionId=version, Output={
        "Name": "DESTINATION_SQL_STREAM", "KinesisStreamsOutput": {"ResourceARN": stream_arn(probe), "RoleARN": ROLE},
        "DestinationSchema": {"RecordFormatType": "JSON"}})
    start_and_wait(client, name)
    kinesis.delete_stream(StreamName=dst)
    for _ in range(100):
        try:
            kinesis.describe_stream_summary(StreamName=dst)
        except kinesis.exceptions.ResourceNotFoundException:
            break
        advance(server.endpoint, 1_000)
    else:
        raise AssertionError("the output stream was never deleted")
    records = ticks(40)
    put_all(kinesis, src, records[:25])
    assert len(read_output(kinesis, probe, 25)) == 25  # emitted while dst is gone
    kinesis.create_stream(StreamName=dst, ShardCount=1)
    wait_active(kinesis, dst)
    put_all(kinesis, src, records[25:])
    want = [{"TICKER_SYMBOL": r["TICKER_SYMBOL"], "PRICE": r["PRICE"]} for r in records]
    assert [json.loads(d) for d in read_output(kinesis, probe, 40)] == want
    assert [json.loads(d) for d in read_output(kinesis, dst, 40)] == want
    client.stop_application(ApplicationName=name)
