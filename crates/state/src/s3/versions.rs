//! S3 object versions: a bucket's versioning status, the noncurrent versions and delete
//! markers of versioned buckets, reads and deletes by version id, and ListObjectVersions.
//!
//! `s3_objects` holds the current version of each key that has one (a key whose newest
//! version is a delete marker has none); `s3_versions` the older versions and the delete
//! markers, numbered in the order they were superseded or made. A bucket whose versioning
//! was never configured keeps one unnamed version per key (shown as `null` where S3 shows
//! one), exactly as before versioning existed.

use super::config::{self, Kind, VersioningDoc};
use super::{bucket, meta_row, span_of, substr_args, Bucket, Deleted, GetOutput, ObjectMeta, RangeAsked, S3Error};
use crate::db::Engine;
use crate::Ctx;
use kinesin_protocol::s3::body::{versioning_status, VersioningStatus};
use kinesin_protocol::s3::requests::PutBucketSettingRequest;
use rusqlite::{params, OptionalExtension};
use serde::Serialize;

/// The version id of the null version.
pub const NULL: &str = "null";

/// Length of the version ids kinesin makes.
const ID_LEN: usize = 32;
const ID_ALPHABET: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789._";

/// A bucket's versioning status.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize)]
pub enum Versioning {
    /// Never configured: one version per key, no version ids shown.
    #[default]
    Unversioned,
    /// Every write makes a new version.
    Enabled,
    /// Writes replace the `null` version; older versions are kept.
    Suspended,
}

impl From<VersioningStatus> for Versioning {
    fn from(s: VersioningStatus) -> Self {
        match s {
            VersioningStatus::Enabled => Versioning::Enabled,
            VersioningStatus::Suspended => Versioning::Suspended,
        }
    }
}

impl Versioning {
    pub(crate) fn from_column(v: Option<&str>) -> Self {
        match v {
            Some("Enabled") => Versioning::Enabled,
            Some("Suspended") => Versioning::Suspended,
            _ => Versioning::Unversioned,
        }
    }

    fn column(self) -> Option<&'static str> {
        match self {
            Versioning::Unversioned => None,
            Versioning::Enabled => Some("Enabled"),
            Versioning::Suspended => Some("Suspended"),
        }
    }

    /// The version id S3 shows for a stored one (None or `null`: the null version): none in
    /// a bucket whose versioning was never configured.
    pub fn shown(self, stored: Option<&str>) -> Option<String> {
        (self != Versioning::Unversioned).then(|| stored.unwrap_or(NULL).to_string())
    }
}

/// A new version id: 32 URL-safe characters.
fn new_version_id() -> String {
    (0..ID_LEN).map(|_| ID_ALPHABET[fastrand::usize(..ID_ALPHABET.len())] as char).collect()
}

/// `InvalidArgument` unless `v` is `null` or a version id kinesin could have made.
pub fn check_version_id(v: &str) -> Result<(), S3Error> {
    if v == NULL || (v.len() == ID_LEN && v.bytes().all(|b| ID_ALPHABET.contains(&b))) {
        return Ok(());
    }
    let mut e = S3Error::other("InvalidArgument", "Invalid version id specified", 400);
    e.resource = Some(("ArgumentName", "versionId".into()));
    Err(e)
}

fn no_such_version(v: &str) -> S3Error {
    S3Error {
        code: "NoSuchVersion",
        message: "The specified version does not exist.".into(),
        status: 404,
        resource: Some(("VersionId", v.into())),
    }
}

/// A delete marker: its version id and when it was made.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Marker {
    /// Version id.
    pub version_id: String,
    /// Creation time (ms).
    pub modified_ms: i64,
}

/// What a version id names: an object version, or a delete marker.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub enum Found<T> {
    /// An object version.
    Object(T),
    /// A delete marker.
    Marker(Marker),
}

/// Where a version lives.
enum Loc {
    Current(ObjectMeta),
    Noncurrent(i64, ObjectMeta),
    Marker(Marker),
}

/// PutBucketVersioning: stores the document and, when it has a status, the status.
pub fn configure(eng: &mut Engine, _ctx: &Ctx, r: PutBucketSettingRequest) -> Result<(), S3Error> {
    let (name, doc) = (r.bucket, r.document);
    let status = versioning_status(&doc)?.map(Versioning::from);
    config::store(eng, (name.clone(), VersioningDoc::QUERY, doc))?;
    if let Some(s) = status {
        eng.conn
            .prepare_cached("UPDATE s3_buckets SET versioning=?2 WHERE name=?1")?
            .execute(params![name, s.column()])?;
    }
    Ok(())
}

/// Moves the current version of `key` (if any, and only a named one when `named_only`) to
/// the noncurrent versions.
fn archive_current(eng: &Engine, bucket: &str, key: &str, named_only: bool) -> Result<(), S3Error> {
    eng.conn
        .prepare_cached(
            "INSERT INTO s3_versions(bucket, key, version_id, marker, data, etag, content_type, modified_ms, part_sizes)
             SELECT bucket, key, coalesce(version_id, 'null'), 0, data, etag, content_type, modified_ms, part_sizes
             FROM s3_objects WHERE bucket=?1 AND key=?2 AND (?3 = 0 OR version_id IS NOT NULL)",
        )?
        .execute(params![bucket, key, named_only])?;
    Ok(())
}

/// Removes the noncurrent null version or null delete marker of `key`.
fn drop_noncurrent_null(eng: &Engine, bucket: &str, key: &str) -> Result<(), S3Error> {
    eng.conn
        .prepare_cached("DELETE FROM s3_versions WHERE bucket=?1 AND key=?2 AND version_id='null'")?
        .execute(params![bucket, key])?;
    Ok(())
}

/// Before a write of `key`: keeps what versioning keeps; returns the stored version id of
/// the new current version (None: the null version, which the write replaces).
pub(crate) fn before_write(eng: &Engine, b: &Bucket, key: &str) -> Result<Option<String>, S3Error> {
    match b.versioning {
        Versioning::Unversioned => Ok(None),
        Versioning::Enabled => {
            archive_current(eng, &b.name, key, false)?;
            Ok(Some(new_version_id()))
        }
        Versioning::Suspended => {
            drop_noncurrent_null(eng, &b.name, key)?;
            archive_current(eng, &b.name, key, true)?;
            Ok(None)
        }
    }
}

/// A DELETE without a version id in a versioned bucket: a delete marker becomes the current
/// version (`null` when versioning is suspended, replacing the null version).
pub(crate) fn add_delete_marker(eng: &Engine, b: &Bucket, key: &str) -> Result<Deleted, S3Error> {
    let id = if b.versioning == Versioning::Suspended {
        drop_noncurrent_null(eng, &b.name, key)?;
        archive_current(eng, &b.name, key, true)?;
        NULL.to_string()
    } else {
        archive_current(eng, &b.name, key, false)?;
        new_version_id()
    };
    eng.conn.prepare_cached("DELETE FROM s3_objects WHERE bucket=?1 AND key=?2")?.execute(params![b.name, key])?;
    eng.conn
        .prepare_cached(
            "INSERT INTO s3_versions(bucket, key, version_id, marker, modified_ms) VALUES (?1, ?2, ?3, 1, ?4)",
        )?
        .execute(params![b.name, key, id, eng.now()])?;
    Ok(Deleted { version_id: Some(id), delete_marker: true })
}

/// A DELETE of one version (object or delete marker), for good; the next newest version
/// becomes current. A version that does not exist is not an error.
pub(crate) fn delete_version(eng: &Engine, b: &Bucket, key: &str, v: &str) -> Result<Deleted, S3Error> {
    check_version_id(v)?;
    let current = eng
        .conn
        .prepare_cached("DELETE FROM s3_objects WHERE bucket=?1 AND key=?2 AND coalesce(version_id, 'null')=?3")?
        .execute(params![b.name, key, v])?;
    let marker = if current > 0 {
        false
    } else {
        let marker: Option<bool> = eng
            .conn
            .prepare_cached("DELETE FROM s3_versions WHERE bucket=?1 AND key=?2 AND version_id=?3 RETURNING marker")?
            .query_row(params![b.name, key, v], |r| r.get(0))
            .optional()?;
        marker.unwrap_or(false)
    };
    promote_newest(eng, &b.name, key)?;
    Ok(Deleted { version_id: Some(v.to_string()), delete_marker: marker })
}

/// When `key` has no current version and its newest noncurrent entry is an object version,
/// that version becomes current again.
fn promote_newest(eng: &Engine, bucket: &str, key: &str) -> Result<(), S3Error> {
    let newest: Option<(i64, bool)> = eng
        .conn
        .prepare_cached(
            "SELECT id, marker FROM s3_versions WHERE bucket=?1 AND key=?2
               AND NOT EXISTS (SELECT 1 FROM s3_objects WHERE bucket=?1 AND key=?2)
             ORDER BY id DESC LIMIT 1",
        )?
        .query_row(params![bucket, key], |r| Ok((r.get(0)?, r.get(1)?)))
        .optional()?;
    let Some((id, false)) = newest else { return Ok(()) };
    eng.conn
        .prepare_cached(
            "INSERT INTO s3_objects(bucket, key, data, etag, content_type, modified_ms, part_sizes, version_id)
             SELECT bucket, key, data, etag, content_type, modified_ms, part_sizes, nullif(version_id, 'null')
             FROM s3_versions WHERE id=?1",
        )?
        .execute([id])?;
    eng.conn.prepare_cached("DELETE FROM s3_versions WHERE id=?1")?.execute([id])?;
    Ok(())
}

/// Finds version `v` of `key`.
fn locate(eng: &Engine, b: &Bucket, key: &str, v: &str) -> Result<Option<Loc>, S3Error> {
    let sql = format!(
        "SELECT {} FROM s3_objects WHERE bucket=?1 AND key=?2 AND coalesce(version_id, 'null')=?3",
        super::META
    );
    let current = eng.conn.prepare_cached(&sql)?.query_row(params![b.name, key, v], meta_row).optional()?;
    if let Some(mut m) = current {
        m.version_id = Some(v.to_string());
        return Ok(Some(Loc::Current(m)));
    }
    let sql =
        format!("SELECT {}, id, marker FROM s3_versions WHERE bucket=?1 AND key=?2 AND version_id=?3", super::META);
    let found = eng
        .conn
        .prepare_cached(&sql)?
        .query_row(params![b.name, key, v], |r| Ok((meta_row(r)?, r.get::<_, i64>(7)?, r.get::<_, bool>(8)?)))
        .optional()?;
    Ok(found.map(|(m, id, marker)| match marker {
        true => Loc::Marker(Marker { version_id: v.to_string(), modified_ms: m.modified_ms }),
        false => Loc::Noncurrent(id, ObjectMeta { version_id: Some(v.to_string()), ..m }),
    }))
}

/// HeadObject with a version id: that version's metadata, or the delete marker it names.
pub fn head(
    eng: &mut Engine,
    _ctx: &Ctx,
    (name, key, v): (String, String, String),
) -> Result<Found<ObjectMeta>, S3Error> {
    let b = bucket(eng, &name)?;
    check_version_id(&v)?;
    match locate(eng, &b, &key, &v)? {
        None => Err(no_such_version(&v)),
        Some(Loc::Marker(m)) => Ok(Found::Marker(m)),
        Some(Loc::Current(m) | Loc::Noncurrent(_, m)) => Ok(Found::Object(m)),
    }
}

/// GetObject with a version id: that version's metadata and bytes (of the range asked), or
/// the delete marker it names.
pub fn get(
    eng: &mut Engine,
    _ctx: &Ctx,
    (name, key, v, range): (String, String, String, RangeAsked),
) -> Result<Found<GetOutput>, S3Error> {
    let b = bucket(eng, &name)?;
    check_version_id(&v)?;
    let (meta, noncurrent) = match locate(eng, &b, &key, &v)? {
        None => return Err(no_such_version(&v)),
        Some(Loc::Marker(m)) => return Ok(Found::Marker(m)),
        Some(Loc::Current(m)) => (m, None),
        Some(Loc::Noncurrent(id, m)) => (m, Some(id)),
    };
    let span = span_of(meta.size, range)?;
    let (off, len) = substr_args(meta.size, span);
    let data: Vec<u8> = match noncurrent {
        None => eng
            .conn
            .prepare_cached("SELECT ifnull(substr(data, ?3, ?4), x'') FROM s3_objects WHERE bucket=?1 AND key=?2")?
            .query_row(params![b.name, key, off, len], |r| r.get(0))?,
        Some(id) => eng
            .conn
            .prepare_cached("SELECT ifnull(substr(data, ?2, ?3), x'') FROM s3_versions WHERE id=?1")?
            .query_row(params![id, off, len], |r| r.get(0))?,
    };
    Ok(Found::Object((meta, data, span)))
}

/// The delete marker that is the current version of `key`, if one is.
pub fn current_marker(eng: &mut Engine, _ctx: &Ctx, (name, key): (String, String)) -> Result<Option<Marker>, S3Error> {
    bucket(eng, &name)?;
    Ok(eng
        .conn
        .prepare_cached(
            "SELECT version_id, modified_ms, marker FROM s3_versions WHERE bucket=?1 AND key=?2
               AND NOT EXISTS (SELECT 1 FROM s3_objects WHERE bucket=?1 AND key=?2)
             ORDER BY id DESC LIMIT 1",
        )?
        .query_row(params![name, key], |r| Ok((r.get(0)?, r.get(1)?, r.get::<_, bool>(2)?)))
        .optional()?
        .filter(|(_, _, marker)| *marker)
        .map(|(version_id, modified_ms, _)| Marker { version_id, modified_ms }))
}

/// The bytes and metadata of a copy source: the current version, or version `v`
/// (`InvalidRequest` for a delete marker, as S3 refuses to copy one).
pub(crate) fn read_source(
    eng: &Engine,
    name: &str,
    key: &str,
    v: Option<&str>,
) -> Result<(Vec<u8>, ObjectMeta), S3Error> {
    let b = bucket(eng, name)?;
    let (meta, data) = match v {
        None => {
            let sql = format!("SELECT {}, data FROM s3_objects WHERE bucket=?1 AND key=?2", super::META);
            eng.conn
                .prepare_cached(&sql)?
                .query_row(params![name, key], |r| Ok((meta_row(r)?, r.get::<_, Vec<u8>>(7)?)))
                .optional()?
                .ok_or_else(|| S3Error::no_such_key(key))?
        }
        Some(v) => {
            check_version_id(v)?;
            match locate(eng, &b, key, v)? {
                None => return Err(no_such_version(v)),
                Some(Loc::Marker(_)) => {
                    return Err(S3Error::other(
                        "InvalidRequest",
                        "The source of a copy request may not specifically refer to a delete marker by version id.",
                        400,
                    ))
                }
                Some(Loc::Current(m)) => {
                    let data = eng
                        .conn
                        .prepare_cached("SELECT data FROM s3_objects WHERE bucket=?1 AND key=?2")?
                        .query_row(params![name, key], |r| r.get(0))?;
                    (m, data)
                }
                Some(Loc::Noncurrent(id, m)) => {
                    let data = eng
                        .conn
                        .prepare_cached("SELECT data FROM s3_versions WHERE id=?1")?
                        .query_row([id], |r| r.get(0))?;
                    (m, data)
                }
            }
        }
    };
    let shown = if v.is_some() { meta.version_id.clone() } else { b.versioning.shown(meta.version_id.as_deref()) };
    Ok((data, ObjectMeta { version_id: shown, ..meta }))
}

/// A ListObjectVersions request.
#[derive(Debug, Clone, Default)]
pub struct VersionQuery {
    /// Bucket.
    pub bucket: String,
    /// Only keys starting with this.
    pub prefix: String,
    /// Groups keys into common prefixes up to the first delimiter after the prefix.
    pub delimiter: Option<String>,
    /// `key-marker`: only keys after this one (or, with `version_marker`, this key's
    /// versions older than that one).
    pub key_marker: String,
    /// `version-id-marker`.
    pub version_marker: String,
    /// Most versions, delete markers and common prefixes returned.
    pub max_keys: usize,
}

/// A version or delete marker of a listing.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct VersionEntry {
    /// Its metadata (`version_id` always set; size 0 and no ETag for a delete marker).
    pub meta: ObjectMeta,
    /// Whether it is the key's newest version.
    pub latest: bool,
    /// Whether it is a delete marker.
    pub delete_marker: bool,
}

/// A page of ListObjectVersions.
#[derive(Debug, Clone, Default)]
pub struct VersionListing {
    /// Versions and delete markers, by key then newest first.
    pub entries: Vec<VersionEntry>,
    /// Common prefixes.
    pub common_prefixes: Vec<String>,
    /// Whether more follow.
    pub truncated: bool,
    /// Where the next page starts: `NextKeyMarker` and, after a version, `NextVersionIdMarker`.
    pub next: Option<(String, Option<String>)>,
}

/// Rank of the current version of a key (noncurrent entries rank by their row id).
const CURRENT_RANK: i64 = i64::MAX;

/// The rank of version `v` of `key`: a page continues with the versions ranked below it.
/// A version gone since the previous page resumes after the whole key.
fn marker_rank(eng: &Engine, bucket: &str, key: &str, v: &str) -> Result<i64, S3Error> {
    if v.is_empty() {
        return Ok(i64::MIN);
    }
    check_version_id(v).map_err(|mut e| {
        e.resource = Some(("ArgumentName", "version-id-marker".into()));
        e
    })?;
    let rank: Option<i64> = eng
        .conn
        .prepare_cached(
            "SELECT 9223372036854775807 FROM s3_objects WHERE bucket=?1 AND key=?2 AND coalesce(version_id, 'null')=?3
             UNION ALL SELECT id FROM s3_versions WHERE bucket=?1 AND key=?2 AND version_id=?3",
        )?
        .query_row(params![bucket, key, v], |r| r.get(0))
        .optional()?;
    Ok(rank.unwrap_or(i64::MIN))
}

/// ListObjectVersions: every version and delete marker, by key, newest first.
pub fn list(eng: &mut Engine, _ctx: &Ctx, q: VersionQuery) -> Result<VersionListing, S3Error> {
    bucket(eng, &q.bucket)?;
    if !q.version_marker.is_empty() && q.key_marker.is_empty() {
        let mut e =
            S3Error::other("InvalidArgument", "A version-id marker cannot be specified without a key marker.", 400);
        e.resource = Some(("ArgumentName", "version-id-marker".into()));
        return Err(e);
    }
    let rank = marker_rank(eng, &q.bucket, &q.key_marker, &q.version_marker)?;
    let sql = format!(
        "SELECT * FROM (
           SELECT {meta}, 0 AS marker, {CURRENT_RANK} AS rank, 1 AS latest
             FROM s3_objects WHERE bucket=?1 AND key >= ?2 AND key >= ?3
           UNION ALL
           SELECT {meta}, marker, id,
                  NOT EXISTS (SELECT 1 FROM s3_objects o WHERE o.bucket=?1 AND o.key=v.key)
                  AND id = (SELECT max(w.id) FROM s3_versions w WHERE w.bucket=?1 AND w.key=v.key)
             FROM s3_versions v WHERE bucket=?1 AND key >= ?2 AND key >= ?3)
         WHERE key > ?3 OR (key = ?3 AND rank < ?4)
         ORDER BY key, rank DESC",
        meta = super::META
    );
    let mut stmt = eng.conn.prepare_cached(&sql)?;
    let mut rows = stmt.query(params![q.bucket, q.prefix, q.key_marker, rank])?;
    let mut out = VersionListing::default();
    let mut count = 0usize;
    while let Some(row) = rows.next()? {
        let mut meta = meta_row(row)?;
        if !meta.key.starts_with(&q.prefix) {
            break;
        }
        let group = q.delimiter.as_deref().filter(|d| !d.is_empty()).and_then(|d| {
            meta.key[q.prefix.len()..].find(d).map(|i| meta.key[..q.prefix.len() + i + d.len()].to_string())
        });
        if let Some(cp) = &group {
            if *cp <= q.key_marker || out.common_prefixes.last() == Some(cp) {
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
                out.next = Some((cp.clone(), None));
                out.common_prefixes.push(cp);
            }
            None => {
                meta.version_id = Some(meta.version_id.unwrap_or_else(|| NULL.to_string()));
                out.next = Some((meta.key.clone(), meta.version_id.clone()));
                let delete_marker: bool = row.get(7)?;
                let latest: bool = row.get(9)?;
                out.entries.push(VersionEntry { meta, latest, delete_marker });
            }
        }
    }
    if !out.truncated {
        out.next = None;
    }
    Ok(out)
}

#[cfg(test)]
mod tests;
