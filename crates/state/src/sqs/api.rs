//! Amazon SQS as a [`Service`]: its operations, their effects and its error.

use super::messages::{self, Received};
use super::{moves, queues, Caller, SqsError};
use crate::service::Service;
use kinesin_protocol::model::{self, Model};
use kinesin_protocol::sqs::types::*;
use kinesin_protocol::ApiError;
use serde_json::Value;

/// Amazon SQS (AWS JSON 1.0 `AmazonSQS` and the query protocol).
#[derive(Debug, Clone, Copy)]
pub struct SqsApi;

/// What an SQS operation wakes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SqsEffect {
    /// The long polls of the request's queue.
    Receivers,
    /// The long polls of the request's queue if it is FIFO (a delete may unlock a group).
    FifoReceivers,
    /// The upkeep task (retention, move tasks). Not sends: a new message expires no sooner
    /// than 60 s from now and the upkeep looks at least once a minute.
    Maintenance,
}

impl Service for SqsApi {
    type Caller = Caller;
    type Error = SqsError;
    type Effect = SqsEffect;

    fn model() -> &'static Model {
        model::sqs()
    }

    /// Only missing required members, as `MissingParameter`: SQS words its other checks
    /// itself (`InvalidParameterValue`, ...), in the domain logic.
    fn validate(operation: &str, doc: &mut Value) -> Result<(), ApiError> {
        model::sqs().validate_required(operation, doc).map_err(kinesin_protocol::sqs::from_validation)
    }
}

crate::operations! {
    service SqsApi;
    AddPermission(AddPermissionInput) -> Empty = queues::add_permission;
    CancelMessageMoveTask(CancelMessageMoveTaskInput) -> CancelMessageMoveTaskOutput = moves::cancel_message_move_task;
    ChangeMessageVisibility(ChangeMessageVisibilityInput) -> Empty = messages::change_message_visibility, wakes [SqsEffect::Receivers];
    ChangeMessageVisibilityBatch(ChangeMessageVisibilityBatchInput) -> BatchOutput = messages::change_message_visibility_batch, wakes [SqsEffect::Receivers];
    CreateQueue(CreateQueueInput) -> QueueUrlOutput = queues::create_queue;
    DeleteMessage(DeleteMessageInput) -> Empty = messages::delete_message, wakes [SqsEffect::FifoReceivers];
    DeleteMessageBatch(DeleteMessageBatchInput) -> BatchOutput = messages::delete_message_batch, wakes [SqsEffect::FifoReceivers];
    DeleteQueue(QueueUrlInput) -> Empty = queues::delete_queue, wakes [SqsEffect::Receivers];
    GetQueueAttributes(GetQueueAttributesInput) -> GetQueueAttributesOutput = queues::get_queue_attributes;
    GetQueueUrl(GetQueueUrlInput) -> QueueUrlOutput = queues::get_queue_url;
    ListDeadLetterSourceQueues(ListDeadLetterSourceQueuesInput) -> ListDeadLetterSourceQueuesOutput = queues::list_dead_letter_source_queues;
    ListMessageMoveTasks(ListMessageMoveTasksInput) -> ListMessageMoveTasksOutput = moves::list_message_move_tasks;
    ListQueueTags(QueueUrlInput) -> ListQueueTagsOutput = queues::list_queue_tags;
    ListQueues(ListQueuesInput) -> ListQueuesOutput = queues::list_queues;
    PurgeQueue(QueueUrlInput) -> Empty = queues::purge_queue;
    ReceiveMessage(ReceiveMessageInput) -> Received = messages::receive_message;
    RemovePermission(RemovePermissionInput) -> Empty = queues::remove_permission;
    SendMessage(SendMessageInput) -> SendMessageOutput = messages::send_message, wakes [SqsEffect::Receivers];
    SendMessageBatch(SendMessageBatchInput) -> SendMessageBatchOutput = messages::send_message_batch, wakes [SqsEffect::Receivers];
    SetQueueAttributes(SetQueueAttributesInput) -> Empty = queues::set_queue_attributes, wakes [SqsEffect::Receivers, SqsEffect::Maintenance];
    StartMessageMoveTask(StartMessageMoveTaskInput) -> StartMessageMoveTaskOutput = moves::start_message_move_task, wakes [SqsEffect::Maintenance];
    TagQueue(TagQueueInput) -> Empty = queues::tag_queue;
    UntagQueue(UntagQueueInput) -> Empty = queues::untag_queue;
}
