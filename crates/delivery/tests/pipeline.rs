//! The pipeline on an in-memory store: take -> process -> complete, objects read back
//! through the store's S3.

use aws_smithy_types::base64;
use kinesin_delivery::{process, Env, LambdaTarget};
use kinesin_state::firehose::{batch, records, streams};
use kinesin_state::run_op;
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
    s3::create_bucket(&mut eng, &ctx(), "bkt".into()).unwrap();
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
    eng.settings.firehose.interval_override_secs = Some(1);
    s3::create_bucket(&mut eng, &ctx(), "bkt".into()).unwrap();
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

const TRANSFORM: &str = r#"
import base64, json, sys
event = json.load(sys.stdin)
assert event["deliveryStreamArn"].startswith("arn:aws:firehose:us-east-1:000000000000:deliverystream/")
assert event["region"] == "us-east-1" and event["invocationId"]
out = []
for r in event["records"]:
    d = base64.b64decode(r["data"])
    assert isinstance(r["approximateArrivalTimestamp"], int)
    if d.startswith(b"drop"):
        out.append({"recordId": r["recordId"], "result": "Dropped"})
    elif d.startswith(b"fail"):
        out.append({"recordId": r["recordId"], "result": "ProcessingFailed", "data": r["data"]})
    else:
        out.append({"recordId": r["recordId"], "result": "Ok", "data": base64.b64encode(d.upper()).decode()})
json.dump({"records": out}, sys.stdout)
"#;

fn script(name: &str, body: &str) -> String {
    let dir = std::env::temp_dir().join(format!("kinesin-delivery-{}-{}", std::process::id(), name));
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join("transform.py");
    std::fs::write(&path, body).unwrap();
    format!("python3 {}", path.display())
}

const FN: &str = "arn:aws:lambda:us-east-1:000000000000:function:upper";

fn with_lambda(extra: Value, params: Value) -> Value {
    let mut d = json!({"RoleARN": "r", "BucketARN": "arn:aws:s3:::bkt",
        "BufferingHints": {"SizeInMBs": 1, "IntervalInSeconds": 0},
        "ProcessingConfiguration": {"Enabled": true, "Processors": [{"Type": "Lambda", "Parameters": params}]}});
    for (k, v) in extra.as_object().unwrap() {
        d[k] = v.clone();
    }
    d
}

fn error_lines(data: &[u8]) -> Vec<Value> {
    data.split(|b| *b == b'\n').filter(|l| !l.is_empty()).map(|l| serde_json::from_slice(l).unwrap()).collect()
}

#[test]
fn transform_command_upper_cases_drops_and_fails_records() {
    let (mut eng, clock) = engine();
    s3::create_bucket(&mut eng, &ctx(), "bkt".into()).unwrap();
    create(&mut eng, "fh3", with_lambda(json!({}), json!([{"ParameterName": "LambdaArn", "ParameterValue": FN}])));
    put(&mut eng, "fh3", &[b"one\n", b"drop me\n", b"fail me\n", b"two\n"]);
    let env = env(&clock, vec![(FN.into(), LambdaTarget::Command(script("ok", TRANSFORM)))]);
    assert_eq!(deliver(&mut eng, &env), 1);
    let objs = objects(&mut eng, "bkt");
    assert_eq!(objs.len(), 2, "{:?}", objs.iter().map(|o| &o.0).collect::<Vec<_>>());
    let (ok, err): (Vec<_>, Vec<_>) = objs.into_iter().partition(|(k, _)| !k.starts_with("processing-failed/"));
    assert!(ok[0].0.starts_with("2026/03/05/07/fh3-1-"), "{}", ok[0].0);
    assert_eq!(ok[0].1, b"ONE\nTWO\n");
    assert!(err[0].0.starts_with("processing-failed/2026/03/05/07/fh3-1-2026-03-05-07-08-09-"), "{}", err[0].0);
    let lines = error_lines(&err[0].1);
    assert_eq!(lines.len(), 1);
    let e = &lines[0];
    assert_eq!(e["errorCode"], "Lambda.ProcessingFailedStatus");
    assert_eq!(e["attemptsMade"], 1);
    assert_eq!(e["arrivalTimestamp"], T0);
    assert_eq!(e["rawData"], base64::encode(b"fail me\n"));
    assert_eq!(e["lambdaArn"], FN);
    assert!(e["attemptEndingTimestamp"].as_i64().unwrap() >= T0);
}

#[test]
fn a_failing_function_is_retried_then_its_records_go_to_the_error_prefix() {
    let (mut eng, clock) = engine();
    s3::create_bucket(&mut eng, &ctx(), "bkt".into()).unwrap();
    let params = json!([{"ParameterName": "LambdaArn", "ParameterValue": FN},
        {"ParameterName": "NumberOfRetries", "ParameterValue": "2"}]);
    let extra = json!({"Prefix": "ok/!{timestamp:yyyy}/", "ErrorOutputPrefix": "err/!{firehose:error-output-type}/!{timestamp:yyyy}/",
        "CompressionFormat": "GZIP"});
    create(&mut eng, "fh4", with_lambda(extra, params));
    put(&mut eng, "fh4", &[b"a", b"b"]);
    let counter = std::env::temp_dir().join(format!("kinesin-delivery-{}-calls", std::process::id()));
    let _ = std::fs::remove_file(&counter);
    let failing = format!("cat >/dev/null; echo x >> {}; echo boom >&2; exit 3", counter.display());
    let env = env(&clock, vec![("upper".into(), LambdaTarget::Command(failing))]);
    assert_eq!(deliver(&mut eng, &env), 1);
    assert_eq!(std::fs::read_to_string(&counter).unwrap().lines().count(), 3);
    let objs = objects(&mut eng, "bkt");
    assert_eq!(objs.len(), 1);
    let (key, data) = &objs[0];
    assert!(key.starts_with("err/processing-failed/2026/fh4-1-") && key.ends_with(".gz"), "{key}");
    let lines = error_lines(&gunzip(data));
    assert_eq!(lines.len(), 2);
    assert_eq!(lines[0]["errorCode"], "Lambda.FunctionError");
    assert_eq!(lines[0]["attemptsMade"], 3);
    assert!(lines[0]["errorMessage"].as_str().unwrap().contains("boom"));
    assert_eq!(lines[1]["rawData"], base64::encode(b"b"));
}

#[test]
fn an_unbound_function_fails_its_records() {
    let (mut eng, clock) = engine();
    s3::create_bucket(&mut eng, &ctx(), "bkt".into()).unwrap();
    let params = json!([{"ParameterName": "LambdaArn", "ParameterValue": FN},
        {"ParameterName": "NumberOfRetries", "ParameterValue": "0"}]);
    create(&mut eng, "fh5", with_lambda(json!({}), params));
    put(&mut eng, "fh5", &[b"z"]);
    assert_eq!(deliver(&mut eng, &env(&clock, vec![])), 1);
    let objs = objects(&mut eng, "bkt");
    let lines = error_lines(&objs[0].1);
    assert_eq!(lines[0]["errorCode"], "Lambda.ResourceNotFound");
    assert_eq!(lines[0]["attemptsMade"], 1);
}
