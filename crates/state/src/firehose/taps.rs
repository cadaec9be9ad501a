//! Taps: readers of a delivery stream besides its destination (Kinesis Data Analytics
//! applications reading it as `KinesisFirehoseInput`). A tap names its delivery stream by
//! namespace and name, so it holds from the moment a stream of that name exists and across
//! its deletion and re-creation. Every record that reaches a tapped stream (PutRecord,
//! PutRecordBatch, or read from the stream's Kinesis source) is queued for each reader in the
//! same transaction; a reader takes its queue in order and removes what it read.

use crate::db::Engine;
use crate::Ctx;
use rusqlite::params;

/// A queued record: its queue id, arrival (ms) and data.
pub type Queued = (i64, i64, Vec<u8>);

/// `reader` reads delivery stream `name` of `ctx` from now on.
pub fn tap(eng: &Engine, ctx: &Ctx, name: &str, reader: i64) -> rusqlite::Result<()> {
    eng.conn
        .prepare_cached("INSERT OR IGNORE INTO fh_taps(account, region, name, reader) VALUES (?1, ?2, ?3, ?4)")?
        .execute(params![ctx.account, ctx.region, name, reader])?;
    Ok(())
}

/// `reader` stops reading every stream it taps (what is queued stays).
pub fn untap(eng: &Engine, reader: i64) -> rusqlite::Result<()> {
    eng.conn.prepare_cached("DELETE FROM fh_taps WHERE reader=?1")?.execute([reader])?;
    Ok(())
}

/// Drops every record queued for `reader`.
pub fn clear(eng: &Engine, reader: i64) -> rusqlite::Result<()> {
    eng.conn.prepare_cached("DELETE FROM fh_tap_queue WHERE reader=?1")?.execute([reader])?;
    Ok(())
}

/// The readers tapping delivery stream `stream` (looked up once per put, not per record).
pub(super) fn readers(eng: &Engine, stream: i64) -> rusqlite::Result<Vec<i64>> {
    let mut st = eng.conn.prepare_cached(
        "SELECT t.reader FROM fh_streams s
         JOIN fh_taps t ON t.account = s.account AND t.region = s.region AND t.name = s.name
         WHERE s.id=?1",
    )?;
    let rows = st.query_map([stream], |r| r.get(0))?;
    rows.collect()
}

/// A record reached a delivery stream: queues it for each of `readers` (its [`readers`]).
pub(super) fn feed(eng: &Engine, readers: &[i64], arrival_ms: i64, data: &[u8]) -> rusqlite::Result<()> {
    for reader in readers {
        eng.conn
            .prepare_cached("INSERT INTO fh_tap_queue(reader, arrival_ms, data) VALUES (?1, ?2, ?3)")?
            .execute(params![reader, arrival_ms, data])?;
    }
    Ok(())
}

/// Up to `limit` records queued for `reader`, oldest first.
pub fn pending(eng: &Engine, reader: i64, limit: usize) -> rusqlite::Result<Vec<Queued>> {
    let mut st = eng
        .conn
        .prepare_cached("SELECT id, arrival_ms, data FROM fh_tap_queue WHERE reader=?1 ORDER BY id LIMIT ?2")?;
    let rows = st.query_map(params![reader, limit as i64], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))?;
    rows.collect()
}

/// Removes the records queued for `reader` up to id `last` (read).
pub fn consumed(eng: &Engine, reader: i64, last: i64) -> rusqlite::Result<()> {
    eng.conn.prepare_cached("DELETE FROM fh_tap_queue WHERE reader=?1 AND id<=?2")?.execute(params![reader, last])?;
    Ok(())
}
