"""S3 bucket settings through boto3: stored as PUT, returned by GET, S3's defaults for a new
bucket and its "not found" errors, deletes."""

from __future__ import annotations

import json
import uuid

import boto3
import pytest
from botocore.config import Config
from botocore.exceptions import ClientError


@pytest.fixture
def s3(endpoint):
    client = boto3.client(
        "s3", endpoint_url=endpoint, region_name="us-east-1", aws_access_key_id="test", aws_secret_access_key="test",
        config=Config(s3={"addressing_style": "path"}),
    )
    bucket = f"settings-{uuid.uuid4().hex[:8]}"
    client.create_bucket(Bucket=bucket)
    return client, bucket


def code(call) -> str:
    with pytest.raises(ClientError) as e:
        call()
    return e.value.response["Error"]["Code"]


def test_defaults_of_a_new_bucket(s3):
    s3, b = s3
    assert code(lambda: s3.get_bucket_tagging(Bucket=b)) == "NoSuchTagSet"
    assert "Status" not in s3.get_bucket_versioning(Bucket=b)
    rule = s3.get_bucket_encryption(Bucket=b)["ServerSideEncryptionConfiguration"]["Rules"][0]
    assert rule["ApplyServerSideEncryptionByDefault"]["SSEAlgorithm"] == "AES256"
    pab = s3.get_public_access_block(Bucket=b)["PublicAccessBlockConfiguration"]
    assert pab == {"BlockPublicAcls": True, "IgnorePublicAcls": True, "BlockPublicPolicy": True, "RestrictPublicBuckets": True}
    assert s3.get_bucket_ownership_controls(Bucket=b)["OwnershipControls"]["Rules"] == [{"ObjectOwnership": "BucketOwnerEnforced"}]
    acl = s3.get_bucket_acl(Bucket=b)
    assert [g["Permission"] for g in acl["Grants"]] == ["FULL_CONTROL"]
    assert code(lambda: s3.get_bucket_policy(Bucket=b)) == "NoSuchBucketPolicy"
    assert code(lambda: s3.get_bucket_lifecycle_configuration(Bucket=b)) == "NoSuchLifecycleConfiguration"
    assert code(lambda: s3.get_bucket_cors(Bucket=b)) == "NoSuchCORSConfiguration"
    notif = s3.get_bucket_notification_configuration(Bucket=b)
    assert not notif.get("QueueConfigurations")
    assert code(lambda: s3.get_bucket_tagging(Bucket="no-such-bucket-here")) == "NoSuchBucket"


def test_settings_are_stored_and_returned(s3):
    s3, b = s3
    s3.put_bucket_tagging(Bucket=b, Tagging={"TagSet": [{"Key": "team", "Value": "core"}]})
    assert s3.get_bucket_tagging(Bucket=b)["TagSet"] == [{"Key": "team", "Value": "core"}]
    s3.put_bucket_versioning(Bucket=b, VersioningConfiguration={"Status": "Enabled"})
    assert s3.get_bucket_versioning(Bucket=b)["Status"] == "Enabled"
    s3.put_bucket_encryption(
        Bucket=b,
        ServerSideEncryptionConfiguration={"Rules": [{"ApplyServerSideEncryptionByDefault": {"SSEAlgorithm": "aws:kms", "KMSMasterKeyID": "alias/k"}, "BucketKeyEnabled": True}]},
    )
    rule = s3.get_bucket_encryption(Bucket=b)["ServerSideEncryptionConfiguration"]["Rules"][0]
    assert rule == {"ApplyServerSideEncryptionByDefault": {"SSEAlgorithm": "aws:kms", "KMSMasterKeyID": "alias/k"}, "BucketKeyEnabled": True}
    s3.put_public_access_block(
        Bucket=b,
        PublicAccessBlockConfiguration={"BlockPublicAcls": True, "IgnorePublicAcls": False, "BlockPublicPolicy": True, "RestrictPublicBuckets": False},
    )
    assert s3.get_public_access_block(Bucket=b)["PublicAccessBlockConfiguration"]["IgnorePublicAcls"] is False
    s3.put_bucket_ownership_controls(Bucket=b, OwnershipControls={"Rules": [{"ObjectOwnership": "BucketOwnerPreferred"}]})
    assert s3.get_bucket_ownership_controls(Bucket=b)["OwnershipControls"]["Rules"][0]["ObjectOwnership"] == "BucketOwnerPreferred"
    policy = {"Version": "2012-10-17", "Statement": [{"Effect": "Deny", "Principal": "*", "Action": "s3:*", "Resource": f"arn:aws:s3:::{b}/*"}]}
    s3.put_bucket_policy(Bucket=b, Policy=json.dumps(policy))
    assert json.loads(s3.get_bucket_policy(Bucket=b)["Policy"]) == policy
    assert code(lambda: s3.put_bucket_policy(Bucket=b, Policy="not json")) == "MalformedPolicy"
    rules = [{"ID": "expire", "Status": "Enabled", "Filter": {"Prefix": "tmp/"}, "Expiration": {"Days": 7}}]
    s3.put_bucket_lifecycle_configuration(Bucket=b, LifecycleConfiguration={"Rules": rules})
    assert s3.get_bucket_lifecycle_configuration(Bucket=b)["Rules"] == rules
    cors = [{"AllowedMethods": ["GET"], "AllowedOrigins": ["*"], "MaxAgeSeconds": 60}]
    s3.put_bucket_cors(Bucket=b, CORSConfiguration={"CORSRules": cors})
    assert s3.get_bucket_cors(Bucket=b)["CORSRules"] == cors
    queue = {"Id": "q", "QueueArn": "arn:aws:sqs:us-east-1:000000000000:q", "Events": ["s3:ObjectCreated:*"]}
    s3.put_bucket_notification_configuration(Bucket=b, NotificationConfiguration={"QueueConfigurations": [queue]})
    assert s3.get_bucket_notification_configuration(Bucket=b)["QueueConfigurations"] == [queue]
    s3.put_bucket_acl(Bucket=b, ACL="private")
    assert s3.get_bucket_acl(Bucket=b)["Grants"][0]["Permission"] == "FULL_CONTROL"


def test_deletes(s3):
    s3, b = s3
    s3.put_bucket_tagging(Bucket=b, Tagging={"TagSet": [{"Key": "a", "Value": "1"}]})
    s3.delete_bucket_tagging(Bucket=b)
    assert code(lambda: s3.get_bucket_tagging(Bucket=b)) == "NoSuchTagSet"
    s3.delete_public_access_block(Bucket=b)
    assert code(lambda: s3.get_public_access_block(Bucket=b)) == "NoSuchPublicAccessBlockConfiguration"
    s3.delete_bucket_ownership_controls(Bucket=b)
    assert code(lambda: s3.get_bucket_ownership_controls(Bucket=b)) == "OwnershipControlsNotFoundError"
    s3.put_bucket_encryption(Bucket=b, ServerSideEncryptionConfiguration={"Rules": [{"ApplyServerSideEncryptionByDefault": {"SSEAlgorithm": "aws:kms"}}]})
    s3.delete_bucket_encryption(Bucket=b)
    rule = s3.get_bucket_encryption(Bucket=b)["ServerSideEncryptionConfiguration"]["Rules"][0]
    assert rule["ApplyServerSideEncryptionByDefault"]["SSEAlgorithm"] == "AES256"
    s3.delete_bucket(Bucket=b)
    s3.create_bucket(Bucket=b)
    assert s3.get_public_access_block(Bucket=b)["PublicAccessBlockConfiguration"]["BlockPublicAcls"] is True
