//! DiscoverInputSchema: infers a schema from a sample of a Kinesis stream, a Firehose
//! delivery stream (the records it buffers, not yet delivered) or an S3 object (kinesin's S3), answering InputSchema, RawInputRecords, ProcessedInputRecords and
//! ParsedInputRecords. With an `InputProcessingConfiguration` the server takes the sample
//! ([`sample`]), hands it to the function bound with `--lambda` off the store thread
//! ([`Sample::event`]) and infers the schema from what the function returned
//! ([`Sample::processed`]): ProcessedInputRecords are the records it answered `Ok`, the
//! schema and ParsedInputRecords come from them; without a function ProcessedInputRecords
//! repeat the raw records.
//!
//! Inference follows what AWS shows for its demo stream: JSON objects map each top-level
//! key to a column (`$.key`), strings to VARCHAR sized to the next power of two of the longest
//! value, whole numbers to INTEGER (BIGINT past 32 bits), other numbers to REAL, booleans to
//! BOOLEAN; anything else is CSV with columns COL1, COL2, ... AWS's exact rules are not
//! published.

use super::apps::StartingPosition;
use super::config::{CsvMapping, JsonMapping, MappingParameters, Processing, RecordColumn, RecordFormat, SourceSchema};
use super::preprocess::{self, Outcome, RawRecord};
use super::KdaError;
use crate::db::Engine;
use crate::kinesis::{self, records as krecords, seqnum};
use crate::Ctx;
use serde::{Deserialize, Serialize};
use serde_json::Value;

/// Most records sampled.
const SAMPLE: usize = 100;

/// `DiscoverInputSchema` (both APIs).
#[derive(Debug, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct DiscoverInput {
    #[serde(rename = "ResourceARN", default)]
    pub resource_arn: Option<String>,
    #[serde(default)]
    pub input_starting_position_configuration: Option<StartingPosition>,
    #[serde(default)]
    pub s3_configuration: Option<S3Configuration>,
    #[serde(default)]
    pub input_processing_configuration: Option<Processing>,
}

impl DiscoverInput {
    /// The ARN of the input processing function, if any.
    pub fn function_arn(&self) -> Option<&str> {
        Some(self.input_processing_configuration.as_ref()?.input_lambda_processor.resource_arn.as_str())
    }
}

/// `S3Configuration`.
#[derive(Debug, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct S3Configuration {
    #[serde(rename = "BucketARN")]
    pub bucket_arn: String,
    pub file_key: String,
}

/// `DiscoverInputSchemaResponse`.
#[derive(Debug, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct DiscoverOutput {
    pub input_schema: SourceSchema,
    pub parsed_input_records: Vec<Vec<String>>,
    pub processed_input_records: Vec<String>,
    pub raw_input_records: Vec<String>,
}

/// The records sampled from a source, before any function saw them.
#[derive(Debug)]
pub struct Sample {
    source_arn: String,
    records: Vec<RawRecord>,
}

impl Sample {
    /// The preprocessing event for the sample (no application exists yet: `applicationArn`
    /// is empty; S3 lines carry `kinesisFirehoseRecordMetadata` with the time of reading).
    pub fn event(&self) -> Vec<u8> {
        preprocess::event_of("", &self.source_arn, &self.records)
    }

    /// How many records were sampled.
    pub fn len(&self) -> usize {
        self.records.len()
    }

    /// Whether nothing was sampled.
    pub fn is_empty(&self) -> bool {
        self.records.is_empty()
    }

    fn raw(&self) -> Vec<String> {
        self.records.iter().map(|r| String::from_utf8_lossy(&r.data).into_owned()).collect()
    }

    /// The answer from the function's outcomes (or why it could not be invoked):
    /// `UnableToDetectSchemaException` when it failed or kept no record.
    pub fn processed(self, outcomes: Result<Vec<Outcome>, String>) -> Result<DiscoverOutput, KdaError> {
        let outcomes =
            outcomes.map_err(|e| KdaError::no_schema(format!("The input processing function failed: {e}")))?;
        let processed: Vec<String> = outcomes
            .into_iter()
            .filter_map(|o| match o {
                Outcome::Ok(data) => Some(String::from_utf8_lossy(&data).into_owned()),
                Outcome::Failed | Outcome::Dropped => None,
            })
            .collect();
        if processed.is_empty() {
            return Err(KdaError::no_schema("The input processing function returned no records to detect a schema."));
        }
        answer(self.raw(), processed)
    }
}

/// DiscoverInputSchema without a function (the server takes the [`sample`] path itself when
/// the request names one).
pub fn discover(eng: &mut Engine, ctx: &Ctx, input: DiscoverInput) -> Result<DiscoverOutput, KdaError> {
    let raw = sample(eng, ctx, &input)?.raw();
    answer(raw.clone(), raw)
}

/// The records to infer a schema from: a stream's or an S3 object's; `UnableToDetectSchemaException`
/// when there are none.
pub fn sample(eng: &mut Engine, ctx: &Ctx, input: &DiscoverInput) -> Result<Sample, KdaError> {
    let sample = match (&input.resource_arn, &input.s3_configuration) {
        (Some(arn), None) if arn.starts_with("arn:aws:firehose:") => {
            sample_delivery_stream(eng, arn, &input.input_starting_position_configuration)?
        }
        (Some(arn), None) => sample_stream(eng, ctx, arn, &input.input_starting_position_configuration)?,
        (None, Some(s3)) => sample_object(eng, ctx, s3)?,
        _ => return Err(KdaError::invalid("Specify either ResourceARN or S3Configuration.")),
    };
    if sample.is_empty() {
        return Err(KdaError::no_schema("No data was found in the streaming source to detect a schema."));
    }
    Ok(sample)
}

fn answer(raw: Vec<String>, processed: Vec<String>) -> Result<DiscoverOutput, KdaError> {
    let (input_schema, parsed_input_records) = infer(&processed)?;
    Ok(DiscoverOutput {
        input_schema,
        parsed_input_records,
        processed_input_records: processed,
        raw_input_records: raw,
    })
}

fn sample_stream(eng: &mut Engine, ctx: &Ctx, arn: &str, start: &Option<StartingPosition>) -> Result<Sample, KdaError> {
    let (sctx, name) =
        kinesis::parse_arn(arn).unwrap_or((ctx.clone(), arn.rsplit('/').next().unwrap_or(arn).to_string()));
    let m = kinesis::usable(eng, &sctx, &name).map_err(|e| KdaError::invalid(e.to_string()))?;
    let position = start.as_ref().and_then(|s| s.input_starting_position.as_deref()).unwrap_or("NOW");
    let mut out = Vec::new();
    for shard in &m.shards {
        let r = krecords::read(eng, &m, shard, shard.start_seq, 10_000)?;
        out.extend(r.records.into_iter().map(|rec| RawRecord {
            arrival_ms: (rec.approximate_arrival_timestamp * 1000.0).round() as i64,
            data: rec.data,
            kinesis: Some((seqnum::shard_id(shard.idx), rec.partition_key, rec.sequence_number)),
        }));
    }
    // NOW has nothing to wait for here: the latest records stand for the ones to come.
    if position != "TRIM_HORIZON" && out.len() > SAMPLE {
        out.drain(..out.len() - SAMPLE);
    }
    out.truncate(SAMPLE);
    let source_arn = format!("arn:aws:kinesis:{}:{}:stream/{name}", sctx.region, sctx.account);
    Ok(Sample { source_arn, records: out })
}

/// The records a delivery stream buffers: the oldest for TRIM_HORIZON, else the latest.
fn sample_delivery_stream(eng: &mut Engine, arn: &str, start: &Option<StartingPosition>) -> Result<Sample, KdaError> {
    let not_found = || KdaError::invalid(format!("Delivery stream {arn} not found."));
    let (fctx, name) = super::targets::delivery_stream(arn).ok_or_else(not_found)?;
    let stream = crate::firehose::stream_row::find(eng, &fctx, &name).map_err(|e| KdaError::internal(e.message))?;
    let stream = stream.ok_or_else(not_found)?;
    let position = start.as_ref().and_then(|s| s.input_starting_position.as_deref()).unwrap_or("NOW");
    let buffered = crate::firehose::batch::sample(eng, stream.id, SAMPLE, position != "TRIM_HORIZON")?;
    let records =
        buffered.into_iter().map(|(arrival_ms, data)| RawRecord { arrival_ms, data, kinesis: None }).collect();
    Ok(Sample { source_arn: arn.to_string(), records })
}

fn sample_object(eng: &mut Engine, ctx: &Ctx, s3: &S3Configuration) -> Result<Sample, KdaError> {
    let bucket = s3.bucket_arn.rsplit(':').next().unwrap_or_default().to_string();
    let (_, data, _) = crate::s3::get_object(eng, ctx, (bucket, s3.file_key.clone(), None))
        .map_err(|e| KdaError::invalid(format!("Cannot read s3://{}: {e:?}", s3.file_key)))?;
    let now = eng.now();
    let text = String::from_utf8_lossy(&data);
    let records = text
        .lines()
        .filter(|l| !l.trim().is_empty())
        .take(SAMPLE)
        .map(|l| RawRecord { arrival_ms: now, data: l.as_bytes().to_vec(), kinesis: None })
        .collect();
    Ok(Sample { source_arn: s3.bucket_arn.clone(), records })
}

type Inferred = (SourceSchema, Vec<Vec<String>>);

fn infer(raw: &[String]) -> Result<Inferred, KdaError> {
    let docs: Vec<serde_json::Map<String, Value>> = raw.iter().filter_map(|r| serde_json::from_str(r).ok()).collect();
    if docs.len() == raw.len() {
        return Ok(infer_json(&docs));
    }
    Ok(infer_csv(raw))
}

fn infer_json(docs: &[serde_json::Map<String, Value>]) -> Inferred {
    let mut keys: Vec<String> = Vec::new();
    for d in docs {
        for k in d.keys() {
            if !keys.contains(k) {
                keys.push(k.clone());
            }
        }
    }
    let columns = keys
        .iter()
        .map(|k| RecordColumn {
            name: column_name(k),
            mapping: Some(format!("$.{k}")),
            sql_type: sql_type(docs.iter().filter_map(|d| d.get(k))),
        })
        .collect();
    let parsed =
        docs.iter().map(|d| keys.iter().map(|k| d.get(k).and_then(text).unwrap_or_default()).collect()).collect();
    let format = RecordFormat {
        record_format_type: "JSON".into(),
        mapping_parameters: Some(MappingParameters {
            json: Some(JsonMapping { record_row_path: "$".into() }),
            csv: None,
        }),
    };
    (SourceSchema { record_format: format, record_encoding: Some("UTF-8".into()), record_columns: columns }, parsed)
}

fn infer_csv(raw: &[String]) -> Inferred {
    let rows: Vec<Vec<&str>> = raw.iter().map(|r| r.split(',').collect()).collect();
    let width = rows.iter().map(Vec::len).max().unwrap_or(0);
    let columns = (0..width)
        .map(|i| {
            let values: Vec<Value> = rows.iter().filter_map(|r| r.get(i)).map(|s| guess(s)).collect();
            RecordColumn { name: format!("COL{}", i + 1), mapping: None, sql_type: sql_type(values.iter()) }
        })
        .collect();
    let parsed = rows
        .iter()
        .map(|r| (0..width).map(|i| r.get(i).map_or_else(String::new, |s| s.to_string())).collect())
        .collect();
    let format = RecordFormat {
        record_format_type: "CSV".into(),
        mapping_parameters: Some(MappingParameters {
            json: None,
            csv: Some(CsvMapping { record_row_delimiter: "\n".into(), record_column_delimiter: ",".into() }),
        }),
    };
    (SourceSchema { record_format: format, record_encoding: Some("UTF-8".into()), record_columns: columns }, parsed)
}

fn guess(s: &str) -> Value {
    serde_json::from_str::<Value>(s.trim())
        .ok()
        .filter(|v| v.is_number() || v.is_boolean())
        .unwrap_or_else(|| Value::String(s.to_string()))
}

fn text(v: &Value) -> Option<String> {
    match v {
        Value::Null => None,
        Value::String(s) => Some(s.clone()),
        other => Some(other.to_string()),
    }
}

/// SQL reserved words get AWS's `COL_` prefix.
fn column_name(key: &str) -> String {
    const RESERVED: &[&str] = &[
        "TIME",
        "TIMESTAMP",
        "DATE",
        "VALUE",
        "USER",
        "ORDER",
        "GROUP",
        "SELECT",
        "FROM",
        "WHERE",
        "ROWTIME",
        "YEAR",
        "MONTH",
        "DAY",
        "HOUR",
        "MINUTE",
        "SECOND",
    ];
    if RESERVED.contains(&key.to_ascii_uppercase().as_str()) {
        format!("COL_{key}")
    } else {
        key.to_string()
    }
}

fn sql_type<'a>(values: impl Iterator<Item = &'a Value>) -> String {
    let (mut ints, mut nums, mut bools, mut strs, mut longest, mut big) = (0, 0, 0, 0, 1usize, false);
    for v in values {
        match v {
            Value::Number(n) if n.is_i64() => {
                ints += 1;
                big |= n.as_i64().is_some_and(|i| i32::try_from(i).is_err());
            }
            Value::Number(_) => nums += 1,
            Value::Bool(_) => bools += 1,
            Value::Null => {}
            other => {
                strs += 1;
                longest = longest.max(text(other).map_or(0, |s| s.chars().count()));
            }
        }
    }
    match (strs, nums, ints, bools) {
        (0, 0, 0, b) if b > 0 => "BOOLEAN".into(),
        (0, 0, i, 0) if i > 0 => if big { "BIGINT" } else { "INTEGER" }.into(),
        (0, n, _, 0) if n > 0 => "REAL".into(),
        _ => format!("VARCHAR({})", longest.next_power_of_two()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn infers_the_demo_stream_schema() {
        let raw: Vec<String> = [
            r#"{"TICKER_SYMBOL":"AMZN","SECTOR":"TECHNOLOGY","CHANGE":-0.5,"PRICE":84.51}"#,
            r#"{"TICKER_SYMBOL":"QXZ","SECTOR":"RETAIL","CHANGE":1,"PRICE":7}"#,
        ]
        .map(String::from)
        .to_vec();
        let (schema, parsed) = infer(&raw).unwrap();
        let types: Vec<(&str, &str)> =
            schema.record_columns.iter().map(|c| (c.name.as_str(), c.sql_type.as_str())).collect();
        assert_eq!(
            types,
            vec![("TICKER_SYMBOL", "VARCHAR(4)"), ("SECTOR", "VARCHAR(16)"), ("CHANGE", "REAL"), ("PRICE", "REAL")]
        );
        assert_eq!(parsed[1], vec!["QXZ", "RETAIL", "1", "7"]);
    }

    #[test]
    fn infers_csv_columns() {
        let raw = vec!["a,1,true".to_string(), "bb,3000000000,false".to_string()];
        let (schema, _) = infer(&raw).unwrap();
        let types: Vec<&str> = schema.record_columns.iter().map(|c| c.sql_type.as_str()).collect();
        assert_eq!(types, vec!["VARCHAR(2)", "BIGINT", "BOOLEAN"]);
        assert_eq!(schema.record_format.record_format_type, "CSV");
    }
}
