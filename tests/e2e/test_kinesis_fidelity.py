"""Kinesis behaviours as AWS has them, through boto3 (and raw HTTP where boto3 cannot send the
request): default stream mode, on-demand scaling, tag characters, ShardId forms and error
order, sequence-number decoding, quoted iterators, SerializationException wording and integer
truncation (Kinesis, Firehose and SQS JSON), CBOR errors, continuation sequence numbers and a
stream deleted while CREATING."""

from __future__ import annotations

import http.client
import json
import threading
import time

import boto3
import pytest
from botocore.config import Config
from botocore.exceptions import ClientError

from conftest import ACCESS_KEY, ACCOUNT, REGION, SECRET_KEY, unique_name, wait_active
from test_cbor_raw import CBOR_11, dec, enc

JSON_11 = "application/x-amz-json-1.1"
RUST_TEXT = ("invalid type", "expected ", "invalid value", "missing field", "unknown variant", "at line")


def error_of(excinfo) -> tuple[str, str]:
    err = excinfo.value.response["Error"]
    return err["Code"], err["Message"]


def client(service: str, endpoint: str, validate: bool = True):
    return boto3.session.Session(
        aws_access_key_id=ACCESS_KEY, aws_secret_access_key=SECRET_KEY, region_name=REGION
    ).client(
        service,
        endpoint_url=endpoint,
        config=Config(parameter_validation=validate, retries={"total_max_attempts": 1}),
    )


@pytest.fixture(scope="module")
def loose(endpoint):
    """A Kinesis client that sends whatever it is given (no client-side validation)."""
    return client("kinesis", endpoint, validate=False)


def raw(port: int, target: str, body: bytes, content_type: str | None) -> tuple[int, dict[str, str], bytes]:
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    headers = {"X-Amz-Target": target}
    if content_type is not None:
        headers["Content-Type"] = content_type
    try:
        conn.request("POST", "/", body=body, headers=headers)
        r = conn.getresponse()
        return r.status, {k.lower(): v for k, v in r.getheaders()}, r.read()
    finally:
        conn.close()


def stream_of(kinesis, shards: int = 2) -> str:
    name = unique_name("fid")
    kinesis.create_stream(StreamName=name, ShardCount=shards)
    wait_active(kinesis, name)
    return name


# ------------------------------------------------------------- 12, 13: stream mode


def test_create_without_count_or_mode_is_on_demand_with_four_shards(kinesis):
    name = unique_name("od")
    kinesis.create_stream(StreamName=name)
    wait_active(kinesis, name)
    d = kinesis.describe_stream(StreamName=name)["StreamDescription"]
    assert d["StreamModeDetails"] == {"StreamMode": "ON_DEMAND"}
    assert len(d["Shards"]) == 4
    with pytest.raises(ClientError) as e:
        kinesis.update_shard_count(StreamName=name, TargetShardCount=8, ScalingType="UNIFORM_SCALING")
    assert error_of(e) == (
        "ValidationException",
        f"Request is invalid. Stream {name} under account {ACCOUNT} is in On-Demand mode.",
    )


# ------------------------------------------------------------------- 14: tags


def test_tag_characters_outside_aws_set_are_refused(kinesis):
    name = stream_of(kinesis, 1)
    kinesis.add_tags_to_stream(StreamName=name, Tags={"team name": "øßä 1_./=+-@:"})
    for tags in ({"a\tb": "v"}, {"k": "line\nbreak"}, {"k": "a;b"}, {"k*": "v"}):
        with pytest.raises(ClientError) as e:
            kinesis.add_tags_to_stream(StreamName=name, Tags=tags)
        code, message = error_of(e)
        assert code == "InvalidArgumentException", tags
        assert message.startswith("Some tags contain invalid characters. Valid characters: Unicode letters"), message
    with pytest.raises(ClientError) as e:
        kinesis.add_tags_to_stream(StreamName=name, Tags={"k": "100%"})
    assert error_of(e) == (
        "InvalidArgumentException",
        f"Failed to add tags to stream {name} under account {ACCOUNT} because some tags contained illegal "
        "characters. The allowed characters are Unicode letters, white-spaces, '_',',','/','=','+','-','@',':'.",
    )
    arn = kinesis.describe_stream_summary(StreamName=name)["StreamDescriptionSummary"]["StreamARN"]
    with pytest.raises(ClientError) as e:
        kinesis.tag_resource(ResourceARN=arn, Tags={"k": "tab\there"})
    assert error_of(e)[0] == "InvalidArgumentException"
    assert kinesis.list_tags_for_stream(StreamName=name)["Tags"] == [{"Key": "team name", "Value": "øßä 1_./=+-@:"}]


# --------------------------------------------------- 15: shards, sequence numbers


def test_shard_id_forms_and_error_order(kinesis):
    name = stream_of(kinesis)
    for shard_id in ("shardId-000000000001", "shard-1", "anything-01", "-1", "1"):
        kinesis.get_shard_iterator(StreamName=name, ShardId=shard_id, ShardIteratorType="TRIM_HORIZON")
    ghost = unique_name("ghost")
    cases = [
        # GetShardIterator: an id AWS cannot read is named as sent, before the stream.
        (lambda: kinesis.get_shard_iterator(StreamName=ghost, ShardId="2147483648", ShardIteratorType="LATEST"),
         f"Could not find shard 2147483648 in stream {ghost} under account {ACCOUNT}."),
        (lambda: kinesis.get_shard_iterator(StreamName=ghost, ShardId="a-00002147483647", ShardIteratorType="LATEST"),
         f"Shard shardId-002147483647 in stream {ghost} under account {ACCOUNT} does not exist"),
        (lambda: kinesis.get_shard_iterator(StreamName=name, ShardId="shard-9", ShardIteratorType="LATEST"),
         f"Shard shardId-000000000009 in stream {name} under account {ACCOUNT} does not exist"),
        # SplitShard: a readable id on a missing stream reports the stream.
        (lambda: kinesis.split_shard(StreamName=ghost, ShardToSplit="shard-1", NewStartingHashKey="7"),
         f"Stream {ghost} under account {ACCOUNT} not found."),
        (lambda: kinesis.split_shard(StreamName=ghost, ShardToSplit="ABKLFD8", NewStartingHashKey="7"),
         f"Could not find shard ABKLFD8 in stream {ghost} under account {ACCOUNT}."),
        (lambda: kinesis.merge_shards(StreamName=name, ShardToMerge="shard-0", AdjacentShardToMerge="x-5"),
         f"Could not find shard shardId-000000000005 in stream {name} under account {ACCOUNT}."),
    ]  # fmt: skip
    for call, message in cases:
        with pytest.raises(ClientError) as e:
            call()
        assert error_of(e) == ("ResourceNotFoundException", message)


def test_sequence_numbers_decode_and_report_as_aws(kinesis):
    name = stream_of(kinesis)
    put = kinesis.put_record(StreamName=name, PartitionKey="k", Data=b"x", SequenceNumberForOrdering="0")
    other = "shardId-000000000001" if put["ShardId"].endswith("0") else "shardId-000000000000"

    def gsi(shard: str, seq: str):
        with pytest.raises(ClientError) as e:
            kinesis.get_shard_iterator(
                StreamName=name, ShardId=shard, ShardIteratorType="AT_SEQUENCE_NUMBER", StartingSequenceNumber=seq
            )
        return error_of(e)

    assert gsi(other, put["SequenceNumber"]) == (
        "InvalidArgumentException",
        f"Invalid StartingSequenceNumber. It encodes {put['ShardId']}, while it was used in a call to a shard with {other}",
    )
    assert gsi("shardId-000000000000", "5")[1] == (
        "Invalid StartingSequenceNumber. It encodes shardId-000000000005, while it was used in a call to a shard "
        "with shardId-000000000000"
    )
    assert gsi("shardId-000000000000", "0")[1] == (
        "StartingSequenceNumber 21267647932558653966460912964485513216 used in GetShardIterator on shard "
        f"shardId-000000000000 in stream {name} under account {ACCOUNT} is invalid because it did not come from "
        "this stream."
    )
    big = "26227199374822427428162556223570313216"  # a version-0 number whose date is too large
    assert gsi("shardId-000000000000", big)[1] == (
        f"StartingSequenceNumber {big} used in GetShardIterator on shard shardId-000000000000 in stream {name} "
        f"under account {ACCOUNT} is invalid."
    )
    # Ordering: its own numbers and 0 are taken, a number AWS cannot decode is not.
    later = kinesis.put_record(
        StreamName=name, PartitionKey="k", Data=b"y", SequenceNumberForOrdering=put["SequenceNumber"]
    )
    assert int(later["SequenceNumber"]) > int(put["SequenceNumber"])
    with pytest.raises(ClientError) as e:
        kinesis.put_record(StreamName=name, PartitionKey="k", Data=b"z", SequenceNumberForOrdering=big)
    assert error_of(e) == (
        "InvalidArgumentException",
        f"ExclusiveMinimumSequenceNumber {big} used in PutRecord on stream {name} under account {ACCOUNT} is invalid.",
    )


def test_get_records_takes_a_quoted_iterator(kinesis):
    name = stream_of(kinesis, 1)
    kinesis.put_record(StreamName=name, PartitionKey="k", Data=b"quoted")
    it = kinesis.get_shard_iterator(StreamName=name, ShardId="shardId-000000000000", ShardIteratorType="TRIM_HORIZON")
    out = kinesis.get_records(ShardIterator=f'"{it["ShardIterator"]}"')
    assert [r["Data"] for r in out["Records"]] == [b"quoted"]


# ----------------------------------------------- 16: SerializationException, integers


def test_serialization_errors_use_aws_wording(loose, kinesin_server):
    cases = [
        (lambda: loose.create_stream(StreamName="s", ShardCount="23"),
         "class java.lang.String can not be converted to an Integer"),
        (lambda: loose.create_stream(StreamName=True, ShardCount=1),
         "class java.lang.Boolean can not be converted to an String"),
        (lambda: loose.list_streams(Limit=[1]), "Start of list found where not expected"),
        (lambda: loose.describe_stream(StreamName={"a": 1}), "Start of structure or map found where not expected."),
    ]  # fmt: skip
    for call, message in cases:
        with pytest.raises(ClientError) as e:
            call()
        assert error_of(e) == ("SerializationException", message)
    # Timestamps: boto3 always sends numbers, so text goes raw.
    for value, cls in (("23", "String"), (True, "Boolean")):
        body = json.dumps(
            {"StreamName": "s", "ShardId": "shardId-000000000000", "ShardIteratorType": "AT_TIMESTAMP", "Timestamp": value}
        ).encode()
        status, _, payload = raw(kinesin_server.port, "Kinesis_20131202.GetShardIterator", body, JSON_11)
        assert status == 400
        assert json.loads(payload) == {
            "__type": "SerializationException",
            "Message": f"class java.lang.{cls} can not be converted to milliseconds since epoch",
        }


def test_integers_beyond_32_bits_are_truncated_as_aws_does(loose, kinesis):
    # AWS keeps the low-order 32 bits: 2^32 + 1 shards is one shard.
    name = unique_name("trunc")
    loose.create_stream(StreamName=name, ShardCount=2**32 + 1)
    wait_active(kinesis, name)
    assert len(kinesis.describe_stream(StreamName=name)["StreamDescription"]["Shards"]) == 1
    # 2^32 is 0, which breaks the minimum, reported with the value AWS read.
    with pytest.raises(ClientError) as e:
        loose.create_stream(StreamName=unique_name("zero"), ShardCount=2**32)
    code, message = error_of(e)
    assert code == "ValidationException"
    assert "Value '0' at 'shardCount' failed to satisfy constraint: Member must have value greater than or equal to 1" in message


def test_firehose_and_sqs_json_have_no_decoder_text(endpoint):
    firehose = client("firehose", endpoint, validate=False)
    with pytest.raises(ClientError) as e:
        firehose.list_delivery_streams(Limit="5")
    assert error_of(e) == ("SerializationException", "class java.lang.String can not be converted to an Integer")
    firehose.list_delivery_streams(Limit=2**32 + 3)  # read as 3
    sqs = client("sqs", endpoint, validate=False)
    url = sqs.create_queue(QueueName=unique_name("fidq"))["QueueUrl"]
    sqs.send_message(QueueUrl=url, MessageBody="m")
    got = sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=2**32 + 1, WaitTimeSeconds=0)
    assert len(got.get("Messages", [])) <= 1
    for call in (
        lambda: sqs.receive_message(QueueUrl=url, MaxNumberOfMessages="5"),
        lambda: sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=True),
        lambda: sqs.send_message(QueueUrl=url, MessageBody=7),
    ):
        with pytest.raises(ClientError) as e:
            call()
        message = error_of(e)[1]
        assert not any(t in message for t in RUST_TEXT), message


# --------------------------------------------------------------------- 17: CBOR


def test_cbor_and_unrecognised_content_types_get_cbor_errors(kinesin_server):
    port = kinesin_server.port
    target = "Kinesis_20131202.DescribeStream"
    # A CBOR request for a missing stream: the error is CBOR.
    status, headers, body = raw(port, target, enc({"StreamName": "ghost"}), CBOR_11)
    assert status == 400 and headers["content-type"] == CBOR_11
    assert dec(body)["__type"] == "ResourceNotFoundException"
    # JSON sent with an unrecognised (or no) content type is not CBOR: a CBOR SerializationException.
    for content_type in ("text/plain", "application/octet-stream", None):
        status, headers, body = raw(port, target, json.dumps({"StreamName": "ghost"}).encode(), content_type)
        assert status == 400, content_type
        assert headers["content-type"] == CBOR_11, (content_type, headers)
        assert headers["x-amzn-errortype"] == "SerializationException"
        assert dec(body)["__type"] == "SerializationException"
    # A CBOR body with such a content type is read as CBOR.
    status, headers, body = raw(port, target, enc({"StreamName": "ghost"}), "binary/octet-stream")
    assert status == 400 and headers["content-type"] == CBOR_11
    assert dec(body)["__type"] == "ResourceNotFoundException"


# -------------------------------------------------------------------------- 19


def test_continuation_sequence_numbers_are_positions_after_the_records(kinesis):
    name = stream_of(kinesis, 1)
    arn = kinesis.describe_stream_summary(StreamName=name)["StreamDescriptionSummary"]["StreamARN"]
    consumer = kinesis.register_stream_consumer(StreamARN=arn, ConsumerName="fid")["Consumer"]["ConsumerARN"]
    while kinesis.describe_stream_consumer(ConsumerARN=consumer)["ConsumerDescription"]["ConsumerStatus"] != "ACTIVE":
        time.sleep(0.05)
    put = [kinesis.put_record(StreamName=name, PartitionKey="k", Data=f"r{i}".encode()) for i in range(3)]
    sub = kinesis.subscribe_to_shard(
        ConsumerARN=consumer, ShardId="shardId-000000000000", StartingPosition={"Type": "TRIM_HORIZON"}
    )
    records, continuation = [], None
    for event in sub["EventStream"]:
        e = event["SubscribeToShardEvent"]
        records += e["Records"]
        continuation = e["ContinuationSequenceNumber"]
        if len(records) >= 3:
            break
    sub["EventStream"].close()
    seqs = [r["SequenceNumber"] for r in records]
    assert seqs == [p["SequenceNumber"] for p in put]
    assert continuation not in seqs and int(continuation) > int(seqs[-1])
    # Resuming from it loses and repeats nothing.
    later = kinesis.put_record(StreamName=name, PartitionKey="k", Data=b"later")["SequenceNumber"]
    for kind in ("AFTER_SEQUENCE_NUMBER", "AT_SEQUENCE_NUMBER"):
        it = kinesis.get_shard_iterator(
            StreamName=name, ShardId="shardId-000000000000", ShardIteratorType=kind, StartingSequenceNumber=continuation
        )["ShardIterator"]
        assert [r["SequenceNumber"] for r in kinesis.get_records(ShardIterator=it)["Records"]] == [later], kind


def test_a_stream_deleted_while_creating_shows_no_shards(start_kinesin, kinesis_client_factory):
    server = start_kinesin("--create-stream-delay-ms", "5000", "--delete-stream-delay-ms", "5000")
    k = kinesis_client_factory(server.endpoint)
    name = unique_name("gone")
    k.create_stream(StreamName=name, ShardCount=3)
    assert k.describe_stream(StreamName=name)["StreamDescription"]["StreamStatus"] == "CREATING"
    k.delete_stream(StreamName=name)
    d = k.describe_stream(StreamName=name)["StreamDescription"]
    assert d["StreamStatus"] == "DELETING"
    assert d["Shards"] == [] and d["HasMoreShards"] is False
