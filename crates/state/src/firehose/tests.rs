//! Firehose state tests on an in-memory store with a manual clock.

use super::batch::{self, Outcome, S3Object};
use super::delivery;
use super::*;
use crate::clock::ManualClock;
use crate::run_op;
use crate::s3;
use crate::Engine;
use kinesin_protocol::firehose::*;
use serde_json::json;

fn engine() -> (Engine, ManualClock) {
    // 2026-03-05T07:08:09.000Z
    let clock = ManualClock::new(1_772_694_489_000);
    (Engine::memory(Arc::new(clock.clone())), clock)
}

fn ctx() -> Ctx {
    Ctx::new("000000000000", "us-east-1")
}

fn create(eng: &mut Engine, name: &str, dest: serde_json::Value) -> Result<CreateDeliveryStreamOutput, FhError> {
    let input: CreateDeliveryStreamInput = serde_json::from_value(json!({
        "DeliveryStreamName": name,
        "ExtendedS3DestinationConfiguration": dest,
    }))
    .unwrap();
    run_op(eng, &ctx(), input, streams::create)
}

fn put_batch(eng: &mut Engine, name: &str, records: &[Vec<u8>]) -> PutRecordBatchOutput {
    let input = PutRecordBatchInput {
        delivery_stream_name: name.into(),
        records: records.iter().map(|d| Record { data: d.clone() }).collect(),
    };
    run_op(eng, &ctx(), input, records::put_record_batch).unwrap()
}

fn objects(eng: &mut Engine, bucket: &str) -> Vec<(String, Vec<u8>)> {
    let q = s3::ListQuery { bucket: bucket.into(), max_keys: 10_000, ..Default::default() };
    let listing = s3::list_objects(eng, &ctx(), q).unwrap();
    listing
        .contents
        .iter()
        .map(|m| {
            let (_, data, _) = s3::get_object(eng, &ctx(), (bucket.into(), m.key.clone(), None)).unwrap();
            (m.key.clone(), data)
        })
        .collect()
}

/// Delivers a batch the plainest way: its records concatenated into one object of `bkt`.
fn concat(b: &batch::Batch, bucket: &str) -> Outcome {
    let body: Vec<u8> = b.records.iter().flat_map(|r| r.data.clone()).collect();
    let key = format!("{}/{}-{}", b.name, b.records[0].id, b.receipt.last_id);
    Outcome::Delivered { objects: vec![S3Object { bucket: bucket.into(), key, body, content_type: None }] }
}

/// One delivery pass: take, then complete every batch with [`concat`].
fn pass(eng: &mut Engine, bucket: &str) -> (Vec<batch::Completed>, Option<i64>) {
    let taken = batch::take(eng).unwrap();
    let done = taken.batches.iter().map(|b| batch::complete(eng, &b.receipt, concat(b, bucket)).unwrap()).collect();
    (done, taken.next_ms)
}

#[test]
fn interval_take_and_complete_deliver_once() {
    let (mut eng, clock) = engine();
    s3::create_bucket(&mut eng, &ctx(), "bkt".into()).unwrap();
    let arn = create(
        &mut eng,
        "fh1",
        json!({"RoleARN": "arn:aws:iam::000000000000:role/r", "BucketARN": "arn:aws:s3:::bkt",
               "CompressionFormat": "GZIP", "BufferingHints": {"SizeInMBs": 1, "IntervalInSeconds": 60}}),
    )
    .unwrap();
    assert_eq!(arn.delivery_stream_arn, "arn:aws:firehose:us-east-1:000000000000:deliverystream/fh1");
    let recs: Vec<Vec<u8>> = (0..100).map(|i| format!("record-{i};").into_bytes()).collect();
    let out = put_batch(&mut eng, "fh1", &recs);
    assert_eq!(out.failed_put_count, 0);
    assert_eq!(out.request_responses.len(), 100);
    clock.advance(59_000);
    let taken = batch::take(&mut eng).unwrap();
    assert!(taken.batches.is_empty());
    assert_eq!(taken.next_ms, Some(1_772_694_489_000 + 60_000));
    clock.advance(1_000);
    let taken = batch::take(&mut eng).unwrap();
    assert_eq!(taken.batches.len(), 1);
    let b = &taken.batches[0];
    assert_eq!(
        (b.name.as_str(), b.arn.as_str(), b.version, b.attempt),
        ("fh1", arn.delivery_stream_arn.as_str(), 1, 1)
    );
    assert_eq!((b.account.as_str(), b.region.as_str(), b.kind.as_str()), ("000000000000", "us-east-1", "DirectPut"));
    assert_eq!(b.dest["CompressionFormat"], "GZIP");
    assert_eq!(b.records.len(), 100);
    assert!(b.records.iter().all(|r| r.arrival_ms == 1_772_694_489_000 && r.kinesis.is_none()));
    // In flight: not taken again.
    assert!(batch::take(&mut eng).unwrap().batches.is_empty());
    let done = batch::complete(&mut eng, &b.receipt, concat(b, "bkt")).unwrap();
    assert!(done.consumed && done.retry.is_none() && !done.stale);
    assert_eq!(done.written.len(), 1);
    let objs = objects(&mut eng, "bkt");
    assert_eq!(objs.len(), 1);
    assert_eq!(objs[0].1, recs.concat());
    // Completing twice changes nothing; the buffer is empty.
    assert!(batch::complete(&mut eng, &b.receipt, concat(b, "bkt")).unwrap().stale);
    let taken = batch::take(&mut eng).unwrap();
    assert!(taken.batches.is_empty());
    assert_eq!(taken.next_ms, None);
}

#[test]
fn size_limit_splits_batches_one_in_flight_per_stream() {
    let (mut eng, clock) = engine();
    eng.settings.firehose.interval_override_secs = Some(1);
    s3::create_bucket(&mut eng, &ctx(), "bkt".into()).unwrap();
    create(
        &mut eng,
        "fh2",
        json!({"RoleARN": "r", "BucketARN": "arn:aws:s3:::bkt", "Prefix": "p/!{timestamp:yyyy}/",
               "ErrorOutputPrefix": "e/!{firehose:error-output-type}/",
               "BufferingHints": {"SizeInMBs": 1, "IntervalInSeconds": 900}}),
    )
    .unwrap();
    let recs: Vec<Vec<u8>> = (0..600u32).map(|i| vec![(i % 251) as u8; 5000]).collect();
    for chunk in recs.chunks(300) {
        put_batch(&mut eng, "fh2", chunk);
    }
    // 3,000,000 bytes: two full 1 MiB batches now (one at a time), the rest when the
    // (overridden) 1 s passes.
    let (done, _) = pass(&mut eng, "bkt");
    assert_eq!(done.len(), 1);
    let (done, next) = pass(&mut eng, "bkt");
    assert_eq!(done.len(), 1);
    assert_eq!(next, Some(eng.now() + batch::LEASE_MS));
    let (done, next) = pass(&mut eng, "bkt");
    assert!(done.is_empty());
    assert_eq!(next, Some(eng.now() + 1_000));
    clock.advance(1_000);
    assert_eq!(pass(&mut eng, "bkt").0.len(), 1);
    let objs = objects(&mut eng, "bkt");
    let mut sizes: Vec<usize> = objs.iter().map(|(_, d)| d.len()).collect();
    sizes.sort_unstable();
    assert_eq!(sizes, vec![900_000, 1_050_000, 1_050_000]);
    let mut keys: Vec<&String> = objs.iter().map(|(k, _)| k).collect();
    keys.sort_by_key(|k| k.split(['/', '-']).nth(1).unwrap().parse::<i64>().unwrap());
    let joined: Vec<u8> = keys.iter().flat_map(|k| objs.iter().find(|(x, _)| x == *k).unwrap().1.clone()).collect();
    assert_eq!(joined, recs.concat());
}

#[test]
fn missing_bucket_retries_the_same_records_until_it_exists() {
    let (mut eng, clock) = engine();
    create(
        &mut eng,
        "fh3",
        json!({"RoleARN": "r", "BucketARN": "arn:aws:s3:::later",
        "BufferingHints": {"SizeInMBs": 1, "IntervalInSeconds": 0}}),
    )
    .unwrap();
    put_batch(&mut eng, "fh3", &[b"a".to_vec(), b"b".to_vec()]);
    let (done, _) = pass(&mut eng, "later");
    assert_eq!(done[0].retry.as_deref(), Some("S3.NoSuchBucket: The specified bucket does not exist (bucket later)"));
    assert_eq!(done[0].attempts, 1);
    assert!(!done[0].consumed);
    put_batch(&mut eng, "fh3", &[b"c".to_vec()]);
    let taken = batch::take(&mut eng).unwrap();
    assert!(taken.batches.is_empty());
    assert_eq!(taken.next_ms, Some(eng.now() + delivery::RETRY_MS));
    clock.advance(delivery::RETRY_MS);
    let taken = batch::take(&mut eng).unwrap();
    // The retry carries exactly the records of the first attempt.
    let b = &taken.batches[0];
    assert_eq!((b.attempt, b.records.len()), (2, 2));
    assert_eq!(b.first_attempt_ms, eng.now() - delivery::RETRY_MS);
    assert_eq!(batch::complete(&mut eng, &b.receipt, concat(b, "later")).unwrap().attempts, 2);
    // Creating the bucket makes the next pass retry at once.
    s3::create_bucket(&mut eng, &ctx(), "later".into()).unwrap();
    let (done, _) = pass(&mut eng, "later");
    assert!(done[0].consumed);
    let (done, _) = pass(&mut eng, "later");
    assert!(done[0].consumed);
    let mut bodies: Vec<Vec<u8>> = objects(&mut eng, "later").into_iter().map(|(_, d)| d).collect();
    bodies.sort();
    assert_eq!(bodies, vec![b"ab".to_vec(), b"c".to_vec()]);
}

#[test]
fn missing_bucket_data_is_given_up_after_24_hours() {
    let (mut eng, clock) = engine();
    create(
        &mut eng,
        "fh24",
        json!({"RoleARN": "r", "BucketARN": "arn:aws:s3:::never",
        "BufferingHints": {"SizeInMBs": 1, "IntervalInSeconds": 0}}),
    )
    .unwrap();
    put_batch(&mut eng, "fh24", &[b"old".to_vec()]);
    let start = eng.now();
    assert!(pass(&mut eng, "never").0[0].retry.is_some());
    // Retried (with back-off) until 24 hours have passed since the first attempt.
    let mut attempts = 1;
    let dropped = loop {
        let next = batch::take(&mut eng).unwrap().next_ms.unwrap();
        clock.advance(next - eng.now());
        let (done, _) = pass(&mut eng, "never");
        attempts += 1;
        if let Some(d) = &done[0].dropped {
            break d.clone();
        }
        assert!(eng.now() - start < batch::S3_RETRY_LIMIT_MS);
    };
    assert!(eng.now() - start >= batch::S3_RETRY_LIMIT_MS);
    assert!(eng.now() - start < batch::S3_RETRY_LIMIT_MS + batch::S3_BACKOFF_CAP_MS);
    assert!(attempts < 300, "{attempts} attempts in 24 hours");
    assert_eq!(dropped, "S3.NoSuchBucket: The specified bucket does not exist (bucket never)");
    // The buffer is empty: nothing is due any more, and new records start a fresh attempt count.
    assert!(batch::take(&mut eng).unwrap().batches.is_empty());
    put_batch(&mut eng, "fh24", &[b"new".to_vec()]);
    assert_eq!(pass(&mut eng, "never").0[0].attempts, 1);
}

#[test]
fn missing_bucket_retries_back_off_until_the_bucket_exists() {
    let (mut eng, clock) = engine();
    create(
        &mut eng,
        "fhb",
        json!({"RoleARN": "r", "BucketARN": "arn:aws:s3:::later",
        "BufferingHints": {"SizeInMBs": 1, "IntervalInSeconds": 0}}),
    )
    .unwrap();
    put_batch(&mut eng, "fhb", &[b"x".to_vec()]);
    let mut waits = Vec::new();
    for _ in 0..9 {
        let (done, _) = pass(&mut eng, "later");
        assert_eq!(done.len(), 1);
        waits.push(done[0].retry_in_ms / 1000);
        let next = batch::take(&mut eng).unwrap().next_ms.unwrap();
        assert_eq!(next - eng.now(), done[0].retry_in_ms);
        // Nothing is retried before its time.
        clock.advance(next - 1 - eng.now());
        assert!(batch::take(&mut eng).unwrap().batches.is_empty());
        clock.advance(next - eng.now());
    }
    assert_eq!(waits, vec![5, 10, 20, 40, 80, 160, 300, 300, 300]);
    assert_eq!(batch::s3_backoff_ms(i64::MAX), batch::S3_BACKOFF_CAP_MS);
    // Creating the bucket retries at once, whatever the back-off reached.
    let (done, _) = pass(&mut eng, "later");
    assert_eq!(done[0].retry_in_ms, batch::S3_BACKOFF_CAP_MS);
    s3::create_bucket(&mut eng, &ctx(), "later".into()).unwrap();
    let (done, _) = pass(&mut eng, "later");
    assert!(done[0].consumed);
}

#[test]
fn outcome_retry_waits_and_counts_attempts() {
    let (mut eng, clock) = engine();
    s3::create_bucket(&mut eng, &ctx(), "bkt".into()).unwrap();
    create(
        &mut eng,
        "fh6",
        json!({"RoleARN": "r", "BucketARN": "arn:aws:s3:::bkt",
        "BufferingHints": {"SizeInMBs": 1, "IntervalInSeconds": 0}}),
    )
    .unwrap();
    put_batch(&mut eng, "fh6", &[b"x".to_vec()]);
    for attempt in 1..=3 {
        let taken = batch::take(&mut eng).unwrap();
        assert_eq!(taken.batches[0].attempt, attempt);
        let retry = Outcome::Retry { message: "endpoint down".into(), delay_ms: 2_000 };
        let done = batch::complete(&mut eng, &taken.batches[0].receipt, retry).unwrap();
        assert_eq!(done.retry.as_deref(), Some("endpoint down"));
        let taken = batch::take(&mut eng).unwrap();
        assert!(taken.batches.is_empty());
        assert_eq!(taken.next_ms, Some(eng.now() + 2_000));
        clock.advance(2_000);
    }
    let (done, _) = pass(&mut eng, "bkt");
    assert!(done[0].consumed);
    let taken = batch::take(&mut eng).unwrap();
    assert!(taken.batches.is_empty());
    // A delivered batch resets the attempt count.
    put_batch(&mut eng, "fh6", &[b"y".to_vec()]);
    assert_eq!(batch::take(&mut eng).unwrap().batches[0].attempt, 1);
}

#[test]
fn an_expired_lease_is_taken_again_and_the_old_batch_is_stale() {
    let (mut eng, clock) = engine();
    s3::create_bucket(&mut eng, &ctx(), "bkt".into()).unwrap();
    create(
        &mut eng,
        "fh7",
        json!({"RoleARN": "r", "BucketARN": "arn:aws:s3:::bkt",
        "BufferingHints": {"SizeInMBs": 1, "IntervalInSeconds": 0}}),
    )
    .unwrap();
    put_batch(&mut eng, "fh7", &[b"once".to_vec()]);
    let first = batch::take(&mut eng).unwrap().batches.remove(0);
    clock.advance(batch::LEASE_MS - 1);
    assert!(batch::take(&mut eng).unwrap().batches.is_empty());
    clock.advance(1);
    let second = batch::take(&mut eng).unwrap().batches.remove(0);
    assert_ne!(first.receipt.lease, second.receipt.lease);
    assert_eq!(second.attempt, 1);
    assert!(batch::complete(&mut eng, &first.receipt, concat(&first, "bkt")).unwrap().stale);
    assert!(objects(&mut eng, "bkt").is_empty());
    // A restart drops leases at once.
    batch::reset_leases(&mut eng).unwrap();
    let third = batch::take(&mut eng).unwrap().batches.remove(0);
    assert!(batch::complete(&mut eng, &second.receipt, concat(&second, "bkt")).unwrap().stale);
    assert!(batch::complete(&mut eng, &third.receipt, concat(&third, "bkt")).unwrap().consumed);
    assert_eq!(objects(&mut eng, "bkt").iter().map(|(_, d)| d.clone()).collect::<Vec<_>>(), vec![b"once".to_vec()]);
}

#[test]
fn kinesis_metadata_of_buffered_records_reaches_the_batch() {
    let (mut eng, _clock) = engine();
    create(
        &mut eng,
        "fh8",
        json!({"RoleARN": "r", "BucketARN": "arn:aws:s3:::bkt",
        "BufferingHints": {"SizeInMBs": 1, "IntervalInSeconds": 0}}),
    )
    .unwrap();
    let id: i64 = eng.conn.query_row("SELECT id FROM fh_streams WHERE name='fh8'", [], |r| r.get(0)).unwrap();
    let meta = batch::KinesisMeta {
        shard_id: "shardId-000000000001".into(),
        partition_key: "pk".into(),
        sequence_number: "49590338271490256608559692538361571095921575989136588898".into(),
        subsequence_number: Some(2),
        approximate_arrival_ms: 1_772_694_488_000,
    };
    batch::enqueue(&eng, id, eng.now(), b"k", Some(&meta)).unwrap();
    let b = batch::take(&mut eng).unwrap().batches.remove(0);
    assert_eq!(b.records[0].kinesis.as_ref(), Some(&meta));
    assert_eq!(b.receipt.bytes, 1);
}

#[test]
fn describe_fills_defaults_and_update_checks_the_version() {
    let (mut eng, _clock) = engine();
    create(&mut eng, "fh4", json!({"RoleARN": "r", "BucketARN": "arn:aws:s3:::b"})).unwrap();
    let err = create(&mut eng, "fh4", json!({"RoleARN": "r", "BucketARN": "arn:aws:s3:::b"})).unwrap_err();
    assert_eq!(err.code, "ResourceInUseException");
    let d = |eng: &mut Engine| {
        let input = DescribeDeliveryStreamInput { delivery_stream_name: "fh4".into(), ..Default::default() };
        serde_json::to_value(run_op(eng, &ctx(), input, streams::describe).unwrap()).unwrap()
            ["DeliveryStreamDescription"]
            .clone()
    };
    let desc = d(&mut eng);
    assert_eq!(desc["DeliveryStreamStatus"], "ACTIVE");
    assert_eq!(desc["VersionId"], "1");
    assert_eq!(desc["DeliveryStreamType"], "DirectPut");
    let ext = &desc["Destinations"][0]["ExtendedS3DestinationDescription"];
    assert_eq!(ext["BufferingHints"], json!({"SizeInMBs": 5, "IntervalInSeconds": 300}));
    assert_eq!(ext["CompressionFormat"], "UNCOMPRESSED");
    assert_eq!(desc["Destinations"][0]["DestinationId"], DESTINATION_ID);
    assert!(desc["Destinations"][0]["S3DestinationDescription"].is_object());
    let upd = |version: &str| UpdateDestinationInput {
        delivery_stream_name: "fh4".into(),
        current_delivery_stream_version_id: version.into(),
        destination_id: DESTINATION_ID.into(),
        extended_s3_destination_update: Some(json!({"CompressionFormat": "GZIP"})),
        ..Default::default()
    };
    run_op(&mut eng, &ctx(), upd("1"), streams::update_destination).unwrap();
    let e = run_op(&mut eng, &ctx(), upd("1"), streams::update_destination).unwrap_err();
    assert_eq!(e.code, "ConcurrentModificationException");
    assert_eq!(
        e.message,
        "Cannot update firehose: fh4 since the current version id: 2 and specified version id: 1 do not match"
    );
    let desc = d(&mut eng);
    assert_eq!(desc["VersionId"], "2");
    assert_eq!(desc["Destinations"][0]["ExtendedS3DestinationDescription"]["CompressionFormat"], "GZIP");
    assert!(desc["LastUpdateTimestamp"].is_number());
}

#[test]
fn creating_turns_active_with_the_clock_and_puts_wait_for_it() {
    let (mut eng, clock) = engine();
    eng.settings.kinesis.create_delay_ms = 500;
    create(&mut eng, "fh5", json!({"RoleARN": "r", "BucketARN": "arn:aws:s3:::b"})).unwrap();
    let put = |eng: &mut Engine| {
        let input = PutRecordInput { delivery_stream_name: "fh5".into(), record: Record { data: b"x".to_vec() } };
        run_op(eng, &ctx(), input, records::put_record)
    };
    assert_eq!(put(&mut eng).unwrap_err().code, "ResourceNotFoundException");
    assert_eq!(batch::take(&mut eng).unwrap().next_ms, Some(eng.now() + 500));
    clock.advance(500);
    assert!(!put(&mut eng).unwrap().record_id.is_empty());
    let missing = PutRecordInput { delivery_stream_name: "nope".into(), record: Record { data: vec![1] } };
    let e = run_op(&mut eng, &ctx(), missing, records::put_record).unwrap_err();
    assert_eq!(e.message, "Firehose nope under account 000000000000 not found.");
}

#[test]
fn unsupported_destinations_and_tags() {
    let (mut eng, _clock) = engine();
    let input: CreateDeliveryStreamInput = serde_json::from_value(json!({
        "DeliveryStreamName": "x",
        "SnowflakeDestinationConfiguration": {"AccountUrl": "https://h"},
    }))
    .unwrap();
    assert_eq!(run_op(&mut eng, &ctx(), input, streams::create).unwrap_err().code, "InvalidArgumentException");
    let none: CreateDeliveryStreamInput = serde_json::from_value(json!({"DeliveryStreamName": "y"})).unwrap();
    assert!(run_op(&mut eng, &ctx(), none, streams::create).is_err());
    create(&mut eng, "t", json!({"RoleARN": "r", "BucketARN": "arn:aws:s3:::b"})).unwrap();
    let tags = TagDeliveryStreamInput {
        delivery_stream_name: "t".into(),
        tags: vec![Tag { key: "b".into(), value: Some("2".into()) }, Tag { key: "a".into(), value: None }],
    };
    run_op(&mut eng, &ctx(), tags, streams::tag).unwrap();
    let list = |eng: &mut Engine| {
        let input = ListTagsInput { delivery_stream_name: "t".into(), ..Default::default() };
        run_op(eng, &ctx(), input, streams::list_tags).unwrap()
    };
    assert_eq!(list(&mut eng).tags.iter().map(|t| t.key.as_str()).collect::<Vec<_>>(), vec!["a", "b"]);
    let untag = UntagDeliveryStreamInput { delivery_stream_name: "t".into(), tag_keys: vec!["a".into()] };
    run_op(&mut eng, &ctx(), untag, streams::untag).unwrap();
    assert_eq!(list(&mut eng).tags.len(), 1);
    let names = run_op(&mut eng, &ctx(), ListDeliveryStreamsInput::default(), streams::list).unwrap();
    assert_eq!(names.delivery_stream_names, vec!["t"]);
    let del = StreamNameInput { delivery_stream_name: "t".into(), allow_force_delete: None };
    run_op(&mut eng, &ctx(), del, streams::delete).unwrap();
    let names = run_op(&mut eng, &ctx(), ListDeliveryStreamsInput::default(), streams::list).unwrap();
    assert!(names.delivery_stream_names.is_empty());
}

fn create_kind(eng: &mut Engine, name: &str, member: &str, config: serde_json::Value) -> Result<(), FhError> {
    let input: CreateDeliveryStreamInput =
        serde_json::from_value(json!({"DeliveryStreamName": name, member: config})).unwrap();
    run_op(eng, &ctx(), input, streams::create).map(|_| ())
}

fn describe_dest(eng: &mut Engine, name: &str) -> serde_json::Value {
    let input = DescribeDeliveryStreamInput { delivery_stream_name: name.into(), ..Default::default() };
    let d = serde_json::to_value(run_op(eng, &ctx(), input, streams::describe).unwrap()).unwrap();
    d["DeliveryStreamDescription"]["Destinations"][0].clone()
}

fn update(eng: &mut Engine, name: &str, version: &str, member: &str, u: serde_json::Value) -> Result<Empty, FhError> {
    let input: UpdateDestinationInput = serde_json::from_value(json!({
        "DeliveryStreamName": name, "CurrentDeliveryStreamVersionId": version,
        "DestinationId": DESTINATION_ID, member: u}))
    .unwrap();
    run_op(eng, &ctx(), input, streams::update_destination)
}

#[test]
fn http_endpoint_streams_are_described_taken_with_their_secrets_and_updated() {
    let (mut eng, clock) = engine();
    s3::create_bucket(&mut eng, &ctx(), "bkt".into()).unwrap();
    let s3cfg = json!({"RoleARN": "arn:aws:iam::000000000000:role/r", "BucketARN": "arn:aws:s3:::bkt"});
    create_kind(
        &mut eng,
        "h",
        "HttpEndpointDestinationConfiguration",
        json!({"EndpointConfiguration": {"Url": "http://127.0.0.1:9/x", "AccessKey": "secret"},
               "BufferingHints": {"SizeInMBs": 1, "IntervalInSeconds": 0}, "S3Configuration": s3cfg}),
    )
    .unwrap();
    let d = describe_dest(&mut eng, "h");
    let h = &d["HttpEndpointDestinationDescription"];
    assert_eq!(h["EndpointConfiguration"], json!({"Url": "http://127.0.0.1:9/x"}));
    assert_eq!(h["S3BackupMode"], "FailedDataOnly");
    assert_eq!(h["S3DestinationDescription"]["BucketARN"], "arn:aws:s3:::bkt");
    assert!(d.get("ExtendedS3DestinationDescription").is_none());
    // IntervalInSeconds 0: due at once, handed out with its kind and its secrets.
    put_batch(&mut eng, "h", &[b"a".to_vec()]);
    let taken = batch::take(&mut eng).unwrap();
    assert_eq!(taken.batches.len(), 1);
    assert_eq!(taken.batches[0].dest_kind, "HttpEndpoint");
    assert_eq!(taken.batches[0].dest["EndpointConfiguration"]["AccessKey"], "secret");
    clock.advance(1_000);
    // Same kind: merged, the access key kept.
    update(&mut eng, "h", "1", "HttpEndpointDestinationUpdate", json!({"RetryOptions": {"DurationInSeconds": 10}}))
        .unwrap();
    let row = stream_row::find(&eng, &ctx(), "h").unwrap().unwrap();
    assert_eq!(row.dest["EndpointConfiguration"]["AccessKey"], "secret");
    assert_eq!(row.dest["RetryOptions"]["DurationInSeconds"], 10);
    // Another kind without its S3 configuration: rejected, nothing changes.
    let splunk = json!({"HECEndpoint": "http://127.0.0.1:9", "HECEndpointType": "Raw", "HECToken": "t"});
    assert_eq!(
        update(&mut eng, "h", "2", "SplunkDestinationUpdate", splunk.clone()).unwrap_err().code,
        "InvalidArgumentException"
    );
    let mut full = splunk;
    full["S3Update"] = json!({"RoleARN": "arn:aws:iam::000000000000:role/r", "BucketARN": "arn:aws:s3:::bkt"});
    update(&mut eng, "h", "2", "SplunkDestinationUpdate", full).unwrap();
    let d = describe_dest(&mut eng, "h");
    assert_eq!(d["SplunkDestinationDescription"]["HECToken"], "t");
    assert_eq!(d["SplunkDestinationDescription"]["BufferingHints"], json!({"SizeInMBs": 5, "IntervalInSeconds": 60}));
    assert!(d.get("HttpEndpointDestinationDescription").is_none());
    // And back to S3.
    update(&mut eng, "h", "3", "ExtendedS3DestinationUpdate", json!({"RoleARN": "r", "BucketARN": "arn:aws:s3:::bkt"}))
        .unwrap();
    let d = describe_dest(&mut eng, "h");
    assert_eq!(d["ExtendedS3DestinationDescription"]["BucketARN"], "arn:aws:s3:::bkt");
}

#[test]
fn opensearch_and_redshift_checks() {
    let (mut eng, _clock) = engine();
    let s3cfg = json!({"RoleARN": "arn:aws:iam::000000000000:role/r", "BucketARN": "arn:aws:s3:::bkt"});
    let os = |extra: serde_json::Value| {
        let mut c =
            json!({"RoleARN": "arn:aws:iam::000000000000:role/r", "IndexName": "logs", "S3Configuration": s3cfg});
        for (k, v) in extra.as_object().unwrap() {
            c[k] = v.clone();
        }
        c
    };
    let member = "AmazonopensearchserviceDestinationConfiguration";
    assert!(create_kind(&mut eng, "o1", member, os(json!({}))).is_err());
    assert!(create_kind(
        &mut eng,
        "o1",
        member,
        os(json!({"ClusterEndpoint": "http://127.0.0.1:9200", "DomainARN": "arn:aws:es:us-east-1:000000000000:domain/abc"}))
    )
    .is_err());
    create_kind(&mut eng, "o1", member, os(json!({"ClusterEndpoint": "http://127.0.0.1:9200"}))).unwrap();
    let d = describe_dest(&mut eng, "o1");
    let o = &d["AmazonopensearchserviceDestinationDescription"];
    assert_eq!(o["IndexRotationPeriod"], "OneDay");
    assert_eq!(o["S3BackupMode"], "FailedDocumentsOnly");
    assert_eq!(o["RetryOptions"], json!({"DurationInSeconds": 300}));
    let rs = json!({"RoleARN": "arn:aws:iam::000000000000:role/r", "ClusterJDBCURL": "jdbc:redshift://127.0.0.1:5439/dev",
                    "CopyCommand": {"DataTableName": "t"}, "Username": "u", "S3Configuration": s3cfg});
    assert!(create_kind(&mut eng, "r1", "RedshiftDestinationConfiguration", rs.clone()).is_err());
    let mut rs = rs;
    rs["Password"] = json!("password1");
    create_kind(&mut eng, "r1", "RedshiftDestinationConfiguration", rs).unwrap();
    let d = describe_dest(&mut eng, "r1");
    assert!(d["RedshiftDestinationDescription"].get("Password").is_none());
    assert_eq!(d["RedshiftDestinationDescription"]["Username"], "u");
}

#[test]
fn redshift_buffers_by_its_s3_configuration_hints() {
    let (mut eng, clock) = engine();
    let rs = json!({"RoleARN": "arn:aws:iam::000000000000:role/r", "ClusterJDBCURL": "jdbc:redshift://127.0.0.1:5439/dev",
                    "CopyCommand": {"DataTableName": "t"}, "Username": "u", "Password": "password1",
                    "S3Configuration": {"RoleARN": "arn:aws:iam::000000000000:role/r", "BucketARN": "arn:aws:s3:::bkt",
                                        "BufferingHints": {"SizeInMBs": 1, "IntervalInSeconds": 60}}});
    create_kind(&mut eng, "r2", "RedshiftDestinationConfiguration", rs).unwrap();
    put_batch(&mut eng, "r2", &[b"1|a\n".to_vec()]);
    clock.advance(59_000);
    let taken = batch::take(&mut eng).unwrap();
    assert!(taken.batches.is_empty());
    assert_eq!(taken.next_ms, Some(1_772_694_489_000 + 60_000));
    clock.advance(1_000);
    let taken = batch::take(&mut eng).unwrap();
    assert_eq!(taken.batches.len(), 1);
    assert_eq!(taken.batches[0].dest_kind, "Redshift");
}

/// Runs Firehose operation `name` through its table and holds the answer to the model.
fn checked(
    eng: &mut Engine,
    name: &str,
    doc: serde_json::Value,
) -> Result<serde_json::Value, kinesin_protocol::ApiError> {
    let op = api::Op::parse(name).expect("a Firehose operation");
    op.visit(crate::service::Checked { eng, caller: &ctx(), doc })
}

#[test]
fn every_answer_is_spelled_as_the_model_says() {
    let (mut eng, clock) = engine();
    let key = "arn:aws:kms:us-east-1:000000000000:key/k";
    let create = json!({"DeliveryStreamName": "fh", "DeliveryStreamType": "DirectPut",
        "DirectPutSourceConfiguration": {"ThroughputHintInMBs": 1},
        "DeliveryStreamEncryptionConfigurationInput": {"KeyType": "CUSTOMER_MANAGED_CMK", "KeyARN": key},
        "ExtendedS3DestinationConfiguration": {"RoleARN": "r", "BucketARN": "arn:aws:s3:::b"},
        "Tags": [{"Key": "a", "Value": "1"}]});
    checked(&mut eng, "CreateDeliveryStream", create).unwrap();
    let name = json!({"DeliveryStreamName": "fh"});
    let d = checked(&mut eng, "DescribeDeliveryStream", name.clone()).unwrap();
    let d = &d["DeliveryStreamDescription"];
    assert_eq!(
        d["DeliveryStreamEncryptionConfiguration"],
        json!({"KeyType": "CUSTOMER_MANAGED_CMK", "Status": "ENABLED", "KeyARN": key})
    );
    let dest = d["Destinations"][0].as_object().unwrap();
    let members: Vec<&str> = dest.keys().map(String::as_str).collect();
    assert_eq!(members, ["DestinationId", "S3DestinationDescription", "ExtendedS3DestinationDescription"]);
    assert!(d.get("LastUpdateTimestamp").is_none() && d["Source"]["DirectPutSourceDescription"].is_object());
    clock.advance(1_000);
    let update = json!({"DeliveryStreamName": "fh", "CurrentDeliveryStreamVersionId": "1",
        "DestinationId": "destinationId-000000000001", "ExtendedS3DestinationUpdate": {"Prefix": "p/"}});
    checked(&mut eng, "UpdateDestination", update).unwrap();
    let d = checked(&mut eng, "DescribeDeliveryStream", name.clone()).unwrap();
    assert_eq!(d["DeliveryStreamDescription"]["LastUpdateTimestamp"], json!(1_772_694_490.0));
    let after = json!({"DeliveryStreamName": "fh", "ExclusiveStartDestinationId": "destinationId-000000000001"});
    let d = checked(&mut eng, "DescribeDeliveryStream", after).unwrap();
    assert_eq!(d["DeliveryStreamDescription"]["Destinations"], json!([]));
    checked(&mut eng, "StopDeliveryStreamEncryption", name.clone()).unwrap();
    let d = checked(&mut eng, "DescribeDeliveryStream", name.clone()).unwrap();
    assert_eq!(d["DeliveryStreamDescription"]["DeliveryStreamEncryptionConfiguration"], json!({"Status": "DISABLED"}));
    checked(&mut eng, "StartDeliveryStreamEncryption", name.clone()).unwrap();
    let l = checked(&mut eng, "ListDeliveryStreams", json!({})).unwrap();
    assert_eq!(l, json!({"DeliveryStreamNames": ["fh"], "HasMoreDeliveryStreams": false}));
    let record = json!({"DeliveryStreamName": "fh", "Record": {"Data": "aGk="}});
    assert_eq!(checked(&mut eng, "PutRecord", record).unwrap()["Encrypted"], true);
    let batch = json!({"DeliveryStreamName": "fh", "Records": [{"Data": "aGk="}, {"Data": "aG8="}]});
    assert_eq!(checked(&mut eng, "PutRecordBatch", batch).unwrap()["FailedPutCount"], 0);
    checked(&mut eng, "TagDeliveryStream", json!({"DeliveryStreamName": "fh", "Tags": [{"Key": "b"}]})).unwrap();
    checked(&mut eng, "UntagDeliveryStream", json!({"DeliveryStreamName": "fh", "TagKeys": ["a"]})).unwrap();
    let t = checked(&mut eng, "ListTagsForDeliveryStream", name.clone()).unwrap();
    assert_eq!(t, json!({"Tags": [{"Key": "b"}], "HasMoreTags": false}));
    checked(&mut eng, "DeleteDeliveryStream", name).unwrap();
}

#[test]
fn the_taps_migration_keeps_taps_by_name_and_the_queue() {
    let conn = rusqlite::Connection::open_in_memory().unwrap();
    conn.execute_batch(include_str!("../schema/firehose.sql")).unwrap();
    conn.execute_batch(include_str!("../migrations/kda_function_queues.sql")).unwrap();
    conn.execute(
        "INSERT INTO fh_streams(id, account, region, name, type, status, status_until, created_ms, version, dest_kind, dest)
         VALUES (7, '000000000000', 'us-east-1', 'h', 'DirectPut', 'ACTIVE', 0, 0, 1, 'ExtendedS3', '{}')",
        [],
    )
    .unwrap();
    conn.execute_batch(
        "INSERT INTO kda_firehose_taps(stream, app) VALUES (7, 3);
         INSERT INTO kda_firehose_feed(app, arrival_ms, data) VALUES (3, 5, x'61');",
    )
    .unwrap();
    conn.execute_batch(include_str!("../migrations/fh_taps_by_name.sql")).unwrap();
    let tap: (String, String, String, i64) = conn
        .query_row("SELECT account, region, name, reader FROM fh_taps", [], |r| {
            Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?))
        })
        .unwrap();
    assert_eq!(tap, ("000000000000".into(), "us-east-1".into(), "h".into(), 3));
    let queued: (i64, i64, Vec<u8>) = conn
        .query_row("SELECT reader, arrival_ms, data FROM fh_tap_queue", [], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))
        .unwrap();
    assert_eq!(queued, (3, 5, b"a".to_vec()));
}
