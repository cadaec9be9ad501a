//! Pipes tests on a store with a manual clock: the control plane and the engine.

use super::engine::{checkpoints, pump_job, pump_next, Cursor, PumpReport, JOB_BUDGET};
use super::*;
use crate::clock::ManualClock;
use crate::db::{Settings, Storage};
use crate::kinesis::written::Written;
use crate::kinesis::{records, reshard, streams};
use crate::sqs::{messages, queues, Caller, QueueKey};
use kinesin_protocol::kinesis::*;
use kinesin_protocol::sqs::types::*;
use serde::{de::DeserializeOwned, Serialize};
use serde_json::{json, Value};
use std::collections::HashMap;
use std::sync::Arc;

/// Runs an operation on a request document as the server does (typed input decoded from the
/// document, the operation in a savepoint) and answers the response document.
fn run_op<I: DeserializeOwned, O: Serialize>(
    eng: &mut Engine,
    opts: &Opts,
    doc: Value,
    op: fn(&mut Engine, &Opts, I) -> Result<O, ApiError>,
) -> Result<Value, ApiError> {
    let input: I = kinesin_protocol::json::into_input(doc)?;
    let out = crate::run_op(eng, opts, input, op)?;
    Ok(serde_json::to_value(out).expect("outputs serialize"))
}

const T0: i64 = 1_767_225_600_000;
const ACCOUNT: &str = "000000000000";
const REGION: &str = "us-east-1";

fn engine() -> (Engine, ManualClock) {
    let clock = ManualClock::new(T0);
    (Engine::memory(Arc::new(clock.clone())), clock)
}

fn ctx() -> Ctx {
    Ctx::new(ACCOUNT, REGION)
}

fn opts() -> Opts {
    Opts { ctx: ctx(), transition_ms: 0 }
}

fn caller() -> Caller {
    Caller::new(ctx(), "localhost:4566")
}

fn stream(eng: &mut Engine, name: &str, shards: u32) -> String {
    let input = CreateStreamInput {
        stream_name: name.into(),
        shard_count: Some(shards),
        stream_mode_details: None,
        tags: None,
        max_record_size_in_kib: None,
        warm_throughput_mibps: None,
    };
    streams::create(eng, &ctx(), input).unwrap();
    format!("arn:aws:kinesis:{REGION}:{ACCOUNT}:stream/{name}")
}

fn put(eng: &mut Engine, name: &str, key: &str, data: &str) -> PutRecordOutput {
    let input = PutRecordInput {
        stream_name: Some(name.into()),
        stream_arn: None,
        data: data.as_bytes().to_vec(),
        partition_key: key.into(),
        explicit_hash_key: None,
        sequence_number_for_ordering: None,
    };
    records::put_record(eng, &ctx(), input).unwrap()
}

/// A queue; returns `(url, arn)`.
fn queue(eng: &mut Engine, name: &str, fifo: bool) -> (String, String) {
    let mut attributes = std::collections::BTreeMap::new();
    if fifo {
        attributes.insert("FifoQueue".to_string(), "true".to_string());
        attributes.insert("ContentBasedDeduplication".to_string(), "true".to_string());
    }
    let input = CreateQueueInput { queue_name: name.into(), attributes, ..Default::default() };
    let url = queues::create_queue(eng, &caller(), input).unwrap().queue_url;
    (url, format!("arn:aws:sqs:{REGION}:{ACCOUNT}:{name}"))
}

fn pipe(eng: &mut Engine, name: &str, source: &str, target: &str, extra: Value) -> Result<Value, ApiError> {
    let mut doc = json!({
        "Name": name,
        "Source": source,
        "Target": target,
        "RoleArn": "arn:aws:iam::000000000000:role/pipe",
        "SourceParameters": {"KinesisStreamParameters": {"StartingPosition": "TRIM_HORIZON", "BatchSize": 10}},
    });
    super::merge(&mut doc, &extra);
    run_op(eng, &opts(), doc, create_pipe)
}

/// Receives and deletes everything in the queue, in delivery order.
fn drain(eng: &mut Engine, url: &str) -> Vec<Message> {
    let mut out = Vec::new();
    loop {
        let input = ReceiveMessageInput {
            queue_url: url.into(),
            max_number_of_messages: Some(10),
            attribute_names: vec!["All".into()],
            ..Default::default()
        };
        let got = messages::receive_message(eng, &caller(), input).unwrap().output.messages;
        if got.is_empty() {
            return out;
        }
        for m in &got {
            let input = DeleteMessageInput { queue_url: url.into(), receipt_handle: m.receipt_handle.clone() };
            messages::delete_message(eng, &caller(), input).unwrap();
        }
        out.extend(got);
    }
}

fn event(m: &Message) -> Value {
    serde_json::from_str(&m.body).unwrap()
}

fn data(m: &Message) -> Value {
    let e = event(m);
    let bytes = aws_smithy_types::base64::decode(e["data"].as_str().unwrap()).unwrap();
    serde_json::from_slice(&bytes).unwrap()
}

/// One round over every pipe: jobs until one moves nothing, their reports added up.
fn pump(eng: &mut Engine) -> PumpReport {
    round(eng, &mut Cursor::default(), &Written::All)
}

/// Passes from `cursor` over the pipes of `streams` until one moves nothing, added up.
fn round(eng: &mut Engine, cursor: &mut Cursor, streams: &Written) -> PumpReport {
    let mut total = PumpReport::default();
    for _ in 0..1_000 {
        total.absorb(pump_next(eng, cursor, streams).unwrap());
        if !total.more {
            return total;
        }
    }
    panic!("the round does not end");
}

#[test]
fn control_plane_states_and_errors() {
    let (mut eng, clock) = engine();
    let src = stream(&mut eng, "s", 1);
    let (_, q) = queue(&mut eng, "q", false);
    let slow = Opts { ctx: ctx(), transition_ms: 1_000 };
    let doc = json!({"Name": "p", "Source": src, "Target": q, "RoleArn": "arn:aws:iam::000000000000:role/r",
        "SourceParameters": {"KinesisStreamParameters": {"StartingPosition": "LATEST"}}, "Tags": {"a": "1"}});
    let out = run_op(&mut eng, &slow, doc.clone(), create_pipe).unwrap();
    assert_eq!(out["CurrentState"], "CREATING");
    assert_eq!(out["Arn"], "arn:aws:pipes:us-east-1:000000000000:pipe/p");
    let e = run_op(&mut eng, &slow, doc.clone(), create_pipe).unwrap_err();
    assert_eq!((e.code.as_str(), e.status), ("ConflictException", 409));
    let e = run_op(&mut eng, &slow, json!({"Name": "p"}), stop_pipe).unwrap_err();
    assert_eq!(e.code, "ConflictException", "no stop while CREATING");
    clock.advance(1_000);
    let d = run_op(&mut eng, &slow, json!({"Name": "p"}), describe_pipe).unwrap();
    assert_eq!((d["CurrentState"].as_str(), d["DesiredState"].as_str()), (Some("RUNNING"), Some("RUNNING")));
    assert_eq!(d["SourceParameters"]["KinesisStreamParameters"]["StartingPosition"], "LATEST");
    assert_eq!(d["Tags"]["a"], "1");
    let s = run_op(&mut eng, &slow, json!({"Name": "p"}), stop_pipe).unwrap();
    assert_eq!(s["CurrentState"], "STOPPING");
    clock.advance(1_000);
    let l = run_op(&mut eng, &slow, json!({"CurrentState": "STOPPED"}), list_pipes).unwrap();
    assert_eq!(l["Pipes"].as_array().unwrap().len(), 1);
    let l = run_op(&mut eng, &slow, json!({"NamePrefix": "x"}), list_pipes).unwrap();
    assert!(l["Pipes"].as_array().unwrap().is_empty());
    let u = run_op(
        &mut eng,
        &slow,
        json!({"Name": "p", "RoleArn": "arn:aws:iam::000000000000:role/r", "Description": "d",
               "SourceParameters": {"KinesisStreamParameters": {"BatchSize": 5}}}),
        update_pipe,
    )
    .unwrap();
    assert_eq!(u["CurrentState"], "UPDATING");
    clock.advance(1_000);
    let d = run_op(&mut eng, &slow, json!({"Name": "p"}), describe_pipe).unwrap();
    assert_eq!(d["Description"], "d");
    assert_eq!(d["SourceParameters"]["KinesisStreamParameters"]["BatchSize"], 5);
    assert_eq!(d["SourceParameters"]["KinesisStreamParameters"]["StartingPosition"], "LATEST");
    let arn = d["Arn"].as_str().unwrap().to_string();
    run_op(&mut eng, &slow, json!({"resourceArn": arn, "tags": {"b": "2"}}), tag_resource).unwrap();
    run_op(&mut eng, &slow, json!({"resourceArn": arn, "tagKeys": ["a"]}), untag_resource).unwrap();
    let t = run_op(&mut eng, &slow, json!({"resourceArn": arn}), list_tags_for_resource).unwrap();
    assert_eq!(t, json!({"tags": {"b": "2"}}));
    let del = run_op(&mut eng, &slow, json!({"Name": "p"}), delete_pipe).unwrap();
    assert_eq!((del["DesiredState"].as_str(), del["CurrentState"].as_str()), (Some("DELETED"), Some("DELETING")));
    clock.advance(1_000);
    let e = run_op(&mut eng, &slow, json!({"Name": "p"}), describe_pipe).unwrap_err();
    assert_eq!((e.code.as_str(), e.status), ("NotFoundException", 404));
    // Unsupported or missing endpoints are validation errors.
    let e = pipe(&mut eng, "bad", &src, "arn:aws:lambda:us-east-1:000000000000:function:f", json!({})).unwrap_err();
    assert_eq!(e.code, "ValidationException");
    let missing = "arn:aws:kinesis:us-east-1:000000000000:stream/nope";
    assert_eq!(pipe(&mut eng, "bad", missing, &q, json!({})).unwrap_err().code, "ValidationException");
    let (_, fifo) = queue(&mut eng, "f.fifo", true);
    assert_eq!(pipe(&mut eng, "bad", &src, &fifo, json!({})).unwrap_err().code, "ValidationException");
    assert!(find_row(&eng, &ctx(), "bad").unwrap().is_none(), "failed creations leave nothing");
}

#[test]
fn every_truck_in_order_through_a_fifo_queue() {
    let (mut eng, clock) = engine();
    let src = stream(&mut eng, "trucks", 4);
    let (url, q) = queue(&mut eng, "positions.fifo", true);
    pipe(
        &mut eng,
        "p",
        &src,
        &q,
        json!({"TargetParameters": {"SqsQueueParameters": {"MessageGroupId": "$.partitionKey"}}}),
    )
    .unwrap();
    for seq in 0..5 {
        for t in 0..20 {
            let body = json!({"truck_id": format!("truck-{t:03}"), "seq": seq}).to_string();
            put(&mut eng, "trucks", &format!("truck-{t:03}"), &body);
        }
        clock.advance(10);
    }
    let r = pump(&mut eng);
    assert_eq!(r.delivered, 100);
    assert_eq!(r.queues, vec![QueueKey::new(ACCOUNT, REGION, "positions.fifo")]);
    let got = drain(&mut eng, &url);
    assert_eq!(got.len(), 100);
    let mut per_truck: HashMap<String, Vec<i64>> = HashMap::new();
    for m in &got {
        let d = data(m);
        let truck = d["truck_id"].as_str().unwrap().to_string();
        assert_eq!(m.attributes["MessageGroupId"], truck);
        per_truck.entry(truck).or_default().push(d["seq"].as_i64().unwrap());
    }
    assert_eq!(per_truck.len(), 20);
    for (t, seqs) in per_truck {
        assert_eq!(seqs, vec![0, 1, 2, 3, 4], "{t}");
    }
    let e = event(&got[0]);
    for k in [
        "kinesisSchemaVersion",
        "partitionKey",
        "sequenceNumber",
        "data",
        "approximateArrivalTimestamp",
        "eventSource",
        "eventVersion",
        "eventID",
        "eventName",
        "invokeIdentityArn",
        "awsRegion",
        "eventSourceARN",
    ] {
        assert!(e.get(k).is_some(), "event lacks {k}: {e}");
    }
    assert_eq!(e["eventSource"], "aws:kinesis");
    assert_eq!(e["eventName"], "aws:kinesis:record");
    assert_eq!(e["eventSourceARN"], src.as_str());
    assert!(e["eventID"].as_str().unwrap().starts_with("shardId-00000000000"));
    assert!(e["approximateArrivalTimestamp"].is_f64());
    // Nothing more to do, nothing delivered twice.
    assert_eq!(pump(&mut eng).delivered, 0);
    assert!(drain(&mut eng, &url).is_empty());
}

#[test]
fn parents_are_delivered_before_children() {
    let (mut eng, _clock) = engine();
    let src = stream(&mut eng, "s", 1);
    let (url, q) = queue(&mut eng, "all.fifo", true);
    // One group for all: the queue's order is the delivery order.
    let extra = json!({"TargetParameters": {"SqsQueueParameters": {"MessageGroupId": "one"}},
        "SourceParameters": {"KinesisStreamParameters": {"StartingPosition": "TRIM_HORIZON", "BatchSize": 7}}});
    pipe(&mut eng, "p", &src, &q, extra).unwrap();
    for i in 0..25 {
        put(&mut eng, "s", &format!("k{i}"), &json!({"gen": 0, "i": i}).to_string());
    }
    let split = SplitShardInput {
        stream: StreamRef { stream_name: Some("s".into()), stream_arn: None },
        shard_to_split: "shardId-000000000000".into(),
        new_starting_hash_key: (1u128 << 127).to_string(),
    };
    reshard::split(&mut eng, &ctx(), split).unwrap();
    for i in 0..25 {
        put(&mut eng, "s", &format!("k{i}"), &json!({"gen": 1, "i": i}).to_string());
    }
    let merge = MergeShardsInput {
        stream: StreamRef { stream_name: Some("s".into()), stream_arn: None },
        shard_to_merge: "shardId-000000000001".into(),
        adjacent_shard_to_merge: "shardId-000000000002".into(),
    };
    reshard::merge(&mut eng, &ctx(), merge).unwrap();
    for i in 0..25 {
        put(&mut eng, "s", &format!("k{i}"), &json!({"gen": 2, "i": i}).to_string());
    }
    // Small batches, one a job, so the pipe stops in the middle of shards many times.
    let mut cursor = Cursor::default();
    let mut jobs = 0;
    while pump_next(&mut eng, &mut cursor, &Written::All).unwrap().more {
        jobs += 1;
        assert!(jobs < 100);
    }
    let got = drain(&mut eng, &url);
    assert_eq!(got.len(), 75);
    let gens: Vec<i64> = got.iter().map(|m| data(m)["gen"].as_i64().unwrap()).collect();
    assert!(gens.windows(2).all(|w| w[0] <= w[1]), "generations out of order: {gens:?}");
    // Per key, order holds across the reshards.
    let mut last: HashMap<String, i64> = HashMap::new();
    for m in &got {
        let d = data(m);
        let key = format!("k{}", d["i"]);
        let g = d["gen"].as_i64().unwrap();
        assert!(last.insert(key, g).is_none_or(|prev| prev < g));
    }
    let cps = checkpoints(&eng, find_row(&eng, &ctx(), "p").unwrap().unwrap().id).unwrap();
    assert_eq!(cps.values().filter(|c| c.done).count(), 3, "three closed shards read to their end");
}

#[test]
fn checkpoints_survive_a_restart() {
    let dir = std::env::temp_dir().join(format!("kinesin-pipes-{}", uuid::Uuid::new_v4()));
    let clock = ManualClock::new(T0);
    let open = || Engine::open(&Storage::Durable(dir.clone()), Arc::new(clock.clone()), Settings::default()).unwrap();
    let url = {
        let mut eng = open();
        let src = stream(&mut eng, "s", 2);
        let (url, q) = queue(&mut eng, "q.fifo", true);
        pipe(
            &mut eng,
            "p",
            &src,
            &q,
            json!({"TargetParameters": {"SqsQueueParameters": {"MessageGroupId": "$.partitionKey"}}}),
        )
        .unwrap();
        for i in 0..30 {
            put(&mut eng, "s", &format!("k{}", i % 3), &json!({"i": i}).to_string());
        }
        let r = pump_next(&mut eng, &mut Cursor::default(), &Written::All).unwrap();
        assert_eq!(r.delivered, 10, "one batch");
        assert!(r.more);
        url
    };
    let mut eng = open();
    for i in 30..40 {
        put(&mut eng, "s", &format!("k{}", i % 3), &json!({"i": i}).to_string());
    }
    while pump(&mut eng).delivered > 0 {}
    let got = drain(&mut eng, &url);
    let mut seen: Vec<i64> = got.iter().map(|m| data(m)["i"].as_i64().unwrap()).collect();
    seen.sort();
    assert_eq!(seen, (0..40).collect::<Vec<_>>(), "each record exactly once");
    drop(eng);
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn json_path_parameters_and_templates() {
    let (mut eng, _clock) = engine();
    let src = stream(&mut eng, "s", 1);
    let (url, q) = queue(&mut eng, "q.fifo", true);
    pipe(
        &mut eng,
        "p",
        &src,
        &q,
        json!({"TargetParameters": {
            "SqsQueueParameters": {"MessageGroupId": "$.data.truck_id", "MessageDeduplicationId": "$.sequenceNumber"},
            "InputTemplate": "{\"truck\": \"<$.data.truck_id>\", \"lat\": <$.data.lat>, \"key\": \"<$.partitionKey>\"}"}}),
    )
    .unwrap();
    let seq = put(&mut eng, "s", "pk", r#"{"truck_id": "truck-042", "lat": 52.5}"#).sequence_number;
    pump(&mut eng);
    let got = drain(&mut eng, &url);
    assert_eq!(got.len(), 1);
    assert_eq!(got[0].attributes["MessageGroupId"], "truck-042");
    assert_eq!(got[0].attributes["MessageDeduplicationId"], seq);
    assert_eq!(event(&got[0]), json!({"truck": "truck-042", "lat": 52.5, "key": "pk"}));
}

#[test]
fn latest_skips_old_records_and_stopped_pipes_wait() {
    let (mut eng, _clock) = engine();
    let src = stream(&mut eng, "s", 1);
    let (url, q) = queue(&mut eng, "q", false);
    put(&mut eng, "s", "k", "old");
    pipe(
        &mut eng,
        "p",
        &src,
        &q,
        json!({"SourceParameters": {"KinesisStreamParameters": {"StartingPosition": "LATEST"}}}),
    )
    .unwrap();
    assert_eq!(pump(&mut eng).sources, vec![(ctx(), "s".to_string())], "writes to s wake the pump");
    run_op(&mut eng, &opts(), json!({"Name": "p"}), stop_pipe).unwrap();
    put(&mut eng, "s", "k", "new");
    let stopped = pump(&mut eng);
    assert_eq!((stopped.delivered, stopped.sources.len()), (0, 0), "stopped: writes need not wake the pump");
    run_op(&mut eng, &opts(), json!({"Name": "p"}), start_pipe).unwrap();
    let started = pump(&mut eng);
    assert_eq!((started.delivered, started.sources.len()), (1, 1));
    let got = drain(&mut eng, &url);
    let bytes = aws_smithy_types::base64::decode(event(&got[0])["data"].as_str().unwrap()).unwrap();
    assert_eq!(bytes, b"new");
}

#[test]
fn failed_deliveries_retry_then_resume_in_order() {
    let (mut eng, clock) = engine();
    let src = stream(&mut eng, "s", 1);
    let (url, q) = queue(&mut eng, "q.fifo", true);
    pipe(&mut eng, "p", &src, &q, json!({"TargetParameters": {"SqsQueueParameters": {"MessageGroupId": "$.data.g"}}}))
        .unwrap();
    put(&mut eng, "s", "k", r#"{"g": "a", "i": 0}"#);
    put(&mut eng, "s", "k", r#"{"i": 1}"#); // no group: SQS refuses it
    put(&mut eng, "s", "k", r#"{"g": "a", "i": 2}"#);
    let r = pump(&mut eng);
    assert_eq!(r.delivered, 1);
    assert_eq!(r.next_wake, Some(T0 + 1_000));
    let d = run_op(&mut eng, &opts(), json!({"Name": "p"}), describe_pipe).unwrap();
    assert!(d["StateReason"].as_str().unwrap().contains("MessageGroupId"), "{d}");
    assert_eq!(pump(&mut eng).delivered, 0, "backing off");
    clock.advance(1_000);
    assert_eq!(pump(&mut eng).delivered, 0);
    // With a retry limit the record is dropped and delivery moves on.
    run_op(
        &mut eng,
        &opts(),
        json!({"Name": "p", "RoleArn": "arn:aws:iam::000000000000:role/r",
               "SourceParameters": {"KinesisStreamParameters": {"MaximumRetryAttempts": 1,
                   "OnPartialBatchItemFailure": "AUTOMATIC_BISECT"}}}),
        update_pipe,
    )
    .unwrap();
    clock.advance(60_000);
    let r = pump(&mut eng);
    assert_eq!((r.delivered, r.dropped), (1, 1));
    let got: Vec<i64> = drain(&mut eng, &url).iter().map(|m| data(m)["i"].as_i64().unwrap()).collect();
    assert_eq!(got, vec![0, 2]);
    let d = run_op(&mut eng, &opts(), json!({"Name": "p"}), describe_pipe).unwrap();
    assert!(d.get("StateReason").is_none(), "healthy again: {d}");
}

#[test]
fn batching_window_holds_small_batches() {
    let (mut eng, clock) = engine();
    let src = stream(&mut eng, "s", 1);
    let (url, q) = queue(&mut eng, "q", false);
    pipe(
        &mut eng,
        "p",
        &src,
        &q,
        json!({"SourceParameters": {"KinesisStreamParameters": {"BatchSize": 3, "MaximumBatchingWindowInSeconds": 2}}}),
    )
    .unwrap();
    put(&mut eng, "s", "k", "1");
    let r = pump(&mut eng);
    assert_eq!((r.delivered, r.next_wake), (0, Some(T0 + 2_000)));
    put(&mut eng, "s", "k", "2");
    put(&mut eng, "s", "k", "3");
    assert_eq!(pump(&mut eng).delivered, 3, "a full batch goes at once");
    put(&mut eng, "s", "k", "4");
    assert_eq!(pump(&mut eng).delivered, 0);
    clock.advance(2_000);
    assert_eq!(pump(&mut eng).delivered, 1);
    assert_eq!(drain(&mut eng, &url).len(), 4);
}

/// A queue whose messages may be at most 1 KiB (the smallest SQS allows).
fn small_queue(eng: &mut Engine, name: &str) -> (String, String) {
    let mut attributes = std::collections::BTreeMap::new();
    attributes.insert("MaximumMessageSize".to_string(), "1024".to_string());
    let input = CreateQueueInput { queue_name: name.into(), attributes, ..Default::default() };
    let url = queues::create_queue(eng, &caller(), input).unwrap().queue_url;
    (url, format!("arn:aws:sqs:{REGION}:{ACCOUNT}:{name}"))
}

fn allow_large(eng: &mut Engine, url: &str) {
    let mut attributes = std::collections::BTreeMap::new();
    attributes.insert("MaximumMessageSize".to_string(), "262144".to_string());
    queues::set_queue_attributes(eng, &caller(), SetQueueAttributesInput { queue_url: url.into(), attributes })
        .unwrap();
}

fn big() -> String {
    format!(r#"{{"big": "{}"}}"#, "x".repeat(2_000))
}

#[test]
fn filter_criteria_deliver_matching_records_and_skip_the_rest() {
    let (mut eng, _clock) = engine();
    let src = stream(&mut eng, "s", 1);
    let (url, q) = queue(&mut eng, "q", false);
    let filters = json!({"SourceParameters": {"FilterCriteria": {"Filters": [
        {"Pattern": r#"{"data": {"speed": [{"numeric": [">", 50]}], "state": [{"anything-but": "parked"}]}}"#},
        {"Pattern": r#"{"partitionKey": [{"prefix": "vip-"}]}"#},
    ]}}});
    pipe(&mut eng, "p", &src, &q, filters).unwrap();
    put(&mut eng, "s", "t1", r#"{"i": 0, "speed": 80, "state": "moving"}"#);
    put(&mut eng, "s", "t1", r#"{"i": 1, "speed": 20, "state": "moving"}"#);
    put(&mut eng, "s", "t1", r#"{"i": 2, "speed": 90, "state": "parked"}"#);
    put(&mut eng, "s", "vip-1", "not json"); // metadata filters still apply
    put(&mut eng, "s", "t1", "not json either");
    let r = pump(&mut eng);
    assert_eq!((r.delivered, r.filtered), (2, 3));
    let got = drain(&mut eng, &url);
    assert_eq!(data(&got[0])["i"], 0);
    assert_eq!(event(&got[1])["partitionKey"], "vip-1");
    // Skipped records are checkpointed: nothing comes back on the next pass.
    assert_eq!(pump(&mut eng), PumpReport { sources: vec![(ctx(), "s".into())], ..PumpReport::default() });
    // Update replaces the filters; an empty list lets everything through.
    run_op(
        &mut eng,
        &opts(),
        json!({"Name": "p", "RoleArn": "arn:aws:iam::000000000000:role/r",
               "SourceParameters": {"FilterCriteria": {"Filters": []}}}),
        update_pipe,
    )
    .unwrap();
    put(&mut eng, "s", "t1", r#"{"i": 3, "speed": 1}"#);
    assert_eq!(pump(&mut eng).delivered, 1);
}

#[test]
fn the_pump_never_runs_a_pipe_whose_creation_was_undone() {
    let (mut eng, _clock) = engine();
    let src = stream(&mut eng, "s", 1);
    let (url, q) = queue(&mut eng, "q", false);
    let undone = eng.in_savepoint(|eng| -> Result<(), StateError> {
        pipe(eng, "p", &src, &q, json!({})).unwrap();
        assert_eq!(all_parsed(eng)?.len(), 1, "the job sees its pipe");
        Err(StateError::Storage("the job fails".into()))
    });
    assert!(undone.is_err());
    put(&mut eng, "s", "k", "x");
    assert_eq!(pump(&mut eng).delivered, 0);
    assert!(drain(&mut eng, &url).is_empty());
    assert!(run_op(&mut eng, &opts(), json!({"Name": "p"}), describe_pipe).is_err());
}

#[test]
fn invalid_definitions_are_refused() {
    let (mut eng, _clock) = engine();
    let src = stream(&mut eng, "s", 1);
    let (_, q) = queue(&mut eng, "q", false);
    let bad = |p: &str| json!({"SourceParameters": {"FilterCriteria": {"Filters": [{"Pattern": p}]}}});
    for p in [r#"{"data": "x"}"#, "{nope", r#"{"data": {"n": [{"numeric": [">", "a"]}]}}"#] {
        let e = pipe(&mut eng, "p", &src, &q, bad(p)).unwrap_err();
        assert_eq!(e.code, "ValidationException");
        assert!(e.message.starts_with("Event pattern is not valid. Reason: "), "{}", e.message);
    }
    let e = pipe(&mut eng, "p", &src, &q, json!({"Enrichment": "arn:aws:lambda:us-east-1:000000000000:function:f"}))
        .unwrap_err();
    assert_eq!(e.code, "ValidationException");
    assert!(e.message.contains("Enrichment") && e.message.contains("not supported by kinesin"), "{}", e.message);
    let age = json!({"SourceParameters": {"KinesisStreamParameters": {"MaximumRecordAgeInSeconds": 30}}});
    let e = pipe(&mut eng, "p", &src, &q, age).unwrap_err();
    assert!(e.message.contains("between 60 and 604800"), "{}", e.message);
    let dl = json!({"SourceParameters": {"KinesisStreamParameters": {"DeadLetterConfig": {"Arn": "arn:aws:sns:us-east-1:000000000000:t"}}}});
    assert!(pipe(&mut eng, "p", &src, &q, dl).unwrap_err().message.contains("SQS queue"));
    // Nothing was created.
    assert_eq!(run_op(&mut eng, &opts(), json!({}), list_pipes).unwrap()["Pipes"], json!([]));
}

#[test]
fn exhausted_retries_send_the_batch_to_the_dead_letter_queue() {
    let (mut eng, clock) = engine();
    let src = stream(&mut eng, "s", 1);
    let (url, q) = small_queue(&mut eng, "q");
    let (dlq_url, dlq) = queue(&mut eng, "dlq", false);
    let params = json!({"SourceParameters": {"KinesisStreamParameters": {
        "MaximumRetryAttempts": 1, "DeadLetterConfig": {"Arn": dlq}}}});
    pipe(&mut eng, "p", &src, &q, params).unwrap();
    put(&mut eng, "s", "k", r#"{"i": 0}"#);
    let s1 = put(&mut eng, "s", "k", &big()).sequence_number;
    let s2 = put(&mut eng, "s", "k", r#"{"i": 2}"#).sequence_number;
    let r = pump(&mut eng);
    assert_eq!((r.delivered, r.dropped), (1, 0));
    assert!(drain(&mut eng, &dlq_url).is_empty(), "still retrying");
    clock.advance(1_000);
    let r = pump(&mut eng);
    assert_eq!((r.delivered, r.dropped), (0, 2), "the rest of the batch fails with the record");
    let dead = drain(&mut eng, &dlq_url);
    assert_eq!(dead.len(), 1);
    let m = event(&dead[0]);
    assert_eq!(m["requestContext"]["condition"], "RetryAttemptsExhausted");
    assert_eq!(m["requestContext"]["functionArn"], format!("arn:aws:pipes:{REGION}:{ACCOUNT}:pipe/p"));
    assert_eq!(m["requestContext"]["approximateInvokeCount"], 2);
    assert_eq!(m["version"], "1.0");
    let info = &m["KinesisBatchInfo"];
    assert_eq!(info["shardId"], "shardId-000000000000");
    assert_eq!((info["startSequenceNumber"].as_str(), info["endSequenceNumber"].as_str()), (Some(&*s1), Some(&*s2)));
    assert_eq!(info["batchSize"], 2);
    assert_eq!(info["streamArn"], src);
    assert_eq!(info["approximateArrivalOfFirstRecord"], "2026-01-01T00:00:00Z");
    assert!(m["timestamp"].as_str().unwrap().starts_with("2026-01-01T00:00:01"));
    // The pipe moved on.
    put(&mut eng, "s", "k", r#"{"i": 3}"#);
    assert_eq!(pump(&mut eng).delivered, 1);
    let got: Vec<i64> = drain(&mut eng, &url).iter().map(|m| data(m)["i"].as_i64().unwrap()).collect();
    assert_eq!(got, vec![0, 3]);
}

#[test]
fn bisection_sends_only_the_failing_record_to_the_dead_letter_queue() {
    let (mut eng, _clock) = engine();
    let src = stream(&mut eng, "s", 1);
    let (url, q) = small_queue(&mut eng, "q");
    let (dlq_url, dlq) = queue(&mut eng, "dlq.fifo", true);
    let params = json!({"SourceParameters": {"KinesisStreamParameters": {
        "MaximumRetryAttempts": 0, "OnPartialBatchItemFailure": "AUTOMATIC_BISECT", "DeadLetterConfig": {"Arn": dlq}}}});
    pipe(&mut eng, "p", &src, &q, params).unwrap();
    put(&mut eng, "s", "k", &big());
    put(&mut eng, "s", "k", r#"{"i": 1}"#);
    put(&mut eng, "s", "k", &big());
    let r = pump(&mut eng);
    assert_eq!((r.delivered, r.dropped), (1, 2));
    let dead = drain(&mut eng, &dlq_url);
    assert_eq!(dead.len(), 2);
    assert!(dead.iter().all(|m| event(m)["KinesisBatchInfo"]["batchSize"] == 1));
    assert_eq!(dead[0].attributes.get("MessageGroupId").map(String::as_str), Some("shardId-000000000000"));
    assert_eq!(drain(&mut eng, &url).len(), 1);
}

#[test]
fn old_records_are_skipped_or_dead_lettered_and_without_limits_retried_forever() {
    let (mut eng, clock) = engine();
    let src = stream(&mut eng, "s", 1);
    let (url, q) = small_queue(&mut eng, "q");
    let (dlq_url, dlq) = queue(&mut eng, "dlq", false);
    let aged = |dead_letter: Option<&str>| {
        let mut p = json!({"SourceParameters": {"KinesisStreamParameters": {"MaximumRecordAgeInSeconds": 60}}});
        if let Some(d) = dead_letter {
            p["SourceParameters"]["KinesisStreamParameters"]["DeadLetterConfig"] = json!({"Arn": d});
        }
        p
    };
    pipe(&mut eng, "skip", &src, &q, aged(None)).unwrap();
    pipe(&mut eng, "dead", &src, &q, aged(Some(&dlq))).unwrap();
    pipe(&mut eng, "forever", &src, &q, json!({})).unwrap();
    put(&mut eng, "s", "k", &big());
    assert_eq!(pump(&mut eng).delivered, 0, "every pipe is stuck on the big record");
    // Far past every backoff and the record age: the aged pipes move on, the other retries.
    for _ in 0..10 {
        clock.advance(600_000);
        pump(&mut eng);
    }
    put(&mut eng, "s", "k", r#"{"i": 1}"#);
    pump(&mut eng);
    let got = drain(&mut eng, &url);
    assert_eq!(got.len(), 2, "one small record from each aged pipe");
    assert!(got.iter().all(|m| data(m)["i"] == 1));
    let dead = drain(&mut eng, &dlq_url);
    assert_eq!(dead.len(), 1, "only the pipe with a dead-letter queue describes the skipped record");
    assert_eq!(event(&dead[0])["requestContext"]["condition"], "RecordAgeExceeded");
    let d = run_op(&mut eng, &opts(), json!({"Name": "forever"}), describe_pipe).unwrap();
    assert!(d["StateReason"].as_str().unwrap().contains("shorter than 1024 bytes"), "{d}");
    // Once the target takes the record, the patient pipe delivers both, in order.
    allow_large(&mut eng, &url);
    clock.advance(600_000);
    assert_eq!(pump(&mut eng).delivered, 2);
    let got = drain(&mut eng, &url);
    assert!(data(&got[0]).get("big").is_some() && data(&got[1])["i"] == 1);
}

#[test]
fn a_deleted_target_sends_batches_to_the_dead_letter_queue() {
    let (mut eng, _clock) = engine();
    let src = stream(&mut eng, "s", 1);
    let (url, q) = queue(&mut eng, "q", false);
    let (dlq_url, dlq) = queue(&mut eng, "dlq", false);
    let params = json!({"SourceParameters": {"KinesisStreamParameters": {
        "MaximumRetryAttempts": 0, "DeadLetterConfig": {"Arn": dlq}}}});
    pipe(&mut eng, "p", &src, &q, params).unwrap();
    queues::delete_queue(&mut eng, &caller(), QueueUrlInput { queue_url: url }).unwrap();
    for i in 0..3 {
        put(&mut eng, "s", "k", &format!(r#"{{"i": {i}}}"#));
    }
    let r = pump(&mut eng);
    assert_eq!((r.delivered, r.dropped), (0, 3));
    let dead = drain(&mut eng, &dlq_url);
    assert_eq!(dead.len(), 1, "one batch");
    let m = event(&dead[0]);
    assert_eq!(m["KinesisBatchInfo"]["batchSize"], 3);
    assert_eq!(m["responseContext"]["functionError"], "Unhandled");
    let d = run_op(&mut eng, &opts(), json!({"Name": "p"}), describe_pipe).unwrap();
    assert!(d.get("StateReason").is_none(), "the pipe moved on: {d}");
}

/// Runs Pipes operation `name` through its table and holds the answer to the model.
fn checked(eng: &mut Engine, name: &str, doc: Value) -> Result<Value, ApiError> {
    let op = api::Op::parse(name).expect("a Pipes operation");
    op.visit(crate::service::Checked { eng, caller: &opts(), doc })
}

#[test]
fn every_answer_is_spelled_as_the_model_says() {
    let (mut eng, clock) = engine();
    let src = stream(&mut eng, "s", 1);
    let (_, q) = queue(&mut eng, "q", false);
    let create = json!({"Name": "p", "Source": src, "Target": q, "RoleArn": "arn:aws:iam::000000000000:role/r",
        "Description": "d", "Enrichment": "", "Tags": {"a": "1"},
        "SourceParameters": {"KinesisStreamParameters": {"StartingPosition": "LATEST"}},
        "LogConfiguration": {"Level": "OFF"}, "KmsKeyIdentifier": "k"});
    let out = checked(&mut eng, "CreatePipe", create).unwrap();
    assert_eq!(out["DesiredState"], "RUNNING");
    let d = checked(&mut eng, "DescribePipe", json!({"Name": "p"})).unwrap();
    let members: Vec<&str> = d.as_object().unwrap().keys().map(String::as_str).collect();
    assert_eq!(
        members,
        [
            "Arn",
            "Name",
            "DesiredState",
            "CurrentState",
            "Source",
            "Target",
            "Description",
            "SourceParameters",
            "Enrichment",
            "RoleArn",
            "LogConfiguration",
            "KmsKeyIdentifier",
            "Tags",
            "CreationTime",
            "LastModifiedTime"
        ]
    );
    assert_eq!(d["CreationTime"], json!(T0 as f64 / 1000.0));
    let update = json!({"Name": "p", "RoleArn": "arn:aws:iam::000000000000:role/r", "DesiredState": "STOPPED",
        "TargetParameters": {"InputTemplate": "{}"}});
    assert_eq!(checked(&mut eng, "UpdatePipe", update).unwrap()["CurrentState"], "UPDATING");
    clock.advance(1);
    assert_eq!(checked(&mut eng, "StartPipe", json!({"Name": "p"})).unwrap()["DesiredState"], "RUNNING");
    assert_eq!(checked(&mut eng, "StopPipe", json!({"Name": "p"})).unwrap()["DesiredState"], "STOPPED");
    let arn = d["Arn"].clone();
    for i in 0..3 {
        checked(
            &mut eng,
            "CreatePipe",
            json!({"Name": format!("x{i}"), "Source": src, "Target": q,
            "RoleArn": "arn:aws:iam::000000000000:role/r",
            "SourceParameters": {"KinesisStreamParameters": {"StartingPosition": "LATEST"}}}),
        )
        .unwrap();
    }
    let l = checked(&mut eng, "ListPipes", json!({"Limit": 2})).unwrap();
    assert_eq!((l["Pipes"].as_array().unwrap().len(), l["Pipes"][0]["Enrichment"].as_str()), (2, Some("")));
    let token = l["NextToken"].clone();
    let rest = checked(&mut eng, "ListPipes", json!({"Limit": 2, "NextToken": token})).unwrap();
    assert_eq!((rest["Pipes"].as_array().unwrap().len(), rest.get("NextToken")), (2, None));
    checked(&mut eng, "TagResource", json!({"resourceArn": arn, "tags": {"b": "2"}})).unwrap();
    checked(&mut eng, "UntagResource", json!({"resourceArn": arn, "tagKeys": ["a"]})).unwrap();
    let t = checked(&mut eng, "ListTagsForResource", json!({"resourceArn": arn})).unwrap();
    assert_eq!(t, json!({"tags": {"b": "2"}}));
    assert_eq!(checked(&mut eng, "DeletePipe", json!({"Name": "p"})).unwrap()["DesiredState"], "DELETED");
}

/// Two streams with a pipe each (`busy` on stream `a`, `quiet` on stream `b`); `(url of
/// busy's queue, url of quiet's queue)`.
fn two_pipes(eng: &mut Engine) -> (String, String) {
    let (a, b) = (stream(eng, "a", 1), stream(eng, "b", 1));
    let (busy, qa) = queue(eng, "qa", false);
    let (quiet, qb) = queue(eng, "qb", false);
    pipe(eng, "busy", &a, &qa, json!({})).unwrap();
    pipe(eng, "quiet", &b, &qb, json!({})).unwrap();
    (busy, quiet)
}

#[test]
fn one_batch_a_job_committed_with_its_checkpoint() {
    let (mut eng, _clock) = engine();
    let (busy, _) = two_pipes(&mut eng);
    let first = put(&mut eng, "a", "k", "0").sequence_number;
    for i in 1..25 {
        put(&mut eng, "a", "k", &i.to_string());
    }
    let id = find_row(&eng, &ctx(), "busy").unwrap().unwrap().id;
    let start = crate::kinesis::seqnum::parse(&first).unwrap().counter;
    let mut cursor = Cursor::default();
    for (job, delivered) in [(1, 10), (2, 20), (3, 25)] {
        let r = pump_next(&mut eng, &mut cursor, &Written::All).unwrap();
        assert_eq!((r.delivered, r.more), (if job == 3 { 5 } else { 10 }, job < 3), "job {job}");
        let cp = checkpoints(&eng, id).unwrap().into_values().next().unwrap();
        assert_eq!(cp.next, start + delivered, "the checkpoint moves with its batch");
        assert_eq!(drain(&mut eng, &busy).len(), 10.min(delivered as usize - (job - 1) * 10));
    }
    assert_eq!(cursor, Cursor { pipe: id, shard: 0 });
    let r = pump_next(&mut eng, &mut cursor, &Written::All).unwrap();
    assert_eq!((r.delivered, r.more), (0, false), "nothing left");
    // A lone batch: one job, which also finds that nothing else is waiting.
    put(&mut eng, "b", "k", "lone");
    let r = pump_next(&mut eng, &mut cursor, &Written::All).unwrap();
    assert_eq!((r.delivered, r.more), (1, false));
    // A batch that leaves another pipe's records waiting: another job is wanted.
    put(&mut eng, "a", "k", "x");
    put(&mut eng, "b", "k", "y");
    let r = pump_next(&mut eng, &mut cursor, &Written::All).unwrap();
    assert_eq!((r.delivered, r.more), (1, true));
    let r = pump_next(&mut eng, &mut cursor, &Written::All).unwrap();
    assert_eq!((r.delivered, r.more), (1, false));
}

#[test]
fn a_busy_pipe_does_not_hold_up_the_others() {
    let (mut eng, _clock) = engine();
    let (busy, quiet) = two_pipes(&mut eng);
    for i in 0..100 {
        put(&mut eng, "a", &format!("k{i}"), &i.to_string());
    }
    for i in 0..3 {
        put(&mut eng, "b", "k", &i.to_string());
    }
    let mut cursor = Cursor::default();
    let first = pump_next(&mut eng, &mut cursor, &Written::All).unwrap();
    let second = pump_next(&mut eng, &mut cursor, &Written::All).unwrap();
    assert_eq!((first.delivered, second.delivered), (10, 3), "the quiet pipe's batch comes second");
    assert_eq!(drain(&mut eng, &quiet).len(), 3);
    let rest = round(&mut eng, &mut cursor, &Written::All);
    assert_eq!(rest.delivered, 90);
    let got: Vec<String> = drain(&mut eng, &busy).iter().map(|m| data(m).to_string()).collect();
    assert_eq!(got, (0..100).map(|i| i.to_string()).collect::<Vec<_>>(), "once each, in order");
}

#[test]
fn a_pass_over_written_streams_leaves_the_other_pipes_alone() {
    let (mut eng, _clock) = engine();
    let (busy, quiet) = two_pipes(&mut eng);
    let mut cursor = Cursor::default();
    assert_eq!(pump(&mut eng).delivered, 0, "positions set");
    for i in 0..15 {
        put(&mut eng, "a", "k", &i.to_string());
        put(&mut eng, "b", "k", &i.to_string());
    }
    let other = Written::one(&Ctx::new("111111111111", REGION), "b");
    assert_eq!(round(&mut eng, &mut cursor, &other).delivered, 0, "b of another account");
    assert_eq!(round(&mut eng, &mut cursor, &Written::default()).delivered, 0, "nothing written");
    let r = round(&mut eng, &mut cursor, &Written::one(&ctx(), "a"));
    assert_eq!(r.delivered, 15);
    assert_eq!(r.queues, vec![QueueKey::new(ACCOUNT, REGION, "qa")]);
    assert!(drain(&mut eng, &quiet).is_empty(), "b's pipe was not run");
    assert_eq!(drain(&mut eng, &busy).len(), 15);
    let r = round(&mut eng, &mut cursor, &Written::one(&ctx(), "b"));
    assert_eq!(r.delivered, 15, "b's pipe delivers its own records");
    let got: Vec<String> = drain(&mut eng, &quiet).iter().map(|m| data(m).to_string()).collect();
    assert_eq!(got, (0..15).map(|i| i.to_string()).collect::<Vec<_>>());
}

#[test]
fn the_look_ahead_keeps_the_retries_it_passes() {
    let (mut eng, clock) = engine();
    let (busy, _) = two_pipes(&mut eng);
    queues::delete_queue(&mut eng, &caller(), QueueUrlInput { queue_url: busy }).unwrap();
    put(&mut eng, "a", "k", "stuck");
    let r = pump(&mut eng);
    assert_eq!((r.delivered, r.failures.len(), r.next_wake), (0, 1, Some(T0 + 1_000)), "busy's target is gone");
    clock.advance(10);
    put(&mut eng, "b", "k", "lone");
    // quiet's batch first; the look-ahead then passes busy, whose retry is still due.
    let quiet = find_row(&eng, &ctx(), "quiet").unwrap().unwrap().id;
    let mut cursor = Cursor { pipe: quiet, shard: -1 };
    let r = pump_next(&mut eng, &mut cursor, &Written::All).unwrap();
    assert_eq!((r.delivered, r.more, r.next_wake), (1, false, Some(T0 + 1_000)));
}

#[test]
fn a_job_moves_a_burst_round_robin_within_its_budget() {
    let (mut eng, _clock) = engine();
    let (busy, quiet) = two_pipes(&mut eng);
    for i in 0..25 {
        put(&mut eng, "a", "k", &i.to_string());
    }
    for i in 0..3 {
        put(&mut eng, "b", "k", &i.to_string());
    }
    let mut cursor = Cursor::default();
    let r = pump_job(&mut eng, &mut cursor, &Written::All).unwrap();
    assert_eq!((r.delivered, r.more, r.queues.len()), (28, false, 2), "a burst on two pipes is one job");
    assert_eq!((drain(&mut eng, &busy).len(), drain(&mut eng, &quiet).len()), (25, 3));
    let total = JOB_BUDGET as usize + 500;
    for i in 0..total {
        put(&mut eng, "a", &format!("k{}", i % 100), &i.to_string());
    }
    let first = pump_job(&mut eng, &mut cursor, &Written::All).unwrap();
    assert_eq!((first.delivered, first.more), (JOB_BUDGET, true), "a job stops at its budget");
    let second = pump_job(&mut eng, &mut cursor, &Written::All).unwrap();
    assert_eq!((second.delivered, second.more), (500, false));
}
