//! Kinesis settings that come from the command line.

/// Kinesis settings that come from the command line.
#[derive(Debug, Clone)]
pub struct KinesisSettings {
    /// How long a new stream stays CREATING (ms).
    pub create_delay_ms: i64,
    /// How long a deleted stream stays DELETING (ms).
    pub delete_delay_ms: i64,
    /// How long an updated stream stays UPDATING (ms).
    pub update_delay_ms: i64,
    /// Open shards allowed per account and region.
    pub shard_limit: u32,
    /// On-demand streams allowed per account and region.
    pub on_demand_stream_limit: u32,
    /// Enforce AWS's throughput limits (per shard writes and reads, streams CREATING).
    pub aws_limits: bool,
    /// Probability of failing a PutRecord, or each PutRecords entry, with
    /// ProvisionedThroughputExceededException (fault injection).
    pub error_probability: f64,
}

impl Default for KinesisSettings {
    fn default() -> Self {
        Self {
            create_delay_ms: 0,
            delete_delay_ms: 0,
            update_delay_ms: 0,
            shard_limit: 500,
            on_demand_stream_limit: 50,
            aws_limits: false,
            error_probability: 0.0,
        }
    }
}
