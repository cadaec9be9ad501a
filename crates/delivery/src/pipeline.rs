//! One batch through the delivery pipeline: Lambda-style transform -> partitioning ->
//! compression -> destination. S3 objects (deliveries, error output, backups) are returned
//! in the [`Outcome`], for the store to write when it completes the batch.

use crate::destinations::{self, DeliveryCtx};
use crate::env::Env;
use crate::errors::{ErrorRecord, PROCESSING_FAILED};
use crate::objects;
use crate::record::Rec;
use crate::transform;
use kinesin_state::firehose::batch::{Batch, Outcome, S3Object};
use kinesin_state::firehose::delivery::RETRY_MS;
use kinesin_state::firehose::destination::{self, S3Target};
use serde_json::Value;
use std::collections::BTreeMap;

/// Records delivered as one object, with the partition keys its prefix may use.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Partition {
    /// Partition keys (`partitionKeyFromQuery` / `partitionKeyFromLambda`).
    pub keys: BTreeMap<String, String>,
    /// The records, in order.
    pub records: Vec<Rec>,
}

/// Whether a destination kind is delivered as S3 objects of its own description.
pub fn is_s3(kind: &str) -> bool {
    matches!(kind, "ExtendedS3" | "S3")
}

/// Processes a batch: never fails; problems become a retry or error records.
pub async fn process(batch: &Batch, env: &Env) -> Outcome {
    match run(batch, env).await {
        Ok(outcome) => outcome,
        Err(message) => Outcome::Retry { message, delay_ms: RETRY_MS },
    }
}

/// The S3 configuration that takes deliveries (S3 kinds) or error output and backups
/// (network destinations: their `S3DestinationDescription`).
fn s3_target(batch: &Batch) -> S3Target {
    if is_s3(&batch.dest_kind) {
        destination::target(&batch.dest)
    } else {
        destination::target(batch.dest.get("S3DestinationDescription").unwrap_or(&Value::Null))
    }
}

async fn run(batch: &Batch, env: &Env) -> Result<Outcome, String> {
    let target = s3_target(batch);
    let (records, failed) = match transform::lambda_processor(&batch.dest) {
        Some(p) => {
            let t = transform::run(env, batch, &p).await;
            (t.records, t.failed)
        }
        None => (
            batch
                .records
                .iter()
                .map(|r| Rec { data: r.data.clone(), arrival_ms: r.arrival_ms, lambda_keys: BTreeMap::new() })
                .collect(),
            Vec::new(),
        ),
    };
    let mut objects = Vec::new();
    if !failed.is_empty() {
        objects.push(objects::error_object(batch, &target, &failed, PROCESSING_FAILED)?);
    }
    if is_s3(&batch.dest_kind) {
        for part in partitions(&batch.dest, records)? {
            let Some(first) = part.records.iter().map(|r| r.arrival_ms).min() else { continue };
            let body: Vec<u8> = part.records.iter().flat_map(|r| r.data.iter().copied()).collect();
            objects.push(objects::object(batch, &target, &target.prefix, None, first, &body)?);
        }
        if batch.dest.get("S3BackupMode").and_then(Value::as_str) == Some("Enabled") {
            if let Some(backup) = batch.dest.get("S3BackupDescription") {
                objects.push(source_backup(batch, &destination::target(backup))?);
            }
        }
        return Ok(Outcome::Delivered { objects });
    }
    let data: Vec<Vec<u8>> = records.iter().map(|r| r.data.clone()).collect();
    let ctx = DeliveryCtx {
        stream_arn: batch.arn.clone(),
        stream_name: batch.name.clone(),
        request_id: request_id(batch),
        now_ms: env.now_ms(),
        first_arrival_ms: batch.records.iter().map(|r| r.arrival_ms).min().unwrap_or(batch.taken_ms),
        attempt: batch.attempt,
        first_attempt_ms: batch.first_attempt_ms,
    };
    let result = if data.is_empty() {
        Ok(())
    } else {
        destinations::deliver(&batch.dest_kind, env, &batch.dest, &ctx, &data).await
    };
    let backup_mode = batch.dest.get("S3BackupMode").and_then(Value::as_str).unwrap_or("");
    let all_data = backup_mode.starts_with("All");
    // Redshift's intermediate object: written whether or not COPY loads it.
    let intermediate = if destinations::writes_intermediate_object(&batch.dest_kind) && !data.is_empty() {
        let first = records.iter().map(|r| r.arrival_ms).min().unwrap_or(batch.taken_ms);
        Some(objects::object(batch, &target, &target.prefix, None, first, &data.concat())?)
    } else {
        None
    };
    if let Err(e) = result {
        let elapsed = env.now_ms() - batch.first_attempt_ms;
        if !e.permanent && elapsed < destinations::retry_duration_ms(&batch.dest) {
            return Ok(Outcome::Retry { message: e.message, delay_ms: destinations::backoff_ms(batch.attempt) });
        }
        if let Some(object) = &intermediate {
            // AWS skips the batch and leaves a manifest of its object in the errors/ folder.
            objects.push(objects::redshift_error_manifest(batch, object, env.now_ms())?);
        } else {
            let (error_type, default_code) = destinations::failure(&batch.dest_kind);
            let now = env.now_ms();
            let error = |r: &Rec, code: &str, message: &str| ErrorRecord {
                attempts_made: batch.attempt,
                arrival_ms: r.arrival_ms,
                code: code.to_string(),
                message: message.to_string(),
                ending_ms: now,
                raw: r.data.clone(),
                lambda_arn: None,
            };
            let code = if e.code.is_empty() { default_code } else { e.code.as_str() };
            let errors: Vec<ErrorRecord> = if e.failed.is_empty() {
                records.iter().map(|r| error(r, code, &e.message)).collect()
            } else {
                e.failed.iter().filter_map(|f| Some(error(records.get(f.index)?, &f.code, &f.message))).collect()
            };
            if !errors.is_empty() {
                objects.push(objects::error_object(batch, &target, &errors, error_type)?);
            }
        }
    }
    if all_data {
        objects.push(source_backup(batch, &target)?);
    }
    // Redshift's S3BackupMode Enabled: the source records to S3BackupDescription.
    if backup_mode == "Enabled" {
        if let Some(backup) = batch.dest.get("S3BackupDescription") {
            objects.push(source_backup(batch, &destination::target(backup))?);
        }
    }
    objects.extend(intermediate);
    Ok(Outcome::Delivered { objects })
}

/// The batch's records as received (before any transform), as one object of the backup.
fn source_backup(batch: &Batch, backup: &S3Target) -> Result<S3Object, String> {
    let first = batch.records.iter().map(|r| r.arrival_ms).min().unwrap_or(batch.taken_ms);
    let body: Vec<u8> = batch.records.iter().flat_map(|r| r.data.iter().copied()).collect();
    objects::object(batch, backup, &backup.prefix, None, first, &body)
}

/// A request id that stays the same across the attempts of a batch (a retry carries the
/// same records).
fn request_id(batch: &Batch) -> String {
    let first = batch.records.first().map_or(0, |r| r.id);
    uuid::Uuid::from_u64_pair(batch.receipt.stream_id as u64, first as u64).to_string()
}

/// Groups records into partitions. Dynamic partitioning (DynamicPartitioningConfiguration
/// with MetadataExtraction or a transform's `partitionKeys`) plugs in here; without it all
/// records form one partition.
fn partitions(_dest: &Value, records: Vec<Rec>) -> Result<Vec<Partition>, String> {
    Ok(vec![Partition { keys: BTreeMap::new(), records }])
}

#[cfg(test)]
mod tests {
    use super::*;
    use kinesin_state::firehose::batch::{BatchRecord, Receipt};
    use kinesin_state::ManualClock;
    use serde_json::json;
    use std::sync::Arc;

    fn batch(dest_kind: &str, dest: Value) -> Batch {
        let rec = |id: i64, data: &[u8]| BatchRecord { id, arrival_ms: 1_000 * id, data: data.to_vec(), kinesis: None };
        Batch {
            receipt: Receipt { stream_id: 1, lease: 1, last_id: 2, bytes: 4 },
            name: "s".into(),
            arn: "arn:aws:firehose:us-east-1:000000000000:deliverystream/s".into(),
            account: "000000000000".into(),
            region: "us-east-1".into(),
            version: 1,
            kind: "DirectPut".into(),
            dest_kind: dest_kind.into(),
            dest,
            source: None,
            source_stream_arn: None,
            attempt: 2,
            first_attempt_ms: 0,
            taken_ms: 5_000,
            records: vec![rec(1, b"ab"), rec(2, b"cd")],
        }
    }

    #[tokio::test]
    async fn a_failed_network_delivery_goes_to_the_s3_backup_bucket() {
        let env = Env::new(Arc::new(ManualClock::new(10_000)), []);
        let dest = json!({"S3BackupMode": "AllData", "S3DestinationDescription": {
            "BucketARN": "arn:aws:s3:::bak", "Prefix": "all/", "ErrorOutputPrefix": "",
            "CompressionFormat": "UNCOMPRESSED"}});
        // A kind no destination module serves fails permanently: no retry.
        let Outcome::Delivered { objects } = process(&batch("Snowflake", dest), &env).await else {
            panic!("expected delivered");
        };
        assert_eq!(objects.len(), 2);
        assert!(objects.iter().all(|o| o.bucket == "bak"));
        let err = objects
            .iter()
            .find(|o| o.key.starts_with("delivery-failed/1970/01/01/00/s-1-1970-01-01-00-00-01-"))
            .unwrap();
        let lines: Vec<Value> = err
            .body
            .split(|b| *b == b'\n')
            .filter(|l| !l.is_empty())
            .map(|l| serde_json::from_slice(l).unwrap())
            .collect();
        assert_eq!(lines.len(), 2);
        assert_eq!((lines[0]["attemptsMade"].as_u64(), lines[0]["arrivalTimestamp"].as_i64()), (Some(2), Some(1_000)));
        assert_eq!(lines[1]["rawData"], "Y2Q=");
        assert!(lines[0].get("lambdaArn").is_none());
        let all = objects.iter().find(|o| o.key.starts_with("all/")).unwrap();
        assert_eq!(all.body, b"abcd");
    }

    #[tokio::test]
    async fn a_redshift_batch_keeps_its_object_and_leaves_a_manifest_when_copy_fails() {
        let env = Env::new(Arc::new(ManualClock::new(10_000)), []);
        let port = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
        let dest = json!({"ClusterJDBCURL": format!("jdbc:redshift://127.0.0.1:{port}/dev"), "Username": "u",
            "Password": "password1", "CopyCommand": {"DataTableName": "t"}, "RetryOptions": {"DurationInSeconds": 0},
            "S3BackupMode": "Enabled",
            "S3DestinationDescription": {"BucketARN": "arn:aws:s3:::stage", "Prefix": "in/", "CompressionFormat": "UNCOMPRESSED"},
            "S3BackupDescription": {"BucketARN": "arn:aws:s3:::src", "Prefix": "raw/", "CompressionFormat": "UNCOMPRESSED"}});
        let Outcome::Delivered { objects } = process(&batch("Redshift", dest), &env).await else {
            panic!("expected delivered: no PostgreSQL listens there and no retry is allowed");
        };
        assert_eq!(objects.len(), 3, "{objects:?}");
        let staged = objects.iter().find(|o| o.key.starts_with("in/1970/01/01/00/s-1-")).unwrap();
        assert_eq!((staged.bucket.as_str(), staged.body.as_slice()), ("stage", b"abcd".as_slice()));
        let manifest = objects.iter().find(|o| o.key.starts_with("errors/manifests/1970/01/01/00/s-1-")).unwrap();
        let m: Value = serde_json::from_slice(&manifest.body).unwrap();
        assert_eq!(m, json!({"entries": [{"url": format!("s3://stage/{}", staged.key), "mandatory": true}]}));
        let raw = objects.iter().find(|o| o.bucket == "src").unwrap();
        assert!(raw.key.starts_with("raw/") && raw.body == b"abcd");
    }

    #[tokio::test]
    async fn an_s3_destination_without_transform_writes_one_object() {
        let env = Env::new(Arc::new(ManualClock::new(10_000)), []);
        let dest = json!({"BucketARN": "arn:aws:s3:::b", "Prefix": "p/", "CompressionFormat": "UNCOMPRESSED"});
        let Outcome::Delivered { objects } = process(&batch("ExtendedS3", dest), &env).await else {
            panic!("expected delivered");
        };
        assert_eq!(objects.len(), 1);
        assert!(objects[0].key.starts_with("p/1970/01/01/00/s-1-1970-01-01-00-00-01-"), "{}", objects[0].key);
        assert_eq!(objects[0].body, b"abcd");
    }
}
