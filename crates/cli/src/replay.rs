//! `kinesin replay FILE STREAM`: puts a capture's records again with their original
//! partition keys, at their original pace (or `--speed N` times faster; 0: at once).

use crate::backoff::Backoff;
use crate::client::{Client, Svc};
use crate::error::CliError;
use crate::tail::Line;
use aws_smithy_types::base64;
use serde_json::{json, Value};
use std::io::BufRead;
use std::time::{Duration, Instant};

/// Records due together go in one PutRecords of at most this many.
const BATCH: usize = 500;

/// Replays the capture at `path` into `stream`; the number of records put.
pub async fn replay(client: &Client, path: &std::path::Path, stream: &str, speed: f64) -> Result<u64, CliError> {
    let file = std::fs::File::open(path).map_err(|e| CliError::Usage(format!("{}: {e}", path.display())))?;
    let lines = std::io::BufReader::new(file).lines().enumerate();
    let start = Instant::now();
    let mut first: Option<f64> = None;
    let mut sent = 0u64;
    let mut batch: Vec<Value> = Vec::new();
    for (n, line) in lines {
        let line = line?;
        if line.trim().is_empty() {
            continue;
        }
        let rec: Line = serde_json::from_str(&line)
            .map_err(|e| CliError::Usage(format!("{}:{}: not a capture line ({e})", path.display(), n + 1)))?;
        let t0 = *first.get_or_insert(rec.arrival);
        let due =
            if speed > 0.0 { Duration::from_secs_f64(((rec.arrival - t0) / speed).max(0.0)) } else { Duration::ZERO };
        if !batch.is_empty() && (batch.len() == BATCH || start + due > Instant::now()) {
            sent += put_batch(client, stream, std::mem::take(&mut batch)).await?;
        }
        tokio::time::sleep_until((start + due).into()).await;
        base64::decode(&rec.data)
            .map_err(|e| CliError::Usage(format!("{}:{}: data is not base64 ({e})", path.display(), n + 1)))?;
        batch.push(json!({ "Data": rec.data, "PartitionKey": rec.partition_key }));
    }
    if !batch.is_empty() {
        sent += put_batch(client, stream, batch).await?;
    }
    Ok(sent)
}

/// One PutRecords, failed entries sent again until none fails.
async fn put_batch(client: &Client, stream: &str, mut records: Vec<Value>) -> Result<u64, CliError> {
    let n = records.len() as u64;
    let mut backoff = Backoff::new(100, 5000, 11);
    loop {
        let out = client.call(Svc::Kinesis, "PutRecords", &json!({ "StreamName": stream, "Records": records })).await?;
        let results = out.get("Records").and_then(Value::as_array).cloned().unwrap_or_default();
        records = records
            .into_iter()
            .zip(results)
            .filter(|(_, r)| r.get("ErrorCode").is_some_and(|c| !c.is_null()))
            .map(|(rec, _)| rec)
            .collect();
        if records.is_empty() {
            return Ok(n);
        }
        if !backoff.wait().await {
            break;
        }
    }
    Err(CliError::Http(format!("{} records still failing after retries", records.len())))
}
