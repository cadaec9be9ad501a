//! The one loop every background task runs (Kinesis and SQS upkeep, Firehose delivery and
//! source pump, the Pipes pump): a pass on the store, then sleep until the deadline the pass
//! names, a wake-up, or a retry pause after a failed pass.

use std::future::Future;
use std::time::Duration;

/// Every task looks at least once a minute.
pub const MAX_WAIT_MS: i64 = 60_000;

/// What a pass found.
pub enum Next {
    /// More work is waiting: run again at once.
    Again,
    /// Nothing is due before this store-clock time (ms), if any.
    At(Option<i64>),
}

/// A background task.
pub trait Worker: Send + 'static {
    /// Its name in logs.
    const NAME: &'static str;
    /// Shortest sleep before a deadline (ms; 0: a due deadline runs at once).
    const MIN_WAIT_MS: i64;
    /// Pause after a failed pass (ms).
    const RETRY_MS: i64;

    /// One pass.
    fn pass(&mut self) -> impl Future<Output = Result<Next, String>> + Send;

    /// Resolves when the task should look again before its deadline.
    fn woken(&mut self) -> impl Future<Output = ()> + Send;

    /// Now on the store's clock (ms).
    fn now_ms(&self) -> i64;
}

/// Runs `w` forever.
pub async fn run_forever<W: Worker>(mut w: W) {
    loop {
        let wait = match w.pass().await {
            Ok(Next::Again) => 0,
            Ok(Next::At(at)) => at.map_or(MAX_WAIT_MS, |t| (t - w.now_ms()).clamp(W::MIN_WAIT_MS, MAX_WAIT_MS)),
            Err(e) => {
                tracing::warn!(worker = W::NAME, error = %e, "background pass failed");
                W::RETRY_MS
            }
        };
        if wait <= 0 {
            tokio::task::yield_now().await;
            continue;
        }
        tokio::select! {
            _ = tokio::time::sleep(Duration::from_millis(wait as u64)) => {}
            _ = w.woken() => {}
        }
    }
}
