//! The answers of API v2 (`KinesisAnalytics_20180523`) as typed DTOs named like the model's
//! shapes (the descriptions both APIs share are in [`super::answers`]). What kinesin keeps as
//! the caller gave it and echoes back stays a document (`Value`); each such member says so.

use super::answers::{InputDescription, LoggingDescription, OutputDescription, ReferenceDescription};
use super::history::{OperationStatus, SnapshotStatus};
use serde::{Deserialize, Serialize};
use serde_json::Value;

/// The v2 `ApplicationDetail` (also `ApplicationVersionDetail`).
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct ApplicationDetailV2 {
    #[serde(rename = "ApplicationARN")]
    pub application_arn: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub application_description: Option<String>,
    pub application_name: String,
    pub runtime_environment: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub service_execution_role: Option<String>,
    pub application_status: String,
    pub application_version_id: i64,
    pub create_timestamp: f64,
    pub last_update_timestamp: f64,
    pub application_configuration_description: ConfigurationDescription,
    pub cloud_watch_logging_option_descriptions: Vec<LoggingDescription>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub application_maintenance_configuration_description: Option<MaintenanceDescription>,
    pub application_mode: String,
}

/// `ApplicationConfigurationDescription`: the SQL or the Flink part (by runtime), then the
/// parts every runtime has.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct ConfigurationDescription {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub sql_application_configuration_description: Option<SqlDescription>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub flink_application_configuration_description: Option<FlinkDescription>,
    pub application_code_configuration_description: CodeDescription,
    pub run_configuration_description: RunDescription,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub environment_property_descriptions: Option<EnvironmentDescription>,
    pub application_snapshot_configuration_description: SnapshotsDescription,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub vpc_configuration_descriptions: Option<Vec<VpcDescription>>,
}

/// `SqlApplicationConfigurationDescription`.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct SqlDescription {
    pub input_descriptions: Vec<InputDescription>,
    pub output_descriptions: Vec<OutputDescription>,
    pub reference_data_source_descriptions: Vec<ReferenceDescription>,
}

/// `FlinkApplicationConfigurationDescription`.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct FlinkDescription {
    pub checkpoint_configuration_description: CheckpointDescription,
    pub monitoring_configuration_description: MonitoringDescription,
    pub parallelism_configuration_description: FlinkParallelismDescription,
}

/// `CheckpointConfigurationDescription`; read from a CUSTOM `CheckpointConfiguration`, whose
/// missing members keep AWS's defaults ([`Default`]).
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase", default)]
pub struct CheckpointDescription {
    pub configuration_type: String,
    pub checkpointing_enabled: bool,
    pub checkpoint_interval: i64,
    pub min_pause_between_checkpoints: i64,
}

impl Default for CheckpointDescription {
    fn default() -> Self {
        Self {
            configuration_type: "DEFAULT".into(),
            checkpointing_enabled: true,
            checkpoint_interval: 60_000,
            min_pause_between_checkpoints: 5_000,
        }
    }
}

/// `MonitoringConfigurationDescription`; read as [`CheckpointDescription`] is.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase", default)]
pub struct MonitoringDescription {
    pub configuration_type: String,
    pub metrics_level: String,
    pub log_level: String,
}

impl Default for MonitoringDescription {
    fn default() -> Self {
        Self { configuration_type: "DEFAULT".into(), metrics_level: "APPLICATION".into(), log_level: "INFO".into() }
    }
}

/// `ParallelismConfigurationDescription`; read as [`CheckpointDescription`] is, then
/// `CurrentParallelism` is the configured parallelism.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase", default)]
pub struct FlinkParallelismDescription {
    pub configuration_type: String,
    pub parallelism: i64,
    #[serde(rename = "ParallelismPerKPU")]
    pub parallelism_per_kpu: i64,
    pub auto_scaling_enabled: bool,
    pub current_parallelism: i64,
}

impl Default for FlinkParallelismDescription {
    fn default() -> Self {
        Self {
            configuration_type: "DEFAULT".into(),
            parallelism: 1,
            parallelism_per_kpu: 1,
            auto_scaling_enabled: false,
            current_parallelism: 1,
        }
    }
}

/// `ApplicationCodeConfigurationDescription`.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct CodeDescription {
    pub code_content_type: String,
    pub code_content_description: CodeContentDescription,
}

/// `CodeContentDescription`.
#[derive(Debug, Clone, Default, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct CodeContentDescription {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub text_content: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub code_size: Option<usize>,
    /// The `S3ContentLocation` as given (a document: stored and echoed as the caller wrote it).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub s3_application_code_location_description: Option<Value>,
}

/// `RunConfigurationDescription` (kinesin never restores from a snapshot).
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct RunDescription {
    pub application_restore_configuration_description: RestoreDescription,
}

/// `ApplicationRestoreConfiguration` as described.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct RestoreDescription {
    pub application_restore_type: &'static str,
}

/// `EnvironmentPropertyDescriptions`.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct EnvironmentDescription {
    /// The `PropertyGroups` as given (a document: stored and echoed as the caller wrote them,
    /// property maps in the caller's order).
    pub property_group_descriptions: Value,
}

/// `ApplicationSnapshotConfigurationDescription`.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct SnapshotsDescription {
    pub snapshots_enabled: bool,
}

/// `VpcConfigurationDescription` (kinesin involves no network: the VPC id is a placeholder).
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct VpcDescription {
    pub vpc_configuration_id: String,
    pub vpc_id: &'static str,
    pub subnet_ids: Vec<String>,
    pub security_group_ids: Vec<String>,
}

/// `ApplicationMaintenanceConfigurationDescription` (the window kinesin keeps is the start).
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct MaintenanceDescription {
    pub application_maintenance_window_start_time: String,
    pub application_maintenance_window_end_time: String,
}

/// `CreateApplicationResponse`, `DescribeApplicationResponse`, `UpdateApplicationResponse`,
/// `RollbackApplicationResponse` (v2; the last two name their operation).
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct DetailOutput {
    pub application_detail: ApplicationDetailV2,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub operation_id: Option<String>,
}

/// `DescribeApplicationVersionResponse`.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct VersionDetailOutput {
    pub application_version_detail: ApplicationDetailV2,
}

/// The v2 `ApplicationSummary`.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct ApplicationSummaryV2 {
    pub application_name: String,
    #[serde(rename = "ApplicationARN")]
    pub application_arn: String,
    pub application_status: String,
    pub application_version_id: i64,
    pub runtime_environment: String,
    pub application_mode: String,
}

/// `ListApplicationsResponse` (v2).
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct ListOutputV2 {
    pub application_summaries: Vec<ApplicationSummaryV2>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub next_token: Option<String>,
}

/// `AddApplicationVpcConfigurationResponse`.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct VpcOutput {
    #[serde(rename = "ApplicationARN")]
    pub application_arn: String,
    pub application_version_id: i64,
    pub vpc_configuration_description: VpcDescription,
    pub operation_id: String,
}

/// `UpdateApplicationMaintenanceConfigurationResponse`.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct MaintenanceOutput {
    #[serde(rename = "ApplicationARN")]
    pub application_arn: String,
    pub application_maintenance_configuration_description: MaintenanceDescription,
}

/// `SnapshotDetails` (also the items of `SnapshotSummaries`).
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct SnapshotDetails {
    pub snapshot_name: String,
    pub snapshot_status: SnapshotStatus,
    pub application_version_id: i64,
    pub snapshot_creation_timestamp: f64,
    pub runtime_environment: String,
}

/// `DescribeApplicationSnapshotResponse`.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct SnapshotOutput {
    pub snapshot_details: SnapshotDetails,
}

/// `ListApplicationSnapshotsResponse`.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct SnapshotsOutput {
    pub snapshot_summaries: Vec<SnapshotDetails>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub next_token: Option<String>,
}

/// `ApplicationOperationInfo`.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct OperationInfo {
    pub operation: String,
    pub operation_id: String,
    pub start_time: f64,
    pub end_time: f64,
    pub operation_status: OperationStatus,
}

/// `ListApplicationOperationsResponse`, newest first.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct OperationsOutput {
    pub application_operation_info_list: Vec<OperationInfo>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub next_token: Option<String>,
}

/// `ApplicationOperationInfoDetails` (kinesin's operations change no version and do not fail).
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct OperationInfoDetails {
    pub operation: String,
    pub start_time: f64,
    pub end_time: f64,
    pub operation_status: OperationStatus,
}

/// `DescribeApplicationOperationResponse`.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct OperationDetailOutput {
    pub application_operation_info_details: OperationInfoDetails,
}

/// `ApplicationVersionSummary`.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct VersionSummary {
    pub application_version_id: i64,
    pub application_status: String,
}

/// `ListApplicationVersionsResponse`, newest first.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct VersionsOutput {
    pub application_version_summaries: Vec<VersionSummary>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub next_token: Option<String>,
}
