//! Kinesis Data Analytics over AWS JSON 1.1 (`KinesisAnalytics_20150814.<Op>` for API v1,
//! `KinesisAnalytics_20180523.<Op>` for API v2): the front of both APIs (operations in
//! `kinesin_state::analytics::api`), and the runner task that moves input records of RUNNING
//! applications through their SQL.

use crate::analytics_discover;
use crate::runner::{AwsJson, Front};
use crate::wire::Wire;
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
use std::time::Duration;

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

/// Runs applications forever: after every Kinesis write (while applications run), after a
/// start, stop or update, and once a second while any application runs (windows end).
pub async fn run_forever(a: Analytics, k: Kinesis, f: Firehose) {
    let runners = Arc::new(Mutex::new(Runners::new(Arc::clone(a.recent()))));
    let mut data = k.watch_data();
    loop {
        data.mark_unchanged();
        let r = Arc::clone(&runners);
        let report = a
            .db()
            .call(move |eng| {
                let mut runners = r.lock().unwrap_or_else(|p| p.into_inner());
                let out = run::pump(eng, &mut runners, run::JOB_BUDGET);
                if out.is_err() {
                    runners.clear();
                }
                out
            })
            .await;
        let (wait_ms, watch) = match report {
            Ok(r) => {
                if r.to_firehose > 0 {
                    f.wake_delivery();
                }
                for (ctx, stream) in &r.to_kinesis {
                    k.notify_written(ctx, stream);
                }
                if r.more {
                    tokio::task::yield_now().await;
                    continue;
                }
                let now = a.db().clock().now_ms();
                (r.next_ms.map(|t| (t - now).clamp(5, 60_000)), r.running > 0)
            }
            Err(e) => {
                tracing::warn!(error = %e, "analytics: running applications failed");
                runners.lock().unwrap_or_else(|p| p.into_inner()).clear();
                (Some(1_000), true)
            }
        };
        let sleep = async {
            match wait_ms {
                Some(ms) => tokio::time::sleep(Duration::from_millis(ms as u64)).await,
                None => std::future::pending().await,
            }
        };
        tokio::select! {
            _ = data.changed(), if watch => {}
            _ = a.woken() => {}
            _ = f.readers_woken() => {}
            _ = sleep => {}
        }
    }
}
