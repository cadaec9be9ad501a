//! Amazon Data Firehose over AWS JSON 1.1 and CBOR (`X-Amz-Target: Firehose_20150804.<Op>`):
//! the service's front (operations in `kinesin_state::firehose::api`), and the delivery task: take due batches, process them outside the
//! store, complete them.

use crate::runner::{AwsJson, Front};
use crate::wire::Wire;
use crate::worker::{self, Next, Worker};
use kinesin_delivery::{Batch, Env, Outcome};
use kinesin_protocol::ApiError;
use kinesin_state::firehose::api::{FirehoseApi, FirehoseEffect, Op};
use kinesin_state::firehose::batch;
use kinesin_state::firehose::delivery::RETRY_MS;
use kinesin_state::firehose::recent::Attempt;
use kinesin_state::firehose::Firehose;
use kinesin_state::{Ctx, Db};
use serde_json::Value;
use std::future::Future;
use std::sync::Arc;

impl Front<FirehoseApi> for Firehose {
    /// The delivery stream and record sizes a put bills once it succeeds.
    type Scope = Option<(Ctx, (String, Vec<u64>))>;

    fn db(&self) -> &Db {
        Firehose::db(self)
    }

    fn scope(&self, ctx: &Ctx, operation: &str, doc: &Value) -> Self::Scope {
        crate::meter::firehose_put(operation, doc).map(|m| (ctx.clone(), m))
    }

    fn apply(&self, effect: FirehoseEffect, _: &Self::Scope) {
        match effect {
            FirehoseEffect::Delivery => self.wake(),
            FirehoseEffect::Readers => self.wake_readers(),
        }
    }

    fn succeeded(&self, metered: Self::Scope) {
        if let Some((ctx, (name, sizes))) = metered {
            crate::meter::count_firehose_put(&ctx.account, &ctx.region, &name, &sizes);
        }
    }
}

/// Handles one Firehose operation whose body is already read, in the request's wire format.
pub async fn handle(f: &Firehose, ctx: Ctx, operation: &str, body: &[u8], wire: Wire) -> Result<Vec<u8>, ApiError> {
    let Some(op) = Op::parse(operation) else {
        return Err(ApiError::new("UnknownOperationException", ""));
    };
    op.visit(AwsJson { front: f, caller: ctx, body, wire }).await
}

/// Delivers buffers forever (after putting back the batches a previous run had taken).
pub async fn deliver_forever(f: Firehose, env: Arc<Env>) {
    if let Err(e) = f.db().call(batch::reset_leases).await {
        tracing::warn!(error = %e, "firehose: cannot reset delivery leases");
    }
    worker::run_forever(Delivery { f, env }).await
}

/// The delivery task: takes the batches that are due, processes each in its own task
/// (streams are delivered concurrently, one batch in flight per stream) and completes it;
/// sleeps until the next deadline or until woken by a put, a creation, a completed batch or
/// a clock change.
struct Delivery {
    f: Firehose,
    env: Arc<Env>,
}

impl Worker for Delivery {
    const NAME: &'static str = "firehose delivery";
    const MIN_WAIT_MS: i64 = 0;
    const RETRY_MS: i64 = 5_000;

    async fn pass(&mut self) -> Result<Next, String> {
        let taken = self.f.db().call(batch::take).await.map_err(|e| e.to_string())?;
        for b in taken.batches {
            tokio::spawn(deliver_one(self.f.clone(), self.env.clone(), b));
        }
        Ok(Next::At(taken.next_ms))
    }

    fn woken(&mut self) -> impl Future<Output = ()> + Send {
        self.f.woken()
    }

    fn now_ms(&self) -> i64 {
        self.f.db().clock().now_ms()
    }
}

/// Processes one batch outside the store and completes it.
async fn deliver_one(f: Firehose, env: Arc<Env>, b: Batch) {
    let receipt = b.receipt;
    let stream = b.name.clone();
    let (account, region) = (b.account.clone(), b.region.clone());
    let records = b.records.len();
    let outcome = match tokio::spawn(async move { kinesin_delivery::process(&b, &env).await }).await {
        Ok(o) => o,
        Err(e) => Outcome::Retry { message: format!("delivery task failed: {e}"), delay_ms: RETRY_MS },
    };
    match f.db().call(move |eng| batch::complete(eng, &receipt, outcome)).await {
        Ok(done) => {
            let at = f.db().clock().now_ms();
            if let Some(a) = Attempt::of((&account, &region, &stream), &done, at, records, receipt.bytes) {
                if a.outcome == "delivered" {
                    crate::meter::global().add(
                        "firehose",
                        &account,
                        &region,
                        &stream,
                        crate::meter::Item::Deliveries,
                        1,
                    );
                }
                f.recent().push(a);
            }
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
    use kinesin_protocol::{cbor, model};
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
