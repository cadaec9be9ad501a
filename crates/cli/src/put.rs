//! `kinesin put STREAM` and `kinesin firehose put NAME`: records from lines or files, in
//! batches (PutRecords, PutRecordBatch), failed entries retried.

use crate::backoff::Backoff;
use crate::client::{Client, Svc};
use crate::error::CliError;
use crate::input::{Input, Pacer};
use aws_smithy_types::base64;
use serde_json::{json, Value};

/// How each record's partition key is chosen.
#[derive(Debug, Clone)]
pub enum KeyMode {
    /// The same key for every record.
    Fixed(String),
    /// A field of the record parsed as JSON (`a.b` for nested objects).
    Field(String),
    /// A random key per record (spreads records over all shards).
    Random,
}

impl KeyMode {
    fn key(&self, data: &[u8], n: u64) -> Result<String, CliError> {
        match self {
            KeyMode::Fixed(k) => Ok(k.clone()),
            KeyMode::Random => Ok(format!("{:016x}", fastrand::u64(..))),
            KeyMode::Field(path) => {
                let doc: Value = serde_json::from_slice(data).map_err(|e| {
                    CliError::Usage(format!("record {n} is not JSON ({e}); --key-field {path} needs JSON"))
                })?;
                let v = path.split('.').try_fold(&doc, |v, k| v.get(k));
                match v {
                    Some(Value::String(s)) if !s.is_empty() => Ok(s.clone()),
                    Some(Value::Null) | None => Err(CliError::Usage(format!("record {n} has no field {path}"))),
                    Some(other) => Ok(other.to_string()),
                }
            }
        }
    }
}

/// A batch limit: records and bytes per request.
struct Limits {
    records: usize,
    bytes: usize,
}

/// Sends every record of `input` to a Kinesis stream; the number sent.
pub async fn put(
    client: &Client,
    stream: &str,
    input: &mut Input,
    keys: &KeyMode,
    rate: Option<f64>,
) -> Result<u64, CliError> {
    let limits = Limits { records: 500, bytes: 5 * 1024 * 1024 };
    send_all(
        input,
        rate,
        limits,
        |batch| async move {
            let records: Vec<Value> =
                batch.iter().map(|(data, key)| json!({ "Data": base64::encode(data), "PartitionKey": key })).collect();
            let out =
                client.call(Svc::Kinesis, "PutRecords", &json!({ "StreamName": stream, "Records": records })).await?;
            Ok(failed(&out, "Records", &batch))
        },
        keys,
    )
    .await
}

/// Sends every record of `input` to a Firehose delivery stream (with a trailing newline
/// unless `newline` is false); the number sent.
pub async fn firehose(
    client: &Client,
    name: &str,
    input: &mut Input,
    newline: bool,
    rate: Option<f64>,
) -> Result<u64, CliError> {
    let limits = Limits { records: 500, bytes: 4 * 1024 * 1024 };
    send_all(
        input,
        rate,
        limits,
        |batch| async move {
            let records: Vec<Value> = batch
                .iter()
                .map(|(data, _)| {
                    let mut d = data.clone();
                    if newline {
                        d.push(b'\n');
                    }
                    json!({ "Data": base64::encode(&d) })
                })
                .collect();
            let body = json!({ "DeliveryStreamName": name, "Records": records });
            let out = client.call(Svc::Firehose, "PutRecordBatch", &body).await?;
            Ok(failed(&out, "RequestResponses", &batch))
        },
        &KeyMode::Fixed(String::new()),
    )
    .await
}

type Batch = Vec<(Vec<u8>, String)>;

/// The entries of a batch whose result carries an `ErrorCode` (to be sent again).
fn failed(out: &Value, field: &str, batch: &Batch) -> Batch {
    let results = out.get(field).and_then(Value::as_array).map(Vec::as_slice).unwrap_or_default();
    results
        .iter()
        .zip(batch)
        .filter(|(r, _)| r.get("ErrorCode").is_some_and(|c| !c.is_null()))
        .map(|(_, e)| e.clone())
        .collect()
}

async fn send_all<F, Fut>(
    input: &mut Input,
    rate: Option<f64>,
    limits: Limits,
    send: F,
    keys: &KeyMode,
) -> Result<u64, CliError>
where
    F: Fn(Batch) -> Fut,
    Fut: std::future::Future<Output = Result<Batch, CliError>>,
{
    let mut pacer = Pacer::new(rate);
    let max_records = match rate {
        Some(r) if pacer.limited() => ((r / 5.0) as usize).clamp(1, limits.records),
        _ => limits.records,
    };
    let (mut sent, mut batch, mut bytes) = (0u64, Batch::new(), 0usize);
    while let Some(data) = input.next_record()? {
        let key = keys.key(&data, sent + batch.len() as u64 + 1)?;
        if !batch.is_empty() && (batch.len() == max_records || bytes + data.len() + key.len() > limits.bytes) {
            sent += flush(&mut pacer, &send, std::mem::take(&mut batch)).await?;
            bytes = 0;
        }
        bytes += data.len() + key.len();
        batch.push((data, key));
    }
    if !batch.is_empty() {
        sent += flush(&mut pacer, &send, batch).await?;
    }
    input.finish();
    Ok(sent)
}

/// Sends one batch, retrying the failed entries (throttling) with backoff.
async fn flush<F, Fut>(pacer: &mut Pacer, send: &F, batch: Batch) -> Result<u64, CliError>
where
    F: Fn(Batch) -> Fut,
    Fut: std::future::Future<Output = Result<Batch, CliError>>,
{
    let n = batch.len() as u64;
    pacer.take(batch.len()).await;
    let mut pending = batch;
    let mut backoff = Backoff::new(100, 5000, 11);
    loop {
        pending = match send(pending.clone()).await {
            Ok(left) => left,
            Err(e) if retryable(&e) => pending,
            Err(e) => return Err(e),
        };
        if pending.is_empty() {
            return Ok(n);
        }
        if !backoff.wait().await {
            break;
        }
    }
    Err(CliError::Http(format!("{} records still failing after retries", pending.len())))
}

fn retryable(e: &CliError) -> bool {
    matches!(
        e.code(),
        Some(
            "ProvisionedThroughputExceededException"
                | "ThrottlingException"
                | "ServiceUnavailableException"
                | "LimitExceededException"
        )
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn key_field_reads_nested_json() {
        let mode = KeyMode::Field("truck.id".into());
        assert_eq!(mode.key(br#"{"truck":{"id":"t-7"}}"#, 1).unwrap(), "t-7");
        assert_eq!(mode.key(br#"{"truck":{"id":42}}"#, 1).unwrap(), "42");
        assert!(mode.key(br#"{"truck":{}}"#, 3).unwrap_err().to_string().contains("record 3"));
        assert!(mode.key(b"not json", 1).is_err());
    }
}
