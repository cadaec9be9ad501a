//! Multipart uploads and copies answered as S3 answers them (typed outputs of the model):
//! CreateMultipartUpload, UploadPart, UploadPartCopy, CompleteMultipartUpload, ListParts,
//! ListMultipartUploads and CopyObject, over the store functions of `multipart.rs`.

use super::multipart::{self, Complete, Copy, ListParts, ListUploads, PartSource, UploadPart};
use super::{quoted, secs, S3Error};
use crate::db::Engine;
use crate::Ctx;
use kinesin_protocol::s3::copy::{self, CopySource, Directive};
use kinesin_protocol::s3::requests::{
    AbortMultipartUploadRequest, CompleteMultipartUploadRequest, CopyObjectRequest, CreateMultipartUploadRequest,
    ListMultipartUploadsRequest, ListPartsRequest, UploadPartCopyRequest, UploadPartRequest,
};
use kinesin_protocol::s3::types::{
    CompleteMultipartUploadOutput, CopyObjectOutput, CopyResult, CreateMultipartUploadOutput,
    ListMultipartUploadsOutput, ListPartsOutput, MultipartUpload, Owner, Part, PutObjectOutput, UploadPartCopyOutput,
};

/// CreateMultipartUpload.
pub fn create(
    eng: &mut Engine,
    ctx: &Ctx,
    r: CreateMultipartUploadRequest,
) -> Result<CreateMultipartUploadOutput, S3Error> {
    let upload_id = multipart::create_upload(eng, ctx, (r.bucket.clone(), r.key.clone(), r.content_type))?;
    Ok(CreateMultipartUploadOutput { bucket: r.bucket, key: r.key, upload_id })
}

/// UploadPart.
pub fn part(eng: &mut Engine, ctx: &Ctx, r: UploadPartRequest) -> Result<PutObjectOutput, S3Error> {
    let p = UploadPart {
        bucket: r.bucket,
        key: r.key,
        upload_id: r.upload_id,
        number: r.part_number,
        source: PartSource::Body(r.body),
    };
    let stored = multipart::upload_part(eng, ctx, p)?;
    Ok(PutObjectOutput { e_tag: quoted(&stored.etag), version_id: None })
}

/// UploadPartCopy: the source (`x-amz-copy-source`) and its range checked first.
pub fn part_copy(eng: &mut Engine, ctx: &Ctx, r: UploadPartCopyRequest) -> Result<UploadPartCopyOutput, S3Error> {
    let CopySource { bucket, key, version } = copy::source(&r.copy_source)?;
    let range = r.copy_source_range.as_deref().map(copy::range).transpose()?;
    let source = PartSource::Copy { bucket, key, version, range };
    let p = UploadPart { bucket: r.bucket, key: r.key, upload_id: r.upload_id, number: r.part_number, source };
    let stored = multipart::upload_part(eng, ctx, p)?;
    Ok(UploadPartCopyOutput {
        copy_part_result: CopyResult { last_modified: secs(stored.modified_ms), e_tag: quoted(&stored.etag) },
        copy_source_version_id: stored.source_version,
    })
}

/// CompleteMultipartUpload; `Location` is the object's path (the server makes it a URL with
/// the host the request was sent to).
pub fn complete(
    eng: &mut Engine,
    ctx: &Ctx,
    r: CompleteMultipartUploadRequest,
) -> Result<CompleteMultipartUploadOutput, S3Error> {
    let parts = r.multipart_upload.parts.into_iter().map(|p| (p.part_number, p.e_tag)).collect();
    let (bucket, key) = (r.bucket, r.key);
    let c = Complete { bucket: bucket.clone(), key: key.clone(), upload_id: r.upload_id, parts };
    let stored = multipart::complete(eng, ctx, c)?;
    Ok(CompleteMultipartUploadOutput {
        location: format!("/{bucket}/{key}"),
        bucket,
        key,
        e_tag: quoted(&stored.etag),
        version_id: stored.version_id,
    })
}

/// AbortMultipartUpload.
pub fn abort(eng: &mut Engine, ctx: &Ctx, r: AbortMultipartUploadRequest) -> Result<(), S3Error> {
    multipart::abort(eng, ctx, (r.bucket, r.key, r.upload_id))
}

/// ListParts.
pub fn parts(eng: &mut Engine, ctx: &Ctx, r: ListPartsRequest) -> Result<ListPartsOutput, S3Error> {
    let max = r.max_parts.max(0) as usize;
    let q = ListParts { bucket: r.bucket, key: r.key, upload_id: r.upload_id, after: r.part_number_marker, max };
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
pub fn uploads(
    eng: &mut Engine,
    ctx: &Ctx,
    r: ListMultipartUploadsRequest,
) -> Result<ListMultipartUploadsOutput, S3Error> {
    let after = (r.key_marker.unwrap_or_default(), r.upload_id_marker.unwrap_or_default());
    let max = r.max_uploads.max(0) as usize;
    let q = ListUploads { bucket: r.bucket, prefix: r.prefix.unwrap_or_default(), after, max };
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

/// CopyObject: the source (`x-amz-copy-source`) and the metadata directive checked first.
pub fn copy(eng: &mut Engine, ctx: &Ctx, r: CopyObjectRequest) -> Result<CopyObjectOutput, S3Error> {
    let CopySource { bucket: src_bucket, key: src_key, version: src_version } = copy::source(&r.copy_source)?;
    let replace_content_type = match copy::directive(r.metadata_directive.as_deref())? {
        Directive::Copy => None,
        Directive::Replace => Some(r.content_type),
    };
    let c = Copy { src_bucket, src_key, src_version, bucket: r.bucket, key: r.key, replace_content_type };
    let copied = multipart::copy(eng, ctx, c)?;
    Ok(CopyObjectOutput {
        copy_object_result: CopyResult { last_modified: secs(copied.modified_ms), e_tag: quoted(&copied.stored.etag) },
        copy_source_version_id: copied.source_version,
        version_id: copied.stored.version_id,
    })
}
