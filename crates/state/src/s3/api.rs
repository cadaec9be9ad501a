//! Amazon S3 as a [`Service`] (restXml): its table of operations, each named as the botocore
//! model names it. The server routes a request to its `Op` by method, path and query (as the
//! model's HTTP bindings say) and builds the typed input; S3's checks are its own (bucket
//! names, ranges, part numbers, documents), so the model does not validate requests.

use super::config::{Acl, Cors, Encryption, Lifecycle, Notification, OwnershipControls, Policy};
use super::config::{PublicAccessBlock, Setting, Tagging, VersioningDoc};
use super::read::Read;
use super::S3Error;
use crate::service::Service;
use crate::Ctx;
use kinesin_protocol::model::{self, Model};
use kinesin_protocol::s3::requests::*;
use kinesin_protocol::s3::types::*;
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

crate::operations! {
    service S3Api;
    ListBuckets(()) -> ListBucketsOutput = crate::s3::listings::buckets;
    CreateBucket(BucketRequest) -> CreateBucketOutput = crate::s3::objects::create, wakes [S3Effect::BucketCreated];
    HeadBucket(BucketRequest) -> HeadBucketOutput = crate::s3::objects::head;
    DeleteBucket(BucketRequest) -> () = crate::s3::objects::delete_empty;
    GetBucketLocation(BucketRequest) -> GetBucketLocationOutput = crate::s3::objects::location;
    ListObjects(ListObjectsRequest) -> ListObjectsOutput = crate::s3::listings::v1;
    ListObjectsV2(ListObjectsV2Request) -> ListObjectsV2Output = crate::s3::listings::v2;
    ListObjectVersions(ListObjectVersionsRequest) -> ListObjectVersionsOutput = crate::s3::listings::versions;
    ListMultipartUploads(ListMultipartUploadsRequest) -> ListMultipartUploadsOutput = crate::s3::uploads::uploads;
    DeleteObjects(DeleteObjectsRequest) -> DeleteObjectsOutput = crate::s3::objects::delete_many;
    PutObject(PutObjectRequest) -> PutObjectOutput = crate::s3::objects::put;
    GetObject(GetObjectRequest) -> Read = crate::s3::read::get;
    HeadObject(GetObjectRequest) -> Read = crate::s3::read::head;
    DeleteObject(DeleteObjectRequest) -> DeleteObjectOutput = crate::s3::objects::delete;
    CopyObject(CopyObjectRequest) -> CopyObjectOutput = crate::s3::uploads::copy;
    CreateMultipartUpload(CreateMultipartUploadRequest) -> CreateMultipartUploadOutput = crate::s3::uploads::create;
    UploadPart(UploadPartRequest) -> PutObjectOutput = crate::s3::uploads::part;
    UploadPartCopy(UploadPartCopyRequest) -> UploadPartCopyOutput = crate::s3::uploads::part_copy;
    CompleteMultipartUpload(CompleteMultipartUploadRequest) -> CompleteMultipartUploadOutput = crate::s3::uploads::complete;
    AbortMultipartUpload(AbortMultipartUploadRequest) -> () = crate::s3::uploads::abort;
    ListParts(ListPartsRequest) -> ListPartsOutput = crate::s3::uploads::parts;
    GetBucketTagging(BucketRequest) -> Setting = crate::s3::config::get::<Tagging>;
    PutBucketTagging(PutBucketSettingRequest) -> () = crate::s3::config::put::<Tagging>;
    DeleteBucketTagging(BucketRequest) -> () = crate::s3::config::delete::<Tagging>;
    GetBucketVersioning(BucketRequest) -> Setting = crate::s3::config::get::<VersioningDoc>;
    PutBucketVersioning(PutBucketSettingRequest) -> () = crate::s3::versions::configure;
    GetBucketEncryption(BucketRequest) -> Setting = crate::s3::config::get::<Encryption>;
    PutBucketEncryption(PutBucketSettingRequest) -> () = crate::s3::config::put::<Encryption>;
    DeleteBucketEncryption(BucketRequest) -> () = crate::s3::config::delete::<Encryption>;
    GetPublicAccessBlock(BucketRequest) -> Setting = crate::s3::config::get::<PublicAccessBlock>;
    PutPublicAccessBlock(PutBucketSettingRequest) -> () = crate::s3::config::put::<PublicAccessBlock>;
    DeletePublicAccessBlock(BucketRequest) -> () = crate::s3::config::delete::<PublicAccessBlock>;
    GetBucketOwnershipControls(BucketRequest) -> Setting = crate::s3::config::get::<OwnershipControls>;
    PutBucketOwnershipControls(PutBucketSettingRequest) -> () = crate::s3::config::put::<OwnershipControls>;
    DeleteBucketOwnershipControls(BucketRequest) -> () = crate::s3::config::delete::<OwnershipControls>;
    GetBucketAcl(BucketRequest) -> Setting = crate::s3::config::get::<Acl>;
    PutBucketAcl(PutBucketSettingRequest) -> () = crate::s3::config::put::<Acl>;
    GetBucketPolicy(BucketRequest) -> Setting = crate::s3::config::get::<Policy>;
    PutBucketPolicy(PutBucketSettingRequest) -> () = crate::s3::config::put::<Policy>;
    DeleteBucketPolicy(BucketRequest) -> () = crate::s3::config::delete::<Policy>;
    GetBucketLifecycleConfiguration(BucketRequest) -> Setting = crate::s3::config::get::<Lifecycle>;
    PutBucketLifecycleConfiguration(PutBucketSettingRequest) -> () = crate::s3::config::put::<Lifecycle>;
    DeleteBucketLifecycle(BucketRequest) -> () = crate::s3::config::delete::<Lifecycle>;
    GetBucketCors(BucketRequest) -> Setting = crate::s3::config::get::<Cors>;
    PutBucketCors(PutBucketSettingRequest) -> () = crate::s3::config::put::<Cors>;
    DeleteBucketCors(BucketRequest) -> () = crate::s3::config::delete::<Cors>;
    GetBucketNotificationConfiguration(BucketRequest) -> Setting = crate::s3::config::get::<Notification>;
    PutBucketNotificationConfiguration(PutBucketSettingRequest) -> () = crate::s3::config::put::<Notification>;
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::clock::ManualClock;
    use crate::service::Checked;
    use crate::Engine;
    use serde::Deserialize;
    use serde_json::{json, Value};
    use std::sync::Arc;

    #[test]
    fn every_operation_is_named_as_the_model_names_it() {
        for op in Op::ALL {
            assert!(S3Api::model().has_operation(op.name()), "{}", op.name());
        }
        assert_eq!(Op::ALL.len(), S3Api::model().operations().count());
    }

    /// The field names of a struct as serde reads it (none for anything else).
    struct FieldNames<'a>(&'a mut Vec<&'static str>);

    impl<'de> serde::Deserializer<'de> for FieldNames<'_> {
        type Error = serde::de::value::Error;

        fn deserialize_any<V: serde::de::Visitor<'de>>(self, _: V) -> Result<V::Value, Self::Error> {
            Err(serde::de::Error::custom("not a struct"))
        }

        fn deserialize_struct<V: serde::de::Visitor<'de>>(
            self,
            _name: &'static str,
            fields: &'static [&'static str],
            _: V,
        ) -> Result<V::Value, Self::Error> {
            self.0.extend(fields);
            Err(serde::de::Error::custom("names read"))
        }

        serde::forward_to_deserialize_any! {
            bool i8 i16 i32 i64 i128 u8 u16 u32 u64 u128 f32 f64 char str string bytes byte_buf option unit
            unit_struct newtype_struct seq tuple tuple_struct map enum identifier ignored_any
        }
    }

    /// Each operation's input names members of the model's input shape (but the document of
    /// a bucket setting's PUT, which S3 keeps verbatim as the payload member's XML).
    #[test]
    fn every_request_is_spelled_as_the_model_says() {
        struct Fields<'a>(&'a serde_json::Value);
        impl crate::service::Visitor<S3Api> for Fields<'_> {
            type Out = usize;
            fn visit<O: crate::service::Operation<Service = S3Api>>(self) -> usize {
                let mut names = Vec::new();
                let _ = O::Input::deserialize(FieldNames(&mut names));
                let shape = self.0["operations"][O::NAME]["input"]["shape"].as_str().unwrap();
                let members = &self.0["shapes"][shape]["members"];
                for name in names.iter().filter(|n| **n != "Document") {
                    assert!(members.get(name).is_some(), "{}: {name} is not a member of {shape}", O::NAME);
                }
                names.len()
            }
        }
        let model: serde_json::Value = serde_json::from_str(include_str!("../../../protocol/models/s3.json")).unwrap();
        let checked: usize = Op::ALL.iter().map(|op| op.visit(Fields(&model))).sum();
        assert!(checked > 100, "{checked} members read");
    }

    fn call(eng: &mut Engine, name: &str, doc: Value) -> Value {
        let ctx = Ctx::new("000000000000", "us-east-1");
        let op = Op::parse(name).expect("an S3 operation");
        op.visit(Checked { eng, caller: &ctx, doc }).unwrap_or_else(|e| panic!("{name}: {e:?}"))
    }

    /// Every typed answer is held to its output shape in the model (`Checked` panics when
    /// one is not), with the values S3 shows; the requests are the model's members.
    #[test]
    fn every_answer_is_spelled_as_the_model_says() {
        let mut eng = Engine::memory(Arc::new(ManualClock::new(1_772_694_489_123)));
        let eng = &mut eng;
        let bucket = json!({"Bucket": "bkt"});
        assert_eq!(call(eng, "CreateBucket", bucket.clone()), json!({"Location": "/bkt"}));
        assert_eq!(call(eng, "HeadBucket", bucket.clone()), json!({"BucketRegion": "us-east-1"}));
        assert_eq!(call(eng, "GetBucketLocation", bucket), json!({}));
        let put = json!({"Bucket": "bkt", "Key": "a b/k", "Body": [104, 105], "ContentType": null});
        assert_eq!(call(eng, "PutObject", put)["ETag"], "\"49f68a5c8493ec2c0bf489821c21fc3b\"");
        let buckets = call(eng, "ListBuckets", json!(null));
        assert_eq!(buckets["Buckets"][0]["CreationDate"], 1_772_694_489.123);
        let v1 = json!({"Bucket": "bkt", "Delimiter": "/", "EncodingType": "url", "MaxKeys": 1000});
        let encoded = kinesin_protocol::s3::listing::url_encode("a b/");
        assert_ne!(encoded, "a b/");
        assert_eq!(call(eng, "ListObjects", v1)["CommonPrefixes"], json!([{"Prefix": encoded}]));
        let v2 = json!({"Bucket": "bkt", "MaxKeys": 1000});
        assert_eq!(call(eng, "ListObjectsV2", v2.clone())["KeyCount"], 1);
        assert_eq!(call(eng, "ListObjectVersions", v2)["Version"][0]["VersionId"], "null");
        let object = json!({"Bucket": "bkt", "Key": "m"});
        let id = call(eng, "CreateMultipartUpload", object)["UploadId"].as_str().unwrap().to_string();
        let part = json!({"Bucket": "bkt", "Key": "m", "UploadId": id, "PartNumber": 1, "Body": [1]});
        let etag = call(eng, "UploadPart", part)["ETag"].clone();
        let copy_part = json!({"Bucket": "bkt", "Key": "m", "UploadId": id, "PartNumber": 2,
                               "CopySource": "bkt/a%20b/k"});
        assert!(call(eng, "UploadPartCopy", copy_part)["CopyPartResult"]["ETag"].is_string());
        let parts = json!({"Bucket": "bkt", "Key": "m", "UploadId": id, "MaxParts": 1, "PartNumberMarker": 0});
        assert_eq!(call(eng, "ListParts", parts)["Part"][0]["ETag"], etag);
        let uploads = json!({"Bucket": "bkt", "MaxUploads": 10});
        assert_eq!(call(eng, "ListMultipartUploads", uploads)["Upload"][0]["UploadId"], id);
        let done = json!({"Bucket": "bkt", "Key": "m", "UploadId": id,
                          "MultipartUpload": {"Parts": [{"PartNumber": 1, "ETag": etag}]}});
        assert_eq!(call(eng, "CompleteMultipartUpload", done)["Location"], "/bkt/m");
        let copy = json!({"Bucket": "bkt", "Key": "c", "CopySource": "/bkt/a%20b/k"});
        assert!(call(eng, "CopyObject", copy)["CopyObjectResult"]["LastModified"].is_number());
        assert_eq!(call(eng, "DeleteObject", json!({"Bucket": "bkt", "Key": "c"})), json!({}));
        let many = json!({"Bucket": "bkt", "Delete": {"Objects": [{"Key": "a b/k"}, {"Key": "x", "VersionId": "bad"}],
                                                     "Quiet": false}});
        let deleted = call(eng, "DeleteObjects", many);
        assert_eq!(deleted["Deleted"], json!([{"Key": "a b/k"}]));
        assert_eq!(deleted["Error"][0]["Code"], "InvalidArgument");
    }
}
