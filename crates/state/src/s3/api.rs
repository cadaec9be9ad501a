//! Amazon S3 as a [`Service`] (restXml): its table of operations, each named as the botocore
//! model names it. The server routes a request to its `Op` by method, path and query (as the
//! model's HTTP bindings say) and builds the typed input; S3's checks are its own (bucket
//! names, ranges, part numbers, documents), so the model does not validate requests.

use super::config::{Acl, Cors, Encryption, Lifecycle, Notification, OwnershipControls, Policy};
use super::config::{PublicAccessBlock, Setting, Tagging, VersioningDoc};
use super::listings::{ListV1, ListV2, ListVersions};
use super::multipart::{Copy, ListUploads};
use super::objects::DeleteMany;
use super::read::{Read, ReadObject};
use super::uploads::CompleteAt;
use super::{Bucket, S3Error};
use crate::service::Service;
use crate::Ctx;
use kinesin_protocol::model::{self, Model};
use kinesin_protocol::s3::types::{
    CompleteMultipartUploadOutput, CopyObjectOutput, CreateBucketOutput, CreateMultipartUploadOutput,
    DeleteObjectOutput, DeleteObjectsOutput, HeadBucketOutput, ListBucketsOutput, ListMultipartUploadsOutput,
    ListObjectVersionsOutput, ListObjectsOutput, ListObjectsV2Output, ListPartsOutput, PutObjectOutput,
    UploadPartCopyOutput,
};
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

crate::operations! {
    service S3Api;
    ListBuckets(()) -> ListBucketsOutput = crate::s3::listings::buckets;
    CreateBucket(String) -> CreateBucketOutput = crate::s3::objects::create, wakes [S3Effect::BucketCreated];
    HeadBucket(String) -> HeadBucketOutput = crate::s3::objects::head;
    DeleteBucket(String) -> () = crate::s3::delete_bucket;
    GetBucketLocation(String) -> Bucket = crate::s3::head_bucket;
    ListObjects(ListV1) -> ListObjectsOutput = crate::s3::listings::v1;
    ListObjectsV2(ListV2) -> ListObjectsV2Output = crate::s3::listings::v2;
    ListObjectVersions(ListVersions) -> ListObjectVersionsOutput = crate::s3::listings::versions;
    ListMultipartUploads(ListUploads) -> ListMultipartUploadsOutput = crate::s3::uploads::uploads;
    DeleteObjects(DeleteMany) -> DeleteObjectsOutput = crate::s3::objects::delete_many;
    PutObject(crate::s3::objects::PutObject) -> PutObjectOutput = crate::s3::objects::put;
    GetObject(ReadObject) -> Read = crate::s3::read::get;
    HeadObject(ReadObject) -> Read = crate::s3::read::head;
    DeleteObject(ObjectVersion) -> DeleteObjectOutput = crate::s3::objects::delete;
    CopyObject(Copy) -> CopyObjectOutput = crate::s3::uploads::copy;
    CreateMultipartUpload((String, String, Option<String>)) -> CreateMultipartUploadOutput = crate::s3::uploads::create;
    UploadPart(crate::s3::multipart::UploadPart) -> PutObjectOutput = crate::s3::uploads::part;
    UploadPartCopy(crate::s3::multipart::UploadPart) -> UploadPartCopyOutput = crate::s3::uploads::part_copy;
    CompleteMultipartUpload(CompleteAt) -> CompleteMultipartUploadOutput = crate::s3::uploads::complete;
    AbortMultipartUpload((String, String, String)) -> () = crate::s3::multipart::abort;
    ListParts(crate::s3::multipart::ListParts) -> ListPartsOutput = crate::s3::uploads::parts;
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
    use crate::clock::ManualClock;
    use crate::service::Checked;
    use crate::Engine;
    use serde_json::{json, Value};
    use std::sync::Arc;

    #[test]
    fn every_operation_is_named_as_the_model_names_it() {
        for op in Op::ALL {
            assert!(S3Api::model().has_operation(op.name()), "{}", op.name());
        }
        assert_eq!(Op::ALL.len(), S3Api::model().operations().count());
    }

    fn call(eng: &mut Engine, name: &str, doc: Value) -> Value {
        let ctx = Ctx::new("000000000000", "us-east-1");
        let op = Op::parse(name).expect("an S3 operation");
        op.visit(Checked { eng, caller: &ctx, doc }).unwrap_or_else(|e| panic!("{name}: {e:?}"))
    }

    /// Every typed answer is held to its output shape in the model (`Checked` panics when
    /// one is not), with the values S3 shows.
    #[test]
    fn every_answer_is_spelled_as_the_model_says() {
        let mut eng = Engine::memory(Arc::new(ManualClock::new(1_772_694_489_123)));
        let eng = &mut eng;
        assert_eq!(call(eng, "CreateBucket", json!("bkt")), json!({"Location": "/bkt"}));
        assert_eq!(call(eng, "HeadBucket", json!("bkt")), json!({"BucketRegion": "us-east-1"}));
        let put = json!({"bucket": "bkt", "key": "a b/k", "data": [104, 105], "content_type": null});
        assert_eq!(call(eng, "PutObject", put)["ETag"], "\"49f68a5c8493ec2c0bf489821c21fc3b\"");
        let buckets = call(eng, "ListBuckets", json!(null));
        assert_eq!(buckets["Buckets"][0]["CreationDate"], 1_772_694_489.123);
        let query = json!({"bucket": "bkt", "prefix": "", "delimiter": "/", "after": "", "max_keys": 1000});
        let v1 = call(eng, "ListObjects", json!({"query": query, "url_encoded": true, "marker": ""}));
        let encoded = kinesin_protocol::s3::listing::url_encode("a b/");
        assert_ne!(encoded, "a b/");
        assert_eq!(v1["CommonPrefixes"], json!([{"Prefix": encoded}]));
        let v2 = json!({"query": query, "url_encoded": false, "continuation_token": null, "start_after": ""});
        assert_eq!(call(eng, "ListObjectsV2", v2)["KeyCount"], 1);
        let upload = call(eng, "CreateMultipartUpload", json!(["bkt", "m", null]));
        let id = upload["UploadId"].as_str().unwrap().to_string();
        let part = json!({"bucket": "bkt", "key": "m", "upload_id": id, "number": 1, "source": {"Body": [1]}});
        let etag = call(eng, "UploadPart", part)["ETag"].clone();
        let source = json!({"Copy": {"bucket": "bkt", "key": "a b/k", "version": null, "range": null}});
        let copy_part = json!({"bucket": "bkt", "key": "m", "upload_id": id, "number": 2, "source": source});
        assert!(call(eng, "UploadPartCopy", copy_part)["CopyPartResult"]["ETag"].is_string());
        let parts = json!({"bucket": "bkt", "key": "m", "upload_id": id, "after": 0, "max": 1});
        assert_eq!(call(eng, "ListParts", parts)["Part"][0]["ETag"], etag);
        let uploads = json!({"bucket": "bkt", "prefix": "", "after": ["", ""], "max": 10});
        assert_eq!(call(eng, "ListMultipartUploads", uploads)["Upload"][0]["UploadId"], id);
        let complete = json!({"bucket": "bkt", "key": "m", "upload_id": id, "parts": [[1, etag]]});
        let done = call(eng, "CompleteMultipartUpload", json!({"complete": complete, "host": "h"}));
        assert_eq!(done["Location"], "http://h/bkt/m");
        let copy = json!({"src_bucket": "bkt", "src_key": "a b/k", "src_version": null, "bucket": "bkt", "key": "c",
                          "replace_content_type": null});
        assert!(call(eng, "CopyObject", copy)["CopyObjectResult"]["LastModified"].is_number());
        assert_eq!(call(eng, "DeleteObject", json!(["bkt", "c", null])), json!({}));
        let many = json!({"bucket": "bkt", "objects": [["a b/k", null], ["x", "bad"]], "quiet": false});
        let deleted = call(eng, "DeleteObjects", many);
        assert_eq!(deleted["Deleted"], json!([{"Key": "a b/k"}]));
        assert_eq!(deleted["Error"][0]["Code"], "InvalidArgument");
    }
}
