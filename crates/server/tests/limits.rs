//! AWS's limits (opt-in) and fault injection.

mod common;

use aws_sdk_kinesis::primitives::Blob;
use aws_sdk_kinesis::types::{PutRecordsRequestEntry, ShardIteratorType};
use common::{api_err, client, create_stream, Server};

fn entries(n: usize, size: usize) -> Vec<PutRecordsRequestEntry> {
    (0..n)
        .map(|i| {
            PutRecordsRequestEntry::builder()
                .partition_key(format!("k{i}"))
                .data(Blob::new(vec![b'x'; size]))
                .build()
                .unwrap()
        })
        .collect()
}

#[tokio::test]
async fn write_budget_is_one_mebibyte_per_shard_and_second() {
    let server = Server::with_args(&["--aws-limits"]);
    let c = client(&server);
    create_stream(&c, "w", 1).await;
    // One call is admitted at one instant: 500 records of 4,000 bytes are 1.9 MiB, so only the
    // first 1 MiB of them fit in the shard's budget.
    let out = c.put_records().stream_name("w").set_records(Some(entries(500, 4000))).send().await.unwrap();
    let failed = out.failed_record_count().unwrap_or(0);
    let ok: Vec<bool> = out.records().iter().map(|r| r.sequence_number().is_some()).collect();
    let admitted = ok.iter().take_while(|ok| **ok).count();
    assert!((255..=262).contains(&admitted), "{admitted} records of ~4 KB fit in 1 MiB");
    assert_eq!(failed as usize, 500 - admitted, "every record after the budget is spent fails");
    let bad = &out.records()[admitted];
    assert_eq!(bad.error_code(), Some("ProvisionedThroughputExceededException"));
    assert_eq!(
        bad.error_message(),
        Some("Rate exceeded for shard shardId-000000000000 in stream w under account 000000000000.")
    );
    assert!(bad.sequence_number().is_none());
}

#[tokio::test]
async fn get_records_is_limited_to_five_calls_per_second() {
    let server = Server::with_args(&["--aws-limits"]);
    let c = client(&server);
    create_stream(&c, "r", 1).await;
    let it = c
        .get_shard_iterator()
        .stream_name("r")
        .shard_id("shardId-000000000000")
        .shard_iterator_type(ShardIteratorType::TrimHorizon)
        .send()
        .await
        .unwrap()
        .shard_iterator()
        .unwrap()
        .to_string();
    let mut throttled = 0;
    for _ in 0..12 {
        match c.get_records().shard_iterator(&it).send().await {
            Ok(_) => {}
            Err(e) => {
                let e = api_err(Err::<(), _>(e));
                assert_eq!(e.code, "ProvisionedThroughputExceededException");
                throttled += 1;
            }
        }
    }
    assert!(throttled > 0, "12 calls in a row exceed 5 per second");
}

#[tokio::test]
async fn error_probability_fails_puts() {
    let server = Server::with_args(&["--error-probability", "1.0"]);
    let c = client(&server);
    create_stream(&c, "f", 2).await;
    let e = api_err(c.put_record().stream_name("f").partition_key("k").data(Blob::new("x")).send().await);
    assert_eq!(e.code, "ProvisionedThroughputExceededException");
    let out = c.put_records().stream_name("f").set_records(Some(entries(10, 10))).send().await.unwrap();
    assert_eq!(out.failed_record_count(), Some(10));
}

#[tokio::test]
async fn limits_are_off_by_default() {
    let server = Server::start();
    let c = client(&server);
    create_stream(&c, "d", 1).await;
    for _ in 0..3 {
        let out = c.put_records().stream_name("d").set_records(Some(entries(500, 2000))).send().await.unwrap();
        assert_eq!(out.failed_record_count(), Some(0));
    }
}
