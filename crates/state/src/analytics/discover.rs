//! DiscoverInputSchema: infers a schema from a sample of a Kinesis stream or an S3 object
//! (kinesin's S3), answering InputSchema, RawInputRecords, ProcessedInputRecords and
//! ParsedInputRecords.
//!
//! Inference follows what AWS shows for its demo stream: JSON objects map each top-level
//! key to a column (`$.key`), strings to VARCHAR sized to the next power of two of the longest
//! value, whole numbers to INTEGER (BIGINT past 32 bits), other numbers to REAL, booleans to
//! BOOLEAN; anything else is CSV with columns COL1, COL2, ... AWS's exact rules are not
//! published.

use super::config::{CsvMapping, JsonMapping, MappingParameters, RecordColumn, RecordFormat, SourceSchema};
use super::KdaError;
use crate::db::Engine;
use crate::kinesis::{self, records as krecords};
use crate::Ctx;
use serde::Deserialize;
use serde_json::{json, Value};

/// Most records sampled.
const SAMPLE: usize = 100;

/// `DiscoverInputSchema` (both APIs).
#[derive(Debug, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct DiscoverInput {
    #[serde(rename = "ResourceARN", default)]
    pub resource_arn: Option<String>,
    #[serde(default)]
    pub input_starting_position_configuration: Option<Value>,
    #[serde(default)]
    pub s3_configuration: Option<S3Configuration>,
}

/// `S3Configuration`.
#[derive(Debug, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct S3Configuration {
    #[serde(rename = "BucketARN")]
    pub bucket_arn: String,
    pub file_key: String,
}

/// DiscoverInputSchema.
pub fn discover(eng: &mut Engine, ctx: &Ctx, input: DiscoverInput) -> Result<Value, KdaError> {
    let raw = match (&input.resource_arn, &input.s3_configuration) {
        (Some(arn), None) => sample_stream(eng, ctx, arn, &input.input_starting_position_configuration)?,
        (None, Some(s3)) => sample_object(eng, ctx, s3)?,
        _ => return Err(KdaError::invalid("Specify either ResourceARN or S3Configuration.")),
    };
    if raw.is_empty() {
        return Err(KdaError::no_schema("No data was found in the streaming source to detect a schema."));
    }
    let (schema, parsed) = infer(&raw)?;
    Ok(json!({
        "InputSchema": schema,
        "ParsedInputRecords": parsed,
        "ProcessedInputRecords": raw,
        "RawInputRecords": raw,
    }))
}

fn sample_stream(eng: &mut Engine, ctx: &Ctx, arn: &str, start: &Option<Value>) -> Result<Vec<String>, KdaError> {
    let (sctx, name) =
        kinesis::parse_arn(arn).unwrap_or((ctx.clone(), arn.rsplit('/').next().unwrap_or(arn).to_string()));
    let m = kinesis::usable(eng, &sctx, &name).map_err(|e| KdaError::invalid(e.to_string()))?;
    let position = start.as_ref().and_then(|s| s["InputStartingPosition"].as_str()).unwrap_or("NOW");
    let mut out = Vec::new();
    for shard in &m.shards {
        let r = krecords::read(eng, &m, shard, shard.start_seq, 10_000)?;
        out.extend(r.records.iter().map(|rec| String::from_utf8_lossy(&rec.data).into_owned()));
    }
    // NOW has nothing to wait for here: the latest records stand for the ones to come.
    if position != "TRIM_HORIZON" && out.len() > SAMPLE {
        out.drain(..out.len() - SAMPLE);
    }
    out.truncate(SAMPLE);
    Ok(out)
}

fn sample_object(eng: &mut Engine, ctx: &Ctx, s3: &S3Configuration) -> Result<Vec<String>, KdaError> {
    let bucket = s3.bucket_arn.rsplit(':').next().unwrap_or_default().to_string();
    let (_, data, _) = crate::s3::get_object(eng, ctx, (bucket, s3.file_key.clone(), None))
        .map_err(|e| KdaError::invalid(format!("Cannot read s3://{}: {e:?}", s3.file_key)))?;
    let text = String::from_utf8_lossy(&data);
    Ok(text.lines().filter(|l| !l.trim().is_empty()).take(SAMPLE).map(str::to_string).collect())
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
    serde_json::from_str::<Value>(s.trim()).ok().filter(|v| v.is_number() || v.is_boolean()).unwrap_or_else(|| json!(s))
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
