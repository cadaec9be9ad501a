//! Typed inputs and outputs of the SQS operations, as they appear in the AWS JSON 1.0 body
//! (the query codec decodes into and encodes from the same documents).

use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// `MessageAttributeValue` / `MessageSystemAttributeValue`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct AttributeValue {
    /// `String`, `Number`, `Binary`, optionally with a `.custom` suffix.
    #[serde(default)]
    pub data_type: String,
    /// Value of String and Number attributes.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub string_value: Option<String>,
    /// Base64 value of Binary attributes.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub binary_value: Option<String>,
    /// Reserved by AWS ("not implemented").
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub string_list_values: Vec<String>,
    /// Reserved by AWS ("not implemented").
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub binary_list_values: Vec<String>,
}

/// Message attributes by name.
pub type MessageAttributes = BTreeMap<String, AttributeValue>;

macro_rules! input {
    ($(#[$m:meta])* $name:ident { $($(#[$fm:meta])* $field:ident : $ty:ty),* $(,)? }) => {
        $(#[$m])*
        #[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
        #[serde(rename_all = "PascalCase")]
        pub struct $name { $($(#[$fm])* #[serde(default)] pub $field: $ty),* }
    };
}

macro_rules! output {
    ($(#[$m:meta])* $name:ident { $($(#[$fm:meta])* $field:ident : $ty:ty),* $(,)? }) => {
        $(#[$m])*
        #[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
        #[serde(rename_all = "PascalCase")]
        pub struct $name { $($(#[$fm])* #[serde(default, skip_serializing_if = "is_empty")] pub $field: $ty),* }
    };
}

/// Whether a field is left out of an answer (None, empty string, list or map).
pub fn is_empty<T: Emptiness>(v: &T) -> bool {
    v.is_empty_value()
}

/// What an empty output field is.
pub trait Emptiness {
    /// Whether the value is absent.
    fn is_empty_value(&self) -> bool;
}
impl<T> Emptiness for Option<T> {
    fn is_empty_value(&self) -> bool {
        self.is_none()
    }
}
impl<T> Emptiness for Vec<T> {
    fn is_empty_value(&self) -> bool {
        self.is_empty()
    }
}
impl<K, V> Emptiness for BTreeMap<K, V> {
    fn is_empty_value(&self) -> bool {
        self.is_empty()
    }
}
impl Emptiness for String {
    fn is_empty_value(&self) -> bool {
        self.is_empty()
    }
}

input!(/// CreateQueue.
CreateQueueInput { queue_name: String, attributes: BTreeMap<String, String>, #[serde(rename = "tags")] tags: BTreeMap<String, String> });
output!(/// CreateQueue / GetQueueUrl.
QueueUrlOutput { queue_url: String });
input!(/// Operations on one queue (DeleteQueue, PurgeQueue, ListQueueTags, ...).
QueueUrlInput { queue_url: String });
input!(/// GetQueueUrl.
GetQueueUrlInput { queue_name: String, #[serde(rename = "QueueOwnerAWSAccountId")] queue_owner_aws_account_id: Option<String> });
input!(/// ListQueues.
ListQueuesInput { queue_name_prefix: Option<String>, next_token: Option<String>, max_results: Option<i64> });
output!(/// ListQueues.
ListQueuesOutput { queue_urls: Vec<String>, next_token: Option<String> });
input!(/// ListDeadLetterSourceQueues.
ListDeadLetterSourceQueuesInput { queue_url: String, next_token: Option<String>, max_results: Option<i64> });
/// ListDeadLetterSourceQueues (`queueUrls` is always present).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct ListDeadLetterSourceQueuesOutput {
    /// Source queue URLs.
    #[serde(rename = "queueUrls", default)]
    pub queue_urls: Vec<String>,
    /// Paging token.
    #[serde(rename = "NextToken", default, skip_serializing_if = "Option::is_none")]
    pub next_token: Option<String>,
}
input!(/// GetQueueAttributes.
GetQueueAttributesInput { queue_url: String, attribute_names: Vec<String> });
output!(/// GetQueueAttributes.
GetQueueAttributesOutput { attributes: BTreeMap<String, String> });
input!(/// SetQueueAttributes.
SetQueueAttributesInput { queue_url: String, attributes: BTreeMap<String, String> });
input!(/// TagQueue.
TagQueueInput { queue_url: String, tags: BTreeMap<String, String> });
input!(/// UntagQueue.
UntagQueueInput { queue_url: String, tag_keys: Vec<String> });
output!(/// ListQueueTags.
ListQueueTagsOutput { tags: BTreeMap<String, String> });
input!(/// AddPermission.
AddPermissionInput { queue_url: String, label: String, #[serde(rename = "AWSAccountIds")] aws_account_ids: Vec<String>, actions: Vec<String> });
input!(/// RemovePermission.
RemovePermissionInput { queue_url: String, label: String });

input!(/// SendMessage.
SendMessageInput {
    queue_url: String,
    message_body: String,
    delay_seconds: Option<i64>,
    message_attributes: MessageAttributes,
    message_system_attributes: MessageAttributes,
    message_deduplication_id: Option<String>,
    message_group_id: Option<String>,
});
output!(/// SendMessage.
SendMessageOutput {
    #[serde(rename = "MD5OfMessageBody")] md5_of_message_body: String,
    #[serde(rename = "MD5OfMessageAttributes")] md5_of_message_attributes: Option<String>,
    #[serde(rename = "MD5OfMessageSystemAttributes")] md5_of_message_system_attributes: Option<String>,
    message_id: String,
    sequence_number: Option<String>,
});
input!(/// One SendMessageBatch entry.
SendMessageBatchEntry {
    id: String,
    message_body: String,
    delay_seconds: Option<i64>,
    message_attributes: MessageAttributes,
    message_system_attributes: MessageAttributes,
    message_deduplication_id: Option<String>,
    message_group_id: Option<String>,
});
input!(/// SendMessageBatch.
SendMessageBatchInput { queue_url: String, entries: Vec<SendMessageBatchEntry> });
output!(/// One successful SendMessageBatch entry.
SendMessageBatchResultEntry {
    id: String,
    message_id: String,
    #[serde(rename = "MD5OfMessageBody")] md5_of_message_body: String,
    #[serde(rename = "MD5OfMessageAttributes")] md5_of_message_attributes: Option<String>,
    #[serde(rename = "MD5OfMessageSystemAttributes")] md5_of_message_system_attributes: Option<String>,
    sequence_number: Option<String>,
});

/// A failed batch entry.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct BatchResultErrorEntry {
    /// The entry's id.
    pub id: String,
    /// Whether the caller is at fault.
    pub sender_fault: bool,
    /// Error code.
    pub code: String,
    /// Error message.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub message: Option<String>,
}

/// SendMessageBatch result (`Successful` and `Failed` are always present).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct SendMessageBatchOutput {
    /// Sent entries.
    pub successful: Vec<SendMessageBatchResultEntry>,
    /// Failed entries.
    pub failed: Vec<BatchResultErrorEntry>,
}

input!(/// ReceiveMessage.
ReceiveMessageInput {
    queue_url: String,
    attribute_names: Vec<String>,
    message_system_attribute_names: Vec<String>,
    message_attribute_names: Vec<String>,
    max_number_of_messages: Option<i64>,
    visibility_timeout: Option<i64>,
    wait_time_seconds: Option<i64>,
    receive_request_attempt_id: Option<String>,
});
output!(/// A received message.
Message {
    message_id: String,
    receipt_handle: String,
    #[serde(rename = "MD5OfBody")] md5_of_body: String,
    body: String,
    attributes: BTreeMap<String, String>,
    #[serde(rename = "MD5OfMessageAttributes")] md5_of_message_attributes: Option<String>,
    message_attributes: MessageAttributes,
});
output!(/// ReceiveMessage.
ReceiveMessageOutput { messages: Vec<Message> });
input!(/// DeleteMessage.
DeleteMessageInput { queue_url: String, receipt_handle: String });
input!(/// One DeleteMessageBatch entry.
DeleteMessageBatchEntry { id: String, receipt_handle: String });
input!(/// DeleteMessageBatch.
DeleteMessageBatchInput { queue_url: String, entries: Vec<DeleteMessageBatchEntry> });
input!(/// ChangeMessageVisibility.
ChangeMessageVisibilityInput { queue_url: String, receipt_handle: String, visibility_timeout: Option<i64> });
input!(/// One ChangeMessageVisibilityBatch entry.
ChangeMessageVisibilityBatchEntry { id: String, receipt_handle: String, visibility_timeout: Option<i64> });
input!(/// ChangeMessageVisibilityBatch.
ChangeMessageVisibilityBatchInput { queue_url: String, entries: Vec<ChangeMessageVisibilityBatchEntry> });
output!(/// A successful entry of DeleteMessageBatch / ChangeMessageVisibilityBatch.
BatchResultEntry { id: String });

/// DeleteMessageBatch / ChangeMessageVisibilityBatch result.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct BatchOutput {
    /// Entries done.
    pub successful: Vec<BatchResultEntry>,
    /// Failed entries.
    pub failed: Vec<BatchResultErrorEntry>,
}

input!(/// StartMessageMoveTask.
StartMessageMoveTaskInput { source_arn: String, destination_arn: Option<String>, max_number_of_messages_per_second: Option<i64> });
output!(/// StartMessageMoveTask.
StartMessageMoveTaskOutput { task_handle: String });
input!(/// CancelMessageMoveTask.
CancelMessageMoveTaskInput { task_handle: String });
/// CancelMessageMoveTask.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct CancelMessageMoveTaskOutput {
    /// Messages moved before the cancel.
    pub approximate_number_of_messages_moved: i64,
}
input!(/// ListMessageMoveTasks.
ListMessageMoveTasksInput { source_arn: String, max_results: Option<i64> });
/// One ListMessageMoveTasks entry.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct MoveTaskEntry {
    /// Handle (only for a RUNNING task).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub task_handle: Option<String>,
    /// RUNNING, COMPLETED, CANCELLING, CANCELLED, FAILED.
    pub status: String,
    /// Source queue ARN.
    pub source_arn: String,
    /// Destination queue ARN (absent: back to the original sources).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub destination_arn: Option<String>,
    /// Rate limit.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max_number_of_messages_per_second: Option<i64>,
    /// Messages moved so far.
    pub approximate_number_of_messages_moved: i64,
    /// Messages to move when the task started.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub approximate_number_of_messages_to_move: Option<i64>,
    /// Why a task failed.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub failure_reason: Option<String>,
    /// Start time, epoch milliseconds.
    pub started_timestamp: i64,
}
output!(/// ListMessageMoveTasks.
ListMessageMoveTasksOutput { results: Vec<MoveTaskEntry> });

/// The empty answer of operations without output.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Empty {}
