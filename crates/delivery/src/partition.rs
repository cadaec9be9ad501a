//! Dynamic partitioning, as pure functions: the processors of a `ProcessingConfiguration`
//! (RecordDeAggregation, MetadataExtraction, AppendDelimiterToRecord), the jq query that
//! turns a record into its partition keys, and the grouping of records by their keys under
//! the limit of active partitions.
//!
//! The jq engine is jaq (a maintained Rust implementation of jq); AWS runs `JQ-1.6`.

use crate::jq::{self, JqError};
use kinesin_state::firehose::destination::parameter;
use serde_json::Value;
use std::collections::BTreeMap;

/// Partition keys of a record: key name -> value (`!{partitionKeyFromQuery:name}`).
pub type Keys = BTreeMap<String, String>;

/// Most partitions a stream keeps active at once; records of further partitions fail.
pub const MAX_ACTIVE_PARTITIONS: usize = 500;

/// Most sub-records RecordDeAggregation splits one record into; a record with more is
/// passed on whole (AWS's documented cap is 500 sub-records per record).
pub const MAX_SUB_RECORDS: usize = 500;

/// The `!{firehose:error-output-type}` of records that fail partitioning. AWS's list of
/// values in its documentation does not name it (not found); deliveries seen in public
/// configurations land under `metadata-extraction-failed`.
pub const ERROR_OUTPUT_TYPE: &str = "metadata-extraction-failed";

/// `errorCode` of a record whose keys could not be extracted.
pub const METADATA_EXTRACTION_FAILED: &str = "DynamicPartitioning.MetadataExtractionFailed";
/// `errorCode` of a record whose partition is over [`MAX_ACTIVE_PARTITIONS`].
pub const ACTIVE_PARTITIONS_LIMIT_EXCEEDED: &str = "DynamicPartitioning.ActivePartitionsLimitExceeded";

/// Why a record goes to the error output instead of a partition.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PartitionError {
    /// `errorCode` of the error record.
    pub code: &'static str,
    /// `errorMessage` of the error record.
    pub message: String,
}

impl PartitionError {
    fn extraction(message: impl Into<String>) -> Self {
        Self { code: METADATA_EXTRACTION_FAILED, message: message.into() }
    }
}

/// How RecordDeAggregation splits records (`SubRecordType`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum DeAggregation {
    /// Concatenated JSON values (`{..}{..}`, JSON lines, or any whitespace between).
    Json,
    /// Records separated by a delimiter (the `Delimiter` parameter, base64 encoded).
    Delimited(Vec<u8>),
}

/// The partitioning-related processors of a `ProcessingConfiguration`.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Processors {
    /// RecordDeAggregation, when configured.
    pub deaggregation: Option<DeAggregation>,
    /// The `MetadataExtractionQuery` of MetadataExtraction, when configured.
    pub query: Option<String>,
    /// Whether AppendDelimiterToRecord is configured.
    pub append_delimiter: bool,
}

/// Reads the processors of a destination description (its `ProcessingConfiguration`);
/// nothing when processing is not enabled. `Err` holds a message for a parameter AWS rejects
/// (kinesin's wording: AWS's texts were not found).
pub fn processors(desc: &Value) -> Result<Processors, String> {
    let mut out = Processors::default();
    let Some(pc) = desc.get("ProcessingConfiguration") else { return Ok(out) };
    if pc.get("Enabled").and_then(Value::as_bool) != Some(true) {
        return Ok(out);
    }
    for p in pc.get("Processors").and_then(Value::as_array).into_iter().flatten() {
        match p.get("Type").and_then(Value::as_str) {
            Some("RecordDeAggregation") => {
                out.deaggregation = Some(match parameter(p, "SubRecordType").unwrap_or("JSON") {
                    "JSON" => DeAggregation::Json,
                    "DELIMITED" => {
                        let b64 = parameter(p, "Delimiter")
                            .ok_or("RecordDeAggregation with SubRecordType DELIMITED needs a Delimiter parameter.")?;
                        let d = base64_decode(b64)
                            .filter(|d| !d.is_empty())
                            .ok_or_else(|| format!("Delimiter {b64} is not a base64-encoded delimiter."))?;
                        DeAggregation::Delimited(d)
                    }
                    other => return Err(format!("SubRecordType {other} is not one of JSON, DELIMITED.")),
                });
            }
            Some("MetadataExtraction") => {
                let query = parameter(p, "MetadataExtractionQuery")
                    .ok_or("MetadataExtraction needs a MetadataExtractionQuery parameter.")?;
                match parameter(p, "JsonParsingEngine") {
                    Some("JQ-1.6") | None => {}
                    Some(other) => return Err(format!("JsonParsingEngine {other} is not supported (JQ-1.6 is).")),
                }
                compile_check(query)?;
                out.query = Some(query.to_string());
            }
            Some("AppendDelimiterToRecord") => out.append_delimiter = true,
            _ => {}
        }
    }
    Ok(out)
}

/// Standard base64 (with or without padding).
fn base64_decode(s: &str) -> Option<Vec<u8>> {
    let val = |c: u8| -> Option<u32> {
        Some(match c {
            b'A'..=b'Z' => c - b'A',
            b'a'..=b'z' => c - b'a' + 26,
            b'0'..=b'9' => c - b'0' + 52,
            b'+' => 62,
            b'/' => 63,
            _ => return None,
        } as u32)
    };
    let bytes = s.trim_end_matches('=').as_bytes();
    if bytes.len() % 4 == 1 {
        return None;
    }
    let mut out = Vec::with_capacity(bytes.len() * 3 / 4);
    for chunk in bytes.chunks(4) {
        let mut acc = 0u32;
        for (i, &c) in chunk.iter().enumerate() {
            acc |= val(c)? << (18 - 6 * i);
        }
        let n = chunk.len() * 6 / 8;
        out.extend_from_slice(&acc.to_be_bytes()[1..1 + n]);
    }
    Some(out)
}

/// RecordDeAggregation: the sub-records of one record. A record that does not split (not
/// JSON, or more than [`MAX_SUB_RECORDS`] parts) is returned whole.
pub fn deaggregate(how: &DeAggregation, record: &[u8]) -> Vec<Vec<u8>> {
    let parts: Vec<Vec<u8>> = match how {
        DeAggregation::Json => {
            let mut parts = Vec::new();
            let mut stream = serde_json::Deserializer::from_slice(record).into_iter::<serde::de::IgnoredAny>();
            let mut start = 0;
            loop {
                match stream.next() {
                    None => break,
                    Some(Ok(_)) => {
                        let end = stream.byte_offset();
                        parts.push(trim(&record[start..end]).to_vec());
                        start = end;
                    }
                    Some(Err(_)) => return vec![record.to_vec()],
                }
            }
            parts
        }
        DeAggregation::Delimited(d) => {
            let mut parts = Vec::new();
            let mut rest = record;
            while let Some(i) = find(rest, d) {
                parts.push(rest[..i].to_vec());
                rest = &rest[i + d.len()..];
            }
            if !rest.is_empty() {
                parts.push(rest.to_vec());
            }
            parts
        }
    };
    if parts.is_empty() || parts.len() > MAX_SUB_RECORDS {
        return vec![record.to_vec()];
    }
    parts
}

fn trim(b: &[u8]) -> &[u8] {
    let start = b.iter().position(|c| !c.is_ascii_whitespace()).unwrap_or(b.len());
    let end = b.iter().rposition(|c| !c.is_ascii_whitespace()).map_or(start, |e| e + 1);
    &b[start..end]
}

fn find(hay: &[u8], needle: &[u8]) -> Option<usize> {
    hay.windows(needle.len()).position(|w| w == needle)
}

/// AppendDelimiterToRecord: the record followed by a newline.
pub fn append_delimiter(record: &[u8]) -> Vec<u8> {
    let mut v = Vec::with_capacity(record.len() + 1);
    v.extend_from_slice(record);
    v.push(b'\n');
    v
}

/// Whether a `MetadataExtractionQuery` compiles; `Err` holds a message.
pub fn compile_check(query: &str) -> Result<(), String> {
    jq::compile(query).map(drop).map_err(|_| format!("MetadataExtractionQuery {query} is not a valid jq expression."))
}

/// MetadataExtraction over records: per record, its partition keys or why it has none. The
/// query must yield one JSON object whose values are strings, numbers or booleans; it runs
/// under [`jq::Limits::default`] (a record whose query runs out of it fails alone). `Err`
/// when the query does not compile. Blocks while the query runs (see [`jq::run_all`]); the
/// server runs queries in a worker process instead ([`crate::jq_worker`]).
pub fn extract_all(query: &str, records: Vec<Vec<u8>>) -> Result<Vec<Result<Keys, PartitionError>>, String> {
    extract_all_within(query, records, jq::Limits::default())
}

/// [`extract_all`] under the given limits.
pub fn extract_all_within(
    query: &str,
    records: Vec<Vec<u8>>,
    limits: jq::Limits,
) -> Result<Vec<Result<Keys, PartitionError>>, String> {
    let program =
        jq::compile(query).map_err(|_| format!("MetadataExtractionQuery {query} is not a valid jq expression."))?;
    Ok(keys_of_outputs(jq::run_all(&program, &records, limits)))
}

/// The partition keys of each record, from the query's outputs over the records.
pub fn keys_of_outputs(outputs: Vec<Result<Value, JqError>>) -> Vec<Result<Keys, PartitionError>> {
    outputs.into_iter().map(|r| r.map_err(jq_error).and_then(keys_of)).collect()
}

/// The error record of a failed evaluation. "Non JSON record provided" is AWS's text; the
/// others are kinesin's wording (AWS's were not found).
fn jq_error(e: JqError) -> PartitionError {
    PartitionError::extraction(match e {
        JqError::Input => "Non JSON record provided".to_string(),
        JqError::Failed(m) => format!("jq query failed: {m}"),
        JqError::Empty => "jq query produced no result".to_string(),
        JqError::Many => "jq query produced more than one result".to_string(),
        JqError::Budget(what) => format!("jq query exceeded its evaluation limit ({what})"),
    })
}

/// The partition keys of a query's output.
fn keys_of(value: Value) -> Result<Keys, PartitionError> {
    let Value::Object(obj) = value else {
        return Err(PartitionError::extraction("jq query result is not a JSON object"));
    };
    let mut keys = Keys::new();
    for (k, v) in obj {
        let text = match v {
            Value::String(s) => s,
            Value::Number(n) => number_text(&n),
            Value::Bool(b) => b.to_string(),
            Value::Null => return Err(PartitionError::extraction(format!("partition key {k} is null or missing"))),
            _ => {
                return Err(PartitionError::extraction(format!("partition key {k} is not a string, number or boolean")))
            }
        };
        keys.insert(k, text);
    }
    Ok(keys)
}

/// A number as jq 1.6 prints it: integral values without a fraction (`1.0` -> `1`).
fn number_text(n: &serde_json::Number) -> String {
    match n.as_f64() {
        Some(f) if n.is_f64() && f.fract() == 0.0 && f.abs() < 1e17 => format!("{}", f as i64),
        _ => n.to_string(),
    }
}

/// Records grouped by partition: the partitions in order of first appearance, each with the
/// indexes of its records, and the indexes of records whose partition is over `limit`
/// (`limit` = [`MAX_ACTIVE_PARTITIONS`] less the partitions already active elsewhere).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Groups {
    /// `(keys, record indexes)` per partition.
    pub partitions: Vec<(Keys, Vec<usize>)>,
    /// Records of partitions over the limit (error `DynamicPartitioning.ActivePartitionsLimitExceeded`).
    pub over_limit: Vec<usize>,
}

/// Groups records (by index) by their keys; at most `limit` partitions.
pub fn group(keys: &[Keys], limit: usize) -> Groups {
    let mut out = Groups::default();
    let mut index: BTreeMap<&Keys, usize> = BTreeMap::new();
    for (i, k) in keys.iter().enumerate() {
        match index.get(k) {
            Some(&p) => out.partitions[p].1.push(i),
            None if out.partitions.len() < limit => {
                index.insert(k, out.partitions.len());
                out.partitions.push((k.clone(), vec![i]));
            }
            None => out.over_limit.push(i),
        }
    }
    out
}

/// The error of a record over the active partitions limit.
pub fn over_limit_error() -> PartitionError {
    PartitionError {
        code: ACTIVE_PARTITIONS_LIMIT_EXCEEDED,
        // kinesin's wording (AWS's message was not found).
        message: format!("The number of active partitions exceeds the limit of {MAX_ACTIVE_PARTITIONS}."),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn keys(pairs: &[(&str, &str)]) -> Keys {
        pairs.iter().map(|(k, v)| ((*k).to_string(), (*v).to_string())).collect()
    }

    #[test]
    fn reads_processors() {
        let desc = json!({"ProcessingConfiguration": {"Enabled": true, "Processors": [
            {"Type": "RecordDeAggregation", "Parameters": [
                {"ParameterName": "SubRecordType", "ParameterValue": "DELIMITED"},
                {"ParameterName": "Delimiter", "ParameterValue": "fHw="}]},
            {"Type": "MetadataExtraction", "Parameters": [
                {"ParameterName": "MetadataExtractionQuery", "ParameterValue": "{customer_id:.customer_id}"},
                {"ParameterName": "JsonParsingEngine", "ParameterValue": "JQ-1.6"}]},
            {"Type": "AppendDelimiterToRecord"}]}});
        let p = processors(&desc).unwrap();
        assert_eq!(p.deaggregation, Some(DeAggregation::Delimited(b"||".to_vec())));
        assert_eq!(p.query.as_deref(), Some("{customer_id:.customer_id}"));
        assert!(p.append_delimiter);
        let mut off = desc.clone();
        off["ProcessingConfiguration"]["Enabled"] = json!(false);
        assert_eq!(processors(&off).unwrap(), Processors::default());
        let bad_query = json!({"ProcessingConfiguration": {"Enabled": true, "Processors": [
            {"Type": "MetadataExtraction", "Parameters": [
                {"ParameterName": "MetadataExtractionQuery", "ParameterValue": "{a:.a"}]}]}});
        assert!(processors(&bad_query).unwrap_err().contains("not a valid jq expression"));
        let bad_engine = json!({"ProcessingConfiguration": {"Enabled": true, "Processors": [
            {"Type": "MetadataExtraction", "Parameters": [
                {"ParameterName": "MetadataExtractionQuery", "ParameterValue": "{a:.a}"},
                {"ParameterName": "JsonParsingEngine", "ParameterValue": "JQ-9"}]}]}});
        assert!(processors(&bad_engine).is_err());
        let bad_delim = json!({"ProcessingConfiguration": {"Enabled": true, "Processors": [
            {"Type": "RecordDeAggregation", "Parameters": [
                {"ParameterName": "SubRecordType", "ParameterValue": "DELIMITED"},
                {"ParameterName": "Delimiter", "ParameterValue": "!!"}]}]}});
        assert!(processors(&bad_delim).is_err());
    }

    #[test]
    fn base64() {
        assert_eq!(base64_decode("fHw=").unwrap(), b"||");
        assert_eq!(base64_decode("Cg==").unwrap(), b"\n");
        assert_eq!(base64_decode("aGVsbG8").unwrap(), b"hello");
        assert_eq!(base64_decode("aGVsbG8h").unwrap(), b"hello!");
        assert!(base64_decode("a").is_none());
        assert!(base64_decode("a*b=").is_none());
    }

    #[test]
    fn json_deaggregation() {
        let parts = deaggregate(&DeAggregation::Json, b"{\"a\":1}{\"a\":2}\n{\"a\": [3]}\n");
        assert_eq!(parts, vec![b"{\"a\":1}".to_vec(), b"{\"a\":2}".to_vec(), b"{\"a\": [3]}".to_vec()]);
        // Not JSON: passed on whole.
        assert_eq!(deaggregate(&DeAggregation::Json, b"{\"a\":1} nope"), vec![b"{\"a\":1} nope".to_vec()]);
        // Over the cap: whole.
        let many: Vec<u8> = (0..501).flat_map(|i| format!("{{\"i\":{i}}}").into_bytes()).collect();
        assert_eq!(deaggregate(&DeAggregation::Json, &many).len(), 1);
        let cap: Vec<u8> = (0..500).flat_map(|i| format!("{{\"i\":{i}}}\n").into_bytes()).collect();
        assert_eq!(deaggregate(&DeAggregation::Json, &cap).len(), 500);
    }

    #[test]
    fn delimited_deaggregation() {
        let d = DeAggregation::Delimited(b"||".to_vec());
        assert_eq!(deaggregate(&d, b"a||bb||c||"), vec![b"a".to_vec(), b"bb".to_vec(), b"c".to_vec()]);
        assert_eq!(deaggregate(&d, b"solo"), vec![b"solo".to_vec()]);
        assert_eq!(append_delimiter(b"x"), b"x\n");
    }

    #[test]
    fn metadata_extraction() {
        let recs: Vec<&[u8]> = vec![
            br#"{"customer_id":"c1","n":5,"ok":true}"#,
            br#"{"customer_id":7}"#,
            b"not json",
            br#"{"customer_id":{"x":1}}"#,
            br#"{"other":1}"#,
            br#"{"a":1}{"a":2}"#,
        ];
        let owned = |rs: &[&[u8]]| rs.iter().map(|r| r.to_vec()).collect::<Vec<_>>();
        let out = extract_all("{customer_id:.customer_id}", owned(&recs)).unwrap();
        assert_eq!(out[0], Ok(keys(&[("customer_id", "c1")])));
        assert_eq!(out[1], Ok(keys(&[("customer_id", "7")])));
        assert_eq!(out[2].as_ref().unwrap_err().message, "Non JSON record provided");
        assert_eq!(out[2].as_ref().unwrap_err().code, METADATA_EXTRACTION_FAILED);
        assert!(out[3].is_err());
        assert!(out[4].is_err());
        assert_eq!(out[5].as_ref().unwrap_err().message, "Non JSON record provided");
        let floats = extract_all("{a:.a, b:.b}", owned(&[br#"{"a":1.0,"b":2.5}"#])).unwrap();
        assert_eq!(floats[0], Ok(keys(&[("a", "1"), ("b", "2.5")])));
        let multi = extract_all("{c:.customer_id, n:.n, ok:.ok}", owned(&recs[..1])).unwrap();
        assert_eq!(multi[0], Ok(keys(&[("c", "c1"), ("n", "5"), ("ok", "true")])));
        // Nested paths and std functions.
        let nested =
            extract_all("{y:.t.y|tostring, up:(.s|ascii_upcase)}", owned(&[br#"{"t":{"y":2026},"s":"ab"}"#])).unwrap();
        assert_eq!(nested[0], Ok(keys(&[("up", "AB"), ("y", "2026")])));
        // Not an object, or several results.
        assert!(extract_all(".customer_id", owned(&recs[..1])).unwrap()[0].is_err());
        assert!(extract_all(".[]", owned(&recs[..1])).unwrap()[0].is_err());
        assert!(extract_all("{a:", owned(&recs)).is_err());
    }

    #[test]
    fn grouping_and_limit() {
        let k = |v: &str| keys(&[("c", v)]);
        let g = group(&[k("a"), k("b"), k("a"), k("c"), k("b")], 2);
        assert_eq!(g.partitions, vec![(k("a"), vec![0, 2]), (k("b"), vec![1, 4])]);
        assert_eq!(g.over_limit, vec![3]);
        let many: Vec<Keys> = (0..600).map(|i| k(&i.to_string())).collect();
        let g = group(&many, MAX_ACTIVE_PARTITIONS);
        assert_eq!((g.partitions.len(), g.over_limit.len()), (500, 100));
        assert_eq!(over_limit_error().code, "DynamicPartitioning.ActivePartitionsLimitExceeded");
    }
}
