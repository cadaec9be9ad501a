//! S3 objects a batch produces: deliveries, error output and backups, with AWS's keys
//! `<evaluated prefix><stream>-<version>-<yyyy-MM-dd-HH-mm-ss>-<uuid><ext>`, the timestamp
//! being the arrival of the oldest record in the object.

use crate::compress;
use crate::errors::ErrorRecord;
use kinesin_state::firehose::batch::{Batch, S3Object};
use kinesin_state::firehose::destination::S3Target;
use kinesin_state::firehose::keys;

/// An object of `body` (compressed per the target) under `prefix`.
pub fn object(
    batch: &Batch,
    target: &S3Target,
    prefix: &str,
    error_type: Option<&str>,
    first_ms: i64,
    body: &[u8],
) -> Result<S3Object, String> {
    let none = keys::PartitionKeys::new();
    object_with_keys(batch, target, (prefix, error_type), (&none, &none), first_ms, body)
}

/// [`object`] of a dynamic partition: its `partitionKeyFromQuery` and
/// `partitionKeyFromLambda` keys fill the prefix. Times are in the target's CustomTimeZone.
pub fn object_with_keys(
    batch: &Batch,
    target: &S3Target,
    (prefix, error_type): (&str, Option<&str>),
    (query_keys, lambda_keys): (&keys::PartitionKeys, &keys::PartitionKeys),
    first_ms: i64,
    body: &[u8],
) -> Result<S3Object, String> {
    let t = keys::civil_in(first_ms, &target.time_zone);
    let evaluated = keys::evaluate_prefix_keys(prefix, &t, error_type, query_keys, lambda_keys)
        .map_err(|e| format!("cannot evaluate prefix: {e}"))?;
    let uuid = uuid::Uuid::new_v4().to_string();
    let key = keys::object_key(&evaluated, &batch.name, batch.version, &t, &uuid, &target.extension);
    let body = compress::compress(&target.compression, body).map_err(|e| e.to_string())?;
    Ok(S3Object { bucket: target.bucket.clone(), key, body, content_type: None })
}

/// The prefix of error output: the ErrorOutputPrefix, or `<error-output-type>/` when none
/// is configured (AWS documents failed records "in the processing-failed folder"; the
/// default `yyyy/MM/dd/HH/` follows as for any prefix without a timestamp).
pub fn error_prefix(target: &S3Target, error_type: &str) -> String {
    if target.error_prefix.is_empty() {
        format!("{error_type}/")
    } else {
        target.error_prefix.clone()
    }
}

/// One object of error records (one JSON per line) under the error prefix.
pub fn error_object(
    batch: &Batch,
    target: &S3Target,
    errors: &[ErrorRecord],
    error_type: &str,
) -> Result<S3Object, String> {
    let first = errors.iter().map(|e| e.arrival_ms).min().unwrap_or(batch.taken_ms);
    let body: Vec<u8> = errors.iter().flat_map(ErrorRecord::line).collect();
    object(batch, target, &error_prefix(target, error_type), Some(error_type), first, &body)
}

/// The manifest AWS leaves in the `errors/` folder for a Redshift batch that COPY could not
/// load within the retry duration, for a manual backfill: `{"entries":[{"url":
/// "s3://bucket/key","mandatory":true}]}` (Redshift's manifest format) under
/// `errors/manifests/<yyyy/MM/dd/HH>/` of the intermediate object's bucket. (The folder is
/// AWS's; the rest of the key is kinesin's: AWS's exact key was not found.)
pub fn redshift_error_manifest(batch: &Batch, intermediate: &S3Object, now_ms: i64) -> Result<S3Object, String> {
    let t = keys::civil(now_ms);
    let prefix =
        keys::evaluate_prefix("errors/manifests/", &t, None).map_err(|e| format!("cannot evaluate prefix: {e}"))?;
    let key = keys::object_key(&prefix, &batch.name, batch.version, &t, &uuid::Uuid::new_v4().to_string(), "");
    let url = format!("s3://{}/{}", intermediate.bucket, intermediate.key);
    let body = serde_json::to_vec(&serde_json::json!({"entries": [{"url": url, "mandatory": true}]}))
        .map_err(|e| e.to_string())?;
    Ok(S3Object { bucket: intermediate.bucket.clone(), key, body, content_type: None })
}
