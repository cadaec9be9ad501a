//! Multipart uploads and copies on the S3 surface: CreateMultipartUpload, UploadPart,
//! UploadPartCopy, CompleteMultipartUpload, AbortMultipartUpload, ListParts,
//! ListMultipartUploads and CopyObject, with S3's XML answers.

use super::{answer, response, S3};
use crate::http::Resp;
use bytes::Bytes;
use hyper::header::HOST;
use hyper::HeaderMap;
use kinesin_protocol::s3::body;
use kinesin_protocol::s3::listing;
use kinesin_protocol::s3::query::{self, Query};
use kinesin_protocol::s3::requests::{
    AbortMultipartUploadRequest, CompleteMultipartUploadRequest, CompletedMultipartUpload, CompletedPart,
    CopyObjectRequest, CreateMultipartUploadRequest, ListMultipartUploadsRequest, ListPartsRequest,
    UploadPartCopyRequest, UploadPartRequest,
};
use kinesin_state::s3::api::ops;
use kinesin_state::s3::S3Error;
use kinesin_state::Ctx;

/// A header's text, when the request has it.
fn text(headers: &HeaderMap, name: &str) -> Option<String> {
    headers.get(name).and_then(|v| v.to_str().ok()).map(str::to_owned)
}

impl S3 {
    /// POST `?uploads`: CreateMultipartUpload.
    pub(super) async fn create_upload(
        &self,
        ctx: &Ctx,
        (bucket, key): (String, String),
        headers: &HeaderMap,
    ) -> Result<Resp, S3Error> {
        let r = CreateMultipartUploadRequest { bucket, key, content_type: text(headers, "content-type") };
        let out = self.call::<ops::CreateMultipartUpload>(ctx, r).await?;
        Ok(answer::<ops::CreateMultipartUpload>(200, &out, "InitiateMultipartUploadResult"))
    }

    /// PUT `?partNumber&uploadId`: UploadPart, or UploadPartCopy with `x-amz-copy-source`.
    pub(super) async fn upload_part(
        &self,
        ctx: &Ctx,
        (bucket, key): (String, String),
        (number, upload_id): (&str, String),
        headers: &HeaderMap,
        body: Vec<u8>,
    ) -> Result<Resp, S3Error> {
        let part_number = query::upload_part_number(number)?;
        let Some(copy_source) = text(headers, "x-amz-copy-source") else {
            let r = UploadPartRequest { bucket, key, part_number, upload_id, body };
            let out = self.call::<ops::UploadPart>(ctx, r).await?;
            return Ok(answer::<ops::UploadPart>(200, &out, ""));
        };
        let copy_source_range = text(headers, "x-amz-copy-source-range");
        let r = UploadPartCopyRequest { bucket, key, part_number, upload_id, copy_source, copy_source_range };
        let out = self.call::<ops::UploadPartCopy>(ctx, r).await?;
        Ok(answer::<ops::UploadPartCopy>(200, &out, ""))
    }

    /// POST `?uploadId`: CompleteMultipartUpload (`Location` a URL on the host asked).
    pub(super) async fn complete_upload(
        &self,
        ctx: &Ctx,
        (bucket, key): (String, String),
        upload_id: String,
        headers: &HeaderMap,
        body: &[u8],
    ) -> Result<Resp, S3Error> {
        let parts = body::complete(body)?.into_iter().map(|(part_number, e_tag)| CompletedPart { part_number, e_tag });
        let multipart_upload = CompletedMultipartUpload { parts: parts.collect() };
        let r = CompleteMultipartUploadRequest { bucket, key, upload_id, multipart_upload };
        let mut out = self.call::<ops::CompleteMultipartUpload>(ctx, r).await?;
        let host = headers.get(HOST).and_then(|h| h.to_str().ok()).unwrap_or("localhost");
        out.location = format!("http://{host}{}", out.location);
        Ok(answer::<ops::CompleteMultipartUpload>(200, &out, "CompleteMultipartUploadResult"))
    }

    /// DELETE `?uploadId`: AbortMultipartUpload.
    pub(super) async fn abort_upload(
        &self,
        ctx: &Ctx,
        (bucket, key): (String, String),
        upload_id: String,
    ) -> Result<Resp, S3Error> {
        self.call::<ops::AbortMultipartUpload>(ctx, AbortMultipartUploadRequest { bucket, key, upload_id }).await?;
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
        let max_parts = listing::page_size(q.get("max-parts")) as i64;
        let part_number_marker = listing::part_marker(q.get("part-number-marker"));
        let r = ListPartsRequest { bucket, key, upload_id, max_parts, part_number_marker };
        let out = self.call::<ops::ListParts>(ctx, r).await?;
        Ok(answer::<ops::ListParts>(200, &out, "ListPartsResult"))
    }

    /// GET on a bucket with `?uploads`: ListMultipartUploads.
    pub(super) async fn list_uploads(&self, ctx: &Ctx, bucket: String, q: &Query) -> Result<Resp, S3Error> {
        let text = |name: &str| Some(q.get(name).unwrap_or_default().to_string());
        let r = ListMultipartUploadsRequest {
            bucket,
            key_marker: text("key-marker"),
            max_uploads: listing::page_size(q.get("max-uploads")) as i64,
            prefix: text("prefix"),
            upload_id_marker: text("upload-id-marker"),
        };
        let out = self.call::<ops::ListMultipartUploads>(ctx, r).await?;
        Ok(answer::<ops::ListMultipartUploads>(200, &out, "ListMultipartUploadsResult"))
    }

    /// PUT with `x-amz-copy-source`: CopyObject.
    pub(super) async fn copy_object(
        &self,
        ctx: &Ctx,
        (bucket, key): (String, String),
        headers: &HeaderMap,
    ) -> Result<Resp, S3Error> {
        let r = CopyObjectRequest {
            bucket,
            key,
            copy_source: text(headers, "x-amz-copy-source").unwrap_or_default(),
            metadata_directive: text(headers, "x-amz-metadata-directive"),
            content_type: text(headers, "content-type"),
        };
        let out = self.call::<ops::CopyObject>(ctx, r).await?;
        Ok(answer::<ops::CopyObject>(200, &out, ""))
    }
}
