//! A delivery stream as stored (`fh_streams`): its row, its status, the lookups by name every
//! Firehose operation starts from, and its removal.

use super::dest_kind::DestKind;
use super::{not_found, FhError};
use crate::db::Engine;
use crate::Ctx;
use kinesin_protocol::firehose::DeliveryStreamEncryptionConfiguration;
use rusqlite::{params, OptionalExtension};
use serde_json::Value;

/// A delivery stream as stored.
#[derive(Debug, Clone)]
pub struct StreamRow {
    /// Row id.
    pub id: i64,
    /// Name.
    pub name: String,
    /// `DirectPut`, ...
    pub kind: String,
    /// Stored status.
    pub status: Status,
    /// When a transitional status ends (ms).
    pub status_until: i64,
    /// Creation time (ms).
    pub created_ms: i64,
    /// Last UpdateDestination (ms).
    pub updated_ms: Option<i64>,
    /// VersionId.
    pub version: i64,
    /// The destination description.
    pub dest: Value,
    /// The source description.
    pub source: Option<Value>,
    /// The encryption configuration.
    pub encryption: Option<DeliveryStreamEncryptionConfiguration>,
    /// The destination's kind (`fh_streams.dest_kind`).
    pub dest_kind: DestKind,
}

/// A delivery stream's status (`DeliveryStreamStatus`; the `*_FAILED` ones never happen here).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Status {
    /// `CREATING` until `status_until`.
    Creating,
    /// `ACTIVE`.
    Active,
    /// `DELETING` until `status_until`, then gone.
    Deleting,
}

impl Status {
    /// The name stored and answered.
    pub fn as_str(self) -> &'static str {
        match self {
            Status::Creating => "CREATING",
            Status::Active => "ACTIVE",
            Status::Deleting => "DELETING",
        }
    }

    /// The status stored as `s` (anything unknown reads as ACTIVE).
    pub fn parse(s: &str) -> Status {
        match s {
            "CREATING" => Status::Creating,
            "DELETING" => Status::Deleting,
            _ => Status::Active,
        }
    }
}

impl std::fmt::Display for Status {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

impl StreamRow {
    /// The status at `now`: CREATING turns ACTIVE when its time is up; `None` once a
    /// DELETING stream is gone.
    pub fn status_at(&self, now: i64) -> Option<Status> {
        match self.status {
            Status::Creating if now >= self.status_until => Some(Status::Active),
            Status::Deleting if now >= self.status_until => None,
            s => Some(s),
        }
    }

    /// Whether records are encrypted at rest.
    pub fn encrypted(&self) -> bool {
        self.encryption.as_ref().is_some_and(|e| e.status == "ENABLED")
    }
}

/// The columns [`from_row`] reads, in its order.
pub const COLUMNS: &str =
    "id, name, type, status, status_until, created_ms, updated_ms, version, dest, source, encryption, dest_kind";

/// Reads one stored row: the [`COLUMNS`] in order (`dest_kind` may be anywhere).
pub fn from_row(r: &rusqlite::Row<'_>) -> rusqlite::Result<StreamRow> {
    fn json<T: serde::de::DeserializeOwned>(s: Option<String>) -> Option<T> {
        s.and_then(|s| serde_json::from_str(&s).ok())
    }
    Ok(StreamRow {
        id: r.get(0)?,
        name: r.get(1)?,
        kind: r.get(2)?,
        status: Status::parse(&r.get::<_, String>(3)?),
        status_until: r.get(4)?,
        created_ms: r.get(5)?,
        updated_ms: r.get(6)?,
        version: r.get(7)?,
        dest: json(r.get(8)?).unwrap_or(Value::Null),
        source: json(r.get(9)?),
        encryption: json(r.get(10)?),
        // By name: queries that read more columns after these place it where they like.
        dest_kind: DestKind::parse(&r.get::<_, String>("dest_kind")?),
    })
}

/// The stream named `name`, if stored (in any status).
pub fn find(eng: &Engine, ctx: &Ctx, name: &str) -> Result<Option<StreamRow>, FhError> {
    let sql = format!("SELECT {COLUMNS} FROM fh_streams WHERE account=?1 AND region=?2 AND name=?3");
    Ok(eng.conn.prepare_cached(&sql)?.query_row(params![ctx.account, ctx.region, name], from_row).optional()?)
}

/// A stream that exists (not gone after deletion).
pub fn existing(eng: &Engine, ctx: &Ctx, name: &str) -> Result<StreamRow, FhError> {
    let now = eng.now();
    match find(eng, ctx, name)? {
        Some(s) if s.status_at(now).is_some() => Ok(s),
        _ => Err(not_found(ctx, name)),
    }
}

/// A stream that is ACTIVE, for operations that change it.
pub fn active(eng: &Engine, ctx: &Ctx, name: &str) -> Result<StreamRow, FhError> {
    let s = existing(eng, ctx, name)?;
    match s.status_at(eng.now()) {
        Some(Status::Active) => Ok(s),
        // kinesin's wording: AWS answers ResourceInUseException; its exact text was not found.
        Some(status) => Err(FhError::in_use(format!(
            "Firehose {name} under account {} is not ACTIVE, instead in state {status}.",
            ctx.account
        ))),
        None => Err(not_found(ctx, name)),
    }
}

/// Removes a stream, its tags and its buffered records (its taps name it: they stay).
pub fn purge(eng: &mut Engine, id: i64) -> Result<(), FhError> {
    eng.conn.prepare_cached("DELETE FROM fh_records WHERE stream=?1")?.execute([id])?;
    eng.conn.prepare_cached("DELETE FROM fh_streams WHERE id=?1")?.execute([id])?;
    Ok(())
}
