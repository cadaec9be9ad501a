//! End-to-end tests of the Kinesis control plane through the real AWS SDK.

mod common;

use aws_sdk_kinesis::primitives::Blob;
use aws_sdk_kinesis::types::{
    EncryptionType, ShardFilter, ShardFilterType, ShardIteratorType, StreamMode, StreamModeDetails, StreamStatus,
};
use aws_sdk_kinesis::Client;
use common::{api_err, client, client_for, create_stream, Server};
use std::time::{Duration, Instant};

const TWO_128: u128 = u128::MAX; // 2^128 - 1, the last hash key

fn not_found(name: &str, account: &str) -> String {
    format!("Stream {name} under account {account} not found.")
}

async fn describe(c: &Client, name: &str) -> aws_sdk_kinesis::types::StreamDescription {
    c.describe_stream()
        .stream_name(name)
        .send()
        .await
        .expect("describe")
        .stream_description()
        .expect("StreamDescription")
        .clone()
}

async fn summary(c: &Client, name: &str) -> aws_sdk_kinesis::types::StreamDescriptionSummary {
    c.describe_stream_summary()
        .stream_name(name)
        .send()
        .await
        .expect("describe summary")
        .stream_description_summary()
        .expect("StreamDescriptionSummary")
        .clone()
}

fn ranges(shards: &[aws_sdk_kinesis::types::Shard]) -> Vec<(u128, u128)> {
    shards
        .iter()
        .map(|s| {
            let r = s.hash_key_range().expect("range");
            (r.starting_hash_key().parse().unwrap(), r.ending_hash_key().parse().unwrap())
        })
        .collect()
}

/// The ranges start at 0, end at 2^128-1, touch, and have equal widths (give or take one).
fn assert_even_cover(r: &[(u128, u128)]) {
    assert_eq!(r.first().unwrap().0, 0);
    assert_eq!(r.last().unwrap().1, TWO_128);
    for w in r.windows(2) {
        assert_eq!(w[0].1 + 1, w[1].0, "ranges must be contiguous: {r:?}");
    }
    let ideal = TWO_128 / r.len() as u128;
    for (s, e) in r {
        let width = e - s;
        assert!(width.abs_diff(ideal) <= 1, "uneven range {s}..{e} in {r:?}");
    }
}

#[tokio::test]
async fn health_endpoint_reports_ok() {
    let server = Server::start();
    let (status, body) = server.raw("GET", "/_kinesin/health");
    assert_eq!(status, 200);
    assert!(body.contains("\"status\":\"ok\""), "{body}");
    assert!(body.contains("\"version\":\"0.1.0\""), "{body}");
    assert!(body.contains("ephemeral"), "{body}");
}

#[tokio::test]
async fn create_provisioned_with_tags_and_describe() {
    let server = Server::start();
    let c = client(&server);
    c.create_stream()
        .stream_name("orders")
        .shard_count(3)
        .tags("team", "data")
        .tags("env", "test")
        .send()
        .await
        .unwrap();
    let d = describe(&c, "orders").await;
    assert_eq!(d.stream_name(), "orders");
    assert_eq!(d.stream_arn(), "arn:aws:kinesis:us-east-1:000000000000:stream/orders");
    assert_eq!(d.stream_status(), &StreamStatus::Active);
    assert_eq!(d.retention_period_hours(), 24);
    assert_eq!(d.encryption_type(), Some(&EncryptionType::None));
    assert_eq!(d.stream_mode_details().map(|m| m.stream_mode()), Some(&StreamMode::Provisioned));
    assert!(!d.has_more_shards());
    let ids: Vec<&str> = d.shards().iter().map(|s| s.shard_id()).collect();
    assert_eq!(ids, ["shardId-000000000000", "shardId-000000000001", "shardId-000000000002"]);
    for s in d.shards() {
        let start = s.sequence_number_range().unwrap().starting_sequence_number();
        assert!(!start.is_empty() && start.bytes().all(|b| b.is_ascii_digit()));
        assert!(s.parent_shard_id().is_none());
        assert!(s.sequence_number_range().unwrap().ending_sequence_number().is_none());
    }
    assert_even_cover(&ranges(d.shards()));
    let created = d.stream_creation_timestamp().secs();
    let now = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap().as_secs() as i64;
    assert!((created - now).abs() < 3600, "creation time {created} vs {now}");

    let tags = c.list_tags_for_stream().stream_name("orders").send().await.unwrap();
    let kv: Vec<(&str, Option<&str>)> = tags.tags().iter().map(|t| (t.key(), t.value())).collect();
    assert_eq!(kv, [("env", Some("test")), ("team", Some("data"))]);
    assert!(!tags.has_more_tags());
}

#[tokio::test]
async fn on_demand_defaults_to_four_shards() {
    let server = Server::start();
    let c = client(&server);
    c.create_stream()
        .stream_name("od")
        .stream_mode_details(StreamModeDetails::builder().stream_mode(StreamMode::OnDemand).build().unwrap())
        .send()
        .await
        .unwrap();
    let s = summary(&c, "od").await;
    assert_eq!(s.open_shard_count(), 4);
    assert_eq!(s.stream_mode_details().map(|m| m.stream_mode()), Some(&StreamMode::OnDemand));
    let d = describe(&c, "od").await;
    let r = ranges(d.shards());
    assert_eq!(r.len(), 4);
    assert_eq!(r[0], (0, 85070591730234615865843651857942052863));
    assert_even_cover(&r);
}

#[tokio::test]
async fn describe_stream_pages_shards() {
    let server = Server::start();
    let c = client(&server);
    create_stream(&c, "paged", 5).await;
    let mut seen = Vec::new();
    let mut start: Option<String> = None;
    let mut pages = 0;
    loop {
        let out = c
            .describe_stream()
            .stream_name("paged")
            .limit(2)
            .set_exclusive_start_shard_id(start.clone())
            .send()
            .await
            .unwrap();
        let d = out.stream_description().unwrap();
        pages += 1;
        assert!(d.shards().len() <= 2);
        seen.extend(d.shards().iter().map(|s| s.shard_id().to_string()));
        if !d.has_more_shards() {
            break;
        }
        assert_eq!(d.shards().len(), 2, "a non-final page is full");
        start = seen.last().cloned();
        assert!(pages < 10, "paging does not end");
    }
    assert_eq!(pages, 3);
    let want: Vec<String> = (0..5).map(|i| format!("shardId-{i:012}")).collect();
    assert_eq!(seen, want);
}

#[tokio::test]
async fn describe_stream_summary_fields() {
    let server = Server::start();
    let c = client(&server);
    create_stream(&c, "sum", 2).await;
    let s = summary(&c, "sum").await;
    assert_eq!(s.stream_name(), "sum");
    assert_eq!(s.stream_arn(), "arn:aws:kinesis:us-east-1:000000000000:stream/sum");
    assert_eq!(s.stream_status(), &StreamStatus::Active);
    assert_eq!(s.open_shard_count(), 2);
    assert_eq!(s.retention_period_hours(), 24);
    assert_eq!(s.encryption_type(), Some(&EncryptionType::None));
    assert_eq!(s.stream_mode_details().map(|m| m.stream_mode()), Some(&StreamMode::Provisioned));
}

#[tokio::test]
async fn list_streams_pages() {
    let server = Server::start();
    let c = client(&server);
    for n in ["ls-c", "ls-a", "ls-e", "ls-b", "ls-d"] {
        create_stream(&c, n, 1).await;
    }
    let p1 = c.list_streams().limit(2).send().await.unwrap();
    assert_eq!(p1.stream_names(), ["ls-a", "ls-b"]);
    assert!(p1.has_more_streams());
    let summaries: Vec<&str> = p1.stream_summaries().iter().map(|s| s.stream_name()).collect();
    assert_eq!(summaries, ["ls-a", "ls-b"]);
    let s = &p1.stream_summaries()[0];
    assert_eq!(s.stream_arn(), "arn:aws:kinesis:us-east-1:000000000000:stream/ls-a");
    assert_eq!(s.stream_status(), &StreamStatus::Active);
    assert_eq!(s.stream_mode_details().map(|m| m.stream_mode()), Some(&StreamMode::Provisioned));
    assert!(s.stream_creation_timestamp().is_some());

    let p2 = c
        .list_streams()
        .limit(2)
        .next_token(p1.next_token().expect("NextToken on a non-final page"))
        .send()
        .await
        .unwrap();
    assert_eq!(p2.stream_names(), ["ls-c", "ls-d"]);
    assert!(p2.has_more_streams());
    let p3 = c.list_streams().limit(2).next_token(p2.next_token().unwrap()).send().await.unwrap();
    assert_eq!(p3.stream_names(), ["ls-e"]);
    assert!(!p3.has_more_streams());
    assert_eq!(p3.next_token(), None);

    let after = c.list_streams().exclusive_start_stream_name("ls-b").send().await.unwrap();
    assert_eq!(after.stream_names(), ["ls-c", "ls-d", "ls-e"]);
    assert!(!after.has_more_streams());
    // The start name need not exist.
    let after = c.list_streams().exclusive_start_stream_name("ls-bb").limit(1).send().await.unwrap();
    assert_eq!(after.stream_names(), ["ls-c"]);
    assert!(after.has_more_streams());
}

#[tokio::test]
async fn list_shards_paging_and_filters() {
    let server = Server::start();
    let c = client(&server);
    create_stream(&c, "shards", 5).await;
    let all: Vec<String> = (0..5).map(|i| format!("shardId-{i:012}")).collect();
    let ids = |out: &aws_sdk_kinesis::operation::list_shards::ListShardsOutput| -> Vec<String> {
        out.shards().iter().map(|s| s.shard_id().to_string()).collect()
    };

    let mut seen = Vec::new();
    let mut out = c.list_shards().stream_name("shards").max_results(2).send().await.unwrap();
    let mut pages = 1;
    loop {
        seen.extend(ids(&out));
        let Some(token) = out.next_token().map(str::to_owned) else {
            break;
        };
        assert_eq!(out.shards().len(), 2);
        out = c.list_shards().next_token(&token).max_results(2).send().await.unwrap();
        pages += 1;
        assert!(pages < 10);
    }
    assert_eq!(pages, 3);
    assert_eq!(seen, all);

    let first = c.list_shards().stream_name("shards").max_results(1).send().await.unwrap();
    let e = api_err(c.list_shards().stream_name("shards").next_token(first.next_token().unwrap()).send().await);
    assert_eq!(e.code, "InvalidArgumentException");
    assert_eq!(e.message, "NextToken and StreamName cannot be provided together.");

    let filtered = |t: ShardFilterType, shard: Option<&str>| {
        let mut f = ShardFilter::builder().r#type(t);
        if let Some(s) = shard {
            f = f.shard_id(s);
        }
        c.list_shards().stream_name("shards").shard_filter(f.build().unwrap()).send()
    };
    let latest = filtered(ShardFilterType::AtLatest, None).await.unwrap();
    assert_eq!(ids(&latest), all);
    let after = filtered(ShardFilterType::AfterShardId, Some("shardId-000000000002")).await.unwrap();
    assert_eq!(ids(&after), &all[3..]);
    let horizon = filtered(ShardFilterType::FromTrimHorizon, None).await.unwrap();
    assert_eq!(ids(&horizon), all);
    let start =
        c.list_shards().stream_name("shards").exclusive_start_shard_id("shardId-000000000003").send().await.unwrap();
    assert_eq!(ids(&start), &all[4..]);
}

#[tokio::test]
async fn delete_then_not_found_and_create_twice() {
    let server = Server::start();
    let c = client(&server);
    create_stream(&c, "dup", 1).await;
    let e = api_err(c.create_stream().stream_name("dup").shard_count(2).send().await);
    assert_eq!(e.code, "ResourceInUseException");
    assert_eq!(e.message, "Stream dup under account 000000000000 already exists.");
    assert_eq!(describe(&c, "dup").await.shards().len(), 1, "first stream kept");

    c.delete_stream().stream_name("dup").send().await.unwrap();
    let e = api_err(c.describe_stream().stream_name("dup").send().await);
    assert_eq!(e.code, "ResourceNotFoundException");
    assert_eq!(e.message, not_found("dup", "000000000000"));
    let listed = c.list_streams().send().await.unwrap();
    assert!(listed.stream_names().is_empty(), "{:?}", listed.stream_names());
    let e = api_err(c.delete_stream().stream_name("dup").send().await);
    assert_eq!(e.code, "ResourceNotFoundException");
    // The name is free again.
    create_stream(&c, "dup", 2).await;
    assert_eq!(describe(&c, "dup").await.shards().len(), 2);
}

#[tokio::test]
async fn not_found_messages_are_exact() {
    let server = Server::start();
    let c = client(&server);
    let want = not_found("ghost", "000000000000");
    let errs = [
        api_err(c.describe_stream().stream_name("ghost").send().await),
        api_err(c.describe_stream_summary().stream_name("ghost").send().await),
        api_err(c.delete_stream().stream_name("ghost").send().await),
        api_err(c.list_shards().stream_name("ghost").send().await),
        api_err(c.list_tags_for_stream().stream_name("ghost").send().await),
        api_err(c.add_tags_to_stream().stream_name("ghost").tags("a", "b").send().await),
        api_err(c.increase_stream_retention_period().stream_name("ghost").retention_period_hours(48).send().await),
        api_err(c.put_record().stream_name("ghost").partition_key("k").data(Blob::new("x")).send().await),
    ];
    for e in errs {
        assert_eq!(e.code, "ResourceNotFoundException");
        assert_eq!(e.message, want);
    }
}

#[tokio::test]
async fn shard_limit_is_enforced_per_region() {
    let server = Server::with_args(&["--shard-limit", "5"]);
    let c = client(&server);
    create_stream(&c, "a", 3).await;
    let e = api_err(c.create_stream().stream_name("b").shard_count(3).send().await);
    assert_eq!(e.code, "LimitExceededException");
    assert_eq!(
        e.message,
        "This request would exceed the shard limit for the account 000000000000 in us-east-1. \
         Current shard count for the account: 3. Limit: 5. Number of additional shards that \
         would have resulted from this request: 3. Refer to the AWS Service Limits page \
         (http://docs.aws.amazon.com/general/latest/gr/aws_service_limits.html) for current \
         limits and how to request higher limits."
    );
    assert_eq!(api_err(c.describe_stream().stream_name("b").send().await).code, "ResourceNotFoundException");
    create_stream(&c, "b", 2).await; // exactly at the limit
    let eu = client_for(&server, "eu-west-1", common::TEST_ACCESS_KEY);
    create_stream(&eu, "c", 5).await;
    c.delete_stream().stream_name("a").send().await.unwrap();
    create_stream(&c, "d", 3).await; // freed by the deletion
}

#[tokio::test]
async fn creating_then_active_and_deleting_then_gone() {
    let server = Server::with_args(&["--create-stream-delay-ms", "5000", "--delete-stream-delay-ms", "5000"]);
    let c = client(&server);
    create_stream(&c, "slow", 2).await;
    let d = describe(&c, "slow").await;
    assert_eq!(d.stream_status(), &StreamStatus::Creating);
    assert!(d.shards().is_empty(), "no shards while CREATING");
    let e = api_err(c.put_record().stream_name("slow").partition_key("k").data(Blob::new("x")).send().await);
    assert_eq!(e.code, "ResourceNotFoundException");

    let deadline = Instant::now() + Duration::from_secs(60);
    while summary(&c, "slow").await.stream_status() != &StreamStatus::Active {
        assert!(Instant::now() < deadline, "stream never became ACTIVE");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert_eq!(describe(&c, "slow").await.shards().len(), 2);

    c.delete_stream().stream_name("slow").send().await.unwrap();
    assert_eq!(summary(&c, "slow").await.stream_status(), &StreamStatus::Deleting);
    let deadline = Instant::now() + Duration::from_secs(60);
    loop {
        match c.describe_stream_summary().stream_name("slow").send().await {
            Ok(_) => {
                assert!(Instant::now() < deadline, "stream never went away");
                tokio::time::sleep(Duration::from_millis(100)).await;
            }
            Err(e) => {
                let e = api_err::<(), _, _>(Err(e));
                assert_eq!(e.code, "ResourceNotFoundException");
                break;
            }
        }
    }
}

#[tokio::test]
async fn streams_are_namespaced_by_region_and_account() {
    let server = Server::start();
    let us = client(&server);
    let eu = client_for(&server, "eu-west-1", common::TEST_ACCESS_KEY);
    let acct = client_for(&server, "us-east-1", "123456789012");
    create_stream(&us, "shared", 1).await;
    create_stream(&eu, "shared", 2).await;
    create_stream(&acct, "shared", 3).await;

    let (du, de, da) = (describe(&us, "shared").await, describe(&eu, "shared").await, describe(&acct, "shared").await);
    assert_eq!(du.stream_arn(), "arn:aws:kinesis:us-east-1:000000000000:stream/shared");
    assert_eq!(de.stream_arn(), "arn:aws:kinesis:eu-west-1:000000000000:stream/shared");
    assert_eq!(da.stream_arn(), "arn:aws:kinesis:us-east-1:123456789012:stream/shared");
    assert_eq!((du.shards().len(), de.shards().len(), da.shards().len()), (1, 2, 3));

    create_stream(&eu, "only-eu", 1).await;
    assert_eq!(us.list_streams().send().await.unwrap().stream_names(), ["shared"]);
    assert_eq!(eu.list_streams().send().await.unwrap().stream_names(), ["only-eu", "shared"]);
    let e = api_err(acct.describe_stream().stream_name("only-eu").send().await);
    assert_eq!(e.message, not_found("only-eu", "123456789012"));

    // Records written in one region are not visible in the other.
    us.put_record()
        .stream_name("shared")
        .partition_key("k")
        .explicit_hash_key("0")
        .data(Blob::new("us"))
        .send()
        .await
        .unwrap();
    let it = eu
        .get_shard_iterator()
        .stream_name("shared")
        .shard_id("shardId-000000000000")
        .shard_iterator_type(ShardIteratorType::TrimHorizon)
        .send()
        .await
        .unwrap();
    let got = eu.get_records().shard_iterator(it.shard_iterator().unwrap()).send().await.unwrap();
    assert!(got.records().is_empty());

    eu.delete_stream().stream_name("shared").send().await.unwrap();
    assert_eq!(describe(&us, "shared").await.shards().len(), 1);
    assert_eq!(describe(&acct, "shared").await.shards().len(), 3);
}

#[tokio::test]
async fn stream_arn_works_in_place_of_name() {
    let server = Server::start();
    let c = client(&server);
    create_stream(&c, "by-arn", 2).await;
    let arn = summary(&c, "by-arn").await.stream_arn().to_string();
    assert_eq!(arn, "arn:aws:kinesis:us-east-1:000000000000:stream/by-arn");

    let d = c.describe_stream().stream_arn(&arn).send().await.unwrap();
    assert_eq!(d.stream_description().unwrap().stream_name(), "by-arn");
    let s = c.describe_stream_summary().stream_arn(&arn).send().await.unwrap();
    assert_eq!(s.stream_description_summary().unwrap().open_shard_count(), 2);
    let l = c.list_shards().stream_arn(&arn).send().await.unwrap();
    assert_eq!(l.shards().len(), 2);
    let put = c.put_record().stream_arn(&arn).partition_key("k").data(Blob::new("v")).send().await.unwrap();
    assert!(put.shard_id().starts_with("shardId-"));
    c.add_tags_to_stream().stream_arn(&arn).tags("k", "v").send().await.unwrap();
    let t = c.list_tags_for_stream().stream_arn(&arn).send().await.unwrap();
    assert_eq!(t.tags().len(), 1);
    c.increase_stream_retention_period().stream_arn(&arn).retention_period_hours(30).send().await.unwrap();
    assert_eq!(summary(&c, "by-arn").await.retention_period_hours(), 30);
    c.delete_stream().stream_arn(&arn).send().await.unwrap();
    let e = api_err(c.describe_stream().stream_name("by-arn").send().await);
    assert_eq!(e.code, "ResourceNotFoundException");
}

#[tokio::test]
async fn tags_add_list_page_remove() {
    let server = Server::start();
    let c = client(&server);
    create_stream(&c, "tagged", 1).await;
    let mut add = c.add_tags_to_stream().stream_name("tagged");
    for i in 1..=5 {
        add = add.tags(format!("k{i}"), format!("v{i}"));
    }
    add.send().await.unwrap();

    let list = |start: Option<&str>, limit: i32| {
        c.list_tags_for_stream()
            .stream_name("tagged")
            .set_exclusive_start_tag_key(start.map(str::to_owned))
            .limit(limit)
            .send()
    };
    let keys = |o: &aws_sdk_kinesis::operation::list_tags_for_stream::ListTagsForStreamOutput| {
        o.tags().iter().map(|t| t.key().to_string()).collect::<Vec<_>>()
    };
    let p = list(None, 2).await.unwrap();
    assert_eq!((keys(&p), p.has_more_tags()), (vec!["k1".into(), "k2".into()], true));
    let p = list(Some("k2"), 2).await.unwrap();
    assert_eq!((keys(&p), p.has_more_tags()), (vec!["k3".into(), "k4".into()], true));
    let p = list(Some("k4"), 2).await.unwrap();
    assert_eq!((keys(&p), p.has_more_tags()), (vec!["k5".to_string()], false));

    c.add_tags_to_stream().stream_name("tagged").tags("k1", "new").send().await.unwrap();
    c.remove_tags_from_stream().stream_name("tagged").tag_keys("k2").tag_keys("k4").send().await.unwrap();
    let all = list(None, 50).await.unwrap();
    let kv: Vec<(&str, Option<&str>)> = all.tags().iter().map(|t| (t.key(), t.value())).collect();
    assert_eq!(kv, [("k1", Some("new")), ("k3", Some("v3")), ("k5", Some("v5"))]);
    assert!(!all.has_more_tags());

    let e = api_err(c.add_tags_to_stream().stream_name("tagged").tags("bad", "a*b").send().await);
    assert_eq!(e.code, "InvalidArgumentException");
    let mut many = c.add_tags_to_stream().stream_name("tagged");
    for i in 0..48 {
        many = many.tags(format!("m{i:02}"), "x");
    }
    let e = api_err(many.send().await); // 3 existing + 48 new = 51 > 50
    assert_eq!(e.code, "InvalidArgumentException");
    assert!(e.message.contains("cannot have more than"), "{}", e.message);
    assert_eq!(list(None, 50).await.unwrap().tags().len(), 3, "rejected add changed nothing");
}

#[tokio::test]
async fn retention_increase_decrease_and_errors() {
    let server = Server::start();
    let c = client(&server);
    create_stream(&c, "ret", 1).await;
    let inc = |h: i32| c.increase_stream_retention_period().stream_name("ret").retention_period_hours(h).send();
    let dec = |h: i32| c.decrease_stream_retention_period().stream_name("ret").retention_period_hours(h).send();
    inc(48).await.unwrap();
    assert_eq!(summary(&c, "ret").await.retention_period_hours(), 48);
    let cases = [
        (
            api_err(inc(24).await),
            "Requested retention period (24 hours) for stream ret can not be shorter than \
             existing retention period (48 hours). Use DecreaseRetentionPeriod API.",
        ),
        (
            api_err(dec(72).await),
            "Requested retention period (72 hours) for stream ret can not be longer than \
             existing retention period (48 hours). Use IncreaseRetentionPeriod API.",
        ),
        (
            api_err(dec(23).await),
            "Minimum allowed retention period is 24 hours. Requested retention period (23 \
             hours) is too short.",
        ),
        (
            api_err(inc(8761).await),
            "Maximum allowed retention period is 8760 hours. Requested retention period (8761 \
             hours) is too long.",
        ),
    ];
    for (e, msg) in cases {
        assert_eq!(e.code, "InvalidArgumentException");
        assert_eq!(e.message, msg);
    }
    assert_eq!(summary(&c, "ret").await.retention_period_hours(), 48, "errors changed nothing");
    inc(48).await.expect("equal value is accepted");
    inc(8760).await.unwrap();
    assert_eq!(summary(&c, "ret").await.retention_period_hours(), 8760);
    dec(24).await.unwrap();
    assert_eq!(summary(&c, "ret").await.retention_period_hours(), 24);
}

async fn read_all_from_trim_horizon(c: &Client, name: &str) -> Vec<String> {
    let it = c
        .get_shard_iterator()
        .stream_name(name)
        .shard_id("shardId-000000000000")
        .shard_iterator_type(ShardIteratorType::TrimHorizon)
        .send()
        .await
        .unwrap();
    let out = c.get_records().shard_iterator(it.shard_iterator().unwrap()).send().await.unwrap();
    out.records().iter().map(|r| String::from_utf8(r.data().as_ref().to_vec()).unwrap()).collect()
}

async fn put(c: &Client, name: &str, data: &str) {
    c.put_record().stream_name(name).partition_key("k").data(Blob::new(data)).send().await.unwrap();
}

#[tokio::test]
async fn retention_trims_old_records() {
    let server = Server::with_args(&["--time-travel"]);
    let c = client(&server);
    create_stream(&c, "keep48", 1).await;
    create_stream(&c, "keep24", 1).await;
    c.increase_stream_retention_period().stream_name("keep48").retention_period_hours(48).send().await.unwrap();
    for i in 0..3 {
        put(&c, "keep48", &format!("old{i}")).await;
        put(&c, "keep24", &format!("old{i}")).await;
    }
    assert_eq!(read_all_from_trim_horizon(&c, "keep24").await.len(), 3);

    server.advance_clock(25 * 3_600_000);
    assert!(
        read_all_from_trim_horizon(&c, "keep24").await.is_empty(),
        "records older than the default 24 h retention are gone"
    );
    assert_eq!(read_all_from_trim_horizon(&c, "keep48").await, ["old0", "old1", "old2"]);

    put(&c, "keep48", "fresh").await;
    c.decrease_stream_retention_period().stream_name("keep48").retention_period_hours(24).send().await.unwrap();
    assert_eq!(
        read_all_from_trim_horizon(&c, "keep48").await,
        ["fresh"],
        "decreasing retention trims the records older than the new period"
    );
}
