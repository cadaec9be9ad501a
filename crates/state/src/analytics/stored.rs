//! Applications as stored (`kda_apps`): the row, loading and listing them (a status whose
//! time is up is settled as it is read), status changes, and forgetting an application that
//! is gone with everything kept for it.

use super::config::AppConfig;
use super::KdaError;
use crate::db::Engine;
use crate::firehose::taps;
use crate::Ctx;
use rusqlite::{params, OptionalExtension};
use std::collections::BTreeMap;

/// Stable statuses last until here.
pub(super) const FOREVER: i64 = i64::MAX;

type R<T> = Result<T, KdaError>;

/// A stored application.
#[derive(Debug, Clone)]
pub struct AppRow {
    pub id: i64,
    pub name: String,
    pub api: i64,
    pub status: String,
    pub version: i64,
    pub created_ms: i64,
    pub updated_ms: i64,
    pub config: AppConfig,
    pub tags: BTreeMap<String, String>,
    pub run: i64,
}

/// `ResourceNotFoundException` for application `name`.
pub(super) fn not_found(ctx: &Ctx, name: &str) -> KdaError {
    KdaError::not_found(format!("Application {name} not found under account {}.", ctx.account))
}

/// Loads an application (settling a status whose time is up; gone when DELETING ended).
pub fn load(eng: &mut Engine, ctx: &Ctx, name: &str) -> R<AppRow> {
    let row = eng
        .conn
        .prepare_cached(
            "SELECT id, name, api, status, status_until, next_status, version, created_ms, updated_ms, config, tags, run
             FROM kda_apps WHERE account=?1 AND region=?2 AND name=?3",
        )?
        .query_row(params![ctx.account, ctx.region, name], raw_row)
        .optional()?;
    let Some(raw) = row else { return Err(not_found(ctx, name)) };
    settle(eng, raw)?.ok_or_else(|| not_found(ctx, name))
}

/// Every application of the namespace (or of all namespaces), settled, by name.
pub fn all(eng: &mut Engine, ctx: Option<&Ctx>) -> R<Vec<(Ctx, AppRow)>> {
    let raws: Vec<(Ctx, RawRow)> = {
        let mut st = eng.conn.prepare_cached(
            "SELECT id, name, api, status, status_until, next_status, version, created_ms, updated_ms, config, tags, run, account, region
             FROM kda_apps ORDER BY name",
        )?;
        let rows =
            st.query_map([], |r| Ok((Ctx::new(r.get::<_, String>(12)?, r.get::<_, String>(13)?), raw_row(r)?)))?;
        rows.collect::<Result<_, _>>()?
    };
    let mut out = Vec::new();
    for (c, raw) in raws {
        if ctx.is_some_and(|x| *x != c) {
            continue;
        }
        if let Some(row) = settle(eng, raw)? {
            out.push((c, row));
        }
    }
    Ok(out)
}

struct RawRow {
    row: AppRow,
    until: i64,
    next: Option<String>,
    config: String,
    tags: String,
}

fn raw_row(r: &rusqlite::Row) -> rusqlite::Result<RawRow> {
    Ok(RawRow {
        row: AppRow {
            id: r.get(0)?,
            name: r.get(1)?,
            api: r.get(2)?,
            status: r.get(3)?,
            version: r.get(6)?,
            created_ms: r.get(7)?,
            updated_ms: r.get(8)?,
            config: AppConfig::default(),
            tags: BTreeMap::new(),
            run: r.get(11)?,
        },
        until: r.get(4)?,
        next: r.get(5)?,
        config: r.get(9)?,
        tags: r.get(10)?,
    })
}

fn settle(eng: &mut Engine, raw: RawRow) -> R<Option<AppRow>> {
    let mut row = raw.row;
    if eng.now() >= raw.until {
        match raw.next {
            Some(next) => {
                eng.conn
                    .prepare_cached("UPDATE kda_apps SET status=?2, status_until=?3, next_status=NULL WHERE id=?1")?
                    .execute(params![row.id, next, FOREVER])?;
                row.status = next;
            }
            None => {
                forget(eng, row.id)?;
                return Ok(None);
            }
        }
    }
    row.config = serde_json::from_str(&raw.config)?;
    row.tags = serde_json::from_str(&raw.tags)?;
    Ok(Some(row))
}

/// Drops an application and everything kept for it: checkpoints, state, processed input,
/// function outbox, kept output rows, its Firehose taps and their queue.
fn forget(eng: &Engine, id: i64) -> R<()> {
    for sql in [
        "DELETE FROM kda_apps WHERE id=?1",
        "DELETE FROM kda_source_shards WHERE app=?1",
        "DELETE FROM kda_state WHERE app=?1",
        "DELETE FROM kda_processed WHERE app=?1",
        "DELETE FROM kda_lambda_outbox WHERE app=?1",
        "DELETE FROM kda_output_backlog WHERE app=?1",
    ] {
        eng.conn.prepare_cached(sql)?.execute([id])?;
    }
    taps::untap(eng, id)?;
    Ok(taps::clear(eng, id)?)
}

/// Sets a status for `delay` ms, then `next` (`None`: the application is gone).
pub fn set_status(eng: &Engine, id: i64, status: &str, delay: i64, next: Option<&str>) -> R<()> {
    let (status, until, next) = match (delay > 0, next) {
        (true, _) => (status, eng.now() + delay, next),
        (false, Some(n)) => (n, FOREVER, None),
        (false, None) => {
            forget(eng, id)?;
            return Ok(());
        }
    };
    eng.conn
        .prepare_cached("UPDATE kda_apps SET status=?2, status_until=?3, next_status=?4 WHERE id=?1")?
        .execute(params![id, status, until, next])?;
    Ok(())
}
