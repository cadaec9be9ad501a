//! The answers about v2's snapshots, operations and versions, byte for byte: recorded from
//! the answers kinesin gave when these were kept as JSON documents, and read from a row
//! stored in that older format.

use super::api::v2;
use crate::clock::ManualClock;
use crate::service::Checked;
use crate::{Ctx, Engine};
use serde_json::{json, Value};
use std::sync::Arc;

const ROLE: &str = "arn:aws:iam::000000000000:role/kda";
/// Each answer of [`history`], one line each.
const ANSWERS: &str = include_str!("testdata/history_answers.txt");
/// Application `f`'s `kda_apps.config` as stored before the history was typed.
const OLD_ROW: &str = include_str!("testdata/history_old_row.json");

fn ctx() -> Ctx {
    Ctx::new("000000000000", "us-east-1")
}

/// One operation's answer as a line: the JSON bytes, or the error's code and message.
fn call(eng: &mut Engine, name: &str, doc: Value) -> String {
    let op = v2::Op::parse(name).expect("a v2 operation");
    match op.visit(Checked { eng, caller: &ctx(), doc: doc.clone() }) {
        Ok(out) => format!("{name} {doc} -> {}", serde_json::to_string(&out).unwrap()),
        Err(e) => format!("{name} {doc} -> {} {}", e.code, e.message),
    }
}

/// Application `f` (Flink) with operations, three versions and three snapshots; `g` with none.
fn setup(eng: &mut Engine, clock: &ManualClock) -> Vec<String> {
    let mut out = Vec::new();
    for (name, runtime) in [("f", "FLINK-1_18"), ("g", "SQL-1_0")] {
        let doc = json!({"ApplicationName": name, "RuntimeEnvironment": runtime, "ServiceExecutionRole": ROLE});
        call(eng, "CreateApplication", doc);
    }
    out.push(call(eng, "StartApplication", json!({"ApplicationName": "f"})));
    for v in 1..3 {
        clock.advance(1_500);
        let update = json!({"FlinkApplicationConfigurationUpdate": {"ParallelismConfigurationUpdate": {"ConfigurationTypeUpdate": "CUSTOM", "ParallelismUpdate": v + 1}}});
        call(
            eng,
            "UpdateApplication",
            json!({"ApplicationName": "f", "CurrentApplicationVersionId": v, "ApplicationConfigurationUpdate": update}),
        );
    }
    for s in ["s1", "s2", "s3"] {
        clock.advance(60_250);
        out.push(call(eng, "CreateApplicationSnapshot", json!({"ApplicationName": "f", "SnapshotName": s})));
    }
    out
}

/// Every read of the history, with pages and errors.
fn reads(eng: &mut Engine) -> Vec<String> {
    let f = |extra: Value| {
        let mut doc = json!({"ApplicationName": "f"});
        doc.as_object_mut().unwrap().extend(extra.as_object().unwrap().clone());
        doc
    };
    let mut out = Vec::new();
    for op in ["ListApplicationSnapshots", "ListApplicationOperations", "ListApplicationVersions"] {
        out.push(call(eng, op, f(json!({}))));
        out.push(call(eng, op, f(json!({"Limit": 2}))));
        out.push(call(eng, op, f(json!({"Limit": 2, "NextToken": "2"}))));
        out.push(call(eng, op, f(json!({"Limit": 1, "NextToken": "1"}))));
        out.push(call(eng, op, json!({"ApplicationName": "g"})));
        out.push(call(eng, op, json!({"ApplicationName": "missing"})));
    }
    out.push(call(eng, "ListApplicationOperations", f(json!({"Operation": "CreateApplicationSnapshot"}))));
    out.push(call(eng, "ListApplicationOperations", f(json!({"OperationStatus": "SUCCESSFUL", "Limit": 3}))));
    out.push(call(eng, "ListApplicationOperations", f(json!({"OperationStatus": "FAILED"}))));
    let listed: Value = serde_json::from_str(out[6].split(" -> ").nth(1).unwrap()).unwrap();
    for info in listed["ApplicationOperationInfoList"].as_array().unwrap() {
        out.push(call(eng, "DescribeApplicationOperation", f(json!({"OperationId": info["OperationId"]}))));
    }
    out.push(call(eng, "DescribeApplicationOperation", f(json!({"OperationId": "0000000000000000"}))));
    out.push(call(eng, "DescribeApplicationOperation", json!({"ApplicationName": "missing", "OperationId": "1"})));
    for s in ["s1", "s2", "nope"] {
        out.push(call(eng, "DescribeApplicationSnapshot", f(json!({"SnapshotName": s}))));
    }
    out.push(call(eng, "DescribeApplicationSnapshot", json!({"ApplicationName": "missing", "SnapshotName": "s1"})));
    for v in [1, 2, 3, 9] {
        out.push(call(eng, "DescribeApplicationVersion", f(json!({"ApplicationVersionId": v}))));
    }
    out
}

/// Changes after the reads: a duplicate and a deleted snapshot, a rollback, then the lists.
fn changes(eng: &mut Engine) -> Vec<String> {
    let mut out = vec![
        call(eng, "CreateApplicationSnapshot", json!({"ApplicationName": "f", "SnapshotName": "s1"})),
        call(eng, "DeleteApplicationSnapshot", json!({"ApplicationName": "f", "SnapshotName": "s2"})),
        call(eng, "DeleteApplicationSnapshot", json!({"ApplicationName": "f", "SnapshotName": "s2"})),
        call(eng, "RollbackApplication", json!({"ApplicationName": "f", "CurrentApplicationVersionId": 3})),
    ];
    for op in ["ListApplicationSnapshots", "ListApplicationVersions"] {
        out.push(call(eng, op, json!({"ApplicationName": "f"})));
    }
    out.push(call(eng, "DescribeApplicationVersion", json!({"ApplicationName": "f", "ApplicationVersionId": 3})));
    out
}

fn history(eng: &mut Engine, clock: &ManualClock, old_row: bool) -> String {
    fastrand::seed(7);
    let mut out = setup(eng, clock);
    if old_row {
        eng.conn.execute("UPDATE kda_apps SET config=?1 WHERE name='f'", [OLD_ROW.trim()]).unwrap();
    }
    out.extend(reads(eng));
    out.extend(changes(eng));
    out.join("\n") + "\n"
}

fn engine() -> (Engine, ManualClock) {
    let clock = ManualClock::new(1_772_694_489_000);
    (Engine::memory(Arc::new(clock.clone())), clock)
}

#[test]
fn history_answers_are_the_bytes_kinesin_always_gave() {
    let (mut eng, clock) = engine();
    assert_eq!(history(&mut eng, &clock, false), ANSWERS);
}

#[test]
fn a_row_stored_in_the_old_format_answers_the_same() {
    let (mut eng, clock) = engine();
    assert_eq!(history(&mut eng, &clock, true), ANSWERS);
}
