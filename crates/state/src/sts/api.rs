//! AWS STS as a [`Service`] (query protocol, `https://sts.amazonaws.com/doc/2011-06-15/`):
//! its table of operations and its validation, worded as STS words it.

use super::credentials::{self, parse_role_arn};
use super::{Caller, StsError};
use crate::service::Service;
use kinesin_protocol::model::{self, Model};
use kinesin_protocol::sts::*;
use kinesin_protocol::ApiError;
use serde_json::Value;

/// AWS STS.
#[derive(Debug, Clone, Copy)]
pub struct StsApi;

/// STS operations wake nothing.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum StsEffect {}

impl Service for StsApi {
    type Caller = Caller;
    type Error = StsError;
    type Effect = StsEffect;

    fn model() -> &'static Model {
        model::sts()
    }

    /// STS's own checks, in its order and words (`ValidationError`), not the model's
    /// generic ones.
    fn validate(operation: &str, doc: &mut Value) -> Result<(), ApiError> {
        let checked = match operation {
            "AssumeRole" => check_assume_role(doc),
            "GetSessionToken" => check_duration(doc, credentials::SESSION_TOKEN_MAX_SECS),
            _ => Ok(()),
        };
        checked.map_err(ApiError::from)
    }
}

fn check_assume_role(doc: &Value) -> Result<(), StsError> {
    let required = |name: &str| doc[name].as_str().ok_or_else(|| StsError::invalid(format!("{name} is required")));
    let role_arn = required("RoleArn")?;
    let session = required("RoleSessionName")?;
    let name_ok = (2..=64).contains(&session.len())
        && session.chars().all(|c| c.is_ascii_alphanumeric() || "_+=,.@-".contains(c));
    if !name_ok {
        return Err(StsError::invalid(format!(
            "1 validation error detected: Value '{session}' at 'roleSessionName' failed to satisfy constraint: \
             Member must satisfy regular expression pattern: [\\w+=,.@-]*"
        )));
    }
    parse_role_arn(role_arn)?;
    check_duration(doc, credentials::ROLE_MAX_SECS)
}

/// `DurationSeconds`, if given, is a number within `MIN_SECS..=max`.
fn check_duration(doc: &Value, max: i64) -> Result<(), StsError> {
    let secs = match &doc["DurationSeconds"] {
        Value::Null => return Ok(()),
        Value::Number(n) if n.is_i64() => n.as_i64().unwrap_or_default(),
        other => {
            let raw = other.as_str().map_or_else(|| other.to_string(), str::to_string);
            return Err(StsError::invalid(format!("DurationSeconds {raw:?} is not a number")));
        }
    };
    let min = credentials::MIN_SECS;
    if !(min..=max).contains(&secs) {
        let (bound, value) =
            if secs < min { ("greater than or equal to", min) } else { ("less than or equal to", max) };
        return Err(StsError::invalid(format!(
            "1 validation error detected: Value '{secs}' at 'durationSeconds' failed to satisfy constraint: \
             Member must have value {bound} {value}"
        )));
    }
    Ok(())
}

crate::operations! {
    service StsApi;
    AssumeRole(AssumeRoleInput) -> AssumeRoleOutput = credentials::assume_role;
    GetCallerIdentity(GetCallerIdentityInput) -> GetCallerIdentityOutput = credentials::get_caller_identity;
    GetSessionToken(GetSessionTokenInput) -> GetSessionTokenOutput = credentials::get_session_token;
}
