//! AWS STS inputs and outputs (botocore `sts` 2011-06-15), the members kinesin serves, named
//! as the model names them; members are written in the order STS answers have always had
//! here. Timestamps are epoch seconds, written as ISO 8601 by [`crate::query`].

use serde::{Deserialize, Serialize};

/// `GetCallerIdentityRequest` (no members).
#[derive(Debug, Clone, Default, Deserialize)]
pub struct GetCallerIdentityInput {}

/// `GetCallerIdentityResponse`.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct GetCallerIdentityOutput {
    pub arn: String,
    pub user_id: String,
    pub account: String,
}

/// `AssumeRoleRequest`: the members kinesin reads (policies, tags and MFA are accepted and
/// not kept).
#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct AssumeRoleInput {
    pub role_arn: String,
    pub role_session_name: String,
    #[serde(default)]
    pub duration_seconds: Option<i64>,
}

/// `AssumeRoleResponse`.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct AssumeRoleOutput {
    pub assumed_role_user: AssumedRoleUser,
    pub credentials: Credentials,
    pub packed_policy_size: i64,
}

/// `AssumedRoleUser`.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct AssumedRoleUser {
    pub arn: String,
    pub assumed_role_id: String,
}

/// `Credentials`.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct Credentials {
    pub access_key_id: String,
    pub secret_access_key: String,
    pub session_token: String,
    /// Whole epoch seconds.
    pub expiration: f64,
}

/// `GetSessionTokenRequest`: the members kinesin reads (MFA is accepted and not checked).
#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct GetSessionTokenInput {
    #[serde(default)]
    pub duration_seconds: Option<i64>,
}

/// `GetSessionTokenResponse`.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct GetSessionTokenOutput {
    pub credentials: Credentials,
}
