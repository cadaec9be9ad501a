"""S3 object versions through boto3: versioning Enabled and Suspended, version ids on PUT, GET,
HEAD, DELETE, CopyObject, UploadPartCopy and CompleteMultipartUpload, delete markers (404 when
current, 405 when named), ListObjectVersions paging by key and version-id markers,
DeleteObjects with version ids, and DeleteBucket refused while versions remain. A bucket whose
versioning was never configured shows no version ids, as before."""

from __future__ import annotations

import pytest
from botocore.exceptions import ClientError

from conftest import unique_name
from test_s3 import error_code, s3_client


@pytest.fixture(scope="module")
def s3(endpoint):
    return s3_client(endpoint)


def new_bucket(s3, status: str | None) -> str:
    name = unique_name("ver").lower().replace("_", "-")
    s3.create_bucket(Bucket=name)
    if status:
        s3.put_bucket_versioning(Bucket=name, VersioningConfiguration={"Status": status})
    return name


def all_versions(s3, bucket: str, **kw) -> tuple[list[dict], list[dict]]:
    versions, markers = [], []
    for page in s3.get_paginator("list_object_versions").paginate(Bucket=bucket, **kw):
        versions += page.get("Versions", [])
        markers += page.get("DeleteMarkers", [])
    return versions, markers


def test_enabled_bucket_keeps_versions_and_delete_markers(s3):
    b = new_bucket(s3, "Enabled")
    v1 = s3.put_object(Bucket=b, Key="k", Body=b"one")["VersionId"]
    v2 = s3.put_object(Bucket=b, Key="k", Body=b"two")["VersionId"]
    assert v1 != v2 and "null" not in (v1, v2)
    assert s3.get_object(Bucket=b, Key="k")["Body"].read() == b"two"
    assert s3.get_object(Bucket=b, Key="k", VersionId=v1)["Body"].read() == b"one"
    assert s3.get_object(Bucket=b, Key="k", VersionId=v1, Range="bytes=1-")["Body"].read() == b"ne"
    head = s3.head_object(Bucket=b, Key="k")
    assert (head["VersionId"], head["ContentLength"]) == (v2, 3)
    assert s3.head_object(Bucket=b, Key="k", VersionId=v1)["VersionId"] == v1

    # A simple DELETE adds a delete marker: the key reads as missing, the versions stay.
    d = s3.delete_object(Bucket=b, Key="k")
    marker = d["VersionId"]
    assert d["DeleteMarker"] is True and marker not in (v1, v2)
    with pytest.raises(ClientError) as e:
        s3.get_object(Bucket=b, Key="k")
    assert error_code(e) == "NoSuchKey"
    assert e.value.response["ResponseMetadata"]["HTTPHeaders"]["x-amz-delete-marker"] == "true"
    assert e.value.response["ResponseMetadata"]["HTTPHeaders"]["x-amz-version-id"] == marker
    with pytest.raises(ClientError) as e:
        s3.head_object(Bucket=b, Key="k", VersionId=marker)
    assert e.value.response["Error"]["Code"] in ("405", "MethodNotAllowed")
    with pytest.raises(ClientError) as e:
        s3.get_object(Bucket=b, Key="k", VersionId=marker)
    assert error_code(e) == "MethodNotAllowed"
    assert "Contents" not in s3.list_objects_v2(Bucket=b)
    versions, markers = all_versions(s3, b)
    assert [(v["VersionId"], v["IsLatest"]) for v in versions] == [(v2, False), (v1, False)]
    assert [(m["Key"], m["VersionId"], m["IsLatest"]) for m in markers] == [("k", marker, True)]

    with pytest.raises(ClientError) as e:
        s3.delete_bucket(Bucket=b)
    assert error_code(e) == "BucketNotEmpty"

    # Removing the marker brings the newest version back; removing that, the one before.
    d = s3.delete_object(Bucket=b, Key="k", VersionId=marker)
    assert (d["VersionId"], d["DeleteMarker"]) == (marker, True)
    assert s3.get_object(Bucket=b, Key="k")["Body"].read() == b"two"
    assert s3.delete_object(Bucket=b, Key="k", VersionId=v2)["VersionId"] == v2
    got = s3.get_object(Bucket=b, Key="k")
    assert (got["Body"].read(), got["VersionId"]) == (b"one", v1)

    with pytest.raises(ClientError) as e:
        s3.get_object(Bucket=b, Key="k", VersionId=v2)
    assert error_code(e) == "NoSuchVersion"
    with pytest.raises(ClientError) as e:
        s3.get_object(Bucket=b, Key="k", VersionId="not-a-version")
    assert error_code(e) == "InvalidArgument"


def test_suspended_bucket_writes_the_null_version(s3):
    b = new_bucket(s3, "Enabled")
    v1 = s3.put_object(Bucket=b, Key="k", Body=b"one")["VersionId"]
    s3.put_bucket_versioning(Bucket=b, VersioningConfiguration={"Status": "Suspended"})
    assert s3.get_bucket_versioning(Bucket=b)["Status"] == "Suspended"
    assert s3.put_object(Bucket=b, Key="k", Body=b"two")["VersionId"] == "null"
    assert s3.put_object(Bucket=b, Key="k", Body=b"three")["VersionId"] == "null"
    versions, _ = all_versions(s3, b)
    assert [(v["VersionId"], v["IsLatest"], v["Size"]) for v in versions] == [("null", True, 5), (v1, False, 3)]
    d = s3.delete_object(Bucket=b, Key="k")
    assert (d["VersionId"], d["DeleteMarker"]) == ("null", True)
    versions, markers = all_versions(s3, b)
    assert [v["VersionId"] for v in versions] == [v1]
    assert [(m["VersionId"], m["IsLatest"]) for m in markers] == [("null", True)]


def test_unversioned_bucket_shows_no_version_ids(s3):
    b = new_bucket(s3, None)
    put = s3.put_object(Bucket=b, Key="k", Body=b"x")
    assert "VersionId" not in put
    assert "VersionId" not in s3.head_object(Bucket=b, Key="k")
    d = s3.delete_object(Bucket=b, Key="k")
    assert "VersionId" not in d and "DeleteMarker" not in d
    assert all_versions(s3, b) == ([], [])
    s3.delete_bucket(Bucket=b)


def test_list_object_versions_pages_by_key_and_version_markers(s3):
    b = new_bucket(s3, "Enabled")
    expected = []
    for key in ["a", "b/1", "b/2", "c"]:
        ids = [s3.put_object(Bucket=b, Key=key, Body=f"{key}{i}".encode())["VersionId"] for i in range(3)]
        expected += [(key, v) for v in reversed(ids)]
    whole, _ = all_versions(s3, b)
    assert [(v["Key"], v["VersionId"]) for v in whole] == expected
    assert [v["IsLatest"] for v in whole] == [True, False, False] * 4
    # Pages of 2 split keys mid-way: each page resumes after (NextKeyMarker, NextVersionIdMarker).
    seen, kw = [], {}
    while True:
        page = s3.list_object_versions(Bucket=b, MaxKeys=2, **kw)
        assert len(page.get("Versions", [])) <= 2
        seen += [(v["Key"], v["VersionId"]) for v in page.get("Versions", [])]
        if not page["IsTruncated"]:
            break
        kw = {"KeyMarker": page["NextKeyMarker"], "VersionIdMarker": page["NextVersionIdMarker"]}
    assert seen == expected
    page = s3.list_object_versions(Bucket=b, Delimiter="/", MaxKeys=4)
    assert [p["Prefix"] for p in page["CommonPrefixes"]] == ["b/"]
    assert [v["Key"] for v in page["Versions"]] == ["a", "a", "a"]
    assert page["IsTruncated"] and page["NextKeyMarker"] == "b/"
    with pytest.raises(ClientError) as e:
        s3.list_object_versions(Bucket=b, VersionIdMarker=expected[0][1])
    assert error_code(e) == "InvalidArgument"


def test_delete_objects_with_version_ids_empties_a_versioned_bucket(s3):
    b = new_bucket(s3, "Enabled")
    for i in range(3):
        s3.put_object(Bucket=b, Key=f"k{i}", Body=b"1")
        s3.put_object(Bucket=b, Key=f"k{i}", Body=b"2")
    out = s3.delete_objects(Bucket=b, Delete={"Objects": [{"Key": "k0"}, {"Key": "k1"}]})
    assert sorted(d["Key"] for d in out["Deleted"]) == ["k0", "k1"]
    assert all(d["DeleteMarker"] and d["DeleteMarkerVersionId"] for d in out["Deleted"])
    versions, markers = all_versions(s3, b)
    assert (len(versions), len(markers)) == (6, 2)
    # What force_destroy and "empty the bucket" helpers do: delete every version and marker.
    objects = [{"Key": v["Key"], "VersionId": v["VersionId"]} for v in versions + markers]
    out = s3.delete_objects(Bucket=b, Delete={"Objects": objects})
    assert sorted((d["Key"], d["VersionId"]) for d in out["Deleted"]) == sorted((o["Key"], o["VersionId"]) for o in objects)
    assert sum(1 for d in out["Deleted"] if d.get("DeleteMarker")) == 2
    bad = s3.delete_objects(Bucket=b, Delete={"Objects": [{"Key": "k9", "VersionId": "bad"}]})
    assert [(e["Key"], e["Code"]) for e in bad["Errors"]] == [("k9", "InvalidArgument")]
    assert all_versions(s3, b) == ([], [])
    s3.delete_bucket(Bucket=b)


def test_copies_name_their_source_version(s3):
    b = new_bucket(s3, "Enabled")
    v1 = s3.put_object(Bucket=b, Key="src", Body=b"0123456789")["VersionId"]
    s3.put_object(Bucket=b, Key="src", Body=b"new")
    out = s3.copy_object(Bucket=b, Key="dst", CopySource={"Bucket": b, "Key": "src", "VersionId": v1})
    assert out["CopySourceVersionId"] == v1 and out["VersionId"] not in (None, v1)
    assert s3.get_object(Bucket=b, Key="dst")["Body"].read() == b"0123456789"
    uid = s3.create_multipart_upload(Bucket=b, Key="mp")["UploadId"]
    part = s3.upload_part_copy(Bucket=b, Key="mp", UploadId=uid, PartNumber=1,
                               CopySource={"Bucket": b, "Key": "src", "VersionId": v1}, CopySourceRange="bytes=2-4")
    assert part["CopySourceVersionId"] == v1
    done = s3.complete_multipart_upload(Bucket=b, Key="mp", UploadId=uid, MultipartUpload={
        "Parts": [{"PartNumber": 1, "ETag": part["CopyPartResult"]["ETag"]}]})
    assert done["VersionId"]
    assert s3.get_object(Bucket=b, Key="mp", VersionId=done["VersionId"])["Body"].read() == b"234"
    marker = s3.delete_object(Bucket=b, Key="src")["VersionId"]
    with pytest.raises(ClientError) as e:
        s3.copy_object(Bucket=b, Key="x", CopySource={"Bucket": b, "Key": "src"})
    assert error_code(e) == "NoSuchKey"
    with pytest.raises(ClientError) as e:
        s3.copy_object(Bucket=b, Key="x", CopySource={"Bucket": b, "Key": "src", "VersionId": marker})
    assert error_code(e) == "InvalidRequest"


def test_empty_objects_read_back_empty_current_and_noncurrent(s3):
    """A zero-byte object reads back as zero bytes: current, an earlier version, and a copy."""
    bucket = new_bucket(s3, "Enabled")
    first = s3.put_object(Bucket=bucket, Key="empty", Body=b"")["VersionId"]
    s3.put_object(Bucket=bucket, Key="empty", Body=b"now")
    s3.put_object(Bucket=bucket, Key="blank", Body=b"")
    assert s3.get_object(Bucket=bucket, Key="blank")["Body"].read() == b""
    old = s3.get_object(Bucket=bucket, Key="empty", VersionId=first)
    assert (old["ContentLength"], old["Body"].read()) == (0, b"")
    s3.copy_object(Bucket=bucket, Key="copy", CopySource={"Bucket": bucket, "Key": "empty", "VersionId": first})
    assert s3.get_object(Bucket=bucket, Key="copy")["Body"].read() == b""
    plain = new_bucket(s3, None)
    s3.put_object(Bucket=plain, Key="e", Body=b"")
    assert s3.get_object(Bucket=plain, Key="e")["Body"].read() == b""
    with pytest.raises(ClientError) as e:
        s3.get_object(Bucket=plain, Key="e", Range="bytes=0-0")
    assert error_code(e) == "InvalidRange"
