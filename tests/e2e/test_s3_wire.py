"""S3's answers to the bytes: every route kinesin serves (service, buckets, objects, listings,
copies, DeleteObjects, bucket settings, multipart uploads, versions), their successes and
errors, path-style and virtual-host, sent as raw HTTP and compared with `s3_wire.golden.json`
(recorded from the hand-written S3 front before it moved onto the service contract): status,
the headers that matter and the body, with request ids, dates, the port and the random upload
and version ids masked (ids are named `U1`, `V1`... in order of first appearance, and
requests name them so).

Record again with `S3_WIRE_RECORD=1` (only when an answer is meant to change)."""

from __future__ import annotations

import base64
import hashlib
import http.client
import json
import os
import re
from pathlib import Path

GOLDEN = Path(__file__).with_name("s3_wire.golden.json")
AUTH = "AWS4-HMAC-SHA256 Credential=111122223333/20260101/us-east-1/s3/aws4_request, SignedHeaders=host, Signature=0"
NS = "http://s3.amazonaws.com/doc/2006-03-01/"
BIG = b"a" * (5 * 1024 * 1024)
# A version id of the right shape that no object has.
NO_VERSION = "A" * 32
HEADERS = [
    "etag", "x-amz-version-id", "x-amz-delete-marker", "content-range", "content-type", "content-length",
    "last-modified", "accept-ranges", "location", "x-amz-bucket-region", "x-amz-mp-parts-count",
    "x-amz-copy-source-version-id",
]
ID_ELEMENTS = re.compile(
    r"<(UploadId|VersionId|DeleteMarkerVersionId|NextVersionIdMarker|NextUploadIdMarker|UploadIdMarker|"
    r"VersionIdMarker)>([^<]+)</"
)
MASKS = [
    (re.compile(r"<RequestId>[^<]*</RequestId>"), "<RequestId>RID</RequestId>"),
    (re.compile(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?Z"), "DATE"),
    (re.compile(r"[A-Z][a-z]{2}, \d\d [A-Z][a-z]{2} \d{4} \d\d:\d\d:\d\d GMT"), "HTTPDATE"),
]


def md5_b64(data: bytes) -> str:
    return base64.b64encode(hashlib.md5(data).digest()).decode()


def xml_doc(inner: str) -> bytes:
    return inner.replace("{ns}", NS).encode()


def delete_doc(*objects: tuple[str, str | None], quiet: bool = False) -> bytes:
    body = "".join(f"<Object><Key>{k}</Key>" + (f"<VersionId>{v}</VersionId>" if v else "") + "</Object>"
                   for k, v in objects)
    return xml_doc(f"<Delete xmlns=\"{{ns}}\">{body}" + ("<Quiet>true</Quiet>" if quiet else "") + "</Delete>")


def complete_doc(*parts: tuple[int, str]) -> bytes:
    body = "".join(f"<Part><PartNumber>{n}</PartNumber><ETag>{e}</ETag></Part>" for n, e in parts)
    return xml_doc(f"<CompleteMultipartUpload xmlns=\"{{ns}}\">{body}</CompleteMultipartUpload>")


def setting_cases(query: str, doc: bytes) -> list[tuple]:
    """GET (unset), PUT, GET, DELETE, GET of one bucket setting."""
    path = f"/gold?{query}"
    return [("GET", path), ("PUT", path, {}, doc), ("GET", path), ("DELETE", path), ("GET", path)]


TAGGING = xml_doc("<Tagging xmlns=\"{ns}\"><TagSet><Tag><Key>k</Key><Value>v &amp; w</Value></Tag></TagSet></Tagging>")
SETTINGS = [
    ("tagging", TAGGING),
    ("encryption", xml_doc("<ServerSideEncryptionConfiguration xmlns=\"{ns}\"><Rule><ApplyServerSideEncryptionByDefault>"
                           "<SSEAlgorithm>aws:kms</SSEAlgorithm></ApplyServerSideEncryptionByDefault></Rule>"
                           "</ServerSideEncryptionConfiguration>")),
    ("publicAccessBlock", xml_doc("<PublicAccessBlockConfiguration xmlns=\"{ns}\"><BlockPublicAcls>false"
                                  "</BlockPublicAcls></PublicAccessBlockConfiguration>")),
    ("ownershipControls", xml_doc("<OwnershipControls xmlns=\"{ns}\"><Rule><ObjectOwnership>ObjectWriter"
                                  "</ObjectOwnership></Rule></OwnershipControls>")),
    ("acl", xml_doc("<AccessControlPolicy xmlns=\"{ns}\"><Owner><ID>x</ID></Owner></AccessControlPolicy>")),
    ("policy", b'{"Version":"2012-10-17","Statement":[]}'),
    ("lifecycle", xml_doc("<LifecycleConfiguration xmlns=\"{ns}\"><Rule><ID>r</ID><Status>Enabled</Status>"
                          "</Rule></LifecycleConfiguration>")),
    ("cors", xml_doc("<CORSConfiguration xmlns=\"{ns}\"><CORSRule><AllowedMethod>GET</AllowedMethod>"
                     "<AllowedOrigin>*</AllowedOrigin></CORSRule></CORSConfiguration>")),
    ("notification", xml_doc("<NotificationConfiguration xmlns=\"{ns}\"></NotificationConfiguration>")),
]

CHUNKED = {"x-amz-content-sha256": "STREAMING-AWS4-HMAC-SHA256-PAYLOAD", "x-amz-decoded-content-length": "5"}
VERSIONING_ON = xml_doc("<VersioningConfiguration xmlns=\"{ns}\"><Status>Enabled</Status></VersioningConfiguration>")
VERSIONING_OFF = xml_doc("<VersioningConfiguration xmlns=\"{ns}\"><Status>Suspended</Status></VersioningConfiguration>")

# (method, target[, headers[, body]]): a target starting with `vh:` is sent to the
# virtual host `vhb.localhost`; `{U1}`, `{V1}`... name ids seen in earlier answers.
CASES: list[tuple] = [
    # The service and buckets.
    ("GET", "/"),
    ("PUT", "/"),
    ("PUT", "/gold"),
    ("PUT", "/gold"),
    ("PUT", "/Bad_Bucket"),
    ("PUT", "/ab"),
    ("HEAD", "/gold"),
    ("HEAD", "/none"),
    ("GET", "/gold?location"),
    ("GET", "/none?location"),
    ("PUT", "vh:/"),
    ("HEAD", "vh:/"),
    ("GET", "/"),
    # Objects.
    ("PUT", "/gold/a.txt", {"Content-Type": "text/plain"}, b"hello world"),
    ("PUT", "/gold/dir/b.bin", {}, bytes(range(256))),
    ("PUT", "/gold/dir/c", {"Content-MD5": md5_b64(b"c")}, b"c"),
    ("PUT", "/gold/dir/sub/d", {}, b""),
    ("PUT", "/gold/x", {"Content-MD5": "abc"}, b"x"),
    ("PUT", "/gold/x", {"Content-MD5": md5_b64(b"y")}, b"x"),
    ("PUT", "/gold/chunked", CHUNKED, b"5;chunk-signature=ab\r\nhello\r\n0;chunk-signature=cd\r\n\r\n"),
    ("PUT", "/gold/trunc", CHUNKED, b"5;chunk-signature=ab\r\nhe"),
    ("PUT", "/gold/" + "k" * 1025, {}, b"x"),
    ("PUT", "/gold/%FF", {}, b"x"),
    ("PUT", "/none/k", {}, b"x"),
    ("PUT", "/gold/sp%20ace%26%3C%3E%C3%A9", {"Content-Type": "a/b; c=\"d\""}, b"<&>"),
    ("PUT", "vh:/v/obj", {}, b"virtual"),
    ("GET", "/gold/a.txt"),
    ("HEAD", "/gold/a.txt"),
    ("GET", "/gold/dir/b.bin"),
    ("GET", "/gold/chunked"),
    ("GET", "/gold/sp%20ace%26%3C%3E%C3%A9"),
    ("HEAD", "/gold/dir/sub/d"),
    ("GET", "/gold/dir/sub/d"),
    ("GET", "vh:/v/obj"),
    ("HEAD", "vh:/v/obj"),
    ("GET", "/vhb/v/obj"),
    ("GET", "/gold/a.txt", {"Range": "bytes=0-1"}),
    ("GET", "/gold/a.txt", {"Range": "bytes=-3"}),
    ("GET", "/gold/a.txt", {"Range": "bytes=6-"}),
    ("GET", "/gold/a.txt", {"Range": "bytes=4-100"}),
    ("GET", "/gold/a.txt", {"Range": "bytes=20-30"}),
    ("GET", "/gold/a.txt", {"Range": "bytes=abc"}),
    ("GET", "/gold/a.txt", {"Range": "bytes=0-1,3-4"}),
    ("HEAD", "/gold/a.txt", {"Range": "bytes=0-1"}),
    ("HEAD", "/gold/a.txt", {"Range": "bytes=20-30"}),
    ("GET", "/gold/missing"),
    ("HEAD", "/gold/missing"),
    ("GET", "/none/missing"),
    ("GET", "/gold/missing", {"Range": "bytes=-1"}),
    ("GET", "/gold/a.txt?partNumber=1"),
    ("HEAD", "/gold/a.txt?partNumber=1"),
    ("GET", "/gold/a.txt?partNumber=2"),
    ("GET", "/gold/a.txt?partNumber=x"),
    ("GET", "/gold/a.txt?acl"),
    ("POST", "/gold/a.txt", {}, b""),
    ("PATCH", "/gold/a.txt", {}, b""),
    # Listings.
    ("GET", "/gold"),
    ("GET", "/gold?list-type=2"),
    ("GET", "/gold?list-type=2&prefix=dir/&delimiter=/"),
    ("GET", "/gold?delimiter=/"),
    ("GET", "/gold?prefix=dir/&delimiter="),
    ("GET", "/gold?max-keys=1"),
    ("GET", "/gold?max-keys=1&marker=a.txt"),
    ("GET", "/gold?list-type=2&max-keys=1"),
    ("GET", "/gold?list-type=2&max-keys=2&continuation-token=612e747874"),
    ("GET", "/gold?list-type=2&continuation-token=zz"),
    ("GET", "/gold?list-type=2&start-after=dir/c"),
    ("GET", "/gold?list-type=2&fetch-owner=true&max-keys=0"),
    ("GET", "/gold?encoding-type=url"),
    ("GET", "/gold?list-type=2&encoding-type=url&prefix=sp"),
    ("GET", "/gold?encoding-type=bad"),
    ("GET", "/gold?max-keys=-1"),
    ("GET", "/gold?max-keys=x"),
    ("GET", "/none"),
    ("GET", "/none?list-type=2"),
    ("GET", "vh:/"),
    ("GET", "vh:/?list-type=2&prefix=v/"),
    # Copies.
    ("PUT", "/gold/copy", {"x-amz-copy-source": "/gold/a.txt"}),
    ("HEAD", "/gold/copy"),
    ("PUT", "/gold/copy2", {"x-amz-copy-source": "gold/a.txt", "x-amz-metadata-directive": "REPLACE",
                            "Content-Type": "text/html"}),
    ("HEAD", "/gold/copy2"),
    ("PUT", "/gold/copy3", {"x-amz-copy-source": "/gold/sp%20ace%26%3C%3E%C3%A9"}),
    ("PUT", "/gold/copy4", {"x-amz-copy-source": "/gold/a.txt", "x-amz-metadata-directive": "BAD"}),
    ("PUT", "/gold/copy4", {"x-amz-copy-source": "/gold/missing"}),
    ("PUT", "/gold/copy4", {"x-amz-copy-source": "/none/a.txt"}),
    ("PUT", "/gold/copy4", {"x-amz-copy-source": "nobucket"}),
    ("PUT", "/gold/copy4", {"x-amz-copy-source": "/gold/a.txt?versionId=bad"}),
    ("PUT", "/none/copy4", {"x-amz-copy-source": "/gold/a.txt"}),
    # DeleteObjects and deletes.
    ("POST", "/gold?delete", {}, delete_doc(("copy3", None), ("missing", None), ("a&amp;b", None))),
    ("POST", "/gold?delete", {}, delete_doc(("copy2", None), quiet=True)),
    ("POST", "/gold?delete", {}, b"<Delete></Delete>"),
    ("POST", "/gold?delete", {}, b"not xml"),
    ("POST", "/none?delete", {}, delete_doc(("k", None))),
    ("POST", "/gold", {}, b""),
    ("DELETE", "/gold/dir/b.bin"),
    ("DELETE", "/gold/dir/b.bin"),
    ("DELETE", "/none/k"),
    ("DELETE", "/gold"),
    ("DELETE", "/none"),
    # Bucket settings.
    *[case for query, doc in SETTINGS for case in setting_cases(query, doc)],
    ("GET", "/gold?versioning"),
    ("PUT", "/gold?tagging", {}, b"<Tagging><TagSet>"),
    ("PUT", "/gold?tagging", {}, b"not xml"),
    ("PUT", "/gold?policy", {}, b"not json"),
    ("PUT", "/gold?acl", {"x-amz-acl": "private"}, b""),
    ("GET", "/gold?acl"),
    ("PUT", "/gold?tagging", {"Content-MD5": md5_b64(TAGGING)}, TAGGING),
    ("GET", "/gold?tagging"),
    ("PATCH", "/gold?tagging", {}, b""),
    ("GET", "/gold?website"),
    ("PUT", "/gold?website", {}, b"<x/>"),
    ("GET", "/none?tagging"),
    ("PUT", "/none?cors", {}, SETTINGS[7][1]),
    # Multipart uploads.
    ("POST", "/gold/mp?uploads", {"Content-Type": "text/csv"}, b""),
    ("POST", "/gold/mq?uploads", {}, b""),
    ("POST", "/none/mp?uploads", {}, b""),
    ("PUT", "/gold/mp?partNumber=1&uploadId={U1}", {}, BIG),
    ("PUT", "/gold/mp?partNumber=2&uploadId={U1}", {}, b"tail"),
    ("PUT", "/gold/mp?partNumber=0&uploadId={U1}", {}, b"x"),
    ("PUT", "/gold/mp?partNumber=x&uploadId={U1}", {}, b"x"),
    ("PUT", "/gold/mp?partNumber=10001&uploadId={U1}", {}, b"x"),
    ("PUT", "/gold/mp?partNumber=1&uploadId=nope", {}, b"x"),
    ("PUT", "/gold/mp?partNumber=3&uploadId={U1}", {"x-amz-copy-source": "/gold/a.txt",
                                                   "x-amz-copy-source-range": "bytes=0-4"}),
    ("PUT", "/gold/mp?partNumber=4&uploadId={U1}", {"x-amz-copy-source": "/gold/a.txt",
                                                   "x-amz-copy-source-range": "bytes=100-200"}),
    ("PUT", "/gold/mp?partNumber=4&uploadId={U1}", {"x-amz-copy-source": "/gold/a.txt",
                                                   "x-amz-copy-source-range": "0-4"}),
    ("PUT", "/gold/mp?partNumber=4&uploadId={U1}", {"x-amz-copy-source": "/gold/missing"}),
    ("PUT", "/gold/mq?partNumber=1&uploadId={U2}", {}, b"one"),
    ("PUT", "/gold/mq?partNumber=2&uploadId={U2}", {}, b"two"),
    ("GET", "/gold/mp?uploadId={U1}"),
    ("GET", "/gold/mp?uploadId={U1}&max-parts=1"),
    ("GET", "/gold/mp?uploadId={U1}&part-number-marker=1"),
    ("GET", "/gold/mp?uploadId=nope"),
    ("GET", "/gold?uploads"),
    ("GET", "/gold?uploads&max-uploads=1"),
    ("GET", "/gold?uploads&prefix=mq"),
    ("GET", "/gold?uploads&key-marker=mp"),
    ("GET", "/none?uploads"),
    ("POST", "/gold/mp?uploadId={U1}", {}, b"not xml"),
    ("POST", "/gold/mp?uploadId={U1}", {}, complete_doc((1, '"00"'))),
    ("POST", "/gold/mp?uploadId={U1}", {}, complete_doc((2, f'"{hashlib.md5(b"tail").hexdigest()}"'),
                                                         (1, f'"{hashlib.md5(BIG).hexdigest()}"'))),
    ("POST", "/gold/mq?uploadId={U2}", {}, complete_doc((1, f'"{hashlib.md5(b"one").hexdigest()}"'),
                                                         (2, f'"{hashlib.md5(b"two").hexdigest()}"'))),
    ("POST", "/gold/mp?uploadId={U1}", {}, complete_doc((1, f'"{hashlib.md5(BIG).hexdigest()}"'),
                                                         (2, f'"{hashlib.md5(b"tail").hexdigest()}"'))),
    ("POST", "/gold/mp?uploadId={U1}", {}, complete_doc((1, f'"{hashlib.md5(BIG).hexdigest()}"'))),
    ("HEAD", "/gold/mp"),
    ("GET", "/gold/mp"),
    ("GET", "/gold/mp", {"Range": "bytes=5242878-5242881"}),
    ("HEAD", "/gold/mp?partNumber=1"),
    ("GET", "/gold/mp?partNumber=2"),
    ("GET", "/gold/mp?partNumber=3"),
    ("DELETE", "/gold/mq?uploadId={U2}"),
    ("DELETE", "/gold/mq?uploadId={U2}"),
    ("GET", "/gold/mq?uploadId={U2}"),
    ("GET", "/gold?uploads"),
    # Versions.
    ("PUT", "/ver"),
    ("PUT", "/ver/k", {}, b"one"),
    ("HEAD", "/ver/k"),
    ("PUT", "/ver?versioning", {}, b"<VersioningConfiguration><Status>Bad</Status></VersioningConfiguration>"),
    ("PUT", "/ver?versioning", {}, VERSIONING_ON),
    ("GET", "/ver?versioning"),
    ("PUT", "/ver/k", {}, b"two"),
    ("PUT", "/ver/k", {}, b"three"),
    ("PUT", "/ver/k2", {}, b"other"),
    ("GET", "/ver/k"),
    ("GET", "/ver/k?versionId={V1}"),
    ("HEAD", "/ver/k?versionId={V1}"),
    ("GET", "/ver/k?versionId=null"),
    ("GET", "/ver/k?versionId=bad"),
    ("GET", "/ver/k?versionId=" + NO_VERSION),
    ("GET", "/ver/k?versionId={V1}", {"Range": "bytes=1-"}),
    ("GET", "/ver?versions"),
    ("GET", "/ver?versions&max-keys=1"),
    ("GET", "/ver?versions&key-marker=k&version-id-marker={V2}"),
    ("GET", "/ver?versions&prefix=k2&encoding-type=url"),
    ("GET", "/ver?versions&delimiter=2"),
    ("GET", "/none?versions"),
    ("DELETE", "/ver/k"),
    ("GET", "/ver/k"),
    ("HEAD", "/ver/k"),
    ("GET", "/ver/k", {"Range": "bytes=-1"}),
    ("GET", "/ver/k?versionId={V4}"),
    ("HEAD", "/ver/k?versionId={V4}"),
    ("GET", "/ver/k?partNumber=1"),
    ("GET", "/ver?versions"),
    ("PUT", "/ver/c", {"x-amz-copy-source": "/ver/k?versionId={V1}"}),
    ("PUT", "/ver/c", {"x-amz-copy-source": "/ver/k"}),
    ("PUT", "/ver/c", {"x-amz-copy-source": "/ver/k?versionId={V4}"}),
    ("DELETE", "/ver/k?versionId={V1}"),
    ("DELETE", "/ver/k?versionId={V1}"),
    ("POST", "/ver?delete", {}, delete_doc(("k", "{V2}"), ("k2", None), ("k", "bad"), ("c", "{V5}"))),
    ("PUT", "/ver?versioning", {}, VERSIONING_OFF),
    ("PUT", "/ver/k", {}, b"four"),
    ("DELETE", "/ver/k2"),
    ("GET", "/ver?versions"),
    ("GET", "/ver?list-type=2"),
    ("DELETE", "/ver"),
    # Emptied buckets go.
    ("DELETE", "vh:/v/obj"),
    ("DELETE", "vh:/"),
    ("HEAD", "/vhb"),
    ("GET", "/"),
]


class Ids:
    """Random ids seen in answers, named `U1`, `V1`... in order of first appearance."""

    def __init__(self) -> None:
        self.names: dict[str, str] = {}
        self.counts = {"U": 0, "V": 0}

    def see(self, kind: str, value: str) -> None:
        if len(value) >= 32 and value != NO_VERSION and value not in self.names:
            self.counts[kind] += 1
            self.names[value] = f"{kind}{self.counts[kind]}"

    def fill(self, text: str) -> str:
        for value, name in self.names.items():
            text = text.replace("{" + name + "}", value)
        return text

    def mask(self, text: str) -> str:
        for value, name in sorted(self.names.items(), key=lambda kv: -len(kv[0])):
            text = text.replace(value, name)
        return text

    def learn(self, headers: dict[str, str], body: str) -> None:
        for name in ("x-amz-version-id", "x-amz-copy-source-version-id"):
            if name in headers:
                self.see("V", headers[name])
        for element, value in ID_ELEMENTS.findall(body):
            self.see("U" if "Upload" in element else "V", value)


def show_body(data: bytes) -> str:
    """The body as text, or its length and digest when it is large or not UTF-8."""
    try:
        if len(data) <= 4096:
            return data.decode()
    except UnicodeDecodeError:
        pass
    return f"{len(data)} bytes, sha256 {hashlib.sha256(data).hexdigest()}"


def answer(port: int, case: tuple, ids: Ids) -> dict:
    method, target, headers, body = (*case, {}, b"")[:4] if len(case) == 2 else (*case, b"")[:4]
    host = f"127.0.0.1:{port}"
    if target.startswith("vh:"):
        target, host = target[3:], f"vhb.localhost:{port}"
    target = ids.fill(target)
    sent = {k: ids.fill(v) for k, v in headers.items()}
    body = ids.fill(body.decode("latin-1")).encode("latin-1") if b"{" in body else body
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
    conn.putrequest(method, target, skip_host=True, skip_accept_encoding=True)
    for k, v in {"Host": host, "Authorization": AUTH, "Content-Length": str(len(body)), **sent}.items():
        conn.putheader(k, v)
    conn.endheaders(body)
    r = conn.getresponse()
    data = r.read()
    got = {k.lower(): v for k, v in r.getheaders()}
    conn.close()
    text = show_body(data)
    ids.learn(got, text)
    kept = {h: got[h] for h in HEADERS if h in got}
    out = json.dumps({"status": r.status, "headers": kept, "body": text}, ensure_ascii=False)
    for pattern, mask in MASKS:
        out = pattern.sub(mask, out)
    out = ids.mask(out.replace(f":{port}", ":PORT"))
    shown = target if host.startswith("127.") else f"vh:{target}"
    return {"request": f"{method} {ids.mask(shown)} {ids.mask(json.dumps(headers))}",
            "request_id_header": "x-amz-request-id" in got, **json.loads(out)}


def test_every_answer_matches_the_recording(start_kinesin):
    server = start_kinesin()
    ids = Ids()
    got = [answer(server.port, c, ids) for c in CASES]
    if os.environ.get("S3_WIRE_RECORD"):
        GOLDEN.write_text(json.dumps(got, indent=1, ensure_ascii=False) + "\n")
    want = json.loads(GOLDEN.read_text())
    assert len(got) == len(want)
    for g, w in zip(got, want):
        assert g == w, g["request"]
