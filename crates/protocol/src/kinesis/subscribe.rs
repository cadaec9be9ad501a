//! Shapes of SubscribeToShard (enhanced fan-out).

use super::{ChildShard, Record};
use serde::{Deserialize, Serialize};

/// `StartingPosition`.
#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct StartingPosition {
    /// One of the five iterator types.
    #[serde(rename = "Type")]
    pub kind: String,
    /// For AT/AFTER_SEQUENCE_NUMBER.
    pub sequence_number: Option<String>,
    /// For AT_TIMESTAMP, epoch seconds.
    pub timestamp: Option<f64>,
}

/// SubscribeToShard input.
#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct SubscribeToShardInput {
    /// The registered consumer.
    #[serde(rename = "ConsumerARN")]
    pub consumer_arn: String,
    /// The shard to read.
    pub shard_id: String,
    /// Where to start.
    pub starting_position: StartingPosition,
}

/// `SubscribeToShardEvent`, pushed as records arrive.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct SubscribeToShardEvent {
    /// Records of this event.
    pub records: Vec<Record>,
    /// Where a new subscription would continue; absent at the end of a closed shard (the
    /// KCL, Flink and Beam read a missing value as "shard ended").
    #[serde(skip_serializing_if = "Option::is_none")]
    pub continuation_sequence_number: Option<String>,
    /// How far behind the tip the subscription is.
    pub millis_behind_latest: i64,
    /// Children, at the end of a closed shard.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub child_shards: Option<Vec<ChildShard>>,
}
