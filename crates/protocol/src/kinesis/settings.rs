//! Shapes of stream settings and account-level operations: encryption, enhanced monitoring,
//! limits, capacity mode, maximum record size, warm throughput, account settings.

use super::{StreamModeDetails, StreamRef, WarmThroughput};
use serde::{Deserialize, Serialize};

/// Start/StopStreamEncryption input.
#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct StreamEncryptionInput {
    /// Stream.
    #[serde(flatten)]
    pub stream: StreamRef,
    /// `KMS` (or `NONE`).
    pub encryption_type: String,
    /// KMS key id, ARN or alias.
    pub key_id: String,
}

/// Enable/DisableEnhancedMonitoring input.
#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct EnhancedMonitoringInput {
    /// Stream.
    #[serde(flatten)]
    pub stream: StreamRef,
    /// Metrics to enable or disable; `ALL` stands for every metric.
    pub shard_level_metrics: Vec<String>,
}

/// Enable/DisableEnhancedMonitoring output.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct EnhancedMonitoringOutput {
    /// Name.
    pub stream_name: String,
    /// Metrics enabled before the operation.
    pub current_shard_level_metrics: Vec<String>,
    /// Metrics enabled after the operation.
    pub desired_shard_level_metrics: Vec<String>,
    /// ARN.
    #[serde(rename = "StreamARN")]
    pub stream_arn: String,
}

/// DescribeLimits input (no members).
#[derive(Debug, Clone, Default, Deserialize)]
pub struct DescribeLimitsInput {}

/// DescribeLimits output.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct DescribeLimitsOutput {
    /// Open shards allowed in the account and region.
    pub shard_limit: u32,
    /// Open shards in the account and region.
    pub open_shard_count: u32,
    /// On-demand streams in the account and region.
    pub on_demand_stream_count: u32,
    /// On-demand streams allowed in the account and region.
    pub on_demand_stream_count_limit: u32,
}

/// UpdateStreamMode input.
#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct UpdateStreamModeInput {
    /// Stream (the model only has `StreamARN`).
    #[serde(flatten)]
    pub stream: StreamRef,
    /// The new capacity mode.
    pub stream_mode_details: StreamModeDetails,
    /// Warm throughput, only when switching to on-demand.
    #[serde(rename = "WarmThroughputMiBps")]
    pub warm_throughput_mibps: Option<u32>,
}

/// UpdateMaxRecordSize input.
#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct UpdateMaxRecordSizeInput {
    /// Stream (the model only has `StreamARN`).
    #[serde(flatten)]
    pub stream: StreamRef,
    /// New maximum record size (1024-10240 KiB).
    #[serde(rename = "MaxRecordSizeInKiB")]
    pub max_record_size_in_kib: u32,
}

/// UpdateStreamWarmThroughput input.
#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct UpdateStreamWarmThroughputInput {
    /// Stream.
    #[serde(flatten)]
    pub stream: StreamRef,
    /// Target warm throughput (MiB/s).
    #[serde(rename = "WarmThroughputMiBps")]
    pub warm_throughput_mibps: u32,
}

/// UpdateStreamWarmThroughput output.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct UpdateStreamWarmThroughputOutput {
    /// ARN.
    #[serde(rename = "StreamARN")]
    pub stream_arn: String,
    /// Name.
    pub stream_name: String,
    /// Current and target warm throughput.
    pub warm_throughput: WarmThroughput,
}

/// DescribeAccountSettings input (no members).
#[derive(Debug, Clone, Default, Deserialize)]
pub struct DescribeAccountSettingsInput {}

/// `MinimumThroughputBillingCommitmentInput`.
#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct MinimumThroughputBillingCommitmentInput {
    /// `ENABLED` or `DISABLED`.
    pub status: String,
}

/// UpdateAccountSettings input.
#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct UpdateAccountSettingsInput {
    /// The wanted commitment.
    pub minimum_throughput_billing_commitment: MinimumThroughputBillingCommitmentInput,
}

/// `MinimumThroughputBillingCommitmentOutput`.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct MinimumThroughputBillingCommitmentOutput {
    /// `ENABLED`, `DISABLED` or `ENABLED_UNTIL_EARLIEST_ALLOWED_END`.
    pub status: String,
    /// When the commitment started (epoch seconds).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub started_at: Option<f64>,
    /// When the commitment ended (epoch seconds).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub ended_at: Option<f64>,
    /// The earliest time the commitment can end (epoch seconds).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub earliest_allowed_end_at: Option<f64>,
}

/// DescribeAccountSettings and UpdateAccountSettings output.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct AccountSettingsOutput {
    /// The commitment.
    pub minimum_throughput_billing_commitment: MinimumThroughputBillingCommitmentOutput,
}
