//! Amazon Data Firehose: delivery streams, the durable record buffer and the delivery
//! engine that turns buffers into S3 objects, run on the store thread.
//!
//! Each operation is a plain function of `(&mut Engine, &Ctx, input)` returning
//! [`FhError`] (Firehose has error codes the shared `StateError` does not know, such as
//! `ConcurrentModificationException`), declared in [`api`]; [`Firehose`] holds the wake-ups
//! of the background tasks.

pub mod api;
pub mod batch;
pub mod delivery;
pub mod dest_http;
pub mod dest_kind;
pub mod dest_opensearch;
pub mod dest_redshift;
pub mod dest_spec;
pub mod dest_splunk;
pub mod destination;
pub mod keys;
pub mod kpl;
pub mod recent;
pub mod records;
pub mod source;
pub mod stream_row;
pub mod streams;
pub mod taps;

use crate::db::Db;
use crate::error::StateError;
use crate::Ctx;
use kinesin_protocol::ApiError;
use std::sync::Arc;

/// The destination id of every stream's single destination.
pub const DESTINATION_ID: &str = "destinationId-000000000001";

/// Firehose's error codes (the model's error shapes kinesin raises).
pub mod codes {
    /// `InvalidArgumentException`.
    pub const INVALID_ARGUMENT: &str = "InvalidArgumentException";
    /// `ResourceNotFoundException`.
    pub const NOT_FOUND: &str = "ResourceNotFoundException";
    /// `ResourceInUseException`.
    pub const IN_USE: &str = "ResourceInUseException";
    /// `LimitExceededException`.
    pub const LIMIT_EXCEEDED: &str = "LimitExceededException";
    /// `ConcurrentModificationException`.
    pub const CONCURRENT_MODIFICATION: &str = "ConcurrentModificationException";
    /// An internal failure (HTTP 500).
    pub const INTERNAL: &str = "InternalFailure";
}

/// A Firehose error: AWS's code (one of [`codes`]) and message.
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
        Self { code: codes::INVALID_ARGUMENT, message: message.into() }
    }
    /// `ResourceNotFoundException`.
    pub fn not_found(message: impl Into<String>) -> Self {
        Self { code: codes::NOT_FOUND, message: message.into() }
    }
    /// `ResourceInUseException`.
    pub fn in_use(message: impl Into<String>) -> Self {
        Self { code: codes::IN_USE, message: message.into() }
    }
    /// `LimitExceededException`.
    pub fn limit(message: impl Into<String>) -> Self {
        Self { code: codes::LIMIT_EXCEEDED, message: message.into() }
    }
    /// `ConcurrentModificationException`.
    pub fn concurrent(message: impl Into<String>) -> Self {
        Self { code: codes::CONCURRENT_MODIFICATION, message: message.into() }
    }
    /// An internal failure (HTTP 500).
    pub fn internal(message: impl Into<String>) -> Self {
        Self { code: codes::INTERNAL, message: message.into() }
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

/// Shared domain errors (from stream and store helpers) under Firehose's codes; those
/// Firehose has no code for are internal failures.
impl From<StateError> for FhError {
    fn from(e: StateError) -> Self {
        let code = match &e {
            StateError::NotFound(_) => codes::NOT_FOUND,
            StateError::InUse(_) => codes::IN_USE,
            StateError::InvalidArgument(_) => codes::INVALID_ARGUMENT,
            StateError::LimitExceeded(_) => codes::LIMIT_EXCEEDED,
            _ => codes::INTERNAL,
        };
        Self { code, message: e.to_string() }
    }
}

impl From<FhError> for ApiError {
    fn from(e: FhError) -> Self {
        let status = if e.code == codes::INTERNAL { 500 } else { 400 };
        ApiError::new(e.code, e.message).with_status(status)
    }
}

/// The async face of Firehose for the server.
#[derive(Clone)]
pub struct Firehose {
    db: Db,
    wake: Arc<tokio::sync::Notify>,
    source_wake: Arc<tokio::sync::Notify>,
    readers_wake: Arc<tokio::sync::Notify>,
    recent: Arc<recent::Recent>,
}

impl Firehose {
    /// Firehose over a started store.
    pub fn new(db: Db) -> Self {
        let notify = || Arc::new(tokio::sync::Notify::new());
        Self { db, wake: notify(), source_wake: notify(), readers_wake: notify(), recent: Arc::default() }
    }

    /// The latest delivery attempts of each delivery stream (this run).
    pub fn recent(&self) -> &recent::Recent {
        &self.recent
    }

    /// The store.
    pub fn db(&self) -> &Db {
        &self.db
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

    /// Wakes what reads records as they reach delivery streams (Analytics applications).
    pub fn wake_readers(&self) {
        self.readers_wake.notify_one();
    }

    /// Waits until [`Firehose::wake_readers`] is called.
    pub async fn readers_woken(&self) {
        self.readers_wake.notified().await
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
