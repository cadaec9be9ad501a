"""kinesin's S3 surface through boto3 and the AWS CLI: multipart uploads (the CLI's `aws s3 cp`
of a file over 8 MiB, boto3's managed transfers and the low-level API with S3's errors),
ListParts / ListMultipartUploads, CopyObject and UploadPartCopy, and the ETag of multipart
objects (`<md5 of the parts' md5s>-<N>`)."""

from __future__ import annotations

import hashlib
import io
import os
import re
import subprocess

import boto3
import pytest
from boto3.s3.transfer import TransferConfig
from botocore.config import Config
from botocore.exceptions import ClientError

from conftest import ACCESS_KEY, REGION, SECRET_KEY, unique_name

MIB = 1024 * 1024


def s3_client(endpoint: str):
    session = boto3.session.Session(aws_access_key_id=ACCESS_KEY, aws_secret_access_key=SECRET_KEY, region_name=REGION)
    cfg = Config(retries={"total_max_attempts": 1}, read_timeout=60, s3={"addressing_style": "path"})
    return session.client("s3", endpoint_url=endpoint, config=cfg)


@pytest.fixture(scope="module")
def s3(endpoint):
    return s3_client(endpoint)


@pytest.fixture
def bucket(s3) -> str:
    name = unique_name("mp").lower().replace("_", "-")
    s3.create_bucket(Bucket=name)
    return name


def multipart_etag(data: bytes, part_size: int) -> str:
    """S3's ETag of an object uploaded in parts of `part_size` bytes."""
    digests = [hashlib.md5(data[i : i + part_size]).digest() for i in range(0, len(data), part_size)]
    return f'"{hashlib.md5(b"".join(digests)).hexdigest()}-{len(digests)}"'


def error_code(exc: pytest.ExceptionInfo) -> str:
    return exc.value.response["Error"]["Code"]


def run_s3_cli(aws_cli, endpoint: str, *args: str) -> subprocess.CompletedProcess:
    cmd = [aws_cli.exe, "--endpoint-url", endpoint, "s3", *args]
    p = subprocess.run(cmd, capture_output=True, text=True, env=aws_cli.env, timeout=300, stdin=subprocess.DEVNULL)
    assert p.returncode == 0, f"{' '.join(cmd)} exited {p.returncode}\nstdout: {p.stdout}\nstderr: {p.stderr}"
    return p


def test_cli_cp_of_a_large_file_is_a_multipart_upload(aws_cli, endpoint, s3, bucket, tmp_path):
    data = os.urandom(9 * MIB + 12345)
    src = tmp_path / "big.bin"
    src.write_bytes(data)
    run_s3_cli(aws_cli, endpoint, "cp", str(src), f"s3://{bucket}/dir/big.bin")
    head = s3.head_object(Bucket=bucket, Key="dir/big.bin")
    # The CLI's default part size is 8 MiB: two parts, and S3's multipart ETag.
    assert head["ContentLength"] == len(data)
    assert head["ETag"] == multipart_etag(data, 8 * MIB)
    assert re.fullmatch(r'"[0-9a-f]{32}-2"', head["ETag"])
    assert s3.list_multipart_uploads(Bucket=bucket).get("Uploads", []) == []
    # Download (ranged GETs) and an S3-to-S3 copy through the CLI.
    out = tmp_path / "back.bin"
    run_s3_cli(aws_cli, endpoint, "cp", f"s3://{bucket}/dir/big.bin", str(out))
    assert out.read_bytes() == data
    run_s3_cli(aws_cli, endpoint, "cp", f"s3://{bucket}/dir/big.bin", f"s3://{bucket}/copy/big.bin")
    copied = s3.get_object(Bucket=bucket, Key="copy/big.bin")
    assert copied["Body"].read() == data
    listing = run_s3_cli(aws_cli, endpoint, "ls", f"s3://{bucket}/", "--recursive").stdout
    assert "dir/big.bin" in listing and "copy/big.bin" in listing


def test_cli_cp_of_a_small_file_is_one_put(aws_cli, endpoint, s3, bucket, tmp_path):
    src = tmp_path / "small.txt"
    src.write_bytes(b"hello multipart world\n")
    run_s3_cli(aws_cli, endpoint, "cp", str(src), f"s3://{bucket}/small.txt")
    assert s3.head_object(Bucket=bucket, Key="small.txt")["ETag"] == f'"{hashlib.md5(src.read_bytes()).hexdigest()}"'


def test_boto3_managed_transfers(s3, bucket, tmp_path):
    data = os.urandom(12 * MIB + 7)
    src = tmp_path / "up.bin"
    src.write_bytes(data)
    cfg = TransferConfig(multipart_threshold=5 * MIB, multipart_chunksize=5 * MIB, max_concurrency=4)
    s3.upload_file(str(src), bucket, "managed.bin", Config=cfg)
    head = s3.head_object(Bucket=bucket, Key="managed.bin")
    assert head["ETag"] == multipart_etag(data, 5 * MIB)
    assert head["ETag"].endswith('-3"')
    dst = tmp_path / "down.bin"
    s3.download_file(bucket, "managed.bin", str(dst), Config=cfg)
    assert dst.read_bytes() == data
    # A managed copy of a large object goes through UploadPartCopy.
    s3.copy({"Bucket": bucket, "Key": "managed.bin"}, bucket, "managed-copy.bin", Config=cfg)
    copy = s3.get_object(Bucket=bucket, Key="managed-copy.bin")
    assert copy["Body"].read() == data
    assert copy["ETag"] == multipart_etag(data, 5 * MIB)


def test_multipart_api_and_errors(s3, bucket):
    key = "parts/obj.bin"
    up = s3.create_multipart_upload(Bucket=bucket, Key=key, ContentType="application/x-test")
    uid = up["UploadId"]
    assert (up["Bucket"], up["Key"]) == (bucket, key)
    p1 = os.urandom(5 * MIB)
    p2 = os.urandom(5 * MIB)
    p3 = b"the end"
    e1 = s3.upload_part(Bucket=bucket, Key=key, UploadId=uid, PartNumber=1, Body=p1)["ETag"]
    e3 = s3.upload_part(Bucket=bucket, Key=key, UploadId=uid, PartNumber=3, Body=p3)["ETag"]
    e2 = s3.upload_part(Bucket=bucket, Key=key, UploadId=uid, PartNumber=2, Body=p2)["ETag"]
    assert e1 == f'"{hashlib.md5(p1).hexdigest()}"'
    uploads = s3.list_multipart_uploads(Bucket=bucket)["Uploads"]
    assert [(u["Key"], u["UploadId"]) for u in uploads] == [(key, uid)]
    page = s3.list_parts(Bucket=bucket, Key=key, UploadId=uid, MaxParts=2)
    assert [p["PartNumber"] for p in page["Parts"]] == [1, 2]
    assert page["IsTruncated"] is True
    rest = s3.list_parts(Bucket=bucket, Key=key, UploadId=uid, PartNumberMarker=page["NextPartNumberMarker"])
    assert [(p["PartNumber"], p["Size"], p["ETag"]) for p in rest["Parts"]] == [(3, len(p3), e3)]
    assert rest["IsTruncated"] is False

    def complete(parts):
        return s3.complete_multipart_upload(
            Bucket=bucket, Key=key, UploadId=uid, MultipartUpload={"Parts": [{"PartNumber": n, "ETag": e} for n, e in parts]}
        )

    with pytest.raises(ClientError) as e:
        complete([(2, e2), (1, e1)])
    assert error_code(e) == "InvalidPartOrder"
    with pytest.raises(ClientError) as e:
        complete([(1, e1), (4, e3)])
    assert error_code(e) == "InvalidPart"
    with pytest.raises(ClientError) as e:
        complete([(1, e2)])
    assert error_code(e) == "InvalidPart"
    with pytest.raises(ClientError) as e:
        s3.upload_part(Bucket=bucket, Key=key, UploadId=uid, PartNumber=10001, Body=b"x")
    assert error_code(e) == "InvalidArgument"
    # Ascending order, every part but the last >= 5 MiB, ETags match: the object is made.
    done = complete([(1, e1), (2, e2), (3, e3)])
    digests = b"".join(hashlib.md5(p).digest() for p in (p1, p2, p3))
    assert done["ETag"] == f'"{hashlib.md5(digests).hexdigest()}-3"'
    assert done["Key"] == key and done["Bucket"] == bucket
    got = s3.get_object(Bucket=bucket, Key=key)
    assert got["Body"].read() == p1 + p2 + p3
    # One part at a time, with the part count (as multipart downloads read them).
    second = s3.get_object(Bucket=bucket, Key=key, PartNumber=2)
    assert (second["PartsCount"], second["ContentRange"]) == (3, f"bytes {len(p1)}-{len(p1) + len(p2) - 1}/{len(p1 + p2 + p3)}")
    assert second["Body"].read() == p2
    head3 = s3.head_object(Bucket=bucket, Key=key, PartNumber=3)
    assert (head3["PartsCount"], head3["ContentLength"]) == (3, len(p3))
    with pytest.raises(ClientError) as e:
        s3.get_object(Bucket=bucket, Key=key, PartNumber=4)
    assert error_code(e) == "InvalidPartNumber"
    assert got["ContentType"] == "application/x-test"
    assert got["ETag"] == done["ETag"]
    # The upload is finished: every operation on it is NoSuchUpload (404).
    for call in (
        lambda: complete([(1, e1)]),
        lambda: s3.list_parts(Bucket=bucket, Key=key, UploadId=uid),
        lambda: s3.upload_part(Bucket=bucket, Key=key, UploadId=uid, PartNumber=1, Body=b"x"),
        lambda: s3.abort_multipart_upload(Bucket=bucket, Key=key, UploadId=uid),
    ):
        with pytest.raises(ClientError) as e:
            call()
        assert error_code(e) == "NoSuchUpload"
        assert e.value.response["ResponseMetadata"]["HTTPStatusCode"] == 404


def test_small_parts_are_entity_too_small_and_abort(s3, bucket):
    key = "small-parts"
    uid = s3.create_multipart_upload(Bucket=bucket, Key=key)["UploadId"]
    e1 = s3.upload_part(Bucket=bucket, Key=key, UploadId=uid, PartNumber=1, Body=b"a" * 1024)["ETag"]
    e2 = s3.upload_part(Bucket=bucket, Key=key, UploadId=uid, PartNumber=2, Body=b"b")["ETag"]
    with pytest.raises(ClientError) as e:
        s3.complete_multipart_upload(
            Bucket=bucket, Key=key, UploadId=uid,
            MultipartUpload={"Parts": [{"PartNumber": 1, "ETag": e1}, {"PartNumber": 2, "ETag": e2}]},
        )
    assert error_code(e) == "EntityTooSmall"
    other = s3.create_multipart_upload(Bucket=bucket, Key="another")["UploadId"]
    listed = s3.list_multipart_uploads(Bucket=bucket, MaxUploads=1)
    assert listed["IsTruncated"] is True and len(listed["Uploads"]) == 1
    nxt = s3.list_multipart_uploads(Bucket=bucket, KeyMarker=listed["NextKeyMarker"], UploadIdMarker=listed["NextUploadIdMarker"])
    assert len(nxt["Uploads"]) == 1 and nxt["Uploads"][0]["UploadId"] != listed["Uploads"][0]["UploadId"]
    assert [u["UploadId"] for u in s3.list_multipart_uploads(Bucket=bucket, Prefix="small")["Uploads"]] == [uid]
    s3.abort_multipart_upload(Bucket=bucket, Key=key, UploadId=uid)
    s3.abort_multipart_upload(Bucket=bucket, Key="another", UploadId=other)
    assert s3.list_multipart_uploads(Bucket=bucket).get("Uploads", []) == []
    with pytest.raises(ClientError) as e:
        s3.head_object(Bucket=bucket, Key=key)
    assert e.value.response["ResponseMetadata"]["HTTPStatusCode"] == 404
    with pytest.raises(ClientError) as e:
        s3.create_multipart_upload(Bucket="no-such-bucket-kinesin", Key="k")
    assert error_code(e) == "NoSuchBucket"


def test_copy_object(s3, bucket):
    other = bucket + "-dst"
    s3.create_bucket(Bucket=other)
    body = b'{"a":1}'
    s3.put_object(Bucket=bucket, Key="src.json", Body=body, ContentType="application/json")
    out = s3.copy_object(Bucket=other, Key="dst.json", CopySource={"Bucket": bucket, "Key": "src.json"})
    assert out["CopyObjectResult"]["ETag"] == f'"{hashlib.md5(body).hexdigest()}"'
    got = s3.get_object(Bucket=other, Key="dst.json")
    assert got["Body"].read() == body
    assert got["ContentType"] == "application/json"
    # Keys with spaces and slashes survive the URL-encoded copy source.
    s3.put_object(Bucket=bucket, Key="dir/with space+plus.txt", Body=b"x")
    s3.copy_object(Bucket=bucket, Key="copied.txt", CopySource={"Bucket": bucket, "Key": "dir/with space+plus.txt"})
    assert s3.get_object(Bucket=bucket, Key="copied.txt")["Body"].read() == b"x"
    # REPLACE changes the content type; copying onto itself without REPLACE is refused.
    s3.copy_object(
        Bucket=bucket, Key="src.json", CopySource={"Bucket": bucket, "Key": "src.json"},
        MetadataDirective="REPLACE", ContentType="text/plain",
    )
    assert s3.head_object(Bucket=bucket, Key="src.json")["ContentType"] == "text/plain"
    with pytest.raises(ClientError) as e:
        s3.copy_object(Bucket=bucket, Key="src.json", CopySource={"Bucket": bucket, "Key": "src.json"})
    assert error_code(e) == "InvalidRequest"
    with pytest.raises(ClientError) as e:
        s3.copy_object(Bucket=bucket, Key="x", CopySource={"Bucket": bucket, "Key": "missing"})
    assert error_code(e) == "NoSuchKey"
    # Copying a multipart object makes a single-part object with a plain MD5 ETag.
    data = os.urandom(6 * MIB)
    s3.upload_fileobj(
        io.BytesIO(data), bucket, "mp.bin",
        Config=TransferConfig(multipart_threshold=5 * MIB, multipart_chunksize=5 * MIB),
    )
    assert s3.head_object(Bucket=bucket, Key="mp.bin")["ETag"].endswith('-2"')
    s3.copy_object(Bucket=bucket, Key="mp-copy.bin", CopySource={"Bucket": bucket, "Key": "mp.bin"})
    assert s3.head_object(Bucket=bucket, Key="mp-copy.bin")["ETag"] == f'"{hashlib.md5(data).hexdigest()}"'


def test_content_md5_is_checked(endpoint, s3, bucket):
    import base64

    body = b"integrity"
    good = base64.b64encode(hashlib.md5(body).digest()).decode()
    s3.put_object(Bucket=bucket, Key="md5", Body=body, ContentMD5=good)
    bad = base64.b64encode(hashlib.md5(b"other").digest()).decode()
    with pytest.raises(ClientError) as e:
        s3.put_object(Bucket=bucket, Key="md5", Body=body, ContentMD5=bad)
    assert error_code(e) == "BadDigest"
    uid = s3.create_multipart_upload(Bucket=bucket, Key="md5-mp")["UploadId"]
    with pytest.raises(ClientError) as e:
        s3.upload_part(Bucket=bucket, Key="md5-mp", UploadId=uid, PartNumber=1, Body=body, ContentMD5=bad)
    assert error_code(e) == "BadDigest"
    s3.upload_part(Bucket=bucket, Key="md5-mp", UploadId=uid, PartNumber=1, Body=body, ContentMD5=good)
    assert s3.get_object(Bucket=bucket, Key="md5")["Body"].read() == body


def test_list_object_versions_of_an_unversioned_bucket_and_emptying_it(s3, bucket):
    keys = [f"a/{i:02d}" for i in range(5)] + ["b/x", "top"]
    for k in keys:
        s3.put_object(Bucket=bucket, Key=k, Body=k.encode())
    out = s3.list_object_versions(Bucket=bucket)
    assert [v["Key"] for v in out["Versions"]] == sorted(keys)
    assert all(v["VersionId"] == "null" and v["IsLatest"] and v["StorageClass"] == "STANDARD" for v in out["Versions"])
    assert {v["Key"]: v["Size"] for v in out["Versions"]} == {k: len(k) for k in keys}
    assert not out["IsTruncated"]
    # Prefix and delimiter, and paging by key marker.
    out = s3.list_object_versions(Bucket=bucket, Delimiter="/")
    assert [p["Prefix"] for p in out["CommonPrefixes"]] == ["a/", "b/"]
    assert [v["Key"] for v in out["Versions"]] == ["top"]
    seen, marker = [], ""
    while True:
        page = s3.list_object_versions(Bucket=bucket, Prefix="a/", MaxKeys=2, KeyMarker=marker)
        seen += [v["Key"] for v in page.get("Versions", [])]
        if not page["IsTruncated"]:
            break
        assert page["NextVersionIdMarker"] == "null"
        marker = page["NextKeyMarker"]
    assert seen == keys[:5]
    # What "empty the bucket" helpers do next: delete every listed version.
    versions = s3.list_object_versions(Bucket=bucket)["Versions"]
    s3.delete_objects(Bucket=bucket, Delete={"Objects": [{"Key": v["Key"], "VersionId": v["VersionId"]} for v in versions]})
    assert "Versions" not in s3.list_object_versions(Bucket=bucket)
    s3.delete_bucket(Bucket=bucket)
