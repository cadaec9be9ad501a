//! The runner: one store-thread job that moves new input records of every RUNNING
//! application through its SQL engine into its outputs.
//!
//! Input positions, window state and the output records commit in the job's transaction,
//! so after a crash every result is emitted exactly once. Shards are read in index order and
//! a child only after its parents are read to their end (order per key across resharding).

use super::config::{AppConfig, Output};
use super::kinesis_input::{checkpoints, input_stream, save_checkpoint};
use super::recent::Recent;
use super::records;
use super::stored::{all, AppRow};
use super::targets::{self, Target};
use super::{backlog, lambda_output, preprocess};
use crate::db::Engine;
use crate::error::StateError;
use crate::firehose::taps;
use crate::kinesis::{self, records as krecords};
use crate::Ctx;
use kinesin_analytics::{Emitted, Program, RowError, Runtime, State, StreamDef};
use rusqlite::{params, OptionalExtension};
use std::collections::{HashMap, HashSet};
use std::sync::Arc;

/// Most input records one job reads.
pub const JOB_BUDGET: usize = 2_000;
/// Most records one read of a shard returns.
const READ_LIMIT: u32 = 500;
/// How often a running application looks at the time (windows end between records).
pub const TICK_MS: i64 = 1_000;

/// A running application in memory.
pub struct Running {
    run: i64,
    runtime: Runtime,
    /// Output destinations (with their OutputIds) by the index of the in-application stream
    /// they read.
    outputs: Vec<(usize, String, Output)>,
}

/// The running applications, by row id.
#[derive(Default)]
pub struct Runners {
    apps: HashMap<i64, Running>,
    recent: Arc<Recent>,
}

impl Runners {
    /// Runners that note their activity in `recent` (shown by the console).
    pub fn new(recent: Arc<Recent>) -> Self {
        Self { apps: HashMap::new(), recent }
    }

    /// Forgets every runtime (after a failed job: state is reloaded from the store).
    pub fn clear(&mut self) {
        self.apps.clear();
    }
}

/// What one [`pump`] did.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct PumpReport {
    /// Applications RUNNING (or about to be).
    pub running: usize,
    /// Input records read.
    pub read: u64,
    /// Records written to Firehose delivery streams (their delivery task wants a wake-up).
    pub to_firehose: u64,
    /// Kinesis streams written to (their readers want a wake-up), by namespace and name.
    pub to_kinesis: Vec<(Ctx, String)>,
    /// When to look again (ms), if anything is running or starting.
    pub next_ms: Option<i64>,
    /// The budget ran out: run again right away.
    pub more: bool,
}

/// Runs every RUNNING application over its new input, reading at most `budget` records.
pub fn pump(eng: &mut Engine, runners: &mut Runners, budget: usize) -> Result<PumpReport, StateError> {
    let now = eng.now();
    let mut report = PumpReport::default();
    let mut left = budget;
    let apps = all(eng, None).map_err(|e| StateError::Storage(e.to_string()))?;
    runners.apps.retain(|id, _| apps.iter().any(|(_, a)| a.id == *id && a.status == "RUNNING"));
    runners.recent.retain(|id| apps.iter().any(|(_, a)| a.id == id));
    for (ctx, app) in apps {
        let sql = app.config.runtime.as_deref().is_none_or(|r| r == "SQL-1_0");
        match app.status.as_str() {
            "RUNNING" if !sql => continue, // FLINK-* code is not executed
            "RUNNING" => {}
            "STARTING" | "UPDATING" | "STOPPING" | "DELETING" => {
                report.next_ms = Some(now + TICK_MS);
                continue;
            }
            _ => continue,
        }
        report.running += 1;
        report.next_ms = Some(now + TICK_MS);
        if left == 0 {
            report.more = true;
            break;
        }
        run_app(eng, &ctx, &app, runners, &mut left, &mut report)?;
    }
    // The budget ran out on the last application: more input may be waiting.
    report.more |= left == 0;
    Ok(report)
}

fn run_app(
    eng: &mut Engine,
    ctx: &Ctx,
    app: &AppRow,
    runners: &mut Runners,
    left: &mut usize,
    report: &mut PumpReport,
) -> Result<(), StateError> {
    if runners.apps.get(&app.id).is_none_or(|r| r.run != app.run) {
        match start_runtime(eng, ctx, app)? {
            Some(r) => runners.apps.insert(app.id, r),
            None => return Ok(()),
        };
    }
    let Some(running) = runners.apps.get_mut(&app.id) else { return Ok(()) };
    let blocked = retry_kept(eng, app.id, running, report)?;
    if backlog::count(eng, app.id)? >= backlog::CAP {
        return Ok(()); // back pressure: no new input until the destinations take what is kept
    }
    let mut emitted = Vec::new();
    let read = read_input(eng, ctx, app, &mut running.runtime, left, &mut emitted)?;
    report.read += read;
    emitted.extend(running.runtime.advance(eng.now()));
    if read == 0 && emitted.is_empty() {
        return Ok(());
    }
    runners.recent.record(app.id, app.run, running.runtime.program(), read, &emitted);
    deliver(eng, app.id, running, &emitted, blocked, report)?;
    save_state(eng, app, running.runtime.state())
}

/// Compiles the application and restores its state, or sets up a new run's positions if
/// its start could not (its input stream did not exist then).
fn start_runtime(eng: &mut Engine, ctx: &Ctx, app: &AppRow) -> Result<Option<Running>, StateError> {
    let Ok(program) = app.config.compile() else {
        tracing::warn!(app = %app.name, "analytics: application code no longer compiles");
        return Ok(None);
    };
    let program = Arc::new(program);
    let mut runtime = Runtime::new(Arc::clone(&program));
    load_references(eng, ctx, &app.config, &mut runtime);
    let saved: Option<(i64, String)> = eng
        .conn
        .prepare_cached("SELECT run, state FROM kda_state WHERE app=?1")?
        .query_row([app.id], |r| Ok((r.get(0)?, r.get(1)?)))
        .optional()?;
    match saved {
        Some((_, json)) => {
            if let Ok(state) = serde_json::from_str::<State>(&json) {
                runtime.restore(state);
            }
        }
        None if checkpoints(eng, app.id)?.is_empty() => initialize_positions(eng, ctx, app)?,
        None => {} // positions set when the application was started
    }
    save_state(eng, app, runtime.state())?;
    let outputs = outputs_of(&program, &app.config);
    Ok(Some(Running { run: app.run, runtime, outputs }))
}

fn outputs_of(program: &Program, c: &AppConfig) -> Vec<(usize, String, Output)> {
    let streams = c.outputs.iter().filter_map(|o| program.stream_index(&o.item.name).map(|i| (i, o)));
    streams.map(|(i, o)| (i, o.id.clone(), o.item.clone())).collect()
}

/// Loads reference tables from kinesin's S3 (missing objects leave a table empty).
fn load_references(eng: &mut Engine, ctx: &Ctx, c: &AppConfig, runtime: &mut Runtime) {
    for (i, r) in c.references.iter().enumerate() {
        let Some(s3) = &r.item.s3 else { continue };
        let bucket = s3.bucket_arn.rsplit(':').next().unwrap_or_default();
        let got = crate::s3::get_object(eng, ctx, (bucket.to_string(), s3.file_key.clone(), None));
        let Ok((_, data, _)) = got else { continue };
        let Ok(def) = r.item.reference_schema.stream_def(&r.item.table_name) else { continue };
        let rows = split_records(&r.item.reference_schema, &data)
            .iter()
            .filter_map(|rec| records::parse(&r.item.reference_schema, &def, rec).ok())
            .flatten()
            .collect();
        runtime.set_table(i, rows);
    }
}

/// A reference object's records: CSV is parsed whole; JSON objects are one per line.
fn split_records(schema: &super::config::SourceSchema, data: &[u8]) -> Vec<Vec<u8>> {
    if schema.record_format.record_format_type == "CSV" {
        return vec![data.to_vec()];
    }
    data.split(|b| *b == b'\n').filter(|l| !l.iter().all(u8::is_ascii_whitespace)).map(<[u8]>::to_vec).collect()
}

/// Sets the new run's position in every shard of its input, per InputStartingPosition.
pub(super) fn initialize_positions(eng: &mut Engine, ctx: &Ctx, app: &AppRow) -> Result<(), StateError> {
    let Some((sctx, name)) = input_stream(ctx, &app.config) else { return Ok(()) };
    let Ok(m) = kinesis::usable(eng, &sctx, &name) else { return Ok(()) };
    let position = app.config.starting_positions.first().map_or("NOW", |(_, p)| p.as_str());
    let now = eng.now();
    for shard in m.shards.iter().filter(|s| !m.shard_expired(s, now)) {
        let next = match position {
            "TRIM_HORIZON" => shard.start_seq,
            _ => shard.end_seq.map_or(eng.kinesis.next_seq, |e| e + 1),
        };
        save_checkpoint(eng, app.id, shard.id, next, false)?;
    }
    Ok(())
}

fn save_state(eng: &Engine, app: &AppRow, state: &State) -> Result<(), StateError> {
    let json = serde_json::to_string(state).map_err(|e| StateError::Storage(e.to_string()))?;
    eng.conn
        .prepare_cached("INSERT OR REPLACE INTO kda_state(app, run, state) VALUES (?1, ?2, ?3)")?
        .execute(params![app.id, app.run, json])?;
    Ok(())
}

/// Reads new records of the input stream into the runtime; returns how many were read.
fn read_input(
    eng: &mut Engine,
    ctx: &Ctx,
    app: &AppRow,
    runtime: &mut Runtime,
    left: &mut usize,
    emitted: &mut Vec<Emitted>,
) -> Result<u64, StateError> {
    if preprocess::has_processor(app) {
        return read_processed(eng, app, runtime, left, emitted);
    }
    let Some((sctx, name)) = input_stream(ctx, &app.config) else {
        return read_firehose(eng, app, runtime, left, emitted);
    };
    let Ok(m) = kinesis::usable(eng, &sctx, &name) else { return Ok(0) };
    let input = &app.config.inputs[0].item;
    let defs: Vec<StreamDef> = app.config.input_streams().map_err(StateError::Storage)?;
    let mut cps = checkpoints(eng, app.id)?;
    let now = eng.now();
    let mut read = 0;
    for shard in &m.shards {
        if m.shard_expired(shard, now) || !m.parents_done(shard, now, |id| cps.get(&id).is_some_and(|c| c.1)) {
            continue;
        }
        let (mut next, mut done) = cps.get(&shard.id).copied().unwrap_or((shard.start_seq, false));
        let before = (next, done);
        let stream = (shard.idx as usize) % defs.len().max(1);
        while *left > 0 && !done {
            let r = krecords::read(eng, &m, shard, next, READ_LIMIT.min(*left as u32))?;
            *left -= r.records.len();
            read += r.records.len() as u64;
            for rec in &r.records {
                let arrival = (rec.approximate_arrival_timestamp * 1000.0).round() as i64;
                feed(runtime, input, &defs[stream], stream, now, arrival, &rec.data, emitted);
            }
            next = r.next;
            done = r.child_shards.is_some();
            if r.records.is_empty() {
                break;
            }
        }
        if (next, done) != before {
            save_checkpoint(eng, app.id, shard.id, next, done)?;
            cps.insert(shard.id, (next, done));
        }
    }
    Ok(read)
}

/// Reads the records queued from the application's Firehose delivery stream, spread over its
/// in-application input streams in turn.
fn read_firehose(
    eng: &mut Engine,
    app: &AppRow,
    runtime: &mut Runtime,
    left: &mut usize,
    emitted: &mut Vec<Emitted>,
) -> Result<u64, StateError> {
    let Some(input) = app.config.inputs.first().map(|i| &i.item) else { return Ok(0) };
    if input.kinesis_firehose_input.is_none() || *left == 0 || input.parallelism() < 1 {
        return Ok(0);
    }
    let defs: Vec<StreamDef> = app.config.input_streams().map_err(StateError::Storage)?;
    let queued = taps::pending(eng, app.id, *left)?;
    let now = eng.now();
    for (id, arrival, data) in &queued {
        let stream = (*id as usize) % defs.len().max(1);
        feed(runtime, input, &defs[stream], stream, now, *arrival, data, emitted);
    }
    if let Some((last, _, _)) = queued.last() {
        taps::consumed(eng, app.id, *last)?;
    }
    *left -= queued.len();
    Ok(queued.len() as u64)
}

/// Reads the records the application's processing function returned; those it failed go
/// to `error_stream`.
fn read_processed(
    eng: &mut Engine,
    app: &AppRow,
    runtime: &mut Runtime,
    left: &mut usize,
    emitted: &mut Vec<Emitted>,
) -> Result<u64, StateError> {
    let Some(input) = app.config.inputs.first().map(|i| &i.item) else { return Ok(0) };
    if *left == 0 || input.parallelism() < 1 {
        return Ok(0);
    }
    let defs: Vec<StreamDef> = app.config.input_streams().map_err(StateError::Storage)?;
    let queued = preprocess::pending(eng, app.id, *left)?;
    let now = eng.now();
    for (id, arrival, data, failed) in &queued {
        if *failed {
            let e = RowError::conversion("The input processing function returned ProcessingFailed".into());
            emitted.extend(runtime.input_error(now, e, &String::from_utf8_lossy(data)));
            continue;
        }
        let stream = (*id as usize) % defs.len();
        feed(runtime, input, &defs[stream], stream, now, *arrival, data, emitted);
    }
    if let Some((last, ..)) = queued.last() {
        preprocess::consumed(eng, app.id, Some(*last))?;
    }
    *left -= queued.len();
    Ok(queued.len() as u64)
}

#[allow(clippy::too_many_arguments)]
fn feed(
    runtime: &mut Runtime,
    input: &super::config::Input,
    def: &StreamDef,
    stream: usize,
    now: i64,
    arrival: i64,
    data: &[u8],
    emitted: &mut Vec<Emitted>,
) {
    match records::parse(&input.input_schema, def, data) {
        Ok(rows) => {
            for row in rows {
                emitted.extend(runtime.insert(stream, now, Some(arrival), row));
            }
        }
        Err(e) => emitted.extend(runtime.input_error(now, e, &String::from_utf8_lossy(data))),
    }
}

/// Offers the rows kept for each output to its destination again, oldest first, until one
/// is refused; returns the outputs still refusing (the writes are noted in `report`). Rows of
/// outputs the application no longer has are dropped.
fn retry_kept(
    eng: &mut Engine,
    app: i64,
    running: &Running,
    report: &mut PumpReport,
) -> Result<HashSet<String>, StateError> {
    let mut blocked = HashSet::new();
    for id in backlog::outputs(eng, app)? {
        let Some((_, _, out)) = running.outputs.iter().find(|(_, o, _)| *o == id) else {
            backlog::drop_output(eng, app, &id)?;
            continue;
        };
        let mut last = None;
        for (row, data) in backlog::oldest(eng, app, &id, backlog::RETRY_BATCH)? {
            match write(eng, app, out, data) {
                Ok(to) => {
                    report.wrote(to);
                    last = Some(row);
                }
                Err(_) => {
                    blocked.insert(id.clone());
                    break;
                }
            }
        }
        if let Some(last) = last {
            backlog::taken(eng, app, &id, last)?;
        }
        if backlog::oldest(eng, app, &id, 1)?.len() == 1 {
            blocked.insert(id); // more kept than one run offers: newer rows wait behind them
        }
    }
    Ok(blocked)
}

/// Writes emitted rows of output streams to their destinations, keeping (in order) the rows
/// of an output that refuses one or still holds kept rows; the writes are noted in `report`.
fn deliver(
    eng: &mut Engine,
    app: i64,
    running: &Running,
    emitted: &[Emitted],
    mut blocked: HashSet<String>,
    report: &mut PumpReport,
) -> Result<(), StateError> {
    let program = running.runtime.program();
    for e in emitted {
        for (stream, id, out) in running.outputs.iter().filter(|(s, _, _)| *s == e.stream) {
            let data =
                records::format(&program.streams[*stream], &e.values, &out.destination_schema.record_format_type);
            if blocked.contains(id) {
                backlog::keep(eng, app, id, &data)?;
                continue;
            }
            match write(eng, app, out, data.clone()) {
                Ok(to) => report.wrote(to),
                Err(err) => {
                    tracing::debug!(error = %err, output = %id, "analytics: output write failed; kept for a retry");
                    backlog::keep(eng, app, id, &data)?;
                    blocked.insert(id.clone());
                }
            }
        }
    }
    Ok(())
}

/// Where [`write`] put a record.
enum Wrote {
    Kinesis(Ctx, String),
    Firehose,
    Lambda,
}

impl PumpReport {
    fn wrote(&mut self, to: Wrote) {
        match to {
            Wrote::Kinesis(ctx, name) if !self.to_kinesis.iter().any(|(c, n)| *c == ctx && *n == name) => {
                self.to_kinesis.push((ctx, name));
            }
            Wrote::Firehose => self.to_firehose += 1,
            Wrote::Kinesis(..) | Wrote::Lambda => {}
        }
    }
}

/// Writes one record of application `app` to an output (a stream in the account and region
/// of its ARN).
fn write(eng: &mut Engine, app: i64, out: &Output, data: Vec<u8>) -> Result<Wrote, String> {
    match targets::target(out).ok_or("an output without a destination")? {
        Target::Kinesis(sctx, name) => {
            let input = kinesin_protocol::kinesis::PutRecordInput {
                stream_name: Some(name.clone()),
                stream_arn: None,
                data,
                partition_key: format!("{:016x}", fastrand::u64(..)),
                explicit_hash_key: None,
                sequence_number_for_ordering: None,
            };
            krecords::put_record(eng, &sctx, input).map_err(|e| e.to_string())?;
            Ok(Wrote::Kinesis(sctx, name))
        }
        Target::Firehose(fctx, name) => {
            let input = kinesin_protocol::firehose::PutRecordInput {
                delivery_stream_name: name,
                record: kinesin_protocol::firehose::Record { data },
            };
            crate::firehose::records::put_record(eng, &fctx, input).map_err(|e| e.to_string())?;
            Ok(Wrote::Firehose)
        }
        Target::Lambda(arn) => {
            lambda_output::enqueue(eng, app, &arn, &data).map_err(|e| e.to_string())?;
            Ok(Wrote::Lambda)
        }
    }
}
