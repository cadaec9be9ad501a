//! Applications in the store: rows, statuses, and the operations of API v1
//! (`KinesisAnalytics_20150814`).
//!
//! AWS's exact messages for most of these errors are not published; where none was found
//! the message says plainly what is wrong.

use super::answers::*;
use super::config::{AppConfig, Input, Item, LoggingOption, Output, Processing, ReferenceDataSource};
use super::stored::{all, load, set_status, AppRow, FOREVER};
use super::{arn, KdaError};

type R<T> = Result<T, KdaError>;
use crate::db::Engine;
use crate::kinesis::epoch_secs;
use crate::Ctx;
use rusqlite::params;
use serde::Deserialize;
use std::collections::BTreeMap;

/// Most outputs per application.
pub const MAX_OUTPUTS: usize = 3;
/// Most user tags per application.
pub const MAX_TAGS: usize = 50;

/// Saves a changed configuration as a new version.
pub fn save_config(eng: &Engine, row: &AppRow) -> R<()> {
    eng.conn
        .prepare_cached("UPDATE kda_apps SET config=?2, version=version+1, updated_ms=?3 WHERE id=?1")?
        .execute(params![row.id, serde_json::to_string(&row.config)?, eng.now()])?;
    Ok(())
}

/// Inserts a new application (status READY).
pub fn insert(
    eng: &Engine,
    ctx: &Ctx,
    name: &str,
    api: i64,
    config: &AppConfig,
    tags: &BTreeMap<String, String>,
) -> R<()> {
    let now = eng.now();
    let done = eng
        .conn
        .prepare_cached(
            "INSERT OR IGNORE INTO kda_apps(account, region, name, api, status, status_until, version, created_ms, updated_ms, config, tags)
             VALUES (?1, ?2, ?3, ?4, 'READY', ?5, 1, ?6, ?6, ?7, ?8)",
        )?
        .execute(params![ctx.account, ctx.region, name, api, FOREVER, now, serde_json::to_string(config)?, serde_json::to_string(tags)?])?;
    if done == 0 {
        return Err(KdaError::in_use(format!("Application {name} already exists.")));
    }
    Ok(())
}

/// Checks the parts of a configuration the model cannot: counts, names and the SQL code.
pub fn check_config(c: &AppConfig) -> R<()> {
    if c.inputs.len() > 1 {
        return Err(KdaError::invalid("Applications support only one streaming source."));
    }
    if c.outputs.len() > MAX_OUTPUTS {
        return Err(KdaError::limit(format!("Applications support at most {MAX_OUTPUTS} outputs.")));
    }
    for i in &c.inputs {
        let n = (&i.item.kinesis_streams_input, &i.item.kinesis_firehose_input);
        if matches!(n, (None, None) | (Some(_), Some(_))) {
            return Err(KdaError::invalid(
                "An input needs exactly one of KinesisStreamsInput and KinesisFirehoseInput.",
            ));
        }
        i.item.input_schema.stream_def(&i.item.name_prefix).map_err(KdaError::invalid)?;
    }
    for o in &c.outputs {
        let n = [&o.item.kinesis_streams_output, &o.item.kinesis_firehose_output, &o.item.lambda_output];
        if n.iter().filter(|x| x.is_some()).count() != 1 {
            return Err(KdaError::invalid("An output needs exactly one destination."));
        }
    }
    // Code is checked once there is an input to check it against (the console adds the
    // input first and the code after); StartApplication checks it in any case.
    if c.code.as_deref().is_some_and(|s| !s.trim().is_empty()) && !c.inputs.is_empty() {
        c.compile().map_err(KdaError::code)?;
    }
    Ok(())
}

fn tag_map(tags: Option<Vec<Tag>>) -> R<BTreeMap<String, String>> {
    let tags = tags.unwrap_or_default();
    if tags.len() > MAX_TAGS {
        return Err(KdaError::too_many_tags(format!("Too many tags: at most {MAX_TAGS} per application.")));
    }
    Ok(tags.into_iter().map(|t| (t.key, t.value.unwrap_or_default())).collect())
}

/// `Tag`.
#[derive(Debug, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct Tag {
    pub key: String,
    #[serde(default)]
    pub value: Option<String>,
}

/// `CreateApplication` (v1).
#[derive(Debug, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct CreateInput {
    pub application_name: String,
    #[serde(default)]
    pub application_description: Option<String>,
    #[serde(default)]
    pub inputs: Option<Vec<Input>>,
    #[serde(default)]
    pub outputs: Option<Vec<Output>>,
    #[serde(default)]
    pub cloud_watch_logging_options: Option<Vec<LoggingOption>>,
    #[serde(default)]
    pub application_code: Option<String>,
    #[serde(default)]
    pub tags: Option<Vec<Tag>>,
}

/// CreateApplication (v1).
pub fn create(eng: &mut Engine, ctx: &Ctx, input: CreateInput) -> R<CreateOutput> {
    let mut c =
        AppConfig { description: input.application_description, code: input.application_code, ..Default::default() };
    for i in input.inputs.unwrap_or_default() {
        let id = c.new_id();
        c.inputs.push(Item { id, item: i });
    }
    for o in input.outputs.unwrap_or_default() {
        let id = c.new_id();
        c.outputs.push(Item { id, item: o });
    }
    for l in input.cloud_watch_logging_options.unwrap_or_default() {
        let id = c.new_id();
        c.logging.push(Item { id, item: l });
    }
    check_config(&c)?;
    let tags = tag_map(input.tags)?;
    insert(eng, ctx, &input.application_name, 1, &c, &tags)?;
    let row = load(eng, ctx, &input.application_name)?;
    Ok(CreateOutput { application_summary: summary(ctx, &row) })
}

fn summary(ctx: &Ctx, row: &AppRow) -> ApplicationSummary {
    ApplicationSummary {
        application_name: row.name.clone(),
        application_arn: arn(ctx, &row.name),
        application_status: row.status.clone(),
    }
}

/// `{ApplicationName}`.
#[derive(Debug, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct NameInput {
    pub application_name: String,
}

/// DescribeApplication (v1).
pub fn describe(eng: &mut Engine, ctx: &Ctx, input: NameInput) -> R<DescribeOutput> {
    let row = load(eng, ctx, &input.application_name)?;
    Ok(DescribeOutput { application_detail: detail(ctx, &row) })
}

/// The v1 `ApplicationDetail`.
pub fn detail(ctx: &Ctx, row: &AppRow) -> ApplicationDetail {
    let c = &row.config;
    ApplicationDetail {
        application_name: row.name.clone(),
        application_description: c.description.clone(),
        application_arn: arn(ctx, &row.name),
        application_status: row.status.clone(),
        create_timestamp: epoch_secs(row.created_ms),
        last_update_timestamp: epoch_secs(row.updated_ms),
        input_descriptions: c.inputs.iter().map(|i| input_description(c, i)).collect(),
        output_descriptions: c.outputs.iter().map(output_description).collect(),
        reference_data_source_descriptions: c.references.iter().map(reference_description).collect(),
        cloud_watch_logging_option_descriptions: c.logging.iter().map(logging_description).collect(),
        application_code: c.code.clone(),
        application_version_id: row.version,
    }
}

/// `InputDescription` (both APIs).
pub fn input_description(c: &AppConfig, i: &Item<Input>) -> InputDescription {
    let processing = i.item.input_processing_configuration.as_ref();
    let start = c.starting_positions.iter().find(|(id, _)| *id == i.id).map(|(_, p)| p.clone());
    InputDescription {
        input_id: i.id.clone(),
        name_prefix: i.item.name_prefix.clone(),
        in_app_stream_names: i.item.stream_names(),
        input_processing_configuration_description: processing.map(|Processing { input_lambda_processor: l }| {
            ProcessingDescription { input_lambda_processor_description: l.clone() }
        }),
        kinesis_streams_input_description: i.item.kinesis_streams_input.clone(),
        kinesis_firehose_input_description: i.item.kinesis_firehose_input.clone(),
        input_schema: i.item.input_schema.clone(),
        input_parallelism: ParallelismDescription { count: i.item.parallelism() },
        input_starting_position_configuration: StartingPositionDescription { input_starting_position: start },
    }
}

/// `OutputDescription` (both APIs).
pub fn output_description(o: &Item<Output>) -> OutputDescription {
    OutputDescription {
        output_id: o.id.clone(),
        name: o.item.name.clone(),
        kinesis_streams_output_description: o.item.kinesis_streams_output.clone(),
        kinesis_firehose_output_description: o.item.kinesis_firehose_output.clone(),
        lambda_output_description: o.item.lambda_output.clone(),
        destination_schema: o.item.destination_schema.clone(),
    }
}

/// `ReferenceDataSourceDescription` (both APIs).
pub fn reference_description(r: &Item<ReferenceDataSource>) -> ReferenceDescription {
    ReferenceDescription {
        reference_id: r.id.clone(),
        table_name: r.item.table_name.clone(),
        reference_schema: r.item.reference_schema.clone(),
        s3: r.item.s3.as_ref().map(|s3| S3ReferenceDescription {
            bucket_arn: s3.bucket_arn.clone(),
            file_key: s3.file_key.clone(),
            reference_role_arn: s3.reference_role_arn.clone(),
        }),
    }
}

/// `CloudWatchLoggingOptionDescription` (both APIs).
pub fn logging_description(l: &Item<LoggingOption>) -> LoggingDescription {
    LoggingDescription {
        cloud_watch_logging_option_id: l.id.clone(),
        log_stream_arn: l.item.log_stream_arn.clone(),
        role_arn: l.item.role_arn.clone(),
    }
}

/// `ListApplications` (v1).
#[derive(Debug, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct ListInput {
    #[serde(default)]
    pub limit: Option<usize>,
    #[serde(default)]
    pub exclusive_start_application_name: Option<String>,
}

/// ListApplications (v1).
pub fn list(eng: &mut Engine, ctx: &Ctx, input: ListInput) -> R<ListOutput> {
    let limit = input.limit.unwrap_or(40);
    let apps: Vec<AppRow> = all(eng, Some(ctx))?
        .into_iter()
        .map(|(_, r)| r)
        .filter(|r| input.exclusive_start_application_name.as_ref().is_none_or(|s| r.name > *s))
        .collect();
    let more = apps.len() > limit;
    let application_summaries = apps.iter().take(limit).map(|r| summary(ctx, r)).collect();
    Ok(ListOutput { application_summaries, has_more_applications: more })
}

/// `DeleteApplication` (v1).
#[derive(Debug, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct DeleteInput {
    pub application_name: String,
    pub create_timestamp: f64,
}

/// DeleteApplication (v1): the CreateTimestamp must be the application's.
pub fn delete(eng: &mut Engine, ctx: &Ctx, input: DeleteInput) -> R<Empty> {
    let row = load(eng, ctx, &input.application_name)?;
    if (input.create_timestamp - epoch_secs(row.created_ms)).abs() >= 1.0 {
        return Err(KdaError::invalid("CreateTimestamp does not match the application's."));
    }
    begin_delete(eng, &row)?;
    Ok(Empty {})
}

/// Starts deleting an application (DELETING for the delete delay, then gone).
pub fn begin_delete(eng: &mut Engine, row: &AppRow) -> R<()> {
    if row.status == "DELETING" {
        return Err(KdaError::in_use(format!("Application {} is being deleted.", row.name)));
    }
    super::firehose_input::close(eng, row.id)?;
    let delay = eng.settings.analytics.delete_delay_ms;
    set_status(eng, row.id, "DELETING", delay, None)
}

/// `StartApplication` (v1).
#[derive(Debug, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct StartInput {
    pub application_name: String,
    pub input_configurations: Vec<InputConfiguration>,
}

/// `InputConfiguration`.
#[derive(Debug, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct InputConfiguration {
    pub id: String,
    pub input_starting_position_configuration: StartingPosition,
}

/// `InputStartingPositionConfiguration`.
#[derive(Debug, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct StartingPosition {
    #[serde(default)]
    pub input_starting_position: Option<String>,
}

/// StartApplication (v1).
pub fn start(eng: &mut Engine, ctx: &Ctx, input: StartInput) -> R<Empty> {
    let mut row = load(eng, ctx, &input.application_name)?;
    let mut positions = Vec::new();
    for ic in &input.input_configurations {
        if !row.config.inputs.iter().any(|i| i.id == ic.id) {
            return Err(KdaError::invalid(format!("Input {} not found.", ic.id)));
        }
        let p =
            ic.input_starting_position_configuration.input_starting_position.clone().unwrap_or_else(|| "NOW".into());
        positions.push((ic.id.clone(), p));
    }
    begin_start(eng, ctx, &mut row, positions)?;
    Ok(Empty {})
}

/// Checks and starts an application: STARTING for the create delay, then RUNNING.
pub fn begin_start(eng: &mut Engine, ctx: &Ctx, row: &mut AppRow, positions: Vec<(String, String)>) -> R<()> {
    if row.status != "READY" {
        return Err(KdaError::in_use(format!(
            "Application {} is in {} state; it must be READY to start.",
            row.name, row.status
        )));
    }
    if row.config.inputs.is_empty() {
        return Err(KdaError::configuration("The application has no input to read."));
    }
    row.config.compile().map_err(KdaError::configuration)?;
    super::targets::check_outputs(eng, &row.config)?;
    let resume = positions.iter().all(|(_, p)| p == "LAST_STOPPED_POINT");
    if !resume {
        eng.conn.prepare_cached("DELETE FROM kda_source_shards WHERE app=?1")?.execute([row.id])?;
        eng.conn.prepare_cached("DELETE FROM kda_state WHERE app=?1")?.execute([row.id])?;
        super::preprocess::consumed(eng, row.id, None)?;
    }
    row.config.starting_positions = positions;
    eng.conn
        .prepare_cached("UPDATE kda_apps SET config=?2, run=run+1 WHERE id=?1")?
        .execute(params![row.id, serde_json::to_string(&row.config)?])?;
    super::firehose_input::open(eng, row, resume)?;
    if !resume {
        // NOW is the stream's end when the application is started (as AWS reads it), not
        // when the engine first runs it, which may be after records put meanwhile.
        super::run::initialize_positions(eng, ctx, row)?;
    }
    let delay = eng.settings.analytics.create_delay_ms;
    set_status(eng, row.id, "STARTING", delay, Some("RUNNING"))
}

/// StopApplication (v1).
pub fn stop(eng: &mut Engine, ctx: &Ctx, input: NameInput) -> R<Empty> {
    let row = load(eng, ctx, &input.application_name)?;
    begin_stop(eng, &row)?;
    Ok(Empty {})
}

/// Stops an application: STOPPING for the delete delay, then READY.
pub fn begin_stop(eng: &mut Engine, row: &AppRow) -> R<()> {
    match row.status.as_str() {
        "RUNNING" | "STARTING" | "UPDATING" => {
            super::firehose_input::close(eng, row.id)?;
            let delay = eng.settings.analytics.delete_delay_ms;
            set_status(eng, row.id, "STOPPING", delay, Some("READY"))
        }
        "READY" => Ok(()),
        s => Err(KdaError::in_use(format!("Application {} is in {s} state and cannot be stopped.", row.name))),
    }
}

/// Fails unless `given` is the application's current version.
pub fn check_version(row: &AppRow, given: i64) -> R<()> {
    if given != row.version {
        return Err(KdaError::concurrent(format!(
            "Current application version id is {}, provided {given}.",
            row.version
        )));
    }
    if matches!(row.status.as_str(), "DELETING" | "STOPPING" | "STARTING" | "UPDATING") {
        return Err(KdaError::in_use(format!("Application {} is in {} state.", row.name, row.status)));
    }
    Ok(())
}

/// Saves a changed configuration after checking it; a running application is UPDATING for
/// the update delay.
pub fn commit_update(eng: &mut Engine, row: &AppRow) -> R<()> {
    check_config(&row.config)?;
    save_config(eng, row)?;
    if row.status == "RUNNING" {
        let delay = eng.settings.analytics.update_delay_ms;
        set_status(eng, row.id, "UPDATING", delay, Some("RUNNING"))?;
        eng.conn.prepare_cached("UPDATE kda_apps SET run=run+1 WHERE id=?1")?.execute([row.id])?;
        super::firehose_input::open(eng, row, true)?;
    }
    Ok(())
}

/// The tags of an application named by ARN.
pub fn by_arn(eng: &mut Engine, ctx: &Ctx, resource_arn: &str) -> R<AppRow> {
    let name = resource_arn
        .strip_prefix(&format!("arn:aws:kinesisanalytics:{}:{}:application/", ctx.region, ctx.account))
        .ok_or_else(|| KdaError::invalid(format!("Invalid application ARN {resource_arn}.")))?;
    load(eng, ctx, name)
}

/// Replaces the tags of an application.
pub fn save_tags(eng: &Engine, row: &AppRow) -> R<()> {
    if row.tags.len() > MAX_TAGS {
        return Err(KdaError::too_many_tags(format!("Too many tags: at most {MAX_TAGS} per application.")));
    }
    eng.conn
        .prepare_cached("UPDATE kda_apps SET tags=?2 WHERE id=?1")?
        .execute(params![row.id, serde_json::to_string(&row.tags)?])?;
    Ok(())
}
