//! Amazon Data Firehose as a [`Service`]: its operations, their effects and its error.

use super::{records, streams, FhError};
use crate::service::Service;
use crate::Ctx;
use kinesin_protocol::firehose::*;
use kinesin_protocol::model::{self, Model};

/// Amazon Data Firehose (AWS JSON 1.1 and CBOR 1.1, `Firehose_20150804`).
#[derive(Debug, Clone, Copy)]
pub struct FirehoseApi;

/// What a Firehose operation wakes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FirehoseEffect {
    /// The delivery task and the stream-source pump: records buffered, streams created,
    /// deleted or re-pointed.
    Delivery,
    /// The Analytics applications reading delivery streams: records put.
    Readers,
}

impl Service for FirehoseApi {
    type Caller = Ctx;
    type Error = FhError;
    type Effect = FirehoseEffect;

    fn model() -> &'static Model {
        model::firehose()
    }
}

crate::operations! {
    service FirehoseApi;
    CreateDeliveryStream(CreateDeliveryStreamInput) -> CreateDeliveryStreamOutput = streams::create, wakes [FirehoseEffect::Delivery];
    DeleteDeliveryStream(StreamNameInput) -> Empty = streams::delete, wakes [FirehoseEffect::Delivery];
    DescribeDeliveryStream(DescribeDeliveryStreamInput) -> DescribeDeliveryStreamOutput = streams::describe;
    ListDeliveryStreams(ListDeliveryStreamsInput) -> ListDeliveryStreamsOutput = streams::list;
    ListTagsForDeliveryStream(ListTagsInput) -> ListTagsOutput = streams::list_tags;
    PutRecord(PutRecordInput) -> PutRecordOutput = records::put_record, wakes [FirehoseEffect::Delivery, FirehoseEffect::Readers];
    PutRecordBatch(PutRecordBatchInput) -> PutRecordBatchOutput = records::put_record_batch, wakes [FirehoseEffect::Delivery, FirehoseEffect::Readers];
    StartDeliveryStreamEncryption(StartEncryptionInput) -> Empty = streams::start_encryption;
    StopDeliveryStreamEncryption(StreamNameInput) -> Empty = streams::stop_encryption;
    TagDeliveryStream(TagDeliveryStreamInput) -> Empty = streams::tag;
    UntagDeliveryStream(UntagDeliveryStreamInput) -> Empty = streams::untag;
    UpdateDestination(UpdateDestinationInput) -> Empty = streams::update_destination, wakes [FirehoseEffect::Delivery];
}
