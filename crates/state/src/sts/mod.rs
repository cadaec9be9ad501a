//! AWS STS without enforcement: GetCallerIdentity, AssumeRole and GetSessionToken, so tools
//! that ask who they are (terraform's AWS provider without `skip_requesting_account_id`,
//! `aws sts get-caller-identity`) work. Any role can be assumed, and the credentials handed
//! out are accepted like any others.
//!
//! The caller is the account of a 12-digit access key id (else kinesin's account) as
//! `arn:aws:iam::<account>:root`; keys issued by AssumeRole answer as their assumed role for
//! the life of the process ([`Sessions`], in memory beside the store: not stored).

pub mod api;
pub mod credentials;
#[cfg(test)]
mod tests;

use crate::error::StateError;
use crate::Ctx;
use kinesin_protocol::ApiError;
use std::collections::HashMap;

/// The error codes STS answers with.
pub mod codes {
    /// A request member out of bounds (STS's query-era code, not `ValidationException`).
    pub const VALIDATION: &str = "ValidationError";
    /// A store failure.
    pub const INTERNAL: &str = "InternalFailure";
}

/// An STS error: code (one of [`codes`]) and message.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StsError {
    /// The code.
    pub code: &'static str,
    /// The message.
    pub message: String,
}

impl StsError {
    /// `ValidationError`.
    pub fn invalid(message: impl Into<String>) -> Self {
        Self { code: codes::VALIDATION, message: message.into() }
    }
}

impl From<StateError> for StsError {
    fn from(e: StateError) -> Self {
        Self { code: codes::INTERNAL, message: e.to_string() }
    }
}

impl From<StsError> for ApiError {
    fn from(e: StsError) -> Self {
        let status = if e.code == codes::INTERNAL { 500 } else { 400 };
        ApiError::new(e.code, e.message).with_status(status)
    }
}

/// Who calls: the namespace and the access key id the request was signed with.
#[derive(Debug, Clone)]
pub struct Caller {
    /// Account and region.
    pub ctx: Ctx,
    /// The signer's access key id, if the request was signed.
    pub access_key: Option<String>,
}

/// What an issued access key answers to GetCallerIdentity.
#[derive(Debug, Clone)]
pub struct Identity {
    /// `arn:aws:sts::<account>:assumed-role/<role>/<session>`.
    pub arn: String,
    /// `<role id>:<session>`.
    pub user_id: String,
    /// The role's account.
    pub account: String,
}

/// Issued sessions remembered at most (oldest forgotten first is not needed: a full map
/// stops remembering, and later keys answer as the account root).
pub const MAX_SESSIONS: usize = 10_000;

/// The sessions AssumeRole issued, by access key id (an `Engine` field; an operation adds
/// its session last, so a failed job has nothing to undo).
#[derive(Debug, Default)]
pub struct Sessions(HashMap<String, Identity>);

impl Sessions {
    /// The identity an issued key answers as.
    pub fn get(&self, access_key: &str) -> Option<&Identity> {
        self.0.get(access_key)
    }

    /// Remembers an issued key, unless [`MAX_SESSIONS`] are remembered already.
    pub fn insert(&mut self, access_key: String, who: Identity) {
        if self.0.len() < MAX_SESSIONS {
            self.0.insert(access_key, who);
        }
    }
}
