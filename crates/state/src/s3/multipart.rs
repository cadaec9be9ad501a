//! S3 multipart uploads (Create, UploadPart, UploadPartCopy, Complete, Abort, ListParts,
//! ListMultipartUploads) and CopyObject, with S3's errors. A completed upload becomes one
//! object whose ETag is the MD5 of the parts' binary MD5s followed by `-<part count>`.

use super::{bucket, etag_of, store_object, versions, S3Error, Stored};
use crate::db::Engine;
use crate::Ctx;
use md5::{Digest, Md5};
use rusqlite::{params, OptionalExtension};

/// Smallest part other than the last (5 MiB).
pub const MIN_PART_SIZE: usize = 5 * 1024 * 1024;
/// Highest part number.
pub const MAX_PART_NUMBER: i64 = 10_000;

fn no_such_upload(upload_id: &str) -> S3Error {
    S3Error {
        code: "NoSuchUpload",
        message: "The specified upload does not exist. The upload ID may be invalid, or the upload may have been aborted or completed.".into(),
        status: 404,
        resource: Some(("UploadId", upload_id.into())),
    }
}

fn invalid_part() -> S3Error {
    S3Error::other(
        "InvalidPart",
        "One or more of the specified parts could not be found.  The part may not have been uploaded, or the specified entity tag may not match the part's entity tag.",
        400,
    )
}

/// An upload in progress.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Upload {
    /// UploadId.
    pub id: String,
    /// Key.
    pub key: String,
    /// Initiation time (ms).
    pub initiated_ms: i64,
}

/// A stored part.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Part {
    /// PartNumber.
    pub number: i64,
    /// Hex MD5 (unquoted).
    pub etag: String,
    /// Size in bytes.
    pub size: i64,
    /// Upload time (ms).
    pub modified_ms: i64,
}

/// A new UploadId: 64 URL-safe characters, like S3's opaque ids.
fn new_upload_id() -> String {
    const ALPHABET: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789._-";
    (0..64).map(|_| ALPHABET[fastrand::usize(..ALPHABET.len())] as char).collect()
}

/// CreateMultipartUpload: `(bucket, key, content type)` -> UploadId.
pub fn create_upload(
    eng: &mut Engine,
    _ctx: &Ctx,
    (bucket_name, key, content_type): (String, String, Option<String>),
) -> Result<String, S3Error> {
    bucket(eng, &bucket_name)?;
    let id = new_upload_id();
    eng.conn
        .prepare_cached(
            "INSERT INTO s3_uploads(id, bucket, key, content_type, initiated_ms) VALUES (?1, ?2, ?3, ?4, ?5)",
        )?
        .execute(params![id, bucket_name, key, content_type, eng.now()])?;
    Ok(id)
}

/// The upload `id` of `bucket`/`key`, with its content type, or NoSuchUpload.
fn upload(eng: &Engine, bucket_name: &str, key: &str, id: &str) -> Result<Option<String>, S3Error> {
    bucket(eng, bucket_name)?;
    eng.conn
        .prepare_cached("SELECT content_type FROM s3_uploads WHERE id=?1 AND bucket=?2 AND key=?3")?
        .query_row(params![id, bucket_name, key], |r| r.get::<_, Option<String>>(0))
        .optional()?
        .ok_or_else(|| no_such_upload(id))
}

fn check_part_number(n: i64) -> Result<(), S3Error> {
    if !(1..=MAX_PART_NUMBER).contains(&n) {
        let mut e =
            S3Error::other("InvalidArgument", "Part number must be an integer between 1 and 10000, inclusive", 400);
        e.resource = Some(("ArgumentName", "partNumber".into()));
        return Err(e);
    }
    Ok(())
}

/// Where a part's bytes come from.
#[derive(Debug, Clone)]
pub enum PartSource {
    /// The request body (UploadPart).
    Body(Vec<u8>),
    /// An object, optionally a byte range of it (first, last inclusive) (UploadPartCopy).
    Copy {
        /// Source bucket.
        bucket: String,
        /// Source key.
        key: String,
        /// The source's version id (`x-amz-copy-source: ...?versionId=`).
        version: Option<String>,
        /// `x-amz-copy-source-range`.
        range: Option<(u64, u64)>,
    },
}

/// An UploadPart or UploadPartCopy request.
#[derive(Debug, Clone)]
pub struct UploadPart {
    /// Bucket.
    pub bucket: String,
    /// Key.
    pub key: String,
    /// UploadId.
    pub upload_id: String,
    /// PartNumber.
    pub number: i64,
    /// The bytes.
    pub source: PartSource,
}

/// A part stored.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PartStored {
    /// ETag, unquoted.
    pub etag: String,
    /// The source's last-modified time (ms) for a copy, else now.
    pub modified_ms: i64,
    /// The source's version id for a copy (`x-amz-copy-source-version-id`).
    pub source_version: Option<String>,
}

/// UploadPart / UploadPartCopy: stores (or replaces) a part.
pub fn upload_part(eng: &mut Engine, _ctx: &Ctx, p: UploadPart) -> Result<PartStored, S3Error> {
    check_part_number(p.number)?;
    upload(eng, &p.bucket, &p.key, &p.upload_id)?;
    let now = eng.now();
    let (data, modified, source_version) = match p.source {
        PartSource::Body(data) => (data, now, None),
        PartSource::Copy { bucket: b, key: k, version, range } => {
            let (data, meta) = versions::read_source(eng, &b, &k, version.as_deref())?;
            let data = match range {
                None => data,
                Some((first, last)) => {
                    if first > last || last >= data.len() as u64 {
                        return Err(S3Error::other("InvalidRange", "The requested range is not satisfiable", 416));
                    }
                    data[first as usize..=last as usize].to_vec()
                }
            };
            (data, meta.modified_ms, meta.version_id)
        }
    };
    let etag = etag_of(&data);
    eng.conn
        .prepare_cached(
            "INSERT INTO s3_parts(upload, part, data, etag, modified_ms) VALUES (?1, ?2, ?3, ?4, ?5)
             ON CONFLICT(upload, part) DO UPDATE SET data=excluded.data, etag=excluded.etag,
                 modified_ms=excluded.modified_ms",
        )?
        .execute(params![p.upload_id, p.number, data, etag, now])?;
    Ok(PartStored { etag, modified_ms: modified, source_version })
}

/// A CompleteMultipartUpload request: the parts chosen, `(PartNumber, ETag)` in order.
#[derive(Debug, Clone)]
pub struct Complete {
    /// Bucket.
    pub bucket: String,
    /// Key.
    pub key: String,
    /// UploadId.
    pub upload_id: String,
    /// `(PartNumber, ETag)`; ETags may be quoted.
    pub parts: Vec<(i64, String)>,
}

/// The multipart ETag: hex MD5 of the concatenated binary MD5s of the parts, `-N`.
pub fn multipart_etag(part_etags: &[String]) -> String {
    let mut md5 = Md5::new();
    for e in part_etags {
        let bytes: Vec<u8> =
            (0..e.len() / 2).filter_map(|i| u8::from_str_radix(&e[2 * i..2 * i + 2], 16).ok()).collect();
        md5.update(&bytes);
    }
    format!("{}-{}", hex::encode(md5.finalize()), part_etags.len())
}

/// CompleteMultipartUpload: assembles the parts into the object and ends the upload.
pub fn complete(eng: &mut Engine, _ctx: &Ctx, c: Complete) -> Result<Stored, S3Error> {
    let content_type = upload(eng, &c.bucket, &c.key, &c.upload_id)?;
    if c.parts.is_empty() {
        return Err(S3Error::other(
            "MalformedXML",
            "The XML you provided was not well-formed or did not validate against our published schema",
            400,
        ));
    }
    if c.parts.windows(2).any(|w| w[0].0 >= w[1].0) {
        return Err(S3Error::other(
            "InvalidPartOrder",
            "The list of parts was not in ascending order. The parts list must be specified in order by part number.",
            400,
        ));
    }
    let mut data = Vec::new();
    let mut etags = Vec::with_capacity(c.parts.len());
    let mut sizes = Vec::with_capacity(c.parts.len());
    {
        let mut stmt = eng.conn.prepare_cached("SELECT data, etag FROM s3_parts WHERE upload=?1 AND part=?2")?;
        let last = c.parts.len() - 1;
        for (i, (number, etag)) in c.parts.iter().enumerate() {
            let found: Option<(Vec<u8>, String)> =
                stmt.query_row(params![c.upload_id, number], |r| Ok((r.get(0)?, r.get(1)?))).optional()?;
            let Some((bytes, stored)) = found else { return Err(invalid_part()) };
            if etag.trim_matches('"') != stored {
                return Err(invalid_part());
            }
            if i < last && bytes.len() < MIN_PART_SIZE {
                let mut e = S3Error::other(
                    "EntityTooSmall",
                    "Your proposed upload is smaller than the minimum allowed size",
                    400,
                );
                e.resource = Some(("PartNumber", number.to_string()));
                return Err(e);
            }
            sizes.push(bytes.len().to_string());
            data.extend_from_slice(&bytes);
            etags.push(stored);
        }
    }
    let etag = multipart_etag(&etags);
    let stored = store_object(eng, &c.bucket, &c.key, &data, &etag, content_type.as_deref(), Some(&sizes.join(",")))?;
    eng.conn.prepare_cached("DELETE FROM s3_uploads WHERE id=?1")?.execute([&c.upload_id])?;
    Ok(stored)
}

/// AbortMultipartUpload: `(bucket, key, upload id)`.
pub fn abort(eng: &mut Engine, _ctx: &Ctx, (b, k, id): (String, String, String)) -> Result<(), S3Error> {
    upload(eng, &b, &k, &id)?;
    eng.conn.prepare_cached("DELETE FROM s3_uploads WHERE id=?1")?.execute([&id])?;
    Ok(())
}

/// A ListParts request.
#[derive(Debug, Clone)]
pub struct ListParts {
    /// Bucket.
    pub bucket: String,
    /// Key.
    pub key: String,
    /// UploadId.
    pub upload_id: String,
    /// Only parts after this number.
    pub after: i64,
    /// Most parts returned.
    pub max: usize,
}

/// ListParts: parts after the marker, and whether more follow.
pub fn list_parts(eng: &mut Engine, _ctx: &Ctx, q: ListParts) -> Result<(Vec<Part>, bool), S3Error> {
    upload(eng, &q.bucket, &q.key, &q.upload_id)?;
    let mut stmt = eng.conn.prepare_cached(
        "SELECT part, etag, length(data), modified_ms FROM s3_parts WHERE upload=?1 AND part>?2 ORDER BY part LIMIT ?3",
    )?;
    let rows = stmt.query_map(params![q.upload_id, q.after, q.max as i64 + 1], |r| {
        Ok(Part { number: r.get(0)?, etag: r.get(1)?, size: r.get(2)?, modified_ms: r.get(3)? })
    })?;
    let mut parts: Vec<Part> = rows.collect::<Result<_, _>>()?;
    let truncated = parts.len() > q.max;
    parts.truncate(q.max);
    Ok((parts, truncated))
}

/// A ListMultipartUploads request.
#[derive(Debug, Clone)]
pub struct ListUploads {
    /// Bucket.
    pub bucket: String,
    /// Only keys starting with this.
    pub prefix: String,
    /// Only uploads after this `(key, upload id)`; an empty id means after every upload of the key.
    pub after: (String, String),
    /// Most uploads returned.
    pub max: usize,
}

/// ListMultipartUploads: uploads in progress by key then UploadId, and whether more follow.
pub fn list_uploads(eng: &mut Engine, _ctx: &Ctx, q: ListUploads) -> Result<(Vec<Upload>, bool), S3Error> {
    bucket(eng, &q.bucket)?;
    let (after_key, after_id) = &q.after;
    let mut stmt = eng.conn.prepare_cached(
        "SELECT id, key, initiated_ms FROM s3_uploads WHERE bucket=?1 AND key >= ?2
           AND (key > ?3 OR (key = ?3 AND ?4 <> '' AND id > ?4))
         ORDER BY key, id",
    )?;
    let mut rows = stmt.query(params![q.bucket, q.prefix, after_key, after_id])?;
    let mut out = Vec::new();
    let mut truncated = false;
    while let Some(r) = rows.next()? {
        let u = Upload { id: r.get(0)?, key: r.get(1)?, initiated_ms: r.get(2)? };
        if !u.key.starts_with(&q.prefix) {
            break;
        }
        if out.len() == q.max {
            truncated = true;
            break;
        }
        out.push(u);
    }
    Ok((out, truncated))
}

/// A CopyObject request.
#[derive(Debug, Clone)]
pub struct Copy {
    /// Source bucket.
    pub src_bucket: String,
    /// Source key.
    pub src_key: String,
    /// The source's version id.
    pub src_version: Option<String>,
    /// Destination bucket.
    pub bucket: String,
    /// Destination key.
    pub key: String,
    /// `x-amz-metadata-directive: REPLACE` with this content type, or COPY (None).
    pub replace_content_type: Option<Option<String>>,
}

/// An object copied: the new object, when it was written and the source's version id.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Copied {
    /// The new object's ETag and version id.
    pub stored: Stored,
    /// Its last-modified time (ms).
    pub modified_ms: i64,
    /// `x-amz-copy-source-version-id`.
    pub source_version: Option<String>,
}

/// CopyObject: copies an object version (data and content type, or the replaced content
/// type). The copy is a single-part object.
pub fn copy(eng: &mut Engine, _ctx: &Ctx, c: Copy) -> Result<Copied, S3Error> {
    bucket(eng, &c.bucket)?;
    if c.src_bucket == c.bucket && c.src_key == c.key && c.src_version.is_none() && c.replace_content_type.is_none() {
        return Err(S3Error::other(
            "InvalidRequest",
            "This copy request is illegal because it is trying to copy an object to itself without changing the object's metadata, storage class, website redirect location or encryption attributes.",
            400,
        ));
    }
    let (data, meta) = versions::read_source(eng, &c.src_bucket, &c.src_key, c.src_version.as_deref())?;
    let content_type = c.replace_content_type.unwrap_or(meta.content_type);
    let stored = store_object(eng, &c.bucket, &c.key, &data, &etag_of(&data), content_type.as_deref(), None)?;
    Ok(Copied { stored, modified_ms: eng.now(), source_version: meta.version_id })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::clock::ManualClock;
    use crate::s3::{create_bucket, get_object, head_object, put_object};
    use std::sync::Arc;

    fn setup() -> (Engine, Ctx) {
        let mut eng = Engine::memory(Arc::new(ManualClock::new(1_000)));
        let ctx = Ctx::new("000000000000", "us-east-1");
        create_bucket(&mut eng, &ctx, "bkt".into()).unwrap();
        (eng, ctx)
    }

    fn part(eng: &mut Engine, ctx: &Ctx, id: &str, n: i64, data: Vec<u8>) -> Result<String, S3Error> {
        let p = UploadPart {
            bucket: "bkt".into(),
            key: "big".into(),
            upload_id: id.into(),
            number: n,
            source: PartSource::Body(data),
        };
        upload_part(eng, ctx, p).map(|s| s.etag)
    }

    fn complete_with(eng: &mut Engine, ctx: &Ctx, id: &str, parts: Vec<(i64, String)>) -> Result<String, S3Error> {
        complete(eng, ctx, Complete { bucket: "bkt".into(), key: "big".into(), upload_id: id.into(), parts })
            .map(|s| s.etag)
    }

    #[test]
    fn upload_complete_and_etag() {
        let (mut eng, ctx) = setup();
        let id = create_upload(&mut eng, &ctx, ("bkt".into(), "big".into(), Some("text/plain".into()))).unwrap();
        assert_eq!(id.len(), 64);
        let a = vec![b'a'; MIN_PART_SIZE];
        let b = b"tail".to_vec();
        let ea = part(&mut eng, &ctx, &id, 1, a.clone()).unwrap();
        let eb = part(&mut eng, &ctx, &id, 2, b.clone()).unwrap();
        assert_eq!(ea, etag_of(&a));
        assert_eq!(part(&mut eng, &ctx, &id, 0, vec![1]).unwrap_err().code, "InvalidArgument");
        assert_eq!(part(&mut eng, &ctx, &id, 10_001, vec![1]).unwrap_err().code, "InvalidArgument");
        assert_eq!(part(&mut eng, &ctx, "nope", 1, vec![1]).unwrap_err().code, "NoSuchUpload");
        let q = ListParts { bucket: "bkt".into(), key: "big".into(), upload_id: id.clone(), after: 0, max: 1 };
        let (parts, truncated) = list_parts(&mut eng, &ctx, q.clone()).unwrap();
        assert_eq!((parts[0].number, parts[0].size, truncated), (1, MIN_PART_SIZE as i64, true));
        let (rest, truncated) = list_parts(&mut eng, &ctx, ListParts { after: 1, ..q }).unwrap();
        assert_eq!((rest[0].number, rest[0].etag.as_str(), truncated), (2, eb.as_str(), false));
        // Errors: order, unknown part, wrong ETag.
        let err = complete_with(&mut eng, &ctx, &id, vec![(2, eb.clone()), (1, ea.clone())]).unwrap_err();
        assert_eq!(err.code, "InvalidPartOrder");
        assert_eq!(
            complete_with(&mut eng, &ctx, &id, vec![(1, ea.clone()), (3, eb.clone())]).unwrap_err().code,
            "InvalidPart"
        );
        assert_eq!(complete_with(&mut eng, &ctx, &id, vec![(1, eb.clone())]).unwrap_err().code, "InvalidPart");
        assert_eq!(complete_with(&mut eng, &ctx, &id, vec![]).unwrap_err().code, "MalformedXML");
        let etag = complete_with(&mut eng, &ctx, &id, vec![(1, format!("\"{ea}\"")), (2, eb.clone())]).unwrap();
        // The ETag of a multipart object: MD5 of the binary MD5s, "-2".
        let mut md5 = Md5::new();
        md5.update(Md5::digest(&a));
        md5.update(Md5::digest(&b));
        let expected = hex::encode(md5.finalize());
        assert_eq!(etag, format!("{expected}-2"));
        let meta = head_object(&mut eng, &ctx, ("bkt".into(), "big".into())).unwrap();
        assert_eq!(
            (meta.size, meta.etag.as_str(), meta.content_type.as_deref()),
            ((a.len() + 4) as i64, etag.as_str(), Some("text/plain"))
        );
        assert_eq!(meta.part_sizes, vec![a.len() as i64, 4]);
        assert_eq!(meta.part_span(2).unwrap(), (a.len() as u64, a.len() as u64 + 3));
        assert_eq!(meta.part_span(3).unwrap_err().code, "InvalidPartNumber");
        let (_, tail, _) =
            get_object(&mut eng, &ctx, ("bkt".into(), "big".into(), Some((a.len() as u64, None)))).unwrap();
        assert_eq!(tail, b"tail");
        // The upload is gone.
        assert_eq!(complete_with(&mut eng, &ctx, &id, vec![(1, ea)]).unwrap_err().code, "NoSuchUpload");
    }

    #[test]
    fn small_parts_abort_and_listing() {
        let (mut eng, ctx) = setup();
        let id = create_upload(&mut eng, &ctx, ("bkt".into(), "big".into(), None)).unwrap();
        let e1 = part(&mut eng, &ctx, &id, 1, b"small".to_vec()).unwrap();
        let e2 = part(&mut eng, &ctx, &id, 2, b"last".to_vec()).unwrap();
        let err = complete_with(&mut eng, &ctx, &id, vec![(1, e1.clone()), (2, e2)]).unwrap_err();
        assert_eq!((err.code, err.status), ("EntityTooSmall", 400));
        // One small part alone is fine (it is the last).
        let id2 = create_upload(&mut eng, &ctx, ("bkt".into(), "big".into(), None)).unwrap();
        let other = create_upload(&mut eng, &ctx, ("bkt".into(), "other/x".into(), None)).unwrap();
        let q = |prefix: &str, after: (&str, &str), max| ListUploads {
            bucket: "bkt".into(),
            prefix: prefix.into(),
            after: (after.0.into(), after.1.into()),
            max,
        };
        let (all, truncated) = list_uploads(&mut eng, &ctx, q("", ("", ""), 1000)).unwrap();
        assert_eq!((all.len(), truncated), (3, false));
        let (only, _) = list_uploads(&mut eng, &ctx, q("other/", ("", ""), 1000)).unwrap();
        assert_eq!(only.iter().map(|u| u.id.as_str()).collect::<Vec<_>>(), vec![other.as_str()]);
        let (page, truncated) = list_uploads(&mut eng, &ctx, q("", ("", ""), 1)).unwrap();
        assert!(truncated);
        let (next, _) = list_uploads(&mut eng, &ctx, q("", (&page[0].key, &page[0].id), 1000)).unwrap();
        assert_eq!(next.len(), 2);
        let (after_key, _) = list_uploads(&mut eng, &ctx, q("", ("big", ""), 1000)).unwrap();
        assert_eq!(after_key.len(), 1);
        abort(&mut eng, &ctx, ("bkt".into(), "big".into(), id.clone())).unwrap();
        assert_eq!(abort(&mut eng, &ctx, ("bkt".into(), "big".into(), id)).unwrap_err().code, "NoSuchUpload");
        assert_eq!(
            abort(&mut eng, &ctx, ("bkt".into(), "wrong-key".into(), id2.clone())).unwrap_err().code,
            "NoSuchUpload"
        );
        assert!(complete_with(&mut eng, &ctx, &id2, vec![(1, e1)]).is_err());
    }

    #[test]
    fn copy_object_and_part_copy() {
        let (mut eng, ctx) = setup();
        put_object(&eng, "bkt", "src", b"0123456789", Some("text/csv")).unwrap();
        let c = |key: &str, ct: Option<Option<String>>| Copy {
            src_bucket: "bkt".into(),
            src_key: "src".into(),
            src_version: None,
            bucket: "bkt".into(),
            key: key.into(),
            replace_content_type: ct,
        };
        let copied = copy(&mut eng, &ctx, c("dst", None)).unwrap();
        assert_eq!((copied.stored.etag.as_str(), copied.source_version), (etag_of(b"0123456789").as_str(), None));
        let m = head_object(&mut eng, &ctx, ("bkt".into(), "dst".into())).unwrap();
        assert_eq!(m.content_type.as_deref(), Some("text/csv"));
        assert!(m.part_sizes.is_empty());
        assert_eq!(m.part_span(1).unwrap(), (0, 9));
        assert_eq!(m.part_span(2).unwrap_err().code, "InvalidPartNumber");
        copy(&mut eng, &ctx, c("dst", Some(Some("application/json".into())))).unwrap();
        let m = head_object(&mut eng, &ctx, ("bkt".into(), "dst".into())).unwrap();
        assert_eq!(m.content_type.as_deref(), Some("application/json"));
        assert_eq!(copy(&mut eng, &ctx, c("src", None)).unwrap_err().code, "InvalidRequest");
        assert!(copy(&mut eng, &ctx, c("src", Some(None))).is_ok());
        let mut missing = c("x", None);
        missing.src_key = "nope".into();
        assert_eq!(copy(&mut eng, &ctx, missing).unwrap_err().code, "NoSuchKey");
        let mut nobucket = c("x", None);
        nobucket.bucket = "nobucket".into();
        assert_eq!(copy(&mut eng, &ctx, nobucket).unwrap_err().code, "NoSuchBucket");
        // UploadPartCopy with a range.
        let id = create_upload(&mut eng, &ctx, ("bkt".into(), "big".into(), None)).unwrap();
        let p = |range| UploadPart {
            bucket: "bkt".into(),
            key: "big".into(),
            upload_id: id.clone(),
            number: 1,
            source: PartSource::Copy { bucket: "bkt".into(), key: "src".into(), version: None, range },
        };
        let etag = upload_part(&mut eng, &ctx, p(Some((2, 4)))).unwrap().etag;
        assert_eq!(etag, etag_of(b"234"));
        assert_eq!(upload_part(&mut eng, &ctx, p(Some((5, 10)))).unwrap_err().code, "InvalidRange");
        complete_with(&mut eng, &ctx, &id, vec![(1, etag)]).unwrap();
        let (_, data, _) = get_object(&mut eng, &ctx, ("bkt".into(), "big".into(), None)).unwrap();
        assert_eq!(data, b"234");
    }
}
