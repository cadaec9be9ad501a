//! Kinesis Data Streams as a [`Service`]: its operations, their effects and its error.

use super::records::{PreparedPutRecords, PutRecordsWritten};
use super::{consumers, policies, records, reshard, settings, shards, streams, tags};
use crate::error::StateError;
use crate::service::Service;
use crate::Ctx;
use kinesin_protocol::kinesis::*;
use kinesin_protocol::model::{self, Model};

/// Kinesis Data Streams (AWS JSON 1.1 and CBOR 1.1, `Kinesis_20131202`).
#[derive(Debug, Clone, Copy)]
pub struct KinesisApi;

/// What a Kinesis operation wakes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum KinesisEffect {
    /// The maintenance task (status transitions, retention): creations, deletions,
    /// retention changes.
    Maintenance,
    /// The readers of every stream (enhanced fan-out, pipes, Firehose sources, Analytics
    /// inputs): shards changed or a stream was deleted.
    Subscribers,
    /// The readers of the request's stream: records were written to it.
    Written,
}

impl Service for KinesisApi {
    type Caller = Ctx;
    type Error = StateError;
    type Effect = KinesisEffect;

    fn model() -> &'static Model {
        model::kinesis()
    }
}

crate::operations! {
    service KinesisApi;
    AddTagsToStream(AddTagsToStreamInput) -> () = tags::add;
    CreateStream(CreateStreamInput) -> () = streams::create, wakes [KinesisEffect::Maintenance];
    DecreaseStreamRetentionPeriod(RetentionInput) -> () = streams::decrease_retention, wakes [KinesisEffect::Maintenance];
    DeleteResourcePolicy(ResourceRef) -> () = policies::delete_policy;
    DeleteStream(DeleteStreamInput) -> () = streams::delete, wakes [KinesisEffect::Maintenance, KinesisEffect::Subscribers];
    DeregisterStreamConsumer(ConsumerRef) -> () = consumers::deregister;
    DescribeAccountSettings(DescribeAccountSettingsInput) -> AccountSettingsOutput = settings::describe_account_settings;
    DescribeLimits(DescribeLimitsInput) -> DescribeLimitsOutput = settings::describe_limits;
    DescribeStream(DescribeStreamInput) -> DescribeStreamOutput = streams::describe;
    DescribeStreamConsumer(ConsumerRef) -> DescribeStreamConsumerOutput = consumers::describe;
    DescribeStreamSummary(StreamRef) -> DescribeStreamSummaryOutput = streams::describe_summary;
    DisableEnhancedMonitoring(EnhancedMonitoringInput) -> EnhancedMonitoringOutput = settings::disable_monitoring;
    EnableEnhancedMonitoring(EnhancedMonitoringInput) -> EnhancedMonitoringOutput = settings::enable_monitoring;
    GetRecords(GetRecordsInput) -> GetRecordsOutput = records::get_records;
    GetResourcePolicy(ResourceRef) -> GetResourcePolicyOutput = policies::get_policy;
    GetShardIterator(GetShardIteratorInput) -> GetShardIteratorOutput = records::get_shard_iterator;
    IncreaseStreamRetentionPeriod(RetentionInput) -> () = streams::increase_retention, wakes [KinesisEffect::Maintenance];
    ListShards(ListShardsInput) -> ListShardsOutput = shards::list;
    ListStreamConsumers(ListStreamConsumersInput) -> ListStreamConsumersOutput = consumers::list;
    ListStreams(ListStreamsInput) -> ListStreamsOutput = streams::list;
    ListTagsForResource(ResourceRef) -> ListTagsForResourceOutput = policies::list_tags;
    ListTagsForStream(ListTagsForStreamInput) -> ListTagsForStreamOutput = tags::list;
    MergeShards(MergeShardsInput) -> () = reshard::merge, wakes [KinesisEffect::Subscribers];
    PutRecord(PutRecordInput) -> PutRecordOutput = records::put_record, wakes [KinesisEffect::Written];
    PutRecords(PreparedPutRecords) -> PutRecordsWritten = records::put_records, wakes [KinesisEffect::Written];
    PutResourcePolicy(PutResourcePolicyInput) -> () = policies::put_policy;
    RegisterStreamConsumer(RegisterStreamConsumerInput) -> RegisterStreamConsumerOutput = consumers::register;
    RemoveTagsFromStream(RemoveTagsFromStreamInput) -> () = tags::remove;
    SplitShard(SplitShardInput) -> () = reshard::split, wakes [KinesisEffect::Subscribers];
    StartStreamEncryption(StreamEncryptionInput) -> () = settings::start_encryption;
    StopStreamEncryption(StreamEncryptionInput) -> () = settings::stop_encryption;
    TagResource(TagResourceInput) -> () = policies::tag_resource;
    UntagResource(UntagResourceInput) -> () = policies::untag_resource;
    UpdateAccountSettings(UpdateAccountSettingsInput) -> AccountSettingsOutput = settings::update_account_settings;
    UpdateMaxRecordSize(UpdateMaxRecordSizeInput) -> () = settings::update_max_record_size;
    UpdateShardCount(UpdateShardCountInput) -> UpdateShardCountOutput = reshard::update_shard_count, wakes [KinesisEffect::Subscribers];
    UpdateStreamMode(UpdateStreamModeInput) -> () = settings::update_stream_mode;
    UpdateStreamWarmThroughput(UpdateStreamWarmThroughputInput) -> UpdateStreamWarmThroughputOutput = settings::update_warm_throughput;
}
