//! Buckets and objects as S3's operations take and answer them (the model's typed requests
//! and outputs): CreateBucket, HeadBucket, DeleteBucket, GetBucketLocation, PutObject,
//! DeleteObject and DeleteObjects, over the store functions of `s3.rs`.

use super::versions::NULL;
use super::{
    create_bucket, delete_bucket, delete_object, delete_objects, head_bucket, put_object, quoted, Deleted, S3Error,
};
use crate::db::Engine;
use crate::Ctx;
use kinesin_protocol::s3::requests::{BucketRequest, DeleteObjectRequest, DeleteObjectsRequest, PutObjectRequest};
use kinesin_protocol::s3::types::{
    CreateBucketOutput, DeleteError, DeleteObjectOutput, DeleteObjectsOutput, DeletedObject, GetBucketLocationOutput,
    HeadBucketOutput, PutObjectOutput,
};

/// CreateBucket.
pub fn create(eng: &mut Engine, ctx: &Ctx, r: BucketRequest) -> Result<CreateBucketOutput, S3Error> {
    create_bucket(eng, ctx, r.bucket.clone())?;
    Ok(CreateBucketOutput { location: format!("/{}", r.bucket) })
}

/// HeadBucket.
pub fn head(eng: &mut Engine, ctx: &Ctx, r: BucketRequest) -> Result<HeadBucketOutput, S3Error> {
    Ok(HeadBucketOutput { bucket_region: head_bucket(eng, ctx, r.bucket)?.region })
}

/// DeleteBucket.
pub fn delete_empty(eng: &mut Engine, ctx: &Ctx, r: BucketRequest) -> Result<(), S3Error> {
    delete_bucket(eng, ctx, r.bucket)
}

/// GetBucketLocation: the region, none for us-east-1.
pub fn location(eng: &mut Engine, ctx: &Ctx, r: BucketRequest) -> Result<GetBucketLocationOutput, S3Error> {
    let region = head_bucket(eng, ctx, r.bucket)?.region;
    Ok(GetBucketLocationOutput { location_constraint: Some(region).filter(|r| r != "us-east-1") })
}

/// PutObject: stores an object (a new version in a versioned bucket, else replacing it).
pub fn put(eng: &mut Engine, _ctx: &Ctx, r: PutObjectRequest) -> Result<PutObjectOutput, S3Error> {
    let stored = put_object(eng, &r.bucket, &r.key, &r.body, r.content_type.as_deref())?;
    Ok(PutObjectOutput { e_tag: quoted(&stored.etag), version_id: stored.version_id })
}

/// DeleteObject (of the current version, or of the version named).
pub fn delete(eng: &mut Engine, ctx: &Ctx, r: DeleteObjectRequest) -> Result<DeleteObjectOutput, S3Error> {
    let d = delete_object(eng, ctx, (r.bucket, r.key, r.version_id))?;
    Ok(DeleteObjectOutput { version_id: d.version_id, delete_marker: d.delete_marker.then_some(true) })
}

/// DeleteObjects: what each deletion did (errors only in quiet mode).
pub fn delete_many(eng: &mut Engine, ctx: &Ctx, r: DeleteObjectsRequest) -> Result<DeleteObjectsOutput, S3Error> {
    let objects: Vec<_> = r.delete.objects.into_iter().map(|o| (o.key, o.version_id)).collect();
    let results = delete_objects(eng, ctx, (r.bucket, objects.clone()))?;
    let mut out = DeleteObjectsOutput { deleted: Vec::new(), errors: Vec::new() };
    for ((key, asked), result) in objects.into_iter().zip(results) {
        match result {
            Ok(d) if !r.delete.quiet => out.deleted.push(deleted(key, asked.is_some(), d)),
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
