"""Firehose's non-S3 destinations through boto3: HTTP endpoint, Splunk, OpenSearch,
Elasticsearch and Redshift configurations are accepted, described with AWS's defaults and
without the secrets AWS does not echo, merged by an update of the same kind and replaced by
an update of another kind; buffering ranges are each destination's own."""

from __future__ import annotations

import boto3
import pytest
from botocore.config import Config
from botocore.exceptions import ClientError

from conftest import ACCESS_KEY, REGION, SECRET_KEY, unique_name

ROLE = "arn:aws:iam::000000000000:role/firehose"
DEST_ID = "destinationId-000000000001"


def firehose(endpoint: str):
    session = boto3.session.Session(aws_access_key_id=ACCESS_KEY, aws_secret_access_key=SECRET_KEY, region_name=REGION)
    cfg = Config(retries={"total_max_attempts": 1, "mode": "standard"}, read_timeout=30)
    return session.client("firehose", endpoint_url=endpoint, config=cfg)


def s3_config(bucket: str = "backup", **extra) -> dict:
    return {"RoleARN": ROLE, "BucketARN": f"arn:aws:s3:::{bucket}", **extra}


def destination(fh, name: str) -> dict:
    desc = fh.describe_delivery_stream(DeliveryStreamName=name)["DeliveryStreamDescription"]
    assert desc["DeliveryStreamStatus"] == "ACTIVE"
    (dest,) = desc["Destinations"]
    assert dest["DestinationId"] == DEST_ID
    return desc, dest


def error_code(call) -> str:
    with pytest.raises(ClientError) as e:
        call()
    return e.value.response["Error"]["Code"]


def test_http_endpoint_described_with_defaults_and_without_the_access_key(endpoint):
    fh = firehose(endpoint)
    name = unique_name("http")
    fh.create_delivery_stream(
        DeliveryStreamName=name,
        HttpEndpointDestinationConfiguration={
            "EndpointConfiguration": {"Url": "http://127.0.0.1:9/ingest", "Name": "local", "AccessKey": "s3cr3t"},
            "RequestConfiguration": {
                "ContentEncoding": "GZIP",
                "CommonAttributes": [{"AttributeName": "env", "AttributeValue": "test"}],
            },
            "S3Configuration": s3_config(),
        },
    )
    _, dest = destination(fh, name)
    assert set(dest) == {"DestinationId", "HttpEndpointDestinationDescription"}
    d = dest["HttpEndpointDestinationDescription"]
    assert d["EndpointConfiguration"] == {"Url": "http://127.0.0.1:9/ingest", "Name": "local"}
    assert d["BufferingHints"] == {"SizeInMBs": 5, "IntervalInSeconds": 300}
    assert d["RetryOptions"] == {"DurationInSeconds": 300}
    assert d["S3BackupMode"] == "FailedDataOnly"
    assert d["RequestConfiguration"]["ContentEncoding"] == "GZIP"
    assert d["RequestConfiguration"]["CommonAttributes"] == [{"AttributeName": "env", "AttributeValue": "test"}]
    s3d = d["S3DestinationDescription"]
    assert s3d["BucketARN"] == "arn:aws:s3:::backup"
    assert s3d["BufferingHints"] == {"SizeInMBs": 5, "IntervalInSeconds": 300}
    assert s3d["CompressionFormat"] == "UNCOMPRESSED"
    assert s3d["EncryptionConfiguration"] == {"NoEncryptionConfig": "NoEncryption"}


def test_buffering_ranges_are_per_destination(endpoint):
    fh = firehose(endpoint)
    http = {"EndpointConfiguration": {"Url": "https://example.com"}, "S3Configuration": s3_config()}
    # HTTP endpoints buffer at most 64 MiB; S3 would take 128.
    code = error_code(
        lambda: fh.create_delivery_stream(
            DeliveryStreamName=unique_name("h"),
            HttpEndpointDestinationConfiguration={**http, "BufferingHints": {"SizeInMBs": 65, "IntervalInSeconds": 60}},
        )
    )
    assert code == "ValidationException"
    splunk = {"HECEndpoint": "https://splunk:8088", "HECEndpointType": "Raw", "HECToken": "t", "S3Configuration": s3_config()}
    # Splunk buffers at most 60 s and 5 MiB.
    for hints in ({"SizeInMBs": 5, "IntervalInSeconds": 61}, {"SizeInMBs": 6, "IntervalInSeconds": 60}):
        code = error_code(
            lambda: fh.create_delivery_stream(
                DeliveryStreamName=unique_name("s"), SplunkDestinationConfiguration={**splunk, "BufferingHints": hints}
            )
        )
        assert code == "ValidationException"
    name = unique_name("s")
    fh.create_delivery_stream(DeliveryStreamName=name, SplunkDestinationConfiguration=splunk)
    _, dest = destination(fh, name)
    d = dest["SplunkDestinationDescription"]
    assert d["BufferingHints"] == {"SizeInMBs": 5, "IntervalInSeconds": 60}
    assert d["HECAcknowledgmentTimeoutInSeconds"] == 180
    assert d["S3BackupMode"] == "FailedEventsOnly"
    assert d["HECToken"] == "t"
    # Both hints or neither.
    code = error_code(
        lambda: fh.create_delivery_stream(
            DeliveryStreamName=unique_name("h"),
            HttpEndpointDestinationConfiguration={**http, "BufferingHints": {"SizeInMBs": 2}},
        )
    )
    assert code == "InvalidArgumentException"


def test_opensearch_and_elasticsearch(endpoint):
    fh = firehose(endpoint)
    name = unique_name("os")
    fh.create_delivery_stream(
        DeliveryStreamName=name,
        AmazonopensearchserviceDestinationConfiguration={
            "RoleARN": ROLE,
            "DomainARN": "arn:aws:es:us-east-1:000000000000:domain/logs",
            "IndexName": "app",
            "S3Configuration": s3_config(),
        },
    )
    _, dest = destination(fh, name)
    d = dest["AmazonopensearchserviceDestinationDescription"]
    assert d["IndexRotationPeriod"] == "OneDay"
    assert d["BufferingHints"] == {"SizeInMBs": 5, "IntervalInSeconds": 300}
    assert d["RetryOptions"] == {"DurationInSeconds": 300}
    assert d["S3BackupMode"] == "FailedDocumentsOnly"
    assert d["DomainARN"] == "arn:aws:es:us-east-1:000000000000:domain/logs"
    es = unique_name("es")
    fh.create_delivery_stream(
        DeliveryStreamName=es,
        ElasticsearchDestinationConfiguration={
            "RoleARN": ROLE,
            "ClusterEndpoint": "http://127.0.0.1:9200",
            "IndexName": "legacy",
            "TypeName": "_doc",
            "IndexRotationPeriod": "NoRotation",
            "BufferingHints": {"SizeInMBs": 100, "IntervalInSeconds": 0},
            "S3Configuration": s3_config(),
        },
    )
    _, dest = destination(fh, es)
    d = dest["ElasticsearchDestinationDescription"]
    assert (d["TypeName"], d["IndexRotationPeriod"], d["ClusterEndpoint"]) == ("_doc", "NoRotation", "http://127.0.0.1:9200")
    # OpenSearch buffers at most 100 MiB.
    code = error_code(
        lambda: fh.create_delivery_stream(
            DeliveryStreamName=unique_name("es"),
            ElasticsearchDestinationConfiguration={
                "RoleARN": ROLE,
                "ClusterEndpoint": "https://c",
                "IndexName": "x",
                "BufferingHints": {"SizeInMBs": 101, "IntervalInSeconds": 60},
                "S3Configuration": s3_config(),
            },
        )
    )
    assert code == "ValidationException"


def test_redshift_hides_the_password_and_updates_merge_or_replace(endpoint):
    fh = firehose(endpoint)
    name = unique_name("rs")
    fh.create_delivery_stream(
        DeliveryStreamName=name,
        RedshiftDestinationConfiguration={
            "RoleARN": ROLE,
            "ClusterJDBCURL": "jdbc:redshift://127.0.0.1:5439/dev",
            "CopyCommand": {"DataTableName": "events", "DataTableColumns": "a,b", "CopyOptions": "json 'auto'"},
            "Username": "loader",
            "Password": "password1",
            "S3Configuration": s3_config(BufferingHints={"SizeInMBs": 1, "IntervalInSeconds": 60}),
        },
    )
    desc, dest = destination(fh, name)
    d = dest["RedshiftDestinationDescription"]
    assert "Password" not in d
    assert d["Username"] == "loader"
    assert d["CopyCommand"] == {"DataTableName": "events", "DataTableColumns": "a,b", "CopyOptions": "json 'auto'"}
    assert d["RetryOptions"] == {"DurationInSeconds": 3600}
    assert d["S3BackupMode"] == "Disabled"
    assert d["S3DestinationDescription"]["BufferingHints"] == {"SizeInMBs": 1, "IntervalInSeconds": 60}
    assert "BufferingHints" not in d
    # Same kind: merged.
    fh.update_destination(
        DeliveryStreamName=name,
        CurrentDeliveryStreamVersionId=desc["VersionId"],
        DestinationId=DEST_ID,
        RedshiftDestinationUpdate={"CopyCommand": {"DataTableName": "events2"}, "S3Update": {"Prefix": "stage/"}},
    )
    desc, dest = destination(fh, name)
    assert desc["VersionId"] == "2"
    d = dest["RedshiftDestinationDescription"]
    assert d["CopyCommand"] == {"DataTableName": "events2"}
    assert d["Username"] == "loader"
    assert d["S3DestinationDescription"]["Prefix"] == "stage/"
    assert d["S3DestinationDescription"]["BucketARN"] == "arn:aws:s3:::backup"
    # Another kind: nothing is merged, so the update must be complete.
    code = error_code(
        lambda: fh.update_destination(
            DeliveryStreamName=name,
            CurrentDeliveryStreamVersionId="2",
            DestinationId=DEST_ID,
            HttpEndpointDestinationUpdate={"EndpointConfiguration": {"Url": "https://example.com"}},
        )
    )
    assert code == "InvalidArgumentException"
    fh.update_destination(
        DeliveryStreamName=name,
        CurrentDeliveryStreamVersionId="2",
        DestinationId=DEST_ID,
        HttpEndpointDestinationUpdate={
            "EndpointConfiguration": {"Url": "https://example.com"},
            "S3Update": s3_config("other"),
        },
    )
    desc, dest = destination(fh, name)
    assert desc["VersionId"] == "3"
    assert list(dest) == ["DestinationId", "HttpEndpointDestinationDescription"]
    assert dest["HttpEndpointDestinationDescription"]["S3DestinationDescription"]["BucketARN"] == "arn:aws:s3:::other"


def test_missing_password_and_unsupported_destinations(endpoint):
    fh = firehose(endpoint)
    code = error_code(
        lambda: fh.create_delivery_stream(
            DeliveryStreamName=unique_name("rs"),
            RedshiftDestinationConfiguration={
                "RoleARN": ROLE,
                "ClusterJDBCURL": "jdbc:redshift://127.0.0.1:5439/dev",
                "CopyCommand": {"DataTableName": "t"},
                "Username": "u",
                "S3Configuration": s3_config(),
            },
        )
    )
    assert code == "InvalidArgumentException"
    code = error_code(
        lambda: fh.create_delivery_stream(
            DeliveryStreamName=unique_name("two"),
            HttpEndpointDestinationConfiguration={
                "EndpointConfiguration": {"Url": "https://example.com"},
                "S3Configuration": s3_config(),
            },
            ExtendedS3DestinationConfiguration=s3_config(),
        )
    )
    assert code == "InvalidArgumentException"
