//! Domain errors of the state layer and their one mapping to the wire error.

use kinesin_protocol::ApiError;

/// Errors of the state layer; each carries the message AWS would send.
#[derive(Debug, thiserror::Error)]
pub enum StateError {
    /// `ResourceNotFoundException`.
    #[error("{0}")]
    NotFound(String),
    /// `ResourceInUseException`.
    #[error("{0}")]
    InUse(String),
    /// `InvalidArgumentException`.
    #[error("{0}")]
    InvalidArgument(String),
    /// `LimitExceededException`.
    #[error("{0}")]
    LimitExceeded(String),
    /// `ExpiredIteratorException`.
    #[error("{0}")]
    ExpiredIterator(String),
    /// `ExpiredNextTokenException`.
    #[error("{0}")]
    ExpiredNextToken(String),
    /// `ProvisionedThroughputExceededException`.
    #[error("{0}")]
    Throughput(String),
    /// `ValidationException` raised by domain rules.
    #[error("{0}")]
    Validation(String),
    /// SQLite or file-system failure.
    #[error("storage error: {0}")]
    Storage(String),
    /// The store thread is gone.
    #[error("the store is closed")]
    Closed,
}

impl From<rusqlite::Error> for StateError {
    fn from(e: rusqlite::Error) -> Self {
        StateError::Storage(e.to_string())
    }
}

impl From<StateError> for ApiError {
    fn from(e: StateError) -> Self {
        let code = match &e {
            StateError::NotFound(_) => "ResourceNotFoundException",
            StateError::InUse(_) => "ResourceInUseException",
            StateError::InvalidArgument(_) => "InvalidArgumentException",
            StateError::LimitExceeded(_) => "LimitExceededException",
            StateError::ExpiredIterator(_) => "ExpiredIteratorException",
            StateError::ExpiredNextToken(_) => "ExpiredNextTokenException",
            StateError::Throughput(_) => "ProvisionedThroughputExceededException",
            StateError::Validation(_) => "ValidationException",
            StateError::Storage(_) | StateError::Closed => return ApiError::internal(e.to_string()),
        };
        ApiError::new(code, e.to_string())
    }
}
