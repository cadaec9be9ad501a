//! Shapes of enhanced fan-out consumers and of operations on resources by ARN (streams and
//! consumers): tags and resource policies.

use super::Tag;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// RegisterStreamConsumer input.
#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct RegisterStreamConsumerInput {
    /// The stream to register with.
    #[serde(rename = "StreamARN")]
    pub stream_arn: String,
    /// Name, unique within the stream.
    pub consumer_name: String,
    /// Tags of the new consumer.
    pub tags: Option<BTreeMap<String, String>>,
}

/// `Consumer`.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct Consumer {
    /// Name.
    pub consumer_name: String,
    /// `…:stream/NAME/consumer/CONSUMER:CREATION_EPOCH_SECONDS`.
    #[serde(rename = "ConsumerARN")]
    pub consumer_arn: String,
    /// CREATING, ACTIVE or DELETING.
    pub consumer_status: String,
    /// Registration time (epoch seconds).
    pub consumer_creation_timestamp: f64,
}

/// RegisterStreamConsumer output.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct RegisterStreamConsumerOutput {
    /// The new consumer.
    pub consumer: Consumer,
}

/// Identifies a consumer: by `ConsumerARN`, or by `StreamARN` and `ConsumerName`
/// (DeregisterStreamConsumer, DescribeStreamConsumer).
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct ConsumerRef {
    /// The stream's ARN.
    #[serde(rename = "StreamARN")]
    pub stream_arn: Option<String>,
    /// The consumer's name.
    pub consumer_name: Option<String>,
    /// The consumer's ARN.
    #[serde(rename = "ConsumerARN")]
    pub consumer_arn: Option<String>,
}

/// `ConsumerDescription`.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct ConsumerDescription {
    /// Name.
    pub consumer_name: String,
    /// ARN.
    #[serde(rename = "ConsumerARN")]
    pub consumer_arn: String,
    /// CREATING, ACTIVE or DELETING.
    pub consumer_status: String,
    /// Registration time (epoch seconds).
    pub consumer_creation_timestamp: f64,
    /// The stream's ARN.
    #[serde(rename = "StreamARN")]
    pub stream_arn: String,
}

/// DescribeStreamConsumer output.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct DescribeStreamConsumerOutput {
    /// The consumer.
    pub consumer_description: ConsumerDescription,
}

/// ListStreamConsumers input.
#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct ListStreamConsumersInput {
    /// The stream.
    #[serde(rename = "StreamARN")]
    pub stream_arn: String,
    /// Paging token.
    pub next_token: Option<String>,
    /// Page size (1-10000; at most 100 are returned).
    pub max_results: Option<u32>,
    /// Creation time of the stream, to tell same-named streams apart (epoch seconds).
    pub stream_creation_timestamp: Option<f64>,
}

/// ListStreamConsumers output.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct ListStreamConsumersOutput {
    /// Consumers of this page.
    pub consumers: Vec<Consumer>,
    /// Token for the next page.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub next_token: Option<String>,
}

/// TagResource input.
#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct TagResourceInput {
    /// Stream or consumer ARN.
    #[serde(rename = "ResourceARN")]
    pub resource_arn: String,
    /// Tags to set.
    pub tags: BTreeMap<String, String>,
}

/// UntagResource input.
#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct UntagResourceInput {
    /// Stream or consumer ARN.
    #[serde(rename = "ResourceARN")]
    pub resource_arn: String,
    /// Keys to remove.
    pub tag_keys: Vec<String>,
}

/// Input naming only a resource: ListTagsForResource, GetResourcePolicy, DeleteResourcePolicy.
#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct ResourceRef {
    /// Stream or consumer ARN.
    #[serde(rename = "ResourceARN")]
    pub resource_arn: String,
}

/// ListTagsForResource output.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct ListTagsForResourceOutput {
    /// Every tag, by key.
    pub tags: Vec<Tag>,
}

/// PutResourcePolicy input.
#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct PutResourcePolicyInput {
    /// Stream or consumer ARN.
    #[serde(rename = "ResourceARN")]
    pub resource_arn: String,
    /// The policy document (JSON text).
    pub policy: String,
}

/// GetResourcePolicy output.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct GetResourcePolicyOutput {
    /// The policy document (JSON text); `{}` when none is attached.
    pub policy: String,
}
