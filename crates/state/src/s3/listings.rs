//! ListBuckets, ListObjects, ListObjectsV2 and ListObjectVersions answered as S3 answers
//! them: pages of [`list_objects`] and [`versions::list`] with what the request asked echoed,
//! names URL-encoded when asked.

use super::versions::{self, VersionEntry, VersionQuery, NULL};
use super::{list_buckets, list_objects, quoted, secs, ListQuery, Listing, ObjectMeta, S3Error};
use crate::db::Engine;
use crate::Ctx;
use kinesin_protocol::s3::listing::{key_of_token, token_of, url_encode};
use kinesin_protocol::s3::requests::{ListObjectVersionsRequest, ListObjectsRequest, ListObjectsV2Request};
use kinesin_protocol::s3::types::{
    self as dto, CommonPrefix, DeleteMarkerEntry, ListBucketsOutput, ListObjectVersionsOutput, ListObjectsOutput,
    ListObjectsV2Output, ObjectVersion, Owner,
};

/// How a listing writes names.
fn names(url_encoded: bool) -> fn(&str) -> String {
    if url_encoded {
        url_encode
    } else {
        str::to_string
    }
}

/// ListBuckets.
pub fn buckets(eng: &mut Engine, ctx: &Ctx, _: ()) -> Result<ListBucketsOutput, S3Error> {
    let buckets = list_buckets(eng, ctx, ())?
        .into_iter()
        .map(|b| dto::Bucket { name: b.name, creation_date: secs(b.created_ms), bucket_region: b.region })
        .collect();
    Ok(ListBucketsOutput { owner: Owner::of(&ctx.account), buckets })
}

/// The page a listing asks: `prefix`, a non-empty `delimiter`, `max-keys` and where to
/// start.
fn page_of(
    bucket: String,
    (prefix, delimiter): (Option<String>, Option<String>),
    max_keys: i64,
    after: String,
) -> ListQuery {
    let delimiter = delimiter.filter(|d| !d.is_empty());
    ListQuery { bucket, prefix: prefix.unwrap_or_default(), delimiter, after, max_keys: max_keys.max(0) as usize }
}

/// Whether names are URL-encoded (`encoding-type=url`).
fn url_encoded(encoding_type: &Option<String>) -> bool {
    encoding_type.as_deref().is_some_and(|t| t.eq_ignore_ascii_case("url"))
}

/// ListObjects.
pub fn v1(eng: &mut Engine, ctx: &Ctx, r: ListObjectsRequest) -> Result<ListObjectsOutput, S3Error> {
    let url_encoded = url_encoded(&r.encoding_type);
    let name = names(url_encoded);
    let marker = r.marker.unwrap_or_default();
    let q = page_of(r.bucket, (r.prefix, r.delimiter), r.max_keys, marker.clone());
    let page = list_objects(eng, ctx, q.clone())?;
    let next_marker = page.last.as_deref().filter(|_| page.truncated).map(name);
    Ok(ListObjectsOutput {
        name: q.bucket,
        prefix: name(&q.prefix),
        encoding_type: url_encoded.then(|| "url".to_string()),
        marker: name(&marker),
        max_keys: q.max_keys as i64,
        delimiter: q.delimiter.as_deref().map(name),
        is_truncated: page.truncated,
        next_marker,
        contents: contents(&page, ctx, name),
        common_prefixes: common_prefixes(&page.common_prefixes, name),
    })
}

/// ListObjectsV2.
pub fn v2(eng: &mut Engine, ctx: &Ctx, r: ListObjectsV2Request) -> Result<ListObjectsV2Output, S3Error> {
    let url_encoded = url_encoded(&r.encoding_type);
    let name = names(url_encoded);
    let start_after = r.start_after.unwrap_or_default();
    let after = match &r.continuation_token {
        Some(t) => key_of_token(t)
            .ok_or_else(|| S3Error::other("InvalidArgument", "The continuation token provided is incorrect", 400))?,
        None => start_after.clone(),
    };
    let q = page_of(r.bucket, (r.prefix, r.delimiter), r.max_keys, after);
    let page = list_objects(eng, ctx, q.clone())?;
    let next = page.last.as_deref().filter(|_| page.truncated).map(token_of);
    Ok(ListObjectsV2Output {
        name: q.bucket,
        prefix: name(&q.prefix),
        encoding_type: url_encoded.then(|| "url".to_string()),
        key_count: (page.contents.len() + page.common_prefixes.len()) as i64,
        continuation_token: r.continuation_token,
        start_after: Some(start_after).filter(|s| !s.is_empty()).map(|s| name(&s)),
        max_keys: q.max_keys as i64,
        delimiter: q.delimiter.as_deref().map(name),
        is_truncated: page.truncated,
        next_continuation_token: next,
        contents: contents(&page, ctx, name),
        common_prefixes: common_prefixes(&page.common_prefixes, name),
    })
}

/// ListObjectVersions: versions, then delete markers, then common prefixes.
pub fn versions(
    eng: &mut Engine,
    ctx: &Ctx,
    r: ListObjectVersionsRequest,
) -> Result<ListObjectVersionsOutput, S3Error> {
    let url_encoded = url_encoded(&r.encoding_type);
    let name = names(url_encoded);
    let page = page_of(r.bucket, (r.prefix, r.delimiter), r.max_keys, String::new());
    let q = VersionQuery {
        bucket: page.bucket,
        prefix: page.prefix,
        delimiter: page.delimiter,
        key_marker: r.key_marker.unwrap_or_default(),
        version_marker: r.version_id_marker.unwrap_or_default(),
        max_keys: page.max_keys,
    };
    let page = versions::list(eng, ctx, q.clone())?;
    let (versions, markers): (Vec<&VersionEntry>, Vec<&VersionEntry>) =
        page.entries.iter().partition(|e| !e.delete_marker);
    Ok(ListObjectVersionsOutput {
        name: q.bucket,
        prefix: name(&q.prefix),
        key_marker: name(&q.key_marker),
        version_id_marker: q.version_marker,
        max_keys: q.max_keys as i64,
        encoding_type: url_encoded.then(|| "url".to_string()),
        delimiter: q.delimiter.as_deref().map(name),
        is_truncated: page.truncated,
        next_key_marker: page.next.as_ref().map(|(key, _)| name(key)),
        next_version_id_marker: page.next.and_then(|(_, v)| v),
        versions: versions.into_iter().map(|e| version(e, ctx, name)).collect(),
        delete_markers: markers.into_iter().map(|e| marker(e, ctx, name)).collect(),
        common_prefixes: common_prefixes(&page.common_prefixes, name),
    })
}

fn version_id(e: &VersionEntry) -> String {
    e.meta.version_id.clone().unwrap_or_else(|| NULL.to_string())
}

fn version(e: &VersionEntry, ctx: &Ctx, name: fn(&str) -> String) -> ObjectVersion {
    let o = object(&e.meta, ctx, name);
    ObjectVersion {
        key: o.key,
        version_id: version_id(e),
        is_latest: e.latest,
        last_modified: o.last_modified,
        e_tag: o.e_tag,
        size: o.size,
        owner: o.owner,
        storage_class: o.storage_class,
    }
}

fn marker(e: &VersionEntry, ctx: &Ctx, name: fn(&str) -> String) -> DeleteMarkerEntry {
    DeleteMarkerEntry {
        key: name(&e.meta.key),
        version_id: version_id(e),
        is_latest: e.latest,
        last_modified: secs(e.meta.modified_ms),
        owner: Owner::of(&ctx.account),
    }
}

/// A listing's objects.
fn contents(page: &Listing, ctx: &Ctx, name: fn(&str) -> String) -> Vec<dto::Object> {
    page.contents.iter().map(|m| object(m, ctx, name)).collect()
}

/// An object of a listing.
fn object(m: &ObjectMeta, ctx: &Ctx, name: fn(&str) -> String) -> dto::Object {
    dto::Object {
        key: name(&m.key),
        last_modified: secs(m.modified_ms),
        e_tag: quoted(&m.etag),
        size: m.size,
        owner: Owner::of(&ctx.account),
        storage_class: "STANDARD",
    }
}

fn common_prefixes(prefixes: &[String], name: fn(&str) -> String) -> Vec<CommonPrefix> {
    prefixes.iter().map(|p| CommonPrefix { prefix: name(p) }).collect()
}
