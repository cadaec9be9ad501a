//! The functions of Analytics applications, bound with `--lambda` and invoked off the store
//! thread: input processing (`InputProcessingConfiguration`: batches of raw input records go
//! through the function before the SQL sees them) and function destinations (`LambdaOutput`:
//! queued output rows are handed to the function). See `kinesin_state::analytics::preprocess`
//! and `kinesin_state::analytics::lambda_output`.

use crate::worker::{Next, Worker};
use kinesin_delivery::Env;
use kinesin_state::analytics::lambda_output::{self, OutBatch};
use kinesin_state::analytics::preprocess::{self, RawBatch};
use kinesin_state::analytics::Analytics;
use kinesin_state::kinesis::Kinesis;
use std::sync::Arc;
use tokio::sync::watch;

/// How often applications with functions are looked at besides Kinesis writes (Firehose
/// inputs, new output rows, retries; ms).
const TICK_MS: i64 = 1_000;
/// How often the store is asked whether any application has a function at all (ms).
const IDLE_MS: i64 = 5_000;

/// Runs the functions of every running application: again at once while input moved or
/// rows were delivered, else after a Kinesis write or [`TICK_MS`] while any application has
/// a function, after [`IDLE_MS`] while none has.
pub struct Functions {
    a: Analytics,
    env: Arc<Env>,
    data: watch::Receiver<u64>,
    /// Whether any application has a function (Kinesis writes wake the task).
    active: bool,
}

impl Functions {
    /// The functions of `a`'s applications, bound in `env`, woken by `k`'s writes.
    pub fn new(a: Analytics, k: Kinesis, env: Arc<Env>) -> Self {
        Self { a, env, data: k.watch_data(), active: false }
    }
}

impl Worker for Functions {
    const NAME: &'static str = "analytics functions";
    const MIN_WAIT_MS: i64 = TICK_MS;
    const RETRY_MS: i64 = IDLE_MS;

    /// Takes the batches due for input processing and for function destinations and hands
    /// each to its function; a failed read or call is logged and tried again next pass.
    async fn pass(&mut self) -> Result<Next, String> {
        self.data.mark_unchanged();
        let db = self.a.db();
        let (inputs, outputs) = tokio::join!(db.call(preprocess::take), db.call(lambda_output::take));
        let (mut moved, mut sent) = (false, false);
        self.active = false;
        for b in taken(inputs, "reading input to preprocess", &mut self.active) {
            moved |= process(&self.a, &self.env, b).await;
        }
        for b in taken(outputs, "reading rows for functions", &mut self.active) {
            sent |= send(&self.a, &self.env, b).await;
        }
        if moved {
            self.a.wake();
        }
        if moved || sent {
            return Ok(Next::Again);
        }
        let wait = if self.active { TICK_MS } else { IDLE_MS };
        Ok(Next::At(Some(self.now_ms() + wait)))
    }

    async fn woken(&mut self) {
        match self.active {
            true => drop(self.data.changed().await),
            false => std::future::pending().await,
        }
    }

    fn now_ms(&self) -> i64 {
        self.a.db().clock().now_ms()
    }
}

/// The batches a take found (setting `active` if it found any), none when it failed.
fn taken<B, E: std::fmt::Display>(found: Result<Option<Vec<B>>, E>, what: &str, active: &mut bool) -> Vec<B> {
    match found {
        Ok(Some(batches)) => {
            *active = true;
            batches
        }
        Ok(None) => Vec::new(),
        Err(e) => {
            tracing::warn!(error = %e, "analytics: {what} failed");
            Vec::new()
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
