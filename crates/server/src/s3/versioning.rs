//! Object versions on the S3 surface: `versionId` on GET, HEAD and DELETE, the
//! `x-amz-version-id` and `x-amz-delete-marker` headers, delete markers answered as S3
//! answers them (404 when current, 405 when named), DeleteObjects with version ids,
//! ListObjectVersions, and the status of a PutBucketVersioning document.

use super::{
    encoding_element, error, header, http_date, iso8601, response, write_object, xml, xml_escape, Esc, S3, XMLNS,
};
use crate::http::Resp;
use bytes::Bytes;
use kinesin_protocol::s3::body;
use kinesin_protocol::s3::listing::Listing;
use kinesin_protocol::s3::query::Query;
use kinesin_state::s3::api::ops;
use kinesin_state::s3::versions::{self, Marker, VersionQuery};
use kinesin_state::s3::{Deleted, S3Error};
use kinesin_state::Ctx;
use std::fmt::Write as _;

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
    /// DeleteObject (of the current version, or of version `v`).
    pub(super) async fn delete_object(
        &self,
        ctx: &Ctx,
        (bucket, key, v): (String, String, Option<String>),
    ) -> Result<Resp, S3Error> {
        let d = self.call::<ops::DeleteObject>(ctx, (bucket, key, v)).await?;
        let mut r = response(204, Bytes::new());
        version_header(&mut r, "x-amz-version-id", &d.version_id);
        if d.delete_marker {
            header(&mut r, "x-amz-delete-marker", "true");
        }
        Ok(r)
    }

    /// DeleteObjects: `<Object><Key>..</Key>[<VersionId>..</VersionId>]</Object>`s.
    pub(super) async fn delete_objects(&self, ctx: &Ctx, bucket: String, body: &[u8]) -> Result<Resp, S3Error> {
        let body::Delete { objects, quiet } = body::delete(body)?;
        let results = self.call::<ops::DeleteObjects>(ctx, (bucket, objects.clone())).await?;
        let mut out = format!("<DeleteResult xmlns=\"{XMLNS}\">");
        for ((key, asked), result) in objects.iter().zip(results) {
            match result {
                Ok(d) if !quiet => write_deleted(&mut out, key, asked.is_some(), &d),
                Ok(_) => {}
                Err(e) => {
                    let _ = write!(out, "<Error><Key>{}</Key>", xml_escape(key));
                    if let Some(v) = asked {
                        let _ = write!(out, "<VersionId>{}</VersionId>", xml_escape(v));
                    }
                    let _ = write!(out, "<Code>{}</Code><Message>{}</Message></Error>", e.code, xml_escape(&e.message));
                }
            }
        }
        out.push_str("</DeleteResult>");
        Ok(xml(200, out))
    }

    /// ListObjectVersions: versions and delete markers by key, newest first, paged by
    /// `key-marker` and `version-id-marker`.
    pub(super) async fn list_versions(&self, ctx: &Ctx, bucket: String, q: &Query) -> Result<Resp, S3Error> {
        let Listing { prefix, delimiter, max_keys, url_encoded } = Listing::parse(q)?;
        let esc = Esc::of(url_encoded);
        let key_marker = q.get("key-marker").unwrap_or_default().to_string();
        let version_marker = q.get("version-id-marker").unwrap_or_default().to_string();
        let query = VersionQuery {
            bucket: bucket.clone(),
            prefix: prefix.clone(),
            delimiter: delimiter.clone(),
            key_marker: key_marker.clone(),
            version_marker: version_marker.clone(),
            max_keys,
        };
        let listing = self.call::<ops::ListObjectVersions>(ctx, query).await?;
        let mut body = format!(
            "<ListVersionsResult xmlns=\"{XMLNS}\"><Name>{}</Name><Prefix>{}</Prefix><KeyMarker>{}</KeyMarker><VersionIdMarker>{}</VersionIdMarker><MaxKeys>{max_keys}</MaxKeys>",
            xml_escape(&bucket),
            esc.apply(&prefix),
            esc.apply(&key_marker),
            xml_escape(&version_marker),
        );
        body.push_str(encoding_element(esc));
        if let Some(d) = &delimiter {
            let _ = write!(body, "<Delimiter>{}</Delimiter>", esc.apply(d));
        }
        let _ = write!(body, "<IsTruncated>{}</IsTruncated>", listing.truncated);
        if let Some((key, version)) = &listing.next {
            let _ = write!(body, "<NextKeyMarker>{}</NextKeyMarker>", esc.apply(key));
            if let Some(v) = version {
                let _ = write!(body, "<NextVersionIdMarker>{}</NextVersionIdMarker>", xml_escape(v));
            }
        }
        for e in &listing.entries {
            write_entry(&mut body, e, ctx, esc);
        }
        for p in &listing.common_prefixes {
            let _ = write!(body, "<CommonPrefixes><Prefix>{}</Prefix></CommonPrefixes>", esc.apply(p));
        }
        body.push_str("</ListVersionsResult>");
        Ok(xml(200, body))
    }
}

/// A `<Version>` or `<DeleteMarker>` of a listing.
fn write_entry(body: &mut String, e: &versions::VersionEntry, ctx: &Ctx, esc: Esc) {
    let id = xml_escape(e.meta.version_id.as_deref().unwrap_or(versions::NULL));
    let extra = format!("<VersionId>{id}</VersionId><IsLatest>{}</IsLatest>", e.latest);
    if !e.delete_marker {
        return write_object(body, ("Version", &extra), &e.meta, ctx, esc);
    }
    let _ = write!(
        body,
        "<DeleteMarker><Key>{}</Key>{extra}<LastModified>{}</LastModified><Owner><ID>{2}</ID><DisplayName>{2}</DisplayName></Owner></DeleteMarker>",
        esc.apply(&e.meta.key),
        iso8601(e.meta.modified_ms),
        ctx.account,
    );
}

/// A `<Deleted>` entry: the version removed (when one was named) and the delete marker.
fn write_deleted(out: &mut String, key: &str, named: bool, d: &Deleted) {
    let _ = write!(out, "<Deleted><Key>{}</Key>", xml_escape(key));
    if let (true, Some(v)) = (named, &d.version_id) {
        let _ = write!(out, "<VersionId>{}</VersionId>", xml_escape(v));
    }
    if d.delete_marker {
        let v = d.version_id.as_deref().unwrap_or(versions::NULL);
        let _ = write!(
            out,
            "<DeleteMarker>true</DeleteMarker><DeleteMarkerVersionId>{}</DeleteMarkerVersionId>",
            xml_escape(v)
        );
    }
    out.push_str("</Deleted>");
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn writes_deleted_entries() {
        let mut out = String::new();
        write_deleted(&mut out, "k", false, &Deleted { version_id: Some("m1".into()), delete_marker: true });
        assert_eq!(out, "<Deleted><Key>k</Key><DeleteMarker>true</DeleteMarker><DeleteMarkerVersionId>m1</DeleteMarkerVersionId></Deleted>");
    }
}
