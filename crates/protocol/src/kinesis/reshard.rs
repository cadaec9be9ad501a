//! Shapes of resharding: SplitShard, MergeShards, UpdateShardCount.

use super::StreamRef;
use serde::{Deserialize, Serialize};

/// SplitShard input.
#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct SplitShardInput {
    /// Stream.
    #[serde(flatten)]
    pub stream: StreamRef,
    /// The shard to split.
    pub shard_to_split: String,
    /// First hash key of the second child.
    pub new_starting_hash_key: String,
}

/// MergeShards input.
#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct MergeShardsInput {
    /// Stream.
    #[serde(flatten)]
    pub stream: StreamRef,
    /// The first shard (becomes the child's ParentShardId).
    pub shard_to_merge: String,
    /// Its neighbour (becomes AdjacentParentShardId).
    pub adjacent_shard_to_merge: String,
}

/// UpdateShardCount input.
#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct UpdateShardCountInput {
    /// Stream.
    #[serde(flatten)]
    pub stream: StreamRef,
    /// Wanted number of open shards.
    pub target_shard_count: u32,
    /// Always UNIFORM_SCALING.
    pub scaling_type: String,
}

/// UpdateShardCount output.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct UpdateShardCountOutput {
    /// Name.
    pub stream_name: String,
    /// Open shards before.
    pub current_shard_count: u32,
    /// Open shards after.
    pub target_shard_count: u32,
    /// ARN.
    #[serde(rename = "StreamARN")]
    pub stream_arn: String,
}
