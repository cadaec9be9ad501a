//! S3's REST wire, as far as requests go: the bucket and key a request names (path-style or
//! virtual-host), its query string and subresources, listing parameters, `Range`,
//! `x-amz-copy-source`, `aws-chunked` bodies and the XML (and JSON) documents S3 requests
//! carry. Pure functions over text and bytes; S3's refusals as [`Error`].

pub mod body;
pub mod chunked;
pub mod copy;
mod error;
pub mod listing;
pub mod query;
pub mod range;
pub mod requests;
pub mod target;
pub mod types;

pub use error::Error;
