//! Network destinations (HTTP endpoint, Splunk, OpenSearch, Redshift, ...): one module per
//! destination, each `deliver(env, desc, ctx, records)`; [`deliver`] dispatches on the
//! stored destination kind. S3 and ExtendedS3 are not here: their objects are written by
//! the store when the batch completes.
//!
//! Delivery to a network destination is at-least-once, as on AWS: a failed delivery is
//! retried (the same records, the same request id) with backoff until the destination's
//! `RetryOptions.DurationInSeconds` has passed, then the records go to the S3 backup
//! bucket under the destination's error output type.

use crate::env::Env;
use serde_json::Value;

/// Default `RetryOptions.DurationInSeconds`.
pub const DEFAULT_RETRY_SECS: i64 = 300;
/// Longest wait between two attempts.
pub const MAX_BACKOFF_MS: i64 = 120_000;

/// What a destination needs to know about the delivery besides the records.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DeliveryCtx {
    /// Delivery stream ARN (`X-Amz-Firehose-Source-Arn`).
    pub stream_arn: String,
    /// Delivery stream name.
    pub stream_name: String,
    /// Request id: the same on every attempt of a batch.
    pub request_id: String,
    /// Now (ms).
    pub now_ms: i64,
    /// Arrival of the oldest record (ms).
    pub first_arrival_ms: i64,
    /// Attempt number, 1 first.
    pub attempt: u32,
    /// When the batch was first attempted (ms).
    pub first_attempt_ms: i64,
}

/// A failed delivery.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DestError {
    /// Why.
    pub message: String,
    /// Retrying cannot help (e.g. HTTP 413): the records go to the backup at once.
    pub permanent: bool,
}

/// Delivers transformed records to the destination of `kind` described by `desc`.
pub async fn deliver(
    kind: &str,
    _env: &Env,
    _desc: &Value,
    _ctx: &DeliveryCtx,
    _records: &[Vec<u8>],
) -> Result<(), DestError> {
    #[allow(clippy::match_single_binding)]
    match kind {
        // "HttpEndpoint" => http_endpoint::deliver(env, desc, ctx, records).await,
        other => {
            Err(DestError { message: format!("destination {other} is not supported by kinesin yet"), permanent: true })
        }
    }
}

/// `!{firehose:error-output-type}` and the error code of records that could not be
/// delivered to a destination of `kind`.
pub fn failure(kind: &str) -> (&'static str, &'static str) {
    match kind {
        "HttpEndpoint" => ("http-endpoint-failed", "HttpEndpoint.DeliveryFailed"),
        "Splunk" => ("splunk-failed", "Splunk.DeliveryFailed"),
        "Elasticsearch" => ("elasticsearch-failed", "ES.DeliveryFailed"),
        "AmazonOpenSearchServerless" => {
            ("AmazonOpenSearchServerless-failed", "AmazonOpenSearchServerless.DeliveryFailed")
        }
        "AmazonopensearchserviceDestination" | "AmazonOpenSearchService" => {
            ("AmazonOpenSearchService-failed", "AmazonOpenSearchService.DeliveryFailed")
        }
        _ => ("delivery-failed", "DeliveryFailed"),
    }
}

/// `RetryOptions.DurationInSeconds` of a description, in ms.
pub fn retry_duration_ms(desc: &Value) -> i64 {
    desc.pointer("/RetryOptions/DurationInSeconds").and_then(Value::as_i64).unwrap_or(DEFAULT_RETRY_SECS) * 1000
}

/// Wait before attempt `attempt + 1`: 1 s doubling, at most [`MAX_BACKOFF_MS`], +-15% jitter.
pub fn backoff_ms(attempt: u32) -> i64 {
    let base = (1000i64 << attempt.saturating_sub(1).min(7)).min(MAX_BACKOFF_MS);
    let jitter = base * 15 / 100;
    base - jitter + fastrand::i64(0..=2 * jitter)
}
