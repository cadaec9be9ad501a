//! kinesin's wire formats: routing keys, request decoding, model-driven validation,
//! typed shapes and the AWS error shape. No I/O, no state, no HTTP server.

pub mod cbor;
pub mod civil;
pub mod error;
pub mod eventstream;
pub mod firehose;
pub mod iam;
pub mod json;
pub mod kinesis;
pub mod model;
pub mod percent;
pub mod pipes;
pub mod query;
pub mod restxml;
pub mod s3;
pub mod sigv4;
pub mod sqs;
pub mod sts;
pub mod target;
pub mod xml;

pub use error::ApiError;
