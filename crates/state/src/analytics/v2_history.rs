//! API v2's history of an application (kept in its configuration, typed in
//! [`super::history`]): the operations recorded as they run, earlier versions remembered on
//! update, snapshots, and the operations that list and describe them.

use super::answers::Empty;
use super::answers_v2::*;
use super::history::{OperationRecord, OperationStatus, SavedVersion, Snapshot, SnapshotStatus};
use super::stored::{load, AppRow};
use super::KdaError;
use crate::db::Engine;
use crate::kinesis::epoch_secs;
use crate::Ctx;
use serde::Deserialize;

type R<T> = Result<T, KdaError>;

/// Most versions and operations remembered per application.
const HISTORY: usize = 50;

/// Drops all but the newest [`HISTORY`] items.
fn keep_newest<T>(items: &mut Vec<T>) {
    let excess = items.len().saturating_sub(HISTORY);
    items.drain(..excess);
}

/// Records an operation that completed now, stores the row and returns the operation's id.
pub fn record(eng: &Engine, row: &mut AppRow, name: &str) -> R<String> {
    let id = format!("{:016x}", fastrand::u64(..));
    let now = epoch_secs(eng.now());
    row.config.v2.operations.push(OperationRecord {
        operation: name.to_string(),
        id: id.clone(),
        start_secs: now,
        end_secs: now,
        status: OperationStatus::Successful,
    });
    keep_newest(&mut row.config.v2.operations);
    eng.conn
        .prepare_cached("UPDATE kda_apps SET config=?2 WHERE id=?1")?
        .execute(rusqlite::params![row.id, serde_json::to_string(&row.config)?])?;
    Ok(id)
}

/// Remembers the row's current configuration (without its history) as an earlier version.
pub fn remember_version(row: &mut AppRow) {
    let v2 = &mut row.config.v2;
    let history =
        (std::mem::take(&mut v2.versions), std::mem::take(&mut v2.operations), std::mem::take(&mut v2.snapshots));
    let config = row.config.clone();
    let v2 = &mut row.config.v2;
    (v2.versions, v2.operations, v2.snapshots) = history;
    v2.versions.push(SavedVersion { id: row.version, config });
    keep_newest(&mut v2.versions);
}

/// `CreateApplicationSnapshot` / `DescribeApplicationSnapshot` / `DeleteApplicationSnapshot`.
#[derive(Debug, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct SnapshotInput {
    pub application_name: String,
    pub snapshot_name: String,
    #[serde(default)]
    pub snapshot_creation_timestamp: Option<f64>,
}

/// CreateApplicationSnapshot.
pub fn create_snapshot(eng: &mut Engine, ctx: &Ctx, input: SnapshotInput) -> R<Empty> {
    let mut row = load(eng, ctx, &input.application_name)?;
    if row.config.v2.snapshots.iter().any(|s| s.name == input.snapshot_name) {
        return Err(KdaError::invalid(format!("Snapshot {} already exists.", input.snapshot_name)));
    }
    row.config.v2.snapshots.push(Snapshot {
        name: input.snapshot_name,
        status: SnapshotStatus::Ready,
        version: row.version,
        created_secs: epoch_secs(eng.now()),
        runtime: row.config.runtime.clone().unwrap_or_else(|| "SQL-1_0".into()),
    });
    record(eng, &mut row, "CreateApplicationSnapshot")?;
    Ok(Empty {})
}

fn find_snapshot<'a>(row: &'a AppRow, name: &str) -> R<&'a Snapshot> {
    row.config
        .v2
        .snapshots
        .iter()
        .find(|s| s.name == name)
        .ok_or_else(|| KdaError::not_found(format!("Snapshot {name} not found.")))
}

fn snapshot_details(s: &Snapshot) -> SnapshotDetails {
    SnapshotDetails {
        snapshot_name: s.name.clone(),
        snapshot_status: s.status,
        application_version_id: s.version,
        snapshot_creation_timestamp: s.created_secs,
        runtime_environment: s.runtime.clone(),
    }
}

/// DescribeApplicationSnapshot.
pub fn describe_snapshot(eng: &mut Engine, ctx: &Ctx, input: SnapshotInput) -> R<SnapshotOutput> {
    let row = load(eng, ctx, &input.application_name)?;
    Ok(SnapshotOutput { snapshot_details: snapshot_details(find_snapshot(&row, &input.snapshot_name)?) })
}

/// DeleteApplicationSnapshot.
pub fn delete_snapshot(eng: &mut Engine, ctx: &Ctx, input: SnapshotInput) -> R<Empty> {
    let mut row = load(eng, ctx, &input.application_name)?;
    let at = find_snapshot(&row, &input.snapshot_name)?.created_secs;
    if input.snapshot_creation_timestamp.is_some_and(|t| (t - at).abs() >= 1.0) {
        return Err(KdaError::invalid("SnapshotCreationTimestamp does not match the snapshot's."));
    }
    row.config.v2.snapshots.retain(|s| s.name != input.snapshot_name);
    record(eng, &mut row, "DeleteApplicationSnapshot")?;
    Ok(Empty {})
}

/// A paged list request naming an application.
#[derive(Debug, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct PagedInput {
    pub application_name: String,
    #[serde(default)]
    pub limit: Option<usize>,
    #[serde(default)]
    pub next_token: Option<String>,
    #[serde(default)]
    pub operation: Option<String>,
    #[serde(default)]
    pub operation_status: Option<String>,
}

/// The page of `items` the request asks for (the token is the index of the first item), and
/// the token of the next page if there is one.
fn page<T>(items: impl ExactSizeIterator<Item = T>, input: &PagedInput) -> (Vec<T>, Option<String>) {
    let start: usize = input.next_token.as_deref().and_then(|t| t.parse().ok()).unwrap_or(0);
    let limit = input.limit.unwrap_or(50);
    let more = items.len() > start + limit;
    (items.skip(start).take(limit).collect(), more.then(|| (start + limit).to_string()))
}

/// ListApplicationSnapshots.
pub fn list_snapshots(eng: &mut Engine, ctx: &Ctx, input: PagedInput) -> R<SnapshotsOutput> {
    let row = load(eng, ctx, &input.application_name)?;
    let (snapshot_summaries, next_token) = page(row.config.v2.snapshots.iter().map(snapshot_details), &input);
    Ok(SnapshotsOutput { snapshot_summaries, next_token })
}

/// ListApplicationOperations.
pub fn list_operations(eng: &mut Engine, ctx: &Ctx, input: PagedInput) -> R<OperationsOutput> {
    let row = load(eng, ctx, &input.application_name)?;
    let infos: Vec<OperationInfo> = row
        .config
        .v2
        .operations
        .iter()
        .rev()
        .filter(|o| input.operation.as_ref().is_none_or(|x| o.operation == *x))
        .filter(|o| input.operation_status.as_ref().is_none_or(|x| o.status.as_str() == x))
        .map(|o| OperationInfo {
            operation: o.operation.clone(),
            operation_id: o.id.clone(),
            start_time: o.start_secs,
            end_time: o.end_secs,
            operation_status: o.status,
        })
        .collect();
    let (application_operation_info_list, next_token) = page(infos.into_iter(), &input);
    Ok(OperationsOutput { application_operation_info_list, next_token })
}

/// `{ApplicationName, OperationId}`.
#[derive(Debug, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct OperationInput {
    pub application_name: String,
    pub operation_id: String,
}

/// DescribeApplicationOperation.
pub fn describe_operation(eng: &mut Engine, ctx: &Ctx, input: OperationInput) -> R<OperationDetailOutput> {
    let row = load(eng, ctx, &input.application_name)?;
    let op = row.config.v2.operations.iter().find(|o| o.id == input.operation_id);
    let op = op.ok_or_else(|| KdaError::not_found(format!("Operation {} not found.", input.operation_id)))?;
    let application_operation_info_details = OperationInfoDetails {
        operation: op.operation.clone(),
        start_time: op.start_secs,
        end_time: op.end_secs,
        operation_status: op.status,
    };
    Ok(OperationDetailOutput { application_operation_info_details })
}

/// ListApplicationVersions: the current version, then the remembered ones, newest first.
pub fn list_versions(eng: &mut Engine, ctx: &Ctx, input: PagedInput) -> R<VersionsOutput> {
    let row = load(eng, ctx, &input.application_name)?;
    let current = VersionSummary { application_version_id: row.version, application_status: row.status.clone() };
    let earlier = row
        .config
        .v2
        .versions
        .iter()
        .rev()
        .map(|v| VersionSummary { application_version_id: v.id, application_status: "READY".into() });
    let all: Vec<VersionSummary> = std::iter::once(current).chain(earlier).collect();
    let (application_version_summaries, next_token) = page(all.into_iter(), &input);
    Ok(VersionsOutput { application_version_summaries, next_token })
}
