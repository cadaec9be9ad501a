//! Kinesis Data Analytics as two [`Service`]s, API v1 (`KinesisAnalytics_20150814`) and API v2
//! (`KinesisAnalytics_20180523`): one store, one error, one effect, a table of operations each.

use super::KdaError;
use crate::service::Service;
use crate::Ctx;
use kinesin_protocol::model::{self, Model};

/// Kinesis Data Analytics API v1 (AWS JSON 1.1).
#[derive(Debug, Clone, Copy)]
pub struct AnalyticsV1Api;

/// Kinesis Data Analytics API v2 (AWS JSON 1.1).
#[derive(Debug, Clone, Copy)]
pub struct AnalyticsV2Api;

/// What an Analytics operation wakes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AnalyticsEffect {
    /// The runner: an application was created, started, stopped, changed or deleted.
    Runner,
}

impl Service for AnalyticsV1Api {
    type Caller = Ctx;
    type Error = KdaError;
    type Effect = AnalyticsEffect;

    fn model() -> &'static Model {
        model::kinesisanalytics()
    }
}

impl Service for AnalyticsV2Api {
    type Caller = Ctx;
    type Error = KdaError;
    type Effect = AnalyticsEffect;

    fn model() -> &'static Model {
        model::kinesisanalyticsv2()
    }
}

/// The operations of API v1.
pub mod v1 {
    use super::{AnalyticsEffect, AnalyticsV1Api};
    use crate::analytics::answers::{CreateOutput, DescribeOutput, Empty, ListOutput, TagsOutput};
    use crate::analytics::apps::{self, CreateInput, DeleteInput, ListInput, NameInput, StartInput};
    use crate::analytics::changes::{self, *};
    use crate::analytics::discover::{self, DiscoverInput, DiscoverOutput};

    crate::operations! {
        service AnalyticsV1Api;
        AddApplicationCloudWatchLoggingOption(Versioned<LoggingBody>) -> Empty = changes::add_logging, wakes [AnalyticsEffect::Runner];
        AddApplicationInput(Versioned<InputBody>) -> Empty = changes::add_input, wakes [AnalyticsEffect::Runner];
        AddApplicationInputProcessingConfiguration(Versioned<ProcessingBody>) -> Empty = changes::add_processing, wakes [AnalyticsEffect::Runner];
        AddApplicationOutput(Versioned<OutputBody>) -> Empty = changes::add_output, wakes [AnalyticsEffect::Runner];
        AddApplicationReferenceDataSource(Versioned<ReferenceBody>) -> Empty = changes::add_reference, wakes [AnalyticsEffect::Runner];
        CreateApplication(CreateInput) -> CreateOutput = apps::create, wakes [AnalyticsEffect::Runner];
        DeleteApplication(DeleteInput) -> Empty = apps::delete, wakes [AnalyticsEffect::Runner];
        DeleteApplicationCloudWatchLoggingOption(Versioned<LoggingIdBody>) -> Empty = changes::delete_logging, wakes [AnalyticsEffect::Runner];
        DeleteApplicationInputProcessingConfiguration(Versioned<ProcessingBody>) -> Empty = changes::delete_processing, wakes [AnalyticsEffect::Runner];
        DeleteApplicationOutput(Versioned<OutputIdBody>) -> Empty = changes::delete_output, wakes [AnalyticsEffect::Runner];
        DeleteApplicationReferenceDataSource(Versioned<ReferenceIdBody>) -> Empty = changes::delete_reference, wakes [AnalyticsEffect::Runner];
        DescribeApplication(NameInput) -> DescribeOutput = apps::describe;
        DiscoverInputSchema(DiscoverInput) -> DiscoverOutput = discover::discover;
        ListApplications(ListInput) -> ListOutput = apps::list;
        ListTagsForResource(ArnInput) -> TagsOutput = changes::list_tags;
        StartApplication(StartInput) -> Empty = apps::start, wakes [AnalyticsEffect::Runner];
        StopApplication(NameInput) -> Empty = apps::stop, wakes [AnalyticsEffect::Runner];
        TagResource(TagInput) -> Empty = changes::tag, wakes [AnalyticsEffect::Runner];
        UntagResource(UntagInput) -> Empty = changes::untag, wakes [AnalyticsEffect::Runner];
        UpdateApplication(Versioned<UpdateBody>) -> Empty = changes::update, wakes [AnalyticsEffect::Runner];
    }
}

/// The operations of API v2.
pub mod v2 {
    use super::{AnalyticsEffect, AnalyticsV2Api};
    use crate::analytics::answers::{ChangeOutput, Empty, OperationOutput, PresignedUrlOutput, TagsOutput};
    use crate::analytics::answers_v2::*;
    use crate::analytics::apps::DeleteInput;
    use crate::analytics::changes::{self, *};
    use crate::analytics::discover::{self, DiscoverInput, DiscoverOutput};
    use crate::analytics::v2::{self as app, *};
    use crate::analytics::v2_history::{self as history, OperationInput, PagedInput, SnapshotInput};

    crate::operations! {
        service AnalyticsV2Api;
        AddApplicationCloudWatchLoggingOption(MaybeVersioned<LoggingBody>) -> ChangeOutput = app::add_logging, wakes [AnalyticsEffect::Runner];
        AddApplicationInput(Versioned<InputBody>) -> ChangeOutput = app::add_input, wakes [AnalyticsEffect::Runner];
        AddApplicationInputProcessingConfiguration(Versioned<ProcessingBody>) -> ChangeOutput = app::add_processing, wakes [AnalyticsEffect::Runner];
        AddApplicationOutput(Versioned<OutputBody>) -> ChangeOutput = app::add_output, wakes [AnalyticsEffect::Runner];
        AddApplicationReferenceDataSource(Versioned<ReferenceBody>) -> ChangeOutput = app::add_reference, wakes [AnalyticsEffect::Runner];
        AddApplicationVpcConfiguration(MaybeVersioned<VpcBody>) -> VpcOutput = app::add_vpc, wakes [AnalyticsEffect::Runner];
        CreateApplication(CreateV2) -> DetailOutput = app::create, wakes [AnalyticsEffect::Runner];
        CreateApplicationPresignedUrl(PresignedInput) -> PresignedUrlOutput = app::presigned_url;
        CreateApplicationSnapshot(SnapshotInput) -> Empty = history::create_snapshot, wakes [AnalyticsEffect::Runner];
        DeleteApplication(DeleteInput) -> Empty = app::delete, wakes [AnalyticsEffect::Runner];
        DeleteApplicationCloudWatchLoggingOption(MaybeVersioned<LoggingIdBody>) -> ChangeOutput = app::delete_logging, wakes [AnalyticsEffect::Runner];
        DeleteApplicationInputProcessingConfiguration(Versioned<ProcessingBody>) -> ChangeOutput = app::delete_processing, wakes [AnalyticsEffect::Runner];
        DeleteApplicationOutput(Versioned<OutputIdBody>) -> ChangeOutput = app::delete_output, wakes [AnalyticsEffect::Runner];
        DeleteApplicationReferenceDataSource(Versioned<ReferenceIdBody>) -> ChangeOutput = app::delete_reference, wakes [AnalyticsEffect::Runner];
        DeleteApplicationSnapshot(SnapshotInput) -> Empty = history::delete_snapshot, wakes [AnalyticsEffect::Runner];
        DeleteApplicationVpcConfiguration(MaybeVersioned<VpcIdBody>) -> ChangeOutput = app::delete_vpc, wakes [AnalyticsEffect::Runner];
        DescribeApplication(NameV2) -> DetailOutput = app::describe;
        DescribeApplicationOperation(OperationInput) -> OperationDetailOutput = history::describe_operation;
        DescribeApplicationSnapshot(SnapshotInput) -> SnapshotOutput = history::describe_snapshot;
        DescribeApplicationVersion(VersionInput) -> VersionDetailOutput = app::describe_version;
        DiscoverInputSchema(DiscoverInput) -> DiscoverOutput = discover::discover;
        ListApplicationOperations(PagedInput) -> OperationsOutput = history::list_operations;
        ListApplicationSnapshots(PagedInput) -> SnapshotsOutput = history::list_snapshots;
        ListApplicationVersions(PagedInput) -> VersionsOutput = history::list_versions;
        ListApplications(ListV2) -> ListOutputV2 = app::list;
        ListTagsForResource(ArnInput) -> TagsOutput = changes::list_tags;
        RollbackApplication(RollbackInput) -> DetailOutput = app::rollback, wakes [AnalyticsEffect::Runner];
        StartApplication(StartV2) -> OperationOutput = app::start, wakes [AnalyticsEffect::Runner];
        StopApplication(StopV2) -> OperationOutput = app::stop, wakes [AnalyticsEffect::Runner];
        TagResource(TagInput) -> Empty = changes::tag, wakes [AnalyticsEffect::Runner];
        UntagResource(UntagInput) -> Empty = changes::untag, wakes [AnalyticsEffect::Runner];
        UpdateApplication(UpdateV2) -> DetailOutput = app::update, wakes [AnalyticsEffect::Runner];
        UpdateApplicationMaintenanceConfiguration(MaintenanceInput) -> MaintenanceOutput = app::update_maintenance, wakes [AnalyticsEffect::Runner];
    }
}
