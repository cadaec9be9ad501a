//! EventBridge Pipes end to end with aws-sdk-pipes (restJson1) against the real binary: the
//! control plane (create, describe, list, update, stop, start, tags, delete, errors) and a
//! Kinesis stream -> SQS FIFO queue pipe driven by aws-sdk-kinesis and aws-sdk-sqs.

mod common;

use aws_sdk_pipes::config::retry::RetryConfig;
use aws_sdk_pipes::config::{BehaviorVersion, Credentials, Region};
use aws_sdk_pipes::types::{
    DeadLetterConfig, Filter, FilterCriteria, KinesisStreamStartPosition, PipeSourceKinesisStreamParameters,
    PipeSourceParameters, PipeState, PipeTargetParameters, PipeTargetSqsQueueParameters, RequestedPipeState,
    UpdatePipeSourceKinesisStreamParameters, UpdatePipeSourceParameters,
};
use aws_sdk_sqs::types::{MessageSystemAttributeName, QueueAttributeName};
use common::{api_err, Server, TEST_ACCESS_KEY};
use std::collections::BTreeMap;
use std::time::{Duration, Instant};

const ACCOUNT: &str = "000000000000";
const ROLE: &str = "arn:aws:iam::000000000000:role/pipe-role";

fn creds() -> Credentials {
    Credentials::new(TEST_ACCESS_KEY, "kinesin-test-secret", None, None, "kinesin-tests")
}

fn pipes_client(server: &Server) -> aws_sdk_pipes::Client {
    let conf = aws_sdk_pipes::Config::builder()
        .behavior_version(BehaviorVersion::latest())
        .endpoint_url(server.endpoint())
        .region(Region::new("us-east-1"))
        .credentials_provider(creds())
        .retry_config(RetryConfig::disabled())
        .build();
    aws_sdk_pipes::Client::from_conf(conf)
}

fn sqs_client(server: &Server) -> aws_sdk_sqs::Client {
    let conf = aws_sdk_sqs::Config::builder()
        .behavior_version(aws_sdk_sqs::config::BehaviorVersion::latest())
        .endpoint_url(server.endpoint())
        .region(aws_sdk_sqs::config::Region::new("us-east-1"))
        .credentials_provider(creds())
        .retry_config(aws_sdk_sqs::config::retry::RetryConfig::disabled())
        .build();
    aws_sdk_sqs::Client::from_conf(conf)
}

fn kinesis_source(position: KinesisStreamStartPosition) -> PipeSourceKinesisStreamParameters {
    PipeSourceKinesisStreamParameters::builder().starting_position(position).batch_size(10).build().expect("params")
}

fn stream_arn(name: &str) -> String {
    format!("arn:aws:kinesis:us-east-1:{ACCOUNT}:stream/{name}")
}

fn queue_arn(name: &str) -> String {
    format!("arn:aws:sqs:us-east-1:{ACCOUNT}:{name}")
}

async fn state(p: &aws_sdk_pipes::Client, name: &str) -> PipeState {
    p.describe_pipe().name(name).send().await.expect("describe").current_state().cloned().expect("state")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn control_plane() {
    let server = Server::start();
    let p = pipes_client(&server);
    let k = common::client(&server);
    let sqs = sqs_client(&server);
    common::create_stream(&k, "positions", 1).await;
    sqs.create_queue().queue_name("out").send().await.expect("queue");
    let source = PipeSourceParameters::builder()
        .kinesis_stream_parameters(kinesis_source(KinesisStreamStartPosition::TrimHorizon))
        .build();
    let out = p
        .create_pipe()
        .name("trucks")
        .description("positions to the queue")
        .source(stream_arn("positions"))
        .target(queue_arn("out"))
        .role_arn(ROLE)
        .source_parameters(source.clone())
        .tags("team", "fleet")
        .send()
        .await
        .expect("create");
    assert_eq!(out.arn(), Some("arn:aws:pipes:us-east-1:000000000000:pipe/trucks"));
    assert_eq!(out.desired_state(), Some(&RequestedPipeState::Running));
    assert_eq!(out.current_state(), Some(&PipeState::Creating));
    assert!(out.creation_time().is_some_and(|t| t.secs() > 1_700_000_000));

    let d = p.describe_pipe().name("trucks").send().await.expect("describe");
    assert_eq!(d.current_state(), Some(&PipeState::Running));
    assert_eq!(
        (d.source(), d.target(), d.role_arn()),
        (Some(&*stream_arn("positions")), Some(&*queue_arn("out")), Some(ROLE))
    );
    assert_eq!(d.description(), Some("positions to the queue"));
    let ks = d.source_parameters().and_then(|s| s.kinesis_stream_parameters()).expect("kinesis parameters");
    assert_eq!((ks.starting_position(), ks.batch_size()), (&KinesisStreamStartPosition::TrimHorizon, Some(10)));
    assert_eq!(d.tags().and_then(|t| t.get("team")).map(String::as_str), Some("fleet"));

    let listed = p.list_pipes().name_prefix("tru").send().await.expect("list");
    let names: Vec<_> = listed.pipes().iter().filter_map(|x| x.name()).collect();
    assert_eq!(names, ["trucks"]);
    assert!(p.list_pipes().current_state(PipeState::Stopped).send().await.expect("list").pipes().is_empty());

    // Update: a merged source parameter, a filter and a dead-letter queue.
    let filter = FilterCriteria::builder()
        .filters(Filter::builder().pattern(r#"{"partitionKey": [{"prefix": "truck-"}]}"#).build())
        .build();
    let update = UpdatePipeSourceParameters::builder()
        .kinesis_stream_parameters(
            UpdatePipeSourceKinesisStreamParameters::builder()
                .batch_size(5)
                .maximum_retry_attempts(3)
                .dead_letter_config(DeadLetterConfig::builder().arn(queue_arn("out")).build())
                .build(),
        )
        .filter_criteria(filter.clone())
        .build();
    let u = p
        .update_pipe()
        .name("trucks")
        .role_arn(ROLE)
        .description("v2")
        .source_parameters(update)
        .send()
        .await
        .expect("update");
    assert_eq!(u.current_state(), Some(&PipeState::Updating));
    let d = p.describe_pipe().name("trucks").send().await.expect("describe");
    let sp = d.source_parameters().expect("source parameters");
    let ks = sp.kinesis_stream_parameters().expect("kinesis");
    assert_eq!((ks.batch_size(), ks.maximum_retry_attempts()), (Some(5), Some(3)));
    assert_eq!(ks.starting_position(), &KinesisStreamStartPosition::TrimHorizon, "kept by the merge");
    assert_eq!(ks.dead_letter_config().and_then(|c| c.arn()), Some(&*queue_arn("out")));
    assert_eq!(sp.filter_criteria(), Some(&filter));
    assert_eq!(d.description(), Some("v2"));

    // A bad pattern is refused and changes nothing.
    let bad = UpdatePipeSourceParameters::builder()
        .filter_criteria(FilterCriteria::builder().filters(Filter::builder().pattern(r#"{"data": 1}"#).build()).build())
        .build();
    let e = api_err(p.update_pipe().name("trucks").role_arn(ROLE).source_parameters(bad).send().await);
    assert_eq!(e.code, "ValidationException");
    assert!(e.message.starts_with("Event pattern is not valid."), "{}", e.message);
    let e = api_err(
        p.update_pipe()
            .name("trucks")
            .role_arn(ROLE)
            .enrichment("arn:aws:lambda:us-east-1:000000000000:function:f")
            .send()
            .await,
    );
    assert_eq!(e.code, "ValidationException");
    assert!(e.message.contains("Enrichment"), "{}", e.message);

    let s = p.stop_pipe().name("trucks").send().await.expect("stop");
    assert_eq!(
        (s.desired_state(), s.current_state()),
        (Some(&RequestedPipeState::Stopped), Some(&PipeState::Stopping))
    );
    assert_eq!(state(&p, "trucks").await, PipeState::Stopped);
    let s = p.start_pipe().name("trucks").send().await.expect("start");
    assert_eq!(s.current_state(), Some(&PipeState::Starting));
    assert_eq!(state(&p, "trucks").await, PipeState::Running);

    let arn = d.arn().expect("arn").to_string();
    p.tag_resource().resource_arn(&arn).tags("env", "test").send().await.expect("tag");
    let tags = p.list_tags_for_resource().resource_arn(&arn).send().await.expect("tags");
    let tags: BTreeMap<_, _> = tags.tags().expect("tags").iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
    assert_eq!(tags, BTreeMap::from([("env", "test"), ("team", "fleet")]));
    p.untag_resource().resource_arn(&arn).tag_keys("team").send().await.expect("untag");
    let tags = p.list_tags_for_resource().resource_arn(&arn).send().await.expect("tags");
    assert_eq!(tags.tags().map(|t| t.len()), Some(1));

    let e = api_err(
        p.create_pipe()
            .name("trucks")
            .source(stream_arn("positions"))
            .target(queue_arn("out"))
            .role_arn(ROLE)
            .source_parameters(source)
            .send()
            .await,
    );
    assert_eq!(e.code, "ConflictException");

    let del = p.delete_pipe().name("trucks").send().await.expect("delete");
    assert_eq!(del.current_state(), Some(&aws_sdk_pipes::types::PipeState::Deleting));
    let err = p.describe_pipe().name("trucks").send().await.expect_err("gone");
    assert!(err.into_service_error().is_not_found_exception());
    let e = api_err(p.stop_pipe().name("nope").send().await);
    assert_eq!(e.code, "NotFoundException");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn kinesis_to_fifo_queue_keeps_every_truck_in_order() {
    let server = Server::start();
    let p = pipes_client(&server);
    let k = common::client(&server);
    let sqs = sqs_client(&server);
    common::create_stream(&k, "trucks", 3).await;
    let url = sqs
        .create_queue()
        .queue_name("trucks.fifo")
        .attributes(QueueAttributeName::FifoQueue, "true")
        .attributes(QueueAttributeName::ContentBasedDeduplication, "true")
        .send()
        .await
        .expect("queue")
        .queue_url
        .expect("url");
    let filter = FilterCriteria::builder()
        .filters(Filter::builder().pattern(r#"{"data": {"kind": ["position"]}}"#).build())
        .build();
    p.create_pipe()
        .name("trucks")
        .source(stream_arn("trucks"))
        .target(queue_arn("trucks.fifo"))
        .role_arn(ROLE)
        .source_parameters(
            PipeSourceParameters::builder()
                .kinesis_stream_parameters(kinesis_source(KinesisStreamStartPosition::TrimHorizon))
                .filter_criteria(filter)
                .build(),
        )
        .target_parameters(
            PipeTargetParameters::builder()
                .sqs_queue_parameters(
                    PipeTargetSqsQueueParameters::builder()
                        .message_group_id("$.partitionKey")
                        .message_deduplication_id("$.eventID")
                        .build(),
                )
                .build(),
        )
        .send()
        .await
        .expect("create pipe");

    let (trucks, positions) = (12, 8);
    for n in 0..positions {
        let mut batch = k.put_records().stream_name("trucks");
        for t in 0..trucks {
            let data = format!(r#"{{"kind": "position", "truck": "truck-{t:03}", "n": {n}}}"#);
            batch = batch.records(
                aws_sdk_kinesis::types::PutRecordsRequestEntry::builder()
                    .partition_key(format!("truck-{t:03}"))
                    .data(aws_sdk_kinesis::primitives::Blob::new(data))
                    .build()
                    .expect("entry"),
            );
        }
        // A heartbeat per round that the filter drops.
        batch = batch.records(
            aws_sdk_kinesis::types::PutRecordsRequestEntry::builder()
                .partition_key("truck-000")
                .data(aws_sdk_kinesis::primitives::Blob::new(r#"{"kind": "heartbeat"}"#))
                .build()
                .expect("entry"),
        );
        let out = batch.send().await.expect("put records");
        assert_eq!(out.failed_record_count(), Some(0));
    }

    let want = (trucks * positions) as usize;
    let mut seen: BTreeMap<String, Vec<i64>> = BTreeMap::new();
    let mut total = 0;
    let deadline = Instant::now() + Duration::from_secs(60);
    while total < want && Instant::now() < deadline {
        let got = sqs
            .receive_message()
            .queue_url(&url)
            .max_number_of_messages(10)
            .wait_time_seconds(1)
            .message_system_attribute_names(MessageSystemAttributeName::All)
            .send()
            .await
            .expect("receive");
        for m in got.messages() {
            let event: serde_json::Value = serde_json::from_str(m.body().expect("body")).expect("event json");
            assert_eq!(event["eventSource"], "aws:kinesis");
            assert_eq!(event["eventSourceARN"], stream_arn("trucks"));
            let data = aws_smithy_types::base64::decode(event["data"].as_str().expect("data")).expect("base64");
            let data: serde_json::Value = serde_json::from_slice(&data).expect("data json");
            let truck = data["truck"].as_str().expect("truck").to_string();
            let group = m.attributes().and_then(|a| a.get(&MessageSystemAttributeName::MessageGroupId));
            assert_eq!(group, Some(&truck), "group id = partition key");
            seen.entry(truck).or_default().push(data["n"].as_i64().expect("n"));
            sqs.delete_message()
                .queue_url(&url)
                .receipt_handle(m.receipt_handle().expect("handle"))
                .send()
                .await
                .expect("delete");
            total += 1;
        }
    }
    assert_eq!(total, want, "every position arrived");
    assert_eq!(seen.len(), trucks as usize);
    for (truck, ns) in &seen {
        assert_eq!(ns, &(0..positions).collect::<Vec<i64>>(), "{truck} in send order");
    }
    let extra = sqs.receive_message().queue_url(&url).wait_time_seconds(1).send().await.expect("receive");
    assert!(extra.messages().is_empty(), "no heartbeat and no duplicate");
}
