"""IAM's answers to the bytes: every operation kinesin serves, its success and error cases
(missing entity, duplicate, bad input, paging with Marker/MaxItems), sent as raw form posts
and compared with `iam_wire.golden.json` (recorded from the hand-written IAM front before it
moved onto the service contract), with ids, dates and request ids masked.

Record again with `IAM_WIRE_RECORD=1` (only when an answer is meant to change)."""

from __future__ import annotations

import json
import os
import re
import urllib.request
from pathlib import Path
from urllib.parse import quote

GOLDEN = Path(__file__).with_name("iam_wire.golden.json")
AUTH = "AWS4-HMAC-SHA256 Credential=111122223333/20260101/us-east-1/iam/aws4_request, SignedHeaders=host, Signature=0"
TRUST = '{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"Service":"x.amazonaws.com"},"Action":"sts:AssumeRole","Condition":{"StringLike":{"a":"<&>\\"é + ~"}}}]}'
DOC = '{"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "s3:*", "Resource": "*"}]}'
ARN = "arn:aws:iam::111122223333:policy/p1"
ARN2 = "arn:aws:iam::111122223333:policy/team/p2"
AWS_ARN = "arn:aws:iam::aws:policy/ReadOnlyAccess"

# (body, either raw or a list of pairs with Action first)
CASES: list[str | list[tuple[str, str]]] = [
    "",
    "Version=2010-05-08",
    "Action=CreateUser&UserName=u",
    "Action=CreateRole&RoleName=%zz",
    [("Action", "ListRoles")],
    [("Action", "CreateRole"), ("AssumeRolePolicyDocument", TRUST)],
    [("Action", "CreateRole"), ("RoleName", "r1")],
    [("Action", "CreateRole"), ("RoleName", "r1"), ("AssumeRolePolicyDocument", TRUST), ("Path", "/svc/"),
     ("Description", "d <&> \"q\""), ("Tags.member.1.Key", "team"), ("Tags.member.1.Value", "a&b"),
     ("Tags.member.2.Key", "env"), ("Tags.member.2.Value", "dev")],
    [("Action", "CreateRole"), ("RoleName", "r1"), ("AssumeRolePolicyDocument", TRUST)],
    [("Action", "CreateRole"), ("RoleName", "r2"), ("AssumeRolePolicyDocument", "{}"), ("MaxSessionDuration", "100")],
    [("Action", "CreateRole"), ("RoleName", "r2"), ("AssumeRolePolicyDocument", "{}"), ("Path", "svc")],
    [("Action", "CreateRole"), ("RoleName", "r2"), ("AssumeRolePolicyDocument", "{}"), ("MaxSessionDuration", "abc"),
     ("Tags.member.1.Value", "no key")],
    [("Action", "CreateRole"), ("RoleName", "r3"), ("AssumeRolePolicyDocument", "{}"), ("MaxSessionDuration", "7200"),
     ("Description", "three")],
    [("Action", "GetRole"), ("RoleName", "r1")],
    [("Action", "GetRole"), ("RoleName", "r2")],
    [("Action", "GetRole"), ("RoleName", "none")],
    [("Action", "GetRole")],
    [("Action", "ListRoles")],
    [("Action", "ListRoles"), ("MaxItems", "1")],
    [("Action", "ListRoles"), ("MaxItems", "1"), ("Marker", "r1")],
    [("Action", "ListRoles"), ("MaxItems", "2"), ("Marker", "r2")],
    [("Action", "ListRoles"), ("PathPrefix", "/svc/")],
    [("Action", "ListRoles"), ("PathPrefix", "/none/")],
    [("Action", "ListRoles"), ("MaxItems", "0")],
    [("Action", "ListRoles"), ("MaxItems", "1001")],
    [("Action", "ListRoles"), ("MaxItems", "many")],
    [("Action", "UpdateRole"), ("RoleName", "r2"), ("Description", "two"), ("MaxSessionDuration", "10800")],
    [("Action", "UpdateRole"), ("RoleName", "none")],
    [("Action", "UpdateRoleDescription"), ("RoleName", "r2"), ("Description", "two again")],
    [("Action", "UpdateRoleDescription"), ("RoleName", "none"), ("Description", "x")],
    [("Action", "UpdateAssumeRolePolicy"), ("RoleName", "r2"), ("PolicyDocument", DOC)],
    [("Action", "UpdateAssumeRolePolicy"), ("RoleName", "r2")],
    [("Action", "UpdateAssumeRolePolicy"), ("RoleName", "none"), ("PolicyDocument", DOC)],
    [("Action", "GetRole"), ("RoleName", "r2")],
    [("Action", "TagRole"), ("RoleName", "r2"), ("Tags.member.1.Key", "k"), ("Tags.member.1.Value", "v"),
     ("Tags.member.2.Key", "k2"), ("Tags.member.2.Value", "v2")],
    [("Action", "TagRole"), ("RoleName", "r1"), ("Tags.member.1.Key", "team"), ("Tags.member.1.Value", "b")],
    [("Action", "TagRole"), ("RoleName", "none"), ("Tags.member.1.Key", "k"), ("Tags.member.1.Value", "v")],
    [("Action", "UntagRole"), ("RoleName", "r2"), ("TagKeys.member.1", "k")],
    [("Action", "UntagRole"), ("RoleName", "none"), ("TagKeys.member.1", "k")],
    [("Action", "ListRoleTags"), ("RoleName", "r1")],
    [("Action", "ListRoleTags"), ("RoleName", "r2")],
    [("Action", "ListRoleTags"), ("RoleName", "r3")],
    [("Action", "ListRoleTags"), ("RoleName", "none")],
    [("Action", "ListInstanceProfilesForRole"), ("RoleName", "r1")],
    [("Action", "ListInstanceProfilesForRole"), ("RoleName", "none")],
    [("Action", "PutRolePolicy"), ("RoleName", "r1"), ("PolicyName", "b-inline"), ("PolicyDocument", DOC)],
    [("Action", "PutRolePolicy"), ("RoleName", "r1"), ("PolicyName", "a-inline"), ("PolicyDocument", TRUST)],
    [("Action", "PutRolePolicy"), ("RoleName", "r1"), ("PolicyName", "c-inline")],
    [("Action", "PutRolePolicy"), ("RoleName", "r1"), ("PolicyDocument", DOC)],
    [("Action", "PutRolePolicy"), ("RoleName", "none"), ("PolicyName", "x"), ("PolicyDocument", DOC)],
    [("Action", "GetRolePolicy"), ("RoleName", "r1"), ("PolicyName", "a-inline")],
    [("Action", "GetRolePolicy"), ("RoleName", "r1"), ("PolicyName", "missing")],
    [("Action", "GetRolePolicy"), ("RoleName", "r1")],
    [("Action", "GetRolePolicy"), ("RoleName", "none"), ("PolicyName", "a-inline")],
    [("Action", "ListRolePolicies"), ("RoleName", "r1")],
    [("Action", "ListRolePolicies"), ("RoleName", "r1"), ("MaxItems", "1")],
    [("Action", "ListRolePolicies"), ("RoleName", "r1"), ("MaxItems", "1"), ("Marker", "a-inline")],
    [("Action", "ListRolePolicies"), ("RoleName", "r1"), ("Marker", "zzz")],
    [("Action", "ListRolePolicies"), ("RoleName", "r1"), ("MaxItems", "0")],
    [("Action", "ListRolePolicies"), ("RoleName", "none"), ("MaxItems", "0")],
    [("Action", "ListRolePolicies"), ("RoleName", "r2")],
    [("Action", "DeleteRolePolicy"), ("RoleName", "r1"), ("PolicyName", "missing")],
    [("Action", "DeleteRolePolicy"), ("RoleName", "r1")],
    [("Action", "CreatePolicy"), ("PolicyName", "p1"), ("PolicyDocument", DOC)],
    [("Action", "CreatePolicy"), ("PolicyName", "p2"), ("PolicyDocument", TRUST), ("Path", "/team/"),
     ("Description", "two <b>"), ("Tags.member.1.Key", "k"), ("Tags.member.1.Value", "v")],
    [("Action", "CreatePolicy"), ("PolicyName", "p1"), ("PolicyDocument", DOC)],
    [("Action", "CreatePolicy"), ("PolicyName", "p3"), ("PolicyDocument", DOC), ("Path", "bad")],
    [("Action", "CreatePolicy"), ("PolicyDocument", DOC)],
    [("Action", "CreatePolicy"), ("PolicyName", "p3")],
    [("Action", "GetPolicy"), ("PolicyArn", ARN)],
    [("Action", "GetPolicy"), ("PolicyArn", ARN2)],
    [("Action", "GetPolicy"), ("PolicyArn", "arn:aws:iam::111122223333:policy/other/p1")],
    [("Action", "GetPolicy"), ("PolicyArn", "arn:aws:iam::111122223333:policy/none")],
    [("Action", "GetPolicy")],
    [("Action", "AttachRolePolicy"), ("RoleName", "r1"), ("PolicyArn", ARN)],
    [("Action", "AttachRolePolicy"), ("RoleName", "r1"), ("PolicyArn", ARN)],
    [("Action", "AttachRolePolicy"), ("RoleName", "r1"), ("PolicyArn", AWS_ARN)],
    [("Action", "AttachRolePolicy"), ("RoleName", "r1"), ("PolicyArn", ARN2)],
    [("Action", "AttachRolePolicy"), ("RoleName", "r1"), ("PolicyArn", "arn:aws:iam::111122223333:policy/none")],
    [("Action", "AttachRolePolicy"), ("RoleName", "none"), ("PolicyArn", ARN)],
    [("Action", "AttachRolePolicy"), ("RoleName", "r1")],
    [("Action", "AttachRolePolicy"), ("RoleName", "r3"), ("PolicyArn", ARN)],
    [("Action", "ListAttachedRolePolicies"), ("RoleName", "r1")],
    [("Action", "ListAttachedRolePolicies"), ("RoleName", "r1"), ("MaxItems", "2")],
    [("Action", "ListAttachedRolePolicies"), ("RoleName", "r1"), ("MaxItems", "2"), ("Marker", AWS_ARN)],
    [("Action", "ListAttachedRolePolicies"), ("RoleName", "r2")],
    [("Action", "ListAttachedRolePolicies"), ("RoleName", "none")],
    [("Action", "ListAttachedRolePolicies"), ("RoleName", "r1"), ("MaxItems", "x")],
    [("Action", "ListPolicies")],
    [("Action", "ListPolicies"), ("Scope", "AWS")],
    [("Action", "ListPolicies"), ("Scope", "AWS"), ("MaxItems", "0")],
    [("Action", "ListPolicies"), ("Scope", "Local"), ("OnlyAttached", "true")],
    [("Action", "ListPolicies"), ("OnlyAttached", "True")],
    [("Action", "ListPolicies"), ("MaxItems", "1")],
    [("Action", "ListPolicies"), ("MaxItems", "1"), ("Marker", "p1")],
    [("Action", "ListPolicies"), ("PathPrefix", "/team/")],
    [("Action", "ListPolicies"), ("MaxItems", "-1")],
    [("Action", "TagPolicy"), ("PolicyArn", ARN), ("Tags.member.1.Key", "a"), ("Tags.member.1.Value", "1"),
     ("Tags.member.2.Key", "b"), ("Tags.member.2.Value", "2")],
    [("Action", "TagPolicy"), ("PolicyArn", "arn:aws:iam::111122223333:policy/none"), ("Tags.member.1.Key", "a"),
     ("Tags.member.1.Value", "1")],
    [("Action", "UntagPolicy"), ("PolicyArn", ARN), ("TagKeys.member.1", "a"), ("TagKeys.member.2", "zz")],
    [("Action", "UntagPolicy"), ("PolicyArn", "arn:aws:iam::111122223333:policy/none"), ("TagKeys.member.1", "a")],
    [("Action", "ListPolicyTags"), ("PolicyArn", ARN)],
    [("Action", "ListPolicyTags"), ("PolicyArn", ARN2)],
    [("Action", "ListPolicyTags"), ("PolicyArn", "arn:aws:iam::111122223333:policy/none")],
    [("Action", "GetPolicy"), ("PolicyArn", ARN)],
    [("Action", "ListEntitiesForPolicy"), ("PolicyArn", ARN)],
    [("Action", "ListEntitiesForPolicy"), ("PolicyArn", AWS_ARN)],
    [("Action", "ListEntitiesForPolicy"), ("PolicyArn", ARN2)],
    [("Action", "ListEntitiesForPolicy")],
    [("Action", "CreatePolicyVersion"), ("PolicyArn", ARN), ("PolicyDocument", TRUST)],
    [("Action", "CreatePolicyVersion"), ("PolicyArn", ARN), ("PolicyDocument", DOC), ("SetAsDefault", "true")],
    [("Action", "CreatePolicyVersion"), ("PolicyArn", ARN), ("PolicyDocument", DOC), ("SetAsDefault", "yes")],
    [("Action", "CreatePolicyVersion"), ("PolicyArn", ARN), ("PolicyDocument", DOC), ("SetAsDefault", "false")],
    [("Action", "CreatePolicyVersion"), ("PolicyArn", ARN), ("PolicyDocument", DOC)],
    [("Action", "CreatePolicyVersion"), ("PolicyArn", ARN)],
    [("Action", "CreatePolicyVersion"), ("PolicyArn", "arn:aws:iam::111122223333:policy/none"), ("PolicyDocument", DOC)],
    [("Action", "GetPolicyVersion"), ("PolicyArn", ARN), ("VersionId", "v1")],
    [("Action", "GetPolicyVersion"), ("PolicyArn", ARN), ("VersionId", "v2")],
    [("Action", "GetPolicyVersion"), ("PolicyArn", ARN), ("VersionId", "v9")],
    [("Action", "GetPolicyVersion"), ("PolicyArn", ARN)],
    [("Action", "GetPolicyVersion"), ("PolicyArn", "arn:aws:iam::111122223333:policy/none")],
    [("Action", "ListPolicyVersions"), ("PolicyArn", ARN)],
    [("Action", "ListPolicyVersions"), ("PolicyArn", "arn:aws:iam::111122223333:policy/none")],
    [("Action", "SetDefaultPolicyVersion"), ("PolicyArn", ARN), ("VersionId", "v4")],
    [("Action", "SetDefaultPolicyVersion"), ("PolicyArn", ARN), ("VersionId", "v9")],
    [("Action", "SetDefaultPolicyVersion"), ("PolicyArn", ARN)],
    [("Action", "SetDefaultPolicyVersion"), ("PolicyArn", "arn:aws:iam::111122223333:policy/none"), ("VersionId", "v1")],
    [("Action", "DeletePolicyVersion"), ("PolicyArn", ARN), ("VersionId", "v4")],
    [("Action", "DeletePolicyVersion"), ("PolicyArn", ARN), ("VersionId", "v9")],
    [("Action", "DeletePolicyVersion"), ("PolicyArn", ARN), ("VersionId", "v1")],
    [("Action", "DeletePolicyVersion"), ("PolicyArn", ARN)],
    [("Action", "ListPolicyVersions"), ("PolicyArn", ARN)],
    [("Action", "GetPolicy"), ("PolicyArn", ARN)],
    [("Action", "DeletePolicy"), ("PolicyArn", ARN)],
    [("Action", "DeletePolicy"), ("PolicyArn", "arn:aws:iam::111122223333:policy/none")],
    [("Action", "DeletePolicy")],
    [("Action", "DeleteRole"), ("RoleName", "r1")],
    [("Action", "DetachRolePolicy"), ("RoleName", "r1"), ("PolicyArn", ARN)],
    [("Action", "DetachRolePolicy"), ("RoleName", "r1"), ("PolicyArn", ARN)],
    [("Action", "DetachRolePolicy"), ("RoleName", "r1"), ("PolicyArn", AWS_ARN)],
    [("Action", "DetachRolePolicy"), ("RoleName", "r1"), ("PolicyArn", ARN2)],
    [("Action", "DetachRolePolicy"), ("RoleName", "none"), ("PolicyArn", ARN2)],
    [("Action", "DetachRolePolicy"), ("RoleName", "r3"), ("PolicyArn", ARN)],
    [("Action", "DetachRolePolicy"), ("RoleName", "r1")],
    [("Action", "DeleteRole"), ("RoleName", "r1")],
    [("Action", "DeleteRolePolicy"), ("RoleName", "r1"), ("PolicyName", "a-inline")],
    [("Action", "DeleteRolePolicy"), ("RoleName", "r1"), ("PolicyName", "b-inline")],
    [("Action", "DeleteRolePolicy"), ("RoleName", "none"), ("PolicyName", "b-inline")],
    [("Action", "ListEntitiesForPolicy"), ("PolicyArn", ARN)],
    [("Action", "ListAttachedRolePolicies"), ("RoleName", "r1")],
    [("Action", "ListRolePolicies"), ("RoleName", "r1")],
    [("Action", "DeletePolicy"), ("PolicyArn", ARN)],
    [("Action", "GetPolicy"), ("PolicyArn", ARN)],
    [("Action", "DeleteRole"), ("RoleName", "r3")],
    [("Action", "DeleteRole"), ("RoleName", "r1")],
    [("Action", "DeleteRole"), ("RoleName", "r1")],
    [("Action", "DeleteRole")],
    [("Action", "ListRoles")],
    [("Action", "ListPolicies")],
]

MASKS = [
    (re.compile(r"<RequestId>[^<]*</RequestId>"), "<RequestId>RID</RequestId>"),
    (re.compile(r"AROA[A-Z2-7]{17}"), "AROA-ID"),
    (re.compile(r"ANPA[A-Z2-7]{17}"), "ANPA-ID"),
    (re.compile(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?Z"), "DATE"),
]


def form(case) -> bytes:
    if isinstance(case, str):
        return case.encode()
    return "&".join(f"{quote(k, safe='')}={quote(v, safe='')}" for k, v in case).encode()


def answer(endpoint: str, body: bytes) -> dict:
    req = urllib.request.Request(endpoint + "/", data=body, method="POST")
    req.add_header("Authorization", AUTH)
    req.add_header("Content-Type", "application/x-www-form-urlencoded; charset=utf-8")
    try:
        with urllib.request.urlopen(req, timeout=30) as r:
            status, headers, text = r.status, r.headers, r.read().decode()
    except urllib.error.HTTPError as e:
        status, headers, text = e.code, e.headers, e.read().decode()
    for pattern, mask in MASKS:
        text = pattern.sub(mask, text)
    return {"request": body.decode(), "status": status, "content_type": headers.get("Content-Type"),
            "request_id_header": headers.get("x-amzn-RequestId") is not None, "body": text}


def test_every_answer_matches_the_recording(start_kinesin):
    server = start_kinesin()
    got = [answer(server.endpoint, form(c)) for c in CASES]
    if os.environ.get("IAM_WIRE_RECORD"):
        GOLDEN.write_text(json.dumps(got, indent=1, ensure_ascii=False) + "\n")
    want = json.loads(GOLDEN.read_text())
    assert len(got) == len(want)
    for g, w in zip(got, want):
        assert g == w, g["request"]
