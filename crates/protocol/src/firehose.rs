//! Amazon Data Firehose shapes: the typed inputs and outputs of its operations.
//!
//! Inputs are read from documents that `model::validate_input` has already checked.
//! Destination configurations and descriptions, and source descriptions, stay JSON documents
//! (`Value`): the state layer stores them as descriptions with AWS's defaults filled in, so
//! new members of the model pass through.

use serde::{Deserialize, Serialize};
use serde_json::Value;

/// A tag as Firehose lists it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct Tag {
    /// Tag key.
    pub key: String,
    /// Tag value.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub value: Option<String>,
}

/// CreateDeliveryStream input (the destinations kinesin serves so far, plus the rest as
/// documents so that it can say which one is not supported).
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct CreateDeliveryStreamInput {
    /// Name.
    pub delivery_stream_name: String,
    /// `DirectPut` (default), `KinesisStreamAsSource`, ...
    pub delivery_stream_type: Option<String>,
    /// `DirectPutSourceConfiguration`.
    pub direct_put_source_configuration: Option<Value>,
    /// Server-side encryption.
    pub delivery_stream_encryption_configuration_input: Option<EncryptionInput>,
    /// Deprecated S3 destination.
    pub s3_destination_configuration: Option<Value>,
    /// Extended S3 destination.
    pub extended_s3_destination_configuration: Option<Value>,
    /// Tags.
    pub tags: Option<Vec<Tag>>,
    /// Every other member, to find unsupported destinations and sources.
    #[serde(flatten)]
    pub other: serde_json::Map<String, Value>,
}

/// `DeliveryStreamEncryptionConfigurationInput`.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct EncryptionInput {
    /// KMS key ARN (CUSTOMER_MANAGED_CMK).
    #[serde(rename = "KeyARN", skip_serializing_if = "Option::is_none")]
    pub key_arn: Option<String>,
    /// `AWS_OWNED_CMK` or `CUSTOMER_MANAGED_CMK`.
    pub key_type: String,
}

/// CreateDeliveryStream output.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct CreateDeliveryStreamOutput {
    /// ARN of the new stream.
    #[serde(rename = "DeliveryStreamARN")]
    pub delivery_stream_arn: String,
}

/// An input naming a stream only (DeleteDeliveryStream, StopDeliveryStreamEncryption, ...).
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct StreamNameInput {
    /// Name.
    pub delivery_stream_name: String,
    /// DeleteDeliveryStream's `AllowForceDelete`.
    pub allow_force_delete: Option<bool>,
}

/// DescribeDeliveryStream input.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct DescribeDeliveryStreamInput {
    /// Name.
    pub delivery_stream_name: String,
    /// Destinations to list.
    pub limit: Option<u32>,
    /// List destinations after this one.
    pub exclusive_start_destination_id: Option<String>,
}

/// DescribeDeliveryStream output.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct DescribeDeliveryStreamOutput {
    /// The stream.
    pub delivery_stream_description: DeliveryStreamDescription,
}

/// `DeliveryStreamDescription`.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct DeliveryStreamDescription {
    /// Name.
    pub delivery_stream_name: String,
    /// ARN.
    #[serde(rename = "DeliveryStreamARN")]
    pub delivery_stream_arn: String,
    /// `CREATING`, `ACTIVE` or `DELETING`.
    pub delivery_stream_status: String,
    /// Server-side encryption.
    pub delivery_stream_encryption_configuration: DeliveryStreamEncryptionConfiguration,
    /// `DirectPut`, `KinesisStreamAsSource`, ...
    pub delivery_stream_type: String,
    /// Version of the destination configuration (for UpdateDestination).
    pub version_id: String,
    /// Creation time (epoch seconds).
    pub create_timestamp: f64,
    /// The destination (listed after `ExclusiveStartDestinationId`).
    pub destinations: Vec<DestinationDescription>,
    /// Whether more destinations follow.
    pub has_more_destinations: bool,
    /// Last UpdateDestination (epoch seconds).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub last_update_timestamp: Option<f64>,
    /// `SourceDescription` of a stream with a source.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub source: Option<Value>,
}

/// `DeliveryStreamEncryptionConfiguration` (members in the order kinesin has always
/// written them: stored configurations keep it).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct DeliveryStreamEncryptionConfiguration {
    /// `AWS_OWNED_CMK` or `CUSTOMER_MANAGED_CMK` (while enabled).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub key_type: Option<String>,
    /// `ENABLED` or `DISABLED`.
    pub status: String,
    /// KMS key ARN (CUSTOMER_MANAGED_CMK).
    #[serde(default, rename = "KeyARN", skip_serializing_if = "Option::is_none")]
    pub key_arn: Option<String>,
}

impl DeliveryStreamEncryptionConfiguration {
    /// `{"Status": "DISABLED"}`.
    pub fn disabled() -> Self {
        Self { key_type: None, status: "DISABLED".into(), key_arn: None }
    }
}

/// `DestinationDescription`: the id and the description of the destination's kind (an S3
/// destination shows both S3 descriptions, as on AWS); the kinds kinesin serves, in model order.
#[derive(Debug, Clone, Default, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct DestinationDescription {
    /// `destinationId-000000000001`.
    pub destination_id: String,
    /// `S3DestinationDescription`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub s3_destination_description: Option<Value>,
    /// `ExtendedS3DestinationDescription`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub extended_s3_destination_description: Option<Value>,
    /// `RedshiftDestinationDescription`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub redshift_destination_description: Option<Value>,
    /// `ElasticsearchDestinationDescription`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub elasticsearch_destination_description: Option<Value>,
    /// `AmazonopensearchserviceDestinationDescription`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub amazonopensearchservice_destination_description: Option<Value>,
    /// `SplunkDestinationDescription`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub splunk_destination_description: Option<Value>,
    /// `HttpEndpointDestinationDescription`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub http_endpoint_destination_description: Option<Value>,
}

/// ListDeliveryStreams input.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct ListDeliveryStreamsInput {
    /// Most names returned (default 10).
    pub limit: Option<u32>,
    /// Only streams of this type.
    pub delivery_stream_type: Option<String>,
    /// Names after this one.
    pub exclusive_start_delivery_stream_name: Option<String>,
}

/// ListDeliveryStreams output.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct ListDeliveryStreamsOutput {
    /// Names in alphabetical order.
    pub delivery_stream_names: Vec<String>,
    /// Whether more names follow.
    pub has_more_delivery_streams: bool,
}

/// A record as put.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct Record {
    /// The record's bytes.
    #[serde(with = "crate::kinesis::blob")]
    pub data: Vec<u8>,
}

/// PutRecord input.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct PutRecordInput {
    /// Name.
    pub delivery_stream_name: String,
    /// The record.
    pub record: Record,
}

/// PutRecord output.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct PutRecordOutput {
    /// Id of the accepted record.
    pub record_id: String,
    /// Whether server-side encryption is enabled.
    pub encrypted: bool,
}

/// PutRecordBatch input.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct PutRecordBatchInput {
    /// Name.
    pub delivery_stream_name: String,
    /// 1-500 records.
    pub records: Vec<Record>,
}

/// One entry of PutRecordBatch's answer: a record id or an error.
#[derive(Debug, Clone, Default, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct PutRecordBatchResponseEntry {
    /// Id of the accepted record.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub record_id: Option<String>,
    /// Error code of a failed record.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub error_code: Option<String>,
    /// Error message of a failed record.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub error_message: Option<String>,
}

/// PutRecordBatch output.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct PutRecordBatchOutput {
    /// Entries that failed.
    pub failed_put_count: u32,
    /// Whether server-side encryption is enabled.
    pub encrypted: bool,
    /// One entry per record, in request order.
    pub request_responses: Vec<PutRecordBatchResponseEntry>,
}

/// UpdateDestination input.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct UpdateDestinationInput {
    /// Name.
    pub delivery_stream_name: String,
    /// The version the caller last saw.
    pub current_delivery_stream_version_id: String,
    /// `destinationId-000000000001`.
    pub destination_id: String,
    /// Update of the (deprecated) S3 destination.
    pub s3_destination_update: Option<Value>,
    /// Update of the extended S3 destination.
    pub extended_s3_destination_update: Option<Value>,
    /// Every other member (other destination types).
    #[serde(flatten)]
    pub other: serde_json::Map<String, Value>,
}

/// TagDeliveryStream input.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct TagDeliveryStreamInput {
    /// Name.
    pub delivery_stream_name: String,
    /// Tags to add or replace.
    pub tags: Vec<Tag>,
}

/// UntagDeliveryStream input.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct UntagDeliveryStreamInput {
    /// Name.
    pub delivery_stream_name: String,
    /// Keys to remove.
    pub tag_keys: Vec<String>,
}

/// ListTagsForDeliveryStream input.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct ListTagsInput {
    /// Name.
    pub delivery_stream_name: String,
    /// Tags after this key.
    pub exclusive_start_tag_key: Option<String>,
    /// Most tags returned (default 50).
    pub limit: Option<u32>,
}

/// ListTagsForDeliveryStream output.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct ListTagsOutput {
    /// Tags by key.
    pub tags: Vec<Tag>,
    /// Whether more tags follow.
    pub has_more_tags: bool,
}

/// StartDeliveryStreamEncryption input.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct StartEncryptionInput {
    /// Name.
    pub delivery_stream_name: String,
    /// Key to use (default AWS_OWNED_CMK).
    pub delivery_stream_encryption_configuration_input: Option<EncryptionInput>,
}

/// An empty output (`{}`).
#[derive(Debug, Clone, Default, Serialize)]
pub struct Empty {}
