//! kinesin's state, kept in SQLite, and the domain logic of every service (Kinesis, SQS,
//! Firehose, Pipes, Kinesis Data Analytics, S3, IAM), run on one store thread ([`db`]); the
//! service contract the server runs them through ([`service`]). Knows nothing of HTTP; every
//! operation takes typed input and returns typed output.

pub mod analytics;
pub mod backoff;
pub mod clock;
pub mod db;
pub mod error;
pub mod firehose;
pub mod iam;
pub mod inventory;
pub mod kinesis;
pub mod memo;
pub mod perms;
pub mod pipes;
pub mod s3;
pub mod service;
pub mod sqs;
pub mod sts;

pub use clock::{Clock, ManualClock, SystemClock};
pub use db::{run_op, Db, Engine, Settings, Storage};
pub use error::StateError;

/// Who is calling: the namespace of every resource.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Ctx {
    /// 12-digit account id.
    pub account: String,
    /// Region name.
    pub region: String,
}

impl Ctx {
    /// A context for `account` in `region`.
    pub fn new(account: impl Into<String>, region: impl Into<String>) -> Self {
        Self { account: account.into(), region: region.into() }
    }
}
