"""AWS's SQS behaviours of issue 14 through real clients: the shared scenario of
sqs_fidelity_cases.py on the current boto3 (JSON 1.0) and on the old query-protocol botocore,
then what only one protocol shows (the x-amzn-ErrorType header, X-Amzn-Trace-Id, presigned
query URLs, LocalStack-style hosts)."""

from __future__ import annotations

import json
import os
import subprocess
import textwrap
import time
import urllib.parse
import urllib.request
from pathlib import Path
from xml.etree import ElementTree

from conftest import ACCESS_KEY, ACCOUNT, SECRET_KEY, unique_name
from test_sqs_clients import old_botocore_python  # noqa: F401 - the shared virtualenv fixture

NS = "{http://queue.amazonaws.com/doc/2012-11-05/}"


def client(endpoint: str, region: str = "us-east-1"):
    import boto3
    from botocore.config import Config

    session = boto3.session.Session(aws_access_key_id=ACCESS_KEY, aws_secret_access_key=SECRET_KEY, region_name=region)
    return session.client("sqs", endpoint_url=endpoint, config=Config(retries={"total_max_attempts": 1}, read_timeout=40))


def test_fidelity_cases_over_json(endpoint):
    from sqs_fidelity_cases import run

    results = run(lambda region: client(endpoint, region), endpoint, unique_name("fj"), time.sleep)
    assert client(endpoint).meta.service_model.protocol == "json"
    assert [r for r in results if r[1] != r[2]] == []
    assert len(results) > 30


OLD_SCRIPT = textwrap.dedent(
    r'''
    import json, sys, time, urllib.request
    import boto3
    from botocore.config import Config
    sys.path.insert(0, sys.argv[4])
    from sqs_fidelity_cases import run

    endpoint = sys.argv[1]
    def make(region):
        s = boto3.session.Session(aws_access_key_id=sys.argv[2], aws_secret_access_key=sys.argv[3], region_name=region)
        return s.client("sqs", endpoint_url=endpoint, config=Config(retries={"total_max_attempts": 1}, read_timeout=40))
    sqs = make("eu-west-1")
    out = {"protocol": sqs.meta.service_model.protocol, "results": run(make, endpoint, sys.argv[5], time.sleep)}
    # A presigned query URL: GET, Action in the query string, the region in X-Amz-Credential.
    name = sys.argv[5] + "-presigned"
    url = sqs.create_queue(QueueName=name)["QueueUrl"]
    presigned = sqs.generate_presigned_url("get_queue_url", Params={"QueueName": name}, ExpiresIn=300)
    with urllib.request.urlopen(presigned, timeout=30) as r:
        out["presigned"] = [presigned.split("?")[0], r.status, r.read().decode(), url]
    print(json.dumps(out))
    '''
)


def test_fidelity_cases_over_query_protocol(old_botocore_python, endpoint, tmp_path):  # noqa: F811
    script = tmp_path / "old_fidelity.py"
    script.write_text(OLD_SCRIPT)
    env = {k: v for k, v in os.environ.items() if not k.startswith("AWS_")}
    env.update({"NO_PROXY": "127.0.0.1,localhost", "no_proxy": "127.0.0.1,localhost", "AWS_EC2_METADATA_DISABLED": "true"})
    p = subprocess.run(
        [str(old_botocore_python), str(script), endpoint, ACCESS_KEY, SECRET_KEY, str(Path(__file__).parent), unique_name("fq")],
        capture_output=True, text=True, timeout=300, env=env, stdin=subprocess.DEVNULL,
    )
    assert p.returncode == 0, f"old-client script failed ({p.returncode}):\n{p.stdout}\n{p.stderr}"
    out = json.loads(p.stdout.strip().splitlines()[-1])
    assert out["protocol"] == "query"
    assert [r for r in out["results"] if r[1] != r[2]] == []
    base, status, body, url = out["presigned"]
    assert (base, status) == (endpoint + "/", 200)
    assert ElementTree.fromstring(body).find(f"{NS}GetQueueUrlResult/{NS}QueueUrl").text == url
    assert "/queue/eu-west-1/" in url, url


def test_json_errors_carry_x_amzn_error_type(endpoint):
    sqs = client(endpoint)
    seen = []
    sqs.meta.events.register("after-call.sqs", lambda http_response, **kw: seen.append(dict(http_response.headers)))
    try:
        sqs.get_queue_url(QueueName=unique_name("missing"))
    except sqs.exceptions.QueueDoesNotExist as e:
        assert e.response["Error"]["Code"] == "AWS.SimpleQueueService.NonExistentQueue"
    headers = {k.lower(): v for k, v in seen[-1].items()}
    assert headers["x-amzn-errortype"] == "com.amazonaws.sqs#QueueDoesNotExist"
    assert headers["x-amzn-query-error"] == "AWS.SimpleQueueService.NonExistentQueue;Sender"


def test_x_amzn_trace_id_becomes_aws_trace_header(endpoint):
    sqs = client(endpoint)
    trace = "Root=1-5759e988-bd862e3fe1be46a994272793;Sampled=1"

    def add_header(request, **kw):
        request.headers["X-Amzn-Trace-Id"] = trace

    url = sqs.create_queue(QueueName=unique_name("xray"))["QueueUrl"]
    sqs.meta.events.register("before-sign.sqs.SendMessage", add_header)
    sqs.meta.events.register("before-sign.sqs.SendMessageBatch", add_header)
    sqs.send_message(QueueUrl=url, MessageBody="one")
    sqs.send_message_batch(QueueUrl=url, Entries=[{"Id": "a", "MessageBody": "two"}])
    got = sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10, MessageSystemAttributeNames=["AWSTraceHeader"])
    assert sorted((m["Body"], m["Attributes"].get("AWSTraceHeader")) for m in got["Messages"]) == [("one", trace), ("two", trace)]


def test_localstack_style_hosts_name_the_region(endpoint):
    """A request whose Host is sqs.<region>.localhost.localstack.cloud gets URLs on that host, for
    that region; the URL then names the queue whoever uses it (loopback only: the Host header
    is set by hand instead of resolving the name)."""
    u = urllib.parse.urlparse(endpoint)
    name = unique_name("lshost")
    host = f"sqs.eu-central-1.localhost.localstack.cloud:{u.port}"
    q = urllib.parse.urlencode({"Action": "CreateQueue", "QueueName": name, "Version": "2012-11-05",
                                "X-Amz-Credential": f"{ACCESS_KEY}/20260101/eu-central-1/sqs/aws4_request"})
    req = urllib.request.Request(f"{endpoint}/?{q}", headers={"Host": host})
    with urllib.request.urlopen(req, timeout=30) as r:
        url = ElementTree.fromstring(r.read()).find(f"{NS}CreateQueueResult/{NS}QueueUrl").text
    assert url == f"http://{host}/{ACCOUNT}/{name}"
    east = client(endpoint)
    east.send_message(QueueUrl=url, MessageBody="to frankfurt")
    frankfurt = client(endpoint, "eu-central-1")
    assert [m["Body"] for m in frankfurt.receive_message(QueueUrl=frankfurt.get_queue_url(QueueName=name)["QueueUrl"])["Messages"]] == ["to frankfurt"]
    assert name not in " ".join(east.list_queues(QueueNamePrefix=name).get("QueueUrls", []))
