//! Domain tests on an ephemeral store with a manual clock.

use super::testing::{by_name, ctx, engine};
use super::*;
use crate::Engine;
use kinesin_protocol::kinesis::*;

fn create(eng: &mut Engine, name: &str, shards: u32) {
    streams::create(
        eng,
        &ctx(),
        CreateStreamInput {
            stream_name: name.into(),
            shard_count: Some(shards),
            stream_mode_details: None,
            tags: None,
            max_record_size_in_kib: None,
            warm_throughput_mibps: None,
        },
    )
    .unwrap();
}

fn put(eng: &mut Engine, name: &str, key: &str, data: &[u8]) -> PutRecordOutput {
    records::put_record(
        eng,
        &ctx(),
        PutRecordInput {
            stream_name: Some(name.into()),
            stream_arn: None,
            data: data.to_vec(),
            partition_key: key.into(),
            explicit_hash_key: None,
            sequence_number_for_ordering: None,
        },
    )
    .unwrap()
}

fn iterator(eng: &mut Engine, name: &str, shard: &str, kind: &str, seq: Option<String>) -> Result<String, StateError> {
    records::get_shard_iterator(
        eng,
        &ctx(),
        GetShardIteratorInput {
            stream: by_name(name),
            shard_id: shard.into(),
            shard_iterator_type: kind.into(),
            starting_sequence_number: seq,
            timestamp: None,
        },
    )
    .map(|o| o.shard_iterator)
}

fn get(eng: &mut Engine, it: &str) -> Result<GetRecordsOutput, StateError> {
    records::get_records(eng, &ctx(), GetRecordsInput { shard_iterator: it.into(), limit: None, stream_arn: None })
}

#[test]
fn records_round_trip_in_order() {
    let (mut eng, _clock) = engine();
    create(&mut eng, "s", 1);
    let seqs: Vec<String> = (0..5).map(|i| put(&mut eng, "s", "k", &[i]).sequence_number).collect();
    assert!(seqs.windows(2).all(|w| w[0] < w[1]));
    let it = iterator(&mut eng, "s", "shardId-000000000000", "TRIM_HORIZON", None).unwrap();
    let out = get(&mut eng, &it).unwrap();
    assert_eq!(out.records.iter().map(|r| r.data[0]).collect::<Vec<_>>(), vec![0, 1, 2, 3, 4]);
    assert_eq!(out.millis_behind_latest, 0);
    let after =
        iterator(&mut eng, "s", "shardId-000000000000", "AFTER_SEQUENCE_NUMBER", Some(seqs[2].clone())).unwrap();
    assert_eq!(get(&mut eng, &after).unwrap().records.len(), 2);
    let at = iterator(&mut eng, "s", "shardId-000000000000", "AT_SEQUENCE_NUMBER", Some(seqs[2].clone())).unwrap();
    assert_eq!(get(&mut eng, &at).unwrap().records.len(), 3);
    let latest = iterator(&mut eng, "s", "shardId-000000000000", "LATEST", None).unwrap();
    let empty = get(&mut eng, &latest).unwrap();
    assert!(empty.records.is_empty());
    put(&mut eng, "s", "k", &[9]);
    let next = get(&mut eng, empty.next_shard_iterator.as_deref().unwrap()).unwrap();
    assert_eq!(next.records[0].data, vec![9]);
}

#[test]
fn records_read_out_are_counted_across_cache_reloads() {
    let (mut eng, _clock) = engine();
    create(&mut eng, "s", 1);
    for i in 0..3 {
        put(&mut eng, "s", "k", &[i]);
    }
    let it = iterator(&mut eng, "s", "shardId-000000000000", "TRIM_HORIZON", None).unwrap();
    let out = get(&mut eng, &it).unwrap();
    eng.kinesis.streams.clear();
    get(&mut eng, &it).unwrap();
    get(&mut eng, out.next_shard_iterator.as_deref().unwrap()).unwrap();
    let c = ctx();
    assert_eq!(eng.kinesis.records_out_by_region(), [((c.account, c.region), 6)].into_iter().collect());
}

#[test]
fn iterators_expire_after_five_minutes() {
    let (mut eng, clock) = engine();
    create(&mut eng, "s", 1);
    let it = iterator(&mut eng, "s", "shardId-000000000000", "TRIM_HORIZON", None).unwrap();
    clock.advance(300_000);
    assert!(get(&mut eng, &it).is_ok());
    clock.advance(1);
    assert!(matches!(get(&mut eng, &it), Err(StateError::ExpiredIterator(_))));
    let mut tampered = it.into_bytes();
    tampered[10] = if tampered[10] == b'A' { b'B' } else { b'A' };
    let tampered = String::from_utf8(tampered).unwrap();
    assert!(matches!(get(&mut eng, &tampered), Err(StateError::InvalidArgument(m)) if m == "Invalid ShardIterator."));
}

#[test]
fn retention_hides_then_trims_expired_records() {
    let (mut eng, clock) = engine();
    create(&mut eng, "s", 1);
    put(&mut eng, "s", "k", b"old");
    clock.advance(23 * 3_600_000);
    put(&mut eng, "s", "k", b"new");
    clock.advance(3_600_000 + 1);
    let it = iterator(&mut eng, "s", "shardId-000000000000", "TRIM_HORIZON", None).unwrap();
    let out = get(&mut eng, &it).unwrap();
    assert_eq!(out.records.iter().map(|r| r.data.clone()).collect::<Vec<_>>(), vec![b"new".to_vec()]);
    let count = |eng: &Engine| eng.conn.query_row("SELECT COUNT(*) FROM records", [], |r| r.get::<_, i64>(0)).unwrap();
    assert_eq!(count(&eng), 2, "expired but not yet trimmed");
    let next = maintenance::run(&mut eng).unwrap();
    assert_eq!(count(&eng), 1, "the expired record is deleted");
    assert!(next.is_some_and(|at| at > eng.now()));
}

#[test]
fn decreasing_retention_trims_at_once() {
    let (mut eng, clock) = engine();
    create(&mut eng, "s", 1);
    let retention = |h| RetentionInput { stream: by_name("s"), retention_period_hours: h };
    streams::increase_retention(&mut eng, &ctx(), retention(48)).unwrap();
    put(&mut eng, "s", "k", b"a");
    clock.advance(30 * 3_600_000);
    put(&mut eng, "s", "k", b"b");
    streams::decrease_retention(&mut eng, &ctx(), retention(24)).unwrap();
    let n: i64 = eng.conn.query_row("SELECT COUNT(*) FROM records", [], |r| r.get(0)).unwrap();
    assert_eq!(n, 1);
    let err = streams::increase_retention(&mut eng, &ctx(), retention(12)).unwrap_err();
    assert!(err.to_string().starts_with("Minimum allowed retention period is 24 hours."), "{err}");
    let err = streams::decrease_retention(&mut eng, &ctx(), retention(100)).unwrap_err();
    assert!(err.to_string().contains("can not be longer than existing retention period (24 hours)"), "{err}");
}

#[test]
fn creating_and_deleting_follow_the_clock() {
    let (mut eng, clock) = engine();
    eng.settings.kinesis.create_delay_ms = 500;
    eng.settings.kinesis.delete_delay_ms = 500;
    create(&mut eng, "s", 2);
    let status = |eng: &mut Engine| {
        streams::describe_summary(eng, &ctx(), by_name("s")).map(|o| o.stream_description_summary.stream_status)
    };
    assert_eq!(status(&mut eng).unwrap(), "CREATING");
    assert!(records::put_record(
        &mut eng,
        &ctx(),
        PutRecordInput {
            stream_name: Some("s".into()),
            stream_arn: None,
            data: vec![1],
            partition_key: "k".into(),
            explicit_hash_key: None,
            sequence_number_for_ordering: None
        }
    )
    .is_err());
    clock.advance(500);
    assert_eq!(status(&mut eng).unwrap(), "ACTIVE");
    streams::delete(&mut eng, &ctx(), DeleteStreamInput { stream: by_name("s"), enforce_consumer_deletion: None })
        .unwrap();
    assert_eq!(status(&mut eng).unwrap(), "DELETING");
    clock.advance(500);
    assert!(matches!(status(&mut eng), Err(StateError::NotFound(_))));
    maintenance::run(&mut eng).unwrap();
    let n: i64 = eng.conn.query_row("SELECT COUNT(*) FROM streams", [], |r| r.get(0)).unwrap();
    assert_eq!(n, 0);
}

#[test]
fn failed_jobs_leave_no_trace() {
    let (mut eng, _clock) = engine();
    create(&mut eng, "s", 1);
    let before = eng.kinesis.next_seq;
    let r = eng.in_savepoint(|eng| -> Result<(), StateError> {
        put(eng, "s", "k", b"x");
        Err(StateError::InvalidArgument("boom".into()))
    });
    assert!(r.is_err());
    let n: i64 = eng.conn.query_row("SELECT COUNT(*) FROM records", [], |r| r.get(0)).unwrap();
    assert_eq!(n, 0);
    assert_eq!(eng.kinesis.next_seq, before);
}

#[test]
fn shard_limit_and_duplicates() {
    let (mut eng, _clock) = engine();
    eng.settings.kinesis.shard_limit = 3;
    create(&mut eng, "a", 2);
    let err = streams::create(
        &mut eng,
        &ctx(),
        CreateStreamInput {
            stream_name: "b".into(),
            shard_count: Some(2),
            stream_mode_details: None,
            tags: None,
            max_record_size_in_kib: None,
            warm_throughput_mibps: None,
        },
    )
    .unwrap_err();
    assert!(
        matches!(&err, StateError::LimitExceeded(m) if m.contains("Current shard count for the account: 2. Limit: 3."))
    );
    let err = streams::create(
        &mut eng,
        &ctx(),
        CreateStreamInput {
            stream_name: "a".into(),
            shard_count: Some(1),
            stream_mode_details: None,
            tags: None,
            max_record_size_in_kib: None,
            warm_throughput_mibps: None,
        },
    )
    .unwrap_err();
    assert_eq!(err.to_string(), "Stream a under account 000000000000 already exists.");
}

#[test]
fn parent_end_reports_children_and_children_sort_after() {
    let (mut eng, _clock) = engine();
    create(&mut eng, "s", 1);
    let before = put(&mut eng, "s", "k", b"p").sequence_number;
    reshard::split(
        &mut eng,
        &ctx(),
        SplitShardInput {
            stream: by_name("s"),
            shard_to_split: "shardId-000000000000".into(),
            new_starting_hash_key: (1u128 << 127).to_string(),
        },
    )
    .unwrap();
    let after = put(&mut eng, "s", "k", b"c");
    assert!(after.sequence_number > before);
    assert_ne!(after.shard_id, "shardId-000000000000");
    let it = iterator(&mut eng, "s", "shardId-000000000000", "TRIM_HORIZON", None).unwrap();
    let out = get(&mut eng, &it).unwrap();
    assert_eq!(out.records.len(), 1);
    assert!(out.next_shard_iterator.is_none());
    let children: Vec<String> = out.child_shards.unwrap().into_iter().map(|c| c.shard_id).collect();
    assert_eq!(children, vec!["shardId-000000000001", "shardId-000000000002"]);
    let m = existing(&mut eng, &ctx(), "s").unwrap();
    let parent = shards::to_wire(&m, m.shard(0).unwrap());
    assert!(parent.sequence_number_range.ending_sequence_number.unwrap() < after.sequence_number);
}

#[test]
fn empty_closed_parents_end_at_once() {
    let (mut eng, _clock) = engine();
    create(&mut eng, "s", 2);
    // The last write before the merge goes to shard 1, so shard 0's ending number is not one
    // of its own records; shard 0 never held a record at all.
    let hash_for_shard1 = (u128::MAX / 2 + 10).to_string();
    records::put_record(
        &mut eng,
        &ctx(),
        PutRecordInput {
            stream_name: Some("s".into()),
            stream_arn: None,
            data: vec![1],
            partition_key: "k".into(),
            explicit_hash_key: Some(hash_for_shard1),
            sequence_number_for_ordering: None,
        },
    )
    .unwrap();
    reshard::merge(
        &mut eng,
        &ctx(),
        MergeShardsInput {
            stream: by_name("s"),
            shard_to_merge: "shardId-000000000000".into(),
            adjacent_shard_to_merge: "shardId-000000000001".into(),
        },
    )
    .unwrap();
    for (shard, expect) in [("shardId-000000000000", 0), ("shardId-000000000001", 1)] {
        let it = iterator(&mut eng, "s", shard, "TRIM_HORIZON", None).unwrap();
        let out = get(&mut eng, &it).unwrap();
        assert_eq!(out.records.len(), expect, "{shard}");
        assert!(out.next_shard_iterator.is_none(), "{shard} ends at once");
        assert_eq!(out.child_shards.unwrap()[0].shard_id, "shardId-000000000002");
        let latest = iterator(&mut eng, "s", shard, "LATEST", None).unwrap();
        assert!(get(&mut eng, &latest).unwrap().child_shards.is_some());
    }
}

#[test]
fn counters_never_go_back_across_restarts_even_after_trimming_everything() {
    let dir = std::env::temp_dir().join(format!("kinesin-test-{}", uuid::Uuid::new_v4()));
    let clock = crate::ManualClock::new(1_767_225_600_000);
    let storage = crate::Storage::Durable(dir.clone());
    let open = || Engine::open(&storage, std::sync::Arc::new(clock.clone()), crate::Settings::default()).unwrap();
    let mut eng = open();
    create(&mut eng, "s", 1);
    let last = (0..3).map(|i| put(&mut eng, "s", "k", &[i]).sequence_number).last().unwrap();
    drop(eng);
    let mut eng = open();
    let after_restart = put(&mut eng, "s", "k", b"x").sequence_number;
    assert!(after_restart > last);
    clock.advance(25 * 3_600_000);
    maintenance::run(&mut eng).unwrap();
    let n: i64 = eng.conn.query_row("SELECT COUNT(*) FROM records", [], |r| r.get(0)).unwrap();
    assert_eq!(n, 0, "everything expired");
    drop(eng);
    let mut eng = open();
    assert!(put(&mut eng, "s", "k", b"y").sequence_number > after_restart);
    drop(eng);
    let _ = std::fs::remove_dir_all(dir);
}

#[test]
fn records_keep_the_encryption_they_were_written_with() {
    let (mut eng, clock) = engine();
    create(&mut eng, "s", 1);
    let enc = |kind: &str| StreamEncryptionInput {
        stream: by_name("s"),
        encryption_type: kind.into(),
        key_id: "alias/aws/kinesis".into(),
    };
    put(&mut eng, "s", "k", b"before");
    settings::start_encryption(&mut eng, &ctx(), enc("KMS")).unwrap();
    clock.advance(1);
    assert_eq!(put(&mut eng, "s", "k", b"during").encryption_type, "KMS");
    settings::stop_encryption(&mut eng, &ctx(), enc("KMS")).unwrap();
    clock.advance(1);
    put(&mut eng, "s", "k", b"after");
    let it = iterator(&mut eng, "s", "shardId-000000000000", "TRIM_HORIZON", None).unwrap();
    let kinds: Vec<Option<String>> =
        get(&mut eng, &it).unwrap().records.into_iter().map(|r| r.encryption_type).collect();
    assert_eq!(kinds, vec![None, Some("KMS".to_string()), None]);
}

#[test]
fn put_records_writes_every_entry_in_order_across_insert_chunks() {
    let (mut eng, _clock) = engine();
    create(&mut eng, "s", 4);
    // Not a multiple of the chunk size: full multi-row INSERTs and single-row ones.
    let n = 2 * records::INSERT_CHUNK + 37;
    let input = PutRecordsInput {
        stream_name: Some("s".into()),
        stream_arn: None,
        records: (0..n)
            .map(|i| PutRecordsEntry {
                data: (i as u32).to_be_bytes().to_vec(),
                partition_key: format!("key-{}", i % 13),
                explicit_hash_key: None,
            })
            .collect(),
    };
    let out = serde_json::to_value(records::put_records(&mut eng, &ctx(), input.into()).unwrap()).unwrap();
    let answers = out["Records"].as_array().unwrap();
    assert_eq!((out["FailedRecordCount"].as_u64(), answers.len()), (Some(0), n));
    let mut read = Vec::new();
    for shard in 0..4 {
        let id = format!("shardId-{shard:012}");
        let it = iterator(&mut eng, "s", &id, "TRIM_HORIZON", None).unwrap();
        let got = get(&mut eng, &it).unwrap().records;
        let seqs: Vec<&String> = got.iter().map(|r| &r.sequence_number).collect();
        assert!(seqs.windows(2).all(|w| w[0] < w[1]), "{id} in order");
        for r in got {
            let i = u32::from_be_bytes(r.data[..4].try_into().unwrap()) as usize;
            assert_eq!(r.partition_key, format!("key-{}", i % 13));
            assert_eq!(answers[i]["ShardId"], id.as_str(), "entry {i} routed as answered");
            assert_eq!(answers[i]["SequenceNumber"], r.sequence_number.as_str(), "entry {i}");
            read.push(i);
        }
    }
    read.sort_unstable();
    assert_eq!(read, (0..n).collect::<Vec<_>>(), "every entry stored once");
}

#[test]
fn put_records_serializes_as_its_output_shape() {
    let (mut eng, _clock) = engine();
    create(&mut eng, "s", 2);
    let input = PutRecordsInput {
        stream_name: Some("s".into()),
        stream_arn: None,
        records: (0..5)
            .map(|i| PutRecordsEntry { data: vec![i], partition_key: format!("k{i}"), explicit_hash_key: None })
            .collect(),
    };
    let written = records::put_records(&mut eng, &ctx(), input.into()).unwrap();
    let fields = |v: &serde_json::Value| v.as_object().unwrap().keys().cloned().collect::<Vec<_>>();
    let json = serde_json::to_value(&written).unwrap();
    assert_eq!(fields(&json), ["FailedRecordCount", "Records", "EncryptionType"]);
    assert_eq!((json["FailedRecordCount"].as_u64(), json["EncryptionType"].as_str()), (Some(0), Some("NONE")));
    for entry in json["Records"].as_array().unwrap() {
        assert_eq!(fields(entry), ["SequenceNumber", "ShardId"]);
        assert!(seqnum::parse(entry["SequenceNumber"].as_str().unwrap()).is_some());
    }
}

mod fidelity;

/// Runs Kinesis operation `name` through its table and holds the answer to the model.
fn checked(eng: &mut Engine, name: &str, doc: serde_json::Value) -> serde_json::Value {
    let op = api::Op::parse(name).expect("a Kinesis operation");
    op.visit(crate::service::Checked { eng, caller: &ctx(), doc }).unwrap_or_else(|e| panic!("{name}: {e:?}"))
}

#[test]
fn every_answer_is_spelled_as_the_model_says() {
    use serde_json::json;
    let (mut eng, _clock) = engine();
    let s = json!({"StreamName": "s"});
    checked(&mut eng, "CreateStream", json!({"StreamName": "s", "ShardCount": 2}));
    checked(&mut eng, "AddTagsToStream", json!({"StreamName": "s", "Tags": {"a": "1"}}));
    let put = checked(&mut eng, "PutRecord", json!({"StreamName": "s", "Data": "aGk=", "PartitionKey": "k"}));
    let entries = json!([{"Data": "aGk=", "PartitionKey": "k"}, {"Data": "aG8=", "PartitionKey": "j"}]);
    checked(&mut eng, "PutRecords", json!({"StreamName": "s", "Records": entries}));
    let shard = put["ShardId"].clone();
    let it = checked(
        &mut eng,
        "GetShardIterator",
        json!({"StreamName": "s", "ShardId": shard, "ShardIteratorType": "TRIM_HORIZON"}),
    );
    let got = checked(&mut eng, "GetRecords", json!({"ShardIterator": it["ShardIterator"]}));
    assert!(!got["Records"].as_array().unwrap().is_empty());
    for (name, doc) in [
        ("DescribeStream", s.clone()),
        ("DescribeStreamSummary", s.clone()),
        ("ListStreams", json!({})),
        ("ListShards", s.clone()),
        ("ListTagsForStream", s.clone()),
        ("DescribeLimits", json!({})),
        ("EnableEnhancedMonitoring", json!({"StreamName": "s", "ShardLevelMetrics": ["IncomingBytes"]})),
        ("IncreaseStreamRetentionPeriod", json!({"StreamName": "s", "RetentionPeriodHours": 48})),
        ("StartStreamEncryption", json!({"StreamName": "s", "EncryptionType": "KMS", "KeyId": "alias/aws/kinesis"})),
    ] {
        checked(&mut eng, name, doc);
    }
    let arn = checked(&mut eng, "DescribeStreamSummary", s.clone())["StreamDescriptionSummary"]["StreamARN"].clone();
    let c = checked(&mut eng, "RegisterStreamConsumer", json!({"StreamARN": arn, "ConsumerName": "c"}));
    checked(&mut eng, "DescribeStreamConsumer", json!({"ConsumerARN": c["Consumer"]["ConsumerARN"]}));
    checked(&mut eng, "ListStreamConsumers", json!({"StreamARN": arn}));
    checked(&mut eng, "DeleteStream", json!({"StreamName": "s", "EnforceConsumerDeletion": true}));
}
