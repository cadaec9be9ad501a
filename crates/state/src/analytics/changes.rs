//! API v1 operations that change a configuration: UpdateApplication, the Add/Delete
//! operations, and tags.

use super::answers::{Empty, TagDescription, TagsOutput};
use super::apps::{check_version, commit_update, save_tags, Tag};
use super::config::{Input, Item, LoggingOption, Output, Processing, ReferenceDataSource, SourceSchema};
use super::stored::{load, AppRow};
use super::KdaError;
use crate::db::Engine;
use crate::Ctx;
use serde::Deserialize;
use serde_json::Value;

type R<T> = Result<T, KdaError>;

/// A request naming an application and its current version.
#[derive(Debug, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct Versioned<T> {
    pub application_name: String,
    pub current_application_version_id: i64,
    #[serde(flatten)]
    pub body: T,
}

fn change<T>(eng: &mut Engine, ctx: &Ctx, input: Versioned<T>, f: impl FnOnce(&mut AppRow, T) -> R<()>) -> R<Empty> {
    let mut row = load(eng, ctx, &input.application_name)?;
    check_version(&row, input.current_application_version_id)?;
    f(&mut row, input.body)?;
    commit_update(eng, &row)?;
    Ok(Empty {})
}

fn missing(kind: &str, id: &str) -> KdaError {
    KdaError::not_found(format!("{kind} {id} not found."))
}

/// `ApplicationUpdate` (v1).
#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct ApplicationUpdate {
    #[serde(default)]
    pub input_updates: Vec<Value>,
    #[serde(default)]
    pub application_code_update: Option<String>,
    #[serde(default)]
    pub output_updates: Vec<Value>,
    #[serde(default)]
    pub reference_data_source_updates: Vec<Value>,
    #[serde(default)]
    pub cloud_watch_logging_option_updates: Vec<Value>,
}

/// The body of UpdateApplication (v1).
#[derive(Debug, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct UpdateBody {
    pub application_update: ApplicationUpdate,
}

/// UpdateApplication (v1).
pub fn update(eng: &mut Engine, ctx: &Ctx, input: Versioned<UpdateBody>) -> R<Empty> {
    change(eng, ctx, input, |row, b| apply_update(row, b.application_update))
}

/// Applies an `ApplicationUpdate` (v1 field names; v2's SQL updates use the same shapes).
pub fn apply_update(row: &mut AppRow, u: ApplicationUpdate) -> R<()> {
    let c = &mut row.config;
    if let Some(code) = u.application_code_update {
        c.code = Some(code);
    }
    for iu in &u.input_updates {
        let id = iu["InputId"].as_str().unwrap_or_default();
        let item = c.inputs.iter_mut().find(|i| i.id == id).ok_or_else(|| missing("Input", id))?;
        update_input(&mut item.item, iu)?;
    }
    for ou in &u.output_updates {
        let id = ou["OutputId"].as_str().unwrap_or_default();
        let item = c.outputs.iter_mut().find(|o| o.id == id).ok_or_else(|| missing("Output", id))?;
        update_output(&mut item.item, ou)?;
    }
    for ru in &u.reference_data_source_updates {
        let id = ru["ReferenceId"].as_str().unwrap_or_default();
        let item = c.references.iter_mut().find(|r| r.id == id).ok_or_else(|| missing("Reference data source", id))?;
        update_reference(&mut item.item, ru)?;
    }
    for lu in &u.cloud_watch_logging_option_updates {
        let id = lu["CloudWatchLoggingOptionId"].as_str().unwrap_or_default();
        let item = c.logging.iter_mut().find(|l| l.id == id).ok_or_else(|| missing("CloudWatch logging option", id))?;
        if let Some(a) = lu["LogStreamARNUpdate"].as_str() {
            item.item.log_stream_arn = a.to_string();
        }
        if let Some(a) = lu["RoleARNUpdate"].as_str() {
            item.item.role_arn = Some(a.to_string());
        }
    }
    Ok(())
}

fn typed<T: serde::de::DeserializeOwned>(v: &Value) -> R<T> {
    serde_json::from_value(v.clone()).map_err(|e| KdaError::invalid(e.to_string()))
}

fn resource_update(v: &Value) -> Option<super::config::Resource> {
    let arn = v["ResourceARNUpdate"].as_str()?;
    Some(super::config::Resource {
        resource_arn: arn.to_string(),
        role_arn: v["RoleARNUpdate"].as_str().map(str::to_string),
    })
}

fn update_input(i: &mut Input, u: &Value) -> R<()> {
    if let Some(p) = u["NamePrefixUpdate"].as_str() {
        i.name_prefix = p.to_string();
    }
    if let Some(r) = resource_update(&u["KinesisStreamsInputUpdate"]) {
        i.kinesis_streams_input = Some(r);
        i.kinesis_firehose_input = None;
    }
    if let Some(r) = resource_update(&u["KinesisFirehoseInputUpdate"]) {
        i.kinesis_firehose_input = Some(r);
        i.kinesis_streams_input = None;
    }
    if let Some(r) = resource_update(&u["InputProcessingConfigurationUpdate"]["InputLambdaProcessorUpdate"]) {
        i.input_processing_configuration = Some(Processing { input_lambda_processor: r });
    }
    if let Some(n) = u["InputParallelismUpdate"]["CountUpdate"].as_i64() {
        i.input_parallelism = Some(super::config::Parallelism { count: Some(n) });
    }
    update_schema(&mut i.input_schema, &u["InputSchemaUpdate"])
}

fn update_schema(s: &mut SourceSchema, u: &Value) -> R<()> {
    if !u["RecordFormatUpdate"].is_null() {
        s.record_format = typed(&u["RecordFormatUpdate"])?;
    }
    if let Some(e) = u["RecordEncodingUpdate"].as_str() {
        s.record_encoding = Some(e.to_string());
    }
    if !u["RecordColumnUpdates"].is_null() {
        s.record_columns = typed(&u["RecordColumnUpdates"])?;
    }
    Ok(())
}

fn update_output(o: &mut Output, u: &Value) -> R<()> {
    if let Some(n) = u["NameUpdate"].as_str() {
        o.name = n.to_string();
    }
    let updates = [
        resource_update(&u["KinesisStreamsOutputUpdate"]),
        resource_update(&u["KinesisFirehoseOutputUpdate"]),
        resource_update(&u["LambdaOutputUpdate"]),
    ];
    if updates.iter().any(Option::is_some) {
        let [k, f, l] = updates;
        (o.kinesis_streams_output, o.kinesis_firehose_output, o.lambda_output) = (k, f, l);
    }
    if !u["DestinationSchemaUpdate"].is_null() {
        o.destination_schema = typed(&u["DestinationSchemaUpdate"])?;
    }
    Ok(())
}

fn update_reference(r: &mut ReferenceDataSource, u: &Value) -> R<()> {
    if let Some(t) = u["TableNameUpdate"].as_str() {
        r.table_name = t.to_string();
    }
    let s3 = &u["S3ReferenceDataSourceUpdate"];
    if let Some(s) = r.s3.as_mut() {
        if let Some(b) = s3["BucketARNUpdate"].as_str() {
            s.bucket_arn = b.to_string();
        }
        if let Some(k) = s3["FileKeyUpdate"].as_str() {
            s.file_key = k.to_string();
        }
        if let Some(k) = s3["ReferenceRoleARNUpdate"].as_str() {
            s.reference_role_arn = Some(k.to_string());
        }
    }
    if !u["ReferenceSchemaUpdate"].is_null() {
        r.reference_schema = typed(&u["ReferenceSchemaUpdate"])?;
    }
    Ok(())
}

/// `{Input}`.
#[derive(Debug, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct InputBody {
    pub input: Input,
}

/// AddApplicationInput.
pub fn add_input(eng: &mut Engine, ctx: &Ctx, input: Versioned<InputBody>) -> R<Empty> {
    change(eng, ctx, input, |row, b| {
        let id = row.config.new_id();
        row.config.inputs.push(Item { id, item: b.input });
        Ok(())
    })
}

/// `{Output}`.
#[derive(Debug, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct OutputBody {
    pub output: Output,
}

/// AddApplicationOutput.
pub fn add_output(eng: &mut Engine, ctx: &Ctx, input: Versioned<OutputBody>) -> R<Empty> {
    change(eng, ctx, input, |row, b| {
        let id = row.config.new_id();
        row.config.outputs.push(Item { id, item: b.output });
        Ok(())
    })
}

/// `{OutputId}`.
#[derive(Debug, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct OutputIdBody {
    pub output_id: String,
}

/// DeleteApplicationOutput.
pub fn delete_output(eng: &mut Engine, ctx: &Ctx, input: Versioned<OutputIdBody>) -> R<Empty> {
    change(eng, ctx, input, |row, b| remove(&mut row.config.outputs, &b.output_id, "Output"))
}

fn remove<T>(items: &mut Vec<Item<T>>, id: &str, kind: &str) -> R<()> {
    let before = items.len();
    items.retain(|i| i.id != id);
    if items.len() == before {
        return Err(missing(kind, id));
    }
    Ok(())
}

/// `{InputId, InputProcessingConfiguration}`.
#[derive(Debug, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct ProcessingBody {
    pub input_id: String,
    #[serde(default)]
    pub input_processing_configuration: Option<Processing>,
}

/// AddApplicationInputProcessingConfiguration.
pub fn add_processing(eng: &mut Engine, ctx: &Ctx, input: Versioned<ProcessingBody>) -> R<Empty> {
    change(eng, ctx, input, |row, b| {
        let item =
            row.config.inputs.iter_mut().find(|i| i.id == b.input_id).ok_or_else(|| missing("Input", &b.input_id))?;
        item.item.input_processing_configuration = b.input_processing_configuration;
        Ok(())
    })
}

/// DeleteApplicationInputProcessingConfiguration.
pub fn delete_processing(eng: &mut Engine, ctx: &Ctx, input: Versioned<ProcessingBody>) -> R<Empty> {
    change(eng, ctx, input, |row, b| {
        let item =
            row.config.inputs.iter_mut().find(|i| i.id == b.input_id).ok_or_else(|| missing("Input", &b.input_id))?;
        item.item.input_processing_configuration = None;
        Ok(())
    })
}

/// `{ReferenceDataSource}`.
#[derive(Debug, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct ReferenceBody {
    pub reference_data_source: ReferenceDataSource,
}

/// AddApplicationReferenceDataSource.
pub fn add_reference(eng: &mut Engine, ctx: &Ctx, input: Versioned<ReferenceBody>) -> R<Empty> {
    change(eng, ctx, input, |row, b| {
        let id = row.config.new_id();
        row.config.references.push(Item { id, item: b.reference_data_source });
        Ok(())
    })
}

/// `{ReferenceId}`.
#[derive(Debug, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct ReferenceIdBody {
    pub reference_id: String,
}

/// DeleteApplicationReferenceDataSource.
pub fn delete_reference(eng: &mut Engine, ctx: &Ctx, input: Versioned<ReferenceIdBody>) -> R<Empty> {
    change(eng, ctx, input, |row, b| remove(&mut row.config.references, &b.reference_id, "Reference data source"))
}

/// `{CloudWatchLoggingOption}`.
#[derive(Debug, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct LoggingBody {
    pub cloud_watch_logging_option: LoggingOption,
}

/// AddApplicationCloudWatchLoggingOption.
pub fn add_logging(eng: &mut Engine, ctx: &Ctx, input: Versioned<LoggingBody>) -> R<Empty> {
    change(eng, ctx, input, |row, b| {
        let id = row.config.new_id();
        row.config.logging.push(Item { id, item: b.cloud_watch_logging_option });
        Ok(())
    })
}

/// `{CloudWatchLoggingOptionId}`.
#[derive(Debug, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct LoggingIdBody {
    pub cloud_watch_logging_option_id: String,
}

/// DeleteApplicationCloudWatchLoggingOption.
pub fn delete_logging(eng: &mut Engine, ctx: &Ctx, input: Versioned<LoggingIdBody>) -> R<Empty> {
    change(eng, ctx, input, |row, b| {
        remove(&mut row.config.logging, &b.cloud_watch_logging_option_id, "CloudWatch logging option")
    })
}

/// `TagResource`.
#[derive(Debug, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct TagInput {
    #[serde(rename = "ResourceARN")]
    pub resource_arn: String,
    pub tags: Vec<Tag>,
}

/// TagResource (both APIs).
pub fn tag(eng: &mut Engine, ctx: &Ctx, input: TagInput) -> R<Empty> {
    let mut row = super::apps::by_arn(eng, ctx, &input.resource_arn)?;
    for t in input.tags {
        row.tags.insert(t.key, t.value.unwrap_or_default());
    }
    save_tags(eng, &row)?;
    Ok(Empty {})
}

/// `UntagResource`.
#[derive(Debug, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct UntagInput {
    #[serde(rename = "ResourceARN")]
    pub resource_arn: String,
    pub tag_keys: Vec<String>,
}

/// UntagResource (both APIs).
pub fn untag(eng: &mut Engine, ctx: &Ctx, input: UntagInput) -> R<Empty> {
    let mut row = super::apps::by_arn(eng, ctx, &input.resource_arn)?;
    for k in &input.tag_keys {
        row.tags.remove(k);
    }
    save_tags(eng, &row)?;
    Ok(Empty {})
}

/// `{ResourceARN}`.
#[derive(Debug, Deserialize)]
pub struct ArnInput {
    #[serde(rename = "ResourceARN")]
    pub resource_arn: String,
}

/// ListTagsForResource (both APIs).
pub fn list_tags(eng: &mut Engine, ctx: &Ctx, input: ArnInput) -> R<TagsOutput> {
    let row = super::apps::by_arn(eng, ctx, &input.resource_arn)?;
    let tags = row.tags.iter().map(|(k, v)| TagDescription { key: k.clone(), value: v.clone() }).collect();
    Ok(TagsOutput { tags })
}
