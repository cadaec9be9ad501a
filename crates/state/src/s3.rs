//! A minimal S3: buckets and objects kept in SQLite (never as files), enough to read
//! Firehose deliveries with the AWS CLI and SDKs. Bucket names are global, as on AWS.

use crate::db::Engine;
use crate::Ctx;
use md5::{Digest, Md5};
use rusqlite::{params, OptionalExtension};
use serde::Serialize;

pub mod api;
pub mod config;
pub mod listings;
pub mod multipart;
pub mod objects;
pub mod read;
pub mod uploads;
pub mod versions;

pub use versions::Versioning;

/// An S3 error: code, message, HTTP status and the resource it names.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct S3Error {
    /// S3 error code, e.g. `NoSuchKey`.
    pub code: &'static str,
    /// S3's message.
    pub message: String,
    /// HTTP status.
    pub status: u16,
    /// `("BucketName" | "Key", value)`, rendered as an extra element.
    pub resource: Option<(&'static str, String)>,
}

impl S3Error {
    /// `NoSuchBucket` (404).
    pub fn no_such_bucket(bucket: &str) -> Self {
        Self {
            code: "NoSuchBucket",
            message: "The specified bucket does not exist".into(),
            status: 404,
            resource: Some(("BucketName", bucket.into())),
        }
    }
    /// `NoSuchKey` (404).
    pub fn no_such_key(key: &str) -> Self {
        Self {
            code: "NoSuchKey",
            message: "The specified key does not exist.".into(),
            status: 404,
            resource: Some(("Key", key.into())),
        }
    }
    /// Any other error.
    pub fn other(code: &'static str, message: impl Into<String>, status: u16) -> Self {
        Self { code, message: message.into(), status, resource: None }
    }
}

impl From<kinesin_protocol::s3::Error> for S3Error {
    fn from(e: kinesin_protocol::s3::Error) -> Self {
        Self { code: e.code(), message: e.message().into(), status: e.status(), resource: e.resource() }
    }
}

impl From<crate::StateError> for S3Error {
    fn from(e: crate::StateError) -> Self {
        S3Error::other("InternalError", e.to_string(), 500)
    }
}

impl From<rusqlite::Error> for S3Error {
    fn from(e: rusqlite::Error) -> Self {
        S3Error::other("InternalError", e.to_string(), 500)
    }
}

/// A bucket.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Bucket {
    /// Name.
    pub name: String,
    /// Region it was created in.
    pub region: String,
    /// Creation time (ms).
    pub created_ms: i64,
    /// Versioning status.
    pub versioning: Versioning,
}

/// An object's metadata.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ObjectMeta {
    /// Key.
    pub key: String,
    /// Size in bytes.
    pub size: i64,
    /// Hex MD5 of the data (unquoted).
    pub etag: String,
    /// `Content-Type` given at upload.
    pub content_type: Option<String>,
    /// Last write (ms).
    pub modified_ms: i64,
    /// Sizes of the parts of an object made by a multipart upload (empty otherwise).
    pub part_sizes: Vec<i64>,
    /// The version id S3 shows (`null` for the null version); None in a bucket whose
    /// versioning was never configured.
    pub version_id: Option<String>,
}

impl ObjectMeta {
    /// The byte span `(first, last inclusive)` of part `n` (1-based); a single-part object
    /// has one part. `InvalidPartNumber` beyond the last part.
    pub fn part_span(&self, n: u64) -> Result<(u64, u64), S3Error> {
        let whole = [self.size];
        let sizes: &[i64] = if self.part_sizes.is_empty() { &whole } else { &self.part_sizes };
        let invalid = || S3Error::other("InvalidPartNumber", "The requested partnumber is not satisfiable", 416);
        let idx = usize::try_from(n).ok().filter(|&i| (1..=sizes.len()).contains(&i)).ok_or_else(invalid)?;
        let start: i64 = sizes[..idx - 1].iter().sum();
        let size = sizes[idx - 1];
        if size == 0 {
            return Err(invalid());
        }
        Ok((start as u64, (start + size - 1) as u64))
    }
}

/// Prefixes and suffixes S3 reserves (general purpose bucket naming rules).
const RESERVED_PREFIXES: &[&str] = &["xn--", "sthree-", "amzn-s3-demo-"];
const RESERVED_SUFFIXES: &[&str] = &["-s3alias", "--ol-s3", ".mrap", "--x-s3", "--table-s3"];

/// Whether `name` is a valid bucket name by S3's rules: 3-63 of `a-z 0-9 . -`, starting and
/// ending with a letter or digit, no `..`, not an IPv4 address, none of the reserved
/// prefixes and suffixes.
pub fn valid_bucket_name(name: &str) -> bool {
    let ok_char = |c: char| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '.' || c == '-';
    let edge = |c: Option<char>| c.is_some_and(|c| c.is_ascii_lowercase() || c.is_ascii_digit());
    (3..=63).contains(&name.len())
        && name.chars().all(ok_char)
        && edge(name.chars().next())
        && edge(name.chars().last())
        && !name.contains("..")
        && name.parse::<std::net::Ipv4Addr>().is_err()
        && !RESERVED_PREFIXES.iter().any(|p| name.starts_with(p))
        && !RESERVED_SUFFIXES.iter().any(|s| name.ends_with(s))
}

const BUCKET: &str = "name, region, created_ms, versioning";

fn bucket_row(r: &rusqlite::Row<'_>) -> rusqlite::Result<Bucket> {
    let versioning: Option<String> = r.get(3)?;
    Ok(Bucket {
        name: r.get(0)?,
        region: r.get(1)?,
        created_ms: r.get(2)?,
        versioning: Versioning::from_column(versioning.as_deref()),
    })
}

/// The bucket, if it exists.
pub fn find_bucket(eng: &Engine, name: &str) -> Result<Option<Bucket>, S3Error> {
    let sql = format!("SELECT {BUCKET} FROM s3_buckets WHERE name=?1");
    Ok(eng.conn.prepare_cached(&sql)?.query_row([name], bucket_row).optional()?)
}

pub(crate) fn bucket(eng: &Engine, name: &str) -> Result<Bucket, S3Error> {
    find_bucket(eng, name)?.ok_or_else(|| S3Error::no_such_bucket(name))
}

/// CreateBucket. Re-creating one's own bucket succeeds in us-east-1 and is
/// `BucketAlreadyOwnedByYou` elsewhere, as on AWS.
pub fn create_bucket(eng: &mut Engine, ctx: &Ctx, name: String) -> Result<(), S3Error> {
    if !valid_bucket_name(&name) {
        let mut e = S3Error::other("InvalidBucketName", "The specified bucket is not valid.", 400);
        e.resource = Some(("BucketName", name));
        return Err(e);
    }
    if find_bucket(eng, &name)?.is_some() {
        if ctx.region == "us-east-1" {
            return Ok(());
        }
        let mut e = S3Error::other(
            "BucketAlreadyOwnedByYou",
            "Your previous request to create the named bucket succeeded and you already own it.",
            409,
        );
        e.resource = Some(("BucketName", name));
        return Err(e);
    }
    eng.conn
        .prepare_cached("INSERT INTO s3_buckets(name, account, region, created_ms) VALUES (?1, ?2, ?3, ?4)")?
        .execute(params![name, ctx.account, ctx.region, eng.now()])?;
    // Firehose deliveries waiting for a bucket are retried at once.
    eng.conn.prepare_cached("UPDATE fh_streams SET retry_at=NULL WHERE retry_at IS NOT NULL")?.execute([])?;
    Ok(())
}

/// HeadBucket / GetBucketLocation: the bucket or NoSuchBucket.
pub fn head_bucket(eng: &mut Engine, _ctx: &Ctx, name: String) -> Result<Bucket, S3Error> {
    bucket(eng, &name)
}

/// DeleteBucket: only an empty bucket (no objects, noncurrent versions or delete markers).
pub fn delete_bucket(eng: &mut Engine, _ctx: &Ctx, name: String) -> Result<(), S3Error> {
    bucket(eng, &name)?;
    let any: Option<i64> = eng
        .conn
        .prepare_cached(
            "SELECT 1 FROM s3_objects WHERE bucket=?1 UNION ALL SELECT 1 FROM s3_versions WHERE bucket=?1 LIMIT 1",
        )?
        .query_row([&name], |r| r.get(0))
        .optional()?;
    if any.is_some() {
        let mut e = S3Error::other("BucketNotEmpty", "The bucket you tried to delete is not empty", 409);
        e.resource = Some(("BucketName", name));
        return Err(e);
    }
    eng.conn.prepare_cached("DELETE FROM s3_buckets WHERE name=?1")?.execute([&name])?;
    Ok(())
}

/// ListBuckets: every bucket, by name.
pub fn list_buckets(eng: &mut Engine, _ctx: &Ctx, _: ()) -> Result<Vec<Bucket>, S3Error> {
    let sql = format!("SELECT {BUCKET} FROM s3_buckets ORDER BY name");
    let mut stmt = eng.conn.prepare_cached(&sql)?;
    let rows = stmt.query_map([], bucket_row)?;
    Ok(rows.collect::<Result<_, _>>()?)
}

/// Hex MD5 of `data`: the ETag of a single-part object.
pub fn etag_of(data: &[u8]) -> String {
    hex::encode(Md5::digest(data))
}

/// Checks a `Content-MD5` header (base64 of the MD5) against the data received.
pub fn check_content_md5(given: &str, data: &[u8]) -> Result<(), S3Error> {
    let digest = aws_smithy_types::base64::decode(given.trim())
        .ok()
        .filter(|d| d.len() == 16)
        .ok_or_else(|| S3Error::other("InvalidDigest", "The Content-MD5 you specified was invalid.", 400))?;
    if digest[..] != Md5::digest(data)[..] {
        return Err(S3Error::other("BadDigest", "The Content-MD5 you specified did not match what we received.", 400));
    }
    Ok(())
}

/// An object written: its ETag (unquoted) and the version id S3 shows (None in a bucket
/// whose versioning was never configured).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Stored {
    /// ETag, unquoted.
    pub etag: String,
    /// `x-amz-version-id`.
    pub version_id: Option<String>,
}

/// PutObject: stores an object (a new version in a versioned bucket, else replacing it).
pub fn put_object(
    eng: &Engine,
    bucket_name: &str,
    key: &str,
    data: &[u8],
    content_type: Option<&str>,
) -> Result<Stored, S3Error> {
    store_object(eng, bucket_name, key, data, &etag_of(data), content_type, None)
}

/// Stores an object with a given ETag (unquoted) as the current version of its key.
pub(crate) fn store_object(
    eng: &Engine,
    bucket_name: &str,
    key: &str,
    data: &[u8],
    etag: &str,
    content_type: Option<&str>,
    part_sizes: Option<&str>,
) -> Result<Stored, S3Error> {
    let b = bucket(eng, bucket_name)?;
    let version = versions::before_write(eng, &b, key)?;
    eng.conn
        .prepare_cached(
            "INSERT INTO s3_objects(bucket, key, data, etag, content_type, modified_ms, part_sizes, version_id)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)
             ON CONFLICT(bucket, key) DO UPDATE SET data=excluded.data, etag=excluded.etag,
                 content_type=excluded.content_type, modified_ms=excluded.modified_ms,
                 part_sizes=excluded.part_sizes, version_id=excluded.version_id",
        )?
        .execute(params![bucket_name, key, data, etag, content_type, eng.now(), part_sizes, version])?;
    Ok(Stored { etag: etag.to_string(), version_id: b.versioning.shown(version.as_deref()) })
}

/// The columns [`meta_row`] reads, of `s3_objects` (and of `s3_versions`).
const META: &str =
    "key, coalesce(length(data), 0), coalesce(etag, ''), content_type, modified_ms, part_sizes, version_id";

/// An object's metadata with its stored version id (None or `null`: the null version).
fn meta_row(r: &rusqlite::Row<'_>) -> rusqlite::Result<ObjectMeta> {
    let sizes: Option<String> = r.get(5)?;
    Ok(ObjectMeta {
        key: r.get(0)?,
        size: r.get(1)?,
        etag: r.get(2)?,
        content_type: r.get(3)?,
        modified_ms: r.get(4)?,
        part_sizes: sizes.map(|s| s.split(',').filter_map(|n| n.parse().ok()).collect()).unwrap_or_default(),
        version_id: r.get(6)?,
    })
}

/// An ETag as S3 shows it (quoted).
pub(crate) fn quoted(etag: &str) -> String {
    format!("\"{etag}\"")
}

/// Milliseconds as the epoch seconds S3's typed answers carry.
pub(crate) fn secs(ms: i64) -> f64 {
    ms as f64 / 1000.0
}

/// HeadObject: the current version.
pub fn head_object(eng: &mut Engine, _ctx: &Ctx, (bucket_name, key): (String, String)) -> Result<ObjectMeta, S3Error> {
    let b = bucket(eng, &bucket_name)?;
    let sql = format!("SELECT {META} FROM s3_objects WHERE bucket=?1 AND key=?2");
    let mut meta = eng
        .conn
        .prepare_cached(&sql)?
        .query_row(params![bucket_name, key], meta_row)
        .optional()?
        .ok_or_else(|| S3Error::no_such_key(&key))?;
    meta.version_id = b.versioning.shown(meta.version_id.as_deref());
    Ok(meta)
}

/// A byte range as asked: first byte and, optionally, last byte (inclusive).
pub type RangeAsked = Option<(u64, Option<u64>)>;
/// An object's metadata, the bytes served and the span served (start, exclusive end).
pub type GetOutput = (ObjectMeta, Vec<u8>, Option<(u64, u64)>);

/// GetObject: metadata and the bytes of the range asked (clamped to the object) or all.
pub fn get_object(
    eng: &mut Engine,
    ctx: &Ctx,
    (bucket_name, key, range): (String, String, RangeAsked),
) -> Result<GetOutput, S3Error> {
    let meta = head_object(eng, ctx, (bucket_name.clone(), key.clone()))?;
    let span = span_of(meta.size, range)?;
    let (off, len) = substr_args(meta.size, span);
    let data: Vec<u8> = eng
        .conn
        .prepare_cached("SELECT ifnull(substr(data, ?3, ?4), x'') FROM s3_objects WHERE bucket=?1 AND key=?2")?
        .query_row(params![bucket_name, key, off, len], |r| r.get(0))?;
    Ok((meta, data, span))
}

/// The span `(start, exclusive end)` of a range asked of an object of `size` bytes.
fn span_of(size: i64, range: RangeAsked) -> Result<Option<(u64, u64)>, S3Error> {
    let Some(asked) = range else { return Ok(None) };
    Ok(Some(kinesin_protocol::s3::range::span(size as u64, asked)?))
}

/// SQLite `substr` arguments (1-based offset, length) for a span (`substr` of an empty blob
/// is NULL, hence the `ifnull` around it).
fn substr_args(size: i64, span: Option<(u64, u64)>) -> (i64, i64) {
    match span {
        Some((s, e)) => (s as i64 + 1, (e - s) as i64),
        None => (1, size),
    }
}

/// What a DeleteObject did: the version id it names (of the delete marker it made, or of
/// the version it removed) and whether that is a delete marker.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Deleted {
    /// `x-amz-version-id` (None in a bucket whose versioning was never configured).
    pub version_id: Option<String>,
    /// `x-amz-delete-marker: true`.
    pub delete_marker: bool,
}

/// DeleteObject of `(bucket, key, version id)`: without a version id, removes the object
/// (or, in a versioned bucket, makes a delete marker its current version); with one,
/// removes that version for good. Succeeds whether or not the key or version exists.
pub fn delete_object(
    eng: &mut Engine,
    _ctx: &Ctx,
    (bucket_name, key, version): (String, String, Option<String>),
) -> Result<Deleted, S3Error> {
    let b = bucket(eng, &bucket_name)?;
    match version {
        Some(v) => versions::delete_version(eng, &b, &key, &v),
        None if b.versioning == Versioning::Unversioned => {
            eng.conn
                .prepare_cached("DELETE FROM s3_objects WHERE bucket=?1 AND key=?2")?
                .execute(params![bucket_name, key])?;
            Ok(Deleted::default())
        }
        None => versions::add_delete_marker(eng, &b, &key),
    }
}

/// A key and, optionally, one of its version ids.
pub type KeyVersion = (String, Option<String>);

/// DeleteObjects: deletes each `(key, version id)`; the outcome of each, in order.
pub fn delete_objects(
    eng: &mut Engine,
    ctx: &Ctx,
    (bucket_name, objects): (String, Vec<KeyVersion>),
) -> Result<Vec<Result<Deleted, S3Error>>, S3Error> {
    bucket(eng, &bucket_name)?;
    Ok(objects.into_iter().map(|(k, v)| delete_object(eng, ctx, (bucket_name.clone(), k, v))).collect())
}

/// A ListObjects(V2) request.
#[derive(Debug, Clone, Default)]
pub struct ListQuery {
    /// Bucket.
    pub bucket: String,
    /// Only keys starting with this.
    pub prefix: String,
    /// Groups keys into common prefixes up to the first delimiter after the prefix.
    pub delimiter: Option<String>,
    /// Only keys (and common prefixes) after this one.
    pub after: String,
    /// Most keys plus common prefixes returned.
    pub max_keys: usize,
}

/// A page of a listing.
#[derive(Debug, Clone, Default)]
pub struct Listing {
    /// Objects.
    pub contents: Vec<ObjectMeta>,
    /// Common prefixes.
    pub common_prefixes: Vec<String>,
    /// Whether more entries follow.
    pub truncated: bool,
    /// The last key or common prefix returned (to continue after).
    pub last: Option<String>,
}

/// ListObjects / ListObjectsV2.
pub fn list_objects(eng: &mut Engine, _ctx: &Ctx, q: ListQuery) -> Result<Listing, S3Error> {
    let b = bucket(eng, &q.bucket)?;
    let sql = format!("SELECT {META} FROM s3_objects WHERE bucket=?1 AND key > ?2 AND key >= ?3 ORDER BY key");
    let mut stmt = eng.conn.prepare_cached(&sql)?;
    let mut rows = stmt.query(params![q.bucket, q.after, q.prefix])?;
    let mut out = Listing::default();
    let mut count = 0usize;
    while let Some(row) = rows.next()? {
        let mut m = meta_row(row)?;
        m.version_id = b.versioning.shown(m.version_id.as_deref());
        if !m.key.starts_with(&q.prefix) {
            break;
        }
        let group =
            q.delimiter.as_deref().filter(|d| !d.is_empty()).and_then(|d| {
                m.key[q.prefix.len()..].find(d).map(|i| m.key[..q.prefix.len() + i + d.len()].to_string())
            });
        if let Some(cp) = &group {
            if *cp <= q.after || out.common_prefixes.last() == Some(cp) {
                continue;
            }
        }
        if count == q.max_keys {
            out.truncated = true;
            break;
        }
        count += 1;
        match group {
            Some(cp) => {
                out.last = Some(cp.clone());
                out.common_prefixes.push(cp);
            }
            None => {
                out.last = Some(m.key.clone());
                out.contents.push(m);
            }
        }
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::clock::ManualClock;
    use std::sync::Arc;

    #[test]
    fn buckets_objects_and_listing() {
        let mut eng = Engine::memory(Arc::new(ManualClock::new(1_000)));
        let ctx = Ctx::new("000000000000", "us-east-1");
        assert!(!valid_bucket_name("Ab"));
        for bad in ["192.168.0.1", "xn--abc", "sthree-x", "my-bucket-s3alias", "b--ol-s3", "a.mrap"] {
            assert!(!valid_bucket_name(bad), "{bad}");
        }
        assert!(valid_bucket_name("192.168.0.1a") && valid_bucket_name("axn--b"));
        assert!(check_content_md5("XUFAKrxLKna5cZ2REBfFkg==", b"hello").is_ok());
        assert_eq!(check_content_md5("XUFAKrxLKna5cZ2REBfFkg==", b"hellO").unwrap_err().code, "BadDigest");
        assert_eq!(check_content_md5("nope", b"hello").unwrap_err().code, "InvalidDigest");
        assert!(create_bucket(&mut eng, &ctx, "UPPER".into()).is_err());
        create_bucket(&mut eng, &ctx, "b1".into()).unwrap_err();
        create_bucket(&mut eng, &ctx, "bkt".into()).unwrap();
        create_bucket(&mut eng, &ctx, "bkt".into()).unwrap();
        assert_eq!(put_object(&eng, "nope", "k", b"x", None).unwrap_err().code, "NoSuchBucket");
        for k in ["a/1", "a/2", "a/b/3", "c", "d/4"] {
            put_object(&eng, "bkt", k, k.as_bytes(), None).unwrap();
        }
        let q = |prefix: &str, delim: Option<&str>, after: &str, max: usize| ListQuery {
            bucket: "bkt".into(),
            prefix: prefix.into(),
            delimiter: delim.map(Into::into),
            after: after.into(),
            max_keys: max,
        };
        let l = list_objects(&mut eng, &ctx, q("", Some("/"), "", 1000)).unwrap();
        assert_eq!(l.common_prefixes, vec!["a/", "d/"]);
        assert_eq!(l.contents.iter().map(|m| m.key.as_str()).collect::<Vec<_>>(), vec!["c"]);
        let l = list_objects(&mut eng, &ctx, q("a/", Some("/"), "", 1000)).unwrap();
        assert_eq!(l.common_prefixes, vec!["a/b/"]);
        assert_eq!(l.contents.len(), 2);
        // Paging with a delimiter: the common prefix is not repeated.
        let p1 = list_objects(&mut eng, &ctx, q("", Some("/"), "", 1)).unwrap();
        assert!(p1.truncated);
        assert_eq!(p1.common_prefixes, vec!["a/"]);
        let p2 = list_objects(&mut eng, &ctx, q("", Some("/"), &p1.last.unwrap(), 1)).unwrap();
        assert_eq!(p2.contents[0].key, "c");
        let all = list_objects(&mut eng, &ctx, q("", None, "", 2)).unwrap();
        assert_eq!(all.contents.len(), 2);
        assert!(all.truncated);
        let (m, data, span) = get_object(&mut eng, &ctx, ("bkt".into(), "a/b/3".into(), Some((2, Some(3))))).unwrap();
        assert_eq!((m.size, data.as_slice(), span), (5, &b"b/"[..], Some((2, 4))));
        let (_, tail, _) = get_object(&mut eng, &ctx, ("bkt".into(), "a/b/3".into(), Some((3, None)))).unwrap();
        assert_eq!(tail, b"/3");
        assert_eq!(
            get_object(&mut eng, &ctx, ("bkt".into(), "a/b/3".into(), Some((9, None)))).unwrap_err().code,
            "InvalidRange"
        );
        assert_eq!(delete_bucket(&mut eng, &ctx, "bkt".into()).unwrap_err().code, "BucketNotEmpty");
        let keys = ["a/1", "a/2", "a/b/3", "c", "d/4"].map(|k| (k.to_string(), None)).to_vec();
        assert!(delete_objects(&mut eng, &ctx, ("bkt".into(), keys)).unwrap().iter().all(Result::is_ok));
        assert_eq!(head_object(&mut eng, &ctx, ("bkt".into(), "c".into())).unwrap_err().code, "NoSuchKey");
        delete_bucket(&mut eng, &ctx, "bkt".into()).unwrap();
        assert_eq!(list_buckets(&mut eng, &ctx, ()).unwrap().len(), 0);
    }
}
