//! Errors of the engine: refused application code, and per-row evaluation errors.

use sqlparser::ast::Spanned;
use sqlparser::tokenizer::Location;
use std::fmt;

/// Application code that does not compile, with the position of the offending token.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub struct CodeError {
    /// What is wrong.
    pub message: String,
    /// 1-based line of the offending token.
    pub line: u64,
    /// 1-based column of the offending token.
    pub column: u64,
}

impl CodeError {
    /// An error at a location of the code.
    pub fn new(message: &str, at: Location) -> CodeError {
        CodeError { message: message.to_string(), line: at.line.max(1), column: at.column.max(1) }
    }
}

/// A [`CodeError`] at the start of `node`.
pub(crate) fn at<T: Spanned>(node: &T, message: &str) -> CodeError {
    CodeError::new(message, node.span().start)
}

impl fmt::Display for CodeError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // AWS's exact wording for SQL errors is not published; the position is given the
        // way SQLstream reports it.
        write!(f, "SQL error at line {}, column {}: {}", self.line, self.column, self.message)
    }
}

/// A row that could not be evaluated or coerced: it goes to the `error_stream`.
#[derive(Debug, Clone, PartialEq)]
pub struct RowError {
    /// `ERROR_NAME` (e.g. `Type conversion error`).
    pub name: &'static str,
    /// `MESSAGE`.
    pub message: String,
}

impl RowError {
    /// A type conversion (cast/coercion) failure.
    pub fn conversion(message: String) -> RowError {
        RowError { name: "Type conversion error", message }
    }

    /// Any other evaluation failure.
    pub fn eval(message: impl Into<String>) -> RowError {
        RowError { name: "Evaluation error", message: message.into() }
    }
}
