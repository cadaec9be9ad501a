"""Kinesis Data Analytics API v2 through boto3: a SQL-1_0 application running on the engine,
a FLINK application's control plane (versions, snapshots, operations, rollback; its code is
not executed), DiscoverInputSchema from a stream and from an S3 object, and the developer
guide's reference-data example (an S3 object joined to the stream)."""

from __future__ import annotations

import json
import time

import boto3
import pytest
from botocore.config import Config
from botocore.exceptions import ClientError

from conftest import ACCESS_KEY, ACCOUNT, REGION, SECRET_KEY, make_kinesis_client, unique_name
from test_analytics import ROLE, TICKER_SCHEMA, kda, make_streams, put_all, read_output, stream_arn, ticks


def kda2(endpoint: str):
    session = boto3.session.Session(aws_access_key_id=ACCESS_KEY, aws_secret_access_key=SECRET_KEY, region_name=REGION)
    return session.client("kinesisanalyticsv2", endpoint_url=endpoint, config=Config(retries={"total_max_attempts": 1}))


def s3_client(endpoint: str):
    session = boto3.session.Session(aws_access_key_id=ACCESS_KEY, aws_secret_access_key=SECRET_KEY, region_name=REGION)
    return session.client("s3", endpoint_url=endpoint, config=Config(s3={"addressing_style": "path"}))


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    from conftest import ServerPool

    pool = ServerPool(tmp_path_factory.mktemp("kda2-logs"))
    yield pool.start()
    pool.close()


def wait_status(describe, want: str) -> dict:
    for _ in range(200):
        d = describe()["ApplicationDetail"]
        if d["ApplicationStatus"] == want:
            return d
        time.sleep(0.05)
    raise AssertionError(f"never reached {want}")


def test_sql_application_runs_through_api_v2(server):
    kinesis, client = make_kinesis_client(server.endpoint), kda2(server.endpoint)
    src, dst = make_streams(kinesis)
    code = """CREATE OR REPLACE STREAM "DESTINATION_SQL_STREAM" (ticker_symbol VARCHAR(4), doubled DOUBLE);
CREATE OR REPLACE PUMP "STREAM_PUMP" AS INSERT INTO "DESTINATION_SQL_STREAM"
    SELECT STREAM ticker_symbol, price * 2 FROM "SOURCE_SQL_STREAM_001" WHERE change < 0;"""
    name = unique_name("app2")
    d = client.create_application(
        ApplicationName=name,
        RuntimeEnvironment="SQL-1_0",
        ServiceExecutionRole=ROLE,
        ApplicationConfiguration={
            "ApplicationCodeConfiguration": {"CodeContent": {"TextContent": code}, "CodeContentType": "PLAINTEXT"},
            "SqlApplicationConfiguration": {
                "Inputs": [{"NamePrefix": "SOURCE_SQL_STREAM", "KinesisStreamsInput": {"ResourceARN": stream_arn(src)}, "InputSchema": TICKER_SCHEMA}],
                "Outputs": [{"Name": "DESTINATION_SQL_STREAM", "KinesisStreamsOutput": {"ResourceARN": stream_arn(dst)}, "DestinationSchema": {"RecordFormatType": "JSON"}}],
            },
        },
    )["ApplicationDetail"]
    assert d["ApplicationStatus"] == "READY" and d["RuntimeEnvironment"] == "SQL-1_0"
    sql = d["ApplicationConfigurationDescription"]["SqlApplicationConfigurationDescription"]
    input_id = sql["InputDescriptions"][0]["InputId"]
    assert d["ApplicationConfigurationDescription"]["ApplicationCodeConfigurationDescription"]["CodeContentDescription"]["TextContent"] == code
    op = client.start_application(ApplicationName=name, RunConfiguration={"SqlRunConfigurations": [{"InputId": input_id, "InputStartingPositionConfiguration": {"InputStartingPosition": "NOW"}}]})
    assert op["OperationId"]
    wait_status(lambda: client.describe_application(ApplicationName=name), "RUNNING")
    records = ticks(40)
    put_all(kinesis, src, records)
    want = sorted((r["TICKER_SYMBOL"], r["PRICE"] * 2) for r in records if r["CHANGE"] < 0)
    got = sorted((x["TICKER_SYMBOL"], x["DOUBLED"]) for x in map(json.loads, read_output(kinesis, dst, len(want))))
    assert got == want
    client.stop_application(ApplicationName=name)
    wait_status(lambda: client.describe_application(ApplicationName=name), "READY")
    ops = [o["Operation"] for o in client.list_application_operations(ApplicationName=name)["ApplicationOperationInfoList"]]
    assert ops == ["StopApplication", "StartApplication"]


def test_flink_application_control_plane(server):
    client = kda2(server.endpoint)
    name = unique_name("flink")
    d = client.create_application(
        ApplicationName=name,
        RuntimeEnvironment="FLINK-1_18",
        ServiceExecutionRole=ROLE,
        ApplicationConfiguration={
            "ApplicationCodeConfiguration": {"CodeContent": {"S3ContentLocation": {"BucketARN": "arn:aws:s3:::code", "FileKey": "app.jar"}}, "CodeContentType": "ZIPFILE"},
            "EnvironmentProperties": {"PropertyGroups": [{"PropertyGroupId": "g", "PropertyMap": {"k": "v"}}]},
        },
        Tags=[{"Key": "a", "Value": "b"}],
    )["ApplicationDetail"]
    conf = d["ApplicationConfigurationDescription"]
    assert conf["FlinkApplicationConfigurationDescription"]["ParallelismConfigurationDescription"]["Parallelism"] == 1
    assert conf["EnvironmentPropertyDescriptions"]["PropertyGroupDescriptions"][0]["PropertyMap"] == {"k": "v"}
    assert conf["ApplicationSnapshotConfigurationDescription"] == {"SnapshotsEnabled": True}
    up = client.update_application(
        ApplicationName=name,
        CurrentApplicationVersionId=1,
        ApplicationConfigurationUpdate={"FlinkApplicationConfigurationUpdate": {"ParallelismConfigurationUpdate": {"ConfigurationTypeUpdate": "CUSTOM", "ParallelismUpdate": 4, "AutoScalingEnabledUpdate": False}}},
    )["ApplicationDetail"]
    assert up["ApplicationVersionId"] == 2
    assert up["ApplicationConfigurationDescription"]["FlinkApplicationConfigurationDescription"]["ParallelismConfigurationDescription"]["Parallelism"] == 4
    versions = client.list_application_versions(ApplicationName=name)["ApplicationVersionSummaries"]
    assert [v["ApplicationVersionId"] for v in versions] == [2, 1]
    v1 = client.describe_application_version(ApplicationName=name, ApplicationVersionId=1)["ApplicationVersionDetail"]
    assert v1["ApplicationConfigurationDescription"]["FlinkApplicationConfigurationDescription"]["ParallelismConfigurationDescription"]["Parallelism"] == 1
    client.start_application(ApplicationName=name, RunConfiguration={})
    wait_status(lambda: client.describe_application(ApplicationName=name), "RUNNING")
    client.create_application_snapshot(ApplicationName=name, SnapshotName="snap1")
    snap = client.describe_application_snapshot(ApplicationName=name, SnapshotName="snap1")["SnapshotDetails"]
    assert snap["SnapshotStatus"] == "READY" and snap["ApplicationVersionId"] == 2
    assert [s["SnapshotName"] for s in client.list_application_snapshots(ApplicationName=name)["SnapshotSummaries"]] == ["snap1"]
    client.delete_application_snapshot(ApplicationName=name, SnapshotName="snap1", SnapshotCreationTimestamp=snap["SnapshotCreationTimestamp"])
    with pytest.raises(ClientError) as e:
        client.describe_application_snapshot(ApplicationName=name, SnapshotName="snap1")
    assert e.value.response["Error"]["Code"] == "ResourceNotFoundException"
    client.stop_application(ApplicationName=name, Force=False)
    wait_status(lambda: client.describe_application(ApplicationName=name), "READY")
    rb = client.rollback_application(ApplicationName=name, CurrentApplicationVersionId=2)["ApplicationDetail"]
    assert rb["ApplicationVersionId"] == 3
    assert rb["ApplicationConfigurationDescription"]["FlinkApplicationConfigurationDescription"]["ParallelismConfigurationDescription"]["Parallelism"] == 1
    summaries = {a["ApplicationName"]: a for a in client.list_applications()["ApplicationSummaries"]}
    assert summaries[name]["RuntimeEnvironment"] == "FLINK-1_18"
    client.delete_application(ApplicationName=name, CreateTimestamp=d["CreateTimestamp"])
    with pytest.raises(ClientError) as e:
        client.describe_application(ApplicationName=name)
    assert e.value.response["Error"]["Code"] == "ResourceNotFoundException"


def test_discover_input_schema_from_stream_and_s3(server):
    kinesis, client = make_kinesis_client(server.endpoint), kda(server.endpoint)
    src, _ = make_streams(kinesis)
    put_all(kinesis, src, ticks(10))
    out = client.discover_input_schema(ResourceARN=stream_arn(src), RoleARN=ROLE, InputStartingPositionConfiguration={"InputStartingPosition": "TRIM_HORIZON"})
    cols = {c["Name"]: (c["SqlType"], c["Mapping"]) for c in out["InputSchema"]["RecordColumns"]}
    assert cols == {"TICKER_SYMBOL": ("VARCHAR(4)", "$.TICKER_SYMBOL"), "SECTOR": ("VARCHAR(16)", "$.SECTOR"), "CHANGE": ("REAL", "$.CHANGE"), "PRICE": ("REAL", "$.PRICE")}
    assert len(out["RawInputRecords"]) == 10 and out["ParsedInputRecords"][0][0] == "AMZN"
    s3 = s3_client(server.endpoint)
    s3.create_bucket(Bucket="kda-ref")
    s3.put_object(Bucket="kda-ref", Key="companies.csv", Body=b"AMZN,Amazon,1994\nTBV,TBV Corp,2001\n")
    out = kda2(server.endpoint).discover_input_schema(ServiceExecutionRole=ROLE, S3Configuration={"BucketARN": "arn:aws:s3:::kda-ref", "FileKey": "companies.csv"})
    assert [c["SqlType"] for c in out["InputSchema"]["RecordColumns"]] == ["VARCHAR(4)", "VARCHAR(8)", "INTEGER"]
    assert out["InputSchema"]["RecordFormat"]["RecordFormatType"] == "CSV"
    with pytest.raises(ClientError) as e:
        client.discover_input_schema(RoleARN=ROLE)
    assert e.value.response["Error"]["Code"] == "InvalidArgumentException"


def test_reference_data_join(server):
    kinesis, client = make_kinesis_client(server.endpoint), kda(server.endpoint)
    s3 = s3_client(server.endpoint)
    s3.create_bucket(Bucket="kda-companies")
    s3.put_object(Bucket="kda-companies", Key="tickers.csv", Body=b"AMZN,Amazon\nWAS,Washington Inc\n")
    src, dst = make_streams(kinesis)
    code = """CREATE OR REPLACE STREAM "DESTINATION_SQL_STREAM" (ticker_symbol VARCHAR(4), company VARCHAR(20), price DOUBLE);
CREATE OR REPLACE PUMP "STREAM_PUMP" AS INSERT INTO "DESTINATION_SQL_STREAM"
    SELECT STREAM s.ticker_symbol, c."Company", s.price
    FROM "SOURCE_SQL_STREAM_001" AS s
    LEFT JOIN "CompanyName" AS c ON s.ticker_symbol = c."Ticker";"""
    name = unique_name("ref")
    client.create_application(
        ApplicationName=name,
        Inputs=[{"NamePrefix": "SOURCE_SQL_STREAM", "KinesisStreamsInput": {"ResourceARN": stream_arn(src), "RoleARN": ROLE}, "InputSchema": TICKER_SCHEMA}],
        Outputs=[{"Name": "DESTINATION_SQL_STREAM", "KinesisStreamsOutput": {"ResourceARN": stream_arn(dst), "RoleARN": ROLE}, "DestinationSchema": {"RecordFormatType": "JSON"}}],
    )
    client.add_application_reference_data_source(
        ApplicationName=name,
        CurrentApplicationVersionId=1,
        ReferenceDataSource={
            "TableName": "CompanyName",
            "S3ReferenceDataSource": {"BucketARN": "arn:aws:s3:::kda-companies", "FileKey": "tickers.csv", "ReferenceRoleARN": ROLE},
            "ReferenceSchema": {
                "RecordFormat": {"RecordFormatType": "CSV", "MappingParameters": {"CSVMappingParameters": {"RecordRowDelimiter": "\n", "RecordColumnDelimiter": ","}}},
                "RecordColumns": [{"Name": "Ticker", "SqlType": "VARCHAR(4)"}, {"Name": "Company", "SqlType": "VARCHAR(20)"}],
            },
        },
    )
    client.update_application(ApplicationName=name, CurrentApplicationVersionId=2, ApplicationUpdate={"ApplicationCodeUpdate": code})
    input_id = client.describe_application(ApplicationName=name)["ApplicationDetail"]["InputDescriptions"][0]["InputId"]
    client.start_application(ApplicationName=name, InputConfigurations=[{"Id": input_id, "InputStartingPositionConfiguration": {"InputStartingPosition": "NOW"}}])
    wait_status(lambda: client.describe_application(ApplicationName=name), "RUNNING")
    records = ticks(20)
    put_all(kinesis, src, records)
    companies = {"AMZN": "Amazon", "WAS": "Washington Inc"}
    want = sorted((r["TICKER_SYMBOL"], companies.get(r["TICKER_SYMBOL"]), r["PRICE"]) for r in records)
    got = sorted((x["TICKER_SYMBOL"], x["COMPANY"], x["PRICE"]) for x in map(json.loads, read_output(kinesis, dst, len(want))))
    assert got == want, got
