//! The streaming SQL engine of Kinesis Data Analytics SQL applications.
//!
//! Pure: no I/O, no clock. [`compile`] turns application code into a [`Program`] (or a
//! [`CodeError`] pointing at the offending line and token); a [`Runtime`] runs it over rows
//! with ROWTIMEs given by the caller and keeps window state that serializes for checkpoints.

mod acc;
mod compile;
mod error;
mod expr;
mod from;
mod functions;
mod items;
mod join;
mod lower;
mod parse;
mod program;
mod runtime;
mod select;
mod tablefn;
mod types;
mod value;

#[cfg(test)]
mod tests;
#[cfg(test)]
mod tests_items;
#[cfg(test)]
mod tests_joins;

pub use compile::compile;
pub use error::{CodeError, RowError};
pub use program::{ColumnDef, Program, StreamDef, StreamKind, ERROR_STREAM};
pub use runtime::{Emitted, Runtime, State};
pub use types::SqlType;
pub use value::{format_timestamp, parse_timestamp, Value};
