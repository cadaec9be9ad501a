//! Dead-letter queues of stream sources (`DeadLetterConfig.Arn`, an SQS queue): when a batch
//! cannot be delivered within MaximumRetryAttempts, or its records are older than
//! MaximumRecordAgeInSeconds, the pipe sends a description of the batch there (not the
//! records: they stay readable in the stream) and moves on.
//!
//! The message is the one Lambda event source mappings and Pipes send for Kinesis sources:
//! `requestContext` (`condition` RetryAttemptsExhausted or RecordAgeExceeded), `responseContext`,
//! `version`, `timestamp` and `KinesisBatchInfo` with the shard, the first and last sequence
//! numbers, the arrival times of the first and last records, the batch size and the stream ARN.
//! AWS documents the Lambda form (`functionArn`); a pipe puts its own ARN there.

use crate::db::Engine;
use crate::sqs::{self, messages, Caller, QueueKey};
use crate::Ctx;
use kinesin_protocol::kinesis::Record;
use serde_json::{json, Value};

/// Why a batch went to the dead-letter queue.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Condition {
    /// Delivery failed MaximumRetryAttempts + 1 times.
    RetryAttemptsExhausted,
    /// The records were older than MaximumRecordAgeInSeconds.
    RecordAgeExceeded,
}

/// What the DLQ message says about a batch of one shard.
pub struct BatchInfo<'a> {
    /// The pipe's ARN.
    pub pipe_arn: &'a str,
    /// The stream's ARN.
    pub stream_arn: &'a str,
    /// `shardId-...`.
    pub shard_id: &'a str,
    /// The batch's records, in order (at least one).
    pub records: &'a [Record],
    /// Delivery attempts made.
    pub attempts: i64,
    /// The last error, if delivery was attempted.
    pub error: Option<&'a str>,
}

fn iso(ms: i64) -> String {
    aws_smithy_types::DateTime::from_millis(ms)
        .fmt(aws_smithy_types::date_time::Format::DateTime)
        .unwrap_or_else(|_| ms.to_string())
}

fn arrival_ms(r: &Record) -> i64 {
    (r.approximate_arrival_timestamp * 1000.0).round() as i64
}

/// The DLQ message for a batch.
pub fn message(info: &BatchInfo<'_>, condition: Condition, now: i64) -> Value {
    let (first, last) = (&info.records[0], &info.records[info.records.len() - 1]);
    let condition = match condition {
        Condition::RetryAttemptsExhausted => "RetryAttemptsExhausted",
        Condition::RecordAgeExceeded => "RecordAgeExceeded",
    };
    // The error itself is logged, not sent: AWS's responseContext has no place for it.
    let response = match info.error {
        Some(_) => json!({"statusCode": 400, "executedVersion": "$LATEST", "functionError": "Unhandled"}),
        None => json!({"statusCode": 200, "executedVersion": "$LATEST"}),
    };
    json!({
        "requestContext": {
            "requestId": uuid::Uuid::new_v4().to_string(),
            "functionArn": info.pipe_arn,
            "condition": condition,
            "approximateInvokeCount": info.attempts,
        },
        "responseContext": response,
        "version": "1.0",
        "timestamp": iso(now),
        "KinesisBatchInfo": {
            "shardId": info.shard_id,
            "startSequenceNumber": first.sequence_number,
            "endSequenceNumber": last.sequence_number,
            "approximateArrivalOfFirstRecord": iso(arrival_ms(first)),
            "approximateArrivalOfLastRecord": iso(arrival_ms(last)),
            "batchSize": info.records.len(),
            "streamArn": info.stream_arn,
        }
    })
}

/// Checks a DeadLetterConfig ARN at Create/Update: kinesin's dead-letter targets are SQS queues.
pub fn check_arn(arn: &str) -> Result<(), String> {
    if sqs::parse_arn(arn).is_some() {
        return Ok(());
    }
    Err(format!(
        "DeadLetterConfig.Arn {arn} is not supported by kinesin: dead-letter targets are SQS queue ARNs (SNS topics are not emulated)."
    ))
}

/// Sends a DLQ message to the queue `arn`; returns the queue's key to wake its readers.
pub fn send(eng: &mut Engine, arn: &str, body: &Value) -> Result<QueueKey, String> {
    let q = sqs::find_by_arn(eng, arn)
        .map_err(|e| e.to_string())?
        .ok_or_else(|| format!("Dead-letter queue {arn} does not exist."))?;
    let info = &body["KinesisBatchInfo"];
    let text = |k: &str| info[k].as_str().unwrap_or_default().to_string();
    let m = messages::Outgoing {
        body: body.to_string(),
        // A FIFO dead-letter queue keeps each shard's failures in order.
        group_id: q.fifo.then(|| text("shardId")),
        dedup_id: q.fifo.then(|| format!("{}-{}", text("startSequenceNumber"), text("endSequenceNumber"))),
        ..Default::default()
    };
    let caller = Caller::new(Ctx::new(&q.account, &q.region), "localhost");
    messages::send_to(eng, &caller, &q, m).map_err(|e| e.to_string())?;
    Ok(q.key())
}
