//! What API v2 keeps of an application's history in its stored configuration: snapshots,
//! operations and earlier versions. Rows stored before these were typed kept the answers'
//! documents (PascalCase members; a version as an `[id, configuration]` pair); the aliases
//! (and serde's reading of a struct from a sequence) load them.

use serde::{Deserialize, Serialize};

/// `SnapshotStatus`: kinesin takes a snapshot at once.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum SnapshotStatus {
    Ready,
}

/// `OperationStatus`: kinesin completes an operation at once.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum OperationStatus {
    Successful,
}

impl OperationStatus {
    /// The model's spelling.
    pub fn as_str(self) -> &'static str {
        match self {
            OperationStatus::Successful => "SUCCESSFUL",
        }
    }
}

/// A snapshot.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Snapshot {
    #[serde(alias = "SnapshotName")]
    pub name: String,
    #[serde(alias = "SnapshotStatus")]
    pub status: SnapshotStatus,
    /// The application version it was taken of.
    #[serde(alias = "ApplicationVersionId")]
    pub version: i64,
    /// When it was taken (epoch seconds).
    #[serde(alias = "SnapshotCreationTimestamp")]
    pub created_secs: f64,
    #[serde(alias = "RuntimeEnvironment")]
    pub runtime: String,
}

/// An operation (StartApplication, UpdateApplication, ...).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct OperationRecord {
    /// The operation's name.
    #[serde(alias = "Operation")]
    pub operation: String,
    #[serde(alias = "OperationId")]
    pub id: String,
    /// Start and end (epoch seconds).
    #[serde(alias = "StartTime")]
    pub start_secs: f64,
    #[serde(alias = "EndTime")]
    pub end_secs: f64,
    #[serde(alias = "OperationStatus")]
    pub status: OperationStatus,
}

/// An earlier version: its id and configuration `C` (an `AppConfig` without history).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SavedVersion<C> {
    pub id: i64,
    pub config: C,
}
