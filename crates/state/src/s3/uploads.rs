//! Multipart uploads and copies answered as S3 answers them (typed outputs of the model):
//! CreateMultipartUpload, UploadPart, UploadPartCopy, CompleteMultipartUpload, ListParts,
//! ListMultipartUploads and CopyObject, over the store functions of `multipart.rs`.

use super::multipart::{self, Complete, Copy, ListParts, ListUploads, UploadPart};
use super::{quoted, secs, S3Error};
use crate::db::Engine;
use crate::Ctx;
use kinesin_protocol::s3::types::{
    CompleteMultipartUploadOutput, CopyObjectOutput, CopyResult, CreateMultipartUploadOutput,
    ListMultipartUploadsOutput, ListPartsOutput, MultipartUpload, Owner, Part, PutObjectOutput, UploadPartCopyOutput,
};
use serde::Deserialize;

/// A CompleteMultipartUpload request and the host it was sent to (for `Location`).
#[derive(Debug, Clone, Deserialize)]
pub struct CompleteAt {
    /// The upload and its parts.
    pub complete: Complete,
    /// `Host` of the request.
    pub host: String,
}

/// CreateMultipartUpload: `(bucket, key, content type)`.
pub fn create(
    eng: &mut Engine,
    ctx: &Ctx,
    (bucket, key, content_type): (String, String, Option<String>),
) -> Result<CreateMultipartUploadOutput, S3Error> {
    let upload_id = multipart::create_upload(eng, ctx, (bucket.clone(), key.clone(), content_type))?;
    Ok(CreateMultipartUploadOutput { bucket, key, upload_id })
}

/// UploadPart.
pub fn part(eng: &mut Engine, ctx: &Ctx, p: UploadPart) -> Result<PutObjectOutput, S3Error> {
    let stored = multipart::upload_part(eng, ctx, p)?;
    Ok(PutObjectOutput { e_tag: quoted(&stored.etag), version_id: None })
}

/// UploadPartCopy.
pub fn part_copy(eng: &mut Engine, ctx: &Ctx, p: UploadPart) -> Result<UploadPartCopyOutput, S3Error> {
    let stored = multipart::upload_part(eng, ctx, p)?;
    Ok(UploadPartCopyOutput {
        copy_part_result: CopyResult { last_modified: secs(stored.modified_ms), e_tag: quoted(&stored.etag) },
        copy_source_version_id: stored.source_version,
    })
}

/// CompleteMultipartUpload.
pub fn complete(eng: &mut Engine, ctx: &Ctx, c: CompleteAt) -> Result<CompleteMultipartUploadOutput, S3Error> {
    let (bucket, key) = (c.complete.bucket.clone(), c.complete.key.clone());
    let stored = multipart::complete(eng, ctx, c.complete)?;
    Ok(CompleteMultipartUploadOutput {
        location: format!("http://{}/{bucket}/{key}", c.host),
        bucket,
        key,
        e_tag: quoted(&stored.etag),
        version_id: stored.version_id,
    })
}

/// ListParts.
pub fn parts(eng: &mut Engine, ctx: &Ctx, q: ListParts) -> Result<ListPartsOutput, S3Error> {
    let (parts, truncated) = multipart::list_parts(eng, ctx, q.clone())?;
    Ok(ListPartsOutput {
        bucket: q.bucket,
        key: q.key,
        upload_id: q.upload_id,
        initiator: Owner::of(&ctx.account),
        owner: Owner::of(&ctx.account),
        storage_class: "STANDARD",
        part_number_marker: q.after,
        next_part_number_marker: parts.last().map(|p| p.number),
        max_parts: q.max as i64,
        is_truncated: truncated,
        parts: parts
            .into_iter()
            .map(|p| Part {
                part_number: p.number,
                last_modified: secs(p.modified_ms),
                e_tag: quoted(&p.etag),
                size: p.size,
            })
            .collect(),
    })
}

/// ListMultipartUploads.
pub fn uploads(eng: &mut Engine, ctx: &Ctx, q: ListUploads) -> Result<ListMultipartUploadsOutput, S3Error> {
    let (uploads, truncated) = multipart::list_uploads(eng, ctx, q.clone())?;
    let last = uploads.last();
    Ok(ListMultipartUploadsOutput {
        bucket: q.bucket,
        key_marker: q.after.0,
        upload_id_marker: q.after.1,
        next_key_marker: last.map(|u| u.key.clone()),
        next_upload_id_marker: last.map(|u| u.id.clone()),
        prefix: q.prefix,
        max_uploads: q.max as i64,
        is_truncated: truncated,
        uploads: uploads
            .into_iter()
            .map(|u| MultipartUpload {
                key: u.key,
                upload_id: u.id,
                initiator: Owner::of(&ctx.account),
                owner: Owner::of(&ctx.account),
                storage_class: "STANDARD",
                initiated: secs(u.initiated_ms),
            })
            .collect(),
    })
}

/// CopyObject.
pub fn copy(eng: &mut Engine, ctx: &Ctx, c: Copy) -> Result<CopyObjectOutput, S3Error> {
    let copied = multipart::copy(eng, ctx, c)?;
    Ok(CopyObjectOutput {
        copy_object_result: CopyResult { last_modified: secs(copied.modified_ms), e_tag: quoted(&copied.stored.etag) },
        copy_source_version_id: copied.source_version,
        version_id: copied.stored.version_id,
    })
}
