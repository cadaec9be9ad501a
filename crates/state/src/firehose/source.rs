//! KinesisStreamAsSource: delivery streams that read a Kinesis data stream.
//!
//! At creation the delivery stream's position in every shard of its source is set to LATEST
//! (records put before are not delivered, as on AWS); shards created later by a split or a
//! merge are read from their beginning, and only once all of their parents are read to their
//! end, which keeps the order of records per partition key across resharding.
//!
//! [`pump`] runs as one store-thread job: it reads new records, de-aggregates KPL records
//! ([`super::kpl`]) and moves the user records into the delivery stream's buffer with their
//! Kinesis metadata, and moves the shard checkpoints, in the job's transaction: across a
//! crash nothing is delivered twice or lost. AWS reads each shard about once per second;
//! kinesin moves records as soon as they are put (the server runs a pump after every Kinesis
//! write), then the usual buffering hints decide when they are delivered.

use super::batch::{append, KinesisMeta, Row, Sink};
use super::stream_row::{from_row, Status, StreamRow};
use super::{kpl, FhError};
use crate::db::Engine;
use crate::error::StateError;
use crate::kinesis::cache::StreamMeta;
use crate::kinesis::records::{self, Start};
use crate::kinesis::written::Written;
use crate::kinesis::{self, seqnum};
use crate::Ctx;
use kinesin_protocol::firehose::CreateDeliveryStreamInput;
use rusqlite::params;
use serde_json::{json, Value};
use std::borrow::Cow;
use std::collections::HashMap;

/// Most Kinesis records one [`pump`] job reads, so other requests are not held up.
pub const JOB_BUDGET: usize = 2_000;
/// Most records one read of a shard returns.
const READ_LIMIT: u32 = 500;

/// The delivery stream type this module serves.
pub const KIND: &str = "KinesisStreamAsSource";

/// The source of a KinesisStreamAsSource delivery stream.
#[derive(Debug, Clone)]
pub struct KinesisSource {
    /// The stream's ARN, as given.
    pub arn: String,
    /// The role's ARN.
    pub role: String,
    /// The stream's namespace.
    pub ctx: Ctx,
    /// The stream's name.
    pub name: String,
}

impl KinesisSource {
    /// `Source` as DescribeDeliveryStream shows it; reading starts at `start_ms`.
    pub fn description(&self, start_ms: i64) -> Value {
        json!({"KinesisStreamSourceDescription": {
            "KinesisStreamARN": self.arn,
            "RoleARN": self.role,
            "DeliveryStartTimestamp": start_ms as f64 / 1000.0,
        }})
    }

    /// The source of a stored delivery stream.
    pub fn of(row: &StreamRow) -> Option<KinesisSource> {
        let d = row.source.as_ref()?.get("KinesisStreamSourceDescription")?;
        let arn = d.get("KinesisStreamARN")?.as_str()?;
        let role = d.get("RoleARN").and_then(Value::as_str).unwrap_or_default();
        let (ctx, name) = kinesis::parse_arn(arn)?;
        Some(KinesisSource { arn: arn.into(), role: role.into(), ctx, name })
    }
}

/// Checks the source members of CreateDeliveryStream for a stream of type `kind`; for a
/// KinesisStreamAsSource stream, answers its source.
pub fn configure(
    eng: &mut Engine,
    kind: &str,
    input: &CreateDeliveryStreamInput,
) -> Result<Option<KinesisSource>, FhError> {
    let config = input.other.get("KinesisStreamSourceConfiguration");
    // kinesin's wording for the three checks below: AWS answers InvalidArgumentException;
    // its exact texts were not found.
    if kind != KIND {
        if config.is_some() {
            return Err(FhError::invalid(format!(
                "KinesisStreamSourceConfiguration is only allowed when DeliveryStreamType is {KIND}."
            )));
        }
        return Ok(None);
    }
    let Some(config) = config else {
        return Err(FhError::invalid(format!(
            "KinesisStreamSourceConfiguration is required when DeliveryStreamType is {KIND}."
        )));
    };
    if input.direct_put_source_configuration.is_some() {
        return Err(FhError::invalid(format!(
            "DirectPutSourceConfiguration is not allowed when DeliveryStreamType is {KIND}."
        )));
    }
    if input.delivery_stream_encryption_configuration_input.is_some() {
        // AWS: "You can enable SSE for a Firehose stream only if it's a Firehose stream that
        // uses DirectPut as its source." (API reference); the error's text was not found.
        return Err(FhError::invalid(format!(
            "Server-side encryption is only supported for DirectPut delivery streams, not for {KIND}."
        )));
    }
    let text = |k: &str| config.get(k).and_then(Value::as_str).unwrap_or_default().to_string();
    let (arn, role) = (text("KinesisStreamARN"), text("RoleARN"));
    let Some((ctx, name)) = kinesis::parse_arn(&arn) else {
        return Err(FhError::invalid(format!("KinesisStreamARN {arn} is not a valid Kinesis stream ARN.")));
    };
    if kinesis::existing(eng, &ctx, &name).is_err() {
        // kinesin's wording: AWS refuses a source stream that does not exist with
        // InvalidArgumentException; its exact text was not found.
        return Err(FhError::invalid(format!(
            "The Kinesis stream {arn} used as the source of the delivery stream does not exist."
        )));
    }
    Ok(Some(KinesisSource { arn, role, ctx, name }))
}

/// Sets a new delivery stream's position in every shard of its source to LATEST. A source
/// that is not readable yet (CREATING) has no records: its shards start at their beginning.
pub fn initialize(eng: &mut Engine, stream: i64, src: &KinesisSource) -> Result<(), FhError> {
    let Ok(m) = kinesis::usable(eng, &src.ctx, &src.name) else { return Ok(()) };
    let now = eng.now();
    let latest = Start { kind: "LATEST", sequence_number: None, timestamp: None };
    for shard in m.shards.iter().filter(|s| !m.shard_expired(s, now)) {
        let next = records::start_position(eng, &src.ctx, &m, shard, &latest)?;
        save(eng, stream, shard.id, &Checkpoint { next, done: false })?;
    }
    Ok(())
}

// ---------------------------------------------------------------------------------------
// Checkpoints

/// Where a delivery stream stands in one shard of its source.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Checkpoint {
    /// The next counter to read.
    pub next: u64,
    /// The shard is closed and read to its end.
    pub done: bool,
}

/// The checkpoints of a delivery stream, by shard row id.
pub fn checkpoints(eng: &Engine, stream: i64) -> Result<HashMap<i64, Checkpoint>, StateError> {
    let mut st = eng.conn.prepare_cached("SELECT shard, next_seq, done FROM fh_source_shards WHERE stream=?1")?;
    let rows = st.query_map([stream], |r| {
        Ok((r.get::<_, i64>(0)?, Checkpoint { next: r.get::<_, i64>(1)? as u64, done: r.get::<_, i64>(2)? != 0 }))
    })?;
    Ok(rows.collect::<Result<_, _>>()?)
}

fn save(eng: &Engine, stream: i64, shard: i64, cp: &Checkpoint) -> Result<(), StateError> {
    eng.conn
        .prepare_cached(
            "INSERT OR REPLACE INTO fh_source_shards(stream, shard, next_seq, done) VALUES (?1, ?2, ?3, ?4)",
        )?
        .execute(params![stream, shard, cp.next as i64, cp.done as i64])?;
    Ok(())
}

// ---------------------------------------------------------------------------------------
// Pumping

/// What one [`pump`] did and when it wants to run again.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct PumpReport {
    /// KinesisStreamAsSource delivery streams that exist (0: Kinesis writes need no pump).
    pub sources: usize,
    /// Kinesis records read.
    pub read: u64,
    /// User records buffered (more than read when KPL records were de-aggregated).
    pub buffered: u64,
    /// When a delivery stream still CREATING turns ACTIVE (ms).
    pub next_ms: Option<i64>,
    /// The budget ran out: run again right away.
    pub more: bool,
}

/// Moves new records of every ACTIVE KinesisStreamAsSource delivery stream whose source
/// stream `streams` names into its buffer, reading at most `budget` Kinesis records.
pub fn pump(eng: &mut Engine, budget: usize, streams: &Written) -> Result<PumpReport, StateError> {
    let now = eng.now();
    let mut report = PumpReport::default();
    let mut left = budget;
    for row in source_streams(eng)? {
        match row.status_at(now) {
            Some(Status::Active) => {}
            Some(Status::Creating) => {
                report.sources += 1;
                report.next_ms = Some(report.next_ms.map_or(row.status_until, |t| t.min(row.status_until)));
                continue;
            }
            _ => continue,
        }
        report.sources += 1;
        let Some(src) = KinesisSource::of(&row).filter(|s| streams.includes(&s.ctx, &s.name)) else { continue };
        // A source deleted (or not ACTIVE yet) has nothing to read.
        let Ok(m) = kinesis::usable(eng, &src.ctx, &src.name) else { continue };
        if left == 0 {
            report.more = true;
            break;
        }
        pump_stream(eng, &row, &m, &mut left, &mut report)?;
    }
    Ok(report)
}

fn source_streams(eng: &Engine) -> Result<Vec<StreamRow>, StateError> {
    let mut st = eng.conn.prepare_cached(
        "SELECT id, name, type, status, status_until, created_ms, updated_ms, version, dest, source, encryption,
                dest_kind
         FROM fh_streams WHERE type='KinesisStreamAsSource' ORDER BY id",
    )?;
    let rows = st.query_map([], from_row)?;
    Ok(rows.collect::<Result<_, _>>()?)
}

fn pump_stream(
    eng: &mut Engine,
    row: &StreamRow,
    m: &StreamMeta,
    left: &mut usize,
    report: &mut PumpReport,
) -> Result<(), StateError> {
    let now = eng.now();
    let sink = Sink::of(eng, row.id)?;
    let mut cps = checkpoints(eng, row.id)?;
    // Shards in index order: a child's index is above its parents', so parents finished in
    // this pass unblock their children in the same pass.
    for shard in &m.shards {
        if m.shard_expired(shard, now) || !m.parents_done(shard, now, |id| cps.get(&id).is_some_and(|c| c.done)) {
            continue;
        }
        let mut cp = cps.get(&shard.id).copied().unwrap_or(Checkpoint { next: shard.start_seq, done: false });
        if cp.done {
            continue;
        }
        let before = cp;
        let shard_id = seqnum::shard_id(shard.idx);
        while *left > 0 {
            let limit = READ_LIMIT.min(*left as u32);
            let read = records::read(eng, m, shard, cp.next, limit)?;
            *left -= read.records.len();
            report.read += read.records.len() as u64;
            let users: Vec<(Cow<[u8]>, KinesisMeta)> =
                read.records.iter().flat_map(|rec| user_records(&shard_id, rec)).collect();
            report.buffered += users.len() as u64;
            let rows: Vec<Row> = users.iter().map(|(data, meta)| (&data[..], Some(meta))).collect();
            append(eng, &sink, now, &rows)?;
            cp.next = read.next;
            if read.child_shards.is_some() {
                cp.done = true;
                break;
            }
            if read.records.is_empty() {
                break;
            }
        }
        if cp != before {
            save(eng, row.id, shard.id, &cp)?;
            cps.insert(shard.id, cp);
        }
        if *left == 0 {
            report.more = true;
            break;
        }
    }
    Ok(())
}

/// The user records of one Kinesis record (several when it is a KPL aggregate), with their
/// Kinesis metadata.
fn user_records<'a>(shard_id: &str, rec: &'a kinesin_protocol::kinesis::Record) -> Vec<(Cow<'a, [u8]>, KinesisMeta)> {
    let meta = KinesisMeta {
        shard_id: shard_id.to_string(),
        partition_key: rec.partition_key.clone(),
        sequence_number: rec.sequence_number.clone(),
        subsequence_number: None,
        approximate_arrival_ms: (rec.approximate_arrival_timestamp * 1000.0).round() as i64,
    };
    match kpl::deaggregate(&rec.data) {
        Some(users) => users
            .into_iter()
            .enumerate()
            .map(|(sub, u)| {
                let meta = KinesisMeta {
                    partition_key: u.partition_key,
                    subsequence_number: Some(sub as i64),
                    ..meta.clone()
                };
                (Cow::Owned(u.data), meta)
            })
            .collect(),
        None => vec![(Cow::Borrowed(&rec.data[..]), meta)],
    }
}

#[cfg(test)]
mod tests;
