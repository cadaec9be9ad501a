//! Firehose state tests on an in-memory store with a manual clock.

use super::delivery;
use super::*;
use crate::clock::ManualClock;
use crate::s3;
use flate2::read::GzDecoder;
use kinesin_protocol::firehose::*;
use serde_json::json;
use std::io::Read;

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

fn gunzip(data: &[u8]) -> Vec<u8> {
    let mut out = Vec::new();
    GzDecoder::new(data).read_to_end(&mut out).unwrap();
    out
}

#[test]
fn interval_flush_writes_one_gzip_object_with_the_aws_key_format() {
    let (mut eng, clock) = engine();
    s3::create_bucket(&mut eng, &ctx(), "bkt").unwrap();
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
    let pass = delivery::run(&mut eng).unwrap();
    assert!(pass.delivered.is_empty());
    assert_eq!(pass.next_ms, Some(1_772_694_489_000 + 60_000));
    clock.advance(1_000);
    let pass = delivery::run(&mut eng).unwrap();
    assert_eq!(pass.delivered.len(), 1);
    assert_eq!(pass.next_ms, None);
    let objs = objects(&mut eng, "bkt");
    assert_eq!(objs.len(), 1);
    let (key, data) = &objs[0];
    assert!(key.starts_with("2026/03/05/07/fh1-1-2026-03-05-07-08-09-"), "{key}");
    assert!(key.ends_with(".gz"));
    assert_eq!(key.len(), "2026/03/05/07/fh1-1-2026-03-05-07-08-09-".len() + 36 + 3);
    assert_eq!(gunzip(data), recs.concat());
    // Buffer is empty: nothing more to do.
    assert!(delivery::run(&mut eng).unwrap().delivered.is_empty());
}

#[test]
fn size_flush_splits_at_size_in_mbs_and_override_shortens_the_interval() {
    let (mut eng, clock) = engine();
    eng.settings.firehose_interval_override_secs = Some(1);
    s3::create_bucket(&mut eng, &ctx(), "bkt").unwrap();
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
    // 3,000,000 bytes: two full 1 MiB objects now, the rest when the (overridden) 1 s passes.
    let pass = delivery::run(&mut eng).unwrap();
    assert_eq!(pass.delivered.len(), 2);
    assert_eq!(pass.next_ms, Some(eng.now() + 1_000));
    clock.advance(1_000);
    assert_eq!(delivery::run(&mut eng).unwrap().delivered.len(), 1);
    let objs = objects(&mut eng, "bkt");
    assert_eq!(objs.len(), 3);
    assert!(objs.iter().all(|(k, _)| k.starts_with("p/2026/fh2-1-2026-03-05-07-08-09-")));
    let mut delivered: Vec<(String, Vec<u8>)> = objs;
    delivered.sort_by_key(|(_, d)| std::cmp::Reverse(d.len()));
    // Concatenation in arrival order: the two full objects first (by size), then the rest.
    let sizes: Vec<usize> = delivered.iter().map(|(_, d)| d.len()).collect();
    assert_eq!(sizes, vec![1_050_000, 1_050_000, 900_000]);
}

#[test]
fn missing_bucket_is_retried_and_records_survive() {
    let (mut eng, clock) = engine();
    create(
        &mut eng,
        "fh3",
        json!({"RoleARN": "r", "BucketARN": "arn:aws:s3:::later",
        "BufferingHints": {"SizeInMBs": 1, "IntervalInSeconds": 0}}),
    )
    .unwrap();
    put_batch(&mut eng, "fh3", &[b"a".to_vec(), b"b".to_vec()]);
    let pass = delivery::run(&mut eng).unwrap();
    assert_eq!(pass.failed.len(), 1);
    assert_eq!(pass.next_ms, Some(eng.now() + delivery::RETRY_MS));
    clock.advance(delivery::RETRY_MS);
    assert_eq!(delivery::run(&mut eng).unwrap().failed.len(), 1);
    // Creating the bucket makes the next pass retry at once.
    s3::create_bucket(&mut eng, &ctx(), "later").unwrap();
    assert_eq!(delivery::run(&mut eng).unwrap().delivered.len(), 1);
    let objs = objects(&mut eng, "later");
    assert_eq!(objs[0].1, b"ab");
    assert!(!objs[0].0.ends_with(".gz"));
}

#[test]
fn describe_fills_defaults_and_update_checks_the_version() {
    let (mut eng, _clock) = engine();
    create(&mut eng, "fh4", json!({"RoleARN": "r", "BucketARN": "arn:aws:s3:::b"})).unwrap();
    let err = create(&mut eng, "fh4", json!({"RoleARN": "r", "BucketARN": "arn:aws:s3:::b"})).unwrap_err();
    assert_eq!(err.code, "ResourceInUseException");
    let d = |eng: &mut Engine| {
        let input = DescribeDeliveryStreamInput { delivery_stream_name: "fh4".into(), ..Default::default() };
        run_op(eng, &ctx(), input, streams::describe).unwrap()["DeliveryStreamDescription"].clone()
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
    eng.settings.create_delay_ms = 500;
    create(&mut eng, "fh5", json!({"RoleARN": "r", "BucketARN": "arn:aws:s3:::b"})).unwrap();
    let put = |eng: &mut Engine| {
        let input = PutRecordInput { delivery_stream_name: "fh5".into(), record: Record { data: b"x".to_vec() } };
        run_op(eng, &ctx(), input, records::put_record)
    };
    assert_eq!(put(&mut eng).unwrap_err().code, "ResourceNotFoundException");
    assert_eq!(delivery::run(&mut eng).unwrap().next_ms, Some(eng.now() + 500));
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
        "HttpEndpointDestinationConfiguration": {"EndpointConfiguration": {"Url": "https://h"}},
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
