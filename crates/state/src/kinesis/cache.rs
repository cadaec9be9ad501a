//! Streams as the hot path needs them, loaded from SQLite and kept until they change.

pub use super::meta::*;
use crate::db::Engine;
use crate::error::StateError;
use crate::Ctx;
use rusqlite::{params, OptionalExtension};
use std::sync::Arc;

const STREAM_COLS: &str = "id, account, region, name, status, status_until, mode, retention_h, created_ms, \
     encryption, key_id, metrics, max_record_kib, warm_mibps, next_index, encryption_changes";

fn read_stream(r: &rusqlite::Row<'_>) -> rusqlite::Result<StreamMeta> {
    let metrics: String = r.get(11)?;
    Ok(StreamMeta {
        id: r.get(0)?,
        account: r.get(1)?,
        region: r.get(2)?,
        name: r.get(3)?,
        status: r.get(4)?,
        status_until: r.get(5)?,
        mode: r.get(6)?,
        retention_h: r.get(7)?,
        created_ms: r.get(8)?,
        encryption: r.get(9)?,
        key_id: r.get(10)?,
        metrics: serde_json::from_str(&metrics).unwrap_or_default(),
        max_record_kib: r.get(12)?,
        warm_mibps: r.get(13)?,
        next_index: r.get(14)?,
        encryption_changes: serde_json::from_str(&r.get::<_, String>(15)?).unwrap_or_default(),
        shards: Vec::new(),
        records_out: Arc::default(),
    })
}

fn load_shards(eng: &Engine, stream: i64) -> Result<Vec<ShardMeta>, StateError> {
    let mut st = eng.conn.prepare_cached(
        "SELECT id, idx, start_hash, end_hash, parent, adj_parent, start_seq, end_seq, created_ms, closed_ms
         FROM shards WHERE stream = ?1 ORDER BY idx",
    )?;
    let rows = st.query_map([stream], |r| {
        let sh: String = r.get(2)?;
        let eh: String = r.get(3)?;
        Ok(ShardMeta {
            id: r.get(0)?,
            idx: r.get(1)?,
            start_hash: sh.parse().unwrap_or(0),
            end_hash: eh.parse().unwrap_or(0),
            parent: r.get(4)?,
            adj_parent: r.get(5)?,
            start_seq: r.get::<_, i64>(6)? as u64,
            end_seq: r.get::<_, Option<i64>>(7)?.map(|v| v as u64),
            created_ms: r.get(8)?,
            closed_ms: r.get(9)?,
        })
    })?;
    Ok(rows.collect::<Result<_, _>>()?)
}

/// The stream named `name` in `ctx`, whatever its status (including finished deletions).
pub fn find(eng: &mut Engine, ctx: &Ctx, name: &str) -> Result<Option<Arc<StreamMeta>>, StateError> {
    let key = (ctx.account.clone(), ctx.region.clone(), name.to_string());
    if let Some(m) = eng.kinesis.streams.by_name.get(&key) {
        return Ok(Some(m.clone()));
    }
    let sql = format!("SELECT {STREAM_COLS} FROM streams WHERE account=?1 AND region=?2 AND name=?3");
    let found =
        eng.conn.prepare_cached(&sql)?.query_row(params![ctx.account, ctx.region, name], read_stream).optional()?;
    load_into_cache(eng, found)
}

/// The stream with row id `id`.
pub fn find_by_id(eng: &mut Engine, id: i64) -> Result<Option<Arc<StreamMeta>>, StateError> {
    if let Some(m) = eng.kinesis.streams.by_id.get(&id) {
        return Ok(Some(m.clone()));
    }
    let sql = format!("SELECT {STREAM_COLS} FROM streams WHERE id=?1");
    let found = eng.conn.prepare_cached(&sql)?.query_row([id], read_stream).optional()?;
    load_into_cache(eng, found)
}

fn load_into_cache(eng: &mut Engine, found: Option<StreamMeta>) -> Result<Option<Arc<StreamMeta>>, StateError> {
    let Some(mut m) = found else { return Ok(None) };
    m.shards = load_shards(eng, m.id)?;
    let key = (m.account.clone(), m.region.clone(), m.name.clone());
    m.records_out = eng.kinesis.records_out.entry(key).or_default().clone();
    let m = Arc::new(m);
    eng.kinesis.streams.insert(m.clone());
    Ok(Some(m))
}
