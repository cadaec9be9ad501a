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

use super::{request_data, response, xml, S3, XMLNS};
use crate::http::Resp;
use bytes::Bytes;
use hyper::{HeaderMap, Method};
use kinesin_protocol::s3::body;
use kinesin_protocol::s3::query::Query;
use kinesin_state::s3::config::{self, Setting};
use kinesin_state::s3::versions::Versioning;
use kinesin_state::s3::S3Error;
use kinesin_state::Ctx;

/// What a setting answers when it has no document.
enum Unset {
    /// A default document (`{owner}` is replaced by the bucket owner's id).
    Doc(&'static str),
    /// A 404 with this code and message.
    Missing(&'static str, &'static str),
}

struct Kind {
    query: &'static str,
    unset: Unset,
    /// After a DELETE: `Some` for settings with a default (the error then), `None` to reset.
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
pub(super) fn which(q: &Query) -> Option<&'static str> {
    KINDS.iter().find(|k| q.has(k.query)).map(|k| k.query)
}

fn kind(query: &str) -> &'static Kind {
    KINDS.iter().find(|k| k.query == query).expect("which() names a known setting")
}

fn not_found(bucket: &str, (code, message): (&'static str, &'static str)) -> S3Error {
    S3Error { code, message: message.into(), status: 404, resource: Some(("BucketName", bucket.to_string())) }
}

/// A PUT document, checked for its format (see [`body::setting_xml`], [`body::policy`]).
fn document(k: &Kind, data: Vec<u8>) -> Result<Vec<u8>, S3Error> {
    Ok(if k.json { body::policy(data)? } else { body::setting_xml(data)? })
}

impl S3 {
    /// GET, PUT or DELETE of one bucket setting.
    pub(super) async fn bucket_config(
        &self,
        ctx: &Ctx,
        method: &Method,
        (bucket, query): (String, &'static str),
        headers: &HeaderMap,
        body: &Bytes,
    ) -> Result<Resp, S3Error> {
        let k = kind(query);
        match *method {
            Method::GET => {
                let setting = self.run(ctx, (bucket.clone(), query), config::get).await?;
                let doc = match setting {
                    Setting::Set(doc) => String::from_utf8_lossy(&doc).into_owned(),
                    Setting::Deleted => {
                        return Err(not_found(&bucket, k.deleted.unwrap_or(("NoSuchConfiguration", ""))))
                    }
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
            Method::PUT => {
                let data = request_data(headers, body)?;
                // A canned ACL (`x-amz-acl`) without a document keeps the owner's grant.
                if query == "acl" && data.iter().all(u8::is_ascii_whitespace) {
                    self.run(ctx, (bucket, query), config::reset).await?;
                    return Ok(response(200, Bytes::new()));
                }
                let doc = document(k, data)?;
                if query == "versioning" {
                    let status = body::versioning_status(&doc)?.map(Versioning::from);
                    self.run(ctx, (bucket, status, doc), kinesin_state::s3::versions::configure).await?;
                    return Ok(response(k.put_status, Bytes::new()));
                }
                self.run(ctx, (bucket, query, doc), config::put).await?;
                Ok(response(k.put_status, Bytes::new()))
            }
            Method::DELETE => {
                match k.deleted {
                    Some(_) => self.run(ctx, (bucket, query, Vec::new()), config::put).await?,
                    None => self.run(ctx, (bucket, query), config::reset).await?,
                }
                Ok(response(204, Bytes::new()))
            }
            _ => Err(S3Error::other(
                "MethodNotAllowed",
                "The specified method is not allowed against this resource.",
                405,
            )),
        }
    }
}
