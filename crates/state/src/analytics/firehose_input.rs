//! Firehose delivery streams as application inputs (`KinesisFirehoseInput`). While an
//! application runs, every record that reaches its delivery stream (PutRecord,
//! PutRecordBatch, or read from the stream's Kinesis source) is also queued for it in the same
//! transaction; the runner reads that queue in order and removes what it read with the rows it
//! produced.

use super::apps::AppRow;
use super::targets::delivery_stream;
use super::KdaError;
use crate::db::Engine;
use crate::Ctx;
use rusqlite::params;

/// A queued record: its queue id, arrival (ms) and data.
pub type Queued = (i64, i64, Vec<u8>);

/// Taps the application's delivery stream (if it reads one) for a starting run; a run that
/// does not resume (`LAST_STOPPED_POINT`) drops what an earlier run left unread.
pub fn open(eng: &Engine, row: &AppRow, resume: bool) -> Result<(), KdaError> {
    close(eng, row.id)?;
    if !resume {
        eng.conn.prepare_cached("DELETE FROM kda_firehose_feed WHERE app=?1")?.execute([row.id])?;
    }
    let arns = row.config.inputs.iter().filter_map(|i| i.item.kinesis_firehose_input.as_ref());
    for (ctx, name) in arns.filter_map(|r| delivery_stream(&r.resource_arn)) {
        let found = crate::firehose::streams::find(eng, &ctx, &name).map_err(|e| KdaError::internal(e.message))?;
        if let Some(stream) = found {
            eng.conn
                .prepare_cached("INSERT OR IGNORE INTO kda_firehose_taps(stream, app) VALUES (?1, ?2)")?
                .execute(params![stream.id, row.id])?;
        }
    }
    Ok(())
}

/// A delivery stream was created: the applications running now that read it (an application
/// may start before its delivery stream exists, or outlive its deletion) tap it at once.
pub fn adopt(eng: &mut Engine, ctx: &Ctx, name: &str, stream: i64) -> Result<(), KdaError> {
    for (_, app) in super::apps::all(eng, None)? {
        if !matches!(app.status.as_str(), "RUNNING" | "STARTING" | "UPDATING") {
            continue;
        }
        let mut arns = app.config.inputs.iter().filter_map(|i| i.item.kinesis_firehose_input.as_ref());
        if arns.any(|r| delivery_stream(&r.resource_arn).is_some_and(|(c, n)| c == *ctx && n == name)) {
            eng.conn
                .prepare_cached("INSERT OR IGNORE INTO kda_firehose_taps(stream, app) VALUES (?1, ?2)")?
                .execute(params![stream, app.id])?;
        }
    }
    Ok(())
}

/// Stops queueing records for the application (what is queued stays for a resumed run).
pub fn close(eng: &Engine, app: i64) -> Result<(), KdaError> {
    eng.conn.prepare_cached("DELETE FROM kda_firehose_taps WHERE app=?1")?.execute([app])?;
    Ok(())
}

/// Drops the application's tap and queue (it is gone).
pub fn forget(eng: &Engine, app: i64) -> Result<(), KdaError> {
    close(eng, app)?;
    eng.conn.prepare_cached("DELETE FROM kda_firehose_feed WHERE app=?1")?.execute([app])?;
    Ok(())
}

/// The applications tapping delivery stream `stream` (looked up once per put, not per record).
pub fn taps(eng: &Engine, stream: i64) -> rusqlite::Result<Vec<i64>> {
    let mut st = eng.conn.prepare_cached("SELECT app FROM kda_firehose_taps WHERE stream=?1")?;
    let rows = st.query_map([stream], |r| r.get(0))?;
    rows.collect()
}

/// A record reached a delivery stream: queues it for each of `apps` (its [`taps`]).
pub fn feed(eng: &Engine, apps: &[i64], arrival_ms: i64, data: &[u8]) -> rusqlite::Result<()> {
    for app in apps {
        eng.conn
            .prepare_cached("INSERT INTO kda_firehose_feed(app, arrival_ms, data) VALUES (?1, ?2, ?3)")?
            .execute(params![app, arrival_ms, data])?;
    }
    Ok(())
}

/// Up to `limit` queued records of the application, oldest first.
pub fn pending(eng: &Engine, app: i64, limit: usize) -> rusqlite::Result<Vec<Queued>> {
    let mut st = eng
        .conn
        .prepare_cached("SELECT id, arrival_ms, data FROM kda_firehose_feed WHERE app=?1 ORDER BY id LIMIT ?2")?;
    let rows = st.query_map(params![app, limit as i64], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))?;
    rows.collect()
}

/// Removes the application's queued records up to id `last` (read).
pub fn consumed(eng: &Engine, app: i64, last: i64) -> rusqlite::Result<()> {
    eng.conn.prepare_cached("DELETE FROM kda_firehose_feed WHERE app=?1 AND id<=?2")?.execute(params![app, last])?;
    Ok(())
}
