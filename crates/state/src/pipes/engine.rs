//! The pipe engine: moves records from a pipe's source to its target.
//!
//! [`pump_job`] runs as one store-thread job: going round-robin over the RUNNING pipes
//! (those whose source stream was written, or all) and their shards from a [`Cursor`] the
//! caller keeps, it moves one batch at a time ([`pump_next`]) while batches are waiting, up
//! to [`JOB_BUDGET`] records. A batch is delivered record by record in order and moves its
//! shard's checkpoint in the job's transaction, so a crash or restart never loses or
//! repeats a delivery. Sources and targets are enums ([`Source`], [`Target`]); a new one is
//! a variant, its `parse`/`check`, and (for a source) a pump, (for a target) a `deliver`.
//!
//! Kinesis sources: every shard is read in sequence order; a child shard (after a split or
//! merge) starts only once all of its parents are read to their end. ParallelizationFactor
//! is accepted (1-10) but each shard is always delivered by one sequential reader, which
//! keeps AWS's guarantee (order per partition key) and more (order per shard).
//! FilterCriteria (see [`super::pattern`]) is applied to each record's event with `data`
//! parsed when it is JSON: a record no filter matches is skipped and checkpointed.
//! A failed delivery is retried with exponential backoff (1 s doubling to 60 s) up to
//! MaximumRetryAttempts (-1: until the record expires). Then, with a DeadLetterConfig, the
//! rest of the batch (only the failing record with OnPartialBatchItemFailure=AUTOMATIC_BISECT,
//! since the SQS target sends record by record) is described on the dead-letter queue (see
//! [`super::dlq`]) and skipped; without one the record is skipped. Records older than
//! MaximumRecordAgeInSeconds are skipped too, and described on the dead-letter queue if any.

use super::dlq::{self, BatchInfo, Condition};
use super::pattern::{self, Pattern};
use super::{jsonpath, set_reason, PipeRow};
use crate::backoff::backoff_ms;
use crate::db::Engine;
use crate::error::StateError;
use crate::kinesis::cache::{ShardMeta, StreamMeta};
use crate::kinesis::records::{self, Start};
use crate::kinesis::written::Written;
use crate::kinesis::{self, seqnum};
use crate::sqs::{self, messages, Caller, Queue, QueueKey};
use crate::Ctx;
use kinesin_protocol::kinesis::Record;
use kinesin_protocol::pipes::PipeDefinition;
use rusqlite::params;
use serde_json::{json, Value};
use std::collections::HashMap;
use std::sync::Arc;

/// Default BatchSize of a Kinesis source.
pub const DEFAULT_BATCH: u32 = 100;
/// Longest retry backoff (ms).
pub const MAX_BACKOFF_MS: i64 = 60_000;

/// What one [`pump_next`] did and when it wants to run again.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct PumpReport {
    /// Records delivered.
    pub delivered: u64,
    /// Records dropped (too old, or out of retries).
    pub dropped: u64,
    /// Records no filter matched.
    pub filtered: u64,
    /// Queues that received messages.
    pub queues: Vec<QueueKey>,
    /// The earliest time something is due (a retry, a batching window, a state change).
    pub next_wake: Option<i64>,
    /// A batch moved: run again right away (more may be waiting).
    pub more: bool,
    /// Billable requests per pipe, `(account, region, pipe, requests)`: each batch of
    /// events that reached the target counts once per started 64 KB of its payload.
    pub requests: Vec<(String, String, String, u64)>,
    /// Failed deliveries to the target, one `(account, region, pipe)` each.
    pub failures: Vec<(String, String, String)>,
    /// The source streams of the RUNNING pipes: writes to other streams need no pass (a
    /// pipe that starts is looked at by the pass its change or its deadline brings; one whose
    /// source or target does not parse, only by passes over every stream).
    pub sources: Vec<(Ctx, String)>,
}

impl PumpReport {
    fn wake_at(&mut self, t: i64) {
        self.next_wake = Some(self.next_wake.map_or(t, |w| w.min(t)));
    }

    /// Records this report moved one way or another.
    fn moved(&self) -> u64 {
        self.delivered + self.dropped + self.filtered
    }

    /// Adds what a later pass did (its `more` replaces this one's).
    pub(crate) fn absorb(&mut self, later: PumpReport) {
        self.delivered += later.delivered;
        self.dropped += later.dropped;
        self.filtered += later.filtered;
        for key in later.queues {
            if !self.queues.contains(&key) {
                self.queues.push(key);
            }
        }
        if let Some(t) = later.next_wake {
            self.wake_at(t);
        }
        self.more = later.more;
        self.sources = later.sources;
        self.requests.extend(later.requests);
        self.failures.extend(later.failures);
    }
}

/// Most records one [`pump_job`] moves, so other requests are not held up.
pub const JOB_BUDGET: u64 = 2_000;
/// Most batches one [`pump_job`] moves (a bound besides the records, for batches that fail).
const JOB_BATCHES: usize = 256;

/// A stored pipe with its source and target parsed, or why they cannot be.
#[derive(Debug)]
pub struct Parsed {
    /// The row.
    pub row: PipeRow,
    /// Its source.
    pub source: Result<Source, String>,
    /// Its target.
    pub target: Result<Target, String>,
}

impl Parsed {
    /// Parses a stored row.
    pub fn new(row: PipeRow) -> Self {
        let source = Source::parse(&row.source, &row.spec);
        let target = Target::parse(&row.target, &row.spec);
        Self { row, source, target }
    }
}

// ---------------------------------------------------------------------------------------
// Sources

/// Where a pipe reads.
#[derive(Debug, Clone)]
pub enum Source {
    /// A Kinesis data stream.
    Kinesis(KinesisSource),
}

/// A Kinesis stream source and its parameters.
#[derive(Debug, Clone)]
pub struct KinesisSource {
    /// The stream's namespace.
    pub ctx: Ctx,
    /// The stream's name.
    pub stream: String,
    /// TRIM_HORIZON, LATEST or AT_TIMESTAMP.
    pub starting_position: String,
    /// For AT_TIMESTAMP (epoch seconds).
    pub starting_timestamp: Option<f64>,
    /// Records per batch.
    pub batch_size: u32,
    /// MaximumBatchingWindowInSeconds, in ms.
    pub window_ms: i64,
    /// MaximumRetryAttempts (-1: unlimited).
    pub max_retries: i64,
    /// MaximumRecordAgeInSeconds in ms (`None`: unlimited).
    pub max_age_ms: Option<i64>,
    /// FilterCriteria: a record is delivered when one of them matches (none: every record).
    pub filters: Vec<Pattern>,
    /// DeadLetterConfig.Arn (an SQS queue).
    pub dead_letter: Option<String>,
    /// OnPartialBatchItemFailure=AUTOMATIC_BISECT.
    pub bisect: bool,
}

/// The patterns of `SourceParameters.FilterCriteria`, or the reason one is invalid.
pub fn filters(spec: &PipeDefinition) -> Result<Vec<Pattern>, String> {
    let list = spec.source_parameters.as_ref().and_then(|s| s.get("FilterCriteria")).and_then(|f| f.get("Filters"));
    let list = list.and_then(Value::as_array).map(Vec::as_slice).unwrap_or_default();
    list.iter()
        .filter_map(|f| f.get("Pattern").and_then(Value::as_str))
        .map(|p| {
            // EventBridge's wording for a bad pattern (PutRule's InvalidEventPatternException);
            // the exact text Pipes answers was not found, so this names the filter too.
            pattern::parse(p)
                .map_err(|r| format!("Event pattern is not valid. Reason: {r} (FilterCriteria pattern {p})"))
        })
        .collect()
}

fn int_at(v: Option<&Value>, key: &str) -> Option<i64> {
    v.and_then(|v| v.get(key)).and_then(Value::as_i64)
}

impl Source {
    /// The source named by `arn` with the pipe's parameters.
    pub fn parse(arn: &str, spec: &PipeDefinition) -> Result<Source, String> {
        if let Some((ctx, stream)) = kinesis::parse_arn(arn) {
            let p = spec.source_parameters.as_ref().and_then(|s| s.get("KinesisStreamParameters"));
            let starting_position = p
                .and_then(|p| p.get("StartingPosition"))
                .and_then(Value::as_str)
                .ok_or("SourceParameters.KinesisStreamParameters.StartingPosition is required for a Kinesis stream source.")?
                .to_string();
            let starting_timestamp = p.and_then(|p| p.get("StartingPositionTimestamp")).and_then(Value::as_f64);
            if starting_position == "AT_TIMESTAMP" && starting_timestamp.is_none() {
                return Err("StartingPositionTimestamp is required when StartingPosition is AT_TIMESTAMP.".into());
            }
            let max_age = int_at(p, "MaximumRecordAgeInSeconds").unwrap_or(-1);
            if max_age != -1 && !(60..=604_800).contains(&max_age) {
                // AWS's wording (seen in UpdatePipe's ValidationErrorFields).
                return Err(
                    "MaximumRecordAgeInSeconds must be either -1 (forever) or between 60 and 604800 (inclusive)".into(),
                );
            }
            let dead_letter = p
                .and_then(|p| p.get("DeadLetterConfig"))
                .and_then(|d| d.get("Arn"))
                .and_then(Value::as_str)
                .filter(|a| !a.is_empty())
                .map(str::to_string);
            if let Some(arn) = &dead_letter {
                dlq::check_arn(arn)?;
            }
            return Ok(Source::Kinesis(KinesisSource {
                ctx,
                stream,
                starting_position,
                starting_timestamp,
                batch_size: int_at(p, "BatchSize").unwrap_or(DEFAULT_BATCH as i64).clamp(1, 10_000) as u32,
                window_ms: int_at(p, "MaximumBatchingWindowInSeconds").unwrap_or(0).clamp(0, 300) * 1000,
                max_retries: int_at(p, "MaximumRetryAttempts").unwrap_or(-1),
                max_age_ms: (max_age >= 0).then_some(max_age * 1000),
                filters: filters(spec)?,
                dead_letter,
                bisect: p.and_then(|p| p.get("OnPartialBatchItemFailure")).and_then(Value::as_str)
                    == Some("AUTOMATIC_BISECT"),
            }));
        }
        Err(format!("Source {arn} is not supported by kinesin: pipes read Kinesis data streams."))
    }

    /// Checks that the source exists.
    pub fn check(&self, eng: &mut Engine) -> Result<(), String> {
        match self {
            Source::Kinesis(k) => kinesis::existing(eng, &k.ctx, &k.stream).map(|_| ()).map_err(|e| e.to_string()),
        }
    }
}

// ---------------------------------------------------------------------------------------
// Targets

/// Where a pipe delivers.
#[derive(Debug, Clone)]
pub enum Target {
    /// An SQS queue (standard or FIFO).
    Sqs(SqsTarget),
}

/// An SQS queue target.
#[derive(Debug, Clone)]
pub struct SqsTarget {
    /// The queue's ARN.
    pub arn: String,
    /// MessageGroupId: a literal or a JSONPath.
    pub group_id: Option<String>,
    /// MessageDeduplicationId: a literal or a JSONPath.
    pub dedup_id: Option<String>,
}

/// A target looked up for one job.
pub enum Opened {
    /// The queue, or why it cannot take messages.
    Sqs(Result<Queue, String>),
}

impl Target {
    /// The target named by `arn` with the pipe's parameters.
    pub fn parse(arn: &str, spec: &PipeDefinition) -> Result<Target, String> {
        if sqs::parse_arn(arn).is_some() {
            let p = spec.target_parameters.as_ref().and_then(|s| s.get("SqsQueueParameters"));
            let get = |k: &str| p.and_then(|p| p.get(k)).and_then(Value::as_str).map(str::to_string);
            return Ok(Target::Sqs(SqsTarget {
                arn: arn.to_string(),
                group_id: get("MessageGroupId"),
                dedup_id: get("MessageDeduplicationId"),
            }));
        }
        Err(format!("Target {arn} is not supported by kinesin: pipes deliver to SQS queues."))
    }

    /// Checks that the target exists and takes this pipe's messages.
    pub fn check(&self, eng: &mut Engine) -> Result<(), String> {
        match self {
            Target::Sqs(t) => {
                let q = sqs::find_by_arn(eng, &t.arn)
                    .map_err(|e| e.to_string())?
                    .ok_or_else(|| format!("Target {} does not exist.", t.arn))?;
                if q.fifo && t.group_id.as_deref().is_none_or(str::is_empty) {
                    return Err(
                        "TargetParameters.SqsQueueParameters.MessageGroupId is required for a FIFO queue target."
                            .into(),
                    );
                }
                Ok(())
            }
        }
    }

    /// Looks the target up for one job.
    pub fn open(&self, eng: &mut Engine) -> Opened {
        match self {
            Target::Sqs(t) => Opened::Sqs(match sqs::find_by_arn(eng, &t.arn) {
                Ok(Some(q)) => Ok(q),
                Ok(None) => Err(format!("Target {} does not exist.", t.arn)),
                Err(e) => Err(e.to_string()),
            }),
        }
    }

    /// Delivers one event: `lookup` is what JSONPaths see, `body` what is sent.
    pub fn deliver(
        &self,
        eng: &mut Engine,
        opened: &Opened,
        lookup: &Value,
        body: String,
        report: &mut PumpReport,
    ) -> Result<(), String> {
        match (self, opened) {
            (Target::Sqs(t), Opened::Sqs(q)) => {
                let q = q.as_ref().map_err(Clone::clone)?;
                let resolve = |p: &Option<String>| p.as_deref().and_then(|p| jsonpath::resolve(p, lookup));
                let m = messages::Outgoing {
                    body,
                    group_id: if q.fifo { resolve(&t.group_id) } else { None },
                    dedup_id: if q.fifo { resolve(&t.dedup_id) } else { None },
                    ..Default::default()
                };
                let caller = Caller::new(Ctx::new(&q.account, &q.region), "localhost");
                savepoint(eng, |eng| messages::send_to(eng, &caller, q, m).map(|_| ()).map_err(|e| e.to_string()))?;
                let key = q.key();
                if !report.queues.contains(&key) {
                    report.queues.push(key);
                }
                Ok(())
            }
        }
    }
}

/// Runs `f` in a savepoint undone if it fails, keeping its value.
fn savepoint_value<T>(eng: &mut Engine, f: impl FnOnce(&mut Engine) -> Result<T, String>) -> Result<T, String> {
    let mut out = None;
    savepoint(eng, |eng| f(eng).map(|v| out = Some(v)))?;
    out.ok_or_else(|| "no value".to_string())
}

/// Runs `f` in a savepoint undone if it fails. The statements are cached: a burst runs
/// one savepoint per record, and `execute_batch` would parse them anew each time.
fn savepoint(eng: &mut Engine, f: impl FnOnce(&mut Engine) -> Result<(), String>) -> Result<(), String> {
    let run = |eng: &Engine, sql: &str| eng.conn.prepare_cached(sql).and_then(|mut s| s.execute([]));
    run(eng, "SAVEPOINT pipe_send").map_err(|e| e.to_string())?;
    let out = f(eng);
    if out.is_err() {
        run(eng, "ROLLBACK TO pipe_send").map_err(|e| e.to_string())?;
    }
    run(eng, "RELEASE pipe_send").map_err(|e| e.to_string())?;
    out
}

// ---------------------------------------------------------------------------------------
// Checkpoints

/// Where a pipe stands in one shard.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Checkpoint {
    /// The next counter to deliver.
    pub next: u64,
    /// The shard is closed and delivered to its end.
    pub done: bool,
    /// Failed deliveries of the record at `next`.
    pub attempts: i64,
    /// No delivery before this time (ms).
    pub retry_at: i64,
}

/// The checkpoints of a pipe, by shard row id.
pub fn checkpoints(eng: &Engine, pipe: i64) -> Result<HashMap<i64, Checkpoint>, StateError> {
    let mut st =
        eng.conn.prepare_cached("SELECT shard, next_seq, done, attempts, retry_at FROM pipe_shards WHERE pipe=?1")?;
    let rows = st.query_map([pipe], |r| {
        Ok((
            r.get::<_, i64>(0)?,
            Checkpoint {
                next: r.get::<_, i64>(1)? as u64,
                done: r.get::<_, i64>(2)? != 0,
                attempts: r.get(3)?,
                retry_at: r.get(4)?,
            },
        ))
    })?;
    Ok(rows.collect::<Result<_, _>>()?)
}

fn save_checkpoint(eng: &Engine, pipe: i64, shard: i64, cp: &Checkpoint) -> Result<(), StateError> {
    eng.conn
        .prepare_cached(
            "INSERT OR REPLACE INTO pipe_shards(pipe, shard, next_seq, done, attempts, retry_at)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
        )?
        .execute(params![pipe, shard, cp.next as i64, cp.done as i64, cp.attempts, cp.retry_at])?;
    Ok(())
}

/// Sets a new pipe's starting positions (every shard of its stream, per StartingPosition);
/// shards created later start at their beginning. Does nothing if positions exist or the
/// stream is not readable yet.
pub fn initialize(eng: &mut Engine, pipe: &PipeRow) -> Result<(), StateError> {
    let Ok(Source::Kinesis(k)) = Source::parse(&pipe.source, &pipe.spec) else { return Ok(()) };
    let Ok(m) = kinesis::usable(eng, &k.ctx, &k.stream) else { return Ok(()) };
    if !checkpoints(eng, pipe.id)?.is_empty() {
        return Ok(());
    }
    let now = eng.now();
    let start = Start {
        kind: &k.starting_position,
        sequence_number: None,
        timestamp: k.starting_timestamp.map(|t| t.min(now as f64 / 1000.0)),
    };
    for shard in m.shards.iter().filter(|s| !m.shard_expired(s, now)) {
        let next = records::start_position(eng, &k.ctx, &m, shard, &start)?;
        save_checkpoint(eng, pipe.id, shard.id, &Checkpoint { next, done: false, attempts: 0, retry_at: 0 })?;
    }
    Ok(())
}

// ---------------------------------------------------------------------------------------
// Pumping

/// Where the pump stands between jobs: the pipe and shard that moved last, so that the next
/// job starts after them and every pipe and shard gets its turn.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Cursor {
    /// The pipe's id.
    pub pipe: i64,
    /// The shard's index in the pipe's source stream.
    pub shard: i64,
}

/// Which shards of a pipe a job looks at: indexes above `after`, up to `upto`.
#[derive(Debug, Clone, Copy)]
struct Turn {
    after: i64,
    upto: i64,
}

impl Turn {
    const ALL: Turn = Turn { after: i64::MIN, upto: i64::MAX };

    fn takes(self, idx: i64) -> bool {
        self.after < idx && idx <= self.upto
    }
}

/// One store job of the pump: batches round-robin over pipes and shards ([`pump_next`]) from
/// `cursor` while batches are waiting, up to [`JOB_BUDGET`] records; what they did, merged.
/// A burst on many shards is one job (one commit, one wake-up of the queues' receivers), and
/// a busy pipe still leaves the next job's first batch to the pipes after it.
pub fn pump_job(eng: &mut Engine, cursor: &mut Cursor, streams: &Written) -> Result<PumpReport, StateError> {
    let mut job = pump_next(eng, cursor, streams)?;
    for _ in 1..JOB_BATCHES {
        if !job.more || job.moved() >= JOB_BUDGET {
            break;
        }
        let next = pump_next(eng, cursor, streams)?;
        job.absorb(next);
    }
    Ok(job)
}

/// Moves one batch: the first pipe and shard after `cursor` that has one,
/// round-robin over the RUNNING pipes whose source stream `streams` names and over their
/// shards. The batch is saved with its checkpoint (in the job's transaction); `cursor` then names that
/// pipe and shard. `more` is set when another batch may be waiting: the shard had more, or
/// one of the shards not looked at yet has records (looked at without moving them, so a
/// lone batch needs no second job to find that nothing is left). Also purges pipes whose
/// deletion finished.
pub fn pump_next(eng: &mut Engine, cursor: &mut Cursor, streams: &Written) -> Result<PumpReport, StateError> {
    let now = eng.now();
    let mut report = PumpReport::default();
    let all = super::all_parsed(eng)?;
    let mut running = Vec::new();
    for pipe in all.iter() {
        let state = pipe.row.state_at(now);
        if let (Some("RUNNING"), Ok(Source::Kinesis(k)), Ok(_)) = (state, &pipe.source, &pipe.target) {
            let source = (k.ctx.clone(), k.stream.clone());
            if !report.sources.contains(&source) {
                report.sources.push(source);
            }
        }
        match state {
            None => super::purge(eng, pipe.row.id)?,
            Some("RUNNING") if reads(pipe, streams) => running.push(pipe),
            Some("RUNNING") => {}
            Some(_) if pipe.row.state_until > now => report.wake_at(pipe.row.state_until),
            Some(_) => {}
        }
    }
    // The cursor's pipe (its shards after the cursor), the pipes after it, those before it,
    // and last the cursor pipe's shards up to the cursor.
    let at = *cursor;
    let first = running.partition_point(|p| p.row.id < at.pipe);
    running.rotate_left(first);
    let turn = |p: &Parsed| if p.row.id == at.pipe { Turn { after: at.shard, ..Turn::ALL } } else { Turn::ALL };
    let wrap = running.first().filter(|p| p.row.id == at.pipe).map(|p| (*p, Turn { upto: at.shard, ..Turn::ALL }));
    let mut turns = running.iter().map(|p| (*p, turn(p))).chain(wrap);
    while let Some((pipe, turn)) = turns.next() {
        let Some((shard, more)) = pump(eng, pipe, turn, &mut report)? else { continue };
        *cursor = Cursor { pipe: pipe.row.id, shard };
        // The rest of this pipe's turn, then the turns not taken yet.
        let mut more = more || has_batch(eng, pipe, Turn { after: shard, ..turn }, &mut report)?;
        for (pipe, turn) in turns.by_ref() {
            if more {
                break;
            }
            more = has_batch(eng, pipe, turn, &mut report)?;
        }
        report.more = more;
        break;
    }
    Ok(report)
}

/// Whether one of `turn`'s shards of `pipe` has records to look at (or a change to note);
/// the retries due later are noted in `report`, as a job that looked at them would.
fn has_batch(eng: &mut Engine, pipe: &Parsed, turn: Turn, report: &mut PumpReport) -> Result<bool, StateError> {
    let (Ok(Source::Kinesis(k)), Ok(_)) = (&pipe.source, &pipe.target) else { return Ok(false) };
    let Ok(m) = kinesis::usable(eng, &k.ctx, &k.stream) else { return Ok(false) };
    if !m.shards.iter().any(|s| turn.takes(s.idx)) {
        return Ok(false);
    }
    let cps = checkpoints(eng, pipe.row.id)?;
    let now = eng.now();
    for shard in m.shards.iter().filter(|s| turn.takes(s.idx)) {
        if m.shard_expired(shard, now) || !parents_done(&m, shard, &cps, now) {
            continue;
        }
        let cp = cps.get(&shard.id).copied().unwrap_or(Checkpoint { next: shard.start_seq, ..Checkpoint::default() });
        if cp.done {
            continue;
        }
        if cp.retry_at > now {
            report.wake_at(cp.retry_at);
            continue;
        }
        let read = records::read(eng, &m, shard, cp.next, 1)?;
        if !read.records.is_empty() || read.child_shards.is_some() {
            return Ok(true);
        }
    }
    Ok(false)
}

/// Whether a pass over `streams` looks at `pipe`: its source stream is named (a pipe whose
/// source or target cannot be parsed, only by a pass over every stream).
fn reads(pipe: &Parsed, streams: &Written) -> bool {
    match (&pipe.source, &pipe.target) {
        (Ok(Source::Kinesis(k)), Ok(_)) => streams.includes(&k.ctx, &k.stream),
        _ => *streams == Written::All,
    }
}

/// Moves one batch of one pipe from the first of `turn`'s shards that has one: that shard's
/// index and whether it may have more at once, or `None`.
fn pump(
    eng: &mut Engine,
    pipe: &Parsed,
    turn: Turn,
    report: &mut PumpReport,
) -> Result<Option<(i64, bool)>, StateError> {
    let (source, target) = match (&pipe.source, &pipe.target) {
        (Ok(s), Ok(t)) => (s, t),
        (Err(e), _) | (_, Err(e)) => {
            if pipe.row.state_reason.as_deref() != Some(e.as_str()) {
                set_reason(eng, pipe.row.id, Some(e))?;
            }
            return Ok(None);
        }
    };
    match source {
        Source::Kinesis(k) => pump_kinesis(eng, &pipe.row, k, target, turn, report),
    }
}

/// Whether every parent of `shard` has been delivered to its end (or is gone).
fn parents_done(m: &StreamMeta, shard: &ShardMeta, cps: &HashMap<i64, Checkpoint>, now: i64) -> bool {
    m.parents_done(shard, now, |id| cps.get(&id).is_some_and(|c| c.done))
}

fn pump_kinesis(
    eng: &mut Engine,
    pipe: &PipeRow,
    k: &KinesisSource,
    target: &Target,
    turn: Turn,
    report: &mut PumpReport,
) -> Result<Option<(i64, bool)>, StateError> {
    let m: Arc<StreamMeta> = match kinesis::usable(eng, &k.ctx, &k.stream) {
        Ok(m) => m,
        Err(e) => {
            let reason = e.to_string();
            if pipe.state_reason.as_deref() != Some(reason.as_str()) {
                set_reason(eng, pipe.id, Some(&reason))?;
            }
            return Ok(None);
        }
    };
    let mut cps = checkpoints(eng, pipe.id)?;
    if cps.is_empty() {
        initialize(eng, pipe)?;
        cps = checkpoints(eng, pipe.id)?;
    }
    let now = eng.now();
    let mut pass = KinesisPass::new(pipe, k, target, &m, now);
    let mut moved = None;
    // Shards in index order; a child waits until its parents are delivered to their end.
    for shard in m.shards.iter().filter(|s| turn.takes(s.idx)) {
        if m.shard_expired(shard, now) || !parents_done(&m, shard, &cps, now) {
            continue;
        }
        let before =
            *cps.entry(shard.id).or_insert(Checkpoint { next: shard.start_seq, done: false, attempts: 0, retry_at: 0 });
        if before.done {
            continue;
        }
        if before.retry_at > now {
            report.wake_at(before.retry_at);
            continue;
        }
        let (cp, more) = pass.pump_shard(eng, &m, shard, before, report)?;
        if cp != before {
            save_checkpoint(eng, pipe.id, shard.id, &cp)?;
            moved = Some((shard.idx, more));
            break;
        }
    }
    match (&pass.failure, &pipe.state_reason) {
        (Some(f), r) if r.as_deref() != Some(f.as_str()) => set_reason(eng, pipe.id, Some(f))?,
        (None, Some(_)) if pass.healthy => set_reason(eng, pipe.id, None)?,
        _ => {}
    }
    Ok(moved)
}

/// One pass of a pipe over its Kinesis source: what every shard's batches need, and what
/// the pass found.
struct KinesisPass<'a> {
    pipe: &'a PipeRow,
    k: &'a KinesisSource,
    target: &'a Target,
    /// The target, looked up at the first delivery of the pass (most passes, woken by a
    /// write to some other stream, deliver nothing).
    opened: Option<Opened>,
    template: Option<String>,
    ctx: EventCtx,
    now: i64,
    /// Why delivery stopped (a retry is due), if it did.
    failure: Option<String>,
    /// Whether a record was delivered.
    healthy: bool,
}

impl<'a> KinesisPass<'a> {
    fn new(pipe: &'a PipeRow, k: &'a KinesisSource, target: &'a Target, m: &StreamMeta, now: i64) -> Self {
        let params = pipe.spec.target_parameters.as_ref();
        KinesisPass {
            pipe,
            k,
            target,
            opened: None,
            template: params.and_then(|t| t.get("InputTemplate")).and_then(Value::as_str).map(str::to_string),
            ctx: EventCtx {
                role: pipe.spec.role_arn.clone().unwrap_or_default(),
                region: m.region.clone(),
                stream_arn: m.arn(),
            },
            now,
            failure: None,
            healthy: false,
        }
    }

    /// Delivers one batch (up to BatchSize) of a shard from `cp`: the checkpoint reached, and
    /// whether more may be due at once (a full batch, a shard read to its end whose children
    /// may start, or a delivery that stopped).
    fn pump_shard(
        &mut self,
        eng: &mut Engine,
        m: &StreamMeta,
        shard: &ShardMeta,
        mut cp: Checkpoint,
        report: &mut PumpReport,
    ) -> Result<(Checkpoint, bool), StateError> {
        let k = self.k;
        let read = records::read(eng, m, shard, cp.next, k.batch_size)?;
        if read.records.is_empty() {
            if read.child_shards.is_some() {
                cp.next = read.next;
                cp.done = true;
            }
            return Ok((cp, true));
        }
        let full = read.records.len() as u32 >= k.batch_size;
        if k.window_ms > 0 && !full && read.child_shards.is_none() {
            let first = (read.records[0].approximate_arrival_timestamp * 1000.0).round() as i64;
            if self.now < first + k.window_ms {
                report.wake_at(first + k.window_ms);
                return Ok((cp, false));
            }
        }
        let shard_id = seqnum::shard_id(shard.idx);
        let Some(bytes) = self.deliver_batch(eng, &shard_id, &read.records, &mut cp, report) else {
            return Ok((cp, true));
        };
        if bytes > 0 {
            let p = self.pipe;
            report.requests.push((p.account.clone(), p.region.clone(), p.name.clone(), bytes.div_ceil(65_536)));
        }
        if read.child_shards.is_some() {
            cp.next = cp.next.max(read.next);
            cp.done = true;
        }
        Ok((cp, full || cp.done))
    }

    /// Delivers (or filters, or gives up) the records of one read, advancing `cp`: the bytes
    /// delivered, or `None` when delivery stopped until a retry.
    fn deliver_batch(
        &mut self,
        eng: &mut Engine,
        shard_id: &str,
        records: &[Record],
        cp: &mut Checkpoint,
        report: &mut PumpReport,
    ) -> Option<u64> {
        let (k, now) = (self.k, self.now);
        let mut i = 0;
        let mut bytes = 0u64;
        while i < records.len() {
            let rec = &records[i];
            let counter = counter_of(rec, cp.next);
            let arrival = (rec.approximate_arrival_timestamp * 1000.0).round() as i64;
            i += 1;
            let (event, lookup) = kinesis_event(&self.ctx, shard_id, rec);
            if !k.filters.is_empty() && !k.filters.iter().any(|f| f.matches(&lookup)) {
                report.filtered += 1;
                *cp = Checkpoint { next: counter + 1, attempts: 0, retry_at: 0, ..*cp };
                continue;
            }
            let too_old = k.max_age_ms.is_some_and(|age| arrival < now - age);
            let (condition, batch, error): (Condition, &[Record], Option<String>) = if too_old {
                (Condition::RecordAgeExceeded, std::slice::from_ref(rec), None)
            } else {
                let body = match &self.template {
                    Some(t) => jsonpath::fill_template(t, &lookup, &event),
                    None => event,
                };
                let target = self.target;
                let opened = self.opened.get_or_insert_with(|| target.open(eng));
                match target.deliver(eng, opened, &lookup, body, report) {
                    Ok(()) => {
                        report.delivered += 1;
                        bytes += rec.data.len().max(1) as u64;
                        self.healthy = true;
                        *cp = Checkpoint { next: counter + 1, attempts: 0, retry_at: 0, ..*cp };
                        continue;
                    }
                    Err(e) => {
                        cp.attempts += 1;
                        let p = self.pipe;
                        report.failures.push((p.account.clone(), p.region.clone(), p.name.clone()));
                        if k.max_retries < 0 || cp.attempts <= k.max_retries {
                            cp.retry_at = now + backoff_ms(cp.attempts as u32, MAX_BACKOFF_MS);
                            report.wake_at(cp.retry_at);
                            self.failure = Some(format!("Delivery to {} failed: {e}", self.pipe.target));
                            return None;
                        }
                        tracing::warn!(pipe = %self.pipe.name, shard = %shard_id, error = %e, "delivery failed after its retries");
                        // Without bisection the rest of the batch fails with the record.
                        let batch = if k.bisect { std::slice::from_ref(rec) } else { &records[i - 1..] };
                        (Condition::RetryAttemptsExhausted, batch, Some(e))
                    }
                }
            };
            if !self.give_up(eng, shard_id, (condition, batch, error), cp, report) {
                return None;
            }
            i += batch.len() - 1;
        }
        Some(bytes)
    }

    /// Gives up a batch (its condition, records and last error): sends it to the dead-letter
    /// queue if the pipe has one, and moves `cp` past it; `false` when the queue did not take
    /// it (delivery stops until a retry).
    fn give_up(
        &mut self,
        eng: &mut Engine,
        shard_id: &str,
        (condition, batch, error): (Condition, &[Record], Option<String>),
        cp: &mut Checkpoint,
        report: &mut PumpReport,
    ) -> bool {
        let k = self.k;
        if let Some(arn) = &k.dead_letter {
            let info = BatchInfo {
                pipe_arn: &self.pipe.arn(),
                stream_arn: &self.ctx.stream_arn,
                shard_id,
                records: batch,
                attempts: cp.attempts,
                error: error.as_deref(),
            };
            if let Err(e) = send_dead_letter(eng, arn, &info, condition, self.now, cp, report) {
                self.failure = Some(e);
                return false;
            }
        }
        report.dropped += batch.len() as u64;
        let last = &batch[batch.len() - 1];
        *cp = Checkpoint { next: counter_of(last, cp.next) + 1, attempts: 0, retry_at: 0, ..*cp };
        true
    }
}

/// Sends the description of a batch given up to the dead-letter queue `arn`. When it cannot
/// be sent, the batch stays where it is until it can (a retry is due; the failure is
/// answered).
fn send_dead_letter(
    eng: &mut Engine,
    arn: &str,
    info: &BatchInfo<'_>,
    condition: Condition,
    now: i64,
    cp: &mut Checkpoint,
    report: &mut PumpReport,
) -> Result<(), String> {
    match savepoint_value(eng, |eng| dlq::send(eng, arn, &dlq::message(info, condition, now))) {
        Ok(key) => {
            if !report.queues.contains(&key) {
                report.queues.push(key);
            }
            Ok(())
        }
        Err(e) => {
            cp.retry_at = now + backoff_ms(cp.attempts as u32 + 1, MAX_BACKOFF_MS);
            report.wake_at(cp.retry_at);
            Err(format!("Delivery to the dead-letter queue {arn} failed: {e}"))
        }
    }
}

/// The counter of a record's sequence number (`fallback` if it cannot be read).
fn counter_of(rec: &Record, fallback: u64) -> u64 {
    seqnum::parse(&rec.sequence_number).map_or(fallback, |p| p.counter)
}

/// What every event of a pipe shares.
struct EventCtx {
    role: String,
    region: String,
    stream_arn: String,
}

/// AWS's event for a Kinesis record, as JSON text, and the document JSONPaths see (the same
/// with `data` decoded and parsed when it is JSON).
fn kinesis_event(ctx: &EventCtx, shard_id: &str, rec: &Record) -> (String, Value) {
    let mut v = json!({
        "kinesisSchemaVersion": "1.0",
        "partitionKey": rec.partition_key,
        "sequenceNumber": rec.sequence_number,
        "data": aws_smithy_types::base64::encode(&rec.data),
        "approximateArrivalTimestamp": rec.approximate_arrival_timestamp,
        "eventSource": "aws:kinesis",
        "eventVersion": "1.0",
        "eventID": format!("{shard_id}:{}", rec.sequence_number),
        "eventName": "aws:kinesis:record",
        "invokeIdentityArn": ctx.role,
        "awsRegion": ctx.region,
        "eventSourceARN": ctx.stream_arn,
    });
    let text = v.to_string();
    if let Ok(parsed) = serde_json::from_slice::<Value>(&rec.data) {
        v["data"] = parsed;
    }
    (text, v)
}
