//! The pipeline on an in-memory store: take -> process -> complete, objects read back
//! through the store's S3.

use aws_smithy_types::base64;
use kinesin_delivery::{process, Env, LambdaTarget};
use kinesin_state::firehose::{batch, records, run_op, streams};
use kinesin_state::{s3, Ctx, Engine, ManualClock};
use serde_json::{json, Value};
use std::io::Read;
use std::sync::Arc;

// 2026-03-05T07:08:09.000Z
const T0: i64 = 1_772_694_489_000;

fn ctx() -> Ctx {
    Ctx::new("000000000000", "us-east-1")
}

fn engine() -> (Engine, ManualClock) {
    let clock = ManualClock::new(T0);
    (Engine::memory(Arc::new(clock.clone())), clock)
}

fn create(eng: &mut Engine, name: &str, dest: Value) {
    let input = serde_json::from_value(json!({"DeliveryStreamName": name, "ExtendedS3DestinationConfiguration": dest}))
        .unwrap();
    run_op(eng, &ctx(), input, streams::create).unwrap();
}

fn put(eng: &mut Engine, name: &str, recs: &[&[u8]]) {
    let input = serde_json::from_value(json!({"DeliveryStreamName": name,
        "Records": recs.iter().map(|r| json!({"Data": base64::encode(r)})).collect::<Vec<_>>()}))
    .unwrap();
    run_op(eng, &ctx(), input, records::put_record_batch).unwrap();
}

/// take -> process -> complete until nothing is due.
fn deliver(eng: &mut Engine, env: &Env) -> usize {
    let rt = tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap();
    let mut n = 0;
    loop {
        let taken = batch::take(eng).unwrap();
        if taken.batches.is_empty() {
            return n;
        }
        for b in &taken.batches {
            let outcome = rt.block_on(process(b, env));
            batch::complete(eng, &b.receipt, outcome).unwrap();
            n += 1;
        }
    }
}

fn objects(eng: &mut Engine, bucket: &str) -> Vec<(String, Vec<u8>)> {
    let q = s3::ListQuery { bucket: bucket.into(), max_keys: 10_000, ..Default::default() };
    let listing = s3::list_objects(eng, &ctx(), q).unwrap();
    listing
        .contents
        .iter()
        .map(|m| (m.key.clone(), s3::get_object(eng, &ctx(), (bucket.into(), m.key.clone(), None)).unwrap().1))
        .collect()
}

fn gunzip(data: &[u8]) -> Vec<u8> {
    let mut out = Vec::new();
    flate2::read::GzDecoder::new(data).read_to_end(&mut out).unwrap();
    out
}

fn env(clock: &ManualClock, lambdas: Vec<(String, LambdaTarget)>) -> Env {
    Env::new(Arc::new(clock.clone()), lambdas)
}

#[test]
fn gzip_object_with_the_aws_key_format() {
    let (mut eng, clock) = engine();
    s3::create_bucket(&mut eng, &ctx(), "bkt").unwrap();
    create(
        &mut eng,
        "fh1",
        json!({"RoleARN": "r", "BucketARN": "arn:aws:s3:::bkt", "CompressionFormat": "GZIP",
        "BufferingHints": {"SizeInMBs": 1, "IntervalInSeconds": 60}}),
    );
    let recs: Vec<Vec<u8>> = (0..100).map(|i| format!("record-{i};").into_bytes()).collect();
    put(&mut eng, "fh1", &recs.iter().map(Vec::as_slice).collect::<Vec<_>>());
    let env = env(&clock, vec![]);
    clock.advance(59_000);
    assert_eq!(deliver(&mut eng, &env), 0);
    clock.advance(1_000);
    assert_eq!(deliver(&mut eng, &env), 1);
    let objs = objects(&mut eng, "bkt");
    assert_eq!(objs.len(), 1);
    let (key, data) = &objs[0];
    assert!(key.starts_with("2026/03/05/07/fh1-1-2026-03-05-07-08-09-"), "{key}");
    assert!(key.ends_with(".gz"));
    assert_eq!(key.len(), "2026/03/05/07/fh1-1-2026-03-05-07-08-09-".len() + 36 + 3);
    assert_eq!(gunzip(data), recs.concat());
}

#[test]
fn custom_prefix_and_size_split() {
    let (mut eng, clock) = engine();
    eng.settings.firehose_interval_override_secs = Some(1);
    s3::create_bucket(&mut eng, &ctx(), "bkt").unwrap();
    create(
        &mut eng,
        "fh2",
        json!({"RoleARN": "r", "BucketARN": "arn:aws:s3:::bkt", "Prefix": "p/!{timestamp:yyyy}/",
        "ErrorOutputPrefix": "e/!{firehose:error-output-type}/", "BufferingHints": {"SizeInMBs": 1, "IntervalInSeconds": 900}}),
    );
    let big = vec![7u8; 5000];
    for _ in 0..2 {
        put(&mut eng, "fh2", &vec![big.as_slice(); 300]);
    }
    let env = env(&clock, vec![]);
    assert_eq!(deliver(&mut eng, &env), 2);
    clock.advance(1_000);
    assert_eq!(deliver(&mut eng, &env), 1);
    let objs = objects(&mut eng, "bkt");
    assert!(objs.iter().all(|(k, _)| k.starts_with("p/2026/fh2-1-2026-03-05-07-08-09-")));
    let mut sizes: Vec<usize> = objs.iter().map(|(_, d)| d.len()).collect();
    sizes.sort_unstable();
    assert_eq!(sizes, vec![900_000, 1_050_000, 1_050_000]);
}
