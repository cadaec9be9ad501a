//! The buffer's layout: multi-row writes, ids per stream, and records buffered by a build
//! before the `fh_records` table.

use super::*;
use crate::clock::ManualClock;
use crate::db::{version_before, Settings, Storage};
use crate::firehose::{records, streams};
use crate::{run_op, Ctx};
use kinesin_protocol::firehose::*;
use serde_json::json;
use std::path::Path;
use std::sync::Arc;

const T0: i64 = 1_772_694_489_000;

fn ctx() -> Ctx {
    Ctx::new("000000000000", "us-east-1")
}

fn create(eng: &mut Engine, name: &str) -> i64 {
    let input: CreateDeliveryStreamInput = serde_json::from_value(json!({
        "DeliveryStreamName": name,
        "ExtendedS3DestinationConfiguration": {"RoleARN": "r", "BucketARN": "arn:aws:s3:::bkt",
            "BufferingHints": {"SizeInMBs": 1, "IntervalInSeconds": 0}},
    }))
    .unwrap();
    run_op(eng, &ctx(), input, streams::create).unwrap();
    eng.conn.query_row("SELECT id FROM fh_streams WHERE name=?1", [name], |r| r.get(0)).unwrap()
}

fn put_batch(eng: &mut Engine, name: &str, records: &[Vec<u8>]) {
    let input = PutRecordBatchInput {
        delivery_stream_name: name.into(),
        records: records.iter().map(|d| Record { data: d.clone() }).collect(),
    };
    let out = run_op(eng, &ctx(), input, records::put_record_batch).unwrap();
    assert_eq!((out.failed_put_count, out.request_responses.len()), (0, records.len()));
}

/// Takes every due batch and completes it; (stream name, record ids, record data) per batch.
fn deliver(eng: &mut Engine) -> Vec<(String, Vec<i64>, Vec<Vec<u8>>)> {
    let taken = take(eng).unwrap();
    let mut out = Vec::new();
    for b in taken.batches {
        let done = complete(eng, &b.receipt, Outcome::Delivered { objects: vec![] }).unwrap();
        assert!(done.consumed);
        out.push((b.name, b.records.iter().map(|r| r.id).collect(), b.records.into_iter().map(|r| r.data).collect()));
    }
    out.sort();
    out
}

fn numbered(tag: &str, range: std::ops::Range<usize>) -> Vec<Vec<u8>> {
    range.map(|i| format!("{tag}-{i};").into_bytes()).collect()
}

#[test]
fn puts_of_every_size_keep_their_order_and_ids_keep_increasing_per_stream() {
    let mut eng = Engine::memory(Arc::new(ManualClock::new(T0)));
    let a = create(&mut eng, "a");
    create(&mut eng, "b");
    let mut want_a = Vec::new();
    let mut at = 0;
    // Sizes that take every chunk shape (64, 16, 4, 1) and their mixes.
    for n in [1, 3, 4, 15, 63, 64, 85, 500] {
        let recs = numbered("a", at..at + n);
        at += n;
        put_batch(&mut eng, "a", &recs);
        put_batch(&mut eng, "b", &numbered("b", 0..2));
        want_a.extend(recs);
    }
    let bytes: i64 = eng.conn.query_row("SELECT buf_bytes FROM fh_streams WHERE id=?1", [a], |r| r.get(0)).unwrap();
    assert_eq!(bytes, want_a.iter().map(Vec::len).sum::<usize>() as i64);
    let first = deliver(&mut eng);
    assert_eq!(first.len(), 2);
    let (name, ids, data) = &first[0];
    assert_eq!((name.as_str(), data), ("a", &want_a));
    assert_eq!(ids, &(1..=want_a.len() as i64).collect::<Vec<_>>());
    assert_eq!(first[1].1, (1..=16).collect::<Vec<_>>(), "stream b counts its own ids");
    // The buffer is empty now; new records still get ids above the delivered ones (a batch's
    // request id is made of the stream and its first record id).
    put_batch(&mut eng, "a", &numbered("again", 0..2));
    let next = want_a.len() as i64;
    assert_eq!(deliver(&mut eng), vec![("a".to_string(), vec![next + 1, next + 2], numbered("again", 0..2))]);
}

/// The buffer table as it was before `fh_records.sql` (schema/firehose.sql).
const OLD_BUFFER: &str = "
    DROP TABLE fh_records;
    ALTER TABLE fh_streams DROP COLUMN buf_next_id;
    CREATE TABLE fh_buffer (
        id         INTEGER PRIMARY KEY AUTOINCREMENT,
        stream     INTEGER NOT NULL REFERENCES fh_streams(id) ON DELETE CASCADE,
        arrival_ms INTEGER NOT NULL,
        data       BLOB NOT NULL,
        shard_id   TEXT,
        partition_key TEXT,
        sequence_number TEXT,
        subsequence_number INTEGER,
        approx_arrival_ms INTEGER
    );
    CREATE INDEX fh_buffer_by_stream ON fh_buffer(stream, id);";

fn open(dir: &Path) -> Engine {
    Engine::open(&Storage::Durable(dir.to_path_buf()), Arc::new(ManualClock::new(T0)), Settings::default()).unwrap()
}

#[test]
fn records_buffered_before_the_migration_are_delivered_in_order_after_it() {
    let dir = std::env::temp_dir().join(format!("kinesin-test-{}", uuid::Uuid::new_v4()));
    let mut eng = open(&dir);
    let (a, b) = (create(&mut eng, "a"), create(&mut eng, "b"));
    drop(eng);
    // A store of the previous layout with records of both streams interleaved, one with
    // Kinesis metadata, as the previous build buffered them.
    let conn = rusqlite::Connection::open(dir.join("kinesin.sqlite3")).unwrap();
    conn.execute_batch(OLD_BUFFER).unwrap();
    let old = [(a, "a-0"), (b, "b-0"), (a, "a-1"), (a, "a-2"), (b, "b-1")];
    for (stream, data) in old {
        conn.execute(
            "INSERT INTO fh_buffer(stream, arrival_ms, data) VALUES (?1, ?2, ?3)",
            params![stream, T0, data.as_bytes()],
        )
        .unwrap();
    }
    conn.execute("UPDATE fh_buffer SET shard_id='shardId-000000000000', partition_key='pk' WHERE id=5", []).unwrap();
    conn.execute(
        "UPDATE fh_streams SET buf_bytes = (SELECT SUM(LENGTH(data)) FROM fh_buffer WHERE stream=fh_streams.id),
             buf_first_ms = ?1",
        [T0],
    )
    .unwrap();
    let before = version_before(include_str!("../../migrations/fh_records.sql"));
    conn.execute_batch(&format!("PRAGMA user_version={before}")).unwrap();
    drop(conn);

    let mut eng = open(&dir);
    let old_tables: i64 = eng
        .conn
        .query_row("SELECT COUNT(*) FROM sqlite_master WHERE name LIKE 'fh_buffer%'", [], |r| r.get(0))
        .unwrap();
    assert_eq!(old_tables, 0);
    put_batch(&mut eng, "a", &numbered("new", 0..2));
    let taken = take(&mut eng).unwrap();
    assert_eq!(taken.batches[1].records[1].kinesis.as_ref().map(|k| k.partition_key.as_str()), Some("pk"));
    for b in &taken.batches {
        complete(&mut eng, &b.receipt, Outcome::Delivered { objects: vec![] }).unwrap();
    }
    let got: Vec<(String, Vec<i64>, Vec<Vec<u8>>)> = taken
        .batches
        .into_iter()
        .map(|b| (b.name, b.records.iter().map(|r| r.id).collect(), b.records.into_iter().map(|r| r.data).collect()))
        .collect();
    let bytes = |v: &[&str]| v.iter().map(|s| s.as_bytes().to_vec()).collect::<Vec<_>>();
    assert_eq!(
        got,
        vec![
            ("a".to_string(), vec![1, 3, 4, 6, 7], bytes(&["a-0", "a-1", "a-2", "new-0;", "new-1;"])),
            ("b".to_string(), vec![2, 5], bytes(&["b-0", "b-1"])),
        ]
    );
    assert!(take(&mut eng).unwrap().batches.is_empty());
    drop(eng);
    std::fs::remove_dir_all(&dir).unwrap();
}
