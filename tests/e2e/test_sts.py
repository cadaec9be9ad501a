"""STS through boto3 and the AWS CLI: who the caller is (the account from a 12-digit access
key), AssumeRole and GetSessionToken credentials that kinesin then accepts."""

from __future__ import annotations

import datetime
import json
import subprocess

import boto3
import pytest
from botocore.exceptions import ClientError


def sts(endpoint: str, key: str = "test", secret: str = "test", token: str | None = None):
    return boto3.client(
        "sts",
        endpoint_url=endpoint,
        region_name="us-east-1",
        aws_access_key_id=key,
        aws_secret_access_key=secret,
        aws_session_token=token,
    )


def test_caller_identity_account_from_the_access_key(endpoint):
    me = sts(endpoint, key="123456789012").get_caller_identity()
    assert (me["Account"], me["Arn"], me["UserId"]) == ("123456789012", "arn:aws:iam::123456789012:root", "123456789012")
    assert sts(endpoint).get_caller_identity()["Account"] == "000000000000"


def test_assume_role_credentials_identify_as_the_role(endpoint):
    out = sts(endpoint).assume_role(
        RoleArn="arn:aws:iam::111122223333:role/service/firehose-writer", RoleSessionName="tf-run", DurationSeconds=1800
    )
    user = out["AssumedRoleUser"]
    assert user["Arn"] == "arn:aws:sts::111122223333:assumed-role/firehose-writer/tf-run"
    assert user["AssumedRoleId"].startswith("AROA") and user["AssumedRoleId"].endswith(":tf-run")
    creds = out["Credentials"]
    assert creds["AccessKeyId"].startswith("ASIA") and len(creds["AccessKeyId"]) == 20
    left = creds["Expiration"] - datetime.datetime.now(datetime.timezone.utc)
    assert datetime.timedelta(minutes=29) < left <= datetime.timedelta(minutes=30)
    assumed = sts(endpoint, creds["AccessKeyId"], creds["SecretAccessKey"], creds["SessionToken"])
    me = assumed.get_caller_identity()
    assert me["Arn"] == user["Arn"] and me["UserId"] == user["AssumedRoleId"] and me["Account"] == "111122223333"
    # The issued credentials work for the other services too.
    kinesis = boto3.client(
        "kinesis",
        endpoint_url=endpoint,
        region_name="us-east-1",
        aws_access_key_id=creds["AccessKeyId"],
        aws_secret_access_key=creds["SecretAccessKey"],
        aws_session_token=creds["SessionToken"],
    )
    assert "StreamNames" in kinesis.list_streams()


def test_session_token_and_validation(endpoint):
    creds = sts(endpoint).get_session_token(DurationSeconds=900)["Credentials"]
    assert creds["AccessKeyId"].startswith("ASIA") and creds["SessionToken"]
    with pytest.raises(ClientError) as e:
        sts(endpoint).assume_role(RoleArn="arn:aws:iam::111122223333:role/r", RoleSessionName="has space")
    assert e.value.response["Error"]["Code"] == "ValidationError"
    with pytest.raises(ClientError) as e:
        sts(endpoint).assume_role(RoleArn="arn:aws:iam::111122223333:role/r", RoleSessionName="ok", DurationSeconds=50000)
    assert e.value.response["Error"]["Code"] == "ValidationError"
    with pytest.raises(ClientError) as e:
        sts(endpoint).assume_role(RoleArn="arn:aws:iam::12345:role/short-account", RoleSessionName="ok")
    assert e.value.response["Error"]["Code"] == "ValidationError"


def test_cli_get_caller_identity(aws_cli, endpoint):
    env = {**aws_cli.env, "AWS_ACCESS_KEY_ID": "210987654321"}
    out = subprocess.run(
        [aws_cli.exe, "--endpoint-url", endpoint, "--output", "json", "sts", "get-caller-identity"],
        capture_output=True, text=True, env=env, timeout=120, stdin=subprocess.DEVNULL,
    )
    assert out.returncode == 0, out.stderr
    assert json.loads(out.stdout)["Account"] == "210987654321"
