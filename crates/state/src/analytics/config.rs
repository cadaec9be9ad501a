//! The stored configuration of an application, as typed DTOs named like the model's shapes.

use super::history::{OperationRecord, SavedVersion, Snapshot};
use kinesin_analytics::{ColumnDef, SqlType, StreamDef};
use serde::{Deserialize, Serialize};
use serde_json::Value;

/// `{ResourceARN, RoleARN}` of a stream, delivery stream or function.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Resource {
    #[serde(rename = "ResourceARN")]
    pub resource_arn: String,
    #[serde(rename = "RoleARN", default, skip_serializing_if = "Option::is_none")]
    pub role_arn: Option<String>,
}

/// `RecordColumn`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct RecordColumn {
    pub name: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub mapping: Option<String>,
    pub sql_type: String,
}

/// `JSONMappingParameters`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct JsonMapping {
    pub record_row_path: String,
}

/// `CSVMappingParameters`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct CsvMapping {
    pub record_row_delimiter: String,
    pub record_column_delimiter: String,
}

/// `MappingParameters`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct MappingParameters {
    #[serde(rename = "JSONMappingParameters", default, skip_serializing_if = "Option::is_none")]
    pub json: Option<JsonMapping>,
    #[serde(rename = "CSVMappingParameters", default, skip_serializing_if = "Option::is_none")]
    pub csv: Option<CsvMapping>,
}

/// `RecordFormat`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct RecordFormat {
    pub record_format_type: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub mapping_parameters: Option<MappingParameters>,
}

/// `SourceSchema`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct SourceSchema {
    pub record_format: RecordFormat,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub record_encoding: Option<String>,
    pub record_columns: Vec<RecordColumn>,
}

impl SourceSchema {
    /// The in-application stream (or table) this schema defines.
    pub fn stream_def(&self, name: &str) -> Result<StreamDef, String> {
        let columns = self
            .record_columns
            .iter()
            .map(|c| match SqlType::parse(&c.sql_type) {
                Some(ty) => Ok(ColumnDef { name: c.name.clone(), ty }),
                None => Err(format!("Invalid SQL type {} for column {}", c.sql_type, c.name)),
            })
            .collect::<Result<_, _>>()?;
        Ok(StreamDef { name: name.to_string(), columns })
    }
}

/// `InputParallelism`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct Parallelism {
    #[serde(default)]
    pub count: Option<i64>,
}

/// `InputLambdaProcessor` inside `InputProcessingConfiguration`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct Processing {
    pub input_lambda_processor: Resource,
}

/// `Input` (both APIs).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct Input {
    pub name_prefix: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub input_processing_configuration: Option<Processing>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub kinesis_streams_input: Option<Resource>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub kinesis_firehose_input: Option<Resource>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub input_parallelism: Option<Parallelism>,
    pub input_schema: SourceSchema,
}

impl Input {
    /// `InputParallelism.Count` (default 1).
    pub fn parallelism(&self) -> i64 {
        self.input_parallelism.as_ref().and_then(|p| p.count).unwrap_or(1)
    }

    /// `<NamePrefix>_001`, `<NamePrefix>_002`, ...
    pub fn stream_names(&self) -> Vec<String> {
        (1..=self.parallelism()).map(|i| format!("{}_{i:03}", self.name_prefix)).collect()
    }
}

/// `DestinationSchema`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct DestinationSchema {
    pub record_format_type: String,
}

/// `Output` (both APIs).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct Output {
    pub name: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub kinesis_streams_output: Option<Resource>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub kinesis_firehose_output: Option<Resource>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub lambda_output: Option<Resource>,
    pub destination_schema: DestinationSchema,
}

/// `S3ReferenceDataSource`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct S3Reference {
    #[serde(rename = "BucketARN")]
    pub bucket_arn: String,
    pub file_key: String,
    #[serde(rename = "ReferenceRoleARN", default, skip_serializing_if = "Option::is_none")]
    pub reference_role_arn: Option<String>,
}

/// `ReferenceDataSource`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct ReferenceDataSource {
    pub table_name: String,
    #[serde(rename = "S3ReferenceDataSource", default, skip_serializing_if = "Option::is_none")]
    pub s3: Option<S3Reference>,
    pub reference_schema: SourceSchema,
}

/// `CloudWatchLoggingOption`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct LoggingOption {
    #[serde(rename = "LogStreamARN")]
    pub log_stream_arn: String,
    #[serde(rename = "RoleARN", default, skip_serializing_if = "Option::is_none")]
    pub role_arn: Option<String>,
}

/// One configured item with its id (`1.1`, `1.2`, ...).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Item<T> {
    pub id: String,
    #[serde(flatten)]
    pub item: T,
}

/// Everything stored about an application besides its status.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct AppConfig {
    pub description: Option<String>,
    pub code: Option<String>,
    pub inputs: Vec<Item<Input>>,
    #[serde(default)]
    pub starting_positions: Vec<(String, String)>,
    pub outputs: Vec<Item<Output>>,
    pub references: Vec<Item<ReferenceDataSource>>,
    pub logging: Vec<Item<LoggingOption>>,
    /// Counter of the ids handed out (`1.<n>`).
    pub next_id: u32,
    /// API v2: RuntimeEnvironment (`SQL-1_0`, `FLINK-1_18`, ...).
    #[serde(default)]
    pub runtime: Option<String>,
    /// API v2: ServiceExecutionRole.
    #[serde(default)]
    pub service_role: Option<String>,
    /// API v2 only.
    #[serde(default)]
    pub v2: V2Extras,
}

/// What API v2 keeps beyond the SQL configuration.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct V2Extras {
    /// The rest of ApplicationConfiguration, as given (Flink, code, properties, snapshots,
    /// VPCs), with updates merged in.
    pub configuration: Value,
    /// ApplicationMode (STREAMING / INTERACTIVE).
    pub mode: Option<String>,
    /// Snapshots, oldest first.
    pub snapshots: Vec<Snapshot>,
    /// Operations, newest last.
    pub operations: Vec<OperationRecord>,
    /// Earlier versions (their configurations without history), newest last.
    pub versions: Vec<SavedVersion<AppConfig>>,
    /// ApplicationMaintenanceWindowStartTime.
    pub maintenance_start: Option<String>,
}

impl AppConfig {
    /// A fresh item id.
    pub fn new_id(&mut self) -> String {
        self.next_id += 1;
        format!("{}.{}", self.next_id, 1)
    }

    /// The input streams of the application's SQL code.
    pub fn input_streams(&self) -> Result<Vec<StreamDef>, String> {
        let mut out = Vec::new();
        for input in &self.inputs {
            for name in input.item.stream_names() {
                out.push(input.item.input_schema.stream_def(&name)?);
            }
        }
        Ok(out)
    }

    /// The reference tables of the application's SQL code.
    pub fn tables(&self) -> Result<Vec<StreamDef>, String> {
        self.references.iter().map(|r| r.item.reference_schema.stream_def(&r.item.table_name)).collect()
    }

    /// Compiles the code against the configured inputs and reference tables.
    pub fn compile(&self) -> Result<kinesin_analytics::Program, String> {
        let code = self.code.as_deref().unwrap_or("");
        kinesin_analytics::compile(code, &self.input_streams()?, &self.tables()?).map_err(|e| e.to_string())
    }
}
