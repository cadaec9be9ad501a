"""`--verify-sigv4`: boto3 with the right secret is served on every service and protocol;
with a wrong secret or an unknown key it gets the service's own error."""

from __future__ import annotations

import urllib.error
import urllib.request

import boto3
import pytest
from botocore.config import Config
from botocore.exceptions import ClientError

from conftest import REGION, unique_name

KEY, SECRET = "AKIAKINESINSIGTEST", "right-secret/with+chars"


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    from conftest import ServerPool

    d = tmp_path_factory.mktemp("sigv4")
    creds = d / "credentials"
    creds.write_text(f"[default]\naws_access_key_id = {KEY}\naws_secret_access_key = {SECRET}\n")
    pool = ServerPool(d / "logs")
    yield pool.start("--verify-sigv4", "--credentials", str(creds))
    pool.close()


def make(service: str, endpoint: str, secret: str = SECRET, key: str = KEY, **cfg):
    return boto3.client(
        service,
        endpoint_url=endpoint,
        region_name=REGION,
        aws_access_key_id=key,
        aws_secret_access_key=secret,
        config=Config(retries={"total_max_attempts": 1}, s3={"addressing_style": "path"}, **cfg),
    )


def error(fn, *args, **kwargs) -> tuple[str, int]:
    with pytest.raises(ClientError) as e:
        fn(*args, **kwargs)
    return e.value.response["Error"]["Code"], e.value.response["ResponseMetadata"]["HTTPStatusCode"]


def test_right_secret_works_everywhere(server):
    kinesis = make("kinesis", server.endpoint)
    kinesis.create_stream(StreamName="signed", ShardCount=1)
    assert "signed" in kinesis.list_streams()["StreamNames"]
    assert make("firehose", server.endpoint).list_delivery_streams()["DeliveryStreamNames"] == []
    sqs = make("sqs", server.endpoint)
    url = sqs.create_queue(QueueName=unique_name("q"))["QueueUrl"]
    sqs.send_message(QueueUrl=url, MessageBody="hello ü +/=")
    s3 = make("s3", server.endpoint)
    s3.create_bucket(Bucket="signed-bucket")
    s3.put_object(Bucket="signed-bucket", Key="a key/with spaces+ü", Body=b"data")
    assert s3.get_object(Bucket="signed-bucket", Key="a key/with spaces+ü")["Body"].read() == b"data"
    assert [o["Key"] for o in s3.list_objects_v2(Bucket="signed-bucket", Prefix="a ")["Contents"]] == ["a key/with spaces+ü"]
    presigner = make("s3", server.endpoint, signature_version="s3v4")
    url = presigner.generate_presigned_url("get_object", Params={"Bucket": "signed-bucket", "Key": "a key/with spaces+ü"})
    assert urllib.request.urlopen(url, timeout=10).read() == b"data"
    with pytest.raises(urllib.error.HTTPError) as e:
        urllib.request.urlopen(url.replace("X-Amz-Signature=", "X-Amz-Signature=0"), timeout=10)
    assert e.value.code == 403 and b"SignatureDoesNotMatch" in e.value.read()
    assert make("pipes", server.endpoint).list_pipes()["Pipes"] == []


def test_wrong_secret_gets_each_services_error(server):
    assert error(make("kinesis", server.endpoint, "wrong").list_streams) == ("InvalidSignatureException", 400)
    assert error(make("firehose", server.endpoint, "wrong").list_delivery_streams) == ("InvalidSignatureException", 400)
    assert error(make("sqs", server.endpoint, "wrong").list_queues)[0] == "InvalidSignatureException"
    assert error(make("s3", server.endpoint, "wrong").list_buckets) == ("SignatureDoesNotMatch", 403)
    assert error(make("s3", server.endpoint, "wrong").put_object, Bucket="signed-bucket", Key="k", Body=b"x") == ("SignatureDoesNotMatch", 403)
    assert error(make("pipes", server.endpoint, "wrong").list_pipes) == ("InvalidSignatureException", 403)


def test_unknown_access_key(server):
    assert error(make("kinesis", server.endpoint, key="AKIAUNKNOWN").list_streams) == ("UnrecognizedClientException", 400)
    assert error(make("s3", server.endpoint, key="AKIAUNKNOWN").list_buckets) == ("InvalidAccessKeyId", 403)


def test_sqs_query_protocol_errors(server):
    """The query protocol (as older SDKs speak it) gets SignatureDoesNotMatch in XML."""
    import http.client
    import urllib.parse

    from botocore.auth import SigV4Auth
    from botocore.awsrequest import AWSRequest
    from botocore.credentials import Credentials

    body = urllib.parse.urlencode({"Action": "ListQueues", "Version": "2012-11-05"})
    for secret, status in ((SECRET, 200), ("wrong", 403)):
        req = AWSRequest(method="POST", url=server.endpoint + "/", data=body, headers={"Content-Type": "application/x-www-form-urlencoded"})
        SigV4Auth(Credentials(KEY, secret), "sqs", REGION).add_auth(req)
        conn = http.client.HTTPConnection("127.0.0.1", server.port, timeout=10)
        conn.request("POST", "/", body=body, headers=dict(req.headers))
        r = conn.getresponse()
        reply = r.read()
        conn.close()
        assert r.status == status, reply
        if status == 403:
            assert b"<Code>SignatureDoesNotMatch</Code>" in reply


def test_health_needs_no_signature(server):
    assert server.health()["status"] == "ok"


def test_off_by_default(kinesin_server):
    assert make("kinesis", kinesin_server.endpoint, "anything").list_streams()["StreamNames"] is not None
