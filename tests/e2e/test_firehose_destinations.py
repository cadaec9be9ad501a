"""Firehose's non-S3 destinations through boto3: HTTP endpoint, Splunk, OpenSearch,
Elasticsearch and Redshift configurations are accepted, described with AWS's defaults and
without the secrets AWS does not echo, merged by an update of the same kind and replaced by
an update of another kind; buffering ranges are each destination's own. Then delivery, end
to end, to local receivers started by the tests (HTTP endpoint, Splunk collector, OpenSearch
_bulk) and to a throwaway PostgreSQL standing in for Redshift: AWS's requests, retries with
one request id, failed data in the backup bucket, COPY of the intermediate object's rows."""

from __future__ import annotations

import base64
import gzip
import json
import os
import re
import shutil
import ssl
import subprocess
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

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


# ------------------------------------------------------------------ delivery, end to end

REPO = Path(__file__).resolve().parents[2]


class Receiver:
    """A local HTTP server that records requests; `answer(path, headers, body, n)` -> (status, body).
    With `tls=(cert_file, key_file)`, an https server presenting that certificate."""

    def __init__(self, answer, tls: tuple[Path, Path] | None = None):
        self.requests: list[dict] = []
        self.lock = threading.Lock()
        outer = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):  # noqa: N802 - http.server's name
                body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
                req = {"path": self.path, "headers": {k.lower(): v for k, v in self.headers.items()}, "body": body}
                with outer.lock:
                    outer.requests.append(req)
                    n = len(outer.requests) - 1
                status, out = answer(req, n)
                out = out.encode() if isinstance(out, str) else out
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(out)))
                self.end_headers()
                self.wfile.write(out)

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        scheme = "http"
        if tls is not None:
            ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
            ctx.load_cert_chain(str(tls[0]), str(tls[1]))
            self.server.socket = ctx.wrap_socket(self.server.socket, server_side=True)
            scheme = "https"
        self.url = f"{scheme}://127.0.0.1:{self.server.server_address[1]}"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def wait(self, count: int, timeout: float = 30) -> list[dict]:
        deadline = time.monotonic() + timeout
        while True:
            with self.lock:
                if len(self.requests) >= count:
                    return list(self.requests)
            assert time.monotonic() < deadline, f"only {len(self.requests)} of {count} requests within {timeout}s"
            time.sleep(0.1)

    def close(self):
        self.server.shutdown()
        self.server.server_close()


def s3_client(endpoint: str):
    session = boto3.session.Session(aws_access_key_id=ACCESS_KEY, aws_secret_access_key=SECRET_KEY, region_name=REGION)
    return session.client("s3", endpoint_url=endpoint, config=Config(s3={"addressing_style": "path"}))


def wait_objects(s3, bucket: str, count: int, timeout: float = 30) -> dict[str, bytes]:
    deadline = time.monotonic() + timeout
    while True:
        keys = [o["Key"] for o in s3.list_objects_v2(Bucket=bucket).get("Contents", [])]
        if len(keys) >= count:
            return {k: s3.get_object(Bucket=bucket, Key=k)["Body"].read() for k in keys}
        assert time.monotonic() < deadline, f"only {keys} in {bucket} within {timeout}s"
        time.sleep(0.2)


def put(fh, name: str, records: list[bytes]) -> None:
    out = fh.put_record_batch(DeliveryStreamName=name, Records=[{"Data": r} for r in records])
    assert out["FailedPutCount"] == 0


def echo_request_id(req: dict) -> str:
    return json.dumps({"requestId": req["headers"]["x-amz-firehose-request-id"], "timestamp": int(time.time() * 1000)})


def test_http_endpoint_delivery_retries_with_the_same_request_id(start_kinesin):
    # The first attempt fails with a 500, the retry succeeds.
    rx = Receiver(lambda req, n: (500, '{"errorMessage":"busy"}') if n == 0 else (200, echo_request_id(req)))
    try:
        server = start_kinesin("--firehose-interval-override-secs", "1")
        fh, s3 = firehose(server.endpoint), s3_client(server.endpoint)
        bucket, name = unique_name("bk"), unique_name("http")
        s3.create_bucket(Bucket=bucket)
        fh.create_delivery_stream(
            DeliveryStreamName=name,
            HttpEndpointDestinationConfiguration={
                "EndpointConfiguration": {"Url": f"{rx.url}/firehose", "AccessKey": "secret-key"},
                "RequestConfiguration": {
                    "ContentEncoding": "GZIP",
                    "CommonAttributes": [{"AttributeName": "team", "AttributeValue": "data"}],
                },
                "BufferingHints": {"SizeInMBs": 1, "IntervalInSeconds": 60},
                "S3Configuration": s3_config(bucket),
            },
        )
        records = [f"rec-{i}\n".encode() for i in range(50)]
        put(fh, name, records)
        first, second = rx.wait(2)
        arn = fh.describe_delivery_stream(DeliveryStreamName=name)["DeliveryStreamDescription"]["DeliveryStreamARN"]
        for req in (first, second):
            h = req["headers"]
            assert req["path"] == "/firehose"
            assert h["content-type"] == "application/json"
            assert h["content-encoding"] == "gzip"
            assert h["x-amz-firehose-protocol-version"] == "1.0"
            assert h["x-amz-firehose-source-arn"] == arn
            assert h["x-amz-firehose-access-key"] == "secret-key"
            assert json.loads(h["x-amz-firehose-common-attributes"]) == {"commonAttributes": {"team": "data"}}
        assert first["headers"]["x-amz-firehose-request-id"] == second["headers"]["x-amz-firehose-request-id"]
        body = json.loads(gzip.decompress(second["body"]))
        assert body["requestId"] == second["headers"]["x-amz-firehose-request-id"]
        assert abs(body["timestamp"] - time.time() * 1000) < 600_000  # milliseconds, not seconds
        assert [base64.b64decode(r["data"]) for r in body["records"]] == records
        time.sleep(1.5)
        assert len(rx.requests) == 2, "delivered once, not again"
        # FailedDataOnly: nothing in the backup bucket after a success.
        assert s3.list_objects_v2(Bucket=bucket)["KeyCount"] == 0
    finally:
        rx.close()


def self_signed_cert(tmp_path: Path) -> tuple[Path, Path]:
    """A self-signed certificate for 127.0.0.1 as users make them (`openssl req -x509`, which
    marks it as a CA)."""
    cert, key = tmp_path / "cert.pem", tmp_path / "key.pem"
    args = ["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2", "-subj", "/CN=127.0.0.1"]
    args += ["-addext", "subjectAltName=IP:127.0.0.1,DNS:localhost", "-keyout", str(key), "-out", str(cert)]
    subprocess.run(args, check=True, capture_output=True)
    return cert, key


@pytest.mark.skipif(shutil.which("openssl") is None, reason="needs the openssl command")
def test_https_endpoint_with_a_self_signed_certificate_given_by_flag(start_kinesin, tmp_path):
    cert, key = self_signed_cert(tmp_path)
    rx = Receiver(lambda req, n: (200, echo_request_id(req)), tls=(cert, key))
    try:
        assert rx.url.startswith("https://")
        server = start_kinesin("--firehose-interval-override-secs", "1", "--delivery-ca-cert", str(cert))
        fh, s3 = firehose(server.endpoint), s3_client(server.endpoint)
        bucket, name = unique_name("bk"), unique_name("https")
        s3.create_bucket(Bucket=bucket)
        fh.create_delivery_stream(
            DeliveryStreamName=name,
            HttpEndpointDestinationConfiguration={
                "EndpointConfiguration": {"Url": f"{rx.url}/ingest", "AccessKey": "tls-key"},
                "S3Configuration": s3_config(bucket),
            },
        )
        records = [b"over", b"tls"]
        put(fh, name, records)
        (req,) = rx.wait(1)
        arn = fh.describe_delivery_stream(DeliveryStreamName=name)["DeliveryStreamDescription"]["DeliveryStreamARN"]
        h = req["headers"]
        assert req["path"] == "/ingest"
        assert h["x-amz-firehose-protocol-version"] == "1.0"
        assert h["x-amz-firehose-source-arn"] == arn
        assert h["x-amz-firehose-access-key"] == "tls-key"
        body = json.loads(req["body"])
        assert body["requestId"] == h["x-amz-firehose-request-id"]
        assert [base64.b64decode(r["data"]) for r in body["records"]] == records
        time.sleep(1.5)
        assert len(rx.requests) == 1, "delivered once"
        assert s3.list_objects_v2(Bucket=bucket)["KeyCount"] == 0, "nothing failed to the backup"
    finally:
        rx.close()


def test_http_endpoint_failures_go_to_the_backup_bucket(start_kinesin):
    rx = Receiver(lambda req, n: (503, "down"))
    try:
        server = start_kinesin("--firehose-interval-override-secs", "1")
        fh, s3 = firehose(server.endpoint), s3_client(server.endpoint)
        bucket, name = unique_name("bk"), unique_name("http")
        s3.create_bucket(Bucket=bucket)
        fh.create_delivery_stream(
            DeliveryStreamName=name,
            HttpEndpointDestinationConfiguration={
                "EndpointConfiguration": {"Url": rx.url},
                "RetryOptions": {"DurationInSeconds": 1},
                "S3BackupMode": "AllData",
                "S3Configuration": s3_config(bucket, Prefix="all/"),
            },
        )
        records = [b"alpha", b"beta"]
        put(fh, name, records)
        objs = wait_objects(s3, bucket, 2)
        assert len(rx.requests) >= 2, "retried within RetryOptions before giving up"
        (failed_key,) = [k for k in objs if k.startswith("http-endpoint-failed/")]
        (all_key,) = [k for k in objs if k.startswith("all/")]
        assert re.match(rf"^http-endpoint-failed/\d{{4}}/\d{{2}}/\d{{2}}/\d{{2}}/{name}-1-", failed_key), failed_key
        lines = [json.loads(line) for line in objs[failed_key].splitlines()]
        assert [base64.b64decode(line["rawData"]) for line in lines] == records
        assert all(line["errorCode"] == "HttpEndpoint.DestinationException" for line in lines)
        assert "503" in lines[0]["errorMessage"]
        assert lines[0]["attemptsMade"] >= 2
        assert objs[all_key] == b"alphabeta"
    finally:
        rx.close()


def test_splunk_and_opensearch_delivery(start_kinesin):
    def splunk(req, n):
        assert req["headers"]["authorization"] == "Splunk hec-token"
        return 200, '{"text":"Success","code":0}'

    def bulk(req, n):
        lines = [json.loads(line) for line in req["body"].splitlines() if line]
        items = [
            {"index": {"status": 400, "error": {"type": "mapper_parsing_exception", "reason": "bad"}}}
            if b"bad" in json.dumps(doc).encode()
            else {"index": {"status": 201}}
            for doc in lines[1::2]
        ]
        return 200, json.dumps({"took": 1, "errors": any(i["index"]["status"] == 400 for i in items), "items": items})

    hec, cluster = Receiver(splunk), Receiver(bulk)
    domain = "arn:aws:es:us-east-1:000000000000:domain/logs"
    try:
        server = start_kinesin("--firehose-interval-override-secs", "1", "--opensearch-endpoint", f"{domain}={cluster.url}")
        fh, s3 = firehose(server.endpoint), s3_client(server.endpoint)
        bucket = unique_name("bk")
        s3.create_bucket(Bucket=bucket)
        sp, os_ = unique_name("splunk"), unique_name("os")
        fh.create_delivery_stream(
            DeliveryStreamName=sp,
            SplunkDestinationConfiguration={
                "HECEndpoint": hec.url,
                "HECEndpointType": "Raw",
                "HECToken": "hec-token",
                "S3Configuration": s3_config(bucket),
            },
        )
        fh.create_delivery_stream(
            DeliveryStreamName=os_,
            AmazonopensearchserviceDestinationConfiguration={
                "RoleARN": ROLE,
                "DomainARN": domain,
                "IndexName": "app",
                "IndexRotationPeriod": "NoRotation",
                "RetryOptions": {"DurationInSeconds": 0},
                "S3Configuration": s3_config(bucket),
            },
        )
        put(fh, sp, [b"event one\n", b"event two\n"])
        (req,) = hec.wait(1)
        assert req["path"] == "/services/collector/raw"
        assert req["body"] == b"event one\nevent two\n"
        put(fh, os_, [b'{"v":"good"}', b'{"v":"bad"}'])
        (req,) = cluster.wait(1)
        lines = [json.loads(line) for line in req["body"].splitlines()]
        assert req["path"] == "/_bulk"
        assert lines[0]["index"]["_index"] == "app" and lines[0]["index"]["_id"]
        assert lines[1::2] == [{"v": "good"}, {"v": "bad"}]
        # Only the rejected document goes to the backup.
        objs = wait_objects(s3, bucket, 1)
        (key,) = objs
        assert key.startswith("AmazonOpenSearchService-failed/"), key
        (line,) = [json.loads(x) for x in objs[key].splitlines()]
        assert base64.b64decode(line["rawData"]) == b'{"v":"bad"}'
        assert line["errorCode"] == "400" and "mapper_parsing_exception" in line["errorMessage"]
    finally:
        hec.close()
        cluster.close()


@pytest.fixture
def postgres():
    """A throwaway PostgreSQL (scripts/pg-test-server.sh): (url, host:port)."""
    script = REPO / "scripts" / "pg-test-server.sh"
    p = subprocess.run([str(script), "start"], capture_output=True, text=True, timeout=120, stdin=subprocess.DEVNULL)
    if p.returncode != 0:
        if "no PostgreSQL binaries" in p.stderr and not os.environ.get("CI"):
            pytest.skip(p.stderr.strip())
        raise RuntimeError(f"pg-test-server.sh failed: {p.stderr}")
    url, data_dir = p.stdout.split()
    try:
        yield url, url.rsplit("@", 1)[1].split("/")[0]
    finally:
        subprocess.run([str(script), "stop", data_dir], capture_output=True, timeout=60, stdin=subprocess.DEVNULL)


def psql(url: str, sql: str) -> str:
    exe = shutil.which("psql") or "/usr/bin/psql"
    p = subprocess.run([exe, url, "-At", "-c", sql], capture_output=True, text=True, timeout=60, stdin=subprocess.DEVNULL)
    assert p.returncode == 0, p.stderr
    return p.stdout


def test_redshift_copies_into_postgresql_and_keeps_the_intermediate_object(start_kinesin, postgres):
    url, hostport = postgres
    psql(url, "CREATE TABLE trips (truck text, km int, note text)")
    server = start_kinesin("--firehose-interval-override-secs", "1")
    fh, s3 = firehose(server.endpoint), s3_client(server.endpoint)
    bucket, name = unique_name("stage"), unique_name("rs")
    s3.create_bucket(Bucket=bucket)
    fh.create_delivery_stream(
        DeliveryStreamName=name,
        RedshiftDestinationConfiguration={
            "RoleARN": ROLE,
            "ClusterJDBCURL": f"jdbc:redshift://{hostport}/postgres",
            "Username": "kinesin",
            "Password": "kinesin",
            "CopyCommand": {"DataTableName": "trips", "DataTableColumns": "truck,km", "CopyOptions": "json 'auto'"},
            "S3Configuration": s3_config(bucket, Prefix="stage/", BufferingHints={"SizeInMBs": 1, "IntervalInSeconds": 60}),
        },
    )
    records = [json.dumps({"truck": f"t{i}", "km": i * 10}).encode() + b"\n" for i in range(5)]
    put(fh, name, records)
    objs = wait_objects(s3, bucket, 1)
    (key,) = objs
    assert key.startswith("stage/") and objs[key] == b"".join(records)
    deadline = time.monotonic() + 30
    while psql(url, "SELECT count(*) FROM trips").strip() != "5":
        assert time.monotonic() < deadline, "COPY did not load the rows"
        time.sleep(0.2)
    assert psql(url, "SELECT truck, km, coalesce(note, 'NULL') FROM trips ORDER BY km").splitlines() == [
        f"t{i}|{i * 10}|NULL" for i in range(5)
    ]
