//! Bucket settings as documents: what a `PUT ?<subresource>` stored, returned by the matching
//! GET (the server side knows each setting's default and its "not found" error). Each
//! setting is a [`Kind`], so its operations are typed by it.

use super::{bucket, S3Error};
use crate::db::Engine;
use crate::Ctx;
use kinesin_protocol::s3::requests::{BucketRequest, PutBucketSettingRequest};
use rusqlite::{params, OptionalExtension};
use serde::Serialize;

/// A setting's state.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub enum Setting {
    /// Never set: the default applies.
    Default,
    /// Deleted: none (for settings whose default is something).
    Deleted,
    /// Set to this document.
    Set(Vec<u8>),
}

/// A bucket setting kept as a document.
pub trait Kind: 'static {
    /// The query that names it (`tagging` for `?tagging`).
    const QUERY: &'static str;
    /// Whether a deletion is kept: the setting has a default that a deletion removes.
    const KEEPS_DELETION: bool = false;
}

macro_rules! kinds {
    ($($(#[$doc:meta])* $name:ident = $query:literal $(, keeps $keeps:literal)?;)*) => {
        $(
            $(#[$doc])*
            #[derive(Debug, Clone, Copy)]
            pub struct $name;
            impl Kind for $name {
                const QUERY: &'static str = $query;
                $(const KEEPS_DELETION: bool = $keeps;)?
            }
        )*
    };
}

kinds! {
    /// `?tagging`.
    Tagging = "tagging";
    /// `?versioning` (its status is kept on the bucket too, see `versions::configure`).
    VersioningDoc = "versioning";
    /// `?encryption`.
    Encryption = "encryption";
    /// `?publicAccessBlock`.
    PublicAccessBlock = "publicAccessBlock", keeps true;
    /// `?ownershipControls`.
    OwnershipControls = "ownershipControls", keeps true;
    /// `?acl`.
    Acl = "acl";
    /// `?policy` (a JSON document).
    Policy = "policy";
    /// `?lifecycle`.
    Lifecycle = "lifecycle";
    /// `?cors`.
    Cors = "cors";
    /// `?notification`.
    Notification = "notification";
}

/// Reads setting `K` of a bucket.
pub fn get<K: Kind>(eng: &mut Engine, _ctx: &Ctx, r: BucketRequest) -> Result<Setting, S3Error> {
    let name = r.bucket;
    bucket(eng, &name)?;
    let body: Option<Vec<u8>> = eng
        .conn
        .prepare_cached("SELECT body FROM s3_bucket_config WHERE bucket=?1 AND name=?2")?
        .query_row(params![name, K::QUERY], |r| r.get(0))
        .optional()?;
    Ok(match body {
        None => Setting::Default,
        Some(b) if b.is_empty() => Setting::Deleted,
        Some(b) => Setting::Set(b),
    })
}

/// Stores setting `K`; an empty document (a canned ACL without one) resets it.
pub fn put<K: Kind>(eng: &mut Engine, ctx: &Ctx, r: PutBucketSettingRequest) -> Result<(), S3Error> {
    if r.document.is_empty() {
        return reset(eng, ctx, (r.bucket, K::QUERY));
    }
    store(eng, (r.bucket, K::QUERY, r.document))
}

/// Deletes setting `K`: recorded for a setting whose default it removes, else its default
/// applies again.
pub fn delete<K: Kind>(eng: &mut Engine, ctx: &Ctx, r: BucketRequest) -> Result<(), S3Error> {
    match K::KEEPS_DELETION {
        true => store(eng, (r.bucket, K::QUERY, Vec::new())),
        false => reset(eng, ctx, (r.bucket, K::QUERY)),
    }
}

/// Stores the document of setting `query` (an empty one records a deletion).
pub(super) fn store(eng: &mut Engine, (name, query, body): (String, &'static str, Vec<u8>)) -> Result<(), S3Error> {
    bucket(eng, &name)?;
    eng.conn
        .prepare_cached("INSERT OR REPLACE INTO s3_bucket_config (bucket, name, body) VALUES (?1, ?2, ?3)")?
        .execute(params![name, query, body])?;
    Ok(())
}

/// Forgets setting `query`, so its default applies again.
fn reset(eng: &mut Engine, _ctx: &Ctx, (name, query): (String, &'static str)) -> Result<(), S3Error> {
    bucket(eng, &name)?;
    eng.conn
        .prepare_cached("DELETE FROM s3_bucket_config WHERE bucket=?1 AND name=?2")?
        .execute(params![name, query])?;
    Ok(())
}
