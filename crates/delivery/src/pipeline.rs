//! One batch through the delivery pipeline: Lambda-style transform -> partitioning ->
//! compression -> destination. S3 objects (deliveries, error output, backups) are returned
//! in the [`Outcome`], for the store to write when it completes the batch.

use crate::destinations::{self, DeliveryCtx};
use crate::env::Env;
use crate::errors::{ErrorRecord, PROCESSING_FAILED};
use crate::jq;
use crate::objects;
use crate::partition::{self, PartitionError};
use crate::record::Rec;
use crate::transform;
use kinesin_state::firehose::batch::{Batch, BatchRecord, Outcome, S3Object};
use kinesin_state::firehose::delivery::RETRY_MS;
use kinesin_state::firehose::destination::{self, S3Target};
use serde_json::Value;
use std::collections::BTreeMap;

/// Records delivered as one object, with the partition keys its prefix may use.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Partition {
    /// `partitionKeyFromQuery` keys (the `partitionKeyFromLambda` keys are the records' own,
    /// the same for every record of a partition).
    pub keys: BTreeMap<String, String>,
    /// The records, in order.
    pub records: Vec<Rec>,
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
    if batch.dest_kind.is_s3() {
        destination::target(&batch.dest)
    } else {
        destination::target(batch.dest.get("S3DestinationDescription").unwrap_or(&Value::Null))
    }
}

async fn run(batch: &Batch, env: &Env) -> Result<Outcome, String> {
    let target = s3_target(batch);
    let (records, failed) = transformed(batch, env).await;
    let mut objects = Vec::new();
    if !failed.is_empty() {
        objects.push(objects::error_object(batch, &target, &failed, PROCESSING_FAILED)?);
    }
    if batch.dest_kind.is_s3() {
        to_s3(batch, env, &target, records, &mut objects).await?;
        return Ok(Outcome::Delivered { objects });
    }
    if let Some(retry) = to_network(batch, env, &target, &records, &mut objects).await? {
        return Ok(retry);
    }
    Ok(Outcome::Delivered { objects })
}

/// The batch's records after deaggregation and the Lambda transform (if configured), and
/// the records the transform failed.
async fn transformed(batch: &Batch, env: &Env) -> (Vec<Rec>, Vec<ErrorRecord>) {
    let split_batch = deaggregated(batch);
    let source = split_batch.as_ref().unwrap_or(batch);
    match transform::lambda_processor(&batch.dest) {
        Some(p) => {
            let t = transform::run(env, source, &p).await;
            (t.records, t.failed)
        }
        None => (
            source
                .records
                .iter()
                .map(|r| Rec { data: r.data.clone(), arrival_ms: r.arrival_ms, lambda_keys: BTreeMap::new() })
                .collect(),
            Vec::new(),
        ),
    }
}

/// An S3 destination: one object per partition, the records that could not be partitioned
/// as error output, and the source backup if enabled.
async fn to_s3(
    batch: &Batch,
    env: &Env,
    target: &S3Target,
    records: Vec<Rec>,
    objects: &mut Vec<S3Object>,
) -> Result<(), String> {
    let split = partitions(env, &batch.dest, target, records).await;
    let mut failed = split.failed;
    for part in split.partitions {
        let Some(first) = part.records.iter().map(|r| r.arrival_ms).min() else { continue };
        let body: Vec<u8> = part.records.iter().flat_map(|r| r.data.iter().copied()).collect();
        let lambda_keys = part.records[0].lambda_keys.clone();
        let keys = (&part.keys, &lambda_keys);
        match objects::object_with_keys(batch, target, (&target.prefix, None), keys, first, &body) {
            Ok(o) => objects.push(o),
            // A partition key the prefix names but the record lacks.
            Err(e) if target.dynamic_partitioning => {
                let error = PartitionError { code: partition::METADATA_EXTRACTION_FAILED, message: e };
                failed.extend(part.records.into_iter().map(|r| (r, error.clone())));
            }
            Err(e) => return Err(e),
        }
    }
    if !failed.is_empty() {
        let now = env.now_ms();
        let errors: Vec<ErrorRecord> = failed
            .into_iter()
            .map(|(r, e)| ErrorRecord {
                attempts_made: batch.attempt,
                arrival_ms: r.arrival_ms,
                code: e.code.to_string(),
                message: e.message,
                ending_ms: now,
                raw: r.data,
                lambda_arn: None,
            })
            .collect();
        objects.push(objects::error_object(batch, target, &errors, partition::ERROR_OUTPUT_TYPE)?);
    }
    if batch.dest.get("S3BackupMode").and_then(Value::as_str) == Some("Enabled") {
        if let Some(backup) = batch.dest.get("S3BackupDescription") {
            objects.push(source_backup(batch, &destination::target(backup))?);
        }
    }
    Ok(())
}

/// A network destination (HTTP endpoint, OpenSearch, Splunk, Redshift): delivers, and on a
/// failure past the retry duration writes the error output; backups per `S3BackupMode`.
/// `Some(retry)` while the destination fails and retries are left.
async fn to_network(
    batch: &Batch,
    env: &Env,
    target: &S3Target,
    records: &[Rec],
    objects: &mut Vec<S3Object>,
) -> Result<Option<Outcome>, String> {
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
        destinations::deliver(batch.dest_kind, env, &batch.dest, &ctx, &data).await
    };
    let backup_mode = batch.dest.get("S3BackupMode").and_then(Value::as_str).unwrap_or("");
    // Redshift's intermediate object: written whether or not COPY loads it.
    let intermediate = if destinations::writes_intermediate_object(batch.dest_kind) && !data.is_empty() {
        let first = records.iter().map(|r| r.arrival_ms).min().unwrap_or(batch.taken_ms);
        Some(objects::object(batch, target, &target.prefix, None, first, &data.concat())?)
    } else {
        None
    };
    if let Err(e) = result {
        let elapsed = env.now_ms() - batch.first_attempt_ms;
        if !e.permanent && elapsed < destinations::retry_duration_ms(&batch.dest) {
            let delay_ms = destinations::backoff_ms(batch.attempt);
            return Ok(Some(Outcome::Retry { message: e.message, delay_ms }));
        }
        match &intermediate {
            // AWS skips the batch and leaves a manifest of its object in the errors/ folder.
            Some(object) => objects.push(objects::redshift_error_manifest(batch, object, env.now_ms())?),
            None => objects.extend(failure_object(batch, env, target, records, &e)?),
        }
    }
    if backup_mode.starts_with("All") {
        objects.push(source_backup(batch, target)?);
    }
    // Redshift's S3BackupMode Enabled: the source records to S3BackupDescription.
    if backup_mode == "Enabled" {
        if let Some(backup) = batch.dest.get("S3BackupDescription") {
            objects.push(source_backup(batch, &destination::target(backup))?);
        }
    }
    objects.extend(intermediate);
    Ok(None)
}

/// The error output of a delivery that failed for good: every record, or the records the
/// destination named, with their codes (none if it named none of ours).
fn failure_object(
    batch: &Batch,
    env: &Env,
    target: &S3Target,
    records: &[Rec],
    e: &destinations::DestError,
) -> Result<Option<S3Object>, String> {
    let (error_type, default_code) = destinations::failure(batch.dest_kind);
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
    if errors.is_empty() {
        return Ok(None);
    }
    objects::error_object(batch, target, &errors, error_type).map(Some)
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

/// RecordDeAggregation, which AWS applies first ("Deaggregation -> Data Transformation via
/// Lambda -> Partitioning Keys"): a copy of the batch with each record replaced by its
/// sub-records, numbered `id * 1000 + n` so the transform's recordIds stay unique.
fn deaggregated(batch: &Batch) -> Option<Batch> {
    let how = partition::processors(&batch.dest).ok()?.deaggregation?;
    let mut out = batch.clone();
    out.records = batch
        .records
        .iter()
        .flat_map(|r| {
            let parts = partition::deaggregate(&how, &r.data);
            parts.into_iter().enumerate().map(move |(n, data)| BatchRecord {
                id: r.id * 1000 + n as i64,
                data,
                ..r.clone()
            })
        })
        .collect();
    Some(out)
}

/// MetadataExtraction off the async runtime: in the worker processes when the environment
/// has them, else on a blocking thread; either way under the query budget.
async fn extract_off_runtime(
    env: &Env,
    query: &str,
    records: &[Rec],
) -> Result<Vec<Result<partition::Keys, PartitionError>>, String> {
    let data: Vec<Vec<u8>> = records.iter().map(|r| r.data.clone()).collect();
    if let Some(workers) = &env.jq_workers {
        partition::compile_check(query)?;
        return Ok(partition::keys_of_outputs(workers.run_all(query, &data, jq::Limits::default()).await));
    }
    let query = query.to_string();
    tokio::task::spawn_blocking(move || partition::extract_all(&query, data))
        .await
        .unwrap_or_else(|e| Err(format!("MetadataExtraction did not run: {e}")))
}

/// Records split into partitions, and records that failed partitioning.
#[derive(Debug, Default)]
struct Split {
    partitions: Vec<Partition>,
    failed: Vec<(Rec, PartitionError)>,
}

/// The partitioning processors over the transformed records: (with dynamic partitioning)
/// MetadataExtraction keys and the transform's `partitionKeys`
/// grouped under the active partitions limit, then AppendDelimiterToRecord. Without dynamic
/// partitioning all records form one partition.
async fn partitions(env: &Env, dest: &Value, target: &S3Target, records: Vec<Rec>) -> Split {
    let procs = match partition::processors(dest) {
        Ok(p) => p,
        Err(message) => {
            let error = PartitionError { code: partition::METADATA_EXTRACTION_FAILED, message };
            return Split { partitions: Vec::new(), failed: records.into_iter().map(|r| (r, error.clone())).collect() };
        }
    };
    let finish =
        |r: Rec| if procs.append_delimiter { Rec { data: partition::append_delimiter(&r.data), ..r } } else { r };
    if !target.dynamic_partitioning {
        let records = records.into_iter().map(finish).collect();
        return Split { partitions: vec![Partition { keys: BTreeMap::new(), records }], failed: Vec::new() };
    }
    let mut split = Split::default();
    let query_keys: Vec<Result<partition::Keys, PartitionError>> = match &procs.query {
        Some(q) => match extract_off_runtime(env, q, &records).await {
            Ok(keys) => keys,
            Err(message) => {
                let error = PartitionError { code: partition::METADATA_EXTRACTION_FAILED, message };
                records.iter().map(|_| Err(error.clone())).collect()
            }
        },
        None => records.iter().map(|_| Ok(partition::Keys::new())).collect(),
    };
    // A partition is the pair (query keys, lambda keys).
    let mut kept = Vec::new();
    let mut identities = Vec::new();
    for (r, keys) in records.into_iter().zip(query_keys) {
        match keys {
            Ok(keys) => {
                let mut id: partition::Keys = keys.iter().map(|(k, v)| (format!("q:{k}"), v.clone())).collect();
                id.extend(r.lambda_keys.iter().map(|(k, v)| (format!("l:{k}"), v.clone())));
                identities.push(id);
                kept.push(Some((r, keys)));
            }
            Err(e) => split.failed.push((r, e)),
        }
    }
    let groups = partition::group(&identities, partition::MAX_ACTIVE_PARTITIONS);
    for i in groups.over_limit {
        if let Some((r, _)) = kept[i].take() {
            split.failed.push((r, partition::over_limit_error()));
        }
    }
    for (_, indexes) in groups.partitions {
        let mut part = Partition::default();
        for i in indexes {
            if let Some((r, keys)) = kept[i].take() {
                part.keys = keys;
                part.records.push(finish(r));
            }
        }
        split.partitions.push(part);
    }
    split
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
        let dest = json!({"S3BackupMode": "AllData", "EndpointConfiguration": {"Url": "not a url"},
            "S3DestinationDescription": {
            "BucketARN": "arn:aws:s3:::bak", "Prefix": "all/", "ErrorOutputPrefix": "",
            "CompressionFormat": "UNCOMPRESSED"}});
        // An endpoint URL that cannot be used fails permanently: no retry.
        let Outcome::Delivered { objects } = process(&batch("HttpEndpoint", dest), &env).await else {
            panic!("expected delivered");
        };
        assert_eq!(objects.len(), 2);
        assert!(objects.iter().all(|o| o.bucket == "bak"));
        let err = objects
            .iter()
            .find(|o| o.key.starts_with("http-endpoint-failed/1970/01/01/00/s-1-1970-01-01-00-00-01-"))
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

    fn records(batch: &mut Batch, data: &[&[u8]]) {
        batch.records = data
            .iter()
            .enumerate()
            .map(|(i, d)| BatchRecord {
                id: i as i64 + 1,
                arrival_ms: 1_000 * (i as i64 + 1),
                data: d.to_vec(),
                kinesis: None,
            })
            .collect();
    }

    fn dynamic_dest(extra: &[Value]) -> Value {
        let mut processors = vec![
            json!({"Type": "MetadataExtraction", "Parameters": [
                {"ParameterName": "MetadataExtractionQuery", "ParameterValue": "{c:.c}"},
                {"ParameterName": "JsonParsingEngine", "ParameterValue": "JQ-1.6"}]}),
            json!({"Type": "AppendDelimiterToRecord"}),
        ];
        processors.extend(extra.iter().cloned());
        json!({"BucketARN": "arn:aws:s3:::b", "Prefix": "c=!{partitionKeyFromQuery:c}/",
            "ErrorOutputPrefix": "err/!{firehose:error-output-type}/", "CompressionFormat": "UNCOMPRESSED",
            "CustomTimeZone": "Asia/Tokyo", "DynamicPartitioningConfiguration": {"Enabled": true},
            "ProcessingConfiguration": {"Enabled": true, "Processors": processors}})
    }

    #[tokio::test]
    async fn dynamic_partitioning_splits_objects_by_query_keys() {
        let env = Env::new(Arc::new(ManualClock::new(10_000)), []);
        let deagg = json!({"Type": "RecordDeAggregation", "Parameters": [
            {"ParameterName": "SubRecordType", "ParameterValue": "JSON"}]});
        let mut b = batch("ExtendedS3", dynamic_dest(&[deagg]));
        records(&mut b, &[br#"{"c":"a","v":1}{"c":"b","v":2}"#, br#"{"c":"a","v":3}"#, b"not json", br#"{"v":4}"#]);
        let Outcome::Delivered { objects } = process(&b, &env).await else { panic!("expected delivered") };
        assert_eq!(objects.len(), 3, "{:?}", objects.iter().map(|o| &o.key).collect::<Vec<_>>());
        // Keys use the CustomTimeZone: 1970-01-01T00:00:01Z is 09:00:01 in Tokyo.
        let a = objects.iter().find(|o| o.key.starts_with("c=a/1970/01/01/09/s-1-1970-01-01-09-00-01-")).unwrap();
        assert_eq!(a.body, b"{\"c\":\"a\",\"v\":1}\n{\"c\":\"a\",\"v\":3}\n");
        let bb = objects.iter().find(|o| o.key.starts_with("c=b/1970/01/01/09/")).unwrap();
        assert_eq!(bb.body, b"{\"c\":\"b\",\"v\":2}\n");
        let err = objects.iter().find(|o| o.key.starts_with("err/metadata-extraction-failed/1970/01/01/09/")).unwrap();
        let lines: Vec<Value> = err
            .body
            .split(|c| *c == b'\n')
            .filter(|l| !l.is_empty())
            .map(|l| serde_json::from_slice(l).unwrap())
            .collect();
        assert_eq!(lines.len(), 2);
        assert!(lines.iter().all(|l| l["errorCode"] == "DynamicPartitioning.MetadataExtractionFailed"));
        assert_eq!(lines[0]["errorMessage"], "Non JSON record provided");
        assert_eq!(lines[0]["rawData"], "bm90IGpzb24=");
    }

    #[tokio::test]
    async fn without_dynamic_partitioning_processors_still_apply_and_compress() {
        let env = Env::new(Arc::new(ManualClock::new(10_000)), []);
        let dest = json!({"BucketARN": "arn:aws:s3:::b", "Prefix": "p/", "CompressionFormat": "Snappy",
            "ProcessingConfiguration": {"Enabled": true, "Processors": [
                {"Type": "RecordDeAggregation", "Parameters": [
                    {"ParameterName": "SubRecordType", "ParameterValue": "DELIMITED"},
                    {"ParameterName": "Delimiter", "ParameterValue": "fA=="}]},
                {"Type": "AppendDelimiterToRecord"}]}});
        let mut b = batch("ExtendedS3", dest);
        records(&mut b, &[b"x|y", b"z"]);
        let Outcome::Delivered { objects } = process(&b, &env).await else { panic!("expected delivered") };
        assert_eq!(objects.len(), 1);
        assert!(objects[0].key.starts_with("p/1970/01/01/00/") && objects[0].key.ends_with(".snappy"));
        let mut out = Vec::new();
        std::io::Read::read_to_end(&mut snap::read::FrameDecoder::new(&objects[0].body[..]), &mut out).unwrap();
        assert_eq!(out, b"x\ny\nz\n");
    }

    #[tokio::test]
    async fn partitions_over_the_limit_go_to_error_output() {
        let env = Env::new(Arc::new(ManualClock::new(10_000)), []);
        let mut b = batch("ExtendedS3", dynamic_dest(&[]));
        let data: Vec<Vec<u8>> = (0..502).map(|i| format!("{{\"c\":\"k{i}\"}}").into_bytes()).collect();
        records(&mut b, &data.iter().map(Vec::as_slice).collect::<Vec<_>>());
        let Outcome::Delivered { objects } = process(&b, &env).await else { panic!("expected delivered") };
        assert_eq!(objects.len(), 501);
        let err = objects.iter().find(|o| o.key.starts_with("err/")).unwrap();
        let text = String::from_utf8(err.body.clone()).unwrap();
        assert_eq!(text.lines().count(), 2);
        assert!(text.contains("DynamicPartitioning.ActivePartitionsLimitExceeded"));
    }
}
