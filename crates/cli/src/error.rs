//! The CLI's errors.

use serde_json::Value;

/// Everything a subcommand can fail with.
#[derive(Debug, thiserror::Error)]
pub enum CliError {
    /// The service answered with an error.
    #[error("{code}: {message} (HTTP {status})")]
    Aws {
        /// HTTP status.
        status: u16,
        /// The error code (`__type` without its namespace).
        code: String,
        /// The message.
        message: String,
    },
    /// The request could not be sent or its answer read.
    #[error("{0}")]
    Http(String),
    /// Bad arguments or input.
    #[error("{0}")]
    Usage(String),
    /// A local file or stream failed.
    #[error("{0}")]
    Io(#[from] std::io::Error),
}

impl CliError {
    /// An AWS error from a JSON error body (or the raw body when it is not JSON).
    pub fn aws(status: u16, body: &Value, raw: &[u8]) -> CliError {
        let code = body.get("__type").and_then(Value::as_str).unwrap_or("");
        let code = code.rsplit('#').next().unwrap_or(code);
        let message = body
            .get("message")
            .or_else(|| body.get("Message"))
            .and_then(Value::as_str)
            .map(str::to_string)
            .unwrap_or_else(|| String::from_utf8_lossy(&raw[..raw.len().min(300)]).into_owned());
        CliError::Aws { status, code: code.to_string(), message }
    }

    /// The error code when the service answered with one.
    pub fn code(&self) -> Option<&str> {
        match self {
            CliError::Aws { code, .. } => Some(code),
            _ => None,
        }
    }
}
