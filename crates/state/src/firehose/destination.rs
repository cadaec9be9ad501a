//! The S3 destination: configurations in, descriptions (with AWS's defaults) out, updates
//! merged, and the few settings the delivery engine reads.
//!
//! A stream stores one `ExtendedS3DestinationDescription` document. A stream created with
//! the deprecated `S3DestinationConfiguration` is described the way AWS describes it:
//! both an `S3DestinationDescription` and an `ExtendedS3DestinationDescription`.

use super::{keys, FhError};
use serde_json::{json, Map, Value};

/// Default `BufferingHints.SizeInMBs` of S3 destinations.
pub const DEFAULT_SIZE_MB: u64 = 5;
/// Default `BufferingHints.IntervalInSeconds` of S3 destinations.
pub const DEFAULT_INTERVAL_S: u64 = 300;

/// Members of an S3 destination description (the deprecated kind).
const S3_MEMBERS: &[&str] = &[
    "RoleARN",
    "BucketARN",
    "Prefix",
    "ErrorOutputPrefix",
    "BufferingHints",
    "CompressionFormat",
    "EncryptionConfiguration",
    "CloudWatchLoggingOptions",
];

/// What the delivery engine needs of a destination.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct S3Target {
    /// Bucket name (from `BucketARN`).
    pub bucket: String,
    /// `Prefix` ("" when absent).
    pub prefix: String,
    /// `ErrorOutputPrefix` ("" when absent).
    pub error_prefix: String,
    /// `BufferingHints.SizeInMBs`.
    pub size_mb: u64,
    /// `BufferingHints.IntervalInSeconds`.
    pub interval_s: u64,
    /// `CompressionFormat`.
    pub compression: String,
    /// `FileExtension`, or the compression's default.
    pub extension: String,
    /// `CustomTimeZone` ("" = UTC): the zone of prefixes and key suffixes (`keys::civil_in`).
    pub time_zone: String,
    /// Whether dynamic partitioning is enabled.
    pub dynamic_partitioning: bool,
}

/// The bucket name of `arn:aws:s3:::bucket`.
pub fn bucket_of(arn: &str) -> Option<&str> {
    let name = arn.rsplit_once(":::")?.1;
    (!name.is_empty()).then_some(name)
}

/// Reads the delivery settings of a stored description.
pub fn target(desc: &Value) -> S3Target {
    let s = |k: &str| desc.get(k).and_then(Value::as_str).unwrap_or("").to_string();
    let hints = desc.get("BufferingHints");
    let hint = |k: &str, d: u64| hints.and_then(|h| h.get(k)).and_then(Value::as_u64).unwrap_or(d);
    let compression = desc.get("CompressionFormat").and_then(Value::as_str).unwrap_or("UNCOMPRESSED").to_string();
    let extension = match desc.get("FileExtension").and_then(Value::as_str) {
        Some(ext) if !ext.is_empty() => ext.to_string(),
        _ => keys::default_extension(&compression).to_string(),
    };
    S3Target {
        bucket: bucket_of(&s("BucketARN")).unwrap_or("").to_string(),
        prefix: s("Prefix"),
        error_prefix: s("ErrorOutputPrefix"),
        size_mb: hint("SizeInMBs", DEFAULT_SIZE_MB),
        interval_s: hint("IntervalInSeconds", DEFAULT_INTERVAL_S),
        compression,
        extension,
        time_zone: s("CustomTimeZone"),
        dynamic_partitioning: dynamic_enabled(desc),
    }
}

/// Whether `DynamicPartitioningConfiguration.Enabled` is true.
pub fn dynamic_enabled(desc: &Value) -> bool {
    desc.get("DynamicPartitioningConfiguration").and_then(|d| d.get("Enabled")).and_then(Value::as_bool) == Some(true)
}

/// Default `DynamicPartitioningConfiguration.RetryOptions.DurationInSeconds`.
pub const DEFAULT_PARTITIONING_RETRY_S: u64 = 300;

/// The `ExtendedS3DestinationDescription` of a new destination, from an
/// `S3DestinationConfiguration` or an `ExtendedS3DestinationConfiguration`.
pub fn from_config(config: &Value) -> Result<Value, FhError> {
    let mut desc = config.as_object().cloned().unwrap_or_default();
    if let Some(backup) = desc.remove("S3BackupConfiguration") {
        desc.insert(
            "S3BackupDescription".into(),
            Value::Object(fill_defaults(backup.as_object().cloned().unwrap_or_default())?),
        );
    }
    let desc = fill_defaults(desc)?;
    check(&desc)?;
    Ok(Value::Object(desc))
}

/// Merges an `S3DestinationUpdate` or `ExtendedS3DestinationUpdate` into a description:
/// members given replace the stored ones, the rest stay.
pub fn merge_update(current: &Value, update: &Value) -> Result<Value, FhError> {
    let mut desc = current.as_object().cloned().unwrap_or_default();
    if let Some(dp) = update.get("DynamicPartitioningConfiguration") {
        let asked = dp.get("Enabled").and_then(Value::as_bool);
        if asked.is_some_and(|a| a != dynamic_enabled(current)) {
            // kinesin's wording (AWS's text was not found): AWS enables dynamic partitioning
            // only at creation and never turns it off.
            return Err(FhError::invalid(
                "Dynamic partitioning can only be enabled when the delivery stream is created, and cannot be disabled.",
            ));
        }
    }
    for (k, v) in update.as_object().cloned().unwrap_or_default() {
        if k == "S3BackupUpdate" {
            let mut backup = desc.get("S3BackupDescription").and_then(Value::as_object).cloned().unwrap_or_default();
            for (bk, bv) in v.as_object().cloned().unwrap_or_default() {
                backup.insert(bk, bv);
            }
            desc.insert("S3BackupDescription".into(), Value::Object(fill_defaults(backup)?));
        } else {
            desc.insert(k, v);
        }
    }
    let desc = fill_defaults(desc)?;
    check(&desc)?;
    Ok(Value::Object(desc))
}

/// The `S3DestinationDescription` AWS shows beside an extended one.
pub fn s3_description(desc: &Value) -> Value {
    let mut out = Map::new();
    if let Some(obj) = desc.as_object() {
        for k in S3_MEMBERS {
            if let Some(v) = obj.get(*k) {
                out.insert((*k).to_string(), v.clone());
            }
        }
    }
    Value::Object(out)
}

fn fill_defaults(mut desc: Map<String, Value>) -> Result<Map<String, Value>, FhError> {
    let hints = desc.get("BufferingHints").and_then(Value::as_object).cloned();
    let hints = match hints {
        None => json!({"SizeInMBs": DEFAULT_SIZE_MB, "IntervalInSeconds": DEFAULT_INTERVAL_S}),
        Some(h) => match (h.get("SizeInMBs"), h.get("IntervalInSeconds")) {
            (Some(s), Some(i)) => json!({"SizeInMBs": s, "IntervalInSeconds": i}),
            (None, None) => json!({"SizeInMBs": DEFAULT_SIZE_MB, "IntervalInSeconds": DEFAULT_INTERVAL_S}),
            // AWS requires both hints or neither; kinesin's wording (AWS's text was not found).
            _ => {
                return Err(FhError::invalid(
                    "BufferingHints must specify both SizeInMBs and IntervalInSeconds, or neither.",
                ))
            }
        },
    };
    desc.insert("BufferingHints".into(), hints);
    desc.entry("CompressionFormat").or_insert_with(|| json!("UNCOMPRESSED"));
    desc.entry("EncryptionConfiguration").or_insert_with(|| json!({"NoEncryptionConfig": "NoEncryption"}));
    desc.entry("CloudWatchLoggingOptions").or_insert_with(|| json!({"Enabled": false}));
    if let Some(Value::Object(dp)) = desc.get_mut("DynamicPartitioningConfiguration") {
        if dp.get("Enabled").and_then(Value::as_bool) == Some(true) {
            let retry = dp.entry("RetryOptions").or_insert_with(|| json!({}));
            if let Value::Object(r) = retry {
                r.entry("DurationInSeconds").or_insert_with(|| json!(DEFAULT_PARTITIONING_RETRY_S));
            }
        }
    }
    Ok(desc)
}

/// Rejects what the model allows but kinesin cannot deliver yet, and what AWS rejects:
/// prefixes, dynamic partitioning, CustomTimeZone, processors.
fn check(desc: &Map<String, Value>) -> Result<(), FhError> {
    let enabled = |k: &str| desc.get(k).and_then(|v| v.get("Enabled")).and_then(Value::as_bool).unwrap_or(false);
    if enabled("DataFormatConversionConfiguration") {
        return Err(FhError::invalid(
            "Record format conversion (DataFormatConversionConfiguration) is not supported by kinesin yet.",
        ));
    }
    let text = |k: &str| desc.get(k).and_then(Value::as_str).unwrap_or("");
    let dynamic = enabled("DynamicPartitioningConfiguration");
    keys::validate_with(text("Prefix"), text("ErrorOutputPrefix"), dynamic).map_err(FhError::invalid)?;
    if dynamic {
        let interval = desc.get("BufferingHints").and_then(|h| h.get("IntervalInSeconds")).and_then(Value::as_u64);
        if interval == Some(0) {
            // kinesin's wording (AWS's text was not found).
            return Err(FhError::invalid(
                "BufferingHints.IntervalInSeconds 0 (no buffering) is not supported with dynamic partitioning.",
            ));
        }
    }
    let tz = text("CustomTimeZone");
    if !keys::valid_time_zone(tz) {
        // kinesin's wording (AWS's text was not found).
        return Err(FhError::invalid(format!("CustomTimeZone {tz} is not a supported time zone.")));
    }
    let types = check_processing(desc, dynamic)?;
    let (query_keys, lambda_keys) = keys::partition_key_use(text("Prefix"));
    if query_keys && !types.contains(&"MetadataExtraction") {
        return Err(FhError::invalid(
            "Prefix uses partitionKeyFromQuery, which needs a MetadataExtraction processor in ProcessingConfiguration.",
        ));
    }
    if lambda_keys && !types.contains(&"Lambda") {
        return Err(FhError::invalid(
            "Prefix uses partitionKeyFromLambda, which needs a Lambda processor in ProcessingConfiguration.",
        ));
    }
    if bucket_of(text("BucketARN")).is_none() {
        return Err(FhError::invalid(format!("BucketARN {} is not a valid S3 bucket ARN.", text("BucketARN"))));
    }
    Ok(())
}

/// Processors of destinations other than S3: Lambda only (bound to a local command or URL
/// with `--lambda`).
pub fn check_processors(pc: &Value) -> Result<(), FhError> {
    for p in pc.get("Processors").and_then(Value::as_array).into_iter().flatten() {
        let kind = p.get("Type").and_then(Value::as_str).unwrap_or("");
        if kind != "Lambda" {
            return Err(FhError::invalid(format!("Processor type {kind} is not supported by kinesin yet.")));
        }
        check_lambda(p)?;
    }
    Ok(())
}

/// A Lambda processor (bound to a local command or URL with `--lambda`): its parameters.
fn check_lambda(p: &Value) -> Result<(), FhError> {
    let mut has_arn = false;
    for kv in p.get("Parameters").and_then(Value::as_array).into_iter().flatten() {
        let name = kv.get("ParameterName").and_then(Value::as_str).unwrap_or("");
        let value = kv.get("ParameterValue").and_then(Value::as_str).unwrap_or("");
        // AWS's ranges (kinesin's wording: AWS's exact texts were not found).
        let ok = match name {
            "LambdaArn" => {
                has_arn = !value.is_empty();
                true
            }
            "NumberOfRetries" => value.parse::<u32>().is_ok_and(|n| n <= 300),
            "BufferSizeInMBs" => value.parse::<f64>().is_ok_and(|n| (0.2..=3.0).contains(&n)),
            "BufferIntervalInSeconds" => value.parse::<u32>().is_ok_and(|n| (60..=900).contains(&n)),
            _ => true,
        };
        if !ok {
            return Err(FhError::invalid(format!("Processor parameter {name} has an invalid value: {value}.")));
        }
    }
    if !has_arn {
        // kinesin's wording: AWS answers InvalidArgumentException; its exact text was not found.
        return Err(FhError::invalid("A Lambda processor requires the LambdaArn parameter."));
    }
    Ok(())
}

/// The value of a processor parameter (`Parameters[].ParameterValue` by `ParameterName`).
pub fn parameter<'a>(processor: &'a Value, name: &str) -> Option<&'a str> {
    processor
        .get("Parameters")?
        .as_array()?
        .iter()
        .find_map(|p| (p.get("ParameterName")?.as_str()? == name).then(|| p.get("ParameterValue")?.as_str()).flatten())
}

/// Checks an enabled `ProcessingConfiguration` and returns its processor types. Accepted:
/// MetadataExtraction (JQ-1.6, with dynamic partitioning), RecordDeAggregation (JSON or
/// DELIMITED with a Delimiter), AppendDelimiterToRecord, Lambda.
/// Messages are kinesin's wording: AWS's texts were not found.
fn check_processing(desc: &Map<String, Value>, dynamic: bool) -> Result<Vec<&'static str>, FhError> {
    let Some(pc) = desc.get("ProcessingConfiguration") else { return Ok(Vec::new()) };
    if pc.get("Enabled").and_then(Value::as_bool) != Some(true) {
        return Ok(Vec::new());
    }
    let mut types = Vec::new();
    for p in pc.get("Processors").and_then(Value::as_array).into_iter().flatten() {
        let kind = p.get("Type").and_then(Value::as_str).unwrap_or("");
        match kind {
            "MetadataExtraction" => {
                if !dynamic {
                    return Err(FhError::invalid(
                        "The MetadataExtraction processor is only allowed when dynamic partitioning is enabled.",
                    ));
                }
                let query = parameter(p, "MetadataExtractionQuery").unwrap_or("");
                if query.trim().is_empty() {
                    return Err(FhError::invalid(
                        "The MetadataExtraction processor needs a MetadataExtractionQuery parameter.",
                    ));
                }
                match parameter(p, "JsonParsingEngine") {
                    Some("JQ-1.6") => {}
                    other => {
                        return Err(FhError::invalid(format!(
                            "JsonParsingEngine {} is not supported; use JQ-1.6.",
                            other.unwrap_or("(missing)")
                        )))
                    }
                }
                types.push("MetadataExtraction");
            }
            "RecordDeAggregation" => {
                match parameter(p, "SubRecordType") {
                    Some("JSON") | None => {}
                    Some("DELIMITED") => {
                        let delimiter = parameter(p, "Delimiter").unwrap_or("");
                        if aws_smithy_types::base64::decode(delimiter).map_or(true, |d| d.is_empty()) {
                            return Err(FhError::invalid(
                                "RecordDeAggregation with SubRecordType DELIMITED needs a Delimiter parameter (base64).",
                            ));
                        }
                    }
                    Some(other) => {
                        return Err(FhError::invalid(format!(
                            "SubRecordType {other} is not supported; use JSON or DELIMITED."
                        )))
                    }
                }
                types.push("RecordDeAggregation");
            }
            "AppendDelimiterToRecord" => types.push("AppendDelimiterToRecord"),
            "Lambda" => {
                check_lambda(p)?;
                types.push("Lambda");
            }
            other => {
                return Err(FhError::invalid(format!(
                    "Data transformation with a {other} processor (ProcessingConfiguration) is not supported by kinesin yet."
                )))
            }
        }
    }
    Ok(types)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn defaults_are_filled() {
        let d = from_config(&json!({"RoleARN": "arn:aws:iam::000000000000:role/r", "BucketARN": "arn:aws:s3:::b"}))
            .unwrap();
        assert_eq!(d["BufferingHints"], json!({"SizeInMBs": 5, "IntervalInSeconds": 300}));
        assert_eq!(d["CompressionFormat"], "UNCOMPRESSED");
        assert_eq!(d["EncryptionConfiguration"], json!({"NoEncryptionConfig": "NoEncryption"}));
        let t = target(&d);
        assert_eq!((t.bucket.as_str(), t.size_mb, t.interval_s, t.extension.as_str()), ("b", 5, 300, ""));
        assert!(s3_description(&d).get("S3BackupMode").is_none());
    }

    #[test]
    fn updates_merge_and_validate() {
        let d = from_config(&json!({"RoleARN": "r", "BucketARN": "arn:aws:s3:::b", "Prefix": "p/",
            "CompressionFormat": "GZIP"}))
        .unwrap();
        assert_eq!(target(&d).extension, ".gz");
        let u = merge_update(&d, &json!({"BufferingHints": {"SizeInMBs": 1, "IntervalInSeconds": 60}})).unwrap();
        assert_eq!(target(&u).size_mb, 1);
        assert_eq!(target(&u).prefix, "p/");
        assert!(merge_update(&d, &json!({"BufferingHints": {"SizeInMBs": 1}})).is_err());
        for c in ["ZIP", "Snappy", "HADOOP_SNAPPY"] {
            assert_eq!(target(&merge_update(&d, &json!({"CompressionFormat": c})).unwrap()).compression, c);
        }
        let e = merge_update(&d, &json!({"FileExtension": ".json.gz"})).unwrap();
        assert_eq!(target(&e).extension, ".json.gz");
    }

    fn dp_config(extra: Value) -> Value {
        let mut c = json!({"RoleARN": "r", "BucketARN": "arn:aws:s3:::b",
            "Prefix": "c=!{partitionKeyFromQuery:c}/", "ErrorOutputPrefix": "e/!{firehose:error-output-type}/",
            "BufferingHints": {"SizeInMBs": 64, "IntervalInSeconds": 60},
            "DynamicPartitioningConfiguration": {"Enabled": true},
            "ProcessingConfiguration": {"Enabled": true, "Processors": [
                {"Type": "MetadataExtraction", "Parameters": [
                    {"ParameterName": "MetadataExtractionQuery", "ParameterValue": "{c:.c}"},
                    {"ParameterName": "JsonParsingEngine", "ParameterValue": "JQ-1.6"}]},
                {"Type": "AppendDelimiterToRecord"}]}});
        for (k, v) in extra.as_object().cloned().unwrap_or_default() {
            c[k] = v;
        }
        c
    }

    #[test]
    fn dynamic_partitioning_checks() {
        let d = from_config(&dp_config(json!({}))).unwrap();
        assert_eq!(d["DynamicPartitioningConfiguration"]["RetryOptions"]["DurationInSeconds"], 300);
        let t = target(&d);
        assert!(t.dynamic_partitioning);
        assert_eq!(t.time_zone, "");
        // Retry duration given is kept.
        let r = from_config(&dp_config(
            json!({"DynamicPartitioningConfiguration": {"Enabled": true, "RetryOptions": {"DurationInSeconds": 10}}}),
        ))
        .unwrap();
        assert_eq!(r["DynamicPartitioningConfiguration"]["RetryOptions"]["DurationInSeconds"], 10);
        // Only at creation: cannot be turned off or on by an update.
        let off = json!({"DynamicPartitioningConfiguration": {"Enabled": false}});
        assert!(merge_update(&d, &off).unwrap_err().to_string().contains("only be enabled when"));
        let plain = from_config(&json!({"RoleARN": "r", "BucketARN": "arn:aws:s3:::b"})).unwrap();
        assert!(merge_update(&plain, &json!({"DynamicPartitioningConfiguration": {"Enabled": true}})).is_err());
        assert!(merge_update(&d, &json!({"DynamicPartitioningConfiguration": {"Enabled": true}})).is_ok());
        // Interval 0, a missing ErrorOutputPrefix, keys without dynamic partitioning.
        assert!(from_config(&dp_config(json!({"BufferingHints": {"SizeInMBs": 64, "IntervalInSeconds": 0}}))).is_err());
        assert!(from_config(&dp_config(json!({"ErrorOutputPrefix": ""}))).is_err());
        assert!(from_config(&dp_config(json!({"DynamicPartitioningConfiguration": {"Enabled": false}}))).is_err());
        // partitionKeyFromLambda needs a Lambda processor; unknown engines and processors fail.
        assert!(from_config(&dp_config(json!({"Prefix": "!{partitionKeyFromLambda:x}/"}))).is_err());
        let mut bad_engine = dp_config(json!({}));
        bad_engine["ProcessingConfiguration"]["Processors"][0]["Parameters"][1]["ParameterValue"] = json!("JQ-9");
        assert!(from_config(&bad_engine).is_err());
        let mut delimited = dp_config(json!({}));
        delimited["ProcessingConfiguration"]["Processors"].as_array_mut().unwrap().push(json!(
            {"Type": "RecordDeAggregation", "Parameters": [{"ParameterName": "SubRecordType", "ParameterValue": "DELIMITED"}]}));
        assert!(from_config(&delimited).is_err());
        delimited["ProcessingConfiguration"]["Processors"][2]["Parameters"]
            .as_array_mut()
            .unwrap()
            .push(json!({"ParameterName": "Delimiter", "ParameterValue": "fA=="}));
        assert!(from_config(&delimited).is_ok());
        delimited["ProcessingConfiguration"]["Processors"][2]["Parameters"][1]["ParameterValue"] = json!("*not b64*");
        assert!(from_config(&delimited).is_err());
        // AppendDelimiterToRecord alone works without dynamic partitioning.
        let append = json!({"RoleARN": "r", "BucketARN": "arn:aws:s3:::b", "ProcessingConfiguration": {"Enabled": true,
            "Processors": [{"Type": "AppendDelimiterToRecord"}]}});
        assert!(from_config(&append).is_ok());
    }

    #[test]
    fn custom_time_zone() {
        let base = json!({"RoleARN": "r", "BucketARN": "arn:aws:s3:::b", "CustomTimeZone": "Asia/Tokyo"});
        assert_eq!(target(&from_config(&base).unwrap()).time_zone, "Asia/Tokyo");
        let mut bad = base.clone();
        bad["CustomTimeZone"] = json!("Moon/Base");
        assert!(from_config(&bad).unwrap_err().to_string().contains("CustomTimeZone"));
    }
}
