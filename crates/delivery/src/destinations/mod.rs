//! Network destinations (HTTP endpoint, Splunk, OpenSearch, Redshift, ...): one module per
//! destination, each `deliver(env, desc, ctx, records)`; [`deliver`] dispatches on the
//! stored destination kind. S3 and ExtendedS3 are not here: their objects are written by
//! the store when the batch completes.
//!
//! Delivery to a network destination is at-least-once, as on AWS: a failed delivery is
//! retried (the same records, the same request id) with backoff until the destination's
//! `RetryOptions.DurationInSeconds` has passed, then the records go to the S3 backup
//! bucket under the destination's error output type. One call of [`deliver`] is ONE
//! attempt; the caller owns the retry schedule ([`backoff_ms`], [`retry_duration_ms`]).

pub mod client;
pub mod copy;
pub mod http_endpoint;
pub mod opensearch;
pub mod redshift;
pub mod splunk;

use crate::env::Env;
use kinesin_state::backoff;
use kinesin_state::firehose::dest_kind::DestKind;
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

/// One record a destination rejected while it took the others (an OpenSearch bulk item).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RecordError {
    /// Index of the record in the slice given to [`deliver`].
    pub index: usize,
    /// AWS-style error code, e.g. `OS.MapperParsingException`.
    pub code: String,
    /// The destination's message.
    pub message: String,
}

/// A failed delivery.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct DestError {
    /// Why.
    pub message: String,
    /// Retrying cannot help (e.g. HTTP 413): the records go to the backup at once.
    pub permanent: bool,
    /// AWS's error code for the error records, e.g. `HttpEndpoint.DestinationException`
    /// (empty: use [`failure`]'s).
    pub code: String,
    /// When only some records failed: those (the others were delivered; a retry sends
    /// all again, which FIREHOSE_DEFAULT document ids make idempotent). Empty: all failed.
    pub failed: Vec<RecordError>,
}

impl DestError {
    /// A failure worth retrying.
    pub fn retryable(code: &str, message: impl Into<String>) -> Self {
        Self { message: message.into(), permanent: false, code: code.into(), failed: Vec::new() }
    }

    /// A failure retrying cannot fix.
    pub fn permanent(code: &str, message: impl Into<String>) -> Self {
        Self { permanent: true, ..Self::retryable(code, message) }
    }
}

/// Delivers transformed records to the destination of `kind` described by `desc` (one
/// attempt).
pub async fn deliver(
    kind: impl Into<DestKind>,
    env: &Env,
    desc: &Value,
    ctx: &DeliveryCtx,
    records: &[Vec<u8>],
) -> Result<(), DestError> {
    match kind.into() {
        DestKind::HttpEndpoint => http_endpoint::deliver(env, desc, ctx, records).await,
        DestKind::Splunk => splunk::deliver(env, desc, ctx, records).await,
        DestKind::Elasticsearch => opensearch::deliver_as("ES", env, desc, ctx, records).await,
        DestKind::AmazonOpenSearchService => opensearch::deliver(env, desc, ctx, records).await,
        DestKind::Redshift => redshift::deliver(env, desc, ctx, records).await,
        DestKind::ExtendedS3 => {
            Err(DestError::permanent("DeliveryFailed", "destination ExtendedS3 is not supported by kinesin yet"))
        }
    }
}

/// Whether a destination of `kind` first stores each batch as an S3 object of its
/// `S3DestinationDescription` (Redshift's intermediate object, which COPY loads): the
/// caller adds that object to the outcome whether or not the load succeeds.
pub fn writes_intermediate_object(kind: DestKind) -> bool {
    kind == DestKind::Redshift
}

/// `!{firehose:error-output-type}` and the error code of records that could not be
/// delivered to a destination of `kind`.
pub fn failure(kind: DestKind) -> (&'static str, &'static str) {
    match kind {
        DestKind::HttpEndpoint => ("http-endpoint-failed", "HttpEndpoint.DeliveryFailed"),
        DestKind::Splunk => ("splunk-failed", "Splunk.DeliveryFailed"),
        DestKind::Elasticsearch => ("elasticsearch-failed", "ES.DeliveryFailed"),
        DestKind::AmazonOpenSearchService => {
            ("AmazonOpenSearchService-failed", "AmazonOpenSearchService.DeliveryFailed")
        }
        DestKind::ExtendedS3 | DestKind::Redshift => ("delivery-failed", "DeliveryFailed"),
    }
}

/// `RetryOptions.DurationInSeconds` of a description, in ms.
pub fn retry_duration_ms(desc: &Value) -> i64 {
    desc.pointer("/RetryOptions/DurationInSeconds").and_then(Value::as_i64).unwrap_or(DEFAULT_RETRY_SECS) * 1000
}

/// Wait before attempt `attempt + 1`: the shared backoff, at most [`MAX_BACKOFF_MS`],
/// +-15% jitter.
pub fn backoff_ms(attempt: u32) -> i64 {
    backoff::jittered(backoff::backoff_ms(attempt, MAX_BACKOFF_MS))
}

/// A string member of a description (`""` when absent).
pub(crate) fn text<'a>(desc: &'a Value, pointer: &str) -> &'a str {
    desc.pointer(pointer).and_then(Value::as_str).unwrap_or("")
}
