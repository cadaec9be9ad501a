//! The data plane: PutRecord(s), GetShardIterator, GetRecords.

use super::cache::{ShardMeta, StreamMeta};
use super::throttle;
use super::{epoch_secs, hashing, not_found, resolve, seqnum, token, usable};
use crate::db::{Engine, Settings};
use crate::error::StateError;
use crate::Ctx;
use kinesin_protocol::kinesis::*;
use rusqlite::params;
use std::sync::Arc;

/// Iterators expire this long after they are issued.
pub const ITERATOR_TTL_MS: i64 = 300_000;
/// Most records one GetRecords returns.
pub const MAX_GET_RECORDS: u32 = 10_000;
/// Most bytes one GetRecords returns.
pub const MAX_GET_BYTES: usize = 10 * 1024 * 1024;
/// Most bytes (data + partition keys) in one PutRecords.
pub const MAX_PUT_RECORDS_BYTES: usize = 10 * 1024 * 1024;

/// A record to write.
pub struct NewRecord<'a> {
    /// Payload.
    pub data: &'a [u8],
    /// Partition key.
    pub partition_key: &'a str,
    /// Hash key override.
    pub explicit_hash_key: Option<&'a str>,
}

fn hash_of(r: &NewRecord<'_>) -> Result<u128, StateError> {
    match r.explicit_hash_key {
        Some(k) => hashing::parse_hash_key(k).ok_or_else(|| {
            StateError::InvalidArgument(format!(
                "Invalid ExplicitHashKey. ExplicitHashKey must be in the range: [0, 2^128-1]. Specified value was {k}"
            ))
        }),
        None => Ok(hashing::partition_hash(r.partition_key)),
    }
}

fn check_size(m: &StreamMeta, r: &NewRecord<'_>, path: impl FnOnce() -> String) -> Result<(), StateError> {
    let max = m.max_record_kib as usize * 1024;
    if r.data.len() > max {
        return Err(StateError::Validation(format!(
            "1 validation error detected: Value 'java.nio.HeapByteBuffer[pos=0 lim={n} cap={n}]' at '{path}' failed to satisfy constraint: Member must have length less than or equal to {max}",
            n = r.data.len(),
            path = path()
        )));
    }
    if r.data.len() + r.partition_key.len() > max {
        return Err(StateError::InvalidArgument(format!(
            "The size of the record (data plus partition key, {} bytes) exceeds the maximum record size of stream {} ({max} bytes).",
            r.data.len() + r.partition_key.len(),
            m.name
        )));
    }
    Ok(())
}

/// Whether a write of `bytes` to shard row `shard` goes through: not failed by fault
/// injection, and within the shard's budget when AWS's limits are on.
fn admit(eng: &mut Engine, shard: i64, bytes: usize) -> bool {
    let now = eng.now();
    admit_parts(&eng.settings, &mut eng.kinesis.throttle, now, shard, bytes)
}

fn admit_parts(settings: &Settings, budgets: &mut throttle::Budgets, now: i64, shard: i64, bytes: usize) -> bool {
    if settings.kinesis.error_probability > 0.0 && fastrand::f64() < settings.kinesis.error_probability {
        return false;
    }
    !settings.kinesis.aws_limits || budgets.write(shard, bytes, now)
}

/// Appends one record to `shard`; returns its sequence number.
fn append(eng: &mut Engine, m: &StreamMeta, shard: &ShardMeta, r: &NewRecord<'_>) -> Result<String, StateError> {
    let ts = eng.now().max(eng.kinesis.last_ts);
    eng.kinesis.last_ts = ts;
    let seq = eng.kinesis.next_seq;
    eng.kinesis.next_seq += 1;
    eng.conn
        .prepare_cached("INSERT INTO records(shard, seq, ts, pkey, data) VALUES (?1, ?2, ?3, ?4, ?5)")?
        .execute(params![shard.id, seq as i64, ts, r.partition_key, r.data])?;
    Ok(seqnum::format(m.created_ms, shard.idx, seq))
}

/// PutRecord.
pub fn put_record(eng: &mut Engine, ctx: &Ctx, input: PutRecordInput) -> Result<PutRecordOutput, StateError> {
    let (ctx, name) = resolve(ctx, &input.stream())?;
    let m = usable(eng, &ctx, &name)?;
    let rec = NewRecord {
        data: &input.data,
        partition_key: &input.partition_key,
        explicit_hash_key: input.explicit_hash_key.as_deref(),
    };
    check_size(&m, &rec, || "data".into())?;
    if let Some(min) = &input.sequence_number_for_ordering {
        ordering_floor(eng, &ctx, &name, min)?;
    }
    let hash = hash_of(&rec)?;
    let shard =
        m.route(hash).cloned().ok_or_else(|| StateError::Storage("no open shard covers the hash key".into()))?;
    if !admit(eng, shard.id, rec.data.len() + rec.partition_key.len()) {
        return Err(StateError::Throughput(throttle::rate_exceeded(&seqnum::shard_id(shard.idx), &m.name, &m.account)));
    }
    let seq = append(eng, &m, &shard, &rec)?;
    if input.sequence_number_for_ordering.is_some() {
        eng.kinesis.save_next_seq(&eng.conn)?;
    }
    Ok(PutRecordOutput {
        shard_id: seqnum::shard_id(shard.idx),
        sequence_number: seq,
        encryption_type: m.encryption.clone(),
    })
}

/// Applies PutRecord's `SequenceNumberForOrdering`: one of ours makes the new number greater
/// than it; any other number AWS can decode (such as `0`, or one written by AWS) orders
/// nothing here, as every number kinesin hands out is already greater. AWS refuses numbers
/// it cannot decode and ones written in the future.
fn ordering_floor(eng: &mut Engine, ctx: &Ctx, name: &str, min: &str) -> Result<(), StateError> {
    if let Some(parts) = seqnum::parse(min) {
        eng.kinesis.next_seq = eng.kinesis.next_seq.max(parts.counter.saturating_add(1));
        return Ok(());
    }
    match seqnum::decode_aws(min) {
        Some(aws) if aws.written_ms.is_none_or(|t| t <= eng.now()) => Ok(()),
        _ => Err(StateError::InvalidArgument(format!(
            "ExclusiveMinimumSequenceNumber {min} used in PutRecord on stream {name} under account {} is invalid.",
            ctx.account
        ))),
    }
}

/// A PutRecords entry with its hash key computed off the store thread.
#[derive(Debug, Clone)]
pub struct PreparedRecord {
    /// Payload.
    pub data: Vec<u8>,
    /// Partition key.
    pub partition_key: String,
    /// The hash key, or the invalid `ExplicitHashKey` text.
    pub hash: Result<u128, String>,
}

/// PutRecords input, prepared while it is decoded: hashing happens on the request's thread,
/// so the store thread only routes and appends.
#[derive(Debug, Clone, serde::Deserialize)]
#[serde(from = "PutRecordsInput")]
pub struct PreparedPutRecords {
    /// Target stream.
    pub stream: StreamRef,
    /// Entries in request order.
    pub records: Vec<PreparedRecord>,
}

impl From<PutRecordsInput> for PreparedPutRecords {
    fn from(input: PutRecordsInput) -> Self {
        let stream = input.stream();
        let records = input
            .records
            .into_iter()
            .map(|e| {
                let hash = match &e.explicit_hash_key {
                    Some(k) => hashing::parse_hash_key(k).ok_or_else(|| k.clone()),
                    None => Ok(hashing::partition_hash(&e.partition_key)),
                };
                PreparedRecord { data: e.data, partition_key: e.partition_key, hash }
            })
            .collect();
        Self { stream, records }
    }
}

/// Rows one multi-row `INSERT` of PutRecords writes (5 parameters each): one statement per
/// chunk instead of one per record keeps SQLite's per-statement work off the store thread.
pub(crate) const INSERT_CHUNK: usize = 100;

/// PutRecords: every entry is written, in request order, in the store's transaction.
pub fn put_records(eng: &mut Engine, ctx: &Ctx, input: PreparedPutRecords) -> Result<PutRecordsWritten, StateError> {
    let (ctx, name) = resolve(ctx, &input.stream)?;
    let m = usable(eng, &ctx, &name)?;
    let open: Vec<&ShardMeta> = m.open_shards().collect();
    let mut total = 0usize;
    let mut routed: Vec<usize> = Vec::with_capacity(input.records.len());
    for (i, e) in input.records.iter().enumerate() {
        let rec = NewRecord { data: &e.data, partition_key: &e.partition_key, explicit_hash_key: None };
        check_size(&m, &rec, || format!("records.{}.member.data", i + 1))?;
        total += e.data.len() + e.partition_key.len();
        let hash = *e.hash.as_ref().map_err(|k| {
            StateError::InvalidArgument(format!(
                "Invalid ExplicitHashKey. ExplicitHashKey must be in the range: [0, 2^128-1]. Specified value was {k}"
            ))
        })?;
        let shard = open
            .iter()
            .position(|s| s.start_hash <= hash && hash <= s.end_hash)
            .ok_or_else(|| StateError::Storage("no open shard covers the hash key".into()))?;
        routed.push(shard);
    }
    if total > MAX_PUT_RECORDS_BYTES {
        return Err(StateError::InvalidArgument("Records size exceeds 10 MB limit".into()));
    }
    let ts = eng.now().max(eng.kinesis.last_ts);
    eng.kinesis.last_ts = ts;
    let first = eng.kinesis.next_seq;
    eng.kinesis.next_seq += routed.len() as u64;
    let mut entries = Vec::with_capacity(routed.len());
    let mut rows: Vec<(i64, i64, &PreparedRecord)> = Vec::with_capacity(routed.len());
    let limited = eng.settings.kinesis.aws_limits || eng.settings.kinesis.error_probability > 0.0;
    for (i, (e, &si)) in input.records.iter().zip(&routed).enumerate() {
        let seq = first + i as u64;
        let shard = open[si];
        if limited
            && !admit_parts(
                &eng.settings,
                &mut eng.kinesis.throttle,
                ts,
                shard.id,
                e.data.len() + e.partition_key.len(),
            )
        {
            let message = throttle::rate_exceeded(&seqnum::shard_id(shard.idx), &m.name, &m.account);
            entries.push(Written::Throttled(message));
            continue;
        }
        rows.push((shard.id, seq as i64, e));
        entries.push(Written::Stored { shard_idx: shard.idx, seq });
    }
    let mut chunks = rows.chunks_exact(INSERT_CHUNK);
    if chunks.len() > 0 {
        static SQL: std::sync::OnceLock<String> = std::sync::OnceLock::new();
        let sql = SQL.get_or_init(|| {
            format!(
                "INSERT INTO records(shard, seq, ts, pkey, data) VALUES {}",
                vec!["(?, ?, ?, ?, ?)"; INSERT_CHUNK].join(", ")
            )
        });
        let mut insert = eng.conn.prepare_cached(sql)?;
        for chunk in chunks.by_ref() {
            for (j, (shard, seq, e)) in chunk.iter().enumerate() {
                let at = j * 5;
                insert.raw_bind_parameter(at + 1, shard)?;
                insert.raw_bind_parameter(at + 2, seq)?;
                insert.raw_bind_parameter(at + 3, ts)?;
                insert.raw_bind_parameter(at + 4, &e.partition_key)?;
                insert.raw_bind_parameter(at + 5, &e.data)?;
            }
            insert.raw_execute()?;
        }
    }
    let mut insert =
        eng.conn.prepare_cached("INSERT INTO records(shard, seq, ts, pkey, data) VALUES (?1, ?2, ?3, ?4, ?5)")?;
    for (shard, seq, e) in chunks.remainder() {
        insert.execute(params![shard, seq, ts, e.partition_key, e.data])?;
    }
    Ok(PutRecordsWritten { created_ms: m.created_ms, entries, encryption_type: m.encryption.clone() })
}

/// What PutRecords wrote, as numbers: the sequence numbers and shard ids of the response are
/// formatted when it is serialized, on the request's thread rather than the store thread.
#[derive(Debug, Clone)]
pub struct PutRecordsWritten {
    created_ms: i64,
    entries: Vec<Written>,
    encryption_type: String,
}

#[derive(Debug, Clone)]
enum Written {
    Stored { shard_idx: i64, seq: u64 },
    Throttled(String),
}

/// Serialized as [`PutRecordsOutput`] is, with sequence numbers and shard ids formatted on the
/// stack as they are written.
impl serde::Serialize for PutRecordsWritten {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        use serde::ser::SerializeStruct;
        let failed = self.entries.iter().filter(|e| matches!(e, Written::Throttled(_))).count() as u32;
        let mut out = s.serialize_struct("PutRecordsOutput", 3)?;
        out.serialize_field("FailedRecordCount", &failed)?;
        out.serialize_field("Records", &WrittenEntries(self))?;
        out.serialize_field("EncryptionType", &self.encryption_type)?;
        out.end()
    }
}

struct WrittenEntries<'a>(&'a PutRecordsWritten);

impl serde::Serialize for WrittenEntries<'_> {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        use serde::ser::{SerializeSeq, SerializeStruct};
        struct Entry<'a>(&'a PutRecordsWritten, &'a Written);
        impl serde::Serialize for Entry<'_> {
            fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
                let mut out = s.serialize_struct("PutRecordsResultEntry", 2)?;
                match self.1 {
                    Written::Stored { shard_idx, seq } => {
                        let digits = seqnum::digits(self.0.created_ms, *shard_idx, *seq);
                        let shard = seqnum::shard_id(*shard_idx);
                        out.serialize_field("SequenceNumber", std::str::from_utf8(&digits).unwrap_or_default())?;
                        out.serialize_field("ShardId", &shard)?;
                    }
                    Written::Throttled(message) => {
                        out.serialize_field("ErrorCode", "ProvisionedThroughputExceededException")?;
                        out.serialize_field("ErrorMessage", message)?;
                    }
                }
                out.end()
            }
        }
        let mut seq = s.serialize_seq(Some(self.0.entries.len()))?;
        for e in &self.0.entries {
            seq.serialize_element(&Entry(self.0, e))?;
        }
        seq.end()
    }
}

/// Where an iterator points: a shard and the next counter value to read.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Position {
    /// Shard row id.
    pub shard: i64,
    /// Next counter to read.
    pub next: u64,
    /// Issue time (ms).
    pub issued: i64,
}

/// Seals a position into an opaque iterator.
pub fn iterator(eng: &Engine, p: Position) -> String {
    let payload = token::Fields::default().i64(p.shard).i64(p.next as i64).i64(p.issued).0;
    token::seal(&eng.secret, token::SHARD_ITERATOR, &payload)
}

fn open_iterator(eng: &Engine, it: &str) -> Result<Position, StateError> {
    let bad = || StateError::InvalidArgument("Invalid ShardIterator.".into());
    // AWS also takes the iterator wrapped in double quotes (as shells and JSON tools leave it).
    let it = it.strip_prefix('"').and_then(|i| i.strip_suffix('"')).unwrap_or(it);
    let p = token::open(&eng.secret, token::SHARD_ITERATOR, it).ok_or_else(bad)?;
    let mut r = token::Reader(&p);
    let pos = Position {
        shard: r.i64().ok_or_else(bad)?,
        next: r.i64().ok_or_else(bad)? as u64,
        issued: r.i64().ok_or_else(bad)?,
    };
    Ok(pos)
}

fn shard_missing(ctx: &Ctx, name: &str, shard: &str) -> StateError {
    StateError::NotFound(format!("Shard {shard} in stream {name} under account {} does not exist", ctx.account))
}

/// GetShardIterator.
pub fn get_shard_iterator(
    eng: &mut Engine,
    ctx: &Ctx,
    input: GetShardIteratorInput,
) -> Result<GetShardIteratorOutput, StateError> {
    let (ctx, name) = resolve(ctx, &input.stream)?;
    let Some(idx) = seqnum::parse_shard_id(&input.shard_id) else {
        return Err(StateError::NotFound(format!(
            "Could not find shard {} in stream {name} under account {}.",
            input.shard_id, ctx.account
        )));
    };
    let shard_name = seqnum::shard_id(idx);
    let m = usable(eng, &ctx, &name).map_err(|_| shard_missing(&ctx, &name, &shard_name))?;
    let now = eng.now();
    let shard = m
        .shard(idx)
        .filter(|s| !m.shard_expired(s, now))
        .cloned()
        .ok_or_else(|| shard_missing(&ctx, &name, &shard_name))?;
    let start = Start {
        kind: &input.shard_iterator_type,
        sequence_number: input.starting_sequence_number.clone(),
        timestamp: input.timestamp,
    };
    let next = start_position(eng, &ctx, &m, &shard, &start)?;
    Ok(GetShardIteratorOutput { shard_iterator: iterator(eng, Position { shard: shard.id, next, issued: now }) })
}

/// Where a read starts: an iterator type and its argument.
#[derive(Debug, Clone)]
pub struct Start<'a> {
    /// AT_SEQUENCE_NUMBER, AFTER_SEQUENCE_NUMBER, TRIM_HORIZON, LATEST or AT_TIMESTAMP.
    pub kind: &'a str,
    /// For the sequence-number types.
    pub sequence_number: Option<String>,
    /// For AT_TIMESTAMP, epoch seconds.
    pub timestamp: Option<f64>,
}

/// AWS checks the shard a sequence number encodes before anything else about it.
fn check_encoded_shard(encoded: i64, idx: i64) -> Result<(), StateError> {
    if encoded == idx {
        return Ok(());
    }
    Err(StateError::InvalidArgument(format!(
        "Invalid StartingSequenceNumber. It encodes {}, while it was used in a call to a shard with {}",
        seqnum::shard_id(encoded),
        seqnum::shard_id(idx)
    )))
}

/// The first counter a read of `shard` from `start` returns, with AWS's argument checks
/// (shared by GetShardIterator and SubscribeToShard).
pub fn start_position(
    eng: &Engine,
    ctx: &Ctx,
    m: &StreamMeta,
    shard: &ShardMeta,
    start: &Start<'_>,
) -> Result<u64, StateError> {
    let kind = start.kind;
    let name = &m.name;
    let idx = shard.idx;
    let shard_name = seqnum::shard_id(idx);
    let now = eng.now();
    let needs_seq = matches!(kind, "AT_SEQUENCE_NUMBER" | "AFTER_SEQUENCE_NUMBER");
    match (&start.sequence_number, needs_seq) {
        (Some(_), false) if kind != "AT_TIMESTAMP" => {
            return Err(StateError::InvalidArgument(format!(
                "Must either specify (1) AT_SEQUENCE_NUMBER or AFTER_SEQUENCE_NUMBER and StartingSequenceNumber or (2) TRIM_HORIZON or LATEST and no StartingSequenceNumber. Request specified {kind} and also a StartingSequenceNumber."
            )))
        }
        (None, true) => {
            return Err(StateError::InvalidArgument(format!(
                "Must either specify (1) AT_SEQUENCE_NUMBER or AFTER_SEQUENCE_NUMBER and StartingSequenceNumber or (2) TRIM_HORIZON or LATEST and no StartingSequenceNumber. Request specified {kind} and no StartingSequenceNumber."
            )))
        }
        _ => {}
    }
    let next = match kind {
        "TRIM_HORIZON" => shard.start_seq,
        "LATEST" => shard.end_seq.map(|e| e + 1).unwrap_or(eng.kinesis.next_seq),
        "AT_SEQUENCE_NUMBER" | "AFTER_SEQUENCE_NUMBER" => {
            let seq = start.sequence_number.as_deref().unwrap_or_default();
            let invalid = |why: &str| {
                StateError::InvalidArgument(format!(
                    "StartingSequenceNumber {seq} used in GetShardIterator on shard {shard_name} in stream {name} under account {} is invalid{why}.",
                    ctx.account
                ))
            };
            let counter = match seqnum::parse(seq) {
                Some(parts) => {
                    check_encoded_shard(parts.shard_idx, idx)?;
                    if parts.seed != m.created_ms {
                        return Err(invalid(" because it did not come from this stream"));
                    }
                    parts.counter
                }
                None => {
                    // Not one of ours: AWS's own decoding says which error it is.
                    let aws = seqnum::decode_aws(seq).ok_or_else(|| invalid(""))?;
                    check_encoded_shard(aws.shard_idx, idx)?;
                    return Err(StateError::InvalidArgument(format!(
                        "StartingSequenceNumber {} used in GetShardIterator on shard {shard_name} in stream {name} under account {} is invalid because it did not come from this stream.",
                        aws.echo, ctx.account
                    )));
                }
            };
            if kind == "AT_SEQUENCE_NUMBER" {
                counter
            } else {
                counter + 1
            }
        }
        "AT_TIMESTAMP" => {
            let Some(t) = start.timestamp else {
                return Err(StateError::InvalidArgument(
                    "Must specify timestampInMillis parameter for iterator of type AT_TIMESTAMP. Current request has no timestamp parameter.".into(),
                ));
            };
            let t = (t * 1000.0) as i64;
            if t > now {
                return Err(StateError::InvalidArgument(format!(
                    "The timestampInMillis parameter cannot be greater than the currentTimestampInMillis. timestampInMillis: {t}, currentTimestampInMillis: {now}"
                )));
            }
            first_at_or_after(eng, shard, t)?
        }
        other => return Err(StateError::InvalidArgument(format!("Unknown ShardIteratorType {other}."))),
    };
    Ok(next)
}

/// The counter of the first record stored at or after `t`, or the shard's end.
fn first_at_or_after(eng: &Engine, shard: &ShardMeta, t: i64) -> Result<u64, StateError> {
    let found: Option<i64> = eng
        .conn
        .prepare_cached("SELECT seq FROM records WHERE shard=?1 AND ts>=?2 ORDER BY seq LIMIT 1")?
        .query_row(params![shard.id, t], |r| r.get(0))
        .ok();
    Ok(match found {
        Some(s) => s as u64,
        None => shard.end_seq.map(|e| e + 1).unwrap_or(eng.kinesis.next_seq),
    })
}

fn stream_of_shard(eng: &mut Engine, shard: i64) -> Result<Option<(Arc<StreamMeta>, ShardMeta)>, StateError> {
    let stream: Option<i64> =
        eng.conn.prepare_cached("SELECT stream FROM shards WHERE id=?1")?.query_row([shard], |r| r.get(0)).ok();
    let Some(stream) = stream else {
        return Ok(None);
    };
    let Some(m) = super::cache::find_by_id(eng, stream)? else {
        return Ok(None);
    };
    let s = m.shards.iter().find(|s| s.id == shard).cloned();
    Ok(s.map(|s| (m, s)))
}

fn fmt_time(ms: i64) -> String {
    aws_smithy_types::DateTime::from_millis(ms)
        .fmt(aws_smithy_types::date_time::Format::HttpDate)
        .unwrap_or_else(|_| ms.to_string())
}

/// GetRecords.
pub fn get_records(eng: &mut Engine, ctx: &Ctx, input: GetRecordsInput) -> Result<GetRecordsOutput, StateError> {
    let pos = open_iterator(eng, &input.shard_iterator)?;
    let now = eng.now();
    let Some((m, shard)) = stream_of_shard(eng, pos.shard)? else {
        return Err(StateError::InvalidArgument("Invalid ShardIterator.".into()));
    };
    if m.account != ctx.account || m.region != ctx.region {
        return Err(StateError::InvalidArgument("Invalid ShardIterator.".into()));
    }
    if !matches!(m.status_at(now), super::cache::Status::Active | super::cache::Status::Updating) {
        return Err(not_found(ctx, &m.name));
    }
    if now - pos.issued > ITERATOR_TTL_MS {
        return Err(StateError::ExpiredIterator(format!(
            "Iterator expired. The iterator was created at time {} while right now it is {} which is further in the future than the tolerated delay of {ITERATOR_TTL_MS} milliseconds.",
            fmt_time(pos.issued),
            fmt_time(now)
        )));
    }
    let limit = input.limit.unwrap_or(MAX_GET_RECORDS).clamp(1, MAX_GET_RECORDS);
    if eng.settings.kinesis.aws_limits && !eng.kinesis.throttle.read_call(shard.id, now) {
        return Err(StateError::Throughput(throttle::rate_exceeded(&seqnum::shard_id(shard.idx), &m.name, &m.account)));
    }
    let read = read(eng, &m, &shard, pos.next, limit)?;
    m.count_out(read.records.len());
    if eng.settings.kinesis.aws_limits {
        let bytes = read.records.iter().map(|r| r.data.len() + r.partition_key.len()).sum();
        eng.kinesis.throttle.read_bytes(shard.id, bytes, now);
    }
    if read.child_shards.is_some() {
        return Ok(GetRecordsOutput {
            records: read.records,
            next_shard_iterator: None,
            millis_behind_latest: read.millis_behind_latest,
            child_shards: read.child_shards,
        });
    }
    let next = read.next;
    let next_it = iterator(eng, Position { shard: shard.id, next, issued: now });
    Ok(GetRecordsOutput {
        records: read.records,
        next_shard_iterator: Some(next_it),
        millis_behind_latest: read.millis_behind_latest,
        child_shards: None,
    })
}

/// What one read of a shard returns.
#[derive(Debug, Clone)]
pub struct Read {
    /// Records, in order.
    pub records: Vec<Record>,
    /// The next counter to read.
    pub next: u64,
    /// How far behind the tip the read is.
    pub millis_behind_latest: i64,
    /// Set when a closed shard has been read to its end.
    pub child_shards: Option<Vec<ChildShard>>,
    /// Whether the read reached the shard's last record (no more waiting).
    pub caught_up: bool,
}

/// Reads up to `limit` records (and at most 10 MiB) of `shard` from counter `from`.
pub fn read(eng: &Engine, m: &StreamMeta, shard: &ShardMeta, from: u64, limit: u32) -> Result<Read, StateError> {
    let now = eng.now();
    let cutoff = now - m.retention_ms();
    let mut st = eng.conn.prepare_cached(
        "SELECT seq, ts, pkey, data FROM records WHERE shard=?1 AND seq>=?2 AND ts>=?3 ORDER BY seq LIMIT ?4",
    )?;
    let mut rows = st.query(params![shard.id, from as i64, cutoff, limit])?;
    let mut records = Vec::new();
    let mut bytes = 0usize;
    let mut next = from;
    let mut capped = false;
    let mut last_ts = None;
    while let Some(row) = rows.next()? {
        let data: Vec<u8> = row.get(3)?;
        let pkey: String = row.get(2)?;
        if !records.is_empty() && bytes + data.len() + pkey.len() > MAX_GET_BYTES {
            capped = true;
            break;
        }
        bytes += data.len() + pkey.len();
        let seq = row.get::<_, i64>(0)? as u64;
        let ts: i64 = row.get(1)?;
        next = seq + 1;
        last_ts = Some(ts);
        records.push(Record {
            sequence_number: seqnum::format(m.created_ms, shard.idx, seq),
            approximate_arrival_timestamp: epoch_secs(ts),
            data,
            partition_key: pkey,
            encryption_type: Some(m.encryption_of(seq)).filter(|t| *t != "NONE").map(str::to_string),
        });
    }
    let caught_up = !capped && records.len() < limit as usize;
    let millis_behind_latest = match (caught_up, last_ts) {
        (true, _) | (false, None) => 0,
        (false, Some(ts)) => (now - ts).max(0),
    };
    // A closed shard takes no more writes: once a read has caught up, it is at the end, even
    // when the shard's last counters went to other shards (or it never held a record).
    let at_end = caught_up && shard.end_seq.is_some();
    if let (true, Some(end)) = (at_end, shard.end_seq) {
        next = next.max(end + 1);
    }
    let child_shards = at_end.then(|| children(m, shard));
    Ok(Read { records, next, millis_behind_latest, child_shards, caught_up })
}

/// The children of `shard`, as GetRecords and SubscribeToShard report them at its end.
pub fn children(m: &StreamMeta, shard: &ShardMeta) -> Vec<ChildShard> {
    m.shards
        .iter()
        .filter(|c| c.parent == Some(shard.idx) || c.adj_parent == Some(shard.idx))
        .map(|c| ChildShard {
            shard_id: seqnum::shard_id(c.idx),
            parent_shards: c.parent.into_iter().chain(c.adj_parent).map(seqnum::shard_id).collect(),
            hash_key_range: HashKeyRange {
                starting_hash_key: c.start_hash.to_string(),
                ending_hash_key: c.end_hash.to_string(),
            },
        })
        .collect()
}
