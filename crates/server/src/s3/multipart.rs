//! Multipart uploads and copies on the S3 surface: CreateMultipartUpload, UploadPart,
//! UploadPartCopy, CompleteMultipartUpload, AbortMultipartUpload, ListParts,
//! ListMultipartUploads and CopyObject, with S3's XML answers.

use super::versioning::version_header;
use super::{header, iso8601, response, xml, xml_escape, S3, XMLNS};
use crate::http::Resp;
use bytes::Bytes;
use hyper::header::{CONTENT_TYPE, HOST};
use hyper::HeaderMap;
use kinesin_protocol::s3::body;
use kinesin_protocol::s3::copy::{self, CopySource, Directive};
use kinesin_protocol::s3::listing;
use kinesin_protocol::s3::query::{self, Query};
use kinesin_state::s3::api::ops;
use kinesin_state::s3::multipart::{Complete, Copy, ListParts, ListUploads, PartSource, UploadPart};
use kinesin_state::s3::S3Error;
use kinesin_state::Ctx;
use std::fmt::Write as _;

/// `x-amz-copy-source`, when the request has one.
pub(super) fn copy_source(headers: &HeaderMap) -> Option<Result<CopySource, S3Error>> {
    let raw = headers.get("x-amz-copy-source")?;
    Some(copy::source(raw.to_str().unwrap_or("")).map_err(S3Error::from))
}

/// `x-amz-copy-source-range`, when the request has one.
fn copy_range(headers: &HeaderMap) -> Result<Option<(u64, u64)>, S3Error> {
    let Some(v) = headers.get("x-amz-copy-source-range") else { return Ok(None) };
    Ok(Some(copy::range(v.to_str().unwrap_or(""))?))
}

fn etag_header(r: &mut Resp, etag: &str) {
    header(r, "etag", &format!("\"{etag}\""));
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
        let id = self.call::<ops::CreateMultipartUpload>(ctx, (bucket.clone(), key.clone(), content_type)).await?;
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
        let number = query::upload_part_number(number)?;
        let (source, is_copy) = match copy_source(headers) {
            Some(src) => {
                let CopySource { bucket: b, key: k, version } = src?;
                (PartSource::Copy { bucket: b, key: k, version, range: copy_range(headers)? }, true)
            }
            None => (PartSource::Body(data), false),
        };
        let p = UploadPart { bucket, key, upload_id, number, source };
        if !is_copy {
            let part = self.call::<ops::UploadPart>(ctx, p).await?;
            let mut r = response(200, Bytes::new());
            etag_header(&mut r, &part.etag);
            return Ok(r);
        }
        let part = self.call::<ops::UploadPartCopy>(ctx, p).await?;
        let mut r = xml(
            200,
            format!(
                "<CopyPartResult xmlns=\"{XMLNS}\"><LastModified>{}</LastModified><ETag>&quot;{}&quot;</ETag></CopyPartResult>",
                iso8601(part.modified_ms),
                part.etag
            ),
        );
        version_header(&mut r, "x-amz-copy-source-version-id", &part.source_version);
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
        let parts = body::complete(body)?;
        let c = Complete { bucket: bucket.clone(), key: key.clone(), upload_id, parts };
        let stored = self.call::<ops::CompleteMultipartUpload>(ctx, c).await?;
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
        self.call::<ops::AbortMultipartUpload>(ctx, (bucket, key, upload_id)).await?;
        Ok(response(204, Bytes::new()))
    }

    /// GET `?uploadId`: ListParts.
    pub(super) async fn list_parts(
        &self,
        ctx: &Ctx,
        (bucket, key): (String, String),
        upload_id: String,
        q: &Query,
    ) -> Result<Resp, S3Error> {
        let max = listing::page_size(q.get("max-parts"));
        let after = listing::part_marker(q.get("part-number-marker"));
        let q = ListParts { bucket: bucket.clone(), key: key.clone(), upload_id: upload_id.clone(), after, max };
        let (parts, truncated) = self.call::<ops::ListParts>(ctx, q).await?;
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
    pub(super) async fn list_uploads(&self, ctx: &Ctx, bucket: String, q: &Query) -> Result<Resp, S3Error> {
        let text = |name: &str| q.get(name).unwrap_or_default().to_string();
        let (prefix, key_marker, id_marker) = (text("prefix"), text("key-marker"), text("upload-id-marker"));
        let max = listing::page_size(q.get("max-uploads"));
        let q = ListUploads {
            bucket: bucket.clone(),
            prefix: prefix.clone(),
            after: (key_marker.clone(), id_marker.clone()),
            max,
        };
        let (uploads, truncated) = self.call::<ops::ListMultipartUploads>(ctx, q).await?;
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
        CopySource { bucket: src_bucket, key: src_key, version: src_version }: CopySource,
        headers: &HeaderMap,
    ) -> Result<Resp, S3Error> {
        let directive = headers.get("x-amz-metadata-directive").and_then(|v| v.to_str().ok());
        let replace_content_type = match copy::directive(directive)? {
            Directive::Copy => None,
            Directive::Replace => Some(headers.get(CONTENT_TYPE).and_then(|v| v.to_str().ok()).map(str::to_owned)),
        };
        let c = Copy { src_bucket, src_key, src_version, bucket, key, replace_content_type };
        let copied = self.call::<ops::CopyObject>(ctx, c).await?;
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
