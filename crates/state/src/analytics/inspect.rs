//! The console's read-only view of applications: status, configuration, SQL, the
//! in-application streams with the rows that entered them, and their newest rows.

use super::config::{AppConfig, Resource};
use super::recent::Recent;
use super::records::json_value;
use super::stored::{all, load, AppRow};
use super::KdaError;
use crate::db::Engine;
use crate::Ctx;
use kinesin_analytics::{format_timestamp, StreamKind};
use serde::Serialize;
use serde_json::Value as Json;

/// An application as the console lists it.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ApplicationView {
    pub name: String,
    /// 1 (`kinesisanalytics`) or 2 (`kinesisanalyticsv2`): the API that created it.
    pub api: i64,
    pub status: String,
    /// `SQL-1_0`, or the FLINK-* runtime (its code is not run).
    pub runtime: String,
    pub version: i64,
    pub description: Option<String>,
    pub code: Option<String>,
    /// Why the code does not compile against the inputs, if it does not.
    pub code_error: Option<String>,
    pub inputs: Vec<Endpoint>,
    pub outputs: Vec<Endpoint>,
    /// Reference tables: name and S3 object (`s3://bucket/key`).
    pub references: Vec<Endpoint>,
    /// Input records read in the current run (since the server started).
    pub records_read: u64,
    pub streams: Vec<InAppStream>,
}

/// An input, output or reference table: the in-application name and the resource.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Endpoint {
    /// NamePrefix, output stream name, or table name.
    pub name: String,
    /// `kinesis`, `firehose`, `lambda` or `s3`.
    pub kind: String,
    pub arn: String,
    /// JSON or CSV.
    pub format: String,
}

/// An in-application stream (or reference table).
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct InAppStream {
    pub name: String,
    /// `input`, `stream`, `error` or `reference`.
    pub kind: String,
    /// `NAME TYPE` per column.
    pub columns: Vec<String>,
    /// Rows that entered it in the current run.
    pub rows: u64,
}

/// The newest rows of an in-application stream.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct StreamRowsView {
    pub stream: String,
    /// ROWTIME, then the stream's columns.
    pub columns: Vec<String>,
    pub total: u64,
    /// Newest first: ROWTIME (text), then the values as JSON.
    pub rows: Vec<Vec<Json>>,
}

/// Every application of the namespace, by name.
pub fn applications(eng: &mut Engine, ctx: &Ctx, recent: &Recent) -> Result<Vec<ApplicationView>, KdaError> {
    Ok(all(eng, Some(ctx))?.into_iter().map(|(_, row)| view(&row, recent)).collect())
}

/// Up to `limit` of the newest rows of one in-application stream of an application.
pub fn rows(
    eng: &mut Engine,
    ctx: &Ctx,
    recent: &Recent,
    (name, stream, limit): (&str, &str, usize),
) -> Result<StreamRowsView, KdaError> {
    let row = load(eng, ctx, name)?;
    let program = row.config.compile().map_err(KdaError::code)?;
    let def = program
        .streams
        .iter()
        .find(|s| s.name == stream)
        .ok_or_else(|| KdaError::not_found(format!("Application {name} has no in-application stream {stream}.")))?;
    let activity = recent.of(row.id, row.run);
    let kept = activity.streams.get(stream).cloned().unwrap_or_default();
    let rows = kept
        .rows
        .iter()
        .rev()
        .take(limit)
        .map(|(t, values)| {
            std::iter::once(Json::from(format_timestamp(*t))).chain(values.iter().map(json_value)).collect()
        })
        .collect();
    let columns = std::iter::once("ROWTIME".to_string()).chain(def.columns.iter().map(|c| c.name.clone())).collect();
    Ok(StreamRowsView { stream: stream.to_string(), columns, total: kept.total, rows })
}

fn view(row: &AppRow, recent: &Recent) -> ApplicationView {
    let c = &row.config;
    let activity = recent.of(row.id, row.run);
    let (streams, code_error) = match c.compile() {
        Ok(p) => {
            let count = |name: &str| activity.streams.get(name).map_or(0, |s| s.total);
            let mut streams: Vec<InAppStream> = p
                .streams
                .iter()
                .zip(&p.kinds)
                .map(|(s, k)| InAppStream {
                    name: s.name.clone(),
                    kind: match k {
                        StreamKind::Input => "input",
                        StreamKind::Error => "error",
                        StreamKind::Created => "stream",
                    }
                    .into(),
                    columns: s.columns.iter().map(|c| format!("{} {}", c.name, c.ty)).collect(),
                    rows: count(&s.name),
                })
                .collect();
            streams.extend(p.tables.iter().map(|t| InAppStream {
                name: t.name.clone(),
                kind: "reference".into(),
                columns: t.columns.iter().map(|c| format!("{} {}", c.name, c.ty)).collect(),
                rows: 0,
            }));
            (streams, None)
        }
        Err(e) => (Vec::new(), c.code.as_deref().is_some_and(|s| !s.trim().is_empty()).then_some(e)),
    };
    ApplicationView {
        name: row.name.clone(),
        api: row.api,
        status: row.status.clone(),
        runtime: c.runtime.clone().unwrap_or_else(|| "SQL-1_0".into()),
        version: row.version,
        description: c.description.clone(),
        code: c.code.clone(),
        code_error,
        inputs: inputs(c),
        outputs: outputs(c),
        references: references(c),
        records_read: activity.read,
        streams,
    }
}

fn endpoint(name: &str, kind: &str, r: &Resource, format: &str) -> Endpoint {
    Endpoint { name: name.into(), kind: kind.into(), arn: r.resource_arn.clone(), format: format.into() }
}

fn inputs(c: &AppConfig) -> Vec<Endpoint> {
    let mut out = Vec::new();
    for i in &c.inputs {
        let i = &i.item;
        let format = &i.input_schema.record_format.record_format_type;
        let sources = [("kinesis", &i.kinesis_streams_input), ("firehose", &i.kinesis_firehose_input)];
        out.extend(sources.into_iter().filter_map(|(k, r)| Some(endpoint(&i.name_prefix, k, r.as_ref()?, format))));
    }
    out
}

fn outputs(c: &AppConfig) -> Vec<Endpoint> {
    let mut out = Vec::new();
    for o in &c.outputs {
        let o = &o.item;
        let format = &o.destination_schema.record_format_type;
        let dests = [
            ("kinesis", &o.kinesis_streams_output),
            ("firehose", &o.kinesis_firehose_output),
            ("lambda", &o.lambda_output),
        ];
        out.extend(dests.into_iter().filter_map(|(k, r)| Some(endpoint(&o.name, k, r.as_ref()?, format))));
    }
    out
}

fn references(c: &AppConfig) -> Vec<Endpoint> {
    c.references
        .iter()
        .map(|r| {
            let r = &r.item;
            let arn = r.s3.as_ref().map_or(String::new(), |s3| {
                format!("s3://{}/{}", s3.bucket_arn.rsplit(':').next().unwrap_or_default(), s3.file_key)
            });
            let format = r.reference_schema.record_format.record_format_type.clone();
            Endpoint { name: r.table_name.clone(), kind: "s3".into(), arn, format }
        })
        .collect()
}
