//! Object versions on the S3 surface: `versionId` on GET, HEAD and DELETE, the
//! `x-amz-version-id` and `x-amz-delete-marker` headers, delete markers answered as S3
//! answers them (404 when current, 405 when named), DeleteObjects with version ids,
//! ListObjectVersions, and the status of a PutBucketVersioning document.

use super::{answer, error, header, http_date, S3};
use crate::http::Resp;
use kinesin_protocol::s3::body;
use kinesin_protocol::s3::listing::Listing;
use kinesin_protocol::s3::query::Query;
use kinesin_protocol::s3::requests::{
    Delete, DeleteObjectRequest, DeleteObjectsRequest, ListObjectVersionsRequest, ObjectIdentifier,
};
use kinesin_state::s3::api::ops;
use kinesin_state::s3::versions::Marker;
use kinesin_state::s3::S3Error;
use kinesin_state::Ctx;

/// Sets a version header when there is a version id to show.
pub(super) fn version_header(r: &mut Resp, name: &'static str, v: &Option<String>) {
    if let Some(v) = v {
        header(r, name, v);
    }
}

/// The answer for a delete marker: 404 NoSuchKey when it is the current version, 405
/// MethodNotAllowed when a request names it, with `x-amz-delete-marker` and its version id.
pub(super) fn marker_answer(m: &Marker, named: bool, key: &str, head: bool) -> Resp {
    let e = if named {
        S3Error::other("MethodNotAllowed", "The specified method is not allowed against this resource.", 405)
    } else {
        S3Error::no_such_key(key)
    };
    let mut r = error(&e, head);
    header(&mut r, "x-amz-delete-marker", "true");
    header(&mut r, "x-amz-version-id", &m.version_id);
    if named {
        header(&mut r, "last-modified", &http_date(m.modified_ms));
    }
    r
}

impl S3 {
    /// DeleteObject (of the current version, or of the version named).
    pub(super) async fn delete_object(&self, ctx: &Ctx, r: DeleteObjectRequest) -> Result<Resp, S3Error> {
        let out = self.call::<ops::DeleteObject>(ctx, r).await?;
        Ok(answer::<ops::DeleteObject>(204, &out, ""))
    }

    /// DeleteObjects: `<Object><Key>..</Key>[<VersionId>..</VersionId>]</Object>`s.
    pub(super) async fn delete_objects(&self, ctx: &Ctx, bucket: String, body: &[u8]) -> Result<Resp, S3Error> {
        let body::Delete { objects, quiet } = body::delete(body)?;
        let objects = objects.into_iter().map(|(key, version_id)| ObjectIdentifier { key, version_id }).collect();
        let r = DeleteObjectsRequest { bucket, delete: Delete { objects, quiet } };
        let out = self.call::<ops::DeleteObjects>(ctx, r).await?;
        Ok(answer::<ops::DeleteObjects>(200, &out, "DeleteResult"))
    }

    /// ListObjectVersions: versions and delete markers by key, newest first, paged by
    /// `key-marker` and `version-id-marker`.
    pub(super) async fn list_versions(&self, ctx: &Ctx, bucket: String, q: &Query) -> Result<Resp, S3Error> {
        let Listing { prefix, delimiter, max_keys, url_encoded } = Listing::parse(q)?;
        let text = |name: &str| q.get(name).map(str::to_owned);
        let r = ListObjectVersionsRequest {
            bucket,
            delimiter,
            encoding_type: url_encoded.then(|| "url".to_string()),
            key_marker: text("key-marker"),
            max_keys: max_keys as i64,
            prefix: Some(prefix),
            version_id_marker: text("version-id-marker"),
        };
        let out = self.call::<ops::ListObjectVersions>(ctx, r).await?;
        Ok(answer::<ops::ListObjectVersions>(200, &out, "ListVersionsResult"))
    }
}
