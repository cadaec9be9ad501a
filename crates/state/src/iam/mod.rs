//! IAM without enforcement: roles (assume-role policy, inline policies, attached managed
//! policies, tags) and customer managed policies (versions, tags), kept so that tools which
//! create them (terraform's `aws_iam_role`, `aws_iam_role_policy`, `aws_iam_policy`,
//! `aws_iam_role_policy_attachment`) read back what they wrote. Nothing is checked against
//! these policies. IAM is global: resources belong to an account, not a region.
//!
//! AWS managed policies (`arn:aws:iam::aws:policy/...`) can be attached without existing
//! here (kinesin does not carry AWS's catalogue).

pub mod api;
pub mod policies;
pub mod role_policies;
pub mod roles;
mod store;
#[cfg(test)]
mod tests;
pub mod versions;

use crate::error::StateError;
use kinesin_protocol::ApiError;

/// The error codes IAM answers with.
pub mod codes {
    /// A role, policy, inline policy or version that does not exist (404).
    pub const NO_SUCH_ENTITY: &str = "NoSuchEntity";
    /// A name already taken (409).
    pub const ENTITY_ALREADY_EXISTS: &str = "EntityAlreadyExists";
    /// Deleting something still in use (409).
    pub const DELETE_CONFLICT: &str = "DeleteConflict";
    /// More policy versions than IAM allows (409).
    pub const LIMIT_EXCEEDED: &str = "LimitExceeded";
    /// A request member missing or out of bounds (IAM's query-era code, 400).
    pub const VALIDATION: &str = "ValidationError";
    /// A store failure (500).
    pub const SERVICE_FAILURE: &str = "ServiceFailure";
}

/// An IAM error: code (one of [`codes`]) and message; the HTTP status follows the code.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IamError {
    /// The code.
    pub code: &'static str,
    /// The message.
    pub message: String,
}

impl IamError {
    /// An error with `code`.
    pub fn new(code: &'static str, message: impl Into<String>) -> Self {
        Self { code, message: message.into() }
    }

    /// `ValidationError`.
    pub fn invalid(message: impl Into<String>) -> Self {
        Self::new(codes::VALIDATION, message)
    }

    /// `NoSuchEntity`.
    pub fn no_such_entity(message: impl Into<String>) -> Self {
        Self::new(codes::NO_SUCH_ENTITY, message)
    }

    /// `ValidationError` for a required member the request lacks (`RoleName` is worded
    /// `roleName`).
    pub fn missing(member: &str) -> Self {
        let mut camel = member.to_string();
        camel[..1].make_ascii_lowercase();
        Self::invalid(format!(
            "1 validation error detected: Value null at '{camel}' failed to satisfy constraint: Member must not be null"
        ))
    }

    /// The HTTP status IAM answers the code with.
    pub fn status(&self) -> u16 {
        match self.code {
            codes::NO_SUCH_ENTITY => 404,
            codes::ENTITY_ALREADY_EXISTS | codes::DELETE_CONFLICT | codes::LIMIT_EXCEEDED => 409,
            codes::VALIDATION => 400,
            _ => 500,
        }
    }
}

impl From<StateError> for IamError {
    fn from(e: StateError) -> Self {
        Self::new(codes::SERVICE_FAILURE, e.to_string())
    }
}

impl From<rusqlite::Error> for IamError {
    fn from(e: rusqlite::Error) -> Self {
        Self::new(codes::SERVICE_FAILURE, e.to_string())
    }
}

impl From<serde_json::Error> for IamError {
    fn from(e: serde_json::Error) -> Self {
        Self::new(codes::SERVICE_FAILURE, e.to_string())
    }
}

impl From<IamError> for ApiError {
    fn from(e: IamError) -> Self {
        let status = e.status();
        ApiError::new(e.code, e.message).with_status(status)
    }
}
