//! The answers of the Analytics operations as typed DTOs named like the model's shapes: the
//! descriptions of an application's parts (shared by both APIs) and the v1 responses.

use super::config::{DestinationSchema, Resource, SourceSchema};
use serde::Serialize;

/// An answer without members (`{}`).
#[derive(Debug, Clone, Default, Serialize)]
pub struct Empty {}

/// `{ResourceARN, RoleARN}` descriptions of a stream, delivery stream or function.
pub type ResourceDescription = Resource;

/// `InputLambdaProcessorDescription` inside `InputProcessingConfigurationDescription`.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct ProcessingDescription {
    pub input_lambda_processor_description: ResourceDescription,
}

/// `InputParallelism` as described.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct ParallelismDescription {
    pub count: i64,
}

/// `InputStartingPositionConfiguration` as described (empty until the application started).
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct StartingPositionDescription {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub input_starting_position: Option<String>,
}

/// `InputDescription` (both APIs).
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct InputDescription {
    pub input_id: String,
    pub name_prefix: String,
    pub in_app_stream_names: Vec<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub input_processing_configuration_description: Option<ProcessingDescription>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub kinesis_streams_input_description: Option<ResourceDescription>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub kinesis_firehose_input_description: Option<ResourceDescription>,
    pub input_schema: SourceSchema,
    pub input_parallelism: ParallelismDescription,
    pub input_starting_position_configuration: StartingPositionDescription,
}

/// `OutputDescription` (both APIs).
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct OutputDescription {
    pub output_id: String,
    pub name: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub kinesis_streams_output_description: Option<ResourceDescription>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub kinesis_firehose_output_description: Option<ResourceDescription>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub lambda_output_description: Option<ResourceDescription>,
    pub destination_schema: DestinationSchema,
}

/// `S3ReferenceDataSourceDescription`.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct S3ReferenceDescription {
    #[serde(rename = "BucketARN")]
    pub bucket_arn: String,
    pub file_key: String,
    #[serde(rename = "ReferenceRoleARN", skip_serializing_if = "Option::is_none")]
    pub reference_role_arn: Option<String>,
}

/// `ReferenceDataSourceDescription` (both APIs).
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct ReferenceDescription {
    pub reference_id: String,
    pub table_name: String,
    pub reference_schema: SourceSchema,
    #[serde(rename = "S3ReferenceDataSourceDescription", skip_serializing_if = "Option::is_none")]
    pub s3: Option<S3ReferenceDescription>,
}

/// `CloudWatchLoggingOptionDescription` (both APIs; stored only: kinesin has no CloudWatch
/// Logs).
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct LoggingDescription {
    pub cloud_watch_logging_option_id: String,
    #[serde(rename = "LogStreamARN")]
    pub log_stream_arn: String,
    #[serde(rename = "RoleARN", skip_serializing_if = "Option::is_none")]
    pub role_arn: Option<String>,
}

/// The v1 `ApplicationSummary`.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct ApplicationSummary {
    pub application_name: String,
    #[serde(rename = "ApplicationARN")]
    pub application_arn: String,
    pub application_status: String,
}

/// The v1 `ApplicationDetail`.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct ApplicationDetail {
    pub application_name: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub application_description: Option<String>,
    #[serde(rename = "ApplicationARN")]
    pub application_arn: String,
    pub application_status: String,
    pub create_timestamp: f64,
    pub last_update_timestamp: f64,
    pub input_descriptions: Vec<InputDescription>,
    pub output_descriptions: Vec<OutputDescription>,
    pub reference_data_source_descriptions: Vec<ReferenceDescription>,
    pub cloud_watch_logging_option_descriptions: Vec<LoggingDescription>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub application_code: Option<String>,
    pub application_version_id: i64,
}

/// `CreateApplicationResponse` (v1).
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct CreateOutput {
    pub application_summary: ApplicationSummary,
}

/// `DescribeApplicationResponse` (v1).
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct DescribeOutput {
    pub application_detail: ApplicationDetail,
}

/// `ListApplicationsResponse` (v1).
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct ListOutput {
    pub application_summaries: Vec<ApplicationSummary>,
    pub has_more_applications: bool,
}

/// `Tag` as listed.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct TagDescription {
    pub key: String,
    pub value: String,
}

/// `ListTagsForResourceResponse` (both APIs).
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct TagsOutput {
    pub tags: Vec<TagDescription>,
}

/// API v2 answers naming only the operation (`StartApplication`, `StopApplication`).
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct OperationOutput {
    pub operation_id: String,
}

/// API v2 answers of a configuration change: the application's ARN and new version, the
/// changed part's descriptions, and the operation (when the operation has one).
#[derive(Debug, Clone, Default, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct ChangeOutput {
    #[serde(rename = "ApplicationARN")]
    pub application_arn: String,
    pub application_version_id: i64,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub input_id: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub input_processing_configuration_description: Option<ProcessingDescription>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub input_descriptions: Option<Vec<InputDescription>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub output_descriptions: Option<Vec<OutputDescription>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub reference_data_source_descriptions: Option<Vec<ReferenceDescription>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub cloud_watch_logging_option_descriptions: Option<Vec<LoggingDescription>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub operation_id: Option<String>,
}

/// `CreateApplicationPresignedUrlResponse`.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct PresignedUrlOutput {
    pub authorized_url: String,
}
