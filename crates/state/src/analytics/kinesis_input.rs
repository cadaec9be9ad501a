//! Kinesis streams as application inputs (`KinesisStreamsInput`): the stream an application
//! reads and where it stands in each of its shards (`kda_source_shards`).

use super::config::AppConfig;
use crate::db::Engine;
use crate::error::StateError;
use crate::kinesis;
use crate::Ctx;
use rusqlite::params;
use std::collections::HashMap;

/// The Kinesis stream an application reads (namespace, name).
pub(super) fn input_stream(ctx: &Ctx, c: &AppConfig) -> Option<(Ctx, String)> {
    let input = c.inputs.first()?;
    let arn = &input.item.kinesis_streams_input.as_ref()?.resource_arn;
    kinesis::parse_arn(arn).or_else(|| Some((ctx.clone(), arn.rsplit('/').next()?.to_string())))
}

/// Where the application stands in each shard of its input stream: the next sequence number
/// to read, and whether the (closed) shard is read to its end.
pub(super) fn checkpoints(eng: &Engine, app: i64) -> Result<HashMap<i64, (u64, bool)>, StateError> {
    let mut st = eng.conn.prepare_cached("SELECT shard, next_seq, done FROM kda_source_shards WHERE app=?1")?;
    let rows =
        st.query_map([app], |r| Ok((r.get::<_, i64>(0)?, (r.get::<_, i64>(1)? as u64, r.get::<_, i64>(2)? != 0))))?;
    Ok(rows.collect::<Result<_, _>>()?)
}

/// Saves where the application stands in `shard`.
pub(super) fn save_checkpoint(eng: &Engine, app: i64, shard: i64, next: u64, done: bool) -> Result<(), StateError> {
    eng.conn
        .prepare_cached("INSERT OR REPLACE INTO kda_source_shards(app, shard, next_seq, done) VALUES (?1, ?2, ?3, ?4)")?
        .execute(params![app, shard, next as i64, done as i64])?;
    Ok(())
}
