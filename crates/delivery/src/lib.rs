//! Firehose delivery work that must not run on the store thread: Lambda-style
//! transforms, dynamic partitioning, compression and the network destinations.
//!
//! The store hands out a batch of buffered records
//! ([`kinesin_state::firehose::batch::take`]), [`process`] turns it into an [`Outcome`]
//! (objects to write, or a retry), and the store commits that outcome in one transaction
//! ([`kinesin_state::firehose::batch::complete`]). This crate knows nothing of SQLite or
//! of the HTTP server.

pub mod compress;
pub mod destinations;
pub mod env;
pub mod errors;
pub mod jq;
pub mod jq_worker;
pub mod lambda;
pub mod objects;
pub mod partition;
pub mod pipeline;
pub mod record;
pub mod tls;
pub mod transform;

pub use env::{parse_binding, Env, LambdaTarget};
pub use kinesin_state::firehose::batch::{Batch, Outcome, S3Object};
pub use pipeline::process;
pub use tls::TlsTrust;
