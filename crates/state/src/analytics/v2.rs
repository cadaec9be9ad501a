//! API v2 (`KinesisAnalytics_20180523`): the same applications with v2's shapes, plus
//! versions, snapshots and operations. `SQL-1_0` applications run on the SQL engine;
//! `FLINK-*` (and `ZEPPELIN-*`) applications get the whole control plane, but their code is
//! not executed.

use super::answers::{ChangeOutput, Empty, OperationOutput, PresignedUrlOutput};
use super::answers_v2::*;
use super::apps::{self, check_version, CreateInput, Tag};
use super::changes::{self, apply_update, ApplicationUpdate, Versioned};
use super::config::{AppConfig, Input, Item, LoggingOption, Output, ReferenceDataSource};
use super::stored::{self, load, AppRow};
use super::v2_history::{record, remember_version};
use super::{arn, KdaError};
use crate::db::Engine;
use crate::kinesis::epoch_secs;
use crate::Ctx;
use serde::Deserialize;
use serde_json::{json, Value};

type R<T> = Result<T, KdaError>;

/// `CreateApplication` (v2).
#[derive(Debug, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct CreateV2 {
    pub application_name: String,
    #[serde(default)]
    pub application_description: Option<String>,
    pub runtime_environment: String,
    pub service_execution_role: String,
    #[serde(default)]
    pub application_configuration: Option<Value>,
    #[serde(default)]
    pub cloud_watch_logging_options: Option<Vec<LoggingOption>>,
    #[serde(default)]
    pub tags: Option<Vec<Tag>>,
    #[serde(default)]
    pub application_mode: Option<String>,
}

fn typed<T: serde::de::DeserializeOwned>(v: &Value) -> R<T> {
    serde_json::from_value(v.clone()).map_err(|e| KdaError::invalid(e.to_string()))
}

fn is_sql(runtime: &str) -> bool {
    runtime == "SQL-1_0"
}

/// CreateApplication (v2).
pub fn create(eng: &mut Engine, ctx: &Ctx, input: CreateV2) -> R<DetailOutput> {
    let mut conf = input.application_configuration.unwrap_or_else(|| json!({}));
    let sql = conf.as_object_mut().and_then(|o| o.remove("SqlApplicationConfiguration")).unwrap_or(Value::Null);
    let code = text_code(&conf);
    let v1 = CreateInput {
        application_name: input.application_name.clone(),
        application_description: input.application_description,
        inputs: (!sql["Inputs"].is_null()).then(|| typed(&sql["Inputs"])).transpose()?,
        outputs: (!sql["Outputs"].is_null()).then(|| typed(&sql["Outputs"])).transpose()?,
        cloud_watch_logging_options: input.cloud_watch_logging_options,
        application_code: if is_sql(&input.runtime_environment) { code } else { None },
        tags: input.tags,
    };
    let mut c = to_config(v1.clone_parts())?;
    for r in sql["ReferenceDataSources"].as_array().into_iter().flatten() {
        let id = c.new_id();
        c.references.push(Item { id, item: typed::<ReferenceDataSource>(r)? });
    }
    c.runtime = Some(input.runtime_environment);
    c.service_role = Some(input.service_execution_role);
    c.v2.configuration = conf;
    c.v2.mode = input.application_mode;
    apps::check_config(&c)?;
    let tags =
        v1.tags.map(|t| t.into_iter().map(|t| (t.key, t.value.unwrap_or_default())).collect()).unwrap_or_default();
    apps::insert(eng, ctx, &input.application_name, 2, &c, &tags)?;
    let row = load(eng, ctx, &input.application_name)?;
    Ok(DetailOutput { application_detail: detail(ctx, &row), operation_id: None })
}

impl CreateInput {
    fn clone_parts(&self) -> Parts {
        (
            self.application_description.clone(),
            self.application_code.clone(),
            self.inputs.clone().unwrap_or_default(),
            self.outputs.clone().unwrap_or_default(),
            self.cloud_watch_logging_options.clone().unwrap_or_default(),
        )
    }
}

type Parts = (Option<String>, Option<String>, Vec<Input>, Vec<Output>, Vec<LoggingOption>);

fn to_config((description, code, inputs, outputs, logging): Parts) -> R<AppConfig> {
    let mut c = AppConfig { description, code, ..Default::default() };
    for i in inputs {
        let id = c.new_id();
        c.inputs.push(Item { id, item: i });
    }
    for o in outputs {
        let id = c.new_id();
        c.outputs.push(Item { id, item: o });
    }
    for l in logging {
        let id = c.new_id();
        c.logging.push(Item { id, item: l });
    }
    Ok(c)
}

/// The SQL text of an ApplicationCodeConfiguration (PLAINTEXT).
fn text_code(conf: &Value) -> Option<String> {
    conf["ApplicationCodeConfiguration"]["CodeContent"]["TextContent"].as_str().map(str::to_string)
}

/// The v2 `ApplicationDetail`.
pub fn detail(ctx: &Ctx, row: &AppRow) -> ApplicationDetailV2 {
    let c = &row.config;
    let runtime = c.runtime.clone().unwrap_or_else(|| "SQL-1_0".into());
    ApplicationDetailV2 {
        application_arn: arn(ctx, &row.name),
        application_description: c.description.clone(),
        application_name: row.name.clone(),
        application_configuration_description: configuration_description(c, &runtime),
        runtime_environment: runtime,
        service_execution_role: c.service_role.clone(),
        application_status: row.status.clone(),
        application_version_id: row.version,
        create_timestamp: epoch_secs(row.created_ms),
        last_update_timestamp: epoch_secs(row.updated_ms),
        cloud_watch_logging_option_descriptions: c.logging.iter().map(apps::logging_description).collect(),
        application_maintenance_configuration_description: c.v2.maintenance_start.clone().map(maintenance),
        application_mode: c.v2.mode.clone().unwrap_or_else(|| "STREAMING".into()),
    }
}

/// The maintenance window that starts at `start` (kinesin keeps no end of its own).
fn maintenance(start: String) -> MaintenanceDescription {
    MaintenanceDescription {
        application_maintenance_window_end_time: start.clone(),
        application_maintenance_window_start_time: start,
    }
}

fn configuration_description(c: &AppConfig, runtime: &str) -> ConfigurationDescription {
    let conf = &c.v2.configuration;
    let sql = is_sql(runtime).then(|| SqlDescription {
        input_descriptions: c.inputs.iter().map(|i| apps::input_description(c, i)).collect(),
        output_descriptions: c.outputs.iter().map(apps::output_description).collect(),
        reference_data_source_descriptions: c.references.iter().map(apps::reference_description).collect(),
    });
    let groups = &conf["EnvironmentProperties"]["PropertyGroups"];
    let snapshots = conf["ApplicationSnapshotConfiguration"]["SnapshotsEnabled"].as_bool().unwrap_or(!is_sql(runtime));
    let vpcs = conf["VpcConfigurations"].as_array();
    ConfigurationDescription {
        flink_application_configuration_description: sql
            .is_none()
            .then(|| flink_description(&conf["FlinkApplicationConfiguration"])),
        sql_application_configuration_description: sql,
        application_code_configuration_description: code_description(c, conf),
        run_configuration_description: RunDescription {
            application_restore_configuration_description: RestoreDescription {
                application_restore_type: "SKIP_RESTORE_FROM_SNAPSHOT",
            },
        },
        environment_property_descriptions: (!groups.is_null())
            .then(|| EnvironmentDescription { property_group_descriptions: groups.clone() }),
        application_snapshot_configuration_description: SnapshotsDescription { snapshots_enabled: snapshots },
        vpc_configuration_descriptions: vpcs
            .map(|vpcs| vpcs.iter().enumerate().map(|(i, v)| vpc_description(i, v)).collect()),
    }
}

fn vpc_description(i: usize, v: &Value) -> VpcDescription {
    let ids = |key: &str| serde_json::from_value(v[key].clone()).unwrap_or_default();
    VpcDescription {
        vpc_configuration_id: format!("{}.1", i + 1),
        vpc_id: "vpc-00000000",
        subnet_ids: ids("SubnetIds"),
        security_group_ids: ids("SecurityGroupIds"),
    }
}

fn code_description(c: &AppConfig, conf: &Value) -> CodeDescription {
    let given = &conf["ApplicationCodeConfiguration"];
    let content = &given["CodeContent"];
    let text = c.code.as_deref().or(content["TextContent"].as_str());
    let s3 = &content["S3ContentLocation"];
    CodeDescription {
        code_content_type: given["CodeContentType"].as_str().unwrap_or("PLAINTEXT").to_string(),
        code_content_description: CodeContentDescription {
            text_content: text.map(str::to_string),
            code_size: text.map(str::len),
            s3_application_code_location_description: (!s3.is_null()).then(|| s3.clone()),
        },
    }
}

/// Flink's three configurations: AWS's defaults, but for the members of a part whose
/// `ConfigurationType` is CUSTOM.
fn flink_description(given: &Value) -> FlinkDescription {
    fn pick<T: serde::de::DeserializeOwned + Default>(part: &Value) -> T {
        match part["ConfigurationType"] == "CUSTOM" {
            true => serde_json::from_value(part.clone()).unwrap_or_default(),
            false => T::default(),
        }
    }
    let mut parallelism: FlinkParallelismDescription = pick(&given["ParallelismConfiguration"]);
    parallelism.current_parallelism = parallelism.parallelism;
    FlinkDescription {
        checkpoint_configuration_description: pick(&given["CheckpointConfiguration"]),
        monitoring_configuration_description: pick(&given["MonitoringConfiguration"]),
        parallelism_configuration_description: parallelism,
    }
}

/// `{ApplicationName}` (v2 DescribeApplication).
#[derive(Debug, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct NameV2 {
    pub application_name: String,
}

/// DescribeApplication (v2).
pub fn describe(eng: &mut Engine, ctx: &Ctx, input: NameV2) -> R<DetailOutput> {
    let row = load(eng, ctx, &input.application_name)?;
    Ok(DetailOutput { application_detail: detail(ctx, &row), operation_id: None })
}

/// `ListApplications` (v2).
#[derive(Debug, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct ListV2 {
    #[serde(default)]
    pub limit: Option<usize>,
    #[serde(default)]
    pub next_token: Option<String>,
}

/// ListApplications (v2).
pub fn list(eng: &mut Engine, ctx: &Ctx, input: ListV2) -> R<ListOutputV2> {
    let limit = input.limit.unwrap_or(50);
    let rows: Vec<AppRow> = stored::all(eng, Some(ctx))?
        .into_iter()
        .map(|(_, r)| r)
        .filter(|r| input.next_token.as_ref().is_none_or(|t| r.name > *t))
        .collect();
    let summaries = rows
        .iter()
        .take(limit)
        .map(|r| ApplicationSummaryV2 {
            application_name: r.name.clone(),
            application_arn: arn(ctx, &r.name),
            application_status: r.status.clone(),
            application_version_id: r.version,
            runtime_environment: r.config.runtime.clone().unwrap_or_else(|| "SQL-1_0".into()),
            application_mode: r.config.v2.mode.clone().unwrap_or_else(|| "STREAMING".into()),
        })
        .collect();
    let next_token = (rows.len() > limit).then(|| rows[limit - 1].name.clone());
    Ok(ListOutputV2 { application_summaries: summaries, next_token })
}

/// DeleteApplication (v2).
pub fn delete(eng: &mut Engine, ctx: &Ctx, input: apps::DeleteInput) -> R<Empty> {
    apps::delete(eng, ctx, input)
}

/// `StartApplication` (v2).
#[derive(Debug, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct StartV2 {
    pub application_name: String,
    #[serde(default)]
    pub run_configuration: Option<Value>,
}

/// StartApplication (v2): SQL applications run; others only change status.
pub fn start(eng: &mut Engine, ctx: &Ctx, input: StartV2) -> R<OperationOutput> {
    let mut row = load(eng, ctx, &input.application_name)?;
    let runtime = row.config.runtime.clone().unwrap_or_else(|| "SQL-1_0".into());
    if is_sql(&runtime) {
        let run = input.run_configuration.unwrap_or(Value::Null);
        let positions = run["SqlRunConfigurations"]
            .as_array()
            .into_iter()
            .flatten()
            .map(|s| {
                let p = s["InputStartingPositionConfiguration"]["InputStartingPosition"].as_str().unwrap_or("NOW");
                (s["InputId"].as_str().unwrap_or_default().to_string(), p.to_string())
            })
            .collect();
        apps::begin_start(eng, ctx, &mut row, positions)?;
    } else {
        if row.status != "READY" {
            return Err(KdaError::in_use(format!("Application {} is in {} state.", row.name, row.status)));
        }
        let delay = eng.settings.analytics.create_delay_ms;
        stored::set_status(eng, row.id, "STARTING", delay, Some("RUNNING"))?;
    }
    let mut row = load(eng, ctx, &input.application_name)?;
    Ok(OperationOutput { operation_id: record(eng, &mut row, "StartApplication")? })
}

/// `StopApplication` (v2).
#[derive(Debug, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct StopV2 {
    pub application_name: String,
    #[serde(default)]
    pub force: Option<bool>,
}

/// StopApplication (v2).
pub fn stop(eng: &mut Engine, ctx: &Ctx, input: StopV2) -> R<OperationOutput> {
    let mut row = load(eng, ctx, &input.application_name)?;
    apps::begin_stop(eng, &row)?;
    let _ = input.force;
    Ok(OperationOutput { operation_id: record(eng, &mut row, "StopApplication")? })
}

/// `UpdateApplication` (v2).
#[derive(Debug, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct UpdateV2 {
    pub application_name: String,
    #[serde(default)]
    pub current_application_version_id: Option<i64>,
    #[serde(default)]
    pub application_configuration_update: Option<Value>,
    #[serde(default)]
    pub service_execution_role_update: Option<String>,
    #[serde(default)]
    pub cloud_watch_logging_option_updates: Option<Vec<Value>>,
    #[serde(default)]
    pub runtime_environment_update: Option<String>,
}

/// UpdateApplication (v2).
pub fn update(eng: &mut Engine, ctx: &Ctx, input: UpdateV2) -> R<DetailOutput> {
    let mut row = load(eng, ctx, &input.application_name)?;
    check_version(&row, input.current_application_version_id.unwrap_or(row.version))?;
    remember_version(&mut row);
    let u = input.application_configuration_update.unwrap_or_else(|| json!({}));
    let sql = &u["SqlApplicationConfigurationUpdate"];
    let code =
        u["ApplicationCodeConfigurationUpdate"]["CodeContentUpdate"]["TextContentUpdate"].as_str().map(str::to_string);
    let is_sql_app = is_sql(row.config.runtime.as_deref().unwrap_or("SQL-1_0"));
    apply_update(
        &mut row,
        ApplicationUpdate {
            input_updates: list_of(&sql["InputUpdates"]),
            application_code_update: code.filter(|_| is_sql_app),
            output_updates: list_of(&sql["OutputUpdates"]),
            reference_data_source_updates: list_of(&sql["ReferenceDataSourceUpdates"]),
            cloud_watch_logging_option_updates: input.cloud_watch_logging_option_updates.unwrap_or_default(),
        },
    )?;
    let mut rest = u.clone();
    if let Some(o) = rest.as_object_mut() {
        o.remove("SqlApplicationConfigurationUpdate");
    }
    merge_update(&mut row.config.v2.configuration, &rest);
    if let Some(role) = input.service_execution_role_update {
        row.config.service_role = Some(role);
    }
    if let Some(rt) = input.runtime_environment_update {
        row.config.runtime = Some(rt);
    }
    apps::commit_update(eng, &row)?;
    let mut row = load(eng, ctx, &input.application_name)?;
    let op = record(eng, &mut row, "UpdateApplication")?;
    Ok(DetailOutput { application_detail: detail(ctx, &row), operation_id: Some(op) })
}

fn list_of(v: &Value) -> Vec<Value> {
    v.as_array().cloned().unwrap_or_default()
}

/// Merges a v2 `...Update` document into a configuration: `XUpdate` keys set `X`.
fn merge_update(target: &mut Value, update: &Value) {
    let Some(fields) = update.as_object() else { return };
    if !target.is_object() {
        *target = json!({});
    }
    for (k, v) in fields {
        let name = k.strip_suffix("Update").or_else(|| k.strip_suffix("Updates")).unwrap_or(k);
        let name = match name {
            "CodeContentType" | "CodeContent" | "TextContent" => name.to_string(),
            "ApplicationCodeConfiguration" | "FlinkApplicationConfiguration" | "ApplicationSnapshotConfiguration" => {
                name.to_string()
            }
            "EnvironmentProperty" => "EnvironmentProperties".to_string(),
            "VpcConfiguration" => "VpcConfigurations".to_string(),
            other => other.to_string(),
        };
        if v.is_object() {
            merge_update(&mut target[&name], v);
        } else {
            target[&name] = v.clone();
        }
    }
}

/// Wraps a v1 change with v2's answer: ARN and new version, plus what `describe` fills in.
fn changed(
    eng: &mut Engine,
    ctx: &Ctx,
    name: &str,
    describe: impl Fn(&AppConfig, &mut ChangeOutput),
) -> R<ChangeOutput> {
    let row = load(eng, ctx, name)?;
    let mut out = ChangeOutput {
        application_arn: arn(ctx, &row.name),
        application_version_id: row.version,
        ..Default::default()
    };
    describe(&row.config, &mut out);
    Ok(out)
}

macro_rules! via_v1 {
    ($(#[$doc:meta] $name:ident($body:ty) => $v1:path, $describe:expr;)*) => {$(
        #[$doc]
        pub fn $name(eng: &mut Engine, ctx: &Ctx, input: Versioned<$body>) -> R<ChangeOutput> {
            let name = input.application_name.clone();
            $v1(eng, ctx, input)?;
            changed(eng, ctx, &name, $describe)
        }
    )*};
}

via_v1! {
    /// AddApplicationInput (v2).
    add_input(changes::InputBody) => changes::add_input, |c, out| {
        out.input_descriptions = Some(c.inputs.iter().map(|i| apps::input_description(c, i)).collect());
    };
    /// AddApplicationOutput (v2).
    add_output(changes::OutputBody) => changes::add_output, |c, out| {
        out.output_descriptions = Some(c.outputs.iter().map(apps::output_description).collect());
    };
    /// AddApplicationReferenceDataSource (v2).
    add_reference(changes::ReferenceBody) => changes::add_reference, |c, out| {
        out.reference_data_source_descriptions = Some(c.references.iter().map(apps::reference_description).collect());
    };
    /// DeleteApplicationInputProcessingConfiguration (v2).
    delete_processing(changes::ProcessingBody) => changes::delete_processing, |_, _| {};
    /// DeleteApplicationOutput (v2).
    delete_output(changes::OutputIdBody) => changes::delete_output, |_, _| {};
    /// DeleteApplicationReferenceDataSource (v2).
    delete_reference(changes::ReferenceIdBody) => changes::delete_reference, |_, _| {};
}

/// AddApplicationInputProcessingConfiguration (v2): the input's id and its new processing
/// configuration besides the ARN and version.
pub fn add_processing(eng: &mut Engine, ctx: &Ctx, input: Versioned<changes::ProcessingBody>) -> R<ChangeOutput> {
    let name = input.application_name.clone();
    let id = input.body.input_id.clone();
    changes::add_processing(eng, ctx, input)?;
    changed(eng, ctx, &name, |c, out| {
        let described = c.inputs.iter().find(|i| i.id == id).map(|i| apps::input_description(c, i));
        out.input_processing_configuration_description =
            described.and_then(|d| d.input_processing_configuration_description);
        out.input_id = Some(id.clone());
    })
}

/// A v2 request whose CurrentApplicationVersionId is optional.
#[derive(Debug, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct MaybeVersioned<T> {
    pub application_name: String,
    #[serde(default)]
    pub current_application_version_id: Option<i64>,
    #[serde(flatten)]
    pub body: T,
}

fn with_version<T>(eng: &mut Engine, ctx: &Ctx, input: MaybeVersioned<T>) -> R<Versioned<T>> {
    let version = match input.current_application_version_id {
        Some(v) => v,
        None => load(eng, ctx, &input.application_name)?.version,
    };
    Ok(Versioned {
        application_name: input.application_name,
        current_application_version_id: version,
        body: input.body,
    })
}

fn logging_answer(eng: &mut Engine, ctx: &Ctx, name: &str) -> R<ChangeOutput> {
    let mut row = load(eng, ctx, name)?;
    let op = record(eng, &mut row, "UpdateApplication")?;
    let mut out = changed(eng, ctx, name, |c, out| {
        out.cloud_watch_logging_option_descriptions = Some(c.logging.iter().map(apps::logging_description).collect());
    })?;
    out.operation_id = Some(op);
    Ok(out)
}

/// AddApplicationCloudWatchLoggingOption (v2).
pub fn add_logging(eng: &mut Engine, ctx: &Ctx, input: MaybeVersioned<changes::LoggingBody>) -> R<ChangeOutput> {
    let input = with_version(eng, ctx, input)?;
    let name = input.application_name.clone();
    changes::add_logging(eng, ctx, input)?;
    logging_answer(eng, ctx, &name)
}

/// DeleteApplicationCloudWatchLoggingOption (v2).
pub fn delete_logging(eng: &mut Engine, ctx: &Ctx, input: MaybeVersioned<changes::LoggingIdBody>) -> R<ChangeOutput> {
    let input = with_version(eng, ctx, input)?;
    let name = input.application_name.clone();
    changes::delete_logging(eng, ctx, input)?;
    logging_answer(eng, ctx, &name)
}

/// `{VpcConfiguration}`.
#[derive(Debug, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct VpcBody {
    pub vpc_configuration: Value,
}

/// AddApplicationVpcConfiguration (v2): kept and described; no network is involved.
pub fn add_vpc(eng: &mut Engine, ctx: &Ctx, input: MaybeVersioned<VpcBody>) -> R<VpcOutput> {
    let input = with_version(eng, ctx, input)?;
    let mut row = load(eng, ctx, &input.application_name)?;
    check_version(&row, input.current_application_version_id)?;
    let conf = &mut row.config.v2.configuration;
    if !conf.is_object() {
        *conf = json!({});
    }
    let list = conf["VpcConfigurations"].as_array().cloned().unwrap_or_default();
    let index = list.len();
    conf["VpcConfigurations"] =
        json!(list.into_iter().chain([input.body.vpc_configuration.clone()]).collect::<Vec<_>>());
    apps::commit_update(eng, &row)?;
    let mut row = load(eng, ctx, &input.application_name)?;
    let op = record(eng, &mut row, "UpdateApplication")?;
    Ok(VpcOutput {
        application_arn: arn(ctx, &row.name),
        application_version_id: row.version,
        vpc_configuration_description: vpc_description(index, &input.body.vpc_configuration),
        operation_id: op,
    })
}

/// `{VpcConfigurationId}`.
#[derive(Debug, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct VpcIdBody {
    pub vpc_configuration_id: String,
}

/// DeleteApplicationVpcConfiguration (v2).
pub fn delete_vpc(eng: &mut Engine, ctx: &Ctx, input: MaybeVersioned<VpcIdBody>) -> R<ChangeOutput> {
    let input = with_version(eng, ctx, input)?;
    let mut row = load(eng, ctx, &input.application_name)?;
    check_version(&row, input.current_application_version_id)?;
    let mut list = row.config.v2.configuration["VpcConfigurations"].as_array().cloned().unwrap_or_default();
    let index = input
        .body
        .vpc_configuration_id
        .split('.')
        .next()
        .and_then(|n| n.parse::<usize>().ok())
        .filter(|n| (1..=list.len()).contains(n));
    let index = index.ok_or_else(|| {
        KdaError::not_found(format!("VPC configuration {} not found.", input.body.vpc_configuration_id))
    })?;
    list.remove(index - 1);
    row.config.v2.configuration["VpcConfigurations"] = json!(list);
    apps::commit_update(eng, &row)?;
    let mut row = load(eng, ctx, &input.application_name)?;
    let op = record(eng, &mut row, "UpdateApplication")?;
    Ok(ChangeOutput {
        application_arn: arn(ctx, &row.name),
        application_version_id: row.version,
        operation_id: Some(op),
        ..Default::default()
    })
}

/// `{ApplicationName, ApplicationVersionId}`.
#[derive(Debug, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct VersionInput {
    pub application_name: String,
    pub application_version_id: i64,
}

/// DescribeApplicationVersion.
pub fn describe_version(eng: &mut Engine, ctx: &Ctx, input: VersionInput) -> R<VersionDetailOutput> {
    let row = load(eng, ctx, &input.application_name)?;
    if input.application_version_id == row.version {
        return Ok(VersionDetailOutput { application_version_detail: detail(ctx, &row) });
    }
    let saved = row
        .config
        .v2
        .versions
        .iter()
        .find(|v| v.id == input.application_version_id)
        .ok_or_else(|| KdaError::not_found(format!("Version {} not found.", input.application_version_id)))?;
    let old = AppRow { config: saved.config.clone(), version: input.application_version_id, ..row.clone() };
    Ok(VersionDetailOutput { application_version_detail: detail(ctx, &old) })
}

/// `{ApplicationName, CurrentApplicationVersionId}`.
#[derive(Debug, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct RollbackInput {
    pub application_name: String,
    pub current_application_version_id: i64,
}

/// RollbackApplication: the previous version's configuration becomes a new version.
pub fn rollback(eng: &mut Engine, ctx: &Ctx, input: RollbackInput) -> R<DetailOutput> {
    let mut row = load(eng, ctx, &input.application_name)?;
    check_version(&row, input.current_application_version_id)?;
    let Some(saved) = row.config.v2.versions.last().cloned() else {
        return Err(KdaError::invalid("The application has no earlier version to roll back to."));
    };
    let v2 = row.config.v2.clone();
    row.config = saved.config;
    row.config.v2.versions = v2.versions;
    row.config.v2.operations = v2.operations;
    row.config.v2.snapshots = v2.snapshots;
    apps::commit_update(eng, &row)?;
    let mut row = load(eng, ctx, &input.application_name)?;
    let op = record(eng, &mut row, "RollbackApplication")?;
    Ok(DetailOutput { application_detail: detail(ctx, &row), operation_id: Some(op) })
}

/// `CreateApplicationPresignedUrl`.
#[derive(Debug, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct PresignedInput {
    pub application_name: String,
    pub url_type: String,
}

/// CreateApplicationPresignedUrl: a URL naming the application (kinesin serves no dashboard).
pub fn presigned_url(eng: &mut Engine, ctx: &Ctx, input: PresignedInput) -> R<PresignedUrlOutput> {
    let row = load(eng, ctx, &input.application_name)?;
    let kind = input.url_type.to_ascii_lowercase().replace('_', "-");
    let authorized_url =
        format!("https://{}.kinesisanalytics.{}.localhost/{kind}/{}", ctx.account, ctx.region, row.name);
    Ok(PresignedUrlOutput { authorized_url })
}

/// `UpdateApplicationMaintenanceConfiguration`.
#[derive(Debug, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct MaintenanceInput {
    pub application_name: String,
    pub application_maintenance_configuration_update: Value,
}

/// UpdateApplicationMaintenanceConfiguration.
pub fn update_maintenance(eng: &mut Engine, ctx: &Ctx, input: MaintenanceInput) -> R<MaintenanceOutput> {
    let mut row = load(eng, ctx, &input.application_name)?;
    let start = input.application_maintenance_configuration_update["ApplicationMaintenanceWindowStartTimeUpdate"]
        .as_str()
        .map(str::to_string);
    row.config.v2.maintenance_start = start.clone();
    record(eng, &mut row, "UpdateApplicationMaintenanceConfiguration")?;
    Ok(MaintenanceOutput {
        application_arn: arn(ctx, &row.name),
        application_maintenance_configuration_description: maintenance(start.unwrap_or_default()),
    })
}
