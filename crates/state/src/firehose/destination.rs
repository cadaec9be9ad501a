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
    }
}

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
    Ok(desc)
}

/// Rejects what the model allows but kinesin cannot deliver yet, and prefixes AWS rejects.
fn check(desc: &Map<String, Value>) -> Result<(), FhError> {
    let compression = desc.get("CompressionFormat").and_then(Value::as_str).unwrap_or("UNCOMPRESSED");
    if !matches!(compression, "UNCOMPRESSED" | "GZIP") {
        return Err(FhError::invalid(format!(
            "CompressionFormat {compression} is not supported by kinesin yet (supported: UNCOMPRESSED, GZIP)."
        )));
    }
    let enabled = |k: &str| desc.get(k).and_then(|v| v.get("Enabled")).and_then(Value::as_bool).unwrap_or(false);
    if enabled("ProcessingConfiguration") {
        check_processors(desc.get("ProcessingConfiguration").unwrap_or(&Value::Null))?;
    }
    for (member, what) in [
        ("DataFormatConversionConfiguration", "Record format conversion (DataFormatConversionConfiguration)"),
        ("DynamicPartitioningConfiguration", "Dynamic partitioning (DynamicPartitioningConfiguration)"),
    ] {
        if enabled(member) {
            return Err(FhError::invalid(format!("{what} is not supported by kinesin yet.")));
        }
    }
    let text = |k: &str| desc.get(k).and_then(Value::as_str).unwrap_or("");
    keys::validate(text("Prefix"), text("ErrorOutputPrefix")).map_err(FhError::invalid)?;
    if bucket_of(text("BucketARN")).is_none() {
        return Err(FhError::invalid(format!("BucketARN {} is not a valid S3 bucket ARN.", text("BucketARN"))));
    }
    Ok(())
}

/// Processors kinesin runs: Lambda (bound to a local command or URL with `--lambda`).
pub fn check_processors(pc: &Value) -> Result<(), FhError> {
    for p in pc.get("Processors").and_then(Value::as_array).into_iter().flatten() {
        let kind = p.get("Type").and_then(Value::as_str).unwrap_or("");
        if kind != "Lambda" {
            return Err(FhError::invalid(format!("Processor type {kind} is not supported by kinesin yet.")));
        }
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
    }
    Ok(())
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
        assert!(merge_update(&d, &json!({"CompressionFormat": "ZIP"})).is_err());
        let e = merge_update(&d, &json!({"FileExtension": ".json.gz"})).unwrap();
        assert_eq!(target(&e).extension, ".json.gz");
    }

    #[test]
    fn lambda_processors_are_accepted() {
        let lambda = |params: Value| {
            json!({"RoleARN": "r", "BucketARN": "arn:aws:s3:::b", "ProcessingConfiguration": {"Enabled": true,
                "Processors": [{"Type": "Lambda", "Parameters": params}]}})
        };
        let arn = json!([{"ParameterName": "LambdaArn", "ParameterValue": "arn:aws:lambda:us-east-1:000000000000:function:f"}]);
        assert!(from_config(&lambda(arn)).is_ok());
        assert!(from_config(&lambda(json!([{"ParameterName": "NumberOfRetries", "ParameterValue": "1"}]))).is_err());
        let with = |name: &str, value: &str| {
            lambda(json!([{"ParameterName": "LambdaArn", "ParameterValue": "f"},
                {"ParameterName": name, "ParameterValue": value}]))
        };
        assert!(from_config(&with("NumberOfRetries", "300")).is_ok());
        assert!(from_config(&with("NumberOfRetries", "301")).is_err());
        assert!(from_config(&with("BufferSizeInMBs", "0.2")).is_ok());
        assert!(from_config(&with("BufferSizeInMBs", "4")).is_err());
        assert!(from_config(&with("BufferIntervalInSeconds", "59")).is_err());
        assert!(from_config(&with("BufferIntervalInSeconds", "x")).is_err());
        let other = json!({"RoleARN": "r", "BucketARN": "arn:aws:s3:::b", "ProcessingConfiguration": {"Enabled": true,
            "Processors": [{"Type": "Decompression", "Parameters": []}]}});
        assert!(from_config(&other).is_err());
    }
}
