//! Bucket settings terraform's `aws_s3_bucket_*` resources and `default_tags` touch:
//! `?tagging`, `?versioning`, `?encryption`, `?publicAccessBlock`, `?ownershipControls`,
//! `?acl`, `?policy`, `?lifecycle`, `?cors`, `?notification`. Each PUT document is stored and
//! returned by the GET; a setting never set answers S3's default for a new bucket (SSE-S3
//! encryption, all public access blocked, BucketOwnerEnforced, a private ACL, versioning
//! never enabled, no notifications) or S3's "not found" error.
//!
//! Documents are checked to be XML (JSON for the policy) but not against S3's schemas, and
//! nothing is enforced but versioning, whose `Status` decides how objects are kept
//! (`versioning.rs`).

use super::{request_data, response, xml, Req, S3, XMLNS};
use crate::http::Resp;
use bytes::Bytes;
use hyper::Method;
use kinesin_protocol::s3::body;
use kinesin_protocol::s3::query::Query;
use kinesin_protocol::s3::requests::{BucketRequest, PutBucketSettingRequest};
use kinesin_state::s3::api::{ops, Op, S3Api};
use kinesin_state::s3::config::Setting;
use kinesin_state::s3::S3Error;
use kinesin_state::service::Operation;
use kinesin_state::Ctx;

/// What a setting answers when it has no document.
enum Unset {
    /// A default document (`{owner}` is replaced by the bucket owner's id).
    Doc(&'static str),
    /// A 404 with this code and message.
    Missing(&'static str, &'static str),
}

/// How the server answers for one setting.
pub(super) struct Kind {
    query: &'static str,
    unset: Unset,
    /// The error of a GET after a DELETE, for settings whose default a deletion removes.
    deleted: Option<(&'static str, &'static str)>,
    put_status: u16,
    json: bool,
}

const KINDS: &[Kind] = &[
    Kind { query: "tagging", unset: Unset::Missing("NoSuchTagSet", "The TagSet does not exist"), deleted: None, put_status: 204, json: false },
    Kind { query: "versioning", unset: Unset::Doc("<VersioningConfiguration xmlns=\"{ns}\"/>"), deleted: None, put_status: 200, json: false },
    Kind {
        query: "encryption",
        unset: Unset::Doc("<ServerSideEncryptionConfiguration xmlns=\"{ns}\"><Rule><ApplyServerSideEncryptionByDefault><SSEAlgorithm>AES256</SSEAlgorithm></ApplyServerSideEncryptionByDefault><BucketKeyEnabled>false</BucketKeyEnabled></Rule></ServerSideEncryptionConfiguration>"),
        deleted: None,
        put_status: 200,
        json: false,
    },
    Kind {
        query: "publicAccessBlock",
        unset: Unset::Doc("<PublicAccessBlockConfiguration xmlns=\"{ns}\"><BlockPublicAcls>true</BlockPublicAcls><IgnorePublicAcls>true</IgnorePublicAcls><BlockPublicPolicy>true</BlockPublicPolicy><RestrictPublicBuckets>true</RestrictPublicBuckets></PublicAccessBlockConfiguration>"),
        deleted: Some(("NoSuchPublicAccessBlockConfiguration", "The public access block configuration was not found")),
        put_status: 200,
        json: false,
    },
    Kind {
        query: "ownershipControls",
        unset: Unset::Doc("<OwnershipControls xmlns=\"{ns}\"><Rule><ObjectOwnership>BucketOwnerEnforced</ObjectOwnership></Rule></OwnershipControls>"),
        deleted: Some(("OwnershipControlsNotFoundError", "The bucket ownership controls were not found")),
        put_status: 200,
        json: false,
    },
    Kind {
        query: "acl",
        unset: Unset::Doc("<AccessControlPolicy xmlns=\"{ns}\"><Owner><ID>{owner}</ID></Owner><AccessControlList><Grant><Grantee xmlns:xsi=\"http://www.w3.org/2001/XMLSchema-instance\" xsi:type=\"CanonicalUser\"><ID>{owner}</ID></Grantee><Permission>FULL_CONTROL</Permission></Grant></AccessControlList></AccessControlPolicy>"),
        deleted: None,
        put_status: 200,
        json: false,
    },
    Kind { query: "policy", unset: Unset::Missing("NoSuchBucketPolicy", "The bucket policy does not exist"), deleted: None, put_status: 204, json: true },
    Kind { query: "lifecycle", unset: Unset::Missing("NoSuchLifecycleConfiguration", "The lifecycle configuration does not exist"), deleted: None, put_status: 200, json: false },
    Kind { query: "cors", unset: Unset::Missing("NoSuchCORSConfiguration", "The CORS configuration does not exist"), deleted: None, put_status: 200, json: false },
    Kind { query: "notification", unset: Unset::Doc("<NotificationConfiguration xmlns=\"{ns}\"/>"), deleted: None, put_status: 200, json: false },
];

/// The setting a bucket request's query names, if any.
pub(super) fn which(q: &Query) -> Option<&'static Kind> {
    KINDS.iter().find(|k| q.has(k.query))
}

fn not_found(bucket: &str, (code, message): (&'static str, &'static str)) -> S3Error {
    S3Error { code, message: message.into(), status: 404, resource: Some(("BucketName", bucket.to_string())) }
}

/// Declares each setting's operations (GET, PUT and, where S3 has one, DELETE): which
/// operation a method on it is, and how the server runs it.
macro_rules! settings {
    ($($query:literal => $get:ident, $put:ident $(, $delete:ident)?;)*) => {
        impl Kind {
            /// The operation `method` on this setting is.
            pub(super) fn op(&self, method: &Method) -> Option<Op> {
                match (self.query, method) {
                    $(
                        ($query, &Method::GET) => Some(Op::$get),
                        ($query, &Method::PUT) => Some(Op::$put),
                        $(($query, &Method::DELETE) => Some(Op::$delete),)?
                    )*
                    _ => None,
                }
            }
        }

        impl S3 {
            /// Runs operation `op` on a bucket setting.
            pub(super) async fn setting(&self, op: Op, ctx: &Ctx, bucket: String, req: &Req<'_>) -> Result<Resp, S3Error> {
                let Some(k) = which(&req.query) else { return Err(super::method_not_allowed()) };
                match op {
                    $(
                        Op::$get => self.get_setting::<ops::$get>(ctx, bucket, k).await,
                        Op::$put => self.put_setting::<ops::$put>(ctx, bucket, k, req).await,
                        $(Op::$delete => self.delete_setting::<ops::$delete>(ctx, bucket).await,)?
                    )*
                    _ => Err(super::method_not_allowed()),
                }
            }
        }
    };
}

settings! {
    "tagging" => GetBucketTagging, PutBucketTagging, DeleteBucketTagging;
    "versioning" => GetBucketVersioning, PutBucketVersioning;
    "encryption" => GetBucketEncryption, PutBucketEncryption, DeleteBucketEncryption;
    "publicAccessBlock" => GetPublicAccessBlock, PutPublicAccessBlock, DeletePublicAccessBlock;
    "ownershipControls" => GetBucketOwnershipControls, PutBucketOwnershipControls, DeleteBucketOwnershipControls;
    "acl" => GetBucketAcl, PutBucketAcl;
    "policy" => GetBucketPolicy, PutBucketPolicy, DeleteBucketPolicy;
    "lifecycle" => GetBucketLifecycleConfiguration, PutBucketLifecycleConfiguration, DeleteBucketLifecycle;
    "cors" => GetBucketCors, PutBucketCors, DeleteBucketCors;
    "notification" => GetBucketNotificationConfiguration, PutBucketNotificationConfiguration;
}

impl S3 {
    /// GET of a setting: its document, its default, or S3's "not found".
    async fn get_setting<O>(&self, ctx: &Ctx, bucket: String, k: &Kind) -> Result<Resp, S3Error>
    where
        O: Operation<Service = S3Api, Input = BucketRequest, Output = Setting>,
    {
        let doc = match self.call::<O>(ctx, BucketRequest { bucket: bucket.clone() }).await? {
            Setting::Set(doc) => String::from_utf8_lossy(&doc).into_owned(),
            Setting::Deleted => return Err(not_found(&bucket, k.deleted.unwrap_or(("NoSuchConfiguration", "")))),
            Setting::Default => match &k.unset {
                Unset::Doc(d) => d.replace("{ns}", XMLNS).replace("{owner}", &ctx.account),
                Unset::Missing(code, message) => return Err(not_found(&bucket, (code, message))),
            },
        };
        if k.json {
            let mut r = response(200, doc);
            super::header(&mut r, "content-type", "application/json");
            return Ok(r);
        }
        Ok(xml(200, doc))
    }

    /// PUT of a setting: its document, checked for its format (see [`body::setting_xml`],
    /// [`body::policy`]); a canned ACL (`x-amz-acl`) without a document keeps the owner's
    /// grant.
    async fn put_setting<O>(&self, ctx: &Ctx, bucket: String, k: &Kind, req: &Req<'_>) -> Result<Resp, S3Error>
    where
        O: Operation<Service = S3Api, Input = PutBucketSettingRequest, Output = ()>,
    {
        let data = request_data(req.headers, &req.body)?;
        let doc = match (k.query, k.json) {
            ("acl", _) if data.iter().all(u8::is_ascii_whitespace) => Vec::new(),
            (_, true) => body::policy(data)?,
            (_, false) => body::setting_xml(data)?,
        };
        self.call::<O>(ctx, PutBucketSettingRequest { bucket, document: doc }).await?;
        Ok(response(k.put_status, Bytes::new()))
    }

    /// DELETE of a setting.
    async fn delete_setting<O>(&self, ctx: &Ctx, bucket: String) -> Result<Resp, S3Error>
    where
        O: Operation<Service = S3Api, Input = BucketRequest, Output = ()>,
    {
        self.call::<O>(ctx, BucketRequest { bucket }).await?;
        Ok(response(204, Bytes::new()))
    }
}
