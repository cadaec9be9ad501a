//! Delivery batches: the store side of Firehose delivery.
//!
//! [`take`] (on the store thread) picks the buffers that are due (size or interval reached,
//! retry time passed), leases each stream's buffer to one batch in flight and hands out
//! plain-data [`Batch`]es. The delivery crate turns a batch into an [`Outcome`] outside the
//! store (transforms, partitioning, compression, network destinations). [`complete`] commits
//! the outcome in one transaction: its S3 objects are written and the batch's records leave
//! the buffer together, so an acknowledged record is delivered to S3 exactly once, across
//! restarts. A lease expires after [`LEASE_MS`] (a batch whose processing never completed is
//! taken again); leases of a previous process are dropped at start by [`reset_leases`].

use super::delivery::{interval_ms, RETRY_MS};
use super::dest_kind::{self, DestKind};
use super::destination;
use super::stream_row::{from_row, purge, Status, StreamRow};
use super::taps;
use crate::db::Engine;
use crate::error::StateError;
use crate::s3;
use rusqlite::{params, OptionalExtension};
use serde_json::Value;
use std::sync::OnceLock;

/// How long a batch may be in flight before it is taken again.
pub const LEASE_MS: i64 = 600_000;
/// Most batches handed out by one [`take`] (the store thread serves requests in between).
const MAX_BATCHES_PER_TAKE: usize = 8;
/// One MiB.
const MIB: i64 = 1024 * 1024;

/// Where a record read from a Kinesis stream came from (KinesisStreamAsSource).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct KinesisMeta {
    /// Shard id, e.g. `shardId-000000000000`.
    pub shard_id: String,
    /// Partition key.
    pub partition_key: String,
    /// Sequence number.
    pub sequence_number: String,
    /// Sub-sequence number of a record de-aggregated from a KPL record.
    pub subsequence_number: Option<i64>,
    /// The stream's approximate arrival timestamp (ms).
    pub approximate_arrival_ms: i64,
}

/// One buffered record.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BatchRecord {
    /// Buffer row id (unique, increasing per stream).
    pub id: i64,
    /// When Firehose accepted it (ms).
    pub arrival_ms: i64,
    /// The record's bytes.
    pub data: Vec<u8>,
    /// Source metadata when the stream reads a Kinesis stream.
    pub kinesis: Option<KinesisMeta>,
}

/// What [`complete`] needs to settle a batch (small and `Copy`: the batch itself may be
/// moved into processing).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Receipt {
    /// Stream row id.
    pub stream_id: i64,
    /// The lease this batch holds.
    pub lease: i64,
    /// Last buffer row in the batch (rows up to it are consumed on success).
    pub last_id: i64,
    /// Bytes of record data in the batch.
    pub bytes: i64,
}

/// A leased batch of a stream's buffered records, with everything needed to deliver it.
#[derive(Debug, Clone)]
pub struct Batch {
    /// Settles the batch.
    pub receipt: Receipt,
    /// Stream name.
    pub name: String,
    /// Stream ARN.
    pub arn: String,
    /// Account.
    pub account: String,
    /// Region.
    pub region: String,
    /// VersionId (part of S3 object keys).
    pub version: i64,
    /// `DirectPut`, `KinesisStreamAsSource`.
    pub kind: String,
    /// The destination's kind.
    pub dest_kind: DestKind,
    /// The stored destination description (e.g. an `ExtendedS3DestinationDescription`).
    pub dest: Value,
    /// The stored source description.
    pub source: Option<Value>,
    /// The Kinesis stream read, for a KinesisStreamAsSource stream.
    pub source_stream_arn: Option<String>,
    /// 1 for a first attempt, +1 per [`Outcome::Retry`].
    pub attempt: u32,
    /// When this batch was first attempted (ms), to bound retries by a duration.
    pub first_attempt_ms: i64,
    /// When it was taken (ms).
    pub taken_ms: i64,
    /// The records, in arrival order.
    pub records: Vec<BatchRecord>,
}

/// An S3 object to write when a batch completes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct S3Object {
    /// Bucket name.
    pub bucket: String,
    /// Key.
    pub key: String,
    /// Body.
    pub body: Vec<u8>,
    /// `Content-Type`, if any.
    pub content_type: Option<String>,
}

/// What processing a batch came to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Outcome {
    /// Done: the objects are written and the batch's records leave the buffer, in one
    /// transaction (no objects: the records were delivered elsewhere or dropped).
    Delivered {
        /// Objects to write (deliveries, error records, backups).
        objects: Vec<S3Object>,
    },
    /// Nothing is written; the same records are taken again after `delay_ms`.
    Retry {
        /// Why (logged).
        message: String,
        /// Wait before the next attempt.
        delay_ms: i64,
    },
}

/// What [`take`] handed out.
#[derive(Debug, Clone, Default)]
pub struct Taken {
    /// Leased batches.
    pub batches: Vec<Batch>,
    /// The next deadline (ms) of a buffer, retry, lease or status transition, if any.
    pub next_ms: Option<i64>,
}

/// An object written by [`complete`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Written {
    /// Bucket.
    pub bucket: String,
    /// Key.
    pub key: String,
    /// Size.
    pub bytes: usize,
}

/// What [`complete`] did.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Completed {
    /// Objects written.
    pub written: Vec<Written>,
    /// Records consumed from the buffer.
    pub consumed: bool,
    /// Set when the batch will be retried: why.
    pub retry: Option<String>,
    /// Attempts made so far when the batch will be retried (1 after the first failure).
    pub attempts: u32,
    /// When the batch will be retried: the wait (ms) before the next attempt.
    pub retry_in_ms: i64,
    /// Set when the batch's records were given up (undeliverable for 24 hours): why.
    pub dropped: Option<String>,
    /// The lease was lost (expired and retaken, or the stream is gone): nothing was done.
    pub stale: bool,
}

/// Buffers a record (PutRecord).
pub fn enqueue(
    eng: &Engine,
    stream_id: i64,
    arrival_ms: i64,
    data: &[u8],
    kinesis: Option<&KinesisMeta>,
) -> Result<(), rusqlite::Error> {
    append(eng, &Sink::of(eng, stream_id)?, arrival_ms, &[(data, kinesis)])
}

/// Buffers records that arrived together (PutRecordBatch), in order.
pub fn enqueue_all<'a>(
    eng: &Engine,
    stream_id: i64,
    arrival_ms: i64,
    records: impl IntoIterator<Item = Row<'a>>,
) -> Result<(), rusqlite::Error> {
    let rows: Vec<Row<'a>> = records.into_iter().collect();
    append(eng, &Sink::of(eng, stream_id)?, arrival_ms, &rows)
}

/// A record to buffer: its bytes, and its source metadata when read from a Kinesis stream.
pub type Row<'a> = (&'a [u8], Option<&'a KinesisMeta>);

/// Where records are buffered: a delivery stream, and the readers tapping it
/// (looked up once per put or shard pass, not per record).
pub(super) struct Sink {
    stream: i64,
    readers: Vec<i64>,
}

impl Sink {
    /// Delivery stream `stream` with the readers tapping it now.
    pub(super) fn of(eng: &Engine, stream: i64) -> Result<Self, rusqlite::Error> {
        Ok(Self { stream, readers: taps::readers(eng, stream)? })
    }
}

/// Rows per multi-row `INSERT`, largest first: a put of any size is written by a few
/// statements (500 records: 7 x 64 + 3 x 16 + 4), each prepared once and cached.
const CHUNKS: [usize; 4] = [64, 16, 4, 1];

/// The columns each row of a chunk binds besides the shared `stream` (?1) and `arrival_ms`
/// (?2): records put directly, and records read from a Kinesis stream with their metadata.
const DIRECT_COLS: &[&str] = &["id", "data"];
const SOURCE_COLS: &[&str] =
    &["id", "data", "shard_id", "partition_key", "sequence_number", "subsequence_number", "approx_arrival_ms"];

/// The `INSERT` of `n` rows of `cols` (built once per shape).
fn insert_sql(cols: &[&str], n: usize) -> String {
    let w = cols.len();
    let rows: Vec<String> = (0..n)
        .map(|i| {
            let params: Vec<String> = (0..w).map(|c| format!("?{}", 3 + i * w + c)).collect();
            format!("(?1, ?2, {})", params.join(", "))
        })
        .collect();
    format!("INSERT INTO fh_records(stream, arrival_ms, {}) VALUES {}", cols.join(", "), rows.join(", "))
}

/// Appends `rows` to the stream's buffer: ids and buffered bytes reserved on the stream in one
/// update, the rows written by a few multi-row `INSERT`s, and each record queued for the
/// applications reading the stream.
pub(super) fn append(eng: &Engine, sink: &Sink, arrival_ms: i64, rows: &[Row<'_>]) -> Result<(), rusqlite::Error> {
    if rows.is_empty() {
        return Ok(());
    }
    let bytes: usize = rows.iter().map(|(data, _)| data.len()).sum();
    let first_id: i64 = eng
        .conn
        .prepare_cached(
            "UPDATE fh_streams SET buf_bytes = buf_bytes + ?2, buf_first_ms = COALESCE(buf_first_ms, ?3),
                 buf_next_id = buf_next_id + ?4 WHERE id=?1 RETURNING buf_next_id - ?4",
        )?
        .query_row(params![sink.stream, bytes as i64, arrival_ms, rows.len() as i64], |r| r.get(0))?;
    static DIRECT: [OnceLock<String>; CHUNKS.len()] = [const { OnceLock::new() }; CHUNKS.len()];
    static SOURCE: [OnceLock<String>; CHUNKS.len()] = [const { OnceLock::new() }; CHUNKS.len()];
    let direct = rows.iter().all(|(_, k)| k.is_none());
    let (cols, sqls) = if direct { (DIRECT_COLS, &DIRECT) } else { (SOURCE_COLS, &SOURCE) };
    let mut at = 0;
    for (shape, &n) in CHUNKS.iter().enumerate() {
        if rows.len() - at < n {
            continue;
        }
        let mut st = eng.conn.prepare_cached(sqls[shape].get_or_init(|| insert_sql(cols, n)))?;
        st.raw_bind_parameter(1, sink.stream)?;
        st.raw_bind_parameter(2, arrival_ms)?;
        while rows.len() - at >= n {
            for (j, (data, kinesis)) in rows[at..at + n].iter().enumerate() {
                let p = 3 + j * cols.len();
                st.raw_bind_parameter(p, first_id + (at + j) as i64)?;
                st.raw_bind_parameter(p + 1, data)?;
                if !direct {
                    st.raw_bind_parameter(p + 2, kinesis.map(|k| &k.shard_id))?;
                    st.raw_bind_parameter(p + 3, kinesis.map(|k| &k.partition_key))?;
                    st.raw_bind_parameter(p + 4, kinesis.map(|k| &k.sequence_number))?;
                    st.raw_bind_parameter(p + 5, kinesis.and_then(|k| k.subsequence_number))?;
                    st.raw_bind_parameter(p + 6, kinesis.map(|k| k.approximate_arrival_ms))?;
                }
            }
            st.raw_execute()?;
            at += n;
        }
    }
    if !sink.readers.is_empty() {
        for (data, _) in rows {
            taps::feed(eng, &sink.readers, arrival_ms, data)?;
        }
    }
    Ok(())
}

/// Drops every lease (at start: batches of a previous process are delivered again).
pub fn reset_leases(eng: &mut Engine) -> Result<(), StateError> {
    eng.conn.execute("UPDATE fh_streams SET lease_until=NULL WHERE lease_until IS NOT NULL", [])?;
    Ok(())
}

struct Pending {
    row: StreamRow,
    account: String,
    region: String,
    buf_bytes: i64,
    buf_first_ms: Option<i64>,
    retry_at: Option<i64>,
    lease_until: Option<i64>,
    attempts: i64,
    first_attempt_ms: Option<i64>,
    retry_last_id: Option<i64>,
}

fn pending(eng: &Engine) -> Result<Vec<Pending>, StateError> {
    let mut stmt = eng.conn.prepare_cached(
        "SELECT id, name, type, status, status_until, created_ms, updated_ms, version, dest, source, encryption,
                account, region, dest_kind, buf_bytes, buf_first_ms, retry_at, lease_until, attempts,
                first_attempt_ms, retry_last_id
         FROM fh_streams
         WHERE buf_first_ms IS NOT NULL OR lease_until IS NOT NULL OR status IN ('CREATING', 'DELETING')
         ORDER BY id",
    )?;
    let rows = stmt.query_map([], |r| {
        Ok(Pending {
            row: from_row(r)?,
            account: r.get(11)?,
            region: r.get(12)?,
            buf_bytes: r.get(14)?,
            buf_first_ms: r.get(15)?,
            retry_at: r.get(16)?,
            lease_until: r.get(17)?,
            attempts: r.get(18)?,
            first_attempt_ms: r.get(19)?,
            retry_last_id: r.get(20)?,
        })
    })?;
    Ok(rows.collect::<Result<_, _>>()?)
}

/// Up to `limit` records buffered in delivery stream `stream` (not yet delivered), as
/// (arrival ms, data) in arrival order: the oldest, or with `newest` the latest.
pub fn sample(eng: &Engine, stream: i64, limit: usize, newest: bool) -> Result<Vec<(i64, Vec<u8>)>, StateError> {
    let sql = if newest {
        "SELECT arrival_ms, data FROM (SELECT id, arrival_ms, data FROM fh_records WHERE stream=?1 ORDER BY id DESC LIMIT ?2) ORDER BY id"
    } else {
        "SELECT arrival_ms, data FROM fh_records WHERE stream=?1 ORDER BY id LIMIT ?2"
    };
    let mut stmt = eng.conn.prepare_cached(sql)?;
    let rows = stmt.query_map(params![stream, limit as i64], |r| Ok((r.get(0)?, r.get(1)?)))?;
    Ok(rows.collect::<Result<_, _>>()?)
}

/// The buffer size limit (bytes) and interval (ms) of a destination description.
/// Redshift buffers by its S3 configuration's hints; the other kinds by their own.
pub fn hints(kind: DestKind, dest: &Value, override_secs: Option<u32>) -> (i64, i64) {
    let mut target = destination::target(dest);
    (target.size_mb, target.interval_s) = dest_kind::buffering(kind, dest);
    (target.size_mb as i64 * MIB, interval_ms(&target, override_secs))
}

/// Reads the records of a batch: up to `last_id` when retrying a batch as it was, else the
/// oldest records up to `size_limit` bytes (at least one).
fn read_records(
    eng: &Engine,
    stream: i64,
    size_limit: i64,
    last_id: Option<i64>,
) -> Result<Vec<BatchRecord>, StateError> {
    let mut stmt = eng.conn.prepare_cached(
        "SELECT id, arrival_ms, data, shard_id, partition_key, sequence_number, subsequence_number, approx_arrival_ms
         FROM fh_records WHERE stream=?1 AND id <= ?2 ORDER BY id",
    )?;
    let mut rows = stmt.query(params![stream, last_id.unwrap_or(i64::MAX)])?;
    let mut out = Vec::new();
    let mut bytes = 0i64;
    while let Some(r) = rows.next()? {
        let shard: Option<String> = r.get(3)?;
        let kinesis = match shard {
            Some(shard_id) => Some(KinesisMeta {
                shard_id,
                partition_key: r.get::<_, Option<String>>(4)?.unwrap_or_default(),
                sequence_number: r.get::<_, Option<String>>(5)?.unwrap_or_default(),
                subsequence_number: r.get(6)?,
                approximate_arrival_ms: r.get::<_, Option<i64>>(7)?.unwrap_or(r.get(1)?),
            }),
            None => None,
        };
        let rec = BatchRecord { id: r.get(0)?, arrival_ms: r.get(1)?, data: r.get(2)?, kinesis };
        bytes += rec.data.len() as i64;
        out.push(rec);
        if last_id.is_none() && bytes >= size_limit {
            break;
        }
    }
    Ok(out)
}

/// Leases every buffer that is due, at the engine's `now`, and drops streams whose
/// deletion is over.
pub fn take(eng: &mut Engine) -> Result<Taken, StateError> {
    let now = eng.now();
    let override_secs = eng.settings.firehose.interval_override_secs;
    let mut taken = Taken::default();
    let next = |taken: &mut Taken, at: i64| taken.next_ms = Some(taken.next_ms.map_or(at, |n: i64| n.min(at)));
    for p in pending(eng)? {
        match p.row.status_at(now) {
            None => {
                purge(eng, p.row.id).map_err(|e| StateError::Storage(e.message))?;
                continue;
            }
            Some(Status::Creating | Status::Deleting) => next(&mut taken, p.row.status_until),
            _ => {}
        }
        if let Some(until) = p.lease_until.filter(|u| *u > now) {
            next(&mut taken, until);
            continue;
        }
        let Some(first) = p.buf_first_ms else { continue };
        let (size_limit, interval) = hints(p.row.dest_kind, &p.row.dest, override_secs);
        let deadline = p.retry_at.unwrap_or(first + interval);
        let due = now >= deadline || (p.retry_at.is_none() && p.buf_bytes >= size_limit);
        if !due {
            next(&mut taken, deadline);
            continue;
        }
        if taken.batches.len() == MAX_BATCHES_PER_TAKE {
            next(&mut taken, now);
            continue;
        }
        let records = read_records(eng, p.row.id, size_limit, p.retry_last_id)?;
        let Some(last) = records.last() else {
            eng.conn
                .prepare_cached(
                    "UPDATE fh_streams SET buf_bytes=0, buf_first_ms=NULL, retry_at=NULL, retry_last_id=NULL WHERE id=?1",
                )?
                .execute([p.row.id])?;
            continue;
        };
        let last_id = last.id;
        let bytes: i64 = records.iter().map(|r| r.data.len() as i64).sum();
        let lease: i64 = eng
            .conn
            .prepare_cached(
                "UPDATE fh_streams SET lease_id = lease_id + 1, lease_until = ?2,
                     first_attempt_ms = COALESCE(first_attempt_ms, ?3) WHERE id=?1 RETURNING lease_id",
            )?
            .query_row(params![p.row.id, now + LEASE_MS, now], |r| r.get(0))?;
        let source_stream_arn = p
            .row
            .source
            .as_ref()
            .and_then(|s| s.get("KinesisStreamSourceDescription"))
            .and_then(|k| k.get("KinesisStreamARN"))
            .and_then(Value::as_str)
            .map(str::to_owned);
        let arn = format!("arn:aws:firehose:{}:{}:deliverystream/{}", p.region, p.account, p.row.name);
        taken.batches.push(Batch {
            receipt: Receipt { stream_id: p.row.id, lease, last_id, bytes },
            arn,
            name: p.row.name,
            account: p.account,
            region: p.region,
            version: p.row.version,
            kind: p.row.kind,
            dest_kind: p.row.dest_kind,
            dest: p.row.dest,
            source: p.row.source,
            source_stream_arn,
            attempt: u32::try_from(p.attempts).unwrap_or(u32::MAX - 1).saturating_add(1),
            first_attempt_ms: p.first_attempt_ms.unwrap_or(now),
            taken_ms: now,
            records,
        });
        next(&mut taken, now + LEASE_MS);
    }
    Ok(taken)
}

/// Settles a batch: writes its objects and consumes its records in one transaction, or
/// schedules a retry of the same records (also when an object cannot be written, e.g. the
/// bucket does not exist). A batch whose lease was lost changes nothing.
pub fn complete(eng: &mut Engine, receipt: &Receipt, outcome: Outcome) -> Result<Completed, StateError> {
    let now = eng.now();
    let lease: Option<(i64, Option<i64>, i64, Option<i64>)> = eng
        .conn
        .prepare_cached("SELECT lease_id, lease_until, attempts, first_attempt_ms FROM fh_streams WHERE id=?1")?
        .query_row([receipt.stream_id], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?)))
        .optional()?;
    let Some((_, _, attempts, first_attempt)) = lease.filter(|(id, until, ..)| *id == receipt.lease && until.is_some())
    else {
        return Ok(Completed { stale: true, ..Default::default() });
    };
    let objects = match outcome {
        Outcome::Retry { message, delay_ms } => return retry(eng, receipt, delay_ms.max(0), message, attempts),
        Outcome::Delivered { objects } => objects,
    };
    eng.conn.execute_batch("SAVEPOINT fh_complete")?;
    let mut written = Vec::with_capacity(objects.len());
    for o in &objects {
        if let Err(e) = s3::put_object(eng, &o.bucket, &o.key, &o.body, o.content_type.as_deref()) {
            eng.conn.execute_batch("ROLLBACK TO fh_complete; RELEASE fh_complete")?;
            // Firehose's error log names S3 failures `S3.<code>`; it gives the data up after
            // 24 hours of failures. Retries back off (creating a bucket retries at once).
            let message = format!("S3.{}: {} (bucket {})", e.code, s3_error_text(&e), o.bucket);
            if now - first_attempt.unwrap_or(now) >= S3_RETRY_LIMIT_MS {
                consume(eng, receipt)?;
                return Ok(Completed { dropped: Some(message), ..Default::default() });
            }
            return retry(eng, receipt, s3_backoff_ms(attempts), message, attempts);
        }
        written.push(Written { bucket: o.bucket.clone(), key: o.key.clone(), bytes: o.body.len() });
    }
    eng.conn.execute_batch("RELEASE fh_complete")?;
    consume(eng, receipt)?;
    Ok(Completed { written, consumed: true, ..Default::default() })
}

/// How long S3 deliveries are retried before their data is given up (AWS: 24 hours).
pub const S3_RETRY_LIMIT_MS: i64 = 24 * 3600 * 1000;

/// The longest wait between two attempts to write a batch's objects to S3.
pub const S3_BACKOFF_CAP_MS: i64 = 300_000;

/// The wait before the next attempt to write a batch's objects to S3 after `failures`
/// failed attempts (the one just failed not counted): 5 s, doubling, at most 5 minutes
/// ([`crate::backoff::doubling`]).
pub fn s3_backoff_ms(failures: i64) -> i64 {
    crate::backoff::doubling(RETRY_MS, failures.clamp(0, 16) as u32 + 1, S3_BACKOFF_CAP_MS)
}

/// AWS's wording of the S3 errors a delivery meets.
fn s3_error_text(e: &crate::s3::S3Error) -> String {
    match e.code {
        "NoSuchBucket" => "The specified bucket does not exist".to_string(),
        _ => e.message.clone(),
    }
}

/// Removes a batch's records from the buffer and clears the retry state; the buffer's age is
/// then its first remaining record's (one seek, where a `MIN` scanned every remaining row).
fn consume(eng: &Engine, receipt: &Receipt) -> Result<(), StateError> {
    eng.conn
        .prepare_cached("DELETE FROM fh_records WHERE stream=?1 AND id<=?2")?
        .execute(params![receipt.stream_id, receipt.last_id])?;
    eng.conn
        .prepare_cached(
            "UPDATE fh_streams SET buf_bytes = MAX(0, buf_bytes - ?2), retry_at = NULL, lease_until = NULL,
                 attempts = 0, first_attempt_ms = NULL, retry_last_id = NULL,
                 buf_first_ms = (SELECT arrival_ms FROM fh_records WHERE stream=?1 ORDER BY id LIMIT 1) WHERE id=?1",
        )?
        .execute(params![receipt.stream_id, receipt.bytes])?;
    Ok(())
}

/// Schedules the batch's next attempt `delay_ms` from now.
fn retry(
    eng: &Engine,
    receipt: &Receipt,
    delay_ms: i64,
    message: String,
    attempts: i64,
) -> Result<Completed, StateError> {
    let at = eng.now() + delay_ms;
    eng.conn
        .prepare_cached(
            "UPDATE fh_streams SET retry_at=?2, lease_until=NULL, attempts=attempts+1, retry_last_id=?3 WHERE id=?1",
        )?
        .execute(params![receipt.stream_id, at, receipt.last_id])?;
    let attempts = u32::try_from(attempts + 1).unwrap_or(u32::MAX);
    Ok(Completed { retry: Some(message), attempts, retry_in_ms: delay_ms, ..Default::default() })
}

#[cfg(test)]
mod tests;
