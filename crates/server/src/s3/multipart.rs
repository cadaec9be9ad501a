//! Multipart uploads and copies on the S3 surface: CreateMultipartUpload, UploadPart,
//! UploadPartCopy, CompleteMultipartUpload, AbortMultipartUpload, ListParts,
//! ListMultipartUploads and CopyObject, with S3's XML answers.

use super::{answer, response, S3};
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
use kinesin_state::s3::uploads::CompleteAt;
use kinesin_state::s3::S3Error;
use kinesin_state::Ctx;

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
        let out = self.call::<ops::CreateMultipartUpload>(ctx, (bucket, key, content_type)).await?;
        Ok(answer::<ops::CreateMultipartUpload>(200, &out, "InitiateMultipartUploadResult"))
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
        let Some(src) = copy_source(headers) else {
            let p = UploadPart { bucket, key, upload_id, number, source: PartSource::Body(data) };
            let out = self.call::<ops::UploadPart>(ctx, p).await?;
            return Ok(answer::<ops::UploadPart>(200, &out, ""));
        };
        let CopySource { bucket: b, key: k, version } = src?;
        let source = PartSource::Copy { bucket: b, key: k, version, range: copy_range(headers)? };
        let out = self.call::<ops::UploadPartCopy>(ctx, UploadPart { bucket, key, upload_id, number, source }).await?;
        Ok(answer::<ops::UploadPartCopy>(200, &out, ""))
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
        let host = headers.get(HOST).and_then(|h| h.to_str().ok()).unwrap_or("localhost").to_string();
        let complete = CompleteAt { complete: Complete { bucket, key, upload_id, parts }, host };
        let out = self.call::<ops::CompleteMultipartUpload>(ctx, complete).await?;
        Ok(answer::<ops::CompleteMultipartUpload>(200, &out, "CompleteMultipartUploadResult"))
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
        let out = self.call::<ops::ListParts>(ctx, ListParts { bucket, key, upload_id, after, max }).await?;
        Ok(answer::<ops::ListParts>(200, &out, "ListPartsResult"))
    }

    /// GET on a bucket with `?uploads`: ListMultipartUploads.
    pub(super) async fn list_uploads(&self, ctx: &Ctx, bucket: String, q: &Query) -> Result<Resp, S3Error> {
        let text = |name: &str| q.get(name).unwrap_or_default().to_string();
        let after = (text("key-marker"), text("upload-id-marker"));
        let max = listing::page_size(q.get("max-uploads"));
        let out = self
            .call::<ops::ListMultipartUploads>(ctx, ListUploads { bucket, prefix: text("prefix"), after, max })
            .await?;
        Ok(answer::<ops::ListMultipartUploads>(200, &out, "ListMultipartUploadsResult"))
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
        let out = self.call::<ops::CopyObject>(ctx, c).await?;
        Ok(answer::<ops::CopyObject>(200, &out, ""))
    }
}
