//! Shapes of the control plane: streams, shards, retention, tags.

use super::StreamRef;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// `StreamModeDetails`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct StreamModeDetails {
    /// `PROVISIONED` or `ON_DEMAND`.
    pub stream_mode: String,
}

/// CreateStream input.
#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct CreateStreamInput {
    /// Name of the new stream.
    pub stream_name: String,
    /// Shards (provisioned mode).
    pub shard_count: Option<u32>,
    /// Capacity mode.
    pub stream_mode_details: Option<StreamModeDetails>,
    /// Tags to attach.
    pub tags: Option<BTreeMap<String, String>>,
    /// Maximum record size in KiB (1024-10240).
    #[serde(rename = "MaxRecordSizeInKiB")]
    pub max_record_size_in_kib: Option<u32>,
    /// Warm throughput (on-demand).
    #[serde(rename = "WarmThroughputMiBps")]
    pub warm_throughput_mibps: Option<u32>,
}

/// DeleteStream input.
#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct DeleteStreamInput {
    /// Stream.
    #[serde(flatten)]
    pub stream: StreamRef,
    /// Delete even if consumers are registered.
    pub enforce_consumer_deletion: Option<bool>,
}

/// DescribeStream input.
#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct DescribeStreamInput {
    /// Stream.
    #[serde(flatten)]
    pub stream: StreamRef,
    /// Maximum shards to list (1-10000, default 100).
    pub limit: Option<u32>,
    /// List shards after this one.
    pub exclusive_start_shard_id: Option<String>,
}

/// `HashKeyRange`: decimal bounds.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct HashKeyRange {
    /// Inclusive start.
    pub starting_hash_key: String,
    /// Inclusive end.
    pub ending_hash_key: String,
}

/// `SequenceNumberRange`.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct SequenceNumberRange {
    /// First sequence number of the shard.
    pub starting_sequence_number: String,
    /// Set once the shard is closed.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub ending_sequence_number: Option<String>,
}

/// `Shard`.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct Shard {
    /// `shardId-000000000000`.
    pub shard_id: String,
    /// Parent, after a split or merge.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub parent_shard_id: Option<String>,
    /// Second parent, after a merge.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub adjacent_parent_shard_id: Option<String>,
    /// Hash key range.
    pub hash_key_range: HashKeyRange,
    /// Sequence number range.
    pub sequence_number_range: SequenceNumberRange,
}

/// `EnhancedMetrics`.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct EnhancedMetrics {
    /// Enabled shard-level metrics.
    pub shard_level_metrics: Vec<String>,
}

/// DescribeStream's `StreamDescription`.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct StreamDescription {
    /// Name.
    pub stream_name: String,
    /// ARN.
    #[serde(rename = "StreamARN")]
    pub stream_arn: String,
    /// CREATING, DELETING, ACTIVE, UPDATING.
    pub stream_status: String,
    /// Capacity mode.
    pub stream_mode_details: StreamModeDetails,
    /// Shards of this page.
    pub shards: Vec<Shard>,
    /// Whether more shards follow.
    pub has_more_shards: bool,
    /// Retention in hours.
    pub retention_period_hours: u32,
    /// Creation time, epoch seconds.
    pub stream_creation_timestamp: f64,
    /// Enhanced monitoring settings.
    pub enhanced_monitoring: Vec<EnhancedMetrics>,
    /// NONE or KMS.
    pub encryption_type: String,
    /// KMS key, when encrypted.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub key_id: Option<String>,
}

/// DescribeStream output.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct DescribeStreamOutput {
    /// The description.
    pub stream_description: StreamDescription,
}

/// `WarmThroughputObject`.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct WarmThroughput {
    /// Target MiB/s.
    #[serde(rename = "TargetMiBps")]
    pub target_mibps: u32,
    /// Current MiB/s.
    #[serde(rename = "CurrentMiBps")]
    pub current_mibps: u32,
}

/// DescribeStreamSummary's `StreamDescriptionSummary`.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct StreamDescriptionSummary {
    /// Name.
    pub stream_name: String,
    /// ARN.
    #[serde(rename = "StreamARN")]
    pub stream_arn: String,
    /// Status.
    pub stream_status: String,
    /// Capacity mode.
    pub stream_mode_details: StreamModeDetails,
    /// Retention in hours.
    pub retention_period_hours: u32,
    /// Creation time.
    pub stream_creation_timestamp: f64,
    /// Enhanced monitoring settings.
    pub enhanced_monitoring: Vec<EnhancedMetrics>,
    /// NONE or KMS.
    pub encryption_type: String,
    /// KMS key.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub key_id: Option<String>,
    /// Open shards.
    pub open_shard_count: u32,
    /// Registered consumers.
    pub consumer_count: u32,
    /// Maximum record size.
    #[serde(rename = "MaxRecordSizeInKiB")]
    pub max_record_size_in_kib: u32,
    /// Warm throughput (on-demand streams).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub warm_throughput: Option<WarmThroughput>,
}

/// DescribeStreamSummary output.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct DescribeStreamSummaryOutput {
    /// The summary.
    pub stream_description_summary: StreamDescriptionSummary,
}

/// ListStreams input.
#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct ListStreamsInput {
    /// Page size (1-10000, default 100).
    pub limit: Option<u32>,
    /// List names after this one.
    pub exclusive_start_stream_name: Option<String>,
    /// Paging token.
    pub next_token: Option<String>,
}

/// `StreamSummary`.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct StreamSummary {
    /// Name.
    pub stream_name: String,
    /// ARN.
    #[serde(rename = "StreamARN")]
    pub stream_arn: String,
    /// Status.
    pub stream_status: String,
    /// Capacity mode.
    pub stream_mode_details: StreamModeDetails,
    /// Creation time.
    pub stream_creation_timestamp: f64,
}

/// ListStreams output.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct ListStreamsOutput {
    /// Names of this page.
    pub stream_names: Vec<String>,
    /// Whether more follow.
    pub has_more_streams: bool,
    /// Token for the next page.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub next_token: Option<String>,
    /// Summaries of this page.
    pub stream_summaries: Vec<StreamSummary>,
}

/// `ShardFilter`.
#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct ShardFilter {
    /// Filter type.
    #[serde(rename = "Type")]
    pub kind: String,
    /// For AFTER_SHARD_ID.
    pub shard_id: Option<String>,
    /// For AT_TIMESTAMP / FROM_TIMESTAMP.
    pub timestamp: Option<f64>,
}

/// ListShards input.
#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct ListShardsInput {
    /// Stream.
    #[serde(flatten)]
    pub stream: StreamRef,
    /// Paging token (excludes the stream arguments).
    pub next_token: Option<String>,
    /// List shards after this one.
    pub exclusive_start_shard_id: Option<String>,
    /// Page size (1-10000, default 1000).
    pub max_results: Option<u32>,
    /// Creation time of the stream, to tell same-named streams apart.
    pub stream_creation_timestamp: Option<f64>,
    /// Filter.
    pub shard_filter: Option<ShardFilter>,
}

/// ListShards output.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct ListShardsOutput {
    /// Shards of this page.
    pub shards: Vec<Shard>,
    /// Token for the next page.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub next_token: Option<String>,
}

/// Increase/DecreaseStreamRetentionPeriod input.
#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct RetentionInput {
    /// Stream.
    #[serde(flatten)]
    pub stream: StreamRef,
    /// New retention in hours.
    pub retention_period_hours: u32,
}

/// AddTagsToStream input.
#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct AddTagsToStreamInput {
    /// Stream.
    #[serde(flatten)]
    pub stream: StreamRef,
    /// Tags to set.
    pub tags: BTreeMap<String, String>,
}

/// RemoveTagsFromStream input.
#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct RemoveTagsFromStreamInput {
    /// Stream.
    #[serde(flatten)]
    pub stream: StreamRef,
    /// Keys to remove.
    pub tag_keys: Vec<String>,
}

/// ListTagsForStream input.
#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct ListTagsForStreamInput {
    /// Stream.
    #[serde(flatten)]
    pub stream: StreamRef,
    /// List keys after this one.
    pub exclusive_start_tag_key: Option<String>,
    /// Page size (1-50, default 50? AWS: 10).
    pub limit: Option<u32>,
}

/// ListTagsForStream output.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct ListTagsForStreamOutput {
    /// Tags of this page.
    pub tags: Vec<super::Tag>,
    /// Whether more follow.
    pub has_more_tags: bool,
}
