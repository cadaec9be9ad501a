//! Shapes of the data plane: PutRecord(s), GetShardIterator, GetRecords.

use super::{blob, StreamRef};
use serde::{Deserialize, Serialize};

/// PutRecord input.
#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct PutRecordInput {
    /// Target stream's name.
    pub stream_name: Option<String>,
    /// Target stream's ARN.
    #[serde(rename = "StreamARN")]
    pub stream_arn: Option<String>,
    /// Record payload.
    #[serde(with = "blob")]
    pub data: Vec<u8>,
    /// Partition key.
    pub partition_key: String,
    /// Decimal hash key overriding the partition key hash.
    pub explicit_hash_key: Option<String>,
    /// The new sequence number must be greater than this one.
    pub sequence_number_for_ordering: Option<String>,
}

impl PutRecordInput {
    /// The stream reference (hot inputs avoid `serde(flatten)`, which buffers the document).
    pub fn stream(&self) -> StreamRef {
        StreamRef { stream_name: self.stream_name.clone(), stream_arn: self.stream_arn.clone() }
    }
}

/// PutRecord output.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct PutRecordOutput {
    /// Shard the record went to.
    pub shard_id: String,
    /// Its sequence number.
    pub sequence_number: String,
    /// `NONE` or `KMS`.
    pub encryption_type: String,
}

/// One PutRecords entry.
#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct PutRecordsEntry {
    /// Record payload.
    #[serde(with = "blob")]
    pub data: Vec<u8>,
    /// Partition key.
    pub partition_key: String,
    /// Decimal hash key overriding the partition key hash.
    pub explicit_hash_key: Option<String>,
}

/// PutRecords input.
#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct PutRecordsInput {
    /// Target stream's name.
    pub stream_name: Option<String>,
    /// Target stream's ARN.
    #[serde(rename = "StreamARN")]
    pub stream_arn: Option<String>,
    /// The records.
    pub records: Vec<PutRecordsEntry>,
}

impl PutRecordsInput {
    /// The stream reference.
    pub fn stream(&self) -> StreamRef {
        StreamRef { stream_name: self.stream_name.clone(), stream_arn: self.stream_arn.clone() }
    }
}

/// One PutRecords result: a sequence number or an error.
#[derive(Debug, Clone, Serialize, Default)]
#[serde(rename_all = "PascalCase")]
pub struct PutRecordsResultEntry {
    /// Sequence number on success.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub sequence_number: Option<String>,
    /// Shard on success.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub shard_id: Option<String>,
    /// Error code on failure.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub error_code: Option<String>,
    /// Error message on failure.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub error_message: Option<String>,
}

/// PutRecords output.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct PutRecordsOutput {
    /// Number of failed entries.
    pub failed_record_count: u32,
    /// One result per entry, in request order.
    pub records: Vec<PutRecordsResultEntry>,
    /// `NONE` or `KMS`.
    pub encryption_type: String,
}

/// GetShardIterator input.
#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct GetShardIteratorInput {
    /// Stream.
    #[serde(flatten)]
    pub stream: StreamRef,
    /// Shard id.
    pub shard_id: String,
    /// One of the five iterator types.
    pub shard_iterator_type: String,
    /// For AT/AFTER_SEQUENCE_NUMBER.
    pub starting_sequence_number: Option<String>,
    /// For AT_TIMESTAMP, epoch seconds.
    pub timestamp: Option<f64>,
}

/// GetShardIterator output.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct GetShardIteratorOutput {
    /// The opaque iterator.
    pub shard_iterator: String,
}

/// GetRecords input.
#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct GetRecordsInput {
    /// The iterator.
    pub shard_iterator: String,
    /// Maximum records (1-10000).
    pub limit: Option<u32>,
    /// Stream ARN (optional, for resource-based access).
    #[serde(rename = "StreamARN")]
    pub stream_arn: Option<String>,
}

/// A record as GetRecords returns it.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct Record {
    /// Sequence number.
    pub sequence_number: String,
    /// Arrival time, epoch seconds with milliseconds.
    pub approximate_arrival_timestamp: f64,
    /// Payload.
    #[serde(with = "blob")]
    pub data: Vec<u8>,
    /// Partition key.
    pub partition_key: String,
    /// `NONE` or `KMS` when encrypted.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub encryption_type: Option<String>,
}

/// A child shard reported at the end of a closed parent.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct ChildShard {
    /// Child shard id.
    pub shard_id: String,
    /// Its parents.
    pub parent_shards: Vec<String>,
    /// Its hash key range.
    pub hash_key_range: super::HashKeyRange,
}

/// GetRecords output.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct GetRecordsOutput {
    /// Records read.
    pub records: Vec<Record>,
    /// Next iterator; absent at the end of a closed shard.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub next_shard_iterator: Option<String>,
    /// How far behind the tip the response is.
    pub millis_behind_latest: i64,
    /// Children, at the end of a closed shard.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub child_shards: Option<Vec<ChildShard>>,
}
