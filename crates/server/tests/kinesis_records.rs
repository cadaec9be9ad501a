//! End-to-end tests of the Kinesis data plane through the real AWS SDK.

mod common;

use aws_sdk_kinesis::primitives::{Blob, DateTime};
use aws_sdk_kinesis::types::{PutRecordsRequestEntry, Record, ShardIteratorType};
use aws_sdk_kinesis::Client;
use common::{api_err, client, create_stream, shard_ranges, Server};
use md5::{Digest, Md5};
use std::cmp::Ordering;
use std::collections::{BTreeMap, HashSet};

fn md5_hash(key: &str) -> u128 {
    u128::from_be_bytes(Md5::digest(key.as_bytes()).into())
}

fn shard_for(ranges: &[(String, u128, u128)], hash: u128) -> String {
    ranges
        .iter()
        .find(|(_, s, e)| *s <= hash && hash <= *e)
        .map(|(id, _, _)| id.clone())
        .expect("some shard covers every hash")
}

/// Compares two sequence numbers as unsigned big integers.
fn seq_cmp(a: &str, b: &str) -> Ordering {
    for s in [a, b] {
        assert!(!s.is_empty() && s.bytes().all(|c| c.is_ascii_digit()), "not a decimal sequence number: {s:?}");
    }
    let (a, b) = (a.trim_start_matches('0'), b.trim_start_matches('0'));
    a.len().cmp(&b.len()).then_with(|| a.cmp(b))
}

fn text(r: &Record) -> String {
    String::from_utf8(r.data().as_ref().to_vec()).expect("utf-8 data")
}

async fn iterator(
    c: &Client,
    stream: &str,
    shard: &str,
    kind: ShardIteratorType,
    seq: Option<&str>,
    ts: Option<DateTime>,
) -> String {
    c.get_shard_iterator()
        .stream_name(stream)
        .shard_id(shard)
        .shard_iterator_type(kind)
        .set_starting_sequence_number(seq.map(str::to_owned))
        .set_timestamp(ts)
        .send()
        .await
        .unwrap_or_else(|e| panic!("GetShardIterator: {e:?}"))
        .shard_iterator()
        .expect("ShardIterator")
        .to_string()
}

/// Reads from `it` until a read returns nothing.
async fn drain(c: &Client, mut it: String) -> Vec<Record> {
    let mut out = Vec::new();
    for _ in 0..1000 {
        let r = c.get_records().shard_iterator(&it).send().await.unwrap();
        if r.records().is_empty() {
            return out;
        }
        out.extend(r.records().iter().cloned());
        it = r.next_shard_iterator().expect("open shard has a next iterator").into();
    }
    panic!("shard never drained");
}

async fn read_shard(c: &Client, stream: &str, shard: &str) -> Vec<Record> {
    let it = iterator(c, stream, shard, ShardIteratorType::TrimHorizon, None, None).await;
    drain(c, it).await
}

async fn put(c: &Client, stream: &str, key: &str, data: &str) -> (String, String) {
    let out = c
        .put_record()
        .stream_name(stream)
        .partition_key(key)
        .data(Blob::new(data))
        .send()
        .await
        .unwrap_or_else(|e| panic!("PutRecord: {e:?}"));
    (out.shard_id().to_string(), out.sequence_number().to_string())
}

#[tokio::test]
async fn put_record_routes_by_md5_of_partition_key() {
    let server = Server::start();
    let c = client(&server);
    create_stream(&c, "route", 4).await;
    let ranges = shard_ranges(&c, "route").await;
    let mut hit = HashSet::new();
    for i in 0..40 {
        let key = format!("key-{i}");
        let (shard, _) = put(&c, "route", &key, "x").await;
        assert_eq!(shard, shard_for(&ranges, md5_hash(&key)), "key {key}");
        hit.insert(shard);
    }
    assert!(hit.len() >= 3, "40 keys spread over several shards: {hit:?}");
}

#[tokio::test]
async fn explicit_hash_key_routes_and_is_range_checked() {
    let server = Server::start();
    let c = client(&server);
    create_stream(&c, "ehk", 4).await;
    let ranges = shard_ranges(&c, "ehk").await;
    for (id, start, end) in &ranges {
        for h in [*start, *end] {
            let out = c
                .put_record()
                .stream_name("ehk")
                .partition_key("same-key-always")
                .explicit_hash_key(h.to_string())
                .data(Blob::new("x"))
                .send()
                .await
                .unwrap();
            assert_eq!(out.shard_id(), id, "hash {h}");
        }
    }
    let too_big = "340282366920938463463374607431768211456"; // 2^128
    let e = api_err(
        c.put_record()
            .stream_name("ehk")
            .partition_key("k")
            .explicit_hash_key(too_big)
            .data(Blob::new("x"))
            .send()
            .await,
    );
    assert_eq!(e.code, "InvalidArgumentException");
    assert_eq!(
        e.message,
        format!(
            "Invalid ExplicitHashKey. ExplicitHashKey must be in the range: [0, 2^128-1]. \
             Specified value was {too_big}"
        )
    );
    let e = api_err(
        c.put_records()
            .stream_name("ehk")
            .records(PutRecordsRequestEntry::builder().partition_key("k").data(Blob::new("ok")).build().unwrap())
            .records(
                PutRecordsRequestEntry::builder()
                    .partition_key("k")
                    .explicit_hash_key(too_big)
                    .data(Blob::new("bad"))
                    .build()
                    .unwrap(),
            )
            .send()
            .await,
    );
    assert_eq!(e.code, "InvalidArgumentException");
    let total: usize = {
        let mut n = 0;
        for (id, _, _) in &ranges {
            n += read_shard(&c, "ehk", id).await.len();
        }
        n
    };
    assert_eq!(total, 8, "the rejected PutRecords wrote nothing");
}

#[tokio::test]
async fn sequence_numbers_increase_and_honour_ordering_hint() {
    let server = Server::start();
    let c = client(&server);
    create_stream(&c, "seq", 3).await;
    let mut by_shard: BTreeMap<String, Vec<String>> = BTreeMap::new();
    for i in 0..60 {
        let (shard, seq) = put(&c, "seq", &format!("k{}", i % 7), "x").await;
        by_shard.entry(shard).or_default().push(seq);
    }
    assert!(by_shard.len() >= 2);
    for (shard, seqs) in &by_shard {
        for w in seqs.windows(2) {
            assert_eq!(seq_cmp(&w[0], &w[1]), Ordering::Less, "{shard}: {} !< {}", w[0], w[1]);
            assert_eq!(w[0].len(), w[1].len(), "same-length decimal strings");
        }
    }
    let (_, first) = put(&c, "seq", "ordered", "a").await;
    let second = c
        .put_record()
        .stream_name("seq")
        .partition_key("ordered")
        .sequence_number_for_ordering(&first)
        .data(Blob::new("b"))
        .send()
        .await
        .unwrap();
    assert_eq!(seq_cmp(&first, second.sequence_number()), Ordering::Less);
    // A small number is an old (version 0) sequence number to AWS: taken, ordering nothing.
    let small =
        c.put_record().stream_name("seq").partition_key("o").sequence_number_for_ordering("123").data(Blob::new("c"));
    small.send().await.unwrap();
    // One AWS cannot decode (a version-0 number whose date is too large) is refused.
    let bad = "26227199374822427428162556223570313216";
    let e = api_err(
        c.put_record()
            .stream_name("seq")
            .partition_key("ordered")
            .sequence_number_for_ordering(bad)
            .data(Blob::new("c"))
            .send()
            .await,
    );
    assert_eq!(e.code, "InvalidArgumentException");
    assert_eq!(
        e.message,
        format!("ExclusiveMinimumSequenceNumber {bad} used in PutRecord on stream seq under account 000000000000 is invalid.")
    );
}

#[tokio::test]
async fn put_records_500_keeps_per_shard_order() {
    let server = Server::start();
    let c = client(&server);
    create_stream(&c, "bulk", 4).await;
    let ranges = shard_ranges(&c, "bulk").await;
    let entries: Vec<PutRecordsRequestEntry> = (0..500)
        .map(|i| {
            PutRecordsRequestEntry::builder()
                .partition_key(format!("pk-{}", i % 37))
                .data(Blob::new(format!("rec-{i}")))
                .build()
                .unwrap()
        })
        .collect();
    let out = c.put_records().stream_name("bulk").set_records(Some(entries)).send().await.unwrap();
    assert_eq!(out.failed_record_count(), Some(0));
    assert_eq!(out.records().len(), 500);
    let mut expected: BTreeMap<String, Vec<(String, String)>> = BTreeMap::new();
    for (i, r) in out.records().iter().enumerate() {
        assert!(r.error_code().is_none());
        let shard = r.shard_id().expect("ShardId").to_string();
        assert_eq!(shard, shard_for(&ranges, md5_hash(&format!("pk-{}", i % 37))));
        let seq = r.sequence_number().expect("SequenceNumber").to_string();
        expected.entry(shard).or_default().push((seq, format!("rec-{i}")));
    }
    assert!(expected.len() >= 3);
    let mut total = 0;
    for (id, _, _) in &ranges {
        let got: Vec<(String, String)> =
            read_shard(&c, "bulk", id).await.iter().map(|r| (r.sequence_number().to_string(), text(r))).collect();
        total += got.len();
        assert_eq!(&got, expected.get(id).unwrap_or(&Vec::new()), "shard {id}");
    }
    assert_eq!(total, 500);
}

#[tokio::test]
async fn shard_iterator_types() {
    let server = Server::with_args(&["--time-travel"]);
    let c = client(&server);
    create_stream(&c, "its", 1).await;
    let shard = "shardId-000000000000";
    let latest = iterator(&c, "its", shard, ShardIteratorType::Latest, None, None).await;
    let (_, s0) = put(&c, "its", "k", "r0").await;
    let (_, s1) = put(&c, "its", "k", "r1").await;
    let t = server.advance_clock(10_000);
    let (_, _s2) = put(&c, "its", "k", "r2").await;
    let (_, _s3) = put(&c, "its", "k", "r3").await;
    let data = |v: Vec<Record>| v.iter().map(text).collect::<Vec<_>>();

    let all = data(read_shard(&c, "its", shard).await);
    assert_eq!(all, ["r0", "r1", "r2", "r3"]);
    assert_eq!(data(drain(&c, latest).await), ["r0", "r1", "r2", "r3"]);
    let latest_now = iterator(&c, "its", shard, ShardIteratorType::Latest, None, None).await;
    put(&c, "its", "k", "r4").await;
    assert_eq!(data(drain(&c, latest_now).await), ["r4"]);

    let at = iterator(&c, "its", shard, ShardIteratorType::AtSequenceNumber, Some(&s1), None);
    assert_eq!(data(drain(&c, at.await).await), ["r1", "r2", "r3", "r4"]);
    let after = iterator(&c, "its", shard, ShardIteratorType::AfterSequenceNumber, Some(&s0), None);
    assert_eq!(data(drain(&c, after.await).await), ["r1", "r2", "r3", "r4"]);
    let after1 = iterator(&c, "its", shard, ShardIteratorType::AfterSequenceNumber, Some(&s1), None);
    assert_eq!(data(drain(&c, after1.await).await), ["r2", "r3", "r4"]);

    let ts = |ms: i64| Some(DateTime::from_millis(ms));
    for (when, want) in
        [(t - 5_000, vec!["r2", "r3", "r4"]), (t, vec!["r2", "r3", "r4"]), (0, vec!["r0", "r1", "r2", "r3", "r4"])]
    {
        let it = iterator(&c, "its", shard, ShardIteratorType::AtTimestamp, None, ts(when)).await;
        assert_eq!(data(drain(&c, it).await), want, "AT_TIMESTAMP {when}");
    }

    let get = |kind: ShardIteratorType, seq: Option<&str>, when: Option<DateTime>| {
        c.get_shard_iterator()
            .stream_name("its")
            .shard_id(shard)
            .shard_iterator_type(kind)
            .set_starting_sequence_number(seq.map(str::to_owned))
            .set_timestamp(when)
            .send()
    };
    let must = "Must either specify (1) AT_SEQUENCE_NUMBER or AFTER_SEQUENCE_NUMBER and \
                StartingSequenceNumber or (2) TRIM_HORIZON or LATEST and no \
                StartingSequenceNumber. Request specified";
    let e = api_err(get(ShardIteratorType::AtSequenceNumber, None, None).await);
    assert_eq!(e.code, "InvalidArgumentException");
    assert_eq!(e.message, format!("{must} AT_SEQUENCE_NUMBER and no StartingSequenceNumber."));
    let e = api_err(get(ShardIteratorType::TrimHorizon, Some(&s0), None).await);
    assert_eq!(e.code, "InvalidArgumentException");
    assert_eq!(e.message, format!("{must} TRIM_HORIZON and also a StartingSequenceNumber."));
    let e = api_err(get(ShardIteratorType::AtTimestamp, None, None).await);
    assert_eq!(e.code, "InvalidArgumentException");
    assert_eq!(
        e.message,
        "Must specify timestampInMillis parameter for iterator of type AT_TIMESTAMP. Current \
         request has no timestamp parameter."
    );
    let future = t + 3_600_000;
    let e = api_err(get(ShardIteratorType::AtTimestamp, None, ts(future)).await);
    assert_eq!(e.code, "InvalidArgumentException");
    assert!(
        e.message.starts_with(&format!(
            "The timestampInMillis parameter cannot be greater than the \
             currentTimestampInMillis. timestampInMillis: {future}, currentTimestampInMillis: "
        )),
        "{}",
        e.message
    );
    let e = api_err(
        c.get_shard_iterator()
            .stream_name("its")
            .shard_id("shardId-000000000009")
            .shard_iterator_type(ShardIteratorType::TrimHorizon)
            .send()
            .await,
    );
    assert_eq!(e.code, "ResourceNotFoundException");
    assert_eq!(e.message, "Shard shardId-000000000009 in stream its under account 000000000000 does not exist");
}

#[tokio::test]
async fn get_records_limit_chaining_and_millis_behind() {
    let server = Server::with_args(&["--time-travel"]);
    let c = client(&server);
    create_stream(&c, "chain", 1).await;
    let shard = "shardId-000000000000";
    let mut fresh = iterator(&c, "chain", shard, ShardIteratorType::TrimHorizon, None, None).await;
    let empty = c.get_records().shard_iterator(&fresh).send().await.unwrap();
    assert!(empty.records().is_empty());
    assert_eq!(empty.millis_behind_latest(), Some(0));
    let next = empty.next_shard_iterator().expect("open shard gives a next iterator");
    assert!(!next.is_empty());
    fresh = next.to_string();

    for i in 0..10 {
        put(&c, "chain", "k", &format!("r{i}")).await;
    }
    server.advance_clock(60_000);
    let mut it = fresh;
    let mut got = Vec::new();
    let mut sizes = Vec::new();
    loop {
        let r = c.get_records().shard_iterator(&it).limit(3).send().await.unwrap();
        sizes.push(r.records().len());
        got.extend(r.records().iter().map(text));
        let behind = r.millis_behind_latest().expect("MillisBehindLatest");
        if got.len() < 10 {
            assert!(behind >= 60_000, "records remain, yet MillisBehindLatest = {behind}");
        } else {
            assert_eq!(behind, 0, "caught up");
        }
        it = r.next_shard_iterator().unwrap().to_string();
        if r.records().is_empty() {
            break;
        }
        assert!(sizes.len() < 10);
    }
    assert_eq!(sizes, [3, 3, 3, 1, 0]);
    let want: Vec<String> = (0..10).map(|i| format!("r{i}")).collect();
    assert_eq!(got, want);
    // The last NextShardIterator still follows the shard.
    put(&c, "chain", "k", "late").await;
    let r = c.get_records().shard_iterator(&it).send().await.unwrap();
    assert_eq!(r.records().iter().map(text).collect::<Vec<_>>(), ["late"]);
}

#[tokio::test]
async fn iterator_errors() {
    let server = Server::with_args(&["--time-travel"]);
    let c = client(&server);
    create_stream(&c, "iterr", 2).await;
    let e = api_err(c.get_records().shard_iterator("not-an-iterator").send().await);
    assert_eq!(e.code, "InvalidArgumentException");
    assert_eq!(e.message, "Invalid ShardIterator.");

    let good = iterator(&c, "iterr", "shardId-000000000000", ShardIteratorType::TrimHorizon, None, None).await;
    let mut tampered: Vec<u8> = good.clone().into_bytes();
    let mid = tampered.len() / 2;
    tampered[mid] = if tampered[mid] == b'A' { b'B' } else { b'A' };
    let e = api_err(c.get_records().shard_iterator(String::from_utf8(tampered).unwrap()).send().await);
    assert_eq!((e.code.as_str(), e.message.as_str()), ("InvalidArgumentException", "Invalid ShardIterator."));

    // A sequence number of shard 0 used on shard 1.
    let out = c
        .put_record()
        .stream_name("iterr")
        .partition_key("k")
        .explicit_hash_key("0")
        .data(Blob::new("x"))
        .send()
        .await
        .unwrap();
    assert_eq!(out.shard_id(), "shardId-000000000000");
    let e = api_err(
        c.get_shard_iterator()
            .stream_name("iterr")
            .shard_id("shardId-000000000001")
            .shard_iterator_type(ShardIteratorType::AtSequenceNumber)
            .starting_sequence_number(out.sequence_number())
            .send()
            .await,
    );
    assert_eq!(e.code, "InvalidArgumentException");
    assert_eq!(
        e.message,
        "Invalid StartingSequenceNumber. It encodes shardId-000000000000, while it was used in \
         a call to a shard with shardId-000000000001"
    );

    // Still valid before the 300 s expiry, expired after it.
    server.advance_clock(290_000);
    let r = c.get_records().shard_iterator(&good).send().await.unwrap();
    assert_eq!(r.records().len(), 1);
    server.advance_clock(11_000);
    let e = api_err(c.get_records().shard_iterator(&good).send().await);
    assert_eq!(e.code, "ExpiredIteratorException");
    assert!(e.message.starts_with("Iterator expired. The iterator was created at time "), "{}", e.message);
    assert!(e.message.ends_with("tolerated delay of 300000 milliseconds."), "{}", e.message);
}

#[tokio::test]
async fn validation_and_size_limits() {
    let server = Server::start();
    let c = client(&server);
    create_stream(&c, "val", 1).await;
    let put_raw =
        |key: String, data: Vec<u8>| c.put_record().stream_name("val").partition_key(key).data(Blob::new(data)).send();
    let e = api_err(put_raw("k".repeat(257), b"x".to_vec()).await);
    assert_eq!(e.code, "ValidationException");
    assert!(e.message.contains("failed to satisfy constraint"), "{}", e.message);
    assert!(e.message.contains("partitionKey"), "{}", e.message);
    put_raw("k".repeat(256), b"x".to_vec()).await.expect("256-char key is fine");

    let e = api_err(
        c.put_records()
            .stream_name("val")
            .records(PutRecordsRequestEntry::builder().partition_key("").data(Blob::new("x")).build().unwrap())
            .send()
            .await,
    );
    assert_eq!(e.code, "ValidationException");
    assert!(e.message.contains("failed to satisfy constraint"), "{}", e.message);

    const MIB: usize = 1024 * 1024;
    let e = api_err(put_raw("k".into(), vec![b'z'; MIB + 1]).await);
    assert_eq!(e.code, "ValidationException");
    assert!(e.message.contains("failed to satisfy constraint"), "{}", e.message);
    assert!(put_raw("k".into(), vec![b'z'; MIB]).await.is_err(), "data plus partition key must not exceed 1 MiB");
    // Data plus the 1-byte partition key is exactly 1 MiB.
    let big: Vec<u8> = (0..MIB - 1).map(|i| (i % 251) as u8).collect();
    put_raw("k".into(), big.clone()).await.expect("a 1 MiB record is accepted");
    let recs = read_shard(&c, "val", "shardId-000000000000").await;
    assert_eq!(recs.len(), 2);
    assert_eq!(recs[1].data().as_ref(), &big[..]);
}

#[tokio::test]
async fn concurrent_writers_lose_and_duplicate_nothing() {
    let server = Server::start();
    let c = client(&server);
    create_stream(&c, "conc", 2).await;
    let mut tasks = Vec::new();
    for t in 0..8 {
        let c = c.clone();
        tasks.push(tokio::spawn(async move {
            let mut seqs = Vec::new();
            for i in 0..50 {
                let (_, seq) = put(&c, "conc", &format!("t{t}-{i}"), &format!("t{t}-{i}")).await;
                seqs.push(seq);
            }
            seqs
        }));
    }
    let mut acked = HashSet::new();
    for task in tasks {
        for seq in task.await.unwrap() {
            assert!(acked.insert(seq), "duplicate sequence number acknowledged");
        }
    }
    assert_eq!(acked.len(), 400);

    let mut seen = HashSet::new();
    let mut read_seqs = HashSet::new();
    for shard in ["shardId-000000000000", "shardId-000000000001"] {
        let recs = read_shard(&c, "conc", shard).await;
        // Each writer wrote in order, so its records on one shard are in order.
        let mut last: BTreeMap<String, i32> = BTreeMap::new();
        for r in &recs {
            let d = text(r);
            assert!(seen.insert(d.clone()), "record {d} read twice");
            read_seqs.insert(r.sequence_number().to_string());
            let (task, i) = d.split_once('-').unwrap();
            let i: i32 = i.parse().unwrap();
            let prev = last.insert(task.to_string(), i).unwrap_or(-1);
            assert!(prev < i, "{task}: {i} after {prev} on {shard}");
        }
        for w in recs.windows(2) {
            assert_eq!(seq_cmp(w[0].sequence_number(), w[1].sequence_number()), Ordering::Less);
        }
    }
    assert_eq!(seen.len(), 400, "every record is read back once");
    assert_eq!(read_seqs, acked, "read sequence numbers equal the acknowledged ones");
}
