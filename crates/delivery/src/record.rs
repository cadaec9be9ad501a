//! A record on its way through the pipeline.

use std::collections::BTreeMap;

/// A record after the transform (or as received when there is none).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Rec {
    /// Data to deliver.
    pub data: Vec<u8>,
    /// When Firehose received the record (ms): object keys use the oldest one.
    pub arrival_ms: i64,
    /// Partition keys a transform returned (`metadata.partitionKeys`), for
    /// `!{partitionKeyFromLambda:k}`.
    pub lambda_keys: BTreeMap<String, String>,
}
