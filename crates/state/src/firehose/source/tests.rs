//! KinesisStreamAsSource tests on an in-memory store with a manual clock.

use super::*;
use crate::clock::ManualClock;
use crate::firehose::batch::{self, Outcome, S3Object};
use crate::firehose::{records as fh_records, streams};
use crate::kinesis::{reshard, streams as kstreams};
use crate::run_op;
use crate::s3;
use kinesin_protocol::firehose as fh;
use kinesin_protocol::kinesis::*;
use std::sync::Arc;

const T0: i64 = 1_772_694_489_000;
const STREAM_ARN: &str = "arn:aws:kinesis:us-east-1:000000000000:stream/src";

fn engine() -> (Engine, ManualClock) {
    let clock = ManualClock::new(T0);
    (Engine::memory(Arc::new(clock.clone())), clock)
}

fn ctx() -> Ctx {
    Ctx::new("000000000000", "us-east-1")
}

fn kinesis_stream(eng: &mut Engine, shards: u32) {
    let input = CreateStreamInput {
        stream_name: "src".into(),
        shard_count: Some(shards),
        stream_mode_details: None,
        tags: None,
        max_record_size_in_kib: None,
        warm_throughput_mibps: None,
    };
    kstreams::create(eng, &ctx(), input).unwrap();
}

fn put(eng: &mut Engine, key: &str, data: &[u8]) -> PutRecordOutput {
    let input = PutRecordInput {
        stream_name: Some("src".into()),
        stream_arn: None,
        data: data.to_vec(),
        partition_key: key.into(),
        explicit_hash_key: None,
        sequence_number_for_ordering: None,
    };
    crate::kinesis::records::put_record(eng, &ctx(), input).unwrap()
}

fn create_input(name: &str, extra: Value) -> fh::CreateDeliveryStreamInput {
    let mut doc = json!({
        "DeliveryStreamName": name,
        "DeliveryStreamType": "KinesisStreamAsSource",
        "KinesisStreamSourceConfiguration": {"KinesisStreamARN": STREAM_ARN, "RoleARN": "arn:aws:iam::000000000000:role/r"},
        "ExtendedS3DestinationConfiguration": {"RoleARN": "arn:aws:iam::000000000000:role/r", "BucketARN": "arn:aws:s3:::bkt",
            "BufferingHints": {"SizeInMBs": 1, "IntervalInSeconds": 60}},
    });
    for (k, v) in extra.as_object().unwrap() {
        if v.is_null() {
            doc.as_object_mut().unwrap().remove(k);
        } else {
            doc[k] = v.clone();
        }
    }
    serde_json::from_value(doc).unwrap()
}

fn create(eng: &mut Engine, name: &str, extra: Value) -> Result<fh::CreateDeliveryStreamOutput, FhError> {
    run_op(eng, &ctx(), create_input(name, extra), streams::create)
}

/// Buffered rows of a delivery stream: (shard, partition key, subsequence, data).
type Row = (String, String, Option<i64>, Vec<u8>);

fn buffered(eng: &Engine) -> Vec<Row> {
    let mut st = eng
        .conn
        .prepare("SELECT shard_id, partition_key, subsequence_number, data FROM fh_records ORDER BY stream, id")
        .unwrap();
    st.query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?))).unwrap().map(Result::unwrap).collect()
}

fn data_of(rows: &[Row]) -> Vec<String> {
    rows.iter().map(|r| String::from_utf8(r.3.clone()).unwrap()).collect()
}

/// Pumps until nothing is left; answers how many jobs it took.
fn pump_all(eng: &mut Engine, budget: usize) -> usize {
    for jobs in 1..1000 {
        if !pump(eng, budget, &Written::All).unwrap().more {
            return jobs;
        }
    }
    panic!("pump never finished");
}

#[test]
fn reads_from_latest_at_creation_and_delivers_with_metadata() {
    let (mut eng, clock) = engine();
    s3::create_bucket(&mut eng, &ctx(), "bkt".into()).unwrap();
    kinesis_stream(&mut eng, 2);
    put(&mut eng, "a", b"before;");
    clock.advance(1_000);
    create(&mut eng, "fh", json!({})).unwrap();
    // Nothing to move yet: the record put before creation is not read.
    assert_eq!(pump(&mut eng, JOB_BUDGET, &Written::All).unwrap(), PumpReport { sources: 1, ..Default::default() });
    clock.advance(1_000);
    let out = put(&mut eng, "a", b"after;");
    let r = pump(&mut eng, JOB_BUDGET, &Written::All).unwrap();
    assert_eq!((r.read, r.buffered, r.more), (1, 1, false));
    let (seq, arrival): (String, i64) = eng
        .conn
        .query_row("SELECT sequence_number, approx_arrival_ms FROM fh_records", [], |r| Ok((r.get(0)?, r.get(1)?)))
        .unwrap();
    assert_eq!((seq, arrival), (out.sequence_number, T0 + 2_000));
    assert_eq!(buffered(&eng), vec![(out.shard_id, "a".to_string(), None, b"after;".to_vec())]);
    // A second pump finds nothing new.
    assert_eq!(pump(&mut eng, JOB_BUDGET, &Written::All).unwrap().read, 0);

    let describe = fh::DescribeDeliveryStreamInput { delivery_stream_name: "fh".into(), ..Default::default() };
    let d = serde_json::to_value(run_op(&mut eng, &ctx(), describe, streams::describe).unwrap()).unwrap();
    let d = &d["DeliveryStreamDescription"];
    assert_eq!(d["DeliveryStreamType"], "KinesisStreamAsSource");
    assert_eq!(
        d["Source"],
        json!({"KinesisStreamSourceDescription": {"KinesisStreamARN": STREAM_ARN,
            "RoleARN": "arn:aws:iam::000000000000:role/r", "DeliveryStartTimestamp": (T0 + 1_000) as f64 / 1000.0}})
    );

    clock.advance(60_000);
    let taken = batch::take(&mut eng).unwrap();
    assert_eq!(taken.batches.len(), 1);
    let b = &taken.batches[0];
    let body = b.records.iter().flat_map(|r| r.data.clone()).collect();
    let objects = vec![S3Object { bucket: "bkt".into(), key: "k".into(), body, content_type: None }];
    assert!(batch::complete(&mut eng, &b.receipt, Outcome::Delivered { objects }).unwrap().consumed);
    let listing =
        s3::list_objects(&mut eng, &ctx(), s3::ListQuery { bucket: "bkt".into(), max_keys: 10, ..Default::default() })
            .unwrap();
    assert_eq!(listing.contents.len(), 1);
    let (_, body, _) = s3::get_object(&mut eng, &ctx(), ("bkt".into(), listing.contents[0].key.clone(), None)).unwrap();
    assert_eq!(body, b"after;");
}

#[test]
fn parents_are_read_before_children_across_split_and_merge() {
    let (mut eng, _clock) = engine();
    kinesis_stream(&mut eng, 1);
    create(&mut eng, "fh", json!({})).unwrap();
    let keys = ["k0", "k1", "k2", "k3", "k4", "k5"];
    let mut expected: Vec<String> = Vec::new();
    let mut put_round = |eng: &mut Engine, round: usize| {
        for k in keys {
            let d = format!("{k}-{round}");
            put(eng, k, d.as_bytes());
            expected.push(d);
        }
    };
    put_round(&mut eng, 0);
    // Split shard 0 in the middle: children 1 and 2. Nothing was pumped yet, so the parent's
    // records are still unread when the children receive theirs.
    let split = SplitShardInput {
        stream: kinesis::testing::by_name("src"),
        shard_to_split: "shardId-000000000000".into(),
        new_starting_hash_key: (u128::MAX / 2 + 1).to_string(),
    };
    reshard::split(&mut eng, &ctx(), split).unwrap();
    put_round(&mut eng, 1);
    // A budget of one record per job: the parent's records take six jobs, during which the
    // children wait.
    let r = pump(&mut eng, 1, &Written::All).unwrap();
    assert!(r.more);
    assert_eq!(data_of(&buffered(&eng)), vec!["k0-0"]);
    pump_all(&mut eng, 1);
    let rows = buffered(&eng);
    assert!(rows[..6].iter().all(|r| r.0 == "shardId-000000000000"));
    assert!(rows[6..].iter().all(|r| r.0 != "shardId-000000000000"));
    // Merge the two children into shard 3; more records go there.
    let merge = MergeShardsInput {
        stream: kinesis::testing::by_name("src"),
        shard_to_merge: "shardId-000000000001".into(),
        adjacent_shard_to_merge: "shardId-000000000002".into(),
    };
    reshard::merge(&mut eng, &ctx(), merge).unwrap();
    put_round(&mut eng, 2);
    put_round(&mut eng, 3);
    pump_all(&mut eng, 5);
    let rows = buffered(&eng);
    assert_eq!(rows.len(), 24);
    assert!(rows[12..].iter().all(|r| r.0 == "shardId-000000000003"));
    // Every record once, and in order per partition key.
    let mut got = data_of(&rows);
    for k in keys {
        let of_key: Vec<&String> = got.iter().filter(|d| d.starts_with(&format!("{k}-"))).collect();
        let rounds: Vec<String> = (0..4).map(|r| format!("{k}-{r}")).collect();
        assert_eq!(of_key, rounds.iter().collect::<Vec<_>>());
    }
    got.sort();
    expected.sort();
    assert_eq!(got, expected);
    // The closed shards are read to their end.
    let cps = checkpoints(&eng, 1).unwrap();
    assert_eq!(cps.values().filter(|c| c.done).count(), 3);
}

#[test]
fn kpl_records_are_deaggregated_with_subsequence_numbers() {
    let (mut eng, _clock) = engine();
    kinesis_stream(&mut eng, 1);
    create(&mut eng, "fh", json!({})).unwrap();
    put(&mut eng, "outer", &kpl::aggregate(&["u1", "u2"], &[(0, b"one"), (1, b"two"), (0, b"three")]));
    let mut corrupt = kpl::aggregate(&["u1"], &[(0, b"x")]);
    let n = corrupt.len();
    corrupt[n - 1] ^= 0xFF;
    put(&mut eng, "outer", &corrupt);
    put(&mut eng, "outer", b"plain");
    let r = pump(&mut eng, JOB_BUDGET, &Written::All).unwrap();
    assert_eq!((r.read, r.buffered), (3, 5));
    let rows = buffered(&eng);
    let view: Vec<(&str, Option<i64>, &[u8])> = rows.iter().map(|r| (r.1.as_str(), r.2, r.3.as_slice())).collect();
    assert_eq!(
        view,
        vec![
            ("u1", Some(0), &b"one"[..]),
            ("u2", Some(1), &b"two"[..]),
            ("u1", Some(2), &b"three"[..]),
            ("outer", None, &corrupt[..]),
            ("outer", None, &b"plain"[..]),
        ]
    );
    let seqs: Vec<String> = eng
        .conn
        .prepare("SELECT sequence_number FROM fh_records ORDER BY stream, id")
        .unwrap()
        .query_map([], |r| r.get(0))
        .unwrap()
        .map(Result::unwrap)
        .collect();
    assert!(seqs[0] == seqs[1] && seqs[1] == seqs[2] && seqs[2] != seqs[3]);
    let bytes: i64 = eng.conn.query_row("SELECT buf_bytes FROM fh_streams", [], |r| r.get(0)).unwrap();
    assert_eq!(bytes as usize, 3 + 3 + 5 + corrupt.len() + 5);
}

#[test]
fn creation_checks_and_refused_operations() {
    let (mut eng, clock) = engine();
    let e = create(&mut eng, "fh", json!({})).unwrap_err();
    assert_eq!(e.code, "InvalidArgumentException");
    assert!(e.message.contains("does not exist"), "{}", e.message);
    kinesis_stream(&mut eng, 1);
    let e = create(&mut eng, "fh", json!({"KinesisStreamSourceConfiguration": null})).unwrap_err();
    assert_eq!(e.code, "InvalidArgumentException");
    let e = create(&mut eng, "fh", json!({"DeliveryStreamType": "DirectPut"})).unwrap_err();
    assert_eq!(e.code, "InvalidArgumentException");
    let sse = json!({"DeliveryStreamEncryptionConfigurationInput": {"KeyType": "AWS_OWNED_CMK"}});
    assert_eq!(create(&mut eng, "fh", sse).unwrap_err().code, "InvalidArgumentException");
    let e = create(&mut eng, "fh", json!({"DeliveryStreamType": "MSKAsSource"})).unwrap_err();
    assert_eq!(e.code, "InvalidArgumentException");

    eng.settings.kinesis.create_delay_ms = 500;
    create(&mut eng, "fh", json!({})).unwrap();
    put(&mut eng, "a", b"while creating");
    // CREATING: nothing moves until it is ACTIVE; then records put since creation do.
    let r = pump(&mut eng, JOB_BUDGET, &Written::All).unwrap();
    assert_eq!((r.read, r.next_ms), (0, Some(T0 + 500)));
    clock.advance(500);
    assert_eq!(pump(&mut eng, JOB_BUDGET, &Written::All).unwrap().buffered, 1);

    let put_fh = fh::PutRecordInput { delivery_stream_name: "fh".into(), record: fh::Record { data: b"x".to_vec() } };
    let e = run_op(&mut eng, &ctx(), put_fh, fh_records::put_record).unwrap_err();
    assert_eq!(
        (e.code, e.message.as_str()),
        ("InvalidArgumentException", "This operation is not permitted on KinesisStreamAsSource delivery stream type.")
    );
    let start = fh::StartEncryptionInput { delivery_stream_name: "fh".into(), ..Default::default() };
    assert_eq!(
        run_op(&mut eng, &ctx(), start, streams::start_encryption).unwrap_err().code,
        "InvalidArgumentException"
    );

    // Deleting the delivery stream drops its checkpoints; deleting the source stops reading.
    let del = fh::StreamNameInput { delivery_stream_name: "fh".into(), allow_force_delete: None };
    eng.settings.kinesis.delete_delay_ms = 0;
    run_op(&mut eng, &ctx(), del, streams::delete).unwrap();
    let n: i64 = eng.conn.query_row("SELECT COUNT(*) FROM fh_source_shards", [], |r| r.get(0)).unwrap();
    assert_eq!(n, 0);
    assert_eq!(pump(&mut eng, JOB_BUDGET, &Written::All).unwrap(), PumpReport::default());
}

#[test]
fn a_deleted_source_stream_is_skipped() {
    let (mut eng, _clock) = engine();
    kinesis_stream(&mut eng, 1);
    create(&mut eng, "fh", json!({})).unwrap();
    put(&mut eng, "a", b"1");
    let input = DeleteStreamInput { stream: kinesis::testing::by_name("src"), enforce_consumer_deletion: None };
    kstreams::delete(&mut eng, &ctx(), input).unwrap();
    let r = pump(&mut eng, JOB_BUDGET, &Written::All).unwrap();
    assert_eq!((r.sources, r.read), (1, 0));
}

#[test]
fn a_pass_over_other_written_streams_leaves_the_source_alone() {
    let (mut eng, clock) = engine();
    s3::create_bucket(&mut eng, &ctx(), "bkt".into()).unwrap();
    kinesis_stream(&mut eng, 1);
    create(&mut eng, "fh", json!({})).unwrap();
    clock.advance(1_000);
    put(&mut eng, "a", b"x;");
    let other = Written::one(&ctx(), "other");
    let r = pump(&mut eng, JOB_BUDGET, &other).unwrap();
    assert_eq!((r.sources, r.read), (1, 0), "a write to another stream reads nothing");
    assert_eq!(pump(&mut eng, JOB_BUDGET, &Written::default()).unwrap().read, 0);
    let r = pump(&mut eng, JOB_BUDGET, &Written::one(&ctx(), "src")).unwrap();
    assert_eq!((r.read, r.buffered), (1, 1), "its own stream's write is read");
    assert_eq!(data_of(&buffered(&eng)), vec!["x;".to_string()]);
}
