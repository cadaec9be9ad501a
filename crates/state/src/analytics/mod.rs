//! Kinesis Data Analytics: SQL applications (API v1 `kinesisanalytics` and v2
//! `kinesisanalyticsv2`, one store) and the runner that feeds their input streams through the
//! SQL engine of `kinesin-analytics` into their outputs.
//!
//! Operations are plain functions of `(&mut Engine, &Ctx, input)` returning [`KdaError`];
//! [`Analytics`] is the async facade the server uses.

pub mod apps;
pub mod changes;
pub mod config;
pub mod discover;
pub mod records;
pub mod run;
pub mod v2;

use crate::db::{Db, Engine};
use crate::error::StateError;
use crate::Ctx;
use kinesin_protocol::ApiError;
use std::sync::Arc;

/// A Kinesis Data Analytics error: AWS's code and message.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct KdaError {
    /// AWS error code, e.g. `ResourceNotFoundException`.
    pub code: &'static str,
    /// The message.
    pub message: String,
}

impl KdaError {
    fn new(code: &'static str, message: impl Into<String>) -> Self {
        Self { code, message: message.into() }
    }
    /// `InvalidArgumentException`.
    pub fn invalid(message: impl Into<String>) -> Self {
        Self::new("InvalidArgumentException", message)
    }
    /// `ResourceNotFoundException`.
    pub fn not_found(message: impl Into<String>) -> Self {
        Self::new("ResourceNotFoundException", message)
    }
    /// `ResourceInUseException`.
    pub fn in_use(message: impl Into<String>) -> Self {
        Self::new("ResourceInUseException", message)
    }
    /// `ConcurrentModificationException`.
    pub fn concurrent(message: impl Into<String>) -> Self {
        Self::new("ConcurrentModificationException", message)
    }
    /// `CodeValidationException`.
    pub fn code(message: impl Into<String>) -> Self {
        Self::new("CodeValidationException", message)
    }
    /// `InvalidApplicationConfigurationException`.
    pub fn configuration(message: impl Into<String>) -> Self {
        Self::new("InvalidApplicationConfigurationException", message)
    }
    /// `LimitExceededException`.
    pub fn limit(message: impl Into<String>) -> Self {
        Self::new("LimitExceededException", message)
    }
    /// `TooManyTagsException`.
    pub fn too_many_tags(message: impl Into<String>) -> Self {
        Self::new("TooManyTagsException", message)
    }
    /// `UnableToDetectSchemaException`.
    pub fn no_schema(message: impl Into<String>) -> Self {
        Self::new("UnableToDetectSchemaException", message)
    }
    /// An internal failure (HTTP 500).
    pub fn internal(message: impl Into<String>) -> Self {
        Self::new("InternalFailure", message)
    }
}

impl std::fmt::Display for KdaError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}: {}", self.code, self.message)
    }
}

impl std::error::Error for KdaError {}

impl From<rusqlite::Error> for KdaError {
    fn from(e: rusqlite::Error) -> Self {
        KdaError::internal(e.to_string())
    }
}

impl From<serde_json::Error> for KdaError {
    fn from(e: serde_json::Error) -> Self {
        KdaError::internal(e.to_string())
    }
}

impl From<StateError> for KdaError {
    fn from(e: StateError) -> Self {
        let api = ApiError::from(e);
        let code = match api.code.as_str() {
            "ResourceNotFoundException" => "ResourceNotFoundException",
            "ResourceInUseException" => "ResourceInUseException",
            "InvalidArgumentException" => "InvalidArgumentException",
            "LimitExceededException" => "LimitExceededException",
            _ => "InternalFailure",
        };
        Self { code, message: api.message }
    }
}

impl From<KdaError> for ApiError {
    fn from(e: KdaError) -> Self {
        let status = if e.code == "InternalFailure" { 500 } else { 400 };
        ApiError::new(e.code, e.message).with_status(status)
    }
}

/// Runs `op` in its own savepoint: its writes are undone when it fails.
pub fn run_op<I, O>(
    eng: &mut Engine,
    ctx: &Ctx,
    input: I,
    op: fn(&mut Engine, &Ctx, I) -> Result<O, KdaError>,
) -> Result<O, KdaError> {
    eng.conn.execute_batch("SAVEPOINT kda_op")?;
    let out = op(eng, ctx, input);
    if out.is_err() {
        eng.conn.execute_batch("ROLLBACK TO kda_op")?;
    }
    eng.conn.execute_batch("RELEASE kda_op")?;
    out
}

/// The async face of Kinesis Data Analytics for the server.
#[derive(Clone)]
pub struct Analytics {
    db: Db,
    wake: Arc<tokio::sync::Notify>,
}

impl Analytics {
    /// Analytics over a started store.
    pub fn new(db: Db) -> Self {
        Self { db, wake: Arc::new(tokio::sync::Notify::new()) }
    }

    /// The store.
    pub fn db(&self) -> &Db {
        &self.db
    }

    /// Runs an operation on the store thread.
    pub async fn run<I, O>(
        &self,
        ctx: Ctx,
        input: I,
        op: fn(&mut Engine, &Ctx, I) -> Result<O, KdaError>,
    ) -> Result<O, KdaError>
    where
        I: Send + 'static,
        O: Send + 'static,
    {
        self.db.call(move |eng| run_op(eng, &ctx, input, op)).await
    }

    /// Wakes the runner (after a start, stop, update or clock change).
    pub fn wake(&self) {
        self.wake.notify_one();
    }

    /// Waits until [`Analytics::wake`] is called.
    pub async fn woken(&self) {
        self.wake.notified().await
    }
}

/// `arn:aws:kinesisanalytics:<region>:<account>:application/<name>`.
pub fn arn(ctx: &Ctx, name: &str) -> String {
    format!("arn:aws:kinesisanalytics:{}:{}:application/{name}", ctx.region, ctx.account)
}

#[cfg(test)]
mod tests;
