"""The web console with 1,000 streams and 100,000 messages, made with boto3: the streams list
comes in pages of 100 with a way to the next, a queue's peek and a FIFO queue's groups are
paged, the overview counts them all. Driven in Chromium (tests/console/paging.mjs), or
Firefox where Chromium is missing; the internal API is paged through to the end."""

from __future__ import annotations

import json
import urllib.parse
import urllib.request
from concurrent.futures import ThreadPoolExecutor

import boto3
import pytest
from botocore.config import Config

from conftest import ACCESS_KEY, ACCOUNT, REGION, SECRET_KEY
from test_console import BROWSERS, artifacts, browser_missing, run_driver

STREAMS = 1000
MESSAGES = 100_000
GROUPS = 250


def internal(endpoint: str, path: str, **query) -> list | dict:
    with urllib.request.urlopen(f"{endpoint}/_kinesin/api/{path}?{urllib.parse.urlencode(query)}", timeout=30) as r:
        return json.load(r)


def make_data(endpoint: str) -> dict:
    s = boto3.session.Session(aws_access_key_id=ACCESS_KEY, aws_secret_access_key=SECRET_KEY, region_name=REGION)
    cfg = Config(retries={"total_max_attempts": 2}, max_pool_connections=8)
    kinesis, sqs = s.client("kinesis", endpoint_url=endpoint, config=cfg), s.client("sqs", endpoint_url=endpoint, config=cfg)
    names = [f"scale-{i:04d}" for i in range(STREAMS)]
    with ThreadPoolExecutor(4) as pool:
        list(pool.map(lambda n: kinesis.create_stream(StreamName=n, ShardCount=1), names))
    # 8 senders at once (the store commits their writes together); a batch is enqueued in order
    url = sqs.create_queue(QueueName="scale-big")["QueueUrl"]

    def send(b: int) -> None:
        sqs.send_message_batch(QueueUrl=url, Entries=[{"Id": str(i), "MessageBody": f"m{b * 10 + i:06d}"} for i in range(10)])

    with ThreadPoolExecutor(8) as pool:
        list(pool.map(send, range(MESSAGES // 10)))
    fifo = sqs.create_queue(QueueName="scale-groups.fifo", Attributes={"FifoQueue": "true", "ContentBasedDeduplication": "true"})["QueueUrl"]
    for b in range(GROUPS * 2 // 10):
        sqs.send_message_batch(QueueUrl=fifo, Entries=[
            {"Id": str(i), "MessageBody": f"f{b * 10 + i}", "MessageGroupId": f"g{(b * 10 + i) % GROUPS:03d}"} for i in range(10)])
    got = sqs.receive_message(QueueUrl=fifo, MaxNumberOfMessages=1, VisibilityTimeout=600)["Messages"]
    assert got[0]["Body"] == "f0"  # group g000 is now locked
    return {"streams": names, "url": url, "sqs": sqs}


def test_console_pages_a_large_data_set(start_kinesin, tmp_path):
    browser = next((b for b in sorted(BROWSERS) if not browser_missing(b)), None)
    if browser is None:
        pytest.skip(browser_missing("chromium"))
    server = start_kinesin("--create-stream-delay-ms", "0", "--shard-limit", str(STREAMS))
    data = make_data(server.endpoint)
    plan = {"queue": "scale-big", "fifo": "scale-groups.fifo", "maxPages": 20}
    seen = run_driver("paging.mjs", browser, server.endpoint, artifacts(tmp_path, browser), plan)

    # overview: 1,000 streams with 1,000 open shards, 2 queues
    assert seen["overview"] == [[ACCOUNT, REGION, str(STREAMS), str(STREAMS), "0", "2", "0", "0", "0", "0"]]

    # streams: 10 pages of 100, each with a way to the next but the last, every stream once
    pages = seen["streamPages"]
    assert [len(p["names"]) for p in pages] == [100] * 10
    assert [p["next"] for p in pages] == [True] * 9 + [False]
    assert sorted(n for p in pages for n in p["names"]) == data["streams"]

    # the internal API pages through the whole queue: every message once, each batch in order
    bodies, after = [], 0
    for _ in range(MESSAGES // 500 + 1):
        page = internal(server.endpoint, "sqs/messages", queue="scale-big", after=after, limit=500)
        if not page:
            break
        assert len(page) == 500
        bodies += [m["body"] for m in page]
        after = page[-1]["pos"]
    assert sorted(bodies) == [f"m{i:06d}" for i in range(MESSAGES)]
    for b in range(0, MESSAGES, 997):
        batch = [body for body in bodies if body[1:-1] == f"{b // 10:05d}"]
        assert batch == [f"m{b // 10 * 10 + i:06d}" for i in range(10)]
    # the big queue in the page: counts, the first two pages of its peek in enqueue order,
    # nothing received
    assert seen["counts"] == {"visible": str(MESSAGES), "inFlight": "0"}
    assert seen["peek"] == [bodies[:50], bodies[:100]]
    attrs = data["sqs"].get_queue_attributes(QueueUrl=data["url"], AttributeNames=["All"])["Attributes"]
    assert (attrs["ApproximateNumberOfMessages"], attrs["ApproximateNumberOfMessagesNotVisible"]) == (str(MESSAGES), "0")

    # the FIFO queue's groups: pages of 100, 100, 50; g000 locked (its first message in flight)
    groups = seen["groupPages"]
    assert [len(p["rows"]) for p in groups] == [100, 100, 50] and [p["next"] for p in groups] == [True, True, False]
    rows = [r for p in groups for r in p["rows"]]
    assert [r[0] for r in rows] == [f"g{i:03d}" for i in range(GROUPS)]
    assert all(r[1] == "2" for r in rows)
    assert [r[0] for r in rows if r[2] == "locked"] == ["g000"]
    assert seen["firstAgain"] == 100
