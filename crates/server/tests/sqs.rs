//! Amazon SQS end to end: aws-sdk-sqs (AWS JSON 1.0, checksums verified by the SDK) against
//! the real binary — a FIFO round trip with several groups and concurrent consumers.

mod common;

use aws_sdk_sqs::config::retry::RetryConfig;
use aws_sdk_sqs::config::{BehaviorVersion, Credentials, Region};
use aws_sdk_sqs::error::ProvideErrorMetadata;
use aws_sdk_sqs::types::{DeleteMessageBatchRequestEntry, QueueAttributeName, SendMessageBatchRequestEntry};
use aws_sdk_sqs::Client;
use common::Server;
use std::collections::{BTreeMap, HashSet};
use std::sync::{Arc, Mutex};

fn sqs_client(server: &Server) -> Client {
    let conf = aws_sdk_sqs::Config::builder()
        .behavior_version(BehaviorVersion::latest())
        .endpoint_url(server.endpoint())
        .region(Region::new("us-east-1"))
        .credentials_provider(Credentials::new(
            common::TEST_ACCESS_KEY,
            "kinesin-test-secret",
            None,
            None,
            "kinesin-tests",
        ))
        .retry_config(RetryConfig::disabled())
        .build();
    Client::from_conf(conf)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn fifo_round_trip_with_groups_and_concurrent_consumers() {
    let server = Server::start();
    let c = sqs_client(&server);
    let url = c
        .create_queue()
        .queue_name("trucks.fifo")
        .attributes(QueueAttributeName::FifoQueue, "true")
        .attributes(QueueAttributeName::ContentBasedDeduplication, "true")
        .send()
        .await
        .expect("create queue")
        .queue_url
        .expect("queue url");
    assert_eq!(url, format!("{}/000000000000/trucks.fifo", server.endpoint()));
    let groups = 6;
    let per_group = 10;
    for n in 0..per_group {
        let mut batch = c.send_message_batch().queue_url(&url);
        for g in 0..groups {
            batch = batch.entries(
                SendMessageBatchRequestEntry::builder()
                    .id(format!("g{g}-{n}"))
                    .message_body(format!("{g}:{n}"))
                    .message_group_id(format!("truck-{g}"))
                    .message_attributes(
                        "n",
                        aws_sdk_sqs::types::MessageAttributeValue::builder()
                            .data_type("Number")
                            .string_value(n.to_string())
                            .build()
                            .expect("attribute"),
                    )
                    .build()
                    .expect("entry"),
            );
        }
        let out = batch.send().await.expect("send batch");
        assert!(out.failed.is_empty(), "{:?}", out.failed);
        assert_eq!(out.successful.len(), groups);
    }
    let seen: Arc<Mutex<BTreeMap<u32, Vec<u32>>>> = Arc::default();
    let in_flight: Arc<Mutex<HashSet<u32>>> = Arc::default();
    let mut consumers = Vec::new();
    for _ in 0..3 {
        let (c, url, seen, in_flight) = (c.clone(), url.clone(), seen.clone(), in_flight.clone());
        consumers.push(tokio::spawn(async move {
            let mut idle = 0;
            while idle < 3 {
                let out = c
                    .receive_message()
                    .queue_url(&url)
                    .max_number_of_messages(4)
                    .wait_time_seconds(1)
                    .message_attribute_names("All")
                    .send()
                    .await
                    .expect("receive");
                let msgs = out.messages.unwrap_or_default();
                if msgs.is_empty() {
                    idle += 1;
                    continue;
                }
                idle = 0;
                let parsed: Vec<(u32, u32)> = msgs
                    .iter()
                    .map(|m| {
                        let (g, n) = m.body().unwrap().split_once(':').unwrap();
                        (g.parse().unwrap(), n.parse().unwrap())
                    })
                    .collect();
                let batch_groups: HashSet<u32> = parsed.iter().map(|p| p.0).collect();
                {
                    let mut f = in_flight.lock().unwrap();
                    assert!(f.is_disjoint(&batch_groups), "a group was delivered while in flight");
                    f.extend(&batch_groups);
                    let mut s = seen.lock().unwrap();
                    for (g, n) in &parsed {
                        s.entry(*g).or_default().push(*n);
                    }
                }
                tokio::time::sleep(std::time::Duration::from_millis(5)).await;
                in_flight.lock().unwrap().retain(|g| !batch_groups.contains(g));
                let mut del = c.delete_message_batch().queue_url(&url);
                for (i, m) in msgs.iter().enumerate() {
                    del = del.entries(
                        DeleteMessageBatchRequestEntry::builder()
                            .id(i.to_string())
                            .receipt_handle(m.receipt_handle().unwrap())
                            .build()
                            .unwrap(),
                    );
                }
                let out = del.send().await.expect("delete batch");
                assert!(out.failed.is_empty());
            }
        }));
    }
    for h in consumers {
        h.await.expect("consumer");
    }
    let seen = seen.lock().unwrap().clone();
    for g in 0..groups as u32 {
        assert_eq!(seen.get(&g).cloned().unwrap_or_default(), (0..per_group as u32).collect::<Vec<_>>(), "group {g}");
    }
    let attrs = c
        .get_queue_attributes()
        .queue_url(&url)
        .attribute_names(QueueAttributeName::All)
        .send()
        .await
        .expect("attributes")
        .attributes
        .unwrap_or_default();
    assert_eq!(attrs.get(&QueueAttributeName::ApproximateNumberOfMessages).map(String::as_str), Some("0"));
    // Errors carry the query-compatible codes.
    let e = c.get_queue_url().queue_name("missing").send().await.expect_err("missing queue");
    assert_eq!(e.code(), Some("AWS.SimpleQueueService.NonExistentQueue"));
    let e = c.send_message().queue_url(&url).message_body("x").send().await.expect_err("no group");
    assert_eq!(e.code(), Some("MissingParameter"));
}
