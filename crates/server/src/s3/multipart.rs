//! Multipart uploads and copies on the S3 surface: CreateMultipartUpload, UploadPart,
//! UploadPartCopy, CompleteMultipartUpload, AbortMultipartUpload, ListParts,
//! ListMultipartUploads and CopyObject, with S3's XML answers.

use super::versioning::version_header;
use super::{header, iso8601, malformed, percent_decode, response, xml, xml_escape, xml_unescape, S3, XMLNS};
use crate::http::Resp;
use bytes::Bytes;
use hyper::header::{CONTENT_TYPE, HOST};
use hyper::HeaderMap;
use kinesin_state::s3::multipart::{self, Complete, Copy, ListParts, ListUploads, PartSource, UploadPart};
use kinesin_state::s3::S3Error;
use kinesin_state::Ctx;
use std::fmt::Write as _;

/// `InvalidArgument` naming the argument (`ArgumentName`) or its value (`ArgumentValue`).
fn invalid_argument(message: &str, (element, value): (&'static str, &str)) -> S3Error {
    S3Error { code: "InvalidArgument", message: message.into(), status: 400, resource: Some((element, value.into())) }
}

/// A copy source: bucket, key and version id.
pub(super) type Source = (String, String, Option<String>);

/// `x-amz-copy-source`: `[/]bucket/key[?versionId=..]`, URL-encoded.
pub(super) fn copy_source(headers: &HeaderMap) -> Option<Result<Source, S3Error>> {
    let raw = headers.get("x-amz-copy-source")?.to_str().unwrap_or("");
    let (raw, version) = match raw.split_once("?versionId=") {
        Some((s, v)) => (s, Some(percent_decode(v, false))),
        None => (raw, None),
    };
    let decoded = percent_decode(raw.strip_prefix('/').unwrap_or(raw), false);
    Some(match decoded.split_once('/') {
        Some((b, k)) if !b.is_empty() && !k.is_empty() => Ok((b.to_string(), k.to_string(), version)),
        // S3's message for a copy source without a key.
        _ => Err(invalid_argument(
            "Copy Source must mention the source bucket and key: sourcebucket/sourcekey",
            ("ArgumentName", "x-amz-copy-source"),
        )),
    })
}

/// `x-amz-copy-source-range: bytes=first-last`.
fn copy_range(headers: &HeaderMap) -> Result<Option<(u64, u64)>, S3Error> {
    let Some(v) = headers.get("x-amz-copy-source-range") else { return Ok(None) };
    let text = v.to_str().unwrap_or("");
    let bad = || {
        invalid_argument(
            "The x-amz-copy-source-range value must be of the form bytes=first-last where first and last are the zero-based offsets of the first and last bytes to copy",
            ("ArgumentValue", text))
    };
    let spec = text.strip_prefix("bytes=").ok_or_else(bad)?;
    let (a, b) = spec.split_once('-').ok_or_else(bad)?;
    Ok(Some((a.parse().map_err(|_| bad())?, b.parse().map_err(|_| bad())?)))
}

fn etag_header(r: &mut Resp, etag: &str) {
    header(r, "etag", &format!("\"{etag}\""));
}

/// The parts listed in a CompleteMultipartUpload body.
fn parse_complete(body: &[u8]) -> Result<Vec<(i64, String)>, S3Error> {
    let text = std::str::from_utf8(body).map_err(|_| malformed())?;
    if !text.contains("<CompleteMultipartUpload") {
        return Err(malformed());
    }
    let field = |block: &str, name: &str| -> Option<String> {
        let open = format!("<{name}>");
        let start = block.find(&open)? + open.len();
        let end = block[start..].find(&format!("</{name}>"))? + start;
        Some(xml_unescape(block[start..end].trim()))
    };
    let mut parts = Vec::new();
    let mut rest = text;
    while let Some(i) = rest.find("<Part>") {
        let after = &rest[i + 6..];
        let end = after.find("</Part>").ok_or_else(malformed)?;
        let block = &after[..end];
        let number = field(block, "PartNumber").and_then(|n| n.parse::<i64>().ok()).ok_or_else(malformed)?;
        let etag = field(block, "ETag").ok_or_else(malformed)?;
        parts.push((number, etag));
        rest = &after[end + 7..];
    }
    Ok(parts)
}

fn owner(ctx: &Ctx) -> String {
    format!("<ID>{0}</ID><DisplayName>{0}</DisplayName>", ctx.account)
}

impl S3 {
    /// POST `?uploads`: CreateMultipartUpload.
    pub(super) async fn create_upload(
        &self,
        ctx: &Ctx,
        bucket: String,
        key: String,
        headers: &HeaderMap,
    ) -> Result<Resp, S3Error> {
        let content_type = headers.get(CONTENT_TYPE).and_then(|v| v.to_str().ok()).map(str::to_owned);
        let id = self.run(ctx, (bucket.clone(), key.clone(), content_type), multipart::create_upload).await?;
        Ok(xml(
            200,
            format!(
                "<InitiateMultipartUploadResult xmlns=\"{XMLNS}\"><Bucket>{}</Bucket><Key>{}</Key><UploadId>{}</UploadId></InitiateMultipartUploadResult>",
                xml_escape(&bucket),
                xml_escape(&key),
                xml_escape(&id)
            ),
        ))
    }

    /// PUT `?partNumber&uploadId`: UploadPart, or UploadPartCopy with `x-amz-copy-source`.
    pub(super) async fn upload_part(
        &self,
        ctx: &Ctx,
        (bucket, key): (String, String),
        (number, upload_id): (&str, String),
        headers: &HeaderMap,
        data: Vec<u8>,
    ) -> Result<Resp, S3Error> {
        let number: i64 = number.parse().map_err(|_| {
            invalid_argument(
                "Part number must be an integer between 1 and 10000, inclusive",
                ("ArgumentName", "partNumber"),
            )
        })?;
        let (source, is_copy) = match copy_source(headers) {
            Some(src) => {
                let (b, k, version) = src?;
                (PartSource::Copy { bucket: b, key: k, version, range: copy_range(headers)? }, true)
            }
            None => (PartSource::Body(data), false),
        };
        let p = UploadPart { bucket, key, upload_id, number, source };
        let part = self.run(ctx, p, multipart::upload_part).await?;
        if is_copy {
            let mut r = xml(
                200,
                format!(
                    "<CopyPartResult xmlns=\"{XMLNS}\"><LastModified>{}</LastModified><ETag>&quot;{}&quot;</ETag></CopyPartResult>",
                    iso8601(part.modified_ms),
                    part.etag
                ),
            );
            version_header(&mut r, "x-amz-copy-source-version-id", &part.source_version);
            return Ok(r);
        }
        let mut r = response(200, Bytes::new());
        etag_header(&mut r, &part.etag);
        Ok(r)
    }

    /// POST `?uploadId`: CompleteMultipartUpload.
    pub(super) async fn complete_upload(
        &self,
        ctx: &Ctx,
        (bucket, key): (String, String),
        upload_id: String,
        headers: &HeaderMap,
        body: &[u8],
    ) -> Result<Resp, S3Error> {
        let parts = parse_complete(body)?;
        let c = Complete { bucket: bucket.clone(), key: key.clone(), upload_id, parts };
        let stored = self.run(ctx, c, multipart::complete).await?;
        let host = headers.get(HOST).and_then(|h| h.to_str().ok()).unwrap_or("localhost");
        let location = format!("http://{host}/{bucket}/{key}");
        let mut r = xml(
            200,
            format!(
                "<CompleteMultipartUploadResult xmlns=\"{XMLNS}\"><Location>{}</Location><Bucket>{}</Bucket><Key>{}</Key><ETag>&quot;{}&quot;</ETag></CompleteMultipartUploadResult>",
                xml_escape(&location),
                xml_escape(&bucket),
                xml_escape(&key),
                stored.etag
            ),
        );
        version_header(&mut r, "x-amz-version-id", &stored.version_id);
        Ok(r)
    }

    /// DELETE `?uploadId`: AbortMultipartUpload.
    pub(super) async fn abort_upload(
        &self,
        ctx: &Ctx,
        (bucket, key): (String, String),
        upload_id: String,
    ) -> Result<Resp, S3Error> {
        self.run(ctx, (bucket, key, upload_id), multipart::abort).await?;
        Ok(response(204, Bytes::new()))
    }

    /// GET `?uploadId`: ListParts.
    pub(super) async fn list_parts(
        &self,
        ctx: &Ctx,
        (bucket, key): (String, String),
        upload_id: String,
        get: &(dyn Fn(&str) -> Option<String> + Sync),
    ) -> Result<Resp, S3Error> {
        let max = get("max-parts").and_then(|m| m.parse::<usize>().ok()).unwrap_or(1000).min(1000);
        let after = get("part-number-marker").and_then(|m| m.parse::<i64>().ok()).unwrap_or(0);
        let q = ListParts { bucket: bucket.clone(), key: key.clone(), upload_id: upload_id.clone(), after, max };
        let (parts, truncated) = self.run(ctx, q, multipart::list_parts).await?;
        let mut body = format!(
            "<ListPartsResult xmlns=\"{XMLNS}\"><Bucket>{}</Bucket><Key>{}</Key><UploadId>{}</UploadId><Initiator>{}</Initiator><Owner>{}</Owner><StorageClass>STANDARD</StorageClass><PartNumberMarker>{after}</PartNumberMarker>",
            xml_escape(&bucket),
            xml_escape(&key),
            xml_escape(&upload_id),
            owner(ctx),
            owner(ctx)
        );
        if let Some(last) = parts.last() {
            let _ = write!(body, "<NextPartNumberMarker>{}</NextPartNumberMarker>", last.number);
        }
        let _ = write!(body, "<MaxParts>{max}</MaxParts><IsTruncated>{truncated}</IsTruncated>");
        for p in &parts {
            let _ = write!(
                body,
                "<Part><PartNumber>{}</PartNumber><LastModified>{}</LastModified><ETag>&quot;{}&quot;</ETag><Size>{}</Size></Part>",
                p.number,
                iso8601(p.modified_ms),
                p.etag,
                p.size
            );
        }
        body.push_str("</ListPartsResult>");
        Ok(xml(200, body))
    }

    /// GET on a bucket with `?uploads`: ListMultipartUploads.
    pub(super) async fn list_uploads(
        &self,
        ctx: &Ctx,
        bucket: String,
        get: &(dyn Fn(&str) -> Option<String> + Sync),
    ) -> Result<Resp, S3Error> {
        let prefix = get("prefix").unwrap_or_default();
        let key_marker = get("key-marker").unwrap_or_default();
        let id_marker = get("upload-id-marker").unwrap_or_default();
        let max = get("max-uploads").and_then(|m| m.parse::<usize>().ok()).unwrap_or(1000).min(1000);
        let q = ListUploads {
            bucket: bucket.clone(),
            prefix: prefix.clone(),
            after: (key_marker.clone(), id_marker.clone()),
            max,
        };
        let (uploads, truncated) = self.run(ctx, q, multipart::list_uploads).await?;
        let mut body = format!(
            "<ListMultipartUploadsResult xmlns=\"{XMLNS}\"><Bucket>{}</Bucket><KeyMarker>{}</KeyMarker><UploadIdMarker>{}</UploadIdMarker>",
            xml_escape(&bucket),
            xml_escape(&key_marker),
            xml_escape(&id_marker)
        );
        if let Some(last) = uploads.last() {
            let _ = write!(
                body,
                "<NextKeyMarker>{}</NextKeyMarker><NextUploadIdMarker>{}</NextUploadIdMarker>",
                xml_escape(&last.key),
                xml_escape(&last.id)
            );
        }
        let _ = write!(
            body,
            "<Prefix>{}</Prefix><MaxUploads>{max}</MaxUploads><IsTruncated>{truncated}</IsTruncated>",
            xml_escape(&prefix)
        );
        for u in &uploads {
            let _ = write!(
                body,
                "<Upload><Key>{}</Key><UploadId>{}</UploadId><Initiator>{}</Initiator><Owner>{}</Owner><StorageClass>STANDARD</StorageClass><Initiated>{}</Initiated></Upload>",
                xml_escape(&u.key),
                xml_escape(&u.id),
                owner(ctx),
                owner(ctx),
                iso8601(u.initiated_ms)
            );
        }
        body.push_str("</ListMultipartUploadsResult>");
        Ok(xml(200, body))
    }

    /// PUT with `x-amz-copy-source`: CopyObject.
    pub(super) async fn copy_object(
        &self,
        ctx: &Ctx,
        (bucket, key): (String, String),
        (src_bucket, src_key, src_version): Source,
        headers: &HeaderMap,
    ) -> Result<Resp, S3Error> {
        let directive = headers.get("x-amz-metadata-directive").and_then(|v| v.to_str().ok()).unwrap_or("COPY");
        let replace_content_type = match directive {
            "COPY" => None,
            "REPLACE" => Some(headers.get(CONTENT_TYPE).and_then(|v| v.to_str().ok()).map(str::to_owned)),
            other => return Err(invalid_argument("Unknown metadata directive.", ("ArgumentValue", other))),
        };
        let c = Copy { src_bucket, src_key, src_version, bucket, key, replace_content_type };
        let copied = self.run(ctx, c, multipart::copy).await?;
        let mut r = xml(
            200,
            format!(
                "<CopyObjectResult xmlns=\"{XMLNS}\"><LastModified>{}</LastModified><ETag>&quot;{}&quot;</ETag></CopyObjectResult>",
                iso8601(copied.modified_ms),
                copied.stored.etag
            ),
        );
        version_header(&mut r, "x-amz-copy-source-version-id", &copied.source_version);
        version_header(&mut r, "x-amz-version-id", &copied.stored.version_id);
        Ok(r)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use hyper::header::HeaderValue;

    #[test]
    fn parses_complete_bodies_and_copy_sources() {
        let body = br#"<?xml version="1.0" encoding="UTF-8"?><CompleteMultipartUpload xmlns="http://s3.amazonaws.com/doc/2006-03-01/"><Part><ETag>&quot;aa&quot;</ETag><PartNumber>1</PartNumber></Part><Part><ChecksumCRC32>x</ChecksumCRC32><ETag>"bb"</ETag><PartNumber>2</PartNumber></Part></CompleteMultipartUpload>"#;
        assert_eq!(parse_complete(body).unwrap(), vec![(1, "\"aa\"".to_string()), (2, "\"bb\"".to_string())]);
        assert!(parse_complete(b"<Other/>").is_err());
        assert!(
            parse_complete(b"<CompleteMultipartUpload><Part><ETag>x</ETag></Part></CompleteMultipartUpload>").is_err()
        );
        let mut h = HeaderMap::new();
        assert!(copy_source(&h).is_none());
        h.insert("x-amz-copy-source", HeaderValue::from_static("/src-bkt/a%20b/c.txt?versionId=null"));
        assert_eq!(
            copy_source(&h).unwrap().unwrap(),
            ("src-bkt".to_string(), "a b/c.txt".to_string(), Some("null".to_string()))
        );
        h.insert("x-amz-copy-source", HeaderValue::from_static("src-bkt/k"));
        assert_eq!(copy_source(&h).unwrap().unwrap().2, None);
        h.insert("x-amz-copy-source", HeaderValue::from_static("onlybucket"));
        assert_eq!(copy_source(&h).unwrap().unwrap_err().code, "InvalidArgument");
        h.insert("x-amz-copy-source-range", HeaderValue::from_static("bytes=0-9"));
        assert_eq!(copy_range(&h).unwrap(), Some((0, 9)));
        h.insert("x-amz-copy-source-range", HeaderValue::from_static("0-9"));
        assert!(copy_range(&h).is_err());
    }
}
