//! Amazon Data Firehose over AWS JSON 1.1 and CBOR (`X-Amz-Target: Firehose_20150804.<Op>`):
//! the operation table, and the delivery task: take due batches, process them outside the
//! store, complete them.

use crate::kinesis::Wire;
use kinesin_delivery::{Batch, Env, Outcome};
use kinesin_protocol::{cbor, json, model, ApiError};
use kinesin_state::firehose::delivery::RETRY_MS;
use kinesin_state::firehose::{batch, records, streams, FhError, Firehose};
use kinesin_state::{Ctx, Engine};
use serde::de::DeserializeOwned;
use serde::Serialize;
use serde_json::Value;
use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use std::time::Duration;

type Reply = Pin<Box<dyn Future<Output = Result<Vec<u8>, ApiError>> + Send>>;
type Handler = fn(Firehose, Ctx, Value, Wire) -> Reply;

async fn call<I, O>(
    f: Firehose,
    ctx: Ctx,
    doc: Value,
    wire: Wire,
    name: &'static str,
    op: fn(&mut Engine, &Ctx, I) -> Result<O, FhError>,
) -> Result<Vec<u8>, ApiError>
where
    I: DeserializeOwned + Send + 'static,
    O: Serialize + Send + 'static,
{
    let input: I = json::into_input(doc)?;
    let out = f.run(ctx, input, op).await?;
    let value = serde_json::to_value(&out).map_err(|e| ApiError::internal(e.to_string()))?;
    Ok(match wire {
        Wire::Cbor => cbor::encode_output(model::firehose(), name, &value),
        Wire::Json => json::encode(&value),
    })
}

macro_rules! ops {
    ($($name:literal => $f:path),* $(,)?) => {
        /// Every Firehose operation kinesin serves, by name.
        pub const OPERATIONS: &[(&str, Handler)] = &[
            $(($name, |f, c, v, w| Box::pin(call(f, c, v, w, $name, $f)))),*
        ];
    };
}

ops! {
    "CreateDeliveryStream" => streams::create,
    "DeleteDeliveryStream" => streams::delete,
    "DescribeDeliveryStream" => streams::describe,
    "ListDeliveryStreams" => streams::list,
    "ListTagsForDeliveryStream" => streams::list_tags,
    "PutRecord" => records::put_record,
    "PutRecordBatch" => records::put_record_batch,
    "StartDeliveryStreamEncryption" => streams::start_encryption,
    "StopDeliveryStreamEncryption" => streams::stop_encryption,
    "TagDeliveryStream" => streams::tag,
    "UntagDeliveryStream" => streams::untag,
    "UpdateDestination" => streams::update_destination,
}

/// Operations after which the delivery task looks again at its deadlines.
const WAKES_DELIVERY: &[&str] =
    &["CreateDeliveryStream", "DeleteDeliveryStream", "PutRecord", "PutRecordBatch", "UpdateDestination"];

/// Handles one Firehose operation whose body is already read, in the request's wire format.
pub async fn handle(f: &Firehose, ctx: Ctx, operation: &str, body: &[u8], wire: Wire) -> Result<Vec<u8>, ApiError> {
    let model = model::firehose();
    let Some((_, handler)) = OPERATIONS.iter().find(|(n, _)| *n == operation) else {
        return Err(ApiError::new("UnknownOperationException", ""));
    };
    let mut doc = match wire {
        Wire::Json => json::decode(body)?,
        Wire::Cbor => cbor::decode_input(model, operation, body)?,
    };
    model.validate_input(operation, &mut doc)?;
    let metered = crate::meter::firehose_put(operation, &doc).map(|m| (ctx.clone(), m));
    let out = handler(f.clone(), ctx, doc, wire).await;
    if let (Ok(_), Some((ctx, (name, sizes)))) = (&out, metered) {
        crate::meter::count_firehose_put(&ctx.account, &ctx.region, &name, &sizes);
    }
    if out.is_ok() && WAKES_DELIVERY.contains(&operation) {
        f.wake();
    }
    out
}

/// Delivers buffers forever: takes the batches that are due, processes each in its own
/// task (streams are delivered concurrently, one batch in flight per stream) and completes
/// it; sleeps until the next deadline or until woken by a put, a creation, a completed
/// batch or a clock change.
pub async fn deliver_forever(f: Firehose, env: Arc<Env>) {
    if let Err(e) = f.db().call(batch::reset_leases).await {
        tracing::warn!(error = %e, "firehose: cannot reset delivery leases");
    }
    loop {
        let taken = f.db().call(batch::take).await;
        let now = f.db().clock().now_ms();
        let wait = match taken {
            Ok(taken) => {
                for b in taken.batches {
                    tokio::spawn(deliver_one(f.clone(), env.clone(), b));
                }
                taken.next_ms.map_or(60_000, |at| (at - now).clamp(0, 60_000))
            }
            Err(e) => {
                tracing::warn!(error = %e, "firehose delivery pass failed");
                5_000
            }
        };
        if wait == 0 {
            tokio::task::yield_now().await;
            continue;
        }
        tokio::select! {
            _ = tokio::time::sleep(Duration::from_millis(wait as u64)) => {}
            _ = f.woken() => {}
        }
    }
}

/// Processes one batch outside the store and completes it.
async fn deliver_one(f: Firehose, env: Arc<Env>, b: Batch) {
    let receipt = b.receipt;
    let stream = b.name.clone();
    let records = b.records.len();
    let outcome = match tokio::spawn(async move { kinesin_delivery::process(&b, &env).await }).await {
        Ok(o) => o,
        Err(e) => Outcome::Retry { message: format!("delivery task failed: {e}"), delay_ms: RETRY_MS },
    };
    match f.db().call(move |eng| batch::complete(eng, &receipt, outcome)).await {
        Ok(done) => {
            for w in &done.written {
                tracing::debug!(stream = %stream, bucket = %w.bucket, key = %w.key, bytes = w.bytes, "firehose wrote object");
            }
            if let Some(message) = &done.retry {
                report_retry(&stream, message, done.attempts, done.retry_in_ms);
            } else if let Some(message) = &done.dropped {
                tracing::error!(stream = %stream, error = %message, "firehose gave up records undeliverable for 24 hours");
            } else if done.consumed {
                tracing::debug!(stream = %stream, records, "firehose delivered batch");
            }
        }
        Err(e) => tracing::warn!(stream = %stream, error = %e, "firehose: cannot complete a batch"),
    }
    f.wake_delivery();
}

/// Reports a failed attempt: a warning on attempts 1, 2, 4, 8, ... (the same failure retried
/// is not repeated each time), the others at debug level; each with the wait before the next.
fn report_retry(stream: &str, message: &str, attempts: u32, retry_in_ms: i64) {
    let retry_in_s = retry_in_ms / 1000;
    if attempts.is_power_of_two() {
        let next = attempts.saturating_mul(2);
        tracing::warn!(
            stream,
            error = message,
            attempts,
            retry_in_s,
            "firehose delivery failed; retrying (next report at attempt {next})"
        );
    } else {
        tracing::debug!(stream, error = message, attempts, retry_in_s, "firehose delivery failed; retrying");
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use kinesin_state::{Db, Settings, Storage, SystemClock};

    #[tokio::test]
    async fn json_and_cbor_requests() {
        let db = Db::start(&Storage::Ephemeral, Arc::new(SystemClock::default()), Settings::default()).unwrap();
        let f = Firehose::new(db);
        let ctx = Ctx::new("000000000000", "us-east-1");
        let create = serde_json::json!({"DeliveryStreamName": "c1", "S3DestinationConfiguration":
            {"RoleARN": "arn:aws:iam::000000000000:role/r", "BucketARN": "arn:aws:s3:::b"}});
        let body = cbor::encode_input(model::firehose(), "CreateDeliveryStream", &create);
        let out = handle(&f, ctx.clone(), "CreateDeliveryStream", &body, Wire::Cbor).await.unwrap();
        assert!(!out.is_empty());
        let body = cbor::encode_input(
            model::firehose(),
            "DescribeDeliveryStream",
            &serde_json::json!({"DeliveryStreamName": "c1"}),
        );
        let out = handle(&f, ctx.clone(), "DescribeDeliveryStream", &body, Wire::Cbor).await.unwrap();
        assert!(out.windows(b"destinationId-000000000001".len()).any(|w| w == b"destinationId-000000000001"));
        let out = handle(&f, ctx.clone(), "DescribeDeliveryStream", br#"{"DeliveryStreamName":"c1"}"#, Wire::Json)
            .await
            .unwrap();
        let v: Value = serde_json::from_slice(&out).unwrap();
        let d = &v["DeliveryStreamDescription"]["Destinations"][0];
        assert_eq!(d["S3DestinationDescription"]["BufferingHints"]["IntervalInSeconds"], 300);
        assert_eq!(d["ExtendedS3DestinationDescription"]["CompressionFormat"], "UNCOMPRESSED");
        // Model-driven validation answers before the state sees the request.
        let e = handle(&f, ctx.clone(), "DescribeDeliveryStream", br#"{"DeliveryStreamName":"bad name"}"#, Wire::Json)
            .await
            .unwrap_err();
        assert_eq!(e.code, "ValidationException");
        let e = handle(&f, ctx, "PutRecordBatch", br#"{"DeliveryStreamName":"c1","Records":[]}"#, Wire::Json)
            .await
            .unwrap_err();
        assert_eq!(e.code, "ValidationException");
    }
}
