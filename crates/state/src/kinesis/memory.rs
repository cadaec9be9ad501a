//! What Kinesis keeps on the store thread beside SQLite: the record counter, the stream
//! cache, the last arrival time, the throughput budgets and the records read (`eng.kinesis`).

use super::meta::StreamCache;
use super::throttle::Budgets;
use crate::error::StateError;
use rusqlite::Connection;
use std::collections::HashMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;

/// Kinesis's in-memory state on the store thread.
#[derive(Debug, Default)]
pub struct Memory {
    /// Next store-wide record counter.
    pub next_seq: u64,
    /// Streams as routing needs them; cleared whenever a job fails.
    pub streams: StreamCache,
    /// Last arrival timestamp handed out, so arrival times never go backwards.
    pub last_ts: i64,
    /// Throughput budgets of shards when AWS's limits are enforced.
    pub throttle: Budgets,
    /// Records read out (GetRecords, SubscribeToShard) since start, per stream `(account,
    /// region, name)`; each cached stream holds its counter and bumps it with one atomic add.
    pub records_out: HashMap<(String, String, String), Arc<AtomicU64>>,
}

impl Memory {
    /// The memory of an opened store.
    pub fn load(conn: &Connection) -> Result<Self, StateError> {
        Ok(Self { next_seq: load_next_seq(conn)?, ..Self::default() })
    }

    /// Records read out since start per `(account, region)`.
    pub fn records_out_by_region(&self) -> HashMap<(String, String), u64> {
        let mut out = HashMap::new();
        for ((account, region, _), n) in &self.records_out {
            *out.entry((account.clone(), region.clone())).or_default() += n.load(Ordering::Relaxed);
        }
        out
    }

    /// Forgets what a failed job may have changed (the counter goes back to `next_seq`).
    pub fn undo(&mut self, next_seq: u64) {
        self.streams.clear();
        self.next_seq = next_seq;
    }

    /// Saves the counter high-water mark (inside the current transaction).
    pub fn save_next_seq(&self, conn: &Connection) -> Result<(), StateError> {
        conn.prepare_cached("INSERT OR REPLACE INTO meta(key, value) VALUES('next_seq', ?1)")?
            .execute([self.next_seq as i64])?;
        Ok(())
    }

    /// Re-reads what a failed commit may have changed.
    pub fn reload(&mut self, conn: &Connection) {
        self.streams.clear();
        self.next_seq = load_next_seq(conn).unwrap_or(self.next_seq);
    }
}

/// The next record counter: above every stored record, every shard's bounds and the saved
/// high-water mark (saved whenever records are deleted, so trimming never lowers it).
/// One index probe per shard, however many records are stored.
fn load_next_seq(conn: &Connection) -> Result<u64, StateError> {
    let hwm: Option<i64> =
        conn.query_row("SELECT CAST(value AS INTEGER) FROM meta WHERE key='next_seq'", [], |r| r.get(0)).ok();
    let bounds: i64 = conn
        .query_row(
            "SELECT MAX(MAX(start_seq), COALESCE(MAX(end_seq) + 1, 0),
                    COALESCE(MAX((SELECT MAX(seq) FROM records WHERE records.shard = shards.id)) + 1, 0))
         FROM shards",
            [],
            |r| r.get::<_, Option<i64>>(0),
        )?
        .unwrap_or(1);
    Ok(bounds.max(hwm.unwrap_or(1)).max(1) as u64)
}
