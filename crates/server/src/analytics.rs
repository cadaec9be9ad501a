//! Kinesis Data Analytics over AWS JSON 1.1 (`KinesisAnalytics_20150814.<Op>` for API v1,
//! `KinesisAnalytics_20180523.<Op>` for API v2): the operation tables, and the runner task
//! that moves input records of RUNNING applications through their SQL.

use kinesin_protocol::{json, model, ApiError};
use kinesin_state::analytics::run::{self, Runners};
use kinesin_state::analytics::{apps, changes, v2, Analytics, KdaError};
use kinesin_state::firehose::Firehose;
use kinesin_state::kinesis::Kinesis;
use kinesin_state::{Ctx, Engine};
use serde::de::DeserializeOwned;
use serde_json::Value;
use std::future::Future;
use std::pin::Pin;
use std::sync::{Arc, Mutex};
use std::time::Duration;

type Reply = Pin<Box<dyn Future<Output = Result<Vec<u8>, ApiError>> + Send>>;
type Handler = fn(Analytics, Ctx, Value) -> Reply;

async fn call<I>(
    a: Analytics,
    ctx: Ctx,
    doc: Value,
    op: fn(&mut Engine, &Ctx, I) -> Result<Value, KdaError>,
) -> Result<Vec<u8>, ApiError>
where
    I: DeserializeOwned + Send + 'static,
{
    let input: I = json::into_input(doc)?;
    let out = a.run(ctx, input, op).await?;
    Ok(json::encode(&out))
}

macro_rules! ops {
    ($table:ident, $doc:literal, $($name:literal => $f:path),* $(,)?) => {
        #[doc = $doc]
        pub const $table: &[(&str, Handler)] = &[
            $(($name, |a, c, v| Box::pin(call(a, c, v, $f)))),*
        ];
    };
}

ops! {
    V1, "Every API v1 operation, by name.",
    "AddApplicationCloudWatchLoggingOption" => changes::add_logging,
    "AddApplicationInput" => changes::add_input,
    "AddApplicationInputProcessingConfiguration" => changes::add_processing,
    "AddApplicationOutput" => changes::add_output,
    "AddApplicationReferenceDataSource" => changes::add_reference,
    "CreateApplication" => apps::create,
    "DeleteApplication" => apps::delete,
    "DeleteApplicationCloudWatchLoggingOption" => changes::delete_logging,
    "DeleteApplicationInputProcessingConfiguration" => changes::delete_processing,
    "DeleteApplicationOutput" => changes::delete_output,
    "DeleteApplicationReferenceDataSource" => changes::delete_reference,
    "DescribeApplication" => apps::describe,
    "DiscoverInputSchema" => kinesin_state::analytics::discover::discover,
    "ListApplications" => apps::list,
    "ListTagsForResource" => changes::list_tags,
    "StartApplication" => apps::start,
    "StopApplication" => apps::stop,
    "TagResource" => changes::tag,
    "UntagResource" => changes::untag,
    "UpdateApplication" => changes::update,
}

ops! {
    V2, "Every API v2 operation, by name.",
    "AddApplicationCloudWatchLoggingOption" => v2::add_logging,
    "AddApplicationInput" => v2::add_input,
    "AddApplicationInputProcessingConfiguration" => v2::add_processing,
    "AddApplicationOutput" => v2::add_output,
    "AddApplicationReferenceDataSource" => v2::add_reference,
    "AddApplicationVpcConfiguration" => v2::add_vpc,
    "CreateApplication" => v2::create,
    "CreateApplicationPresignedUrl" => v2::presigned_url,
    "CreateApplicationSnapshot" => v2::create_snapshot,
    "DeleteApplication" => v2::delete,
    "DeleteApplicationCloudWatchLoggingOption" => v2::delete_logging,
    "DeleteApplicationInputProcessingConfiguration" => v2::delete_processing,
    "DeleteApplicationOutput" => v2::delete_output,
    "DeleteApplicationReferenceDataSource" => v2::delete_reference,
    "DeleteApplicationSnapshot" => v2::delete_snapshot,
    "DeleteApplicationVpcConfiguration" => v2::delete_vpc,
    "DescribeApplication" => v2::describe,
    "DescribeApplicationOperation" => v2::describe_operation,
    "DescribeApplicationSnapshot" => v2::describe_snapshot,
    "DescribeApplicationVersion" => v2::describe_version,
    "DiscoverInputSchema" => kinesin_state::analytics::discover::discover,
    "ListApplicationOperations" => v2::list_operations,
    "ListApplicationSnapshots" => v2::list_snapshots,
    "ListApplicationVersions" => v2::list_versions,
    "ListApplications" => v2::list,
    "ListTagsForResource" => changes::list_tags,
    "RollbackApplication" => v2::rollback,
    "StartApplication" => v2::start,
    "StopApplication" => v2::stop,
    "TagResource" => changes::tag,
    "UntagResource" => changes::untag,
    "UpdateApplication" => v2::update,
    "UpdateApplicationMaintenanceConfiguration" => v2::update_maintenance,
}

/// Handles one operation of either API whose body is already read (JSON 1.1).
pub async fn handle(a: &Analytics, ctx: Ctx, version: u8, operation: &str, body: &[u8]) -> Result<Vec<u8>, ApiError> {
    let (model, table) = match version {
        1 => (model::kinesisanalytics(), V1),
        _ => (model::kinesisanalyticsv2(), V2),
    };
    let Some((_, handler)) = table.iter().find(|(n, _)| *n == operation) else {
        return Err(ApiError::new("UnknownOperationException", ""));
    };
    let mut doc = json::decode(body)?;
    model.validate_input(operation, &mut doc)?;
    let out = handler(a.clone(), ctx, doc).await;
    if out.is_ok() && !operation.starts_with("Describe") && !operation.starts_with("List") {
        a.wake();
    }
    out
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
            _ = sleep => {}
        }
    }
}
