//! Background upkeep: status transitions, finished deletions and retention trimming.

use super::cache::find_by_id;
use crate::db::Engine;
use crate::error::StateError;
use rusqlite::params;

/// Does what is due now; returns when something next falls due.
pub fn run(eng: &mut Engine) -> Result<Option<i64>, StateError> {
    let now = eng.now();
    let changed = eng
        .conn
        .prepare_cached(
            "UPDATE streams SET status='ACTIVE' WHERE status IN ('CREATING','UPDATING') AND status_until <= ?1",
        )?
        .execute([now])?;
    if changed > 0 {
        eng.kinesis.streams.clear();
    }
    let gone: Vec<i64> = eng
        .conn
        .prepare_cached("SELECT id FROM streams WHERE status='DELETING' AND status_until <= ?1")?
        .query_map([now], |r| r.get(0))?
        .collect::<Result<_, _>>()?;
    for id in gone {
        purge(eng, id)?;
    }
    let ids: Vec<i64> =
        eng.conn.prepare_cached("SELECT id FROM streams")?.query_map([], |r| r.get(0))?.collect::<Result<_, _>>()?;
    let mut next: Option<i64> = eng
        .conn
        .prepare_cached("SELECT MIN(status_until) FROM streams WHERE status IN ('CREATING','UPDATING','DELETING')")?
        .query_row([], |r| r.get(0))?;
    for id in ids {
        if let Some(at) = trim_stream(eng, id)? {
            next = Some(next.map_or(at, |n| n.min(at)));
        }
    }
    Ok(next)
}

/// Deletes a stream's expired records; returns when its oldest remaining record expires.
pub fn trim_stream(eng: &mut Engine, id: i64) -> Result<Option<i64>, StateError> {
    let Some(m) = find_by_id(eng, id)? else {
        return Ok(None);
    };
    let now = eng.now();
    let cutoff = now - m.retention_ms();
    let mut next: Option<i64> = None;
    for s in &m.shards {
        // Arrival times never decrease along a shard, so the expired records are a prefix.
        let keep_from: Option<i64> = eng
            .conn
            .prepare_cached("SELECT seq FROM records WHERE shard=?1 AND ts>=?2 ORDER BY seq LIMIT 1")?
            .query_row(params![s.id, cutoff], |r| r.get(0))
            .ok();
        let bound = keep_from.unwrap_or(i64::MAX);
        let deleted =
            eng.conn.prepare_cached("DELETE FROM records WHERE shard=?1 AND seq<?2")?.execute(params![s.id, bound])?;
        if deleted > 0 {
            // The newest records may be among the deleted: keep the counter's high-water mark.
            eng.kinesis.save_next_seq(&eng.conn)?;
        }
        if keep_from.is_some() {
            let oldest: i64 = eng
                .conn
                .prepare_cached("SELECT ts FROM records WHERE shard=?1 ORDER BY seq LIMIT 1")?
                .query_row([s.id], |r| r.get(0))?;
            let at = oldest + m.retention_ms() + 1;
            next = Some(next.map_or(at, |n| n.min(at)));
        }
    }
    Ok(next)
}

/// Removes a stream and everything it holds.
pub fn purge(eng: &mut Engine, id: i64) -> Result<(), StateError> {
    eng.kinesis.save_next_seq(&eng.conn)?;
    eng.conn
        .prepare_cached("DELETE FROM records WHERE shard IN (SELECT id FROM shards WHERE stream=?1)")?
        .execute([id])?;
    eng.conn.prepare_cached("DELETE FROM streams WHERE id=?1")?.execute([id])?;
    eng.kinesis.streams.forget(id);
    Ok(())
}
