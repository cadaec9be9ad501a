//! Kinesis Data Analytics settings that come from the command line.

/// Kinesis Data Analytics settings that come from the command line.
#[derive(Debug, Clone, Default)]
pub struct AnalyticsSettings {
    /// How long a new application stays in its transitional status (ms).
    pub create_delay_ms: i64,
    /// How long a deleted application stays DELETING (ms).
    pub delete_delay_ms: i64,
    /// How long an updated application stays UPDATING (ms).
    pub update_delay_ms: i64,
}
