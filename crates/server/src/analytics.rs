//! Kinesis Data Analytics over AWS JSON 1.1 (`KinesisAnalytics_20150814.<Op>` for API v1,
//! `KinesisAnalytics_20180523.<Op>` for API v2): the front of both APIs (operations in
//! `kinesin_state::analytics::api`), and the runner task that moves input records of RUNNING
//! applications through their SQL.

use crate::analytics_discover;
use crate::runner::{AwsJson, Front};
use crate::wire::Wire;
use crate::worker::{Next, Worker};
use kinesin_delivery::Env;
use kinesin_protocol::ApiError;
use kinesin_state::analytics::api::{v1, v2, AnalyticsEffect, AnalyticsV1Api, AnalyticsV2Api};
use kinesin_state::analytics::run::{self, Runners};
use kinesin_state::analytics::Analytics;
use kinesin_state::firehose::Firehose;
use kinesin_state::kinesis::Kinesis;
use kinesin_state::service::Service;
use kinesin_state::{Ctx, Db};
use serde_json::Value;
use std::sync::{Arc, Mutex};
use tokio::sync::watch;

/// Both APIs share the store and the runner.
impl<S: Service<Caller = Ctx, Effect = AnalyticsEffect>> Front<S> for Analytics {
    type Scope = ();

    fn db(&self) -> &Db {
        Analytics::db(self)
    }

    fn scope(&self, _: &Ctx, _: &str, _: &Value) {}

    fn apply(&self, effect: AnalyticsEffect, _: &()) {
        match effect {
            AnalyticsEffect::Runner => self.wake(),
        }
    }
}

/// Handles one operation of either API whose body is already read (JSON 1.1, whatever the
/// content type); `env` has the functions bound with `--lambda` (DiscoverInputSchema with an
/// input processing function).
pub async fn handle(
    a: &Analytics,
    env: &Env,
    ctx: Ctx,
    version: u8,
    operation: &str,
    body: &[u8],
) -> Result<Vec<u8>, ApiError> {
    let unknown = || ApiError::new("UnknownOperationException", "");
    match version {
        1 => match v1::Op::parse(operation).ok_or_else(unknown)? {
            v1::Op::DiscoverInputSchema => {
                analytics_discover::handle::<AnalyticsV1Api, v1::ops::DiscoverInputSchema>(a, env, ctx, body).await
            }
            op => op.visit(AwsJson { front: a, caller: ctx, body, wire: Wire::Json }).await,
        },
        _ => match v2::Op::parse(operation).ok_or_else(unknown)? {
            v2::Op::DiscoverInputSchema => {
                analytics_discover::handle::<AnalyticsV2Api, v2::ops::DiscoverInputSchema>(a, env, ctx, body).await
            }
            op => op.visit(AwsJson { front: a, caller: ctx, body, wire: Wire::Json }).await,
        },
    }
}

/// The runner: runs applications after every Kinesis write (while applications run), after
/// a start, stop or update, when a Firehose delivery stream they read gets records, and at
/// the next window deadline; wakes Firehose delivery when rows went to Firehose, and the
/// readers of the Kinesis streams rows went to.
pub struct Runner {
    a: Analytics,
    k: Kinesis,
    f: Firehose,
    runners: Arc<Mutex<Runners>>,
    data: watch::Receiver<u64>,
    /// Whether Kinesis writes wake the runner (some application runs).
    watch_data: bool,
}

impl Runner {
    /// The runner of `a`'s applications, reading `k`'s streams and `f`'s delivery streams.
    pub fn new(a: Analytics, k: Kinesis, f: Firehose) -> Self {
        let runners = Arc::new(Mutex::new(Runners::new(Arc::clone(a.recent()))));
        let data = k.watch_data();
        Self { a, k, f, runners, data, watch_data: true }
    }
}

impl Worker for Runner {
    const NAME: &'static str = "analytics runner";
    const MIN_WAIT_MS: i64 = 5;
    const RETRY_MS: i64 = 1_000;

    /// One pump of every running application; a failed pump clears the runners (they are
    /// rebuilt from the store).
    async fn pass(&mut self) -> Result<Next, String> {
        self.data.mark_unchanged();
        self.watch_data = true;
        let runners = Arc::clone(&self.runners);
        let pumped = self
            .a
            .db()
            .call(move |eng| run::pump(eng, &mut runners.lock().unwrap_or_else(|p| p.into_inner()), run::JOB_BUDGET))
            .await;
        let report = pumped.map_err(|e| {
            self.runners.lock().unwrap_or_else(|p| p.into_inner()).clear();
            e.to_string()
        })?;
        if report.to_firehose > 0 {
            self.f.wake_delivery();
        }
        for (ctx, stream) in &report.to_kinesis {
            self.k.notify_written(ctx, stream);
        }
        if report.more {
            return Ok(Next::Again);
        }
        self.watch_data = report.running > 0;
        Ok(Next::At(report.next_ms))
    }

    async fn woken(&mut self) {
        tokio::select! {
            _ = self.data.changed(), if self.watch_data => {}
            _ = self.a.woken() => {}
            _ = self.f.readers_woken() => {}
        }
    }

    fn now_ms(&self) -> i64 {
        self.a.db().clock().now_ms()
    }
}
