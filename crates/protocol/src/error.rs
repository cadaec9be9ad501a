//! The one error type every protocol renders: an AWS error code and message.

use std::fmt;

/// An error answered to a client: AWS's `__type` code, its message and the HTTP status.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ApiError {
    /// AWS error code, e.g. `ResourceNotFoundException`.
    pub code: String,
    /// Human-readable message, worded as AWS words it.
    pub message: String,
    /// HTTP status code.
    pub status: u16,
}

impl ApiError {
    /// A 400 error with the given code and message.
    pub fn new(code: impl Into<String>, message: impl Into<String>) -> Self {
        Self { code: code.into(), message: message.into(), status: 400 }
    }

    /// The same error with another HTTP status.
    pub fn with_status(mut self, status: u16) -> Self {
        self.status = status;
        self
    }

    /// `SerializationException`: the body could not be read as the operation's input.
    pub fn serialization(message: impl Into<String>) -> Self {
        Self::new("SerializationException", message)
    }

    /// `ValidationException` with AWS's "N validation error(s) detected: ..." message.
    /// AWS reports at most 10 errors and counts only those it reports.
    pub fn validation(errors: &[String]) -> Self {
        let errors = &errors[..errors.len().min(10)];
        let n = errors.len();
        let noun = if n == 1 { "error" } else { "errors" };
        Self::new("ValidationException", format!("{n} validation {noun} detected: {}", errors.join("; ")))
    }

    /// `InvalidArgumentException` with the given message.
    pub fn invalid_argument(message: impl Into<String>) -> Self {
        Self::new("InvalidArgumentException", message)
    }

    /// `InternalFailure` (HTTP 500).
    pub fn internal(message: impl Into<String>) -> Self {
        Self::new("InternalFailure", message).with_status(500)
    }

    /// The AWS JSON body: `{"__type": code, "message": message}`.
    /// AWS capitalises the key for `SerializationException` and omits an empty message.
    pub fn to_json(&self) -> serde_json::Value {
        let mut body = serde_json::Map::new();
        body.insert("__type".into(), self.code.clone().into());
        if !self.message.is_empty() {
            let key = if self.code == "SerializationException" { "Message" } else { "message" };
            body.insert(key.into(), self.message.clone().into());
        }
        serde_json::Value::Object(body)
    }
}

impl fmt::Display for ApiError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.code, self.message)
    }
}

impl std::error::Error for ApiError {}
