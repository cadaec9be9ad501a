//! What the cost estimate needs from the store: every stream with the lifetimes of its
//! shards and consumers, and every delivery stream with its optional billed features.

use crate::{Engine, StateError};
use rusqlite::params;

/// One Kinesis stream.
#[derive(Debug, Clone)]
pub struct StreamUsage {
    /// Account.
    pub account: String,
    /// Region.
    pub region: String,
    /// Name.
    pub name: String,
    /// PROVISIONED or ON_DEMAND.
    pub mode: String,
    /// Retention period, hours.
    pub retention_h: i64,
    /// When it was created (ms).
    pub created_ms: i64,
    /// Each shard's `(created_ms, closed_ms)`.
    pub shards: Vec<(i64, Option<i64>)>,
    /// Each consumer's creation time (ms).
    pub consumers: Vec<i64>,
}

/// One Firehose delivery stream.
#[derive(Debug, Clone)]
pub struct DeliveryUsage {
    /// Account.
    pub account: String,
    /// Region.
    pub region: String,
    /// Name.
    pub name: String,
    /// Record format conversion (Parquet/ORC) is enabled.
    pub conversion: bool,
    /// Dynamic partitioning is enabled.
    pub partitioning: bool,
}

/// Every stream, with its shards and consumers.
pub fn streams(eng: &mut Engine) -> Result<Vec<StreamUsage>, StateError> {
    let mut out = Vec::new();
    let mut st = eng.conn.prepare_cached(
        "SELECT id, account, region, name, mode, retention_h, created_ms FROM streams ORDER BY account, region, name",
    )?;
    let rows = st.query_map([], |r| {
        Ok((
            r.get::<_, i64>(0)?,
            StreamUsage {
                account: r.get(1)?,
                region: r.get(2)?,
                name: r.get(3)?,
                mode: r.get(4)?,
                retention_h: r.get(5)?,
                created_ms: r.get(6)?,
                shards: Vec::new(),
                consumers: Vec::new(),
            },
        ))
    })?;
    let all: Vec<(i64, StreamUsage)> = rows.collect::<Result<_, _>>()?;
    drop(st);
    for (id, mut s) in all {
        let mut q = eng.conn.prepare_cached("SELECT created_ms, closed_ms FROM shards WHERE stream = ?1")?;
        s.shards = q.query_map(params![id], |r| Ok((r.get(0)?, r.get(1)?)))?.collect::<Result<_, _>>()?;
        let mut q =
            eng.conn.prepare_cached("SELECT created_ms FROM consumers WHERE stream = ?1 AND status != 'DELETING'")?;
        s.consumers = q.query_map(params![id], |r| r.get(0))?.collect::<Result<_, _>>()?;
        out.push(s);
    }
    Ok(out)
}

/// Every delivery stream with the features billed beyond ingestion.
pub fn delivery_streams(eng: &mut Engine) -> Result<Vec<DeliveryUsage>, StateError> {
    let mut st =
        eng.conn.prepare_cached("SELECT account, region, name, dest FROM fh_streams ORDER BY account, region, name")?;
    let rows = st.query_map([], |r| {
        let dest: String = r.get(3)?;
        let dest: serde_json::Value = serde_json::from_str(&dest).unwrap_or_default();
        let enabled =
            |k: &str| dest.get(k).and_then(|c| c.get("Enabled")).and_then(serde_json::Value::as_bool).unwrap_or(false);
        Ok(DeliveryUsage {
            account: r.get(0)?,
            region: r.get(1)?,
            name: r.get(2)?,
            conversion: enabled("DataFormatConversionConfiguration"),
            partitioning: enabled("DynamicPartitioningConfiguration"),
        })
    })?;
    Ok(rows.collect::<Result<_, _>>()?)
}

/// Resource counts of one account and region.
#[derive(Debug, Clone, Default, serde::Serialize)]
#[serde(rename_all = "camelCase")]
pub struct RegionCounts {
    /// Account.
    pub account: String,
    /// Region.
    pub region: String,
    /// Kinesis streams.
    pub streams: i64,
    /// Open shards.
    pub open_shards: i64,
    /// EFO consumers.
    pub consumers: i64,
    /// SQS queues.
    pub queues: i64,
    /// Firehose delivery streams.
    pub delivery_streams: i64,
    /// Pipes.
    pub pipes: i64,
    /// S3 buckets.
    pub buckets: i64,
    /// Kinesis Data Analytics applications (both APIs).
    pub applications: i64,
}

/// Counts per account and region (each from an index or a small table, no message scans).
pub fn region_counts(eng: &mut Engine) -> Result<Vec<RegionCounts>, StateError> {
    let sql = "SELECT account, region,
        (SELECT count(*) FROM streams s WHERE s.account = k.account AND s.region = k.region),
        (SELECT count(*) FROM shards h JOIN streams s ON h.stream = s.id WHERE s.account = k.account AND s.region = k.region AND h.closed_ms IS NULL),
        (SELECT count(*) FROM consumers c JOIN streams s ON c.stream = s.id WHERE s.account = k.account AND s.region = k.region),
        (SELECT count(*) FROM sqs_queues q WHERE q.account = k.account AND q.region = k.region),
        (SELECT count(*) FROM fh_streams f WHERE f.account = k.account AND f.region = k.region),
        (SELECT count(*) FROM pipes p WHERE p.account = k.account AND p.region = k.region),
        (SELECT count(*) FROM s3_buckets b WHERE b.account = k.account AND b.region = k.region),
        (SELECT count(*) FROM kda_apps a WHERE a.account = k.account AND a.region = k.region)
        FROM (SELECT account, region FROM streams UNION SELECT account, region FROM sqs_queues
              UNION SELECT account, region FROM fh_streams UNION SELECT account, region FROM pipes
              UNION SELECT account, region FROM s3_buckets UNION SELECT account, region FROM kda_apps) k
        ORDER BY account, region";
    let mut st = eng.conn.prepare_cached(sql)?;
    let rows = st.query_map([], |r| {
        Ok(RegionCounts {
            account: r.get(0)?,
            region: r.get(1)?,
            streams: r.get(2)?,
            open_shards: r.get(3)?,
            consumers: r.get(4)?,
            queues: r.get(5)?,
            delivery_streams: r.get(6)?,
            pipes: r.get(7)?,
            buckets: r.get(8)?,
            applications: r.get(9)?,
        })
    })?;
    Ok(rows.collect::<Result<_, _>>()?)
}

/// A message as the console's peek shows it (nothing about it changes).
#[derive(Debug, Clone, serde::Serialize)]
#[serde(rename_all = "camelCase")]
pub struct PeekedMessage {
    /// Enqueue position (the paging cursor).
    pub pos: i64,
    /// MessageId.
    pub message_id: String,
    /// Body.
    pub body: String,
    /// MessageGroupId (FIFO).
    pub group_id: Option<String>,
    /// Sent (ms).
    pub sent_ms: i64,
    /// Visible again from (ms): later than now while delayed or in flight.
    pub visible_ms: i64,
    /// Receives so far.
    pub receive_count: i64,
}

fn queue_id(eng: &mut Engine, account: &str, region: &str, name: &str) -> Result<i64, StateError> {
    let mut st =
        eng.conn.prepare_cached("SELECT id FROM sqs_queues WHERE account = ?1 AND region = ?2 AND name = ?3")?;
    let id = st.query_row(params![account, region, name], |r| r.get(0));
    match id {
        Ok(id) => Ok(id),
        Err(rusqlite::Error::QueryReturnedNoRows) => Err(StateError::NotFound(format!("queue {name} not found"))),
        Err(e) => Err(e.into()),
    }
}

/// Up to `limit` messages of a queue after position `after`, in enqueue order.
pub fn peek_messages(
    eng: &mut Engine,
    q: (&str, &str, &str),
    after: i64,
    limit: i64,
) -> Result<Vec<PeekedMessage>, StateError> {
    let id = queue_id(eng, q.0, q.1, q.2)?;
    let now = eng.now();
    let mut st = eng.conn.prepare_cached(
        "SELECT id, message_id, body, group_id, sent_ms, visible_ms, receive_count FROM sqs_messages
         WHERE queue = ?1 AND id > ?2 AND expires_ms > ?3 ORDER BY id LIMIT ?4",
    )?;
    let rows = st.query_map(params![id, after, now, limit.clamp(1, 500)], |r| {
        Ok(PeekedMessage {
            pos: r.get(0)?,
            message_id: r.get(1)?,
            body: r.get(2)?,
            group_id: r.get(3)?,
            sent_ms: r.get(4)?,
            visible_ms: r.get(5)?,
            receive_count: r.get(6)?,
        })
    })?;
    Ok(rows.collect::<Result<_, _>>()?)
}

/// One FIFO message group.
#[derive(Debug, Clone, serde::Serialize)]
#[serde(rename_all = "camelCase")]
pub struct GroupState {
    /// MessageGroupId.
    pub group_id: String,
    /// Messages in the group.
    pub messages: i64,
    /// Messages in flight (received, not yet visible again).
    pub in_flight: i64,
    /// The group is locked: a message of it is in flight, so no other is delivered.
    pub locked: bool,
}

/// Up to `limit` groups of a FIFO queue after group `after`, by group id.
pub fn groups(eng: &mut Engine, q: (&str, &str, &str), after: &str, limit: i64) -> Result<Vec<GroupState>, StateError> {
    let id = queue_id(eng, q.0, q.1, q.2)?;
    let now = eng.now();
    let mut st = eng.conn.prepare_cached(
        "SELECT group_id, count(*), sum(receive_count > 0 AND visible_ms > ?3) FROM sqs_messages
         WHERE queue = ?1 AND group_id > ?2 AND expires_ms > ?3 GROUP BY group_id ORDER BY group_id LIMIT ?4",
    )?;
    let rows = st.query_map(params![id, after, now, limit.clamp(1, 500)], |r| {
        let in_flight: i64 = r.get(2)?;
        Ok(GroupState { group_id: r.get(0)?, messages: r.get(1)?, in_flight, locked: in_flight > 0 })
    })?;
    Ok(rows.collect::<Result<_, _>>()?)
}

/// A delivery stream's buffer.
#[derive(Debug, Clone, serde::Serialize)]
#[serde(rename_all = "camelCase")]
pub struct BufferState {
    /// Account.
    pub account: String,
    /// Region.
    pub region: String,
    /// Name.
    pub name: String,
    /// Bytes buffered.
    pub buffered_bytes: i64,
    /// Arrival of the oldest buffered record (ms).
    pub oldest_ms: Option<i64>,
    /// Failed attempts of the pending batch.
    pub attempts: i64,
    /// The next retry after a failure (ms).
    pub retry_at: Option<i64>,
    /// The destination description (with its BufferingHints).
    pub destination: serde_json::Value,
}

/// Every delivery stream's buffer, from its row (no buffer scan).
pub fn buffers(eng: &mut Engine) -> Result<Vec<BufferState>, StateError> {
    let mut st = eng.conn.prepare_cached(
        "SELECT account, region, name, buf_bytes, buf_first_ms, attempts, retry_at, dest FROM fh_streams ORDER BY account, region, name LIMIT 1000",
    )?;
    let rows = st.query_map([], |r| {
        let dest: String = r.get(7)?;
        Ok(BufferState {
            account: r.get(0)?,
            region: r.get(1)?,
            name: r.get(2)?,
            buffered_bytes: r.get(3)?,
            oldest_ms: r.get(4)?,
            attempts: r.get(5)?,
            retry_at: r.get(6)?,
            destination: serde_json::from_str(&dest).unwrap_or_default(),
        })
    })?;
    Ok(rows.collect::<Result<_, _>>()?)
}

/// A pipe's position in one shard of its source.
#[derive(Debug, Clone, serde::Serialize)]
#[serde(rename_all = "camelCase")]
pub struct PipePosition {
    /// The shard's index (`shardId-<idx>`).
    pub shard_idx: i64,
    /// The next record counter to deliver.
    pub next_seq: i64,
    /// The (closed) shard is delivered to its end.
    pub done: bool,
    /// Failed deliveries of the record at `next_seq` so far.
    pub attempts: i64,
    /// No delivery before this time (ms; 0: none pending).
    pub retry_at: i64,
}

/// A pipe's positions per shard.
pub fn pipe_positions(
    eng: &mut Engine,
    account: &str,
    region: &str,
    name: &str,
) -> Result<Vec<PipePosition>, StateError> {
    let mut st = eng.conn.prepare_cached(
        "SELECT h.idx, ps.next_seq, ps.done, ps.attempts, ps.retry_at FROM pipe_shards ps JOIN pipes p ON ps.pipe = p.id JOIN shards h ON ps.shard = h.id
         WHERE p.account = ?1 AND p.region = ?2 AND p.name = ?3 ORDER BY h.idx",
    )?;
    let rows = st.query_map(params![account, region, name], |r| {
        Ok(PipePosition {
            shard_idx: r.get(0)?,
            next_seq: r.get(1)?,
            done: r.get::<_, i64>(2)? != 0,
            attempts: r.get(3)?,
            retry_at: r.get(4)?,
        })
    })?;
    Ok(rows.collect::<Result<_, _>>()?)
}

/// Incoming records of one shard, counted per time bucket.
#[derive(Debug, Clone, serde::Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ShardIncoming {
    /// ShardId.
    pub shard_id: String,
    /// Records per bucket, oldest first.
    pub buckets: Vec<u64>,
}

/// Records looked at per shard for the incoming chart (the newest ones).
const INCOMING_BUDGET: i64 = 5000;

/// Records that arrived in each open shard of a stream over the last `buckets` periods of
/// `bucket_ms`, from at most the newest 5,000 records of each shard.
pub fn incoming(
    eng: &mut Engine,
    q: (&str, &str, &str),
    bucket_ms: i64,
    buckets: usize,
) -> Result<Vec<ShardIncoming>, StateError> {
    let now = eng.now();
    let since = now - bucket_ms * buckets as i64;
    let mut st = eng.conn.prepare_cached(
        "SELECT h.id, h.idx FROM shards h JOIN streams s ON h.stream = s.id
         WHERE s.account = ?1 AND s.region = ?2 AND s.name = ?3 AND (h.closed_ms IS NULL OR h.closed_ms > ?4) ORDER BY h.idx",
    )?;
    let shards: Vec<(i64, i64)> =
        st.query_map(params![q.0, q.1, q.2, since], |r| Ok((r.get(0)?, r.get(1)?)))?.collect::<Result<_, _>>()?;
    drop(st);
    let mut out = Vec::new();
    for (id, idx) in shards {
        let mut st = eng.conn.prepare_cached("SELECT ts FROM records WHERE shard = ?1 ORDER BY seq DESC LIMIT ?2")?;
        let mut counts = vec![0u64; buckets];
        for ts in st.query_map(params![id, INCOMING_BUDGET], |r| r.get::<_, i64>(0))? {
            let ts = ts?;
            if ts < since {
                break;
            }
            let b = (((ts - since) / bucket_ms) as usize).min(buckets - 1);
            counts[b] += 1;
        }
        out.push(ShardIncoming { shard_id: crate::kinesis::seqnum::shard_id(idx), buckets: counts });
    }
    Ok(out)
}
