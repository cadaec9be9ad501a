//! Input preprocessing (`InputProcessingConfiguration.InputLambdaProcessor`): an
//! application's input records go through its function before its SQL sees them.
//!
//! One store job takes a batch of raw records per application ([`take`]) without moving
//! anything; the server invokes the function bound with `--lambda` off the store thread; a
//! second job ([`apply`]) queues what the function returned for the runner (`Ok`: the new
//! data; `ProcessingFailed`: a row of `error_stream`; `Dropped`: nothing) and moves the input
//! position, in one transaction, unless the application changed meanwhile.

use super::arn;
use super::kinesis_input::{checkpoints, input_stream, save_checkpoint};
use super::stored::{all, AppRow};
use crate::db::Engine;
use crate::error::StateError;
use crate::firehose::taps;
use crate::kinesis::{self, records as krecords, seqnum};
use crate::Ctx;
use aws_smithy_types::base64;
use rusqlite::params;
use serde_json::{json, Value};

/// Most records one invocation gets.
pub const BATCH: usize = 500;

/// Raw records of one application, to go through its function.
#[derive(Debug, Clone)]
pub struct RawBatch {
    app: i64,
    run: i64,
    /// The function's ARN (bound with `--lambda`).
    pub function_arn: String,
    application_arn: String,
    stream_arn: String,
    records: Vec<RawRecord>,
    cursor: Cursor,
}

/// One raw input record as the function sees it.
#[derive(Debug, Clone)]
pub struct RawRecord {
    pub(crate) arrival_ms: i64,
    pub(crate) data: Vec<u8>,
    /// Shard id, partition key, sequence number (Kinesis inputs).
    pub(crate) kinesis: Option<(String, String, String)>,
}

/// Where an application stands in a shard: the next counter, and whether it is read to its end.
type Position = (u64, bool);

/// A processed record: queue id, arrival (ms), data, and whether the function failed it.
pub type Processed = (i64, i64, Vec<u8>, bool);

/// Where the input stands before and after a batch.
#[derive(Debug, Clone)]
enum Cursor {
    /// Per shard row id: where it stood before and after.
    Kinesis(Vec<(i64, Position, Position)>),
    /// The last Firehose queue id in the batch.
    Firehose(i64),
}

/// What the function made of one record.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Outcome {
    /// `Ok`: the processed data.
    Ok(Vec<u8>),
    /// `ProcessingFailed` (or no answer for the record): a row of `error_stream`.
    Failed,
    /// `Dropped`.
    Dropped,
}

impl RawBatch {
    /// Whether the batch only moves the input (closed shards read to their end).
    pub fn is_empty(&self) -> bool {
        self.records.is_empty()
    }
}

fn processor(app: &AppRow) -> Option<String> {
    let input = &app.config.inputs.first()?.item;
    Some(input.input_processing_configuration.as_ref()?.input_lambda_processor.resource_arn.clone())
}

/// Whether an application's input goes through a function first.
pub fn has_processor(app: &AppRow) -> bool {
    processor(app).is_some()
}

/// A batch of new raw records for every running application with a processor whose run
/// the runner has started (its positions are set); `None` when no application has one.
pub fn take(eng: &mut Engine) -> Result<Option<Vec<RawBatch>>, StateError> {
    let apps = all(eng, None).map_err(|e| StateError::Storage(e.to_string()))?;
    if !apps.iter().any(|(_, a)| has_processor(a)) {
        return Ok(None);
    }
    let mut out = Vec::new();
    for (ctx, app) in apps {
        let Some(function_arn) = processor(&app) else { continue };
        let started: bool = eng
            .conn
            .prepare_cached("SELECT EXISTS (SELECT 1 FROM kda_state WHERE app=?1 AND run=?2)")?
            .query_row(params![app.id, app.run], |r| r.get(0))?;
        if app.status != "RUNNING" || !started {
            continue;
        }
        let batch = match input_stream(&ctx, &app.config) {
            Some((sctx, name)) => kinesis_batch(eng, &app, &sctx, &name)?,
            None => firehose_batch(eng, &app)?,
        };
        if let Some((records, cursor, stream_arn)) = batch {
            let application_arn = arn(&ctx, &app.name);
            out.push(RawBatch {
                app: app.id,
                run: app.run,
                function_arn,
                application_arn,
                stream_arn,
                records,
                cursor,
            });
        }
    }
    Ok(Some(out))
}

type Taken = Option<(Vec<RawRecord>, Cursor, String)>;

fn kinesis_batch(eng: &mut Engine, app: &AppRow, sctx: &Ctx, name: &str) -> Result<Taken, StateError> {
    let Ok(m) = kinesis::usable(eng, sctx, name) else { return Ok(None) };
    let cps = checkpoints(eng, app.id)?;
    let now = eng.now();
    let (mut records, mut moved) = (Vec::new(), Vec::new());
    for shard in &m.shards {
        if records.len() >= BATCH
            || m.shard_expired(shard, now)
            || !m.parents_done(shard, now, |id| cps.get(&id).is_some_and(|c| c.1))
        {
            continue;
        }
        let before = cps.get(&shard.id).copied().unwrap_or((shard.start_seq, false));
        if before.1 {
            continue;
        }
        let r = krecords::read(eng, &m, shard, before.0, (BATCH - records.len()) as u32)?;
        let after = (r.next, r.child_shards.is_some());
        for rec in r.records {
            let meta = (seqnum::shard_id(shard.idx), rec.partition_key, rec.sequence_number);
            let arrival_ms = (rec.approximate_arrival_timestamp * 1000.0).round() as i64;
            records.push(RawRecord { arrival_ms, data: rec.data, kinesis: Some(meta) });
        }
        if after != before {
            moved.push((shard.id, before, after));
        }
    }
    if moved.is_empty() {
        return Ok(None);
    }
    let stream_arn = format!("arn:aws:kinesis:{}:{}:stream/{name}", sctx.region, sctx.account);
    Ok(Some((records, Cursor::Kinesis(moved), stream_arn)))
}

fn firehose_batch(eng: &mut Engine, app: &AppRow) -> Result<Taken, StateError> {
    let input = app.config.inputs.first().and_then(|i| i.item.kinesis_firehose_input.as_ref());
    let Some(stream_arn) = input.map(|r| r.resource_arn.clone()) else { return Ok(None) };
    let queued = taps::pending(eng, app.id, BATCH)?;
    let Some(last) = queued.last().map(|q| q.0) else { return Ok(None) };
    let records =
        queued.into_iter().map(|(_, arrival_ms, data)| RawRecord { arrival_ms, data, kinesis: None }).collect();
    Ok(Some((records, Cursor::Firehose(last), stream_arn)))
}

/// The function's event for a batch (AWS's Kinesis Analytics preprocessing event).
pub fn event(b: &RawBatch) -> Vec<u8> {
    event_of(&b.application_arn, &b.stream_arn, &b.records)
}

/// The preprocessing event for `records` of the source `stream_arn`.
pub(crate) fn event_of(application_arn: &str, stream_arn: &str, records: &[RawRecord]) -> Vec<u8> {
    let records: Vec<Value> = records
        .iter()
        .enumerate()
        .map(|(i, r)| {
            let secs = r.arrival_ms as f64 / 1000.0;
            let mut rec = json!({"recordId": i.to_string(), "data": base64::encode(&r.data)});
            match &r.kinesis {
                Some((shard, key, seq)) => {
                    rec["kinesisStreamRecordMetadata"] = json!({"shardId": shard, "partitionKey": key,
                        "approximateArrivalTimestamp": secs, "sequenceNumber": seq});
                }
                None => rec["kinesisFirehoseRecordMetadata"] = json!({"approximateArrivalTimestamp": secs}),
            }
            rec
        })
        .collect();
    let id = format!("{:032x}", fastrand::u128(..));
    let doc = json!({"invocationId": id, "applicationArn": application_arn, "streamArn": stream_arn,
        "records": records});
    serde_json::to_vec(&doc).unwrap_or_default()
}

/// Reads the function's answer: an outcome per record of the batch, in order.
pub fn outcomes(b: &RawBatch, response: &[u8]) -> Result<Vec<Outcome>, String> {
    outcomes_of(b.records.len(), response)
}

/// Reads the function's answer to an event of `n` records: an outcome per record, in order.
pub fn outcomes_of(n: usize, response: &[u8]) -> Result<Vec<Outcome>, String> {
    let doc: Value = serde_json::from_slice(response).map_err(|e| format!("the answer is not JSON: {e}"))?;
    let answered = doc["records"].as_array().ok_or("the answer has no records array")?;
    let mut out = vec![Outcome::Failed; n];
    for r in answered {
        let Some(i) = r["recordId"].as_str().and_then(|id| id.parse::<usize>().ok()).filter(|i| *i < out.len()) else {
            continue;
        };
        out[i] = match r["result"].as_str() {
            Some("Ok") => match r["data"].as_str().map(base64::decode) {
                Some(Ok(data)) => Outcome::Ok(data),
                _ => Outcome::Failed,
            },
            Some("Dropped") => Outcome::Dropped,
            _ => Outcome::Failed,
        };
    }
    Ok(out)
}

/// Queues the processed records for the runner and moves the input past the batch, unless
/// the application restarted or its input moved since [`take`]. Returns whether it did.
pub fn apply(eng: &mut Engine, b: &RawBatch, outcomes: &[Outcome]) -> Result<bool, StateError> {
    let run: Option<i64> = eng
        .conn
        .prepare_cached("SELECT run FROM kda_apps WHERE id=?1 AND status='RUNNING'")?
        .query_row([b.app], |r| r.get(0))
        .ok();
    if run != Some(b.run) {
        return Ok(false);
    }
    match &b.cursor {
        Cursor::Kinesis(moved) => {
            let cps = checkpoints(eng, b.app)?;
            if moved.iter().any(|(shard, before, _)| cps.get(shard).is_some_and(|c| c != before)) {
                return Ok(false);
            }
            for (shard, _, (next, done)) in moved {
                save_checkpoint(eng, b.app, *shard, *next, *done)?;
            }
        }
        Cursor::Firehose(last) => taps::consumed(eng, b.app, *last)?,
    }
    for (r, o) in b.records.iter().zip(outcomes) {
        let (data, failed) = match o {
            Outcome::Ok(d) => (d.as_slice(), false),
            Outcome::Failed => (r.data.as_slice(), true),
            Outcome::Dropped => continue,
        };
        eng.conn
            .prepare_cached("INSERT INTO kda_processed(app, arrival_ms, data, failed) VALUES (?1, ?2, ?3, ?4)")?
            .execute(params![b.app, r.arrival_ms, data, failed])?;
    }
    Ok(true)
}

/// Up to `limit` processed records of an application, oldest first.
pub fn pending(eng: &Engine, app: i64, limit: usize) -> rusqlite::Result<Vec<Processed>> {
    let mut st = eng
        .conn
        .prepare_cached("SELECT id, arrival_ms, data, failed FROM kda_processed WHERE app=?1 ORDER BY id LIMIT ?2")?;
    let rows = st.query_map(params![app, limit as i64], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?)))?;
    rows.collect()
}

/// Removes an application's processed records up to id `last` (read), or all of them.
pub fn consumed(eng: &Engine, app: i64, last: Option<i64>) -> rusqlite::Result<()> {
    eng.conn
        .prepare_cached("DELETE FROM kda_processed WHERE app=?1 AND id<=?2")?
        .execute(params![app, last.unwrap_or(i64::MAX)])?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn batch(n: usize) -> RawBatch {
        RawBatch {
            app: 1,
            run: 1,
            function_arn: "arn:aws:lambda:us-east-1:000000000000:function:f".into(),
            application_arn: "arn:aws:kinesisanalytics:us-east-1:000000000000:application/a".into(),
            stream_arn: "arn:aws:kinesis:us-east-1:000000000000:stream/s".into(),
            records: (0..n)
                .map(|i| RawRecord {
                    arrival_ms: 1_500,
                    data: format!("r{i}").into_bytes(),
                    kinesis: Some(("shardId-000000000000".into(), "k".into(), format!("{i}"))),
                })
                .collect(),
            cursor: Cursor::Firehose(0),
        }
    }

    #[test]
    fn event_and_answer() {
        let b = batch(4);
        let ev: Value = serde_json::from_slice(&event(&b)).unwrap();
        assert_eq!(ev["streamArn"], "arn:aws:kinesis:us-east-1:000000000000:stream/s");
        assert_eq!(ev["records"][1]["recordId"], "1");
        assert_eq!(ev["records"][1]["data"], base64::encode("r1"));
        assert_eq!(ev["records"][1]["kinesisStreamRecordMetadata"]["approximateArrivalTimestamp"], 1.5);
        let answer = json!({"records": [
            {"recordId": "0", "result": "Ok", "data": base64::encode("R0")},
            {"recordId": "1", "result": "Dropped"},
            {"recordId": "2", "result": "ProcessingFailed"},
            {"recordId": "9", "result": "Ok", "data": "x"}
        ]});
        let got = outcomes(&b, answer.to_string().as_bytes()).unwrap();
        assert_eq!(got, vec![Outcome::Ok(b"R0".to_vec()), Outcome::Dropped, Outcome::Failed, Outcome::Failed]);
        assert!(outcomes(&b, b"nope").is_err());
        assert!(outcomes(&b, b"{}").is_err());
    }
}
