//! Streams and shards as the hot path needs them, and the cache that holds them (loaded by
//! [`super::cache`]).

use std::collections::HashMap;
use std::sync::atomic::AtomicU64;
use std::sync::Arc;

/// A shard's metadata.
#[derive(Debug, Clone, PartialEq)]
pub struct ShardMeta {
    /// Row id (records reference it).
    pub id: i64,
    /// The number in `shardId-NNNNNNNNNNNN`.
    pub idx: i64,
    /// Inclusive hash range start.
    pub start_hash: u128,
    /// Inclusive hash range end.
    pub end_hash: u128,
    /// Parent index.
    pub parent: Option<i64>,
    /// Adjacent parent index.
    pub adj_parent: Option<i64>,
    /// First counter value the shard can hold.
    pub start_seq: u64,
    /// Last counter value, once closed.
    pub end_seq: Option<u64>,
    /// Creation time (ms).
    pub created_ms: i64,
    /// Closing time (ms).
    pub closed_ms: Option<i64>,
}

impl ShardMeta {
    /// Whether the shard still takes writes.
    pub fn is_open(&self) -> bool {
        self.end_seq.is_none()
    }
}

/// A stream's metadata with its shards ordered by index.
#[derive(Debug, Clone)]
pub struct StreamMeta {
    /// Row id.
    pub id: i64,
    /// Account.
    pub account: String,
    /// Region.
    pub region: String,
    /// Name.
    pub name: String,
    /// Status as stored.
    pub status: String,
    /// When a transitional status ends (ms).
    pub status_until: i64,
    /// PROVISIONED or ON_DEMAND.
    pub mode: String,
    /// Retention in hours.
    pub retention_h: u32,
    /// Creation time (ms); also the sequence-number seed.
    pub created_ms: i64,
    /// NONE or KMS.
    pub encryption: String,
    /// KMS key id.
    pub key_id: Option<String>,
    /// Enabled shard-level metrics.
    pub metrics: Vec<String>,
    /// Maximum record size in KiB.
    pub max_record_kib: u32,
    /// Warm throughput (on-demand).
    pub warm_mibps: Option<u32>,
    /// Index of the next new shard.
    pub next_index: i64,
    /// Where the encryption changed: (first counter, NONE or KMS), in order.
    pub encryption_changes: Vec<(u64, String)>,
    /// Shards by index.
    pub shards: Vec<ShardMeta>,
    /// Records GetRecords and SubscribeToShard handed out since start (shared with
    /// [`super::memory::Memory::records_out`], so it outlives reloads of the cache).
    pub records_out: Arc<AtomicU64>,
}

/// What a stream's status means right now.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Status {
    /// Being created.
    Creating,
    /// Usable.
    Active,
    /// Being updated (reads and writes still work).
    Updating,
    /// Being deleted.
    Deleting,
    /// Deleted: as if it never existed.
    Gone,
}

impl Status {
    /// The AWS name.
    pub fn as_str(self) -> &'static str {
        match self {
            Status::Creating => "CREATING",
            Status::Active => "ACTIVE",
            Status::Updating => "UPDATING",
            Status::Deleting | Status::Gone => "DELETING",
        }
    }
}

impl StreamMeta {
    /// Counts `n` records handed out to a reader.
    pub fn count_out(&self, n: usize) {
        self.records_out.fetch_add(n as u64, std::sync::atomic::Ordering::Relaxed);
    }

    /// The stream's status at `now`: transitional states end by themselves.
    pub fn status_at(&self, now: i64) -> Status {
        let over = now >= self.status_until;
        match self.status.as_str() {
            "CREATING" if !over => Status::Creating,
            "UPDATING" if !over => Status::Updating,
            "DELETING" if over => Status::Gone,
            "DELETING" => Status::Deleting,
            _ => Status::Active,
        }
    }

    /// `arn:aws:kinesis:region:account:stream/name`.
    pub fn arn(&self) -> String {
        stream_arn(&self.region, &self.account, &self.name)
    }

    /// The open shards.
    pub fn open_shards(&self) -> impl Iterator<Item = &ShardMeta> {
        self.shards.iter().filter(|s| s.is_open())
    }

    /// The open shard whose range holds `hash`.
    pub fn route(&self, hash: u128) -> Option<&ShardMeta> {
        self.open_shards().find(|s| s.start_hash <= hash && hash <= s.end_hash)
    }

    /// The shard with index `idx`.
    pub fn shard(&self, idx: i64) -> Option<&ShardMeta> {
        self.shards.binary_search_by_key(&idx, |s| s.idx).ok().map(|i| &self.shards[i])
    }

    /// Whether a closed shard's records have all expired (it is no longer listed).
    pub fn shard_expired(&self, s: &ShardMeta, now: i64) -> bool {
        s.closed_ms.is_some_and(|c| c + self.retention_ms() < now)
    }

    /// The encryption a record with counter `seq` was written with.
    pub fn encryption_of(&self, seq: u64) -> &str {
        self.encryption_changes.iter().rev().find(|(from, _)| *from <= seq).map_or("NONE", |(_, t)| t.as_str())
    }

    /// Retention in milliseconds.
    pub fn retention_ms(&self) -> i64 {
        i64::from(self.retention_h) * 3_600_000
    }

    /// Whether a reader may start on `shard`: every parent (after a split or merge) is read
    /// to its end (`done(parent row id)`) or gone. Reading children only after their parents
    /// keeps the order of records per partition key across resharding.
    pub fn parents_done(&self, shard: &ShardMeta, now: i64, done: impl Fn(i64) -> bool) -> bool {
        shard.parent.into_iter().chain(shard.adj_parent).all(|idx| match self.shard(idx) {
            None => true,
            Some(p) if self.shard_expired(p, now) => true,
            Some(p) => done(p.id),
        })
    }
}

/// The ARN of a stream.
pub fn stream_arn(region: &str, account: &str, name: &str) -> String {
    format!("arn:aws:kinesis:{region}:{account}:stream/{name}")
}

/// Loaded streams, by name and by id.
#[derive(Debug, Default)]
pub struct StreamCache {
    pub(super) by_name: HashMap<(String, String, String), Arc<StreamMeta>>,
    pub(super) by_id: HashMap<i64, Arc<StreamMeta>>,
}

impl StreamCache {
    /// Forgets everything.
    pub fn clear(&mut self) {
        self.by_name.clear();
        self.by_id.clear();
    }

    /// Forgets one stream.
    pub fn forget(&mut self, id: i64) {
        if let Some(m) = self.by_id.remove(&id) {
            self.by_name.remove(&(m.account.clone(), m.region.clone(), m.name.clone()));
        }
    }

    pub(super) fn insert(&mut self, m: Arc<StreamMeta>) {
        self.by_name.insert((m.account.clone(), m.region.clone(), m.name.clone()), m.clone());
        self.by_id.insert(m.id, m);
    }
}
