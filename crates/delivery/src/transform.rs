//! Lambda-style data transformation: AWS's event and response formats, per-record results
//! (Ok, Dropped, ProcessingFailed), record id checks and retries (NumberOfRetries).
//!
//! Records are sent in invocations of at most the processor's BufferSizeInMBs (default 1).
//! An invocation that fails as a whole (the function errs, its answer is not the status
//! model, ids are duplicated) is retried; after the last retry its records become error
//! records. Error codes and messages are AWS's where documented; the others are marked.

use crate::env::Env;
use crate::errors::ErrorRecord;
use crate::lambda::{self, InvokeError};
use crate::record::Rec;
use aws_smithy_types::base64;
use kinesin_state::firehose::batch::{Batch, BatchRecord};
use serde_json::{json, Map, Value};
use std::collections::{BTreeMap, HashMap};

/// Default `NumberOfRetries` of a Lambda processor.
pub const DEFAULT_RETRIES: u32 = 3;
/// Default `BufferSizeInMBs` of a Lambda processor.
pub const DEFAULT_BUFFER_MB: f64 = 1.0;

/// A Lambda processor's parameters.
#[derive(Debug, Clone, PartialEq)]
pub struct LambdaProcessor {
    /// `LambdaArn`.
    pub arn: String,
    /// `NumberOfRetries`.
    pub retries: u32,
    /// `BufferSizeInMBs` in bytes.
    pub buffer_bytes: usize,
}

/// The Lambda processor of an enabled ProcessingConfiguration, if any.
pub fn lambda_processor(dest: &Value) -> Option<LambdaProcessor> {
    let pc = dest.get("ProcessingConfiguration")?;
    if pc.get("Enabled").and_then(Value::as_bool) != Some(true) {
        return None;
    }
    let p =
        pc.get("Processors")?.as_array()?.iter().find(|p| p.get("Type").and_then(Value::as_str) == Some("Lambda"))?;
    let params: HashMap<&str, &str> = p
        .get("Parameters")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .filter_map(|kv| Some((kv.get("ParameterName")?.as_str()?, kv.get("ParameterValue")?.as_str()?)))
        .collect();
    let arn = params.get("LambdaArn")?.to_string();
    let retries = params.get("NumberOfRetries").and_then(|v| v.parse().ok()).unwrap_or(DEFAULT_RETRIES);
    let mb = params.get("BufferSizeInMBs").and_then(|v| v.parse::<f64>().ok()).unwrap_or(DEFAULT_BUFFER_MB);
    let buffer_bytes = (mb.clamp(0.01, 6.0) * 1024.0 * 1024.0) as usize;
    Some(LambdaProcessor { arn, retries, buffer_bytes })
}

/// The record id handed to the function for a buffered record.
pub fn record_id(r: &BatchRecord) -> String {
    format!("{:020}", r.id)
}

/// The invocation event: `{invocationId, deliveryStreamArn, region, records:[...]}`, with
/// `sourceKinesisStreamArn` and per-record `kinesisRecordMetadata` for a Kinesis source.
pub fn event(batch: &Batch, records: &[&BatchRecord], invocation_id: &str) -> Value {
    let recs: Vec<Value> = records
        .iter()
        .map(|r| {
            let mut v = json!({
                "recordId": record_id(r),
                "approximateArrivalTimestamp": r.arrival_ms,
                "data": base64::encode(&r.data),
            });
            if let Some(k) = &r.kinesis {
                v["kinesisRecordMetadata"] = json!({
                    "shardId": k.shard_id,
                    "partitionKey": k.partition_key,
                    "approximateArrivalTimestamp": k.approximate_arrival_ms,
                    "sequenceNumber": k.sequence_number,
                    "subsequenceNumber": k.subsequence_number.unwrap_or(0),
                });
            }
            v
        })
        .collect();
    let mut ev = json!({
        "invocationId": invocation_id,
        "deliveryStreamArn": batch.arn,
        "region": batch.region,
        "records": recs,
    });
    if let Some(src) = &batch.source_stream_arn {
        ev["sourceKinesisStreamArn"] = json!(src);
    }
    ev
}

/// The function's verdict on one record.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Verdict {
    /// `Ok`: deliver `data`, with the partition keys from `metadata.partitionKeys`.
    Ok(Vec<u8>, BTreeMap<String, String>),
    /// `Dropped`: delivered nowhere, successfully.
    Dropped,
    /// The record failed (ProcessingFailed, or its id was not returned).
    Failed(&'static str, String),
}

fn invalid(detail: impl std::fmt::Display) -> InvokeError {
    // AWS's code for an answer that does not follow the status model; kinesin's wording.
    InvokeError {
        code: "Lambda.JsonProcessingException",
        message: format!(
            "There was an error parsing returned records from the Lambda function: {detail}. Ensure that the returned records follow the status model required by Firehose."
        ),
    }
}

/// Checks a response against the record ids sent; one verdict per id, in order.
pub fn parse_response(body: &[u8], ids: &[String]) -> Result<Vec<Verdict>, InvokeError> {
    let v: Value = serde_json::from_slice(body).map_err(|e| invalid(format_args!("not JSON ({e})")))?;
    let records = v.get("records").and_then(Value::as_array).ok_or_else(|| invalid("no records array"))?;
    let mut by_id: HashMap<&str, &Value> = HashMap::with_capacity(records.len());
    for r in records {
        let id = r.get("recordId").and_then(Value::as_str).ok_or_else(|| invalid("a record has no recordId"))?;
        if by_id.insert(id, r).is_some() {
            // kinesin's wording.
            return Err(InvokeError {
                code: "Lambda.DuplicatedRecordId",
                message: format!("Multiple records were returned with the same record id {id}. Ensure that the Lambda function returns unique record ids."),
            });
        }
        if !ids.iter().any(|x| x == id) {
            return Err(invalid(format_args!("record id {id} was not sent to the function")));
        }
    }
    ids.iter()
        .map(|id| {
            let Some(r) = by_id.get(id.as_str()) else {
                // kinesin's wording.
                return Ok(Verdict::Failed(
                    "Lambda.MissingRecordId",
                    format!("Record id {id} was not returned. Ensure that the Lambda function returns all received record ids."),
                ));
            };
            match r.get("result").and_then(Value::as_str) {
                Some("Ok") => {
                    let data = r.get("data").and_then(Value::as_str).ok_or_else(|| invalid(format_args!("record {id} is Ok but has no data")))?;
                    let data = base64::decode(data).map_err(|_| invalid(format_args!("the data of record {id} is not base64")))?;
                    let keys = r
                        .pointer("/metadata/partitionKeys")
                        .and_then(Value::as_object)
                        .map(partition_keys)
                        .unwrap_or_default();
                    Ok(Verdict::Ok(data, keys))
                }
                Some("Dropped") => Ok(Verdict::Dropped),
                // The code as reported for records a function marks failed; kinesin's wording.
                Some("ProcessingFailed") => Ok(Verdict::Failed(
                    "Lambda.ProcessingFailedStatus",
                    "The Lambda function returned the ProcessingFailed status for the record.".into(),
                )),
                other => Err(invalid(format_args!(
                    "record {id} has result {}; expected Ok, Dropped or ProcessingFailed",
                    other.map_or("(none)".to_string(), |s| format!("{s:?}"))
                ))),
            }
        })
        .collect()
}

fn partition_keys(m: &Map<String, Value>) -> BTreeMap<String, String> {
    m.iter().map(|(k, v)| (k.clone(), v.as_str().map_or_else(|| v.to_string(), str::to_owned))).collect()
}

/// What the transform made of a batch.
#[derive(Debug, Default)]
pub struct Transformed {
    /// Records to deliver, in order.
    pub records: Vec<Rec>,
    /// Records that failed.
    pub failed: Vec<ErrorRecord>,
}

/// Runs the batch's records through the function, in invocations of at most
/// `buffer_bytes` of data.
pub async fn run(env: &Env, batch: &Batch, p: &LambdaProcessor) -> Transformed {
    let mut out = Transformed::default();
    let mut chunk: Vec<&BatchRecord> = Vec::new();
    let mut size = 0usize;
    for r in &batch.records {
        if !chunk.is_empty() && size + r.data.len() > p.buffer_bytes {
            invoke_chunk(env, batch, p, &chunk, &mut out).await;
            chunk.clear();
            size = 0;
        }
        size += r.data.len();
        chunk.push(r);
    }
    if !chunk.is_empty() {
        invoke_chunk(env, batch, p, &chunk, &mut out).await;
    }
    out
}

async fn invoke_chunk(env: &Env, batch: &Batch, p: &LambdaProcessor, chunk: &[&BatchRecord], out: &mut Transformed) {
    let ids: Vec<String> = chunk.iter().map(|r| record_id(r)).collect();
    let invocation_id = uuid::Uuid::new_v4().to_string();
    let body = serde_json::to_vec(&event(batch, chunk, &invocation_id)).unwrap_or_default();
    let mut attempts = 0u32;
    let error = loop {
        attempts += 1;
        let result = match lambda::invoke(env, &p.arn, body.clone()).await {
            Ok(resp) => parse_response(&resp, &ids),
            Err(e) => Err(e),
        };
        match result {
            Ok(verdicts) => {
                for (r, v) in chunk.iter().zip(verdicts) {
                    match v {
                        Verdict::Ok(data, lambda_keys) => {
                            out.records.push(Rec { data, arrival_ms: r.arrival_ms, lambda_keys })
                        }
                        Verdict::Dropped => {}
                        Verdict::Failed(code, message) => out.failed.push(failure(env, p, r, attempts, code, message)),
                    }
                }
                return;
            }
            Err(e) if attempts > p.retries => break e,
            Err(e) => {
                tracing::warn!(stream = %batch.name, lambda = %p.arn, attempt = attempts, code = e.code, error = %e.message,
                    "firehose transform invocation failed; retrying");
            }
        }
    };
    tracing::warn!(stream = %batch.name, lambda = %p.arn, attempts, code = error.code, error = %error.message,
        "firehose transform failed; records go to the error output");
    for r in chunk {
        out.failed.push(failure(env, p, r, attempts, error.code, error.message.clone()));
    }
}

fn failure(env: &Env, p: &LambdaProcessor, r: &BatchRecord, attempts: u32, code: &str, message: String) -> ErrorRecord {
    ErrorRecord {
        attempts_made: attempts,
        arrival_ms: r.arrival_ms,
        code: code.to_string(),
        message,
        ending_ms: env.now_ms(),
        raw: r.data.clone(),
        lambda_arn: Some(p.arn.clone()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ids() -> Vec<String> {
        vec!["1".into(), "2".into(), "3".into(), "4".into()]
    }

    #[test]
    fn verdicts_follow_the_status_model() {
        let body = br#"{"records":[
            {"recordId":"1","result":"Ok","data":"SEk=","metadata":{"partitionKeys":{"a":"x","n":7}}},
            {"recordId":"2","result":"Dropped"},
            {"recordId":"3","result":"ProcessingFailed","data":""}]}"#;
        let v = parse_response(body, &ids()).unwrap();
        let keys: BTreeMap<String, String> = [("a".into(), "x".into()), ("n".into(), "7".into())].into();
        assert_eq!(v[0], Verdict::Ok(b"HI".to_vec(), keys));
        assert_eq!(v[1], Verdict::Dropped);
        assert!(matches!(v[2], Verdict::Failed("Lambda.ProcessingFailedStatus", _)));
        assert!(matches!(v[3], Verdict::Failed("Lambda.MissingRecordId", _)));
    }

    #[test]
    fn malformed_answers_fail_the_invocation() {
        let code = |b: &[u8]| parse_response(b, &ids()).unwrap_err().code;
        assert_eq!(code(b"nope"), "Lambda.JsonProcessingException");
        assert_eq!(code(br#"{"items":[]}"#), "Lambda.JsonProcessingException");
        assert_eq!(code(br#"{"records":[{"recordId":"1","result":"Ok"}]}"#), "Lambda.JsonProcessingException");
        assert_eq!(
            code(br#"{"records":[{"recordId":"1","result":"Ok","data":"!!"}]}"#),
            "Lambda.JsonProcessingException"
        );
        assert_eq!(
            code(br#"{"records":[{"recordId":"1","result":"Fine","data":""}]}"#),
            "Lambda.JsonProcessingException"
        );
        assert_eq!(code(br#"{"records":[{"recordId":"9","result":"Dropped"}]}"#), "Lambda.JsonProcessingException");
        assert_eq!(
            code(br#"{"records":[{"recordId":"1","result":"Dropped"},{"recordId":"1","result":"Dropped"}]}"#),
            "Lambda.DuplicatedRecordId"
        );
    }

    #[test]
    fn event_carries_kinesis_metadata_for_a_stream_source() {
        use kinesin_state::firehose::batch::{KinesisMeta, Receipt};
        let rec =
            |id: i64, kinesis: Option<KinesisMeta>| BatchRecord { id, arrival_ms: 5, data: b"hi".to_vec(), kinesis };
        let meta = KinesisMeta {
            shard_id: "shardId-000000000000".into(),
            partition_key: "pk".into(),
            sequence_number: "4959".into(),
            subsequence_number: Some(1),
            approximate_arrival_ms: 4,
        };
        let b = Batch {
            receipt: Receipt { stream_id: 1, lease: 1, last_id: 2, bytes: 4 },
            name: "s".into(),
            arn: "arn:aws:firehose:us-east-1:000000000000:deliverystream/s".into(),
            account: "000000000000".into(),
            region: "us-east-1".into(),
            version: 1,
            kind: "KinesisStreamAsSource".into(),
            dest_kind: "ExtendedS3".into(),
            dest: json!({}),
            source: None,
            source_stream_arn: Some("arn:aws:kinesis:us-east-1:000000000000:stream/k".into()),
            attempt: 1,
            first_attempt_ms: 0,
            taken_ms: 0,
            records: vec![rec(1, Some(meta)), rec(2, None)],
        };
        let refs: Vec<&BatchRecord> = b.records.iter().collect();
        let ev = event(&b, &refs, "inv");
        assert_eq!(ev["invocationId"], "inv");
        assert_eq!(ev["sourceKinesisStreamArn"], "arn:aws:kinesis:us-east-1:000000000000:stream/k");
        assert_eq!(ev["records"][0]["recordId"], record_id(&b.records[0]));
        assert_eq!(ev["records"][0]["data"], "aGk=");
        assert_eq!(ev["records"][0]["approximateArrivalTimestamp"], 5);
        assert_eq!(
            ev["records"][0]["kinesisRecordMetadata"],
            json!({"shardId": "shardId-000000000000", "partitionKey": "pk", "approximateArrivalTimestamp": 4,
                   "sequenceNumber": "4959", "subsequenceNumber": 1})
        );
        assert!(ev["records"][1].get("kinesisRecordMetadata").is_none());
    }

    #[test]
    fn processor_parameters_and_defaults() {
        let d = json!({"ProcessingConfiguration": {"Enabled": true, "Processors": [{"Type": "Lambda", "Parameters": [
            {"ParameterName": "LambdaArn", "ParameterValue": "arn:aws:lambda:us-east-1:000000000000:function:f"},
            {"ParameterName": "NumberOfRetries", "ParameterValue": "1"},
            {"ParameterName": "BufferSizeInMBs", "ParameterValue": "0.5"}]}]}});
        let p = lambda_processor(&d).unwrap();
        assert_eq!((p.retries, p.buffer_bytes), (1, 512 * 1024));
        let mut off = d.clone();
        off["ProcessingConfiguration"]["Enabled"] = json!(false);
        assert!(lambda_processor(&off).is_none());
        let bare = json!({"ProcessingConfiguration": {"Enabled": true, "Processors": [{"Type": "Lambda", "Parameters": [
            {"ParameterName": "LambdaArn", "ParameterValue": "f"}]}]}});
        assert_eq!(lambda_processor(&bare).unwrap().retries, DEFAULT_RETRIES);
    }
}
