//! Bucket settings as documents: what a `PUT ?<subresource>` stored, returned by the matching
//! GET (the server side knows each setting's default and its "not found" error).

use super::{bucket, S3Error};
use crate::db::Engine;
use crate::Ctx;
use rusqlite::{params, OptionalExtension};

/// A setting's state.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Setting {
    /// Never set: the default applies.
    Default,
    /// Deleted: none (for settings whose default is something).
    Deleted,
    /// Set to this document.
    Set(Vec<u8>),
}

/// Reads setting `name` of a bucket.
pub fn get(eng: &mut Engine, _ctx: &Ctx, (name, setting): (String, &'static str)) -> Result<Setting, S3Error> {
    bucket(eng, &name)?;
    let body: Option<Vec<u8>> = eng
        .conn
        .prepare_cached("SELECT body FROM s3_bucket_config WHERE bucket=?1 AND name=?2")?
        .query_row(params![name, setting], |r| r.get(0))
        .optional()?;
    Ok(match body {
        None => Setting::Default,
        Some(b) if b.is_empty() => Setting::Deleted,
        Some(b) => Setting::Set(b),
    })
}

/// Stores setting `name` (an empty body records a deletion).
pub fn put(
    eng: &mut Engine,
    _ctx: &Ctx,
    (name, setting, body): (String, &'static str, Vec<u8>),
) -> Result<(), S3Error> {
    bucket(eng, &name)?;
    eng.conn
        .prepare_cached("INSERT OR REPLACE INTO s3_bucket_config (bucket, name, body) VALUES (?1, ?2, ?3)")?
        .execute(params![name, setting, body])?;
    Ok(())
}

/// Forgets setting `name`, so its default applies again.
pub fn reset(eng: &mut Engine, _ctx: &Ctx, (name, setting): (String, &'static str)) -> Result<(), S3Error> {
    bucket(eng, &name)?;
    eng.conn
        .prepare_cached("DELETE FROM s3_bucket_config WHERE bucket=?1 AND name=?2")?
        .execute(params![name, setting])?;
    Ok(())
}
