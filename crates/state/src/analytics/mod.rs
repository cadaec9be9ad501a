//! Kinesis Data Analytics: SQL applications (API v1 `kinesisanalytics` and v2
//! `kinesisanalyticsv2`, one store) and the runner that feeds their input streams through the
//! SQL engine of `kinesin-analytics` into their outputs.
//!
//! Operations are plain functions of `(&mut Engine, &Ctx, input)` returning [`KdaError`],
//! declared per API in [`api`]; [`Analytics`] is the server's handle (store and wake-up).

pub mod answers;
pub mod answers_v2;
pub mod api;
pub mod apps;
pub mod backlog;
pub mod changes;
pub mod config;
pub mod discover;
pub mod firehose_input;
pub mod history;
pub mod inspect;
pub mod kinesis_input;
pub mod lambda_output;
pub mod preprocess;
pub mod recent;
pub mod records;
pub mod run;
pub mod settings;
pub mod stored;
pub mod targets;
pub mod v2;
pub mod v2_history;

use crate::db::Db;
use crate::error::StateError;
use crate::Ctx;
use kinesin_protocol::ApiError;
use std::sync::Arc;

/// Kinesis Data Analytics error codes.
pub mod codes {
    /// `InvalidArgumentException`.
    pub const INVALID_ARGUMENT: &str = "InvalidArgumentException";
    /// `ResourceNotFoundException`.
    pub const NOT_FOUND: &str = "ResourceNotFoundException";
    /// `ResourceInUseException`.
    pub const IN_USE: &str = "ResourceInUseException";
    /// `ConcurrentModificationException`.
    pub const CONCURRENT_MODIFICATION: &str = "ConcurrentModificationException";
    /// `CodeValidationException`.
    pub const CODE_VALIDATION: &str = "CodeValidationException";
    /// `InvalidApplicationConfigurationException`.
    pub const INVALID_CONFIGURATION: &str = "InvalidApplicationConfigurationException";
    /// `LimitExceededException`.
    pub const LIMIT_EXCEEDED: &str = "LimitExceededException";
    /// `TooManyTagsException`.
    pub const TOO_MANY_TAGS: &str = "TooManyTagsException";
    /// `UnableToDetectSchemaException`.
    pub const NO_SCHEMA: &str = "UnableToDetectSchemaException";
    /// An internal failure (HTTP 500).
    pub const INTERNAL: &str = "InternalFailure";
}

/// A Kinesis Data Analytics error: AWS's code (one of [`codes`]) and message.
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
        Self::new(codes::INVALID_ARGUMENT, message)
    }
    /// `ResourceNotFoundException`.
    pub fn not_found(message: impl Into<String>) -> Self {
        Self::new(codes::NOT_FOUND, message)
    }
    /// `ResourceInUseException`.
    pub fn in_use(message: impl Into<String>) -> Self {
        Self::new(codes::IN_USE, message)
    }
    /// `ConcurrentModificationException`.
    pub fn concurrent(message: impl Into<String>) -> Self {
        Self::new(codes::CONCURRENT_MODIFICATION, message)
    }
    /// `CodeValidationException`.
    pub fn code(message: impl Into<String>) -> Self {
        Self::new(codes::CODE_VALIDATION, message)
    }
    /// `InvalidApplicationConfigurationException`.
    pub fn configuration(message: impl Into<String>) -> Self {
        Self::new(codes::INVALID_CONFIGURATION, message)
    }
    /// `LimitExceededException`.
    pub fn limit(message: impl Into<String>) -> Self {
        Self::new(codes::LIMIT_EXCEEDED, message)
    }
    /// `TooManyTagsException`.
    pub fn too_many_tags(message: impl Into<String>) -> Self {
        Self::new(codes::TOO_MANY_TAGS, message)
    }
    /// `UnableToDetectSchemaException`.
    pub fn no_schema(message: impl Into<String>) -> Self {
        Self::new(codes::NO_SCHEMA, message)
    }
    /// An internal failure (HTTP 500).
    pub fn internal(message: impl Into<String>) -> Self {
        Self::new(codes::INTERNAL, message)
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

impl From<KdaError> for ApiError {
    fn from(e: KdaError) -> Self {
        let status = if e.code == codes::INTERNAL { 500 } else { 400 };
        ApiError::new(e.code, e.message).with_status(status)
    }
}

/// Kinesis Data Analytics in the server: the store and the runner's wake-up.
#[derive(Clone)]
pub struct Analytics {
    db: Db,
    wake: Arc<tokio::sync::Notify>,
    recent: Arc<recent::Recent>,
}

impl Analytics {
    /// Analytics over a started store.
    pub fn new(db: Db) -> Self {
        Self { db, wake: Arc::new(tokio::sync::Notify::new()), recent: Arc::default() }
    }

    /// What the runner noted of running applications (for the console).
    pub fn recent(&self) -> &Arc<recent::Recent> {
        &self.recent
    }

    /// The store.
    pub fn db(&self) -> &Db {
        &self.db
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
mod history_tests;
#[cfg(test)]
mod tests;
