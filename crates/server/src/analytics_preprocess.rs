//! Input preprocessing of Analytics applications (`InputProcessingConfiguration`): batches
//! of raw input records go to the function bound with `--lambda`, off the store thread; what
//! it returns is queued for the application's SQL (see `kinesin_state::analytics::preprocess`).

use kinesin_delivery::Env;
use kinesin_state::analytics::preprocess::{self, RawBatch};
use kinesin_state::analytics::Analytics;
use kinesin_state::kinesis::Kinesis;
use std::sync::Arc;
use std::time::Duration;

/// How often applications with a processor are looked at besides Kinesis writes (Firehose
/// inputs, retries after a failed invocation).
const TICK: Duration = Duration::from_secs(1);

/// Preprocesses the input of every running application that has a processor, forever.
pub async fn run_forever(a: Analytics, k: Kinesis, env: Arc<Env>) {
    let mut data = k.watch_data();
    loop {
        data.mark_unchanged();
        let taken = a.db().call(preprocess::take).await;
        let active = match taken {
            Ok(Some(batches)) if !batches.is_empty() => {
                let mut moved = false;
                for b in batches {
                    moved |= process(&a, &env, b).await;
                }
                if moved {
                    a.wake();
                    continue;
                }
                true
            }
            Ok(found) => found.is_some(),
            Err(e) => {
                tracing::warn!(error = %e, "analytics: reading input to preprocess failed");
                true
            }
        };
        tokio::select! {
            _ = data.changed(), if active => {}
            _ = tokio::time::sleep(TICK), if active => {}
            _ = tokio::time::sleep(Duration::from_secs(5)), if !active => {}
        }
    }
}

/// Invokes the batch's function and applies its answer; `true` when the input moved.
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
