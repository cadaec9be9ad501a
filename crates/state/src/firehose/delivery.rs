//! The delivery engine: a buffer is flushed into ONE S3 object when it reaches its
//! `SizeInMBs` or when its oldest record is `IntervalInSeconds` old, whichever comes first.
//! A flush is one store transaction: the object is written and its records leave the
//! buffer together, so an acknowledged record is delivered exactly once, across restarts.

use super::destination::{self, S3Target};
use super::keys;
use super::streams::{from_row, purge, StreamRow};
use crate::db::Engine;
use crate::error::StateError;
use crate::s3;
use flate2::write::GzEncoder;
use rusqlite::params;
use std::io::Write;

/// Wait before retrying a delivery that failed (missing bucket, ...).
pub const RETRY_MS: i64 = 5_000;
/// Most objects written by one pass (the store thread serves requests in between).
const MAX_FLUSHES_PER_PASS: usize = 8;
/// One MiB.
const MIB: i64 = 1024 * 1024;

/// An object written.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Delivered {
    /// Delivery stream.
    pub stream: String,
    /// Bucket.
    pub bucket: String,
    /// Object key.
    pub key: String,
    /// Records in the object.
    pub records: usize,
    /// Object size.
    pub bytes: usize,
}

/// A delivery that failed and will be retried.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Failed {
    /// Delivery stream.
    pub stream: String,
    /// Why.
    pub message: String,
}

/// What one pass did, and when the next one is due.
#[derive(Debug, Clone, Default)]
pub struct Pass {
    /// Objects written.
    pub delivered: Vec<Delivered>,
    /// Failed deliveries (retried after [`RETRY_MS`]).
    pub failed: Vec<Failed>,
    /// The next deadline (ms), if any buffer or status transition is pending.
    pub next_ms: Option<i64>,
}

/// The buffering interval in force: the stream's, shortened by the global override.
pub fn interval_ms(target: &S3Target, override_secs: Option<u32>) -> i64 {
    let s = match override_secs {
        Some(o) => target.interval_s.min(u64::from(o)),
        None => target.interval_s,
    };
    s as i64 * 1000
}

struct Pending {
    row: StreamRow,
    buf_bytes: i64,
    buf_first_ms: Option<i64>,
    retry_at: Option<i64>,
}

fn pending(eng: &Engine) -> Result<Vec<Pending>, StateError> {
    let mut stmt = eng.conn.prepare_cached(
        "SELECT id, name, type, status, status_until, created_ms, updated_ms, version, dest, source, encryption,
                buf_bytes, buf_first_ms, retry_at
         FROM fh_streams WHERE buf_first_ms IS NOT NULL OR status IN ('CREATING', 'DELETING') ORDER BY id",
    )?;
    let rows = stmt.query_map([], |r| {
        Ok(Pending { row: from_row(r)?, buf_bytes: r.get(11)?, buf_first_ms: r.get(12)?, retry_at: r.get(13)? })
    })?;
    Ok(rows.collect::<Result<_, _>>()?)
}

/// Runs one delivery pass at the engine's `now`: drops streams whose deletion is over and
/// flushes every buffer that is due.
pub fn run(eng: &mut Engine) -> Result<Pass, StateError> {
    let now = eng.now();
    let override_secs = eng.settings.firehose_interval_override_secs;
    let mut pass = Pass::default();
    let mut flushes = 0;
    let next = |pass: &mut Pass, at: i64| pass.next_ms = Some(pass.next_ms.map_or(at, |n: i64| n.min(at)));
    for p in pending(eng)? {
        let mut p = p;
        match p.row.status_at(now) {
            None => {
                purge(eng, p.row.id).map_err(|e| StateError::Storage(e.message))?;
                continue;
            }
            Some("CREATING" | "DELETING") => next(&mut pass, p.row.status_until),
            _ => {}
        }
        while let Some(first) = p.buf_first_ms {
            let target = destination::target(&p.row.dest);
            let size_limit = target.size_mb as i64 * MIB;
            let deadline = p.retry_at.unwrap_or(first + interval_ms(&target, override_secs));
            let due = now >= deadline || (p.retry_at.is_none() && p.buf_bytes >= size_limit);
            if !due {
                next(&mut pass, deadline);
                break;
            }
            if flushes == MAX_FLUSHES_PER_PASS {
                next(&mut pass, now);
                break;
            }
            flushes += 1;
            match flush(eng, &p.row, &target, size_limit, now)? {
                Ok(d) => pass.delivered.push(d),
                Err(message) => {
                    pass.failed.push(Failed { stream: p.row.name.clone(), message });
                    next(&mut pass, now + RETRY_MS);
                    break;
                }
            }
            let (bytes, first, retry): (i64, Option<i64>, Option<i64>) = eng
                .conn
                .prepare_cached("SELECT buf_bytes, buf_first_ms, retry_at FROM fh_streams WHERE id=?1")?
                .query_row([p.row.id], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))?;
            (p.buf_bytes, p.buf_first_ms, p.retry_at) = (bytes, first, retry);
        }
    }
    Ok(pass)
}

/// Writes the oldest buffered records, up to `size_limit` bytes (at least one record), as
/// one object. `Ok(Err(message))` when the destination cannot take it (retried later).
fn flush(
    eng: &mut Engine,
    row: &StreamRow,
    target: &S3Target,
    size_limit: i64,
    now: i64,
) -> Result<Result<Delivered, String>, StateError> {
    let fail = |eng: &Engine, message: String| -> Result<Result<Delivered, String>, StateError> {
        eng.conn
            .prepare_cached("UPDATE fh_streams SET retry_at=?2 WHERE id=?1")?
            .execute(params![row.id, now + RETRY_MS])?;
        Ok(Err(message))
    };
    if s3::find_bucket(eng, &target.bucket).map_err(|e| StateError::Storage(e.message))?.is_none() {
        return fail(eng, format!("bucket {} does not exist; delivery will be retried", target.bucket));
    }
    let mut body = Vec::new();
    let mut records = 0usize;
    let mut first_arrival = None;
    let mut last_id = 0i64;
    {
        let mut stmt =
            eng.conn.prepare_cached("SELECT id, arrival_ms, data FROM fh_buffer WHERE stream=?1 ORDER BY id")?;
        let mut rows = stmt.query([row.id])?;
        while let Some(r) = rows.next()? {
            let (id, arrival, data): (i64, i64, Vec<u8>) = (r.get(0)?, r.get(1)?, r.get(2)?);
            first_arrival.get_or_insert(arrival);
            body.extend_from_slice(&data);
            records += 1;
            last_id = id;
            if body.len() as i64 >= size_limit {
                break;
            }
        }
    }
    let raw_len = body.len() as i64;
    let Some(first_arrival) = first_arrival else {
        eng.conn
            .prepare_cached("UPDATE fh_streams SET buf_bytes=0, buf_first_ms=NULL, retry_at=NULL WHERE id=?1")?
            .execute([row.id])?;
        return Ok(Err("buffer was empty".into()));
    };
    let body = match target.compression.as_str() {
        "GZIP" => gzip(&body).map_err(|e| StateError::Storage(e.to_string()))?,
        _ => body,
    };
    let t = keys::civil(first_arrival);
    let prefix = match keys::evaluate_prefix(&target.prefix, &t, None) {
        Ok(p) => p,
        Err(e) => return fail(eng, format!("cannot evaluate prefix: {e}")),
    };
    let uuid = uuid::Uuid::new_v4().to_string();
    let key = keys::object_key(&prefix, &row.name, row.version, &t, &uuid, &target.extension);
    if let Err(e) = s3::put_object(eng, &target.bucket, &key, &body, None) {
        return fail(eng, e.message);
    }
    eng.conn.prepare_cached("DELETE FROM fh_buffer WHERE stream=?1 AND id<=?2")?.execute(params![row.id, last_id])?;
    eng.conn
        .prepare_cached(
            "UPDATE fh_streams SET buf_bytes = MAX(0, buf_bytes - ?2), retry_at = NULL,
                 buf_first_ms = (SELECT MIN(arrival_ms) FROM fh_buffer WHERE stream=?1) WHERE id=?1",
        )?
        .execute(params![row.id, raw_len])?;
    Ok(Ok(Delivered { stream: row.name.clone(), bucket: target.bucket.clone(), key, records, bytes: body.len() }))
}

/// GZIP-compresses `data`.
pub fn gzip(data: &[u8]) -> std::io::Result<Vec<u8>> {
    let mut enc = GzEncoder::new(Vec::with_capacity(data.len() / 4 + 64), flate2::Compression::default());
    enc.write_all(data)?;
    enc.finish()
}
