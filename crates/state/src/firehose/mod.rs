//! Amazon Data Firehose: delivery streams, the durable record buffer and the delivery
//! engine that turns buffers into S3 objects, run on the store thread.
//!
//! Each operation is a plain function of `(&mut Engine, &Ctx, input)` returning
//! [`FhError`] (Firehose has error codes the shared `StateError` does not know, such as
//! `ConcurrentModificationException`); [`Firehose`] is the async facade the server uses.

pub mod batch;
pub mod delivery;
pub mod dest_http;
pub mod dest_kind;
pub mod dest_opensearch;
pub mod dest_redshift;
pub mod dest_splunk;
pub mod destination;
pub mod keys;
pub mod kpl;
pub mod records;
pub mod source;
pub mod streams;

use crate::db::{Db, Engine};
use crate::error::StateError;
use crate::Ctx;
use kinesin_protocol::ApiError;
use std::sync::Arc;

/// The destination id of every stream's single destination.
pub const DESTINATION_ID: &str = "destinationId-000000000001";

/// A Firehose error: AWS's code and message.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FhError {
    /// AWS error code, e.g. `ResourceNotFoundException`.
    pub code: &'static str,
    /// The message.
    pub message: String,
}

impl FhError {
    /// `InvalidArgumentException`.
    pub fn invalid(message: impl Into<String>) -> Self {
        Self { code: "InvalidArgumentException", message: message.into() }
    }
    /// `ResourceNotFoundException`.
    pub fn not_found(message: impl Into<String>) -> Self {
        Self { code: "ResourceNotFoundException", message: message.into() }
    }
    /// `ResourceInUseException`.
    pub fn in_use(message: impl Into<String>) -> Self {
        Self { code: "ResourceInUseException", message: message.into() }
    }
    /// `LimitExceededException`.
    pub fn limit(message: impl Into<String>) -> Self {
        Self { code: "LimitExceededException", message: message.into() }
    }
    /// `ConcurrentModificationException`.
    pub fn concurrent(message: impl Into<String>) -> Self {
        Self { code: "ConcurrentModificationException", message: message.into() }
    }
    /// An internal failure (HTTP 500).
    pub fn internal(message: impl Into<String>) -> Self {
        Self { code: "InternalFailure", message: message.into() }
    }
}

impl std::fmt::Display for FhError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}: {}", self.code, self.message)
    }
}

impl std::error::Error for FhError {}

impl From<rusqlite::Error> for FhError {
    fn from(e: rusqlite::Error) -> Self {
        FhError::internal(e.to_string())
    }
}

impl From<StateError> for FhError {
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

impl From<FhError> for ApiError {
    fn from(e: FhError) -> Self {
        let status = if e.code == "InternalFailure" { 500 } else { 400 };
        ApiError::new(e.code, e.message).with_status(status)
    }
}

/// Runs `op` in its own savepoint: its writes are undone when it fails.
pub fn run_op<I, O>(
    eng: &mut Engine,
    ctx: &Ctx,
    input: I,
    op: fn(&mut Engine, &Ctx, I) -> Result<O, FhError>,
) -> Result<O, FhError> {
    eng.conn.execute_batch("SAVEPOINT firehose_op")?;
    let out = op(eng, ctx, input);
    if out.is_err() {
        eng.conn.execute_batch("ROLLBACK TO firehose_op")?;
    }
    eng.conn.execute_batch("RELEASE firehose_op")?;
    out
}

/// The async face of Firehose for the server.
#[derive(Clone)]
pub struct Firehose {
    db: Db,
    wake: Arc<tokio::sync::Notify>,
    source_wake: Arc<tokio::sync::Notify>,
}

impl Firehose {
    /// Firehose over a started store.
    pub fn new(db: Db) -> Self {
        Self { db, wake: Arc::new(tokio::sync::Notify::new()), source_wake: Arc::new(tokio::sync::Notify::new()) }
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
        op: fn(&mut Engine, &Ctx, I) -> Result<O, FhError>,
    ) -> Result<O, FhError>
    where
        I: Send + 'static,
        O: Send + 'static,
    {
        self.db.call(move |eng| Ok(run_op(eng, &ctx, input, op))).await?
    }

    /// Wakes the delivery task and the source pump (after puts, creations, updates, clock
    /// changes).
    pub fn wake(&self) {
        self.wake.notify_one();
        self.source_wake.notify_one();
    }

    /// Wakes the delivery task only (after the source pump buffered records).
    pub fn wake_delivery(&self) {
        self.wake.notify_one();
    }

    /// Waits until [`Firehose::wake`] is called (the source pump's wake-up).
    pub async fn source_woken(&self) {
        self.source_wake.notified().await
    }

    /// Waits until [`Firehose::wake`] is called.
    pub async fn woken(&self) {
        self.wake.notified().await
    }
}

/// The message AWS gives for a missing delivery stream.
pub fn not_found(ctx: &Ctx, name: &str) -> FhError {
    FhError::not_found(format!("Firehose {name} under account {} not found.", ctx.account))
}

/// `arn:aws:firehose:<region>:<account>:deliverystream/<name>`.
pub fn arn(ctx: &Ctx, name: &str) -> String {
    format!("arn:aws:firehose:{}:{}:deliverystream/{name}", ctx.region, ctx.account)
}

#[cfg(test)]
mod tests;
