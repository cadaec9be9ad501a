//! The functions of Analytics applications, bound with `--lambda` and invoked off the store
//! thread: input processing (`InputProcessingConfiguration`: batches of raw input records go
//! through the function before the SQL sees them) and function destinations (`LambdaOutput`:
//! queued output rows are handed to the function). See `kinesin_state::analytics::preprocess`
//! and `kinesin_state::analytics::lambda_output`.

use kinesin_delivery::Env;
use kinesin_state::analytics::lambda_output::{self, OutBatch};
use kinesin_state::analytics::preprocess::{self, RawBatch};
use kinesin_state::analytics::Analytics;
use kinesin_state::kinesis::Kinesis;
use std::sync::Arc;
use std::time::Duration;

/// How often applications with functions are looked at besides Kinesis writes (Firehose
/// inputs, new output rows, retries).
const TICK: Duration = Duration::from_secs(1);
/// How often the store is asked whether any application has a function at all.
const IDLE: Duration = Duration::from_secs(5);

/// Runs the functions of every running application, forever.
pub async fn run_forever(a: Analytics, k: Kinesis, env: Arc<Env>) {
    let mut data = k.watch_data();
    loop {
        data.mark_unchanged();
        let (inputs, outputs) = tokio::join!(a.db().call(preprocess::take), a.db().call(lambda_output::take));
        let (mut active, mut moved, mut sent) = (false, false, false);
        match inputs {
            Ok(Some(batches)) => {
                active = true;
                for b in batches {
                    moved |= process(&a, &env, b).await;
                }
            }
            Ok(None) => {}
            Err(e) => tracing::warn!(error = %e, "analytics: reading input to preprocess failed"),
        }
        match outputs {
            Ok(Some(batches)) => {
                active = true;
                for b in batches {
                    sent |= send(&a, &env, b).await;
                }
            }
            Ok(None) => {}
            Err(e) => tracing::warn!(error = %e, "analytics: reading rows for functions failed"),
        }
        if moved {
            a.wake();
        }
        if moved || sent {
            continue;
        }
        tokio::select! {
            _ = data.changed(), if active => {}
            _ = tokio::time::sleep(TICK), if active => {}
            _ = tokio::time::sleep(IDLE), if !active => {}
        }
    }
}

/// Invokes the batch's processing function and queues its answer; `true` when the input
/// moved.
async fn process(a: &Analytics, env: &Env, b: RawBatch) -> bool {
    let outcomes = if b.is_empty() {
        Vec::new()
    } else {
        let answer = kinesin_delivery::lambda::invoke(env, &b.function_arn, preprocess::event(&b)).await;
        match answer.map_err(|e| e.message).and_then(|r| preprocess::outcomes(&b, &r)) {
            Ok(o) => o,
            Err(e) => {
                tracing::warn!(function = %b.function_arn, error = %e, "analytics: input processing failed; retrying");
                return false;
            }
        }
    };
    match a.db().call(move |eng| preprocess::apply(eng, &b, &outcomes)).await {
        Ok(moved) => moved,
        Err(e) => {
            tracing::warn!(error = %e, "analytics: queueing preprocessed input failed");
            false
        }
    }
}

/// Hands queued output rows to their function and settles what it delivered; `true` when
/// it delivered any (more may be queued).
async fn send(a: &Analytics, env: &Env, b: OutBatch) -> bool {
    let answer = kinesin_delivery::lambda::invoke(env, &b.function_arn, lambda_output::event(&b)).await;
    let delivered = match answer.map_err(|e| e.message).and_then(|r| lambda_output::delivered(&b, &r)) {
        Ok(ids) => ids,
        Err(e) => {
            tracing::warn!(function = %b.function_arn, error = %e, "analytics: output delivery failed; retrying");
            Vec::new()
        }
    };
    let any = !delivered.is_empty();
    if let Err(e) = a.db().call(move |eng| lambda_output::settle(eng, &b, &delivered)).await {
        tracing::warn!(error = %e, "analytics: settling a function delivery failed");
        return false;
    }
    any
}
