"""IAM through boto3 (query protocol, no enforcement): roles with trust policies, inline
policies, managed policies with versions, attachments, tags, paging, and IAM's errors."""

from __future__ import annotations

import json

import boto3
import pytest
from botocore.exceptions import ClientError

TRUST = {
    "Version": "2012-10-17",
    "Statement": [{"Effect": "Allow", "Principal": {"Service": "firehose.amazonaws.com"}, "Action": "sts:AssumeRole"}],
}
WRITE = {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": ["s3:PutObject"], "Resource": "arn:aws:s3:::b/*"}]}


@pytest.fixture
def iam(endpoint):
    # A fresh account per test keeps listings independent.
    import random

    account = "".join(random.choice("0123456789") for _ in range(12))
    return boto3.client(
        "iam", endpoint_url=endpoint, region_name="us-east-1", aws_access_key_id=account, aws_secret_access_key="x"
    ), account


def test_roles_inline_policies_and_tags(iam):
    iam, account = iam
    role = iam.create_role(
        RoleName="writer", Path="/svc/", AssumeRolePolicyDocument=json.dumps(TRUST), Description="d",
        Tags=[{"Key": "team", "Value": "a"}],
    )["Role"]
    assert role["Arn"] == f"arn:aws:iam::{account}:role/svc/writer" and role["RoleId"].startswith("AROA")
    got = iam.get_role(RoleName="writer")["Role"]
    # botocore decodes the URL-encoded document back into a dict.
    assert got["AssumeRolePolicyDocument"] == TRUST
    assert (got["Description"], got["MaxSessionDuration"], got["Tags"]) == ("d", 3600, [{"Key": "team", "Value": "a"}])
    iam.put_role_policy(RoleName="writer", PolicyName="put", PolicyDocument=json.dumps(WRITE))
    assert iam.get_role_policy(RoleName="writer", PolicyName="put")["PolicyDocument"] == WRITE
    assert iam.list_role_policies(RoleName="writer")["PolicyNames"] == ["put"]
    iam.tag_role(RoleName="writer", Tags=[{"Key": "env", "Value": "dev"}, {"Key": "team", "Value": "b"}])
    iam.untag_role(RoleName="writer", TagKeys=["env"])
    assert iam.list_role_tags(RoleName="writer")["Tags"] == [{"Key": "team", "Value": "b"}]
    new_trust = {**TRUST, "Statement": [{**TRUST["Statement"][0], "Principal": {"Service": "pipes.amazonaws.com"}}]}
    iam.update_assume_role_policy(RoleName="writer", PolicyDocument=json.dumps(new_trust))
    assert iam.get_role(RoleName="writer")["Role"]["AssumeRolePolicyDocument"] == new_trust
    with pytest.raises(ClientError) as e:
        iam.delete_role(RoleName="writer")
    assert e.value.response["Error"]["Code"] == "DeleteConflict"
    iam.delete_role_policy(RoleName="writer", PolicyName="put")
    iam.delete_role(RoleName="writer")
    with pytest.raises(ClientError) as e:
        iam.get_role(RoleName="writer")
    assert e.value.response["Error"]["Code"] == "NoSuchEntity"
    assert e.value.response["ResponseMetadata"]["HTTPStatusCode"] == 404


def test_managed_policies_versions_and_attachments(iam):
    iam, account = iam
    iam.create_role(RoleName="r", AssumeRolePolicyDocument=json.dumps(TRUST))
    p = iam.create_policy(PolicyName="p", PolicyDocument=json.dumps(WRITE), Tags=[{"Key": "k", "Value": "v"}])["Policy"]
    arn = p["Arn"]
    assert (arn, p["DefaultVersionId"], p["AttachmentCount"]) == (f"arn:aws:iam::{account}:policy/p", "v1", 0)
    iam.attach_role_policy(RoleName="r", PolicyArn=arn)
    iam.attach_role_policy(RoleName="r", PolicyArn="arn:aws:iam::aws:policy/ReadOnlyAccess")
    attached = iam.list_attached_role_policies(RoleName="r")["AttachedPolicies"]
    assert attached == [{"PolicyName": "p", "PolicyArn": arn}, {"PolicyName": "ReadOnlyAccess", "PolicyArn": "arn:aws:iam::aws:policy/ReadOnlyAccess"}]
    assert iam.get_policy(PolicyArn=arn)["Policy"]["AttachmentCount"] == 1
    assert [r["RoleName"] for r in iam.list_entities_for_policy(PolicyArn=arn)["PolicyRoles"]] == ["r"]
    v2 = {**WRITE, "Statement": [{**WRITE["Statement"][0], "Action": ["s3:*"]}]}
    assert iam.create_policy_version(PolicyArn=arn, PolicyDocument=json.dumps(v2), SetAsDefault=True)["PolicyVersion"]["VersionId"] == "v2"
    assert iam.get_policy_version(PolicyArn=arn, VersionId="v2")["PolicyVersion"]["Document"] == v2
    versions = iam.list_policy_versions(PolicyArn=arn)["Versions"]
    assert [(v["VersionId"], v["IsDefaultVersion"]) for v in versions] == [("v2", True), ("v1", False)]
    with pytest.raises(ClientError) as e:
        iam.delete_policy_version(PolicyArn=arn, VersionId="v2")
    assert e.value.response["Error"]["Code"] == "DeleteConflict"
    with pytest.raises(ClientError) as e:
        iam.delete_policy(PolicyArn=arn)
    assert e.value.response["Error"]["Code"] == "DeleteConflict"
    with pytest.raises(ClientError) as e:
        iam.attach_role_policy(RoleName="r", PolicyArn=f"arn:aws:iam::{account}:policy/missing")
    assert e.value.response["Error"]["Code"] == "NoSuchEntity"
    assert iam.list_policy_tags(PolicyArn=arn)["Tags"] == [{"Key": "k", "Value": "v"}]
    iam.detach_role_policy(RoleName="r", PolicyArn=arn)
    iam.delete_policy_version(PolicyArn=arn, VersionId="v1")
    iam.delete_policy(PolicyArn=arn)
    assert iam.list_policies(Scope="Local")["Policies"] == []


def test_listing_pages(iam):
    iam, _ = iam
    for i in range(5):
        iam.create_role(RoleName=f"role-{i}", AssumeRolePolicyDocument=json.dumps(TRUST))
        iam.create_policy(PolicyName=f"pol-{i}", PolicyDocument=json.dumps(WRITE))
    first = iam.list_roles(MaxItems=2)
    assert [r["RoleName"] for r in first["Roles"]] == ["role-0", "role-1"] and first["IsTruncated"]
    names = [r["RoleName"] for page in iam.get_paginator("list_roles").paginate(PaginationConfig={"PageSize": 2}) for r in page["Roles"]]
    assert names == [f"role-{i}" for i in range(5)]
    pols = [p["PolicyName"] for page in iam.get_paginator("list_policies").paginate(Scope="Local", PaginationConfig={"PageSize": 3}) for p in page["Policies"]]
    assert pols == [f"pol-{i}" for i in range(5)]
    with pytest.raises(ClientError) as e:
        iam.create_role(RoleName="role-0", AssumeRolePolicyDocument="{}")
    assert e.value.response["Error"]["Code"] == "EntityAlreadyExists"
