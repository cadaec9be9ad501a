//! Amazon S3 as a [`Service`] (restXml): its table of operations, each named as the botocore
//! model names it. The server routes a request to its `Op` by method, path and query (as the
//! model's HTTP bindings say) and builds the typed input; S3's checks are its own (bucket
//! names, ranges, part numbers, documents), so the model does not validate requests.

use super::config::{Acl, Cors, Encryption, Lifecycle, Notification, OwnershipControls, Policy};
use super::config::{PublicAccessBlock, Setting, Tagging, VersioningDoc};
use super::multipart::{Complete, Copied, Copy, ListUploads, Part, PartStored, Upload};
use super::read::{Read, ReadObject};
use super::versions::{VersionListing, VersionQuery};
use super::{Bucket, Deleted, KeyVersion, ListQuery, Listing, S3Error, Stored};
use crate::service::Service;
use crate::Ctx;
use kinesin_protocol::model::{self, Model};
use kinesin_protocol::ApiError;
use serde_json::Value;

/// Amazon S3.
#[derive(Debug, Clone, Copy)]
pub struct S3Api;

/// What an S3 operation wakes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum S3Effect {
    /// A bucket appeared: deliveries waiting for it are retried.
    BucketCreated,
}

impl Service for S3Api {
    type Caller = Ctx;
    type Error = S3Error;
    type Effect = S3Effect;

    fn model() -> &'static Model {
        model::s3()
    }

    /// Requests are checked by the route and the operations, in S3's words.
    fn validate(_operation: &str, _doc: &mut Value) -> Result<(), ApiError> {
        Ok(())
    }
}

impl From<S3Error> for ApiError {
    fn from(e: S3Error) -> Self {
        ApiError::new(e.code, e.message).with_status(e.status)
    }
}

/// `(bucket, key, version id)`.
type ObjectVersion = (String, String, Option<String>);
/// The outcome of each object of a DeleteObjects.
type DeleteResults = Vec<Result<Deleted, S3Error>>;

crate::operations! {
    service S3Api;
    ListBuckets(()) -> Vec<Bucket> = crate::s3::list_buckets;
    CreateBucket(String) -> () = crate::s3::create_bucket, wakes [S3Effect::BucketCreated];
    HeadBucket(String) -> Bucket = crate::s3::head_bucket;
    DeleteBucket(String) -> () = crate::s3::delete_bucket;
    GetBucketLocation(String) -> Bucket = crate::s3::head_bucket;
    ListObjects(ListQuery) -> Listing = crate::s3::list_objects;
    ListObjectsV2(ListQuery) -> Listing = crate::s3::list_objects;
    ListObjectVersions(VersionQuery) -> VersionListing = crate::s3::versions::list;
    ListMultipartUploads(ListUploads) -> (Vec<Upload>, bool) = crate::s3::multipart::list_uploads;
    DeleteObjects((String, Vec<KeyVersion>)) -> DeleteResults = crate::s3::delete_objects;
    PutObject(crate::s3::PutObject) -> Stored = crate::s3::put;
    GetObject(ReadObject) -> Read = crate::s3::read::get;
    HeadObject(ReadObject) -> Read = crate::s3::read::head;
    DeleteObject(ObjectVersion) -> Deleted = crate::s3::delete_object;
    CopyObject(Copy) -> Copied = crate::s3::multipart::copy;
    CreateMultipartUpload((String, String, Option<String>)) -> String = crate::s3::multipart::create_upload;
    UploadPart(crate::s3::multipart::UploadPart) -> PartStored = crate::s3::multipart::upload_part;
    UploadPartCopy(crate::s3::multipart::UploadPart) -> PartStored = crate::s3::multipart::upload_part;
    CompleteMultipartUpload(Complete) -> Stored = crate::s3::multipart::complete;
    AbortMultipartUpload((String, String, String)) -> () = crate::s3::multipart::abort;
    ListParts(crate::s3::multipart::ListParts) -> (Vec<Part>, bool) = crate::s3::multipart::list_parts;
    GetBucketTagging(String) -> Setting = crate::s3::config::get::<Tagging>;
    PutBucketTagging((String, Vec<u8>)) -> () = crate::s3::config::put::<Tagging>;
    DeleteBucketTagging(String) -> () = crate::s3::config::delete::<Tagging>;
    GetBucketVersioning(String) -> Setting = crate::s3::config::get::<VersioningDoc>;
    PutBucketVersioning((String, Vec<u8>)) -> () = crate::s3::versions::configure;
    GetBucketEncryption(String) -> Setting = crate::s3::config::get::<Encryption>;
    PutBucketEncryption((String, Vec<u8>)) -> () = crate::s3::config::put::<Encryption>;
    DeleteBucketEncryption(String) -> () = crate::s3::config::delete::<Encryption>;
    GetPublicAccessBlock(String) -> Setting = crate::s3::config::get::<PublicAccessBlock>;
    PutPublicAccessBlock((String, Vec<u8>)) -> () = crate::s3::config::put::<PublicAccessBlock>;
    DeletePublicAccessBlock(String) -> () = crate::s3::config::delete::<PublicAccessBlock>;
    GetBucketOwnershipControls(String) -> Setting = crate::s3::config::get::<OwnershipControls>;
    PutBucketOwnershipControls((String, Vec<u8>)) -> () = crate::s3::config::put::<OwnershipControls>;
    DeleteBucketOwnershipControls(String) -> () = crate::s3::config::delete::<OwnershipControls>;
    GetBucketAcl(String) -> Setting = crate::s3::config::get::<Acl>;
    PutBucketAcl((String, Vec<u8>)) -> () = crate::s3::config::put::<Acl>;
    GetBucketPolicy(String) -> Setting = crate::s3::config::get::<Policy>;
    PutBucketPolicy((String, Vec<u8>)) -> () = crate::s3::config::put::<Policy>;
    DeleteBucketPolicy(String) -> () = crate::s3::config::delete::<Policy>;
    GetBucketLifecycleConfiguration(String) -> Setting = crate::s3::config::get::<Lifecycle>;
    PutBucketLifecycleConfiguration((String, Vec<u8>)) -> () = crate::s3::config::put::<Lifecycle>;
    DeleteBucketLifecycle(String) -> () = crate::s3::config::delete::<Lifecycle>;
    GetBucketCors(String) -> Setting = crate::s3::config::get::<Cors>;
    PutBucketCors((String, Vec<u8>)) -> () = crate::s3::config::put::<Cors>;
    DeleteBucketCors(String) -> () = crate::s3::config::delete::<Cors>;
    GetBucketNotificationConfiguration(String) -> Setting = crate::s3::config::get::<Notification>;
    PutBucketNotificationConfiguration((String, Vec<u8>)) -> () = crate::s3::config::put::<Notification>;
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_operation_is_named_as_the_model_names_it() {
        for op in Op::ALL {
            assert!(S3Api::model().has_operation(op.name()), "{}", op.name());
        }
        assert_eq!(Op::ALL.len(), S3Api::model().operations().count());
    }
}
