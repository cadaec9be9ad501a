//! CreateBucket, HeadBucket, PutObject, DeleteObject and DeleteObjects answered with the
//! model's typed outputs, over the store functions of `s3.rs`.

use super::versions::NULL;
use super::{
    create_bucket, delete_object, delete_objects, head_bucket, put_object, quoted, Deleted, KeyVersion, S3Error,
};
use crate::db::Engine;
use crate::Ctx;
use kinesin_protocol::s3::types::{
    CreateBucketOutput, DeleteError, DeleteObjectOutput, DeleteObjectsOutput, DeletedObject, HeadBucketOutput,
    PutObjectOutput,
};
use serde::Deserialize;

/// The input of PutObject.
#[derive(Debug, Clone, Deserialize)]
pub struct PutObject {
    /// Bucket.
    pub bucket: String,
    /// Key.
    pub key: String,
    /// Body.
    pub data: Vec<u8>,
    /// `Content-Type`.
    pub content_type: Option<String>,
}

/// The input of DeleteObjects.
#[derive(Debug, Clone, Deserialize)]
pub struct DeleteMany {
    /// Bucket.
    pub bucket: String,
    /// `(key, version id)`s, in the request's order.
    pub objects: Vec<KeyVersion>,
    /// Quiet mode: only errors are answered.
    pub quiet: bool,
}

/// CreateBucket.
pub fn create(eng: &mut Engine, ctx: &Ctx, name: String) -> Result<CreateBucketOutput, S3Error> {
    create_bucket(eng, ctx, name.clone())?;
    Ok(CreateBucketOutput { location: format!("/{name}") })
}

/// HeadBucket.
pub fn head(eng: &mut Engine, ctx: &Ctx, name: String) -> Result<HeadBucketOutput, S3Error> {
    Ok(HeadBucketOutput { bucket_region: head_bucket(eng, ctx, name)?.region })
}

/// PutObject: stores an object (a new version in a versioned bucket, else replacing it).
pub fn put(eng: &mut Engine, _ctx: &Ctx, p: PutObject) -> Result<PutObjectOutput, S3Error> {
    let stored = put_object(eng, &p.bucket, &p.key, &p.data, p.content_type.as_deref())?;
    Ok(PutObjectOutput { e_tag: quoted(&stored.etag), version_id: stored.version_id })
}

/// DeleteObject of `(bucket, key, version id)`.
pub fn delete(
    eng: &mut Engine,
    ctx: &Ctx,
    object: (String, String, Option<String>),
) -> Result<DeleteObjectOutput, S3Error> {
    let d = delete_object(eng, ctx, object)?;
    Ok(DeleteObjectOutput { version_id: d.version_id, delete_marker: d.delete_marker.then_some(true) })
}

/// DeleteObjects: what each deletion did (errors only in quiet mode).
pub fn delete_many(eng: &mut Engine, ctx: &Ctx, r: DeleteMany) -> Result<DeleteObjectsOutput, S3Error> {
    let results = delete_objects(eng, ctx, (r.bucket, r.objects.clone()))?;
    let mut out = DeleteObjectsOutput { deleted: Vec::new(), errors: Vec::new() };
    for ((key, asked), result) in r.objects.into_iter().zip(results) {
        match result {
            Ok(d) if !r.quiet => out.deleted.push(deleted(key, asked.is_some(), d)),
            Ok(_) => {}
            Err(e) => out.errors.push(DeleteError { key, version_id: asked, code: e.code.into(), message: e.message }),
        }
    }
    Ok(out)
}

/// A `Deleted` entry: the version removed (when one was named) and the delete marker.
fn deleted(key: String, named: bool, d: Deleted) -> DeletedObject {
    let marker_version = d.delete_marker.then(|| d.version_id.clone().unwrap_or_else(|| NULL.to_string()));
    DeletedObject {
        key,
        version_id: d.version_id.filter(|_| named),
        delete_marker: d.delete_marker.then_some(true),
        delete_marker_version_id: marker_version,
    }
}
